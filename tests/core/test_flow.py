"""The flow must not lie: stage ends are the forward pass, motion is continuous, the
output boundary is a straight line that separates what the network separates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from scipy.stats import special_ortho_group

from nnanim.core.curves import decision_boundary, input_grid, level_curves, level_points, level_values
from nnanim.core.flow import (
    STAGE_KINDS,
    LinearPath,
    build_flow,
    linear_path,
    permute_for_positive_det,
)
from nnanim.core.nn import Network, init_network
from nnanim.core.projection import BasisPath, RotationPath, keyframe_basis, smoothstep

# --------------------------------------------------------------------------- helpers


def make_net(widths, act, task, seed, negative_det=False, gain=1.6):
    """A random network with non-trivial biases, weights scaled up so activations bend."""
    rng = np.random.default_rng(seed)
    acts = [act] * (len(widths) - 2) if isinstance(act, str) else act
    net = init_network(widths, acts, task, rng)
    for i, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        W *= gain
        b[:] = rng.normal(0.0, 0.5, size=b.shape)
        hidden_square = i < len(net.weights) - 1 and W.shape[0] == W.shape[1]
        if negative_det and hidden_square and np.linalg.det(W) > 0:
            W[0] *= -1.0
    return net


def sample_inputs(d, n=400, seed=0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=(n, d))


NETWORKS = {
    "2-2-2-1 tanh": ([2, 2, 2, 1], "tanh", "binary"),
    "2-2-2-2 tanh": ([2, 2, 2, 2], "tanh", "multiclass"),
    "2-3-2-1 tanh (lift, squash)": ([2, 3, 2, 1], "tanh", "binary"),
    "2-3-3-3 sigmoid": ([2, 3, 3, 3], "sigmoid", "multiclass"),
    "2-8-8-2 relu (wide)": ([2, 8, 8, 2], "relu", "multiclass"),
    "2-8-8-1 leaky_relu (wide)": ([2, 8, 8, 1], "leaky_relu", "binary"),
    "2-6-2-3 relu (wide squash)": ([2, 6, 2, 3], "relu", "multiclass"),
    "2-3-8-3 tanh (3-D then wide)": ([2, 3, 8, 3], "tanh", "multiclass"),
    "2-5-4-1 gelu (wide narrowing)": ([2, 5, 4, 1], "gelu", "binary"),
    "2-3-1 tanh (plane boundary)": ([2, 3, 1], "tanh", "binary"),
    "1-4-1 tanh (1-D regression)": ([1, 4, 1], "tanh", "regression"),
    "2-1-1 tanh (width 1)": ([2, 1, 1], "tanh", "binary"),
    "2-6-1-6-2 tanh (autoencoder, 1-unit code)": ([2, 6, 1, 6, 2], "tanh", "autoencoder"),
    "3-8-2-8-3 tanh (autoencoder, 3-D)": ([3, 8, 2, 8, 3], "tanh", "autoencoder"),
}


@pytest.fixture(scope="module", params=list(NETWORKS), ids=list(NETWORKS))
def case(request):
    widths, act, task = NETWORKS[request.param]
    net = make_net(widths, act, task, seed=len(request.param), negative_det=True)
    X = sample_inputs(widths[0])
    flow = build_flow(net, reference=X)
    return net, flow, X, flow.trace(X)


# --------------------------------------------------------------------------- exactness


def test_stage_ends_equal_the_forward_pass(case):
    _, flow, X, tr = case
    net = flow.network
    fwd = net.forward(X)
    widths = net.widths
    np.testing.assert_array_equal(tr.full(0, 0.0)[:, : widths[0]], X)
    checked = 0
    for st in flow.stages:
        if st.kind not in ("bias", "activation"):
            continue
        m = widths[st.layer + 1]
        end = tr.full(st.index, 1.0)
        expected = fwd.pre[st.layer] if st.kind == "bias" else fwd.post[st.layer]
        np.testing.assert_allclose(end[:, :m], expected, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(end[:, m:], 0.0)  # padding coordinates stay zero
        if st.kind == "bias":  # the stage before "+ b" ends at W h exactly
            before = tr.full(st.index - 1, 1.0)
            assert flow.stages[st.index - 1].kind == "linear"
            np.testing.assert_allclose(
                before[:, :m], fwd.pre[st.layer] - net.biases[st.layer], rtol=0, atol=1e-9
            )
        checked += 1
    # an autoencoder's output layer is shown too: its "+ b" ends at the reconstruction
    assert checked == 2 * (len(widths) - 2) + (net.task == "autoencoder")
    if net.task == "autoencoder":
        np.testing.assert_allclose(tr.full(len(flow.stages) - 1, 1.0)[:, : widths[0]],
                                   net.forward(X).logits, rtol=0, atol=1e-9)


def test_next_stage_starts_where_the_last_ended(case):
    _, flow, _, tr = case
    for s in range(len(flow.stages) - 1):
        a, b = tr.full(s, 1.0), tr.full(s + 1, 0.0)
        d = min(a.shape[1], b.shape[1])
        np.testing.assert_array_equal(a[:, :d], b[:, :d])
        assert not np.any(a[:, d:]) and not np.any(b[:, d:])  # only zero columns come and go
        scale = 1.0 + np.abs(a).max()
        np.testing.assert_allclose(tr.at(s, 1.0), tr.at(s + 1, 0.0), rtol=0, atol=1e-12 * scale)


def test_flow_does_not_change_the_function(case):
    net, flow, X, _ = case
    np.testing.assert_allclose(
        flow.network.forward(X).logits, net.forward(X).logits, rtol=0, atol=1e-12
    )
    y = net.predict(X) if net.task in ("binary", "multiclass") else None
    if y is not None:
        flipped = y.copy()
        flipped[:10] = 1 - flipped[:10] if net.task == "binary" else (flipped[:10] + 1) % 3
        assert flow.accuracy(X, y) == 1.0
        assert flow.accuracy(X, flipped) == pytest.approx(1.0 - 10 / len(X))


# --------------------------------------------------------------------------- continuity


def test_motion_is_continuous_inside_every_stage(case):
    """Over dt the display moves at most speed·dt (a Lipschitz bound): nothing jumps."""
    _, flow, _, tr = case
    dt = 1e-3
    for s in range(len(flow.stages)):
        bound = tr.speed(s) * dt * (1 + 1e-6) + 1e-12
        for t in np.linspace(0.0, 1.0 - dt, 41):
            step = np.abs(tr.at(s, t + dt) - tr.at(s, t)).max()
            assert step <= bound, (flow.stages[s].caption, t, step, bound)
        whole = np.abs(tr.at(s, 1.0) - tr.at(s, 0.0)).max()
        assert whole <= tr.speed(s) * (1 + 1e-6) + 1e-12


def test_stage_plan_names_width_changes():
    flow = build_flow(make_net([2, 3, 2, 1], "tanh", "binary", seed=1))
    kinds = [st.kind for st in flow.stages]
    assert kinds == [
        "lift", "linear", "bias", "activation",
        "rotate", "squash", "linear", "bias", "activation", "output",
    ]
    assert [st.dim for st in flow.stages] == [3, 3, 3, 3, 3, 3, 2, 2, 2, 2]
    captions = [st.caption for st in flow.stages]
    assert captions[0] == "lift 2 → 3" and captions[5] == "squash 3 → 2"
    assert captions[1:4] == ["layer 1 · W·x", "layer 1 · + b", "layer 1 · tanh"]
    assert captions[-1] == "output · w·h + b = 0"
    assert [st.index for st in flow.stages] == list(range(len(kinds)))
    assert all(st.kind in STAGE_KINDS for st in flow.stages)


def test_every_linear_stage_stays_invertible():
    """Including the padded lift matrix and the rotate/residual pair of a squash."""
    net = make_net([2, 3, 5, 3, 2, 1], "tanh", "binary", seed=7, negative_det=True)
    flow = build_flow(net)
    linear = [m.motion for m in flow._steps if m.kind in ("linear", "rotate")]
    assert len(linear) == 6  # 2→3, 3→5, 5→3 (rotate + residual), 3→2 (rotate + residual)
    for motion in linear:
        dets = [np.linalg.det(motion.path(t)) for t in np.linspace(0, 1, 201)]
        assert min(dets) > 0


# --------------------------------------------------------------------------- network surgery


@pytest.mark.parametrize("seed", range(5))
def test_permute_for_positive_det(seed):
    net = make_net([2, 2, 3, 3, 2, 1], "tanh", "binary", seed=seed, negative_det=True)
    before = [W.copy() for W in net.weights]
    assert any(np.linalg.det(W) < 0 for W in net.weights[:-1] if W.shape[0] == W.shape[1])
    fixed = permute_for_positive_det(net)
    X = sample_inputs(2, 300, seed)
    np.testing.assert_allclose(fixed.forward(X).logits, net.forward(X).logits, rtol=0, atol=1e-12)
    for W in fixed.weights[:-1]:
        if W.shape[0] == W.shape[1]:
            assert np.linalg.det(W) > 0
    for W, W0 in zip(net.weights, before, strict=True):  # the input network is untouched
        np.testing.assert_array_equal(W, W0)


# --------------------------------------------------------------------------- linear paths


def _rotation2(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def _test_matrices():
    rng = np.random.default_rng(3)
    mats = []
    for n in (2, 3):
        for _ in range(20):
            W = rng.normal(size=(n, n))
            if np.linalg.det(W) < 0:
                W[0] *= -1
            mats.append(W)
    stretch = np.diag([2.0, 0.3])
    mats += [
        _rotation2(np.pi - 1e-7) @ stretch,  # rotation by almost π
        _rotation2(np.pi) @ stretch,  # exactly π
        -np.eye(2),
        _rotation2(0.4) @ np.diag([1.0, 1e-9]),  # nearly singular
        np.diag([-1.0, -1.0, 1.0]) @ np.diag([3.0, 1.0, 0.5]),  # 3-D half turn
        special_ortho_group.rvs(3, random_state=4) @ np.diag([5.0, 1.0, 1e-8]),
        np.array([[1.0, 100.0], [0.0, 1.0]]),  # strong shear
    ]
    return mats


@pytest.mark.parametrize("W", _test_matrices())
def test_linear_path_has_positive_det_and_right_ends(W):
    n = len(W)
    path = LinearPath(W)
    np.testing.assert_array_equal(path(0.0), np.eye(n))
    np.testing.assert_array_equal(path(1.0), W)
    np.testing.assert_array_equal(linear_path(W, 1.0), W)
    ts = np.linspace(0.0, 1.0, 2001)
    A = np.array([path(t) for t in ts])
    assert np.all(np.linalg.det(A) > 0)
    jumps = np.abs(np.diff(A, axis=0)).max(axis=(1, 2))
    assert jumps.max() <= path.speed * (ts[1] - ts[0]) * (1 + 1e-6) + 1e-12
    np.testing.assert_allclose(path(1.0 - 1e-12), W, atol=1e-9 * (1 + np.abs(W).max()))


def test_linear_path_refuses_negative_det():
    with pytest.raises(ValueError, match="det W < 0"):
        linear_path(np.diag([1.0, -2.0]), 0.5)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_rotation_path_reaches_any_rotation(n):
    rng = np.random.default_rng(n)
    for R in [special_ortho_group.rvs(n, random_state=rng), -np.eye(n) if n % 2 == 0 else None]:
        if R is None:
            continue
        path = RotationPath(R)
        for t in (0.1, 0.5, 0.9):
            G = path(t)
            np.testing.assert_allclose(G @ G.T, np.eye(n), atol=1e-12)
            assert np.linalg.det(G) == pytest.approx(1.0)
        np.testing.assert_allclose(path(1.0 - 1e-13), R, atol=1e-10)


# --------------------------------------------------------------------------- projections


WIDE = ["2-8-8-2 relu (wide)", "2-8-8-1 leaky_relu (wide)", "2-6-2-3 relu (wide squash)",
        "2-3-8-3 tanh (3-D then wide)", "2-5-4-1 gelu (wide narrowing)"]


@pytest.mark.parametrize("name", WIDE)
def test_projection_bases_are_orthonormal_and_smooth(name):
    widths, act, task = NETWORKS[name]
    flow = build_flow(make_net(widths, act, task, seed=2), reference=sample_inputs(2))
    moved = 0
    for s in range(len(flow.stages)):
        ts = np.linspace(0.0, 1.0, 201)
        bases = np.array([flow.basis(s, t) for t in ts])
        k = bases.shape[1]
        assert k == flow.stages[s].dim
        gram = np.einsum("tij,tkj->tik", bases, bases)
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(k), gram.shape), atol=1e-12)
        steps = np.abs(np.diff(bases, axis=0)).max()
        assert steps <= flow._bases[s].speed * (ts[1] - ts[0]) * (1 + 1e-6) + 1e-12
        assert steps < 0.05  # no sign flip between consecutive frames
        moved += flow._bases[s].moves
    assert moved > 0  # wide layers do get a moving projection


def test_keyframe_basis_puts_the_anchor_first_and_keeps_signs():
    rng = np.random.default_rng(0)
    states = rng.normal(size=(500, 6)) * np.array([5, 4, 3, 2, 1, 0.5])
    w = rng.normal(size=6)
    previous = np.eye(6)[:2]
    B = keyframe_basis(states, 2, previous, anchor=w[None, :])
    np.testing.assert_allclose(B @ B.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(np.abs(B[0] @ w) / np.linalg.norm(w), 1.0)
    again = keyframe_basis(states, 2, B, anchor=w[None, :])
    np.testing.assert_allclose(again, B, atol=1e-12)  # same inputs, same frame: no flips
    path = BasisPath(B, -B[::-1])
    for t in np.linspace(0, 1, 11):
        np.testing.assert_allclose(path(t) @ path(t).T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(path(1.0), -B[::-1])


def test_one_projection_per_flow_for_points_grid_and_boundary():
    """Different point sets of one flow are projected with the same bases."""
    net = make_net([2, 8, 8, 1], "tanh", "binary", seed=5)
    flow = build_flow(net, reference=sample_inputs(2, 300, 1))
    a, b = sample_inputs(2, 50, 2), sample_inputs(2, 70, 3)
    both = flow.trace(np.vstack([a, b]))
    ta = flow.trace(a)
    for s in range(len(flow.stages)):
        np.testing.assert_allclose(ta.at(s, 0.37), both.at(s, 0.37)[:50], atol=1e-12)


def test_smoothstep_is_3t2_minus_2t3_clamped():
    t = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose([smoothstep(x) for x in t], 3 * t**2 - 2 * t**3, rtol=0, atol=1e-15)
    assert smoothstep(-0.5) == 0.0 and smoothstep(1.5) == 1.0 and smoothstep(np.float64(0.5)) == 0.5
    # at rest at both ends: the difference quotients vanish
    h = 1e-6
    assert smoothstep(h) / h < 1e-5 and (1.0 - smoothstep(1.0 - h)) / h < 1e-5


# --------------------------------------------------------------------------- output boundary


def test_output_line_separates_what_the_network_separates(case):
    _, flow, X, tr = case
    net = flow.network
    if net.task in ("regression", "autoencoder"):
        with pytest.raises(ValueError):
            flow.output_boundaries()
        return
    assert flow.boundaries_exact
    P = tr.at(len(flow.stages) - 1, 1.0)
    z = net.forward(X).logits
    scale = 1.0 + np.abs(z).max()
    for i, j, w, c in flow.output_boundaries():
        margin = z[:, 0] if net.task == "binary" else z[:, i] - z[:, j]
        side = P @ w + c
        np.testing.assert_allclose(side, margin, rtol=0, atol=1e-9 * scale)
        clear = np.abs(margin) > 1e-9 * scale
        assert np.array_equal(side[clear] > 0, margin[clear] > 0)
    if net.task == "binary" or z.shape[1] == 2:
        w, c = flow.output_boundary()
        labels = net.predict(X)
        assert np.array_equal((P @ w + c > 0), labels == 1)
        assert 0 < labels.sum() < len(labels)  # both sides are populated: a real check
    else:
        with pytest.raises(ValueError, match="output_boundaries"):
            flow.output_boundary()


def test_output_probabilities_are_the_networks(case):
    _, flow, X, tr = case
    net = flow.network
    if net.task in ("regression", "autoencoder") or not flow.boundaries_exact:
        return
    z = net.forward(X).logits
    if net.task == "binary":  # by hand: the sigmoid of the logit, and its complement
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        expected = np.column_stack([1.0 - p1, p1])
    else:  # by hand: the softmax of the logits
        e = np.exp(z - z.max(axis=1, keepdims=True))
        expected = e / e.sum(axis=1, keepdims=True)
    P = tr.at(len(flow.stages) - 1, 1.0)
    np.testing.assert_allclose(flow.output_probabilities(P), expected, rtol=0, atol=1e-9)
    if flow.stages[-1].dim == 2:  # 2-D display points give the same
        np.testing.assert_allclose(flow.output_probabilities(P[:, :2]), expected, rtol=0, atol=1e-9)


def test_wide_last_layer_shows_the_output_weights_on_the_first_axis():
    flow = build_flow(make_net([2, 8, 8, 1], "tanh", "binary", seed=4))
    w = flow.network.weights[-1][0]
    B = flow.basis(len(flow.stages) - 1, 1.0)
    assert abs(B[0] @ w) == pytest.approx(np.linalg.norm(w))
    wd, _ = flow.output_boundary()
    assert abs(wd[0]) == pytest.approx(np.linalg.norm(w)) and np.allclose(wd[1:], 0)


def test_too_many_classes_for_the_display_is_flagged():
    flow = build_flow(make_net([2, 8, 8, 5], "tanh", "multiclass", seed=4))
    assert not flow.boundaries_exact  # 4 weight differences cannot all fit in 2 axes


# --------------------------------------------------------------------------- decision boundary

BOUNDS = (-2.0, 2.0, -2.0, 2.0)


@pytest.mark.parametrize(
    "widths, act, task, tol",
    [
        ([2, 6, 6, 1], "tanh", "binary", 1e-9),
        ([2, 8, 8, 1], "relu", "binary", 1e-6),
        ([2, 3, 2, 1], "tanh", "binary", 1e-9),
        ([2, 6, 6, 3], "tanh", "multiclass", 1e-9),
        ([2, 8, 3], "relu", "multiclass", 1e-6),
    ],
)
def test_decision_boundary_is_the_preimage_of_the_output_line(widths, act, task, tol):
    net = make_net(widths, act, task, seed=11)
    lines = decision_boundary(net, BOUNDS, resolution=150)
    pts = np.vstack(lines)
    assert len(pts) > 30 and all(L.shape[1] == 2 and len(L) >= 2 for L in lines)
    grid_logits = net.forward(sample_inputs(2, 2000)).logits
    scale = np.ptp(grid_logits)
    z = net.forward(pts).logits
    top = np.sort(z, axis=1)
    gap = z[:, 0] if task == "binary" else top[:, -1] - top[:, -2]
    assert np.quantile(np.abs(gap), 0.99) <= tol * scale
    # carried through the flow, the curve ends on the straight output line
    flow = build_flow(net, reference=sample_inputs(2))
    end = flow.trace(pts).at(len(flow.stages) - 1, 1.0)
    pairs = {(i, j): (w, c) for i, j, w, c in flow.output_boundaries()}
    if task == "binary":
        w, c = pairs[(1, 0)]
        dist = np.abs(end @ w + c)
    else:
        order = np.argsort(z, axis=1)
        i, j = np.minimum(order[:, -1], order[:, -2]), np.maximum(order[:, -1], order[:, -2])
        W = np.array([pairs[(a, b)][0] for a, b in zip(i, j, strict=True)])
        C = np.array([pairs[(a, b)][1] for a, b in zip(i, j, strict=True)])
        dist = np.abs(np.sum(end * W, axis=1) + C)
    assert np.quantile(dist, 0.99) <= tol * scale


def _full_grid_curves(f, bounds, resolution):
    """The reference: ``f`` evaluated on every node of a ``resolution²`` grid, contoured by
    contourpy, each vertex bisected (60 halvings) on the cell edge it lies on."""
    import contourpy

    x = np.linspace(bounds[0], bounds[1], resolution)
    y = np.linspace(bounds[2], bounds[3], resolution)
    XX, YY = np.meshgrid(x, y)
    Z = f(np.column_stack([XX.ravel(), YY.ravel()])).reshape(XX.shape)
    gen = contourpy.contour_generator(x, y, Z, line_type=contourpy.LineType.Separate)
    out = []
    for L in gen.lines(0.0):
        dx, dy = x[1] - x[0], y[1] - y[0]
        vertical = np.isclose((L[:, 0] - x[0]) / dx, np.round((L[:, 0] - x[0]) / dx), atol=1e-6)
        lo, hi = L.copy(), L.copy()
        lo[vertical, 1] = y[0] + np.floor((L[vertical, 1] - y[0]) / dy) * dy
        hi[vertical, 1] = lo[vertical, 1] + dy
        lo[~vertical, 0] = x[0] + np.floor((L[~vertical, 0] - x[0]) / dx) * dx
        hi[~vertical, 0] = lo[~vertical, 0] + dx
        for _ in range(60):
            mid = (lo + hi) / 2
            same = np.sign(f(mid)) == np.sign(f(lo))
            lo[same], hi[~same] = mid[same], mid[~same]
        out.append((lo + hi) / 2)
    return out


@pytest.mark.parametrize("widths, act, seed", [([2, 16, 16, 1], "tanh", 3), ([2, 8, 8, 1], "relu", 5),
                                               ([2, 6, 1], "tanh", 9)])
def test_decision_boundary_is_the_full_grids_curve(widths, act, seed):
    """The boundary is evaluated at full resolution only in the cells it crosses: it is the
    same curve, vertex for vertex, as contouring every node of the full grid."""
    net = make_net(widths, act, "binary", seed=seed, gain=2.5)
    got = decision_boundary(net, BOUNDS, resolution=121)
    want = _full_grid_curves(lambda P: net.forward(P).logits[:, 0], BOUNDS, 121)
    assert len(want) >= 1 and [len(L) for L in got] == [len(L) for L in want]
    for a, b in zip(got, want, strict=True):
        assert np.max(np.abs(a - b)) < 1e-9


def test_level_curves_are_the_full_grids_curves():
    net = make_net([2, 8, 8, 1], "tanh", "regression", seed=4, gain=2.5)
    for level in (-0.5, 0.2):
        got = [L for _, L in level_curves(net, BOUNDS, [level], resolution=121)]
        want = _full_grid_curves(lambda P, c=level: net.forward(P).logits[:, 0] - c, BOUNDS, 121)
        assert [len(L) for L in got] == [len(L) for L in want]
        for a, b in zip(got, want, strict=True):
            assert np.max(np.abs(a - b)) < 1e-9


def test_decision_boundary_draws_each_multiclass_edge_once():
    net = make_net([2, 6, 6, 3], "tanh", "multiclass", seed=11)
    pts = np.vstack(decision_boundary(net, BOUNDS, resolution=150))
    rounded = np.round(pts, 9)
    _, counts = np.unique(rounded, axis=0, return_counts=True)
    assert np.mean(counts > 1) < 0.02  # only junction vertices may repeat


def test_decision_boundary_refuses_regression():
    with pytest.raises(ValueError, match="regression"):
        decision_boundary(make_net([2, 4, 1], "tanh", "regression", seed=0), BOUNDS)


def test_input_grid():
    lines = input_grid((-1.0, 3.0, -2.0, 2.0), n_lines=5, samples=50)
    assert len(lines) == 10 and all(L.shape == (50, 2) for L in lines)
    vertical, horizontal = lines[:5], lines[5:]
    assert all(np.ptp(L[:, 0]) == 0 for L in vertical)
    assert all(np.ptp(L[:, 1]) == 0 for L in horizontal)
    np.testing.assert_allclose([L[0, 0] for L in vertical], np.linspace(-1, 3, 5))
    np.testing.assert_allclose(vertical[0][[0, -1], 1], [-2.0, 2.0])
    np.testing.assert_allclose(horizontal[0][[0, -1], 0], [-1.0, 3.0])


# --------------------------------------------------------------------------- framing


@pytest.mark.parametrize("name", ["2-3-2-1 tanh (lift, squash)", "2-8-8-2 relu (wide)"])
def test_framing_contains_the_points_and_moves_smoothly(name):
    widths, act, task = NETWORKS[name]
    flow = build_flow(make_net(widths, act, task, seed=9))
    tr = flow.trace(sample_inputs(2, 600, 9))
    rng = np.random.default_rng(0)
    n = len(flow.stages)
    for s, t in zip(rng.integers(0, n, 150), rng.uniform(0, 1, 150), strict=True):
        centre, half = flow.framing(tr, int(s), float(t))
        assert centre.shape == (3,) and half > 0
        assert np.all(np.abs(tr.at(int(s), float(t)) - centre) <= half)
    for s in range(n - 1):
        c1, h1 = flow.framing(tr, s, 1.0)
        c2, h2 = flow.framing(tr, s + 1, 0.0)
        np.testing.assert_array_equal(c1, c2)
        assert h1 == h2
    u = np.linspace(0, n, 40 * n + 1)
    frames = [flow.framing(tr, min(int(x), n - 1), x - min(int(x), n - 1)) for x in u]
    centres = np.array([c for c, _ in frames])
    halves = np.array([h for _, h in frames])
    biggest = halves.max()
    assert np.abs(np.diff(centres, axis=0)).max() < 0.1 * biggest
    assert np.abs(np.diff(halves)).max() < 0.1 * biggest


def test_framing_with_context_takes_in_the_grid_within_the_cap():
    """A trace framed with its grid: the grid's box counts as far as FRAMING_CAP times the points'
    largest half side from their centre (recomputed here per stage end), never further, and never
    costs the points more than that factor of their zoom."""
    from nnanim.core.curves import input_grid
    from nnanim.core.flow import FRAMING_CAP

    widths, act, task = NETWORKS["2-3-2-1 tanh (lift, squash)"]
    flow = build_flow(make_net(widths, act, task, seed=9))
    X = sample_inputs(2, 400, 9)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.3 * float(np.max(hi - lo))
    grid = flow.trace(np.concatenate(input_grid((lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad),
                                                n_lines=9, samples=30)))
    points = flow.trace(X)
    framed = points.with_context([grid])
    assert framed is not points and points._context[0] == []  # the points' own framing is untouched
    n = len(flow.stages)
    for s in range(n):
        for t in (0.0, 0.5, 1.0):
            P, G = points.at(s, t), grid.at(s, t)
            centre, halves = framed.framing_box(s, t)
            assert np.all(np.abs(P - centre) <= halves + 1e-9)  # the points inside
            # the grid inside as far as the cap reaches: clip it to the cap's cube
            mid = 0.5 * (P.min(axis=0) + P.max(axis=0))
            reach = FRAMING_CAP * 0.5 * float(np.max(P.max(axis=0) - P.min(axis=0)))
            near = np.clip(G, mid - reach, mid + reach)
            assert np.all(np.abs(near - centre) <= halves * (1 + 1e-6) + 1e-9)
    # the zoom is the points': the grid costs their picture at most the cap (the cube's and a wide
    # region's fit of each framing compared; a few % of slack for the eased centre, which follows
    # the grid too)
    for aspect in (None, np.array([16.0, 9.0, 9.0])):
        seen = np.ones(3) if aspect is None else aspect / aspect.max()
        wide = points.with_context([grid], aspect=aspect)
        for s in range(n):
            for t in (0.0, 0.5, 1.0):
                got = np.max(wide.framing_box(s, t)[1] / seen)
                own = np.max(points.framing_box(s, t)[1] / seen)
                assert got <= FRAMING_CAP * own * 1.05
    # a grid thrown far past the points (here: scaled 50 times) is taken in only up to the cap
    far = flow.trace(50.0 * grid.points)
    capped = points.with_context([far])
    assert float(np.max(capped.framing_box(0, 0.0)[1])) < 0.1 * float(np.max(far.at(0, 0.0)))


# --------------------------------------------------------------------------- inputs and options


def test_one_dimensional_inputs_embed_on_the_x_axis():
    net = make_net([1, 4, 1], "tanh", "regression", seed=0)
    flow = build_flow(net)
    x = np.linspace(-2, 2, 9)
    tr = flow.trace(x)
    np.testing.assert_array_equal(tr.at(0, 0.0), np.column_stack([x, 0 * x, 0 * x]))
    assert np.isnan(flow.accuracy(x, x))


def test_bad_inputs_and_options_are_reported():
    net = make_net([2, 3, 8, 1], "tanh", "binary", seed=0)
    with pytest.raises(ValueError, match="wide_dim"):
        build_flow(net, wide_dim=2)
    flow = build_flow(net)
    assert flow.wide_dim == 3
    with pytest.raises(ValueError, match=r"\(M, 2\)"):
        flow.trace(np.zeros((5, 3)))


def test_build_flow_leaves_the_network_alone():
    net = make_net([2, 2, 2, 1], "tanh", "binary", seed=3, negative_det=True)
    copy = Network([W.copy() for W in net.weights], [b.copy() for b in net.biases],
                   net.activations, net.task)
    flow = build_flow(net)
    for W, W0 in zip(net.weights, copy.weights, strict=True):
        np.testing.assert_array_equal(W, W0)
    assert flow.network is not net


# --------------------------------------------------------------------------- any architecture


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    d_in=hs.integers(1, 4),
    hidden=hs.lists(hs.integers(1, 6), min_size=0, max_size=3),
    act=hs.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "elu", "softplus"]),
    task=hs.sampled_from(["binary", "multiclass", "regression"]),
    seed=hs.integers(0, 2**16),
)
def test_any_architecture_keeps_every_invariant(d_in, hidden, act, task, seed):
    widths = [d_in, *hidden, {"binary": 1, "multiclass": 3, "regression": 1}[task]]
    net = make_net(widths, act, task, seed, negative_det=True)
    X = sample_inputs(d_in, 60, seed)
    flow = build_flow(net, reference=X)
    tr = flow.trace(X)
    fwd = flow.network.forward(X)
    for stage in flow.stages:
        if stage.kind in ("bias", "activation"):
            m = widths[stage.layer + 1]
            want = fwd.pre[stage.layer] if stage.kind == "bias" else fwd.post[stage.layer]
            np.testing.assert_allclose(tr.full(stage.index, 1.0)[:, :m], want, atol=1e-9)
        assert stage.dim in (2, 3)
    for s in range(len(flow.stages) - 1):
        np.testing.assert_allclose(tr.at(s, 1.0), tr.at(s + 1, 0.0), atol=1e-9)
    if task != "regression":
        P = tr.at(len(flow.stages) - 1, 1.0)
        z = fwd.logits
        for i, j, w, c in flow.output_boundaries():
            margin = z[:, 0] if task == "binary" else z[:, i] - z[:, j]
            np.testing.assert_allclose(P @ w + c, margin, atol=1e-9 * (1 + np.abs(z).max()))


def test_projection_does_not_turn_when_the_cloud_only_shifts():
    """PCA of W h and of W h + b agree; with signs aligned the "+ b" stage keeps its frame."""
    flow = build_flow(make_net([2, 8, 8, 1], "tanh", "binary", seed=6))
    shifts = [st.index for st in flow.stages if st.kind == "bias"]
    assert shifts
    for s in shifts:
        np.testing.assert_allclose(flow.basis(s, 1.0), flow.basis(s, 0.0), atol=1e-9)


def test_squash_keeps_the_picture_still_when_pca_picks_a_squashed_direction():
    # found by the property test above: a relu layer leaves fewer directions than the display
    # has axes, PCA fills one with a coordinate the squash drops, and the picture jumped 1e-6
    widths = [1, 1, 6, 5, 1]
    net = make_net(widths, "relu", "binary", 13471, negative_det=True)
    X = sample_inputs(1, 60, 13471)
    flow = build_flow(net, reference=X)
    tr = flow.trace(X)
    for s in range(len(flow.stages) - 1):
        np.testing.assert_allclose(tr.at(s, 1.0), tr.at(s + 1, 0.0), atol=1e-9)


# --------------------------------------------------------------------------- regression: level sets


def _mlp(net, X):
    """ŷ of a tanh/relu regression MLP, written out here (not nnanim's forward pass)."""
    h = np.asarray(X, dtype=float)
    for W, b, act in zip(net.weights[:-1], net.biases[:-1], net.activations, strict=False):
        z = h @ W.T + b
        h = np.tanh(z) if act.name == "tanh" else np.maximum(z, 0.0)
    return (h @ net.weights[-1].T + net.biases[-1])[:, 0]


@pytest.mark.parametrize(
    "widths, act, tol",
    [([2, 6, 6, 1], "tanh", 1e-9), ([2, 8, 4, 1], "relu", 1e-6), ([2, 3, 2, 1], "tanh", 1e-9),
     ([2, 5, 1], "tanh", 1e-9)],
)
def test_level_curves_are_preimages_of_parallel_lines_in_the_last_hidden_space(widths, act, tol):
    net = make_net(widths, act, "regression", seed=5)
    X = sample_inputs(2, 2000)
    levels = level_values(_mlp(net, X), 5)
    # evenly spaced across the middle 80 % of the outputs
    lo, hi = np.quantile(_mlp(net, X), [0.1, 0.9])
    np.testing.assert_allclose(levels, np.linspace(lo, hi, 5))
    found = level_curves(net, BOUNDS, levels, resolution=150)
    assert {k for k, _ in found} == set(range(5))
    scale = np.ptp(_mlp(net, X))
    flow = build_flow(net, reference=X)
    w, b = flow.output_affine()
    last = len(flow.stages) - 1
    for k, L in found:
        assert L.shape[1] == 2 and len(L) >= 2
        assert np.quantile(np.abs(_mlp(net, L) - levels[k]), 0.99) <= tol * scale
        # carried through the flow they end on the straight line w·p + b = c
        end = flow.trace(L).at(last, 1.0)
        assert np.quantile(np.abs(end @ w + b - levels[k]), 0.99) <= tol * scale
    # and the output is that affine function of the final display points (exactly)
    end = flow.trace(X).at(last, 1.0)
    np.testing.assert_allclose(flow.output_values(end[:, :2] if flow.stages[-1].dim == 2 else end),
                               _mlp(net, X), atol=1e-9 * scale)


def test_level_points_of_a_one_dimensional_input():
    net = make_net([1, 2, 2, 1], "tanh", "regression", seed=3, gain=3.0)
    x = np.linspace(-2, 2, 4001)
    y = _mlp(net, x[:, None])
    levels = level_values(y, 5)
    found = level_points(net, (-2.0, 2.0), levels)
    for k, P in found:
        assert P.shape[1] == 1
        np.testing.assert_allclose(_mlp(net, P), levels[k], atol=1e-9 * np.ptp(y))
        # as many crossings as the dense sampling written here sees
        above = y > levels[k]
        crossings = np.sum(above[:-1] != above[1:])
        assert len(P) == crossings
    assert sum(len(P) for _, P in found) >= 5
    # the line (x, 0) is laid into the plane by the first stage: its end is x·w + 0 exactly
    flow = build_flow(net)
    assert flow.stages[0].caption == "layer 1 · W·x, lift 1 → 2"
    tr = flow.trace(x)
    W0 = flow.network.weights[0]
    np.testing.assert_allclose(tr.full(0, 1.0), x[:, None] * W0[:, 0], atol=1e-12)
    w, b = flow.output_affine()
    end = tr.at(len(flow.stages) - 1, 1.0)
    np.testing.assert_allclose(end @ w + b, y, atol=1e-9 * np.ptp(y))
    np.testing.assert_allclose(flow.r_squared(x, y + 0.1 * np.sin(7 * x)),
                               1 - np.sum((0.1 * np.sin(7 * x)) ** 2)
                               / np.sum((y + 0.1 * np.sin(7 * x) - np.mean(y + 0.1 * np.sin(7 * x))) ** 2))


def test_level_values_of_a_constant_output_are_none():
    assert len(level_values(np.full(50, 0.3))) == 0
    with pytest.raises(ValueError, match="regression"):
        level_curves(make_net([2, 4, 1], "tanh", "binary", seed=0), BOUNDS, [0.0])
    with pytest.raises(ValueError, match="regression"):
        build_flow(make_net([2, 4, 1], "tanh", "binary", seed=0)).output_affine()


def test_cross_flow_lifts_the_plane_onto_its_feature():
    from nnanim.core.flow import CrossFlow
    from nnanim.core.nn import Network

    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (200, 2))
    w, c = np.array([0.3, -0.2, 1.5]), -0.6
    flow = CrossFlow(lambda x, y: x ** 2 + y ** 2, Network([w[None, :]], [np.array([c])], [], "binary"),
                     X, "lift")
    trace = flow.trace(X)
    assert [s.kind for s in flow.stages] == ["lift", "output"]
    assert np.allclose(trace.at(0, 0.0), np.column_stack([X, np.zeros(200)]), atol=1e-12)
    lifted = np.column_stack([X, X[:, 0] ** 2 + X[:, 1] ** 2])
    assert np.allclose(trace.at(0, 1.0), lifted, atol=1e-12)
    assert np.allclose(trace.at(0, 0.5)[:, 2], lifted[:, 2] / 2)  # straight up, no jump
    assert np.allclose(trace.at(1, 0.0), lifted, atol=1e-12)
    wd, cd = flow.output_boundary()  # the model's plane, in display coordinates
    assert np.allclose(lifted @ wd + cd, lifted @ w + c)
    assert flow.accuracy(X, (lifted @ w + c > 0).astype(int)) == 1.0
    curves = flow.preimage((-1.1, 1.1, -1.1, 1.1))
    assert curves  # the circle-ish curve where the plane cuts the paraboloid
    for line in curves:
        up = flow.trace(line).at(1, 0.0)  # carried through the lift, it lies on the plane
        assert np.max(np.abs(up @ wd + cd)) < 1e-9


def test_zero_set_is_on_the_zero_set():
    from nnanim.core.curves import is_closed, zero_set

    (loop,) = zero_set(lambda P: P[:, 0] ** 2 + 2 * P[:, 1] ** 2 - 0.5, (-1, 1, -1, 1))
    assert is_closed(loop)
    assert np.max(np.abs(loop[:, 0] ** 2 + 2 * loop[:, 1] ** 2 - 0.5)) < 1e-9
    assert not zero_set(lambda P: P[:, 0] ** 2 + 1.0, (-1, 1, -1, 1))
