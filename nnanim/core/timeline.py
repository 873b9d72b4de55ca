"""Replaying a training run over time: which epoch each moment of a video shows.

Pure NumPy (no manim).  An :class:`EpochTimeline` maps video progress
``u ∈ [0, 1]`` to a fractional position between recorded epochs, log-spaced so
that the early epochs — where the picture changes fastest — get most of the
time: ``epoch(u) = (E + 1)^u − 1``.  Between two records the weights are
interpolated linearly, so the points, the output line and the input-space
boundary on screen all belong to one network at every frame, and equal the
recorded network exactly at recorded epochs.  What is *stated* on screen (the
epoch number, the accuracy) is taken from the nearest record and recomputed
from its weights, never copied from the training log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnanim.core.curves import Framing, framing_curves
from nnanim.core.nn import Network
from nnanim.core.record import Run

__all__ = ["EpochTimeline", "Moment", "default_duration"]

#: a default ``training`` video lasts this long in total (seconds), whatever the epochs
DEFAULT_SECONDS = 20.0
FRAMING_SAMPLES = 120  # bounding boxes sampled over the whole replay
FRAMING_NEIGHBOURS = 3  # each sample's box widened to this many neighbours on either side
FRAMING_MARGIN = 0.1  # framing half = largest half-side × (1 + margin)
#: with ``pace="change"``, this share of the video is still log-spaced in epochs
LOG_SHARE = 0.2


def default_duration(n_epochs: int) -> float:
    """Length of a ``training`` video: 20 s, a little shorter for very short runs (>= 15 s)."""
    return float(np.clip(12.0 + 2.0 * np.log10(max(n_epochs, 1) + 1), 15.0, DEFAULT_SECONDS))


def _capped(record_u: np.ndarray, most: float) -> np.ndarray:
    """``record_u`` (from 0 to 1) with no interval longer than ``most`` (at least an even share):
    each longer one cut to ``most``, the time it gave up shared by the others in proportion to
    their lengths, until none is longer."""
    spans = np.diff(record_u)
    most = max(float(most), 1.0 / len(spans))
    fixed = np.zeros(len(spans), dtype=bool)
    while True:
        over = ~fixed & (spans > most * (1 + 1e-12))
        if not over.any():
            break
        excess = float(np.sum(spans[over] - most))
        spans[over] = most
        fixed |= over
        free = ~fixed
        total = float(spans[free].sum())
        if total <= 0:
            break
        spans[free] += excess * spans[free] / total
    out = np.concatenate([[0.0], np.cumsum(spans)])
    return out / out[-1]


@dataclass(frozen=True)
class Moment:
    """One instant of the replay: records ``r0``/``r1`` blended by ``f``, and the nearest one."""

    u: float
    epoch: float  # fractional epoch shown
    r0: int
    r1: int
    f: float

    @property
    def nearest(self) -> int:
        return self.r1 if self.f >= 0.5 else self.r0


class EpochTimeline:
    """Video progress → epochs of a :class:`~nnanim.core.record.Run`, and the network in between.

    Parameters
    ----------
    run
        The training record.
    last
        Index of the last record to show (default: the last one).
    pace
        ``"log"``: log-spaced epochs.  ``"change"``: the seconds follow how much
        the picture changes — the video progress at each record is its share of
        the last hidden layer's total movement (:meth:`change`), with
        :data:`LOG_SHARE` of the time still log-spaced so that no stretch of
        epochs is skipped outright.
    most
        With ``pace="change"``: the largest share of the progress one record
        interval may take (the rest goes to the others in proportion).  A
        record shown for long while the picture swings reads as a frozen
        counter: the stated epoch is the nearest record's, so it changes once
        per interval.
    """

    def __init__(self, run: Run, last: int = -1, pace: str = "log", most: float | None = None) -> None:
        if pace not in ("log", "change"):
            raise ValueError(f"pace is 'log' or 'change', not {pace!r}")
        self.run = run
        self.last = last % len(run)
        self.epochs = run.epochs[: self.last + 1].astype(float)
        self.final_epoch = float(self.epochs[-1])
        self._frame: Framing | None = None
        self._accuracy: dict[int, float] = {}
        self.pace = pace
        self.record_u: np.ndarray | None = None  # the progress u at each record ("change")
        if pace == "change" and self.last > 0:
            log_u = np.log1p(self.epochs) / np.log1p(self.final_epoch)
            moved = np.concatenate([[0.0], np.cumsum(self.change())])
            if moved[-1] > 0:
                self.record_u = (1 - LOG_SHARE) * moved / moved[-1] + LOG_SHARE * log_u
                if most is not None:
                    self.record_u = _capped(self.record_u, most)

    def change(self, max_points: int = 300) -> np.ndarray:
        """``(last,)``: how far the picture moves from each record to the next.

        The mean displacement of the points in the last hidden layer, over the
        size of their cloud (the picture is framed on it): what the eye sees move.
        """
        X = self.run.X[:: max(1, len(self.run.X) // max_points)]
        H = [self.run.network(r).forward(X).post[-2] for r in range(self.last + 1)]
        out = np.empty(self.last)
        for r in range(1, self.last + 1):
            size = max(float(np.max(np.ptp(H[r], axis=0))), 1e-12)
            out[r - 1] = float(np.mean(np.linalg.norm(H[r] - H[r - 1], axis=1))) / size
        return out

    def epoch_at(self, u: float) -> float:
        """The (fractional) epoch shown at progress ``u``."""
        if self.record_u is not None:
            return float(np.interp(u, self.record_u, self.epochs))
        return (self.final_epoch + 1.0) ** u - 1.0

    def u_of_record(self, r: int) -> float:
        """The progress ``u`` at which record ``r`` is shown exactly (either pace)."""
        if self.record_u is not None:
            return float(self.record_u[r])
        final = self.final_epoch
        return float(np.log1p(self.epochs[r]) / np.log1p(final)) if final > 0 else 1.0

    # -- time
    def moment(self, u: float) -> Moment:
        u = min(max(float(u), 0.0), 1.0)
        epoch = self.epoch_at(u)
        r1 = int(np.searchsorted(self.epochs, epoch, side="left"))
        r1 = min(max(r1, 0), self.last)
        r0 = max(r1 - 1, 0)
        span = self.epochs[r1] - self.epochs[r0]
        f = 1.0 if span <= 0 else float((epoch - self.epochs[r0]) / span)
        if r1 == 0:
            f = 0.0
        return Moment(u, epoch, r0, r1, min(max(f, 0.0), 1.0))

    # -- the network at a moment
    def network(self, m: Moment) -> Network:
        """Weights blended between the two records around ``m`` (exact at records)."""
        run, f = self.run, m.f
        Ws = [(1 - f) * W[m.r0] + f * W[m.r1] for W in run.weights]
        bs = [(1 - f) * b[m.r0] + f * b[m.r1] for b in run.biases]
        return Network(Ws, bs, run.activations, run.task)

    def hidden(self, m: Moment, X: np.ndarray | None = None) -> np.ndarray:
        """The last hidden representation of ``X`` (default: the training points)."""
        X = self.run.X if X is None else X
        return self.network(m).forward(X).post[-2]

    def stated(self, m: Moment) -> tuple[int, float]:
        """``(epoch, score)`` written on screen: the nearest record, its score recomputed.

        The score is the accuracy, or R² for a regression run (:attr:`score_name`).
        """
        r = m.nearest
        return int(self.epochs[r]), self.score(r)

    @property
    def score_name(self) -> str:
        """What :meth:`stated` states: ``"accuracy"``, or ``"R²"`` for a regression run."""
        return "R²" if self.run.task == "regression" else "accuracy"

    def score(self, r: int) -> float:
        """The score of record ``r``, recomputed from its weights on the training points."""
        if r not in self._accuracy:
            net = self.run.network(r)
            X, y = self.run.X, self.run.y
            self._accuracy[r] = net.r_squared(X, y) if self.run.task == "regression" else \
                net.accuracy(X, y)
        return self._accuracy[r]

    def scores(self) -> np.ndarray:
        """The score of every record shown (``0..last``), recomputed: for a chart."""
        return np.array([self.score(r) for r in range(self.last + 1)])

    # -- framing
    def framing(self, u: float) -> tuple[np.ndarray, float]:
        """``(centre (2,), half)`` of a square around the hidden points, smooth in ``u``.

        Boxes sampled over the replay, widened to their neighbours' extremes and
        interpolated without overshoot (PCHIP), plus a margin: the picture
        follows the data without sudden zooms (:func:`~nnanim.core.curves.framing_curves`).
        """
        if self._frame is None:
            us = np.linspace(0.0, 1.0, FRAMING_SAMPLES + 1)
            boxes = [self.hidden(self.moment(x)) for x in us]
            lo = np.array([H.min(axis=0) for H in boxes])
            hi = np.array([H.max(axis=0) for H in boxes])
            self._frame = framing_curves(us, lo, hi, FRAMING_NEIGHBOURS, FRAMING_MARGIN)
        return self._frame(u)
