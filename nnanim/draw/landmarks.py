"""Marks at chosen points: an image dataset's pictures, or rings around the points that matter.

:class:`ImageLandmarks` draws a few of the data's own images (a digit's 8×8
pixels) beside the points they belong to, in the colour of their class, and
moves them with those points through every stage of a :class:`~nnanim.draw.mobjects.FlowView`.
The landmarks themselves (which points, which pixels) come from the run:
:meth:`nnanim.core.record.Run.landmark_images`.

:class:`RingedPoints` draws some of a view's points again on top of the
picture, each inside a ring, and keeps them on their points through every
stage: points that a pile of others would hide (a class drawn over another
where tanh jams them together) stay visible, e.g. the points a network gets
wrong.
"""

from __future__ import annotations

import numpy as np
from manim import Group

from nnanim.draw.mobjects import PointCloud, RasterImage

__all__ = ["ImageLandmarks", "RingedPoints", "tinted"]


#: each pixel of an 8×8 image is drawn as UPSAMPLE × UPSAMPLE pixels of the tile, inside a
#: frame one tile pixel wide (thin: about 1/26 of the tile)
UPSAMPLE = 3


def tinted(image: np.ndarray, rgb, background, alpha: float = 1.0, paper: float = 0.8,
           border: float = 1.0) -> np.ndarray:
    """``(h', w', 4)`` uint8: the image's pixels (each :data:`UPSAMPLE` wide) with ink (value 1)
    in ``rgb`` at opacity ``alpha`` and paper (0) in ``background`` at opacity ``paper``, framed
    by a thin border in ``rgb`` at opacity ``border``.

    A dark plate of paper: the picture shows through between the strokes, darkened enough that
    ink in a class's colour reads over that class's own points and over the shading of its own
    region (at half-clear paper an orange 6 on the orange region did not); the frame makes the
    tile read as a picture.  (:class:`ImageLandmarks` draws its tiles over the points at
    :data:`IN_DATA` opacity: half transparent, a point under a stroke still shows.)
    """
    v = np.clip(np.asarray(image, dtype=float), 0.0, 1.0)
    v = np.kron(v, np.ones((UPSAMPLE, UPSAMPLE)))[..., None]
    colour = (1 - v) * np.asarray(background, dtype=float) + v * np.asarray(rgb, dtype=float)
    h, w = v.shape[:2]
    out = np.zeros((h + 2, w + 2, 4), dtype=np.uint8)
    out[1:-1, 1:-1, :3] = np.round(255 * colour)
    out[1:-1, 1:-1, 3] = np.round(255 * (paper + (alpha - paper) * v[..., 0]))
    frame = np.ones((h + 2, w + 2), bool)
    frame[1:-1, 1:-1] = False
    out[frame, :3] = np.round(255 * np.asarray(rgb, dtype=float))
    out[frame, 3] = round(255 * border)
    return out


#: the opacity of an image among the data (over the points: each shows through it); an image
#: outside the data (beside a class corner) is drawn at full opacity
IN_DATA = 0.75


class ImageLandmarks(Group):
    """The images ``images`` (``(K, h, w)``, values in [0, 1]) beside the points ``indices`` of a
    view, each tinted with its class colour and framed (:func:`tinted`), ``size`` scene units
    tall, kept inside ``clip``: drawn over the points, half transparent (:data:`IN_DATA`), so
    the digit reads and no point is hidden under it."""

    def __init__(self, view, indices, images, colours, background, size: float = 0.55,
                 clip=None, slots=None) -> None:
        super().__init__()
        self.indices = np.asarray(indices, dtype=int)
        self.size = float(size)
        self.clip = clip
        #: ``(K, 2)`` fixed scene centres of the images (a key beside the data, drawn at full
        #: opacity), or ``None``: each image beside its point, following it among the data
        self.slots = None if slots is None else np.asarray(slots, dtype=float)
        opacity = IN_DATA if self.slots is None else 1.0
        # each of the image's pixels a sharp square: the 8×8 pixels are the data (smoothed, a
        # digit blurs into a smudge at this size)
        self.tiles = [RasterImage(tinted(im, c, background), smooth=False, opacity=opacity)
                      for im, c in zip(images, colours)]
        for tile in self.tiles:
            tile.clip_box = clip
        self.add(*self.tiles)
        self.follow(view)

    def follow(self, view) -> None:
        """Put each image beside its point as the view shows it now, on the side away from the
        data's centre (its point is its class's most typical one, amid its class: outward, the
        image covers fewer points), kept inside the picture; or at its fixed slot, if given."""
        if self.slots is not None:
            s = self.size
            for tile, (cx, cy) in zip(self.tiles, self.slots):
                x0, y0 = cx - s / 2, cy - s / 2
                tile.points = np.array([[x0, y0 + s, 0], [x0 + s, y0 + s, 0], [x0 + s, y0, 0],
                                        [x0, y0, 0]], dtype=float)
            return
        P = view.to_scene(view.points_trace.at(view.stage, view.t)[self.indices])
        centre = np.asarray(view.cloud.points, dtype=float)[:, :2].mean(axis=0)
        s, gap = self.size, 0.06
        for tile, (x, y, _) in zip(self.tiles, P):
            d = np.array([x, y]) - centre
            # (a point near the centre pushes its image less: the direction never jumps)
            cx, cy = np.array([x, y]) + d / max(float(np.hypot(*d)), s) * (s + gap)
            x0, y0 = cx - s / 2, cy - s / 2
            if self.clip is not None:  # stay inside the picture
                cx0, cy0, cx1, cy1 = self.clip
                x0 = min(max(x0, cx0), cx1 - s)
                y0 = min(max(y0, cy0), cy1 - s)
            tile.points = np.array([[x0, y0 + s, 0], [x0 + s, y0 + s, 0], [x0 + s, y0, 0],
                                    [x0, y0, 0]], dtype=float)


class RingedPoints(Group):
    """The points ``indices`` of a view drawn again over its picture, each in a ring.

    ``rings`` (a :class:`~nnanim.draw.mobjects.PointCloud` of background-coloured
    discs ``ring`` point radii wide, with a rim of ``rim_color``) lie under
    ``dots`` (copies of the points in their own colours); both follow the
    view on every :meth:`~nnanim.draw.mobjects.FlowView.set_stage` (the
    caller adds this group to the scene above the view: drawn after it, the
    marked points are never hidden under other points).
    """

    def __init__(self, view, indices, ring: float = 2.1, rim_color=None) -> None:
        super().__init__()
        self.indices = np.flatnonzero(indices) if np.asarray(indices).dtype == bool \
            else np.asarray(indices, dtype=int)
        cloud = view.cloud
        self.rings = PointCloud(np.zeros((len(self.indices), 3)), view.theme.background,
                                radius=cloud.radius * ring, rim_color=rim_color or view.theme.muted,
                                rim_fraction=0.35)
        self.dots = PointCloud(np.zeros((len(self.indices), 3)), cloud.colors[self.indices],
                               radius=cloud.radius, rim_color=view.theme.point_rim,
                               rim_fraction=cloud.rim_fraction)
        for part in (self.rings, self.dots):
            part.clip_box = view.clip_box
        self.add(self.rings, self.dots)
        view.followers.append(self)
        self.follow(view)

    def follow(self, view) -> None:
        at = np.asarray(view.cloud.points)[self.indices]
        self.rings.set_positions(at.copy())
        self.dots.set_positions(at.copy())
