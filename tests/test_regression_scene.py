"""The `regression` scene: the fit built unit by unit, the hidden space's tilted plane.

Every number the storyboard states is recomputed here from the run's weights
by a forward pass written in this file; the pure pieces (contributions,
joints, the plane's grid) are checked against it too; one short render is
decoded and judged from its pixels.
"""

from __future__ import annotations

import numpy as np
import pytest
from nnanim.scenes.regression import RegressionScene
from storyboards import caption_beats, dry_run, target_pixels

from nnanim.contract import resolve
from nnanim.curves import plane_grid
from nnanim.errors import NnanimError
from nnanim.flow import unit_contributions, unit_joints
from nnanim.layout import Layout, frame_units
from nnanim.nn import Network
from nnanim.record import train
from nnanim.render import RenderSettings, render
from nnanim.theme import load_theme


def _hidden(run, X, act=np.tanh, record=-1):
    """The last hidden layer of a network, written out here."""
    h = np.asarray(X, dtype=float)
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = act(h @ W[record].T + b[record])
    return h


def _r2(y, y_hat):
    return 1.0 - np.sum((y - y_hat) ** 2) / np.sum((y - np.mean(y)) ** 2)


@pytest.fixture(scope="module")
def sine_run():
    return train(dataset="sine", hidden=[2], activation="tanh", epochs=800, n_samples=150)


def test_contributions_add_up_to_the_output_and_joints_sit_at_minus_b_over_a():
    rng = np.random.default_rng(0)
    W0, b0 = rng.normal(size=(3, 1)) * 2, rng.normal(size=3)
    W1, b1 = rng.normal(size=(1, 3)), rng.normal(size=1)
    relu = Network([W0, W1], [b0, b1], ["relu"], "regression")
    x = np.linspace(-3, 3, 6001)
    C, b = unit_contributions(relu, x[:, None])
    h = np.maximum(x[:, None] * W0[:, 0] + b0, 0.0)
    np.testing.assert_allclose(C, h * W1[0], atol=1e-12)
    np.testing.assert_allclose(b + C.sum(axis=1), h @ W1[0] + b1[0], atol=1e-12)
    joints = unit_joints(relu)
    np.testing.assert_allclose(joints, -b0 / W0[:, 0])
    # each ReLU contribution bends exactly once, at its joint (the second difference is its kink)
    for i in range(3):
        bend = np.abs(np.diff(C[:, i], 2))
        at = x[1:-1][np.argmax(bend)]
        assert abs(at - joints[i]) <= 2 * (x[1] - x[0]) or not (-3 < joints[i] < 3)
        assert np.sum(bend > 1e-9) <= 2
    deep = Network([W0, np.eye(3), W1], [b0, np.zeros(3), b1], ["relu", "relu"], "regression")
    assert unit_joints(deep) is None
    with pytest.raises(ValueError, match="one output"):
        unit_contributions(Network([W0, np.ones((2, 3))], [b0, np.ones(2)], ["relu"], "multiclass"),
                           x[:, None])


def test_plane_grid_lies_on_the_plane():
    w, b = np.array([1.5, -0.7]), 0.3
    lines = plane_grid(w, b, (-1, 2, -3, 1), n_lines=5)
    assert len(lines) == 10
    P = np.concatenate(lines)
    np.testing.assert_allclose(P[:, 2], P[:, :2] @ w + b, atol=1e-12)
    assert P[:, 0].min() == -1 and P[:, 0].max() == 2 and P[:, 1].min() == -3 and P[:, 1].max() == 1


def test_every_number_on_screen_is_recomputed(sine_run):
    scene = dry_run(RegressionScene, {"run": sine_run})
    beats = dict(caption_beats(scene))
    run = sine_run
    w, b = run.weights[-1][-1][0], run.biases[-1][-1][0]
    a, c = run.weights[0][-1][:, 0], run.biases[0][-1]
    h = _hidden(run, run.X)
    r2 = _r2(run.y, h @ w + b)
    assert r2 > 0.9  # the default story: two tanh steps draw the sine
    def shown(x, decimals=2):  # as the screen writes a number: a true minus, no "−0.00"
        text = f"{x:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text.replace("-", "\u2212")

    assert beats["start: ŷ = b"] == f"the output bias alone is a flat line at b = {shown(b)}"
    for i, sub in enumerate("₁₂"):
        detail = beats[f"unit {i + 1}: + w{sub}·h{sub}(x)"]
        assert f"one step at x = {shown(-c[i] / a[i])}" in detail
        assert f"w{sub} = {shown(w[i])}" in detail
    assert f"R² = {shown(r2, 3)} on the {len(run.y)} points" in beats["ŷ(x) beside the target"]
    plane = beats["a tilted plane"]
    assert f"ŷ = {shown(w[0])}·h₁" in plane and f"{shown(abs(w[1]))}·h₂" in plane
    assert f"{shown(abs(b))}" in plane
    assert f"R² = {shown(r2, 3)}" in plane
    # the height field: the points at their targets over the hidden layer, the plane ŷ = w·h + b
    field = scene.field
    np.testing.assert_allclose(field._points[:, :2], h, atol=1e-9)
    np.testing.assert_allclose(field._points[:, 2], run.y)
    G = field._grid
    np.testing.assert_allclose(G[:, 2], G[:, :2] @ w + b, atol=1e-9)


def test_refuses_what_it_cannot_draw_in_one_line():
    for options, words in (({"dataset": "ripple"}, "1-D input"),
                           ({"dataset": "sine", "hidden": [4]}, "2"),
                           ({"dataset": "spirals"}, "regression")):
        with pytest.raises(NnanimError, match=words) as info:
            resolve("regression", options)
        assert "\n" not in str(info.value)


@pytest.mark.slow
def test_rendered_fit_lies_on_the_target(tmp_path, decode_frames, sine_run):
    scene = dry_run(RegressionScene, {"run": sine_run})
    out = render("regression", RenderSettings(quality="l", fps=6, progress=False,
                                              output=tmp_path / "regression.mp4"), {"run": sine_run})
    frames, fps = decode_frames(out)
    theme = load_theme("dark")
    fit = next(b for b in scene.beats if b.title == "ŷ(x) beside the target")
    frame = frames[min(int(fit.end * fps) - 1, len(frames) - 1)]
    h, w = frames.shape[1:3]
    width, height = frame_units((w, h))
    column = int((Layout(width, height).column.x1 + width / 2) * h / height) + 2  # the text
    pts, t = target_pixels(frame, theme, column)
    assert np.sum(t < 0.3) > 50 and np.sum(t > 0.7) > 50
    # sin(πx): the low targets on the left half of the points, the high ones on the right
    assert np.median(pts[t < 0.3, 0]) < np.median(pts[t > 0.7, 0])
    white = np.all(frame[:, column:] > 235, axis=2)
    ys, xs = np.nonzero(white)
    # column by column, the white fit runs through the target points
    gaps = []
    for col in range(pts[:, 0].min() + 5, pts[:, 0].max() - 5, 7):
        here = np.abs(pts[:, 0] - col) <= 2
        line = xs == col
        if here.sum() > 3 and line.any():
            gaps.append(abs(np.median(ys[line]) - np.median(pts[here, 1])))
    assert len(gaps) > 15 and np.median(gaps) < 12, gaps
    # the end: the 3-D field, points of both ends of the colour map, spread over the picture
    pts, t = target_pixels(frames[-1], theme, column)
    assert np.sum(t < 0.3) > 20 and np.sum(t > 0.7) > 20
    assert np.ptp(pts[:, 0]) > 0.3 * frames.shape[2]
