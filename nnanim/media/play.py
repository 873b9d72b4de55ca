"""Playing a job's scene in Manim: the one step every kind of render shares.

A serial render (:mod:`nnanim.media.render`), each part of a render in parts
(:mod:`nnanim.media.parallel`), a slide deck and a storyboard all do the same
three things, held here once, below all of them:

* :func:`bind` — the job's scene class bound to Manim (a
  :class:`~nnanim.draw.scene.FlowScene` holding the job and its pace);
* :func:`plan_scene` — a plan pass that walks the storyboard without drawing:
  its beats and its length, and :func:`pace` to fit a ``duration``;
* :func:`play_scene` — render a bound class under a temporary Manim config with
  nnanim's segment encoder.

Both run with one BLAS thread (:func:`one_blas_thread`): a scene's matrices are
small (its points or a picture's pixels times a layer's width), and OpenBLAS's
threads cost more than they save beside the encoder's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from nnanim.contract import Job
from nnanim.errors import NnanimError

__all__ = ["Plan", "RenderError", "bind", "one_blas_thread", "pace", "plan_scene", "play_scene"]


class RenderError(NnanimError):
    """A problem with the user's request; the message is one line for the user."""


def bind(job: Job, **attributes: Any) -> type:
    """The job's scene class bound to Manim: a :class:`~nnanim.draw.scene.FlowScene` holding the job."""
    from nnanim.draw.scene import FlowScene

    cls = job.scene
    bases = (cls,) if issubclass(cls, FlowScene) else (cls, FlowScene)
    return type(cls.__name__, bases, {"job": job, **attributes})


def one_blas_thread():
    """A block in which NumPy's BLAS uses one thread.

    Measured on 2 cores: ``neurons -q l`` took 12.3 s of CPU with OpenBLAS's two threads and
    6.5 s with one (its region lines push a 240 × 240 grid through the network every frame:
    8 ms a pass on one thread, 56 ms on two while the encoder runs); ``layers``,
    ``feature-cross`` and ``activations`` took the same either way.  A render already keeps
    both cores busy (the drawing on the main thread, the encoder on its own), so OpenBLAS's
    second thread only waited for a core (training runs on one thread for the same reason,
    :func:`nnanim.core.record.train_on`).
    """
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class Plan:
    """What a plan pass learned: the video's length and its beats."""

    seconds: float
    beats: tuple


def plan_scene(job: Job, temp: dict[str, Any]) -> Plan:
    """Walk the storyboard without drawing a frame: its beats and length (at pace 1)."""
    import manim

    with manim.tempconfig({**temp, "write_to_movie": False} if "write_to_movie" in manim.config
                          else temp), one_blas_thread():
        scene = bind(job, planning=True)()
        scene.setup()
        scene.construct()
    return Plan(scene.clock, tuple(scene.beats))


def pace(job: Job, plan: Plan) -> float:
    """The pace that plays ``plan`` in the job's ``duration`` (1 without one)."""
    duration = job.opt("duration")
    return duration / plan.seconds if duration is not None and plan.seconds > 0 else 1.0


def play_scene(cls: type, temp: dict[str, Any]) -> Any:
    """Construct and render ``cls`` inside ``tempconfig(temp)``; return the finished scene."""
    import manim

    unknown = [key for key in temp if key not in manim.config]
    if unknown:  # tempconfig would drop them silently
        raise RuntimeError(f"Manim has no config keys {unknown}")
    from nnanim.media.encoder import installed

    _bars_without_process_lock()
    log_level = manim.logger.level  # tempconfig restores values, not the logger
    try:
        # BT.709, tagged, the same bytes every run; the drawing's NumPy on one BLAS thread
        with manim.tempconfig(temp), installed(), one_blas_thread():
            scene = cls()
            try:
                scene.render()
            except RuntimeError as error:
                if "has no play calls" in str(error):
                    raise RenderError(
                        f"{cls.__name__} has no animations; render it with format png"
                    ) from error
                raise
    finally:
        manim.logger.setLevel(log_level)
    return scene


def _bars_without_process_lock() -> None:
    """Manim's progress bars (tqdm; never shown, nnanim draws its own) lock with the thread lock only.

    The first tqdm bar of a process makes a multiprocessing ``RLock`` too.  In a process that
    was spawned rather than forked (a ``batch`` worker) that is a named semaphore, registered
    with the resource tracker and unlinked only when the process exits normally: a worker
    stopped mid-render left it behind, and the tracker warned of a leaked semaphore at the end
    of the batch.  Nothing here writes bars from several processes, so that lock is not needed.
    """
    from tqdm.std import TqdmDefaultWriteLock

    if not hasattr(TqdmDefaultWriteLock, "mp_lock"):
        TqdmDefaultWriteLock.mp_lock = None
