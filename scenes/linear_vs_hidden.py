"""Why hidden layers need an activation: a deep linear network is one matrix and one straight line.

Storyboard: three panels of the input plane, the same data in each, each
shaded by its own model's probability.  First a logistic regression on the
raw inputs (its straight line, its accuracy); then a deep network with
``linear`` activations, trained on the same data from the same seed: the
plane plays through its layers one by one (every grid line stays straight)
while the product so far is named under the panel (``W₁``, ``W₂W₁``, ...: layer
``l`` has ``W_l``, counting from 1, as in by-hand); back in the input plane the layers have
multiplied out to one matrix ``W = W_L ⋯ W_1`` and one bias (shown as a table), and its straight line is
drawn once, where the network's own shading changes side; last the same
architecture with the job's activation (tanh by default) plays through its
layers, the grid bending, and its boundary bends too.  Every panel keeps its name from the
poster on; under the tanh panel's name a line says what its picture is (the input plane, each
stage's map as it plays, the input plane again).  Every accuracy is recomputed from the points.

The default data is ``moons`` (it was ``circles``): on circles no line does
better than chance, so both linear panels had no shading and a product
``W ≈ 0`` that nothing on screen explained; on moons the best line is a real
line (88 % correct) that the tanh layers beat (100 %).

In a vertical frame the panels are stacked (two by two when that makes them larger).  Where
the three panels are small (under :data:`FOCUS_BELOW`: every frame shape at the defaults), the
panel whose network plays grows as large as the frame allows while the other two shrink to
thumbnails beside it, its label in the column above them (under it, in a vertical frame); the
three come back, every label with them, for the closing look.

Render with ``nnanim render linear-vs-hidden`` (options: ``nnanim render --help``).
"""


from nnanim.scenes.bottleneck import BottleneckScene as _Panels

from nnanim.contract import SceneContract
from nnanim.core.notation import sub
from nnanim.errors import NnanimError

#: seconds of each beat ("stage": the least a stage plays; "back": the cross-fade to the input plane)
BEATS = {"intro": 1.0, "fade": 0.8, "look": 1.2, "line": 1.2, "look_matrix": 2.0, "end": 3.2,
         "stage": 0.6, "back": 0.8, "swap": 0.4, "regrid": 1.0}
#: the fastest the camera may zoom (log of the scale) and pan (panel sizes) per second: a stage
#: whose framing changes faster plays longer (0.6 s stages zoomed up to half the scale a frame)
CAMERA_ZOOM, CAMERA_SHIFT = 3.0, 1.5
#: samples of a stage's framing when its speed is measured (the stage lengths as they were tuned:
#: 200 samples find a sharper peak in some tanh stages and play them up to 0.2 s longer)
FRAMING_SAMPLES = 128
#: what the tanh panel shows before its layers play, and once they have played
WAITING, BACK = "the input plane", "back in the input plane"
RAW, LINEAR, BENT = 0, 1, 2  # the three panels
SIDES = {"raw": RAW, "linear": LINEAR, "bent": BENT}
#: panels smaller than this (scene units: 60 % of the frame's short side; every frame shape: a
#: 16:9 row of three is 250 px of 480, where 17 s of tanh layers played while the two other
#: panels stood still) are too small to watch one play in: the panel that plays grows and the
#: other two become thumbnails beside it (Layout.focus); all three come back for the last look
FOCUS_BELOW = 4.8
#: a product so far whose second singular value is under this share of its first maps the plane
#: to nearly one line: the panel says so (the trained linear layers flatten the data to a band)
FLAT = 0.15
#: how much larger than its picture a panel's frame is drawn (the bottleneck's panel_frame)
FRAME_PAD = 0.12
#: seconds of a top title's swap (out, then in): under half its light for half of it, 0.2 s
#: (swapped over the 1.2 s of its beat it was dim for 0.6 s); shorter, the change falls in one
#: frame at 5 fps, a jump
TITLE_SWAP = BEATS["swap"]
NARROW = 3.2  # label strips narrower than this (or than the product's lines) leave its name out
TITLE = "linear layers multiply to one matrix"
END = "an activation bends the boundary"


def section_title(activation: str) -> str:
    """The top title while the panel with the activation plays its layers (the linear one's
    title stayed on over them for 17 s: the title names the section that plays)."""
    return f"{activation} layers bend the plane"


def product_name(n_layers: int) -> str:
    """``W₄W₃W₂W₁`` for four affine maps (``W₈⋯W₁`` past five): layer ``l`` has ``W_l``,
    counting from 1 (the notation of by-hand and of the stage captions)."""
    if n_layers > 5:
        return f"W{sub(n_layers)}⋯W₁"
    return "".join(f"W{sub(k)}" for k in reversed(range(1, n_layers + 1)))


class LinearVsHiddenScene(SceneContract):
    top_title = True  # a panel scene: its title line is on top
    defaults = {"dataset": "moons", "hidden": [4, 4, 4], "activation": "tanh"}
    max_inputs = 2  # it draws the input plane itself

    @classmethod
    def check(cls, job):
        acts = job.run.activations if job.run is not None else job.config.activation
        if all(a == "linear" for a in acts):
            where = " (the run file's)" if job.run is not None else ""
            raise NnanimError(f"linear-vs-hidden compares linear layers with an activation; the "
                              f"activation{where} is linear everywhere. Choose another with "
                              f"--activation, e.g. --activation tanh")

    # the panel pieces the bottleneck scene already has
    region = _Panels.region
    panel_frame = _Panels.panel_frame

    def construct(self):
        from manim import VGroup, linear

        from nnanim.core.curves import (
            decision_boundary,
            is_closed,
            linear_pairs,
            network_probabilities,
            probabilities,
        )
        from nnanim.core.flow import build_flow
        from nnanim.core.nn import Network, collapse_affine, fit_linear_classifier
        from nnanim.draw.mobjects import OpacityFade, RasterImage
        from nnanim.draw.panels import boundary_overlay, early, number

        run, record = self.load_run()
        straight_run = self.job.variant(activation="linear")
        bent = run.network(record)
        straight = straight_run.network(straight_run.record_index(int(run.epochs[record])))
        X, y, K = run.X, run.y, run.n_classes
        task = "binary" if K == 2 else "multiclass"
        plural = "" if K == 2 else "s"

        # -- the models and what is said about them (recomputed here, checked by the tests)
        W_raw, b_raw = fit_linear_classifier(X, y, K)
        W, b = collapse_affine(straight)
        self.models = {"raw": (W_raw, b_raw), "product": (W, b)}
        self.networks = {"linear": straight, "bent": bent}
        self.bent_squeezed = self.squeezed(bent, X)
        self.bent_lined = self.squeezed(bent, X, before=True)
        self.accuracies = {
            "raw": Network([W_raw], [b_raw], [], task).accuracy(X, y),
            "linear": straight.accuracy(X, y),
            "bent": bent.accuracy(X, y),
        }
        self.table = [[number(v) for v in (*W[k], b[k])] for k in range(len(W))]

        act = "/".join(dict.fromkeys(run.activations))
        self.section = section_title(act)
        title = self.top_line(TITLE)
        tallest = max((self.top_line(t) for t in (TITLE, self.section, END)), key=lambda m: m.height)
        info = self.info_line(run, record, below=tallest)
        top = self.layout.safe.y1 - info.get_bottom()[1]
        self.titles, self.statements, self.products_shown = {}, {}, []

        bounds = self.input_bounds(bent, X)
        curves = decision_boundary(bent, bounds)
        shape = ("a closed curve" if any(is_closed(c) for c in curves)
                 else "a curved boundary" if curves else "no boundary in view")
        n_hidden = len(straight.weights) - 1
        self.titles = {"raw": "logistic regression", "linear": f"{n_hidden} linear layers",
                       "bent": f"{n_hidden} {act} layers"}
        #: what each panel says under its title: (its boundary, its accuracy)
        self.statements = {
            "raw": (f"a straight line{plural}", f"{self.accuracies['raw']:.1%} correct"),
            "linear": (f"still straight line{plural}" if plural else "still a straight line",
                       f"{self.accuracies['linear']:.1%} correct"),
            "bent": (shape, f"{self.accuracies['bent']:.1%} correct"),
        }
        # the output layer is the last matrix of the product: said, so the count agrees with the
        # panel's "3 linear layers" above it (three hidden layers, four matrices)
        # (weights and bias apart: "W | b" read as one 1 × 3 matrix, its bar unexplained)
        self.product = f"+ output: w = {product_name(len(straight.weights))}"
        #: the product's numbers, as said under its name (one output: ``w = [..] · b = ..``; a
        #: narrow label breaks the line at the dot, which is then not drawn)
        self.numbers = (f"w = [{', '.join(self.table[0][:-1])}] · b = {self.table[0][-1]}"
                        if len(self.table) == 1 else None)
        #: the product so far, as named under the panel while each hidden layer's map plays
        self.so_far = [f"so far {product_name(k + 1)}: {W_k.shape[0]} × 2"
                       + (" · nearly one line" if flat else "")
                       for k, (W_k, flat) in enumerate(zip(straight.weights[:-1],
                                                           self.flattened(straight)))]
        #: the lift's words in the linear panel, where the 2-D views of a wider layer first
        #: appear: their axes u₁, u₂ are directions of view, not units (said once)
        self.lift_said = None
        labels = self.fit_panels(top)

        flows = {"raw": build_flow(bent, reference=X), "linear": build_flow(straight, reference=X),
                 "bent": build_flow(bent, reference=X)}
        self.bounds = bounds
        views = self.views = {key: self.panel_view(flows[key], key, side)
                              for key, side in SIDES.items()}

        overlays = self.overlays = {
            "raw": boundary_overlay(views["raw"], linear_pairs(W_raw, b_raw),
                                    probabilities(W_raw, b_raw), self.theme, K),
            # the product's line, drawn once, over the deep linear network's own shading
            "linear": boundary_overlay(views["linear"], linear_pairs(W, b),
                                       network_probabilities(straight), self.theme, K),
            "bent": boundary_overlay(views["bent"], [], network_probabilities(bent), self.theme, K),
        }
        frames = self.frames = [self.panel_frame(side) for side in (RAW, LINEAR, BENT)]
        # the product's table comes once the layers are multiplied out
        for label in [*labels.values(), *(label for _, label in self.focus.values())]:
            if label.matrix is not None:
                label.remove(label.matrix)

        # the poster: each panel's own model's answer (its shading, its boundary, its name
        # under it), copies that leave as the story begins (the views' own input shading was
        # the tanh network's in the raw panel too)
        self.poster = self.poster_of(labels)
        self.posters = [m for parts in self.poster.values() for m in parts]
        shadings = [parts[0] for parts in self.poster.values() if isinstance(parts[0], RasterImage)]
        self.add(*shadings)  # behind the pictures
        self.bring_to_back(*shadings)
        self.open(*frames, *views.values(), *(m for m in self.posters if m not in shadings),
                  title, info, title=TITLE, seconds=BEATS["intro"])
        # the names of the panels still to play stay on screen (a panel is never unnamed): the
        # poster's copies, until each panel's own label takes their place; under the tanh
        # panel's name what it shows meanwhile, the input plane
        kept = {key: self.poster[key][-1] for key in ("linear", "bent")}
        half = 0.5 * BEATS["fade"]
        leaving = [OpacityFade(m, fade_in=False, rate_func=early(half, BEATS["fade"]))
                   for m in self.posters if m not in kept.values()]
        #: per panel: its label, and the line under its title saying what it shows now
        self.status_label = {"bent": labels["bent"]}
        self.status = {"bent": self.status_line(labels["bent"], WAITING)}  # the tanh panel's words
        self.add(self.status["bent"])
        # it comes as the poster's shading leaves (the input plane is what is left), in the first
        # half: a still second half (a change in the play's last frames read as a jump)
        leaving.append(OpacityFade(self.status["bent"], rate_func=early(half, BEATS["fade"])))
        self.statuses_shown = {"bent": [WAITING], "linear": []}
        shown = []  # the labels on screen
        for key in ("raw", "linear", "bent"):
            overlay = overlays[key]
            label = labels[key]
            arriving = []  # axes of a panel that grew: they fade in with its label
            if self.focused and key != "raw":  # this panel grows, the others shrink to thumbnails
                panels, label = self.focus[SIDES[key]]
                waiting = [m for m in (*kept.values(), self.status["bent"]) if m in self.mobjects]
                arriving = self.regrid(panels, leaving=shown + waiting)
                self.remove(*waiting)
                shown = []
                if key == "bent":  # its words come with its label, in the column
                    self.status_label[key] = label
                    self.status[key] = self.status_line(label, WAITING)
                    arriving.append(self.status[key])
                    self.add(self.status[key])
            # the words on screen as the label arrives: the statements come with the boundary
            self.mark("caption", self.titles[key],
                      " · ".join(self.statements[key]) if key == "raw" else
                      self.product if label.product_label is not None else
                      WAITING if key == "bent" else "")
            copy = kept.pop(key, None)
            if key == "linear" and label.product_label is None:  # its product so far goes here
                self.status_label[key] = label
            view = views[key]
            # the linear panel's shading waits for its line (after its layers): shown before, its
            # dark band where the probability is near a half read as a blurred boundary
            shaded = overlay.shading is not None and key != "linear"
            if shaded:
                self.add(overlay.shading)
                self.bring_to_back(overlay.shading)
            # a panel's statements (its boundary, its accuracy) wait for its boundary: a caption
            # never states what is not yet drawn (the raw panel's line comes with its label)
            said = None
            if key != "raw":
                said = VGroup(*label.submobjects[-len(self.statements[key]):])
                label.remove(*said.submobjects)
            parts = [label] + ([overlay.shading] if shaded else [])
            if copy is not None and copy in self.mobjects:  # its name stays: the rest comes in
                self.remove(copy)
                parts[:1] = label.submobjects[1:]
            self.add(label)
            if key == "raw" and overlay.strokes is not None:
                self.add(overlay.strokes)
                parts.append(overlay.strokes)
            retitle = []  # the top title names the section that plays: the activation's layers
            if key == "bent":
                section = self.top_line(self.section)
                self.add(section)
                retitle = self.swap_text(title, section, seconds=TITLE_SWAP,
                                         run_time=BEATS["fade"])
            self.play(*(OpacityFade(m) for m in parts + arriving), *leaving, *retitle,
                      run_time=BEATS["fade"])
            if retitle:
                self.remove(title)
                title = section
            if leaving:
                self.remove(*(m for m in self.posters if m not in kept.values()))
                self.posters = []  # the names kept are on screen till their turn (in kept)
                leaving = []
            shown.append(label)
            if key != "raw":  # the panel is the input plane again, in a new view of it
                view = views[key] = self.play_layers(key, flows[key], view,
                                                     straight if key == "linear" else bent,
                                                     overlay.shading, label.product_label)
            # the shading back in the input plane, evenly over the beat: eased (Manim's smooth) it
            # took a tenth of its light a frame in the middle, a pop at 15 fps
            # (the tanh panel's came with its words "back in the input plane", as it played back)
            back = ([OpacityFade(overlay.shading, rate_func=linear)]
                    if key == "linear" and overlay.shading is not None else [])
            if key == "bent":  # the boundary bends as the closing title says so (the last beat)
                end = self.top_line(END)
                self.mark("outro", END, f"{self.titles[key]}: " + " · ".join(self.statements[key]))
                bends = []
                if view.boundary is not None:
                    view.add(view.boundary)
                    bends.append(OpacityFade(view.boundary))
                self.add(said)
                self.play(*bends, *back, *self.swap_text(self.status[key], said),
                          *self.swap_text(title, end, seconds=TITLE_SWAP, run_time=BEATS["line"]),
                          run_time=BEATS["line"])
                self.remove(self.status[key])
                self.keep_in(label, said)
            if key == "linear":
                # one matrix, one line: where the network's shading changes side
                matrix = self.matrix = label.matrix
                fades = back + ([OpacityFade(matrix)] if matrix is not None else [])
                if matrix is not None:
                    label.add(matrix)
                if overlay.strokes is not None:
                    self.add(overlay.strokes)
                    fades.append(OpacityFade(overlay.strokes))
                self.add(said)  # "still a straight line": said as the line is drawn
                self.mark("caption", f"{self.titles[key]}: {self.statements[key][0]}",
                          " · ".join(self.statements[key][1:]))
                gone = self.swap_text(self.status.pop(key, None), None)  # the table's place
                self.play(*fades, OpacityFade(said), *gone, run_time=BEATS["line"])
                self.keep_in(label, said)
            if key != "bent":
                self.wait(BEATS["look_matrix"] if key == "linear" else BEATS["look"])
        end_wait = BEATS["end"]
        if self.focused:  # the row again, every panel's label in it, for the last look
            row = labels["linear"]
            if row.matrix is not None:
                row.add(row.matrix)
            axes = self.regrid(self.row, leaving=shown, arriving=list(labels.values()))
            if axes:
                self.play(*(OpacityFade(m) for m in axes), run_time=BEATS["fade"])
                end_wait -= BEATS["fade"]
            end_wait -= BEATS["regrid"]
        self.wait(max(end_wait, BEATS["look"]))

    @staticmethod
    def flattened(net) -> list[bool]:
        """Per hidden layer: whether the product of the linear maps so far flattens the plane to
        nearly one line (its second singular value under :data:`FLAT` of its first)."""
        import numpy as np

        product, flat = np.eye(2), []
        for W in net.weights[:-1]:
            product = W @ product
            s = np.linalg.svd(product, compute_uv=False)
            flat.append(bool(len(s) > 1 and s[1] < FLAT * s[0]))
        return flat

    @staticmethod
    def squeezed(net, X, before: bool = False) -> list[bool]:
        """Per hidden layer of ``net``: whether the data leave its activation nearly on one curve
        (the second principal spread of the states under :data:`FLAT` of the first): there the
        grid carried with the data is a thin band, its bend no longer visible.  ``before``: the
        states its linear map leaves, before the activation (nearly on one line)."""
        import numpy as np

        flat = []
        out = net.forward(X)
        for h in (out.pre if before else out.post)[:-1]:  # every hidden layer's states
            s = np.linalg.svd(h - h.mean(axis=0), compute_uv=False)
            flat.append(bool(len(s) > 1 and s[1] < FLAT * s[0]))
        return flat

    def lift_words(self, stage) -> str:
        """The lift's caption, with what the picture of a wider layer is: a 2-D view (u₁, u₂)."""
        width = self.networks["linear"].weights[stage.layer].shape[0]
        return f"{stage.caption}: {width}-D, seen in 2-D as u₁, u₂"

    def stage_words(self, stage) -> str:
        """What the tanh panel shows during ``stage``: the flow's name of the stage's map (as the
        layers scene titles it), an activation's with what it does that can be seen: it bends
        the grid, or, where the data leave it nearly on one curve, flattens them to a band."""
        if stage.kind == "linear" and self.bent_lined[stage.layer]:  # the collapse is the point
            return f"{stage.caption} · the points on one line"
        if stage.kind == "activation":
            if self.bent_squeezed[stage.layer]:
                return f"{stage.caption} flattens the data"
            return f"{stage.caption} bends the grid"
        return stage.caption

    def status_line(self, label, text: str):
        """``text`` in the muted small print, in the line under ``label``'s title (where its
        statements come once its boundary is drawn), wrapped to its strip."""
        from manim import DOWN

        line = self.label(text, color=self.theme.muted, width=label.strip_width)
        line.text = text
        title = label[0]
        line.next_to(title, DOWN, buff=0.07)
        return line.set_x(title.get_x())

    def new_status(self, key: str, text: str, run_time: float) -> list:
        """The animations that replace the words under panel ``key``'s title by ``text`` (out,
        then in, over the first :data:`BEATS` ``"swap"`` seconds of a play ``run_time`` long)."""
        shown = self.statuses_shown[key]
        if shown and text == shown[-1]:
            return []
        line = self.status_line(self.status_label[key], text)
        self.add(line)
        swap = self.swap_text(self.status.get(key), line, seconds=BEATS["swap"], run_time=run_time)
        self.status[key] = line
        shown.append(text)
        return swap

    def keep_in(self, label, said) -> None:
        """The lines ``said`` (shown on their own) back in ``label``, drawn once: in the label
        where the label is on screen, else on their own (swapping the product's name out and in
        splits the label's group into its parts on screen)."""
        self.remove(said)
        label.add(*said.submobjects)
        if label not in self.mobjects:
            self.add(*said.submobjects)

    def poster_of(self, labels) -> dict:
        """``{panel: (shading, boundary, name)}``: copies of what each panel shows once its model
        is told, for the first frame (the title line of its label; a part may be ``None``)."""
        views, overlays = self.views, self.overlays
        lines = {"raw": overlays["raw"].strokes, "linear": overlays["linear"].strokes,
                 "bent": views["bent"].boundary}
        poster = {}
        for key in SIDES:
            shading = overlays[key].shading
            poster[key] = tuple(m.copy() for m in (shading, lines[key], labels[key][0])
                                if m is not None)
        return poster

    def regrid(self, panels, leaving=(), arriving=()) -> list:
        """Play the move of every panel (its view, shading, lines and frame) to ``panels``:
        the labels ``leaving`` fade out as it starts, those ``arriving`` fade in as it ends.
        Returns the axes of the views that grew large enough for them, made here after the
        move (for the next play to fade in)."""
        from nnanim.core.projection import smoothstep
        from nnanim.draw.mobjects import OpacityFade, SpaceAxes
        from nnanim.draw.panels import Dim, early, late, regrid

        self.remove(*(m for m in self.posters if m is not None))  # long gone: they stay put
        moves = []
        for key, side in SIDES.items():
            overlay = self.overlays[key]
            parts = [overlay.shading, overlay.strokes, (self.frames[side], FRAME_PAD)]
            moves.append((self.views[key], parts, self.panels[side].picture, panels[side].picture))
        present = set(self.get_mobject_family_members())
        whole = BEATS["regrid"]
        half = whole / 2
        # a label leaves part by part: the scene splits a label's group into its parts when one
        # of them (the product's name) is swapped out and back in while the layers play
        leaving = [part for label in leaving for part in label.submobjects]
        texts = ([OpacityFade(m, fade_in=False, rate_func=early(half, whole)) for m in leaving]
                 + [OpacityFade(m, rate_func=late(half, whole)) for m in arriving])
        self.add(*arriving)
        # the moving panels' axes (names, scale bars) leave before the panels cross and come back
        # once they have landed: two panels' x₁ x₂ and scale bars were drawn over one another
        hidden = [Dim(view.axes, 0.0, rate_func=self.axes_away)
                  for key, view in self.views.items()
                  if view.axes is not None and self.panels[SIDES[key]].picture != panels[SIDES[key]].picture]
        self.panels = panels
        # (where the panels are from the move's end on: tests judge each frame's panels there)
        self.__dict__.setdefault("panel_history", []).append((self.clock + whole, panels))
        self.play(*regrid(moves, lambda m: m in present, rate_func=smoothstep),
                  *texts, *hidden, run_time=whole)
        grown = []
        for view in self.views.values():
            if view.axes is None and SpaceAxes.fits(view.clip_box):
                view.axes = SpaceAxes(view)
                view.add(view.axes)
                view.set_stage(view.stage, view.t)
                grown.append(view.axes)
        return grown

    #: the share of a regrid over which the moving panels' axes fade out (and, at its end, in)
    AXES_AWAY = 0.25

    @classmethod
    def axes_away(cls, alpha: float) -> float:
        """The rate of a regrid's axes leaving: 0 → 1 over its first :attr:`AXES_AWAY`, 1 (gone)
        while the panels move past one another, back to 0 (shown) over its last."""
        return min(1.0, alpha / cls.AXES_AWAY, (1.0 - alpha) / cls.AXES_AWAY)

    def panel_view(self, flow, key: str, side: int):
        """The input plane of panel ``side`` in a view of ``flow`` (its boundary drawn in its own beat)."""
        from nnanim.draw.mobjects import FlowView

        X, y = self.job.run.X, self.job.run.y
        view = FlowView(flow, X, y, self.theme, region=self.region(side), grid_bounds=self.bounds,
                        boundary=key == "bent", clip_box=self.panels[side].picture.clip)
        if view.boundary is not None:
            view.remove(view.boundary)
        return view

    @staticmethod
    def stage_seconds(view, stage: int) -> float:
        """A stage's seconds: the beat's, or longer where the camera would zoom or pan too fast
        (:func:`nnanim.draw.panels.paced` of the stages' smoothstep, the framing sampled at
        :data:`FRAMING_SAMPLES` points)."""
        from nnanim.core.projection import smoothstep
        from nnanim.draw.panels import paced

        return paced(view, stage, BEATS["stage"], smoothstep, shift=CAMERA_SHIFT, zoom=CAMERA_ZOOM,
                     samples=FRAMING_SAMPLES)

    def play_layers(self, key, flow, view, net, shading, name=None):
        """The panel's plane through every layer of ``net``; the product so far named under it.

        Each stage plays long enough for the camera to follow it.  Then a cross-fade back to
        the panel's input plane, a new view returned (undoing every layer in one move rushed
        the camera through every stage's zoom in under a second).  The shading (a picture of the
        input plane) steps aside while the plane moves; it is back in the scene at the end, for
        the caller to fade in.  ``name``: the label of the whole product (the linear panel's),
        where the product so far is named while the layers play.
        """
        from manim import UP

        from nnanim.core.projection import smoothstep
        from nnanim.draw.mobjects import OpacityFade, StagePlay

        name = name if key == "linear" else None
        shown = name
        stages = [s for s in flow.stages if s.kind != "output"]
        for i, stage in enumerate(stages):
            seconds = self.stage_seconds(view, stage.index)
            swap = []  # the product so far: its label swapped (out, then in) as the stage starts
            if name is not None and stage.kind == "linear":
                so_far = self.label(self.so_far[stage.layer], color=self.theme.muted,
                                    width=self.panels[LINEAR].label.width)
                so_far.move_to(name.get_center()).align_to(name, UP)  # wrapped: downwards
                swap = self.swap_text(shown, so_far, seconds=BEATS["swap"], run_time=seconds)
                shown = so_far
                self.products_shown.append(self.so_far[stage.layer].replace(" ", ""))
            if key == "linear" and stage.kind == "lift" and self.lift_said is None:
                # the first 2-D view of a wider layer: what its axes are, said once
                self.lift_said = self.lift_words(stage)
                if name is not None:
                    said = self.label(self.lift_said, color=self.theme.muted,
                                      width=self.panels[LINEAR].label.width)
                    said.text = self.lift_said
                    said.move_to(name.get_center()).align_to(name, UP)  # wrapped: downwards
                    swap = self.swap_text(shown, said, seconds=BEATS["swap"], run_time=seconds)
                    shown = said
                else:
                    swap = self.new_status(key, self.lift_said, seconds)
            if key == "bent":  # what the tanh panel shows now: this stage's map
                swap = self.new_status(key, self.stage_words(stage), seconds)
            elif name is None and stage.kind == "linear":  # no room for the product's name: the
                swap = self.new_status(key, self.so_far[stage.layer], seconds)  # product so far
                self.products_shown.append(self.status[key].text.replace(" ", ""))
            # the shading eases out as the stage moves (smoothstep, as the stage): Manim's steeper
            # `smooth` took four fifths of a large panel's shading in the middle third of a 0.6 s
            # stage, one frame of three at 5 fps, a jump to the jump check
            aside = ([OpacityFade(shading, fade_in=False, rate_func=smoothstep)]
                     if i == 0 and shading is not None and shading in self.mobjects else [])
            self.play(StagePlay(view, stage.index, rate_func=smoothstep), *aside, *swap,
                      run_time=seconds)
        # back to the input plane: the moved plane fades out as the input plane fades in
        from nnanim.draw.panels import view_dissolve

        side = LINEAR if key == "linear" else BENT
        fresh = self.panel_view(flow, key, side)
        self.add(fresh)
        named = self.swap_text(shown, name) if name is not None else []  # the whole product's name
        if key in self.status:
            named = self.new_status(key, BACK, BEATS["back"])
        back = []
        if shading is not None and key == "bent":  # "back in the input plane" with its shading
            from manim import linear

            self.add(shading)
            self.bring_to_back(shading)
            back = [OpacityFade(shading, rate_func=linear)]
        if key == "bent" and view.grid is not None:  # its grid, squeezed to a grey band with the
            # data, leaves first: over the input plane coming in it read as a dark smear
            from nnanim.draw.panels import Dim, early

            back.append(Dim(view.grid, 0.0, rate_func=early(0.4 * BEATS["back"], BEATS["back"])))
        self.play(*view_dissolve(view, fresh, BEATS["back"]), *named, *back, run_time=BEATS["back"])
        if shading is not None and not back:  # the input plane again: its shading back behind it
            self.add(shading)  # (for the caller to fade in)
            self.bring_to_back(shading)
        return fresh

    @staticmethod
    def input_bounds(net, X):
        """The square of the input plane every panel shows (the framing of the data)."""
        from nnanim.core.flow import build_flow

        centre, half = build_flow(net, reference=X).trace(X).framing(0, 0.0)
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)

    def fit_panels(self, top: float) -> dict:
        """The layout's three panels with label strips tall enough for the labels; the labels.

        Panels in a row smaller than :data:`FOCUS_BELOW` get a second arrangement for each
        panel that plays (``self.focus[side]``: the panels and that panel's label): it grows,
        its label in a column beside it as wide as its longest line needs (or as the frame
        leaves), the others thumbnails under the label (:meth:`nnanim.layout.Layout.focus`).
        """
        from nnanim.draw.panels import fit_grid

        def height(panels):
            self.panels = panels
            return max(self.panel_label(key, side).height for key, side in SIDES.items())

        self.panels = self.row = fit_grid(self.layout, 3, height, top=top, gap=0.35, lines=4)
        labels = {key: self.panel_label(key, side) for key, side in SIDES.items()}
        self.focused = self.row[0].picture.width < FOCUS_BELOW
        self.focus = {}
        if self.focused:
            area = self.layout.safe
            # the column: as wide as the titles on one line and the product's table (statements
            # wrap), or the room a picture as tall as the area leaves, whichever is wider
            titles = max(self.label(self.titles[k], weight="BOLD").width for k in ("linear", "bent"))
            table = self.panel_label("linear", LINEAR, width=titles + 0.05).matrix.width
            spare = area.width - (area.height - top - 0.25) - 0.35
            column = min(max(titles + 0.05, table + 0.05, spare), 0.45 * area.width)
            named = self.named_width() + 0.05  # the product's name and the product so far
            tall = area.height - top - 0.25
            if column < named and min(tall, area.width - named - 0.35) >= 0.97 * min(
                    tall, area.width - column - 0.35):
                column = named  # room to name the product, for at most a sliver of picture
            for key in ("linear", "bent"):
                side, strip = SIDES[key], 1.0
                for _ in range(4):  # the strip as tall as the label wrapped to the column
                    self.panels = self.layout.focus(3, side, column, strip, top=top, gap=0.35,
                                                    left=side == BENT)
                    label = self.panel_label(key, side)
                    if label.height + 0.1 <= strip:
                        break
                    strip = label.height + 0.1
                self.focus[side] = (self.panels, label)
            self.panels = self.row
            self.matrix = labels["linear"].matrix
            self.product_label = labels["linear"].product_label
        return labels

    def named_width(self) -> float:
        """The narrowest label strip that names the product: its line and every product so far
        on one line each (and never under :data:`NARROW`)."""
        # (the product so far without what it does, which wraps under it where it must)
        return max(NARROW, *(self.label(t.split(" · ")[0], color=self.theme.muted).width
                             for t in self.so_far),
                   self.label(self.product, color=self.theme.muted).width)

    def panel_label(self, key: str, side: int, width: float | None = None):
        """Title, (the product matrix,) statement: under the panel, inside its label strip.

        The group's ``matrix`` is the product's table (``None`` but in the linear panel) and
        its ``product_label`` the line naming the whole product (``None`` where the strip is
        too narrow for it); ``width`` overrides the strip's width (to measure a label).
        """
        from manim import DOWN, VGroup

        from nnanim.draw.panels import matrix_table

        box = self.panels[side].label
        width = width or box.width
        parts = [self.label(self.titles[key], weight="BOLD", width=width)]
        matrix = product = None
        if key == "linear":
            narrow = width < self.named_width()  # the product's name would wrap (3 lines, square)
            if not narrow:
                product = self.product_label = self.label(self.product, color=self.theme.muted,
                                                          width=width)
                parts.append(product)
            if self.numbers is not None and all(  # one output: its weights and bias, in words
                    self.label(part).width <= width for part in self.numbers.split(" · ")):
                table = self.label(self.numbers)
                if table.width > width:  # two lines, broken at the dot (the wrapper broke "[2.07,")
                    table = VGroup(*(self.label(part) for part in self.numbers.split(" · ")))
                    table.arrange(DOWN, buff=0.07)
                table.text = self.numbers
            else:  # W, then b under it (a strip too narrow for "w = [..]" on one line)
                table = VGroup(
                    matrix_table([r[:-1] for r in self.table], self.label, self.theme.foreground),
                    matrix_table([r[-1:] for r in self.table], self.label, self.theme.foreground),
                ).arrange(DOWN, buff=0.1)
                table.cells = [a + b for a, b in zip(table[0].cells, table[1].cells)]
            parts.append(table)
            matrix = self.matrix = table
        parts += [self.label(line, color=self.theme.muted, width=width)
                  for line in self.statements[key]]
        group = VGroup(*parts).arrange(DOWN, buff=0.07)
        group.matrix, group.product_label, group.strip_width = matrix, product, width
        return group.next_to([box.centre[0], box.y1, 0], DOWN, buff=0.12)


SCENE = LinearVsHiddenScene
