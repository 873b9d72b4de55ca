"""The cache folder: finished renders and training runs, reused while nothing they depend on changed.

Two kinds of entry live under :func:`cache_dir`:

``outputs/KEY/``
    A finished render: the file (``out.mp4``) and the text files written beside
    it (``out.chapters.txt``, ``out.srt``, ``out.vtt``).  ``KEY`` hashes what
    the frames depend on: every resolved option except where the file goes
    (``output``, ``preview``, ``no_cache``), the run's arrays and the record
    shown, the theme's content, the frame size, rate, format and background,
    the scene's source file, nnanim's version and source, and the versions of
    Manim, its Cairo and Pango bindings, PyAV, NumPy and SciPy
    (:func:`render_key`, :func:`code_digest`).  A plain Manim scene class (no
    scene contract) is not cached.
``runs/KEY.npz``
    A training run (:meth:`nnanim.core.record.Run.save`'s format).  ``KEY`` hashes
    the resolved :class:`~nnanim.core.record.TrainConfig`, the dataset's arrays and
    parameters, and nnanim's version and source (:func:`run_key`).

Entries are written atomically (a hidden folder or file renamed into place
when complete), so a reader never sees half an entry.  After every write the
least recently used entries (by modification time; a hit touches its entry)
are removed until the folder is within its limit: ``$NNANIM_CACHE_LIMIT``
(``500M``, ``2G``, a number of bytes; ``0`` keeps nothing), 2 GB by default.

Manim's work folders (``renders/``) belong to one render each and are
removed when it ends, also on an error or Ctrl-C.  A process killed outright
cannot clean up: the folder of a render that holds no lock any more
(:func:`hold`) is removed by the next write to the cache, by
``nnanim cache info`` and by ``nnanim cache clear``.

Pure: standard library and NumPy only (no Manim).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nnanim._version import __version__
from nnanim.errors import NnanimError
from nnanim.files import DEFAULT_LIMIT, LIMIT_ENV, cache_dir, limit  # where the cache is, how big

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: work folders go unlocked (judged by age)
    fcntl = None

__all__ = [
    "DEFAULT_LIMIT",
    "LIMIT_ENV",
    "RenderEntry",
    "Usage",
    "cache_dir",
    "clear",
    "fetch_render",
    "hold",
    "limit",
    "load_run",
    "render_key",
    "run_key",
    "store_render",
    "store_run",
    "train",
    "usage",
]

#: work folders without a lock (storyboards, slides) are stale after this many seconds
STALE_SECONDS = 24 * 3600
_LOCK = ".lock"


# --------------------------------------------------------------------------- keys


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, tuple, set)):
        return str(value) if isinstance(value, Path) else list(value)
    raise TypeError(f"cannot key {type(value).__name__}")


def _digest(parts: Mapping[str, Any], arrays: Iterable[tuple[str, np.ndarray]] = ()) -> str:
    h = hashlib.blake2b(digest_size=20)
    h.update(json.dumps(parts, sort_keys=True, default=_default).encode())
    for name, array in arrays:
        array = np.ascontiguousarray(array)
        h.update(f"\0{name}:{array.dtype.str}:{array.shape}\0".encode())
        h.update(memoryview(array).cast("B"))
    return h.hexdigest()


#: the packages whose versions change frames or weights (drawing, encoding, arithmetic)
_DEPENDENCIES = ("manim", "manimpango", "pycairo", "av", "numpy", "scipy")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """nnanim's version, a hash of its own source files and the versions of the packages that
    draw, encode and compute: changed code never serves an old entry, released or not."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).parents[1]  # the whole of nnanim, every floor
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for name in _DEPENDENCIES:
        try:
            h.update(f"\0{name}={version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"\0{name}=-".encode())
    return h.hexdigest()


def _source_digest(cls: type) -> str:
    """The scene's module and class name, and a hash of the module's source file (when it has one)."""
    import sys

    module = sys.modules.get(cls.__module__)
    name = f"{cls.__module__}:{cls.__qualname__}"
    path = getattr(module, "__file__", None)
    try:
        return name + ":" + hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except (OSError, TypeError):
        return name


def run_key(data: Any, config: Any) -> str:
    """The key of a training run: the resolved config, the dataset, nnanim's code."""
    parts = {"kind": "run", "config": config.resolved().as_dict(), "dataset": data.name,
             "params": data.params, "code": code_digest()}
    return _digest(parts, (("X", data.X), ("y", data.y)))


def _run_digest(run: Any) -> str:
    return _digest({"kind": "arrays"}, sorted(run.arrays().items()))


#: options that say where a file goes or how it is made, not what it shows
_NOT_IN_KEY = ("output", "preview", "no_cache", "run")


def render_key(job: Any, output: Mapping[str, Any]) -> str:
    """The key of a finished render of ``job`` (trained or replayed: ``job.run`` set).

    ``output`` holds the frame and file settings the render resolved (size,
    fps, format, transparent, chapters, subtitles, background).
    """
    options = {k: v for k, v in job.resolved_options().items() if k not in _NOT_IN_KEY}
    theme = dataclasses.asdict(job.theme) if dataclasses.is_dataclass(job.theme) else repr(job.theme)
    parts = {"kind": "render", "scene": [job.name, _source_digest(job.scene)], "options": options,
             "run": _run_digest(job.run), "record": job.record, "theme": theme,
             "output": dict(output), "code": code_digest()}
    return _digest(parts)


# --------------------------------------------------------------------------- runs


def _runs() -> Path:
    return cache_dir() / "runs"


def load_run(key: str) -> Any:
    """The cached run of ``key``, or ``None``; a hit is marked ``run.cached = True``."""
    from nnanim.core.record import Run, RunFileError

    path = _runs() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        run = Run.load(path)
        os.utime(path)
    except (RunFileError, OSError):  # removed by another process's eviction, or damaged
        return None
    run.cached = True
    return run


def store_run(key: str, run: Any) -> Path | None:
    """Keep ``run`` under ``key``; ``None`` when the cache folder cannot be written (or keeps nothing)."""
    if _keeps_nothing():
        return None
    try:
        path = run.save(_ensure(_runs()) / f"{key}.npz")
    except (NnanimError, OSError):
        return None  # a read-only cache is no reason to fail a render
    _evict()
    return path


def train(data: Any, config: Any, progress: Any = None, use_cache: bool = True) -> Any:
    """The run of ``config`` on ``data``: from the cache, else trained and then kept there.

    ``use_cache=False`` trains afresh (and replaces the entry).
    """
    from nnanim.core.record import train_on

    key = run_key(data, config)
    run = load_run(key) if use_cache else None
    if run is None:
        run = train_on(data, config, progress)
        store_run(key, run)
    return run


# --------------------------------------------------------------------------- renders


def _outputs() -> Path:
    return cache_dir() / "outputs"


def _entry_name(path: Path, output: Path) -> str:
    """``clip.mp4`` → ``out.mp4``, ``clip.chapters.txt`` → ``out.chapters.txt``."""
    return "out" + path.name[len(output.stem):]


def fetch_render(key: str, output: Path, sidecars: Iterable[Path] = ()) -> bool:
    """Copy the cached render of ``key`` to ``output`` (and its text files beside it); ``True`` on a hit.

    Every file is written atomically and complete before the first is renamed
    into place, like a render.  ``sidecars`` are the text files this render
    would write: an entry without one of them is a miss.
    """
    from nnanim.files import atomic_write

    entry = _outputs() / key
    main = entry / _entry_name(output, output)
    wanted = {entry / _entry_name(p, output): p for p in sidecars}
    if not main.is_file() or not all(p.is_file() for p in wanted):
        return False
    try:
        with contextlib.ExitStack() as files:
            for source, target in ((main, output), *wanted.items()):
                shutil.copyfile(source, files.enter_context(atomic_write(target)))
        os.utime(entry)
    except FileNotFoundError:  # evicted meanwhile by another process
        return False
    return True


def store_render(key: str, output: Path, sidecars: Iterable[Path] = ()) -> None:
    """Keep a finished render (``output`` and its text files) under ``key``; replaces an older entry.

    A cache folder that cannot be written is skipped silently: the render itself succeeded.
    """
    if _keeps_nothing():
        return
    root = _outputs()
    temp = root / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        _ensure(root)
        temp.mkdir()
        for path in (output, *sidecars):
            shutil.copyfile(path, temp / _entry_name(path, output))
        entry = root / key
        if entry.exists():  # --no-cache rendered it again: the new files win
            trash = root / f".old-{os.getpid()}-{secrets.token_hex(4)}"
            with contextlib.suppress(OSError):
                os.rename(entry, trash)
                shutil.rmtree(trash, ignore_errors=True)
        os.rename(temp, entry)
    except OSError:
        pass
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    _evict()


@dataclass
class RenderEntry:
    """One render's place in the cache: :meth:`fetch` before the work, :meth:`store` after it."""

    key: str
    output: Path
    sidecars: tuple[Path, ...]
    use_cache: bool = True

    @classmethod
    def of(cls, job: Any, out: Any, settings: Any) -> RenderEntry:
        """The entry of ``job`` rendered with the resolved output ``out`` (render's ``_Output``)
        and ``settings`` (:class:`~nnanim.media.render.RenderSettings`)."""
        from nnanim.media.beats import sidecar_paths

        frame = {"size": list(out.size), "fps": out.fps, "format": out.format,
                 "transparent": out.transparent, "chapters": settings.chapters,
                 "subtitles": settings.subtitles, "background": settings.background}
        paths = sidecar_paths(out.output)
        sidecars = ((paths["chapters"],) if settings.chapters else ()) + \
            ((paths["srt"], paths["vtt"]) if settings.subtitles else ())
        return cls(render_key(job, frame), out.output, sidecars, not job.opt("no_cache", False))

    def fetch(self) -> bool:
        """Write the cached files into place; ``True`` on a hit (never with ``no_cache``)."""
        return self.use_cache and fetch_render(self.key, self.output, self.sidecars)

    def store(self) -> None:
        store_render(self.key, self.output, self.sidecars)


# --------------------------------------------------------------------------- work folders


class _Held:
    """The lock of one work folder; :meth:`close` releases it."""

    def __init__(self, handle: Any = None) -> None:
        self._handle = handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def hold(work: Path) -> _Held:
    """Lock the work folder ``work`` until the returned object's ``close()``.

    A folder whose lock nobody holds belongs to a render that was killed
    outright (SIGKILL, a power cut): :func:`sweep_work` removes it.  Where the
    file system cannot lock, the folder is left unlocked (and judged by age).
    """
    if fcntl is None:
        return _Held()
    lock = work / _LOCK
    handle = None
    try:
        handle = open(lock, "w")  # held open by the render until it ends
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        if handle is not None:
            handle.close()
        lock.unlink(missing_ok=True)
        return _Held()
    return _Held(handle)


def _abandoned(folder: Path) -> bool:
    lock = folder / _LOCK
    try:
        if fcntl is None or not lock.exists():  # not a locking render: by age
            return time.time() - folder.stat().st_mtime > STALE_SECONDS
        if time.time() - lock.stat().st_mtime < 60:  # being locked right now
            return False
    except OSError:
        return False
    try:
        with open(lock) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except OSError:  # held: the render is running
        return False


def sweep_work() -> int:
    """Remove the work folders of renders that are gone; return how many."""
    removed = 0
    renders = cache_dir() / "renders"
    for folder in _children(renders):
        if folder.is_dir() and _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    for root in (_outputs(), _runs()):  # entries whose writer died before the rename
        for temp in _children(root):
            if temp.name.startswith((".tmp-", ".old-", ".")) and _stale_temp(temp):
                _remove(temp)
    return removed


def _stale_temp(path: Path) -> bool:
    found = re.search(r"-(\d+)-", path.name)
    if found and _alive(int(found.group(1))):
        return False
    try:
        return time.time() - path.stat().st_mtime > 60
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- size, eviction, clear


@dataclass(frozen=True)
class Usage:
    """What the cache folder holds."""

    folder: Path
    renders: int
    runs: int
    bytes: int
    limit: int


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def _entries() -> list[tuple[float, int, Path]]:
    """Every complete entry: ``(mtime, bytes, path)``."""
    out = []
    for path in (*_children(_outputs()), *_children(_runs())):
        if path.name.startswith("."):
            continue
        try:
            out.append((path.stat().st_mtime, _size(path), path))
        except OSError:
            continue
    return out


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _keeps_nothing() -> bool:
    try:
        return limit() == 0
    except NnanimError:
        return False


def _evict() -> None:
    """Remove the least recently used entries until the cache is within :func:`limit`."""
    try:
        budget = limit()
    except NnanimError:
        budget = DEFAULT_LIMIT
    sweep_work()
    entries = sorted(_entries(), key=lambda e: e[0])
    total = sum(size for _, size, _ in entries)
    for _, size, path in entries:
        if total <= budget:
            break
        _remove(path)
        total -= size


def usage() -> Usage:
    """Count and size the cache's entries (stale work folders are removed first)."""
    sweep_work()
    entries = _entries()
    renders = sum(1 for *_, p in entries if p.parent.name == "outputs")
    total = sum(size for _, size, _ in entries)
    return Usage(cache_dir(), renders, len(entries) - renders, total, limit())


def clear() -> Usage:
    """Remove every render and run and Manim's text cache; return what was there.

    Work folders of renders still running are left alone.
    """
    before = usage()
    root = cache_dir()
    for name in ("outputs", "runs", "text", "tex"):
        shutil.rmtree(root / name, ignore_errors=True)
    return before


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
