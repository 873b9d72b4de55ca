"""The `neurons` scene: unit maps, edges, the region count, the readouts, and a rendered video."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from nnanim.scenes.neurons import NeuronsScene
from storyboards import ReplayLog, caption_beats, dry_run

from nnanim.contract import resolve
from nnanim.core.record import train
from nnanim.core.timeline import EpochTimeline
from nnanim.errors import NnanimError
from nnanim.media.render import RenderSettings, render
from nnanim.theme import hex_rgb, load_theme


@pytest.fixture(scope="module")
def run():
    return train(dataset="moons", n_samples=200, hidden=[5, 4], activation="relu", epochs=150)


def _relu_hidden(run, X, record=-1):
    """Every hidden layer's post-activation of a ReLU network, written out here."""
    out, h = [], X
    for W, b in zip(run.weights[:-1], run.biases[:-1]):
        z = h @ W[record].T + b[record]
        h = np.maximum(z, 0.0)
        out.append((z, h))
    return out


def _accuracy(run, record=-1):
    h = _relu_hidden(run, run.X, record)[-1][1]
    logit = h @ run.weights[-1][record].T + run.biases[-1][record]
    return float(np.mean((logit[:, 0] > 0) == run.y))


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("hidden", "limit"), [([9, 2], "8 units"), ([3, 3, 3, 3, 3], "4 hidden layers")])
def test_too_large_a_network_is_refused_with_the_limit(hidden, limit):
    with pytest.raises(NnanimError, match=limit) as err:
        resolve("neurons", {"hidden": hidden, "epochs": 1})
    assert "--hidden" in str(err.value) and "\n" not in str(err.value)
    resolve("neurons", {"hidden": [6, 4], "epochs": 1})  # the example given is accepted


# ----------------------------------------------------------------------------- the geometry


@pytest.mark.parametrize("vertical", [False, True])
def test_units_fit_their_box_and_never_overlap(vertical):
    from nnanim.draw.diagram import node_grid

    box = (-3.0, -2.5, 4.0, 3.5)
    grid = node_grid([2, 8, 8, 8, 8], box, vertical=vertical)
    r = grid.size / 2
    squares = [(c[0] - r, c[1] - r, c[0] + r, c[1] + r) for layer in grid.centres for c in layer]
    (ox, oy), side = grid.output
    squares.append((ox - side / 2, oy - side / 2, ox + side / 2, oy + side / 2))
    for a0, b0, a1, b1 in squares:
        assert box[0] - 1e-9 <= a0 and a1 <= box[2] + 1e-9 and box[1] - 1e-9 <= b0 and b1 <= box[3] + 1e-9
    for p, q in itertools.combinations(squares, 2):
        assert p[2] <= q[0] + 1e-9 or q[2] <= p[0] + 1e-9 or p[3] <= q[1] + 1e-9 or q[3] <= p[1] + 1e-9
    assert grid.size > 0.2 and side > 4 * grid.size


def test_unit_maps_show_each_units_activation(run):
    """Where the unit is off (ReLU at 0) its map is the background; where it is near the layer's
    strongest activation, it is near the positive weight colour (a sign, not a class): checked
    pixel by pixel against a
    forward pass written here (one scale per layer, so a weak unit looks weak)."""
    from nnanim.draw.diagram import NetworkDiagram

    theme = load_theme("dark")
    tl = EpochTimeline(run)
    diagram = NetworkDiagram(tl, theme, (-3.0, -3.0, 5.0, 3.0))
    diagram.set_moment(tl.moment(1.0))
    bg, pos = np.array(hex_rgb(theme.background)) * 255, np.array(hex_rgb(theme.weights[1])) * 255
    for layer, (_, h) in enumerate(_relu_hidden(run, diagram.samples)):
        top = h.max()
        for j, image in enumerate(diagram.units[layer]):
            rgb = image.rgba[..., :3].reshape(-1, 3).astype(float)
            v = h[:, j]
            off, strong = v == 0, v >= 0.9 * top
            if off.any():
                assert np.abs(rgb[off] - bg).max() <= 1
            if strong.any():
                assert np.linalg.norm(rgb[strong] - pos, axis=1).max() < 40


def test_edges_are_as_wide_as_the_weights(run):
    from nnanim.draw.diagram import NetworkDiagram

    theme = load_theme("dark")
    tl = EpochTimeline(run)
    diagram = NetworkDiagram(tl, theme, (-3.0, -3.0, 5.0, 3.0), max_edge_width=5.0)
    diagram.set_moment(tl.moment(1.0))
    for l, edges in enumerate(diagram.edges):
        W = run.weights[l][-1]
        widths = np.array([e.get_stroke_width() for e in edges])
        expected = np.maximum(5.0 * np.abs(W.ravel()) / np.abs(W).max(), 0.3)
        np.testing.assert_allclose(widths, expected, rtol=1e-6)
        colours = [e.get_stroke_color().to_hex().upper() for e in edges]
        assert colours == [theme.weights[1] if w >= 0 else theme.weights[0] for w in W.ravel()]
        assert not set(colours) & set(theme.classes)  # a weight never wears a class colour


def test_the_region_map_gives_neighbouring_regions_different_colours(run):
    """The region map's pixels: one colour per exact region (sampled inside each polygon), never the
    colour of a region sharing an edge with it (adjacency built here from the polygons' edges), and
    only muted region-palette colours (no class colour) plus the background outlines."""
    from region_adjacency import shared_edge_adjacency

    from nnanim.core.regions import linear_regions
    from nnanim.draw.diagram import RegionMap

    theme = load_theme("dark")
    tl = EpochTimeline(run)
    rmap = RegionMap(tl, theme, ((0.0, 0.0, 0.0), 3.0), resolution=200)
    for u in (0.4, 1.0):
        m = tl.moment(u)
        rmap.set_moment(m)
        regions = linear_regions(tl.network(m), rmap.box)
        adj = shared_edge_adjacency(regions)
        img = rmap.image.rgba[..., :3].astype(int)
        x0, x1, y0, y1 = rmap.box
        n = rmap.resolution
        px = np.linspace(x0, x1, n)
        py = np.linspace(y1, y0, n)
        gx, gy = np.meshgrid(px, py)
        margin = 2.0 * (x1 - x0) / (n - 1)  # two pixels clear of every edge
        seen = {}
        for i, r in enumerate(regions):
            p, q = r.polygon, np.roll(r.polygon, -1, axis=0)
            e = q - p
            ln = np.hypot(e[:, 0], e[:, 1])
            # distance inside each edge (counter-clockwise: inside is on the left)
            d = (e[:, 0] * (gy[..., None] - p[:, 1]) - e[:, 1] * (gx[..., None] - p[:, 0])) / ln
            deep = np.all(d > margin, axis=-1)
            if deep.any():
                colours = {tuple(v) for v in img[deep]}
                assert len(colours) == 1, (u, i, colours)  # one colour inside a region
                seen[i] = colours.pop()
        assert len(seen) > 10
        for i in seen:
            for j in adj[i]:
                if j in seen:
                    assert seen[i] != seen[j], (u, i, j)
        bg = np.array(hex_rgb(theme.background))
        muted = {tuple(int(v) for v in np.clip((bg + RegionMap.STRENGTH * (np.array(hex_rgb(c)) - bg)) * 255
                                               + 0.5, 0, 255)) for c in theme.regions}
        assert set(seen.values()) <= muted
        assert {tuple(int(v) for v in p) for p in img.reshape(-1, 3)} <= muted | {
            tuple(int(v * 255 + 0.5) for v in bg)}


def test_pattern_keys_pack_every_units_sign(run):
    from nnanim.core.regions import pattern_keys

    rng = np.random.default_rng(0)
    P = rng.uniform(-2, 2, size=(500, 2))
    bits = np.concatenate([z > 0 for z, _ in _relu_hidden(run, P)], axis=1)
    expected = (bits * (1 << np.arange(bits.shape[1]))).sum(axis=1)
    np.testing.assert_array_equal(pattern_keys(run.network(), P), expected)


def _arrangement_regions(W, b, box):
    """Regions cut from ``box`` by lines ``W x + b = 0`` in general position, counted with
    Euler's formula for line arrangements: 1 + (lines crossing the box) + (crossings inside)."""
    x0, x1, y0, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    inside = [j for j in range(len(b)) if np.ptp(np.sign(corners @ W[j] + b[j])) > 0]
    crossings = 0
    for i, j in itertools.combinations(inside, 2):
        p = np.linalg.solve(np.array([W[i], W[j]]), -np.array([b[i], b[j]]))
        crossings += bool(x0 < p[0] < x1 and y0 < p[1] < y1)
    return 1 + len(inside) + crossings


def test_region_count_of_one_layer_is_the_line_arrangements():
    one = train(dataset="moons", n_samples=200, hidden=[7], activation="relu", epochs=80)
    box = (-2.0, 2.5, -1.5, 2.0)
    for r in (0, len(one) // 2, len(one) - 1):
        expected = _arrangement_regions(one.weights[0][r], one.biases[0][r], box)
        assert NeuronsScene.region_count(one, r, box) == expected


def test_region_count_holds_every_pattern_met_on_a_fine_grid(run):
    box = (-2.0, 2.5, -1.5, 2.0)
    gx, gy = np.meshgrid(np.linspace(box[0], box[1], 700), np.linspace(box[2], box[3], 700))
    P = np.column_stack([gx.ravel(), gy.ravel()])
    bits = np.concatenate([z > 0 for z, _ in _relu_hidden(run, P)], axis=1)
    met = len({row.tobytes() for row in np.packbits(bits, axis=1)})
    n = NeuronsScene.region_count(run, len(run) - 1, box)
    assert met <= n <= met + max(3, n // 10)  # slivers thinner than the grid may be missed


# ----------------------------------------------------------------------------- the storyboard


class _Readouts:
    """Record the readouts at a few points of the replay (plan mode jumps to its end)."""

    def setup(self):
        super().setup()
        self.readouts = []

    def play(self, *animations, **kwargs):
        from nnanim.draw.replay import ReplayTraining

        for anim in (a for a in animations if isinstance(a, ReplayTraining)):
            anim.begin()
            for alpha in (0.0, 0.5, 1.0):
                anim.interpolate(alpha)
                a = anim.rate_func(alpha)
                self.readouts.append((anim.timeline.moment((1 - a) * anim.u0 + a * anim.u1),
                                      self._texts()))
        super().play(*animations, **kwargs)

    def _texts(self):
        from nnanim.draw.charts import DigitReadout

        return [m.text.strip() for m in self.get_mobject_family_members() if isinstance(m, DigitReadout)]


def test_readouts_and_captions_state_recomputed_numbers(run):
    scene = dry_run("neurons", {"run": run, "duration": 8}, mixin=_Readouts)
    tl = EpochTimeline(run)
    assert len(scene.readouts) == 6  # the rewind from the poster (the trained network), the replay
    # the poster is the final record: its counter is the footer's epoch, its numbers the outro's
    assert scene.readouts[0][0].nearest == len(run.epochs) - 1 and scene.readouts[0][0].u == 1.0
    assert scene.readouts[0][1][:2] == [str(int(run.epochs[-1])), f"{100 * _accuracy(run):.1f}%"]
    # the rewind is declared on screen, from the poster's epoch
    assert caption_beats(scene)[0] == ("rewind", f"epoch {int(run.epochs[-1])} → 0: replay from the start")
    assert [m.u for m, _ in scene.readouts[2:]] == pytest.approx([0.0, 0.0, 0.5, 1.0])
    for m, texts in scene.readouts:
        epoch, _ = tl.stated(m)
        r = run.record_index(epoch)
        count = NeuronsScene.region_count(run, r, scene.region_box)
        assert texts == [str(epoch), f"{100 * _accuracy(run, r):.1f}%", str(count)]
    last = caption_beats(scene)[-1]
    final = NeuronsScene.region_count(run, len(run) - 1, scene.region_box)
    assert last == (f"epoch {int(run.epochs[-1])}", f"{final} linear regions; the output is affine on each")
    assert scene.clock == pytest.approx(8.0)


def test_smooth_activations_state_the_accuracy_and_draw_no_regions():
    tanh = train(dataset="moons", n_samples=150, hidden=[4], activation="tanh", epochs=60)
    scene = dry_run("neurons", {"run": tanh, "duration": 6}, mixin=_Readouts)
    from nnanim.draw.diagram import RegionLines, RegionMap

    assert not any(isinstance(m, (RegionMap, RegionLines)) for m in scene.get_mobject_family_members())
    h = np.tanh(tanh.X @ tanh.weights[0][-1].T + tanh.biases[0][-1])
    acc = np.mean(((h @ tanh.weights[1][-1].T + tanh.biases[1][-1])[:, 0] > 0) == tanh.y)
    assert caption_beats(scene)[-1][1] == f"{100 * acc:.1f}% correct"
    assert len(scene.readouts[-1][1]) == 2  # epoch and accuracy, no region count


# (pixels at 480p; the old defaults gave 45, 28, –, 24, then 52, 36, 46, 30 with 6 units, still
# "not larger than before", review 6; the title-safe 90 % of the frame costs ~5 %.  The output map
# keeps its share of the length (4:3 and 1:1 have none to spare: it holds the data, which must
# span 0.22 of the short side), so there four units are as large as six were)
@pytest.mark.parametrize(("aspect", "least"), [("16:9", 60), ("9:16", 56), ("4:3", 46), ("1:1", 31)])
def test_default_unit_maps_are_readable_in_every_frame_shape(aspect, least):
    """Every unit's map at least ``least`` pixels at 480p (it was 45 in 16:9, 28 in 9:16, 24 in 1:1,
    then 52 and 36 in 16:9 and 9:16): fewer, larger maps."""
    from nnanim.layout import pixel_size

    pixels = pixel_size(aspect, 480)
    scene = dry_run("neurons", {"aspect": aspect}, pixels=pixels)
    per_unit = min(pixels) / 8.0  # the short side is 8 scene units
    sides = [image.width for layer in scene.diagram.units for image in layer]
    assert len(sides) == 4 and min(sides) * per_unit >= least


def test_region_borders_are_lines_over_the_decision_map(run):
    """Border pixels exactly where the ReLU pattern (computed here) changes; the rest transparent."""
    scene = dry_run("neurons", {"run": run, "duration": 6})
    lines = scene.region_lines
    out = scene.diagram.output
    assert lines.box == out.box and np.allclose(lines.image.get_center(), out.border.get_center())
    m = lines.timeline.moment(1.0)
    edge = lines.edges(m)
    n = lines.resolution
    x0, x1, y0, y1 = lines.box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    P = np.column_stack([gx.ravel(), gy.ravel()])
    net = lines.timeline.network(m)
    h, bits = P, []
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        z = h @ W.T + b
        bits.append(z > 0)
        h = np.maximum(z, 0.0)
    B = np.concatenate(bits, axis=1).reshape(n, n, -1)
    mine = np.zeros((n, n), dtype=bool)
    mine[:, 1:] |= np.any(B[:, 1:] != B[:, :-1], axis=2)
    mine[1:, :] |= np.any(B[1:, :] != B[:-1, :], axis=2)
    assert np.array_equal(edge, mine)
    assert 0.005 < edge.mean() < 0.2  # thin lines, not filled regions


@pytest.mark.slow
def test_rendered_neurons_video(tmp_path, decode_frames, run):
    out = render("neurons", RenderSettings(quality="l", fps=6, output=tmp_path / "n.mp4", progress=False),
                 {"run": run, "duration": 6})
    frames, fps = decode_frames(out)
    assert frames.shape[1:] == (480, 854, 3) and abs(len(frames) - 6 * fps) <= 3
    theme = load_theme("dark")
    last = frames[-1].astype(float)
    # the data of both classes is drawn in the output map (right of the frame's middle); the unit
    # maps and edges there wear the weight colours, never a class colour, so these are the points
    for colour in theme.class_rgb(2) * 255:
        assert np.sum(np.linalg.norm(last[:, 427:] - colour, axis=2) < 40) > 20
    for colour in np.array([hex_rgb(c) for c in theme.weights]) * 255:  # the diagram's signs
        assert np.sum(np.linalg.norm(last[:, :] - colour, axis=2) < 40) > 50
    # training changed the picture: the poster is the final epoch, so look for the untrained one
    # (after the rewind) among the frames
    assert max(np.abs(f.astype(float) - last).mean() for f in frames) > 2


# ----------------------------------------------------------------------------- review 1 (neurons 1, 3, 4)


@pytest.mark.parametrize("pixels", [(854, 480), (480, 854)])
def test_dead_units_say_so_while_they_are_on_screen(pixels):
    """A ReLU unit zero on every training point (computed here) wears the word 'dead' on its map,
    exactly those units and at every moment; the note 'dead: never active on the data' is shown
    whenever one does (the 6-unit run, the default until review 6, has two: black maps no word
    explained; the default's 4 units stay alive)."""
    scene = dry_run("neurons", {"hidden": [6]}, pixels=pixels)
    d, note = scene.diagram, scene.note
    run, tl = d.timeline.run, d.timeline
    assert note.original_text.replace("\n", " ") == "dead: never active on the data"
    seen = 0
    for u in (0.0, 0.3, 0.6, 1.0):
        m = tl.moment(u)
        d.set_moment(m)
        r = m.nearest if m.epoch == run.epochs[m.nearest] else None
        net = tl.network(m)
        h = np.maximum(run.X @ net.weights[0].T + net.biases[0], 0.0)
        dead = np.all(h <= 0.0, axis=0)
        shown = np.array([mark.get_fill_opacity() > 0.5 for mark in d.dead_marks[0]])
        assert np.array_equal(shown, dead), (u, r)
        seen += int(dead.sum())
        for mark, c in zip(d.dead_marks[0], d.grid.centres[1]):  # on its own map
            assert np.allclose(mark.get_center()[:2], c) and mark.width < d.grid.size
    assert seen >= 2  # the 6-unit run shows dead units (what the review saw)
    scene.diagram.set_moment(tl.moment(1.0))
    assert d.dead[0].any()


def test_dead_note_follows_the_replay(run):
    """Plan mode, replay sampled: the note's opacity is 1 exactly when a unit is marked dead."""
    scene = dry_run("neurons", {"hidden": [6]}, mixin=_NoteLog)
    assert scene.notes and all(shown == any(d.any() for d in dead) for shown, dead in scene.notes)
    assert any(shown for shown, _ in scene.notes)


class _NoteLog(_Readouts):
    def _texts(self):
        self.notes = getattr(self, "notes", [])
        self.notes.append((self.note.get_fill_opacity() > 0.5, [d.copy() for d in self.diagram.dead]))
        return super()._texts()


def test_a_vertical_frame_gives_the_diagram_its_height():
    """9:16: no empty aside band (2 units that three short lines left half empty): the output map
    at least 240 px at 480x854 (it was 210), the readouts right under the picture, the diagram
    from under the caption to them."""
    scene = dry_run("neurons", {}, pixels=(480, 854))
    px = 480 / 8.0
    (_, oy), side = scene.diagram.grid.output
    assert side * px >= 240
    below = oy - side / 2 - max(scene.readout_rows.get_top()[1], scene.note.get_top()[1])
    assert 0.0 < below < 0.6
    for mob in scene.axis_names:  # the axis names inside the frame
        assert abs(mob.get_left()[0]) < 4.0 and abs(mob.get_right()[0]) < 4.0
    assert abs(scene.note.get_right()[0]) <= 3.6 + 1e-6


@pytest.mark.parametrize("pixels", [(854, 480), (480, 854), (640, 480), (480, 480)])
def test_the_input_maps_name_the_orientation_every_map_shares(pixels):
    """x1 grows to the right and x2 upwards in every map; named once, at the two input maps,
    each name touching its own map (within a tenth of a unit) and clear of every other map."""
    scene = dry_run("neurons", {}, pixels=pixels)
    d = scene.diagram
    names = scene.axis_names
    assert [m.original_text for m in names] == ["x₁ →", "x₂ ↑"]
    r = d.grid.size / 2
    squares = [(c, r) for layer in d.grid.centres for c in layer]
    for k, mob in enumerate(names):
        c = d.grid.centres[0][k]
        gap = max(abs(mob.get_center()[0] - c[0]) - mob.width / 2 - r,
                  abs(mob.get_center()[1] - c[1]) - mob.height / 2 - r)
        assert 0.0 <= gap <= 0.2
        for q, rq in squares:
            assert (abs(mob.get_center()[0] - q[0]) >= mob.width / 2 + rq - 1e-6
                    or abs(mob.get_center()[1] - q[1]) >= mob.height / 2 + rq - 1e-6)
    # the input maps do grow that way: x1's map is greener (larger) on the right, x2's at the top
    first, second = (img.rgba.astype(float) for img in d.inputs)
    pos = np.array(hex_rgb(load_theme("dark").weights[1])) * 255

    def near(a):
        return -np.linalg.norm(a[..., :3] - pos, axis=-1).mean()
    assert near(first[:, -3:]) > near(first[:, :3]) and near(second[:3]) > near(second[-3:])


# ----------------------------------------------------------------------------- review 3 (neurons)


def test_the_rewind_runs_back_at_an_even_pace():
    """Review 3: the rewind jumped back (epochs 264 → 7 in 0.2 s of a 1 s rewind, log-paced: most
    of the picture's change came in its last few frames).  Sampled at 60 fps, the unit maps as
    drawn (each unit's ReLU over the input window, over the layer's largest value: a pass written
    here, on weights blended between the records around each frame's epoch) change in no quarter
    second by more than a third of their whole change, and the rewind lasts at least 1.5 s."""
    scene = dry_run("neurons", {}, mixin=ReplayLog)
    rewind = scene.replays[0]
    assert rewind.u0 == 1.0 and rewind.u1 == 0.0 and rewind.run_time >= 1.5
    run = scene.job.run
    epochs = np.asarray(run.epochs, dtype=float)
    lo, hi = run.X.min(axis=0), run.X.max(axis=0)  # the maps' window: the data's square
    c, half = (lo + hi) / 2, 0.55 * np.max(hi - lo)
    g = np.linspace(-half, half, 24)
    X = np.array([[c[0] + a, c[1] + b] for a in g for b in g])
    fps = 60
    n = int(round(rewind.run_time * fps))
    H = []
    for alpha in np.linspace(0.0, 1.0, n + 1):
        a = rewind.rate_func(alpha)
        e = rewind.timeline.moment((1 - a) * rewind.u0 + a * rewind.u1).epoch
        j = min(int(np.searchsorted(epochs, e, side="right")), len(epochs) - 1)
        i = max(j - 1, 0)
        f = 0.0 if epochs[j] == epochs[i] else (e - epochs[i]) / (epochs[j] - epochs[i])
        W = (1 - f) * run.weights[0][i] + f * run.weights[0][j]
        b = (1 - f) * run.biases[0][i] + f * run.biases[0][j]
        h = np.maximum(X @ W.T + b, 0.0)
        H.append(h / max(h.max(), 1e-12))
    H = np.array(H)
    final = np.maximum(X @ run.weights[0][-1].T + run.biases[0][-1], 0.0)
    assert H[0] == pytest.approx(final / final.max())
    step = np.abs(np.diff(H, axis=0)).mean(axis=(1, 2))
    total = step.sum()
    window = int(0.25 * fps)
    most = max(step[k: k + window].sum() for k in range(len(step) - window + 1))
    assert most <= total / 3, most / total


@pytest.mark.parametrize("pixels", [(854, 480), (480, 854), (640, 480), (480, 480)])
def test_the_output_unit_is_a_node_of_the_diagram(pixels):
    """Review 3: the output node was missing (the edges ran into the side of the large map).  The
    output unit is a node where the last layer's edges all end, on the edge of its map facing
    them, and the map is named 'output' next to it (within 0.25 units), clear of every unit."""
    scene = dry_run("neurons", {}, pixels=pixels)
    d = scene.diagram
    (ox, oy), side = d.grid.output
    node = d.output_node
    cx, cy, _ = node.get_center()
    # review 4: on the map's border the node covered it: now beside the map, facing the edges,
    # clear of its border by a little (at most 0.15 units)
    r = node.width / 2
    if d.vertical:  # the map under the layers: the node over its top edge
        assert cx == pytest.approx(ox)
        assert 0.02 <= cy - r - (oy + side / 2) <= 0.15
    else:
        assert cy == pytest.approx(oy)
        assert 0.02 <= (ox - side / 2) - (cx + r) <= 0.15
    assert node.width >= 0.25  # a node, not a dot (15 px at 480p)
    for edge in d.edges[-1]:
        assert edge.get_end()[:2] == pytest.approx((cx, cy))
    name = scene.output_name
    assert name.original_text == "output"
    gap = max(abs(name.get_center()[0] - ox) - name.width / 2 - side / 2,
              abs(name.get_center()[1] - oy) - name.height / 2 - side / 2)
    assert 0.0 <= gap <= 0.25
    r = d.grid.size / 2
    for layer in d.grid.centres:
        for c in layer:
            assert (abs(name.get_center()[0] - c[0]) >= name.width / 2 + r
                    or abs(name.get_center()[1] - c[1]) >= name.height / 2 + r)


def test_region_borders_are_drawn_to_be_counted(run):
    """Review 3: the linear regions could not be counted (borders one pixel of the image wide,
    0.8 px at 480p, at 55 % opacity).  Each border is drawn at least 1.9 px wide at 480p and at
    least 80 % opaque, and nothing is drawn farther from a border than that width."""
    scene = dry_run("neurons", {"run": run, "duration": 6})
    lines = scene.region_lines
    m = lines.timeline.moment(1.0)
    lines.set_moment(m)
    edge = lines.edges(m)
    alpha = lines.image.rgba[..., 3].astype(float) / 255
    n, k = lines.resolution, lines.thickness
    assert k * lines.image.width / n * (480 / 8.0) >= 1.9
    assert alpha[edge].min() >= 0.4  # pale (review 4), yet seen on the shading
    near = edge.copy()  # within the width, to the right or below
    for j in range(1, k):
        near[:, j:] |= edge[:, :-j]
        near[j:, :] |= edge[:-j, :]
    drawn = alpha > 0
    assert np.array_equal(drawn, near)
    assert drawn.sum() >= 1.8 * edge.sum()


@pytest.mark.parametrize("pixels", [(854, 480), (480, 854)])
def test_region_lines_lie_under_the_points_paler_than_the_boundary(pixels):
    """Review 4: the pale lines were drawn over the points and heavier than the decision boundary
    (hierarchy inverted), and never named.  On the output map they come after its shading and
    before its points and boundary; their ink (width on screen times opacity) is less than the
    boundary's; the first caption that shows them names them, and says a ReLU unit's black is 0
    (a hidden ReLU map can never be purple)."""
    from manim import config

    scene = dry_run("neurons", {}, pixels=pixels)
    out, lines = scene.diagram.output, scene.region_lines
    order = out.submobjects
    assert order.index(out.shading) < order.index(lines) < order.index(out.cloud) < order.index(out.boundary)
    px = config.pixel_height / config.frame_height  # pixels per scene unit
    line_ink = lines.thickness * lines.image.width / lines.resolution * px * lines.opacity
    boundary_ink = out.boundary.get_stroke_width() * 0.01 * px * out.boundary.get_stroke_opacity()
    assert line_ink < boundary_ink
    first = scene.beats[0]
    assert first.kind == "intro" and "pale lines: a unit switches on" in first.detail
    assert "black\u00a00" in first.detail


class _CaptionBoxes:
    def caption(self, title, detail=""):
        made = super().caption(title, detail)
        self.caption_boxes = [*getattr(self, "caption_boxes", []),
                              (detail, made.get_bottom()[1], self.layout.caption.y0)]
        return made


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1", "4:3"])
def test_the_key_names_every_colour_on_screen(aspect):
    """Review 5: magenta (purple) was on screen, in the input maps and the negative weights'
    edges, but the first caption's key named only green and black.  Where an input map or an
    edge is purple (computed here: an input column takes negative values, or a weight of the
    final network is negative), the first caption names purple, and green (positive) and black
    (a ReLU unit's 0); every caption stays in its box."""
    from nnanim.layout import pixel_size

    scene = dry_run("neurons", {}, pixels=pixel_size(aspect, 480), mixin=_CaptionBoxes)
    run = scene.job.run
    net = run.network(len(run.epochs) - 1)
    purple = bool((run.X < 0).any() or any((W < 0).any() for W in net.weights))
    assert purple
    first = scene.beats[0].detail
    assert "purple\u00a0−" in first and "green\u00a0+" in first and "black\u00a00" in first
    for detail, bottom, floor in scene.caption_boxes:
        assert bottom >= floor - 1e-6, detail


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_the_footer_names_no_epoch_the_replay_has_left(aspect):
    """Review 5: the footer said 'epoch 2000' while epochs 0-1999 were replayed.  The footer
    (dataset, architecture, activation) names no epoch; the epoch on screen is the readout's."""
    from nnanim.layout import pixel_size

    scene = dry_run("neurons", {}, pixels=pixel_size(aspect, 480))
    words = " ".join(m.original_text for m in scene.footer.family_members_with_points()
                     if hasattr(m, "original_text")) or " ".join(
        getattr(m, "original_text", "") for m in scene.footer)
    assert "circles" in words and "relu" in words
    assert "epoch" not in words


def test_a_network_that_can_go_negative_keeps_purple_and_no_black():
    """A tanh network's units are negative somewhere: no 'black 0' in its first caption."""
    tanh = train(dataset="moons", n_samples=150, hidden=[4], activation="tanh", epochs=30)
    scene = dry_run("neurons", {"run": tanh, "duration": 6})
    assert "purple" in scene.beats[0].detail and "black" not in scene.beats[0].detail


@pytest.mark.parametrize("pixels", [(854, 480), (640, 480)])
def test_the_readouts_sit_in_the_middle_of_the_column(pixels):
    """Review 5: the readouts hugged the aside's top and left the middle of the left column empty.
    The readouts, the count and the note (its room kept while it is hidden) are centred in the
    aside's height, inside it."""
    scene = dry_run("neurons", {}, pixels=pixels)
    box = scene.layout.aside
    top = max(scene.readout_rows.get_top()[1], scene.note.get_top()[1])
    bottom = min(scene.readout_rows.get_bottom()[1], scene.note.get_bottom()[1])
    assert box.y0 - 1e-6 <= bottom and top <= box.y1 + 1e-6
    assert (top + bottom) / 2 == pytest.approx((box.y0 + box.y1) / 2, abs=0.05)
