"""Small charts and readouts for Manim scenes, drawn without LaTeX.

* :class:`LineChart` — curves over epochs (log x) in a box, with a marker
  that moves along them; each curve is drawn only up to the marker's epoch
  (a chart over training never shows its future).
* :class:`DigitReadout` — a number that changes every frame, assembled from
  prebuilt glyphs (no new Pango text per frame).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Line, Rectangle, VGroup, VMobject

from nnanim.draw.mobjects import Polylines
from nnanim.draw.text import text
from nnanim.theme import Theme

__all__ = ["DigitReadout", "LineChart"]


class LineChart(VGroup):
    """Curves ``y(epoch)`` in a ``width × height`` box, x on a log scale, each curve scaled to the box.

    Parameters
    ----------
    epochs
        ``(R,)`` x values (epochs, >= 0).
    series
        ``[(values, colour, label, log_y), ...]``: each curve spans the box's
        height between its own min and max (log scale if ``log_y``).
    """

    def __init__(self, epochs: np.ndarray, series: Sequence[tuple], width: float, height: float,
                 theme: Theme, font_size: float = 18) -> None:
        super().__init__()
        self.box_w, self.box_h = width, height
        self.x_max = np.log1p(max(float(epochs[-1]), 1.0))
        self.epochs = np.asarray(epochs, dtype=float)
        frame = Polylines([np.array([[0, height], [0, 0], [width, 0]])], smooth=False,
                          stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.8)
        self.add(frame)
        self.axes = frame  # its corner vertex is the chart's origin, wherever the chart moves
        self.curves, self.maps, self.local = [], [], []
        for values, colour, _label, log_y in series:
            v = np.log10(np.maximum(values, 1e-12)) if log_y else np.asarray(values, dtype=float)
            ok = np.isfinite(v)
            lo, hi = (float(v[ok].min()), float(v[ok].max())) if ok.any() else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            y = (np.where(ok, v, lo) - lo) / (hi - lo)
            pts = np.column_stack([self._x(self.epochs), y * height * 0.92 + height * 0.04])
            curve = Polylines([pts], smooth=False, stroke_color=colour, stroke_width=2.5)
            self.curves.append(curve)
            self.local.append(pts)  # relative to the frame's corner
            self.maps.append(y * height * 0.92 + height * 0.04)
        # legend and axis label
        legend = VGroup(*[text(label, font=theme.font, font_size=font_size, color=colour)
                          for _, colour, label, _ in series]).arrange(RIGHT, buff=0.3)
        legend.next_to(frame, UP, buff=0.08, aligned_edge=LEFT)
        axis = text("epoch (log scale)", font=theme.font, font_size=font_size, color=theme.muted)
        axis.next_to(frame, DOWN, buff=0.08, aligned_edge=RIGHT)
        self.add(legend, axis)
        self.cursor = Line([0, 0, 0], [0, height, 0], stroke_color=theme.foreground, stroke_width=1.5,
                           stroke_opacity=0.6)
        self.dots = [Dot(radius=0.05, color=c) for _, c, _, _ in series]
        #: the moving part (the curves so far, cursor and dots): animate this, leave the rest static
        self.marker = VGroup(*self.curves, self.cursor, *self.dots)
        self.add(self.marker)
        self.set_marker(float(self.epochs[0]))

    def _x(self, epoch):
        return np.log1p(np.asarray(epoch, dtype=float)) / self.x_max * self.box_w

    def set_marker(self, epoch: float) -> LineChart:
        """Move the cursor and the dots to ``epoch`` and draw the curves up to it, no further
        (curves interpolated between records)."""
        origin = self.axes.points[3]  # the frame's corner: the end of its first segment
        x = float(self._x(epoch))
        k = int(np.searchsorted(self.epochs, epoch, side="left"))  # the records before it
        for curve, pts, ys in zip(self.curves, self.local, self.maps):
            end = np.array([[x, float(np.interp(epoch, self.epochs, ys))]])
            shown = np.vstack([pts[:k], end]) if k else end
            curve.set_lines([np.column_stack([shown, np.zeros(len(shown))]) + origin])
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
