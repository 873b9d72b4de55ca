"""Config files through the command line: precedence, --dump-config, and checks before Manim."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from nnanim.cli import cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TINY = ["-n", "60", "--epochs", "20", "--hidden", "3,2"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def dumped(*args) -> dict:
    res = invoke(*args, "--dump-config")
    assert res.exit_code == 0, res.output
    return tomllib.loads(res.stdout)


@pytest.fixture(autouse=True)
def _work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNANIM_CACHE_DIR", str(tmp_path / "cache"))


def test_command_line_beats_file_beats_scene_defaults_beats_table_defaults(tmp_path):
    table = dumped("train")  # no scene: the table's defaults
    assert table["hidden"] == [16, 16, 16, 2] and table["epochs"] == 1500
    scene = dumped("render", "layers")  # the layers scene's defaults over the table's
    assert scene["scene"] == "layers"
    assert scene["hidden"] == [2, 2, 2, 2] and scene["epochs"] == 3000
    assert scene["batch_size"] == table["batch_size"] == 0 and scene["aspect"] == "16:9"

    config = tmp_path / "clip.toml"
    config.write_text('hidden = [3, 2]\nepochs = 7\nlr = 0.05\naspect = "9:16"\nquality = "l"\n')
    from_file = dumped("render", "layers", "--config", config)  # the file over the scene's
    assert from_file["hidden"] == [3, 2] and from_file["epochs"] == 7 and from_file["lr"] == 0.05
    assert from_file["aspect"] == "9:16" and from_file["quality"] == "l"
    assert from_file["dataset"] == "spirals"  # not in the file: the scene's

    both = dumped("render", "layers", "--config", config, "--epochs", "9", "-q", "m")
    assert both["epochs"] == 9 and both["quality"] == "m"  # the command line over the file
    assert both["hidden"] == [3, 2] and both["lr"] == 0.05 and both["aspect"] == "9:16"


def test_scene_from_the_file_and_the_argument_over_it(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('scene = "training"\nepochs = 5\n')
    assert dumped("render", "--config", config)["scene"] == "training"
    assert dumped("render", "layers", "--config", config)["scene"] == "layers"
    assert dumped("storyboard", "--config", config)["scene"] == "training"


def test_train_reads_its_config_file(tmp_path):
    config = tmp_path / "t.toml"
    config.write_text("epochs = 4\nhidden = [3, 2]\n")
    assert dumped("train", "--config", config)["epochs"] == 4
    assert dumped("train", "--config", config, "--epochs", "6")["epochs"] == 6


@pytest.mark.parametrize("command", [["render", "layers"], ["storyboard", "layers"], ["train"]])
def test_dump_config_is_a_config_that_gives_itself_back(tmp_path, command):
    first = invoke(*command, *TINY, "--dump-config")
    assert first.exit_code == 0, first.output
    config = tmp_path / "dumped.toml"
    config.write_text(first.stdout)
    again = invoke(command[0], "--config", config, "--dump-config")
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dumped.toml"]  # a dump writes nothing


def test_train_from_a_dumped_config_gives_the_same_run_bit_for_bit(tmp_path):
    res = invoke("train", *TINY, "--dump-config")
    assert res.exit_code == 0, res.output
    (tmp_path / "run.toml").write_text(res.stdout)
    assert invoke("train", "--config", "run.toml", "--quiet", "-o", "a.npz").exit_code == 0
    assert invoke("train", *TINY, "--quiet", "-o", "b.npz").exit_code == 0
    with np.load("a.npz", allow_pickle=False) as a, np.load("b.npz", allow_pickle=False) as b:
        assert a.files == b.files and "W0" in a.files
        for key in a.files:
            if key != "meta":
                assert a[key].dtype == b[key].dtype and a[key].tobytes() == b[key].tobytes(), key


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["render", "neurons", "-d", "sine"], "classification dataset"),
        (["storyboard", "multiclass", "-d", "sine"], "classification dataset"),
        (["render", "training", "--hidden", "8,3"], "needs 2 units"),
        (["render", "bottleneck", "--hidden", "8,4"], "needs 2 or 3 units"),
        (["render", "layers", "--epoch", "5000"], "will not be recorded"),
        (["render", "layers", "--config", "nowhere.toml"], "no such config file"),
    ],
)
def test_a_refusal_is_one_line_exit_2_fast_and_without_manim(tmp_path, args, needle):
    code = textwrap.dedent(f"""
        import atexit, sys, time
        # CPU seconds of the whole process: a shared machine's load does not count
        atexit.register(lambda: print("manim:", "manim" in sys.modules,
                                      "seconds:", time.process_time()))
        from nnanim.cli import main
        main({args!r})
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], proc.stderr
    manim, seconds = proc.stdout.split()[1], float(proc.stdout.split()[3])
    assert manim == "False"
    assert seconds < 1.0  # about 0.3 s: Python, numpy, the data and the check; no training
    assert list(tmp_path.iterdir()) == []


def test_dump_config_of_a_replayed_run_shows_what_it_was_trained_with(tmp_path):
    assert invoke("train", *TINY, "-d", "moons", "--quiet", "-o", "run.npz").exit_code == 0
    shown = dumped("render", "layers", "--run", "run.npz")
    assert shown["run"] == "run.npz"
    assert (shown["dataset"], shown["n_samples"], shown["hidden"], shown["epochs"]) == (
        "moons", 60, [3, 2], 20)  # not the layers scene's defaults (spirals, 2,2,2,2, 3000)
    config = tmp_path / "replay.toml"
    config.write_text(invoke("render", "layers", "--run", "run.npz", "--dump-config").stdout)
    assert dumped("render", "--config", config) == shown
