"""A dumped config renders the same video again: decoded frames identical, frame for frame."""

from __future__ import annotations

import numpy as np
import pytest

import nnanim
from nnanim.contract import resolve
from nnanim.options import dump_config, load_config


@pytest.mark.slow
def test_rendering_from_a_dumped_config_gives_the_same_frames(isolated_cache, tmp_path, decode_frames):
    given = {"dataset": "moons", "epochs": 40, "n_samples": 100, "aspect": "1:1", "theme": "light",
             "seed": 3, "duration": 6.0, "quality": "l", "fps": 4}
    job = resolve("layers", {k: v for k, v in given.items() if k not in ("quality", "fps")})
    config = tmp_path / "clip.toml"
    config.write_text(dump_config({**job.resolved_options(), "quality": "l", "fps": 4.0}, "render",
                                  scene="layers"))
    values = load_config(config, "render")
    assert values.pop("scene") == "layers"
    assert values["n_samples"] == 100 and values["lr"] == 0.02 and values["hidden"] == [2, 2, 2, 2]

    first = nnanim.render("layers", **given, short_side=90, output=str(tmp_path / "a.mp4"))
    # rendered again, not copied from the cache: the frames themselves must be the same
    again = nnanim.render("layers", **{**values, "no_cache": True}, short_side=90,
                          output=str(tmp_path / "b.mp4"))
    a, _ = decode_frames(first)
    b, _ = decode_frames(again)
    assert a.shape == b.shape and len(a) > 10
    assert np.array_equal(a, b)
