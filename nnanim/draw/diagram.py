"""The network drawn as a diagram whose units show what they respond to, over training.

* :func:`node_grid` — where the units go (pure geometry): layers in columns
  (rows in a portrait frame), the output as one large square.
* :func:`unit_image` — one unit's activation over the input plane as an image:
  the theme's positive ``weights`` colour where it is positive, the negative one
  where negative, the background where it is zero (so a ReLU unit is dark where
  it is off).  Signs are not classes: the class colours stay for the data.
* :class:`NetworkDiagram` — the units as such images, joined by edges whose
  width is ``|w|`` (relative to the layer's largest) and whose colour is the
  sign of ``w`` (the theme's ``weights`` pair); the output square is the input plane with the network's
  probability shading, its decision boundary and the data.  It follows an
  :class:`~nnanim.core.timeline.EpochTimeline` (``set_moment``), as the replay
  views of :mod:`nnanim.draw.replay` do.
* :class:`RegionMap` — the input plane cut into the exact linear regions of a
  piecewise-linear network, outlined, neighbours never sharing a colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import Circle, Group, Line, Square

from nnanim.core.regions import linear_regions, neighbours, pattern_keys, region_colouring
from nnanim.core.timeline import EpochTimeline, Moment
from nnanim.draw.mobjects import RasterImage
from nnanim.draw.replay import InputInset, _SquarePanel, input_window
from nnanim.draw.text import text
from nnanim.layout import SMALL_SIZE
from nnanim.theme import Theme, hex_rgb

__all__ = ["NetworkDiagram", "NodeGrid", "RegionMap", "node_grid", "unit_image"]

#: centre-to-centre spacing of units in a layer, in unit sizes
SPACING = 1.3
#: room between layers for the edges, in unit sizes
LAYER_GAP = 1.1
#: activations whose unit can die (zero on every training point: never active, never learning)
DYING = ("relu",)
#: the small print of every label (readable on a phone: 20 was under it)
DEAD_FONT = SMALL_SIZE
#: the output node's radius (scene units; 8 px at 480p), at most 0.3 of a unit's side
OUTPUT_NODE = 0.14
#: the output node's gap to its map's border (scene units): beside the map, not on its border
NODE_GAP = 0.08
#: the region lines' opacity: countable (2 px wide) but paler than the decision boundary
REGION_OPACITY = 0.45


@dataclass(frozen=True)
class NodeGrid:
    """Unit centres ``(n, 2)`` per layer (inputs first, hidden layers after), their side, and the
    output square's ``(centre, side)``."""

    centres: list[np.ndarray]
    size: float
    output: tuple[np.ndarray, float]


def node_grid(widths: list[int], box: tuple[float, float, float, float], vertical: bool = False,
              output_share: float = 0.4, output_most: float = 0.5) -> NodeGrid:
    """Place the units of layers ``widths`` (inputs, then hidden layers) and the output square.

    ``box = (x0, y0, x1, y1)`` in scene units.  Horizontal: layers are
    columns, left to right, and the output square is on the right; vertical:
    layers are rows, top to bottom, and the output square is at the bottom.
    Units are squares of one size, as large as fits across with
    :data:`SPACING` between units, leaving at least ``output_share`` of the
    length to the output square (:data:`LAYER_GAP` between layers); the output
    square then takes the length the layers leave, up to ``output_most`` of it.
    """
    x0, y0, x1, y1 = box
    along, across = (y1 - y0, x1 - x0) if vertical else (x1 - x0, y1 - y0)
    n_layers = len(widths)
    per_layer = n_layers * (1 + LAYER_GAP)  # the length a layer takes, in unit sizes
    size = min(across / (max(widths) * SPACING), along * (1 - output_share) / per_layer)
    out_side = min(across, along - per_layer * size, along * max(output_most, output_share))
    room = along - out_side  # along the main axis, for the layers (the last gap leads to the output)
    pitch = room / n_layers  # from one layer to the next, the layers spread over the room
    centres = []
    mid_across = (x0 + x1) / 2 if vertical else (y0 + y1) / 2
    for i, n in enumerate(widths):
        a = (i + 0.5) * pitch
        offsets = (np.arange(n) - (n - 1) / 2) * size * SPACING
        if vertical:
            pts = np.column_stack([mid_across + offsets, np.full(n, y1 - a)])
        else:
            pts = np.column_stack([np.full(n, x0 + a), mid_across - offsets])
        centres.append(pts)
    if vertical:
        out = np.array([mid_across, y0 + out_side / 2])
    else:
        out = np.array([x1 - out_side / 2, mid_across])
    return NodeGrid(centres, float(size), (out, float(out_side)))


def unit_image(values: np.ndarray, scale: float, theme: Theme) -> np.ndarray:
    """RGBA image of a unit's values ``(rows, cols)``: ``values / scale`` in [-1, 1] mixes the
    background towards the theme's positive ``weights`` colour or its negative one (a unit's sign
    is not a class, so never in the class colours)."""
    bg = np.array(hex_rgb(theme.background))
    neg, pos = (np.array(hex_rgb(c)) for c in theme.weights)
    u = np.clip(values / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(values)
    colour = np.where(u[..., None] >= 0, pos, neg)
    rgb = bg + np.abs(u)[..., None] ** 0.8 * (colour - bg)
    img = np.empty(values.shape + (4,), dtype=np.uint8)
    img[..., :3] = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
    img[..., 3] = 255
    return img


def _scale(values: np.ndarray, activation: str) -> tuple[np.ndarray, float]:
    """Values centred where the activation is neutral, and the scale that maps them to [-1, 1]."""
    if activation == "sigmoid":
        return values - 0.5, 0.5
    if activation == "tanh":
        return values, 1.0
    return values, float(np.max(np.abs(values))) or 1.0


class NetworkDiagram(Group):
    """Units as activation maps over the input plane, edges by weight, the output as a decision map.

    Parameters
    ----------
    timeline
        The replay (its network's input must be 2-D).
    box
        ``(x0, y0, x1, y1)`` of the diagram on screen.
    vertical
        Layers as rows (a portrait frame) instead of columns.
    resolution
        Pixels per side of a unit's map.
    """

    def __init__(self, timeline: EpochTimeline, theme: Theme, box, vertical: bool = False,
                 resolution: int = 28, max_edge_width: float = 5.0,
                 output_share: float | None = None) -> None:
        super().__init__()
        run = timeline.run
        self.timeline, self.theme, self.vertical = timeline, theme, vertical
        self.activations = list(run.activations)
        widths = list(run.widths[:-1])  # inputs and hidden layers; the output is the square
        if output_share is None:
            output_share = 0.5 if vertical else 0.4
        self.grid = node_grid(widths, box, vertical, output_share=output_share,
                              output_most=0.6 if vertical else 0.5)
        self.max_edge_width = max_edge_width
        centre, half = input_window(run.X)
        self.plane = (centre, half)
        xs = np.linspace(centre[0] - half, centre[0] + half, resolution)
        ys = np.linspace(centre[1] + half, centre[1] - half, resolution)
        gx, gy = np.meshgrid(xs, ys)
        self.samples = np.column_stack([gx.ravel(), gy.ravel()])
        self.shape = gx.shape
        s = self.grid.size

        def corners(c):
            r = s / 2
            return np.array([[c[0] - r, c[1] + r, 0], [c[0] + r, c[1] + r, 0],
                             [c[0] + r, c[1] - r, 0], [c[0] - r, c[1] - r, 0]])

        # the input units: x and y themselves
        self.inputs = []
        for j, c in enumerate(self.grid.centres[0]):
            v = self.samples[:, j].reshape(self.shape) - centre[j]
            self.inputs.append(RasterImage(unit_image(v, half, theme), corners(c)))
        self.units = [[RasterImage(np.zeros((2, 2, 4), np.uint8), corners(c)) for c in layer]
                      for layer in self.grid.centres[1:]]
        borders = [Square(side_length=s, stroke_color=theme.muted, stroke_width=1.2,
                          stroke_opacity=0.7).move_to([*c, 0])
                   for layer in self.grid.centres for c in layer]
        # a dead unit (a ReLU never active on the data: its map dark) says so on its map
        self.dead = [np.zeros(len(layer), dtype=bool) for layer in self.grid.centres[1:]]
        self.dead_marks = []
        for layer in self.grid.centres[1:]:
            marks = []
            for c in layer:
                mark = text("dead", font=theme.font, font_size=DEAD_FONT, color=theme.muted)
                mark.scale(min(1.0, 0.8 * s / mark.width)).move_to([*c, 0])
                mark.set_opacity(0.0)
                marks.append(mark)
            self.dead_marks.append(marks)
        out_centre, out_side = self.grid.output
        # points in proportion to the map: a poster shows them, a large map does not look empty
        self.output = InputInset(timeline, theme, ((*out_centre, 0.0), out_side),
                                 point_radius=max(0.045, 0.0125 * out_side))
        self.edges = self._edges()
        # the map's own decision boundary at full width: the region lines under the points are
        # thinner and paler, the boundary stays the heaviest line of the map
        self.output.boundary.set_stroke(width=theme.boundary_width)
        # the output unit itself: a node where its edges meet, just beside its map, facing the
        # edges (without it the edges ran into the map's side and the diagram read as having no
        # output; on the map's border the circle covered the border and the points near it)
        self.output_node = Circle(radius=min(OUTPUT_NODE, 0.3 * s), stroke_color=theme.foreground,
                                  stroke_width=2.0, fill_color=theme.background, fill_opacity=1.0)
        self.output_node.move_to(self.node_centre)
        self.add(*[e for layer in self.edges for e in layer], *self.inputs,
                 *[u for layer in self.units for u in layer], *borders,
                 *[m for layer in self.dead_marks for m in layer], self.output, self.output_node)
        self.set_moment(timeline.moment(0.0))

    # -- geometry of the edges
    @property
    def node_centre(self) -> np.ndarray:
        """The output node's centre: beside the output map, on the side facing the layers."""
        (c, side), r = self.grid.output, min(OUTPUT_NODE, 0.3 * self.grid.size)
        return self._ports(c, side + 2 * (r + NODE_GAP), out=False)

    def underlay(self, mobject) -> None:
        """Draw ``mobject`` on the output map under its points and boundary (over its shading)."""
        self.output.insert(self.output.submobjects.index(self.output.shading) + 1, mobject)

    def _ports(self, c: np.ndarray, side: float, out: bool) -> np.ndarray:
        """Where an edge leaves (``out``) or enters a unit at ``c``."""
        d = side / 2 * (1 if out else -1)
        return np.array([c[0], c[1] - d, 0.0]) if self.vertical else np.array([c[0] + d, c[1], 0.0])

    def _edges(self) -> list[list[Line]]:
        s = self.grid.size
        layers = []
        targets = [*self.grid.centres[1:], None]
        for src, dst in zip(self.grid.centres, targets):
            if dst is None:
                ends = [self.node_centre]  # under the node (drawn over them): they end at its rim
            else:
                ends = [self._ports(c, s, out=False) for c in dst]
            # row-major like W (out, in): edge k joins input unit k % n_in to output unit k // n_in
            layers.append([Line(self._ports(a, s, out=True), e, stroke_width=1.0)
                           for e in ends for a in src])
        return layers

    # -- over training
    def set_moment(self, m: Moment) -> NetworkDiagram:
        net = self.timeline.network(m)
        fwd = net.forward(self.samples)
        # dead: zero on every training point (no gradient reaches it; its map is dark where the
        # data are, at most a faint corner outside them)
        on_data = net.forward(self.timeline.run.X) if any(a in DYING for a in self.activations) else None
        for l, layer in enumerate(self.units):
            values, scale = _scale(fwd.post[l], self.activations[l])
            for j, image in enumerate(layer):
                image.set_image(unit_image(values[:, j].reshape(self.shape), scale, self.theme))
            dead = (np.all(on_data.post[l] <= 0.0, axis=0) if self.activations[l] in DYING
                    else np.zeros(len(layer), dtype=bool))
            self.dead[l] = dead
            for mark, d in zip(self.dead_marks[l], dead):
                mark.set_opacity(1.0 if d else 0.0)
        neg, pos = self.theme.weights
        for l, edges in enumerate(self.edges):
            W = net.weights[l]
            if l == len(self.edges) - 1:  # into the output square: one edge per last hidden unit,
                W = W[-1:] if W.shape[0] == 1 else np.abs(W).max(axis=0, keepdims=True)
            top = float(np.max(np.abs(W))) or 1.0
            for e, w in zip(edges, W.ravel()):
                width = self.max_edge_width * abs(w) / top
                e.set_stroke(color=pos if w >= 0 else neg, width=max(width, 0.3),
                             opacity=0.35 + 0.6 * abs(w) / top)
        self.output.set_moment(m)
        return self


class RegionMap(_SquarePanel):
    """The input plane coloured by linear region, neighbours never sharing a colour, outlined.

    At every moment the exact regions of the network in the window
    (:func:`~nnanim.core.regions.linear_regions`) are coloured from the theme's
    ``regions`` palette by :func:`~nnanim.core.regions.region_colouring` on their
    exact adjacency, each region keeping its colour from the frame before
    where its neighbours allow (no flicker); the colours are muted towards the
    background and every region is outlined in the background colour.
    """

    #: how far the region colours are mixed from the background (1: full colour)
    STRENGTH = 0.55

    def __init__(self, timeline: EpochTimeline, theme: Theme, region, resolution: int = 160) -> None:
        super().__init__(region, theme)
        self.timeline = timeline
        self.resolution = resolution
        self.set_window(*input_window(timeline.run.X))
        x0, x1, y0, y1 = self.box
        gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y1, y0, resolution))
        self.samples = np.column_stack([gx.ravel(), gy.ravel()])
        bg = np.array(hex_rgb(theme.background))
        self.palette = np.array([bg + self.STRENGTH * (np.array(hex_rgb(c)) - bg) for c in theme.regions])
        self.colour_of: dict[int, int] = {}  # pattern key → palette index, carried from frame to frame
        self.keys = np.zeros(len(self.samples), dtype=np.int64)
        self.image = RasterImage(np.zeros((2, 2, 4), dtype=np.uint8), self.corners())
        self.add(self.image, self.border)
        self.set_moment(timeline.moment(0.0))

    def colouring(self, net) -> dict[int, int]:
        """Pattern key → palette index for the exact regions of ``net`` in the window."""
        regions = linear_regions(net, self.box)
        keys = [_key(r.pattern) for r in regions]
        chosen = region_colouring(neighbours(regions), len(self.palette),
                                  [self.colour_of.get(k) for k in keys])
        return dict(zip(keys, chosen))

    def set_moment(self, m: Moment) -> RegionMap:
        net = self.timeline.network(m)
        self.colour_of = self.colouring(net)
        keys = pattern_keys(net, self.samples)
        self.keys = keys
        index = np.array([self.colour_of.get(int(k), 0) for k in np.unique(keys)])
        rgb = self.palette[index[np.searchsorted(np.unique(keys), keys)]]
        grid = keys.reshape(self.resolution, self.resolution)
        edge = np.zeros(grid.shape, dtype=bool)  # a pixel whose right or lower neighbour differs
        edge[:, :-1] |= grid[:, :-1] != grid[:, 1:]
        edge[:-1, :] |= grid[:-1, :] != grid[1:, :]
        rgb[edge.ravel()] = hex_rgb(self.theme.background)
        img = np.empty((len(keys), 4), dtype=np.uint8)
        img[:, :3] = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
        img[:, 3] = 255
        self.image.set_image(img.reshape(self.resolution, self.resolution, 4))
        return self


def _key(pattern: tuple[tuple[bool, ...], ...]) -> int:
    """A region's pattern packed as :func:`~nnanim.core.regions.pattern_keys` packs a point's."""
    bits = [b for layer in pattern for b in layer]
    return sum(1 << g for g, on in enumerate(bits) if on)

class RegionLines(Group):
    """The linear regions' borders, as thin pale lines on a square panel of the input plane.

    Laid on ``panel`` (e.g. the diagram's output map, under its points and its decision
    boundary: :meth:`NetworkDiagram.underlay`): where the activation pattern of two
    neighbouring pixels differs, a pixel in the foreground colour at :data:`REGION_OPACITY`;
    everywhere else transparent, so the decision map shows through.  Paler than the
    boundary (at 85 % and drawn over the points they read as the heaviest lines of the map).
    """

    def __init__(self, timeline: EpochTimeline, theme: Theme, panel: _SquarePanel,
                 resolution: int = 240, opacity: float = None, line_px: float = 2.0) -> None:
        opacity = REGION_OPACITY if opacity is None else opacity
        super().__init__()
        from manim import config

        self.timeline, self.resolution = timeline, resolution
        #: a border's width in image pixels: ``line_px`` pixels of the render at least, two of the
        #: image (one image pixel, 0.8 px at 480p at 55 %, left the regions uncountable)
        shown = panel.panel_size * config.pixel_height / config.frame_height
        self.thickness = max(2, int(np.ceil(line_px * resolution / shown - 1e-9)))
        self.colour = np.array(hex_rgb(theme.foreground))
        self.opacity = opacity
        self.box = panel.box
        x0, x1, y0, y1 = self.box
        gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y1, y0, resolution))
        self.samples = np.column_stack([gx.ravel(), gy.ravel()])
        self.image = RasterImage(np.zeros((2, 2, 4), dtype=np.uint8), panel.corners())
        self.add(self.image)
        self.set_moment(timeline.moment(0.0))

    def edges(self, m: Moment) -> np.ndarray:
        """``(resolution, resolution)`` bool: the pixels where the activation pattern changes."""
        keys = pattern_keys(self.timeline.network(m), self.samples).reshape(self.resolution, -1)
        edge = np.zeros(keys.shape, dtype=bool)
        edge[:, 1:] |= keys[:, 1:] != keys[:, :-1]
        edge[1:, :] |= keys[1:, :] != keys[:-1, :]
        return edge

    def set_moment(self, m: Moment) -> RegionLines:
        one = self.edges(m)
        edge = one.copy()  # widened to the right and downwards
        for k in range(1, self.thickness):
            edge[:, k:] |= one[:, :-k]
            edge[k:, :] |= one[:-k, :]
        img = np.zeros(edge.shape + (4,), dtype=np.uint8)
        img[..., :3] = np.clip(self.colour * 255 + 0.5, 0, 255).astype(np.uint8)
        img[..., 3] = np.where(edge, int(255 * self.opacity), 0)
        self.image.set_image(img)
        return self
