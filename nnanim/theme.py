"""Themes: the colours and sizes of every picture, read from ``assets/themes/*.json``.

A theme is data, not code; add a JSON file beside ``dark.json`` to add one.
No manim import here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from importlib import resources

import numpy as np

__all__ = ["Theme", "list_themes", "load_theme"]


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    background: str
    foreground: str
    muted: str
    panel: str
    panel_opacity: float
    classes: tuple[str, ...]
    grid: str
    grid_opacity: float
    grid_width: float
    boundary: str
    boundary_width: float
    point_radius: float
    point_rim: str
    font: str

    def class_rgb(self, k: int) -> np.ndarray:
        """``(k, 3)`` RGB in [0, 1] for classes 0..k-1 (cycling past the palette's end)."""
        return np.array([_hex_rgb(self.classes[i % len(self.classes)]) for i in range(k)])


def _hex_rgb(code: str) -> tuple[float, float, float]:
    code = code.lstrip("#")
    return tuple(int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _theme_files() -> dict:
    folder = resources.files("nnanim.assets") / "themes"
    return {p.name[:-5]: p for p in folder.iterdir() if p.name.endswith(".json")}


def list_themes() -> dict[str, str]:
    """Theme name → one-line description."""
    return {name: load_theme(name).description for name in sorted(_theme_files())}


def load_theme(name: str = "dark") -> Theme:
    """Load a theme by name; ``ValueError`` lists the valid names."""
    files = _theme_files()
    if name not in files:
        raise ValueError(f"unknown theme {name!r}; choose from {', '.join(sorted(files))}")
    data = json.loads(files[name].read_text())
    known = {f.name for f in fields(Theme)}
    data = {k: v for k, v in data.items() if k in known}
    data["classes"] = tuple(data["classes"])
    return Theme(**data)
