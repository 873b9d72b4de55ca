"""Renders under stress: two at once sharing one cache, and a disk that fills up.

Two renders at once used to fail each other ("internal error": Manim parses
a text's SVG through a temporary file in its text folder and deletes it, and
the folder was shared); each render now keeps those files in its own work
folder.  A full disk is one line and leaves nothing at the output path.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SMALL = ["-q", "l", "--duration", "2", "-n", "100", "--epochs", "60", "--hidden", "2,2", "--quiet"]


def _nnanim(*args, cache, cwd):
    env = {**os.environ, "NNANIM_CACHE_DIR": str(cache)}
    env.pop("NNANIM_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "nnanim.cli", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("target", ["same", "different"])
def test_two_renders_at_once_both_succeed(tmp_path, decode_frames, target):
    cache = tmp_path / "cache"
    names = ["clip.mp4", "clip.mp4"] if target == "same" else ["a.mp4", "b.mp4"]
    for _ in range(2):
        children = [_nnanim("render", "layers", *SMALL, "-o", name, cache=cache, cwd=tmp_path)
                    for name in names]
        results = [child.communicate(timeout=300) for child in children]
        for child, (_out, err) in zip(children, results):
            assert child.returncode == 0, err
            assert err == ""
        for name in set(names):
            frames, fps = decode_frames(tmp_path / name)
            assert fps == 15 and len(frames) >= 30
    assert sorted(os.listdir(tmp_path)) == sorted({*names, "cache"})
    assert os.listdir(cache / "renders") == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("full", ["output", "cache"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, full):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        out = disk if full == "output" else tmp_path / "out"
        cache = tmp_path / "cache" if full == "output" else disk / "cache"
        out.mkdir(exist_ok=True)
        child = _nnanim("render", "layers", *SMALL, "--subtitles", "-o", out / "clip.mp4",
                        cache=cache, cwd=tmp_path)
        _, err = child.communicate(timeout=300)
        assert child.returncode in (1, 2), err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert "No space left on device" in err
        assert os.listdir(out) == []
        renders = cache / "renders"
        assert not renders.exists() or os.listdir(renders) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)
