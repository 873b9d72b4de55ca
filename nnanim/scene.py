"""The base scene of every nnanim storyboard: options, the run to show, captions.

A scene in ``scenes/`` subclasses :class:`FlowScene`, sets its training
``defaults`` and writes its ``construct`` as a storyboard.  ``nnanim render``
passes the command-line options as the class attribute ``options``; a plain
``manim scenes/layers.py LayersScene`` uses the defaults.
"""

from __future__ import annotations

from typing import Any

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    DR,
    UL,
    BackgroundRectangle,
    Scene,
    Text,
    ThreeDScene,
    VGroup,
    config,
)

from nnanim.mobjects import FastCamera, FastThreeDCamera, OpacityFade
from nnanim.record import Run, TrainConfig, train
from nnanim.theme import Theme, load_theme

__all__ = ["FlowScene", "FlowThreeDScene", "Caption"]

TRAINING_KEYS = ("dataset", "n_samples", "noise", "classes", "seed", "hidden", "activation",
                 "optimizer", "lr", "epochs", "batch_size", "l2", "record_every")


class Caption(VGroup):
    """A title line and an optional explanation line, on a translucent panel."""

    def __init__(self, title: str, detail: str = "", theme: Theme | None = None,
                 size: float = 34, **kwargs) -> None:
        theme = theme or load_theme()
        super().__init__(**kwargs)
        head = Text(title, font=theme.font, font_size=size, color=theme.foreground, weight="BOLD")
        self.add(head)
        if detail:
            sub = Text(detail, font=theme.font, font_size=size * 0.62, color=theme.muted)
            sub.next_to(head, DOWN, buff=0.14, aligned_edge=LEFT)
            self.add(sub)
        panel = BackgroundRectangle(self, color=theme.panel, fill_opacity=theme.panel_opacity,
                                    buff=0.18, corner_radius=0.08, stroke_width=0)
        self.add_to_back(panel)


class _OptionsMixin:
    """Options, theme and the run to show; shared by the 2-D and 3-D bases."""

    options: dict[str, Any] = {}
    #: training defaults of this scene (fields of :class:`~nnanim.record.TrainConfig`)
    defaults: dict[str, Any] = {}

    def _init_theme(self) -> None:
        self.theme = load_theme(self.options.get("theme", "dark"))
        if not config.transparent:
            config.background_color = self.theme.background

    def opt(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value is None else value

    def load_run(self) -> tuple[Run, int]:
        """The run to show and the record index: ``options['run']`` or a fresh training."""
        run = self.options.get("run")
        if run is None:
            kwargs = {**self.defaults, **{k: self.options[k] for k in TRAINING_KEYS if k in self.options}}
            run = train(TrainConfig(**kwargs))
        elif not isinstance(run, Run):
            run = Run.load(run)
        return run, run.record_index(self.options.get("epoch"))

    def caption(self, title: str, detail: str = "", corner=UL, size: float = 34) -> Caption:
        cap = Caption(title, detail, self.theme, size=size)
        return cap.to_corner(corner, buff=0.35)

    def swap_caption(self, old: Caption | None, title: str, detail: str = "",
                     run_time: float = 0.3) -> Caption:
        """Replace the caption in a short play of its own (nothing else moves meanwhile)."""
        new = self.caption(title, detail)
        if hasattr(self, "add_fixed_in_frame_mobjects"):
            self.add_fixed_in_frame_mobjects(new)
        anims = [OpacityFade(new)] + ([OpacityFade(old, fade_in=False)] if old is not None else [])
        self.play(*anims, run_time=run_time)
        return new

    def header(self, run: Run, record: int) -> VGroup:
        """Bottom-right panel: dataset, architecture, epoch."""
        arch = " → ".join(str(w) for w in run.widths)
        acts = "/".join(dict.fromkeys(run.activations))
        spec = run.meta.get("dataset", {}).get("spec", run.options.get("dataset", ""))
        lines = [f"{spec} · {len(run.X)} points", f"{arch} · {acts}", f"epoch {run.epochs[record]}"]
        texts = VGroup(*[self.label(t, size=20, color=self.theme.muted) for t in lines])
        texts.arrange(DOWN, aligned_edge=RIGHT, buff=0.1)
        panel = BackgroundRectangle(texts, color=self.theme.panel, fill_opacity=self.theme.panel_opacity,
                                    buff=0.16, corner_radius=0.08, stroke_width=0)
        return VGroup(panel, texts).to_corner(DR, buff=0.3)

    def label(self, text: str, size: float = 26, color=None, weight="NORMAL") -> Text:
        return Text(text, font=self.theme.font, font_size=size, color=color or self.theme.foreground,
                    weight=weight)


class FlowScene(_OptionsMixin, Scene):
    """Base for 2-D storyboards: fast point clouds, theme, options."""

    def __init__(self, **kwargs) -> None:
        self._init_theme()
        kwargs.setdefault("camera_class", FastCamera)
        super().__init__(**kwargs)


class FlowThreeDScene(_OptionsMixin, ThreeDScene):
    """Base for storyboards that show 3-unit layers in 3-D (camera orbit)."""

    def __init__(self, **kwargs) -> None:
        self._init_theme()
        kwargs.setdefault("camera_class", FastThreeDCamera)
        super().__init__(**kwargs)

