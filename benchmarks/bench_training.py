"""Training speed against PyTorch on CPU, and the memory of a long recording.

    python benchmarks/bench_training.py [--quick]

Speed: the same network (2-input tanh MLP, one output logit), the same initial
weights (copied from nnanim's initialisation), the same data (moons, 2,000
points), full-batch Adam with the same lr/betas/eps and a mean binary
cross-entropy, timed side by side in one process.  nnanim records every epoch
(weights, loss, accuracy) through its public API; PyTorch only trains.  Epochs
per second are steady-state rates (dataset creation, initialisation and warm-up
excluded), the median of several interleaved repeats, so that a noisy machine
slows every contestant alike.  PyTorch runs in float64 (the same arithmetic:
the script checks that both weight sets agree after a few hundred steps) and in
float32 for reference, with its default number of threads and with one thread;
nnanim always uses one BLAS thread (see ``nnanim.core.record.train_on``).

Memory: recording 10,000 epochs of a 2-16-16-1 and a 2-16-16-2-1 network:
the tracemalloc peak of the training call, the peak RSS of a fresh process that
only trains (and of one that only imports), and the size of the run file.

PyTorch is optional (``pip install torch``); without it only nnanim's figures
are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from nnanim.core.data import make_dataset  # noqa: E402
from nnanim.core.record import Run, TrainConfig, train_on  # noqa: E402

try:
    import torch
except ImportError:  # the comparison is optional; nnanim's own figures still print
    torch = None
DEFAULT_THREADS = torch.get_num_threads() if torch is not None else 0

DATASET, N_SAMPLES, SEED = "moons", 2000, 0
LR, BETAS, EPS = 0.02, (0.9, 0.999), 1e-8
ARCHITECTURES = [[8, 8], [16, 16], [32, 32], [64, 64], [16, 16, 16, 2]]
MEMORY_ARCHITECTURES = [[16, 16], [16, 16, 2]]
MEMORY_EPOCHS = 10_000
GOAL_RATIO, GOAL_WIDTH, GOAL_MB = 3.0, 64, 50.0


def config(hidden: list[int], epochs: int) -> TrainConfig:
    return TrainConfig(dataset=DATASET, n_samples=N_SAMPLES, seed=SEED, hidden=hidden,
                       activation="tanh", optimizer="adam", lr=LR, epochs=epochs,
                       record_every=1)


# --------------------------------------------------------------------------- nnanim


def nnanim_rate(data, hidden: list[int], epochs: int) -> tuple[float, Run]:
    """Steady-state epochs/s of ``train_on``, recording every epoch.

    The clock runs from the progress report after the first epoch to the last
    report, so initialisation and building the run at the end are left out.
    """
    stamps: list[tuple[int, float]] = []
    run = train_on(data, config(hidden, epochs),
                   progress=lambda epoch, total, loss: stamps.append((epoch, time.perf_counter())))
    (e0, t0), (e1, t1) = stamps[0], stamps[-1]
    return (e1 - e0) / (t1 - t0), run


# --------------------------------------------------------------------------- PyTorch


class TorchTrainer:
    """``nn.Sequential`` of Linear + Tanh with nnanim's initial weights, full-batch Adam."""

    def __init__(self, data, run: Run, dtype, fused: bool = False) -> None:
        widths = run.widths
        layers: list = []
        for i in range(len(widths) - 1):
            layers.append(torch.nn.Linear(widths[i], widths[i + 1], dtype=dtype))
            if i < len(widths) - 2:
                layers.append(torch.nn.Tanh())
        self.model = torch.nn.Sequential(*layers)
        with torch.no_grad():
            for linear, W, b in zip(self.model[::2], run.weights, run.biases, strict=True):
                linear.weight.copy_(torch.from_numpy(W[0]))
                linear.bias.copy_(torch.from_numpy(b[0]))
        self.X = torch.from_numpy(data.X).to(dtype)
        self.y = torch.from_numpy(data.y).to(dtype)[:, None]
        self.loss_fn = torch.nn.BCEWithLogitsLoss()  # mean over samples
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS,
                                    fused=True if fused else None)

    def epochs(self, n: int) -> None:
        model, X, y, loss_fn, opt = self.model, self.X, self.y, self.loss_fn, self.opt
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(X), y).backward()
            opt.step()

    def weights(self) -> list[np.ndarray]:
        return [p.detach().to(torch.float64).numpy() for p in self.model.parameters()]

    def rate(self, seconds: float) -> float:
        """Epochs/s over at least ``seconds`` (and at least 10 epochs)."""
        done, chunk, start = 0, 10, time.perf_counter()
        while True:
            self.epochs(chunk)
            done += chunk
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return done / elapsed
            chunk = max(10, min(4 * chunk, int(done / elapsed * (seconds - elapsed)) + 1))


def torch_configs() -> list[tuple[str, object, int, bool]]:
    """(column label, dtype, threads, fused Adam); PyTorch's default thread count first."""
    out = [(f"f64 {DEFAULT_THREADS}T", torch.float64, DEFAULT_THREADS, False),
           ("f64 1T", torch.float64, 1, False),
           ("f64 1T fused", torch.float64, 1, True),
           (f"f32 {DEFAULT_THREADS}T", torch.float32, DEFAULT_THREADS, False),
           ("f32 1T", torch.float32, 1, False)]
    return list({label: (label, *rest) for label, *rest in out}.values())  # 1 default thread


def max_weight_difference(data, run: Run, epochs: int, fused: bool) -> float:
    """Train PyTorch (float64, one thread) ``epochs`` steps from run's start; max |ΔW|, |Δb|."""
    trainer = TorchTrainer(data, run, torch.float64, fused)
    trainer.epochs(epochs)
    ours = [a for W, b in zip(run.weights, run.biases, strict=True) for a in (W[epochs], b[epochs])]
    return max(float(np.max(np.abs(a - t))) for a, t in zip(ours, trainer.weights(), strict=True))


# --------------------------------------------------------------------------- speed


def speed(data, repeats: int, nn_epochs: int, torch_seconds: float,
          check_epochs: int) -> list[dict]:
    rows = []
    default_threads = DEFAULT_THREADS
    for hidden in ARCHITECTURES:
        arch = "-".join(map(str, [2, *hidden, 1]))
        nnanim_rate(data, hidden, 50)  # warm-up
        rates: dict[str, list[float]] = {"nnanim": []}
        trainers = {}
        run = None
        for _ in range(repeats):  # interleaved, so load spikes hit every column alike
            rate, run = nnanim_rate(data, hidden, nn_epochs)
            rates["nnanim"].append(rate)
            if torch is None:
                continue
            for label, dtype, threads, fused in torch_configs():
                torch.set_num_threads(threads)
                if label not in trainers:
                    trainers[label] = TorchTrainer(data, run, dtype, fused)
                    trainers[label].epochs(20)  # warm-up
                rates.setdefault(label, []).append(trainers[label].rate(torch_seconds))
            torch.set_num_threads(default_threads)
        row = {"arch": arch, "params": sum(W[0].size + b[0].size
                                          for W, b in zip(run.weights, run.biases, strict=True)),
               **{k: statistics.median(v) for k, v in rates.items()}}
        if torch is not None:
            torch.set_num_threads(1)
            row["diff"] = max_weight_difference(data, run, check_epochs, fused=False)
            row["diff fused"] = max_weight_difference(data, run, check_epochs, fused=True)
            torch.set_num_threads(default_threads)
        rows.append(row)
        print(f"  measured {arch}", file=sys.stderr, flush=True)
    return rows


def print_speed(rows: list[dict], repeats: int, nn_epochs: int, check_epochs: int) -> None:
    print(f"\nTraining speed: {DATASET}, {N_SAMPLES:,} points, full-batch Adam (lr {LR}), tanh; "
          f"epochs/s, median of {repeats}")
    print(f"nnanim records every epoch ({nn_epochs:,}-epoch runs)" + (
        "; PyTorch only trains. "
        f"'{DEFAULT_THREADS}T' = PyTorch's default thread count, '1T' = one thread."
        if torch is not None else "."))
    cols = ["nnanim"] + ([c[0] for c in torch_configs()] if torch is not None else [])
    head = f"{'network':<14} {'params':>6} " + " ".join(f"{c:>12}" for c in cols)
    if torch is not None:
        head += f" {'vs best f64':>11} {'vs best f32':>11} {'max |dW| f64':>13}"
    print(head)
    print("-" * len(head))
    for row in rows:
        line = f"{row['arch']:<14} {row['params']:>6} " + " ".join(f"{row[c]:>12.0f}" for c in cols)
        if torch is not None:
            best64 = max(row[c] for c in cols if c.startswith("f64"))
            best32 = max(row[c] for c in cols if c.startswith("f32"))
            diff = max(row["diff"], row["diff fused"])
            line += (f" {row['nnanim'] / best64:>10.1f}x {row['nnanim'] / best32:>10.1f}x"
                     f" {diff:>13.1e}")
        print(line)
    if torch is not None:
        print(f"'vs best': nnanim's rate divided by the fastest PyTorch column of that precision. "
              f"max |dW|: largest difference between nnanim's and PyTorch's float64 weights after "
              f"{check_epochs} epochs from the same start (default and fused Adam).")
        worst = min(r["nnanim"] / max(r[c] for c in cols if c.startswith("f64"))
                    for r in rows if max(int(w) for w in r["arch"].split("-")) <= GOAL_WIDTH)
        verdict = "met" if worst >= GOAL_RATIO else "NOT met"
        print(f"Goal: at least {GOAL_RATIO:g}x PyTorch (float64, best config) for widths up to "
              f"{GOAL_WIDTH}: {verdict} (lowest ratio {worst:.1f}x).")


# --------------------------------------------------------------------------- memory

_CHILD = """
import resource, sys, tempfile, os
sys.path.insert(0, {root!r})
import numpy as np
from nnanim.core.data import make_dataset
from nnanim.core.record import TrainConfig, train_on
if {train!r}:
    data = make_dataset({dataset!r}, n_samples={n}, seed={seed})
    cfg = TrainConfig(dataset={dataset!r}, n_samples={n}, seed={seed}, hidden={hidden!r},
                      optimizer="adam", lr={lr!r}, epochs={epochs}, record_every=1)
    run = train_on(data, cfg)
try:  # this process's own peak (ru_maxrss would include the parent's: Linux carries it over exec)
    with open("/proc/self/status") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
size = 0
if {train!r}:
    with tempfile.TemporaryDirectory() as tmp:
        size = os.path.getsize(run.save(os.path.join(tmp, "run.npz")))
print(rss, size)
"""


def child_rss(hidden: list[int] | None, epochs: int) -> tuple[float, float]:
    """Peak RSS (MB) of a fresh process that imports nnanim (and trains, if ``hidden``); file MB."""
    code = _CHILD.format(root=str(ROOT), train=hidden is not None, dataset=DATASET, n=N_SAMPLES,
                         seed=SEED, hidden=hidden, lr=LR, epochs=epochs)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss_kb, size = out.stdout.split()
    scale = 1024 if sys.platform != "darwin" else 1  # KiB on Linux, bytes on macOS
    return int(rss_kb) * scale / 1e6, int(size) / 1e6


def memory(data, epochs: int) -> list[dict]:
    rows = []
    base_rss, _ = child_rss(None, 0)
    for hidden in MEMORY_ARCHITECTURES:
        cfg = config(hidden, epochs)
        tracemalloc.start()
        run = train_on(data, cfg)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        params = sum(W[0].size + b[0].size for W, b in zip(run.weights, run.biases, strict=True))
        rss, size = child_rss(hidden, epochs)
        rows.append({"arch": "-".join(map(str, [2, *hidden, 1])), "params": params,
                     "record": params * (epochs + 1) * 8 / 1e6, "traced": peak / 1e6,
                     "rss": rss, "base": base_rss, "file": size})
        del run
    return rows


def print_memory(rows: list[dict], epochs: int) -> None:
    print(f"\nMemory: recording {epochs:,} epochs (+ epoch 0) of {DATASET}, "
          f"{N_SAMPLES:,} points; MB")
    head = (f"{'network':<12} {'params':>6} {'weights kept':>12} {'traced peak':>11} "
            f"{'peak RSS':>9} {'import-only RSS':>15} {'RSS growth':>10} {'run file':>9}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['arch']:<12} {r['params']:>6} {r['record']:>12.1f} {r['traced']:>11.1f} "
              f"{r['rss']:>9.1f} {r['base']:>15.1f} {r['rss'] - r['base']:>10.1f} "
              f"{r['file']:>9.1f}")
    print("weights kept: parameters x records x 8 bytes.  traced peak: tracemalloc peak of the "
          "train_on call (NumPy's arrays included).\npeak RSS: peak resident set (VmHWM; "
          "ru_maxrss elsewhere) of a fresh process that imports nnanim, trains and exits;\n"
          "import-only: the same imports, no training.")
    worst = max(r["traced"] for r in rows)
    print(f"Goal: under {GOAL_MB:g} MB of peak memory for the recording: "
          f"{'met' if worst < GOAL_MB else 'NOT met'} (largest traced peak {worst:.1f} MB; "
          f"largest RSS growth {max(r['rss'] - r['base'] for r in rows):.1f} MB).")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter runs")
    args = parser.parse_args(argv)
    repeats, nn_epochs, torch_seconds, check_epochs = (
        (3, 300, 0.25, 100) if args.quick else (5, 1000, 0.6, 300))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"PyTorch {torch.__version__ if torch is not None else 'not installed'}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start")
    if torch is None:
        print("PyTorch is not installed (pip install torch): printing nnanim's figures only.")

    data = make_dataset(DATASET, n_samples=N_SAMPLES, seed=SEED)
    rows = speed(data, repeats, nn_epochs, torch_seconds, check_epochs)
    print_speed(rows, repeats, nn_epochs, check_epochs)
    print_memory(memory(data, MEMORY_EPOCHS), MEMORY_EPOCHS)


if __name__ == "__main__":
    main()
