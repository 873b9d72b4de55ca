"""The Manim side of the scene contract: a named scene bound to Manim, with layout, text and beats.

:class:`FlowScene` is what a scene class from ``scenes/`` becomes when the
render layer binds it to Manim (``type(name, (SceneClass, FlowScene), ...)``;
a scene written against Manim directly can subclass it too).  It gives the
storyboard

* the resolved job (``self.job``: options, run, theme) and ``self.layout``, the
  regions of this frame's shape (:class:`nnanim.layout.Layout`);
* text placed in those regions — :meth:`caption`, :meth:`swap_caption`,
  :meth:`header`, :meth:`label` — wrapped to fit, never shrunk below the
  layout's sizes;
* **beats**: :meth:`open` shows the first picture (the video's first frame is
  the scene's picture, not an empty frame), :meth:`mark` starts a beat, every
  caption swap and stage is one; :attr:`beats` lists them with their times,
  for chapters, subtitles and slides;
* one pace: every play and wait is scaled by ``pace`` (``--duration``), and a
  *plan* pass (``planning=True``) walks the storyboard without drawing a
  frame, to learn its beats and length before the real render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Scene, Text, VGroup, Wait, config
from manim.animation.animation import prepare_animation
from manim.utils.color import ManimColor

from nnanim.contract import SceneContract, resolve
from nnanim.core.notation import general
from nnanim.draw.mobjects import FastCamera, OpacityFade
from nnanim.draw.stills import StillFrames
from nnanim.draw.text import text as make_text
from nnanim.draw.text import wrap_text
from nnanim.layout import Box, Layout
from nnanim.theme import Theme

__all__ = ["Beat", "Caption", "FlowScene", "Shot"]

BEAT_KINDS = ("intro", "stage", "caption", "outro")


@dataclass
class Shot:
    """What a plan pass saw on screen at the end of one play: where every text and picture is.

    ``texts`` are ``(text as drawn, its box)`` of every visible Pango text (a
    caption's title and its body are two); ``pictures`` the distinct regions
    the moving pictures are clipped to.  Boxes are :class:`~nnanim.layout.Box`
    in scene units.  ``inside`` pairs a text with the picture region it is
    meant to annotate (an axis name; ``None`` for the others).  ``travelling``
    are the regions of pictures that move from one panel to another
    (``mob.travelling = True``): they pass over the panels they join, so they are
    held to the title-safe area and kept off text only.
    """

    beat: int
    time: float
    texts: list[tuple[str, Box]]
    inside: list[Box | None]
    pictures: list[Box]
    travelling: list[Box] = field(default_factory=list)
    #: every view's axis names and scale bar shown, with what they must not cover
    #: (:class:`AxesMarks`)
    marks: list = field(default_factory=list)


@dataclass
class AxesMarks:
    """A view's axis names and scale bar at one shot, and the view's data and boundary there.

    ``boxes``: ``(what, box)`` of each name, the scale's label, the bar and the compass's
    arrows; ``points``: ``(N, 2)`` centres of the view's data points inside its region and
    ``radius`` their discs'; ``lines``: ``(M, 2)`` vertices (and control points) of every
    boundary or level line drawn in the region (the view's own and a scene's overlays).
    """

    region: Box
    boxes: list[tuple[str, Box]]
    points: np.ndarray
    radius: float
    lines: np.ndarray


@dataclass
class Beat:
    """A stretch of the video with one caption: ``[start, end)`` in the video's own seconds.

    (In a plan pass: the storyboard's nominal seconds, before whole-frame rounding.)
    ``play`` is the index of the beat's first play (Manim's animation number),
    where a render in parts (:mod:`nnanim.media.parallel`) can cut.
    """

    kind: str
    title: str
    detail: str
    start: float
    end: float = 0.0
    play: int = 0


class Caption(VGroup):
    """A bold title and a wrapped explanation, left-aligned, fitting ``width``."""

    def __init__(self, title: str, detail: str, theme: Theme, layout: Layout, width: float,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        head = wrap_text(title, theme.font, layout.title_size, width, theme.foreground, weight="BOLD")
        self.add(head)
        if detail:
            sub = wrap_text(detail, theme.font, layout.body_size, width, theme.muted)
            sub.next_to(head, DOWN, buff=0.18, aligned_edge=LEFT)
            self.add(sub)


class FlowScene(SceneContract, StillFrames, Scene):
    """Base of every storyboard: fast point clouds, theme, layout, text, beats, one pace."""

    #: how much of the short side the layout keeps for an aside (0: none); see Layout
    aside = 0.0
    #: body lines the caption region holds, and whether there is a header region (see Layout)
    caption_lines = 3
    has_header = True
    #: title lines kept above the picture in portrait and square frames (None: the layout's
    #: default, 2 in portrait, 1 in a square; more when the output stage's title needs them)
    title_lines = None
    #: whether the header region keeps a line for a legend (:meth:`target_legend`)
    has_legend = False
    #: set by the render layer: ``pace`` scales every play and wait; ``planning`` draws nothing
    pace = 1.0
    planning = False
    on_progress = None  # callable(seconds done, beats started) during the real render

    def __init__(self, **kwargs) -> None:
        if type(self).job is None:  # rendered by plain Manim: the scene's own defaults
            type(self).job = resolve(type(self), {})
        self.theme = self.job.theme
        if not config.transparent:
            config.background_color = self.theme.background
        self.layout = self._layout()
        self.beats: list[Beat] = []
        self.shots: list[Shot] = []  # a plan pass's record of the layout, play by play
        self.clock = 0.0
        self.plays = 0  # plays started so far
        self._story = (0.0, 0.0)  # storyboard seconds before the current play, its length
        kwargs.setdefault("camera_class", FastCamera)
        super().__init__(**kwargs)

    def _layout(self) -> Layout:
        """The frame's regions; above the picture, as many title lines as the output stage's title
        takes at the caption's width (the softmax one, ``output · w_i·h + b_i = w_j·h + b_j``,
        needs two in a square frame, which keeps one by default: it ran into the picture)."""
        def layout(title_lines=self.title_lines):
            return Layout(config.frame_width, config.frame_height, aside=self.aside,
                          caption_lines=self.caption_lines, header=self.has_header,
                          legend=self.has_legend, title_lines=title_lines)

        first = layout()
        if first.shape == "landscape" or self.job.task not in ("binary", "multiclass", "regression"):
            return first
        from nnanim.core.flow import output_caption

        head = wrap_text(output_caption(self.job.task), self.theme.font, first.title_size,
                         first.caption.width, self.theme.foreground, weight="BOLD")
        lines = head.original_text.count("\n") + 1
        default = self.title_lines or (2 if first.shape == "portrait" else 1)
        return first if lines <= default else layout(lines)

    # -- options and the run
    @property
    def options(self) -> dict[str, Any]:
        return self.job.options

    def opt(self, key: str, default: Any = None) -> Any:
        return self.job.opt(key, default)

    def load_run(self):
        """``(run, record index)`` of the job: the run file's, or trained once before Manim started."""
        return self.job.ensure_run()

    # -- time: one pace, beats, the plan pass
    def play(self, *args, **kwargs) -> None:
        anims = [prepare_animation(a) for a in args]
        if "run_time" in kwargs and kwargs["run_time"] is not None:
            kwargs["run_time"] = kwargs["run_time"] * self.pace
            seconds = kwargs["run_time"]
        else:
            for a in anims:
                a.run_time = a.run_time * self.pace
            seconds = max(a.run_time for a in anims)
        if not self.beats:
            self.mark("intro", "", "")
        self.plays += 1
        self._story = (self._story[0], seconds)  # where this play starts, and its length
        if self.planning:
            # no frames: the axes' glides and growths (run on the frames drawn) are done at once
            axes = _axes_in([*self.mobjects, *(a.mobject for a in anims)])
            for ax in axes:
                ax.instant = True
            for a in anims:
                a.run_time = seconds if "run_time" in kwargs else a.run_time
                a._setup_scene(self)
                a.begin()
                a.interpolate(1.0)
                a.finish()
                a.clean_up_from_scene(self)
            for ax in _axes_in(self.mobjects):
                ax.settle()
        else:
            super().play(*anims, **kwargs)
        self._story = (sum(self._story), 0.0)  # played: the next one starts at its end
        # beats are in the video's own seconds: Manim writes whole frames per play, so the
        # renderer's clock (frames written / fps) runs a little ahead of the sum of run times
        self.clock = self.clock + seconds if self.planning else float(self.renderer.time)
        if self.beats:
            self.beats[-1].end = self.clock
        if self.planning:
            self.shots.append(self.shot())
        if self.on_progress is not None and not self.planning:
            self.on_progress(self.clock, len(self.beats))

    @property
    def story_time(self) -> float:
        """Storyboard seconds (paced) up to the frame being drawn: the run times of the plays
        before this one and the time inside it.

        The clock for pictures timed in seconds (an updater's ``dt`` adds up whole frames and
        loses the last part frame of every play, all of a play shorter than a frame); the same
        whatever the frame rate, in a drawn play and in a skipped one.
        """
        before, length = self._story
        return before + min(float(getattr(self, "last_t", 0.0)), length)

    def shot(self) -> Shot:
        """Where every visible text and picture region is now (see :class:`Shot`)."""
        texts, inside, pictures, travelling = [], [], [], []
        seen = set()

        def walk(mob):
            if isinstance(mob, Text):
                if _visible(mob) and mob.width > 0:
                    texts.append((mob.original_text, _box_of(mob)))
                    inside.append(_as_box(getattr(mob, "annotates", None)))
                return
            own = _region_of(mob)
            if own is not None and _visible(mob) and own not in seen:
                seen.add(own)
                (travelling if getattr(mob, "travelling", False) else pictures).append(own)
            for sub in mob.submobjects:
                walk(sub)

        for mob in self.mobjects:
            walk(mob)
        return Shot(len(self.beats) - 1, self.clock, texts, inside, pictures, travelling,
                    axes_marks(self.mobjects, self.theme))

    def wait(self, duration: float = 1.0, **kwargs) -> None:
        self.play(Wait(run_time=duration, **kwargs))

    def mark(self, kind: str, title: str, detail: str = "") -> Beat:
        """Start a beat here (each stage, caption change and pause is one)."""
        if kind not in BEAT_KINDS:
            raise ValueError(f"beat kind {kind!r}; one of {BEAT_KINDS}")
        beat = Beat(kind, title, detail, self.clock, self.clock, self.plays)
        self.beats.append(beat)
        return beat

    def open(self, *mobjects, title: str = "", detail: str = "", seconds: float = 1.5,
             still: tuple = ()) -> None:
        """Show the first picture at once and hold it: the video's first frame is this picture.

        ``still`` mobjects (text) are drawn once into the static background.
        """
        self.add(*mobjects)
        self.fix(*still)
        self.mark("intro", title, detail)
        self.wait(seconds)

    # -- text in the layout's regions
    def fix(self, *mobjects) -> None:
        """Add still mobjects *below* everything else.

        Manim redraws every frame all mobjects from the first moving one on;
        text kept at the back is drawn once into the static background (the
        pictures are clipped to their region, so nothing covers it).
        """
        if mobjects:
            self.add(*mobjects)
            self.bring_to_back(*mobjects)

    def caption(self, title: str, detail: str = "") -> Caption:
        box = self.layout.caption
        cap = Caption(title, detail, self.theme, self.layout, box.width)
        return cap.move_to([box.x0 + cap.width / 2, box.y1 - cap.height / 2, 0])

    def swap_caption(self, old: Caption | None, title: str, detail: str = "", run_time: float = 0.3,
                     kind: str = "caption") -> Caption:
        """Replace the caption in a short play of its own; starts a beat."""
        new = self.caption(title, detail)
        self.fix(new)
        self.mark(kind, title, detail)
        self.play(*self.swap_text(old, new), run_time=run_time)
        return new

    @staticmethod
    def swap_text(old, new, seconds: float | None = None, run_time: float | None = None,
                  wipe: bool = True) -> list:
        """The animations that replace ``old`` by ``new``: text by a push, never a cross-fade.

        Text (a caption, a title line, a header) is pushed (:func:`~nnanim.draw.mobjects.text_wipe`):
        the glyphs both share in place stay; the old one's others go up as they fade out, then
        the new one's rise into place as they fade in, the two texts never shown at once (two
        texts cross-faded read as neither; a left-to-right wipe showed half of each, garbled;
        the old one fading out before the new one came in, without motion, read as a blink).
        Anything else (a panel's picture) fades out in the first half of the swap and its
        successor in in the second.  The swap takes the whole play, or its first
        ``seconds`` of a play of ``run_time`` (a swap played beside a longer animation).  A push
        takes :data:`~nnanim.draw.mobjects.WIPE_SECONDS` at most, whatever the play: from the
        play's start (the rest of the play holds the new text), or, given ``seconds``, ending
        there (the new text is in when the caller asked; the old one is held until then).  Either
        may be ``None`` or a list of mobjects (a panel's text and picture leaving together).
        ``wipe=False``: text swaps as a picture does (a worksheet's tables of numbers, which
        change as blocks: wiped, each frame showed half of two tables).
        """
        from nnanim.draw.mobjects import is_text, text_wipe

        def listed(mobs):
            return [] if mobs is None else list(mobs) if isinstance(mobs, (list, tuple)) else [mobs]

        share = 1.0 if seconds is None or not run_time else min(1.0, seconds / run_time)
        old, new = listed(old), listed(new)
        words_out, words_in = [m for m in old if is_text(m)], [m for m in new if is_text(m)]
        rest_out, rest_in = [m for m in old if not is_text(m)], [m for m in new if not is_text(m)]
        if wipe and words_out and words_in:
            timing = {} if not run_time else {"run_time": run_time}
            until = None if seconds is None or not run_time else min(seconds, run_time)
            wiped = text_wipe(words_out, words_in, until=until, **timing)
        else:  # text alone coming or going (nothing to take its place): it fades
            wiped, rest_out, rest_in = [], rest_out + words_out, rest_in + words_in
        if not rest_out:
            return wiped + [OpacityFade(m, rate_func=_window(0.0, share)) for m in rest_in]
        return (wiped + [OpacityFade(m, fade_in=False, rate_func=_window(0.0, share / 2)) for m in rest_out]
                + [OpacityFade(m, rate_func=_window(share / 2, share)) for m in rest_in])

    def header(self, run, record: int, epoch: bool = True) -> VGroup:
        """What is shown (dataset, architecture, epoch), in the layout's header region.

        ``epoch=False``: without the epoch (a replay names the epoch on screen in its own
        readout; a fixed 'epoch 2000' under earlier epochs contradicted it)."""
        box = self.layout.header
        words = run.describe_parts(record)
        last = f"{words['activations']} · {words['epoch']}" if epoch else words["activations"]
        lines = [words["dataset"], words["architecture"], last]
        if self.layout.shape != "landscape":  # two lines under the picture
            lines = [f"{lines[0]} · {lines[2]}", lines[1]]
        texts = VGroup(*[wrap_text(t, self.theme.font, self.layout.small_size, box.width, self.theme.muted)
                         for t in lines])
        texts.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        return texts.move_to([box.x0 + texts.width / 2, box.y0 + texts.height / 2, 0])

    def target_legend(self, lo: float, hi: float, name: str = "target") -> VGroup:
        """The target colour map as a small bar, ``name lo [bar] hi``, at the top of the header region.

        Needs ``has_legend = True`` (the layout keeps the line for it).
        """
        from manim import RIGHT, Rectangle

        box = self.layout.header
        steps = 24
        rgb = self.theme.target_rgb(np.linspace(0.0, 1.0, steps), 0.0, 1.0)
        bar = VGroup(*[Rectangle(width=1.6 / steps, height=0.16, stroke_width=0,
                                 fill_color=ManimColor(c), fill_opacity=1.0) for c in rgb])
        bar.arrange(RIGHT, buff=0)
        muted = self.theme.muted
        parts = VGroup(self.label(name, color=muted), self.label(general(lo), color=muted), bar,
                       self.label(general(hi), color=muted)).arrange(RIGHT, buff=0.15)
        if parts.width > box.width:
            parts.scale_to_fit_width(box.width)
        return parts.move_to([box.x0 + parts.width / 2, box.y1 - parts.height / 2, 0])

    def label(self, text: str, size: float | None = None, color=None, weight="NORMAL",
              width: float | None = None) -> Text:
        """A line of text in the theme's font (``size`` defaults to the layout's small size)."""
        size = size or self.layout.small_size
        color = color or self.theme.foreground
        if width is not None:
            return wrap_text(text, self.theme.font, size, width, color, weight=weight)
        return make_text(text, font=self.theme.font, font_size=size, color=color, weight=weight)

    # -- text for panel scenes (no caption column): a title line and an info line on top
    def top_line(self, text: str):
        """A title line at the top of the frame, wrapped to the frame's width."""
        strip = self.layout.title_strip()
        line = self.label(text, size=self.layout.title_size, weight="BOLD", width=strip.width)
        line.text = text
        return line.move_to([0, strip.y1 - line.height / 2, 0])

    def swap_top_line(self, old, text: str, run_time: float = 0.3):
        """Replace the title line in a short play of its own; starts a caption beat."""
        new = self.top_line(text)
        self.mark("caption", text)
        self.add(new)
        self.play(*self.swap_text(old, new), run_time=run_time)
        return new

    def info_line(self, run, record, below, words: str | None = None):
        """What is shown (``run.describe``, or ``words``), muted, under ``below`` (the tallest
        title line)."""
        strip = self.layout.title_strip()
        line = self.label(words or run.describe(record), color=self.theme.muted, width=strip.width)
        return line.next_to(below, DOWN, buff=0.12)


def _window(start: float, end: float):
    """A rate function that runs ``smooth`` from 0 to 1 inside ``[start, end]`` of the play only."""
    from manim import smooth

    def rate(alpha: float) -> float:
        if end <= start:
            return float(alpha >= end)
        return smooth(min(max((alpha - start) / (end - start), 0.0), 1.0))

    return rate


def _axes_in(mobjects) -> list:
    """Every :class:`~nnanim.draw.mobjects.SpaceAxes` among ``mobjects`` and their parts."""
    from nnanim.draw.mobjects import SpaceAxes

    found = []

    def walk(mob):
        if isinstance(mob, SpaceAxes):
            found.append(mob)
            return
        for sub in mob.submobjects:
            walk(sub)

    for mob in mobjects:
        if mob is not None:
            walk(mob)
    return found


def axes_marks(mobjects, theme: Theme) -> list[AxesMarks]:
    """:class:`AxesMarks` of every visible view with axes among ``mobjects`` (and their parts)."""
    from nnanim.draw.mobjects import FlowView, Polylines, SpaceAxes

    views, lines = [], []

    def walk(mob, in_axes=False):
        if isinstance(mob, FlowView) and mob.axes is not None and _visible(mob.cloud):
            views.append(mob)
        in_axes = in_axes or isinstance(mob, SpaceAxes)
        if (isinstance(mob, Polylines) and not in_axes and len(mob.points) and _visible(mob)
                and mob.get_stroke_width() >= 0.5 * theme.boundary_width
                and (ManimColor(mob.get_stroke_color()) == ManimColor(theme.boundary)
                     or getattr(mob, "is_level_line", False) or getattr(mob, "labels_keep_off", False))):
            lines.append(np.asarray(mob.points, dtype=float)[:, :2])
        for sub in mob.submobjects:
            walk(sub, in_axes)

    for mob in mobjects:
        walk(mob)
    out = []
    every = np.concatenate(lines) if lines else np.zeros((0, 2))
    for view in views:
        axes = view.axes
        region = _as_box(axes.box)
        boxes = [(str(getattr(name, "original_text", "name")), _box_of(name))
                 for name in axes.names if _visible(name)]
        if axes.bar_label is not None and _visible(axes.bar_label):
            boxes.append((f"scale {axes.bar_label.original_text}", _box_of(axes.bar_label)))
        for what, part in (("scale bar", axes.bar), ("axis arrows", axes.arrows)):
            P = np.asarray(part.points, dtype=float)
            if len(P) and _visible(part):
                boxes.append((what, Box(*P[:, :2].min(axis=0), *P[:, :2].max(axis=0))))
        if not boxes:
            continue

        def within(P, box=region):
            keep = ((P[:, 0] >= box.x0) & (P[:, 0] <= box.x1) & (P[:, 1] >= box.y0)
                    & (P[:, 1] <= box.y1))
            return P[keep]

        out.append(AxesMarks(region, boxes, within(np.asarray(view.cloud.points, float)[:, :2]),
                             float(view.cloud.radius), within(every)))
    return out


def _visible(mob) -> bool:
    """Whether any part of ``mob`` is drawn with some opacity."""
    for part in mob.get_family():
        for rgbas in (getattr(part, "fill_rgbas", None), getattr(part, "stroke_rgbas", None)):
            if rgbas is not None and len(rgbas) and len(part.points) and float(np.max(rgbas[:, 3])) > 0.02:
                return True
        if not hasattr(part, "fill_rgbas") and getattr(part, "opacity", 0) > 0.02:
            return True
    return False


def _box_of(mob) -> Box:
    (x0, y0, _), (x1, y1, _) = mob.get_corner(DOWN + LEFT), mob.get_corner(UP + RIGHT)
    return Box(float(x0), float(y0), float(x1), float(y1))


def _region_of(mob) -> Box | None:
    """The picture region ``mob`` draws in: the box it is clipped to, else the square region of
    a view (a :class:`~nnanim.draw.mobjects.FlowView`) or of a panel; ``None`` for anything else."""
    clip = getattr(mob, "clip_box", None)
    if clip is not None:
        return _as_box(clip)
    if hasattr(mob, "view_origin") and hasattr(mob, "view_height"):
        (x, y), h = np.asarray(mob.view_origin, dtype=float)[:2], float(mob.view_height)
        w = float(getattr(mob, "view_width", h))
        return Box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    if hasattr(mob, "panel_centre") and hasattr(mob, "panel_size"):
        (x, y), s = np.asarray(mob.panel_centre, dtype=float)[:2], float(mob.panel_size)
        return Box(x - s / 2, y - s / 2, x + s / 2, y + s / 2)
    return None


def _as_box(clip) -> Box | None:
    """A clip box ``(x0, y0, x1, y1)`` as a :class:`Box`."""
    return None if clip is None else Box(*map(float, clip))
