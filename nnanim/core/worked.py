"""One point through a small network, written out with its numbers (the classic exercise by hand).

:func:`worked_pass` carries one input point through every layer of a
:class:`~nnanim.core.nn.Network` and keeps each intermediate number a scene writes
on screen: the products ``w_ij · x_j`` and their row sums ``W·x``, the
pre-activations ``z = W·x + b``, the activations (for ReLU: which units a
negative ``z`` strikes to 0) and the output (sigmoid, softmax or the linear
value).  :func:`parameter_counts` counts weights and biases per layer;
:func:`default_point` picks the point a scene shows when none is given, by a
rule computed from the run; :func:`number` writes a number as the screen
shows it (two decimals, a real minus sign).

Everything is computed in full precision; only :func:`number` rounds.
Pure NumPy: no manim import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnanim.core import notation
from nnanim.core.nn import Network

__all__ = [
    "CONFIDENCE",
    "MAX_CLASSES",
    "MAX_HIDDEN_LAYERS",
    "MAX_UNITS",
    "MINUS",
    "LayerWork",
    "WorkedPass",
    "default_point",
    "facing_angles",
    "number",
    "parameter_counts",
    "point_limits",
    "worked_pass",
]

Array = np.ndarray

#: the largest network whose matrices stay readable on screen (a phone's width at 30 px digits)
MAX_HIDDEN_LAYERS = 2
MAX_UNITS = 4
MAX_CLASSES = 4
#: the probability of its own class that the default point is chosen closest to
CONFIDENCE = 0.9
#: the minus sign on screen (U+2212), not a hyphen
MINUS = notation.MINUS


def number(x: float, decimals: int = 2) -> str:
    """``x`` with ``decimals`` decimals and a real minus sign: ``-1.234`` → ``"−1.23"``.

    A negative number that rounds to zero keeps its sign (``"−0.00"``): it
    tells why a ReLU strikes it.
    """
    return notation.number(x, decimals, keep_negative_zero=True)


@dataclass(frozen=True)
class LayerWork:
    """One layer of a worked pass: ``z = W·x + b``, then the activation (or the output function).

    ``terms[i, j] = W[i, j] · inputs[j]``; ``products = terms.sum(1)`` (``W·x``);
    ``pre = products + b``; ``post`` the activation of ``pre`` (hidden layer)
    or the output (output layer: probabilities of every class, ``(K,)``, for
    a classifier — two for binary, ``[1 − p, p]`` — or the value itself for
    regression).  ``struck`` marks the units a ReLU sets to 0 (``pre < 0``).
    """

    index: int
    W: Array
    b: Array
    inputs: Array
    terms: Array
    products: Array
    pre: Array
    post: Array
    function: str  # the activation's name, or "sigmoid" / "softmax" / "linear" for the output
    struck: Array
    hidden: bool


@dataclass(frozen=True)
class WorkedPass:
    """Every layer of one point's forward pass, and what the network makes of it."""

    point: Array
    layers: list[LayerWork]
    task: str

    @property
    def output(self) -> LayerWork:
        return self.layers[-1]

    @property
    def probabilities(self) -> Array:
        """``(K,)`` class probabilities (binary: ``[1 − p, p]``)."""
        if self.task == "regression":
            raise ValueError("a regression network has no class probabilities")
        return self.output.post

    @property
    def predicted(self) -> int:
        """The predicted class (the most probable one; binary: 1 when ``z > 0``)."""
        if self.task == "binary":
            return int(self.output.pre[0] > 0)
        return int(np.argmax(self.output.pre))


def worked_pass(net: Network, point, decimals: int | None = None) -> WorkedPass:
    """Carry ``point`` (``(d,)``) through ``net``, keeping every number of every layer.

    ``decimals`` ``None``: every number in full precision.  ``decimals = 2``:
    the pass as written by hand, where every sum on the page is the sum of the
    numbers on the page: the point, ``W`` and ``b`` are taken as written (to
    two decimals); each row ``W·x`` is the exact sum of the written factors'
    products, written (rounded) to two decimals; ``z = W·x + b`` is then the
    exact sum of two written numbers, and the next layer starts from the
    written ``h``.  The output probabilities come from the written ``z``.
    """
    h = np.asarray(point, dtype=float).reshape(-1)
    if decimals is not None:
        h = np.round(h, decimals)
        net = Network([np.round(W, decimals) for W in net.weights],
                      [np.round(b, decimals) for b in net.biases], net.activations, net.task)
    if h.shape[0] != net.widths[0]:
        raise ValueError(f"the network takes {net.widths[0]} inputs, got a point of {h.shape[0]}")
    layers = []
    last = len(net.weights) - 1
    for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        terms = W * h[None, :]
        products = terms.sum(axis=1)
        if decimals is not None:
            products = np.round(products, decimals)
        pre = products + b
        if decimals is not None:  # two written numbers add up exactly to their written sum
            pre = np.round(pre, decimals)
        if l < last:
            act = net.activations[l]
            post = act.f(pre[None, :])[0]
            if decimals is not None:
                post = np.round(post, decimals)
            name = act.name
            struck = (pre < 0) & (post == 0) if name == "relu" else np.zeros(len(pre), dtype=bool)
        else:
            name = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}[net.task]
            out = net.loss_fn.output(pre[None, :])
            if net.task == "binary":
                p = float(np.asarray(out).reshape(-1)[0])
                post = np.array([1.0 - p, p])
            else:
                post = np.asarray(out, dtype=float).reshape(-1)
            struck = np.zeros(len(pre), dtype=bool)
        layers.append(LayerWork(l, W.copy(), b.copy(), h.copy(), terms, products, pre, post, name,
                                struck, l < last))
        h = post
    return WorkedPass(np.asarray(point, dtype=float).reshape(-1).copy(), layers, net.task)


def parameter_counts(widths) -> tuple[list[tuple[int, int, int, int]], int]:
    """``([(n_in, n_out, weights, biases) per layer], total)`` of a network of ``widths``.

    ``widths`` is ``[d_in, hidden..., d_out]``; layer ``l`` has an ``n_out × n_in``
    weight matrix and ``n_out`` biases.
    """
    rows = [(int(a), int(b), int(a) * int(b), int(b)) for a, b in zip(widths[:-1], widths[1:])]
    return rows, sum(w + b for _, _, w, b in rows)


def point_limits(X: Array) -> tuple[Array, Array]:
    """``(low, high)``: where a chosen point may lie — the data's box widened by its size each way.

    Farther out, the data would shrink to a speck in a picture that must show the point too.
    """
    lo, hi = np.min(X, axis=0), np.max(X, axis=0)
    span = np.maximum(hi - lo, 1e-9)
    return lo - span, hi + span


def default_point(net: Network, X: Array, y: Array) -> tuple[Array, int]:
    """The point shown when none is given: a data point, rounded to two decimals, that tells the story.

    Rule (deterministic, on the rounded points, so that the numbers on screen
    are the point's own): among the points the network classifies correctly
    (regression: all), keep those where every hidden layer has at least one
    unit at 0 (struck by the ReLU, or ``z < 0`` for other activations) *and*
    at least one unit not at 0 (so the signal reaches the output); take the
    one whose probability of its class is closest to :data:`CONFIDENCE` (sure,
    but not so sure that the output reads 1.00; regression: the smallest
    error), then the one with the most units at 0, then the first.
    If no point qualifies, the conditions are dropped in that order (both
    kinds of unit, then correctness), down to the first data point.
    Returns ``(point (2,), its class)`` (regression: ``0``).
    """
    P = np.round(np.asarray(X, dtype=float), 2)
    fwd = net.forward(P)
    pre = fwd.pre[:-1]
    off = [z < 0 for z in pre]
    struck = sum(o.sum(axis=1) for o in off) if off else np.zeros(len(P))
    some_off = np.all([o.any(axis=1) for o in off], axis=0) if off else np.ones(len(P), bool)
    some_on = np.all([(~o).any(axis=1) for o in off], axis=0) if off else np.ones(len(P), bool)
    z = fwd.logits
    if net.task == "regression":
        correct = np.ones(len(P), dtype=bool)
        confidence = -np.abs(z[:, 0] - y)
    else:
        labels = np.asarray(y).astype(int)
        correct = net.labels_from_logits(z) == labels
        probs = net.loss_fn.output(z)
        if net.task == "binary":
            probs = np.column_stack([1.0 - probs, probs])
        confidence = -np.abs(probs[np.arange(len(P)), labels] - CONFIDENCE)
    for keep in (correct & some_off & some_on, correct & some_off, correct, np.ones(len(P), bool)):
        if keep.any():
            idx = np.flatnonzero(keep)
            order = np.lexsort((idx, -struck[idx], -confidence[idx]))
            i = idx[order[0]]
            return P[i].copy(), int(y[i]) if net.task != "regression" else 0
    raise ValueError("no data points")


def facing_angles(W: Array, lean: float = 0.0) -> tuple[float, float]:
    """``(elev, azim)`` of a 3-D view that looks straight at the plane ``W`` (3 × 2) maps the input to.

    With the view of :meth:`nnanim.draw.mobjects.FlowView.project` (turn by ``azim``
    about the vertical axis, then tilt by ``elev``), the plane spanned by
    ``W``'s columns faces the viewer: its normal is the depth axis, so the
    plane is seen whole, not edge-on.  ``lean`` (radians) tilts the view that
    much further (back, when it would pass the vertical), to keep a sense of
    depth.  A plane of rank < 2 has no normal: the default tilt ``(lean, 0)``.
    """
    n = np.cross(W[:, 0], W[:, 1])
    if not np.linalg.norm(n) > 1e-12:
        return float(lean), 0.0
    if n[2] > 0:
        n = -n
    azim = float(np.arctan2(n[0], n[1])) if np.hypot(n[0], n[1]) > 1e-12 else 0.0
    elev = float(np.arctan2(np.hypot(n[0], n[1]), -n[2]))
    elev = elev + lean if elev + lean <= np.pi / 2 else elev - lean
    return elev, azim
