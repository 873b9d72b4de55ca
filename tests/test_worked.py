"""nnanim.core.worked: one point's forward pass with its numbers, against a forward pass written here."""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.core.nn import Network
from nnanim.core.record import train
from nnanim.core.worked import (
    CONFIDENCE,
    MINUS,
    default_point,
    facing_angles,
    number,
    parameter_counts,
    point_limits,
    worked_pass,
)


def _relu(z):
    return np.where(z > 0, z, 0.0)


def _forward(weights, biases, x, task):
    """Every layer's (W·x, z, output) by hand: ReLU hidden layers, sigmoid / softmax output."""
    out, h = [], np.asarray(x, dtype=float)
    for l, (W, b) in enumerate(zip(weights, biases)):
        wx = np.array([sum(W[i, j] * h[j] for j in range(W.shape[1])) for i in range(W.shape[0])])
        z = wx + b
        if l < len(weights) - 1:
            h = _relu(z)
        elif task == "binary":
            p = 1.0 / (1.0 + np.exp(-z[0]))
            h = np.array([1.0 - p, p])
        else:
            e = np.exp(z - z.max())
            h = e / e.sum()
        out.append((wx, z, h))
    return out


@pytest.fixture(scope="module")
def relu_run():
    return train(dataset="moons", hidden=[3, 2], activation="relu", seed=2, epochs=300, n_samples=200)


def test_numbers_have_two_decimals_and_a_real_minus():
    assert number(1.234) == "1.23"
    assert number(-1.235001) == f"{MINUS}1.24"
    assert number(-0.001) == f"{MINUS}0.00"  # negative: the ReLU strikes it, the sign says why
    assert number(0.0) == "0.00" and number(12) == "12.00"
    assert MINUS == "\u2212" and "-" not in number(-3.5)


def test_every_layer_matches_a_forward_pass_by_hand(relu_run):
    net = relu_run.network()
    x = np.array([0.3, -0.45])
    work = worked_pass(net, x)
    mine = _forward([W[-1] for W in relu_run.weights], [b[-1] for b in relu_run.biases], x, "binary")
    assert len(work.layers) == 3
    for layer, (wx, z, h), W in zip(work.layers, mine, relu_run.weights, strict=True):
        assert np.array_equal(layer.W, W[-1])
        assert np.allclose(layer.terms, W[-1] * layer.inputs, atol=1e-12)
        assert np.allclose(layer.products, wx, atol=1e-12)
        assert np.allclose(layer.pre, z, atol=1e-12)
        assert np.allclose(layer.post, h, atol=1e-12)
        if layer.hidden:
            assert list(np.flatnonzero(layer.struck)) == list(np.flatnonzero(z < 0))
    assert work.predicted == int(mine[-1][1][0] > 0)
    assert np.allclose(work.probabilities, mine[-1][2])


def test_softmax_output_for_three_classes():
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(4, 2)), rng.normal(size=(3, 4))]
    biases = [rng.normal(size=4), rng.normal(size=3)]
    net = Network(weights, biases, ["relu"], "multiclass")
    work = worked_pass(net, [0.2, 0.7])
    mine = _forward(weights, biases, [0.2, 0.7], "multiclass")
    assert np.allclose(work.probabilities, mine[-1][2]) and work.probabilities.sum() == pytest.approx(1)
    assert work.predicted == int(np.argmax(mine[-1][1]))


def test_parameter_counts_are_the_sizes_of_the_weights_and_biases(relu_run):
    rows, total = parameter_counts(relu_run.widths)
    assert [(w, b) for _, _, w, b in rows] == [(W[-1].size, b[-1].size)
                                               for W, b in zip(relu_run.weights, relu_run.biases)]
    assert total == sum(W[-1].size + b[-1].size for W, b in zip(relu_run.weights, relu_run.biases))
    assert parameter_counts([2, 3, 2, 1]) == ([(2, 3, 6, 3), (3, 2, 6, 2), (2, 1, 2, 1)], 20)


def test_the_default_point_follows_its_rule(relu_run):
    net = relu_run.network()
    point, label = default_point(net, relu_run.X, relu_run.y)
    P = np.round(relu_run.X, 2)
    hits = np.flatnonzero(np.all(P == point, axis=1))
    assert len(hits) and label == relu_run.y[hits[0]]  # a data point, rounded to two decimals
    weights = [W[-1] for W in relu_run.weights]
    biases = [b[-1] for b in relu_run.biases]

    def story(x, y):
        layers = _forward(weights, biases, x, "binary")
        zs = [z for _, z, _ in layers[:-1]]
        p = layers[-1][2][int(y)]
        ok = int(layers[-1][1][0] > 0) == y and all((z < 0).any() and (z >= 0).any() for z in zs)
        return ok, abs(p - CONFIDENCE), sum(int((z < 0).sum()) for z in zs)

    ok, gap, struck = story(point, label)
    assert ok
    for x, y in zip(P, relu_run.y):  # no other point fits the rule better
        other = story(x, y)
        if other[0]:
            assert (other[1], -other[2]) >= (gap, -struck) or np.allclose(x, point)


def test_the_default_point_of_an_untrained_network_still_exists():
    run = train(dataset="moons", hidden=[2], activation="relu", epochs=0, n_samples=30)
    point, label = default_point(run.network(), run.X, run.y)
    assert point.shape == (2,) and label in (0, 1)


def test_facing_angles_look_straight_at_the_plane():
    rng = np.random.default_rng(0)
    for _ in range(20):
        W = rng.normal(size=(3, 2))
        elev, azim = facing_angles(W)
        assert 0 <= elev <= np.pi / 2
        ca, sa, ce, se = np.cos(azim), np.sin(azim), np.cos(elev), np.sin(elev)
        y = W[0] * sa + W[1] * ca  # the view of FlowView.project, written out
        depth = -y * se + W[2] * ce
        assert np.allclose(depth, 0.0, atol=1e-12)
    assert facing_angles(np.zeros((3, 2)), 0.3) == (0.3, 0.0)


def test_point_limits_are_the_data_box_widened_by_its_size():
    X = np.array([[0.0, -1.0], [2.0, 1.0]])
    lo, hi = point_limits(X)
    assert np.allclose(lo, [-2.0, -3.0]) and np.allclose(hi, [4.0, 3.0])
