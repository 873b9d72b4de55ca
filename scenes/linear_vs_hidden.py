"""Why hidden layers need an activation: a deep linear network is one matrix and one straight line.

Storyboard: three panels of the input plane, the same data in each, each
shaded by its own model's probability.  First a logistic regression on the
raw inputs (its straight line, its accuracy); then a deep network with
``linear`` activations, trained on the same data from the same seed: the
plane plays through its layers one by one (every grid line stays straight)
while the product so far is named under the panel (``W₀``, ``W₁W₀``, ...);
back in the input plane the layers have multiplied out to one matrix
``W = W_L ⋯ W_0`` and one bias (shown as a table), and its straight line is
drawn once, where the network's own shading changes side; last the same
architecture with the job's activation (tanh by default) plays through its
layers, the grid bending, and its boundary bends too.  Every accuracy is
recomputed from the points.

The default data is ``moons`` (it was ``circles``): on circles no line does
better than chance, so both linear panels had no shading and a product
``W ≈ 0`` that nothing on screen explained; on moons the best line is a real
line (88 % correct) that the tanh layers beat (100 %).

In a vertical frame the panels are stacked (two by two when that makes them larger).

Render with ``nnanim render linear-vs-hidden`` (options: ``nnanim render --help``).
"""


from nnanim.scenes.bottleneck import BottleneckScene as _Panels

from nnanim.contract import SceneContract
from nnanim.core.notation import sub
from nnanim.errors import NnanimError

#: seconds of each beat ("stage": the least a stage plays; "back": the cross-fade to the input plane)
BEATS = {"intro": 1.0, "fade": 0.8, "look": 1.2, "line": 1.2, "look_matrix": 2.0, "end": 3.2,
         "stage": 0.6, "back": 0.8, "swap": 0.4}
#: the fastest the camera may zoom (log of the scale) and pan (panel sizes) per second: a stage
#: whose framing changes faster plays longer (0.6 s stages zoomed up to half the scale a frame)
CAMERA_ZOOM, CAMERA_SHIFT = 3.0, 1.5
#: the steepest slope of smoothstep, the stages' rate function: its peak speed over its mean
PEAK = 1.5
RAW, LINEAR, BENT = 0, 1, 2  # the three panels
NARROW = 3.2  # label strips narrower than this (scene units) name the product in short
TITLE = "linear layers multiply to one matrix"
END = "an activation bends the boundary"


def product_name(n_layers: int) -> str:
    """``W₃W₂W₁W₀`` for four affine maps (``W₇⋯W₀`` past five)."""
    if n_layers > 5:
        return f"W{sub(n_layers - 1)}⋯W₀"
    return "".join(f"W{sub(k)}" for k in reversed(range(n_layers)))


class LinearVsHiddenScene(SceneContract):
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
        from nnanim.core.curves import (
            decision_boundary,
            is_closed,
            linear_pairs,
            network_probabilities,
            probabilities,
        )
        from nnanim.core.flow import build_flow
        from nnanim.core.nn import Network, collapse_affine, fit_linear_classifier
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.panels import boundary_overlay, number
        from nnanim.draw.posters import poster_shading

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
        self.accuracies = {
            "raw": Network([W_raw], [b_raw], [], task).accuracy(X, y),
            "linear": straight.accuracy(X, y),
            "bent": bent.accuracy(X, y),
        }
        self.table = [[number(v) for v in (*W[k], b[k])] for k in range(len(W))]

        title = self.top_line(TITLE)
        tallest = max((self.top_line(t) for t in (TITLE, END)), key=lambda m: m.height)
        info = self.info_line(run, record, below=tallest)
        top = self.layout.safe.y1 - info.get_bottom()[1]
        self.titles, self.statements, self.products_shown = {}, {}, []

        bounds = self.input_bounds(bent, X)
        curves = decision_boundary(bent, bounds)
        shape = ("a closed curve" if any(is_closed(c) for c in curves)
                 else "a curved boundary" if curves else "no boundary in view")
        act = "/".join(dict.fromkeys(run.activations))
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
        self.product = f"W = {product_name(len(straight.weights))} | b"
        labels = self.fit_panels(top)

        flows = {"raw": build_flow(bent, reference=X), "linear": build_flow(straight, reference=X),
                 "bent": build_flow(bent, reference=X)}
        self.bounds = bounds
        views = self.views = {key: self.panel_view(flows[key], key, side)
                              for key, side in (("raw", RAW), ("linear", LINEAR), ("bent", BENT))}

        overlays = self.overlays = {
            "raw": boundary_overlay(views["raw"], linear_pairs(W_raw, b_raw),
                                    probabilities(W_raw, b_raw), self.theme, K),
            # the product's line, drawn once, over the deep linear network's own shading
            "linear": boundary_overlay(views["linear"], linear_pairs(W, b),
                                       network_probabilities(straight), self.theme, K),
            "bent": boundary_overlay(views["bent"], [], network_probabilities(bent), self.theme, K),
        }
        frames = [self.panel_frame(side) for side in (RAW, LINEAR, BENT)]
        matrix = getattr(self, "matrix", None)
        if matrix is not None:  # the product's table comes once the layers are multiplied out
            labels["linear"].remove(matrix)

        for view in views.values():  # the poster: each model's answer, both sides shaded
            poster_shading(self, view, hold=BEATS["intro"])
        self.open(*frames, *views.values(), title, info, title=TITLE, seconds=BEATS["intro"])
        for key in ("raw", "linear", "bent"):
            view, overlay = views[key], overlays[key]
            self.mark("caption", self.titles[key], " · ".join(self.statements[key]))  # the words on screen
            if overlay.shading is not None:
                self.add(overlay.shading)
                self.bring_to_back(overlay.shading)
            parts = [labels[key]] + ([overlay.shading] if overlay.shading is not None else [])
            self.add(labels[key])
            if key == "raw" and overlay.strokes is not None:
                self.add(overlay.strokes)
                parts.append(overlay.strokes)
            self.play(*(OpacityFade(m) for m in parts), run_time=BEATS["fade"])
            if key != "raw":  # the panel is the input plane again, in a new view of it
                view = views[key] = self.play_layers(key, flows[key], view,
                                                     straight if key == "linear" else bent,
                                                     overlay.shading)
            back = [OpacityFade(overlay.shading)] if key != "raw" and overlay.shading is not None else []
            if key == "bent":  # the boundary bends as the closing title says so (the last beat)
                end = self.top_line(END)
                self.mark("outro", END)
                bends = []
                if view.boundary is not None:
                    view.add(view.boundary)
                    bends.append(OpacityFade(view.boundary))
                self.play(*bends, *back, *self.swap_text(title, end), run_time=BEATS["line"])
            if key == "linear":
                # one matrix, one line: where the network's shading changes side
                fades = back + ([OpacityFade(matrix)] if matrix is not None else [])
                if matrix is not None:
                    self.add(matrix)
                if overlay.strokes is not None:
                    self.add(overlay.strokes)
                    fades.append(OpacityFade(overlay.strokes))
                if fades:
                    self.play(*fades, run_time=BEATS["line"])
            if key != "bent":
                self.wait(BEATS["look_matrix"] if key == "linear" else BEATS["look"])
        self.wait(BEATS["end"])

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
        """A stage's seconds: the beat's, or longer where the camera would zoom or pan too fast."""
        zoom, shift = view.framing_speed(stage)
        return max(BEATS["stage"], PEAK * zoom / CAMERA_ZOOM, PEAK * shift / CAMERA_SHIFT)

    def play_layers(self, key, flow, view, net, shading):
        """The panel's plane through every layer of ``net``; the product so far named under it.

        Each stage plays long enough for the camera to follow it.  Then a cross-fade back to
        the panel's input plane, a new view returned (undoing every layer in one move rushed
        the camera through every stage's zoom in under a second).  The shading (a picture of the
        input plane) steps aside while the plane moves; it is back in the scene at the end, for
        the caller to fade in.
        """
        from nnanim.core.projection import smoothstep
        from nnanim.draw.mobjects import OpacityFade, StagePlay
        from nnanim.draw.panels import early, late

        name = getattr(self, "product_label", None) if key == "linear" else None
        shown = name
        stages = [s for s in flow.stages if s.kind != "output"]
        for i, stage in enumerate(stages):
            seconds = self.stage_seconds(view, stage.index)
            swap = []  # the product so far: its label swapped (out, then in) as the stage starts
            if name is not None and stage.kind == "linear":
                k, rows = stage.layer + 1, net.weights[stage.layer].shape[0]
                so_far = self.label(f"so far {product_name(k)}: {rows} × 2", color=self.theme.muted)
                so_far.move_to(name.get_center())
                swap = self.swap_text(shown, so_far, seconds=BEATS["swap"], run_time=seconds)
                shown = so_far
                self.products_shown.append(so_far.text)
            aside = [OpacityFade(shading, fade_in=False)] if i == 0 and shading is not None else []
            self.play(StagePlay(view, stage.index, rate_func=smoothstep), *aside, *swap,
                      run_time=seconds)
        # back to the input plane: the moved plane fades out as the input plane fades in
        side = LINEAR if key == "linear" else BENT
        fresh = self.panel_view(flow, key, side)
        self.add(fresh)
        named = self.swap_text(shown, name) if name is not None else []  # the whole product's name
        half, whole = BEATS["back"] / 2, BEATS["back"]  # out, then in: never two scale bars at once
        self.play(OpacityFade(view, fade_in=False, rate_func=early(half, whole)),
                  OpacityFade(fresh, rate_func=late(half, whole)), *named, run_time=whole)
        if shading is not None:  # the input plane again: its shading back behind it
            self.add(shading)
            self.bring_to_back(shading)
        return fresh

    @staticmethod
    def input_bounds(net, X):
        """The square of the input plane every panel shows (the framing of the data)."""
        from nnanim.core.flow import build_flow

        centre, half = build_flow(net, reference=X).trace(X).framing(0, 0.0)
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)

    def fit_panels(self, top: float) -> dict:
        """The layout's three panels with label strips tall enough for the labels; the labels."""
        from nnanim.draw.panels import fit_grid

        sides = (("raw", RAW), ("linear", LINEAR), ("bent", BENT))

        def height(panels):
            self.panels = panels
            return max(self.panel_label(key, side).height for key, side in sides)

        self.panels = fit_grid(self.layout, 3, height, top=top, gap=0.35, lines=4)
        return {key: self.panel_label(key, side) for key, side in sides}

    def panel_label(self, key: str, side: int):
        """Title, (the product matrix,) statement: under the panel, inside its label strip."""
        from manim import DOWN, VGroup

        from nnanim.draw.panels import matrix_table

        box = self.panels[side].label
        parts = [self.label(self.titles[key], weight="BOLD", width=box.width)]
        if key == "linear":
            narrow = box.width < NARROW  # a square frame: the product's name would take 3 lines
            if not narrow:
                self.product_label = self.label(self.product, color=self.theme.muted, width=box.width)
                parts.append(self.product_label)
            table = matrix_table(self.table, lambda s: self.label(s), self.theme.foreground,
                                 bar=len(self.table[0]) - 1, gap=0.12 if narrow else 0.22)
            if table.width > box.width:  # narrow panels: W, then b under it
                table = VGroup(
                    matrix_table([r[:-1] for r in self.table], self.label, self.theme.foreground),
                    matrix_table([r[-1:] for r in self.table], self.label, self.theme.foreground),
                ).arrange(DOWN, buff=0.1)
                table.cells = [a + b for a, b in zip(table[0].cells, table[1].cells)]
            parts.append(table)
            self.matrix = table
        parts += [self.label(line, color=self.theme.muted, width=box.width)
                  for line in self.statements[key]]
        group = VGroup(*parts).arrange(DOWN, buff=0.07)
        return group.next_to([box.centre[0], box.y1, 0], DOWN, buff=0.12)


SCENE = LinearVsHiddenScene
