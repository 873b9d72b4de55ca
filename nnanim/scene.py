"""The base scene of every nnanim storyboard: options, the run to show, the layout.

A scene in ``scenes/`` subclasses :class:`FlowScene`, sets its training
``defaults`` and writes its
``construct`` as a storyboard.  ``nnanim render`` passes the command-line
options as the class attribute ``options``; a plain
``manim scenes/layers.py LayersScene`` uses the defaults.

Layout: a sidebar on the left holds the words (stage title, explanation,
what is shown); the pictures use the square on the right, so text never
covers data.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UL,
    Scene,
    Text,
    VGroup,
    config,
)
from threadpoolctl import threadpool_limits

from nnanim.mobjects import FastCamera, OpacityFade
from nnanim.record import Run, TrainingDiverged, config_from_options, train
from nnanim.theme import Theme, load_theme

__all__ = ["Caption", "FlowScene", "SIDEBAR_WIDTH"]


#: width of the text column on the left, in scene units (the frame is 8 high, 14.2 wide)
SIDEBAR_WIDTH = 4.6
#: characters per line of an explanation in the sidebar
WRAP = 30


class Caption(VGroup):
    """A bold title and a wrapped explanation, left-aligned."""

    def __init__(self, title: str, detail: str = "", theme: Theme | None = None,
                 size: float = 34, wrap: int = WRAP, **kwargs) -> None:
        theme = theme or load_theme()
        super().__init__(**kwargs)
        head = Text(title, font=theme.font, font_size=size, color=theme.foreground, weight="BOLD")
        if head.width > SIDEBAR_WIDTH - 0.7:  # a long title must not spill over the picture
            head.scale_to_fit_width(SIDEBAR_WIDTH - 0.7)
        self.add(head)
        if detail:
            for chars in range(wrap, 12, -2):  # narrower lines until the text fits the column
                body = "\n".join(textwrap.wrap(detail, chars))
                sub = Text(body, font=theme.font, font_size=size * 0.62, color=theme.muted,
                           line_spacing=0.9)
                if sub.width <= SIDEBAR_WIDTH - 0.7:
                    break
            sub.next_to(head, DOWN, buff=0.2, aligned_edge=LEFT)
            self.add(sub)


class FlowScene(Scene):
    """Base of every storyboard: fast point clouds, theme, options, the run to show, the layout."""

    options: dict[str, Any] = {}
    #: training defaults of this scene (fields of :class:`~nnanim.record.TrainConfig`)
    defaults: dict[str, Any] = {}

    def __init__(self, **kwargs) -> None:
        self._prepare()
        kwargs.setdefault("camera_class", FastCamera)
        super().__init__(**kwargs)

    def _prepare(self) -> None:
        """Theme and background, before Manim builds the camera; one BLAS thread."""
        self.theme = load_theme(self.options.get("theme", "dark"))
        if not config.transparent:
            config.background_color = self.theme.background
        # frames are computed with small matrix products: BLAS threads only cost time here
        threadpool_limits(limits=1, user_api="blas")

    def opt(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value is None else value

    def load_run(self) -> tuple[Run, int]:
        """The run to show and the record index: ``options['run']`` or a fresh training."""
        from nnanim.render import RenderError  # the error the CLI reports as bad input

        run = self.options.get("run")
        try:
            if run is None:
                run = train(config_from_options(self.defaults, self.options))
            elif not isinstance(run, Run):
                run = Run.load(run)
            return run, run.record_index(self.options.get("epoch"))
        except (ValueError, TrainingDiverged) as exc:  # bad options, data or run file
            raise RenderError(str(exc)) from None

    # -- layout
    @property
    def picture_region(self) -> tuple[np.ndarray, float]:
        """``(centre, height)`` of the square right of the sidebar, in scene units."""
        left = -config.frame_width / 2 + SIDEBAR_WIDTH
        centre = np.array([(left + config.frame_width / 2) / 2, 0.0, 0.0])
        height = min(config.frame_height, config.frame_width / 2 - left) * 0.9
        return centre, height

    @property
    def picture_clip(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)``: everything right of the text column, where pictures may draw."""
        w, h = config.frame_width / 2, config.frame_height / 2
        return (-w + SIDEBAR_WIDTH, -h, w, h)

    def fix(self, *mobjects) -> None:
        """Add still mobjects *below* everything else.

        Manim redraws every frame all mobjects from the first moving one on;
        text kept at the back is drawn once into the static background (the
        pictures are clipped out of the text column, so nothing covers it).
        """
        self.add(*mobjects)
        self.bring_to_back(*mobjects)

    def caption(self, title: str, detail: str = "", size: float = 34) -> Caption:
        cap = Caption(title, detail, self.theme, size=size)
        return cap.to_corner(UL, buff=0.4)

    def swap_caption(self, old: Caption | None, title: str, detail: str = "",
                     run_time: float = 0.3) -> Caption:
        """Replace the caption in a short play of its own (nothing else moves meanwhile)."""
        new = self.caption(title, detail)
        self.fix(new)
        anims = [OpacityFade(new)] + ([OpacityFade(old, fade_in=False)] if old is not None else [])
        self.play(*anims, run_time=run_time)
        return new

    def header(self, run: Run, record: int) -> VGroup:
        """Bottom of the sidebar: dataset, architecture, epoch."""
        words = run.describe_parts(record)
        lines = [words["dataset"], words["architecture"], f"{words['activations']} · {words['epoch']}"]
        texts = VGroup(*[self.label(t, size=20, color=self.theme.muted) for t in lines])
        texts.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if texts.width > SIDEBAR_WIDTH - 0.7:
            texts.scale_to_fit_width(SIDEBAR_WIDTH - 0.7)
        return texts.to_corner(DOWN + LEFT, buff=0.4)

    def label(self, text: str, size: float = 26, color=None, weight="NORMAL") -> Text:
        return Text(text, font=self.theme.font, font_size=size, color=color or self.theme.foreground,
                    weight=weight)
