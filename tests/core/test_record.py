"""Training loop and run files: exact SGD steps, determinism, round trips, bad files."""

import json
import zipfile

import numpy as np
import pytest

from nnanim.core.data import make_dataset
from nnanim.core.nn import Network
from nnanim.core.record import (
    FORMAT_VERSION,
    Run,
    RunFileError,
    TrainConfig,
    TrainingDiverged,
    train,
    train_on,
)


@pytest.fixture(scope="module")
def small_run():
    return train(dataset="moons", n_samples=120, hidden=[5, 2], epochs=30, record_every=4, seed=3)


def test_spirals_reach_99_percent_with_8_8_2_tanh():
    run = train(dataset="spirals", hidden="8,8,2", activation="tanh", seed=0)
    # recomputed from the recorded weights, not read from the log
    acc = run.network().accuracy(run.X, run.y)
    assert acc >= 0.99
    assert acc == run.accuracy[-1]


def test_full_batch_sgd_records_are_exact_gradient_steps():
    lr = 0.3
    run = train(dataset="circles", n_samples=80, hidden=[4, 3], activation="tanh,relu",
                optimizer="sgd", lr=lr, epochs=6, batch_size=0, l2=0.01, record_every=1)
    assert run.epochs.tolist() == list(range(7))
    for r in range(6):
        net = run.network(r)
        loss, gW, gb, _ = net.gradients(run.X, run.y, l2=0.01)
        assert run.loss[r] == pytest.approx(loss, rel=1e-12)
        for l in range(len(gW)):
            np.testing.assert_allclose(run.weights[l][r + 1], run.weights[l][r] - lr * gW[l],
                                       rtol=0, atol=1e-13)
            np.testing.assert_allclose(run.biases[l][r + 1], run.biases[l][r] - lr * gb[l],
                                       rtol=0, atol=1e-13)


def test_recorded_metrics_match_the_recorded_weights(small_run):
    for r in range(len(small_run)):
        net = small_run.network(r)
        assert small_run.loss[r] == pytest.approx(net.loss(small_run.X, small_run.y), rel=1e-12)
        assert small_run.accuracy[r] == net.accuracy(small_run.X, small_run.y)


def test_record_every_keeps_epoch_zero_and_the_last(small_run):
    assert small_run.epochs.tolist() == [0, 4, 8, 12, 16, 20, 24, 28, 30]
    assert small_run.weights[0].shape == (9, 5, 2)
    assert small_run.biases[2].shape == (9, 1)


def test_same_options_give_bit_identical_runs(tmp_path):
    kw = dict(dataset="xor", n_samples=100, hidden=[6, 2], epochs=20, batch_size=16, seed=7)
    a, b = train(**kw), train(**kw)
    for key, arr in a.arrays().items():
        if key != "meta":
            assert np.array_equal(arr, b.arrays()[key]), key
    c = train(**{**kw, "seed": 8})
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_run_file_holds_exactly_the_documented_arrays(small_run, tmp_path):
    path = small_run.save(tmp_path / "run.npz")
    with np.load(path, allow_pickle=False) as npz:
        keys = set(npz.files)
        assert keys == {"meta", "X", "y", "epochs", "loss", "accuracy", "W0", "W1", "W2", "b0", "b1", "b2"}
        assert npz["X"].dtype == np.float64 and npz["X"].shape == (120, 2)
        assert npz["y"].dtype == np.int64 and npz["epochs"].dtype == np.int64
        assert npz["W1"].shape == (9, 2, 5) and npz["b1"].shape == (9, 2)
        meta = json.loads(str(npz["meta"]))
    assert meta["format"] == "nnanim-run" and meta["format_version"] == 2
    assert meta["options"]["hidden"] == [5, 2] and meta["activations"] == ["tanh", "tanh"]
    assert meta["options"]["seed"] == 3 and meta["task"] == "binary"


def test_save_load_round_trip(small_run, tmp_path):
    loaded = Run.load(small_run.save(tmp_path / "r.npz"))
    assert loaded.meta == small_run.meta
    for key, arr in small_run.arrays().items():
        if key != "meta":
            assert np.array_equal(arr, loaded.arrays()[key])
    # the forward pass of any record is available and consistent
    fwd = loaded.forward(2)
    assert len(fwd.pre) == 3 and fwd.post[0].shape == (120, 5)
    np.testing.assert_allclose(fwd.post[0], np.tanh(fwd.pre[0]))


def test_regression_and_multiclass_runs_round_trip(tmp_path):
    for ds in ("sine", "blobs"):
        run = train(dataset=ds, n_samples=60, hidden=[4], epochs=5)
        loaded = Run.load(run.save(tmp_path / f"{ds}.npz"))
        assert loaded.task == run.task
        assert np.array_equal(loaded.y, run.y)
        if ds == "sine":
            assert np.all(np.isnan(loaded.accuracy)) and loaded.y.dtype == np.float64
        else:
            assert loaded.weights[-1].shape[1] == 3


def test_divergence_raises_and_names_the_epoch():
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch \d+.*lower learning rate"):
        train(dataset="moons", n_samples=50, hidden=[4], optimizer="sgd", lr=1e3, epochs=500,
              activation="linear")


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_bad_run_files_give_one_line_errors(small_run, tmp_path):
    good = small_run.save(tmp_path / "good.npz")
    data = good.read_bytes()
    cases = {
        "truncated.npz": data[: len(data) // 2],
        "garbage.npz": b"not a zip at all" * 10,
        "empty.npz": b"",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    _write_npz(tmp_path / "foreign.npz", a=np.arange(3))
    np.savez(tmp_path / "objects.npz", meta=np.array([{"a": 1}], dtype=object))
    arrays = small_run.arrays()
    meta = json.loads(str(arrays["meta"]))
    future = np.array(json.dumps({**meta, "format_version": 99}))
    _write_npz(tmp_path / "future.npz", **{**arrays, "meta": future})
    _write_npz(tmp_path / "shapes.npz", **{**arrays, "W1": arrays["W1"][:, :, :3]})
    _write_npz(tmp_path / "missing.npz", **{k: v for k, v in arrays.items() if k != "b2"})
    _write_npz(tmp_path / "nan.npz", **{**arrays, "X": arrays["X"] * np.nan})
    expected = {
        "truncated.npz": "not a readable", "garbage.npz": "not a readable", "empty.npz": "not a readable",
        "foreign.npz": "no 'meta'", "objects.npz": "object arrays", "future.npz": "version 99",
        "shapes.npz": "do not chain", "missing.npz": "missing ['b2']", "nan.npz": "NaN",
    }
    for name, needle in expected.items():
        with pytest.raises(RunFileError) as info:
            Run.load(tmp_path / name)
        msg = str(info.value)
        assert needle in msg and name in msg and "\n" not in msg, msg
    with pytest.raises(RunFileError, match="no such file"):
        Run.load(tmp_path / "absent.npz")
    with pytest.raises(RunFileError, match="directory"):
        Run.load(tmp_path)


def test_save_is_atomic(small_run, tmp_path, monkeypatch):
    target = tmp_path / "run.npz"
    target.write_bytes(b"previous")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        small_run.save(target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_record_index_for_epochs(small_run):
    assert small_run.record_index(None) == len(small_run) - 1
    assert small_run.record_index(8) == 2
    with pytest.raises(ValueError, match="not recorded"):
        small_run.record_index(5)


def test_mini_batch_training_learns():
    data = make_dataset("moons", n_samples=200, seed=1)
    run = train_on(data, TrainConfig(dataset="moons", hidden=[8, 2], epochs=60, batch_size=32, seed=1))
    assert run.accuracy[-1] > 0.95 > run.accuracy[0]
    assert isinstance(run.network(), Network)


@pytest.mark.parametrize(
    "kw,needle",
    [
        ({"hidden": "8,,0"}, "positive integers"),
        ({"hidden": [0]}, "between 1 and"),
        ({"activation": "swish"}, "choose from tanh"),
        ({"activation": "tanh,relu"}, "one for all or one per layer"),
        ({"optimizer": "rmsprop"}, "choose from sgd, momentum, adam"),
        ({"lr": 0}, "positive"),
        ({"epochs": -1}, "0 or more"),
        ({"record_every": 0}, "1 or more"),
    ],
)
def test_bad_config_values_are_rejected_clearly(kw, needle):
    with pytest.raises(ValueError, match=needle):
        TrainConfig(**kw).resolved()


def test_npz_is_a_valid_zip(small_run, tmp_path):
    path = small_run.save(tmp_path / "x")  # suffix added
    assert path.name == "x.npz"
    assert zipfile.is_zipfile(path)


def test_a_run_is_described_in_one_wording(tmp_path):
    run = train(dataset="moons", n_samples=60, hidden=[4, 3, 2], activation="relu,tanh,relu",
                epochs=5, record_every=2)
    expected = {"dataset": "moons · 60 points", "architecture": "2 → 4 → 3 → 2 → 1",
                "activations": "relu/tanh", "epoch": "epoch 5"}
    assert run.describe_parts() == expected
    assert run.describe_parts(1)["epoch"] == "epoch 2"
    assert run.describe(0) == "moons · 60 points · 2 → 4 → 3 → 2 → 1 · relu/tanh · epoch 0"
    assert run.dataset_spec == "moons" and run.architecture() == expected["architecture"]
    assert Run.load(run.save(tmp_path / "r.npz")).describe() == run.describe()


def test_top_level_api(tmp_path):
    import nnanim

    run = nnanim.train(dataset="xor", n_samples=80, hidden=[4, 2], epochs=20)
    assert isinstance(run, nnanim.Run)
    loaded = nnanim.Run.load(run.save(tmp_path / "x.npz"))
    assert np.array_equal(loaded.weights[0], run.weights[0])


@pytest.mark.parametrize(("optimizer", "lr", "suggest"), [("adam", 1e6, "0.02"), ("sgd", 1e4, "0.5")])
def test_a_loss_that_explodes_without_nan_is_divergence_too(optimizer, lr, suggest):
    """Finite but far above where it started (1000x): refused like NaN, with the epoch and a rate."""
    with pytest.raises(TrainingDiverged) as caught:
        train(dataset="moons", n_samples=200, optimizer=optimizer, lr=lr, epochs=300)
    error = caught.value
    first, now = error.grew
    assert now > 1000 * first and np.isfinite(now)
    assert f"diverged at epoch {error.epoch} (the loss grew from" in str(error)
    assert str(error).endswith(f"--lr {suggest}")


def test_ordinary_training_never_counts_as_divergence():
    """Every built-in classification dataset with its defaults, and a noisy mini-batch run."""
    for name in ("moons", "circles", "spirals", "xor", "blobs", "checkerboard", "disk-ring"):
        run = train(dataset=name, n_samples=120, epochs=300)
        assert run.loss[-1] < run.loss[0]
    run = train(dataset="spirals", n_samples=120, epochs=100, batch_size=8, lr=0.05)
    assert np.all(np.isfinite(run.loss))


def test_retrain_changes_only_what_it_is_told():
    from nnanim.core.record import retrain

    options = dict(dataset="moons", n_samples=80, hidden=[4, 3], epochs=20, seed=3, lr=0.05)
    run = train(**options)
    linear = retrain(run, activation="linear")
    direct = train(**options, activation="linear")  # the same training, asked for directly
    assert np.array_equal(linear.X, run.X) and np.array_equal(linear.y, run.y)
    assert linear.activations == ["linear", "linear"]
    for a, b in zip(linear.weights, direct.weights):
        assert np.array_equal(a, b)
    assert linear.options["seed"] == 3 and linear.options["lr"] == 0.05
    # a run loaded from a file retrains the same way
    assert np.array_equal(retrain(Run._from_arrays(run.arrays(), "x"), activation="linear")
                          .weights[0], direct.weights[0])
    # another dataset: made from the options, the rest unchanged
    xor = retrain(run, dataset="xor")
    direct = train(**{**options, "dataset": "xor"})
    assert np.array_equal(xor.X, direct.X) and np.array_equal(xor.weights[1], direct.weights[1])
    with pytest.raises(ValueError, match="unknown training option"):
        retrain(run, colour="red")


def test_job_variant_trains_once_and_refuses_in_one_line():
    from nnanim.contract import resolve
    from nnanim.errors import NnanimError

    job = resolve("layers", {"dataset": "moons", "n_samples": 60, "epochs": 5, "hidden": [3, 2]})
    first = job.variant(activation="linear")
    assert job.variant(activation="linear") is first  # once per job
    assert first.activations == ["linear", "linear"] and np.array_equal(first.X, job.run.X)
    with pytest.raises(NnanimError, match="unknown activation"):
        job.variant(activation="wobbly")


# --------------------------------------------------------------------------- autoencoders


@pytest.fixture(scope="module")
def ae_run():
    return train(dataset="swiss-roll", n_samples=150, epochs=60, record_every=20, seed=1)


def test_an_autoencoder_trains_on_its_inputs_and_round_trips(ae_run, tmp_path):
    run = ae_run
    assert run.task == "autoencoder" and run.widths == [3, 16, 2, 16, 3]  # 16, d−1, 16 by default
    assert run.code_width == 2 and run.n_classes == 0 and run.y.dtype == np.float64
    assert np.all(np.isnan(run.accuracy))
    # the recorded loss is the MSE of the reconstruction, recomputed here from the weights
    for r in range(len(run)):
        net = run.network(r)
        h = run.X
        for W, b in zip(net.weights[:-1], net.biases[:-1]):
            h = np.tanh(h @ W.T + b)
        x_hat = h @ net.weights[-1].T + net.biases[-1]
        assert run.loss[r] == pytest.approx(np.mean((x_hat - run.X) ** 2), rel=1e-12)
        assert run.reconstruction_error(r) == pytest.approx(run.loss[r], rel=1e-12)
    assert run.loss[-1] < run.loss[0]
    back = Run.load(run.save(tmp_path / "ae.npz"))
    assert back.meta["format_version"] == FORMAT_VERSION == 2 and back.task == "autoencoder"
    np.testing.assert_array_equal(back.weights[2], run.weights[2])
    np.testing.assert_array_equal(back.y, run.y)


def test_task_autoencoder_ignores_the_labels_of_a_classification_dataset():
    run = train(dataset="moons", n_samples=80, task="autoencoder", epochs=20, seed=0)
    assert run.task == "autoencoder" and run.widths == [2, 16, 1, 16, 2]
    assert run.options["task"] == "autoencoder" and run.meta["dataset"]["params"]["task"] == "binary"
    same = train(dataset="moons", n_samples=80, task="autoencoder", epochs=20, seed=0)
    np.testing.assert_array_equal(run.weights[0], same.weights[0])  # deterministic
    explicit = train(dataset="moons", n_samples=80, task="autoencoder", hidden=[8, 1, 8], epochs=5)
    assert explicit.widths == [2, 8, 1, 8, 2]
    with pytest.raises(ValueError, match="unknown task 'pca'; choose from: autoencoder"):
        train(dataset="moons", task="pca", epochs=1)


def test_a_minibatch_autoencoder_steps_on_its_batches_inputs():
    run = train(dataset="arc", n_samples=64, epochs=3, batch_size=16, seed=2)
    assert np.all(np.isfinite(run.loss)) and run.task == "autoencoder"


def test_a_version_1_file_written_the_old_way_still_loads(small_run, tmp_path):
    """A run file as nnanim wrote it before version 2: format_version 1, no 'task' option."""
    arrays = small_run.arrays()
    meta = json.loads(str(arrays["meta"]))
    meta["format_version"] = 1
    del meta["options"]["task"]
    _write_npz(tmp_path / "v1.npz", **{**arrays, "meta": np.array(json.dumps(meta, sort_keys=True))})
    old = Run.load(tmp_path / "v1.npz")
    assert old.meta["format_version"] == 1 and old.task == "binary"
    np.testing.assert_array_equal(old.weights[0], small_run.weights[0])
    # a version-1 file cannot hold an autoencoder (that task came with version 2)
    meta.update(task="autoencoder")
    _write_npz(tmp_path / "bad.npz", **{**arrays, "meta": np.array(json.dumps(meta))})
    with pytest.raises(RunFileError, match="unknown task 'autoencoder' for format version 1"):
        Run.load(tmp_path / "bad.npz")


def test_an_autoencoder_file_whose_output_is_not_the_input_width_is_refused(ae_run, tmp_path):
    arrays = ae_run.arrays()
    W, b = arrays["W3"], arrays["b3"]
    _write_npz(tmp_path / "narrow.npz", **{**arrays, "W3": W[:, :2], "b3": b[:, :2]})
    with pytest.raises(RunFileError, match="output layer has 2 units; an autoencoder run needs 3"):
        Run.load(tmp_path / "narrow.npz")
