"""The scene contract: what a scene declares, and the job resolved for it before Manim starts.

A scene in ``scenes/NAME.py`` is a subclass of :class:`SceneContract` with

* ``defaults`` — its training defaults and scene-option defaults (names from
  :data:`nnanim.options.OPTIONS`: ``{"hidden": [2, 2, 2, 2], "epochs": 3000}``);
* ``check(job)`` — a classmethod that refuses what the scene cannot show
  (raise :class:`~nnanim.errors.NnanimError`, one line);
* ``construct()`` — the storyboard, which runs only once the render layer
  binds the class to Manim (:class:`nnanim.draw.scene.FlowScene`).

Scenes are found by name in ``scenes/`` (installed as ``nnanim.scenes``) and
in the ``nnanim.scenes`` entry-point group, where any installed package
registers its own (``my-scene = "mypackage.scenes:MyScene"`` in its
pyproject.toml); :func:`list_scenes` and :func:`get_scene` read both.

This module is pure (no manim import), and so must be a scene module's top
level: a scene imports its drawing pieces inside ``construct``.  That is what
lets ``nnanim render`` look a scene up, resolve every option, build the
dataset and run every check in well under a second, before Manim is
imported.

:func:`resolve` does that work once per render: options checked against the
table and merged (explicit > scene defaults > table defaults), the training
config resolved, the dataset built (or the run file loaded), the epoch
checked, the scene's ``check`` run.  The :class:`Job` it returns carries all
of it to training and rendering, so nothing is recomputed.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnanim.core.record import TRAINING_KEYS
from nnanim.errors import NnanimError
from nnanim.options import options_for, parse_options

__all__ = [
    "Job",
    "SceneContract",
    "get_scene",
    "list_scenes",
    "require_classes",
    "require_inputs",
    "require_last_hidden",
    "require_task",
    "resolve",
    "resolve_training",
    "theme_of",
]

SCENES_PACKAGE = "nnanim.scenes"
#: the entry-point group in which installed packages register scenes: ``name = "package.module:Class"``
SCENE_GROUP = "nnanim.scenes"


class SceneContract:
    """Base of every named scene: its defaults, its checks; drawing comes from the render layer."""

    #: option defaults of this scene (training options and scene options)
    defaults: dict[str, Any] = {}
    #: the tasks this scene shows ("binary", "multiclass", "regression", "autoencoder");
    #: :func:`resolve` refuses
    #: the others in one line, before anything is trained
    tasks: tuple[str, ...] = ("binary", "multiclass")
    #: the widest input this scene can draw (2: it draws the input plane itself; ``None``: any
    #: width, an input wider than three seen through its fixed principal axes); :func:`resolve`
    #: refuses wider data in one line, before anything is trained
    max_inputs: int | None = None
    #: whether a dataset's own training recipe (a real dataset's network, see
    #: :func:`nnanim.core.data.dataset_network`) replaces this scene's training defaults: for
    #: scenes that show wide data and whose lesson holds for any network (``layers``,
    #: ``training``); a scene that needs its own architecture keeps its defaults
    dataset_defaults: bool = False
    #: the resolved job; set by the render layer before ``construct`` runs
    job: Job | None = None
    #: whether the scene draws a title line across the top of the frame (``FlowScene.top_line``:
    #: a panel scene's title, where the layout's picture box begins); a test checks it against
    #: each scene's code.  A number: how many title-sized lines its text on top takes at most
    #: (``True``: two, a title that wraps, or a title and its info line)
    top_title: bool | int = False

    @classmethod
    def check(cls, job: Job) -> None:
        """Refuse what this scene cannot show (one-line :class:`NnanimError`); default: all fine."""

    @classmethod
    def summary(cls) -> str:
        """One line: the first line of the scene module's docstring (or the class's)."""
        module = importlib.import_module(cls.__module__)
        doc = module.__doc__ or cls.__doc__ or ""
        return doc.strip().partition("\n")[0].strip()


# --------------------------------------------------------------------------- checks scenes share


_TASK_WORDS = {"binary": "two classes", "multiclass": "several classes",
               "regression": "a numeric target (regression)",
               "autoencoder": "no labels (an autoencoder's target is its input)"}
_TASK_EXAMPLES = {"binary": "spirals", "multiclass": "spirals", "regression": "sine",
                  "autoencoder": "swiss-roll"}


def require_inputs(job: Job, scene: str, most: int | None) -> None:
    """Refuse data wider than ``most`` inputs (one line naming scenes that take it)."""
    d = job.input_dim
    if most is None or d <= most:
        return
    raise NnanimError(f"{scene} draws the input space itself, so it takes data of at most {most} "
                      f"inputs; {job.dataset_name} has {d}. Show it with `nnanim render layers`, or choose "
                      f"2-D data with -d, e.g. -d moons")


def require_task(job: Job, scene: str, tasks: tuple[str, ...]) -> None:
    """Refuse a dataset whose task is not one of ``tasks`` (one line naming what fits)."""
    if job.task in tasks:
        return
    example = _TASK_EXAMPLES[tasks[0]]
    if job.task == "autoencoder" and job.data is not None and "trained_as" in job.data.params:
        raise NnanimError(f"{scene} does not show autoencoders; drop --task autoencoder "
                          f"(or render the autoencoder scene)")
    if tasks == ("autoencoder",):
        raise NnanimError(f"{scene} shows autoencoders; {job.dataset_name} has "
                          f"{_TASK_WORDS[job.task]}. Train one with --task autoencoder")
    if job.task == "regression" and "regression" not in tasks:
        raise NnanimError(
            f"{scene} shows classes; {job.dataset_name} is a regression dataset (a numeric target). "
            "Choose a classification dataset with -d, e.g. -d spirals")
    shows = " or ".join(dict.fromkeys(_TASK_WORDS[t] for t in tasks))
    raise NnanimError(f"{scene} shows {shows}; {job.dataset_name} has {_TASK_WORDS[job.task]}. "
                      f"Choose another dataset with -d, e.g. -d {example}")


def require_classes(job: Job, scene: str) -> None:
    """Refuse regression data (for scenes that check more than their ``tasks`` declare)."""
    require_task(job, scene, ("binary", "multiclass"))


def require_last_hidden(job: Job, scene: str, widths: tuple[int, ...], what: str) -> None:
    """The last hidden layer must have one of ``widths`` units."""
    hidden = job.hidden
    if hidden[-1] in widths:
        return
    allowed = " or ".join(map(str, widths))
    where = " (in the run file; train it again)" if job.run is not None else ""
    example = ",".join(map(str, [*hidden[:-1], widths[0]]))
    raise NnanimError(f"{scene} {what}, so the last hidden layer needs {allowed} units; got "
                      f"{hidden[-1]}{where}. Change --hidden, e.g. --hidden {example}")


# --------------------------------------------------------------------------- the job


@dataclass
class Job:
    """Everything one render needs, resolved once.

    ``options`` holds every option of the command (checked, defaults filled
    in); ``config`` and ``data`` are set when the scene trains, ``run`` when
    it replays a run file (and after training); ``record`` is the index of the
    record shown.
    """

    scene: type
    name: str
    options: dict[str, Any]
    config: Any = None  # nnanim.core.record.TrainConfig, resolved
    data: Any = None  # nnanim.core.data.Dataset
    run: Any = None  # nnanim.core.record.Run
    record: int | None = None
    theme: Any = None  # nnanim.theme.Theme
    explicit: dict[str, Any] = field(default_factory=dict)
    variants: dict[tuple, Any] = field(default_factory=dict, repr=False)

    # -- what is known before training
    @property
    def task(self) -> str:
        return self.run.task if self.run is not None else self.data.task

    @property
    def input_dim(self) -> int:
        """Input columns of the data (the run file's, or the dataset's)."""
        return int(self.run.widths[0]) if self.run is not None else int(self.data.X.shape[1])

    @property
    def hidden(self) -> list[int]:
        return list(self.run.widths[1:-1]) if self.run is not None else list(self.config.hidden)

    @property
    def dataset_name(self) -> str:
        return self.run.dataset_spec if self.run is not None else self.data.name

    def opt(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    # -- work done once
    def ensure_run(self, progress=None):
        """Train (once) if the job has no run yet; return ``(run, record)``."""
        if self.run is None:  # a run trained before with the same config and data is reused
            from nnanim.media.cache import train

            self.run = train(self.data, self.config, progress, use_cache=not self.options.get("no_cache"))
        if self.record is None:
            self.record = self.run.record_index(self.options.get("epoch"))
        return self.run, self.record

    def variant(self, **overrides) -> Any:
        """The job's training with some options changed (``activation="relu"``): a :class:`Run`.

        Same data, seed and every other training option, unless a data option
        is overridden (``dataset="xor"``: the same network on other data; see
        :func:`nnanim.core.record.retrain`).  Trained once per set of overrides and
        kept (a scene's plan pass and its render share it); the job's own run
        when the overrides change nothing.  A job that replays a run file
        retrains on the file's points with its options.  An option that does
        not fit is a one-line :class:`NnanimError`.
        """
        from nnanim.core.record import TrainConfig, retrain

        unknown = sorted(set(overrides) - set(TRAINING_KEYS))
        if unknown:
            raise NnanimError(f"not training options: {', '.join(unknown)}; "
                              f"choose from {', '.join(TRAINING_KEYS)}")
        run, _ = self.ensure_run()
        own = {k: v for k, v in run.options.items() if k in TRAINING_KEYS}
        try:
            if TrainConfig(**{**own, **overrides}).resolved() == TrainConfig(**own).resolved():
                return run
            key = tuple(sorted((k, repr(v)) for k, v in overrides.items()))
            if key not in self.variants:
                self.variants[key] = retrain(run, **overrides)
        except ValueError as exc:
            raise NnanimError(str(exc)) from None
        return self.variants[key]

    def resolved_options(self) -> dict[str, Any]:
        """Every option with what it resolved to (for ``--dump-config``)."""
        out = dict(self.options)
        if self.config is not None:
            trained = {name: getattr(self.config, name) for name in TRAINING_KEYS}
            params = self.data.params
        elif self.run is not None:  # a replayed run: what it was trained with, not the defaults
            trained = {name: self.run.options.get(name) for name in TRAINING_KEYS}
            params = self.run.meta.get("dataset", {}).get("params", {})
        else:
            return out
        out.update(trained)
        acts = list(trained["activation"])
        out["activation"] = acts[0] if len(set(acts)) == 1 else acts
        for name in ("n_samples", "noise", "classes"):
            if params.get(name) is not None:
                out[name] = params[name]
        return out


def resolve(scene: str | type, options: Mapping[str, Any] | None = None,
            command: str = "render") -> Job:
    """Look up ``scene``, check and merge ``options``, build the data, run the checks.

    Raises :class:`NnanimError` (one line) for anything the user can fix.
    Never imports Manim (unless the scene class itself does).
    """
    from nnanim.core.record import Run

    cls = get_scene(scene) if isinstance(scene, str) else scene
    name = scene if isinstance(scene, str) else getattr(cls, "scene_name", cls.__name__)
    raw = dict(options or {})
    run = raw.pop("run", None)
    explicit = parse_options(command, {**raw, "run": run if not _is_run(run) else None})
    defaults = parse_options(command, getattr(cls, "defaults", {}), f"scene {name!r} defaults: ")
    merged = {o.name: o.default for o in options_for(command)}
    merged.update(defaults)
    if getattr(cls, "dataset_defaults", False) and getattr(cls, "max_inputs", None) is None:
        # (a scene that draws the input plane itself refuses wide data with its own words)
        merged.update(_dataset_defaults({**merged, **explicit}, explicit))
    merged.update(explicit)
    job = Job(cls, name, merged, explicit=explicit)

    _scene_options(cls, name, explicit)
    if command in ("render", "slides"):
        check_render_cost(job)
    job.theme = theme_of(merged["theme"])
    if merged.get("model") is not None:  # your own network: read into a run (nnanim.io.models)
        from nnanim.io.models import model_run

        run = model_run(merged, explicit, clash=_is_run(run) or merged.get("run") is not None)
    if _is_run(run) or merged.get("run") is not None:
        job.run = run if _is_run(run) else Run.load(merged["run"])
        _against_run(job.run, explicit)
        try:
            job.record = job.run.record_index(merged.get("epoch"))
        except ValueError as exc:
            raise NnanimError(f"--epoch: {exc}") from None
    else:
        _training(job)
        cfg = job.config
        epoch = merged.get("epoch")
        if epoch is not None and not (epoch <= cfg.epochs and (epoch % cfg.record_every == 0
                                                               or epoch == cfg.epochs)):
            raise NnanimError(
                f"epoch {epoch} will not be recorded: training runs {cfg.epochs} epochs and records "
                f"every {cfg.record_every} (and the last); choose one of those, or change --epochs")
    require_task(job, name, tuple(getattr(cls, "tasks", SceneContract.tasks)))
    require_inputs(job, name, getattr(cls, "max_inputs", None))
    cls.check(job)
    return job


#: options that only one scene uses: option → that scene (a scene class may also list an option in
#: its ``takes``); given to another scene they are refused, not ignored
SCENE_OPTIONS = {"point": "by-hand", "cross": "feature-cross"}


def _scene_options(cls: type, name: str, explicit: Mapping[str, Any]) -> None:
    from nnanim.options import get_option

    for option, owner in SCENE_OPTIONS.items():
        if option in explicit and _key(str(name)) != owner and option not in getattr(cls, "takes", ()):
            raise NnanimError(f"{get_option(option).long} is a {owner} option; {name} does not use it. "
                              f"Drop it, or render {owner}")


def _against_run(run: Any, explicit: Mapping[str, Any]) -> None:
    """Refuse a training option given with ``--run`` that differs from what the run was trained with
    (the run file holds its data and its network; such an option would silently be ignored)."""
    from nnanim.options import get_option

    params = run.meta.get("dataset", {}).get("params", {})
    for name in TRAINING_KEYS:
        if name not in explicit or name == "no_cache":
            continue
        given = explicit[name]
        had = params.get(name) if name in ("n_samples", "noise", "classes") else run.options.get(name)
        if name == "activation" and isinstance(had, list) and isinstance(given, list):
            same = given == had or (len(set(given)) == 1 and set(given) == set(had))
        elif isinstance(given, float) and isinstance(had, (int, float)):
            same = abs(given - had) <= 1e-12 * max(1.0, abs(had))
        else:
            same = given == had
        if not same:
            flag = get_option(name).long if name != "dataset" else "-d/--dataset"
            raise NnanimError(f"{flag} does not apply with --run: the run file holds its data and "
                              f"network (trained with {name} = {_short(had)}); drop {flag}, or "
                              "drop --run to train anew")


def _short(value: Any) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------- what a job will cost
#
# Estimated from the options alone, before anything is allocated: a training keeps every recorded
# epoch's weights (records × parameters × 8 bytes) beside its working arrays, and takes time in
# proportion to epochs × samples × parameters; a render draws frames × pixels.  A job past a
# limit is refused in one line naming the options to change; NNANIM_NO_LIMITS=1 (`nnanim
# --no-limits`) lifts the limits.

#: the most memory a training's estimate may reach
TRAIN_MEMORY_LIMIT = 2 * 2**30
#: the longest a training's estimate may take, in seconds
TRAIN_SECONDS_LIMIT = 3600.0
#: sample × parameter updates per second, measured (slow end) on one core: the time estimate's rate
TRAIN_RATE = 1.5e9
#: the most frames × pixels a render may draw (an hour of 2160p60 is 1.8e12)
RENDER_PIXEL_LIMIT = 2e12
#: the video length assumed for a scene whose length is its own (the longest scenes' order)
ASSUMED_DURATION = 120.0


@dataclass(frozen=True)
class Cost:
    """A training's estimated cost: ``memory`` in bytes (its peak), ``seconds`` (its time)."""

    records: int
    parameters: int
    memory: float
    seconds: float


def record_count(epochs: int, every: int) -> int:
    """How many epochs a training of ``epochs`` epochs recording every ``every`` keeps (0, every
    ``every``-th, and the last), counted without listing them."""
    return epochs // every + 1 + (1 if epochs % every else 0)


def training_cost(widths: list[int], n_samples: int, epochs: int, every: int,
                  batch_size: int = 0) -> Cost:
    """The memory and time of training a network of layer ``widths`` (input, hidden..., output).

    Memory: the recorded weights and biases (``records × parameters`` float64s, the bulk of a long
    training), the optimizer's state and gradients (a few copies of the parameters), and the
    forward and backward passes over the full batch (a few arrays of ``samples × width`` per
    layer).  Time: ``epochs × samples × parameters`` multiply-adds (forward and backward, plus a
    full pass for each record) at :data:`TRAIN_RATE`.
    """
    params = sum(a * b + b for a, b in zip(widths, widths[1:]))
    records = record_count(epochs, every)
    units = sum(widths)
    memory = (records * (params + 2) * 8  # Ws, bs, loss, accuracy
              + 8 * params * 8  # flat parameters, gradients, Adam's two moments, copies
              + 6 * n_samples * units * 8  # z and a per layer, their gradients, the logits
              + n_samples * widths[0] * 8 * 3)  # X, its float64 copy, the target
    seconds = (epochs + records) * n_samples * params / TRAIN_RATE
    return Cost(records, params, float(memory), seconds)


def _limits_on() -> bool:
    from nnanim.files import limits_on

    return limits_on()


_LIFT = "or set NNANIM_NO_LIMITS=1 (nnanim --no-limits) to lift the limit"


def check_training_cost(job: Job) -> Cost:
    """Refuse (one line) a training whose estimated memory or time is past the limits."""
    from nnanim.files import size_text

    cfg, data = job.config, job.data
    task = data.task
    d_out = {"multiclass": data.n_classes, "autoencoder": data.X.shape[1]}.get(task, 1)
    widths = [int(data.X.shape[1]), *cfg.hidden, int(d_out)]
    cost = training_cost(widths, len(data.X), cfg.epochs, cfg.record_every, cfg.batch_size)
    if not _limits_on():
        return cost
    if cost.memory > TRAIN_MEMORY_LIMIT:
        raise NnanimError(
            f"this training would need about {size_text(cost.memory)} ({cost.records:,} recorded "
            f"epochs × {cost.parameters:,} parameters), more than the limit of "
            f"{size_text(TRAIN_MEMORY_LIMIT)}; lower --epochs, raise --record-every or narrow "
            f"--hidden, {_LIFT}")
    if cost.seconds > TRAIN_SECONDS_LIMIT:
        raise NnanimError(
            f"this training would take about {cost.seconds / 3600:.3g} hours ({cfg.epochs:,} epochs × "
            f"{len(data.X):,} samples × {cost.parameters:,} parameters), more than the limit of "
            f"{TRAIN_SECONDS_LIMIT / 3600:g} hour; lower --epochs or --samples or narrow --hidden, "
            f"{_LIFT}")
    return cost


def render_pixels(options: Mapping[str, Any], scene_duration: float | None = None) -> float:
    """Frames × pixels a render of ``options`` draws (the scene's own length assumed when
    ``duration`` is unset)."""
    from nnanim.layout import pixel_size
    from nnanim.options import QUALITY_LETTERS

    short, fps = QUALITY_LETTERS[options.get("quality") or "h"]
    fps = options.get("fps") or fps
    duration = options.get("duration") or scene_duration or ASSUMED_DURATION
    width, height = pixel_size(options.get("aspect") or "16:9", short)
    return duration * fps * width * height


def check_render_cost(job: Job) -> None:
    """Refuse (one line) a render that would draw more than :data:`RENDER_PIXEL_LIMIT` frames × pixels."""
    if not _limits_on():
        return
    pixels = render_pixels(job.options)
    if pixels > RENDER_PIXEL_LIMIT:
        raise NnanimError(
            f"this render would draw {pixels:.3g} frame-pixels (duration × fps × width × height), "
            f"more than the limit of {RENDER_PIXEL_LIMIT:.3g}; lower --duration, --fps or -q, {_LIFT}")


def _training(job: Job) -> None:
    """The job's training config, resolved, and its dataset, built (once)."""
    from nnanim.core.data import as_autoencoder, make_dataset, takes_classes
    from nnanim.core.record import TrainConfig

    fields = {k: job.options[k] for k in TRAINING_KEYS if k in job.options}
    if "classes" not in job.explicit and not takes_classes(fields.get("dataset", "")):
        fields["classes"] = None  # a scene's default number of classes is for data that takes one
    try:
        job.config = TrainConfig(**fields).resolved()
    except ValueError as exc:  # the checks that span options (one activation per layer, ...)
        raise NnanimError(str(exc)) from None
    cfg = job.config
    job.data = make_dataset(cfg.dataset, n_samples=cfg.n_samples, noise=cfg.noise, seed=cfg.seed,
                            classes=cfg.classes)
    if cfg.task == "autoencoder":  # the labels (or targets) stay only as colours
        job.data = as_autoencoder(job.data)
    if job.data.task == "autoencoder" and fields.get("hidden") is None:
        # an autoencoder's default hidden widths follow the input's (16, d−1, 16)
        try:
            job.config = TrainConfig(**fields).resolved(job.data)
        except ValueError as exc:
            raise NnanimError(str(exc)) from None
    check_training_cost(job)  # before a byte of the training is allocated


def resolve_training(options: Mapping[str, Any] | None = None) -> Job:
    """The job of ``nnanim train``: options checked and merged, config resolved, data built."""
    explicit = parse_options("train", dict(options or {}))
    merged = {o.name: o.default for o in options_for("train")}
    merged.update(_dataset_defaults({**merged, **explicit}, explicit))
    merged.update(explicit)
    job = Job(SceneContract, "train", merged, explicit=explicit)
    _training(job)
    return job


def _dataset_defaults(merged: Mapping[str, Any], explicit: Mapping[str, Any]) -> dict[str, Any]:
    """The training options the chosen dataset brings (a real dataset's network), for a job that
    trains a classifier: they take the place of the scene's defaults, never of the user's."""
    from nnanim.core.data import dataset_network

    if merged.get("run") is not None or merged.get("model") is not None or merged.get("task"):
        return {}
    recipe = dataset_network(str(merged.get("dataset") or ""), explicit.get("classes"))
    return {k: v for k, v in recipe.items() if k not in explicit and k in merged}


def theme_of(value: str) -> Any:
    """The :class:`~nnanim.theme.Theme` named ``value``, or read (strictly) from a theme file.

    Anything wrong — an unknown name, a missing or unknown key, a bad colour —
    is a one-line :class:`NnanimError` naming ``--theme`` (see :func:`nnanim.theme.load_theme`).
    """
    from nnanim.theme import load_theme

    try:
        return load_theme(value)
    except ValueError as exc:
        raise NnanimError(f"--theme: {exc}") from None


def _is_run(value: Any) -> bool:
    from nnanim.core.record import Run

    return isinstance(value, Run)


# --------------------------------------------------------------------------- the scene registry
#
# Two sources, one table of names: the modules of SCENES_PACKAGE (nnanim's own
# ``scenes/``: a new file there is found without reinstalling) and the entry
# points of SCENE_GROUP, where any installed package registers its scenes
# (``name = "package.module:SceneClass"``; nnanim's own are declared there too,
# in its pyproject.toml).  Listing reads descriptions from the source and runs
# no scene module; only get_scene imports one.


@dataclass(frozen=True)
class _Entry:
    """A registered scene: its module, its class (``None``: the module's ``SCENE``), who registered it."""

    module: str
    attr: str | None
    origin: str  # for messages: "nnanim.scenes" or "entry point NAME = VALUE of package DIST"

    @property
    def third_party(self) -> bool:
        return self.origin.startswith("entry point")


def _key(name: str) -> str:
    return name.strip().replace("_", "-")


def _entry_points() -> list:
    from importlib.metadata import entry_points

    return list(entry_points(group=SCENE_GROUP))


def _registry() -> dict[str, _Entry]:
    """Scene name → entry: the scenes package first, then the entry points (a taken name is warned
    about and skipped, unless it names the same module)."""
    entries: dict[str, _Entry] = {}
    package = importlib.import_module(SCENES_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            entries[_key(module.name)] = _Entry(f"{SCENES_PACKAGE}.{module.name}", None, SCENES_PACKAGE)
    for point in _entry_points():
        dist = getattr(getattr(point, "dist", None), "name", None)
        origin = f"entry point {point.name} = {point.value}" + (f" of package {dist!r}" if dist else "")
        entry = _Entry(point.module, point.attr, origin)
        name = _key(point.name)
        held = entries.setdefault(name, entry)
        if held is not entry and held.module != entry.module:
            warnings.warn(f"nnanim: scene {name!r} ({origin}) is ignored: the name is taken by "
                          f"{held.module}", stacklevel=3)
    return entries


def scene_names() -> list[str]:
    """Every registered scene name, sorted (no scene module is read or executed)."""
    return sorted(_registry())


def list_scenes() -> dict[str, str]:
    """Scene name → one-line description, sorted by name (no scene module is executed)."""
    return {name: _description(entry) for name, entry in sorted(_registry().items())}


def _description(entry: _Entry) -> str:
    """The first line of the module's docstring (else the class's), read without executing it."""
    try:
        spec = importlib.util.find_spec(entry.module)
    except (ImportError, ValueError) as exc:  # a parent package that is missing or broken
        return f"(cannot be found: {exc})"
    if spec is None:
        return f"(cannot be found: no module named {entry.module!r})"
    source = None
    if spec.loader is not None and hasattr(spec.loader, "get_source"):
        source = spec.loader.get_source(entry.module)
    if source is not None:
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            return f"(cannot be read: {exc})"
        doc = ast.get_docstring(tree) or next(
            (ast.get_docstring(node) for node in tree.body
             if isinstance(node, ast.ClassDef) and node.name == entry.attr), None)
    else:  # compiled-only install: import it (a scene module is pure at import)
        try:
            module = importlib.import_module(entry.module)
        except Exception as exc:  # reported in the listing; get_scene says it again
            return f"(cannot be imported: {type(exc).__name__}: {exc})"
        doc = module.__doc__ or getattr(getattr(module, entry.attr or "SCENE", None), "__doc__", None)
    return (doc or "").strip().partition("\n")[0].strip()


def get_scene(name: str) -> type:
    """The scene class registered as ``name`` (``-`` and ``_`` are interchangeable).

    Raises :class:`NnanimError` listing the scenes.
    """
    entries = _registry()
    key = _key(name) if isinstance(name, str) else name
    entry = entries.get(key)
    if entry is None:
        raise NnanimError(f"unknown scene {name!r}; choose from: {', '.join(sorted(entries)) or '(none)'}")
    cls = _load(key, entry)
    if not issubclass(cls, SceneContract):
        what = f"scene module {key!r}: SCENE = {cls.__name__}" if entry.attr is None else \
            f"scene {key!r} ({entry.origin}): {cls.__name__}"
        raise NnanimError(f"{what} is not a SceneContract (see nnanim.contract); "
                          "render a plain Manim scene by its class instead")
    cls.scene_name = key
    return cls


def _load(key: str, entry: _Entry) -> type:
    """The entry's class, imported; a third-party module that fails to import is one line."""
    try:
        module = importlib.import_module(entry.module)
    except Exception as exc:
        if not entry.third_party:
            raise
        raise NnanimError(f"scene {key!r} ({entry.origin}) cannot be imported: "
                          f"{type(exc).__name__}: {exc}") from None
    if entry.attr is None:
        cls = getattr(module, "SCENE", None)
        if not isinstance(cls, type):
            raise NnanimError(f"scene module {key!r} does not define SCENE = <a scene class>")
        return cls
    cls = module
    for part in entry.attr.split("."):
        cls = getattr(cls, part, None)
    if not isinstance(cls, type):
        raise NnanimError(f"scene {key!r} ({entry.origin}): {entry.module} has no class {entry.attr}")
    return cls

