"""Regenerate the README gallery: every still in docs/img/ from one table.

    python docs/gallery.py                 # every still (renders each video once, at 1080p)
    python docs/gallery.py layers-input    # only the stills named (and the videos they need)
    python docs/gallery.py --quality m     # 720p, faster; the README's stills are 1080p

Each still is one frame of ``nnanim render SCENE [options]`` at a time in the
video, given as a fraction of its length (so a change of pacing keeps the
picture close to its beat) or in seconds.  Videos shared by several stills
are rendered once.  Stills are written as JPEG (quality 88), vertical and square ones
at half size, to keep the repository small.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent / "img"

#: still -> (scene, options, time: a float in [0, 1] = fraction of the video, or "12.5s")
STILLS: dict[str, tuple[str, tuple[str, ...], float | str]] = {
    "layers-input": ("layers", (), 0.02),
    "layers-middle": ("layers", (), 0.55),
    "layers-output": ("layers", (), 1.0),
    "layers-vertical": ("layers", ("--aspect", "9:16"), 0.55),
    "training-vertical": ("training", ("--aspect", "9:16"), 0.6),
    "bottleneck-square": ("bottleneck", ("--aspect", "1:1"), 1.0),
    "ring-lift": ("layers", ("-d", "disk-ring", "--hidden", "3,3,2"), 0.2),
    "ring-3d": ("layers", ("-d", "disk-ring", "--hidden", "3,3,2"), 0.6),
    "ring-output": ("layers", ("-d", "disk-ring", "--hidden", "3,3,2"), 1.0),
    "multiclass-input": ("multiclass", (), 0.02),
    "multiclass-output": ("multiclass", (), 1.0),
    "real-iris-input": ("layers", ("-d", "iris"), 0.08),
    "real-iris-middle": ("layers", ("-d", "iris"), 0.55),
    "real-digits-input": ("layers", ("-d", "digits", "--classes", "10"), 0.08),
    "real-digits-output": ("layers", ("-d", "digits", "--classes", "10"), 1.0),
    "topology-before": ("topology", (), 0.3),
    "topology-width2": ("topology", (), 0.42),
    "topology-width3": ("topology", (), 0.9),
    "training-early": ("training", (), 0.15),
    "training-end": ("training", (), 1.0),
    "bottleneck": ("bottleneck", (), 1.0),
    "neurons": ("neurons", (), 1.0),
    "regression-fit": ("regression", (), 0.6),
    "regression-plane": ("regression", (), 0.95),
    "layers-sine": ("layers", ("-d", "sine"), 1.0),
    "training-ripple": ("training", ("-d", "ripple"), 1.0),
    "activations-regions": ("activations", (), 0.3),
    "activations-end": ("activations", (), 1.0),
    "linear-vs-hidden": ("linear-vs-hidden", (), 1.0),
    "feature-cross-xor": ("feature-cross", (), 0.3),
    "feature-cross-spirals": ("feature-cross", (), 0.9),
    "autoencoder-code": ("autoencoder", (), 0.45),
    "autoencoder-reconstruction": ("autoencoder", (), 1.0),
    "autoencoder-roll": ("autoencoder", ("-d", "swiss-roll"), 0.6),
    "by-hand-product": ("by-hand", (), 0.2),
    "by-hand-relu": ("by-hand", (), 0.45),
}


def _frame(video: Path, when: float | str):
    """The decoded frame at ``when`` (a fraction of the video or ``"Ns"``), as a PIL image."""
    import av

    with av.open(str(video)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
        rate = float(container.streams.video[0].average_rate)
    if isinstance(when, str):
        index = round(float(when.rstrip("s")) * rate)
    else:
        index = round(when * (len(frames) - 1))
    return frames[min(max(index, 0), len(frames) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stills", nargs="*", help=f"names from: {', '.join(STILLS)}")
    parser.add_argument("--quality", default="h", choices=list("lmh"))
    args = parser.parse_args()
    unknown = [s for s in args.stills if s not in STILLS]
    if unknown:
        parser.error(f"unknown still {unknown[0]!r}; choose from {', '.join(STILLS)}")
    wanted = args.stills or list(STILLS)
    videos: dict[tuple[str, tuple[str, ...]], Path] = {}
    with tempfile.TemporaryDirectory() as work:
        for name in wanted:
            scene, options, when = STILLS[name]
            key = (scene, options)
            if key not in videos:
                out = Path(work) / f"{len(videos)}.mp4"
                cmd = [sys.executable, "-m", "nnanim.cli", "render", scene, *options, "-q", args.quality,
                       "-o", str(out), "--quiet"]
                print(" ".join(["nnanim", *cmd[3:-3]]), flush=True)
                subprocess.run(cmd, check=True)
                videos[key] = out
            image = _frame(videos[key], when).convert("RGB")
            if image.width <= image.height:  # vertical and square stills at half size
                image = image.resize((image.width // 2, image.height // 2))
            image.save(HERE / f"{name}.jpg", quality=88, optimize=True)
            print(f"  {name}.jpg", flush=True)


if __name__ == "__main__":
    main()
