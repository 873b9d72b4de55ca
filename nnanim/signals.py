"""Clean exits on Ctrl-C and SIGTERM: every ``finally`` runs, no partial file is left.

Ctrl-C already raises :class:`KeyboardInterrupt` in Python's main thread, so
the cleanup the library does anyway (:func:`nnanim.files.atomic_write`
removes its temporary file, a render deletes its work folder) runs on the
way out.  SIGTERM — what ``kill``, ``timeout``, a process manager or a batch
scheduler sends — would instead end the process on the spot and leave them
all behind.  :func:`interruptible` makes it raise :class:`Terminated`, a
``KeyboardInterrupt``, in the main thread, so both signals take the same path:

.. code-block:: python

    with interruptible() as scratch:
        folder = scratch.add(Path(tempfile.mkdtemp()))  # removed on any exit
        ...                                             # SIGTERM: Terminated

Outside the main thread it is a no-op (Python handles signals only there).
Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["Scratch", "Terminated", "exit_status", "interruptible", "quiet_start", "restore"]

#: signals that end a run cleanly (SIGHUP: the terminal went away)
STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                     if s is not None)


class Terminated(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) arrived; raised like Ctrl-C so every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(error: BaseException) -> int:
    """The shell's status for a process ended by ``error``: 128 + the signal (130 for Ctrl-C)."""
    return 128 + (error.signum if isinstance(error, Terminated) else signal.SIGINT)


class Scratch:
    """Temporary files and folders to remove when the :func:`interruptible` block ends."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def add(self, path: str | os.PathLike) -> Path:
        """Remove ``path`` (a file or a folder) when the block ends, however it ends; returns it."""
        self.paths.append(Path(path))
        return self.paths[-1]

    def remove(self) -> None:
        for path in reversed(self.paths):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self.paths.clear()


def quiet_start() -> dict:
    """Until the command line's own handling starts: Ctrl-C, SIGTERM or SIGHUP while its modules
    import ends the process at once with one line and the signal's status (no traceback).

    Installed first thing by :mod:`nnanim.cli`, before any heavy import; returns the handlers it
    replaced, for :func:`restore`.  Only Python's own default handlers are replaced (a host
    program's handlers and ignored signals are left alone), and only in the main thread.
    """
    if not _main_thread():
        return {}
    saved = {}

    def stop(signum: int, frame) -> None:
        what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        try:
            sys.stderr.write(f"\nnnanim: {what} while starting; no output was written\n")
        except (OSError, ValueError):
            pass
        raise SystemExit(128 + signum)

    for signum in (signal.SIGINT, *STOP_SIGNALS):
        current = signal.getsignal(signum)
        if current is (signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL):
            saved[signum] = signal.signal(signum, stop)
    return saved


def restore(saved: dict) -> None:
    """Put back the handlers :func:`quiet_start` replaced."""
    if _main_thread():
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    saved.clear()


def _raise(signum: int, frame) -> None:
    raise Terminated(signum)


def _unraisable(previous):
    """A ``sys.unraisablehook`` for the block: a stop signal that landed in a finalizer (a
    weakref callback, a ``__del__``), where Python can only print and drop it, is sent again,
    so that it is raised where the code can clean up; anything else goes to ``previous``."""

    def hook(info) -> None:
        if isinstance(info.exc_value, Terminated):
            os.kill(os.getpid(), info.exc_value.signum)
            return
        previous(info)

    return hook


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interruptible() -> Iterator[Scratch]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` inside the block; remove its scratch paths.

    The previous handlers come back when the block ends.  Ctrl-C keeps
    Python's own handler (and stays ignored where the shell ignores it, as
    for background jobs).  A signal the parent ignored is left ignored.
    """
    scratch = Scratch()
    saved = {}
    hook = sys.unraisablehook
    if _main_thread():
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                saved[signum] = signal.signal(signum, _raise)
        sys.unraisablehook = _unraisable(hook)
    try:
        yield scratch
    finally:
        try:
            scratch.remove()
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
            sys.unraisablehook = hook
