"""Plan passes of every scene in every frame shape, walked once per test process and shared.

The collision test and the typography test both read what a plan pass saw on
screen (``scene.shots``: every visible text and picture region after each
play); a plan pass of one scene in one shape takes seconds, so each is walked
once and kept.
"""

from __future__ import annotations

import functools

from storyboards import dry_run

from nnanim.layout import Box, pixel_size

#: small runs: the layout and the words do not depend on how long the network trained
OPTIONS = {"epochs": 30, "n_samples": 120}


@functools.cache
def planned(scene: str, aspect: str):
    """``scene`` walked in plan mode in a 480p frame of ``aspect`` (the scene object)."""
    return dry_run(scene, {"aspect": aspect, **OPTIONS}, pixels=pixel_size(aspect, 480))


def title_safe(scene) -> Box:
    """The inner 90 % of the scene's frame, from Manim's frame size (not from the layout)."""
    width, height = scene.camera.frame_width, scene.camera.frame_height
    return Box(-0.45 * width, -0.45 * height, 0.45 * width, 0.45 * height)
