"""Pango text for the scenes: laid out once per process, wrapped to a width, never shrunk.

Building a Manim :class:`~manim.Text` costs about 0.15 s (Pango lays it out to
an SVG, which is parsed into glyph paths), and a storyboard builds the same
texts twice when a plan pass walks it before the render.  :func:`text` keeps
each distinct text it built and hands out copies (a caption's copy costs a few milliseconds).
"""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections import OrderedDict
from typing import Any

import svgelements as se
from manim import Text, logger

from nnanim.core.notation import NBSP, join, loosen

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None

__all__ = ["text", "wrap_text"]

#: distinct texts kept per process (a video uses a few dozen)
_KEEP = 512
_built: OrderedDict[tuple, Text] = OrderedDict()


def text(body: str, *, font: str, font_size: float, color: Any, weight: str = "NORMAL",
         line_spacing: float = -1) -> Text:
    """``Text(body, ...)``, built once per distinct set of arguments and copied after that."""
    return _kept(body, font, font_size, color, weight, line_spacing).copy()


def _kept(body: str, font: str, font_size: float, color: Any, weight: str, line_spacing: float) -> Text:
    """The kept (never shown) ``Text`` of these arguments: built on the first call.

    Its glyphs drop the SVG path objects they were parsed from (``path_obj``,
    read only while the glyph's points are made): a copy deep-copied them,
    eight times the cost of the rest (a caption's copy took 38 ms, now 5).
    """
    key = (body, font, float(font_size), str(color), weight, line_spacing)
    built = _built.get(key)
    if built is None:
        with _one_process_at_a_time(), _wide_canvas():
            built = _GlyphsOnly(body, font=font, font_size=font_size, color=color, weight=weight,
                                line_spacing=line_spacing, name="Text")
        built.__class__ = Text  # a Text as Manim builds it: the same glyphs (no index of groups)
        for part in built.get_family():
            if getattr(part, "path_obj", None) is not None:
                part.path_obj = None
        _built[key] = built
        if len(_built) > _KEEP:
            _built.popitem(last=False)
    else:
        _built.move_to_end(key)
    return built


#: the SVG elements Manim makes a mobject of (the rest only group them)
_SHAPES = (se.Path, se.SimpleLine, se.Rect, se.Circle, se.Ellipse, se.Polygon, se.Polyline, se.Text)


class _GlyphsOnly(Text):
    """Manim's :class:`~manim.Text`, without the index of the SVG's groups that it builds.

    Manim's SVG import makes an empty ``VGroup`` for every element of the SVG (Pango's has
    three or four per glyph: its symbol, its use, their groups) and adds each glyph to the
    groups above it, to look groups up by id (``id_to_vgroup_dict``; a ``Text`` never
    does).  Those groups took a fifth of the time a text took to build, and every copy of
    the text deep-copied them again.  The glyphs are the same mobjects, made in the same
    order (a depth-first walk of the SVG, as Manim's).
    """

    def get_mobjects_from(self, svg: se.SVG) -> tuple[list, dict]:
        result, stack = [], [svg]
        while stack:
            element = stack.pop()
            if isinstance(element, (se.Group, se.Use)):
                stack.extend(element[::-1])
            if not isinstance(element, _SHAPES):
                continue
            try:
                mob = self.get_mob_from_shape_element(element)
            except Exception as e:  # noqa: BLE001 - as Manim: logged, the element left out
                logger.error(f"Exception occurred in 'get_mobjects_from'. Details: {e}")
                continue
            if mob is not None:
                result.append(mob)
        return result, {}


#: the width and height (Pango units, about pixels of its 10 px title font) of the canvas a
#: text is laid out on: wide enough that Pango never breaks a line (nnanim wraps its texts itself)
CANVAS = (16384, 4096)


@contextlib.contextmanager
def _wide_canvas():
    """Lay a text out on a fixed canvas of :data:`CANVAS`, whatever the frame's pixel size.

    Manim hands Pango the frame's pixel width as the layout's width, and Pango breaks any
    line wider than that: at 160 × 90 a title of twenty characters broke in two.  The text
    kept for these arguments (and the SVG Manim keeps on disk by a hash that leaves the width
    out) then carried that break into every later frame size of the process: a caption one line
    taller, over the picture, in a square plan pass that came after a tiny render in the same
    test worker.  A fixed canvas makes a text the same in every frame, as its size in scene
    units already is (the canvas only bounds the layout; the glyphs' scale does not depend on it).
    """
    from manim import config

    saved = config.pixel_width, config.pixel_height
    config.pixel_width, config.pixel_height = CANVAS
    try:
        yield
    finally:
        config.pixel_width, config.pixel_height = saved


@contextlib.contextmanager
def _one_process_at_a_time():
    """Hold an exclusive lock on Manim's text folder while a text is built.

    Manim writes each text's SVG into the folder, then a copy ``NAME_.svg``
    beside it that it parses and deletes: two processes building the same
    text at once (the workers of ``nnanim batch``, parallel renders sharing
    the cache folder) delete each other's copy, or read a half-written SVG.
    """
    from manim import config

    if fcntl is None:
        yield
        return
    folder = config.get_dir("text_dir")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".lock", "w")  # noqa: SIM115 - closed below
    except OSError:  # an unwritable folder fails in Manim itself, with its own message
        yield
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        lock.close()


def wrap_text(body: str, font: str, size: float, width: float, color: Any, weight: str = "NORMAL",
              line_spacing: float = 0.9) -> Text:
    """``body`` wrapped into lines no wider than ``width`` scene units, at ``size`` (never scaled down).

    Equations are joined first (:func:`nnanim.core.notation.join`): lines break
    between words, and an equation moves whole to the next line (only one
    wider than the whole line is broken, beside its signs).  The lines are
    balanced: the narrowest wrap with as few lines, so no word is left alone
    on a last line.
    """
    joined = _separated(join(body))
    chars = max(8, int(width / (size / 48 * 0.33)))  # a first guess, then narrower until it fits
    while True:  # measured on the kept texts; only the one chosen is copied
        lines = _wrap(joined, chars)
        chosen = "\n".join(lines) or " "
        mob = _kept(chosen, font, size, color, weight, line_spacing)
        if mob.width <= width or chars <= 8:
            break
        narrower = max(8, int(chars * min(0.95, width / mob.width)))
        longest = max(len(chunk) for chunk in joined.split(" "))
        first, loosened = _separated(join(body)), _separated(loosen(body))
        if narrower < longest and joined == first != loosened:  # an equation wider than the line
            joined = loosened
        elif narrower < longest and joined in (first, loosened):
            # a bound name wider than the line ("od280/od315 of diluted wines"): it breaks
            # between its words, rather than every other word going alone on a line
            unbound = _WORD_BOUND.sub(" ", joined)
            if unbound != joined:
                joined = unbound
                chars = max(chars, int(width / (size / 48 * 0.33)))  # (the first guess again)
                continue
        chars = narrower
    if len(lines) > 1:  # balance: the narrowest wrap with as few lines
        least = chars
        while least > 8 and len(_wrap(joined, least - 1)) == len(lines):
            least -= 1
        if least < chars:
            body = "\n".join(_wrap(joined, least))
            if _kept(body, font, size, color, weight, line_spacing).width <= width:
                chosen = body
    mob = text(chosen, font=font, font_size=size, color=color, weight=weight, line_spacing=line_spacing)
    # the words as read: a no-break space is drawn as a space (only the line breaks differ)
    mob.original_text = mob.original_text.replace(NBSP, " ")
    mob.text = mob.text.replace(NBSP, "")  # Manim's spaceless form of the words
    return mob


def _wrap(body: str, chars: int) -> list[str]:
    """Lines of at most ``chars`` characters, broken at ordinary spaces only (never inside a word
    or at a no-break space); a separator ``·`` where a line breaks is left out."""
    lines = textwrap.wrap(body, chars, break_long_words=False, break_on_hyphens=False)
    return [line[:-len(_SEPARATOR)] if line.endswith(_SEPARATOR) and line != _SEPARATOR else line
            for line in lines]


#: a spaced middle dot separates the parts of a title ("layer 2 · squash 3 → 2"; a product is
#: written without spaces, W·x): bound to the part before it, a line may break after it, and
#: the dot is then left out (a line never starts with it, as in "· squash 3 → 2")
_SEPARATOR = NBSP + "·"
_SPACED_DOT = re.compile(f"[ {NBSP}]+·[ {NBSP}]+")
#: a no-break space between two words (a feature's name bound whole), not beside a sign
_WORD_BOUND = re.compile(rf"(?<=\w){NBSP}(?=\w)")


def _separated(joined: str) -> str:
    """``joined`` (see :func:`~nnanim.core.notation.join`) with a break allowed after each
    separator ``·``."""
    return _SPACED_DOT.sub(_SEPARATOR + " ", joined)
