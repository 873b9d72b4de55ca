"""Side-by-side panels of flow pictures: linear-model overlays, a travelling view.

Pieces for scenes that show two moments of a :class:`~nnanim.core.flow.Flow` next
to each other (e.g. the input plane and the last hidden layer) instead of one
full-height picture:

* :func:`panel_box`, :func:`boundary_overlay` — what a :class:`FlowView` shows
  inside its square region, and the shading plus straight boundary lines of
  a linear classifier drawn over it (clipped to the panel, not to the frame).
* :func:`level_overlay` — a linear regression ``ŷ = w·p + c`` over a 2-D view:
  its shading on the target colour map and its straight, parallel level lines
  ``ŷ = level`` in the colours of their levels.
* :func:`output_overlay` — the output layer's line(s) or plane over the last
  hidden space.
* :func:`plane_overlay` — the boundary plane of a 3-D last hidden layer, cut
  to the framing cube; :class:`DisplayFaces` — polygons of a 3-D display space
  that stay on the view while it turns.
* :class:`RegionPath`, :class:`TravelStage` — a flow view that plays its
  stages while its region slides smoothly from one panel to another.
* :class:`Regrid` — panels that move and resize to a new arrangement (a
  panel that grows while the others shrink to thumbnails).
* :class:`Dim` — fade a group to a fraction of its own opacity and back,
  without copies; :func:`view_dissolve` — one view dissolving into another in
  its panel, never near-black halfway and never two scale bars at once.

The geometry they draw (lines and planes cut to boxes, which parts of a
boundary decide) is in :mod:`nnanim.core.curves`, plain NumPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import Animation, Group, Mobject, Polygon, VGroup, VMobject, smooth
from manim.utils.color import ManimColor

from nnanim.core import notation
from nnanim.core.curves import clip_line, linear_boundaries, plane_in_box
from nnanim.core.projection import smoothstep
from nnanim.draw.mobjects import (
    FlowView,
    OpacityFade,
    Polylines,
    RasterImage,
    SpaceAxes,
    StagePlay,
    probability_image,
    saved_opacities,
    scale_opacities,
    value_image,
    with_halo,
)
from nnanim.theme import Theme

__all__ = [
    "DepthPlane",
    "Dim",
    "DisplayFaces",
    "RegionPath",
    "Regrid",
    "TravelStage",
    "boundary_overlay",
    "early",
    "late",
    "paced",
    "fit_grid",
    "level_overlay",
    "matrix_table",
    "number",
    "output_overlay",
    "panel_box",
    "plane_overlay",
    "regrid",
]

Array = np.ndarray
Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------- panels


def panel_box(view: FlowView) -> Box:
    """``(xmin, xmax, ymin, ymax)`` of display space inside the view's square region (top view)."""
    half = view.view_height / 2
    o = view.view_origin
    lo, hi = view.to_display(np.array([[o[0] - half, o[1] - half, 0.0],
                                       [o[0] + half, o[1] + half, 0.0]]))
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def boundary_overlay(view: FlowView, pairs, prob: Callable[[Array], Array] | None,
                     theme: Theme, n_classes: int, *, shading: bool = True,
                     color=None, stroke_width: float | None = None) -> Group:
    """Shading and straight boundary lines of a linear classifier over a 2-D view, in its panel.

    ``pairs`` are ``(i, j, w, c)`` in the view's display coordinates at its
    current stage (:func:`~nnanim.core.curves.linear_pairs` for input space,
    ``flow.output_boundaries()`` for the last hidden space); ``prob`` maps
    display points to class probabilities.
    Returns a ``Group`` of the parts with attributes ``shading`` (a
    :class:`RasterImage`, meant behind the points; ``None`` without
    ``shading``), ``strokes`` (the lines, a :class:`Polylines` meant on top;
    ``None`` if no boundary crosses the panel) and ``lines`` (the polylines in
    display coordinates, for tests).  Add the parts to a scene one by one, in
    the drawing order wanted; the group is for fading them together.
    """
    box = panel_box(view)
    image = strokes = None
    if shading and prob is not None:
        rgba = probability_image(prob, box, theme.class_rgb(n_classes))
        x0, x1, y0, y1 = box
        corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
        image = RasterImage(rgba, corners)
    scores = prob if prob is not None else (lambda P: np.zeros((len(P), 2)))
    lines = linear_boundaries(pairs, scores, box)
    if lines:
        scene_lines = [view.to_scene(line) for line in lines]
        strokes = with_halo(Polylines(scene_lines, smooth=False, stroke_color=color or theme.boundary,
                                      stroke_width=stroke_width or theme.boundary_width), theme)
    group = Group(*(m for m in (image, strokes) if m is not None))
    group.shading, group.strokes, group.lines = image, strokes, lines
    return group


def level_overlay(view: FlowView, w: Array, c: float, levels: Array, theme: Theme,
                  lo: float, hi: float) -> Group:
    """Shading and level lines of a linear fit ``ŷ = w·p + c`` (display coordinates) in a 2-D view.

    ``lo``, ``hi``: the ends of the target colour map.  Returns a ``Group`` with
    the attributes of :func:`boundary_overlay`: ``shading``, ``strokes`` (a
    group of one :class:`Polylines` per level that crosses the panel, or
    ``None``) and ``lines`` (``(level, (2, 2) ends)`` in display coordinates,
    for tests).
    """
    w = np.asarray(w, dtype=float)[:2]
    box = panel_box(view)
    x0, x1, y0, y1 = box
    corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
    image = RasterImage(value_image(lambda P: P @ w + c, box, theme, lo, hi), corners)
    lines, strokes = [], Group()
    for level, rgb in zip(levels, theme.target_rgb(levels, lo, hi), strict=True):
        ends = clip_line(w, c - level, box)
        if ends is not None:
            lines.append((float(level), ends))
            strokes.add(with_halo(Polylines([view.to_scene(ends)], smooth=False,
                                            stroke_color=ManimColor(rgb),
                                            stroke_width=theme.boundary_width * 0.7), theme))
    strokes = strokes if lines else None
    group = Group(*(m for m in (image, strokes) if m is not None))
    group.shading, group.strokes, group.lines = image, strokes, lines
    return group
def output_overlay(view: FlowView, theme: Theme) -> Group:
    """The output layer's boundary over a view's last hidden space: shaded line(s), or a plane.

    The view is at its last stage.  A 2-D space gets :func:`boundary_overlay`
    of ``flow.output_boundaries()``; a 3-D one (two classes) the boundary
    plane of :func:`plane_overlay` in a group with the same attributes
    (``shading`` is the plane, no ``strokes``).
    """
    flow = view.flow
    if flow.stages[-1].dim == 2:
        return boundary_overlay(view, flow.output_boundaries(), flow.output_probabilities,
                                theme, view.n_classes)
    plane = None
    if view.n_classes == 2:
        plane = plane_overlay(view, *flow.output_boundary(), theme)
    overlay = Group(*([plane] if plane is not None else []))
    overlay.shading, overlay.strokes, overlay.lines = plane, None, []
    return overlay


def plane_overlay(view: FlowView, w: Array, c: float, theme: Theme, color=None) -> DepthPlane | None:
    """The boundary plane of a 3-D space as a translucent polygon in the view's framing cube.

    Drawn in the view's current orientation (``set_view_angles``): a group of
    the polygon (``.polygon``) and the points in front of the plane, drawn
    over it (:meth:`FlowView.front_points`; add the group above the view for
    depth to read true).  A tilted
    cube shows more than the view's square region, so the cube is shrunk
    about its centre until the polygon fits the region.  ``None`` if the plane
    misses the cube.
    """
    centre, half = view.flow.framing(view.frame_trace, view.stage, view.t)
    region = view.view_height / 2
    for k in np.linspace(1.0, 0.5, 11):
        poly = plane_in_box(w, c, centre, half * k)
        if poly is None:
            return None
        corners = view.to_scene(poly)
        if np.max(np.abs(corners[:, :2] - view.view_origin[:2])) <= region:
            break
    plane = Polygon(*corners, stroke_color=color or theme.boundary,
                    stroke_width=theme.boundary_width * 0.6, fill_color=color or theme.boundary,
                    fill_opacity=0.16)
    # depth: the points in front of the plane drawn again over it, so those behind it show
    # through its fill and those in front stay crisp
    return DepthPlane(plane, view.front_points(w, c))


class DepthPlane(Group):
    """A translucent plane (``.polygon``) with the points in front of it drawn over it."""

    def __init__(self, polygon: Polygon, front: Mobject) -> None:
        super().__init__(polygon, front)
        self.polygon, self.front = polygon, front

    def get_vertices(self) -> Array:
        """The polygon's corners (scene units)."""
        return self.polygon.get_vertices()


class DisplayFaces(VGroup):
    """Polygons given in a view's display coordinates (``(M, 3)`` corners each), drawn where the
    view shows them: an updater re-projects the corners every frame, so they turn with it."""

    def __init__(self, view: FlowView, faces, clip_box=None, **style) -> None:
        self.view, self.faces = view, [np.asarray(f, dtype=float) for f in faces]
        super().__init__(*(Polygon(*view.to_scene(f), **style) for f in self.faces))
        for mob in self.submobjects:
            mob.clip_box = clip_box
        self.add_updater(lambda mob: mob.follow())

    def follow(self) -> DisplayFaces:
        for mob, face in zip(self.submobjects, self.faces, strict=True):
            corners = self.view.to_scene(face)
            mob.set_points_as_corners([*corners, corners[0]])
        return self


def fit_grid(layout, n: int, label_height: Callable[[list], float], top: float = 0.0,
             gap: float = 0.35, lines: int = 2, most: int = 12, pad: float = 0.1) -> list:
    """The layout's ``n`` panels with label strips as tall as their labels need.

    ``label_height(panels)`` builds the labels for those panels (their strips'
    widths) and returns the tallest one's height; the strips grow a line at a
    time until it fits with ``pad`` to spare (panels shrink as strips grow, and
    narrower labels wrap more, so the smallest strip that fits is the one kept),
    at most ``most`` lines.
    """
    while True:
        panels = layout.grid(n, label_lines=lines, top=top, gap=gap)
        if lines >= most or label_height(panels) + pad <= panels[0].label.height:
            return panels
        lines += 1


def number(value: float) -> str:
    """A matrix entry as shown: two decimals, a true minus sign (``−0.34``), never ``−0.00``."""
    return notation.number(value)


def matrix_table(rows, make_text: Callable[[str], Mobject], color, bar: int | None = None,
                 gap: float = 0.22, stroke_width: float = 2.0) -> Group:
    """A matrix as a table of text cells in brackets (no LaTeX): ``rows`` of strings.

    ``make_text(s)`` builds one cell (the scene's label, so sizes follow the
    layout).  Columns are right-aligned; ``bar`` draws a vertical rule before
    that column (an augmented matrix ``[W | b]``).  The group's ``cells`` are
    the cell mobjects row by row, each with its ``text``.
    """
    from manim import VGroup, VMobject

    cells = [[make_text(c) for c in row] for row in rows]
    n_cols = max(len(r) for r in cells)
    widths = [max(r[c].width for r in cells if c < len(r)) for c in range(n_cols)]
    row_h = max(m.height for r in cells for m in r) * 1.7
    pad = gap * 0.8
    x = pad
    lefts = []
    for c, w in enumerate(widths):
        if bar is not None and c == bar:
            x += gap
        lefts.append(x)
        x += w + gap
    width = x - gap + pad
    height = row_h * len(cells)
    group = VGroup()
    for r, row in enumerate(cells):
        y = -row_h * (r + 0.5)
        for c, cell in enumerate(row):
            cell.move_to([lefts[c] + widths[c] - cell.width / 2, y, 0])
            group.add(cell)
    tick = min(0.12, pad * 0.7)
    for side in (0, 1):
        x0, dx = (0.0, tick) if side == 0 else (width, -tick)
        bracket = VMobject(stroke_color=color, stroke_width=stroke_width)
        bracket.set_points_as_corners([[x0 + dx, 0, 0], [x0, 0, 0], [x0, -height, 0],
                                       [x0 + dx, -height, 0]])
        group.add(bracket)
    if bar is not None and 0 < bar < n_cols:
        xb = lefts[bar] - gap
        rule = VMobject(stroke_color=color, stroke_width=stroke_width * 0.75)
        rule.set_points_as_corners([[xb, -0.1 * row_h, 0], [xb, -height + 0.1 * row_h, 0]])
        group.add(rule)
    group.cells = cells
    return group


# --------------------------------------------------------------------------- travelling view


class RegionPath:
    """Where a travelling view sits at time ``τ`` in ``[0, duration]``: eased from start to end.

    Each end is ``(origin (3,), height, elev, azim)``.  The region moves with a
    smoothstep of ``τ / duration`` (zero speed at both ends, no jumps); the
    view angles turn with a smoothstep inside ``turn = (τa, τb)`` only (by
    default the whole path).
    """

    def __init__(self, start, end, duration: float, turn: tuple[float, float] | None = None):
        self.start = (np.asarray(start[0], dtype=float), float(start[1]), *map(float, start[2:]))
        self.end = (np.asarray(end[0], dtype=float), float(end[1]), *map(float, end[2:]))
        self.duration = float(duration)
        self.turn = turn or (0.0, self.duration)

    def __call__(self, tau: float) -> tuple[Array, float, float, float]:
        a = smoothstep(tau / self.duration if self.duration > 0 else 1.0)
        ta, tb = self.turn
        g = smoothstep((tau - ta) / (tb - ta) if tb > ta else float(tau >= tb))
        (o0, h0, e0, z0), (o1, h1, e1, z1) = self.start, self.end
        # from the start by the difference: a region that does not move stays exactly itself
        origin, height = o0 + a * (o1 - o0), h0 + a * (h1 - h0)
        return origin, height, (1 - g) * e0 + g * e1, (1 - g) * z0 + g * z1


class TravelStage(StagePlay):
    """Play stage ``stage`` of a view while its region follows ``path`` from time ``tau0`` on.

    The play covers ``[tau0, tau0 + run_time]`` of the path; chain stages with
    consecutive ``tau0`` and the region moves without a stop between them.
    """

    def __init__(self, view: FlowView, stage: int, path: RegionPath, tau0: float, **kwargs) -> None:
        self.path, self.tau0 = path, float(tau0)
        super().__init__(view, stage, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        origin, height, elev, azim = self.path(self.tau0 + alpha * self.run_time)
        self.view.view_origin, self.view.view_height = origin, height
        self.view.view_width = height  # panels are square
        half = 0.5 * height  # the travelling picture stays inside its moving square (its panel)
        self.view.set_clip_box((origin[0] - half, origin[1] - half, origin[0] + half, origin[1] + half))
        self.view.elev, self.view.azim = elev, azim
        self.view.set_stage(self.stage_index, self.rate_func(alpha))


def paced(view: FlowView, stage: int, seconds: float, rate_func=smooth, shift: float = 2.0,
          zoom: float = 5.4, samples: int = 200) -> float:
    """Seconds to play ``stage`` of ``view`` eased by ``rate_func``: at least ``seconds``, and
    long enough that its framing moves at most ``shift`` region sides and zooms at most ``zoom``
    (log of the scale) a second, so the camera follows a stage that moves the picture a lot
    instead of jumping with it (a stage's play, not the camera, is what gets slower)."""
    fastest_zoom, fastest_shift = view.framing_speed(stage, samples)  # per unit of the stage's clock
    t = np.linspace(0.0, 1.0, samples + 1)
    peak = float(np.max(np.diff([rate_func(float(x)) for x in t]))) * samples  # the clock's top speed
    return float(max(seconds, peak * fastest_shift / shift, peak * fastest_zoom / zoom))


class Regrid(Animation):
    """Panels move and resize from their picture boxes to new ones, in one smooth move.

    ``moves`` are ``(view, parts, start, end)``: a :class:`FlowView` (or ``None``), the other
    things drawn in the panel (its shading, its lines, its frame: anything but text), and the
    panel's square picture box before and after (:class:`nnanim.layout.Box`).  At every frame
    the box is eased from ``start`` to ``end``: the view is framed in it (its region, clip box
    and axes follow it), and each part is scaled about the box's centre and moved with it; a
    part given as ``(mobject, pad)`` keeps ``pad`` around the box (a frame drawn ``pad``
    larger than its picture).  Text is moved, never scaled (a scene swaps its labels).  The axes of a
    view whose end box is too small for them (:meth:`SpaceAxes.fits`) fade out in the first
    :attr:`FADE` of the move and are dropped.

    The parts need not be in the scene (a shading shown later moves with its view); those
    that are must be animated too, for Manim to redraw them: :func:`regrid` gives both.
    """

    FADE = 0.35

    def __init__(self, moves, **kwargs) -> None:
        self.moves = []
        for view, parts, start, end in moves:
            parts = [p if isinstance(p, tuple) else (p, 0.0) for p in parts if p is not None]
            self.moves.append((view, [(m, float(pad)) for m, pad in parts if m is not None],
                               start, end))
        super().__init__(Mobject(), remover=True, **kwargs)

    def moved(self) -> list[Mobject]:
        """Every mobject the move changes (views and parts)."""
        return [m for view, parts, _, _ in self.moves
                for m in ([view] if view is not None else []) + [p for p, _ in parts]]

    def begin(self) -> None:
        self._points, self._leaving = [], []
        for i, (view, parts, _start, end) in enumerate(self.moves):
            if view is not None and view.axes is not None and not SpaceAxes.fits(end.clip):
                axes, view.axes = view.axes, None  # no longer follows the view: moved and faded
                parts.append((axes, 0.0))
                self._leaving.append((view, axes, saved_opacities(axes)))
            for part, pad in parts:
                for mob, rigid in _pieces(part):
                    self._points.append((i, pad, mob, mob.points.copy(), rigid))
        super().begin()

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        now = []
        for view, _parts, start, end in self.moves:
            c0, s0 = _square(start)
            c1, s1 = _square(end)
            c, s = (1 - a) * c0 + a * c1, (1 - a) * s0 + a * s1
            now.append((c0, s0, c, s))
            if view is not None:
                box = (c[0] - s / 2, c[1] - s / 2, c[0] + s / 2, c[1] + s / 2)
                view.view_origin, view.view_height, view.view_width = c.copy(), s, s
                view.set_clip_box(box)
                if view.axes is not None:
                    view.axes.set_box(box)
                view.set_stage(view.stage, view.t)
        for i, pad, mob, P, rigid in self._points:
            c0, s0, c, s = now[i]
            k = (s + pad) / (s0 + pad)
            if rigid is None:
                mob.points = c + (P - c0) * k
            else:  # text keeps its size: its centre moves with the panel
                mob.points = P + (c + (rigid - c0) * k - rigid)
        k = min(max(1.0 - alpha / self.FADE, 0.0), 1.0)
        for _view, _axes, saved in self._leaving:
            scale_opacities(saved, k)

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        for view, axes, saved in self._leaving:
            view.remove(axes)
            scale_opacities(saved, 1.0)


def _pieces(part: Mobject):
    """``(mobject with points, None)`` for each part of ``part`` that a regrid scales, and
    ``(glyph, centre of its text)`` for the glyphs of a text, which only move (text is never
    scaled below its size)."""
    from manim import Text

    if isinstance(part, Text):
        centre = part.get_center()
        return [(mob, centre) for mob in part.get_family() if len(mob.points)]
    pieces = [(part, None)] if len(part.points) else []
    for sub in part.submobjects:
        pieces += _pieces(sub)
    return pieces


class _Moved(Animation):
    """Marks a mobject as moving in a play (Manim redraws it every frame); changes nothing."""

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def interpolate_mobject(self, alpha: float) -> None:
        pass


def regrid(moves, in_scene: Callable[[Mobject], bool], **kwargs) -> list[Animation]:
    """The animations of a :class:`Regrid` of ``moves``: the move, and a mark on each moved
    mobject already ``in_scene`` (Manim draws a mobject no animation names into its still
    background once, where it stood)."""
    move = Regrid(moves, **kwargs)
    return [move] + [_Moved(m, **kwargs) for m in move.moved() if in_scene(m)]


def _square(box) -> tuple[Array, float]:
    """``(centre (3,), side)`` of a square picture box."""
    return np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, 0.0]), float(box.x1 - box.x0)


def early(seconds: float, run_time: float, rate_func=smooth) -> Callable[[float], float]:
    """A rate function that completes in the first ``seconds`` of a ``run_time`` long play."""
    k = run_time / max(seconds, 1e-9)
    return lambda alpha: rate_func(min(max(alpha * k, 0.0), 1.0))


def late(seconds: float, run_time: float, rate_func=smooth) -> Callable[[float], float]:
    """A rate function that waits out the first ``seconds`` of a ``run_time`` long play, then runs."""
    s = min(max(seconds / max(run_time, 1e-9), 0.0), 0.99)
    return lambda alpha: rate_func(min(max((alpha - s) / (1.0 - s), 0.0), 1.0))


class Dim(Animation):
    """Fade a mobject's family to ``level`` × its own opacities (1 restores them); no copies.

    The first ``Dim`` of a mobject remembers its opacities as the reference,
    so dimming to 0.3 and later to 1.0 comes back exactly.
    """

    def __init__(self, mobject: Mobject, level: float, **kwargs) -> None:
        self.level = float(level)
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        self._parts = []
        for mob in self.mobject.get_family():
            if isinstance(mob, VMobject):
                if not hasattr(mob, "_dim_base"):
                    mob._dim_base = (mob.fill_rgbas[:, 3].copy(), mob.stroke_rgbas[:, 3].copy())
                    mob._dim_halo = mob.background_stroke_rgbas[:, 3].copy()
                    mob._dim_level = 1.0
            elif hasattr(mob, "opacity"):
                if not hasattr(mob, "_dim_base"):
                    mob._dim_base = (mob.opacity, None)
                    mob._dim_level = 1.0
            else:
                continue
            self._parts.append((mob, mob._dim_level))
        super().begin()

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        for mob, start in self._parts:
            level = (1 - a) * start + a * self.level
            mob._dim_level = level
            fill, stroke = mob._dim_base
            if stroke is None:
                mob.opacity = fill * level
            elif len(fill) == len(mob.fill_rgbas) and len(stroke) == len(mob.stroke_rgbas):
                mob.fill_rgbas[:, 3] = fill * level
                mob.stroke_rgbas[:, 3] = stroke * level
                if len(mob._dim_halo) == len(mob.background_stroke_rgbas):  # a line's halo too
                    mob.background_stroke_rgbas[:, 3] = mob._dim_halo * level * level  # (k², as fades)

    def clean_up_from_scene(self, scene) -> None:
        pass


#: the share of a dissolve over which the new view comes in (and the old one leaves, at its
#: end): over a half, so each is nearly whole at the midpoint
DISSOLVE = 0.6


def axes_in(axes, rate_func):
    """An animation that fades a view's axes (names and scale bar) in to the light they have
    *now*, as the view around them fades in too.

    An ``OpacityFade`` of the axes saved their light as its play began, after the view's own
    fade had begun and set them dark: they faded in to nothing, and the panels ended the video
    without their names and scale bar.
    """
    class AxesIn(Animation):
        def __init__(self, mobject, **kwargs):
            self.saved = saved_opacities(mobject)  # now, before any play begins
            super().__init__(mobject, **kwargs)

        def create_starting_mobject(self):
            return Mobject()  # nothing to copy: the opacities are saved

        def interpolate_mobject(self, alpha):
            scale_opacities(self.saved, self.rate_func(alpha))

    return AxesIn(axes, rate_func=rate_func)


def view_dissolve(old, new, whole: float) -> list:
    """The animations of a ``whole`` seconds dissolve from view ``old`` to view ``new`` in one
    panel: ``new`` comes in over the first :data:`DISSOLVE` of it while ``old`` is still there,
    ``old`` leaves over the last :data:`DISSOLVE`, so the panel always shows one of them at
    nine tenths or more (out, then in, left it near-black halfway).  Their axes swap out, then
    in: never two scale bars at once."""
    half = whole / 2
    anims = [OpacityFade(new, rate_func=early(DISSOLVE * whole, whole)),
             OpacityFade(old, fade_in=False, rate_func=late((1.0 - DISSOLVE) * whole, whole))]
    # after the views' fades (a later animation sets the axes' opacities last in a frame)
    if old.axes is not None:
        anims.append(Dim(old.axes, 0.0, rate_func=early(half, whole)))
    if new.axes is not None:
        anims.append(axes_in(new.axes, late(half, whole)))
    return anims
