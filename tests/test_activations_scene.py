"""The `activations` scene: every number on screen recomputed, the regions exact, the frames judged.

The storyboard runs in the library's plan mode (no frame drawn) for the
statements; the accuracies are recomputed by a forward pass written here,
the region counts by linear programming over every activation pattern (an
independent computation: no clipping).  One render at -q l in 9:16 is
decoded and judged.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from manim import Text, Wait
from nnanim.scenes.activations import ACTIVATIONS, LARGE, LEAD, SCALES, TITLES, ActivationsScene
from scipy.optimize import linprog
from scipy.special import expit
from storyboards import JUDGED_FPS, best_linear_split, class_pixels, dry_run

from nnanim.contract import resolve
from nnanim.core.nn import LEAKY_SLOPE
from nnanim.core.record import train
from nnanim.draw.mobjects import SpaceAxes, StagePlay, ViewTurn
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.theme import hex_rgb, load_theme

PORTRAIT = (480, 854)


class _Plays:
    """Records the animations of every play, each view's picture side as the play starts, and
    each view's scale bar length (``None``: no axes) and the shot after it."""

    def play(self, *animations, **kwargs):
        self.recorded = getattr(self, "recorded", [])
        self.recorded.append(animations)
        self.sides = getattr(self, "sides", [])
        self.sides.append({a: v.view_height for a, v in getattr(self, "views", {}).items()})
        super().play(*animations, **kwargs)
        self.bars = getattr(self, "bars", [])
        self.bars.append(({a: v.axes.length if v.axes is not None else None
                           for a, v in getattr(self, "views", {}).items()}, self.shots[-1]))
        self.grids = getattr(self, "grids", [])
        self.grids.append({a: float(np.max(v.grid.stroke_rgbas[:, 3]))
                           for a, v in getattr(self, "views", {}).items()})


@pytest.fixture(scope="module")
def scene():
    return dry_run("activations", {}, mixin=_Plays)


# --------------------------------------------------------------------------- independent math

SIGMA = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    "tanh": np.tanh,
    "sigmoid": expit,
}


def logits(run, X, act):
    h = X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        h = SIGMA[act](h @ W[-1].T + b[-1])
    return h @ run.weights[-1][-1].T + run.biases[-1][-1]


def count_regions_by_lp(run, box, slope):
    """Patterns whose region has an interior in ``box``: one LP per pattern (max margin t)."""
    Ws = [W[-1] for W in run.weights[:-1]]
    bs = [b[-1] for b in run.biases[:-1]]
    widths = [len(b) for b in bs]
    x0, x1, y0, y1 = box
    found = 0
    for bits in itertools.product([True, False], repeat=sum(widths)):
        A, c = np.eye(2), np.zeros(2)  # h = A x + c under this pattern
        rows, rhs = [], []
        k = 0
        for W, b, n in zip(Ws, bs, widths):
            M, d = W @ A, W @ c + b
            s = np.array(bits[k:k + n])
            k += n
            sign = np.where(s, 1.0, -1.0)
            # sign * (M x + d) >= t  <=>  -sign*M x + t <= sign*d
            rows += [np.append(-sign[j] * M[j], 1.0) for j in range(n)]
            rhs += [sign[j] * d[j] for j in range(n)]
            D = np.where(s, 1.0, slope)
            A, c = D[:, None] * M, D * d
        res = linprog([0, 0, -1], A_ub=np.array(rows), b_ub=np.array(rhs),
                      bounds=[(x0, x1), (y0, y1), (None, 1.0)], method="highs")
        if res.status == 0 and -res.fun > 1e-9:
            found += 1
    return found


# --------------------------------------------------------------------------- the statements


def on_screen(scene):
    """Every text in the scene at its end, without white space (as Manim keeps a Text's text)."""
    return " ".join("".join(m.text.split()) for top in scene.mobjects for m in top.get_family()
                    if isinstance(m, Text))


def test_four_trainings_of_the_same_data_and_seed(scene):
    runs = scene.runs
    assert list(runs) == list(ACTIVATIONS)
    for act, run in runs.items():
        assert run.activations == [act, act]
        assert np.array_equal(run.X, runs["relu"].X)
        direct = train(**{**ActivationsScene.defaults, "activation": act})
        assert all(np.array_equal(a, b) for a, b in zip(run.weights, direct.weights))


def test_accuracies_on_screen_are_recomputed(scene):
    texts = on_screen(scene)
    for act, run in scene.runs.items():
        accuracy = np.mean((logits(run, run.X, act)[:, 0] > 0) == run.y)
        assert scene.statements[act]["accuracy"] == f"{accuracy:.1%} correct"
        assert scene.statements[act]["accuracy"].replace(" ", "") in texts
        assert accuracy > 0.95  # the default training teaches all four


def test_region_counts_on_screen_are_recomputed_by_linear_programming(scene):
    """Review 5: "18 linear regions" under relu and "19 regions" under leaky relu read as two
    counts of one thing.  Each count is recomputed (relu's network and leaky relu's are two
    trainings: two counts), and both are said in one wording: the long form where it fits every
    strip of both panels (row and thumbnail), else the short form under both."""
    texts = on_screen(scene)
    counts = {act: count_regions_by_lp(scene.runs[act], scene.views[act].grid_bounds, slope)
              for act, slope in (("relu", 0.0), ("leaky_relu", LEAKY_SLOPE))}
    fits = all(scene.label(f"{n} linear regions").width
               <= min(b.width for b in scene.label_boxes(ACTIVATIONS.index(act))) - 0.15
               for act, n in counts.items())
    for act, n in counts.items():
        said = f"{n} linear regions" if fits else f"{n} regions"
        assert scene.statements[act]["shape"] == said
        assert "".join(said.split()) in texts
        assert len(scene.fills[act].submobjects) == n  # one filled polygon per region
        assert n > 4
    assert set(scene.fills) == {"relu", "leaky_relu"}  # tanh and sigmoid have no linear regions


def test_drawn_regions_stay_exact_through_every_stage(scene):
    """A point inside a region moves as the same convex combination of its polygon's corners."""
    rng = np.random.default_rng(0)
    for act in scene.fills:
        flow, regions = scene.flows[act], scene.regions[act]
        for r in regions:
            w = rng.dirichlet(np.ones(len(r.polygon)), size=3)
            inside = flow.trace(w @ r.polygon)
            corners = flow.trace(r.polygon)
            for s in range(len(flow.stages)):
                for t in (0.0, 0.37, 1.0):
                    np.testing.assert_allclose(inside.at(s, t), w @ corners.at(s, t), atol=1e-9)


def test_all_four_panels_play_every_stage_in_one_play(scene):
    plays = [[a for a in anims if isinstance(a, StagePlay)] for anims in scene.recorded]
    plays = [p for p in plays if p]
    n_stages = len(scene.flows["relu"].stages) - 1
    assert [p[0].stage_index for p in plays] == list(range(n_stages))
    views = set(map(id, scene.views.values()))
    for p in plays:
        assert {id(a.view) for a in p} == views and len(p) == 4
        assert {a.stage_index for a in p} == {p[0].stage_index}


def test_too_many_regions_are_counted_but_not_drawn_or_said_to_be_too_many(monkeypatch, scene):
    """Past MAX_DRAWN a count is said but no region drawn; past MAX_COUNTED it is "over" the
    limit (the limits set around the default trainings' own counts, whichever is larger)."""
    import nnanim.scenes.activations as module

    relu = scene.statements["relu"]["shape"]
    n = int(relu.split()[0])
    leaky = int(scene.statements["leaky_relu"]["shape"].split()[0])
    monkeypatch.setattr(module, "MAX_COUNTED", n)
    monkeypatch.setattr(module, "MAX_DRAWN", min(n, leaky) - 1)
    few = dry_run("activations", {})
    assert few.statements["relu"]["shape"] == relu  # counted, not drawn
    over = (f"over {n} linear regions", f"over {n} regions")
    assert few.statements["leaky_relu"]["shape"] in (over if leaky > n else (
        scene.statements["leaky_relu"]["shape"],))
    assert few.fills == {}
    monkeypatch.setattr(module, "MAX_COUNTED", n - 1)
    none = dry_run("activations", {})
    assert none.statements["relu"]["shape"] in (f"over {n - 1} linear regions", f"over {n - 1} regions")
    assert none.fills == {}


def test_refusals_are_one_line_before_training():
    with pytest.raises(NnanimError, match="drop --activation"):
        resolve("activations", {"activation": "tanh"})
    with pytest.raises(NnanimError, match="last hidden layer needs 2 or 3"):
        resolve("activations", {"hidden": [3, 5]})


def test_panels_are_a_row_in_16_9(scene):
    wide = [p.picture for p in scene.panels]
    assert len({round(b.y0, 6) for b in wide}) == 1
    assert all(b.x1 <= c.x0 for b, c in zip(wide, wide[1:]))


# --------------------------------------------------------------------------- the rendered video


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    out = tmp_path_factory.mktemp("activations") / "a.mp4"
    options = {"aspect": "9:16"}
    scene = dry_run("activations", options, pixels=PORTRAIT)
    return render("activations", RenderSettings(quality="l", fps=JUDGED_FPS, output=out, progress=False),
                  options), scene


@pytest.mark.slow
def test_rendered_vertical_video_shows_regions_then_separable_panels(portrait, decode_frames):
    out, scene = portrait
    boxes = [p.picture for p in scene.panels]  # 2 x 2: larger panels than a column of four
    assert len({round(b.x0, 6) for b in boxes}) == 2 and len({round(b.y0, 6) for b in boxes}) == 2
    frames, fps = decode_frames(out)
    assert frames.shape[1:] == (854, 480, 3)
    assert abs(len(frames) - scene.clock * fps) <= 40
    theme = load_theme("dark")
    colours = np.array(theme.class_rgb(2)) * 255
    unit = 480 / 8.0

    def panel(frame, k, panels=scene.panels):
        box = panels[k].picture
        cx, cy = 240 + box.centre[0] * unit, 427 - box.centre[1] * unit
        r = box.width / 2 * unit - 3
        return frame[int(cy - r):int(cy + r), int(cx - r):int(cx + r)].astype(float)

    # the first frame: every panel shows the two classes, tangled (no line splits circles)
    for k in range(4):
        a, b = class_pixels(panel(frames[0], k), colours)
        assert len(a) > 100 and len(b) > 100
        assert best_linear_split(a, b) < 0.8
    # the regions beat: region fills (a palette colour over the background) in the relu panels only
    (beat,) = [b for b in scene.beats if b.title == TITLES["regions"]]
    frame = frames[int((beat.end - 0.3) * fps)]
    bg = np.array(hex_rgb(theme.background))
    # (the tinted ones: a neutral grey fill at this opacity is the colour of the grid's blend)
    drawn = {m.get_fill_color().to_hex() for f in scene.fills.values() for m in f.submobjects}
    tinted = [c for c in drawn if np.ptp(hex_rgb(c)) > 0.1]
    assert tinted
    fills = [(0.32 * np.array(hex_rgb(c)) + 0.68 * bg) * 255 for c in tinted]
    for k, act in enumerate(ACTIVATIONS):  # (the fold and the squash large, as the stages play)
        crop = panel(frame, k, scene.focus)
        shaded = sum(len(p) for p in class_pixels(crop, fills, tolerance=12))
        if act in ("relu", "leaky_relu"):
            assert shaded > 0.1 * crop.shape[0] ** 2
        else:
            assert shaded < 0.01 * crop.shape[0] ** 2
    # the last frame: in every panel one straight line splits the classes
    for k in range(4):
        a, b = class_pixels(panel(frames[-1], k), colours)
        assert len(a) > 30 and len(b) > 30
        assert best_linear_split(a, b) > 0.95


def test_regions_are_outlined_in_their_own_palette_and_leave_before_the_class_shading(scene):
    """Region fills use the theme's region palette (never a class colour), neighbouring regions
    (sharing an edge of positive length, found here) differ, and in the output play the fills are
    gone (opacity 0) before the class shading starts to show: sampled along that play."""
    import colorsys

    from region_adjacency import shared_edge_adjacency

    theme = scene.theme
    classes = [colorsys.rgb_to_hsv(*hex_rgb(c))[0] * 360 for c in theme.classes[:2]]
    for act, fills in scene.fills.items():
        colours = [m.get_fill_color().to_hex().upper() for m in fills.submobjects]
        assert not set(colours) & {c.upper() for c in theme.classes}
        # review 3: brown tiles read as "predicted orange" (the orange class's shading is a
        # brown): every tile is grey, or of a hue well away from blue's and orange's
        for c in set(colours):
            h, sat, _ = colorsys.rgb_to_hsv(*hex_rgb(c))
            away = min(abs((h * 360 - k + 180) % 360 - 180) for k in classes)
            assert sat < 0.12 or away >= 40, (act, c, away)
        assert len(set(colours)) >= 2  # neighbours told apart
        adj = shared_edge_adjacency(scene.regions[act])
        for i, others in enumerate(adj):
            assert all(colours[i] != colours[j] for j in others)
    # the output play: the fills' fade ends before the shading's fade begins
    from nnanim.draw.mobjects import OpacityFade
    from nnanim.draw.panels import Dim

    (output,) = [a for a in scene.recorded if any(isinstance(x, Dim) for x in a)
                 and any(isinstance(x, OpacityFade) for x in a)][-1:]
    dims = [a for a in output if isinstance(a, Dim)]
    shades = [a for a in output if isinstance(a, OpacityFade)
              and any(a.mobject is o.shading for o in scene.overlays.values())]
    assert dims and shades
    for alpha in np.linspace(0.0, 1.0, 41):
        gone = all(d.rate_func(alpha) >= 1.0 - 1e-12 for d in dims)
        showing = any(s.rate_func(alpha) > 1e-12 for s in shades)
        assert gone or not showing, alpha


@pytest.fixture(scope="module")
def shapes_plans():
    """The storyboard in every frame shape (plan mode): ``{aspect: scene}``."""
    pixels = {"16:9": (854, 480), "9:16": PORTRAIT, "1:1": (480, 480), "4:3": (640, 480)}
    return {a: dry_run("activations", {"aspect": a}, pixels=p, mixin=_Plays) for a, p in pixels.items()}


def test_the_same_panel_says_the_same_words_in_every_frame_shape(shapes_plans):
    """tanh's and sigmoid's second label line is one wording in 16:9, 9:16, 1:1 and 4:3 (it was
    "squashes into (−1, 1)" where it fitted and "range (−1, 1)" where not), and it fits its strip."""
    for act in ("tanh", "sigmoid"):
        said = {a: s.statements[act]["shape"] for a, s in shapes_plans.items()}
        assert len(set(said.values())) == 1, said
        for a, s in shapes_plans.items():
            k = ACTIVATIONS.index(act)
            assert s.label(said[a]).width <= s.panels[k].label.width


def _stroked(curves, width, fast: bool):
    """``curves`` (pixel cubics ``(N, 4, 2)``) stroked white on black, 854 × 480: by the
    renderer's own stroker, or by Cairo (the reference it stands in for)."""
    import cairo

    from nnanim.draw.mobjects import stroke_path

    if fast:
        canvas = np.zeros((480, 854, 4), np.uint8)
        stroke_path(canvas, curves, width, (1.0, 1.0, 1.0), 1.0, None)
        return canvas[..., :3].max(axis=2) > 128
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, 854, 480)
    ctx = cairo.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.set_line_width(width)
    end = None
    for c in curves:
        if end is None or np.abs(c[0] - end).max() > 1e-4:
            ctx.move_to(*c[0])
        ctx.curve_to(*c[1], *c[2], *c[3])
        end = c[3]
    ctx.stroke()
    surface.flush()
    data = np.ndarray((480, 854, 4), np.uint8, surface.get_data())
    return data[..., :3].max(axis=2) > 128


def test_a_boundary_folded_onto_its_line_is_stroked_as_the_line(scene):
    """From 19.87 s the relu panel showed a white "T", then a wedge, off its output line: ReLU
    folds the network's boundary onto that line (out and back), and the stroker mitred the
    joints of a merged out-and-back piece along its rounding-noise direction.  Stroked here as
    drawn (the last stage, 854 × 480 pixels) and by Cairo: no stroked pixel more than 2 px from
    Cairo's stroke."""
    from scipy.ndimage import binary_dilation

    view = scene.views["relu"]
    view.set_stage(scene.flows["relu"].stages[-1].index, 1.0)
    pts = view.boundary.points
    unit = 480 / 8.0
    curves = np.column_stack([427 + pts[:, 0] * unit, 240 - pts[:, 1] * unit]).reshape(-1, 4, 2)
    for width in (view.boundary.get_stroke_width() * 0.01 * unit,
                  view.boundary.get_stroke_width(background=True) * 0.01 * unit):
        fast, cairo_ = _stroked(curves, width, True), _stroked(curves, width, False)
        assert cairo_.sum() > 50
        stray = fast & ~binary_dilation(cairo_, iterations=2)
        assert stray.sum() == 0, np.argwhere(stray)[:5]
    # the same fold written out: along a line, back a little (rounding noise across it), on
    line = np.array([[100.0, 300.0], [140.0, 220.0], [140.2, 219.6], [140.0, 220.0 + 1e-12],
                     [139.9, 220.2], [140.3, 219.4], [170.0, 160.0]])
    cubics = np.stack([line[:-1], line[:-1] + (line[1:] - line[:-1]) / 3,
                       line[:-1] + 2 * (line[1:] - line[:-1]) / 3, line[1:]], axis=1)
    fast, cairo_ = _stroked(cubics, 3.0, True), _stroked(cubics, 3.0, False)
    assert not (fast & ~binary_dilation(cairo_, iterations=2)).any()


def test_the_fold_and_the_squash_play_large_in_every_frame_shape(shapes_plans):
    """Four panels in a row left them 3.0 units of 16:9's 8 (review 3: "each ~190 px of 854"):
    while the stages play, relu and tanh are as large as the frame allows and leaky relu and
    sigmoid thumbnails beside them, in every frame shape; nothing overlaps, all title-safe."""
    from nnanim.layout import Box

    for aspect, s in shapes_plans.items():
        row, focus = s.row[0].picture.width, s.focus
        assert focus is not None, aspect
        large = [focus[ACTIVATIONS.index(a)].picture.width for a in LARGE]
        thumbs = [p.picture.width for p, a in zip(focus, ACTIVATIONS) if a not in LARGE]
        assert min(large) >= (1.5 if aspect == "16:9" else 1.15) * row, (aspect, large, row)
        assert min(thumbs) >= 0.3 * min(large), (aspect, thumbs)
        w, h = s.camera.frame_width, s.camera.frame_height
        safe = Box(-0.45 * w, -0.45 * h, 0.45 * w, 0.45 * h)
        boxes = [p.picture for p in focus] + [p.label.inset(0.13) for p in focus]
        for i, a in enumerate(boxes):
            assert safe.contains(a, tol=1e-6), (aspect, a)
            assert not any(a.inset(1e-6).overlaps(b) for b in boxes[i + 1:]), (aspect, a)
        # every stage plays with the pair large, and the poster and the last look are the row
        played = [sides for anims, sides in zip(s.recorded, s.sides)
                  if any(isinstance(x, StagePlay) for x in anims)]
        assert played
        for sides in played:
            for act in LARGE:
                assert sides[act] == pytest.approx(min(large)), aspect
        assert s.sides[0] == {} or all(v == pytest.approx(row) for v in s.sides[0].values())
        assert all(s.views[a].view_height == pytest.approx(row) for a in ACTIVATIONS)


def test_the_titles_say_before_or_after_sigma_and_the_scales_are_explained(scene):
    """Side by side, sigmoid's scale bar read 5 where relu's read 1 (its pre-activations are
    larger), with no word: the stage titles before σ say so, the activation's names σ, and a
    line says each panel has its own scale wherever two bars on screen read different lengths."""
    stages = scene.flows["relu"].stages[:-1]
    titles = [b.title for b in scene.beats if b.kind == "stage"]
    groups = ActivationsScene.stage_beats(stages)
    assert len(titles) == len(groups)
    for group, title in zip(groups, titles):
        if group[0].kind in ("linear", "bias"):
            assert title.endswith("before σ"), title
        elif group[0].kind == "activation":
            assert "σ" in title, title
    differ = 0
    for lengths, shot in scene.bars:
        shown = {v for v in lengths.values() if v is not None}
        if len(shown) > 1:
            differ += 1
            assert any("".join(SCALES.split()) in "".join(t.split()) for t, _ in shot.texts), shot.time
    assert differ > 3  # the default story: the bars do differ side by side


def test_each_title_is_in_as_its_picture_starts_to_move(scene):
    """Review 6: "titles name the action late (the picture moves before the words say what
    moves)": the title came in once the motion was two fifths done.  In every play that changes
    the title, the old title is gone and the new one fully in when the picture starts to move,
    at most 0.3 s before it (read from the plan's rate functions and play lengths): the stages,
    the regions arriving and the output lines."""
    from manim import Create

    from nnanim.draw.mobjects import OpacityFade

    alphas = np.linspace(0.0, 1.0, 2001)
    times = [0.0] + [shot.time for _, shot in scene.bars]
    titled = 0
    lines = [o.strokes for o in scene.overlays.values() if o.strokes is not None]
    fills = list(scene.fills.values())
    for start, end, anims in zip(times[:-1], times[1:], scene.recorded):
        moving = [a for a in anims if isinstance(a, (StagePlay, Create))
                  or (isinstance(a, OpacityFade) and any(a.mobject is m for m in lines + fills))]
        texts = [a for a in anims if isinstance(a, OpacityFade) and hasattr(a.mobject, "text")
                 and a.mobject.text in [b.title for b in scene.beats]]
        if not moving or not texts:
            continue
        titled += 1
        run = end - start
        moves = min(float(np.argmax([m.rate_func(float(x)) > 0.005 for x in alphas])) / 2000 * run
                    for m in moving)
        for fade in texts:
            done = float(np.argmax([fade.rate_func(float(x)) >= 1.0 - 1e-9 for x in alphas])) / 2000 * run
            if fade.fade_in:  # the new title: in as the picture starts, at most 0.3 s ahead
                assert done <= moves + 1e-6, (fade.mobject.text, done, moves)
                assert moves - done <= 0.3, (fade.mobject.text, done, moves)
            else:  # the old one: gone before the picture moves
                assert done <= moves + 1e-6, (fade.mobject.text, done, moves)
    n_beats = len([b for b in scene.beats if b.kind == "stage"])
    assert titled == n_beats + 2  # every stage's beat, the regions and the output


def test_every_title_stays_long_enough_to_read(scene):
    """Review 4: 12 titles in 26 s, "lift 2 → 3" 1.2 s, "+ b" 1.0 s each.  Each layer's W·x and
    + b now share one title ("layer 1 · W·x+b, before σ"); every beat lasts at least 1.8 s and
    its title is fully in (from the end of its fade in) for its words at 3 a second; the video
    stays under 40 s.  Play lengths from the plan's clock after each play.
    Review 6: eight steps in about 30 s read as rushed: every beat now lasts at least 2.5 s, each
    stage's picture moves for at least 1.4 s and is then held still at least 0.8 s (its result
    seen before the next one starts), and the video takes 40 to 60 s."""
    times = [0.0] + [shot.time for _, shot in scene.bars]
    plays = list(zip(times[:-1], times[1:], scene.recorded))
    stages = [b for b in scene.beats if b.kind == "stage"]
    assert any("W·x+b" in b.title for b in stages)
    assert not any(b.title.split(" · ")[-1].startswith("+ b") for b in stages)
    for beat in scene.beats:
        if not beat.title:
            continue
        assert beat.end - beat.start >= 2.5 - 1e-6, beat
        if beat.kind != "stage":
            continue
        inside = [(a, b, anims) for a, b, anims in plays if beat.start - 1e-9 <= a < beat.end - 1e-9]
        first = inside[0]
        staged = [(a, b) for a, b, anims in inside if any(isinstance(x, StagePlay) for x in anims)]
        assert staged, beat.title
        for a, b in staged:
            led = LEAD if a == first[0] else 0.0  # (the beat's first play: the title's lead)
            assert b - a - led >= 1.4 - 1e-6, (beat.title, b - a)
        # the still hold after the beat's last motion (a stage or a turn): the waits that follow it
        moved = max(k for k, (_, _, anims) in enumerate(inside)
                    if any(isinstance(x, (StagePlay, ViewTurn)) for x in anims))
        held = 0.0
        for a, b, anims in inside[moved + 1:]:
            if not all(isinstance(x, Wait) for x in anims):
                break
            held += b - a
        assert held >= 0.8 - 1e-6, (beat.title, held)
        texts = [x for x in first[2] if getattr(getattr(x, "mobject", None), "text", None) == beat.title]
        assert texts, beat.title  # the title comes in with the beat's first play
        words = len([w for w in beat.title.split() if any(c.isalnum() for c in w)])
        full_in = first[0] + LEAD  # the title swap leads the play
        assert beat.end - full_in >= words / 3.0 - 1e-6, (beat.title, beat.end - full_in)
    assert 40.0 <= scene.clock <= 60.0


class _AxesChecked:
    """Samples each large view's axes as soon as the scene has chosen where they show: at 21
    moments of every stage, from the top and tilted, the boxes of the names, the scale bar and
    its label wherever they are shown, with what lies under them."""

    def axes_where_free(self, view):
        from scipy.spatial import Delaunay

        from nnanim.draw.scene import axes_marks

        super().axes_where_free(view)
        # the names visible as the scene goes on (the names of the picture on screen only)
        self.named = getattr(self, "named", {})
        visible = [body for (role, body), mob in view.axes._texts.items() if role == "name"
                   and any(p.get_fill_opacity() > 0.01 for p in mob.family_members_with_points())]
        self.named[next(a for a, v in self.views.items() if v is view)] = (
            sorted(visible), sorted(SpaceAxes.names_at(view, view.stage, view.t)[0]))
        self.sampled = getattr(self, "sampled", {})
        known = getattr(self, "fills", {})
        fills = next((known[a] for a, v in self.views.items() if v is view and a in known), None)
        saved = (view.stage, view.t, view.elev, view.azim)
        instant, view.axes.instant = view.axes.instant, True  # placed as the scene samples them
        found = []
        stages = view.flow.stages
        for s in range(len(stages)):
            for elev, azim in ((0.0, 0.0), self.tilt_of(view)):
                if (stages[s].dim == 3) != (elev != 0.0) and stages[s].kind not in ("lift", "squash"):
                    continue  # a view not seen that way in this stage
                view.elev, view.azim = elev, azim
                for t in np.linspace(0.0, 1.0, 21):
                    view.set_stage(s, float(t))
                    if view.axes_shown(s, float(t)) <= 0.01:
                        continue
                    for marks in axes_marks([view], self.theme):
                        sheets = [np.asarray(p.points, float)[:, :2] for p in
                                  (fills.submobjects if fills is not None else [])]
                        sheets = [Delaunay(V) for V in sheets
                                  if len(V) >= 3 and np.linalg.matrix_rank(V[1:] - V[0], tol=1e-6) == 2]
                        grid = np.asarray(view.grid.points, float)[:, :2]
                        found.append((s, t, marks, sheets if elev == 0.0 else [],
                                      grid if elev == 0.0 else grid[:0], view.axes.bar_label))
        view.elev, view.azim = saved[2:]
        view.set_stage(*saved[:2])
        view.axes.instant = instant
        self.sampled[next(a for a, v in self.views.items() if v is view)] = found


@pytest.fixture(scope="module")
def checked_axes():
    return dry_run("activations", {}, mixin=_AxesChecked)


def test_axes_never_lie_on_points_lines_or_sheets_and_scale_labels_match(checked_axes):
    """Review 4: at 16.27 s relu's "h2/h1" on blue points and the sheet, at 11.6 s "h3 h2 h1" on
    orange points and the "1" on the sheet's corner, at 19.53 s tanh's names on its grid; relu's
    "0.5" 1.6× the size of tanh's.  Sampled at 21 moments of every stage (not only its end),
    wherever the axes show, no name or scale mark lies on a point's disc, a boundary, or (after
    the input, seen from the top) a grid line or a region's sheet; every scale label is drawn at one
    size.  Review 6: tilted, the sheet fills the picture, and a rule against lying on it left the
    3-D spaces unnamed: there the names lie on the sheet, on their halo (never on a point)."""
    heights = []
    for act in LARGE:
        samples = checked_axes.sampled[act]
        assert samples, act
        shown_after_input = 0
        for s, t, marks, sheets, grid, label in samples:
            for what, box in marks.boxes:
                P = marks.points
                near = np.clip(P, [box.x0, box.y0], [box.x1, box.y1])
                assert not np.any(np.hypot(*(P - near).T) < marks.radius), (act, s, t, what)
                L = marks.lines
                assert not np.any((L[:, 0] > box.x0) & (L[:, 0] < box.x1)
                                  & (L[:, 1] > box.y0) & (L[:, 1] < box.y1)), (act, s, t, what)
                if s == 0:
                    continue  # the input plane: its grid is the panel's paper
                shown_after_input += 1
                assert not np.any((grid[:, 0] > box.x0) & (grid[:, 0] < box.x1)
                                  & (grid[:, 1] > box.y0) & (grid[:, 1] < box.y1)), (act, s, t, what)
                xs, ys = np.meshgrid(np.linspace(box.x0, box.x1, 5), np.linspace(box.y0, box.y1, 5))
                Q = np.column_stack([xs.ravel(), ys.ravel()])
                for hull in sheets:
                    inside = (hull.find_simplex(Q) >= 0).reshape(5, 5)[1:-1, 1:-1]
                    assert not inside.any(), (act, s, t, what)  # (its inner points)
            if label is not None and label.width > 0:
                heights.append(label.height)
    assert heights and max(heights) <= 1.05 * min(heights), (min(heights), max(heights))


def test_only_the_space_on_screen_is_named(checked_axes):
    """Review 6, 3.5-4.3 s: u₂ u₃ (names of later spaces) over the input panel: choosing where
    the axes show moved the view through every stage, and the names of the spaces it passed
    were left fading out, then faded in with the axes as the regions came.  Once chosen, the
    names visible are those of the picture on screen (the input's x₁ x₂), no others."""
    for act in LARGE:
        visible, own = checked_axes.named[act]
        assert visible == ["x₁", "x₂"] and set(visible) <= set(own), (act, visible, own)


#: 3-D stages still unnamed (open, issue 16): in 4:3 the points reach every corner pair the 3-D
#: stages share at some moment of the lift (and of relu's σ) (strict: the test says so once fixed)
STILL_UNNAMED = {("4:3", "relu"): ["lift 2 → 3", "layer 1 · relu"], ("4:3", "tanh"): ["lift 2 → 3"]}


def test_every_3d_space_names_its_axes_in_every_frame_shape(shapes_plans):
    """Review 6: after 14.8 s the 3-D hidden space had no axis names (h₁ h₂ h₃): its names were
    hidden in every 3-D stage, kept bottom left, on the sheet or the points.  In every frame
    shape whose large panels have axes (a square frame's are too small for any: README), each
    names the 3-D hidden space h₁ h₂ h₃ in every stage it is shown (the lift into it, W·x + b
    and σ; the axes' own check, sampled at the stage's moments, keeps them off every point and
    boundary: test_axes_never_lie_on_points_lines_or_sheets_and_scale_labels_match)."""
    for aspect, s in shapes_plans.items():
        for act in LARGE:
            view = s.views[act]
            if not hasattr(view, "free_stages"):
                continue  # no axes in this frame shape
            stages = view.flow.stages
            solid = [k for k, st in enumerate(stages) if st.dim == 3 and st.layer == 0]
            assert solid, aspect
            hidden = [stages[k].caption for k in solid if not view.free_stages[k]]
            assert hidden == STILL_UNNAMED.get((aspect, act), []), (aspect, act, hidden)


def test_the_relu_grid_folded_onto_the_axes_is_not_left_as_stray_spikes(scene):
    """Review 4, 11.6 s: two grey line "spikes" out of the folded ReLU sheet, unlabelled.  They
    are the input grid's lines where only one unit of layer 1 is on, folded by ReLU onto that
    unit's axis, reaching well past the data (recomputed here by a forward pass of the grid).
    From the first σ on the piecewise-linear panels' grid is not drawn (the regions carry the
    plane); before it, it is."""
    from nnanim.core.curves import input_grid

    run, view = scene.runs["relu"], scene.views["relu"]
    W, b = run.weights[0][-1], run.biases[0][-1]
    H = np.maximum(np.concatenate(input_grid(view.grid_bounds, n_lines=17, samples=60)) @ W.T + b, 0)
    Hx = np.maximum(run.X @ W.T + b, 0)
    on_axis = (H > 1e-12).sum(axis=1) == 1
    assert on_axis.mean() > 0.2  # the rays: a large part of the grid on one axis
    assert H[on_axis].max() > 1.3 * Hx.max()  # far past the points
    stages = scene.flows["relu"].stages
    first = next(s.index for s in stages if s.kind == "activation")
    seen = []
    for anims, opacity in zip(scene.recorded, scene.grids):
        plays = [a.stage_index for a in anims if isinstance(a, StagePlay)]
        if plays:
            seen.append((plays[0], opacity))
    assert seen
    for index, opacity in seen:
        for act in ("relu", "leaky_relu"):
            if index >= first:
                assert opacity[act] < 0.02, (act, index, opacity[act])
            elif index < first - 1:
                assert opacity[act] > 0.05, (act, index, opacity[act])
        for act in ("tanh", "sigmoid"):
            assert opacity[act] > 0.05, (act, index)


def test_the_poster_shows_the_input_at_one_scale_in_all_four_panels(scene):
    """Review 4: on the poster the sigmoid panel showed the same input data noticeably smaller
    than the other three ("each panel at its own scale" misleads on an input-space picture).  At
    the input (stage 0, t = 0), in the row the poster and the last look use, the same points
    span the same screen size and sit at the same place in their panels; later the scales may
    differ, and the line that says so says after the input."""
    spans, offsets = [], []
    for k, act in enumerate(ACTIVATIONS):
        view = scene.views[act]
        stage, t = view.stage, view.t
        view.set_stage(0, 0.0)
        P = np.asarray(view.cloud.points, float)[:, :2]
        spans.append(np.ptp(P, axis=0))
        offsets.append(P.mean(axis=0) - np.asarray(scene.row[k].picture.centre)[:2])
        view.set_stage(stage, t)
    spans, offsets = np.array(spans), np.array(offsets)
    np.testing.assert_allclose(spans, np.broadcast_to(spans[0], spans.shape), rtol=1e-6)
    np.testing.assert_allclose(offsets, np.broadcast_to(offsets[0], offsets.shape), atol=1e-6)
    assert "after the input" in SCALES


def test_a_title_swap_never_leaves_the_title_dim_long(scene):
    """Stretching a stage's play to give its title reading time stretched its title swap too
    (the new title comes in only once the picture is under way: half the play): "layer 1 · σ"
    was dim or missing for 2 s.  The reading time is a hold after the plays; every swap (the
    lead of its beat's first play, before the picture moves) is over within 1.1 s."""
    from nnanim.draw.mobjects import OpacityFade

    alphas = np.linspace(0.0, 1.0, 2001)
    times = [0.0] + [shot.time for _, shot in scene.bars]
    for beat in scene.beats:
        if beat.kind != "stage":
            continue
        k, start, end = next((k, a, b) for k, (a, b) in enumerate(zip(times[:-1], times[1:]))
                             if a >= beat.start - 1e-9)
        fades = [x for x in scene.recorded[k] if isinstance(x, OpacityFade) and x.fade_in
                 and getattr(x.mobject, "text", None) == beat.title]
        assert fades, beat.title
        for fade in fades:
            done = np.argmax([fade.rate_func(float(x)) >= 1.0 - 1e-9 for x in alphas]) / 2000
            assert done * (end - start) <= 1.1 + 1e-9, (beat.title, done * (end - start))


class _RegridSampled:
    """After each play that moves panels (a Regrid), replays it at 81 moments (every animation
    of the play interpolated in order, as a frame is drawn) and records each panel's frame box,
    its frame's and its view's opacity, and its view's clip box; then sets the play's end
    again."""

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import OpacityFade, scale_opacities
        from nnanim.draw.panels import Regrid

        super().play(*animations, **kwargs)
        if not any(isinstance(a, Regrid) for a in animations):
            return
        self.regrid_samples = getattr(self, "regrid_samples", [])
        samples = []
        for alpha in np.linspace(0.0, 1.0, 81):
            for a in animations:
                a.interpolate(float(alpha))
            now = []
            for k, act in enumerate(ACTIVATIONS):
                frame, view = self.frames[k], self.views[act]
                box = (frame.get_left()[0], frame.get_bottom()[1], frame.get_right()[0],
                       frame.get_top()[1])
                lit = max(float(np.max(m.stroke_rgbas[:, 3], initial=0.0)) for m in view.get_family()
                          if hasattr(m, "stroke_rgbas") and len(m.points))
                now.append((box, float(frame.stroke_rgbas[:, 3].max()), lit, view.clip_box))
            labels = [((m.get_left()[0], m.get_bottom()[1], m.get_right()[0], m.get_top()[1]),
                       max(float(np.max(g.fill_rgbas[:, 3], initial=0.0)) for g in m.get_family()))
                      for m in {id(a.mobject): a.mobject for a in animations
                                if isinstance(a, OpacityFade) and hasattr(a.mobject, "text")}.values()]
            samples.append((float(alpha), now, labels))
        for a in animations:
            a.interpolate(1.0)
            if isinstance(a, OpacityFade) and not a.fade_in:
                scale_opacities(a._saved, 1.0)
        self.regrid_samples.append(samples)


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_panels_never_lie_over_each_other_while_they_regrid(aspect):
    """Review 1 (1.6-2.5 s, 23.9-24.7 s): leaky relu's panel slid over tanh's as the row became
    the large pair and thumbnails (and back).  At every one of 81 moments of both re-layouts,
    the frames of the panels that show (frame or view lit) are disjoint, and each view is clipped
    inside its frame; the panel that cannot move without crossing another fades out where it
    was and in where it goes (never lit while it jumps); no label that shows lies on a panel."""
    pixels = {"16:9": (854, 480), "9:16": PORTRAIT, "1:1": (480, 480), "4:3": (640, 480)}[aspect]
    s = dry_run("activations", {"aspect": aspect}, pixels=pixels, mixin=_RegridSampled)
    assert len(s.regrid_samples) == 2
    faded = 0
    for samples in s.regrid_samples:
        def apart(p, q):
            return (p[2] <= q[0] + 1e-6 or q[2] <= p[0] + 1e-6
                    or p[3] <= q[1] + 1e-6 or q[3] <= p[1] + 1e-6)

        for alpha, now, labels in samples:
            shown = [(box, clip) for box, frame_lit, view_lit, clip in now
                     if frame_lit > 0.01 or view_lit > 0.01]
            for label, lit in labels:
                if lit > 0.01:
                    assert all(apart(label, p) for p, _ in shown), (aspect, alpha, label)
            faded += len(shown) < len(now)
            for i, (p, clip) in enumerate(shown):
                assert p[0] - 1e-6 <= clip[0] and clip[2] <= p[2] + 1e-6, (aspect, alpha)
                assert p[1] - 1e-6 <= clip[1] and clip[3] <= p[3] + 1e-6, (aspect, alpha)
                for q, _ in shown[i + 1:]:
                    assert apart(p, q), (aspect, alpha, p, q)
        # the move ends where the layout says
        (_, end, _) = samples[-1]
        assert all(lit > 0.3 for _, lit, _, _ in end)
    if aspect == "16:9":  # (the row: leaky relu cannot get past tanh, it fades)
        assert faded


def test_every_3d_view_sees_its_sheet_face_on_enough(scene):
    """Review 2 (8-10.3 s): relu's and leaky relu's panels were seen edge-on, slivers (one view
    for all four panels; relu's plane showed a tenth of its area).  Each panel's 3-D view is
    its own: the plane W·x + b of the input square (normal from the first layer's weights,
    recomputed here) shows at least half its area, and the points, as drawn in every tilted
    stage, spread on screen at least a third as much as they do in 3-D."""
    from nnanim.core.camera import plane_face

    stages = scene.flows["relu"].stages
    tilted = [s.index for s in stages if s.dim == 3 and s.kind != "lift"]
    assert tilted
    for act, run in scene.runs.items():
        W = run.weights[0][-1]
        assert W.shape == (3, 2)
        elev, azim = scene.tilts[act]
        assert np.degrees(elev) >= 40  # a tilt: a 3-D view, not the top one
        assert plane_face(np.cross(W[:, 0], W[:, 1]), elev, azim) >= 0.5, act
        view = scene.views[act]
        for s in tilted:
            for t in (0.0, 0.5, 1.0):
                P = view.points_trace.at(s, t)[:, :3]
                P = P - P.mean(axis=0)
                ca, sa, ce, se = np.cos(azim), np.sin(azim), np.cos(elev), np.sin(elev)
                screen = np.column_stack([P[:, 0] * ca - P[:, 1] * sa,
                                          (P[:, 0] * sa + P[:, 1] * ca) * ce + P[:, 2] * se])
                own = np.linalg.svd(P, compute_uv=False)[1]
                if own > 1e-6:
                    assert np.linalg.svd(screen, compute_uv=False)[-1] >= own / 3, (act, s, t)


def test_the_output_lines_come_in_whole(scene):
    """Review 4 (24.8-25.4 s): each output line grew in from a lone dot (its round cap), in
    pieces.  The lines are faded in whole: no Create in the output play, a fade of each line,
    and each line one continuous path (no piece starts away from where the last one ended)."""
    from manim import Create

    from nnanim.draw.mobjects import OpacityFade

    lines = [o.strokes for o in scene.overlays.values() if o.strokes is not None]
    assert len(lines) == 4
    (output,) = [a for a in scene.recorded if any(isinstance(x, OpacityFade) and x.mobject is lines[0]
                                                  for x in a)]
    assert not any(isinstance(x, Create) for x in output)
    for line in lines:
        assert any(isinstance(x, OpacityFade) and x.mobject is line and x.fade_in for x in output)
        for part in line.get_family():
            if len(part.points):
                C = part.points.reshape(-1, 4, 3)
                gaps = np.linalg.norm(C[1:, 0] - C[:-1, 3], axis=1)
                assert np.all(gaps < 1e-6)  # one path
                assert np.linalg.norm(C[-1, 3] - C[0, 0]) > 0.3  # a line, not a dot
