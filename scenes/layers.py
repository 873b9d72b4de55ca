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
from nnanim.core.projection import smoothstep

#: seconds per stage kind
PACE = {"linear": 2.0, "bias": 1.1, "activation": 2.0, "lift": 0.6, "squash": 1.8, "rotate": 1.6}
#: seconds of the class-vertex beat: the lines fading, the points moving to the corners, the hold
VERTEX = {"fade": 0.8, "move": 2.4, "hold": 3.0}
#: the poster of a wide input that ends in the class-vertex view: that end, first
POSTER_WORDS = ("softmax · class corners", "where the layers lead the data")
#: the beat after that poster: the points fly back from the corners to the input
BACK = "back to the input"
#: the largest polygon radius, as a share of the picture's longer side (it is as large as the
#: picture holds with the names outside its corners: see LayersScene.vertex_frame)
VERTEX_RADIUS = 0.38
#: a picture this many times wider than tall puts a triangle's images beside its side corners
#: (tile_directions)
WIDE_SHORT = 1.5
#: seconds the poster's shading stays, then takes to fade: together the 2 s opening hold
POSTER_HOLD, POSTER_FADE = 0.4, 1.6
#: radians per second of orbit while the picture is 3-D
ORBIT = 0.12
TILT = np.radians(58)

EXPLAIN = {
    "linear": "rotate and stretch the plane: x → A(t)·x, from x to W·x",
    "rotate": "turn the space so the directions the next layer reads come first",
    "bias": "shift everything: x → x + t·b",
    "activation": "bend each point: x → (1−t)·x + t·{act}(x)",
    "lift": "the plane enters a wider space; tilt to see the new direction",
    "squash": "flatten the directions the next layer ignores",
}
#: a ``W·x`` beat that also plays its layer's ``+ b`` (a shift too small for a beat of its own):
#: its words name both, in the notation of the two beats apart (every term of its title,
#: "W·x + b", is in them)
MERGED_LINEAR = "rotate and stretch the plane, then shift it: x → A(t)·x + t·b, from x to W·x + b"
#: the same stages in a space wider than the picture, seen along principal axes ``u₁, u₂``.
#: There is no grid there (no plane to see turn or shrink): the words say only what the points
#: do and what the computation does, never a motion of something not drawn.  (A turn of a wide
#: space is not played at all: seen along its own principal axes, which turn with it, nothing
#: moves; see nnanim.core.flow.)
WIDE = {
    # (the axes' names said once, with the input; the compass names them)
    "linear": "x → W·x from {n}-D to {m}-D, seen along {k} principal axes",
    "squash": "layer {l} reads {m} of these {n} directions: the view moves to those {m}",
    # the first stage after a wide space that is shown as it is: the axes change their names
    "own": "the points move from the principal axes into layer {l}'s own axes, h₁ and h₂",
}
#: a ``+ b`` whose points move less than this share of the picture's short side (median over
#: the points, on screen) is too small to see: it plays in its ``W·x`` beat, in BIAS_MERGED s
BIAS_VISIBLE = 0.025
BIAS_MERGED = 0.5
#: scene units kept free of data along the picture's bottom edge: the axes' compass and scale
AXES_STRIP = 0.7
#: words a viewer reads per second: a caption stays on screen at least as long as its new words
#: take to read (a caption seen before, as layer 2's "+ b", takes only its title's)
READ_RATE = 3.0
#: the most features the principal-axes caption names per axis (three of breast cancer's long
#: names on each axis made a caption of nine lines); fewer when the frame's caption holds fewer
AXIS_WORDS = 2
#: the most words of the principal-axes caption (its picture holds still while it is read)
AXES_WORDS_READ = 16
#: seconds of the play in which a caption's numbers join its words (see count_after)
NUMBERS_SWAP = 0.5
#: the longest still hold after a fly back from the poster (the rest of the reading: the fly)
FLY_HOLD = 1.0
#: the longest still hold inside the story (the final one aside): a caption that needs longer
#: to read gets it from slower motion instead
HOLD = 2.5

#: a wrong point's ring, in point radii (2.1: about 8 px across at 480p, on the boundary line,
#: not seen); its rim stays the muted grey, apart from the white line it often sits on
WRONG_RING = 3.4

#: the nearest neighbours that vote for a point's class (neighbour_share)
NEIGHBOURS = 5

#: a stage whose points end with this share of their spread along one direction is said to
#: leave them on one line (breast cancer's first layer: a thin line, long unexplained)
LINE_SHARE = 0.995
#: the fastest (90th percentile of the points) a wide space's stage moves its points on screen:
#: picture short sides a second (see calm_seconds)
CALM = 0.6
#: how much larger the box around the points is at the output of a wide input (OutputRoom)
OUTPUT_ROOM = 0.25
#: how much larger that box is in every stage before (iris's setosa lay along the picture's top
#: edge in layer 3's W·x): the room grows from this to OUTPUT_ROOM over the last hidden stage
STAGE_ROOM = 0.12
#: the most room the input's picture makes for its principal axes' names (OutputRoom's start: a
#: share of the box around the points, given back over the first stage), and how near its own
#: axis line a name sits (scene units from the line to the name's box)
INPUT_ROOM, NAME_GAP = 0.5, 0.2
#: how far outside the points' box (beyond a point's radius) the principal axes' lines run
AXIS_OFF = 0.15
#: a name beside its axis keeps this clear of the points (beyond a point's radius), and
#: prefers the side of its line away from the points by this much of a slide along it
CLEAR, INSIDE = 0.08, 2.0
#: how far a name beside its own axis keeps from the other axis's line (not at the corner where
#: they meet: there a name would seem to name either)
AWAY = 0.4
#: the most spots per name the names' placement weighs together (the clearest; see free_spots)
FEW_SPOTS = 80
#: an image dataset's tiles: their side, a share of the picture's height, and the gap around them
TILE_SHARE, TILE_GAP = 0.09, 0.1
#: at most this many classes' tiles make one key on one side of the picture, each this share of
#: the picture's short side (three digits' tiles, two on the left and one on the right at 0.09 of
#: the height, read as stray marks, the 1 as an orange bar)
KEY_FEW, KEY_SHARE = 4, 0.15

#: seconds in which the output's straight lines are drawn (from where they meet, outwards)
LINE_DRAW = 1.2

LINE_INTO_PLANE = "the input is a line: x → x·w lays it along the first layer's weights"


class LayersScene(SceneContract):
    defaults = {"dataset": "spirals", "hidden": [2, 2, 2, 2], "activation": "tanh",
                "lr": 0.02, "epochs": 3000}
    tasks = ("binary", "multiclass", "regression")
    dataset_defaults = True  # a real dataset trains its own network (nnanim.core.data.REAL_NETWORK)

    @property
    def has_legend(self):  # the target's colour bar
        return self.job.task == "regression"

    @property
    def title_lines(self):
        """Two title lines' room above a square picture for an input wider than three: its
        captions (the principal axes, the squash of 30 inputs, a score with two named classes)
        take three lines there; None (the frame's default) otherwise."""
        data = getattr(self.job, "data", None)
        X = getattr(data, "X", None)
        return 2 if X is not None and np.ndim(X) == 2 and X.shape[1] > 3 else None

    def construct(self):
        from manim import Create, linear

        from nnanim.core.flow import build_flow
        from nnanim.draw.mobjects import FlowView, OpacityFade
        from nnanim.draw.posters import input_shading
        from nnanim.draw.scene import _window

        run, record = self.load_run()
        self.theme = digit_colours(self.theme, run)
        flow = build_flow(run.network(record), reference=run.X)
        if len(run.landmark_images()[0]):  # an image dataset: its tiles' bands first
            self._tiles = self.tile_layout(run.n_classes)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.picture_region(),
                        clip_box=self.layout.picture_clip)
        if run.X.shape[1] > 3:  # framed on its points alone: room around them at the output
            view.frame_trace = OutputRoom.around(view.frame_trace, flow)
        if getattr(self, "_tiles", None) is not None and view.axes is not None:
            # the axes in the inner box's corners, off the tiles (still naming the picture)
            view.axes.set_box(self._tiles[2], picture=self.layout.picture_clip)
            view.set_stage(0, 0.0)

        regression = flow.network.task == "regression"
        rings = None  # (a classifier's wrong points, ringed at its output)
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
        pair = named_pair(run)
        if pair is not None:  # two named classes: named at the output, in their colours (caption)
            rgb = self.theme.class_rgb(2)
            self._coloured = {name: rgb[k] for k, name in enumerate(pair)}
        landmarks = self.image_landmarks(run, view)
        if wide_input and not landmarks and isinstance(view.frame_trace, OutputRoom):
            # room in the input's picture for the principal axes' names beside their axes
            self.input_room(view, run)
        if wide_input and self.vertex_view(flow):
            # the poster: where the story ends (a wide input has no plane to shade)
            # (a declared beat: the points fly back from the end to the input, where the story
            # starts)
            caption = self.open_on_corners(view, run, still, landmarks, BACK,
                                           detail)
        elif wide_input and flow.network.task == "binary" and flow.stages[-1].dim == 2:
            # the poster: the last space split by its straight line (a wide input has no plane
            # to shade), as the stories of three classes open on their corners
            caption = self.open_on_output(view, run, still, BACK,
                                          detail)
        else:
            caption = self.caption(title, detail)
            # the poster: the trained network's answer, both sides shaded; it fades out evenly
            # until the plane moves, in a play of its own, so the opening ends on the plane alone
            # (a 0.3 s fade as the first caption changed was a one-frame jump at a low frame
            # rate, and a fade that ended early left still frames before the next play: a jump
            # at the cut too).  It holds as long as the first caption takes to read.
            # (over the grid's area only: margins tinted beyond it read as a second, slower fade)
            poster = input_shading(view, self.theme, on_grid=True)
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

        caption = self.play_stages(view, caption, read=True, merge=True)

        # the output layer: a straight line, the shading, the recomputed accuracy
        out = flow.stages[-1]
        out_title = out.caption
        view.set_stage(out.index, 1.0)
        if regression:
            r2 = flow.r_squared(run.X, run.y)
            shape = "planes" if out.dim == 3 else "lines"
            detail = (f"ŷ is linear in this space: its level {shape} are straight and parallel; "
                      f"R² = {number(r2, 3)} on the {len(run.y)} points")
        else:
            accuracy = flow.accuracy(run.X, run.y)
            # the points the network gets wrong, ringed and drawn over the others from here on
            # (two classes too: a point just across the line was not seen as wrong)
            rings = self.ring_wrong(view, run)
            score = score_words(accuracy, len(run.y))
            note = f"{len(rings.indices)} wrong, ringed" if rings is not None else ""
            # a story that ends in the class corners states its score there (with the rings'
            # note), its output beat only what it shows (a caption of two lines in a square frame)
            if self.vertex_view(flow):
                detail = self.output_words(flow, run.n_classes, "") + (f"; {note}" if note else "")
            else:  # two classes: the rings when the caption has room for their note, else
                # the count alone without rings, else the score alone
                tries = [note, f"{len(rings.indices)} wrong" if rings is not None else "", ""]
                for said in tries:
                    detail = self.output_words(flow, run.n_classes,
                                               score + (f"; {said}" if said else ""), pair)
                    if self.caption(out_title, detail).height <= self.layout.caption.height:
                        break
                if said != tries[0]:  # no room for the rings' note: no rings
                    rings = None
            if self.vertex_view(flow) and out.dim == 2 and not flow.boundaries_exact:
                # no line can be drawn here (K − 1 directions, a 2-D view: a beat of its own
                # would claim an answer the picture does not show): the class corners, where
                # every class keeps a direction of its own, are the output; the wrong points are
                # ringed there, with their note when the caption has room for it
                self.play_class_vertices(view, run.class_names, run.y, caption, score, [],
                                         landmarks, rings=rings, note=note, output=True)
                return
        # a classifier's score and rings' count once its lines are drawn and its rings are in
        # (they came as the lines started to grow)
        words, numbers = (detail, "") if regression or not wide_input else \
            words_and_numbers(detail)
        need = self.reading_time(out_title, words)
        extras = self.add_output_shading(view)
        counted = []
        if not regression and rings is not None:
            if not numbers:  # (else added by their fade, with the words that count them)
                self.add(rings)
            (counted if numbers else extras).append(OpacityFade(rings, rate_func=_window(0.0, 0.6)))
        lines = self.around_axes(view, from_junctions(self.output_lines(view)))
        # drawn slower when the caption needs the time (a still hold at most HOLD)
        drawn = (max(1.4, need - HOLD) if self.vertex_view(flow) else 1.4) if extras or lines else 0.3
        # the lines grow from where they meet, each whole within LINE_DRAW s (the shading and the
        # rings take the rest of the play): iris's line drawn over 2.5 s left a piece of the
        # boundary missing by the junction for most of its beat
        for line in lines:
            extras.append(Create(line, rate_func=_window(0.0, min(1.0, LINE_DRAW / drawn))))
        # the caption comes in the first moments of the play that draws what it names (a beat
        # starts at a play, and chapters, subtitles and slides change with the caption on
        # screen): never words about lines that are not there yet
        caption = self.swap_with(caption, out_title, words, extras, drawn)
        need -= drawn
        if numbers:  # (as soon as the lines are drawn: the words are read on with them)
            caption, read = self.count_after(caption, out_title, words, numbers, counted)
            need = max(need, 0.0) + read
        # a still picture holds only as long as its words take to read; the video's end longer
        # (the class corners' first play, the lines and axes fading as the polygon comes, is
        # read under these words too)
        hold = need - VERTEX["fade"] if self.vertex_view(flow) else max(2.5, need)
        if hold > 0.05:
            self.wait(hold)
        if self.vertex_view(flow):
            self.play_class_vertices(view, run.class_names, run.y, caption, score, lines, landmarks,
                                     rings=rings)

    def swap_with(self, caption, title: str, detail: str, animations: list, run_time: float,
                  kind: str = "stage"):
        """The caption swapped to ``title``/``detail`` in the first 0.3 s of one play of
        ``animations`` (what the new words name, drawn as they come) lasting ``run_time``: the
        beat starts at that play.  Returns the new caption."""
        if not animations:
            return self.swap_caption(caption, title, detail, run_time=run_time, kind=kind)
        new = self.caption(title, detail)
        self.fix(new)
        self.mark(kind, title, detail)
        self.play(*self.swap_text(caption, new, seconds=0.3, run_time=run_time), *animations,
                  run_time=run_time)
        return new

    def count_after(self, caption, title: str, words: str, numbers: str, animations=()):
        """A caption's numbers said once the picture they describe is on screen: ``caption``
        (``title``/``words``, set as the motion they describe started) becomes ``words +
        numbers`` in a short play of its own (:data:`NUMBERS_SWAP` s, a beat), with
        ``animations`` (what the numbers count, e.g. rings, coming in with them).  Returns the
        caption and the seconds the numbers still take to read."""
        self.__dict__.setdefault("_read_texts", set()).add(words + numbers)
        caption = self.swap_with(caption, title, words + numbers, list(animations), NUMBERS_SWAP,
                                 kind="caption")
        return caption, count_words(numbers) / READ_RATE - NUMBERS_SWAP

    def caption(self, title: str, detail: str = ""):
        """A caption whose words naming two classes are drawn in those classes' colours (the
        picture names them no other way)."""
        from manim.utils.color import ManimColor

        cap = super().caption(title, detail)
        for text in cap.submobjects:
            letters = getattr(text, "text", "")
            for name, rgb in getattr(self, "_coloured", {}).items():
                glyphs = name.replace(" ", "")
                at = letters.find(glyphs)
                while at >= 0 and len(text.submobjects) == len(letters):
                    text[at:at + len(glyphs)].set_color(ManimColor(rgb))
                    at = letters.find(glyphs, at + len(glyphs))
        return cap

    @staticmethod
    def ring_wrong(view, run):
        """The points the network gets wrong, ringed (a :class:`RingedPoints` following the
        view), or ``None`` when it gets every point right; not yet in the scene."""
        from nnanim.draw.landmarks import RingedPoints

        wrong = view.flow.network.predict(run.X) != run.y
        return RingedPoints(view, wrong, ring=WRONG_RING) if wrong.any() else None

    def picture_region(self):
        """Where the data's box goes: the layout's picture region less a strip along its bottom
        for the axes' names and scale (a network that drives a class into a corner of tanh's
        square put its points on the scale's label), and less the bands of an image dataset's
        tiles (:meth:`tile_layout`)."""
        from nnanim.draw.mobjects import SpaceAxes

        (cx, cy, cz), height, width = self.layout.picture_fit
        tiles = getattr(self, "_tiles", None)
        if tiles is not None:  # the inner box, inside the picture's margin as the fit is
            x0, y0, x1, y1 = tiles[2]
            p = self.layout.picture
            inset = (p.height - height) / 2
            x0, x1 = max(x0, p.x0 + inset), min(x1, p.x1 - inset)
            y0, y1 = max(y0, p.y0 + inset), min(y1, p.y1 - inset)
            (cx, cy), height, width = ((x0 + x1) / 2, (y0 + y1) / 2), y1 - y0, x1 - x0
        if not SpaceAxes.fits(self.layout.picture_clip):
            return (cx, cy, cz), height, width
        return (cx, cy + AXES_STRIP / 2, cz), height - AXES_STRIP, width

    def tile_layout(self, K: int):
        """``(side, slots (K, 2), inner box)``: where an image dataset's tile of each of its
        ``K`` classes sits (scene centres, by class), ``side`` scene units wide.

        The tiles are a key beside the data, never on it: a few classes' (:data:`KEY_FEW`) in one
        column right of a picture wider than tall (one row below a taller one), larger
        (:func:`tile_side`); more in bands along two opposite sides of the picture (left and
        right, else top and bottom), in as many columns (rows) as they need.  The rest of the picture, the inner box
        ``(x0, y0, x1, y1)``, holds the points and the axes: a tile never covers a point, an
        axis name or another tile (the images among the points overlapped them and each other).
        """
        clip = self.layout.picture_clip
        side = tile_side(clip, K, TILE_SHARE * self.layout.picture.height)
        return (side, *tile_slots(clip, K, side, TILE_GAP))

    # -- the output: what is true of the last picture
    @staticmethod
    def output_words(flow, K: int, score: str, pair=None) -> str:
        """The output caption of a classifier, true for what is drawn (see :meth:`output_lines`),
        ending in ``score`` (none when empty); ``pair``, two classes' names, names them."""
        if K <= 2:
            words = ("a straight line splits the classes" if pair is None else
                     f"a straight line splits {pair[0]} from {pair[1]}")
        elif flow.stages[-1].dim == 2 and not flow.boundaries_exact:
            words = f"the answer is the largest of the {K} class probabilities"
        elif flow.stages[-1].dim == 3:
            words = f"flat planes bound the {K} class regions here"
        elif flow.boundaries_exact:
            words = f"straight lines bound the {K} class regions here"
        else:
            words = f"{K - 1} directions part the classes; the view has 2"
        return f"{words}: {score}" if score else words

    @staticmethod
    def vertex_view(flow) -> bool:
        """Whether the story ends in the class-vertex view: a softmax of three classes or more."""
        return flow.network.task == "multiclass" and len(flow.network.biases[-1]) >= 3

    def vertex_corners(self, view, labels=None) -> np.ndarray:
        """``(K, 2)``: the class polygon's corners on the unit circle, class by class, turned so
        that each class's corner lies in the direction its points are in the last picture
        (:func:`corners_toward`).  With the polygon upright the corners were in class order
        whatever the picture: every cluster crossed the polygon on its way to its corner, and
        sat for a moment at another class's.  ``labels``: the points' classes.  Fixed by the first
        call."""
        if getattr(self, "_vertex_corners", None) is None:
            last = len(view.flow.stages) - 1
            screen = view.to_scene(view.points_trace.at(last, 1.0), last, 1.0)
            self._vertex_corners = corners_toward(screen[:, :2], labels, view.n_classes)
        return self._vertex_corners

    def vertex_frame(self, K: int | None = None, sizes=None, V=None, U=None):
        """``(centre (3,), radius)``: where the class polygon sits in the picture region.

        As large as fits: the polygon with the names (``sizes``: a ``(width, height)`` per
        corner) just outside its ``K`` corners fills the picture up to a margin, and the whole
        (corners and names) is centred in it, so a triangle in a tall picture grows to the
        picture's width and sits in its middle.  At most :data:`VERTEX_RADIUS` of the longer
        side.  ``U``: each name's direction from its corner (default :func:`label_directions`).
        Fixed by the first call with ``sizes``; later calls return it.
        """
        if getattr(self, "_vertex_frame", None) is not None:
            return self._vertex_frame
        from nnanim.core.projection import class_vertices

        p, pad = self.layout.picture, 0.06
        mid = np.array([(p.x0 + p.x1) / 2, (p.y0 + p.y1) / 2, 0.0])
        half = np.array([(p.x1 - p.x0) / 2, (p.y1 - p.y0) / 2])
        if K is None or sizes is None:
            return mid, VERTEX_RADIUS * 2 * float(half.min())
        V = class_vertices(K) if V is None else np.asarray(V, dtype=float)
        U = label_directions(V) if U is None else np.asarray(U, dtype=float)
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
        P = class_vertex_view(view.flow.input_probabilities(view.points_trace.points),
                              self.vertex_corners(view))
        return centre + radius * np.pad(P, ((0, 0), (0, 1)))

    def class_corners(self, view, names, labels_of, landmarks: list = ()):
        """``(polygon, labels, spots)``: the class polygon, the names outside its corners (classes
        with a landmark image get none: their image goes there), and for each landmark the
        centres of its images outside their classes' corners.  Built once; later calls return
        the same objects."""
        if getattr(self, "_corners", None) is not None:
            return self._corners
        from manim import Polygon

        K = view.n_classes
        V = self.vertex_corners(view, labels_of)
        pictured = {int(labels_of[i]): marks.size for marks in landmarks for i in marks.indices}
        labels = self.vertex_names(view, names, skip=pictured)
        sizes = [(pictured[k], pictured[k]) if k in pictured else (labels[k].width, labels[k].height)
                 for k in range(K)]
        # (a class's image beside a triangle's side corner in a wide, short picture: see
        # tile_directions; names where label_directions puts them)
        p = self.layout.picture
        beside = tile_directions(V, p.x1 - p.x0 > WIDE_SHORT * (p.y1 - p.y0))
        U = np.array([beside[k] if k in pictured else d
                      for k, d in enumerate(label_directions(V))]).reshape(-1, 2)
        centre, radius = self.vertex_frame(K, sizes, V, U)
        corners = centre + radius * np.pad(V, ((0, 0), (0, 1)))
        # (round the circle: the classes' corners are in the order of their points, not of
        # their numbers; drawn in class order, ten digits' polygon was a star)
        around = np.argsort(np.arctan2(V[:, 1], V[:, 0]))
        polygon = Polygon(*corners[around], stroke_color=self.theme.muted, stroke_width=1.6,
                          stroke_opacity=0.6)
        polygon.clip_box = self.layout.picture_clip
        if K == 3:  # a triangle is the probability simplex itself: shaded by what each place means
            from manim import Group

            from nnanim.draw.mobjects import RasterImage, simplex_image

            image, box = simplex_image(corners, self.theme.class_rgb(3))
            fill = RasterImage(image, box)
            fill.clip_box = self.layout.picture_clip
            polygon = Group(fill, polygon)
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
                tile.opacity = 1.0  # (beside a corner, outside the data: full)
        head, words = POSTER_WORDS
        detail = self.overlap_words(view, run, detail)
        caption = self.caption(head, words)
        self.bring_to_back(polygon)  # (in the scene, under the points)
        self.open(view, *labels, still=(*still, caption), title=head, detail=words,
                  seconds=max(self.reading_time(head, words), 1.5))
        from nnanim.draw.landmarks import IN_DATA as in_data

        # the corners' names leave in the fly's first part, the grid and the axes' names come in
        # its last part: a class name never meets an axis name (a triangle's lower names sit
        # where the axes' compass comes); the images go to their key (among the data: half clear)
        return self.fly_home(view, hidden, home, caption, title, detail, polygon, *labels,
                             moves=[tiles_move(m, at, opacity=in_data if m.slots is None else 1.0)
                                    for m, at in zip(landmarks, tiles_home, strict=True)],
                             # (many classes: the fly's words say what the flat view keeps, and
                             # are read over the input's picture, not over a ten-second fly)
                             hold=HOLD if run.n_classes > 3 else FLY_HOLD)

    def overlap_words(self, view, run, detail: str) -> str:
        """The fly back's words for many classes (more than three): a flat view of 64 inputs or
        16 units cannot hold ten classes apart, and the words say so (the classes mixed for most
        of the video and nothing said why) as the points fly, then, once they are there, what the
        view keeps, measured: the spread its principal axes keep.  (Short: its numbers are read
        over a still picture, at most :data:`HOLD` s; a point's nearest neighbours naming its
        class, :func:`neighbour_share`, took seven more seconds.)  ``detail`` unchanged for three
        classes or fewer, or when the caption has no room."""
        K = run.n_classes
        if K <= 3:
            return detail
        k = view.flow.stages[0].dim
        kept = percent(sum(share for _, share in run.input_axes(k)), 0)
        tries = [f"every point flies back to the input, where the {K} classes overlap; "
                 f"{k} principal axes keep {kept} of the spread",
                 f"every point flies back; {k} principal axes keep {kept} of the spread"]
        for words in tries:
            if self.caption(BACK, words).height <= self.layout.caption.height:
                return words
        return detail

    def fly_home(self, view, hidden: list, home, caption, title: str, detail: str, *leaving,
                 moves: list = (), hold: float = FLY_HOLD):
        """The fly back from a poster of the story's end: the caption swapped to ``title``/
        ``detail``, the points to ``home`` (and ``moves`` with them), ``leaving`` fading out in
        the fly's first part and the view's ``hidden`` parts (grid, axes) fading in, where they
        are, in its last part; held while the caption is read (at most ``hold`` seconds still,
        the rest of the reading in the fly).  Returns the caption."""
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.scene import _window

        view.submobjects.insert(0, view.grid)
        if view.axes is not None:
            view.add(view.axes)
        arrive = []
        for part in hidden:  # in the view again, fading in where they are (no new copy in the scene)
            fade = OpacityFade(part, rate_func=_window(0.55, 1.0))
            fade.introducer = False
            arrive.append(fade)
        leave = [OpacityFade(m, fade_in=False, rate_func=_window(0.0, 0.45)) for m in leaving]
        # (its numbers, the share of the spread the view keeps, once the points are there)
        words, numbers = words_and_numbers(detail)
        need = self.reading_time(title, words)
        fly = max(VERTEX["move"] * 0.75, need - hold if not numbers else need)
        # the caption comes as the points start to fly (in the first moments of that play), and
        # they are under way at once (Manim's smooth left them still for its first half second)
        caption = self.swap_with(caption, title, words,
                                 [cloud_move(view.cloud, home, rate_func=eased_over(fly)), *moves,
                                  *leave, *arrive], fly, kind="caption")
        if numbers:
            caption, read = self.count_after(caption, title, words, numbers)
            self.wait(min(max(read, 0.5), HOLD))
        else:
            self.wait(max(need - fly, 0.5))
        return caption

    def open_on_output(self, view, run, still: list, title: str, detail: str):
        """The poster of a wide two-class input: where the story ends first (the points in the
        last space, its straight line over the shading of the output, the classes named in
        their colours), held while its caption is read; then the line and shading leave, the
        points fly back to the input's principal plane and the grid and axes come in, under
        ``title``/``detail``.  Returns that caption."""
        out = view.flow.stages[-1]
        view.set_stage(out.index, 1.0)  # the end: the points, line and shading there
        end = np.array(view.cloud.points, dtype=float)
        shading = self.output_shading(view)
        lines = self.output_lines(view)
        view.set_stage(0, 0.0)  # the start: where the points fly to
        if view.axes is not None:  # named for the input at once (hidden: no rename to see; they
            view.axes.settle()  # came back with the last space's h₁ h₂ on the input's picture)
            view.axes.instant = False
        home = np.array(view.cloud.points, dtype=float)
        hidden = [m for m in (view.grid, view.axes) if m is not None]
        view.remove(*hidden)
        view.cloud.set_positions(end)
        pair = named_pair(run)
        head = "where the layers lead the data"
        words = ("a straight line splits the classes" if pair is None else
                 f"a straight line splits {pair[0]} from {pair[1]}")
        caption = self.caption(head, words)
        if shading is not None:
            shading.clip_box = self.layout.picture_clip
            self.add(shading)
            self.bring_to_back(shading)
        # (held at most 3 s, a still picture: its words are short, and read on as the fly starts)
        self.open(view, *lines, still=(*still, caption), title=head, detail=words,
                  seconds=min(max(self.reading_time(head, words), 1.5), 3.0))
        return self.fly_home(view, hidden, home, caption, title, detail,
                             *lines, *([shading] if shading is not None else []))

    def show_input_axes(self, view, run, caption):
        """A beat on what the two principal axes of a wide input are made of: the axes drawn
        under the points as a plot's, along the bottom and the left of the points' box
        (:meth:`axes_names_placed`), each named beside its own far end by its strongest feature
        and that feature's loading (:func:`axis_label`), while the caption names the features
        they grow with most; then gone before the first stage moves."""
        from manim import Create, Line

        from nnanim.draw.mobjects import OpacityFade

        title = "principal axes"
        box = self.layout.caption
        # as many features per axis as the caption holds, in fewer words at the last
        tries = [self.wide_axes_words(run, 2, most) for most in range(AXIS_WORDS, 0, -1)]
        tries.append(tries[-1].replace(" most with ", " with "))
        for words in tries:  # (the picture holds still while it is read: few words)
            if count_words(words) <= AXES_WORDS_READ and \
                    self.caption(title, words).height <= box.height:
                break
        lines, names, picked = self.axes_names_placed(view, run)
        for name, box in zip(names, picked, strict=True):
            name.move_to([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 0.0])
        # where no spot beside its end is clear of the other axis (a name wider than the room
        # on either side of it: a square frame), that axis is cut around the name
        gaps = [(b[0] - 0.08, b[1] - 0.08, b[2] + 0.08, b[3] + 0.08) for b in picked]
        gaps += axes_boxes(view, pad=0.08)  # (and around the compass and the scale, near it)
        cut = []
        for line in lines:
            a, b = np.array(line.get_start()), np.array(line.get_end())
            for p, q in segments_outside(a, b, gaps):
                part = Line(p, q, color=self.theme.muted, stroke_width=2.0, stroke_opacity=0.8)
                part.clip_box = line.clip_box
                cut.append(part)
        lines = cut
        need = self.reading_time(title, words) - 0.5
        drawn = max(1.2, need - HOLD)
        draw, fade = [], []
        for line in lines:  # in the view, under its points (added and removed by hand: an
            view.submobjects.insert(0, line)  # animation's own add or remove would split it)
            draw.append(Create(line))
            fade.append(OpacityFade(line, fade_in=False))
            draw[-1].introducer = fade[-1].remover = False
        self.add(*names)
        draw += [OpacityFade(n) for n in names]
        fade += [OpacityFade(n, fade_in=False) for n in names]
        # the caption comes with the axes it names, in the first moments of their drawing
        caption = self.swap_with(caption, title, words, draw, drawn, kind="caption")
        self.wait(max(need - drawn, 0.5))
        if fade:
            self.play(*fade, run_time=0.5)
            view.remove(*lines)
        return caption

    def axes_names_placed(self, view, run, near: bool | None = None):
        """``(lines, names, boxes)`` of the principal axes' beat in the view as it is now: the two
        axis lines (a plot's: u₁'s along the points' bottom, u₂'s along their left, meeting at
        the box's corner and running on past the points as far as a name needs), each axis's name
        (:func:`axis_label`) and the scene box picked for it (:meth:`free_spots`).

        A name sits beside its own axis line: ``near`` ones within :data:`NAME_GAP` of it, on one
        side of the other axis, anywhere along its own (the ends first), as the room left by the
        points allows; else (``near`` False) slid away from the line as far as it takes to
        leave the points clear, where a viewer could no longer tell which axis it names.  With
        ``near`` None, the near spots when they leave the points clear (:meth:`names_clear`),
        else the far ones."""
        from manim import Line

        from nnanim.core.projection import principal_axes
        from nnanim.draw.mobjects import glyph_halos

        if near is None:
            placed = self.axes_names_placed(view, run, near=True)
            return placed if self.names_clear(view, placed[2]) else \
                self.axes_names_placed(view, run, near=False)
        B = principal_axes(run.X, 2)
        x0, y0, x1, y1 = self.layout.picture_clip
        pad = 0.12
        lines, names, choices, crossing = [], [], [], []
        # the axes as a plot's: along the points' box, below it (u₁) and left of it (u₂), meeting
        # at its corner; u₂'s runs on above the points by a name's height (room beside its end)
        P = np.asarray(view.cloud.points)[:, :2]
        (px0, py0), (px1, py1) = P.min(axis=0), P.max(axis=0)
        out = float(view.cloud.radius) + AXIS_OFF
        left, bottom = max(px0 - out, x0 + pad), max(py0 - out, y0 + pad)
        # the widest a name may be and still sit wholly on one side of the vertical axis (a
        # longer one wraps: in a narrow frame it crossed that axis, or was cut into it)
        room = max(x1 - left, left - x0) - pad - 0.16
        for k in range(2):
            text = axis_label(B[k], run.feature_names, symbol("u", k + 1))
            name = self.label(text, color=self.theme.foreground)
            if name.width > room:
                name = self.label(text, color=self.theme.foreground, width=room)
            glyph_halos(name, self.theme, 8.0)
            name.annotates = self.layout.picture_clip  # it names a line of its own picture
            names.append(name)
        # (u₁'s runs on to the right as far as its name needs, beyond the points if need be)
        right = min(max(px1 + out, left + AWAY + names[0].width + pad + 0.1), x1 - pad)
        top = min(py1 + out + names[1].height + 0.15, y1 - pad)
        axes = [np.array([[left, bottom, 0.0], [right, bottom, 0.0]]),
                np.array([[left, bottom, 0.0], [left, top, 0.0]])]
        offs = (0.0, NAME_GAP - 0.1) if near else (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
        for k, (ends, name) in enumerate(zip(axes, names, strict=True)):
            line = Line(*ends, color=self.theme.muted, stroke_width=2.0, stroke_opacity=0.8)
            line.clip_box = self.layout.picture_clip
            lines.append(line)
            w_, h_ = name.width / 2, name.height / 2
            # beside its own axis (along the picture's bottom edge the vertical axis ran through
            # the horizontal axis's name, which touched the scale bar): on either side of the
            # line, slid in along it from either end (near: all along it), or away from it
            if k == 0:  # the u₁ axis (horizontal): its name above or below it
                y = float(np.mean(ends[:, 1]))
                lo, hi = float(np.min(ends[:, 0])), float(np.max(ends[:, 0]))
                slides = np.arange(0.0, max(hi - lo - 2 * (pad + w_), 0.0) + 1e-9, 0.1) if near \
                    else (0.0, 0.3, 0.6, 0.9, 1.2, 1.6, 2.0)
                spots = [(slide + off + (INSIDE if near and side > 0 else 0.0),
                          (x, y + side * (0.1 + h_ + off)))
                         for end, x0_ in ((1, hi - pad - w_), (-1, lo + pad + w_))[:1 if near else 2]
                         for slide in slides
                         for x in (x0_ - end * slide,)
                         for off in offs
                         for side in (1, -1)]
            else:  # the u₂ axis (vertical): its name right or left of it
                x = float(np.mean(ends[:, 0]))
                lo, hi = float(np.min(ends[:, 1])), float(np.max(ends[:, 1]))
                slides = np.arange(0.0, max(hi - lo - 2 * (pad + h_), 0.0) + 1e-9, 0.1) if near \
                    else (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
                spots = [(slide + off + (INSIDE if near and side > 0 else 0.0),
                          (x + side * (0.12 + w_ + off), y))
                         for end, y0_ in ((1, hi - pad - h_), (-1, lo + pad + h_))[:1 if near else 2]
                         for slide in slides
                         for y in (y0_ - end * slide,)
                         for off in offs for side in (1, -1)]
            # the nearest to the end first (preferred when as clear), near: outside the points'
            # box first (below u₁'s line, left of u₂'s)
            spots = [spot for _, spot in sorted(spots, key=lambda d: d[0])]
            spots = [(min(max(cx, x0 + pad + w_), x1 - pad - w_),
                      min(max(cy, y0 + pad + h_), y1 - pad - h_)) for cx, cy in spots]
            choices.append(list(dict.fromkeys((cx - w_, cy - h_, cx + w_, cy + h_)
                                              for cx, cy in spots)))
            lo_, hi_ = np.min(ends, axis=0), np.max(ends, axis=0)
            crossing.append((lo_[0] - 0.06, lo_[1] - 0.06, hi_[0] + 0.06, hi_[1] + 0.06))
        # a name is crossed by no axis line (it sits beside its own); near, it is also wholly
        # on one side of the other axis (and within NAME_GAP of its own: not pushed off it by
        # the picture's edge)
        for k, boxes in enumerate(choices):
            clear = [box for box in boxes if not any(
                box[0] < c[2] and c[0] < box[2] and box[1] < c[3] and c[1] < box[3]
                for c in crossing)]
            if near:  # (and within its own line's extent, not past the axes' corner)
                own = crossing[k]
                along = (0, 2) if k == 0 else (1, 3)
                clear = [box for box in clear if gap_to(box, own) <= NAME_GAP + 0.07
                         and gap_to(box, crossing[1 - k]) >= AWAY
                         and box[along[0]] >= own[along[0]] - 0.1
                         and box[along[1]] <= own[along[1]] + 0.1]
            choices[k] = clear or ([] if near else boxes)
        if near and not all(choices):
            return lines, names, []
        return lines, names, self.free_spots(view, choices, clear=CLEAR if near else 0.04)

    @staticmethod
    def names_clear(view, boxes, bar: bool = False) -> bool:
        """Whether the axes' names at ``boxes`` (one each) cover at most 1 % of the view's points
        now (a point's disc counted), touch no part of the view's axes and not each other
        (``bar``: nor the scale bar at any length it may have, see :func:`axes_boxes`)."""
        from nnanim.draw.mobjects import count_in

        if not boxes:
            return False
        P = np.asarray(view.cloud.points)[:, :2]
        margin = float(view.cloud.radius) + CLEAR
        covered = sum(count_in(P, box, margin) for box in boxes)
        taken = axes_boxes(view, pad=0.15, bar=bar)

        def meets(a, b):
            return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

        return covered <= 0.01 * len(P) and not any(meets(a, t) for a in boxes for t in taken) \
            and not any(meets(boxes[a], boxes[b]) for a in range(len(boxes)) for b in range(a))

    def input_room(self, view, run) -> float:
        """The least room (a share of the box around the points, :class:`OutputRoom`'s
        ``start``) the input stage needs for the principal axes' names to sit beside their own
        axes on no point (:meth:`axes_names_placed`, near): the picture of the input a little
        smaller, given back over the first stage as its points move.  None of the tried rooms
        (up to :data:`INPUT_ROOM`): none (the names then sit farther off their axes)."""
        trace = view.frame_trace
        for room in np.arange(0.0, INPUT_ROOM + 1e-9, 0.05):
            trace.start = float(room)
            view.set_stage(0, 0.0)
            placed = self.axes_names_placed(view, run, near=True)[2]
            if self.names_clear(view, placed, bar=True):
                return float(room)
        trace.start = 0.0
        view.set_stage(0, 0.0)
        return 0.0

    @staticmethod
    def free_spots(view, choices: list, clear: float = 0.04) -> list:
        """One box of each list of ``choices`` (``(x0, y0, x1, y1)`` scene boxes, the preferred
        first): together the ones that cover the fewest of the view's points now
        (:func:`~nnanim.draw.mobjects.count_in`, a point's radius around it), never each other,
        the view's axes or their scale (the first of the least when even)."""
        from itertools import product

        from nnanim.draw.mobjects import count_in

        P = np.asarray(view.cloud.points)[:, :2]
        margin = float(view.cloud.radius) + clear
        taken = axes_boxes(view, pad=0.15)  # (clear of the scale bar, not touching it)

        def meets(a, b, gap=0.08):
            return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap

        def cost(box):
            return count_in(P, box, margin) + (10 ** 6 if any(meets(box, t, 0.0) for t in taken)
                                               else 0)

        costs = [[cost(box) for box in boxes] for boxes in choices]
        # (many choices, a name all along its axis: only the clearest few of each, in order)
        for k, boxes in enumerate(choices):
            if len(boxes) > FEW_SPOTS:
                keep = sorted(range(len(boxes)), key=lambda i: costs[k][i])[:FEW_SPOTS]
                keep.sort()
                choices[k] = [boxes[i] for i in keep]
                costs[k] = [costs[k][i] for i in keep]
        best, pick = None, None
        for picks in product(*[range(len(boxes)) for boxes in choices]):
            boxes = [choices[k][i] for k, i in enumerate(picks)]
            total = sum(costs[k][i] for k, i in enumerate(picks))
            total += sum(10 ** 6 for a in range(len(boxes)) for b in range(a)
                         if meets(boxes[a], boxes[b]))
            if best is None or total < best:
                best, pick = total, boxes
        return pick or []

    def play_class_vertices(self, view, names, labels_of, caption, score: str, leaving: list,
                            landmarks: list = (), rings=None, note: str = "",
                            output: bool = False) -> None:
        """The last beat: the classes on a polygon's corners, every point at ``Σ p_k·v_k``.

        ``leaving`` fade out first (the last space's lines).  Each corner is named outside it:
        by a class's landmark image (a digit's own picture, which travels there from beside its
        point; ``labels_of`` are the points' classes) or else by the class's name.  ``rings``
        (the points the network gets wrong) move with their points, fading in if not yet shown;
        ``note`` (their count) ends the caption when it has room (else no rings are shown); the
        rings come in with the words that count them (before, they came a second after).
        ``output``: no beat of the output layer came before (its title says this is it).
        """
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.scene import _window

        # (the wrong points' note was the output beat's: three lines in a square frame)
        detail = f"each point sits at the corners' average, weighted by its class probabilities: {score}"
        title = "softmax · class corners"
        if output:  # the longer title where it takes no more lines (a narrow caption: not)
            room = self.caption(title, detail).height + 1e-6
            fits = [t for t in ("output · softmax · class corners", "output · class corners")
                    if self.caption(t, detail).height <= room]
            title = fits[0] if fits else title
        if note:  # (rings not yet shown: with their note, if it fits)
            if self.caption(title, f"{detail}; {note}").height <= self.layout.caption.height:
                detail = f"{detail}; {note}"
            else:
                rings = None
        # the words as the points start to move; the score (and the rings' count, with the rings)
        # once they are at their corners (the numbers came while the points were on their way)
        words, numbers = words_and_numbers(detail)
        need = self.reading_time(title, words)
        # two plays: the last space's lines, grid and axes fade out as the class polygon comes in,
        # under the last caption; then, with the new caption in its first moments, the points
        # move to the corners, the names and images arriving (the words never come before the
        # polygon they name: they came while the last hidden space was still on screen)
        polygon, labels, spots = self.class_corners(view, names, labels_of, landmarks)
        move = VERTEX["move"]
        moves = []
        for marks, at in zip(landmarks, spots, strict=True):  # each image to its corner
            if marks in view.followers:
                view.followers.remove(marks)
            moves.append(tiles_move(marks, at, opacity=1.0))
        for mob in leaving:
            mob.clear_updaters()
        away = [*leaving, *[m for m in self.mobjects if getattr(m, "is_output_shading", False)]]
        # the view's own grid, axes and scale mean nothing among the class corners: out of the
        # view first (a fade-out removes what it faded from the scene, which would split the view)
        parts = [m for m in (view.axes, view.grid, view.boundary) if m is not None]
        view.remove(*parts)
        view.axes = None
        self.add(*parts)
        self.add(polygon)
        self.bring_to_back(polygon)
        self.play(*[OpacityFade(m, fade_in=False) for m in away + parts],
                  OpacityFade(polygon, rate_func=_window(0.3, 1.0)), run_time=VERTEX["fade"])
        self.add(*labels)
        ringing = []
        if rings is not None:
            if rings in view.followers:  # moved with the cloud from here on, not by the stages
                view.followers.remove(rings)
            if rings not in self.mobjects:  # (following their points unseen until counted, then
                # fully in as the words that count them are: see swap_text)
                ringing.append(OpacityFade(rings, rate_func=_window(0.0, 0.3 / NUMBERS_SWAP)))
        arrive = [cloud_move(view.cloud, self.class_vertex_points(view), rate_func=eased_over(move),
                             followers=[] if rings is None else [(rings, view)]), *moves,
                  *[OpacityFade(n, rate_func=_window(0.0, 0.3 / move)) for n in labels]]
        caption = self.swap_with(caption, title, words, arrive, move)
        read = 0.0
        if numbers:
            caption, read = self.count_after(caption, title, words, numbers, ringing)
        self.wait(max(VERTEX["hold"], need - move + read))

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
                    stages=None, merge: bool = False):
        """Every stage but the output's, each with its caption (a beat); 3-D stages tilt and orbit.

        ``pace`` scales the stages' seconds; ``before(stage)`` runs after each caption swap, before
        the stage plays.  ``read``: each beat lasts at least its caption's reading time
        (:meth:`reading_time`), the stage playing slower (motion, never a still hold).  A turn of a
        space wider than the picture is not played (nothing moves: :func:`stage_words`).
        ``stages``, a run of the flow's stages, plays only those (a scene that stops between two of
        them calls it for each run).  ``merge``: a ``+ b`` whose shift is too small to see on
        screen (:func:`screen_shift` under :data:`BIAS_VISIBLE`) gets no beat of its own: it plays
        briefly at the end of its layer's ``W·x`` beat, whose caption says so.  Returns the last
        caption.
        """
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        flow = view.flow
        wide_input = flow.input_dim > 3
        merged = set()  # the bias stages played inside their linear stage's beat
        todo = list(flow.stages[:-1] if stages is None else stages)
        for at, stage in enumerate(todo):
            if stage.index in merged:
                continue
            explain = self.stage_explain(flow, stage)
            if explain is None:  # a still: the next stage starts where it ends
                continue
            if merge and wide_input:
                run = self.line_run(view, todo[at:])
                if run:  # the rest keeps the points on one line: one short beat for all of it
                    caption = self.play_line_run(view, caption, run, pace, read)
                    merged.update(s.index for s in run)
                    continue
            title, bias = stage.caption, None
            if merge and stage.kind == "linear":
                after = flow.stages[stage.index + 1]
                # a wide input merges every + b into its W·x beat (one rule for all its layers:
                # seen along principal axes and framed on its points, a shift is a small part of
                # what moves; iris's first + b was merged and its second had a beat); a plane
                # only the shifts too small to see
                if after.kind == "bias" and after.layer == stage.layer and \
                        (wide_input or screen_shift(view, after.index) < BIAS_VISIBLE):
                    bias = after
                    merged.add(after.index)
                    # (the words: the map's; the shift is too small to be seen)
                    title = stage.caption.replace("W·x", "W·x + b", 1)
                    explain = merged_words(explain)
            together = wide_input and before is None and not view.elev
            # (a wide input's points newly ending this stage on one line: said when the picture
            # shows it, below; a scene that plays its own way says it with the stage's words)
            news = self.line_news(view, stage)
            if news and not together:
                explain = self.line_words(view, stage, explain, title)
            if wide_input and merge and stage.kind == "linear" and \
                    sum(_even_profile(view, x.index)[1] / (1.0 + EVEN_FLOOR)
                        for x in (stage, bias) if x is not None) < SMALL_MOTION:
                # (wine's layer 3 moved its points 7 % of the picture in a 6 s beat, held as long
                # as its words took to read: a beat that shows almost nothing says so, briefly)
                explain = SMALL_WORDS
            # a wide input: the caption comes in the first moments of its stage's motion (a swap
            # of its own before it named a stage a viewer did not see move yet), and the stage
            # moves its points on screen at an even pace (even_rate: Manim's smooth over a beat
            # slowed to CALM left seconds of an almost still picture at its ends)
            if not together:
                caption = self.swap_caption(caption, title, explain, kind="stage")
            if before is not None:
                before(stage)
            seconds = PACE[stage.kind] * pace
            shift = 0.0 if bias is None else BIAS_MERGED * pace
            if bias is not None and wide_input:
                shift = max(shift, even_seconds(view, bias.index) * pace)
            if read:  # (the swap is read too)
                seconds = max(seconds, self.reading_time(title, explain) - shift
                              - (0.0 if together else 0.3))
            if view.flow.input_dim > 3:  # a wide space's view swings: never faster than CALM
                seconds = max(seconds, even_seconds(view, stage.index) * pace)
            spin = ORBIT * seconds if view.elev else 0.0
            if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                elev, azim = self.tilt_angles(view, pace)
                self.play(ViewTurn(view, elev=elev, azim=azim), run_time=1.4)
            if together and news:  # the words of the line come with the line (see line_moment)
                caption = self.play_into_line(view, caption, stage, bias, title, explain, seconds,
                                              shift, read)
                continue
            if together:
                caption = self.swap_with(caption, title, explain, [StagePlay(
                    view, stage.index, rate_func=even_rate(view, stage.index, seconds),
                    run_time=seconds)], seconds)
            else:
                self.play(StagePlay(view, stage.index, spin=spin, run_time=seconds))
            if bias is not None:
                self.play(StagePlay(view, bias.index, spin=ORBIT * shift if view.elev else 0.0,
                                    run_time=shift, **({"rate_func": even_rate(view, bias.index, shift)}
                                                       if together else {})))
            if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2 and view.elev:
                self.play(ViewTurn(view, elev=0.0, azim=0.0), run_time=1.2)
        return caption

    def line_run(self, view, rest: list) -> list:
        """The stages at the start of ``rest`` (the story's stages still to play, the first one
        shown) that only keep a wide input's points on one line: the points start on it (a beat
        before said so: :meth:`play_into_line`) and every one of those stages ends on it.  Empty
        unless two or more of them show something (one is an ordinary beat)."""
        if not getattr(self, "_on_line", False):
            return []
        trace, flow = view.points_trace, view.flow
        if line_share(trace.full(rest[0].index, 0.0)) < LINE_SHARE:
            return []
        run = []
        for stage in rest:
            if line_share(trace.full(stage.index, 1.0)) < LINE_SHARE:
                break
            run.append(stage)
        shown = [s for s in run if self.stage_explain(flow, s) is not None]
        if len(shown) < 2:
            return []
        if shown[-1].kind == "linear":  # (a + b stays with its W·x)
            after = flow.stages[shown[-1].index + 1]
            if after.kind == "bias" and after not in run:
                run = run[:run.index(shown[-1])]
                return self.line_run(view, run) if len(run) > 1 else []
        return run

    def play_line_run(self, view, caption, run: list, pace: float, read: bool):
        """One short beat for the stages of ``run`` (:meth:`line_run`), which only keep the points
        on one line (breast cancer's layers 1 to 3: 40 s of captions "still almost one line" over
        a picture in which nothing new happened): its caption says so once, naming the layers,
        and the stages play on at an even pace on screen, each as fast as :data:`CALM` allows
        (no easing, so the run is one motion; slower only when the words need longer).  The
        words are measured on screen over every frame of the beat (:func:`screen_shape`: a line,
        a thin curve, or the share one direction keeps).  Returns the caption."""
        from manim import linear

        from nnanim.draw.mobjects import StagePlay

        flow = view.flow
        shown = [s for s in run if self.stage_explain(flow, s) is not None]
        # each stage as fast as CALM allows, played at an even pace (linear: the steepest slope 1)
        plays = [s for s in shown if s.kind != "rotate" or screen_speed(view, s.index) > 0]
        plays += [s for s in run if s.kind == "bias" and s not in shown]
        plays.sort(key=lambda s: s.index)
        shape, share = screen_shape(view, [(s.index, 0.0, 1.0) for s in plays])
        a = shown[0].layer + 1
        b = shown[-1].layer + 1
        named = {"line": " · one line", "curve": " · one curve", "bent": " · one curve"}.get(shape, "")
        title = (f"layers {a}–{b}" if a < b else f"layer {a}") + named
        own = any((self.stage_explain(flow, s) or "").startswith(WIDE["own"].split("{")[0])
                  for s in shown)
        # (short: the title names the layers; a caption read for 9 s held the beat for 10 over a
        # line that barely moved)
        end = "; the view ends in h₁ and h₂" if own else ""
        what = SHAPES.get(shape)
        if what is None:  # (neither on screen: the share one direction keeps, measured)
            tries = [f"one direction keeps {percent(share, 0)} of the points' spread on screen{end}",
                     f"one direction keeps {percent(share, 0)} of the points' spread on screen"]
        else:
            tries = [f"every step keeps the points on {what}{end}",
                     f"every step keeps the points on {what}"]
        for detail in tries:
            if self.caption(title, detail).height <= self.layout.caption.height:
                break
        seconds = {s.index: max(_even_profile(view, s.index)[1] / CALM, 0.2) * pace
                   for s in plays}
        need = self.reading_time(title, detail) if read else 0.0
        total = sum(seconds.values())
        scale = need / total if total < need else 1.0

        def play(stage):
            spin = ORBIT * seconds[stage.index] * scale if view.elev else 0.0
            D, _ = _even_profile(view, stage.index)  # (at an even pace on screen, no easing)
            ts = np.linspace(0.0, 1.0, len(D))
            return StagePlay(view, stage.index, spin=spin,
                             rate_func=lambda a: float(np.interp(linear(a), D, ts)),
                             run_time=seconds[stage.index] * scale)

        anims = [play(stage) for stage in plays]
        # the caption comes with the first stage's motion (the beat starts at that play)
        caption = self.swap_with(caption, title, detail, [anims[0]], anims[0].run_time,
                                 kind="stage")
        for anim in anims[1:]:
            self.play(anim)
        self._on_line = True
        return caption

    def line_news(self, view, stage) -> bool:
        """Whether a wide input's points end ``stage`` almost on one line (one direction holds
        :data:`LINE_SHARE` of their spread in the layer's own space, seen in full) and did not
        before: remembered for :meth:`line_run`."""
        if view.flow.input_dim <= 3:
            return False
        was = getattr(self, "_on_line", False)
        self._on_line = line_share(view.points_trace.full(stage.index, 1.0)) >= LINE_SHARE
        return self._on_line and not was

    def line_words(self, view, stage, words: str, title: str) -> str:
        """``words`` and that the points end ``stage`` almost on one line, with the least share
        of their spread on one direction on screen over the stage's end (as long as the caption
        has room for it)."""
        shape, share = screen_shape(view, [(stage.index, 1.0, 1.0)])
        said = shape_words(shape, share)
        if said is None:
            return words
        for detail in (f"{words}; {said}", f"{words}; {shape_words(shape, share, short=True)}"):
            if self.caption(title, detail).height <= self.layout.caption.height:
                return detail
        return detail

    def line_moment(self, view, s: int, rate) -> float:
        """The share of a play of stage ``s`` under ``rate`` (``alpha → t``) from which its points
        on screen are on one line (:data:`SCREEN_LINE`) in every frame to its end: where the words
        that say so come (breast cancer's "almost one line" came with its W·x beat, 5 s before the
        picture showed a line).  1 when the line shows only at the end, or not at all."""
        alphas = np.linspace(0.0, 1.0, 65)
        ok = [thin_share(view.to_scene(view.points_trace.at(s, rate(a)), s, rate(a))[:, :2])
              >= SCREEN_LINE for a in alphas]
        k = len(ok)
        while k > 0 and ok[k - 1]:
            k -= 1
        return float(alphas[k]) if k < len(ok) else 1.0

    def play_into_line(self, view, caption, stage, bias, title: str, explain: str,
                       seconds: float, shift: float, read: bool):
        """A wide input's ``W·x`` (``stage``, with its merged ``bias``) that leaves the points on
        one line: its own words while the points move towards the line, and from the moment the
        picture shows it (:meth:`line_moment`) the same words and what the points are on screen
        over the rest of the motion, measured there (:func:`screen_shape`: breast cancer's
        "almost one line" came with its W·x, 5 s before the picture showed one).  Returns the
        caption."""
        from nnanim.draw.mobjects import StagePlay

        rate = even_rate(view, stage.index, seconds)
        c = self.line_moment(view, stage.index, rate)
        if c * seconds < 0.3:  # (a line almost at once: its words from the start)
            c = 0.0
        if c > 0.0:
            caption = self.swap_with(caption, title, explain, [StagePlay(
                view, stage.index, rate_func=lambda a: rate(a * c), run_time=seconds * c)],
                seconds * c)
        lead, spans = [], []
        if c < 1.0:
            lead.append((stage.index, lambda a: rate(c + a * (1.0 - c)), seconds * (1.0 - c)))
            spans.append((stage.index, rate(c), 1.0))
        if bias is not None:
            lead.append((bias.index, even_rate(view, bias.index, shift), shift))
            spans.append((bias.index, 0.0, 1.0))
        shape, share = screen_shape(view, spans or [(stage.index, 1.0, 1.0)])
        said = shape_words(shape, share)
        if said is None:  # (nothing true to add: the rest plays on under the stage's words)
            if c == 0.0:
                caption = self.swap_caption(caption, title, explain, kind="stage")
            for s, rate_, t in lead:
                self.play(StagePlay(view, s, rate_func=rate_, run_time=t))
            return caption
        words = f"{explain}; {said}"
        if self.caption(title, words).height > self.layout.caption.height:
            said = shape_words(shape, share, short=True)
            words = f"{explain}; {said}"
        self.__dict__.setdefault("_read_texts", set()).add(words)  # (only its new words to read)
        need = count_words(said) / READ_RATE if read else 0.0
        if not lead:  # (the line only at the motion's end: said once it is there)
            caption = self.swap_caption(caption, title, words,
                                        kind="caption" if c > 0.0 else "stage")
            self.wait(min(max(need - 0.3, 0.5), HOLD))
            return caption
        total = sum(t for _, _, t in lead)  # (the rest of the stage's words are read in it too)
        scale = (total + need) / total if total > 0 else 1.0
        first, *others = lead
        caption = self.swap_with(caption, title, words, [StagePlay(
            view, first[0], rate_func=first[1], run_time=first[2] * scale)], first[2] * scale,
            kind="caption" if c > 0.0 else "stage")
        for s, rate_, t in others:
            self.play(StagePlay(view, s, rate_func=rate_, run_time=t * scale))
        return caption

    def stage_explain(self, flow, stage) -> str | None:
        """The words of a stage's beat (:func:`stage_words`); a scene may add to them."""
        return stage_words(flow, stage)

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
        """An image dataset (digits): one of its own images per class, framed, in its class's
        colour, as a key in the bands beside the data (:meth:`tile_layout`; none for other
        data)."""
        from manim.utils.color import ManimColor

        from nnanim.draw.landmarks import ImageLandmarks

        indices, images = run.landmark_images()
        if not len(indices):
            return []
        classes = run.y[indices].astype(int)
        colours = self.theme.class_rgb(max(run.n_classes, 2))[classes]
        background = ManimColor(self.theme.background).to_rgb()
        tiles = getattr(self, "_tiles", None)
        if tiles is None:
            tiles = self._tiles = self.tile_layout(run.n_classes)
        side, slots, _ = tiles
        marks = ImageLandmarks(view, indices, images, colours, background, size=side,
                               clip=self.layout.picture_clip, slots=slots[classes])
        view.followers.append(marks)
        view.submobjects.insert(view.submobjects.index(view.cloud) + 1, marks)
        return [marks]

    @staticmethod
    def wide_input_words(run, k: int) -> str:
        """An input wider than three, in words: its fixed principal axes and what they keep."""
        kept = sum(share for _, share in run.input_axes(k))
        return (f"{run.X.shape[1]} inputs, seen along their {k} principal axes {axes_names(k)}: "
                f"{percent(kept, 0)} of the spread")

    @staticmethod
    def wide_axes_words(run, k: int, most: int = AXIS_WORDS) -> str:
        """What each principal axis of a wide input is made of, in words: the features it grows
        (or falls) with most (``u₂ grows most with sepal width``; see :func:`axis_words`)."""
        from nnanim.core.projection import axis_words, principal_axes

        B = principal_axes(run.X, k)
        return "; ".join(axis_words(b, run.feature_names, symbol("u", i + 1), most=most)
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
                line.clip_box = self.plot_clip()  # never across the text or the tiles' key
                out.append(line)
        return out

    @staticmethod
    def around_axes(view, lines: list) -> list:
        """``lines`` (straight :class:`Line` s) cut where they would cross the view's axis names,
        arrows, scale bar or its label (with a margin), or an image of the key beside the data:
        a boundary never runs through a name or a picture."""
        from manim import Line

        boxes = axes_boxes(view)
        for marks in view.followers:  # (an image dataset's key: its tiles' boxes)
            if getattr(marks, "slots", None) is not None:
                for tile in marks.tiles:
                    lo, hi = np.min(tile.points, axis=0), np.max(tile.points, axis=0)
                    boxes.append((lo[0] - 0.06, lo[1] - 0.06, hi[0] + 0.06, hi[1] + 0.06))
        if not boxes:
            return lines
        out = []
        for line in lines:
            a, b = np.array(line.get_start()), np.array(line.get_end())
            for p, q in segments_outside(a, b, boxes):
                part = Line(p, q, color=line.get_color(), stroke_width=line.get_stroke_width())
                part.clip_box = line.clip_box
                out.append(part)
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
            line.clip_box = self.plot_clip()
            out.append(line)
        return out

    def plot_clip(self) -> tuple:
        """``(x0, y0, x1, y1)``: where the output's regions and lines are drawn: the picture, or
        an image dataset's inner box, between its tiles' bands (:meth:`tile_layout`).  Shaded
        over the whole picture, each digit's tile of the key sat on another class's region (the
        1 on the 8s')."""
        tiles = getattr(self, "_tiles", None)
        return self.layout.picture_clip if tiles is None else tuple(float(v) for v in tiles[2])

    def add_output_shading(self, view) -> list:
        """Put the output shading behind the picture (clipped to it): the fade-in to play, if any."""
        from nnanim.draw.mobjects import OpacityFade

        shading = self.output_shading(view)
        if shading is None:
            return []
        shading.clip_box = self.plot_clip()
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

        box = shaded_box(view, self.plot_clip())
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


class OutputRoom:
    """A view's framing (its ``frame_trace``) with more room around the points at the output:
    over the last hidden stage (an activation: its points move anyway) the box grows smoothly
    by :data:`OUTPUT_ROOM`, and stays so over the output stage.

    A wide input is framed on its points alone, and tanh's last layer leaves classes at the
    edges of its square: iris's points lay along the picture's top edge in the output, where
    the picture is about the regions and their lines between the points.
    """

    def __init__(self, trace, stage: int, room: float, base: float = 0.0,
                 start: float = 0.0) -> None:
        self.trace, self.stage, self.room, self.base = trace, int(stage), float(room), float(base)
        self.start = float(start)  # more room at the input, given back over the first stage

    @classmethod
    def around(cls, trace, flow):
        """``trace`` wrapped: :data:`STAGE_ROOM` around the points in every stage, growing to
        :data:`OUTPUT_ROOM` over the last hidden stage when it is an activation."""
        last = len(flow.stages) - 2
        if last < 0 or flow.stages[last].kind != "activation":
            return cls(trace, len(flow.stages), STAGE_ROOM, STAGE_ROOM)
        return cls(trace, last, OUTPUT_ROOM, STAGE_ROOM)

    def grow(self, s: int, t: float) -> float:
        first = 1.0 + self.start * (1.0 - smoothstep(t)) if s == 0 and self.start else 1.0
        if s < self.stage:
            return (1.0 + self.base) * first
        t = 1.0 if s > self.stage else min(max(float(t), 0.0), 1.0)
        return (1.0 + self.base + (self.room - self.base) * smoothstep(t)) * first

    def framing_box(self, s: int, t: float):
        centre, halves = self.trace.framing_box(s, t)
        return centre, np.asarray(halves, dtype=float) * self.grow(s, t)

    def framing(self, s: int, t: float):
        centre, halves = self.framing_box(s, t)
        return centre, float(np.max(halves))

    def framing_support(self, s: int, t: float):
        directions, centres, halves = self.trace.framing_support(s, t)
        return directions, centres, np.asarray(halves, dtype=float) * self.grow(s, t)

    def __getattr__(self, name):  # the rest is the wrapped trace's
        return getattr(self.trace, name)


def screen_speed(view, s: int, samples: int = 64) -> float:
    """The fastest the points move on screen during stage ``s``, per unit of the stage's ``t``:
    the 90th percentile over the points of their move between two samples, as a share of the
    picture's short side (camera moves included: what a viewer sees move)."""
    short = min(view.view_width, view.view_height)
    trace = view.points_trace
    P = [view.to_scene(trace.at(s, t), s, t)[:, :2] for t in np.linspace(0.0, 1.0, samples + 1)]
    return max(float(np.percentile(np.linalg.norm(b - a, axis=1), 90))
               for a, b in zip(P[:-1], P[1:])) * samples / short


def calm_seconds(view, s: int) -> float:
    """The least seconds stage ``s`` may take so that, played with Manim's ``smooth`` (its
    steepest slope, about 2 at the middle), its points move at most :data:`CALM` picture short
    sides a second (a wide space seen along turning principal axes swung a ten-digit cloud
    round in a quarter of a second)."""
    from manim import smooth

    a = np.linspace(0.0, 1.0, 401)
    steepest = float(np.max(np.diff([smooth(x) for x in a]))) * 400
    return screen_speed(view, s) * steepest / CALM


def screen_moves(view, s: int, samples: int = 64) -> np.ndarray:
    """``(samples,)``: how far the points move on screen in each of ``samples`` equal steps of
    stage ``s``'s ``t`` (the 90th percentile over the points, as a share of the picture's short
    side; camera moves included)."""
    short = min(view.view_width, view.view_height)
    trace = view.points_trace
    P = [view.to_scene(trace.at(s, t), s, t)[:, :2] for t in np.linspace(0.0, 1.0, samples + 1)]
    return np.array([float(np.percentile(np.linalg.norm(b - a, axis=1), 90))
                     for a, b in zip(P[:-1], P[1:])]) / short


#: the share of a stage's mean on-screen motion that even_rate gives every step of its t anyway
#: (a part of a stage that moves nothing still passes, quickly)
EVEN_FLOOR = 0.15


def _even_profile(view, s: int, samples: int = 64) -> tuple[np.ndarray, float]:
    """``(D, total)``: the cumulative share of stage ``s``'s on-screen motion (floored by
    :data:`EVEN_FLOOR`) at ``samples + 1`` equal steps of its ``t``, and that motion's total
    (picture short sides)."""
    cache = view.__dict__.setdefault("_even_profiles", {})
    if s not in cache:
        m = screen_moves(view, s, samples)
        m = m + EVEN_FLOOR * float(np.mean(m)) + 1e-12
        D = np.concatenate([[0.0], np.cumsum(m)])
        cache[s] = (D / D[-1], float(D[-1]))
    return cache[s]


#: a wide input's W·x (+ b) that moves its points less than this on screen in all (picture short
#: sides; see screen_moves) shows almost nothing: its beat says only that, in SMALL_WORDS
SMALL_MOTION = 0.12
SMALL_WORDS = "the points barely move here"

#: seconds an even-paced stage takes to reach its speed, and to stop
EASE = 0.5


def eased(alpha: float, r: float) -> float:
    """A rate function of constant speed between a speeding up over the first ``r`` of the play
    and a slowing down over its last ``r`` (``r`` at most 0.5; its steepest slope ``1/(1−r)``):
    Manim's smooth spent a long play's first and last seconds barely moving."""
    a, r = min(max(float(alpha), 0.0), 1.0), min(max(float(r), 1e-9), 0.5)
    v = 1.0 / (1.0 - r)
    if a < r:
        return v * a * a / (2.0 * r)
    if a > 1.0 - r:
        return 1.0 - v * (1.0 - a) ** 2 / (2.0 * r)
    return v * (a - r / 2.0)


def eased_over(seconds: float):
    """A rate function for a motion of ``seconds`` that speeds up over :data:`EASE` s at most,
    keeps its speed, and slows down so (:func:`eased`): under way as its caption comes."""
    r = min(0.5, EASE / max(float(seconds), 1e-9))
    return lambda alpha: eased(alpha, r)


def even_rate(view, s: int, seconds: float):
    """A rate function for stage ``s`` played over ``seconds`` (``alpha → t``) under which its
    points move on screen at an even pace, speeding up and slowing down over :data:`EASE` s
    (:func:`eased`): a stage whose motion is in one part of its ``t`` (a view swinging to new
    axes, then a small shift) spreads it over the whole play instead of leaving the rest of the
    beat almost still."""
    D, _ = _even_profile(view, s)
    ts = np.linspace(0.0, 1.0, len(D))
    r = min(0.5, EASE / max(float(seconds), 1e-9))
    return lambda alpha: float(np.interp(eased(alpha, r), D, ts))


def even_seconds(view, s: int) -> float:
    """The least seconds stage ``s`` may take under :func:`even_rate` so that its points move at
    most :data:`CALM` picture short sides a second: its whole on-screen motion at CALM, and the
    time to speed up and slow down (:func:`eased`'s slope ``1/(1−r)``, ``r = EASE/seconds``)."""
    return _even_profile(view, s)[1] / CALM + EASE


def line_share(H: np.ndarray) -> float:
    """The share of the points' spread (their variance about their mean) along their first
    principal direction: 1 for points on one straight line."""
    H = np.asarray(H, dtype=float)
    if len(H) < 2:
        return 1.0
    sv = np.linalg.svd(H - H.mean(axis=0), compute_uv=False)
    total = float(np.sum(sv ** 2))
    return float(sv[0] ** 2 / total) if total > 0 else 1.0


#: the share of the displayed points' spread that their first principal direction on screen
#: holds in every frame of a caption that says they are on one line, the points farthest from
#: their median left out (see thin_share; measured, never assumed from the layer's own space:
#: the caption came 5 s before the picture showed a line)
SCREEN_LINE = 0.995
#: the share of the points that thin_share keeps: the nearest to their median (a few far points
#: along a line made a thick cloud's spread 99 % one direction)
THIN_KEEP = 0.9
#: a line on screen bent by more than this many point diameters either side of its chord is a
#: curve (see bend); one bent by less than ALMOST_STRAIGHT of its length is almost straight
BENT, ALMOST_STRAIGHT = 1.0, 0.05
#: frames sampled per stage where a caption's shape words are measured
SHAPE_SAMPLES = 17


def curve_share(P: np.ndarray, degree: int = 3) -> float:
    """The share of the points' spread (``P`` ``(N, 2)``) that one smooth curve holds: their
    second principal coordinate fitted as a polynomial of ``degree`` in their first, less the
    fit's residual (1 for points on one curve, as :func:`line_share` is for one line)."""
    P = np.asarray(P, dtype=float)
    P = P - P.mean(axis=0)
    total = float(np.sum(P ** 2))
    if len(P) <= degree + 1 or total <= 0:
        return 1.0
    _, _, vt = np.linalg.svd(P, full_matrices=False)
    a, b = P @ vt[0], P @ vt[1]
    A = np.vander(a / (np.abs(a).max() or 1.0), degree + 1)
    residual = b - A @ np.linalg.lstsq(A, b, rcond=None)[0]
    return 1.0 - float(np.sum(residual ** 2)) / total


def thin_share(P: np.ndarray, share=line_share) -> float:
    """``share`` (:func:`line_share`, :func:`curve_share`) of the :data:`THIN_KEEP` of the points
    ``P`` nearest to their median: how thin the body of the cloud is, as a viewer sees it."""
    P = np.asarray(P, dtype=float)
    d = np.linalg.norm(P - np.median(P, axis=0), axis=1)
    return share(P[d <= np.quantile(d, THIN_KEEP)]) if len(P) > 10 else share(P)


def bend(P: np.ndarray, degree: int = 3) -> tuple[float, float]:
    """``(bend, length)`` of points ``P`` ``(N, 2)`` on screen: how far the smooth curve through
    them (their second principal coordinate as a polynomial of ``degree`` in their first) strays
    either side of its own chord, end to end (scene units), and the length of that chord, over
    the middle 96 % of the points along it."""
    P = np.asarray(P, dtype=float)
    P = P - P.mean(axis=0)
    if len(P) <= degree + 1:
        return 0.0, 0.0
    _, _, vt = np.linalg.svd(P, full_matrices=False)
    a, b = P @ vt[0], P @ vt[1]
    lo, hi = np.quantile(a, [0.02, 0.98])
    if hi - lo <= 0:
        return 0.0, 0.0
    scale = float(np.abs(a).max())
    c = np.linalg.lstsq(np.vander(a / scale, degree + 1), b, rcond=None)[0]
    g = np.linspace(lo, hi, 64)
    f = np.vander(g / scale, degree + 1) @ c
    f = f - np.polyval(np.polyfit(g, f, 1), g)
    return float(np.ptp(f)), float(hi - lo)


def screen_shape(view, spans) -> tuple[str | None, float]:
    """What the displayed points are over ``spans`` (``(stage, t0, t1)``: the frames a caption is
    on screen), measured on screen in :data:`SHAPE_SAMPLES` frames of each: ``("line", least
    share)`` when the body of the cloud is that thin along one direction in every one
    (:func:`thin_share` at least :data:`SCREEN_LINE`) and no frame bends it visibly
    (:func:`bend`: by more than :data:`BENT` point diameters: breast cancer's line after a tanh
    was an S, said to be a line); ``("curve", least share)`` when it is that thin along one smooth
    curve, ``("bent", least share)`` when that curve is almost straight (bent by less than
    :data:`ALMOST_STRAIGHT` of its length), else ``(None, least share)``.  The share stated is
    the least over the frames of all the points' spread along their first principal direction
    (for a curve: the spread the curve holds)."""
    thin, curved, lines, bent, bends = [], [], [], [], []
    visible = BENT * 2.0 * float(view.cloud.radius)
    for s, t0, t1 in spans:
        for t in np.linspace(t0, t1, SHAPE_SAMPLES):
            P = view.to_scene(view.points_trace.at(s, t), s, t)[:, :2]
            thin.append(thin_share(P))
            curved.append(thin_share(P, curve_share))
            lines.append(line_share(P))
            bent.append(curve_share(P))
            bends.append(bend(P))
    if not lines:
        return None, 0.0
    straight = all(d <= visible for d, _ in bends)
    if min(thin) >= SCREEN_LINE and straight:
        return "line", min(lines)
    if min(curved) >= SCREEN_LINE:
        nearly = all(d <= ALMOST_STRAIGHT * length for d, length in bends)
        return ("bent" if nearly else "curve"), min(bent)
    return None, min(lines)


def held_share(share: float) -> str:
    """A least share in words, never rounded up past what every frame shows: ``over 99.9%``
    above 0.999, else its tenths of a percent rounded down."""
    return "over 99.9%" if share > 0.999 else percent(np.floor(share * 1000) / 1000, 1)


#: what screen_shape measured, in words
SHAPES = {"line": "one line", "bent": "one nearly straight curve", "curve": "one thin curve"}


def shape_words(shape: str | None, share: float, short: bool = False) -> str | None:
    """What :func:`screen_shape` measured, in words true of every frame it sampled (``None``
    for points on neither one line nor one curve); ``short``: without the share."""
    if shape is None:
        return None
    what = SHAPES[shape] if shape != "line" else "almost one line"
    return what if short else f"{what} ({held_share(share)} of the spread on screen)"


def words_and_numbers(detail: str) -> tuple[str, str]:
    """``detail`` cut before its first clause (after ``": "`` or ``"; "``) with a number in it: the
    words said as a motion starts, and the numbers said once it has ended (a score, a count of
    rings, a share of the spread describe the picture where the points arrive, and came while
    they were still on their way).  ``(detail, "")`` when it states no number after a clause."""
    at = 0
    while True:
        cut = min((i for i in (detail.find(": ", at), detail.find("; ", at)) if i >= 0),
                  default=-1)
        if cut < 0:
            return detail, ""
        if any(c in "0123456789" for c in detail[cut:]):
            return detail[:cut], detail[cut:]
        at = cut + 2


def neighbour_share(P, labels, k: int | None = None) -> float:
    """The share of points whose ``k`` (:data:`NEIGHBOURS`) nearest other points in ``P``
    (``(N, d)``) mostly share their label: each point's class by a vote of its neighbours (a tie
    to the smallest label), right or wrong.  What a 2-D view keeps of the classes."""
    k = NEIGHBOURS if k is None else k
    P = np.asarray(P, dtype=float)
    y = np.asarray(labels).astype(int)
    D = np.sum((P[:, None, :] - P[None, :, :]) ** 2, axis=2)
    np.fill_diagonal(D, np.inf)
    near = np.argpartition(D, k, axis=1)[:, :k]
    votes = np.zeros((len(y), int(y.max()) + 1))
    np.add.at(votes, (np.repeat(np.arange(len(y)), k), y[near].ravel()), 1)
    return float(np.mean(np.argmax(votes, axis=1) == y))


def tile_side(clip, K: int, many: float | None = None) -> float:
    """The side of each of ``K`` classes' tiles in ``clip = (x0, y0, x1, y1)``: a few classes'
    (at most :data:`KEY_FEW`, one key on one side) :data:`KEY_SHARE` of its short side, so an
    8×8 digit reads at 480p; more classes' ``many`` (default :data:`TILE_SHARE` of the height)."""
    x0, y0, x1, y1 = (float(v) for v in clip)
    if K <= KEY_FEW:
        return KEY_SHARE * min(x1 - x0, y1 - y0)
    return TILE_SHARE * (y1 - y0) if many is None else float(many)


def tile_slots(clip, K: int, side: float, gap: float) -> tuple[np.ndarray, tuple]:
    """``(slots (K, 2), inner box)``: the centres of ``K`` square tiles of ``side`` beside
    ``clip = (x0, y0, x1, y1)``'s data, ``gap`` apart and from the edges, and the box left for
    the data.  A key in class order, placed by no cluster.  At most :data:`KEY_FEW` tiles: one
    column along the right edge of a clip wider than tall (read top to bottom), else one row
    along its bottom (left to right), side by side, centred.  More: bands along two opposite
    sides (left and right when wider than tall, else top and bottom), the first half of the
    classes in the left (top) band, the rest in the right (bottom) one, each band read top to
    bottom (left to right).  (Placed on the side of each class's class-vertex corner, ten
    digits' tiles sat beside other digits' clusters: the 3 beside the 8s.)  A band takes as
    many columns (rows) as its tiles need to fit its length, spread over that length."""
    x0, y0, x1, y1 = (float(v) for v in clip)
    across = 0 if x1 - x0 >= y1 - y0 else 1  # the bands' normal: x (left/right) or y (top/bottom)
    along = 1 - across
    length = (y1 - y0) if across == 0 else (x1 - x0)
    step = side + gap
    slots = np.zeros((K, 2))
    if K <= KEY_FEW and K * step + gap <= length:  # one key: a column right, or a row below
        apart = min(side + 3 * gap, (length - 2 * gap - side) / max(K - 1, 1))
        mid = ((y0 + y1) if across == 0 else (x0 + x1)) / 2
        pos = mid + (np.arange(K) - (K - 1) / 2) * apart
        if across == 0:
            slots[:, 0], slots[:, 1] = x1 - gap - side / 2, pos[::-1]  # top to bottom
            return slots, (x0, y0, x1 - side - 2 * gap, y1)
        slots[:, 0], slots[:, 1] = pos, y0 + gap + side / 2  # left to right
        return slots, (x0, y0 + side + 2 * gap, x1, y1)
    order = list(range(K))
    # band 0 at the far edge of the code below: right (top); the key's first half goes left (top)
    first, second = order[: (K + 1) // 2], order[(K + 1) // 2:]
    bands = [second, first] if across == 0 else [first, second]
    per = max(1, int((length - gap) // step))  # tiles a column (row) holds
    lines = max(1, -(-len(first) // per))  # columns (rows) a band needs
    depth = lines * step + gap
    lo_edge = (x0, y0)[across]
    hi_edge = (x1, y1)[across]
    start = (x0, y0)[along]
    for b, members in enumerate(bands):
        if not members:
            continue
        n_rows = -(-len(members) // lines)
        spread = (length - 2 * gap - side) / max(n_rows - 1, 1)
        for i, k in enumerate(members):
            row, col = divmod(i, lines)
            pos = (start + gap + side / 2 + row * spread) if n_rows > 1 else start + length / 2
            if across == 0:  # rows top to bottom
                pos = y0 + y1 - pos
            # columns from the outer edge inwards
            off = gap + side / 2 + col * step
            depth_at = hi_edge - off if b == 0 else lo_edge + off
            slots[k, across] = depth_at
            slots[k, along] = pos
    if across == 0:
        inner = (x0 + depth, y0, x1 - depth, y1)
    else:
        inner = (x0, y0 + depth, x1, y1 - depth)
    return slots, inner


def digit_colours(theme, run):
    """``theme`` with each class coloured by its digit, for image data whose classes are digits:
    the palette's colour of digit ``d`` is its own in every video (the 1 of three digits was
    blue, of ten orange); ``theme`` unchanged for other data."""
    from dataclasses import replace

    params = run.meta.get("dataset", {}).get("params", {})
    names = run.class_names
    if not params.get("image_shape") or not names or not all(n.isdigit() for n in names):
        return theme
    return replace(theme, classes=tuple(theme.classes[int(n) % len(theme.classes)] for n in names))


def named_pair(run) -> tuple[str, str] | None:
    """The names of a two-class dataset's classes when it has names of its own (breast cancer's
    ``malignant`` and ``benign``), else ``None`` (``0`` and ``1`` name nothing)."""
    if run.task != "binary" or run.n_classes != 2:
        return None
    names = run.class_names
    if len(names) != 2 or any(n.strip().lstrip("-").isdigit() for n in names):
        return None
    return names[0], names[1]


def score_words(accuracy: float, n: int) -> str:
    """A classifier's score in words, saying what it is measured on (the network trains on
    every point shown: there is no held-out part)."""
    return f"{accuracy:.1%} right ({round(accuracy * n)}/{n} training points)"


def screen_shift(view, s: int) -> float:
    """How far stage ``s`` moves the points on screen, from its start to its end: the median
    over the points, as a share of the picture's short side (camera moves included: what a
    viewer sees move)."""
    trace = view.points_trace
    start = view.to_scene(trace.at(s, 0.0), s, 0.0)
    end = view.to_scene(trace.at(s, 1.0), s, 1.0)
    moved = np.linalg.norm((end - start)[:, :2], axis=1)
    return float(np.median(moved)) / min(view.view_width, view.view_height)


def from_junctions(lines: list) -> list:
    """``lines`` (straight :class:`Line` s), each turned to start at its end nearest another
    line's ends (where the class regions' lines meet: drawn from there, a line grows out of the
    junction instead of leaving a gap by it until it arrives)."""
    ends = [(np.array(line.get_start()), np.array(line.get_end())) for line in lines]
    for k, (line, (a, b)) in enumerate(zip(lines, ends, strict=True)):
        others = [p for j, pair in enumerate(ends) if j != k for p in pair]
        if not others:
            continue
        near = [min(float(np.linalg.norm(p - q)) for q in others) for p in (a, b)]
        if near[1] < near[0]:
            line.put_start_and_end_on(b, a)
    return lines


def axes_boxes(view, pad: float = 0.1, bar: bool = False) -> list[tuple[float, float, float, float]]:
    """``(x0, y0, x1, y1)`` scene boxes, grown by ``pad``, of what the view's axes show once
    settled (:meth:`~nnanim.draw.mobjects.SpaceAxes.settled`): each visible name, the compass's
    arrows, the scale bar and its label (none without axes).  With ``bar`` the bar's and its
    label's boxes reach as far from their corner as the bar may (its length keeps the one shown
    before while it is 10–30 % of the axes' box: :func:`~nnanim.core.camera.scale_length`):
    what the bar covers however this stage is come to."""
    axes = view.axes
    if axes is None:
        return []
    boxes = []
    with axes.settled():  # where a glide to new corners takes them, not where they leave
        parts = [m for m in [*axes.names, axes.bar_label] if m is not None
                 and m.get_fill_opacity() > 0] + [axes.arrows, axes.bar]
        for m in parts:
            pts = np.asarray(m.get_all_points() if hasattr(m, "get_all_points") else m.points)
            if len(pts):
                lo, hi = pts.min(axis=0), pts.max(axis=0)
                if bar and (m is axes.bar or m is axes.bar_label):  # (from its corner's side)
                    reach = 0.3 * (axes.box[2] - axes.box[0])
                    if lo[0] + hi[0] > axes.box[0] + axes.box[2]:
                        lo[0] = min(lo[0], max(hi[0] - reach, axes.box[0]))
                    else:
                        hi[0] = max(hi[0], min(lo[0] + reach, axes.box[2]))
                boxes.append((lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad))
    return boxes


def gap_to(a, b) -> float:
    """The distance between two boxes ``(x0, y0, x1, y1)`` (0 where they meet)."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return float(np.hypot(dx, dy))


def segments_outside(a, b, boxes) -> list[tuple[np.ndarray, np.ndarray]]:
    """The parts of the segment ``a → b`` (scene points) outside every box ``(x0, y0, x1, y1)``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = b - a
    inside = []
    for x0, y0, x1, y1 in boxes:  # the parameter interval inside the box (Liang–Barsky)
        lo, hi = 0.0, 1.0
        for p0, dp, m0, m1 in ((a[0], d[0], x0, x1), (a[1], d[1], y0, y1)):
            if abs(dp) < 1e-12:
                if not m0 <= p0 <= m1:
                    lo, hi = 1.0, 0.0
                continue
            t0, t1 = sorted(((m0 - p0) / dp, (m1 - p0) / dp))
            lo, hi = max(lo, t0), min(hi, t1)
        if lo < hi:
            inside.append((lo, hi))
    kept, at = [], 0.0
    for lo, hi in sorted(inside):
        if lo > at:
            kept.append((at, lo))
        at = max(at, hi)
    if at < 1.0:
        kept.append((at, 1.0))
    length = float(np.linalg.norm(d))
    return [(a + t0 * d, a + t1 * d) for t0, t1 in kept if (t1 - t0) * length > 0.05]


def axis_label(b, names, letter: str) -> str:
    """A principal axis named short, by its largest loading: ``"u₂ · sepal width 0.92"``.  No
    ellipsis for the other features (it read as text cut off): the caption names them."""
    b = np.asarray(b, dtype=float)
    j = int(np.argmax(np.abs(b)))
    return f"{letter} · {str(names[j])} {number(float(b[j]), 2)}"


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
        return WIDE["squash"].format(m=m, n=n, l=layer + 1, drop=n - m)
    if stage.kind == "linear":
        if stage.layer == 0 and flow.input_dim == 1:
            return LINE_INTO_PLANE
        squashed = before is not None and before.kind == "squash" and before.layer == layer
        if squashed and not wide(m, k) and wide(n, k):
            return WIDE["own"].format(l=layer + 1)
        if wide(m, k) or (wide(n, k) and not squashed):
            # the layer's own widths, n → m, also after a squash: the squash only showed which m
            # of the n directions W reads (its "from 4-D to 4-D" after 30 → 4 read as a 4-D input)
            return WIDE["linear"].format(m=m, n=n, k=k, names=axes_names(k))
    return EXPLAIN[stage.kind].format(act=act)


def merged_words(words: str) -> str:
    """The words of a ``W·x`` beat that also plays its layer's ``+ b`` (:meth:`play_stages`'s
    merge): the plane's "x → A(t)·x" becomes :data:`MERGED_LINEAR`, a line's "x → x·w"
    "x → x·w + b", any other map's "W·x" "W·x + b" (a wide space's), so that the title's
    terms are all in its words."""
    if words == EXPLAIN["linear"]:
        return MERGED_LINEAR
    if words == LINE_INTO_PLANE:  # (a 1-D input's first layer)
        return words.replace("x → x·w", "x → x·w + b", 1)
    return words.replace("W·x + b", "W·x").replace("W·x", "W·x + b", 1)


def corners_toward(points, labels, K: int, tidy_error: float = np.radians(40)) -> np.ndarray:
    """``(K, 2)``: the corners of a regular ``K``-gon on the unit circle, one per class, each in
    the direction of its class's points (``points`` ``(N, 2)`` on screen, ``labels`` their
    classes) about the middle of the classes' means.

    The polygon is turned (and mirrored) and its corners given to the classes by the best
    assignment of angles (the least worst angle between a class's mean and its corner, then the
    least squared angles).  An upright polygon (a corner at the top, or a flat top) is kept when
    its worst class is within ``tidy_error``; otherwise the best of every turn, 1° apart."""
    from scipy.optimize import linear_sum_assignment

    from nnanim.core.projection import class_vertices

    points, labels = np.asarray(points, dtype=float), np.asarray(labels).astype(int)
    base = class_vertices(K)
    means = np.array([points[labels == k].mean(axis=0) if np.any(labels == k) else
                      np.full(2, np.nan) for k in range(K)])
    known = ~np.isnan(means[:, 0])
    rel = means - np.nanmean(means, axis=0)
    want = np.arctan2(rel[:, 1], rel[:, 0])
    if np.sum(known) < 2 or K < 3:
        return base

    def fit(theta):
        c, s = np.cos(theta), np.sin(theta)
        V = base @ np.array([[c, s], [-s, c]])
        at = np.arctan2(V[:, 1], V[:, 0])
        diff = np.abs((want[:, None] - at[None, :] + np.pi) % (2 * np.pi) - np.pi)
        diff[~known] = 0.0
        rows, cols = linear_sum_assignment(diff ** 4)  # (near the least worst angle)
        err = diff[rows, cols]
        order = np.empty(K, dtype=int)
        order[rows] = cols
        return (round(float(np.degrees(err.max()))), float(np.sum(err ** 2))), V[order]

    step = 2 * np.pi / K
    tidy = [fit(a * step / 2) for a in range(2)]
    best = min(tidy, key=lambda f: f[0])
    if np.radians(best[0][0]) > tidy_error:  # the least worst angle of every turn, 1° apart
        best = min([fit(a * step / 120) for a in range(120)], key=lambda f: f[0])
    return best[1]


def label_directions(V: np.ndarray) -> np.ndarray:
    """``(K, 2)`` unit directions from each class corner to its name: away from the centre
    (``V``, the corners on the unit circle), except for a triangle, whose names go straight
    above the top corner and below the bottom ones (beside them, a long species name took the
    picture's width from the triangle: in a tall frame it stayed small)."""
    V = np.asarray(V, dtype=float)
    if len(V) != 3:
        return V
    return np.column_stack([np.zeros(3), np.where(V[:, 1] > 0, 1.0, -1.0)])


def tile_directions(V: np.ndarray, wide: bool) -> np.ndarray:
    """``(K, 2)`` unit directions from each class corner to its image (a square tile): as
    :func:`label_directions`, except in a ``wide`` picture (:data:`WIDE_SHORT`), where a
    triangle's side corners (more than half the radius left or right of its centre) have
    theirs beside them, outward: above and below, two tiles' heights came off the triangle's in
    the 1:1 frame's short picture (0.39 of its height), and its width was half empty."""
    U = label_directions(V).astype(float)
    V = np.asarray(V, dtype=float)
    if len(V) != 3 or not wide:
        return U
    side = np.abs(V[:, 0]) > 0.5
    U[side] = np.column_stack([np.sign(V[side, 0]), np.zeros(int(side.sum()))])
    return U


def _outside(corner, direction, width: float, height: float) -> np.ndarray:
    """The centre of a ``width × height`` box just outside ``corner``, along the unit ``direction``
    (2-D) from it."""
    u = np.zeros(3)
    u[:2] = direction
    gap = 0.14 + 0.5 * abs(u[0]) * width + 0.5 * abs(u[1]) * height
    return np.asarray(corner, dtype=float) + gap * u


def tiles_move(marks, centres, opacity: float | None = None, **kwargs):
    """An animation taking each image of ``marks`` (:class:`ImageLandmarks`) to a centre of its
    own without crossing the picture: it fades out where it is in the first half and fades in
    at its new centre in the second, to ``opacity`` (``None``: the opacity it had).  (Ten digits'
    tiles flying from the key to the corners crossed the cloud of points: a tile over the data
    hides it and reads as clutter.)"""
    from manim import Animation

    class TilesMove(Animation):
        def begin(self) -> None:
            self.start = [np.array(t.get_center(), dtype=float) for t in self.mobject.tiles]
            self.seen = [t.opacity for t in self.mobject.tiles]
            super().begin()

        def interpolate_mobject(self, alpha: float) -> None:
            a = self.rate_func(alpha)
            for tile, s, e, o in zip(self.mobject.tiles, self.start, centres, self.seen, strict=True):
                end = o if opacity is None else opacity
                if a < 0.5:  # leaving where it was
                    tile.move_to(s)
                    tile.opacity = o * (1.0 - 2.0 * a)
                else:  # arriving where it goes
                    tile.move_to(np.asarray(e, dtype=float))
                    tile.opacity = end * (2.0 * a - 1.0)

    return TilesMove(marks, **kwargs)


def cloud_move(cloud, end, followers=(), **kwargs):
    """An animation moving a point cloud from where it is to ``end`` (``(N, 3)`` scene units);
    each ``(part, view)`` of ``followers`` follows it (``part.follow(view)``: rings on points)."""
    from manim import Animation

    class CloudMove(Animation):
        def begin(self) -> None:
            self.start = np.array(self.mobject.points, dtype=float)
            super().begin()

        def interpolate_mobject(self, alpha: float) -> None:
            a = self.rate_func(alpha)
            self.mobject.set_positions((1.0 - a) * self.start + a * end)
            for part, view in followers:
                part.follow(view)

    return CloudMove(cloud, **kwargs)


SCENE = LayersScene
