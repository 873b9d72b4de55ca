"""Peak memory, CPU use and the ``--jobs`` speed-up of ``nnanim render layers``.

Each render runs in its own subprocess (``python -m nnanim.cli render layers``,
the scene's defaults, trained once beforehand and replayed with ``--run``);
``os.wait4`` gives that process's peak resident memory (the largest of it and
its worker processes) and its CPU time (user + system, all threads and
workers).  CPU / wall is how many of the machine's cores the render kept busy.

    python benchmarks/bench_memory.py                 # -q h and -q k, serial
    python benchmarks/bench_memory.py -q h --jobs 2   # and the same render with --jobs 2
    python benchmarks/bench_memory.py -q l --duration 3   # a quick look

Run one benchmark at a time: memory figures are stable under load, wall
times are not (compare CPU columns and ratios from one run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(argv: list[str], env: dict) -> dict:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "nnanim.cli", *argv], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode()
    child.stderr.close()
    if status != 0:
        raise SystemExit(f"render failed: {' '.join(argv)}\n{err}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"peak_mb": usage.ru_maxrss / 1024, "wall": wall, "cpu": cpu, "sys": usage.ru_stime,
            "cores": cpu / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quality", action="append", help="quality letters (default: h, k)")
    parser.add_argument("--jobs", type=int, default=1, help="also render with --jobs N")
    parser.add_argument("--duration", type=float, help="video length in seconds (default: the scene's)")
    args = parser.parse_args()
    qualities = args.quality or ["h", "k"]

    from nnanim.contract import resolve

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = {**os.environ, "NNANIM_CACHE_DIR": str(folder / "cache")}
        job = resolve("layers", {}, "render")
        run, _ = job.ensure_run()
        run_file = run.save(folder / "layers.npz")
        extra = ["--duration", str(args.duration)] if args.duration else []
        print(f"{'render':<24}{'peak MB':>9}{'wall s':>9}{'CPU s':>9}{'sys s':>8}{'CPU/wall':>10}")
        for q in qualities:
            rows = [("serial", [])] + ([(f"--jobs {args.jobs}", ["--jobs", str(args.jobs)])]
                                       if args.jobs > 1 else [])
            walls = []
            for name, more in rows:
                r = measure(["render", "layers", "-q", q, "--run", str(run_file), "--quiet", *extra,
                             *more, "-o", str(folder / f"{q}.mp4")], env)
                walls.append(r["wall"])
                print(f"{'-q ' + q + ' ' + name:<24}{r['peak_mb']:>9.0f}{r['wall']:>9.1f}{r['cpu']:>9.1f}"
                      f"{r['sys']:>8.1f}{r['cores']:>10.2f}", flush=True)
            if len(walls) == 2:
                print(f"{'-q ' + q + ' speed-up':<24}{walls[0] / walls[1]:>27.2f}x")


if __name__ == "__main__":
    main()
