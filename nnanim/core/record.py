"""The training record: the training loop and the :class:`Run` it produces.

A run keeps the weights of every recorded epoch (never activations: they are
recomputed on demand, which is cheap) plus the loss and accuracy of those
weights on the whole training set.  It is saved as an ``.npz`` file that
``numpy.load(path, allow_pickle=False)`` reads; the format is documented in the
README ("Run files") and checked by :meth:`Run.load`.
"""

from __future__ import annotations

import json
import math
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from nnanim._version import __version__
from nnanim.core import notation
from nnanim.core.data import Dataset, as_autoencoder, make_dataset
from nnanim.core.nn import ACTIVATIONS, Forward, Network, get_activation, init_network, make_optimizer
from nnanim.errors import NnanimError
from nnanim.files import atomic_write

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Run",
    "RunFileError",
    "TRAINING_KEYS",
    "TrainConfig",
    "autoencoder_hidden",
    "TrainingDiverged",
    "parse_activations",
    "parse_hidden",
    "recorded_epochs",
    "retrain",
    "train",
    "train_on",
]

FORMAT = "nnanim-run"
#: the version written; 2 added the autoencoder task (version-1 files, which never hold one, still load)
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
#: the tasks a run file of each version may hold
VERSION_TASKS = {1: ("binary", "multiclass", "regression"),
                 2: ("binary", "multiclass", "regression", "autoencoder")}
#: the values of the task option: the dataset's own task (None), or an autoencoder of its inputs
TASKS = ("autoencoder",)


class TrainingDiverged(NnanimError, RuntimeError):
    """The loss became NaN or infinite, or grew far above where it started; no run is returned.

    (And no file is written.)  ``grew`` is ``(first loss, loss now)`` when it grew;
    ``suggest`` the learning rate to try.
    """

    def __init__(self, epoch: int, lr: float, grew: tuple[float, float] | None = None,
                 suggest: float | None = None) -> None:
        self.epoch, self.lr, self.grew = epoch, lr, grew
        suggest = lr / 10 if suggest is None else suggest
        what = ("loss is not finite" if grew is None
                else f"the loss grew from {grew[0]:.3g} to {grew[1]:.3g}")
        super().__init__(
            f"training diverged at epoch {epoch} ({what}); "
            f"try a lower learning rate, e.g. --lr {suggest:g}"
        )


#: a loss this many times its first value (or BLOWUP_FLOOR, if larger) is divergence, NaN or not
BLOWUP = 1000.0
BLOWUP_FLOOR = 1e-3


class RunFileError(NnanimError):
    """A run file that cannot be read: missing, truncated, corrupted or foreign.

    ``corrupt`` is true when the file's bytes are damaged (a broken archive, a truncated array, a
    header that disagrees with its data): the command line exits 1 for those, 2 for the rest.
    """

    def __init__(self, message: str, corrupt: bool = False) -> None:
        super().__init__(message)
        self.corrupt = corrupt


# --------------------------------------------------------------------------- options

#: the most hidden layers a network may have
MAX_LAYERS = 64


def parse_hidden(text: str | Sequence[int]) -> list[int]:
    """``"8,8,2"`` → ``[8, 8, 2]``; every width a positive integer (``""``/``"0"`` not allowed).

    At most :data:`MAX_LAYERS` layers of at most 4096 units each.
    """
    shown = repr(text[:80])
    shown = shown if len(shown) <= 80 and len(text) <= 80 else shown[:77] + "..."
    if len(text) > 4 * MAX_LAYERS * 5:  # longer than any valid list, checked before it is split
        raise ValueError(f"hidden widths {shown}: at most {MAX_LAYERS} layers")
    if not isinstance(text, str):
        widths = [int(w) for w in text]
    else:
        parts = [p.strip() for p in text.split(",")]
        if not parts or any(not p for p in parts):
            raise ValueError(
                f"hidden widths {shown}: give positive integers separated by commas, e.g. 8,8,2"
            )
        try:
            widths = [int(p) for p in parts]
        except ValueError:
            raise ValueError(
                f"hidden widths {shown}: give positive integers separated by commas, e.g. 8,8,2"
            ) from None
    if len(widths) > MAX_LAYERS:
        raise ValueError(f"hidden widths {shown}: at most {MAX_LAYERS} layers, not {len(widths)}")
    if not widths or any(w < 1 for w in widths) or any(w > 4096 for w in widths):
        raise ValueError(f"hidden widths {shown}: each width must be between 1 and 4096, e.g. 8,8,2")
    return widths


def parse_activations(text: str | Sequence[str], n_hidden: int) -> list[str]:
    """One name for all hidden layers, or one per layer (``"tanh,tanh,relu"``)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    names = [get_activation(p).name for p in parts]  # unknown names: nn's one message
    if len(names) == 1:
        return names * n_hidden
    if len(names) != n_hidden:
        raise ValueError(
            f"{len(names)} activations given for {n_hidden} hidden layers; give one for all or one per layer"
        )
    return names


def autoencoder_hidden(d_in: int) -> list[int]:
    """An autoencoder's default hidden widths: ``16, d−1, 16``, a code one unit narrower than its input.

    (2-D data: a 1-unit code, a curve; 3-D data: a 2-unit code, a plane.)
    """
    return [16, max(1, d_in - 1), 16]


@dataclass
class TrainConfig:
    """Everything that determines a run.  ``None`` fields take per-task defaults (:meth:`resolved`).

    The defaults are chosen so that ``nnanim train --dataset NAME`` alone trains
    every built-in classification dataset to high accuracy in a few seconds:
    four tanh layers ``16,16,16,2`` (the last of width 2, so the final hidden space
    is a plane that can be drawn), full-batch Adam at ``lr=0.02`` for 1,500 epochs.
    (With only ``16,16,2``, XOR and the checkerboard stall at 75-80 % for some seeds.)

    ``task`` ``None`` trains the dataset's own task; ``"autoencoder"`` trains an
    autoencoder of the inputs (target = input, labels ignored) on any dataset.
    """

    dataset: str = "spirals"
    n_samples: int | None = None
    noise: float | None = None
    classes: int | None = None
    seed: int = 0
    hidden: list[int] | None = None
    activation: list[str] | str | None = None
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int | None = None
    batch_size: int = 0
    l2: float = 0.0
    record_every: int = 1
    task: str | None = None

    DEFAULT_HIDDEN = (16, 16, 16, 2)
    DEFAULT_EPOCHS = 1500
    DEFAULT_LR = {"sgd": 0.5, "momentum": 0.1, "adam": 0.02}

    def resolved(self, data: Dataset | None = None) -> TrainConfig:
        """A copy with every default filled in and every value checked (``ValueError`` if bad).

        ``data``, the dataset trained on, decides an autoencoder's default hidden
        widths (:func:`autoencoder_hidden` of its input width).
        """
        if self.hidden is not None:
            hidden = parse_hidden(self.hidden)
        elif data is not None and "autoencoder" in (self.task, data.task):
            hidden = autoencoder_hidden(data.X.shape[1])
        else:
            hidden = list(self.DEFAULT_HIDDEN)
        acts = parse_activations(self.activation or "tanh", len(hidden))
        opt = self.optimizer.strip().lower()
        lr = self.DEFAULT_LR.get(opt, 1.0) if self.lr is None else float(self.lr)
        make_optimizer(opt, lr)  # the optimizer's own checks of its name and learning rate
        epochs = self.DEFAULT_EPOCHS if self.epochs is None else int(self.epochs)
        if epochs < 0:
            raise ValueError(f"epochs must be 0 or more, got {epochs}")
        if self.batch_size < 0:
            raise ValueError(f"batch size must be 0 (full batch) or positive, got {self.batch_size}")
        if self.record_every < 1:
            raise ValueError(f"record-every must be 1 or more, got {self.record_every}")
        if not (np.isfinite(self.l2) and self.l2 >= 0):
            raise ValueError(f"l2 must be 0 or a positive number, got {self.l2}")
        if self.seed < 0:
            raise ValueError(f"seed must be 0 or more, got {self.seed}")
        if self.task is not None and self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose from: {', '.join(TASKS)} "
                             "(or leave it unset for the dataset's own)")
        return TrainConfig(
            dataset=self.dataset, n_samples=self.n_samples, noise=self.noise, classes=self.classes,
            seed=int(self.seed), hidden=hidden, activation=acts, optimizer=opt, lr=lr,
            epochs=epochs, batch_size=int(self.batch_size), l2=float(self.l2),
            record_every=int(self.record_every), task=self.task,
        )

    def as_dict(self) -> dict:
        return asdict(self)


#: the options of :class:`TrainConfig` (what `nnanim train` and the scenes accept)
TRAINING_KEYS = tuple(f.name for f in fields(TrainConfig))


# --------------------------------------------------------------------------- the run


@dataclass
class Run:
    """Weights and metrics of every recorded epoch, plus the data they were trained on.

    ``weights[l]`` has shape ``(R, out, in)`` and ``biases[l]`` ``(R, out)``; record
    ``r`` holds the network after ``epochs[r]`` epochs.  ``loss[r]`` and
    ``accuracy[r]`` are computed on the whole training set with those weights.
    """

    meta: dict
    X: np.ndarray
    y: np.ndarray
    epochs: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    elapsed: float = field(default=0.0, compare=False)

    # -- what it is
    @property
    def task(self) -> str:
        return self.meta["task"]

    @property
    def n_classes(self) -> int:
        return int(self.meta["n_classes"])

    @property
    def activations(self) -> list[str]:
        return list(self.meta["activations"])

    @property
    def widths(self) -> list[int]:
        """``[d_in, hidden..., d_out]``."""
        return [self.weights[0].shape[2], *(W.shape[1] for W in self.weights)]

    @property
    def options(self) -> dict:
        return dict(self.meta["options"])

    @property
    def code_width(self) -> int:
        """An autoencoder's code: the width of its narrowest hidden layer."""
        return min(self.widths[1:-1])

    def reconstruction_error(self, record: int = -1) -> float:
        """An autoencoder's MSE on its training inputs, recomputed from the record's weights."""
        return self.network(record).reconstruction_error(self.X)

    def __len__(self) -> int:
        return len(self.epochs)

    # -- how it is described: the words on screen and on the command line
    @property
    def dataset_spec(self) -> str:
        """The dataset as it was given: ``"moons"``, ``"csv:points.csv"``."""
        return self.meta.get("dataset", {}).get("spec", self.options.get("dataset", ""))

    @property
    def feature_names(self) -> list[str]:
        """The input features' names: a real dataset's, a CSV header's, else ``x₁, x₂, …``."""
        params = self.meta.get("dataset", {}).get("params", {})
        d = self.X.shape[1]
        names = params.get("feature_names") or list(params.get("columns", []))[:d]
        if len(names) == d:
            return [str(n) for n in names]
        return [notation.symbol("x", i + 1) for i in range(d)]

    @property
    def class_names(self) -> list[str]:
        """The classes' names: a real dataset's or a CSV's labels, else ``0, 1, …``."""
        params = self.meta.get("dataset", {}).get("params", {})
        names = params.get("label_names") or []
        k = self.n_classes if self.task in ("binary", "multiclass") else 0
        return [str(n) for n in names] if len(names) == k else [str(i) for i in range(k)]

    def landmark_images(self) -> tuple[np.ndarray, np.ndarray]:
        """An image dataset's landmarks: ``(indices (K,), images (K, h, w) in [0, 1])``, for each
        class the point nearest its class's mean input, as its own image (the standardisation
        undone); empty for data that is not images (see the ``image_shape`` of a dataset)."""
        params = self.meta.get("dataset", {}).get("params", {})
        shape = params.get("image_shape")
        if not shape or self.task not in ("binary", "multiclass") or int(np.prod(shape)) != self.X.shape[1]:
            return np.zeros(0, dtype=int), np.zeros((0, 1, 1))
        labels = self.y.astype(int)
        picks = []
        for c in range(self.n_classes):
            members = np.flatnonzero(labels == c)
            if len(members):
                centre = self.X[members].mean(axis=0)
                picks.append(members[np.argmin(np.linalg.norm(self.X[members] - centre, axis=1))])
        picks = np.array(picks, dtype=int)
        raw = self.X[picks] * np.asarray(params.get("feature_std", 1.0)) + \
            np.asarray(params.get("feature_mean", 0.0))
        lo, hi = raw.min(axis=1, keepdims=True), raw.max(axis=1, keepdims=True)
        images = (raw - lo) / np.where(hi > lo, hi - lo, 1.0)
        return picks, images.reshape(len(picks), *shape)

    def input_axes(self, k: int = 2) -> list[tuple[str, float]]:
        """An input wider than three as the picture shows it: each of its ``k`` principal axes
        (fitted once, on this run's data) as ``(words, share of variance)``; see
        :func:`nnanim.core.projection.describe_axes`."""
        from nnanim.core.projection import describe_axes, principal_axes

        return describe_axes(self.X, principal_axes(self.X, k), self.feature_names)

    def architecture(self) -> str:
        """The widths from input to output: ``"2 → 16 → 2 → 1"``."""
        return " → ".join(str(w) for w in self.widths)

    def describe_parts(self, record: int = -1) -> dict[str, str]:
        """The run at record ``record`` in words, one entry per part.

        ``dataset`` (``"moons · 2000 points"``; an image dataset's classes after its name,
        ``"digits 1, 6, 8 · 537 points"``), ``architecture``
        (``"2 → 16 → 2 → 1"``), ``activations`` (each hidden activation once, in
        layer order: ``"tanh/relu"``) and ``epoch`` (``"epoch 500"``).
        """
        return {
            "dataset": f"{self.dataset_spec}{self._image_classes()} · {len(self.X)} points",
            "architecture": self.architecture(),
            "activations": "/".join(dict.fromkeys(map(notation.word, self.activations))),
            "epoch": _imported(self.meta.get("source"), f"epoch {self.epochs[record]}"),
        }

    def _image_classes(self) -> str:
        """An image dataset's classes after its name, as the images' own labels (``" 1, 6, 8"``;
        a run of ten or more: ``" 0–9"``): its pictures alone did not say which digits they
        are.  Empty for other data (their classes are named in the picture or need no name)."""
        params = self.meta.get("dataset", {}).get("params", {})
        names = self.class_names
        if not params.get("image_shape") or not params.get("label_names") or not names:
            return ""
        if len(names) >= 4 and all(n.isdigit() for n in names) and \
                [int(n) for n in names] == list(range(int(names[0]), int(names[0]) + len(names))):
            return f" {names[0]}–{names[-1]}"
        return " " + ", ".join(names)

    def describe(self, record: int = -1) -> str:
        """:meth:`describe_parts` on one line.

        ``"moons · 2000 points · 2 → 16 → 2 → 1 · tanh · epoch 500"``
        """
        return " · ".join(self.describe_parts(record).values())

    # -- replay
    def record_index(self, epoch: int | None = None) -> int:
        """Index of the record of ``epoch`` (``None`` = the last); ``ValueError`` if not recorded."""
        if epoch is None:
            return len(self.epochs) - 1
        hits = np.flatnonzero(self.epochs == epoch)
        if not len(hits):
            raise ValueError(
                f"epoch {epoch} is not recorded in this run; recorded epochs are "
                f"{self.epochs[0]}..{self.epochs[-1]} every {self.meta['options']['record_every']}"
                f" (and the last, {self.epochs[-1]})"
            )
        return int(hits[0])

    def network(self, record: int = -1) -> Network:
        """The network of record ``record`` (an index into ``epochs``; negative counts from the end)."""
        return Network(
            [W[record].copy() for W in self.weights],
            [b[record].copy() for b in self.biases],
            self.activations,
            self.task,
        )

    def forward(self, record: int = -1, X: np.ndarray | None = None) -> Forward:
        """Every layer's pre-activation and activation for a record's weights.

        On ``X``, or the training data when ``X`` is None.
        """
        return self.network(record).forward(self.X if X is None else X)

    # -- files
    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "meta": np.array(json.dumps(self.meta, sort_keys=True)),
            "X": self.X,
            "y": self.y,
            "epochs": self.epochs,
            "loss": self.loss,
            "accuracy": self.accuracy,
        }
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            out[f"W{l}"] = W
            out[f"b{l}"] = b
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the run atomically (:func:`nnanim.files.atomic_write`); return the path written.

        ``.npz`` is appended when missing and a missing folder is created; an
        unwritable destination raises :class:`~nnanim.errors.NnanimError`.
        """
        path = Path(path).expanduser()
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        with atomic_write(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **self.arrays())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Run:
        """Read and validate a run file; anything wrong raises :class:`RunFileError` (one line)."""
        from nnanim.files import open_regular

        path = Path(path)
        name = str(path)
        if len(name) > 160:
            name = name[:78] + "..." + name[-79:]
        if not os.path.lexists(path):
            raise RunFileError(f"{name}: no such file")
        try:  # a regular file only (a FIFO or a device refused at once), at most LIMITS["run file"]
            handle = open_regular(path, "run file")
        except RunFileError:
            raise
        except NnanimError as exc:
            raise RunFileError(str(exc)) from None
        with handle:
            if not zipfile.is_zipfile(handle):
                raise RunFileError(f"{name}: not a readable .npz run file (not a zip archive)",
                                   corrupt=True)
            try:
                arrays = _read_npz(handle, name)
            except RunFileError:
                raise
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError,
                    NotImplementedError, RuntimeError, UnicodeDecodeError, zlib.error) as exc:
                raise RunFileError(f"{name}: not a readable .npz run file ({_short(exc)})",
                                   corrupt=True) from None
            except ValueError as exc:
                if "pickle" in str(exc).lower() or "object" in str(exc).lower():
                    raise RunFileError(f"{name}: holds object arrays; run files never do") from None
                raise RunFileError(f"{name}: not a readable .npz run file ({_short(exc)})",
                                   corrupt=True) from None
        return cls._from_arrays(arrays, name)

    @classmethod
    def _from_arrays(cls, a: dict[str, np.ndarray], name: str) -> Run:
        def fail(msg: str) -> RunFileError:
            return RunFileError(f"{name}: {msg}")

        if "meta" not in a:
            raise fail("no 'meta' entry; not an nnanim run file")
        meta_arr = a["meta"]
        if meta_arr.shape != () or meta_arr.dtype.kind != "U":
            raise fail("'meta' must be a 0-d string array")
        try:
            meta = json.loads(str(meta_arr))
        except json.JSONDecodeError:
            raise fail("'meta' is not valid JSON") from None
        except RecursionError:
            meta = None
        from nnanim.files import MAX_DEPTH, depth

        if meta is None or depth(meta) > MAX_DEPTH:
            raise fail(f"'meta' is nested more than {MAX_DEPTH} deep; not an nnanim run file")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise fail("not an nnanim run file (meta.format is missing)")
        version = meta.get("format_version")
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            readable = ", ".join(map(str, READABLE_VERSIONS))
            raise fail(f"run file format version {version!r}; this nnanim reads versions {readable}")
        for key in ("task", "n_classes", "activations", "options"):
            if key not in meta:
                raise fail(f"meta has no {key!r}")
        if meta["task"] not in VERSION_TASKS[version]:
            raise fail(f"unknown task {meta['task']!r} for format version {version}")
        acts = meta["activations"]
        if not isinstance(acts, list) or any(x not in ACTIVATIONS for x in acts):
            raise fail(f"unknown activations {acts!r}")
        n_layers = len(acts) + 1
        expected = {"meta", "X", "y", "epochs", "loss", "accuracy"}
        expected |= {f"W{l}" for l in range(n_layers)} | {f"b{l}" for l in range(n_layers)}
        if set(a) != expected:
            missing, extra = sorted(expected - set(a)), sorted(set(a) - expected)
            raise fail(f"entries do not match the format (missing {missing}, unexpected {extra})")

        def check(key: str, ndim: int, kinds: str) -> np.ndarray:
            arr = a[key]
            if arr.ndim != ndim or arr.dtype.kind not in kinds:
                raise fail(f"{key!r} has shape {arr.shape} and dtype {arr.dtype}; expected {ndim}-d {kinds}")
            return arr

        X = check("X", 2, "f")
        numeric = meta["task"] in ("regression", "autoencoder")
        y = check("y", 1, "f" if numeric else "i")
        epochs = check("epochs", 1, "i")
        loss = check("loss", 1, "f")
        acc = check("accuracy", 1, "f")
        R, N = len(epochs), len(X)
        if R == 0 or len(loss) != R or len(acc) != R:
            raise fail("epochs, loss and accuracy must have the same non-zero length")
        if len(y) != N or N == 0:
            raise fail("X and y must have the same non-zero number of rows")
        if np.any(np.diff(epochs) <= 0) or epochs[0] < 0:
            raise fail("epochs must be increasing and non-negative")
        weights, biases = [], []
        fan_in = X.shape[1]
        for l in range(n_layers):
            W, b = check(f"W{l}", 3, "f"), check(f"b{l}", 2, "f")
            if W.shape[0] != R or W.shape[2] != fan_in or b.shape != (R, W.shape[1]):
                raise fail(f"layer {l} weights have shapes {W.shape}, {b.shape}; they do not chain")
            weights.append(W)
            biases.append(b)
            fan_in = W.shape[1]
        k = int(meta["n_classes"])
        out_expected = {"binary": 1, "regression": 1, "autoencoder": X.shape[1]}.get(meta["task"], k)
        if fan_in != out_expected:
            article = "an" if meta["task"][0] in "aeiou" else "a"
            raise fail(f"output layer has {fan_in} units; {article} {meta['task']} run needs "
                       f"{out_expected}")
        if meta["task"] == "autoencoder" and n_layers < 2:
            raise fail("an autoencoder run needs a hidden layer (its code)")
        if not numeric and (y.min() < 0 or y.max() >= k):
            raise fail(f"labels outside 0..{k - 1}")
        for key, arr in (("X", X), *((f"W{l}", w) for l, w in enumerate(weights))):
            if not np.all(np.isfinite(arr)):
                raise fail(f"{key!r} holds NaN or infinite values")
        return cls(meta, X, y, epochs, loss, acc, weights, biases)


# --------------------------------------------------------------------------- bounded reading

#: the most members a run file may hold (meta, X, y, epochs, loss, accuracy, W and b per layer)
MAX_MEMBERS = 1000
#: the dtypes a run file's arrays may have
_RUN_KINDS = "fiuU"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _read_npz(handle, name: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, every member checked by its zip header and its ``.npy`` header
    (shape, dtype, sizes) before any is decompressed in full: a member that would decompress to
    more than the run-file limit, or whose header disagrees with its size, is refused at once."""
    from nnanim.files import LIMITS, NO_LIMITS_ENV, limits_on, size_text

    limit = LIMITS["run file"] if limits_on() else None
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise RunFileError(f"{name}: {len(members)} entries; a run file has at most {MAX_MEMBERS}")
        total = sum(m.file_size for m in members)
        if limit is not None and total > limit:
            raise RunFileError(f"{name}: its arrays would take {size_text(total)} once unpacked, more "
                               f"than a run file may ({size_text(limit)}; {NO_LIMITS_ENV}=1 lifts "
                               "the limit)")
        arrays = {}
        for member in members:
            key = member.filename[:-4] if member.filename.endswith(".npy") else member.filename
            if member.is_dir() or not member.filename.endswith(".npy"):
                raise RunFileError(f"{name}: entry {_short(member.filename)!r} is not an array")
            with archive.open(member) as stream:
                version = np.lib.format.read_magic(stream)
                if version not in ((1, 0), (2, 0), (3, 0)):
                    raise RunFileError(f"{name}: entry {key!r} has an unknown .npy version")
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(stream, max_header_size=10000)
                if dtype.hasobject or dtype.kind not in _RUN_KINDS or dtype.fields is not None:
                    if dtype.hasobject:
                        raise RunFileError(f"{name}: holds object arrays; run files never do")
                    raise RunFileError(f"{name}: entry {key!r} has dtype {dtype}; run files hold "
                                       "numbers and one string")
                count = math.prod(shape)
                if dtype.itemsize and count > member.file_size // dtype.itemsize:
                    raise RunFileError(f"{name}: entry {key!r} claims shape {_short(shape)} but holds "
                                       f"{size_text(member.file_size)}; the file is corrupt",
                                       corrupt=True)
                array = np.empty(count, dtype=dtype)
                view, got, size = memoryview(array.view(np.uint8).reshape(-1)), 0, array.nbytes
                while got < size:  # in chunks, into the array: no second copy
                    chunk = stream.read(min(2**22, size - got))
                    if not chunk:
                        raise RunFileError(f"{name}: entry {key!r} is truncated", corrupt=True)
                    view[got:got + len(chunk)] = chunk
                    got += len(chunk)
                arrays[key] = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
        return arrays


# --------------------------------------------------------------------------- training


def recorded_epochs(epochs: int, every: int) -> np.ndarray:
    """The epochs a run of ``epochs`` epochs records: 0, every ``every``-th, and the last."""
    rec = np.arange(0, epochs + 1, every, dtype=np.int64)
    if rec[-1] != epochs:
        rec = np.append(rec, np.int64(epochs))
    return rec


ProgressFn = Callable[[int, int, float], None]  # (epoch, total epochs, loss)


def train_on(data: Dataset, config: TrainConfig, progress: ProgressFn | None = None) -> Run:
    """Train on ``data`` with a resolved or unresolved ``config``; record every ``record_every`` epochs.

    Epoch 0 (the initial weights) and the last epoch are always recorded.  With
    full-batch training the loss of each record comes from the same forward pass
    that the next gradient step uses, so recording costs no extra computation.
    """
    if config.task == "autoencoder":
        data = as_autoencoder(data)
    cfg = config.resolved(data)
    # The matrices here are small (N x 64 at most, typically): OpenBLAS's threads
    # cost far more than they save (measured 20-40x slower at width 32-64 on 2 cores).
    # Divergence is detected explicitly (TrainingDiverged), so NumPy's overflow
    # warnings would only be noise on the way there.
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        return _train(data, cfg, progress)


def _train(data: Dataset, cfg: TrainConfig, progress: ProgressFn | None) -> Run:
    started = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    task = data.task
    d_out = {"multiclass": data.n_classes, "autoencoder": data.X.shape[1]}.get(task, 1)
    widths = [data.X.shape[1], *cfg.hidden, d_out]
    net = init_network(widths, cfg.activation, task, rng)
    opt = make_optimizer(cfg.optimizer, cfg.lr)
    X, y = np.ascontiguousarray(data.X, dtype=np.float64), data.y
    target = net.target(X, y)  # an autoencoder's is X
    N = len(X)
    batch = N if cfg.batch_size in (0, None) or cfg.batch_size >= N else cfg.batch_size

    rec_epochs = recorded_epochs(cfg.epochs, cfg.record_every)
    R = len(rec_epochs)
    Ws = [np.empty((R, *W.shape)) for W in net.weights]
    bs = [np.empty((R, *b.shape)) for b in net.biases]
    losses = np.empty(R)
    accs = np.empty(R)
    L = len(net.weights)
    # All parameters live in one flat array (each layer's W and b are views into it),
    # so the optimizer's elementwise update is a handful of NumPy calls per step, not
    # a handful per array; the arithmetic, element by element, is the same.
    params = np.concatenate([p.ravel() for p in (*net.weights, *net.biases)])
    views, offset = [], 0
    for p in (*net.weights, *net.biases):
        views.append(params[offset : offset + p.size].reshape(p.shape))
        offset += p.size
    net.weights[:], net.biases[:] = views[:L], views[L:]

    def step(gW: list[np.ndarray], gb: list[np.ndarray]) -> None:
        opt.step([params], [np.concatenate([g.ravel() for g in (*gW, *gb)])])

    def record(r: int, logits: np.ndarray, loss: float) -> None:
        for l in range(L):
            Ws[l][r] = net.weights[l]
            bs[l][r] = net.biases[l]
        losses[r] = loss
        accs[r] = (np.nan if task in ("regression", "autoencoder")
                   else np.mean(net.labels_from_logits(logits) == y))

    first: list[float] = []  # the first loss seen: what "far above where it started" means
    default_lr = TrainConfig.DEFAULT_LR.get(cfg.optimizer, cfg.lr)
    suggest = default_lr if cfg.lr > 10 * default_lr else cfg.lr / 10

    def check(loss: float, epoch: int) -> None:
        if not np.isfinite(loss):
            raise TrainingDiverged(epoch, cfg.lr, suggest=suggest)
        if not first:
            first.append(float(loss))
        elif loss > BLOWUP * max(first[0], BLOWUP_FLOOR):
            raise TrainingDiverged(epoch, cfg.lr, grew=(first[0], float(loss)), suggest=suggest)

    r = 0
    report_every = max(1, cfg.epochs // 200)
    fwd = None  # the full-batch pass, its arrays reused every epoch
    for epoch in range(cfg.epochs + 1):
        recording = r < R and rec_epochs[r] == epoch
        stepping = epoch < cfg.epochs
        full_pass = batch == N or recording
        if full_pass:
            fwd = net.forward(X, out=fwd)
            if batch == N and stepping:
                # one loss per epoch: the gradient step's, which is also the record's
                loss, gW, gb, _ = net.gradients(X, target, cfg.l2, fwd)
            else:
                loss = net.loss_from_logits(fwd.logits, target, cfg.l2)
            check(loss, epoch)
            if recording:
                record(r, fwd.logits, loss)
                r += 1
        if not stepping:
            break
        if batch == N:
            step(gW, gb)
        else:
            order = rng.permutation(N)
            for start in range(0, N, batch):
                idx = order[start : start + batch]
                loss, gW, gb, _ = net.gradients(X[idx], target[idx], cfg.l2)
                check(loss, epoch)
                step(gW, gb)
        if progress is not None and (epoch % report_every == 0):
            progress(epoch + 1, cfg.epochs, float(loss) if full_pass else float(losses[r - 1]))
    if not all(np.all(np.isfinite(W)) for W in Ws):
        raise TrainingDiverged(int(rec_epochs[-1]), cfg.lr, suggest=suggest)

    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "nnanim_version": __version__,
        "task": task,
        "n_classes": int(data.n_classes),
        "activations": list(cfg.activation),
        "widths": widths,
        "dataset": {"spec": data.name, "params": _jsonable(data.params)},
        "optimizer": opt.settings(),
        "options": _jsonable(cfg.as_dict()),
    }
    return Run(meta, X, np.asarray(y), rec_epochs, losses, accs, Ws, bs,
               elapsed=time.perf_counter() - started)


def train(config: TrainConfig | None = None, progress: ProgressFn | None = None, **options) -> Run:
    """Make the dataset and train: ``nnanim.train(dataset="moons", hidden=[8, 8, 2])``.

    Keyword options are the fields of :class:`TrainConfig`; ``hidden`` and
    ``activation`` also accept the CLI's comma-separated strings.
    """
    config = config if config is not None else TrainConfig(**options)
    cfg = config.resolved()
    data = make_dataset(cfg.dataset, n_samples=cfg.n_samples, noise=cfg.noise, seed=cfg.seed,
                        classes=cfg.classes)
    return train_on(data, config, progress)


#: the options that make the data: overriding one of them in :func:`retrain` makes new data
_DATA_KEYS = ("dataset", "n_samples", "noise", "classes")


def retrain(run: Run, progress: ProgressFn | None = None, **overrides) -> Run:
    """``run``'s training again with some options changed, from the same seed.

    ``retrain(run, activation="linear")`` is the same architecture, data, seed,
    optimizer and epochs without activations: what a scene that compares
    variants of one network trains beside it.  Options not overridden are the
    ones ``run`` was trained with (a run file's too).  The data is ``run``'s own
    unless a data option (``dataset``, ``n_samples``, ``noise``, ``classes``) is
    overridden: then it is made from the options, e.g. ``retrain(run,
    dataset="xor")`` trains the same network on XOR.  Values are checked as in
    :class:`TrainConfig` (``ValueError``).
    """
    unknown = sorted(set(overrides) - set(TRAINING_KEYS))
    if unknown:
        raise ValueError(f"unknown training option(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(TRAINING_KEYS)}")
    options = {k: v for k, v in run.options.items() if k in TRAINING_KEYS}
    config = TrainConfig(**{**options, **overrides})
    if set(overrides) & set(_DATA_KEYS):
        return train(config, progress)
    data = Dataset(run.dataset_spec, run.X, run.y, run.task, run.n_classes,
                   dict(run.meta.get("dataset", {}).get("params", {})))
    return train_on(data, config, progress)


def _imported(source: dict | None, epoch: str) -> str:
    """The epoch as the header shows it; a network read by nnanim.io.models says it was imported
    (and whether a scaler was folded into its first layer)."""
    if not source:
        return epoch
    said = epoch if source.get("epoch_known") else "imported"
    return said + (" · inputs scaled" if source.get("scaler") else "")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
