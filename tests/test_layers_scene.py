"""The `layers` scene: what it states is recomputed, and its frames show the story.

The storyboard runs twice here: once in the library's plan mode, every
animation jumped to its end without drawing (fast: checks the captions against
an independent forward pass), once rendered at -q l and decoded with PyAV
(slow: checks what the frames show).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from nnanim.scenes.layers import PACE, LayersScene
from storyboards import (
    FRAME_PIXELS,
    JUDGED_FPS,
    best_linear_split,
    caption_beats,
    class_pixels,
    dry_run,
    tanh_sigmoid_forward,
    target_pixels,
)

from nnanim.core.record import train
from nnanim.layout import Layout, frame_units
from nnanim.media.render import RenderSettings, render
from nnanim.theme import load_theme


def _dry_run(options):
    return dry_run(LayersScene, options)


def _reader():
    """``read(title, detail)``: seconds to read the words of a caption not shown before, at 3
    words a second (a word: a run between spaces with a letter or digit in it)."""
    seen = set()

    def read(*texts):
        words = 0
        for text in texts:
            if text and text not in seen:
                seen.add(text)
                words += sum(1 for w in re.split(r"[ \u00a0\n]+", text) if re.search(r"\w", w))
        return words / 3.0

    return read


@pytest.mark.parametrize("options", [{"dataset": "iris"}, {"dataset": "digits"},
                                     {"dataset": "digits", "classes": 10}],
                         ids=["iris", "digits", "digits-10"])
def test_every_caption_stays_long_enough_to_be_read(options):
    """Each beat lasts at least as long as its new words take to read (3 a second), and no
    beat of a wide space says that something turns or rotates when nothing moves there."""
    scene = _dry_run({"epochs": 30, **options})
    read = _reader()
    for beat in scene.beats:
        need = read(beat.title, beat.detail)
        assert beat.end - beat.start >= need - 0.06, (beat.title, beat.detail, beat.end - beat.start)
    # and the time comes from motion: no still hold longer than 3 s but the last
    from test_posters import LONGEST_HOLD, _Holds, still_runs

    held = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_Holds)
    runs = still_runs(held.log)[:-1]
    assert all(seconds <= LONGEST_HOLD + 1e-9 for _, seconds in runs), runs
    texts = " ".join(f"{b.title} {b.detail}" for b in scene.beats)
    assert "rotate" not in texts and "nothing moves" not in texts
    assert "bold where" not in texts  # region lines are drawn only where they bound


@pytest.fixture(scope="module")
def spiral_run():
    return train(dataset="spirals", hidden=[2, 2, 2, 2], lr=0.02, epochs=3000)


def test_final_caption_states_the_recomputed_accuracy(spiral_run):
    scene = _dry_run({"run": spiral_run})
    title, detail = caption_beats(scene)[-1]
    assert title.startswith("output")
    p = tanh_sigmoid_forward(spiral_run, spiral_run.X)
    correct = int(np.sum((p > 0.5) == spiral_run.y))
    assert f"{correct / len(p):.1%}" in detail
    assert f"{correct} of {len(p)} points" in detail
    # the default story: width-2 tanh layers untangle the spirals
    assert correct / len(p) >= 0.98


def test_captions_follow_the_stages_of_every_layer(spiral_run):
    scene = _dry_run({"run": spiral_run})
    titles = [t for t, _ in caption_beats(scene)]
    expected = []
    for layer in range(1, 5):
        expected += [f"layer {layer} · W·x", f"layer {layer} · + b", f"layer {layer} · tanh"]
    assert titles == expected + ["output · w·h + b = 0"]


def test_width_three_layers_tilt_into_3d_and_back():
    run = train(dataset="disk-ring", hidden=[3, 2], epochs=300, n_samples=200)
    scene = _dry_run({"run": run})
    titles = [t for t, _ in caption_beats(scene)]
    assert "lift 2 → 3" in titles and "squash 3 → 2" in titles
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    assert view.elev == 0.0  # back to the top view for the straight line


def test_layers_ends_iris_in_the_class_vertex_view_of_its_recomputed_softmax():
    scene = _dry_run({"dataset": "iris"})
    beats = caption_beats(scene)
    (out_title, out_detail), (title, detail) = beats[-2], beats[-1]
    run = scene.job.run
    h = run.X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[-1].T + b[-1])
    z = h @ run.weights[-1][-1].T + run.biases[-1][-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    correct = int(np.sum(p.argmax(axis=1) == run.y))
    score = f"{correct / len(p):.1%} correct, {correct} of {len(p)} points"
    # three classes: straight lines bound three regions (never "one straight line")
    assert out_title.startswith("output") and "one straight line" not in out_detail
    assert "3 class regions" in out_detail and score in out_detail
    assert title.startswith("softmax") and score in detail and "Σₖ" in detail
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    centre, radius = scene.vertex_frame()
    V = np.array([[0.0, 1.0], [-np.sqrt(3) / 2, -0.5], [np.sqrt(3) / 2, -0.5]])
    np.testing.assert_allclose(view.cloud.points[:, :2], centre[:2] + radius * (p @ V), atol=1e-9)


@pytest.mark.slow
def test_rendered_layers_video_shows_classes_becoming_separable(tmp_path, decode_frames, spiral_run):
    out = render("layers", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "layers.mp4",
                                          progress=False),
                 {"run": spiral_run})
    frames, fps = decode_frames(out)
    assert abs(fps - JUDGED_FPS) < 0.01 and frames.shape[1:] == (480, 854, 3)
    # length: independent sum of the storyboard's durations: each beat its own length (the
    # first picture held 2 s, per stage 0.3 s caption + its pace, final caption + line + hold
    # 4.2 s) or, when longer, the time its caption's new words take to read at 3 a second
    dry = _dry_run({"run": spiral_run})
    (title, detail), *stages, out = [(b.title, b.detail) for b in dry.beats]
    read = _reader()
    seconds = max(2.0, read(title, detail))
    kinds = [kind for layer in range(4) for kind in ("linear", "bias", "activation")]
    for kind, (title, detail) in zip(kinds, stages, strict=True):
        seconds += max(0.3 + PACE[kind], read(title, detail))
    seconds += max(0.3 + 1.4 + 2.5, read(*out))
    assert abs(len(frames) - seconds * fps) <= 15  # each play rounds to whole frames
    assert dry.clock == pytest.approx(seconds, abs=0.05 * 13)  # and the plan agrees (holds
    # shorter than 0.05 s are left out)

    theme = load_theme("dark")
    colours = np.array(theme.class_rgb(2)) * 255
    # the layout's text column (caption, header) is excluded: right of its right edge
    width, height = frame_units(FRAME_PIXELS)
    sidebar_px = int((Layout(width, height).column.x1 + width / 2) * 480 / height)

    early = frames[int(2.0 * fps)]  # after the fade-in: the input plane
    a, b = class_pixels(early, colours, sidebar_px)
    assert len(a) > 200 and len(b) > 200
    assert best_linear_split(a, b) < 0.8  # spirals: no line separates them

    last = frames[-1]
    a, b = class_pixels(last, colours, sidebar_px)
    assert len(a) > 50 and len(b) > 50
    assert best_linear_split(a, b) > 0.97

    # the white output line is straight, and the classes lie on its two sides
    pic = last[:, sidebar_px:].astype(float)
    white = np.all(pic > 235, axis=2)
    ys, xs = np.nonzero(white)
    P = np.column_stack([xs, ys]).astype(float)
    centre = P.mean(0)
    _, _, vt = np.linalg.svd(P - centre, full_matrices=False)
    normal = vt[1]
    dist = (P - centre) @ normal
    assert np.percentile(np.abs(dist), 99) < 4.0  # the stroke is a few pixels wide
    side_a, side_b = (a - centre) @ normal, (b - centre) @ normal
    # (a point the network gets wrong, or a dot touching the line, may sit on the other side)
    assert max(np.mean(side_a > 0), np.mean(side_a < 0)) > 0.95
    assert max(np.mean(side_b > 0), np.mean(side_b < 0)) > 0.95
    assert np.sign(np.median(side_a)) != np.sign(np.median(side_b))


# --------------------------------------------------------------------------- regression


def _regression_forward(run, X, record=-1):
    """ŷ of a tanh network with one linear output, written out independently of nnanim."""
    h = np.asarray(X, dtype=float)
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[record].T + b[record])
    return (h @ run.weights[-1][record].T + run.biases[-1][record])[:, 0]


@pytest.fixture(scope="module")
def sine_run():
    return train(dataset="sine", hidden=[2, 2, 2, 2], lr=0.02, epochs=600, n_samples=150)


def test_regression_captions_state_the_levels_and_the_recomputed_r2(sine_run):
    scene = _dry_run({"run": sine_run})
    beats = caption_beats(scene)
    y, y_hat = sine_run.y, _regression_forward(sine_run, sine_run.X)
    r2 = 1.0 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2)
    title, detail = beats[-1]
    assert title == "output · w·h + b"
    assert f"R² = {r2:.3f}" in detail and f"{len(y)} points" in detail
    assert "straight and parallel" in detail
    # the first layer lays the line into the plane, and says so
    assert beats[0][0] == "layer 1 · W·x, lift 1 → 2"
    # the opening names the levels drawn: evenly spaced over the middle 80 % of ŷ
    opening = scene.beats[0].detail
    lo, hi = np.quantile(y_hat, [0.1, 0.9])
    assert ", ".join(f"{c:.2g}".replace("-", "\u2212") for c in np.linspace(lo, hi, 5)) in opening
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    assert view.target_range == (y.min(), y.max())


@pytest.mark.slow
def test_rendered_regression_shows_a_line_of_target_colours_then_parallel_levels(
        tmp_path, decode_frames, sine_run):
    out = render("layers", RenderSettings(quality="l", fps=6, progress=False,
                                          output=tmp_path / "sine.mp4"), {"run": sine_run})
    frames, fps = decode_frames(out)
    theme = load_theme("dark")
    h, w = frames.shape[1:3]
    width, height = frame_units((w, h))
    sidebar = int((Layout(width, height).column.x1 + width / 2) * h / height) + 2
    first = frames[int(1.5 * fps)]
    pts, t = target_pixels(first, theme, sidebar)
    low, high = pts[t < 0.3], pts[t > 0.7]
    assert len(low) > 10 and len(high) > 10
    # a 1-D input: the points lie on a horizontal line
    assert np.ptp(pts[:, 1]) < 0.1 * np.ptp(pts[:, 0])
    # the low targets (sin(πx) < 0 for x < 0) are left of the high ones
    assert np.median(low[:, 0]) < np.median(high[:, 0])
    # the end: the level lines spread over the picture, and the points are still there
    last = frames[-1]
    pts, t = target_pixels(last, theme, sidebar)
    assert np.sum(t < 0.3) > 10 and np.sum(t > 0.7) > 10
    assert np.ptp(pts[:, 1]) > 0.5 * h


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
@pytest.mark.parametrize("options", [{"dataset": "iris"}, {"dataset": "digits", "classes": 10}],
                         ids=["iris", "digits-10"])
def test_class_vertex_view_names_every_corner_without_collisions(options, aspect):
    """The class names (or a digit's own image) sit outside their corners, inside the picture,
    on no other text, in every frame shape."""
    from plan_shots import title_safe
    from test_collisions import collisions

    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"aspect": aspect, "epochs": 30, **options},
                    pixels=pixel_size(aspect, 480))
    vertex = next(i for i, b in enumerate(scene.beats) if b.title.startswith("softmax"))
    shots = [s for s in scene.shots if s.beat >= vertex]
    assert shots
    safe = title_safe(scene)
    for shot in shots:
        assert not collisions(shot, safe), collisions(shot, safe)
    K = scene.job.run.n_classes
    names = {t for t, _ in shots[-1].texts}
    # (the images ride inside the view, under its points)
    images = sum(len(m.tiles) for m in {f for top in scene.mobjects for f in top.get_family()}
                 if hasattr(m, "tiles"))
    assert images == K or set(scene.job.run.class_names) <= names
