"""Real data rendered: every real dataset through ``layers`` in every frame shape, judged from
decoded frames.  (Its pure side, the datasets and projections, is tested in the core lane.)"""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.contract import resolve
from nnanim.core.data import REAL_DATASETS

pytest.importorskip("sklearn.datasets")


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
@pytest.mark.parametrize("name", list(REAL_DATASETS))
def test_layers_renders_real_data_in_every_frame_shape(name, aspect, tmp_path, isolated_cache,
                                                      decode_frames):
    from storyboards import class_pixels

    from nnanim.layout import pixel_size
    from nnanim.media.render import RenderSettings, render
    from nnanim.theme import load_theme

    job = resolve("layers", {"dataset": name, "aspect": aspect, "epochs": 200, "duration": 4})
    out = render(job, RenderSettings(quality="l", fps=5, output=tmp_path / "out.mp4", progress=False))
    frames, _ = decode_frames(out)
    width, height = pixel_size(aspect, 480)
    assert frames.shape[1:] == (height, width, 3)
    k = job.data.n_classes
    colours = np.array(load_theme("dark").class_rgb(k)) * 255
    # the first frame already shows every class in its own colour (three classes or more open
    # on their class corners: each class's points piled at its corner, named in its colour),
    # and the opening shows each as a cloud of its own colour
    first = class_pixels(frames[0], colours, tolerance=30)
    assert min(len(p) for p in first) > 5, [len(p) for p in first]
    opening = [min(len(p) for p in class_pixels(f, colours, tolerance=30))
               for f in frames[: len(frames) // 3]]
    assert max(opening) > 20, opening
    # the projected points move: the picture is not a still
    assert np.mean(np.abs(frames[len(frames) // 2].astype(int) - frames[0].astype(int))) > 0.5
