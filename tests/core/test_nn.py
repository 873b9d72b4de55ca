"""The network core against independent references: finite differences and closed forms."""

import numpy as np
import pytest

from nnanim.core.nn import (
    ACTIVATIONS,
    LOSSES,
    Adam,
    Momentum,
    Network,
    Optimizer,
    get_activation,
    init_network,
    make_optimizer,
    r_squared,
)

EPS = 1e-6


def central_diff(f, x, eps=EPS):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    # avoid the kink of relu-like functions at exactly 0
    z = np.linspace(-4, 4, 801)
    z = z[np.abs(z) > 1e-3]
    numeric = central_diff(act.f, z)
    np.testing.assert_allclose(act.df(z), numeric, rtol=1e-6, atol=1e-7)
    # the backprop form (from z and h) agrees with df
    np.testing.assert_allclose(act.grad(z, act.f(z)), act.df(z), rtol=1e-12, atol=1e-12)


def test_activation_values_against_closed_forms():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].f(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ACTIVATIONS["relu"].f(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(ACTIVATIONS["softplus"].f(z), np.log1p(np.exp(z)))
    np.testing.assert_allclose(ACTIVATIONS["elu"].f(z), np.where(z > 0, z, np.exp(z) - 1))
    # gelu(x) = x Φ(x); Φ(1) = 0.8413447460685429
    np.testing.assert_allclose(ACTIVATIONS["gelu"].f(np.array([1.0])), [0.8413447460685429])
    assert np.all(np.isfinite(ACTIVATIONS["softplus"].f(np.array([-800.0, 800.0]))))


def test_unknown_activation_lists_choices():
    with pytest.raises(ValueError, match="choose from tanh, sigmoid, relu"):
        get_activation("swish")


@pytest.mark.parametrize("task,k", [("binary", 1), ("multiclass", 4), ("regression", 1)])
def test_loss_gradient_matches_finite_differences(task, k):
    rng = np.random.default_rng(1)
    loss = LOSSES[task]
    z = rng.normal(size=(7, k)) * 3
    y = rng.normal(size=7) if task == "regression" else rng.integers(0, max(k, 2), size=7)
    grad = loss.grad(z, y)
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += EPS
        zm[idx] -= EPS
        numeric[idx] = (loss.value(zp, y) - loss.value(zm, y)) / (2 * EPS)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


def test_losses_are_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]])
    assert np.isfinite(LOSSES["multiclass"].value(z, np.array([0, 1])))
    assert LOSSES["multiclass"].value(z, np.array([0, 1])) == pytest.approx(0.0, abs=1e-12)
    assert LOSSES["multiclass"].value(z, np.array([1, 0])) == pytest.approx(2000.0)
    zb = np.array([[800.0], [-800.0]])
    assert LOSSES["binary"].value(zb, np.array([1, 0])) == pytest.approx(0.0, abs=1e-12)
    assert LOSSES["binary"].value(zb, np.array([0, 1])) == pytest.approx(800.0)
    assert np.all(np.isfinite(LOSSES["binary"].grad(zb, np.array([0, 1]))))


def _numeric_network_grads(net, X, y, l2):
    """Central differences of the loss for every weight and bias, parameter by parameter."""

    def numeric(params):
        grads = []
        for P in params:
            g = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                old = P[idx]
                P[idx] = old + EPS
                lp = net.loss(X, y, l2)
                P[idx] = old - EPS
                lm = net.loss(X, y, l2)
                P[idx] = old
                g[idx] = (lp - lm) / (2 * EPS)
            grads.append(g)
        return grads

    return numeric(net.weights), numeric(net.biases)


@pytest.mark.parametrize(
    "task,acts,l2",
    [
        ("binary", ["tanh", "sigmoid", "gelu"], 0.0),
        ("multiclass", ["elu", "softplus"], 0.01),
        ("regression", ["leaky_relu", "linear"], 0.1),
        ("binary", ["relu", "tanh"], 0.05),
    ],
)
def test_network_gradients_match_finite_differences(task, acts, l2):
    rng = np.random.default_rng(42)
    k = 3 if task == "multiclass" else 1
    widths = [2, *([5] * len(acts)), k]
    net = init_network(widths, acts, task, rng)
    for b in net.biases:
        b[:] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(11, 2))
    y = rng.normal(size=11) if task == "regression" else rng.integers(0, max(k, 2), size=11)
    loss, gW, gb, _ = net.gradients(X, y, l2)
    assert loss == pytest.approx(net.loss(X, y, l2))
    nW, nb = _numeric_network_grads(net, X, y, l2)
    for a, b in zip(gW + gb, nW + nb):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "task,widths,acts",
    [
        ("binary", [2, 5, 4, 1], ["tanh", "gelu"]),
        ("multiclass", [2, 6, 3], ["sigmoid"]),
        ("multiclass", [3, 4, 4, 4], ["softplus", "elu"]),
        ("regression", [1, 5, 1], ["leaky_relu"]),
        ("binary", [2, 1], []),
    ],
)
def test_input_gradient_matches_finite_differences(task, widths, acts):
    rng = np.random.default_rng(7)
    net = init_network(widths, acts, task, rng)
    for b in net.biases:
        b[:] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(9, widths[0]))
    K = widths[-1]
    per_point = rng.normal(size=(9, K))

    def weighted_logits(X, C):
        return np.sum(C * net.forward(X).logits, axis=1)

    for C in (per_point, np.ones(K), np.eye(K)[-1] - np.eye(K)[0]):
        numeric = np.zeros_like(X)
        for d in range(X.shape[1]):
            step = np.zeros_like(X)
            step[:, d] = EPS
            numeric[:, d] = (weighted_logits(X + step, C) - weighted_logits(X - step, C)) / (2 * EPS)
        np.testing.assert_allclose(net.input_gradient(X, C), numeric, rtol=1e-6, atol=1e-8)
    # an already computed forward pass gives the same (and is left as it was)
    fwd = net.forward(X)
    logits = fwd.logits.copy()
    np.testing.assert_array_equal(net.input_gradient(X, per_point, fwd), net.input_gradient(X, per_point))
    np.testing.assert_array_equal(fwd.logits, logits)


def test_loss_from_logits_is_the_loss_of_those_logits():
    rng = np.random.default_rng(3)
    net = init_network([2, 4, 3], ["tanh"], "multiclass", rng)
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 3, size=10)
    z = net.forward(X).logits
    # cross-entropy by hand, plus λ/2 Σ‖W‖²
    ce = np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(10), y])
    penalty = 0.5 * 0.2 * sum(np.sum(W**2) for W in net.weights)
    assert net.loss_from_logits(z, y) == pytest.approx(ce)
    assert net.loss_from_logits(z, y, 0.2) == pytest.approx(ce + penalty)
    assert net.loss(X, y, 0.2) == net.loss_from_logits(z, y, 0.2)


def test_forward_follows_the_convention():
    # h_{l+1} = σ(W_l h_l + b_l) with W of shape (out, in)
    W0 = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    b0 = np.array([0.5, 0.0, -1.0])
    W1 = np.array([[1.0, -1.0, 2.0]])
    b1 = np.array([0.25])
    net = Network([W0, W1], [b0, b1], ["relu"], "binary")
    x = np.array([[1.0, 1.0]])
    fwd = net.forward(x)
    np.testing.assert_allclose(fwd.pre[0], [[3.5, -1.0, 3.0]])
    np.testing.assert_allclose(fwd.post[0], [[3.5, 0.0, 3.0]])
    np.testing.assert_allclose(fwd.logits, [[3.5 + 6.0 + 0.25]])
    assert net.predict(x).tolist() == [1]


def test_init_scales_by_activation():
    rng = np.random.default_rng(0)
    he = init_network([400, 400, 1], ["relu"], "binary", rng)
    xav = init_network([400, 400, 1], ["tanh"], "binary", rng)
    assert he.weights[0].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert xav.weights[0].std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)
    assert 0 < np.abs(he.biases[0]).max() <= 0.1


def test_optimizers_against_hand_computed_steps():
    g = np.array([0.5, -2.0])
    p = np.array([1.0, 1.0])
    Optimizer(0.1).step([p], [g])
    np.testing.assert_allclose(p, [0.95, 1.2])

    p = np.array([1.0, 1.0])
    m = Momentum(0.1, beta=0.9)
    m.step([p], [g])
    m.step([p], [g])
    # v1 = -0.1 g, v2 = 0.9 v1 - 0.1 g = -0.19 g; p = 1 + v1 + v2 = 1 - 0.29 g
    np.testing.assert_allclose(p, 1 - 0.29 * g)

    p = np.array([1.0, 1.0])
    a = Adam(0.01)
    a.step([p], [g])
    # first Adam step moves every coordinate by lr against the sign of its gradient
    np.testing.assert_allclose(p, 1 - 0.01 * np.sign(g), rtol=1e-6)


def test_make_optimizer_rejects_bad_values():
    with pytest.raises(ValueError, match="choose from sgd, momentum, adam"):
        make_optimizer("rmsprop", 0.1)
    with pytest.raises(ValueError, match="positive"):
        make_optimizer("sgd", 0.0)


def test_r_squared_against_its_definition():
    rng = np.random.default_rng(5)
    y = rng.normal(size=50)
    y_hat = y + rng.normal(scale=0.3, size=50)
    ss_res = sum((a - b) ** 2 for a, b in zip(y, y_hat))
    mean = sum(y) / len(y)
    ss_tot = sum((a - mean) ** 2 for a in y)
    assert r_squared(y, y_hat) == pytest.approx(1 - ss_res / ss_tot, rel=1e-12)
    assert r_squared(y, y) == 1.0
    assert r_squared(y, np.full_like(y, y.mean())) == pytest.approx(0.0, abs=1e-12)
    assert r_squared(np.ones(4), np.ones(4)) == 1.0
    assert r_squared(np.ones(4), np.zeros(4)) == 0.0


def test_collapse_affine_is_the_deep_linear_network():
    from nnanim.core.nn import collapse_affine

    rng = np.random.default_rng(4)
    widths = [2, 5, 3, 4, 3]
    Ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(size=o) for o in widths[1:]]
    net = Network(Ws, bs, ["linear"] * 3, "multiclass")
    W, b = collapse_affine(net)
    X = rng.normal(size=(50, 2))
    h = X  # the layers applied one by one, written out here
    for Wl, bl in zip(Ws, bs):
        h = h @ Wl.T + bl
    assert W.shape == (3, 2) and b.shape == (3,)
    assert np.allclose(X @ W.T + b, h, atol=1e-12)
    assert np.allclose(W, Ws[3] @ Ws[2] @ Ws[1] @ Ws[0])
    with pytest.raises(ValueError, match="linear activations.*tanh"):
        collapse_affine(Network(Ws, bs, ["linear", "tanh", "linear"], "multiclass"))


# --------------------------------------------------------------------------- autoencoder


def test_autoencoder_loss_is_mse_over_samples_and_outputs_with_its_gradient():
    rng = np.random.default_rng(3)
    loss = LOSSES["autoencoder"]
    z, x = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    total = sum((z[i, j] - x[i, j]) ** 2 for i in range(9) for j in range(3))
    assert loss.value(z, x) == pytest.approx(total / 27)
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += EPS
        zm[idx] -= EPS
        numeric[idx] = (loss.value(zp, x) - loss.value(zm, x)) / (2 * EPS)
    np.testing.assert_allclose(loss.grad(z, x), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(loss.output(z), z)


@pytest.mark.parametrize("widths,acts,l2", [([2, 6, 1, 6, 2], ["tanh"] * 3, 0.0),
                                            ([3, 5, 2, 5, 3], ["tanh", "relu", "gelu"], 0.01)])
def test_autoencoder_network_gradients_match_finite_differences(widths, acts, l2):
    rng = np.random.default_rng(7)
    net = init_network(widths, acts, "autoencoder", rng)
    for b in net.biases:
        b[:] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(10, widths[0]))
    labels = rng.integers(0, 2, size=10)  # ignored: the target is X
    loss, gW, gb, _ = net.gradients(X, labels, l2)
    x_hat = net.forward(X).logits
    expected = np.mean((x_hat - X) ** 2) + 0.5 * l2 * sum(np.sum(W**2) for W in net.weights)
    assert loss == pytest.approx(expected)
    assert net.loss(X, None, l2) == pytest.approx(expected)
    nW, nb = _numeric_network_grads(net, X, None, l2)
    for a, b in zip(gW + gb, nW + nb):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8)


def test_autoencoder_code_and_reconstruction_error():
    rng = np.random.default_rng(0)
    net = init_network([2, 4, 1, 4, 2], ["tanh"] * 3, "autoencoder", rng)
    X = rng.normal(size=(6, 2))
    assert net.code_layer == 1
    h1 = np.tanh(X @ net.weights[0].T + net.biases[0])
    code = np.tanh(h1 @ net.weights[1].T + net.biases[1])
    np.testing.assert_allclose(net.encode(X), code)
    out = np.tanh(code @ net.weights[2].T + net.biases[2]) @ net.weights[3].T + net.biases[3]
    assert net.reconstruction_error(X) == pytest.approx(np.mean((out - X) ** 2))
    np.testing.assert_allclose(net.predict(X), out)
    assert np.isnan(net.accuracy(X, np.zeros(6)))


def test_neighbour_r_squared_against_a_brute_force_vote():
    from nnanim.core.nn import neighbour_r_squared

    rng = np.random.default_rng(5)
    Z = rng.normal(size=(60, 2))
    t = Z[:, 0] + 0.3 * rng.normal(size=60)
    d = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    vote = t[np.argsort(d, axis=1)[:, :5]].mean(axis=1)
    expected = 1 - np.sum((t - vote) ** 2) / np.sum((t - t.mean()) ** 2)
    assert neighbour_r_squared(Z, t, k=5) == pytest.approx(expected, rel=1e-12)
    # a line folded onto itself: neighbours in Z have far-apart t
    s = np.linspace(-1, 1, 200)
    assert neighbour_r_squared(np.column_stack([s, 0 * s]), s) > 0.99
    assert neighbour_r_squared(np.column_stack([np.abs(s), 0 * s]), s) < 0.1
