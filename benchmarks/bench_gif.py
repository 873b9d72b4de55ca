"""GIF size and fidelity: nnanim's GIF against other settings of ffmpeg's palettegen/paletteuse.

Renders a scene once as a GIF (default ``training -q l``: 640 × 360 at 10 fps),
keeping the exact frames nnanim's writer was given (the lossless H.264 RGB
stream it reads), then writes those frames again

* with nnanim's writer (``nnanim.media.render._gif``: two passes, ``palettegen
  stats_mode=full``, ``paletteuse`` Bayer scale 5, ``diff_mode=rectangle``);
* with other settings of ffmpeg's filters through PyAV: ``palettegen`` with
  ``stats_mode=diff``, ``paletteuse`` with no dither and with sierra2_4a, ffmpeg's
  default error diffusion, in one graph as Manim builds it; all encoded by ffmpeg's
  GIF encoder (it crops each frame to what changed and makes unchanged pixels
  transparent);
* and, for the size nnanim had before, ffmpeg's pipeline as Manim ran it: on frames
  that went through H.264 (yuv420p, crf 23) first, at the quality's own 480p15
  (``--before``, one more render).

For each: file size, time to write, and the mean absolute error of the decoded
GIF against the exact frames (levels of 255, all channels).

    python benchmarks/bench_gif.py                  # training -q l
    python benchmarks/bench_gif.py --scene layers --before
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nnanim.media.render as r  # noqa: E402


def exact_frames(scene: str, quality: str, keep: Path, fps: float | None = None,
                 short: int | None = None) -> tuple[Path, float, float]:
    """Render ``scene`` as a GIF, keeping the lossless source nnanim's writer read; (source, fps, s)."""
    seen = {}
    original = r._gif

    def keep_source(source: Path, target: Path, rate: float) -> None:
        shutil.copyfile(source, keep)
        seen["fps"] = rate
        original(source, target, rate)

    r._gif = keep_source
    try:
        started = time.perf_counter()
        out = r.render(scene, r.RenderSettings(quality=quality, format="gif", progress=False, fps=fps,
                                               short_side=short, output=keep.with_suffix(".gif")),
                       {"no_cache": True})
        seconds = time.perf_counter() - started
    finally:
        r._gif = original
    print(f"nnanim render {scene} -q {quality} --format gif: {out.stat().st_size / 1e6:.2f} MB "
          f"in {seconds:.1f} s (render and GIF)")
    return keep, seen["fps"], seconds


def decode(source: Path | bytes, fmt: str = "rgb24") -> list[np.ndarray]:
    with av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as container:
        return [f.to_ndarray(format=fmt) for f in container.decode(video=0)]


def gif_frames(data: bytes, count: int) -> list[np.ndarray]:
    """Every video frame of a GIF (held frames repeated), as RGB, by Pillow."""
    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(data))
    shown, clock = [], 0
    for frame in ImageSequence.Iterator(image):
        rgb = np.asarray(frame.convert("RGB"))
        clock += frame.info.get("duration", 0)
        shown.append((clock, rgb))
    out, at = [], 0
    for k in range(count):
        while at < len(shown) - 1 and shown[at][0] <= k * 1000 / FPS:
            at += 1
        out.append(shown[at][1])
    return out


def error(data: bytes, frames: list[np.ndarray]) -> float:
    decoded = gif_frames(data, len(frames))
    return float(np.mean([np.abs(a.astype(float) - b).mean() for a, b in zip(decoded, frames)]))


def nnanim_gif(source: Path, fps: float) -> bytes:
    target = source.with_name("again.gif")
    r._gif(source, target, fps)
    return target.read_bytes()


def ffmpeg_gif(frames: list[np.ndarray], fps: float, stats: str, dither: str) -> bytes:
    """palettegen + paletteuse in one PyAV filter graph, then ffmpeg's GIF encoder."""
    height, width = frames[0].shape[:2]
    out = io.BytesIO()
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(out, "w", format="gif") as container:
        stream = container.add_stream("gif", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "pal8"
        graph = av.filter.Graph()
        source = graph.add_buffer(width=width, height=height, format="rgb24", time_base=1 / rate)
        split = graph.add("split")
        palettegen = graph.add("palettegen", f"stats_mode={stats}")
        paletteuse = graph.add("paletteuse", f"dither={dither}:diff_mode=rectangle")
        sink = graph.add("buffersink")
        source.link_to(split)
        split.link_to(palettegen, 0, 0)
        split.link_to(paletteuse, 1, 0)
        palettegen.link_to(paletteuse, 0, 1)
        paletteuse.link_to(sink)
        graph.configure()
        for k, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = k, 1 / rate
            graph.push(frame)
        graph.push(None)
        k = 0
        while True:
            try:
                frame = graph.pull()
            except (av.error.EOFError, av.error.BlockingIOError):
                break
            frame.pts, frame.time_base = k, 1 / rate
            k += 1
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


def through_h264(frames: list[np.ndarray], fps: float) -> list[np.ndarray]:
    """The frames as Manim's GIF path saw them: H.264 yuv420p crf 23, decoded."""
    height, width = frames[0].shape[:2]
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001),
                                      options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = k
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return decode(out.getvalue())


FPS = 10.0


def main() -> None:
    global FPS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="training")
    parser.add_argument("--quality", default="l")
    parser.add_argument("--before", action="store_true",
                        help="also ffmpeg's pipeline on H.264 frames at the quality's own size and rate")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-gif-"))
    os.environ.setdefault("NNANIM_CACHE_DIR", str(folder / "cache"))
    try:
        source, FPS, _ = exact_frames(args.scene, args.quality, folder / "exact.mp4")
        frames = decode(source)
        height, width = frames[0].shape[:2]
        print(f"{len(frames)} exact frames, {width}x{height} at {FPS:g} fps\n")
        rows = [("nnanim: palettegen full, paletteuse bayer:5, 2 passes", lambda: nnanim_gif(source, FPS)),
                ("ffmpeg: palettegen diff, paletteuse bayer:5", lambda: ffmpeg_gif(frames, FPS, "diff",
                                                                                    "bayer:bayer_scale=5")),
                ("ffmpeg: palettegen full, no dither", lambda: ffmpeg_gif(frames, FPS, "full", "none")),
                ("ffmpeg: palettegen diff, paletteuse sierra2_4a", lambda: ffmpeg_gif(frames, FPS, "diff",
                                                                                       "sierra2_4a"))]
        print(f"{'writer':52} {'MB':>7} {'s':>6} {'error':>6}")
        for name, make in rows:
            started = time.perf_counter()
            data = make()
            seconds = time.perf_counter() - started
            print(f"{name:52} {len(data) / 1e6:7.2f} {seconds:6.1f} {error(data, frames):6.2f}")
        if args.before:
            q = r.QUALITIES[args.quality]
            source, FPS, _ = exact_frames(args.scene, args.quality, folder / "full.mp4", fps=q.fps,
                                          short=q.short)
            full = decode(source)
            started = time.perf_counter()
            data = ffmpeg_gif(through_h264(full, FPS), FPS, "diff", "bayer:bayer_scale=5")
            seconds = time.perf_counter() - started
            name = f"before: H.264 frames, {q.short}p{FPS:g}, ffmpeg as Manim ran it"
            print(f"{name:52} {len(data) / 1e6:7.2f} {seconds:6.1f} {error(data, full):6.2f}")
            started = time.perf_counter()
            data = nnanim_gif(source, FPS)
            seconds = time.perf_counter() - started
            name = f"nnanim at {q.short}p{FPS:g} (exact frames)"
            print(f"{name:52} {len(data) / 1e6:7.2f} {seconds:6.1f} {error(data, full):6.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
