"""Helpers for scene tests: run a storyboard without frames; an independent forward pass."""

from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, Scene, Square
from scipy.special import expit


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


class DryRun:
    """Mix in before a scene class: ``play`` jumps each animation to its end, ``wait`` only counts.

    The storyboard's own statements (captions, labels, positions at the end of
    every animation) are then checked without rendering a frame;
    ``durations`` lists every play and wait in seconds, ``captions`` every
    caption swap ``(title, detail)``.
    """

    durations: list
    captions: list

    def play(self, *animations, run_time=None, **kwargs):
        for anim in animations:
            anim.run_time = run_time or anim.run_time
            anim.begin()
            anim.interpolate(1.0)
            anim.finish()
        self.durations.append(run_time if run_time is not None else max(a.run_time for a in animations))

    def wait(self, duration=1.0, **kwargs):
        self.durations.append(duration)

    def swap_caption(self, old, title, detail="", run_time=0.3):
        self.captions.append((title, detail))
        return super().swap_caption(old, title, detail, run_time)


def dry_run(scene_cls, options):
    """Construct ``scene_cls`` with ``options`` through :class:`DryRun`; return the scene."""
    cls = scene_cls if issubclass(scene_cls, DryRun) else type("Dry", (DryRun, scene_cls), {})
    scene = type("Dry", (cls,), {"options": options})()
    scene.durations, scene.captions = [], []
    scene.construct()
    return scene


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
