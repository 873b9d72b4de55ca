"""Curves and lines in display or input space, against independent computations written here.

Pure NumPy: nothing here imports Manim.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.core.curves import (
    class_probabilities,
    clip_line,
    epoch_ticks,
    framing_curves,
    linear_boundaries,
    linear_pairs,
    log_ticks,
    plane_in_box,
    probabilities,
    region_faces,
    region_segments,
)


def test_curves_import_without_manim():
    import subprocess
    import sys

    code = ("import sys, nnanim.core.curves, nnanim.core.projection; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'manim'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_clip_line_and_plane_in_box():
    ends = clip_line(np.array([1.0, -1.0]), 0.5, (-1.0, 1.0, -1.0, 1.0))
    assert np.allclose(ends @ [1.0, -1.0] + 0.5, 0.0)
    assert np.allclose(np.sort(ends[:, 0]), [-1.0, 0.5])
    assert clip_line(np.array([1.0, 0.0]), -3.0, (-1.0, 1.0, -1.0, 1.0)) is None
    poly = plane_in_box(np.array([0.0, 0.0, 1.0]), -0.2, np.zeros(3), 1.0)
    assert poly.shape == (4, 3) and np.allclose(poly[:, 2], 0.2)
    hexagon = plane_in_box(np.ones(3), 0.0, np.zeros(3), 1.0)
    assert len(hexagon) == 6 and np.allclose(hexagon.sum(axis=1), 0.0)


# --------------------------------------------------------------------------- linear classifiers


def _grid(box, n):
    x0, x1, y0, y1 = box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.column_stack([gx.ravel(), gy.ravel()])


def _label_changes(W, b, box, n=241):
    """Brute force: midpoints between neighbouring grid points labelled differently, and the labels."""
    P = _grid(box, n)
    labels = (P @ W.T + b).argmax(axis=1) if len(W) > 1 else (P @ W[0] + b[0] > 0).astype(int)
    P, labels = P.reshape(n, n, 2), labels.reshape(n, n)
    mids, pairs = [], []
    for a, c, la, lc in ((P[:, :-1], P[:, 1:], labels[:, :-1], labels[:, 1:]),
                         (P[:-1], P[1:], labels[:-1], labels[1:])):
        hit = la != lc
        mids.append(((a + c) / 2)[hit])
        pairs.append(np.sort(np.stack([la[hit], lc[hit]], axis=1), axis=1))
    cell = (box[1] - box[0]) / (n - 1)
    return np.concatenate(mids), np.concatenate(pairs), cell


def _distance_to_polylines(points, lines):
    """Distance of each point to the nearest segment of any polyline."""
    a = np.concatenate([line[:-1] for line in lines])
    d = np.concatenate([np.diff(line, axis=0) for line in lines])
    t = np.clip(np.einsum("psk,sk->ps", points[:, None, :] - a[None], d) / np.sum(d * d, axis=1), 0, 1)
    return np.min(np.linalg.norm(points[:, None, :] - (a[None] + t[..., None] * d[None]), axis=2), axis=1)


def test_linear_pairs_are_the_logit_differences():
    rng = np.random.default_rng(5)
    P = rng.normal(size=(50, 2))
    for K in (1, 3, 5):
        W, b = rng.normal(size=(K, 2)), rng.normal(size=K)
        pairs = linear_pairs(W, b)
        z = P @ W.T + b
        if K == 1:
            assert [(i, j) for i, j, _, _ in pairs] == [(1, 0)]
            _, _, w, c = pairs[0]
            assert np.allclose(P @ w + c, z[:, 0])
            continue
        assert [(i, j) for i, j, _, _ in pairs] == [(i, j) for i in range(K) for j in range(K) if i < j]
        for i, j, w, c in pairs:
            assert np.allclose(P @ w + c, z[:, i] - z[:, j])


def _sigmoid_columns(z):
    p1 = 1.0 / (1.0 + np.exp(-z))
    return np.column_stack([1.0 - p1, p1])


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_probabilities_are_sigmoid_or_softmax_of_the_logits():
    rng = np.random.default_rng(2)
    z1, zk = rng.normal(size=(30, 1)) * 4, rng.normal(size=(30, 4)) * 4
    np.testing.assert_allclose(class_probabilities(z1), _sigmoid_columns(z1[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(class_probabilities(zk), _softmax(zk), rtol=1e-12)
    # huge logits: certain, not NaN
    np.testing.assert_array_equal(class_probabilities(np.array([[800.0], [-800.0]])), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(class_probabilities(np.array([[1000.0, -1000.0, 0.0]])), [[1, 0, 0]])
    # of linear logits; points with more coordinates than the model reads (a 2-D model, 3-D points)
    P = rng.normal(size=(25, 3))
    for K in (1, 3):
        W, b = rng.normal(size=(K, 2)), rng.normal(size=K)
        z = np.array([[W[k, 0] * x + W[k, 1] * y + b[k] for k in range(K)] for x, y, _ in P])
        expected = _sigmoid_columns(z[:, 0]) if K == 1 else _softmax(z)
        np.testing.assert_allclose(probabilities(W, b)(P), expected, rtol=1e-12)
        np.testing.assert_allclose(probabilities(W, b)(P[:, :2]), expected, rtol=1e-12)


def test_linear_boundaries_are_where_the_labels_change():
    """Against brute force on a grid: every change of label lies on the drawn part of its pair's line,
    and every drawn point is where its two classes lead."""
    rng = np.random.default_rng(11)
    box = (-2.0, 2.0, -1.5, 2.5)
    for K in (1, 3, 4):
        W, b = rng.normal(size=(K, 2)) * 2, rng.normal(size=K) * 0.3
        pairs = linear_pairs(W, b)
        lines = linear_boundaries(pairs, probabilities(W, b), box)
        assert lines
        for line in lines:
            assert len(line) >= 2
            z = line @ W.T + b
            if K > 1:  # the two largest logits tie on every drawn point
                top = np.sort(z, axis=1)
                assert np.allclose(top[:, -1], top[:, -2], atol=1e-9)
            else:
                assert np.allclose(z[:, 0], 0.0, atol=1e-9)
        mids, _, cell = _label_changes(W, b, box)
        # every label change is within a grid cell of a drawn segment (plus the sampling step
        # of the lines where more than two classes decide: 400 samples over the box diagonal)
        step = np.hypot(box[1] - box[0], box[3] - box[2]) / 399
        assert np.all(_distance_to_polylines(mids, lines) <= cell + step)


def test_region_segments_bound_the_regions_exactly():
    """Points on every segment: its two classes tie and lead all others; every label change on a
    fine grid lies within one grid cell of the segment of exactly its two labels."""
    rng = np.random.default_rng(3)
    box = (-2.0, 2.0, -1.5, 2.5)
    for K in (1, 3, 5, 8):
        W, b = rng.normal(size=(K, 2)) * 2, rng.normal(size=K) * 0.5
        segments = region_segments(linear_pairs(W, b), box)
        assert segments
        s = np.linspace(0, 1, 101)[:, None]
        for i, j, ends in segments:
            assert ends.shape == (2, 2)
            P = (1 - s) * ends[0] + s * ends[1]
            assert np.all(P >= np.array([box[0], box[2]]) - 1e-9)
            assert np.all(P <= np.array([box[1], box[3]]) + 1e-9)
            if K == 1:
                assert (i, j) == (1, 0) and np.allclose(P @ W[0] + b[0], 0.0, atol=1e-9)
                continue
            z = P @ W.T + b
            assert np.allclose(z[:, i], z[:, j], atol=1e-9)
            others = np.delete(z, [i, j], axis=1)
            if others.size:
                assert np.all(others.max(axis=1) <= z[:, i] + 1e-9)
        mids, labels, cell = _label_changes(W, b, box)
        for pair in {tuple(p) for p in labels}:
            mine = [e for i, j, e in segments if tuple(sorted((i, j))) == pair]
            assert mine, f"K={K}: no segment between classes {pair}"
            at = mids[np.all(labels == pair, axis=1)]
            assert np.all(_distance_to_polylines(at, mine) <= cell)


def test_region_faces_bound_the_regions_exactly():
    """3-D: points inside every face tie its two classes above all others; every label change on
    a grid of the cube lies within a grid cell of a face of exactly its two labels."""
    rng = np.random.default_rng(8)
    centre, half = np.array([0.2, -0.1, 0.3]), 1.5
    for K in (3, 5):
        W, b = rng.normal(size=(K, 3)) * 2, rng.normal(size=K) * 0.5
        faces = region_faces(linear_pairs(W, b), centre, half)
        assert faces
        samples = {}
        for i, j, poly in faces:
            assert poly.shape[1] == 3 and len(poly) >= 3
            # points inside the convex polygon: random mixtures of its fan triangles
            tri = rng.integers(1, len(poly) - 1, size=4000)
            u = rng.dirichlet(np.ones(3), size=4000)
            P = u[:, :1] * poly[0] + u[:, 1:2] * poly[tri] + u[:, 2:] * poly[tri + 1]
            assert np.all(np.abs(P - centre) <= half + 1e-9)
            z = P @ W.T + b
            assert np.allclose(z[:, i], z[:, j], atol=1e-9)
            assert np.all(np.delete(z, [i, j], axis=1).max(axis=1) <= z[:, i] + 1e-9)
            samples.setdefault(tuple(sorted((i, j))), []).append(P)
        n = 25
        g = np.linspace(-half, half, n)
        G = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1) + centre
        lab = (G @ W.T + b).argmax(axis=-1)
        cell = g[1] - g[0]
        for axis in range(3):
            a = [slice(None)] * 3
            a[axis] = slice(None, -1)
            c = [slice(None)] * 3
            c[axis] = slice(1, None)
            hit = lab[tuple(a)] != lab[tuple(c)]
            mids = ((G[tuple(a)] + G[tuple(c)]) / 2)[hit]
            pairs = np.sort(np.stack([lab[tuple(a)][hit], lab[tuple(c)][hit]], axis=1), axis=1)
            for pair in {tuple(p) for p in pairs}:
                assert pair in samples, f"no face between classes {pair}"
                S = np.concatenate(samples[pair])
                at = mids[np.all(pairs == pair, axis=1)]
                d = np.min(np.linalg.norm(at[:, None] - S[None], axis=2), axis=1)
                assert np.all(d <= cell)


# --------------------------------------------------------------------------- framing


def test_framing_is_the_neighbour_widened_box_at_the_samples():
    rng = np.random.default_rng(4)
    times = np.linspace(0.0, 3.0, 31)
    # points moving along random smooth paths: a box per sample
    paths = rng.normal(size=(40, 1, 3)) + np.sin(times[None, :, None] * rng.normal(size=(40, 1, 3)))
    lo, hi = paths.min(axis=0), paths.max(axis=0)
    for k, margin in ((1, 0.08), (3, 0.1), (0, 0.0)):
        framing = framing_curves(times, lo, hi, k, margin)
        for n, u in enumerate(times):
            near = paths[:, max(n - k, 0) : n + k + 1]  # this sample and k neighbours either side
            box_lo, box_hi = near.min(axis=(0, 1)), near.max(axis=(0, 1))
            np.testing.assert_allclose(framing.lo(u), box_lo, atol=1e-12)
            np.testing.assert_allclose(framing.hi(u), box_hi, atol=1e-12)
            centre, half = framing(u)
            np.testing.assert_allclose(centre, (box_lo + box_hi) / 2, atol=1e-12)
            assert half == pytest.approx(np.max(box_hi - box_lo) / 2 * (1 + margin))
        # between samples: no overshoot beyond the two samples' widened boxes (PCHIP is monotone)
        mid = (times[:-1] + times[1:]) / 2
        lo_at, hi_at = framing.lo(times), framing.hi(times)
        assert np.all(framing.lo(mid) >= np.minimum(lo_at[:-1], lo_at[1:]) - 1e-12)
        assert np.all(framing.hi(mid) <= np.maximum(hi_at[:-1], hi_at[1:]) + 1e-12)
    # a degenerate box (one point standing still) still has a positive size
    still = np.zeros((len(times), 2))
    assert framing_curves(times, still, still, 1, 0.1)(1.5)[1] == 1e-6



def test_decoded_curve_holds_every_reconstruction():
    from nnanim.core.curves import decoded_curve
    from nnanim.core.nn import init_network

    rng = np.random.default_rng(4)
    net = init_network([2, 6, 1, 6, 2], ["tanh"] * 3, "autoencoder", rng)
    X = rng.normal(size=(30, 2))
    code = net.encode(X)[:, 0]
    curve = decoded_curve(net, code.min(), code.max(), samples=5)
    # by hand: the decoder of the two ends of the code range
    for c, point in ((code.min(), curve[0]), (code.max(), curve[-1])):
        h = np.tanh(np.array([[c]]) @ net.weights[2].T + net.biases[2])
        np.testing.assert_allclose(point, (h @ net.weights[3].T + net.biases[3])[0], atol=1e-12)
    # each point's reconstruction is the curve at its code
    exact = decoded_curve(net, 0.0, 1.0, samples=2)  # shape check
    assert exact.shape == (2, 2)
    x_hat = net.forward(X).logits
    for i in range(3):
        at = decoded_curve(net, code[i], code[i], samples=1)[0]
        np.testing.assert_allclose(at, x_hat[i], atol=1e-12)
    with pytest.raises(ValueError, match="a curve needs 1"):
        decoded_curve(init_network([3, 4, 2, 4, 3], ["tanh"] * 3, "autoencoder", rng), 0, 1)


def test_log_ticks_are_round_inside_the_range_and_few():
    assert log_ticks(0.003, 0.7).tolist() == pytest.approx([0.01, 0.1])  # powers of ten inside
    assert log_ticks(0.0009, 20.0, 3).tolist() == pytest.approx([0.001, 0.1, 10.0])  # thinned, top kept
    # fewer than two powers of ten inside: 1, 2, 5 times them
    got = log_ticks(0.03, 0.7)
    assert len(got) >= 2 and all(0.03 <= v <= 0.7 for v in got)
    for v in got:
        m = v / 10.0 ** np.floor(np.log10(v) + 1e-12)
        assert min(abs(m - k) for k in (1, 2, 5)) < 1e-9
    assert len(log_ticks(0.5, 0.6)) == 0 or all(0.5 <= v <= 0.6 for v in log_ticks(0.5, 0.6))
    assert log_ticks(0.0, 1.0).size == 0


def test_epoch_ticks_are_zero_and_powers_of_ten_up_to_the_last():
    assert epoch_ticks(1500).tolist() == [0, 10, 100, 1000]
    assert epoch_ticks(1000).tolist() == [0, 10, 100, 1000]
    assert epoch_ticks(5).tolist() == [0]
