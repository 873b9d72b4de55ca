"""Every scene in every frame shape at ``-q l``, rendered once per test process and judged by many tests.

Part 2 of test_every_scene.py (the frame size, a first frame that shows the data, a large
picture, no one-frame jump) and the posters' decoded-time checks (no still picture longer than
3 s but the last; no empty panel) judge the same video: the scene's default story on a short
training (the story, its layout and its timing do not depend on how long the network trained),
at 480p and 5 fps.  Rendering it once for all of them is the suite's largest saving of drawing.

The tests that judge a scene's renders carry ``group(scene)``, so that with ``--dist loadgroup``
one test worker renders each scene's shapes, once (the fixture ``shape_render`` in conftest.py
keeps the files for the session).
"""

from __future__ import annotations

import pytest

#: enough for the default spirals to untangle in layers (about 99 %)
EPOCHS = 400
SHAPE_SAMPLES = 300
#: 480p at 5 fps: the frames judged (first, middle, last) are the same pictures as at 15 fps, for
#: a third of the drawing and encoding, so every scene fits in every shape in the suite
SHAPE_FPS = 5  # (at -q l's 480 pixels on the short side)


def options(aspect: str) -> dict:
    """The scene options of the shared render of one frame shape."""
    return {"aspect": aspect, "epochs": EPOCHS, "n_samples": SHAPE_SAMPLES}


def group(scene: str):
    """The mark that sends every test judging ``scene``'s shared renders to one test worker."""
    return pytest.mark.xdist_group(f"shapes-{scene}")
