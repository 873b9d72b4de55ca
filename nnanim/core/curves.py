"""Curves and straight lines in display or input space: pure NumPy/SciPy, no Manim.

The geometry the pictures draw, kept apart from the drawing so that it can be
used and tested without Manim:

* :func:`input_grid` — grid lines of the input plane, sampled densely so that
  they bend smoothly when a :class:`~nnanim.core.flow.Flow` warps the plane.
* :func:`decision_boundary` — a network's decision boundary in input space,
  contoured and then moved onto the exact zero set along each grid cell edge.
* :func:`level_values`, :func:`level_curves`, :func:`level_points` — a
  regression network's level sets ``ŷ(x) = c`` in input space (curves of a
  2-D input, points of a 1-D one), moved onto the exact level between the
  grid points that bracket it.
* :func:`clip_line`, :func:`plane_in_box` — a line ``w·p + c = 0`` cut to a
  box, a plane cut to a cube.
* :func:`linear_pairs`, :func:`linear_boundaries` — the pairwise boundaries
  of linear logits ``z = W p + b``, and the parts of them that decide (where
  their two classes lead); :func:`region_segments`, :func:`region_faces` —
  those parts exactly: the segments (2-D) and polygons (3-D) that bound the
  classes' regions.
* :func:`class_probabilities`, :func:`probabilities` — class probabilities
  from logits (a sigmoid for one logit, a softmax for ``K``), and those of
  linear logits as a function of the points.
* :func:`framing_curves` — a square (cube) around moving points, smooth in
  time: what keeps a picture's zoom following the data without jumps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import contourpy
import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.special import expit, softmax

from nnanim.core.nn import Network

__all__ = [
    "Framing",
    "class_probabilities",
    "clip_line",
    "decision_boundary",
    "decoded_curve",
    "epoch_ticks",
    "framing_curves",
    "input_grid",
    "is_closed",
    "level_curves",
    "level_points",
    "level_values",
    "linear_boundaries",
    "linear_pairs",
    "log_ticks",
    "nice_ticks",
    "network_probabilities",
    "plane_grid",
    "plane_in_box",
    "probabilities",
    "region_faces",
    "region_segments",
    "zero_set",
]

Array = np.ndarray
Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------- input-space curves


def clip_line(w: Array, c: float, box: Box) -> Array | None:
    """``(2, 2)`` endpoints of the line ``w·p + c = 0`` inside ``box = (xmin, xmax, ymin, ymax)``.

    ``None`` when the line misses the box (or ``w`` is zero).  Liang-Barsky
    clipping of the line's long chord through the box.
    """
    a, b = float(w[0]), float(w[1])
    norm = np.hypot(a, b)
    if norm < 1e-300:
        return None
    x0, x1, y0, y1 = map(float, box)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    n = np.array([a, b]) / norm
    # the point of the line nearest the box centre, and the line's direction
    p = centre - (n @ centre + c / norm) * n
    d = np.array([-n[1], n[0]])
    reach = np.hypot(x1 - x0, y1 - y0)
    lo, hi = -reach, reach
    for k, (low, high) in enumerate(((x0, x1), (y0, y1))):
        if abs(d[k]) < 1e-15:
            if not (low <= p[k] <= high):
                return None
            continue
        s0, s1 = sorted(((low - p[k]) / d[k], (high - p[k]) / d[k]))
        lo, hi = max(lo, s0), min(hi, s1)
    if hi - lo <= 1e-12 * reach:
        return None
    return np.array([p + lo * d, p + hi * d])


def nice_ticks(lo: float, hi: float, most: int = 5) -> Array:
    """Round values (multiples of 1, 2 or 5 times a power of ten) inside ``[lo, hi]``: at least
    two and at most ``most``, for an axis's tick marks; zero is one of them when it is inside."""
    span = float(hi) - float(lo)
    if not np.isfinite(span) or span <= 0:
        return np.array([float(lo)])
    for step in sorted(m * 10.0 ** e for e in range(int(np.floor(np.log10(span))) - 2,
                                                     int(np.ceil(np.log10(span))) + 1)
                       for m in (1.0, 2.0, 5.0)):
        ticks = np.arange(np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9) + 1) * step
        if len(ticks) <= most:
            return ticks + 0.0  # no negative zero
    return np.array([float(lo), float(hi)])


def log_ticks(lo: float, hi: float, most: int = 4) -> Array:
    """Round values for a log axis over ``[lo, hi]`` (``0 < lo < hi``): powers of ten inside,
    or where fewer than two are, 1, 2 and 5 times them; at most ``most``, every other one
    dropped (from the top) until they fit."""
    if not (0 < lo < hi) or not np.isfinite(hi):
        return np.array([], dtype=float)
    k0, k1 = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    tol = 1e-9
    for steps in ((1.0,), (1.0, 2.0, 5.0)):
        values = np.array([m * 10.0 ** k for k in range(k0, k1 + 1) for m in steps])
        values = values[(values >= lo * (1 - tol)) & (values <= hi * (1 + tol))]
        if len(values) >= 2:
            break
    while len(values) > most:
        values = values[::-1][::2][::-1]  # keep the largest; every other one below it
    return values


def epoch_ticks(last: float) -> Array:
    """Epochs to mark on a log axis ``log(1 + e)`` up to ``last``: 0 and the powers of ten."""
    powers = [10.0 ** k for k in range(1, int(np.floor(np.log10(max(last, 1.0)) + 1e-9)) + 1)]
    return np.array([0.0] + [p for p in powers if p <= last], dtype=float)


def input_grid(
    bounds: Sequence[float], n_lines: int = 21, samples: int = 240
) -> list[Array]:
    """Grid lines of the input plane as polylines ``(samples, 2)``.

    ``n_lines`` vertical lines (constant x) followed by ``n_lines`` horizontal
    ones, evenly spaced over ``bounds = (xmin, xmax, ymin, ymax)``; densely
    sampled so that they bend smoothly when the plane is warped.
    """
    xmin, xmax, ymin, ymax = map(float, bounds)
    s = np.linspace(0.0, 1.0, samples)
    xs, ys = np.linspace(xmin, xmax, n_lines), np.linspace(ymin, ymax, n_lines)
    along_y, along_x = ymin + s * (ymax - ymin), xmin + s * (xmax - xmin)
    vertical = [np.column_stack([np.full(samples, x), along_y]) for x in xs]
    horizontal = [np.column_stack([along_x, np.full(samples, y)]) for y in ys]
    return vertical + horizontal


def decoded_curve(net: Network, lo: float, hi: float, samples: int = 200) -> Array:
    """An autoencoder's learned curve: the decoder's image of its 1-unit code over ``[lo, hi]``.

    ``(samples, d)`` points ``x̂(c)`` for codes ``c`` evenly spaced from ``lo``
    to ``hi``, through the layers after the code (:attr:`Network.code_layer`).
    Every reconstruction lies on it: ``x̂_i = x̂(code_i)``.
    """
    if net.task != "autoencoder":
        raise ValueError(f"a {net.task} network has no decoder")
    k = net.code_layer
    if net.widths[k + 1] != 1:
        raise ValueError(f"the code has {net.widths[k + 1]} units; a curve needs 1")
    h = np.linspace(float(lo), float(hi), samples)[:, None]
    last = len(net.weights) - 1
    for l in range(k + 1, last + 1):
        h = h @ net.weights[l].T + net.biases[l]
        if l < last:
            h = net.activations[l].f(h)
    return h


def _margin(net: Network, cls: int | None, level: float = 0.0) -> Callable[[Array], Array]:
    """The function whose zero set is drawn: the binary logit (``cls`` None) minus ``level``,
    else ``z_cls − max_{j≠cls} z_j``, the margin of class ``cls`` over the runner-up."""
    def f(P: Array) -> Array:
        z = net.forward(P).logits
        if cls is None:
            return z[:, 0] - level
        return z[:, cls] - np.delete(z, cls, axis=1).max(axis=1)
    return f


#: the contouring grid is evaluated exactly on a grid ``_FINE`` times coarser, and at full
#: resolution only inside the coarse cells a curve crosses (:func:`_field`)
_FINE = 4


def _field(F: Callable[[Array], Array], bounds: Sequence[float], resolution: int,
           label: Callable[[Array], Array]) -> tuple[Array, Array, Array]:
    """Axes ``x``, ``y`` of a grid of at least ``resolution²`` points over ``bounds`` and the
    values ``F`` takes there, ``(len(y), len(x), K)``, exact wherever a curve can run.

    ``F(P) -> (M, K)``; ``label(values) -> (M,)`` is the piece of the plane a value belongs to
    (a class, a side of a level): the curves drawn are where it changes.  ``F`` is evaluated
    on a grid ``_FINE`` times coarser and interpolated bilinearly between its nodes; then, in
    every coarse cell whose labels are not all one, on every node of the fine grid, until no
    cell left interpolated has two labels (a curve found at a cell's edge opens the cell
    beside it).  The labels used here keep their value under bilinear interpolation between
    corners that share it (a class whose margins are positive at four corners is positive
    inside; a value between two levels at four corners stays between them), so the fine
    grid finds every curve the full grid would, at the cost of the cells it crosses.
    """
    k = _FINE
    n = max(2, -(-(int(resolution) - 1) // k) + 1)  # coarse nodes per side
    m = (n - 1) * k + 1
    xmin, xmax, ymin, ymax = map(float, bounds)
    x, y = np.linspace(xmin, xmax, m), np.linspace(ymin, ymax, m)
    coarse = np.arange(0, m, k)
    XX, YY = np.meshgrid(x[coarse], y[coarse])
    Zc = np.asarray(F(np.column_stack([XX.ravel(), YY.ravel()])), dtype=float).reshape(n, n, -1)
    # bilinear interpolation as one matrix per axis: fine node i between coarse nodes c, c + 1
    i = np.arange(m)
    c = np.minimum(i // k, n - 2)
    t = (i - c * k) / k
    R = np.zeros((m, n))
    R[i, c], R[i, c + 1] = 1.0 - t, t
    K = Zc.shape[2]
    Z = np.stack([R @ Zc[:, :, q] @ R.T for q in range(K)], axis=2)
    exact = np.zeros((m, m), dtype=bool)
    exact[np.ix_(coarse, coarse)] = True
    labels = np.asarray(label(Z.reshape(-1, K))).reshape(m, m)
    done = np.zeros((n - 1, n - 1), dtype=bool)
    steps = np.arange(k + 1)
    while True:
        todo = _varies(labels, k) & ~done
        if not todo.any():
            return x, y, Z
        done |= todo
        ci, cj = np.nonzero(todo)
        need = np.zeros((m, m), dtype=bool)
        need[(ci[:, None] * k + steps)[:, :, None], (cj[:, None] * k + steps)[:, None, :]] = True
        need &= ~exact
        rows, cols = np.nonzero(need)
        Z[rows, cols] = np.asarray(F(np.column_stack([x[cols], y[rows]])), dtype=float).reshape(-1, K)
        labels[rows, cols] = label(Z[rows, cols])
        exact |= need


def _varies(labels: Array, k: int) -> Array:
    """Per block of ``(k + 1)²`` nodes (blocks ``k`` apart, sharing their edges): whether the
    labels in it are not all one."""
    def spans(a: Array) -> tuple[Array, Array]:  # along the last axis: per block, min and max
        body = a[..., :-1].reshape(*a.shape[:-1], -1, k)
        far = a[..., k::k]
        return np.minimum(body.min(axis=-1), far), np.maximum(body.max(axis=-1), far)

    lo, hi = spans(labels)
    lo, hi = spans(lo.T)[0].T, spans(hi.T)[1].T
    return lo != hi


def _onto_edges(f: Callable[[Array], Array], L: Array, x: Array, y: Array, iters: int = 12) -> Array:
    """Each contour vertex of ``L`` moved onto ``f = 0`` along the grid cell edge it lies on.

    The contour's linear interpolation puts a vertex on a cell edge whose two ends ``f``
    brackets; the root on that edge is found by false position with the Illinois step
    (superlinear for a smooth ``f``, never leaving the bracket).  Every vertex stays on its
    own edge, so the polyline keeps the contour's order: no vertex overtakes its neighbour
    (Newton steps along the gradient, taken one vertex at a time, zigzagged on a coarse grid).
    """
    dx, dy = x[1] - x[0], y[1] - y[0]
    # the cell edge each vertex lies on: vertical edges have x on the grid, horizontal ones y
    u = (L[:, 0] - x[0]) / dx
    on_x = np.abs(u - np.round(u)) < 1e-6
    a, b = L.copy(), L.copy()
    a[on_x, 1] = y[0] + np.floor((L[on_x, 1] - y[0]) / dy) * dy
    b[on_x, 1] = a[on_x, 1] + dy
    a[~on_x, 0] = x[0] + np.floor((L[~on_x, 0] - x[0]) / dx) * dx
    b[~on_x, 0] = a[~on_x, 0] + dx
    return _root_between(f, a, b, iters)


def _root_between(f: Callable[[Array], Array], a: Array, b: Array, iters: int = 12) -> Array:
    """Rows ``m`` on the segments ``a``–``b`` (row by row) with ``f(m) = 0``, ``f`` changing sign
    between each ``a`` and ``b``: false position with the Illinois step."""
    a, b = a.copy(), b.copy()
    fa, fb = f(a), f(b)
    m, side = (a + b) / 2, np.zeros(len(a))
    for _ in range(iters):
        d = fb - fa
        t = np.where(d != 0, -fa / np.where(d == 0, 1.0, d), 0.5)
        m = a + np.clip(t, 0.0, 1.0)[:, None] * (b - a)
        fm = f(m)
        left = np.sign(fm) == np.sign(fa)  # the root is between m and b
        # Illinois: the end kept twice in a row has its value halved
        fb = np.where(left & (side > 0), fb / 2, fb)
        fa = np.where(~left & (side < 0), fa / 2, fa)
        a[left], fa[left] = m[left], fm[left]
        b[~left], fb[~left] = m[~left], fm[~left]
        side = np.where(left, 1.0, -1.0)
        if not np.any(fm != 0):
            break
    return m


def decision_boundary(
    net: Network, bounds: Sequence[float], resolution: int = 300
) -> list[Array]:
    """The network's decision boundary in input space as polylines ``(M_i, 2)``.

    Binary: ``logit = 0`` (probability 0.5).  ``K`` classes: where the two
    largest logits tie.  The curves are contoured with contourpy on a
    ``resolution²`` grid over ``bounds = (xmin, xmax, ymin, ymax)``, then every
    vertex is moved onto the exact boundary along its grid cell edge
    (:func:`_onto_edges`), so carried through a :class:`~nnanim.core.flow.Flow`
    the points land on the output line.

    For ``K`` classes the boundary of class ``i``'s region is the zero set of
    ``z_i − max_{j≠i} z_j``; each piece between classes ``i`` and ``j`` is kept
    once (from the smaller of the two), overlapping one vertex at junctions.
    """
    if net.widths[0] != 2:
        raise ValueError("decision_boundary needs a network with 2-D inputs")
    if net.task == "regression":
        raise ValueError("a regression network has no decision boundary")
    if net.task == "binary":
        x, y, Z = _field(lambda P: net.forward(P).logits, bounds, resolution, lambda z: z[:, 0] > 0)
        return [_onto_edges(_margin(net, None), L, x, y)
                for L in _contour(x, y, Z[:, :, 0]) if len(L) >= 2]
    x, y, Z = _field(lambda P: net.forward(P).logits, bounds, resolution,
                     lambda z: np.argmax(z, axis=1))
    z = Z.reshape(-1, Z.shape[2])
    shape = Z.shape[:2]
    out: list[Array] = []
    K = z.shape[1]
    for i in range(K):
        others = np.delete(z, i, axis=1).max(axis=1)
        for L in _contour(x, y, (z[:, i] - others).reshape(shape)):
            if len(L) < 2:
                continue
            L = _onto_edges(_margin(net, i), L, x, y)
            zz = net.forward(L).logits
            zz[:, i] = -np.inf
            drawn_here = np.argmax(zz, axis=1) > i
            keep = drawn_here.copy()
            keep[1:] |= drawn_here[:-1]
            keep[:-1] |= drawn_here[1:]
            out += [L[a:b] for a, b in _runs(keep) if b - a >= 2]
    return out


def is_closed(line: Array, tol: float = 1e-9) -> bool:
    """Whether a polyline ends where it starts (a loop: contours that close are returned so)."""
    line = np.asarray(line, dtype=float)
    return len(line) > 3 and bool(np.all(np.abs(line[0] - line[-1]) <= tol))


def zero_set(f: Callable[[Array], Array], bounds: Sequence[float], resolution: int = 300,
             iters: int = 30) -> list[Array]:
    """Polylines ``(M, 2)`` where a smooth function ``f(P) -> (M,)`` of the plane is zero.

    Contoured on a ``resolution²`` grid over ``bounds = (xmin, xmax, ymin, ymax)``;
    then every vertex is moved onto the zero set along the grid cell edge it came
    from (:func:`_onto_edges`; the contour's linear interpolation is only a first
    guess), so ``|f|`` on the vertices is at rounding level.
    """
    x, y, Z = _field(lambda P: np.asarray(f(P), dtype=float)[:, None], bounds, resolution,
                     lambda v: v[:, 0] > 0)
    return [_onto_edges(f, L, x, y, iters) for L in _contour(x, y, Z[:, :, 0]) if len(L) >= 2]


def _contour(x: Array, y: Array, Z: Array, level: float = 0.0) -> list[Array]:
    gen = contourpy.contour_generator(x, y, Z, line_type=contourpy.LineType.Separate)
    return [np.asarray(L, dtype=float) for L in gen.lines(level)]


def level_values(values: Array, n: int = 5, spread: float = 0.8) -> Array:
    """``n`` evenly spaced levels across the middle ``spread`` of ``values`` (its quantiles).

    For a regression network's level sets: evenly spaced values, so that in the
    last hidden space, where the output is affine, the level lines are evenly
    spaced too.  Empty when the values are (nearly) constant.
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.zeros(0)
    lo, hi = np.quantile(v, [(1 - spread) / 2, (1 + spread) / 2])
    if not hi - lo > 1e-9 * max(1.0, abs(hi), abs(lo)):
        return np.zeros(0)
    return np.linspace(lo, hi, n)


def _regression(net: Network, d: int) -> None:
    if net.task != "regression":
        raise ValueError("level sets of the output are drawn for regression networks")
    if net.widths[0] != d:
        raise ValueError(f"needs a network with {d}-D inputs, got {net.widths[0]}-D")


def level_curves(net: Network, bounds: Sequence[float], levels: Sequence[float],
                 resolution: int = 200) -> list[tuple[int, Array]]:
    """The level sets ``ŷ(x) = c`` of a regression network with 2-D inputs: ``(level index, (M, 2))``.

    Contoured on a ``resolution²`` grid over ``bounds = (xmin, xmax, ymin,
    ymax)``, then every vertex is moved onto the exact level along its grid
    cell edge, as :func:`decision_boundary` does for ``p = 0.5``.
    """
    _regression(net, 2)
    cuts = np.sort(np.asarray(levels, dtype=float))
    x, y, Z = _field(lambda P: net.forward(P).logits, bounds, resolution,
                     lambda z: np.searchsorted(cuts, z[:, 0]))
    Z = Z[:, :, 0]
    out = []
    for k, c in enumerate(levels):
        for L in _contour(x, y, Z, float(c)):
            if len(L) >= 2:
                out.append((k, _onto_edges(_margin(net, None, float(c)), L, x, y)))
    return out


def level_points(net: Network, bounds: Sequence[float], levels: Sequence[float],
                 resolution: int = 2000) -> list[tuple[int, Array]]:
    """The level sets ``ŷ(x) = c`` of a regression network with a 1-D input: ``(level index, (M, 1))``.

    On a line a level set is a set of points: the sign changes of ``ŷ − c`` on
    ``resolution`` samples of ``bounds = (xmin, xmax)``, each moved onto the exact
    level between the two samples that bracket it (:func:`_root_between`).
    """
    _regression(net, 1)
    x = np.linspace(float(bounds[0]), float(bounds[1]), resolution)
    f = net.forward(x[:, None]).logits[:, 0]
    out = []
    for k, c in enumerate(levels):
        g = f - float(c)
        i = np.flatnonzero((g[:-1] <= 0) != (g[1:] <= 0))
        if len(i) == 0:
            continue
        X = _root_between(_margin(net, None, float(c)), x[i][:, None], x[i + 1][:, None])
        out.append((k, X))
    return out


def _runs(mask: Array) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` of the runs of True in a boolean vector."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


# --------------------------------------------------------------------------- linear classifiers


def linear_pairs(W: Array, b: Array) -> list[tuple[int, int, Array, float]]:
    """Pairwise boundaries ``(i, j, w, c)`` of linear logits ``z = W p + b``.

    ``w·p + c = z_i − z_j`` for every pair ``i < j`` of ``K`` logits (the
    actual decision boundary is the part of each line where ``i`` and ``j``
    lead, see :func:`linear_boundaries`).  One logit (binary): the single
    ``(1, 0, w, b)``, class 1 where ``w·p + b > 0``.
    """
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if len(W) == 1:
        return [(1, 0, W[0], float(b[0]))]
    return [(i, j, W[i] - W[j], float(b[i] - b[j]))
            for i in range(len(W)) for j in range(i + 1, len(W))]


def linear_boundaries(pairs: Sequence[tuple[int, int, Array, float]],
                      scores: Callable[[Array], Array], box: Box,
                      samples: int = 400) -> list[Array]:
    """Polylines ``(M, 2)`` of the decision boundaries inside ``box``.

    ``pairs`` as from :func:`linear_pairs` or ``Flow.output_boundaries``;
    ``scores(P)`` gives ``(M, K)`` values ordered like the logits
    (probabilities do).  Each pair's line is kept only where its two classes
    lead all others (with two classes: everywhere in the box).
    """
    out = []
    for i, j, w, c in pairs:
        ends = clip_line(np.asarray(w)[:2], c, box)
        if ends is None:
            continue
        s = np.linspace(0.0, 1.0, samples)[:, None]
        P = (1 - s) * ends[0] + s * ends[1]
        S = np.asarray(scores(P), dtype=float)
        if S.shape[1] <= 2:
            out.append(ends)
            continue
        others = np.delete(S, [i, j], axis=1).max(axis=1)
        lead = np.minimum(S[:, i], S[:, j]) >= others - 1e-12
        out += [P[a:e] for a, e in _runs(lead) if e - a >= 2]
    return out


def _pair_table(pairs: Sequence[tuple[int, int, Array, float]]) -> tuple[dict, int]:
    """``{(i, j): (w, c)}`` with ``w·p + c = z_i − z_j`` for both orders, and the number of classes."""
    table = {}
    for i, j, w, c in pairs:
        w = np.asarray(w, dtype=float)
        table[(i, j)], table[(j, i)] = (w, float(c)), (-w, -float(c))
    k = 1 + max((max(i, j) for i, j, _, _ in pairs), default=1)
    return table, k


def region_segments(pairs: Sequence[tuple[int, int, Array, float]],
                    box: Box) -> list[tuple[int, int, Array]]:
    """``[(i, j, ends (2, 2)), ...]``: the parts of the pairwise lines that bound a class's region.

    ``pairs`` as from :func:`linear_pairs` or ``Flow.output_boundaries``
    (``w·p + c = z_i − z_j``, only the first two coordinates of ``w`` read).
    Each line ``z_i = z_j`` is cut to ``box = (xmin, xmax, ymin, ymax)`` and
    then, exactly, to where ``z_i = z_j ≥ z_k`` for every other class ``k``:
    along the line every ``z_i − z_k`` is affine, so that part is one segment
    (or nothing).  With two classes: the whole line in the box.
    """
    table, K = _pair_table(pairs)
    out = []
    for i, j, w, c in pairs:
        ends = clip_line(np.asarray(w, dtype=float)[:2], c, box)
        if ends is None:
            continue
        lo, hi = 0.0, 1.0
        d = ends[1] - ends[0]
        for k in range(K):
            if k in (i, j):
                continue
            wk, ck = table[(i, k)]
            a, slope = float(wk[:2] @ ends[0]) + ck, float(wk[:2] @ d)  # z_i − z_k at s = 0, its rate
            if abs(slope) < 1e-15:
                if a < 0:
                    lo, hi = 1.0, 0.0
                continue
            root = -a / slope
            lo, hi = (max(lo, root), hi) if slope > 0 else (lo, min(hi, root))
        if hi - lo > 1e-12:
            out.append((i, j, np.array([ends[0] + lo * d, ends[0] + hi * d])))
    return out


def region_faces(pairs: Sequence[tuple[int, int, Array, float]], centre: Array,
                 half: float) -> list[tuple[int, int, Array]]:
    """``[(i, j, corners (M, 3)), ...]``: the parts of the pairwise planes that bound a region (3-D).

    Each plane ``z_i = z_j`` is cut to the cube ``centre ± half``
    (:func:`plane_in_box`), then clipped by every half-space ``z_i ≥ z_k``
    (Sutherland–Hodgman: the face stays one convex polygon, corners in order).
    """
    table, K = _pair_table(pairs)
    out = []
    for i, j, w, c in pairs:
        poly = plane_in_box(w, c, centre, half)
        for k in range(K):
            if poly is None or k in (i, j):
                continue
            wk, ck = table[(i, k)]
            poly = _clip_polygon(poly, np.asarray(wk, dtype=float)[:3], ck)
        if poly is not None:
            out.append((i, j, poly))
    return out


def _clip_polygon(poly: Array, w: Array, c: float) -> Array | None:
    """The part of the convex polygon ``poly`` (corners in order) where ``w·p + c ≥ 0``."""
    f = poly @ w + c
    kept = []
    for a in range(len(poly)):
        b = (a + 1) % len(poly)
        if f[a] >= 0:
            kept.append(poly[a])
        if (f[a] >= 0) != (f[b] >= 0):
            t = f[a] / (f[a] - f[b])
            kept.append(poly[a] + t * (poly[b] - poly[a]))
    if len(kept) < 3:
        return None
    return np.array(kept)


def class_probabilities(z: Array) -> Array:
    """``(M, K)`` class probabilities from logits ``z`` of shape ``(M, 1)`` or ``(M, K)``.

    One logit (two classes): the sigmoid ``p = σ(z)``, as the columns
    ``[1 − p, p]``.  ``K`` logits: the softmax.
    """
    z = np.asarray(z, dtype=float)
    if z.shape[1] == 1:
        p1 = expit(z[:, 0])
        return np.column_stack([1.0 - p1, p1])
    return softmax(z, axis=1)


def probabilities(W: Array, b: Array) -> Callable[[Array], Array]:
    """``prob(P) -> (M, K)``: :func:`class_probabilities` of the linear logits ``z = W p + b``.

    ``W`` is ``(1, d)`` (sigmoid, ``K = 2`` columns) or ``(K, d)`` (softmax); only
    the first ``d`` coordinates of the points ``P`` are read.
    """
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)

    def prob(P: Array) -> Array:
        return class_probabilities(np.asarray(P, dtype=float)[:, : W.shape[1]] @ W.T + b)

    return prob


def network_probabilities(net: Network) -> Callable[[Array], Array]:
    """``prob(P) -> (M, K)``: the class probabilities of ``net`` at input points ``P``.

    Only the first ``d_in`` coordinates of ``P`` are read (display points of an
    input plane are ``(x, y, 0)``).
    """
    d = net.widths[0]

    def prob(P: Array) -> Array:
        return class_probabilities(net.forward(np.asarray(P, dtype=float)[:, :d]).logits)

    return prob


def plane_in_box(w: Array, c: float, centre: Array, half: float) -> Array | None:
    """``(M, 3)`` corners of the plane ``w·p + c = 0`` cut to the cube ``centre ± half``, in order.

    The polygon (3 to 6 corners) where the plane crosses the cube's twelve
    edges, sorted by angle around its centroid; ``None`` if it misses the cube.
    """
    w = np.asarray(w, dtype=float)[:3]
    centre = np.asarray(centre, dtype=float)[:3]
    signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    corners = centre + half * signs
    f = corners @ w + c
    hits = []
    for a in range(8):
        for k in range(3):
            if signs[a, k] < 0:
                e = a + (4, 2, 1)[k]  # the corner across edge k
                if (f[a] <= 0) != (f[e] <= 0):
                    t = f[a] / (f[a] - f[e])
                    hits.append(corners[a] + t * (corners[e] - corners[a]))
    if len(hits) < 3:
        return None
    H = np.array(hits)
    mid = H.mean(axis=0)
    n = w / np.linalg.norm(w)
    u = np.cross(n, [1.0, 0.0, 0.0] if abs(n[0]) < 0.9 else [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    order = np.argsort(np.arctan2((H - mid) @ v, (H - mid) @ u))
    return H[order]


def plane_grid(w: Array, b: float, box: Box, n_lines: int = 9, samples: int = 2) -> list[Array]:
    """Grid lines ``(samples, 3)`` of the height field ``z = w·p + b`` over ``box`` (``p`` in the plane).

    ``n_lines`` lines of constant ``p_x`` and as many of constant ``p_y``, each
    the exact straight segment ``(p, w·p + b)`` (a plane over the box).
    """
    w = np.asarray(w, dtype=float)[:2]
    x0, x1, y0, y1 = map(float, box)
    s = np.linspace(0.0, 1.0, samples)
    lines = []
    for u in np.linspace(0.0, 1.0, n_lines):
        x = x0 + u * (x1 - x0)
        y = y0 + u * (y1 - y0)
        for P in (np.column_stack([np.full(samples, x), y0 + s * (y1 - y0)]),
                  np.column_stack([x0 + s * (x1 - x0), np.full(samples, y)])):
            lines.append(np.column_stack([P, P @ w + b]))
    return lines


# --------------------------------------------------------------------------- framing


class Framing:
    """``framing(u) -> (centre, half)``: a square (cube) around moving points at time ``u``.

    ``lo(u)`` and ``hi(u)`` are the corners of the box; the half side is half
    its largest side times ``1 + margin`` (at least ``1e-6``).  Built by
    :func:`framing_curves`.
    """

    def __init__(self, lo: PchipInterpolator, hi: PchipInterpolator, margin: float) -> None:
        self.lo, self.hi, self.margin = lo, hi, float(margin)

    def __call__(self, u: float) -> tuple[Array, float]:
        lo, hi = self.lo(u), self.hi(u)
        half = 0.5 * float(np.max(hi - lo)) * (1.0 + self.margin)
        return 0.5 * (lo + hi), max(half, 1e-6)

    def box(self, u: float) -> tuple[Array, Array]:
        """``(centre, halves)``: the box itself, each half side plus the margin of the largest.

        For fitting a picture into a region that is not square: the same
        centre as :meth:`__call__`, and ``max(halves) == half``.
        """
        lo, hi = self.lo(u), self.hi(u)
        sides = np.asarray(hi - lo, dtype=float)
        halves = 0.5 * sides + 0.5 * float(np.max(sides)) * self.margin
        return 0.5 * (lo + hi), np.maximum(halves, 1e-6)


def framing_curves(times: Array, lo: Array, hi: Array, neighbours: int, margin: float) -> Framing:
    """A :class:`Framing` from bounding boxes ``lo``, ``hi`` (``(S, d)``) sampled at ``times`` (``(S,)``).

    Each sample's box is widened to the extremes of its ``neighbours`` samples
    on either side (the first and last repeated at the ends), so that points
    moving between samples stay inside, and the corners are interpolated
    monotonically (PCHIP: C¹, no overshoot): the picture follows the data
    without sudden zooms.
    """
    k = int(neighbours)
    widened = []
    for corner, extreme in ((lo, np.min), (hi, np.max)):
        padded = np.pad(np.asarray(corner, dtype=float), ((k, k), (0, 0)), mode="edge")
        window = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1, axis=0)
        widened.append(PchipInterpolator(times, extreme(window, axis=-1), axis=0))
    return Framing(*widened, margin)

