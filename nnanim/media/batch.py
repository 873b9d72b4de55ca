"""``nnanim batch``: the items of a sweep file rendered on a Dask cluster.

The client (this process) does what is cheap and decides what is left to do:

1. **skip** every item whose output exists and decodes (:func:`complete`), so
   a rerun of a finished batch is a no-op and an interrupted one goes on
   where it stopped; leftovers of writes that were killed are removed;
2. **resolve** every other item (options merged, data built, the scene's
   checks): an item refused here is reported as failed, the others go on;
3. **train** each distinct training (config and data, :func:`nnanim.media.cache.run_key`)
   once, as one task whose result, the :class:`~nnanim.core.record.Run`, every
   render task of that training takes as its input;
4. **render** every item as one task, the output written atomically by the
   worker (so the workers must see the output folder: the same machine, or a
   shared file system).

Tasks never raise for a user's mistake: an item's error comes back as one
line in its :class:`Result`.  The cluster is a :class:`distributed.LocalCluster`
of ``workers`` single-threaded processes on the loopback interface, or the
one at ``scheduler`` (``tcp://HOST:PORT``).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nnanim.errors import NnanimError
from nnanim.media.sweep import Item

__all__ = ["Result", "complete", "parse_scheduler", "require_dask", "run_batch"]

INSTALL = "nnanim batch runs on Dask, which is not installed: pip install 'nnanim[batch]'"


@dataclass(frozen=True)
class Result:
    """What became of one item: ``done``, ``skipped`` (its output was there) or ``failed``."""

    item: Item
    status: str
    seconds: float = 0.0
    error: str = ""


def require_dask() -> None:
    """Raise a one-line :class:`NnanimError` saying how to install Dask when it is missing."""
    import importlib.util

    try:
        found = importlib.util.find_spec("distributed") is not None  # not imported: a second or two
    except (ImportError, ValueError):
        found = False
    if not found:
        raise NnanimError(INSTALL)


_SCHEDULER = re.compile(r"(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})/?")


def parse_scheduler(address: str) -> str:
    """``address`` checked as a Dask scheduler's ``[PROTOCOL://]HOST:PORT`` (protocol tcp, tls, ws,
    wss or ucx; port 1-65535): the address, or a one-line :class:`NnanimError` at once."""
    text = address.strip()
    found = _SCHEDULER.fullmatch(text)
    if found is None or not 1 <= int(found.group(3)) <= 65535:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise NnanimError(f"--scheduler {shown!r} is not a scheduler address; give "
                          "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    return text if found.group(1) else f"tcp://{text}"


# --------------------------------------------------------------------------- what is done already


def _sidecars(item: Item) -> list[Path]:
    from nnanim.media.beats import sidecar_paths

    paths = sidecar_paths(item.output)
    return ([paths["chapters"]] if item.options.get("chapters") else []) + \
        ([paths["srt"], paths["vtt"]] if item.options.get("subtitles") else [])


def decodes(path: Path) -> bool:
    """``path`` opens as a video or image, its first frame decodes and every packet demuxes."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            next(iter(container.decode(stream)))
            container.seek(0)
            packets = sum(1 for p in container.demux(stream) if p.dts is not None)
            counted = stream.frames  # read while open (PyAV 14 refuses it once closed)
        return packets > 0 and (not counted or packets >= counted)
    except Exception:  # anything unreadable is simply not done
        return False


def complete(item: Item) -> bool:
    """The item's output exists and decodes, and so do the text files it writes beside it."""
    return item.output.is_file() and all(p.is_file() for p in _sidecars(item)) and decodes(item.output)


def remove_leftovers(items: Sequence[Item]) -> int:
    """Remove the hidden partial files of the items' outputs whose writer is gone (a killed batch)."""
    from nnanim.media.cache import _alive

    removed = 0
    for folder in {item.output.parent for item in items}:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        stems = {f".{p.stem[:100]}.partial-" for i in items if i.output.parent == folder
                 for p in (i.output, *_sidecars(i))}
        for name in names:
            found = re.search(r"\.partial-(\d+)-", name)
            if found and any(name.startswith(s) for s in stems) and not _alive(int(found.group(1))):
                (folder / name).unlink(missing_ok=True)
                removed += 1
    return removed


# --------------------------------------------------------------------------- the tasks (on workers)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, NnanimError):
        return str(exc).strip().splitlines()[0]
    return f"internal error: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


@dataclass(frozen=True)
class _Failed:
    message: str


def train_task(scene: str, options: dict) -> Any:
    """Resolve the item and train its run (the cache first, unless ``no_cache``): the Run, or _Failed."""
    from nnanim.contract import resolve
    from nnanim.media.cache import train

    try:
        job = resolve(scene, options)
        return train(job.data, job.config, use_cache=not job.opt("no_cache", False))
    except Exception as exc:
        return _Failed(_one_line(exc))


def render_task(scene: str, options: dict, run: Any = None) -> tuple[str, float, str]:
    """Render one item (with ``run``, the shared training, when given): ``(status, seconds, error)``."""
    started = time.perf_counter()
    if isinstance(run, _Failed):
        return "failed", 0.0, run.message
    try:
        from nnanim.contract import resolve
        from nnanim.media.render import RenderSettings, render

        job = resolve(scene, options)
        if run is not None:
            job.run, job.record = run, run.record_index(job.opt("epoch"))
        render(job, _settings(job, RenderSettings))
    except Exception as exc:
        return "failed", time.perf_counter() - started, _one_line(exc)
    return "done", time.perf_counter() - started, ""


def _settings(job: Any, settings_class: type) -> Any:
    """The job's render settings: the options named like its fields; no preview, no bar, no log."""
    quiet = {"preview": False, "progress": False, "verbose": False}
    given = {f.name: job.options[f.name] for f in fields(settings_class)
             if job.options.get(f.name) is not None and f.name not in quiet}
    return settings_class(**given, **quiet)


# --------------------------------------------------------------------------- the client


def _prepare(item: Item, classes: dict | None = None) -> tuple[str | None, str]:
    """``(training key or None for a replayed run, "")``, or ``(None, error)`` if the item is refused.

    ``classes`` keeps the scene classes looked up so far: the registry is read once per batch.
    """
    from nnanim.contract import get_scene, resolve
    from nnanim.media.cache import run_key
    from nnanim.media.render import RenderSettings, check_output

    try:
        classes = {} if classes is None else classes
        if item.scene not in classes:
            classes[item.scene] = get_scene(item.scene)
        job = resolve(classes[item.scene], item.options)
        check_output(job, _settings(job, RenderSettings))
        return (run_key(job.data, job.config) if job.run is None else None), ""
    except Exception as exc:
        return None, _one_line(exc)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_batch(items: Sequence[Item], workers: int | None = None, scheduler: str | None = None,
              use_cache: bool = True, on_result: Callable[[Result], None] | None = None
              ) -> list[Result]:
    """Run every item; return one :class:`Result` per item, in the items' order.

    ``on_result`` is called as each item ends (skipped items first).  Items
    whose output exists and decodes are skipped without starting a cluster.
    """
    results: dict[int, Result] = {}

    def report(result: Result) -> None:
        results[result.item.index] = result
        if on_result is not None:
            on_result(result)

    todo = []
    for item in items:
        if complete(item):
            report(Result(item, "skipped"))
        else:
            todo.append(item)
    remove_leftovers(todo)
    trainings: dict[str, Item] = {}
    planned: list[tuple[Item, str | None]] = []
    classes: dict[str, type] = {}
    for item in todo:
        if not use_cache:
            item = Item(item.index, item.scene, {**item.options, "no_cache": True}, item.output,
                        item.swept)
        key, error = _prepare(item, classes)
        if error:
            report(Result(item, "failed", error=error))
            continue
        if key is not None:
            trainings.setdefault(key, item)
        planned.append((item, key))
    if planned:
        _on_cluster(planned, trainings, workers, scheduler, report)
    return [results[item.index] for item in items]


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Start the worker processes with Ctrl-C ignored (an ignored signal stays ignored in a child):
    the terminal sends Ctrl-C to every process of the batch, and only this one should act on it,
    closing the cluster in order, rather than each worker printing its own traceback."""
    import signal
    import threading

    # (a worker stopped mid-render leaves no semaphore behind for the resource tracker to warn
    # of: Manim's progress bars make none, nnanim.media.play._bars_without_process_lock)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_cluster(planned, trainings, workers, scheduler, report) -> None:
    require_dask()
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is None:
            with _workers_ignore_ctrl_c(), warnings.catch_warnings():
                # the scheduler's HTTP port is taken by another cluster: it picks another, fine
                warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
                cluster = LocalCluster(n_workers=workers or cores(), threads_per_worker=1,
                                       processes=True, host="127.0.0.1", dashboard_address=None,
                                       # its own log lines, errors too, are not the batch's
                                       # output: a failed item is reported from its future, and
                                       # a Ctrl-C made the scheduler and workers log the keys
                                       # they could no longer gather under the one-line message
                                       silence_logs=logging.CRITICAL)
            address = cluster.scheduler_address
        else:
            address = scheduler
        try:
            client = Client(address, timeout="10s")
        except OSError as exc:
            raise NnanimError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            tag = f"{os.getpid()}-{time.time_ns()}"  # keys of this batch only, on a shared scheduler
            runs = {key: client.submit(train_task, item.scene, item.options,
                                       key=f"train-{key[:12]}-{tag}", pure=False)
                    for key, item in trainings.items()}
            futures = {}
            for item, key in planned:
                future = client.submit(render_task, item.scene, item.options, runs.get(key),
                                       key=f"render-{item.index}-{tag}",
                                       pure=False)
                futures[future] = item
            for future in as_completed(futures):
                item = futures[future]
                try:
                    status, seconds, error = future.result()
                except Exception as exc:  # the worker died (out of memory, killed)
                    status, seconds, error = "failed", 0.0, _one_line(exc)
                report(Result(item, status, seconds, error))
    finally:
        if cluster is not None:
            cluster.close()
