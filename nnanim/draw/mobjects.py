"""Manim objects fed by :mod:`nnanim.core.flow`, built for speed with the Cairo renderer.

Every object here is updated *in place* from one vectorised NumPy call per
frame (DESIGN.md, "Performance habits"):

* :class:`PointCloud` — thousands of round, anti-aliased dots drawn in one
  NumPy pass straight into the frame buffer (Cairo would build one path per
  dot).  It needs a camera that knows it: :class:`FastCamera` (use
  :class:`nnanim.draw.scene.FlowScene`, or set ``camera_class`` yourself).
* :class:`Polylines` — many densely sampled polylines (grid lines, boundary
  curves) as one :class:`~manim.VMobject` whose points are rebuilt by one
  array expression.  :class:`FastCamera` strokes them itself, anti-aliased,
  straight into the frame buffer (:func:`stroke_path`).
* :func:`guard_geometry` — what everything the camera draws passes first:
  nothing non-finite or absurdly far outside the frame reaches a rasteriser.
* :class:`FlowView` — the input plane (grid, points, decision boundary) carried
  through a :class:`~nnanim.core.flow.Flow`; ``set_stage(s, t)`` moves everything.
* :class:`StagePlay` — the animation that runs one stage of a flow.
* :class:`RasterImage` and :func:`probability_image` — the output probability
  as a background image.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

import cairo
import numpy as np
from manim import (
    Animation,
    Camera,
    Group,
    Mobject,
    ThreeDCamera,
    VGroup,
    VMobject,
    config,
    smooth,
)
from manim.constants import CapStyleType, LineJointType
from manim.utils.color import ManimColor

from nnanim.core.camera import (
    axis_names,
    format_length,
    scale_length,
    slab_corners,
    space_letter,
    turned_extent,
)
from nnanim.core.curves import (
    clip_line,
    decision_boundary,
    input_grid,
    level_curves,
    level_points,
    level_values,
    linear_boundaries,
)
from nnanim.core.notation import VIEW
from nnanim.core.projection import smoothstep
from nnanim.errors import NnanimError
from nnanim.layout import SMALL_SIZE
from nnanim.theme import Theme, hex_rgb

__all__ = [
    "FastCamera",
    "FastThreeDCamera",
    "FlowView",
    "GUARD_MARGIN",
    "PointCloud",
    "Polylines",
    "RasterImage",
    "SpaceAxes",
    "GlyphWipe",
    "WIPE_SECONDS",
    "OpacityFade",
    "StagePlay",
    "TracedPolygons",
    "ViewTurn",
    "guard_geometry",
    "paint_image",
    "probability_image",
    "splat_discs",
    "stroke_path",
    "stroke_segments",
    "value_image",
    "glyph_halos",
    "with_halo",
]


# --------------------------------------------------------------------------- point cloud


def _rgb(color) -> np.ndarray:
    """RGB in [0, 1]: ``#RRGGBB`` by the theme's parser; anything else (a ManimColor, ``"RED"``) by Manim."""
    if isinstance(color, str):
        with contextlib.suppress(NnanimError):
            return np.asarray(hex_rgb(color), dtype=float)
    return np.asarray(ManimColor(color).to_rgb(), dtype=float)


class _Opacity:
    """One ``opacity`` for a whole mobject drawn by :class:`FastCamera`.

    The hooks Manim's fades and ``set_opacity`` call, for mobjects without
    fill/stroke colours.
    """

    opacity: float

    def set_opacity(self, opacity: float, family: bool = True):
        self.opacity = float(opacity)
        return self

    def fade(self, darkness: float = 0.5, family: bool = True):
        return self.set_opacity(self.opacity * (1 - darkness))

    def interpolate_color(self, mobject1: Mobject, mobject2: Mobject, alpha: float) -> None:
        self.opacity = (1 - alpha) * mobject1.opacity + alpha * mobject2.opacity


class PointCloud(_Opacity, Mobject):
    """Round, anti-aliased dots with a thin rim, one colour per point.

    The dots are drawn by :func:`splat_discs` in a single vectorised pass, so
    20,000 points cost about as much as a handful of Cairo paths.  Positions
    are ``self.points`` (scene units); replace them in place with
    :meth:`set_positions`.

    Parameters
    ----------
    positions
        ``(N, 3)`` scene coordinates.
    colors
        ``(N, 3)`` RGB in [0, 1], or one colour for all.
    radius
        Dot radius in scene units (the frame is 8 units high).
    rim_color, rim_fraction
        Colour of the rim and its width as a fraction of the radius.
    """

    def __init__(
        self,
        positions: np.ndarray,
        colors,
        radius: float = 0.045,
        rim_color="#101010",
        rim_fraction: float = 0.28,
        opacity: float = 1.0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.points = np.array(positions, dtype=float).reshape(-1, 3)
        cols = np.asarray(colors, dtype=float) if not isinstance(colors, str) else _rgb(colors)
        if cols.ndim == 1:
            cols = np.broadcast_to(cols, (len(self.points), 3))
        self.colors = np.array(cols, dtype=float)
        self.radius = radius
        self.rim_rgb = _rgb(rim_color)
        self.rim_fraction = rim_fraction
        self.opacity = opacity
        #: a depth cue: ``(near, far, rgb)`` with ``near``/``far`` the scene ``z`` (toward the
        #: viewer) of the nearest and farthest points and ``rgb`` the background; points are then
        #: drawn from the farthest to the nearest, each mixed toward the background by up to
        #: :data:`DEPTH_FADE` with its distance behind the nearest (in :data:`DEPTH_BANDS`
        #: steps).  ``None``: flat, in the given order (a top view).
        self.depth_cue = None

    def set_positions(self, positions: np.ndarray) -> PointCloud:
        if positions.shape == self.points.shape:
            self.points[...] = positions
        else:
            self.points = np.array(positions, dtype=float)
        return self

    def get_pixel_radius(self, camera: Camera) -> float:
        return self.radius * camera.pixel_width / camera.frame_width


#: how far the farthest points of a 3-D view are mixed toward the background (the nearest not at
#: all): far reads as far, the class colours stay recognisable
DEPTH_FADE = 0.3
#: the depth cue's steps (points of one class share a colour per step: few colours to draw)
DEPTH_BANDS = 8


def depth_shaded(centres: np.ndarray, colors: np.ndarray, cue) -> tuple[np.ndarray, np.ndarray]:
    """``(centres, colours)`` ordered from the farthest point to the nearest, each colour mixed
    toward the background by its depth (:attr:`PointCloud.depth_cue`)."""
    near, far, background = cue
    span = float(near) - float(far)
    if not span > 1e-9:
        return centres, colors
    order = np.argsort(centres[:, 2], kind="stable")  # far (low z) first: the near ones on top
    behind = np.clip((float(near) - centres[order, 2]) / span, 0.0, 1.0)
    step = np.round(behind * (DEPTH_BANDS - 1)) / (DEPTH_BANDS - 1)
    k = (DEPTH_FADE * step)[:, None]
    colors = np.broadcast_to(np.asarray(colors, dtype=float), (len(centres), 3))[order]
    return centres[order], (1.0 - k) * colors + k * np.asarray(background, dtype=float)[None, :]


SUBPIXEL = 8  # stamps per pixel and axis: a disc's centre is placed to 1/8 pixel


@functools.lru_cache(maxsize=16)
def _stamps(radius: float, rim_width: float):
    """Disc stamps for every 1/SUBPIXEL sub-pixel centre position, and how to read them.

    A stamp stores, per pixel a disc can touch, its *closeness*
    ``q = (r + 1.5 − d) · 65535 / (r + 1.5)`` (``d``: distance from the pixel
    centre to the disc centre).  For a union of equal discs only the nearest
    centre matters, so one running maximum of ``q`` per pixel gives both the
    coverage ``clip(r + 0.5 − d)`` and the fill/rim split
    ``clip(r − rim + 0.5 − d)``, read through two lookup tables.

    Returns ``(ox, oy, close, cover_of, inner_of)``: offsets ``(S,)``,
    closeness ``(SUBPIXEL², S)`` as uint16, and the lookup tables (uint32).
    """
    k = int(np.ceil(radius + 1.0))
    oy, ox = np.mgrid[-k : k + 1, -k : k + 1]
    keep = np.hypot(np.abs(ox) - 0.5, np.abs(oy) - 0.5) <= radius + 1.0
    ox, oy = ox[keep], oy[keep]
    f = (np.arange(SUBPIXEL) + 0.5) / SUBPIXEL
    fy, fx = np.meshgrid(f, f, indexing="ij")
    d = np.hypot(ox[None, :] + 0.5 - fx.reshape(-1, 1), oy[None, :] + 0.5 - fy.reshape(-1, 1))
    reach = radius + 1.5
    close = np.round(65535 * np.clip(reach - d, 0, reach) / reach).astype(np.uint16)
    dist = reach - np.arange(65536) * reach / 65535  # distance of each closeness level
    cover_of = np.round(255 * np.clip(radius + 0.5 - dist, 0, 1)).astype(np.uint32)
    inner_of = np.round(255 * np.clip(radius - rim_width + 0.5 - dist, 0, 1)).astype(np.uint32)
    cover_of[0] = 0
    return ox.astype(np.int64), oy.astype(np.int64), close, cover_of, inner_of


@functools.lru_cache(maxsize=16)
def _stamp_levels(radius: float, rim_width: float) -> tuple[int, int, int]:
    """``(seen, solid, plain)``: the least closeness at which a pixel is covered at all, fully
    covered, and fully covered by the fill (no rim).  Both lookup tables of :func:`_stamps`
    grow with the closeness, so a comparison of the closeness itself sorts the pixels."""
    *_, cover_of, inner_of = _stamps(radius, rim_width)
    n = len(cover_of)
    return (int(np.argmax(cover_of > 0)) if cover_of[-1] > 0 else n,
            int(np.argmax(cover_of == 255)) if cover_of[-1] == 255 else n,
            int(np.argmax((cover_of == 255) & (inner_of == 255)))
            if cover_of[-1] == 255 and inner_of[-1] == 255 else n)


def splat_discs(
    canvas: np.ndarray,
    xy: np.ndarray,
    radius: float,
    fill: np.ndarray,
    rim: np.ndarray,
    rim_width: float,
    opacity: float = 1.0,
) -> None:
    """Composite anti-aliased discs with a rim onto an RGBA ``uint8`` canvas, in place.

    ``xy`` are sub-pixel centres ``(N, 2)`` (placed to 1/8 pixel), ``fill``
    per-disc RGB in [0, 1] (or one RGB), ``rim`` one RGB.  Discs of one colour
    are drawn as one shape: where they overlap they merge, with one rim around
    the cluster (like filling one path per colour).  Colours are layered in the
    order they first appear.  Works for premultiplied (Cairo) and straight alpha.

    Colours are drawn in *levels* (:func:`_colour_levels`): the colours of one
    level share no pixel, and a colour that shares a pixel with an earlier one
    is on a later level, so drawing level by level lays every pixel's colours
    in the same order as drawing colour by colour.  A cloud of two class
    colours is two levels; a cloud coloured by a continuous value (hundreds of
    colours) a few dozen, where a loop over its colours made it 10x slower.

    An opaque cloud of more than :data:`LAYERED_COLOURS` colours is drawn by
    :func:`_splat_layered` instead (the same pixels in a few passes, not one per level).

    Cost: per disc, a gather of a precomputed stamp and one ``maximum.at``
    pass over its ~π(r + 1)² pixels; per level, one pass over the pixels its
    discs touch.  Fully covered pixels are told apart by comparing the
    closeness with :func:`_stamp_levels`, not by looking them up.
    """
    h, w = canvas.shape[:2]
    xy = np.asarray(xy, dtype=float)
    if len(xy) == 0 or opacity <= 0:
        return
    fill = np.broadcast_to(np.asarray(fill, dtype=float), (len(xy), 3))
    ox, oy, close, cover_of, inner_of = _stamps(float(radius), float(rim_width))
    levels_q = _stamp_levels(float(radius), float(rim_width))
    k = int(max(np.abs(ox).max(), np.abs(oy).max()))
    cell = np.floor(xy).astype(np.int64)
    on = (cell[:, 0] >= -k) & (cell[:, 0] < w + k) & (cell[:, 1] >= -k) & (cell[:, 1] < h + k)
    if not on.all():
        xy, cell, fill = xy[on], cell[on], fill[on]
        if not len(xy):
            return
    sub = np.minimum(((xy - cell) * SUBPIXEL).astype(np.int64), SUBPIXEL - 1)
    stamp = sub[:, 1] * SUBPIXEL + sub[:, 0]
    rgb8 = np.round(fill * 255).astype(np.uint32)
    keys, first, group = np.unique(rgb8[:, 0] << 16 | rgb8[:, 1] << 8 | rgb8[:, 2],
                                   return_index=True, return_inverse=True)
    rank = np.empty(len(keys), np.int64)  # colours in order of first appearance
    rank[np.argsort(first)] = np.arange(len(keys))
    rim8 = np.round(np.asarray(rim, dtype=float) * 255).astype(np.uint32)
    packed = rgb8[:, 0] | rgb8[:, 1] << 8 | rgb8[:, 2] << 16 | np.uint32(255 << 24)
    if len(keys) > LAYERED_COLOURS and opacity >= 1 and len(keys) < 1 << 24:
        by_rank = first[np.argsort(rank)]  # the first disc of each colour, in drawing order
        _splat_layered(canvas.reshape(-1).view(np.uint32), w, h, k, cell, stamp, rank[group],
                       packed[by_rank], rgb8[by_rank], rim8, (ox, oy, close, cover_of, inner_of),
                       levels_q)
        return
    levels = _colour_levels(cell, rank[group], len(keys), k)
    level = levels[rank[group]]
    colours = np.bincount(levels)  # colours per level
    order = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[order], np.arange(len(colours) + 1))
    pixels = canvas.reshape(-1).view(np.uint32)  # one RGBA pixel per element (little-endian)
    inside = (cell[:, 0] >= k) & (cell[:, 0] < w - k) & (cell[:, 1] >= k) & (cell[:, 1] < h - k)
    scratch = None
    for lv in range(len(colours)):
        d = order[bounds[lv]:bounds[lv + 1]]
        c = cell[d]
        if colours[lv] == 1:
            # one colour: a scratch map over its discs' bounding box, padded by k (no bounds checks)
            x0, y0 = c.min(axis=0) - k
            x1, y1 = c.max(axis=0) + k + 1
            pw = int(x1 - x0)
            idx = ((c[:, 1] - y0) * pw + (c[:, 0] - x0))[:, None] + (oy * pw + ox)[None, :]
            close_map = np.zeros(int(y1 - y0) * pw, np.uint16)
            np.maximum.at(close_map, idx.ravel(), close[stamp[d]].ravel())
            # the pixels covered at all (cover_of[q] > 0; a comparison, then the fast bool scan)
            touched = np.flatnonzero(close_map >= levels_q[0])
            q = close_map[touched]
            ty = ((touched + 0.5) * (1.0 / pw)).astype(np.int64)  # touched // pw, without a division
            tx = touched - ty * pw
            ty += y0
            tx += x0
            if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
                seen = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
                q, tx, ty = q[seen], tx[seen], ty[seen]
            _blend_levels(pixels, ty * w + tx, q, levels_q, cover_of, inner_of, rgb8[d[0]],
                          packed[d[0]], rim8, opacity)
            continue
        # many colours, none touching another: scratch maps over the rows the discs reach, the
        # nearest disc per pixel and which of the level's samples writes it (each pixel once)
        if scratch is None:
            row0 = max(int(cell[:, 1].min()) - k, 0)
            rows = max(min(int(cell[:, 1].max()) + k + 1, h) - row0, 1)
            scratch = np.zeros(rows * w, np.uint16), np.empty(rows * w, np.int32)
        close_map, writer = scratch
        pix = ((c[:, 1] - row0) * w + c[:, 0])[:, None] + (oy * w + ox)[None, :]
        q = close[stamp[d]]
        disc = np.broadcast_to(d[:, None], q.shape)
        if inside[d].all():
            pix, q, disc = pix.ravel(), q.ravel(), disc.ravel()
        else:  # discs over the canvas's edge: only their pixels on it
            x = c[:, 0][:, None] + ox[None, :]
            y = c[:, 1][:, None] + oy[None, :]
            keep = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            pix, q, disc = pix[keep], q[keep], disc[keep]
        np.maximum.at(close_map, pix, q)
        at = np.arange(len(pix), dtype=np.int32)
        writer[pix] = at
        once = writer[pix] == at
        pix, disc = pix[once], disc[once]
        q = close_map[pix]
        close_map[pix] = 0
        cover = cover_of[q]
        seen = cover > 0
        pix, q, disc, cover = pix[seen], q[seen], disc[seen], cover[seen]
        _blend(pixels, pix + row0 * w, cover, inner_of[q], rgb8[disc], packed[disc], rim8, opacity)


#: above this many colours an opaque cloud is drawn by :func:`_splat_layered` (a cloud coloured
#: by a continuous value has hundreds, in dozens of levels: a pass each cost more than its pixels)
LAYERED_COLOURS = 8


def _splat_layered(pixels, w, h, k, cell, stamp, rank, packed_by_rank, rgb8_by_rank, rim8,
                   stamps, levels_q) -> None:
    """:func:`splat_discs` of an opaque cloud of many colours in a few passes, the same pixels.

    Drawn colour by colour (level by level), a pixel ends as the colours that reach it
    composited in drawing order (``rank``), each with its discs' largest closeness there.
    One ``maximum.at`` of ``rank · 2¹⁶ + closeness`` over all discs gives each pixel its
    last colour and that closeness; where that colour covers the pixel fully (most pixels),
    the pixel is that colour whatever lies below.  Only the others (anti-aliased edges)
    composite every colour that reaches them, gathered per pixel and colour by one sort of
    packed keys and blended in rounds (every pixel's first colour, then its second, ...).
    """
    ox, oy, close, cover_of, inner_of = stamps
    seen_q, solid_q, _ = levels_q
    # a map over the discs' bounding box, padded by k (no bounds checks; off-canvas pixels dropped)
    x0, y0 = cell.min(axis=0) - k
    x1, y1 = cell.max(axis=0) + k + 1
    pw = int(x1 - x0)
    pix = ((cell[:, 1] - y0) * pw + (cell[:, 0] - x0))[:, None] + (oy * pw + ox)[None, :]
    q = close[stamp]
    keep = q >= seen_q  # a sample that covers nothing draws nothing
    key = np.broadcast_to((rank.astype(np.uint64) << np.uint64(16))[:, None], q.shape)[keep]
    key |= q[keep]
    pix = pix[keep]
    top = np.zeros(int(y1 - y0) * pw, np.uint64)
    np.maximum.at(top, pix, key)

    def place(at):  # map index -> canvas index, and which are on the canvas
        ty = ((at + 0.5) * (1.0 / pw)).astype(np.int64)  # at // pw, without a division
        tx = at - ty * pw + x0
        ty += y0
        return ty * w + tx, (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)

    def blend(at, keys):
        hit, on = place(at)
        if not on.all():
            hit, keys = hit[on], keys[on]
        c = (keys >> np.uint64(16)).astype(np.int64)
        qq = (keys & np.uint64(0xFFFF)).astype(np.int64)
        _blend(pixels, hit, cover_of[qq], inner_of[qq], rgb8_by_rank[c], packed_by_rank[c], rim8, 1.0)

    touched = np.flatnonzero(top != 0)
    last = top[touched]
    solid = (last & np.uint64(0xFFFF)) >= solid_q
    if not solid.all():
        # the pixels whose last colour leaves some of what is below showing: every colour there
        below = np.zeros(len(top), bool)
        below[touched[~solid]] = True
        sel = below[pix]
        packed = (pix[sel].astype(np.uint64) << np.uint64(40)) | key[sel]
        packed.sort()  # by pixel, colour, then closeness
        group = packed >> np.uint64(16)
        end = np.ones(len(packed), bool)  # each (pixel, colour)'s largest closeness
        end[:-1] = group[1:] != group[:-1]
        packed = packed[end]
        at = (packed >> np.uint64(40)).astype(np.int64)
        first = np.ones(len(at), bool)
        first[1:] = at[1:] != at[:-1]
        start = np.flatnonzero(first)
        # a colour that covers its pixel fully hides every colour before it: each pixel's
        # compositing starts at its last such colour (or its first colour)
        pos = np.arange(len(at))
        cover_all = np.where((packed & np.uint64(0xFFFF)) >= solid_q, pos, -1)
        begin = np.maximum(np.maximum.reduceat(cover_all, start), start)
        begin = np.repeat(begin, np.diff(np.append(start, len(at))))
        keep = pos >= begin
        at, packed = at[keep], packed[keep]
        nth = (pos - begin)[keep]
        mask = np.uint64((1 << 40) - 1)
        for j in range(int(nth.max()) + 1):
            e = nth == j
            blend(at[e], packed[e] & mask)
        touched, last = touched[solid], last[solid]
    blend(touched, last)


def _colour_levels(cell: np.ndarray, rank: np.ndarray, n: int, k: int) -> np.ndarray:
    """The level of each of ``n`` colours (``rank``: each disc's colour in drawing order).

    Two colours whose discs (``cell``: the pixel of each centre, reaching ``k``
    pixels around it) can touch one pixel share a tile of side ``2k + 1`` of
    the canvas (a disc's pixels touch at most 2 × 2 tiles).  In every tile the
    colours present follow each other in drawing order; each is at least one
    level above the one before it there, and the levels are the smallest
    that hold this.
    """
    side = 2 * k + 1
    lo, hi = (cell - k) // side, (cell + k) // side
    base = lo.min(axis=0)
    lo, hi = lo - base, hi - base
    across = int(hi[:, 0].max()) + 1
    tiles = np.concatenate([a[:, 1] * across + b[:, 0] for a in (lo, hi) for b in (lo, hi)])
    pairs = np.unique(tiles * n + np.tile(rank, 4))  # sorted by tile, then by drawing order
    tile, colour = np.divmod(pairs, n)
    same = tile[1:] == tile[:-1]
    below, above = colour[:-1][same], colour[1:][same]
    level = np.zeros(n, np.int64)
    while len(below):
        higher = level.copy()
        np.maximum.at(higher, above, level[below] + 1)
        if np.array_equal(higher, level):
            break
        level = higher
    return level


def _blend_levels(pixels, hit, q, levels_q, cover_of, inner_of, fill8, packed, rim8, opacity) -> None:
    """:func:`_blend` of one colour from each pixel's closeness ``q`` (:func:`_stamps`), the
    same pixels: those fully inside the fill (most of a dense cloud) simply take the colour, those
    fully covered on the rim one of the 256 fill/rim mixes, found by comparing ``q`` with
    ``levels_q`` (:func:`_stamp_levels`) instead of looking both tables up for every pixel; only
    the anti-aliased edges go through the general blend."""
    if opacity < 1:
        _blend(pixels, hit, cover_of[q], inner_of[q], fill8, packed, rim8, opacity)
        return
    _, solid_q, plain_q = levels_q
    plain = q >= plain_q
    pixels[hit[plain]] = packed
    rest = ~plain
    hit, q = hit[rest], q[rest]
    solid = q >= solid_q
    if solid.any():
        i = np.arange(256, dtype=np.uint32)
        mixes = np.full(256, 255 << 24, dtype=np.uint32)  # as _blend mixes fill and rim, per level
        for channel, shift in ((0, 0), (1, 8), (2, 16)):
            mixes |= _div255(fill8[channel] * i + rim8[channel] * (255 - i)) << shift
        pixels[hit[solid]] = mixes[inner_of[q[solid]]]
        edge = ~solid
        hit, q = hit[edge], q[edge]
    if len(hit):
        _blend(pixels, hit, cover_of[q], inner_of[q], fill8, packed, rim8, opacity)


def _blend(pixels, hit, cov, inner, fill8, packed, rim8, opacity) -> None:
    """``pixels[hit] = colour over pixels[hit]`` in 8-bit fixed point, channel by channel.

    The fill colour is ``fill8`` (RGB, 0..255) and ``packed`` (the same as an
    opaque pixel): one colour, or one per pixel (``(n, 3)`` and ``(n,)``).
    Fully covered pixels simply take the colour (in a dense cloud most do);
    only the anti-aliased edges are blended with what lies below.
    """
    each = fill8.ndim == 2  # a colour per pixel

    def part(values, mask):
        return values[mask] if each else values

    alpha = cov if opacity >= 1 else np.round(cov * opacity).astype(np.uint32)
    solid = alpha == 255
    plain = solid & (inner == 255)
    pixels[hit[plain]] = part(packed, plain)
    mixed = solid & ~plain
    if mixed.any():
        i, o, f = inner[mixed], 255 - inner[mixed], part(fill8, mixed)
        out = np.full(len(i), 255 << 24, dtype=np.uint32)
        for channel, shift in ((0, 0), (1, 8), (2, 16)):
            out |= _div255(f[..., channel] * i + rim8[channel] * o) << shift
        pixels[hit[mixed]] = out
    edge = ~solid
    hit, alpha, inner, f = hit[edge], alpha[edge], inner[edge], part(fill8, edge)
    beta, outer = 255 - alpha, 255 - inner
    dst = pixels.take(hit)
    out = (alpha + _div255((dst >> 24) * beta)) << 24
    for channel, shift in ((0, 0), (1, 8), (2, 16)):
        src = _div255(f[..., channel] * inner + rim8[channel] * outer)
        out |= _div255(src * alpha + ((dst >> shift) & 0xFF) * beta) << shift
    pixels[hit] = out


def _div255(x: np.ndarray) -> np.ndarray:
    """``round(x / 255)`` for 0 <= x <= 255², with shifts instead of an integer division."""
    x = x + 128
    return (x + (x >> 8)) >> 8


@contextlib.contextmanager
def _clipped(ctx, box):
    """Clip Cairo drawing to ``box = (x0, y0, x1, y1)`` in scene units (None: no clip).

    Lets a moving picture stay out of a text column, so the text can be drawn
    once into Manim's static background instead of over the picture every frame.
    """
    if box is None:
        yield
        return
    x0, y0, x1, y1 = box
    ctx.save()
    ctx.new_path()
    ctx.rectangle(x0, y0, x1 - x0, y1 - y0)  # the context maps scene units to pixels
    ctx.clip()
    ctx.new_path()
    try:
        yield
    finally:
        ctx.restore()


# --------------------------------------------------------------------------- what may be drawn

#: How far drawn geometry may reach past the frame, in frame sizes on every side: the
#: frame grown by 4 frame widths left and right and 4 frame heights up and down (at
#: 1080p about ±8,600 px across), far inside Cairo's 24.8 fixed-point range (±8·10⁶ px).
GUARD_MARGIN = 4.0


def guard_geometry(camera: Camera, mobject: Mobject, points: np.ndarray,
                   kind: str = "curves") -> tuple[np.ndarray, np.ndarray]:
    """The part of ``points`` that may be drawn: finite, and within :data:`GUARD_MARGIN` of the frame.

    Every VMobject path, point cloud and raster image passes through here
    before it is drawn, by Cairo or by our own rasterisers, so a NaN, an
    infinity or a coordinate of 10¹² never reaches a rasteriser (Cairo
    converts coordinates to 24.8 fixed point, where such values wrap around).

    ``points`` are scene coordinates, read as items of ``kind``:

    ``"curves"``
        Cubic Béziers, 4 points each.  A curve with a non-finite coordinate is
        dropped.  A curve reaching past the margin is replaced by its chord
        (first to last anchor) clipped to the margin box, or dropped when that
        chord misses the box.  Neither changes what is seen unless one curve
        (or its handles) reaches more than 4 frames past the frame's edge.
    ``"points"``
        Single points (the centres of a point cloud): dropped when
        non-finite or past the margin, where nothing of a dot can be seen.
    ``"image"``
        The 4 corners of one image: dropped when a corner is non-finite or
        past the margin (an image stretched over more than 9 frames).

    Returns ``(kept, index)``: the kept points after the camera's own
    projection (:meth:`~manim.Camera.transform_points_pre_display`), and the
    indices of the kept items.
    """
    per = 1 if kind == "points" else 4
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    n = len(pts) // per
    pts = pts[: n * per]
    index = np.arange(n)
    if not n:
        return pts, index
    limit = (0.5 + GUARD_MARGIN) * np.array([camera.frame_width, camera.frame_height])
    centre = np.asarray(camera.frame_center, dtype=float)[:2]
    lo, hi = (centre - limit).tolist(), (centre + limit).tolist()
    projects = type(camera).transform_points_pre_display is not Camera.transform_points_pre_display
    # the usual case, from each coordinate's range: all finite (NaN and inf fail a comparison), near
    small, large = _ranges(pts)
    if not projects and small[0] >= lo[0] and small[1] >= lo[1] and large[0] <= hi[0] \
            and large[1] <= hi[1] and -np.inf < small[2] and large[2] < np.inf:
        return pts, index
    if not np.isfinite(pts).all():
        ok = np.isfinite(pts).reshape(n, per * 3).all(axis=1)
        index, pts = index[ok], pts.reshape(n, per, 3)[ok].reshape(-1, 3)
    if not len(pts):
        return pts, index
    if projects:
        pts = camera.transform_points_pre_display(mobject, pts)  # the 3-D camera projects here
    small, large = _ranges(pts)
    if small[0] >= lo[0] and small[1] >= lo[1] and large[0] <= hi[0] and large[1] <= hi[1]:
        return pts, index  # (NaN from an overflowing projection fails the comparisons)
    rel = pts[:, :2] - centre
    inside = (np.abs(rel) <= limit).reshape(-1, per * 2).all(axis=1)
    if kind != "curves":
        return pts.reshape(-1, per, 3)[inside].reshape(-1, 3), index[inside]
    curves = pts.reshape(-1, 4, 3).copy()
    far = np.flatnonzero(~inside)
    a, b = curves[far, 0], curves[far, 3]
    t0, t1 = _clip_chords(rel.reshape(-1, 4, 2)[far, 0], rel.reshape(-1, 4, 2)[far, 3], limit)
    hit = t0 < t1
    d = b - a
    for j, f in enumerate((0.0, 1 / 3, 2 / 3, 1.0)):
        curves[far, j] = a + ((1 - f) * t0 + f * t1)[:, None] * d
    keep = inside.copy()
    keep[far[hit]] = True
    return curves[keep].reshape(-1, 3), index[keep]


def _ranges(pts: np.ndarray) -> tuple[list[float], list[float]]:
    """Smallest and largest value of each column (NaN if any is NaN).

    Column by column: ``pts.min(axis=0)`` on an ``(N, 3)`` array is about 25 times slower.
    """
    return ([float(pts[:, j].min()) for j in range(pts.shape[1])],
            [float(pts[:, j].max()) for j in range(pts.shape[1])])


def _clip_chords(a: np.ndarray, b: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Liang–Barsky: parameters ``t0 < t1`` of ``a + t (b − a)`` inside ``|x| ≤ limit`` (else t0 ≥ t1)."""
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis in (0, 1):
            d = b[:, axis] - a[:, axis]
            for edge in (-limit[axis], limit[axis]):
                t = (edge - a[:, axis]) / d
                entering = (d > 0) == (edge < 0)
                t0 = np.where((d != 0) & entering, np.maximum(t0, t), t0)
                t1 = np.where((d != 0) & ~entering, np.minimum(t1, t), t1)
            # parallel to this axis and outside: nothing is left
            out = (d == 0) & (np.abs(a[:, axis]) > limit[axis])
            t1 = np.where(out | ~np.isfinite(d), -1.0, t1)
    return t0, t1


# --------------------------------------------------------------------------- thin strokes

N_ANGLES = 64   # buckets of a segment's angle to its major axis (0 to 45 degrees)
N_OFFSETS = 64  # positions of a centre line within a pixel, across the major axis
SMOOTH_JOINT = np.cos(np.radians(15))  # sharper turns are mitred exactly
#: pixels: a stroked piece shorter than this (after merging) has no direction to draw
FOLDED = 1e-3


@functools.lru_cache(maxsize=16)
def _profiles(half: float):
    """Coverage across a line, per angle bucket and sub-pixel offset: the stroke's lookup table.

    A pixel whose centre lies ``d`` from the centre line (perpendicular) is
    covered ``clip(min(h, d + ½) − max(−h, d − ½), 0, 1)`` (``h``: half the
    width), the box-filtered coverage of an axis-parallel line, and what Cairo
    gives for one.  A step along the major axis reads ``k`` pixels across it:
    row ``j`` of a window that starts ``f`` rows past ``reach`` before the
    centre line lies ``(f + j − reach)·cos θ`` from it.

    Returns ``(table, reach, k)``: ``(k, N_ANGLES · N_OFFSETS)`` uint8 coverage
    (row ``j`` of every window together: gathers then run along long rows),
    ``reach`` per angle bucket (in pixels across the major axis) and ``k``.
    """
    r = half + 0.5
    theta = (np.arange(N_ANGLES) + 0.5) * (np.pi / 4) / N_ANGLES
    reach = r / np.cos((np.arange(N_ANGLES) + 1) * (np.pi / 4) / N_ANGLES)  # steepest of the bucket
    k = int(np.floor(2 * reach.max())) + 1
    f = (np.arange(N_OFFSETS) + 0.5) / N_OFFSETS
    d = np.abs(f[None, :, None] + np.arange(k)[None, None, :] - reach[:, None, None])
    d = d * np.cos(theta)[:, None, None]
    cover = np.minimum(half, d + 0.5) - np.maximum(-half, d - 0.5)
    table = np.round(255 * np.clip(cover, 0, 1)).astype(np.uint8)
    return np.ascontiguousarray(table.reshape(N_ANGLES * N_OFFSETS, k).T), reach, k


def _stroke_steps(ax, ay, bx, by, ea, eb, half, major_range, minor_range, strides, pad):
    """Pixels near segments whose major axis is the first coordinate: flat map index and coverage.

    One step per pixel column along the major axis; each step reads a window
    of ``k`` pixels across it from the coverage table.  ``ea``/``eb``: how far
    the stroke goes past each end along the segment (``inf`` at a smooth joint,
    0 for a butt cap, the miter length at a sharp joint).
    """
    flip = bx < ax
    ax, bx = np.where(flip, bx, ax), np.where(flip, ax, bx)
    ay, by = np.where(flip, by, ay), np.where(flip, ay, by)
    ea, eb = np.where(flip, eb, ea), np.where(flip, ea, eb)
    table, reach, k = _profiles(half)
    slope = (by - ay) / (bx - ax)
    tan = np.abs(slope)
    cos = 1 / np.sqrt(1 + tan * tan)
    bucket = np.minimum((np.arctan(tan) * (4 * N_ANGLES / np.pi)).astype(np.int64), N_ANGLES - 1)
    r = half + 0.5
    ext = r * tan * cos + 0.5  # how far past an end (along the major axis) the stroke's side reaches
    cut_a, cut_b = np.isfinite(ea), np.isfinite(eb)
    ext_a = ext + np.where(cut_a, ea, 0.0) * cos
    ext_b = ext + np.where(cut_b, eb, 0.0) * cos
    lo, hi = major_range
    m0 = np.maximum(np.ceil(ax - ext_a - 0.5), lo).astype(np.int64)
    m1 = np.minimum(np.floor(bx + ext_b - 0.5), hi - 1).astype(np.int64)
    n = np.maximum(m1 - m0 + 1, 0)
    total = int(n.sum())
    if total == 0:
        return None
    seg = np.repeat(np.arange(len(n), dtype=np.int32), n)  # int32: half the memory traffic
    first = np.cumsum(n) - n
    major = np.arange(total, dtype=np.int32)
    major += (m0 - first).astype(np.int32).take(seg)  # (take: faster than fancy indexing)
    # q: the window's first row, as a real number, at the step's pixel centre
    q = (ay + (0.5 - ax) * slope - 0.5 - reach[bucket]).take(seg)
    q += major * slope.take(seg)
    row0 = np.ceil(q)
    sub = ((row0 - q) * N_OFFSETS).astype(np.int32)
    np.minimum(sub, N_OFFSETS - 1, out=sub)
    sub += (bucket * N_OFFSETS).astype(np.int32).take(seg)
    cover = table.take(sub, axis=1)  # (k, steps)
    # a window beyond the region goes to the padding around it, which is never read
    row0 = np.clip(row0, minor_range[0] - k, minor_range[1]).astype(np.int32)
    if cut_a.any() or cut_b.any():
        # near a cut end: covered as far as the pixel centre lies before the end (box filter);
        # the steps concerned are the first za and the last zb of their segment
        za = np.where(cut_a, np.clip(np.ceil(ax + ext_a + 0.5 - m0), 0, n), 0).astype(np.int64)
        zb = np.where(cut_b, np.clip(m1 - np.floor(bx - ext_b - 1.5), 0, n), 0).astype(np.int64)
        zb = np.minimum(zb, n - za)
        count = za + zb
        s = np.repeat(np.arange(len(n)), count)
        local = np.arange(int(count.sum())) - (np.cumsum(count) - count)[s]
        near = first[s] + np.where(local < za[s], local, n[s] - count[s] + local)
        length = np.hypot(bx - ax, by - ay)[s]
        ux, uy = (bx - ax)[s] / length, (by - ay)[s] / length
        cross = row0[near, None] + 0.5 + np.arange(k) - ay[s, None]
        along = (major[near] + 0.5 - ax[s])[:, None] * ux[:, None] + cross * uy[:, None]
        f = np.clip(along + (ea[s] + 0.5)[:, None], 0, 1)
        f *= np.clip((length + eb[s] + 0.5)[:, None] - along, 0, 1)
        cover[:, near] = np.round(cover[:, near] * f.T).astype(np.uint8)
    base = major * strides[0]
    base += row0 * strides[1]
    base += pad * (strides[0] + strides[1])
    across = np.arange(0, k * strides[1], strides[1], dtype=np.int32)[:, None]
    # the part of the map these steps can touch (from the segments' ends: no pass over the steps)
    spill = float(max(ext_a.max(), ext_b.max())) + reach[-1] + 2  # |slope| <= 1 past the ends
    rows = (max(int(np.floor(min(ay.min(), by.min()) - spill)), minor_range[0] - k),
            min(int(np.ceil(max(ay.max(), by.max()) + spill)) + k, minor_range[1] + k))
    corners = [(mj + pad) * strides[0] + (mi + pad) * strides[1]
               for mj in (int(m0.min()), int(m1.max())) for mi in rows]
    return (across + base).ravel(), cover.ravel(), (min(corners), max(corners) + 1)


_SCRATCH: dict[str, np.ndarray] = {}


def _coverage_map(size: int) -> np.ndarray:
    """A zeroed uint8 map of at least ``size`` entries, reused (and left zeroed) between strokes."""
    buf = _SCRATCH.get("map")
    if buf is None or len(buf) < size:
        buf = _SCRATCH["map"] = np.zeros(size, np.uint8)
    return buf[:size]


def stroke_segments(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, width: float, rgb,
                    opacity: float = 1.0, region=None, ends_a=None, ends_b=None) -> None:
    """Stroke straight segments of one colour onto an RGBA ``uint8`` canvas, in place, anti-aliased.

    The segments ``a[i] → b[i]`` (pixel coordinates, ``(N, 2)``) form one
    shape, like one Cairo stroke: where they overlap (joints, crossings) they
    merge, and the shape is composited once with ``opacity``, so a
    semi-transparent grid has no darker dots where its lines cross.
    ``ends_a``/``ends_b`` say how far the stroke goes past each end along its
    segment: 0 for a butt cap, the miter length at a sharp joint, ``inf``
    (default) at a smooth joint, where the neighbouring segment takes over.
    ``region = (x0, y0, x1, y1)`` (pixels, fractional edges allowed) clips
    the stroke, like a Cairo clip rectangle.  Works for premultiplied (Cairo)
    and straight alpha.

    Cost: per pixel column (or row) along each segment, one row of a
    precomputed coverage table (``k`` bytes) and one ``maximum.at``; then one
    pass over the pixels the shape covers.  No Python loop over segments.
    """
    h, w = canvas.shape[:2]
    half = 0.5 * float(width)
    a = np.asarray(a, dtype=float).reshape(-1, 2)
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    if not len(a) or half <= 0 or opacity <= 0:
        return
    ea = np.full(len(a), np.inf) if ends_a is None else np.asarray(ends_a, dtype=float)
    eb = np.full(len(a), np.inf) if ends_b is None else np.asarray(ends_b, dtype=float)
    fx0, fy0, fx1, fy1 = (0.0, 0.0, float(w), float(h)) if region is None else region
    x0, y0 = max(int(np.floor(fx0)), 0), max(int(np.floor(fy0)), 0)
    x1, y1 = min(int(np.ceil(fx1)), w), min(int(np.ceil(fy1)), h)
    if x1 <= x0 or y1 <= y0:
        return
    d = b - a
    keep = (d[:, 0] != 0) | (d[:, 1] != 0)
    if not keep.all():
        a, b, d, ea, eb = a[keep], b[keep], d[keep], ea[keep], eb[keep]
    k = _profiles(half)[2]
    pad = k + 2  # a window can reach k pixels past the region: padding, not bounds checks
    wp = w + 2 * pad
    cmap = _coverage_map((h + 2 * pad) * wp)
    xmajor = np.abs(d[:, 0]) >= np.abs(d[:, 1])
    lo, hi = len(cmap), 0
    ranges = ((x0, x1), (y0, y1))
    for sel, (i, j) in ((xmajor, (0, 1)), (~xmajor, (1, 0))):
        if sel.any():
            a_, b_ = a[sel].T, b[sel].T
            out = _stroke_steps(a_[i], a_[j], b_[i], b_[j], ea[sel], eb[sel], half,
                                ranges[i], ranges[j], (1, wp) if i == 0 else (wp, 1), pad)
            if out is not None:
                np.maximum.at(cmap, out[0], out[1])
                lo, hi = min(lo, out[2][0]), max(hi, out[2][1])
    if hi <= lo:
        return
    # outside the region: a step's window reaches at most k pixels past it across its major
    # axis (its first row is clipped to the region's range less k) and none along it, so only
    # a band k pixels wide around the region can hold coverage there; the rest of the map is
    # still zero (zeroing whole strips of a 1080p map cost more than a small stroke itself)
    grid = cmap.reshape(h + 2 * pad, wp)
    rows, cols = slice(pad + y0 - k, pad + y1 + k), slice(pad + x0 - k, pad + x1 + k)
    grid[pad + y0 - k : pad + y0, cols] = 0
    grid[pad + y1 : pad + y1 + k, cols] = 0
    grid[rows, pad + x0 - k : pad + x0] = 0
    grid[rows, pad + x1 : pad + x1 + k] = 0
    for edge, frac, axis in ((x0, x0 + 1 - fx0, 1), (x1 - 1, fx1 - (x1 - 1), 1),
                             (y0, y0 + 1 - fy0, 0), (y1 - 1, fy1 - (y1 - 1), 0)):
        if frac < 1:  # a clip edge inside a pixel covers it in part
            line = grid[rows, pad + edge] if axis else grid[pad + edge, cols]
            line[...] = np.round(line * max(frac, 0.0)).astype(np.uint8)
    hit = np.flatnonzero(cmap[lo:hi].view(bool))
    hit += lo
    cover = cmap.take(hit)
    cmap[hit] = 0
    row = ((hit + 0.5) * (1.0 / wp)).astype(np.int64)  # hit // wp, without integer division
    hit -= row * (wp - w) + pad * (w + 1)  # the canvas index: (row − pad)·w + column − pad
    _blend_one(canvas.reshape(-1).view(np.uint32), hit, cover, rgb, opacity)


def _blend_one(pixels: np.ndarray, hit: np.ndarray, cover: np.ndarray, rgb, opacity: float) -> None:
    """``pixels[hit] = colour over pixels[hit]`` with coverage ``cover`` (uint8), two channels at a time.

    Each uint32 pixel holds R, G, B, A in its four bytes; red and blue (and
    green and alpha) are blended together in 16-bit lanes, rounded like
    :func:`_div255`.
    """
    alpha = cover.astype(np.uint32)
    if opacity < 1:
        alpha = _div255(alpha * np.uint32(round(255 * opacity)))
    beta = 255 - alpha
    r, g, b = (int(round(255 * float(c))) for c in np.asarray(rgb, dtype=float)[:3])
    lanes = np.uint32(0x00FF00FF)
    dst = pixels.take(hit)
    rb = (dst & lanes) * beta
    rb += alpha * np.uint32(r | b << 16)
    rb += np.uint32(0x00800080)
    rb += (rb >> 8) & lanes
    ga = ((dst >> 8) & lanes) * beta
    ga += alpha * np.uint32(g | 255 << 16)
    ga += np.uint32(0x00800080)
    ga += (ga >> 8) & lanes
    pixels[hit] = ((rb >> 8) & lanes) | (ga & np.uint32(0xFF00FF00))


def stroke_path(canvas: np.ndarray, curves: np.ndarray, width: float, rgb, opacity: float = 1.0,
                region=None, tolerance: float = 0.25) -> None:
    """Stroke cubic Béziers ``(N, 4, 2)`` (pixel coordinates) like one Cairo stroke, onto ``canvas``.

    Curves are flattened into straight pieces within ``tolerance`` pixels.
    A curve continues the previous one (one subpath) when it starts where
    that one ended; a subpath whose end meets its start is closed.  As
    Manim's defaults tell Cairo: butt caps at the ends of open subpaths,
    miter joins (miter limit 10, beyond it bevel-like) where a subpath turns
    by more than 15 degrees.  Drawn by :func:`stroke_segments`.
    """
    curves = np.asarray(curves, dtype=float).reshape(-1, 4, 2)
    if not len(curves):
        return
    p0, h1, h2, p3 = curves[:, 0], curves[:, 1], curves[:, 2], curves[:, 3]
    joined = np.zeros(len(curves), bool)
    gap = np.abs(p0[1:] - p3[:-1])
    joined[1:] = (gap[:, 0] <= 1e-4) & (gap[:, 1] <= 1e-4)
    # flatten: a cubic strays at most 3/4 of its handles' distance from its chord; m pieces, ~1/m² of it
    chord = p3 - p0
    length = np.hypot(chord[:, 0], chord[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        stray = np.maximum(np.abs(_cross(h1 - p0, chord)), np.abs(_cross(h2 - p0, chord))) / length
    if not length.all():  # a curve that returns to its start: how far its handles reach
        loop = length == 0
        stray[loop] = np.maximum(np.hypot(*(h1 - p0)[loop].T), np.hypot(*(h2 - p0)[loop].T))
    m = np.clip(np.ceil(np.sqrt(0.75 * stray / tolerance)), 1, 64).astype(np.int64)
    if (m == 1).all():
        a, b, starts = p0, p3, ~joined
    else:
        cid = np.repeat(np.arange(len(curves)), m)
        j = np.arange(len(cid)) - (np.cumsum(m) - m)[cid]
        a, b = p0[cid], p3[cid]  # right for the curves that stay whole
        mj = m[cid]
        inner = np.flatnonzero((mj > 1) & (j > 0))
        a[inner] = _bezier(curves[cid[inner]], j[inner] / mj[inner])
        inner = np.flatnonzero((mj > 1) & (j < mj - 1))
        b[inner] = _bezier(curves[cid[inner]], (j[inner] + 1) / mj[inner])  # = the next piece's a
        starts = (j == 0) & ~joined[cid]
    keep = (a[:, 0] != b[:, 0]) | (a[:, 1] != b[:, 1])  # zero-length pieces: nothing, no direction
    sub = np.cumsum(starts)[keep]
    a, b = a[keep], b[keep]
    if not len(a):
        return
    half = 0.5 * float(width)
    # pieces shorter than a stroke's reach past a smooth joint would let it poke past a nearby
    # cap: merge them (vertices every ~min_len along each subpath; sharp turns stay)
    a, b, sub = _merge_short(a, b, sub, min_len=half + 1.5)
    # a merged run that goes out and back (a path folded onto itself: a ReLU collapsing a
    # boundary onto a line) ends about where it starts: its direction is rounding noise, and
    # its joints mitred along that noise drew spikes (a white "T" off the line); no direction,
    # no piece, as for the zero-length pieces above
    keep = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) > FOLDED
    if not keep.all():
        a, b, sub = a[keep], b[keep], sub[keep]
        if not len(a):
            return
    prev, turn = _joints(a, b, sub)
    has_prev = prev >= 0
    # miter: each side goes half·tan(φ/2) past the vertex; past the miter limit, a bevel (no extension)
    cos_half = np.sqrt(np.clip((1 + turn) / 2, 0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        miter = np.where(cos_half >= 0.1, half * np.sqrt(np.clip(1 - cos_half**2, 0, 1)) / cos_half, 0)
    ends_a = np.zeros(len(a))  # butt caps where no joint is
    ends_a[has_prev] = np.where(turn >= SMOOTH_JOINT, np.inf, miter)
    ends_b = np.zeros(len(a))
    ends_b[prev[has_prev]] = ends_a[has_prev]
    stroke_segments(canvas, a, b, width, rgb, opacity, region, ends_a, ends_b)


def _joints(a: np.ndarray, b: np.ndarray, sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each piece, the piece before it in its subpath (−1: none) and the cosine of the turn there.

    A subpath whose last piece ends where its first starts is closed: its
    first piece follows its last.
    """
    first = np.ones(len(a), bool)
    first[1:] = sub[1:] != sub[:-1]
    head = np.flatnonzero(first)
    tail = np.append(head[1:] - 1, len(a) - 1)
    gap = np.abs(a[head] - b[tail])
    closed = (gap[:, 0] <= 1e-4) & (gap[:, 1] <= 1e-4) & (tail > head)
    prev = np.arange(len(a)) - 1
    prev[head] = np.where(closed, tail, -1)
    u = b - a
    u /= np.hypot(u[:, 0], u[:, 1])[:, None]
    has_prev = prev >= 0
    p, q = prev[has_prev], np.flatnonzero(has_prev)
    turn = u[p, 0] * u[q, 0] + u[p, 1] * u[q, 1]
    return prev, turn


def _merge_short(a: np.ndarray, b: np.ndarray, sub: np.ndarray, min_len: float):
    """Merge consecutive pieces of each subpath so that each is about ``min_len`` long or more.

    Interior vertices are kept where the arc length passes a multiple of
    ``min_len`` and more than ``min_len`` is left to the subpath's end, and
    where the path turns sharply.  Subpath ends stay.
    """
    length = np.hypot(*(b - a).T)
    if length.min() >= min_len:
        return a, b, sub
    first = np.ones(len(a), bool)
    first[1:] = sub[1:] != sub[:-1]
    which = np.cumsum(first) - 1  # subpath of each piece
    heads = np.flatnonzero(first)
    tails = np.append(heads[1:] - 1, len(a) - 1)
    run = np.cumsum(length)
    before = (run - length)[heads]  # arc length before each subpath
    s0 = run - length - before[which]  # arc length at each piece's start, within its subpath
    total = (run[tails] - before)[which]  # length of the piece's subpath
    step = np.floor(s0 / min_len)
    keep = first.copy()
    inner = np.flatnonzero(~first)
    u = (b - a) / length[:, None]
    sharp = u[inner - 1, 0] * u[inner, 0] + u[inner - 1, 1] * u[inner, 1] < SMOOTH_JOINT
    keep[inner] = ((step[inner] > step[inner - 1]) & (total[inner] - s0[inner] >= min_len)) | sharp
    begin = np.flatnonzero(keep)
    end = np.append(begin[1:] - 1, len(a) - 1)
    return a[begin], b[end], sub[begin]


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _bezier(c: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of cubic Béziers ``c`` ``(N, 4, 2)`` at parameters ``t`` ``(N,)``."""
    s = 1 - t
    return ((s * s * s)[:, None] * c[:, 0] + (3 * s * s * t)[:, None] * c[:, 1]
            + (3 * s * t * t)[:, None] * c[:, 2] + (t * t * t)[:, None] * c[:, 3])


# --------------------------------------------------------------------------- the camera


class _FastCameraMixin:
    """A Cairo camera that draws :class:`PointCloud`, :class:`RasterImage` and thin strokes itself.

    Everything it draws passes :func:`guard_geometry` first.  :class:`Polylines`
    (and any VMobject with a plain stroke: one colour, no fill) are stroked
    by :func:`stroke_path` into the frame buffer rather than by Cairo; other
    VMobjects go to Cairo with its default anti-aliasing.
    """

    def type_or_raise(self, mobject: Mobject):
        kind = super().type_or_raise(mobject)  # (re)builds self.display_funcs
        self.display_funcs[PointCloud] = self._display_point_clouds
        self.display_funcs[RasterImage] = self._display_raster_images
        for own in (PointCloud, RasterImage):
            if isinstance(mobject, own):
                return own
        return kind

    def _to_pixels(self, points: np.ndarray) -> np.ndarray:
        """Frame-plane points (already projected) → sub-pixel coordinates ``(N, 2)``."""
        sx = self.pixel_width / self.frame_width
        sy = self.pixel_height / self.frame_height
        out = np.empty((len(points), 2))
        out[:, 0] = (points[:, 0] - self.frame_center[0]) * sx + self.pixel_width / 2
        out[:, 1] = (self.frame_center[1] - points[:, 1]) * sy + self.pixel_height / 2
        return out

    def _display_raster_images(self, images: Sequence[RasterImage], pixel_array: np.ndarray) -> None:
        ctx = self.get_cairo_context(pixel_array)
        for image in images:
            corners, kept = guard_geometry(self, image, image.points, "image")
            if not len(kept):
                continue
            xy = self._to_pixels(corners)
            (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
            with _clipped(ctx, getattr(image, "clip_box", None)):
                paint_image(ctx, image.cairo_surface(), x0, y0, x1, y1, image.opacity,
                            smooth=getattr(image, "smooth", True))

    def display_vectorized(self, vmobject: VMobject, ctx):
        """Draw a VMobject inside its ``clip_box`` (scene units) when it has one.

        A plain stroke (:class:`Polylines`: one colour, no fill, Manim's default
        caps and joins) is stroked by :func:`stroke_path`; anything else by
        Cairo, through :meth:`set_cairo_context_path`.  Cairo keeps its default
        anti-aliasing: its fast rasteriser (``ANTIALIAS_FAST``) corrupts the
        heap on ordinary dense grids in Cairo 1.16 (see tests/test_drawing_safety.py).

        A VMobject with nothing opaque to draw (every fill, stroke and background
        stroke at opacity 0: a label kept for later, faded out) is skipped: Cairo
        would build its path and then paint nothing (a clear source over the
        frame leaves every pixel as it was).
        """
        if _invisible(vmobject):
            return self
        if isinstance(vmobject, Polylines) and self._stroke_plainly(vmobject, ctx):
            return self
        with _clipped(ctx, getattr(vmobject, "clip_box", None)):
            if isinstance(vmobject, Polylines):
                ctx.save()
                ctx.set_tolerance(0.5)  # flattening only; the rasteriser stays Cairo's default
                try:
                    return super().display_vectorized(vmobject, ctx)
                finally:
                    ctx.restore()
            return super().display_vectorized(vmobject, ctx)

    def _stroke_plainly(self, vmobject: VMobject, ctx) -> bool:
        """Stroke ``vmobject`` with :func:`stroke_path` if it is a plain stroke; False if Cairo must."""
        surface = ctx.get_target()
        rgbas = self.get_stroke_rgbas(vmobject)
        halo = vmobject.get_stroke_width(background=True)
        halo_rgbas = self.get_stroke_rgbas(vmobject, background=True) if halo > 0 else None
        if (len(rgbas) != 1 or (halo_rgbas is not None and len(halo_rgbas) != 1)
                or (vmobject.get_fill_opacities() > 0).any()
                or vmobject.joint_type not in (LineJointType.AUTO, LineJointType.MITER)
                or vmobject.cap_style not in (CapStyleType.AUTO, CapStyleType.BUTT)
                or not isinstance(surface, cairo.ImageSurface)
                or surface.get_format() != cairo.FORMAT_ARGB32
                or surface.get_stride() != 4 * surface.get_width()):
            return False
        px = self.cairo_line_width_multiple * self.pixel_width / self.frame_width
        width = vmobject.get_stroke_width() * px
        strokes = [(halo * px, halo_rgbas[0])] if halo_rgbas is not None else []
        strokes = [(w, c) for w, c in [*strokes, (width, rgbas[0])] if w > 0 and c[3] > 0]
        if not strokes:
            return True
        points, _ = guard_geometry(self, vmobject, vmobject.points, "curves")
        if not len(points):
            return True
        box = getattr(vmobject, "clip_box", None)
        region = None
        if box is not None:
            corners = self._to_pixels(np.array([[box[0], box[1], 0.0], [box[2], box[3], 0.0]]))
            (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
            region = (x0, y0, x1, y1)
        surface.flush()
        canvas = np.ndarray((surface.get_height(), surface.get_width(), 4), np.uint8,
                            surface.get_data())
        curves = self._to_pixels(points).reshape(-1, 4, 2)
        for w, rgba in strokes:  # the background stroke (a dark halo) first, then the stroke
            stroke_path(canvas, curves, w, rgba[:3], float(rgba[3]), region)
        surface.mark_dirty()
        return True

    #: paths kept between frames (:meth:`set_cairo_context_path`), at most this many
    KEPT_PATHS = 4096

    def set_cairo_context_path(self, ctx, vmobject: VMobject):
        """Manim's path building, from the geometry :func:`guard_geometry` lets through.

        A VMobject drawn again with the same points (the glyphs of a text drawn every frame
        over a moving picture, a still frame) gets the Cairo path built the last time, by one
        ``append_path``: the same path, without the NumPy and Python work per curve (not
        with a 3-D camera, whose projection turns).
        """
        ctx.new_path()
        if type(self).transform_points_pre_display is not Camera.transform_points_pre_display:
            self._build_path(ctx, vmobject)  # a 3-D camera projects the points as it turns
            return self
        own = vmobject.points
        kept_paths = self.__dict__.setdefault("_kept_paths", {})
        key = (vmobject.tolerance_for_point_equality, self.frame_width, self.frame_height,
               tuple(self.frame_center), self.pixel_width, self.pixel_height)
        kept = kept_paths.get(id(vmobject))
        if (kept is not None and kept[0] == key and kept[1].shape == own.shape
                and np.array_equal(kept[1], own)):
            if kept[2] is not None:
                ctx.append_path(kept[2])
            return self
        self._build_path(ctx, vmobject)
        if len(kept_paths) >= self.KEPT_PATHS:
            kept_paths.clear()
        path = ctx.copy_path() if len(own) else None
        kept_paths[id(vmobject)] = (key, own.copy(), path)
        return self

    def _build_path(self, ctx, vmobject: VMobject) -> None:
        points, _ = guard_geometry(self, vmobject, vmobject.points, "curves")
        if not len(points):
            return
        curves = points.reshape(-1, 4, 3)[:, :, :2]
        atol = vmobject.tolerance_for_point_equality

        def same(p, q):  # np.isclose(p, q).all(axis=1), as Manim compares anchors
            close = np.abs(p - q) <= atol + 1e-5 * np.abs(q)
            return close[:, 0] & close[:, 1]

        # a new subpath wherever a curve does not start where the previous one ended
        split = np.ones(len(curves), bool)
        split[1:] = ~same(curves[1:, 0], curves[:-1, 3])
        heads = np.flatnonzero(split)
        tails = np.append(heads[1:], len(curves))
        closed = same(curves[heads, 0], curves[tails - 1, 3]).tolist()
        xy = curves.reshape(-1, 8).tolist()
        for head, tail, close in zip(heads.tolist(), tails.tolist(), closed):
            ctx.new_sub_path()
            ctx.move_to(*xy[head][:2])
            for c in xy[head:tail]:
                ctx.curve_to(*c[2:])
            if close:
                ctx.close_path()

    def set_cairo_context_color(self, ctx, rgbas, vmobject: VMobject):
        """Manim's colouring; a gradient whose end points are not drawable becomes its first colour."""
        if len(rgbas) > 1:
            ends = vmobject.get_gradient_start_and_end_points()
            if len(guard_geometry(self, vmobject, np.asarray(ends, dtype=float), "points")[1]) < 2:
                rgbas = rgbas[:1]
        return super().set_cairo_context_color(ctx, rgbas, vmobject)

    def _display_point_clouds(self, clouds: Sequence[PointCloud], pixel_array: np.ndarray) -> None:
        for cloud in clouds:
            if len(cloud.points) == 0:
                continue
            centres, kept = guard_geometry(self, cloud, cloud.points, "points")
            if not len(kept):
                continue
            colors = cloud.colors if len(kept) == len(cloud.points) else cloud.colors[kept]
            box = getattr(cloud, "clip_box", None)
            if box is not None:  # points stay in their picture region: never over text or a panel
                inside = ((centres[:, 0] >= box[0]) & (centres[:, 0] <= box[2])
                          & (centres[:, 1] >= box[1]) & (centres[:, 1] <= box[3]))
                if not inside.all():
                    centres, colors = centres[inside], colors[inside]
                    if not len(centres):
                        continue
            cue = getattr(cloud, "depth_cue", None)
            if cue is not None:
                centres, colors = depth_shaded(centres, colors, cue)
            r = cloud.get_pixel_radius(self)
            splat_discs(pixel_array, self._to_pixels(centres), r, colors, cloud.rim_rgb,
                        r * cloud.rim_fraction, cloud.opacity)


def _invisible(vmobject: VMobject) -> bool:
    """Whether every colour ``vmobject`` paints (fill, stroke, background stroke) is fully
    transparent: drawing it leaves the frame as it was."""
    if not (vmobject.get_fill_rgbas()[:, 3] <= 0).all():
        return False
    if vmobject.get_stroke_width() > 0 and not (vmobject.get_stroke_rgbas()[:, 3] <= 0).all():
        return False
    return not (vmobject.get_stroke_width(background=True) > 0
                and not (vmobject.get_stroke_rgbas(background=True)[:, 3] <= 0).all())


class FastCamera(_FastCameraMixin, Camera):
    """Manim's Cairo camera, plus fast :class:`PointCloud`, image and thin-stroke drawing."""


class FastThreeDCamera(_FastCameraMixin, ThreeDCamera):
    """Manim's 3-D Cairo camera, plus fast :class:`PointCloud` drawing (projected points)."""


# --------------------------------------------------------------------------- polylines


class Polylines(VMobject):
    """Many sampled curves as one VMobject; vertices are replaced in one array expression.

    Each line's samples are joined by Catmull-Rom cubics (the curve passes
    through every sample with a continuous tangent), so a few dozen samples
    per line look smooth.  :class:`FastCamera` strokes them with
    :func:`stroke_path` (one colour, butt caps, miter joins, like Cairo).

    Parameters
    ----------
    lines
        A list of ``(M_i, 2 or 3)`` vertex arrays.  Each becomes one subpath.
    smooth
        ``False`` draws straight segments between samples.
    """

    def __init__(self, lines: Sequence[np.ndarray], smooth: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.smooth_curves = smooth
        self.set_lines(lines)

    def set_lines(self, lines: Sequence[np.ndarray]) -> Polylines:
        """Replace the lines themselves (their number and lengths may change)."""
        # keep every line's vertices (also short ones) so set_vertices takes a traced array as is
        lengths = [len(line) for line in lines]
        kept = [np.asarray(line, dtype=float) for line in lines if len(line)]
        starts = np.cumsum([0, *lengths])[:-1]
        seg_a, seg_prev, seg_next = [], [], []
        for start, n in zip(starts, lengths):
            if n < 2:
                continue
            a = start + np.arange(n - 1)
            seg_a.append(a)
            seg_prev.append(np.maximum(a - 1, start))  # end tangents: one-sided
            seg_next.append(np.minimum(a + 2, start + n - 1))
        empty = np.zeros(0, dtype=np.int64)
        self._a = np.concatenate(seg_a) if seg_a else empty
        self._b = self._a + 1
        self._prev = np.concatenate(seg_prev) if seg_prev else empty
        self._next = np.concatenate(seg_next) if seg_next else empty
        self.n_vertices = int(sum(lengths))
        if kept:
            self.set_vertices(np.concatenate([_pad3(v) for v in kept]))
        else:
            self.points = np.zeros((0, 3))
        return self

    def set_vertices(self, vertices: np.ndarray) -> Polylines:
        """Vertices ``(n_vertices, 3)`` in the order of the lines given at construction."""
        if not len(self._a):
            self.points = np.zeros((0, 3))
            return self
        a, b = vertices[self._a], vertices[self._b]
        keep = self._visible(a, b)
        pts = np.empty((len(a), 4, 3))
        pts[:, 0] = a
        pts[:, 3] = b
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite curves: the camera drops them
            if self.smooth_curves:
                # Catmull-Rom: handles a + (b - prev)/6 and b - (next - a)/6
                pts[:, 1] = a + (b - vertices[self._prev]) / 6.0
                pts[:, 2] = b - (vertices[self._next] - a) / 6.0
            else:
                step = (b - a) / 3.0
                pts[:, 1] = a + step
                pts[:, 2] = b - step
        self.points = (pts if keep is None else pts[keep]).reshape(-1, 3)
        return self

    def _visible(self, a: np.ndarray, b: np.ndarray):
        """Segments not entirely on one side outside ``clip_box`` (None: keep all).

        A warped grid can reach far off screen; Cairo would still stroke it.
        """
        box = getattr(self, "clip_box", None)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        m = 0.05 * max(x1 - x0, y1 - y0)  # the curve may bulge a little past its anchors
        out = ((a[:, 0] < x0 - m) & (b[:, 0] < x0 - m)) | ((a[:, 0] > x1 + m) & (b[:, 0] > x1 + m))
        out |= ((a[:, 1] < y0 - m) & (b[:, 1] < y0 - m)) | ((a[:, 1] > y1 + m) & (b[:, 1] > y1 + m))
        return ~out


def _pad3(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape[1] == 3:
        return p
    out = np.zeros((len(p), 3))
    out[:, : p.shape[1]] = p
    return out


# --------------------------------------------------------------------------- shading


class RasterImage(_Opacity, Mobject):
    """An RGBA image stretched over an axis-aligned rectangle, composited by NumPy.

    Manim's own :class:`~manim.ImageMobject` goes through a full-frame PIL
    transform each frame (and fails with Pillow 13); this one resizes the image
    to its pixel rectangle once per frame and blends it in place.  Its points
    are the rectangle's corners, so ``move_to``/``scale``/``stretch`` work.
    Drawn by :class:`FastCamera` (top view only in 3-D).  ``smooth=False`` draws each image
    pixel as a sharp square (see :func:`paint_image`).
    """

    def __init__(self, rgba: np.ndarray, corners: np.ndarray | None = None, opacity: float = 1.0,
                 smooth: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.smooth = bool(smooth)
        self.rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        h, w = self.rgba.shape[:2]
        if corners is None:
            half_w = w / h
            corners = np.array([[-half_w, 1, 0], [half_w, 1, 0], [half_w, -1, 0], [-half_w, -1, 0]])
        self.points = np.array(corners, dtype=float)
        self.opacity = opacity
        self._surface = None

    def set_image(self, rgba: np.ndarray) -> RasterImage:
        self.rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        self._surface = None
        return self

    def cairo_surface(self):
        """The image as a premultiplied Cairo surface (cached until :meth:`set_image`).

        Channel order stays R, G, B, A in memory: Manim hands colours to Cairo
        with red and blue swapped, so its frame buffer is RGBA in memory too.
        """
        if getattr(self, "_surface", None) is None:
            a = self.rgba[..., 3:4].astype(np.uint16)
            pre = self.rgba.copy()
            pre[..., :3] = ((self.rgba[..., :3] * a + 127) // 255).astype(np.uint8)
            self._buffer = np.ascontiguousarray(pre)
            h, w = pre.shape[:2]
            self._surface = cairo.ImageSurface.create_for_data(
                memoryview(self._buffer).cast("B"), cairo.FORMAT_ARGB32, w, h, w * 4)
        return self._surface

    def __deepcopy__(self, memo):
        self._surface = None  # Cairo surfaces cannot be copied; rebuilt on demand
        return super().__deepcopy__(memo)


def paint_image(ctx, surface, x0: float, y0: float, x1: float, y1: float,
                opacity: float = 1.0, smooth: bool = True) -> None:
    """Paint a Cairo image surface stretched over pixel rectangle ``[x0, x1] × [y0, y1]``.

    ``smooth``: bilinear (a shading, a map); else each image pixel a sharp square (an 8×8
    digit, whose pixels are the data: blurred, it reads as a smudge).
    """
    w, h = surface.get_width(), surface.get_height()
    if x1 - x0 < 1 or y1 - y0 < 1 or opacity <= 0:
        return
    ctx.save()
    ctx.identity_matrix()
    ctx.translate(x0, y0)
    ctx.scale((x1 - x0) / w, (y1 - y0) / h)
    ctx.set_source_surface(surface, 0, 0)
    ctx.get_source().set_filter(cairo.FILTER_BILINEAR if smooth else cairo.FILTER_NEAREST)
    ctx.get_source().set_extend(cairo.EXTEND_PAD)
    ctx.new_path()  # Manim fills and strokes with *_preserve: drop its last path from the clip
    ctx.rectangle(0, 0, w, h)
    ctx.clip()
    ctx.paint_with_alpha(opacity)
    ctx.restore()


def probability_image(prob, box: tuple[float, float, float, float], colors: np.ndarray,
                      resolution: int = 200, max_alpha: float = 0.3) -> np.ndarray:
    """RGBA image of class probabilities over ``box = (xmin, xmax, ymin, ymax)`` of display space.

    ``prob(P)`` maps display points ``(M, 2)`` to probabilities ``(M, K)``; each
    pixel is the probability-weighted mix of the class colours, more opaque the
    more confident the network, so the boundary region stays dark.
    """
    x0, x1, y0, y1 = box
    rows = resolution
    cols = max(2, int(round(resolution * (x1 - x0) / (y1 - y0))))
    gx, gy = np.meshgrid(np.linspace(x0, x1, cols), np.linspace(y1, y0, rows))
    P = prob(np.column_stack([gx.ravel(), gy.ravel()]))
    k = P.shape[1]
    rgb = P @ colors[:k]
    conf = (P.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
    img = np.empty((rows * cols, 4), dtype=np.uint8)
    img[:, :3] = np.clip(rgb * 255, 0, 255).astype(np.uint8)
    img[:, 3] = (255 * max_alpha * np.clip(conf, 0, 1) ** 0.7).astype(np.uint8)
    return img.reshape(rows, cols, 4)


def simplex_image(corners: np.ndarray, colors: np.ndarray, resolution: int = 160,
                  max_alpha: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """``(rgba, box corners)``: the triangle ``corners`` (``(3, 2)``, scene units) shaded by the
    class probabilities each of its points stands for: its barycentric coordinates ``p`` are the
    probabilities a point there has in the class-vertex view (``Σ pₖ vₖ``), so each pixel is
    the ``p``-mix of the class colours, more opaque the surer (as :func:`probability_image`).
    Outside the triangle, transparent.  The box corners (top-left, top-right, bottom-right,
    bottom-left, ``(4, 3)``) are where the image goes."""
    C = np.asarray(corners, dtype=float)[:, :2]
    (x0, y0), (x1, y1) = C.min(axis=0), C.max(axis=0)
    rows = resolution
    cols = max(2, int(round(resolution * (x1 - x0) / max(y1 - y0, 1e-9))))
    gx, gy = np.meshgrid(np.linspace(x0, x1, cols), np.linspace(y1, y0, rows))
    A = np.vstack([C.T, np.ones(3)])  # [x; y; 1] = A p
    P = np.linalg.solve(A, np.vstack([gx.ravel(), gy.ravel(), np.ones(gx.size)])).T
    inside = np.all(P >= -1e-9, axis=1)
    P = np.clip(P, 0.0, 1.0)
    conf = (P.max(axis=1) - 1.0 / 3) / (2.0 / 3)
    img = np.zeros((rows * cols, 4), dtype=np.uint8)
    img[:, :3] = np.clip(P @ np.asarray(colors, dtype=float)[:3] * 255, 0, 255).astype(np.uint8)
    img[:, 3] = np.where(inside, 255 * max_alpha * np.clip(conf, 0, 1) ** 0.7, 0).astype(np.uint8)
    box = np.array([[x0, y1, 0], [x1, y1, 0], [x1, y0, 0], [x0, y0, 0]], dtype=float)
    return img.reshape(rows, cols, 4), box


def value_image(values, box: tuple[float, float, float, float], theme: Theme, lo: float, hi: float,
                resolution: int = 200, alpha: float = 0.22) -> np.ndarray:
    """RGBA image of a regression output over ``box`` of display space, on the target colour map.

    ``values(P)`` maps display points ``(M, 2)`` to ``ŷ`` ``(M,)``; ``lo``, ``hi``
    are the colour map's ends (the target's range).
    """
    x0, x1, y0, y1 = box
    rows = resolution
    cols = max(2, int(round(resolution * (x1 - x0) / (y1 - y0))))
    gx, gy = np.meshgrid(np.linspace(x0, x1, cols), np.linspace(y1, y0, rows))
    rgb = theme.target_rgb(values(np.column_stack([gx.ravel(), gy.ravel()])), lo, hi)
    img = np.empty((rows * cols, 4), dtype=np.uint8)
    img[:, :3] = np.clip(rgb * 255, 0, 255).astype(np.uint8)
    img[:, 3] = int(255 * alpha)
    return img.reshape(rows, cols, 4)


# --------------------------------------------------------------------------- the flow view


HALO_WIDTH = 2.4  # a line's dark halo: this many times its own width
HALO_OPACITY = 0.85


def with_halo(line: VMobject, theme: Theme, factor: float = HALO_WIDTH) -> VMobject:
    """Give ``line`` a dark halo: a background stroke of the theme's background colour.

    Boundaries and level lines are drawn over the points; the halo keeps them
    readable over dense points of either class.  :class:`FastCamera` strokes
    the halo first, then the line, with one geometry.
    """
    line.set_stroke(color=theme.background, width=factor * line.get_stroke_width(),
                    opacity=HALO_OPACITY, background=True)
    return line


def glyph_halos(label: VMobject, theme: Theme, width: float) -> VMobject:
    """Give a label over a picture (a Text) a halo of the background's colour, ``width`` wide, under
    all of its glyphs: each glyph copied under the label, outline and fill in that colour, before
    the first glyph is drawn.  A halo as each glyph's own background stroke is drawn just before
    that glyph, over the glyph before it: a subscript's halo cut a dark bar through the ``h`` of
    ``h₃``, read as an axis line through the name.  The label's opacity rules its halos too."""
    glyphs = [m for m in label.get_family() if m.has_points()]
    halos = []
    for glyph in glyphs:
        halo = glyph.copy()
        halo.set_fill(color=theme.background)
        halo.set_stroke(color=theme.background, width=width, background=True)
        halos.append(halo)
        glyph.set_stroke(width=0.0, background=True)
    label.submobjects = halos + list(label.submobjects)
    return label


class FlowView(Group):
    """The input plane — grid, data points, decision boundary — carried through a flow.

    Parameters
    ----------
    flow
        A :class:`nnanim.core.flow.Flow`.
    X, y
        Data points (input space) and their labels (colours).
    theme
        Colours and sizes.
    grid_bounds
        ``(xmin, xmax, ymin, ymax)`` of the input grid; by default the data's box
        with a margin.
    region
        ``(centre, height)`` or ``(centre, height, width)``: where on screen (scene
        units) the framing box goes.
    clip_box
        ``(x0, y0, x1, y1)`` in scene units: grid and boundary are drawn only
        inside it (see :class:`FastCamera`).
    n_levels, levels
        Regression: the level sets ``ŷ = c`` drawn instead of a boundary —
        ``n_levels`` evenly spaced over the middle of the network's outputs on
        ``X``, or the values ``levels`` given.
    boundary
        Draw the network's decision boundary (``True``), none (``False``), or
        these input-space polylines instead (e.g. a feature cross's preimage).
    colors
        ``(N, 3)`` RGB of the points, instead of colours from ``y`` (an
        autoencoder's points coloured by their code).
    grid
        Whether to draw the input grid; a 3-D input (the swiss roll) has none,
        only its points.
    """

    def __init__(self, flow, X: np.ndarray, y: np.ndarray, theme: Theme, *,
                 grid_bounds=None, region=((0.0, 0.0, 0.0), 6.6), n_lines: int = 25,
                 boundary=True, point_radius: float | None = None,
                 grid_samples: int = 60, clip_box=None, n_levels: int = 5, levels=None,
                 colors=None, grid: bool = True, axes: bool | None = None) -> None:
        super().__init__()
        self.flow = flow
        self.theme = theme
        self.view_origin = np.asarray(region[0], dtype=float)
        self.view_height = float(region[1])
        #: the region's width; the picture fills whichever side its data's box reaches first
        self.view_width = float(region[2]) if len(region) > 2 else self.view_height
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        y = np.asarray(y)
        net = flow.network
        regression = net.task == "regression"
        classifier = net.task in ("binary", "multiclass")
        one_d = X.shape[1] == 1  # a 1-D input: the points lie on a line, (x, 0)
        plane = X.shape[1] <= 2  # a 3-D input has no plane to draw a grid in
        if grid_bounds is None and plane:
            lo, hi = X.min(axis=0), X.max(axis=0)
            pad = 0.15 * float(np.max(hi - lo))
            grid_bounds = (lo[0] - pad, hi[0] + pad) + (() if one_d else (lo[1] - pad, hi[1] + pad))
        self.grid_bounds = grid_bounds

        self.points_trace = flow.trace(X)
        if not (grid and plane):
            grid_lines = []
        elif one_d:  # the grid of a line is the line itself, densely sampled so it bends smoothly
            grid_lines = [np.linspace(grid_bounds[0], grid_bounds[1], 8 * grid_samples)[:, None]]
        else:
            grid_lines = input_grid(grid_bounds, n_lines=n_lines, samples=grid_samples)
        self.grid_trace = flow.trace(np.concatenate(grid_lines) if grid_lines
                                     else np.zeros((0, X.shape[1])))
        self.grid = Polylines(grid_lines, stroke_color=theme.grid, stroke_width=theme.grid_width,
                              stroke_opacity=theme.grid_opacity * (2.5 if one_d else 1.0))
        #: what the camera frames: the points, with the grid and the boundary as far as they stay
        #: within FRAMING_CAP of them (further out they are cut at the picture's edge); a scene
        #: may set a trace of its own (e.g. a lifted surface's rim)
        self.frame_trace = self.points_trace
        self.boundary_trace = None
        self.boundary = None
        #: regression: the target's range (the colour map's ends), the levels ŷ = c drawn, and
        #: their level sets carried through the flow (curves of a 2-D input, points of a 1-D one)
        self.target_range = (float(np.min(y)), float(np.max(y))) if regression else None
        self.levels, self.level_rgb = np.zeros(0), np.zeros((0, 3))
        self.level_sets: list[tuple[Mobject, object]] = []
        #: ``(trace, stage)``: points a scene knows lie on a curve from that stage on, which axis
        #: names and the scale bar keep off as they keep off a boundary (an autoencoder's grid,
        #: collapsed onto its code's line and then onto the decoder's curve)
        self.kept_clear: list[tuple[object, int]] = []
        own = boundary is not True and boundary is not False  # input-space polylines of its own
        if own or (boundary and classifier and plane):
            curves = ([np.asarray(c, dtype=float) for c in boundary] if own
                      else decision_boundary(net, grid_bounds))
            if curves:
                self.boundary_trace = flow.trace(np.concatenate(curves))
                self.boundary = Polylines(curves, stroke_color=theme.boundary,
                                          stroke_width=theme.boundary_width)
        elif boundary and n_levels and regression:
            self.levels = level_values(net.predict(X), n_levels) if levels is None else \
                np.asarray(levels, dtype=float)
            self.level_rgb = theme.target_rgb(self.levels, *self.target_range)
            if one_d:
                found = level_points(net, grid_bounds, self.levels)
                if found:
                    pts = np.concatenate([P for _, P in found])
                    rgb = np.concatenate([np.repeat(self.level_rgb[k][None], len(P), axis=0)
                                          for k, P in found])
                    marks = PointCloud(np.zeros((len(pts), 3)), rgb,
                                       radius=2.2 * (point_radius or theme.point_radius),
                                       rim_color=theme.boundary, rim_fraction=0.35)
                    self.level_sets.append((marks, flow.trace(pts)))
            else:
                found = level_curves(net, grid_bounds, self.levels)
                for k in sorted({k for k, _ in found}):
                    curves = [L for j, L in found if j == k]
                    line = Polylines(curves, stroke_color=ManimColor(self.level_rgb[k]),
                                     stroke_width=theme.boundary_width * 0.75)
                    line.is_level_line = True  # a boundary of sorts: no label goes on it
                    self.level_sets.append((line, flow.trace(np.concatenate(curves))))
        if grid_lines or self.boundary_trace is not None:
            # within the cap of the picture the points alone would get in this region's shape
            # (a tilted view shows depth as height: the shorter side for it)
            aspect = (self.view_width, self.view_height, min(self.view_width, self.view_height))
            self.frame_trace = self.points_trace.with_context(
                [self.grid_trace if grid_lines else None, self.boundary_trace], aspect=aspect)
        self.elev = self.azim = 0.0
        if self.boundary_trace is not None and not own and not one_d and clip_box is not None:
            self._reach_region(net, grid_bounds, clip_box)
        self._n_classes = int(np.max(y)) + 1 if classifier else 2
        if colors is not None:  # the caller's own (an autoencoder's points, by their code)
            pass
        elif regression:
            colors = theme.target_rgb(y, *self.target_range)
        else:
            labels = y.astype(int) if classifier else (y > np.median(y)).astype(int)
            colors = theme.class_rgb(self._n_classes)[labels]
        self.cloud = PointCloud(np.zeros((len(X), 3)), colors,
                                radius=point_radius or theme.point_radius, rim_color=theme.point_rim)
        lines = [m for m, _ in self.level_sets if isinstance(m, Polylines)]
        marks = [m for m, _ in self.level_sets if not isinstance(m, Polylines)]
        # depth: grid, then the points, then boundary and level lines over them, each with a dark
        # halo (a background stroke) so that it reads over dense points
        for line in ([self.boundary] if self.boundary is not None else []) + lines:
            with_halo(line, theme)
        parts = [self.grid, self.cloud] + ([self.boundary] if self.boundary is not None else [])
        parts += lines + marks
        for part in parts:
            part.clip_box = clip_box
        self.clip_box = clip_box
        self.add(*parts)
        #: parts that move with the view, each by its ``follow(view)`` (see :meth:`add_follower`)
        self.followers: list = []
        self._depth_followers: list = []  # copies of the points in front of a plane (front_points)
        self.stage, self.t = 0, 0.0
        self.elev = self.azim = 0.0
        #: axis names and a scale bar in the region's corners (by default when it has a clip box
        #: large enough for them to be read without covering the picture: SpaceAxes.MIN_SIDE)
        self.axes = None
        if (axes is None and clip_box is not None) or (axes and clip_box is not None):
            self.axes = SpaceAxes(self) if SpaceAxes.fits(clip_box) else None
        if self.axes is not None:
            self.add(self.axes)
        self.set_stage(0, 0.0)

    def _reach_region(self, net, grid_bounds, clip_box) -> None:
        """Draw the decision boundary as far as the picture region reaches at the first stage.

        The boundary the camera frames stays the one over the grid (its context), but the one
        drawn is contoured over the whole picture region as the first stage shows it (where the
        input shading of the poster reaches), so the curve runs to the region's edge instead of
        stopping at the grid's while the shading goes on.
        """
        lo, hi = self._box_in_display(clip_box, *self.screen_map(0, 0.0))
        gx0, gx1, gy0, gy1 = grid_bounds
        box = (min(lo[0], gx0), max(hi[0], gx1), min(lo[1], gy0), max(hi[1], gy1))
        if box == tuple(grid_bounds):
            return
        side = max(box[1] - box[0], box[3] - box[2])
        grid_side = max(gx1 - gx0, gy1 - gy0)
        resolution = int(min(700, max(300, np.ceil(300 * side / max(grid_side, 1e-9)))))
        curves = decision_boundary(net, box, resolution=resolution)
        if curves:
            self.boundary_trace = self.flow.trace(np.concatenate(curves))
            self.boundary.set_lines(curves)

    def _box_in_display(self, box, centre, scale) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)``: the corners of a scene box ``(x0, y0, x1, y1)`` in display coordinates,
        for a top-down view at ``(centre, scale)`` (:meth:`screen_map`)."""
        x0, y0, x1, y1 = box
        o = self.view_origin[:2]
        return (np.array([x0, y0]) - o) / scale + centre[:2], (np.array([x1, y1]) - o) / scale + centre[:2]

    # -- geometry
    def screen_map(self, s: int, t: float):
        """``(centre, scale)``: display → scene is ``project(P - centre) * scale + origin``.

        Seen from the top, the data's box fits the region (``view_width`` ×
        ``view_height``): a tall picture in a tall region uses its height.
        Turned or tilted, the box's eight corners as the view shows them fit
        the region, or the corners of slabs along 13 directions around the
        points where they reach less far, eased in time as the box is
        (:func:`~nnanim.core.camera.turned_extent`), so every point is on
        screen at any angle, a sheet or a turning cloud is not shown small,
        and the zoom changes continuously with the angles and in time.
        """
        centre, halves = self.frame_trace.framing_box(s, t)
        halves = np.asarray(halves, dtype=float)
        if self.elev == 0.0 and self.azim == 0.0:
            across, up = float(halves[0]), float(halves[1])
        else:  # the box's corners as the view shows them, or the points' own reach if smaller
            across, up = (float(v) for v in self._turned_reach(s, t, centre, halves))
        scale = min(self.view_width / 2 / max(across, 1e-9), self.view_height / 2 / max(up, 1e-9))
        return np.asarray(centre, dtype=float), scale

    #: a turned view's fit to its points' slabs blends in over the first this many radians of
    #: a turn away from the top view (smoothly: no sudden start of a zoom)
    TURNED_BLEND = np.radians(30.0)

    def _turned_reach(self, s: int, t: float, centre: np.ndarray, halves: np.ndarray) -> np.ndarray:
        """``(across, up)`` of a turned view (:func:`~nnanim.core.camera.turned_extent`), kept for
        the last moment and angles asked (a frame asks several times)."""
        key = (s, float(t), self.elev, self.azim, id(self.frame_trace))
        kept = getattr(self, "_turned", None)
        if kept is not None and kept[0] == key:
            return kept[1]
        corners = slab_corners(*self.frame_trace.framing_support(s, t))
        weight = min(1.0, (abs(self.elev) + abs(self.azim)) / self.TURNED_BLEND)
        weight = smoothstep(weight)
        reach = turned_extent(halves, corners, centre, self.project, weight)
        self._turned = (key, reach)
        return reach

    def project(self, P: np.ndarray) -> np.ndarray:
        """Orthographic view of display points (already centred): turn by ``azim``, tilt by ``elev``."""
        if self.elev == 0.0 and self.azim == 0.0:
            return P
        ca, sa = np.cos(self.azim), np.sin(self.azim)
        ce, se = np.cos(self.elev), np.sin(self.elev)
        x = P[:, 0] * ca - P[:, 1] * sa
        y = P[:, 0] * sa + P[:, 1] * ca
        out = np.empty_like(P)
        out[:, 0] = x
        out[:, 1] = y * ce + P[:, 2] * se
        out[:, 2] = -y * se + P[:, 2] * ce  # depth, kept for z-ordering
        return out

    def to_scene(self, P: np.ndarray, s: int | None = None, t: float | None = None) -> np.ndarray:
        centre, scale = self.screen_map(self.stage if s is None else s, self.t if t is None else t)
        return self.project(_pad3(P) - centre) * scale + self.view_origin

    def to_display(self, Q: np.ndarray) -> np.ndarray:
        """Scene → display coordinates at the current stage (top view only)."""
        centre, scale = self.screen_map(self.stage, self.t)
        return (_pad3(Q) - self.view_origin) / scale + centre

    @property
    def n_classes(self) -> int:
        return self._n_classes

    def visible_box(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of display space that fills the frame now."""
        w, h = config.frame_width / 2, config.frame_height / 2
        lo, hi = self.to_display(np.array([[-w, -h, 0.0], [w, h, 0.0]]))
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def framing_speed(self, s: int, samples: int = 128) -> tuple[float, float]:
        """``(zoom, shift)``: the fastest the framing changes during stage ``s``, per unit ``t``.

        ``zoom`` in log of the scale, ``shift`` the move of the display origin on
        screen in units of the region's short side: the camera's motion as a
        viewer sees it, for pacing a stage so that the camera never rushes.
        """
        size = min(self.view_width, self.view_height)
        logs, origins = [], []
        for t in np.linspace(0.0, 1.0, samples + 1):
            centre, scale = self.screen_map(s, t)
            logs.append(np.log(scale))
            origins.append(self.project(-np.asarray(centre, dtype=float)[None, :])[0, :2] * scale / size)
        zoom = float(np.abs(np.diff(logs)).max()) * samples
        shift = float(np.linalg.norm(np.diff(np.array(origins), axis=0), axis=1).max()) * samples
        return zoom, shift

    def segment_in_view(self, w: np.ndarray, c: float):
        """Scene endpoints of the line ``w·p + c = 0`` (display, 2-D) clipped to the frame, or None."""
        ends = clip_line(w, c, self.visible_box())
        return None if ends is None else self.to_scene(ends)

    def set_view_angles(self, elev: float | None = None, azim: float | None = None) -> FlowView:
        """Tilt (``elev``, radians; 0 = top view) and turn (``azim``) the view of 3-D stages."""
        if elev is not None:
            self.elev = float(elev)
        if azim is not None:
            self.azim = float(azim)
        return self.set_stage(self.stage, self.t)

    def set_stage(self, s: int, t: float) -> FlowView:
        """Move everything to time ``t`` in [0, 1] of stage ``s``: one numpy call per part."""
        self.stage, self.t = s, float(t)
        centre, scale = self.screen_map(s, t)
        o = self.view_origin
        self.cloud.set_positions(self.project(self.points_trace.at(s, t) - centre) * scale + o)
        self.cloud.depth_cue = self._depth_cue()
        self.grid.set_vertices(self.project(self.grid_trace.at(s, t) - centre) * scale + o)
        if self.boundary is not None:
            self.boundary.set_vertices(self.project(self.boundary_trace.at(s, t) - centre) * scale + o)
        for mob, trace in self.level_sets:
            P = self.project(trace.at(s, t) - centre) * scale + o
            if isinstance(mob, Polylines):
                mob.set_vertices(P)
            else:
                mob.set_positions(P)
        for part in self.followers:
            part.follow(self)
        for part in self._depth_followers:
            part.follow(self)
        if self.axes is not None:
            self.axes.follow(self)
        return self

    def _depth_cue(self):
        """The points' depth cue (:attr:`PointCloud.depth_cue`) in a turned view: the nearest
        and the farthest point's depth now, and the background; ``None`` seen from the top."""
        if self.elev == 0.0 and self.azim == 0.0 or not len(self.cloud.points):
            return None
        z = self.cloud.points[:, 2]
        near, far = float(z.max()), float(z.min())
        if near - far <= 1e-6:
            return None
        return near, far, _rgb(self.theme.background)

    def scene_geometry(self, s: int, t: float) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(points, lines)`` at time ``t`` of stage ``s`` in scene units, without moving anything:
        the data points' centres ``(N, 2)`` and every drawn curve (boundary, level lines) as
        densified segment samples ``(M, 2)`` (what an axis label must not cover)."""
        centre, scale = self.screen_map(s, t)
        o = self.view_origin

        def place(P):
            return (self.project(_pad3(P) - centre) * scale + o)[:, :2]

        points = place(self.points_trace.at(s, t))
        lines = []
        curves = [(self.boundary, self.boundary_trace)] if self.boundary is not None else []
        curves += [(m, tr) for m, tr in self.level_sets]
        for mob, trace in curves:
            V = place(trace.at(s, t))
            if isinstance(mob, Polylines) and len(mob._a):
                a, b = V[mob._a], V[mob._b]
                lines.append(np.concatenate([a + (b - a) * f for f in (0.0, 0.25, 0.5, 0.75)]))
            else:
                lines.append(V)
        for trace, since in self.kept_clear:
            if s >= since:
                lines.append(place(trace.at(s, t)))
        # the last stage of a classifier shown in 2-D: its output boundaries are straight lines
        # the scene may draw across the whole picture (an output overlay), not only where the
        # traced boundary reaches
        flow = self.flow
        last = len(flow.stages) - 1
        if (s >= last and flow.stages[-1].dim == 2 and self.clip_box is not None
                and flow.network.task in ("binary", "multiclass") and self.elev == self.azim == 0.0
                and getattr(flow, "boundaries_exact", False)):
            lo, hi = self._box_in_display(self.clip_box, centre, scale)
            box = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
            for line in linear_boundaries(flow.output_boundaries(), flow.output_probabilities, box):
                V = place(line)  # the line's ends (and corners): sampled along it, 0.03 apart
                for a, b in zip(V[:-1], V[1:]):
                    n = int(np.ceil(np.hypot(*(b - a)) / 0.03)) + 1
                    lines.append(a + (b - a) * np.linspace(0.0, 1.0, n)[:, None])
        return points, lines

    def set_clip_box(self, box) -> FlowView:
        """Draw grid, points, lines and followers only inside ``box = (x0, y0, x1, y1)`` (scene units)."""
        self.clip_box = box
        for mob in self.get_family():
            if mob is not self and not isinstance(mob, SpaceAxes):
                mob.clip_box = box
        return self

    def in_front_of(self, w: np.ndarray, c: float) -> np.ndarray:
        """``(N,)`` booleans: the points on the viewer's side of the plane ``w·p + c = 0`` (display)."""
        P = self.points_trace.at(self.stage, self.t)
        toward = self.project(np.eye(3))[:, 2]  # the viewer's direction, in display coordinates
        w = np.asarray(w, dtype=float)[:3]
        side = P @ w + float(c)
        return side * float(w @ toward) > 0

    def front_points(self, w: np.ndarray, c: float) -> PointCloud:
        """A copy of the points in front of the plane ``w·p + c = 0``, to draw over the plane.

        Drawn after a translucent plane, it puts the points behind the plane
        behind it (they show through its fill) and those in front over it;
        it follows the view (positions, angles) on every :meth:`set_stage`.
        """
        front = PointCloud(np.zeros((0, 3)), self.cloud.colors[:0], radius=self.cloud.radius,
                           rim_color="#000000", rim_fraction=self.cloud.rim_fraction)
        front.rim_rgb = self.cloud.rim_rgb
        front.clip_box = self.clip_box

        class _Front:
            def follow(_, view: FlowView) -> None:
                mask = view.in_front_of(w, c)
                front.points = view.cloud.points[mask].copy()
                front.colors = view.cloud.colors[mask]
                front.depth_cue = view.cloud.depth_cue  # shaded as the view's own points

        follower = _Front()
        follower.follow(self)
        self._depth_followers.append(follower)
        return front

    def add_follower(self, part: Mobject) -> FlowView:
        """Draw ``part`` under the grid, the points and the boundary; move it with every stage.

        ``part.follow(view)`` is called on every :meth:`set_stage` (and now).
        """
        part.clip_box = self.clip_box
        for mob in part.get_family():
            mob.clip_box = self.clip_box
        self.followers.append(part)
        self.submobjects.insert(0, part)  # region maps and shading lie under grid and points
        part.follow(self)
        return self


def count_in(P: np.ndarray, box, pad: float) -> int:
    """How many of the points ``P`` ``(N, 2)`` lie within ``pad`` of ``box = (x0, y0, x1, y1)``
    (what a label placed there would cover: the axes' corners, a scene's own axis names)."""
    if not len(P):
        return 0
    x0, y0, x1, y1 = box
    return int(np.count_nonzero((P[:, 0] > x0 - pad) & (P[:, 0] < x1 + pad)
                                & (P[:, 1] > y0 - pad) & (P[:, 1] < y1 + pad)))


class SpaceAxes(VGroup):
    """A view's axes and scale, in the corners of its picture region (its ``clip_box``).

    A compass: short arrows along the display axes as the view shows them
    (turning with a tilted 3-D view), named for the space shown (``x₁ x₂`` in
    the input, ``h₁ h₂ h₃`` in a hidden layer's own coordinates, ``u₁ u₂``
    in a projection, never ``p``, a probability: :data:`nnanim.core.notation.VIEW`; see
    :func:`nnanim.core.camera.space_letter`).  And a scale bar of a round length in the
    space's units, its length on screen following the zoom (the label changes only when the
    bar would get too short or too long; the bar then grows or shrinks to its new length over
    :attr:`GROW` seconds, never in one frame, and the new label replaces the old one in one
    frame, never a bar without a label).

    Each goes to a corner of the picture region: for every stage, the pair of corners whose
    boxes cover the fewest data points and the least boundary over the stage's moments
    (:meth:`placement`, from the flow's own geometry), the corners they are in kept unless
    another pair is clearly freer (:attr:`KEEP`: they do not wander from beat to beat).  A move
    is a glide over :attr:`GLIDE` seconds of the frames that follow (never a jump).  A 3-D
    stage keeps them bottom left and bottom right (or the view's ``corners_3d``).

    Glides and growths run on the frames drawn (an updater adding up their ``dt``, present
    only while one runs); where no frame is drawn (a plan pass: :attr:`instant`) they are
    done at once.

    The names and the scale's label are small print (the layout's
    ``SMALL_SIZE``, readable on a phone), the label the same size in every panel and
    beat.  They lie over the picture, so they are drawn above everything in it (a higher
    ``z_index``: no point, plane or shading covers them) on a halo of the background colour (points and lines
    under a label never cut through its glyphs).

    A label that leaves is made transparent, never removed while a play runs:
    Manim keeps drawing, until the play ends, every part the play began with,
    so a removed label stayed on screen under its successor.  A new scale
    label replaces the old one in the same frame (never two on one spot, never
    a bar without its label).
    """

    ARROW = 0.42  # screen length of an axis arrow (scene units)
    PAD = 0.22  # inset from the region's edges
    FONT = SMALL_SIZE  # small print: about 30 px capitals on a 1080 px short side
    HALO = 10.0  # stroke width of the halo around each glyph (Manim stroke units): wide enough
    # that a line or a boundary passing under a name stops short of its letters
    GAP = 0.08  # between the scale bar's ticks and its label (scene units)
    Z = 1  # drawn over the picture's points, lines and planes (all at Manim's default 0)
    OPACITY = 0.85
    #: the smallest picture (short side, scene units) that gets axes: about eight label
    #: heights; in a smaller panel, names and scale readable on a phone would cover the picture
    MIN_SIDE = 2.4
    #: seconds the scale bar takes to grow or shrink to a new round length; the axes to glide
    #: from one pair of corners to another
    GROW, GLIDE, RENAME = 0.4, 0.6, 0.4
    #: the corners the axes are in are kept while they cover at most this much more of the
    #: picture than the freest pair (:meth:`placement`'s score: about one point covered for
    #: a whole stage)
    KEEP = 10.0

    @classmethod
    def fits(cls, box) -> bool:
        """Whether a picture clipped to ``box`` is large enough for its axes and scale."""
        x0, y0, x1, y1 = box
        return min(x1 - x0, y1 - y0) >= cls.MIN_SIDE

    def __init__(self, view: FlowView) -> None:
        super().__init__()
        self.theme = view.theme
        self.box = view.clip_box
        #: the picture the axes name and are drawn within (their box's, unless set apart)
        self.picture = view.clip_box
        colour = view.theme.foreground
        self.arrows = Polylines([np.zeros((2, 3))] * 3, smooth=False, stroke_color=colour,
                                stroke_width=1.6, stroke_opacity=0.75)
        self.bar = Polylines([np.zeros((2, 3))] * 3, smooth=False, stroke_color=colour,
                             stroke_width=1.8, stroke_opacity=0.85)
        for line in (self.arrows, self.bar):
            with_halo(line, view.theme)
        self.names: list[Mobject] = []
        self._texts: dict[tuple[str, str], Mobject] = {}
        self.bar_label: Mobject | None = None
        self.key: tuple = ()
        self.length: float | None = None
        #: the bar's drawn length (data units) when its length last changed, and how far (0 to 1)
        #: it has grown from there to ``length``
        self._grow = (None, 1.0)
        #: the corners shown: ``{placement: weight}`` glided from, the placement glided to and
        #: how far (0 to 1)
        self._glide: tuple = ({}, None, 1.0)
        #: a change of names (a new space): the old ones out over the first half of
        #: :attr:`RENAME` seconds, the new ones in over the second (in one frame: a jump)
        self._leaving: list = []
        self._rename = 1.0
        #: whether glides and growths are done at once (no frames drawn: a plan pass)
        self.instant = False
        self._view = None
        self.add(self.arrows, self.bar)
        self.set_z_index(self.Z)

    def set_box(self, box, picture=None) -> SpaceAxes:
        """Draw in the corners of ``box`` (``(x0, y0, x1, y1)``) from now on: a picture that
        moves or resizes (its names still annotate it, from inside).  ``picture``, a larger box
        around ``box``: the picture they name and are clipped to, where a scene keeps its
        margins for something else (an image dataset's key of tiles)."""
        self.box = box
        self.picture = box if picture is None else picture
        for mob in self._texts.values():
            self._belongs(mob)
        return self

    def _belongs(self, mob: Mobject) -> None:
        """A label names the axes' picture, from inside it, and is drawn within it."""
        mob.annotates = self.picture  # (see FlowScene.shot)
        for part in mob.get_family():
            part.clip_box = self.picture

    def _text(self, body: str, role: str) -> Mobject:
        """A label (``role``: ``"name"`` or ``"scale"``), built once per view and kept as a part
        (shown or hidden by its opacity): a copy of a Text costs a deep copy."""
        mob = self._texts.get((role, body))
        if mob is None:
            from nnanim.draw.text import text

            mob = text(body, font=self.theme.font, font_size=self.FONT, color=self.theme.foreground)
            glyph_halos(mob, self.theme, self.HALO)
            mob.set_opacity(0.0)
            mob.set_z_index(self.Z)
            self._belongs(mob)
            mob.extent = (mob.width, mob.height)  # a label is moved, never resized
            self._texts[role, body] = mob
            self.add(mob)
        return mob

    @staticmethod
    def _show(mob: Mobject, opacity: float) -> None:
        """``mob.set_opacity(opacity)``, skipped when every opacity of it is that already: the
        same state, without Manim rebuilding every glyph's colours each frame."""
        for part in mob.get_family():
            if isinstance(part, VMobject) and not all(
                    (rgbas[:, 3] == opacity).all() for rgbas in
                    (part.get_fill_rgbas(), part.get_stroke_rgbas(),
                     part.get_stroke_rgbas(background=True))):
                mob.set_opacity(opacity)
                return

    @staticmethod
    def _put(mob: Mobject, centre) -> None:
        """``mob.move_to(centre)``, skipped when it was put there last and nothing moved it since."""
        centre = (float(centre[0]), float(centre[1]))
        first = next(iter(mob.family_members_with_points()), None)
        mark = None if first is None else (id(first.points), first.points[0].tobytes())
        if getattr(mob, "placed", None) == (centre, mark):
            return
        mob.move_to([centre[0], centre[1], 0.0])
        if first is not None:
            mark = (id(first.points), first.points[0].tobytes())
        mob.placed = (centre, mark)

    @staticmethod
    def names_at(view: FlowView, s: int, t: float) -> tuple[list[str], int]:
        """``(names, dims)``: the axis names of the space shown at time ``t`` of stage ``s``."""
        stage = view.flow.stages[min(s, len(view.flow.stages) - 1)]
        dims = 3 if stage.dim == 3 else 2
        widths = view.flow.network.widths
        width = widths[min(stage.layer + 1, len(widths) - 1)]
        if stage.kind == "output" and view.flow.network.task != "autoencoder":
            width = widths[stage.layer]  # the output is read in the last hidden space, shown as is
        before = s == 0 and t < 0.5
        if before:  # the input: its own axes, or (wider than shown) its principal axes
            width = widths[0]
        letter = space_letter(stage.kind, stage.layer, width, dims, before=before)
        if letter == "p":  # a projection: u, never p (p is a probability; see notation.VIEW)
            letter = VIEW
        # a scene may name a layer's space itself (an autoencoder's output is x̂, the input's space)
        if not before and letter == "h":
            letter = getattr(view, "axes_letters", {}).get(stage.layer, letter)
        # a scene whose view shows one space throughout may name its axes itself (feature-cross:
        # x, y and the feature z its caption writes)
        named = getattr(view, "axis_labels", None)
        return (list(named[:dims]) if named else axis_names(letter, dims)), dims

    def follow(self, view: FlowView) -> None:
        self._view = view
        x0, y0, x1, y1 = self.box
        names, dims = self.names_at(view, view.stage, view.t)
        key = (tuple(names), dims)
        if key != self.key:  # a new space: its names (the old ones leave, then these come in)
            leaving = self._leaving + (self.names if self.key != () else [])
            self.names = [self._text(n, "name") for n in names]
            self._leaving = [m for m in leaving if all(m is not n for n in self.names)]
            if self._leaving:
                self._rename = 0.0
                self._running()
            self.key = key
        ends = view.project(np.eye(3))[:, :2] * self.ARROW
        _, scale = view.screen_map(view.stage, view.t)
        length = scale_length(self.length, scale, x1 - x0)
        if length != self.length or self.bar_label is None:
            if self.bar_label is not None:  # out, and the new one in, in the same frame
                self.bar_label.set_opacity(0.0)
                # the bar grows or shrinks to the new length from where it is drawn now
                self._grow = (self.drawn_length(), 0.0)
                self._running()
            self.bar_label = self._text(format_length(length), "scale")
            # shown here, once (a fade of the whole view keeps its say over it afterwards): a new
            # label fading in left the bar unlabelled for a frame, read as the label vanishing
            self.bar_label.set_opacity(self.OPACITY)
            self.length = length
        # where they go: the corners this stage's geometry leaves freest (kept where they are
        # unless clearly worse), glided to over the frames that follow a change
        target = self.placement(view, view.stage)
        weights, to, a = self._glide
        if to is None:
            self._glide = ({}, target, 1.0)
        elif target != to:
            eased = smoothstep(a)
            now = {k: w * (1.0 - eased) for k, w in weights.items()}
            now[to] = now.get(to, 0.0) + eased
            self._glide = (now, target, 0.0)
            self._running()
        self._place(view, ends, dims, scale)

    def drawn_length(self) -> float:
        """The bar's length as drawn (data units): ``length``, or on its way there."""
        start, a = self._grow
        if start is None or a >= 1.0:
            return self.length
        a = smoothstep(a)  # starts and stops at rest
        return start ** (1.0 - a) * self.length ** a  # by equal ratios (5 to 2 as 2 to 0.8)

    def _running(self) -> None:
        """A glide, growth or change of names has begun: done now in a plan pass, else advanced
        frame by frame."""
        if self.instant:
            self._finish()
        elif self._advance not in self.updaters:
            self.add_updater(self._advance)

    def _finish(self) -> None:
        self._grow = (None, 1.0)
        self._glide = ({}, self._glide[1], 1.0)
        self._rename = 1.0
        for name in self._leaving:
            name.set_opacity(0.0)
        self._leaving = []

    def _advance(self, mob, dt: float) -> None:
        """One frame of the glide, the growth and the change of names (an updater, removed once
        all are done)."""
        start, a = self._grow
        self._grow = (start, min(a + dt / self.GROW, 1.0))
        weights, to, g = self._glide
        self._glide = (weights, to, min(g + dt / self.GLIDE, 1.0))
        self._rename = min(self._rename + dt / self.RENAME, 1.0)
        if self._grow[1] >= 1.0 and self._glide[2] >= 1.0 and self._rename >= 1.0:
            self._finish()
            self.remove_updater(self._advance)
        if self._view is not None and dt > 0:
            self.follow(self._view)

    def settle(self) -> None:
        """Finish any glide, growth or change of names now (a plan pass draws no frames)."""
        self.instant = True
        if self._advance in self.updaters:
            self.remove_updater(self._advance)
        self._finish()
        if self._view is not None:
            self.follow(self._view)

    @contextlib.contextmanager
    def settled(self):
        """The axes placed where their glide and growth end, for the ``with`` block (then put
        back where they are now): what must keep clear of them (a line cut around them, a name
        placed beside them) clears where they are going, not a spot they are leaving (a line
        cut around the corner the scale bar glided from kept its gaps there)."""
        grow, glide = self._grow, self._glide
        if self._view is None or ((grow[0] is None or grow[1] >= 1.0) and glide[2] >= 1.0):
            yield self
            return
        self._grow, self._glide = (None, 1.0), ({}, glide[1], 1.0)
        self.follow(self._view)
        try:
            yield self
        finally:
            self._grow, self._glide = grow, glide
            self.follow(self._view)

    def _place(self, view: FlowView, ends: np.ndarray, dims: int, scale: float) -> None:
        """Put the arrows, names, bar and label where the glide has them now (``scale``: screen
        units per data unit)."""
        bar_length = self.drawn_length() * scale
        weights, to, a = self._glide
        a = smoothstep(a)
        mix = {p: w * (1.0 - a) for p, w in weights.items() if w * (1.0 - a) > 1e-9}
        mix[to] = mix.get(to, 0.0) + a
        layouts = [(w, self._layout(p, ends, dims, bar_length)) for p, w in mix.items()]
        here = {k: sum(w * lay[k] for w, lay in layouts) for k in layouts[0][1]}
        # set only what changed: the same layout as the frame before is kept, not rebuilt
        if not np.array_equal(here["arrows"], getattr(self, "_arrow_vertices", None)):
            self.arrows.set_vertices(here["arrows"])
            self._arrow_vertices = here["arrows"]
        # a scene may hide the axes for a while (``view.axes_shown(s, t)``, 0 to 1): an
        # autoencoder's 1-unit code, drawn as a number line with its own values, has no plane
        # to name and no second scale
        shown_at = getattr(view, "axes_shown", None)
        k = 1.0 if shown_at is None else min(max(float(shown_at(view.stage, view.t)), 0.0), 1.0)
        arriving = min(max(2.0 * self._rename - 1.0, 0.0), 1.0)  # out, then in
        for name in self._leaving:
            self._show(name, self.OPACITY * k * min(max(1.0 - 2.0 * self._rename, 0.0), 1.0))
        for name, centre, on in zip(self.names, here["names"], here["shown"]):
            self._put(name, centre)
            self._show(name, self.OPACITY * k * arriving if on > 0.5 else 0.0)
        if not np.array_equal(here["bar"], getattr(self, "_bar_vertices", None)):
            self.bar.set_vertices(here["bar"])
            self._bar_vertices = here["bar"]
        self._put(self.bar_label, here["label"])
        for mob in (self.arrows, self.bar):
            mob.clip_box = self.picture
        if shown_at is not None and (k < 1.0 or getattr(self, "_dimmed", False)):
            self._show(self.bar_label, self.OPACITY * k)
            self.arrows.set_stroke(opacity=0.75 * k)
            self.bar.set_stroke(opacity=0.85 * k)
            for line in (self.arrows, self.bar):
                line.set_stroke(opacity=HALO_OPACITY * k * k, background=True)  # (as a fade's)
            self._dimmed = k < 1.0

    #: where the compass and the scale bar may go: (right?, top?) corners of the picture region
    BL, BR, TL, TR = (0, 0), (1, 0), (0, 1), (1, 1)
    #: (compass corner, bar corner) in the order preferred when two leave the picture as free
    PLACEMENTS = ((BL, BR), (TL, BR), (BL, TR), (TL, TR), (BR, BL), (TR, BL), (BR, TL), (TR, TL),
                  (BL, TL), (TL, BL), (BR, TR), (TR, BR))
    #: moments of a stage at which its geometry is looked at
    SAMPLES = 9

    def placement(self, view: FlowView, s: int) -> tuple:
        """``(compass corner, bar corner)`` for stage ``s``: the pair whose boxes cover the fewest
        data points and boundary (a curve counts more than a point) over the stage's moments,
        or the pair they are in now (glided to) while it covers at most :attr:`KEEP` more.

        A 3-D stage keeps the compass bottom left (its names turn with the view), or the view's
        ``corners_3d`` (a scene that knows the angles it shows its 3-D stages at).  The scores
        are cached per stage and region (the flow's geometry is fixed).
        """
        stages = view.flow.stages
        stage = stages[min(s, len(stages) - 1)]
        if stage.dim == 3:  # a scene may choose them for its view's 3-D stages (its angles)
            return getattr(view, "corners_3d", None) or self.PLACEMENTS[0]
        scores = self.scores(view, s)
        best = int(np.argmin(scores))  # the first of the least
        now = self._glide[1]
        if now in self.PLACEMENTS and scores[self.PLACEMENTS.index(now)] <= scores[best] + self.KEEP:
            return now
        return self.PLACEMENTS[best]

    def scores(self, view: FlowView, s: int) -> np.ndarray:
        """How much of stage ``s``'s picture each of :attr:`PLACEMENTS` covers (points, and
        boundary four times over), summed over its moments (its end, where a scene holds, and
        the first stage's start, the poster, three times)."""
        key = (s, tuple(self.box), id(view.frame_trace))
        cache = self.__dict__.setdefault("_scores", {})
        if key in cache:
            return cache[key]
        ends = np.eye(3)[:, :2] * self.ARROW
        shown_names = self.names
        self.names = [self._text(n, "name") for n in self.names_at(view, s, 1.0)[0]]
        radius = float(view.cloud.radius)
        x0, y0, x1, y1 = self.box
        scores = np.zeros(len(self.PLACEMENTS))
        length = self.length
        for t in np.linspace(0.0, 1.0, self.SAMPLES):
            # a stage's end is where a scene holds (and the first stage's start is the poster)
            weight = 3.0 if t == 1.0 or (s == 0 and t == 0.0) else 1.0
            points, lines = view.scene_geometry(s, t)
            inside = ((points[:, 0] > x0 - radius) & (points[:, 0] < x1 + radius)
                      & (points[:, 1] > y0 - radius) & (points[:, 1] < y1 + radius))
            points = points[inside]
            curve = np.concatenate(lines) if lines else np.zeros((0, 2))
            _, scale = view.screen_map(s, t)
            length = scale_length(length, scale, x1 - x0)
            for k, placed in enumerate(self.PLACEMENTS):
                for box in self.boxes(self._layout(placed, ends, 2, length * scale)):
                    scores[k] += weight * (count_in(points, box, radius)
                                           + 4.0 * count_in(curve, box, 0.05))
        self.names = shown_names
        cache[key] = scores
        return scores

    def boxes(self, layout: dict) -> list[tuple[float, float, float, float]]:
        """``(x0, y0, x1, y1)`` of the compass (arrows and shown names) and of the scale bar with
        its label, in a layout of :meth:`_layout`."""
        arrows = layout["arrows"][:, :2]
        lo, hi = arrows.min(axis=0), arrows.max(axis=0)
        for c, h, on in zip(layout["names"], layout["halves"], layout["shown"]):
            if on > 0.5:
                lo, hi = np.minimum(lo, c - h), np.maximum(hi, c + h)
        bar = layout["bar"][:, :2]
        c, h = layout["label"], layout["label_half"]
        blo, bhi = np.minimum(bar.min(axis=0), c - h), np.maximum(bar.max(axis=0), c + h)
        return [(lo[0], lo[1], hi[0], hi[1]), (blo[0], blo[1], bhi[0], bhi[1])]

    def _layout(self, placed: tuple, ends: np.ndarray, dims: int, bar_length: float) -> dict:
        """The arrows, names, bar and label where ``placed = (compass corner, bar corner)`` puts
        them (arrays, so that two layouts can be blended)."""
        x0, y0, x1, y1 = self.box
        (cx_, cy_), (bx_, by_) = placed
        # the compass: unit axes as the view projects them, the names past their tips; placed
        # relative to an origin first, then the whole moved into its corner
        rel, halves, shown = [], [], []
        for k, name in enumerate(self.names):
            d = ends[k]
            n = float(np.hypot(*d))
            # past the tip, by half the name's extent along the arrow plus a gap
            width, height = name.extent
            reach = 0.08 + 0.5 * (abs(d[0]) * width + abs(d[1]) * height) / max(n, 1e-9)
            rel.append(d * (1.0 + reach / max(n, 1e-9)) if n > 1e-3 else np.zeros(2))
            halves.append(np.array([width, height]) / 2)
            shown.append(n > 0.12 * self.ARROW)
        lo = np.minimum(ends[:dims].min(axis=0), 0.0)
        hi = np.maximum(ends[:dims].max(axis=0), 0.0)
        for c, h, on in zip(rel, halves, shown):
            if on:
                lo, hi = np.minimum(lo, c - h), np.maximum(hi, c + h)
        inset = self.PAD + 0.3
        ox = x1 - self.PAD - hi[0] if cx_ else x0 + inset
        oy = y1 - self.PAD - hi[1] if cy_ else y0 + inset
        origin = np.array([ox, oy, 0.0])
        segs = []
        for k in range(3):
            end = origin + np.array([ends[k, 0], ends[k, 1], 0.0]) if k < dims else origin
            segs.append(np.array([origin, end]))
        placed_names = self._apart([origin[:2] + c for c in rel], halves, shown)
        # the scale bar: along the bottom (label above it) or the top (label below it)
        tick = 0.06
        if bx_:
            right = x1 - self.PAD
            left = right - bar_length
        else:
            left = x0 + self.PAD
            right = left + bar_length
        label = self.bar_label
        w, h = (label.width / 2, label.height / 2) if label is not None else (0.1, 0.1)
        y = y1 - self.PAD if by_ else y0 + self.PAD
        cx = min(max((left + right) / 2, x0 + 0.05 + w), x1 - 0.05 - w)
        cy = y - tick - self.GAP - h if by_ else y + tick + self.GAP + h
        # in a narrow picture the names reach the bar's label: beside them, else past them
        names = [(c, hv) for c, hv, on in zip(placed_names, halves, shown) if on]
        if any(abs(cx - c[0]) < w + hv[0] + 0.12 and abs(cy - c[1]) < h + hv[1] + 0.04
               for c, hv in names):
            if cx >= np.mean([c[0] for c, _ in names]):
                clear = max(c[0] + hv[0] for c, hv in names) + 0.12 + w
                ok = clear <= x1 - 0.05 - w
            else:
                clear = min(c[0] - hv[0] for c, hv in names) - 0.12 - w
                ok = clear >= x0 + 0.05 + w
            if ok:
                cx = clear
            elif by_:
                cy = min(c[1] - hv[1] for c, hv in names) - 0.04 - h
            else:
                cy = max(c[1] + hv[1] for c, hv in names) + 0.04 + h
        bar = np.array([[left, y, 0], [right, y, 0], [left, y - tick, 0], [left, y + tick, 0],
                        [right, y - tick, 0], [right, y + tick, 0]], dtype=float)
        return {"arrows": np.concatenate(segs), "names": np.array(placed_names, dtype=float),
                "halves": np.array(halves, dtype=float).reshape(-1, 2),
                "shown": np.array(shown, dtype=float), "bar": bar,
                "label": np.array([cx, cy]), "label_half": np.array([w, h])}

    def _apart(self, centres, halves, shown, gap=(0.12, 0.15)) -> list[np.ndarray]:
        """The names' centres moved apart until no two shown names overlap (a tilted 3-D view
        foreshortens the arrows, and their tips come close), each kept inside the box: side by
        side, never stacked one over the other."""
        x0, y0, x1, y1 = self.box
        gap = np.asarray(gap, dtype=float)  # a word space between names side by side
        lo = np.array([x0 + 0.05, y0 + 0.05])
        hi = np.array([x1 - 0.05, y1 - 0.05])
        at = [np.clip(np.asarray(c, dtype=float), lo + h, hi - h) for c, h in zip(centres, halves)]
        idx = [k for k, on in enumerate(shown) if on]
        for _ in range(12):
            moved = False
            for m, i in enumerate(idx):
                for j in idx[m + 1:]:
                    d = at[j] - at[i]
                    over = halves[i] + halves[j] + gap - np.abs(d)
                    if (over <= 0).any():
                        continue
                    # side by side, a word space apart: names moved apart up and down stack
                    # into one block (x₂ over x₃ read as one label); left to right in the order
                    # of their arrows' tips
                    axis = 0
                    sign = 1.0 if d[axis] > 0 or (d[axis] == 0 and j > i) else -1.0
                    at[i][axis] -= sign * over[axis] / 2
                    at[j][axis] += sign * over[axis] / 2
                    moved = True
            at = [np.clip(c, lo + h, hi - h) for c, h in zip(at, halves)]
            if not moved:
                break
        return at

class TracedPolygons(VGroup):
    """Filled polygons of the input plane carried through a :class:`FlowView`'s stages.

    Each polygon's vertices are traced through the flow and joined by straight
    edges.  Exact for the linear regions of a piecewise-linear network
    (:func:`nnanim.core.regions.linear_regions`): on such a region every stage —
    ``A(t)·x``, ``+ t·b``, ``(1−t)·x + t·σ(x)``, the projections — is affine,
    so the region's image is the polygon of its vertices' images.  Add it with
    :meth:`FlowView.add_follower`.
    """

    def __init__(self, flow, polygons: Sequence[np.ndarray], colors: Sequence[str], *,
                 fill_opacity: float = 0.35, stroke_color=None, stroke_width: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.sizes = [len(p) for p in polygons]
        self.trace = flow.trace(np.concatenate(polygons)) if polygons else None
        for poly, color in zip(polygons, colors):
            part = VMobject(fill_color=color, fill_opacity=fill_opacity,
                            stroke_color=stroke_color or color, stroke_width=stroke_width)
            part.set_points_as_corners(_pad3(np.vstack([poly, poly[:1]])))
            self.add(part)
        # every polygon's edges at once: edge i of polygon k runs from vertex a[i] to b[i] of the
        # traced vertices (its last edge back to its first vertex), and its curves (4 points
        # each) are rows ends[k] to ends[k + 1] of the points follow() computes
        starts = np.cumsum([0, *self.sizes])
        self._a = np.arange(starts[-1])
        self._b = self._a + 1
        closing = np.array(self.sizes) > 0
        self._b[(starts[1:] - 1)[closing]] = starts[:-1][closing]
        self._ends = 4 * starts

    def follow(self, view: FlowView) -> None:
        """Every polygon at the view's stage: the corners Manim's ``set_points_as_corners`` gives,
        for all polygons in one pass (the same numbers, without a Manim call per polygon per frame)."""
        if self.trace is None:
            return
        P = view.to_scene(self.trace.at(view.stage, view.t))
        a, b = P[self._a], P[self._b]
        points = np.empty((4 * len(a), 3))
        for j, t in enumerate(self.submobjects[0]._bezier_t_values if self.submobjects else ()):
            points[j::4] = (1 - t) * a + t * b  # manim.utils.bezier.interpolate, as Manim does it
        ends = self._ends
        for k, part in enumerate(self.submobjects):
            part.points = points[ends[k]:ends[k + 1]]


class OpacityFade(Animation):
    """Fade a mobject in (or out) by scaling its opacities in place: no copies.

    Manim's ``FadeIn``/``FadeOut`` deep-copy the whole family first, which for
    a :class:`FlowView` means copying every traced stage state.
    """

    def __init__(self, mobject: Mobject, fade_in: bool = True, **kwargs) -> None:
        self.fade_in = fade_in
        super().__init__(mobject, introducer=fade_in, remover=not fade_in, **kwargs)

    def begin(self) -> None:
        self._saved = saved_opacities(self.mobject)
        super().begin()

    def create_starting_mobject(self) -> Mobject:
        return Mobject()  # nothing to copy: opacities are saved in begin()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        scale_opacities(self._saved, a if self.fade_in else 1.0 - a)

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        if not self.fade_in:  # restore, so the removed mobject can be shown again
            scale_opacities(self._saved, 1.0)


class _WipePlan:
    """One swap's plan, shared by its two sides: which glyphs the two texts share in place."""

    #: the share of the swap the old glyphs take to go (the new ones come in the rest)
    OUT = 0.4
    #: how far a glyph moves going (up) and coming (from below): a third of a line, as a share of
    #: its text's tallest glyph (about 0.8 of a line from the top of an "l" to the foot of a "y")
    LIFT = 0.4

    def __init__(self) -> None:
        #: glyphs drawn alike in both texts, by their outline: they stay (``shown`` 1 for the old
        #: one until the swap ends, then the new one): the words the two texts share, in the
        #: same place ("layer 1 · " of "layer 1 · W·x" and "layer 1 · + b"), are not retyped
        self.outlines: dict[str, dict[bytes, int]] = {"old": {}, "new": {}}
        self.keys: dict[int, bytes] = {}  # each glyph's outline, by its id

    @staticmethod
    def outline(glyph: Mobject) -> bytes:
        """A glyph's outline and place, to 1/1000 of a unit, and its colour: equal for the same
        letter drawn in the same place."""
        points = np.round(np.asarray(glyph.points, dtype=float) * 1000.0).astype(np.int64)
        colour = np.round(np.asarray(glyph.fill_rgbas, dtype=float)[:1, :3] * 255.0)
        return points.tobytes() + colour.astype(np.int64).tobytes()

    def glyphs(self, side: str, mobject: Mobject) -> list:
        """``[(glyph, lift)]`` of a text mobject's glyphs, recorded in the plan: ``lift`` is how
        far the glyph moves (:attr:`LIFT` of its text's tallest glyph)."""
        from manim import Text

        drawn = mobject.family_members_with_points()
        tallest = {}
        for t in mobject.get_family():
            if isinstance(t, Text):
                parts = t.family_members_with_points()
                h = max((float(np.ptp(np.asarray(g.points, dtype=float)[:, 1])) for g in parts), default=0.0)
                for g in parts:
                    tallest.setdefault(id(g), h)
        whole = max((float(np.ptp(np.asarray(g.points, dtype=float)[:, 1])) for g in drawn), default=0.0)
        out = []
        for part in drawn:
            out.append((part, self.LIFT * tallest.get(id(part), whole)))
            key = self.keys[id(part)] = self.outline(part)
            self.outlines[side][key] = self.outlines[side].get(key, 0) + 1
        return out

    def kept(self, glyph: Mobject) -> bool:
        """Whether ``glyph`` is drawn alike in both texts (once in each: a letter repeated in
        one place is no match)."""
        key = self.keys[id(glyph)]  # (outlined once, as the plan recorded it)
        return self.outlines["old"].get(key) == 1 and self.outlines["new"].get(key) == 1

    def place(self, side: str, a: float) -> tuple[float, float]:
        """``(shown, rise)`` of a glyph not kept at ``a`` (0 to 1, at one speed) of the swap: how
        much of it is shown, and how far up it is, in lifts, from its place.  An old glyph goes
        up while it fades out in the first :attr:`OUT` of the swap (gathering speed: it leaves);
        a new one rises from a lift below into place while it fades in, in the rest (slowing:
        it settles).  An old glyph is gone before any new one shows: never two texts at once."""
        a = min(max(float(a), 0.0), 1.0)
        if side == "old":
            x = min(a / self.OUT, 1.0)
            return 1.0 - x ** 3, x * x  # fading slowly at first: the line stays full longest
        if a <= self.OUT:
            return 0.0, -1.0
        x = (a - self.OUT) / (1.0 - self.OUT)
        # eased out: soon visible, settling into place; never ahead of what fades in beside the
        # new words over the swap (``smooth``: layers' rings come with the words, never after)
        return min(1.0 - (1.0 - x) ** 3, smooth(a)), -(1.0 - x) ** 2


#: the longest a text swap takes, whatever the play it is part of: mid-swap a line shows part of
#: one text and part of another, which reads as garbled (review 5: activations' title swaps took
#: 0.9 s, half an old and half a new title most of it); 0.35 s is five frames at 15 fps, read as
#: one change.  A longer play holds the old text before the swap or the new one after it
#: (:meth:`GlyphWipe.window`)
WIPE_SECONDS = 0.35


class GlyphWipe(OpacityFade):
    """One side of a text swap played as a push, as motion graphics do: the glyphs both texts
    share in place stay lit and still; every other old glyph moves up a third of a line while
    it fades out (the first :attr:`_WipePlan.OUT` of the swap, about 0.14 s), then the new ones
    rise from a third of a line below into place while they fade in (about 0.2 s).  Never a
    cross-fade (two texts in one place at half opacity read as neither), never half of one
    text and half of another on a line (a left-to-right wipe did that for five frames: "relu:
    linear  tions", reviews 5 and 6): at no moment are an old glyph and a new one (not shared)
    both shown.  The short gap between them (about 0.1 s with less than 60 % of the ink, as
    rendered) reads, with the motion, as a deliberate change, not a blink (out, then in, with
    no motion and the line faint for 0.3 s, did).

    The swap takes at most :data:`WIPE_SECONDS`, at one speed (each phase eases its own
    motion).  It starts with the play, or (``until``) it ends ``until`` seconds into it, when
    the caller wants the new text in.

    Made by :func:`text_wipe`; ``fade_in`` says the side (the new text comes in).
    """

    def __init__(self, mobject: Mobject, plan: _WipePlan, fade_in: bool,
                 until: float | None = None, **kwargs) -> None:
        self.plan = plan
        self.side = "new" if fade_in else "old"
        self.until = until
        self._glyphs = plan.glyphs(self.side, mobject)  # where they are as the swap is made
        kwargs.pop("rate_func", None)  # (the window below is the swap's timing)
        super().__init__(mobject, fade_in=fade_in, **kwargs)
        self.rate_func = self.window(self.run_time)

    def window(self, run_time: float):
        """The swap's progress (0 to 1) at each share of a play of ``run_time`` seconds:
        :data:`WIPE_SECONDS` at most, from the play's start or up to ``until``."""
        run_time = max(float(run_time), 1e-9)
        if self.until is None:
            start, end = 0.0, min(WIPE_SECONDS, run_time)
        else:
            end = min(max(float(self.until), 0.0), run_time)
            start = max(end - WIPE_SECONDS, 0.0)
        start, end = start / run_time, end / run_time

        def rate(alpha: float) -> float:
            if end <= start:
                return float(alpha >= end)
            return min(max((alpha - start) / (end - start), 0.0), 1.0)

        return rate

    def level(self, alpha: float) -> float:
        """How much of this side's glyphs not shared with the other text is shown at ``alpha`` of
        the play (the new text's: 0 until the old one has gone)."""
        return self.plan.place(self.side, self.rate_func(alpha))[0]

    def begin(self) -> None:
        self.rate_func = self.window(self.run_time)  # (the play's run time is known now)
        self._each = [saved_opacities(glyph) for glyph, _ in self._glyphs]
        self._kept = [self.plan.kept(glyph) for glyph, _ in self._glyphs]
        self._points = [glyph.points.copy() for glyph, _ in self._glyphs]  # (moved, then put back)
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        whole = float(self.side == "new") if a >= 1.0 else float(self.side == "old")
        shown, rise = self.plan.place(self.side, a)
        for (glyph, lift), saved, kept, points in zip(self._glyphs, self._each, self._kept, self._points):
            if kept:
                scale_opacities(saved, whole)
                continue
            scale_opacities(saved, shown)
            moved = points.copy()
            moved[:, 1] += rise * lift
            glyph.points = moved

    def clean_up_from_scene(self, scene) -> None:
        for (glyph, _), points in zip(self._glyphs, self._points):
            glyph.points = points  # in place, whatever the last frame drawn (the old text may return)
        super().clean_up_from_scene(scene)


def is_text(mobject: Mobject) -> bool:
    """Whether everything ``mobject`` draws is Pango text (a caption, a line, a header)."""
    from manim import Text

    drawn = {id(m) for m in mobject.family_members_with_points()}
    if not drawn:
        return False
    in_text = {id(m) for t in mobject.get_family() if isinstance(t, Text)
               for m in t.family_members_with_points()}
    return drawn <= in_text


def text_wipe(old: Sequence[Mobject], new: Sequence[Mobject], until: float | None = None,
              **kwargs) -> list[Animation]:
    """The animations of one swap (a push) from the texts ``old`` to the texts ``new``
    (:class:`GlyphWipe`: at most :data:`WIPE_SECONDS`, from the play's start, or ending
    ``until`` seconds into it);
    ``kwargs`` for every side (``run_time``: the play's, where known before it plays)."""
    plan = _WipePlan()
    return ([GlyphWipe(m, plan, fade_in=False, until=until, **kwargs) for m in old]
            + [GlyphWipe(m, plan, fade_in=True, until=until, **kwargs) for m in new])


def saved_opacities(mobject: Mobject) -> list:
    """The opacities of ``mobject``'s family as they are now, to scale them in place
    (:func:`scale_opacities`; :class:`OpacityFade`, a panel's axes fading in a regrid)."""
    saved = []
    for mob in mobject.get_family():
        if isinstance(mob, VMobject):
            saved.append((mob, mob.fill_rgbas[:, 3].copy(), mob.stroke_rgbas[:, 3].copy(),
                          mob.background_stroke_rgbas[:, 3].copy()))
        elif hasattr(mob, "opacity"):
            saved.append((mob, mob.opacity, None, None))
    return saved


def scale_opacities(saved: list, k: float) -> None:
    """Each saved opacity times ``k`` (1: restored), a line's halo (its background stroke) times
    ``k²``; a part whose colours were replaced since (another count of them) is left alone."""
    for mob, fill, stroke, halo in saved:
        if stroke is None:
            mob.opacity = fill * k
        elif len(fill) == len(mob.fill_rgbas) and len(stroke) == len(mob.stroke_rgbas):
            mob.fill_rgbas[:, 3] = fill * k
            mob.stroke_rgbas[:, 3] = stroke * k
            if len(halo) == len(mob.background_stroke_rgbas):
                # a halo fades as the square of its line: never more visible than the line (a dark
                # band where a faint white line fades in or out, at the same k, read as a smear)
                mob.background_stroke_rgbas[:, 3] = halo * k * k


class StagePlay(Animation):
    """Run stage ``s`` of a :class:`FlowView` from t = 0 to 1.

    ``spin`` turns the 3-D view by that many radians meanwhile (at constant
    speed, so consecutive stages orbit smoothly).
    """

    def __init__(self, view: FlowView, stage: int, rate_func=smooth, spin: float = 0.0,
                 **kwargs) -> None:
        self.view = view
        self.stage_index = stage
        self.spin = spin
        super().__init__(view, rate_func=rate_func, **kwargs)

    def begin(self) -> None:
        # no copy of the starting mobject: positions come from the flow, not interpolation
        self.azim0 = self.view.azim
        self.view.set_stage(self.stage_index, 0.0)

    def interpolate_mobject(self, alpha: float) -> None:
        if self.spin:
            self.view.azim = self.azim0 + self.spin * alpha
        self.view.set_stage(self.stage_index, self.rate_func(alpha))

    def finish(self) -> None:
        self.interpolate_mobject(1.0)


class ViewTurn(Animation):
    """Tilt/turn the 3-D view of a :class:`FlowView` to new angles (radians)."""

    def __init__(self, view: FlowView, elev: float | None = None, azim: float | None = None,
                 **kwargs) -> None:
        self.view = view
        self.target = (elev, azim)
        super().__init__(view, **kwargs)

    def begin(self) -> None:
        self.start = (self.view.elev, self.view.azim)
        super().begin()

    def create_starting_mobject(self) -> Mobject:
        return Mobject()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        (e0, z0), (e1, z1) = self.start, self.target
        e1 = e0 if e1 is None else e1
        z1 = z0 if z1 is None else z1
        self.view.set_view_angles((1 - a) * e0 + a * e1, (1 - a) * z0 + a * z1)

    def clean_up_from_scene(self, scene) -> None:
        pass
