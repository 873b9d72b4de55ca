"""The option table: its rows, their parsers, config files and --dump-config (pure: no manim)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from nnanim import options as opts
from nnanim.contract import resolve_training
from nnanim.core.record import TRAINING_KEYS, TrainConfig
from nnanim.errors import NnanimError
from nnanim.options import COMMANDS, OPTIONS, dump_config, load_config, options_for, parse_options

#: one value every row must refuse (a new row without one here fails the test below)
BAD = {
    "dataset": "  ",
    "n_samples": "0",
    "noise": "-0.1",
    "classes": "1",
    "seed": "-1",
    "hidden": "8,,0",
    "activation": "swish",
    "optimizer": "rmsprop",
    "lr": "0",
    "epochs": "-1",
    "batch_size": "-1",
    "l2": "-1",
    "task": "classify",
    "record_every": "0",
    "run": "",
    "model": "",
    "epoch": "-3",
    "theme": "neon",
    "duration": "0",
    "aspect": "2:1",
    "cross": "x.real",
    "point": "1,x",
    "quality": "z",
    "fps": "0",
    "format": "avi",
    "transparent": "maybe",
    "chapters": "maybe",
    "subtitles": "2",
    "frames": "13",
    "columns": "0",
    "output": "",
    "preview": "sometimes",
    "no_cache": "perhaps",
    "jobs": "0",
}

#: a valid value of every row that differs from its default (for the round trip)
GOOD = {
    "dataset": "moons",
    "n_samples": 123,
    "noise": 0.15,
    "classes": 2,
    "seed": 7,
    "hidden": [5, 3, 2],
    "activation": ["relu", "tanh", "tanh"],
    "optimizer": "momentum",
    "lr": 0.05,
    "epochs": 40,
    "batch_size": 16,
    "l2": 0.001,
    "task": "autoencoder",
    "record_every": 4,
    "run": "runs/moons.npz",
    "model": "ckpt/epoch_*.safetensors",
    "epoch": 20,
    "theme": "light",
    "duration": 12.5,
    "aspect": "9:16",
    "cross": "x*y",
    "point": [0.5, -0.25],
    "quality": "m",
    "fps": 24.0,
    "format": "webm",
    "transparent": True,
    "chapters": True,
    "subtitles": True,
    "frames": 6,
    "columns": 2,
    "output": "out/clip.webm",
    "preview": True,
    "no_cache": True,
    "jobs": 2,
}


def train_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(TrainConfig)}


def test_training_rows_are_exactly_the_fields_of_trainconfig():
    rows = [o.name for o in OPTIONS if o.group == "Data and model"]
    assert set(rows) == train_fields() and len(rows) == len(set(rows))
    assert set(TRAINING_KEYS) == train_fields()
    assert {o.name for o in options_for("train")} == train_fields() | {"output", "no_cache"}
    for command in ("render", "storyboard"):  # the commands that train before they draw
        assert train_fields() <= {o.name for o in options_for(command)}


def test_rows_are_well_formed():
    names = [o.name for o in OPTIONS]
    assert len(names) == len(set(names))
    flags = [f for o in OPTIONS for f in o.flags]
    assert len(flags) == len(set(flags))
    for o in OPTIONS:
        assert o.commands and o.commands <= set(COMMANDS), o.name
        assert o.long == "--" + o.name.replace("_", "-") or o.name == "n_samples", o.name
        assert o.help and "\n" not in o.help, o.name
        if o.default is None:
            assert o.default_text, f"{o.name}: a row decided later says by what"
    assert {o.name: o.flags for o in OPTIONS}["quality"] == ("-q", "--quality")
    assert "-q" not in {f for o in options_for("train") for f in o.flags}  # train: --quiet only


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.name)
def test_every_parser_refuses_a_bad_value_and_accepts_its_default(option):
    assert option.name in BAD, f"add a bad value of {option.name!r} to BAD"
    with pytest.raises(ValueError) as caught:
        option.parse(BAD[option.name])
    message = str(caught.value)
    assert message.strip() and "\n" not in message
    for choice in option.choice_list():  # a choice lists every valid value
        assert choice in message
    if option.default is not None:
        assert option.parse(option.default) == option.default
    assert option.parse(GOOD[option.name]) == GOOD[option.name]


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("lr", "0", "greater than 0"),
        ("duration", "nan", "greater than 0 and at most 3600"),
        ("duration", "0", "greater than 0 and at most 3600, not 0"),
        ("fps", "500", "from 1 to 240"),
        ("frames", "5", "from 6 to 12"),
        ("epochs", "1.5", "whole number"),
        ("epochs", True, "whole number"),
        ("hidden", [8, "x"], "whole numbers"),
        ("hidden", "8,0", "between 1 and 4096"),
        ("activation", "tanh,swish", "tanh"),
        ("theme", "neon", "dark, light"),
        ("quality", "z", "l, m, h, p, k"),
    ],
)
def test_messages_name_what_is_valid(name, value, needle):
    with pytest.raises(ValueError, match=needle):
        opts.get_option(name).parse(value)


def test_parsers_convert_what_the_shell_gives():
    get = opts.get_option
    assert get("hidden").parse("8, 8,2") == [8, 8, 2]
    assert get("hidden").parse(4) == [4]
    assert get("activation").parse("tanh,ReLU") == ["tanh", "relu"]
    assert get("epochs").parse(" 12 ") == 12 and get("epochs").parse(12.0) == 12
    assert get("lr").parse("1e-3") == 0.001
    assert get("optimizer").parse("Adam") == "adam"
    assert get("transparent").parse("yes") is True and get("preview").parse("0") is False


def test_parse_options_names_the_option_and_lists_the_valid_ones():
    with pytest.raises(NnanimError) as caught:
        parse_options("train", {"epoch": 3})
    message = str(caught.value)
    assert "unknown option 'epoch'" in message and "\n" not in message
    assert all(o.name in message for o in options_for("train"))
    with pytest.raises(NnanimError, match="^--lr: must be greater than 0"):
        parse_options("render", {"lr": 0})
    with pytest.raises(NnanimError, match="^f.toml: key 'lr': must be greater than 0"):
        parse_options("render", {"lr": 0}, "f.toml: ")
    # None means "not given" and is dropped; the rest comes back checked
    assert parse_options("render", {"lr": None, "epochs": "9"}) == {"epochs": 9}


# --------------------------------------------------------------------------- config files


def test_malformed_toml_is_one_line_with_the_file_and_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('dataset = "moons"\nepochs = 40\nhidden = [8, 2\nlr = 0.1\n')
    with pytest.raises(NnanimError) as caught:
        load_config(path, "render")
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "not valid TOML" in message
    assert "line 3" in message or "line 4" in message  # tomllib reports where it gave up
    path.write_text('dataset = "moons"\nepochs =\n')
    with pytest.raises(NnanimError, match=r"bad\.toml, line 2: not valid TOML"):
        load_config(path, "train")
    path.write_text('dataset = "moons"\nhidden = [8, 2\n')  # unclosed at the end of the file
    with pytest.raises(NnanimError, match=r"bad\.toml, line 2: not valid TOML"):
        load_config(path, "train")


def test_unknown_key_is_named_with_the_valid_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('datset = "moons"\n')
    with pytest.raises(NnanimError) as caught:
        load_config(path, "render")
    message = str(caught.value)
    assert str(path) in message and "unknown key 'datset'" in message and "\n" not in message
    assert all(o.name in message for o in options_for("render")) and "scene" in message
    path.write_text('scene = "layers"\n')  # train shows no scene
    with pytest.raises(NnanimError, match="unknown key 'scene'"):
        load_config(path, "train")
    path.write_text('[render]\nepochs = 3\n')
    with pytest.raises(NnanimError, match=r"\[render\]: tables are not used"):
        load_config(path, "render")


@pytest.mark.parametrize(
    ("text", "key"),
    [("lr = -1", "lr"), ('hidden = "8,x"', "hidden"), ('aspect = "2:1"', "aspect"),
     ('transparent = "maybe"', "transparent"), ("epochs = 2.5", "epochs"), ("scene = 3", "scene")],
)
def test_bad_value_names_the_key(tmp_path, text, key):
    path = tmp_path / "c.toml"
    path.write_text(text + "\n")
    with pytest.raises(NnanimError) as caught:
        load_config(path, "render")
    message = str(caught.value)
    assert f"{path}: key {key!r}" in message and "\n" not in message


def test_missing_config_file_is_one_line(tmp_path):
    with pytest.raises(NnanimError, match="no such config file"):
        load_config(tmp_path / "nowhere.toml", "render")


@pytest.mark.parametrize("command", COMMANDS)
def test_dump_then_load_gives_the_same_values(tmp_path, command):
    values = {o.name: GOOD[o.name] for o in options_for(command)}
    scene = None if command == "train" else "layers"
    path = tmp_path / "c.toml"
    path.write_text(dump_config(values, command, scene=scene))
    loaded = load_config(path, command)
    expected = parse_options(command, values)
    if scene is not None:
        expected["scene"] = scene
    assert loaded == expected
    assert list(loaded) == list(expected)  # the table's order


def test_dump_of_a_resolved_training_job_round_trips(tmp_path):
    job = resolve_training({"dataset": "moons", "hidden": "6,2", "epochs": "30", "optimizer": "sgd"})
    values = job.resolved_options()
    path = tmp_path / "train.toml"
    path.write_text(dump_config(values, "train"))
    again = resolve_training(load_config(path, "train"))
    assert again.resolved_options() == values
    # the per-dataset defaults are written out, so the same data is built
    same = {k: v for k, v in dataclasses.asdict(job.config).items()
            if k not in ("n_samples", "noise", "classes")}
    assert {k: dataclasses.asdict(again.config)[k] for k in same} == same
    assert again.data.params == job.data.params
    assert np.array_equal(again.data.X, job.data.X) and np.array_equal(again.data.y, job.data.y)


def test_markdown_table_lists_every_option_of_a_command():
    table = opts.markdown_table("render")
    for o in options_for("render"):
        assert f"`{o.name}`" in table and o.long in table


def test_options_and_layout_do_not_import_manim():
    code = ("import sys; import nnanim.options, nnanim.layout, nnanim.contract; "
            "from nnanim.contract import resolve; resolve('layers', {'epochs': 5}); "
            "print(sorted(m for m in sys.modules if m == 'manim' or m.startswith('manim.')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_readme_tables_are_the_option_table():
    """README.md's option tables are generated (python -m nnanim.options README.md)."""
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- options:") >= 3
    assert opts.fill_tables(readme) == readme, "run: python -m nnanim.options README.md"
