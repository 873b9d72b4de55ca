"""`nnanim batch` on Dask: a LocalCluster of 2 workers on loopback, and a scheduler the test starts
itself; a second run skips everything; a failing item leaves the others done.

Renders are tiny (480p at 3 frames per second, one second long); each test pays for its cluster's
workers importing Manim once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnanim.cli import cli
from nnanim.media import batch

distributed = pytest.importorskip("distributed")

SWEEP = """\
output = "clips/{scene}-{dataset}-{aspect}.mp4"
quality = "l"
fps = 3
duration = 1
epochs = 30
n_samples = 80

[sweep]
scene = ["layers"]
dataset = [DATASETS]
aspect = ["16:9", "9:16"]
"""


def sweep_file(folder: Path, datasets: str) -> Path:
    path = folder / "clips.toml"
    path.write_text(SWEEP.replace("DATASETS", datasets), encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, ["batch", *args], catch_exceptions=False)


def count_submits(monkeypatch) -> list[str]:
    """The names of the functions the batch submits to the cluster, in order."""
    names: list[str] = []
    real = distributed.Client.submit

    def submit(self, func, *args, **kwargs):
        names.append(func.__name__)
        return real(self, func, *args, **kwargs)

    monkeypatch.setattr(distributed.Client, "submit", submit)
    return names


def test_a_sweep_on_a_local_cluster_then_a_rerun_that_skips_everything(
        isolated_cache, monkeypatch, decode_frames):
    path = sweep_file(Path.cwd(), '"moons", "no-such-data"')
    submits = count_submits(monkeypatch)
    first = invoke(str(path), "-j", "2")
    assert first.exit_code == 1, first.output  # one item failed
    clips = Path.cwd() / "clips"
    good = [clips / "layers-moons-16x9.mp4", clips / "layers-moons-9x16.mp4"]
    assert sorted(clips.iterdir()) == good  # nothing half-written beside them
    for video, shape in zip(good, [(480, 854), (854, 480)]):
        frames, fps = decode_frames(video)
        assert fps == 3 and frames.shape[1:3] == shape and len(frames) >= 3
    # both moons items share one training: one task, whose run both render tasks take
    assert submits == ["train_task", "render_task", "render_task"]
    lines = first.output.splitlines()
    assert "4 items: 2 rendered, 0 skipped (done before), 2 failed" in lines[-1]
    failed = [line for line in lines if line.startswith("failed: item 3")]
    from nnanim.core.data import list_datasets

    names = ", ".join([name for name, _ in list_datasets() if ":" not in name])
    assert failed == ["failed: item 3 (scene=layers, dataset=no-such-data, aspect=16:9): unknown "
                      f"dataset 'no-such-data'; choose from {names}, csv:PATH or expr:EXPRESSION"]
    assert any(line.split()[:3] == ["1", "layers", "·"] and "done" in line
               and line.rstrip().endswith(" clips/layers-moons-16x9.mp4") for line in lines)

    stamps = [v.stat().st_mtime_ns for v in good]
    submits.clear()
    # nothing left to do starts no cluster (a wall-clock bound here failed on a loaded machine)
    def no_cluster(*args, **kwargs):
        raise AssertionError("a rerun with nothing to do started a cluster")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    again = invoke(str(path), "-j", "2")
    assert again.exit_code == 1  # the bad dataset is still bad; nothing else was done
    assert "4 items: 0 rendered, 2 skipped (done before), 2 failed" in again.output
    assert submits == [] and [v.stat().st_mtime_ns for v in good] == stamps

    dry = invoke(str(path), "--dry-run")
    assert dry.exit_code == 0
    assert dry.output.splitlines()[0].split()[:2] == ["1", "done"]
    assert dry.output.splitlines()[3].split()[:3] == ["4", "to", "do"]


def test_a_sweep_on_a_scheduler_the_test_started(isolated_cache, monkeypatch, decode_frames):
    path = sweep_file(Path.cwd(), '"xor"')
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = invoke(str(path), "--scheduler", cluster.scheduler_address, "--quiet")
        assert result.exit_code == 0, result.output
        # the workers are the cluster's: the batch started none of its own
        assert len(cluster.scheduler.workers) == 2
    assert result.output.splitlines() == [
        result.output.splitlines()[0]]  # --quiet: the last line only
    assert result.output.startswith("2 items: 2 rendered, 0 skipped (done before), 0 failed")
    for name in ("layers-xor-16x9.mp4", "layers-xor-9x16.mp4"):
        assert len(decode_frames(Path.cwd() / "clips" / name)[0]) >= 3


def test_leftovers_of_a_killed_batch_are_removed_and_broken_outputs_redone(tmp_path):
    from nnanim.media.sweep import load_sweep

    items = load_sweep(sweep_file(tmp_path, '"moons"')).items(base=tmp_path)
    clips = tmp_path / "clips"
    clips.mkdir()
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    leftover = clips / f".layers-moons-16x9.partial-{dead}-abc123.mp4"
    leftover.write_bytes(b"half")
    alive = clips / f".layers-moons-9x16.partial-{os.getpid()}-abc123.mp4"
    alive.write_bytes(b"being written")
    other = clips / f".someone-else.partial-{dead}-abc123.mp4"
    other.write_bytes(b"not ours")
    assert batch.remove_leftovers(items) == 1
    assert not leftover.exists() and alive.exists() and other.exists()

    items[0].output.write_bytes(b"not a video")
    assert not batch.complete(items[0]) and not batch.complete(items[1])


def test_without_dask_one_line_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # "import distributed" fails
    result = CliRunner().invoke(cli, ["batch", str(sweep_file(tmp_path, '"moons"'))])
    assert result.exit_code == 2
    assert result.output.strip() == ("Error: nnanim batch runs on Dask, which is not installed: "
                                     "pip install 'nnanim[batch]'")


def test_a_bad_sweep_file_exits_2_in_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('output = "a.mp4"\nscene = "layers"\nqualty = "l"\n')
    result = CliRunner().invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {path}: unknown option 'qualty'; valid: ")
    assert len(result.output.strip().splitlines()) == 1


def test_a_render_in_a_spawned_process_leaves_no_semaphore(tmp_path):
    """A batch worker is a spawned process: there a multiprocessing lock is a named semaphore,
    unlinked only if the process exits normally.  Manim's first progress bar (tqdm) made one, so a
    worker stopped mid-render left it behind and the resource tracker warned of a leaked semaphore
    when the batch ended; a render makes none."""
    import json
    import subprocess
    import textwrap

    code = textwrap.dedent(f"""
        import gc, json, multiprocessing
        multiprocessing.set_start_method("spawn")  # as in a Dask worker
        import multiprocessing.synchronize as synchronize
        from manim import Scene, Square
        from nnanim.media.render import RenderSettings, render

        class Moving(Scene):
            def construct(self):
                square = Square()
                self.add(square)
                self.play(square.animate.shift([1, 0, 0]), run_time=0.4)

        render(Moving, RenderSettings(quality="l", fps=5, short_side=32, progress=False,
                                      output={str(tmp_path / "moving.mp4")!r}))
        print(json.dumps([o._semlock.name for o in gc.get_objects()
                          if isinstance(o, synchronize.SemLock) and o._semlock.name]))
    """)
    env = {**os.environ, "NNANIM_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
