"""Linear regions: exact polygons, checked against the forward pass and hand counts."""

from __future__ import annotations

import numpy as np
import pytest
from region_adjacency import shared_edge_adjacency

from nnanim.core.nn import Network, get_activation, init_network
from nnanim.core.regions import (
    linear_regions,
    locate,
    neighbours,
    pattern_colours,
    pattern_keys,
    region_colouring,
)
from nnanim.errors import NnanimError

BOX = (-2.0, 2.0, -1.5, 1.5)


def random_net(widths, act, seed, task="binary"):
    rng = np.random.default_rng(seed)
    net = init_network(widths, [act] * (len(widths) - 2), task, rng)
    for b in net.biases:
        b[:] = rng.normal(0.0, 0.7, size=b.shape)
    return net


def shoelace(poly):
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * sum(x[i] * y[(i + 1) % len(x)] - x[(i + 1) % len(x)] * y[i] for i in range(len(x)))


def inside(poly, p):
    """Ray casting (even-odd), written here independently of the module."""
    x, y = p
    hit = False
    n = len(poly)
    for i in range(n):
        (xa, ya), (xb, yb) = poly[i], poly[(i + 1) % n]
        if (ya > y) != (yb > y):
            xc = xa + (y - ya) * (xb - xa) / (yb - ya)
            if xc > x:
                hit = not hit
    return hit


def forward_pattern(net, x, layers=None):
    fwd = net.forward(np.atleast_2d(x))
    hidden = len(net.weights) - 1 if layers is None else layers
    out = []
    for l in range(hidden):
        if net.activations[l].name == "linear":
            out.append(tuple(True for _ in fwd.pre[l][0]))
        else:
            out.append(tuple(bool(v > 0) for v in fwd.pre[l][0]))
    return tuple(out)


def interior_points(poly, rng, n):
    w = rng.dirichlet(np.ones(len(poly)), size=n)
    return w @ poly


NETS = {
    "2-5-1 relu": ([2, 5, 1], "relu"),
    "2-4-3-1 relu": ([2, 4, 3, 1], "relu"),
    "2-6-6-3 leaky": ([2, 6, 6, 3], "leaky_relu"),
    "2-3-2-1 relu": ([2, 3, 2, 1], "relu"),
}


@pytest.fixture(scope="module", params=list(NETS), ids=list(NETS))
def case(request):
    widths, act = NETS[request.param]
    task = "multiclass" if widths[-1] > 1 else "binary"
    net = random_net(widths, act, seed=len(request.param), task=task)
    return net, linear_regions(net, BOX)


def test_areas_sum_to_the_box_and_polygons_are_counter_clockwise(case):
    _, regions = case
    areas = [shoelace(r.polygon) for r in regions]
    assert min(areas) > 0  # counter-clockwise, no empty piece
    assert sum(areas) == pytest.approx((BOX[1] - BOX[0]) * (BOX[3] - BOX[2]), rel=1e-10)
    assert len({r.pattern for r in regions}) == len(regions)  # one polygon per pattern
    assert [r.pattern for r in regions] == sorted(r.pattern for r in regions)


def test_the_pattern_at_random_points_is_the_pattern_of_the_polygon_holding_them(case):
    net, regions = case
    rng = np.random.default_rng(1)
    points = rng.uniform([BOX[0], BOX[2]], [BOX[1], BOX[3]], size=(300, 2))
    for p in points:
        holders = [r for r in regions if inside(r.polygon, p)]
        assert len(holders) == 1
        assert holders[0].pattern == forward_pattern(net, p)
    # the module's own locate agrees with the ray casting
    idx = locate(regions, points[:50])
    for i, p in zip(idx, points[:50]):
        assert inside(regions[i].polygon, p)


def test_the_network_is_affine_inside_each_region(case):
    net, regions = case
    rng = np.random.default_rng(2)
    for r in regions:
        if shoelace(r.polygon) < 1e-8:
            continue
        fit = interior_points(r.polygon, rng, 3)
        test = interior_points(r.polygon, rng, 5)
        z_fit = net.forward(fit).logits
        design = np.column_stack([fit, np.ones(3)])
        if abs(np.linalg.det(design)) < 1e-12:
            continue
        coef = np.linalg.solve(design, z_fit)  # z = [x, y, 1] @ coef, exact through 3 points
        predicted = np.column_stack([test, np.ones(len(test))]) @ coef
        np.testing.assert_allclose(predicted, net.forward(test).logits, atol=1e-8)
        # and the region's stored affine map is the last hidden layer there
        h = net.forward(test).hidden[-1]
        np.testing.assert_allclose(test @ r.linear.T + r.offset, h, atol=1e-10)


def test_one_unit_gives_two_regions_or_one_when_its_line_misses_the_box():
    net = Network([np.array([[1.0, 1.0]]), np.array([[1.0]])], [np.array([0.3]), np.array([0.0])],
                  ["relu"], "binary")
    regions = linear_regions(net, BOX)
    assert len(regions) == 2
    assert [r.pattern for r in regions] == [((False,),), ((True,),)]
    # x + y + 0.3 > 0 on the active side: its area is the box minus the triangle-free part
    active = next(r for r in regions if r.pattern == ((True,),))
    xs = np.linspace(BOX[0], BOX[1], 801)
    ys = np.linspace(BOX[2], BOX[3], 801)
    gx, gy = np.meshgrid(xs, ys)
    share = float(np.mean(gx + gy + 0.3 > 0))
    assert shoelace(active.polygon) / 12.0 == pytest.approx(share, abs=5e-3)
    net.biases[0][:] = 10.0  # the line x + y = -10 misses the box
    assert [r.pattern for r in linear_regions(net, BOX)] == [((True,),)]


def test_a_hand_built_network_has_the_count_worked_out_by_hand():
    # layer 1: relu(x), relu(y) (two lines: 4 quadrants); layer 2: relu(h1 + h2 - 1)
    # on [-2, 2]^2: quadrant ++ is cut by x + y = 1, +- by x = 1, -+ by y = 1, -- is constant -1
    net = Network(
        [np.eye(2), np.array([[1.0, 1.0]]), np.array([[1.0]])],
        [np.zeros(2), np.array([-1.0]), np.zeros(1)],
        ["relu", "relu"], "binary")
    regions = linear_regions(net, (-2.0, 2.0, -2.0, 2.0))
    assert len(regions) == 7
    assert len(linear_regions(net, (-2.0, 2.0, -2.0, 2.0), layers=1)) == 4
    assert len(linear_regions(net, (-2.0, 2.0, -2.0, 2.0), layers=0)) == 1
    # three lines in general position through the box: 7 regions
    three = Network([np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.ones((1, 3))],
                    [np.array([0.0, 0.0, -0.5]), np.zeros(1)], ["leaky_relu"], "binary")
    assert len(linear_regions(three, (-2.0, 2.0, -2.0, 2.0))) == 7
    # a linear layer never splits
    flat = Network([np.array([[1.0, 0.0], [0.0, 1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
                   ["linear"], "binary")
    assert [r.pattern for r in linear_regions(flat, BOX)] == [((True, True),)]


def test_refusals():
    tanh = random_net([2, 3, 1], "tanh", 0)
    with pytest.raises(NnanimError, match="piecewise-linear"):
        linear_regions(tanh, BOX)
    big = random_net([2, 16, 16, 1], "relu", 0)
    with pytest.raises(NnanimError, match="max_regions=10"):
        linear_regions(big, BOX, max_regions=10)
    with pytest.raises(NnanimError, match="x0 < x1"):
        linear_regions(big, (1.0, 0.0, 0.0, 1.0))


@pytest.mark.parametrize("widths", [[2, 6, 4, 1], [2, 8, 1], [2, 5, 5, 5, 1], [2, 10, 6, 1]])
def test_neighbouring_regions_get_different_colours(widths):
    from nnanim.theme import load_theme

    net = random_net(widths, "relu", 3)
    regions = linear_regions(net, BOX)
    adj = shared_edge_adjacency(regions)
    assert neighbours(regions) == adj
    assert sum(len(a) for a in adj) > 0
    for name in ("dark", "light"):
        palette = list(load_theme(name).regions)
        colours = pattern_colours(regions, palette)
        assert len(colours) == len(regions)
        for i, others in enumerate(adj):
            for j in others:
                assert colours[i] != colours[j], (i, j)
    # six colours always suffice (the map is planar, so 5-degenerate); here with exactly six
    six = region_colouring(adj, 6)
    assert all(six[i] != six[j] for i in range(len(adj)) for j in adj[i])
    assert set(six) <= set(range(6))


def test_regions_touching_only_at_a_corner_are_not_neighbours():
    # relu(x) and relu(y): four quadrants; opposite quadrants meet only at the origin
    net = Network([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], ["relu"], "binary")
    regions = linear_regions(net, (-1.0, 1.0, -1.0, 1.0))
    assert len(regions) == 4
    adj = neighbours(regions)
    assert all(len(a) == 2 for a in adj)
    assert adj == shared_edge_adjacency(regions)
    # so two colours are enough, and the colouring finds them
    assert sorted(region_colouring(adj, 2)) == [0, 0, 1, 1]


def test_a_colouring_keeps_the_colours_it_is_told_to_prefer_where_neighbours_allow():
    net = random_net([2, 6, 4, 1], "relu", 3)
    regions = linear_regions(net, BOX)
    adj = neighbours(regions)
    first = region_colouring(adj, 6)
    assert region_colouring(adj, 6, prefer=first) == first  # a frame later, nothing moves
    rotated = [(c + 1) % 6 for c in first]  # any proper colouring preferred is kept exactly
    assert region_colouring(adj, 6, prefer=rotated) == rotated
    clash = [0] * len(adj)  # an impossible wish is overridden, neighbours still differ
    got = region_colouring(adj, 6, prefer=clash)
    assert all(got[i] != got[j] for i in range(len(adj)) for j in adj[i])
    with pytest.raises(NnanimError, match="too few"):
        region_colouring(adj, 1)


def test_pattern_keys_agree_with_the_regions_also_for_linear_units():
    rng = np.random.default_rng(4)
    net = Network([rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(1, 3))],
                  [rng.normal(size=3), rng.normal(size=3), rng.normal(size=1)],
                  [get_activation("linear"), get_activation("relu")], "binary")
    box = (-2.0, 2.0, -2.0, 2.0)
    regions = linear_regions(net, box)
    P = rng.uniform(-1.9, 1.9, size=(3000, 2))
    keys, where = pattern_keys(net, P), locate(regions, P)
    assert (where >= 0).all()
    # one key per region: points of a region share it, points of different regions differ
    assert len(set(keys)) == len(set(where)) == len({(k, w) for k, w in zip(keys, where)})
