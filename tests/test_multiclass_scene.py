"""The `multiclass` scene: what it states is recomputed, and its frames show the K regions.

Plan-mode dry runs (no frame drawn) check the captions and the drawn boundary
parts against a forward pass and a brute-force labelling written here; one
short -q l render per frame shape (16:9 and 9:16), decoded with PyAV, checks
what the frames show: the input plane shaded in the K class tints with the
spiral arms tangled, and at the end every pair of classes on either side of a
straight line.
"""

from __future__ import annotations

import numpy as np
import pytest
from nnanim.scenes.multiclass import FACE_CUBE, MulticlassScene
from storyboards import best_linear_split, caption_beats, class_pixels, dry_run

from nnanim.contract import resolve
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.theme import load_theme


def _hidden(run, X, record=-1):
    """The last hidden layer of a tanh network, written out independently of nnanim."""
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1], strict=True):
        h = np.tanh(h @ W[record].T + b[record])
    return h


def _logits(run, H, record=-1):
    return H @ run.weights[-1][record].T + run.biases[-1][record]


def _view(scene):
    return next(m for m in scene.mobjects if hasattr(m, "flow"))


def _changes(labels, points):
    """Midpoints of grid neighbours labelled differently, and their sorted label pairs."""
    mids, pairs = [], []
    for axis in range(labels.ndim):
        a = [slice(None)] * labels.ndim
        c = [slice(None)] * labels.ndim
        a[axis], c[axis] = slice(None, -1), slice(1, None)
        hit = labels[tuple(a)] != labels[tuple(c)]
        mids.append(((points[tuple(a)] + points[tuple(c)]) / 2)[hit])
        pairs.append(np.sort(np.stack([labels[tuple(a)][hit], labels[tuple(c)][hit]], axis=1), axis=1))
    return np.concatenate(mids), np.concatenate(pairs)


@pytest.fixture(scope="module")
def default_run():
    """The scene's default training, as `nnanim render multiclass` runs it."""
    job = resolve("multiclass", {})
    run, _ = job.ensure_run()
    return run


@pytest.fixture(scope="module")
def default_scene(default_run):
    return dry_run(MulticlassScene, {"run": default_run})


def test_defaults_are_three_spiral_arms_through_width_three_layers(default_run):
    assert default_run.n_classes == 3 and list(default_run.widths) == [2, 3, 3, 2, 3]


def test_final_caption_states_the_recomputed_accuracy_and_bounding_lines(default_run, default_scene):
    run = default_run
    titles = [t for t, _ in caption_beats(default_scene)]
    assert default_scene.beats[0].title == "3 classes"
    assert titles[-1] == "output · wᵢ·h + bᵢ = wⱼ·h + bⱼ"
    detail = caption_beats(default_scene)[-1][1]
    H = _hidden(run, run.X)
    correct = int(np.sum(_logits(run, H).argmax(axis=1) == run.y))
    assert f"{correct / len(run.y):.1%} correct, {correct} of {len(run.y)} points" in detail
    assert correct / len(run.y) >= 0.97

    # which pairs of classes meet inside the picture: brute force on a grid of the last hidden
    # plane as the picture shows it (the display of a 2-unit layer is the layer itself)
    view = _view(default_scene)
    box = default_scene.picture_box(view)
    n = 401
    g = np.stack(np.meshgrid(np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n),
                             indexing="ij"), axis=-1)
    labels = _logits(run, g.reshape(-1, 2)).argmax(axis=1).reshape(n, n)
    mids, pairs = _changes(labels, g)
    meeting = {tuple(p) for p in pairs}
    assert f"{len(meeting)} of the 3 pairwise lines bound a region (bold)" in detail

    # every drawn part: its two classes tie and lead; every label change lies on the part of its pair
    drawn = default_scene.bounds
    assert {tuple(sorted((i, j))) for i, j, _ in drawn} == meeting
    s = np.linspace(0, 1, 51)[:, None]
    cell = max(box[1] - box[0], box[3] - box[2]) / (n - 1)
    for i, j, ends in drawn:
        z = _logits(run, (1 - s) * ends[0] + s * ends[1])
        assert np.allclose(z[:, i], z[:, j], atol=1e-7)
        assert np.all(np.delete(z, [i, j], axis=1).max(axis=1) <= z[:, i] + 1e-7)
        at = mids[np.all(pairs == sorted((i, j)), axis=1)]
        d = ends[1] - ends[0]
        t = np.clip((at - ends[0]) @ d / (d @ d), 0, 1)
        assert np.all(np.linalg.norm(at - (ends[0] + t[:, None] * d), axis=1) <= cell)


def test_the_squash_says_the_sheet_folds_and_it_does(default_run, default_scene):
    """The squash from 3-D onto the plane draws the tie curves in cusps and loops over other
    classes: they are the true ties carried on a sheet that folds over itself under the
    projection. The words say so, and the fold is real: the map from the input plane to the
    two directions the last layer reads (W3·h2, written out here) turns orientation over the
    data (its Jacobian's determinant takes both signs)."""
    beats = {t: d for t, d in caption_beats(default_scene)}
    assert "where the sheet folds over itself, the true tie curves fold with it" in beats["squash 3 → 2"]
    W1, W2, W3 = (W[-1] for W in default_run.weights[:3])
    b1, b2 = default_run.biases[0][-1], default_run.biases[1][-1]

    def read(X):
        return np.tanh(np.tanh(X @ W1.T + b1) @ W2.T + b2) @ W3.T

    X, e = default_run.X, 1e-5
    dx = (read(X + [e, 0]) - read(X - [e, 0])) / (2 * e)
    dy = (read(X + [0, e]) - read(X - [0, e])) / (2 * e)
    det = dx[:, 0] * dy[:, 1] - dx[:, 1] * dy[:, 0]
    assert (det > 0).sum() > 10 and (det < 0).sum() > 10


def test_a_three_unit_last_layer_shows_the_bounding_planes_in_3d():
    run = train(dataset="spirals", classes=4, hidden=[3, 3], epochs=300, n_samples=200)
    scene = dry_run(MulticlassScene, {"run": run})
    detail = caption_beats(scene)[-1][1]
    view = _view(scene)
    out = view.flow.stages[-1]
    assert out.dim == 3 and view.elev != 0.0  # still tilted: the planes orbit
    centre, half = view.flow.framing(view.points_trace, out.index, 1.0)
    half *= FACE_CUBE
    n = 41
    g = np.linspace(-half, half, n)
    G = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1) + centre
    labels = _logits(run, G.reshape(-1, 3)).argmax(axis=1).reshape(n, n, n)
    _, pairs = _changes(labels, G)
    meeting = {tuple(p) for p in pairs}
    assert f"{len(meeting)} of the 6 pairwise planes bound a region (drawn)" in detail
    assert {tuple(sorted((i, j))) for i, j, _ in scene.bounds} == meeting
    for i, j, corners in scene.bounds:
        z = _logits(run, corners)
        assert np.allclose(z[:, i], z[:, j], atol=1e-7)
        assert np.all(np.delete(z, [i, j], axis=1).max(axis=1) <= z[:, i] + 1e-7)


@pytest.mark.parametrize("options, words", [
    ({"classes": 9}, "at most 8 classes"),
    ({"dataset": "moons"}, "several classes; moons has two classes"),
    ({"classes": 2}, "several classes"),
    ({"hidden": [3, 3, 4]}, "last hidden layer needs 2 or 3 units"),
])
def test_refusals_are_one_line_before_training(options, words):
    with pytest.raises(NnanimError, match=words) as err:
        resolve("multiclass", options)
    assert "\n" not in str(err.value)


def test_a_scene_default_number_of_classes_is_for_data_that_takes_one():
    assert resolve("multiclass", {"dataset": "blobs", "classes": 4}).data.n_classes == 4
    with pytest.raises(NnanimError, match="always has 2 classes"):  # asked for explicitly
        resolve("multiclass", {"dataset": "moons", "classes": 3})


# --------------------------------------------------------------------------- rendered frames


@pytest.fixture(scope="module", params=["16:9", "9:16"])
def rendered(request, tmp_path_factory, default_run):
    from conftest import _decode_frames

    out = tmp_path_factory.mktemp("multiclass") / "multiclass.mp4"
    # 5 fps: the test judges the first frame (the picture the video opens on) and the last (the
    # final hold), the same pictures at any frame rate, for a third of the drawing of 15 fps
    render("multiclass", RenderSettings(quality="l", fps=5, output=out, progress=False),
           {"run": default_run, "aspect": request.param})
    return request.param, _decode_frames(out)


@pytest.mark.slow
def test_frames_show_the_regions_then_pairwise_straight_splits(rendered):
    aspect, (frames, fps) = rendered
    assert frames.shape[1:] == ((480, 854, 3) if aspect == "16:9" else (854, 480, 3))
    theme = load_theme("dark")
    colours = theme.class_rgb(3) * 255
    bg = np.array([int(theme.background[k:k + 2], 16) for k in (1, 3, 5)])

    first = frames[0].astype(float)
    # the K regions: each class's tint (its colour at the shading's 30 % over the background)
    for c in colours:
        tint = 0.7 * bg + 0.3 * c
        share = np.mean(np.linalg.norm(first - tint, axis=2) < 18)
        assert share > 0.03, f"{aspect}: the region of colour {c} covers {share:.1%} of the frame"
    points = class_pixels(frames[0], colours)
    assert all(len(p) > 150 for p in points)
    # spiral arms: some pair of classes no straight line separates
    assert min(best_linear_split(points[a], points[b]) for a, b in ((0, 1), (0, 2), (1, 2))) < 0.85

    last = frames[-1]
    points = class_pixels(last, colours)
    assert all(len(p) > 40 for p in points)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert best_linear_split(points[a], points[b]) > 0.97
    assert np.sum(np.all(last > 235, axis=2)) > 300  # the bold boundary lines
