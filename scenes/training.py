"""Replay training: the last hidden layer goes from tangled to linearly separable, epoch by epoch.

Storyboard: on the right, the 2-unit layer before the output, with the
output layer's line and probability shading, morphing smoothly from record to
record (log-spaced, so the fast early epochs get most of the time); on the
left, the input plane with the p = 0.5 boundary of the same epoch, the epoch
and the accuracy (recomputed from each record's weights), and the loss and
accuracy curves with a moving marker.

``--duration SECONDS`` sets the video length (default 15-20 s whatever the
number of epochs).  Render with ``nnanim render training`` or
``manim scenes/training.py TrainingScene``.
"""

from manim import DOWN, RIGHT, Group, VGroup, config

from nnanim.charts import DigitReadout, LineChart
from nnanim.mobjects import OpacityFade
from nnanim.render import RenderError
from nnanim.replay import HiddenSpaceView, InputInset, ReplayTraining
from nnanim.scene import SIDEBAR_WIDTH, FlowScene
from nnanim.timeline import EpochTimeline, default_duration

INTRO, OUTRO = 1.5, 3.0


def check_last_hidden_width(hidden, scene="training"):
    """The replay draws the last hidden layer as a plane: it must have 2 units."""
    if hidden and hidden[-1] != 2:
        raise RenderError(
            f"{scene} shows the last hidden layer as a plane, so it needs 2 units; got {hidden[-1]}. "
            f"Change --hidden, e.g. --hidden {','.join(map(str, [*hidden[:-1], 2]))}"
        )


class TrainingScene(FlowScene):
    defaults = {"dataset": "spirals", "hidden": [16, 16, 2], "activation": "tanh", "epochs": 1500}

    def construct(self):
        check_last_hidden_width(self.opt("hidden", self.defaults["hidden"]))
        run, record = self.load_run()
        check_last_hidden_width(run.widths[1:-1])
        if run.task == "regression":
            raise RenderError("training replays classification runs; pick a classification dataset")
        timeline = EpochTimeline(run, last=record)
        total = float(self.opt("duration", default_duration(int(run.epochs[record]))))
        replay = max(total - INTRO - OUTRO, 2.0)

        # layout: words and the input plane in the sidebar, the hidden layer on the right
        side_x = -config.frame_width / 2 + SIDEBAR_WIDTH / 2
        main = HiddenSpaceView(timeline, self.theme, self.picture_region)
        inset = InputInset(timeline, self.theme, ([side_x, -0.2, 0], 2.5))
        inset_label = self.label("input space, same epoch", size=18, color=self.theme.muted)
        inset_label.next_to(inset.border, DOWN, buff=0.1)
        epoch = DigitReadout(6, self.theme, font_size=30)
        accuracy = DigitReadout(6, self.theme, font_size=30)
        readouts = VGroup(
            VGroup(self.label("epoch", size=24, color=self.theme.muted), epoch).arrange(RIGHT, buff=0.25),
            VGroup(self.label("accuracy", size=24, color=self.theme.muted), accuracy)
            .arrange(RIGHT, buff=0.25),
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.15).move_to([side_x, 1.75, 0])
        # not the class colours: these curves are not classes
        chart = LineChart(run.epochs[: record + 1],
                          [(run.loss[: record + 1], self.theme.foreground, "loss (log)", True),
                           (run.accuracy[: record + 1], self.theme.classes[3], "accuracy", False)],
                          width=SIDEBAR_WIDTH - 1.0, height=0.95, theme=self.theme)
        chart.move_to([side_x, -2.9, 0])

        def state_readouts(moment):
            shown_epoch, acc = timeline.stated(moment)
            epoch.set_text(f"{shown_epoch}")
            accuracy.set_text(f"{100 * acc:.1f}%")
            chart.set_marker(moment.epoch)

        state_readouts(timeline.moment(0.0))
        caption = self.caption("training", "the layer before the output")
        moving = Group(main, inset, chart.marker, epoch, accuracy)
        self.fix(caption, inset_label, readouts, chart)
        self.add(moving)
        self.play(*(OpacityFade(m) for m in (main, inset, chart, caption, inset_label, readouts)),
                  run_time=INTRO - 0.5)
        self.wait(0.5)
        self.play(ReplayTraining(timeline, moving, [main, inset, state_readouts], run_time=replay))

        final_epoch, final_acc = timeline.stated(timeline.moment(1.0))
        self.swap_caption(caption, f"epoch {final_epoch}",
                          "linearly separable now" if final_acc >= 0.95 else
                          "not separable yet: more epochs?")
        self.wait(OUTRO - 0.3)


SCENE = TrainingScene
