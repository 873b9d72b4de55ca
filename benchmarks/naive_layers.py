"""The `layers` storyboard written the straightforward Manim way: the baseline of bench_render.py.

Same network, same stages, same durations (``PACE`` is read from
``scenes/layers.py``), same layout and the same number of frames as
``nnanim render layers`` for a network of width-2 hidden layers, but built
from stock Manim parts, as the Manim documentation teaches them:

* the grid is a ``NumberPlane`` after ``prepare_for_nonlinear_transform()``;
* every data point is its own ``Dot`` (all in one ``VGroup``);
* the decision boundary is one ``VMobject`` polyline per curve;
* every stage is one ``ApplyPointwiseFunction`` with that stage's *end* map
  (``W·x``, ``x + b`` or ``tanh``, followed by re-framing the picture), i.e. a
  start→end ``Transform`` — not the staged motion nnanim shows, but the same
  number of frames, each costing what a ``Transform`` of these mobjects costs;
* captions are ``Text`` swapped with ``FadeOut``/``FadeIn``; the final output
  line is ``Create(Line)``.

The dots are moved by a ``Transform`` to a copy whose dot *centres* went
through the map (``ApplyPointwiseFunction`` on the dots would also bend every
dot's outline by the map's Jacobian, which flattens them under tanh); per frame
that is exactly the work ``ApplyPointwiseFunction`` does.  Simplifications that
favour this baseline: plain ``Scene``/``Camera`` (no 3-D camera), no dot rims,
no probability shading at the end.

Render it with Manim's own command line::

    manim render -qh --disable_caching benchmarks/naive_layers.py NaiveLayers

``NNANIM_RUN_FILE`` names a run file (``Run.save``) to show; without it the
scene trains the `layers` scene's default network itself.
"""

from __future__ import annotations

import os
import textwrap

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UL,
    ApplyPointwiseFunction,
    Create,
    FadeIn,
    FadeOut,
    Line,
    NumberPlane,
    Rectangle,
    Scene,
    Text,
    Transform,
    VGroup,
    VMobject,
    config,
)
from manim.mobject.geometry.arc import Dot
from nnanim.scenes.layers import EXPLAIN, PACE, LayersScene

from nnanim.core.curves import decision_boundary
from nnanim.core.flow import build_flow
from nnanim.core.record import Run, TrainConfig, train
from nnanim.layout import Layout
from nnanim.theme import load_theme

#: the framing rule of nnanim.core.flow (half extent = largest half side × (1 + margin))
MARGIN = 0.08


def load_run() -> Run:
    path = os.environ.get("NNANIM_RUN_FILE")
    if path:
        return Run.load(path)
    return train(TrainConfig(**LayersScene.defaults))


class NaiveLayers(Scene):
    def construct(self):
        theme = load_theme("dark")
        self.camera.background_color = theme.background
        run = load_run()
        # the network as nnanim shows it (hidden units permuted so that det W > 0)
        net = build_flow(run.network(-1), reference=run.X).network
        if any(w != 2 for w in net.widths[1:-1]) or net.widths[0] != 2 or net.task != "binary":
            raise ValueError("the naive baseline handles binary networks with width-2 layers only")
        X, y = run.X, run.y.astype(int)

        # the picture region right of the text column (the same layout as nnanim's scene)
        layout = Layout(config.frame_width, config.frame_height)
        (cx, cy, _), height = layout.picture_square
        origin = np.array([cx, cy])
        column = layout.caption.x1 + config.frame_width / 2

        def framing(P):
            lo, hi = P.min(axis=0), P.max(axis=0)
            half = 0.5 * float(np.max(hi - lo)) * (1 + MARGIN)
            return 0.5 * (lo + hi), (height / 2) / half

        # every stage: (kind, layer, caption, end map in data coordinates)
        stages = []
        for i, (W, b, act) in enumerate(
                zip(net.weights[:-1], net.biases[:-1], net.activations, strict=True)):
            name = f"layer {i + 1}"
            stages += [
                ("linear", i, f"{name} · W·x", lambda P, W=W: P @ W.T),
                ("bias", i, f"{name} · + b", lambda P, b=b: P + b),
                ("activation", i, f"{name} · {act.name}", lambda P, act=act: act.f(P)),
            ]

        # input plane, points, boundary, all in scene coordinates of the first framing
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * float(np.max(hi - lo))
        x0, x1, y0, y1 = lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad
        state = X.copy()
        centre, scale = framing(state)

        def to_scene(P, centre, scale):
            P = (np.asarray(P)[:, :2] - centre) * scale + origin
            return np.column_stack([P, np.zeros(len(P))])

        plane = NumberPlane(
            x_range=(x0, x1 + 1e-9, (x1 - x0) / 24), y_range=(y0, y1 + 1e-9, (y1 - y0) / 24),
            x_length=(x1 - x0) * scale, y_length=(y1 - y0) * scale,
            background_line_style={"stroke_color": theme.grid, "stroke_width": theme.grid_width,
                                   "stroke_opacity": theme.grid_opacity},
            axis_config={"stroke_color": theme.grid, "stroke_width": theme.grid_width},
        )
        plane.shift(to_scene(np.array([[x0, y0]]), centre, scale)[0] - plane.c2p(x0, y0))
        plane.prepare_for_nonlinear_transform()

        colors = [theme.classes[k % len(theme.classes)] for k in y]
        dots = VGroup(*[Dot(p, radius=theme.point_radius, color=c)
                        for p, c in zip(to_scene(X, centre, scale), colors, strict=True)])
        curves = VGroup()
        for curve in decision_boundary(net, (x0, x1, y0, y1)):
            piece = VMobject(stroke_color=theme.boundary, stroke_width=theme.boundary_width)
            piece.set_points_as_corners(to_scene(curve, centre, scale))
            curves.add(piece)

        sidebar = Rectangle(width=column, height=config.frame_height + 0.1, stroke_width=0,
                            fill_color=theme.panel, fill_opacity=theme.panel_opacity)
        sidebar.move_to([-config.frame_width / 2 + column / 2, 0, 0])

        def text(s, size, color, **kw):
            return Text(s, font=theme.font, font_size=size, color=color, **kw)

        def caption(title, detail):
            head = text(title, layout.title_size, theme.foreground, weight="BOLD")
            body = text("\n".join(textwrap.wrap(detail, 30)), layout.body_size, theme.muted,
                        line_spacing=0.9)
            body.next_to(head, DOWN, buff=0.2, aligned_edge=LEFT)
            return VGroup(head, body).to_corner(UL, buff=0.4)

        def swap(old, title, detail):
            new = caption(title, detail)
            self.play(FadeOut(old), FadeIn(new), run_time=0.3)
            return new

        arch = " → ".join(str(w) for w in run.widths)
        header = VGroup(*[text(s, layout.small_size, theme.muted) for s in (
            f"{run.options.get('dataset', '')} · {len(X)} points", arch,
            f"{net.activations[0].name} · epoch {run.epochs[-1]}")])
        header.arrange(DOWN, aligned_edge=LEFT, buff=0.1).to_corner(DOWN + LEFT, buff=0.4)

        cap = caption("input space",
                      "the data as the network receives it; the white curve is where p = 0.5")
        self.add(plane, curves, dots, sidebar, header, cap)  # the first picture, held (as nnanim does)
        self.wait(2.0)

        for kind, layer, title, stage_map in stages:
            act = net.activations[layer].name
            cap = swap(cap, title, EXPLAIN[kind].format(act=act))
            end = stage_map(state)
            new_centre, new_scale = framing(end)

            def scene_map(p, c0=centre, s0=scale, c1=new_centre, s1=new_scale, f=stage_map):
                data = (np.asarray(p)[:2] - origin) / s0 + c0
                q = (f(data[None, :])[0] - c1) * s1 + origin
                return np.array([q[0], q[1], 0.0])

            target = dots.copy()
            for dot, p in zip(target, to_scene(end, new_centre, new_scale), strict=True):
                dot.move_to(p)
            self.play(ApplyPointwiseFunction(scene_map, plane),
                      ApplyPointwiseFunction(scene_map, curves),
                      Transform(dots, target), run_time=PACE[kind])
            state, centre, scale = end, new_centre, new_scale

        # the output layer: a straight line w·h + c = 0 in the last hidden space
        w, c = net.weights[-1][0], float(net.biases[-1][0])
        accuracy = float(np.mean((state @ w + c > 0).astype(int) == y))
        cap = swap(cap, "output · w·h + b = 0",
                   f"in the last hidden space one straight line separates the classes: "
                   f"accuracy {accuracy:.1%}, {round(accuracy * len(y))} of {len(y)} points")
        # the point of the line nearest to the picture's centre, and the line's direction
        foot = centre - (float(w @ centre) + c) * w / float(w @ w)
        along = np.array([-w[1], w[0]]) / float(np.linalg.norm(w))
        reach = (height / 2) / scale
        ends = to_scene(np.array([foot - reach * along, foot + reach * along]), centre, scale)
        line = Line(ends[0], ends[1], color=theme.boundary, stroke_width=theme.boundary_width)
        self.play(Create(line), run_time=1.4)
        self.wait(2.5)
