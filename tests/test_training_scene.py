"""The `training` scene and its timeline: what is stated is recomputed; the replay is smooth."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from click.testing import CliRunner
from nnanim.scenes.training import INTRO, OUTRO, TrainingScene
from storyboards import (
    FRAME_PIXELS,
    JUDGED_FPS,
    ReplayLog,
    best_linear_split,
    class_pixels,
    dry_run,
    tanh_sigmoid_forward,
)

from nnanim.cli import cli
from nnanim.contract import resolve
from nnanim.core.record import train
from nnanim.core.timeline import EpochTimeline, default_duration
from nnanim.draw.replay import ReplayTraining
from nnanim.errors import NnanimError
from nnanim.layout import Layout, frame_units
from nnanim.media.render import RenderSettings, render


@pytest.fixture(scope="module")
def run():
    return train(dataset="moons", n_samples=200, hidden=[8, 2], epochs=300, seed=1)


def _accuracy_by_hand(run, r):
    return float(np.mean((tanh_sigmoid_forward(run, run.X, r) > 0.5) == run.y))


def test_timeline_is_log_spaced_and_exact_at_records(run):
    tl = EpochTimeline(run)
    assert tl.moment(0.0).epoch == 0 and tl.moment(1.0).epoch == pytest.approx(300)
    assert tl.moment(0.5).epoch == pytest.approx(np.sqrt(301) - 1)  # early epochs get half the time
    for e in (3, 40, 299):
        m = tl.moment(np.log(e + 1) / np.log(301))
        net, exact = tl.network(m), run.network(run.record_index(e))
        for a, b in zip(net.weights + net.biases, exact.weights + exact.biases):
            np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.fixture(scope="module")
def default_scene():
    return dry_run(TrainingScene, {})


def _change_share(run, epochs_at):
    """The share of the picture's whole movement shown between consecutive ``epochs_at``.

    Movement, computed here: the mean step of the last hidden layer's points (a
    tanh forward pass written out) from record to record, over the cloud's size.
    """
    X = run.X[:: max(1, len(run.X) // 300)]

    def hidden(r):
        h = X
        for W, b in zip(run.weights[:-1], run.biases[:-1]):
            h = np.tanh(h @ W[r].T + b[r])
        return h

    H = [hidden(r) for r in range(len(run.epochs))]
    step = [np.mean(np.linalg.norm(b - a, axis=1)) / np.max(np.ptp(b, axis=0)) for a, b in zip(H, H[1:])]
    moved = np.concatenate([[0.0], np.cumsum(step)])
    return np.diff(np.interp(epochs_at, run.epochs, moved / moved[-1]))


def test_the_seconds_follow_how_much_the_picture_changes(default_scene):
    """Each tenth of the replay shows about a tenth of the movement (log-spacing: 2 % in the last 30 %),
    but the first: there the first epochs, each one full-batch step that swings the picture, are
    held no longer than the counter may stay on one number (review 3: epoch 0 → 1 took 2.7 s), so
    the first tenth shows more."""
    run, tl = default_scene.job.run, default_scene.timeline
    us = np.linspace(0.0, 1.0, 11)
    share = _change_share(run, [tl.moment(u).epoch for u in us])
    assert np.all(share[:-1] > 0.05) and np.all(share[1:] < 0.2) and share[0] < 0.4, share
    assert share[7:].sum() > 0.15, share
    log = _change_share(run, [EpochTimeline(run).moment(u).epoch for u in us])
    assert log[7:].sum() < 0.05  # what the pacing fixes: the old last 30 % barely moved


def test_the_input_inset_is_large_enough_to_read(default_scene):
    inset = default_scene.inset
    width = inset.border.width
    assert width * FRAME_PIXELS[1] / 8.0 >= 165  # pixels at 480p (it was 150)
    assert inset.cloud.radius >= 0.03  # dots, not specks (it was 0.022)


def test_the_square_frame_gives_every_panel_room(run):
    """1:1 on a phone: the layer as large as before (4.15 units, 250 px at 480p), the input
    inset at least 2 units (it was 1.0: 60 px, its points specks) and the curves' box at least
    1.0 × 1.0 (it was about 1 × 0.55), none of them or the readouts closer than 0.2 units to
    another, all inside the title-safe area (the narrow column beside the layer held the
    readouts, the inset, its words and the curves)."""
    from nnanim.layout import Box, pixel_size

    scene = dry_run(TrainingScene, {"run": run, "aspect": "1:1"}, pixels=pixel_size("1:1", 480))

    def box(mob):
        (a, b, _), (c, d, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
        return Box(a, b, c, d)

    from nnanim.draw.charts import LineChart
    from nnanim.draw.replay import HiddenSpaceView

    members = scene.get_mobject_family_members()
    main = box(next(m for m in members if isinstance(m, HiddenSpaceView)).border)
    inset = box(scene.inset.border)
    found = next(m for m in members if isinstance(m, LineChart))
    chart = box(found)
    assert main.width >= 4.1 and main.height == pytest.approx(main.width, rel=1e-3)
    assert inset.width >= 2.0, inset.width
    assert found.box_h >= 1.0 and found.box_w >= 1.0, (found.box_w, found.box_h)
    parts = {"main": main, "inset": inset, "chart": chart, "readouts": box(scene.readout_group)}
    for (a, p), (b, q) in itertools.combinations(parts.items(), 2):
        assert not p.inset(-0.1).overlaps(q.inset(-0.1)), (a, b)  # 0.2 apart at least
    safe = scene.layout.safe
    assert all(safe.contains(p, tol=0.01) for p in parts.values())


def test_replay_moves_continuously(run):
    tl = EpochTimeline(run)
    us = np.linspace(0, 1, 1201)  # the frames of a 20 s video at 60 fps
    H = np.array([tl.hidden(tl.moment(u)) for u in us])
    steps = np.abs(np.diff(H, axis=0)).max(axis=(1, 2))
    # no jump between neighbouring frames: each step is small against the overall motion
    assert steps.max() < 0.1 * np.abs(H - H[0]).max()
    for u in us[::100]:
        centre, half = tl.framing(u)
        P = tl.hidden(tl.moment(u))
        assert np.all(np.abs(P - centre) <= half + 1e-9)


def test_stated_accuracy_is_recomputed_from_the_nearest_record(run):
    tl = EpochTimeline(run)
    for u in (0.0, 0.3, 0.61, 0.9, 1.0):
        m = tl.moment(u)
        epoch, acc = tl.stated(m)
        r = run.record_index(epoch)
        assert abs(epoch - m.epoch) <= 0.5 + 1e-9
        assert acc == _accuracy_by_hand(run, r)


def test_default_video_lasts_15_to_30_seconds():
    for epochs in (1, 10, 1500, 10**6):
        assert 15 <= default_duration(epochs) <= 30


class _Readouts:
    """In front of the plan-mode scene: the replay is also run at a few points on its way,
    and the readouts on screen are recorded at each (the plan itself jumps to the end)."""

    def setup(self):
        super().setup()
        self.readouts = []

    def play(self, *animations, **kwargs):
        replays = [a for a in animations if isinstance(a, ReplayTraining)]
        for anim in replays:
            anim.begin()
            for alpha in (0.0, 0.37, 0.8):
                anim.interpolate(alpha)
                a = anim.rate_func(alpha)
                self.readouts.append((anim.timeline.moment((1 - a) * anim.u0 + a * anim.u1),
                                      self._texts()))
        super().play(*animations, **kwargs)  # the plan: each animation at its end
        for anim in replays:
            self.readouts.append((anim.timeline.moment(anim.u1), self._texts()))

    def _texts(self):
        from nnanim.draw.charts import DigitReadout

        return [m.text.strip() for m in self.get_mobject_family_members() if isinstance(m, DigitReadout)]


def _dry(options):
    return dry_run(TrainingScene, options, mixin=_Readouts)


def test_readouts_state_the_recomputed_epoch_and_accuracy(run):
    scene = _dry({"run": run, "duration": 9})
    assert len(scene.readouts) == 8  # the rewind from the poster (the trained network), the replay
    # the poster: the first record within half a point of the final accuracy (counted here); its
    # caption says which epoch of how many it shows, the rewind starts from that epoch
    accs = [_accuracy_by_hand(run, r) for r in range(len(run.epochs))]
    first = next(r for r, a in enumerate(accs) if a >= accs[-1] - 0.005)
    assert scene.readouts[0][0].nearest == first and scene.readouts[3][0].u == 0.0
    assert scene.readouts[0][1] == [str(int(run.epochs[first])), f"{100 * accs[first]:.1f}%"]
    intro = scene.beats[0]
    assert intro.kind == "intro"
    # and says why that epoch (review 4): its accuracy (counted here) is already the final one
    assert first < len(run.epochs) - 1 and abs(accs[first] - accs[-1]) <= 0.005 + 1e-9
    assert (intro.title, intro.detail) == (f"epoch {int(run.epochs[first])} of {int(run.epochs[-1])}",
                                           "last hidden layer: accuracy ≈ final")
    rewind = next(b for b in scene.beats if b.title == "rewind")
    assert rewind.detail.endswith(f"epoch {int(run.epochs[first])} → 0")
    assert [m.u for m, _ in scene.readouts[4:]] == pytest.approx([0.0, 0.37, 0.8, 1.0])
    tl = EpochTimeline(run)
    for m, texts in scene.readouts:
        epoch, _ = tl.stated(m)
        acc = _accuracy_by_hand(run, run.record_index(epoch))
        assert texts == [str(epoch), f"{100 * acc:.1f}%"]
    assert scene.clock == pytest.approx(9.0)


def test_k_classes_replay(tmp_path):
    from manim import Line

    from nnanim.draw.replay import HiddenSpaceView

    run3 = train(dataset="blobs", n_samples=150, hidden=[6, 2], epochs=60)
    scene = _dry({"run": run3, "duration": 6})
    assert scene.readouts[-1][1][0] == "60"
    view = next(m for m in scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    # three classes: the shading shows the regions, and no stray two-class line is drawn
    assert not any(isinstance(m, Line) for m in view.get_family())


def test_wide_last_layer_is_a_clear_error(tmp_path):
    with pytest.raises(NnanimError, match="needs 2 units; got 4\\. Change --hidden, e.g. --hidden 16,2$"):
        _dry({"hidden": [16, 4], "epochs": 5})
    resolve(TrainingScene, {"hidden": [16, 2], "epochs": 5})  # the example given is accepted
    res = CliRunner().invoke(cli, ["render", "training", "--hidden", "16,4", "-q", "l",
                                   "-o", str(tmp_path / "t.mp4")])
    assert res.exit_code == 2 and "needs 2 units" in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_rendered_training_video(tmp_path, decode_frames):
    run = train(dataset="spirals", hidden=[8, 8, 2], epochs=800)  # tangled at epoch 0, not moons
    assert run.accuracy[-1] > 0.97
    out = render("training", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "t.mp4",
                                              progress=False),
                 {"run": run, "duration": 8})
    frames, fps = decode_frames(out)
    assert frames.shape[1:] == (480, 854, 3) and abs(len(frames) - 8 * fps) <= 3
    # the main panel: right of the layout's text column (caption and the aside: readouts, the
    # input inset, the curves); class colours judged by a linear split
    from nnanim.theme import load_theme

    colours = np.array(load_theme().class_rgb(2)) * 255
    width, height = frame_units(FRAME_PIXELS)
    layout = Layout(width, height, aside=TrainingScene.aside, caption_lines=TrainingScene.caption_lines,
                    header=TrainingScene.has_header)
    left = int((layout.column.x1 + width / 2) * 480 / height)

    def split_quality(frame):
        return best_linear_split(*class_pixels(frame, colours, left))

    from nnanim.scenes.training import REWIND, SWAP

    # a render to a duration scales every beat (the storyboard at pace 1 lasts default_duration):
    # the end is the replay's last frame before the outro (unscaled, OUTRO before the video's end
    # was a frame a third of a second into the replay's last 40 %, not its end)
    scale = 8 / default_duration(int(run.epochs[-1]))
    start = frames[int((INTRO + REWIND + SWAP) * scale * fps) + 1]  # the replay's start: epoch 0
    end = frames[int((8 - OUTRO * scale) * fps) - 1]
    # (the points are drawn interleaved now, so the few wrong points show, each its own dot, while
    # the right ones pile up in their corners: by pixels the end is about 0.93, where drawn class
    # by class one class covered the other and gave over 0.95)
    assert split_quality(start) < 0.9 < split_quality(end)


# --------------------------------------------------------------------------- regression


def _r2_by_hand(run, r):
    h = run.X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[r].T + b[r])
    y_hat = (h @ run.weights[-1][r].T + run.biases[-1][r])[:, 0]
    return 1.0 - np.sum((run.y - y_hat) ** 2) / np.sum((run.y - run.y.mean()) ** 2)


@pytest.mark.parametrize("dataset", ["sine", "ripple"])
def test_regression_readouts_and_curve_state_the_recomputed_r2(dataset):
    from nnanim.draw.replay import FitInset, HiddenSpaceView, InputInset

    reg = train(dataset=dataset, n_samples=120, hidden=[8, 2], epochs=150, seed=2)
    scene = _dry({"run": reg, "duration": 8})
    tl = EpochTimeline(reg)
    assert tl.score_name == "R²"
    np.testing.assert_allclose(tl.scores(), [_r2_by_hand(reg, r) for r in range(len(reg))])
    for m, texts in scene.readouts:
        epoch, r2 = tl.stated(m)
        assert texts == [str(epoch), f"{_r2_by_hand(reg, reg.record_index(epoch)):.3f}"]
    final = _r2_by_hand(reg, len(reg) - 1)
    assert scene.beats[-1].title == "epoch 150" and f"R² = {final:.3f}" in scene.beats[-1].detail
    family = scene.get_mobject_family_members()
    view = next(m for m in family if isinstance(m, HiddenSpaceView))
    # the level lines of the output layer: w·h + b = c, straight (two ends), at fixed values c
    lo, hi = np.quantile(reg.y, [0.1, 0.9])
    np.testing.assert_allclose(view.levels, np.linspace(lo, hi, 5))
    net = reg.network(len(reg) - 1)
    w, b = net.weights[-1][0], net.biases[-1][0]
    assert sum(len(line.points) > 0 for line in view.level_lines) >= 2
    for level, line in zip(view.levels, view.level_lines, strict=True):
        if len(line.points):
            ends = line.points[[0, -1], :2]  # on screen; back to the hidden space
            (cx, cy), half = view.window
            P = (ends - view.panel_centre[:2]) / (view.panel_size / 2 / half) + [cx, cy]
            np.testing.assert_allclose(P @ w + b, level, atol=1e-6 * max(1.0, abs(level)))
    inset = FitInset if dataset == "sine" else InputInset
    assert any(isinstance(m, inset) for m in family)


def test_curves_over_training_end_at_the_current_epoch(run):
    """At epoch 0 the loss and accuracy curves are a dot, never their whole future; at every
    moment of the replay each curve ends exactly at the cursor, at the value of that epoch
    (log x and each curve's own y scale, recomputed here from the chart's box)."""
    from nnanim.draw.charts import LineChart

    scene = _dry({"run": run, "duration": 9})
    chart = next(m for m in scene.get_mobject_family_members() if isinstance(m, LineChart))
    epochs = np.asarray(run.epochs, dtype=float)
    origin = chart.axes.points[3]
    loss = np.log10(run.loss)
    for epoch in (0.0, 3.5, float(epochs[len(epochs) // 3]), float(epochs[-1])):
        chart.set_marker(epoch)
        x_now = np.log1p(epoch) / np.log1p(max(epochs[-1], 1.0)) * chart.box_w
        assert chart.cursor.get_start()[0] - origin[0] == pytest.approx(x_now, abs=1e-9)
        for curve in chart.curves:
            xs = curve.points[:, 0] - origin[0] if len(curve.points) else np.zeros(1)
            assert xs.max() <= x_now + 1e-9  # nothing of the future
        # the loss curve's visible end is the loss at that epoch, on the chart's own scale
        if len(chart.curves[0].points):
            end = chart.curves[0].points[-1]
            expected = (np.interp(epoch, epochs, loss) - loss.min()) / (loss.max() - loss.min())
            assert end[1] - origin[1] == pytest.approx(expected * chart.box_h * 0.92 + chart.box_h * 0.04,
                                                        abs=1e-6)
            assert end[0] - origin[0] == pytest.approx(x_now, abs=1e-9)
    chart.set_marker(0.0)
    assert all(len(c.points) == 0 for c in chart.curves)  # epoch 0: no curve yet, only the dots
    chart.set_marker(float(epochs[-1]))
    full = [c.points[:, 0].max() - origin[0] for c in chart.curves]
    assert full == pytest.approx([chart.box_w] * len(full))
    # and the curves animate with the replay (they are in the moving part, not the still background)
    assert all(c in chart.marker.submobjects for c in chart.curves)


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_the_curves_are_readable_and_their_ticks_sit_at_their_values(run, aspect):
    """The chart's box is large enough to read on a phone and a projector in both shapes (at
    least 1.5 × 2.2 scene units of an 8-unit short side; it was 0.8 units tall in 16:9), its tick
    labels are the small print, and
    each tick label stands at its own value: the loss (log) on the left, the accuracy on the right,
    epochs under the box, each scale recomputed here from the run."""
    from nnanim.draw.charts import LineChart
    from nnanim.layout import SMALL_SIZE, pixel_size

    scene = dry_run(TrainingScene, {"run": run, "duration": 9, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    chart = next(m for m in scene.get_mobject_family_members() if isinstance(m, LineChart))
    assert chart.box_h >= 1.5 and chart.box_w >= 2.2, (chart.box_w, chart.box_h)
    origin = chart.axes.points[3]
    loss = np.log10(run.loss)
    accs = np.array([_accuracy_by_hand(run, r) for r in range(len(run.epochs))])
    probe = scene.label("0", size=SMALL_SIZE)
    sides = {"left": 0, "right": 0, "under": 0}
    right = []
    for mob in chart.tick_labels:
        body = mob.original_text.replace("\u2212", "-")
        assert mob.height <= 1.25 * probe.height and mob.height >= 0.6 * probe.height
        x, y = mob.get_center()[0] - origin[0], mob.get_center()[1] - origin[1]
        if y < 0:  # an epoch, under the box at log(1 + e)
            assert x == pytest.approx(np.log1p(float(body)) / np.log1p(float(run.epochs[-1])) * chart.box_w,
                                      abs=1e-6)
            sides["under"] += 1
        elif x < 0:  # the loss, log scale
            share = (np.log10(float(body)) - loss.min()) / (loss.max() - loss.min())
            sides["left"] += 1
            assert 0 <= share <= 1
            assert y == pytest.approx(share * chart.box_h * 0.92 + chart.box_h * 0.04, abs=1e-6)
        else:  # the accuracy: round values bracketing it (review 5), each at its value on the
            assert x > chart.box_w  # curve's linear scale (checked against the curve drawn below)
            right.append((float(body.rstrip("%")) / 100, y))
            sides["right"] += 1
    assert sides["left"] >= 1 and sides["right"] >= 2 and sides["under"] >= 2, sides
    (v0, y0), (v1, y1) = min(right), max(right)
    assert v0 <= accs.min() and accs.max() <= v1
    np.testing.assert_allclose(chart.maps[1], y0 + (accs - v0) / (v1 - v0) * (y1 - y0), atol=1e-6)
    assert 0 <= y0 < y1 <= chart.box_h


# ----------------------------------------------------------------------------- review 1 (training)


def _drawn_classes(view, theme, unit_px=60.0):
    """The view's points drawn as a render draws them (its clouds in order, each through the real
    disc compositor) on a canvas of the panel at 480p; each pixel's class (-1: no point), and
    the pixels' positions in the hidden space."""
    from nnanim.draw.mobjects import splat_discs

    clouds = getattr(view.cloud, "clouds", [view.cloud])
    n = int(round(view.panel_size * unit_px))
    canvas = np.zeros((n, n, 4), dtype=np.uint8)
    corner = view.panel_centre[:2] + [-view.panel_size / 2, view.panel_size / 2]
    for cloud in clouds:
        xy = (cloud.points[:, :2] - corner) * [unit_px, -unit_px]
        r = cloud.radius * unit_px
        splat_discs(canvas, xy, r, cloud.colors, np.zeros(3), 0.28 * r)
    rgb = canvas[..., :3].astype(float) / 255
    classes = np.asarray(theme.class_rgb(2), dtype=float)
    d = np.linalg.norm(rgb[:, :, None, :] - classes[None, None], axis=3)
    label = np.where(d.min(axis=2) < 0.15, d.argmin(axis=2), -1)
    yy, xx = np.mgrid[0:n, 0:n] + 0.5
    scene_xy = np.stack([corner[0] + xx / unit_px, corner[1] - yy / unit_px], axis=-1)
    (cx, cy), half = view.window
    hidden = (scene_xy - view.panel_centre[:2]) / (view.panel_size / 2 / half) + [cx, cy]
    return label, hidden


@pytest.mark.parametrize("epoch", [4, 5])
def test_overlapping_classes_show_as_a_mix_that_agrees_with_the_counter(default_scene, epoch):
    """Review: at epoch 4-5 (62 % correct) the layer looked about 95 % correct: drawn class by
    class, orange covered every blue point it overlapped.  On each side of the output line, the
    share of the visible point pixels in the class that is wrong there is at least half the share
    of the points that are wrong there (both computed here, the points' side from a forward pass
    written out)."""
    from nnanim.draw.replay import HiddenSpaceView
    from nnanim.theme import load_theme

    scene = default_scene
    run, tl = scene.job.run, scene.timeline
    view = next(m for m in scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    r = run.record_index(epoch)
    m = tl.moment(tl.u_of_record(r))
    view.set_moment(m)
    h = run.X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[r].T + b[r])
    w, b = run.weights[-1][r][0], run.biases[-1][r][0]
    side = h @ w + b > 0
    acc = float(np.mean(side == run.y))
    assert acc < 0.7  # the moment the review saw
    label, hidden = _drawn_classes(view, load_theme("dark"))
    pixel_side = hidden @ w + b > 0
    for s, wrong in ((True, 0), (False, 1)):  # right of the line class 1 is correct, class 0 wrong
        points = np.mean(run.y[side == s] == wrong)
        drawn = label[(pixel_side == s) & (label >= 0)]
        assert points > 0.1 and np.mean(drawn == wrong) >= 0.5 * points, (s, points, np.mean(drawn == wrong))
    view.set_moment(tl.moment(1.0))


def _sharp_turns(line):
    """Turns of more than 60° between consecutive drawn segments of a Polylines."""
    seg = line.points.reshape(-1, 4, 3)
    d = seg[:, 3, :2] - seg[:, 0, :2]
    n = np.linalg.norm(d, axis=1)
    joined = np.linalg.norm(seg[1:, 0] - seg[:-1, 3], axis=1) < 1e-9
    ok = joined & (n[1:] > 1e-6) & (n[:-1] > 1e-6)
    cos = np.sum(d[1:] * d[:-1], axis=1) / np.maximum(n[1:] * n[:-1], 1e-300)
    return int(np.sum(ok & (cos < 0.5)))


def test_the_insets_boundary_has_no_contouring_notches(default_scene):
    """Review: right-angled staircase notches on the inset's boundary at the final epoch (a
    smooth tanh network's p = 0.5 curve has no corner).  At several moments no drawn segment
    turns by more than 60° from the one before it."""
    inset, tl = default_scene.inset, default_scene.timeline
    turns = []
    for u in (0.5, 0.8, 1.0):
        inset.set_moment(tl.moment(u))
        assert len(inset.boundary.points) > 0
        turns.append(_sharp_turns(inset.boundary))
    assert turns == [0, 0, 0]


ASPECTS = ["16:9", "9:16", "1:1", "4:3"]


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_caption_names_the_large_picture(aspect):
    """Review: the large picture was named only on the poster.  Every caption of the video
    (intro, rewind, replay, outro) names it: 'last hidden layer'."""
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480), mixin=_CaptionLog)
    beats = [b for b in scene.beats if b.kind in ("intro", "stage", "caption", "outro")]
    # the poster's title is its epoch (review 4: the caption says why that one), then the rewind
    assert beats[0].title.startswith("epoch ") and beats[1].title == "rewind" and len(beats) == 4
    for b in beats:
        assert "last hidden layer" in b.detail, b
    # and each caption stays in its box (in 4:3 'epochs 0 → 1500' took two lines and the
    # caption ran into the readouts under it)
    assert len(scene.caption_boxes) == 4
    for bottom, floor in scene.caption_boxes:
        assert bottom >= floor - 1e-6


class _CaptionLog:
    def caption(self, title, detail=""):
        made = super().caption(title, detail)
        self.caption_boxes = [*getattr(self, "caption_boxes", []),
                              (made.get_bottom()[1], self.layout.caption.y0)]
        return made


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_insets_words_touch_the_inset(aspect):
    """'input space, same epoch' is next to the inset it names (in 9:16 it sat at the aside's
    top, about 60 px above the inset): its nearest edge within 0.25 units of the inset's."""
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    words = next(m for m in scene.get_mobject_family_members()
                 if "same epoch" in getattr(m, "original_text", "").replace("\n", " "))
    border = scene.inset.border
    (a0, b0, _), (a1, b1, _) = words.get_corner([-1, -1, 0]), words.get_corner([1, 1, 0])
    (c0, d0, _), (c1, d1, _) = border.get_corner([-1, -1, 0]), border.get_corner([1, 1, 0])
    dx = max(c0 - a1, a0 - c1, 0.0)
    dy = max(d0 - b1, b0 - d1, 0.0)
    assert np.hypot(dx, dy) <= 0.25, (dx, dy)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_chart_tells_its_curves_apart_and_its_epochs_never_crowd(aspect):
    """Review: two grey-white curves, no legend; '100' and '1000' crowded in 9:16.  The score
    curve is dashed (its drawn segments shorter than the gaps' period, with gaps), the loss
    solid; the legend shows a sample of each line before its name; the epoch labels under the
    box are at least 0.3 units apart."""
    from nnanim.draw.charts import LineChart
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    chart = next(m for m in scene.get_mobject_family_members() if isinstance(m, LineChart))
    chart.set_marker(float(chart.epochs[-1]))
    assert chart.dashed == [False, True]
    loss, score = chart.curves
    segs = score.points.reshape(-1, 4, 3)
    gaps = np.linalg.norm(segs[1:, 0] - segs[:-1, 3], axis=1)
    assert np.sum(gaps > 0.04) >= 10  # dashes
    segs = loss.points.reshape(-1, 4, 3)
    assert np.all(np.linalg.norm(segs[1:, 0] - segs[:-1, 3], axis=1) < 1e-9)  # one solid line
    origin = chart.axes.points[3]
    under = sorted((m for m in chart.tick_labels if m.get_center()[1] < origin[1]),
                   key=lambda m: m.get_center()[0])
    assert len(under) >= 2
    for a, b in zip(under, under[1:]):
        assert b.get_left()[0] - a.get_right()[0] >= 0.3 - 1e-9


# ----------------------------------------------------------------------------- review 3 (training)


def _tanh_hidden(run, X, r):
    """The last hidden layer of a tanh network at record ``r``, written out here."""
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[r].T + b[r])
    return h


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_trained_layer_stands_off_the_panels_border(aspect):
    """Review 3: the trained tanh layer is saturated, its points on the edges of (-1, 1)²; framed
    tightly they lay on the panel's border and the two classes read as a smear along it.  At the
    last epoch the drawn points are the layer's points (a forward pass written here) under one
    scale on both axes and a shift (the geometry as it is), and every point is at least a tenth
    of the panel's side inside the panel."""
    from nnanim.draw.replay import HiddenSpaceView
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    run, tl = scene.job.run, scene.timeline
    view = next(m for m in scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    view.set_moment(tl.moment(1.0))
    H = _tanh_hidden(run, run.X, len(run.epochs) - 1)
    assert np.mean(np.abs(H) > 0.97) > 0.5  # the moment the review saw: mostly saturated
    P = view.cloud.positions[:, :2]
    scale = np.ptp(P, axis=0) / np.ptp(H, axis=0)
    assert scale[0] == pytest.approx(scale[1], rel=1e-9)
    np.testing.assert_allclose(P - scale * H, np.broadcast_to((P - scale * H)[0], P.shape), atol=1e-9)
    x0, y0, x1, y1 = view.square
    side = x1 - x0
    room = min(P[:, 0].min() - x0, x1 - P[:, 0].max(), P[:, 1].min() - y0, y1 - P[:, 1].max())
    assert room >= 0.1 * side, room / side


def test_the_counter_moves_with_every_epoch_the_replay_shows():
    """Review 3: the epoch counter stayed on one number while epochs 0-5 (one full-batch step each)
    swung the picture (paced by the change alone, epoch 0 → 1 took 2.7 s, 1 → 2 1.1 s).  Over the
    replay (linear in time, sampled at 60 fps), the stated epoch (the nearest record, worked out
    here: every epoch is recorded, so the fractional epoch shown rounded half up) never stays the
    same for longer than 0.55 s, and the replay still shows every epoch in order."""
    scene = dry_run(TrainingScene, {}, mixin=ReplayLog)
    run = scene.job.run
    replay = scene.replays[-1]
    assert (replay.u0, replay.u1) == (0.0, 1.0)
    np.testing.assert_array_equal(run.epochs, np.arange(len(run.epochs)))
    fps = 60
    us = np.linspace(0.0, 1.0, int(round(replay.run_time * fps)) + 1)
    shown = np.array([replay.timeline.moment(u).epoch for u in us])
    assert np.all(np.diff(shown) >= -1e-12) and shown[0] == 0 and shown[-1] == run.epochs[-1]
    stated = np.floor(shown + 0.5).astype(int)
    change = np.flatnonzero(np.diff(stated)) + 1
    runs = np.diff(np.concatenate([[0], change, [len(stated)]])) / fps
    assert runs.max() <= 0.55, (runs.max(), stated[np.concatenate([[0], change])[np.argmax(runs)]])


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_charts_ticks_are_few_and_never_crowd(aspect):
    """Review 3: the loss chart's ticks were crowded ('0.01' hanging into the epochs' row,
    'epoch' run into '0', three labels a side).  At most two labels a side, each within the
    box's height; no two of the chart's words (tick labels, legend, axis name) within 0.1 units
    of each other; the axis name at least 0.25 from the first epoch."""
    from nnanim.draw.charts import LineChart
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    chart = next(m for m in scene.get_mobject_family_members() if isinstance(m, LineChart))
    origin = chart.axes.points[3]
    left = [m for m in chart.tick_labels if m.get_center()[0] < origin[0]]
    right = [m for m in chart.tick_labels if m.get_center()[0] > origin[0] + chart.box_w]
    under = sorted((m for m in chart.tick_labels if m.get_center()[1] < origin[1]),
                   key=lambda m: m.get_center()[0])
    assert 1 <= len(left) <= 2 and 1 <= len(right) <= 2, (len(left), len(right))
    for m in left + right:
        assert m.get_bottom()[1] >= origin[1] - 1e-6 and m.get_top()[1] <= origin[1] + chart.box_h + 1e-6
    from manim import Text

    words = [m for m in chart.get_family() if isinstance(m, Text)]
    boxes = [(m.get_corner([-1, -1, 0])[:2], m.get_corner([1, 1, 0])[:2]) for m in words]
    for (a0, a1), (b0, b1) in itertools.combinations(boxes, 2):
        gap = max(b0[0] - a1[0], a0[0] - b1[0], b0[1] - a1[1], a0[1] - b1[1])
        assert gap >= 0.1 - 1e-9, gap
    axis = next(m for m in words if m.original_text == "epoch")
    if abs(axis.get_center()[1] - under[0].get_center()[1]) < 0.05:  # on the epochs' row
        assert under[0].get_left()[0] - axis.get_right()[0] >= 0.25 - 1e-9


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_input_inset_is_readable_in_every_frame_shape(aspect):
    """The input inset at least 1.6 units (96 px at 480p) in every shape: in a 4:3 column, with
    its words under it, it was 1.0 (60 px, the spirals a smudge); its words go beside it there."""
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    assert scene.inset.border.width >= 1.6, scene.inset.border.width


# ----------------------------------------------------------------------------- review 4 (training 1, 2)


def test_the_carried_grid_is_quieter_where_it_crowds(default_scene):
    """Review 4: trained, the carried grid filled the panel with wisps.  Its opacity is the
    theme's where its length in the panel (measured here) is at most CROWD panel sides, and
    dimmed in proportion beyond: at the last epoch of the default run it is under 60 %."""
    from nnanim.draw.replay import HiddenSpaceView

    view = next(m for m in default_scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    tl = view.timeline
    x0, y0, x1, y1 = view.square
    opacities = []
    for u in (0.0, 1.0):
        m = tl.moment(u)
        view.set_moment(m)
        net = tl.network(m)
        ink, start = 0.0, 0
        for line in view.grid_lines:  # the carried lines on screen, the length of each segment inside
            P = view.to_scene(net.forward(view.grid_in[start: start + len(line)]).post[-2])[:, :2]
            start += len(line)
            for a, b in zip(P, P[1:]):
                mid = (a + b) / 2
                if x0 < mid[0] < x1 and y0 < mid[1] < y1:
                    ink += float(np.hypot(*(b - a)))
        ink /= x1 - x0
        expected = view.grid_opacity * min(1.0, view.CROWD / ink)
        assert view.grid.get_stroke_opacity() == pytest.approx(expected, rel=1e-6)
        opacities.append(view.grid.get_stroke_opacity())
    assert opacities[0] == pytest.approx(view.grid_opacity) and opacities[1] < 0.6 * view.grid_opacity


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "4:3"])  # not yet in a square frame: no room
def test_the_main_picture_names_its_grey_curves_and_its_axes(aspect):
    """Review 4: the grey curves (the input grid carried through the layers) and the axes of
    the main picture were never named.  A legend row under the picture says both: the grey
    words at its left, 'h₁ →  h₂ ↑' at its right, each within 0.25 units under its border,
    inside the frame, clear of each other."""
    from manim import config

    from nnanim.draw.replay import HiddenSpaceView
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    view = next(m for m in scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    x0, y0, x1, y1 = view.square
    words, axes = scene.grid_legend, scene.axis_names
    assert "the input grid, carried through the layers" in words.original_text.replace("\n", " ")
    assert axes.original_text == "h₁ →  h₂ ↑"
    for m in (words, axes):
        # under the picture, from its left edge
        assert 0.0 < y0 - m.get_top()[1] <= 0.25 + (words.height + 0.1 if m is axes else 0.0)
        assert x0 - 1e-6 <= m.get_left()[0] and m.get_right()[0] <= x1 + 1e-6
        assert m.get_bottom()[1] >= -config.frame_height / 2
        assert m in scene.mobjects or any(m in g.get_family() for g in scene.mobjects)
    # side by side, or the axes under the words (a narrow picture)
    assert words.get_right()[0] < axes.get_left()[0] or words.get_bottom()[1] > axes.get_top()[1]


# ----------------------------------------------------------------------------- review 5 (training)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_charts_ticks_cover_its_range(aspect):
    """Review 5: the accuracy axis was labelled 60 % and 80 % only (the data ran from under 40 %
    to 99.7 %) and the epochs ended at 1000 of 1500.  The score's labels bracket the accuracies
    recomputed here from every record (the lowest label at or under the least, the highest at
    or over the greatest, and the drawn curve between the two labels' heights); the epochs are
    labelled from 0 to the last one, at the box's two ends."""
    from nnanim.draw.charts import LineChart
    from nnanim.layout import pixel_size

    scene = dry_run(TrainingScene, {}, pixels=pixel_size(aspect, 480))
    run = scene.job.run
    chart = next(m for m in scene.get_mobject_family_members() if isinstance(m, LineChart))
    origin = chart.axes.points[3]
    right = [m for m in chart.tick_labels if m.get_center()[0] > origin[0] + chart.box_w]
    values = [float(m.original_text.rstrip("%")) / 100 for m in right]
    assert len(values) == 2
    records = range(len(chart.epochs))
    acc = np.array([_accuracy_by_hand(run, r) for r in records])
    assert min(values) <= acc.min() + 1e-9 and max(values) >= acc.max() - 1e-9, (values, acc.min(), acc.max())
    ys = sorted(m.get_center()[1] - origin[1] for m in right)
    assert ys[0] - 1e-6 <= chart.maps[1].min() and chart.maps[1].max() <= ys[1] + 1e-6
    assert all(m.get_bottom()[1] >= origin[1] - 1e-6 and m.get_top()[1] <= origin[1] + chart.box_h + 1e-6
               for m in right)  # inside the box's height
    under = sorted((m for m in chart.tick_labels if m.get_center()[1] < origin[1]),
                   key=lambda m: m.get_center()[0])
    assert under[0].original_text == "0" and under[-1].original_text == str(int(run.epochs[-1]))
    assert under[-1].get_center()[0] == pytest.approx(origin[0] + chart.box_w, abs=1e-6)


def test_the_outro_says_why_the_classes_pile_up():
    """Review 5: the end state is two heaps of points, unexplained.  Recomputed here: at the last
    record most points have both tanh units within 0.1 of ±1, and each class's saturated points
    lie nearly all in one corner; the outro says so."""
    scene = dry_run(TrainingScene, {}, mixin=_CaptionLog)
    run = scene.job.run
    H = _tanh_hidden(run, run.X, len(run.epochs) - 1)
    full = np.all(np.abs(H) >= 0.9, axis=1)
    assert full.mean() >= 0.5
    for c in np.unique(run.y):
        _, n = np.unique(np.sign(H[full & (run.y == c)]), axis=0, return_counts=True)
        assert n.max() >= 0.9 * np.sum(run.y == c)
    outro = [b for b in scene.beats if b.kind == "outro"][-1]
    assert (outro.title, outro.detail) == ("linearly separable",
                                           "last hidden layer: tanh at ±1, each class in a corner")
    assert scene.caption_boxes[-1][0] >= scene.caption_boxes[-1][1] - 1e-6  # in its box
    # a vertical frame has the room for the whole sentence
    from nnanim.layout import pixel_size

    tall = dry_run(TrainingScene, {}, pixels=pixel_size("9:16", 480), mixin=_CaptionLog)
    outro = [b for b in tall.beats if b.kind == "outro"][-1]
    assert outro.detail == "last hidden layer: linearly separable; tanh at ±1: each class piled in a corner"


def test_an_unsaturated_layer_is_not_said_to_pile_up():
    """A short run whose layer is not saturated: no such words."""
    run = train(dataset="moons", n_samples=200, hidden=[8, 2], epochs=5, seed=1)
    scene = dry_run(TrainingScene, {"run": run}, mixin=_CaptionLog)
    H = _tanh_hidden(run, run.X, len(run.epochs) - 1)
    assert np.all(np.abs(H) >= 0.9, axis=1).mean() < 0.5
    outro = [b for b in scene.beats if b.kind == "outro"][-1]
    assert "piled" not in outro.detail


def test_the_early_replay_is_framed_large(default_scene):
    """Review 6: the first epochs' picture was small in the frame (the framing kept epoch 0's
    spread for a second: epochs 1-2 filled 29 % of the panel).  Over the whole replay every
    point is inside the window, the points' spread fills at least 45 % of it, and the zoom
    changes by at most 0.15 (natural log) a frame at 15 fps (the old framing's most: 0.14)."""
    from nnanim.draw.replay import HiddenSpaceView

    scene = default_scene
    tl = scene.timeline
    beat = next(b for b in scene.beats if b.title == "replay")
    seconds = beat.end - beat.start
    us = np.linspace(0.0, 1.0, int(np.ceil(15 * seconds)) + 1)
    fills, halves = [], []
    for u in us:
        H = tl.hidden(tl.moment(u))
        centre, half = tl.framing(u)
        assert np.all(np.abs(H - centre) <= half + 1e-9), u
        fills.append(0.5 * float(np.ptp(H, axis=0).max()) / (half * HiddenSpaceView.ROOM))
        halves.append(half)
    assert min(fills) >= 0.45, (min(fills), us[int(np.argmin(fills))])
    assert np.abs(np.diff(np.log(halves))).max() <= 0.15


def test_the_rewind_and_the_early_replay_move_a_little_every_frame():
    """Review 7: in the rewind (paced by `smooth` on the progress: epochs 20 → 0 in a few frames)
    and at epoch 1 of the replay the points and the boundaries swung 30-70° in one frame while
    the counter stayed on 1.  At 15 fps, every frame of the rewind and of the replay's first
    4 s moves the points on screen (the panel's window, in panel sides) by at most 0.07 on
    average, and the counter states the record nearest the fractional epoch the picture shows
    (worked out here from the recorded epochs)."""
    from nnanim.draw.replay import HiddenSpaceView

    scene = dry_run(TrainingScene, {}, mixin=ReplayLog)
    run = scene.job.run
    rewind, replay = scene.replays
    assert (rewind.u1, replay.u0) == (0.0, 0.0)
    X = run.X[::2]
    for anim, seconds in ((rewind, rewind.run_time), (replay, 4.0)):
        tl = anim.timeline
        frames = np.arange(int(round(seconds * 15)) + 1) / (15 * anim.run_time)
        shown, worst = None, 0.0
        for alpha in frames:
            a = anim.rate_func(min(alpha, 1.0))
            m = tl.moment((1 - a) * anim.u0 + a * anim.u1)
            centre, half = tl.framing(m.u)
            P = (tl.hidden(m, X) - centre) / (2 * half * HiddenSpaceView.ROOM)
            if shown is not None:
                worst = max(worst, float(np.mean(np.linalg.norm(P - shown, axis=1))))
            shown = P
            nearest = int(run.epochs[np.argmin(np.abs(run.epochs - m.epoch + 1e-9))])
            assert tl.stated(m)[0] == nearest, (m.epoch, tl.stated(m))
        assert worst <= 0.07, (anim.u0, worst)


def test_the_carried_grid_stays_visible_over_the_replay(default_scene):
    """Review 7: 'grey: the input grid, carried through the layers' was said while the grid was
    nearly invisible (6.9-18 s; at most 0.8 of the theme's grid opacity, dimmed to 0.39 of it where
    it crowds).  At every twentieth of the replay it is drawn at least at 0.6 of the theme's."""
    from nnanim.draw.replay import HiddenSpaceView

    view = next(m for m in default_scene.get_mobject_family_members() if isinstance(m, HiddenSpaceView))
    tl = view.timeline
    for u in np.linspace(0.0, 1.0, 21):
        view.set_moment(tl.moment(u))
        assert view.grid.get_stroke_opacity() >= 0.6 * default_scene.theme.grid_opacity, u
