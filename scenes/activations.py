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
from nnanim.core.projection import smoothstep
from nnanim.errors import NnanimError

#: the four trainings, in panel order
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
#: seconds per stage kind (all four panels play each stage together): a beat per idea, slow
#: enough to follow (review 6: eight steps in about 30 s read as rushed)
PACE = {"linear": 2.4, "bias": 1.4, "activation": 3.0, "lift": 1.8, "squash": 2.2, "rotate": 2.0}
#: a title is read at this many words a second; no beat is shorter than MIN_BEAT seconds, and each
#: stage's picture is held still LOOK seconds once it has played (its result seen before the next)
READING_RATE, MIN_BEAT, LOOK = 3.0, 2.5, 0.8
#: seconds of the beats between stages
BEATS = {"intro": 3.0, "regions": 1.2, "look_regions": 3.0, "caption": 0.8, "tilt": 1.6,
         "output": 1.6, "end": 4.0, "regrid": 1.5}
#: a play that changes the title starts with the swap (the old title out, the new one in, over
#: these seconds, the picture still) and the picture moves as it ends: the words say what moves
#: as it starts to move, never after (review 6: the title came in once the motion was half done)
LEAD = 0.35
#: where a large panel's axes would cover data at a stage's end they fade out (or back in) over
#: this share of the stage (see ActivationsScene.axes_where_free)
AXES_EASE = 0.3
#: moments of each stage at which the axes are checked against the picture
AXES_SAMPLES = 9
#: while a large view is 3-D its picture is drawn this much smaller than its framing fits (eased
#: in as it lifts, out as it squashes back to the plane): a tilted cloud fills its square's
#: corners, where its axis names (h₁ h₂ h₃) go (review 6: unnamed, hidden, from 14.8 s)
ROOM_3D = 0.22
#: the 3-D view while a hidden layer has 3 units: each panel its own angles, among these tilts
#: and turns (degrees), those from which its sheet is least edge-on over the 3-D stages (one view
#: for all four left relu's and leaky relu's sheets edge-on, slivers)
TILTS, TURNS = (58, 50, 66, 42), tuple(range(-90, 91, 15))
#: what the second label line says of the smooth activations (no linear regions): one wording in
#: every frame shape (the same words under the same picture), short enough for the narrowest panel
SQUASH = {"tanh": ("range (−1, 1)",), "sigmoid": ("range (0, 1)",)}
#: the piecewise-linear panels' grid fades out over this share of the first σ (see construct)
GRID_OUT = 0.3
#: how strongly the regions are filled (the points stay readable on top)
REGION_OPACITY = 0.32
#: regions are counted up to MAX_COUNTED and drawn up to MAX_DRAWN (each is a filled polygon per frame)
MAX_COUNTED, MAX_DRAWN = 20000, 1500

#: a colour reads as a class colour where its hue lies within this many degrees (CIE LCh) of one
#: on screen, unless it is nearly grey (chroma under :data:`GREY_CHROMA`)
CLASS_HUE, GREY_CHROMA = 50.0, 8.0
#: colours the regions may add to the theme's own where those read as a class (the dark theme's
#: browns read as "predicted orange", its blue-grey as blue): muted tints (CIE L, C, hue) of hues
#: kept only if no class on screen is near them, then greys mixed from background to foreground
TINTS = ((60.0, 40.0, 150.0), (60.0, 34.0, 330.0), (60.0, 30.0, 10.0))
GREYS = (0.25, 0.4, 0.55, 0.7, 0.85, 1.0)
#: the fewest colours the region palette keeps (any map of convex regions: REGION_COLOURS)
#: and how far apart (CIE ΔE) any two of them are
PALETTE_SIZE, PALETTE_APART = 6, 12.0

#: where a regrid swaps panels that cannot move without crossing others (see crossing_moves), it
#: is this much slower, and they fade out over its first SWAP_SHARE and in over its last
REGRID_SLOWER, SWAP_SHARE = 1.25, 0.3
#: a regrid's labels leave over its first LABEL_SHARE, before the panels move, and the new ones
#: come over its last, once they are still
LABEL_SHARE = 0.2

#: the two panels that play large while the stages play (the fold and the squash), the other two
#: thumbnails beside them (their siblings: leaky relu folds, sigmoid squashes); all four in a row
#: (2 × 2 in square and vertical frames) for the poster and for the last look
LARGE = ("relu", "tanh")
#: a thumbnail's side: at least this share of a large panel's where the frame has room for it
THUMB_SHARE = 0.4
#: the large pair is used where it makes the large panels at least this much larger than the row
FOCUS_GAIN = 1.15

#: why the scale bars of the four panels read different numbers side by side (the input, the
#: poster, is one scale in all four: HeldFraming)
SCALES = "scales differ after the input"
#: the shortest words a thumbnail says of what it does (for the room its label strip needs)
SHORT = {act: forms[-1] for act, forms in SQUASH.items()}
#: label lines under a panel of the large pair or a thumbnail: its name, what it does
FOCUS_LINES = 2
#: how much larger than its picture a panel's frame is drawn
FRAME_PAD = 0.08

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
    top_title = 3  # a panel scene: its title line on top, and two info lines under it
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
        from manim import DOWN

        from nnanim.core.flow import build_flow
        from nnanim.core.regions import PIECEWISE_LINEAR, linear_regions, pattern_colours
        from nnanim.draw.mobjects import OpacityFade, StagePlay, TracedPolygons, ViewTurn
        from nnanim.draw.panels import Dim, late, output_overlay
        from nnanim.draw.posters import FADE, poster_shading

        runs = self.runs = self.trainings()
        first = runs[ACTIVATIONS[0]]
        record = first.record_index(self.opt("epoch"))
        titles = [TITLES["intro"], TITLES["regions"], TITLES["end"]]
        flows = self.flows = {act: build_flow(run.network(record), reference=run.X)
                              for act, run in runs.items()}
        stages = flows[ACTIVATIONS[0]].stages
        titles += [self.beat_title(g) for g in self.stage_beats(stages[:-1])]
        tallest = max((self.top_line(t) for t in titles), key=lambda m: m.height)
        parts = first.describe_parts(record)
        words = [" · ".join([parts[k] for k in ("dataset", "architecture", "epoch")]),
                 " · ".join([first.dataset_spec, parts["architecture"], parts["epoch"]])]
        width = self.layout.title_strip().width
        # after the input each panel is framed to its own points, so the scale bars differ (before
        # σ, sigmoid's reads 5 where relu's reads 1): said once, on the info line where it fits, else under it
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
        self.panels = self.row = self.layout.grid(len(ACTIVATIONS), label_lines=self.label_lines,
                                                  top=top, cols=cols)
        # while the stages play: the fold and the squash large, the other two thumbnails
        self.focus = self.focus_panels(top)

        # the words under each panel: the long form where it fits on one line, else the short one
        self.views, self.regions, self.statements = {}, {}, {}
        # a region is not a class: no tile takes a colour that reads as one on screen
        palette = self.palette = region_palette(self.theme, first.n_classes)
        counts = {}
        for k, (act, run) in enumerate(runs.items()):
            view = self.panel_view(flows[act], run, k)
            self.views[act] = view
            if act in PIECEWISE_LINEAR:
                try:
                    regions = linear_regions(run.network(record), view.grid_bounds,
                                             max_regions=MAX_COUNTED)
                except NnanimError:  # too many to count: say so, draw none
                    regions, counts[act] = [], f"over {MAX_COUNTED}"
                else:
                    counts[act] = str(len(regions))
                self.regions[act] = regions
        # one wording for every count on screen: the long form only where it fits under every
        # piecewise-linear panel (relu's "18 linear regions" beside leaky relu's "19 regions"
        # read as two counts of one thing)
        forms = {act: (f"{n} linear region{'' if n == '1' else 's'}",
                       f"{n} region{'' if n == '1' else 's'}") for act, n in counts.items()}
        long = all(self.label(f[0]).width <= self.label_width(ACTIVATIONS.index(a))
                   for a, f in forms.items())
        for k, (act, run) in enumerate(runs.items()):
            accuracy = f"{flows[act].accuracy(run.X, run.y):.1%}"
            if act in forms:
                shape = forms[act][0 if long else 1]
            else:
                shape = self.fitting(SQUASH.get(act, ("bends the plane",)), k)
            self.statements[act] = {"title": word(act), "shape": shape,
                                    # (said in the last look only: the row's strip)
                                    "accuracy": self.fitting((f"{accuracy} correct", accuracy), k,
                                                             row_only=True)}

        self.tilts = {act: self.tilt_angles(view) for act, view in self.views.items()}

        # the poster is one input plane four times: one scale in all four panels (the framing of
        # the panel whose own one shows the points largest), each panel easing into its own
        # framing as the first stage plays
        own = {act: v.frame_trace.framing_box(0, 0.0) for act, v in self.views.items()}
        centre, halves = min(own.values(), key=lambda b: float(np.max(b[1])))
        for view in self.views.values():
            view.frame_trace = HeldFraming(view.frame_trace, centre, halves)
            view.set_stage(0, 0.0)

        frames = self.frames = [self.panel_frame(k) for k in range(len(ACTIVATIONS))]
        names = [self.panel_label(self.statements[a]["title"], k, 0, bold=True)
                 for k, a in enumerate(ACTIVATIONS)]
        title = self.top_line(TITLES["intro"])
        # the poster: each network's answer, both sides shaded (gone by the end of the opening
        # hold: the panels move once it is over, and a shading of the input plane would not)
        posters = [poster_shading(self, view, hold=BEATS["intro"] - FADE)
                   for view in self.views.values()]
        # still text and frames are drawn once into the background (the views stay in their panels)
        self.open(*self.views.values(), title, still=(*frames, *info, *names), title=title.text,
                  seconds=BEATS["intro"])

        # -- the fold and the squash grow, their siblings become thumbnails beside them
        grown = []
        if self.focus is not None:
            self.remove(*(m for m in posters if m is not None))
            big = [self.panel_label(self.statements[a]["title"], k, 0, bold=True, panels=self.focus)
                   for k, a in enumerate(ACTIVATIONS)]
            grown = self.regrid(self.focus, leaving=names, arriving=big)
            names = big

        # -- the linear regions of the piecewise-linear networks, and the second label lines
        # the title changes in the same play as the regions arrive (a play of its own, the
        # pictures still, starts a segment whose first frame flickers with the encoder's keyframe)
        new = self.top_line(TITLES["regions"])
        self.mark("caption", TITLES["regions"])
        self.fills, shapes = {}, []
        for k, act in enumerate(ACTIVATIONS):
            regions = self.regions.get(act, [])
            if 0 < len(regions) <= MAX_DRAWN:
                try:
                    colours = pattern_colours(regions, palette)
                except NnanimError:  # (many classes leave few colours: the theme's own then)
                    colours = pattern_colours(regions, palette + [c for c in self.theme.regions
                                                                  if c not in palette])
                polys = TracedPolygons(flows[act], [r.polygon for r in regions], colours,
                                       fill_opacity=REGION_OPACITY,
                                       stroke_color=self.theme.background, stroke_width=1.0)
                self.views[act].add_follower(polys)
                self.fills[act] = polys
            shapes.append(self.panel_label(self.statements[act]["shape"], k, 1))
        for view in self.views.values():  # (the sheets they must keep off: now drawn)
            if view.axes is not None:
                self.axes_where_free(view)
        self.add(*shapes, new)
        # the title first (the panels still), the regions arriving as it is in
        run = LEAD + BEATS["regions"]
        arrive = between(LEAD / run, 1.0)
        self.play(*(OpacityFade(m, rate_func=arrive) for m in (*self.fills.values(), *shapes, *grown)),
                  *self.swap_text(title, new, LEAD, run), run_time=run)
        title = new
        self.fix(*shapes)
        self.wait(BEATS["look_regions"])

        # -- every stage, the four panels in step: one title a beat (W·x and its + b share one),
        # each beat long enough to read its title once it is fully in (see beat_seconds)
        views = list(self.views.values())
        tilted = grid_gone = False
        for group in self.stage_beats(stages[:-1]):
            plan = []  # (stage, seconds, tilts as it plays)
            for stage in group:
                seconds, turn = PACE[stage.kind], False
                if stage.kind == "lift" and stage.dim == 3 and not tilted:  # tilt as it lifts
                    seconds, turn, tilted = max(seconds, BEATS["tilt"]), True, True
                plan.append((stage, seconds, turn))
            # the view turns back to the top after a squash to the plane (its own play)
            back = (group[-1].kind == "squash" and stages[group[-1].index + 1].dim == 2 and tilted)
            text = self.beat_title(group)
            times = [p[1] for p in plan]
            hold = beat_seconds(text, times, BEATS["tilt"] if back else 0.0)
            new = self.top_line(text)
            self.mark("stage", new.text)
            self.add(new)
            for k, ((stage, _, turn), seconds) in enumerate(zip(plan, times)):
                # the beat's first play swaps the title, then the picture moves (see LEAD)
                lead = LEAD if k == 0 else 0.0
                run = seconds + lead
                moves = late(lead, run)
                turns = ([ViewTurn(v, *self.tilts[a], rate_func=moves) for a, v in self.views.items()]
                         if turn else [])
                swap = self.swap_text(title, new, lead, run) if k == 0 else []
                # ReLU folds the grid's lines where only one unit is on onto that unit's axis:
                # grey rays far past the data, drawn as nothing the panel names ("stray spikes").
                # The regions' sheets carry the plane on (a region folded onto an axis has no
                # area): the grid leaves as the first fold starts, and the points stay on the rays
                gone = []
                if stage.kind == "activation" and not grid_gone:
                    gone = [Dim(self.views[a].grid, 0.0,
                                rate_func=between(lead / run, (lead + GRID_OUT * seconds) / run))
                            for a in self.fills]
                    grid_gone = True
                self.play(*(StagePlay(v, stage.index, rate_func=moves) for v in views), *turns, *swap,
                          *gone, run_time=run)
            title = new
            if back:
                tilted = False
                self.play(*(ViewTurn(v, elev=0.0, azim=0.0) for v in views), run_time=BEATS["tilt"])
            if hold > 1e-9:
                self.wait(hold)
        last = stages[-1].index
        for v in views:
            v.set_stage(last, 1.0)

        # -- the four side by side again, for the last look
        grown = []
        if self.focus is not None:
            row_names = [self.panel_label(self.statements[a]["title"], k, 0, bold=True, panels=self.row)
                         for k, a in enumerate(ACTIVATIONS)]
            row_shapes = [self.panel_label(self.statements[a]["shape"], k, 1, panels=self.row)
                          for k, a in enumerate(ACTIVATIONS)]
            grown = self.regrid(self.row, leaving=[*names, *shapes], arriving=[*row_names, *row_shapes])
            shapes = row_shapes

        # -- the output: each panel's straight line (or plane) and its accuracy
        new = self.top_line(TITLES["end"])
        self.mark("caption", TITLES["end"])
        self.add(new)
        self.overlays = {act: output_overlay(v, self.theme) for act, v in self.views.items()}
        # the title first (see LEAD); then the regions leave, then the class shading arrives:
        # never one over the other
        run = LEAD + BEATS["output"]
        gone = between(LEAD / run, (LEAD + BEATS["caption"]) / run)
        fades = [Dim(f, 0.0, rate_func=gone) for f in self.fills.values()]
        fades += [OpacityFade(m, rate_func=gone) for m in grown]
        for overlay in self.overlays.values():
            if overlay.shading is not None:
                self.add(overlay.shading)
                self.bring_to_back(overlay.shading)
                fades.append(OpacityFade(overlay.shading, rate_func=late(LEAD + BEATS["caption"], run)))
            if overlay.strokes is not None:  # whole, faded in: grown in with Create, each line
                self.add(overlay.strokes)      # began as a lone dot (its round cap) off the sheet
                fades.append(OpacityFade(overlay.strokes, rate_func=late(LEAD, run)))
        line = min(2, self.label_lines - 1)
        scores = [self.panel_label(self.statements[a]["accuracy"], k, line, color=self.theme.foreground)
                  for k, a in enumerate(ACTIVATIONS)]
        self.add(*scores)
        # the title comes with the play that draws what it names (the lines)
        fades += self.swap_text(title, new, LEAD, run)
        if line == 1:  # the accuracy replaces the regions' line: out, then in
            self.play(*fades, *self.swap_text(shapes, scores), run_time=run)
        else:
            self.play(*fades, *(OpacityFade(s, rate_func=late(LEAD, run)) for s in scores), run_time=run)
        self.wait(BEATS["end"])

    # -- pieces
    @staticmethod
    def stage_beats(stages) -> list:
        """The stages grouped by title: a layer's W·x and its + b one beat (a bias alone is a
        shift too small to read a title of its own over), every other stage a beat of its own."""
        groups = []
        for stage in stages:
            if (stage.kind == "bias" and groups and groups[-1][-1].kind == "linear"
                    and groups[-1][-1].layer == stage.layer):
                groups[-1].append(stage)
            else:
                groups.append([stage])
        return groups

    @classmethod
    def beat_title(cls, group) -> str:
        """The title of a beat of stages: W·x and + b said together ("layer 1 · W·x+b", tight: one
        line in a square frame with ", before σ")."""
        if len(group) == 2 and group[0].kind == "linear":
            caption = group[0].caption + group[1].caption.split(" · ")[-1].replace(" ", "")
            return TITLES["before"].format(caption=caption)
        return cls.stage_title(group[0])

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
        # where the large pair plays, only it names its axes (the row's panels are small: the
        # data reach their corners, and the poster and the last look need no compass)
        view = FlowView(flow, run.X, run.y, self.theme, region=(np.array(origin), size),
                        grid_bounds=bounds, n_lines=17, clip_box=box.clip,
                        axes=False if self.focus is not None else None)
        # the grid is the points' own framing: framed by the points alone, it fills the panel
        view.frame_trace = view.points_trace
        view.set_stage(0, 0.0)
        return view

    def panel_frame(self, k):
        from manim import Square

        origin, size = self.panels[k].picture.square()
        return Square(size + FRAME_PAD, stroke_color=self.theme.muted, stroke_width=1.2,
                      stroke_opacity=0.5).move_to(origin)

    def label_boxes(self, k: int) -> list:
        """Panel ``k``'s label strips in every arrangement it is shown in (row and focus)."""
        return [p[k].label for p in (self.row, self.focus) if p is not None]

    def fitting(self, forms, k: int, row_only: bool = False) -> str:
        """The first of ``forms`` (long to short) that fits on one line under panel ``k`` in every
        arrangement it is said in (one wording per panel all through the video)."""
        width = self.label_width(k, row_only)
        return next((f for f in forms if self.label(f).width <= width), forms[-1])

    def label_width(self, k: int, row_only: bool = False) -> float:
        """The width of one line of words under panel ``k`` in every arrangement it is said in."""
        boxes = [self.row[k].label] if row_only else self.label_boxes(k)
        return min(b.width for b in boxes) - 0.15  # neighbouring strips touch: keep words apart

    def panel_label(self, text: str, k: int, line: int, bold: bool = False, color=None,
                    panels=None):
        """Line ``line`` (0, 1, 2) of panel ``k``'s label strip, each line in a fixed slot
        (``panels``: the arrangement, by default the one on screen)."""
        from manim import DOWN

        panels = panels if panels is not None else self.panels
        box = panels[k].label
        lines = self.label_lines if panels is self.row else FOCUS_LINES
        style = {"weight": "BOLD" if bold else "NORMAL",
                 "color": color or (self.theme.foreground if bold else self.theme.muted)}
        mob = self.label(text, **style)
        if mob.width > box.width:  # only when even the short form is too wide
            mob = self.label(text, width=box.width, **style)
        top = box.y1 - 0.08 - line * (box.height - 0.1) / lines
        return mob.next_to([box.centre[0], top, 0], DOWN, buff=0)

    def focus_panels(self, top: float):
        """The panels while the stages play: :data:`LARGE` as large as the frame allows, side by
        side or one over the other, the other two thumbnails in a column beside them or in a row
        under them, whichever makes the large ones largest; each with a label strip of
        :data:`FOCUS_LINES` lines (its name and what it does).  ``None`` where that would not
        make them :data:`FOCUS_GAIN` times larger than the row (``self.row``)."""
        from nnanim.layout import GAP, Box, Panel

        area = self.layout.safe
        _, area = area.split_top(top, gap=GAP)
        g = GAP
        row = self.row[0]
        line = (row.label.height - 0.15) / self.label_lines  # one line of small print
        L = FOCUS_LINES * line + 0.15  # a label strip
        W, H = area.width, area.height
        r = THUMB_SHARE
        options = []
        # the widest words under a thumbnail (its name; the short form of what it does)
        need = max(max(self.label(word(a), weight="BOLD").width,
                       self.label(SHORT.get(a, "00 regions")).width)
                   for a in ACTIVATIONS if a not in LARGE) + 0.15
        # large across, thumbnails stacked on the right (the column as wide as their words)
        b = min(H - L, (W - 2 * g) / (2 + r), (W - 2 * g - need) / 2)
        cw = W - 2 * g - 2 * b
        options.append(("across", "column", b, min(cw, (H - g) / 2 - L), cw))
        # large across, thumbnails in a row under them
        b = min((W - g) / 2, (H - 2 * L - g) / (1 + r))
        options.append(("across", "row", b, min((W - g) / 2, H - 2 * L - g - b), 0.0))
        # large one over the other, thumbnails stacked on the right
        b = min((H - g) / 2 - L, (W - g) / (1 + r), W - g - need)
        cw = W - g - b
        options.append(("down", "column", b, min(cw, (H - g) / 2 - L), cw))
        # large one over the other, thumbnails in a row under them
        b = min(W, (H - 3 * L - 2 * g) / (2 + r))
        options.append(("down", "row", b, min((W - g) / 2, H - 2 * (b + L) - 2 * g - L), 0.0))
        # a thumbnail's label strip (the column, or the thumbnail and a gap) holds its words
        fit = [o for o in options if o[3] >= 0.3 * o[2]
               and (o[4] if o[1] == "column" else o[3] + g) >= need - 1e-9]
        if not fit:
            return None
        large, small, b, t, cw = max(fit, key=lambda o: (round(o[2], 6), o[3]))
        if b < FOCUS_GAIN * row.picture.width:
            return None
        # the pair's block and the thumbnails' block, centred together in the area
        pair_w, pair_h = (2 * b + g, b + L) if large == "across" else (b, 2 * (b + L) + g)
        thumbs_w, thumbs_h = (cw, 2 * (t + L) + g) if small == "column" else (2 * t + g, t + L)
        if small == "column":
            total_w, total_h = pair_w + g + thumbs_w, max(pair_h, thumbs_h)
        else:
            total_w, total_h = max(pair_w, thumbs_w), pair_h + g + thumbs_h
        x0 = area.centre[0] - total_w / 2
        y1 = area.centre[1] + total_h / 2

        def panel(x, y, side, strip, reach=g / 2):  # picture at (x, top y), its strip under it
            pic = Box(x, y - side, x + side, y)  # (the strip reaching ``reach`` past either side)
            return Panel(pic, Box(x - reach, y - side - strip, x + side + reach, y - side))

        px = x0 + (total_w - pair_w) / 2 if small == "row" else x0
        if large == "across":
            pair = [panel(px, y1, b, L), panel(px + b + g, y1, b, L)]
        else:
            pair = [panel(px, y1, b, L), panel(px, y1 - b - L - g, b, L)]
        if small == "column":
            tx = x0 + pair_w + g + (cw - t) / 2  # centred in the column, which their words fill
            reach = (cw - t) / 2
            thumbs = [panel(tx, y1, t, L, reach), panel(tx, y1 - t - L - g, t, L, reach)]
        else:
            tx, ty = x0 + (total_w - thumbs_w) / 2, y1 - pair_h - g
            thumbs = [panel(tx, ty, t, L), panel(tx + t + g, ty, t, L)]
        order = iter(pair), iter(thumbs)
        return [next(order[0]) if act in LARGE else next(order[1]) for act in ACTIVATIONS]

    def regrid(self, panels, leaving=(), arriving=()) -> list:
        """Move every panel (its view, with its regions, and its frame) to ``panels`` in one
        smooth play: the labels ``leaving`` fade out as it starts, those ``arriving`` fade in as
        it ends.  Returns the axes of views that grew large enough for them (made here, for the
        next play to fade in)."""
        from nnanim.draw.mobjects import OpacityFade, SpaceAxes
        from nnanim.draw.panels import early, late, regrid

        # the axes leave as the move starts and come back after it: axes that follow a box
        # resized every frame choose their corners afresh every frame (their placement is kept
        # per box), the costliest part of the move's frames
        old = {act: v.axes for act, v in self.views.items() if v.axes is not None}
        for act, axes in old.items():  # on their own for the move: faded out, then removed
            self.views[act].axes = None
            self.views[act].remove(axes)
            self.add(axes)
        moves = [(self.views[act], [(self.frames[k], FRAME_PAD)]
                  + ([(old[act], 0.0)] if act in old else []),
                  self.panels[k].picture, panels[k].picture) for k, act in enumerate(ACTIVATIONS)]
        # panels whose straight move would cross another's (in 16:9 leaky relu slid over tanh)
        # fade out where they are, the others move, and they fade in where they go: no two
        # panels over each other in any frame
        swapped = crossing_moves([m[2] for m in moves], [m[3] for m in moves], FRAME_PAD)
        present = set(self.get_mobject_family_members())
        whole = BEATS["regrid"] * (REGRID_SLOWER if swapped else 1.0)
        # the labels leave before the panels move and come once they are still (a panel slid
        # over the fading names in 9:16)
        out = SWAP_SHARE if swapped else LABEL_SHARE
        half = whole * out
        texts = ([OpacityFade(m, fade_in=False, rate_func=early(half, whole)) for m in leaving]
                 + [OpacityFade(m, rate_func=late(whole - half, whole)) for m in arriving])
        fading = [OpacityFade(m, fade_in=False, rate_func=early(0.35 * whole, whole))
                  for m in old.values()]
        self.add(*arriving)
        self.panels = panels
        anims = regrid([m for k, m in enumerate(moves) if k not in swapped],
                       lambda m: m in present, rate_func=between(out, 1.0 - out))
        if swapped:  # moved while unseen (halfway), faded out before and in after the others move
            anims += regrid([m for k, m in enumerate(moves) if k in swapped], lambda m: m in present,
                            rate_func=lambda a: float(a >= 0.5))
            gone = away_and_back(SWAP_SHARE)
            anims += [OpacityFade(mob, rate_func=gone) for k in swapped
                      for mob in (moves[k][0], self.frames[k])]
        self.play(*anims, *texts, *fading, run_time=whole)
        grown = []
        for act, view in self.views.items():
            if panels is self.focus and act in LARGE and SpaceAxes.fits(view.clip_box):
                view.axes = SpaceAxes(view)  # its scale label one size in every panel
                roomy(view)
                view.add(view.axes)
                view.set_stage(view.stage, view.t)
                grown.append(view.axes)
        return grown

    def tilt_angles(self, view) -> tuple[float, float]:
        """``(elev, azim)`` (radians) of ``view`` while it is 3-D: from :data:`TILTS` and
        :data:`TURNS`, those from which its points and its plane (a mesh of the input square,
        carried along) look least edge-on over every stage it plays tilted
        (:func:`nnanim.core.camera.face_on_angles`)."""
        from nnanim.core.camera import face_on_angles

        flow = view.flow
        x0, x1, y0, y1 = view.grid_bounds
        xs, ys = np.meshgrid(np.linspace(x0, x1, 9), np.linspace(y0, y1, 9))
        sheet = flow.trace(np.column_stack([xs.ravel(), ys.ravel()]))
        clouds = []
        for s in tilted_stages(flow.stages):
            for t in (0.0, 0.25, 0.5, 0.75, 1.0):
                clouds += [view.points_trace.at(s, t), sheet.at(s, t)]
        if not clouds:
            return np.radians(TILTS[0]), 0.0
        return face_on_angles(clouds, [0.0] * len(clouds), np.radians(TILTS), np.radians(TURNS))

    def tilt_of(self, view) -> tuple[float, float]:
        return next(self.tilts[a] for a, v in self.views.items() if v is view)

    def axes_where_free(self, view) -> None:
        """Show ``view``'s axes only in the stages where they lie on nothing at any moment.

        Every stage is sampled at :data:`AXES_SAMPLES` moments, seen as it plays (from the
        top, tilted, or both in the stages where the view turns: :func:`view_modes`): where a
        name, the scale bar or its label would lie on a data point, the boundary, or (after
        the input) the plane carried along (its grid lines, the regions' sheets) in any of them,
        the axes are hidden for the whole stage: they fade out over the last :data:`AXES_EASE`
        of the stage before (still free then) and back in over the first of the next free one.
        """
        from nnanim.draw.scene import axes_marks

        stages = view.flow.stages
        fills = next((self.fills[a] for a, v in self.views.items() if v is view and a in self.fills),
                     None)
        saved = (view.stage, view.t, view.elev, view.azim)
        # sampled as placed and named at each moment: the axes' glides and renames (run on the
        # frames drawn) done at once, as a plan pass does them (the same answer in both)
        axes, instant = view.axes, view.axes.instant
        axes.instant = True

        def is_free(s: int) -> bool:
            for tilted in view_modes(stages, s):
                view.elev, view.azim = self.tilt_of(view) if tilted else (0.0, 0.0)
                for t in np.linspace(0.0, 1.0, AXES_SAMPLES):
                    view.set_stage(s, float(t))
                    marks = axes_marks([view], self.theme)
                    # (tilted, the sheet fills the picture: the names lie on it, on their halo)
                    if any(covers(m) for m in marks) or (
                            s > 0 and not tilted and any(on_sheet(m, view, fills) for m in marks)):
                        return False
            return True

        # the 3-D stages keep one pair of corners (the names turn with the view): the pair free
        # in the most of them (review 6: in the bottom left, where 3-D stages kept them, they
        # lay on the sheets in every 3-D stage, so the hidden space went unnamed)
        solid = [s for s in range(len(stages)) if stages[s].dim == 3]
        if solid:
            view.corners_3d = max(axes.PLACEMENTS,
                                  key=lambda p: (setattr(view, "corners_3d", p)
                                                 or sum(is_free(s) for s in solid)))
        free = [float(is_free(s)) for s in range(len(stages))]
        view.elev, view.azim = saved[2:]
        view.set_stage(*saved[:2])
        # back at the picture on screen with its own names only: the names of the spaces
        # sampled (u₁ u₂ u₃ of later stages) were left fading out and, faded in with the axes as
        # the regions came, were drawn over the input panel (review 6, 3.5-4.3 s)
        axes.instant = instant
        n = len(free)

        def ease(a):
            a = min(max(a, 0.0), 1.0)
            return a * a * (3.0 - 2.0 * a)

        def shown(s: int, t: float) -> float:
            a = free[min(s, n - 1)]
            if a and s > 0 and not free[s - 1]:
                a *= ease(t / AXES_EASE)
            if a and s + 1 < n and not free[s + 1]:
                a *= ease((1.0 - t) / AXES_EASE)
            return a

        view.axes_shown = shown
        view.free_stages = free
        view.set_stage(*saved[:2])


def tilted_stages(stages) -> list:
    """The indices of the stages a view is seen tilted in: from the lift into 3-D to the squash
    back to the plane (the view turns back after it), or to the end."""
    out, tilted = [], False
    for stage in stages[:-1]:
        if stage.kind == "lift" and stage.dim == 3:
            tilted = True
        if tilted:
            out.append(stage.index)
            if stage.kind == "squash" and stages[stage.index + 1].dim == 2:
                tilted = False
    if tilted:  # a 3-D last hidden space: its output plane is seen tilted too
        out.append(stages[-1].index)
    return out


def view_modes(stages, s: int) -> tuple:
    """How the view of stage ``s`` is seen as it plays: tilted (a 3-D stage), from the top, or
    both (the lift turns the view down, the squash to the plane turns it back)."""
    if stages[s].kind == "lift" or (stages[s].kind == "squash" and s + 1 < len(stages)):
        return (False, True)
    return (stages[s].dim == 3,)


def on_sheet(marks, view, fills) -> bool:
    """Whether a view's axes (:class:`nnanim.draw.scene.AxesMarks`) lie on the plane carried
    along: a vertex of its grid lines inside a label's box, or a box's sample point inside one
    of the regions' (convex) sheets ``fills``."""
    G = np.asarray(view.grid.points, dtype=float)[:, :2]
    polys = []
    if fills is not None:
        for part in fills.submobjects:
            V = np.asarray(part.points, dtype=float)[::4, :2]
            if len(V) >= 3:
                polys.append(V)
    for _, box in marks.boxes:
        if len(G) and np.any((G[:, 0] > box.x0) & (G[:, 0] < box.x1)
                             & (G[:, 1] > box.y0) & (G[:, 1] < box.y1)):
            return True
        xs, ys = np.meshgrid(np.linspace(box.x0, box.x1, 4), np.linspace(box.y0, box.y1, 3))
        P = np.column_stack([xs.ravel(), ys.ravel()])
        for V in polys:
            E = np.roll(V, -1, axis=0) - V
            area = float(np.sum(V[:, 0] * np.roll(V[:, 1], -1) - np.roll(V[:, 0], -1) * V[:, 1]))
            if abs(area) < 1e-6:  # folded flat onto a line: no sheet to lie on
                continue
            cross = E[None, :, 0] * (P[:, None, 1] - V[None, :, 1]) \
                - E[None, :, 1] * (P[:, None, 0] - V[None, :, 0])
            inside = np.all(cross * np.sign(area) >= 0, axis=1)
            if inside.any():
                return True
    return False


class HeldFraming:
    """A view's framing (its ``frame_trace``) held at ``(centre, halves)`` at the input (stage 0,
    t = 0) and eased into the trace's own over the first stage (smoothstep; the zoom in log)."""

    def __init__(self, trace, centre, halves) -> None:
        self._trace = trace
        self._held = (np.asarray(centre, dtype=float), np.asarray(halves, dtype=float))

    def _weight(self, s: int, t: float) -> float:
        if s > 0:
            return 1.0
        t = min(max(float(t), 0.0), 1.0)
        return t * t * (3.0 - 2.0 * t)

    def framing_box(self, s: int, t: float):
        centre, halves = self._trace.framing_box(s, t)
        w = self._weight(s, t)
        if w >= 1.0:
            return centre, halves
        c0, h0 = self._held
        halves = np.asarray(halves, dtype=float)
        return ((1.0 - w) * c0 + w * np.asarray(centre, dtype=float),
                np.exp((1.0 - w) * np.log(h0) + w * np.log(halves)))

    def framing(self, s: int, t: float):
        centre, halves = self.framing_box(s, t)
        return centre, float(np.max(halves))

    def __getattr__(self, name):
        return getattr(self._trace, name)


def between(a0: float, a1: float):
    """A rate function that rests until ``a0`` of a play, eases to its end by ``a1``, then rests."""
    return lambda alpha: smoothstep((alpha - a0) / max(a1 - a0, 1e-9))


def away_and_back(share: float):
    """A rate function for a fade in (its opacity scale): whole, out over the first ``share``
    of the play, gone until the last ``share``, back in over it."""
    return lambda alpha: smoothstep(max(1.0 - alpha / share, (alpha - 1.0 + share) / share))


def moving_squares(start, end, pad: float, a: float):
    """``(x0, y0, x1, y1)`` of a panel's frame (its picture box grown by ``pad``) eased ``a`` of
    the way from picture box ``start`` to ``end``, as :class:`nnanim.draw.panels.Regrid` moves it
    (centre and side interpolated)."""
    c0, c1 = np.array(start.centre[:2]), np.array(end.centre[:2])
    s = (1 - a) * start.width + a * end.width + pad
    c = (1 - a) * c0 + a * c1
    return (c[0] - s / 2, c[1] - s / 2, c[0] + s / 2, c[1] + s / 2)


def crossing_moves(starts, ends, pad: float, samples: int = 101) -> set:
    """The panels (indices) that must not move straight from picture box ``starts[k]`` to
    ``ends[k]`` (all eased alike) for no two frames (grown by ``pad``) to overlap at any moment:
    the panel in the most overlaps (the smaller one of a tie) is taken out until none is left."""
    def apart(p, q):
        return p[2] <= q[0] + 1e-9 or q[2] <= p[0] + 1e-9 or p[3] <= q[1] + 1e-9 or q[3] <= p[1] + 1e-9

    n = len(starts)
    hits = np.zeros((n, n), dtype=bool)
    for a in np.linspace(0.0, 1.0, samples):
        boxes = [moving_squares(starts[k], ends[k], pad, a) for k in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                if not apart(boxes[i], boxes[j]):
                    hits[i, j] = hits[j, i] = True
    out = set()
    while hits.any():
        k = max(range(n), key=lambda i: (int(hits[i].sum()), -min(starts[i].width, ends[i].width), -i))
        out.add(k)
        hits[k, :] = hits[:, k] = False
    return out


def lab(rgb) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB ``rgb`` in [0, 1]."""
    c = np.asarray(rgb, dtype=float)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ c / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def lch_hex(L: float, C: float, hue: float) -> str:
    """The ``#rrggbb`` of CIE LCh ``(L, C, hue°)`` (inverse of :func:`lab`, clipped to sRGB)."""
    a, b = C * np.cos(np.radians(hue)), C * np.sin(np.radians(hue))
    fy = (L + 16) / 116
    f = np.array([fy + a / 500, fy, fy - b / 200])
    xyz = np.where(f ** 3 > 0.008856, f ** 3, (f - 16 / 116) / 7.787) * np.array([0.95047, 1.0, 1.08883])
    lin = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415],
                    [0.0557, -0.2040, 1.0570]]) @ xyz
    rgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.clip(lin, 0, None) ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(255 * v):02x}" for v in np.clip(rgb, 0.0, 1.0))


def reads_as_class(colour: str, classes) -> bool:
    """Whether ``colour`` reads as one of the class colours ``classes``: not nearly grey and of a
    hue within :data:`CLASS_HUE` degrees of one (a dark brown reads as a dim orange)."""
    from nnanim.theme import hex_rgb

    L, a, b = lab(hex_rgb(colour))
    if np.hypot(a, b) < GREY_CHROMA:
        return False
    hue = np.degrees(np.arctan2(b, a))
    for c in classes:
        _, ca, cb = lab(hex_rgb(c))
        if abs((hue - np.degrees(np.arctan2(cb, ca)) + 180.0) % 360.0 - 180.0) < CLASS_HUE:
            return True
    return False


def grey(colour: str) -> str:
    """The neutral grey of ``colour``'s mean level (a dark theme's background is blue-black: its
    mixes are blue-greys)."""
    from nnanim.theme import hex_rgb

    v = round(255 * float(np.mean(hex_rgb(colour))))
    return f"#{v:02x}{v:02x}{v:02x}"


def region_palette(theme, n_classes: int) -> list:
    """The colours the regions are tiled in: the theme's own that do not read as one of the
    ``n_classes`` class colours on screen (:func:`reads_as_class`), then :data:`TINTS` that do
    not, then :data:`GREYS`, each at least :data:`PALETTE_APART` from those taken, until
    :data:`PALETTE_SIZE` (one colour, one meaning: a region is not a class)."""
    from nnanim.theme import hex_rgb, mix

    classes = [theme.classes[k % len(theme.classes)] for k in range(n_classes)]
    candidates = [*theme.regions, *(lch_hex(*t) for t in TINTS),
                  *(grey(mix(theme.background, theme.foreground, t)) for t in GREYS)]
    palette = []
    for c in candidates:
        if reads_as_class(c, classes) or c.lower() in (k.lower() for k in theme.classes):
            continue
        if all(np.linalg.norm(lab(hex_rgb(c)) - lab(hex_rgb(p))) >= PALETTE_APART for p in palette):
            palette.append(c)
        if len(palette) == PALETTE_SIZE:
            break
    return palette


def reading_seconds(text: str) -> float:
    """How long a title takes to read: :data:`READING_RATE` words a second (a word: a token with a
    letter or digit in it, "·" and "→" are not)."""
    words = sum(any(c.isalnum() for c in token) for token in text.split())
    return words / READING_RATE


def beat_seconds(text: str, seconds: list, after: float = 0.0) -> list:
    """The seconds a beat titled ``text`` holds still after its plays (their paces ``seconds``,
    the first led by the title's swap, :data:`LEAD`; ``after``: a play of the beat that follows
    them): at least :data:`LOOK` (its result seen still), long enough for it to last
    :data:`MIN_BEAT` and for its title, in from the end of the lead, to stay fully in for its
    :func:`reading_seconds`."""
    total = LEAD + sum(seconds) + after
    shown = total - LEAD
    return max(LOOK, reading_seconds(text) - shown, MIN_BEAT - total)


def covers(marks) -> bool:
    """Whether a view's axes (:class:`nnanim.draw.scene.AxesMarks`) cover a data point's disc or
    lie on a boundary."""
    for _, box in marks.boxes:
        P = marks.points
        if len(P):
            near = np.clip(P, [box.x0, box.y0], [box.x1, box.y1])
            if np.any(np.hypot(*(P - near).T) < marks.radius):
                return True
        L = marks.lines
        if len(L) and np.any((L[:, 0] > box.x0) & (L[:, 0] < box.x1)
                             & (L[:, 1] > box.y0) & (L[:, 1] < box.y1)):
            return True
    return False


SCENE = ActivationsScene


def room_3d(stages, s: int, t: float) -> float:
    """How much of :data:`ROOM_3D` a view keeps free around its picture at time ``t`` of stage
    ``s``: none in the plane, all of it in 3-D, eased in over the lift into 3-D and out over the
    squash back to the plane."""
    stage = stages[min(s, len(stages) - 1)]
    if stage.dim != 3:
        return 0.0
    if stage.kind == "lift" and (s == 0 or stages[s - 1].dim != 3):
        return smoothstep(t)
    if stage.kind == "squash" and s + 1 < len(stages) and stages[s + 1].dim != 3:
        return smoothstep(1.0 - t)
    return 1.0


def roomy(view) -> None:
    """Draw ``view`` smaller in its 3-D stages by :data:`ROOM_3D` (:func:`room_3d`): its screen
    map's scale divided, the centre kept (every position on screen comes from it)."""
    if getattr(view, "_roomy", False):
        return
    own = view.screen_map
    stages = view.flow.stages

    def screen_map(s, t):
        centre, scale = own(s, t)
        return centre, scale / (1.0 + ROOM_3D * room_3d(stages, s, float(t)))

    view.screen_map = screen_map
    view._roomy = True
