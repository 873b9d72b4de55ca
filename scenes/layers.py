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

Three classes or more (a softmax output): the last hidden space shows straight
lines between the class regions (bold where they bound a region, over the
shading of the probabilities; when ``K − 1`` directions do not fit in the
picture, no lines, and the caption says so); then a last beat, the
*class-vertex view* of the Distill Grand Tour: the classes sit on the corners
of a regular polygon and every point moves to ``Σ_k p_k · v_k``, the mix of
the corners by its class probabilities, so a sure point sits on its class's
corner and a doubtful one between the classes it hesitates between.  With
three classes that triangle shows the probabilities exactly; with more it is
the one 2-D picture in which every class keeps a direction of its own (a 2-D
view of a hidden layer cannot hold ten digits apart).  Two classes keep the
single line: their probability is already the one axis across it.

Render with ``nnanim render layers`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract
from nnanim.core.notation import NBSP, general, number, word

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 0.6, "squash": 1.8, "rotate": 1.6}
#: seconds of the class-vertex beat: the lines fading, the points moving to the corners, the hold
VERTEX = {"fade": 0.8, "move": 2.4, "hold": 3.0}
#: the polygon's radius as a share of the picture's shorter side (room outside for the names)
VERTEX_RADIUS = 0.38
#: seconds the poster's shading stays, then takes to fade: together the 2 s opening hold
POSTER_HOLD, POSTER_FADE = 0.4, 1.6
#: radians per second of orbit while the picture is 3-D
ORBIT = 0.12
TILT = np.radians(58)

EXPLAIN = {
    "linear": "rotate and stretch the plane: x → A(t)·x, from the identity to W",
    "rotate": "turn the space so the directions the next layer reads come first",
    # a wide space is seen along its principal axes, which turn with it (nnanim.core.flow)
    "rotate_wide": "turn the space so the directions the next layer reads come first; seen along "
                   "its principal axes, which turn with it, nothing moves",
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
    dataset_defaults = True  # a real dataset trains its own network (nnanim.core.data.REAL_NETWORK)

    @property
    def has_legend(self):  # the target's colour bar
        return self.job.task == "regression"

    def construct(self):
        from manim import Create, linear

        from nnanim.core.flow import build_flow
        from nnanim.draw.mobjects import FlowView, OpacityFade
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
            score = (f"{accuracy:.1%} correct, {round(accuracy * len(run.y))} of {len(run.y)} "
                     "points")
            detail = self.output_words(flow, run.n_classes, score)
        caption = self.swap_caption(caption, out.caption, detail, kind="stage")
        extras = self.add_output_shading(view)
        lines = self.output_lines(view)
        for line in lines:
            extras.append(Create(line))
        if extras:
            self.play(*extras, run_time=1.4)
        self.wait(2.5)
        if self.vertex_view(flow):
            self.play_class_vertices(view, run.class_names, run.y, caption, score, lines, landmarks)

    # -- the output: what is true of the last picture
    @staticmethod
    def output_words(flow, K: int, score: str) -> str:
        """The output caption of a classifier, true for what is drawn (see :meth:`output_lines`)."""
        if K <= 2:
            return f"one straight line separates the classes here: {score}"
        if flow.stages[-1].dim == 3:
            return f"flat planes bound the {K} class regions here: {score}"
        if flow.boundaries_exact:
            return (f"straight lines bound the {K} class regions here (bold where a region ends): "
                    f"{score}")
        return (f"each class's score is linear in this space, but its {K - 1} directions do not fit "
                f"in a 2-D view: {score}")

    @staticmethod
    def vertex_view(flow) -> bool:
        """Whether the story ends in the class-vertex view: a softmax of three classes or more."""
        return flow.network.task == "multiclass" and len(flow.network.biases[-1]) >= 3

    def vertex_frame(self, K: int | None = None, sizes=None):
        """``(centre (3,), radius)``: where the class polygon sits in the picture region.

        As large as :data:`VERTEX_RADIUS` allows while the names (``sizes``: a ``(width,
        height)`` per corner) just outside the ``K`` corners stay inside the picture.  Fixed by
        the first call with ``sizes``; later calls return it.
        """
        if getattr(self, "_vertex_frame", None) is not None:
            return self._vertex_frame
        from nnanim.core.projection import class_vertices

        p, pad = self.layout.picture, 0.06
        centre = np.array([(p.x0 + p.x1) / 2, (p.y0 + p.y1) / 2, 0.0])
        half = np.array([(p.x1 - p.x0) / 2, (p.y1 - p.y0) / 2])
        radius = VERTEX_RADIUS * 2 * float(half.min())
        if K is not None and sizes is not None:
            for v, (w, h) in zip(class_vertices(K), sizes, strict=True):
                box = np.array([w, h])
                gap = 0.14 + 0.5 * float(np.abs(v) @ box)  # as in _outside
                for axis in (0, 1):
                    if abs(v[axis]) > 1e-9:  # (r + gap)·|v| + size/2 ≤ half − pad
                        radius = min(radius, (half[axis] - pad - box[axis] / 2) / abs(v[axis]) - gap)
            self._vertex_frame = (centre, max(radius, 0.2 * float(half.min())))
            return self._vertex_frame
        return centre, radius

    def class_vertex_points(self, view) -> np.ndarray:
        """``(N, 3)`` scene positions of the points in the class-vertex view."""
        from nnanim.core.projection import class_vertex_view

        centre, radius = self.vertex_frame()
        P = class_vertex_view(view.flow.input_probabilities(view.points_trace.points))
        return centre + radius * np.pad(P, ((0, 0), (0, 1)))

    def play_class_vertices(self, view, names, labels_of, caption, score: str, leaving: list,
                            landmarks: list = ()) -> None:
        """The last beat: the classes on a polygon's corners, every point at ``Σ p_k·v_k``.

        ``leaving`` fade out first (the last space's lines).  Each corner is named outside it:
        by a class's landmark image (a digit's own picture, which travels there from beside its
        point; ``labels_of`` are the points' classes) or else by the class's name.
        """
        from manim import Polygon

        from nnanim.core.projection import class_vertices
        from nnanim.draw.mobjects import OpacityFade

        K = view.n_classes
        detail = (f"each point moves to Σₖ{NBSP}pₖ·vₖ, the corners mixed by its class probabilities: "
                  f"a sure point sits on its class's corner. {score}")
        caption = self.swap_caption(caption, "softmax · class corners", detail, kind="stage")
        pictured = {int(labels_of[i]): marks.size for marks in landmarks for i in marks.indices}
        labels = self.vertex_names(view, names, skip=pictured)
        sizes = [(pictured[k], pictured[k]) if k in pictured else (labels[k].width, labels[k].height)
                 for k in range(K)]
        centre, radius = self.vertex_frame(K, sizes)
        corners = centre + radius * np.pad(class_vertices(K), ((0, 0), (0, 1)))
        polygon = Polygon(*corners, stroke_color=self.theme.muted, stroke_width=1.6,
                          stroke_opacity=0.6)
        polygon.clip_box = self.layout.picture_clip
        for k, label in labels.items():
            label.move_to(_outside(corners[k], centre, label.width, label.height))
        labels = list(labels.values())
        moves = []
        for marks in landmarks:  # each image goes to its corner, where it names the class
            marks.clear_updaters()
            size = marks.size
            spots = [_outside(corners[int(labels_of[i])], centre, size, size) for i in marks.indices]
            moves.append(tiles_move(marks, spots))
        for mob in leaving:
            mob.clear_updaters()
        away = [*leaving, *[m for m in self.mobjects if getattr(m, "is_output_shading", False)]]
        # the view's own grid, axes and scale mean nothing among the class corners: out of the
        # view first (a fade-out removes what it faded from the scene, which would split the view)
        parts = [m for m in (view.axes, view.grid, view.boundary) if m is not None]
        view.remove(*parts)
        view.axes = None
        self.add(*parts)
        self.play(*[OpacityFade(m, fade_in=False) for m in away + parts], run_time=VERTEX["fade"])
        self.add(polygon, *labels)
        self.bring_to_back(polygon)
        self.play(cloud_move(view.cloud, self.class_vertex_points(view)), *moves,
                  OpacityFade(polygon), *[OpacityFade(n) for n in labels], run_time=VERTEX["move"])
        self.wait(VERTEX["hold"])

    def vertex_names(self, view, names, skip=()) -> dict:
        """``{class: its name}`` in its colour, to place outside its corner (classes in ``skip``
        have a picture there instead)."""
        from manim.utils.color import ManimColor

        colours = self.theme.class_rgb(view.n_classes)
        out = {}
        for k, (name, rgb) in enumerate(zip(names, colours, strict=True)):
            if k not in skip:
                out[k] = self.label(name, color=ManimColor(rgb))
                out[k].annotates = self.layout.picture_clip  # it names a corner of its own picture
        return out

    def play_stages(self, view, caption, pace: float = 1.0, before=None, stages=None):
        """Every stage but the output's, each with its caption (a beat); 3-D stages tilt and orbit.

        ``pace`` scales the stages' seconds; ``before(stage)`` runs after each caption swap, before
        the stage plays; ``stages``, a run of the flow's stages, plays only those (a scene that
        stops between two of them calls it for each run).  Returns the last caption.
        """
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        flow = view.flow
        acts = flow.network.activations
        for stage in (flow.stages[:-1] if stages is None else stages):
            act = word(acts[stage.layer].name) if stage.layer < len(acts) else ""
            explain = EXPLAIN[stage.kind].format(act=act)
            if stage.kind == "linear" and stage.layer == 0 and flow.input_dim == 1:
                explain = LINE_INTO_PLANE
            wide_turn = stage.kind == "rotate" and flow.network.widths[stage.layer] > 3
            if wide_turn:
                explain = EXPLAIN["rotate_wide"]
            caption = self.swap_caption(caption, stage.caption, explain, kind="stage")
            if before is not None:
                before(stage)
            seconds = PACE[stage.kind] * pace * (0.5 if wide_turn else 1.0)  # a still: short
            spin = ORBIT * seconds if view.elev else 0.0
            if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                elev, azim = self.tilt_angles(view, pace)
                self.play(ViewTurn(view, elev=elev, azim=azim), run_time=1.4)
            self.play(StagePlay(view, stage.index, spin=spin, run_time=seconds))
            if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2 and view.elev:
                self.play(ViewTurn(view, elev=0.0, azim=0.0), run_time=1.2)
        return caption

    def tilt_angles(self, view, pace: float) -> tuple[float, float]:
        """``(elev, azim)``: where the view turns when the plane lifts into 3-D."""
        return TILT, np.radians(-25)

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
        """Straight lines across the visible frame (2-D): the binary boundary w·h + b = 0, the
        regression level lines w·h + b = c in the colours of their levels, or the parts of the
        K classes' pairwise lines that bound a region (where they are exact)."""
        from manim import Line
        from manim.utils.color import ManimColor

        flow = view.flow
        if flow.stages[-1].dim != 2:
            return []
        if flow.network.task == "multiclass":
            return self.region_lines(view)
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

    def region_lines(self, view) -> list:
        """The parts of the pairwise lines ``z_i = z_j`` that bound a class region (exact views)."""
        from manim import Line

        from nnanim.core.curves import region_segments

        if not view.flow.boundaries_exact:
            return []
        out = []
        for _, _, ends in region_segments(view.flow.output_boundaries(), view.visible_box()):
            line = Line(*view.to_scene(ends), color=self.theme.boundary,
                        stroke_width=self.theme.boundary_width)
            line.clip_box = self.layout.picture_clip
            out.append(line)
        return out

    def add_output_shading(self, view) -> list:
        """Put the output shading behind the picture (clipped to it): the fade-in to play, if any."""
        from nnanim.draw.mobjects import OpacityFade

        shading = self.output_shading(view)
        if shading is None:
            return []
        shading.clip_box = self.layout.picture_clip
        shading.is_output_shading = True
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


def _outside(corner, centre, width: float, height: float) -> np.ndarray:
    """The centre of a ``width × height`` box just outside ``corner``, away from ``centre``."""
    out = np.asarray(corner, dtype=float) - centre
    out = out / max(float(np.linalg.norm(out)), 1e-9)
    gap = 0.14 + 0.5 * abs(out[0]) * width + 0.5 * abs(out[1]) * height
    return corner + gap * out


def tiles_move(marks, centres, **kwargs):
    """An animation moving each image of ``marks`` (:class:`ImageLandmarks`) to a centre of its own."""
    from manim import Animation

    class TilesMove(Animation):
        def begin(self) -> None:
            self.start = [np.array(t.get_center(), dtype=float) for t in self.mobject.tiles]
            super().begin()

        def interpolate_mobject(self, alpha: float) -> None:
            a = self.rate_func(alpha)
            for tile, s, e in zip(self.mobject.tiles, self.start, centres, strict=True):
                tile.move_to((1.0 - a) * s + a * np.asarray(e, dtype=float))

    return TilesMove(marks, **kwargs)


def cloud_move(cloud, end, **kwargs):
    """An animation moving a point cloud from where it is to ``end`` (``(N, 3)`` scene units)."""
    from manim import Animation

    class CloudMove(Animation):
        def begin(self) -> None:
            self.start = np.array(self.mobject.points, dtype=float)
            super().begin()

        def interpolate_mobject(self, alpha: float) -> None:
            a = self.rate_func(alpha)
            self.mobject.set_positions((1.0 - a) * self.start + a * end)

    return CloudMove(cloud, **kwargs)


SCENE = LayersScene
