"""Datasets: shapes, scaling, balance, determinism, geometry, CSV files and expr: rules."""

import ast
import builtins
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from nnanim.core.data import (
    DATASETS,
    MAX_CLASSES,
    REAL_DATASETS,
    Dataset,
    DatasetError,
    list_datasets,
    make_dataset,
)

CLASSIFICATION = [name for name, info in DATASETS.items() if info.kind == "classification"]
REGRESSION = [name for name, info in DATASETS.items() if info.kind == "regression"]
AUTOENCODER = [name for name, info in DATASETS.items() if info.kind == "autoencoder"]
SAMPLES = sorted((Path(__file__).parents[2] / "assets" / "data").glob("*.csv"))
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_valid(ds: Dataset) -> None:
    """Every promise of the Dataset contract, checked on one instance."""
    assert isinstance(ds, Dataset)
    X, y = ds.X, ds.y
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] in (1, 2, 3)
    assert y.ndim == 1 and len(y) == len(X) >= 4
    assert np.all(np.isfinite(X))
    assert np.abs(X).max() == 1.0  # inside [-1, 1]^d and touching the bound
    widest = np.argmax(X.max(axis=0) - X.min(axis=0))
    assert X[:, widest].min() == -1.0 and X[:, widest].max() == 1.0
    assert ds.params["n_samples"] == len(X)
    if ds.task == "regression":
        assert ds.n_classes == 0 and "classes" not in ds.params
        assert y.dtype == np.float64 and np.all(np.isfinite(y))
        assert y.min() == -1.0 and y.max() == 1.0
    elif ds.task == "autoencoder":  # y: the manifold parameter t, a colour
        assert ds.n_classes == 0 and "classes" not in ds.params
        assert y.dtype == np.float64 and np.all(np.isfinite(y))
    else:
        assert X.shape[1] == 2
        assert y.dtype == np.int64
        k = ds.n_classes
        assert ds.task == ("binary" if k == 2 else "multiclass")
        assert 2 <= k <= MAX_CLASSES and ds.params["classes"] == k
        assert set(np.unique(y)) == set(range(k))


def expected_sizes(n, k):
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return sizes


def radius(X):
    return np.hypot(X[:, 0], X[:, 1])


# --------------------------------------------------------------------------- built-ins


@pytest.mark.parametrize("name", list(DATASETS))
def test_builtin_defaults_are_valid_and_recorded(name):
    info = DATASETS[name]
    ds = make_dataset(name)
    assert_valid(ds)
    assert ds.name == name
    assert ds.params["n_samples"] == info.n_samples and 400 <= info.n_samples <= 600
    assert ds.params["noise"] == info.noise and ds.params["seed"] == 0
    assert ds.X.shape[1] == {"sine": 1, "swiss-roll": 3, "s-curve": 3}.get(name, 2)
    if info.kind == "classification":
        assert ds.n_classes == info.classes
    else:
        assert ds.task == info.kind and ds.n_classes == 0


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("n", [4, 7, 301])
def test_classes_are_balanced_like_sklearn(name, n):
    k = 3 if DATASETS[name].variable_classes else None
    if k and n < 2 * k:
        n = 2 * k
    ds = make_dataset(name, n_samples=n, classes=k, seed=3)
    assert_valid(ds)
    assert np.array_equal(np.bincount(ds.y), expected_sizes(n, ds.n_classes))


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_arguments_give_bit_identical_arrays(name):
    a = make_dataset(name, n_samples=97, noise=0.1, seed=5)
    b = make_dataset(name, n_samples=97, noise=0.1, seed=5)
    c = make_dataset(name, n_samples=97, noise=0.1, seed=6)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert a.X.tobytes() != c.X.tobytes()


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_samples_are_shuffled(name):
    y = make_dataset(name).y
    assert np.count_nonzero(np.diff(y)) > len(y) // 4  # not grouped class by class


@pytest.mark.parametrize("spec", ["disk_ring", "Disk-Ring", " DISK_RING "])
def test_names_ignore_case_and_underscore(spec):
    ds = make_dataset(spec, seed=2)
    ref = make_dataset("disk-ring", seed=2)
    assert ds.name == spec
    assert np.array_equal(ds.X, ref.X) and np.array_equal(ds.y, ref.y)


def test_noise_moves_points_off_the_clean_shape():
    clean = make_dataset("circles", noise=0.0)
    noisy = make_dataset("circles", noise=0.1)
    assert np.ptp(radius(clean.X[clean.y == 0])) < 1e-2
    assert np.ptp(radius(noisy.X[noisy.y == 0])) > 0.2


def test_moons_are_sklearn_moons():
    ds = make_dataset("moons", n_samples=401, noise=0.0)
    # raw shape spans x in [-1, 2], y in [-0.5, 1]: scale 1.5, centre (0.5, 0.25)
    raw = ds.X * 1.5 + [0.5, 0.25]
    upper, lower = raw[ds.y == 0], raw[ds.y == 1]
    np.testing.assert_allclose(radius(upper), 1.0, atol=1e-3)
    np.testing.assert_allclose(radius(lower - [1.0, 0.5]), 1.0, atol=1e-3)
    assert upper[:, 1].min() > -1e-3 and lower[:, 1].max() < 0.5 + 1e-3


def test_circles_inner_class_is_the_smaller_circle():
    ds = make_dataset("circles", noise=0.0)
    outer, inner = radius(ds.X[ds.y == 0]), radius(ds.X[ds.y == 1])
    assert inner.max() < outer.min()
    assert inner.mean() / outer.mean() == pytest.approx(0.5, abs=0.01)


def test_disk_ring_disk_is_inside_the_ring():
    ds = make_dataset("disk-ring", noise=0.0, n_samples=2000)
    ring, disk = radius(ds.X[ds.y == 0]), radius(ds.X[ds.y == 1])
    assert disk.max() < ring.min()
    # a filled disk, not a circle: radii spread from the centre outwards
    assert disk.min() < 0.1 and np.median(disk) < 0.8 * disk.max()


def test_xor_labels_are_the_sign_product():
    ds = make_dataset("xor", noise=0.0, n_samples=1000)
    assert np.array_equal(ds.y, (ds.X[:, 0] * ds.X[:, 1] < 0).astype(np.int64))
    assert np.abs(ds.X).min() > 0.05  # a margin around the axes
    quadrant = (ds.X[:, 0] > 0) * 2 + (ds.X[:, 1] > 0)
    assert set(quadrant) == {0, 1, 2, 3}


def test_checkerboard_labels_follow_the_cells():
    ds = make_dataset("checkerboard", noise=0.0, n_samples=2000)
    cell = (ds.X[:, :, None] > np.array([-0.5, 0.0, 0.5])).sum(axis=2)  # 0..3 per axis
    assert np.array_equal(ds.y, cell.sum(axis=1) % 2)
    assert len(set(map(tuple, cell))) == 16


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spirals_have_k_contiguous_winding_arms(k):
    ds = make_dataset("spirals", classes=k, noise=0.0, n_samples=150 * k)
    assert_valid(ds)
    assert ds.n_classes == k
    # each point's nearest neighbour lies on its own arm
    _, nearest = cKDTree(ds.X).query(ds.X, k=2)
    assert np.array_equal(ds.y[nearest[:, 1]], ds.y)
    # each arm winds around the centre: the angle grows steadily with the radius
    for c in range(k):
        arm = ds.X[ds.y == c]
        arm = arm[np.argsort(radius(arm))]
        arm = arm[radius(arm) > 0.3]
        turn = np.unwrap(np.arctan2(arm[:, 1], arm[:, 0]))
        # 0.75 turns from radius 0.05 to 1: beyond radius 0.3 an arm still sweeps about
        # 3-3.5 rad (a straight arm would sweep about 0)
        assert abs(turn[-1] - turn[0]) > 2.5


def test_blobs_centres_are_separated():
    ds = make_dataset("blobs", classes=4)
    means = np.array([ds.X[ds.y == c].mean(axis=0) for c in range(4)])
    spread = max(ds.X[ds.y == c].std(axis=0).max() for c in range(4))
    gaps = np.linalg.norm(means[:, None] - means[None], axis=2)[np.triu_indices(4, 1)]
    assert gaps.min() > 4 * spread


def affine_residual(y, feature):
    A = np.column_stack([feature, np.ones_like(feature)])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return np.abs(A @ coef - y).max(), coef[0]


def test_sine_targets_are_sin_of_x():
    ds = make_dataset("sine", noise=0.0)
    residual, slope = affine_residual(ds.y, np.sin(np.pi * ds.X[:, 0]))
    assert residual < 1e-9 and slope > 0
    noisy = make_dataset("sine", noise=0.1)
    assert affine_residual(noisy.y, np.sin(np.pi * noisy.X[:, 0]))[0] > 0.1


def test_ripple_targets_depend_on_the_radius():
    ds = make_dataset("ripple", noise=0.0)
    residual, slope = affine_residual(ds.y, np.sin(2 * np.pi * radius(ds.X)))
    assert residual < 1e-9 and slope > 0


def test_classes_for_variable_datasets():
    ds = make_dataset("blobs", classes=7)
    assert ds.n_classes == 7 and ds.task == "multiclass" and ds.params["classes"] == 7
    assert make_dataset("spirals", classes=2).task == "binary"
    assert make_dataset("moons", classes=2).n_classes == 2  # its own fixed number is fine


@pytest.mark.parametrize("spec, kwargs, fragment", [
    ("moons", {"classes": 3}, "spirals, blobs"),
    ("sine", {"classes": 2}, "spirals, blobs"),
    ("spirals", {"classes": 1}, "from 2 to 10"),
    ("blobs", {"classes": 11}, "from 2 to 10"),
    ("blobs", {"classes": 2.0}, "from 2 to 10"),
    ("moons", {"n_samples": 3}, "from 4 to"),
    ("moons", {"n_samples": True}, "from 4 to"),
    ("moons", {"n_samples": 10**9}, "from 4 to"),
    ("moons", {"n_samples": "500"}, "integer"),
    ("spirals", {"classes": 5, "n_samples": 9}, "at least 2 per class"),
    ("moons", {"noise": -0.1}, ">= 0"),
    ("moons", {"noise": float("inf")}, "finite"),
    ("moons", {"noise": float("nan")}, "finite"),
    ("moons", {"noise": "0.1"}, "finite"),
    ("moons", {"noise": 10**400}, "finite"),
    ("moons", {"noise": 1e308}, "too large"),
    ("moons", {"seed": -1}, "seed must be an integer >= 0"),
    ("moons", {"seed": 1.5}, "seed must be an integer >= 0"),
])
def test_invalid_arguments_name_the_valid_range(spec, kwargs, fragment):
    with pytest.raises(DatasetError) as e:
        make_dataset(spec, **kwargs)
    assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("spec, hint", [
    ("spiral", "did you mean 'spirals'"), ("iriss", "did you mean 'iris'"), ("", ""),
    ("data.csv", "csv:data.csv"), ("moons:1", ""),
])
def test_unknown_name_lists_the_choices(spec, hint):
    with pytest.raises(DatasetError) as e:
        make_dataset(spec)
    message = str(e.value)
    assert all(name in message for name in [*DATASETS, *REAL_DATASETS])
    assert "csv:PATH" in message and "expr:EXPRESSION" in message and hint in message


def test_csv_with_many_features_is_standardised_and_named(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 5)) * [1, 10, 100, 0.1, 3] + 7
    y = (X[:, 0] > 7).astype(int)
    path = tmp_path / "wide.csv"
    lines = ["height_cm,b,c,d,e,label"] + [",".join(map(str, [*row, lab])) for row, lab in zip(X, y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = make_dataset(f"csv:{path}")
    np.testing.assert_allclose(data.X, (X - X.mean(axis=0)) / X.std(axis=0), atol=1e-9)
    assert data.params["feature_names"] == ["height cm", "b", "c", "d", "e"]
    np.testing.assert_array_equal(data.y, y)


def test_spec_must_be_a_string():
    with pytest.raises(DatasetError, match="name"):
        make_dataset(None)


def test_list_datasets_covers_every_form():
    rows = list_datasets()
    names = [name for name, _ in rows]
    assert names[: len(DATASETS)] == list(DATASETS)
    assert "csv:PATH" in names and "expr:EXPRESSION" in names
    assert all(isinstance(s, str) and s and "\n" not in s for _, s in rows)
    assert {info.kind for info in DATASETS.values()} == {"classification", "regression", "autoencoder"}
    for name, info in DATASETS.items():
        assert dict(rows)[name].startswith(info.summary)
        assert f"default {info.n_samples} points, noise {info.noise}" in dict(rows)[name]


def test_data_imports_without_manim():
    code = ("import sys; sys.modules['manim'] = None; import nnanim.core.data; "
            "print(sorted(m for m, mod in sys.modules.items() if mod is not None "
            "and m.split('.')[0] in ('manim', 'click')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@FAST
@given(name=st.sampled_from(list(DATASETS)),
       n_samples=st.one_of(st.none(), st.integers(-5, 1500), st.floats(), st.text(max_size=3)),
       noise=st.one_of(st.none(), st.floats(), st.integers(-2, 3), st.floats(0, 1e-300)),
       seed=st.one_of(st.integers(-3, 2**70), st.floats()),
       classes=st.one_of(st.none(), st.integers(-1, 13)))
def test_any_arguments_give_a_dataset_or_a_dataset_error(name, n_samples, noise, seed, classes):
    try:
        ds = make_dataset(name, n_samples=n_samples, noise=noise, seed=seed, classes=classes)
    except DatasetError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert_valid(ds)
    if n_samples is not None:
        assert ds.params["n_samples"] == n_samples
    if classes is not None:
        assert ds.n_classes == classes


# --------------------------------------------------------------------------- csv


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip(tmp_path):
    ref = make_dataset("blobs", n_samples=40, seed=1)
    lines = [f"{float(a)!r},{float(b)!r},{c}" for (a, b), c in zip(ref.X, ref.y, strict=True)]
    for header in ([], ["x,y,label"]):
        path = write(tmp_path, "\n".join(header + lines) + "\n")
        ds = make_dataset(f"csv:{path}")
        assert_valid(ds)
        np.testing.assert_allclose(ds.X, ref.X, rtol=0, atol=1e-12)
        assert np.array_equal(ds.y, ref.y) and ds.n_classes == 3
        assert ds.params["label_names"] == ["0", "1", "2"]
        assert ds.params.get("columns") == (["x", "y", "label"] if header else None)
        assert ds.name == f"csv:{path}"


def test_csv_scales_raw_coordinates(tmp_path):
    path = write(tmp_path, "10,100,a\n30,100,b\n20,105,a\n20,95,b\n")
    ds = make_dataset(f"csv:{path}")
    np.testing.assert_array_equal(ds.X, [[-1, 0], [1, 0], [0, 0.5], [0, -0.5]])


def test_csv_string_labels_sorted_with_names_kept(tmp_path):
    text = 'x,y,fruit\n0,0,pear\n1,0,apple\n0,1,fig\n1,1,pear\n2,2,"fig, dried"\n'
    path = write(tmp_path, text)
    ds = make_dataset(f"csv:{path}")
    assert ds.params["label_names"] == ["apple", "fig", "fig, dried", "pear"]
    assert ds.y.tolist() == [3, 0, 1, 3, 2] and ds.task == "multiclass"


def test_csv_integer_labels_sorted_numerically(tmp_path):
    path = write(tmp_path, "0 0 10\n1 0 2\n0 1 -1\n1 1 2.0\n")
    ds = make_dataset(f"csv:{path}")
    assert ds.params["label_names"] == ["-1", "2", "10"]
    assert ds.y.tolist() == [2, 1, 0, 1]


@pytest.mark.parametrize("text, dims", [
    ("x,y,target\n0,0,1\n1,0,2\n0,1,3\n1,1,4\n", 2),  # header forces regression
    ("0,0,0.5\n1,0,1\n0,1,3\n1,1,4\n", 2),  # a non-integer number in the last column
    ("x,target\n0,1\n1,2\n2,3\n3,5\n", 1),  # two columns: 1-D regression
    ("0;3\n1;2\n2;1\n3;1\n", 1),
])
def test_csv_regression(tmp_path, text, dims):
    ds = make_dataset(f"csv:{write(tmp_path, text)}")
    assert_valid(ds)
    assert ds.task == "regression" and ds.X.shape == (4, dims)


def test_csv_header_label_forces_classification(tmp_path):
    path = write(tmp_path, "x,y,label\n0,0,0.5\n1,0,1.5\n0,1,0.5\n1,1,1.5\n")
    ds = make_dataset(f"csv:{path}")
    assert ds.task == "binary" and ds.params["label_names"] == ["0.5", "1.5"]


@pytest.mark.parametrize("text", [
    "# comment\n\nx;y;label\n0;0;a\n\n1;0;b\n# more\n0;1;a\n1;1;b\n",
    "\ufeffx\ty\tlabel\n0\t0\ta\n1\t0\tb\n0\t1\ta\n1\t1\tb\n",
    "0 0 a\n1   0 b\n 0 1 a \n1 1 b\r\n",
])
def test_csv_delimiters_comments_and_bom(tmp_path, text):
    ds = make_dataset(f"csv:{write(tmp_path, text)}")
    assert ds.y.tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(ds.X, [[-1, -1], [1, -1], [-1, 1], [1, 1]])


def test_csv_subsample_is_deterministic_and_keeps_file_order(tmp_path):
    rows = [f"{i},{i % 7},{i % 2}" for i in range(50)]
    path = write(tmp_path, "\n".join(rows))
    a = make_dataset(f"csv:{path}", n_samples=20, seed=4)
    b = make_dataset(f"csv:{path}", n_samples=20, seed=4)
    c = make_dataset(f"csv:{path}", n_samples=20, seed=5)
    full = make_dataset(f"csv:{path}")
    assert a.params["n_samples"] == 20 and full.params["n_samples"] == 50
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)
    assert np.all(np.diff(a.X[:, 0]) > 0)  # file order (x increases down the file)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"n_samples": 11}, "only 10 rows"),
    ({"noise": 0.1}, "noise does not apply"),
    ({"classes": 3}, "has 2 classes"),
    ({"classes": 1}, "classes must be an integer from 2 to 10"),
    ({"n_samples": 2}, "n_samples must be an integer from 4"),
    ({"noise": -1}, "noise must be a finite number >= 0"),
])
def test_csv_rejects_arguments_that_do_not_fit(tmp_path, kwargs, fragment):
    path = write(tmp_path, "\n".join(f"{i},{i * i},{i % 2}" for i in range(10)))
    with pytest.raises(DatasetError, match=f"^{path}: .*{fragment}"):
        make_dataset(f"csv:{path}", **kwargs)
    make_dataset(f"csv:{path}", noise=0, classes=2)  # the matching values are fine


@pytest.mark.parametrize("text, line, fragment", [
    ("", None, "empty"),
    ("# only a comment\n\n", None, "empty"),
    ("x,y,label\n", None, "0 data rows; need at least 4"),
    ("0,0,0\n1,1,1\n0,1,0\n", None, "3 data rows"),
    ("0,0,0\n1,1,1\n0,1\n1,0,1\n", 3, "found 2 columns; expected 3"),
    ("x,y,label\n0,0,0\n\n1,abc,1\n0,1,0\n1,0,1\n", 4, "'abc' is not a number (column 2)"),
    ("0,0,a\n1,nan,b\n0,1,a\n1,0,b\n", 2, "'nan' is not a finite number (column 2)"),
    ("0,0,0.5\n1,1,1.5\n0,1,inf\n1,0,1\n", 3, "'inf' is not a finite number (column 3)"),
    ("0,0,0\n1,1,1e999\n0,1,1.5\n1,0,1\n", 2, "not a finite number"),
    ("0,0,a\n1,1,a\n0,1,a\n1,0,a\n", None, "need at least two classes"),
    ("\n".join(f"{i},{i},{i}" for i in range(11)), None, "at most 10 classes"),
    (",".join(["1"] * 1026) + "\n", 1, "found 1026 column(s)"),
    ("1\n2\n3\n4\n", 1, "found 1 column(s)"),
    ("5,5,a\n5,5,b\n5,5,a\n5,5,b\n", None, "all points are the same"),
    ("x,target\n0,2\n1,2\n2,2\n3,2\n", None, "target is the same on every row"),
    ("x,label\n0,a\n1,b\n2,a\n3,b\n", None, "1-D classification"),
    (b"0,0,a\n1,1,b\n0,1,\xff\n1,0,b\n", 3, "not UTF-8"),
])
def test_csv_errors_name_the_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(DatasetError) as e:
        make_dataset(f"csv:{path}")
    message = str(e.value)
    assert str(path) in message and fragment in message and "\n" not in message
    if line is not None:
        assert f"{path}, line {line}:" in message


@pytest.mark.parametrize("spec, fragment", [
    ("csv:", "needs a file name"),
    ("csv:does/not/exist.csv", "does/not/exist.csv: no such file"),
    ("csv:bad\x00name.csv", "no such file"),
])
def test_csv_bad_paths(spec, fragment):
    with pytest.raises(DatasetError, match=fragment):
        make_dataset(spec)


def test_csv_directory_is_rejected(tmp_path):
    with pytest.raises(DatasetError, match="is a directory"):
        make_dataset(f"csv:{tmp_path}")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read any file")
def test_csv_unreadable_file(tmp_path):
    path = write(tmp_path, "0,0,0\n1,1,1\n0,1,0\n1,0,1\n")
    path.chmod(0)
    with pytest.raises(DatasetError, match="cannot read"):
        make_dataset(f"csv:{path}")


def test_csv_read_error_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, "0,0,0\n1,1,1\n0,1,0\n1,0,1\n")

    real = os.open

    def refuse(name, *args, **kwargs):  # the file is opened by descriptor (never blocking on a FIFO)
        if os.fspath(name) == os.fspath(path):
            raise PermissionError(13, "Permission denied")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(DatasetError, match=f"{path}: cannot read the file"):
        make_dataset(f"csv:{path}")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_bundled_samples_load_by_bare_name(sample, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # found even where no such file exists
    ds = make_dataset(f"csv:{sample.name}")
    assert_valid(ds)
    assert sample.stat().st_size < 20_000
    assert any(name == f"csv:{sample.name}" for name, _ in list_datasets())


def test_a_local_file_wins_over_a_bundled_sample(tmp_path, monkeypatch):
    assert SAMPLES
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "0,0,a\n1,0,b\n0,1,c\n1,1,a\n", name=SAMPLES[0].name)
    assert make_dataset(f"csv:{SAMPLES[0].name}").params["label_names"] == ["a", "b", "c"]


_number_cell = st.one_of(st.integers(-3, 12).map(str), st.floats().map(repr),
                         st.sampled_from(["", "a", "nan", "-inf", "1e999", "x", "label",
                                          "target", '"q,r"', "0.5"]))
_row = st.lists(_number_cell, min_size=0, max_size=4)
_csv_text = st.builds(
    lambda rows, sep, end: end.join(sep.join(r) for r in rows),
    st.lists(_row, max_size=14), st.sampled_from([",", ";", "\t", " "]),
    st.sampled_from(["\n", "\r\n", "\n\n#c\n"]))


@FAST
@given(content=st.one_of(_csv_text, st.text(max_size=200), st.binary(max_size=100)),
       n_samples=st.one_of(st.none(), st.integers(0, 12)))
def test_any_csv_content_gives_a_dataset_or_a_dataset_error(tmp_path_factory, content,
                                                           n_samples):
    path = write(tmp_path_factory.getbasetemp(), content, name="fuzz.csv")
    try:
        ds = make_dataset(f"csv:{path}", n_samples=n_samples)
    except DatasetError as e:
        assert str(path) in str(e) and "\n" not in str(e)
        return
    assert_valid(ds)


# --------------------------------------------------------------------------- expr


def test_expr_labels_match_numpy():
    ds = make_dataset("expr:x**2 + y**2 < 1", n_samples=800, seed=3)
    assert_valid(ds)
    x, y = ds.X.T
    assert np.array_equal(ds.y, (x**2 + y**2 < 1).astype(np.int64))
    assert ds.params == {"n_samples": 800, "noise": 0.0, "seed": 3, "classes": 2,
                         "expression": "x**2 + y**2 < 1"}


@pytest.mark.parametrize("text, reference", [
    ("-0.5 < x <= 0.5", lambda x, y: (-0.5 < x) & (x <= 0.5)),
    ("x > 0 and y > 0 or x < -0.5", lambda x, y: ((x > 0) & (y > 0)) | (x < -0.5)),
    ("not (x > y)", lambda x, y: ~(x > y)),
    ("abs(x) + abs(y) < 0.8", lambda x, y: np.abs(x) + np.abs(y) < 0.8),
    ("atan2(y, x) > pi / 4", lambda x, y: np.arctan2(y, x) > np.pi / 4),
    ("max(x, y, 0.2) > 0.5", lambda x, y: np.maximum(np.maximum(x, y), 0.2) > 0.5),
    ("min(x, y) < -0.2", lambda x, y: np.minimum(x, y) < -0.2),
    ("sin(3*x) > tanh(2*y)", lambda x, y: np.sin(3 * x) > np.tanh(2 * y)),
    ("x % 0.5 < 0.25", lambda x, y: x % 0.5 < 0.25),
    ("floor(2*x) == floor(2*y) + 1", lambda x, y: np.floor(2 * x) == np.floor(2 * y) + 1),
    ("sqrt(x*x + y*y) != hypot(x, y) + 1", lambda x, y: np.ones_like(x, bool)),
    ("exp(x) + log(y + 2) > e ** 0.5", lambda x, y: np.exp(x) + np.log(y + 2) > np.e**0.5),
    ("(x > 0) == (y > 0)", lambda x, y: (x > 0) == (y > 0)),
    ("(x > 0) + (y > 0) >= 1", lambda x, y: (x > 0) | (y > 0)),
])
def test_expr_grammar_matches_numpy(text, reference):
    if text.startswith("sqrt"):  # a rule true everywhere is rejected
        with pytest.raises(DatasetError, match="every point"):
            make_dataset("expr:" + text)
        return
    ds = make_dataset("expr:" + text, n_samples=300)
    assert np.array_equal(ds.y, reference(*ds.X.T).astype(np.int64))


def test_expr_regression_target():
    ds = make_dataset("expr:sin(3*x) * y", n_samples=300)
    assert_valid(ds)
    assert ds.task == "regression" and ds.X.shape == (300, 2)
    residual, slope = affine_residual(ds.y, np.sin(3 * ds.X[:, 0]) * ds.X[:, 1])
    assert residual < 1e-9 and slope > 0


def test_expr_noise_jitters_inputs_but_keeps_clean_labels():
    clean = make_dataset("expr:x > y", seed=8)
    noisy = make_dataset("expr:x > y", seed=8, noise=0.2)
    assert_valid(noisy)
    assert np.array_equal(clean.y, noisy.y) and not np.array_equal(clean.X, noisy.X)
    assert np.any(noisy.y != (noisy.X[:, 0] > noisy.X[:, 1]))  # some points crossed over


INJECTIONS = [
    "__import__('os').system('touch PWNED')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "open('PWNED', 'w')",
    "eval('1')",
    "exec('x=1')",
    "compile('1', '', 'eval')",
    "globals()",
    "lambda: 0",
    "[x for x in ()]",
    "(a := 1)",
    "'a' < 'b'",
    "min(x, key=abs)",
    "max(*x)",
    "x if y else 1",
    "x // 2 > 0",
    "x @ y",
    "x is y",
    "x in y",
    "~x",
    "1j > 0",
    "True",
    "None",
    "f'{x}'",
    "x; y",
    "import os",
    "x and y",
    "not x",
    "sin(x, y)",
    "atan2(x)",
    "z > 0",
    "9**9**9",
    "exp(1000) > 0",
    "1" * 5000,
    "(" * 300 + "x" + ")" * 300,
    "sin(" * 100 + "x" + ")" * 100,
    "-" * 500 + "x",
    "",
    "   ",
]


@pytest.mark.parametrize("text", INJECTIONS, ids=lambda t: t[:30])
def test_expr_rejects_everything_outside_the_grammar(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetError) as e:
        make_dataset("expr:" + text)
    assert str(e.value).startswith("expr ") and "\n" not in str(e.value)
    assert not (tmp_path / "PWNED").exists()


def test_expr_never_executes_code(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            raise AssertionError("compile() to code called")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    assert make_dataset("expr:sin(x) * cos(y) > 0.1").n_classes == 2
    assert make_dataset("expr:x*y").task == "regression"
    for text in INJECTIONS[:8]:
        with pytest.raises(DatasetError):
            make_dataset("expr:" + text)


@pytest.mark.parametrize("text, fragment", [
    ("log(x) < 0", "log(x) is undefined (NaN)"),
    ("(x - x) / (x - x) > 0", "undefined (NaN)"),
    ("sqrt(y) * x", "sqrt(y) is undefined"),
    ("1 / (x - x)", "infinite"),
    ("x > 5", "False at every point"),
    ("x * x >= 0", "True at every point"),
    ("y * 0 + 1", "same value at every point"),
])
def test_expr_bad_values(text, fragment):
    with pytest.raises(DatasetError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        make_dataset("expr:" + text)


def test_expr_one_point_class_is_rejected():
    # exactly one of the points lies left of the leftmost-but-one point
    ds = make_dataset("expr:x > 0", n_samples=50)
    second = float(np.sort(ds.X[:, 0])[1])
    with pytest.raises(DatasetError, match="only 1 of 50"):
        make_dataset(f"expr:x >= {second!r}", n_samples=50)


@pytest.mark.parametrize("text, kwargs, fragment", [
    ("x > 0", {"classes": 3}, "2 classes"),
    ("x * y", {"classes": 2}, "classes does not apply"),
    ("x > 0", {"n_samples": 2}, "from 4 to"),
    ("x > 0", {"noise": -1}, ">= 0"),
    ("x > 0", {"noise": 1e308}, r"noise=1e\+308 is too large"),
    ("x * y", {"noise": 1e308}, "overflows with this noise"),
])
def test_expr_arguments(text, kwargs, fragment):
    with pytest.raises(DatasetError, match=f"^expr .*{fragment}"):
        make_dataset("expr:" + text, **kwargs)


_leaf = st.one_of(st.sampled_from(["x", "y", "pi", "e", "z", "x.real", "'s'"]),
                  st.floats(-1e3, 1e3, allow_nan=False).map(repr),
                  st.integers(0, 400).map(str))


def _extend(inner):
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "%", "//"]), inner)
    compare = st.tuples(inner, st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "is"]), inner)
    boolean = st.tuples(inner, st.sampled_from([" and ", " or "]), inner)
    call = st.tuples(st.sampled_from(["sin", "log", "sqrt", "atan2", "max", "floor", "foo"]),
                     st.lists(inner, min_size=0, max_size=3))
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        compare.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        boolean.map("".join),
        inner.map(lambda s: f"-{s}"),
        inner.map(lambda s: f"not {s}"),
        call.map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    )


_expression = st.recursive(_leaf, _extend, max_leaves=12)


@FAST
@given(text=st.one_of(_expression, st.text(max_size=40)), seed=st.integers(0, 3),
       n_samples=st.integers(-1, 80), noise=st.one_of(st.none(), st.floats()))
def test_any_expression_gives_a_dataset_or_a_dataset_error(text, seed, n_samples, noise):
    try:
        ds = make_dataset("expr:" + text, n_samples=n_samples, seed=seed, noise=noise)
    except DatasetError as e:
        assert str(e).startswith("expr ") and "\n" not in str(e)
        return
    assert_valid(ds)


def test_parse_feature_is_the_expr_grammar_as_a_function():
    from nnanim.core.data import DatasetError, parse_feature

    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.25, -3.0])
    assert np.allclose(parse_feature("x**2 + y**2")(x, y), x ** 2 + y ** 2)
    assert np.allclose(parse_feature("x*y")(x, y), x * y)
    assert np.allclose(parse_feature("sin(3*x) + abs(y) - pi")(x, y), np.sin(3 * x) + np.abs(y) - np.pi)
    for bad, words in (("x > y", "is a rule"), ("x.real", "allowed: numbers, x, y"),
                       ("__import__('os')", "the functions are sin"), ("z + 1", "unknown name 'z'"),
                       ("x +", "allowed:")):
        with pytest.raises(DatasetError, match=words) as err:
            parse_feature(bad)
        assert "\n" not in str(err.value)
    with pytest.raises(DatasetError, match=r"sqrt\(x\) is undefined \(NaN\).*x=-1"):
        parse_feature("sqrt(x)")(x, y)
    with pytest.raises(DatasetError, match="infinite"):
        parse_feature("1/(x - 2)")(x, y)


# --------------------------------------------------------------------------- autoencoder data


def _affine_fit(columns, target):
    """Least-squares ``target ≈ A @ coef`` with an intercept; returns (coef, residual max)."""
    A = np.column_stack([*columns, np.ones(len(target))])
    coef, *_ = np.linalg.lstsq(A, target, rcond=None)
    return coef, float(np.abs(A @ coef - target).max())


def test_swiss_roll_is_sklearns_roll_scaled():
    ds = make_dataset("swiss-roll", n_samples=500, noise=0.0, seed=4)
    t = ds.y
    assert ds.task == "autoencoder" and ds.X.shape == (500, 3)
    assert t.min() >= 1.5 * np.pi and t.max() <= 4.5 * np.pi  # sklearn's t, unscaled
    # x = t cos t, z = t sin t, up to the one scale factor and a shift per axis
    (sx, _), rx = _affine_fit([t * np.cos(t)], ds.X[:, 0])
    (sz, _), rz = _affine_fit([t * np.sin(t)], ds.X[:, 2])
    assert rx < 1e-12 and rz < 1e-12 and sx == pytest.approx(sz) and sx > 0
    # the height is uniform on [0, 21): its range is 21 roll units at most
    assert np.ptp(ds.X[:, 1]) / sx <= 21.0
    assert np.ptp(ds.X[:, 1]) / sx > 20.0


def test_s_curve_is_sklearns_curve_scaled():
    ds = make_dataset("s-curve", n_samples=500, noise=0.0, seed=2)
    t = ds.y
    assert ds.X.shape == (500, 3) and np.abs(t).max() <= 1.5 * np.pi
    (sx, _), rx = _affine_fit([np.sin(t)], ds.X[:, 0])
    (sz, _), rz = _affine_fit([np.sign(t) * (np.cos(t) - 1)], ds.X[:, 2])
    assert rx < 1e-12 and rz < 1e-12 and sx == pytest.approx(sz) and sx > 0
    assert 1.9 < np.ptp(ds.X[:, 1]) / sx <= 2.0


def test_arc_is_one_spiral_arm_and_noise_jitters_it():
    clean = make_dataset("arc", n_samples=300, noise=0.0, seed=1)
    t = clean.y
    assert clean.X.shape == (300, 2) and 0 <= t.min() and t.max() <= 1
    r, angle = 0.3 + 0.7 * t, 2 * np.pi * 0.6 * t
    (s, _), res = _affine_fit([r * np.cos(angle)], clean.X[:, 0])
    assert res < 1e-12 and s > 0
    noisy = make_dataset("arc", n_samples=300, noise=0.05, seed=1)
    np.testing.assert_array_equal(noisy.y, t)  # the same t, then jitter
    assert not np.allclose(noisy.X, clean.X)


@pytest.mark.parametrize("name", AUTOENCODER)
def test_autoencoder_data_is_deterministic_and_takes_no_classes(name):
    a, b = make_dataset(name, seed=5), make_dataset(name, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    with pytest.raises(DatasetError, match="classes does not apply to the autoencoder dataset"):
        make_dataset(name, classes=2)


def test_a_labelled_dataset_as_an_autoencoders_keeps_its_labels_as_colours():
    from nnanim.core.data import as_autoencoder

    moons = make_dataset("moons", n_samples=50)
    ae = as_autoencoder(moons)
    assert ae.task == "autoencoder" and ae.n_classes == 0 and ae.params["task"] == "binary"
    np.testing.assert_array_equal(ae.X, moons.X)
    np.testing.assert_array_equal(ae.y, moons.y.astype(float))
    assert as_autoencoder(ae) is ae
