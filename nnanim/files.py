"""Writing output files: one check before the work, one atomic write after it.

Every command that writes a file (a run, a video, a storyboard sheet) does
the same two things:

1. :func:`check_writable` before any long work starts, so that a typo in
   ``-o`` fails in a second, not after a ten-minute render.  A missing folder
   is created (``-o out/clip.mp4`` works in a fresh checkout); a directory
   given as the file, a parent that is a file and a folder that cannot be
   written are refused.
2. :func:`atomic_write` around the writing itself: the bytes go to a hidden
   file next to the destination (``.NAME.partial-PID-XXXX.EXT``), which is
   moved into place with :func:`os.replace` only when the writing finished.
   An existing file is untouched until then; an error or Ctrl-C leaves
   nothing behind.

Both raise :class:`~nnanim.errors.NnanimError` with one line for the user;
disk-full and permission errors are reported the same way.  Pure: standard
library only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from nnanim.errors import NnanimError

__all__ = ["WRITE_ERRORS", "atomic_write", "check_writable"]

#: errno values that mean "this place cannot take the file" (reported as one line, not a bug)
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                          errno.EFBIG})


def check_writable(path: str | os.PathLike) -> Path:
    """Make sure a file can be written at ``path``; return it absolute (``~`` expanded, normalised).

    Missing parent folders are created.  The check creates and removes an
    anonymous file in the folder, so it is right for root, read-only mounts
    and network file systems alike.

    Raises
    ------
    NnanimError
        ``path`` is a directory, one of its parents is a file, or the folder
        cannot be created or written to.
    """
    path = Path(os.path.normpath(Path.cwd() / Path(path).expanduser()))
    folder = path.parent
    try:  # stat() itself fails (EACCES) below a folder we may not enter
        if path.is_dir():
            raise NnanimError(f"output {path} is a directory; give a file name")
        existing = next(p for p in (folder, *folder.parents) if p.exists())  # "/" always does
        if not existing.is_dir():
            what = "it" if existing == folder else str(existing)
            raise NnanimError(f"cannot write to {folder}: {what} is a file, not a directory")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=f".{_short(path)}.probe-"):
            pass
    except OSError as error:
        raise NnanimError(f"cannot write to {folder}: {error.strerror or error}") from error
    return path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Write ``path`` all at once: yield a temporary path beside it, move it into place at the end.

    The block writes to the yielded path (by name: ``open(tmp, "wb")``,
    ``image.save(tmp)``, a muxer...).  When the block completes the file
    replaces ``path`` in one :func:`os.replace`; on any exception, including
    ``KeyboardInterrupt``, the temporary file is removed and ``path`` is left
    as it was.  The temporary file exists (empty) when the block starts and
    gets the permissions of a newly created file (the umask applies).

    Parameters
    ----------
    path
        The destination; checked with :func:`check_writable` first (so a
        missing folder is created).

    Raises
    ------
    NnanimError
        Whatever :func:`check_writable` refuses, and disk-full or permission
        errors while writing or moving the file (``cannot write PATH: REASON``).
    """
    path = check_writable(path)
    partial = path.with_name(f".{_short(path)}.partial-{os.getpid()}-{secrets.token_hex(3)}{path.suffix}")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as error:
        raise _one_line(error, path) from error
    try:
        yield partial
        os.replace(partial, path)
    except OSError as error:
        if error.errno in WRITE_ERRORS:
            raise _one_line(error, path) from error
        raise
    finally:
        partial.unlink(missing_ok=True)


def _short(path: Path) -> str:
    """The file's stem, cut so that the hidden names built from it stay within NAME_MAX."""
    return path.stem[:100]


def _one_line(error: OSError, path: Path) -> NnanimError:
    return NnanimError(f"cannot write {path}: {error.strerror or error}")
