"""What each unit responds to: the network diagram, every unit a map of its activation, over training.

Storyboard: the network drawn as a diagram (layers in columns; rows in a
vertical frame).  Every unit is a small map of the input plane showing its
activation there (after TensorFlow Playground), in the theme's weight colours
(green where it is positive, purple where negative: a sign, not a class), dark
where it is zero, so a ReLU unit's map is dark on the side where it is off.
Edges are as wide as |w| (relative to the layer's largest) and coloured by the
sign of w, in the same pair.  The output unit
is a node (where its edges end) on a large map of the input plane, named
"output": the network's probability shading, its decision boundary and the
data.  The poster is the trained network; a declared rewind runs back to
epoch 0 paced by how much the unit maps change; training is then replayed
log-spaced, with the epoch and the accuracy (recomputed from the
nearest record's weights); for networks of ReLU-like units the borders of
the input plane's linear regions are drawn as thin lines over the output's
decision map, with their exact count (polygons clipped unit by unit).

Defaults, and why they changed: with ``spirals`` on ``8,8`` every unit map
was about 45 px tall at 480p (28 px in 9:16) and the 122 regions, one colour
each, read as confetti.  One layer of 6 ReLU units on ``circles`` gave maps
of 52 px (36 px in 9:16), still small on a phone (review 6).  Four units
(100 % correct on ``circles`` for seeds 0 to 2, as three and six are; the
seed is the project's default) give maps of 66 px (56 px in 9:16): the
column of units, not the layers' length, had set their size.  Each unit is
visibly a half-plane, its border one of the lines over the output map, and
the output a quadrilateral of those lines around the inner class (9 regions).

The output map takes the length the unit columns (rows, in a portrait frame)
leave, its points in proportion; the captions are one title line and at most
three short lines, so a portrait frame gives the diagram the rest.

Render with ``nnanim render neurons`` (options: ``nnanim render --help``).
"""

from nnanim.contract import SceneContract
from nnanim.core.notation import NBSP
from nnanim.errors import NnanimError

INTRO, OUTRO = 2.0, 3.0
SWAP = 0.3
#: the poster is the trained network at its final epoch; then a declared rewind to epoch 0, paced by
#: how much the picture changes (log-paced over 1 s, epochs 264 → 7 took 0.2 s: a jump back)
REWIND = 1.6
#: the largest network whose units stay readable as maps
MAX_LAYERS, MAX_WIDTH = 4, 8


class NeuronsScene(SceneContract):
    defaults = {"dataset": "circles", "hidden": [4], "activation": "relu", "epochs": 2000}
    aside = 0.15
    #: three lines of words at most (a 4:3 column's three lines hold every caption), one title
    #: line: a portrait frame gives the diagram the rest
    caption_lines = 3
    title_lines = 1

    def _layout(self):
        """In a vertical frame no aside band: the readouts take two rows under the picture."""
        layout = super()._layout()
        if layout.shape != "portrait":
            return layout
        from manim import config

        from nnanim.layout import Layout

        return Layout(config.frame_width, config.frame_height, aside=0.0,
                      caption_lines=self.caption_lines, header=self.has_header,
                      legend=self.has_legend, title_lines=self.title_lines)

    @classmethod
    def check(cls, job):
        hidden = job.hidden
        if len(hidden) > MAX_LAYERS or max(hidden) > MAX_WIDTH:
            raise NnanimError(
                f"neurons draws every unit as a map, readable up to {MAX_LAYERS} hidden layers of "
                f"{MAX_WIDTH} units; got --hidden {','.join(map(str, hidden))}. Choose a smaller "
                f"one, e.g. --hidden 6,4")
        dim = job.input_dim
        if dim != 2:
            raise NnanimError(f"neurons maps every unit over the input plane, so the input must be "
                              f"2-D; {job.dataset_name} has {dim} input column(s)")

    @classmethod
    def piecewise(cls, run) -> bool:
        from nnanim.core.regions import PIECEWISE_LINEAR

        return all(a in PIECEWISE_LINEAR for a in run.activations)

    @staticmethod
    def region_count(run, record: int, box) -> int:
        """The exact number of linear regions of record ``record``'s network in ``box``."""
        from nnanim.core.regions import linear_regions

        return len(linear_regions(run.network(record), box))

    @staticmethod
    def rewind_pace(run, record: int, samples, ease):
        """The rewind's rate function over the log-spaced timeline (from ``u = 1`` back to 0): the
        epochs it passes follow how much the picture changes, so each moment of the rewind moves
        it about as much as any other (log-paced, most of the change came in its last frames).

        The change from record to record is the mean change of the unit maps as drawn (each
        layer's activations at ``samples``, on its own scale); a fifth of the time stays
        log-spaced in epochs, as in the change-paced timeline, so no stretch is skipped.
        """
        import numpy as np

        from nnanim.core.timeline import LOG_SHARE
        from nnanim.draw.diagram import _scale

        epochs = np.asarray(run.epochs[: record + 1], dtype=float)
        final = float(epochs[-1])
        if record < 1 or final <= 0:
            return ease

        def maps(r):
            post = run.network(r).forward(samples).post[:-1]
            return np.concatenate([np.ravel(v / s) for v, s in
                                   (_scale(h, a) for h, a in zip(post, run.activations))])

        drawn = [maps(r) for r in range(record + 1)]
        moved = np.concatenate([[0.0], np.cumsum([np.mean(np.abs(b - a)) for a, b in zip(drawn, drawn[1:])])])
        log_u = np.log1p(epochs) / np.log1p(final)
        at = (1 - LOG_SHARE) * moved / max(moved[-1], 1e-300) + LOG_SHARE * log_u

        def rate(alpha: float) -> float:
            epoch = float(np.interp(1.0 - ease(alpha), at, epochs))
            return 1.0 - float(np.log1p(epoch) / np.log1p(final))

        return rate

    def construct(self):
        from manim import DOWN, LEFT, RIGHT, UP, Group, VGroup
        from manim.utils.rate_functions import ease_in_out_sine

        from nnanim.core.timeline import EpochTimeline, default_duration
        from nnanim.draw.charts import DigitReadout
        from nnanim.draw.diagram import NetworkDiagram, RegionLines
        from nnanim.draw.replay import ReplayTraining

        run, record = self.load_run()
        layout, theme = self.layout, self.theme
        timeline = EpochTimeline(run, last=record)
        total = default_duration(int(run.epochs[record]))
        replay = max(total - INTRO - SWAP - REWIND - OUTRO, 2.0)
        portrait = layout.shape == "portrait"
        pic = layout.picture

        # the aside: the epoch and accuracy; the linear regions of a piecewise-linear network; in a
        # vertical frame two rows under the picture (the layout's aside there is a band of 2 units
        # that three short lines left half empty: the diagram takes that height)
        regions = self.piecewise(run)
        box = pic if portrait else layout.aside
        epoch, accuracy, count = (DigitReadout(6, theme, font_size=30) for _ in range(3))

        def row(name, digits):
            pair = VGroup(self.label(name, color=theme.muted), digits).arrange(RIGHT, buff=0.25)
            if pair.width > box.width:  # a narrow aside: the number under its name
                pair.arrange(DOWN, aligned_edge=RIGHT, buff=0.1)
            return pair

        readouts = VGroup(row("epoch", epoch), row("accuracy", accuracy))
        if portrait:
            readouts.arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
        else:
            readouts.arrange(DOWN, aligned_edge=RIGHT, buff=0.15)
            readouts.next_to([box.x1, box.y1, 0], DOWN + LEFT, buff=0)
        self.readout_rows, still, digits = readouts, [readouts], [epoch, accuracy]
        if regions:  # the count of the regions whose borders are drawn over the output map
            counted = row("linear regions", count)
            still.append(counted)
            digits.append(count)
        # what a dark map marked "dead" is, beside the readouts while one is on screen
        note = self.note = self.label("dead: never active on the data", color=theme.muted,
                                      width=box.width)
        if portrait:  # the count and the note in a second row (the note wrapped to what is left)
            left = box.width - sum(m.width + 0.5 for m in still[1:])
            note = self.note = self.label("dead: never active on the data", color=theme.muted,
                                          width=left)
            second = VGroup(*still[1:], note).arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
            VGroup(readouts, second).arrange(DOWN, buff=0.15, aligned_edge=LEFT).next_to(
                [box.x0, box.y0, 0], UP + RIGHT, buff=0)
            # (0.1 over them, with the diagram's own inset of 0.15: the four larger unit maps
            # left the output map 234 px, under the 240 it was given)
            top = max(readouts.get_top()[1], second.get_top()[1]) + 0.1
            area = type(pic)(pic.x0, top, pic.x1, pic.y1)
        else:
            if regions:
                counted.next_to(readouts, DOWN, buff=0.15, aligned_edge=RIGHT)
            note.next_to(VGroup(*still), DOWN, buff=0.25, aligned_edge=RIGHT)
            # the block in the middle of the aside's height (at its top it left the column's
            # middle empty between it and the footer, review 5)
            block = VGroup(*still, note)
            block.shift(UP * ((box.y0 + box.y1) / 2 - block.get_center()[1]))
            area = pic
        digits.append(note)  # moves with the readouts' digits (shown or not, frame by frame)
        # the output map, the picture of the data, keeps at least 0.4 of the diagram's length
        # (0.45 in a wide 16:9 frame, half in a square one, where the readouts' column leaves the
        # diagram short: with the units taking 0.6 the data spanned 0.19 of the short side there)
        share = 0.5 if portrait or layout.shape == "square" else (
            0.45 if layout.width >= 1.5 * layout.height else 0.4)
        diagram = self.diagram = NetworkDiagram(timeline, theme, area.inset(0.15).clip, vertical=portrait,
                                                output_share=share)
        # the orientation every map shares, named once at the input maps: x1 grows to the right,
        # x2 upwards (the unit maps have no axes of their own)
        (c1, c2), half = diagram.grid.centres[0], diagram.grid.size / 2
        axes = [self.label(words, color=theme.muted) for words in ("x₁ →", "x₂ ↑")]
        if portrait:
            axes[0].next_to([c1[0] - half, c1[1], 0], LEFT, buff=0.15)
            axes[1].next_to([c2[0] + half, c2[1], 0], RIGHT, buff=0.15)
        else:
            axes[0].next_to([c1[0], c1[1] + half, 0], UP, buff=0.1)
            axes[1].next_to([c2[0], c2[1] - half, 0], DOWN, buff=0.1)
        # the large map is the output unit's (its node on the map's edge, where the edges end)
        border = diagram.output.border
        name = self.output_name = self.label("output", color=theme.muted)
        if portrait:  # beside it (over it, the edges coming in ran through the word)
            name.next_to(border, LEFT, buff=0.1, aligned_edge=UP)
        else:
            name.next_to(border, UP, buff=0.1, aligned_edge=LEFT)
        self.axis_names = axes
        still += [*axes, name]
        moving = [diagram]
        region_lines = None
        followers = [diagram]
        if regions:  # the regions' borders as pale lines on the output's decision map, under its points
            region_lines = RegionLines(timeline, theme, diagram.output)
            diagram.underlay(region_lines)  # drawn with the diagram: not added twice
            followers.append(region_lines)

        counts: dict[int, int] = {}
        plane = region_lines.box if region_lines is not None else None

        def state_readouts(moment):
            shown_epoch, acc = timeline.stated(moment)
            epoch.set_text(f"{shown_epoch}")
            accuracy.set_text(f"{100 * acc:.1f}%")
            if regions:
                r = moment.nearest
                if r not in counts:
                    counts[r] = self.region_count(run, r, plane)
                count.set_text(f"{counts[r]}")
            note.set_opacity(1.0 if any(d.any() for d in diagram.dead) else 0.0)

        self.region_box = plane  # where the regions are counted (the output map's window)
        self.region_lines = region_lines
        # the poster: the trained network at its final epoch (the footer's epoch, the outro's numbers),
        # then a declared rewind to epoch 0
        poster = timeline.moment(1.0)
        for part in followers:
            part.set_moment(poster)
        state_readouts(poster)
        title = "what units see"  # one line in every frame shape (a 4:3 column too)
        # a ReLU unit is never negative: its map is green or black (an input's is purple too);
        # the pale lines on the output map named where they are first on screen
        from nnanim.draw.diagram import DYING

        relu = all(a in DYING for a in run.activations)
        if regions:  # three lines at most: the squares' colours, then the lines
            # (a ReLU network's hidden maps are green or black: 'black 0' takes purple's place)
            # (the input maps and the edges are purple where negative: every colour named)
            detail = (f"green{NBSP}+, purple{NBSP}−{f', black{NBSP}0' if relu else ''}; "
                      f"pale lines: a unit switches on")
        else:
            detail = f"each square: a unit's output (green{NBSP}+, purple{NBSP}−)"
        caption = self.caption(title, detail)
        # the footer names no epoch: the readout names the one on screen (a fixed 'epoch 2000'
        # stood under the replay of every earlier epoch)
        footer = self.footer = self.header(run, record, epoch=False)
        self.open(Group(*moving, *digits), still=(caption, *still, footer),
                  title=title, detail=detail, seconds=INTRO)
        # the rewind is declared: its own caption while the replay runs back to epoch 0
        shown_epoch = timeline.stated(poster)[0]
        words = f"epoch {shown_epoch} → 0: replay from the start"
        rewind = self.caption("rewind", words)
        self.fix(rewind)
        self.mark("stage", "rewind", words)
        self.play(ReplayTraining(timeline, Group(*moving, *digits), [*followers, state_readouts], u0=poster.u,
                                 u1=0.0, rate_func=self.rewind_pace(run, record, diagram.samples, ease_in_out_sine),
                                 run_time=REWIND),
                  *self.swap_text(caption, rewind, seconds=0.4, run_time=REWIND))
        caption = rewind
        final_epoch, final_acc = timeline.stated(timeline.moment(1.0))
        caption = self.swap_caption(caption, "training",  # one line in a 4:3 column too
                                    "edge width |w|; the units sharpen into features",
                                    run_time=SWAP, kind="stage")
        self.play(ReplayTraining(timeline, Group(*moving, *digits), [*followers, state_readouts],
                                 run_time=replay))
        if regions:
            n = counts[timeline.moment(1.0).nearest]
            end = f"{n} linear regions; the output is affine on each"
        else:
            end = f"{100 * final_acc:.1f}% correct"
        self.swap_caption(caption, f"epoch {final_epoch}", end, run_time=SWAP, kind="outro")
        self.wait(OUTRO - SWAP)


SCENE = NeuronsScene
