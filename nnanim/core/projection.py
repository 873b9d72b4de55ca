"""Orthonormal frames and their smooth motion.

Two pieces of geometry that the flow needs and that know nothing of networks:

* :class:`RotationPath` — the constant-speed rotation ``t ↦ exp(t log R)`` from
  the identity to a proper rotation ``R`` in any dimension.  ``R`` is brought to
  real Schur form ``R = Z T Zᵀ``; for an orthogonal matrix ``T`` is block
  diagonal with 2×2 plane rotations by ``θ_k`` and 1×1 blocks ``±1``.  Pairs of
  ``-1`` blocks are rotations by ``π`` (their number is even because
  ``det R = +1``).  Then ``G(t) = Z T(t) Zᵀ`` where ``T(t)`` turns every plane by
  ``t θ_k``: no matrix logarithm, no complex arithmetic, and rotations by
  (nearly) ``π`` are handled like any other.
* The class-vertex view of a softmax output (after the Distill Grand Tour):
  :func:`class_vertices` puts the ``K`` classes on the corners of a regular
  polygon, :func:`class_vertex_view` shows a point of probabilities ``p`` at
  ``Σ_k p_k v_k``.  The polygon's columns are orthogonal, so the view is a
  (scaled) orthonormal projection of the probability simplex: exact for three
  classes, a faithful picture of confidence for more.
* :func:`procrustes_rotation` / :func:`aligned_view`: of all the views of one
  space through a given subspace, the one whose points lie closest to where
  the previous view showed them, so a stage moves the picture no more than it
  must.
* Display bases for layers wider than three units: ``k`` orthonormal rows
  ``B`` (``k × D``) so that a state ``h`` is shown at ``B h``.
  :func:`keyframe_basis` picks the basis at the end of a stage (anchor
  directions first, then principal axes), :class:`BasisPath` moves from one
  basis to the next by a single rotation of ``R^D`` so that the rows stay
  orthonormal at every instant.

Every choice left free by the geometry (signs, rotations inside a subspace, the
completion of a frame) is made *closest to the previous frame* (orthogonal
Procrustes), so the picture never spins or flips for no reason.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import schur

from nnanim.core.notation import NBSP, number

__all__ = [
    "aligned_view",
    "class_vertex_view",
    "class_vertices",
    "procrustes_rotation",
    "BasisPath",
    "RotationPath",
    "align_rows",
    "closest_orthonormal",
    "InputPlane",
    "axis_words",
    "describe_axes",
    "keyframe_basis",
    "orthonormal_complement",
    "principal_axes",
    "smoothstep",
]

Array = np.ndarray


def smoothstep(t: float) -> float:
    """``3t² − 2t³`` on ``[0, 1]``: starts and ends at rest, so frames join with zero speed."""
    t = min(max(float(t), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def closest_orthonormal(M: Array) -> Array:
    """The matrix with orthonormal rows nearest to ``M`` (Frobenius norm).

    For ``M = U Σ Vᵀ`` (thin SVD, ``M`` with at most as many rows as columns)
    this is ``U Vᵀ``, the orthogonal factor of the polar decomposition.
    """
    U, _, Vt = np.linalg.svd(np.atleast_2d(M), full_matrices=False)
    return U @ Vt


def align_rows(S: Array, target: Array) -> Array:
    """Rotate/reflect the orthonormal rows ``S`` inside their span to be closest to ``target``.

    Returns ``O S`` with ``O`` orthogonal minimising ``‖O S − target‖`` (orthogonal
    Procrustes: ``O`` is the orthogonal polar factor of ``target Sᵀ``).  For one
    row this just chooses the sign.  ``target`` may have fewer rows than ``S``
    (then only the first rows are matched); with no target ``S`` is returned.
    """
    r = len(S)
    if r == 0 or len(target) == 0:
        return S
    T = np.zeros_like(S)
    T[: len(target)] = target[:r]
    return closest_orthonormal(T @ S.T) @ S


def orthonormal_complement(B: Array, like: Array | None = None) -> Array:
    """Orthonormal rows spanning the orthogonal complement of the rows of ``B`` (``k × D``).

    Returns ``(D − k) × D``.  If ``like`` is given, the basis of the complement
    is the one closest to ``like`` (see :func:`align_rows`).
    """
    k, D = B.shape
    _, _, Vt = np.linalg.svd(B, full_matrices=True)
    C = Vt[k:]
    return align_rows(C, like) if like is not None else C


class RotationPath:
    """The rotation path ``G(t) = exp(t log R)`` from ``G(0) = I`` to ``G(1) = R``.

    Parameters
    ----------
    R : (n, n) array
        A proper rotation (orthogonal, ``det R = +1``).

    Notes
    -----
    ``G(t)`` is orthogonal with determinant ``+1`` for every ``t`` and moves at
    constant angular speed; ``angles`` are the plane angles ``θ_k`` (in
    ``[-π, π]``), so ``max|θ_k|`` bounds how far a unit vector travels.
    ``G(1)`` returns ``R`` itself.
    """

    def __init__(self, R: Array) -> None:
        R = np.array(R, dtype=float)
        n = R.shape[0]
        if R.shape != (n, n) or not np.allclose(R @ R.T, np.eye(n), atol=1e-8):
            raise ValueError("RotationPath needs an orthogonal matrix")
        T, Z = schur(R, output="real")
        p: list[int] = []
        q: list[int] = []
        theta: list[float] = []
        minus: list[int] = []
        i = 0
        while i < n:
            if i + 1 < n and T[i + 1, i] != 0.0:  # a 2×2 block: a plane rotation
                p.append(i)
                q.append(i + 1)
                theta.append(float(np.arctan2(T[i + 1, i], T[i, i])))
                i += 2
            else:
                if T[i, i] < 0.0:
                    minus.append(i)
                i += 1
        if len(minus) % 2:
            raise ValueError("RotationPath needs det R = +1 (got a reflection)")
        for a, b in zip(minus[::2], minus[1::2], strict=True):  # two −1 eigenvalues: a half turn
            p.append(a)
            q.append(b)
            theta.append(float(np.pi))
        self.R = R
        self._Z = Z
        self._p = np.array(p, dtype=int)
        self._q = np.array(q, dtype=int)
        self.angles = np.array(theta, dtype=float)

    def __call__(self, t: float) -> Array:
        t = float(t)
        if t >= 1.0:
            return self.R.copy()
        n = len(self.R)
        if t <= 0.0 or not len(self.angles):
            return np.eye(n)
        c, s = np.cos(t * self.angles), np.sin(t * self.angles)
        T = np.eye(n)
        T[self._p, self._p] = c
        T[self._q, self._q] = c
        T[self._p, self._q] = -s
        T[self._q, self._p] = s
        return self._Z @ T @ self._Z.T


class BasisPath:
    """Orthonormal display frames ``B(t)`` (``k × D``) moving from ``B0`` to ``B1``.

    ``B(t) = B0 G(smoothstep(t))`` where ``G`` is a :class:`RotationPath` in
    ``SO(D)`` with ``B0 G(1) = B1``: both frames are completed to full
    orthonormal bases ``F0``, ``F1`` of ``R^D`` (the completion of ``F1`` chosen
    closest to that of ``F0``, and with the same orientation), and
    ``G = F0ᵀ F1``.  Rows stay exactly orthonormal for every ``t``; the easing
    makes consecutive stages join with zero angular speed.
    """

    def __init__(self, B0: Array, B1: Array | None = None) -> None:
        self.B0 = np.array(B0, dtype=float)
        self.B1 = self.B0 if B1 is None else np.array(B1, dtype=float)
        if self.B0.shape != self.B1.shape:
            raise ValueError(f"frames differ in shape: {self.B0.shape} vs {self.B1.shape}")
        self._rot: RotationPath | None = None
        if not np.allclose(self.B0, self.B1, rtol=0.0, atol=1e-13):
            k, D = self.B0.shape
            F0 = np.vstack([self.B0, orthonormal_complement(self.B0)])
            F1 = np.vstack([self.B1, orthonormal_complement(self.B1, like=F0[k:])])
            if np.linalg.det(F0) * np.linalg.det(F1) < 0.0:
                if k == D:
                    raise ValueError("cannot rotate a full frame onto its mirror image")
                F1[-1] *= -1.0
            self._rot = RotationPath(F0.T @ F1)

    @property
    def moves(self) -> bool:
        return self._rot is not None

    @property
    def speed(self) -> float:
        """A bound on ``‖B'(t)‖``: largest plane angle times the easing's peak rate 3/2."""
        if self._rot is None:
            return 0.0
        return 1.5 * float(np.max(np.abs(self._rot.angles), initial=0.0))

    def __call__(self, t: float) -> Array:
        if self._rot is None:
            return self.B0
        if t >= 1.0:
            return self.B1
        if t <= 0.0:
            return self.B0
        return self.B0 @ self._rot(smoothstep(t))


def keyframe_basis(
    states: Array,
    k: int,
    previous: Array,
    anchor: Array | None = None,
    rtol: float = 1e-9,
) -> Array:
    """The ``k × D`` display basis for a cloud of states (rows of ``states``).

    Rows are, in order: an orthonormal basis of the span of ``anchor`` (at most
    ``k`` directions; for the last hidden layer the output weights, so the
    decision boundary is a straight line on screen), then the principal axes of
    the centred states in the anchor's orthogonal complement, then — if the
    cloud is flatter than ``k`` — directions taken from ``previous``.  Each
    block is rotated inside its own span to be closest to the matching rows of
    ``previous`` (so signs and in-plane angles carry over from frame to frame).
    """
    D = states.shape[1]
    rows = np.zeros((0, D))
    if anchor is not None and len(anchor):
        _, s, Vt = np.linalg.svd(np.atleast_2d(anchor), full_matrices=False)
        r = int(min(k, np.sum(s > rtol * max(s[0], np.finfo(float).tiny))))
        rows = align_rows(Vt[:r], previous[:r])
    X = states - states.mean(axis=0)
    X = X - (X @ rows.T) @ rows
    if len(rows) < k and len(X):
        _, s, Vt = np.linalg.svd(X, full_matrices=False)
        j = int(min(k - len(rows), np.sum(s > rtol * max(s[0], np.finfo(float).tiny))))
        r = len(rows)
        rows = np.vstack([rows, align_rows(Vt[:j], previous[r : r + j])])
    if len(rows) < k:  # a flat cloud: keep what the previous frame showed, then any axes
        for v in np.vstack([previous[len(rows) :], np.eye(D)]):
            v = v - rows.T @ (rows @ v)
            norm = np.linalg.norm(v)
            if norm > 1e-6:
                rows = np.vstack([rows, v / norm])
            if len(rows) == k:
                break
    return rows


def class_vertices(K: int) -> Array:
    """``(K, 2)``: the corners of a regular ``K``-gon on the unit circle, class 0 at the top,
    the others counter-clockwise (two classes: the two ends of a horizontal segment).

    For ``K ≥ 3`` the two columns are orthogonal and each has squared norm ``K/2``, so
    ``Vᵀ/√(K/2)`` has orthonormal rows: :func:`class_vertex_view` is an orthonormal
    projection of the probability simplex, scaled.
    """
    K = int(K)
    if K < 2:
        raise ValueError(f"a class-vertex view needs 2 classes or more, got {K}")
    if K == 2:
        return np.array([[-1.0, 0.0], [1.0, 0.0]])
    angle = np.pi / 2 + 2 * np.pi * np.arange(K) / K
    return np.column_stack([np.cos(angle), np.sin(angle)])


def class_vertex_view(p: Array, vertices: Array | None = None) -> Array:
    """``(N, 2)``: each point at ``Σ_k p_k · v_k``, the softmax mixture of the class vertices.

    ``p`` is ``(N, K)`` class probabilities (rows summing to 1); ``vertices`` default to
    ``class_vertices(K)``.  A point the network is sure of (``p`` one-hot) sits on
    its class's vertex; an unsure one between the vertices of the classes it hesitates
    between; ``p`` uniform at the centre.
    """
    p = np.atleast_2d(np.asarray(p, dtype=float))
    V = class_vertices(p.shape[1]) if vertices is None else np.asarray(vertices, dtype=float)
    if V.shape[0] != p.shape[1]:
        raise ValueError(f"{p.shape[1]} probabilities per point but {V.shape[0]} vertices")
    return p @ V


def procrustes_rotation(P: Array, Q: Array) -> Array:
    """The orthogonal ``O`` (``k × k``) minimising ``‖Q O − P‖`` (Frobenius): orthogonal Procrustes.

    ``P`` and ``Q`` are ``(N, k)`` (the same points as two views show them); with
    ``Qᵀ P = U Σ Vᵀ``, ``O = U Vᵀ``.
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    U, _, Vt = np.linalg.svd(Q.T @ P)
    return U @ Vt


def aligned_view(S: Array, H: Array, shown: Array) -> Array:
    """The view of the states ``H`` through the span of ``S`` closest to ``shown``.

    ``S`` (``k × D``, orthonormal rows) fixes which subspace is shown; any ``O S`` with
    ``O`` orthogonal shows the same subspace.  This returns the ``O S`` whose picture
    of the states, ``H (O S)ᵀ``, lies closest to ``shown`` (``(N, k)``: where the
    previous view put the same points), by :func:`procrustes_rotation`.  Taking for the
    points the unit vectors themselves (``H = Wᵀ``, ``shown = B0ᵀ``: where a linear stage
    ``h ↦ W h`` sends each axis, and where the previous view ``B0`` showed it) aligns the
    views through the map, as the Distill Grand Tour does: for ``W = U Σ Vᵀ`` seen from
    ``B0 = V_kᵀ`` through ``S = U_kᵀ`` the rotation is the identity, and the stage plays
    as a per-axis scaling by the singular values.
    """
    S = np.atleast_2d(np.asarray(S, dtype=float))
    O = procrustes_rotation(shown, np.asarray(H, dtype=float) @ S.T)
    return O.T @ S


def describe_axes(X: Array, basis: Array, names, top: int = 2) -> list[tuple[str, float]]:
    """Each row of ``basis`` (``k × D``, orthonormal) as ``(words, share of variance)``.

    ``words`` names the axis by its ``top`` largest loadings, largest first,
    with a true minus: ``"petal length 0.58 · petal width 0.56 …"`` (the dots
    say that smaller loadings follow).  ``share`` is the variance of ``X``
    along the axis over the total variance of ``X`` (its trace of covariance):
    what the picture keeps of the data's spread along that axis.
    """
    X = np.asarray(X, dtype=float)
    B = np.atleast_2d(np.asarray(basis, dtype=float))
    centred = X - X.mean(axis=0)
    total = float(np.sum(centred**2))
    out = []
    for b in B:
        share = float(np.sum((centred @ b) ** 2)) / total if total > 0 else 0.0
        order = np.argsort(-np.abs(b), kind="stable")[:top]
        parts = [f"{names[j]} {number(b[j])}" for j in order]
        more = " …" if len(b) > top else ""
        out.append((" · ".join(parts) + more, share))
    return out


def axis_words(b: Array, names, letter: str, near: float = 0.75, most: int = 3) -> str:
    """A display axis ``b`` (a unit vector of loadings) in words: the features it grows with and
    falls with most, ``"p₁ grows most with petal length, petal width and sepal length"``.

    Named are the features whose loading is at least ``near`` times the largest in size (at
    most ``most`` of them, largest first): the ones the axis mostly is.  A feature's name is
    bound by no-break spaces (a line never breaks inside ``sepal length``).
    """
    b = np.asarray(b, dtype=float)
    size = np.abs(b)
    order = [j for j in np.argsort(-size, kind="stable")[:most] if size[j] >= near * size.max()]

    def listed(js):
        words = [str(names[j]).replace(" ", NBSP) for j in js]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    grows = [j for j in order if b[j] > 0]
    falls = [j for j in order if b[j] < 0]
    parts = ([f"grows most with {listed(grows)}"] if grows else []) + \
            ([f"falls most with {listed(falls)}"] if falls else [])
    return f"{letter} " + ", ".join(parts)


def principal_axes(X: Array, k: int) -> Array:
    """The ``k`` principal axes of ``X`` (``k × D``, orthonormal rows), largest variance first.

    Signs are fixed so that each axis's largest loading is positive: the same
    data always gives the same axes (an input wider than three is shown
    through these, fitted once per run, never per epoch or stage).  A cloud
    flatter than ``k`` is completed with coordinate axes.
    """
    X = np.asarray(X, dtype=float)
    centred = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(centred, full_matrices=False)
    r = int(min(k, np.sum(s > 1e-9 * max(s[0], np.finfo(float).tiny)))) if len(s) else 0
    rows = Vt[:r]
    big = np.argmax(np.abs(rows), axis=1)
    rows = rows * np.where(rows[np.arange(r), big] < 0, -1.0, 1.0)[:, None]
    for v in np.eye(X.shape[1]):
        if len(rows) >= k:
            break
        v = v - rows.T @ (rows @ v)
        if np.linalg.norm(v) > 1e-6:
            rows = np.vstack([rows, v / np.linalg.norm(v)])
    return rows


class InputPlane:
    """Where a picture of the input space lies: the data's own plane, or, for data of more than
    two inputs, the plane of its two principal axes through its mean (fitted once, on the data).

    ``coords(X)`` gives the points' coordinates in the plane (their orthogonal projection),
    ``lift(P)`` the input points of plane coordinates ``P``; for 2-D data both are the identity.
    ``share`` is the fraction of the data's variance the plane keeps (1 for 2-D data).
    """

    def __init__(self, X: Array) -> None:
        X = np.asarray(X, dtype=float)
        self.dim = X.shape[1]
        self.wide = self.dim > 2
        if self.wide:
            self.origin = X.mean(axis=0)
            self.basis = principal_axes(X, 2)
            centred = X - self.origin
            total = float(np.sum(centred**2))
            self.share = float(np.sum((centred @ self.basis.T) ** 2)) / total if total > 0 else 1.0
        else:
            self.origin, self.basis, self.share = np.zeros(self.dim), np.eye(self.dim), 1.0

    def coords(self, X: Array) -> Array:
        X = np.asarray(X, dtype=float)
        return (X - self.origin) @ self.basis.T if self.wide else X

    def lift(self, P: Array) -> Array:
        P = np.asarray(P, dtype=float)
        return self.origin + P @ self.basis if self.wide else P

    def network(self, net):
        """``net`` over this plane: itself for 2-D data, else :meth:`Network.on_plane`."""
        return net.on_plane(self.origin, self.basis) if self.wide else net
