"""Peak memory of a render: the encoder's frame queue and the C heap, sized to the frame.

Measured on ``nnanim render layers`` (``benchmarks/bench_memory.py``), the peak
resident memory at 4K came from three places, none of them Python objects:

* **Manim's frame queue.**  Each animation's encoder thread takes up to
  ``encoder_queue_size`` (8) RGBA frames, and ``max_inflight_encoders``
  encoders run at once: at 3840 × 2160 a frame is 33 MB, so 16 frames are
  530 MB.  :func:`encoder_limits` keeps the queue under 20 MB (two frames at
  1080p: 469 MB against 523 MB with five) and, from
  1080p up, lets one encoder run at a time (libx264 holds its look-ahead
  and B-frames, a dozen frames and their half-pixel planes, per encoder:
  two encoders at 1080p took the peak from about 500 MB to 590 MB).
* **The C heap.**  Frames (RGBA copies, YUV conversions, libx264's planes)
  are allocated and freed many times per second from several threads; glibc
  serves blocks below its *dynamic* mmap threshold (which rises to 32 MB
  after the first large free) from heaps that it cannot give back while
  anything above them is live, so the resident size ratchets up.
  Above 1080p :func:`lean_heap` fixes the threshold at the size of one
  frame plane: blocks that large are mapped and unmapped on their own.  It
  costs system time (fresh pages are zeroed) and saves about 30 % of the peak
  at 4K.  At 1080p that cost was a third of the wall time (46.6 s against
  34.6 s for `layers`) to save 75 MB, so up to 1080p it keeps glibc to one
  heap arena instead (the encoder threads' arenas were the other ratchet),
  at no measurable cost.

Standard library only; :func:`lean_heap` does nothing where glibc's
``mallopt`` is not available.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["encoder_limits", "lean_heap"]

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters
_M_TRIM_THRESHOLD = -1
_M_ARENA_MAX = -8
#: frames up to this many pixels keep the heap in one arena; larger ones get the fixed threshold
_ARENA_ONLY = 1920 * 1088
_QUEUE_BYTES = 20 << 20
_MB = 1 << 20
_set_threshold: int | None = None


def encoder_limits(width: int, height: int) -> tuple[int, int]:
    """``(max_inflight_encoders, encoder_queue_size)`` for RGBA frames of ``width × height``."""
    frame = 4 * width * height
    queue = max(1, min(8, _QUEUE_BYTES // frame))
    inflight = 2 if frame < 4 * 1920 * 1080 else 1
    return inflight, queue


def _mallopt(*settings: tuple[int, int]) -> bool:
    """glibc's ``mallopt(param, value)`` for each pair; whether it took the first (not on glibc:
    ``False``)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        taken = [bool(libc.mallopt(param, value)) for param, value in settings]
    except (OSError, AttributeError):
        return False
    return taken[0]


def lean_heap(width: int, height: int) -> bool:
    """Above 1080p, map heap blocks of one frame plane (``width × height`` bytes) or more on
    their own; up to 1080p, keep the heap in one arena.

    Lowers the threshold only (a later, smaller frame lowers it further; it is
    never raised again in this process).  Returns whether glibc took it.
    """
    global _set_threshold
    if width * height <= _ARENA_ONLY:
        return _mallopt((_M_ARENA_MAX, 1))
    threshold = max(_MB, min(32 * _MB, width * height))
    if _set_threshold is not None and _set_threshold <= threshold:
        return True
    # a fixed mmap threshold also fixes the trim threshold at 128 kB: the heap's top would be
    # given back and faulted in again many times a frame; 64 MB is glibc's dynamic cap
    done = _mallopt((_M_MMAP_THRESHOLD, threshold), (_M_TRIM_THRESHOLD, 64 * _MB))
    if done:
        _set_threshold = threshold
    return done
