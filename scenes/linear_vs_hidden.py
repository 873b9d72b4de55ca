"""Why hidden layers need an activation: a deep linear network is one matrix and one straight line.

Storyboard: three panels of the input plane, the same data in each.  First a
logistic regression on the raw inputs (its straight line, its accuracy);
then a deep network with ``linear`` activations, trained on the same data
from the same seed: its layers multiply out to one matrix ``W = W_L ⋯ W_0``
and one bias (shown as a table), whose straight line is drawn over the
network's own p = 0.5 boundary — they coincide; last the same architecture
with the job's activation (tanh by default), whose boundary bends (on
``circles``, a closed curve).  Every accuracy is recomputed from the points.

In a vertical frame the panels are stacked (two by two when that makes them larger).

Render with ``nnanim render linear-vs-hidden`` (options: ``nnanim render --help``).
"""


from nnanim.scenes.bottleneck import BottleneckScene as _Panels

from nnanim.contract import SceneContract
from nnanim.errors import NnanimError

#: seconds of each beat
BEATS = {"intro": 1.5, "fade": 1.0, "look": 2.0, "line": 1.2, "look_matrix": 3.0, "end": 3.0}
RAW, LINEAR, BENT = 0, 1, 2  # the three panels
NARROW = 3.2  # label strips narrower than this (scene units) name the product in short
TITLE = "linear layers multiply to one matrix"
END = "an activation bends the boundary"


def _subscript(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def product_name(n_layers: int) -> str:
    """``W₃W₂W₁W₀`` for four affine maps (``W₇⋯W₀`` past five)."""
    if n_layers > 5:
        return f"W{_subscript(n_layers - 1)}⋯W₀"
    return "".join(f"W{_subscript(k)}" for k in reversed(range(n_layers)))


class LinearVsHiddenScene(SceneContract):
    defaults = {"dataset": "circles", "hidden": [4, 4, 4], "activation": "tanh"}

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
        from nnanim.curves import (
            decision_boundary,
            is_closed,
            linear_pairs,
            network_probabilities,
            probabilities,
        )
        from nnanim.flow import build_flow
        from nnanim.mobjects import FlowView, OpacityFade
        from nnanim.nn import Network, collapse_affine, fit_linear_classifier
        from nnanim.panels import boundary_overlay, number

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
        self.titles, self.statements = {}, {}

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
        views = self.views = {}
        for key, side in (("raw", RAW), ("linear", LINEAR), ("bent", BENT)):
            view = FlowView(flows[key], X, y, self.theme, region=self.region(side),
                            grid_bounds=bounds, boundary=key != "raw",
                            clip_box=self.panels[side].picture.clip)
            if view.boundary is not None:
                view.remove(view.boundary)  # drawn in its own beat
            views[key] = view

        overlays = self.overlays = {
            "raw": boundary_overlay(views["raw"], linear_pairs(W_raw, b_raw),
                                    probabilities(W_raw, b_raw), self.theme, K),
            "linear": boundary_overlay(views["linear"], linear_pairs(W, b), probabilities(W, b),
                                       self.theme, K, color=self.theme.muted,
                                       stroke_width=self.theme.boundary_width * 0.45),
            "bent": boundary_overlay(views["bent"], [], network_probabilities(bent), self.theme, K),
        }
        frames = [self.panel_frame(side) for side in (RAW, LINEAR, BENT)]

        self.open(*frames, *views.values(), title, info, title=TITLE, seconds=BEATS["intro"])
        for key in ("raw", "linear", "bent"):
            view, overlay = views[key], overlays[key]
            self.mark("caption", self.titles[key], " · ".join(self.statements[key]))  # the words on screen
            if overlay.shading is not None:
                self.add(overlay.shading)
                self.bring_to_back(overlay.shading)
            parts = [labels[key]] + ([overlay.shading] if overlay.shading is not None else [])
            if view.boundary is not None:
                view.add(view.boundary)
                parts.append(view.boundary)
            self.add(labels[key])
            if key != "linear" and overlay.strokes is not None:
                self.add(overlay.strokes)
                parts.append(overlay.strokes)
            self.play(*(OpacityFade(m) for m in parts), run_time=BEATS["fade"])
            if key == "linear" and overlay.strokes is not None:
                # the product's line, drawn over the deep network's own boundary: they coincide
                self.add(overlay.strokes)
                self.play(OpacityFade(overlay.strokes), run_time=BEATS["line"])
            self.wait(BEATS["look_matrix"] if key == "linear" else BEATS["look"])

        end = self.top_line(END)
        self.mark("outro", END)
        self.add(end)
        self.play(*self.swap_text(title, end), run_time=0.3)
        self.wait(BEATS["end"])

    @staticmethod
    def input_bounds(net, X):
        """The square of the input plane every panel shows (the framing of the data)."""
        from nnanim.flow import build_flow

        centre, half = build_flow(net, reference=X).trace(X).framing(0, 0.0)
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)

    def fit_panels(self, top: float) -> dict:
        """The layout's three panels with label strips tall enough for the labels; the labels."""
        from nnanim.panels import fit_grid

        sides = (("raw", RAW), ("linear", LINEAR), ("bent", BENT))

        def height(panels):
            self.panels = panels
            return max(self.panel_label(key, side).height for key, side in sides)

        self.panels = fit_grid(self.layout, 3, height, top=top, gap=0.35, lines=4)
        return {key: self.panel_label(key, side) for key, side in sides}

    def panel_label(self, key: str, side: int):
        """Title, (the product matrix,) statement: under the panel, inside its label strip."""
        from manim import DOWN, VGroup

        from nnanim.panels import matrix_table

        box = self.panels[side].label
        parts = [self.label(self.titles[key], weight="BOLD", width=box.width)]
        if key == "linear":
            narrow = box.width < NARROW  # a square frame: the product's name would take 3 lines
            if not narrow:
                parts.append(self.label(self.product, color=self.theme.muted, width=box.width))
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
