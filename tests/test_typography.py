"""One notation on screen: Unicode indices and powers, a true minus, equations never split across lines.

The pure part checks :mod:`nnanim.core.notation` against hand-written expectations;
the wrapping part builds Pango text with :func:`nnanim.draw.text.wrap_text`; the
scene part reads every text a plan pass saw on screen, in every scene and
frame shape (:attr:`nnanim.draw.scene.FlowScene.shots`), and holds each to the
typography check, itself written here (not :func:`nnanim.core.notation.problems`).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from plan_shots import group, planned

from nnanim.core import notation
from nnanim.core.notation import MINUS, NBSP

# -- the check, written independently of the module under test
#: signs that bind an equation
SIGNS = "=→+−·×"


def typography_faults(text: str) -> list[str]:
    faults = [name for bad, name in (("_", "underscore"), ("^", "caret"), ("**", "double star"))
              if bad in text]
    if re.search(r"(^|[\s(\[=,:/])-\.?[0-9]", text):
        faults.append("hyphen as minus")
    lines = text.split("\n")
    for above, below in zip(lines, lines[1:]):
        end, start = above.rstrip(" \u00a0"), below.lstrip(" \u00a0")
        # a line may not end on a sign; it may start with one only as the continuation of an
        # equation too long for one line ("+ 1.03·2.77"), the sign standing alone before its term
        continued = len(start) > 1 and start[0] in SIGNS and start[1] in " \u00a0"
        if (end and end[-1] in SIGNS) or (start and start[0] in SIGNS and not continued):
            faults.append(f"equation split at {end[-8:]!r} / {start[:8]!r}")
    return faults


# -- the notation module


def test_indices_and_powers_are_unicode():
    assert notation.symbol("w", 1) == "w₁" and notation.symbol("h", 2) == "h₂"
    assert notation.symbol("w", "i") == "wᵢ" and notation.symbol("b", "j") == "bⱼ"
    assert notation.symbol("W", "l") == "Wₗ" and notation.symbol("x", power=2) == "x²"
    assert notation.sub(12) == "₁₂" and notation.sup("T") == "ᵀ"
    with pytest.raises(ValueError, match="no Unicode subscript"):
        notation.sub("q")


@pytest.mark.parametrize(("value", "decimals", "shown"), [
    (-1.234, 2, "−1.23"), (1.234, 2, "1.23"), (-0.001, 2, "0.00"), (0.0, 2, "0.00"),
    (-12.5, 1, "−12.5"), (3.0, 0, "3"), (-0.987, 3, "−0.987"),
])
def test_numbers_have_a_true_minus_and_no_negative_zero(value, decimals, shown):
    assert notation.number(value, decimals) == shown
    assert "-" not in notation.number(value, decimals)


def test_a_worked_pass_keeps_its_negative_zero():
    from nnanim.core.worked import number

    assert number(-0.001) == MINUS + "0.00" and number(-0.5) == "−0.50" and number(0.25) == "0.25"


def test_signed_terms_and_percentages():
    assert notation.signed(0.5) == "+" + NBSP + "0.50"
    assert notation.signed(-0.5) == MINUS + NBSP + "0.50"
    assert notation.signed(-0.001) == "+" + NBSP + "0.00"  # no "− 0.00"
    assert notation.percent(0.9971) == "99.7%"
    assert notation.general(-0.0123) == "−0.012"


def test_features_and_words_as_shown():
    assert notation.feature("x**2 + y**2") == "x² + y²"
    assert notation.feature("x*y") == "x·y"
    assert notation.feature("-x + y**3") == "−x + y³"
    assert notation.word("leaky_relu") == "leaky relu"


def test_join_binds_equations_and_nothing_else():
    joined = notation.join("bend each point: x → (1−t)·x + t·tanh(x)")
    assert joined == "bend each point: x" + NBSP + "→" + NBSP + "(1−t)·x" + NBSP + "+" + NBSP + "t·tanh(x)"
    assert notation.join("the data, as received") == "the data, as received"
    assert notation.join("a well-known fact") == "a well-known fact"
    assert notation.join("ŷ = 0.5 (R² = 0.98)").count(NBSP) == 4


@pytest.mark.parametrize("bad", [
    "output · w_i·h + b_i = w_j·h + b_j", "x**2", "x^2", "b = -0.5", "(-1.2, 3)",
    "rotate: x →\n(1−t)·x + t·tanh(x)", "ŷ =\n(R² = 0.9)", "x → x +\nt·b",
])
def test_the_module_check_and_this_test_agree_on_faults(bad):
    assert typography_faults(bad) and notation.problems(bad)


@pytest.mark.parametrize("good", [
    "output · wᵢ·h + bᵢ = wⱼ·h + bⱼ", "x² + y²", "b = −0.5", "a 2-unit layer", "epochs 0 → 30",
    "0.39·0.69 + 0.01·0.00\n+" + NBSP + "1.03·2.77 = 3.11", "the plane enters\na wider space",
])
def test_the_module_check_and_this_test_agree_on_good_text(good):
    assert typography_faults(good) == [] and notation.problems(good) == []


# -- wrapping


@pytest.mark.parametrize("body", [
    "bend each point: x → (1−t)·x + t·tanh(x)",
    "shift everything: x → x + t·b",
    "the sum of the units and b: R² = 0.987 on the 120 points",
    "here the target is a linear height field: ŷ = −0.64·h₁ + 0.51·h₂ − 0.12",
    "a tanh unit adds one step at x = −0.53, scaled by w₁ = 1.21",
])
@pytest.mark.parametrize("width", [2.6, 3.2, 4.0, 6.0])
def test_wrapping_never_splits_an_equation_that_fits_a_line(body, width):
    from nnanim.draw.text import wrap_text

    mob = wrap_text(body, "DejaVu Sans", 24, width, "#ffffff")
    assert mob.width <= width + 1e-6
    assert typography_faults(mob.original_text) == [], mob.original_text
    assert " ".join(mob.original_text.replace(NBSP, " ").split()) == body  # every word kept


def test_a_text_is_laid_out_the_same_in_every_frame_size(tmp_path):
    """Manim gives Pango the frame's pixel width as the layout's width: a caption line built in
    a 90 × 90 render broke in two, and the text kept for its arguments carried the break into a
    later 480 × 480 plan pass of the same process (captions over the picture, an order-dependent
    collision).  Built here first in a tiny frame, then measured against Pango's own layout of
    the same line on a wide canvas."""
    import manim
    from manim import Text

    from nnanim.draw.text import text

    body = "the data as the network receives it; the curve is where p = 0.5 (sized)"
    with manim.tempconfig({"pixel_width": 90, "pixel_height": 90, "media_dir": str(tmp_path / "a")}):
        tiny = text(body, font="DejaVu Sans", font_size=24, color="#ffffff")
    with manim.tempconfig({"pixel_width": 480, "pixel_height": 480, "media_dir": str(tmp_path / "b")}):
        kept = text(body, font="DejaVu Sans", font_size=24, color="#ffffff")
    with manim.tempconfig({"pixel_width": 4000, "pixel_height": 4000, "media_dir": str(tmp_path / "c")}):
        wide = Text(body, font="DejaVu Sans", font_size=24, color="#ffffff")
    for mob in (tiny, kept):
        assert mob.width == pytest.approx(wide.width, rel=1e-6)
        assert mob.height == pytest.approx(wide.height, rel=1e-6)  # one line, not two
    assert wide.width > 2 * wide.height * 5  # a long line: a 90-pixel canvas would break it


def test_a_kept_text_is_the_text_manim_builds(tmp_path):
    """The text built once and copied (nnanim.draw.text leaves out Manim's index of the SVG's
    groups) is Manim's own Text of the same arguments: the same class and name, and the same
    glyphs in the same order, with the same points, colours and every other attribute."""
    import manim
    from manim import Text

    from nnanim.draw.text import CANVAS, text

    def state(mob):  # every attribute of every part but the ones naming files or objects
        leave = {"id_to_vgroup_dict", "original_id", "path_obj", "submobjects", "chars"}
        return [(type(part), {k: v for k, v in vars(part).items() if k not in leave})
                for part in mob.get_family()]

    def same(a, b):
        if isinstance(a, np.ndarray):
            return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.tobytes() == b.tobytes()
        if isinstance(a, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return type(a) is type(b) and a == b

    for body, weight, color in (("layer 2 · W·x + b", "BOLD", "#ECEFF4"),
                                ("every point moves;\nthe classes 98.5% apart · ŷ = σ(z)",
                                 "NORMAL", "#8a93a6")):
        ours = text(body, font="DejaVu Sans", font_size=26, color=color, weight=weight,
                    line_spacing=0.9)
        with manim.tempconfig({"pixel_width": CANVAS[0], "pixel_height": CANVAS[1],
                               "media_dir": str(tmp_path)}):
            manims = Text(body, font="DejaVu Sans", font_size=26, color=color, weight=weight,
                          line_spacing=0.9)
        assert type(ours) is Text and ours.name == "Text" and len(ours) == len(manims) > 10
        for (cls, mine), (their_cls, theirs) in zip(state(ours), state(manims), strict=True):
            assert cls is their_cls and mine.keys() == theirs.keys()
            differing = [k for k in mine if k != "file_name" and not same(mine[k], theirs[k])]
            assert differing == [], (body, cls.__name__, differing)


def test_wrapped_lines_are_balanced_no_word_alone():
    from nnanim.draw.text import wrap_text

    for width in (3.6, 4.4, 5.2, 6.0):
        mob = wrap_text("what each unit responds to", "DejaVu Sans", 36, width, "#ffffff",
                        weight="BOLD")
        lines = mob.original_text.split("\n")
        assert mob.width <= width + 1e-6
        if len(lines) > 1:
            assert len(lines[-1].split()) > 1, lines


def test_a_title_separator_never_starts_a_line():
    """``layer 2 · squash 3 → 2`` in a narrow column: ``layer 2`` / ``squash 3 → 2``, the dot
    left out where the line breaks (and kept where it does not)."""
    from nnanim.draw.text import wrap_text

    for body in ("layer 2 · squash 3 → 2", "output · wᵢ·h + bᵢ = wⱼ·h + bⱼ"):
        for width in (2.6, 3.4, 4.4, 9.0):
            mob = wrap_text(body, "DejaVu Sans", 28, width, "#ffffff", weight="BOLD")
            lines = [line.strip() for line in mob.original_text.replace(NBSP, " ").split("\n")]
            assert not any(line.startswith("·") or line.endswith("·") for line in lines), lines
            assert typography_faults(mob.original_text) == []
            kept = " · ".join(lines) if len(lines) > 1 else lines[0]
            assert " ".join(kept.split()) == body or len(lines) > 2  # only the dots at breaks go


# -- every scene, every frame shape


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "aspect"), [
    pytest.param(s, a, marks=group(s), id=f"{s}-{a}")
    for s in sorted(__import__("nnanim.contract").contract.list_scenes())
    for a in ["16:9", "9:16", "1:1", "4:3"]])
def test_every_text_on_screen_is_typeset(scene, aspect):
    played = planned(scene, aspect)
    seen = {text for shot in played.shots for text, _ in shot.texts}
    assert seen, "no text seen on screen"
    bad = {text: typography_faults(text) for text in seen if typography_faults(text)}
    assert not bad, f"{scene} {aspect}: " + "; ".join(f"{t!r}: {f}" for t, f in list(bad.items())[:6])
