"""Where things go in a frame of any shape: regions computed from the frame, never hard-coded.

Scene units: the frame's *short* side is always 8 units (16:9 is 14.2 × 8,
9:16 is 8 × 14.2, 1:1 is 8 × 8, 4:3 is 10.7 × 8), so a font size or a line
width means the same number of pixels on the short side in every shape, and
a scene never writes a coordinate: it asks a :class:`Layout` for regions.

Every region lies inside the title-safe area (:attr:`Layout.safe`, the inner
90 % of the frame), and no two regions overlap.

* **Landscape** (16:9, 4:3): a text column on the left — caption at the top,
  the header (what is shown: data, architecture, epoch) at the bottom, an
  optional ``aside`` between them — and the picture in the rest.
* **Portrait** (9:16): the caption above the picture, the header below it,
  the ``aside`` between picture and header.
* **Square** (1:1): caption above, header below, the picture between; an
  ``aside`` takes a column on the right of the picture.

:meth:`Layout.grid` splits the picture region into ``n`` square panels, each
with a label strip under it, choosing the rows and columns that make the
panels largest (side by side in landscape, stacked in portrait).

Text sizes are Manim font sizes.  Manim draws a capital at about 1.37 px per
font-size unit on a 1080 px short side, so the sizes below keep titles at
least 48 px and body text at least 30 px tall on a 1080 × 1920 phone frame
(titles in a landscape text column are a little smaller, 38 px at 1080p, for
screens and projectors, so that stage names stay on one line).
Pure Python: no manim import.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Box", "Layout", "SHORT_SIDE", "frame_size", "frame_units", "pixel_size"]

#: scene units on the frame's short side
SHORT_SIDE = 8.0
#: font sizes (Manim units): caption title, body text, small print (header, labels)
TITLE_SIZE = 36
#: titles in a landscape text column (wide: 16:9; narrow: 4:3), seen on screens and projectors
COLUMN_TITLE_SIZE = 28
NARROW_TITLE_SIZE = 28
BODY_SIZE = 24
SMALL_SIZE = 22
#: the height of a legend line in the header region (a colour bar and its labels)
LEGEND_HEIGHT = 0.55
#: the title-safe area: every region lies inside the frame less this share of its width and
#: height on each side (5 %: the inner 90 % of the frame, where no screen or player crops)
SAFE = 0.05
#: empty space between the text column and the picture, and between regions (scene units)
MARGIN = 0.35
GAP = 0.25

#: how much of its region's short side the main picture's square fills
PICTURE_FILL = {"landscape": 0.97, "portrait": 1.0, "square": 1.0}

_RATIOS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3)}


def frame_size(aspect: str) -> tuple[float, float]:
    """``(width, height)`` in scene units of a frame of ``aspect`` (short side 8)."""
    a, b = _RATIOS[aspect]
    return (SHORT_SIDE * a / b, SHORT_SIDE) if a >= b else (SHORT_SIDE, SHORT_SIDE * b / a)


def frame_units(pixels: tuple[int, int]) -> tuple[float, float]:
    """The frame of ``pixels`` in scene units: 8 on the short side, the long side in proportion.

    Square pixels: 854 × 480 is 14.23 × 8, a hair wider than 16:9's 14.22.
    """
    width, height = pixels
    short = min(width, height)
    return SHORT_SIDE * width / short, SHORT_SIDE * height / short


def pixel_size(aspect: str, short: int) -> tuple[int, int]:
    """``(width, height)`` in pixels with ``short`` pixels on the short side, both even.

    Even sizes, because H.264 and VP9 in 4:2:0 need them.
    """
    a, b = _RATIOS[aspect]
    short = 2 * round(short / 2)
    long = 2 * round(short * max(a, b) / min(a, b) / 2)
    return (long, short) if a >= b else (short, long)


@dataclass(frozen=True)
class Box:
    """An axis-aligned region ``[x0, x1] × [y0, y1]`` in scene units."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def centre(self) -> tuple[float, float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2, 0.0)


    @property
    def clip(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)``, the form the camera clips drawing to."""
        return (self.x0, self.y0, self.x1, self.y1)

    def square(self, fill: float = 1.0) -> tuple[tuple[float, float, float], float]:
        """``(centre, side)`` of the largest square in the box, scaled by ``fill``."""
        return self.centre, min(self.width, self.height) * fill

    def split_top(self, height: float, gap: float = 0.0) -> tuple[Box, Box]:
        """``(top strip of ``height``, the rest below it)``."""
        cut = self.y1 - height
        return Box(self.x0, cut, self.x1, self.y1), Box(self.x0, self.y0, self.x1, cut - gap)

    def split_bottom(self, height: float, gap: float = 0.0) -> tuple[Box, Box]:
        """``(bottom strip of ``height``, the rest above it)``."""
        cut = self.y0 + height
        return Box(self.x0, self.y0, self.x1, cut), Box(self.x0, cut + gap, self.x1, self.y1)

    def split_left(self, width: float, gap: float = 0.0) -> tuple[Box, Box]:
        cut = self.x0 + width
        return Box(self.x0, self.y0, cut, self.y1), Box(cut + gap, self.y0, self.x1, self.y1)

    def split_right(self, width: float, gap: float = 0.0) -> tuple[Box, Box]:
        cut = self.x1 - width
        return Box(cut, self.y0, self.x1, self.y1), Box(self.x0, self.y0, cut - gap, self.y1)

    def inset(self, d: float) -> Box:
        return Box(self.x0 + d, self.y0 + d, self.x1 - d, self.y1 - d)

    def contains(self, other: Box, tol: float = 1e-9) -> bool:
        return (other.x0 >= self.x0 - tol and other.y0 >= self.y0 - tol
                and other.x1 <= self.x1 + tol and other.y1 <= self.y1 + tol)

    def overlaps(self, other: Box) -> bool:
        return not (other.x0 >= self.x1 or other.x1 <= self.x0
                    or other.y0 >= self.y1 or other.y1 <= self.y0)


@dataclass(frozen=True)
class Panel:
    """One panel of a :meth:`Layout.grid`: its picture square and the label strip under it."""

    picture: Box
    label: Box


class Layout:
    """The regions of a frame ``width × height`` (scene units).

    Parameters
    ----------
    width, height
        The frame, e.g. :func:`frame_size`.
    aside
        Reserve a region for a second, smaller group (an inset, readouts, a
        chart): ``0`` for none, else roughly how much of the short side it
        needs (a fraction, e.g. ``0.3``).
    caption_lines
        How many body lines the caption region should hold (its title
        takes up to two lines in portrait).
    header
        Keep a header region (what is shown: data, architecture, epoch).
    legend
        Make the header region one legend line taller (a colour bar with its
        labels, at the top of the header region).
    title_lines
        How many title lines the caption region keeps above the picture
        (portrait and square; default 2 in portrait, 1 in a square).
    """

    def __init__(self, width: float, height: float, *, aside: float = 0.0,
                 caption_lines: int = 3, header: bool = True, legend: bool = False,
                 title_lines: int | None = None) -> None:
        self.width, self.height = float(width), float(height)
        ratio = self.width / self.height
        self.shape = "landscape" if ratio > 1.15 else ("portrait" if ratio < 0.87 else "square")
        self.title_size, self.body_size, self.small_size = TITLE_SIZE, BODY_SIZE, SMALL_SIZE
        self.frame = Box(-self.width / 2, -self.height / 2, self.width / 2, self.height / 2)
        #: the title-safe area: every region lies inside it
        self.safe = Box(-(0.5 - SAFE) * self.width, -(0.5 - SAFE) * self.height,
                        (0.5 - SAFE) * self.width, (0.5 - SAFE) * self.height)
        inner = self.safe
        self.aside: Box | None = None
        head_h = (_line(SMALL_SIZE) * (3 if self.shape == "landscape" else 2) + 0.1) if header else 0.0
        if header and legend:
            head_h += LEGEND_HEIGHT
        if self.shape == "landscape":
            column = min(4.8, max(3.8, 0.34 * self.width))
            # titles a little smaller in a text column, so stage names stay on one line
            self.title_size = COLUMN_TITLE_SIZE if column >= 4.6 else NARROW_TITLE_SIZE
            self.column, self.picture = inner.split_left(column - MARGIN, gap=MARGIN)
            self.header, rest = self.column.split_bottom(head_h, gap=GAP if header else 0.0)
            if aside:  # the caption is short then: one title line over its body lines
                self.caption, self.aside = rest.split_top(
                    _text_height(1, caption_lines, self.title_size), gap=GAP)
            else:
                self.caption = rest
        else:
            title_lines = title_lines or (2 if self.shape == "portrait" else 1)
            lines = caption_lines if self.shape == "portrait" else min(caption_lines, 2)
            self.caption, rest = inner.split_top(_text_height(title_lines, lines), gap=GAP)
            self.header, rest = rest.split_bottom(head_h, gap=GAP if header else 0.0)
            if aside and self.shape == "portrait":
                self.aside, rest = rest.split_bottom(max(aside * self.width, 2.0), gap=GAP)
            elif aside:
                self.aside, rest = rest.split_right(max(aside * self.width, 2.2), gap=GAP)
            self.picture = rest
            self.column = None

    # -- the main picture
    @property
    def picture_square(self) -> tuple[tuple[float, float, float], float]:
        """``(centre, side)`` of the main picture: the largest square in the picture region."""
        return self.picture.square(PICTURE_FILL[self.shape])

    @property
    def picture_fit(self) -> tuple[tuple[float, float, float], float, float]:
        """``(centre, height, width)`` of the picture region, inside a margin: for a picture
        that fits its data's box to the region (taller data uses a tall region's height)."""
        (cx, cy, _), side = self.picture_square
        inner = self.picture.inset((1.0 - PICTURE_FILL[self.shape]) * side / 2)
        return inner.centre, inner.height, inner.width

    @property
    def picture_clip(self) -> tuple[float, float, float, float]:
        """Where moving pictures may draw: the picture region (never over text)."""
        return self.picture.clip

    # -- several panels
    def grid(self, n: int, label_lines: int = 2, top: float = 0.0, gap: float = GAP,
             cols: int | None = None) -> list[Panel]:
        """``n`` equal square panels filling the frame, each over a label strip.

        For scenes made of panels (no caption column): the whole frame inside
        its margins, less a strip of ``top`` at the top (a title), is shared
        out.  Tries every rows × columns arrangement and keeps the one with the
        largest panels (side by side in landscape, stacked in portrait), or
        the one of ``cols`` columns when given (e.g. 2 for a 2 × 2 of four); a
        last row that is not full is centred.  ``gap`` is the space between
        panels (room for an arrow).
        """
        area = self.safe
        if top:
            _, area = area.split_top(top, gap=GAP)
        label = _line(SMALL_SIZE) * label_lines + 0.15
        best = None
        arrangements = range(1, n + 1) if cols is None else [-(-n // max(1, min(cols, n)))]
        for rows in arrangements:
            cols = -(-n // rows)
            side = min((area.width - gap * (cols - 1)) / cols,
                       (area.height - label * rows - gap * (rows - 1)) / rows)
            if best is None or side > best[0] + 1e-9:
                best = (side, rows, cols)
        side, rows, cols = best
        side = max(side, 0.5)
        cell_h = side + label
        total_w = cols * side + (cols - 1) * gap
        total_h = rows * cell_h + (rows - 1) * gap
        x_start = area.centre[0] - total_w / 2
        y_start = area.centre[1] + total_h / 2
        panels = []
        for k in range(n):
            r, c = divmod(k, cols)
            in_row = min(cols, n - r * cols)  # a last row that is not full is centred
            x0 = x_start + (c + (cols - in_row) / 2) * (side + gap)
            y1 = y_start - r * (cell_h + gap)
            pic = Box(x0, y1 - side, x0 + side, y1)
            # a label may use the space between panels, or the whole width of a single column
            lx0, lx1 = ((area.x0, area.x1) if cols == 1 else
                        (max(area.x0, x0 - gap / 2), min(area.x1, x0 + side + gap / 2)))
            panels.append(Panel(pic, Box(lx0, y1 - cell_h, lx1, y1 - side)))
        return panels

    def focus(self, n: int, big: int, column: float, label_height: float, top: float = 0.0,
              gap: float = GAP, left: bool = False) -> list[Panel]:
        """``n`` square panels, panel ``big`` as large as the frame allows, the others thumbnails.

        For a panel scene whose panels in a row (:meth:`grid`) are too small to watch one of
        them play: the playing panel takes the area's full height (less a strip of ``top`` at
        the top, as in :meth:`grid`) beside a column ``column`` wide that holds its label (a
        strip ``label_height`` tall, level with the picture's top) and, under it, the other
        panels as thumbnails, side by side or stacked, whichever makes them larger; the column
        is on the right, or on the ``left`` (for the last panel: the others then keep their
        order and do not cross it on the way).  In portrait the column is a band under the
        picture, as wide as the area.  Thumbnails have no label strip (their ``label`` box is
        empty, along the picture's bottom edge).
        """
        area = self.safe
        if top:
            _, area = area.split_top(top, gap=GAP)
        m = n - 1
        if self.shape == "portrait":
            thumb_h = max(0.25 * area.width, 1.0)
            side = max(min(area.width, area.height - label_height - thumb_h - 2 * gap), 0.5)
            x0 = area.centre[0] - side / 2
            pic = Box(x0, area.y1 - side, x0 + side, area.y1)
            label = Box(area.x0, pic.y0 - gap - label_height, area.x1, pic.y0 - gap)
            rest = Box(area.x0, area.y0, area.x1, label.y0 - gap)
        else:
            side = max(min(area.height, area.width - column - gap), 0.5)
            x0 = area.centre[0] - (side + gap + column) / 2
            cy = area.centre[1]
            if left:  # the column first, then the picture
                pic = Box(x0 + column + gap, cy - side / 2, x0 + column + gap + side, cy + side / 2)
                label = Box(x0, pic.y1 - label_height, x0 + column, pic.y1)
            else:
                pic = Box(x0, cy - side / 2, x0 + side, cy + side / 2)
                label = Box(pic.x1 + gap, pic.y1 - label_height, pic.x1 + gap + column, pic.y1)
            rest = Box(label.x0, pic.y0, label.x1, label.y0 - gap)
        # the thumbnails: in a row or in a column of the space left, whichever is larger
        across = min((rest.width - gap * (m - 1)) / m, rest.height)
        down = min(rest.width, (rest.height - gap * (m - 1)) / m)
        thumb = max(min(max(across, down), side), 0.3)
        rows, cols = (1, m) if across >= down else (m, 1)
        total_w, total_h = cols * thumb + (cols - 1) * gap, rows * thumb + (rows - 1) * gap
        tx, ty = rest.centre[0] - total_w / 2, rest.y1 - (rest.height - total_h) / 2
        panels, k = [], 0
        for i in range(n):
            if i == big:
                panels.append(Panel(pic, label))
                continue
            r, c = divmod(k, cols)
            k += 1
            x, y1 = tx + c * (thumb + gap), ty - r * (thumb + gap)
            box = Box(x, y1 - thumb, x + thumb, y1)
            panels.append(Panel(box, Box(box.x0, box.y0, box.x1, box.y0)))
        return panels

    def title_strip(self, lines: int = 1) -> Box:
        """A full-width strip at the top of the frame for a title line (panel scenes)."""
        strip, _ = self.safe.split_top(_line(TITLE_SIZE) * lines)
        return strip

    @property
    def text_width(self) -> float:
        """Width available to a line of caption text."""
        return self.caption.width


def _line(size: float) -> float:
    """Height of one line of text of font ``size`` (scene units, with line spacing)."""
    return size / 48 * 0.62 * 1.25


def _text_height(title_lines: int, body_lines: int, title_size: float = TITLE_SIZE) -> float:
    return _line(title_size) * title_lines + 0.2 + _line(BODY_SIZE) * body_lines
