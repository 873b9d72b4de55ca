"""The geometry of one forward pass, as a sequence of animated stages.

A :class:`Flow` cuts a network's forward pass into *stages*.  One mechanism
serves them all: a stage maps the points' states ``H0`` (rows, in the
network's own coordinates) to their end states ``H1``, and ``state(t)`` moves
between them with ``state(0) = H0``, ``state(1) = H1``; the next stage starts
where the previous one ended.  Every stage but the linear one moves each point
along a straight segment, ``(1−t) H0 + t H1``.  A :class:`Trace` caches ``H0``
and ``H1`` of every stage once, so a frame costs one or two matrix products.
A hidden layer ``h ↦ σ(W h + b)`` is shown as

* **linear** — ``x ↦ A(t) x`` with ``A(0) = I``, ``A(1) = W``.  For square
  ``W`` with ``det W > 0``: the polar decomposition ``W = R P`` (``R`` a
  rotation, ``P`` symmetric positive definite), ``A(t) = R(t) ((1−t) I + t P)``
  where ``R(t)`` turns at constant speed from ``I`` to ``R``
  (:class:`~nnanim.core.projection.RotationPath`).  Both factors are invertible for
  ``t < 1``, so the plane never collapses mid-animation.  A square hidden ``W``
  with ``det W < 0`` is fixed beforehand by swapping two hidden units
  (:func:`permute_for_positive_det`), which leaves the function unchanged.
* **bias** — ``x ↦ x + t b``.
* **activation** — ``x ↦ (1−t) x + t σ(x)``, pointwise.

and an **output** stage closes the flow (no motion; the output layer's
boundary ``w·h + b = 0`` is a straight line, or a plane, in the final space).
An autoencoder's output layer is a map into the input's space (the
reconstruction ``x̂ = W h + b``), so it is shown like a hidden layer without the
activation (its linear and bias stages, with the width change stages it
needs) before the output stage, which then holds the reconstruction.

Width changes (``W`` of shape ``(m, n)``, ``m ≠ n``)
----------------------------------------------------
States always have at least two coordinates (a 1-D input ``x`` is the point
``(x, 0)``); a layer of true width ``m`` works in ``m' = max(2, m)``
coordinates and the extra coordinates are zero.

* **Widening** (``m > n``, e.g. 2 → 3): a **lift** stage embeds the state in
  ``R^{m'}`` by appending zero coordinates (no motion; the scene tilts the
  camera).  The linear stage then uses the square matrix ``M = [W | N]`` where
  the columns ``N`` are an orthonormal basis of the complement of ``W``'s
  column space, signed so that ``det M > 0``.  ``M (x, 0) = W x`` exactly, so
  the end state is ``W h``.  (A width-1 layer ``w`` is handled the same way:
  ``M = diag(w, ±1)``.)
* **Narrowing** (``m < n``, e.g. 3 → 2): three stages.  (1) *linear/rotate*: a
  proper rotation ``Q`` of ``R^n`` whose first ``m`` rows span ``W``'s row
  space, so that after it the part of ``h`` that ``W`` sees lies in the first
  ``m`` coordinates and the part ``W`` ignores in the rest.  (2) **squash**:
  those remaining coordinates shrink to zero, ``y_i ↦ (1−t) y_i`` for
  ``i ≥ m``, and are dropped.  (3) *linear*: the square ``C = W Q[:m]ᵀ`` with
  its own polar path, so the end state is ``C Q[:m] h = W h``.  ``Q`` is the
  rotation closest to the identity that does the job (Procrustes), and the
  sign of its first row is chosen so that ``det C > 0``.

Projections of wide layers
--------------------------
States with at most three coordinates are shown as they are (2-D or 3-D).
Wider states are shown through a projection ``p = B h`` with ``k``
orthonormal rows (``k = 2``, or ``k = 3`` when some layer of the network is
3-D already, so the display never loses a dimension except through a squash).
At the end of every stage the basis is a *keyframe* computed once from a
reference set of input points (:func:`build_flow`'s ``reference``), so the
points, the grid and the boundary of one flow share the same projection:
principal axes of the reference states, except in the last hidden space whose
first axes span the output weights (binary: ``w/|w|``; ``K`` classes: the
centred weight rows), so the output boundary stays a straight line on screen.
Within a stage the basis turns from the previous keyframe to the next by one
rotation of ``R^D`` (:class:`~nnanim.core.projection.BasisPath`), signs and
in-plane angles aligned to the previous keyframe first.

Display coordinates are always 3-D: ``Trace.at`` returns ``(M, 3)`` with
``z = 0`` in 2-D stages.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from scipy.linalg import polar

from nnanim.core import notation
from nnanim.core.camera import SUPPORT_DIRECTIONS, Track, camera_track, capped_union, stage_widened
from nnanim.core.curves import class_probabilities, linear_pairs, probabilities
from nnanim.core.nn import Activation, Network
from nnanim.core.projection import (
    BasisPath,
    RotationPath,
    align_rows,
    aligned_view,
    closest_orthonormal,
    keyframe_basis,
    orthonormal_complement,
    principal_axes,
)

__all__ = [
    "STAGE_KINDS",
    "StageKind",
    "CrossFlow",
    "Flow",
    "LinearPath",
    "Stage",
    "Trace",
    "build_flow",
    "linear_path",
    "output_caption",
    "permute_for_positive_det",
    "unit_contributions",
    "unit_order",
    "unit_joints",
]

Array = np.ndarray

#: what a stage does; scenes pace and explain stages by kind, never by their caption text
StageKind = Literal["linear", "rotate", "bias", "activation", "lift", "squash", "output"]
STAGE_KINDS: tuple[StageKind, ...] = get_args(StageKind)
FRAMING_SAMPLES = 32  # bounding boxes sampled per stage for Trace.framing
FRAMING_NEIGHBOURS = 1  # each sample's box widened to this many neighbours on either side
FRAMING_MARGIN = 0.08  # framing half extent = largest half-side × (1 + margin)
#: what else a view draws (its grid, its boundary) may cost the points' picture at most this
#: factor of its zoom, in the region's shape (capped_union): 1, so the zoom is the points' own and
#: the grid only takes the room the region's shape leaves beside them; past that it is cut at the
#: picture's edge (a plane squashed far beyond its data leaves the picture, the data fills it)
FRAMING_CAP = 1.0


# --------------------------------------------------------------------------- network surgery


def permute_for_positive_det(net: Network) -> Network:
    """A copy of ``net`` in which every square hidden ``W_l`` has ``det W_l ≥ 0``.

    Swapping hidden units 0 and 1 of layer ``l`` (rows of ``W_l`` and ``b_l``,
    columns of ``W_{l+1}``) leaves the network's function unchanged and flips
    the sign of ``det W_l``.  Layers are visited in order, because the column
    swap of ``W_{l+1}`` flips its determinant too.  The input is not modified.
    """
    out = net.copy()
    for i in range(len(out.weights) - 1):
        W = out.weights[i]
        if W.shape[0] == W.shape[1] >= 2 and np.linalg.det(W) < 0.0:
            W[[0, 1]] = W[[1, 0]]
            out.biases[i][[0, 1]] = out.biases[i][[1, 0]]
            out.weights[i + 1][:, [0, 1]] = out.weights[i + 1][:, [1, 0]]
    return out


# --------------------------------------------------------------------------- linear paths


class LinearPath:
    """``A(t)`` from ``A(0) = I`` to ``A(1) = W`` for a square ``W`` with ``det W ≥ 0``.

    ``W = R P`` (polar decomposition); ``A(t) = R(t) ((1−t) I + t P)`` with
    ``R(t)`` the constant-speed rotation from ``I`` to ``R``.  ``(1−t) I + t P``
    is a convex combination of positive (semi)definite matrices, so
    ``det A(t) > 0`` for ``t < 1``.  A singular ``W`` is allowed (the collapse
    then happens exactly at ``t = 1``); ``det W < 0`` raises ``ValueError``.
    Construct once, then call per frame.
    """

    def __init__(self, W: Array) -> None:
        W = np.array(W, dtype=float)
        n = W.shape[0]
        if W.ndim != 2 or W.shape != (n, n):
            raise ValueError(f"linear_path needs a square matrix, got shape {W.shape}")
        R, P = polar(W, side="right")
        if np.linalg.det(R) < 0.0:
            # Only a singular W leaves the sign free: flip R and P along P's null vector.
            evals, evecs = np.linalg.eigh(P)
            if evals[0] > 1e-12 * max(evals[-1], 1.0):
                raise ValueError(
                    "det W < 0: no path of invertible matrices reaches W from I; "
                    "swap two hidden units first (permute_for_positive_det)"
                )
            H = np.eye(n) - 2.0 * np.outer(evecs[:, 0], evecs[:, 0])
            R, P = R @ H, H @ P
        self.W = W
        self.P = 0.5 * (P + P.T)
        self.rotation = RotationPath(R)

    @property
    def speed(self) -> float:
        """A bound on ``‖A'(t)‖₂``: how fast a unit vector can move (for tests and pacing)."""
        turn = float(np.max(np.abs(self.rotation.angles), initial=0.0))
        stretch = np.linalg.norm(self.P - np.eye(len(self.P)), 2)
        return turn * max(1.0, np.linalg.norm(self.P, 2)) + stretch

    def __call__(self, t: float) -> Array:
        t = float(t)
        if t >= 1.0:
            return self.W.copy()
        n = len(self.W)
        if t <= 0.0:
            return np.eye(n)
        return self.rotation(t) @ ((1.0 - t) * np.eye(n) + t * self.P)


def linear_path(W: Array, t: float) -> Array:
    """``A(t)`` of :class:`LinearPath` for a square ``W`` with ``det W > 0``.

    ``A(0) = I``, ``A(1) = W`` and ``det A(t) > 0`` on ``[0, 1]``.  For many
    ``t`` with the same ``W``, build a :class:`LinearPath` once instead.
    """
    return LinearPath(W)(t)


def _complete_columns(W: Array, dim: int) -> Array:
    """The square ``[W̃ | N]`` (``dim × dim``) with ``W̃ = W`` padded by zero rows.

    ``N``: orthonormal columns spanning the complement of ``W̃``'s column space,
    the basis closest to the trailing coordinate axes, signed so ``det > 0``
    (``= 0`` only if ``W`` has dependent columns).
    """
    m, n = W.shape
    Wt = np.zeros((dim, n))
    Wt[:m] = W
    U, _, _ = np.linalg.svd(Wt, full_matrices=True)
    N = align_rows(U[:, n:].T, np.eye(dim)[n:]).T
    M = np.hstack([Wt, N])
    if np.linalg.det(M) < 0.0:
        M[:, -1] *= -1.0
    return M


def _row_space_rotation(W: Array) -> tuple[Array, Array]:
    """For ``W`` (``m × n``, ``m < n``): a rotation ``Q`` of ``R^n`` and ``C = W Q[:m]ᵀ``.

    ``Q[:m]`` spans ``W``'s row space (so ``W = C Q[:m]``) and is the basis of it
    closest to the first ``m`` axes; its first row is signed so ``det C ≥ 0``.
    ``Q[m:]`` spans the null space, closest to the remaining axes, its last row
    signed so ``det Q = +1``.
    """
    m, n = W.shape
    _, _, Vt = np.linalg.svd(W, full_matrices=True)
    eye = np.eye(n)
    top = align_rows(Vt[:m], eye[:m])
    C = W @ top.T
    if np.linalg.det(C) < 0.0:
        top[0] *= -1.0
        C[:, 0] *= -1.0
    Q = np.vstack([top, orthonormal_complement(top, like=eye[m:])])
    if np.linalg.det(Q) < 0.0:
        Q[-1] *= -1.0
    return Q, C


# --------------------------------------------------------------------------- stage motions


def _project(H: Array, B: Array) -> Array:
    """``H Bᵀ`` with a contiguous right operand (a transposed view is far slower in BLAS)."""
    return H @ np.ascontiguousarray(B.T)


class _Motion:
    """How one stage moves the states (rows, ``dim`` coordinates).

    ``end(H0)`` is the state at ``t = 1``.  In between, every point moves along
    the straight segment from its start to its end, ``(1−t) H0 + t H1``: this
    *is* ``x + t b`` (bias), ``(1−t) x + t σ(x)`` (activation) and
    ``y_i ↦ (1−t) y_i`` (squash), and lift/output do not move (``H1 = H0``).
    Only the linear stage overrides it.  With the end states cached, a frame is
    one or two matrix products, whatever the stage.
    """

    dim: int

    def end(self, H0: Array) -> Array:
        return H0

    def state(self, H0: Array, H1: Array, t: float) -> Array:
        if H1 is H0:
            return H0
        return (1.0 - t) * H0 + t * H1

    def display(self, H0: Array, H1: Array, t: float, B: Array) -> Array:
        """``state(H0, H1, t) Bᵀ``, projecting before interpolating (cheaper when ``k < D``)."""
        P0 = _project(H0, B)
        if H1 is H0:
            return P0
        P0 *= 1.0 - t
        P0 += t * _project(H1, B)
        return P0

    def speed(self, H0: Array, H1: Array) -> float:
        """A bound on how far any point moves per unit ``t`` (network coordinates)."""
        if H1 is H0 or not len(H0):
            return 0.0
        return float(np.max(np.linalg.norm(H1 - H0, axis=1)))


class _Hold(_Motion):
    """No motion (lift, output)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim


class _Linear(_Motion):
    """``x ↦ A(t) x`` along a :class:`LinearPath`."""

    def __init__(self, M: Array) -> None:
        self.path = LinearPath(M)
        self.dim = len(M)

    def end(self, H0: Array) -> Array:
        return _project(H0, self.path.W)

    def state(self, H0: Array, H1: Array, t: float) -> Array:
        return H1 if t >= 1.0 else _project(H0, self.path(t))

    def display(self, H0: Array, H1: Array, t: float, B: Array) -> Array:
        return _project(H0, B @ self.path(t))

    def speed(self, H0: Array, H1: Array) -> float:
        return self.path.speed * float(np.max(np.linalg.norm(H0, axis=1), initial=0.0))


class _Bias(_Motion):
    def __init__(self, b: Array) -> None:
        self.b = b
        self.dim = len(b)

    def end(self, H0: Array) -> Array:
        return H0 + self.b


class _Activate(_Motion):
    """σ on the first ``width`` coordinates (the padding of a width-1 layer stays zero)."""

    def __init__(self, act: Activation, width: int, dim: int) -> None:
        self.act, self.width, self.dim = act, width, dim

    def end(self, H0: Array) -> Array:
        out = H0.copy()
        out[:, : self.width] = self.act.f(H0[:, : self.width])
        return out


class _Squash(_Motion):
    """Coordinates ``keep, keep+1, ...`` shrink to zero."""

    def __init__(self, keep: int, dim: int) -> None:
        self.keep, self.dim = keep, dim

    def end(self, H0: Array) -> Array:
        out = H0.copy()
        out[:, self.keep :] = 0.0
        return out


class _Raise(_Motion):
    """``(x, y, 0) ↦ (x, y, f(x, y))``: the plane lifted by a hand-made feature."""

    dim = 3

    def __init__(self, feature) -> None:
        self.feature = feature

    def end(self, H0: Array) -> Array:
        out = H0.copy()
        out[:, 2] = self.feature(H0[:, 0], H0[:, 1])
        return out


def _fit(H: Array, dim: int) -> Array:
    """Zero-pad or truncate the columns of ``H`` to ``dim`` (truncated ones are zero here)."""
    d = H.shape[1]
    if d == dim:
        return H
    if d > dim:
        return H[:, :dim]
    return np.hstack([H, np.zeros((len(H), dim - d))])


def _fit_basis(B: Array, dim: int, k: int) -> Array:
    """Carry a display basis across a change of working dimension or display dimension.

    New coordinates (a lift) get zero columns, and new display rows are their
    axes, which show zeros, so the picture is unchanged.  Dropped rows and
    columns (after a squash) belong to coordinates that are zero by then.
    """
    k0, d0 = B.shape
    if k > k0:
        if dim < d0 + k - k0:
            raise ValueError("a display dimension can only grow at a lift")
        B = np.vstack([_fit(B, dim), np.eye(dim)[d0 : d0 + k - k0]])
    B = _fit(B[:k], dim)
    return closest_orthonormal(B) if (dim < d0 or k < k0) else B


class _TurningWith:
    """The display basis of a rotation stage ``h ↦ Q(t) h`` of a wide space: ``B(t) = B0 Q(t)ᵀ``.

    Every point is shown at ``B0 Q(t)ᵀ Q(t) h = B0 h`` for every ``t``: a turn of a space seen
    through its own principal axes changes nothing, so nothing moves (the least motion there
    is; a view aligned only at the stage's ends would swing out and back on the way).  The
    rows stay orthonormal, ``B(1) = B0 Qᵀ`` spans the turned principal axes.
    """

    def __init__(self, B0: Array, path: LinearPath) -> None:
        self.B0, self.path = B0, path
        self.moves = True

    @property
    def speed(self) -> float:
        return self.path.speed

    def __call__(self, t: float) -> Array:
        t = min(max(float(t), 0.0), 1.0)
        return self.B0 @ self.path(t).T


#: a stage whose picture of the reference points gets flatter than this share of its ends'
#: (second spread over first) passes edge-on: :meth:`Flow._frame_paths` mirrors an earlier
#: keyframe to avoid it where it can
EDGE_ON = 0.15


def _flatness(motion, H0: Array, H1: Array, path, samples: int = 16) -> float:
    """The flattest the 2-D picture of the states gets over a stage (second singular value over
    first of the centred picture, the least over ``samples`` moments), over the flattest of its
    two ends: near 0 where the view passes edge-on through points that are not flat."""
    ratios = []
    for t in np.linspace(0.0, 1.0, samples + 1):
        P = motion.display(H0, H1, t, path(t))
        P = P - P.mean(axis=0)
        s = np.linalg.svd(P, compute_uv=False)
        ratios.append(s[1] / s[0] if len(s) > 1 and s[0] > 0 else 1.0)
    ends = min(ratios[0], ratios[-1])
    return float(min(ratios) / ends) if ends > 0 else 1.0


def _least_motion(B1: Array, H1: Array, shown: Array, anchor: Array | None) -> Array:
    """The end view ``B1`` of a linear stage turned, inside its span, so that the points move least.

    A linear stage changes coordinates (``h ↦ W h``), so aligning ``B1``'s directions to the start
    view's (what :func:`keyframe_basis` does) compares vectors of two different spaces; the
    points' own positions are what the viewer follows.  Orthogonal Procrustes between where the
    start view shows the points (``shown``) and where ``B1`` shows their end states
    (:func:`~nnanim.core.projection.aligned_view`): the Grand Tour's alignment of consecutive
    layers, under which a linear stage plays as close to a per-axis scaling as the map allows.
    With an ``anchor`` the rows that span the output weights turn among themselves and the rest
    among themselves, so the output's axis stays where the flow put it.
    """
    if not len(shown):
        return B1
    r = 0
    if anchor is not None and len(anchor):  # as many rows as keyframe_basis gave the anchor
        s = np.linalg.svd(np.atleast_2d(anchor), compute_uv=False)
        r = int(min(len(B1), np.sum(s > 1e-9 * max(s[0], np.finfo(float).tiny))))
    blocks = [slice(0, r), slice(r, len(B1))] if 0 < r < len(B1) else [slice(0, len(B1))]
    out = B1.copy()
    for rows in blocks:
        out[rows] = aligned_view(B1[rows], H1, shown[:, rows])
    return out


# --------------------------------------------------------------------------- stages, flow, trace


@dataclass
class Stage:
    """One animated stage.

    ``layer`` is the 0-based network layer (hidden layer ``l`` is shown as
    "layer l+1"; the output layer is ``len(weights) - 1``); ``dim`` is the
    display dimension (2 or 3) during the stage.
    """

    index: int
    kind: StageKind
    layer: int
    caption: str
    dim: int


@dataclass
class _Step:
    """A stage with its motion and the rule for its end-of-stage display basis."""

    kind: StageKind
    layer: int
    caption: str
    motion: _Motion
    frame: str  # "hold": keep the start basis | "axes": first axes | "pca" | "anchor"


class Flow:
    """The stages of one network's forward pass and their display geometry.

    Build with :func:`build_flow`.  ``network`` is the network actually shown
    (hidden units possibly permuted, same function as the one given).
    """

    def __init__(
        self,
        network: Network,
        steps: list[_Step],
        reference: Array,
        wide_dim: int,
    ) -> None:
        self.network = network
        self.wide_dim = wide_dim
        self._steps = steps
        self._k = [self._display_dim(st.motion.dim) for st in steps]
        self.stages = [
            Stage(i, st.kind, st.layer, st.caption, k)
            for i, (st, k) in enumerate(zip(steps, self._k, strict=True))
        ]
        self._anchor = self._output_rows()
        self._bases = self._frame_paths(np.asarray(reference, dtype=float))

    # ----------------------------------------------------------------- geometry set-up

    def _display_dim(self, dim: int) -> int:
        return dim if dim <= 3 else self.wide_dim

    @property
    def input_dim(self) -> int:
        """Working dimension of the input state (a 1-D input is embedded as ``(x, 0)``)."""
        return max(2, self.network.widths[0])

    def _output_rows(self) -> Array:
        """Directions the output layer reads, padded to the last working dimension.

        Binary/regression: ``w``.  ``K`` classes: the centred rows
        ``w_i − mean_j w_j`` (only differences of logits matter).
        """
        W = self.network.weights[-1]
        if self.network.task == "multiclass":
            W = W - W.mean(axis=0)
        return _fit(W, self._steps[-1].motion.dim)

    def _frame_paths(self, reference: Array) -> list[BasisPath]:
        """Keyframe bases at every stage end from the reference states, and paths between.

        A flat picture's mirror image is reached from it only through edge-on (its points on
        one line for a moment: wine's squash 4 → 2 turned the view by 177° into layer 3's own
        axes, its first keyframes having left the picture mirrored).  Where a stage would pass
        the reference points that flat (:data:`EDGE_ON`) and ending the previous free keyframe
        mirrored (its last row negated: the same plane, still fitted to the points) avoids it,
        that mirror is taken there instead, where the points are not flat in the turn."""
        paths, flat = self._frame_paths_mirrored(reference, None)
        worst = int(np.argmin(flat))
        if flat[worst] >= EDGE_ON:
            return paths
        best = (sorted(flat), paths)
        for j in range(worst):  # one earlier keyframe mirrored: the least flat of all tries
            tried, flat_j = self._frame_paths_mirrored(reference, j)
            if tried is not None and sorted(flat_j) > best[0]:
                best = (sorted(flat_j), tried)
        return best[1]

    def _frame_paths_mirrored(self, reference: Array, mirror: int | None):
        """``(paths, flatness)`` of :meth:`_frame_paths` with the keyframe ending stage ``mirror``
        mirrored (``(None, ())`` when that stage's keyframe is not free); ``flatness`` per stage:
        the least, over the stage, of its picture's second spread over its first (the singular
        values of the centred reference points' 2-D picture), over the least at its ends."""
        H = _fit(self._check_inputs(reference), self.input_dim)
        dim = H.shape[1]
        k = self._display_dim(dim)
        B = np.eye(dim)[:k]
        if dim > 3:  # a wide input: its principal axes, fixed by the data alone
            B = principal_axes(H, k)
        paths, flat, mirrored = [], [], False
        for st, k in zip(self._steps, self._k, strict=True):
            dim = st.motion.dim
            H = _fit(H, dim)
            B0 = _fit_basis(B, dim, k)
            shown = _project(H, B0)
            H0 = H
            H = st.motion.end(H)
            flat.append(1.0)
            if dim <= 3:
                B1 = np.eye(dim)
            elif st.frame == "hold":
                B1 = B0
            elif st.frame == "axes":
                B1 = np.eye(dim)[:k]
            else:
                anchor = self._anchor if st.frame == "anchor" else None
                if st.kind == "rotate" and isinstance(st.motion, _Linear):
                    # a turn of a wide space: the view turns with it, and the picture holds still
                    paths.append(_TurningWith(B0, st.motion.path))
                    B = paths[-1](1.0)
                    continue
                B1 = keyframe_basis(H, k, B0, anchor)
                if isinstance(st.motion, _Linear):
                    B1 = _least_motion(B1, H, shown, anchor)
                if len(paths) == mirror:
                    B1 = B1.copy()
                    B1[-1] *= -1.0
                    mirrored = True
            if isinstance(st.motion, _Squash) and B1.shape[0] <= st.motion.keep:
                # the squashed coordinates are dropped next: the end basis must not use them,
                # or re-orthonormalising without them would shift the picture between stages
                # (PCA can pick them when the reference states have fewer directions than k)
                B1 = closest_orthonormal(_fit(B1[:, : st.motion.keep], dim))
            paths.append(BasisPath(B0, B1))
            if k == 2 and dim > 3:
                flat[-1] = _flatness(st.motion, H0, H, paths[-1])
            B = B1
        if mirror is not None and not mirrored:
            return None, ()
        return paths, flat

    def _check_inputs(self, X: Array) -> Array:
        X = np.asarray(X, dtype=float)
        d = self.network.widths[0]
        if X.ndim == 1 and d == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"expected points of shape (M, {d}), got {X.shape}")
        return X

    # ----------------------------------------------------------------- public API

    def trace(self, X: Array) -> Trace:
        """Carry the points ``X`` (``(M, d_in)``, input space) through every stage."""
        return Trace(self, self._check_inputs(X))

    def basis(self, s: int, t: float) -> Array:
        """The display basis (``k × D``, orthonormal rows) of stage ``s`` at time ``t``."""
        return self._bases[s](t)

    def framing(self, trace: Trace, s: int, t: float) -> tuple[Array, float]:
        """``(centre (3,), half_extent)``: a cube in display coordinates around the traced points.

        See :meth:`Trace.framing`.
        """
        return trace.framing(s, t)

    @property
    def boundaries_exact(self) -> bool:
        """Whether every output boundary is exactly a line/plane in the final display.

        True unless a wide last hidden layer feeds more classes than the display
        has axes (``K − 1 > k``): then the boundaries are drawn through a
        projection that cannot hold all of the weight differences.
        """
        B = self._bases[-1](1.0)
        A = self._anchor
        return bool(np.allclose(A @ B.T @ B, A, rtol=0.0, atol=1e-9 * max(np.abs(A).max(), 1.0)))

    def output_boundaries(self) -> list[tuple[int, int, Array, float]]:
        """Output boundaries in the final display space as ``(i, j, w, c)``.

        ``w·p + c > 0`` (``p`` a display point, ``w`` of shape ``(3,)``) where the
        logit of class ``i`` exceeds that of class ``j``.  Binary: the single
        ``(1, 0, w, b)``.  ``K`` classes: every pair ``i < j``; the actual
        decision boundary is the part of each line where ``i`` and ``j`` are the
        two largest logits.
        """
        net = self.network
        if net.task in ("regression", "autoencoder"):
            raise ValueError(f"a {net.task} network has no decision boundary")
        B = self._bases[-1](1.0)
        dim = self._steps[-1].motion.dim
        out = []
        for i, j, w, c in linear_pairs(net.weights[-1], net.biases[-1]):
            wd = np.zeros(3)
            wd[: len(B)] = B @ _fit(w[None, :], dim)[0]
            out.append((i, j, wd, c))
        return out

    def output_boundary(self) -> tuple[Array, float]:
        """``(w, c)``: the output boundary ``{p : w·p + c = 0}`` in the final display space.

        ``w·p + c > 0`` exactly where the network predicts class 1.  For ``K > 2``
        classes use :meth:`output_boundaries`.
        """
        pairs = self.output_boundaries()
        if self.network.task == "multiclass":
            if len(pairs) != 1:
                raise ValueError(
                    f"{len(self.network.biases[-1])} classes have several boundaries; "
                    "use output_boundaries()"
                )
            _, _, w, c = pairs[0]
            return -w, -c  # pair (0, 1) → orient towards class 1
        _, _, w, c = pairs[0]
        return w, c

    def output_probabilities(self, P: Array) -> Array:
        """Class probabilities ``(M, K)`` at display points ``P`` of the final space.

        Exact wherever :attr:`boundaries_exact` holds: the output only depends on
        the logit differences, which are affine in the display coordinates there
        (``w·p + c`` of :meth:`output_boundaries`).  Binary: ``K = 2`` columns.
        """
        P = np.asarray(P, dtype=float)
        P = np.pad(P, ((0, 0), (0, 3 - P.shape[1])))
        return probabilities(*self._display_logits())(P)

    def input_probabilities(self, P: Array) -> Array:
        """Class probabilities ``(M, K)`` of the network at input points ``P`` (binary: ``K = 2``)."""
        return class_probabilities(self.network.forward(self._check_inputs(P)).logits)

    def _display_logits(self) -> tuple[Array, Array]:
        """``(W (K, 3), b)``: the output logits as ``W p + b`` of display points of the final space.

        Binary: the one logit.  ``K`` classes: the logits relative to class 0,
        ``z_j − z_0 = −(w_{0j}·p + c_{0j})`` for the pairs ``(0, j)`` of
        :meth:`output_boundaries` (the softmax only sees differences).
        """
        pairs = self.output_boundaries()
        if self.network.task == "binary":
            _, _, w, c = pairs[0]
            return w[None, :], np.array([c])
        K = len(self.network.biases[-1])
        W, b = np.zeros((K, 3)), np.zeros(K)
        for i, j, w, c in pairs:
            if i == 0:
                W[j], b[j] = -w, -c
        return W, b

    def accuracy(self, X: Array, y: Array) -> float:
        """Accuracy recomputed from a forward pass of :attr:`network` (NaN for regression)."""
        return self.network.accuracy(self._check_inputs(X), np.asarray(y))

    def r_squared(self, X: Array, y: Array) -> float:
        """R² recomputed from a forward pass of :attr:`network` (NaN for classifiers)."""
        return self.network.r_squared(self._check_inputs(X), np.asarray(y))

    def output_affine(self) -> tuple[Array, float]:
        """``(w (3,), b)``: a regression network's output as ``ŷ = w·p + b`` of final display points.

        Exact wherever :attr:`boundaries_exact` holds (the display basis of the
        last hidden space contains the output weights).  So there the level sets
        ``ŷ = c`` are the parallel straight lines (planes) ``w·p + b − c = 0``.
        """
        net = self.network
        if net.task != "regression":
            raise ValueError("output_affine is the output of a regression network")
        B = self._bases[-1](1.0)
        w = np.zeros(3)
        w[: len(B)] = B @ _fit(net.weights[-1], self._steps[-1].motion.dim)[0]
        return w, float(net.biases[-1][0])

    def output_values(self, P: Array) -> Array:
        """``ŷ`` ``(M,)`` at display points ``P`` of the final space (see :meth:`output_affine`)."""
        w, b = self.output_affine()
        P = np.asarray(P, dtype=float)
        return P @ w[: P.shape[1]] + b


class Trace:
    """Points carried through a :class:`Flow`: their state at every stage start, cached.

    ``at(s, t)`` (display) and ``full(s, t)`` (network coordinates) each cost one
    vectorised call on the cached start of stage ``s``.
    """

    def __init__(self, flow: Flow, X: Array) -> None:
        self.flow = flow
        self.points = X
        starts, ends = [], []
        H = _fit(X, flow.input_dim)
        for st in flow._steps:
            H = _fit(H, st.motion.dim)
            starts.append(H)
            H = st.motion.end(H)
            ends.append(H)
        self._starts, self._ends = starts, ends
        self._frame: Track | None = None
        self._support: Track | None = None
        #: other traces framed with these points, within ``cap`` (see :meth:`with_context`)
        self._context: tuple[list[Trace], float, Array | None] = ([], FRAMING_CAP, None)
        #: the still stages over which the view may settle onto the points (see :meth:`settling`)
        self._settle: tuple[int, ...] | bool = ()

    def __len__(self) -> int:
        return len(self.points)

    def full(self, s: int, t: float) -> Array:
        """``(M, D)``: the exact state during stage ``s`` in the network's coordinates."""
        t = min(max(float(t), 0.0), 1.0)
        return self.flow._steps[s].motion.state(self._starts[s], self._ends[s], t)

    def at(self, s: int, t: float) -> Array:
        """``(M, 3)``: display coordinates during stage ``s`` (``z = 0`` in 2-D stages)."""
        t = min(max(float(t), 0.0), 1.0)
        B = self.flow._bases[s](t)
        out = np.zeros((len(self.points), 3))
        out[:, : len(B)] = self.flow._steps[s].motion.display(self._starts[s], self._ends[s], t, B)
        return out

    def speed(self, s: int) -> float:
        """A bound on how far any point moves on screen per unit ``t`` during stage ``s``.

        The motion's own speed plus the turning of the display basis; useful to
        pace stages (and to test that nothing jumps).
        """
        H0, H1 = self._starts[s], self._ends[s]
        motion = self.flow._steps[s].motion
        reach = max(float(np.max(np.linalg.norm(H, axis=1), initial=0.0)) for H in (H0, H1))
        return motion.speed(H0, H1) + self.flow._bases[s].speed * reach

    def framing(self, s: int, t: float) -> tuple[Array, float]:
        """``(centre (3,), half_extent)``: a cube containing the points, smooth in time.

        The bounding box is sampled ``FRAMING_SAMPLES`` times per stage on the global
        time ``u = s + t`` (stage ends and starts coincide), each sample widened to
        its neighbours within its stage so that points moving between samples stay
        inside; then :func:`~nnanim.core.camera.camera_track` makes the view of it: a
        centre that follows the data's smoothly, a zoom whose rate is bounded (it
        starts early for a fast growth), and stages where nothing moves holding the
        view.  The half extent includes ``FRAMING_MARGIN``.  Computed on the first
        call and cached.
        """
        return self._frames()(self._time(s, t))

    def framing_box(self, s: int, t: float) -> tuple[Array, Array]:
        """``(centre (3,), halves (3,))``: the same framing as a box, one half side per axis.

        ``max(halves)`` is :meth:`framing`'s half extent (see :meth:`Track.box
        <nnanim.core.camera.Track.box>`): for fitting the picture into a region that
        is not square.
        """
        return self._frames().box(self._time(s, t))

    def _boxes(self, stage: Array, u: Array) -> tuple[Array, Array]:
        """``(lo, hi)`` ``(S, 3)``: the points' bounding box at the global times ``u``."""
        boxes = [self.at(s, x - s) for s, x in zip(stage, u, strict=True)]
        return np.array([P.min(axis=0) for P in boxes]), np.array([P.max(axis=0) for P in boxes])

    def framing_support(self, s: int, t: float) -> tuple[Array, Array, Array]:
        """``(directions (K, 3), centres (K,), halves (K,))``: a slab per direction holding the
        points, each eased in time as :meth:`framing` eases the box.

        The points satisfy ``|p·d_k − centre_k| ≤ half_k`` for every direction ``d_k`` of
        :data:`~nnanim.core.camera.SUPPORT_DIRECTIONS` (the axes, the face and the body
        diagonals): together the slabs are a polytope much closer to a sheet or a curve of
        points than their box, from which a turned view is fitted
        (:meth:`nnanim.draw.mobjects.FlowView.screen_map`).  Each slab's width follows the same
        rate-bounded zoom as the box (:func:`~nnanim.core.camera.camera_track`): smooth in time.
        """
        if self._support is None:
            def slabs(stage, u):
                along = [self.at(k, x - k) @ SUPPORT_DIRECTIONS.T for k, x in zip(stage, u, strict=True)]
                return np.array([a.min(axis=0) for a in along]), np.array([a.max(axis=0) for a in along])

            self._support = self._track(len(SUPPORT_DIRECTIONS), slabs)
        centres, halves = self._support.box(self._time(s, t))
        return SUPPORT_DIRECTIONS, centres, halves

    def _time(self, s: int, t: float) -> float:
        """The global time ``u = s + t``, clamped to the flow."""
        return min(max(s + min(max(float(t), 0.0), 1.0), 0.0), float(len(self.flow.stages)))

    def _frames(self) -> Track:
        if self._frame is None:
            self._frame = self._framing()
        return self._frame

    def with_context(self, others, cap: float = FRAMING_CAP, aspect=None) -> Trace:
        """These points framed together with ``others`` (traces of the same flow: a grid, a
        boundary), each of those only as far as it costs the points at most a factor ``cap`` of
        their picture's size (:func:`~nnanim.core.camera.capped_union`).

        ``aspect``: the half sides ``(across, up, depth)`` of the region the view fits its box
        into (the depth seen from a tilt as height); by default a cube.  In a wide region a flat
        strip of points keeps its width and the grid is taken in above and below it, not a
        square of it that would leave the strip a sliver.

        A copy sharing the states; its framing is its own.  Where the others stay near the
        points (the input plane, a tanh-bounded layer) the whole grid is in view and its edge
        is seen; where a stage throws them far beyond the points, the view stops at the cap
        and they are cut at the picture's edge, so the points always keep a large share of it.
        """
        out = copy.copy(self)
        out._frame = None
        out._context = ([t for t in others if t is not None and len(t)], float(cap),
                        None if aspect is None else np.asarray(aspect, dtype=float))
        return out

    def settling(self, stages=True) -> Trace:
        """These points framed with a view that settles onto them over the still ``stages``
        (indices; ``True``: every one) that a shrink faster than the zoom's cap left it far out
        at (:func:`~nnanim.core.camera.camera_track`'s ``settle``): for a scene that plays those
        stages rather than jumping over or replaying them.  A copy sharing the states, with its
        context; :meth:`settled` tells which stages settle."""
        out = copy.copy(self)
        out._frame = out._support = None
        out._settle = stages if stages is True else tuple(int(s) for s in stages)
        return out

    def settled(self) -> tuple[int, ...]:
        """The still stages over which this framing settles onto the points (see :meth:`settling`)."""
        return self._frames().settling

    def _framing(self) -> Track:
        def boxes(stage, u):
            lo, hi = self._boxes(stage, u)
            others, cap, aspect = self._context
            if not others:
                return lo, hi
            # the others as one box, capped once against the points' own (capped one after
            # the other, each cap would count from the box the previous one had grown)
            boxes = [other._boxes(stage, u) for other in others]
            o_lo = np.min([b[0] for b in boxes], axis=0)
            o_hi = np.max([b[1] for b in boxes], axis=0)
            return capped_union(lo, hi, o_lo, o_hi, cap, aspect)

        return self._track(3, boxes, aspect=self._context[2])

    def _track(self, width: int, extent, aspect=None) -> Track:
        """The rate-bounded track (:func:`~nnanim.core.camera.camera_track`) of ``width`` intervals
        that ``extent(stage, u)`` gives as ``(lo, hi)`` ``(S, width)`` at :data:`FRAMING_SAMPLES`
        times a stage, each widened to its neighbours within its stage (no points: ``[-1, 1]``).
        The box of :meth:`framing` and the slabs of :meth:`framing_support` are both eased so."""
        n = len(self.flow.stages)
        u = np.linspace(0.0, n, n * FRAMING_SAMPLES + 1)
        if len(self.points) == 0:
            ones = np.ones((len(u), width))
            return camera_track(u, -ones, ones, FRAMING_SAMPLES, FRAMING_MARGIN)
        stage = np.minimum(np.floor(u).astype(int), n - 1)
        lo, hi = stage_widened(*extent(stage, u), FRAMING_SAMPLES, FRAMING_NEIGHBOURS)
        return camera_track(u, lo, hi, FRAMING_SAMPLES, FRAMING_MARGIN, settle=self._settle,
                            aspect=aspect)


# --------------------------------------------------------------------------- building a flow


def _layer_steps(
    layer: int, W: Array, b: Array, act: Activation | None, dim: int, last: bool
) -> list[_Step]:
    """The stages of hidden layer ``layer``, entering with states of ``dim`` coordinates.

    ``act`` None: an output layer shown as a map of its own (an autoencoder's
    decoder output, ``x̂ = W h + b``): its linear and bias stages, no activation.
    """
    name = f"layer {layer + 1}" if act is not None else "output"
    m, n = W.shape
    width = max(2, m)
    steps = []
    if m < n:
        Q, W = _row_space_rotation(W)
        squash_frame = "axes" if width <= 3 else "pca"
        steps += [
            _Step("rotate", layer, f"{name} · rotate", _Linear(Q), "pca"),
            _Step("squash", layer, f"squash {n} → {m}", _Squash(m, n), squash_frame),
        ]
        dim, n = width, m
    elif width > dim:
        steps.append(_Step("lift", layer, f"lift {n} → {m}", _Hold(width), "hold"))
        dim = width
    M = W if n == width else _complete_columns(W, width)
    frame = "anchor" if last else "pca"
    # a 1-D input (the line (x, 0)) is laid into the plane along the first layer's weights:
    # the lift 1 → m is this stage (a wider layer was lifted by a stage of its own above)
    linear = f"{name} · W·x" if n > 1 or steps else f"{name} · W·x, lift 1 → {m}"
    steps += [
        _Step("linear", layer, linear, _Linear(M), frame),
        _Step("bias", layer, f"{name} · + b", _Bias(_fit(b[None, :], width)[0]), frame),
    ]
    if act is not None:
        steps.append(_Step("activation", layer, f"{name} · {notation.word(act.name)}",
                           _Activate(act, m, width), frame))
    return steps


_OUTPUT_CAPTIONS = {
    "binary": "output · w·h + b = 0",
    "multiclass": "output · wᵢ·h + bᵢ = wⱼ·h + bⱼ",
    "regression": "output · w·h + b",
    "autoencoder": "reconstruction · x̂",
}


def build_flow(
    net: Network,
    reference: Array | None = None,
    wide_dim: int | None = None,
) -> Flow:
    """Cut ``net``'s forward pass into stages (see the module docstring).

    Parameters
    ----------
    net : Network
        Not modified; the flow shows :func:`permute_for_positive_det` of it.
    reference : (N, d_in) array, optional
        Input points whose states fix the projections of layers wider than
        three units (pass the data set).  Default: a grid over ``[-2, 2]^d_in``.
    wide_dim : {2, 3}, optional
        Display dimension of wide layers.  Default 3 if the input or a hidden
        layer has exactly three units (the display only changes dimension at
        lifts and squashes), else 2.
    """
    net = permute_for_positive_det(net)
    widths = net.widths
    autoencoder = net.task == "autoencoder"  # its output space is shown too: the reconstruction
    has_3d = 3 in (widths if autoencoder else widths[:-1])
    if wide_dim is None:
        wide_dim = 3 if has_3d else 2
    if wide_dim not in (2, 3) or (wide_dim == 2 and has_3d):
        raise ValueError("wide_dim must be 3 when a layer is 3-D, else 2 or 3")
    if reference is None:
        reference = _default_reference(widths[0])
    steps: list[_Step] = []
    dim = max(2, widths[0])
    hidden = len(net.weights) - 1
    for i in range(hidden):
        steps += _layer_steps(
            i, net.weights[i], net.biases[i], net.activations[i], dim,
            last=(i == hidden - 1 and not autoencoder),
        )
        dim = steps[-1].motion.dim
    if autoencoder:
        steps += _layer_steps(hidden, net.weights[-1], net.biases[-1], None, dim, last=False)
        dim = steps[-1].motion.dim
    frame = "anchor" if hidden == 0 and not autoencoder else "hold"
    steps.append(_Step("output", hidden, _OUTPUT_CAPTIONS[net.task], _Hold(dim), frame))
    return Flow(net, steps, reference, wide_dim)


def output_caption(task: str) -> str:
    """The title of the output stage for ``task`` (``"binary"``, ``"multiclass"``, ``"regression"``)."""
    return _OUTPUT_CAPTIONS[task]


def _default_reference(d: int) -> Array:
    if d == 1:
        return np.linspace(-2.0, 2.0, 401)[:, None]
    if d == 2:
        g = np.linspace(-2.0, 2.0, 41)
        return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    return np.random.default_rng(0).normal(size=(2000, d))


# --------------------------------------------------------------------------- regression: unit by unit


def unit_contributions(net: Network, X: Array) -> tuple[Array, float]:
    """``(C (M, k), b)``: what each unit of the last hidden layer adds to a one-output network.

    ``C[:, i] = w_i · h_i(x)`` (``w`` the output weights, ``h`` the last hidden
    layer), so ``ŷ(x) = b + Σ_i C[:, i]`` exactly: the fit built up unit by unit.
    """
    if net.weights[-1].shape[0] != 1:
        raise ValueError("unit contributions are those of a network with one output")
    h = net.forward(np.asarray(X, dtype=float)).hidden[-1]
    return h * net.weights[-1][0], float(net.biases[-1][0])


def unit_order(C: Array, b: float) -> list[int]:
    """The order in which to add the columns of ``C`` to ``b`` so the running sums stay closest to
    the final one: the order (of all, for the few units a scene shows) whose partial sums
    ``b + C[:, order[:j]].sum(1)`` reach least far outside the range of the full sum; ties keep
    the units' own order.  The sum is the same in any order; only the picture of its steps is not.
    """
    C = np.asarray(C, dtype=float)
    k = C.shape[1]
    total = b + C.sum(axis=1)
    lo, hi = float(total.min()), float(total.max())
    orders = itertools.permutations(range(k)) if k <= 6 else [tuple(range(k))]
    best, best_cost = list(range(k)), np.inf
    for order in orders:
        partial = b + np.cumsum(C[:, list(order)], axis=1)
        cost = max(float(partial.max()) - hi, lo - float(partial.min()), 0.0)
        if cost < best_cost - 1e-12:
            best, best_cost = list(order), cost
    return best


def unit_joints(net: Network) -> Array | None:
    """Where each first-layer unit of a 1-D input turns on: ``x_i = −b_i / a_i`` (``(k,)``).

    A ReLU unit ``relu(a_i x + b_i)`` has its joint there, a tanh or sigmoid unit
    the middle of its step.  ``None`` unless the network has one hidden layer on
    a 1-D input (only then is each unit's contribution one joint or one step of x);
    a unit with ``a_i = 0`` gives ``nan``.
    """
    if net.widths[0] != 1 or len(net.weights) != 2:
        return None
    a, b = net.weights[0][:, 0], net.biases[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a != 0.0, -b / np.where(a != 0.0, a, 1.0), np.nan)


class CrossFlow(Flow):
    """A hand-made feature cross: the plane lifted to ``(x, y, f(x, y))``, then a linear model there.

    Two stages: **lift** (each point rises along a vertical segment from
    ``(x, y, 0)`` to ``(x, y, f(x, y))``) and **output**, where the model's
    boundary ``w·(x, y, z) + b = 0`` is a flat plane
    (:meth:`~Flow.output_boundary`).  ``network`` is that model on the lifted
    inputs (a logistic regression on ``(x, y, z)``: ``Network([W (1, 3)], [b],
    [], "binary")``); the flow's inputs are the points of the plane.
    """

    def __init__(self, feature, network: Network, reference: Array, caption: str) -> None:
        if network.widths[0] != 3 or len(network.weights) != 1:
            raise ValueError("a feature cross is read by one linear layer on (x, y, z)")
        self.feature = feature
        steps = [_Step("lift", 0, caption, _Raise(feature), "hold"),
                 _Step("output", 1, _OUTPUT_CAPTIONS[network.task], _Hold(3), "hold")]
        super().__init__(network, steps, reference, wide_dim=3)

    @property
    def input_dim(self) -> int:
        return 2

    def _check_inputs(self, X: Array) -> Array:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"expected points of the plane, shape (M, 2), got {X.shape}")
        return X

    def lift(self, X: Array) -> Array:
        """``(M, 3)``: the points ``(x, y, f(x, y))``."""
        X = self._check_inputs(X)
        return np.column_stack([X, self.feature(X[:, 0], X[:, 1])])

    def accuracy(self, X: Array, y: Array) -> float:
        """The linear model's accuracy on the lifted points."""
        return self.network.accuracy(self.lift(X), np.asarray(y))

    def preimage(self, bounds, resolution: int = 300) -> list[Array]:
        """The plane's preimage in the input plane: polylines where ``w·(x, y, f(x, y)) + b = 0``."""
        from nnanim.core.curves import zero_set

        w, c = self.network.weights[0][0], float(self.network.biases[0][0])
        return zero_set(lambda P: self.lift(P) @ w + c, bounds, resolution)
