"""Input space beside the 2-unit layer before the output: tangled there, linearly separable here.

Storyboard: two square panels side by side.  Left, the input plane with the
best straight line through the raw inputs (a logistic regression) and its
accuracy; right, the last hidden layer (2 units, or 3 shown in 3-D) with the
output layer's straight line and the network's accuracy, both recomputed.
Then a third copy of the input plane plays every stage of the forward pass
(W·x, + b, σ per layer) while it slides from the left panel to the right
one, where it lands exactly on the right panel's picture.

Render with ``nnanim render bottleneck`` (options: ``nnanim render --help``)
or ``manim scenes/bottleneck.py BottleneckScene``.
"""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, Group, Rectangle, Square, VGroup, config

from nnanim.curves import linear_pairs, probabilities
from nnanim.flow import build_flow
from nnanim.mobjects import FlowView, OpacityFade
from nnanim.nn import Network, fit_linear_classifier
from nnanim.panels import (
    Dim,
    RegionPath,
    TravelStage,
    boundary_overlay,
    early,
    plane_overlay,
)
from nnanim.record import parse_hidden
from nnanim.render import RenderError
from nnanim.scene import FlowScene

#: seconds per stage kind while the picture travels from the left panel to the right one
PACE = {"linear": 1.5, "rotate": 1.3, "bias": 0.9, "activation": 1.5, "lift": 0.6, "squash": 1.3}
#: seconds of each beat outside the travel
BEATS = {"intro": 1.0, "line": 1.0, "look_left": 1.5, "right": 1.2, "look_both": 2.5,
         "handover": 1.0, "caption": 0.3, "landing": 1.2, "end": 3.0}
#: panels: side length and centres (scene units; the frame is 8 high, 14.2 wide)
PANEL_SIZE = 5.4
PANEL_X, PANEL_Y = 3.55, 0.15
#: how faint the still panels are while the travelling picture passes
GHOST = 0.22
#: the 3-D view of a 3-unit last hidden layer
TILT, AZIM = np.radians(58), np.radians(-25)
EXAMPLE = "--hidden 16,16,2"


class BottleneckScene(FlowScene):
    # a little L2 keeps the last hidden layer off tanh's corners (±1, ±1), where every point of
    # a class would sit on one spot; the spirals still train to 99-100 %
    defaults = {"dataset": "spirals", "hidden": [16, 16, 2], "activation": "tanh", "l2": 1e-3}

    def construct(self):
        if self.options.get("run") is None:  # fail before training, not after
            self.check_bottleneck(parse_hidden(self.opt("hidden", self.defaults["hidden"]))[-1])
        run, record = self.load_run()
        self.check_bottleneck(run.widths[-2], run)
        flow = build_flow(run.network(record), reference=run.X)
        K, width = run.n_classes, run.widths[-2]
        task = "binary" if K == 2 else "multiclass"
        plural = "" if K == 2 else "s"

        # -- the two panels: input space, and the last hidden layer
        left = self.panel_view(flow, run, LEFT, stage=0)
        right = self.panel_view(flow, run, RIGHT, stage=len(flow.stages) - 1)
        self.left_view, self.right_view = left, right
        W, b = fit_linear_classifier(run.X, run.y, K)
        self.left_model = (W, b)
        self.left_accuracy = Network([W], [b], [], task).accuracy(run.X, run.y)
        self.right_accuracy = flow.accuracy(run.X, run.y)
        self.left_overlay = boundary_overlay(left, linear_pairs(W, b), probabilities(W, b),
                                             self.theme, K)
        self.right_overlay = self.output_overlay(right)
        kind = "plane" if width == 3 else "line"
        self.statements = {
            "left": f"best straight line{plural}: {self.left_accuracy:.1%} correct",
            "right": f"the network's {kind}{plural}: {self.right_accuracy:.1%} correct",
        }
        left_label = self.panel_label("input space · logistic regression", self.statements["left"],
                                      LEFT)
        right_label = self.panel_label(f"last hidden layer · {width} units",
                                       self.statements["right"], RIGHT)
        left_frame, right_frame = self.panel_frame(LEFT), self.panel_frame(RIGHT)
        arrow = self.middle_arrow(run)

        title = self.top_line("tangled in the input, separable before the output")
        info = self.info_line(run, record)
        masks = self.margin_masks()
        self.add(left_frame, left, masks, title, info, left_label)
        self.play(*(OpacityFade(m) for m in (left_frame, left, title, info, left_label)),
                  run_time=BEATS["intro"])
        self.add_overlay(self.left_overlay)
        self.play(*(OpacityFade(m) for m in self.left_overlay), run_time=BEATS["line"])
        self.wait(BEATS["look_left"])

        self.add(right_frame, right, right_label, arrow)
        self.add_overlay(self.right_overlay)
        self.bring_to_front(masks, title, info, left_label, right_label)
        self.play(*(OpacityFade(m) for m in (right_frame, *self.right_overlay, right, right_label,
                                             arrow)), run_time=BEATS["right"])
        self.wait(BEATS["look_both"])

        # -- how one became the other: the input plane travels through every stage
        still_left = Group(left, self.left_overlay)
        still_right = Group(right, self.right_overlay)
        traveller = self.traveller = FlowView(flow, run.X, run.y, self.theme,
                                              region=self.region(LEFT),
                             grid_bounds=left.grid_bounds)
        title = self.swap_top_line(title, "how: the plane passes through every layer")
        self.add(traveller)
        self.bring_to_front(masks, title, info, left_label, right_label)
        self.play(OpacityFade(traveller), Dim(still_left, GHOST), Dim(still_right, GHOST),
                  Dim(arrow, 0.0), run_time=BEATS["handover"])
        path = self.travel_path(flow)
        tau = 0.0
        for stage in flow.stages[:-1]:
            seconds = self.pace(stage)
            new = self.top_line(stage.caption)
            self.add(new)
            self.play(TravelStage(traveller, stage.index, path, tau, run_time=seconds),
                      OpacityFade(new, rate_func=early(BEATS["caption"], seconds)),
                      OpacityFade(title, fade_in=False, rate_func=early(BEATS["caption"], seconds)),
                      run_time=seconds)
            title, tau = new, tau + seconds
        traveller.set_stage(flow.stages[-1].index, 1.0)

        # -- landing: the travelling plane is the right panel's picture
        end = self.top_line(f"one straight {kind} now separates the classes"
                            if K == 2 else f"straight {kind}s now separate the classes")
        self.add(end)
        self.play(Dim(still_right, 1.0), Dim(still_left, 1.0), Dim(arrow, 1.0),
                  OpacityFade(traveller, fade_in=False), OpacityFade(title, fade_in=False),
                  OpacityFade(end), run_time=BEATS["landing"])
        self.remove(traveller)
        self.wait(BEATS["end"])

    # -- errors the user can fix
    def check_bottleneck(self, width: int, run=None) -> None:
        if width not in (2, 3):
            where = " (in the run file; train it again)" if run is not None else ""
            raise RenderError(
                f"bottleneck shows the last hidden layer, which must have 2 or 3 units; "
                f"got {width}{where}. Change --hidden, e.g. {EXAMPLE}")
        if run is not None and run.task == "regression":
            raise RenderError(
                f"bottleneck needs classes to separate; {run.meta['dataset']['spec']} is a "
                "regression dataset. Choose another with -d, e.g. -d spirals")

    # -- layout
    def region(self, side) -> tuple[np.ndarray, float]:
        return np.array([side[0] * PANEL_X, PANEL_Y, 0.0]), PANEL_SIZE

    def panel_view(self, flow, run, side, stage: int) -> FlowView:
        """A still picture of one stage's end in a panel; the grid fills the input panel exactly."""
        centre, half = flow.trace(run.X).framing(0, 0.0)
        bounds = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.region(side),
                        grid_bounds=bounds, boundary=False)
        view.set_stage(stage, 1.0 if stage else 0.0)
        if stage and flow.stages[stage].dim == 3:  # the input plane stays a top view
            view.set_view_angles(TILT, AZIM)
        return view

    def output_overlay(self, view: FlowView) -> Group:
        """The output layer's boundary over the last hidden space: shaded line(s), or a plane."""
        flow = view.flow
        if flow.stages[-1].dim == 2:
            return boundary_overlay(view, flow.output_boundaries(), flow.output_probabilities,
                                    self.theme, view.n_classes)
        plane = None
        if view.n_classes == 2:
            plane = plane_overlay(view, *flow.output_boundary(), self.theme)
        overlay = Group(*([plane] if plane is not None else []))
        overlay.shading, overlay.strokes, overlay.lines = plane, None, []
        return overlay

    def add_overlay(self, overlay: Group) -> None:
        """Shading (or a plane) behind everything, lines on top."""
        if overlay.shading is not None:
            self.add(overlay.shading)
            self.bring_to_back(overlay.shading)
        if overlay.strokes is not None:
            self.add(overlay.strokes)

    def travel_path(self, flow) -> RegionPath:
        """Left panel → right panel over the whole travel; tilt during the first 3-D stages."""
        seconds = [self.pace(s) for s in flow.stages[:-1]]
        starts = np.concatenate([[0.0], np.cumsum(seconds)])
        first_3d = next((i for i, s in enumerate(flow.stages) if s.dim == 3), None)
        angles = (TILT, AZIM) if flow.stages[-1].dim == 3 else (0.0, 0.0)
        turn = None
        if first_3d is not None:
            turn = (starts[first_3d], min(starts[first_3d] + 2.5, starts[-1]))
        (o0, h0), (o1, h1) = self.region(LEFT), self.region(RIGHT)
        return RegionPath((o0, h0, 0.0, 0.0), (o1, h1, *angles), starts[-1], turn)

    def pace(self, stage) -> float:
        return PACE["rotate" if "rotate" in stage.caption else stage.kind]

    def margin_masks(self) -> VGroup:
        """Background-coloured bands around the panels: a curve that leaves them never covers text.

        (Empty with a transparent background, where a band would show.)
        """
        masks = VGroup()
        if config.transparent:
            return masks
        w, h = config.frame_width + 0.2, config.frame_height + 0.2
        edge = PANEL_SIZE / 2 + 0.08
        top, bottom, side = PANEL_Y + edge, PANEL_Y - edge, PANEL_X + edge
        for width, height, x, y in ((w, h / 2 - top, 0, (top + h / 2) / 2),
                                    (w, bottom + h / 2, 0, (bottom - h / 2) / 2),
                                    (w / 2 - side, h, (side + w / 2) / 2, 0),
                                    (w / 2 - side, h, -(side + w / 2) / 2, 0)):
            band = Rectangle(width=width, height=height, stroke_width=0,
                             fill_color=self.theme.background, fill_opacity=1)
            masks.add(band.move_to([x, y, 0]))
        return masks

    def panel_frame(self, side) -> Square:
        centre, size = self.region(side)
        return Square(size + 0.12, stroke_color=self.theme.muted, stroke_width=1.5,
                      stroke_opacity=0.6).move_to(centre)

    def panel_label(self, title: str, detail: str, side) -> VGroup:
        centre, size = self.region(side)
        group = VGroup(self.label(title, size=26, weight="BOLD"),
                       self.label(detail, size=22, color=self.theme.muted))
        group.arrange(DOWN, buff=0.12)
        if group.width > size + 0.6:
            group.scale_to_fit_width(size + 0.6)
        return group.next_to(centre + DOWN * (size / 2 + 0.06), DOWN, buff=0.18)

    def middle_arrow(self, run) -> VGroup:
        arch = " → ".join(str(w) for w in run.widths[1:-1])
        gap = PANEL_X - PANEL_SIZE / 2 - 0.06
        arrow = Arrow(LEFT * (gap - 0.1), RIGHT * (gap - 0.1), buff=0, color=self.theme.muted,
                      stroke_width=3, max_tip_length_to_length_ratio=0.25).shift(UP * PANEL_Y)
        name = self.label(arch, size=20, color=self.theme.muted)
        if name.width > 2 * gap - 0.1:
            name.scale_to_fit_width(2 * gap - 0.1)
        return VGroup(arrow, name.next_to(arrow, UP, buff=0.12))

    def top_line(self, text: str):
        line = self.label(text, size=32, weight="BOLD")
        if line.width > config.frame_width - 1.0:
            line.scale_to_fit_width(config.frame_width - 1.0)
        return line.move_to([0, config.frame_height / 2 - 0.42, 0])

    def swap_top_line(self, old, text: str):
        new = self.top_line(text)
        self.add(new)
        self.play(OpacityFade(new), OpacityFade(old, fade_in=False), run_time=BEATS["caption"])
        return new

    def info_line(self, run, record):
        line = self.label(run.describe(record), size=20, color=self.theme.muted)
        return line.move_to([0, config.frame_height / 2 - 0.88, 0])


SCENE = BottleneckScene
