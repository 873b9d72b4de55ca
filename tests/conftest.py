"""Shared test helpers."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# the shared test helpers (storyboards.py, ...) import by name from the tests in every folder
sys.path.insert(0, str(Path(__file__).parent))

# In CI the property tests replay a fixed set of examples (a red build must mean a change
# broke something); on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _decode_frames(path: str | Path, pixel_format: str = "rgb24") -> tuple[np.ndarray, float]:
    """Decode every frame of a video or image file with PyAV.

    Parameters
    ----------
    path
        Video (mp4, mov, webm, gif) or image (png) file.
    pixel_format
        ``"rgb24"`` or ``"rgba"``. VP9 is decoded with libvpx so that its alpha
        channel (stored beside the colour planes in WebM) is kept.

    Returns
    -------
    frames : ndarray
        Shape ``(n_frames, height, width, channels)``, dtype uint8.
    fps : float
        The stream's average frame rate (0.0 when unknown, e.g. a PNG).
    """
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 0)
        if stream.codec_context.name == "vp9":
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            decoded = []
            for packet in container.demux(stream):
                if packet.dts is not None:
                    decoded.extend(decoder.decode(packet))
            decoded.extend(decoder.decode(None))
        else:
            decoded = list(container.decode(stream))
        frames = np.stack([frame.to_ndarray(format=pixel_format) for frame in decoded])
    return frames, fps


# The cache keeps nothing in the tests (a limit of 0 bytes): a test that renders or trains twice
# means to do the work twice, and no test may be handed another test's video.  The cache's own
# tests (test_cache.py) set a limit of their own.
os.environ["NNANIM_CACHE_LIMIT"] = "0"


@pytest.fixture
def decode_frames() -> Callable[..., tuple[np.ndarray, float]]:
    """``decode_frames(path, pixel_format="rgb24") -> (frames, fps)`` using PyAV."""
    return _decode_frames


@pytest.fixture(autouse=True, scope="session")
def _manim_media_per_worker(tmp_path_factory):
    """Text built outside ``render()`` (dry runs of storyboards) caches SVGs under
    Manim's ``media_dir``; give every test worker its own, so parallel workers never
    race on the same file, and nothing lands in the checkout.

    Without Manim installed (the core lane, ``make test-core``) there is nothing to
    set up, and the tests of the pure modules run as they are."""
    if importlib.util.find_spec("manim") is None:
        yield
        return
    from manim import config

    config.media_dir = str(tmp_path_factory.mktemp("manim-media"))
    yield


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """A private nnanim cache dir; the working directory is an empty ``work`` folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NNANIM_CACHE_DIR", str(cache))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return cache
