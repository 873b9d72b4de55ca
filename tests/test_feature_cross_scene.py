"""The `feature-cross` scene: its numbers recomputed here, its panels judged from decoded frames."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from nnanim.scenes.feature_cross import CROSS, LEARNED, TILT, FeatureCrossScene
from storyboards import JUDGED_FPS, best_linear_split, class_pixels, dry_run, tanh_sigmoid_forward

from nnanim.cli import cli
from nnanim.core.nn import LINEAR_L2
from nnanim.core.record import train
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.theme import load_theme

#: the crosses of the default tour, written out here
BY_HAND = {"x**2 + y**2": lambda X: X[:, 0] ** 2 + X[:, 1] ** 2, "x*y": lambda X: X[:, 0] * X[:, 1]}


@pytest.fixture(scope="module")
def tour():
    return dry_run("feature-cross", {})


def _texts(mobjects):
    return {p.text for m in mobjects for p in m.get_family() if hasattr(p, "text")}


def _logistic_on(Z, y):
    """Check the scene's plane is the logistic regression on Z: its loss is stationary there."""

    def loss(t):
        z = Z @ t[:-1] + t[-1]
        return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * LINEAR_L2 * t @ t

    return loss


def test_tour_is_circles_xor_spirals_with_their_crosses(tour):
    assert [(s["name"], s["crosses"]) for s in tour.shown] == [
        ("circles", ("x**2 + y**2",)), ("xor", ("x*y",)), ("spirals", ("x**2 + y**2", "x*y"))]
    titles = [b.title for b in tour.beats if b.kind in ("intro", "caption") and ":" in b.title
              and not b.title.startswith(("by hand", "learned", "next"))]
    assert titles == ["circles: a hand-made feature or a learned layer",
                      "xor: a hand-made feature or a learned layer",
                      "spirals: the obvious features fail"]


def test_every_plane_is_the_logistic_regression_on_the_lifted_points(tour):
    for shown in tour.shown:
        run = shown["run"]
        X, y = run.X, run.y
        accuracies = []
        for expr, flow in zip(shown["crosses"], shown["cross_flows"]):
            Z = np.column_stack([X, BY_HAND[expr](X)])
            net = flow.network
            theta = np.concatenate([net.weights[0][0], net.biases[0]])
            loss = _logistic_on(Z, y)
            eps = 1e-6
            grad = [(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(4)]
            assert np.max(np.abs(grad)) < 1e-6, shown["name"]
            accuracies.append(np.mean(((Z @ theta[:3] + theta[3]) > 0) == y))
        first = ("a flat plane in (x, y, z)", f"{accuracies[0]:.1%} correct")
        assert shown["statements"]["cross"][:2] == first
        if shown["name"] == "spirals":
            assert shown["statements"]["cross"][2] == f"with z = x·y: {accuracies[1]:.1%}"
            assert max(accuracies) < 0.8  # the obvious crosses fail on the spirals
        else:
            assert accuracies[0] > 0.99  # circles by x² + y², xor by x·y: one flat plane


class _Panels:
    """Notes, at the start and end of every play and wait, which panels hold a picture."""

    def _note(self):
        present = set(self.mobjects)
        shown = getattr(self, "shown", [])
        filled = [any(s.get(k) in present for s in shown) for k in ("cross_view", "learned_view")]
        self.panel_log.append((self.clock, filled))

    def play(self, *animations, **kwargs):
        if not hasattr(self, "panel_log"):
            self.panel_log = []
        self._note()
        super().play(*animations, **kwargs)
        self._note()

    def wait(self, *args, **kwargs):
        if not hasattr(self, "panel_log"):
            self.panel_log = []
        self._note()
        super().wait(*args, **kwargs)
        self._note()


def test_no_panel_is_empty_for_more_than_3_seconds():
    scene = dry_run("feature-cross", {}, mixin=_Panels)
    assert scene.clock > 20
    for side in (CROSS, LEARNED):
        longest, since = 0.0, None
        for t, filled in scene.panel_log:
            if not filled[side]:
                since = t if since is None else since
                longest = max(longest, t - since)
            else:
                since = None
        assert longest <= 3.0, (side, longest)


def test_learned_layer_is_the_same_network_trained_on_that_dataset(tour):
    for shown in tour.shown:
        run = shown["run"]
        direct = train(**{**FeatureCrossScene.defaults, "dataset": shown["name"]})
        assert np.array_equal(run.X, direct.X)
        for a, b in zip(run.weights, direct.weights):
            assert np.array_equal(a, b)
        p = tanh_sigmoid_forward(direct, direct.X)
        accuracy = np.mean((p > 0.5) == direct.y)
        # the layer's width says why it ends as a line: 2 units, one straight line in them
        assert run.widths[-2] == 2
        assert shown["statements"]["learned"] == ("2 units: one straight line splits them",
                                                  f"{accuracy:.1%} correct")
        assert accuracy > 0.97


def test_lifted_points_and_curve_lie_where_the_math_says(tour):
    for shown in tour.shown:
        view, X = shown["cross_view"], shown["run"].X
        assert view.elev == pytest.approx(TILT)
        Z = np.column_stack([X, BY_HAND[shown["crosses"][0]](X)])
        assert np.allclose(view.points_trace.at(view.stage, view.t), Z, atol=1e-9)
        w, c = shown["cross_flow"].output_boundary()
        curve = view.boundary_trace.at(view.stage, view.t)  # the preimage, lifted with the plane
        assert np.max(np.abs(curve @ w + c)) < 1e-9
        assert np.max(np.abs(curve[:, 2] - BY_HAND[shown["crosses"][0]](curve))) < 1e-9


def test_labels_on_screen_are_the_statements(tour):
    texts = _texts(tour.mobjects)
    last = tour.shown[-1]  # what is on screen at the end
    for key in ("cross", "learned"):
        statements = last["statements"][key]  # one line each, or joined by " · " where they fit
        assert last["titles"][key].replace(" ", "") in texts
        for line in statements:
            assert any(line.replace(" ", "") in t for t in texts), line


def test_panel_labels_are_spaced_and_clear_of_the_frame_edge(tour):
    """The four-line label of the spirals (title, plane, accuracy, the other cross) read as one
    tight block ending a few pixels over the title-safe edge: its lines stand apart (at least
    0.1 units, 6 px of 480) and its last line ends at least 0.2 units over the safe area."""
    safe = tour.layout.safe
    for shown in tour.shown:
        for label in shown["labels"]:
            lines = sorted(label.submobjects, key=lambda m: -m.get_top()[1])
            for upper, lower in zip(lines, lines[1:]):
                assert upper.get_bottom()[1] - lower.get_top()[1] >= 0.1 - 1e-9
            assert label.get_bottom()[1] >= safe.y0 + 0.2 - 1e-9
    # the spirals' title and three statements: the statements joined by " · " into two lines
    # where the strip (half the frame) holds them
    assert max(len(label.submobjects) for s in tour.shown for label in s["labels"]) == 3


class _Said:
    """After every play: the texts on screen, and whether the chapter's learned line is drawn."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.scene import _visible

        super().play(*animations, **kwargs)
        family = set(self.get_mobject_family_members())
        current = [s for s in getattr(self, "shown", []) if "overlay" in s]
        drawn = bool(current) and all(m in family and _visible(m) for m in current[-1]["overlay"])
        texts = {" ".join(t.split()) for t, _ in self.shots[-1].texts}
        self.said = getattr(self, "said", []) + [(self.clock, texts, drawn, len(current))]


def test_the_learned_panel_states_its_line_only_once_it_is_drawn():
    """"one straight line there, 99.8 % correct" came with the learned panel's name, as its first
    layer began to play, several seconds before the line was drawn: it is on screen only with
    that line (and the name from the first stage on)."""
    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Said)
    (shown,) = scene.shown
    line, accuracy = shown["statements"]["learned"]
    said = [(t, drawn) for t, texts, drawn, _ in scene.said if any(line in x for x in texts)]
    # (its accuracy may equal the hand-made plane's, on screen since: the line's words are its own)
    assert accuracy == f"{shown['learned_accuracy']:.1%} correct"
    assert said and all(drawn for _, drawn in said), [t for t, d in said if not d]
    # the panel is named while its layers play
    name = shown["titles"]["learned"]
    named = [t for t, texts, drawn, n in scene.said if n and not drawn and name in texts]
    assert len(named) >= 3


class _Plays:
    """After every play: the texts on screen and the views whose stages it plays."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay

        super().play(*animations, **kwargs)
        moving = [a.view for a in animations if isinstance(a, StagePlay)]
        texts = {" ".join(t.split()) for t, _ in self.shots[-1].texts}
        self.plays_seen = getattr(self, "plays_seen", []) + [(self.clock, texts, moving)]


def test_the_lift_is_named_with_the_play_that_lifts():
    """"lift the plane by z = x² + y²" came 1.6 s before the plane rose (a swap of its own, then
    the 1.2 s tilt under it): the title comes in the play in which the lift plays, and the
    chapter's title stays on over the tilt."""
    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Plays)
    (shown,) = scene.shown
    words = FeatureCrossScene.lift_title(shown["crosses"][0])
    first = next(k for k, (_, texts, _) in enumerate(scene.plays_seen) if words in texts)
    assert shown["cross_view"] in scene.plays_seen[first][2]  # the lift itself
    (beat,) = [b for b in scene.beats if b.title == words]
    assert beat.start == pytest.approx(scene.plays_seen[first - 1][0])  # its beat starts there
    assert FeatureCrossScene.chapter_title(shown) in scene.plays_seen[first - 1][1]


def test_own_cross_on_own_data():
    scene = dry_run("feature-cross", {"dataset": "moons", "cross": "x - y**3", "epochs": 200,
                                      "n_samples": 200})
    (shown,) = scene.shown
    assert shown["name"] == "moons" and shown["crosses"] == ("x - y**3",)
    assert shown["titles"]["cross"] == "by hand: z = x − y³"  # a true minus
    X, y = shown["run"].X, shown["run"].y
    Z = np.column_stack([X, X[:, 0] - X[:, 1] ** 3])
    net = shown["cross_flow"].network
    accuracy = np.mean(((Z @ net.weights[0][0] + net.biases[0][0]) > 0) == y)
    assert shown["statements"]["cross"][1] == f"{accuracy:.1%} correct"
    # a named dataset without --cross gets its obvious cross
    (xor,) = dry_run("feature-cross", {"dataset": "xor", "epochs": 50, "n_samples": 100}).shown
    assert xor["crosses"] == ("x*y",)


def test_bad_crosses_are_refused_in_one_line():
    with pytest.raises(NnanimError, match=r"--cross: 'x\.y': attribute access.*allowed: numbers"):
        dry_run("feature-cross", {"cross": "x.y"})
    with pytest.raises(NnanimError, match=r"--cross 'log\(x\)': log\(x\) is undefined"):
        dry_run("feature-cross", {"cross": "log(x)", "epochs": 1})
    with pytest.raises(NnanimError, match="feature-cross shows two classes; blobs has several"):
        dry_run("feature-cross", {"dataset": "blobs", "classes": 3})
    res = CliRunner().invoke(cli, ["render", "feature-cross", "--cross", "x > y"])
    assert res.exit_code == 2 and "is a rule" in res.output and "Traceback" not in res.output


# --------------------------------------------------------------------------- the rendered video


def _panel(frame, box, pixels):
    w, h = pixels
    unit = min(w, h) / 8.0
    x0, x1 = int(w / 2 + box.x0 * unit) + 3, int(w / 2 + box.x1 * unit) - 3
    y0, y1 = int(h / 2 - box.y1 * unit) + 3, int(h / 2 - box.y0 * unit) - 3
    return frame[y0:y1, x0:x1]


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_rendered_lift_separates_the_circles(aspect, tmp_path, decode_frames):
    from nnanim.layout import pixel_size

    options = {"aspect": aspect, "dataset": "circles", "epochs": 600}
    pixels = pixel_size(aspect, 480)
    plan = dry_run("feature-cross", options, pixels=pixels)
    out = render("feature-cross", RenderSettings(quality="l", fps=JUDGED_FPS, output=tmp_path / "f.mp4",
                                                 progress=False), options)
    frames, fps = decode_frames(out)
    colours = np.array(load_theme("dark").class_rgb(2)) * 255
    boxes = [p.picture for p in plan.panels]
    # first frame: the flat input plane, the rings tangled for any straight line
    a, b = class_pixels(_panel(frames[0], boxes[CROSS], pixels), colours)
    assert len(a) > 100 and len(b) > 100
    flat = best_linear_split(a, b)
    assert flat < 0.8
    # after the lift (tilted, raised by x² + y²): the inner ring sits below the outer one
    (lifted,) = [x for x in plan.beats if x.title.startswith("by hand")]
    frame = frames[int(lifted.start * fps)]
    a, b = class_pixels(_panel(frame, boxes[CROSS], pixels), colours)
    # (seen from above at an angle the rings still overlap a little on screen: about 88 %)
    assert best_linear_split(a, b) > max(0.85, flat + 0.2)
    # the last frame: the learned 2-unit layer, split by one straight line
    a, b = class_pixels(_panel(frames[-1], boxes[LEARNED], pixels), colours)
    assert len(a) > 30 and len(b) > 30
    assert best_linear_split(a, b) > 0.97


def test_the_learned_layers_play_under_their_own_title_and_steps():
    """"lift the plane by z = ..." stayed on top while the right panel played the learned layers
    (7.4-18.1 s), and their steps had no words: while the learned panel's stages play, the top
    title names them (not the lift), and under the panel's name each step's map is named, in the
    order the network's stages play (the flow's stages written out here from the widths)."""
    from nnanim.scenes.feature_cross import LEARNING

    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Plays)
    (shown,) = scene.shown
    learned, lift = shown["learned_view"], FeatureCrossScene.lift_title(shown["crosses"][0])
    widths = shown["run"].widths
    steps = [f"lift 2 → {widths[1]}"] if widths[1] > 2 else []
    for layer in range(1, len(widths) - 1):
        if widths[layer] < widths[layer - 1]:  # narrowing: turned, then the spare units squashed
            steps += [f"layer {layer} · rotate", f"squash {widths[layer - 1]} → {widths[layer]}"]
        steps += [f"layer {layer} · W·x", f"layer {layer} · + b", f"layer {layer} · tanh"]
    assert [" ".join(s.split()) for s in shown["steps"]] == steps
    playing = [texts for _, texts, moving in scene.plays_seen if learned in moving]
    assert len(playing) == len(steps)
    for texts, step in zip(playing, steps):
        assert LEARNING in texts and lift not in texts, texts
        assert step in texts and not (set(steps) - {step}) & texts, (step, texts)


def test_the_learned_panel_names_the_layer_it_shows():
    """"learned: 2-unit layer" stayed on the right panel while it played the 16-unit layers: while
    each stage plays, its name on screen names that stage's layer and width (written out here from
    the widths: the lift into layer 1 is layer 1's), the input's before, and no other name."""
    from nnanim.scenes.feature_cross import INPUT_NAME

    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Plays)
    (shown,) = scene.shown
    learned, widths = shown["learned_view"], shown["run"].widths
    names = {INPUT_NAME} | {f"learned: layer {k} · {widths[k]} units" for k in range(1, len(widths) - 1)}
    playing = [texts for _, texts, moving in scene.plays_seen if learned in moving]
    stages = learned.flow.stages[:-1]
    assert len(playing) == len(stages)
    for texts, stage in zip(playing, stages):
        layer = stage.layer + 1
        expected = f"learned: layer {layer} · {widths[layer]} units"
        on = names & texts
        # (a name swaps in within the stage's play: the one before may still be leaving)
        assert expected in on and len(on) <= 2, (stage.caption, on)
    before = [texts for _, texts, moving in scene.plays_seen if shown["cross_view"] in moving
              and learned not in moving]  # the lift: the learned panel shows the input
    assert before and all(INPUT_NAME in texts for texts in before[1:])
    assert shown["titles"]["learned"] == f"learned: layer {len(widths) - 2} · {widths[-2]} units"


class _Still:
    """After every play and wait: the cross view's angles and stage (is the left panel moving)."""

    def _note(self, seconds, learning):
        shown = [s for s in getattr(self, "shown", []) if "cross_view" in s]
        if shown:
            v = shown[-1]["cross_view"]
            pose = (v.stage, v.t, v.elev, v.azim)
            self.poses = getattr(self, "poses", []) + [(seconds, learning, pose)]

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import StagePlay

        super().play(*animations, **kwargs)
        shown = getattr(self, "shown", [])
        learning = any(isinstance(a, StagePlay) and any(a.view is s.get("learned_view") for s in shown)
                       for a in animations)
        self._note(kwargs.get("run_time", 1.0), learning)

    def wait(self, duration=1.0, *args, **kwargs):
        super().wait(duration, *args, **kwargs)
        self._note(duration, False)


def test_the_left_panel_is_never_still_long_while_the_learned_panel_plays():
    """The lifted plane stood still for the ~12 s the learned panel played its layers: it turns
    while they play, and stands still at most 3 s at a time (the look at both, at the end)."""
    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Still)
    still, longest, last = 0.0, 0.0, None
    for seconds, learning, pose in scene.poses:  # still while the learned panel plays
        still = still + seconds if (learning and pose == last) else 0.0
        longest, last = max(longest, still), pose
    assert longest <= 3.0 + 1e-6, longest
    assert sum(learning for _, learning, _ in scene.poses) > 5
    turned = {pose[3] for _, learning, pose in scene.poses if learning}
    assert len(turned) == sum(learning for _, learning, _ in scene.poses)  # a new angle each play


def test_the_top_title_is_never_blank_for_long():
    """At the change of dataset the top line was blank for 0.6 s (swapped with the panels over
    1.4 s): each title swap leaves the top line under half its light for at most 0.2 s, three
    frames at 15 fps (a 0.4 s swap, out then in; a shorter one jumps at 5 fps)."""
    from title_light import TitleLight, longest_dim_run

    scene = dry_run("feature-cross", {"epochs": 200, "n_samples": 200}, mixin=TitleLight)
    assert len(scene.shown) == 3 and len(scene.light) > 100
    assert longest_dim_run(scene.light) <= 3


def test_no_label_flickers():
    """At 24.9 s the learned panel's axis names x₁ x₂ went out, h₁ h₂ flashed and left, and
    x₁ x₂ came back within 0.4 s (the panel visited its last stage to draw its line, and the
    render played the rename there and back): over the plan, played frame by frame as a render
    plays it (the axes' renames and glides included), no text's opacity goes up, down and up
    again within 0.5 s."""
    from label_light import LabelLight, flickers

    scene = dry_run("feature-cross", {}, mixin=LabelLight)
    assert len(scene.lights) > 0.9 * scene.clock * LabelLight.FPS
    # the axis names are among the texts followed (the flicker's)
    assert any("x₁" in levels for _, levels in scene.lights)
    assert flickers(scene.lights) == []


class _Named:
    """After every play: which panels hold a picture, and the texts on screen with their boxes."""

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        present = set(self.mobjects)
        shown = getattr(self, "shown", [])
        filled = [any(s.get(k) in present for s in shown) for k in ("cross_view", "learned_view")]
        self.named = getattr(self, "named", []) + [(self.clock, filled, self.shots[-1].texts)]


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_every_panel_says_what_it_shows_while_it_is_on_screen(aspect):
    """In the intros the left panel had no caption (its label came with the flat plane, after
    the lift): after every play, every panel that holds a picture has a text in its label strip
    (a name in bold: the hand-made panel its feature, the learned one the layer it shows)."""
    from nnanim.layout import pixel_size

    scene = dry_run("feature-cross", {"aspect": aspect}, mixin=_Named, pixels=pixel_size(aspect, 480))
    strips = [scene.panels[side].label for side in (CROSS, LEARNED)]
    assert len(scene.named) > 20
    for t, filled, texts in scene.named:
        for side in (CROSS, LEARNED):
            if not filled[side]:
                continue
            box = strips[side]
            inside = [s for s, b in texts if b.x0 >= box.x0 - 1e-6 and b.x1 <= box.x1 + 1e-6
                      and b.y0 >= box.y0 - 1e-6 and b.y1 <= box.y1 + 1e-6]
            assert inside, (t, side)
    # the first frame already names the hand-made panel by its feature
    first = {s for s, _ in scene.named[0][2]}
    assert scene.shown[0]["titles"]["cross"].replace(" ", "") in {s.replace(" ", "") for s in first}


def test_a_wide_layer_is_said_to_be_a_projection_with_the_share_it_keeps():
    """The 16-unit layers were drawn in 2-D without a word that the picture is a projection of
    16 dimensions: while each stage of a wider space plays, the line under its step says so,
    with the share of the points' spread the picture keeps at the stage's end, recomputed here
    from the points as drawn (their variance in the picture over their variance in the network's
    coordinates); a stage of a 2-unit space says nothing of the kind."""
    from scenes.feature_cross import projection_forms

    scene = dry_run("feature-cross", {"dataset": "circles", "epochs": 200, "n_samples": 200},
                    mixin=_Plays)
    (shown,) = scene.shown
    learned = shown["learned_view"]
    trace, stages = learned.points_trace, learned.flow.stages[:-1]
    playing = [texts for _, texts, moving in scene.plays_seen if learned in moving]
    assert len(playing) == len(stages) == len(shown["said_projections"])
    wide = 0
    for texts, stage in zip(playing, stages):
        full = trace.full(stage.index, 1.0)
        drawn = trace.at(stage.index, 1.0)[:, :stage.dim]
        said = [t for t in texts if "projection" in t]
        if full.shape[1] <= stage.dim:
            assert not said, (stage.caption, said)
            continue
        wide += 1
        share = drawn.var(axis=0).sum() / full.var(axis=0).sum()
        kept = "≥ 99.9%" if share >= 0.9995 else f"{100 * share:.1f}%"
        # (the long form, or a shorter one of the same statement where the strip is narrow)
        assert len(said) == 1 and said[0] in projection_forms(
            f"a {stage.dim}-D projection of {full.shape[1]} dims: {kept} of the spread"), \
            (stage.caption, said, share)
        assert kept in said[0] and f"{full.shape[1]} dims" in said[0]
    assert wide >= 6  # the lift, layers 1 and 2 (16 units), layer 3's turn and squash
    assert any("≥" not in p for p in shown["said_projections"] if p)  # not all "whole"


def test_each_hand_off_says_what_changes_and_why(tour):
    """The change from one dataset to the next came with its chapter's title alone (abrupt,
    unexplained): before each new dataset's chapter a beat of its own, over its data, names it
    and says why a new feature is needed: the last chapter's feature, a flat plane over it,
    fails there (its accuracy recomputed here by a logistic regression of our own)."""
    from scipy.optimize import minimize

    beats = [b for b in tour.beats if b.title.startswith("next")]
    assert len(beats) == len(tour.shown) - 1 == 2
    for before, shown, beat in zip(tour.shown, tour.shown[1:], beats):
        X, y = shown["run"].X, shown["run"].y
        expr = before["crosses"][0]
        Z = np.column_stack([X, BY_HAND[expr](X)])
        theta = minimize(_logistic_on(Z, y), np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
        accuracy = np.mean(((Z @ theta[:3] + theta[3]) > 0) == y)
        assert accuracy < 0.8  # the feature of the chapter before fails on the new data
        pretty = {"x**2 + y**2": "x² + y²", "x*y": "x·y"}[expr]
        assert beat.title == f"next: {shown['name']}, where z = {pretty} fails ({accuracy:.1%} correct)"
        assert beat.end - beat.start >= 3.0  # (the panels' change, then a hold to read it)
        # the chapter's own title follows it
        after = tour.beats[tour.beats.index(beat) + 1]
        assert after.title == FeatureCrossScene.chapter_title(shown)
