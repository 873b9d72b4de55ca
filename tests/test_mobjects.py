"""Drawing primitives against independent references: coverage, colours, compositing."""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.mobjects import Polylines, splat_discs


def reference_splat(canvas, xy, radius, fill, rim, rim_width):
    """Pixel by pixel, the obvious way.

    Discs of one colour form one shape (coverage and fill are the maxima over
    its discs); colours are layered in order of first appearance; centres sit
    on the 1/8-pixel grid the fast version uses.
    """
    q = (np.floor(xy) + (np.floor((xy - np.floor(xy)) * 8) + 0.5) / 8)
    out = canvas.astype(float).copy()
    h, w = canvas.shape[:2]
    colours = []
    for f in fill:
        if not any(np.array_equal(f, c) for c in colours):
            colours.append(f)
    for colour in colours:
        mine = np.all(fill == colour, axis=1)
        for y in range(h):
            for x in range(w):
                d = np.hypot(x + 0.5 - q[mine, 0], y + 0.5 - q[mine, 1])
                a = np.clip(radius + 0.5 - d, 0, 1).max()
                if a <= 0:
                    continue
                inner = np.clip(radius - rim_width + 0.5 - d, 0, 1).max()
                col = 255 * (colour * inner + rim * (1 - inner))
                out[y, x, :3] = col * a + out[y, x, :3] * (1 - a)
                out[y, x, 3] = 255 * a + out[y, x, 3] * (1 - a)
    return out


def test_splat_matches_a_pixel_by_pixel_reference():
    rng = np.random.default_rng(3)
    canvas = rng.integers(0, 256, size=(30, 40, 4)).astype(np.uint8)
    canvas[..., 3] = 255
    xy = rng.uniform([-3, -3], [43, 33], size=(25, 2))
    palette = np.array([[0.9, 0.5, 0.1], [0.2, 0.6, 1.0], [0.3, 0.9, 0.4]])
    fill = palette[rng.integers(0, 3, 25)]
    rim = np.array([0.1, 0.0, 0.3])
    expected = reference_splat(canvas, xy, 3.2, fill, rim, 0.9)
    got = canvas.copy()
    splat_discs(got, xy, 3.2, fill, rim, 0.9)
    assert np.abs(got.astype(float) - expected).max() <= 2.0  # 8-bit stamps and blending


def test_disc_coverage_equals_its_area():
    canvas = np.zeros((64, 64, 4), np.uint8)
    for r in (2.0, 4.5, 9.0):
        canvas[:] = 0
        splat_discs(canvas, np.array([[31.3, 30.8]]), r, np.array([[1.0, 1.0, 1.0]]), np.ones(3), 0)
        area = canvas[..., 3].sum() / 255
        assert area == pytest.approx(np.pi * r * r, rel=0.03)


def test_fill_rim_and_untouched_pixels():
    canvas = np.zeros((41, 41, 4), np.uint8)
    c = 20 + 4.5 / 8  # a centre on the 1/8-pixel grid
    splat_discs(canvas, np.array([[c, c]]), 8.0, np.array([[0.0, 1.0, 0.0]]),
                np.array([1.0, 0.0, 0.0]), 2.0)
    assert tuple(canvas[20, 20]) == (0, 255, 0, 255)   # centre: fill colour, opaque
    assert tuple(canvas[20, 27])[:3] == (255, 0, 0)      # on the rim (distance 7): rim colour
    edge = round(255 * (8.5 - (28.5 - c)))                # edge pixel: partly covered
    assert tuple(canvas[20, 28])[:3] == (edge, 0, 0)
    assert not canvas[20, 31].any() and not canvas[0, 0].any()  # beyond r + 1: untouched


def test_discs_off_canvas_draw_nothing():
    canvas = np.zeros((10, 10, 4), np.uint8)
    splat_discs(canvas, np.array([[-50.0, 3.0], [5.0, 400.0]]), 3.0, np.ones((2, 3)), np.ones(3), 1)
    assert not canvas.any()


def test_polylines_pass_through_their_samples():
    line = np.column_stack([np.linspace(0, 3, 7), np.sin(np.linspace(0, 3, 7)), np.zeros(7)])
    poly = Polylines([line, line[:3] + 5])
    pts = poly.points.reshape(-1, 4, 3)
    assert len(pts) == 6 + 2
    np.testing.assert_allclose(pts[:6, 0], line[:-1])   # anchors are the samples
    np.testing.assert_allclose(pts[:6, 3], line[1:])
    # Catmull-Rom: the tangent at an inner sample is continuous
    np.testing.assert_allclose(pts[0, 3] - pts[0, 2], pts[1, 1] - pts[1, 0], atol=1e-12)
    poly.set_lines([line[:2]])
    assert len(poly.points) == 4


def test_polylines_skip_segments_outside_their_clip_box():
    line = np.column_stack([np.linspace(-10, 10, 21), np.zeros(21), np.zeros(21)])
    poly = Polylines([line])
    poly.clip_box = (-2.0, -1.0, 2.0, 1.0)
    poly.set_vertices(line)
    anchors = poly.points.reshape(-1, 4, 3)[:, [0, 3], 0]
    # every segment touching the box (with its 5 % margin) stays, the far ones go
    assert anchors.min() <= -2 and anchors.max() >= 2
    assert anchors.min() >= -3 and anchors.max() <= 3
