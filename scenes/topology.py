"""Why width matters: width-2 layers cannot pull a disk out of its ring; width-3 layers lift it out in 3-D.

Storyboard (after Olah, "Neural Networks, Manifolds, and Topology", 2014):
the disk inside the ring; then a network of width-2 tanh layers (``--hidden``,
default ``2,2``) plays every stage, its plane shaded on both sides of its
curve p = 0.5 (as the poster's shading leaves; until the best line's output
shading comes): each layer bends and stretches the plane but cannot tear it.  Just before the last tanh (which jams the points
against the edges of its square, where a class drawn over the other would
hide it) the picture holds: the ring still surrounds the disk, and the points
the network gets wrong are ringed, drawn over the others; they stay ringed
through the squeeze and beside the best straight line, which leaves them on
the wrong side (its accuracy stated; the words say what the squeezed square
shows: both classes jammed into one corner).
Then back to the input (the width-2 picture out, then the width-3 input in,
never both at once), held while the words say what changed: the same network
one unit wider (every layer of width 3, trained on the same data with the same
seed and options), its plane shaded on both sides of its closed curve p = 0.5
(each side in its class's colour, carried with the plane through every stage,
into 3-D, where the disk's side leaves the ring's).  The view turns and tilts a little as the plane enters 3-D,
the layers pull the disk out of the ring, and one plane separates them while
the camera orbits, from a tilt that never shows that plane edge-on; the orbit
slows to rest and the settled view is held to the end.  Axis names and scale
bars keep to the picture's corners and move between them by fading out and in.
Both networks are trained; both accuracies are recomputed; the closing words
speak only of the width-3 picture shown.  Every width-2 stage's beat lasts 2 s
or more, as long as its words take to read (the width-3 run repeats those steps
at 0.7 of `layers`' pace, the pace its 3-D corners are chosen for); a tall frame has
a key (the classes' colours and the curve p = 0.5) between picture and header.

Render with ``nnanim render topology`` (options: ``nnanim render --help``).
"""

import functools
import itertools

import numpy as np
from nnanim.scenes.layers import ORBIT, PACE
from nnanim.scenes.multiclass import MulticlassScene

from nnanim.core.notation import word
from nnanim.core.projection import smoothstep
from nnanim.errors import NnanimError

#: the width-2 run's stages play at `layers`' pace (at 0.7 of it, its first layer's steps went by in a second
#: each, too fast to follow) ...
STAGE_PACE = 1.0
#: ... and no width-2 stage's beat is shorter than this (seconds): a beat per idea, with its
#: words (a ``+ b`` took 1.1 s); the lift into 3-D, a beat of its own (``BEATS["lift"]``), aside
MIN_BEAT = 2.0
#: the width-3 run's stages: the same steps again, their words read once already, at the pace
#: (0.7 of layers') its 3-D corners were chosen for: played longer, the orbit turned further,
#: and the compass of a short run's 1:1 picture landed on its points (corners_3d's single pair
#: of corners for every 3-D stage holds for this turn, not for every one)
WIDE_PACE, WIDE_LEAST = 0.7, 0.0
#: seconds of the beats outside the stages
BEATS = {"intro": 2.0, "ringed": 0.8, "before": 2.5, "settle": 1.6, "line": 1.4, "look": 2.5,
         "switch": 3.0, "orbit": 4.0, "end": 3.0,
         "hold": 2.0, "lift": 2.0}
#: the units of every hidden layer of the narrow network and of its wide twin
NARROW, WIDE = 2, 3
#: a ring around a misclassified point: this many point radii across
RING = 2.1
#: the separating plane's rectangle reaches this share of the points' spread beyond them
PLANE_MARGIN = 0.15
#: the separating plane's fill (the boundary's colour): a light sheet, the points seen through it
PLANE_FILL = 0.2
#: what the best line's beat says after tanh's squeeze, when points of both classes pile up in one
#: corner of its square (:meth:`TopologyScene.jammed_corner`)
JAMMED = "both classes jammed into one corner: no line splits them"
#: points of each class, at least, within JAM_NEAR (per axis) of one corner of tanh's square
JAM, JAM_NEAR = 5, 0.02
#: seconds the width-2 picture takes to fade out at the switch to width 3, and then the width-3
#: input plane to fade in (out, then in: a dissolve read as two pictures at once)
SWITCH_FADE = 0.45
#: the words of the lift into 3-D: what the picture shows (the view turns by some 75 degrees and
#: tilts by 20, the least tilt that keeps the separating plane off edge-on over the final orbit)
LIFT_WORDS = ("the plane enters a 3-D space, still flat; the view turns and tilts a little, "
              "the third direction pointing up")
#: the words of the way back from the width-2 result to the input plane (as the other scenes say)
BACK = "back to the input"
#: the separating plane shows at least this share of its own area at every moment of the final
#: orbit (edge-on it is a line); the tilts (degrees) from which the view may see it
PLANE_FACE, PLANE_TILTS = 0.35, (20, 30, 40, 50, 60, 70)
#: seconds of orbit either side of the estimated final orbit over which the plane is kept in view
PLANE_SLACK = 3.0
#: the least gap between two axis names' glyph boxes in the 3-D compass (scene units: about a
#: name's height; at a word space, 0.12, "h₁ h₃" read as one label)
NAMES_APART = 0.24
#: seconds the compass and the scale bar take to move to other corners: out, then in
HOP = 0.8
#: the class regions' fill on the width-3 network's plane, each side of the curve p = 0.5 in its
#: class's colour, carried through every stage into 3-D (:func:`sides_fill`): light, the grid and
#: points read through it; in tiles, one a cell of the plane's grid (SIDE_CELLS a side, as
#: FlowView draws it: the tiles' edges lie under its lines), each contoured on SIDE_SAMPLES
#: samples across
SIDE_FILL, SIDE_CELLS, SIDE_SAMPLES = 0.2, 24, 6
#: vertices a closed boundary curve is drawn on past its start (:func:`close_loops`)
LOOP_OVERLAP = 4
#: seconds the poster's shading takes to leave, ending as the first stage starts (slowly: a
#: whole picture fading in a few frames reads as a jump)
POSTER_FADE = 0.8


def stage_seconds(kind: str, pace: float = STAGE_PACE, least: float = MIN_BEAT) -> float:
    """Seconds of a stage of ``kind`` played at ``pace``: ``layers``' (:data:`PACE`), at least
    ``least``; the lift into 3-D, which plays inside a beat of its own, as it is."""
    seconds = PACE[kind] * pace
    return seconds if kind == "lift" else max(seconds, least)


def least_beat(view) -> float:
    """The shortest stage beat of ``view``: :data:`MIN_BEAT`, or :data:`WIDE_LEAST` for the
    width-3 run (``view.again``), which repeats steps already explained."""
    return WIDE_LEAST if getattr(view, "again", False) else MIN_BEAT


def close_loops(view, overlap: int = LOOP_OVERLAP) -> None:
    """Draw each closed curve of ``view``'s boundary (its ends on one input point) on past its
    start by ``overlap`` vertices: one stroke through the point where it began, joined there as
    anywhere else; every join round.  (Ended there, its two butt ends met at an angle where 3-D turned it
    sharply, and the dark halo showed between them: a gap in the loop.)"""
    B, trace = view.boundary, view.boundary_trace
    if B is None or trace is None or not len(B._a):
        return
    X = np.asarray(trace.points, dtype=float)
    a = np.asarray(B._a)
    cut = np.flatnonzero(np.diff(a) != 1) + 1  # a new line starts at these segments
    starts = a[np.r_[0, cut]]
    ends = a[np.r_[cut - 1, len(a) - 1]] + 2
    lines = []
    for s0, e0 in zip(starts, ends):
        L = X[s0:e0]
        if len(L) > overlap + 3 and np.allclose(L[0], L[-1], atol=1e-12, rtol=0.0):
            L = np.vstack([L, L[1:1 + overlap]])
        lines.append(L)
    B.set_lines(lines)
    # round joins: at a turn as sharp as the loop's in 3-D, the dark halo's miter (2.4 times
    # the line's width) stuck out past the line's as a dark spot on the loop
    from manim import LineJointType

    B.joint_type = LineJointType.ROUND
    view.boundary_trace = view.flow.trace(np.concatenate(lines))
    view.set_stage(view.stage, view.t)


def class_sides(net, bounds, cells: int = SIDE_CELLS, per_cell: int = SIDE_SAMPLES) \
        -> list[tuple[int, list[np.ndarray]]]:
    """The input plane's class regions of a two-class network over ``bounds = (xmin, xmax, ymin,
    ymax)``, cut into tiles: ``[(class, rings)]``, one a tile, its rings closed ``(M, 2)`` (its
    outline anticlockwise, any holes clockwise).  Contoured (filled, with contourpy) on the
    logit sampled ``per_cell`` times across each of ``cells × cells`` cells (class 1 where it is
    positive, ``p > 0.5``; class 0 elsewhere), every cell a tile of its own, cut exactly along
    the curve p = 0.5 (a cell is small enough that its image under the layers does not fold)."""
    import contourpy

    x0, x1, y0, y1 = bounds
    n = cells * per_cell + 1
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(x, y)
    z = net.forward(np.column_stack([X.ravel(), Y.ravel()])).logits[:, 0].reshape(X.shape)
    gen = contourpy.contour_generator(x, y, z, fill_type="OuterOffset", chunk_size=per_cell)
    big = float(np.abs(z).max()) + 1.0
    out = []
    for cls, (lo, hi) in enumerate(((-big, 0.0), (0.0, big))):
        polys, offsets = gen.filled(lo, hi)
        for P, off in zip(polys, offsets):
            rings = []
            for k, (a, b) in enumerate(zip(off[:-1], off[1:])):
                ring = np.asarray(P[a:b], dtype=float)
                if len(ring) > 1 and np.allclose(ring[0], ring[-1]):
                    ring = ring[:-1]
                if len(ring) < 3:
                    continue
                if (_area(ring) > 0) != (k == 0):  # the outline anticlockwise, holes clockwise
                    ring = ring[::-1]
                rings.append(ring)
            if rings:
                out.append((cls, rings))
    return out


def _area(ring: np.ndarray) -> float:
    """The signed area of a closed ring ``(M, 2+)``: positive anticlockwise."""
    return 0.5 * float(np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1]))


def flow_binary(view) -> bool:
    """Whether ``view`` shows a two-class network's input plane (what :func:`sides_fill` shades)."""
    grid = getattr(view, "grid_bounds", None)
    return view.flow.network.task == "binary" and grid is not None and len(grid) == 4


def fade_in_sides(scene, sides, hold: float, fade: float) -> None:
    """``sides`` (:func:`sides_fill`) hidden for the first ``hold`` seconds of ``scene``, then in
    over ``fade`` seconds, timed as :func:`~nnanim.draw.posters.poster_shading` times the
    poster's shading out (the same seconds: one shading handed to the other)."""
    pace = float(getattr(scene, "pace", 1.0))
    start, hold, fade = scene.story_time, hold * pace, fade * pace
    for part in sides.submobjects:
        part.set_fill(opacity=0.0)

    def fade_in(mob, dt):
        k = min(max((scene.story_time - start - hold) / max(fade, 1e-9), 0.0), 1.0)
        for part in mob.submobjects:
            part.set_fill(opacity=SIDE_FILL * k)
        if k >= 1.0:
            mob.clear_updaters()

    sides.add_updater(fade_in)


def full_sides(sides) -> None:
    """``sides`` shown whole now, its fade-in done (a stage's play suspends the updaters of the
    view it moves: a fade cut short there would stay)."""
    if sides is None or not sides.updaters:
        return
    sides.clear_updaters()
    for part in sides.submobjects:
        part.set_fill(opacity=SIDE_FILL)


def sides_fill(view, theme, opacity: float = SIDE_FILL):
    """Both sides of ``view``'s curve p = 0.5 shaded, each in its class's colour, over the input
    plane's grid box, carried through every stage with the plane (a follower of the view:
    :meth:`FlowView.add_follower`), into 3-D too, where the disk's side leaves the ring's."""
    return sides_fill_class()(view, theme, opacity)


@functools.cache
def sides_fill_class():
    from manim import ManimColor, VGroup, VMobject

    class SidesFill(VGroup):
        """The class regions of the input plane (:func:`class_sides`), their tiles traced
        through the flow and joined straight, one VMobject a class, each tile a subpath of it
        wound anticlockwise on screen (its holes the other way): Cairo's nonzero fill covers
        their union once, with no seam between tiles, where the sheet folds over itself too.
        (Filled as one outline, the ring's side, whose outline tanh squeezes into a corner,
        covered almost nothing of its sheet in 3-D.)"""

        def __init__(self, view, theme, opacity: float) -> None:
            super().__init__()
            flow = view.flow
            self.regions = class_sides(flow.network, view.grid_bounds)
            colours = theme.class_rgb(2)
            # the tiles, class by class; every ring's edges forward (a → b) and, in the same
            # rows, backward (the ring reversed), with the tile each edge belongs to and whether
            # it is on the tile's outline (its first ring)
            order = sorted(range(len(self.regions)), key=lambda k: self.regions[k][0])
            rings, fa, fb, ra, rb, tile_of, outline, self.rows = [], [], [], [], [], [], [], {}
            start = 0
            for n, k in enumerate(order):
                cls, tile = self.regions[k]
                first = len(fa) and sum(map(len, fa))
                for j, r in enumerate(tile):
                    i = start + np.arange(len(r))
                    fa.append(i)
                    fb.append(np.roll(i, -1))
                    ra.append(i[::-1])
                    rb.append(np.roll(i[::-1], -1))
                    tile_of.append(np.full(len(r), n))
                    outline.append(np.full(len(r), j == 0))
                    rings.append(r)
                    start += len(r)
                lo, hi = self.rows.get(cls, (first, first))
                self.rows[cls] = (min(lo, first), sum(map(len, fa)))
            self.trace = flow.trace(np.concatenate(rings)) if rings else None
            if rings:
                self.fa, self.fb, self.ra, self.rb = (np.concatenate(v) for v in (fa, fb, ra, rb))
                self.tile_of, self.outline = np.concatenate(tile_of), np.concatenate(outline)
                self.n_tiles = len(order)
            for cls in (0, 1):
                part = VMobject(fill_color=ManimColor(colours[cls]), fill_opacity=opacity,
                                stroke_width=0.0)
                part.cls = cls
                self.add(part)

        def follow(self, view) -> None:
            if self.trace is None:
                return
            P = view.to_scene(self.trace.at(view.stage, view.t))
            cross = P[self.fa, 0] * P[self.fb, 1] - P[self.fb, 0] * P[self.fa, 1]
            area = np.bincount(self.tile_of[self.outline], cross[self.outline],
                               minlength=self.n_tiles)
            flip = (area < 0)[self.tile_of]  # a tile seen wound clockwise: each ring reversed
            A = P[np.where(flip, self.ra, self.fa)]
            B = P[np.where(flip, self.rb, self.fb)]
            t = np.array([0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0])[None, :, None]
            curves = ((1 - t) * A[:, None, :] + t * B[:, None, :]).reshape(-1, 3)
            for part in self.submobjects:
                lo, hi = self.rows.get(part.cls, (0, 0))
                part.points = curves[4 * lo:4 * hi]

    return SidesFill


class Settle:
    """A view's framing (its ``frame_trace``) that, over stage ``stage`` (one where nothing moves:
    the output's), eases from where the camera was left to the points' own box.

    tanh's squeeze shrinks the data more than ten times in one stage; the camera's zoom, bounded
    in rate, is still far out when it ends, and holds there over the output stage, where nothing
    moves: the jammed ring and disk filled about a sixth of the picture.  Played, this stage
    zooms in (log-linear, smoothstepped) until the points fill the picture (with the framing's
    margin); every other moment is the wrapped framing's own.
    """

    def __init__(self, trace, points, stage: int, margin: float) -> None:
        self.trace, self.points, self.stage, self.margin = trace, points, int(stage), float(margin)

    def framing_box(self, s: int, t: float):
        centre, halves = self.trace.framing_box(s, t)
        if s != self.stage:
            return centre, halves
        t = min(max(float(t), 0.0), 1.0)
        P = self.points.at(s, 1.0)
        lo, hi = P.min(axis=0), P.max(axis=0)
        goal = 0.5 * (hi - lo)
        goal = np.maximum(goal + float(goal.max()) * self.margin, 1e-6)
        ease = t * t * (3.0 - 2.0 * t)
        start_c, start_h = np.asarray(centre, dtype=float), np.asarray(halves, dtype=float)
        centre = (1.0 - ease) * start_c + ease * 0.5 * (lo + hi)
        halves = np.exp((1.0 - ease) * np.log(start_h) + ease * np.log(goal))
        return centre, halves

    def framing(self, s: int, t: float):
        centre, halves = self.framing_box(s, t)
        return centre, float(np.max(halves))

    def framing_support(self, s: int, t: float):
        return self.trace.framing_support(s, t)


def segment_hits(a, b, lo, hi) -> bool:
    """Whether the segment from ``a`` to ``b`` (2-D) passes through the open box ``lo``–``hi``.

    Exact (the segment clipped to the box's slabs, as Liang and Barsky clip a line): it is asked
    for every arrow at every spot a name may take, hundreds of thousands of times a walk, and a
    sampled test (48 points a segment, in arrays) was most of a topology plan pass's time."""
    t0, t1 = 0.0, 1.0
    for k in range(2):
        p, d = float(a[k]), float(b[k]) - float(a[k])
        low, high = float(lo[k]), float(hi[k])
        if d == 0.0:
            if not low < p < high:
                return False
            continue
        u0, u1 = (low - p) / d, (high - p) / d
        if u0 > u1:
            u0, u1 = u1, u0
        t0, t1 = max(t0, u0), min(t1, u1)
        if t0 >= t1:
            return False
    return True


def clear_axes(view) -> None:
    """Give ``view`` a compass whose names lie clear of its arrows (:func:`clear_axes_class`),
    in the same corners, with the same scale."""
    old = view.axes
    Clear = clear_axes_class()
    if old is None or isinstance(old, Clear):
        return
    axes = Clear(view)
    axes.set_box(old.box, old.picture)
    own = getattr(view, "axes_shown", None)  # (a hop's fade, over the scene's own, if any)
    view.axes_shown = lambda s, t: axes._hop_level * (1.0 if own is None else own(s, t))
    view.submobjects[view.submobjects.index(old)] = axes
    view.axes = axes
    view.set_stage(view.stage, view.t)


@functools.cache
def clear_axes_class():
    from nnanim.draw.mobjects import SpaceAxes

    class Clear(SpaceAxes):
        """A compass whose names lie clear of every arrow and of each other: a tilted 3-D view
        foreshortens the arrows, and names put past their tips had an arrow run through them
        (``h₃`` crossed by ``h₁``'s), or touched each other.  Each name crossed by an arrow, or
        on another name or the scale's label, moves to the nearest free spot around where it
        was (preferring away from the compass's origin), inside the picture; two names keep
        :data:`NAMES_APART`.  A move to other corners is a hop (:meth:`hop`), not a glide."""

        _hop_level = 1.0
        #: clearance of a name's glyph box from an arrow or the scale's label (scene units)
        CLEAR = 0.1
        #: clearance between two names' glyph boxes: about a name's height (the base class's
        #: word space, 0.12, left "h₁ h₃" reading as one label, their halos touching)
        APART = NAMES_APART
        #: seconds of a move from one pair of corners to another: out where they were, then in
        #: where they go (:meth:`_place`)
        GLIDE = HOP

        def _apart(self, centres, halves, shown, gap=None):
            return super()._apart(centres, halves, shown, (self.APART, self.APART) if gap is None else gap)

        def hop(self):
            """``(placement, opacity)`` of a move between corners now: the first half fades the
            axes out where they were, the second in where they go (gliding, the compass and the
            scale bar slid across the data for most of a second), hidden for the middle fifth;
            None when no move runs."""
            weights, to, a = self._glide
            if a >= 1.0 or not weights:
                return None
            was = max(weights, key=weights.get)
            if was == to:
                return None
            if a < 0.5:
                return was, smoothstep((0.4 - a) / 0.4)
            return to, smoothstep((a - 0.6) / 0.4)

        def placement(self, view, s):
            """As the base class places them, but the lift into 3-D seen from above (the input
            plane, held after the switch to the width-3 network, before the view tilts) is the
            input's picture: the axes take its own freest corners, as a 2-D stage's (kept at
            the 3-D stages' corners, the compass lay on the input's boundary in a low, wide
            picture); they move to the 3-D corners as the view turns (a hop)."""
            stages = view.flow.stages
            stage = stages[min(s, len(stages) - 1)]
            if not (stage.kind == "lift" and view.elev == 0.0 and view.azim == 0.0):
                return super().placement(view, s)
            scores = self.scores(view, s)
            best = int(np.argmin(scores))
            now = self._glide[1]
            if now in self.PLACEMENTS and scores[self.PLACEMENTS.index(now)] <= scores[best] + self.KEEP:
                return now
            return self.PLACEMENTS[best]

        def forget(self) -> None:
            """Placed anew where the view's stage puts them when next they follow it, with no
            move (a view whose 3-D corners are chosen after its axes were first placed: the
            compass hopped to them in the middle of the width-3 input's hold)."""
            self._glide = ({}, None, 1.0)

        def _place(self, view, ends, dims, scale):
            hop, glide = self.hop(), self._glide
            self._hop_level = 1.0
            if hop is not None:
                self._glide, self._hop_level = ({}, hop[0], 1.0), hop[1]
            try:
                super()._place(view, ends, dims, scale)
            finally:
                self._glide = glide

        def _layout(self, placed, ends, dims, bar_length):
            out = super()._layout(placed, ends, dims, bar_length)
            arrows = out["arrows"].reshape(-1, 2, 3)[:, :, :2]
            segs = [(a, b) for a, b in arrows[:dims] if np.hypot(*(b - a)) > 1e-3]
            origin = arrows[0, 0]
            names, halves = out["names"].copy(), out["halves"]
            shown = [k for k in range(len(names)) if out["shown"][k] > 0.5]
            x0, y0, x1, y1 = self.box
            label_lo = out["label"] - out["label_half"] - self.CLEAR
            label_hi = out["label"] + out["label_half"] + self.CLEAR

            def free(k, c):
                h = halves[k] + self.CLEAR
                lo, hi = c - h, c + h
                if lo[0] < x0 + 0.05 - self.CLEAR or lo[1] < y0 + 0.05 - self.CLEAR \
                        or hi[0] > x1 - 0.05 + self.CLEAR or hi[1] > y1 - 0.05 + self.CLEAR:
                    return False
                if any(segment_hits(a, b, lo, hi) for a, b in segs):
                    return False
                if np.all(lo < label_hi) and np.all(label_lo < hi):
                    return False
                return not any(np.all(np.abs(c - names[j]) < halves[k] + halves[j] + self.APART)
                               for j in shown if j != k)

            angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
            ring = np.column_stack([np.cos(angles), np.sin(angles)])
            for k in shown:
                if free(k, names[k]):
                    continue
                away = names[k] - origin
                away = away / max(float(np.hypot(*away)), 1e-9)
                for r in np.arange(0.02, 0.8, 0.02):
                    spots = [names[k] + r * u for u in ring[np.argsort(-(ring @ away))]]
                    spot = next((c for c in spots if free(k, c)), None)
                    if spot is not None:
                        names[k] = spot
                        break
            out["names"] = names
            return out

    return Clear


class TopologyScene(MulticlassScene):
    # two layers: the wide twin's last layer stays a sheet in 3-D (deeper, it folds the data onto
    # a curve); the narrow one gets 89 % of the default disk-ring right, the wide one all of it
    defaults = {"dataset": "disk-ring", "hidden": [NARROW] * 2, "activation": "tanh", "lr": 0.02,
                "epochs": 1500}
    tasks = ("binary", "multiclass")
    # "width 2: before tanh" takes two lines in a narrow column; the others take one, over bodies
    # of up to three lines
    title_lines = 2
    # (seconds of orbit at its constant speed: the end, slowing to rest, turns half as far)
    final_orbit = BEATS["line"] + BEATS["orbit"] + BEATS["end"] / 2

    #: every frame keeps a line over the header for the key (:meth:`key`): a tall frame's bottom
    #: fifth held only the header's two lines under an empty strip, and a wide frame never named
    #: its colours (review 7: "orange and blue are never named")
    has_legend = True

    def key(self, run):
        """The classes' colours and the boundary's stroke, named (``● disk  ● ring  ━ p = 0.5``),
        on the header region's top line (:attr:`has_legend`); None for more than two classes."""
        from manim import RIGHT, Dot, Line, ManimColor, VGroup

        if run.n_classes != 2:
            return None
        box, theme = self.layout.header, self.theme
        colours = theme.class_rgb(2)
        if self.job.dataset_name == "disk-ring":  # the disk: the class nearer the centre
            inner = int(np.argmin([np.linalg.norm(run.X[run.y == c], axis=1).mean() for c in (0, 1)]))
            names = {inner: "disk", 1 - inner: "ring"}
        else:
            names = {0: "class 0", 1: "class 1"}
        parts = []
        for c in sorted(names, key=lambda c: names[c]):
            dot = Dot(radius=0.07, color=ManimColor(colours[c]))
            parts.append(VGroup(dot, self.label(names[c], color=theme.muted)).arrange(RIGHT, buff=0.1))
        line = Line([0, 0, 0], [0.4, 0, 0], stroke_color=theme.boundary,
                    stroke_width=theme.boundary_width)
        for words in ("the curve p = 0.5", "p = 0.5"):  # the shorter where the line is narrow
            curve = VGroup(line.copy(), self.label(words, color=theme.muted)).arrange(RIGHT, buff=0.12)
            row = VGroup(*parts, curve).arrange(RIGHT, buff=0.4)
            if row.width <= box.width:
                break
        if row.width > box.width:
            row.scale_to_fit_width(box.width)
        return row.move_to([box.x0 + row.width / 2, box.y1 - row.height / 2, 0])

    @classmethod
    def check(cls, job):
        hidden = job.hidden
        if any(w != NARROW for w in hidden):
            where = " (in the run file; train it again)" if job.run is not None else ""
            raise NnanimError(
                f"topology trains --hidden as the narrow network and a twin with {WIDE} units per "
                f"layer, so every hidden layer needs {NARROW} units; got "
                f"{','.join(map(str, hidden))}{where}. E.g. --hidden {','.join(['2'] * len(hidden))}")

    @staticmethod
    def squeeze_stage(flow):
        """The last hidden layer's activation stage (the squeeze into tanh's square), or None."""
        stage = flow.stages[-2] if len(flow.stages) > 1 else None
        return stage if stage is not None and stage.kind == "activation" else None

    def bounding_parts(self, view):
        """The separating plane of a 3-D last layer (two classes) as a rectangle in the plane
        around the points' shadows on it (their spread's own directions, a margin around):
        cut to the framing cube, it was an odd pentagon reaching out beside the data."""
        out = view.flow.stages[-1]
        if out.dim != 3 or view.n_classes != 2:
            return super().bounding_parts(view)
        (i, j, w, c), = view.flow.output_boundaries()
        w = np.asarray(w, dtype=float)
        n2 = float(w @ w)
        if n2 <= 1e-18:
            return super().bounding_parts(view)
        P = view.points_trace.at(out.index, 1.0)
        Q = P - np.outer((P @ w + c) / n2, w)  # each point's shadow on the plane
        centre = Q.mean(axis=0)
        # two directions in the plane: the shadows' own spread (the plane's normal is the third)
        basis = np.linalg.svd(w[None, :])[2][1:].T  # (3, 2), orthonormal, across w
        flat = (Q - centre) @ basis
        axes = np.linalg.svd(flat - flat.mean(axis=0), full_matrices=False)[2]
        along = flat @ axes.T
        lo, hi = along.min(axis=0), along.max(axis=0)
        pad = PLANE_MARGIN * (hi - lo).max()
        lo, hi = lo - pad, hi + pad
        corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
        return [(i, j, centre + (corners @ axes) @ basis.T)]

    def switch_to(self, narrow_view, wide_view, caption, title, detail, gone, headers):
        """The beat of ``title``: back to the input, out and then in (never two pictures at once),
        each in :data:`SWITCH_FADE` seconds: the width-2 picture (its grid, line, shading, rings,
        axes) fades out as the caption changes; then the width-3 network's input plane fades in
        as the header's architecture changes (2 → 3 → 3 → 1), and the picture holds while the
        words, which say what changed, are read (:data:`BEATS` ``"switch"`` in all).

        (A dissolve showed both pictures overlaid for over a second, a double exposure; the
        caption and header changed in 0.7 s, too fast to follow.  The points used to fly in
        straight lines from the width-2 result back to the input, with no grid: it read as if
        a width-3 map did that.)"""
        from manim import smooth

        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.panels import Dim, axes_in

        wide_view.set_stage(0, 0.0)
        new = self.caption(title, detail)
        self.fix(new)
        self.mark("caption", title, detail)
        out = [OpacityFade(narrow_view, fade_in=False)]
        out += [Dim(narrow_view.axes, 0.0)] if narrow_view.axes is not None else []
        self.play(*out, *[OpacityFade(m, fade_in=False) for m in gone],
                  *self.swap_text(caption, new), run_time=SWITCH_FADE)
        self.remove(narrow_view, *gone)
        self.fix(headers[1])
        self.add(wide_view)
        come = [OpacityFade(wide_view)]
        # after the view's fade (a later animation sets the axes' opacities last in a frame)
        come += [axes_in(wide_view.axes, smooth)] if wide_view.axes is not None else []
        self.play(*come, *self.swap_text(headers[0], headers[1]), run_time=SWITCH_FADE)
        self.wait(BEATS["switch"] - 2 * SWITCH_FADE)
        self.switched = new

    def play_stages(self, view, caption, pace: float = 1.0, stages=None, **kwargs):
        """As ``layers`` plays them, but the lift into 3-D is a beat of its own
        (:meth:`play_lift`), and each stage lasts :func:`stage_seconds` (at least
        :func:`least_beat`)."""
        todo = list(view.flow.stages[:-1] if stages is None else stages)
        if todo and todo[0].kind == "lift" and todo[0].dim == 3 and not view.elev:
            caption = self.play_lift(view, caption, todo[0], pace)
            todo = todo[1:]
        for stage in todo:  # one at a time: each at its own pace
            caption = super().play_stages(view, caption, stages=[stage], **kwargs,
                                          pace=stage_seconds(stage.kind, pace, least_beat(view))
                                          / PACE[stage.kind])
        return caption

    @staticmethod
    def sample_seconds(view, stage, pace: float) -> float:
        """Each stage lasting :func:`stage_seconds` (multiclass samples the tilted stages)."""
        return stage_seconds(stage.kind, pace, least_beat(view))

    def play_lift(self, view, caption, stage, pace: float):
        """The lift into 3-D: the view turns to the angles of :meth:`tilt_angles` over
        :data:`BEATS` ``"lift"`` seconds, its caption saying what is seen (:data:`LIFT_WORDS`:
        the plane, still flat, and the view turning and tilting a little; "tilt to see the new
        direction" was said over what read as a turn), then the stage plays as ``layers``
        plays it, the orbit beginning.  Returns the caption."""
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        elev, azim = self.tilt_angles(view, pace)
        caption = self.swap_with(caption, stage.caption, LIFT_WORDS,
                                 [ViewTurn(view, elev=elev, azim=azim)], BEATS["lift"])
        seconds = PACE[stage.kind] * pace
        self.play(StagePlay(view, stage.index, spin=ORBIT * seconds, run_time=seconds))
        return caption

    def tilt_angles(self, view, pace: float = 1.0) -> tuple[float, float]:
        """The tilt at the lift into 3-D: as multiclass's (the data least edge-on over the 3-D
        stages and the final orbit), among the angles from which the separating plane shows at
        least :data:`PLANE_FACE` of its own area over the whole final orbit (seen edge-on, the
        plane was a line across the picture)."""
        from nnanim.core.camera import face_on_angles

        flow, trace = view.flow, view.points_trace
        clouds, turns, spin, tilted = self.tilted_samples(view, pace)
        out = flow.stages[-1]
        if not tilted or out.dim != 3:
            return super().tilt_angles(view, pace)
        orbit = np.linspace(0.0, ORBIT * self.final_orbit, 9)
        clouds += [trace.at(out.index, 1.0)] * len(orbit)
        turns += list(spin + orbit)
        # the orbit's start is estimated (a caption read longer plays its stage longer): the
        # plane is kept off edge-on over a margin of turn either side
        margin = ORBIT * PLANE_SLACK
        planes = [(np.asarray(w, dtype=float), np.linspace(spin - margin, spin + orbit[-1] + margin, 25))
                  for _, _, w, _ in flow.output_boundaries()]
        return face_on_angles(clouds, turns, np.radians(PLANE_TILTS), np.radians(np.arange(-90, 91, 15)),
                              planes=planes, min_face=PLANE_FACE)

    def face_strokes(self, view):
        """The separating plane, filled lightly (:data:`PLANE_FILL`) so it reads as a sheet, its
        edges half the boundary's width (filled as faintly as multiclass's several planes, the
        one plane read as an outline)."""
        faces = super().face_strokes(view)
        faces.set_fill(opacity=PLANE_FILL)
        return faces

    def corners_3d(self, view):
        """``(compass corner, bar corner)`` for a view's 3-D stages once tilted (``view``: a copy,
        moved through them here): the compass in a top corner (at the bottom left, where 3-D
        stages kept it, it sat against the header's lines), the bar in a bottom one, the pair
        covering the fewest points and the least boundary (a curve counts more than a point, as
        :meth:`SpaceAxes.placement` counts them) at the moments the view shows: each tilted
        stage's start, middle and end at the tilt and turn the view has then, and the final
        orbit to its end (held, counted three times).  Seen from above (the input plane, where
        the switch to this view ends, before the lift tilts it) the axes take the input's own
        corners (:meth:`Clear.placement`).  None without axes."""
        from nnanim.draw.mobjects import count_in

        axes = view.axes
        flow = view.flow
        if axes is None or not any(s.dim == 3 for s in flow.stages):
            return None
        TL, TR, BL, BR = axes.TL, axes.TR, axes.BL, axes.BR
        candidates = [(TR, BR), (TL, BR), (TR, BL), (TL, BL)]
        elev, azim = self.tilt_angles(view, WIDE_PACE)
        scores = np.zeros(len(candidates))
        radius = float(view.cloud.radius)
        x0, y0, x1, y1 = view.clip_box

        def score(s, t, weight=1.0):
            view.set_stage(s, t)
            points, lines = view.scene_geometry(s, t)
            inside = ((points[:, 0] > x0 - radius) & (points[:, 0] < x1 + radius)
                      & (points[:, 1] > y0 - radius) & (points[:, 1] < y1 + radius))
            curve = np.concatenate(lines) if lines else np.zeros((0, 2))
            ends = view.project(np.eye(3))[:, :2] * axes.ARROW
            _, scale = view.screen_map(s, t)
            for k, placed in enumerate(candidates):
                for box in axes.boxes(axes._layout(placed, ends, 3, axes.length * scale)):
                    scores[k] += weight * (count_in(points[inside], box, radius)
                                           + 4.0 * count_in(curve, box, 0.05))

        # the turns of the orbit as the stages play (play_stages, play_lift), then the final one
        spin = 0.0
        moments = []
        for stage in (s for s in flow.stages[:-1] if s.dim == 3):
            seconds = stage_seconds(stage.kind, WIDE_PACE, least_beat(view))
            moments += [(stage.index, t, spin + ORBIT * seconds * t, 1.0) for t in (0.0, 0.5, 1.0)]
            spin += ORBIT * seconds
        out = flow.stages[-1]
        if out.dim == 3:
            moments += [(out.index, 1.0, spin + ORBIT * self.final_orbit * k, 3.0 if k == 1 else 1.0)
                        for k in np.linspace(0.0, 1.0, 7)]
        for s, t, turn, weight in moments:
            view.set_view_angles(elev, azim + turn)
            score(s, t, weight)
        return candidates[int(np.argmin(scores))]  # the first of the least

    @staticmethod
    def jammed_corner(flow, run):
        """The corner of tanh's square (``(±1, ±1)`` in the last hidden layer) where points of
        every class pile up (at least :data:`JAM` of each within ``JAM_NEAR`` of it, per axis), or
        None: what the best line's beat shows after the squeeze (the ring seen around the disk
        before it is not visible in the jammed square; the words say what is)."""
        h = flow.network.forward(run.X).post[-2]
        if h.shape[1] != 2:
            return None
        for corner in itertools.product((-1.0, 1.0), repeat=2):
            near = np.all(np.abs(h - np.array(corner)) < JAM_NEAR, axis=1)
            if all(np.count_nonzero(near & (run.y == c)) >= JAM for c in range(run.n_classes)):
                return corner
        return None

    def wide_run(self):
        """The twin of the job's network with every hidden layer {WIDE} units wide, trained once
        (same data, seed and every other option)."""
        return self.job.variant(hidden=[WIDE] * len(self.job.hidden))

    def construct(self):
        from manim import Create, Wait

        from nnanim.core.flow import build_flow
        from nnanim.draw.landmarks import RingedPoints
        from nnanim.draw.mobjects import FlowView, OpacityFade, StagePlay
        from nnanim.draw.posters import poster_shading

        run, record = self.load_run()
        wide = self.wide_run()
        views = []
        for r, rec in ((run, record), (wide, len(wide.epochs) - 1)):
            flow = build_flow(r.network(rec), reference=r.X)
            views.append(FlowView(flow, r.X, r.y, self.theme, region=self.layout.picture_fit,
                                  clip_box=self.layout.picture_clip))
        narrow_view, wide_view = self.views = views
        wide_view.again = True  # (its stages: least_beat)
        for view in views:
            clear_axes(view)
            close_loops(view)
        # chosen on a copy of the view (scoring moves it through its stages and turns)
        copy = FlowView(wide_view.flow, wide.X, wide.y, self.theme, region=self.layout.picture_fit,
                        clip_box=self.layout.picture_clip)
        copy.again = True
        clear_axes(copy)
        wide_view.corners_3d = self.corners_3d(copy)
        wide_view.axes.forget()
        # the width-3 plane shaded on both sides of its curve p = 0.5 (the disk's side, the
        # ring's), from its input to the 3-D end, where the disk's side lifts out of the ring's
        self.sides = None
        if flow_binary(wide_view):
            self.sides = sides_fill(wide_view, self.theme)
            wide_view.add_follower(self.sides)
        self.accuracies = [narrow_view.flow.accuracy(run.X, run.y), wide_view.flow.accuracy(wide.X, wide.y)]
        narrow_acc, wide_acc = self.accuracies
        n = len(run.y)

        ring = self.job.dataset_name == "disk-ring"
        header = self.header(run, record)
        title = "why width matters"
        detail = (("a disk inside a ring" if ring else self.job.dataset_name)
                  + f": first through a network {NARROW} units wide")
        caption = self.caption(title, detail)
        # the poster: both sides shaded, fading out over the end of the opening hold and the
        # first caption swap (its updater counts the video's own seconds)
        poster_shading(self, narrow_view, hold=(BEATS["intro"] + 0.3 - POSTER_FADE) * self.pace,
                       fade=POSTER_FADE * self.pace)
        # the width-2 plane's own shading, both sides of its curve p = 0.5, carried with it
        # through its stages: in as the poster's leaves (the same sides, at the same seconds),
        # out as the best line's output shading comes
        self.narrow_sides = None
        if flow_binary(narrow_view):
            self.narrow_sides = sides_fill(narrow_view, self.theme)
            narrow_view.add_follower(self.narrow_sides)
            fade_in_sides(self, self.narrow_sides,
                          hold=(BEATS["intro"] + 0.3 - POSTER_FADE) * self.pace,
                          fade=POSTER_FADE * self.pace)
        self.key_row = self.key(run)
        still = (header, caption) + ((self.key_row,) if self.key_row is not None else ())
        self.open(narrow_view, still=still, title=title, detail=detail,
                  seconds=BEATS["intro"])

        # -- width 2: the plane bends, never tears; the best line leaves points behind
        flow = narrow_view.flow
        wrong = flow.network.predict(run.X) != run.y
        self.ringed = int(wrong.sum())
        # the points the network gets wrong, ringed and drawn over the others where they sit (in
        # tanh's piles a class drawn over the other would hide them), through the last stages
        self.marks = marks = RingedPoints(narrow_view, wrong, ring=RING)
        self.rings = marks.rings
        ringed = f"ringed: the {self.ringed} on the wrong side" if self.ringed else ""
        # the last activation jams the points against the square's edges (tanh's piles, where no
        # zoom tells them apart): the ring around the disk is seen just before it, then squeezed
        squeeze = self.squeeze_stage(flow)
        caption = self.play_stages(narrow_view, caption, pace=STAGE_PACE, read=True,
                                   stages=flow.stages[:squeeze.index] if squeeze else None,
                                   before=lambda stage: full_sides(self.narrow_sides))
        if squeeze is not None:
            act = word(flow.network.activations[squeeze.layer].name)
            caption = self.swap_caption(
                caption, f"width {NARROW}: before {act}",
                "bent, never torn" + (": the ring still surrounds the disk" if ring else "")
                + (f"; ringed: the {self.ringed} points the curve p = 0.5 leaves on the wrong side"
                   if self.ringed else "; the curve p = 0.5 separates the classes"),
                kind="stage")
            if self.ringed:
                self.add(marks)
                self.play(OpacityFade(marks), run_time=BEATS["ringed"])
            self.wait(BEATS["before"])
            caption = self.play_stages(narrow_view, caption, pace=STAGE_PACE, read=True,
                                       stages=flow.stages[squeeze.index:-1])
        out = flow.stages[-1]
        narrow_view.set_stage(out.index, 0.0)
        caption = self.swap_caption(
            caption, f"width {NARROW}: the best line",
            (JAMMED if squeeze is not None and act == "tanh" and self.jammed_corner(flow, run) else
             "the ring still surrounds the disk" if ring else "bent, never torn")
            + f": {narrow_acc:.1%} right, {round(narrow_acc * n)} of {n} points"
            + (f"; {ringed}" if self.ringed else ""),
            kind="stage")
        # the squeeze left the camera far out (its zoom is bounded in rate): it settles on the
        # jammed points before the line is drawn across them
        from nnanim.core.flow import FRAMING_MARGIN

        narrow_view.frame_trace = Settle(narrow_view.frame_trace, narrow_view.points_trace,
                                         out.index, FRAMING_MARGIN)
        self.play(StagePlay(narrow_view, out.index, run_time=BEATS["settle"]))
        narrow_view.set_stage(out.index, 1.0)
        extras = self.add_output_shading(narrow_view)
        shading = extras[0].mobject if extras else None
        if self.ringed and marks not in self.mobjects:  # no look before a squeeze: ringed now
            self.add(marks)
            extras.append(OpacityFade(marks))
        self.narrow_bounds = self.bounds = self.bounding_parts(narrow_view)
        line = (next(iter(self.output_lines(narrow_view)), None) if run.n_classes == 2
                else self.line_strokes(narrow_view)[-1])
        if line is not None:
            extras.append(Create(line))
        if self.narrow_sides is not None and shading is not None:  # (one shading at a time)
            from nnanim.draw.panels import Dim

            extras.append(Dim(self.narrow_sides, 0.0))
        if extras:
            self.play(*extras, run_time=BEATS["line"])
        self.wait(BEATS["look"])

        # -- width 3: the same data, one unit wider; the disk leaves the ring in 3-D
        self.switch_to(narrow_view, wide_view, caption, f"width {WIDE}",
                       f"{BACK}, the same data and training; one change: every hidden layer has "
                       f"{WIDE} units, not {NARROW}",
                       gone=[m for m in (shading, line, marks if self.ringed else None)
                             if m is not None],
                       headers=(header, self.header(wide, len(wide.epochs) - 1)))
        caption = self.switched
        caption = self.play_stages(wide_view, caption, pace=WIDE_PACE)
        out = wide_view.flow.stages[-1]
        wide_view.set_stage(out.index, 1.0)
        self.bounds = self.bounding_parts(wide_view)
        kind = "plane" if out.dim == 3 else "line"
        what = f"one {kind}" if wide.n_classes == 2 else f"the {kind}s"
        words = (("in 3-D the disk comes out of the ring; " if ring else "in 3-D: ")
                 + (f"{what} {'separates' if wide.n_classes == 2 else 'separate'} the classes"
                    if wide_acc == 1.0 else f"{what} {'gets' if wide.n_classes == 2 else 'get'}")
                 + f": {wide_acc:.1%} right, {round(wide_acc * n)} of {n} points")
        # the captions change as the view orbits on (a swap played alone stopped the orbit for
        # its 0.3 s, then it set off again)
        if out.dim == 3:
            faces = self.faces = self.face_strokes(wide_view)
            self.add(faces)
            self.bring_to_back(faces)
            caption = self.swap_with(
                caption, f"width {WIDE}: lifted out", words,
                [OpacityFade(faces), StagePlay(wide_view, out.index, spin=ORBIT * BEATS["line"])],
                BEATS["line"])
            self.play(StagePlay(wide_view, out.index, spin=ORBIT * BEATS["orbit"],
                                run_time=BEATS["orbit"]))
        else:  # a last hidden layer of 2 units cannot happen here (every layer is WIDE), kept safe
            caption = self.swap_caption(caption, f"width {WIDE}: lifted out", words, kind="stage")
            self.wait(BEATS["orbit"])
        # only what the picture shows (the width-3 network): the width-2 result is gone
        title = f"width {WIDE}: {wide_acc:.1%} right"
        detail = ("one more unit per layer gave room to "
                  + ("lift the disk out of the ring" if ring else "untangle the classes")
                  # the boundary drawn on the plane: a disk-ring split without error has a
                  # curve p = 0.5 that goes around the disk, a loop wherever it is carried
                  + (f"; the loop on the {kind} is the curve p = 0.5 around the disk"
                     if ring and wide_acc == 1.0 and wide.n_classes == 2 else ""))
        # the orbit slows to a stop (from its own speed: no jolt) and the settled view is held:
        # the video ends on a still picture, not a moving one
        self.swap_with(caption, title, detail,
                       [orbit_out(wide_view, out.index, ORBIT * BEATS["end"] / 2)
                        if out.dim == 3 else Wait()], BEATS["end"], kind="outro")
        self.wait(BEATS["hold"])


def orbit_out(view, stage: int, spin: float):
    """An animation of the 3-D view of stage ``stage`` (its end: nothing moves but the view)
    turning on by ``spin`` radians while it slows from the orbit's constant speed to rest: the
    turn goes as ``2α − α²`` of ``spin`` (its speed at the start is the orbit's,
    ``2·spin/run_time``; at the end, 0)."""
    return orbit_out_class()(view, stage, spin)


@functools.cache
def orbit_out_class():
    from manim import Animation, Mobject

    class OrbitOut(Animation):
        def __init__(self, view, stage: int, spin: float, **kwargs) -> None:
            self.view, self.stage_index, self.spin = view, int(stage), float(spin)
            super().__init__(view, **kwargs)

        def begin(self) -> None:
            self.azim0 = self.view.azim
            super().begin()

        def create_starting_mobject(self):
            return Mobject()  # positions come from the flow, not interpolation

        def interpolate_mobject(self, alpha: float) -> None:
            self.view.azim = self.azim0 + self.spin * (2.0 * alpha - alpha * alpha)
            self.view.set_stage(self.stage_index, 1.0)

    return OrbitOut


SCENE = TopologyScene
