"""Your own trained network (nnanim.io.models): every format read faithfully, every bad file refused.

The fixtures in tests/fixtures/models/ were written by PyTorch and Keras
(make_fixtures.py beside them); reference.npz holds the source framework's
own outputs on the data, computed in float64.  ONNX files are also checked
against onnx's ReferenceEvaluator and scikit-learn's estimators against their
own predict_proba/predict, live.  Faithfulness means nnanim's network gives the
source's outputs to 1e-6.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnanim.cli import cli
from nnanim.contract import resolve
from nnanim.core.data import make_dataset
from nnanim.core.record import Run, train
from nnanim.errors import NnanimError
from nnanim.io.models import (
    MAX_HEADER_BYTES,
    ModelFileError,
    export_safetensors,
    from_sklearn,
    load_model,
    read_model,
    sniff,
)

FIX = Path(__file__).parent / "fixtures" / "models"
REF = np.load(FIX / "reference.npz")
TOL = 1e-6


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(run: Run, X: np.ndarray, record: int = -1) -> np.ndarray:
    """The run's logits at ``record``, computed here from its weights (not with nnanim.core.nn)."""
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
            "leaky_relu": lambda z: np.where(z > 0, z, 0.1 * z), "linear": lambda z: z}
    h = X
    for l in range(len(run.weights)):
        h = h @ run.weights[l][record].T + run.biases[l][record]
        if l < len(run.weights) - 1:
            h = acts[run.activations[l]](h)
    return h


# --------------------------------------------------------------------------- faithfulness


def test_the_data_is_the_data_the_fixtures_were_made_on():
    assert np.array_equal(make_dataset("blobs").X, REF["blobs_X"])
    assert np.array_equal(make_dataset("moons").X, REF["moons_X"])


@pytest.mark.parametrize("name", ["blobs.safetensors", "blobs_gemm.onnx", "blobs_dynamo.onnx",
                                  "blobs_matmul.onnx"])
def test_a_torch_network_as_safetensors_and_onnx_gives_torchs_logits(name):
    if name.endswith(".onnx"):
        pytest.importorskip("onnx")
    run = load_model(FIX / name, data="blobs")
    assert run.widths == [2, 4, 4, 3] and run.activations == ["tanh", "relu"]
    assert run.task == "multiclass" and run.n_classes == 3 and len(run) == 1
    X = REF["blobs_X"]
    np.testing.assert_allclose(run.forward(-1, X).logits, REF["blobs_logits"], rtol=0, atol=TOL)
    np.testing.assert_allclose(forward(run, X), REF["blobs_logits"], rtol=0, atol=TOL)
    # the recorded accuracy is recomputed from torch's logits
    assert run.accuracy[0] == pytest.approx(np.mean(REF["blobs_logits"].argmax(1) == run.y))


def test_layers_named_out_of_order_are_put_in_the_one_order_that_chains(tmp_path):
    from safetensors.numpy import load_file, save_file

    t = load_file(FIX / "blobs.safetensors")  # 0 (2→4), 2 (4→4), 4 (4→3)
    renamed = {"head.weight": t["4.weight"], "head.bias": t["4.bias"], "hidden.0.weight": t["0.weight"],
               "hidden.0.bias": t["0.bias"], "hidden.2.weight": t["2.weight"], "hidden.2.bias": t["2.bias"]}
    save_file(renamed, tmp_path / "r.safetensors", metadata={"activations": "tanh,relu"})
    run = load_model(tmp_path / "r.safetensors", data="blobs")
    np.testing.assert_allclose(run.forward(-1, REF["blobs_X"]).logits, REF["blobs_logits"], atol=TOL)
    # two orders chain (b, c, a and c, b, a): the names' order stands, refused with its shapes
    square = {"b.weight": np.eye(2), "a.weight": np.ones((3, 2)), "c.weight": np.eye(2)}
    save_file(square, tmp_path / "s.safetensors", metadata={"activations": "tanh,tanh"})
    assert "layer 'b' takes 2 inputs; the layer before gives 3" in refused(tmp_path / "s.safetensors")


def test_float32_and_float16_weights_are_read_exactly(tmp_path):
    from safetensors.numpy import load_file, save_file

    t = load_file(FIX / "blobs.safetensors")
    for dtype in (np.float32, np.float16):
        save_file({k: v.astype(dtype) for k, v in t.items()}, tmp_path / "f.safetensors",
                  metadata={"activations": "tanh,relu"})
        run = load_model(tmp_path / "f.safetensors", data="blobs")
        assert np.array_equal(run.weights[0][0], t["0.weight"].astype(dtype).astype(np.float64))


def test_the_safetensors_metadata_names_the_data_and_activations():
    run = load_model(FIX / "blobs.safetensors")  # no data given: blobs, from the metadata
    assert run.dataset_spec == "blobs" and np.array_equal(run.X, REF["blobs_X"])


@pytest.mark.parametrize("name", ["blobs_gemm.onnx", "blobs_dynamo.onnx", "blobs_matmul.onnx",
                                  "moons_sigmoid.onnx"])
def test_onnx_matches_the_reference_evaluator(name):
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    data = "moons" if "moons" in name else "blobs"
    run = load_model(FIX / name, data=data)
    X = REF[f"{data}_X"]
    (expected,) = ReferenceEvaluator(onnx.load(FIX / name)).run(None, {"x": X})
    got = run.network().predict_output(X) if "sigmoid" in name else run.forward(-1, X).logits
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=0, atol=TOL)


def test_gemm_attributes_flatten_identity_and_softmax_follow_the_reference_evaluator(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(4)
    inits = [numpy_helper.from_array(rng.normal(size=(2, 3)), "B0"),  # transB=0: (in, out)
             numpy_helper.from_array(rng.normal(size=(3,)), "C0"),
             numpy_helper.from_array(rng.normal(size=(3, 3)), "B1"),  # transB=1: (out, in)
             numpy_helper.from_array(rng.normal(size=(1, 3)), "C1")]
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "B0", "C0"], ["z0"], name="g0", alpha=0.5, beta=2.0),
             helper.make_node("Sigmoid", ["z0"], ["h0"], name="s0"),
             helper.make_node("Identity", ["h0"], ["i0"], name="id"),
             helper.make_node("Gemm", ["i0", "B1", "C1"], ["z1"], name="g1", transB=1),
             helper.make_node("Softmax", ["z1"], ["y"], name="sm", axis=-1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])], inits)
    path = tmp_path / "gemm.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    run = load_model(path, data="blobs")
    assert run.activations == ["sigmoid"] and run.meta["source"]["output"] == "softmax"
    X = REF["blobs_X"]
    (expected,) = ReferenceEvaluator(onnx.load(path)).run(None, {"x": X})
    np.testing.assert_allclose(run.network().predict_output(X), expected, rtol=0, atol=1e-12)


def test_leaky_relu_and_a_sigmoid_output_are_a_binary_network():
    pytest.importorskip("onnx")
    run = load_model(FIX / "moons_sigmoid.onnx", data="moons")
    assert run.task == "binary" and run.activations == ["leaky_relu"]
    p = run.network().predict_output(REF["moons_X"])
    np.testing.assert_allclose(p, REF["moons_sigmoid_p"][:, 0], rtol=0, atol=TOL)
    np.testing.assert_allclose(1 / (1 + np.exp(-forward(run, REF["moons_X"])[:, 0])), p, atol=1e-12)


def test_a_keras_sequential_gives_keras_probabilities():
    pytest.importorskip("h5py")
    run = load_model(FIX / "blobs.keras", data="blobs")
    assert run.widths == [2, 4, 3] and run.activations == ["tanh"]
    X = REF["blobs_X"]
    np.testing.assert_allclose(run.network().predict_output(X), REF["keras_blobs_probs"], atol=TOL)
    np.testing.assert_allclose(softmax(forward(run, X)), REF["keras_blobs_probs"], atol=TOL)


def test_a_torch_state_dict_gives_torchs_logits():
    """Read without torch (blobs.pt was written by torch.save; REF holds torch's own logits)."""
    run = load_model(FIX / "blobs.pt", data="blobs", activation="tanh,relu")
    np.testing.assert_allclose(run.forward(-1, REF["blobs_X"]).logits, REF["blobs_logits"], atol=TOL)
    # and equal to torch.load(weights_only=True) where torch is installed
    try:
        import torch
    except ImportError:
        return
    state = torch.load(str(FIX / "blobs.pt"), map_location="cpu", weights_only=True)
    weights = [v.numpy() for k, v in state.items() if k.endswith("weight")]
    assert [np.array_equal(a[-1], b) for a, b in zip(run.weights, weights)] == [True] * 3


def _with_storages(tmp_path: Path, storage: str, dtype: str, pickle_edit=None) -> Path:
    """blobs.pt rewritten as another storage type (the pickle names it as a GLOBAL line)."""
    src = zipfile.ZipFile(FIX / "blobs.pt")
    out = tmp_path / f"blobs_{storage}.pt"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"torch\nDoubleStorage\n", f"torch\n{storage}\n".encode())
                data = pickle_edit(data) if pickle_edit else data
            elif "/data/" in info.filename:
                values = np.frombuffer(data, dtype="<f8")
                if dtype == "bf16":  # round to the upper half of a float32
                    data = (values.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
                else:
                    data = values.astype(dtype).tobytes()
            dst.writestr(info.filename, data)
    return out


def _rounded(values: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bf16":  # truncated to the upper half of a float32, widened back
        return ((values.astype("<f4").view("<u4") >> 16) << 16).view("<f4").astype(float)
    return values.astype(dtype).astype(float)


@pytest.mark.parametrize(("storage", "dtype"), [("FloatStorage", "<f4"), ("HalfStorage", "<f2"),
                                                ("BFloat16Storage", "bf16")])
def test_float32_half_and_bfloat16_state_dicts_are_read(tmp_path, storage, dtype):
    exact = load_model(FIX / "blobs.pt", data="blobs", activation="tanh,relu")
    run = load_model(_with_storages(tmp_path, storage, dtype), data="blobs", activation="tanh,relu")
    for a, b in zip(run.weights + run.biases, exact.weights + exact.biases):
        assert np.array_equal(a[-1], _rounded(b[-1], dtype))


def test_a_state_dict_pickle_naming_anything_else_is_refused_unread(tmp_path):
    evil = _with_storages(tmp_path, "DoubleStorage", "<f8",
                          lambda d: d.replace(b"collections\nOrderedDict\n", b"os\nsystem\n"))
    message = refused(evil, activation="tanh,relu")
    assert "os.system" in message and "never unpickles" in message and "safetensors" in message


def test_a_tensor_header_larger_than_its_storage_is_refused(tmp_path):
    # the first tensor's size (4, 2) and stride (2, 1) become (200, 2) and (0, 1): 400 values
    # read from a storage of 8
    big = _with_storages(tmp_path, "DoubleStorage", "<f8",
                         lambda d: d.replace(b"K\x00K\x04K\x02\x86", b"K\x00K\xc8K\x02\x86", 1)
                         .replace(b"K\x02K\x01\x86", b"K\x00K\x01\x86", 1))
    assert "larger than its storage" in refused(big, activation="tanh,relu")


def test_a_state_dict_needs_its_activations():
    with pytest.raises(ModelFileError, match="--activation"):
        load_model(FIX / "blobs.pt", data="blobs")


def test_from_torch_reads_an_in_memory_sequential():
    torch = pytest.importorskip("torch")
    from torch import nn

    import nnanim

    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.5), nn.Linear(3, 2), nn.Tanh(),
                          nn.Linear(2, 1)).double().eval()
    run = nnanim.from_torch(model, data="moons")
    X = REF["moons_X"]
    with torch.no_grad():
        expected = model(torch.tensor(X)).numpy()
    assert run.task == "binary" and run.activations == ["relu", "tanh"]
    np.testing.assert_allclose(run.forward(-1, X).logits, expected, rtol=0, atol=TOL)
    with pytest.raises(ModelFileError, match="Conv1d"):
        nnanim.from_torch(nn.Sequential(nn.Conv1d(1, 1, 1)), data="moons")


@pytest.fixture(scope="module")
def sklearn_blobs():
    neural = pytest.importorskip("sklearn.neural_network")
    data = make_dataset("blobs")
    est = neural.MLPClassifier(hidden_layer_sizes=(4, 2), activation="tanh", max_iter=300,
                               random_state=0).fit(data.X, data.y)
    return est, data


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_from_sklearn_classifier_gives_predict_proba(sklearn_blobs):
    import nnanim

    est, data = sklearn_blobs
    run = nnanim.from_sklearn(est, data=data)
    assert run.task == "multiclass" and run.widths == [2, 4, 2, 3] and run.epochs[-1] == est.n_iter_
    np.testing.assert_allclose(run.network().predict_output(data.X), est.predict_proba(data.X), atol=TOL)
    assert np.array_equal(run.network().predict(data.X), est.predict(data.X))
    assert run.accuracy[0] == pytest.approx(est.score(data.X, data.y))
    assert run.meta["source"]["class_names"] == ["0", "1", "2"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_from_sklearn_binary_and_regressor():
    neural = pytest.importorskip("sklearn.neural_network")
    moons = make_dataset("moons")
    clf = neural.MLPClassifier(hidden_layer_sizes=(3,), activation="relu", max_iter=200,
                               random_state=0).fit(moons.X, moons.y)
    run = from_sklearn(clf, data=moons)
    assert run.task == "binary"
    np.testing.assert_allclose(run.network().predict_output(moons.X), clf.predict_proba(moons.X)[:, 1],
                               atol=TOL)
    sine = make_dataset("sine")
    reg = neural.MLPRegressor(hidden_layer_sizes=(5,), activation="logistic", max_iter=200,
                              random_state=0).fit(sine.X, sine.y)
    run = from_sklearn(reg, data=sine)
    assert run.task == "regression" and run.activations == ["sigmoid"]
    np.testing.assert_allclose(run.network().predict(sine.X), reg.predict(sine.X), atol=TOL)


# --------------------------------------------------------------------------- checkpoints


def _bce(z, y):
    return float(np.mean(np.logaddexp(0, z) - y * z))


@pytest.mark.parametrize("spec", ["ckpt", "ckpt/epoch_*.safetensors"])
def test_five_checkpoints_are_five_recorded_epochs(spec):
    run = load_model(str(FIX / spec))
    assert run.epochs.tolist() == [0, 10, 20, 40, 80]  # by the numbers, not the names' sort (10 < 2?)
    X, y = REF["moons_X"], run.y
    for r, epoch in enumerate(run.epochs):
        expected = REF[f"ckpt_{epoch}_logits"]
        np.testing.assert_allclose(run.forward(r, X).logits, expected, rtol=0, atol=TOL)
        assert run.loss[r] == pytest.approx(_bce(expected[:, 0], y), abs=1e-9)
        assert run.accuracy[r] == pytest.approx(np.mean((expected[:, 0] > 0) == y))
    assert run.loss[-1] < run.loss[0]
    assert "imported" not in run.describe() and run.describe().endswith("epoch 80")


def test_checkpoints_need_numbers_and_matching_shapes(tmp_path):
    for n in (1, 2):
        (tmp_path / f"epoch_{n}.safetensors").write_bytes((FIX / "ckpt/epoch_0.safetensors").read_bytes())
    (tmp_path / "last.safetensors").write_bytes(b"x")
    with pytest.raises(ModelFileError, match="number in its name"):
        load_model(tmp_path)
    (tmp_path / "last.safetensors").unlink()
    (tmp_path / "epoch_3.safetensors").write_bytes((FIX / "blobs.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match="differ from the first"):
        load_model(tmp_path)


# --------------------------------------------------------------------------- out and back


@pytest.mark.parametrize("options", [dict(dataset="blobs", classes=4), dict(dataset="sine"),
                                     dict(dataset="arc"), dict(dataset="moons", task="autoencoder")])
def test_every_task_goes_out_and_comes_back(tmp_path, options):
    run = train(hidden=[3, 2], epochs=5, seed=1, **options)
    back = load_model(export_safetensors(run, tmp_path / "m.safetensors"))
    assert back.task == run.task and back.n_classes == run.n_classes
    assert np.array_equal(back.X, run.X) and np.array_equal(back.y, run.y)
    assert all(np.array_equal(W[-1], W2[0]) for W, W2 in zip(run.weights, back.weights))
    np.testing.assert_allclose(back.loss[0], run.loss[-1], rtol=1e-12)


def test_a_run_goes_out_as_safetensors_and_comes_back_equal(tmp_path):
    run = train(dataset="moons", hidden=[3, 2], epochs=30, record_every=10, seed=2)
    path = export_safetensors(run, tmp_path / "m.safetensors")
    back = load_model(path)  # the data from the metadata: moons, seed 2
    assert np.array_equal(back.X, run.X) and np.array_equal(back.y, run.y)
    assert back.epochs.tolist() == [30] and back.activations == run.activations
    for W, W2, b, b2 in zip(run.weights, back.weights, run.biases, back.biases):
        assert np.array_equal(W[-1], W2[0]) and np.array_equal(b[-1], b2[0])
    assert back.loss[0] == pytest.approx(run.loss[-1], abs=1e-12)
    assert back.accuracy[0] == run.accuracy[-1]
    # torch's nn.Sequential takes the file as it is
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    from torch import nn

    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)).double()
    seq.load_state_dict(load_file(path))
    with torch.no_grad():
        np.testing.assert_allclose(seq(torch.tensor(run.X)).numpy(), run.forward(-1).logits, atol=1e-12)


def test_the_cli_imports_and_exports(tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["import", str(FIX / "ckpt"), "-o", str(tmp_path / "c.npz")])
    assert out.exit_code == 0, out.output
    run = Run.load(tmp_path / "c.npz")
    assert run.epochs.tolist() == [0, 10, 20, 40, 80]
    info = runner.invoke(cli, ["info", str(tmp_path / "c.npz")])
    assert info.exit_code == 0 and "imported      safetensors" in info.output
    out = runner.invoke(cli, ["export", str(tmp_path / "c.npz"), "--epoch", "20", "-o",
                              str(tmp_path / "e.safetensors")])
    assert out.exit_code == 0, out.output
    back = read_model(tmp_path / "e.safetensors")
    assert np.array_equal(back.weights[0], run.weights[0][2]) and back.meta["epoch"] == 20


def test_a_scaler_is_folded_into_the_first_layer_and_said(tmp_path):
    from safetensors.numpy import load_file, save_file

    tensors = load_file(FIX / "blobs.safetensors")
    mean, scale = [0.2, -0.1], [0.5, 2.0]
    save_file(tensors, tmp_path / "s.safetensors",
              metadata={"activations": "tanh,relu", "dataset": "blobs", "input_mean": json.dumps(mean),
                        "input_scale": json.dumps(scale)})
    run = load_model(tmp_path / "s.safetensors")
    X = REF["blobs_X"]
    plain = load_model(FIX / "blobs.safetensors")
    scaled_inputs = (X - np.array(mean)) / np.array(scale)  # what the model saw when it was trained
    np.testing.assert_allclose(run.forward(-1, X).logits, plain.forward(-1, scaled_inputs).logits, atol=1e-12)
    np.testing.assert_array_equal(run.X, X)  # the data itself is not rescaled
    assert run.meta["source"]["scaler"]["scale"] == scale
    assert run.describe().endswith("tanh/relu · imported · inputs scaled")
    # the option spells the same scaler
    out = CliRunner().invoke(cli, ["import", str(FIX / "blobs.safetensors"), "-o", str(tmp_path / "o.npz"),
                                   "--input-mean", "0.2,-0.1", "--input-scale", "0.5,2"])
    assert out.exit_code == 0, out.output
    assert np.array_equal(Run.load(tmp_path / "o.npz").weights[0], run.weights[0])


# --------------------------------------------------------------------------- bad files


def refused(path, data="blobs", **kw) -> str:
    with pytest.raises(ModelFileError) as info:
        load_model(path, data=data, **kw)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_a_shape_mismatch_names_the_layer_and_both_shapes():
    message = refused(FIX / "blobs.safetensors", "sine")
    assert "layer 0 takes 2 inputs; the data 'sine' has 1 column" in message
    assert "output layer 2 (3 units) does not fit 2-class data (needs 2 outputs)" in \
        refused(FIX / "blobs.safetensors", "moons")
    assert "regression" in refused(FIX / "blobs.safetensors", "ripple")
    pytest.importorskip("onnx")
    assert "output layer 1 (1 unit, sigmoid) does not fit 3-class data" in \
        refused(FIX / "moons_sigmoid.onnx", "blobs")


def _onnx_with(node_op: str, tmp_path: Path) -> Path:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    W = numpy_helper.from_array(np.ones((2, 3)), "W")
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="dense"),
             helper.make_node(node_op, ["h"], ["y"], name="odd_one")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])], [W])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), path)
    return path


def test_an_unsupported_operator_is_named_with_its_node(tmp_path):
    message = refused(_onnx_with("Abs", tmp_path))
    assert "node 'odd_one' (Abs): unsupported operator Abs" in message


def test_a_leaky_relu_of_another_slope_is_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    path = _onnx_with("LeakyRelu", tmp_path)  # ONNX's default alpha, 0.01
    m = onnx.load(path)
    assert "LeakyReLU slope 0.01; nnanim draws slope 0.1 only" in refused(path)
    del m


def test_pickles_are_never_loaded(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    for i, payload in enumerate([pickle.dumps(Boom()), pickle.dumps({"0.weight": [[1.0]]}, protocol=2)]):
        path = tmp_path / f"p{i}.pt"
        path.write_bytes(payload)
        assert "pickle" in refused(path) and "safetensors" in refused(path)
    assert not (tmp_path / "pwned").exists()
    # a torch.save'd module: a zip whose data.pkl needs arbitrary classes
    message = refused(FIX / "module_pickled.pt", activation="tanh,relu")
    assert "safetensors" in message and "ONNX" in message


def test_nan_weights_are_refused(tmp_path):
    from safetensors.numpy import load_file, save_file

    tensors = load_file(FIX / "blobs.safetensors")
    tensors["2.weight"][1, 1] = np.nan
    save_file(tensors, tmp_path / "nan.safetensors", metadata={"activations": "tanh,relu"})
    assert "layer 1 weights hold NaN or infinite values" in refused(tmp_path / "nan.safetensors")


def test_a_header_claiming_10_gb_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.safetensors"
    path.write_bytes(struct.pack("<Q", 10 * 2**30) + b'{"a": 1}')
    assert "header claims 10737418240 bytes" in refused(path)
    # a tensor claiming 10 GB inside a small, well-formed header
    header = json.dumps({"0.weight": {"dtype": "F64", "shape": [2**17, 2**14], "data_offsets": [0, 2**34]}})
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode())
    reads = []
    real_open = open

    def counting_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if str(file) == str(path):
            real_read = fh.read
            fh.read = lambda n=-1: reads.append(n) or real_read(n)
        return fh

    import builtins

    monkeypatch.setattr(builtins, "open", counting_open)
    assert "needs 17179869184 bytes" in refused(path)
    assert all(0 <= n <= max(8, len(header)) for n in reads)  # never more than the header
    assert MAX_HEADER_BYTES < 10 * 2**30


def test_wrong_magic_truncation_and_foreign_files(tmp_path):
    (tmp_path / "junk.onnx").write_bytes(b"GIF89a" + bytes(100))
    assert "unrecognised format" in refused(tmp_path / "junk.onnx")
    (tmp_path / "empty.safetensors").write_bytes(b"")
    assert "not a model file" in refused(tmp_path / "empty.safetensors")
    run = train(dataset="moons", hidden=[2], epochs=1)
    run.save(tmp_path / "r.npz")
    assert "--run" in refused(tmp_path / "r.npz")
    assert "no such file" in refused(tmp_path / "missing.onnx")
    data = (FIX / "blobs.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.keras")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    (tmp_path / "other.zip").write_bytes(buf.getvalue())
    assert "neither a PyTorch state_dict nor a Keras" in refused(tmp_path / "other.zip")


FUZZED = ["blobs.safetensors", "blobs_gemm.onnx", "blobs_dynamo.onnx", "moons_sigmoid.onnx", "blobs.keras",
          "ckpt/epoch_0.safetensors", "blobs.pt"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FUZZED), cut=st.floats(0, 1), flips=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4))
def test_fuzzed_files_load_or_are_refused_in_one_line(tmp_path, name, cut, flips):
    data = bytearray((FIX / name).read_bytes())
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    data = bytes(data[: max(0, int(cut * len(data))) if cut < 0.98 else len(data)])
    path = tmp_path / ("f" + Path(name).suffix)
    path.write_bytes(data)
    data_name = "moons" if "moons" in name or "ckpt" in name else "blobs"
    try:
        run = load_model(path, data=data_name, activation="tanh,relu" if "blobs.s" in name else "tanh")
    except NnanimError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(np.all(np.isfinite(W)) for W in run.weights)


def test_sniffing_reads_bytes_not_suffixes(tmp_path):
    for name, fmt in [("blobs.safetensors", "safetensors"), ("blobs_gemm.onnx", "onnx"),
                      ("blobs.keras", "keras"), ("blobs.pt", "torch")]:
        renamed = tmp_path / ("model" + (".bin" if fmt != "onnx" else ".pt"))
        renamed.write_bytes((FIX / name).read_bytes())
        assert sniff(renamed) == fmt


# --------------------------------------------------------------------------- the command line and scenes


def test_model_and_run_together_are_refused_in_one_line(tmp_path):
    run = train(dataset="blobs", hidden=[2], epochs=1)
    run.save(tmp_path / "r.npz")
    out = CliRunner().invoke(cli, ["render", "layers", "--model", str(FIX / "blobs_gemm.onnx"),
                                   "--run", str(tmp_path / "r.npz"), "-d", "blobs"])
    assert out.exit_code == 2
    assert out.output.strip().splitlines() == [
        "Error: --model and --run: give one of them (a model file, or a run file to replay)"]


def test_model_works_in_a_config_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'scene = "neurons"\nmodel = "{FIX / "ckpt"}"\n', encoding="utf-8")
    out = CliRunner().invoke(cli, ["render", "--config", str(config), "--dump-config"])
    assert out.exit_code == 0, out.output
    assert f'model = "{FIX / "ckpt"}"' in out.output and 'dataset = "moons"' in out.output


def test_the_io_package_imports_without_manim():
    code = "import sys, nnanim.io.models; assert 'manim' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


TINY = dict(short_side=90, fps=3)


def _decoded(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _render(scene: str, tmp_path: Path, **options) -> list[np.ndarray]:
    from nnanim.media.render import RenderSettings, render

    settings = RenderSettings(quality="l", output=tmp_path / f"{scene}.mp4", progress=False, **TINY)
    path = render(scene, settings, {"duration": 8.0, **options})
    frames = _decoded(path)
    assert frames and frames[0].shape[:2] == (90, 160)
    assert max(float(f.std()) for f in frames) > 10  # a picture, not a blank frame
    return frames


MODELS = {
    "onnx": dict(model=str(FIX / "blobs_gemm.onnx"), dataset="blobs"),
    "safetensors": dict(model=str(FIX / "blobs.safetensors")),
    "state_dict": dict(model=str(FIX / "blobs.pt"), dataset="blobs", activation="tanh,relu"),
}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(MODELS))
@pytest.mark.parametrize("scene", ["layers", "neurons", "by-hand"])
def test_an_imported_torch_network_renders(scene, fmt, tmp_path):
    pytest.importorskip({"onnx": "onnx"}.get(fmt, "safetensors"))  # a state_dict is read without torch
    options = MODELS[fmt]
    job = resolve(scene, options)
    np.testing.assert_allclose(job.run.forward(-1, REF["blobs_X"]).logits, REF["blobs_logits"], atol=TOL)
    _render(scene, tmp_path, **options)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("scene", ["layers", "neurons", "by-hand"])
def test_a_scikit_learn_classifier_renders(scene, sklearn_blobs, tmp_path):
    est, data = sklearn_blobs
    run = from_sklearn(est, data=data)
    np.testing.assert_allclose(run.network().predict_output(data.X), est.predict_proba(data.X), atol=TOL)
    _render(scene, tmp_path, run=run)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_scikit_learn_classifier_trained_on_iris_renders_layers_and_the_plane_scenes_refuse_it(
        tmp_path):
    """The issue's own case: an MLPClassifier on iris (4 inputs). ``layers`` draws it through its
    principal axes; scenes that draw the input plane themselves refuse it in one line."""
    neural = pytest.importorskip("sklearn.neural_network")
    data = make_dataset("iris")
    est = neural.MLPClassifier(hidden_layer_sizes=(4, 2), activation="tanh", max_iter=500,
                               random_state=0).fit(data.X, data.y)
    run = from_sklearn(est, data=data)
    assert run.widths == [4, 4, 2, 3]
    np.testing.assert_allclose(run.network().predict_output(data.X), est.predict_proba(data.X), atol=TOL)
    _render("layers", tmp_path, run=run)
    for scene in ("neurons", "by-hand"):
        with pytest.raises(NnanimError) as info:
            resolve(scene, {"run": run})
        assert "\n" not in str(info.value) and "4" in str(info.value)


@pytest.mark.slow
def test_five_checkpoints_render_training_with_five_epochs(tmp_path):
    job = resolve("training", {"model": str(FIX / "ckpt")})
    assert job.run.epochs.tolist() == [0, 10, 20, 40, 80]
    frames = _render("training", tmp_path, model=str(FIX / "ckpt"))
    assert len(frames) > 10
