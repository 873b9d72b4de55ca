"""Render benchmark: `nnanim render layers` against the straightforward Manim version.

What it measures (see benchmarks/README.md, "Rendering", for the figures):

1. **train** the `layers` scene's default network (spirals, hidden 2,2,2,2,
   tanh) on N and on 10·N points, each in a subprocess, and save the runs.
2. **nnanim**: ``nnanim.media.render.render("layers", RenderSettings(quality=Q),
   options={"run": <that run>})`` in a subprocess, for N and 10·N points
   (``options={"n_samples": N}`` trains the very same network inside the
   render; training is timed on its own in step 1 so the two can be told apart).
   The subprocess times the main thread's work by kind (below).
3. **naive**: ``benchmarks/naive_layers.py`` through Manim's own command line
   (``manim render -qQ --disable_caching``, Manim's default encoder settings)
   on the same run of N points: same stages, durations and frame count.
4. **floor**: nnanim's video decoded back into frames and encoded again with
   PyAV alone, with nnanim's encoder settings for quality Q (and, for
   reference, Manim's defaults, which the naive render uses).  Encoding time
   = (decode + encode) − (decode only).

Wall and CPU seconds of every subprocess come from ``getrusage(RUSAGE_CHILDREN)``
(CPU = user + system, all threads, so libx264's threads count).

Breakdown of an nnanim render: the subprocess wraps a handful of functions
with wall-clock timers on the main thread (exclusive time: a wrapped function
nested in another is counted once, in the inner one) — flow math
(``Trace.at``, ``Trace.framing``), mobject updates (rest of
``FlowView.set_stage``), drawing (points ``splat_discs``, grid and boundary
strokes ``stroke_path``, shading ``paint_image``, Cairo VMobject paths split
into text glyphs and other shapes, plus Manim's camera bookkeeping), handing frames to
the encoder (``SceneFileWriter.write_frame``: blocks while the encoder thread
is behind), waiting for encoder threads at the end of each animation and
concatenating/remuxing, and set-up (loading the run, building the flow,
laying out text).  What is left is Manim's own per-frame overhead.  The
encoder threads' CPU is the process CPU minus the main thread's CPU.
The timers cost well under 1 % of the render.

Usage::

    python benchmarks/bench_render.py            # 1080p60, 2,000 vs 20,000 points, naive, floor
    python benchmarks/bench_render.py --quick    # 480p15, 300 vs 3,000 points: a smoke test

The machine's other load shows up in wall times; ``--repeat`` runs every
timed step several times and reports medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAIVE = HERE / "naive_layers.py"
QUICK_EPOCHS = 300

# --------------------------------------------------------------------------- subprocess steps


def _child_times() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_timed(cmd: list[str], env: dict | None = None,
              log: Path | None = None) -> tuple[float, float]:
    """Run ``cmd`` to completion; return (wall s, CPU s of it and its threads/children)."""
    cpu0, t0 = _child_times(), time.perf_counter()
    with open(log or os.devnull, "w") as out:
        proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, stdout=out,
                              stderr=subprocess.STDOUT)
    wall, cpu = time.perf_counter() - t0, _child_times() - cpu0
    if proc.returncode:
        tail = Path(log).read_text()[-3000:] if log else ""
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    return wall, cpu


def worker(args: list[str]) -> None:
    """Entry point of the subprocesses: ``--worker train|render ...``."""
    kind = args[0]
    if kind == "train":
        n, epochs, path = int(args[1]), int(args[2]), args[3]
        from nnanim.scenes.layers import LayersScene

        from nnanim.core.record import TrainConfig, train

        options = {**LayersScene.defaults, "n_samples": n}
        if epochs > 0:
            options["epochs"] = epochs
        train(TrainConfig(**options)).save(path)
    elif kind == "render":
        quality, run_file, output, report = args[1:5]
        _render_instrumented(quality, run_file, Path(output), Path(report))
    else:
        raise SystemExit(f"unknown worker {kind!r}")


# --------------------------------------------------------------------------- instrumented render


class _Timers:
    """Exclusive wall time per category, main thread only."""

    def __init__(self) -> None:
        self.excl: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[float] = []
        self.main = threading.get_ident()
        self.missing: list[str] = []

    def wrap(self, owner, name: str, category) -> None:
        """Replace ``owner.name`` by a timed wrapper; ``category``: a str or ``f(args) -> str``."""
        fn = getattr(owner, name, None)
        if fn is None:
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return
        timers = self

        def timed(*args, **kwargs):
            if threading.get_ident() != timers.main:
                return fn(*args, **kwargs)
            t0 = time.perf_counter()
            timers.stack.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                inner = timers.stack.pop()
                cat = category if isinstance(category, str) else category(args)
                timers.excl[cat] += dt - inner
                timers.calls[cat] += 1
                if timers.stack:
                    timers.stack[-1] += dt

        timed.__wrapped__ = fn
        setattr(owner, name, timed)


def _render_instrumented(quality: str, run_file: str, output: Path, report: Path) -> None:
    import nnanim.scenes.layers as layers
    from manim import Text
    from manim.camera.camera import Camera
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene_file_writer import SceneFileWriter

    import nnanim.core.flow as flow
    import nnanim.draw.mobjects as mob
    import nnanim.draw.scene as scene_mod
    import nnanim.media.render as render_mod

    t = _Timers()

    def vmobject_kind(args) -> str:
        vm = args[1]
        if isinstance(vm, mob.Polylines):
            return "draw: grid + boundary (Cairo strokes)"
        if type(vm).__name__ == "VMobjectFromSVGPath":  # the glyphs of Text
            return "draw: text glyphs (Cairo paths)"
        return "draw: other VMobjects (panels, lines)"

    t.wrap(flow.Trace, "at", "flow: Trace.at")
    t.wrap(flow.Trace, "framing", "flow: Trace.framing")
    t.wrap(mob.FlowView, "set_stage", "update: FlowView.set_stage (rest)")
    t.wrap(mob, "splat_discs", "draw: points (splat_discs)")
    t.wrap(mob, "stroke_path", "draw: grid + boundary (stroke_path)")
    t.wrap(mob, "paint_image", "draw: shading (paint_image)")
    t.wrap(Camera, "display_vectorized", vmobject_kind)
    t.wrap(Camera, "capture_mobjects", "draw: camera bookkeeping (rest)")
    t.wrap(CairoRenderer, "update_frame", "frame: background reset")
    t.wrap(CairoRenderer, "get_frame", "frame: copy for encoder")
    t.wrap(SceneFileWriter, "write_frame", "encode: hand frame to encoder (waits)")
    t.wrap(SceneFileWriter, "close_partial_movie_stream", "encode: wait for encoder threads")
    t.wrap(SceneFileWriter, "join_all_encode_jobs", "encode: wait for encoder threads")
    t.wrap(SceneFileWriter, "combine_to_movie", "encode: concatenate segments")
    t.wrap(render_mod, "_finish", "encode: remux (faststart)")
    t.wrap(scene_mod.FlowScene, "load_run", "setup: load run")
    t.wrap(layers, "build_flow", "setup: build flow")
    t.wrap(mob.FlowView, "__init__", "setup: FlowView (traces, boundary)")
    t.wrap(Text, "__init__", "setup: text layout (Text)")

    from nnanim.media.render import RenderSettings, render

    main0, cpu0, wall0 = time.thread_time(), time.process_time(), time.perf_counter()
    render("layers", RenderSettings(quality=quality, output=output, progress=False),
           options={"run": run_file})
    wall = time.perf_counter() - wall0
    main_cpu, cpu = time.thread_time() - main0, time.process_time() - cpu0
    report.write_text(json.dumps({
        "wall": wall, "cpu": cpu, "main_cpu": main_cpu,
        "excl": t.excl, "calls": t.calls, "missing": t.missing,
    }))


# --------------------------------------------------------------------------- the floor


def video_info(path: Path) -> tuple[int, int, int, Fraction]:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.frames, s.codec_context.width, s.codec_context.height, Fraction(s.average_rate)


def floor(video: Path, options: dict[str, str], scratch: Path,
          encode: bool) -> tuple[float, float, int]:
    """Decode ``video`` into RGBA frames and (optionally) encode them as Manim does.

    Manim's segment encoder: ``VideoFrame.from_ndarray(rgba)`` → libx264,
    ``yuv420p``, in an MP4.  Returns (wall s, CPU s of this process, frames).
    """
    import av

    _, w, h, rate = video_info(video)
    cpu0, t0 = time.process_time(), time.perf_counter()
    frames = 0
    with av.open(str(video)) as src:
        dst = stream = None
        if encode:
            dst = av.open(str(scratch), "w", format="mp4")
            stream = dst.add_stream("libx264", rate=rate, options=dict(options))
            stream.pix_fmt, stream.width, stream.height = "yuv420p", w, h
        for frame in src.decode(video=0):
            rgba = frame.to_ndarray(format="rgba")
            frames += 1
            if encode:
                out = av.VideoFrame.from_ndarray(rgba, format="rgba")
                for packet in stream.encode(out):
                    dst.mux(packet)
        if encode:
            for packet in stream.encode():
                dst.mux(packet)
            dst.close()
    return time.perf_counter() - t0, time.process_time() - cpu0, frames


# --------------------------------------------------------------------------- main


def median_of(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(col) for col in zip(*runs, strict=True))


def categorize(report: dict) -> list[tuple[str, float]]:
    """Group the worker's exclusive times; add Manim's remainder and the encoder threads."""
    excl = report["excl"]
    rows = sorted(excl.items(), key=lambda kv: kv[0])
    covered = sum(excl.values())
    rows.append(("other: Manim per-frame overhead (animations, scene)", report["wall"] - covered))
    return rows


GROUPS = (
    ("flow math", ("flow:",)),
    ("mobject updates", ("update:",)),
    ("drawing", ("draw:", "frame:")),
    ("encoding (main thread)", ("encode:",)),
    ("set-up", ("setup:",)),
    ("other Manim overhead", ("other:",)),
)


def print_breakdown(label: str, report: dict) -> None:
    rows = categorize(report)
    wall = report["wall"]
    print(f"\nWhere the time goes: {label} (main thread, wall s; render() {wall:.1f} s)")
    for group, prefixes in GROUPS:
        members = [(k, v) for k, v in rows if k.startswith(prefixes)]
        total = sum(v for _, v in members)
        print(f"  {group:<52} {total:8.1f}  {100 * total / wall:5.1f} %")
        for k, v in sorted(members, key=lambda kv: -kv[1]):
            if len(members) > 1 and v >= 0.005 * wall:
                print(f"      {k:<48} {v:8.1f}  {100 * v / wall:5.1f} %")
    enc = report["cpu"] - report["main_cpu"]
    print(f"  {'CPU: main thread / encoder + other threads':<52} "
          f"{report['main_cpu']:8.1f} / {enc:.1f} s")
    if report["missing"]:
        print(f"  (not found, not timed: {', '.join(report['missing'])})")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quality", default=None, choices=list("lmhpk"),
                        help="Manim quality letter (default h: 1920x1080 @ 60 fps)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: -q l, 300 and 3,000 points, 300 training epochs")
    parser.add_argument("--points", type=int, default=None, help="points of the base case (2,000)")
    parser.add_argument("--growth", type=int, default=None,
                        help="points of the growth case (10x --points); 0 skips it")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive Manim render")
    parser.add_argument("--no-floor", action="store_true", help="skip the encode-only floor")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timed step (median)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep videos and runs here")
    args = parser.parse_args()

    quality = args.quality or ("l" if args.quick else "h")
    n = args.points or (300 if args.quick else 2000)
    n_big = 10 * n if args.growth is None else args.growth
    epochs = QUICK_EPOCHS if args.quick else 0
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-render-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    me = str(Path(__file__).resolve())
    sizes = [n] + ([n_big] if n_big else [])

    from nnanim.media.render import QUALITIES

    q = QUALITIES[quality]
    print(f"layers scene, spirals 2-2-2-2 tanh, {q.width}x{q.height} @ {q.fps} fps; "
          f"work folder {work}", flush=True)

    times: dict[str, tuple[float, float]] = {}
    reports: dict[int, dict] = {}
    frames: dict[str, int] = {}

    def step(name: str, fn) -> tuple[float, float]:
        runs = [fn(i) for i in range(args.repeat)]
        times[name] = median_of(runs)
        spread = "" if len(runs) < 2 else (
            f" (wall {min(r[0] for r in runs):.1f}..{max(r[0] for r in runs):.1f})")
        print(f"  {name:<34} wall {times[name][0]:7.1f} s  CPU {times[name][1]:7.1f} s{spread}",
              flush=True)
        return times[name]

    runs = {m: work / f"run-{m}.npz" for m in sizes}
    for m in sizes:
        step(f"train {m:,}", lambda i, m=m: run_timed(
            [py, me, "--worker", "train", str(m), str(epochs), str(runs[m])],
            log=work / "train.log"))

    for m in sizes:
        video = work / f"nnanim-{m}-{quality}.mp4"

        def render_once(i, m=m, video=video):
            report = work / f"report-{m}-{i}.json"
            wall_cpu = run_timed([py, me, "--worker", "render", quality, str(runs[m]), str(video),
                                  str(report)], log=work / f"nnanim-{m}.log")
            reports.setdefault(m, json.loads(report.read_text()))
            return wall_cpu

        step(f"nnanim render {m:,}", render_once)
        frames[f"nnanim {m:,}"] = video_info(video)[0]

    if not args.no_naive:
        media = work / "naive-media"

        def naive_once(i):
            return run_timed(
                [py, "-m", "manim", "render", f"-q{quality}", "--disable_caching",
                 "--progress_bar", "none", "-v", "WARNING", "--media_dir", str(media),
                 "-o", f"naive-{n}", str(NAIVE), "NaiveLayers"],
                env={"NNANIM_RUN_FILE": str(runs[n])}, log=work / "naive.log")

        step(f"naive render {n:,}", naive_once)
        found = [p for p in media.rglob(f"naive-{n}.mp4") if "partial" not in str(p)]
        if found:
            frames[f"naive {n:,}"] = video_info(found[0])[0]

    source = work / f"nnanim-{n}-{quality}.mp4"
    if not args.no_floor:
        scratch = work / "floor.mp4"
        decode = step("decode only (floor baseline)",
                      lambda i: floor(source, {}, scratch, encode=False)[:2])
        ours = "nnanim x264 " + "/".join(f"{k}={v}" for k, v in q.x264)
        for label, opts in ((ours, dict(q.x264)), ("Manim default x264", {})):
            both = step(f"decode+encode, {label}",
                        lambda i, o=opts: floor(source, o, scratch, True)[:2])
            times[f"floor: {label}"] = (both[0] - decode[0], both[1] - decode[1])

    # ------------------------------------------------------------------ tables
    print(f"\nRender times ({q.width}x{q.height} @ {q.fps} fps; median of {args.repeat}; "
          f"CPU = user+sys, all threads)")
    print(f"  {'step':<44} {'wall s':>8} {'CPU s':>8}")
    for name, (wall, cpu) in times.items():
        if name.startswith(("decode", "train", "nnanim", "naive", "floor")):
            print(f"  {name:<44} {wall:8.1f} {cpu:8.1f}")
    for m in sizes:
        tr, rd = times[f"train {m:,}"], times[f"nnanim render {m:,}"]
        print(f"  {f'nnanim train + render {m:,}':<44} {tr[0] + rd[0]:8.1f} {tr[1] + rd[1]:8.1f}")
    print("  frames: " + ", ".join(f"{k} {v}" for k, v in frames.items()))

    def ratio(a: str, b: str, plus_train: bool = False) -> tuple[float, float] | None:
        if a not in times or b not in times:
            return None
        ta, tb = times[a], times[b]
        if plus_train:
            ta = tuple(x + y for x, y in zip(ta, times["train " + a.split()[-1]], strict=True))
            tb = tuple(x + y for x, y in zip(tb, times["train " + b.split()[-1]], strict=True))
        return ta[0] / tb[0], ta[1] / tb[1]

    print("\nRatios (wall, CPU)")
    floor_key = next((k for k in times if k.startswith("floor: nnanim")), None)
    rows = [
        (f"naive / nnanim ({n:,} points)", ratio(f"naive render {n:,}", f"nnanim render {n:,}"),
         "goal >= 5", lambda r: r >= 5),
        (f"{n_big:,} / {n:,} points (render)",
         ratio(f"nnanim render {n_big:,}", f"nnanim render {n:,}"), "goal <= 2", lambda r: r <= 2),
        (f"{n_big:,} / {n:,} points (train + render)",
         ratio(f"nnanim render {n_big:,}", f"nnanim render {n:,}", plus_train=True),
         "goal <= 2", lambda r: r <= 2),
        (f"nnanim / floor ({n:,} points)",
         ratio(f"nnanim render {n:,}", floor_key) if floor_key else None, "", None),
    ]
    for label, r, goal, ok in rows:
        if r is None:
            continue
        mark = "" if ok is None else ("  met" if ok(r[0]) else "  MISSED")
        print(f"  {label:<44} {r[0]:6.2f}x {r[1]:6.2f}x  {goal}{mark}")

    for m in sizes:
        if m in reports:
            print_breakdown(f"nnanim, {m:,} points", reports[m])


if __name__ == "__main__":
    main()
