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
lines between the class regions (only their parts that bound a region, over the
shading of the probabilities; when ``K − 1`` directions do not fit in the
picture, no line can be drawn, and the story goes straight on); then a last beat, the
*class-vertex view* of the Distill Grand Tour: the classes sit on the corners
of a regular polygon and every point moves to ``Σ_k p_k · v_k``, the mix of
the corners by its class probabilities, so a sure point sits on its class's
corner and a doubtful one between the classes it hesitates between.  With
three classes that triangle shows the probabilities exactly; with more it is
the one 2-D picture in which every class keeps a direction of its own (a 2-D
view of a hidden layer cannot hold ten digits apart).  Two classes keep the
single line: their probability is already the one axis across it.

An input wider than three (real data) is seen along its two principal axes; with
three classes or more the video opens on its end, the class corners (the poster),
and the points fly back to the input.  Every caption stays as long as its new words
take to read, the time going to slower motion rather than to a still picture.

Render with ``nnanim render layers`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.contract import SceneContract
from nnanim.core.notation import NBSP, VIEW, general, number, percent, symbol, word

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 0.6, "squash": 1.8, "rotate": 1.6}
#: seconds of the class-vertex beat: the lines fading, the points moving to the corners, the hold
VERTEX = {"fade": 0.8, "move": 2.4, "hold": 3.0}
#: the poster of a wide input that ends in the class-vertex view: that end, first
POSTER_WORDS = ("softmax · class corners", "where the layers lead the data")
#: the largest polygon radius, as a share of the picture's longer side (it is as large as the
#: picture holds with the names outside its corners: see LayersScene.vertex_frame)
VERTEX_RADIUS = 0.38
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
#: the same stages in a space wider than the picture, seen along principal axes ``u₁, u₂``: no
#: plane turns there, and a squash is seen as the view turning to the directions kept.  (A
#: turn of a wide space is not played at all: seen along its own principal axes, which turn
#: with it, nothing moves; see nnanim.core.flow.)
WIDE = {
    "linear": "x → W·x from {n}-D to {m}-D, seen along {k} principal axes ({names})",
    "squash": "the view turns to the {m} directions layer {l} reads; the other {drop} shrink to 0",
    # the first stage after a wide space that is shown as it is: the axes change their names
    "own": "x → A(t)·x: the plane turns and stretches into layer {l}'s own axes, h₁ and h₂",
}
#: scene units kept free of data along the picture's bottom edge: the axes' compass and scale
AXES_STRIP = 0.7
#: words a viewer reads per second: a caption stays on screen at least as long as its new words
#: take to read (a caption seen before, as layer 2's "+ b", takes only its title's)
READ_RATE = 3.0
#: the longest still hold inside the story (the final one aside): a caption that needs longer
#: to read gets it from slower motion instead
HOLD = 2.5

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
        view = FlowView(flow, run.X, run.y, self.theme, region=self.picture_region(),
                        clip_box=self.layout.picture_clip)

        regression = flow.network.task == "regression"
        still = [self.header(run, record)]
        title = "input space"
        wide_input = run.X.shape[1] > 3
        if regression:
            still.append(self.target_legend(*view.target_range))
            levels = ", ".join(general(c) for c in view.levels)
            where = "points on the line" if run.X.shape[1] == 1 else "curves"
            detail = (f"the data as the network receives it, coloured by target; the {where} "
                      f"are where the output ŷ = {levels}" if len(view.levels) else
                      "the data as the network receives it, coloured by target")
        elif wide_input:
            detail = self.wide_input_words(run, flow.stages[0].dim)
        else:
            detail = "the data as the network receives it; the curve is where p = 0.5"
        landmarks = self.image_landmarks(run, view)
        if wide_input and self.vertex_view(flow):
            # the poster: where the story ends (a wide input has no plane to shade)
            caption = self.open_on_corners(view, run, still, landmarks, title, detail)
        else:
            caption = self.caption(title, detail)
            # the poster: the trained network's answer, both sides shaded; it fades out evenly
            # until the plane moves, in a play of its own, so the opening ends on the plane alone
            # (a 0.3 s fade as the first caption changed was a one-frame jump at a low frame
            # rate, and a fade that ended early left still frames before the next play: a jump
            # at the cut too).  It holds as long as the first caption takes to read.
            poster = input_shading(view, self.theme)
            if poster is not None:
                self.add(poster)
                self.bring_to_back(poster)
            read = self.reading_time(title, detail)
            hold = min(max(POSTER_HOLD, read - POSTER_FADE), HOLD)  # the rest: a slower fade
            self.open(view, still=(*still, caption), title=title, detail=detail,
                      seconds=hold if poster is not None
                      else max(POSTER_HOLD + POSTER_FADE, min(read, HOLD)))
            if poster is not None:
                self.play(OpacityFade(poster, fade_in=False, rate_func=linear),
                          run_time=max(POSTER_FADE, read - hold))
        if wide_input and not landmarks:  # named features: what the two axes are made of
            caption = self.show_input_axes(view, run, caption)

        caption = self.play_stages(view, caption, read=True)

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
            if self.vertex_view(flow) and out.dim == 2 and not flow.boundaries_exact:
                # no line can be drawn here (K − 1 directions, a 2-D view): the class corners,
                # where every class keeps a direction of its own, are this story's output
                self.play_class_vertices(view, run.class_names, run.y, caption, score, [],
                                         landmarks)
                return
        caption = self.swap_caption(caption, out.caption, detail, kind="stage")
        need = self.reading_time(out.caption, detail) - 0.3
        extras = self.add_output_shading(view)
        lines = self.output_lines(view)
        for line in lines:
            extras.append(Create(line))
        if extras:  # drawn slower when the caption needs the time (a still hold at most HOLD)
            drawn = max(1.4, need - HOLD) if self.vertex_view(flow) else 1.4
            self.play(*extras, run_time=drawn)
            need -= drawn
        self.wait(max(2.5, need))
        if self.vertex_view(flow):
            self.play_class_vertices(view, run.class_names, run.y, caption, score, lines, landmarks)

    def picture_region(self):
        """Where the data's box goes: the layout's picture region less a strip along its bottom
        for the axes' names and scale (a network that drives a class into a corner of tanh's
        square put its points on the scale's label)."""
        from nnanim.draw.mobjects import SpaceAxes

        (cx, cy, cz), height, width = self.layout.picture_fit
        if not SpaceAxes.fits(self.layout.picture_clip):
            return (cx, cy, cz), height, width
        return (cx, cy + AXES_STRIP / 2, cz), height - AXES_STRIP, width

    # -- the output: what is true of the last picture
    @staticmethod
    def output_words(flow, K: int, score: str) -> str:
        """The output caption of a classifier, true for what is drawn (see :meth:`output_lines`)."""
        if K <= 2:
            return f"one straight line separates the classes here: {score}"
        if flow.stages[-1].dim == 3:
            return f"flat planes bound the {K} class regions here: {score}"
        if flow.boundaries_exact:
            return f"straight lines bound the {K} class regions here: {score}"
        return f"{K - 1} directions part the classes; the view has 2: {score}"

    @staticmethod
    def vertex_view(flow) -> bool:
        """Whether the story ends in the class-vertex view: a softmax of three classes or more."""
        return flow.network.task == "multiclass" and len(flow.network.biases[-1]) >= 3

    def vertex_frame(self, K: int | None = None, sizes=None):
        """``(centre (3,), radius)``: where the class polygon sits in the picture region.

        As large as fits: the polygon with the names (``sizes``: a ``(width, height)`` per
        corner) just outside its ``K`` corners fills the picture up to a margin, and the whole
        (corners and names) is centred in it, so a triangle in a tall picture grows to the
        picture's width and sits in its middle.  At most :data:`VERTEX_RADIUS` of the longer
        side.  Fixed by the first call with ``sizes``; later calls return it.
        """
        if getattr(self, "_vertex_frame", None) is not None:
            return self._vertex_frame
        from nnanim.core.projection import class_vertices

        p, pad = self.layout.picture, 0.06
        mid = np.array([(p.x0 + p.x1) / 2, (p.y0 + p.y1) / 2, 0.0])
        half = np.array([(p.x1 - p.x0) / 2, (p.y1 - p.y0) / 2])
        if K is None or sizes is None:
            return mid, VERTEX_RADIUS * 2 * float(half.min())
        V = class_vertices(K)
        U = label_directions(V)
        box = np.array(sizes, dtype=float)
        gap = 0.14 + 0.5 * np.sum(np.abs(U) * box, axis=1)  # as in _outside

        def extent(r):  # (lo, hi) of the corners and their names, per axis, about the centre
            at = r * V + gap[:, None] * U
            return (at - box / 2).min(axis=0), (at + box / 2).max(axis=0)

        lo_r, hi_r = 0.2 * float(half.min()), VERTEX_RADIUS * 2 * float(half.max())
        for _ in range(40):  # the largest radius whose extent fits, by bisection
            r = 0.5 * (lo_r + hi_r)
            lo, hi = extent(r)
            lo_r, hi_r = (r, hi_r) if np.all(hi - lo <= 2 * (half - pad)) else (lo_r, r)
        lo, hi = extent(lo_r)
        centre = mid - np.append((lo + hi) / 2, 0.0)
        self._vertex_frame = (centre, lo_r)
        return self._vertex_frame

    def class_vertex_points(self, view) -> np.ndarray:
        """``(N, 3)`` scene positions of the points in the class-vertex view."""
        from nnanim.core.projection import class_vertex_view

        centre, radius = self.vertex_frame()
        P = class_vertex_view(view.flow.input_probabilities(view.points_trace.points))
        return centre + radius * np.pad(P, ((0, 0), (0, 1)))

    def class_corners(self, view, names, labels_of, landmarks: list = ()):
        """``(polygon, labels, spots)``: the class polygon, the names outside its corners (classes
        with a landmark image get none: their image goes there), and for each landmark the
        centres of its images outside their classes' corners.  Built once; later calls return
        the same objects."""
        if getattr(self, "_corners", None) is not None:
            return self._corners
        from manim import Polygon

        from nnanim.core.projection import class_vertices

        K = view.n_classes
        pictured = {int(labels_of[i]): marks.size for marks in landmarks for i in marks.indices}
        labels = self.vertex_names(view, names, skip=pictured)
        sizes = [(pictured[k], pictured[k]) if k in pictured else (labels[k].width, labels[k].height)
                 for k in range(K)]
        centre, radius = self.vertex_frame(K, sizes)
        corners = centre + radius * np.pad(class_vertices(K), ((0, 0), (0, 1)))
        polygon = Polygon(*corners, stroke_color=self.theme.muted, stroke_width=1.6,
                          stroke_opacity=0.6)
        polygon.clip_box = self.layout.picture_clip
        if K == 3:  # a triangle is the probability simplex itself: shaded by what each place means
            from manim import Group

            from nnanim.draw.mobjects import RasterImage, simplex_image

            image, box = simplex_image(corners, self.theme.class_rgb(3))
            fill = RasterImage(image, box)
            fill.clip_box = self.layout.picture_clip
            polygon = Group(fill, polygon)
        U = label_directions(class_vertices(K))
        for k, label in labels.items():
            label.move_to(_outside(corners[k], U[k], label.width, label.height))
        spots = [[_outside(corners[int(labels_of[i])], U[int(labels_of[i])], marks.size, marks.size)
                  for i in marks.indices] for marks in landmarks]
        self._corners = (polygon, list(labels.values()), spots)
        return self._corners

    def open_on_corners(self, view, run, still: list, landmarks: list, title: str, detail: str):
        """The poster of a wide input that ends in the class-vertex view: that end first (every
        point at its class mix, the corners named), held while its caption is read; then the
        points fly back to the input's principal plane, the grid and axes come in, and the
        caption becomes ``title``/``detail`` (the input's).  Returns that caption."""
        from nnanim.draw.mobjects import OpacityFade

        polygon, labels, spots = self.class_corners(view, run.class_names, run.y, landmarks)
        # where the input stage shows the points and their images, before hiding the plane
        view.set_stage(0, 0.0)
        home = np.array(view.cloud.points, dtype=float)
        tiles_home = [[np.array(t.get_center(), dtype=float) for t in m.tiles] for m in landmarks]
        hidden = [m for m in (view.grid, view.axes) if m is not None]
        view.remove(*hidden)
        view.cloud.set_positions(self.class_vertex_points(view))
        for marks, at in zip(landmarks, spots, strict=True):
            for tile, spot in zip(marks.tiles, at, strict=True):
                tile.move_to(spot)
        head, words = POSTER_WORDS
        caption = self.caption(head, words)
        self.bring_to_back(polygon)  # (in the scene, under the points)
        self.open(view, *labels, still=(*still, caption), title=head, detail=words,
                  seconds=max(self.reading_time(head, words), 1.5))
        caption = self.swap_caption(caption, title, detail)
        view.submobjects.insert(0, view.grid)
        if view.axes is not None:
            view.add(view.axes)
        arrive = []
        for part in hidden:  # in the view again, fading in where they are (no new copy in the scene)
            fade = OpacityFade(part)
            fade.introducer = False
            arrive.append(fade)
        need = self.reading_time(title, detail) - 0.3
        fly = max(VERTEX["move"] * 0.75, need - HOLD)
        self.play(cloud_move(view.cloud, home),
                  *[tiles_move(m, at) for m, at in zip(landmarks, tiles_home, strict=True)],
                  *[OpacityFade(m, fade_in=False) for m in (polygon, *labels)], *arrive,
                  run_time=fly)
        self.wait(max(need - fly, 0.5))
        return caption

    def show_input_axes(self, view, run, caption):
        """A beat on what the two principal axes of a wide input are made of: the axes drawn
        through the data's centre (the origin of the view: the data is centred) while the
        caption names their strongest features, then gone before the first stage moves."""
        from manim import Create, Line

        from nnanim.draw.mobjects import OpacityFade

        title, words = "principal axes", self.wide_axes_words(run, 2)
        caption = self.swap_caption(caption, title, words)
        lines = []
        for w in ([0.0, 1.0, 0.0], [1.0, 0.0, 0.0]):  # u₂ = 0 (the u₁ axis), then u₁ = 0
            ends = view.segment_in_view(np.array(w), 0.0)
            if ends is not None:
                line = Line(*ends, color=self.theme.muted, stroke_width=2.0, stroke_opacity=0.8)
                line.clip_box = self.layout.picture_clip
                lines.append(line)
        need = self.reading_time(title, words) - 0.3 - 0.5
        drawn = max(1.2, need - HOLD)
        draw, fade = [], []
        for line in lines:  # in the view, under its points (added and removed by hand: an
            view.submobjects.insert(0, line)  # animation's own add or remove would split it)
            draw.append(Create(line))
            fade.append(OpacityFade(line, fade_in=False))
            draw[-1].introducer = fade[-1].remover = False
        if lines:
            self.play(*draw, run_time=drawn)
        self.wait(max(need - drawn, 0.5))
        if lines:
            self.play(*fade, run_time=0.5)
            view.remove(*lines)
        return caption

    def play_class_vertices(self, view, names, labels_of, caption, score: str, leaving: list,
                            landmarks: list = ()) -> None:
        """The last beat: the classes on a polygon's corners, every point at ``Σ p_k·v_k``.

        ``leaving`` fade out first (the last space's lines).  Each corner is named outside it:
        by a class's landmark image (a digit's own picture, which travels there from beside its
        point; ``labels_of`` are the points' classes) or else by the class's name.
        """
        from nnanim.draw.mobjects import OpacityFade

        title = "softmax · class corners"
        detail = (f"each point moves to Σₖ{NBSP}pₖ·vₖ, its class probabilities mixing the "
                  f"corners: {score}")
        caption = self.swap_caption(caption, title, detail, kind="stage")
        need = self.reading_time(title, detail) - 0.3
        polygon, labels, spots = self.class_corners(view, names, labels_of, landmarks)
        moves = []
        for marks, at in zip(landmarks, spots, strict=True):  # each image to its corner
            if marks in view.followers:
                view.followers.remove(marks)
            moves.append(tiles_move(marks, at))
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
        self.wait(max(VERTEX["hold"], need - VERTEX["fade"] - VERTEX["move"]))

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

    def play_stages(self, view, caption, pace: float = 1.0, before=None, read: bool = False,
                    stages=None):
        """Every stage but the output's, each with its caption (a beat); 3-D stages tilt and orbit.

        ``pace`` scales the stages' seconds; ``before(stage)`` runs after each caption swap, before
        the stage plays.  ``read``: each beat lasts at least its caption's reading time
        (:meth:`reading_time`), the stage playing slower (motion, never a still hold).  A turn of a
        space wider than the picture is not played (nothing moves: :func:`stage_words`).
        ``stages``, a run of the flow's stages, plays only those (a scene that stops between two of
        them calls it for each run).  Returns the last caption.
        """
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        flow = view.flow
        for stage in (flow.stages[:-1] if stages is None else stages):
            explain = stage_words(flow, stage)
            if explain is None:  # a still: the next stage starts where it ends
                continue
            caption = self.swap_caption(caption, stage.caption, explain, kind="stage")
            if before is not None:
                before(stage)
            seconds = PACE[stage.kind] * pace
            if read:  # (the swap is read too)
                seconds = max(seconds, self.reading_time(stage.caption, explain) - 0.3)
            spin = ORBIT * seconds if view.elev else 0.0
            if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                elev, azim = self.tilt_angles(view, pace)
                self.play(ViewTurn(view, elev=elev, azim=azim), run_time=1.4)
            self.play(StagePlay(view, stage.index, spin=spin, run_time=seconds))
            if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2 and view.elev:
                self.play(ViewTurn(view, elev=0.0, azim=0.0), run_time=1.2)
        return caption

    def reading_time(self, title: str, detail: str = "") -> float:
        """Seconds to read a caption's words at :data:`READ_RATE`, counting only texts not shown
        before in this video (a repeated explanation is recognised, not read again)."""
        seen = self.__dict__.setdefault("_read_texts", set())
        words = 0
        for part in (title, detail):
            if part and part not in seen:
                seen.add(part)
                words += count_words(part)
        return words / READ_RATE

    def tilt_angles(self, view, pace: float) -> tuple[float, float]:
        """``(elev, azim)``: where the view turns when the plane lifts into 3-D."""
        return TILT, np.radians(-25)

    def image_landmarks(self, run, view) -> list:
        """An image dataset (digits): one of its own images per class beside its point, moving
        with it through every stage (none for other data).  Drawn over the grid and under the
        points (in the view, a follower of its stages): an image never hides a point."""
        from manim.utils.color import ManimColor

        from nnanim.draw.landmarks import ImageLandmarks

        indices, images = run.landmark_images()
        if not len(indices):
            return []
        colours = self.theme.class_rgb(max(run.n_classes, 2))[run.y[indices].astype(int)]
        background = ManimColor(self.theme.background).to_rgb()
        marks = ImageLandmarks(view, indices, images, colours, background,
                               size=0.09 * self.layout.picture.height, clip=self.layout.picture_clip)
        view.followers.append(marks)
        view.submobjects.insert(view.submobjects.index(view.cloud), marks)
        return [marks]

    @staticmethod
    def wide_input_words(run, k: int) -> str:
        """An input wider than three, in words: its fixed principal axes and what they keep."""
        kept = sum(share for _, share in run.input_axes(k))
        return (f"{run.X.shape[1]} inputs, seen along their {k} principal axes {axes_names(k)}: "
                f"{percent(kept, 0)} of the spread")

    @staticmethod
    def wide_axes_words(run, k: int) -> str:
        """What each principal axis of a wide input is made of, in words: the features it grows
        (or falls) with most (``u₂ grows most with sepal width``; see :func:`axis_words`)."""
        from nnanim.core.projection import axis_words, principal_axes

        B = principal_axes(run.X, k)
        return "; ".join(axis_words(b, run.feature_names, symbol(VIEW, i + 1))
                         for i, b in enumerate(B))

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
        from nnanim.draw.posters import pixel_rows, shaded_box

        box = shaded_box(view, self.layout.picture_clip)
        rows = pixel_rows(view, box)
        if flow.network.task == "regression":
            image = value_image(flow.output_values, box, self.theme, *view.target_range,
                                resolution=rows)
        else:
            image = probability_image(flow.output_probabilities, box,
                                      self.theme.class_rgb(view.n_classes), resolution=rows)
        x0, x1, y0, y1 = box
        corners = view.to_scene(np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]]))
        return RasterImage(image, corners)


def count_words(text: str) -> int:
    """The words a reader reads in ``text``: runs between spaces (no-break ones too), not counting
    a lone sign or separator (``·``, ``→``, ``=``, ``:``, ``…``)."""
    return sum(1 for w in text.replace(NBSP, " ").split() if any(c.isalnum() for c in w))


def axes_names(k: int) -> str:
    """``"u₁ and u₂"``, ``"u₁, u₂ and u₃"``: the names of a projection's ``k`` axes (never p, a
    probability: :data:`nnanim.core.notation.VIEW`)."""
    return ", ".join(symbol(VIEW, i + 1) for i in range(k - 1)) + f" and {symbol(VIEW, k)}"


def wide(width: int, dim: int) -> bool:
    """Whether a space of ``width`` coordinates is seen through a projection in a ``dim``-D view."""
    return width > dim


def stage_words(flow, stage) -> str | None:
    """The explanation of ``stage`` that is true of what the picture shows, or ``None`` for a stage
    that shows nothing: the turn of a space wider than the picture, seen along its own turning
    principal axes (:class:`nnanim.core.flow._TurningWith`), or the lift into one (no motion,
    and a 2-D view has no new direction to tilt to).

    In a space wider than the picture the words say it is seen along principal axes; the first
    stage shown as it is after such a space says that the axes are now the layer's own.
    """
    net = flow.network
    layer, k = stage.layer, stage.dim
    n = net.widths[layer] if layer < len(net.widths) else net.widths[-1]
    m = net.widths[layer + 1] if layer + 1 < len(net.widths) else n
    acts = net.activations
    act = word(acts[layer].name) if layer < len(acts) else ""
    before = flow.stages[stage.index - 1] if stage.index > 0 else None
    if stage.kind == "rotate" and wide(n, k) or stage.kind == "lift" and wide(m, k):
        return None
    if stage.kind == "squash" and wide(n, k):
        return WIDE["squash"].format(m=m, l=layer + 1, drop=n - m)
    if stage.kind == "linear":
        if stage.layer == 0 and flow.input_dim == 1:
            return LINE_INTO_PLANE
        squashed = before is not None and before.kind == "squash" and before.layer == layer
        if squashed and not wide(m, k) and wide(n, k):
            return WIDE["own"].format(l=layer + 1)
        if wide(m, k) or (wide(n, k) and not squashed):  # (a squash left m coordinates)
            return WIDE["linear"].format(m=m, n=m if squashed else n, k=k, names=axes_names(k))
    return EXPLAIN[stage.kind].format(act=act)


def label_directions(V: np.ndarray) -> np.ndarray:
    """``(K, 2)`` unit directions from each class corner to its name: away from the centre
    (``V``, the corners on the unit circle), except for a triangle, whose names go straight
    above the top corner and below the bottom ones (beside them, a long species name took the
    picture's width from the triangle: in a tall frame it stayed small)."""
    V = np.asarray(V, dtype=float)
    if len(V) != 3:
        return V
    return np.column_stack([np.zeros(3), np.where(V[:, 1] > 0, 1.0, -1.0)])


def _outside(corner, direction, width: float, height: float) -> np.ndarray:
    """The centre of a ``width × height`` box just outside ``corner``, along the unit ``direction``
    (2-D) from it."""
    u = np.zeros(3)
    u[:2] = direction
    gap = 0.14 + 0.5 * abs(u[0]) * width + 0.5 * abs(u[1]) * height
    return np.asarray(corner, dtype=float) + gap * u


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
