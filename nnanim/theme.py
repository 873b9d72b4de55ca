"""Themes: the colours and sizes of every picture, read from JSON files.

A theme is data, not code.  The built-in ones are ``assets/themes/*.json``
(add a file beside ``dark.json`` to add one); any other ``.json`` file with the
same keys can be given by path (``--theme my-theme.json``).  Loading is
strict: an unknown or missing key (but for :data:`LATER_KEYS`, which a theme
written before them takes from the built-in dark or light theme), a value of the wrong type, a colour that
is not ``#RRGGBB``, an opacity outside [0, 1], a line width outside [0, 50]
(pixels) or a point radius outside (0, 0.5] (scene units) is refused
with one line naming the file and the key, never dropped or defaulted.

This module also holds the one colour parser of the library, :func:`hex_rgb`,
and :func:`mix`.  No manim import here.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from nnanim.errors import NnanimError

__all__ = ["REGION_COLOURS", "SAFE_CLASSES", "Theme", "hex_rgb", "list_themes", "load_theme", "mix"]

#: how many class colours the built-in themes keep apart for colour-blind eyes too (the first
#: ones of ``classes``, Okabe-Ito-based); scenes about many classes refuse more
SAFE_CLASSES = 8

#: the fewest colours a theme's ``regions`` palette holds: enough to colour any map of convex
#: regions so that neighbours differ (a planar map's adjacency graph is 5-degenerate)
REGION_COLOURS = 6

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def _key(kind: str) -> Any:
    """A theme key; ``kind`` says what :func:`load_theme` accepts for it (see ``_CHECKS``)."""
    return field(metadata={"kind": kind})


@dataclass(frozen=True)
class Theme:
    name: str = _key("text")
    description: str = _key("text")
    background: str = _key("colour")
    foreground: str = _key("colour")
    muted: str = _key("colour")
    panel: str = _key("colour")
    panel_opacity: float = _key("opacity")
    #: class colours; in the built-in themes the first :data:`SAFE_CLASSES` stay apart under
    #: protanopia, deuteranopia and tritanopia as well (a test checks it)
    classes: tuple[str, ...] = _key("colours")
    #: a continuous colour map for numeric targets (regression), low to high, as evenly spaced
    #: stops (viridis: colour-blind safe, lightness rising); each theme drops the end that
    #: would vanish into its background
    targets: tuple[str, ...] = _key("colours")
    #: the sign of a weight (or of any signed value that is not about a class), negative then
    #: positive: a diverging pair of their own, apart from every class colour and from each other
    #: for colour-blind eyes too (a test checks it), so a weight never reads as class information
    weights: tuple[str, ...] = _key("pair")
    #: linear-region maps: at least :data:`REGION_COLOURS` colours, apart from each other for
    #: colour-blind eyes too; drawn muted (mixed towards the background) and outlined, so that
    #: neighbouring regions never share a colour (see :func:`nnanim.core.regions.region_colouring`)
    regions: tuple[str, ...] = _key("palette")
    grid: str = _key("colour")
    grid_opacity: float = _key("opacity")
    grid_width: float = _key("size")
    boundary: str = _key("colour")
    boundary_width: float = _key("size")
    point_radius: float = _key("radius")
    point_rim: str = _key("colour")
    font: str = _key("text")

    def class_rgb(self, k: int) -> np.ndarray:
        """``(k, 3)`` RGB in [0, 1] for classes 0..k-1 (cycling past the palette's end)."""
        return np.array([hex_rgb(self.classes[i % len(self.classes)]) for i in range(k)])

    def weight_rgb(self, values: Any) -> np.ndarray:
        """``(n, 3)`` RGB in [0, 1]: the weights pair's negative colour where ``values < 0``, else
        its positive one."""
        neg, pos = (np.array(hex_rgb(c)) for c in self.weights)
        v = np.asarray(values, dtype=float).ravel()
        return np.where(v[:, None] < 0, neg, pos)

    def target_rgb(self, values: Any, lo: float, hi: float) -> np.ndarray:
        """``(n, 3)`` RGB in [0, 1] for numeric ``values`` on the target colour map.

        ``lo`` maps to the first stop, ``hi`` to the last, linearly in between
        (values outside are clipped); ``lo == hi`` gives the middle colour.
        """
        stops = np.array([hex_rgb(c) for c in self.targets])
        v = np.asarray(values, dtype=float).ravel()
        t = np.full(v.shape, 0.5) if hi <= lo else np.clip((v - lo) / (hi - lo), 0.0, 1.0)
        if len(stops) == 1:
            return np.repeat(stops, len(v), axis=0)
        at = np.linspace(0.0, 1.0, len(stops))
        return np.column_stack([np.interp(t, at, stops[:, c]) for c in range(3)])


# --------------------------------------------------------------------------- colours


def hex_rgb(code: str) -> tuple[float, float, float]:
    """``"#RRGGBB"`` (either case) → ``(r, g, b)`` in [0, 1]; anything else raises NnanimError."""
    return tuple(v / 255 for v in _bytes(code))  # type: ignore[return-value]


def mix(a: str, b: str, t: float) -> str:
    """The colour ``(1 - t)·a + t·b`` of two ``#RRGGBB`` colours, as ``"#rrggbb"`` (0 ≤ t ≤ 1).

    Mixed per 8-bit channel and rounded, so ``mix(a, b, 0) == a.lower()``.
    """
    if not (isinstance(t, int | float) and 0 <= t <= 1):
        raise NnanimError(f"a colour mix takes a fraction between 0 and 1, not {t!r}")
    return "#" + "".join(f"{round((1 - t) * x + t * y):02x}" for x, y in zip(_bytes(a), _bytes(b)))


def _bytes(code: Any) -> tuple[int, int, int]:
    if not (isinstance(code, str) and _HEX.fullmatch(code)):
        raise NnanimError(f"colour {code!r} is not of the form '#RRGGBB'")
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


# --------------------------------------------------------------------------- loading


def _theme_files() -> dict:
    folder = resources.files("nnanim.assets") / "themes"
    return {p.name[:-5]: p for p in folder.iterdir() if p.name.endswith(".json")}


def list_themes() -> dict[str, str]:
    """Built-in theme name → one-line description."""
    return {name: load_theme(name).description for name in sorted(_theme_files())}


def load_theme(name_or_path: str | os.PathLike = "dark") -> Theme:
    """Load a built-in theme by name, or a theme file by path.

    Parameters
    ----------
    name_or_path
        A name from :func:`list_themes`, or the path of a ``.json`` file
        holding every key of :class:`Theme` (a string counts as a path when
        it ends in ``.json`` or contains a folder separator).

    Raises
    ------
    NnanimError
        An unknown name (the message lists the built-in ones), a file that
        cannot be read or is not valid JSON (with its line), or a key that is
        unknown, missing or has a bad value (naming the file and the key).
    """
    files = _theme_files()
    if isinstance(name_or_path, str) and name_or_path in files:
        return _parse(files[name_or_path].read_text(encoding="utf-8"), files[name_or_path])
    if not _is_path(name_or_path):
        raise NnanimError(f"unknown theme {name_or_path!r}; choose from: {', '.join(sorted(files))}, "
                          "or give the path of a .json theme file")
    from nnanim.files import read_limited

    path = Path(name_or_path).expanduser()
    if not os.path.lexists(path):
        raise NnanimError(f"theme file {path}: no such file")
    try:  # a regular file only (a FIFO or a device refused at once), at most LIMITS["theme file"]
        raw = read_limited(path, "theme file")
    except NnanimError as error:
        raise NnanimError(f"theme file {error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NnanimError(f"theme file {path}: not a UTF-8 text file") from None
    return _parse(text, path)


def _is_path(value: Any) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and (value.lower().endswith(".json") or "/" in value or os.sep in value)


def _parse(text: str, source: Any) -> Theme:
    where = f"theme file {source}"
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as error:
        raise NnanimError(f"{where}: key {error.args[0]!r} is given twice") from None
    except json.JSONDecodeError as error:
        raise NnanimError(f"{where}, line {error.lineno} column {error.colno}: "
                          f"not valid JSON ({error.msg})") from None
    except RecursionError:
        raise NnanimError(f"{where}: nested too deeply; a theme is one flat JSON object") from None
    if not isinstance(data, dict):
        raise NnanimError(f"{where}: a theme is a JSON object of keys and values, "
                          f"not {_json_type(data)}")
    kinds = {f.name: f.metadata["kind"] for f in fields(Theme)}
    for key in data:
        if key not in kinds:
            close = difflib.get_close_matches(key, kinds, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; the keys are: {', '.join(kinds)}"
            raise NnanimError(f"{where}: unknown key {key!r}{hint}")
    later = [key for key in LATER_KEYS if key not in data]
    if later and "background" in data and _is_builtin_complete():
        data = {**data, **_from_builtin(data["background"], later)}
    missing = [key for key in kinds if key not in data]
    if missing:
        raise NnanimError(f"{where}: missing key{'s' if len(missing) > 1 else ''} "
                          + ", ".join(repr(k) for k in missing))
    values = {}
    for key, kind in kinds.items():
        problem, value = _CHECKS[kind](data[key])
        if problem:
            raise NnanimError(f"{where}: {key!r} must be {problem}, not {_shown(data[key])}")
        values[key] = value
    return Theme(**values)


#: keys added after themes were first written (step 9): a theme file without them takes them
#: from the built-in theme whose background is nearest its own (dark or light), so users' theme
#: files keep working; every other key is required
LATER_KEYS = ("weights", "regions")


def _is_builtin_complete() -> bool:
    return all(name in _theme_files() for name in ("dark", "light"))


def _from_builtin(background: Any, keys: list[str]) -> dict:
    """``keys`` from the built-in dark or light theme, whichever background is nearer ``background``."""
    try:
        rgb = np.array(hex_rgb(background))
    except Exception:  # a bad background is refused by its own check, with its own message
        return {}
    files = _theme_files()
    best = min(("dark", "light"), key=lambda name: float(np.sum(
        (np.array(hex_rgb(json.loads(files[name].read_text(encoding="utf-8"))["background"])) - rgb) ** 2)))
    built = json.loads(files[best].read_text(encoding="utf-8"))
    return {key: built[key] for key in keys}


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    data = dict(pairs)
    if len(data) < len(pairs):
        seen: set[str] = set()
        raise _Duplicate(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return data


def _text(value: Any) -> tuple[str | None, Any]:
    return (None, value) if isinstance(value, str) else ("a string", None)


def _colour(value: Any) -> tuple[str | None, Any]:
    ok = isinstance(value, str) and _HEX.fullmatch(value)
    return (None, value) if ok else ("a colour written '#RRGGBB'", None)


def _colours(value: Any) -> tuple[str | None, Any]:
    ok = isinstance(value, list) and value and all(_colour(v)[0] is None for v in value)
    return (None, tuple(value)) if ok else ("a non-empty list of colours written '#RRGGBB'", None)


def _pair(value: Any) -> tuple[str | None, Any]:
    ok = isinstance(value, list) and len(value) == 2 and all(_colour(v)[0] is None for v in value)
    return (None, tuple(value)) if ok else ("a list of two colours written '#RRGGBB' (negative, positive)",
                                            None)


def _palette(value: Any) -> tuple[str | None, Any]:
    ok = (isinstance(value, list) and len(value) >= REGION_COLOURS
          and all(_colour(v)[0] is None for v in value))
    return (None, tuple(value)) if ok else (
        f"a list of at least {REGION_COLOURS} colours written '#RRGGBB'", None)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _opacity(value: Any) -> tuple[str | None, Any]:
    return (None, float(value)) if _number(value) and 0 <= value <= 1 else ("a number from 0 to 1", None)


#: the ranges of the sizes: a line width in pixels at 1080p, a point radius in scene units (the
#: frame's short side is 8); anything larger draws nothing useful and can cost gigabytes
MAX_WIDTH = 50.0
MAX_RADIUS = 0.5


def _size(value: Any) -> tuple[str | None, Any]:
    ok = _number(value) and 0 <= value <= MAX_WIDTH
    return (None, float(value)) if ok else (f"a number from 0 to {MAX_WIDTH:g}", None)


def _radius(value: Any) -> tuple[str | None, Any]:
    ok = _number(value) and 0 < value <= MAX_RADIUS
    return (None, float(value)) if ok else (f"a number greater than 0 and at most {MAX_RADIUS:g}", None)


_CHECKS = {"text": _text, "colour": _colour, "colours": _colours, "pair": _pair, "palette": _palette,
           "opacity": _opacity, "size": _size,
           "radius": _radius}


def _json_type(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."
