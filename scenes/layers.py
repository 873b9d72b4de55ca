"""Push the input plane through every hidden layer (W·x, + b, σ) until one straight line separates the classes.

Storyboard: the input plane with its data and the network's p = 0.5 boundary;
then, for every hidden layer, its three stages (layers of width 3 tilt into
3-D and slowly orbit); finally the output layer's straight line, the
probability shading and the accuracy, recomputed from the points on screen.

Regression data (``sine``, ``ripple``, a csv target, an ``expr:`` number):
the points are coloured by their target (a colour bar in the header), a few
level sets ``ŷ = c`` of the network's output take the boundary's place (curves
of a 2-D input, points on the line of a 1-D one, which the first layer lays
into the plane), and in the last hidden space they end as parallel straight
lines ``w·h + b = c`` over the shading of ``ŷ``, with R² recomputed.

Render with ``nnanim render layers`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract
from nnanim.core.notation import general, number, word

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 0.6, "squash": 1.8, "rotate": 1.6}
#: seconds the poster's shading stays, then takes to fade: together the 2 s opening hold
POSTER_HOLD, POSTER_FADE = 0.4, 1.6
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

LINE_INTO_PLANE = "the input is a line: x → x·w lays it along the first layer's weights"


class LayersScene(SceneContract):
    defaults = {"dataset": "spirals", "hidden": [2, 2, 2, 2], "activation": "tanh",
                "lr": 0.02, "epochs": 3000}
    tasks = ("binary", "multiclass", "regression")

    @property
    def has_legend(self):  # the target's colour bar
        return self.job.task == "regression"

    def construct(self):
        from manim import Create, linear

        from nnanim.core.flow import build_flow
        from nnanim.draw.mobjects import FlowView
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.posters import input_shading

        run, record = self.load_run()
        flow = build_flow(run.network(record), reference=run.X)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.layout.picture_fit,
                        clip_box=self.layout.picture_clip)

        regression = flow.network.task == "regression"
        still = [self.header(run, record)]
        title = "input space"
        if regression:
            still.append(self.target_legend(*view.target_range))
            levels = ", ".join(general(c) for c in view.levels)
            where = "points on the line" if run.X.shape[1] == 1 else "curves"
            detail = (f"the data as the network receives it, coloured by target; the {where} "
                      f"are where the output ŷ = {levels}" if len(view.levels) else
                      "the data as the network receives it, coloured by target")
        elif run.X.shape[1] > 3:
            detail = self.wide_input_words(run, flow.stages[0].dim)
        else:
            detail = "the data as the network receives it; the curve is where p = 0.5"
        caption = self.caption(title, detail)
        landmarks = self.image_landmarks(run, view)
        # the poster: the trained network's answer, both sides shaded; it fades out evenly until
        # the plane moves, in a play of its own, so the opening ends on the plane alone (a 0.3 s
        # fade as the first caption changed was a one-frame jump at a low frame rate, and a fade
        # that ended early left still frames before the next play: a jump at the cut too)
        poster = input_shading(view, self.theme)
        if poster is not None:
            self.add(poster)
            self.bring_to_back(poster)
        self.open(view, *landmarks, still=(*still, caption), title=title, detail=detail,
                  seconds=POSTER_HOLD if poster is not None else POSTER_HOLD + POSTER_FADE)
        if poster is not None:
            self.play(OpacityFade(poster, fade_in=False, rate_func=linear), run_time=POSTER_FADE)

        caption = self.play_stages(view, caption)

        # the output layer: a straight line, the shading, the recomputed accuracy
        out = flow.stages[-1]
        view.set_stage(out.index, 1.0)
        if regression:
            r2 = flow.r_squared(run.X, run.y)
            shape = "planes" if out.dim == 3 else "lines"
            detail = (f"ŷ is linear in this space: its level {shape} are straight and parallel; "
                      f"R² = {number(r2, 3)} on the {len(run.y)} points")
        else:
            accuracy = flow.accuracy(run.X, run.y)
            detail = (f"one straight line separates the classes here: {accuracy:.1%} correct, "
                      f"{round(accuracy * len(run.y))} of {len(run.y)} points")
        caption = self.swap_caption(caption, out.caption, detail, kind="stage")
        extras = self.add_output_shading(view)
        for line in self.output_lines(view):
            extras.append(Create(line))
        if extras:
            self.play(*extras, run_time=1.4)
        self.wait(2.5)

    def play_stages(self, view, caption, pace: float = 1.0, before=None):
        """Every stage but the output's, each with its caption (a beat); 3-D stages tilt and orbit.

        ``pace`` scales the stages' seconds; ``before(stage)`` runs after each caption swap, before
        the stage plays.  Returns the last caption.
        """
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        flow = view.flow
        acts = flow.network.activations
        for stage in flow.stages[:-1]:
            act = word(acts[stage.layer].name) if stage.layer < len(acts) else ""
            explain = EXPLAIN[stage.kind].format(act=act)
            if stage.kind == "linear" and stage.layer == 0 and flow.input_dim == 1:
                explain = LINE_INTO_PLANE
            caption = self.swap_caption(caption, stage.caption, explain, kind="stage")
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

    def image_landmarks(self, run, view) -> list:
        """An image dataset (digits): one of its own images per class beside its point, moving
        with it through every stage (none for other data)."""
        from manim.utils.color import ManimColor

        from nnanim.draw.landmarks import ImageLandmarks

        indices, images = run.landmark_images()
        if not len(indices):
            return []
        colours = self.theme.class_rgb(max(run.n_classes, 2))[run.y[indices].astype(int)]
        background = ManimColor(self.theme.background).to_rgb()
        marks = ImageLandmarks(view, indices, images, colours, background,
                               size=0.09 * self.layout.picture.height, clip=self.layout.picture_clip)
        marks.add_updater(lambda m: m.follow(view))
        return [marks]

    @staticmethod
    def wide_input_words(run, k: int) -> str:
        """An input wider than three, in words: its fixed principal axes and what they keep."""
        axes = run.input_axes(k)
        kept = sum(share for _, share in axes)
        named = "; ".join(f"axis {i + 1}: {words}" for i, (words, _) in enumerate(axes))
        return (f"{run.X.shape[1]} inputs seen along their {k} principal axes, "
                f"{kept:.0%} of the variance. {named}")

    # -- pieces of the final picture
    def output_lines(self, view):
        """Straight lines across the visible frame (2-D): the binary boundary w·h + b = 0, or the
        regression level lines w·h + b = c in the colours of their levels."""
        from manim import Line
        from manim.utils.color import ManimColor

        flow = view.flow
        if flow.stages[-1].dim != 2 or flow.network.task == "multiclass":
            return []
        if flow.network.task == "binary":
            w, c = flow.output_boundary()
            lines = [(w, c, self.theme.boundary, self.theme.boundary_width)]
        else:
            w, b = flow.output_affine()
            lines = [(w, b - level, ManimColor(rgb), self.theme.boundary_width * 0.75)
                     for level, rgb in zip(view.levels, view.level_rgb, strict=True)]
        out = []
        for w, c, color, width in lines:
            ends = view.segment_in_view(w, c)
            if ends is not None:
                line = Line(*ends, color=color, stroke_width=width)
                line.clip_box = self.layout.picture_clip  # never across the text
                out.append(line)
        return out

    def add_output_shading(self, view) -> list:
        """Put the output shading behind the picture (clipped to it): the fade-in to play, if any."""
        from nnanim.draw.mobjects import OpacityFade

        shading = self.output_shading(view)
        if shading is None:
            return []
        shading.clip_box = self.layout.picture_clip
        self.add(shading)
        self.bring_to_back(shading)
        return [OpacityFade(shading)]

    def output_shading(self, view):
        """Output probabilities behind the final space (2-D, where the boundaries are exact)."""
        from nnanim.draw.mobjects import RasterImage, probability_image, value_image

        flow = view.flow
        if flow.stages[-1].dim != 2 or not flow.boundaries_exact:
            return None
        box = view.visible_box()
        if flow.network.task == "regression":
            image = value_image(flow.output_values, box, self.theme, *view.target_range)
        else:
            image = probability_image(flow.output_probabilities, box,
                                      self.theme.class_rgb(view.n_classes))
        x0, x1, y0, y1 = box
        corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
        return RasterImage(image, corners)


SCENE = LayersScene
