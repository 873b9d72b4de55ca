"""A hand-made feature cross (z = x² + y², z = x·y) lifts the plane into 3-D; a network learns its own.

Storyboard: two panels per dataset.  Left, the input plane lifted by a
hand-made feature ``z = f(x, y)`` into 3-D, where a logistic regression on
``(x, y, z)`` is a flat plane; the curve drawn in the plane before the lift
is that plane's preimage, and it rises onto the plane.  Right, a network
trained on the same data: its last hidden layer (2 units) with the output
layer's straight line ("2 units: one straight line splits them").  The first
frame shows both answers: the hand-made curve and the learned line.  Then the
right panel shows the input again ("the input, before its layers") while the
left one lifts it, and plays the network's layers, its name saying which layer
(and how many units) it shows, while the lifted surface and its plane turn
slowly beside it; a layer wider than the picture (16 units drawn in 2-D) is said to be
a projection, with the share of the points' spread it keeps.  The left panel is named by
its feature from the first frame; between datasets a beat says what changes and why (the
last feature, a flat plane over the new data, fails there).  Every panel names its axes
(x, y, z on the left).  The flat
plane lies under every point (one rule for the bowl and the saddle alike: each
point in its class's full colour, on either side of the plane).  Every accuracy
is recomputed from the points.

By default three datasets in turn: ``circles`` lifted by ``x² + y²``,
``xor`` by ``x·y``, then ``spirals``, where both of those crosses fail and
the learned layer still separates the arms.  With ``-d`` (or ``--run``) one
dataset, with ``--cross EXPR`` your own feature (the grammar of ``expr:``
datasets; default: ``x·y`` for xor and the checkerboard, ``x² + y²`` for the
rest).  Two classes only.

Render with ``nnanim render feature-cross`` (options: ``nnanim render --help``).
"""

import numpy as np
from nnanim.scenes.bottleneck import BottleneckScene as _Panels

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import feature
from nnanim.errors import NnanimError

#: the default tour: (dataset, crosses); the first cross of each is drawn, the others stated
TOUR = (("circles", ("x**2 + y**2",)), ("xor", ("x*y",)), ("spirals", ("x**2 + y**2", "x*y")))
#: the obvious cross of a dataset (what a person would try first)
OBVIOUS = {"xor": "x*y", "checkerboard": "x*y"}
ROUND = "x**2 + y**2"
#: seconds of each beat
BEATS = {"intro": 1.5, "tilt": 1.2, "lift": 2.0, "plane": 0.9, "learned": 1.0,
         "look_both": 2.5, "swap": 0.4, "out": 1.4, "bridge": 2.2, "end": 3.0}
#: degrees the lifted plane turns about the vertical while the learned panel plays its layers
#: (a still 3-D picture beside 8-12 s of play read as a frozen panel; turning, it shows the
#: surface and the plane from the sides, at a glance's speed: under 8° a second)
TURN = 60.0
#: seconds per stage kind of the learned network (each stage its own play, eased, so the
#: panel's camera can follow a stage that moves or zooms the picture a lot)
PACE = {"linear": 0.8, "rotate": 0.6, "bias": 0.5, "activation": 0.8, "lift": 0.4, "squash": 0.7}
TILT, AZIM = np.radians(70), np.radians(-30)
CROSS, LEARNED = 0, 1  # the two panels
END = "a learned layer finds its own features"
#: the learned panel's name while it shows the input, before its layers play (the same
#: points as the left panel's before the lift: the comparison)
INPUT_NAME = "learned: the input, before its layers"
#: the top title while the learned panel plays its layers (the lift's title stayed on over them)
LEARNING = "the learned layers move the plane"
#: seconds of a top title's swap (out, then in): the title is under half its light for half
#: of it, 0.2 s (the chapter's change, swapped with its panels over 1.4 s, left the top line
#: dark for 0.7 s); shorter, the change falls in one frame at 5 fps, a jump
TITLE_SWAP = BEATS["swap"]
#: below this accuracy a cross is said to fail
FAIL = 0.8
#: the space between a panel label's lines, and the least room left under its last line
#: (scene units: 0.12 is 7 px of a 480-px frame; 0.07 read as one tight block of four lines)
LINE_GAP, LABEL_ROOM = 0.12, 0.2
#: the room (scene units) a panel keeps free of data on each side, for its axes in the corners
#: (the compass and scale are the same size in every shape: so is their room), at most
#: :data:`MOST` of the panel's side, and leaving the data a square at least :data:`LEAST` units
#: wide (a fifth of the 1:1 frame's small panels left its data under a quarter of its side)
MARGIN, MOST, LEAST = {CROSS: 0.6, LEARNED: 0.6}, 0.2, 2.35
#: a panel whose picture's short side is under SMALL scene units gets a compass of arrows
#: SMALL_ARROW long, SMALL_PAD from its edges (the axes' own: 0.42 and 0.22)
SMALL, SMALL_ARROW, SMALL_PAD = 4.0, 0.24, 0.1
#: and a margin of SMALL_MARGIN scene units on each side, at most MOST of its side
SMALL_MARGIN = 0.5
#: a panel whose picture's short side is under AXES_LEAST scene units has no axes (the square
#: frame's: with a compass and its margin, its data spanned under a fifth of the frame, and
#: still reached the names)
AXES_LEAST = 3.0


def pretty(expr: str) -> str:
    """A feature as shown: ``x**2 + y**2`` → ``x² + y²``, ``x*y`` → ``x·y``."""
    return feature(" ".join(expr.split()))


def has_axes(clip) -> bool:
    """Whether a panel's picture clipped to ``clip`` gets axes (:data:`AXES_LEAST`)."""
    from nnanim.draw.mobjects import SpaceAxes

    return SpaceAxes.fits(clip) and min(clip[2] - clip[0], clip[3] - clip[1]) >= AXES_LEAST


def with_axes(view, clip) -> None:
    """Clip ``view`` to its panel's picture ``clip`` and give it axis names and a scale (every
    space shown names its axes), where the panel is large enough for them."""
    from nnanim.draw.mobjects import SpaceAxes

    view.set_clip_box(clip)
    if view.axes is None and has_axes(clip):
        view.axes = SpaceAxes(view)
        if min(clip[2] - clip[0], clip[3] - clip[1]) < SMALL:
            # a small panel: a shorter compass, nearer its corner (the names' print stays
            # readable): at full size it was about a third of the panel and the data reached it
            view.axes.ARROW, view.axes.PAD = SMALL_ARROW, SMALL_PAD
        view.add(view.axes)
    view.set_stage(view.stage, view.t)


def placed_now(view) -> None:
    """Put ``view``'s axes in the corners of the moment it shows, at once: no glide from the
    corners of a stage it was set to before it is shown."""
    axes = view.axes
    if axes is None:
        return
    if axes._advance in axes.updaters:
        axes.remove_updater(axes._advance)
    axes._finish()
    axes._glide = ({}, None, 1.0)
    view.set_stage(view.stage, view.t)


def inside(polygon, x, y) -> np.ndarray:
    """Which of the points ``(x, y)`` lie inside ``polygon`` ``(M, 2)`` (even-odd rule)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    hit = np.zeros(x.shape, dtype=bool)
    P = np.asarray(polygon, dtype=float)
    for (ax, ay), (bx, by) in zip(P, np.roll(P, -1, axis=0)):
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ax + (y - ay) * (bx - ax) / (by - ay)
        hit ^= crosses & (x < at)
    return hit


def _box(X):
    """A square around the points, padded: where a feature must be defined (the drawn grid)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    c, h = (lo + hi) / 2, 0.65 * float(np.max(hi - lo))
    return c[0] - h, c[0] + h, c[1] - h, c[1] + h


def cross_accuracy(expr: str, X, y) -> float:
    """The accuracy of the flat plane (a logistic regression) on ``(x, y, expr(x, y))``."""
    from nnanim.core.data import parse_feature
    from nnanim.core.flow import CrossFlow
    from nnanim.core.nn import Network, fit_linear_classifier

    feature = parse_feature(expr)
    W, b = fit_linear_classifier(np.column_stack([X, feature(X[:, 0], X[:, 1])]), y, 2)
    return CrossFlow(feature, Network([W], [b], [], "binary"), X, "").accuracy(X, y)


def projection_words(flow, trace, s: int) -> str | None:
    """What stage ``s``'s picture keeps of its space, where that space is wider than the picture
    (a 16-unit layer drawn in 2-D): the share of the points' spread (their variance about their
    mean, summed over the axes) along the picture's axes, at the stage's end, where the picture
    rests; ``None`` where the picture shows the whole space."""
    from nnanim.core.notation import percent

    H = trace.full(s, 1.0)
    B = flow.basis(s, 1.0)
    if H.shape[1] <= len(B):
        return None
    C = np.cov(H, rowvar=False)
    share = float(np.trace(B @ C @ B.T) / max(np.trace(C), 1e-300))
    # (not a rounded 100 %; and short enough for one line of a wide strip: the label grew a
    # line where it wrapped)
    kept = "≥ 99.9%" if share >= 0.9995 else percent(share, 1)
    return f"a {len(B)}-D projection of {H.shape[1]} dims: {kept} of the spread"


def projection_forms(words: str) -> list[str]:
    """``words`` of :func:`projection_words`, then shorter forms of the same statement, for a
    narrow strip (wrapped to three or four lines in a square frame's panels, the long form took
    the pictures' height: 2.89 units high, 2.17 with it)."""
    import re

    m = re.fullmatch(r"a (\d+)-D projection of (\d+) dims: (.+) of the spread", words)
    if m is None:
        return [words]
    d, n, kept = m.groups()
    return [words, f"{d}-D projection of {n} dims: {kept} kept", f"projection of {n} dims: {kept} kept",
            f"{n}-D projected to {d}-D: {kept}"]


class FeatureCrossScene(SceneContract):
    top_title = True  # a panel scene: its title line is on top
    # the bottleneck scene's network: the last hidden layer (2 units) is the learned feature
    defaults = {"dataset": "circles", "hidden": [16, 16, 2], "activation": "tanh", "l2": 1e-3}
    max_inputs = 2  # it draws the input plane itself
    tasks = ("binary",)

    @classmethod
    def check(cls, job):
        from nnanim.core.data import parse_feature

        require_last_hidden(job, "feature-cross", (2, 3), "shows the network's last hidden layer")
        for name, crosses in cls.chapters(job):
            if name != job.dataset_name:
                continue  # the tour's own datasets and crosses
            X = job.run.X if job.run is not None else job.data.X
            x0, x1, y0, y1 = _box(X)
            gx, gy = np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41))
            feature = parse_feature(crosses[0])
            try:
                feature(np.concatenate([X[:, 0], gx.ravel()]), np.concatenate([X[:, 1], gy.ravel()]))
            except NnanimError as exc:
                raise NnanimError(f"--cross {exc} (on the data and the grid drawn around it)") \
                    from None

    @staticmethod
    def chapters(job) -> list[tuple[str, tuple[str, ...]]]:
        """``(dataset, crosses)`` shown in turn: the tour, or the job's data with its cross."""
        cross = job.opt("cross")
        if cross is None and job.config is not None and "dataset" not in job.explicit:
            return [tuple(c) for c in TOUR]
        name = job.dataset_name
        return [(name, (cross or OBVIOUS.get(name, ROUND),))]

    # the panel pieces the bottleneck scene already has
    def region(self, side) -> tuple[np.ndarray, float]:
        """The square a panel's data are framed in: its picture's, less :data:`MARGIN` a side
        (the grid and surface still fill the picture; the points left its corners to the axis
        names and the scale, which covered them where the data reached every corner)."""

        centre, size = _Panels.region(self, side)
        share = max(min(MARGIN[side] / size, MOST, 0.5 * (1.0 - LEAST / size)), 0.0)
        if size < SMALL and has_axes(self.panels[side].picture.clip):
            # a small panel with axes keeps the room its (shorter) compass needs, whatever
            # LEAST leaves: 4:3's xor and the learned layers reached into its names
            share = max(share, min(SMALL_MARGIN / size, MOST))
        return centre, size * (1.0 - 2.0 * share)

    def panel_frame(self, side):
        """The frame around a panel's whole picture (its data framed :data:`MARGIN` inside)."""
        from manim import Square

        centre, size = _Panels.region(self, side)
        return Square(size + 0.12, stroke_color=self.theme.muted, stroke_width=1.5,
                      stroke_opacity=0.6).move_to(centre)
    panel_view = _Panels.panel_view
    output_overlay = _Panels.output_overlay
    add_overlay = _Panels.add_overlay
    top_line = _Panels.top_line

    def construct(self):
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.panels import early, late
        from nnanim.draw.posters import poster_shading

        run, record = self.load_run()
        chapters = self.chapters(self.job)
        #: per chapter: what it computed and drew (for the tests)
        self.shown = [self.chapter_models(name, crosses, run, record) for name, crosses in chapters]
        for before, shown in zip(self.shown, self.shown[1:]):  # the hand-offs: the feature of
            prev = before["crosses"][0]  # the chapter before, on this chapter's data
            shown["bridge_accuracy"] = cross_accuracy(prev, shown["run"].X, shown["run"].y)
            shown["bridge"] = self.bridge_title(shown["name"], prev, shown["bridge_accuracy"])
        words = [self.chapter_title(s) for s in self.shown]
        lifts = [self.lift_title(c[0]) for _, c in chapters]
        bridges = [s["bridge"] for s in self.shown[1:]]
        tallest = max((self.top_line(t) for t in (*words, *lifts, *bridges, LEARNING, END)),
                      key=lambda m: m.height)
        for shown in self.shown:
            shown["info"] = self.info_line(shown["run"], shown["record"], below=tallest)
        top = self.layout.safe.y1 - min(s["info"].get_bottom()[1] for s in self.shown)

        def height(panels):
            self.panels = panels
            return max([self.panel_label(s, key, side).height for s in self.shown
                        for key, side in (("cross", CROSS), ("learned", LEARNED))]
                       + [self.playing_height(s) for s in self.shown])

        # the strips as tall as the labels, with LABEL_ROOM under the last line (a four-line
        # label ended a few pixels over the title-safe edge: crowded against the frame)
        self.panels = self.fit_panels(height, top)
        frames = [self.panel_frame(side) for side in (CROSS, LEARNED)]
        for shown in self.shown:
            self.chapter_views(shown)
            # the hand-made panel's label, its name (the feature) on from the chapter's first
            # frame (the left panel went unnamed through the poster, the tilt and the lift), what
            # it states with the flat plane
            shown["cross_label"] = self.panel_label(shown, "cross", CROSS)

        old = []
        for k, shown in enumerate(self.shown):
            title = self.top_line(words[k])
            # both panels hold their data from the start: the hand-made plane, the learned layer
            views = (shown["cross_view"], shown["learned_view"])
            leave = []
            if k == 0:
                poster_shading(self, shown["cross_view"], hold=BEATS["intro"])  # the poster
                # and the learned panel's answer (the input plane it starts from was a copy of
                # the left panel's): its last hidden layer and line, named, until the tilt
                poster = self.learned_poster(shown)
                self.open(*frames, shown["cross_view"], title, shown["info"], *poster,
                          shown["cross_label"][0], title=words[k], seconds=BEATS["intro"])
                self.add(shown["learned_view"], shown["input_name"])
                self.bring_to_back(shown["learned_view"])
                # a dissolve: the input plane comes in under the poster over the tilt's first
                # 60 %, the poster leaves over its last 60 % (never a dark panel between them);
                # the panel's name says which it shows, the input's as the poster leaves
                whole = BEATS["tilt"]
                leave = [OpacityFade(m, fade_in=False, rate_func=late(0.4 * whole, whole))
                         for m in poster[:-1]]
                leave.append(OpacityFade(shown["learned_view"], rate_func=early(0.6 * whole, whole)))
                leave += self.swap_text(poster[-1], shown["input_name"], run_time=whole)
                self.posters = poster
            else:
                # the hand-off: a beat that says what changes and why (the new data, on which
                # the last chapter's feature fails), over the new data, flat, in both panels
                # (the change of dataset came with its chapter's title alone: abrupt)
                bridge = self.top_line(shown["bridge"])
                self.mark("caption", shown["bridge"])
                names = [shown["input_name"], shown["cross_label"][0]]
                self.add(*views, bridge, shown["info"], *names)
                # the title swaps at once, the panels (and the line under the title) over the
                # whole beat: the top line is never blank for long
                self.play(*self.swap_text(old[1:], [*views, shown["info"], *names]),
                          *self.swap_text(old[0], bridge, seconds=TITLE_SWAP, run_time=BEATS["out"]),
                          run_time=BEATS["out"])
                self.remove(*old)
                self.wait(BEATS["bridge"])
                self.mark("caption", words[k])
                self.add(title)
                self.play(*self.swap_text(bridge, title), run_time=BEATS["swap"])
                self.remove(bridge)
            title = self.play_chapter(shown, title, lifts[k], leave)
            if k == 0:
                self.remove(*self.posters)
            old = [title, shown["info"], shown["cross_view"], shown["learned_view"],
                   *shown["plane"], *shown["overlay"], *shown["labels"]]

        end = self.top_line(END)
        self.mark("outro", END)
        self.add(end)
        self.play(*self.swap_text(title, end, seconds=TITLE_SWAP, run_time=BEATS["swap"]),
                  run_time=BEATS["swap"])
        self.wait(BEATS["end"])

    def fit_panels(self, height, top: float) -> list:
        """The two panels with label strips as tall as the labels need (with :data:`LABEL_ROOM`
        under the last line), each strip as wide as the frame leaves either side of its
        picture's centre: a label's statements then fit on one line where a strip only as wide
        as the picture wrapped them to three or four, and the pictures take that height (16:9:
        two 270-px panels stood between empty margins)."""
        from nnanim.layout import Box, Panel

        area = self.layout.safe
        gap, pad = 0.5, 0.12 + LABEL_ROOM
        for lines in range(2, 13):
            panels = self.layout.grid(2, label_lines=lines, top=top, gap=gap)
            if abs(panels[0].picture.y1 - panels[1].picture.y1) < 1e-6:  # side by side:
                # each picture centred in its half of the frame, its label as wide as the half
                mid = area.centre[0]
                wide = []
                for panel, (lo, hi) in zip(panels, ((area.x0, mid - gap / 2),
                                                    (mid + gap / 2, area.x1))):
                    pic, cx = panel.picture, 0.5 * (lo + hi)
                    if hi - lo < pic.width:
                        wide.append(panel)
                        continue
                    wide.append(Panel(Box(cx - pic.width / 2, pic.y0, cx + pic.width / 2, pic.y1),
                                      Box(lo, panel.label.y0, hi, panel.label.y1)))
                panels = wide
            if height(panels) + pad <= panels[0].label.height:
                break
        return panels

    # -- one dataset
    def chapter_run(self, name, run):
        return run if name == self.job.dataset_name else self.job.variant(dataset=name)

    def chapter_models(self, name, crosses, run, record) -> dict:
        """The models of one dataset's two panels and what the panels say about them."""
        from nnanim.core.data import parse_feature
        from nnanim.core.flow import CrossFlow, build_flow
        from nnanim.core.nn import Network, fit_linear_classifier

        run = self.chapter_run(name, run)
        record = min(record, len(run.epochs) - 1) if name == self.job.dataset_name else -1
        X, y = run.X, run.y
        flows, accuracies = [], []
        for expr in crosses:  # a logistic regression on (x, y, f(x, y)) for every cross
            feature = parse_feature(expr)
            lifted = np.column_stack([X, feature(X[:, 0], X[:, 1])])
            W, b = fit_linear_classifier(lifted, y, 2)
            flow = CrossFlow(feature, Network([W], [b], [], "binary"), X,
                             f"lift · z = {pretty(expr)}")
            flows.append(flow)
            accuracies.append(flow.accuracy(X, y))
        learned = build_flow(run.network(record), reference=X)
        trace = learned.trace(X)
        # what each stage's 2-D picture keeps of a wider space (the 16-unit layers were shown
        # flat without a word that they are a projection)
        projections = {stage.index: projection_words(learned, trace, stage.index)
                       for stage in learned.stages[:-1]}
        width = run.widths[-2]
        kind = "plane" if width == 3 else "line"
        statements = {
            "cross": ("a flat plane in (x, y, z)", f"{accuracies[0]:.1%} correct",
                      *(f"with z = {pretty(e)}: {a:.1%}" for e, a in zip(crosses[1:], accuracies[1:]))),
            # why it ends as a line (or a plane): the layer has 2 (3) units, the output one
            # straight line (plane) in them
            "learned": (f"{width} units: one straight {kind} splits them",
                        f"{learned.accuracy(X, y):.1%} correct"),
        }
        # the learned panel names the layer it shows: the last hidden one (poster, end), the
        # input before its layers play, each layer as it plays (learned_name)
        titles = {"cross": f"by hand: z = {pretty(crosses[0])}",
                  "learned": f"learned: layer {len(run.widths) - 2} · {width} units",
                  "input": INPUT_NAME}
        return {"name": name, "crosses": crosses, "run": run, "record": record,
                "cross_flow": flows[0], "cross_flows": flows, "accuracies": accuracies,
                "learned_flow": learned, "learned_accuracy": learned.accuracy(X, y),
                "statements": statements, "titles": titles, "projections": projections}

    def chapter_views(self, shown) -> None:
        """The two panels' pictures of one dataset (not added to the scene yet)."""
        from nnanim.draw.mobjects import FlowView

        cross, run, X = shown["cross_flow"], shown["run"], shown["run"].X
        # the grid: a square just around the data (its corners rise highest when lifted)
        lo, hi = X.min(axis=0), X.max(axis=0)
        centre, half = (lo + hi) / 2, 0.52 * float(np.max(hi - lo))
        bounds = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        shown["cross_view"] = FlowView(cross, X, run.y, self.theme, region=self.region(CROSS),
                                       grid_bounds=bounds, boundary=cross.preimage(bounds),
                                       clip_box=self.panels[CROSS].picture.clip, axes=False)
        # the captions write the feature as z of x and y: the axes say the same (named before
        # the axes are made: made first, they showed x₁ x₂ x₃ leaving for a moment)
        shown["cross_view"].axis_labels = ("x", "y", "z")
        # the camera frames the lifted grid's rim with the points: the surface stays whole in
        # its panel (the rim's corners rise highest)
        x0, x1, y0, y1 = bounds
        edge = np.linspace(0.0, 1.0, 25)
        rim = np.concatenate([np.column_stack([x0 + (x1 - x0) * edge, np.full_like(edge, y)])
                              for y in (y0, y1)]
                             + [np.column_stack([np.full_like(edge, x), y0 + (y1 - y0) * edge])
                                for x in (x0, x1)])
        shown["cross_view"].frame_trace = cross.trace(np.concatenate([X, rim]))
        with_axes(shown["cross_view"], self.panels[CROSS].picture.clip)
        self.plane_and_corners(shown)
        learned = shown["learned_flow"]
        shown["learned_view"] = view = self.panel_view(learned, run, LEARNED,
                                                       stage=len(learned.stages) - 1)
        with_axes(view, self.panels[LEARNED].picture.clip)  # its grid stays in its panel
        view.set_stage(0, 0.0)  # the input plane until its turn: the network plays its layers then
        for each in (shown["cross_view"], view):  # their axes where the first frame shows them
            placed_now(each)  # (made at another stage, they glided across the panel as it came in)
        shown["input_name"] = self.name_line(shown["titles"]["input"])

    def plane_and_corners(self, shown) -> None:
        """The flat plane of the cross, in the view's display coordinates (drawn where the view
        shows it, turning with it), and the corners of the cross view's axes: the pair whose
        boxes cover the fewest points, the least boundary, plane and surface at every moment
        the view is shown (flat, tilted, lifted, turning), chosen from the boxes as the 2-D
        stages' are (a fixed bottom-left compass lay under the spirals' plane)."""
        from nnanim.core.curves import plane_in_box
        from nnanim.draw.mobjects import count_in

        view = shown["cross_view"]
        w, c = shown["cross_flow"].output_boundary()
        view.set_view_angles(TILT, AZIM)
        view.set_stage(1, 1.0)
        centre, half = view.flow.framing(view.frame_trace, view.stage, view.t)
        poly = None
        for k in np.linspace(1.0, 0.5, 11):  # shrunk about its centre until it fits the region
            poly = plane_in_box(w, c, centre, half * k)
            if poly is None or np.max(np.abs(view.to_scene(poly)[:, :2] - view.view_origin[:2])) \
                    <= view.view_height / 2:
                break
        shown["plane_corners"] = poly
        axes = view.axes
        if axes is not None:
            turn = np.radians(TURN)
            # (stage, t, elev, azim, weight): the flat plane is held (a chapter's start), as
            # is the lifted one, turning, while the learned panel plays
            moments = [(0, 0.0, 0.0, 0.0, 6.0), (0, 0.0, TILT, AZIM, 1.0), (0, 0.5, TILT, AZIM, 1.0)]
            moments += [(1, 1.0, TILT, AZIM + turn * k / 6, 1.0) for k in range(7)]
            scores = np.zeros(len(axes.PLACEMENTS))
            radius = float(view.cloud.radius)
            u = np.linspace(0.0, 1.0, 7)
            for s, t, elev, azim, weight in moments:
                view.elev, view.azim = elev, azim
                view.set_stage(s, t)
                points, lines = view.scene_geometry(s, t)
                curve = np.concatenate(lines) if lines else np.zeros((0, 2))
                surface = np.asarray(view.grid.points, dtype=float)[:, :2]
                plane = view.to_scene(poly)[:, :2] if (poly is not None and s == 1) else None
                ends = view.project(np.eye(3))[:, :2] * axes.ARROW
                _, scale = view.screen_map(s, t)
                for k, placed in enumerate(axes.PLACEMENTS):
                    for box in axes.boxes(axes._layout(placed, ends, 3, axes.length * scale)):
                        x0, y0, x1, y1 = box
                        score = count_in(points, box, radius) + 4.0 * count_in(curve, box, 0.05)
                        score += 0.5 * count_in(surface, box, 0.02)
                        if plane is not None:  # the share of the box the plane covers
                            gx, gy = np.meshgrid(x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
                            score += 20.0 * float(np.mean(inside(plane, gx.ravel(), gy.ravel())))
                        scores[k] += weight * score
            view.corners_3d = axes.PLACEMENTS[int(np.argmin(scores))]
        view.elev = view.azim = 0.0
        view.set_stage(0, 0.0)

    def name_line(self, text: str):
        """The learned panel's name ``text``, where its label's title stands."""
        from manim import DOWN

        box = self.panels[LEARNED].label
        line = self.label(text, weight="BOLD", width=box.width)
        line.text = text
        return line.next_to([box.centre[0], box.y1, 0], DOWN, buff=0.12)

    @staticmethod
    def learned_name(shown, stage) -> str:
        """The learned panel's name while ``stage`` plays: the layer whose space it shows (the
        lift into layer 1's width is layer 1's; a narrowing layer's turn and squash, its own)."""
        widths = shown["run"].widths
        layer = min(stage.layer + 1, len(widths) - 2)
        return f"learned: layer {layer} · {widths[layer]} units"

    def learned_poster(self, shown) -> list:
        """The learned panel's first frame: a still view of its last hidden layer, the output's
        line and shading over it, and the panel's name (added; taken away by the caller)."""
        learned = shown["learned_flow"]
        view = self.panel_view(learned, shown["run"], LEARNED, stage=len(learned.stages) - 1)
        with_axes(view, self.panels[LEARNED].picture.clip)
        overlay = self.output_overlay(view)
        name = self.panel_label(shown, "learned", LEARNED)[0]
        parts = [m for m in (overlay.shading, view, overlay.strokes) if m is not None] + [name]
        self.add(*parts)
        if overlay.shading is not None:
            self.bring_to_back(overlay.shading)
        return parts

    def play_chapter(self, shown, title, lift_words, leave=()):
        """Lift the plane, show the flat plane, then the learned layer; returns the top line.
        ``leave``: animations played with the tilt (the poster's learned panel leaving)."""
        from manim.utils.rate_functions import ease_in_out_sine, linear

        from nnanim.draw.mobjects import OpacityFade, StagePlay, ViewTurn
        from nnanim.draw.panels import DisplayFaces, paced

        view = shown["cross_view"]
        lift = self.top_line(lift_words)
        # the plane tilts under the chapter's title; the lift's title comes as the plane rises
        # (a swap of its own before the tilt named the lift 1.6 s before it moved)
        self.play(ViewTurn(view, elev=TILT, azim=AZIM), *leave, run_time=BEATS["tilt"])
        self.mark("stage", lift_words)
        self.add(lift)
        self.play(StagePlay(view, 0), *self.swap_text(title, lift, seconds=TITLE_SWAP,
                                                      run_time=BEATS["lift"]),
                  run_time=BEATS["lift"])
        self.remove(title)
        view.set_stage(1, 1.0)

        plane = None
        if shown["plane_corners"] is not None:
            # one rule of depth for every surface: the translucent plane under every point, each
            # point in its class's full colour on either side (the plane's front copy of the
            # points dimmed the bowl's inner ring, the one that matters, behind the plane's fill,
            # while the saddle's points under the plane, outside its polygon, stayed bright);
            # drawn where the view shows it, so that it turns with the surface
            colour = self.theme.boundary
            plane = DisplayFaces(view, [shown["plane_corners"]], clip_box=view.clip_box,
                                 stroke_color=colour, stroke_width=self.theme.boundary_width * 0.6,
                                 fill_color=colour, fill_opacity=0.16)
            view.submobjects.insert(view.submobjects.index(view.cloud), plane)
        shown["plane"] = [plane] if plane is not None else []
        cross_label = shown["cross_label"]  # (its name on since the chapter's first frame)
        self.mark("caption", shown["titles"]["cross"], " · ".join(shown["statements"]["cross"]))
        self.add(cross_label)
        self.play(*(OpacityFade(m) for m in (*shown["plane"], *cross_label[1:])),
                  run_time=BEATS["plane"])

        learned = shown["learned_view"]
        learned.set_stage(learned.flow.stages[-1].index, 1.0)  # the overlay is drawn for the last stage
        overlay = self.output_overlay(learned)
        learned.set_stage(0, 0.0)
        # and its axes named for the input again at once: the visit to the last stage began a
        # rename to h₁ h₂ and back that a render played over the next frames (x₁ x₂ went out,
        # h₁ h₂ flashed and left, x₁ x₂ came back within 0.4 s: a flicker)
        placed_now(learned)
        shown["overlay"] = list(overlay)
        learned_label = self.panel_label(shown, "learned", LEARNED)
        shown["labels"] = [cross_label, learned_label]
        # what it states (one straight line there, its accuracy) comes with that line, once the
        # layers have played (a caption never states what is not yet drawn); its name says which
        # layer it shows as they play, the last hidden one's (the label's title) from its turn
        said = learned_label.submobjects[1:]
        learned_label.remove(*said)
        # the top title names this play (the lift's stayed on over it); under the panel's name
        # the step that plays, as linear-vs-hidden labels its layers ("layer 1 · W·x")
        learning = self.top_line(LEARNING)
        self.add(learning)
        shown["steps"], shown["names"], shown["said_projections"] = [], [], []
        status, name = None, shown["input_name"]
        stages = learned.flow.stages
        played = [paced(learned, stage.index, PACE[stage.kind], rate_func=ease_in_out_sine)
                  for stage in stages[:-1]]
        # the lifted plane turns, at one speed, while the learned panel plays (and its line comes)
        total, clock = sum(played) + BEATS["learned"], 0.0

        def turn(seconds):
            nonlocal clock
            clock += seconds
            return ViewTurn(view, azim=AZIM + np.radians(TURN) * clock / total, rate_func=linear)

        for k, (stage, seconds) in enumerate(zip(stages[:-1], played)):  # up to the last hidden layer
            step = self.step_line(learned_label, stage.caption, shown["projections"][stage.index])
            shown["steps"].append(stage.caption)
            shown["said_projections"].append(shown["projections"][stage.index])
            self.add(step)
            words = self.swap_text(status, step, seconds=BEATS["swap"], run_time=seconds)
            text = self.learned_name(shown, stage)
            if text != name.text:  # the panel's name: the layer it shows now
                new = learned_label if text == learned_label[0].text else self.name_line(text)
                self.mark("caption", text)
                self.add(new)
                words += self.swap_text(name, new[0] if new is learned_label else new,
                                        seconds=BEATS["swap"], run_time=seconds)
                gone, name = name, (new[0] if new is learned_label else new)
            else:
                gone = None
            shown["names"].append(name.text)
            if k == 0:  # the new title with the first stage
                words += self.swap_text(lift, learning, seconds=TITLE_SWAP, run_time=seconds)
            self.play(StagePlay(learned, stage.index, rate_func=ease_in_out_sine), *words,
                      turn(seconds), run_time=seconds)
            for m in (status, gone, lift if k == 0 else None):
                if m is not None:
                    self.remove(m)
            status = step
        if name is not learned_label[0]:  # (a network whose last stage names no new layer)
            self.add(learned_label)
            self.play(*self.swap_text(name, learned_label[0]), run_time=BEATS["swap"])
            self.remove(name)
        learned.set_stage(stages[-1].index, 1.0)
        self.add_overlay(overlay)
        statements = shown["statements"]["learned"]
        self.mark("caption", f"{shown['titles']['learned']}: {statements[0]}", " · ".join(statements[1:]))
        self.add(*said)
        # the statements take the step's place (the line under the name) as the line is drawn
        self.play(*(OpacityFade(m) for m in overlay), *self.swap_text(status, list(said)),
                  turn(BEATS["learned"]), run_time=BEATS["learned"])
        self.remove(*said)
        if status is not None:
            self.remove(status)
        learned_label.add(*said)  # drawn once, in its label
        self.wait(BEATS["look_both"])
        return learning

    # -- words
    @staticmethod
    def chapter_title(shown) -> str:
        if max(shown["accuracies"]) < FAIL:  # every cross tried fell short
            crosses = "the obvious features fail" if len(shown["crosses"]) > 1 else "this feature fails"
            return f"{shown['name']}: {crosses}"
        return f"{shown['name']}: a hand-made feature or a learned layer"

    @staticmethod
    def bridge_title(name: str, expr: str, accuracy: float) -> str:
        """The hand-off to the dataset ``name``: what changes (the data) and why (the feature
        ``expr`` of the chapter before, a flat plane over it, splits it ``accuracy``)."""
        verdict = "fails" if accuracy < FAIL else "splits"
        return f"next: {name}, where z = {pretty(expr)} {verdict} ({accuracy:.1%} correct)"

    @staticmethod
    def lift_title(expr: str) -> str:
        return f"lift the plane by z = {pretty(expr)}"

    def step_line(self, label, text: str, projection: str | None = None):
        """``text`` (the step of the learned layers that plays) in the muted small print, in the
        line under ``label``'s title, where its statements come once its line is drawn; under it
        ``projection``, what the flat picture keeps of a wider space (:func:`projection_words`)."""
        from manim import DOWN, VGroup

        width = self.panels[LEARNED].label.width
        title = label[0]
        line = self.label(text, color=self.theme.muted, width=width)
        line.text = text
        line.next_to(title, DOWN, buff=LINE_GAP).set_x(title.get_x())
        if projection is not None:
            # one line's height under the step, whatever the step's glyphs: the same words in
            # the same place at every step, kept by the push (placed under each step's own
            # height, they moved a hair and were retyped: out and in within 0.1 s, a flicker)
            words = self.projection_label(projection, width)
            below = LINE_GAP + self.label("Ay", color=self.theme.muted).height + LINE_GAP
            words.next_to(title, DOWN, buff=below).set_x(title.get_x())
            line = VGroup(line, words)
            line.text = text
        return line

    def playing_height(self, shown) -> float:
        """The height of the learned panel's label while its layers play: its name, the step
        and what the picture keeps of a wider space (the longest of each)."""
        from manim import DOWN, VGroup

        width = self.panels[LEARNED].label.width
        widths = shown["run"].widths
        name = max([f"learned: layer {k} · {widths[k]} units" for k in range(1, len(widths) - 1)]
                   + [INPUT_NAME], key=len)
        step = max((stage.caption for stage in shown["learned_flow"].stages), key=len)
        lines = [self.label(name, weight="BOLD", width=width),
                 self.label(step, color=self.theme.muted, width=width)]
        said = [w for w in shown["projections"].values() if w is not None]
        if said:
            lines.append(self.projection_label(max(said, key=len), width))
        return VGroup(*lines).arrange(DOWN, buff=LINE_GAP).height

    def projection_label(self, words: str, width: float):
        """What a flat picture keeps of a wider space, in the first of its forms
        (:func:`projection_forms`) that fits ``width`` on one line (else the shortest, wrapped)."""
        forms = projection_forms(words)
        chosen = next((f for f in forms if self.label(f).width <= width), forms[-1])
        return self.label(chosen, color=self.theme.muted, width=width)

    def panel_label(self, shown, key: str, side: int):
        from manim import DOWN, VGroup

        box = self.panels[side].label
        statements = shown["statements"][key]
        parts = [self.label(shown["titles"][key], weight="BOLD", width=box.width)]
        if any(self.label(line).width > box.width for line in statements):
            # a narrow strip (a square frame): one paragraph, wrapped, so a wrapped line does
            # not leave a short one under it
            statements = (" · ".join(statements),)
        else:  # as few lines as the strip holds, statements joined by " · " (a wide strip:
            packed = []  # the picture takes the height the lines leave)
            for line in statements:
                if packed and self.label(f"{packed[-1]} · {line}").width <= box.width:
                    packed[-1] = f"{packed[-1]} · {line}"
                else:
                    packed.append(line)
            statements = tuple(packed)
        for line in statements:  # a line that fits is kept whole (the wrapper's first guess of
            one = self.label(line, color=self.theme.muted)  # its length broke it in two)
            parts.append(one if one.width <= box.width else
                         self.label(line, color=self.theme.muted, width=box.width))
        group = VGroup(*parts).arrange(DOWN, buff=LINE_GAP)
        return group.next_to([box.centre[0], box.y1, 0], DOWN, buff=0.12)


SCENE = FeatureCrossScene
