"""The framing of a moving picture: a box around the data, smooth in time. Pure NumPy/SciPy.

A picture of points carried through a flow needs a view that follows them: a
centre and a half extent per axis at every instant, such that

* every point is inside (the data never leaves its picture region);
* the zoom changes at a bounded rate: the log of each half extent changes by
  at most :data:`ZOOM_RATE` per stage, so a stage that grows the data tenfold
  starts zooming out before the growth, rather than refitting in a frame;
* stages in which nothing moves (a lift, the output stage) hold the view:
  they take no time on the camera's clock, so a scene that jumps to their end
  or plays them again sees the same view;
* except where the view has not caught up with the data: a stage that shrinks
  the data faster than the cap allows (tanh's squeeze, a squash onto a code)
  ends with the view still far out.  Then the zoom's clock keeps running over
  the still stage that follows, while the zoom, followed without looking
  ahead, is above what the data needs there (by more than
  :data:`SETTLE_BELOW`): the view settles onto the data over that stage, its
  clock running ``excess + SETTLE_SPARE·ZOOM_ROUNDING`` (never more than
  :data:`ZOOM_CAP`), starting at the speed the zoom had and slowing to a stop
  (:func:`settle_ticks`), its corners rounded, arriving before the stage ends
  (a second still stage goes on if the cap stopped it).  The settling is the
  camera's own: a scene does not ease the framing itself; it *plays* such a
  stage (:attr:`Track.settling` lists them; its framing moves, so its points
  move on screen) for long enough that the zoom is calm, rather than jumping
  over it.  The centre holds over it (it is the data's, smoothed, already).
  A scene asks for it (``camera_track(..., settle=...)``, through
  :meth:`nnanim.core.flow.Trace.settling`), for the still stages it plays:
  one that jumps over a still stage, or replays one as an orbit (each replay
  starting from the stage's start), needs the view to hold there, and gets it.
  Decided so rather than bounding the zoom per second: the camera does not
  know how long a scene plays a stage, and a scene that plays a stage slowly
  or quickly keeps one framing per instant of the flow.

:func:`camera_track` computes that from the data's bounding boxes sampled on
the flow's time ``u`` (stage ``s`` at ``t`` is ``u = s + t``); the result, a
:class:`Track`, interpolates it monotonically between samples (PCHIP).  The
zoom is uniform (one scale for both screen axes, so angles stay true): the
view picks the scale at which the box fits its region.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.interpolate import PchipInterpolator

from nnanim.core.notation import symbol

__all__ = [
    "CENTRE_SMOOTHING",
    "DIP",
    "SETTLE_BELOW",
    "SETTLE_SPARE",
    "SUPPORT_DIRECTIONS",
    "ZOOM_CAP",
    "ZOOM_FOLLOW",
    "ZOOM_RATE",
    "ZOOM_ROUNDING",
    "Track",
    "axis_names",
    "camera_track",
    "capped_union",
    "face_on_angles",
    "format_length",
    "nice_length",
    "plane_face",
    "scale_length",
    "settle_excess",
    "settle_ticks",
    "space_letter",
    "smooth_above",
    "stage_widened",
    "still_stages",
    "turned_extent",
    "view_direction",
    "slab_corners",
    "zoom_envelope",
]

Array = np.ndarray

#: the zoom may change log(half extent) by this much per stage of motion at least (e² ≈ 7.4
#: times) ...
ZOOM_RATE = 2.0
#: ... plus this many times the net change of log(data size) over the stage, so that the view
#: can follow a stage that grows or shrinks the data many times and end on it
ZOOM_FOLLOW = 1.25
#: ... but never faster than this per stage (e⁴ ≈ 55 times)
ZOOM_CAP = 4.0
#: a stage's view is never smaller than this share of the smaller of its two ends
DIP = 1.0
#: the centre follows the data's centre averaged over this many stages (a Gaussian's sigma)
CENTRE_SMOOTHING = 0.15
#: the zoom's corners are rounded over this much zoom (log units) either side: no sudden
#: start or stop of a zoom
ZOOM_ROUNDING = 0.15
#: a still stage starting with the view this much (log) farther out than the data needs is one
#: over which the view settles onto the data (2 %: less is not seen)
SETTLE_BELOW = 0.02
#: a settling stage's zoom clock runs the excess plus this many times ZOOM_ROUNDING (the zoom's
#: corners are rounded twice, each reaching 2 × ZOOM_ROUNDING back: it arrives before the end)
SETTLE_SPARE = 5.0


class Track:
    """``track(u) -> (centre, half)``, ``track.box(u) -> (centre, halves)``: a view along time ``u``."""

    def __init__(self, u: Array, centres: Array, halves: Array, margin: float,
                 settling=()) -> None:
        self.margin = float(margin)
        #: the still stages over which the view settles onto the data (see :func:`camera_track`):
        #: a scene plays them, for the framing moves, rather than jumping over them
        self.settling = tuple(int(s) for s in settling)
        self._centre = PchipInterpolator(u, centres, axis=0)
        self._halves = PchipInterpolator(u, halves, axis=0)
        self.u0, self.u1 = float(u[0]), float(u[-1])

    def _clamp(self, u: float) -> float:
        return min(max(float(u), self.u0), self.u1)

    def box(self, u: float) -> tuple[Array, Array]:
        """``(centre, halves)``: each half side plus the margin (a share of the largest)."""
        u = self._clamp(u)
        halves = np.maximum(np.asarray(self._halves(u), dtype=float), 0.0)
        halves = halves + float(np.max(halves)) * self.margin
        return np.asarray(self._centre(u), dtype=float), np.maximum(halves, 1e-6)

    def __call__(self, u: float) -> tuple[Array, float]:
        """``(centre, half)``: a cube (square) of the largest half side, margin included."""
        centre, halves = self.box(u)
        return centre, float(np.max(halves))


def still_stages(lo: Array, hi: Array, per_stage: int) -> Array:
    """``(n,)`` booleans: stages over which the sampled box does not change at all."""
    n = (len(lo) - 1) // per_stage
    out = np.zeros(n, dtype=bool)
    for s in range(n):
        a, b = s * per_stage, (s + 1) * per_stage + 1
        size = max(float(np.max(hi[a:b] - lo[a:b], initial=0.0)), 1e-300)
        out[s] = bool(np.ptp(lo[a:b], axis=0).max() <= 1e-12 * size
                      and np.ptp(hi[a:b], axis=0).max() <= 1e-12 * size)
    return out


def zoom_envelope(m: Array, need: Array, rate: float) -> Array:
    """The least ``h ≥ need`` whose log changes by at most ``rate`` per unit of ``m``.

    ``log h(m_i) = max_j (log need_j − rate·|m_i − m_j|)``, per column: a
    growth ahead is met by zooming out before it, a shrink by zooming in
    after it, both at the rate.  ``need`` ``(S, d)``, non-negative; columns
    that are zero everywhere stay zero.
    """
    need = np.asarray(need, dtype=float)
    out = np.zeros_like(need)
    dist = np.abs(m[:, None] - m[None, :])
    for k in range(need.shape[1]):
        col = need[:, k]
        top = float(np.max(col, initial=0.0))
        if top <= 0.0:
            continue
        log = np.log(np.maximum(col, 1e-9 * top))
        out[:, k] = np.exp(np.max(log[None, :] - rate * dist, axis=1))
    return out


def smooth_above(m: Array, v: Array, radius: float) -> Array:
    """A smooth curve through ``v`` ``(S, d)`` over ``m`` that is nowhere below ``v``.

    Each value is first raised to the largest within ``radius`` (a max filter),
    then averaged with a raised-cosine window of the same radius (each sample weighted by the
    span of ``m`` it stands for): every value
    averaged is at least ``v`` here, so the result is too, and it keeps ``v``'s
    bound on its slope, with the corners rounded (no sudden start of a zoom).
    """
    v = np.asarray(v, dtype=float)
    if radius <= 0 or len(v) < 2:
        return v
    d = np.abs(m[:, None] - m[None, :])
    near = d <= radius
    raised = np.max(np.where(near[:, :, None], v[None, :, :], -np.inf), axis=1)
    w = np.where(near, np.cos(0.5 * np.pi * np.minimum(d / radius, 1.0)) ** 2, 0.0)
    # each sample weighs the span of ``m`` it stands for (half its gaps either side): where ``m``
    # is sampled densely (a slow clock) and sparsely side by side, the dense side does not pull
    # the average its way (a zoom that kicked at the edge of a settling still stage)
    span = np.zeros(len(m))
    gaps = np.abs(np.diff(m))
    span[:-1] += 0.5 * gaps
    span[1:] += 0.5 * gaps
    w = w * (span + 1e-9 * max(float(span.max()), 1e-300))[None, :]
    return (w @ raised) / w.sum(axis=1, keepdims=True)


def camera_track(u: Array, lo: Array, hi: Array, per_stage: int, margin: float,
                 rate: float = ZOOM_RATE, follow: float = ZOOM_FOLLOW, cap: float = ZOOM_CAP,
                 smoothing: float = CENTRE_SMOOTHING, rounding: float = ZOOM_ROUNDING,
                 settle=(), aspect: Array | None = None) -> Track:
    """A :class:`Track` from boxes ``lo``, ``hi`` ``(S, d)`` of the data at times ``u`` ``(S,)``.

    ``u`` holds ``per_stage`` samples a stage (``S = n · per_stage + 1``).  The
    camera's own clock ``m`` advances by one over a stage in which the box
    changes and not at all over a still one.  On that clock the centre is
    the box centre averaged by a Gaussian of ``smoothing`` stages, the half
    extents are what the box needs around that centre, raised to the
    :func:`zoom_envelope` on a clock that runs at ``rate`` a stage plus, in
    a stage that changes the data's size, ``follow`` times that net change
    spread over the stage where the size changes (so the view ends each stage
    on its data and zooms ahead of it by ``rate`` only, but does not chase a
    passing dip), never faster than ``cap`` a stage; its corners rounded by
    :func:`smooth_above` over ``rounding`` (log units), and so are those of the largest
    ``half_k / aspect_k`` (``aspect``: the half sides of the region the view fits the box into;
    by default a cube).

    A still stage named in ``settle`` (stage indices; ``True``: every one) over which that
    zoom, followed up to its start without looking ahead (:func:`settle_excess`), is more than
    :data:`SETTLE_BELOW` above the data's need runs the zoom's clock too (``min(cap, excess +
    SETTLE_SPARE·rounding)`` over the stage, :func:`settle_ticks`): the view settles onto the
    data within that stage; :attr:`Track.settling` lists such stages.
    """
    u = np.asarray(u, dtype=float)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    still = still_stages(lo, hi, per_stage)
    step = np.repeat(np.where(still, 0.0, 1.0 / per_stage), per_stage)
    m = np.concatenate([[0.0], np.cumsum(step)])
    mid = 0.5 * (lo + hi)
    if smoothing > 0:
        w = np.exp(-0.5 * ((m[:, None] - m[None, :]) / smoothing) ** 2)
        centre = (w @ mid) / w.sum(axis=1, keepdims=True)
    else:
        centre = mid
    need = np.maximum(np.maximum(hi - centre, centre - lo), 0.0)
    # a stage that shrinks the data to a point and grows it again (a 1-D map through zero) is not
    # chased: the view keeps at least DIP of the smaller of the stage's two ends
    size = need.max(axis=1)
    for s in np.flatnonzero(~still):
        a, b = s * per_stage, (s + 1) * per_stage
        floor = DIP * min(size[a], size[b])
        small = size[a:b + 1] < floor
        if small.any():
            need[a:b + 1][small] *= (floor / np.maximum(size[a:b + 1][small], 1e-300))[:, None]
    # the zoom's clock: at least ``rate`` a stage, ``follow`` times as fast as the log of the
    # data's size changes where that is faster, at most ``cap`` a stage
    size = np.log(np.maximum(need.max(axis=1), 1e-300))
    moving = np.repeat(~still, per_stage)
    # faster where the size changes, by as much as its net change over the stage: a view that
    # ends each stage on its data, but does not chase a passing dip or bulge
    step = np.abs(np.diff(size))
    ticks = np.full(len(step), rate / per_stage)
    for s in np.flatnonzero(~still):
        a, b = s * per_stage, (s + 1) * per_stage
        net, total = abs(size[b] - size[a]), float(step[a:b].sum())
        if total > 0:
            ticks[a:b] += follow * net * step[a:b] / total
    ticks = np.minimum(ticks, cap / per_stage)
    # the clock's speed itself changes smoothly: averaged over a few samples (each stage alone)
    window = np.hanning(2 * max(1, per_stage // 8) + 3)[1:-1]
    for s in np.flatnonzero(~still):
        a, b = s * per_stage, (s + 1) * per_stage
        seg = np.pad(ticks[a:b], len(window) // 2, mode="edge")
        ticks[a:b] = np.convolve(seg, window / window.sum(), mode="valid")
    ticks = np.where(moving, ticks, 0.0)
    # a still stage whose view the zoom left far out (a shrink faster than the cap): its clock
    # runs, so the view settles onto the data over it (in order: a second still stage goes on
    # where the first stopped)
    settling = []
    allowed = set(range(len(still))) if settle is True else {int(k) for k in settle}
    for s in np.flatnonzero(still):
        if int(s) not in allowed:
            continue
        a, b = s * per_stage, (s + 1) * per_stage
        clock = np.concatenate([[0.0], np.cumsum(ticks[:a])])
        excess = settle_excess(clock, need[: a + 1])
        if excess > SETTLE_BELOW:
            ticks[a:b] = settle_ticks(min(cap, excess + SETTLE_SPARE * rounding),
                                      float(ticks[a - 1]) if a else 0.0, per_stage)
            settling.append(int(s))
    zoom_clock = np.concatenate([[0.0], np.cumsum(ticks)])
    halves = zoom_envelope(zoom_clock, need, 1.0)
    live = halves.max(axis=0) > 0
    if live.any():
        log = np.log(np.maximum(halves[:, live], 1e-300))
        halves[:, live] = np.exp(smooth_above(zoom_clock, log, rounding))
        # a square view fits the largest half side (a region of half sides ``aspect``, the
        # largest ``half_k / aspect_k``): where another axis takes over (a turning cloud, a
        # curve turning from wide to tall) that largest side has a corner, a zoom that stops
        # dead in a frame; round it too, growing the whole box by the same factor (never below
        # the data, aspect kept)
        a = np.ones(halves.shape[1]) if aspect is None else np.asarray(aspect, dtype=float)
        top = np.log((halves / (a / a.max())[None, :]).max(axis=1))
        halves *= np.exp(smooth_above(zoom_clock, top[:, None], rounding)[:, 0] - top)[:, None]
    return Track(u, centre, halves, margin, settling)


def settle_ticks(total: float, start: float, per_stage: int) -> Array:
    """``(per_stage,)`` steps of a settling still stage's zoom clock, summing to ``total``.

    They start at ``start`` (the clock's last step before the stage: sampled as densely on
    either side of the stage's start, the rounding of the zoom does not kick there) and fall
    to nothing at the stage's end, ``start · (1 − x)^p`` with ``p`` chosen for the total; a
    ``start`` too small for that (``p < 0``) gives even steps of ``total / per_stage``.
    """
    x = (np.arange(per_stage) + 0.5) / per_stage
    p = start * per_stage / max(total, 1e-300) - 1.0
    if p < 0.0:
        return np.full(per_stage, total / per_stage)
    steps = (1.0 - x) ** p
    return total * steps / steps.sum()


def settle_excess(clock: Array, need: Array, share: float = 0.1) -> float:
    """How far (log) above the data's need, at the last sample, a zoom is that has followed
    ``need`` ``(S, d)`` on ``clock`` ``(S,)`` at rate 1 without looking ahead: the largest over
    the axes that ask at least ``share`` of the largest's need there (an axis squashed to
    nothing does not count: the view fits the others)."""
    need = np.asarray(need, dtype=float)
    last = need[-1]
    top = float(np.max(last, initial=0.0))
    if top <= 0.0:
        return 0.0
    back = clock[-1] - np.asarray(clock, dtype=float)
    out = 0.0
    for k in np.flatnonzero(last >= share * top):
        col = np.log(np.maximum(need[:, k], 1e-300))
        out = max(out, float(np.max(col - back)) - float(col[-1]))
    return out


def capped_union(lo: Array, hi: Array, other_lo: Array, other_hi: Array,
                 cap: float, aspect: Array | None = None) -> tuple[Array, Array]:
    """The box ``lo``, ``hi`` ``(S, d)`` grown to take in ``other_lo``, ``other_hi`` within a cap.

    ``aspect`` ``(d,)``: the half sides of the region the box is fitted into (a uniform zoom
    fits the box where ``max_k half_k / aspect_k`` is largest); by default a cube.  Per sample,
    the other box is first clipped to the box of half sides ``cap · need · aspect`` about the
    first box's centre, ``need = max_k half_k / aspect_k`` being what the first box asks of the
    region; the union of the first box and that is returned.  So the other box may fill the
    region wherever the first leaves room (a flat strip in a wide region keeps the grid above
    and below it), but never makes the first box's picture more than ``cap`` times smaller:
    the zoom a region fits to the result is at least ``1 / cap`` of the first box's own.
    Every piece is continuous in the corners, so a smooth motion of both gives a smooth
    framing; the first box is always inside the result.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    centre = 0.5 * (lo + hi)
    a = np.ones(lo.shape[1]) if aspect is None else np.asarray(aspect, dtype=float)
    a = a / float(np.max(a))
    need = np.max(0.5 * (hi - lo) / a, axis=1, keepdims=True)
    reach = cap * need * a
    w_lo, w_hi = centre - reach, centre + reach
    o_lo = np.clip(np.asarray(other_lo, dtype=float), w_lo, w_hi)
    o_hi = np.clip(np.asarray(other_hi, dtype=float), w_lo, w_hi)
    return np.minimum(lo, o_lo), np.maximum(hi, o_hi)


def stage_widened(lo: Array, hi: Array, per_stage: int, neighbours: int) -> tuple[Array, Array]:
    """Boxes sampled ``per_stage`` times a stage, each widened to its neighbours *within its stage*.

    ``lo``, ``hi``: ``(n · per_stage + 1, d)`` corners at the times ``u = j / per_stage``.
    A box at a stage's start or end (shared by two stages) is left as it is, so
    the framing there depends on that instant's points only: a stage that holds
    still (the output stage, a lift) keeps one framing from start to end, and
    a scene that jumps to its end, or replays it, sees no change of view.
    Inside a stage each box takes the extremes of ``neighbours`` samples on
    either side, so that points moving between samples stay inside.
    """
    lo, hi = np.asarray(lo, dtype=float).copy(), np.asarray(hi, dtype=float).copy()
    k = int(neighbours)
    n = (len(lo) - 1) // per_stage
    for s in range(n):
        a, b = s * per_stage, (s + 1) * per_stage
        seg_lo, seg_hi = lo[a:b + 1].copy(), hi[a:b + 1].copy()
        for j in range(1, per_stage):
            w = slice(max(0, j - k), min(per_stage, j + k) + 1)
            lo[a + j] = seg_lo[w].min(axis=0)
            hi[a + j] = seg_hi[w].max(axis=0)
    return lo, hi


# --------------------------------------------------------------------------- axes and scale

def axis_names(letter: str, dims: int) -> list[str]:
    """``["x₁", "x₂", ...]``: the names of ``dims`` axes of a space, with Unicode subscripts."""
    return [symbol(letter, k + 1) for k in range(dims)]


def space_letter(kind: str, layer: int, width: int, shown: int, before: bool) -> str:
    """The letter of the coordinates a view shows during a stage.

    ``x`` in the input space (``before`` the first layer has moved it; ``width`` is then the
    input's, and an input wider than ``shown`` is ``p``, its principal axes), ``h``
    in a hidden layer's own coordinates, ``p`` where the picture is a
    projection or rotation of them (a layer wider than the ``shown``
    dimensions, or a narrowing's rotate and squash stages).
    """
    if before:  # the input; an input wider than shown is seen along its principal axes
        return "p" if width > shown else "x"
    if kind in ("rotate", "squash") or width > shown:
        return "p"
    return "h"


def nice_length(target: float) -> float:
    """The round length (1, 2 or 5 times a power of ten) nearest ``target`` in log terms."""
    if not target > 0 or not np.isfinite(target):
        return 1.0
    k = np.floor(np.log10(target))
    steps = np.array([1.0, 2.0, 5.0, 10.0]) * 10.0 ** k
    return float(steps[np.argmin(np.abs(np.log(steps / target)))])


def scale_length(current: float | None, scale: float, width: float,
                 lo: float = 0.1, hi: float = 0.3, aim: float = 0.18) -> float:
    """The scale bar's length in data units: kept while its screen length is ``lo``–``hi`` of
    ``width``, else the round length nearest ``aim`` of it (so the label changes rarely)."""
    if current is not None and lo * width <= current * scale <= hi * width:
        return current
    return nice_length(aim * width / scale)


def format_length(value: float) -> str:
    """``0.5``, ``2``, ``0.02``: the scale bar's label, with a true minus never needed."""
    return f"{value:g}"


# --------------------------------------------------------------------------- 3-D view angles

_SIGNS = np.array([[x, y, z] for x in (-1.0, 1.0) for y in (-1.0, 1.0) for z in (-1.0, 1.0)])


#: the directions of a framing's slabs (:meth:`nnanim.core.flow.Trace.framing_support`): the
#: three axes, the six face diagonals and the four body diagonals, unit length
SUPPORT_DIRECTIONS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, -1, 0], [1, 0, 1],
                               [1, 0, -1], [0, 1, 1], [0, 1, -1], [1, 1, 1], [1, 1, -1], [1, -1, 1],
                               [-1, 1, 1]], dtype=float)
SUPPORT_DIRECTIONS /= np.linalg.norm(SUPPORT_DIRECTIONS, axis=1)[:, None]


def slab_corners(directions: Array, centres: Array, halves: Array) -> Array:
    """``(V, 3)``: the corners of the polytope ``|p·d_k − centre_k| ≤ half_k`` (all ``k``).

    ``directions`` must include the three axes (the polytope is then bounded).  Found by
    intersecting every three of the bounding planes and keeping the points that satisfy
    all the slabs (a few hundred small solves, one numpy call).
    """
    D = np.asarray(directions, dtype=float)
    c, h = np.asarray(centres, dtype=float), np.asarray(halves, dtype=float)
    normals, A, idx = _plane_triples(D)
    offsets = np.concatenate([c + h, -(c - h)])
    P = np.linalg.solve(A, offsets[idx][..., None])[..., 0]
    inside = np.all(P @ normals.T <= offsets + 1e-9 * (1.0 + np.abs(offsets)), axis=1)
    return P[inside]


#: :func:`_plane_triples` of the directions last asked (a turned view asks every frame, always
#: with the same directions: the triples and their determinants were most of the time it took)
_TRIPLES: dict[bytes, tuple[Array, Array, Array]] = {}


def _plane_triples(D: Array) -> tuple[Array, Array, Array]:
    """``(normals (2K, 3), A (M, 3, 3), idx (M, 3))`` of :func:`slab_corners`: the slabs' plane
    normals and every three of them that meet in one point, which depend on the directions only."""
    key = D.tobytes() + bytes(str(D.shape), "ascii")
    kept = _TRIPLES.get(key)
    if kept is None:
        normals = np.vstack([D, -D])
        idx = np.array(list(itertools.combinations(range(len(normals)), 3)))
        A = normals[idx]  # (M, 3, 3)
        ok = np.abs(np.linalg.det(A)) > 1e-9
        kept = (normals, np.ascontiguousarray(A[ok]), idx[ok])
        for array in kept:
            array.flags.writeable = False
        _TRIPLES.clear()
        _TRIPLES[key] = kept
    return kept


def turned_extent(halves: Array, corners: Array, centre: Array, project, weight: float = 1.0) -> Array:
    """``(across, up)``: how far a turned view must reach from ``centre`` to show the framing.

    ``halves`` ``(3,)`` are the framing box's half sides about ``centre``; ``corners`` those of
    the slabs around the same points (:func:`slab_corners` of
    :meth:`nnanim.core.flow.Trace.framing_support`); both smooth in time with a rate-bounded
    zoom.  ``project`` is the view's turn and tilt (centred points in, screen ``x, y`` in the
    first two columns out).  The box's eight corners as the view shows them reach up to √3
    times further than a sheet or a curve of points inside it, which the view would then show
    small; the slabs' corners hug them far closer.  Each screen axis takes the smaller of the
    two reaches (both hold every point); ``weight`` in [0, 1] blends from the box alone (0:
    the top view, where the box is the framing of a 2-D picture) to that.
    """
    halves = np.asarray(halves, dtype=float)
    reach = np.abs(project(_SIGNS * halves)[:, :2]).max(axis=0)
    if not len(corners):
        return reach
    near = np.minimum(reach, np.abs(project(np.asarray(corners, dtype=float)
                                            - np.asarray(centre, dtype=float))[:, :2]).max(axis=0))
    return reach - float(np.clip(weight, 0.0, 1.0)) * (reach - near)


def view_direction(elev: float, azim: float) -> Array:
    """The unit vector of display space pointing at the viewer when the view is tilted by
    ``elev`` and turned by ``azim`` (the depth axis of :func:`face_on_angles`'s projection)."""
    return np.array([-np.sin(azim) * np.sin(elev), -np.cos(azim) * np.sin(elev), np.cos(elev)])


def plane_face(normal, elev: float, azim: float) -> float:
    """The share of a flat piece's own area that a plane of ``normal`` shows on screen, seen from
    ``(elev, azim)`` (orthographic: ``|n̂ · d|``; 0 edge-on, 1 face-on)."""
    n = np.asarray(normal, dtype=float)[:3]
    return float(abs(n @ view_direction(elev, azim)) / max(np.linalg.norm(n), 1e-300))


def face_on_angles(clouds, turns, elevations, azimuths, planes=(), min_face: float = 0.0
                   ) -> tuple[float, float]:
    """``(elev, azim)`` (radians) from which the data of a 3-D story looks least edge-on.

    ``clouds`` are point clouds ``(N, 3)`` of display space along the story,
    ``turns`` how far the view has orbited (added to ``azim``) when each is
    seen.  A sheet of data seen edge-on is a line: each cloud scores the
    smallest spread of its picture (its least singular value on screen) over
    the spread of the sheet itself (its second singular value in 3-D; 1 seen
    face-on), and the angles whose worst few scores are best win.  Clouds that
    are lines or points in 3-D already are left out.  The view turns by
    ``azim`` about the vertical axis and tilts by ``elev`` (0: top view), as
    :meth:`nnanim.draw.mobjects.FlowView.project` does.

    ``planes``, ``(normal, turns)`` pairs: planes drawn in the picture (a separating plane)
    and the turns at which each is seen.  Angles from which one of them shows less than
    ``min_face`` of its own area at one of its turns (:func:`plane_face`: nearly edge-on, a
    line) are left out; if every candidate does, the ones whose planes are least edge-on are
    kept.
    """
    candidates = [(float(e), float(a)) for e in elevations for a in azimuths]
    if planes:
        faces = np.array([min((plane_face(n, e, a + t) for n, ts in planes for t in ts),
                              default=1.0) for e, a in candidates])
        keep = faces >= min_face if np.any(faces >= min_face) else faces >= faces.max() - 1e-9
        candidates = [c for c, k in zip(candidates, keep) if k]
    spreads = []
    for P in clouds:
        P = np.asarray(P, dtype=float)[:, :3]
        P = P - P.mean(axis=0)
        sv = np.linalg.svd(P, compute_uv=False)
        spreads.append(sv[1] if len(sv) > 1 and sv[1] > 1e-6 * max(sv[0], 1e-300) else 0.0)
    kept = [(P - np.mean(P, axis=0), t, s) for P, t, s in zip(clouds, turns, spreads) if s > 0]
    if not kept:
        return candidates[0]
    best, best_score = candidates[0], -np.inf
    worst = max(1, len(kept) // 5)  # the worst fifth of the story decides
    for e, a in candidates:
        ce, se = np.cos(e), np.sin(e)
        scores = []
        for P, turn, spread in kept:
            ca, sa = np.cos(a + turn), np.sin(a + turn)
            x = P[:, 0] * ca - P[:, 1] * sa
            y = (P[:, 0] * sa + P[:, 1] * ca) * ce + P[:, 2] * se
            scores.append(np.linalg.svd(np.column_stack([x, y]), compute_uv=False)[-1] / spread)
        score = float(np.mean(np.sort(scores)[:worst]))
        if score > best_score + 1e-9:
            best, best_score = (e, a), score
    return best
