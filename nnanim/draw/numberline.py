"""A one-unit layer as a number line: ticks with values, and how the points spread along it.

When a layer has one unit (an autoencoder's 1-D code), a :class:`~nnanim.draw.mobjects.FlowView`
shows every point on one line, the display's first axis: a thin strip across an
otherwise empty picture, with no values on it.  Here

* :class:`LineScale` draws, while the points lie on that line, tick marks at
  round values (:func:`nnanim.core.curves.nice_ticks`) with their numbers
  under the line, and above it the points' density along the line, each
  column in the colour of the points there (so the colour bar of the code is
  read off the line itself); it follows the view through its stages, values
  and zoom included, and fades in and out with the line;
* :class:`Headroom` is a framing for the view (its ``frame_trace``) that, while
  the points lie on the line, moves the line down the picture, leaving the
  room above it to the density: the zoom is unchanged (the line keeps its
  length), only the centre moves, eased in and out with the line.

Both read one :class:`Presence`: how far the line is shown at each moment of
the flow, ``0`` to ``1``.
"""

from __future__ import annotations

import numpy as np
from manim import Group

from nnanim.core.curves import nice_ticks
from nnanim.core.notation import number
from nnanim.core.projection import smoothstep
from nnanim.draw.mobjects import HALO_OPACITY, Polylines, RasterImage, glyph_halos, with_halo
from nnanim.layout import SMALL_SIZE

__all__ = ["Headroom", "LineScale", "Presence", "Span", "SpanFraming"]

Array = np.ndarray


class Presence:
    """``presence(s, t)``: 0 before ``start``, rising to 1 by ``full``, back to 0 from ``leave``
    to ``gone``; times on the flow's clock ``u = s + t`` (stage ``s`` at ``t``), eased."""

    def __init__(self, start: float, full: float, leave: float, gone: float) -> None:
        self.start, self.full, self.leave, self.gone = map(float, (start, full, leave, gone))

    def __call__(self, s: int, t: float) -> float:
        u = s + min(max(float(t), 0.0), 1.0)
        rise = smoothstep((u - self.start) / max(self.full - self.start, 1e-9))
        fall = 1.0 - smoothstep((u - self.leave) / max(self.gone - self.leave, 1e-9))
        return min(rise, fall)


class Span:
    """``span(s, t)``: ``(lo, hi, weight)``, the range ``[lo, hi]`` the line's values can take
    (an activation's range: tanh's ``(−1, 1)``), drawn on the line and kept in the picture with
    ``weight`` (0 to 1: eased in over ``[start, full]`` and out over ``[leave, gone]`` of the
    flow's clock, as :class:`Presence`)."""

    def __init__(self, lo: float, hi: float, presence: Presence) -> None:
        self.lo, self.hi, self.presence = float(lo), float(hi), presence

    def __call__(self, s: int, t: float) -> tuple[float, float, float]:
        return self.lo, self.hi, self.presence(s, t)


class SpanFraming:
    """A framing (a view's ``frame_trace``) that widens the wrapped one along the display's first
    axis to take in ``span``'s range (and ``pad`` of it either side) while its weight is on:
    the values' whole range is in the picture, not only the points'."""

    def __init__(self, trace, span: Span, pad: float = 0.06) -> None:
        self.trace, self.span, self.pad = trace, span, float(pad)

    def framing_box(self, s: int, t: float) -> tuple[Array, Array]:
        centre, halves = self.trace.framing_box(s, t)
        lo, hi, w = self.span(s, t)
        if w <= 0.0:
            return centre, halves
        centre, halves = np.array(centre, dtype=float), np.array(halves, dtype=float)
        pad = self.pad * (hi - lo)
        a, b = centre[0] - halves[0], centre[0] + halves[0]
        a, b = a + w * (min(a, lo - pad) - a), b + w * (max(b, hi + pad) - b)
        centre[0], halves[0] = 0.5 * (a + b), 0.5 * (b - a)
        return centre, halves

    def framing(self, s: int, t: float) -> tuple[Array, float]:
        centre, halves = self.framing_box(s, t)
        return centre, float(np.max(halves))

    def framing_support(self, s: int, t: float):
        return self.trace.framing_support(s, t)


class Headroom:
    """A framing that puts the line of points ``low`` of the picture's height from its bottom
    while ``presence`` is on, with the same zoom: a view's ``frame_trace``.

    The line stays at least ``floor`` scene units above the picture's bottom
    edge: clear of the view's axis names and scale in the bottom corners
    (:class:`~nnanim.draw.mobjects.SpaceAxes`, about 1.3 units tall) with the
    numbers under the line (a short picture, in a square frame, keeps its line
    higher).  The framing is the view's own (its ``frame_trace``); the box it
    returns still holds every point (it only grows upwards), so the data never
    leaves the picture.
    """

    def __init__(self, view, presence: Presence, low: float = 0.3, floor: float = 2.0) -> None:
        self.trace, self.presence = view.frame_trace, presence  # the view's own framing, wrapped
        self.aspect = view.view_height / view.view_width
        self.low = min(max(float(low), float(floor) / view.view_height), 0.5)

    def _up(self, s: int, t: float, halves) -> float:
        """How far the box's centre moves up (its top by twice that; its bottom stays): the
        picture shows ``aspect`` × the box's width in height (the width sets the zoom), and the
        line at the box's centre moves down by (0.5 − low) of that height."""
        return self.presence(s, t) * (1.0 - 2.0 * self.low) * float(halves[0]) * self.aspect

    def framing_box(self, s: int, t: float) -> tuple[Array, Array]:
        centre, halves = self.trace.framing_box(s, t)
        up = self._up(s, t, halves)
        if up <= 0.0:
            return centre, halves
        centre, halves = np.array(centre, dtype=float), np.array(halves, dtype=float)
        centre[1] += up
        halves[1] += up
        return centre, halves

    def framing_support(self, s: int, t: float) -> tuple[Array, Array, Array]:
        """The wrapped slabs grown upwards as the box is: a slab along ``d`` takes in the points
        moved up by anything from 0 to twice ``up`` (a turned view of a lifted line)."""
        directions, centres, halves = self.trace.framing_support(s, t)
        up = self._up(s, t, self.trace.framing_box(s, t)[1])
        if up <= 0.0:
            return directions, centres, halves
        along = np.asarray(directions, dtype=float)[:, 1]
        return directions, np.asarray(centres) + up * along, np.asarray(halves) + up * np.abs(along)

    def framing(self, s: int, t: float) -> tuple[Array, float]:
        centre, halves = self.framing_box(s, t)
        return centre, float(np.max(halves))


class LineScale(Group):
    """Ticks with values under a view's line of points, and their density above it.

    ``presence`` says when the points lie on the display's first axis (see
    :class:`Presence`); everything here is drawn at that opacity.  Added to a
    view with :meth:`~nnanim.draw.mobjects.FlowView.add_follower` it lies under
    the points and moves with every stage.  ``share`` of the room between the
    line and the picture's top is the tallest column of the density.
    """

    TICK = 0.12  # tick marks under the line (scene units)
    GAP = 0.08  # between a tick mark and its number; between the points and the density
    COLUMNS, ROWS = 320, 120  # the density's image
    ALPHA = 0.5  # the density's fill
    OPACITY = 0.85  # the numbers, as the view's axes draw theirs
    FONT = SMALL_SIZE  # small print, as the view's axes

    def __init__(self, view, presence: Presence, most: int = 6, share: float = 0.8,
                 bandwidth: float = 0.03, span: Span | None = None) -> None:
        super().__init__()
        self.presence, self.most, self.share = presence, int(most), float(share)
        #: the range the values can take, drawn as the axis under the points (see :class:`Span`)
        self.span = span
        self.theme = view.theme
        self.box = view.clip_box
        #: the density's smoothing: this share of the picture's width
        self.bandwidth = float(bandwidth) * (self.box[2] - self.box[0])
        theme = view.theme
        self.density = RasterImage(np.zeros((self.ROWS, self.COLUMNS, 4), np.uint8),
                                   np.zeros((4, 3)))
        self.outline = Polylines([np.zeros((2, 3))], smooth=False, stroke_color=theme.foreground,
                                 stroke_width=1.4, stroke_opacity=0.6)
        self.marks = Polylines([np.zeros((2, 3))], smooth=False, stroke_color=theme.foreground,
                               stroke_width=1.8, stroke_opacity=0.85)
        with_halo(self.marks, theme)
        #: the axis over ``span``'s range: a line under the points with a tall tick at each end
        self.axis = Polylines([np.zeros((2, 3))], smooth=False, stroke_color=theme.foreground,
                              stroke_width=2.2, stroke_opacity=0.0)
        with_halo(self.axis, theme)
        self.axis_ends: tuple[float, float] | None = None  # scene x of the axis's ends, when shown
        self.add(self.density, self.outline, self.axis, self.marks)
        self._numbers: dict[str, object] = {}  # built once per value, shown by opacity
        self.shown: list[tuple[float, str]] = []  # (value, its number) of the ticks on screen
        self.follow(view)

    def _number(self, body: str):
        mob = self._numbers.get(body)
        if mob is None:
            from nnanim.draw.text import text

            mob = text(body, font=self.theme.font, font_size=self.FONT, color=self.theme.foreground)
            glyph_halos(mob, self.theme, 5.0)
            mob.annotates = self.box  # it labels its own picture, from inside it
            mob.clip_box = self.box
            for part in mob.get_family():
                part.clip_box = self.box
            mob.set_opacity(0.0)
            self._numbers[body] = mob
            self.add(mob)
        return mob

    def _hide(self) -> None:
        self.density.opacity = 0.0
        self.outline.set_stroke(opacity=0.0)
        self.marks.set_stroke(opacity=0.0)
        self.marks.set_stroke(opacity=0.0, background=True)
        self.axis.set_stroke(opacity=0.0)
        self.axis.set_stroke(opacity=0.0, background=True)
        self.axis_ends = None
        for mob in self._numbers.values():
            mob.set_opacity(0.0)
        self.shown = []

    def follow(self, view) -> None:
        a = self.presence(view.stage, view.t)
        if a <= 0.0:
            self._hide()
            return
        x0, y0, x1, y1 = self.box
        # the line: the display's first axis, where the points lie (y = 0 of the display)
        line_y = float(view.to_scene(np.zeros((1, 3)))[0, 1])
        at = np.asarray(view.cloud.points, dtype=float)
        values = view.points_trace.at(view.stage, view.t)[:, 0]
        # -- the ticks: round values across the points' range (and the span's, while it is
        # drawn), numbered under the line
        lo, hi = float(values.min()), float(values.max())
        span = self.span(view.stage, view.t) if self.span is not None else (0.0, 0.0, 0.0)
        if span[2] > 0.0:
            lo, hi = min(lo, span[0]), max(hi, span[1])
        ticks = nice_ticks(lo, hi, self.most)
        step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
        decimals = next((d for d in range(4) if abs(round(step, d) - step) < 1e-9 * max(1.0, step)), 3)
        xs = view.to_scene(np.column_stack([ticks, np.zeros((len(ticks), 2))]))[:, 0]
        keep = (xs >= x0 + 0.05) & (xs <= x1 - 0.05)
        ticks, xs = ticks[keep], xs[keep]
        top = line_y - 1.4 * view.cloud.radius  # under the points
        marks = [np.array([[x, top, 0.0], [x, top - self.TICK, 0.0]]) for x in xs]
        self.marks.set_lines(marks or [np.zeros((2, 3))])
        self.marks.set_stroke(opacity=0.85 * a)
        self.marks.set_stroke(opacity=HALO_OPACITY * a, background=True)
        # -- the axis over the span's range, at the tick marks' top
        if span[2] > 0.0:
            ends = view.to_scene(np.array([[span[0], 0.0, 0.0], [span[1], 0.0, 0.0]]))[:, 0]
            self.axis_ends = (float(ends[0]), float(ends[1]))
            axis = [np.array([[ends[0], top, 0.0], [ends[1], top, 0.0]])]
            axis += [np.array([[x, top + 0.5 * self.TICK, 0.0], [x, top - 1.5 * self.TICK, 0.0]])
                     for x in ends]
            self.axis.set_lines(axis)
            self.axis.set_stroke(opacity=0.85 * a * span[2])
            self.axis.set_stroke(opacity=HALO_OPACITY * a * span[2], background=True)
            self.axis.clip_box = self.box
        else:
            self.axis.set_stroke(opacity=0.0)
            self.axis.set_stroke(opacity=0.0, background=True)
            self.axis_ends = None
        for mob in self._numbers.values():
            mob.set_opacity(0.0)
        self.shown = []
        for v, x in zip(ticks, xs, strict=True):
            body = number(v, decimals)
            mob = self._number(body)
            half = mob.width / 2
            cx = min(max(x, x0 + 0.05 + half), x1 - 0.05 - half)
            mob.move_to([cx, top - self.TICK - self.GAP - mob.height / 2, 0.0])
            mob.set_opacity(self.OPACITY * a)
            self.shown.append((float(v), body))
        # -- the density above the line, each column in the colour of the points there
        xa, xb = max(float(at[:, 0].min()) - 3 * self.bandwidth, x0), \
            min(float(at[:, 0].max()) + 3 * self.bandwidth, x1)
        base = line_y + 1.4 * view.cloud.radius + self.GAP
        height = self.share * (y1 - base - self.GAP)
        if xb - xa <= 1e-6 or height <= 0.05:
            self.density.opacity = 0.0
            self.outline.set_stroke(opacity=0.0)
            return
        grid = np.linspace(xa, xb, self.COLUMNS)
        k = np.exp(-0.5 * ((grid[:, None] - at[None, :, 0]) / self.bandwidth) ** 2)
        total = k.sum(axis=1)
        level = total / max(float(total.max()), 1e-300)  # the tallest column fills the room
        colours = (k @ np.asarray(view.cloud.colors, dtype=float)) / np.maximum(total, 1e-300)[:, None]
        rows = (np.arange(self.ROWS)[::-1] + 0.5) / self.ROWS  # row heights, top row first
        cover = np.clip((level[None, :] - rows[:, None]) * self.ROWS + 0.5, 0.0, 1.0)
        image = np.empty((self.ROWS, self.COLUMNS, 4), np.uint8)
        image[..., :3] = np.round(np.clip(colours, 0, 1) * 255).astype(np.uint8)[None, :, :]
        image[..., 3] = np.round(255 * self.ALPHA * cover).astype(np.uint8)
        self.density.set_image(image)
        self.density.points = np.array([[xa, base + height, 0], [xb, base + height, 0],
                                        [xb, base, 0], [xa, base, 0]], dtype=float)
        self.density.opacity = a
        self.density.clip_box = self.box
        curve = np.column_stack([grid, base + level * height, np.zeros_like(grid)])
        self.outline.set_lines([curve])
        self.outline.set_stroke(opacity=0.6 * a)
