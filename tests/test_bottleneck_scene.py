"""The `bottleneck` scene: what it states is recomputed, and its frames show the story.

The storyboard runs in the library's plan mode, every animation jumped to its
end without drawing (fast: the accuracies and lines on screen against
independent computations written here), and once
rendered at -q l and decoded with PyAV (slow: what the frames show).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from click.testing import CliRunner
from manim import Rectangle
from nnanim.scenes.bottleneck import HIDDEN, INPUT, QUIET, TILT, BottleneckScene
from scipy.special import logsumexp
from storyboards import JUDGED_FPS, best_linear_split, class_pixels, dry_run

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


def _softmax_network(run, X):
    """The default network written out here: tanh hidden layers, K logits; returns (last hidden
    layer, logits)."""
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[-1].T + b[-1])
    return h, h @ run.weights[-1][-1].T + run.biases[-1][-1]


def _between_two_classes(points, ends, predicted, K):
    """The pair ``(i, j)`` of classes the line through ``ends`` keeps apart: every point predicted
    ``i`` on one side, every point predicted ``j`` on the other (None if no pair is)."""
    side = _side(points, ends)
    for i, j in itertools.combinations(range(K), 2):
        a, b = set(side[predicted == i]), set(side[predicted == j])
        if len(a) == 1 and len(b) == 1 and a != b and 0 not in a | b:
            return i, j
    return None


# --------------------------------------------------------------------------- what is stated


def test_default_is_three_spirals_through_a_two_unit_layer(default_run):
    assert default_run.n_classes == 3 and default_run.widths == [2, 16, 16, 2, 3]


def test_left_panel_states_the_best_straight_lines_and_their_accuracy(default_scene, default_run):
    X, y = default_run.X, default_run.y
    W, b = default_scene.left_model
    assert W.shape == (3, 2)
    theta = np.concatenate([W.ravel(), b])

    def loss(t):  # softmax cross-entropy of three logits + the documented tiny L2
        z = X @ t[:6].reshape(3, 2).T + t[6:]
        return np.mean(logsumexp(z, axis=1) - z[np.arange(len(y)), y]) + 0.5 * LINEAR_L2 * t @ t

    eps = 1e-6
    grad = [(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(9)]
    assert np.max(np.abs(grad)) < 1e-6  # stationary; the loss is convex, so the best lines
    accuracy = np.mean(np.argmax(X @ W.T + b, axis=1) == y)
    assert default_scene.statements["left"] == f"best straight lines: {accuracy:.1%} correct"
    assert accuracy < 0.6  # the three spirals are tangled in the input


def test_right_panel_states_the_network_accuracy(default_scene, default_run):
    _, logits = _softmax_network(default_run, default_run.X)
    accuracy = np.mean(np.argmax(logits, axis=1) == default_run.y)
    assert default_scene.statements["right"] == f"the network's lines: {accuracy:.1%} correct"
    assert accuracy >= 0.98  # the default trains the spirals apart


def test_the_two_unit_layer_uses_both_of_its_dimensions(default_scene, default_run):
    """Not a diagonal: the picture's points spread in both directions (a uniform zoom keeps the
    ratio of the states', from the forward pass written here), and each class has its own spot."""
    H, logits = _softmax_network(default_run, default_run.X)
    spread = np.linalg.svd(H - H.mean(axis=0), compute_uv=False)
    assert spread[1] / spread[0] > 0.4  # measured 0.72
    P = default_scene.right_view.cloud.points[:, :2]
    shown = np.linalg.svd(P - P.mean(axis=0), compute_uv=False)
    assert shown[1] / shown[0] == pytest.approx(spread[1] / spread[0], rel=1e-6)
    # the class centres are a triangle, not three points on a line
    centres = np.array([H[default_run.y == k].mean(axis=0) for k in range(3)])
    (ax, ay), (bx, by) = centres[1] - centres[0], centres[2] - centres[0]
    area = 0.5 * abs(ax * by - ay * bx)
    assert area > 0.25  # of the square (−1, 1)² (area 4); measured 1.3


def test_two_classes_leave_the_two_unit_layer_on_a_diagonal():
    """Why the default has three classes: with two, the output reads one direction of the layer,
    and the two units end as copies of each other (the same options, only two classes)."""
    run = train(**{**BottleneckScene.defaults, "classes": 2})
    h = run.X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[-1].T + b[-1])
    spread = np.linalg.svd(h - h.mean(axis=0), compute_uv=False)
    assert spread[1] / spread[0] < 0.05  # measured 0.003


def test_labels_on_screen_are_the_statements(default_scene):
    texts = {m.text for m in default_scene.mobjects if hasattr(m, "text")}
    for label in (m for m in default_scene.mobjects if type(m).__name__ == "VGroup"):
        texts |= {t.text for t in label.submobjects if hasattr(t, "text")}
    for key in ("left", "right"):  # (Text keeps its string without spaces)
        assert default_scene.statements[key].replace(" ", "") in texts


def test_right_panel_lines_keep_apart_the_classes_the_network_predicts(default_scene, default_run):
    view = default_scene.right_view
    _, logits = _softmax_network(default_run, default_run.X)
    predicted = np.argmax(logits, axis=1)
    lines = default_scene.right_overlay.lines
    assert len(lines) == 3  # three classes: three boundary pieces from one junction
    pairs = {_between_two_classes(view.cloud.points, view.to_scene(line[[0, -1]]), predicted, 3)
             for line in lines}
    assert pairs == {(0, 1), (0, 2), (1, 2)}
    for line in lines:
        _assert_one_end_on_panel_edge(view.to_scene(line[[0, -1]]), default_scene.panels[HIDDEN].picture)


def test_left_panel_lines_split_the_points_as_the_logistic_regression_does(default_scene,
                                                                          default_run):
    view = default_scene.left_view
    W, b = default_scene.left_model
    predicted = np.argmax(default_run.X @ W.T + b, axis=1)
    lines = default_scene.left_overlay.lines
    assert len(lines) == 3
    pairs = {_between_two_classes(view.cloud.points, view.to_scene(line[[0, -1]]), predicted, 3)
             for line in lines}
    assert pairs == {(0, 1), (0, 2), (1, 2)}
    for line in lines:
        _assert_one_end_on_panel_edge(view.to_scene(line[[0, -1]]), default_scene.panels[INPUT].picture)


def _assert_one_end_on_panel_edge(ends, box):
    """A boundary piece runs from the junction of the three regions to the panel's edge."""
    assert box.width == pytest.approx(box.height)  # the layout's panels are square
    off = np.abs(ends[:, :2] - np.array(box.centre[:2]))
    assert np.all(off <= box.width / 2 + 1e-9)
    assert np.isclose(off.max(axis=1), box.width / 2, atol=1e-9).any()


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
    assert 0 < QUIET < 1


def test_the_playing_copy_never_leaves_the_right_panel(default_scene):
    """The copy of the input plane plays every stage inside the right panel's square: at every
    moment of its path (sampled finely) its region and the box it is clipped to lie in that
    panel, never in the gap between the panels (it slid across the gap, spilling between them)."""
    scene = default_scene
    right = scene.panels[HIDDEN].picture
    path = scene.travel_path(scene.traveller.flow)
    for tau in np.linspace(0.0, path.duration, 241):
        origin, height, _, _ = path(tau)
        half = height / 2
        assert right.x0 - 1e-9 <= origin[0] - half and origin[0] + half <= right.x1 + 1e-9, tau
        assert right.y0 - 1e-9 <= origin[1] - half and origin[1] + half <= right.y1 + 1e-9, tau
    x0, y0, x1, y1 = scene.traveller.clip_box
    assert right.x0 - 1e-9 <= x0 and x1 <= right.x1 + 1e-9 and right.y0 - 1e-9 <= y0 and y1 <= right.y1 + 1e-9
    # it is not a travelling picture in the collision checks: it stays in its panel's region
    assert not getattr(scene.traveller, "travelling", False)


class _Poster:
    """Remembers what the first play (the poster's hold) showed."""

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        if not hasattr(self, "poster"):
            texts = {t for t, _ in self.shots[-1].texts}
            self.poster = (texts, set(map(id, self.get_mobject_family_members())))


def test_the_poster_shows_the_right_panel_with_its_lines_and_words(default_run):
    """The first frame shows the right panel whole: the network's lines drawn (at full strength)
    with the words about them; the poster showed an empty-looking panel (shading only) and its
    words arrived later."""
    scene = _dry_run({"run": default_run}, mixin=_Poster)
    texts, members = scene.poster
    strokes = scene.right_overlay.strokes
    assert strokes is not None and id(strokes) in members
    assert all(id(m) in members for m in strokes.get_family())
    assert strokes.get_stroke_opacity() > 0.9
    assert scene.statements["right"] in texts and scene.statements["left"] in texts
    assert scene.beats[0].kind == "intro"


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
    out = render("bottleneck", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "b.mp4",
                                              progress=False), {"run": default_run})
    frames, fps = decode_frames(out)
    assert fps == pytest.approx(JUDGED_FPS, abs=0.01) and frames.shape[1:] == (480, 854, 3)
    # the storyboard's own length, from its plan; each play (or wait) rounds to whole frames
    assert abs(len(frames) - default_scene.clock * fps) <= default_scene.plays

    theme = load_theme("dark")
    colours = np.array(theme.class_rgb(3)) * 255
    unit = 480 / 8.0  # pixels per scene unit (the short side is 8 units)
    pictures = [p.picture for p in default_scene.panels]  # the layout's panels of this frame

    def panel(frame, side):
        box = pictures[side]
        cx, cy = 854 / 2 + box.centre[0] * unit, 240 - box.centre[1] * unit
        r = box.width / 2 * unit - 3  # inside the frame's stroke
        return frame[int(cy - r):int(cy + r), int(cx - r):int(cx + r)].astype(float)

    # both panels at full strength: the poster's hold and the end
    both = int((default_scene.beats[0].end - 0.5) * fps)  # the end of the poster's hold
    pairs = list(itertools.combinations(range(3), 2))
    for frame in (frames[both], frames[-1]):
        found = class_pixels(panel(frame, INPUT), colours)
        assert min(len(a) for a in found) > 200
        # input space: no line separates any two of the spirals (measured 0.75 to 0.81)
        left = [best_linear_split(found[i], found[j]) for i, j in pairs]
        assert max(left) < 0.9
        found = class_pixels(panel(frame, HIDDEN), colours)
        assert min(len(a) for a in found) > 50
        # the last hidden layer: one line between any two of them (measured 0.995 to 1)
        assert min(best_linear_split(found[i], found[j]) for i, j in pairs) > max(0.97, max(left) + 0.1)
    # the text bands stay clear of data: no class colour above or below the panels
    top = frames[-1][: int(240 - max(p.y1 for p in pictures) * unit) - 4].astype(float)
    assert not any(np.any(np.linalg.norm(top - c, axis=2) < 40) for c in colours)
    # the poster's right panel has its lines: white strokes from the junction to the edges
    # (it was shading alone), at least a panel's side of them
    right = panel(frames[0], HIDDEN)
    white = np.all(right > 235, axis=2).sum()
    assert white > pictures[HIDDEN].width * unit, white
    # while the input plane plays, nothing of it shows in the gap between the panels (it slid
    # across it, a third picture spilling between the two)
    start = next(b.start for b in default_scene.beats if b.kind == "stage")
    gap_x = slice(int(854 / 2 + pictures[INPUT].x1 * unit) + 4, int(854 / 2 + pictures[HIDDEN].x0 * unit) - 4)
    gap_y = slice(int(240 - pictures[INPUT].y1 * unit), int(240 - pictures[INPUT].y0 * unit))
    for k in range(int(start * fps), len(frames) - int(4 * fps), 3):
        gap = frames[k][gap_y, gap_x].astype(float)
        assert not any(np.sum(np.linalg.norm(gap - c, axis=2) < 40) > 4 for c in colours), k / fps


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
