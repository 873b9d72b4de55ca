"""Sweep files: many renders written as a product of option lists and one output name pattern.

A sweep file is TOML (``nnanim batch SWEEP.toml``)::

    output = "clips/{scene}-{dataset}-{aspect}.{format}"
    quality = "l"                 # fixed options: any config key of `nnanim render`
    epochs = 400

    [sweep]                       # lists: every combination is one render
    scene = ["layers", "training"]
    dataset = ["moons", "circles", "xor"]
    aspect = ["16:9", "9:16"]

Top-level keys are fixed options (``scene`` among them, if it is fixed);
every key of ``[sweep]`` is a list of values, and the items are their
product, in the file's order.  ``output`` names each item's file: a
placeholder ``{KEY}`` is the item's value of any key of the file (fixed or
swept), ``{format}`` defaults to ``mp4``; values are made safe for file
names (``16:9`` → ``16x9``, ``csv:data/a.csv`` → ``csv_data_a.csv``, lists
joined by ``-``).  A relative output is relative to the working directory.

A sweep is counted before it is expanded: more than :data:`MAX_ITEMS` items
(10,000; a million with ``NNANIM_NO_LIMITS=1``) is refused at once.  Every
value is checked by the option table (:func:`nnanim.options.parse_options`)
and scene names by the scene registry, so a bad file is one line naming the
file and the key; two items that would write the same file are refused.
Whether an item's dataset exists or its scene accepts it is found out when
the item runs (and reported for that item only).  Pure: no manim, no Dask.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnanim.errors import NnanimError
from nnanim.files import NO_LIMITS_ENV, limits_on
from nnanim.options import options_for, parse_options, read_toml

__all__ = ["Item", "Sweep", "expand", "load_sweep", "slug"]

#: the table of swept keys
SWEEP_TABLE = "sweep"


@dataclass(frozen=True)
class Item:
    """One render of a sweep: its scene, its checked options (``output`` set) and its file."""

    index: int
    scene: str
    options: dict[str, Any]
    output: Path
    swept: tuple[tuple[str, Any], ...]

    @property
    def label(self) -> str:
        """The swept values, for progress lines and the summary: ``layers · moons · 9:16``."""
        return " · ".join(_shown(v) for _, v in self.swept) or self.scene

    def describe(self) -> str:
        """``scene=layers, dataset=moons, aspect=9:16`` (the swept keys)."""
        return ", ".join(f"{k}={_shown(v)}" for k, v in self.swept) or f"scene={self.scene}"


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file: the fixed options, the swept lists, the output pattern."""

    path: Path
    output: str
    fixed: dict[str, Any]
    swept: dict[str, list[Any]]

    def items(self, base: Path | None = None) -> list[Item]:
        return expand(self, base)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def slug(value: Any) -> str:
    """``value`` as a piece of a file name: ``16:9`` → ``16x9``, lists joined by ``-``."""
    if isinstance(value, (list, tuple)):
        return "-".join(slug(v) for v in value)
    text = _shown(value)
    if re.fullmatch(r"\d+:\d+", text):
        text = text.replace(":", "x")
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_") or "_"


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read and check a sweep file; one-line :class:`NnanimError` naming the file and the key."""
    path = Path(path).expanduser()
    where = f"{path}: "
    data = read_toml(path, "sweep file")

    swept_raw = data.pop(SWEEP_TABLE, {})
    if not isinstance(swept_raw, dict):
        raise NnanimError(f"{where}{SWEEP_TABLE} must be a table: [sweep] with lists under it")
    for key, value in data.items():
        if isinstance(value, dict):
            raise NnanimError(f"{where}[{key}]: the only table is [sweep]; write fixed options "
                              "at the top level")
    output = data.pop("output", None)
    if not isinstance(output, str) or not output.strip():
        raise NnanimError(f'{where}give the output name pattern, e.g. output = '
                          f'"clips/{{scene}}-{{dataset}}-{{aspect}}.mp4"')
    if "output" in swept_raw:
        raise NnanimError(f"{where}[sweep] key 'output': the output is one pattern, at the top level")
    both = sorted(set(data) & set(swept_raw))
    if both:
        raise NnanimError(f"{where}key {both[0]!r} is both fixed and in [sweep]; keep one")

    for key, values in swept_raw.items():
        if not isinstance(values, list) or not values:
            raise NnanimError(f"{where}[sweep] key {_quote(key)}: give a list of values, "
                              f'e.g. {_quote(key)} = ["a", "b"]')
    count = math.prod(len(values) for values in swept_raw.values())  # before anything is expanded
    limit = max_items()
    if count > limit:
        lists = " × ".join(str(len(v)) for v in swept_raw.values())
        raise NnanimError(f"{where}the sweep has {count:,} items ({lists}), more than {limit:,}; "
                          f"shorten the lists under [sweep]" + (
                              f", or set {NO_LIMITS_ENV}=1 (nnanim --no-limits)" if limits_on() else ""))

    names = _scene_names()  # the scene registry, read once for the whole file
    scene_fixed = data.pop("scene", None)
    fixed = parse_options("render", data, where)
    swept: dict[str, list[Any]] = {}
    for key, values in swept_raw.items():
        at = f"{where}[sweep] key {_quote(key)}"
        if key == "scene":
            checked = [_scene(v, at, names) for v in values]
        else:
            checked = [parse_options("render", {key: v}, f"{where}[sweep] ")[key] for v in values]
        seen: set[str] = set()
        for value in checked:
            if repr(value) in seen:
                raise NnanimError(f"{at}: {_quote(_shown(value))} is listed twice")
            seen.add(repr(value))
        swept[key] = checked
    if scene_fixed is None and "scene" not in swept:
        raise NnanimError(f'{where}no scene: give scene = "layers", or a list under [sweep]')
    if scene_fixed is not None:
        fixed = {"scene": _scene(scene_fixed, f"{where}key 'scene'", names), **fixed}
    sweep = Sweep(path, output.strip(), fixed, swept)
    _check_pattern(sweep)
    return sweep


#: the most items a sweep may have (``NNANIM_NO_LIMITS=1``: ``MAX_ITEMS_UNLIMITED``)
MAX_ITEMS = 10_000
MAX_ITEMS_UNLIMITED = 1_000_000


def max_items() -> int:
    """How many items a sweep may have: :data:`MAX_ITEMS`, or more with the limits lifted."""
    return MAX_ITEMS if limits_on() else MAX_ITEMS_UNLIMITED


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _scene_names() -> list[str]:
    from nnanim.contract import scene_names

    return scene_names()


def _scene(value: Any, at: str, names: list[str]) -> str:
    key = value.strip().replace("_", "-") if isinstance(value, str) else value
    if key not in names:
        raise NnanimError(f"{at}: unknown scene {_quote(value)}; choose from: {', '.join(names)}")
    return key


def _fields(sweep: Sweep) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(sweep.output) if name is not None]
    except ValueError as exc:
        raise NnanimError(f"{sweep.path}: output {sweep.output!r}: {exc} "
                          "(write {{ and }} for braces)") from None


def _check_pattern(sweep: Sweep) -> None:
    known = set(sweep.fixed) | set(sweep.swept) | {"format"}
    for name in _fields(sweep):
        if name not in known:
            raise NnanimError(f"{sweep.path}: output {sweep.output!r}: {{{name}}} is not a key of "
                              f"the sweep; use {', '.join('{' + k + '}' for k in sorted(known))}")


def expand(sweep: Sweep, base: Path | None = None) -> list[Item]:
    """Every item of ``sweep``, its output absolute (relative to ``base``, default the working
    directory).  Two items with one output: :class:`NnanimError` naming both and what differs."""
    base = Path.cwd() if base is None else base
    keys = list(sweep.swept)
    items: list[Item] = []
    seen: dict[Path, Item] = {}
    valid = {o.name for o in options_for("render")}
    for index, combo in enumerate(itertools.product(*(sweep.swept[k] for k in keys)), start=1):
        values = {**sweep.fixed, **dict(zip(keys, combo))}
        scene = values.pop("scene")
        names = {k: slug(v) for k, v in values.items()}
        names["scene"] = slug(scene)
        names.setdefault("format", "mp4")
        try:
            name = sweep.output.format_map(names)
        except (ValueError, IndexError, KeyError) as exc:
            raise NnanimError(f"{sweep.path}: output {sweep.output!r}: {exc}") from None
        output = Path(os.path.normpath(base / Path(name).expanduser()))
        options = {k: v for k, v in values.items() if k in valid}
        options["output"] = str(output)
        item = Item(index, scene, options, output, tuple(zip(keys, combo)))
        if output in seen:
            other = seen[output]
            differ = [k for (k, a), (_, b) in zip(other.swept, item.swept) if a != b]
            raise NnanimError(
                f"{sweep.path}: items {other.index} and {index} both write {output}; put "
                f"{' and '.join('{' + k + '}' for k in differ)} in output")
        seen[output] = item
        items.append(item)
    return items
