"""The layout: regions of every frame shape inside the frame, apart, and large enough (pure: no manim)."""

from __future__ import annotations

import itertools

import pytest

from nnanim.layout import SHORT_SIDE, Box, Layout, frame_size, pixel_size
from nnanim.options import ASPECTS

#: the main picture's square, as a share of the frame's short side squared: a little under
#: what the layout gives inside the title-safe area (16:9 0.76, 9:16 0.81, 1:1 0.29,
#: 4:3 0.50), to catch a shrink
PICTURE_SHARE = {"16:9": 0.74, "9:16": 0.78, "1:1": 0.28, "4:3": 0.48}
#: the same with an aside (9:16 gives its aside a band under the picture: 0.62)
PICTURE_SHARE_ASIDE = {"16:9": 0.74, "9:16": 0.60, "1:1": 0.28, "4:3": 0.48}


def title_safe(lay: Layout) -> Box:
    """The inner 90 % of the frame, computed here from the frame's size."""
    return Box(-0.45 * lay.width, -0.45 * lay.height, 0.45 * lay.width, 0.45 * lay.height)


def layout(aspect: str, **kwargs) -> Layout:
    return Layout(*frame_size(aspect), **kwargs)


def square_box(centre, side) -> Box:
    x, y = centre[0], centre[1]
    return Box(x - side / 2, y - side / 2, x + side / 2, y + side / 2)


def regions(lay: Layout) -> dict[str, Box]:
    found = {"caption": lay.caption, "header": lay.header, "picture": lay.picture}
    if lay.aside is not None:
        found["aside"] = lay.aside
    return found


@pytest.mark.parametrize("aspect", ASPECTS)
def test_frame_has_eight_units_on_its_short_side(aspect):
    w, h = frame_size(aspect)
    a, b = map(int, aspect.split(":"))
    assert min(w, h) == SHORT_SIDE and w / h == pytest.approx(a / b)


@pytest.mark.parametrize("aside", [0.0, 0.3])
@pytest.mark.parametrize("aspect", ASPECTS)
def test_regions_lie_inside_the_frame_and_apart(aspect, aside):
    lay = layout(aspect, aside=aside)
    assert lay.frame == Box(-lay.width / 2, -lay.height / 2, lay.width / 2, lay.height / 2)
    found = regions(lay)
    assert ("aside" in found) == bool(aside)
    for name, box in found.items():
        assert box.width > 0.5 and box.height > 0.5, name
        assert title_safe(lay).contains(box), f"{name} leaves the title-safe area"
    for (a, box_a), (b, box_b) in itertools.combinations(found.items(), 2):
        assert not box_a.overlaps(box_b), f"{a} overlaps {b}"
    # text sits on the frame's margin, never on its edge
    for name in ("caption", "header"):
        assert lay.frame.inset(0.3).contains(found[name]), name


@pytest.mark.parametrize("aside", [0.0, 0.3])
@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_picture_square_is_large_and_inside_its_region(aspect, aside):
    lay = layout(aspect, aside=aside)
    centre, side = lay.picture_square
    square = square_box(centre, side)
    assert lay.picture.contains(square) and title_safe(lay).contains(square)
    share = (PICTURE_SHARE_ASIDE if aside else PICTURE_SHARE)[aspect]
    assert side**2 >= share * SHORT_SIDE**2, f"{side:.2f}² is under {share:.0%} of {SHORT_SIDE}²"
    assert lay.picture_clip == lay.picture.clip


@pytest.mark.parametrize("aspect", ASPECTS)
def test_text_goes_beside_the_picture_in_landscape_and_around_it_otherwise(aspect):
    lay = layout(aspect)
    if lay.shape == "landscape":
        assert lay.caption.x1 < lay.picture.x0 and lay.header.x1 < lay.picture.x0
        assert lay.caption.y0 > lay.header.y1  # caption on top of the column, header at its foot
    else:
        assert lay.caption.y0 > lay.picture.y1 > lay.picture.y0 > lay.header.y1
    assert lay.text_width == lay.caption.width >= 3.0  # room for a line of caption text
    expected = {"16:9": "landscape", "4:3": "landscape", "9:16": "portrait", "1:1": "square"}
    assert lay.shape == expected[aspect]


@pytest.mark.parametrize(
    ("aspect", "expected"),
    [("16:9", (854, 480)), ("9:16", (480, 854)), ("1:1", (480, 480)), ("4:3", (640, 480))],
)
def test_pixel_size_at_480(aspect, expected):
    assert pixel_size(aspect, 480) == expected


@pytest.mark.parametrize("aspect", ASPECTS)
def test_pixel_sizes_are_even_and_in_proportion(aspect):
    a, b = map(int, aspect.split(":"))
    for short in range(16, 2200):
        w, h = pixel_size(aspect, short)
        assert w % 2 == 0 and h % 2 == 0, (short, w, h)  # H.264 and VP9 in 4:2:0 need even sizes
        assert min(w, h) in (short - 1, short, short + 1)
        assert (w >= h) == (a >= b)
        if short % 2 == 0:  # the long side within a pixel of the exact ratio
            assert abs(max(w, h) - short * max(a, b) / min(a, b)) <= 1.0, (short, w, h)


def test_pixel_sizes_of_the_quality_letters():
    assert [pixel_size("16:9", s) for s in (720, 1080, 1440, 2160)] == [
        (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)]
    assert pixel_size("9:16", 1080) == (1080, 1920) and pixel_size("4:3", 1080) == (1440, 1080)
    assert pixel_size("1:1", 1080) == (1080, 1080)


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_grid_panels_are_equal_squares_inside_the_frame_and_apart(aspect, n):
    lay = layout(aspect)
    panels = lay.grid(n)
    assert len(panels) == n
    sides = {round(p.picture.width, 9) for p in panels}
    assert len(sides) == 1 and all(p.picture.width == pytest.approx(p.picture.height) for p in panels)
    for p in panels:
        assert title_safe(lay).contains(p.picture) and title_safe(lay).contains(p.label)
        assert p.label.y1 == pytest.approx(p.picture.y0)  # the label strip right under its picture
        assert p.label.height > 0.3
    boxes = [p.picture for p in panels] + [p.label for p in panels]
    for a, b in itertools.combinations(boxes, 2):  # neighbouring label strips may touch
        assert not a.inset(1e-9).overlaps(b.inset(1e-9))


def test_two_panels_side_by_side_in_landscape_and_stacked_in_portrait():
    wide = layout("16:9").grid(2)
    assert wide[0].picture.y0 == pytest.approx(wide[1].picture.y0)
    assert wide[0].picture.x1 < wide[1].picture.x0
    tall = layout("9:16").grid(2)
    assert tall[0].picture.x0 == pytest.approx(tall[1].picture.x0)
    assert tall[0].picture.y0 > tall[1].picture.y1  # the first on top
    for panels in (wide, tall):  # each at least 40 % of the short side across
        assert panels[0].picture.width >= 0.4 * SHORT_SIDE


def test_a_last_row_that_is_not_full_is_centred():
    panels = layout("9:16").grid(3)  # two over one
    top_left, top_right, bottom = (p.picture for p in panels)
    assert top_left.y0 == pytest.approx(top_right.y0) and bottom.y1 < top_left.y0
    assert bottom.centre[0] == pytest.approx((top_left.centre[0] + top_right.centre[0]) / 2)


def test_layout_does_not_import_manim():
    import subprocess
    import sys

    code = "import sys, nnanim.layout, nnanim.options; print('manim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


def test_a_legend_line_makes_the_header_taller_in_every_shape():
    from nnanim.layout import LEGEND_HEIGHT, frame_size

    for aspect in ("16:9", "9:16", "1:1", "4:3"):
        plain, legend = Layout(*frame_size(aspect)), Layout(*frame_size(aspect), legend=True)
        assert legend.header.height == pytest.approx(plain.header.height + LEGEND_HEIGHT)
        assert not legend.header.overlaps(legend.picture)
        assert not legend.header.overlaps(legend.caption)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_grid_of_given_columns_four_as_two_by_two(aspect):
    lay = layout(aspect)
    panels = lay.grid(4, cols=2)
    xs = sorted({round(p.picture.x0, 9) for p in panels})
    ys = sorted({round(p.picture.y0, 9) for p in panels})
    assert len(xs) == 2 and len(ys) == 2
    assert panels[0].picture.y0 == pytest.approx(panels[1].picture.y0)  # row by row
    assert panels[1].picture.x0 > panels[0].picture.x0 and panels[2].picture.y1 < panels[0].picture.y0
    for p in panels:
        assert title_safe(lay).contains(p.picture) and title_safe(lay).contains(p.label)
    assert len({round(p.picture.y0, 9) for p in lay.grid(4, cols=4)}) == 1  # one row
    assert len({round(p.picture.x0, 9) for p in lay.grid(3, cols=1)}) == 1  # one column


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_title_strip_and_every_kind_of_layout_stay_title_safe(aspect):
    for kwargs in ({}, {"aside": 0.3}, {"legend": True}, {"header": False}, {"caption_lines": 5},
                   {"title_lines": 3}):
        lay = layout(aspect, **kwargs)
        assert lay.safe == title_safe(lay)
        for name, box in regions(lay).items():
            assert title_safe(lay).contains(box), (kwargs, name)
        assert title_safe(lay).contains(lay.title_strip(2))


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("big", [0, 1, 2])
@pytest.mark.parametrize("left", [False, True])
def test_focus_grows_one_panel_and_keeps_the_others_as_thumbnails_apart(aspect, big, left):
    lay = layout(aspect)
    row = lay.grid(3, label_lines=4, top=1.3, gap=0.35)
    panels = lay.focus(3, big, column=2.6, label_height=2.0, top=1.3, gap=0.35, left=left)
    assert len(panels) == 3
    main = panels[big]
    assert main.picture.width == pytest.approx(main.picture.height)
    assert main.picture.width > 1.3 * row[0].picture.width  # larger than in the row
    assert main.label.height == pytest.approx(2.0)
    thumbs = [p for i, p in enumerate(panels) if i != big]
    assert [p.picture.x0 for p in thumbs] == sorted(p.picture.x0 for p in thumbs)  # in order
    for p in thumbs:
        assert p.picture.width == pytest.approx(p.picture.height) and p.label.height == 0
        assert 0.3 < p.picture.width < main.picture.width
    boxes = [p.picture for p in panels] + [main.label]
    for box in boxes:
        assert title_safe(lay).contains(box)
        assert box.y1 <= lay.safe.y1 - 1.3 + 1e-9  # under the top strip
    for a, b in itertools.combinations(boxes, 2):
        assert not a.inset(1e-9).overlaps(b.inset(1e-9))
    if lay.shape != "portrait":  # the label column on the side asked for, level with the top
        assert (main.label.x1 <= main.picture.x0) == left and main.label.y1 == main.picture.y1
