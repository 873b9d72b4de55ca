"""Push the input plane through every hidden layer (W·x, + b, σ) until one straight line separates the classes.

Storyboard: the input plane with its data and the network's p = 0.5 boundary;
then, for every hidden layer, its three stages (layers of width 3 tilt into
3-D and slowly orbit); finally the output layer's straight line, the
probability shading and the accuracy, recomputed from the points on screen.

Render with ``nnanim render layers`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 0.6, "squash": 1.8, "rotate": 1.6}
#: radians per second of orbit while the picture is 3-D
ORBIT = 0.12
TILT = np.radians(58)

EXPLAIN = {
    "linear": "rotate and stretch the plane: x → A(t)·x, from the identity to W",
    "rotate": "turn the space so the directions the next layer reads come first",
    "bias": "shift everything: x → x + t·b",
    "activation": "bend each point: x → (1−t)·x + t·{act}(x)",
    "lift": "the plane enters a wider space; tilt to see the new direction",
    "squash": "flatten the directions the next layer ignores",
}


class LayersScene(SceneContract):
    defaults = {"dataset": "spirals", "hidden": [2, 2, 2, 2], "activation": "tanh",
                "lr": 0.02, "epochs": 3000}

    def construct(self):
        from manim import Create

        from nnanim.flow import build_flow
        from nnanim.mobjects import FlowView, OpacityFade

        run, record = self.load_run()
        flow = build_flow(run.network(record), reference=run.X)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.layout.picture_fit,
                        clip_box=self.layout.picture_clip)

        header = self.header(run, record)
        title, detail = "input space", "the data as the network receives it; the curve is where p = 0.5"
        caption = self.caption(title, detail)
        self.open(view, still=(header, caption), title=title, detail=detail, seconds=2.0)

        caption = self.play_stages(view, caption)

        # the output layer: a straight line, the shading, the recomputed accuracy
        out = flow.stages[-1]
        view.set_stage(out.index, 1.0)
        accuracy = flow.accuracy(run.X, run.y)
        caption = self.swap_caption(
            caption, out.caption,
            f"one straight line separates the classes here: {accuracy:.1%} correct, "
            f"{round(accuracy * len(run.y))} of {len(run.y)} points",
            kind="stage",
        )
        extras = []
        shading = self.output_shading(view)
        if shading is not None:
            shading.clip_box = self.layout.picture_clip
            self.add(shading)
            self.bring_to_back(shading)
            extras.append(OpacityFade(shading))
        line = self.output_line(view)
        if line is not None:
            extras.append(Create(line))
        if extras:
            self.play(*extras, run_time=1.4)
        self.wait(2.5)

    def play_stages(self, view, caption, pace: float = 1.0, before=None):
        """Every stage but the output's, each with its caption (a beat); 3-D stages tilt and orbit.

        ``pace`` scales the stages' seconds; ``before(stage)`` runs after each caption swap, before
        the stage plays.  Returns the last caption.
        """
        from nnanim.mobjects import StagePlay, ViewTurn

        flow = view.flow
        acts = flow.network.activations
        for stage in flow.stages[:-1]:
            act = acts[stage.layer].name if stage.layer < len(acts) else ""
            caption = self.swap_caption(caption, stage.caption, EXPLAIN[stage.kind].format(act=act),
                                        kind="stage")
            if before is not None:
                before(stage)
            seconds = PACE[stage.kind] * pace
            spin = ORBIT * seconds if view.elev else 0.0
            if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                self.play(ViewTurn(view, elev=TILT, azim=np.radians(-25)), run_time=1.4)
            self.play(StagePlay(view, stage.index, spin=spin, run_time=seconds))
            if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2 and view.elev:
                self.play(ViewTurn(view, elev=0.0, azim=0.0), run_time=1.2)
        return caption

    # -- pieces of the final picture
    def output_line(self, view):
        """The output layer's boundary w·h + b = 0 across the visible frame (binary, 2-D)."""
        from manim import Line

        flow = view.flow
        if flow.network.task != "binary" or flow.stages[-1].dim != 2:
            return None
        w, c = flow.output_boundary()
        ends = view.segment_in_view(w, c)
        if ends is None:
            return None
        line = Line(*ends, color=self.theme.boundary, stroke_width=self.theme.boundary_width)
        line.clip_box = self.layout.picture_clip  # never across the text
        return line

    def output_shading(self, view):
        """Output probabilities behind the final space (2-D, where the boundaries are exact)."""
        from nnanim.mobjects import RasterImage, probability_image

        flow = view.flow
        if flow.network.task == "regression" or flow.stages[-1].dim != 2 or not flow.boundaries_exact:
            return None
        box = view.visible_box()
        image = probability_image(flow.output_probabilities, box, self.theme.class_rgb(view.n_classes))
        x0, x1, y0, y1 = box
        corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
        return RasterImage(image, corners)


SCENE = LayersScene
