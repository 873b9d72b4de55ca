"""The render and training cache: hits return the same file at once, any change misses, the size
limit evicts the oldest, `nnanim cache clear` empties it, interrupted renders leave nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnanim
from nnanim.cli import cli
from nnanim.contract import SceneContract, resolve
from nnanim.core import record
from nnanim.errors import NnanimError
from nnanim.media import cache
from nnanim.media import render as r

TINY = {"dataset": "moons", "epochs": 30, "n_samples": 80, "duration": 1.0}
FRAME = {"size": [160, 90], "fps": 3.0, "format": "mp4", "transparent": False, "chapters": False,
         "subtitles": False, "background": None}


@pytest.fixture(autouse=True)
def _cache_keeps(monkeypatch):
    """The default limit here (conftest keeps nothing in the other tests)."""
    monkeypatch.delenv(cache.LIMIT_ENV, raising=False)


def trained(**options):
    job = resolve("layers", {**TINY, **options})
    job.ensure_run()
    return job


# --------------------------------------------------------------------------- keys


def test_the_render_key_changes_with_every_input(isolated_cache, tmp_path, monkeypatch):
    base = cache.render_key(trained(), FRAME)
    assert cache.render_key(trained(), FRAME) == base  # the same again (a cached run: same arrays)
    assert cache.render_key(trained(output="elsewhere.mp4", preview=True, no_cache=True), FRAME) == base
    for change in ({"aspect": "9:16"}, {"seed": 1}, {"epochs": 31}, {"epoch": 0}, {"duration": 2.0},
                   {"theme": "light"}, {"activation": "relu"}):
        assert cache.render_key(trained(**change), FRAME) != base, change
    for key, value in (("size", [90, 160]), ("fps", 4.0), ("format", "webm"), ("chapters", True),
                       ("background", "#000000")):
        assert cache.render_key(trained(), {**FRAME, key: value}) != base, key

    # a theme file: its content counts, not its name
    theme = json.loads((Path(nnanim.__file__).parent.parent / "assets/themes/dark.json").read_text())
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({**theme, "name": "mine"}))
    mine = cache.render_key(trained(theme=str(path)), FRAME)
    path.write_text(json.dumps({**theme, "name": "mine", "boundary": "#FF0000"}))
    assert cache.render_key(trained(theme=str(path)), FRAME) != mine

    # nnanim's version (and its source) are part of every key
    monkeypatch.setattr(cache, "__version__", "999.0")
    cache.code_digest.cache_clear()
    try:
        assert cache.render_key(trained(), FRAME) != base
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()
    assert cache.render_key(trained(), FRAME) == base


def test_the_run_key_changes_with_the_training(isolated_cache):
    job = resolve("layers", TINY)
    base = cache.run_key(job.data, job.config)
    assert cache.run_key(resolve("layers", {**TINY, "theme": "light"}).data, job.config) == base
    for change in ({"seed": 2}, {"lr": 0.03}, {"n_samples": 81}, {"noise": 0.2}, {"hidden": [2, 2]}):
        other = resolve("layers", {**TINY, **change})
        assert cache.run_key(other.data, other.config) != base, change


def test_a_storyboard_s_training_is_not_repeated_by_the_render(isolated_cache, monkeypatch):
    calls = []
    real = record.train_on

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(record, "train_on", counting)
    first = resolve("layers", TINY, "storyboard")
    first.ensure_run()
    again = resolve("layers", TINY, "render")
    run, _ = again.ensure_run()
    assert len(calls) == 1 and run.cached
    for a, b in zip(first.run.weights, run.weights):
        assert (a == b).all()
    resolve("layers", {**TINY, "no_cache": True}).ensure_run()
    assert len(calls) == 2


def test_nnanim_train_says_when_its_run_came_from_the_cache(isolated_cache):
    args = ["train", "-d", "xor", "--epochs", "20", "-n", "50", "-o", "run.npz"]
    runner = CliRunner()
    first = runner.invoke(cli, args)
    again = runner.invoke(cli, args)
    fresh = runner.invoke(cli, [*args, "--no-cache"])
    assert first.exit_code == again.exit_code == fresh.exit_code == 0
    assert " epochs in " in first.output and "from the cache" not in first.output
    assert again.output.rstrip().endswith(f"20 epochs (from the cache) → {Path.cwd() / 'run.npz'}")
    assert " epochs in " in fresh.output and "from the cache" not in fresh.output


# --------------------------------------------------------------------------- renders


def test_a_second_render_is_the_same_file_at_once(isolated_cache, tmp_path, monkeypatch):
    plays = []
    real = r._run_scene
    monkeypatch.setattr(r, "_run_scene", lambda *a, **k: plays.append(1) or real(*a, **k))
    options = {**TINY, "quality": "l", "fps": 3, "short_side": 90, "chapters": True}

    started = time.perf_counter()
    first = nnanim.render("layers", **options, output=str(tmp_path / "a.mp4"))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    second = nnanim.render("layers", **options, output=str(tmp_path / "b" / "b.mp4"))
    warm = time.perf_counter() - started
    assert plays == [1]
    assert second.read_bytes() == first.read_bytes()
    assert (tmp_path / "b" / "b.chapters.txt").read_text() == (tmp_path / "a.chapters.txt").read_text()
    assert warm < 1.0 and warm < cold / 3, (cold, warm)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["b.chapters.txt", "b.mp4"]

    fresh = nnanim.render("layers", **options, no_cache=True, output=str(tmp_path / "c.mp4"))
    assert plays == [1, 1]
    assert fresh.read_bytes() == first.read_bytes()  # deterministic: the same frames, the same bytes
    assert cache.usage().renders == 1  # the fresh render replaced the entry
    assert list((isolated_cache / "renders").iterdir()) == []


def test_the_size_limit_evicts_the_least_recently_used(isolated_cache, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.LIMIT_ENV, "25k")
    files = []
    for n, name in enumerate("abc"):
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(bytes([n]) * 10_000)
        files.append(path)
    cache.store_render("a", files[0])
    cache.store_render("b", files[1])
    past = time.time() - 100
    os.utime(isolated_cache / "outputs" / "a", (past, past))
    os.utime(isolated_cache / "outputs" / "b", (past + 10, past + 10))
    assert cache.fetch_render("a", tmp_path / "again.mp4")  # a hit makes "a" the most recent
    cache.store_render("c", files[2])
    assert sorted(p.name for p in (isolated_cache / "outputs").iterdir()) == ["a", "c"]
    assert cache.usage().bytes == 20_000
    assert not cache.fetch_render("b", tmp_path / "b-again.mp4")
    assert not (tmp_path / "b-again.mp4").exists()


@pytest.mark.parametrize("text, expected", [("", cache.DEFAULT_LIMIT), ("500M", 500 * 10**6),
                                            ("2G", 2 * 10**9), ("1.5gb", 15 * 10**8), ("1234", 1234),
                                            ("0", 0)])
def test_limit(monkeypatch, text, expected):
    monkeypatch.setenv(cache.LIMIT_ENV, text)
    assert cache.limit() == expected


def test_a_bad_limit_is_one_line(monkeypatch):
    monkeypatch.setenv(cache.LIMIT_ENV, "lots")
    with pytest.raises(NnanimError, match=r"\$NNANIM_CACHE_LIMIT='lots': give a size such as 500M"):
        cache.limit()


def test_cache_info_and_clear(isolated_cache, tmp_path):
    trained()
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x" * 1000)
    cache.store_render("k", video)
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert f"folder   {isolated_cache}" in info.output
    assert "entries  1 renders, 1 training runs" in info.output
    assert "of 2.0 GB ($NNANIM_CACHE_LIMIT)" in info.output
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 1 renders and 1 training runs" in cleared.output
    assert cache.usage().renders == cache.usage().runs == 0
    assert "entries  0 renders, 0 training runs" in runner.invoke(cli, ["cache", "info"]).output


# --------------------------------------------------------------------------- interrupted renders


class Explodes(SceneContract):
    """Plays once, then raises ``Explodes.error`` in the middle of the second play."""

    defaults = {"epochs": 5, "n_samples": 40}
    error = ValueError

    def construct(self):
        from manim import LEFT, RIGHT, Square

        square = Square(fill_opacity=1)
        self.play(square.animate.shift(RIGHT), run_time=0.5)
        error = self.error

        def explode(mobject, dt):
            if self.time > 0.8:
                raise error("boom")

        square.add_updater(explode)
        self.play(square.animate.shift(LEFT), run_time=1)


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_an_interrupted_render_leaves_nothing_in_the_cache(isolated_cache, monkeypatch, error):
    monkeypatch.setattr(Explodes, "error", error)
    with pytest.raises(error, match="boom"):
        r.render(Explodes, r.RenderSettings(quality="l", fps=6, short_side=90, progress=False,
                                            output=Path("clip.mp4")))
    assert list(Path.cwd().iterdir()) == []
    assert list((isolated_cache / "renders").iterdir()) == []
    assert cache.usage().renders == 0


def test_the_work_folder_of_a_killed_render_is_swept(isolated_cache, tmp_path):
    """SIGKILL runs no clean-up: the folder stays, unlocked, and the next cache write removes it."""
    code = textwrap.dedent(f"""
        import nnanim
        nnanim.render("layers", dataset="moons", epochs=30, n_samples=80, duration=30, quality="l",
                      fps=6, short_side=90, output={str(tmp_path / 'slow.mp4')!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
    renders = isolated_cache / "renders"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # until Manim has written its first partial movie
            if any(renders.glob("render-*/videos/**/partial_movie_files/**/*.mp4")) or \
                    any(renders.glob("render-*/partial_movies/**/*.mp4")):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the render never started")
        (folder,) = renders.iterdir()
        assert cache.sweep_work() == 0  # held by a running render: kept
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        child.kill()
        child.wait()
    assert folder.exists() and not (tmp_path / "slow.mp4").exists()
    past = time.time() - 3600
    os.utime(folder / ".lock", (past, past))  # the lock's grace minute is over
    assert cache.sweep_work() == 1
    assert list(renders.iterdir()) == []
