"""The README's "Adding a scene" example is a working scene: it renders in every frame shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnanim.contract import resolve
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render

README = Path(__file__).parent.parent / "README.md"


def readme_scene():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Adding a scene"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {"__name__": "readme_scene"}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["SCENE"]


def test_the_example_refuses_regression_before_anything_runs():
    scene = readme_scene()
    with pytest.raises(NnanimError, match="MyScene shows classes; sine is a regression dataset"):
        resolve(scene, {"dataset": "sine"})
    with pytest.raises(NnanimError, match="my-scene draws the last hidden layer, so the last hidden "
                                          "layer needs 2 or 3 units; got 5"):
        resolve(scene, {"hidden": [8, 5]})


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_the_example_renders(aspect, isolated_cache, decode_frames):
    scene = readme_scene()
    out = render(scene, RenderSettings(quality="l", short_side=90, fps=4, progress=False,
                                       output=Path("mine.mp4")),
                 {"epochs": 50, "n_samples": 80, "aspect": aspect})
    frames, _ = decode_frames(out)
    assert frames.shape[1:3] == ((90, 160) if aspect == "16:9" else (160, 90))
    assert len(frames) >= 4 * 2  # at least the opening hold and the final wait
