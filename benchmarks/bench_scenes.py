"""Render cost of every scene, side by side: seconds of rendering per second of video.

    python benchmarks/bench_scenes.py              # 1080p60, 2,000 points, a 20 s `training`
    python benchmarks/bench_scenes.py --quick      # 480p15, 300 points

Each scene trains its own default network on ``--points`` points first (timed
separately) and is then rendered from that run file in a fresh subprocess;
wall and CPU time (user + sys, all threads, so the encoder's threads count)
come from ``getrusage(RUSAGE_CHILDREN)``.  The video's length is read back
from the file with PyAV.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENES = ("layers", "training", "bottleneck", "regression", "linear-vs-hidden", "feature-cross",
          "activations", "multiclass", "topology", "by-hand", "neurons", "autoencoder")


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    cpu0, t0 = _child_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t0, _child_cpu() - cpu0


def worker(kind: str, scene: str, n: int, run: str, out: str, quality: str, duration: float) -> None:
    from nnanim.media.render import RenderSettings, get_scene, render

    cls = get_scene(scene)
    if kind == "train":
        from nnanim.core.record import TrainConfig, train

        train(TrainConfig(**{**cls.defaults, "n_samples": n})).save(run)
    else:
        options = {"run": run, "duration": duration}
        render(scene, RenderSettings(quality=quality, output=Path(out), progress=False), options)


def video_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return float(s.frames / s.average_rate)


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        kind, scene, n, run, out, quality, duration = sys.argv[2:9]
        worker(kind, scene, int(n), run, out, quality, float(duration))
        return
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quality", default=None, choices=list("lmhpk"))
    parser.add_argument("--points", type=int, default=None)
    parser.add_argument("--duration", type=float, default=20.0, help="length of the training video")
    parser.add_argument("--quick", action="store_true", help="-q l and 300 points")
    parser.add_argument("--scenes", default=",".join(SCENES))
    args = parser.parse_args()
    quality = args.quality or ("l" if args.quick else "h")
    n = args.points or (300 if args.quick else 2000)
    work = Path(tempfile.mkdtemp(prefix="bench-scenes-"))
    me, py = str(Path(__file__).resolve()), sys.executable

    from nnanim.media.render import QUALITIES

    q = QUALITIES[quality]
    print(f"{q.width}x{q.height} @ {q.fps} fps, {n:,} points; CPU = user+sys, all threads")
    print(f"  {'scene':<17} {'train s':>8} {'render wall s':>14} {'render CPU s':>13} {'video s':>8}"
          f" {'wall s per video s':>19} {'CPU s per video s':>18}")
    for scene in args.scenes.split(","):
        run, out = work / f"{scene}.npz", work / f"{scene}.mp4"
        common = [scene, str(n), str(run), str(out), quality, str(args.duration)]
        train_wall, _ = timed([py, me, "--worker", "train", *common])
        wall, cpu = timed([py, me, "--worker", "render", *common])
        length = video_seconds(out)
        print(f"  {scene:<17} {train_wall:8.1f} {wall:14.1f} {cpu:13.1f} {length:8.1f}"
              f" {wall / length:19.2f} {cpu / length:18.2f}", flush=True)


if __name__ == "__main__":
    main()
