"""The `bottleneck` scene: what it states is recomputed, and its frames show the story.

The storyboard runs in the library's plan mode, every animation jumped to its
end without drawing (fast: the accuracies and lines on screen against
independent computations written here), and once
rendered at -q l and decoded with PyAV (slow: what the frames show).
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from manim import Rectangle
from nnanim.scenes.bottleneck import GHOST, HIDDEN, INPUT, TILT, BottleneckScene
from storyboards import best_linear_split, class_pixels, dry_run, tanh_sigmoid_forward

from nnanim.cli import cli
from nnanim.contract import resolve
from nnanim.core.nn import LINEAR_L2
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.theme import load_theme


class _QuickText:
    """Without Pango: every text is a box of about its size (for the geometry-only tests)."""

    def label(self, text, size=None, color=None, weight="NORMAL", width=None):
        size = size or self.layout.small_size
        box = Rectangle(width=0.012 * size * len(text), height=0.018 * size)
        if width is not None and box.width > width:
            box.stretch_to_fit_width(width)
        box.text = text
        return box


def _dry_run(options, mixin=None):
    return dry_run(BottleneckScene, options, mixin=mixin)


@pytest.fixture(scope="module")
def default_run():
    """The scene's default training, as `nnanim render bottleneck` runs it."""
    return train(**BottleneckScene.defaults)


@pytest.fixture(scope="module")
def default_scene(default_run):
    return _dry_run({"run": default_run})


def _side(points, ends):
    """Sign of each scene point relative to the segment ``ends`` (2-D cross product)."""
    a, b = ends[0][:2], ends[1][:2]
    d = b - a
    q = points[:, :2] - a
    return np.sign(d[0] * q[:, 1] - d[1] * q[:, 0])


# --------------------------------------------------------------------------- what is stated


def test_left_panel_states_the_best_straight_line_and_its_accuracy(default_scene, default_run):
    X, y = default_run.X, default_run.y
    W, b = default_scene.left_model
    theta = np.concatenate([W.ravel(), b])

    def loss(t):  # binary cross-entropy of one logit + the documented tiny L2
        z = X @ t[:2] + t[2]
        return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * LINEAR_L2 * t @ t

    eps = 1e-6
    grad = [(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(3)]
    assert np.max(np.abs(grad)) < 1e-6  # stationary; the loss is convex, so the best line
    accuracy = np.mean(((X @ theta[:2] + theta[2]) > 0) == y)
    assert default_scene.statements["left"] == f"best straight line: {accuracy:.1%} correct"
    assert accuracy < 0.75  # the spirals are tangled in the input


def test_right_panel_states_the_network_accuracy(default_scene, default_run):
    p = tanh_sigmoid_forward(default_run, default_run.X)
    accuracy = np.mean((p > 0.5) == default_run.y)
    assert default_scene.statements["right"] == f"the network's line: {accuracy:.1%} correct"
    assert accuracy >= 0.98  # the default trains the spirals apart


def test_labels_on_screen_are_the_statements(default_scene):
    texts = {m.text for m in default_scene.mobjects if hasattr(m, "text")}
    for label in (m for m in default_scene.mobjects if type(m).__name__ == "VGroup"):
        texts |= {t.text for t in label.submobjects if hasattr(t, "text")}
    for key in ("left", "right"):  # (Text keeps its string without spaces)
        assert default_scene.statements[key].replace(" ", "") in texts


def test_right_panel_points_lie_on_the_side_the_network_predicts(default_scene, default_run):
    view = default_scene.right_view
    (line,) = default_scene.right_overlay.lines
    ends = view.to_scene(line)
    side = _side(view.cloud.points, ends)
    predicted = tanh_sigmoid_forward(default_run, default_run.X) > 0.5
    assert np.all(side != 0)
    assert len(set(side[predicted])) == 1 and len(set(side[~predicted])) == 1
    assert side[predicted][0] != side[~predicted][0]
    _assert_on_panel_edge(ends, default_scene.panels[HIDDEN].picture)


def test_left_panel_line_splits_the_points_as_the_logistic_regression_does(default_scene,
                                                                          default_run):
    view = default_scene.left_view
    (line,) = default_scene.left_overlay.lines
    ends = view.to_scene(line)
    W, b = default_scene.left_model
    predicted = (default_run.X @ W[0] + b[0]) > 0
    side = _side(view.cloud.points, ends)
    assert set(side[predicted]) == {side[predicted][0]}
    assert set(side[~predicted]) == {-side[predicted][0]}
    _assert_on_panel_edge(ends, default_scene.panels[INPUT].picture)


def _assert_on_panel_edge(ends, box):
    """Both ends of a drawn line sit on the edge of the panel: clipped to it, not to the frame."""
    assert box.width == pytest.approx(box.height)  # the layout's panels are square
    centre = np.array(box.centre[:2])
    off = np.abs(ends[:, :2] - centre)
    assert np.all(off <= box.width / 2 + 1e-9)
    assert np.allclose(off.max(axis=1), box.width / 2, atol=1e-9)


def test_panels_come_from_the_layout_side_by_side_under_the_top_lines(default_scene):
    left, right = (p.picture for p in default_scene.panels)
    assert right.x0 > left.x1 and left.centre[1] == pytest.approx(right.centre[1])
    assert default_scene.layout.frame.contains(left) and default_scene.layout.frame.contains(right)


def test_travelling_plane_lands_exactly_on_the_right_panel(default_scene):
    traveller, right = default_scene.traveller, default_scene.right_view
    assert np.allclose(traveller.view_origin, right.view_origin, atol=1e-12)
    assert np.allclose(traveller.cloud.points, right.cloud.points, atol=1e-9)
    assert np.allclose(traveller.grid.points, right.grid.points, atol=1e-9)
    # the panels are back at full strength for the last hold
    assert default_scene.right_view.cloud.opacity == pytest.approx(1.0)
    assert default_scene.left_view.cloud.opacity == pytest.approx(1.0)
    assert 0 < GHOST < 1


# --------------------------------------------------------------------------- other shapes


def test_three_unit_last_layer_is_shown_tilted_with_a_plane():
    run = train(dataset="disk-ring", hidden=[8, 3], epochs=200, n_samples=200, l2=1e-3)
    scene = _dry_run({"run": run}, _QuickText)
    assert scene.right_view.elev == pytest.approx(TILT)
    assert scene.traveller.elev == pytest.approx(TILT)
    assert np.allclose(scene.traveller.cloud.points, scene.right_view.cloud.points, atol=1e-9)
    assert scene.left_view.elev == 0.0  # the input plane stays a top view
    plane = scene.right_overlay.shading  # the boundary plane, inside the right panel
    assert plane is not None
    box = scene.panels[HIDDEN].picture
    off = np.abs(plane.get_vertices()[:, :2] - box.centre[:2])
    assert np.all(off <= box.width / 2 + 1e-6)
    assert "plane" in scene.statements["right"]


def test_three_classes_get_their_pairwise_lines():
    run = train(dataset="spirals", classes=3, hidden=[8, 8, 2], epochs=300, n_samples=300)
    scene = _dry_run({"run": run}, _QuickText)
    W, b = scene.left_model
    assert W.shape == (3, 2)
    accuracy = np.mean(np.argmax(run.X @ W.T + b, axis=1) == run.y)
    assert scene.statements["left"] == f"best straight lines: {accuracy:.1%} correct"
    assert len(scene.left_overlay.lines) >= 2


# --------------------------------------------------------------------------- errors


def test_wider_last_layer_is_refused_before_training(monkeypatch):
    import nnanim.core.record

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the widths")

    monkeypatch.setattr(nnanim.core.record, "train", no_training)
    monkeypatch.setattr(nnanim.core.record, "train_on", no_training)
    with pytest.raises(NnanimError, match=r"2 or 3 units; got 16\. Change --hidden, e.g. --hidden 16,2$"):
        _dry_run({"hidden": [16, 16]}, _QuickText)
    resolve(BottleneckScene, {"hidden": [16, 2]})  # the example given is accepted


def test_wider_last_layer_in_a_run_file_is_refused():
    run = train(dataset="moons", hidden=[4, 4], epochs=1, n_samples=50)
    with pytest.raises(NnanimError, match=r"got 4 \(in the run file; train it again\)\. "
                                          r"Change --hidden, e\.g\. --hidden 4,2$"):
        _dry_run({"run": run}, _QuickText)


def test_cli_wider_last_layer_exits_2_with_one_line(tmp_path):
    out = tmp_path / "b.mp4"
    res = CliRunner().invoke(cli, ["render", "bottleneck", "--hidden", "16,16", "-q", "l",
                                   "-o", str(out)])
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "--hidden" in errors[0] and "got 16" in errors[0]
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []  # nothing written


# --------------------------------------------------------------------------- the rendered video


@pytest.mark.slow
def test_rendered_video_shows_tangled_left_and_separable_right(tmp_path, decode_frames,
                                                               default_run, default_scene):
    out = render("bottleneck", RenderSettings(quality="l", output=tmp_path / "b.mp4",
                                              progress=False), {"run": default_run})
    frames, fps = decode_frames(out)
    assert fps == pytest.approx(15, abs=0.01) and frames.shape[1:] == (480, 854, 3)
    # the storyboard's own length, from its plan; each play (or wait) rounds to whole frames
    assert abs(len(frames) - default_scene.clock * fps) <= default_scene.plays

    theme = load_theme("dark")
    colours = np.array(theme.class_rgb(2)) * 255
    unit = 480 / 8.0  # pixels per scene unit (the short side is 8 units)
    pictures = [p.picture for p in default_scene.panels]  # the layout's panels of this frame

    def panel(frame, side):
        box = pictures[side]
        cx, cy = 854 / 2 + box.centre[0] * unit, 240 - box.centre[1] * unit
        r = box.width / 2 * unit - 3  # inside the frame's stroke
        return frame[int(cy - r):int(cy + r), int(cx - r):int(cx + r)].astype(float)

    # both panels at full strength: before the travel (the right one faded in) and at the end
    (shown,) = [b for b in default_scene.beats
                if b.kind == "caption" and b.title.startswith("last hidden layer")]
    both = int((shown.end - 0.5) * fps)  # the end of the look at both panels
    for frame in (frames[both], frames[-1]):
        a, b = class_pixels(panel(frame, INPUT), colours)
        assert len(a) > 200 and len(b) > 200
        left = best_linear_split(a, b)
        assert left < 0.9  # input space: no line separates the spirals (the best gets ~84 %)
        a, b = class_pixels(panel(frame, HIDDEN), colours)
        assert len(a) > 50 and len(b) > 50
        assert best_linear_split(a, b) > max(0.97, left + 0.1)  # the last hidden layer: one does
    # the text bands stay clear of data: no class colour above or below the panels
    top = frames[-1][: int(240 - max(p.y1 for p in pictures) * unit) - 4].astype(float)
    assert not any(np.any(np.linalg.norm(top - c, axis=2) < 40) for c in colours)


# --------------------------------------------------------------------------- regression


def _r2(y, y_hat):
    return 1.0 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2)


def _network_output(run, X, r=-1):
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[r].T + b[r])
    return (h @ run.weights[-1][r].T + run.biases[-1][r])[:, 0]


@pytest.mark.parametrize("dataset", ["sine", "ripple"])
def test_regression_panels_state_both_r2_recomputed(dataset):
    run = train(dataset=dataset, hidden=[8, 2], epochs=200, n_samples=150, l2=1e-3)
    scene = _dry_run({"run": run}, mixin=_QuickText)
    X, y = run.X, run.y
    # the best linear fit on the raw inputs: the normal equations, written here
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    left = _r2(y, A @ theta)
    right = _r2(y, _network_output(run, X))
    assert scene.statements == {"left": f"best linear fit: R² = {left:.3f}",
                                "right": f"the network's output: R² = {right:.3f}"}
    assert right > left  # the layer makes the target (more) linear
    lo, hi = np.quantile(y, [0.1, 0.9])
    levels = np.linspace(lo, hi, 5)
    np.testing.assert_allclose(scene.levels, levels)
    # the left panel's level lines are those of the linear fit: theta·(p, 1) = level
    # (ripple's best linear fit is nearly flat: its values may miss every level in the panel)
    assert scene.left_overlay.lines or dataset == "ripple"
    assert scene.right_overlay.lines
    for level, ends in scene.left_overlay.lines:
        P = ends if X.shape[1] == 2 else ends[:, :1]  # a 1-D input x is the point (x, 0)
        np.testing.assert_allclose(P @ theta[:-1] + theta[-1], level, atol=1e-9)
    # the right panel's: straight lines of the network's output in the last hidden space
    flow = scene.traveller.flow
    w, b = flow.output_affine()
    for level, ends in scene.right_overlay.lines:
        np.testing.assert_allclose(ends @ w[:2] + b, level, atol=1e-9)
    H = scene.right_view.points_trace.at(len(flow.stages) - 1, 1.0)
    np.testing.assert_allclose(H @ w + b, _network_output(run, X), atol=1e-9)
    assert any(b.title == "ŷ is linear here: straight, parallel level lines" for b in scene.beats)
