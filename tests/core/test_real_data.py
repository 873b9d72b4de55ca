"""Real tabular data (iris, wine, breast cancer, digits) and inputs wider than three.

The datasets come from scikit-learn's bundled copies; the tests recompute what
nnanim states about them from those copies directly: the standardisation, the
principal axes (by an eigendecomposition of the covariance, not the SVD the
library uses), their share of the variance, the names on the axes, and the
exactness of a network restricted to the principal plane.
"""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from nnanim.contract import resolve
from nnanim.core.data import REAL_DATASETS, DatasetError, list_datasets, make_dataset
from nnanim.core.nn import Network
from nnanim.core.projection import InputPlane, describe_axes, principal_axes
from nnanim.errors import NnanimError

sk = pytest.importorskip("sklearn.datasets")

#: the digits `digits` takes by default (written out here: the test's own record of the choice)
DIGITS_DEFAULT = [1, 6, 8]
DIGITS_ROWS = int(np.isin(sk.load_digits().target, DIGITS_DEFAULT).sum())

SHAPES = {"iris": (150, 4, 3), "wine": (178, 13, 3), "breast-cancer": (569, 30, 2),
          "digits": (DIGITS_ROWS, 64, 3)}


@pytest.mark.parametrize("name", list(REAL_DATASETS))
def test_real_dataset_is_the_bundled_copy_standardised(name):
    data = make_dataset(name)
    n, d, k = SHAPES[name]
    assert data.X.shape == (n, d) and data.n_classes == k
    raw = getattr(sk, REAL_DATASETS[name].loader)()
    X, y = raw.data.astype(float), raw.target
    kept = DIGITS_DEFAULT if name == "digits" else list(range(k))
    keep = np.isin(y, kept)
    X, y = X[keep], np.searchsorted(kept, y[keep])
    std = X.std(axis=0)
    expected = np.where(std > 0, (X - X.mean(axis=0)) / np.where(std > 0, std, 1), 0.0)
    np.testing.assert_allclose(data.X, expected, atol=1e-12)
    np.testing.assert_array_equal(data.y, y)
    names = data.params["feature_names"]
    assert len(names) == d and not any("_" in f for f in names)
    assert len(data.params["label_names"]) == k
    assert not any("_" in c for c in data.params["label_names"])


def test_digits_classes_takes_the_digits_that_overlap_most_first():
    data = make_dataset("digits", classes=10)
    assert data.n_classes == 10 and data.X.shape == (1797, 64)
    assert data.params["label_names"] == [str(i) for i in range(10)]
    np.testing.assert_array_equal(data.y, sk.load_digits().target)
    default = make_dataset("digits")
    assert default.params["label_names"] == [str(d) for d in DIGITS_DEFAULT]
    two = make_dataset("digits", classes=2)
    assert set(np.unique(two.y)) == {0, 1}
    assert two.params["label_names"] == [str(d) for d in sorted(DIGITS_DEFAULT[:2])]


def _plane_split(digits):
    """How well straight lines part the given digits on the two principal axes of their
    standardised images: one least-squares score per class (one against the rest), the share
    of points whose own class scores highest.  Computed with an eigendecomposition, apart from
    nnanim and from the logistic regression that chose the default."""
    raw = sk.load_digits()
    keep = np.isin(raw.target, digits)
    X, y = raw.data[keep].astype(float), np.searchsorted(digits, raw.target[keep])
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    values, vectors = np.linalg.eigh(np.cov(X, rowvar=False))
    P = X @ vectors[:, np.argsort(values)[::-1][:2]]
    A = np.column_stack([P, np.ones(len(P))])
    scores = A @ np.linalg.lstsq(A, np.eye(len(digits))[y], rcond=None)[0]
    return float(np.mean(scores.argmax(axis=1) == y))


def test_the_default_digits_overlap_where_the_picture_starts():
    """The default three digits are a lesson for the layers: in the input's principal plane they
    overlap (among the ten trios of 120 that lines part worst), where the first default
    (0, 1, 2) stood apart (beyond the hardest third)."""
    import itertools

    split = {t: _plane_split(list(t)) for t in itertools.combinations(range(10), 3)}
    rank = sorted(split, key=split.get)
    assert rank.index(tuple(DIGITS_DEFAULT)) < 10, split[tuple(DIGITS_DEFAULT)]
    assert rank.index((0, 1, 2)) > 40 and split[(0, 1, 2)] > 0.85


def test_samples_are_drawn_without_replacement_and_in_order():
    a = make_dataset("wine", n_samples=60, seed=3)
    b = make_dataset("wine", n_samples=60, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    rows = np.sort(np.random.default_rng(3).choice(178, 60, replace=False))
    raw = sk.load_wine()
    kept = raw.data[rows]
    np.testing.assert_allclose(a.X, (kept - kept.mean(axis=0)) / kept.std(axis=0), atol=1e-12)
    np.testing.assert_array_equal(a.y, raw.target[rows])


@pytest.mark.parametrize("kwargs, words", [
    ({"noise": 0.1}, "noise does not apply"),
    ({"classes": 2}, "always has 3 classes"),
    ({"n_samples": 151}, "only 150 points"),
    ({"n_samples": 2}, "n_samples must be"),
])
def test_options_that_cannot_apply_are_refused_in_one_line(kwargs, words):
    with pytest.raises(DatasetError) as info:
        make_dataset("iris", **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(DatasetError, match=r"nnanim\[data\]"):
        make_dataset("iris")


def test_datasets_list_shows_the_real_sets_with_their_shapes():
    rows = dict(list_datasets())
    assert rows["iris"].endswith("4 inputs, 150 points, 3 classes")
    assert rows["digits"].endswith(f"64 inputs, {DIGITS_ROWS} points, 3 classes")
    assert rows["breast-cancer"].endswith("30 inputs, 569 points, 2 classes")


# ----------------------------------------------------------------------------- the projection


def _eig_axes(X, k):
    """Principal axes by the covariance's eigendecomposition (independent of the SVD)."""
    C = np.cov(X, rowvar=False, bias=True)
    values, vectors = np.linalg.eigh(C)
    order = np.argsort(values)[::-1][:k]
    return values, vectors[:, order].T, values[order]


@pytest.mark.parametrize("name", list(REAL_DATASETS))
def test_principal_axes_and_their_variance_share(name):
    X = make_dataset(name).X
    values, axes, top = _eig_axes(X, 2)
    B = principal_axes(X, 2)
    for b, a in zip(B, axes):  # the same axis up to sign; the largest loading positive
        assert abs(abs(b @ a) - 1) < 1e-8
        assert b[np.argmax(np.abs(b))] > 0
    described = describe_axes(X, B, make_dataset(name).params["feature_names"])
    shares = [s for _, s in described]
    np.testing.assert_allclose(shares, top / values.sum(), rtol=1e-9)
    assert InputPlane(X).share == pytest.approx(sum(top) / values.sum(), rel=1e-9)


def test_axis_names_are_the_largest_loadings():
    data = make_dataset("iris")
    B = principal_axes(data.X, 2)
    (first, _), (second, _) = describe_axes(data.X, B, data.params["feature_names"])
    # iris's first principal axis is dominated by the petals, the second by sepal width
    assert first.startswith("petal length 0.58 · petal width 0.5")
    assert second.startswith("sepal width 0.9")
    for words, b in zip((first, second), B):
        j = int(np.argmax(np.abs(b)))
        assert words.startswith(f"{data.params['feature_names'][j]} {abs(b[j]):.2f}")


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_axis_words_name_what_each_axis_mostly_is(name):
    """In words, an axis names the features whose loading is within 3/4 of its largest (three
    at most), each with the sign it has: recomputed from the covariance's eigenvectors."""
    from nnanim.core.projection import axis_words

    data = make_dataset(name)
    names = data.params["feature_names"]
    _, axes, _ = _eig_axes(data.X, 2)
    for i, (a, b) in enumerate(zip(axes, principal_axes(data.X, 2))):
        a = a * np.sign(a[np.argmax(np.abs(a))])  # the largest loading positive, as on screen
        words = axis_words(b, names, f"p{i + 1}").replace("\u00a0", " ")
        big = [j for j in np.argsort(-np.abs(a))[:3] if abs(a[j]) >= 0.75 * np.abs(a).max()]
        grows = [names[j] for j in big if a[j] > 0]
        falls = [names[j] for j in big if a[j] < 0]
        head, _, rest = words.partition(" grows most with ")
        assert head == f"p{i + 1}" and rest
        up, _, down = rest.partition(", falls most with ")
        assert sorted(up.replace(" and ", ", ").split(", ")) == sorted(grows)
        assert sorted(down.replace(" and ", ", ").split(", ")) == sorted(falls) if falls else not down
    if name == "iris":
        assert axis_words(principal_axes(data.X, 2)[1], names, "p₂") == "p₂ grows most with sepal\u00a0width"


def test_the_input_projection_is_fixed_across_epochs_and_stages():
    from nnanim.core.flow import build_flow

    job = resolve("layers", {"dataset": "iris", "epochs": 40, "record_every": 10})
    run, _ = job.ensure_run()
    B = principal_axes(run.X, 2)
    for record in range(len(run.epochs)):
        flow = build_flow(run.network(record), reference=run.X)
        np.testing.assert_allclose(flow.basis(0, 0.0), B, atol=1e-12)
        # the input's stage starts from its principal axes and turns smoothly from there
        trace = flow.trace(run.X)
        np.testing.assert_allclose(trace.at(0, 0.0)[:, :2], (run.X - 0) @ B.T, atol=1e-9)


def test_a_network_on_the_principal_plane_is_exact():
    rng = np.random.default_rng(0)
    net = Network([rng.normal(size=(5, 7)), rng.normal(size=(3, 5))],
                  [rng.normal(size=5), rng.normal(size=3)], ["tanh"], "multiclass")
    X = rng.normal(size=(50, 7))
    plane = InputPlane(X)
    P = rng.normal(size=(40, 2))
    flat = plane.network(net)
    assert flat.widths == [2, 5, 3]
    np.testing.assert_allclose(flat.forward(P).logits, net.forward(plane.origin + P @ plane.basis).logits,
                               atol=1e-12)
    np.testing.assert_allclose(plane.coords(plane.lift(P)), P, atol=1e-12)


@pytest.mark.parametrize("scene", ["activations", "by-hand", "bottleneck", "feature-cross",
                                   "linear-vs-hidden", "multiclass", "neurons", "topology",
                                   "autoencoder"])
def test_scenes_that_draw_the_input_plane_refuse_wide_data_in_one_line(scene):
    with pytest.raises(NnanimError) as info:
        resolve(scene, {"dataset": "wine"})
    assert "\n" not in str(info.value) and "wine" in str(info.value)


def test_wide_data_goes_through_layers_and_training_and_3d_data_through_autoencoder():
    for scene in ("layers", "training"):
        assert resolve(scene, {"dataset": "wine", "epochs": 1}).input_dim == 13
    assert resolve("autoencoder", {"dataset": "swiss-roll", "epochs": 1}).input_dim == 3


def test_digit_landmarks_are_each_class_typical_image():
    job = resolve("layers", {"dataset": "digits", "epochs": 1})
    run, _ = job.ensure_run()
    indices, images = run.landmark_images()
    raw = sk.load_digits()
    keep = np.isin(raw.target, DIGITS_DEFAULT)
    pixels, target = raw.data[keep], np.searchsorted(DIGITS_DEFAULT, raw.target[keep])
    assert len(indices) == 3 and images.shape == (3, 8, 8)
    for c, i in enumerate(indices):
        members = np.flatnonzero(target == c)
        X = run.X[members]
        assert i == members[np.argmin(np.linalg.norm(X - X.mean(axis=0), axis=1))]
        image = pixels[i]  # the digit's own pixels (0..16), the standardisation undone
        np.testing.assert_allclose(images[c].ravel(), (image - image.min()) / np.ptp(image), atol=1e-9)
    # other data has no images
    iris, _ = resolve("layers", {"dataset": "iris", "epochs": 1}).ensure_run()
    assert len(iris.landmark_images()[0]) == 0


def test_a_wide_input_is_named_by_its_principal_axes_on_screen():
    from nnanim.core.camera import space_letter

    assert space_letter("linear", 0, 4, 2, before=True) == "p"  # iris: 4 inputs seen along 2 axes
    assert space_letter("linear", 0, 2, 2, before=True) == "x"  # the plane itself
    assert space_letter("linear", 0, 3, 3, before=True) == "x"  # a 3-D input shown in 3-D


# ----------------------------------------------------------------------------- the defaults show the lesson


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _tanh_layers(run, record=-1):
    """Every hidden layer's states and the class probabilities, written out independently."""
    h, states = run.X, []
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[record].T + b[record])
        states.append(h)
    return states, _softmax(h @ run.weights[-1][record].T + run.biases[-1][record])


def _spread_ratio(H, y):
    """Between-class over within-class scatter (how far apart the classes are, per their spread)."""
    m = H.mean(axis=0)
    between = sum((y == c).sum() * np.sum((H[y == c].mean(axis=0) - m) ** 2) for c in np.unique(y))
    within = sum(np.sum((H[y == c] - H[y == c].mean(axis=0)) ** 2) for c in np.unique(y))
    return between / within


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_real_data_defaults_pull_the_classes_apart_without_saturating(name):
    """The reviewer's complaint: the toy default (tanh 2,2,2,2 for 3,000 epochs) drove every layer
    into tanh's flat ends and the output showed three dots.  A real dataset's own defaults must
    show classes pulling apart layer by layer, with room left inside each class."""
    job = resolve("layers", {"dataset": name})
    assert job.config.hidden != [2, 2, 2, 2] and job.config.l2 > 0
    run, _ = job.ensure_run()
    y = run.y.astype(int)
    states, p = _tanh_layers(run)
    ratios = [_spread_ratio(run.X, y)] + [_spread_ratio(H, y) for H in states]
    assert all(b > a for a, b in zip(ratios, ratios[1:])), ratios
    for H in states:  # no layer lives in tanh's flat ends
        assert np.mean(np.abs(H) > 0.95) < 0.5
    assert np.mean(p.argmax(axis=1) == y) >= 0.97
    # the softmax is sure, not saturated: the class-vertex view shows clouds, not three dots
    assert np.median(p.max(axis=1)) < 0.99


def test_options_given_override_a_datasets_defaults_and_toy_data_keeps_the_scenes():
    job = resolve("layers", {"dataset": "iris", "hidden": [3, 2], "epochs": 40})
    assert job.config.hidden == [3, 2] and job.config.epochs == 40 and job.config.l2 == 0.01
    assert resolve("layers", {"dataset": "spirals"}).config.hidden == [2, 2, 2, 2]
    assert resolve("layers", {"dataset": "digits", "classes": 10}).config.hidden[-1] == 10


# ----------------------------------------------------------------------------- class-vertex view


@pytest.mark.parametrize("K", [3, 4, 5, 10])
def test_class_vertices_are_a_regular_polygon_whose_view_is_an_orthonormal_projection(K):
    from nnanim.core.projection import class_vertices

    V = class_vertices(K)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-12)
    sides = np.linalg.norm(V - np.roll(V, -1, axis=0), axis=1)
    np.testing.assert_allclose(sides, 2 * np.sin(np.pi / K), atol=1e-12)
    np.testing.assert_allclose(V[0], [0.0, 1.0], atol=1e-12)  # class 0 at the top
    # the columns are orthogonal with equal norms: Vᵀ/√(K/2) has orthonormal rows
    np.testing.assert_allclose(V.T @ V, K / 2 * np.eye(2), atol=1e-12)


def test_class_vertex_view_is_the_softmax_mixture_of_the_vertices():
    from nnanim.core.projection import class_vertex_view, class_vertices

    K = 5
    V = class_vertices(K)
    np.testing.assert_allclose(class_vertex_view(np.eye(K)), V, atol=1e-12)  # one-hot: its vertex
    np.testing.assert_allclose(class_vertex_view(np.full((1, K), 1 / K)), [[0.0, 0.0]], atol=1e-12)
    p = _softmax(np.random.default_rng(1).normal(size=(30, K)) * 3)
    mixed = np.array([sum(pk * v for pk, v in zip(row, V)) for row in p])
    np.testing.assert_allclose(class_vertex_view(p), mixed, atol=1e-12)
    # three classes: the triangle is exact, the probabilities come back from the position
    p3 = _softmax(np.random.default_rng(2).normal(size=(20, 3)))
    P = class_vertex_view(p3)
    V3 = class_vertices(3)
    back = np.linalg.solve(np.vstack([V3.T, np.ones(3)]), np.vstack([P.T, np.ones(len(P))])).T
    np.testing.assert_allclose(back, p3, atol=1e-12)



# ----------------------------------------------------------------------------- wide layers move least


def test_procrustes_rotation_recovers_a_rotation_and_is_orthogonal():
    from nnanim.core.projection import procrustes_rotation

    rng = np.random.default_rng(3)
    P = rng.normal(size=(40, 3))
    R, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    O = procrustes_rotation(P, P @ R.T)  # Q = P Rᵀ: turning Q by R gives P back
    np.testing.assert_allclose(O @ O.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(O, R, atol=1e-10)


def test_aligned_view_is_orthonormal_spans_the_same_plane_and_moves_least():
    from nnanim.core.projection import aligned_view

    rng = np.random.default_rng(4)
    D, k = 8, 2
    H0 = rng.normal(size=(60, D))
    B0, _ = np.linalg.qr(rng.normal(size=(D, k)))
    B0 = B0.T
    W = rng.normal(size=(D, D))
    H1 = H0 @ W.T
    S = principal_axes(H1, k)  # the plane the next view shows, its in-plane turn left to choose
    B1 = aligned_view(S, H1, H0 @ B0.T)
    np.testing.assert_allclose(B1 @ B1.T, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(B1.T @ B1, S.T @ S, atol=1e-12)  # the same plane
    moved = np.linalg.norm(H1 @ B1.T - H0 @ B0.T)
    assert moved < np.linalg.norm(H1 @ S.T - H0 @ B0.T)  # less than the unaligned view
    for angle in np.linspace(0.0, 2 * np.pi, 37):  # and than any other turn or flip of the plane
        c, s = np.cos(angle), np.sin(angle)
        for O in (np.array([[c, -s], [s, c]]), np.array([[c, s], [s, -c]])):
            assert moved <= np.linalg.norm(H1 @ (O @ S).T - H0 @ B0.T) + 1e-9


def test_aligned_through_the_map_a_linear_stage_is_a_per_axis_scaling():
    """The Distill Grand Tour: seen from Vₖᵀ before and through Uₖ's span after, W = UΣVᵀ aligned
    by its own unit vectors plays as a scaling of each display axis by a singular value."""
    from nnanim.core.projection import aligned_view

    rng = np.random.default_rng(5)
    D, k = 6, 2
    W = rng.normal(size=(D, D))
    U, sigma, Vt = np.linalg.svd(W)
    B0 = Vt[:k]
    Q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    S = Q @ U[:, :k].T  # the span of Uₖ, turned at random
    B1 = aligned_view(S, W.T, B0.T)
    np.testing.assert_allclose(B1 @ W, np.diag(sigma[:k]) @ B0, atol=1e-10)
    H = rng.normal(size=(30, D))
    np.testing.assert_allclose(H @ W.T @ B1.T, (H @ B0.T) * sigma[:k], atol=1e-10)


def test_the_linear_stages_of_wide_layers_move_the_points_least():
    from nnanim.core.flow import build_flow
    from nnanim.core.projection import keyframe_basis

    rng = np.random.default_rng(6)
    widths = [7, 9, 8, 6, 3]
    net = Network([rng.normal(size=(b, a)) / np.sqrt(a) for a, b in zip(widths, widths[1:])],
                  [0.3 * rng.normal(size=b) for b in widths[1:]], ["tanh"] * 3, "multiclass")
    X = rng.normal(size=(120, 7))
    flow = build_flow(net, reference=X)
    trace = flow.trace(X)
    checked = 0
    for st in flow.stages:
        B0, B1 = flow.basis(st.index, 0.0), flow.basis(st.index, 1.0)
        np.testing.assert_allclose(B1 @ B1.T, np.eye(len(B1)), atol=1e-12)
        if st.kind not in ("linear", "rotate") or trace.full(st.index, 1.0).shape[1] <= 3:
            continue
        H1 = trace.full(st.index, 1.0)
        anchor = flow._anchor if st.layer == len(widths) - 3 and st.kind == "linear" else None
        plain = keyframe_basis(H1, len(B1), B0, anchor)
        np.testing.assert_allclose(B1.T @ B1, plain.T @ plain, atol=1e-9)  # the same subspace
        start = trace.at(st.index, 0.0)[:, : len(B1)]
        moved = np.linalg.norm(trace.at(st.index, 1.0)[:, : len(B1)] - start)
        assert moved <= np.linalg.norm(H1 @ plain.T - start) + 1e-9
        checked += 1
    assert checked >= 3
