"""Math typography, one way for every scene: symbols, numbers and equations as Unicode text.

Pango draws plain text (no LaTeX), so the notation of DESIGN.md is written
with Unicode: subscripts and superscripts (``w₁``, ``h₂``, ``wᵢ``, ``bⱼ``,
``Wₗ``, ``x²``), a true minus sign (``−``, U+2212, never a hyphen) and
non-breaking joins, so that an equation is never split across lines: a
caption wraps between words, or the equation moves whole to the next line.

* :func:`sub`, :func:`sup`, :func:`symbol` — indices and powers.
* :func:`number`, :func:`signed`, :func:`percent` — numbers with a true minus.
* :func:`feature` — a feature formula (``x**2 + y**2``) as shown (``x² + y²``).
* :func:`join` — bind an equation's parts with no-break spaces;
  :func:`breaks_equation` tells whether a wrapped text split one.
* :func:`problems` — what is wrong with a string about to reach the screen
  (the typography test asks it of every text of every scene).

Pure Python: no manim import.
"""

from __future__ import annotations

import re

__all__ = [
    "MINUS",
    "NBSP",
    "OPERATORS",
    "VIEW",
    "breaks_equation",
    "feature",
    "general",
    "join",
    "loosen",
    "number",
    "percent",
    "problems",
    "signed",
    "sub",
    "sup",
    "symbol",
    "word",
]

#: the minus sign on screen (U+2212), not a hyphen
MINUS = "\u2212"
#: a space a line never breaks at (U+00A0): Pango draws it as a space; the wrapper keeps it
NBSP = "\u00a0"
#: the letter of a projection's axes (u₁ u₂ u₃): a picture of a space wider than it shows,
#: seen along directions of view (principal axes, a rotation).  Never p, which on screen is
#: always a probability (p = 0.5, p₁ … p_K of the classes); never x or h, which are a space's
#: own coordinates
VIEW = "u"
#: signs that bind the terms either side of them into one equation
OPERATORS = "=→+−·×≈<>≤≥"

_SUB = dict(zip("0123456789+−-=()aehijklmnoprstuvx",
                "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP = dict(zip("0123456789+−-=()inT",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁱⁿᵀ", strict=True))


def _script(value, table: dict[str, str], kind: str) -> str:
    text = str(value)
    missing = [c for c in text if c not in table]
    if missing:
        raise ValueError(f"no Unicode {kind} for {''.join(missing)!r} in {text!r}")
    return "".join(table[c] for c in text)


def sub(index) -> str:
    """``index`` as a subscript: ``sub(1)`` → ``"₁"``, ``sub("i")`` → ``"ᵢ"``."""
    return _script(index, _SUB, "subscript")


def sup(power) -> str:
    """``power`` as a superscript: ``sup(2)`` → ``"²"``, ``sup("T")`` → ``"ᵀ"``."""
    return _script(power, _SUP, "superscript")


def symbol(name: str, index=None, power=None) -> str:
    """A symbol with an optional subscript and superscript: ``symbol("w", 1)`` → ``"w₁"``."""
    return name + ("" if index is None else sub(index)) + ("" if power is None else sup(power))


def number(x: float, decimals: int = 2, *, keep_negative_zero: bool = False) -> str:
    """``x`` with ``decimals`` decimals and a true minus: ``-1.234`` → ``"−1.23"``.

    A negative number that rounds to zero is shown as ``0.00``, unless
    ``keep_negative_zero`` (a worked pass keeps ``−0.00``: it tells why a ReLU
    strikes it).
    """
    text = f"{float(x):.{decimals}f}"
    if not keep_negative_zero and text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text.replace("-", MINUS)


def signed(x: float, decimals: int = 2) -> str:
    """``x`` as a term after another: ``"+ 0.50"`` or ``"− 0.50"`` (joined by a no-break space)."""
    text = number(abs(x), decimals)
    return ("+" if x >= 0 or float(text) == 0.0 else MINUS) + NBSP + text


def percent(share: float, decimals: int = 1) -> str:
    """``share`` (0–1) as a percentage with a true minus: ``0.9971`` → ``"99.7%"``."""
    return number(100 * share, decimals) + "%"


def general(x: float, digits: int = 2) -> str:
    """``x`` in ``{:.{digits}g}`` form, with a true minus: ``-0.0123`` → ``"−0.012"``."""
    return f"{float(x):.{digits}g}".replace("-", MINUS)


def word(identifier: str) -> str:
    """An option's identifier as words on screen: ``leaky_relu`` → ``leaky relu``."""
    return identifier.replace("_", " ")


def feature(formula: str) -> str:
    """A feature formula as shown: ``x**2 + y**2`` → ``x² + y²``, ``x*y`` → ``x·y``, ``-`` → ``−``."""
    text = re.sub(r"\*\*(\d+)", lambda m: sup(m.group(1)), formula)
    text = text.replace("**", "^").replace("*", "·")  # a power that is no integer keeps a caret
    return re.sub(r"(?<![A-Za-z])-(?=[\s\w(.])", MINUS, text)


# a run of spaces beside an operator sign, or between a sign and its number
#: (a spaced "·" is a separator, "layer 1 · W·x": it binds only to what follows it, so a line
#: breaks before it, never after)
_BEFORE = OPERATORS.replace("·", "")
_AROUND = re.compile(rf" +(?=[{_BEFORE}](?:[ {NBSP}]|$))|(?<=[{OPERATORS}]) +(?=\S)")
#: the signs a long equation may break before (never after), the way a written-out sum
#: continues a line: ``… + 0.01·0.00`` / ``+ 1.03·2.77 = 3.11``
CONTINUE = OPERATORS


def join(text: str) -> str:
    """Bind every equation in ``text``: the spaces beside ``= → + − · × ≈ < >`` become no-break
    spaces, so a wrapped line breaks between words, never inside ``w·h + b = 0``.

    Only a sign standing alone between spaces binds (``x → A(t)·x``); a hyphen
    in a word or a colon do not.
    """
    return _AROUND.sub(lambda m: NBSP * len(m.group(0)), text)


def loosen(text: str) -> str:
    """``text`` joined, except before a sign: for an equation wider than its line, which then
    continues on the next line with its sign first (``+ 1.03·2.77``)."""
    return re.sub(rf"{NBSP}+(?=[{CONTINUE}]{NBSP})", " ", join(text))


def breaks_equation(wrapped: str) -> bool:
    """Whether a wrapped text has a line break beside an operator sign (an equation split).

    One break is allowed: an equation too long for its line continues on the
    next one with its sign first (``… + 0.01·0.00`` / ``+ 1.03·2.77 = 3.11``),
    the way a long sum is set by hand; a line never ends on a sign.
    """
    lines = wrapped.split("\n")
    for above, below in zip(lines, lines[1:], strict=False):
        end, start = above.rstrip(), below.lstrip()
        if end and end[-1] in OPERATORS:
            return True
        if start and start[0] in OPERATORS and not (start[0] in CONTINUE and start[1:2] in (" ", NBSP)):
            return True
    return False


_ASCII_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,:/]))-(?=\.?\d)")


def problems(text: str) -> list[str]:
    """What keeps ``text`` (as it reaches the screen, line breaks included) from the notation.

    Empty when it is fine.  Checks: no ``_``, ``^`` or ``**`` (write ``wᵢ``,
    ``x²``), no ASCII hyphen as a minus sign before a number, no line break
    beside an operator sign.
    """
    found = []
    for bad, say in (("_", "an underscore (write a subscript: wᵢ)"),
                     ("^", "a caret (write a superscript: x²)"),
                     ("**", "'**' (write a superscript: x²)")):
        if bad in text:
            found.append(say)
    if _ASCII_MINUS.search(text):
        found.append("a hyphen as a minus sign (write −, U+2212)")
    if breaks_equation(text):
        found.append("a line break inside an equation")
    return found
