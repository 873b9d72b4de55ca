"""Manim pictures of a regression network's answer: the fit ŷ(x) over its target, a height field.

* :class:`CurvePlot` — a box of ``(x, y)`` data space fitted to a screen
  region: the target points and curves ``y = f(x)`` whose values are replaced
  in place (the fit built up unit by unit).
* :class:`HeightField` — the points of a 2-unit hidden layer ``h`` at the
  heights of their targets, over the plane ``ŷ = w·h + b`` (its grid lines)
  and the residuals ``y − ŷ`` as vertical sticks, seen from any angle; the
  points can rise from the floor to their targets, and come one after another
  (:meth:`HeightField.reveal`).
* :class:`Progress` — an animation that calls a function of its progress
  (no copies of the mobject).

The geometry (the plane's grid lines, the contributions) comes from
:mod:`nnanim.core.curves` and :mod:`nnanim.core.flow`; here it is only mapped to the screen.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import Animation, Group, Mobject

from nnanim.core.curves import plane_grid
from nnanim.draw.mobjects import PointCloud, Polylines
from nnanim.theme import Theme

__all__ = ["CurvePlot", "HeightField", "Progress", "turn_view"]

Array = np.ndarray


def turn_view(P: Array, elev: float, azim: float) -> Array:
    """Orthographic view of 3-D points: turn by ``azim`` about z, tilt by ``elev`` (0: from the top)."""
    ca, sa, ce, se = np.cos(azim), np.sin(azim), np.cos(elev), np.sin(elev)
    x = P[:, 0] * ca - P[:, 1] * sa
    y = P[:, 0] * sa + P[:, 1] * ca
    return np.column_stack([x, y * ce + P[:, 2] * se, -y * se + P[:, 2] * ce])


class CurvePlot(Group):
    """A box ``(xmin, xmax, ymin, ymax)`` of data space drawn in ``region = (centre, height, width)``.

    The zero line and the box's border are drawn in the grid colour; add
    points with :meth:`points` and curves with :meth:`curve` (both clipped to
    ``clip_box``).
    """

    def __init__(self, box, region, theme: Theme, clip_box=None) -> None:
        super().__init__()
        self.box = tuple(map(float, box))
        self.theme = theme
        self.tick_marks: Polylines | None = None
        self.tick_labels: list[tuple[Mobject, float, str]] = []  # (label, value, "x" or "y")
        self._fit(region, clip_box)
        self.frame = Polylines([self.to_scene(L) for L in self._frame_lines()], smooth=False,
                               stroke_color=theme.grid, stroke_width=theme.grid_width * 1.5,
                               stroke_opacity=min(1.0, theme.grid_opacity * 2.5))
        self.add(self.frame)

    def _fit(self, region, clip_box) -> None:
        """Map the data box onto ``region = (centre, height[, width])``; curves clip to ``clip_box``."""
        centre, height = np.asarray(region[0], dtype=float), float(region[1])
        width = float(region[2]) if len(region) > 2 else height
        x0, x1, y0, y1 = self.box
        # a function plot: each axis fills its side of the region
        self.scale_xy = np.array([width / (x1 - x0), height / (y1 - y0)])
        self.mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        self.origin = centre[:2]
        (ax, ay, _), (bx, by, _) = self.to_scene(np.array([[x0, y0], [x1, y1]]))
        if clip_box is not None:  # curves stay inside the plot's box (and the given clip)
            ax, ay = max(ax, clip_box[0]), max(ay, clip_box[1])
            bx, by = min(bx, clip_box[2]), min(by, clip_box[3])
        self.clip_box = (ax, ay, bx, by)

    def set_region(self, region, clip_box=None, box=None) -> CurvePlot:
        """Fit the plot to another region, or show another data ``box``: every point, curve, tick
        and label moves with it (the map from data to screen changes; the data does not)."""
        old_origin, old_scale, old_mid, old_clip = self.origin.copy(), self.scale_xy.copy(), \
            self.mid.copy(), self.clip_box
        if box is not None:
            self.box = tuple(map(float, box))
        self._fit(region, clip_box)
        skip = {id(m) for label, _, _ in self.tick_labels for m in label.get_family()}
        skip |= {id(self.frame), id(self.tick_marks)}
        for mob in self.get_family():
            if mob is self or id(mob) in skip:
                continue
            if len(mob.points):
                data = (mob.points[:, :2] - old_origin) / old_scale + old_mid
                mob.points[:, :2] = (data - self.mid) * self.scale_xy + self.origin
            if getattr(mob, "clip_box", None) == old_clip:
                mob.clip_box = self.clip_box
        self.frame.set_lines([self.to_scene(L) for L in self._frame_lines()])
        self._place_tick_labels()
        return self

    def _frame_lines(self) -> list[Array]:
        """The box's border, and the zero line when zero is inside (data coordinates)."""
        x0, x1, y0, y1 = self.box
        lines = [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])]
        if y0 < 0.0 < y1:
            lines.append(np.array([[x0, 0.0], [x1, 0.0]]))
        return lines

    def add_ticks(self, make_label, x: bool = True, y: bool = True, most: int = 5,
                  y_range=None) -> CurvePlot:
        """Tick marks on the left and bottom edges at round values, labelled outside the box by
        ``make_label(str)`` (a text mobject): the y labels left of the box, the x labels under it.
        The y ticks are thinned until their labels clear each other; ``y_range = (lo, hi)`` keeps
        them inside a smaller range (a box the plot will show too)."""
        from nnanim.core.curves import nice_ticks
        from nnanim.core.notation import number

        x0, x1, y0, y1 = self.box
        if y_range is not None:
            y0, y1 = max(y0, float(y_range[0])), min(y1, float(y_range[1]))
        need = 1.4 * make_label("0").height  # screen room between two y labels' centres

        def room(vs):
            return np.min(np.diff(vs)) * self.scale_xy[1] if len(vs) > 1 else np.inf

        def decimals(vs):
            for d in (0, 1, 2, 3):
                if np.allclose(np.round(vs, d), vs, atol=1e-9):
                    return d
            return 3

        values = []
        if y:
            # fewer, wider-spaced round values until the labels clear, never fewer than two while
            # two are there (one label alone is no scale)
            n, ys = most, nice_ticks(y0, y1, most)
            while room(ys) < need and n > 2 and len(nice_ticks(y0, y1, n - 1)) >= 2:
                n -= 1
                ys = nice_ticks(y0, y1, n)
            if room(ys) < need:  # a thin strip: its outermost two round values if they clear,
                # else its largest alone
                ends = np.array([ys.min(), ys.max()])
                ys = ends if room(ends) >= need else np.array([float(ys[np.argmax(np.abs(ys))])])
            d = decimals(ys)
            values += [(float(v), "y", number(v, d)) for v in ys]
        if x:
            xs = nice_ticks(x0, x1, most)
            d = decimals(xs)
            values += [(float(v), "x", number(v, d)) for v in xs]
        for v, axis, body in values:
            label = make_label(body)
            self.tick_labels.append((label, v, axis))
            self.add(label)
        self.tick_marks = Polylines([np.zeros((2, 3))] * max(len(values), 1), smooth=False,
                                    stroke_color=self.theme.grid, stroke_width=self.theme.grid_width * 1.5,
                                    stroke_opacity=min(1.0, self.theme.grid_opacity * 2.5))
        self.add(self.tick_marks)
        self._place_tick_labels()
        return self

    #: the tick marks' length outside the box, and the room between a mark and its label
    TICK, PAD = 0.08, 0.06

    def _place_tick_labels(self) -> None:
        if self.tick_marks is None:
            return
        x0, x1, y0, y1 = self.box
        marks = []
        for label, v, axis in self.tick_labels:
            p = self.to_scene(np.array([[v, y0] if axis == "x" else [x0, v]]))[0]
            if axis == "x":
                marks.append(np.array([p, p - [0, self.TICK, 0]]))
                label.move_to([p[0], p[1] - self.TICK - self.PAD - label.height / 2, 0])
            else:
                # a y tick outside the box shown now (a box that grows to its full range later) is
                # not drawn; one just outside fades in as the box reaches it
                seen = self.tick_seen(v)
                marks.append(np.array([p, p - [self.TICK * seen, 0, 0]]))
                label.move_to([p[0] - self.TICK - self.PAD - label.width / 2, p[1], 0])
                label.set_opacity(seen)
        self.tick_marks.set_vertices(np.concatenate(marks) if marks else np.zeros((2, 3)))

    def tick_seen(self, v: float) -> float:
        """How visible a y tick at ``v`` is: 0 outside the box, fading in over the box's edge
        (its outer 3 %), 1 further in."""
        _, _, y0, y1 = self.box
        inside = min(v - y0, y1 - v) / max(0.03 * (y1 - y0), 1e-12)
        return float(np.clip(inside, 0.0, 1.0))

    def y_ticks(self) -> Array:
        """The values of the y ticks (all of them, seen now or not)."""
        return np.array([v for _, v, axis in self.tick_labels if axis == "y"])

    @staticmethod
    def tick_room(make_label) -> tuple[float, float]:
        """``(left, bottom)``: the room the y tick labels need left of the box and the x tick
        labels under it (scene units), to lay the plot out before it is made."""
        probe = make_label("−0.00")
        return probe.width + CurvePlot.TICK + CurvePlot.PAD, probe.height + CurvePlot.TICK + CurvePlot.PAD

    def to_scene(self, P: Array) -> Array:
        """Data points ``(M, 2)`` → scene points ``(M, 3)``."""
        out = np.zeros((len(P), 3))
        out[:, :2] = (np.asarray(P, dtype=float) - self.mid) * self.scale_xy + self.origin
        return out

    def scatter(self, x: Array, y: Array, colors, radius: float | None = None) -> PointCloud:
        cloud = PointCloud(self.to_scene(np.column_stack([x, y])), colors,
                           radius=radius or self.theme.point_radius, rim_color=self.theme.point_rim)
        self.add(cloud)
        return cloud

    def curve(self, x: Array, y: Array, color, width: float) -> Polylines:
        """A curve ``y = f(x)`` on the samples ``x``; change it with :meth:`set_curve`."""
        line = Polylines([self.to_scene(np.column_stack([x, y]))], stroke_color=color,
                         stroke_width=width)
        line.clip_box = self.clip_box
        line.samples = np.asarray(x, dtype=float)
        self.add(line)
        return line

    def set_curve(self, line: Polylines, y: Array) -> None:
        line.set_vertices(self.to_scene(np.column_stack([line.samples, y])))


class HeightField(Group):
    """Points ``(h, y)`` over the plane ``z = w·h + b``, in a 3-D view fitted to ``region = (centre, side)``.

    Each axis of the box around the points (and the plane over it) is scaled
    to ``[-1, 1]``, which keeps the plane a plane.  ``rise`` in [0, 1] moves the
    points from the floor of the box (``rise = 0``: the hidden layer as a flat
    picture) up to their targets.
    """

    def __init__(self, H: Array, y: Array, w: Array, b: float, theme: Theme, region, colors,
                 clip_box=None, n_lines: int = 7) -> None:
        super().__init__()
        H, y = np.asarray(H, dtype=float), np.asarray(y, dtype=float)
        lo, hi = H.min(axis=0), H.max(axis=0)
        pad = 0.08 * np.maximum(hi - lo, 1e-6)
        box = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        grid = plane_grid(w, b, box, n_lines=n_lines)
        y_hat = H @ np.asarray(w, dtype=float)[:2] + b
        heights = np.concatenate([y, y_hat, np.concatenate(grid)[:, 2]])
        zlo, zhi = float(heights.min()), float(heights.max())
        self.mid = np.array([(box[0] + box[1]) / 2, (box[2] + box[3]) / 2, (zlo + zhi) / 2])
        self.half = np.array([(box[1] - box[0]) / 2, (box[3] - box[2]) / 2,
                              max((zhi - zlo) / 2, 1e-6)])
        self.centre = np.asarray(region[0], dtype=float)
        self.radius = float(region[1]) / 2 * self.FILL  # what is drawn reaches this far from the centre
        self.zoom = self.radius
        self._points = np.column_stack([H, y])
        self._floor = np.column_stack([H, np.full(len(H), zlo)])
        self._grid = np.concatenate(grid)
        sticks = [np.array([[*h, t], [*h, f]]) for h, t, f in zip(H, y, y_hat, strict=True)]
        self._sticks = np.concatenate(sticks) if sticks else np.zeros((0, 3))
        c = [box[0], box[2], zlo], [box[1], box[2], zlo], [box[1], box[3], zlo], [box[0], box[3], zlo]
        self._box = np.array([*c, c[0]], dtype=float)
        self.floor = Polylines([self._box], smooth=False, stroke_color=theme.grid,
                               stroke_width=theme.grid_width * 1.5,
                               stroke_opacity=min(1.0, theme.grid_opacity * 2.5))
        self.plane = Polylines(grid, smooth=False, stroke_color=theme.boundary,
                               stroke_width=theme.grid_width * 2.0, stroke_opacity=0.55)
        self.sticks = Polylines(sticks, smooth=False, stroke_color=theme.muted,
                                stroke_width=theme.grid_width, stroke_opacity=0.6)
        self.cloud = PointCloud(np.zeros((len(H), 3)), colors, radius=theme.point_radius,
                                rim_color=theme.point_rim)
        self._colors = self.cloud.colors.copy()
        #: the points drawn (indices, in the order they came), or ``None``: all of them
        self.drawn: Array | None = None
        for part in (self.floor, self.plane, self.sticks, self.cloud):
            part.clip_box = clip_box
        self.add(self.floor, self.plane, self.sticks, self.cloud)
        self.elev = self.azim = 0.0
        self.rise = 0.0
        self.update_view()

    #: the share of its region's half side that the farthest drawn part reaches
    FILL = 0.94

    def _reach(self, points: Array) -> float:
        """How far from the centre (in units of the box's half sides) ``points``, the floor and
        the plane (the sticks end on the points and the plane) reach on screen now."""
        parts = np.concatenate([points, self._box, self._grid])
        Q = turn_view((parts - self.mid) / self.half, self.elev, self.azim)
        return max(float(np.abs(Q[:, :2]).max()), 1e-6)

    def to_scene(self, P: Array) -> Array:
        Q = turn_view((np.asarray(P, dtype=float) - self.mid) / self.half, self.elev, self.azim)
        Q[:, 2] = 0.0
        return Q * self.zoom + self.centre

    def reveal(self, order: Array, share: float) -> HeightField:
        """Draw only the first ``ceil(share · N)`` points of ``order`` (indices of all ``N``):
        the points come one after another, in that order; ``share = 1`` draws them all again."""
        n = int(np.ceil(np.clip(share, 0.0, 1.0) * len(order) - 1e-9))
        self.drawn = None if n >= len(order) else np.asarray(order[:n], dtype=int)
        return self.update_view()

    def scene_points(self) -> Array:
        """Where every point is on screen in the view now (drawn yet or not): ``(N, 3)``."""
        return self.to_scene((1 - self.rise) * self._floor + self.rise * self._points)

    def update_view(self, elev: float | None = None, azim: float | None = None,
                    rise: float | None = None) -> HeightField:
        self.elev = self.elev if elev is None else float(elev)
        self.azim = self.azim if azim is None else float(azim)
        self.rise = self.rise if rise is None else float(rise)
        points = (1 - self.rise) * self._floor + self.rise * self._points
        # the zoom fits what is drawn as the view shows it now (continuous in the angles and the
        # rise): the flat picture from the top fills the region, the tilted box fits it (all the
        # points, drawn yet or not: the frame holds still while they come)
        self.zoom = self.radius / self._reach(points)
        shown = self.to_scene(points)
        if self.drawn is not None:
            shown = shown[self.drawn]
        self.cloud.set_positions(shown)
        self.cloud.colors = self._colors if self.drawn is None else self._colors[self.drawn]
        self.floor.set_vertices(self.to_scene(self._box))
        self.plane.set_vertices(self.to_scene(self._grid))
        self.sticks.set_vertices(self.to_scene(self._sticks))
        return self


class Progress(Animation):
    """Call ``step(alpha)`` (alpha after the rate function) every frame; nothing is copied."""

    def __init__(self, mobject: Mobject, step: Callable[[float], None], **kwargs) -> None:
        self.step = step
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        self.interpolate_mobject(0.0)

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def interpolate_mobject(self, alpha: float) -> None:
        self.step(self.rate_func(alpha))

    def finish(self) -> None:
        self.interpolate_mobject(1.0)

    def clean_up_from_scene(self, scene) -> None:
        pass
