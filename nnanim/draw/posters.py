"""Posters: what makes a scene's first frame a good thumbnail.

A video's first frame is its poster.  Before the first stage moves, the input
plane of a :class:`~nnanim.draw.mobjects.FlowView` is the plane where the network
is already trained, so it can show the answer: :func:`input_shading` is the
network's own output shading over the visible input plane (the class colours
by probability, or the target colour map by ``ŷ``), and :func:`poster_shading`
puts it behind the picture for the opening hold only, fading it out in a
moment once the hold is over (the plane then starts to move; the shading of
the input plane would not move with it).
"""

from __future__ import annotations

import numpy as np
from manim import Mobject

from nnanim.core.curves import class_probabilities
from nnanim.draw.mobjects import RasterImage, probability_image, value_image
from nnanim.theme import Theme

__all__ = ["FADE", "input_shading", "pixel_rows", "poster_shading", "shaded_box"]

#: seconds the poster's shading takes to leave after the opening hold
FADE = 0.3


def input_shading(view, theme: Theme, clip=None, on_grid: bool = False) -> RasterImage | None:
    """The network's output over the input plane as ``view`` shows it now (its first stage).

    ``None`` when the input is not a plane (a 1-D input has no area to shade).  ``on_grid``:
    only over the grid's area (the input's stage, untransformed: display space is the input
    plane), not the margins around it, so that the shading and the grid are one area as it
    fades (tinted strips beyond the grid's edge, with no grid lines over them, read as
    brighter than the grid's inside while the whole shading faded, a glitch).
    """
    flow = view.flow
    net = flow.network
    lift = getattr(flow, "lift", None)  # a feature cross reads (x, y, f(x, y))

    def logits(P):
        return net.forward(lift(P) if lift is not None else P).logits

    if lift is None and net.widths[0] != 2:
        return None
    clip = clip if clip is not None else view.clip_box
    box = shaded_box(view, clip)
    bounds = getattr(view, "grid_bounds", None)
    if on_grid and bounds is not None and len(bounds) == 4 and view.stage == 0 and view.t == 0:
        box = (max(box[0], bounds[0]), min(box[1], bounds[1]),
               max(box[2], bounds[2]), min(box[3], bounds[3]))
    rows = pixel_rows(view, box)
    if net.task == "regression":
        image = value_image(lambda P: logits(P)[:, 0], box, theme, *view.target_range,
                            resolution=rows)
    else:
        image = probability_image(lambda P: class_probabilities(logits(P)), box,
                                  theme.class_rgb(view.n_classes), resolution=rows)
    x0, x1, y0, y1 = box
    shading = RasterImage(image, view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]])))
    shading.clip_box = clip
    return shading


def shaded_box(view, clip=None) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of display space a shading of ``view`` covers now: the
    visible frame, cut to the picture region ``clip`` (scene units) when there is one."""
    box = view.visible_box()
    if clip is None:
        return box
    lo, hi = view.to_display(np.array([[clip[0], clip[1], 0.0], [clip[2], clip[3], 0.0]]))
    return (max(box[0], float(lo[0])), min(box[1], float(hi[0])),
            max(box[2], float(lo[1])), min(box[3], float(hi[1])))


def pixel_rows(view, box, most: int = 1200) -> int:
    """Image rows for a shading over ``box`` (display space): one a frame pixel, so that the
    dark seam where the classes meet is sampled finely enough to be a smooth line, not a row of
    dots (a coarse image, stretched, showed a stair-stepped edge at another angle than the
    boundary's)."""
    from manim import config

    lo, hi = view.to_scene(np.array([[box[0], box[2]], [box[1], box[3]]]))[:, 1]
    rows = abs(float(hi - lo)) * config.pixel_height / config.frame_height
    return int(min(most, max(60, np.ceil(rows))))


def poster_shading(scene, view, hold: float, fade: float = FADE) -> Mobject | None:
    """Put :func:`input_shading` behind everything for the first ``hold`` seconds of ``scene``.

    The shading fades out over ``fade`` seconds once ``hold`` seconds have
    played, and then stays invisible without updates.  Both are the storyboard's seconds, as
    the scene's plays and waits are: scaled by its ``pace`` (``--duration``) and read from its
    :attr:`~nnanim.draw.scene.FlowScene.story_time` (summed ``dt`` lags a frame a play: a
    short video kept the input plane's shading over every later stage).  Call it before the
    scene's opening hold; returns the shading (``None`` when there is none).
    """
    shading = input_shading(view, scene.theme)
    if shading is None:
        return None
    pace = float(getattr(scene, "pace", 1.0))
    start = scene.story_time
    hold, fade = hold * pace, fade * pace
    full = shading.opacity if hasattr(shading, "opacity") else 1.0

    def fade_out(mob, dt):  # time-based (takes dt), so Manim steps a wait while it fades
        k = min(max((scene.story_time - start - hold) / max(fade, 1e-9), 0.0), 1.0)
        if hasattr(mob, "opacity"):
            mob.opacity = full * (1.0 - k)
        if k >= 1.0:  # gone: no more updates (a still, invisible picture costs one draw)
            mob.clear_updaters()

    shading.add_updater(fade_out)
    scene.add(shading)
    scene.bring_to_back(shading)
    return shading
