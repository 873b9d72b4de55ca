"""The one option table: every option of ``train``, ``render``, ``storyboard`` and ``slides``.

Each :class:`Option` row holds a name, a parser that converts *and* checks a
value (from the command line, a TOML config file or the Python API), a
default, a help line and the commands that take it.  The click options, the
``--config`` files, ``--dump-config``, the Python API and the README's option
tables are all generated from :data:`OPTIONS`; nothing here is written twice.
Cross-option checks (one activation per layer, a recorded epoch, ...) live
with the objects they concern (:class:`~nnanim.core.record.TrainConfig`, the
scene contract).  Pure Python: no manim import.

Precedence, for every command: command line > config file > the scene's
defaults > the table's defaults.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnanim.errors import NnanimError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "ASPECTS",
    "COMMANDS",
    "OPTIONS",
    "Option",
    "dump_config",
    "fill_tables",
    "load_config",
    "markdown_table",
    "options_for",
    "parse_options",
]

COMMANDS = ("train", "render", "storyboard", "slides")
ASPECTS = ("16:9", "9:16", "1:1", "4:3")
TRAINING = frozenset({"train", "render", "storyboard", "slides"})
SCENE = frozenset({"render", "storyboard", "slides"})
RENDER = frozenset({"render"})
STORYBOARD = frozenset({"storyboard"})
SLIDES = frozenset({"slides"})


# --------------------------------------------------------------------------- parsers
# Each takes a value as a user gave it (a string from the shell, or a TOML/Python
# value) and returns the checked Python value, or raises ValueError with a short
# reason (the caller names the option and where it came from).


def _quote(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for a message, cut to at most ``limit`` characters (a 300-digit number, a
    megabyte of text or a list of a million widths is quoted by its start)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**limit:
        return f"a number of more than {limit} digits"
    if isinstance(value, (list, tuple)) and len(value) > limit:
        value = value[:limit]
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int(low: int | None = None, high: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"must be a whole number, not {_quote(value)}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"must be a whole number, not {_quote(value)}") from None
        if not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {_quote(value)}")
        if low is not None and value < low or high is not None and value > high:
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise ValueError(f"must be {span}, not {_quote(value)}")
        return value

    parse.span = (f"{low:,} to {high:,}" if high is not None  # type: ignore[attr-defined]
                  else f"{low:,} or more" if low is not None else "")
    return parse


def _float(low: float = -math.inf, high: float = math.inf, *, open_low: bool = False
           ) -> Callable[[Any], float]:
    if open_low:
        span = f"greater than {low:g}" + (f" and at most {high:g}" if high < math.inf else "")
    elif high < math.inf:
        span = f"from {low:g} to {high:g}"
    elif low > -math.inf:
        span = f"{low:g} or more"
    else:
        span = "a finite number"

    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"must be a number, not {_quote(value)}")
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number, not {_quote(value)}") from None
        if not math.isfinite(number):
            raise ValueError(f"must be a finite number, {span}, not {_quote(value)}"
                             if span != "a finite number"
                             else f"must be a finite number, not {_quote(value)}")
        if number < low or (open_low and number <= low) or number > high:
            raise ValueError(f"must be {span}, not {number:g}")
        return number

    parse.span = (f"more than {low:g}, at most {high:g}" if open_low and high < math.inf  # type: ignore
                  else f"{low:g} to {high:g}" if high < math.inf
                  else f"more than {low:g}" if open_low
                  else f"{low:g} or more" if low > -math.inf else "")
    return parse


def _feature(value: Any) -> str:
    """A feature expression, checked by the parser of ``expr:`` datasets."""
    from nnanim.core.data import parse_feature

    text = _text(value)
    parse_feature(text)  # a DatasetError is a ValueError: named by the caller, one line
    return text


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, not {_quote(value)}")
    return value.strip()


def _choice(names: Callable[[], Iterable[str]] | Iterable[str]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        valid = list(names() if callable(names) else names)
        key = value.strip().lower() if isinstance(value, str) else value
        if key not in valid:
            raise ValueError(f"unknown value {_quote(value)}; choose from: {', '.join(valid)}")
        return key

    return parse


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise ValueError(f"must be true or false, not {_quote(value)}")


def _hidden(value: Any) -> list[int]:
    from nnanim.core.record import parse_hidden

    if isinstance(value, (list, tuple)) and any(isinstance(w, bool) or not isinstance(w, int)
                                                for w in value):
        raise ValueError(f"give whole numbers, e.g. [8, 8, 2], not {_quote(value)}")
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (str, list, tuple)):
        raise ValueError(f"give widths like 8,8,2, not {_quote(value)}")
    return parse_hidden(value)


_hidden.span = "1 to 64 layers of 1 to 4,096 units"  # type: ignore[attr-defined]


def _activation(value: Any) -> list[str]:
    """One name or one per layer; the count is checked against ``hidden`` by TrainConfig."""
    from nnanim.core.nn import get_activation

    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)) or not parts:
        raise ValueError(f"give a name or a comma-separated list, not {_quote(value)}")
    if any(not isinstance(p, str) for p in parts):
        raise ValueError(f"give activation names, not {_quote(value)}")
    return [get_activation(p).name for p in parts]


def _optimizers() -> list[str]:
    from nnanim.core.nn import OPTIMIZERS

    return list(OPTIMIZERS)


def _tasks() -> list[str]:
    from nnanim.core.record import TASKS

    return list(TASKS)


def _point(value: Any) -> list[float]:
    """Two finite numbers ``X,Y`` (a string from the shell, or a pair from TOML/Python): ``[x, y]``."""
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)) or len(parts) != 2:
        raise ValueError(f"give two numbers as X,Y, e.g. 0.5,-0.25, not {_quote(value)}")
    number = _float(-1e6, 1e6)
    try:
        return [number(parts[0]), number(parts[1])]
    except ValueError:
        raise ValueError(f"give two numbers from -1e6 to 1e6 as X,Y, e.g. 0.5,-0.25, "
                         f"not {_quote(value)}") from None


_point.span = "X and Y each -1e6 to 1e6"  # type: ignore[attr-defined]


def _theme(value: Any) -> str:
    from nnanim.theme import list_themes

    name = _text(value)
    if name in list_themes() or name.endswith(".json"):
        return name  # a file is read (and checked) when the job is resolved
    raise ValueError(f"unknown theme {_quote(name)}; choose from: {', '.join(list_themes())} "
                     "or a path to a .json theme file")


def _path(value: Any) -> str:
    if isinstance(value, Path):
        return str(value)
    return _text(value)


def _formats() -> list[str]:
    return ["mp4", "gif", "webm", "mov", "png"]


QUALITY_LETTERS = {"l": (480, 15), "m": (720, 30), "h": (1080, 60), "p": (1440, 60), "k": (2160, 60)}


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Option:
    """One option: how it is spelled, parsed, defaulted and explained.

    ``default`` is the value when nobody sets it (a scene's ``defaults`` come
    first); ``None`` means "decided later" and ``default_text`` says by what
    (``command_default_text`` where one command's differs: ``(("train", "1500"),)``).
    ``flag`` options are on/off switches.
    """

    name: str
    parse: Callable[[Any], Any] = field(repr=False)
    default: Any
    help: str
    commands: frozenset[str]
    flags: tuple[str, ...] = ()
    default_text: str | None = None
    command_default_text: tuple[tuple[str, str], ...] = ()
    metavar: str | None = None
    flag: bool = False
    group: str = "Data and model"
    choices: Callable[[], Iterable[str]] | Iterable[str] | None = None

    @property
    def long(self) -> str:
        """The long command-line flag, e.g. ``--batch-size``."""
        return next(f for f in self.flags if f.startswith("--"))

    def shown_default(self, command: str | None = None) -> str:
        """The default as ``--help`` and the README show it (for ``command``, if it differs)."""
        text = dict(self.command_default_text).get(command, self.default_text)
        if text is not None:
            return text
        if self.flag:
            return "off"
        if isinstance(self.default, list):
            return ",".join(map(str, self.default))
        return "" if self.default is None else str(self.default)

    @property
    def range_text(self) -> str:
        """The values a number option takes, for ``--help`` and the README (``1 to 100,000``)."""
        return getattr(self.parse, "span", "")

    def choice_list(self) -> list[str]:
        if self.choices is None:
            return []
        return list(self.choices() if callable(self.choices) else self.choices)


def _o(name, parse, default, help, commands, *flags, **kw) -> Option:
    flags = flags or ("--" + name.replace("_", "-"),)
    return Option(name, parse, default, help, commands, tuple(flags), **kw)


OPTIONS: tuple[Option, ...] = (
    # -- data and model (every command that trains)
    _o("dataset", _text, "spirals", "a built-in name (`nnanim datasets`), csv:PATH or expr:EXPRESSION",
       TRAINING, "-d", "--dataset", default_text="spirals (per scene)",
       command_default_text=(("train", "spirals"),)),
    _o("n_samples", _int(1, 100_000), None, "number of points", TRAINING, "-n", "--samples",
       default_text="per dataset"),
    _o("noise", _float(0.0, 100.0), None, "input jitter (classification) or target noise (regression)",
       TRAINING, default_text="per dataset"),
    _o("classes", _int(2, 10), None, "arms of spirals, centres of blobs", TRAINING,
       default_text="per dataset"),
    _o("seed", _int(0, 2**32 - 1), 0, "data, initial weights and batch order", TRAINING),
    _o("hidden", _hidden, None, "hidden widths", TRAINING, metavar="W1,W2,...",
       default_text="16,16,16,2 (per scene; real data 4,4,2)",
       command_default_text=(("train", "16,16,16,2 (real data 4,4,2)"),)),
    _o("activation", _activation, None,
       "one for all hidden layers or one per layer: relu, leaky_relu, elu, gelu, softplus, tanh, "
       "sigmoid, linear", TRAINING, metavar="NAME[,NAME...]", default_text="tanh"),
    _o("optimizer", _choice(_optimizers), "adam", "sgd, momentum or adam", TRAINING,
       choices=_optimizers),
    _o("lr", _float(0.0, 10_000.0, open_low=True), None, "learning rate", TRAINING,
       default_text="0.02 (adam; real data 0.01), 0.1 (momentum), 0.5 (sgd)"),
    _o("epochs", _int(0, 10_000_000), None, "epochs to train", TRAINING,
       default_text="1500 (per scene; real data 500)",
       command_default_text=(("train", "1500 (real data 500)"),)),
    _o("batch_size", _int(0, 1_000_000), 0, "mini-batch size; 0 = full batch", TRAINING),
    _o("l2", _float(0.0, 100.0), 0.0, "adds λ/2·Σ‖W‖² to the loss (weights, not biases)", TRAINING,
       default_text="0 (real data 0.01)"),
    _o("record_every", _int(1, 10_000_000), 1,
       "record the weights every N epochs (epoch 0 and the last always)", TRAINING),
    _o("task", _choice(_tasks), None, "autoencoder: target = input, output as wide as the input, "
       "MSE (labels ignored)", TRAINING, default_text="the dataset's", choices=_tasks),
    # -- what the scene shows
    _o("run", _path, None, "replay a saved run file instead of training", SCENE, "--run",
       metavar="RUN.npz", default_text="train", group="Scene"),
    _o("model", _path, None, "show your own trained network instead of training: safetensors, ONNX, "
       "a PyTorch state_dict, Keras .keras, or a folder/glob of checkpoints (one epoch each); "
       "data from -d or the model's metadata", SCENE, "--model", metavar="MODEL",
       default_text="train", group="Scene"),
    _o("epoch", _int(0, 10_000_000), None, "which recorded epoch to show", SCENE, default_text="the last",
       group="Scene"),
    _o("theme", _theme, "dark", "colours and fonts: dark, light, or a path to a .json theme file",
       SCENE, metavar="NAME|FILE", group="Scene"),
    _o("duration", _float(0.0, 3600.0, open_low=True), None,
       "video length in seconds; the scene's pace is scaled to fit", SCENE, metavar="SECONDS",
       default_text="per scene", group="Scene"),
    _o("aspect", _choice(ASPECTS), "16:9", "frame shape: 16:9, 9:16 (vertical), 1:1 or 4:3", SCENE,
       choices=ASPECTS, group="Scene"),
    _o("cross", _feature, None, "feature-cross: your own hand-made feature z, an expression in x "
       "and y as in expr: datasets, e.g. 'x**2 + y**2'", SCENE, metavar="EXPR",
       default_text="per dataset", group="Scene"),
    _o("point", _point, None, "by-hand: the input point to follow, in the input plane's coordinates "
       "(the data's, as drawn)", SCENE, metavar="X,Y", default_text="chosen from the run",
       group="Scene"),
    # -- the file a render writes
    _o("quality", _choice(QUALITY_LETTERS), "h",
       "short side and frame rate: l 480p15, m 720p30, h 1080p60, p 1440p60, k 2160p60",
       RENDER | SLIDES, "-q", "--quality", choices=QUALITY_LETTERS, group="Output"),
    _o("fps", _float(1.0, 240.0), None, "frame rate", RENDER | SLIDES, default_text="per quality",
       group="Output"),
    _o("format", _choice(_formats), None,
       "mp4, gif (at most 360p10), webm, mov or png (the last frame)", RENDER,
       default_text="from -o, else mp4", choices=_formats, group="Output"),
    _o("transparent", _flag, False, "transparent background: webm (VP9 alpha), mov (ProRes 4444), png",
       RENDER, "-t", "--transparent", flag=True, group="Output"),
    _o("chapters", _flag, False, "chapter marks in the video (mp4, webm, mov) and NAME.chapters.txt "
       "beside it: the intro and every stage", RENDER, flag=True, group="Output"),
    _o("subtitles", _flag, False, "NAME.srt and NAME.vtt beside the video: every caption, timed",
       RENDER, flag=True, group="Output"),
    _o("frames", _int(6, 12), 9, "key frames on the sheet, 6..12", STORYBOARD, group="Output"),
    _o("columns", _int(1, 12), 3, "tiles per row", STORYBOARD, group="Output"),
    _o("output", _path, None, "output file", frozenset({"train", "render", "storyboard", "slides"}),
       "-o", "--output", default_text="./SCENE.FORMAT", group="Output",
       command_default_text=(("train", "none: train and report only"),
                             ("storyboard", "./SCENE-storyboard.png"),
                             ("slides", "required: DECK.html, DECK.pptx, DECK.pdf or DIR/"))),
    _o("preview", _flag, False, "open the result when done", RENDER, flag=True, group="Output"),
    _o("no_cache", _flag, False, "train and render afresh: reuse no cached run or finished render "
       "(see `nnanim cache info`)", TRAINING, flag=True, group="Output"),
    _o("jobs", _int(1, 64), 1, "render the video's beats in N processes and join them without "
       "re-encoding (mp4, webm, mov; the same frames as one process)", RENDER, "-j", "--jobs",
       metavar="N", group="Output"),
)

_BY_NAME = {o.name: o for o in OPTIONS}


def options_for(command: str) -> list[Option]:
    """The rows of ``command``, in table order."""
    return [o for o in OPTIONS if command in o.commands]


def get_option(name: str) -> Option:
    return _BY_NAME[name]


def parse_options(command: str, values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Check every ``name: value`` against the table (``None`` values are dropped).

    ``where`` names the source in errors (``"config.toml: "``); an unknown
    name lists the valid ones.  Raises :class:`NnanimError` (one line).
    """
    rows = {o.name: o for o in options_for(command)}
    out = {}
    for name, value in values.items():
        if value is None:
            continue
        if name not in rows:
            raise NnanimError(f"{where}unknown option {_quote(name)}; valid: {', '.join(rows)}")
        try:
            out[name] = rows[name].parse(value)
        except ValueError as exc:
            raise NnanimError(f"{where}{_spell(rows[name], where)}: {exc}") from None
    return out


def _spell(option: Option, where: str) -> str:
    return f"key {option.name!r}" if where else option.long


# --------------------------------------------------------------------------- config files

#: keys of a config file that are not options: the scene a render or storyboard shows
CONFIG_EXTRA = ("scene",)


def load_config(path: str | Path, command: str) -> dict[str, Any]:
    """Read a TOML config file for ``command``: its options, checked, plus ``scene``.

    A flat table of option names (``dataset = "moons"``, ``hidden = [16, 16, 2]``).
    Malformed TOML, an unknown key or a bad value: one-line :class:`NnanimError`
    naming the file and the line or key.
    """
    path = Path(path).expanduser()
    where = f"{path}: "
    data = read_toml(path, "config file")
    extra = {k: data.pop(k) for k in CONFIG_EXTRA if k in data and command != "train"}
    for key, value in data.items():
        if isinstance(value, dict):
            raise NnanimError(f"{where}[{key}]: tables are not used; write the options at the top level")
    valid = [o.name for o in options_for(command)] + ([] if command == "train" else list(CONFIG_EXTRA))
    unknown = [k for k in data if k not in valid]
    if unknown:
        raise NnanimError(f"{where}unknown key {_quote(unknown[0])}; valid keys: {', '.join(valid)}")
    out = parse_options(command, data, where)
    if "scene" in extra:
        if not isinstance(extra["scene"], str):
            raise NnanimError(f"{where}key 'scene': must be a scene name, not {_quote(extra['scene'])}")
        out["scene"] = extra["scene"]
    return out


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document at ``path`` (a ``what``, e.g. "config file", in messages): missing,
    unreadable or malformed is a one-line :class:`NnanimError` naming the file (and the line)."""
    from nnanim.files import MAX_DEPTH, depth, read_limited

    raw = read_limited(path, what)  # a regular file only, at most LIMITS[what]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NnanimError(f"{path}: cannot read the {what} (not UTF-8 text)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NnanimError(_toml_error(path, text, exc)) from None
    except RecursionError:
        data = None
    if data is None or depth(data) > MAX_DEPTH:
        raise NnanimError(f"{path}: lists or tables nested more than {MAX_DEPTH} deep; "
                          f"a {what} is flat") from None
    return data


def _toml_error(path: Path, text: str, exc: Exception) -> str:
    """``FILE, line N: not valid TOML (reason)``: the line from the parser's message, or the last
    line when the parser stopped at the end of the document."""
    reason = str(exc)
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", reason)
    if found:
        line, reason = int(found.group(1)), reason[: found.start()]
    else:
        found = re.search(r"\s*\(at end of document\)$", reason)
        if found:
            reason = reason[: found.start()] + " at the end of the file"
        line = max(1, len(text.rstrip("\n").splitlines()))
    line = getattr(exc, "lineno", None) or line  # Python 3.14 says so directly
    return f"{path}, line {line}: not valid TOML ({reason.strip() or 'syntax error'})"


def dump_config(values: Mapping[str, Any], command: str, scene: str | None = None) -> str:
    """The resolved options as TOML (table order; ``None`` values left out)."""
    import tomli_w

    data: dict[str, Any] = {}
    if scene is not None:
        data["scene"] = scene
    for option in options_for(command):
        value = values.get(option.name)
        if value is not None:
            data[option.name] = list(value) if isinstance(value, tuple) else value
    return tomli_w.dumps(data)


# --------------------------------------------------------------------------- documentation


def markdown_table(command: str, group: str | None = None) -> str:
    """A Markdown table of ``command``'s options (for the README; a test keeps it current)."""
    rows = ["| option | config key | default | meaning |", "|---|---|---|---|"]
    for o in options_for(command):
        if group is not None and o.group != group:
            continue
        spelled = ", ".join(f"`{f}`" for f in o.flags)
        default = o.shown_default(command)
        meaning = o.help + (f" (range: {o.range_text})" if o.range_text else "")
        rows.append(f"| {spelled} | `{o.name}` | {f'`{default}`' if default else ''} | {meaning} |")
    return "\n".join(rows)


_MARKER = re.compile(r"(<!-- options:(\w+):([^>]*?) -->\n).*?(<!-- /options -->)", re.S)


def fill_tables(text: str) -> str:
    """``text`` with every ``<!-- options:COMMAND:GROUP -->`` ... ``<!-- /options -->`` block
    filled with :func:`markdown_table` (how the README's tables stay current)."""
    return _MARKER.sub(lambda m: m.group(1) + markdown_table(m.group(2), m.group(3)) + "\n" + m.group(4),
                       text)


if __name__ == "__main__":  # python -m nnanim.options README.md: refresh the README's tables
    for name in sys.argv[1:]:
        target = Path(name)
        target.write_text(fill_tables(target.read_text(encoding="utf-8")), encoding="utf-8")
