"""The command line: every bad value exits 2 with one line naming what is valid; no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnanim import __version__
from nnanim.cli import cli
from nnanim.core.data import DATASETS
from nnanim.core.nn import ACTIVATIONS
from nnanim.core.record import Run


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_version_and_help_list_every_command_and_option():
    assert __version__ in invoke("--version").output
    out = invoke("--help").output
    for command in ("train", "info", "datasets", "render", "scenes"):
        assert command in out
    train_help = " ".join(invoke("train", "--help").output.split())
    for option in ("--dataset", "--samples", "--noise", "--classes", "--seed", "--hidden",
                   "--activation", "--optimizer", "--lr", "--epochs", "--batch-size", "--l2",
                   "--record-every", "--output", "--quiet"):
        assert option in train_help
    assert "default: 16,16,16,2 (real data 4,4,2)]" in train_help and "default: spirals]" in train_help
    assert "(per scene)" not in train_help and "train and report only" in train_help
    render_help = invoke("render", "--help").output
    for option in ("--run", "--epoch", "--quality", "--fps", "--format", "--transparent",
                   "--output", "--preview"):
        assert option in render_help


def test_datasets_lists_every_builtin():
    out = invoke("datasets").output
    for name in DATASETS:
        assert name in out
    assert "csv:PATH" in out and "expr:" in out


def test_scenes_lists_layers():
    assert "layers" in invoke("scenes").output


def test_train_writes_a_run_and_info_reads_it(tmp_path):
    path = tmp_path / "moons.npz"
    res = invoke("train", "--dataset", "moons", "--hidden", "6,2", "--epochs", "200", "-o", path)
    assert res.exit_code == 0, res.output
    run = Run.load(path)
    assert run.epochs[-1] == 200 and run.widths == [2, 6, 2, 1]
    assert f"accuracy {run.accuracy[-1]:.1%}" in res.output and "final loss" in res.output
    info = invoke("info", path)
    assert info.exit_code == 0
    assert "2 → 6 → 2 → 1" in info.output and "moons" in info.output
    assert f"{run.loss[-1]:.4f}" in info.output and "201 (epochs 0..200" in info.output


def test_quiet_prints_nothing(tmp_path):
    res = invoke("train", "-d", "xor", "--epochs", "20", "--quiet", "-o", tmp_path / "r.npz")
    assert res.exit_code == 0 and res.output == ""


@pytest.mark.parametrize(
    "args,needle",
    [
        (["train", "--dataset", "nope"], "moons"),
        (["train", "--activation", "swish"], ", ".join(ACTIVATIONS)),
        (["train", "--optimizer", "rmsprop"], "sgd"),
        (["train", "--hidden", "8,,0"], "positive integers"),
        (["train", "--hidden", "8,0"], "between 1 and"),
        (["train", "--epochs", "-1"], "-1"),
        (["train", "--lr", "0"], "greater than 0"),
        (["train", "--lr", "abc"], "abc"),
        (["train", "-o", "/dev/null/x.npz"], "not a directory"),
        (["train", "--dataset", "moons", "--classes", "3"], "spirals"),
        (["info", "missing.npz"], "no such file"),
        (["render", "nope"], "layers"),
        (["render", "layers", "-t", "-o", "x.mp4"], "webm"),
        (["render", "layers", "--format", "avi"], "mp4"),
        (["render", "layers", "-q", "z"], "choose from: l, m, h, p, k"),
        (["render", "layers", "--run", "missing.npz"], "no such file"),
        (["render", "layers", "--dataset", "nope"], "moons"),
        (["render", "training", "--lr", "0"], "greater than 0"),
        (["render", "layers", "--hidden", "2,2", "--activation", "tanh,relu,relu"], "one per layer"),
        (["storyboard", "layers", "--dataset", "csv:missing.csv"], "missing.csv"),
    ],
)
def test_bad_values_exit_2_with_the_valid_choices(args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_corrupted_run_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 broken")
    for args in (["info", bad], ["render", "layers", "--run", bad]):
        res = invoke(*args)
        assert res.exit_code == 1 and "bad.npz" in res.output and "Traceback" not in res.output


def test_divergent_training_names_the_epoch_and_writes_nothing(tmp_path):
    out = tmp_path / "run.npz"
    res = invoke("train", "-d", "moons", "--activation", "linear", "--optimizer", "sgd",
                 "--lr", "1000", "--epochs", "500", "-o", out)
    assert res.exit_code == 1
    assert "diverged at epoch" in res.output and "lower learning rate" in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_console_script_reports_errors_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nnanim.cli", "train", "--dataset", "csv:nowhere.csv"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "nowhere.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_same_seed_same_file(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for path in (a, b):
        res = invoke("train", "-d", "circles", "--epochs", "30", "--seed", "4", "--quiet", "-o", path)
        assert res.exit_code == 0
    ra, rb = Run.load(a), Run.load(b)
    assert all(np.array_equal(x, y) for x, y in zip(ra.weights, rb.weights))


def test_bad_training_options_through_the_api_are_one_line_errors(tmp_path):
    from nnanim.errors import NnanimError
    from nnanim.media.render import RenderSettings, render

    with pytest.raises(NnanimError, match="choose from moons"):
        render("layers", RenderSettings(quality="l", output=tmp_path / "x.mp4"), {"dataset": "nope"})
    assert list(tmp_path.iterdir()) == []


def test_train_creates_a_missing_output_folder(tmp_path):
    out = tmp_path / "new" / "deeper" / "run.npz"
    res = invoke("train", "-n", "60", "--epochs", "5", "--hidden", "3,2", "--quiet", "-o", out)
    assert res.exit_code == 0, res.output
    assert Run.load(out).epochs[-1] == 5


def test_train_an_autoencoder_and_info_describes_it(tmp_path):
    path = tmp_path / "ae.npz"
    res = invoke("train", "-d", "swiss-roll", "--task", "autoencoder", "-n", "200", "--epochs", "80",
                 "-o", path)
    assert res.exit_code == 0, res.output
    run = Run.load(path)
    assert run.task == "autoencoder" and run.widths == [3, 16, 2, 16, 3]
    # the reconstruction error, recomputed here from the file's last weights
    net = run.network()
    h = run.X
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        h = np.tanh(h @ W.T + b)
    mse = float(np.mean((h @ net.weights[-1].T + net.biases[-1] - run.X) ** 2))
    assert f"reconstruction error (MSE) {mse:.4g}" in res.output
    info = invoke("info", path)
    assert info.exit_code == 0, info.output
    assert "format 2" in info.output and "autoencoder" in info.output
    assert "3 → 16 → 2 → 16 → 3" in info.output and "code width 2" in info.output
    assert "200 points of 3 dimensions" in info.output
    assert f"reconstruction error (MSE) {mse:.4g}" in info.output and "accuracy" not in info.output


def test_a_bad_task_lists_the_choices():
    res = invoke("train", "-d", "moons", "--task", "pca")
    assert res.exit_code == 2 and "choose from: autoencoder" in res.output


def test_cli_passes_a_theme_file_on_to_the_scene(tmp_path, monkeypatch):
    import nnanim.media.render as r
    from nnanim.theme import load_theme

    calls = []
    monkeypatch.setattr(r, "render", lambda job, settings: calls.append(job.options) or "x")
    path = tmp_path / "mine.json"  # the dark theme under another name
    dark = Path(__file__).resolve().parents[1] / "assets" / "themes" / "dark.json"
    path.write_text(json.dumps({**json.loads(dark.read_text()), "name": "mine"}))
    res = CliRunner().invoke(cli, ["render", "layers", "--theme", str(path)])
    assert res.exit_code == 0, res.output
    assert calls[0]["theme"] == str(path) and load_theme(calls[0]["theme"]).name == "mine"
