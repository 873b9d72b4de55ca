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
    if name == "digits":  # each digit in the palette's colour of that digit, in every video
        colours = np.array(load_theme("dark").class_rgb(10))[REAL_DATASETS["digits"].kept(k)] * 255
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



_STORIES = [({"dataset": name}, name) for name in REAL_DATASETS] + \
    [({"dataset": "digits", "classes": 10}, "digits-10")]


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
@pytest.mark.parametrize("options", [o for o, _ in _STORIES], ids=[i for _, i in _STORIES])
def test_every_real_caption_fits_its_box_in_every_frame_shape(options, aspect):
    """Every caption of a real dataset's story (wine's feature "od280/od315 of diluted wines"
    wrapped one word a line, ran into the picture and over the footer) fits the caption region
    of the frame, never one word a line; no principal axis is named with a trailing "…"; breast
    cancer's classes are named."""
    from storyboards import dry_run

    from nnanim.layout import pixel_size

    scene = dry_run("layers", {**options, "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    texts = [(b.title, b.detail) for b in scene.beats]
    if options["dataset"] != "digits":  # (named features: a beat on what the axes are made of)
        assert any(title == "principal axes" for title, _ in texts)
    shown = {t for shot in scene.shots for t, _ in shot.texts}
    assert not any(t.startswith("p") and " · " in t and "…" in t for t in shown), shown
    if options["dataset"] == "breast-cancer":  # its two classes named, at its output
        from storyboards import tanh_sigmoid_forward

        run = scene.job.run
        assert run.class_names == ["malignant", "benign"]
        assert "a straight line splits malignant from benign" in texts[-1][1]
        # it opens on its end, as the stories of three classes do, then flies back
        assert texts[0] == ("where the layers lead the data",
                            "a straight line splits malignant from benign")
        assert texts[1][0] == "back to the input"
        # the points it gets wrong, recomputed by an independent forward pass: ringed, counted
        wrong = np.flatnonzero((tanh_sigmoid_forward(run, run.X) > 0.5) != run.y)
        rings = [m for m in scene.mobjects if hasattr(m, "rings")]
        assert len(wrong) and len(rings) == 1 and sorted(rings[0].indices) == list(wrong)
        assert f"; {len(wrong)} wrong, ringed" in texts[-1][1]
    box = scene.layout.caption
    for title, detail in texts:
        cap = scene.caption(title, detail)
        assert cap.width <= box.width + 1e-6 and cap.height <= box.height + 1e-6, \
            (title, detail, cap.width, cap.height, box.width, box.height)
        lines = cap[-1].original_text.split("\n")  # never one word a line in a long text
        assert len(lines) < 3 or max(len(line) for line in lines) > 12, lines
