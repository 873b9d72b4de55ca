"""The `linear-vs-hidden` scene: its numbers recomputed here, its panels judged from decoded frames."""

from __future__ import annotations

import numpy as np
import pytest
import shape_renders
from click.testing import CliRunner
from nnanim.scenes.linear_vs_hidden import BENT, END, LINEAR, RAW, LinearVsHiddenScene
from storyboards import JUDGED_FPS, dry_run, shared_dry_run, tanh_sigmoid_forward

from nnanim.cli import cli
from nnanim.core.nn import LINEAR_L2
from nnanim.core.record import train
from nnanim.draw.panels import view_dissolve
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render

#: the tests that read the scene's plain walks (the default story in 16:9, 1:1 and 4:3, shared:
#: ``shared_dry_run``) and its two trainings (``runs``) run on one test worker, which walks and
#: trains each once
WALKS = pytest.mark.xdist_group("walks-linear-vs-hidden")


@pytest.fixture(scope="module")
def scene():
    return shared_dry_run("linear-vs-hidden", {})


@pytest.fixture(scope="module")
def runs():
    """The scene's two networks, trained here the plain way: tanh, and the same with linear."""
    tanh = train(**LinearVsHiddenScene.defaults)
    linear = train(**{**LinearVsHiddenScene.defaults, "activation": "linear"})
    return tanh, linear


def _texts(mobjects):
    out = set()
    for m in mobjects:
        for part in m.get_family():
            if hasattr(part, "text"):
                out.add(part.text)
    return out


@WALKS
def test_the_three_networks_share_data_and_seed(scene, runs):
    tanh, linear = runs
    assert np.array_equal(scene.job.run.X, tanh.X)
    for W, ref in zip(scene.networks["linear"].weights, linear.weights):
        assert np.array_equal(W, ref[-1])
    for W, ref in zip(scene.networks["bent"].weights, tanh.weights):
        assert np.array_equal(W, ref[-1])


@WALKS
def test_raw_panel_is_the_logistic_regression(scene, runs):
    X, y = runs[0].X, runs[0].y
    W, b = scene.models["raw"]
    theta = np.concatenate([W.ravel(), b])

    def loss(t):
        z = X @ t[:2] + t[2]
        return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * LINEAR_L2 * t @ t

    eps = 1e-6
    grad = [(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(3)]
    assert np.max(np.abs(grad)) < 1e-6
    accuracy = np.mean(((X @ theta[:2] + theta[2]) > 0) == y)
    assert scene.statements["raw"] == ("a straight line", f"{accuracy:.1%} correct")
    # moons: the best line is a real line (not chance), which the tanh layers beat
    assert 0.8 < accuracy < scene.accuracies["bent"]


@WALKS
def test_product_matrix_on_screen_is_the_deep_linear_network(scene, runs):
    linear = runs[1]
    Ws = [W[-1] for W in linear.weights]
    bs = [b[-1] for b in linear.biases]
    W, b = Ws[0], bs[0]
    for Wl, bl in zip(Ws[1:], bs[1:]):  # compose the affine maps one by one
        W, b = Wl @ W, Wl @ b + bl
    X, y = linear.X, linear.y
    h = X
    for Wl, bl in zip(Ws, bs):
        h = h @ Wl.T + bl
    assert np.allclose(X @ W.T + b, h, atol=1e-10)  # one affine map, whatever the depth

    def shown(v):
        s = f"{v:.2f}"
        return "0.00" if s == "-0.00" else s.replace("-", "\u2212")

    expected = [[shown(v) for v in (*W[0], b[0])]]
    assert scene.table == expected
    # weights and bias said apart (a bar "W | b" read as one 1 × 3 matrix)
    numbers = f"w = [{shown(W[0, 0])}, {shown(W[0, 1])}] · b = {shown(b[0])}"
    assert scene.numbers == numbers
    from manim import Text

    assert scene.matrix.text == numbers
    drawn = [m.text.replace(" ", "") for m in scene.matrix.get_family() if isinstance(m, Text)]
    assert drawn in ([numbers.replace(" ", "")],  # one line, or two broken at the dot
                     [p.replace(" ", "") for p in numbers.split(" · ")])
    accuracy = np.mean((h[:, 0] > 0) == y)
    assert scene.statements["linear"] == ("still a straight line", f"{accuracy:.1%} correct")
    # layer l has W_l, counting from 1 (as by-hand numbers them): four maps are W₄W₃W₂W₁;
    # the panel says "3 linear layers", so the line under it names the output as the fourth
    assert len(Ws) == len(LinearVsHiddenScene.defaults["hidden"]) + 1 == 4
    assert scene.titles["linear"] == "3 linear layers"
    # (read on from the title: "3 linear layers + output: w = W₄W₃W₂W₁")
    assert scene.product == "+ output: w = W₄W₃W₂W₁"
    assert "+output:w=W₄W₃W₂W₁" in _texts(scene.mobjects)
    assert not any("|" in t for t in _texts(scene.mobjects))
    # the scene's product is the deep linear network's output, computed here layer by layer
    Wp, bp = scene.models["product"]
    net = scene.networks["linear"]
    h = X
    for Wl, bl in zip(net.weights, net.biases):
        h = h @ Wl.T + bl
    np.testing.assert_allclose(X @ Wp.T + bp, h, atol=1e-9)
    np.testing.assert_allclose(Wp, W, atol=1e-9)
    # multiplied out layer by layer on screen: the product so far, its shape, and whether it
    # maps the plane to nearly one line (its second singular value under 0.15 of its first)
    flat, M = [], np.eye(2)
    for Wl in Ws[:-1]:
        M = Wl @ M
        s = np.linalg.svd(M, compute_uv=False)
        flat.append(s[1] < 0.15 * s[0])
    assert flat == [False, True, True]  # the trained linear layers flatten the moons to a band
    assert scene.products_shown == [p + ("·nearlyoneline" if f else "") for p, f in zip(
        ["sofarW₁:4×2", "sofarW₂W₁:4×2", "sofarW₃W₂W₁:4×2"], flat)]
    # the first 2-D view of a 4-unit layer says what its axes are, once
    assert scene.lift_said == "lift 2 → 4: 4-D, seen in 2-D as u₁, u₂"
    assert not any("₀" in t for t in scene.products_shown + [scene.product])


@WALKS
def test_deep_linear_boundary_is_drawn_once_on_the_product_line(scene, runs):
    view = scene.views["linear"]
    W, b = scene.models["product"]
    assert view.boundary is None  # one line in this panel, not the network's curve under the product's
    (line,) = scene.overlays["linear"].lines
    assert np.allclose(line @ W[0] + b[0], 0.0, atol=1e-9)
    # the network's own classes change side exactly there: its forward pass, written here, on a grid
    net = scene.networks["linear"]
    g = np.linspace(-1.5, 1.5, 61)
    P = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    h = P
    for Wl, bl in zip(net.weights, net.biases):
        h = h @ Wl.T + bl
    assert np.array_equal(h[:, 0] > 0, P @ W[0] + b[0] > 0)
    assert scene.overlays["linear"].shading is not None and scene.overlays["raw"].shading is not None


@WALKS
def test_tanh_panel_bends_its_boundary(scene, runs):
    tanh = runs[0]
    p = tanh_sigmoid_forward(tanh, tanh.X)
    accuracy = np.mean((p > 0.5) == tanh.y)
    assert scene.statements["bent"] == ("a curved boundary", f"{accuracy:.1%} correct")
    assert accuracy > 0.97
    view = scene.views["bent"]
    P = view.to_display(view.boundary.points)[:, :2]
    # far from any straight line: the boundary's points spread across their best line
    spread = np.linalg.svd(P - P.mean(axis=0), compute_uv=False) / np.sqrt(len(P))
    assert spread[1] > 0.1 * spread[0]


@WALKS
def test_labels_on_screen_are_the_statements(scene):
    texts = _texts(scene.mobjects)
    for key in ("raw", "linear", "bent"):
        for line in (scene.titles[key], *scene.statements[key]):
            assert line.replace(" ", "") in texts


@WALKS
def test_the_poster_shows_each_panels_own_model_and_names_it(scene, runs):
    """The first frame (the poster) shaded the raw panel with the tanh network's answer and the
    linear one with a blur, and named no panel: each panel's poster shading is its own model's
    classes (recomputed here: the logistic regression, the product of the linear layers, the
    tanh network written out), with its boundary, and its name is on screen."""
    from nnanim.draw.mobjects import RasterImage

    tanh, linear = runs
    Ws = [W[-1] for W in linear.weights]
    bs = [b[-1] for b in linear.biases]

    def product(P):
        h = P
        for Wl, bl in zip(Ws, bs):
            h = h @ Wl.T + bl
        return h[:, 0] > 0

    W_raw, b_raw = scene.models["raw"]
    models = {"raw": lambda P: P @ W_raw[0] + b_raw[0] > 0, "linear": product,
              "bent": lambda P: tanh_sigmoid_forward(tanh, P) > 0.5}
    first = scene.shots[0]
    assert first.time == pytest.approx(1.0)  # the opening hold: the poster
    texts = {t for t, _ in first.texts}
    colours = np.array(scene.theme.class_rgb(2)) * 255
    for key, model in models.items():
        assert scene.titles[key] in texts
        shading, line, name = scene.poster[key]
        assert isinstance(shading, RasterImage) and name.text == scene.titles[key].replace(" ", "")
        assert len(line.points) > 0
        rgba = shading.rgba.astype(float)
        rows, cols = rgba.shape[:2]
        tl, tr, br, bl = shading.points
        i, j = np.mgrid[0:rows, 0:cols]
        u, v = (j / (cols - 1))[..., None], (i / (rows - 1))[..., None]
        where = tl + u * (tr - tl) + v * (bl - tl)  # scene coordinates of each pixel
        P = scene.views[key].to_display(where.reshape(-1, 3))[:, :2]
        sure = rgba[..., 3].ravel() > 0.5 * rgba[..., 3].max()
        shown = np.linalg.norm(rgba[..., :3].reshape(-1, 1, 3) - colours[None], axis=2).argmin(axis=1)
        agree = np.mean(shown[sure] == model(P[sure]))
        assert agree > 0.99, (key, agree)


class _Drawn:
    """After every play: the texts on screen, and whether each panel's boundary is drawn."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.scene import _visible

        super().play(*animations, **kwargs)
        family = set(self.get_mobject_family_members())
        overlays = getattr(self, "overlays", {})
        views = getattr(self, "views", {})
        lines = {"raw": overlays.get("raw") and overlays["raw"].strokes,
                 "linear": overlays.get("linear") and overlays["linear"].strokes,
                 "bent": views.get("bent") and views["bent"].boundary}
        drawn = {k: m is not None and m in family and _visible(m) for k, m in lines.items()}
        texts = {" ".join(t.split()) for t, _ in self.shots[-1].texts}
        self.drawn = getattr(self, "drawn", []) + [(self.clock, texts, drawn)]


@pytest.mark.parametrize("aspect", ["16:9", "1:1"])
def test_a_panel_states_its_boundary_only_once_it_is_drawn(aspect):
    """"still a straight line, 88.4 %" came with the panel's title, before its layers played
    and its line was drawn: every statement of a boundary is on screen only with that boundary."""
    from nnanim.layout import pixel_size

    played = dry_run("linear-vs-hidden", {"aspect": aspect}, pixels=pixel_size(aspect, 480),
                     mixin=_Drawn)
    for key in ("raw", "linear", "bent"):
        said = [(t, drawn[key]) for t, texts, drawn in played.drawn
                if played.statements[key][0] in texts]
        assert said, key  # it is said
        assert all(d for _, d in said), (key, [t for t, d in said if not d])


@WALKS
@pytest.mark.parametrize("aspect", ["1:1", "4:3", "16:9"])
def test_the_panel_that_plays_grows_where_a_row_of_three_is_small(aspect):
    from nnanim.layout import pixel_size

    played = shared_dry_run("linear-vs-hidden", {"aspect": aspect}, pixels=pixel_size(aspect, 480))
    short = min(played.camera.frame_width, played.camera.frame_height)
    row = sorted((p.picture for p in played.row), key=lambda b: (-b.y1, b.x0))
    assert played.focused  # a row of three is small in every shape (250 px of 480 in 16:9)
    if aspect == "16:9":  # the panel that plays at least 1.4 times the row's
        assert max(p.picture.width for p in played.focus[BENT][0]) > 1.4 * row[0].width
    beats = {b.title: i for i, b in enumerate(played.beats)}
    for key in ("linear", "bent"):
        # every shot of the beat in which this network plays (and, for the last, the outro's
        # first: its boundary bends; then the row comes back)
        shots = [s for s in played.shots if s.beat == beats[played.titles[key]]]
        if key == "bent":
            shots.append(next(s for s in played.shots if s.beat == beats[END]))
        assert len(shots) > 5
        for shot in shots:
            sides = sorted(p.width for p in shot.pictures)
            if played.focused:  # one large picture, the two others smaller than in the row
                assert sides[-1] >= 0.5 * short, (key, shot.time, sides)
                assert all(s < row[0].width for s in sides[:-1]), (key, shot.time, sides)
            else:
                assert sides[-1] == pytest.approx(row[0].width)
    # the closing look: the row again, every label in it
    last = played.shots[-1]
    boxes = sorted(last.pictures, key=lambda b: (-b.y1, b.x0))
    assert len(boxes) == 3
    for box, want in zip(boxes, row):
        assert (box.x0, box.y0, box.x1, box.y1) == pytest.approx((want.x0, want.y0, want.x1, want.y1))
    texts = {" ".join(t.split()) for t, _ in last.texts}  # wrapped to the strips: lines joined
    for key in ("raw", "linear", "bent"):
        assert played.titles[key] in texts and set(played.statements[key]) <= texts


@WALKS
@pytest.mark.parametrize("aspect", ["16:9", "1:1"])
def test_every_panel_is_named_and_the_tanh_panel_says_what_it_shows(aspect, runs):
    """The tanh panel had no words for about 20 s (from the poster's end to its turn, then only
    its name while its layers played): in a row every panel's name is on screen after every play
    from the poster on; under the tanh panel's name a line says what its picture is, the input
    plane, then each stage's map in the order its layers play (the network written out here), then
    the input plane again, then its statements."""
    from nnanim.scenes.linear_vs_hidden import BACK, WAITING

    from nnanim.layout import pixel_size

    played = shared_dry_run("linear-vs-hidden", {"aspect": aspect}, pixels=pixel_size(aspect, 480))
    widths = [2, *LinearVsHiddenScene.defaults["hidden"]]
    stages = [f"lift 2 → {widths[1]}"] if widths[1] > 2 else []
    # an activation bends the grid, or, where the data leave it nearly on one curve (their
    # second principal spread under 0.15 of the first), squeezes them to a band (the grid's
    # bend is then too thin to see; "flattens the data"): the tanh network's states written out here
    # a linear map that leaves the points nearly on one line says so (the collapse is the point)
    tanh, h = runs[0], runs[0].X
    for layer in range(1, len(widths)):
        z = h @ tanh.weights[layer - 1][-1].T + tanh.biases[layer - 1][-1]
        s = np.linalg.svd(z - z.mean(axis=0), compute_uv=False)
        lined = " · the points on one line" if s[1] < 0.15 * s[0] else ""
        h = np.tanh(z)
        s = np.linalg.svd(h - h.mean(axis=0), compute_uv=False)
        does = "flattens the data" if s[1] < 0.15 * s[0] else "bends the grid"
        stages += [f"layer {layer} · W·x{lined}", f"layer {layer} · + b",
                   f"layer {layer} · tanh {does}"]
    assert "bends the grid" in stages[3] and "flattens" in stages[-1]
    assert stages[-3].endswith("one line")  # the third layer's map: the points on one line
    assert played.statuses_shown["bent"] == [WAITING, *stages, BACK]
    def words(t):  # lines joined; a " · " at a line break is not drawn (the wrapper's rule)
        return " ".join(t.split()).replace(" · ", " ")

    said = {words(t) for t in played.statuses_shown["bent"]}
    beats = [b.kind for b in played.beats]
    start = played.beats[[b.title for b in played.beats].index(played.titles["bent"])].start
    for shot in played.shots:
        texts = {words(t) for t, _ in shot.texts}
        if not played.focused and shot.time > 1.0:  # a row: every panel named
            assert {played.titles[k] for k in ("raw", "linear", "bent")} <= texts, shot.time
        if start < shot.time and played.beats[shot.beat].kind != "outro":  # the tanh panel plays
            assert played.titles["bent"] in texts, shot.time
            assert len(texts & said) == 1, (shot.time, texts & said)
    assert "outro" in beats


@WALKS
@pytest.mark.parametrize("aspect", ["16:9", "1:1"])
def test_the_top_title_names_the_section_that_plays(aspect):
    """"linear layers multiply to one matrix" stayed on top through the whole tanh section
    (17-35 s): from the play in which the tanh panel's label comes to the outro, the top title
    names the tanh layers and the linear title is gone; before it, the linear one is on."""
    from nnanim.scenes.linear_vs_hidden import TITLE

    from nnanim.layout import pixel_size

    played = shared_dry_run("linear-vs-hidden", {"aspect": aspect}, pixels=pixel_size(aspect, 480))
    section = "tanh layers bend the plane"
    start = played.beats[[b.title for b in played.beats].index(played.titles["bent"])].start
    kinds = [b.kind for b in played.beats]
    before = after = 0
    for shot in played.shots:
        texts = {" ".join(t.split()) for t, _ in shot.texts}
        outro = kinds[shot.beat] == "outro"
        if shot.time <= start + 1e-9:
            assert TITLE in texts and section not in texts, shot.time
            before += 1
        elif not outro:
            assert section in texts and TITLE not in texts, (shot.time, texts)
            after += 1
    assert before > 3 and after > 10
    assert END in {" ".join(t.split()) for t, _ in played.shots[-1].texts}


def test_the_top_title_is_never_blank_for_long():
    """The closing title swapped over its beat's 1.2 s left the top line dim for 0.6 s: each
    title swap leaves it under half its light for at most 0.2 s, three frames at 15 fps."""
    from title_light import TitleLight, longest_dim_run

    played = dry_run("linear-vs-hidden", {}, mixin=TitleLight)
    assert len(played.light) > 100
    assert longest_dim_run(played.light) <= 3


def test_all_linear_is_refused_in_one_line():
    with pytest.raises(NnanimError, match=r"--activation tanh$"):
        dry_run("linear-vs-hidden", {"activation": "linear"})
    res = CliRunner().invoke(cli, ["render", "linear-vs-hidden", "--activation", "linear"])
    assert res.exit_code == 2 and "Traceback" not in res.output


# --------------------------------------------------------------------------- the rendered video


def _panel(frame, box, pixels):
    w, h = pixels
    unit = min(w, h) / 8.0
    x0, x1 = int(w / 2 + box.x0 * unit) + 4, int(w / 2 + box.x1 * unit) - 4
    y0, y1 = int(h / 2 - box.y1 * unit) + 4, int(h / 2 - box.y0 * unit) - 4
    return frame[y0:y1, x0:x1].astype(float)


def _white(pic):
    grey = (pic.max(axis=2) - pic.min(axis=2)) < 45  # the boundary: bright and colourless
    ys, xs = np.nonzero((pic.min(axis=2) > 160) & grey)
    return np.column_stack([xs, ys]).astype(float)


def _without_annotations(frame, views, pixels, pad=3):
    """``frame`` with each view's axis arrows, axis names and scale bar blacked out: they are
    drawn in the foreground colour, bright and colourless like the boundary, in the picture's
    corners (they name its space; the boundary is what is judged)."""
    w, h = pixels
    unit = min(w, h) / 8.0
    out = frame.copy()
    for view in views:
        axes = view.axes
        if axes is None:
            continue
        for part in (axes.arrows, *axes.names, axes.bar, axes.bar_label):
            if part is None:
                continue
            x0 = int(w / 2 + part.get_left()[0] * unit) - pad
            x1 = int(w / 2 + part.get_right()[0] * unit) + pad
            y0 = int(h / 2 - part.get_top()[1] * unit) - pad
            y1 = int(h / 2 - part.get_bottom()[1] * unit) + pad
            out[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_rendered_panels_show_lines_and_a_curve_and_keep_moving(aspect, tmp_path, decode_frames):
    from nnanim.layout import pixel_size

    pixels = pixel_size(aspect, 480)
    job_scene = dry_run("linear-vs-hidden", {"aspect": aspect, "epochs": 600}, pixels=pixels)
    out = render("linear-vs-hidden", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "v.mp4",
                                                    progress=False),
                 {"aspect": aspect, "epochs": 600})
    frames, _ = decode_frames(out)
    last = _without_annotations(frames[-1], job_scene.views.values(), pixels)
    boxes = [p.picture for p in job_scene.panels]

    # the linear panels: the white boundary is one straight line (tiny residual off its best fit)
    for side in (RAW, LINEAR):
        white = _white(_panel(last, boxes[side], pixels))
        assert len(white) > 50
        centred = white - white.mean(axis=0)
        spread = np.linalg.svd(centred, compute_uv=False) / np.sqrt(len(white))
        assert spread[1] < 2.5 and spread[0] > 20  # thin and long: a line
    # the tanh panel: a white curve, far from a line
    white = _white(_panel(last, boxes[BENT], pixels))
    spread = np.linalg.svd(white - white.mean(axis=0), compute_uv=False) / np.sqrt(len(white))
    assert len(white) > 50 and spread[1] > 0.1 * spread[0]
    # fewer than 40 % of the frames are still (no pixel changes by more than a trace): a hold is
    # still at any frame rate, its share of the frames the share of the video it lasts
    diffs = np.array([np.abs(a.astype(np.int16) - b).max() for a, b in zip(frames[1:], frames[:-1])])
    assert np.mean(diffs <= 8) < 0.4


@pytest.mark.slow
@pytest.mark.parametrize("aspect", [pytest.param(a, marks=shape_renders.group("linear-vs-hidden"))
                                    for a in ("16:9", "9:16", "1:1", "4:3")])
def test_no_panel_goes_dark_between_its_layers_and_its_input_plane(aspect, shape_render):
    """At 34.4 s the tanh panel went near-black: the way back to the input plane faded the moved
    plane out, then the input plane in, and between the two halves the panel showed nothing.
    Every decoded frame (the scene's shared render, 5 fps) shows each panel's data, both
    classes, at least at half strength (a dissolve, never a fade through black); frames inside a
    move of the panels (the arrangement changes) are left out."""
    from conftest import _decode_frames

    from nnanim.layout import pixel_size
    from nnanim.theme import hex_rgb, load_theme

    plan = shared_dry_run("linear-vs-hidden", shape_renders.options(aspect), pixels=pixel_size(aspect, 480))
    frames, fps = _decode_frames(shape_render("linear-vs-hidden", aspect))
    theme = load_theme("dark")
    colours = np.array(theme.class_rgb(2)) * 255 - np.array(hex_rgb(theme.background)) * 255
    bg = np.array(hex_rgb(theme.background)) * 255
    h, w = frames.shape[1:3]
    unit = min(w, h) / 8.0
    ends = [s.time for s in plan.shots]

    def boxes(shot):
        return sorted((b.x0, b.y0, b.x1, b.y1) for b in shot.pictures)

    # the plays that move the panels, widened by two frames (a render rounds each play to
    # whole frames: its times drift from the plan's by a frame or so)
    moving = [(ends[i - 1] - 2 / fps, ends[i] + 2 / fps) for i in range(1, len(ends))
              if boxes(plan.shots[i - 1]) != boxes(plan.shots[i])]
    dark = []
    for k, frame in enumerate(frames):
        t = k / fps
        i = int(np.searchsorted(ends, t - 1e-6))  # the play under way at t ends at shot i
        if i == 0 or i >= len(ends) or any(a <= t <= b for a, b in moving):
            continue
        after = plan.shots[i].pictures
        for box in after:
            x0, x1 = int(w / 2 + box.x0 * unit) + 3, int(w / 2 + box.x1 * unit) - 3
            y0, y1 = int(h / 2 - box.y1 * unit) + 3, int(h / 2 - box.y0 * unit) - 3
            crop = frame[y0:y1, x0:x1].astype(float) - bg
            seen = []
            for c in colours:
                s = (crop @ c) / (c @ c)
                off = np.linalg.norm(crop - s[..., None] * c, axis=2)
                seen.append(int(np.sum((s > 0.5) & (off < 30))))
            if min(seen) < 8:
                dark.append((round(t, 2), (round(box.x0, 2), round(box.y0, 2)), seen))
    assert not dark, dark[:10]


def test_a_dissolve_ends_with_the_new_panels_axes_lit():
    """The tanh and linear panels lost their x₁/x₂ names and "0.5" scale bar by the end: the
    dissolve back to the input plane faded the new view's axes in to the light they had once the
    view's own fade had begun, nothing.  The dissolve's animations are run here as a play runs
    them (every one begun, in order, then stepped, then finished): the new axes end as lit as
    they were, and the old view's are dark."""
    from manim import VMobject

    played = dry_run("linear-vs-hidden", {})
    old, new = played.views["raw"], played.views["bent"]

    def light(axes):
        return max(float(m.stroke_rgbas[:, 3].max()) for m in axes.get_family()
                   if isinstance(m, VMobject) and len(m.stroke_rgbas))

    lit = light(new.axes)
    assert lit > 0.5
    anims = view_dissolve(old, new, 0.8)
    for a in anims:
        a.begin()
    seen = []
    for alpha in np.linspace(0.0, 1.0, 13):
        for a in anims:
            a.interpolate(alpha)
        seen.append(light(new.axes))
    for a in anims:
        a.finish()
    assert seen[0] < 0.05  # the new axes come in with the dissolve
    assert light(new.axes) == pytest.approx(lit)
    assert light(old.axes) < 0.05


class _ShadingFades:
    """Every fade of a panel's shading: (its panel, its rate function, its play's seconds)."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import OpacityFade

        shadings = {id(o.shading): k for k, o in getattr(self, "overlays", {}).items()
                    if o.shading is not None}
        run_time = kwargs.get("run_time") or max(a.run_time for a in animations)
        self.shading_fades = getattr(self, "shading_fades", []) + [
            (shadings[id(a.mobject)], a.rate_func, run_time) for a in animations
            if isinstance(a, OpacityFade) and a.fade_in and id(a.mobject) in shadings]
        super().play(*animations, **kwargs)


def test_the_shading_comes_back_evenly():
    """At 35.53 s the tanh panel's shading popped in (Manim's smooth took a tenth of its light
    in one frame at 15 fps): back in the input plane each shading comes in over its beat, at
    most a twelfth of its light a frame."""
    played = dry_run("linear-vs-hidden", {}, mixin=_ShadingFades)
    # the last fade of each: back after its layers (the first came as the poster's copy left)
    backs = {k: (rate, t) for k, rate, t in played.shading_fades if k in ("linear", "bent")}
    assert set(backs) == {"linear", "bent"}
    for key, (rate, seconds) in backs.items():
        n = round(seconds * 15)
        levels = [rate(i / n) for i in range(n + 1)]
        assert levels[0] == pytest.approx(0.0) and levels[-1] == pytest.approx(1.0)
        assert max(np.diff(levels)) <= 1 / 12 + 1e-9, (key, max(np.diff(levels)))


class _RegridAxes:
    """At sampled moments of every regrid (the panels' move): each view's axes' drawn box (its
    names, compass and scale bar, where any of it is lit)."""

    def play(self, *animations, **kwargs):
        from manim import VMobject

        from nnanim.draw.panels import Regrid

        if any(isinstance(a, Regrid) for a in animations):
            def lit_boxes(axes):  # each lit part's box: a name, the compass, the bar, its number
                return [(*m.points[:, :2].min(axis=0), *m.points[:, :2].max(axis=0))
                        for m in axes.get_family() if isinstance(m, VMobject) and len(m.points)
                        and max(m.fill_rgbas[:, 3].max(), m.stroke_rgbas[:, 3].max()) > 0.05]

            for a in animations:
                a.begin()
            for alpha in np.linspace(0.0, 1.0, 16):
                for a in animations:
                    a.interpolate(float(alpha))
                boxes = [lit_boxes(v.axes) for v in self.views.values() if v.axes is not None]
                self.regrid_axes = getattr(self, "regrid_axes", []) + [(float(alpha), boxes)]
            for a in animations:
                a.interpolate(0.0)
        super().play(*animations, **kwargs)


def test_no_two_panels_axes_overlap_while_the_panels_move():
    """At 18.3 s the linear panel shrank onto the raw panel's place, both panels' x₁/x₂ names and
    0.5 scale bars drawn over one another: the moving panels' axes leave before the panels cross
    and come back once they have landed; at no sampled moment of a move do two lit axes overlap."""
    played = dry_run("linear-vs-hidden", {}, mixin=_RegridAxes)
    assert played.focused and len(played.regrid_axes) >= 32  # two moves at least, sampled
    hits = []
    for alpha, views in played.regrid_axes:  # per view: its lit parts' boxes
        for i, parts in enumerate(views):
            for other in views[i + 1:]:
                hits += [(round(alpha, 2), a, b) for a in parts for b in other
                         if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert not hits, hits[:5]
    # and the axes are back once the panels have landed
    assert all(sum(bool(p) for p in views) >= 2 for alpha, views in played.regrid_axes
               if alpha == 1.0)
