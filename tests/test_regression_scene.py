"""The `regression` scene: the fit built unit by unit, the hidden space's tilted plane.

Every number the storyboard states is recomputed here from the run's weights
by a forward pass written in this file; the pure pieces (contributions,
joints, the plane's grid) are checked against it too; one short render is
decoded and judged from its pixels.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from nnanim.scenes.regression import RegressionScene
from storyboards import caption_beats, dry_run, shared_dry_run, target_pixels

from nnanim.contract import resolve
from nnanim.core.curves import plane_grid
from nnanim.core.flow import unit_contributions, unit_joints
from nnanim.core.nn import Network
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.layout import Layout, frame_units
from nnanim.media.render import RenderSettings, render
from nnanim.theme import load_theme


def _hidden(run, X, act=np.tanh, record=-1):
    """The last hidden layer of a network, written out here."""
    h = np.asarray(X, dtype=float)
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = act(h @ W[record].T + b[record])
    return h


def _r2(y, y_hat):
    return 1.0 - np.sum((y - y_hat) ** 2) / np.sum((y - np.mean(y)) ** 2)


#: the tests that only read the default story's plain walk (``shared_dry_run``: walked once per
#: test process) run on one test worker with ``sine_run``'s training
WALKS = pytest.mark.xdist_group("walks-regression")


@pytest.fixture(scope="module")
def sine_run():
    return train(dataset="sine", hidden=[3], activation="tanh", l2=1e-3, epochs=800, n_samples=150)


def _vertices(line):
    """The sample points of a Polylines curve, read back from its Bézier control points."""
    P = np.asarray(line.points)
    return np.vstack([P[0::4], P[-1:]])[:, :2]


def _data(plot, V):
    """Scene points of a CurvePlot back to its data coordinates, inverting its own box-to-region map."""
    x0, x1, y0, y1 = plot.box
    return (V - plot.origin) / plot.scale_xy + np.array([(x0 + x1) / 2, (y0 + y1) / 2])


@WALKS
def test_each_unit_has_its_own_strip_and_the_strips_add_up_to_the_fit(sine_run):
    """Each contribution stays inside its strip (all over the plot's x range); b + the strips = ŷ."""
    scene = shared_dry_run(RegressionScene, {"run": sine_run})
    run = sine_run
    w, b = run.weights[-1][-1][0], run.biases[-1][-1][0]
    strips, plot = scene.strips, scene.plot
    assert len(strips) == 3
    (left, bottom, _), (right, _, _) = plot.frame.get_corner([-1, -1, 0]), plot.frame.get_corner([1, 1, 0])
    total, xs = 0.0, None
    for i, strip in enumerate(strips):
        sl, sb, _ = strip.frame.get_corner([-1, -1, 0])
        sr, st, _ = strip.frame.get_corner([1, 1, 0])
        # the strip sits under the plot, over the same x range, and the curve stays inside it
        assert st < bottom and abs(sl - left) < 1e-9 and abs(sr - right) < 1e-9
        V = _vertices(strip.part)
        assert len(V) > 100
        assert V[:, 0].min() >= sl - 1e-9 and V[:, 0].max() <= sr + 1e-9
        assert V[:, 1].min() >= sb + 0.05 * (st - sb) and V[:, 1].max() <= st - 0.05 * (st - sb)
        D = _data(strip, V)
        xs = D[:, 0] if xs is None else xs
        np.testing.assert_allclose(D[:, 0], xs, atol=1e-9)
        # the strip shows w_i·tanh(a_i x + c_i), written out here
        h = _hidden(run, xs[:, None])
        np.testing.assert_allclose(D[:, 1], w[i] * h[:, i], atol=1e-9)
        total = total + D[:, 1]
    y_hat = _hidden(run, xs[:, None]) @ w + b
    np.testing.assert_allclose(b + total, y_hat, atol=1e-9)
    # the strips are separate: no two overlap
    boxes = sorted((s.frame.get_corner([-1, -1, 0])[1], s.frame.get_corner([1, 1, 0])[1]) for s in strips)
    assert all(hi[1] <= lo_next[0] for hi, lo_next in zip(boxes, boxes[1:]))


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


@WALKS
def test_every_number_on_screen_is_recomputed(sine_run):
    scene = shared_dry_run(RegressionScene, {"run": sine_run})
    beats = dict(caption_beats(scene))
    run = sine_run
    w, b = run.weights[-1][-1][0], run.biases[-1][-1][0]
    a, c = run.weights[0][-1][:, 0], run.biases[0][-1]
    h = _hidden(run, run.X)
    r2 = _r2(run.y, h @ w + b)
    assert r2 > 0.98  # the default story: three tanh steps draw the sine

    def shown(x, decimals=2):  # as the screen writes a number: a true minus, no "−0.00"
        text = f"{x:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text.replace("-", "\u2212")

    assert beats["start: ŷ = b"].startswith(f"a flat line at b = {shown(b)}; ")
    # the poster says the lesson: the fit is a sum of the units' steps
    assert scene.beats[0].title == "ŷ(x): a sum of 3 steps"
    assert "one tanh unit at a time" in scene.beats[0].detail
    sub = "₀₁₂₃"
    for i in range(3):
        detail = beats[f"unit {i + 1}: w{sub[i + 1]}·h{sub[i + 1]}(x)"]
        # a tanh step rises where w_i·a_i > 0 (w_i·tanh(a_i x + c_i) grows with x)
        way = "rising" if w[i] * a[i] > 0 else "falling"
        assert f"one {way} step at x = {shown(-c[i] / a[i])}" in detail
        assert f"w{sub[i + 1]} = {shown(w[i])}" in detail
    assert f"b plus the 3 strips: R² = {shown(r2, 3)} on the {len(run.y)} points" in \
        beats["ŷ(x) beside the target"]
    plane = beats["a tilted plane"].replace("\u00a0", " ")
    # the 3-unit layer seen along w: the plane's slope there is |w|
    slope = np.linalg.norm(w)
    assert f"ŷ = {shown(slope)}·(h along w)" in plane or f"ŷ = {shown(-slope)}·(h along w)" in plane
    assert f"{shown(abs(b))}" in plane and f"R² = {shown(r2, 3)}" in plane
    rms = np.sqrt(np.mean((run.y - (h @ w + b)) ** 2))
    assert f"RMS {shown(rms, 3)}" in plane
    # the sticks run from the plane by the stated factor times the error y − ŷ
    grow = int(re.search(r"drawn (\d+)× longer", plane).group(1)) if "longer" in plane else 1
    assert grow == scene.stick_scale
    tips, feet = scene.field._sticks[0::2], scene.field._sticks[1::2]
    np.testing.assert_allclose(feet[:, 2], h @ w + b, atol=1e-9)
    np.testing.assert_allclose(tips[:, 2] - feet[:, 2], grow * (run.y - (h @ w + b)), atol=1e-9)
    # the height field: the points at their targets over the hidden layer seen along w and across it
    field, B = scene.field, scene.field_basis
    np.testing.assert_allclose(B @ B.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(abs(B[0] @ w), slope, rtol=1e-12)  # one axis along w
    np.testing.assert_allclose(field._points[:, :2], h @ B.T, atol=1e-9)
    np.testing.assert_allclose(field._points[:, 0] * (B[0] @ w) + b, h @ w + b, atol=1e-9)
    np.testing.assert_allclose(field._points[:, 2], run.y)
    G = field._grid
    np.testing.assert_allclose(G[:, 2], G[:, :2] @ (B @ w) + b, atol=1e-9)


def test_refuses_what_it_cannot_draw_in_one_line():
    for options, words in (({"dataset": "ripple"}, "1-D input"),
                           ({"dataset": "sine", "hidden": [4]}, "3 or 2"),
                           ({"dataset": "spirals"}, "regression")):
        with pytest.raises(NnanimError, match=words) as info:
            resolve("regression", options)
        assert "\n" not in str(info.value)


@WALKS
@pytest.mark.slow
def test_rendered_fit_lies_on_the_target(tmp_path, decode_frames, sine_run):
    scene = shared_dry_run(RegressionScene, {"run": sine_run})
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
    # (the plane is seen obliquely, so the lifted points run along its slope: up and across)
    assert np.hypot(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])) > 0.3 * frames.shape[2]


def test_units_are_added_in_the_order_whose_partial_sums_stray_least():
    from nnanim.core.flow import unit_order

    x = np.linspace(-1, 1, 201)
    # two big cancelling ramps and a small step: adding a ramp first runs far off the fit
    C = np.column_stack([3 * x, -3 * x + np.sin(3 * x), 0.2 * np.tanh(5 * x)])
    order = unit_order(C, 0.1)
    total = 0.1 + C.sum(axis=1)
    cost = {}
    for p in itertools.permutations(range(3)):
        part = 0.1 + np.cumsum(C[:, list(p)], axis=1)
        cost[p] = max(part.max() - total.max(), total.min() - part.min(), 0.0)
    assert cost[tuple(order)] == min(cost.values())
    assert sorted(order) == [0, 1, 2]


def test_nice_ticks_are_round_inside_and_few():
    from nnanim.core.curves import nice_ticks

    for lo, hi in [(-1.3, 1.3), (-0.17, 1.6), (-3.2, 3.1), (0.01, 0.05), (-0.027, -0.01)]:
        t = nice_ticks(lo, hi, 5)
        assert 1 <= len(t) <= 5 and t.min() >= lo - 1e-12 and t.max() <= hi + 1e-12
        step = np.diff(t)
        assert np.allclose(step, step[0]) if len(t) > 1 else True
        if lo < 0 < hi:
            assert np.any(np.isclose(t, 0.0))


def _plane_share(field):
    """The plane's on-screen area over its own area (both in the box's scaled units): 1 seen
    face on, 0 edge on.  From the screen positions of three corners of its grid."""
    G = field._grid
    x0, x1, y0, y1 = G[:, 0].min(), G[:, 0].max(), G[:, 1].min(), G[:, 1].max()
    corners = []
    for cx, cy in ((x0, y0), (x1, y0), (x0, y1)):
        at = np.argmin(np.hypot(G[:, 0] - cx, G[:, 1] - cy))
        corners.append(G[at])
    P = np.array(corners)
    S = (field.to_scene(P) - field.centre)[:, :2] / field.zoom  # scaled units on screen
    Q = (P - field.mid) / field.half  # scaled units in space
    a, c = S[1] - S[0], S[2] - S[0]
    u, v = Q[1] - Q[0], Q[2] - Q[0]
    return abs(a[0] * c[1] - a[1] * c[0]) / np.linalg.norm(np.cross(u, v))


def test_the_plane_is_seen_as_a_tilted_face_through_the_orbit(sine_run):
    """The 3-D view looks at the plane obliquely (never along it): its on-screen area stays over
    half its own at every angle of the orbit, from 20 to 35 degrees above the floor."""
    from nnanim.scenes import regression as story

    scene = dry_run(RegressionScene, {"run": sine_run})
    field = scene.field
    elev, azim = scene.view
    assert 20 <= 90 - np.degrees(elev) <= 35
    shares = []
    for a in np.linspace(0, 1, 41):
        field.update_view(elev=elev, azim=azim + story.SWING * np.sin(2 * np.pi * a), rise=1.0)
        shares.append(_plane_share(field))
    assert min(shares) > 0.5, min(shares)


def test_axis_names_stay_clear_of_the_points_the_box_and_each_other(sine_run):
    """At every view of the storyboard (the top view, the rise, the orbit), no axis name covers a
    point, an edge of the floor's box, or another name, and each stays in the picture."""
    from nnanim.scenes import regression as story

    scene = dry_run(RegressionScene, {"run": sine_run})
    field, names = scene.field, scene.field.names
    elev, azim = scene.view
    views = [(0.0, 0.0, 0.0)] + [(a * elev, a * azim, a) for a in (0.25, 0.5, 0.75, 1.0)] + \
        [(elev, azim + story.SWING * s, 1.0) for s in (-1, -0.5, 0.5, 1)]
    x0, y0, x1, y1 = scene.layout.picture_clip
    for e, a, r in views:
        field.update_view(elev=e, azim=a, rise=r)
        scene.place_names()
        P = field.cloud.points[:, :2]
        F = field.to_scene(field._box)[:, :2]
        edges = np.concatenate([F[i] + np.linspace(0, 1, 60)[:, None] * (F[i + 1] - F[i])
                                for i in range(len(F) - 1)])
        boxes = []
        for t in names[:2] if r == 0 else names:
            (l, b, _), (rt, tp, _) = t.get_corner([-1, -1, 0]), t.get_corner([1, 1, 0])
            boxes.append((l, b, rt, tp))
            assert l >= x0 - 1e-9 and rt <= x1 + 1e-9 and b >= y0 - 1e-9 and tp <= y1 + 1e-9
            for Z in (P, edges):
                inside = (Z[:, 0] > l) & (Z[:, 0] < rt) & (Z[:, 1] > b) & (Z[:, 1] < tp)
                assert not inside.any(), (t.text if hasattr(t, "text") else t, e, a, r)
        for (l1, b1, r1, t1), (l2, b2, r2, t2) in itertools.combinations(boxes, 2):
            assert r1 <= l2 or r2 <= l1 or t1 <= b2 or t2 <= b1


@WALKS
def test_every_curve_of_the_plot_lies_within_its_ticked_range(sine_run):
    """The partial sums (recomputed here, in the order the captions name the units) and the
    target lie between the plot's lowest and highest y tick shown once the strips are in."""
    scene = shared_dry_run(RegressionScene, {"run": sine_run})
    run, plot = sine_run, scene.plot
    w, b = run.weights[-1][-1][0], run.biases[-1][-1][0]
    order = [int(t.split()[1].rstrip(":")) - 1 for t, _ in caption_beats(scene) if t.startswith("unit ")]
    assert sorted(order) == [0, 1, 2]
    xs = np.linspace(run.X[:, 0].min(), run.X[:, 0].max(), 400)
    h = _hidden(run, xs[:, None])
    partial = b + np.cumsum(np.column_stack([np.zeros(len(xs))] + [w[i] * h[:, i] for i in order]), axis=1)
    shown = [v for label, v, axis in plot.tick_labels
             if axis == "y" and label.get_fill_opacity() > 0.99]
    assert len(shown) >= 3
    lo, hi = min(partial.min(), run.y.min()), max(partial.max(), run.y.max())
    assert min(shown) <= lo and max(shown) >= hi, (shown, lo, hi)
    # the box holds every tick shown (none drawn outside the chart)
    assert plot.box[2] <= min(shown) and max(shown) <= plot.box[3]


@WALKS
def test_error_sticks_are_long_enough_to_see_at_480p(sine_run):
    """At 480p in the last view the sticks of the RMS error and longer reach 5 px or more."""
    scene = shared_dry_run(RegressionScene, {"run": sine_run})
    field = scene.field
    px = 480 / min(scene.layout.width, scene.layout.height)  # pixels per scene unit at 480p
    S = field.to_scene(field._sticks)[:, :2]
    length = np.linalg.norm(S[0::2] - S[1::2], axis=1) * px
    err = np.abs(field._points[:, 2] - (field._sticks[1::2, 2]))
    big = err >= scene.rms
    assert big.sum() > 10
    assert np.median(length[big]) >= 5.0, np.median(length[big])


def _lab(hexes):
    """CIELAB (D65) of ``#RRGGBB`` colours, written out here."""
    s = np.array([[int(h[k:k + 2], 16) / 255 for k in (1, 3, 5)] for h in hexes])
    lin = np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
    xyz = lin @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                          [0.0193, 0.1192, 0.9505]]).T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_unit_has_its_own_colour_in_its_strip_and_beside_it(sine_run, theme):
    """Each unit's curve and its name beside the strip share one colour, and no two units share
    one: every pair at least ΔE 15 apart, each apart from the background and the white fit."""
    scene = dry_run(RegressionScene, {"run": sine_run, "theme": theme})
    t = load_theme(theme)
    curves = [s.part.get_stroke_color().to_hex().upper() for s in scene.strips]
    names = [s.name.get_color().to_hex().upper() for s in scene.strips]
    assert curves == names
    lab = _lab(curves + [t.background, t.boundary])
    d = np.linalg.norm(lab[:, None] - lab[None], axis=2)
    assert d[:3, :3][np.triu_indices(3, 1)].min() >= 15, curves
    assert d[:3, 3].min() >= 35 and d[:3, 4].min() >= 15


@WALKS
@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_every_strip_has_a_y_scale_a_student_can_read(sine_run, aspect):
    """Each strip has at least two labelled y ticks, one not zero, at round values inside the
    range of its own w_i·h_i(x) (recomputed here), each label level with its tick, left of the
    strip, clear of the other labels and of the strip's name (which stays left of them).  (A
    square frame's strips are 24 px tall at 480p, too thin for two labels: there one, not zero,
    and the strip's zero line.)"""
    from nnanim.layout import pixel_size

    scene = shared_dry_run(RegressionScene, {"run": sine_run, "aspect": aspect},
                           pixels=pixel_size(aspect, 480))
    run = sine_run
    w = run.weights[-1][-1][0]
    xs = np.linspace(run.X[:, 0].min(), run.X[:, 0].max(), 400)
    h = _hidden(run, xs[:, None])
    boxes = []
    for i, strip in enumerate(scene.strips):
        c = w[i] * h[:, i]
        ticks = [(label, v) for label, v, axis in strip.tick_labels if axis == "y"]
        assert any(v != 0 for _, v in ticks), [v for _, v in ticks]
        assert len(ticks) >= 2 or (aspect == "1:1" and strip.box[2] < 0 < strip.box[3])
        left = strip.frame.get_corner([-1, -1, 0])[0]
        # round values, written with the fewest decimals that show them all (at most 2)
        d = next(d for d in range(3) if all(abs(round(v, d) - v) < 1e-9 for _, v in ticks))
        for label, v in ticks:
            span = c.max() - c.min()
            assert c.min() - 0.12 * span <= v <= c.max() + 0.12 * span  # inside the strip's box
            assert label.original_text == f"{v:.{d}f}".replace("-", "\u2212")
            # level with the value on the strip's own scale: (v − lo) / (hi − lo) of its height
            (l, b, _), (r, t, _) = label.get_corner([-1, -1, 0]), label.get_corner([1, 1, 0])
            x0, x1, y0, y1 = strip.box
            sb, st = strip.frame.get_corner([-1, -1, 0])[1], strip.frame.get_corner([1, 1, 0])[1]
            assert abs((b + t) / 2 - (sb + (v - y0) / (y1 - y0) * (st - sb))) < 1e-6
            assert r < left and label.get_fill_opacity() > 0.99
            boxes.append((l, b, r, t))
        (nl, nb, _), (nr, nt, _) = strip.name.get_corner([-1, -1, 0]), strip.name.get_corner([1, 1, 0])
        assert nr < min(bx[0] for bx in boxes[-len(ticks):])
        boxes.append((nl, nb, nr, nt))
    for (l1, b1, r1, t1), (l2, b2, r2, t2) in itertools.combinations(boxes, 2):
        assert r1 <= l2 or r2 <= l1 or t1 <= b2 or t2 <= b1


class _PlayLog:
    """Logs each play: the beat it plays in, its length, and whether it moves the picture (an
    animation of something other than a caption; a wait moves nothing)."""

    def play(self, *anims, **kwargs):
        from manim import Wait

        from nnanim.draw.scene import Caption

        moves = any(not isinstance(a, Wait) and not isinstance(getattr(a, "mobject", None), Caption)
                    for a in anims)
        seconds = kwargs.get("run_time") or max(a.run_time for a in anims)
        super().play(*anims, **kwargs)
        self.__dict__.setdefault("play_log", []).append((len(self.beats) - 1, seconds, moves))


def test_each_caption_comes_with_the_play_that_shows_what_it_names(sine_run):
    """Every caption that names a change (the flat start, each unit, the hidden space, the rise,
    the plane) comes in during a play that moves the picture: its beat's first play is not a
    caption swapped over a still picture."""
    scene = dry_run(RegressionScene, {"run": sine_run}, mixin=_PlayLog)
    named = [k for k, beat in enumerate(scene.beats)
             if beat.title.startswith(("start", "unit ", "the hidden space", "height", "a tilted plane"))]
    assert len(named) == 7
    for k in named:
        first = next(moves for beat, _, moves in scene.play_log if beat == k)
        assert first, scene.beats[k].title


class _Sweep(_PlayLog):
    """Also samples the hidden space's first play on its way (the plan jumps to its end): the
    points drawn at a quarter, half and three quarters of it."""

    def play(self, *anims, **kwargs):
        from nnanim.draw.plots import HeightField, Progress

        if self.beats and self.beats[-1].title == "the hidden space":
            for a in anims:
                if isinstance(a, Progress) and isinstance(a.mobject, HeightField):
                    a.begin()
                    for alpha in (0.25, 0.5, 0.75):
                        a.interpolate(alpha)
                        self.__dict__.setdefault("swept", []).append(
                            (alpha, a.mobject.cloud.points[:, :2].copy()))
        super().play(*anims, **kwargs)


def test_the_hidden_space_is_read_while_each_x_comes_in_as_its_point(sine_run):
    """The hidden space's shot lasts as long as its caption takes to read at 3 words a second
    (counted here), moving all but its last second at most: the points h(x) come one by one in
    the order of x, so a quarter of the way the quarter of the points with the smallest x is drawn."""
    scene = dry_run(RegressionScene, {"run": sine_run}, mixin=_Sweep)
    k = next(k for k, beat in enumerate(scene.beats) if beat.title == "the hidden space")
    beat = scene.beats[k]
    words = [w for w in f"{beat.title} {beat.detail}".split() if re.search(r"\w", w)]
    assert len(words) >= 12
    assert beat.end - beat.start >= len(words) / 3 - 1e-9
    moving = sum(seconds for b, seconds, moves in scene.play_log if b == k and moves)
    assert moving >= beat.end - beat.start - 1.0 - 1e-9
    # the flat top view the points come into, every point where it will be drawn
    field, x = scene.field, sine_run.X[:, 0]
    field.update_view(elev=0.0, azim=0.0, rise=0.0)
    P = field.to_scene(np.column_stack([field._points[:, :2], np.full(len(x), field._floor[0, 2])]))[:, :2]
    assert [alpha for alpha, _ in scene.swept] == [0.25, 0.5, 0.75]
    for alpha, drawn in scene.swept:
        n = len(drawn)
        assert abs(n - alpha * len(x)) <= 1
        # each drawn point is one of the n of smallest x, none drawn twice
        at = [int(np.argmin(np.hypot(*(P - p).T))) for p in drawn]
        assert np.allclose(P[at], drawn, atol=1e-9) and len(set(at)) == n
        assert set(at) == set(np.argsort(x)[:n].tolist())


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_no_axis_name_lies_on_an_axis_arrow(sine_run, aspect):
    """At every view of the storyboard (the top view, the rise, the orbit), in every frame shape,
    no axis name is crossed by an axis's arrow (its line sampled densely here)."""
    from nnanim.scenes import regression as story

    from nnanim.layout import pixel_size

    scene = dry_run(RegressionScene, {"run": sine_run, "aspect": aspect}, pixels=pixel_size(aspect, 480))
    field, names = scene.field, scene.field.names
    elev, azim = scene.view
    views = [(0.0, 0.0, 0.0)] + [(a * elev, a * azim, a) for a in (0.25, 0.5, 0.75, 1.0)] + \
        [(elev, azim + story.SWING * s, 1.0) for s in (-1, -0.5, 0.5, 1)]
    for e, a, r in views:
        field.update_view(elev=e, azim=a, rise=r)
        scene.place_names()
        A = np.asarray(scene.axis_arrows.points)[:, :2]
        # each straight piece's two ends (a Bézier segment's first and last control points)
        ends = [(A[k], A[k + 3]) for k in range(0, len(A) - 3, 4)]
        line = np.concatenate([p + np.linspace(0, 1, 200)[:, None] * (q - p) for p, q in ends])
        for t in names[:2] if r == 0 else names:
            (l, b, _), (rt, tp, _) = t.get_corner([-1, -1, 0]), t.get_corner([1, 1, 0])
            inside = (line[:, 0] > l) & (line[:, 0] < rt) & (line[:, 1] > b) & (line[:, 1] < tp)
            assert not inside.any(), (t.original_text, aspect, e, a, r)


class _Shown(_PlayLog):
    """Also logs, before each play, the ids of every mobject on screen (each kept alive in
    ``kept``, so that no id is used again by a later mobject)."""

    def play(self, *anims, **kwargs):
        on = self.get_mobject_family_members()
        self.__dict__.setdefault("kept", []).extend(on)
        self.__dict__.setdefault("shown", []).append((len(self.beats) - 1, {id(m) for m in on}))
        super().play(*anims, **kwargs)


def test_a_units_curve_is_not_shown_before_the_play_that_draws_it(sine_run):
    """Each strip's curve is off screen until its unit's curve is drawn: not in the plays of
    the room, nor with its strip's frame and name (it was there whole, then drawn again)."""
    scene = dry_run(RegressionScene, {"run": sine_run}, mixin=_Shown)
    for i, strip in enumerate(scene.strips):
        k = next(k for k, beat in enumerate(scene.beats) if beat.title.startswith(f"unit {i + 1}:"))
        # before every play up to the unit's first (which brings its strip; the next draws it)
        first = next(n for n, (beat, _) in enumerate(scene.shown) if beat == k)
        assert all(id(strip.part) not in ids for _, ids in scene.shown[:first + 1])
        assert id(strip.part) in scene.shown[first + 1][1]


def _contrast(a, b):
    """WCAG contrast ratio of two ``#RRGGBB`` colours, written out here."""
    def lum(h):
        s = np.array([int(h[k:k + 2], 16) / 255 for k in (1, 3, 5)])
        lin = np.where(s <= 0.03928, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_error_sticks_read_on_every_point_colour(sine_run):
    """Review 5: the orange sticks were low contrast on the yellow points (contrast 1.6).  Each
    stick is drawn over a wider dark halo, both shown at the end; against every colour of the
    target map either the stick or its halo has a contrast ratio of 3 or more, and the stick
    against its halo too."""
    from manim import ManimColor

    scene = dry_run(RegressionScene, {"run": sine_run})
    theme = load_theme()
    sticks, halo = scene.field.sticks, scene.stick_halo
    parts = scene.field.submobjects
    assert parts.index(halo) < parts.index(sticks) < parts.index(scene.field.cloud)
    assert halo.get_stroke_width() >= 1.8 * sticks.get_stroke_width()
    assert halo.get_stroke_opacity() == pytest.approx(1.0)
    assert sticks.get_stroke_opacity() == pytest.approx(1.0)
    core, rim = (ManimColor(m.get_stroke_color()).to_hex()[:7] for m in (sticks, halo))
    assert len(sticks.points) > 0
    np.testing.assert_allclose(halo.points, sticks.points, atol=1e-9)  # where the sticks are
    assert _contrast(core, rim) >= 3.0
    for c in theme.targets:
        assert max(_contrast(core, c), _contrast(rim, c)) >= 3.0, (c, core, rim)


def test_a_3_unit_layer_on_2_axes_says_so(sine_run):
    """Review 5: the 3-unit hidden layer was drawn on 2 axes without a word.  The caption that
    brings the hidden space says which 2 directions of how many are shown."""
    scene = dry_run(RegressionScene, {"run": sine_run})
    k = sine_run.network(len(sine_run.epochs) - 1).weights[-1].shape[1]
    assert k == 3
    beat = next(b for b in scene.beats if b.title == "the hidden space")
    assert f"of the {k}-unit layer (2 of {k} directions shown)" in beat.detail.replace("\u00a0", " ")
    # and the two drawn are named on the axes: along w and across it
    assert [t.original_text for t in scene.field.names[:2]] == ["h along w", "h across w"]


@pytest.mark.parametrize("pixels", [(854, 480), (640, 480)])
def test_the_text_column_holds_the_sum_while_the_fit_is_built(pixels):
    """Review 6: the text column stood empty between the words and the colour bar for a long
    stretch.  It holds the sum ŷ(x) = b + w·h(x): its terms in the order the units are added,
    each in its unit's colour (its strip's name's), in the column, over the colour bar and under
    every caption of the fit, leaving at most a third of the column empty under the words; it
    leaves with the plot."""
    scene = shared_dry_run("regression", {}, pixels=pixels)
    column = scene.layout.column
    head, *terms = scene.sum_block.submobjects
    assert head.original_text == "ŷ(x) = b"
    units = [b for b in scene.beats if b.kind == "stage" and b.title.startswith("unit ")]
    assert [t.original_text for t in terms] == ["+ " + b.title.split(": ")[1] for b in units]
    for term, beat in zip(terms, units, strict=True):
        strip = scene.strips[int(beat.title.split(":")[0].split()[1]) - 1]
        assert term.get_color() == strip.name.get_color()
    block = scene.sum_block
    assert column.x0 - 1e-6 <= block.get_left()[0] and block.get_right()[0] <= column.x1 + 1e-6
    assert block.get_bottom()[1] >= scene.legend.get_top()[1] + 0.2
    fit = [b for b in scene.beats if b.title != "the hidden space"]
    fit = fit[: next(i for i, b in enumerate(scene.beats) if b.title == "the hidden space")]
    bottoms = [scene.caption(b.title, b.detail).get_bottom()[1] for b in fit]
    assert min(bottoms) >= block.get_top()[1] + 0.2
    assert max(bottoms) - block.get_top()[1] <= column.height / 3
    family = scene.get_mobject_family_members()
    assert not any(m in family for m in block.submobjects)
    # ... and the same sum, as the hidden space reads it, stays in its place to the end, under
    # every caption of the hidden space
    plane = scene.plane_sum
    assert plane.submobjects[0].original_text == "ŷ = b + w·h(x)"
    assert np.allclose(plane.get_corner(np.array([-1.0, 1.0, 0.0])),
                       block.get_corner(np.array([-1.0, 1.0, 0.0])))
    # (where the plane's caption, its equation written out, would reach it, it leaves then)
    later = [scene.caption(b.title, b.detail).get_bottom()[1] for b in scene.beats[len(fit):]]
    clear = [bottom >= plane.get_top()[1] + 0.2 for bottom in later]
    assert all(clear[:2])  # the hidden space, the height
    assert (plane in scene.mobjects) == all(clear)
    assert all(clear) or pixels != (854, 480)  # in 16:9 it stays to the end
