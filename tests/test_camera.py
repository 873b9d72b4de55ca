"""The camera of every picture: smooth in time, and the data inside its region, in every frame.

Two independent checks:

* On the view itself: every scene in every frame shape is walked without
  drawing (the plan pass), but every play is sampled at every frame time of
  a 15 fps render, all its animations together, and each :class:`FlowView`'s
  framing (``screen_map``: centre and scale, with the view's angles) is
  recorded, with the scene positions of its points.  Between two consecutive
  frames the scale may change by at most :data:`MAX_ZOOM` (in log) and the
  centre move by at most :data:`MAX_SHIFT` of the region's size; the points
  lie inside their picture region (``clip_box``).
* On decoded frames (:func:`sudden_frames`, used on the renders of
  tests/test_every_scene.py): no frame whose change from the previous one is
  far above both neighbours' changes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from storyboards import dry_run

from nnanim.contract import list_scenes
from nnanim.core.camera import (
    ZOOM_CAP,
    camera_track,
    capped_union,
    slab_corners,
    smooth_above,
    stage_widened,
    still_stages,
    turned_extent,
    zoom_envelope,
)
from nnanim.layout import pixel_size

SCENES = sorted(list_scenes())
#: known to fail, left open in issue 16: these scenes play a network's stages faster (0.2-0.6 s
#: a stage) than the camera eases a stage's zoom, so a collapsing linear layer zooms ~0.5 a frame
FAST_STAGES: set[str] = set()
ASPECTS = ("16:9", "9:16", "1:1", "4:3")
FPS = 15
#: the largest change of the framing between two frames at FPS: log of the scale ratio, and
#: the centre's move as a fraction of the region's short side (a stage that grows or shrinks the
#: data many times, e.g. tanh saturating, zooms up to about 0.37 in a frame at its fastest)
MAX_ZOOM = 0.4
MAX_SHIFT = 0.15
#: a one-frame refit: a change above JUMP that is SPIKE times both neighbouring frames' (the
#: review's jump grew the picture by a quarter in a frame: 0.22)
JUMP = 0.1
SPIKE = 3.0
#: how far (as a fraction of the region's short side) a point's centre may be outside
#: its picture region: none, up to rounding
OUTSIDE = 1e-6


# --------------------------------------------------------------------------- the pure framing


def test_zoom_envelope_covers_the_need_and_changes_at_most_at_its_rate():
    rng = np.random.default_rng(1)
    m = np.sort(rng.uniform(0, 5, 200))
    need = np.exp(rng.normal(0, 1.5, (200, 2)))
    h = zoom_envelope(m, need, 2.0)
    assert np.all(h >= need * (1 - 1e-12))
    slope = np.abs(np.diff(np.log(h), axis=0)) / np.maximum(np.diff(m), 1e-12)[:, None]
    assert slope.max() <= 2.0 + 1e-6
    # where the need is already slow, the envelope is the need itself
    flat = np.full((50, 1), 3.0)
    np.testing.assert_allclose(zoom_envelope(np.linspace(0, 1, 50), flat, 1.0), flat)


def test_smooth_above_is_never_below_and_rounds_corners():
    m = np.linspace(0, 4, 161)
    v = np.abs(m - 2.0)[:, None]  # a corner at 2
    w = smooth_above(m, v, 0.3)
    assert np.all(w >= v - 1e-12)
    second = np.abs(np.diff(w[:, 0], 2)).max()
    assert second < 0.5 * np.abs(np.diff(v[:, 0], 2)).max()


def _boxes(sizes, per_stage):
    """Boxes of a square of half size ``sizes(u)`` around the origin, sampled on u."""
    u = np.linspace(0, len(sizes), len(sizes) * per_stage + 1)
    stage = np.minimum(u.astype(int), len(sizes) - 1)
    half = np.array([sizes[s](x - s) for s, x in zip(stage, u, strict=True)])
    hi = np.column_stack([half, half, np.zeros_like(half)])
    return u, -hi, hi


def test_a_still_stage_holds_the_view_and_a_fast_growth_is_met_early():
    per = 32
    grow = [lambda t: 1.0, lambda t: 1.0 + 19.0 * t ** 4, lambda t: 20.0, lambda t: 20.0]
    u, lo, hi = _boxes(grow, per)
    # stage 0 and 3 hold still (stage 2 too: the size is constant); stage 1 grows twentyfold
    assert still_stages(lo, hi, per).tolist() == [True, False, True, True]
    track = camera_track(u, lo, hi, per, 0.0)
    halves = np.array([track.box(x)[1][0] for x in u])
    assert np.all(halves >= hi[:, 0] - 1e-9)  # the data inside at every sample
    np.testing.assert_allclose(halves[: per + 1], halves[0])  # still stages: one view
    np.testing.assert_allclose(halves[2 * per:], halves[-1])
    assert halves[-1] == pytest.approx(20.0, rel=1e-6)  # the view ends on its data
    # the zoom's speed is bounded: at most ZOOM_CAP a stage, however late the growth comes (t⁴)
    assert np.abs(np.diff(np.log(halves))).max() <= 1.05 * ZOOM_CAP / per
    # and with a slow clock (no following) a growth ahead is met by zooming out before it
    slow = camera_track(u, lo, hi, per, 0.0, follow=0.0)
    early = np.array([slow.box(x)[1][0] for x in u])
    assert np.all(early >= hi[:, 0] - 1e-9)
    assert early[per + per // 2] > 2 * hi[per + per // 2, 0]


def test_stage_widened_leaves_stage_ends_and_widens_inside():
    lo = -np.arange(9, dtype=float)[:, None]
    hi = np.arange(9, dtype=float)[:, None]
    wlo, whi = stage_widened(lo, hi, 4, 1)
    assert whi[:, 0].tolist() == [0, 2, 3, 4, 4, 6, 7, 8, 8]
    assert wlo[:, 0].tolist() == (-whi[:, 0]).tolist()


def test_capped_union_takes_in_the_other_box_only_within_the_cap():
    lo, hi = np.array([[-1.0, -0.1]]), np.array([[1.0, 0.1]])  # a flat strip: largest half side 1
    # a grid just past the strip is taken in whole
    got = capped_union(lo, hi, np.array([[-1.2, -0.5]]), np.array([[1.2, 0.5]]), 1.5)
    np.testing.assert_allclose(got, [[[-1.2, -0.5]], [[1.2, 0.5]]])
    # one thrown far away stops at 1.5 half sides from the strip's centre, on every axis
    got = capped_union(lo, hi, np.array([[-40.0, -9.0]]), np.array([[3.0, 20.0]]), 1.5)
    np.testing.assert_allclose(got, [[[-1.5, -1.5]], [[1.5, 1.5]]])
    # the strip itself is always inside
    got = capped_union(lo, hi, np.array([[0.0, 0.0]]), np.array([[0.1, 0.05]]), 1.5)
    np.testing.assert_allclose(got, [lo, hi])


def test_capped_union_in_a_region_costs_the_box_at_most_the_cap_of_its_zoom():
    """In a region of another shape the cap counts in that shape: the zoom a uniform fit gives
    the union is never below 1 / cap of the first box's own, whatever the other box."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        aspect = np.array([rng.uniform(0.3, 3.0), 1.0, rng.uniform(0.3, 3.0)])
        c = rng.normal(size=3)
        h = rng.uniform(0.01, 2.0, 3)
        lo, hi = (c - h)[None], (c + h)[None]
        o = rng.normal(size=3) * 5
        oh = rng.uniform(0.0, 20.0, 3)
        u_lo, u_hi = capped_union(lo, hi, (o - oh)[None], (o + oh)[None], 1.4, aspect)
        assert np.all(u_lo <= lo) and np.all(u_hi >= hi)  # the first box inside
        own = np.max(h / aspect)  # what each asks of the region (the zoom is its inverse)
        got = np.max(0.5 * (u_hi - u_lo)[0] / aspect)
        assert own - 1e-12 <= got <= 1.4 * own + 1e-12
    # a flat strip in a wide region (16:9): the grid is taken in whole across and, above and
    # below, as far as the region's height leaves room, not only to a square of the strip
    lo, hi = np.array([[-1.6, -0.1]]), np.array([[1.6, 0.1]])
    aspect = np.array([16.0, 9.0])
    got = capped_union(lo, hi, np.array([[-1.7, -5.0]]), np.array([[1.7, 5.0]]), 1.5, aspect)
    np.testing.assert_allclose(got, [[[-1.7, -1.35]], [[1.7, 1.35]]])


def _turn(elev, azim):
    ca, sa, ce, se = np.cos(azim), np.sin(azim), np.cos(elev), np.sin(elev)

    def project(P):
        x = P[:, 0] * ca - P[:, 1] * sa
        y = (P[:, 0] * sa + P[:, 1] * ca) * ce + P[:, 2] * se
        return np.column_stack([x, y, np.zeros(len(P))])
    return project


def test_slab_corners_are_the_polytope_of_the_slabs():
    from nnanim.core.camera import SUPPORT_DIRECTIONS as D

    rng = np.random.default_rng(5)
    P = rng.normal(size=(300, 3)) * [2.0, 1.0, 0.3]
    along = P @ D.T
    c, h = 0.5 * (along.min(axis=0) + along.max(axis=0)), 0.5 * np.ptp(along, axis=0)
    V = slab_corners(D, c, h)
    # every corner satisfies every slab, and the corners reach exactly as far as the slabs do
    assert np.all(np.abs(V @ D.T - c) <= h + 1e-9)
    np.testing.assert_allclose((V @ D.T).max(axis=0), c + h, atol=1e-9)
    np.testing.assert_allclose((V @ D.T).min(axis=0), c - h, atol=1e-9)
    # so every point lies in their hull: along any direction they reach at least as far as the points
    for d in rng.normal(size=(20, 3)):
        assert (V @ d).max() >= (P @ d).max() - 1e-9


def test_turned_extent_holds_every_point_and_is_smaller_than_the_box_for_a_sheet():
    from nnanim.core.camera import SUPPORT_DIRECTIONS as D

    rng = np.random.default_rng(3)
    r = np.sqrt(rng.uniform(0, 1, 800))
    a = rng.uniform(0, 2 * np.pi, 800)
    disk = np.column_stack([r * np.cos(a), r * np.sin(a), 0.5 * r * np.cos(a)])  # a tilted disk
    along = disk @ D.T
    c, h = 0.5 * (along.min(axis=0) + along.max(axis=0)), 0.5 * np.ptp(along, axis=0)
    V = slab_corners(D, c, h)
    centre = 0.5 * (disk.min(axis=0) + disk.max(axis=0))
    halves = 0.5 * np.ptp(disk, axis=0)
    box_corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * halves
    for elev, azim in ((60, -30), (30, 45), (80, 10), (10, -70)):
        project = _turn(np.radians(elev), np.radians(azim))
        seen = np.abs(project(disk - centre)[:, :2]).max(axis=0)
        box = np.abs(project(box_corners)[:, :2]).max(axis=0)
        got = turned_extent(halves, V, centre, project)
        assert np.all(got >= seen - 1e-9) and np.all(got <= box + 1e-12)
        np.testing.assert_allclose(turned_extent(halves, V, centre, project, 0.0), box)
    project = _turn(np.radians(30), np.radians(45))  # at a slant the disk is shown larger
    got = turned_extent(halves, V, centre, project)
    assert got[0] < 0.85 * np.abs(project(box_corners)[:, :2]).max(axis=0)[0]


# --------------------------------------------------------------------------- scenes


def _views(scene):
    from nnanim.draw.mobjects import FlowView

    seen, out = set(), []
    for top in scene.mobjects:
        for mob in top.get_family():
            if isinstance(mob, FlowView) and id(mob) not in seen:
                seen.add(id(mob))
                out.append(mob)
    return out


class _Sampler:
    """Plays every animation in plan mode, all of a play's animations together, at every frame."""

    def setup(self):
        super().setup()
        self.samples = []  # per frame: {view id: (log scale, centre on screen, region, points)}

    def play(self, *args, **kwargs):
        from manim.animation.animation import prepare_animation

        anims = [prepare_animation(a) for a in args]
        if kwargs.get("run_time") is not None:
            seconds = kwargs["run_time"] * self.pace
            for a in anims:
                a.run_time = seconds
        else:
            for a in anims:
                a.run_time = a.run_time * self.pace
            seconds = max(a.run_time for a in anims)
        if not self.beats:
            self.mark("intro", "", "")
        self.plays += 1
        for a in anims:
            a._setup_scene(self)
            a.begin()
        # every frame of a play that shows a view; one sample of a play without any (nothing framed)
        n = max(1, math.ceil(seconds * FPS - 1e-9)) if _views(self) else 1
        for k in range(1, n + 1):
            for a in anims:
                a.interpolate(k / n)
            self.record(f"play {self.plays} frame {k}/{n} at {self.clock + seconds * k / n:.2f} s")
        for a in anims:
            a.finish()
            a.clean_up_from_scene(self)
        self.clock += seconds
        if self.beats:
            self.beats[-1].end = self.clock

    def record(self, where):
        frame = {}
        for v in _views(self):
            centre, scale = v.screen_map(v.stage, v.t)
            size = min(v.view_width, v.view_height)
            # the screen position of the display origin within its region, and the zoom, in units
            # of the region (a panel that moves or grows as a whole, linear-vs-hidden's playing
            # panel, carries its framing with it: that is not the camera moving)
            origin = v.project(-np.asarray(centre, dtype=float)[None, :])[0, :2] * scale
            pts = np.asarray(v.cloud.points)[:, :2].copy()
            frame[id(v)] = (math.log(scale), origin / size, scale / size, v.clip_box, pts, size,
                            v.cloud.opacity)
        self.samples.append((where, frame))


#: ``scene -> (holds log, clock)`` of each scene's 16:9 walk on this test process: test_posters'
#: still-hold check reads the same walk (its default story in a 480p 16:9 frame), so it is walked
#: once for both (the two tests share a worker: the group ``camera-SCENE``)
HOLDS: dict[str, tuple[list, float]] = {}


def _walk(scene, aspect):
    from test_posters import _Holds  # (test_posters imports this module)

    class _Walk(_Holds, _Sampler):  # _Holds logs each play around _Sampler's, which keeps the clock
        pass

    played = dry_run(scene, {"aspect": aspect}, mixin=_Walk, pixels=pixel_size(aspect, 480))
    if aspect == "16:9":
        HOLDS[scene] = (played.log, played.clock)
    return played


def holds_log(scene) -> tuple[list, float]:
    """``(log, clock)`` of ``scene``'s 16:9 walk (test_posters' ``_Holds`` log): the one this test
    process walked for the camera check, else walked now."""
    if scene not in HOLDS:
        _walk(scene, "16:9")
    return HOLDS[scene]


#: a view's points at no more than this opacity are not seen (its framing may change under it)
HIDDEN = 0.02


def framing_jumps(samples):
    """``[(where, what, size), ...]``: frames where a view's framing changes too fast or in a jump."""
    series = {}  # view -> [(where, zoom change, shift)] over runs of consecutive frames
    for (_, before), (where, now) in zip(samples, samples[1:]):
        for key, (log_s, origin, *_, opacity) in now.items():
            # a view drawn at no opacity on either side is a declared cut under a fade (a panel
            # that fades out where it was and in where it goes): not the camera moving
            if key in before and min(opacity, before[key][-1]) > HIDDEN:
                zoom = abs(log_s - before[key][0])
                shift = float(np.linalg.norm(origin - before[key][1]))
                series.setdefault(key, []).append((where, zoom, shift))
    bad = []
    for changes in series.values():
        for k, (where, zoom, shift) in enumerate(changes):
            if zoom > MAX_ZOOM:
                bad.append((where, "zoom", zoom))
            if shift > MAX_SHIFT:
                bad.append((where, "shift", shift))
            for what, i in (("zoom jump", 1), ("shift jump", 2)):
                here = changes[k][i]
                prev = changes[k - 1][i] if k > 0 else 0.0
                after = changes[k + 1][i] if k + 1 < len(changes) else 0.0
                if here > JUMP and here > SPIKE * max(prev, after):
                    bad.append((where, what, here))
    return bad


def points_outside(samples):
    """``[(where, fraction outside, how far), ...]``: frames where shown points leave their region."""
    bad = []
    for where, frame in samples:
        for _, _, _, box, pts, size, opacity in frame.values():
            if box is None or not len(pts) or opacity <= 0:
                continue
            x0, y0, x1, y1 = box
            far = np.maximum.reduce([x0 - pts[:, 0], pts[:, 0] - x1, y0 - pts[:, 1], pts[:, 1] - y1])
            out = far > OUTSIDE * size
            if out.any():
                bad.append((where, float(out.mean()), float(far.max() / size)))
    return bad


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One private cache folder for the module (each scene trains once for its four shapes: a
    test process trains a config once, see conftest)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNANIM_CACHE_DIR", str(tmp_path_factory.mktemp("camera-cache")))
        yield


@pytest.mark.parametrize(("scene", "aspect"), [  # a scene's shapes on one worker: one training
    pytest.param(s, a, id=f"{s}-{a}", marks=[pytest.mark.xdist_group(f"camera-{s}")] + (
        [pytest.mark.xfail(reason="stages played faster than the camera eases them (issue 16 open)",
                           strict=True)] if s in FAST_STAGES else []))
    for s in SCENES for a in ASPECTS])
def test_the_framing_moves_smoothly_and_keeps_the_points_inside(scene, aspect, shared_cache):
    scene_ = _walk(scene, aspect)
    assert scene_.samples, "no frame sampled"
    if not any(frame for _, frame in scene_.samples):
        pytest.skip(f"{scene} draws no flow view (its pictures are replays of training)")
    jumps = framing_jumps(scene_.samples)
    assert not jumps, f"{scene} {aspect}: the framing jumps: {jumps[:5]}"
    outside = points_outside(scene_.samples)
    assert not outside, f"{scene} {aspect}: points outside their region: {outside[:5]}"


# --------------------------------------------------------------------------- decoded frames


def frame_changes(frames) -> np.ndarray:
    """Mean absolute change (0-255) of each frame from the previous one, ``(n - 1,)``.

    Frame pair by frame pair in the frames' own integers (uint8: the larger minus the smaller,
    summed exactly): a 480p video of 140 frames as one float array took 3 s of CPU and a
    gigabyte, for the same means."""
    f = np.asarray(frames)
    if len(f) < 2:
        return np.zeros(0)
    if f.dtype != np.uint8:  # (the tests' own synthetic frames may be of any type)
        f = f.astype(np.float64)
        return np.abs(np.diff(f, axis=0)).mean(axis=tuple(range(1, f.ndim)))
    size = f[0].size
    out = np.empty(len(f) - 1)
    for k in range(1, len(f)):
        a, b = f[k - 1], f[k]
        out[k - 1] = (np.maximum(a, b) - np.minimum(a, b)).sum(dtype=np.int64) / size
    return out


def sudden_frames(frames, ratio: float = 4.0, floor: float = 1.5) -> list[int]:
    """Indices ``k`` of frames whose change from frame ``k - 1`` is far above both neighbours'.

    A change above ``floor`` (mean 0-255 units) and ``ratio`` times both the
    change before it and the one after it: a one-frame jump, not motion (which
    changes neighbouring frames alike) nor a fade (spread over frames).
    """
    d = frame_changes(frames)
    out = []
    for k in range(len(d)):
        before = d[k - 1] if k > 0 else 0.0
        after = d[k + 1] if k + 1 < len(d) else 0.0
        if d[k] > floor and d[k] > ratio * max(before, after, 0.05):
            out.append(k + 1)
    return out


def test_sudden_frames_finds_a_one_frame_jump_and_not_motion_or_a_fade():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (30, 30, 3)).astype(np.uint8)
    frames = []
    for k in range(30):  # a square sliding smoothly to the right
        f = np.zeros((40, 60, 3), np.uint8)
        f[5:35, k:k + 30] = base
        frames.append(f)
    assert sudden_frames(frames) == []
    fade = [(f * a).astype(np.uint8) for f, a in zip(frames, np.linspace(1, 0, 30))]
    assert sudden_frames(fade) == []
    still = [frames[0]] * 10 + [np.roll(frames[0], 12, axis=1)] * 10  # a still, then a jump
    assert sudden_frames(still) == [10]


def test_face_on_angles_face_a_tilted_sheet_even_as_the_view_orbits():
    from nnanim.core.camera import face_on_angles

    rng = np.random.default_rng(1)
    u, v = rng.uniform(-1, 1, (2, 300, 1))
    e = np.radians(50)
    sheet = u * np.array([1.0, 0.0, 0.0]) + v * np.array([0.0, np.cos(e), np.sin(e)])  # seen
    # face-on from a tilt of 50° with no turn (FlowView.project's angles)
    elevs, azims = np.radians([30, 50, 70]), np.radians([-30, 0, 30])
    assert np.allclose(face_on_angles([sheet], [0.0], elevs, azims), np.radians([50, 0]))
    # the same sheet seen after the view has orbited 30°: the start turns back by as much
    assert np.allclose(face_on_angles([sheet], [np.radians(30)], elevs, azims), np.radians([50, -30]))
    # a line in 3-D has no face: it does not vote (the first angles are kept)
    line = u * np.array([1.0, 2.0, 3.0])
    assert np.allclose(face_on_angles([line], [0.0], elevs, azims), (elevs[0], azims[0]))
