"""Batch throughput: one sweep as `nnanim batch -j N` against the same renders as a serial shell loop.

    python benchmarks/bench_batch.py              # 12 renders at 480p15 (2 scenes x 3 datasets x 2 shapes)
    python benchmarks/bench_batch.py --quick      # 4 renders, 3 fps, 2 s long: a smoke test

The serial loop is what a user writes without ``nnanim batch``: one
``nnanim render ... -o FILE`` per item, one after the other (each a fresh
process, so each pays Python's and Manim's start-up and trains its network;
items that share a training find it in the training cache, as they would in a
shell loop today).  The batch renders the same items from a sweep file, with
an empty cache of its own.  Then: the batch again (every output exists: all
skipped), and one item rendered again with ``nnanim render`` to a new file
(the render cache's second-render time against that item's first).  Every
output of the batch is compared with the loop's, byte for byte.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENES = ("layers", "training")
DATASETS = ("moons", "circles", "xor")
ASPECTS = ("16:9", "9:16")


def run(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 tiny renders (a smoke test)")
    parser.add_argument("-j", "--workers", type=int, default=2, help="batch worker processes")
    args = parser.parse_args()

    if args.quick:
        scenes, datasets, fixed = SCENES[:1], DATASETS[:2], {"fps": 3, "duration": 2, "epochs": 300}
    else:
        scenes, datasets, fixed = SCENES, DATASETS, {}
    fixed = {"quality": "l", **fixed}
    items = list(itertools.product(scenes, datasets, ASPECTS))
    nnanim = [sys.executable, "-m", "nnanim.cli"]

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "NNANIM_CACHE_LIMIT"}  # the default limit

        def flags(options: dict) -> list[str]:
            out = []
            for key, value in options.items():
                out += ["-q" if key == "quality" else "--" + key.replace("_", "-"), str(value)]
            return out

        # the serial loop, its own empty cache
        loop_env = {**env, "NNANIM_CACHE_DIR": str(root / "cache-loop")}
        loop_times = []
        for scene, dataset, aspect in items:
            out = root / "loop" / f"{scene}-{dataset}-{aspect.replace(':', 'x')}.mp4"
            cmd = [*nnanim, "render", scene, "-d", dataset, "--aspect", aspect, *flags(fixed),
                   "-o", str(out), "--quiet"]
            loop_times.append(run(cmd, loop_env))
        serial = sum(loop_times)

        # the batch, its own empty cache
        lines = ['output = "batch/{scene}-{dataset}-{aspect}.mp4"']
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in fixed.items()]
        lines += ["[sweep]", f"scene = {list(scenes)!r}", f"dataset = {list(datasets)!r}",
                  f"aspect = {list(ASPECTS)!r}"]
        sweep = root / "sweep.toml"
        sweep.write_text("\n".join(lines).replace("'", '"') + "\n")
        batch_env = {**env, "NNANIM_CACHE_DIR": str(root / "cache-batch")}
        cmd = [*nnanim, "batch", str(sweep), "-j", str(args.workers), "--quiet"]
        os.chdir(root)
        parallel = run(cmd, batch_env)
        rerun = run(cmd, batch_env)

        # the cache: the first item once more, to a new file
        scene, dataset, aspect = items[0]
        again = [*nnanim, "render", scene, "-d", dataset, "--aspect", aspect, *flags(fixed),
                 "-o", str(root / "again.mp4"), "--quiet"]
        second = run(again, loop_env)

        same = all((root / "loop" / p.name).read_bytes() == p.read_bytes()
                   for p in (root / "batch").iterdir())

    n = len(items)
    shape = " x ".join(f"{len(x)} {what}" for x, what in ((scenes, "scenes"), (datasets, "datasets"),
                                                          (ASPECTS, "shapes")))
    print(f"sweep: {n} renders ({shape}), options {fixed}, {os.cpu_count()} cores")
    print(f"{'serial loop of nnanim render':<34} {serial:7.1f} s  {n / serial * 60:6.1f} renders/min")
    print(f"{f'nnanim batch -j {args.workers}':<34} {parallel:7.1f} s  {n / parallel * 60:6.1f} renders/min"
          f"  {serial / parallel:.2f}x the loop")
    print(f"{'nnanim batch again (all skipped)':<34} {rerun:7.1f} s")
    print(f"{'one render again (from the cache)':<34} {second:7.1f} s  (its first render: "
          f"{loop_times[0]:.1f} s)")
    print(f"batch outputs identical to the loop's: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
