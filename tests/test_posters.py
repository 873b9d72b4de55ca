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
import shape_renders
from test_camera import frame_changes

from nnanim.contract import list_scenes
from nnanim.media.render import Quality, RenderSettings, _job, _manim_config, _Output, play_job, work_folder
from nnanim.theme import hex_rgb, load_theme

pytestmark = pytest.mark.slow

#: the tiny poster: short side in pixels (as a storyboard tile)
SHORT = 270
#: the least share of the frame each class's points must cover (a dozen pixels at this size)
POINTS = 0.0001
#: the least share of the frame each class's shading must tint (points' rims alone: under 0.5 %)
WASH = 0.01
#: scenes whose points are coloured by a numeric target, not by class
BY_TARGET = {"regression", "autoencoder"}


def first_frame(scene: str, tmp_path, aspect: str = "16:9") -> np.ndarray:
    """The scene's first frame at ``SHORT`` pixels, rendering only its first play."""
    job = _job(scene, {"aspect": aspect}, "render")
    job.ensure_run()
    long = SHORT * 16 // 9 // 2 * 2
    size = (long, SHORT) if aspect == "16:9" else (SHORT, long)
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


def wash_of(img: np.ndarray, colour: str, background: str, points: list[str]) -> float:
    """The share of the frame tinted by ``colour``: pixels on the segment from the background
    towards the colour (between 15 % and 75 % of the way, within a few levels of the segment),
    not counting the two pixels around any point (a point's antialiased rim is not shading)."""
    b = np.array(hex_rgb(background)) * 255
    d = np.array(hex_rgb(colour)) * 255 - b
    v = img - b
    t = (v @ d) / (d @ d)
    off = np.linalg.norm(v - t[..., None] * d, axis=2)
    near = np.zeros(img.shape[:2], dtype=bool)
    for c in points:
        near |= np.linalg.norm(img - np.array(hex_rgb(c)) * 255, axis=2) < 45
    for _ in range(2):  # grow the points by a pixel each way, twice
        grown = near.copy()
        grown[1:] |= near[:-1]
        grown[:-1] |= near[1:]
        grown[:, 1:] |= near[:, :-1]
        grown[:, :-1] |= near[:, 1:]
        near = grown
    return float(np.mean((t > 0.15) & (t < 0.75) & (off < 10) & ~near))


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
        assert points_of(img, colour) > area * POINTS, (scene, k, "points")
        assert wash_of(img, colour, theme.background, theme.classes[:2]) > WASH, (scene, k, "shading")


# --------------------------------------------------------------------------- time


class _Holds:
    """In front of the plan-mode scene: logs every play as (start, seconds, still), where a play
    is still when it is only waits (nothing is animated)."""

    def setup(self):
        super().setup()
        self.log = []

    def play(self, *animations, **kwargs):
        from manim import Wait

        start = self.clock
        super().play(*animations, **kwargs)
        still = all(isinstance(a, Wait) for a in animations)
        self.log.append((start, self.clock - start, still))


def still_runs(log) -> list[tuple[float, float]]:
    """``(start, seconds)`` of every run of consecutive still plays."""
    runs, start, length = [], None, 0.0
    for t, seconds, still in log:
        if still:
            start = t if start is None else start
            length += seconds
        elif start is not None:
            runs.append((start, length))
            start, length = None, 0.0
    if start is not None:
        runs.append((start, length))
    return runs


#: the longest a picture may stand still, but for the final hold
LONGEST_HOLD = 3.0


@pytest.mark.parametrize("scene", [pytest.param(s, marks=pytest.mark.xdist_group(f"camera-{s}"))
                                   for s in SCENES])
def test_no_hold_but_the_last_is_longer_than_three_seconds(scene):
    """The plays of the scene's default story (16:9, 480p), logged by ``_Holds`` in the walk
    test_camera makes of it for its framing check (``holds_log``: the same walk, whose
    ``_Sampler`` keeps the plan pass's clock; this test joins that scene's camera group)."""
    from test_camera import holds_log

    log, clock = holds_log(scene)
    runs = still_runs(log)
    assert runs, scene
    start, seconds = runs[-1]
    if start + seconds == pytest.approx(clock):  # the final hold ends the video: exempt
        runs = runs[:-1]
    for start, seconds in runs:
        assert seconds <= LONGEST_HOLD + 1e-9, (scene, start, seconds)


@pytest.mark.parametrize("scene", [pytest.param(s, marks=shape_renders.group(s))
                                   for s in ["layers", "bottleneck", "feature-cross", "training"]])
def test_decoded_frames_never_stand_still_longer_than_three_seconds_but_at_the_end(scene, shape_render):
    """From the decoded video: the longest run of frames that do not change (mean change under a
    tenth of a level: only the encoder's noise), the final hold aside, is at most 3 s.  The video is
    the scene's shared 16:9 render at 5 fps (tests/shape_renders.py; at its 480p the encoder's noise
    on a still picture is no larger than at 180p, where this check was set: 0.03-0.2 of a level)."""
    from conftest import _decode_frames

    frames, fps = _decode_frames(shape_render(scene, "16:9"))
    change = frame_changes(frames)
    still = change < 0.1
    runs, n = [], 0
    for s in still:
        if s:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    # the final hold (a still run reaching the last frame) is allowed
    longest = max(runs, default=0)
    assert (longest + 1) / fps <= LONGEST_HOLD + 1.0 / fps, (scene, longest / fps)


@pytest.mark.parametrize("scene", [pytest.param(s, marks=shape_renders.group(s))
                                   for s in ["feature-cross", "bottleneck", "linear-vs-hidden"]])
def test_no_panel_stays_empty(scene, shape_render):
    """Every decoded frame (but the moments a chapter's pictures swap, under a second) shows both
    classes inside the picture square of each panel (the panel boxes from the plan): pixels of
    each class colour, at full strength or dimmed towards the background (a ghosted panel is
    still a picture; an empty one is the background and the grid).  The video is the scene's
    shared 16:9 render (480p, 5 fps: tests/shape_renders.py), its plan walked with its options."""
    from conftest import _decode_frames
    from storyboards import shared_dry_run

    plan = shared_dry_run(scene, shape_renders.options("16:9"))
    frames, fps = _decode_frames(shape_render(scene, "16:9"))
    theme = load_theme("dark")
    unit = 480 / 8.0
    colours = np.array(theme.class_rgb(2)) * 255
    bg = np.array(hex_rgb(theme.background)) * 255
    h, w = frames.shape[1:3]
    empty = []
    # a scene that moves its panels (linear-vs-hidden's focus) says where they are from when
    # on; before its first move, and in a scene that never moves them, the plan's first panels
    history = getattr(plan, "panel_history", [])
    first = getattr(plan, "row", plan.panels)
    for k, frame in enumerate(frames):
        now = [p for t, p in history if t <= k / fps]
        for panel in (now[-1] if now else first):
            box = panel.picture
            x0, x1 = int(w / 2 + box.x0 * unit) + 3, int(w / 2 + box.x1 * unit) - 3
            y0, y1 = int(h / 2 - box.y1 * unit) + 3, int(h / 2 - box.y0 * unit) - 3
            crop = frame[y0:y1, x0:x1].astype(float) - bg
            # each class's data (or its shading), at full strength or dimmed towards the background
            seen = []
            for c in colours - bg:
                t = (crop @ c) / (c @ c)
                off = np.linalg.norm(crop - t[..., None] * c, axis=2)
                seen.append(np.sum((t > 0.15) & (off < 20)))
            if min(seen) < 10:
                empty.append(k / fps)
    # at most a swap's length of frames in a row without the data
    runs, n, last = [], 0, None
    for t in empty:
        n = n + 1 if last is not None and t - last <= 1.01 / fps else 1
        runs.append(n)
        last = t
    assert max(runs, default=0) / fps <= 1.0, (scene, empty)
