"""What a play can draw once: still mobjects lifted into Manim's static background.

Manim's Cairo renderer draws, for every frame of a play, every mobject from
the first moving one on (in drawing order), and everything before it once,
into a static background.  A panel scene adds its text and its other panels
after the picture that moves, so all of it was drawn again every frame: at
1080p the Cairo glyphs of a caption column and the grids and points of the
panels standing still cost more than the picture that moved.

:class:`StillSplit` draws more of that once.  A mobject after the first
moving one may go into the background when it does not move itself and
nothing that is still drawn every frame *before it* (below it) reaches its
pixels: then drawing it first or in its turn gives the same pixels.  What a
mobject reaches is a box in scene units: its clip box where it has one
(grown by a point's radius for a point cloud), else the box of its points,
grown by its stroke (miter joins included) and a few pixels of
anti-aliasing.  Anything whose pixels cannot be bounded that way (another
kind of mobject) reaches the whole frame.

Moving pictures can reach new places while they play, and a scene's code
may change a mobject that no animation names (an animation's step function
moving a label).  So before every frame :meth:`StillSplit.holds` checks
that the lifted mobjects are as they were and that nothing drawn every
frame reaches one above it; when that fails, the play goes back to Manim's
own split for the rest of its frames, *before* the frame is drawn.  Frames
stay exactly what Manim would draw.
"""

from __future__ import annotations

import numpy as np
from manim import Mobject, VMobject
from manim.utils.family import extract_mobject_family_members
from manim.utils.iterables import list_update

__all__ = ["StillFrames", "StillSplit"]

#: anti-aliasing and rounding: pixels a drawing may reach past its geometry
_AA_PIXELS = 3.0
#: Cairo's default miter limit (Manim keeps it): a miter join reaches this many half widths
_MITER = 10.0
_EVERYWHERE = np.array([-np.inf, -np.inf, np.inf, np.inf])
_NOTHING = np.array([np.inf, np.inf, -np.inf, -np.inf])


def _reach(mob: Mobject, px: float) -> np.ndarray | None:
    """``[x0, y0, x1, y1]`` (scene units) that drawing ``mob`` may touch; ``None``: nothing."""
    from nnanim.draw.mobjects import PointCloud, RasterImage

    points = mob.points
    if not len(points):
        return None
    clip = getattr(mob, "clip_box", None)
    if isinstance(mob, PointCloud):
        grow = mob.radius + _AA_PIXELS * px
    elif isinstance(mob, RasterImage):
        grow = _AA_PIXELS * px
    elif isinstance(mob, VMobject):
        width = max(float(mob.get_stroke_width()), float(mob.get_stroke_width(background=True)))
        grow = width * 0.01 * 0.5 * _MITER + _AA_PIXELS * px
    else:
        return _EVERYWHERE
    if clip is not None:
        box = np.array(clip, dtype=float)
        if isinstance(mob, PointCloud) or isinstance(mob, RasterImage):
            # a clipped point is kept whole when its centre is inside: grow the clip by a radius
            box += [-grow, -grow, grow, grow]
        else:
            box += [-_AA_PIXELS * px, -_AA_PIXELS * px, _AA_PIXELS * px, _AA_PIXELS * px]
        if isinstance(mob, RasterImage):
            return box
    else:
        box = None
    with np.errstate(invalid="ignore"):
        finite = points[:, :2]
        if not np.isfinite(finite).all():
            finite = finite[np.isfinite(finite).all(axis=1)]
            if not len(finite):
                return None
        lo, hi = finite.min(axis=0) - grow, finite.max(axis=0) + grow
    own = np.array([lo[0], lo[1], hi[0], hi[1]])
    if box is None:
        return own
    return np.array([max(own[0], box[0]), max(own[1], box[1]), min(own[2], box[2]), min(own[3], box[3])])


def _reaches(parts: list, px: float) -> np.ndarray:
    """:func:`_reach` of many mobjects at once, ``(n, 4)``; nothing drawn: an empty box.

    One pass over all their points (their boxes by ``reduceat``), not a NumPy call per part.
    """
    from nnanim.draw.mobjects import PointCloud, RasterImage

    n = len(parts)
    grow, clips = np.zeros(n), np.tile(_EVERYWHERE, (n, 1))
    out = np.tile(_NOTHING, (n, 1))
    sets, where = [], []
    for i, mob in enumerate(parts):
        points = mob.points
        if not len(points):
            continue
        clip = getattr(mob, "clip_box", None)
        aa = _AA_PIXELS * px
        if isinstance(mob, PointCloud):
            grow[i] = mob.radius + aa
            edge = grow[i]
        elif isinstance(mob, RasterImage):
            grow[i] = edge = aa
            if clip is not None:
                out[i] = np.array(clip, dtype=float) + [-aa, -aa, aa, aa]
                continue
        elif isinstance(mob, VMobject):
            width = max(mob.get_stroke_width(), mob.get_stroke_width(background=True))
            grow[i] = float(width) * 0.01 * 0.5 * _MITER + aa
            edge = aa
        else:
            out[i] = _EVERYWHERE
            continue
        if clip is not None:
            clips[i] = np.array(clip, dtype=float) + [-edge, -edge, edge, edge]
        sets.append(points)
        where.append(i)
    if not sets:
        return out
    P = np.concatenate(sets)[:, :2]
    if not np.isfinite(P).all():  # rare: part by part, dropping what is not finite
        for i in where:
            box = _reach(parts[i], px)
            out[i] = _NOTHING if box is None else box
        return out
    starts = np.cumsum([0, *(len(p) for p in sets[:-1])])
    lo, hi = np.minimum.reduceat(P, starts), np.maximum.reduceat(P, starts)
    w = np.array(where)
    g = grow[w][:, None]
    out[w] = np.column_stack([np.maximum(lo - g, clips[w, :2]), np.minimum(hi + g, clips[w, 2:])])
    return out


class _Marks:
    """A fingerprint of many mobjects: what drawing them depends on (points, colours, stroke
    widths, clip boxes, opacities), taken again before every frame and compared."""

    def __init__(self, mobs: list) -> None:
        self.mobs = mobs
        self.vm = [m for m in mobs if isinstance(m, VMobject)]
        self.mark = self.take()

    def take(self) -> tuple:
        mobs, vm = self.mobs, self.vm
        return (
            tuple(_digest(m.points) for m in mobs),
            tuple(_digest(a) for m in vm for a in (m.fill_rgbas, m.stroke_rgbas,
                                                    m.background_stroke_rgbas)),
            tuple(_digest(m.colors) for m in mobs if getattr(m, "colors", None) is not None),
            tuple((m.stroke_width, m.background_stroke_width) for m in vm),
            tuple(getattr(m, "clip_box", None) for m in mobs),
            tuple(getattr(m, "opacity", None) for m in mobs),
        )

    def same(self) -> bool:
        return self.take() == self.mark


def _digest(a: np.ndarray):
    """A small array's bytes; a large one's shape and the sum of its 64-bit words (one pass)."""
    a = np.asarray(a)
    if a.size <= 4096 or a.dtype.itemsize != 8 or not a.flags.c_contiguous:
        return a.tobytes()
    return a.shape, int(np.add.reduce(a.reshape(-1).view(np.uint64)))


class StillSplit:
    """Manim's ``(moving, static)`` split of one play, with still mobjects lifted into the static part.

    Parameters
    ----------
    scene
        The scene about to play (its animations begun).
    animations
        The play's animations.
    moving, static
        Manim's own split (``Scene.get_moving_and_static_mobjects``).
    """

    def __init__(self, scene, animations, moving: list, static: list) -> None:
        self.manim = (moving, static)
        self.active = False
        camera = scene.renderer.camera
        self.px = camera.frame_width / camera.pixel_width
        drawn = extract_mobject_family_members(
            list_update(scene.mobjects, scene.foreground_mobjects),
            use_z_index=camera.use_z_index, only_those_with_points=True)
        static_ids = {id(m) for m in static}
        moving_ids = {id(m) for m in moving}
        if not moving or any(id(m) not in static_ids and id(m) not in moving_ids for m in drawn):
            return
        # what moves on its own: the animations' mobjects, anything with updaters, the foreground
        animated: set[int] = set()
        roots = []
        for anim in _flat(animations):
            roots.append(anim.mobject)
        roots += [m for m in scene.get_mobject_family_members() if m.updaters]
        roots += list(scene.foreground_mobjects)
        for root in roots:
            animated.update(id(m) for m in root.get_family())
        kept, lifted, decided = [], [], set()
        kept_boxes: list[np.ndarray] = []
        for order, mob in enumerate(drawn):
            if id(mob) in static_ids or id(mob) in decided:
                continue
            family = mob.family_members_with_points()
            if any(id(m) in decided or id(m) in static_ids for m in family):
                return  # a family split by its z-indices: leave the play to Manim
            decided.update(id(m) for m in family)
            reach = [r for r in (_reach(m, self.px) for m in family) if r is not None]
            still = not any(id(m) in animated for m in mob.get_family())
            box = None
            if still and reach:
                b = np.array(reach)
                box = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
                still = not _touches(box, kept_boxes)
            if still:
                lifted.append((order, mob, box, family))
            else:
                kept.append((order, mob))
                kept_boxes += reach
        if not lifted:
            return
        lifted_ids = {id(m) for _, mob, _, _ in lifted for m in mob.get_family()}
        # a group that holds lifted mobjects leaves the list (the camera draws a group's whole
        # family); its family is checked before every frame instead, so nothing added to it later
        # goes unseen
        self.moving, self.groups = [], []
        for m in moving:
            if id(m) in lifted_ids:
                continue
            family = m.get_family()
            if m.has_points() or not any(id(f) in lifted_ids for f in family):
                self.moving.append(m)
            else:
                self.groups.append((m, [id(f) for f in family]))
        if not self.moving:  # an empty list would make the camera draw every mobject again
            self.moving = [Mobject()]
        self.static = [m for m in drawn if id(m) in static_ids or id(m) in lifted_ids]
        self.lifted = lifted
        self.marks = _Marks([m for *_, family in lifted for m in family])
        top = max(order for order, *_ in lifted)
        # drawn every frame below a lifted mobject: what must keep clear of the lifted boxes
        self.below = [(order, mob) for order, mob in kept if order < top]
        self.lifted_boxes = np.array([b if b is not None else _NOTHING for _, _, b, _ in lifted])
        self.lifted_order = np.array([order for order, *_ in lifted])
        self.active = True

    def holds(self) -> bool:
        """Whether the lifted mobjects are unchanged and nothing drawn each frame below one reaches it."""
        for group, family in self.groups:
            if [id(f) for f in group.get_family()] != family:
                return False
        if not self.marks.same():
            return False
        parts, orders = [], []
        for order, mob in self.below:
            family = mob.family_members_with_points()
            parts += family
            orders += [order] * len(family)
        if not parts:
            return True
        box, lifted = _reaches(parts, self.px), self.lifted_boxes
        touch = ((box[:, None, 0] <= lifted[None, :, 2]) & (lifted[None, :, 0] <= box[:, None, 2])
                 & (box[:, None, 1] <= lifted[None, :, 3]) & (lifted[None, :, 1] <= box[:, None, 3]))
        touch &= np.array(orders)[:, None] < self.lifted_order[None, :]
        return not touch.any()


def _touches(box: np.ndarray | None, boxes: list[np.ndarray]) -> bool:
    if box is None or not boxes:
        return False
    b = np.array(boxes)
    return bool(((box[0] <= b[:, 2]) & (b[:, 0] <= box[2]) & (box[1] <= b[:, 3])
                 & (b[:, 1] <= box[3])).any())


def _flat(animations) -> list:
    from manim.animation.composition import AnimationGroup

    out = []
    for anim in animations:
        out.append(anim)
        if isinstance(anim, AnimationGroup):
            out += _flat(anim.animations)
    return out


class StillFrames:
    """A Manim ``Scene`` mixin (before ``Scene`` in the bases): still mobjects drawn once per play.

    :class:`~nnanim.draw.scene.FlowScene` has it.  Needs the Cairo renderer with a
    :class:`~nnanim.draw.mobjects.FastCamera`; with any other camera, and in a plan pass
    (``planning``), a play is split as Manim splits it.
    """

    def get_moving_and_static_mobjects(self, animations):
        """Manim's split of a play into what is drawn every frame and the static background, with
        the still mobjects after the first moving one lifted into the background where nothing
        drawn every frame below them reaches them (:class:`StillSplit`)."""
        from nnanim.draw.mobjects import FastCamera

        moving, static = super().get_moving_and_static_mobjects(animations)
        self._still = None
        if getattr(self, "planning", False) or not isinstance(self.renderer.camera, FastCamera):
            return moving, static
        split = StillSplit(self, animations, moving, static)
        if not split.active:
            return moving, static
        self._still = split
        return split.moving, split.static

    def update_to_time(self, t: float) -> None:
        super().update_to_time(t)
        split = getattr(self, "_still", None)
        if split is not None and not split.holds():  # back to Manim's own split, before drawing
            self._still = None
            self.moving_mobjects, static = split.manim
            self.static_mobjects = static
            self.renderer.save_static_frame_data(self, static)
