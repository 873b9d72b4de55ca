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
disk-full and permission errors are reported the same way.

Reading is bounded the same way for every file nnanim reads (a CSV, a TOML
config or sweep file, a theme, a run file): :func:`open_regular` opens a path
only if it is a regular file (a device, a FIFO, a socket or a directory is
refused without blocking on it), and :func:`read_limited` reads it in chunks
against a size limit named in the message (:data:`LIMITS`).
``NNANIM_NO_LIMITS=1`` (``nnanim --no-limits``) lifts every limit of nnanim's
own, for people with big machines.  Pure: standard library only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from nnanim.errors import NnanimError

__all__ = ["DEFAULT_LIMIT", "LIMITS", "LIMIT_ENV", "WRITE_ERRORS", "atomic_write", "cache_dir",
           "check_writable", "limit", "limits_on", "open_regular", "read_limited", "size_text", "write_error"]

#: errno values that mean "this place cannot take the file" (reported as one line, not a bug)
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                          errno.EFBIG})


def write_error(error: BaseException) -> OSError | None:
    """The full disk or unwritable place behind ``error``: ``error`` itself or the error it was
    raised from (Manim's segment encoder raises a RuntimeError from PyAV's OSError), if it is an
    :class:`OSError` of :data:`WRITE_ERRORS`; else ``None``."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in WRITE_ERRORS:
            return error
        error = error.__cause__ or error.__context__
    return None


#: the largest file of each kind nnanim reads, in bytes (lifted by NNANIM_NO_LIMITS=1)
LIMITS = {
    "CSV file": 64 * 2**20,
    "config file": 2**20,
    "sweep file": 2**20,
    "theme file": 2**20,
    "run file": 2**30,
}
#: the environment variable that lifts every limit (``nnanim --no-limits`` sets it)
NO_LIMITS_ENV = "NNANIM_NO_LIMITS"
#: the deepest nesting of lists and tables a TOML or JSON file may have
MAX_DEPTH = 32
_CHUNK = 2**20


def limits_on() -> bool:
    """Whether nnanim's size and cost limits apply (``NNANIM_NO_LIMITS`` unset, empty or 0)."""
    return os.environ.get(NO_LIMITS_ENV, "").strip().lower() in ("", "0", "false", "no")


def size_text(n: float) -> str:
    """``n`` bytes for a message: ``64 MiB``, ``1.5 GiB``, ``512 bytes``."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | os.PathLike, what: str, limit: int | None = None):
    """Open ``path`` for reading in binary mode, only if it is a regular file of at most ``limit`` bytes.

    ``what`` names the file in messages ("CSV file"); ``limit`` defaults to
    ``LIMITS[what]``.  The file is opened with ``O_NONBLOCK`` and checked with
    ``fstat`` before a byte is read, so a FIFO or a device is refused at once.
    Returns a file object (the caller closes it).

    Raises
    ------
    NnanimError
        Missing, unreadable, not a regular file, or larger than the limit.
    """
    path = Path(path)
    limit = LIMITS.get(what) if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise NnanimError(f"{_shown(path)}: no such {what}") from None
    except IsADirectoryError:
        raise NnanimError(f"{_shown(path)}: is a directory, not a {what}") from None
    except (OSError, ValueError) as error:
        raise NnanimError(f"{_shown(path)}: cannot read the file "
                          f"({getattr(error, 'strerror', None) or error})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NnanimError(f"{_shown(path)}: is {_kind(info.st_mode)}, not a {what}")
        if limit is not None and limits_on() and info.st_size > limit:
            raise NnanimError(f"{_shown(path)}: {size_text(info.st_size)} is larger than a {what} may "
                              f"be ({size_text(limit)}; {NO_LIMITS_ENV}=1 lifts the limit)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: str | os.PathLike, what: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`), read in chunks and never more
    than ``limit`` (a file that grows while it is read is refused too)."""
    limit = LIMITS.get(what) if limit is None else limit
    cap = limit if limit is not None and limits_on() else None
    with open_regular(path, what, limit) as handle:
        parts, total = [], 0
        while True:
            try:
                chunk = handle.read(_CHUNK)
            except OSError as error:
                raise NnanimError(f"{_shown(Path(path))}: cannot read the file "
                                  f"({error.strerror or error})") from None
            if not chunk:
                return b"".join(parts)
            total += len(chunk)
            if cap is not None and total > cap:
                raise NnanimError(f"{_shown(Path(path))}: larger than a {what} may be "
                                  f"({size_text(cap)}; {NO_LIMITS_ENV}=1 lifts the limit)")
            parts.append(chunk)


def depth(value, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` (parsed JSON or TOML) nests lists and tables, counted up to ``limit + 1``
    without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, tuple, dict)):
            level += 1
            deepest = max(deepest, level)
            if level > limit:
                return level
            stack.extend((v, level) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file (the same inode, or the same normalised path)."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    norm = [os.path.normpath(Path.cwd() / Path(p).expanduser()) for p in (a, b)]
    return norm[0] == norm[1]


def _shown(path: Path) -> str:
    """A path for a message: at most 160 characters of it (its start and its end)."""
    text = str(path)
    return text if len(text) <= 160 else text[:78] + "..." + text[-79:]


def check_writable(path: str | os.PathLike, inputs=()) -> Path:
    """Make sure a file can be written at ``path``; return it absolute (``~`` expanded, normalised).

    ``path`` may not be a device, a FIFO or another special file, nor one of
    ``inputs`` (the files the command reads: a CSV, a run file, a config).

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
        if path.exists() and not path.is_file():  # /dev/null, a FIFO, a socket: never replaced
            raise NnanimError(f"output {_shown(path)} is {_kind(path.stat().st_mode)}; "
                              "give the name of a regular file")
        for source in inputs:
            if source is not None and same_file(path, source):
                raise NnanimError(f"output {_shown(path)} is also an input of this command; "
                                  "write the output to another file")
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


# --------------------------------------------------------------------------- nnanim's cache folder
# (here, below every floor: the media floor keeps runs and renders in it, drawing its texts)

LIMIT_ENV = "NNANIM_CACHE_LIMIT"
DEFAULT_LIMIT = 2 * 1000**3


def cache_dir() -> Path:
    """The cache folder: ``$NNANIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/nnanim``, else
    ``~/.cache/nnanim``."""
    if os.environ.get("NNANIM_CACHE_DIR"):
        return Path(os.environ["NNANIM_CACHE_DIR"]).expanduser().absolute()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().absolute() / "nnanim"


def limit() -> int:
    """The cache's size limit in bytes, from ``$NNANIM_CACHE_LIMIT`` (one-line error if malformed)."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_LIMIT
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)b?", text.lower())
    if not found:
        raise NnanimError(f"${LIMIT_ENV}={text!r}: give a size such as 500M, 2G or a number of bytes")
    scale = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}[found.group(2)]
    return int(float(found.group(1)) * scale)
