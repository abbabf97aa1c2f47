"""Shortest collision-free ground routes around obstacles: a grid search plus shortcutting.

Used by the route planner to find where a route must go when the straight line (or the
user's path) crosses an obstacle: through the door of a wall, around the short side of
a disc, between two boxes. Coordinates are metres on the ground plane ``(x, z)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..losses.shapes import Shape

__all__ = ["Clearance", "clearance_fn", "find_route", "segment_clear"]

#: ``clearance(points (N, 2)) -> (N,)``: metres of free space (negative = blocked).
Clearance = Callable[[np.ndarray], np.ndarray]


def clearance_fn(
    shapes: Sequence[Shape], margin: float, region: Shape | None = None, region_margin: float = 0.0
) -> Clearance:
    """Free space at ground points: the smallest ``sdf - margin`` over obstacles (and, with a
    region, ``-sdf_region - region_margin``: the distance inside it). Positive = free."""

    def clearance(points: np.ndarray) -> np.ndarray:
        p = torch.as_tensor(np.asarray(points, dtype=np.float64))
        c = torch.full(p.shape[:-1], math.inf, dtype=torch.float64)
        for s in shapes:
            c = torch.minimum(c, s.sdf(p) - margin)
        if region is not None:
            c = torch.minimum(c, -region.sdf(p) - region_margin)
        return c.numpy()

    return clearance


def segment_clear(a: np.ndarray, b: np.ndarray, clearance: Clearance, step: float = 0.02) -> bool:
    """Whether the segment ``a -> b`` keeps clearance >= 0 everywhere (sampled every ``step`` m)."""
    n = max(2, math.ceil(np.linalg.norm(b - a) / step) + 1)
    u = np.linspace(0.0, 1.0, n)[:, None]
    return bool((clearance(a + u * (b - a)) >= 0).all())


def _nearest_free(cell: tuple[int, int], free: np.ndarray) -> tuple[int, int] | None:
    if free[cell]:
        return cell
    idx = np.argwhere(free)
    if len(idx) == 0:
        return None
    k = int(np.argmin(((idx - np.array(cell)) ** 2).sum(1)))
    return int(idx[k, 0]), int(idx[k, 1])


def _grid_path(free: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]] | None:
    """Shortest 8-connected path over free cells (Dijkstra in scipy's C code), or None."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    H, W = free.shape
    index = np.arange(H * W).reshape(H, W)
    rows, cols, costs = [], [], []
    for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = free[max(0, -di) : H - max(0, di), max(0, -dj) : W - max(0, dj)]
        src = index[max(0, -di) : H - max(0, di), max(0, -dj) : W - max(0, dj)]
        dst = index[max(0, di) : H - max(0, -di), max(0, dj) : W - max(0, -dj)]
        b = free[max(0, di) : H - max(0, -di), max(0, dj) : W - max(0, -dj)]
        ok = a & b
        if di and dj:  # no corner cutting: both side cells free too
            side1 = free[max(0, di) : H - max(0, -di), max(0, -dj) : W - max(0, dj)]
            side2 = free[max(0, -di) : H - max(0, di), max(0, dj) : W - max(0, -dj)]
            ok &= side1 & side2
        rows.append(src[ok])
        cols.append(dst[ok])
        costs.append(np.full(int(ok.sum()), float(np.hypot(di, dj))))
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(costs)
    graph = coo_matrix((w, (r, c)), shape=(H * W, H * W)).tocsr()
    s, g = index[start], index[goal]
    dist, pred = dijkstra(graph, directed=False, indices=s, return_predecessors=True)
    if not np.isfinite(dist[g]):
        return None
    path = [int(g)]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    return [(k // W, k % W) for k in path[::-1]]


def _shortcut(points: np.ndarray, clearance: Clearance) -> np.ndarray:
    """String pulling: from each kept point, go as far along the grid path as a clear
    straight segment reaches (one clearance check per grid point)."""
    out = [points[0]]
    i, n = 0, len(points)
    while i < n - 1:
        j = i + 1
        while j + 1 < n and segment_clear(points[i], points[j + 1], clearance):
            j += 1
        out.append(points[j])
        i = j
    return np.asarray(out)


def find_route(
    a: Sequence[float],
    b: Sequence[float],
    clearance: Clearance,
    resolution: float = 0.05,
    pad: float = 3.0,
    extent: Sequence[float] | None = None,
) -> np.ndarray | None:
    """The shortest clear polyline ``(K, 2)`` from ``a`` to ``b`` (both included), or None.

    Args:
        a, b: ground points (x, z) in metres.
        clearance: free space function (see :func:`clearance_fn`).
        resolution: grid cell size in metres.
        pad: metres of search area around the bounding box of ``a``, ``b`` and ``extent``.
        extent: more points ``(N, 2)`` the search area must contain (e.g. obstacle centres).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if segment_clear(a, b, clearance):
        return np.stack([a, b])
    pts = np.stack([a, b]) if extent is None else np.concatenate([np.stack([a, b]), np.asarray(extent).reshape(-1, 2)])
    lo, hi = pts.min(0) - pad, pts.max(0) + pad
    nx, nz = (np.ceil((hi - lo) / resolution).astype(int) + 1).tolist()
    xs, zs = lo[0] + resolution * np.arange(nx), lo[1] + resolution * np.arange(nz)
    grid = np.stack(np.meshgrid(xs, zs, indexing="ij"), -1)
    free = clearance(grid.reshape(-1, 2)).reshape(nx, nz) >= 0

    def cell(p: np.ndarray) -> tuple[int, int]:
        i, j = np.clip(np.round((p - lo) / resolution).astype(int), 0, [nx - 1, nz - 1])
        return int(i), int(j)

    s, g = _nearest_free(cell(a), free), _nearest_free(cell(b), free)
    if s is None or g is None:
        return None
    cells = _grid_path(free, s, g)
    if cells is None:
        return None
    poly = np.array([[xs[i], zs[j]] for i, j in cells])
    poly = np.concatenate([a[None], poly, b[None]])
    return _shortcut(poly, lambda q: clearance(q) + 1e-3)
