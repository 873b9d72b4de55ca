"""The linear regions of a piecewise-linear network on the input plane, as exact polygons.

A ReLU (or leaky ReLU) network is affine wherever its pattern of active units
(which hidden units have a pre-activation ``> 0``) stays the same.  On the
2-D input plane each such region is a convex polygon: in the first hidden
layer it is cut out by the units' straight lines; on each piece the next
layer's pre-activations are again affine in the input,
``z_{l} = (W_l A) x + (W_l c + b_l)`` for the piece's map ``h_l = A x + c``,
so their zero lines are straight on the piece and cut it again.  A fold is
where a unit's input crosses 0: the region edges.

:func:`linear_regions` does exactly that, starting from a box of the plane and
clipping every polygon by every unit's line, layer by layer.  Pure NumPy; no
manim import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnanim.core.nn import LEAKY_SLOPE, Network
from nnanim.errors import NnanimError

__all__ = ["PIECEWISE_LINEAR", "Region", "linear_regions", "locate", "neighbours", "pattern_colours",
           "pattern_keys", "region_colouring"]

Array = np.ndarray

#: activation name → (slope for input > 0, slope otherwise): the activations whose
#: network is affine on each region (linear has one piece and never splits a region)
PIECEWISE_LINEAR: dict[str, tuple[float, float]] = {
    "relu": (1.0, 0.0),
    "leaky_relu": (1.0, LEAKY_SLOPE),
    "linear": (1.0, 1.0),
}


@dataclass(frozen=True)
class Region:
    """One linear region: a convex polygon of the input plane and its activation pattern.

    ``polygon`` is ``(m, 2)``, counter-clockwise, in input coordinates.
    ``pattern[l][j]`` says whether hidden unit ``j`` of layer ``l`` is active
    (its pre-activation is ``> 0``) inside the polygon; a ``linear`` layer's
    units are always ``True`` (they never switch off).
    ``linear`` and ``offset`` give the last computed layer on the region as
    the affine map ``h = linear @ x + offset``.
    """

    polygon: Array
    pattern: tuple[tuple[bool, ...], ...]
    linear: Array
    offset: Array

    @property
    def area(self) -> float:
        return _area(self.polygon)


def _area(poly: Array) -> float:
    x, y = poly[:, 0], poly[:, 1]  # the shoelace formula, the closing edge written out
    return 0.5 * float(x[:-1] @ y[1:] - y[:-1] @ x[1:] + x[-1] * y[0] - y[-1] * x[0])


def _clip(poly: Array, s: Array) -> tuple[Array | None, Array | None]:
    """Split the convex ``poly`` by the sign of the affine ``s`` at its vertices: (> 0, ≤ 0)."""
    pos: list[Array] = []
    neg: list[Array] = []
    m = len(poly)
    for i in range(m):
        p, q, sp, sq = poly[i], poly[(i + 1) % m], s[i], s[(i + 1) % m]
        if sp >= 0:
            pos.append(p)
        if sp <= 0:
            neg.append(p)
        if (sp > 0 > sq) or (sp < 0 < sq):
            x = p + (sp / (sp - sq)) * (q - p)
            pos.append(x)
            neg.append(x)
    return (np.array(pos) if len(pos) >= 3 else None), (np.array(neg) if len(neg) >= 3 else None)


def linear_regions(
    network: Network,
    box: tuple[float, float, float, float],
    layers: int | None = None,
    max_regions: int = 20000,
) -> list[Region]:
    """The exact partition of ``box`` into the regions where the network is affine.

    Parameters
    ----------
    network
        A network on a 2-D input whose hidden activations are piecewise
        linear (:data:`PIECEWISE_LINEAR`: relu, leaky_relu, linear).
    box
        ``(x0, x1, y0, y1)`` of the input plane, ``x0 < x1``, ``y0 < y1``.
    layers
        Only the first ``layers`` hidden layers (all by default): the regions
        on which ``h_layers`` is affine.
    max_regions
        Refuse (:class:`NnanimError`) when the partition grows beyond this.

    Returns
    -------
    list of Region
        One per activation pattern met in the box (each pattern's region is
        convex, so one polygon), sorted by pattern.  Pieces of zero area
        (a line through a vertex or along an edge) are dropped.
    """
    if network.widths[0] != 2:
        raise NnanimError(f"linear regions are drawn on a 2-D input plane; "
                          f"this network takes {network.widths[0]} inputs")
    hidden = len(network.weights) - 1
    layers = hidden if layers is None else layers
    if not 0 <= layers <= hidden:
        raise NnanimError(f"layers must be between 0 and {hidden} (the hidden layers), not {layers}")
    for act in network.activations[:layers]:
        if act.name not in PIECEWISE_LINEAR:
            raise NnanimError(
                f"linear regions need piecewise-linear activations "
                f"({', '.join(PIECEWISE_LINEAR)}); {act.name} bends the plane everywhere")
    x0, x1, y0, y1 = (float(v) for v in box)
    if not (x0 < x1 and y0 < y1) or not np.all(np.isfinite([x0, x1, y0, y1])):
        raise NnanimError(f"the box (x0, x1, y0, y1) must have x0 < x1 and y0 < y1, got {box}")
    tiny = 1e-12 * (x1 - x0) * (y1 - y0)
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    # a piece: (polygon, pattern so far, A, c) with h_l = A x + c on the polygon
    pieces: list[tuple[Array, tuple, Array, Array]] = [(square, (), np.eye(2), np.zeros(2))]
    for l in range(layers):
        W, b = network.weights[l], network.biases[l]
        up, down = PIECEWISE_LINEAR[network.activations[l].name]
        splits = up != down
        out = []
        for poly, pattern, A, c in pieces:
            M, d = W @ A, W @ c + b  # z = M x + d on this polygon
            parts: list[tuple[Array, tuple[bool, ...]]] = [(poly, ())]
            for j in range(len(b)):
                nxt = []
                for part, bits in parts:
                    if not splits:
                        nxt.append((part, (*bits, True)))
                        continue
                    s = part @ M[j] + d[j]
                    if np.all(s > 0):
                        nxt.append((part, (*bits, True)))
                    elif np.all(s <= 0):
                        nxt.append((part, (*bits, False)))
                    else:
                        pos, neg = _clip(part, s)
                        for piece, on in ((pos, True), (neg, False)):
                            if piece is not None and _area(piece) > tiny:
                                nxt.append((piece, (*bits, on)))
                parts = nxt
                if len(out) + len(parts) > max_regions:
                    raise NnanimError(
                        f"the network cuts the box into more than {max_regions} linear regions "
                        f"(max_regions={max_regions})")
            for part, bits in parts:
                slope = np.where(np.array(bits), up, down)
                out.append((part, (*pattern, bits), slope[:, None] * M, slope * d))
        pieces = out
    regions = [Region(poly, pattern, A, c) for poly, pattern, A, c in pieces]
    return sorted(regions, key=lambda r: r.pattern)


def locate(regions: Sequence[Region], points: Array) -> Array:
    """Index of the region holding each point (``(N,)`` ints, ``-1`` outside all of them).

    A point on an edge shared by two regions goes to the first in the list.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    found = np.full(len(points), -1, dtype=np.int64)
    for i, r in enumerate(regions):
        p, q = r.polygon, np.roll(r.polygon, -1, axis=0)
        e = q - p  # counter-clockwise: inside is left of every edge
        cross = e[:, 0] * (points[:, None, 1] - p[:, 1]) - e[:, 1] * (points[:, None, 0] - p[:, 0])
        scale = np.hypot(e[:, 0], e[:, 1]) * 1e-9
        inside = np.all(cross >= -scale, axis=1) & (found < 0)
        found[inside] = i
    return found


def neighbours(regions: Sequence[Region]) -> list[set[int]]:
    """For each region, the regions that share an edge of positive length with it.

    Exact: two regions are neighbours when an edge of one and an edge of the
    other lie on one line, run opposite ways (both polygons are
    counter-clockwise) and overlap over more than a hair (``1e-9`` of the
    regions' extent).  Regions that only touch at a corner are not neighbours.
    """
    if not regions:
        return []
    P = np.concatenate([r.polygon for r in regions])
    Q = np.concatenate([np.roll(r.polygon, -1, axis=0) for r in regions])
    owner = np.concatenate([np.full(len(r.polygon), i) for i, r in enumerate(regions)])
    e = Q - P
    length = np.hypot(e[:, 0], e[:, 1])
    keep = length > 0
    P, Q, owner, e, length = P[keep], Q[keep], owner[keep], e[keep], length[keep]
    u = e / length[:, None]
    tol = 1e-9 * max(1.0, float(np.ptp(P, axis=0).max()))
    result: list[set[int]] = [set() for _ in regions]
    # candidates: edge pairs (i < j) of different regions running opposite ways, a block of rows
    # of the direction products at a time (bounded memory for thousands of edges)
    found = []
    for a in range(0, len(u), 1024):
        rows = np.arange(a, min(a + 1024, len(u)))
        bi, bj = np.nonzero((u[rows] @ u.T < -1 + 1e-9) & (rows[:, None] < np.arange(len(u)))
                            & (owner[rows, None] != owner[None, :]))
        found.append((rows[bi], bj))
    i = np.concatenate([f[0] for f in found])
    j = np.concatenate([f[1] for f in found])
    ui, pi = u[i], P[i]
    dp, dq = P[j] - pi, Q[j] - pi
    on_line = (np.abs(ui[:, 0] * dp[:, 1] - ui[:, 1] * dp[:, 0]) <= tol) & (
        np.abs(ui[:, 0] * dq[:, 1] - ui[:, 1] * dq[:, 0]) <= tol)
    tp, tq = np.sum(dp * ui, axis=1), np.sum(dq * ui, axis=1)
    overlap = np.minimum(np.maximum(tp, tq), length[i]) - np.maximum(np.minimum(tp, tq), 0.0)
    hits = on_line & (overlap > tol)
    for a, b in zip(owner[i[hits]].tolist(), owner[j[hits]].tolist()):
        result[a].add(b)
        result[b].add(a)
    return result


def region_colouring(adjacent: Sequence[set[int]], n_colours: int,
                     prefer: Sequence[int | None] | None = None) -> list[int]:
    """A colour index in ``range(n_colours)`` per region such that neighbours always differ.

    Smallest-last order (Matula & Beck 1983): regions are taken off the map
    one of fewest remaining neighbours at a time, then coloured in the
    reverse order, so each region meets at most *degeneracy* coloured
    neighbours.  A map of convex regions is planar, hence 5-degenerate, so
    six colours always suffice.  Among the free colours a region takes its
    ``prefer``-red one (its colour in the previous frame, say) when that is
    free, else the lowest.  Deterministic.

    Raises
    ------
    NnanimError
        When ``n_colours`` is too few for this adjacency (never, with six
        or more, for a map of regions).
    """
    n = len(adjacent)
    if n_colours < 1:
        raise NnanimError("a region colouring needs at least one colour")
    degree = [len(a) for a in adjacent]
    removed = [False] * n
    order: list[int] = []
    for _ in range(n):
        i = min((k for k in range(n) if not removed[k]), key=lambda k: (degree[k], k))
        removed[i] = True
        order.append(i)
        for j in adjacent[i]:
            if not removed[j]:
                degree[j] -= 1
    colour: list[int] = [-1] * n
    for i in reversed(order):
        taken = {colour[j] for j in adjacent[i]}
        want = prefer[i] if prefer is not None else None
        if want is not None and 0 <= want < n_colours and want not in taken:
            colour[i] = want
            continue
        free = [k for k in range(n_colours) if k not in taken]
        if not free:
            raise NnanimError(f"{n_colours} colours are too few to colour these {n} regions so that "
                              "neighbours differ")
        colour[i] = free[0]
    return colour


def pattern_colours(regions: Sequence[Region], palette: Sequence[str],
                    previous: dict | None = None) -> list[str]:
    """A colour from ``palette`` for each region, neighbouring regions always differing.

    ``previous`` maps a pattern to the palette index it had before (an
    earlier frame): a region keeps it where its neighbours allow, so a map
    recoloured over training does not flicker.  See :func:`region_colouring`
    (a palette of six colours or more always suffices).
    """
    if not palette:
        raise NnanimError("pattern_colours needs at least one colour")
    prefer = [previous.get(r.pattern) for r in regions] if previous else None
    chosen = region_colouring(neighbours(regions), len(palette), prefer)
    return [palette[k] for k in chosen]


def pattern_keys(net: Network, P: Array) -> np.ndarray:
    """Each point's activation pattern over every hidden unit, packed into an integer (unit ``g``
    of the hidden units counted in order is bit ``g``: set where its input is > 0).

    As in :func:`linear_regions`, a unit whose activation does not bend
    (``linear``) counts as always active, so points of one region share a key.
    """
    fwd = net.forward(P)
    keys = np.zeros(len(P), dtype=np.int64)
    bit = 0
    for z, act in zip(fwd.pre[:-1], net.activations):
        up, down = PIECEWISE_LINEAR.get(act.name, (1.0, 0.0))
        for j in range(z.shape[1]):
            on = z[:, j] > 0 if up != down else np.ones(len(P), dtype=bool)
            keys |= on.astype(np.int64) << bit
            bit += 1
    return keys
