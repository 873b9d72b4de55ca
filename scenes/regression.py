"""Regression: the fit ŷ(x) built unit by unit over its target, then the hidden space where the target is a tilted plane.

Storyboard (a 1-D input, default ``sine`` with one hidden layer of 2 tanh
units): the target points ``(x, y)``, coloured by ``y``; the fit starts as the
output bias ``b`` (a flat line) and each unit of the last hidden layer adds
its contribution ``w_i·h_i(x)`` (with one hidden layer a ReLU unit adds one
joint, a tanh or sigmoid unit one step, at ``x = −b_i/a_i``) until the sum is
the network's ``ŷ(x)``, R² recomputed.  Then the 2-unit hidden layer: every
``x`` is a point ``h(x)`` of the plane; the points rise to their targets and
lie about the tilted plane ``ŷ = w·h + b`` (residuals as sticks): in the hidden
space the target is a linear height field.

Needs a 1-D input (``sine``, a csv ``x,target``) and a last hidden layer of 2
units.  Render with ``nnanim render regression``.
"""

import numpy as np

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.errors import NnanimError
from nnanim.notation import number, signed, symbol

#: seconds of each beat
BEATS = {"intro": 2.0, "bias": 1.2, "show": 0.8, "add": 1.6, "fit": 2.0, "swap": 0.6,
         "hidden": 1.5, "rise": 2.5, "plane": 1.5, "orbit": 4.0, "end": 1.5}
TILT, AZIM = np.radians(62), np.radians(-30)
STEPS = {"relu": "one joint", "leaky_relu": "one joint", "tanh": "one step", "sigmoid": "one step"}


class RegressionScene(SceneContract):
    defaults = {"dataset": "sine", "hidden": [2], "activation": "tanh", "epochs": 2000}
    tasks = ("regression",)
    has_legend = True

    @classmethod
    def check(cls, job):
        d = job.input_dim
        if d != 1:
            raise NnanimError(f"regression draws ŷ(x) over a 1-D input x; {job.dataset_name} has "
                              f"{d}-D inputs. Choose -d sine or a csv with columns x,target "
                              "(or show it with: nnanim render layers)")
        require_last_hidden(job, "regression", (2,), "shows the last hidden layer as the plane "
                            "under the target's height field")

    def construct(self):
        from manim import Create

        from nnanim.flow import unit_contributions, unit_joints
        from nnanim.mobjects import OpacityFade
        from nnanim.plots import CurvePlot, HeightField, Progress

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
        partial = b + np.concatenate([np.zeros((len(xs), 1)), np.cumsum(C, axis=1)], axis=1)
        box = self.plot_box(x, y, partial)

        plot = CurvePlot(box, layout.picture_fit, theme, clip_box=layout.picture_clip)
        plot.scatter(x, y, colors)
        still = (self.header(run, record), self.target_legend(lo, hi))
        title, detail = "the target", "one number y for every x, coloured by y; the network answers ŷ(x)"
        caption = self.caption(title, detail)
        self.open(plot, still=(*still, caption), title=title, detail=detail, seconds=BEATS["intro"])

        # the fit, unit by unit
        fit = plot.curve(xs, partial[:, 0], theme.boundary, theme.boundary_width * 0.8)
        caption = self.swap_caption(caption, "start: ŷ = b",
                                    f"the output bias alone is a flat line at b = {number(b)}", kind="stage")
        self.play(Create(fit), run_time=BEATS["bias"])
        act = net.activations[-1].name
        joints = unit_joints(net)
        w = net.weights[-1][0]
        for i in range(C.shape[1]):
            what = f"{STEPS.get(act, 'one bend')} at x = {number(joints[i])}" if joints is not None \
                else "a feature the layers before built"
            caption = self.swap_caption(
                caption, f"unit {i + 1}: + {symbol('w', i + 1)}·{symbol('h', i + 1)}(x)",
                f"{what}, scaled by {symbol('w', i + 1)} = {number(w[i])}; orange: this unit alone",
                kind="stage")
            part = plot.curve(xs, C[:, i], theme.classes[1], theme.boundary_width * 0.55)
            self.play(OpacityFade(part), run_time=BEATS["show"])
            before, added = partial[:, i], C[:, i]
            self.play(Progress(fit, lambda a, s=before, c=added: plot.set_curve(fit, s + a * c)),
                      run_time=BEATS["add"])
            self.play(OpacityFade(part, fade_in=False), run_time=BEATS["swap"])
            plot.remove(part)
        caption = self.swap_caption(caption, "ŷ(x) beside the target",
                                    f"the sum of the units and b: R² = {number(r2, 3)} on the {len(y)} points",
                                    kind="stage")
        self.wait(BEATS["fit"])

        # the hidden space: a linear height field
        H = net.forward(run.X).hidden[-1]
        self.field = field = HeightField(H, y, w, b, theme, layout.picture_square, colors,
                                         clip_box=layout.picture_clip)
        for part in (field.plane, field.sticks):
            part.set_stroke(opacity=0.0)
        caption = self.swap_caption(caption, "the hidden space",
                                    "each x is one point h(x) of the 2-unit layer, coloured by its target",
                                    kind="stage")
        self.add(field)
        self.play(OpacityFade(plot, fade_in=False), OpacityFade(field.cloud), OpacityFade(field.floor),
                  run_time=BEATS["hidden"])
        caption = self.swap_caption(caption, "height = target",
                                    "lift every point to its target y", kind="stage")
        self.play(Progress(field, lambda a: field.update_view(elev=a * TILT, azim=a * AZIM, rise=a)),
                  run_time=BEATS["rise"])
        plane = f"ŷ = {number(w[0])}·h₁ {signed(w[1])}·h₂ {signed(b)}"
        caption = self.swap_caption(caption, "a tilted plane",
                                    f"{plane}; sticks: the errors (R² = {number(r2, 3)})",
                                    kind="stage")
        field.plane.set_stroke(opacity=0.55)
        field.sticks.set_stroke(opacity=0.6)
        self.play(OpacityFade(field.plane), OpacityFade(field.sticks), run_time=BEATS["plane"])
        self.play(Progress(field, lambda a: field.update_view(azim=AZIM + a * np.radians(70))),
                  run_time=BEATS["orbit"])
        self.wait(BEATS["end"])

    @staticmethod
    def plot_box(x, y, partial):
        """The data box of the plot: the target and every partial sum (within half a target range)."""
        span = 0.5 * max(float(np.ptp(y)), 1e-6)
        top = min(max(float(y.max()), float(partial.max())), float(y.max()) + span)
        bottom = max(min(float(y.min()), float(partial.min())), float(y.min()) - span)
        pad_x, pad_y = 0.05 * max(float(np.ptp(x)), 1e-6), 0.08 * (top - bottom)
        return (float(x.min()) - pad_x, float(x.max()) + pad_x, bottom - pad_y, top + pad_y)


SCENE = RegressionScene
