"""One dataset, four activations side by side: ReLU folds the plane into linear regions, tanh and sigmoid squash it.

Storyboard: the same data, architecture and seed trained four times, with
relu, leaky_relu, tanh and sigmoid, in four panels (a row in 16:9, 2×2 in
square and vertical frames).  The piecewise-linear ones (relu, leaky_relu)
first show their linear regions: the exact polygons of the input plane on
which the network is affine, one colour per pattern of active units, with
their count.  Then all four panels play their stages in step (W·x, + b, σ
per layer), the regions carried along: ReLU folds them onto the axes,
tanh and sigmoid bend and squash the plane into a box.  Each panel ends with
its output line and its accuracy, recomputed.

Render with ``nnanim render activations`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import word
from nnanim.errors import NnanimError

#: the four trainings, in panel order
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
#: seconds per stage kind (all four panels play each stage together)
PACE = {"linear": 1.8, "bias": 1.0, "activation": 2.2, "lift": 0.6, "squash": 1.6, "rotate": 1.4}
#: seconds of the beats between stages
BEATS = {"intro": 1.5, "regions": 1.0, "look_regions": 2.0, "caption": 0.8, "tilt": 1.2,
         "output": 1.2, "end": 3.0}
#: a stage's title swaps over this share of its play: the old one out while the picture has not
#: yet moved, the new one in as it is under way (its motion half done), never ahead of it
TITLE_SHARE = 0.5
#: the 3-D view while a hidden layer has 3 units
TILT, AZIM = np.radians(58), np.radians(-25)
#: what the second label line says of the smooth activations (no linear regions): one wording in
#: every frame shape (the same words under the same picture), short enough for the narrowest panel
SQUASH = {"tanh": ("range (−1, 1)",), "sigmoid": ("range (0, 1)",)}
#: how strongly the regions are filled (the points stay readable on top)
REGION_OPACITY = 0.32
#: regions are counted up to MAX_COUNTED and drawn up to MAX_DRAWN (each is a filled polygon per frame)
MAX_COUNTED, MAX_DRAWN = 20000, 1500

#: why the scale bars of the four panels read different numbers side by side
SCALES = "each panel at its own scale"

#: title lines, short enough for one line in a square frame
TITLES = {
    "intro": "four activations",
    "regions": "relu: linear regions",
    "activation": "layer {layer} · σ: fold or squash",
    # the stages before σ say so: their pictures are pre-activations (sigmoid's span ±5)
    "before": "{caption}, before σ",
    "end": "one straight line each",
}


class ActivationsScene(SceneContract):
    defaults = {"dataset": "circles", "hidden": [3, 2], "epochs": 1500}
    max_inputs = 2  # its lesson is the linear regions of the input plane

    @classmethod
    def check(cls, job):
        if "activation" in job.explicit:
            raise NnanimError("activations trains relu, leaky_relu, tanh and sigmoid side by side; "
                              "drop --activation")
        require_last_hidden(job, "activations", (2, 3), "draws each network's output line")

    # -- the numbers on screen: every one from the runs, recomputed by the tests
    def trainings(self):
        """``{activation: run}``: the job's training once per activation (same data and seed)."""
        return {act: self.job.variant(activation=act) for act in ACTIVATIONS}

    def construct(self):
        from manim import DOWN, Create

        from nnanim.core.flow import build_flow
        from nnanim.core.regions import PIECEWISE_LINEAR, linear_regions, pattern_colours
        from nnanim.draw.mobjects import OpacityFade, StagePlay, TracedPolygons, ViewTurn
        from nnanim.draw.panels import Dim, early, late, output_overlay
        from nnanim.draw.posters import poster_shading

        runs = self.runs = self.trainings()
        first = runs[ACTIVATIONS[0]]
        record = first.record_index(self.opt("epoch"))
        titles = [TITLES["intro"], TITLES["regions"], TITLES["end"]]
        flows = self.flows = {act: build_flow(run.network(record), reference=run.X)
                              for act, run in runs.items()}
        stages = flows[ACTIVATIONS[0]].stages
        titles += [self.stage_title(s) for s in stages[:-1]]
        tallest = max((self.top_line(t) for t in titles), key=lambda m: m.height)
        parts = first.describe_parts(record)
        words = [" · ".join([parts[k] for k in ("dataset", "architecture", "epoch")]),
                 " · ".join([first.dataset_spec, parts["architecture"], parts["epoch"]])]
        width = self.layout.title_strip().width
        # each panel is framed to its own points, so the scale bars differ (before σ, sigmoid's
        # reads 5 where relu's reads 1): said once, on the info line where it fits, else under it
        said = [f"{w} · {SCALES}" for w in words]
        words = next((w for w in said + words if self.label(w).width <= width), words[-1])
        info = self.info_line(first, record, below=tallest, words=words)
        info = [info]
        if SCALES not in words:
            info.append(self.label(SCALES, color=self.theme.muted).next_to(info[0], DOWN, buff=0.08))
        self.info = info
        top = self.layout.safe.y1 - info[-1].get_bottom()[1]
        # a row in landscape frames; 2 × 2 in square and vertical ones
        cols = None if self.layout.shape == "landscape" else 2
        # a square frame has no height to spare: two label lines, the accuracy taking the place
        # of the regions' line when the regions leave (else the panels shrink to a quarter)
        self.label_lines = 2 if self.layout.shape == "square" else 3
        self.panels = self.layout.grid(len(ACTIVATIONS), label_lines=self.label_lines, top=top,
                                       cols=cols)

        # the words under each panel: the long form where it fits on one line, else the short one
        self.views, self.regions, self.statements = {}, {}, {}
        palette = list(self.theme.regions)  # never the class colours: a region is not a class
        for k, (act, run) in enumerate(runs.items()):
            view = self.panel_view(flows[act], run, k)
            self.views[act] = view
            accuracy = f"{flows[act].accuracy(run.X, run.y):.1%}"
            if act in PIECEWISE_LINEAR:
                try:
                    regions = linear_regions(run.network(record), view.grid_bounds,
                                             max_regions=MAX_COUNTED)
                except NnanimError:  # too many to count: say so, draw none
                    regions, n = [], f"over {MAX_COUNTED}"
                else:
                    n = str(len(regions))
                self.regions[act] = regions
                plural = "" if n == "1" else "s"
                shape = (f"{n} linear region{plural}", f"{n} region{plural}")
            else:
                shape = SQUASH.get(act, ("bends the plane",))
            self.statements[act] = {"title": word(act), "shape": self.fitting(shape, k),
                                    "accuracy": self.fitting((f"{accuracy} correct", accuracy), k)}

        frames = [self.panel_frame(k) for k in range(len(ACTIVATIONS))]
        names = [self.panel_label(self.statements[a]["title"], k, 0, bold=True)
                 for k, a in enumerate(ACTIVATIONS)]
        title = self.top_line(TITLES["intro"])
        for view in self.views.values():  # the poster: each network's answer, both sides shaded
            poster_shading(self, view, hold=BEATS["intro"])
        # still text and frames are drawn once into the background (the views stay in their panels)
        self.open(*self.views.values(), title, still=(*frames, *info, *names), title=title.text,
                  seconds=BEATS["intro"])

        # -- the linear regions of the piecewise-linear networks, and the second label lines
        # the title changes in the same play as the regions arrive (a play of its own, the
        # pictures still, starts a segment whose first frame flickers with the encoder's keyframe)
        new = self.top_line(TITLES["regions"])
        self.mark("caption", TITLES["regions"])
        self.fills, shapes = {}, []
        for k, act in enumerate(ACTIVATIONS):
            regions = self.regions.get(act, [])
            if 0 < len(regions) <= MAX_DRAWN:
                polys = TracedPolygons(flows[act], [r.polygon for r in regions],
                                       pattern_colours(regions, palette),
                                       fill_opacity=REGION_OPACITY,
                                       stroke_color=self.theme.background, stroke_width=1.0)
                self.views[act].add_follower(polys)
                self.fills[act] = polys
            shapes.append(self.panel_label(self.statements[act]["shape"], k, 1))
        self.add(*shapes, new)
        self.play(*(OpacityFade(m) for m in (*self.fills.values(), *shapes)),
                  *self.swap_text(title, new, BEATS["caption"], BEATS["regions"]),
                  run_time=BEATS["regions"])
        title = new
        self.fix(*shapes)
        self.wait(BEATS["look_regions"])

        # -- every stage, the four panels in step
        views = list(self.views.values())
        for stage in stages[:-1]:
            seconds = PACE[stage.kind]
            turn = []
            if stage.kind == "lift" and stage.dim == 3 and not views[0].elev:  # tilt as it lifts
                turn = [ViewTurn(v, elev=TILT, azim=AZIM) for v in views]
                seconds = max(seconds, BEATS["tilt"])
            new = self.top_line(self.stage_title(stage))
            self.mark("stage", new.text)
            self.add(new)
            self.play(*(StagePlay(v, stage.index) for v in views), *turn,
                      *self.swap_text(title, new, TITLE_SHARE * seconds, seconds),
                      run_time=seconds)
            title = new
            if stage.kind == "squash" and stages[stage.index + 1].dim == 2 and views[0].elev:
                self.play(*(ViewTurn(v, elev=0.0, azim=0.0) for v in views), run_time=BEATS["tilt"])
        last = stages[-1].index
        for v in views:
            v.set_stage(last, 1.0)

        # -- the output: each panel's straight line (or plane) and its accuracy
        new = self.top_line(TITLES["end"])
        self.mark("caption", TITLES["end"])
        self.add(new)
        self.overlays = {act: output_overlay(v, self.theme) for act, v in self.views.items()}
        # the regions leave in the first moment, then the class shading arrives: never one over the other
        gone = early(BEATS["caption"], BEATS["output"])
        fades = [Dim(f, 0.0, rate_func=gone) for f in self.fills.values()]
        for overlay in self.overlays.values():
            if overlay.shading is not None:
                self.add(overlay.shading)
                self.bring_to_back(overlay.shading)
                fades.append(OpacityFade(overlay.shading, rate_func=late(BEATS["caption"], BEATS["output"])))
            if overlay.strokes is not None:
                self.add(overlay.strokes)
                fades.append(Create(overlay.strokes))
        line = min(2, self.label_lines - 1)
        scores = [self.panel_label(self.statements[a]["accuracy"], k, line, color=self.theme.foreground)
                  for k, a in enumerate(ACTIVATIONS)]
        self.add(*scores)
        # the title comes with the play that draws what it names (the lines)
        fades += self.swap_text(title, new, TITLE_SHARE * BEATS["output"], BEATS["output"])
        if line == 1:  # the accuracy replaces the regions' line: out, then in
            self.play(*fades, *self.swap_text(shapes, scores), run_time=BEATS["output"])
        else:
            self.play(*fades, *(OpacityFade(s) for s in scores), run_time=BEATS["output"])
        self.wait(BEATS["end"])

    # -- pieces
    @staticmethod
    def stage_title(stage) -> str:
        """The title line of a stage: its caption, the activation named for all four panels."""
        if stage.kind == "activation":
            return TITLES["activation"].format(layer=stage.layer + 1)
        if stage.kind in ("linear", "bias"):
            return TITLES["before"].format(caption=stage.caption)
        return stage.caption

    def panel_view(self, flow, run, k):
        """The input plane in panel ``k``: the grid fills the panel's square exactly."""
        from nnanim.draw.mobjects import FlowView

        centre, half = flow.trace(run.X).framing(0, 0.0)
        bounds = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        box = self.panels[k].picture
        origin, size = box.square()
        view = FlowView(flow, run.X, run.y, self.theme, region=(np.array(origin), size),
                        grid_bounds=bounds, n_lines=17, clip_box=box.clip)
        # the grid is the points' own framing: framed by the points alone, it fills the panel
        view.frame_trace = view.points_trace
        view.set_stage(0, 0.0)
        return view

    def panel_frame(self, k):
        from manim import Square

        origin, size = self.panels[k].picture.square()
        return Square(size + 0.08, stroke_color=self.theme.muted, stroke_width=1.2,
                      stroke_opacity=0.5).move_to(origin)

    def fitting(self, forms, k: int) -> str:
        """The first of ``forms`` (long to short) that fits on one line under panel ``k``."""
        width = self.panels[k].label.width - 0.15  # neighbouring strips touch: keep words apart
        return next((f for f in forms if self.label(f).width <= width), forms[-1])

    def panel_label(self, text: str, k: int, line: int, bold: bool = False, color=None):
        """Line ``line`` (0, 1, 2) of panel ``k``'s label strip, each line in a fixed slot."""
        from manim import DOWN

        box = self.panels[k].label
        style = {"weight": "BOLD" if bold else "NORMAL",
                 "color": color or (self.theme.foreground if bold else self.theme.muted)}
        mob = self.label(text, **style)
        if mob.width > box.width:  # only when even the short form is too wide
            mob = self.label(text, width=box.width, **style)
        top = box.y1 - 0.08 - line * (box.height - 0.1) / self.label_lines
        return mob.next_to([box.centre[0], top, 0], DOWN, buff=0)

SCENE = ActivationsScene
