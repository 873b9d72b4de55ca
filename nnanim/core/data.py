"""Datasets: small 2-D toy problems, your own CSV files, and function-defined data.

Pure NumPy, importable without Manim.  One entry point::

    make_dataset(spec, n_samples=None, noise=None, seed=0, classes=None) -> Dataset

``spec`` is a built-in name (``moons``, ``spirals``, ... see :func:`list_datasets`;
case-insensitive, ``_`` and ``-`` interchangeable), ``csv:PATH`` or
``expr:EXPRESSION``.  ``None`` means "the dataset's default"; the values
actually used are returned in :attr:`Dataset.params`.  Every problem is reported
as a :class:`DatasetError` with a one-line message.

Arguments
---------
``n_samples``
    An int between ``max(4, 2 * classes)`` and 100,000.  Classes are balanced
    as scikit-learn balances them: ``n_samples // K`` each, the first
    ``n_samples % K`` classes one more.
``noise``
    A finite float ``>= 0``.  For classification it is the standard deviation
    of Gaussian jitter added to the inputs; the labels belong to the clean
    shape, which spans about ``[-1, 1]`` before scaling (so ``0.1`` is about 5 %
    of the picture's width).  For regression (``sine``, ``ripple``, numeric
    ``expr:``) it is the standard deviation of Gaussian noise added to the
    target, whose clean values span about ``[-1, 1]``.  For the autoencoder
    datasets (``arc``, ``swiss-roll``, ``s-curve``: no labels, the target is
    the input) it is the standard deviation of Gaussian jitter added to the
    clean shape in its own units: scikit-learn's for ``swiss-roll`` (about 22
    wide, 21 high) and ``s-curve`` (about 2 x 2 x 4), about ``[-1, 1]`` for ``arc``.
``seed``
    An int ``>= 0``; all randomness comes from ``np.random.default_rng(seed)``,
    so equal arguments give bit-identical arrays.
``classes``
    The number of classes K (2..10) for ``spirals`` (arms) and ``blobs``
    (centres).  Other classification datasets have a fixed number of classes
    and accept only that number; regression and autoencoder datasets accept none.

Scaling
-------
Every dataset is scaled with one rule, applied after the noise: each input
axis is centred on the midpoint of its range (``(min + max) / 2``) and all
axes are divided by the same factor, half the widest axis' range.  The inputs
then lie in ``[-1, 1]^d``, the widest axis spans exactly ``[-1, 1]``, and the
aspect ratio is preserved.  Regression targets get the same rule on their own,
so they span exactly ``[-1, 1]``.  The built-in regression targets are
computed from the already scaled inputs (``sine``: ``sin(pi x)``; ``ripple``:
``sin(2 pi |x|)``), so the returned ``y`` is an affine function of that
expression of the returned ``X`` (plus noise).

CSV files (``csv:PATH``)
------------------------
* Blank lines and lines starting with ``#`` are skipped; line numbers in
  messages are the file's own line numbers.  UTF-8 text (a BOM is allowed).
* Delimiter: taken from the first data line: ``;`` if it contains one, else
  ``,``, else a tab, else runs of whitespace.  Quoted cells follow the ``csv``
  module's rules; a quoted cell may not span lines.  Decimal commas are not
  supported.
* Columns: the features, then the label or target: three (``x, y, label``
  or ``x, y, target``), two (``x, target``: 1-D regression), or more (up to
  1,024 features, e.g. a table of measurements; data of more than three
  features is then standardised, each feature to mean 0 and standard deviation
  1, and shown through its principal axes).  Every line must have the same
  count.  A header names the features (on screen, on those axes).
* Header: the first line is a header when none of its input cells (every
  column but the last) is a number.
* Classification or regression, decided in this order: a header whose last
  column is named ``target`` means regression, one named ``label`` or
  ``class`` means classification; two columns always mean regression;
  otherwise a last column of integer-valued numbers or of any non-numbers
  holds labels, and one with a non-integer number holds regression targets.
* Labels: integer labels are sorted numerically, otherwise they are compared
  as text, and mapped to ``0..K-1`` in that order; ``params["label_names"]``
  keeps the original spellings (``"2"``, ``"cat"``).  2 to 10 classes.
* At least 4 rows.  Inputs and targets must be finite numbers; the points
  must not all coincide; a regression target must not be constant.
* Rows keep the file's order.  ``noise`` must be ``None`` or 0.  ``n_samples``
  (if given) keeps that many rows, drawn without replacement with ``seed`` and
  kept in file order; it may not exceed the number of rows.  ``classes`` (if
  given) must equal the number of labels found.
* A bare file name that does not exist in the working directory but names a
  sample shipped with nnanim (see :func:`list_datasets`) loads that sample.

Expressions (``expr:EXPRESSION``)
---------------------------------
``n_samples`` points (default 500) are drawn uniformly from the square and
scaled by the rule above; the expression is then evaluated at the scaled
points ``x, y``, so it describes exactly the returned ``X``.

* A *classification rule* is an expression whose outermost operation is a
  comparison (chains such as ``-0.5 < x < 0.5`` included), ``and``, ``or`` or
  ``not``: True is class 1, False class 0.  Each class needs at least 2
  points.  ``noise`` jitters the inputs afterwards (labels stay those of the
  clean points) and the inputs are scaled again.
* Any other expression is a *regression target*; ``noise`` is added to it.
* Grammar: numbers, ``x``, ``y``, ``pi``, ``e``; ``+ - * / ** %``, unary
  ``-``/``+``; comparisons ``< <= > >= == !=``; ``and``, ``or``, ``not``
  (whose operands must themselves be rules); parentheses; and the functions
  in :data:`EXPR_FUNCTIONS`.  A rule used inside arithmetic counts as 0/1.
* The text is parsed with :mod:`ast` and the tree is checked against this
  whitelist, then walked with NumPy in float64; it is never executed as
  Python.  Anything else (attributes, subscripts, strings, keywords, lambdas,
  ...) is rejected.  A NaN anywhere during evaluation (``log(x)`` for
  ``x < 0``, ``0/0``) and an infinite target are errors.
"""

from __future__ import annotations

import ast
import csv
import difflib
import math
import numbers
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnanim.errors import NnanimError

__all__ = [
    "DATASETS",
    "EXPR_FUNCTIONS",
    "MAX_CLASSES",
    "MAX_SAMPLES",
    "Dataset",
    "DatasetError",
    "as_autoencoder",
    "dataset_network",
    "DatasetInfo",
    "REAL_DATASETS",
    "DIGIT_ORDER",
    "REAL_NETWORK",
    "RealDataset",
    "list_datasets",
    "make_dataset",
    "parse_feature",
    "standardise",
    "takes_classes",
]

MAX_CLASSES = 10
MAX_SAMPLES = 100_000
MIN_SAMPLES = 4
#: columns of a csv: file (features and the label or target)
MAX_CSV_COLUMNS = 1025
EXPR_MAX_LENGTH = 1000
EXPR_MAX_DEPTH = 60


class DatasetError(NnanimError):
    """A dataset spec or argument is invalid; the message is one user-facing line."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs, labels or targets, and what produced them.

    Attributes
    ----------
    name : str
        The spec as given, e.g. ``"spirals"``, ``"csv:data.csv"``.
    X : ndarray of shape (N, d), float64
        Inputs in ``[-1, 1]^d``; ``d`` is 2, or 1 for ``sine`` and 1-D
        regression CSVs, or 3 for ``swiss-roll`` and ``s-curve``.
    y : ndarray of shape (N,)
        int64 labels ``0..K-1`` for classification, float64 targets in
        ``[-1, 1]`` for regression; for the autoencoder datasets (``arc``,
        ``swiss-roll``, ``s-curve``) the float64 manifold parameter ``t`` of
        each point, unscaled (scikit-learn's ``t``): the target is ``X`` itself
        and ``t`` is only a colour.
    task : str
        ``"binary"`` (K == 2), ``"multiclass"`` (K > 2), ``"regression"`` or
        ``"autoencoder"``.
    n_classes : int
        K, or 0 for regression and autoencoder data.
    params : dict
        The resolved parameters: ``n_samples``, ``noise``, ``seed`` and
        ``classes`` where they apply, plus source-specific entries
        (``path``, ``label_names``, ``columns``, ``expression``).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, X={self.X.shape}, task={self.task!r}, "
                f"n_classes={self.n_classes}, params={self.params!r})")


def as_autoencoder(data: Dataset) -> Dataset:
    """``data`` as an autoencoder's: task ``"autoencoder"``, no classes, ``y`` float64.

    The target is the input itself; ``y`` (labels, targets or ``t``) stays only
    as the points' colour; ``params["task"]`` keeps the dataset's own task.
    Autoencoder data is returned as it is.
    """
    if data.task == "autoencoder":
        return data
    return Dataset(data.name, data.X, np.asarray(data.y, dtype=np.float64), "autoencoder", 0,
                   {**data.params, "trained_as": "autoencoder", "task": data.task})


GeneratorFn = Callable[[np.random.Generator, int, float, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class DatasetInfo:
    """A built-in dataset: its summary, kind, defaults and generator.

    ``generate(rng, n_samples, noise, classes)`` returns the unscaled inputs
    and the labels (or, for regression, the scaled inputs and raw targets).
    ``classes`` is the default number of classes (``None`` for regression);
    ``variable_classes`` says whether ``classes`` may change it.
    """

    name: str
    summary: str
    kind: str  # "classification" | "regression" | "autoencoder"
    n_samples: int
    noise: float
    classes: int | None
    variable_classes: bool
    generate: GeneratorFn = field(repr=False)


# --------------------------------------------------------------------------- scaling


def _scale(values: np.ndarray) -> np.ndarray:
    """Centre each column on its mid-range; divide all by half the widest range.

    Exact at the ends: the widest column's min and max map to exactly -1 and 1.
    Raises ``ValueError`` when the values are not finite or all coincide.
    """
    lo, hi = values.min(axis=0), values.max(axis=0)
    ranges = hi - lo
    widest = ranges.max()
    if not (np.isfinite(widest) and np.all(np.isfinite(values))):
        raise ValueError("values are not finite")
    if widest <= 0 or widest / 2 == 0:
        raise ValueError("all values are the same")
    half = widest / 2
    scaled = ((values - lo) - ranges / 2) / half
    return np.clip(scaled, -1.0, 1.0)


def _class_sizes(n: int, k: int) -> np.ndarray:
    """scikit-learn's balance: ``n // k`` each, the first ``n % k`` one more."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _labels(sizes: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _jitter(rng: np.random.Generator, X: np.ndarray, noise: float) -> np.ndarray:
    return X + rng.normal(scale=noise, size=X.shape) if noise > 0 else X


# --------------------------------------------------------------------------- generators


def _moons(rng, n, noise, k):
    """sklearn's moons: upper arc (class 0) and lower arc (class 1), evenly spaced."""
    n_out, n_in = _class_sizes(n, 2)
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]),
    ])
    return _jitter(rng, X, noise), _labels(_class_sizes(n, 2))


def _circles(rng, n, noise, k, factor=0.5):
    """sklearn's circles: outer unit circle (class 0), inner circle of radius ``factor`` (1)."""
    n_out, n_in = _class_sizes(n, 2)
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])
    return _jitter(rng, X, noise), _labels(_class_sizes(n, 2))


def _spirals(rng, n, noise, k, turns=0.75, r0=0.05):
    """K arms from radius ``r0`` to 1, each winding ``turns`` times, rotated by 2 pi / K.

    Three quarters of a turn: a stack of four tanh layers of width 2 (the
    ``layers`` scene) untangles it to >= 99 %; at 1.25 turns such narrow
    networks stall near 80 % for most seeds.
    """
    sizes = _class_sizes(n, k)
    labels = _labels(sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    # position along its arm, 0..1, evenly spaced within each arm
    t = (np.arange(n) - starts) / np.maximum(sizes[labels] - 1, 1)
    r = r0 + (1.0 - r0) * t
    angle = 2 * np.pi * (turns * t + labels / k)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return _jitter(rng, X, noise), labels


def _xor(rng, n, noise, k, margin=0.1):
    """Uniform in the four quadrants, ``margin`` away from the axes; class 1 where x y < 0."""
    labels = _labels(_class_sizes(n, 2))
    # class 0: signs agree (quadrants I, III); class 1: signs differ (II, IV)
    sx = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    sy = np.where(labels == 0, sx, -sx)
    mag = margin + (1.0 - margin) * rng.random((n, 2))
    X = mag * np.column_stack([sx, sy])
    return _jitter(rng, X, noise), labels


def _blobs(rng, n, noise, k):
    """K Gaussian blobs of standard deviation ``noise``, centres on the unit circle."""
    labels = _labels(_class_sizes(n, k))
    angle = np.pi / 2 + 2 * np.pi * np.arange(k) / k
    centres = np.column_stack([np.cos(angle), np.sin(angle)])
    return _jitter(rng, centres[labels], noise), labels


def _checkerboard(rng, n, noise, k, cells=4, gap=0.1):
    """Uniform in a ``cells`` x ``cells`` board, a ``gap`` fraction free at cell edges."""
    labels = _labels(_class_sizes(n, 2))
    i, j = np.divmod(np.arange(cells * cells), cells)
    board = np.column_stack([i, j])
    parity = (i + j) % 2
    # each point picks a random cell of its colour (cells // 2 per row)
    own = np.stack([board[parity == c] for c in (0, 1)])  # (2, cells**2 / 2, 2)
    cell = own[labels, rng.integers(0, own.shape[1], n)]
    inside = gap / 2 + (1 - gap) * rng.random((n, 2))
    X = (cell + inside) * (2.0 / cells) - 1.0
    return _jitter(rng, X, noise), labels


def _disk_ring(rng, n, noise, k, disk=0.5, ring=(0.75, 1.0)):
    """Uniform in a ring (class 0) around a disk of radius ``disk`` (class 1)."""
    n_ring, n_disk = _class_sizes(n, 2)
    r_ring = np.sqrt(rng.uniform(ring[0] ** 2, ring[1] ** 2, n_ring))
    r_disk = disk * np.sqrt(rng.random(n_disk))
    r = np.concatenate([r_ring, r_disk])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return _jitter(rng, X, noise), _labels(_class_sizes(n, 2))


def _sine(rng, n, noise, k):
    """x uniform, already scaled to [-1, 1]; target sin(pi x): one period."""
    X = _scale(rng.uniform(-1.0, 1.0, (n, 1)))
    return X, np.sin(np.pi * X[:, 0]) + _noise(rng, n, noise)


def _ripple(rng, n, noise, k):
    """Uniform in the square, already scaled; target sin(2 pi r), r the radius."""
    X = _scale(rng.uniform(-1.0, 1.0, (n, 2)))
    radius = np.hypot(X[:, 0], X[:, 1])
    return X, np.sin(2 * np.pi * radius) + _noise(rng, n, noise)


def _arc(rng, n, noise, k, turns=0.6, r0=0.3):
    """One spiral arm, t uniform in [0, 1]: radius r0 → 1 over ``turns`` of a turn; jitter in 2-D.

    A curve: an autoencoder with a 1-unit code can learn it (t is its natural code).
    """
    t = rng.random(n)
    r = r0 + (1.0 - r0) * t
    angle = 2 * np.pi * turns * t
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return _jitter(rng, X, noise), t


def _swiss_roll(rng, n, noise, k):
    """scikit-learn's ``make_swiss_roll`` (``hole=False``): t uniform in 1.5π (1, 3), height in [0, 21)."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    height = 21.0 * rng.random(n)
    X = np.column_stack([t * np.cos(t), height, t * np.sin(t)])
    return _jitter(rng, X, noise), t


def _s_curve(rng, n, noise, k):
    """scikit-learn's ``make_s_curve``: t uniform in 3π (−½, ½), height in [0, 2)."""
    t = 3.0 * np.pi * (rng.random(n) - 0.5)
    X = np.column_stack([np.sin(t), 2.0 * rng.random(n), np.sign(t) * (np.cos(t) - 1.0)])
    return _jitter(rng, X, noise), t


def _noise(rng, n, noise):
    return rng.normal(scale=noise, size=n) if noise > 0 else np.zeros(n)


_BUILTINS = [
    DatasetInfo("moons", "two interleaving half circles (2 classes)",
                "classification", 500, 0.1, 2, False, _moons),
    DatasetInfo("circles", "a small circle inside a large one (2 classes)",
                "classification", 500, 0.05, 2, False, _circles),
    DatasetInfo("spirals", "K interleaved spiral arms, one per class (classes=K, default 2)",
                "classification", 600, 0.04, 2, True, _spirals),
    DatasetInfo("xor", "four quadrants, opposite ones share a class (2 classes)",
                "classification", 500, 0.05, 2, False, _xor),
    DatasetInfo("blobs", "K Gaussian blobs on a circle (classes=K, default 3)",
                "classification", 450, 0.2, 3, True, _blobs),
    DatasetInfo("checkerboard", "a 4x4 checkerboard of two colours (2 classes)",
                "classification", 600, 0.02, 2, False, _checkerboard),
    DatasetInfo("disk-ring", "a disk inside a ring; needs 3 hidden units (2 classes)",
                "classification", 500, 0.03, 2, False, _disk_ring),
    DatasetInfo("sine", "regression: 1-D input x, target sin(pi x)",
                "regression", 400, 0.05, None, False, _sine),
    DatasetInfo("ripple", "regression: 2-D input, target sin(2 pi |x|), rings",
                "regression", 600, 0.05, None, False, _ripple),
    DatasetInfo("arc", "autoencoder: a noisy 2-D arc (one spiral arm), t along it",
                "autoencoder", 500, 0.03, None, False, _arc),
    DatasetInfo("swiss-roll", "autoencoder: scikit-learn's 3-D swiss roll, t along the roll",
                "autoencoder", 600, 0.2, None, False, _swiss_roll),
    DatasetInfo("s-curve", "autoencoder: scikit-learn's 3-D S curve, t along the curve",
                "autoencoder", 600, 0.05, None, False, _s_curve),
]
DATASETS: dict[str, DatasetInfo] = {info.name: info for info in _BUILTINS}


@dataclass(frozen=True)
class RealDataset:
    """A real tabular dataset read from scikit-learn's bundled copy (nothing is downloaded).

    ``loader`` names the ``sklearn.datasets`` function.  The inputs are
    standardised (each feature centred on its mean and divided by its standard
    deviation; a constant feature, such as a digit image's always-blank corner
    pixel, stays 0), so no feature dominates a projection by its units alone.
    ``classes`` is the default number of classes; ``variable_classes`` lets
    ``classes`` pick K of them: the first K of ``order`` (in their own order), or
    else the first K.  ``network`` is the
    training recipe a scene uses when no option overrides it (see
    :func:`dataset_network`).
    """

    name: str
    summary: str
    loader: str
    classes: int
    variable_classes: bool = False
    network: tuple = ()
    order: tuple = ()

    def kept(self, k: int) -> list[int]:
        """The original class labels that ``classes=k`` keeps, in their own order."""
        return sorted(self.order[:k]) if self.order else list(range(k))


#: The network a real dataset trains by default (:func:`dataset_network`).  The toy scenes'
#: default, four tanh layers of width 2 trained 3,000 epochs, drives standardised real data
#: into tanh's flat ends: each layer collapses its classes further, until the output shows
#: three dots.  Measured on all four sets: two tanh layers of 4 (the first squashes the wide
#: input to 4, a plane it can then turn), a last layer of 2, Adam at 0.01 for 500 epochs and
#: λ = 0.01 keep every layer's units mostly off the flat ends (under half beyond ±0.95), the
#: classes' between/within spread ratio grows layer by layer, and 98-100 % of the points are
#: classified right.
REAL_NETWORK = (("hidden", [4, 4, 2]), ("activation", "tanh"), ("lr", 0.01), ("epochs", 500),
                ("l2", 0.01))


#: The digits ``classes=K`` takes: the first K of this order.  The default three are the trio
#: whose images overlap most where the picture starts, the data's principal plane: of the 120
#: trios of standardised digit images, a logistic regression on their two principal axes
#: parts 1, 6 and 8 worst (68 % of the points; 0, 1 and 2, the first default, 94 %: they stand
#: apart before any layer has moved, which leaves the layers nothing to show).  The default
#: network (REAL_NETWORK) still classifies all of them right, so the layers have visible work
#: to do.  Each next digit is the one that then overlaps most with those taken (the same
#: measure on the K + 1 digits); ``classes=10`` takes all ten.
DIGIT_ORDER = (1, 6, 8, 2, 5, 3, 7, 0, 9, 4)

REAL_DATASETS: dict[str, RealDataset] = {real.name: real for real in [
    RealDataset("iris", "Fisher's iris: 4 measurements of 150 flowers, 3 species", "load_iris", 3,
                network=REAL_NETWORK),
    RealDataset("wine", "13 chemical measurements of 178 Italian wines, 3 cultivars", "load_wine", 3,
                network=REAL_NETWORK),
    RealDataset("breast-cancer", "30 measurements of 569 breast tumours, malignant or benign",
                "load_breast_cancer", 2, network=REAL_NETWORK),
    RealDataset("digits", "8×8 images of handwritten digits, 64 pixels; classes=K takes the "
                f"first K of the digits {', '.join(map(str, DIGIT_ORDER))} (those that overlap most "
                "first; default 3)", "load_digits", 3, True, network=REAL_NETWORK, order=DIGIT_ORDER),
]}
#: the extra that brings scikit-learn's bundled copies
REAL_EXTRA = "pip install 'nnanim[data]'"

_CSV_SUMMARY = ("your own file: feature columns, then a label or target column "
                "(x,y,label; x,y,target; x,target; or many features, header optional)")
#: inputs of the built-ins that are not 2-D
_INPUTS = {"sine": 1, "swiss-roll": 3, "s-curve": 3}
_EXPR_SUMMARY = ("points in [-1,1]^2 labelled by a rule of x, y (e.g. 'x**2 + y**2 < 1') "
                 "or a numeric target (e.g. 'sin(3*x)*y')")


def list_datasets() -> list[tuple[str, str]]:
    """Return ``(name, one-line summary)`` for every built-in, real dataset and the csv:/expr: forms.

    Each summary says the shape: how many inputs, and points by default.
    """
    rows = [(name, f"{info.summary}; {_inputs(_INPUTS.get(name, 2))}, default {info.n_samples} "
                   f"points, noise {info.noise}")
            for name, info in DATASETS.items()]
    for name, real in REAL_DATASETS.items():
        rows.append((name, f"{real.summary}; {_real_shape(real)}"))
    rows.append(("csv:PATH", _CSV_SUMMARY))
    rows += [("csv:" + sample.name, _sample_summary(sample)) for sample in _bundled_samples()]
    rows.append(("expr:EXPRESSION", _EXPR_SUMMARY))
    return rows


# --------------------------------------------------------------------------- arguments


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_seed(seed) -> int:
    if not _is_int(seed) or seed < 0:
        raise DatasetError(f"seed must be an integer >= 0 (got {seed!r})")
    return int(seed)


def _check_noise(noise, where: str = "") -> float:
    try:
        ok = isinstance(noise, numbers.Real) and not isinstance(noise, (bool, np.bool_))
        value = float(noise) if ok else math.nan
    except OverflowError:  # an int beyond float range
        value = math.inf
    if not math.isfinite(value) or value < 0:
        raise DatasetError(f"{where}noise must be a finite number >= 0 (got {noise!r})")
    return value


def _check_n_samples(n, minimum: int, what: str = "", where: str = "") -> int:
    if not _is_int(n) or not minimum <= n <= MAX_SAMPLES:
        raise DatasetError(f"{where}n_samples must be an integer from {minimum} to {MAX_SAMPLES}"
                           f"{what} (got {n!r})")
    return int(n)


def _check_classes(classes, where: str = "") -> int:
    if not _is_int(classes) or not 2 <= classes <= MAX_CLASSES:
        raise DatasetError(f"{where}classes must be an integer from 2 to {MAX_CLASSES} "
                           f"(got {classes!r})")
    return int(classes)


def _variable_class_names() -> str:
    return ", ".join(name for name, info in DATASETS.items() if info.variable_classes)


def _resolve_classes(info: DatasetInfo, classes) -> int:
    if classes is None:
        return info.classes or 0
    if info.kind != "classification":
        raise DatasetError(f"classes does not apply to the {info.kind} dataset {info.name!r}; "
                           f"datasets that take classes: {_variable_class_names()}")
    k = _check_classes(classes)
    if not info.variable_classes and k != info.classes:
        raise DatasetError(f"{info.name!r} always has {info.classes} classes (got classes={k}); "
                           f"datasets that take classes: {_variable_class_names()}")
    return k


def takes_classes(spec: str) -> bool:
    """Whether ``spec`` names a built-in dataset whose number of classes can be chosen
    (spirals, blobs, digits)."""
    key = str(spec).strip().lower().replace("_", "-")
    info = DATASETS.get(key) or REAL_DATASETS.get(key)
    return info is not None and info.variable_classes


def dataset_network(spec: str, classes: int | None = None) -> dict:
    """The training options a dataset brings as its defaults (``{}`` for most).

    A real dataset brings a network that shows its lesson (:data:`REAL_NETWORK`): a scene's
    own defaults give way to it, options the user gives override it.  With more classes
    than three (digits, ``classes=K``) the hidden layers widen and the last hidden layer
    has ``K`` units: a layer of 2 cannot hold ten digits apart.
    """
    key = str(spec).strip().lower().replace("_", "-")
    real = REAL_DATASETS.get(key)
    if real is None:
        return {}
    out = {name: (list(value) if isinstance(value, list) else value) for name, value in real.network}
    k = real.classes if classes is None else int(classes)
    if k > 3 and "hidden" in out:
        out["hidden"] = [16, 16, k]
    return out


def _task(k: int) -> str:
    return "regression" if k == 0 else ("binary" if k == 2 else "multiclass")


# --------------------------------------------------------------------------- entry point


def make_dataset(spec: str, n_samples: int | None = None, noise: float | None = None,
                 seed: int = 0, classes: int | None = None) -> Dataset:
    """Make a dataset from a built-in name, ``csv:PATH`` or ``expr:EXPRESSION``.

    Parameters
    ----------
    spec : str
        Built-in name (see :func:`list_datasets`), ``"csv:PATH"`` or
        ``"expr:EXPRESSION"``.
    n_samples : int, optional
        Number of points; ``None`` uses the dataset's default (for CSV: every row).
    noise : float, optional
        Standard deviation of the input jitter (classification) or target
        noise (regression); ``None`` uses the dataset's default.
    seed : int, default 0
        Seed of ``np.random.default_rng``.
    classes : int, optional
        Number of classes for ``spirals`` and ``blobs``.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        For an unknown name, an invalid argument, or an unusable file or expression.
    """
    if not isinstance(spec, str):
        raise DatasetError(f"dataset must be a name, 'csv:PATH' or 'expr:EXPRESSION' "
                           f"(got {spec!r})")
    seed = _check_seed(seed)
    head, sep, rest = spec.partition(":")
    form = head.strip().lower() if sep else ""
    if form == "csv":
        return _csv_dataset(spec, rest.strip(), n_samples, noise, seed, classes)
    if form == "expr":
        return _expr_dataset(spec, rest, n_samples, noise, seed, classes)
    key = spec.strip().lower().replace("_", "-")
    if key in REAL_DATASETS:
        return _real_dataset(spec, REAL_DATASETS[key], n_samples, noise, seed, classes)
    return _builtin_dataset(spec, n_samples, noise, seed, classes)


def _lookup(spec: str) -> DatasetInfo:
    key = spec.strip().lower().replace("_", "-")
    if key in DATASETS:
        return DATASETS[key]
    hint = ""
    close = difflib.get_close_matches(key, list(DATASETS), n=1)
    if close:
        hint = f"did you mean {close[0]!r}? "
    elif key.endswith(".csv"):
        hint = f"to load a file write 'csv:{spec.strip()}'; "
    close = difflib.get_close_matches(key, list(REAL_DATASETS), n=1)
    if close and not hint:
        hint = f"did you mean {close[0]!r}? "
    raise DatasetError(f"unknown dataset {spec!r}; {hint}choose from "
                       f"{', '.join([*DATASETS, *REAL_DATASETS])}, csv:PATH or expr:EXPRESSION")


def _builtin_dataset(spec, n_samples, noise, seed, classes) -> Dataset:
    info = _lookup(spec)
    k = _resolve_classes(info, classes)
    n = info.n_samples if n_samples is None else n_samples
    minimum = max(MIN_SAMPLES, 2 * k)
    per_class = f" (at least 2 per class for {k} classes)" if 2 * k > MIN_SAMPLES else ""
    n = _check_n_samples(n, minimum, per_class)
    noise = info.noise if noise is None else _check_noise(noise)
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        X, y = info.generate(rng, n, noise, k)
        try:
            if info.kind == "regression":
                y = _scale(y[:, None])[:, 0]
            elif info.kind == "autoencoder":  # random already; y is the manifold parameter t
                X = _scale(X)
            else:
                order = rng.permutation(n)
                X, y = _scale(X[order]), y[order]
        except ValueError:
            raise DatasetError(f"noise={noise!r} is too large: the values overflow") from None
    params = {"n_samples": n, "noise": noise, "seed": seed}
    if k:
        params["classes"] = k
    task = "autoencoder" if info.kind == "autoencoder" else _task(k)
    return Dataset(spec, np.ascontiguousarray(X, dtype=np.float64),
                   y.astype(np.float64 if k == 0 else np.int64), task, k, params)


# --------------------------------------------------------------------------- real data


def _load_real(real: RealDataset):
    """scikit-learn's bundled copy of ``real`` (a ``Bunch``), or a one-line error naming the extra."""
    try:
        from sklearn import datasets as sk
    except ImportError:
        raise DatasetError(f"{real.name!r} is read from scikit-learn's bundled copy, which is not "
                           f"installed: {REAL_EXTRA}") from None
    return getattr(sk, real.loader)()


def _real_shape(real: RealDataset) -> str:
    """``"4 inputs, 150 points, 3 classes"`` — from the file, when scikit-learn is installed."""
    try:
        bunch = _load_real(real)
    except DatasetError:
        return f"{real.classes} classes (needs scikit-learn: {REAL_EXTRA})"
    n, d = bunch.data.shape
    if real.variable_classes:
        n = int(np.sum(np.isin(bunch.target, real.kept(real.classes))))
    return f"{_inputs(d)}, {n} points, {real.classes} classes"


def _inputs(d: int) -> str:
    return "1 input" if d == 1 else f"{d} inputs"


def _feature_name(name: str) -> str:
    """scikit-learn's feature names as words: ``malic_acid`` → ``malic acid``,
    ``pixel_3_4`` → ``pixel (3,4)`` (row, column), no underscores on screen."""
    name = re.sub(r"\s*\((cm|mm)\)$", "", str(name))  # iris's units: the axes name the feature
    parts = name.split("_")
    if parts[0] == "pixel" and len(parts) == 3:
        return f"pixel ({parts[1]},{parts[2]})"
    return " ".join(parts)


def standardise(X: np.ndarray) -> np.ndarray:
    """Each column minus its mean, over its standard deviation (a constant column becomes 0)."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _real_dataset(spec, real: RealDataset, n_samples, noise, seed, classes) -> Dataset:
    label = real.name
    if noise is not None and _check_noise(noise, f"{label}: ") != 0:
        raise DatasetError(f"{label}: noise does not apply to real data (got noise={noise!r}); "
                           f"leave it unset")
    if classes is None:
        k = real.classes
    elif not real.variable_classes:
        k = _check_classes(classes, f"{label}: ")
        if k != real.classes:
            raise DatasetError(f"{label!r} always has {real.classes} classes (got classes={k}); "
                               f"datasets that take classes: {_variable_class_names()}, digits")
    else:
        k = _check_classes(classes, f"{label}: ")
    bunch = _load_real(real)
    X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)
    names = [str(n) for n in bunch.target_names]
    if real.name == "wine":  # scikit-learn's class_0 .. class_2: the three cultivars, 1 to 3
        names = [f"cultivar {i + 1}" for i in range(len(names))]
    if real.variable_classes:
        kept = real.kept(k)
        keep = np.isin(y, kept)
        index = np.full(int(y.max()) + 1, -1, dtype=np.int64)  # original label → class
        index[kept] = np.arange(k)
        X, y, names = X[keep], index[y[keep]], [names[c] for c in kept]
    rows = np.arange(len(y))
    if n_samples is not None:
        n = _check_n_samples(n_samples, max(MIN_SAMPLES, 2 * k), where=f"{label}: ")
        if n > len(y):
            raise DatasetError(f"{label}: n_samples={n} but it has only {len(y)} points"
                               f"{f' of the {k} classes' if real.variable_classes else ''}")
        rows = np.sort(np.random.default_rng(seed).choice(len(y), n, replace=False))
        if len(np.unique(y[rows])) < k:
            raise DatasetError(f"{label}: n_samples={n} leaves a class without points; take more")
    raw = X[rows]
    X = standardise(raw)
    params = {"n_samples": len(rows), "seed": seed, "classes": k, "label_names": names,
              "feature_names": [_feature_name(f) for f in getattr(bunch, "feature_names", [])]
              or [f"pixel ({i // 8},{i % 8})" for i in range(X.shape[1])],
              "standardised": True,
              # the scaling undone (raw = X·std + mean): the screen can show real values, images
              "feature_mean": raw.mean(axis=0).tolist(), "feature_std": raw.std(axis=0).tolist()}
    if real.name == "digits":
        params["image_shape"] = [8, 8]
    return Dataset(spec, np.ascontiguousarray(X), y[rows], _task(k), k, params)


# --------------------------------------------------------------------------- csv


def _data_dir() -> Path | None:
    try:
        from importlib.resources import files

        folder = Path(str(files("nnanim.assets") / "data"))
    except Exception:  # pragma: no cover - assets not installed
        return None
    return folder if folder.is_dir() else None


def _bundled_samples() -> list[Path]:
    folder = _data_dir()
    return sorted(folder.glob("*.csv")) if folder else []


def _sample_summary(path: Path) -> str:
    """The sample's first line, when it is a ``# comment``."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline().strip()
    except (OSError, UnicodeDecodeError):  # pragma: no cover - shipped files are readable
        first = ""
    return first.lstrip("#").strip() if first.startswith("#") else "sample data"


def _resolve_path(text: str) -> Path:
    if not text:
        raise DatasetError("csv: needs a file name, e.g. 'csv:data.csv'")
    path = Path(text).expanduser()
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError):
        raise DatasetError(f"{text!r} is not a usable file name") from None
    if not exists and os.sep not in text and "/" not in text:
        bundled = {sample.name: sample for sample in _bundled_samples()}
        if text in bundled:
            return bundled[text]
    if not exists:
        names = ", ".join(sample.name for sample in _bundled_samples())
        also = f" (samples shipped with nnanim: {names})" if names else ""
        raise DatasetError(f"{text}: no such file{also}")
    if is_dir:
        raise DatasetError(f"{text}: is a directory, not a CSV file")
    return path


def _read_lines(path: Path, label: str) -> list[tuple[int, str]]:
    """Return ``(line number, text)`` of the non-blank, non-comment lines."""
    from nnanim.files import read_limited

    try:  # a regular file only (a FIFO or a device is refused at once), at most LIMITS["CSV file"]
        raw = read_limited(path, "CSV file")
    except NnanimError as exc:
        raise DatasetError(str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{label}, line {line}: not UTF-8 text") from None
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append((number, line))
    if not lines:
        raise DatasetError(f"{label}: the file is empty (no data rows)")
    return lines


def _split_cells(lines, label: str) -> list[tuple[int, list[str]]]:
    first = lines[0][1]
    delimiter = next((d for d in (";", ",", "\t") if d in first), None)
    rows = []
    for number, line in lines:
        if delimiter is None:
            cells = line.split()
        else:
            try:
                cells = next(csv.reader([line], delimiter=delimiter))
            except csv.Error as exc:
                raise DatasetError(f"{label}, line {number}: {exc}") from None
        rows.append((number, [cell.strip() for cell in cells]))
    return rows


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except (ValueError, OverflowError):
        return None


def _show(cell: str) -> str:
    return repr(cell if len(cell) <= 30 else cell[:27] + "...")


def _parse_numbers(rows, columns: range, label: str) -> np.ndarray:
    out = np.empty((len(rows), len(columns)))
    for i, (number, cells) in enumerate(rows):
        for j, c in enumerate(columns):
            value = _number(cells[c])
            if value is None:
                raise DatasetError(f"{label}, line {number}: {_show(cells[c])} is not a number "
                                   f"(column {c + 1})")
            if not math.isfinite(value):
                raise DatasetError(f"{label}, line {number}: {_show(cells[c])} is not a finite "
                                   f"number (column {c + 1})")
            out[i, j] = value
    return out


def _is_integral(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value == int(value)


def _csv_kind(header: list[str] | None, n_cols: int, last: list[str]) -> str:
    name = header[-1].strip().lower() if header else ""
    if name == "target":
        return "regression"
    if name in ("label", "class"):
        return "classification"
    if n_cols == 2:
        return "regression"
    values = [_number(cell) for cell in last]
    if any(v is None for v in values) or all(_is_integral(v) for v in values):
        return "classification"
    return "regression"


def _encode_labels(cells: list[str], label: str) -> tuple[np.ndarray, list[str]]:
    values = [_number(cell) for cell in cells]
    if all(_is_integral(v) for v in values):
        keys = [int(v) for v in values]
    else:
        keys = list(cells)
    names = sorted(set(keys))
    if len(names) < 2:
        raise DatasetError(f"{label}: every row has the label {str(names[0])!r}; "
                           f"need at least two classes")
    if len(names) > MAX_CLASSES:
        raise DatasetError(f"{label}: {len(names)} different labels in the last column; at most "
                           f"{MAX_CLASSES} classes are supported (name the column 'target' in a "
                           f"header row for regression)")
    index = {key: i for i, key in enumerate(names)}
    y = np.array([index[key] for key in keys], dtype=np.int64)
    return y, [str(name) for name in names]


def _csv_dataset(spec, path_text, n_samples, noise, seed, classes) -> Dataset:
    label = path_text or "csv:"
    path = _resolve_path(path_text)
    if noise is not None and _check_noise(noise, f"{label}: ") != 0:
        raise DatasetError(f"{label}: noise does not apply to csv: data (got noise={noise!r}); "
                           f"leave it unset")
    rows = _split_cells(_read_lines(path, label), label)

    n_cols = len(rows[0][1])
    if not 2 <= n_cols <= MAX_CSV_COLUMNS:
        raise DatasetError(f"{label}, line {rows[0][0]}: found {n_cols} column(s); expected 2 to "
                           f"{MAX_CSV_COLUMNS}: the features, then a label or target "
                           f"(x,y,label; x,y,target; x,target)")
    for number, cells in rows:
        if len(cells) != n_cols:
            raise DatasetError(f"{label}, line {number}: found {len(cells)} columns; expected "
                               f"{n_cols} like line {rows[0][0]}")
    header = None
    if all(_number(cell) is None for cell in rows[0][1][:-1]):
        header = rows[0][1]
        rows = rows[1:]
    if len(rows) < MIN_SAMPLES:
        raise DatasetError(f"{label}: {len(rows)} data rows; need at least {MIN_SAMPLES}")

    kind = _csv_kind(header, n_cols, [cells[-1] for _, cells in rows])
    if kind == "classification" and n_cols == 2:
        raise DatasetError(f"{label}: 1-D classification (x,label) is not supported; "
                           f"give x,y,label or x,target")

    X = _parse_numbers(rows, range(n_cols - 1), label)
    last = n_cols - 1
    target = _parse_numbers(rows, range(last, n_cols), label) if kind == "regression" else None
    keep = np.arange(len(rows))
    if n_samples is not None:
        n = _check_n_samples(n_samples, MIN_SAMPLES, where=f"{label}: ")
        if n > len(rows):
            raise DatasetError(f"{label}: n_samples={n} but the file has only {len(rows)} rows")
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), n, replace=False))
    params: dict = {"path": str(path), "n_samples": len(keep), "seed": seed}
    if header is not None:
        params["columns"] = list(header)
        params["feature_names"] = [_feature_name(h) for h in header[:-1]]
    try:
        X = _scale(X[keep])
    except ValueError:
        raise DatasetError(f"{label}: all points are the same; nothing to scale") from None
    if X.shape[1] > 3:  # wide data: standardised like the real data sets (seen through its axes)
        X = standardise(X)
        params["standardised"] = True

    if target is not None:
        if classes is not None:
            raise DatasetError(f"{label}: classes does not apply to regression data "
                               f"(got classes={classes!r})")
        try:
            y = _scale(target[keep])[:, 0]
        except ValueError:
            raise DatasetError(f"{label}: the target is the same on every row") from None
        return Dataset(spec, X, y, "regression", 0, params)

    y, names = _encode_labels([rows[i][1][last] for i in keep], label)
    k = len(names)
    if classes is not None and _check_classes(classes, f"{label}: ") != k:
        raise DatasetError(f"{label}: the file has {k} classes (got classes={classes!r})")
    params.update(classes=k, label_names=names)
    return Dataset(spec, X, y, _task(k), k, params)


# --------------------------------------------------------------------------- expr


def _min(*args):
    return np.minimum.reduce(np.broadcast_arrays(*args))


def _max(*args):
    return np.maximum.reduce(np.broadcast_arrays(*args))


#: Functions allowed in ``expr:``: name -> (numpy function, min args, max args).
EXPR_FUNCTIONS: dict[str, tuple[Callable, int, int | None]] = {
    "sin": (np.sin, 1, 1), "cos": (np.cos, 1, 1), "tan": (np.tan, 1, 1),
    "tanh": (np.tanh, 1, 1), "exp": (np.exp, 1, 1), "log": (np.log, 1, 1),
    "sqrt": (np.sqrt, 1, 1), "abs": (np.abs, 1, 1), "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1), "sign": (np.sign, 1, 1),
    "atan": (np.arctan, 1, 1), "arctan": (np.arctan, 1, 1),
    "atan2": (np.arctan2, 2, 2), "arctan2": (np.arctan2, 2, 2), "hypot": (np.hypot, 2, 2),
    "min": (_min, 2, None), "max": (_max, 2, None),
}
_CONSTANTS = {"pi": np.pi, "e": np.e}
_VARIABLES = ("x", "y")
_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
           ast.Div: np.divide, ast.Pow: np.power, ast.Mod: np.mod}
_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
            ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal}
_UNSUPPORTED = {
    ast.Attribute: "attribute access ('.')", ast.Subscript: "subscripts ('[...]')",
    ast.Lambda: "lambda", ast.IfExp: "'if ... else'", ast.NamedExpr: "':='",
    ast.JoinedStr: "strings", ast.Starred: "'*'", ast.Dict: "dicts", ast.Set: "sets",
    ast.List: "lists", ast.Tuple: "tuples (',')", ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Await: "'await'", ast.Slice: "slices",
}
_GRAMMAR = ("allowed: numbers, x, y, pi, e, + - * / ** %, comparisons, and/or/not, "
            "parentheses and " + ", ".join(EXPR_FUNCTIONS))


class _ExprError(Exception):
    """Raised inside the expression checker; becomes a DatasetError with context."""


def _check_expr(node: ast.AST, depth: int = 0) -> str:
    """Check ``node`` against the whitelist; return ``"bool"`` or ``"num"``."""
    if depth > EXPR_MAX_DEPTH:
        raise _ExprError("the expression is nested too deeply")
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "strings" if isinstance(value, (str, bytes)) else repr(value)
            raise _ExprError(f"{what} not allowed; {_GRAMMAR}")
        try:
            float(value)
        except OverflowError:
            raise _ExprError("a number is too large") from None
        return "num"
    if isinstance(node, ast.Name):
        if node.id not in _VARIABLES and node.id not in _CONSTANTS:
            raise _ExprError(f"unknown name {node.id!r}; use x, y, pi, e "
                             f"and the functions {', '.join(EXPR_FUNCTIONS)}")
        return "num"
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise _ExprError(f"operator {_op_text(node.op)} not allowed; use + - * / ** %")
        _check_expr(node.left, deeper)
        _check_expr(node.right, deeper)
        return "num"
    if isinstance(node, ast.UnaryOp):
        kind = _check_expr(node.operand, deeper)
        if isinstance(node.op, ast.Not):
            _need_rule(kind, "not")
            return "bool"
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return "num"
        raise _ExprError(f"operator {_op_text(node.op)} not allowed")
    if isinstance(node, ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        for value in node.values:
            _need_rule(_check_expr(value, deeper), word)
        return "bool"
    if isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise _ExprError(f"comparison {_op_text(op)} not allowed; "
                                 f"use < <= > >= == !=")
        for operand in (node.left, *node.comparators):
            _check_expr(operand, deeper)
        return "bool"
    if isinstance(node, ast.Call):
        return _check_call(node, deeper)
    what = _UNSUPPORTED.get(type(node), type(node).__name__)
    raise _ExprError(f"{what} not allowed; {_GRAMMAR}")


def _need_rule(kind: str, word: str) -> None:
    if kind != "bool":
        raise _ExprError(f"the operands of '{word}' must be comparisons such as x > 0")


def _check_call(node: ast.Call, depth: int) -> str:
    if not isinstance(node.func, ast.Name):
        _check_expr(node.func, depth)  # names the construct if it is not allowed at all
        raise _ExprError(f"only the named functions can be called: {', '.join(EXPR_FUNCTIONS)}")
    if node.func.id not in EXPR_FUNCTIONS:
        raise _ExprError(f"cannot call {node.func.id!r}; the functions are "
                         f"{', '.join(EXPR_FUNCTIONS)}")
    name = node.func.id
    if node.keywords:
        raise _ExprError(f"keyword arguments not allowed in {name}()")
    _, lo, hi = EXPR_FUNCTIONS[name]
    if len(node.args) < lo or (hi is not None and len(node.args) > hi):
        wanted = f"{lo}" if lo == hi else f"at least {lo}"
        raise _ExprError(f"{name}() takes {wanted} argument{'s' * (wanted != '1')}, "
                         f"got {len(node.args)}")
    for arg in node.args:
        _check_expr(arg, depth)
    return "num"


def _op_text(op: ast.AST) -> str:
    symbols = {ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
               ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~",
               ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
    return repr(symbols.get(type(op), type(op).__name__))


class _NaNError(Exception):
    def __init__(self, node: ast.AST, mask: np.ndarray):
        self.node, self.mask = node, mask


def _eval_expr(node: ast.AST, env: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate a checked tree with NumPy, float64 and bool arrays only."""
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else np.float64(_CONSTANTS[node.id])
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return combine.reduce([np.broadcast_to(_eval_expr(v, env), env["x"].shape)
                               for v in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return np.logical_not(_eval_expr(node.operand, env))
    if isinstance(node, ast.Compare):
        left, result = _num(_eval_expr(node.left, env)), np.bool_(True)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _num(_eval_expr(right_node, env))
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.UnaryOp):
        value = _num(_eval_expr(node.operand, env))
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        value = _BINOPS[type(node.op)](_num(_eval_expr(node.left, env)),
                                       _num(_eval_expr(node.right, env)))
    else:  # ast.Call, checked before
        function = EXPR_FUNCTIONS[node.func.id][0]
        value = function(*(_num(_eval_expr(arg, env)) for arg in node.args))
    value = np.asarray(value, dtype=np.float64)
    nan = np.isnan(value)
    if nan.any():
        raise _NaNError(node, nan)
    return value


def _num(value: np.ndarray) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _parse_expr(text: str) -> tuple[ast.AST, str]:
    if not text.strip():
        raise _ExprError("empty expression; e.g. 'expr:x**2 + y**2 < 1'")
    if len(text) > EXPR_MAX_LENGTH:
        raise _ExprError(f"the expression is longer than {EXPR_MAX_LENGTH} characters")
    try:
        # ast.parse only builds the syntax tree; nothing in it is executed.
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _ExprError(f"not a valid expression ({exc.msg})") from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise _ExprError("the expression cannot be parsed (too long, deep or large)") from None
    try:
        kind = _check_expr(tree.body)
    except RecursionError:  # pragma: no cover - guarded by EXPR_MAX_DEPTH
        raise _ExprError("the expression is nested too deeply") from None
    return tree.body, kind


def _at(X: np.ndarray, mask: np.ndarray) -> str:
    x, y = X[np.argmax(mask)]
    return f"x={x:.3g}, y={y:.3g}"


def _expr_dataset(spec, text, n_samples, noise, seed, classes) -> Dataset:
    shown = text.strip() if len(text.strip()) <= 60 else text.strip()[:57] + "..."
    where = f"expr {shown!r}"
    try:
        body, kind = _parse_expr(text)
    except _ExprError as exc:
        raise DatasetError(f"{where}: {exc}") from None
    if kind == "num" and classes is not None:
        raise DatasetError(f"{where}: classes does not apply to a numeric (regression) "
                           f"expression; write a comparison such as x > y for 2 classes")
    if kind == "bool" and classes is not None and _check_classes(classes, f"{where}: ") != 2:
        raise DatasetError(f"{where}: a rule makes 2 classes (got classes={classes!r})")
    n = _check_n_samples(500 if n_samples is None else n_samples, MIN_SAMPLES,
                         where=f"{where}: ")
    noise = 0.0 if noise is None else _check_noise(noise, f"{where}: ")

    rng = np.random.default_rng(seed)
    X = _scale(rng.uniform(-1.0, 1.0, (n, 2)))
    with np.errstate(all="ignore"):
        try:
            value = _eval_expr(body, {"x": X[:, 0], "y": X[:, 1]})
        except _NaNError as exc:
            part = ast.unparse(exc.node)
            raise DatasetError(f"{where}: {part} is undefined (NaN) at some points, "
                               f"e.g. {_at(X, exc.mask)}") from None
        value = np.broadcast_to(value, (n,))
        params = {"n_samples": n, "noise": noise, "seed": seed, "expression": text.strip()}
        if kind == "num":
            return _expr_regression(spec, where, X, value, rng, noise, params)
        return _expr_classification(spec, where, X, value, rng, noise, params)


def parse_feature(text: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A numeric expression in ``x`` and ``y`` (the grammar of ``expr:`` datasets) as ``f(x, y)``.

    Nothing is executed: the text is parsed and checked against the same
    whitelist as ``expr:`` (:data:`EXPR_FUNCTIONS`, ``+ - * / ** %``, ``pi``,
    ``e``), then evaluated with NumPy.  A bad expression, or a rule (a
    comparison) where a number is wanted, raises :class:`DatasetError` with
    one line that lists what is allowed.  ``f`` returns float64 values of the
    shape of its arguments and raises :class:`DatasetError` where a value is
    undefined (NaN) or infinite, naming a point.
    """
    shown = text.strip() if len(text.strip()) <= 60 else text.strip()[:57] + "..."
    try:
        body, kind = _parse_expr(text)
    except _ExprError as exc:
        message = str(exc)
        if "allowed:" not in message and "functions are" not in message:
            message += f"; {_GRAMMAR}"
        raise DatasetError(f"{shown!r}: {message}") from None
    if kind != "num":
        raise DatasetError(f"{shown!r} is a rule (true or false); a feature is a number, "
                           f"e.g. x**2 + y**2 or x*y")

    def feature(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        with np.errstate(all="ignore"):
            try:
                value = np.broadcast_to(_eval_expr(body, {"x": x, "y": y}), x.shape)
            except _NaNError as exc:
                at = _at(np.column_stack([x.ravel(), y.ravel()]),
                         np.broadcast_to(exc.mask, x.shape).ravel())
                raise DatasetError(f"{shown!r}: {ast.unparse(exc.node)} is undefined (NaN) at "
                                   f"some points, e.g. {at}") from None
        bad = ~np.isfinite(value)
        if bad.any():
            at = _at(np.column_stack([x.ravel(), y.ravel()]), bad.ravel())
            raise DatasetError(f"{shown!r}: the value is infinite at some points, e.g. {at}")
        return np.array(value, dtype=np.float64)

    feature.text = text.strip()
    return feature


def _expr_regression(spec, where, X, value, rng, noise, params) -> Dataset:
    bad = ~np.isfinite(value)
    if bad.any():
        raise DatasetError(f"{where}: the value is infinite at some points, "
                           f"e.g. {_at(X, bad)}")
    target = value + _noise(rng, len(value), noise)
    try:
        y = _scale(target[:, None])[:, 0]
    except ValueError:
        problem = "overflows with this noise" if np.isfinite(value).all() and noise else (
            "has the same value at every point; need a target that varies")
        raise DatasetError(f"{where}: the expression {problem}") from None
    return Dataset(spec, X, y, "regression", 0, params)


def _expr_classification(spec, where, X, value, rng, noise, params) -> Dataset:
    y = value.astype(np.int64)
    counts = np.bincount(y, minlength=2)
    if counts.min() == 0:
        value = "True" if counts[0] == 0 else "False"
        raise DatasetError(f"{where}: the rule is {value} at every point; need two classes "
                           f"(True somewhere, False elsewhere)")
    if counts.min() < 2:
        value = "False" if counts[0] < 2 else "True"
        raise DatasetError(f"{where}: the rule is {value} at only 1 of {len(y)} points; "
                           f"need at least 2 points in each class")
    if noise > 0:
        try:
            X = _scale(_jitter(rng, X, noise))
        except ValueError:
            raise DatasetError(f"{where}: noise={noise!r} is too large; the values overflow") \
                from None
    params["classes"] = 2
    return Dataset(spec, X, y, "binary", 2, params)
