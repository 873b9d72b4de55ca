"""How much of a plane a tilted, turned view shows (pure NumPy: nnanim.core.camera)."""

from __future__ import annotations

import numpy as np

from nnanim.core.camera import face_on_angles, plane_face


def _shown_area(normal, elev, azim):
    """The on-screen area of a unit square in the plane of ``normal``, projected as FlowView.project
    does (turn by azim about the vertical, tilt by elev), by the shoelace formula."""
    n = np.asarray(normal, dtype=float) / np.linalg.norm(normal)
    u = np.cross(n, [1.0, 0.0, 0.0] if abs(n[0]) < 0.9 else [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    square = np.array([0 * u, u, u + v, v])
    ca, sa, ce, se = np.cos(azim), np.sin(azim), np.cos(elev), np.sin(elev)
    x = square[:, 0] * ca - square[:, 1] * sa
    y = (square[:, 0] * sa + square[:, 1] * ca) * ce + square[:, 2] * se
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_plane_face_is_the_share_of_its_area_on_screen():
    rng = np.random.default_rng(3)
    for _ in range(50):
        normal = rng.normal(size=3)
        elev, azim = rng.uniform(0, np.pi / 2), rng.uniform(-np.pi, np.pi)
        assert np.isclose(plane_face(normal, elev, azim), _shown_area(normal, elev, azim), atol=1e-9)
    assert np.isclose(plane_face([0, 0, 2.0], 0.0, 0.3), 1.0)  # the top view of a flat plane
    assert plane_face([1.0, 0.0, 0.0], 0.0, 0.0) < 1e-12  # a wall, from above: edge-on


def test_face_on_angles_leave_out_views_of_a_plane_edge_on():
    """A sheet of data best seen from a 60° tilt, and a plane that this tilt shows edge-on at some
    turn of the orbit: the angles chosen keep the plane above the share asked for at every turn."""
    rng = np.random.default_rng(1)
    u, v = rng.uniform(-1, 1, (2, 300, 1))
    e = np.radians(60)
    sheet = u * np.array([1.0, 0.0, 0.0]) + v * np.array([0.0, np.cos(e), np.sin(e)])
    elevs, azims = np.radians([20, 30, 40, 50, 60, 70]), np.radians(np.arange(-90, 91, 15))
    assert np.allclose(face_on_angles([sheet], [0.0], elevs, azims), np.radians([60, 0]))
    normal = np.array([0.0, 1.0, 0.8])  # steep: edge-on from a 60° tilt at some turn
    turns = np.linspace(0.0, 1.0, 11)
    assert min(plane_face(normal, np.radians(60), t) for t in turns) < 0.35
    elev, azim = face_on_angles([sheet], [0.0], elevs, azims, planes=[(normal, turns)], min_face=0.35)
    assert min(plane_face(normal, elev, azim + t) for t in turns) >= 0.35
    # no angle can keep it: the least edge-on ones are kept
    wall = np.array([1.0, 0.0, 0.0])
    whole = np.linspace(0.0, 2 * np.pi, 13)
    elev, azim = face_on_angles([sheet], [0.0], elevs, azims, planes=[(wall, whole)], min_face=0.99)
    best = max(min(plane_face(wall, e_, a + t) for t in whole) for e_ in elevs for a in azims)
    assert np.isclose(min(plane_face(wall, elev, azim + t) for t in whole), best)
