"""Regression: the fit ŷ(x) built unit by unit over its target, then the hidden space where the target is a tilted plane.

Storyboard (a 1-D input, default ``sine`` with one hidden layer of 3 tanh
units): the target points ``(x, y)``, coloured by ``y``; the fit starts as the
output bias ``b`` (a flat line).  Each unit of the last hidden layer then gets
its own small strip under the plot, over the same x range, where its
contribution ``w_i·h_i(x)`` is drawn at the strip's own scale (so it always
stays inside it; with one hidden layer a ReLU unit is one joint, a tanh or
sigmoid unit one step centred at ``x = −b_i/a_i``); the strip's curve then
moves up into the plot and is added to the fit, until the sum is the network's
``ŷ(x)``, R² recomputed.  Then the hidden layer: every ``x`` is a point
``h(x)``; the points rise to their targets and lie about the tilted plane
``ŷ = w·h + b`` (residuals as sticks): in the hidden space the target is a
linear height field.  A 3-unit layer is seen along the output weights ``w``
(so the plane stays a plane) and its widest other direction.

Defaults, and why they changed: with 2 tanh units (the old default) every seed
tried fits the sine as the difference of two large, nearly cancelling ramps
(each contribution ±3.3 for a target of ±1), so no unit ever looks like a step
and the fit is far off until the last one lands.  Three tanh units with a
little L2 (``1e-3``) fit it as three visible steps (a rising one at 0 and two
falling ones near ±0.95) for every seed from 0 to 4, with R² 0.994; the seed
is the project's default 0, not picked.

Needs a 1-D input (``sine``, a csv ``x,target``) and a last hidden layer of 2
or 3 units.  Render with ``nnanim render regression``.
"""

import numpy as np

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import number, signed, symbol, word
from nnanim.errors import NnanimError

#: seconds of each beat
BEATS = {"intro": 2.0, "bias": 1.2, "show": 1.6, "add": 1.6, "fit": 2.0,
         "hidden": 1.5, "rise": 2.5, "plane": 1.5, "orbit": 4.0, "end": 1.5}
TILT, AZIM = np.radians(62), np.radians(-40)
#: the orbit swings this far each way and comes back to the view where the points spread widest
SWING = np.radians(35)
STEPS = {"relu": "joint", "leaky_relu": "joint", "tanh": "step", "sigmoid": "step"}
#: the share of the picture's height the strips of the unit contributions take
STRIPS = 0.45
SQUARE_STRIPS = 0.36
#: a unit's part w·h(x) is drawn in the theme's weight colour of the sign of w (not a class colour)
SIGN = {False: "purple", True: "green"}


class RegressionScene(SceneContract):
    defaults = {"dataset": "sine", "hidden": [3], "activation": "tanh", "l2": 1e-3, "epochs": 2000}
    tasks = ("regression",)
    has_legend = True

    @classmethod
    def check(cls, job):
        d = job.input_dim
        if d != 1:
            raise NnanimError(f"regression draws ŷ(x) over a 1-D input x; {job.dataset_name} has "
                              f"{d}-D inputs. Choose -d sine or a csv with columns x,target "
                              "(or show it with: nnanim render layers)")
        require_last_hidden(job, "regression", (3, 2), "shows the last hidden layer as the plane "
                            "under the target's height field")

    def construct(self):
        from manim import Create

        from nnanim.core.flow import unit_contributions, unit_joints
        from nnanim.core.projection import keyframe_basis
        from nnanim.draw.mobjects import OpacityFade, Polylines
        from nnanim.draw.plots import CurvePlot, HeightField, Progress

        run, record = self.load_run()
        net = run.network(record)
        theme, layout = self.theme, self.layout
        x, y = run.X[:, 0], run.y
        lo, hi = float(y.min()), float(y.max())
        colors = theme.target_rgb(y, lo, hi)
        r2 = net.r_squared(run.X, y)
        self.r_squared = r2
        xs = np.linspace(x.min(), x.max(), 400)
        C, b = unit_contributions(net, xs[:, None])
        k = C.shape[1]
        partial = b + np.concatenate([np.zeros((len(xs), 1)), np.cumsum(C, axis=1)], axis=1)
        box = self.plot_box(x, y, partial)

        # the picture: the plot on top, one strip per unit below it, all over the same x range
        _, side = layout.picture_square
        margin = 0.03 * side if layout.shape == "landscape" else 0.0
        picture = layout.picture.inset(margin)
        share = STRIPS if layout.shape != "square" else SQUARE_STRIPS  # a square frame: a taller plot
        top, rest = picture.split_top(picture.height * (1 - share), gap=0.2)
        plot = CurvePlot(box, (top.centre, top.height, top.width), theme, clip_box=top.clip)
        plot.scatter(x, y, colors)
        self.plot, self.strips = plot, []
        size = layout.small_size  # small print, readable on a phone
        tall = (rest.height - 0.1 * (k - 1)) / k
        for i in range(k):
            cell, rest = rest.split_top(tall, gap=0.1)
            name = self.label(f"{symbol('w', i + 1)}·{symbol('h', i + 1)}(x)", size=size, color=theme.muted)
            name.move_to([cell.x0 + name.width / 2, cell.y1 - name.height / 2, 0])
            frame = cell.split_top(name.height + 0.06)[1]  # under its name, over the plot's x range
            strip = CurvePlot(self.strip_box(box, C[:, i]), (frame.centre, frame.height, frame.width),
                              theme, clip_box=frame.clip)
            self.strips.append(strip)
            strip.name = name
        still = (self.header(run, record), self.target_legend(lo, hi))
        title, detail = "the target", "one number y for every x, coloured by y; the network answers ŷ(x)"
        caption = self.caption(title, detail)
        self.open(plot, still=(*still, caption), title=title, detail=detail, seconds=BEATS["intro"])

        # the fit, unit by unit: each contribution in its strip, then added to the fit
        fit = plot.curve(xs, partial[:, 0], theme.boundary, theme.boundary_width * 0.8)
        caption = self.swap_caption(caption, "start: ŷ = b",
                                    f"the output bias alone is a flat line at b = {number(b)}", kind="stage")
        self.play(Create(fit), run_time=BEATS["bias"])
        act = net.activations[-1].name
        joints = unit_joints(net)
        w = net.weights[-1][0]
        for i, strip in enumerate(self.strips):
            if joints is not None:
                shape = STEPS.get(act, "bend")
                if shape == "step":
                    shape = f"{'rising' if C[-1, i] > C[0, i] else 'falling'} step"
                what = f"one {shape} at x = {number(joints[i])}"
            else:
                what = "a feature the layers before built"
            w_i, h_i = symbol("w", i + 1), symbol("h", i + 1)
            caption = self.swap_caption(
                caption, f"unit {i + 1}: {w_i}·{h_i}(x)",
                f"a {word(act)} unit adds {what}, scaled by {w_i} = {number(w[i])} "
                f"({SIGN[bool(w[i] >= 0)]}: its strip, at its own scale)",
                kind="stage")
            sign_colour = theme.weights[int(w[i] >= 0)]
            part = strip.curve(xs, C[:, i], sign_colour, theme.boundary_width * 0.7)
            self.add(strip, strip.name)
            self.play(OpacityFade(strip.frame), OpacityFade(strip.name), Create(part),
                      run_time=BEATS["show"])
            flying = plot.curve(xs, partial[:, i + 1], sign_colour, theme.boundary_width * 0.7)
            start = strip.to_scene(np.column_stack([xs, C[:, i]]))
            end = plot.to_scene(np.column_stack([xs, partial[:, i + 1]]))
            flying.clip_box = layout.picture_clip  # it travels from the strip up into the plot
            flying.set_vertices(start)
            self.play(Progress(flying, lambda a, f=flying, s=start, e=end: f.set_vertices((1 - a) * s + a * e)),
                      run_time=BEATS["add"])
            plot.set_curve(fit, partial[:, i + 1])
            plot.remove(flying)
            self.strips[i].part = part
        caption = self.swap_caption(caption, "ŷ(x) beside the target",
                                    f"b plus the {k} strips: R² = {number(r2, 3)} on the {len(y)} points",
                                    kind="stage")
        self.wait(BEATS["fit"])

        # the hidden space: a linear height field
        H = net.forward(run.X).hidden[-1]
        if H.shape[1] == 2:
            axes, B = ("h₁", "h₂"), np.eye(2)
        else:  # one axis along w (the plane stays a plane), the other the widest direction across it
            axes, B = ("h along w", "h across w"), keyframe_basis(H, 2, np.eye(2, H.shape[1]), w[None])
        wB = B @ w
        self.field = field = HeightField(H @ B.T, y, wB, b, theme, layout.picture_square, colors,
                                         clip_box=layout.picture_clip)
        self.field_basis = B
        for part in (field.plane, field.sticks):
            part.set_stroke(opacity=0.0)
        names = [self.label(t, size=size, color=theme.muted) for t in (*axes, "target y")]
        field.names = names
        corner, ends = self.axis_ends(field)
        arrows = Polylines([np.array([corner, e]) for e in ends], smooth=False, stroke_color=theme.muted,
                           stroke_width=theme.grid_width * 2.0)

        def place(_=None):
            scene_ends = field.to_scene(ends)
            arrows.set_vertices(field.to_scene(np.array([corner, ends[0], corner, ends[1],
                                                         corner, ends[2]])))
            for t, e, d in zip(names, scene_ends, scene_ends - field.to_scene(corner[None]),
                               strict=True):
                t.move_to(e + d / max(np.linalg.norm(d), 1e-9) * (t.width / 2 + 0.1))
                x0, y0, x1, y1 = layout.picture_clip  # a name never leaves the picture
                t.shift([min(max(t.get_left()[0], x0), x1 - t.width) - t.get_left()[0],
                         min(max(t.get_bottom()[1], y0), y1 - t.height) - t.get_bottom()[1], 0])

        place()
        caption = self.swap_caption(caption, "the hidden space",
                                    f"each x is one point h(x) of the {H.shape[1]}-unit layer, "
                                    "coloured by its target", kind="stage")
        self.add(field)
        fades = [OpacityFade(s.frame, fade_in=False) for s in self.strips] + \
            [OpacityFade(s.part, fade_in=False) for s in self.strips] + \
            [OpacityFade(s.name, fade_in=False) for s in self.strips]
        self.play(OpacityFade(plot, fade_in=False), *fades, OpacityFade(field.cloud),
                  OpacityFade(field.floor), *(OpacityFade(t) for t in names[:2]), OpacityFade(arrows),
                  run_time=BEATS["hidden"])
        for s in self.strips:
            self.remove(s, s.name)
        caption = self.swap_caption(caption, "height = target",
                                    "lift every point to its target y", kind="stage")
        self.add(names[2])
        self.play(Progress(field, lambda a: (field.update_view(elev=a * TILT, azim=a * AZIM, rise=a),
                                             place())), OpacityFade(names[2]),
                  run_time=BEATS["rise"])
        if H.shape[1] == 2:
            plane = f"ŷ = {number(wB[0])}·h₁ {signed(wB[1])}·h₂ "
        else:
            plane = f"ŷ = {number(wB[0])}·(h along w) "
        plane += signed(b)
        rms = float(np.sqrt(np.mean((y - net.predict(run.X)) ** 2)))
        self.rms = rms
        caption = self.swap_caption(caption, "a tilted plane",
                                    f"{plane}; orange sticks: the errors, RMS {number(rms, 3)} "
                                    f"(R² = {number(r2, 3)})", kind="stage")
        field.plane.set_stroke(opacity=0.55)
        field.sticks.set_stroke(color=theme.classes[1], width=theme.grid_width * 3.0, opacity=0.95)
        self.play(OpacityFade(field.plane), OpacityFade(field.sticks), run_time=BEATS["plane"])
        self.play(Progress(field, lambda a: (field.update_view(azim=AZIM + SWING * np.sin(2 * np.pi * a)),
                                             place())), run_time=BEATS["orbit"])
        self.wait(BEATS["end"])

    @staticmethod
    def strip_box(box, c):
        """A strip's data box: the plot's x range and the contribution's own range, padded."""
        lo, hi = float(np.min(c)), float(np.max(c))
        span = max(hi - lo, 1e-6)
        return (box[0], box[1], lo - 0.12 * span, hi + 0.12 * span)

    @staticmethod
    def axis_ends(field):
        """The axes' corner (the floor's low corner) and their three ends, a little past the box."""
        m, h = field.mid, field.half
        corner = m - h
        return corner, corner + np.diag(2.15 * h)

    @staticmethod
    def plot_box(x, y, partial):
        """The data box of the plot: the target and every partial sum (within a quarter of the target range;
        beyond it a partial sum is clipped at the box)."""
        span = 0.25 * max(float(np.ptp(y)), 1e-6)
        top = min(max(float(y.max()), float(partial.max())), float(y.max()) + span)
        bottom = max(min(float(y.min()), float(partial.min())), float(y.min()) - span)
        pad_x, pad_y = 0.05 * max(float(np.ptp(x)), 1e-6), 0.08 * (top - bottom)
        return (float(x.min()) - pad_x, float(x.max()) + pad_x, bottom - pad_y, top + pad_y)


SCENE = RegressionScene
