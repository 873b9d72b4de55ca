"""Writing files safely: one check that a destination can be written, one atomic write."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nnanim.errors import NnanimError

__all__ = ["check_writable"]


def check_writable(path: Path) -> Path:
    """``path`` made absolute, once a file can be created next to it (a missing folder is created)."""
    path = Path(os.path.normpath(Path.cwd() / Path(path).expanduser()))
    if path.is_dir():
        raise NnanimError(f"output {path} is a directory; give a file name")
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise NnanimError(f"cannot write to {folder}: it is a file, not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=f".{path.stem}.probe-"):
            pass
    except OSError as error:
        raise NnanimError(f"cannot write to {folder}: {error.strerror}") from error
    return path
