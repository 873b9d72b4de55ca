"""Plan passes of every scene in every frame shape, walked once per test process and shared.

The collision test, the typography test and the phone text-size test all read
what a plan pass saw on screen (``scene.shots``: every visible text and picture
region after each play; ``scene.built_texts``: every Pango text the storyboard
built); a plan pass of one scene in one shape takes seconds, so each is walked
once and kept.  The tests that read them carry ``xdist_group(scene)`` marks
(``group``), so that with ``--dist loadgroup`` one worker walks each scene's
shapes for all of them.
"""

from __future__ import annotations

import contextlib
import functools

import pytest
from storyboards import dry_run

from nnanim.layout import Box, pixel_size

#: small runs: the layout and the words do not depend on how long the network trained
OPTIONS = {"epochs": 30, "n_samples": 120}


def group(scene: str):
    """The mark that sends every plan-pass test of ``scene`` to one test worker."""
    return pytest.mark.xdist_group(f"plan-{scene}")


@contextlib.contextmanager
def recording_texts():
    """Record ``(body, weight, mobject)`` of every text built through :func:`nnanim.draw.text.text`
    (and the names other drawing modules import it under) while the block runs."""
    import nnanim.draw.charts
    import nnanim.draw.scene
    import nnanim.draw.text

    built = []
    real = nnanim.draw.text.text

    def recording(body, **kwargs):
        mob = real(body, **kwargs)
        built.append((body, kwargs.get("weight", "NORMAL"), mob))
        return mob

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nnanim.draw.text, "text", recording)
        mp.setattr(nnanim.draw.scene, "make_text", recording)
        mp.setattr(nnanim.draw.charts, "text", recording)
        yield built


@functools.cache
def planned(scene: str, aspect: str):
    """``scene`` walked in plan mode in a 480p frame of ``aspect`` (the scene object, with the
    texts it built as ``built_texts``)."""
    with recording_texts() as built:
        played = dry_run(scene, {"aspect": aspect, **OPTIONS}, pixels=pixel_size(aspect, 480))
    played.built_texts = built
    return played


def title_safe(scene) -> Box:
    """The inner 90 % of the scene's frame, from Manim's frame size (not from the layout)."""
    width, height = scene.camera.frame_width, scene.camera.frame_height
    return Box(-0.45 * width, -0.45 * height, 0.45 * width, 0.45 * height)
