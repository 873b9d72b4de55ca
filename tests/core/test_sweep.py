"""Sweep files: the product of option lists, the checks, the output names (pure: nothing renders)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from nnanim.errors import NnanimError
from nnanim.media.sweep import load_sweep, slug

SWEEP = """\
output = "clips/{scene}-{dataset}-{aspect}-{theme}.{format}"
quality = "l"
fps = "3"
epochs = 40

[sweep]
scene = ["layers", "training"]
dataset = ["moons", "xor", "circles"]
aspect = ["16:9", "9:16"]
theme = ["dark", "light"]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_items_are_the_product_in_the_file_s_order(tmp_path):
    items = load_sweep(write(tmp_path, SWEEP)).items(base=tmp_path)
    expected = list(itertools.product(["layers", "training"], ["moons", "xor", "circles"],
                                      ["16:9", "9:16"], ["dark", "light"]))
    assert [(i.scene, i.options["dataset"], i.options["aspect"], i.options["theme"]) for i in items] \
        == expected
    assert [i.index for i in items] == list(range(1, 25))
    first = items[0]
    # fixed options are on every item, checked and converted by the option table
    assert first.options["quality"] == "l" and first.options["fps"] == 3.0 and first.options["epochs"] == 40
    assert first.output == tmp_path / "clips" / "layers-moons-16x9-dark.mp4"
    assert first.options["output"] == str(first.output)
    assert items[-1].output.name == "training-circles-9x16-light.mp4"
    assert first.label == "layers · moons · 16:9 · dark"
    assert first.describe() == "scene=layers, dataset=moons, aspect=16:9, theme=dark"
    assert len({i.output for i in items}) == 24


def test_a_fixed_scene_lists_and_values_in_names(tmp_path):
    text = """\
scene = "layers"
output = "out/{dataset}-{hidden}-{activation}-{lr}.{format}"
format = "webm"
[sweep]
dataset = ["csv:data/points.csv", "expr:x*y > 0"]
hidden = [[8, 2], [16, 16, 2]]
activation = ["tanh", "relu,tanh"]
lr = [0.02, 1]
"""
    items = load_sweep(write(tmp_path, text)).items(base=tmp_path)
    assert len(items) == 16 and {i.scene for i in items} == {"layers"}
    names = [i.output.name for i in items]
    assert names[0] == "csv_data_points.csv-8-2-tanh-0.02.webm"
    assert "expr_x_y_0-16-16-2-relu-tanh-1.webm" in names
    assert items[0].options["hidden"] == [8, 2] and items[0].options["format"] == "webm"
    assert items[2].options["activation"] == ["relu", "tanh"]


def test_slug():
    assert slug("16:9") == "16x9"
    assert slug([16, 16, 2]) == "16-16-2"
    assert slug(3.0) == "3" and slug(0.5) == "0.5"
    assert slug("a b/c") == "a_b_c"
    assert slug("::") == "_"


@pytest.mark.parametrize("text, message", [
    ("output = 'a.mp4'\nscene = 'layers'\nbogus = 1\n", "unknown option 'bogus'; valid: dataset"),
    ("output = 'a-{dataset}.mp4'\nscene = 'layers'\n[sweep]\ndataset = 'moons'\n",
     "[sweep] key 'dataset': give a list of values"),
    ("output = 'a-{dataset}.mp4'\nscene = 'layers'\n[sweep]\ndataset = []\n",
     "[sweep] key 'dataset': give a list of values"),
    ("output = 'a-{aspect}.mp4'\nscene = 'layers'\n[sweep]\naspect = ['16:9', '3:2']\n",
     "[sweep] key 'aspect': unknown value '3:2'; choose from: 16:9, 9:16, 1:1, 4:3"),
    ("output = 'a-{fps}.mp4'\nscene = 'layers'\n[sweep]\nfps = [3, 3.0]\n",
     "[sweep] key 'fps': '3' is listed twice"),
    ("output = 'a-{theme}.mp4'\nscene = 'layers'\n[sweep]\ndataset = ['moons', 'xor']\n",
     "{theme} is not a key of the sweep; use {dataset}, {format}, {scene}"),
    ("scene = 'layers'\n", "give the output name pattern"),
    ("output = 'a.mp4'\n", "no scene: give scene"),
    ("output = 'a-{scene}.mp4'\n[sweep]\nscene = ['layers', 'nope']\n",
     "[sweep] key 'scene': unknown scene 'nope'; choose from: "),
    ("output = 'a.mp4'\nscene = 'layers'\n[fixed]\nquality = 'l'\n", "[fixed]: the only table is [sweep]"),
    ("output = 'a.mp4'\nscene = 'layers'\nquality = 'l'\n[sweep]\nquality = ['l', 'm']\n",
     "key 'quality' is both fixed and in [sweep]"),
    ("output = 'a-{scene.x}.mp4'\nscene = 'layers'\n", "{scene.x} is not a key of the sweep"),
    ("output = 'a-{dataset.mp4'\nscene = 'layers'\n", "write {{ and }} for braces"),
    ("output = 'a.mp4'\nscene = 'layers\n", "line 2: not valid TOML"),
])
def test_a_bad_sweep_file_is_one_line_naming_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(NnanimError) as error:
        load_sweep(path).items(base=tmp_path)
    assert message in str(error.value)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_two_items_with_one_output_are_refused_naming_what_differs(tmp_path):
    text = SWEEP.replace("-{theme}", "")
    with pytest.raises(NnanimError) as error:
        load_sweep(write(tmp_path, text)).items(base=tmp_path)
    assert str(error.value) == (
        f"{tmp_path / 'sweep.toml'}: items 1 and 2 both write "
        f"{tmp_path / 'clips' / 'layers-moons-16x9.mp4'}; put {{theme}} in output")


def test_a_missing_file(tmp_path):
    with pytest.raises(NnanimError, match="no such sweep file"):
        load_sweep(tmp_path / "nope.toml")


def test_outputs_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    items = load_sweep(write(tmp_path, SWEEP)).items()
    assert items[0].output == tmp_path / "clips" / "layers-moons-16x9-dark.mp4"


def test_the_readme_s_sweep_file(tmp_path):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n# clips.toml\n", 1)[1].split("```", 1)[0]
    items = load_sweep(write(tmp_path, block, "clips.toml")).items(base=tmp_path)
    assert len(items) == 36 and "(here 2 x 3 x 3 x 2 = 36)" in block
    assert items[0].output == tmp_path / "clips" / "layers-moons-16x9-dark.mp4"
    assert items[0].options["chapters"] is True and items[0].options["quality"] == "m"
