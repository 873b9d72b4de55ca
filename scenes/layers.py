"""Push the input plane through every hidden layer (W·x, + b, σ) until one straight line separates the classes.

Storyboard: the input plane with its data and the network's p = 0.5 boundary;
then, for every hidden layer, its three stages; layers of width 3 in 3-D;
finally the output layer's straight line, the probability shading and the
accuracy, recomputed from the points on screen.

Render with ``nnanim render layers`` (options: ``nnanim render --help``) or
``manim scenes/layers.py LayersScene``.
"""

import numpy as np
from manim import DEGREES, Create, Line

from nnanim.flow import build_flow
from nnanim.mobjects import FlowView, OpacityFade, RasterImage, StagePlay, probability_image
from nnanim.scene import FlowThreeDScene

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 1.6, "squash": 1.8}

EXPLAIN = {
    "linear": "rotate and stretch the plane: x → A(t)·x, from I to W",
    "bias": "shift everything: x → x + t·b",
    "activation": "bend each point: x → (1−t)·x + t·{act}(x)",
    "lift": "the plane enters a wider space",
    "squash": "flatten onto the directions the next layer reads",
}


class LayersScene(FlowThreeDScene):
    defaults = {"dataset": "spirals", "hidden": [2, 2, 2, 2], "activation": "tanh",
                "lr": 0.02, "epochs": 3000}

    def construct(self):
        run, record = self.load_run()
        flow = build_flow(run.network(record), reference=run.X)
        view = FlowView(flow, run.X, run.y, self.theme)
        acts = flow.network.activations

        header = self.header(run, record)
        caption = self.caption("input space",
                               "the data as the network receives it · white: where p = 0.5")
        self.add_fixed_in_frame_mobjects(header, caption)
        self.play(OpacityFade(view), OpacityFade(header), OpacityFade(caption), run_time=1.2)
        self.wait(1.0)

        for stage in flow.stages:
            if stage.kind == "output":
                break
            detail = EXPLAIN[stage.kind].format(act=acts[stage.layer].name
                                                if stage.layer < len(acts) else "")
            caption = self.swap_caption(caption, stage.caption, detail)
            if stage.kind == "lift" and stage.dim == 3:
                self.move_camera(phi=62 * DEGREES, theta=-70 * DEGREES, run_time=1.2)
                self.begin_ambient_camera_rotation(rate=0.08)
                self.play(StagePlay(view, stage.index, run_time=0.4))
            else:
                self.play(StagePlay(view, stage.index, run_time=PACE[stage.kind]))
            if stage.kind == "squash":
                self.stop_ambient_camera_rotation()
                self.move_camera(phi=0, theta=-90 * DEGREES, run_time=1.0)

        # the output layer: a straight line, the shading, the recomputed accuracy
        out = flow.stages[-1]
        view.set_stage(out.index, 1.0)
        accuracy = flow.accuracy(run.X, run.y)
        caption = self.swap_caption(
            caption, out.caption,
            f"one straight line separates the classes · accuracy {accuracy:.1%} "
            f"({round(accuracy * len(run.y))} of {len(run.y)} points)",
        )
        shading = self.output_shading(view)
        extras = [OpacityFade(shading)] if shading is not None else []
        line = self.output_line(view)
        if line is not None:
            extras.append(Create(line))
        self.play(*extras, run_time=1.4)
        self.wait(2.5)

    # -- pieces of the final picture
    def output_line(self, view: FlowView):
        """The output layer's boundary w·h + b = 0 across the visible frame (binary, 2-D)."""
        flow = view.flow
        if flow.network.task != "binary" or flow.stages[-1].dim != 2:
            return None
        w, c = flow.output_boundary()
        ends = view.segment_in_view(w, c)
        if ends is None:
            return None
        return Line(*ends, color=self.theme.boundary, stroke_width=self.theme.boundary_width)

    def output_shading(self, view: FlowView):
        flow = view.flow
        if flow.network.task == "regression" or flow.stages[-1].dim != 2 or not flow.boundaries_exact:
            return None
        box = view.visible_box()
        k = max(2, int(view.n_classes))
        image = probability_image(flow.output_probabilities, box, self.theme.class_rgb(k))
        x0, x1, y0, y1 = box
        corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
        shading = RasterImage(image, corners)
        shading.set_z_index(-1)
        return shading


SCENE = LayersScene
