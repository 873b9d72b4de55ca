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
from storyboards import dry_run

import nnanim.draw.text
from nnanim.contract import list_scenes

PHONE = (1080, 1920)
MIN_TITLE_PX, MIN_TEXT_PX = 48, 30


@pytest.fixture(scope="module")
def cap_per_size():
    """Scene units of a capital per font-size unit (Pango's metrics, not an assumption)."""
    return Text("H", font="DejaVu Sans", font_size=100).height / 100


@pytest.mark.parametrize("scene", sorted(list_scenes()))
def test_text_is_readable_on_a_phone(scene, monkeypatch, cap_per_size):
    built = []
    real = nnanim.draw.text.text

    def recording(body, **kwargs):
        mob = real(body, **kwargs)
        built.append((body, kwargs.get("weight", "NORMAL"), mob))
        return mob

    monkeypatch.setattr(nnanim.draw.text, "text", recording)
    monkeypatch.setattr("nnanim.draw.scene.make_text", recording)
    monkeypatch.setattr("nnanim.draw.charts.text", recording)
    played = dry_run(scene, {"aspect": "9:16", "epochs": 30, "n_samples": 120}, pixels=PHONE)
    px_per_unit = PHONE[1] / played.layout.height
    assert built, "no text was built"
    # headings: the titles of the intro, of every stage and of the outro (a "caption" beat may be a
    # panel's label, body text)
    titles = {b.title for b in played.beats if b.title and b.kind in ("intro", "stage", "outro")}
    too_small, seen = [], set()
    for body, _weight, mob in built:
        if not body.strip():
            continue
        px = mob.font_size * cap_per_size * px_per_unit
        words = " ".join(body.split())
        least = MIN_TITLE_PX if words in titles else MIN_TEXT_PX
        seen |= {words} & titles
        if px < least - 0.5:
            too_small.append(f"{words!r}: {px:.1f} px")
    assert not too_small, f"{scene} at 1080x1920: " + "; ".join(too_small[:5])
    assert seen == titles, f"titles never built as text: {sorted(titles - seen)[:3]}"
