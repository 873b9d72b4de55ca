"""Region neighbours written out independently, shared by the core lane's region tests and the scene
tests that colour region maps (NumPy only: the core lane imports it too)."""

from __future__ import annotations

import numpy as np


def shared_edge_adjacency(regions, tol=1e-9):
    """Neighbours built here, edge pair by edge pair in plain Python: two regions are neighbours
    when an edge of each lies on one line and the two edges overlap over a positive length."""
    def edges(poly):
        return [(poly[k], poly[(k + 1) % len(poly)]) for k in range(len(poly))]

    def cross(a, b):
        return a[0] * b[1] - a[1] * b[0]

    adj = [set() for _ in regions]
    for i, ri in enumerate(regions):
        for j in range(i + 1, len(regions)):
            found = False
            for p, q in edges(ri.polygon):
                d = q - p
                ln = float(np.hypot(*d))
                if ln < tol:
                    continue
                for r, s in edges(regions[j].polygon):
                    if abs(cross(d, r - p)) / ln > tol or abs(cross(d, s - p)) / ln > tol:
                        continue  # not on the same line
                    a, b = sorted([float(np.dot(r - p, d)) / ln, float(np.dot(s - p, d)) / ln])
                    if min(b, ln) - max(a, 0.0) > tol:
                        found = True
                        break
                if found:
                    break
            if found:
                adj[i].add(j)
                adj[j].add(i)
    return adj
