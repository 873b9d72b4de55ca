"""Curves and lines in display or input space, against independent computations written here.

Pure NumPy: nothing here imports Manim.
"""

from __future__ import annotations

import numpy as np

from nnanim.curves import clip_line, plane_in_box


def test_clip_line_and_plane_in_box():
    ends = clip_line(np.array([1.0, -1.0]), 0.5, (-1.0, 1.0, -1.0, 1.0))
    assert np.allclose(ends @ [1.0, -1.0] + 0.5, 0.0)
    assert np.allclose(np.sort(ends[:, 0]), [-1.0, 0.5])
    assert clip_line(np.array([1.0, 0.0]), -3.0, (-1.0, 1.0, -1.0, 1.0)) is None
    poly = plane_in_box(np.array([0.0, 0.0, 1.0]), -0.2, np.zeros(3), 1.0)
    assert poly.shape == (4, 3) and np.allclose(poly[:, 2], 0.2)
    hexagon = plane_in_box(np.ones(3), 0.0, np.zeros(3), 1.0)
    assert len(hexagon) == 6 and np.allclose(hexagon.sum(axis=1), 0.0)
