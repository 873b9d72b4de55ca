"""Nothing collides: in every scene, every frame shape, after every play, no two text or picture boxes
overlap and every box lies inside the title-safe area (the inner 90 % of the frame).

The boxes are the scene's own geometry, recorded by its plan pass
(:attr:`nnanim.draw.scene.FlowScene.shots`): the bounding box of every visible
Pango text, and every distinct region a moving picture is clipped to.  A text
may lie on a picture only when it says it annotates that picture (an axis
name) and stays inside it.
"""

from __future__ import annotations

import itertools

import pytest
from plan_shots import group, planned, title_safe

from nnanim.contract import list_scenes
from nnanim.options import ASPECTS

#: boxes that only touch (a glyph's antialiasing, rounding) do not collide: scene units
TOUCH = 0.01


def collisions(shot, safe) -> list[str]:
    """What collides in one shot, in words."""
    found = []
    named = [(f"text {t!r}", box) for t, box in shot.texts] + [
        (f"picture {i}", box) for i, box in enumerate(shot.pictures)] + [
        (f"travelling picture {i}", box) for i, box in enumerate(shot.travelling)]
    for name, box in named:
        if not safe.contains(box, tol=TOUCH):
            found.append(f"{name} at ({box.x0:.2f}, {box.y0:.2f})–({box.x1:.2f}, {box.y1:.2f}) "
                         "leaves the title-safe area")
    texts = list(zip(shot.texts, shot.inside, strict=True))
    for ((a, box_a), _), ((b, box_b), _) in itertools.combinations(texts, 2):
        if box_a.inset(TOUCH).overlaps(box_b.inset(TOUCH)):
            found.append(f"text {a!r} overlaps text {b!r}")
    for (a, box_a), inside in texts:
        for i, picture in enumerate(shot.pictures + shot.travelling):
            if not box_a.inset(TOUCH).overlaps(picture.inset(TOUCH)):
                continue
            if inside is not None and inside == picture and picture.contains(box_a, tol=TOUCH):
                continue  # it annotates this picture, from inside
            found.append(f"text {a!r} lies on picture {i}")
    for (i, p), (j, q) in itertools.combinations(enumerate(shot.pictures), 2):
        if p.contains(q, tol=TOUCH) or q.contains(p, tol=TOUCH):
            continue  # one region, its picture replaced by one drawn a little inside it
        if p.inset(TOUCH).overlaps(q.inset(TOUCH)):
            found.append(f"picture {i} overlaps picture {j}")
    return found


#: known collisions, each a defect to fix (strict: the test says so once it is fixed)
KNOWN: dict[tuple[str, str], str] = {}


def cases(known: dict[tuple[str, str], str] = KNOWN, strict: bool = True):
    """Every scene in every shape, on its scene's worker; a known case marked xfail with why."""
    for scene in sorted(list_scenes()):
        for aspect in ASPECTS:
            marks = [group(scene)] + ([pytest.mark.xfail(reason=known[scene, aspect], strict=strict)]
                                      if (scene, aspect) in known else [])
            yield pytest.param(scene, aspect, marks=marks, id=f"{scene}-{aspect}")


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "aspect"), list(cases()))
def test_no_text_or_picture_collides_and_all_stay_title_safe(scene, aspect):
    played = planned(scene, aspect)
    safe = title_safe(played)
    assert played.shots, "the plan pass recorded nothing"
    # every beat was seen (each beat plays at least once), and something was on screen
    assert {s.beat for s in played.shots} >= set(range(len(played.beats)))
    assert any(s.texts for s in played.shots) and any(s.pictures for s in played.shots)
    problems = {}
    for shot in played.shots:
        for problem in collisions(shot, safe):
            problems.setdefault(problem, shot.time)
    listed = [f"{t:.1f} s: {p}" for p, t in sorted(problems.items(), key=lambda kv: kv[1])]
    assert not listed, f"{scene} {aspect}, {len(listed)} collisions:\n" + "\n".join(listed[:12])


def covered(marks) -> list[str]:
    """What a view's axis names and scale bar cover in one shot, in words: a data point's disc,
    or a boundary (or level line) drawn in the picture."""
    import numpy as np

    found = []
    for what, box in marks.boxes:
        P = marks.points
        if len(P):  # the nearest point of the box to each centre, closer than the disc's radius
            near = np.clip(P, [box.x0, box.y0], [box.x1, box.y1])
            hit = int(np.count_nonzero(np.hypot(*(P - near).T) < marks.radius))
            if hit:
                found.append(f"{what} covers {hit} data points")
        L = marks.lines
        if len(L) and np.any((L[:, 0] > box.x0) & (L[:, 0] < box.x1)
                             & (L[:, 1] > box.y0) & (L[:, 1] < box.y1)):
            found.append(f"{what} lies on a boundary")
    return found


#: scenes whose views' axes this check does not hold yet (issue 16 open: listed, with why; not
#: strict, as KNOWN_FAILURES: other scenes' fixes may free a corner first, and the test still runs)
_THREE_D = "3-D stages keep the compass bottom left (3-D name placement is not chosen by corner yet)"
_SMALL = "small panels: the data reach every corner, the compass is a third of the panel"
AXES_KNOWN: dict[tuple[str, str], str] = {
    **{("feature-cross", a): _SMALL + "; " + _THREE_D for a in ("16:9", "9:16", "1:1", "4:3")},
    **{("by-hand", a): _THREE_D + "; the input's corners all meet the boundary or the data"
       for a in ("9:16", "1:1", "4:3")},
    **{("multiclass", a): _THREE_D + "; the first stage's corners are chosen over the whole "
       "stage, the intro hold's boundary reaches one" for a in ("16:9", "9:16", "1:1", "4:3")},
    ("topology", "1:1"): "the plan pass's short training leaves the width-3 input a boundary "
    "through both top corners of the wide, low 1:1 picture, where the switch to width 3 ends (the "
    "3-D compass stays top: test_the_3d_compass_keeps_off_the_header); a 3-D stage's compass "
    "covers a point",
    **{("bottleneck", a): "since the framing zooms on the points alone, the spirals fill the "
       "panel's corners in some stages (1-13 labels a video touch a few points)"
       for a in ("16:9", "9:16", "1:1", "4:3")},
}


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "aspect"), list(cases(AXES_KNOWN, strict=False)))
def test_axis_names_and_scale_bars_cover_no_point_and_no_boundary(scene, aspect):
    """After every play, each view's axis names, compass and scale bar lie where no data point's
    disc and no boundary is: they go to the picture's free corners (issue 16)."""
    played = planned(scene, aspect)
    problems = {}
    for shot in played.shots:
        for marks in shot.marks:
            for problem in covered(marks):
                problems.setdefault(problem, shot.time)
    listed = [f"{t:.1f} s: {p}" for p, t in sorted(problems.items(), key=lambda kv: kv[1])]
    assert not listed, f"{scene} {aspect}, {len(listed)} covered:\n" + "\n".join(listed[:12])


def test_the_axes_check_sees_a_label_on_the_data():
    import numpy as np

    from nnanim.draw.scene import AxesMarks
    from nnanim.layout import Box

    region = Box(-3.0, -3.0, 3.0, 3.0)
    label = [("h₁", Box(2.0, -2.9, 2.4, -2.6))]
    far = AxesMarks(region, label, np.array([[0.0, 0.0]]), 0.05, np.array([[-1.0, 1.0]]))
    assert covered(far) == []
    on_point = AxesMarks(region, label, np.array([[2.2, -2.58]]), 0.05, np.zeros((0, 2)))
    assert covered(on_point) == ["h₁ covers 1 data points"]
    on_line = AxesMarks(region, label, np.zeros((0, 2)), 0.05, np.array([[2.1, -2.7]]))
    assert covered(on_line) == ["h₁ lies on a boundary"]


def test_the_check_sees_a_collision():
    """The check itself: a caption on a picture, two texts on one spot, a text off the safe area."""
    from nnanim.draw.scene import Shot
    from nnanim.layout import Box

    safe = Box(-6.4, -3.6, 6.4, 3.6)
    picture = Box(-2.0, -3.0, 6.0, 3.0)
    clean = Shot(0, 0.0, [("caption", Box(-6.0, 2.0, -2.5, 3.0)), ("header", Box(-6.0, -3.0, -2.5, -2.5))],
                 [None, None], [picture])
    assert collisions(clean, safe) == []
    on_picture = Shot(0, 0.0, [("caption", Box(-6.0, 2.0, -1.0, 3.0))], [None], [picture])
    assert collisions(on_picture, safe) == ["text 'caption' lies on picture 0"]
    axis = Shot(0, 0.0, [("h₁", Box(5.0, -2.9, 5.5, -2.6))], [picture], [picture])
    assert collisions(axis, safe) == []  # an axis name inside its own picture
    stacked = Shot(0, 0.0, [("a", Box(-6.0, 2.0, -3.0, 3.0)), ("b", Box(-5.0, 2.5, -3.5, 3.2))],
                   [None, None], [])
    assert collisions(stacked, safe) == ["text 'a' overlaps text 'b'"]
    edge = Shot(0, 0.0, [("a", Box(-7.0, 2.0, -3.0, 3.0))], [None], [])
    assert len(collisions(edge, safe)) == 1 and "title-safe" in collisions(edge, safe)[0]


# -- a caption swap, rendered: never two captions at once


def _render_swap(tmp_path, cross_fade: bool):
    """Render a caption swap at 256 × 144 and return its decoded frames (RGB, uint8)."""
    import manim

    from nnanim.draw.mobjects import OpacityFade
    from nnanim.draw.scene import FlowScene

    class Swap(FlowScene):
        def construct(self):
            old = self.caption("first words", "an old caption that must leave first")
            self.open(still=(old,), seconds=0.2)
            if cross_fade:  # the way captions used to swap: both at once
                new = self.caption("other title", "and a new caption arriving after it")
                self.add(new)
                self.play(OpacityFade(new), OpacityFade(old, fade_in=False), run_time=0.6)
            else:
                self.swap_caption(old, "other title", "and a new caption arriving after it",
                                  run_time=0.6)
            self.wait(0.2)

    Swap.job = None
    temp = {"pixel_width": 256, "pixel_height": 144, "frame_rate": 30, "media_dir": str(tmp_path),
            "disable_caching": True, "write_to_movie": True, "format": None, "output_file": "swap"}
    with manim.tempconfig(temp):
        scene = Swap()
        scene.render()
        path = scene.renderer.file_writer.movie_file_path
    from conftest import _decode_frames

    frames, _ = _decode_frames(path)
    return frames


def both_captions_shown(frames) -> list[int]:
    """Frames in which pixels only the old caption lights and pixels only the new one lights are
    both lit: measured against the first frame (old alone) and the last (new alone)."""
    import numpy as np

    grey = frames.astype(float).max(axis=3)
    background = np.median(grey[0])
    lit_first, lit_last = grey[0] > background + 60, grey[-1] > background + 60
    old_only, new_only = lit_first & ~lit_last, lit_last & ~lit_first
    assert old_only.sum() > 50 and new_only.sum() > 50, "the two captions' ink was not found"
    both = []
    for i, frame in enumerate(grey):  # the share of each caption's own ink that is lit
        old = (frame[old_only] > background + 60).mean()
        new = (frame[new_only] > background + 60).mean()
        if old > 0.1 and new > 0.1:
            both.append(i)
    return both


@pytest.mark.slow
def test_a_caption_swap_never_shows_two_captions_at_once(tmp_path):
    frames = _render_swap(tmp_path / "swap", cross_fade=False)
    assert len(frames) >= 25  # 1 s at 30 fps: the swap is sampled many times
    assert both_captions_shown(frames) == []
    # and the check sees a cross-fade: the same swap with both fades at once is caught
    crossed = _render_swap(tmp_path / "cross", cross_fade=True)
    assert len(both_captions_shown(crossed)) >= 3
