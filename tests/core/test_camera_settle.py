"""The camera catches up with a shrink over the still stage after it (pure NumPy: nnanim.core.camera).

A stage that shrinks the data faster than the zoom's cap (tanh's squeeze: the size falls ten
times, most of it at the stage's end) leaves the view far out; over the still stage that follows
the view settles onto the data by itself, smoothly, never faster than the cap.  The data's box is
written here in closed form (squares about a fixed centre), not taken from the camera.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnanim.core.camera import SETTLE_BELOW, ZOOM_CAP, camera_track, settle_excess, still_stages

PER = 32
CENTRE = np.array([3.0, -2.0, 0.0])


def _sampled(sizes):
    """``(u, lo, hi, half)``: a square of half side ``sizes[s](t)`` about CENTRE, per stage."""
    n = len(sizes)
    u = np.linspace(0.0, n, n * PER + 1)
    stage = np.minimum(u.astype(int), n - 1)
    half = np.array([sizes[s](x - s) for s, x in zip(stage, u, strict=True)])
    box = np.column_stack([half, half, np.zeros_like(half)])
    return u, CENTRE - box, CENTRE + box, half


def _view(track, u):
    boxes = [track.box(x) for x in u]
    return np.array([c for c, _ in boxes]), np.array([h[:2].max() for _, h in boxes])


#: tanh's squeeze of a wide cloud: (1 − t)·10 + t·1, a tenfold shrink, steepest (in log) at the end
SQUEEZE = [lambda t: 10.0, lambda t: 10.0 - 9.0 * t, lambda t: 1.0, lambda t: 1.0]


def test_a_still_stage_after_a_fast_shrink_settles_the_view_onto_the_data():
    u, lo, hi, half = _sampled(SQUEEZE)
    assert still_stages(lo, hi, PER).tolist() == [True, False, True, True]
    track = camera_track(u, lo, hi, PER, 0.0, settle=True)
    centre, view = _view(track, u)
    assert track.settling == (2,)
    assert np.all(view >= half * (1 - 1e-9))  # the data inside at every sample
    a, b = 2 * PER, 3 * PER  # the settle stage
    # the shrink left the view far out: at the settle stage's start, more than 1.5 times the data
    assert view[a] > 1.5 * half[a]
    # within the settle stage it reaches the data's own box, and the stage after holds it
    assert view[b] == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_allclose(view[b:], view[b], rtol=1e-9)
    # it zooms in all the way (never out), at most ZOOM_CAP a stage at any sample
    step = np.diff(np.log(view))
    assert np.all(step[a:b] <= 1e-12)
    assert np.abs(step).max() <= 1.05 * ZOOM_CAP / PER  # (as the growth test allows)
    # the centre is the data's, held: no drift over the still stages
    assert np.abs(centre[a:, :2] - CENTRE[:2]).max() < 1e-9


def test_no_jump_at_the_stage_boundaries_of_a_settle():
    u, lo, hi, _ = _sampled(SQUEEZE)
    track = camera_track(u, lo, hi, PER, 0.0, settle=True)
    for edge in (2.0, 3.0):  # into and out of the settle stage
        h0, h1 = (track.box(edge + d)[1].max() for d in (-1e-6, 1e-6))
        assert abs(np.log(h1 / h0)) < 1e-4
        # the zoom's speed either side of the edge is of one size (no kick): the step into the
        # boundary and the step out of it differ by less than the cap allows in a sample
        d = 1.0 / PER
        before = np.log(track.box(edge)[1].max() / track.box(edge - d)[1].max())
        after = np.log(track.box(edge + d)[1].max() / track.box(edge)[1].max())
        assert abs(after - before) <= ZOOM_CAP / PER


def test_a_shrink_beyond_the_cap_settles_over_as_many_still_stages_as_it_needs():
    deep = [lambda t: 1.0, lambda t: np.exp(-9.0 * t ** 3), lambda t: np.exp(-9.0),
            lambda t: np.exp(-9.0), lambda t: np.exp(-9.0)]
    u, lo, hi, half = _sampled(deep)
    track = camera_track(u, lo, hi, PER, 0.0, settle=True)
    _, view = _view(track, u)
    assert track.settling[:2] == (2, 3)
    assert np.all(view >= half * (1 - 1e-9))
    assert np.abs(np.diff(np.log(view))).max() <= 1.05 * ZOOM_CAP / PER  # (as the growth test allows)
    # ... and then ends on the data
    assert view[-1] == pytest.approx(np.exp(-9.0), rel=1e-3)


def test_a_still_stage_the_view_has_reached_holds_it():
    """A slow shrink is followed within its own stage: the still stage after it holds the view
    (a scene may jump over it), and so does one before a growth (met by zooming out before it)."""
    slow = [lambda t: 1.0, lambda t: 1.0 - 0.3 * t, lambda t: 0.7, lambda t: 0.7 + 5 * t, lambda t: 5.7]
    u, lo, hi, _ = _sampled(slow)
    track = camera_track(u, lo, hi, PER, 0.0, settle=True)
    _, view = _view(track, u)
    assert track.settling == ()
    np.testing.assert_allclose(view[2 * PER: 3 * PER + 1], view[2 * PER], rtol=1e-9)


def test_settle_excess_is_the_lag_of_a_zoom_that_follows_at_rate_one():
    clock = np.linspace(0.0, 1.0, 11)
    need = np.exp(-4.0 * clock)[:, None]  # the data shrank e⁴ times over one unit of clock
    # followed at rate 1 from its start, the zoom is at e^(−1); the data at e^(−4): 3 above
    assert settle_excess(clock, need) == pytest.approx(3.0)
    assert settle_excess(clock, np.ones((11, 1))) == 0.0
    # an axis squashed to nothing does not count
    flat = np.column_stack([np.ones(11), np.exp(-20 * clock)])
    assert settle_excess(clock, flat) < SETTLE_BELOW


def test_only_the_stages_a_scene_plays_settle():
    """By default a still stage holds the view (a scene may jump over it or replay it as an
    orbit, from its start each time); a scene that plays it names it, and only it settles."""
    u, lo, hi, half = _sampled(SQUEEZE)
    held = camera_track(u, lo, hi, PER, 0.0)
    _, view = _view(held, u)
    assert held.settling == ()
    np.testing.assert_allclose(view[2 * PER:], view[2 * PER], rtol=1e-9)
    assert view[-1] > 1.3 * half[-1]  # far out to the end: what the settling is for
    # naming the last stage only: the view holds over stage 2 and settles over stage 3
    late = camera_track(u, lo, hi, PER, 0.0, settle=[3])
    _, view = _view(late, u)
    assert late.settling == (3,)
    np.testing.assert_allclose(view[2 * PER: 3 * PER + 1], view[2 * PER], rtol=1e-9)
    assert view[-1] == pytest.approx(1.0, rel=1e-3)


def test_a_trace_framed_with_settling_settles_its_output_stage():
    """Through the flow: a tanh layer that squeezes a wide cloud tenfold, then the output stage
    (still); the trace asked to settle ends on the points' own box, the default one does not."""
    from nnanim.core.flow import FRAMING_MARGIN, build_flow
    from nnanim.core.nn import Network

    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, (300, 2))
    net = Network([8.0 * np.eye(2), np.array([[1.0, -1.0]])], [np.zeros(2), np.zeros(1)], ["tanh"],
                  "binary")
    flow = build_flow(net, reference=X)
    out = flow.stages[-1].index
    plain = flow.trace(X)
    settled = plain.settling([out])
    assert settled.settled() == (out,) and plain.settled() == ()
    P = plain.at(out, 1.0)[:, :2]
    own = 0.5 * float(np.ptp(P, axis=0).max()) * (1 + FRAMING_MARGIN)  # the points' box, margin
    assert settled.framing(out, 1.0)[1] == pytest.approx(own, rel=0.02)
    assert plain.framing(out, 1.0)[1] > 1.2 * own
    # the same framing up to the output stage
    for s in range(out):
        assert settled.framing(s, 0.5)[1] == pytest.approx(plain.framing(s, 0.5)[1], rel=1e-9)


def test_the_fit_in_a_wide_region_turns_without_a_corner():
    """A box turning from wide to tall in a 16:9 region: the view fits the largest
    half_k / aspect_k, which has a corner where the axes cross; with the region's aspect the
    track rounds that corner (its steepest turn, the second difference of the fit's log, is
    smaller than the cube-rounded track's) and still holds the box."""
    per = 64
    sizes = [lambda t: (2.0 - 1.8 * t, 0.2 + 1.8 * t)]
    u = np.linspace(0.0, 1.0, per + 1)
    half = np.array([sizes[0](x) for x in u])
    box = np.column_stack([half, np.zeros(len(u))])
    aspect = np.array([16.0, 9.0, 9.0])

    def fit(track):
        h = np.array([track.box(x)[1] for x in u])
        assert np.all(h[:, :2] >= box[:, :2] * (1 - 1e-9))
        return np.log((h / (aspect / aspect.max())).max(axis=1))

    cube = fit(camera_track(u, -box, box, per, 0.0))
    wide = fit(camera_track(u, -box, box, per, 0.0, aspect=aspect))
    assert np.abs(np.diff(wide, 2)).max() < 0.5 * np.abs(np.diff(cube, 2)).max()
