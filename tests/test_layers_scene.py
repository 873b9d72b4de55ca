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


#: plan passes of the real-data stories at 30 epochs, each walked once per test process and read
#: by every test of it here (they only read the scene)
_PLANNED: dict = {}


def _planned(**options):
    """The plan pass of ``{"epochs": 30, **options}``, its plays' holds logged (``held.log``)."""
    key = tuple(sorted(options.items()))
    if key not in _PLANNED:
        from test_posters import _Holds

        _PLANNED[key] = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_Holds)
    return _PLANNED[key]


def _reader():
    """``read(title, detail)``: seconds to read the words of a caption not shown before, at 3
    words a second (a word: a run between spaces with a letter or digit in it)."""
    seen = set()

    def read(*texts):
        words = 0
        for text in texts:
            if text and text not in seen:
                # (a text that adds to one already shown, numbers once the picture is there:
                # only its new words)
                base = max((t for t in seen if text.startswith(t)), key=len, default="")
                seen.add(text)
                words += sum(1 for w in re.split(r"[ \u00a0\n]+", text[len(base):])
                             if re.search(r"\w", w))
        return words / 3.0

    return read


@pytest.mark.parametrize("options", [{"dataset": "iris"}, {"dataset": "digits"},
                                     {"dataset": "digits", "classes": 10}],
                         ids=["iris", "digits", "digits-10"])
def test_every_caption_stays_long_enough_to_be_read(options):
    """Each beat lasts at least as long as its new words take to read (3 a second), and no
    beat of a wide space says that something turns or rotates when nothing moves there."""
    scene = _planned(**options)
    read = _reader()
    beats = scene.beats
    for k, beat in enumerate(beats):
        if k + 1 < len(beats) and _adds_to(beats, k + 1):
            continue  # (its words stay on screen through the beat that adds to them: read there)
        start, need = beat.start, 0.0
        if _adds_to(beats, k):
            start = beats[k - 1].start
            need = read(beats[k - 1].title, beats[k - 1].detail)
        need += read(beat.title, beat.detail)
        assert beat.end - start >= need - 0.06, (beat.title, beat.detail, beat.end - start)
    # and the time comes from motion: no still hold longer than 3 s but the last
    from test_posters import LONGEST_HOLD, still_runs

    runs = still_runs(scene.log)[:-1]
    assert all(seconds <= LONGEST_HOLD + 1e-9 for _, seconds in runs), runs
    texts = " ".join(f"{b.title} {b.detail}" for b in scene.beats)
    assert "rotate" not in texts and "nothing moves" not in texts
    assert "bold where" not in texts  # region lines are drawn only where they bound


@pytest.mark.parametrize("options", [{"dataset": "iris"}, {"dataset": "wine"},
                                     {"dataset": "digits", "classes": 10}],
                         ids=["iris", "wine", "digits-10"])
def test_wide_beats_show_what_their_captions_say(options):
    """A wide input's ``+ b`` plays inside its layer's ``W·x`` beat, whose title says
    ``W·x + b``, in every layer alike (seen along principal axes and framed on its points, a
    shift is a small part of what moves).  No caption claims a
    motion of something the wide picture does not draw (no grid turns or shrinks there), and the
    poster's fly back to the input is a beat that says so."""
    scene = _planned(**options)
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    flow = view.flow
    short = min(view.view_width, view.view_height)

    def shift(s):  # the median on-screen move of the points from the stage's start to its end
        a = view.to_scene(view.points_trace.at(s, 0.0), s, 0.0)
        b = view.to_scene(view.points_trace.at(s, 1.0), s, 1.0)
        return np.median(np.hypot(*(b - a)[:, :2].T)) / short

    titles = [b.title for b in scene.beats]
    on_line = set()  # the layers of a beat that says they keep the points on one line
    for title in titles:
        run = re.match(r"layers? (\d+)(?:–(\d+))? · one (?:line|curve)", title)
        if run:
            on_line.update(range(int(run.group(1)), int(run.group(2) or run.group(1)) + 1))
    for stage in flow.stages:
        if stage.kind == "bias" and stage.layer + 1 not in on_line:
            alone = stage.caption in titles
            merged = flow.stages[stage.index - 1].caption.replace("W·x", "W·x + b") in titles
            assert alone != merged, stage.caption
            # a wide input merges every + b (one rule for all its layers: iris's first + b was
            # merged, its second had a beat of its own)
            assert not alone, (stage.caption, shift(stage.index))
    texts = " ".join(f"{b.title} {b.detail}" for b in scene.beats)
    for claim in ("shrink to 0", "plane turns", "view turns"):
        assert claim not in texts
    if scene.job.run.n_classes >= 3:
        # (the title says the points fly back; the words, what they fly back to, by the time
        # they are there)
        back = [b for b in scene.beats if b.title == "back to the input"]
        assert titles[1] == "back to the input" and "principal axes" in back[-1].detail


def test_principal_axes_are_named_by_their_strongest_feature_and_its_loading():
    """The principal-axes beat names each drawn axis at its end by the feature that loads most on
    it and that loading, with no ellipsis, recomputed here from the covariance of the standardised
    iris data."""
    scene = _planned(dataset="iris")
    run = scene.job.run
    X = run.X - run.X.mean(axis=0)
    values, vectors = np.linalg.eigh(X.T @ X)
    shown = {t for shot in scene.shots for t, _ in shot.texts}
    for k, axis in enumerate(vectors[:, ::-1][:, :2].T):
        axis = axis if axis[np.argmax(np.abs(axis))] > 0 else -axis
        j = int(np.argmax(np.abs(axis)))
        letter = "u" + "₁₂"[k]  # a projection axis: u (notation.VIEW)
        label = f"{letter} · {run.feature_names[j]} {axis[j]:.2f}".replace("-", "−")
        assert not any("…" in t for t in shown if t.startswith(f"{letter} ·")), shown
        assert label in shown, (label, sorted(t for t in shown if t.startswith(letter)))
    assert run.feature_names[2] == "petal length"  # (the loading of u₁ on it: about 0.58)


@pytest.fixture(scope="module")
def spiral_run():
    return train(dataset="spirals", hidden=[2, 2, 2, 2], lr=0.02, epochs=3000)


@pytest.fixture(scope="module")
def spiral_plan(spiral_run):
    """The plan pass of the spirals' story, read by every test of it here."""
    return _dry_run({"run": spiral_run})


def test_final_caption_states_the_recomputed_accuracy(spiral_run, spiral_plan):
    scene = spiral_plan
    title, detail = caption_beats(scene)[-1]
    assert title.startswith("output")
    p = tanh_sigmoid_forward(spiral_run, spiral_run.X)
    correct = int(np.sum((p > 0.5) == spiral_run.y))
    assert f"{correct / len(p):.1%} right ({correct}/{len(p)} training points)" in detail
    assert f"({correct}/{len(p)} training points)" in detail
    # the default story: width-2 tanh layers untangle the spirals
    assert correct / len(p) >= 0.98


def test_captions_follow_the_stages_of_every_layer(spiral_plan):
    scene = spiral_plan
    titles = [t for t, _ in caption_beats(scene)]
    expected = []
    for layer in range(1, 5):  # (a + b too small to see plays in its W·x beat, which says so)
        if f"layer {layer} · W·x + b" in titles:
            expected += [f"layer {layer} · W·x + b", f"layer {layer} · tanh"]
        else:
            expected += [f"layer {layer} · W·x", f"layer {layer} · + b", f"layer {layer} · tanh"]
    assert titles == expected + ["output · w·h + b = 0"]
    # the default spirals: the second layer's shift is seen, the first one's is not (about 1 px)
    assert "layer 2 · + b" in titles and "layer 1 · W·x + b" in titles


def test_every_stage_caption_names_its_titles_terms_in_one_notation(spiral_plan):
    """The words of a stage say every term of its title (layer 1's "W·x + b" beat said only
    "x → A(t)·x, from the identity to W", no b), in the notation of the beats apart: a merged
    beat's words are its W·x beat's map with its + b beat's shift added."""
    beats = [(t.split(" · ", 1)[1], d) for t, d in caption_beats(spiral_plan)
             if t.startswith("layer ")]
    # the terms of a title: its symbols (W, x, b, the activation's name)
    for title, detail in beats:
        for term in re.findall(r"[A-Za-zσ]+", title):
            assert re.search(rf"(?<![A-Za-z]){term}(?![A-Za-z])", detail), (title, detail)
    linear = {d for t, d in beats if t == "W·x"}
    merged = {d for t, d in beats if t == "W·x + b"}
    shift = {d for t, d in beats if t == "+ b"}
    assert linear and merged and shift  # (the default spirals have both kinds of layer)
    for words in linear:
        assert "x → A(t)·x" in words and words.endswith("W·x")
    bias_term = {re.search(r"\+ t·b", d).group(0) for d in shift}
    assert bias_term == {"+ t·b"}
    for words in merged:
        assert "x → A(t)·x + t·b" in words and words.endswith("W·x + b")


def test_the_wrong_points_rings_are_readable_at_480p(spiral_run, spiral_plan):
    """The points the network gets wrong (recomputed) are ringed at the output, each ring at
    least 16 px across at 480p with a rim of 2 px or more (rings of 8 px, on the boundary line,
    were not seen)."""
    from manim.utils.color import ManimColor

    from nnanim.draw.landmarks import RingedPoints

    rings = [m for m in spiral_plan.mobjects if isinstance(m, RingedPoints)]
    assert len(rings) == 1
    p = tanh_sigmoid_forward(spiral_run, spiral_run.X)
    assert sorted(rings[0].indices) == sorted(np.flatnonzero((p > 0.5) != spiral_run.y))
    cloud = rings[0].rings
    px = 480 / frame_units((854, 480))[1]  # pixels a scene unit at 480p
    assert 2 * cloud.radius * px >= 16.0
    assert cloud.radius * cloud.rim_fraction * px >= 2.0
    # a rim that reads on the dark disc it rims, and is not the boundary line's colour
    rim = np.ravel(cloud.rim_rgb)[:3]
    background = ManimColor(spiral_plan.theme.background).to_rgb()
    boundary = ManimColor(spiral_plan.theme.boundary).to_rgb()
    assert np.mean(rim) - np.mean(background) > 0.4
    assert np.abs(rim - boundary).max() > 0.2


class _Posters:
    """Records the box (scene units) of every raster image added (``rasters``) and the grid's
    points of every view as it is added (``grids``: the opening's at its input stage)."""

    def add(self, *mobjects):
        from nnanim.draw.mobjects import FlowView, RasterImage

        for mob in mobjects:
            if isinstance(mob, RasterImage):
                self.__dict__.setdefault("rasters", []).append(np.asarray(mob.points)[:, :2])
            if isinstance(mob, FlowView):
                self.__dict__.setdefault("grids", []).append(
                    np.asarray(mob.grid.get_all_points())[:, :2].copy())
        return super().add(*mobjects)


def test_the_posters_shading_is_the_grids_area_alone(spiral_run):
    """The opening's shading covers the input grid's area and nothing beyond it: tinted margins
    beyond the grid's edge, without its lines, read as fading slower than the grid's inside (a
    glitch at 4.6 s)."""
    scene = dry_run(LayersScene, {"run": spiral_run}, mixin=_Posters)
    poster, grid = scene.rasters[0], scene.grids[0]
    assert len(grid)
    lo, hi = poster.min(axis=0), poster.max(axis=0)
    glo, ghi = grid.min(axis=0), grid.max(axis=0)
    pixel = frame_units((854, 480))[1] / 480
    # within the grid's box (cut only where the grid runs past the picture's edge)...
    assert np.all(lo > glo - 2 * pixel) and np.all(hi < ghi + 2 * pixel), (lo, hi, glo, ghi)
    # ...and all of it there (the old shading ran some 70 px past the grid's sides at 480p)
    assert np.prod(hi - lo) > 0.95 * np.prod(ghi - glo), (lo, hi, glo, ghi)


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
    # (the last caption of each beat: its numbers come once the picture is there)
    out_title, out_detail = [b for b in beats if b[0].startswith("output")][-1]
    title, detail = beats[-1]
    run = scene.job.run
    h = run.X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = np.tanh(h @ W[-1].T + b[-1])
    z = h @ run.weights[-1][-1].T + run.biases[-1][-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    correct = int(np.sum(p.argmax(axis=1) == run.y))
    # the score says what it is measured on: the data the network trained on
    score = f"{correct / len(p):.1%} right ({correct}/{len(p)} training points)"
    # three classes: straight lines bound three regions (never "one straight line")
    assert out_title.startswith("output") and "one straight line" not in out_detail
    assert "3 class regions" in out_detail  # (the score: in the corners' caption, the end)
    # the corners' mix said in words at the caption's size (no undefined Σₖ pₖ·vₖ)
    assert title.startswith("softmax") and score in detail and "Σ" not in detail
    assert "corners' average, weighted by its class probabilities" in detail
    # the points it gets wrong are ringed, and the caption says how many
    wrong = np.flatnonzero(p.argmax(axis=1) != run.y)
    rings = [m for m in scene.mobjects if hasattr(m, "rings")]
    if len(wrong):
        assert len(rings) == 1 and sorted(rings[0].indices) == list(wrong)
        assert f"{len(wrong)} wrong, ringed" in out_detail and "ringed" not in detail
    else:
        assert not rings and "ringed" not in out_detail
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    centre, radius = scene.vertex_frame()
    V = scene.vertex_corners(view)  # a regular triangle on the unit circle, turned to the classes
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(V - np.roll(V, 1, axis=0), axis=1), np.sqrt(3),
                               atol=1e-9)
    np.testing.assert_allclose(view.cloud.points[:, :2], centre[:2] + radius * (p @ V), atol=1e-9)
    if len(wrong):  # the rings went to the corners with their points
        np.testing.assert_allclose(rings[0].rings.points, view.cloud.points[wrong], atol=1e-9)


@pytest.mark.slow
def test_rendered_layers_video_shows_classes_becoming_separable(tmp_path, decode_frames, spiral_run,
                                                                spiral_plan):
    out = render("layers", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "layers.mp4",
                                          progress=False),
                 {"run": spiral_run})
    frames, fps = decode_frames(out)
    assert abs(fps - JUDGED_FPS) < 0.01 and frames.shape[1:] == (480, 854, 3)
    # length: independent sum of the storyboard's durations: each beat its own length (the
    # first picture held 2 s, per stage 0.3 s caption + its pace, final line (its caption
    # coming in its first moments) + hold 3.9 s) or, when longer, the time its caption's new
    # words take to read at 3 a second
    dry = spiral_plan
    (title, detail), *stages, out = [(b.title, b.detail) for b in dry.beats]
    read = _reader()
    seconds = max(2.0, read(title, detail))
    for title, detail in stages:  # (a merged + b adds its half second to its W·x beat)
        kind = ("linear" if "W·x" in title else "bias" if "+ b" in title else "activation")
        extra = 0.5 if title.endswith("W·x + b") else 0.0
        seconds += max(0.3 + PACE[kind] + extra, read(title, detail))
    seconds += max(1.4 + 2.5, read(*out))  # (its caption swapped inside the line's drawing)
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
    assert beats[0][0] in ("layer 1 · W·x, lift 1 → 2", "layer 1 · W·x + b, lift 1 → 2")
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
@pytest.mark.parametrize("options", [{"dataset": "iris"}, {"dataset": "digits"},
                                     {"dataset": "digits", "classes": 10}],
                         ids=["iris", "digits", "digits-10"])
def test_class_vertex_view_names_every_corner_without_collisions(options, aspect):
    """The class names (or a digit's own image) sit outside their corners, inside the picture,
    on no other text, in every frame shape."""
    from plan_shots import title_safe
    from test_collisions import collisions

    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"aspect": aspect, "epochs": 30, **options},
                    pixels=pixel_size(aspect, 480))
    vertex = next(i for i, b in enumerate(scene.beats)
                  if b.title.endswith("class corners") and b.kind != "intro")
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


def test_output_lines_are_cut_around_the_axes_names():
    """A straight output line is cut where it would cross a box (an axis name, the scale): the
    parts left lie outside every box, and together they cover the rest of the line."""
    from nnanim.scenes.layers import segments_outside

    a, b = np.array([-4.0, -1.0, 0.0]), np.array([4.0, 1.0, 0.0])
    boxes = [(-3.0, -1.0, -2.0, 0.0), (1.0, 0.1, 1.5, 0.5), (5.0, 5.0, 6.0, 6.0)]
    parts = segments_outside(a, b, boxes)
    rng = np.random.default_rng(0)
    for p, q in parts:
        for u in rng.random(50):
            x, y = (p + u * (q - p))[:2]
            assert not any(x0 < x < x1 and y0 < y < y1 for x0, y0, x1, y1 in boxes)
    # what was left out: the line's run inside the two boxes it crosses, independently
    t = np.linspace(0.0, 1.0, 100001)
    P = a[None, :2] + t[:, None] * (b - a)[None, :2]
    inside = np.zeros(len(t), bool)
    for x0, y0, x1, y1 in boxes:
        inside |= (P[:, 0] > x0) & (P[:, 0] < x1) & (P[:, 1] > y0) & (P[:, 1] < y1)
    kept = sum(np.linalg.norm(q - p) for p, q in parts)
    assert kept == pytest.approx(np.linalg.norm(b - a) * (1 - inside.mean()), abs=1e-3)
    assert len(parts) == 3
    (p, q), = segments_outside(a, b, [])
    np.testing.assert_allclose([p, q], [a, b])


def test_digits_keep_their_colour_and_are_named_in_the_footer():
    """A digit has one colour in every video (coloured by the digit, not by its class's index:
    the 1 was blue among three digits and orange among ten), and the footer names the digits
    the three-class video shows."""
    from nnanim.core.data import REAL_DATASETS

    colour = {}
    for options in ({"dataset": "digits"}, {"dataset": "digits", "classes": 10}):
        scene = _planned(**options)
        view = next(m for m in scene.mobjects if hasattr(m, "flow"))
        run = scene.job.run
        digits = [int(n) for n in run.class_names]
        for k, d in enumerate(digits):
            seen = np.unique(view.cloud.colors[run.y == k], axis=0)
            assert len(seen) == 1
            colour.setdefault(d, []).append(tuple(np.round(seen[0], 4)))
        header = {t for shot in scene.shots for t, _ in shot.texts}
        if len(digits) == 3:
            shown = [str(d) for d in REAL_DATASETS["digits"].kept(3)]  # digits' labels are digits
            assert f"digits {', '.join(shown)} · {len(run.y)} points" in header, sorted(header)
    shared = [d for d, c in colour.items() if len(c) == 2]
    assert len(shared) == 3 and all(colour[d][0] == colour[d][1] for d in shared), colour


def test_a_digit_tile_reads_over_its_own_class_region():
    """A landmark tile drawn among the data, over the shading of its own class (the output
    panel), keeps its ink apart from its paper: composited here by hand over a shading of 45 %
    of the class colour, ink and paper differ by at least 0.58 of the class colour itself (the
    half-clear paper that left an orange 6 unreadable on the orange region: about 0.52)."""
    from nnanim.draw.landmarks import IN_DATA, tinted

    theme = load_theme("dark")
    background = np.array([int(theme.background[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    image = np.array([[0.0, 1.0]])
    for rgb in theme.class_rgb(10):
        tile = tinted(image, rgb, background)[1:-1, 1:-1].astype(float) / 255
        under = 0.45 * rgb + 0.55 * background  # a class region's shading, about as drawn
        alpha = IN_DATA * tile[..., 3:4]
        seen = alpha * tile[..., :3] + (1 - alpha) * under
        paper, ink = seen[0, 0], seen[0, -1]
        assert np.linalg.norm(ink - paper) >= 0.58 * np.linalg.norm(rgb), (rgb, ink, paper)


class _Plays:
    """In front of the plan-mode scene: logs every play's animations with the beat it is in."""

    def setup(self):
        super().setup()
        self.played = []

    def play(self, *animations, **kwargs):
        self.played.append((self.beats[-1] if self.beats else None, animations))
        super().play(*animations, **kwargs)


# --------------------------------------------------------------------------- real data (review 3)

_REAL = [({"dataset": "iris"}, "iris"), ({"dataset": "wine"}, "wine"),
         ({"dataset": "breast-cancer"}, "breast-cancer"), ({"dataset": "digits"}, "digits"),
         ({"dataset": "digits", "classes": 10}, "digits-10")]


def _forward_states(run, record=-1):
    """Every hidden layer's pre-activation and activation on the run's data (tanh), written out
    independently of nnanim: ``[(z_1, h_1), (z_2, h_2), ...]``."""
    h, out = np.asarray(run.X, dtype=float), []
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        z = h @ W[record].T + b[record]
        h = np.tanh(z)
        out.append((z, h))
    return out


@pytest.mark.parametrize("options", [o for o, _ in _REAL], ids=[i for _, i in _REAL])
def test_wide_captions_state_each_layers_own_widths(options):
    """A caption that says ``from n-D to m-D`` says the widths of its own layer's W, read here
    from the weights' shapes (breast cancer's first layer said "from 4-D to 4-D" after its
    squash 30 → 4: it maps 30 inputs to 4), and the first layer of a wide input says it."""
    scene = _dry_run({"epochs": 30, **options})
    run = scene.job.run
    said = {}
    for beat in scene.beats:
        for n, m in re.findall(r"from (\d+)-D to (\d+)-D", beat.detail):
            layer = re.match(r"layer (\d+) · W·x", beat.title)
            assert layer, (beat.title, beat.detail)
            said[int(layer.group(1))] = (int(n), int(m))
    shapes = {k + 1: tuple(W[-1].shape[::-1]) for k, W in enumerate(run.weights)}
    assert said and all(said[k] == shapes[k] for k in said), (said, shapes)
    assert said[1] == (run.X.shape[1], run.weights[0][-1].shape[0])


def _still_and_moving(scene_cls, options):
    """``(beats, [(still seconds, moving seconds)] per beat)`` of a plan-mode walk."""
    from test_posters import _Holds

    held = dry_run(scene_cls, options, mixin=_Holds)
    spent = [[0.0, 0.0] for _ in held.beats]
    starts = [b.start for b in held.beats]
    for start, seconds, still in held.log:
        k = max(i for i, s in enumerate(starts) if s <= start + 1e-9)
        spent[k][0 if still else 1] += seconds
    return held, spent


class _FirstPlays:
    """In front of the plan-mode scene: the animations of each beat's first play."""

    def setup(self):
        super().setup()
        self.first = {}

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        self.first.setdefault(len(self.beats) - 1, animations)


@pytest.mark.parametrize("options", [o for o, _ in _REAL], ids=[i for _, i in _REAL])
def test_words_come_with_the_play_that_draws_what_they_name(options):
    """The output's caption, the class corners', the principal axes' and the fly back's each
    start with a play that already moves or draws the picture (the caption swap is inside it:
    the output caption came before its lines and rings, the corners' before the points moved);
    and a beat holds a still picture no longer than its new words take to read beyond its
    motion (at least half a second; the video's last beat aside)."""
    from nnanim.draw.scene import Caption

    scene = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_FirstPlays)
    named = [k for k, b in enumerate(scene.beats)
             if b.title.startswith(("output", "softmax · class", "principal axes", "back to"))]
    assert any(scene.beats[k].title.startswith("output") or
               scene.beats[k].title.startswith("softmax") for k in named)
    for k in named:
        if _adds_to(scene.beats, k):  # (numbers said once the picture is there: see below)
            continue
        drawn = [a for a in scene.first[k] if not isinstance(a.mobject, Caption)]
        assert drawn, (scene.beats[k].title, scene.first[k])
    held, spent = _still_and_moving(LayersScene, {"epochs": 30, **options})
    read = _reader()
    beats = held.beats
    for k, (beat, (still, moving)) in list(enumerate(zip(beats, spent)))[:-1]:
        if _adds_to(beats, k + 1):
            continue  # (its words stay on screen through the beat that adds to them: read there)
        need = 0.0
        if _adds_to(beats, k):  # (with the beat it adds to)
            need = read(beats[k - 1].title, beats[k - 1].detail)
            still, moving = still + spent[k - 1][0], moving + spent[k - 1][1]
        need += read(beat.title, beat.detail)
        assert still <= max(0.5, need - moving) + 0.06, (beat.title, still, moving, need)


def _adds_to(beats, k) -> bool:
    """Whether beat ``k`` only adds words to the caption before it (the same title, its words
    and more): numbers or a shape said once the picture shows them."""
    if k == 0:
        return False
    a, b = beats[k - 1], beats[k]
    return a.title == b.title and b.detail != a.detail and b.detail.startswith(a.detail)


class _TimedPlays:
    """In front of the plan-mode scene: every play with its start and end (storyboard seconds)."""

    def setup(self):
        super().setup()
        self.timed = []

    def play(self, *animations, **kwargs):
        start = self.clock
        super().play(*animations, **kwargs)
        self.timed.append((start, self.clock, animations))


def _done(anim, alpha: float) -> float:
    """The share of ``anim``'s motion done at ``alpha`` of its play: a stage's on screen (the
    points' median move from where they start, against the largest over the play), anything
    else by its rate function."""
    if type(anim).__name__ != "StagePlay":
        return abs(anim.rate_func(alpha) - anim.rate_func(0.0))
    view, s = anim.view, anim.stage_index

    def at(a):
        t = anim.rate_func(a)
        return view.to_scene(view.points_trace.at(s, t), s, t)[:, :2]

    P0 = at(0.0)
    far = max(np.median(np.linalg.norm(at(a) - P0, axis=1)) for a in np.linspace(0, 1, 33))
    return float(np.median(np.linalg.norm(at(alpha) - P0, axis=1)) / far) if far > 0 else 1.0


#: animations that move or draw the picture (the caption's text aside)
_MOTION = ("StagePlay", "CloudMove", "Create", "TilesMove", "ViewTurn")
#: animations that move the points
_POINTS_MOVE = ("StagePlay", "CloudMove", "TilesMove")
#: numbers that describe where the points are: said once they are there
_NUMBERS = re.compile(r"% right|wrong, ringed|% of the spread(?! on screen)")


@pytest.mark.parametrize("options", [o for o, _ in _REAL], ids=[i for _, i in _REAL])
def test_real_captions_are_set_with_the_motion_they_name(options):
    """Issue 18, from the plan: every caption of a real dataset's story is set at most 0.3 s
    before the motion it names is under way (its beat's first play moves or draws the picture,
    and has done 1 % of its motion 0.3 s after the caption came: Manim's smooth over a 5 s fly
    had not); a caption that only adds to the one before (the same words and more) comes once
    the motion it names is over; a number about where the points are (a score, the rings' count, the
    spread a view keeps) is shown only while nothing moves the points or draws the lines it
    describes; and no caption stays over 10 s of motion."""
    scene = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_TimedPlays)
    beats = scene.beats
    for k, beat in enumerate(beats):
        if beat.kind == "intro" or beat.end - beat.start < 1e-9:
            continue
        plays = [(a, b, anims) for a, b, anims in scene.timed
                 if beat.start - 1e-9 <= a < beat.end - 1e-9]
        assert plays and abs(plays[0][0] - beat.start) < 1e-6, beat.title
        names = [[type(x).__name__ for x in anims] for _, _, anims in plays]
        if not _adds_to(beats, k):  # (an addition: numbers below, a line's words in the next test)
            first = [x for x in plays[0][2] if type(x).__name__ in _MOTION]
            assert first, (beat.title, beat.detail, names[0])
            a, b, _ = plays[0]
            at = min(1.0, 0.3 / max(b - a, 1e-9))
            assert max(_done(x, at) for x in first) >= 0.01, \
                (beat.title, [type(x).__name__ for x in first])
        if _NUMBERS.search(beat.detail):
            moving = [n for row in names for n in row if n in (*_POINTS_MOVE, "Create")]
            assert not moving, (beat.title, beat.detail, moving)
        moving_time = sum(b - a for a, b, anims in plays
                          if any(type(x).__name__ in _MOTION for x in anims))
        assert moving_time <= 10.0, (beat.title, moving_time)


def test_breast_cancer_says_one_line_when_the_picture_shows_it():
    """Issue 18: breast cancer's caption said "almost one line" with its W·x beat, about 5 s
    before the picture showed a line.  The words come at the moment the drawn points are on one
    line and stay true to the beat's end: in every frame of their beat (sampled here from its
    plays, the points as drawn), the body of the cloud (the 90 % of points nearest its median)
    keeps at least 99 % of its spread along one direction, by an SVD here; the share the words
    state is at most the least share of all the drawn points over those frames; and the beat
    before it, with the same title, starts on a picture that is not yet a line."""
    scene = dry_run(LayersScene, {"dataset": "breast-cancer"}, mixin=_TimedPlays)
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    beats = scene.beats
    k = next(i for i, b in enumerate(beats) if "one line (" in b.detail)
    assert _adds_to(beats, k) and beats[k].title.startswith("layer 1 · W·x")

    def shares(P):
        def share(Q):
            sv = np.linalg.svd(Q - Q.mean(axis=0), compute_uv=False)
            return sv[0] ** 2 / np.sum(sv ** 2)
        d = np.linalg.norm(P - np.median(P, axis=0), axis=1)
        return share(P[d <= np.quantile(d, 0.9)]), share(P)

    def frames(beat):
        for a, _, anims in scene.timed:
            if beat.start - 1e-9 <= a < beat.end - 1e-9:
                for x in anims:
                    if type(x).__name__ == "StagePlay":
                        for alpha in np.linspace(0.0, 1.0, 21):
                            view.set_stage(x.stage_index, x.rate_func(alpha))
                            yield np.asarray(view.cloud.points)[:, :2].copy()

    body, whole = zip(*[shares(P) for P in frames(beats[k])])
    assert min(body) >= 0.99, min(body)
    said = re.search(r"(over )?(\d+\.\d)% of the spread on screen", beats[k].detail)
    assert said, beats[k].detail
    if said.group(1):
        assert min(whole) > 0.999
    else:
        assert float(said.group(2)) / 100 <= min(whole) + 1e-9, (said.group(0), min(whole))
    before = [shares(P)[0] for P in frames(beats[k - 1])]
    assert before[0] < 0.99 and beats[k - 1].detail and "line" not in beats[k - 1].detail

    # the beat after, over the layers that keep the points so, names a curve when a frame shows
    # one: the smooth curve through the drawn points (a cubic, by least squares here) strays more
    # than a point's diameter either side of its chord (after layer 3's tanh: an S, said to be
    # a line)
    def bent(P):
        P = P - P.mean(axis=0)
        _, _, vt = np.linalg.svd(P, full_matrices=False)
        a, b = P @ vt[0], P @ vt[1]
        g = np.linspace(*np.quantile(a, [0.02, 0.98]), 64)
        f = np.polyval(np.polyfit(a, b, 3), g)
        return np.ptp(f - np.polyval(np.polyfit(g, f, 1), g))

    run = beats[k + 1]
    assert run.title.startswith("layers 1–"), run.title
    worst = max(bent(P) for P in frames(run))
    if worst > 2 * float(view.cloud.radius):
        assert "line" not in run.title and "line" not in run.detail, (worst, run.detail)
    else:
        assert run.title.endswith("one line"), (worst, run.title)


_SHAPES = ["16:9", "9:16", "1:1", "4:3"]


@pytest.mark.parametrize("aspect", _SHAPES)
@pytest.mark.parametrize("name", ["iris", "wine", "breast-cancer"])
def test_principal_axes_names_sit_on_no_point(name, aspect):
    """The principal axes' names (``u₁ · petal length 0.58``) cover at most 1 % of the data
    points (a point's disc counted; before, at the axes' ends, 3 to 30 %), no axis name or scale
    of the view, and not each other, in every frame shape."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": name, "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    beat = next(k for k, b in enumerate(scene.beats) if b.title == "principal axes")
    shots = [s for s in scene.shots if s.beat == beat]
    assert shots
    seen = 0
    for shot in shots:
        names = [box for text, box in shot.texts if text.startswith(("u₁ · ", "u₂ · "))]
        if not names or not shot.marks:
            continue
        seen += 1
        marks = shot.marks[0]
        P, r = marks.points, marks.radius
        covered = 0
        for box in names:
            inside = ((P[:, 0] > box.x0 - r) & (P[:, 0] < box.x1 + r)
                      & (P[:, 1] > box.y0 - r) & (P[:, 1] < box.y1 + r))
            covered += int(inside.sum())
            for what, other in marks.boxes:
                assert not box.overlaps(other), (what, box, other)
        assert covered <= 0.01 * len(P), (covered, len(P))
        if len(names) == 2:
            assert not names[0].overlaps(names[1])
    assert seen


@pytest.mark.parametrize("aspect", _SHAPES)
@pytest.mark.parametrize("name", ["iris", "breast-cancer"])
def test_principal_axes_names_sit_beside_their_own_axis(name, aspect):
    """Each principal axis's name sits beside its own axis line (u₁'s above or below the
    horizontal line, u₂'s left or right of the vertical one, within the line's extent), no
    drawn axis line runs through either name (the vertical axis crossed breast cancer's
    "u₁ · …" along the bottom edge; where no spot clears it, it is cut around the name) and
    each keeps 0.1 clear of the view's compass and scale bar (it touched the bar).  The lines
    are the ones the beat draws, sampled along their length."""
    from manim import Line

    from nnanim.layout import Box, pixel_size

    scene = dry_run(LayersScene, {"dataset": name, "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480), mixin=_FirstPlays)
    beat = next(k for k, b in enumerate(scene.beats) if b.title == "principal axes")
    lines = [a.mobject for a in scene.first[beat] if isinstance(a.mobject, Line)]
    assert len(lines) >= 2
    ends = [(np.array(m.get_start()[:2]), np.array(m.get_end()[:2])) for m in lines]
    horizontal = [e for e in ends if abs(e[0][1] - e[1][1]) < 1e-6]
    vertical = [e for e in ends if abs(e[0][0] - e[1][0]) < 1e-6]
    assert horizontal and vertical
    y_axis, x_axis = horizontal[0][0][1], vertical[0][0][0]
    seen = 0
    for shot in (s for s in scene.shots if s.beat == beat):
        names = {text[:2]: box for text, box in shot.texts if text.startswith(("u₁ · ", "u₂ · "))}
        if len(names) < 2 or not shot.marks:
            continue
        seen += 1
        u1, u2 = names["u₁"], names["u₂"]
        for box in (u1, u2):  # no drawn axis line through a name
            for a, b in ends:
                for t in np.linspace(0.0, 1.0, 400):
                    x, y = (1 - t) * a + t * b
                    assert not (box.x0 < x < box.x1 and box.y0 < y < box.y1), (box, a, b)
            for what, other in shot.marks[0].boxes:
                grown = Box(other.x0 - 0.1, other.y0 - 0.1, other.x1 + 0.1, other.y1 + 0.1)
                assert not box.overlaps(grown), (what, box, other)
        # beside its own line (off it, on one side) or at its end (the line stops at the name:
        # a name wider than the room beside its axis), within the line's extent
        def stops_at(box, own):
            return any(box.x0 - 0.15 <= p[0] <= box.x1 + 0.15 and box.y0 - 0.15 <= p[1] <= box.y1 + 0.15
                       for e in own for p in e)

        assert u1.y0 > y_axis or u1.y1 < y_axis or stops_at(u1, horizontal), u1
        # and never at the other axis (in a 4:3 frame u₁'s name sat at the vertical axis's top,
        # that axis cut around it): wholly on one side of it
        assert u1.x0 > x_axis or u1.x1 < x_axis, (u1, x_axis)
        assert u2.x0 > x_axis or u2.x1 < x_axis or stops_at(u2, vertical), u2
        xs = [p[0] for e in horizontal for p in e]
        ys = [p[1] for e in vertical for p in e]
        assert min(xs) - 0.2 <= u1.x0 and u1.x1 <= max(xs) + 0.2, (u1, xs)
        assert min(ys) - 0.2 <= u2.y0 and u2.y1 <= max(ys) + 0.2, (u2, ys)
    assert seen


def _box_to_segment(box, a, b) -> float:
    """The distance from a box to the segment ``a → b`` (sampled along it; 0 where it crosses)."""
    t = np.linspace(0.0, 1.0, 801)[:, None]
    P = (1 - t) * a + t * b
    dx = np.maximum(np.maximum(box.x0 - P[:, 0], P[:, 0] - box.x1), 0.0)
    dy = np.maximum(np.maximum(box.y0 - P[:, 1], P[:, 1] - box.y1), 0.0)
    return float(np.min(np.hypot(dx, dy)))


_SQUARE_CANCER = pytest.mark.xfail(
    strict=False, reason="a 480-pixel square frame: breast cancer's 569 points fill the short "
    "picture, and neither long name finds room beside its axis off the points and the scale")


@pytest.mark.parametrize(("name", "options"), [
    pytest.param(name, {"epochs": 30, "aspect": a}, id=f"{name}-{a}",
                 marks=[_SQUARE_CANCER] if (name, a) == ("breast-cancer", "1:1") else [])
    for name in ("iris", "wine", "breast-cancer") for a in _SHAPES
] + [pytest.param(name, {}, id=f"{name}-rendered") for name in ("iris", "wine", "breast-cancer")])
def test_principal_axes_names_sit_next_to_their_own_axis_on_no_point(name, options):
    """Each principal axis's name is next to its own axis line (its box within 0.35 of the
    line: a viewer sees which axis it names; u₁'s sat 1.2 above its line, among the points,
    nearer the other axis than its own) and farther from the other axis's line, while it covers
    at most 1 % of the points, in every frame shape and at the rendered epochs."""
    from manim import Line

    from nnanim.layout import pixel_size

    aspect = options.get("aspect", "16:9")
    scene = dry_run(LayersScene, {"dataset": name, **options}, pixels=pixel_size(aspect, 480),
                    mixin=_FirstPlays)
    beat = next(k for k, b in enumerate(scene.beats) if b.title == "principal axes")
    lines = [a.mobject for a in scene.first[beat] if isinstance(a.mobject, Line)]
    ends = [(np.array(m.get_start()[:2]), np.array(m.get_end()[:2])) for m in lines]
    own = {"u₁": [e for e in ends if abs(e[0][1] - e[1][1]) < 1e-6],
           "u₂": [e for e in ends if abs(e[0][0] - e[1][0]) < 1e-6]}
    assert own["u₁"] and own["u₂"]
    seen = 0
    for shot in (s for s in scene.shots if s.beat == beat):
        names = {text[:2]: box for text, box in shot.texts if text.startswith(("u₁ · ", "u₂ · "))}
        if len(names) < 2 or not shot.marks:
            continue
        seen += 1
        P, r = shot.marks[0].points, shot.marks[0].radius
        for key, other in (("u₁", "u₂"), ("u₂", "u₁")):
            box = names[key]
            mine = min(_box_to_segment(box, a, b) for a, b in own[key])
            theirs = min(_box_to_segment(box, a, b) for a, b in own[other])
            assert mine <= 0.35 and theirs > mine, (key, box, mine, theirs)
            inside = ((P[:, 0] > box.x0 - r) & (P[:, 0] < box.x1 + r)
                      & (P[:, 1] > box.y0 - r) & (P[:, 1] < box.y1 + r))
            assert inside.sum() <= 0.01 * len(P), (key, int(inside.sum()), len(P))
    assert seen


@pytest.mark.parametrize("name", ["iris", "wine", "breast-cancer"])
def test_no_stage_turns_the_picture_through_edge_on(name):
    """In the rendered run no stage seen along turning axes passes its points through edge-on:
    the picture's second spread over its first (singular values of the centred 2-D picture,
    sampled over the stage) never falls below a tenth of the least at the stage's ends.  Wine's
    squash 4 → 2 fell to 1.4 % (a turn of 177° into layer 3's own axes: its view had been left
    mirrored), the points on one line for a moment."""
    from nnanim.contract import resolve
    from nnanim.core.flow import build_flow

    run, record = resolve(LayersScene, {"dataset": name}).ensure_run()
    flow = build_flow(run.network(record), reference=run.X)
    trace = flow.trace(run.X)
    for s, stage in enumerate(flow.stages):
        ratios = []
        for t in np.linspace(0.0, 1.0, 41):
            P = trace.at(s, float(t))[:, :2]
            sv = np.linalg.svd(P - P.mean(axis=0), compute_uv=False)
            ratios.append(sv[1] / sv[0])
        ends = min(ratios[0], ratios[-1])
        assert min(ratios) >= 0.1 * ends, (stage.caption, round(min(ratios), 3), round(ends, 3))


@pytest.mark.parametrize("aspect", _SHAPES)
@pytest.mark.parametrize("name", ["iris", "wine", "breast-cancer"])
def test_output_points_keep_room_from_the_picture_edges(name, aspect):
    """At the output of a wide input (framed on its points alone) the points keep at least 12 %
    of the picture's short side from each of its edges (iris's lay along the top edge: under
    10 %), and the framing grows to that smoothly over the last hidden stage (no jump)."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": name, "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    out = len(view.flow.stages) - 1
    x0, y0, x1, y1 = scene.layout.picture_clip
    short = min(x1 - x0, y1 - y0)
    P = view.to_scene(view.points_trace.at(out, 1.0), out, 1.0)[:, :2]
    gaps = [P[:, 0].min() - x0, x1 - P[:, 0].max(), P[:, 1].min() - y0, y1 - P[:, 1].max()]
    assert min(gaps) >= 0.12 * short, [round(g / short, 3) for g in gaps]
    scales = [view.screen_map(out - 1, t)[1] for t in np.linspace(0.0, 1.0, 201)]
    assert np.max(np.abs(np.diff(np.log(scales)))) < 0.03  # no jump (the room alone: 1.25×)
    assert view.screen_map(out - 1, 1.0)[1] == pytest.approx(view.screen_map(out, 1.0)[1])


@pytest.mark.parametrize("aspect", _SHAPES)
@pytest.mark.parametrize("options", [{"dataset": "digits"}, {"dataset": "digits", "classes": 10}],
                         ids=["digits", "digits-10"])
def test_digit_images_never_cover_each_other_the_points_or_the_axes(options, aspect):
    """From the fly back to the input until the class corners, every moment of every stage: no
    digit image overlaps another, a data point (its disc), or the view's axis names and scale
    (they sat among the points, over each other); each image stays inside the picture."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"epochs": 30, "aspect": aspect, **options},
                    pixels=pixel_size(aspect, 480))
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    marks = next(m for top in scene.mobjects for m in top.get_family() if hasattr(m, "tiles"))
    x0, y0, x1, y1 = scene.layout.picture_clip

    def boxes():
        out = []
        for tile in marks.tiles:
            lo, hi = np.min(tile.points, axis=0), np.max(tile.points, axis=0)
            out.append((lo[0], lo[1], hi[0], hi[1]))
        return out

    def meet(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    r = float(view.cloud.radius)
    for s in range(len(view.flow.stages)):
        for t in np.linspace(0.0, 1.0, 9):
            view.set_stage(s, t)
            marks.follow(view)
            B = boxes()
            P = np.asarray(view.cloud.points)[:, :2]
            for i, a in enumerate(B):
                assert x0 - 1e-9 <= a[0] and a[2] <= x1 + 1e-9 and y0 - 1e-9 <= a[1] and a[3] <= y1 + 1e-9
                assert not any(meet(a, b) for b in B[:i]), (s, t, i)
                inside = ((P[:, 0] > a[0] - r) & (P[:, 0] < a[2] + r)
                          & (P[:, 1] > a[1] - r) & (P[:, 1] < a[3] + r))
                assert not inside.any(), (s, t, i, int(inside.sum()))
    # the axes' names and scale in every planned shot of the stages
    first = next(k for k, b in enumerate(scene.beats) if b.title == "back to the input")
    last = next(k for k, b in enumerate(scene.beats)  # (the last beat's, not the poster's)
                if b.title.endswith("class corners") and b.kind != "intro")
    view.set_stage(0, 0.0)
    marks.follow(view)
    B = boxes()
    for shot in scene.shots:
        if first < shot.beat < last:
            for mark in shot.marks:
                for what, box in mark.boxes:
                    assert not any(meet((box.x0, box.y0, box.x1, box.y1), b) for b in B), what


def test_a_line_of_points_is_said_to_be_one():
    """Breast cancer's layers leave its points almost on one line (a thin line, long on screen
    with no word about it): the caption of the first stage that ends so says it, with the share
    of the spread along one direction recomputed here from an independent forward pass (the
    first layer's W·x + b: its SVD), and later stages that stay so say it is still one line."""
    scene = _dry_run({"dataset": "breast-cancer"})
    run = scene.job.run
    states = _forward_states(run)
    beats = scene.beats
    k = next(i for i, b in enumerate(beats) if "one line" in b.detail)
    assert beats[k].title.startswith("layer 1 · W·x"), beats[k].title
    z = states[0][0]
    sv = np.linalg.svd(z - z.mean(axis=0), compute_uv=False)
    share = sv[0] ** 2 / np.sum(sv ** 2)
    assert share >= 0.995
    # (the share said is measured on screen, when the picture shows the line: see
    # test_breast_cancer_says_one_line_when_the_picture_shows_it)
    assert "of the spread on screen" in beats[k].detail, beats[k].detail
    # the layers after it keep the points on that line: one beat says so once, naming them, and
    # the story goes on to the output (40 s of "still almost one line" beats before); every
    # hidden layer's activation recomputed here keeps over 99.5 % of the spread on one direction
    for _, h in states:
        sv = np.linalg.svd(h - h.mean(axis=0), compute_uv=False)
        assert sv[0] ** 2 / np.sum(sv ** 2) >= 0.995
    rest = beats[k + 1:]
    # (its shape measured on screen: a line, or a curve when a tanh bends it visibly)
    shape = "line" if rest[0].title.endswith("one line") else "curve"
    assert [b.title for b in rest] == [f"layers 1–{len(states)} · one {shape}",
                                       "output · w·h + b = 0", "output · w·h + b = 0"], \
        [b.title for b in rest]  # (the output's score once its line is drawn)
    assert re.search(f"keeps the points on one .*{shape}", rest[0].detail), rest[0].detail
    assert not any("still almost" in b.detail for b in beats)
    assert rest[0].end - rest[0].start <= 7.5  # (a 10 s caption over a line: too long)
    # iris's points spread over the plane: no such words
    iris = _dry_run({"dataset": "iris"})
    assert not any("one line" in b.detail for b in iris.beats)


class _StagePlays:
    """In front of the plan-mode scene: every stage played, with its seconds."""

    def setup(self):
        super().setup()
        self.stage_plays = []

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        for a in animations:
            if type(a).__name__ == "StagePlay":
                self.stage_plays.append((a.stage_index, a.run_time, a.rate_func))


@pytest.mark.parametrize("options", [{"dataset": "digits", "classes": 10}, {"dataset": "iris"}],
                         ids=["digits-10", "iris"])
def test_a_wide_view_never_swings_fast(options):
    """Frame by frame at 15 fps, as played (each play's own rate), the points of a wide input's
    stages move at most 0.6 of the picture's short side a second (the 90th percentile of the
    points; camera and turning principal axes included): a ten-digit cloud swung round in a
    quarter of a second at 27.9 s."""
    scene = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_StagePlays)
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    short = min(view.view_width, view.view_height)
    trace = view.points_trace
    assert scene.stage_plays
    for s, seconds, rate in scene.stage_plays:
        n = max(2, int(np.ceil(seconds * 15)))
        ts = [rate(i / n) for i in range(n + 1)]
        P = [view.to_scene(trace.at(s, t), s, t)[:, :2] for t in ts]
        step = max(float(np.percentile(np.linalg.norm(b - a, axis=1), 90)) for a, b in zip(P, P[1:]))
        assert step * n / seconds <= 0.6 * short * 1.15, (s, seconds, step * n / seconds / short)


@pytest.mark.parametrize("epochs", [30, None], ids=["30-epochs", "trained"])
def test_digits_rings_come_with_the_words_that_count_them(epochs):
    """Ten digits end in the class corners with no output beat before them: that beat's title
    says it is the output, its caption counts the wrong points, recomputed here by an independent
    forward pass (tanh layers, the largest logit), and their rings come in with those words, never
    after them (the caption said "4 wrong, ringed" a second before any ring was drawn)."""
    from nnanim.draw.mobjects import GlyphWipe
    from nnanim.draw.scene import Caption

    options = {"dataset": "digits", "classes": 10, **({} if epochs is None else {"epochs": epochs})}
    scene = dry_run(LayersScene, options, mixin=_FirstPlays)
    run = scene.job.run
    h = _forward_states(run)[-1][1]
    logits = h @ run.weights[-1][-1].T + run.biases[-1][-1]
    wrong = int(np.sum(np.argmax(logits, axis=1) != run.y))
    assert wrong > 0
    k = next(i for i, b in enumerate(scene.beats) if "wrong, ringed" in b.detail)
    beat = scene.beats[k]
    assert beat.title == "output · softmax · class corners", beat.title  # (16:9)
    # (its words came as the points moved, in a beat of the same title; the count once there)
    first = next(i for i, b in enumerate(scene.beats) if b.title == beat.title)
    assert first == k - 1 and beat.detail.startswith(scene.beats[first].detail)
    assert not any(b.title.startswith("output") for b in scene.beats[:first])
    assert f"; {wrong} wrong, ringed" in beat.detail, (wrong, beat.detail)
    plays = scene.first[k]
    rings = [a for a in plays if type(a.mobject).__name__ == "RingedPoints"]
    words = [a for a in plays if isinstance(a.mobject, Caption) and a.fade_in]
    assert rings and words
    pushed = isinstance(words[0], GlyphWipe)  # (the new words shown only once the old ones went)
    for alpha in np.linspace(0.0, 1.0, 401):
        shown = words[0].level(alpha) if pushed else words[0].rate_func(alpha)
        assert rings[0].rate_func(alpha) >= shown - 1e-9, alpha


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_wide_points_keep_room_from_the_picture_edges_in_every_stage(aspect):
    """Iris's points keep at least 8 % of the picture's short side from each of its edges at
    every moment of every stage, measured here from the view's own screen positions (the setosa
    lay along the top edge in layer 3's W·x: under 5 %)."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": "iris", "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480))
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    x0, y0, x1, y1 = scene.layout.picture_clip
    short = min(x1 - x0, y1 - y0)
    for stage in view.flow.stages:
        for t in np.linspace(0.0, 1.0, 11):
            P = view.to_scene(view.points_trace.at(stage.index, t), stage.index, t)[:, :2]
            gap = min(P[:, 0].min() - x0, x1 - P[:, 0].max(), P[:, 1].min() - y0, y1 - P[:, 1].max())
            assert gap >= 0.08 * short, (stage.caption, t, gap / short)


class _DrawnLines:
    """A ``dry_run`` mixin that keeps the straight lines the scene draws with ``Create`` (scene
    endpoints), with the axes' boxes and the stage at that moment and the share of each line
    drawn 1.5 s into the play, in ``scene.drawn``."""

    def play(self, *animations, **kwargs):
        from manim import Create, Line
        from nnanim.scenes.layers import axes_boxes

        lines = [a.mobject for a in animations if isinstance(a, Create) and isinstance(a.mobject, Line)]
        if lines:
            view = next(m for m in self.mobjects if hasattr(m, "flow"))
            self.__dict__.setdefault("drawn", []).append(
                ([(np.array(m.get_start()), np.array(m.get_end())) for m in lines],
                 axes_boxes(view), (view.stage, view.t),
                 [a.rate_func(min(1.0, 1.5 / kwargs.get("run_time", a.run_time)))
                  for a in animations if isinstance(a, Create) and isinstance(a.mobject, Line)]))
        super().play(*animations, **kwargs)


@pytest.mark.parametrize("aspect", _SHAPES)
@pytest.mark.parametrize("name", ["iris", "wine", "breast-cancer"])
def test_output_lines_cover_the_exact_boundary_in_the_picture(name, aspect):
    """The lines drawn at the output of a real dataset cover its exact decision boundary
    everywhere inside the picture, except where the axes' names, compass or scale are (iris's
    line had a piece missing).  The boundary is found here independently: the last hidden layer
    recomputed by a tanh forward pass, mapped to the screen by the affine map that fits the
    points on screen, every pixel of the picture classified by the output layer's weights, and
    each change of class between two neighbouring pixels must lie on a drawn line.  Every line
    is whole 1.5 s into its beat, and lines that meet grow from where they meet (drawn over 2.5 s
    from the picture's edge, a piece by the junction was missing for most of the beat)."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": name, "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480), mixin=_DrawnLines)
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    run = scene.job.run
    out = len(view.flow.stages) - 1
    drawn = [d for d in getattr(scene, "drawn", []) if d[2] == (out, 1.0)]
    assert len(drawn) == 1, [d[2] for d in getattr(scene, "drawn", [])]
    segments, boxes, _, done = drawn[0]
    assert min(done) > 0.999, done
    ends = [p[:2] for seg in segments for p in seg]
    for k, (a, b) in enumerate(segments):
        others = [p[:2] for j, seg in enumerate(segments) if j != k for p in seg]
        if others:  # a line that touches another starts there
            gap = [min(np.linalg.norm(p[:2] - q) for q in others) for p in (a, b)]
            assert gap[0] <= gap[1] + 1e-9, (k, gap)
    assert ends
    # the screen map of the last hidden layer, fitted on the points (affine: a 2-D view of 2-D)
    H = _forward_states(run)[-1][1]
    P = view.to_scene(view.points_trace.at(out, 1.0), out, 1.0)[:, :2]
    A, *_ = np.linalg.lstsq(np.column_stack([H, np.ones(len(H))]), P, rcond=None)
    assert np.abs(np.column_stack([H, np.ones(len(H))]) @ A - P).max() < 1e-6
    x0, y0, x1, y1 = scene.layout.picture_clip
    step = 0.01
    xs, ys = np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step)
    S = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    Hs = np.linalg.solve(A[:2].T, (S - A[2]).T).T  # scene → last hidden space
    W, b = run.weights[-1][-1], run.biases[-1][-1]
    z = Hs @ W.T + b
    cls = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
    cls = cls.reshape(len(ys), len(xs))
    mids = [(S.reshape(len(ys), len(xs), 2)[:, :-1] + S.reshape(len(ys), len(xs), 2)[:, 1:])[
                cls[:, :-1] != cls[:, 1:]] / 2,
            (S.reshape(len(ys), len(xs), 2)[:-1] + S.reshape(len(ys), len(xs), 2)[1:])[
                cls[:-1] != cls[1:]] / 2]
    M = np.concatenate(mids)
    assert len(M) > 50  # a boundary crosses the picture
    keep = np.ones(len(M), bool)
    for bx0, by0, bx1, by1 in boxes:
        keep &= ~((M[:, 0] > bx0 - 0.02) & (M[:, 0] < bx1 + 0.02)
                  & (M[:, 1] > by0 - 0.02) & (M[:, 1] < by1 + 0.02))
    M = M[keep]

    def distance(p, a, b):
        a, b = a[:2], b[:2]
        d = b - a
        u = np.clip(((p - a) @ d) / max(d @ d, 1e-12), 0.0, 1.0)
        return np.linalg.norm(p - (a + u[:, None] * d), axis=1)

    near = np.min([distance(M, a, b) for a, b in segments], axis=0)
    missing = M[near > 0.03]
    assert len(missing) == 0, (len(missing), len(M), missing[:5].round(2).tolist())


class _Motion:
    """A ``dry_run`` mixin: every play and wait as ``(start, seconds, moves, kinds)`` in
    ``scene.timeline``, ``moves`` the points' on-screen move (90th percentile over the points,
    picture short sides) in each 1/15 s frame of a stage's play as played (its own rate), or
    ``None`` for a play of anything else (text, fades: they change the picture) and ``[]`` for a
    wait."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay

        start = self.clock
        stages = [a for a in animations if isinstance(a, StagePlay)]
        view = next((m for m in self.mobjects if hasattr(m, "flow")), None)
        seconds = kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
        moves = None
        if stages and view is not None:
            a = stages[0]
            short = min(view.view_width, view.view_height)
            n = max(1, int(round(seconds * 15)))
            ts = [a.rate_func(i / n) for i in range(n + 1)]
            P = [view.to_scene(view.points_trace.at(a.stage_index, t), a.stage_index, t)[:, :2]
                 for t in ts]
            moves = [float(np.percentile(np.linalg.norm(q - p, axis=1), 90)) / short
                     for p, q in zip(P, P[1:])]
        super().play(*animations, **kwargs)
        kinds = [type(a).__name__ for a in animations]
        self.__dict__.setdefault("timeline", []).append((start, self.clock - start, moves, kinds))

    def wait(self, *args, **kwargs):
        start = self.clock
        super().wait(*args, **kwargs)
        self.__dict__.setdefault("timeline", []).append((start, self.clock - start, [], ["Wait"]))


@pytest.mark.parametrize("name", ["iris", "wine", "breast-cancer"])
def test_real_data_has_no_long_still_stretch_and_words_come_with_motion(name):
    """Issue 16 for the real datasets: apart from the final hold, the picture never stays still
    (no point moving a visible 0.001 of the picture's short side in a frame, half a pixel at
    480p, and no new words or fades) for more than 3 s (iris's layer 3 held about 7 s almost
    still: Manim's smooth over a beat slowed to a calm speed spent its ends barely moving).  And
    every stage's words come with its motion: the play that brings them moves the points visibly
    (as above) within its first half second (they came in a swap of their own, the motion's slow
    start after)."""
    scene = dry_run(LayersScene, {"dataset": name}, mixin=_Motion)
    line = scene.timeline
    final = next(i for i in range(len(line) - 1, -1, -1) if line[i][2] != [])  # the last play
    still, longest, where = 0.0, 0.0, None
    for start, seconds, moves, kinds in line[:final + 1]:
        if moves is None:  # text or a fade: the picture changes
            still = 0.0
            continue
        if "GlyphWipe" in kinds:  # new words come with the stage
            still = 0.0
        if not moves:
            still += seconds
        for m in moves:
            still = still + 1 / 15 if m < 0.001 else 0.0
            longest, where = max((longest, where), (still, start))
        longest, where = max((longest, where), (still, start))
    assert longest <= 3.0, (longest, where)
    out = next(b for b in scene.beats if b.title.startswith("output"))
    beats = [b for b in scene.beats if b.kind == "stage" and b.start < out.start]
    assert beats
    for beat in beats:
        first = next(e for e in line if e[0] >= beat.start - 1e-9)
        assert "StagePlay" in first[3], (beat.title, first[3])
        assert max(first[2][:8]) >= 0.001, (beat.title, np.round(first[2][:8], 4))


def test_a_digit_tile_never_travels_over_the_picture():
    """A tile going from the key to its class corner (or back) fades out where it is and in where
    it goes: at every moment it sits at its start or its end, and it is invisible at the switch
    (ten tiles flying across the cloud of points hid it and read as clutter)."""
    from nnanim.scenes.layers import tiles_move

    class Tile:
        def __init__(self, at):
            self.at, self.opacity = np.array(at, dtype=float), 1.0

        def get_center(self):
            return self.at

        def move_to(self, at):
            self.at = np.array(at, dtype=float)

    class Marks:
        def __init__(self, tiles):
            self.tiles = tiles

    from manim import Mobject

    starts, ends = [(-3.0, 2.0, 0.0), (3.0, -1.0, 0.0)], [(0.5, 0.5, 0.0), (-0.2, 0.1, 0.0)]
    marks = Mobject()
    marks.tiles = [Tile(a) for a in starts]
    move = tiles_move(marks, ends, opacity=0.8)
    move.begin()
    for alpha in np.linspace(0.0, 1.0, 201):
        move.interpolate_mobject(alpha)
        a = move.rate_func(alpha)
        for tile, s, e in zip(marks.tiles, starts, ends, strict=True):
            at_start, at_end = np.allclose(tile.at, s), np.allclose(tile.at, e)
            assert at_start or at_end, (alpha, tile.at)
            if at_start:
                assert tile.opacity == pytest.approx(1.0 - 2 * a)
            else:
                assert tile.opacity == pytest.approx(0.8 * (2 * a - 1))
    assert all(t.opacity == pytest.approx(0.8) for t in marks.tiles)
    assert all(np.allclose(t.at, e) for t, e in zip(marks.tiles, ends, strict=True))


class _AllPlays:
    """In front of the plan-mode scene: every play's beat and animations, in order."""

    def setup(self):
        super().setup()
        self.all_plays = []

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        self.all_plays.append((len(self.beats) - 1, animations))


@pytest.mark.parametrize("options", [{"dataset": "digits"}, {"dataset": "digits", "classes": 10}],
                         ids=["digits", "digits-10"])
def test_the_class_corners_caption_comes_after_its_polygon(options):
    """The class corners' words come after the polygon they name is drawn: the polygon fades in
    in a play before that beat (under the last space's caption, as the last space's lines and
    axes leave), and the beat's first play moves the points to the corners (the caption came
    while the last hidden space was still on screen)."""
    from nnanim.draw.mobjects import OpacityFade

    scene = dry_run(LayersScene, {"epochs": 30, **options}, mixin=_AllPlays)
    k = next(i for i, b in enumerate(scene.beats)
             if b.title.endswith("class corners") and b.kind != "intro")
    polygon = scene._corners[0]
    at = next(i for i, (beat, _) in enumerate(scene.all_plays) if beat == k)
    before, first = scene.all_plays[at - 1][1], scene.all_plays[at][1]
    assert scene.all_plays[at - 1][0] < k
    assert any(isinstance(a, OpacityFade) and a.mobject is polygon and a.fade_in for a in before)
    assert not any(a.mobject is polygon for a in first)
    assert any(type(a).__name__ == "CloudMove" for a in first)


def test_ten_digits_fly_back_saying_how_much_a_flat_view_keeps():
    """The fly back of ten digits says that the classes overlap as the points fly (true: the
    share of points whose 5 nearest neighbours name their class, recomputed here by a plain loop
    over the points from an independent projection, the inputs on their first two principal
    axes by an SVD, is low), and once they are there what its flat view keeps: the share of the
    spread on its two principal axes."""
    scene = _planned(dataset="digits", classes=10)
    run = scene.job.run
    words, detail = scene.beats[1].detail, scene.beats[2].detail
    assert scene.beats[1].title == scene.beats[2].title == "back to the input"
    assert detail.startswith(words) and "%" not in words

    def share(P, y, k=5):
        right = 0
        for i in range(len(P)):
            d = np.sum((P - P[i]) ** 2, axis=1)
            d[i] = np.inf
            votes = np.bincount(y[np.argsort(d, kind="stable")[:k]], minlength=y.max() + 1)
            right += int(np.argmax(votes) == y[i])
        return right / len(P)

    y = run.y.astype(int)
    X = run.X - run.X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    want = share(X @ Vt[:2].T, y)
    kept = np.sum(np.linalg.svd(X, compute_uv=False)[:2] ** 2) / np.sum(X ** 2)
    assert f"2 principal axes keep {round(100 * kept)}% of the spread" in detail, detail
    # (the classes overlap: said as the points fly, before their numbers; a point's neighbours
    # name its class for only about half of them, measured here)
    assert "where the 10 classes overlap" in words, words
    assert want < 0.7, want


_VERTEX = [(o, i) for o, i in _REAL if i != "breast-cancer"]


@pytest.mark.parametrize("options", [o for o, _ in _VERTEX], ids=[i for _, i in _VERTEX])
def test_each_class_corner_lies_toward_its_points(options):
    """Each class's corner of the polygon lies in the direction its points are in the last
    picture before they move there (within 60°, about the middle of the classes' means and the
    polygon's centre): an upright polygon in class order sent every cluster across it, sitting
    for a moment at another class's corner (wine's blue points at the orange corner)."""
    scene = _planned(**options)
    run = scene.job.run
    y = np.asarray(run.y, dtype=int)
    K = run.n_classes
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    after = np.array(view.cloud.points[:, :2], dtype=float)  # at the corners (the end)
    polygon = next(m for m in scene._corners[0].get_family() if type(m).__name__ == "Polygon")
    corners = np.array(polygon.get_vertices(), dtype=float)[:, :2]
    assert len(corners) == K
    # drawn round the circle, a regular polygon (in class order, ten digits' was a star): every
    # side as long as the others
    sides = np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)
    np.testing.assert_allclose(sides, sides[0], rtol=1e-6)
    last = len(view.flow.stages) - 1
    view.set_stage(last, 1.0)  # the last picture, before the move
    before = np.array(view.cloud.points[:, :2], dtype=float)
    means = np.array([before[y == k].mean(axis=0) for k in range(K)])
    z = _forward_states(run)[-1][1] @ run.weights[-1][-1].T + run.biases[-1][-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    # each point ends at its probabilities' mix of the corners: class k's corner solved for
    # from where the points are (the softmax recomputed here), the polygon's corner nearest it
    C = np.linalg.lstsq(p, after, rcond=None)[0]
    assert np.min(np.linalg.norm(C[:, None] - corners[None], axis=2), axis=1).max() < 0.05
    mid = means.mean(axis=0)
    centre = corners.mean(axis=0)
    for k in range(K):
        corner = corners[np.argmin(np.linalg.norm(corners - C[k], axis=1))]
        a, b = means[k] - mid, corner - centre
        angle = np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))
        assert angle <= 60, (run.class_names[k], angle)


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_digit_tiles_sit_on_no_other_class_region(aspect):
    """Three digits' output beat: no tile of the key sits on another class's region (the shaded
    regions and their lines stop at the tiles' bands; before, the 1's tile sat on the 8s'
    region).  The regions are recomputed here: the last layer's softmax at each place of a
    tile's box (sampled) that the shading covers."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": "digits", "epochs": 30, "aspect": aspect},
                    pixels=pixel_size(aspect, 480), mixin=_FirstPlays)
    run = scene.job.run
    beat = next(k for k, b in enumerate(scene.beats) if b.title.startswith("output"))
    drawn = [a.mobject for a in scene.first[beat]]
    shading = [m for m in drawn if getattr(m, "is_output_shading", False)]
    assert shading
    clips = [m.clip_box for m in drawn if getattr(m, "clip_box", None) is not None]
    view = next(m for m in scene.mobjects if hasattr(m, "flow"))
    last = len(view.flow.stages) - 1
    view.set_stage(last, 1.0)
    W, b = run.weights[-1][-1], run.biases[-1][-1]
    # (the display space there is the last hidden layer's: its points' regions are their answers)
    h = _forward_states(run)[-1][1]
    np.testing.assert_allclose(view.to_display(view.cloud.points)[:, :2], h, atol=1e-6)
    side, slots, _ = scene._tiles
    s = np.linspace(-side / 2, side / 2, 9)
    for k, (cx, cy) in enumerate(slots):
        Q = np.array([[cx + dx, cy + dy, 0.0] for dx in s for dy in s])
        for clip in clips:  # the shading and every region line
            x0, y0, x1, y1 = clip
            inside = (Q[:, 0] > x0) & (Q[:, 0] < x1) & (Q[:, 1] > y0) & (Q[:, 1] < y1)
            if not inside.any():
                continue
            region = np.argmax(view.to_display(Q[inside])[:, :2] @ W.T + b, axis=1)
            assert np.all(region == k), (run.class_names[k], np.bincount(region))


@pytest.mark.parametrize("clip", [(-1.6, -3.6, 6.4, 3.6), (-3.6, -5.34, 3.6, 3.63)], ids=["wide", "tall"])
def test_three_digits_key_is_one_column_of_readable_tiles(clip):
    """Three digits' images form one key on one side of the picture (right of a wide picture,
    below a tall one), in digit order, each at least 0.13 of the picture's short side (a 8×8
    digit about 60 px tall at 480p): split two on the left and one on the right, 0.09 of the
    picture's height, they read as three stray marks and the 1 as an orange bar.  The rest of
    the picture is the data's; ten digits keep their two bands."""
    from nnanim.scenes.layers import TILE_GAP, tile_side, tile_slots

    x0, y0, x1, y1 = clip
    short = min(x1 - x0, y1 - y0)
    side = tile_side(clip, 3)
    assert side >= 0.13 * short
    slots, inner = tile_slots(clip, 3, side, TILE_GAP)
    wide = x1 - x0 >= y1 - y0
    across, along = (0, 1) if wide else (1, 0)
    assert np.ptp(slots[:, across]) < 1e-9  # one column (row)
    if wide:  # on the right, read top to bottom in digit order
        assert slots[0, 0] > x1 - side - 2 * TILE_GAP and np.all(np.diff(slots[:, 1]) < 0)
        assert inner[0] == x0 and inner[2] <= slots[0, 0] - side / 2
    else:  # below, read left to right
        assert slots[0, 1] < y0 + side + 2 * TILE_GAP and np.all(np.diff(slots[:, 0]) > 0)
        assert inner[3] == y1 and inner[1] >= slots[0, 1] + side / 2
    # together, a key: no farther apart than two tiles' sides
    assert np.max(np.abs(np.diff(slots[:, along]))) <= 2 * side
    ten = tile_side(clip, 10)
    slots10, inner10 = tile_slots(clip, 10, ten, TILE_GAP)
    assert len(np.unique(np.round(slots10[:, across], 6))) == 2  # ten: two bands, as before


class _Flies:
    """A ``dry_run`` mixin: every play moving the point cloud (the fly back, the class corners)
    as ``(start, seconds, rate)`` in ``scene.flies``."""

    def play(self, *animations, **kwargs):
        start = self.clock
        seconds = kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
        for a in animations:
            if type(a).__name__ == "CloudMove":
                self.__dict__.setdefault("flies", []).append((start, seconds, a.rate_func))
        super().play(*animations, **kwargs)


def test_three_digits_points_move_as_their_words_come():
    """The fly back from the class corners and the move to them (each caption comes in its
    play's first moments) move the points at once, at an even pace: 0.75 s into the play they
    have gone at least 0.6 of the share an even pace over the whole play gives.  (Manim's smooth
    had the 5 s fly back 2 % of its way then, "back to the input" read over a still triangle,
    and the points 13 % of their way to the corners under the score that counts them there.)"""
    scene = dry_run(LayersScene, {"dataset": "digits", "epochs": 30}, mixin=_Flies)
    back = next(b for b in scene.beats if b.title.startswith("back to the input"))
    corners = [b for b in scene.beats if b.title.endswith("class corners") and b.kind != "intro"]
    assert len(scene.flies) == 2 and corners
    # (the move's beat: the first after the fly back; its score follows in a beat of its own)
    move = next(b for b in corners if b.start > back.start)
    for (start, seconds, rate), beat in zip(scene.flies, [back, move], strict=True):
        assert abs(beat.start - start) < 0.35, (beat.title, beat.start, start)  # its beat's play
        assert seconds > 1.0
        early = 0.75 / seconds
        assert rate(early) >= 0.6 * early, (beat.title, seconds, rate(early))
        assert rate(0.0) == pytest.approx(0.0) and rate(1.0) == pytest.approx(1.0)


def test_three_digits_triangle_fills_a_wide_short_picture():
    """In a picture much wider than tall (the 1:1 frame's, under its caption: 7.2 × 3.75), the
    triangle's images sit beside its side corners, where the picture has room, not above and
    below them: stacked above and below, two images' heights came off the triangle's, which
    was 0.39 of the picture's height.  Beside each side corner, outward; the tiles still inside
    the picture."""
    from nnanim.layout import pixel_size

    scene = dry_run(LayersScene, {"dataset": "digits", "epochs": 30, "aspect": "1:1"},
                    pixels=pixel_size("1:1", 480))
    p = scene.layout.picture
    assert p.x1 - p.x0 > 1.5 * (p.y1 - p.y0)  # (the case: a wide, short picture)
    centre, radius = scene._vertex_frame
    assert radius >= 0.45 * (p.y1 - p.y0), radius
    polygon, labels, spots = scene._corners
    corners = centre[:2] + radius * scene._vertex_corners
    x0, y0, x1, y1 = scene.layout.picture_clip
    side = scene._tiles[0]
    marks = next(m for top in scene.mobjects for m in top.get_family() if hasattr(m, "tiles"))
    for i, spot in zip(marks.indices, spots[0], strict=True):
        k = int(scene.job.run.y[i])
        c = corners[k]
        assert x0 <= spot[0] - side / 2 and spot[0] + side / 2 <= x1
        assert y0 <= spot[1] - side / 2 and spot[1] + side / 2 <= y1
        if abs(c[0] - centre[0]) > 0.5 * radius:  # a side corner: its image beside it, outward
            assert abs(spot[1] - c[1]) < 1e-6 and (spot[0] - c[0]) * (c[0] - centre[0]) > 0
