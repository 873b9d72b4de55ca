"""Helpers for scene tests: run a storyboard without frames; an independent forward pass."""

from __future__ import annotations

import functools

import numpy as np
from manim import LEFT, RIGHT, Scene, Square
from scipy.special import expit

from nnanim.contract import resolve
from nnanim.layout import frame_units
from nnanim.media.render import bind


class FailsMidway(Scene):
    """Plays once, then raises ``options["error"]`` in the middle of the second play."""

    options = {"error": ValueError}

    def construct(self):
        square = Square(fill_opacity=1)
        self.play(square.animate.shift(RIGHT), run_time=0.5)

        def explode(mobject, dt):
            if self.time > 0.8:
                raise self.options["error"]("boom")

        square.add_updater(explode)
        self.play(square.animate.shift(LEFT), run_time=1)


#: the frame of a render at -q l: 854 x 480 pixels, 8 scene units on the short side,
#: square pixels (so 14.23 units wide, a hair wider than 16:9's 14.22)
FRAME_PIXELS = (854, 480)
#: the frame rate of the scene tests' own renders: their checks pick frames by storyboard
#: time (a beat's start or end, seconds into a play), which 5 fps shows as well as -q l's 15
#: does, for a third of the drawing and encoding
JUDGED_FPS = 5


def dry_run(scene, options, mixin=None, pixels=FRAME_PIXELS):
    """Walk ``scene``'s storyboard in the library's plan mode (no frame drawn); return the scene.

    ``scene`` is a scene name or a contract class; ``options`` are resolved as
    ``nnanim render`` resolves them (so a bad option raises ``NnanimError``
    here, before Manim is involved).  Every animation jumps to its end, so the
    storyboard's own statements (captions, labels, positions) can be checked;
    ``scene.beats`` lists its beats, ``scene.clock`` is the video's length and
    ``scene.plays`` counts its plays and waits.  With a ``duration`` option the
    pace is scaled to it, as a render does (a first pass at pace 1 measures the
    storyboard).  ``mixin`` goes in front of the bound class (e.g. to replace
    Pango text by boxes, or to sample animations on the way).
    """
    import manim

    job = resolve(scene, options)
    width, height = frame_units(pixels)
    temp = {"pixel_width": pixels[0], "pixel_height": pixels[1], "frame_width": width,
            "frame_height": height, "write_to_movie": False, "disable_caching": True}

    def walk(pace):
        bases = (_CountPlays, bind(job, planning=True, pace=pace))
        cls = type("Dry", ((mixin,) if mixin else ()) + bases, {})
        with manim.tempconfig(temp):
            scene = cls()
            scene.setup()
            scene.construct()
        return scene

    scene = walk(1.0)
    duration = job.opt("duration")
    if duration is not None and scene.clock > 0:
        scene = walk(duration / scene.clock)
    return scene


def shared_dry_run(scene, options: dict, pixels=FRAME_PIXELS):
    """:func:`dry_run`'s plain walk (no mixin) of ``scene`` with ``options`` in a frame of
    ``pixels``, walked once per test process and handed to every test that asks for the same:
    only for tests that read the walked scene and change nothing in it (a test that plays its
    animations again, or sets anything on it, walks its own).  ``options`` are the key: plain
    values by value, anything else (a run) by identity; a missing ``aspect`` is the default 16:9,
    the frame of ``FRAME_PIXELS``."""
    key = tuple((k, _Same(v) if getattr(v, "__hash__", None) is None else v)
                for k, v in sorted({"aspect": "16:9", **options}.items()))
    return _shared_walk(scene, key, tuple(pixels))


class _Same:
    """A key part equal only to the same object (which it keeps, so its id is never reused)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self):
        return id(self.value)


@functools.cache
def _shared_walk(scene, options: tuple, pixels: tuple):
    return dry_run(scene, {k: v.value if isinstance(v, _Same) else v for k, v in options},
                   pixels=pixels)


class ReplayLog:
    """A ``dry_run`` mixin that keeps every :class:`ReplayTraining` the scene plays, in order,
    in ``scene.replays``."""

    def setup(self):
        super().setup()
        self.replays = []

    def play(self, *animations, **kwargs):
        from nnanim.draw.replay import ReplayTraining

        self.replays += [a for a in animations if isinstance(a, ReplayTraining)]
        super().play(*animations, **kwargs)


class _CountPlays:
    """Counts the plays (a wait is one): each rounds to whole frames in a render."""

    plays = 0

    def play(self, *animations, **kwargs):
        self.plays += 1
        super().play(*animations, **kwargs)


def caption_beats(scene):
    """``(title, detail)`` of every caption change: the beats of kind stage, caption, outro."""
    return [(b.title, b.detail) for b in scene.beats if b.kind in ("stage", "caption", "outro")]


def tanh_sigmoid_forward(run, X, record=-1):
    """p(class 1) of a tanh network with one output logit, written out independently of nnanim."""
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[record].T + b[record])
    return expit(h @ run.weights[-1][record].T + run.biases[-1][record])[:, 0]


def class_pixels(frame, colours, left=0, tolerance=40):
    """Pixel coordinates ``(M, 2)`` near each colour (RGB 0-255), right of column ``left``."""
    pic = frame[:, left:].astype(float)
    ys, xs = np.mgrid[0 : pic.shape[0], 0 : pic.shape[1]]
    near = [np.linalg.norm(pic - np.asarray(c, dtype=float), axis=2) < tolerance for c in colours]
    return [np.column_stack([xs[m], ys[m]]) for m in near]


def best_linear_split(a, b):
    """Best accuracy of one straight line between point sets ``a`` and ``b``.

    Fisher's discriminant direction, then the best threshold along it.
    """
    w = np.linalg.solve(np.cov(a.T) + np.cov(b.T) + 1e-6 * np.eye(2), a.mean(0) - b.mean(0))
    pa, pb = a @ w, b @ w
    cuts = np.sort(np.concatenate([pa, pb]))
    return max(max(np.mean(pa > c) + np.mean(pb <= c), np.mean(pa <= c) + np.mean(pb > c)) / 2
               for c in cuts[:: max(1, len(cuts) // 400)])


def target_pixels(frame, theme, left=0, tolerance=30, steps=64):
    """``(coords (M, 2), t (M,))``: pixels right of column ``left`` near the theme's target colour
    map, with the map position ``t`` in [0, 1] of the nearest of ``steps`` samples of it."""
    stops = theme.target_rgb(np.linspace(0.0, 1.0, steps), 0.0, 1.0) * 255
    pic = frame[:, left:].astype(float)
    ys, xs = np.mgrid[0 : pic.shape[0], 0 : pic.shape[1]]
    flat = pic.reshape(-1, 3)
    # squared distances to every stop, in chunks of rows to bound memory
    best = np.full(len(flat), np.inf)
    which = np.zeros(len(flat), dtype=int)
    for k, c in enumerate(stops):
        d = np.sum((flat - c) ** 2, axis=1)
        closer = d < best
        best[closer], which[closer] = d[closer], k
    near = best < tolerance**2
    coords = np.column_stack([xs.ravel()[near], ys.ravel()[near]])
    return coords, which[near] / (steps - 1)


def stepped_run(scene, options, mixin, pixels=FRAME_PIXELS, fps: int = 15):
    """Walk ``scene``'s storyboard as a render does, frame by frame (every play's frame times,
    updaters run with their ``dt``), drawing and encoding nothing (every play skipped, as a
    part of a render in parts skips the plays before it); ``mixin`` in front of the bound
    class sees each frame (``update_to_time``).  Returns the scene."""
    import manim

    from nnanim.media.parallel import _PartScene

    job = resolve(scene, options)
    width, height = frame_units(pixels)
    temp = {"pixel_width": pixels[0], "pixel_height": pixels[1], "frame_width": width,
            "frame_height": height, "frame_rate": fps, "write_to_movie": False,
            "disable_caching": True, "from_animation_number": 10**9, "progress_bar": "none"}
    cls = type("Stepped", (mixin, _PartScene, bind(job, pace=1.0)), {"first_play": 10**9})
    with manim.tempconfig(temp):
        scene = cls()
        scene.setup()
        scene.construct()
    return scene
