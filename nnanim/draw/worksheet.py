"""Numbers on screen as a worksheet: Pango tables with aligned columns, and a flow view that marks one point.

* :class:`NumberTable` — rows of text cells (no LaTeX), every column
  right-aligned so that decimal points line up (the theme's digits are all
  one width), optional header rows above a thin rule, and square brackets
  around a block of columns (a matrix); ``cells[r][c]`` keeps each cell's
  text as ``shown``.
* :class:`MarkedView` — a :class:`~nnanim.draw.mobjects.FlowView` that carries one
  extra point, drawn large with a ring, through the same stages.
"""

from __future__ import annotations

import numpy as np
from manim import UP, Line, VGroup, VMobject

import nnanim.draw.text
from nnanim.draw.mobjects import FlowView, PointCloud
from nnanim.theme import Theme

__all__ = ["MarkedView", "NumberTable", "baseline", "strike"]


class NumberTable(VGroup):
    """A table of texts: ``header`` rows (muted) over ``rows``; columns right-aligned.

    Parameters
    ----------
    rows
        Body cells, ``rows[r][c]`` (``""`` for an empty cell).
    header
        Rows drawn above the body in ``theme.muted`` (those listed in ``strong``: in
        the foreground colour), with a thin rule under them.
    size
        Font size of every cell.
    bracket
        ``(first, last)`` columns to enclose in square brackets (a matrix), or None.
    left
        Columns aligned left instead (words, not numbers).
    colors
        ``{(r, c): colour}`` for body cells not in the foreground colour.
    gap
        Space between columns, in scene units.
    """

    def __init__(self, rows: list[list[str]], theme: Theme, size: float, *,
                 header: list[list[str]] | None = None, bracket: tuple[int, int] | None = None,
                 strong: tuple[int, ...] = (), left: tuple[int, ...] = (), colors=None,
                 gap: float = 0.34) -> None:
        super().__init__()
        header = header or []
        n_cols = max(len(r) for r in [*header, *rows])

        def cell(body: str, color) -> VMobject:
            if not body:
                mob = VMobject()
                mob.shown = ""
                return mob
            mob = nnanim.draw.text.text(body, font=theme.font, font_size=size, color=color)
            mob.shown = body
            return mob

        self.header_cells = [[cell(t, theme.foreground if i in strong else theme.muted) for t in r]
                             for i, r in enumerate(header)]
        colors = colors or {}
        self.cells = [[cell(t, colors.get((r, c), theme.foreground)) for c, t in enumerate(row)]
                      for r, row in enumerate(rows)]
        grid = [*self.header_cells, *self.cells]
        digit = nnanim.draw.text.text("0", font=theme.font, font_size=size, color=theme.foreground)
        pitch = digit.height * 1.9
        widths = [max((r[c].width for r in grid if c < len(r) and r[c].shown), default=0.0)
                  for c in range(n_cols)]
        x = 0.0
        rights = []
        for w in widths:
            x += w
            rights.append(x)
            x += gap
        rule_gap = 0.25 * pitch if header else 0.0
        for r, row in enumerate(grid):
            y = -r * pitch - (rule_gap if r >= len(header) else 0.0)
            for c, mob in enumerate(row):
                if mob.shown:
                    x_at = rights[c] - widths[c] + mob.width / 2 if c in left else rights[c] - mob.width / 2
                    mob.move_to([x_at, mob.get_center()[1], 0])
                    mob.shift(UP * (y - baseline(mob)))  # every cell of a row on one baseline
        for row in grid:
            self.add(*[m for m in row if m.shown])
        self.pitch = pitch
        self.rights = rights
        self.widths = widths
        self.rule = None
        if header:
            above = -(len(header) - 1) * pitch - 0.3 * digit.height  # under the last header's descenders
            below = -len(header) * pitch - rule_gap + digit.height  # over the first body row
            y = (above + below) / 2
            self.rule = Line([0, y, 0], [x - gap, y, 0], stroke_color=theme.muted, stroke_width=1.2,
                             stroke_opacity=0.6)
            self.add(self.rule)
        self.brackets = VGroup()
        if bracket is not None and rows:
            first, last = bracket
            body = VGroup(*[m for r in self.cells for m in r[first:last + 1] if m.shown])
            x0 = rights[first] - widths[first] - 0.12
            x1 = rights[last] + 0.12
            top, bottom = body.get_top()[1] + 0.08, body.get_bottom()[1] - 0.08
            tick = 0.1
            for edge, sign in ((x0, 1), (x1, -1)):
                side = VMobject(stroke_color=theme.foreground, stroke_width=2)
                self.brackets.add(side.set_points_as_corners(
                    [[edge + sign * tick, top, 0], [edge, top, 0], [edge, bottom, 0],
                     [edge + sign * tick, bottom, 0]]))
            self.add(self.brackets)

    def row(self, r: int) -> VGroup:
        """The drawn cells of body row ``r``."""
        return VGroup(*[m for m in self.cells[r] if m.shown])

    def column(self, c: int, header: bool = True) -> VGroup:
        """The drawn cells of column ``c`` (with its header cells)."""
        rows = [*(self.header_cells if header else []), *self.cells]
        return VGroup(*[r[c] for r in rows if c < len(r) and r[c].shown])

    def texts(self) -> list[list[str]]:
        """The body as shown, ``texts()[r][c]``."""
        return [[m.shown for m in r] for r in self.cells]


#: characters whose glyphs sit on the baseline (no descender, not raised like − · = + ×)
_ON_BASELINE = frozenset("0123456789.abcdefhiklmnorstuvwxzABCDEFGHIJKLMNOPRSTUVWXYZ")


def baseline(mob: VMobject) -> float:
    """The baseline of a Pango text: the lowest bottom of its glyphs that sit on it.

    (Manim's ``Text`` has one glyph per character, spaces left out.)  Without
    such a glyph, the text's bottom.
    """
    chars = getattr(mob, "shown", "").replace(" ", "")
    if len(chars) == len(mob.submobjects):
        ys = [g.get_bottom()[1] for ch, g in zip(chars, mob.submobjects) if ch in _ON_BASELINE]
        if ys:
            return float(min(ys))
    return float(mob.get_bottom()[1])


def strike(mob: VMobject, theme: Theme) -> Line:
    """A level line through the middle of a cell (a value the ReLU strikes to 0), a little past both ends."""
    pad, y = 0.06, mob.get_center()[1]
    return Line([mob.get_left()[0] - pad, y, 0.0], [mob.get_right()[0] + pad, y, 0.0],
                stroke_color=theme.foreground, stroke_width=2.5)


class MarkedView(FlowView):
    """A flow view that also carries ``point`` (``(d,)``) through its stages, drawn as a ringed dot.

    The point is part of the data the picture is framed on (``X`` gets it as an
    extra row), so it stays in the picture wherever it goes.
    """

    def __init__(self, flow, X: np.ndarray, y: np.ndarray, theme: Theme, point, label: int,
                 **kwargs) -> None:
        point = np.asarray(point, dtype=float).reshape(1, -1)
        self.marker_trace = flow.trace(point)
        colors = theme.class_rgb(max(int(np.max(y)) + 1, label + 1, 2))
        self.marker = PointCloud(np.zeros((1, 3)), colors[label], radius=theme.point_radius * 3.0,
                                 rim_color=theme.foreground, rim_fraction=0.34)
        super().__init__(flow, np.vstack([X, point]), np.append(y, label), theme, **kwargs)
        self.marker.clip_box = self.clip_box
        self.add(self.marker)
        self.set_stage(self.stage, self.t)

    def set_stage(self, s: int, t: float) -> MarkedView:
        super().set_stage(s, t)
        if hasattr(self, "marker"):
            self.marker.set_positions(self.to_scene(self.marker_trace.at(s, t)))
        return self
