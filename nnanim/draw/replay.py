"""Manim objects that replay a training run over time (fed by :mod:`nnanim.core.timeline`).

* :class:`HiddenSpaceView` — the last hidden layer: the points, the input grid
  carried into it, the output layer's line and the output probability shading.
* :class:`InputInset` — the input plane with the probability shading and the
  p = 0.5 boundary of the same network (regression: the shading of ŷ and its
  level curves).
* :class:`FitInset` — a 1-D input's regression: the fit ŷ(x) of the moment
  over the target points.

A regression run colours its points by target, shades by the output ``ŷ`` and
draws a few level sets ``ŷ = c`` (fixed values across the replay, from the
targets) instead of the p = 0.5 boundary.
* :class:`ReplayTraining` — the animation that moves the timeline from one
  moment to another and updates every follower each frame.

Every per-frame update is a handful of vectorised NumPy calls on small arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import Animation, Group, Line, Mobject, Square, linear
from manim.utils.color import ManimColor

from nnanim.core.curves import (
    class_probabilities,
    clip_line,
    decision_boundary,
    input_grid,
    level_curves,
    level_values,
    probabilities,
)
from nnanim.core.projection import InputPlane
from nnanim.core.timeline import EpochTimeline, Moment
from nnanim.draw.mobjects import PointCloud, Polylines, RasterImage, probability_image, value_image
from nnanim.theme import Theme

__all__ = ["POSTER_GAP", "FitInset", "HiddenSpaceView", "InputInset", "MixedCloud", "ReplayTraining",
           "draw_order", "even_rate", "input_window", "poster_moment"]

#: a replay's poster is the first record scoring within this of the final record's score
POSTER_GAP = 0.005

#: the insets' curves are contoured on this grid (exact only where they run: cheap); at 72 a
#: tightly bent boundary was drawn with right-angled turns a viewer read as notches
CONTOUR = 300


def _colours(run, theme: Theme) -> np.ndarray:
    """``(N, 3)``: the points' colours, by class or (regression) on the target colour map."""
    if run.task == "regression":
        return theme.target_rgb(run.y, float(run.y.min()), float(run.y.max()))
    return theme.class_rgb(max(run.n_classes, 2))[run.y.astype(int)]


def _levels(run, theme: Theme, width: float, clip) -> tuple[np.ndarray, list[Polylines]]:
    """The fixed levels of a regression replay (from the targets) and one line object per level."""
    levels = level_values(run.y, 5)
    rgb = theme.target_rgb(levels, float(run.y.min()), float(run.y.max()))
    lines = []
    for c in rgb:
        line = Polylines([], stroke_color=ManimColor(c), stroke_width=width)
        line.clip_box = clip
        lines.append(line)
    return levels, lines


def draw_order(n: int) -> np.ndarray:
    """A fixed shuffled order of ``n`` points (the same in every frame and run)."""
    return np.random.default_rng(0).permutation(n)


class MixedCloud(Group):
    """Points of several colours drawn interleaved: where colours overlap, the picture is a mix.

    A :class:`PointCloud` draws colour by colour (its discs of one colour are one shape), so
    where two classes overlap the colour drawn last covers the other entirely.  Here the points,
    in a fixed shuffled order (:func:`draw_order`), are dealt into :attr:`LAYERS` clouds drawn
    one after another: each colour is on top in some layers, and a pile of both classes shows
    both in about their proportion.  ``set_positions`` takes all points in their own order.
    """

    LAYERS = 12

    def __init__(self, positions: np.ndarray, colors: np.ndarray, **kwargs) -> None:
        super().__init__()
        positions = np.asarray(positions, dtype=float).reshape(-1, 3)
        colors = np.asarray(colors, dtype=float)
        order = draw_order(len(positions))
        #: the points of each layer, in drawing order
        self.parts = [order[k:: self.LAYERS] for k in range(min(self.LAYERS, len(order)))]
        self.clouds = [PointCloud(positions[i], colors[i], **kwargs) for i in self.parts]
        self.add(*self.clouds)

    def set_positions(self, positions: np.ndarray) -> MixedCloud:
        for cloud, i in zip(self.clouds, self.parts):
            cloud.set_positions(positions[i])
        return self

    @property
    def positions(self) -> np.ndarray:
        """``(N, 3)``: every point, in the points' own order."""
        out = np.zeros((sum(len(i) for i in self.parts), 3))
        for cloud, i in zip(self.clouds, self.parts):
            out[i] = cloud.points
        return out


def input_window(X: np.ndarray) -> tuple[np.ndarray, float]:
    """``(centre (2,), half)`` of the square in which the input plane's data is shown."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    return (lo + hi) / 2, 0.55 * float(np.max(hi - lo))


def poster_moment(timeline: EpochTimeline) -> Moment:
    """The replay's poster: the first record whose recomputed score (accuracy, or R²) is within
    :data:`POSTER_GAP` of the final record's, the network trained before the last epochs only
    push the points further apart; exactly at that record."""
    scores = timeline.scores()
    r = int(np.flatnonzero(scores >= scores[-1] - POSTER_GAP)[0])
    m = timeline.moment(timeline.u_of_record(r))
    return m if m.nearest == r else timeline.moment(1.0)


class _SquarePanel(Group):
    """A square picture at ``region = (centre, size)`` showing display box ``(centre, half)``."""

    def __init__(self, region, theme: Theme) -> None:
        super().__init__()
        self.panel_centre = np.asarray(region[0], dtype=float)
        self.panel_size = float(region[1])
        self.theme = theme
        self.border = Square(side_length=self.panel_size, stroke_color=theme.muted, stroke_width=1.5,
                             stroke_opacity=0.6).move_to(self.panel_centre)
        self.window = (np.zeros(2), 1.0)

    @property
    def square(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of the panel on screen, for clipping."""
        (x, y, _), r = self.panel_centre, self.panel_size / 2
        return (x - r, y - r, x + r, y + r)

    def set_window(self, centre: np.ndarray, half: float) -> None:
        self.window = (np.asarray(centre, dtype=float)[:2], float(half))

    @property
    def box(self) -> tuple[float, float, float, float]:
        (cx, cy), h = self.window
        return cx - h, cx + h, cy - h, cy + h

    def to_scene(self, P: np.ndarray) -> np.ndarray:
        centre, half = self.window
        out = np.zeros((len(P), 3))
        out[:, :2] = (P[:, :2] - centre) * (self.panel_size / 2 / half)
        return out + self.panel_centre

    def corners(self) -> np.ndarray:
        x0, x1, y0, y1 = self.box
        return self.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))


class HiddenSpaceView(_SquarePanel):
    """The last hidden layer over training: points, carried grid, output line, shading.

    Parameters
    ----------
    timeline
        The replay; its run's last hidden layer must have 2 units.
    region
        ``(centre, size)`` of the square on screen (scene units).

    The window is the timeline's framing widened by :attr:`ROOM` (the same scale on both axes:
    the geometry as it is).  A trained tanh layer is saturated: its points lie on the edges of
    the square (-1, 1)², and framed tightly on them they lay on the panel's own border, two
    classes read as a smear along it.
    """

    #: the window's half side over the framing's (which has a tenth of margin already)
    ROOM = 1.2
    #: the carried grid's length in the panel (in panel sides) above which it is dimmed in
    #: proportion: about the straight grid's own; trained, the spirals' grid ran to twice that
    #: in wisps over the whole panel
    CROWD = 25.0

    def __init__(self, timeline: EpochTimeline, theme: Theme, region, n_lines: int = 17,
                 point_radius: float | None = None) -> None:
        super().__init__(region, theme)
        run = timeline.run
        self.timeline = timeline
        k = run.n_classes if run.task != "regression" else 2
        self.class_rgb = theme.class_rgb(max(k, 2))
        self.regression = run.task == "regression"
        plane = InputPlane(run.X)  # a wide input: the grid of its principal plane
        shown = plane.coords(run.X)
        lo, hi = shown.min(axis=0), shown.max(axis=0)
        pad = 0.1 * float(np.max(hi - lo))
        if run.X.shape[1] == 1:  # a 1-D input: its grid is the line itself
            self.grid_lines = [np.linspace(lo[0] - pad, hi[0] + pad, 400)[:, None]]
        else:
            self.grid_lines = input_grid((lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad),
                                         n_lines=n_lines, samples=48)
        self.grid_in = plane.lift(np.concatenate(self.grid_lines))
        #: which consecutive vertices of the concatenated lines are a segment of one line
        self._within_line = np.concatenate([[True] * (len(L) - 1) + [False] for L in self.grid_lines])[:-1]
        self.shading = RasterImage(np.zeros((2, 2, 4), dtype=np.uint8), self.corners())
        #: the carried grid's opacity where it does not crowd (:meth:`grid_ink` dims it where it does)
        # (at 0.8 of the theme's, folded flat or dimmed where it crowds, it was lost: review 7)
        self.grid_opacity = min(1.0, theme.grid_opacity * (2.0 if run.X.shape[1] == 1 else 1.3))
        self.grid = Polylines(self.grid_lines, stroke_color=theme.grid, stroke_width=theme.grid_width,
                              stroke_opacity=self.grid_opacity)
        # the classes interleaved (a cloud draws colour by colour: one cloud hid the first class
        # under the second wherever they overlap, and a 62 %-correct layer read as separated)
        self.cloud = MixedCloud(np.zeros((len(run.X), 3)), _colours(run, theme),
                                radius=point_radius or theme.point_radius, rim_color=theme.point_rim)
        self.line = Line(stroke_color=theme.boundary, stroke_width=theme.boundary_width)
        self.binary = run.task == "binary"
        self.grid.clip_box = self.square
        self.levels, self.level_lines = np.zeros(0), []
        if self.regression:  # the level lines w·h + b = c of fixed values c
            self.target_range = (float(run.y.min()), float(run.y.max()))
            self.levels, self.level_lines = _levels(run, theme, theme.boundary_width * 0.7, self.square)
        # K classes: the shading shows the K linear regions; one line only for two classes
        self.add(self.shading, self.grid, self.border, *([self.line] if self.binary else []),
                 *self.level_lines, self.cloud)
        self.moment = timeline.moment(0.0)
        self.set_moment(self.moment)

    def grid_ink(self, carried: np.ndarray) -> float:
        """The carried grid's length inside the panel, in panel sides (``carried``: its vertices
        on screen, :attr:`grid_lines` after one another)."""
        x0, y0, x1, y1 = self.square
        Q = carried[:, :2]
        mid = (Q[1:] + Q[:-1]) / 2
        inside = (self._within_line & (mid[:, 0] > x0) & (mid[:, 0] < x1)
                  & (mid[:, 1] > y0) & (mid[:, 1] < y1))
        return float(np.linalg.norm(np.diff(Q, axis=0), axis=1)[inside].sum()) / self.panel_size

    def set_moment(self, m: Moment) -> HiddenSpaceView:
        self.moment = m
        net = self.timeline.network(m)
        centre, half = self.timeline.framing(m.u)
        self.set_window(centre, half * self.ROOM)
        fwd_points = net.forward(self.timeline.run.X).post[-2]
        self.cloud.set_positions(self.to_scene(fwd_points))
        carried = self.to_scene(net.forward(self.grid_in).post[-2])
        self.grid.set_vertices(carried)
        crowd = min(1.0, self.CROWD / max(self.grid_ink(carried), 1e-9))
        self.grid.set_stroke(opacity=self.grid_opacity * crowd)
        self.shading.points = self.corners()
        if self.regression:
            w, b = net.weights[-1][0], float(net.biases[-1][0])
            self.shading.set_image(value_image(lambda P: P @ w + b, self.box, self.theme,
                                               *self.target_range, resolution=90))
            for level, line in zip(self.levels, self.level_lines, strict=True):
                ends = clip_line(w, b - level, self.box)
                line.set_lines([] if ends is None else [self.to_scene(ends)])
            return self
        prob = probabilities(net.weights[-1], net.biases[-1])  # of the output layer
        self.shading.set_image(probability_image(prob, self.box, self.class_rgb, resolution=90))
        if self.binary:
            ends = clip_line(net.weights[-1][0], float(net.biases[-1][0]), self.box)
            if ends is None:
                self.line.set_stroke(opacity=0.0)
            else:
                s = self.to_scene(ends)
                self.line.put_start_and_end_on(s[0], s[1])
                self.line.set_stroke(opacity=1.0)
        return self


class InputInset(_SquarePanel):
    """The input plane at a moment: probability shading, the p = 0.5 boundary, the points."""

    def __init__(self, timeline: EpochTimeline, theme: Theme, region, point_radius: float = 0.022,
                 resolution: int = 72) -> None:
        super().__init__(region, theme)
        run = timeline.run
        self.timeline = timeline
        self.resolution = resolution
        k = run.n_classes if run.task != "regression" else 2
        self.class_rgb = theme.class_rgb(max(k, 2))
        # a wide input: its principal plane, the network's decisions on that plane (a slice)
        self.plane = InputPlane(run.X)
        shown = self.plane.coords(run.X)
        self.set_window(*input_window(shown))
        self.shading = RasterImage(np.zeros((2, 2, 4), dtype=np.uint8), self.corners())
        self.boundary = Polylines([], stroke_color=theme.boundary, stroke_width=theme.boundary_width * 0.6)
        self.cloud = PointCloud(self.to_scene(shown), _colours(run, theme), radius=point_radius,
                                rim_color=theme.point_rim)
        self.boundary.clip_box = self.square
        self.regression = run.task == "regression"
        self.levels, self.level_lines = np.zeros(0), []
        if self.regression:
            self.target_range = (float(run.y.min()), float(run.y.max()))
            self.levels, self.level_lines = _levels(run, theme, theme.boundary_width * 0.5, self.square)
        self.add(self.shading, self.border, self.cloud,
                 *(self.level_lines if self.regression else [self.boundary]))
        self.set_moment(timeline.moment(0.0))

    def set_moment(self, m: Moment) -> InputInset:
        net = self.plane.network(self.timeline.network(m))
        if self.regression:
            self.shading.set_image(value_image(lambda P: net.forward(P).logits[:, 0], self.box,
                                               self.theme, *self.target_range,
                                               resolution=self.resolution // 2, alpha=0.4))
            found = level_curves(net, self.box, self.levels, resolution=CONTOUR)
            for k, line in enumerate(self.level_lines):
                line.set_lines([self.to_scene(L) for j, L in found if j == k])
            return self

        def prob(P: np.ndarray) -> np.ndarray:
            return class_probabilities(net.forward(P).logits)

        self.shading.set_image(probability_image(prob, self.box, self.class_rgb,
                                                 resolution=self.resolution // 2, max_alpha=0.45))
        curves = decision_boundary(net, self.box, resolution=CONTOUR)
        self.boundary.set_lines([self.to_scene(c) for c in curves])
        return self


class FitInset(_SquarePanel):
    """A 1-D input's regression at a moment: the target points ``(x, y)`` and the fit ŷ(x)."""

    def __init__(self, timeline: EpochTimeline, theme: Theme, region, point_radius: float = 0.022,
                 samples: int = 160) -> None:
        super().__init__(region, theme)
        run = timeline.run
        self.timeline = timeline
        x, y = run.X[:, 0], run.y
        self.xs = np.linspace(float(x.min()), float(x.max()), samples)
        span = max(float(np.ptp(y)), 1e-6)
        # x across the square, y from the target's range (the fit may leave it: clipped)
        self.lo = np.array([float(x.min()), float(y.min()) - 0.1 * span])
        self.hi = np.array([float(x.max()), float(y.max()) + 0.1 * span])
        self.lo[0] -= 0.05 * (self.hi[0] - self.lo[0])
        self.hi[0] += 0.05 * (self.hi[0] - self.lo[0])
        self.cloud = PointCloud(self.to_scene(np.column_stack([x, y])), _colours(run, theme),
                                radius=point_radius, rim_color=theme.point_rim)
        self.fit = Polylines([np.zeros((samples, 2))], stroke_color=theme.boundary,
                             stroke_width=theme.boundary_width * 0.6)
        self.fit.clip_box = self.square
        self.add(self.border, self.cloud, self.fit)
        self.set_moment(timeline.moment(0.0))

    def to_scene(self, P: np.ndarray) -> np.ndarray:
        out = np.zeros((len(P), 3))
        out[:, :2] = ((P[:, :2] - self.lo) / (self.hi - self.lo) - 0.5) * self.panel_size
        return out + self.panel_centre

    def set_moment(self, m: Moment) -> FitInset:
        y_hat = self.timeline.network(m).forward(self.xs[:, None]).logits[:, 0]
        self.fit.set_vertices(self.to_scene(np.column_stack([self.xs, y_hat])))
        return self


class ReplayTraining(Animation):
    """Move a timeline from ``u0`` to ``u1`` (linear in time: the timeline is already log-spaced).

    ``mobject`` is the group on screen that changes (already added to the
    scene, so its drawing order is kept); ``followers`` are mobjects with
    ``set_moment(moment)`` and callables ``f(moment)`` (readouts, chart
    markers), all updated every frame.
    """

    def __init__(self, timeline: EpochTimeline, mobject: Mobject, followers: Sequence,
                 u0: float = 0.0, u1: float = 1.0, rate_func=linear, **kwargs) -> None:
        self.timeline = timeline
        self.followers = list(followers)
        self.u0, self.u1 = u0, u1
        super().__init__(mobject, rate_func=rate_func, **kwargs)

    def create_starting_mobject(self) -> Mobject:
        return Mobject()  # positions come from the timeline, not from a copy

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        m = self.timeline.moment((1 - a) * self.u0 + a * self.u1)
        for f in self.followers:
            if isinstance(f, Mobject):
                f.set_moment(m)
            else:
                f(m)


def even_rate(timeline: EpochTimeline, u0: float, u1: float, samples: int = 400, ease: float = 0.5,
              max_points: int = 300):
    """A rate function for :class:`ReplayTraining` from ``u0`` to ``u1`` under which the main
    picture's points (the last hidden layer, in the panel's window: ``timeline.framing``) move about
    the same distance on screen in every frame, eased in and out by ``ease`` (0: constant speed,
    1: manim's ``smooth``).

    A rewind paced by ``smooth`` on the progress crossed the early epochs, where one full-batch
    step collapses and reopens the layer and the framing zooms in on it, in a few frames: the
    points and the boundaries swung 30-70° in one frame (review 7).
    """
    from manim import smooth

    X = timeline.run.X[:: max(1, len(timeline.run.X) // max_points)]
    grid = np.linspace(0.0, 1.0, samples + 1)
    shown = []
    for a in grid:
        u = (1 - a) * u0 + a * u1
        centre, half = timeline.framing(u)
        shown.append((timeline.hidden(timeline.moment(u), X) - centre) / half)
    step = np.array([np.mean(np.linalg.norm(b - a, axis=1)) for a, b in zip(shown, shown[1:])])
    moved = np.concatenate([[0.0], np.cumsum(step + 1e-9 * max(step.sum(), 1e-9))])
    moved /= moved[-1]

    def rate(alpha: float) -> float:
        alpha = min(max(float(alpha), 0.0), 1.0)
        return float(np.interp((1 - ease) * alpha + ease * smooth(alpha), moved, grid))

    return rate
