"""Input space beside the 2-unit layer before the output: tangled there, linearly separable here.

Storyboard: two square panels side by side.  Left, the input plane with the
best straight line through the raw inputs (a logistic regression) and its
accuracy; right, the last hidden layer (2 units, or 3 shown in 3-D) with the
output layer's straight line and the network's accuracy, both recomputed.
The poster shows both panels whole, each with its lines and words.  Then a
third copy of the input plane takes the right panel's place and plays every
stage of the forward pass there (W·x, + b, σ per layer), the left panel
keeping the start in view, until it lands exactly on the right panel's
picture.  The copy never leaves the right panel's square: sliding from one
panel to the other, it crossed the gap between them with a dimmed original
under it, which read as a third, broken picture.

In a vertical frame the panels are stacked, the input plane above.

Regression data: the points are coloured by target (a colour bar under the
info line); left, the best linear fit on the raw inputs (least squares) with
its shading and straight level lines and its R²; right, the network's output,
linear in the last hidden layer, with its level lines and R², both recomputed.

Render with ``nnanim render bottleneck`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import number

#: seconds per stage kind while the copy of the input plane plays in the right panel
PACE = {"linear": 1.5, "rotate": 1.3, "bias": 0.9, "activation": 1.5, "lift": 1.0, "squash": 1.3}
#: seconds of each beat outside the travel
BEATS = {"poster": 3.0, "handover": 1.2, "caption": 0.8, "landing": 1.2, "end": 3.0}
#: the right panel's words while the input plane plays there (they describe where it lands)
QUIET = 0.35
#: the 3-D view of a 3-unit last hidden layer
TILT, AZIM = np.radians(58), np.radians(-25)
INPUT, HIDDEN = 0, 1  # the two panels: input space, last hidden layer
HOW = "how: the plane passes through every layer"
REGRESSION_TITLE = "curved in the input, linear before the output"


class BottleneckScene(SceneContract):
    top_title = True  # a panel scene: its title line is on top
    # three classes: a two-class output reads one direction of the 2-unit layer (w·h), so the
    # error reaching the layer always points along w, both units are trained into copies of
    # each other and every point ends on one diagonal (L2 removes what is left of the other
    # direction): a layer that looks one-dimensional.  Three classes are read along two
    # directions, and the layer uses both.  A little L2 keeps the points off tanh's corners
    # (±1, ±1), where every point of a class would sit on one spot; the three spirals train to
    # 99 %, against 44 % for the best straight lines in the input
    defaults = {"dataset": "spirals", "classes": 3, "hidden": [16, 16, 2], "activation": "tanh",
                "l2": 1e-3}
    max_inputs = 2  # it draws the input plane itself
    tasks = ("binary", "multiclass", "regression")

    @classmethod
    def check(cls, job):
        require_last_hidden(job, "bottleneck", (2, 3), "shows the last hidden layer")

    def construct(self):
        from manim import Group, rush_from

        from nnanim.core.curves import level_values, linear_pairs, probabilities
        from nnanim.core.flow import build_flow
        from nnanim.core.nn import Network, fit_linear_classifier, fit_linear_regression
        from nnanim.draw.mobjects import FlowView, OpacityFade
        from nnanim.draw.panels import (
            Dim,
            TravelStage,
            boundary_overlay,
            early,
            fit_grid,
            late,
            level_overlay,
        )

        run, record = self.load_run()
        regression = self.regression = run.task == "regression"
        title = self.top_line(REGRESSION_TITLE if regression else
                              "tangled in the input, separable before the output")
        # the info line goes under the tallest title of the video, so no title ever covers it
        tallest = max((self.top_line(t) for t in (title.text, HOW, *self.end_lines())),
                      key=lambda m: m.height)
        info = self.info_line(run, record, below=tallest)
        lo, hi = float(run.y.min()), float(run.y.max())
        if regression:  # the target's colour bar, under the info line
            from manim import DOWN

            legend = self.target_legend(lo, hi).next_to(info, DOWN, buff=0.12)
            info = Group(info, legend)
        top = self.layout.safe.y1 - info.get_bottom()[1]
        # label strips as tall as the labels need: a title over its statement, which wraps in
        # the narrower frames (the panels as large as the labels leave room for)
        def label_height(panels):
            self.panels = panels
            return max(self.panel_label(t, d, side).height for t, d, side in (
                ("input space", "best straight lines: 100.0% correct", INPUT),
                (self.hidden_title(run.widths[-2]), "the network's planes: 100.0% correct",
                 HIDDEN)))

        # side by side in a square frame the panels' width is what limits them: a narrower gap
        # (a shorter arrow) gives each panel 6 % more, so the classes stay large (issue 16)
        gap = 0.5 if self.layout.shape == "square" else 0.9
        self.panels = fit_grid(self.layout, 2, label_height, top=top, gap=gap, lines=2)
        flow = build_flow(run.network(record), reference=run.X)
        K, width = run.n_classes, run.widths[-2]
        task = "binary" if K == 2 else "multiclass"
        plural = "" if K == 2 or regression else "s"
        self.levels = levels = level_values(run.y, 5) if regression else None

        # -- the two panels: input space, and the last hidden layer
        left = self.panel_view(flow, run, INPUT, stage=0)
        right = self.panel_view(flow, run, HIDDEN, stage=len(flow.stages) - 1)
        self.left_view, self.right_view = left, right
        kind = "plane" if width == 3 else "line"
        if regression:
            W, b = fit_linear_regression(run.X, run.y)
            self.left_model = (W, b)
            self.left_r2 = Network([W], [b], [], "regression").r_squared(run.X, run.y)
            self.right_r2 = flow.r_squared(run.X, run.y)
            w_display = np.zeros(2)
            w_display[: W.shape[1]] = W[0]  # a 1-D input x is the point (x, 0)
            self.left_overlay = level_overlay(left, w_display, float(b[0]), levels, self.theme, lo, hi)
            self.right_overlay = self.output_overlay(right)
            self.statements = {
                "left": f"best linear fit: R² = {number(self.left_r2, 3)}",
                "right": f"the network's output: R² = {number(self.right_r2, 3)}",
            }
        else:
            W, b = fit_linear_classifier(run.X, run.y, K)
            self.left_model = (W, b)
            self.left_accuracy = Network([W], [b], [], task).accuracy(run.X, run.y)
            self.right_accuracy = flow.accuracy(run.X, run.y)
            self.left_overlay = boundary_overlay(left, linear_pairs(W, b), probabilities(W, b),
                                                 self.theme, K)
            self.right_overlay = self.output_overlay(right)
            self.statements = {
                "left": f"best straight line{plural}: {self.left_accuracy:.1%} correct",
                "right": f"the network's {kind}{plural}: {self.right_accuracy:.1%} correct",
            }
        left_label = self.panel_label("input space", self.statements["left"],
                                      INPUT)
        right_title = self.hidden_title(width)
        right_label = self.panel_label(right_title,
                                       self.statements["right"], HIDDEN)
        left_frame, right_frame = self.panel_frame(INPUT), self.panel_frame(HIDDEN)
        arrow = self.middle_arrow()

        masks = self.margin_masks()
        # the poster: both panels whole, each with its lines, its shading and its words (the
        # caption about the network's lines is never shown without them); the look at both is
        # the poster's hold
        self.add(left_frame, left, right_frame, right)
        self.add_overlay(self.left_overlay)
        self.add_overlay(self.right_overlay)
        self.open(masks, title, info, left_label, right_label, arrow, title=title.text,
                  seconds=BEATS["poster"])

        # -- how one became the other: the input plane plays every stage inside the right
        # panel (never between the panels), the left panel keeping the start in view; the right
        # panel's own picture leaves for it (a faint original under the playing copy reads as a
        # second picture) and is the copy's landing
        still_right = Group(right, self.right_overlay)
        (cx, cy, _), size = self.region(HIDDEN)
        traveller = self.traveller = FlowView(flow, run.X, run.y, self.theme, levels=levels,
                                              region=self.region(HIDDEN), grid_bounds=left.grid_bounds,
                                              clip_box=(cx - size / 2, cy - size / 2,
                                                        cx + size / 2, cy + size / 2))
        # the title changes in the same play as the pictures swap (a play of its own, the
        # pictures still, starts a segment whose first frame flickers with the encoder's
        # keyframe); both start quickly for the same reason (issue 16)
        how = self.top_line(HOW)
        self.mark("caption", HOW)
        self.add(traveller, how)
        self.bring_to_front(masks, title, how, info, left_label, right_label, arrow)
        seconds = BEATS["handover"]
        self.play(Dim(still_right, 0.0, rate_func=early(0.45 * seconds, seconds, rush_from)),
                  OpacityFade(traveller, rate_func=late(0.35 * seconds, seconds)),
                  Dim(right_label, QUIET, rate_func=rush_from),
                  *self.swap_text(title, how), run_time=seconds)
        title = how
        path = self.travel_path(flow)
        tau = 0.0
        for stage in flow.stages[:-1]:
            seconds = PACE[stage.kind]
            new = self.top_line(stage.caption)
            self.mark("stage", stage.caption)
            self.add(new)
            self.play(TravelStage(traveller, stage.index, path, tau, run_time=seconds),
                      *self.swap_text(title, new, BEATS["caption"], seconds),
                      run_time=seconds)
            title, tau = new, tau + seconds
        traveller.set_stage(flow.stages[-1].index, 1.0)

        # -- landing: the travelling plane is the right panel's picture
        if regression:
            end = self.top_line(self.end_lines()[0].replace("lines", f"{kind}s"))
        else:
            end = self.top_line(self.end_lines()[0 if K == 2 else 1].replace("line", kind))
        self.mark("outro", end.text)
        self.add(end)
        self.play(Dim(still_right, 1.0), Dim(right_label, 1.0), OpacityFade(traveller, fade_in=False),
                  *self.swap_text(title, end),
                  run_time=BEATS["landing"])
        self.remove(traveller)
        self.wait(BEATS["end"])

    # -- layout: the two panels of the layout's grid
    def top_line(self, text: str):
        """The title line; in a square frame at the layout's narrow title size, so the longest
        title takes two lines, not three, and the two panels keep room for their labels."""
        from nnanim.draw.scene import FlowScene
        from nnanim.layout import NARROW_TITLE_SIZE

        if self.layout.shape != "square":
            return FlowScene.top_line(self, text)

        strip = self.layout.title_strip()
        line = self.label(text, size=NARROW_TITLE_SIZE, weight="BOLD", width=strip.width)
        line.text = text
        return line.move_to([0, strip.y1 - line.height / 2, 0])

    def region(self, side) -> tuple[np.ndarray, float]:
        centre, size = self.panels[side].picture.square()
        return np.array(centre), size

    def panel_view(self, flow, run, side, stage: int):
        """A still picture of one stage's end in a panel; the grid fills the input panel exactly."""
        from nnanim.draw.mobjects import FlowView

        centre, half = flow.trace(run.X).framing(0, 0.0)
        bounds = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.region(side),
                        grid_bounds=bounds, boundary=False)
        view.set_stage(stage, 1.0 if stage else 0.0)
        if stage and flow.stages[stage].dim == 3:  # the input plane stays a top view
            view.set_view_angles(TILT, AZIM)
        return view

    def output_overlay(self, view):
        """The output layer's boundary over the last hidden space: shaded line(s), or a plane;
        for a numeric target its straight level lines (a level plane in 3-D)."""
        from manim import Group

        from nnanim.draw.panels import level_overlay, output_overlay, plane_overlay

        flow = view.flow
        if not getattr(self, "regression", False):
            return output_overlay(view, self.theme)
        y = view.target_range
        w, b = flow.output_affine()
        if flow.stages[-1].dim == 2:
            return level_overlay(view, w, b, self.levels, self.theme, *y)
        middle = float(np.median(self.levels)) if len(self.levels) else b
        plane = plane_overlay(view, w, b - middle, self.theme)
        overlay = Group(*([plane] if plane is not None else []))
        overlay.shading, overlay.strokes, overlay.lines = plane, None, []
        return overlay

    def add_overlay(self, overlay) -> None:
        """Shading (or a plane) behind everything, lines on top."""
        if overlay.shading is not None:
            self.add(overlay.shading)
            self.bring_to_back(overlay.shading)
        if overlay.strokes is not None:
            self.add(overlay.strokes)

    def travel_path(self, flow):
        """The second panel's square over the whole travel (the picture plays inside it, never
        between the panels); tilt during the first 3-D stages."""
        from nnanim.draw.panels import RegionPath

        seconds = [PACE[s.kind] for s in flow.stages[:-1]]
        starts = np.concatenate([[0.0], np.cumsum(seconds)])
        first_3d = next((i for i, s in enumerate(flow.stages) if s.dim == 3), None)
        angles = (TILT, AZIM) if flow.stages[-1].dim == 3 else (0.0, 0.0)
        turn = None
        if first_3d is not None:
            turn = (starts[first_3d], min(starts[first_3d] + 2.5, starts[-1]))
        o, h = self.region(HIDDEN)
        return RegionPath((o, h, 0.0, 0.0), (o, h, *angles), starts[-1], turn)

    def margin_masks(self):
        """Background-coloured bands around the panels: a curve that leaves them never covers text.

        (Empty with a transparent background, where a band would show.)
        """
        from manim import Rectangle, VGroup, config

        masks = VGroup()
        if config.transparent:
            return masks
        pics = [p.picture for p in self.panels]
        x0, y0 = min(b.x0 for b in pics) - 0.08, min(b.y0 for b in pics) - 0.08
        x1, y1 = max(b.x1 for b in pics) + 0.08, max(b.y1 for b in pics) + 0.08
        f = self.layout.frame
        bands = [(f.x0 - 0.1, y1, f.x1 + 0.1, f.y1 + 0.1), (f.x0 - 0.1, f.y0 - 0.1, f.x1 + 0.1, y0),
                 (f.x0 - 0.1, y0, x0, y1), (x1, y0, f.x1 + 0.1, y1)]
        for a, b, c, d in bands:
            if c - a > 1e-6 and d - b > 1e-6:
                band = Rectangle(width=c - a, height=d - b, stroke_width=0,
                                 fill_color=self.theme.background, fill_opacity=1)
                masks.add(band.move_to([(a + c) / 2, (b + d) / 2, 0]))
        return masks

    def panel_frame(self, side):
        from manim import Square

        centre, size = self.region(side)
        return Square(size + 0.12, stroke_color=self.theme.muted, stroke_width=1.5,
                      stroke_opacity=0.6).move_to(centre)

    def hidden_title(self, units: int) -> str:
        """The hidden panel's title, with its width where that fits on one line: wrapped, it took
        a fourth line under the square frame's panels, which then shrank (the info line says the
        widths)."""
        full = f"last hidden layer · {units} units"
        fits = self.label(full, weight="BOLD").width <= self.panels[HIDDEN].label.width
        return full if fits else "last hidden layer"

    def panel_label(self, title: str, detail: str, side):
        from manim import DOWN, VGroup

        box = self.panels[side].label
        group = VGroup(self.label(title, weight="BOLD", width=box.width),
                       self.label(detail, color=self.theme.muted, width=box.width))
        group.arrange(DOWN, buff=0.1)
        return group.next_to([box.centre[0], box.y1, 0], DOWN, buff=0.12)

    def end_lines(self) -> tuple[str, str]:
        """The last title, for two classes and for more ("line" becomes "plane" in 3-D)."""
        if getattr(self, "regression", False):
            return ("ŷ is linear here: straight, parallel level lines",) * 2
        return "one straight line now separates the classes", "straight lines now separate the classes"

    @property
    def stacked(self) -> bool:
        """Whether the panels are stacked (vertical frames) rather than side by side."""
        return self.panels[HIDDEN].picture.y1 < self.panels[INPUT].picture.y0

    def middle_arrow(self):
        """An arrow from the first panel to the second (the widths are in the info line)."""
        from manim import Arrow, VGroup

        a, b = self.panels[INPUT].picture, self.panels[HIDDEN].picture
        if not self.stacked:
            pad = min(0.1, 0.15 * (b.x0 - a.x1))  # the frames' strokes, and no more in a narrow gap
            start, end = np.array([a.x1 + pad, a.centre[1], 0]), np.array([b.x0 - pad, b.centre[1], 0])
        else:  # from under the first panel's label to the second panel
            under = self.panels[INPUT].label.y0
            start, end = np.array([a.centre[0], under - 0.05, 0]), np.array([b.centre[0], b.y1 + 0.1, 0])
        return VGroup(Arrow(start, end, buff=0, color=self.theme.muted, stroke_width=3,
                            max_tip_length_to_length_ratio=0.3))


SCENE = BottleneckScene
