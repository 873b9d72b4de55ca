"""The `autoencoder` scene: what it states is recomputed, and its frames show the story.

The storyboards run in the library's plan mode (every animation jumped to its
end, nothing drawn): the reconstruction error, how well the code keeps t and
the positions on screen against independent computations written here.  The
swiss roll is rendered once, small, and judged from its decoded frames (the
default 2-D story is rendered in every frame shape by test_every_scene).
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from nnanim.scenes.autoencoder import (
    BRIEF,
    CARRIED,
    FOLLOWED_BIAS,
    HILLS,
    KEEPS_T,
    LANDING,
    LINE_FADE,
    NEIGHBOURS,
    UNSEEN,
    UNSEEN_BIAS,
    AutoencoderScene,
)
from storyboards import dry_run

from nnanim.cli import cli
from nnanim.contract import get_scene, list_scenes, resolve
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render

OPTIONS = {"n_samples": 200, "epochs": 300}


def _tanh_autoencoder(run, X):
    """An independent forward pass: tanh hidden layers, a linear output; returns (code, x̂)."""
    h, hidden = X, []
    for l in range(len(run.weights) - 1):
        h = np.tanh(h @ run.weights[l][-1].T + run.biases[l][-1])
        hidden.append(h)
    narrowest = int(np.argmin([a.shape[1] for a in hidden]))
    return hidden[narrowest], h @ run.weights[-1][-1].T + run.biases[-1][-1]


def _neighbour_vote(code, t, k):
    d = ((code[:, None, :] - code[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    vote = t[np.argsort(d, axis=1)[:, :k]].mean(axis=1)
    return 1 - np.sum((t - vote) ** 2) / np.sum((t - t.mean()) ** 2)


@pytest.fixture(scope="module")
def arc_run():
    return train(**{**AutoencoderScene.defaults, **OPTIONS})


@pytest.fixture(scope="module")
def arc_scene(arc_run):
    return dry_run(AutoencoderScene, {"run": arc_run})


@pytest.fixture(scope="module")
def default_arc():
    """The default video's run (its codes place the ticks the frames show)."""
    return resolve("autoencoder", {}).ensure_run()[0]


@pytest.fixture(scope="module")
def roll_run():
    return train(**{**AutoencoderScene.defaults, "dataset": "swiss-roll", **OPTIONS})


# --------------------------------------------------------------------------- the 2-D story


def test_default_is_the_arc_through_a_one_unit_code(arc_run):
    assert arc_run.task == "autoencoder" and arc_run.widths == [2, 16, 1, 16, 2]
    assert arc_run.dataset_spec == "arc" and arc_run.activations == ["tanh"] * 3


def test_the_reconstruction_error_on_screen_is_recomputed(arc_scene, arc_run):
    _, x_hat = _tanh_autoencoder(arc_run, arc_run.X)
    mse = np.mean((x_hat - arc_run.X) ** 2)
    stated = f"error (MSE) {mse:.4f} over {len(arc_run.X)} points"
    assert arc_scene.statements["mse"] == stated
    # the plane carried, where it lands (said at the landing's end), then the error, to the end
    carried, landing, last = arc_scene.beats[-3:]
    assert carried.kind == "stage" and carried.detail == CARRIED
    assert landing.title == last.title == carried.title == "reconstruction · x̂"
    assert landing.detail == "the whole input plane lands on one curve: the decoder's image of the code"
    assert last.detail == f"{stated}; faint: the data where it started"


def test_one_beat_per_step_of_the_maths_in_its_order(arc_scene):
    """W·x, + b, the activation: one beat each, in that order, titled as the other scenes title
    them; a width change (the lift into 16 units, the turn and squash onto the code) is part of
    its layer's W·x, never a beat of its own (a "rotate" beat was a still picture: the view turns
    with a wide space's turn; layer 2 read rotate, squash, then W·x)."""
    stages = [b for b in arc_scene.beats if b.kind == "stage"]
    titles = [b.title for b in stages]
    steps = [f"layer {l} · {s}" for l in (1, 2, 3) for s in ("W·x", "+ b", "tanh")]
    steps += ["output · W·x", "output · + b", "reconstruction · x̂"]
    # a + b that moves nothing visibly (the default's code: b = −0.01; the decoder's, a shift
    # along the line that the framing follows, only the values under it changing) is said in
    # the next step's beat, not held as a still of its own
    details = {b.title: b.detail for b in stages}
    every = list(steps)
    for i, title in enumerate(every[:-1]):
        if title.endswith("+ b") and title not in details:
            assert details[every[i + 1]].startswith((UNSEEN_BIAS, FOLLOWED_BIAS)), title
            steps.remove(title)
    assert titles == steps
    assert not any("rotate" in t or "squash" in t or "lift" in t for t in titles)
    by_title = {b.title: b for b in stages}
    code = by_title["layer 2 · tanh"].detail
    assert code.startswith(("the code: 1 unit; the plane is a line now",
                            UNSEEN_BIAS + "the code: a line", FOLLOWED_BIAS + "the code: a line")) \
        and "each point one number (its colour)" in code
    # (the density over the code's line is named on the picture: its own test)
    # the wide layers are seen through a 2-D view: its axes named and said once what they are
    first = by_title["layer 1 · W·x"].detail
    assert "2 → 16 units, seen through u₁, u₂: the 2 directions the points spread most" in first
    assert sum("spread most" in b.detail for b in stages) == 1
    assert "16 → 1" in by_title["layer 2 · W·x"].detail
    assert "the decoder" in by_title["layer 3 · W·x"].detail
    # the decoder's tanh bends the code's line: said, with the view it is seen through
    bend = by_title["layer 3 · tanh"].detail
    assert "bends the line into a curve in the 16 units" in bend and "u₁, u₂" in bend


class _StageMotion:
    """Records, for each play of a stage of the view, the beat it plays in, how far the points
    and the grid move on screen over the stage (scene units) and whether the values written under
    the code's line change."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay

        view = getattr(self, "view", None)
        for a in animations:
            if isinstance(a, StagePlay) and a.view is view:
                s = a.stage_index

                def shown(t, s=s):
                    view.set_stage(s, t)
                    at = [view.to_scene(tr.at(s, t)) for tr in (view.points_trace, view.grid_trace)]
                    ticks = [body for _, body in self.code_scale.shown]
                    return np.concatenate(at), ticks

                (a0, t0), (a1, t1) = shown(0.0), shown(1.0)
                moved = float(np.abs(a1 - a0)[:, :2].max())
                self.__dict__.setdefault("motion", []).append((self.beats[-1].title, moved, t0 != t1))
        super().play(*animations, **kwargs)


def test_no_beat_names_a_motion_the_picture_does_not_show(default_arc):
    """Every step's beat moves the picture: some point or grid vertex moves on screen by UNSEEN
    (3 pixels at 480p) or more (a "rotate" beat held a still picture for 1.3 s; the decoder's
    + b, a shift of the line the framing follows, was a beat in which only the values written
    under the line moved)."""
    scene = dry_run(AutoencoderScene, {"run": default_arc}, mixin=_StageMotion)
    beats = {}
    for title, moved, ticks in scene.motion:
        was = beats.get(title, (0.0, False))
        beats[title] = (max(was[0], moved), was[1] or ticks)
    stages = [b.title for b in scene.beats if b.kind == "stage" and b.title in beats]
    assert len(stages) == len([b for b in scene.beats if b.kind == "stage"]) - 1  # all but x̂
    for title in stages:
        moved, ticks = beats[title]
        assert moved >= UNSEEN, (title, moved, ticks)
    # the decoder's + b is said in the next beat, with words that say the view follows it
    words = {b.title: b.detail for b in scene.beats if b.kind == "stage"}
    assert "layer 3 · + b" not in words
    assert words["layer 3 · tanh"].startswith(FOLLOWED_BIAS)


def test_the_poster_says_it_is_an_autoencoder(arc_scene):
    """The first beat (the poster's words) names the video and its code, not only "input space"."""
    first = arc_scene.beats[0]
    assert first.kind == "intro" and "autoencoder" in first.title
    assert "squeezed to one number (colour)" in first.detail


def _axes_opacity(view):
    """The largest opacity of the view's axis names, arrows, scale bar and scale label."""
    axes = view.axes
    parts = [*axes.names, axes.bar_label, axes.arrows, axes.bar]
    return max(max(float(part.get_stroke_opacity()), float(part.get_fill_opacity()))
               for mob in parts for part in mob.get_family() if part.has_points())


def test_the_code_line_has_no_plane_axes_or_second_scale(arc_scene):
    """While the 1-unit code is a number line with its own values (and its density), the
    plane's axis names (h1/h2 for one unit) and the scale bar are hidden; they come back after."""
    view = arc_scene.view
    assert view.axes is not None
    try:
        view.set_stage(0, 0.0)
        assert _axes_opacity(view) > 0.5
        view.set_stage(_code_stage(view), 1.0)
        assert arc_scene.code_scale.shown  # the line's own values are on screen
        assert _axes_opacity(view) < 1e-6
        view.set_stage(len(view.flow.stages) - 1, 1.0)  # the reconstruction: the plane again
        assert _axes_opacity(view) > 0.5
    finally:
        view.set_stage(len(view.flow.stages) - 1, 1.0)


def test_the_points_end_on_their_reconstruction_and_the_curve_holds_them(arc_scene, arc_run):
    view = arc_scene.view
    code, x_hat = _tanh_autoencoder(arc_run, arc_run.X)
    assert view.stage == len(view.flow.stages) - 1 and view.t == 1.0
    np.testing.assert_allclose(view.cloud.points, view.to_scene(x_hat), atol=1e-9)
    # the learned curve runs through the decoder of the code's two ends
    pts = arc_scene.curve.points
    for c, end in ((code.min(), pts[0]), (code.max(), pts[-1])):
        _, at = _tanh_autoencoder_from_code(arc_run, np.array([[c]]))
        np.testing.assert_allclose(end, view.to_scene(at)[0], atol=1e-9)
    # the points are coloured by their code: the lowest code gets the first colour of the map
    theme = arc_scene.theme
    np.testing.assert_allclose(view.cloud.colors[np.argmin(code[:, 0])], theme.target_rgb([0], 0, 1)[0])
    np.testing.assert_allclose(view.cloud.colors[np.argmax(code[:, 0])], theme.target_rgb([1], 0, 1)[0])


def _code_stage(view):
    return next(s.index for s in view.flow.stages if s.caption == "layer 2 · tanh")


@pytest.fixture
def at_code(arc_scene):
    """The scene's view at the end of the code stage; put back where the video ends afterwards."""
    view = arc_scene.view
    view.set_stage(_code_stage(view), 1.0)
    yield view
    view.set_stage(len(view.flow.stages) - 1, 1.0)


def _on_screen(view, code):
    """``(a, b)`` with scene x = a·code + b for every point (a straight fit; the view maps the
    code's line onto the screen with one scale)."""
    a, b = np.polyfit(code, view.cloud.points[:, 0], 1)
    np.testing.assert_allclose(a * code + b, view.cloud.points[:, 0], atol=1e-9)
    return a, b


def test_the_code_line_has_ticks_at_round_values_of_the_code(arc_scene, arc_run, at_code):
    view, scale = at_code, arc_scene.code_scale
    code = _tanh_autoencoder(arc_run, arc_run.X)[0][:, 0]
    a, b = _on_screen(view, code)
    values = np.array([v for v, _ in scale.shown])
    assert len(values) >= 3 and -1 <= values.min() and values.max() <= 1  # tanh's range
    step = np.diff(values)
    np.testing.assert_allclose(step, step[0])  # evenly spaced, by 1, 2 or 5 times a power of ten
    mantissa = step[0] / 10 ** np.floor(np.log10(step[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    # each tick mark stands where the points of that code are, its number under it
    marks = np.sort(scale.marks.points[::4, 0])
    np.testing.assert_allclose(marks, a * values + b, atol=1e-9)
    line = view.cloud.points[0, 1]
    x0, y0, x1, y1 = view.clip_box
    for value, body in scale.shown:
        number = scale._numbers[body]
        assert body == f"{value:.1f}".replace("-", "−")
        assert number.get_center()[1] < line and abs(number.get_center()[0] - (a * value + b)) < 1e-6
        assert number.annotates == view.clip_box
        assert x0 <= number.get_left()[0] and number.get_right()[0] <= x1 and y0 <= number.get_bottom()[1]


def test_the_density_over_the_line_counts_the_codes(arc_scene, arc_run, at_code):
    """The column heights of the picture over the line are a smoothed count of the codes there
    (a Gaussian window, written out here from the forward pass), the tallest column the top."""
    view, scale = at_code, arc_scene.code_scale
    code = _tanh_autoencoder(arc_run, arc_run.X)[0][:, 0]
    a, b = _on_screen(view, code)
    image = scale.density.rgba
    filled = image[..., 3].astype(float).sum(axis=0) / (255 * scale.ALPHA * image.shape[0])
    (xa, top, _), (xb, _, _), _, (_, base, _) = scale.density.points
    x = np.linspace(xa, xb, image.shape[1])
    counts = np.exp(-0.5 * ((x[:, None] - (a * code + b)[None, :]) / scale.bandwidth) ** 2).sum(axis=1)
    np.testing.assert_allclose(filled, counts / counts.max(), atol=1.5 / image.shape[0])
    assert top > base > view.cloud.points[0, 1]  # above the line
    # coloured as the points there: the tallest column, in the colour of the codes under it
    peak = int(np.argmax(counts))
    w = np.exp(-0.5 * ((x[peak] - (a * code + b)) / scale.bandwidth) ** 2)
    expected = (w @ view.cloud.colors) / w.sum()
    np.testing.assert_allclose(image[-1, peak, :3] / 255, expected, atol=1 / 255 + 1e-9)


def test_the_line_sits_low_with_room_above_and_leaves_with_the_code(arc_scene, at_code):
    view, scale = at_code, arc_scene.code_scale
    s = _code_stage(view)
    x0, y0, x1, y1 = view.clip_box
    line = view.cloud.points[0, 1]
    assert 0.2 < (line - y0) / (y1 - y0) < 0.4  # low in the picture: the room is above it
    assert np.all((view.cloud.points[:, 0] > x0) & (view.cloud.points[:, 0] < x1))
    # the same zoom as the points alone would get: the line keeps its length
    _, halves = view.frame_trace.trace.framing_box(s, 1.0)  # the view's framing without the room
    _, scale_now = view.screen_map(s, 1.0)
    assert scale_now == pytest.approx(min(view.view_width / 2 / halves[0],
                                          view.view_height / 2 / halves[1]), rel=1e-9)
    for stage, t in ((0, 0.0), (len(view.flow.stages) - 1, 1.0)):  # the plane, the reconstruction
        view.set_stage(stage, t)
        assert scale.shown == [] and scale.density.opacity == 0.0
        centre, halves = view.frame_trace.framing_box(stage, t)
        c0, h0 = view.frame_trace.trace.framing_box(stage, t)
        np.testing.assert_allclose(centre, c0)
        np.testing.assert_allclose(halves, h0)


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_the_picture_is_filled_while_the_points_lie_on_one_line(default_arc, aspect):
    """Every stage that begins and ends with all points on one straight line (the code, then its
    affine image in the decoder's first layer: checked here from the points' positions on screen,
    their spread across the line's direction) shows the density over the line at full strength,
    filling a third of the picture's height or more: not a thin line across an empty frame (the
    decoder's first stages were, for about 3 s)."""
    from nnanim.layout import pixel_size

    scene = dry_run(AutoencoderScene, {"run": default_arc, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    view, scale = scene.view, scene.code_scale
    x0, y0, x1, y1 = view.clip_box

    def on_a_line(index, t):
        view.set_stage(index, t)
        P = view.cloud.points[:, :2] - view.cloud.points[:, :2].mean(axis=0)
        across = np.linalg.svd(P, compute_uv=False)
        return across[1] <= 0.01 * across[0]

    flat = [s.index for s in view.flow.stages if on_a_line(s.index, 0.0) and on_a_line(s.index, 1.0)]
    assert len(flat) >= 4, flat  # the code's stages and the decoder's first ones
    for index in flat:
        # the first, right after the squash: the density rises over its first LINE_FADE[0]
        full = tuple(t for t in (LINE_FADE[0], 0.8, 1.0) if t >= LINE_FADE[0])
        for t in ((0.25, 0.5, 0.75) if index != flat[0] else full):
            view.set_stage(index, t)
            assert scale.density.opacity == pytest.approx(1.0), (aspect, index, t)
            heights = scale.density.points[:, 1]
            assert heights.max() - heights.min() >= 0.33 * (y1 - y0), (aspect, index, t)
    view.set_stage(len(view.flow.stages) - 1, 1.0)


def test_one_picture_at_a_time_while_the_plane_squashes_onto_the_code(arc_scene):
    """While the points are squashed onto the code's line (not yet on it), the line's density and
    ticks are not drawn over the collapsing grid (they were from 75 % of the squash: two pictures
    on top of each other); they come once the points lie on the line."""
    view, scale = arc_scene.view, arc_scene.code_scale
    squash = next(s for s in view.flow.stages if s.kind == "squash"
                  and s.layer == view.flow.network.code_layer)
    try:
        for t in np.linspace(0.0, 1.0, 21):
            view.set_stage(squash.index, t)
            assert scale.density.opacity == 0.0 and scale.shown == [], t
        view.set_stage(squash.index + 1, 1.0)
        assert scale.density.opacity == pytest.approx(1.0) and scale.shown
    finally:
        view.set_stage(len(view.flow.stages) - 1, 1.0)


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_the_code_line_numbers_clear_the_axes_in_every_frame_shape(default_arc, aspect):
    """Through the code stages, sampled finely: the numbers under the line stay inside the picture
    and off the view's own axis names and scale label (a square frame's short picture too)."""
    from nnanim.layout import Box, pixel_size

    scene = dry_run(AutoencoderScene, {"run": default_arc, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    view, scale = scene.view, scene.code_scale
    x0, y0, x1, y1 = view.clip_box

    def box(mob):
        (a, b, _), (c, d, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
        return Box(a, b, c, d)

    seen = 0
    for stage in view.flow.stages:
        for t in np.linspace(0.0, 1.0, 9):
            view.set_stage(stage.index, t)
            numbers = [box(scale._numbers[body]) for _, body in scale.shown]
            axes = [box(m) for m in view.axes._texts.values() if m.get_fill_opacity() > 0.02]
            seen += len(numbers)
            for n in numbers:
                assert x0 <= n.x0 and n.x1 <= x1 and y0 <= n.y0 and n.y1 <= y1
                assert not any(n.overlaps(a) for a in axes), (aspect, stage.caption, t)
    assert seen > 0


def test_the_code_axis_spans_the_range_the_code_can_take(arc_scene, arc_run, at_code):
    """At the code the line's axis runs over tanh's range, −1 to 1 (the values a code can take,
    written here as tanh's limits), its ends in the picture; the ticks are round values inside
    it and none beyond it (the ticks covered the points' spread only, and while the points were
    squeezed into the code the axis was numbered past 1)."""
    view, scale = at_code, arc_scene.code_scale
    code = _tanh_autoencoder(arc_run, arc_run.X)[0][:, 0]
    a, b = _on_screen(view, code)
    lo, hi = np.tanh(-np.inf), np.tanh(np.inf)
    assert scale.axis_ends == pytest.approx((a * lo + b, a * hi + b), abs=1e-9)
    x0, _, x1, _ = view.clip_box
    assert x0 < min(scale.axis_ends) and max(scale.axis_ends) < x1
    values = [v for v, _ in scale.shown]
    assert min(values) == pytest.approx(lo) and max(values) == pytest.approx(hi)
    # from the end of the code's tanh until the decoder's first map moves the points, no tick
    # names a value the code cannot take
    s = _code_stage(view)
    for stage, t in [(s, 1.0), *((s + 1, t) for t in np.linspace(0, 1, 5)), (s + 2, 0.0)]:
        view.set_stage(stage, t)
        assert all(lo <= v <= hi for v, _ in scale.shown), (stage, t, scale.shown)
        assert scale.axis_ends is not None


class _Squash:
    """Samples the play of the squash onto the code at 15 frames a second: the points' spread
    across their main direction on screen, and the view's zoom."""

    def play(self, *animations, **kwargs):
        from manim.animation.animation import prepare_animation

        from nnanim.draw.mobjects import StagePlay

        view = getattr(self, "view", None)
        anims = [prepare_animation(a) for a in animations]
        moving = [a for a in anims if isinstance(a, StagePlay) and a.view is view]
        code = view.flow.network.code_layer if view is not None else None
        if (moving and not hasattr(self, "squash")
                and view.flow.stages[moving[0].stage_index].kind == "squash"
                and view.flow.stages[moving[0].stage_index].layer == code):
            seconds = (kwargs.get("run_time") or max(a.run_time for a in anims)) * self.pace
            frames = int(np.ceil(seconds * 15))
            for a in anims:
                a._setup_scene(self)
                a.begin()
            self.squash = []
            for k in range(frames + 1):
                for a in anims:
                    a.interpolate(k / frames)
                P = np.asarray(view.cloud.points)[:, :2]
                across = np.linalg.svd(P - P.mean(axis=0), compute_uv=False)[1] / np.sqrt(len(P))
                self.squash.append((k / 15, across, view.screen_map(view.stage, view.t)[1]))
            for a in anims:
                a.interpolate(0.0)
            animations = anims
        super().play(*animations, **kwargs)


def test_the_squash_onto_the_code_is_seen_happening(default_arc):
    """16 -> 1: the points collapse onto the code's line over two seconds or more, with the view
    zooming in on the line gently (it took 0.6 s, the zoom doubling in four frames: abrupt)."""
    scene = dry_run(AutoencoderScene, {"run": default_arc}, mixin=_Squash)
    times, across, scale = map(np.array, zip(*scene.squash))
    assert across[-1] < 1e-6 * across[0]  # on the line at the end
    # from 90 % of the spread across the line to 10 % of it: a second or more
    gone = times[np.argmax(across < 0.1 * across[0])] - times[np.argmax(across < 0.9 * across[0])]
    # (review 6: they landed in 1.2 s, the zoom following them hiding the first second)
    assert gone >= 2.0, gone
    assert np.abs(np.diff(np.log(scale))).max() < 0.2  # the zoom per frame, in log


class _Moves:
    """Records the plays that move the view (its stages, its turns), by play number."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        view = getattr(self, "view", None)
        if any(isinstance(a, (StagePlay, ViewTurn)) and a.view is view for a in animations):
            self.__dict__.setdefault("moving", set()).add(self.plays + 1)
        super().play(*animations, **kwargs)


def test_each_step_caption_comes_with_the_motion_it_names(arc_run):
    """A step's beat (its chapter, its subtitle, its caption on screen) starts with a play that
    moves the picture: the caption names what the picture is doing (a caption swapped in a play of
    its own named each stage 0.3 s before the picture moved)."""
    scene = dry_run(AutoencoderScene, {"run": arc_run}, mixin=_Moves)
    stages = [b for b in scene.beats if b.kind == "stage" and b.title != "reconstruction · x̂"]
    steps = {f"{layer} · {s}" for layer in ("layer 1", "layer 2", "layer 3", "output")
             for s in ("W·x", "+ b", "tanh")} - {"output · tanh"}
    # (the code's + b and the decoder's, which slide the line along itself, are said in the
    # next beat: 11 steps less those two)
    assert {b.title for b in stages} <= steps and len(stages) >= 9
    for beat in stages:  # the beat's first play (Manim's numbering: plays before it, plus one)
        assert beat.play + 1 in scene.moving, beat.title


def test_the_input_plane_is_drawn_landing_on_the_curve(arc_scene, arc_run):
    """Where the caption says the whole plane lands on one curve, the input plane's grid is drawn
    where it starts (the input's own coordinates: the reconstruction space is the input's) and
    carried onto its reconstruction x̂(x), recomputed here, which lies on the learned curve."""
    from nnanim.core.curves import input_grid

    view = arc_scene.view
    start, end = arc_scene.plane_ends
    grid = np.concatenate(input_grid(view.grid_bounds, n_lines=25, samples=60))
    np.testing.assert_allclose(start, view.to_scene(grid), atol=1e-9)
    _, x_hat = _tanh_autoencoder(arc_run, grid)
    np.testing.assert_allclose(end, view.to_scene(x_hat), atol=1e-9)
    # the plane at its start spans an area (a plane), at its end it lies on one curve: its
    # spread across its own curve, the decoder's image of the codes, is nil
    code = _tanh_autoencoder(arc_run, grid)[0][:, 0]
    _, on_curve = _tanh_autoencoder_from_code(arc_run, np.linspace(code.min(), code.max(), 4000)[:, None])
    curve = view.to_scene(on_curve)[:, :2]
    gap = np.sqrt(((end[:, None, :2] - curve[None, ::4]) ** 2).sum(-1)).min(axis=1)
    assert gap.max() < 0.05
    assert np.ptp(start[:, 0]) > 2 and np.ptp(start[:, 1]) > 2
    # drawn (at the end of the video, on screen, at the grid's own strength or more)
    assert arc_scene.plane in arc_scene.mobjects
    assert arc_scene.plane.get_stroke_opacity() >= arc_scene.theme.grid_opacity
    carried = next(b for b in arc_scene.beats if b.title == "reconstruction · x̂")
    landing = next(b for b in arc_scene.beats if "plane lands on one curve" in b.detail)
    # review 7: said while the grid was still spread and folding; now with the motion's end
    # (the plane fades in over 0.8 s, then lands over LANDING)
    assert landing.start >= carried.start + 0.8 + LANDING - 1e-6, (carried.start, landing.start)


def test_the_landing_plane_keeps_clear_of_the_axes_names_and_the_scale(arc_scene):
    """The landing grid is drawn under backdrops of the background's colour that cover the
    names of the axes (x̂₁, x̂₂), their arrows and the scale bar's length (the grid crossed x̂);
    the points and the learned curve are not under them."""
    view, scene = arc_scene.view, arc_scene
    order = {id(m): k for k, m in enumerate(scene.mobjects)}
    backs = scene.glyph_backdrops
    assert backs and all(id(b) in order for b in backs)
    assert all(order[id(scene.plane)] < order[id(b)] < order[id(view)] for b in backs)
    boxes = [(b.get_left()[0], b.get_bottom()[1], b.get_right()[0], b.get_top()[1]) for b in backs]
    for b in backs:
        assert b.get_fill_color().to_hex().lower() == str(scene.theme.background).lower() \
            and b.get_fill_opacity() == 1.0

    def covered(m):
        (l, d, _), (r, u, _) = m.get_corner([-1, -1, 0]), m.get_corner([1, 1, 0])
        return any(x0 <= l and d >= y0 and r <= x1 and u <= y1 for x0, y0, x1, y1 in boxes)

    glyphs = [m for m in view.axes.names if m.get_fill_opacity() > 0]
    assert glyphs and all(covered(m) for m in glyphs)
    if view.axes.bar_label is not None and view.axes.bar_label.get_fill_opacity() > 0:
        assert covered(view.axes.bar_label)
    # the landing grid does cross those boxes (else they would be needless) ...
    start = scene.plane_ends[0][:, :2]
    assert any(np.any((start[:, 0] > x0) & (start[:, 0] < x1) & (start[:, 1] > y0)
                      & (start[:, 1] < y1)) for x0, y0, x1, y1 in boxes)
    # ... but no point and no part of the learned curve is under them
    for P in (view.cloud.points[:, :2], np.asarray(scene.curve.points)[:, :2]):
        for x0, y0, x1, y1 in boxes:
            assert not np.any((P[:, 0] > x0) & (P[:, 0] < x1) & (P[:, 1] > y0) & (P[:, 1] < y1))


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_the_density_over_the_line_is_a_band_not_a_tower(default_arc, aspect):
    """The density's tallest column is at most DENSITY_ASPECT of the picture's width and at most
    DENSITY_SHARE of the room above the line (in 9:16 it filled a third of the video)."""
    from nnanim.scenes.autoencoder import DENSITY_ASPECT, DENSITY_SHARE

    from nnanim.layout import pixel_size

    scene = dry_run(AutoencoderScene, {"run": default_arc, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    view, scale = scene.view, scene.code_scale
    view.set_stage(_code_stage(view), 1.0)
    (xa, top, _), _, _, (_, base, _) = scale.density.points
    x0, y0, x1, y1 = view.clip_box
    assert scale.density.opacity > 0
    assert top - base <= DENSITY_ASPECT * view.view_width + 1e-9
    assert top - base <= DENSITY_SHARE * (y1 - base) + 1e-9
    assert top - base >= 0.15 * (y1 - y0)  # still a picture, not a sliver
    if aspect == "9:16":  # a fifth of the video's height or so, not a third
        from nnanim.layout import frame_units

        assert (top - base) / frame_units(pixel_size(aspect, 480))[1] < 0.25


def test_the_poster_shows_input_code_and_reconstruction(arc_scene, arc_run):
    """The first frame: the input points (coloured by their code, the colour bar) and the curve
    every point is rebuilt on, drawn over the input plane; its words say so."""
    first = arc_scene.beats[0]
    assert "one number (colour), rebuilt on the white curve" in first.detail
    view = arc_scene.view
    code = _tanh_autoencoder(arc_run, arc_run.X)[0][:, 0]
    _, ends = _tanh_autoencoder_from_code(arc_run, np.array([[code.min()], [code.max()]]))
    pts = arc_scene.poster.points
    np.testing.assert_allclose(pts[0], view.to_scene(ends, 0, 0.0)[0], atol=1e-9)
    np.testing.assert_allclose(pts[-1], view.to_scene(ends, 0, 0.0)[1], atol=1e-9)


def _tanh_autoencoder_from_code(run, code):
    h = np.tanh(code @ run.weights[2][-1].T + run.biases[2][-1])
    return code, h @ run.weights[3][-1].T + run.biases[3][-1]


# --------------------------------------------------------------------------- the 3-D story


def test_the_roll_states_how_well_its_code_keeps_t_and_its_error(roll_run):
    scene = dry_run(AutoencoderScene, {"run": roll_run, "aspect": "9:16"})
    assert roll_run.widths == [3, 16, 2, 16, 3]  # the widths follow the input: 16, d-1, 16
    code, x_hat = _tanh_autoencoder(roll_run, roll_run.X)
    kept = _neighbour_vote(code, roll_run.y, NEIGHBOURS)
    mse = np.mean((x_hat - roll_run.X) ** 2)
    assert scene.statements["code"] == f"t from its {NEIGHBOURS} nearest codes: R² {kept:.2f}"
    assert scene.statements["recon"] == f"error (MSE) {mse:.4f}"
    assert scene.statements["verdict"] == ("the roll flattened, not folded" if kept >= KEEPS_T
                                           else "the roll folded: far parts share codes")
    titles = [b.title for b in scene.beats]
    assert f"decoded back into 3-D · MSE {mse:.4f}" in titles
    # the three panels: the input, the code plane (2-D, seen from the top), the reconstruction
    inp, code_view, recon = scene.views
    assert inp.elev and recon.elev and not code_view.elev
    assert abs(inp.azim - recon.azim) < 1e-12  # they swing together
    tr = code_view.points_trace
    np.testing.assert_allclose(tr.full(code_view.stage, 1.0)[:, :2], code, atol=1e-9)
    np.testing.assert_allclose(recon.points_trace.full(recon.stage, 1.0)[:, :3], x_hat, atol=1e-9)
    boxes = [p.picture for p in scene.panels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("scene", sorted(set(list_scenes()) - {"autoencoder"}))
@pytest.mark.parametrize("dataset", ["swiss-roll", "s-curve", "arc"])
def test_other_scenes_refuse_autoencoder_data_in_one_line(scene, dataset):
    with pytest.raises(NnanimError) as info:
        resolve(scene, {"dataset": dataset, "epochs": 1})
    message = str(info.value)
    example = "-d sine" if get_scene(scene).tasks == ("regression",) else "-d spirals"
    assert "\n" not in message and "no labels" in message and example in message


def test_other_scenes_refuse_task_autoencoder():
    with pytest.raises(NnanimError, match="drop --task autoencoder"):
        resolve("layers", {"dataset": "moons", "task": "autoencoder", "epochs": 1})


@pytest.mark.parametrize(("options", "needle"), [
    ({"dataset": "sine"}, "draws 2-D or 3-D data; sine has 1 input"),
    ({"dataset": "arc", "hidden": [16, 4, 16]}, "needs 1 to 3 units; got 4"),
])
def test_what_the_scene_cannot_draw_is_refused(options, needle):
    with pytest.raises(NnanimError, match=needle):
        resolve("autoencoder", {**options, "epochs": 1})


def test_labelled_data_is_autoencoded_with_its_labels_ignored():
    job = resolve("autoencoder", {"dataset": "moons", "epochs": 1})
    assert job.task == "autoencoder" and job.config.hidden == [16, 1, 16]


def test_command_line_refusal_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["render", "layers", "-d", "swiss-roll"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- the frames


@pytest.mark.slow
def test_the_roll_video_shows_one_panel_then_three(roll_run, tmp_path, isolated_cache, decode_frames):
    job = resolve("autoencoder", {"run": roll_run})
    out = render(job, RenderSettings(quality="l", short_side=270, fps=4,
                                     output=tmp_path / "roll.mp4", progress=False))
    frames, _ = decode_frames(out)
    assert frames.shape[1:] == (270, 480, 3)

    def panels_with_points(frame):
        """Coloured pixels (the points: the colour map is saturated; text and frames are grey)
        in each third of the frame."""
        rgb = frame.astype(int)
        ys, xs = np.nonzero(rgb.max(axis=2) - rgb.min(axis=2) > 40)
        return [int(n) for n in np.bincount(np.minimum(3 * xs // frame.shape[1], 2), minlength=3)]

    first, last = panels_with_points(frames[0]), panels_with_points(frames[-1])
    assert first[0] > 150 and first[1] < 5 and first[2] < 5, first  # the roll alone (measured 313)
    assert min(last) > 80, last  # roll, code plane, reconstruction (measured: 160 to 260)
    # the 3-D panels swing: the roll's picture changes while the code plane holds still
    h = frames.shape[1]
    left, middle = slice(0, 480 // 3), slice(480 // 3, 2 * 480 // 3)
    a, b = frames[-1].astype(int), frames[-12].astype(int)
    # pixels that change by more than the encoder's noise on a still picture (16 levels): many in
    # the roll's panel (measured 1,952), none in the code plane's (measured 0; summed, the
    # noise of the still panel was an eighth of the roll's change)
    moved = np.abs(a[:h] - b[:h]).max(axis=2) > 16
    assert moved[:, left].sum() > 300 and moved[:, middle].sum() < 20


def test_a_run_file_of_another_task_is_refused(tmp_path):
    run = train(dataset="moons", n_samples=40, epochs=2)
    with pytest.raises(NnanimError, match="autoencoder shows autoencoders; moons has two classes. "
                                          "Train one with --task autoencoder"):
        resolve("autoencoder", {"run": run})


def test_each_panel_of_the_roll_is_a_chapter(roll_run):
    from nnanim.media.beats import chapters

    scene = dry_run(AutoencoderScene, {"run": roll_run})
    titles = [c.title for c in chapters(scene.beats)]
    assert len(titles) == 3 and titles[0].startswith("swiss-roll · 200 points in 3-D")
    assert titles[1].startswith("the 2-unit code: ") and titles[2].startswith("decoded back into 3-D")


def test_the_roll_story_is_readable_on_a_phone(roll_run, monkeypatch):
    """As test_text_sizes does for every scene's default, for the 3-D story."""
    from manim import Text

    import nnanim.draw.text

    cap = Text("H", font="DejaVu Sans", font_size=100).height / 100
    built = []
    real = nnanim.draw.text.text

    def recording(body, **kwargs):
        mob = real(body, **kwargs)
        built.append((body, mob))
        return mob

    monkeypatch.setattr(nnanim.draw.text, "text", recording)
    monkeypatch.setattr("nnanim.draw.scene.make_text", recording)
    scene = dry_run(AutoencoderScene, {"run": roll_run, "aspect": "9:16"}, pixels=(1080, 1920))
    px_per_unit = 1920 / scene.layout.height
    titles = {b.title for b in scene.beats if b.kind in ("intro", "stage")}
    sizes = {" ".join(body.split()): mob.font_size * cap * px_per_unit for body, mob in built}
    assert titles <= set(sizes) and min(sizes[t] for t in titles) >= 47.5
    assert min(sizes.values()) >= 29.5


def test_a_three_unit_layer_is_walked_with_its_line_lifted():
    """A 3-unit layer is turned in 3-D: the turned view reads the framing's slabs, which the
    line's headroom (``numberline.Headroom``) grows upwards as it grows the box (it had none:
    ``--hidden 3,1,3`` stopped with an AttributeError)."""
    from nnanim.core.camera import slab_corners
    from nnanim.draw.numberline import Headroom

    run = train(**{**AutoencoderScene.defaults, **OPTIONS, "hidden": (3, 1, 3)})
    scene = dry_run(AutoencoderScene, {"run": run})
    frame = scene.view.frame_trace
    assert isinstance(frame, Headroom)
    grew = 0
    for s in range(len(scene.view.flow.stages)):
        up = frame.framing_box(s, 0.5)[0][1] - frame.trace.framing_box(s, 0.5)[0][1]
        directions, centres, widths = frame.framing_support(s, 0.5)
        # the wrapped polytope moved up by anything from 0 to twice ``up`` (the box's top rises
        # by twice its centre) lies inside the grown slabs
        below = slab_corners(*frame.trace.framing_support(s, 0.5))
        for lift in (0.0, up, 2.0 * up):
            moved = below + [0.0, lift, 0.0]
            assert np.all(np.abs(moved @ directions.T - centres) <= widths + 1e-9), (s, lift)
        grew += int(up > 1e-9)
    assert grew  # the line is lifted in some stage: the slabs' growth was exercised


class _Clock:
    """Records every play of a stage of the view: (start, end, stage index), in seconds."""

    def play(self, *animations, **kwargs):
        from manim.animation.animation import prepare_animation

        from nnanim.draw.mobjects import StagePlay

        anims = [prepare_animation(a) for a in animations]
        seconds = (kwargs.get("run_time") or max(a.run_time for a in anims)) * self.pace
        start = self.__dict__.setdefault("now", 0.0)
        view = getattr(self, "view", None)
        for a in anims:
            if isinstance(a, StagePlay) and a.view is view:
                self.__dict__.setdefault("stage_plays", []).append((start, start + seconds,
                                                                     a.stage_index))
        self.now = start + seconds
        super().play(*animations, **kwargs)


def test_no_still_stretch_after_the_landing_on_the_code(default_arc):
    """Review 6: the points landed on the code's line, then ~5 s passed with nothing moving (the
    16 → 1 W·x and the code's + b slid the points along the line, the view following them: only
    the values under it changed, for 1.6 s and 1.8 s), and a + b said with the decoder's bend ran
    1.4 s ahead of it.  A stage that only slides the points along the line (the view following) is
    brief; the code's tanh starts within BRIEF + BRIEF of the landing, and
    a beat naming a + b with the next step moves as its words say within BRIEF."""
    scene = dry_run(AutoencoderScene, {"run": default_arc}, mixin=_Clock)
    stages = scene.view.flow.stages
    code = scene.view.flow.network.code_layer
    plays = {i: (a, b) for a, b, i in scene.stage_plays}
    squash = next(s.index for s in stages if s.kind == "squash" and s.layer == code)
    tanh = next(s.index for s in stages if s.kind == "activation" and s.layer == code)
    # (each as brief as the line's rescale allows: review 7, no frame's scale jumps)
    between = sum(scene.brief_seconds(scene.view, i) for i in range(squash + 1, tanh))
    assert plays[tanh][0] - plays[squash][1] <= between + 1e-6, (plays[squash], plays[tanh])
    assert between <= 4.0
    for beat in scene.beats:
        if beat.kind == "stage" and beat.detail.startswith((UNSEEN_BIAS, FOLLOWED_BIAS)):
            step = next(s.index for s in stages if s.caption == beat.title)
            assert plays[step][0] - beat.start <= BRIEF + 1e-6, beat.title


def test_the_density_over_the_code_line_has_an_axis_name(arc_scene, at_code):
    """Review 6: the hills over the code's line (points per value) had no name on the picture.
    While the density is shown its name is over its top left corner, inside the picture, clear
    of the density's outline; gone with it."""
    view, scale = at_code, arc_scene.code_scale
    name = arc_scene.density_name.words
    assert name.original_text == HILLS and "points" in HILLS
    assert scale.density.opacity > 0 and name.get_fill_opacity() > 0.5
    corners = np.asarray(scale.density.points)
    x0, y0, x1, y1 = arc_scene.layout.picture_clip
    assert name.get_bottom()[1] >= corners[:, 1].max()  # over the tallest column
    assert abs(name.get_left()[0] - max(corners[:, 0].min(), x0 + 0.05)) < 0.02 + 1e-9 \
        or name.get_right()[0] <= x1 - 0.05 + 1e-9
    assert x0 <= name.get_left()[0] and name.get_right()[0] <= x1
    assert name.get_top()[1] <= y1
    view.set_stage(0, 0.0)  # the input plane: no density, no name
    assert scale.density.opacity == 0 and name.get_fill_opacity() == 0


def test_the_output_coordinates_are_written_with_subscripts(arc_scene):
    """Review 6: a caption wrote "x̂1, x̂2" where the axes and the other words write x̂₁, x̂₂."""
    import re

    words = [b.detail for b in arc_scene.beats] + [b.title for b in arc_scene.beats]
    assert any("x̂₁" in w for w in words)
    assert not any(re.search(r"[xuh]̂?[0-9]", w) for w in words), words


class _Frames:
    """Samples every play at 15 frames a second: the play's number, the view's stage and t, and
    while the code's line is drawn its scale (scene units per value), the points on screen and
    the density's name (its centre, None while hidden)."""

    def play(self, *animations, **kwargs):
        from manim.animation.animation import prepare_animation

        anims = [prepare_animation(a) for a in animations]
        seconds = (kwargs.get("run_time") or max(a.run_time for a in anims)) * self.pace
        view, scale = getattr(self, "view", None), getattr(self, "code_scale", None)
        frames = self.__dict__.setdefault("frames", [])
        if view is not None and scale is not None:
            for a in anims:
                a._setup_scene(self)
                a.begin()
            n = max(1, int(np.ceil(seconds * 15)))
            for k in range(1, n + 1):
                for a in anims:
                    a.interpolate(k / n)
                ends = view.to_scene(np.array([[0.0, 0, 0], [1.0, 0, 0]]))[:, 0]
                words = self.density_name.words
                frames.append(dict(
                    play=self.plays + 1, stage=view.stage, t=view.t,
                    shown=scale.presence(view.stage, view.t) > 0.0,
                    unit=float(ends[1] - ends[0]), points=np.asarray(view.cloud.points)[:, :2].copy(),
                    values=view.points_trace.at(view.stage, view.t)[:, 0].copy(),
                    name=words.get_center()[:2].copy() if words.get_fill_opacity() > 0 else None))
            for a in anims:
                a.interpolate(0.0)
        super().play(*animations, **kwargs)


@pytest.fixture(scope="module")
def sampled_arc(default_arc):
    return dry_run(AutoencoderScene, {"run": default_arc}, mixin=_Frames)


def test_the_code_line_rescales_without_a_jump(sampled_arc):
    """Review 7: as the density faded in, the code's W·x (0.5 s) changed the ticks' spacing by 16 %
    in one frame (−0.5…0.5 to −1…1 under the same points), the line fell 50 pixels and the
    density's name moved with it.  Between two frames while the line is drawn, its scale changes
    by at most 8 % and no point or the name moves more than 0.15 scene units (9 px at 480p)."""
    frames = sampled_arc.frames
    pairs = [(a, b) for a, b in zip(frames, frames[1:], strict=False) if a["shown"] and b["shown"]]
    assert len(pairs) > 60
    for a, b in pairs:
        assert abs(np.log(b["unit"] / a["unit"])) < 0.08, (a["stage"], a["t"], b["t"])
        assert np.abs(b["points"] - a["points"]).max() < 0.15, (a["stage"], a["t"], b["t"])
        if a["name"] is not None and b["name"] is not None:
            assert np.abs(b["name"] - a["name"]).max() < 0.15, (a["stage"], a["t"], b["t"])


def test_a_tanh_title_is_up_only_over_values_it_can_take(sampled_arc):
    """Review 7: "layer 2 · tanh" came up over a + b played first, the points at −1.2…1.3 (a tanh
    never passes ±1).  From the first frame of the code's tanh beat the tanh is squeezing them
    (its stage playing), or they are within ±1."""
    scene = sampled_arc
    stages, code = scene.view.flow.stages, scene.view.flow.network.code_layer
    act = next(s.index for s in stages if s.kind == "activation" and s.layer == code)
    beats = [b for b in scene.beats if b.kind == "stage"]
    beat = next(i for i, b in enumerate(beats) if b.title == stages[act].caption)
    first, until = beats[beat].play + 1, beats[beat + 1].play + 1
    shown = [f for f in scene.frames if first <= f["play"] < until]
    assert shown and abs(stages[act].caption.find("tanh")) >= 0
    for f in shown:
        assert (f["stage"] == act and f["t"] > 0.0) or f["stage"] > act \
            or np.abs(f["values"]).max() <= 1.0, (f["stage"], f["t"])
    # the squeeze's own values: within ±1 at its end, recomputed
    end = next(f for f in shown if f["stage"] == act and f["t"] >= 1.0)
    assert np.abs(end["values"]).max() < 1.0
