"""Drawing primitives against independent references: coverage, colours, compositing."""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.draw.mobjects import Polylines, splat_discs, stroke_path, stroke_segments


def reference_splat(canvas, xy, radius, fill, rim, rim_width):
    """Pixel by pixel, the obvious way.

    Discs of one colour form one shape (coverage and fill are the maxima over
    its discs); colours are layered in order of first appearance; centres sit
    on the 1/8-pixel grid the fast version uses.
    """
    q = (np.floor(xy) + (np.floor((xy - np.floor(xy)) * 8) + 0.5) / 8)
    out = canvas.astype(float).copy()
    h, w = canvas.shape[:2]
    colours = []
    for f in fill:
        if not any(np.array_equal(f, c) for c in colours):
            colours.append(f)
    for colour in colours:
        mine = np.all(fill == colour, axis=1)
        for y in range(h):
            for x in range(w):
                d = np.hypot(x + 0.5 - q[mine, 0], y + 0.5 - q[mine, 1])
                a = np.clip(radius + 0.5 - d, 0, 1).max()
                if a <= 0:
                    continue
                inner = np.clip(radius - rim_width + 0.5 - d, 0, 1).max()
                col = 255 * (colour * inner + rim * (1 - inner))
                out[y, x, :3] = col * a + out[y, x, :3] * (1 - a)
                out[y, x, 3] = 255 * a + out[y, x, 3] * (1 - a)
    return out


def test_splat_matches_a_pixel_by_pixel_reference():
    rng = np.random.default_rng(3)
    canvas = rng.integers(0, 256, size=(30, 40, 4)).astype(np.uint8)
    canvas[..., 3] = 255
    xy = rng.uniform([-3, -3], [43, 33], size=(25, 2))
    palette = np.array([[0.9, 0.5, 0.1], [0.2, 0.6, 1.0], [0.3, 0.9, 0.4]])
    fill = palette[rng.integers(0, 3, 25)]
    rim = np.array([0.1, 0.0, 0.3])
    expected = reference_splat(canvas, xy, 3.2, fill, rim, 0.9)
    got = canvas.copy()
    splat_discs(got, xy, 3.2, fill, rim, 0.9)
    assert np.abs(got.astype(float) - expected).max() <= 2.0  # 8-bit stamps and blending


@pytest.mark.parametrize("n_colours, opacity", [(300, 1.0), (40, 0.6), (7, 1.0), (12, 1.0)])
def test_many_colours_are_laid_as_one_colour_after_another(n_colours, opacity):
    """A cloud of many colours (a value's colour map) is drawn in levels of colours that touch no
    common pixel; every pixel must end as drawing the colours one at a time, in order of first
    appearance, would leave it (each call below has one colour, so it is one level)."""
    rng = np.random.default_rng(n_colours)
    canvas = rng.integers(0, 256, size=(90, 120, 4)).astype(np.uint8)
    # dense in the middle, some over the edges (none so far off that it is dropped: the order of
    # colours is the order they first appear among the discs that reach the canvas)
    xy = np.clip(rng.normal([60, 45], [25, 18], size=(1200, 2)), -5, [124, 94])
    palette = rng.random((n_colours, 3))
    fill = palette[rng.integers(0, n_colours, len(xy))]
    rim = np.array([0.1, 0.1, 0.2])
    expected = canvas.copy()
    _, first = np.unique(np.round(fill * 255), axis=0, return_index=True)
    for i in sorted(first):
        mine = np.all(np.round(fill * 255) == np.round(fill[i] * 255), axis=1)
        splat_discs(expected, xy[mine], 4.3, fill[mine], rim, 1.2, opacity)
    got = canvas.copy()
    splat_discs(got, xy, 4.3, fill, rim, 1.2, opacity)
    assert np.array_equal(got, expected)


def test_disc_coverage_equals_its_area():
    canvas = np.zeros((64, 64, 4), np.uint8)
    for r in (2.0, 4.5, 9.0):
        canvas[:] = 0
        splat_discs(canvas, np.array([[31.3, 30.8]]), r, np.array([[1.0, 1.0, 1.0]]), np.ones(3), 0)
        area = canvas[..., 3].sum() / 255
        assert area == pytest.approx(np.pi * r * r, rel=0.03)


def test_fill_rim_and_untouched_pixels():
    canvas = np.zeros((41, 41, 4), np.uint8)
    c = 20 + 4.5 / 8  # a centre on the 1/8-pixel grid
    splat_discs(canvas, np.array([[c, c]]), 8.0, np.array([[0.0, 1.0, 0.0]]),
                np.array([1.0, 0.0, 0.0]), 2.0)
    assert tuple(canvas[20, 20]) == (0, 255, 0, 255)   # centre: fill colour, opaque
    assert tuple(canvas[20, 27])[:3] == (255, 0, 0)      # on the rim (distance 7): rim colour
    edge = round(255 * (8.5 - (28.5 - c)))                # edge pixel: partly covered
    assert tuple(canvas[20, 28])[:3] == (edge, 0, 0)
    assert not canvas[20, 31].any() and not canvas[0, 0].any()  # beyond r + 1: untouched


def test_discs_off_canvas_draw_nothing():
    canvas = np.zeros((10, 10, 4), np.uint8)
    splat_discs(canvas, np.array([[-50.0, 3.0], [5.0, 400.0]]), 3.0, np.ones((2, 3)), np.ones(3), 1)
    assert not canvas.any()


def test_polylines_pass_through_their_samples():
    line = np.column_stack([np.linspace(0, 3, 7), np.sin(np.linspace(0, 3, 7)), np.zeros(7)])
    poly = Polylines([line, line[:3] + 5])
    pts = poly.points.reshape(-1, 4, 3)
    assert len(pts) == 6 + 2
    np.testing.assert_allclose(pts[:6, 0], line[:-1])   # anchors are the samples
    np.testing.assert_allclose(pts[:6, 3], line[1:])
    # Catmull-Rom: the tangent at an inner sample is continuous
    np.testing.assert_allclose(pts[0, 3] - pts[0, 2], pts[1, 1] - pts[1, 0], atol=1e-12)
    poly.set_lines([line[:2]])
    assert len(poly.points) == 4


def test_polylines_skip_segments_outside_their_clip_box():
    line = np.column_stack([np.linspace(-10, 10, 21), np.zeros(21), np.zeros(21)])
    poly = Polylines([line])
    poly.clip_box = (-2.0, -1.0, 2.0, 1.0)
    poly.set_vertices(line)
    anchors = poly.points.reshape(-1, 4, 3)[:, [0, 3], 0]
    # every segment touching the box (with its 5 % margin) stays, the far ones go
    assert anchors.min() <= -2 and anchors.max() >= 2
    assert anchors.min() >= -3 and anchors.max() <= 3


# --------------------------------------------------------------------------- strokes


def reference_stroke(canvas, a, b, width, rgb, opacity):
    """Pixel by pixel: the union of butt-capped segments, box-filtered, composited once.

    A pixel centre at perpendicular distance ``d`` from a segment's centre line
    and ``s`` along it is covered ``box(d) · clip(s + ½) · clip(len − s + ½)``,
    ``box(d)`` being the overlap of ``[d − ½, d + ½]`` with ``[−w/2, w/2]``; the
    shape's coverage is the largest over its segments.
    """
    h, w = canvas.shape[:2]
    half = width / 2
    out = canvas.astype(float).copy()
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    u = d / length[:, None]
    for y in range(h):
        for x in range(w):
            p = np.array([x + 0.5, y + 0.5]) - a
            along = p[:, 0] * u[:, 0] + p[:, 1] * u[:, 1]
            across = np.abs(p[:, 0] * u[:, 1] - p[:, 1] * u[:, 0])
            box = np.clip(np.minimum(half, across + 0.5) - np.maximum(-half, across - 0.5), 0, 1)
            cover = box * np.clip(along + 0.5, 0, 1) * np.clip(length - along + 0.5, 0, 1)
            alpha = cover.max() * opacity
            out[y, x, :3] = 255 * np.asarray(rgb) * alpha + out[y, x, :3] * (1 - alpha)
            out[y, x, 3] = 255 * alpha + out[y, x, 3] * (1 - alpha)
    return out


@pytest.mark.parametrize("width", [0.8, 1.9, 6.0])
def test_stroke_matches_a_pixel_by_pixel_reference(width):
    rng = np.random.default_rng(7)
    canvas = rng.integers(0, 256, size=(36, 48, 4)).astype(np.uint8)
    canvas[..., 3] = 255
    a = rng.uniform([-4, -4], [52, 40], size=(14, 2))
    b = a + rng.uniform(-25, 25, size=(14, 2))
    expected = reference_stroke(canvas, a, b, width, [0.9, 0.4, 0.1], 0.6)
    got = canvas.copy()
    caps = np.zeros(len(a))  # every segment on its own: butt caps at both ends
    stroke_segments(got, a, b, width, [0.9, 0.4, 0.1], 0.6, ends_a=caps, ends_b=caps)
    # lookup table: 1/64 pixel, 45/64 degrees; then 8-bit blending
    assert np.abs(got.astype(float) - expected).max() <= 4.0


def _cairo_stroke(canvas, lines, width, rgb, opacity, clip=None):
    """The same polylines stroked by Cairo (default anti-aliasing, butt caps, miter joins)."""
    import cairo

    h, w = canvas.shape[:2]
    surface = cairo.ImageSurface.create_for_data(canvas.data, cairo.FORMAT_ARGB32, w, h)
    ctx = cairo.Context(surface)
    if clip is not None:
        ctx.rectangle(clip[0], clip[1], clip[2] - clip[0], clip[3] - clip[1])
        ctx.clip()
    for line in lines:
        ctx.move_to(*line[0])
        for p in line[1:]:
            ctx.line_to(*p)
    ctx.set_source_rgba(rgb[2], rgb[1], rgb[0], opacity)  # memory order B, G, R, A = our R, G, B, A
    ctx.set_line_width(width)
    ctx.set_line_cap(cairo.LINE_CAP_BUTT)
    ctx.set_line_join(cairo.LINE_JOIN_MITER)
    ctx.stroke()
    surface.finish()


def _as_curves(lines):
    """Polylines as straight cubic Béziers (the handles on the chord), in order."""
    out = []
    for line in lines:
        p, q = line[:-1], line[1:]
        out.append(np.stack([p, p + (q - p) / 3, p + 2 * (q - p) / 3, q], axis=1))
    return np.concatenate(out)


def _wavy_grid():
    t = np.linspace(0, 1, 40)
    lines = [np.column_stack([8 + 144 * t, 14 + 9 * i + 5 * np.sin(7 * t + i)]) for i in range(10)]
    lines += [np.column_stack([14 + 14 * i + 8 * np.sin(5 * t + i), 6 + 108 * t]) for i in range(10)]
    lines.append(np.column_stack([80 + 34 * np.cos(6 * t), 60 + 34 * np.sin(6 * t)]))  # every angle
    lines.append(np.array([[30.3, 100.2], [80.7, 56.1], [131.2, 104.5]]))  # a sharp turn: mitred
    lines.append(np.array([[40.2, 20.4], [40.2, 60.7], [90.6, 60.7]]))  # a right angle
    return lines


@pytest.mark.parametrize("width", [0.84, 1.9, 6.1])
def test_stroke_looks_like_cairos(width):
    """A wavy grid, a circle, a sharp turn and a right angle: the same picture as Cairo's stroke."""
    lines = _wavy_grid()
    background = np.zeros((120, 160, 4), np.uint8)
    background[..., :3], background[..., 3] = 20, 255
    cairo_made = background.copy()
    _cairo_stroke(cairo_made, lines, width, (0.5, 0.55, 0.64), 0.42)
    ours = background.copy()
    stroke_path(ours, _as_curves(lines), width, (0.5, 0.55, 0.64), 0.42)
    diff = np.abs(cairo_made.astype(int) - ours.astype(int))[..., :3]
    # Cairo computes exact areas, we box-filter distances: the same picture up to
    # a few levels, more where edges of crossing lines overlap
    assert diff.mean() < 0.5
    assert np.percentile(diff, 99.5) <= 12
    assert diff.max() <= 60


def test_a_stroke_is_one_shape():
    """Where two lines of a semi-transparent stroke cross, the pixel is not blended twice."""
    canvas = np.zeros((40, 40, 4), np.uint8)
    a, b = np.array([[2.0, 20.5], [20.5, 2.0]]), np.array([[38.0, 20.5], [20.5, 38.0]])
    stroke_segments(canvas, a, b, 3.0, [1.0, 1.0, 1.0], 0.5)
    assert tuple(canvas[20, 20]) == tuple(canvas[20, 8]) == (128, 128, 128, 128)


def test_stroke_keeps_to_its_region():
    canvas = np.zeros((20, 40, 4), np.uint8)
    region = (10.25, 0.0, 30.0, 20.0)
    stroke_segments(canvas, np.array([[0.0, 10.0]]), np.array([[40.0, 10.0]]), 4.0, [1.0, 1.0, 1.0],
                    region=region)
    assert not canvas[:, :10].any() and not canvas[:, 30:].any()
    assert canvas[10, 10, 3] == round(0.75 * 255)  # a clip edge inside a pixel covers it in part
    assert canvas[10, 11, 3] == 255
    cairo_made = np.zeros_like(canvas)
    _cairo_stroke(cairo_made, [np.array([[0.0, 10.0], [40.0, 10.0]])], 4.0, (1, 1, 1), 1.0, region)
    assert np.abs(cairo_made.astype(int) - canvas.astype(int)).max() <= 2


def test_short_pieces_do_not_poke_past_a_cap():
    """A curve ending in a run of tiny pieces (a boundary that funnels in) ends at its end."""
    s = np.concatenate([np.linspace(0, 25, 20)[:-1], 26 - np.geomspace(1, 1e-4, 30)])
    u = np.array([0.6, 0.8])
    line = np.array([8.0, 5.0]) + s[:, None] * u
    canvas = np.zeros((50, 40, 4), np.uint8)
    stroke_path(canvas, _as_curves([line]), 6.0, (1.0, 1.0, 1.0))
    y, x = np.mgrid[0:50, 0:40] + 0.5
    along = (x - line[-1, 0]) * u[0] + (y - line[-1, 1]) * u[1]
    assert canvas[..., 3][along < -2].max() == 255
    assert not canvas[..., 3][along > 0.5].any()  # nothing past the butt cap


# --------------------------------------------------------------------------- depth, halo, region


def _draw(*mobjects, size=(160, 90)):
    from nnanim.draw.mobjects import FastCamera

    cam = FastCamera(pixel_width=size[0], pixel_height=size[1], frame_width=16.0,
                     frame_height=9.0, background_color="#000000")
    cam.capture_mobjects(list(mobjects))
    return cam.pixel_array[..., :3].astype(int)


def test_a_line_with_a_halo_darkens_the_points_beside_it_and_is_drawn_over_them():
    from nnanim.draw.mobjects import PointCloud, Polylines, with_halo
    from nnanim.theme import load_theme

    theme = load_theme("dark")
    xs = np.linspace(-3, 3, 61)
    dots = PointCloud(np.column_stack([np.repeat(xs, 5), np.tile(np.linspace(-0.4, 0.4, 5), 61),
                                       np.zeros(305)]), "#ff8800", radius=0.12, rim_fraction=0.0)
    line = Polylines([np.array([[-4.0, 0.0, 0.0], [4.0, 0.0, 0.0]])], smooth=False,
                     stroke_color="#ffffff", stroke_width=30.0)  # 3 px here
    plain = _draw(dots, line)
    with_halo(line, theme)
    haloed = _draw(dots, line)
    row, col = 45, 80  # the line's centre: white either way, over the points
    assert (haloed[row, col] > 200).all() and (plain[row, col] > 200).all()
    # beside the line the halo (the background colour) covers the orange points
    beside = haloed[row - 3, 60:100].mean(axis=0)
    assert beside[0] < plain[row - 3, 60:100].mean(axis=0)[0] - 60


def test_points_outside_their_clip_box_are_not_drawn():
    from nnanim.draw.mobjects import PointCloud

    dots = PointCloud(np.array([[-4.0, 0.0, 0.0], [4.0, 0.0, 0.0]]), "#ffffff", radius=0.2)
    dots.clip_box = (-8.0, -4.5, 0.0, 4.5)  # the left half only
    px = _draw(dots)
    assert px[:, :80].max() > 200 and px[:, 80:].max() == 0


def test_flow_view_draws_grid_then_points_then_boundary_and_names_its_axes():
    from nnanim.core.flow import build_flow
    from nnanim.draw.mobjects import FlowView
    from nnanim.theme import load_theme

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    from nnanim.core.nn import init_network

    net = init_network([2, 2, 1], ["tanh"], "binary", np.random.default_rng(0))
    view = FlowView(build_flow(net, reference=X), X, y, load_theme("dark"),
                    region=((0.0, 0.0, 0.0), 6.0), clip_box=(-3.5, -3.5, 3.5, 3.5))
    order = view.submobjects
    assert order.index(view.grid) < order.index(view.cloud) < order.index(view.boundary)
    assert view.boundary.get_stroke_width(background=True) > view.boundary.get_stroke_width()
    assert view.axes is not None and [n.text for n in view.axes.names] == ["x₁", "x₂"]
    view.set_stage(len(view.flow.stages) - 1, 1.0)
    assert [n.text for n in view.axes.names] == ["h₁", "h₂"]
    # the scale bar: a round length whose screen length is a sensible share of the region
    _, scale = view.screen_map(view.stage, view.t)
    assert 0.1 * 7.0 <= view.axes.length * scale <= 0.3 * 7.0
    assert f"{view.axes.length:g}" == view.axes.bar_label.text


def _axes_view(widths=(2, 3, 2, 1), zoom: float = 6.0, size: float = 6.0, clip: float = 3.5):
    """A tanh view of 200 Gaussian points in a square panel (``size``, clipped ``clip`` either
    side); its first layer's weights times ``zoom`` (a strong zoom on the way: the scale bar
    changes its length and label)."""
    from nnanim.core.flow import build_flow
    from nnanim.core.nn import init_network
    from nnanim.draw.mobjects import FlowView
    from nnanim.theme import load_theme

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    net = init_network(list(widths), ["tanh"] * (len(widths) - 2), "binary", np.random.default_rng(3))
    net.weights[0] *= zoom
    return FlowView(build_flow(net, reference=X), X, y, load_theme("dark"),
                    region=((0.0, 0.0, 0.0), size), clip_box=(-clip, -clip, clip, clip))


def test_axis_names_and_scale_labels_are_readable_on_top_and_swap_in_one_frame():
    """The labels of a view's axes: small print (the layout's), drawn above the picture on a
    halo, never two scale labels at once (a label that leaves stays a transparent part, for
    Manim draws the parts a play began with until it ends), and names apart in a tilted view."""
    from nnanim.layout import SMALL_SIZE
    from nnanim.theme import load_theme

    def visible(mob):
        return float(mob.get_fill_opacity()) > 0.02

    view = _axes_view()
    axes = view.axes
    assert axes.z_index > view.cloud.z_index and axes.bar_label.z_index > view.cloud.z_index
    assert axes.bar_label.font_size == pytest.approx(SMALL_SIZE)
    # its halo: under every glyph, all of them drawn first (glyph_halos)
    parts = axes.bar_label.family_members_with_points()
    halos = [m.get_stroke_width(background=True) > 0 for m in parts]
    assert any(halos) and halos == sorted(halos, reverse=True)
    family = set(axes.get_family())
    labels, seen = set(), set()
    from nnanim.draw.text import text

    def width(body):  # a scale label's own width: its text in small print, built here
        return text(body, font=load_theme("dark").font, font_size=SMALL_SIZE, color="#FFFFFF").width

    assert axes.bar_label.width == pytest.approx(width(axes.bar_label.text), rel=1e-6)
    for s in range(len(view.flow.stages)):
        if view.flow.stages[s].dim == 3:
            view.set_view_angles(0.9, 0.6)
        for t in np.linspace(0.0, 1.0, 41):
            view.set_stage(s, t)
            axes.update(1 / 15)  # a frame drawn: the bar's growth and the axes' glides go on
            labels.add(axes.bar_label)
            seen.add(axes.bar_label.text)
            # one size, in every beat: a new value is not announced by a larger label
            assert axes.bar_label.width == pytest.approx(width(axes.bar_label.text), rel=1e-6)
            assert all(m in set(axes.get_family()) for m in labels)  # never removed mid-play
            shown = [m for m in axes._texts.values() if visible(m) and m in axes.submobjects]
            scales = [m for m in shown if m not in axes.names and m not in axes._leaving]  # (names going)
            assert len(scales) <= 1, f"two scale labels at stage {s}, t = {t}"
            names = [m for m in axes.names if visible(m)]
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    apart = (abs(a.get_x() - b.get_x()) >= (a.width + b.width) / 2
                             or abs(a.get_y() - b.get_y()) >= (a.height + b.height) / 2)
                    assert apart, f"{a.text} on {b.text} at stage {s}, t = {t}"
                x0, y0, x1, y1 = axes.box
                assert x0 <= a.get_left()[0] and a.get_right()[0] <= x1
                assert y0 <= a.get_bottom()[1] and a.get_top()[1] <= y1
    assert len(seen) > 1, "the scale never changed its label: the test saw no swap"
    assert family <= set(axes.get_family())
    # at every tilt a lift takes (40-70 degrees) and any turn, two names over each other leave
    # a clear gap (more than a subscript's depth): never stacked into one block, x₂ over x₃
    lift = next(s for s in range(len(view.flow.stages)) if view.flow.stages[s].dim == 3)
    view.set_stage(lift, 0.5)
    for elev in np.radians([40, 50, 58, 70]):
        for azim in np.radians(np.arange(-180, 180, 15)):
            view.set_view_angles(elev, azim)
            names = [m for m in axes.names if visible(m)]
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    if abs(a.get_x() - b.get_x()) < (a.width + b.width) / 2:  # over each other
                        gap = abs(a.get_y() - b.get_y()) - (a.height + b.height) / 2
                        assert gap >= 0.15 - 1e-6, f"{a.text} stacked on {b.text}"
    # a panel too small for labels a phone can read gets none (they would cover its picture)
    small = _axes_view(size=1.6, clip=0.9)
    assert small.axes is None


def test_a_turned_view_draws_far_points_first_and_darker():
    """The depth cue of a tilted 3-D view: points drawn from the farthest to the nearest, the
    farthest mixed toward the background by DEPTH_FADE, the nearest as they are; none from the top."""
    from nnanim.core.flow import build_flow
    from nnanim.core.nn import init_network
    from nnanim.draw.mobjects import DEPTH_FADE, FlowView, depth_shaded
    from nnanim.theme import load_theme

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > 0).astype(int)
    net = init_network([2, 3, 3, 1], ["tanh", "tanh"], "binary", np.random.default_rng(4))
    theme = load_theme("dark")
    view = FlowView(build_flow(net, reference=X), X, y, theme, region=((0.0, 0.0, 0.0), 6.0))
    lift = next(s for s in range(len(view.flow.stages)) if view.flow.stages[s].dim == 3)
    view.set_stage(lift + 1, 1.0)
    assert view.cloud.depth_cue is None  # the top view: flat, in the points' order
    view.set_view_angles(np.radians(58), np.radians(-25))
    near, far, background = view.cloud.depth_cue
    z = view.cloud.points[:, 2]
    assert near == pytest.approx(z.max()) and far == pytest.approx(z.min()) and near > far
    centres, colours = depth_shaded(view.cloud.points, view.cloud.colors, view.cloud.depth_cue)
    assert np.all(np.diff(centres[:, 2]) >= 0)  # far first: the near ones are drawn over them
    base = view.cloud.colors[np.argsort(z, kind="stable")]
    np.testing.assert_allclose(colours[0], (1 - DEPTH_FADE) * base[0] + DEPTH_FADE * background)
    np.testing.assert_allclose(colours[-1], base[-1])
    # darker with depth: the mix toward the background never falls from far to near
    mix = np.linalg.norm(colours - base, axis=1) / np.maximum(np.linalg.norm(background - base, axis=1), 1e-9)
    assert np.all(np.diff(mix) <= 1e-9)


def _stepped_axes(instant: bool, placements=None):
    """A view through every stage at 15 frames a stage, each stage held 10 frames after it (a
    wait), its axes updated as Manim updates them each frame: ``(bar lengths in the space's units
    (from the bar drawn and the view's own scale), compass origins, scale label heights)``."""

    view = _axes_view()
    axes = view.axes
    axes.instant = instant
    if placements is not None:  # corners chosen by the test: a move at every stage
        axes.placement = lambda _, s: placements[s % len(placements)]
    units, origins, sizes, texts = [], [], [], []

    def frame():
        axes.update(1 / 15)
        x = np.asarray(axes.bar.points)[:, 0]
        units.append((x.max() - x.min()) / view.screen_map(view.stage, view.t)[1])
        origins.append(np.asarray(axes.arrows.points)[0, :2].copy())
        sizes.append(axes.bar_label.font_size)
        texts.append(axes.bar_label.text)

    for s in range(len(view.flow.stages)):
        for t in np.linspace(0.0, 1.0, 16):
            view.set_stage(s, t)
            frame()
        for _ in range(10):
            frame()
    return np.array(units), np.array(origins), np.array(sizes), texts


def test_the_scale_bar_grows_to_a_new_length_and_its_label_keeps_its_size():
    """Issue 16: between beats the bar's length and its label's size changed in one frame ("5"
    small, then "2" large).  The bar drawn, in the space's units, changes in a frame by at most
    two fifths of the ratio of one round length to the next (5 to 2 over several frames, even
    where the zoom asks for 20, 10, 5 and 2 in quick succession), and every label is the
    layout's small print."""
    from nnanim.layout import SMALL_SIZE

    units, _, sizes, texts = _stepped_axes(instant=False)
    assert len(set(texts)) >= 3  # the bar changed its length more than once
    steps = np.abs(np.diff(np.log(units)))
    assert steps.max() <= 0.4 * np.log(2.5), steps.max()
    assert np.allclose(sizes, SMALL_SIZE)
    # and the check sees a snap: the same frames with every growth done at once
    snapped, _, _, _ = _stepped_axes(instant=True)
    assert np.abs(np.diff(np.log(snapped))).max() >= 0.75 * np.log(2.5)


def test_the_axes_settled_are_where_their_glide_ends_and_are_put_back():
    """What keeps clear of the axes (a boundary cut around them, a name beside them) asks where
    they are going: mid-glide, :meth:`SpaceAxes.settled` places them where the glide ends (the
    default video's last line was cut around the corner the scale bar glided away from, its
    gaps left on screen), then puts them back where the frame has them."""
    from nnanim.draw.mobjects import SpaceAxes

    view = _axes_view((2, 2, 1), zoom=1.0)
    axes = view.axes
    P = SpaceAxes.PLACEMENTS
    axes.placement = lambda _, s: P[0] if s == 0 else P[3]  # the bottom corners, then the top
    view.set_stage(0, 1.0)
    for _ in range(30):  # settled in the bottom corners
        axes.update(1 / 15)
    view.set_stage(1, 0.0)  # the glide to the top corners begins
    axes.update(1 / 15)

    def where():
        return np.asarray(axes.arrows.points)[0, :2].copy(), axes.bar.get_center()[:2].copy()

    mid = where()
    with axes.settled():
        going = where()
    assert np.allclose(where()[0], mid[0]) and np.allclose(where()[1], mid[1])  # put back
    assert min(np.linalg.norm(going[k] - mid[k]) for k in (0, 1)) > 1.0  # (far from there)
    for _ in range(30):  # two seconds of frames: the glide ends
        axes.update(1 / 15)
    assert np.allclose(where()[0], going[0], atol=1e-6)
    assert np.allclose(where()[1], going[1], atol=1e-6)


def test_the_axes_glide_between_corners_over_frames():
    """Issue 16: the compass and scale moved from corner to corner in one frame.  Sent to another
    corner at every stage, the compass moves by at most a fifth of the picture's width a frame,
    and reaches the corner (a wait later it is there)."""
    from nnanim.draw.mobjects import SpaceAxes

    P = SpaceAxes.PLACEMENTS
    corners = [P[0], P[3], P[1]]  # bottom left, top right, top left
    _, origins, _, _ = _stepped_axes(instant=False, placements=corners)
    moves = np.linalg.norm(np.diff(origins, axis=0), axis=1)
    assert moves.max() <= 0.2 * 7.0, moves.max()
    _, settled, _, _ = _stepped_axes(instant=True, placements=corners)
    assert np.linalg.norm(np.diff(settled, axis=0), axis=1).max() >= 0.5 * 7.0  # (the check sees a jump)
    ends = np.arange(25, len(origins), 26)  # each stage's last held frame
    assert np.allclose(origins[ends], settled[ends], atol=1e-6)


def test_a_swap_keeps_the_words_two_texts_share_in_place_and_pushes_the_rest():
    """A swap from "layer 1 · W·x" to "layer 1 · + b" left "layer 1 ·" retyped letter by letter
    (a reviewer read the titles as garbled at every change): glyphs drawn alike in both texts,
    in the same place, stay lit and still through the whole swap (the old one, then at its end
    the new one: never both, never neither).  The others are pushed (reviews 5 and 6 read a
    left-to-right wipe as garbled, "layer 1 · ta  + b"): the old ones go up while they fade out,
    then the new ones rise from below into place while they fade in; never an old one and a new
    one lit at once, and the move is about a third of a line."""
    from manim import LEFT

    from nnanim.draw.mobjects import text_wipe
    from nnanim.draw.text import text

    old = text("layer 1 · W·x", font="DejaVu Sans", font_size=30, color="#FFFFFF").to_edge(LEFT)
    new = text("layer 1 · + b", font="DejaVu Sans", font_size=30, color="#FFFFFF").to_edge(LEFT)

    def lit(glyph):
        return float(glyph.fill_rgbas[:, 3].max())

    def low(glyph):
        return float(glyph.points[:, 1].min())

    olds, news = old.family_members_with_points(), new.family_members_with_points()
    rest = {id(g): low(g) for g in olds + news}  # each glyph's place
    anims = text_wipe([old], [new])
    for a in anims:
        a.begin()
    shared = [(g, h) for g in olds for h in news
              if g.points.shape == h.points.shape and np.allclose(g.points, h.points, atol=1e-3)]
    assert len(shared) >= 6  # "layer1·" (the spaces draw nothing)
    going = [g for g in olds if all(g is not s for s, _ in shared)]
    coming = [h for h in news if all(h is not s for _, s in shared)]
    assert going and coming
    line = max(float(np.ptp(g.points[:, 1])) for g in olds + news)  # the text's tallest glyph
    seen_going, seen_coming, moved_up, moved_down = [], [], [], []
    for alpha in np.linspace(0.0, 1.0, 41):
        for a in anims:
            a.interpolate(alpha)
        for g, h in shared:
            assert sorted([lit(g), lit(h)]) == [0.0, 1.0], alpha  # one of the two, whole
            assert low(g) == rest[id(g)] and low(h) == rest[id(h)]  # and still
        on_going = [lit(g) for g in going]
        on_coming = [lit(h) for h in coming]
        assert max(on_going) == 0.0 or max(on_coming) == 0.0, alpha  # never two texts at once
        seen_going.append(on_going)
        seen_coming.append(on_coming)
        for g in going:
            if 0.0 < lit(g) < 1.0:  # going: up, above its place
                moved_up.append(low(g) - rest[id(g)])
        for h in coming:
            if 0.0 < lit(h) < 1.0:  # coming: from below, rising into place
                moved_down.append(rest[id(h)] - low(h))
            if lit(h) == 1.0:
                assert low(h) == pytest.approx(rest[id(h)], abs=1e-9)
    assert min(map(min, seen_going)) == 0.0 and max(map(max, seen_going)) == 1.0
    assert min(map(min, seen_coming)) == 0.0 and max(map(max, seen_coming)) == 1.0
    assert moved_up and min(moved_up) > 0.0 and 0.2 * line <= max(moved_up) <= 0.6 * line
    assert moved_down and min(moved_down) > 0.0 and 0.2 * line <= max(moved_down) <= 0.6 * line
    # put back where they were once the swap is over (the old text may be shown again)
    for a in anims:
        a.clean_up_from_scene(type("NoScene", (), {"remove": lambda *_: None, "add": lambda *_: None})())
    assert all(low(g) == rest[id(g)] for g in olds + news)


def _wipe_frames(old, new, run_time: float, seconds: float | None = None, fps: int = 15):
    """``[(old glyphs' opacities, new glyphs' opacities)]`` at every frame of a play of
    ``run_time`` that swaps the text ``old`` for ``new`` (``FlowScene.swap_text``), as Manim
    plays it: every animation told the play's length, begun, then interpolated frame by frame."""
    from nnanim.draw.scene import FlowScene

    anims = FlowScene.swap_text(old, new, seconds, run_time)
    for a in anims:
        a.run_time = run_time  # (what Scene.play does with its run_time)
        a.begin()

    def lit(mobject):
        return np.array([float(g.fill_rgbas[:, 3].max()) for g in mobject.family_members_with_points()])

    frames = []
    for k in range(int(round(run_time * fps)) + 1):
        for a in anims:
            a.interpolate(k / (run_time * fps))
        frames.append((lit(old), lit(new)))
    return frames


def test_a_wipe_is_short_whatever_the_beat_and_leaves_no_letters_behind():
    """Review 5: a title swap of activations took 0.9 s, most of it half an old and half a new
    title (garbled); in feature-cross (42.6-43.07 s) "hem", the end of the old three-line label,
    stayed lit for half a second after the rest of it had gone and the new line was whole: the
    edge was eased over the whole 1.4 s beat, and ``smooth`` leaves it creeping over the last
    few glyphs for a quarter of the time (past the end of the shorter new text, those glyphs
    were all the wipe still had to do).  Whatever the beat, a wipe shows parts of both texts
    for at most WIPE_SECONDS (and a frame), and once the new text is whole no old letter is
    left lit; a longer beat holds the new text after it.  (Pushed, never the two texts at once.)"""
    from manim import DOWN, LEFT, VGroup

    from nnanim.draw.mobjects import WIPE_SECONDS
    from nnanim.draw.text import text

    def line(words):
        return text(words, font="DejaVu Sans", font_size=24, color="#FFFFFF")

    fps = 60  # (sampled finer than a video's frames: the times below are the play's, not a frame count)
    for run_time, seconds in ((1.4, None), (1.8, 0.9), (0.3, None)):
        old = VGroup(line("learned: 2-unit layer"), line("2 units: one straight line splits them"),
                     line("100.0% correct")).arrange(DOWN, aligned_edge=LEFT).to_edge(LEFT)
        new = line("spirals · 600 points · tanh").to_edge(LEFT)
        frames = _wipe_frames(old, new, run_time, seconds, fps)
        on = 1e-6  # (opacities scaled and scaled back are 1 to within rounding)
        assert frames[0][0].min() > 1 - on and frames[0][1].max() < on  # the old text, whole
        assert frames[-1][0].max() < on and frames[-1][1].min() > 1 - on  # the new one, whole
        # the texts share no glyph in place: never a frame with both lit (pushed: the old one
        # gone before the new one comes)
        assert not [k for k, (o, n) in enumerate(frames) if o.max() > on and n.max() > on], run_time
        changing = [k / fps for k, (o, n) in enumerate(frames)
                    if not (o.min() > 1 - on and n.max() < on) and not (o.max() < on and n.min() > 1 - on)]
        assert changing and max(changing) - min(changing) <= WIPE_SECONDS, (run_time, changing)
        # no old letter left on the line once the new text is whole (the feature-cross case)
        behind = [k / fps for k, (o, n) in enumerate(frames) if o.max() > on and n.min() > 1 - on]
        assert behind == [], (run_time, behind)
        if seconds is None:  # the new text is held after the swap
            assert max(changing) <= WIPE_SECONDS
        else:  # it is whole by ``seconds``, as the caller asked
            assert seconds - WIPE_SECONDS <= min(changing) and max(changing) <= seconds


@pytest.mark.parametrize("fade", ["in", "out", "dim"])
def test_a_fading_line_is_never_fainter_than_its_halo(fade):
    """A boundary fading in or out drew its dark halo at the line's share of its opacity: a faint
    white line over a dark band, a smear.  At every moment of a fade (OpacityFade in and out, a
    panel's Dim) the halo's opacity is at most the line's (as a share of its own) × HALO_OPACITY."""
    from manim import linear

    from nnanim.draw.mobjects import HALO_OPACITY, OpacityFade, with_halo
    from nnanim.draw.panels import Dim
    from nnanim.theme import load_theme

    line = with_halo(Polylines([np.array([[-4.0, 0.0, 0.0], [4.0, 0.0, 0.0]])], smooth=False,
                               stroke_color="#ffffff", stroke_width=4.0), load_theme("dark"))
    full = float(line.stroke_rgbas[0, 3])
    assert line.background_stroke_rgbas[0, 3] == pytest.approx(HALO_OPACITY)
    anim = (Dim(line, 0.0, rate_func=linear) if fade == "dim"
            else OpacityFade(line, fade_in=fade == "in", rate_func=linear))
    anim.begin()
    seen = []
    for alpha in np.linspace(0.0, 1.0, 31):
        anim.interpolate_mobject(alpha)
        shown = float(line.stroke_rgbas[0, 3]) / full
        halo = float(line.background_stroke_rgbas[0, 3])
        assert halo <= shown * HALO_OPACITY + 1e-9, (alpha, shown, halo)
        # and it fades faster than its line: as the square of the line's share (at the line's own
        # share, the halo of a line at a tenth was a dark band as wide as 2.4 lines, the line unseen)
        assert halo <= shown ** 2 * HALO_OPACITY + 1e-9, (alpha, shown, halo)
        seen.append(shown)
    assert min(seen) == pytest.approx(0.0) and max(seen) == pytest.approx(1.0)  # a whole fade
