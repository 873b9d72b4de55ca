"""Job.variant: the job's training with some options changed, trained once."""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.contract import SceneContract, resolve
from nnanim.core.data import make_dataset
from nnanim.core.record import TrainConfig, train_on
from nnanim.errors import NnanimError

OPTIONS = {"dataset": "moons", "n_samples": 80, "hidden": [3, 2], "activation": "relu",
           "epochs": 30, "seed": 3}


class Plain(SceneContract):
    pass


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases))


def test_a_variant_is_the_same_training_with_the_override():
    job = resolve(Plain, OPTIONS)
    tanh = job.variant(activation="tanh")
    direct = train_on(make_dataset("moons", n_samples=80, seed=3),
                      TrainConfig(dataset="moons", n_samples=80, hidden=[3, 2], activation="tanh",
                                  epochs=30, seed=3))
    assert tanh.activations == ["tanh", "tanh"]
    assert same_weights(tanh, direct)
    assert np.array_equal(tanh.X, job.data.X)
    assert job.variant(activation="tanh") is tanh  # trained once
    run = job.variant(activation="relu")  # no change: the job's own run (trained now)
    assert job.run is run and job.variant() is run


def test_a_variant_of_a_run_file_trains_on_the_file_with_its_options(tmp_path):
    job = resolve(Plain, OPTIONS)
    run, _ = job.ensure_run()
    path = run.save(tmp_path / "r.npz")
    replay = resolve(Plain, {"run": str(path)})
    assert replay.config is None
    assert same_weights(replay.variant(activation="tanh"), job.variant(activation="tanh"))
    assert replay.variant() is replay.run


def test_unknown_or_bad_overrides_are_one_line():
    job = resolve(Plain, OPTIONS)
    with pytest.raises(NnanimError, match="not training options: colour"):
        job.variant(colour="red")
    with pytest.raises(NnanimError, match="unknown activation"):
        job.variant(activation="swish")
