"""Drawing primitives against independent references: coverage, colours, compositing."""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.mobjects import Polylines, splat_discs


def reference_splat(canvas, xy, radius, fill, rim, rim_width):
    """Pixel by pixel, the obvious way: the nearest disc wins, blended with 'over'."""
    out = canvas.astype(float).copy()
    h, w = canvas.shape[:2]
    for y in range(h):
        for x in range(w):
            d = np.hypot(x + 0.5 - xy[:, 0], y + 0.5 - xy[:, 1])
            cover = np.clip(radius + 0.5 - d, 0, 1)
            if cover.max() <= 0:
                continue
            i = np.argmin(d)
            a = cover[i]
            inner = np.clip(radius - rim_width + 0.5 - d[i], 0, 1)
            col = 255 * (fill[i] * inner + rim * (1 - inner))
            out[y, x, :3] = col * a + out[y, x, :3] * (1 - a)
            out[y, x, 3] = 255 * a + out[y, x, 3] * (1 - a)
    return out


def test_splat_matches_a_pixel_by_pixel_reference():
    rng = np.random.default_rng(3)
    canvas = rng.integers(0, 256, size=(30, 40, 4)).astype(np.uint8)
    canvas[..., 3] = 255
    xy = rng.uniform([-3, -3], [43, 33], size=(25, 2))
    fill = rng.uniform(size=(25, 3))
    rim = np.array([0.1, 0.0, 0.3])
    expected = reference_splat(canvas, xy, 3.2, fill, rim, 0.9)
    got = canvas.copy()
    splat_discs(got, xy, 3.2, fill, rim, 0.9)
    assert np.abs(got.astype(float) - expected).max() <= 1.5  # two 8-bit roundings


def test_disc_coverage_equals_its_area():
    canvas = np.zeros((64, 64, 4), np.uint8)
    for r in (2.0, 4.5, 9.0):
        canvas[:] = 0
        splat_discs(canvas, np.array([[31.3, 30.8]]), r, np.array([[1.0, 1.0, 1.0]]), np.ones(3), 0)
        area = canvas[..., 3].sum() / 255
        assert area == pytest.approx(np.pi * r * r, rel=0.03)


def test_fill_rim_and_untouched_pixels():
    canvas = np.zeros((41, 41, 4), np.uint8)
    splat_discs(canvas, np.array([[20.5, 20.5]]), 8.0, np.array([[0.0, 1.0, 0.0]]),
                np.array([1.0, 0.0, 0.0]), 2.0)
    assert tuple(canvas[20, 20]) == (0, 255, 0, 255)   # centre: fill colour, opaque
    assert tuple(canvas[20, 27])[:3] == (255, 0, 0)      # on the rim (distance 7): rim colour
    assert tuple(canvas[20, 28])[:3] == (128, 0, 0)      # edge (distance 8): half covered
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
