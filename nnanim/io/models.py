"""Your own trained network: an MLP from another framework, as the
:class:`~nnanim.core.record.Run` nnanim replays.

Every reader turns a file into a :class:`Model` (weights ``(out, in)``,
biases, one activation per hidden layer and what the source applies after
the output layer), and :func:`to_run` turns one model, or a list of
checkpoints, plus the data into a run with one recorded epoch per model.

Formats are recognised by their first bytes, never by the file's suffix
(:func:`sniff`):

* **safetensors** (``8-byte length + JSON header``): nnanim's own exchange
  format (:func:`export_safetensors`).  The header is parsed here first and
  bounded (its length, every tensor's dtype, shape and byte range against the
  file's size) before the ``safetensors`` package reads any tensor.  The
  ``__metadata__`` block may hold ``activations``, ``output``, ``task``,
  ``class_names``, ``feature_names``, ``dataset``, ``dataset_params``,
  ``input_mean``/``input_scale`` (a scaler), ``epoch`` and ``layers``.
* **ONNX** (a protobuf ``ModelProto``), through the ``onnx`` package alone:
  a chain of Gemm (any ``transB``, ``alpha``, ``beta``), MatMul + Add, Relu,
  LeakyRelu, Tanh, Sigmoid, Softmax, Identity, Flatten (of a flat input) and
  Constant nodes.  Any other operator is refused, naming it and its node.
* **PyTorch** ``state_dict`` (``torch.save``'s zip holding ``data.pkl``),
  read without torch: a restricted unpickler builds only what
  ``torch.load(..., weights_only=True)`` would allow a state_dict (dicts,
  numbers, strings, tensors), imports nothing, and refuses any other global
  the pickle names.  Torch is several hundred MB to install; a state_dict's
  format is small and fixed.  A state_dict holds no activations, so they come
  from ``activation`` (``--activation``).
* **Keras 3** ``.keras`` (a zip of ``config.json`` and ``model.weights.h5``,
  read with ``h5py``): a Sequential model of Dense (and Activation, Dropout,
  InputLayer) layers.

Never pickle: a bare pickle, a joblib file or a ``torch.save``\\ d module is
refused in one line that names safetensors or ONNX as the way out.  A file
larger than :data:`MAX_FILE_BYTES` is refused before it is opened.

Decisions:

* **The data, exactly as trained.**  nnanim rescales nothing for an imported
  network.  A scaler the model was trained behind (``x' = (x − mean) /
  scale``, from the metadata or the ``scaler`` argument) is folded into the
  first layer (``W/scale``, ``b − W·mean/scale``), so the network reads the
  data as drawn and every pre-activation is the source's; the run's
  ``meta["source"]["scaler"]`` and its dataset description say so.
* **The task** comes from the output layer and the data: softmax or K logits on
  K-class data is multiclass (two-class data included: task ``multiclass``
  with 2 classes), a sigmoid or one logit on two-class data is binary, one
  linear output on regression data is regression, an output as wide as the
  input on autoencoder data is an autoencoder.  Every mismatch is refused,
  naming the layer and both shapes.
* **Epochs.**  A single model is recorded at the epoch its metadata names
  (``epoch``), else at 0, and the header then says "imported"
  instead of an epoch.  Checkpoints (a
  folder or a glob) are ordered by the last number in their file names, which
  become the recorded epochs; loss and accuracy are recomputed on the data.
* **The slope of LeakyReLU** is nnanim's (0.1); another slope is refused, since
  nnanim could not show the same network.
"""

from __future__ import annotations

import glob as _glob
import json
import math
import re
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnanim.core.nn import ACTIVATIONS, LEAKY_SLOPE, Network
from nnanim.errors import NnanimError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_HEADER_BYTES",
    "Model",
    "ModelFileError",
    "export_safetensors",
    "from_sklearn",
    "from_torch",
    "load_model",
    "model_paths",
    "read_model",
    "sniff",
    "to_run",
]

#: a model file larger than this is refused before it is opened (an MLP nnanim can draw is far smaller)
MAX_FILE_BYTES = 256 * 2**20
#: a safetensors JSON header longer than this is refused before it is read
MAX_HEADER_BYTES = 2**20
#: what the source may apply after the output layer (nnanim's output layer is linear: logits)
OUTPUTS = ("identity", "sigmoid", "softmax")
WAY_OUT = ("save the weights as safetensors (safetensors.torch.save_file(model.state_dict(), "
           "'model.safetensors')) or export the model to ONNX")
FORMATS_READ = "safetensors, ONNX, a PyTorch state_dict or a Keras .keras file"


class ModelFileError(NnanimError):
    """A model file (or in-memory model) nnanim cannot show; the message is one line."""


@dataclass
class Model:
    """A trained MLP as read: ``weights[l]`` ``(out, in)``, ``biases[l]`` ``(out,)``, float64.

    ``activations`` has one nnanim name per hidden layer; ``output`` is what the
    source applies after the last layer (``identity``, ``sigmoid``, ``softmax``);
    ``meta`` what the file says beyond the weights (task, class names, dataset,
    scaler, epoch); ``source`` the format and ``name`` the file or object.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[str]
    output: str = "identity"
    meta: dict = field(default_factory=dict)
    source: str = ""
    name: str = ""

    @property
    def widths(self) -> list[int]:
        return [self.weights[0].shape[1], *(W.shape[0] for W in self.weights)]


# --------------------------------------------------------------------------- building a model


def _fail(name: str, message: str) -> ModelFileError:
    return ModelFileError(f"{name}: {message}")


def _assemble(items: Sequence[tuple], name: str, source: str, meta: dict | None = None) -> Model:
    """A chain of ``("linear", W (out,in), b, label)`` and ``("act", nnanim-name | output, label)``.

    Two linear layers in a row get a ``linear`` activation between them; the
    chain must start with a linear layer; after the last linear layer only
    ``softmax``, ``sigmoid`` or nothing may follow.
    """
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    acts: list[str | None] = []  # the activation after each linear layer (None: none yet)
    output = "identity"
    hint = " (a safetensors file names its order in metadata 'layers')" if source == "safetensors" else ""
    for item in items:
        kind, label = item[0], item[-1]
        if kind == "linear":
            W, b = np.asarray(item[1], dtype=np.float64), np.asarray(item[2], dtype=np.float64)
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise _fail(name, f"{label}: weight {W.shape} and bias {b.shape} do not make a layer")
            if weights and W.shape[1] != weights[-1].shape[0]:
                raise _fail(name, f"{label} takes {W.shape[1]} inputs; the layer before gives "
                                  f"{weights[-1].shape[0]}{hint}")
            if weights and acts[-1] is None:
                acts[-1] = "linear"
            weights.append(W)
            biases.append(b)
            acts.append(None)
        else:
            act = item[1]
            if not weights:
                raise _fail(name, f"{label} ({act}) comes before any linear layer")
            if acts[-1] is not None:
                raise _fail(name, f"{label} ({act}) follows another activation; nnanim has one per layer")
            acts[-1] = act
    if not weights:
        raise _fail(name, "no linear layer found; nnanim reads MLPs of linear (dense) layers")
    last = acts.pop()
    if last is not None:
        if last in ("softmax", "sigmoid", "identity"):
            output = last
        elif last == "linear":
            output = "identity"
        else:
            raise _fail(name, f"the output layer ends in {last}; nnanim's output layer is linear "
                              "(logits), followed by softmax or sigmoid at most")
    for l, a in enumerate(acts):
        if a in ("softmax",):
            raise _fail(name, f"hidden layer {l + 1} uses softmax; nnanim shows softmax on the output only")
        if a == "identity":
            acts[l] = "linear"
    model = Model(weights, biases, [str(a) for a in acts], output, dict(meta or {}), source, name)
    _check_finite(model)
    return model


def _check_finite(model: Model) -> None:
    for l, (W, b) in enumerate(zip(model.weights, model.biases)):
        for what, arr in (("weights", W), ("biases", b)):
            if not np.all(np.isfinite(arr)):
                raise _fail(model.name, f"layer {l} {what} hold NaN or infinite values")


def _activation_name(name: str, label: str, where: str) -> str:
    """A framework's activation name as nnanim's (or an output: softmax, sigmoid)."""
    key = name.strip().lower().replace("-", "_")
    key = {"logistic": "sigmoid", "identity": "linear", "leakyrelu": "leaky_relu",
           "relu": "relu"}.get(key, key)
    if key in ACTIVATIONS or key == "softmax":
        return key
    raise _fail(where, f"{label}: activation {name!r} is not one nnanim draws; choose from "
                       f"{', '.join(ACTIVATIONS)} (softmax on the output)")


def _leaky(alpha: float, label: str, where: str) -> str:
    if not math.isclose(float(alpha), LEAKY_SLOPE, rel_tol=1e-6):
        raise _fail(where, f"{label}: LeakyReLU slope {float(alpha):g}; nnanim draws slope "
                           f"{LEAKY_SLOPE} only")
    return "leaky_relu"


# --------------------------------------------------------------------------- sniffing

_ONNX_TAGS = {0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x72, 0x7A}


def sniff(path: str | Path) -> str:
    """The format of ``path`` from its first bytes: ``safetensors``, ``onnx``, ``torch``, ``keras``.

    Anything else (a pickle, a run file, HDF5, unknown bytes) raises :class:`ModelFileError`.
    """
    path = Path(path)
    name = str(path)
    head = _head(path, 64)
    size = path.stat().st_size
    if len(head) < 8:
        raise _fail(name, f"only {len(head)} bytes; not a model file ({FORMATS_READ})")
    if head[:1] == b"\x80":  # pickle protocol 2 and later (torch.save's legacy format, joblib)
        raise _fail(name, f"a Python pickle, which nnanim never loads (it can run code); {WAY_OUT}")
    if head[:4] == b"PK\x03\x04":
        return _sniff_zip(path)
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        raise _fail(name, "a legacy Keras .h5 file; save the model as .keras (model.save('m.keras')) "
                          "or export it to ONNX")
    (n,) = struct.unpack("<Q", head[:8])
    if len(head) > 8 and head[8:9] == b"{":
        if n > MAX_HEADER_BYTES or n + 8 > size:
            raise _fail(name, f"safetensors header claims {n} bytes; the file has {size} "
                              f"(at most {MAX_HEADER_BYTES} allowed)")
        return "safetensors"
    if head[0] == 0x08:  # ModelProto field 1 (ir_version), a varint, then another known field
        i = 1
        while i < len(head) and head[i] & 0x80:
            i += 1
        if i + 1 < len(head) and head[i + 1] in _ONNX_TAGS:
            return "onnx"
    raise _fail(name, f"unrecognised format (first bytes {head[:8].hex()}); nnanim reads {FORMATS_READ}")


def _head(path: Path, n: int) -> bytes:
    name = str(path)
    if not path.exists():
        raise _fail(name, "no such file")
    if path.is_dir():
        raise _fail(name, "is a directory; give a model file, or a folder as checkpoints")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _fail(name, f"{size} bytes; a model file nnanim reads has at most {MAX_FILE_BYTES}")
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise _fail(name, f"cannot read ({exc.strerror or exc})") from None


def _sniff_zip(path: Path) -> str:
    name = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except Exception as exc:  # BadZipFile, EOFError, NotImplementedError (an unknown zip version), ...
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _fail(name, f"a truncated or damaged zip archive ({why})") from None
    names = [i.filename for i in infos]
    total = sum(i.file_size for i in infos)
    if total > MAX_FILE_BYTES or len(infos) > 10_000:
        raise _fail(name, f"its archive claims {total} bytes in {len(infos)} entries; "
                          f"at most {MAX_FILE_BYTES} bytes are read")
    if "config.json" in names and "model.weights.h5" in names:
        return "keras"
    if any(n.endswith("data.pkl") for n in names):
        return "torch"
    if any(n.endswith(".npy") for n in names) and "meta.npy" in names:
        raise _fail(name, "an nnanim run file; replay it with --run, not --model")
    raise _fail(name, f"a zip archive that is neither a PyTorch state_dict nor a Keras .keras file "
                      f"(entries: {', '.join(names[:4])}{'...' if len(names) > 4 else ''})")


# --------------------------------------------------------------------------- safetensors

_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16}


def _read_safetensors_header(path: Path) -> tuple[dict, dict]:
    """The header's tensors and ``__metadata__``, every entry checked against the file's size."""
    name = str(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        if n > MAX_HEADER_BYTES or n + 8 > size:
            raise _fail(name, f"safetensors header claims {n} bytes; the file has {size}")
        raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(name, "a safetensors header that is not valid JSON (truncated or damaged)") from None
    if not isinstance(header, dict):
        raise _fail(name, "a safetensors header that is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _fail(name, "safetensors __metadata__ must map names to strings")
    data_len = size - 8 - n
    spans = []
    for key, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise _fail(name, f"tensor {key!r}: a header entry needs dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _ST_DTYPES:
            raise _fail(name, f"tensor {key!r} has dtype {dtype}; nnanim reads F64, F32 and F16")
        if (not isinstance(shape, list) or not all(isinstance(s, int) and 0 <= s < 2**31 for s in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and o >= 0 for o in offsets)):
            raise _fail(name, f"tensor {key!r}: shape or data_offsets are not non-negative integers")
        need = math.prod(shape) * np.dtype(_ST_DTYPES[dtype]).itemsize
        if offsets[1] - offsets[0] != need or offsets[1] > data_len:
            raise _fail(name, f"tensor {key!r}: shape {shape} needs {need} bytes at {offsets}; "
                              f"the file has {data_len} bytes of data (truncated or damaged)")
        spans.append(tuple(offsets))
    spans.sort()
    end = 0
    for start, stop in spans:
        if start != end:
            raise _fail(name, "safetensors tensors overlap or leave gaps (damaged)")
        end = stop
    if end != data_len:
        raise _fail(name, f"safetensors data is {data_len} bytes; the header accounts for {end}")
    return header, meta


def _natural(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]


def _linear_items(tensors: Mapping[str, np.ndarray], name: str, order: Sequence[str] | None = None
                  ) -> list[tuple]:
    """``PREFIX.weight`` / ``PREFIX.bias`` pairs as linear items, in ``order`` or natural order."""
    prefixes: dict[str, dict[str, np.ndarray]] = {}
    for key, arr in tensors.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf not in ("weight", "bias") or not prefix:
            raise _fail(name, f"{key!r} is not a linear layer's weight or bias; nnanim reads MLPs "
                              "of Linear layers (keys PREFIX.weight, PREFIX.bias)")
        prefixes.setdefault(prefix, {})[leaf] = np.asarray(arr)
    keys = list(order) if order is not None else sorted(prefixes, key=_natural)
    if order is not None and sorted(keys) != sorted(prefixes):
        raise _fail(name, f"metadata 'layers' {keys} does not name the file's layers {sorted(prefixes)}")
    items = []
    for prefix in keys:
        parts = prefixes[prefix]
        W = parts.get("weight")
        if W is None or W.ndim != 2:
            raise _fail(name, f"layer {prefix!r} has no 2-D weight (shape "
                              f"{None if W is None else W.shape}); nnanim reads Linear layers")
        b = parts.get("bias", np.zeros(W.shape[0]))
        items.append(("linear", W, b, f"layer {prefix!r}"))
    if order is None and not _chains(items):
        # names that do not sort in layer order ("head" before "hidden.0"): the one order whose
        # shapes chain, if there is exactly one; otherwise the names' order, refused with its shapes
        import itertools

        if len(items) <= 7:
            fits = [p for p in itertools.permutations(items) if _chains(p)]
            if len(fits) == 1:
                return list(fits[0])
    return items


def _chains(items: Sequence[tuple]) -> bool:
    return all(a[1].shape[0] == b[1].shape[1] for a, b in zip(items, items[1:]))


def _hidden_from(activation: str | Sequence[str] | None, n_hidden: int, name: str,
                 what: str) -> list[tuple]:
    """Activation items from the ``--activation`` option: one for all hidden layers or one per layer."""
    if n_hidden == 0:
        return []
    if activation is None or activation == "" or activation == []:
        raise _fail(name, f"{what} holds no activations; give them with --activation "
                          "(one for all hidden layers, or one per layer)")
    from nnanim.core.record import parse_activations

    try:
        acts = parse_activations(activation, n_hidden)
    except ValueError as exc:
        raise _fail(name, f"--activation: {exc}") from None
    return [("act", a, f"hidden layer {l + 1}") for l, a in enumerate(acts)]


def _interleave(linears: list[tuple], acts: list[tuple], output: str | None) -> list[tuple]:
    items: list[tuple] = []
    for l, lin in enumerate(linears):
        items.append(lin)
        if l < len(acts):
            items.append(acts[l])
    if output and output != "identity":
        items.append(("act", output, "the output"))
    return items


def _read_safetensors(path: Path, activation=None) -> Model:
    name = str(path)
    header, meta = _read_safetensors_header(path)
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise _fail(name, "reading safetensors needs the safetensors package: "
                          "pip install safetensors") from None
    try:
        tensors = load_file(str(path))
    except Exception as exc:  # the package's own checks: one line, whatever it raises
        raise _fail(name, f"not a readable safetensors file ({str(exc).splitlines()[0]})") from None
    meta_json = _meta_values(meta, name)
    order = meta_json.get("layers")
    linears = _linear_items(tensors, name, order)
    given = activation if activation not in (None, "", []) else meta_json.get("activations")
    acts = _hidden_from(given, len(linears) - 1, name, "this safetensors file")
    output = meta_json.get("output", "identity")
    if output not in OUTPUTS:
        raise _fail(name, f"metadata output {output!r}; choose from {', '.join(OUTPUTS)}")
    return _assemble(_interleave(linears, acts, output), name, "safetensors", meta_json)


#: metadata entries stored as JSON (the others are plain strings)
_JSON_META = ("class_names", "feature_names", "dataset_params", "input_mean", "input_scale",
              "layers", "epoch")


def _meta_values(meta: Mapping[str, str], name: str) -> dict:
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key in _JSON_META:
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                raise _fail(name, f"metadata {key!r} is not valid JSON") from None
        elif key == "activations":
            out[key] = [a for a in value.split(",") if a.strip()]
        else:
            out[key] = value
    return out


def export_safetensors(run, path: str | Path, record: int = -1) -> Path:
    """Write record ``record`` of ``run`` as safetensors; return the path written.

    Keys are ``nn.Sequential``'s (``0.weight``, ``0.bias``, ``2.weight``, ...)
    so that ``model.load_state_dict(safetensors.torch.load_file(path))`` fills
    an ``nn.Sequential`` of Linear and activation modules; weights stay
    float64.  The metadata holds the activations, task, output, class count,
    dataset (spec and parameters) and the epoch, so that importing the file
    gives back the run's record: same weights, data, loss and accuracy.
    """
    from nnanim.files import atomic_write

    try:
        from safetensors.numpy import save
    except ImportError:
        raise NnanimError("writing safetensors needs the safetensors package: pip install safetensors") \
            from None
    idx = record % len(run.epochs)
    tensors = {}
    for l, (W, b) in enumerate(zip(run.weights, run.biases)):
        tensors[f"{2 * l}.weight"] = np.ascontiguousarray(W[idx], dtype=np.float64)
        tensors[f"{2 * l}.bias"] = np.ascontiguousarray(b[idx], dtype=np.float64)
    dataset = run.meta.get("dataset", {})
    output = {"multiclass": "softmax", "binary": "sigmoid"}.get(run.task, "identity")
    meta = {
        "format": "nnanim-model",
        "format_version": "1",
        "activations": ",".join(run.activations),
        "output": output,
        "task": run.task,
        "n_classes": str(run.n_classes),
        "dataset": str(run.dataset_spec),
        "dataset_params": json.dumps(dataset.get("params", {}), sort_keys=True),
        "layers": json.dumps([str(2 * l) for l in range(len(run.weights))]),
    }
    source = run.meta.get("source")
    if not source or source.get("epoch_known"):  # an imported network of unknown epoch stays so
        meta["epoch"] = json.dumps(int(run.epochs[idx]))
    names = dataset.get("params", {}).get("label_names")
    if names:
        meta["class_names"] = json.dumps(list(names))
    path = Path(path).expanduser()
    with atomic_write(path) as tmp:
        Path(tmp).write_bytes(save(tensors, metadata=meta))
    return path


# --------------------------------------------------------------------------- ONNX


def _read_onnx(path: Path, activation=None) -> Model:
    name = str(path)
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise _fail(name, "reading ONNX needs the onnx package: pip install 'nnanim[onnx]'") from None
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise _fail(name, f"not a readable ONNX file ({str(exc).splitlines()[0] if str(exc) else 'damaged'})"
                    ) from None
    g = model.graph
    consts: dict[str, np.ndarray] = {}
    for t in g.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise _fail(name, f"initializer {t.name!r} lives in an external file; save the model whole")
        if any(d < 0 for d in t.dims) or math.prod(t.dims) > path.stat().st_size:
            raise _fail(name, f"initializer {t.name!r} claims shape {list(t.dims)}; the file has "
                              f"{path.stat().st_size} bytes")
        consts[t.name] = numpy_helper.to_array(t)
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise _fail(name, f"the graph has {len(inputs)} inputs; an MLP has one")
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) > 2:
        raise _fail(name, f"the input has rank {len(dims)}; nnanim reads flat inputs (batch, features)")
    if len(g.output) != 1:
        raise _fail(name, f"the graph has {len(g.output)} outputs; an MLP has one")
    current = inputs[0].name
    items: list[tuple] = []
    open_matmul = False  # a MatMul whose Add may follow
    simple = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Softmax": "softmax"}
    for node in g.node:
        op, label = node.op_type, f"node {node.name or node.output[0]!r} ({node.op_type})"
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.domain not in ("", "ai.onnx"):
            raise _fail(name, f"{label}: operator domain {node.domain!r} is not supported")
        if op == "Constant":
            value = attrs.get("value")
            if value is None:
                raise _fail(name, f"{label}: only tensor constants are supported")
            consts[node.output[0]] = numpy_helper.to_array(value)
            continue
        others = [i for i in node.input if i and i != current]
        if current not in node.input:
            raise _fail(name, f"{label} does not read the previous layer's output; "
                              "nnanim reads a chain of layers")
        if op == "Gemm":
            if attrs.get("transA", 0):
                raise _fail(name, f"{label}: transA=1 is not supported")
            if node.input[0] != current or node.input[1] not in consts:
                raise _fail(name, f"{label}: B must be a constant weight")
            B = consts[node.input[1]].astype(np.float64)
            W = B if attrs.get("transB", 0) else B.T
            W = float(attrs.get("alpha", 1.0)) * W
            if len(node.input) > 2 and node.input[2] and node.input[2] not in consts:
                raise _fail(name, f"{label}: C must be a constant bias")
            C = consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            b = np.zeros(W.shape[0]) if C is None else np.broadcast_to(
                float(attrs.get("beta", 1.0)) * np.asarray(C, dtype=np.float64).reshape(-1),
                (W.shape[0],)).copy()
            items.append(["linear", W, b, label])
            open_matmul = False
        elif op == "MatMul":
            if node.input[0] != current or node.input[1] not in consts or consts[node.input[1]].ndim != 2:
                raise _fail(name, f"{label}: only input × constant matrix is supported")
            W = consts[node.input[1]].astype(np.float64).T
            items.append(["linear", W, np.zeros(W.shape[0]), label])
            open_matmul = True
        elif op == "Add":
            if not open_matmul or len(others) != 1 or others[0] not in consts:
                raise _fail(name, f"{label}: only a constant bias added after MatMul is supported")
            c = np.asarray(consts[others[0]], dtype=np.float64).reshape(-1)
            items[-1][2] = items[-1][2] + np.broadcast_to(c, items[-1][2].shape)
            open_matmul = False
        elif op in simple:
            if op == "Softmax" and attrs.get("axis", -1) not in (-1, 1):
                raise _fail(name, f"{label}: softmax over axis {attrs['axis']} is not over the classes")
            items.append(("act", simple[op], label))
            open_matmul = False
        elif op == "LeakyRelu":
            items.append(("act", _leaky(attrs.get("alpha", 0.01), label, name), label))
            open_matmul = False
        elif op in ("Identity", "Flatten"):
            if op == "Flatten" and attrs.get("axis", 1) != 1:
                raise _fail(name, f"{label}: Flatten with axis {attrs['axis']} is not of a flat input")
        else:
            raise _fail(name, f"{label}: unsupported operator {op}; nnanim reads Gemm, MatMul, Add, "
                              "Relu, LeakyRelu, Tanh, Sigmoid, Softmax, Identity, Flatten")
        current = node.output[0]
    if current != g.output[0].name:
        raise _fail(name, "the graph's output is not the end of its chain of layers")
    return _assemble([tuple(i) for i in items], name, "onnx", _onnx_meta(model))


def _onnx_meta(model) -> dict:
    meta = {p.key: p.value for p in model.metadata_props}
    try:
        return _meta_values(meta, "")
    except ModelFileError:
        return {}


# --------------------------------------------------------------------------- PyTorch

#: ``torch.save``'s storage classes that a state_dict of an MLP holds, as NumPy dtypes
#: (bfloat16 is widened by hand: NumPy has no such type)
_TORCH_STORAGES = {"DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2",
                   "BFloat16Storage": "bf16", "LongStorage": "<i8", "IntStorage": "<i4",
                   "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?"}
#: a state_dict's pickle (names and tensor headers, not the weights) longer than this is refused
MAX_TORCH_PICKLE_BYTES = 4 * 2**20


class _Storage(str):
    """The storage class named in the pickle (its NumPy dtype), never torch's own class."""


def _rebuild_tensor(storage, offset, size, stride, *_unused):
    """``torch._utils._rebuild_tensor_v2``: a strided view of a storage, copied."""
    if not (isinstance(storage, np.ndarray) and isinstance(offset, int)
            and isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
            and all(isinstance(v, int) and v >= 0 for v in (*size, *stride))):
        raise _TorchRefusal("a tensor header that does not describe a tensor")
    if math.prod(size) > max(storage.size, 1):  # a state_dict's tensors never repeat their storage
        raise _TorchRefusal(f"a tensor of shape {size} larger than its storage of {storage.size}")
    if any(s == 0 for s in size):
        return np.zeros(size, dtype=storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if offset < 0 or last >= storage.size:
        raise _TorchRefusal(f"a tensor of shape {size} reaches past its storage of {storage.size}")
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                           strides=[s * storage.itemsize for s in stride])
    return np.array(view)


def _rebuild_parameter(data, *_unused):
    """``torch._utils._rebuild_parameter``: a Parameter is its tensor."""
    return data


class _StateDict(dict):
    """``collections.OrderedDict`` as a state_dict uses it (torch sets its ``_metadata`` by BUILD)."""


class _TorchRefusal(Exception):
    """What the restricted unpickler refuses (turned into one line by the reader)."""


def _torch_unpickler(zf: zipfile.ZipFile, prefix: str, byteorder: str):
    """An unpickler that builds only what ``torch.load(weights_only=True)`` allows a state_dict:
    dicts, lists, numbers, strings and tensors.  It imports nothing: every global the pickle
    names is looked up in a table of stand-ins, and any other is refused."""
    import pickle

    allowed = {("collections", "OrderedDict"): _StateDict,
               ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
               ("torch._utils", "_rebuild_parameter"): _rebuild_parameter}
    allowed.update({("torch", k): _Storage(v) for k, v in _TORCH_STORAGES.items()})
    entries = {i.filename: i for i in zf.infolist()}
    loaded: dict[str, np.ndarray] = {}

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            try:
                return allowed[(module, name)]
            except KeyError:
                raise _TorchRefusal(f"{module}.{name}"[:80]) from None

        def persistent_load(self, pid):
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                    and isinstance(pid[1], _Storage) and isinstance(pid[2], str)
                    and isinstance(pid[4], int) and pid[4] >= 0):
                raise _TorchRefusal("a storage reference that is not a tensor's")
            _, dtype, key, _location, numel = pid
            if key not in loaded:
                info = entries.get(f"{prefix}data/{key}")
                width = 2 if dtype == "bf16" else np.dtype(dtype).itemsize
                if info is None or info.file_size < numel * width:
                    raise _TorchRefusal(f"storage {key!r} is missing or shorter than its {numel} values")
                raw = zf.read(info)[: numel * width]
                if dtype == "bf16":  # the upper half of a float32
                    bits = np.frombuffer(raw, dtype=byteorder + "u2").astype(np.uint32) << 16
                    loaded[key] = bits.view(np.float32)
                else:
                    loaded[key] = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(byteorder))
            return loaded[key]

    return Restricted


def _load_torch_zip(path: Path) -> Any:
    """The object a ``torch.save``'d zip holds, built by :func:`_torch_unpickler`."""
    import io
    import pickle

    name = str(path)
    with zipfile.ZipFile(path) as zf:
        pickles = [i for i in zf.infolist() if i.filename.endswith("data.pkl")]
        if len(pickles) != 1:
            raise _fail(name, f"a zip with {len(pickles)} data.pkl entries; a torch.save file has one")
        info = pickles[0]
        if info.file_size > MAX_TORCH_PICKLE_BYTES:
            raise _fail(name, f"its data.pkl claims {info.file_size} bytes; a state_dict's is under "
                              f"{MAX_TORCH_PICKLE_BYTES}")
        prefix = info.filename[: -len("data.pkl")]
        order = zf.read(prefix + "byteorder").decode("ascii", "replace").strip() \
            if prefix + "byteorder" in zf.namelist() else "little"
        if order not in ("little", "big"):
            raise _fail(name, f"byte order {order[:20]!r}; torch writes 'little' or 'big'")
        unpickler = _torch_unpickler(zf, prefix, "<" if order == "little" else ">")
        try:
            return unpickler(io.BytesIO(zf.read(info))).load()
        except _TorchRefusal as exc:
            raise _fail(name, f"holds more than tensors ({exc}), which nnanim never unpickles; "
                              f"{WAY_OUT}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
                AttributeError, RecursionError, MemoryError, zipfile.BadZipFile) as exc:
            why = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
            raise _fail(name, f"not a readable PyTorch file ({why})") from None


def _read_torch(path: Path, activation=None) -> Model:
    name = str(path)
    state = _load_torch_zip(path)
    meta: dict[str, Any] = {}
    if isinstance(state, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(state.get(key), Mapping):
                if isinstance(state.get("epoch"), int):
                    meta["epoch"] = state["epoch"]
                state = state[key]
                break
    if (not isinstance(state, Mapping) or not state
            or not all(isinstance(k, str) and isinstance(v, np.ndarray) for k, v in state.items())):
        raise _fail(name, "not a state_dict (a mapping of names to tensors); save model.state_dict()")
    tensors = {k: v.astype(np.float64) for k, v in state.items()}
    linears = _linear_items(tensors, name, list(dict.fromkeys(k.rpartition(".")[0] for k in state)))
    acts = _hidden_from(activation, len(linears) - 1, name, "a PyTorch state_dict")
    return _assemble(_interleave(linears, acts, None), name, "torch", meta)


def from_torch(module, data=None, scaler=None, **dataset_options):
    """A run from an in-memory ``nn.Sequential`` of Linear and activation modules (``model.eval()``'d).

    ``data`` is a :class:`~nnanim.core.data.Dataset` or a dataset spec (``"blobs"``,
    ``"csv:points.csv"``; ``dataset_options`` are ``n_samples``, ``noise``,
    ``seed``, ``classes``).  Dropout, Identity and Flatten are skipped (the
    network as evaluated); any other module is refused.
    """
    return to_run([read_torch_module(module)], data, scaler=scaler, **dataset_options)


def read_torch_module(module) -> Model:
    """The :class:`Model` of an ``nn.Sequential`` (nested Sequentials are flattened)."""
    try:
        import torch
        from torch import nn
    except ImportError:
        raise ModelFileError("from_torch needs torch installed") from None
    label0 = type(module).__name__
    if not isinstance(module, nn.Sequential):
        raise ModelFileError(f"{label0}: from_torch takes an nn.Sequential of Linear and activation "
                             "modules; export other models to ONNX")

    def flat(m, prefix=""):
        for key, child in m.named_children():
            if isinstance(child, nn.Sequential):
                yield from flat(child, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", child

    simple = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.Identity: None,
              nn.Dropout: None, nn.Flatten: None}
    items: list[tuple] = []
    for key, child in flat(module):
        label = f"module {key} ({type(child).__name__})"
        if isinstance(child, nn.Linear):
            with torch.no_grad():
                W = child.weight.detach().to(torch.float64).cpu().numpy()
                b = (child.bias.detach().to(torch.float64).cpu().numpy() if child.bias is not None
                     else np.zeros(W.shape[0]))
            items.append(("linear", W, b, label))
        elif type(child) in simple:
            if simple[type(child)]:
                items.append(("act", simple[type(child)], label))
        elif isinstance(child, nn.LeakyReLU):
            items.append(("act", _leaky(child.negative_slope, label, label0), label))
        elif isinstance(child, nn.ELU) and child.alpha == 1.0:
            items.append(("act", "elu", label))
        elif isinstance(child, nn.GELU) and child.approximate == "none":
            items.append(("act", "gelu", label))
        elif isinstance(child, nn.Softmax) and child.dim in (-1, 1):
            items.append(("act", "softmax", label))
        else:
            raise ModelFileError(f"{label0}: {label} is not a Linear layer or an activation nnanim draws")
    return _assemble(items, label0, "torch")


# --------------------------------------------------------------------------- scikit-learn


def from_sklearn(estimator, data=None, scaler=None, **dataset_options):
    """A run from a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``.

    ``coefs_``/``intercepts_`` are the weights, ``activation`` the hidden
    layers' and ``out_activation_`` the output's; ``classes_`` become the class
    names.  ``data`` and ``scaler`` as in :func:`from_torch`.
    """
    return to_run([read_sklearn(estimator)], data, scaler=scaler, **dataset_options)


def read_sklearn(est) -> Model:
    label0 = type(est).__name__
    if not hasattr(est, "coefs_") or not hasattr(est, "intercepts_"):
        raise ModelFileError(f"{label0}: from_sklearn takes a fitted MLPClassifier or MLPRegressor")
    hidden = _activation_name(str(est.activation), "activation", label0)
    out = {"softmax": "softmax", "logistic": "sigmoid", "identity": "identity"}.get(
        str(getattr(est, "out_activation_", "identity")))
    if out is None:
        raise ModelFileError(f"{label0}: out_activation_ {est.out_activation_!r} is not one nnanim shows")
    n = len(est.coefs_)
    items: list[tuple] = []
    for l, (C, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        items.append(("linear", np.asarray(C, dtype=np.float64).T, b, f"coefs_[{l}]"))
        if l < n - 1:
            items.append(("act", hidden, f"hidden layer {l + 1}"))
    if out != "identity":
        items.append(("act", out, "out_activation_"))
    meta: dict[str, Any] = {}
    if hasattr(est, "classes_"):
        meta["class_names"] = [str(c) for c in est.classes_]
        if out == "sigmoid" and len(est.classes_) != 2:
            raise ModelFileError(f"{label0}: a multi-label classifier ({len(est.classes_)} sigmoid "
                                 "outputs); nnanim shows one label per point")
    if isinstance(getattr(est, "n_iter_", None), int):  # the epochs it trained for
        meta["epoch"] = int(est.n_iter_)
        meta["epoch_known"] = True
    if hasattr(est, "feature_names_in_"):
        meta["feature_names"] = [str(f) for f in est.feature_names_in_]
    return _assemble(items, label0, "sklearn", meta)


# --------------------------------------------------------------------------- Keras


def _read_keras(path: Path, activation=None) -> Model:
    name = str(path)
    try:
        import h5py
    except ImportError:
        raise _fail(name, "reading a .keras file needs h5py: pip install 'nnanim[keras]'") from None
    import io

    with zipfile.ZipFile(path) as zf:
        try:
            config = json.loads(zf.read("config.json").decode("utf-8"))
            weights = zf.read("model.weights.h5")
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
            raise _fail(name, f"a damaged .keras archive ({exc})") from None
    if not isinstance(config, dict) or config.get("class_name") != "Sequential":
        raise _fail(name, f"a Keras {config.get('class_name') if isinstance(config, dict) else '?'} "
                          "model; nnanim reads Sequential models of Dense layers")
    layers = config.get("config", {}).get("layers", [])
    try:
        h5 = h5py.File(io.BytesIO(weights), "r")
    except Exception as exc:
        raise _fail(name, f"model.weights.h5 is not readable HDF5 ({exc})") from None
    items: list[tuple] = []
    with h5:
        dense_groups = _keras_dense_groups(h5)
        dense_i = 0
        for layer in layers:
            cls, cfg = layer.get("class_name"), layer.get("config", {})
            label = f"layer {cfg.get('name', cls)!r} ({cls})"
            if cls in ("InputLayer", "Dropout", "Flatten"):
                continue
            if cls == "Dense":
                if dense_i >= len(dense_groups):
                    raise _fail(name, f"{label}: no weights in model.weights.h5")
                vars_ = dense_groups[dense_i]
                dense_i += 1
                kernel = np.asarray(vars_[0], dtype=np.float64)
                bias = (np.asarray(vars_[1], dtype=np.float64) if cfg.get("use_bias", True) and len(vars_) > 1
                        else np.zeros(kernel.shape[-1]))
                items.append(("linear", kernel.T, bias, label))
                act = _keras_activation(cfg.get("activation", "linear"), label, name)
                if act != "linear":
                    items.append(("act", act, label))
            elif cls == "Activation":
                items.append(("act", _keras_activation(cfg.get("activation"), label, name), label))
            elif cls in ("ReLU", "LeakyReLU"):
                if cls == "LeakyReLU":
                    slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
                    items.append(("act", _leaky(slope, label, name), label))
                else:
                    items.append(("act", "relu", label))
            else:
                raise _fail(name, f"{label}: unsupported layer {cls}; nnanim reads Dense layers")
    return _assemble(items, name, "keras")


def _keras_activation(spec, label: str, name: str) -> str:
    if isinstance(spec, dict):  # a serialized activation object
        spec = spec.get("config", {}).get("name") or spec.get("class_name")
    return _activation_name(str(spec), label, name)


def _keras_dense_groups(h5) -> list[list[np.ndarray]]:
    """Each Dense layer's variables, in the order the file keeps the layers (``layers/NAME/vars/0``)."""
    root = h5["layers"] if "layers" in h5 else h5
    out = []
    for key in sorted(root.keys(), key=_natural):
        grp = root[key]
        if not key.startswith("dense") or "vars" not in grp:
            continue
        vars_ = grp["vars"]
        out.append([vars_[k][()] for k in sorted(vars_.keys(), key=int)])
    return out


# --------------------------------------------------------------------------- files and checkpoints

_READERS = {"safetensors": _read_safetensors, "onnx": _read_onnx, "torch": _read_torch,
            "keras": _read_keras}


def read_model(path: str | Path, activation: str | Sequence[str] | None = None) -> Model:
    """The :class:`Model` in one file (format by :func:`sniff`); anything wrong is one line."""
    path = Path(path).expanduser()
    fmt = sniff(path)
    try:
        model = _READERS[fmt](path, activation)
    except NnanimError:
        raise
    except Exception as exc:  # a damaged file the format's own library tripped over: still one line
        text = str(exc).strip().splitlines()
        raise _fail(str(path), f"not a readable {fmt} model file ({type(exc).__name__}"
                               f"{': ' + text[0][:120] if text else ''})") from None
    model.meta["epoch_known"] = isinstance(model.meta.get("epoch"), int)
    if not model.meta["epoch_known"]:
        model.meta["epoch"] = 0
    return model


def _number(path: Path) -> int | None:
    found = re.findall(r"\d+", path.stem)
    return int(found[-1]) if found else None


def model_paths(spec: str | Path) -> list[Path]:
    """One file, or checkpoints, or checkpoints (a folder or a glob) by the numbers in their names."""
    text = str(spec)
    path = Path(text).expanduser()
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
        what = f"folder {text}"
    elif any(c in text for c in "*?["):
        files = [Path(p) for p in _glob.glob(str(path)) if Path(p).is_file()]
        what = f"pattern {text}"
    else:
        return [path]
    if not files:
        raise ModelFileError(f"{text}: the {what} holds no checkpoint files")
    numbered = []
    for p in files:
        n = _number(p)
        if n is None:
            raise ModelFileError(f"{p}: a checkpoint needs its epoch as a number in its name "
                                 "(e.g. epoch_10.safetensors)")
        numbered.append((n, p))
    numbered.sort()
    for (a, p), (b, q) in zip(numbered, numbered[1:]):
        if a == b:
            raise ModelFileError(f"{p.name} and {q.name}: two checkpoints of epoch {a}")
    return [p for _, p in numbered]


def read_checkpoints(spec: str | Path, activation=None) -> list[Model]:
    try:
        paths = model_paths(spec)
        models = [read_model(p, activation) for p in paths]
    except OSError as exc:  # a name too long, a folder not readable, ...
        raise ModelFileError(f"{spec}: cannot read ({exc.strerror or exc})") from None
    if len(models) > 1:
        for p, m in zip(paths, models):
            m.meta["epoch"] = _number(p)
    return models


# --------------------------------------------------------------------------- models → run


def _dataset(data, meta: dict, options: Mapping[str, Any]):
    """The data the model is shown on: ``data``, else the dataset its metadata names."""
    from nnanim.core.data import Dataset, as_autoencoder, make_dataset

    if isinstance(data, Dataset):
        return data
    params = dict(meta.get("dataset_params") or {})
    spec = data if data is not None else meta.get("dataset")
    if spec is None:
        raise ModelFileError("no data: give the dataset the network was trained on (-d NAME, "
                             "or data= in Python); its metadata names none")
    if data is None:  # the metadata's dataset with its own parameters, options on top
        kwargs = {k: params.get(k) for k in ("n_samples", "noise", "seed", "classes")}
    else:
        kwargs = {}
    kwargs.update({k: v for k, v in options.items() if v is not None and k in
                   ("n_samples", "noise", "seed", "classes")})
    kwargs["seed"] = kwargs.get("seed") or 0
    ds = make_dataset(spec, **kwargs)
    if params.get("trained_as") == "autoencoder" or meta.get("task") == "autoencoder":
        ds = as_autoencoder(ds)
    return ds


def _task(model: Model, data, name: str) -> tuple[str, int]:
    """The run's task and class count: the output layer against the data (mismatches refused)."""
    L = len(model.weights) - 1
    d_out = model.widths[-1]
    unit = "unit" if d_out == 1 else "units"
    after = f", {model.output}" if model.output != "identity" else ""
    out_label = f"output layer {L} ({d_out} {unit}{after})"
    k = int(data.n_classes)
    if data.task == "autoencoder":
        if model.output == "identity" and d_out == data.X.shape[1]:
            return "autoencoder", 0
        raise _fail(name, f"{out_label} does not fit autoencoder data of {data.X.shape[1]} columns "
                          f"(needs {data.X.shape[1]} linear outputs)")
    if data.task == "regression":
        if model.output == "identity" and d_out == 1:
            return "regression", 0
        raise _fail(name, f"{out_label} does not fit regression data (needs 1 linear output)")
    if model.output == "sigmoid" or (model.output == "identity" and d_out == 1):
        if d_out == 1 and k == 2:
            return "binary", 2
        raise _fail(name, f"{out_label} does not fit {k}-class data (a sigmoid output needs 2 classes "
                          "and 1 unit)")
    if d_out == k:
        return "multiclass", k
    raise _fail(name, f"{out_label} does not fit {k}-class data (needs {k} outputs)")


def _fold_scaler(model: Model, scaler) -> tuple[Model, dict | None]:
    if scaler is None and "input_mean" not in model.meta and "input_scale" not in model.meta:
        return model, None
    if scaler is not None and hasattr(scaler, "scale_"):  # a fitted StandardScaler
        mean = np.asarray(getattr(scaler, "mean_", 0.0), dtype=np.float64)
        scale = np.asarray(scaler.scale_, dtype=np.float64)
    elif scaler is not None:
        mean, scale = (np.asarray(v, dtype=np.float64) for v in scaler)
    else:
        mean = np.asarray(model.meta.get("input_mean", 0.0), dtype=np.float64)
        scale = np.asarray(model.meta.get("input_scale", 1.0), dtype=np.float64)
    d = model.widths[0]
    try:
        mean, scale = np.broadcast_to(mean, (d,)).copy(), np.broadcast_to(scale, (d,)).copy()
    except ValueError:
        raise _fail(model.name, f"the input scaler has {mean.size} means and {scale.size} scales; "
                                f"layer 0 takes {d} inputs") from None
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale != 0)):
        raise _fail(model.name, "the input scaler needs finite means and non-zero scales")
    W0 = model.weights[0] / scale
    b0 = model.biases[0] - W0 @ mean
    folded = Model([W0, *model.weights[1:]], [b0, *model.biases[1:]], model.activations,
                   model.output, model.meta, model.source, model.name)
    return folded, {"mean": mean.tolist(), "scale": scale.tolist()}


def to_run(models: Sequence[Model], data=None, scaler=None, **dataset_options):
    """A :class:`~nnanim.core.record.Run` with one recorded epoch per model (checkpoints in order).

    ``data``: a :class:`~nnanim.core.data.Dataset` or a dataset spec; ``None`` takes
    the dataset the first model's metadata names.  Input width, output width
    and task must fit the data (each mismatch refused in one line).
    """
    from nnanim._version import __version__
    from nnanim.core.record import FORMAT, FORMAT_VERSION, Run, TrainConfig

    if not models:
        raise ModelFileError("no model given")
    first = models[0]
    ds = _dataset(data, first.meta, dataset_options)
    first_folded, scaled = _fold_scaler(first, scaler)
    folded = [first_folded, *(_fold_scaler(m, scaler)[0] for m in models[1:])]
    for m in folded[1:]:
        if m.widths != first.widths or m.activations != first.activations:
            raise _fail(m.name, f"widths {m.widths} and activations {m.activations} differ from the first "
                                f"checkpoint's ({first.widths}, {first.activations})")
    if len(first.weights) < 2:
        raise _fail(first.name, "a network without hidden layers; nnanim shows what hidden layers do")
    d = ds.X.shape[1]
    if first.widths[0] != d:
        raise _fail(first.name, f"layer 0 takes {first.widths[0]} inputs; the data {ds.name!r} has "
                                f"{d} column{'s' if d != 1 else ''}")
    task, k = _task(first, ds, first.name)
    meta_task = first.meta.get("task")
    if meta_task and meta_task != task and not (meta_task == "binary" and task == "multiclass"):
        raise _fail(first.name, f"its metadata says task {meta_task}; on {ds.name!r} it would be {task}")
    epochs = np.array([int(m.meta.get("epoch", 0)) for m in folded], dtype=np.int64)
    if np.any(np.diff(epochs) <= 0) or epochs[0] < 0:
        raise ModelFileError(f"checkpoint epochs {epochs.tolist()} must increase from 0 or more")
    X = np.ascontiguousarray(ds.X, dtype=np.float64)
    y = np.asarray(ds.y)
    R = len(folded)
    weights = [np.stack([m.weights[l] for m in folded]) for l in range(len(first.weights))]
    biases = [np.stack([m.biases[l] for m in folded]) for l in range(len(first.weights))]
    loss, acc = np.empty(R), np.empty(R)
    for r, m in enumerate(folded):
        net = Network([W.copy() for W in m.weights], [b.copy() for b in m.biases], m.activations, task)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss[r] = net.loss(X, y)
            acc[r] = net.accuracy(X, y)
    spec = ds.name
    hidden = first.widths[1:-1]
    source_epochs_known = len(models) > 1 or bool(first.meta.get("epoch_known"))
    options = TrainConfig(dataset=spec, n_samples=ds.params.get("n_samples"),
                          noise=ds.params.get("noise"), classes=ds.params.get("classes"),
                          seed=int(ds.params.get("seed", 0) or 0), hidden=hidden,
                          activation=list(first.activations),
                          # what a scene that trains a variant beside it (retrain) trains for
                          epochs=int(epochs[-1]) if source_epochs_known else None,
                          task="autoencoder" if task == "autoencoder" else None).as_dict()
    from nnanim.core.record import _jsonable

    source = {"format": first.source, "files": [m.name for m in models], "output": first.output,
              "epoch_known": source_epochs_known}
    for key in ("class_names", "feature_names"):
        if first.meta.get(key) is not None:
            source[key] = first.meta[key]
    if scaled is not None:
        source["scaler"] = {**scaled, "folded": "into layer 0: W/scale, b - W·mean/scale"}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "nnanim_version": __version__,
        "task": task,
        "n_classes": int(k),
        "activations": list(first.activations),
        "widths": first.widths,
        "dataset": {"spec": spec, "params": _jsonable(ds.params)},
        "optimizer": {"name": "imported"},
        "options": _jsonable(options),
        "source": _jsonable(source),
    }
    return Run(meta, X, y, epochs, loss, acc, weights, biases)


def load_model(spec: str | Path, data=None, activation: str | Sequence[str] | None = None,
               scaler=None, **dataset_options):
    """A run from a model file, or from checkpoints (a folder or a glob: one record each).

    ``nnanim.io.load_model("model.onnx", data="blobs")``; ``activation`` for a
    state_dict or bare safetensors file (one name, or one per hidden layer).
    """
    models = read_checkpoints(spec, activation)
    return to_run(models, data, scaler=scaler, **dataset_options)


def model_run(options: Mapping[str, Any], explicit: Mapping[str, Any], clash: bool = False):
    """The run of the ``model`` option (the scene contract's ``--model``), its data from the options.

    The data is ``-d`` when given, else the dataset the model's metadata names
    (with ``-n``/``--noise``/``--seed``/``--classes`` on top when given);
    ``--activation`` gives a state_dict's activations.
    """
    if clash:
        raise NnanimError("--model and --run: give one of them (a model file, or a run file to replay)")
    models = read_checkpoints(options["model"], explicit.get("activation"))
    data = explicit.get("dataset")
    if data is None and models[0].meta.get("dataset") is None:
        raise ModelFileError(f"{options['model']}: its metadata names no dataset; give the data it was "
                             "trained on with -d NAME")
    extra = {k: explicit[k] for k in ("n_samples", "noise", "seed", "classes") if k in explicit}
    return to_run(models, data, **extra)


def parse_scaler(mean: str | None, scale: str | None) -> tuple[list[float], list[float]] | None:
    """``--input-mean 0.5,0 --input-scale 2,1`` as ``(mean, scale)``; ``None`` when neither is given."""
    if mean is None and scale is None:
        return None

    def numbers(text: str | None, default: float, what: str) -> list[float]:
        if text is None:
            return [default]
        try:
            values = [float(p) for p in text.split(",")]
        except ValueError:
            raise NnanimError(f"{what} {text!r}: give numbers separated by commas, e.g. 0.5,-1") from None
        if not all(math.isfinite(v) for v in values):
            raise NnanimError(f"{what} {text!r}: give finite numbers")
        return values

    return numbers(mean, 0.0, "--input-mean"), numbers(scale, 1.0, "--input-scale")
