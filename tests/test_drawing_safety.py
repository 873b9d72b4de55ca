"""Nothing a picture can contain may abort a render or reach Cairo as garbage.

* :func:`nnanim.draw.mobjects.guard_geometry` drops non-finite geometry and keeps the
  rest within a margin around the frame; the camera sends every VMobject path,
  point cloud and raster image through it.
* A dense grid that made Cairo 1.16's fast rasteriser (``ANTIALIAS_FAST``)
  corrupt the heap (``free(): invalid size``, SIGABRT) is drawn in a
  subprocess, so a regression fails this test instead of killing pytest.
* Over random architectures, activations, seeds and (very short) trainings,
  a :class:`~nnanim.draw.mobjects.FlowView` hands only finite positions to the drawing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from manim import VMobject

from nnanim.core.data import DATASETS
from nnanim.core.flow import build_flow
from nnanim.core.nn import ACTIVATIONS
from nnanim.core.record import train
from nnanim.draw.mobjects import (
    GUARD_MARGIN,
    FastCamera,
    FlowView,
    PointCloud,
    Polylines,
    RasterImage,
    guard_geometry,
)
from nnanim.theme import load_theme

FRAME = (16.0, 9.0)  # scene units of the test camera's frame, 10 px per unit


def camera(width: int = 160, height: int = 90) -> FastCamera:
    return FastCamera(pixel_width=width, pixel_height=height, frame_width=FRAME[0],
                      frame_height=FRAME[1], background_color="#000000")


def draw(*mobjects) -> np.ndarray:
    cam = camera()
    cam.capture_mobjects(list(mobjects))
    return cam.pixel_array.copy()


def waves(n: int = 4) -> list[np.ndarray]:
    x = np.linspace(-7, 7, 30)
    return [np.column_stack([x, 0.8 * np.sin(x + k) + 2 * k - 3, np.zeros_like(x)]) for k in range(n)]


def straight(a, b) -> np.ndarray:
    """One cubic Bézier from ``a`` to ``b`` with its handles on the chord."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(invalid="ignore"):
        return np.array([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b])


# --------------------------------------------------------------------------- the guard


def test_guard_drops_non_finite_and_far_curves_and_keeps_the_rest():
    good = straight([0, 0, 0], [1, 1, 0])
    nan = straight([0, 0, 0], [np.nan, 1, 0])
    inf = straight([np.inf, 0, 0], [1, 1, 0])
    far = straight([1e12, 1e12, 0], [2e12, -1e12, 0])  # its chord misses the margin box
    pts, kept = guard_geometry(camera(), VMobject(), np.concatenate([good, nan, inf, far, good]))
    np.testing.assert_array_equal(kept, [0, 4])
    np.testing.assert_array_equal(pts, np.concatenate([good, good]))


def test_guard_clips_a_curve_reaching_past_the_margin_to_its_chord():
    limit = (0.5 + GUARD_MARGIN) * FRAME[0]
    pts, kept = guard_geometry(camera(), VMobject(), straight([0, 1, 0], [1e12, 1, 0]))
    np.testing.assert_array_equal(kept, [0])
    np.testing.assert_allclose(pts, straight([0, 1, 0], [limit, 1, 0]))


def test_guard_drops_points_and_images_that_cannot_be_drawn():
    centres = np.array([[0, 0, 0], [np.nan, 0, 0], [1e12, 0, 0], [np.inf, np.inf, 0], [1, 2, 0.0]])
    pts, kept = guard_geometry(camera(), PointCloud(centres, "#ffffff"), centres, "points")
    np.testing.assert_array_equal(kept, [0, 4])
    corners = np.array([[-1, 1, 0], [1, 1, 0], [1, -1, 0], [-1, np.nan, 0.0]])
    assert len(guard_geometry(camera(), VMobject(), corners, "image")[1]) == 0
    assert len(guard_geometry(camera(), VMobject(), corners * 1e12, "image")[1]) == 0


# --------------------------------------------------------------------------- drawing through the guard


@pytest.mark.parametrize("smooth", [True, False])
def test_polylines_with_bad_coordinates_draw_like_the_same_lines_without_them(smooth):
    bad = [
        np.array([[0, 0, 0], [np.nan, 1, 0], [2, 2, 0.0]]),
        np.array([[np.inf, 0, 0], [1, -np.inf, 0], [-2, 3, 0.0]]),
        np.array([[1e12, 1e12, 0], [-1e12, 1e12, 0], [-1e12, 3e12, 0.0]]),  # far above the frame
        np.array([[-1e12, -1e12, 0], [-2e12, -1e12, 0.0]]),
    ]
    style = dict(stroke_color="#8090a0", stroke_width=3, stroke_opacity=0.6)
    with_bad = Polylines(waves() + bad, smooth=smooth, **style)
    without = Polylines(waves(), smooth=smooth, **style)
    expected = draw(without)
    assert (expected != draw()).any()
    np.testing.assert_array_equal(draw(with_bad), expected)


def test_a_bad_vertex_drops_only_its_own_segments():
    """Straight segments: a NaN vertex removes the two segments at it, nothing else."""
    line = waves(1)[0]
    holed = line.copy()
    holed[12] = np.nan
    style = dict(smooth=False, stroke_color="#ffffff", stroke_width=4)
    np.testing.assert_array_equal(draw(Polylines([holed], **style)),
                                  draw(Polylines([line[:12], line[13:]], **style)))


def test_a_segment_reaching_far_away_draws_its_visible_part():
    style = dict(smooth=False, stroke_color="#ffffff", stroke_width=4)
    limit = (0.5 + GUARD_MARGIN) * FRAME[0]
    far = draw(Polylines([np.array([[-3.0, 1.0, 0], [1e12, 1.0, 0]])], **style))
    near = draw(Polylines([np.array([[-3.0, 1.0, 0], [limit, 1.0, 0]])], **style))
    assert (far != draw()).any()
    np.testing.assert_array_equal(far, near)


def test_any_vmobject_with_bad_curves_reaches_cairo_without_them():
    """Fill and stroke through Cairo: bad curves (NaN, inf, 1e12) are left out, the rest drawn."""
    good = np.concatenate([straight([-4, -2, 0], [4, -2, 0]), straight([4, -2, 0], [0, 3, 0]),
                           straight([0, 3, 0], [-4, -2, 0])])
    bad = np.concatenate([straight([0, 0, 0], [np.nan, 0, 0]), straight([1e12, 0, 0], [1e12, 1, 0]),
                          straight([np.inf, 0, 0], [0, np.inf, 0])])

    def shape(points):
        mob = VMobject(fill_color="#3da5f5", fill_opacity=0.5, stroke_color="#ffffff", stroke_width=6)
        mob.points = points
        return mob

    expected = draw(shape(good))
    assert (expected != draw()).any()
    np.testing.assert_array_equal(draw(shape(np.concatenate([good, bad]))), expected)
    np.testing.assert_array_equal(draw(shape(np.concatenate([bad[:4], good, bad[4:]]))), expected)


def test_a_point_cloud_with_nan_positions_draws_the_finite_ones():
    rng = np.random.default_rng(2)
    centres = np.column_stack([rng.uniform(-7, 7, 40), rng.uniform(-4, 4, 40), np.zeros(40)])
    colors = rng.uniform(0, 1, (40, 3))
    broken = centres.copy()
    broken[::5, 0] = np.nan
    broken[1::7] = np.inf
    broken[3] = [1e12, -1e12, 0]
    ok = np.isfinite(broken).all(axis=1) & (np.abs(broken[:, 0]) < 100)
    expected = draw(PointCloud(centres[ok], colors[ok], radius=0.2))
    assert (expected != draw()).any()
    np.testing.assert_array_equal(draw(PointCloud(broken, colors, radius=0.2)), expected)
    np.testing.assert_array_equal(draw(PointCloud(np.full((5, 3), np.nan), "#ffffff")), draw())


def test_a_raster_image_with_bad_corners_is_left_out():
    rgba = np.full((4, 4, 4), 255, np.uint8)
    corners = np.array([[-2, 2, 0], [2, 2, 0], [2, -2, 0], [-2, -2, 0.0]])
    blank = draw()
    assert (draw(RasterImage(rgba, corners)) != blank).any()
    for bad in (np.nan, np.inf, 1e12):
        broken = corners.copy()
        broken[1, 0] = bad
        np.testing.assert_array_equal(draw(RasterImage(rgba, broken)), blank)


# --------------------------------------------------------------------------- the abort


ABORTED_CAIRO = textwrap.dedent("""
    import numpy as np
    from manim import VMobject
    from nnanim.draw.mobjects import FastCamera, Polylines

    # a 25 + 25 line grid squashed into a narrow parallelogram (a near-singular W), as the
    # bottleneck scene drew it: checkerboard, 150 epochs, seed 0, -q l, 854 x 480
    corner = np.array([-2.90302, 2.86787])
    d1, d2 = np.array([0.60587, -2.72872]), np.array([-0.64811, -2.72771])
    u = np.linspace(0, 1, 60)[:, None]
    lines = [corner + u * d1 + i / 24 * d2 for i in range(25)]
    lines += [corner + u * d2 + j / 24 * d1 for j in range(25)]
    grid = Polylines(lines, smooth=False, stroke_color="#7f8ea3", stroke_width=1.4,
                     stroke_opacity=0.42)
    same = VMobject(stroke_color="#7f8ea3", stroke_width=1.4, stroke_opacity=0.42)
    same.points = grid.points.copy()  # a plain VMobject: stroked by Cairo itself
    cam = FastCamera(pixel_width=854, pixel_height=480, frame_width=854 / 480 * 8,
                     frame_height=8.0)
    for _ in range(3):
        cam.reset()
        cam.capture_mobjects([grid, same])
    print("drawn", int(cam.pixel_array[..., 0].astype(bool).sum()))
""")


def test_a_dense_grid_that_aborted_cairo_draws():
    """With ``ANTIALIAS_FAST``, Cairo 1.16 aborts on this grid every time (heap corruption)."""
    proc = subprocess.run([sys.executable, "-c", ABORTED_CAIRO], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("drawn") and int(proc.stdout.split()[1]) > 1000


# --------------------------------------------------------------------------- the property

CLASSIFICATION = sorted(name for name, info in DATASETS.items() if info.kind == "classification")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dataset=st.sampled_from(CLASSIFICATION),
    hidden=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    seed=st.integers(0, 2**16),
    epochs=st.one_of(st.sampled_from([0, 1]), st.integers(2, 60)),
    elev=st.sampled_from([0.0, 1.0]),
)
def test_a_flow_view_hands_only_finite_positions_to_the_drawing(dataset, hidden, activation,
                                                               seed, epochs, elev):
    run = train(dataset=dataset, n_samples=60, hidden=hidden, activation=activation,
                epochs=epochs, seed=seed)
    flow = build_flow(run.network(), reference=run.X)
    view = FlowView(flow, run.X, run.y, load_theme("dark"), n_lines=9, grid_samples=24,
                    clip_box=(-2.5, -4.0, 7.1, 4.0))
    parts = [view.cloud, view.grid] + ([view.boundary] if view.boundary is not None else [])
    for s, stage in enumerate(flow.stages):
        view.set_view_angles(elev=elev if stage.dim == 3 else 0.0, azim=0.4 * s)
        for t in (0.0, 0.13, 0.5, 0.87, 1.0):
            view.set_stage(s, t)
            for part in parts:
                assert np.isfinite(part.points).all(), (s, t, type(part).__name__)
    cam = camera(64, 36)
    cam.capture_mobjects(parts)  # and they draw


def test_a_path_kept_between_frames_draws_what_a_fresh_camera_draws():
    """The camera keeps a VMobject's Cairo path while its points are unchanged: drawn again,
    moved, or faded, every frame must equal what a camera that never saw it draws."""
    from manim import Square, Text, VGroup

    def frame(cam, mob):
        cam.reset()
        cam.capture_mobjects([mob])
        return cam.pixel_array.copy()

    words = VGroup(Text("fog ŷ 0.5", font_size=60), Square(2.0, fill_opacity=0.5).shift([4, 0, 0]))
    cam = camera(320, 180)
    first = frame(cam, words)
    assert first[..., :3].any()
    assert np.array_equal(frame(cam, words), first)  # drawn again: from the kept paths
    assert np.array_equal(first, frame(camera(320, 180), words))
    words.shift([0.013, 0.21, 0])  # moved in place: the kept paths must not be reused
    moved = frame(cam, words)
    assert not np.array_equal(moved, first)
    assert np.array_equal(moved, frame(camera(320, 180), words))
    words[0].set_opacity(0.4)
    assert np.array_equal(frame(cam, words), frame(camera(320, 180), words))
