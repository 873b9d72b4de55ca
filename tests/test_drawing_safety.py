"""Nothing a picture can contain may abort a render.

A dense grid that made Cairo 1.16's fast rasteriser (``ANTIALIAS_FAST``)
corrupt the heap (``free(): invalid size``, SIGABRT) is drawn in a
subprocess, so a regression fails this test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

ABORTED_CAIRO = textwrap.dedent("""
    import numpy as np
    from manim import VMobject
    from nnanim.mobjects import FastCamera, Polylines

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
