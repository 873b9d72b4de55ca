"""Rendering to files: formats, validation, config isolation, atomic output.

Every render here is at quality ``l`` (854x480 @ 15 fps) and one second long;
outputs are decoded with PyAV and judged by their pixels.
"""

from __future__ import annotations

import os
import struct
import sys
import textwrap
from pathlib import Path

import av
import manim
import numpy as np
import pytest
from manim import LEFT, RIGHT, Scene, Square, linear
from storyboards import FailsMidway

from nnanim import contract
from nnanim.errors import NnanimError
from nnanim.media import render as r
from nnanim.media.render import RenderError, RenderSettings

W, H, FPS = 854, 480, 15


class MovingSquare(Scene):
    """A filled square moving from left to right over one second."""

    options = {"colour": "#FF0000"}

    def construct(self):
        square = Square(side_length=2, fill_opacity=1, stroke_width=0)
        square.set_fill(self.options["colour"]).move_to(3 * LEFT)
        self.add(square)
        self.play(square.animate.move_to(3 * RIGHT), run_time=1, rate_func=linear)


@pytest.fixture(autouse=True)
def cache(isolated_cache):
    return isolated_cache


def settings(**kwargs) -> RenderSettings:
    return RenderSettings(**{"quality": "l", "progress": False, **kwargs})


def mask(frame: np.ndarray, colour: str) -> np.ndarray:
    """Pixels clearly of one primary colour (tolerant of chroma subsampling)."""
    rgb = frame[..., :3].astype(int)
    channel = {"red": 0, "green": 1, "blue": 2}[colour]
    others = np.delete(rgb, channel, axis=-1)
    return (rgb[..., channel] > 180) & (others.max(axis=-1) < 80)


def centroid_x(frame: np.ndarray, colour: str = "red") -> float:
    ys, xs = np.nonzero(mask(frame, colour))
    assert xs.size > 0.5 * 120 * 120, "the square is missing"
    return float(xs.mean())


def top_level_boxes(path: Path) -> list[str]:
    """Types of the top-level ISO-BMFF boxes, in file order."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        offset += size or len(data)
    return boxes


def only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ formats


def test_mp4_is_h264_faststart_with_the_right_frames(decode_frames, cache):
    out = r.render(MovingSquare, settings())

    assert out == Path.cwd() / "MovingSquare.mp4"
    assert only_file(Path.cwd()) == ["MovingSquare.mp4"]  # nothing else in the cwd
    assert list((cache / "renders").iterdir()) == []  # intermediate files removed
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (W, H)
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")

    frames, fps = decode_frames(out)
    assert fps == FPS
    assert abs(len(frames) - 1 * FPS) <= 1
    assert frames.shape[1:3] == (H, W)
    xs = [centroid_x(frame) for frame in frames]
    assert xs[0] < W / 2 - 120 and xs[-1] > W / 2 + 120
    assert np.all(np.diff(xs) > 0)
    assert frames[0][10, 10].max() < 20  # black background


def test_webm_transparent_has_alpha(decode_frames):
    out = r.render(MovingSquare, settings(format="webm", transparent=True))

    assert out.suffix == ".webm"
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "vp9"
    frames, _ = decode_frames(out, "rgba")
    assert abs(len(frames) - FPS) <= 1
    first = frames[0]
    square = mask(first, "red")
    assert square.sum() > 0.5 * 120 * 120
    assert first[..., 3][square].mean() > 250
    assert first[:50, :, 3].max() < 5  # background: transparent


@pytest.mark.parametrize(
    ("transparent", "tag", "pix_fmt"),
    [(True, "ap4h", "yuva444p10le"), (False, "apch", "yuv422p10le")],
)
def test_mov_is_prores(decode_frames, transparent, tag, pix_fmt):
    out = r.render(MovingSquare, settings(format="mov", transparent=transparent))

    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "prores"
        assert stream.codec_context.codec_tag == tag  # 4444 must be labelled 4444
        assert stream.codec_context.pix_fmt.startswith(pix_fmt[:-4])  # decoder may say 12le
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    frames, _ = decode_frames(out, "rgba")
    assert abs(len(frames) - FPS) <= 1
    last = frames[-1]
    assert centroid_x(last) > W / 2 + 120
    alpha = last[..., 3]
    assert alpha[mask(last, "red")].min() > 250
    if transparent:
        assert alpha[:50].max() < 5
    else:
        assert alpha.min() == 255


def test_gif_decodes_with_the_moving_square(decode_frames):
    out = r.render(MovingSquare, settings(output=Path("clip.gif")))

    assert out.name == "clip.gif"
    frames, _ = decode_frames(out)
    # a GIF's defaults: at most 10 fps and 360 pixels on the short side
    assert r.GIF_FPS - 1 <= len(frames) <= r.GIF_FPS + 1
    assert frames.shape[1:3] == (360, 640)
    assert centroid_x(frames[0]) < centroid_x(frames[-1])


@pytest.mark.parametrize("transparent", [False, True])
def test_png_is_the_last_frame(decode_frames, transparent):
    out = r.render(MovingSquare, settings(format="png", transparent=transparent))

    assert out.name == "MovingSquare.png"
    frames, _ = decode_frames(out, "rgba")
    assert frames.shape == (1, H, W, 4)
    image = frames[0]
    assert centroid_x(image) == pytest.approx(W / 2 + 3 * W / (8 * W / H), abs=3)
    assert image[10, 10, 3] == (0 if transparent else 255)


def test_options_reach_the_scene(decode_frames):
    out = r.render(MovingSquare, settings(format="png"), {"colour": "#0000FF"})

    image = decode_frames(out)[0][0]
    assert mask(image, "blue").sum() > 0.9 * 120 * 120
    assert mask(image, "red").sum() == 0
    assert MovingSquare.options == {"colour": "#FF0000"}  # the class is not modified


# --------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"quality": "x"}, "l (480p15), m (720p30), h (1080p60), p (1440p60), k (2160p60)"),
        ({"format": "avi"}, "mp4, gif, webm, mov, png"),
        ({"transparent": True}, "webm (VP9 with alpha), mov (ProRes 4444) or png"),
        ({"transparent": True, "format": "gif"}, "gif cannot carry transparency"),
        ({"format": "gif", "output": Path("a.mp4")}, "does not match"),
        ({"output": Path("a.avi")}, ".mp4, .gif, .webm, .mov, .png"),
        ({"fps": 0}, "frame rate"),
        ({"fps": float("nan")}, "frame rate"),
    ],
)
def test_invalid_settings_are_refused_before_any_work(kwargs, expected, cache):
    with pytest.raises(RenderError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        r.render(MovingSquare, RenderSettings(**kwargs))
    assert only_file(Path.cwd()) == []
    assert not cache.exists()


def test_unknown_scene_lists_the_scenes():
    with pytest.raises(NnanimError, match="unknown scene 'no-such-scene'; choose from"):
        r.render("no-such-scene", settings())
    assert only_file(Path.cwd()) == []


def test_output_that_is_a_directory_is_refused(tmp_path):
    with pytest.raises(RenderError, match="is a directory"):
        r.render(MovingSquare, settings(output=tmp_path))


def test_output_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NnanimError, match="not a directory"):
        r.render(MovingSquare, settings(output=tmp_path / "file" / "a.mp4"))
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_directory_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(RenderError, match="cannot write to"):
            r.render(MovingSquare, settings(output=locked / "a.mp4"))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_missing_output_folders_are_created(decode_frames):
    out = r.render(MovingSquare, settings(format="png", output=Path("out/deeper/frame")))
    assert out == Path.cwd() / "out" / "deeper" / "frame.png"
    assert decode_frames(out)[0].shape == (1, H, W, 3)


class NoAnimation(Scene):
    def construct(self):
        self.add(Square(fill_opacity=1))


def test_scene_without_animations_needs_png(decode_frames):
    with pytest.raises(RenderError, match="no animations; render it with format png"):
        r.render(NoAnimation, settings())
    assert only_file(Path.cwd()) == []
    out = r.render(NoAnimation, settings(format="png"))
    assert decode_frames(out)[0].shape == (1, H, W, 3)


def test_the_playing_step_keeps_its_names_in_render():
    """Binding, planning and playing a scene live in nnanim.media.play, below render and parallel
    (which imported each other); render's names, and its old flat name, still give them."""
    import nnanim.render as flat

    from nnanim.media import play

    assert flat is r
    for name in ("RenderError", "bind", "plan_scene", "Plan"):
        assert getattr(r, name) is getattr(play, name), name
    assert r._play_scene is play.play_scene and r._pace is play.pace
    assert issubclass(RenderError, NnanimError)


# ----------------------------------------------------------- atomic output


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_failed_render_leaves_nothing(error, cache):
    with pytest.raises(error, match="boom"):
        r.render(FailsMidway, settings(output=Path("clip.mp4")), {"error": error})
    assert only_file(Path.cwd()) == []
    assert list((cache / "renders").iterdir()) == []


def test_failed_render_keeps_the_previous_file():
    previous = Path("clip.mp4")
    previous.write_bytes(b"previous render")
    with pytest.raises(ValueError, match="boom"):
        r.render(FailsMidway, settings(output=previous))
    assert only_file(Path.cwd()) == ["clip.mp4"]
    assert previous.read_bytes() == b"previous render"


def test_successful_render_replaces_the_previous_file(decode_frames):
    previous = Path("clip.mp4")
    previous.write_bytes(b"previous render")
    r.render(MovingSquare, settings(output=previous))
    assert only_file(Path.cwd()) == ["clip.mp4"]
    assert abs(len(decode_frames(previous)[0]) - FPS) <= 1


# --------------------------------------------------------- config isolation


def test_renders_do_not_leak_config(decode_frames):
    before = (manim.config.pixel_width, manim.config.frame_rate, manim.config.media_dir)
    level = manim.logger.level

    small = r.render(MovingSquare, settings(fps=6, output=Path("a.mp4")))
    large = r.render(MovingSquare, settings(quality="m", output=Path("b.mp4")))

    frames, fps = decode_frames(small)
    assert (fps, len(frames), frames.shape[1:3]) == (6, 6, (H, W))
    frames, fps = decode_frames(large)
    assert (fps, frames.shape[1:3]) == (30, (720, 1280))
    assert abs(len(frames) - 30) <= 1
    assert (manim.config.pixel_width, manim.config.frame_rate, manim.config.media_dir) == before
    assert manim.logger.level == level


# ------------------------------------------------------------ named scenes


@pytest.fixture
def scenes_package(tmp_path, monkeypatch):
    """A throwaway scenes package with one scene and one helper module, and no entry points."""
    package = tmp_path / "pkg" / "fake_scenes"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_helpers.py").write_text('"""Not a scene."""\n')
    (package / "still_square.py").write_text(
        textwrap.dedent(
            '''
            """A square that does not move.

            More text that is not part of the description.
            """
            from nnanim.contract import SceneContract


            class StillSquare(SceneContract):
                defaults = {"dataset": "xor", "n_samples": 40, "hidden": [2], "epochs": 0}

                def construct(self):
                    from manim import Square

                    self.add(Square(fill_opacity=1))


            SCENE = StillSquare
            '''
        )
    )
    (package / "broken.py").write_text('"""Forgot to export its scene."""\n')
    (package / "plain.py").write_text(
        '"""A Manim scene, not a contract."""\nfrom manim import Scene\n\n\n'
        "class Plain(Scene):\n    pass\n\n\nSCENE = Plain\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    monkeypatch.setattr(contract, "SCENES_PACKAGE", "fake_scenes")
    monkeypatch.setattr(contract, "SCENE_GROUP", "fake_scenes.none")  # no installed scenes either
    yield
    for name in [m for m in sys.modules if m.startswith("fake_scenes")]:
        del sys.modules[name]


def test_list_and_get_scenes(scenes_package):
    assert r.list_scenes() == {
        "broken": "Forgot to export its scene.",
        "plain": "A Manim scene, not a contract.",
        "still-square": "A square that does not move.",
    }
    assert r.get_scene("still-square").__name__ == "StillSquare"
    assert r.get_scene("still_square").__name__ == "StillSquare"
    with pytest.raises(NnanimError, match="choose from: broken, plain, still-square$"):
        r.get_scene("layers")
    with pytest.raises(NnanimError, match="does not define SCENE"):
        r.get_scene("broken")
    with pytest.raises(NnanimError, match="SCENE = Plain is not a SceneContract"):
        r.get_scene("plain")


def test_render_by_name_is_named_after_the_scene(scenes_package, decode_frames):
    out = r.render("still_square", settings(format="png"))
    assert out == Path.cwd() / "still_square.png"
    assert mask(decode_frames(out)[0][0], "red").sum() == 0  # default white-ish fill


def test_real_scenes_package_lists():
    scenes = r.list_scenes()
    assert all(isinstance(v, str) and "\n" not in v for v in scenes.values())


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("NNANIM_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "b"))
    assert r.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("NNANIM_CACHE_DIR")
    assert r.cache_dir() == tmp_path / "b" / "nnanim"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert r.cache_dir() == tmp_path / "home" / ".cache" / "nnanim"


def test_preview_without_a_viewer_only_prints_a_note(monkeypatch, capsys):
    monkeypatch.setattr(r.shutil, "which", lambda name: None)
    out = r.render(MovingSquare, settings(format="png", preview=True))
    assert out.is_file()
    assert "no system viewer" in capsys.readouterr().err
