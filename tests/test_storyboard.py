"""Storyboards: a contact sheet of key frames, and the --theme/--duration scene options.

Tiny scenes defined here render in well under a second at the storyboard's
draft size; one real ``nnanim storyboard layers`` run with small options checks
the whole command. Sheets are read back with PIL and judged by their pixels.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from manim import DOWN, LEFT, RIGHT, Dot, FadeIn, Scene, Square, linear
from PIL import Image
from storyboards import FailsMidway

import nnanim.media.render as r
import nnanim.media.storyboard as sb
from nnanim.cli import cli
from nnanim.errors import NnanimError
from nnanim.media.render import RenderError
from nnanim.media.storyboard import STORYBOARD_SIZE, sheet_geometry, storyboard
from nnanim.theme import load_theme

W, H = STORYBOARD_SIZE
#: scene units per pixel at the draft size (the frame is 8 units high)
UNIT = H / 8


class Steps(Scene):
    """A red square stepping right, one unit per move, with short transitions between moves."""

    options = {"moves": 9, "seconds": 1, "wait": True}

    def construct(self):
        square = Square(side_length=1.2, fill_color="#FF0000", fill_opacity=1, stroke_width=0)
        square.move_to(4.5 * LEFT)
        self.add(square)
        for k in range(self.options["moves"]):
            if k:
                self.play(FadeIn(Dot(3 * DOWN), run_time=0.25))  # a transition: not a key moment
            self.play(square.animate.shift(RIGHT), run_time=self.options["seconds"],
                      rate_func=linear)
        if self.options["wait"]:
            self.wait(1)  # the same picture again: not a key moment either


class Still(Scene):
    def construct(self):
        self.add(Square(fill_opacity=1))


@pytest.fixture(autouse=True)
def cache(isolated_cache):
    return isolated_cache


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def no_leftovers(cache: Path) -> bool:
    renders = cache / "renders"
    return not renders.exists() or names(renders) == []


def read(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int)


def crop(sheet: np.ndarray, box) -> np.ndarray:
    x, y, w, h = box
    return sheet[y : y + h, x : x + w]


def red_centroid_x(tile: np.ndarray) -> float:
    red = (tile[..., 0] > 180) & (tile[..., 1:].max(axis=-1) < 80)
    assert red.sum() > 0.5 * (1.2 * UNIT) ** 2, "the square is missing"
    return float(np.nonzero(red)[1].mean())


def near(region: np.ndarray, colour: str, tolerance: int = 40) -> np.ndarray:
    rgb = np.array([int(colour.lstrip("#")[k : k + 2], 16) for k in (0, 2, 4)])
    return np.abs(region - rgb).max(axis=-1) <= tolerance


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ------------------------------------------------------------------- the sheet


def test_sheet_is_a_grid_of_animation_ends_in_time_order_with_labels(cache):
    out = storyboard(Steps, output="sheet.png", frames=9, columns=3)

    assert out == Path.cwd() / "sheet.png"
    assert names(Path.cwd()) == ["sheet.png"] and no_leftovers(cache)
    sheet = read(out)
    geometry = sheet_geometry(9, 3)
    gap, label = geometry.gap, geometry.labels[0][3]
    # 3 x 3 tiles of the draft size, even gaps around and between them
    assert sheet.shape == (3 * (H + label) + 4 * gap, 3 * W + 4 * gap, 3)
    assert [t[2:] for t in geometry.tiles] == [(W, H)] * 9
    assert sorted({t[0] for t in geometry.tiles}) == [gap, 2 * gap + W, 3 * gap + 2 * W]
    assert sorted({t[1] for t in geometry.tiles}) == [gap + k * (H + label + gap) for k in range(3)]

    dark = load_theme("dark")
    # the theme's background around the tiles and between them
    assert near(sheet[: gap - 1], dark.background, 2).all()
    assert near(sheet[:, W + gap + 2 : W + 2 * gap - 1], dark.background, 2).all()

    tiles = [crop(sheet, box) for box in geometry.tiles]
    assert all(tile.std() > 10 for tile in tiles)  # not blank
    # each tile is the end of one move: the square one unit further right, in order
    xs = [red_centroid_x(tile) for tile in tiles]
    expected = [W / 2 + (k - 3.5) * UNIT for k in range(9)]
    assert xs == pytest.approx(expected, abs=2)
    # every label strip carries text in the label colour (the time), on the background
    for box in geometry.labels:
        strip = crop(sheet, box)
        assert near(strip, dark.foreground, 60).sum() > 20
        assert near(strip, dark.background, 8).mean() > 0.6


def test_few_animations_are_filled_with_frames_between_them():
    # no wait at the end: the last tile is the finished picture, not the last frame written
    out = storyboard(Steps, {"moves": 2, "seconds": 3, "wait": False}, "two.png", frames=6)

    sheet = read(out)
    geometry = sheet_geometry(6, 3)
    assert sheet.shape[:2] == geometry.size[::-1] and len(geometry.tiles) == 6
    xs = [red_centroid_x(crop(sheet, box)) for box in geometry.tiles]
    assert np.all(np.diff(xs) > 5)  # six different moments, in time order
    assert xs[-1] == pytest.approx(W / 2 - 2.5 * UNIT, abs=2)  # the end of the last move


def test_sheet_takes_the_theme_and_columns():
    out = storyboard(Steps, {"moves": 7, "theme": "light"}, "light", frames=7, columns=4)

    assert out.name == "light.png"
    sheet = read(out)
    geometry = sheet_geometry(7, 4)
    assert sheet.shape[:2] == geometry.size[::-1]
    assert sheet.shape[1] == 4 * W + 5 * geometry.gap  # two rows of four, the last not full
    assert near(sheet[: geometry.gap - 1], load_theme("light").background, 2).all()
    empty = (geometry.tiles[-1][0] + W + geometry.gap, geometry.tiles[-1][1], W, H)
    assert near(crop(sheet, empty), load_theme("light").background, 2).all()


def test_key_frame_choice_keeps_first_and_last_and_spreads_the_rest():
    images = [np.zeros((1, 40, 3), np.uint8) for _ in range(40)]
    for k, image in enumerate(images):
        image[0, k] = 255  # forty different pictures
    plays = [sb._Play(float(k), 1.0, k, 1) for k in range(40)]
    chosen = sb._key_frames([float(k) for k in range(40)], images, plays, 9)
    assert chosen[0] == 1 and chosen[-1] == 39  # the end of the first play, the last frame
    assert len(chosen) == 9 and np.ptp(np.diff(chosen)) <= 1


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frames": 5}, "frames: must be from 6 to 12, not 5"),
        ({"frames": 13}, "frames: must be from 6 to 12, not 13"),
        ({"columns": 0}, "columns: must be from 1 to 12"),
        ({"output": "sheet.jpg"}, "ending in .png"),
        ({"options": {"theme": "neon"}}, "choose from: dark, light"),
        ({"options": {"duration": 0}}, "duration: must be greater than 0 and at most 3600"),
        ({"options": {"aspect": "2:1"}}, "choose from: 16:9, 9:16, 1:1, 4:3"),
    ],
)
def test_bad_requests_are_refused_before_any_work(kwargs, message, cache):
    with pytest.raises(NnanimError, match=message):
        storyboard(Steps, **kwargs)
    assert names(Path.cwd()) == [] and not cache.exists()


def test_render_refuses_unknown_theme_and_bad_duration(cache):
    for options, message in [({"theme": "neon"}, "dark, light"),
                             ({"duration": -1.0}, "greater than 0 and at most 3600")]:
        with pytest.raises(NnanimError, match=message):
            r.render(Steps, r.RenderSettings(quality="l", progress=False), options)
    assert names(Path.cwd()) == [] and not cache.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        res = invoke("storyboard", "layers", "-o", locked / "sheet.png")
        assert res.exit_code == 2 and "cannot write to" in res.output
        assert names(locked) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["storyboard", "layers", "--frames", "5"], "must be from 6 to 12"),
        (["storyboard", "layers", "--frames", "13"], "must be from 6 to 12"),
        (["storyboard", "nope"], "layers"),
        (["storyboard", "layers", "--theme", "neon"], "choose from: dark, light"),
        (["storyboard", "layers", "--duration", "0"], "greater than 0 and at most 3600"),
        (["storyboard", "layers", "--duration", "nan"], "greater than 0 and at most 3600"),
        (["storyboard", "layers", "-o", "sheet.jpg"], "ending in .png"),
        (["storyboard", "layers", "--columns", "0"], "must be from 1 to 12"),
        (["storyboard", "layers", "--run", "missing.npz"], "no such file"),
        (["render", "layers", "--theme", "neon"], "choose from: dark, light"),
        (["render", "layers", "--duration", "0"], "greater than 0 and at most 3600"),
        (["render", "layers", "--duration", "-2"], "greater than 0 and at most 3600"),
    ],
)
def test_cli_bad_values_exit_2_naming_the_valid_ones(args, needle, cache):
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()[-1]) > 0
    assert names(Path.cwd()) == [] and not cache.exists()


def test_unwritable_output_is_refused_even_for_root(monkeypatch, cache):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(r.tempfile, "TemporaryFile", refuse)
    res = invoke("storyboard", "layers", "-o", "sheet.png")
    assert res.exit_code == 2
    assert "cannot write to" in res.output and "Permission denied" in res.output
    assert names(Path.cwd()) == [] and not cache.exists()


def test_disk_full_while_writing_leaves_nothing(monkeypatch, cache):
    replace = os.replace

    def full(source, target, *args, **kwargs):
        if Path(source).name.startswith(".sheet.partial-"):  # only the sheet's last step
            raise OSError(errno.ENOSPC, "No space left on device")
        return replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(NnanimError, match="cannot write .*sheet.png: No space left"):
        storyboard(Steps, {"moves": 6}, "sheet.png")
    assert names(Path.cwd()) == [] and no_leftovers(cache)


def test_output_under_a_file_is_refused():
    Path("file").write_text("x")
    res = invoke("storyboard", "layers", "-o", "file/sheet.png")
    assert res.exit_code == 2 and "not a directory" in res.output
    assert names(Path.cwd()) == ["file"] and Path("file").read_text() == "x"


def test_cli_passes_theme_duration_and_training_options(monkeypatch):
    calls = []
    monkeypatch.setattr(r, "render", lambda job, settings: calls.append(job) or "x")
    monkeypatch.setattr(sb, "storyboard", lambda job, output, **kw: calls.append(job) or "x")
    res = invoke("render", "layers", "--theme", "light", "--duration", "12.5", "-n", "50",
                 "--epochs", "5")
    assert res.exit_code == 0, res.output
    res = invoke("storyboard", "layers", "--theme", "light", "--duration", "3", "--epochs", "7",
                 "--seed", "0")
    assert res.exit_code == 0, res.output
    rendered, boarded = calls
    # only what the command line set is explicit; the rest is the scene's defaults
    assert rendered.explicit == {"theme": "light", "duration": 12.5, "n_samples": 50, "epochs": 5}
    assert boarded.explicit == {"theme": "light", "duration": 3.0, "epochs": 7, "seed": 0}
    assert rendered.theme.name == boarded.theme.name == "light"
    assert (rendered.config.n_samples, rendered.config.epochs) == (50, 5)
    assert (boarded.config.epochs, boarded.config.seed) == (7, 0)
    for job in calls:  # trained once before the render, with the layers scene's defaults
        assert job.config.dataset == "spirals" and job.config.hidden == [2, 2, 2, 2]
        assert job.run is not None and job.run.epochs[-1] == job.config.epochs
    assert names(Path.cwd()) == []


def test_help_lists_storyboard_and_the_new_options():
    assert "storyboard" in invoke("--help").output
    board = " ".join(invoke("storyboard", "--help").output.split())
    for option in ("--frames", "6..12", "--columns", "--theme", "dark, light", "--duration",
                   "--run", "--epoch", "--dataset", "--hidden", "--epochs", "--output"):
        assert option in board
    assert "default: ./SCENE-storyboard.png" in board.replace("SCENE- storyboard", "SCENE-storyboard")
    render_help = " ".join(invoke("render", "--help").output.split())
    assert "--theme" in render_help and "video length in seconds" in render_help.lower()
    assert "--aspect" in render_help and "16:9|9:16|1:1|4:3" in render_help


# --------------------------------------------------------------- atomic output


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_failed_storyboard_leaves_nothing_and_keeps_the_previous_sheet(error, cache):
    Path("sheet.png").write_bytes(b"previous")
    with pytest.raises(error, match="boom"):
        storyboard(FailsMidway, {"error": error}, "sheet.png")
    assert names(Path.cwd()) == ["sheet.png"] and Path("sheet.png").read_bytes() == b"previous"
    assert no_leftovers(cache)


def test_scene_without_animations_is_a_clean_error(cache):
    with pytest.raises(RenderError, match="no animations: nothing to storyboard"):
        storyboard(Still, output="still.png")
    assert names(Path.cwd()) == [] and no_leftovers(cache)


# ------------------------------------------------------------------ real scene


def test_storyboard_layers_from_the_command_line(cache):
    res = invoke("storyboard", "layers", "-n", "200", "--epochs", "300", "--theme", "light",
                 "-o", "out/layers.png")

    assert res.exit_code == 0, res.output
    out = Path.cwd() / "out" / "layers.png"
    assert res.output.strip().splitlines()[-1] == str(out)
    assert names(Path.cwd()) == ["out"] and names(out.parent) == ["layers.png"]
    assert no_leftovers(cache)
    sheet = read(out)
    geometry = sheet_geometry(9, 3)
    assert sheet.shape[:2] == geometry.size[::-1]
    light = load_theme("light")
    assert near(sheet[: geometry.gap - 1], light.background, 2).all()
    for tile, label in zip(geometry.tiles, geometry.labels, strict=True):
        assert crop(sheet, tile).std() > 10
        assert near(crop(sheet, label), light.foreground, 60).sum() > 20
    # the input plane on the theme's background: the caption column and margins (the framed
    # grid and its shading fill the rest: measured 47 % background since the poster shows the
    # whole grid, against 8 % for the dark theme's background)
    first = crop(sheet, geometry.tiles[0])
    assert near(first, light.background, 8).mean() > 0.35


def test_a_storyboard_follows_the_scene_s_duration(monkeypatch):
    """--duration scales a storyboard's scene as it scales a render (a plan pass first)."""
    import nnanim.media.storyboard as sb

    ends = []
    real = sb._timeline

    def timeline(played, fps):
        times, images, plays = real(played, fps)
        ends.append(times[-1])  # the time label of the last picture: the paced run times, added up
        return times, images, plays

    monkeypatch.setattr(sb, "_timeline", timeline)
    for duration in (7.0, 14.0):
        storyboard("layers", {"epochs": 20, "n_samples": 60, "duration": duration}, "short.png", frames=6)
    assert ends == pytest.approx([7.0, 14.0], abs=0.05)
