"""The `by-hand` scene: every number it writes is recomputed here, and its frames show the point.

The storyboard runs in the library's plan mode (no frame drawn): every table
cell, written-out product and caption is compared with a forward pass written
in this file from the run's weights.  One render at -q l, decoded with PyAV,
checks that the picture marks the point where the flow puts it and that the
numbers are on screen.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from nnanim.scenes.by_hand import ByHandScene
from storyboards import JUDGED_FPS, dry_run

from nnanim.cli import cli
from nnanim.contract import get_scene, list_scenes, resolve
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.options import parse_options
from nnanim.theme import load_theme

M = "\u2212"


def fmt(x: float) -> str:
    """Two decimals with a real minus, written independently of the library."""
    s = format(x, ".2f")
    return M + s[1:] if s.startswith("-") else s


def by_hand(weights, biases, x, written=False):
    """ReLU hidden layers, sigmoid output: every layer's (W, input, W·x, b, z, output).

    ``written``: as a student writes it, with two decimals carried from step to
    step: W, b and the point as written, each W·x rounded to two decimals, z
    the sum of the written W·x and b, the next layer fed the written h.
    """
    h, layers = np.asarray(x, dtype=float), []
    two = (lambda a: np.round(a, 2)) if written else (lambda a: a)
    h = two(h)
    for l, (W, b) in enumerate(zip(weights, biases)):
        W, b = two(W), two(b)
        wx = two(W @ h)
        z = two(wx + b)
        out = np.maximum(z, 0.0) if l < len(weights) - 1 else 1 / (1 + np.exp(-z))
        layers.append((W, h, wx, b, z, out))
        h = out
    return layers


@pytest.fixture(scope="module")
def default_run():
    return train(**ByHandScene.defaults)


@pytest.fixture(scope="module")
def default_scene(default_run):
    return dry_run("by-hand", {"run": default_run})


@pytest.fixture(scope="module")
def point_scene(default_run):
    """The plan pass following a point given on the command line, read by the tests of it."""
    return dry_run("by-hand", {"run": default_run, "point": "0.5,-0.25"})


def _tables(scene):
    return [s["group"].table.texts() for s in scene.steps]


def test_the_registry_maps_the_module_by_hand_to_the_name_by_hyphen_hand():
    assert "by-hand" in list_scenes()
    assert get_scene("by_hand").scene_name == "by-hand" and get_scene("by-hand") is ByHandScene
    assert list_scenes()["by-hand"].startswith("One point through a small ReLU network")


def test_the_default_network_is_trained_and_the_point_classified_right(default_run, default_scene):
    assert default_run.widths == [2, 3, 2, 1] and default_run.activations == ["relu", "relu"]
    assert default_run.accuracy[-1] == pytest.approx(1.0)
    weights = [W[-1] for W in default_run.weights]
    biases = [b[-1] for b in default_run.biases]
    layers = by_hand(weights, biases, default_scene.point)
    p = layers[-1][5][0]
    assert int(p > 0.5) == default_scene.point_class  # correct
    assert any((z < 0).any() for *_, z, _ in layers[:-1])  # a unit is struck
    assert np.all(np.round(default_scene.point, 2) == default_scene.point)


def _check_numbers(scene, run):
    weights = [W[-1] for W in run.weights]
    biases = [b[-1] for b in run.biases]
    layers = by_hand(weights, biases, scene.point, written=True)
    exact = by_hand(weights, biases, scene.point)
    for (*_, z, out), (*_, z_exact, out_exact) in zip(layers, exact):  # two decimals stay close
        assert np.max(np.abs(z - z_exact)) < 0.15 and np.max(np.abs(out - out_exact)) < 0.15
    assert (layers[-1][4] > 0).tolist() == (exact[-1][4] > 0).tolist()  # the same class
    tables = _tables(scene)
    steps = scene.steps
    assert tables[0] == [[fmt(v) for v in scene.point]]
    for k, (W, h, wx, b, z, out) in enumerate(layers):
        a, bias, act = (steps[1 + 3 * k], steps[2 + 3 * k], steps[3 + 3 * k])
        table = a["group"].table
        assert table.texts() == [[*(fmt(w) for w in row), fmt(s)] for row, s in zip(W, wx)]
        assert [c.shown for c in table.header_cells[1] if c.shown] == [fmt(v) for v in h]
        for row, note, s in zip(W, a["notes"], wx):  # written out: a − b·c for a + (−b)·c
            xs = [f"({fmt(v)})" if fmt(v)[0] == M else fmt(v) for v in h]
            text = f"{fmt(row[0])}·{xs[0]}"
            for w, v in zip(row[1:], xs[1:]):
                text += f" − {fmt(-w)}·{v}" if fmt(w)[0] == M else f" + {fmt(w)}·{v}"
            assert note == text + f" = {fmt(s)}"
        assert act["group"] is bias["group"]
        assert bias["group"].table.texts() == [[fmt(s), fmt(c), fmt(q), fmt(o)]
                                               for s, c, q, o in zip(wx, b, z, out)]
        if k < len(layers) - 1:
            assert act["struck"] == list(np.flatnonzero(z < 0))
            n = int((z < 0).sum())
            assert f"{n} of {len(z)} units" in act["detail"] or n == 0
    p = layers[-1][5][0]
    assert steps[-2]["detail"].startswith(f"p(class 1) = σ({fmt(layers[-1][4][0])}) = {fmt(p)}: "
                                          f"class {int(p > 0.5)}")
    sizes = [(W.size, b.size) for W, b in zip(weights, biases)]
    total = sum(w + c for w, c in sizes)
    rows = tables[-1]
    assert [r[1].split("= ")[1] for r in rows[:-1]] == [str(w) for w, _ in sizes]
    assert [r[2] for r in rows[:-1]] == [str(c) for _, c in sizes]
    assert rows[-1] == ["total", str(sum(w for w, _ in sizes)), str(sum(c for _, c in sizes)), str(total)]
    assert f"{total} numbers" in steps[-1]["detail"]


def test_every_number_on_screen_is_recomputed(default_scene, default_run):
    _check_numbers(default_scene, default_run)


def _value(text):
    return float(text.replace(M, "-").strip("()"))


def _shown_sums_add_up(scene):
    """Each sum on screen is the sum of the numbers shown beside it, read back from the screen's text."""
    checked = 0
    for step in scene.steps:
        for note in step.get("notes", []):  # a·b + c·d = s: the shown factors' products, to two decimals
            left, total = note.split(" = ")
            terms = left.replace(" + ", " |+").replace(" − ", " |-").split(" |")
            value = 0.0
            for term in terms:
                sign = -1.0 if term.startswith("-") else 1.0
                w, v = term.lstrip("+-").split("·")
                value += sign * _value(w) * _value(v)
            assert abs(value - _value(total)) <= 0.005 + 1e-9, note
            checked += 1
        if step.get("reveal") == "bias":  # W·x + b = z in every row
            for wx, b, z, _ in step["group"].table.texts():
                assert abs(_value(wx) + _value(b) - _value(z)) < 1e-9, (wx, b, z)
                checked += 1
        if step.get("reveal") == "product":  # the table's W·x column is the written-out row's total
            for row, note in zip(step["group"].table.texts(), step["notes"]):
                assert note.endswith(f"= {row[-1]}")
    return checked


def test_the_verdict_says_how_far_the_point_is_from_the_line(default_scene, default_run):
    """p = 0.03 while the point sits a few pixels from the line (the picture's scale is 5): the
    words give its distance in the last hidden space, |z| / |w| from the written numbers."""
    weights = [W[-1] for W in default_run.weights]
    biases = [b[-1] for b in default_run.biases]
    W, _, _, _, z, _ = by_hand(weights, biases, default_scene.point, written=True)[-1]
    steep = float(np.linalg.norm(W[0]))
    words = f"; {fmt(abs(z[0]) / steep)} from z = 0, |w| = {fmt(steep)}"
    assert default_scene.steps[-2]["detail"].endswith(words)


def test_the_shown_sums_equal_the_sums_of_the_shown_terms(default_scene, point_scene):
    assert _shown_sums_add_up(default_scene) >= 10
    # and the next layer starts from the h written at the end of the last one
    steps = default_scene.steps
    for k in range(1, len(default_scene.work.layers)):
        h_shown = [row[3] for row in steps[2 + 3 * (k - 1)]["group"].table.texts()]
        header = [c.shown for c in steps[1 + 3 * k]["group"].table.header_cells[1] if c.shown]
        assert header == h_shown
    assert _shown_sums_add_up(point_scene) >= 10


def test_every_cell_is_the_text_drawn(default_scene):
    for step in default_scene.steps:
        table = step["group"].table
        for row in [*table.header_cells, *table.cells]:
            for cell in row:
                if cell.shown:  # Pango's Text keeps its string without spaces
                    assert cell.text == cell.shown.replace(" ", "")


def test_each_strike_is_a_level_line_through_the_middle_of_its_number(default_scene):
    strikes = [(r["strike"], step["group"].table.cells[i][2])
               for step in default_scene.steps for i, r in enumerate(step.get("rows", []))
               if r.get("strike") is not None]
    assert strikes
    for line, cell in strikes:
        a, b = line.get_start(), line.get_end()
        assert abs(a[1] - b[1]) < 1e-9  # level, not a slash
        assert abs(a[1] - cell.get_center()[1]) < 0.15 * cell.height
        assert a[0] < cell.get_left()[0] and b[0] > cell.get_right()[0]  # past both ends


class _Sampled:
    """Samples the marked view through every play that moves it: the points' on-screen box."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay, ViewTurn

        view = getattr(self, "view", None)
        moving = [a for a in animations if isinstance(a, (StagePlay, ViewTurn)) and a.view is view]
        if moving:
            kept = (view.stage, view.t, view.elev, view.azim)
            for a in moving:
                a.begin()
            for alpha in np.linspace(0.0, 1.0, 13):
                for a in moving:
                    a.interpolate_mobject(alpha)
                P = view.cloud.points[:, :2]
                side = view.clip_box[2] - view.clip_box[0]
                self.__dict__.setdefault("boxes", []).append(
                    (self.beats[-1].title, float(np.ptp(P, axis=0).min() / side)))
            view.set_view_angles(kept[2], kept[3])
            view.set_stage(kept[0], kept[1])
        super().play(*animations, **kwargs)


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_the_picture_never_collapses_to_a_sliver(default_run, aspect):
    """Layer 2 turns the 3-D space so the directions it reads come first, then flattens it: under
    the leaning view the sheet was seen edge-on, a sliver at the picture's edge (its points' box
    about a sixth of the picture on its short side). The view now turns to the top meanwhile."""
    scene = dry_run(ByHandScene, {"run": default_run, "aspect": aspect}, mixin=_Sampled)
    thin = [share for title, share in scene.boxes if title.startswith("layer 2 · W")]
    assert thin and min(thin) > 0.25


def test_a_given_point_is_followed(point_scene, default_run):
    scene = point_scene
    assert list(scene.point) == [0.5, -0.25] and not scene.chosen
    _check_numbers(scene, default_run)
    assert "(--point)" in scene.steps[0]["detail"]


def test_the_marked_point_ends_each_step_where_the_numbers_put_it(default_scene, default_run):
    view, steps = default_scene.view, default_scene.steps
    weights = [W[-1] for W in default_run.weights]
    biases = [b[-1] for b in default_run.biases]
    layers = by_hand(weights, biases, default_scene.point)
    for k in range(len(layers) - 1):
        (s,) = steps[3 + 3 * k]["stages"]  # the activation stage of hidden layer k
        h = view.marker_trace.full(s, 1.0)[0]
        assert np.allclose(np.sort(h[: len(layers[k][5])]), np.sort(layers[k][5]), atol=1e-9)
    # the output's probability is shaded behind the last hidden space, the point's p where it sits
    assert default_scene.shading is not None
    flow = view.flow
    p = flow.output_probabilities(view.marker_trace.at(len(flow.stages) - 1, 1.0))[0, 1]
    assert p == pytest.approx(layers[-1][5][0], abs=1e-9)
    # the marker is drawn where the view puts it at the end
    end = view.to_scene(view.marker_trace.at(view.stage, view.t))
    assert np.allclose(view.marker.points, end)


@pytest.fixture(scope="module")
def widest_run():
    """The widest network the scene takes: two hidden layers of four units."""
    return train(dataset="moons", hidden=[4, 4], activation="relu", epochs=100, n_samples=100)


@pytest.mark.parametrize(("aspect", "pixels", "widest"), [
    ("9:16", (480, 854), False), ("1:1", (480, 480), False), ("4:3", (640, 480), False),
    ("16:9", (854, 480), True), ("1:1", (480, 480), True),
])
def test_the_regions_do_not_overlap_in_any_frame_shape(aspect, pixels, widest, default_run, widest_run):
    run = widest_run if widest else default_run
    scene = dry_run("by-hand", {"run": run, "aspect": aspect}, pixels=pixels)
    r, frame = scene.regions, scene.layout.frame
    boxes = [r[k] for k in ("picture", "numbers", "caption", "info")]
    for i, a in enumerate(boxes):
        assert frame.contains(a)
        assert not any(a.overlaps(b) for b in boxes[i + 1:]), (aspect, widest)
    # (a third of the short side at least: the regions lie inside the title-safe 90 % of the frame)
    assert r["picture"].width > 0.33 * min(frame.width, frame.height)
    if aspect == "9:16":  # the tables keep clear of the footer
        assert r["numbers"].y0 - r["info"].y1 >= 0.5
    def inside(mob, box, eps=1e-6):
        return (mob.get_left()[0] >= box.x0 - eps and mob.get_right()[0] <= box.x1 + eps
                and mob.get_bottom()[1] >= box.y0 - eps and mob.get_top()[1] <= box.y1 + eps)

    for step in scene.steps:  # every table and written-out row inside its region
        assert all(inside(m, r["numbers"]) for m in [step["group"], *step.get("note_mobs", [])])
    assert inside(scene.info, r["info"])


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("options", "needle"), [
    ({"hidden": [16, 16, 16, 2]}, r"1 to 2 hidden layers of at most 4 units; got 16,16,16,2\. "
                                  r"Change --hidden, e\.g\. --hidden 3,2$"),
    ({"hidden": [5]}, r"at most 4 units; got 5\."),
    ({"dataset": "blobs", "classes": 5}, r"at most 4; blobs has 5\. Choose fewer with --classes$"),
    ({"point": "9,0"}, r"--point 9,0 lies too far from the data"),
    ({"dataset": "sine"}, r"regression"),
])
def test_what_cannot_be_shown_is_refused_in_one_line_before_training(options, needle, monkeypatch):
    import nnanim.core.record

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking")

    monkeypatch.setattr(nnanim.core.record, "train_on", no_training)
    with pytest.raises(NnanimError, match=needle) as info:
        resolve("by-hand", options)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", ["1", "a,b", "1,2,3", "nan,0", [1.0], "inf,1"])
def test_a_bad_point_is_one_line_naming_the_option(value):
    with pytest.raises(NnanimError, match=r"^--point: give two") as info:
        parse_options("render", {"point": value})
    assert "\n" not in str(info.value)


def test_a_point_parses_from_the_shell_and_from_toml():
    assert parse_options("render", {"point": "-0.5, 0.25"})["point"] == [-0.5, 0.25]
    assert parse_options("render", {"point": [1, 2]})["point"] == [1.0, 2.0]


def test_cli_refuses_a_wide_network_with_exit_2(tmp_path):
    res = CliRunner().invoke(cli, ["render", "by-hand", "--hidden", "8,8", "-q", "l",
                                   "-o", str(tmp_path / "b.mp4")])
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "--hidden" in errors[0] and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the rendered video


@pytest.mark.slow
def test_rendered_video_marks_the_point_and_writes_the_numbers(tmp_path, decode_frames, default_run,
                                                             default_scene):
    out = render("by-hand", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "b.mp4",
                                           progress=False),
                 {"run": default_run})
    frames, fps = decode_frames(out)
    assert frames.shape[1:] == (480, 854, 3)
    assert abs(len(frames) - default_scene.clock * fps) <= default_scene.plays
    theme = load_theme("dark")
    unit = 480 / 8.0

    def px(p):
        return int(round(854 / 2 + p[0] * unit)), int(round(240 - p[1] * unit))

    last = frames[-1].astype(float)
    # the marker: its class colour at its centre, the ring (foreground) around it
    cx, cy = px(default_scene.view.marker.points[0])
    colour = np.array(theme.class_rgb(2)[default_scene.point_class]) * 255
    assert np.linalg.norm(last[cy, cx] - colour) < 60
    ring = theme.point_radius * 3.0 * unit * 0.85
    fg = np.array([int(theme.foreground[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    around = [last[int(cy + ring * np.sin(a)), int(cx + ring * np.cos(a))] for a in np.linspace(0, 6.2, 12)]
    assert np.mean([np.linalg.norm(c - fg) < 90 for c in around]) > 0.6
    # the numbers: bright text in the numbers region, none in it before the first table
    box = default_scene.regions["numbers"]
    (x0, y1), (x1, y0) = px((box.x0, box.y0)), px((box.x1, box.y1))
    text = np.linalg.norm(last[y0:y1, x0:x1] - fg, axis=2) < 60
    assert text.sum() > 400
    # the ReLU's strikes: drawn across each struck z during its beat (brighter along the line)
    struck_steps = [s for s in default_scene.steps if s.get("struck")]
    assert struck_steps
    relu_beats = [b for b in default_scene.beats if b.kind == "stage" and "ReLU" in b.title]
    for step, beat in zip(struck_steps, relu_beats, strict=True):
        before = frames[int((beat.start + 0.35) * fps)].astype(float).sum(axis=2)
        after = frames[min(int(beat.end * fps), len(frames) - 1)].astype(float).sum(axis=2)
        for reveal in step["rows"]:
            if reveal["strike"] is None:
                continue
            a, b = reveal["strike"].get_start(), reveal["strike"].get_end()
            samples = [px(a + (b - a) * t) for t in np.linspace(0.1, 0.9, 15)]
            gained = [after[y, x] - before[y, x] for x, y in samples]
            # (a level strike crosses the digits, already bright: most samples gain, few lose a trace)
            assert np.mean([g > -30 for g in gained]) > 0.85, gained
            assert np.mean([g > 60 for g in gained]) > 0.4, gained


def test_the_outputs_logit_and_p_wear_the_colour_of_the_class_they_predict(default_run):
    """p = 0.03 is a vote for class 0: written in class 0's colour, never in class 1's. For each
    side of the boundary a point is picked here (forward pass written in this file) and the output
    table's z and p cells are checked against the class that z's sign predicts."""
    theme = load_theme("dark")
    weights = [W[-1] for W in default_run.weights]
    biases = [b[-1] for b in default_run.biases]
    rng = np.random.default_rng(0)
    candidates = default_run.X[rng.permutation(len(default_run.X))[:60]]
    wanted = {}
    for x in candidates:
        z = by_hand(weights, biases, x)[-1][4][0]
        wanted.setdefault(int(z > 0), (x, z))
    assert set(wanted) == {0, 1}
    for label, (x, _z) in wanted.items():
        scene = dry_run("by-hand", {"run": default_run, "point": f"{float(x[0])!r},{float(x[1])!r}"})
        outputs = [s for s in scene.steps if s["title"].startswith("output") and s["reveal"] == "bias"]
        (step,) = outputs
        cells = step["group"].table.cells[0]
        for c in (2, 3):
            colour = cells[c].get_fill_color().to_hex().upper()
            assert colour == theme.classes[label], (label, c, colour)
        assert cells[0].get_fill_color().to_hex().upper() == theme.foreground.upper()
