"""Small charts and readouts for Manim scenes, drawn without LaTeX.

* :class:`LineChart` — curves over epochs (log x) in a box, with a marker
  that moves along them; each curve is drawn only up to the marker's epoch
  (a chart over training never shows its future); tick labels at round
  values, in each curve's colour on its side, and the epochs under the box.
* :class:`DigitReadout` — a number that changes every frame, assembled from
  prebuilt glyphs (no new Pango text per frame).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Line, Rectangle, VGroup, VMobject

from nnanim.core.curves import epoch_ticks, log_ticks, nice_ticks
from nnanim.core.notation import general
from nnanim.core.notation import percent as percent_text
from nnanim.draw.mobjects import Polylines
from nnanim.draw.text import text
from nnanim.theme import Theme

__all__ = ["DigitReadout", "LineChart"]


def dashes(P: np.ndarray, on: float, off: float) -> list[np.ndarray]:
    """Polyline ``P (M, d)`` cut into dashes ``on`` long with gaps ``off`` along its length."""
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(P, axis=0), axis=1))])
    def piece(a, b):
        t = np.concatenate([[a], s[(s > a) & (s < b)], [b]])
        return np.column_stack([np.interp(t, s, P[:, i]) for i in range(P.shape[1])])

    out, a, end = [], 0.0, 0.0
    while a < s[-1]:
        end = min(a + on, s[-1])
        out.append(piece(a, end))
        a += on + off
    if out and end < s[-1]:  # the curve's end in a gap: a last dash up to it (the curve reaches now)
        out.append(piece(max(s[-1] - on, end + off / 2), s[-1]))
    return out or [P]  # no length yet: as a solid curve would be


class LineChart(VGroup):
    """Curves ``y(epoch)`` in a box, x on a log scale, each curve scaled to the box, with ticks.

    Parameters
    ----------
    epochs
        ``(R,)`` x values (epochs, >= 0).
    series
        ``[(values, colour, label, log_y), ...]``: each curve spans the box's
        height between its own min and max (log scale if ``log_y``).  The
        first has its tick labels left of the box, the second right of it,
        each in its curve's colour; the epochs are marked under the box.
    width
        The whole chart's width, its tick labels included (the box is
        narrower by their room); ``height`` is the box's.
    percent
        Label the second series' ticks as percentages (an accuracy).
    name_in_row
        Write the x axis's name left of its first tick label, on their row (a
        chart short of height); else under them, at the right (short of width).
    dashed
        One flag per series: draw that curve dashed (two curves of near colours
        still tell apart; the legend shows each name after a sample of its line).
    """

    TICK, PAD = 0.07, 0.06  # a tick mark's length outside the box; room between mark and label
    DASH, GAP = 0.09, 0.06  # a dashed curve's dash and the gap after it (scene units)
    X_GAP = 0.3  # the least room between two epoch labels (more than a space: '100' and '1000' apart)
    NAME_GAP = 0.25  # between the x axis's name and its first label, on their row (0.12 read as one word)
    MOST_TICKS = 2  # tick labels on each side of the box (three a side crowded a phone's chart)

    def __init__(self, epochs: np.ndarray, series: Sequence[tuple], width: float, height: float,
                 theme: Theme, font_size: float = 18, percent: bool = False,
                 name_in_row: bool = True, dashed: Sequence[bool] | None = None) -> None:
        super().__init__()
        self.dashed = list(dashed) if dashed is not None else [False] * len(series)
        self.epochs = np.asarray(epochs, dtype=float)
        self.x_max = np.log1p(max(float(self.epochs[-1]), 1.0))

        def label(body, colour):
            return text(body, font=theme.font, font_size=font_size, color=colour)

        # each curve's scale, and its tick values (first series left, second right)
        scales, ticks = [], []
        for k, (values, _colour, _label, log_y) in enumerate(series):
            v = np.log10(np.maximum(values, 1e-12)) if log_y else np.asarray(values, dtype=float)
            ok = np.isfinite(v)
            lo, hi = (float(v[ok].min()), float(v[ok].max())) if ok.any() else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            h = label("0", theme.muted).height
            bracket = None if log_y or k > 1 else self._bracket(lo, hi, height, h)
            if bracket is not None:  # round values at both ends of the data, labelled
                lo, hi, ends = bracket
                pct = percent and k == 1
                ticks.append([(t, percent_text(t, 0 if abs(100 * t - round(100 * t)) < 1e-9 else 1)
                               if pct else general(t, 3)) for t in ends])
            else:
                ticks.append(self._side_ticks(k, lo, hi, log_y, percent and k == 1, height, h))
            scales.append((v, ok, lo, hi))
        side_labels = [[label(body, series[k][1]) for _, body in ticks[k]] if k < len(ticks) else []
                       for k in range(2)]
        room = [max((m.width for m in side), default=0.0) + (self.TICK + self.PAD if side else 0.0)
                for side in side_labels]
        # the x axis's name on the row of its tick labels, left of the first (under the left-hand
        # tick labels): "epoch 0 10 100 1000"
        axis = label("epoch", theme.muted)
        room[0] = max(room[0], 0.5 * label("0", theme.muted).width)  # the first epoch's label
        if name_in_row:
            room[0] = max(room[0], axis.width + self.NAME_GAP + 0.5 * label("0", theme.muted).width)
        self.box_w, self.box_h = max(width - room[0] - room[1], 0.5), height
        self.room = room
        frame = Polylines([np.array([[0, height], [0, 0], [self.box_w, 0]]
                                    + ([[self.box_w, height]] if side_labels[1] else []))],
                          smooth=False, stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.8)
        frame.shift(RIGHT * room[0])
        self.add(frame)
        self.axes = frame  # its corner vertex is the chart's origin, wherever the chart moves
        origin = frame.points[3]
        self.curves, self.maps, self.local = [], [], []
        for (v, ok, lo, hi), (_values, colour, _label, _log) in zip(scales, series):
            y = (np.where(ok, v, lo) - lo) / (hi - lo)
            pts = np.column_stack([self._x(self.epochs), self._y(y)])
            curve = Polylines([pts], smooth=False, stroke_color=colour, stroke_width=2.5)
            self.curves.append(curve)
            self.local.append(pts)  # relative to the frame's corner
            self.maps.append(self._y(y))
        # tick marks and labels: the first series' left of the box, the second's right of it
        marks, self.tick_labels = [], []
        for k, side in enumerate(side_labels):
            _, _, lo, hi = scales[k]
            x = 0.0 if k == 0 else self.box_w
            out = -1.0 if k == 0 else 1.0
            for (value, _), mob in zip(ticks[k], side):
                y = float(self._y((value - lo) / (hi - lo)))
                marks.append(np.array([[x, y, 0], [x + out * self.TICK, y, 0]]) + origin)
                mob.move_to(origin + [x + out * (self.TICK + self.PAD + mob.width / 2), y, 0])
                self.tick_labels.append(mob)
        # the epochs under the box: 0 and the powers of ten, those that clear each other: the
        # largest and 0 first (a chart that ended its labels at 100 of 1500 epochs hid its range),
        # then the others from the top down
        # the last epoch too, where it is no power of ten: the labels reach the axis's end ('1000'
        # short of 1500 epochs did not say where the replay ends)
        last = float(self.epochs[-1])
        values = list(epoch_ticks(last))
        if last > values[-1] + 0.5:
            values.append(last)
        order = [values[-1], values[0], *values[-2:0:-1]] if len(values) > 1 else values
        x_labels, taken = [], []
        for e in order:
            mob = label(f"{e:.0f}", theme.muted)
            x = float(self._x(e))
            lo, hi = x - mob.width / 2, x + mob.width / 2
            if any(lo < b + self.X_GAP and hi > a - self.X_GAP for a, b in taken):
                continue
            mob.move_to(origin + [x, -self.TICK - self.PAD - mob.height / 2, 0])
            marks.append(np.array([[x, 0, 0], [x, -self.TICK, 0]]) + origin)
            x_labels.append(mob)
            taken.append((lo, hi))
        x_labels.sort(key=lambda m: m.get_center()[0])
        self.tick_labels += x_labels
        self.ticks = Polylines(marks or [np.zeros((2, 3))], smooth=False, stroke_color=theme.muted,
                               stroke_width=1.5, stroke_opacity=0.8)
        self.add(self.ticks, *self.tick_labels)
        # legend over the box; the x axis's name left of the first epoch, on its row
        def entry(name, colour, dashed):  # a sample of the curve's line, then its name
            name = label(name, colour)
            sample = VGroup(*[Line([x, 0, 0], [x + (self.DASH if dashed else 0.3), 0, 0],
                                   stroke_color=colour, stroke_width=2.5)
                              for x in ((0.0, self.DASH + self.GAP) if dashed else (0.0,))])
            return VGroup(sample, name).arrange(RIGHT, buff=0.08)

        legend = VGroup(*[entry(name, colour, d) for (_, colour, name, _), d
                          in zip(series, self.dashed)]).arrange(RIGHT, buff=0.3)
        if legend.width > width:  # a narrow chart: the names one over the other
            legend.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        legend.next_to(frame, UP, buff=0.1, aligned_edge=LEFT)
        left_edge = origin[0] - room[0]  # the chart's own left edge: the legend stays within it
        legend.shift(RIGHT * (min(left_edge + width - legend.get_right()[0], 0.0)))
        legend.shift(RIGHT * max(left_edge - legend.get_left()[0], 0.0))
        first = x_labels[0] if x_labels else None
        right = (first.get_left()[0] - self.NAME_GAP) if first is not None else origin[0] - self.TICK
        axis.move_to([right - axis.width / 2, 0, 0])
        if not name_in_row:
            axis.next_to(VGroup(frame, *x_labels), DOWN, buff=0.1, aligned_edge=RIGHT)
        elif first is not None:
            axis.align_to(first, DOWN)
        else:
            axis.next_to(frame, DOWN, buff=self.TICK + self.PAD)
        self.add(legend, axis)
        self.cursor = Line([0, 0, 0], [0, height, 0], stroke_color=theme.foreground, stroke_width=1.5,
                           stroke_opacity=0.6)
        self.dots = [Dot(radius=0.05, color=c) for _, c, _, _ in series]
        #: the moving part (the curves so far, cursor and dots): animate this, leave the rest static
        self.marker = VGroup(*self.curves, self.cursor, *self.dots)
        self.add(self.marker)
        self.set_marker(float(self.epochs[0]))

    def _bracket(self, lo: float, hi: float, height: float, h: float):
        """A linear curve's scale widened to round values that bracket its data, ``(lo, hi,
        (low tick, high tick))``, the scale padded so the two end labels stay within the box's
        height (an accuracy from 39 % to 99.7 % was labelled 60 % and 80 % only: the ticks
        did not cover the data); ``None`` where the box is too short for that."""
        inner = nice_ticks(lo, hi, 3)
        if len(inner) < 2:
            return None
        step = float(np.min(np.diff(inner)))
        a = float(np.floor(lo / step + 1e-9) * step) + 0.0
        b = float(np.ceil(hi / step - 1e-9) * step) + 0.0
        # the end ticks' labels inside the box: their centres at least h/2 (+ a hair) from its edges
        q = max(0.0, (h / 2 - 0.04 * height) / (0.92 * height)) + 1e-3
        if q >= 0.25 or b - a <= 0:
            return None
        pad = q / (1 - 2 * q) * (b - a)
        return a - pad, b + pad, (a, b)

    def _side_ticks(self, k: int, lo: float, hi: float, log_y: bool, percent: bool, height: float,
                    h: float) -> list[tuple[float, str]]:
        """A side's ticks ``[(value on the curve's scale, label)]``: at most :attr:`MOST_TICKS`
        round values whose labels lie within the box's height (a label hanging under the box
        crowded the epochs' row, one over it the legend), two labels at least two label heights
        apart; the widest spread of such values (the lowest and the highest)."""
        if k > 1:
            return []

        def inside(v):
            y = (v - lo) / (hi - lo) * height * 0.92 + height * 0.04
            return y - h / 2 >= -1e-9 and y + h / 2 <= height + 1e-9

        best: list[tuple[float, str]] = []
        for most in (2, 3, 4, 6):
            if log_y:  # powers of ten (or 1, 2, 5 times them); a short range: round values in it
                at = [(float(np.log10(t)), general(t, 2)) for t in log_ticks(10.0 ** lo, 10.0 ** hi, most)]
                if sum(inside(v) for v, _ in at) < 2:
                    at = [(float(np.log10(t)), general(t, 2))
                          for t in nice_ticks(10.0 ** lo, 10.0 ** hi, most) if t > 0]
            else:
                at = [(float(t), percent_text(t, 0 if abs(100 * t - round(100 * t)) < 1e-9 else 1)
                       if percent else general(t, 3)) for t in nice_ticks(lo, hi, most)]
            at = sorted((v, body) for v, body in at if inside(v))
            at = at[:: max(len(at) - 1, 1)][: self.MOST_TICKS]  # the lowest and the highest
            if len(at) == 2 and (at[1][0] - at[0][0]) / (hi - lo) * height * 0.92 < 2 * h:
                at = at[1:]
            if len(at) > len(best):
                best = at
            if len(best) >= self.MOST_TICKS:
                break
        return best

    def _x(self, epoch):
        return np.log1p(np.asarray(epoch, dtype=float)) / self.x_max * self.box_w

    def _y(self, share):
        """Height in the box of a value at ``share`` of its curve's range (a margin top and bottom)."""
        return np.asarray(share, dtype=float) * self.box_h * 0.92 + self.box_h * 0.04

    def set_marker(self, epoch: float) -> LineChart:
        """Move the cursor and the dots to ``epoch`` and draw the curves up to it, no further
        (curves interpolated between records)."""
        origin = self.axes.points[3]  # the frame's corner: the end of its first segment
        x = float(self._x(epoch))
        k = int(np.searchsorted(self.epochs, epoch, side="left"))  # the records before it
        for curve, pts, ys, dashed in zip(self.curves, self.local, self.maps, self.dashed):
            end = np.array([[x, float(np.interp(epoch, self.epochs, ys))]])
            shown = np.vstack([pts[:k], end]) if k else end
            line = np.column_stack([shown, np.zeros(len(shown))]) + origin
            curve.set_lines(dashes(line, self.DASH, self.GAP) if dashed else [line])
        self.cursor.put_start_and_end_on(origin + [x, 0, 0], origin + [x, self.box_h, 0])
        for dot, ys in zip(self.dots, self.maps):
            y = float(np.interp(epoch, self.epochs, ys))
            dot.move_to(origin + [x, y, 0])
        return self


class DigitReadout(VGroup):
    """Text whose characters change every frame, from glyphs built once.

    ``chars`` is the set of characters it may show; ``width`` the number of
    character cells.  A monospace font keeps the cells even.  ``set_text``
    costs a few array copies, not a Pango layout.  Move it like any mobject:
    an invisible frame around the cells carries the position.
    """

    def __init__(self, width: int, theme: Theme, font_size: float = 30,
                 chars: str = "0123456789.%-", color=None, font: str = "DejaVu Sans Mono") -> None:
        super().__init__()
        color = color or theme.foreground
        ref = text("0" * width, font=font, font_size=font_size, color=color)
        self.frame = Rectangle(width=ref.width, height=ref.height, stroke_width=0, fill_opacity=0)
        self.frame.move_to(ref)
        origin = self.frame.get_corner(DOWN + LEFT)
        # cell centres and the baseline, relative to the frame's lower-left corner
        self.cells = [glyph.get_center() - origin for glyph in ref]
        self.baseline = ref.get_bottom()[1] - origin[1]
        self.glyphs = {ch: text(ch, font=font, font_size=font_size, color=color)[0] for ch in chars}
        self.slots = [VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0) for _ in range(width)]
        self.add(self.frame, *self.slots)
        self.text = ""

    def set_text(self, text: str) -> DigitReadout:
        """Right-aligned ``text`` (characters outside ``chars`` show as blanks)."""
        text = text[-len(self.slots):].rjust(len(self.slots))
        origin = self.frame.get_corner(DOWN + LEFT)
        for slot, ch, cell in zip(self.slots, text, self.cells):
            glyph = self.glyphs.get(ch)
            if glyph is None:
                slot.points = np.zeros((0, 3))
                continue
            target = origin + cell
            if ch == "-":  # centred on the digits' height
                dy = target[1] - glyph.get_center()[1]
            else:  # sits on the baseline
                dy = origin[1] + self.baseline - glyph.get_bottom()[1]
            slot.points = glyph.points + np.array([target[0] - glyph.get_center()[0], dy, 0.0])
        self.text = text
        return self
