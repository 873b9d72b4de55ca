"""Replay training: the last hidden layer goes from tangled to linearly separable, epoch by epoch.

Storyboard: the 2-unit layer before the output, with the output layer's line
and probability shading, morphing smoothly from record to record, paced by
how much the picture changes (each second moves the points about as much
as any other; a fifth of the time stays log-spaced, so the long late
stretch where the points only settle into their corners is still seen,
briefly — with log-spacing alone it took the last 40 % of the video; and no epoch is held
longer than :data:`EPOCH_HOLD`, so the counter moves while the picture does); beside it (below
it in a vertical frame) the input plane with the p = 0.5 boundary of the same
epoch, the epoch and the accuracy (recomputed from each record's weights),
and the loss and accuracy curves with a moving marker.

``--duration SECONDS`` sets the video length (default 15-20 s whatever the
number of epochs).  Render with ``nnanim render training``.

Regression data: the points are coloured by target (a colour bar beside the
readouts), the shading is the output ŷ and a few level lines ``ŷ = c`` take
the output line's place; the readout and the curve are R², recomputed from each
record.  The inset is the input plane with ŷ's level curves, or for a 1-D input
the fit ŷ(x) over the target points.
"""


from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import number
from nnanim.layout import Box

INTRO, OUTRO = 1.5, 3.0
SWAP = 0.3  # a caption swap
#: what the large picture is: every caption names it (it has no other label)
LAYER = "last hidden layer"
#: one record interval of the replay at most this long (seconds): the counter states the nearest
#: record, so it moves once an interval; with the pace following the picture's change alone,
#: each of epochs 1-5 (one full-batch step each, the largest swings) held the counter about 1 s
EPOCH_HOLD = 0.5
#: the rewind (at 1.4 s the points crossed epochs 20 → 0 at a fifth of the panel a frame)
REWIND = 2.4  # the poster is the trained network (its caption says at which epoch); then a declared rewind
#: the aside's height in a vertical frame, a share of the frame's width (the picture keeps a square)
PORTRAIT_ASIDE = 0.5
#: the inset's side there at most this share of the aside's width (the curves take the rest)
PORTRAIT_INSET = 0.4
#: the main square's share of the picture region's height in a landscape frame
LANDSCAPE_SQUARE = 0.965
INSET_SIZE = 3.0  # the input inset's side in a column (scene units; 180 px at 480p)
INSET_POINT = 0.032  # the inset's points: dots, not specks
#: the curves' least height in a column (scene units; about 100 px at 480p, 215 px at 1080p)
CHART_HEIGHT = 1.55
#: an inset at least this large (scene units) has its words beside it, under the readouts
SIDE_INSET = 2.2
#: a square frame: the column right of the main picture (inset over its words over the curves;
#: the readouts go in one row under the main picture), and the curves' least box height there
SQUARE_COLUMN = 2.8
SQUARE_CHART = 1.1
#: the main picture's legend under it: the grey curves have no other name
GRID_WORDS = "grey: the input grid, carried through the layers"
ROW = 0.12  # the gap between the main picture and its legend row


#: the main picture's framing: boxes of the points sampled this many times over the replay, each
#: widened to its neighbours' (one each side), and a zoom inward of at most ZOOM_IN (natural log)
#: a second: the timeline's own framing (120 samples widened to 3 each side) kept epoch 0's
#: spread over the first second, the points of epochs 1-2 in under a third of the panel (review 6)
FRAME_SAMPLES, ZOOM_IN = 480, 2.0


def close_framing(timeline, seconds: float, samples: int = FRAME_SAMPLES, rate: float = ZOOM_IN):
    """A framing (``u -> (centre, half)``, as :meth:`EpochTimeline.framing`) that follows the
    hidden points closely over a replay of ``seconds``: every point inside at every moment, the
    window zooming out as fast as they spread, but in at most ``rate`` (natural log) a second (no
    faster than the timeline's own framing zoomed)."""
    import numpy as np

    from nnanim.core.curves import framing_curves
    from nnanim.core.timeline import FRAMING_MARGIN

    us = np.linspace(0.0, 1.0, samples + 1)
    boxes = [timeline.hidden(timeline.moment(u)) for u in us]
    lo = np.array([H.min(axis=0) for H in boxes])
    hi = np.array([H.max(axis=0) for H in boxes])

    def widened(a, extreme):  # each sample's and its neighbours' extreme (the ends repeated)
        padded = np.pad(a, ((1, 1), (0, 0)), mode="edge")
        return extreme(np.lib.stride_tricks.sliding_window_view(padded, 3, axis=0), axis=-1)

    lo, hi = widened(lo, np.min), widened(hi, np.max)
    centre = (lo + hi) / 2
    need = np.log(np.maximum(0.5 * (hi - lo).max(axis=1) * (1.0 + FRAMING_MARGIN), 1e-6))
    t = us * seconds
    half = np.exp(np.max(need[None, :] - rate * np.abs(t[:, None] - t[None, :]), axis=1))[:, None]
    return framing_curves(us, centre - half, centre + half, 0, 0.0)


#: the share of points with every unit of the last hidden layer this close to ±1 (tanh) at which the
#: outro says the layer saturates
SATURATION, SATURATED = 0.9, 0.5


def saturated_share(H, activation) -> float:
    """The share of the rows of ``H`` (a tanh layer's outputs) with every unit within
    ``1 − SATURATION`` of ±1; 0 for any other activation."""
    import numpy as np

    if getattr(activation, "name", activation) != "tanh" or len(H) == 0:
        return 0.0
    return float(np.mean(np.all(np.abs(np.asarray(H)) >= SATURATION, axis=1)))


class TrainingScene(SceneContract):
    defaults = {"dataset": "spirals", "hidden": [16, 16, 2], "activation": "tanh", "epochs": 1500}
    tasks = ("binary", "multiclass", "regression")
    dataset_defaults = True  # a real dataset trains its own network (nnanim.core.data.REAL_NETWORK)
    aside = 0.35
    caption_lines = 2
    has_header = False

    @classmethod
    def check(cls, job):
        require_last_hidden(job, "training", (2,), "shows the last hidden layer as a plane")

    def _layout(self):
        """In a vertical frame the titles are one line (they are short) and the aside takes the
        height the square picture leaves: a larger input plane and curves."""
        layout = super()._layout()
        if layout.shape != "portrait":
            return layout
        from manim import config

        from nnanim.layout import Layout

        return Layout(config.frame_width, config.frame_height, aside=PORTRAIT_ASIDE,
                      caption_lines=self.caption_lines, header=self.has_header,
                      legend=self.has_legend, title_lines=1)

    def construct(self):
        from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Group, VGroup

        from nnanim.core.projection import InputPlane
        from nnanim.core.timeline import EpochTimeline, default_duration
        from nnanim.draw.charts import DigitReadout, LineChart
        from nnanim.draw.replay import (
            FitInset,
            HiddenSpaceView,
            InputInset,
            ReplayTraining,
            even_rate,
            poster_moment,
        )
        from nnanim.draw.scene import Caption

        run, record = self.load_run()
        total = default_duration(int(run.epochs[record]))
        replay = max(total - INTRO - SWAP - REWIND - OUTRO, 2.0)
        timeline = self.timeline = EpochTimeline(run, last=record, pace="change", most=EPOCH_HOLD / replay)
        timeline.framing = close_framing(timeline, replay)  # the main picture's (its only user)
        layout, theme = self.layout, self.theme

        regression = run.task == "regression"
        score = timeline.score_name
        (cx, cy, _), side = layout.picture_square
        box = layout.aside
        if layout.shape == "landscape":  # the square to the right: the spare width goes to the aside
            side *= LANDSCAPE_SQUARE  # a little of it too: a larger inset beside its readouts
            spare = layout.picture.x1 - side / 2 - cx
            cx += spare
            box = Box(box.x0, box.y0, box.x1 + max(0.0, spare - 0.25), box.y1)
        epoch = DigitReadout(6, theme, font_size=26)
        accuracy = DigitReadout(6, theme, font_size=26)
        square = layout.shape == "square"
        stacked = layout.shape == "landscape"  # a column: inset and readouts, the curves under them
        # in a column each readout is its name over its number, beside the inset; in a vertical
        # frame each is one line, right-aligned over the curves; in a square frame name over
        # number, side by side under the main picture
        pair = (DOWN, LEFT, 0.08) if stacked or square else (RIGHT, ORIGIN, 0.25)
        rows = [VGroup(self.label(name, color=theme.muted), digits).arrange(pair[0], aligned_edge=pair[1],
                                                                            buff=pair[2])
                for name, digits in (("epoch", epoch), (score, accuracy))]
        legend = self.target_legend(float(run.y.min()), float(run.y.max())) if regression else None
        if square:
            # the picture and the aside are one area: the main picture at its top left, as large
            # as the column beside it and the readouts' row under it leave; the column holds the
            # inset over its words over the curves (each readable on a phone: the narrow aside
            # held all three at 60 px, 1.0 and 0.6 units)
            readouts = VGroup(*rows).arrange(RIGHT, buff=0.5)
            area = Box(layout.picture.x0, layout.picture.y0, box.x1, layout.picture.y1)
            if regression:  # the target's colour bar beside them, or under them if it is too wide
                readouts = VGroup(readouts, legend).arrange(RIGHT, buff=0.4)
                if readouts.width > area.width - SQUARE_COLUMN - 0.25:
                    readouts.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            side = min(area.width - SQUARE_COLUMN - 0.25, area.height - readouts.height - 0.2)
            cx, cy = area.x0 + side / 2, area.y1 - side / 2
            readouts.next_to([area.x0, area.y1 - side - 0.2, 0], DOWN + RIGHT, buff=0)
            box = Box(area.x0 + side + 0.25, area.y0, area.x1, area.y1)
        # under the main picture, one row: what the grey curves are (left) and its axes (right);
        # the picture gives up that row's height, its top and its side facing the aside kept
        axes = self.axis_names = self.label("h₁ →  h₂ ↑", color=theme.muted)
        grid_words = self.label(GRID_WORDS, color=theme.muted, width=0.6 * side)
        row = max(grid_words.height, axes.height) + ROW
        apart = grid_words.width + 0.3 + axes.width > side - row
        if apart:  # a narrow picture: the words over the whole row, the axes under them (the
            # words may reach past the shrunk picture, into the width it gave up)
            grid_words = self.label(GRID_WORDS, color=theme.muted, width=0.85 * side)
            row = grid_words.height + 0.08 + axes.height + ROW
        if not square:  # (a square frame's picture has no row to spare: left as it was)
            cy += row / 2
            if layout.shape == "landscape":
                cx += row / 2
            side -= row
        main = HiddenSpaceView(timeline, theme, ((cx, cy, 0.0), side))
        self.grid_legend = grid_words if not square else None
        grid_words.next_to([cx - side / 2, cy - side / 2 - ROW / 2, 0], DOWN + RIGHT, buff=0)
        axes.next_to([cx + side / 2, (grid_words.get_bottom()[1] - 0.08 if apart else
                                      cy - side / 2 - ROW / 2), 0], DOWN + LEFT, buff=0)
        if stacked:
            readouts = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        elif not square:
            readouts = VGroup(*rows).arrange(RIGHT, buff=0.4)  # one row where it fits: a larger inset
            if readouts.width > box.width or layout.shape == "portrait":
                readouts.arrange(DOWN, aligned_edge=RIGHT, buff=0.15)
            if regression:  # the target's colour bar
                readouts = VGroup(readouts, legend).arrange(DOWN, aligned_edge=RIGHT, buff=0.15)

        # the aside: readouts, the input plane of the same epoch, the curves
        # not the class colours: these curves are not classes; the score dashed (grey beside
        # white alone read as one colour), each name in the legend after a sample of its line
        series = [(run.loss[: record + 1], theme.foreground, "loss (log)", True),
                  (timeline.scores(), theme.muted, score, False)]
        chart_w = (box.width if stacked or square else
                   box.width - min(box.height - 0.45, PORTRAIT_INSET * box.width) - 0.3)

        def curves(height):
            return LineChart(run.epochs[: record + 1], series, width=chart_w, height=height,
                             theme=theme, font_size=layout.small_size, percent=not regression,
                             name_in_row=stacked, dashed=[False, True])

        one_d = run.X.shape[1] == 1
        Inset = FitInset if one_d else InputInset
        words = ("ŷ(x) over the target, same epoch" if one_d else "input space, same epoch"
                 if run.X.shape[1] <= 2 else
                 f"input: its principal plane ({InputPlane(run.X).share:.0%} of the variance), same epoch")
        if square and run.X.shape[1] <= 2:  # one line in the square frame's column
            words = "ŷ(x), same epoch" if one_d else "input, same epoch"
        label = self.label(words, color=theme.muted, width=box.width)
        extra = curves(0.5).height - 0.5  # the legend over the curves, the epochs and their name under
        if square:  # the column: the inset, its words under it, the curves at the bottom
            size = max(min(box.width, box.height - label.height - 0.1 - 0.3 - extra - SQUARE_CHART), 1.0)
            inset = Inset(timeline, theme, ((box.x0 + size / 2, box.y1 - size / 2, 0), size),
                          point_radius=INSET_POINT)
            label.next_to(inset.border, DOWN, buff=0.1, aligned_edge=LEFT)
            chart = curves(max(label.get_bottom()[1] - 0.3 - box.y0 - extra, 0.5))
            chart.next_to([box.x0, box.y0, 0], UP + RIGHT, buff=0)
        elif stacked:
            # the inset as large as the curves' least height leaves (at most INSET_SIZE), the
            # readouts beside it; its words beside it too where they fit in two lines (else
            # under it); the curves take the rest of the column's height
            room = box.height - 0.25 - extra - CHART_HEIGHT - (legend.height + 0.15 if regression else 0.0)
            side = self.label(words, color=theme.muted, width=box.width - SIDE_INSET - 0.25)
            side_w = max(readouts.width, side.width)
            size = min(INSET_SIZE, box.width - side_w - 0.25, room)
            beside = size >= SIDE_INSET and readouts.height + 0.25 + side.height <= size
            beside_words = False
            top = box.y1
            if beside:
                label = side
            else:  # a narrow column: the readouts over the inset, its words under it
                readouts.arrange(RIGHT, buff=0.4, aligned_edge=UP)
                if readouts.width > box.width:
                    readouts.arrange(DOWN, aligned_edge=LEFT, buff=0.2)
                readouts.next_to([box.x0, top, 0], DOWN + RIGHT, buff=0)
                top = readouts.get_bottom()[1] - 0.2
                size = min(INSET_SIZE, box.width, room - label.height - 0.1 - (box.y1 - top))
                # its words beside it where that leaves it larger (a 4:3 column: 110 px, not 60)
                wide = min(INSET_SIZE, room - (box.y1 - top))
                side = self.label(words, color=theme.muted, width=box.width - wide - 0.25)
                if wide > size and side.height <= wide and side.width <= box.width - wide - 0.25:
                    label, size, beside_words = side, wide, True
            size = max(size, 1.0)
            inset = Inset(timeline, theme, ((box.x0 + size / 2, top - size / 2, 0), size),
                          point_radius=INSET_POINT)
            if beside or beside_words:  # the readouts beside the inset, its words at its foot
                if beside:
                    readouts.next_to([box.x0 + size + 0.25, top, 0], DOWN + RIGHT, buff=0)
                label.next_to([box.x0 + size + 0.25, top - size, 0], UP + RIGHT, buff=0)
                bottom = inset.border
            else:
                label.next_to(inset.border, DOWN, buff=0.1, aligned_edge=LEFT)
                bottom = label
            if regression:
                legend.next_to(bottom, DOWN, buff=0.15)
                legend.align_to([box.x0, 0, 0], LEFT)
                bottom = legend
            chart = curves(max(bottom.get_bottom()[1] - 0.25 - box.y0 - extra, 0.5))
            chart.next_to([box.x0, box.y0, 0], UP + RIGHT, buff=0)
        else:  # the inset at the bottom left under its words, readouts and curves right of it
            size = min(box.height - label.height - 0.1, PORTRAIT_INSET * box.width)
            chart = curves(max(box.height - readouts.height - extra - 0.3, 0.5))
            inset = Inset(timeline, theme, ((box.x0 + size / 2, box.y0 + size / 2, 0), size),
                          point_radius=INSET_POINT)
            # its words right over it (at the aside's top they were a hand's width above it)
            label.next_to(inset.border, UP, buff=0.1, aligned_edge=LEFT)
            readouts.next_to([box.x1, box.y1, 0], DOWN + LEFT, buff=0)
            chart.next_to([box.x1, box.y0, 0], UP + LEFT, buff=0)
        if regression and stacked:
            readouts = VGroup(readouts, legend)  # still text, with the readouts

        def state_readouts(moment):
            shown_epoch, acc = timeline.stated(moment)
            epoch.set_text(f"{shown_epoch}")
            accuracy.set_text(f"{acc:.3f}" if regression else f"{100 * acc:.1f}%")
            chart.set_marker(moment.epoch)

        # the poster: the trained network where it first scores within half a point of the end
        # (at the final epoch the points are piled into two corners, hardly a picture), and its
        # caption says which epoch of how many it is, so the counter agrees with the words and the
        # rewind from it is expected; then a declared rewind
        poster = poster_moment(timeline)
        main.set_moment(poster)
        inset.set_moment(poster)
        state_readouts(poster)
        poster_epoch, final_epoch = timeline.stated(poster)[0], timeline.stated(timeline.moment(1.0))[0]
        # and why that epoch (review 4: 'epoch 67 of 1500' was unexplained): its score is already
        # about the final one (within POSTER_GAP), the later epochs only push the points apart
        # (the epoch in the title: the words under it are two short lines in a column)
        title, detail = "training", f"{LAYER} at epoch {poster_epoch} of {final_epoch}"
        if poster_epoch < final_epoch:
            title, detail = f"epoch {poster_epoch} of {final_epoch}", f"{LAYER}: {score} ≈ final"
            one = self.label("epoch", size=layout.title_size, weight="BOLD").height
            if self.label(title, size=layout.title_size, weight="BOLD",
                          width=layout.caption.width).height > 1.5 * one:  # a narrow column: one line
                title = f"epoch {poster_epoch}"
        caption = self.caption(title, detail)
        self.inset, self.readout_group = inset, readouts
        moving = Group(main, inset, chart.marker, epoch, accuracy)
        self.open(moving, still=(caption, label, readouts, chart, *([] if square else [grid_words, axes])), title=title, detail=detail,
                  seconds=INTRO)
        # the rewind is declared: its own caption while the replay runs back to epoch 0
        shown_epoch = timeline.stated(poster)[0]
        words = f"{LAYER}, epoch {shown_epoch} → 0"
        rewind = self.caption("rewind", words)
        self.fix(rewind)
        self.mark("stage", "rewind", words)
        # paced by the picture: the points move about as far on screen every frame (paced by
        # `smooth` on the progress, the epochs 0-5 took a few frames and swung the picture 30-70°
        # a frame, review 7)
        self.play(ReplayTraining(timeline, moving, [main, inset, state_readouts], u0=poster.u, u1=0.0,
                                 rate_func=even_rate(timeline, poster.u, 0.0, ease=0.3),
                                 run_time=REWIND),
                  *self.swap_text(caption, rewind, seconds=0.4, run_time=REWIND))
        caption = rewind
        final_epoch, final_acc = timeline.stated(timeline.moment(1.0))
        # the title one word (a 4:3 column wrapped 'epochs 0 → 1500' onto a second line and the
        # caption ran into the readouts), the epochs with the layer's name
        caption = self.swap_caption(caption, "replay", f"{LAYER}, epochs 0 → {final_epoch}",
                                    run_time=SWAP,
                                    kind="stage")
        self.play(ReplayTraining(timeline, moving, [main, inset, state_readouts], run_time=replay))

        if regression:
            end = (f"R² = {number(final_acc, 3)}" if final_acc >= 0.9
                   else f"R² = {number(final_acc, 3)}, not fitted yet")
        else:
            end = "linearly separable" if final_acc >= 0.95 else "not separable yet"
        # the end piles each class into one spot: where the layer's units saturate, the caption says
        # so (review 5: two heaps of points, unexplained)
        # (the longest words that fit the caption's box: a narrow column has the title say
        # 'linearly separable', a 4:3 one has no room for the reason)
        self.saturated = saturated_share(timeline.hidden(timeline.moment(1.0)), run.activations[-1])
        words = [(f"epoch {final_epoch}", f"{LAYER}: {end}")]
        if self.saturated >= SATURATED and not regression:
            words[:0] = [(f"epoch {final_epoch}", f"{LAYER}: {end}; tanh at ±1: each class piled in a corner"),
                         (end, f"{LAYER}: tanh at ±1, each class in a corner")]
        box = layout.caption
        title, detail = next((t, d) for t, d in words if (t, d) == words[-1]
                             or Caption(t, d, theme, layout, box.width).height <= box.height + 1e-6)
        self.swap_caption(caption, title, detail, run_time=SWAP, kind="outro")
        self.wait(OUTRO - SWAP)


SCENE = TrainingScene
