"""Still mobjects drawn once per play (nnanim.draw.stills): the same frames as Manim's own split.

A small scene plays three cases against the same scene with Manim's own split
(everything from the first moving mobject on drawn every frame): a label far from
the moving picture (lifted, and it stays so), a picture that moves under a label
that lies above it (the lift must give way before the first frame it would be
wrong), and a label changed by another animation's step function (not named by
any animation: its change must be seen).  The frames are compared decoded, exactly.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Scene, Square, Text

from nnanim.draw.mobjects import FastCamera, Polylines
from nnanim.draw.plots import Progress
from nnanim.draw.stills import StillFrames
from nnanim.media.render import RenderSettings, render


class _Plain(Scene):
    """Manim's own split: the reference."""

    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", FastCamera)
        super().__init__(**kwargs)

    def construct(self):
        moving = Square(side_length=1.0, fill_opacity=0.8, color="#3399ff").move_to(LEFT * 4)
        line = Polylines([np.array([[-6.0, -2.0, 0], [-4.0, -2.5, 0], [-2.0, -2.0, 0]])],
                         stroke_color="#ffaa00", stroke_width=6)
        far = Text("far away", font_size=30).move_to(UP * 3 + RIGHT * 4)
        ahead = Text("in the way", font_size=30).move_to(DOWN * 2 + RIGHT * 3)
        nudged = Text("nudged", font_size=30).move_to(UP * 1 + RIGHT * 4)
        self.add(moving, line, far, ahead, nudged)  # the texts above the moving pictures
        self.play(moving.animate.shift(RIGHT * 1.0), run_time=0.5)  # far from every text
        # the line runs under "in the way" half-way through the play
        self.play(Progress(line, lambda a: line.set_vertices(
            np.array([[-6.0, -2.0, 0], [-4.0, -2.5, 0], [-2.0 + 6.5 * a, -2.0, 0]]))), run_time=0.6)
        # "nudged" moves and changes colour in another animation's step function
        self.play(Progress(moving, lambda a: (moving.set_opacity(1 - 0.5 * a),
                                              nudged.move_to(UP * (1 - a) + RIGHT * 4),
                                              nudged.set_color("#ff3366" if a > 0.5 else "#ffffff"))),
                  run_time=0.6)


class _Lifting(StillFrames, _Plain):
    """The same scene with nnanim's split; records per play how many mobjects were lifted and
    whether the play went back to Manim's split."""

    record: list = []

    def get_moving_and_static_mobjects(self, animations):
        moving, static = super().get_moving_and_static_mobjects(animations)
        split = getattr(self, "_still", None)
        type(self).record.append([0 if split is None else len(split.lifted), False])
        return moving, static

    def update_to_time(self, t):
        had = getattr(self, "_still", None)
        super().update_to_time(t)
        if had is not None and self._still is None:
            type(self).record[-1][1] = True


def test_lifted_stills_give_the_frames_of_manims_split(tmp_path, isolated_cache, decode_frames):
    _Lifting.record = []
    settings = dict(quality="l", short_side=180, progress=False)
    plain = render(_Plain, RenderSettings(output=tmp_path / "plain.mp4", **settings))
    lifted = render(_Lifting, RenderSettings(output=tmp_path / "lifted.mp4", **settings))
    # every play lifted the texts; the first kept them lifted, the other two gave way mid-play
    assert [n > 0 for n, _ in _Lifting.record] == [True, True, True]
    assert [back for _, back in _Lifting.record] == [False, True, True]
    a, _ = decode_frames(plain)
    b, _ = decode_frames(lifted)
    assert a.shape == b.shape
    assert np.array_equal(a, b)
    assert plain.read_bytes() == lifted.read_bytes()
