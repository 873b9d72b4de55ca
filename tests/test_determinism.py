"""The same options and seed give the same file, byte for byte.

Each render runs in its own process (a fresh interpreter, a different hash seed, no render
cache), as a user's repeated command would.  Two causes of differing files were found and
removed: libx264 on several threads gave bitstreams that differed from run to run for
identical frames (with PyAV's sliced threads three 480p renders of ``layers`` were three
different files, decoded frames up to 33 levels apart; with frame threads or one look-ahead
thread, about one render in ten still differed in one packet); and the WebM muxer wrote
random segment and track UIDs.  ``nnanim.media.encoder`` now encodes H.264 on one thread, and
WebM is written bit-exact.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

pytestmark = pytest.mark.slow

#: 45 frames at 854 × 480: the size at which sliced threads differed every run
ARGS = ["layers", "-d", "moons", "-q", "l", "--duration", "3", "--epochs", "300", "--no-cache"]


def _render(out: Path, cache: Path, seed: int, extra: tuple[str, ...] = ()) -> bytes:
    env = {**os.environ, "NNANIM_CACHE_DIR": str(cache), "PYTHONHASHSEED": str(seed)}
    nnanim = Path(sys.executable).with_name("nnanim")  # the console script beside this Python
    result = subprocess.run([str(nnanim), "render", *ARGS, *extra, "-o", str(out)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _planes(path: Path) -> list[np.ndarray]:
    """Decoded frames as stored (Y'CbCr planes, no colour conversion)."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray() for frame in container.decode(video=0)]


@pytest.mark.parametrize(("fmt", "runs", "extra"), [("mp4", 3, ()), ("webm", 2, ("--fps", "5"))])
def test_the_same_render_gives_the_same_bytes(tmp_path, fmt, runs, extra):
    files = [tmp_path / f"run{k}.{fmt}" for k in range(runs)]
    # the cache folder differs too: no run file or render is shared between them
    blobs = [_render(path, tmp_path / f"cache{k}", k + 1, extra) for k, path in enumerate(files)]
    frames = [_planes(path) for path in files]
    assert len(frames[0]) > 10
    for k in range(1, runs):
        assert len(frames[k]) == len(frames[0])
        differing = [i for i, (a, b) in enumerate(zip(frames[0], frames[k])) if not np.array_equal(a, b)]
        assert differing == [], f"run {k}: frames {differing[:10]} differ"
        assert hashlib.sha256(blobs[k]).hexdigest() == hashlib.sha256(blobs[0]).hexdigest()
