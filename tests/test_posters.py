"""Posters: the first frame of every scene is a good thumbnail, judged from decoded pixels.

Each scene's first play alone is rendered tiny (Manim's ``upto_animation_number``), the first
frame is decoded with PyAV, and its pixels must show the data in both class colours and the
class shading on both sides of the boundary: each class colour as points (pixels within a small
distance of the colour itself) and as shading (pixels on the line from the background towards
that colour, a wash of it, over a share of the frame).  Regression and autoencoder scenes, which
have no classes, show their points coloured by target instead: several stops of the target map.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from nnanim.contract import list_scenes
from nnanim.render import Quality, RenderSettings, _job, _manim_config, _Output, play_job, work_folder
from nnanim.theme import hex_rgb, load_theme

pytestmark = pytest.mark.slow

#: the tiny poster: short side in pixels
SHORT = 180
#: scenes whose points are coloured by a numeric target, not by class
BY_TARGET = {"regression", "autoencoder"}


def first_frame(scene: str, tmp_path, aspect: str = "16:9") -> np.ndarray:
    """The scene's first frame at ``SHORT`` pixels, rendering only its first play."""
    job = _job(scene, {"aspect": aspect}, "render")
    job.ensure_run()
    size = (SHORT * 16 // 9 // 2 * 2, SHORT) if aspect == "16:9" else (SHORT, SHORT * 16 // 9 // 2 * 2)
    quality = Quality("poster", SHORT, 5, (("preset", "veryfast"), ("crf", "12")))
    out = _Output(quality, size, 5, "mp4", False, tmp_path / f"{scene}.mp4")
    with work_folder("poster") as work:
        temp = {**_manim_config(out, RenderSettings(), work), "pixel_format": "yuv444p",
                "upto_animation_number": 0, "max_files_cached": -1}
        played = play_job(job, temp)
        segment = next(p for p in played.renderer.file_writer.partial_movie_files if p)
        with av.open(str(segment)) as container:
            frame = next(container.decode(video=0))
            return frame.to_ndarray(format="rgb24").astype(float)


def points_of(img: np.ndarray, colour: str, tol: float = 45.0) -> int:
    """How many pixels are (nearly) the colour itself: the data's points."""
    c = np.array(hex_rgb(colour)) * 255
    return int(np.sum(np.linalg.norm(img - c, axis=2) < tol))


def wash_of(img: np.ndarray, colour: str, background: str) -> float:
    """The share of the frame tinted by ``colour``: pixels on the segment from the background
    towards the colour (between 8 % and 75 % of the way, within a few levels of the segment)."""
    b = np.array(hex_rgb(background)) * 255
    d = np.array(hex_rgb(colour)) * 255 - b
    v = img - b
    t = (v @ d) / (d @ d)
    off = np.linalg.norm(v - t[..., None] * d, axis=2)
    return float(np.mean((t > 0.08) & (t < 0.75) & (off < 14)))


SCENES = sorted(list_scenes())


@pytest.mark.parametrize("scene", SCENES)
def test_the_first_frame_shows_the_data_and_the_shading_on_both_sides(scene, tmp_path):
    theme = load_theme("dark")
    img = first_frame(scene, tmp_path)
    area = img.shape[0] * img.shape[1]
    if scene in BY_TARGET:
        stops = [points_of(img, c, tol=30) for c in theme.targets]
        assert sum(n > area * 0.0005 for n in stops) >= 3, (scene, stops)
        return
    for k in (0, 1):
        colour = theme.classes[k]
        assert points_of(img, colour) > area * 0.001, (scene, k, "points")
        assert wash_of(img, colour, theme.background) > 0.02, (scene, k, "shading")
