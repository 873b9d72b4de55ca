"""The segment encoder nnanim gives Manim: BT.709 pixels, tagged as such, the same bytes every run.

Manim encodes each ``play`` into a segment with
:class:`manim.scene.video_segment_encoder.VideoSegmentEncoder`, which hands
RGBA frames to the codec and lets PyAV convert them to the codec's pixel
format.  Two things were wrong with that:

* **Colour.**  The conversion used swscale's default matrix (BT.601) and the
  stream said nothing about its colours, so each player guessed (BT.601 for
  small frames, BT.709 for HD ones; Chromium and ffmpeg disagreed).  Here the
  frames are converted with the BT.709 matrix into limited ("tv") range, and
  the stream is tagged BT.709 primaries, transfer and matrix, and its range:
  nnanim draws sRGB colours, whose primaries are BT.709's.
* **Determinism.**  Three renders of the same options gave three different
  MP4s (decoded frames up to 33 levels apart in a few frames) although the
  RGBA frames were identical (hashed as they reached the encoder).  libx264
  on several threads gave a different bitstream now and then for the same
  frames: with PyAV's sliced threads often; with its look-ahead on one
  thread, or with frame threads (which x264 documents as deterministic),
  rarely (one packet in about ten renders, a few bytes, the same decoded
  picture).  On one thread every render gave the same bytes, for the same
  CPU time and less memory (1080p: 487 MB, against 490-499 sliced and
  536-560 with frame threads); below 1080p two segments are encoded at once
  (:func:`nnanim.media.memory.encoder_limits`), so both cores still work.

:func:`installed` swaps the encoder in for one render.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

__all__ = ["BT709", "installed"]

#: AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709 (all 1) and AVCOL_RANGE_MPEG (1: limited)
BT709 = {"color_primaries": 1, "color_trc": 1, "colorspace": 1, "color_range": 1}


def _encoder_class() -> type:
    import av
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    class TaggedEncoder(VideoSegmentEncoder):
        """Manim's segment encoder: frames converted here (BT.709, limited range), the stream tagged."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._yuv = self.spec.pixel_format.startswith("yuv")
            if self._yuv:
                context = self._stream.codec_context
                for name, value in BT709.items():
                    setattr(context, name, value)
                if self.spec.codec == "libx264":  # its threads were not repeatable
                    context.thread_count = 1

        def write_frame(self, pixels: Any, *, repeat: int = 1) -> None:
            if not self._yuv:
                super().write_frame(pixels, repeat=repeat)
                return
            self._validate_frame(pixels, repeat)
            time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
            try:
                frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(
                    format=self.spec.pixel_format, dst_colorspace="ITU709", dst_color_range="MPEG",
                    threads=1)
                # the frame's own tags too: ProRes writes them into every frame header
                frame.color_primaries, frame.color_trc = BT709["color_primaries"], BT709["color_trc"]
                for _ in range(repeat):
                    frame.pts = self._next_pts
                    frame.time_base = time_base
                    self._next_pts += 1
                    for packet in self._stream.encode(frame):
                        self._container.mux(packet)
            except BaseException as error:
                raise self._operation_error("encode", error) from error

    return TaggedEncoder


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Manim's file writer uses :class:`TaggedEncoder` inside the block."""
    from manim.scene import scene_file_writer

    original = scene_file_writer.VideoSegmentEncoder
    scene_file_writer.VideoSegmentEncoder = _encoder_class()
    try:
        yield
    finally:
        scene_file_writer.VideoSegmentEncoder = original
