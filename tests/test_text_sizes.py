"""Text stays readable on a phone: at 1080×1920, titles are at least 48 px and other text 30 px tall.

Every text a scene builds goes through :func:`nnanim.draw.text.text`; each is recorded
here and measured after the storyboard ran (so any later scaling counts): its
capital height in pixels is its font size times the height of a capital "H" per
font-size unit, measured on Pango's own output.  The titles are the headings of
the intro, of every stage and of the outro (the caption's, or a panel scene's
top line).
"""

from __future__ import annotations

import pytest
from manim import Text
from plan_shots import group, planned

from nnanim.contract import list_scenes

PHONE = (1080, 1920)
MIN_TITLE_PX, MIN_TEXT_PX = 48, 30


def _words(body: str) -> str:
    """The words of a text as read: spaces and line breaks alike, and a title's separator "·"
    left out (a line that breaks at one drops it)."""
    return " ".join(w for w in body.split() if w != "·")


@pytest.fixture(scope="module")
def cap_per_size():
    """Scene units of a capital per font-size unit (Pango's metrics, not an assumption)."""
    return Text("H", font="DejaVu Sans", font_size=100).height / 100


@pytest.mark.parametrize("scene", [pytest.param(s, marks=group(s)) for s in sorted(list_scenes())])
def test_text_is_readable_on_a_phone(scene, cap_per_size):
    # the 9:16 plan pass the collision and typography tests walk (480 × 854): the frame is the
    # phone's in scene units (8 on the short side), so a text's size in scene units is the same, and
    # its pixels are counted at the phone's 1920 rows
    played = planned(scene, "9:16")
    built = played.built_texts
    px_per_unit = PHONE[1] / played.layout.height
    assert built, "no text was built"
    # headings: the titles of the intro, of every stage and of the outro (a "caption" beat may be a
    # panel's label, body text)
    titles = {_words(b.title) for b in played.beats if b.title and b.kind in ("intro", "stage", "outro")}
    too_small, seen = [], set()
    for body, _weight, mob in built:
        if not body.strip():
            continue
        px = mob.font_size * cap_per_size * px_per_unit
        words = _words(body)
        least = MIN_TITLE_PX if words in titles else MIN_TEXT_PX
        seen |= {words} & titles
        if px < least - 0.5:
            too_small.append(f"{words!r}: {px:.1f} px")
    assert not too_small, f"{scene} at 1080x1920: " + "; ".join(too_small[:5])
    assert seen == titles, f"titles never built as text: {sorted(titles - seen)[:3]}"
