"""Small numpy mesh builders for the overlays (no trimesh needed).

All meshes are ``(vertices (V, 3), faces (F, 3) int)`` in metres, Y up, faces wound
counter-clockwise seen from outside (so face normals point outwards / up).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "checker_ground",
    "extrude_polygon",
    "flat_normals",
    "outline_ribbon",
    "ribbon",
    "signed_area",
    "triangulate_polygon",
]


def signed_area(poly: np.ndarray) -> float:
    """Signed area of a ``(K, 2)`` polygon (positive when counter-clockwise in its own 2D axes)."""
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _dedupe(points: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.linalg.norm(np.diff(points, axis=0), axis=1) > eps
    return points[keep]


def triangulate_polygon(poly: np.ndarray) -> np.ndarray:
    """Ear-clipping triangulation of a simple ``(K, 2)`` polygon.

    Returns:
        ``(K - 2, 3)`` vertex indices, each triangle counter-clockwise in the 2D axes when the
        polygon is (reversed otherwise, i.e. triangles keep the polygon's orientation).
    """
    n = len(poly)
    ccw = signed_area(poly) >= 0
    idx = list(range(n)) if ccw else list(range(n))[::-1]
    tris: list[tuple[int, int, int]] = []

    def cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    guard = 0
    while len(idx) > 3 and guard < 10 * n * n:
        guard += 1
        m = len(idx)
        for k in range(m):
            i0, i1, i2 = idx[(k - 1) % m], idx[k], idx[(k + 1) % m]
            a, b, c = poly[i0], poly[i1], poly[i2]
            if cross(a, b, c) <= 1e-12:  # reflex or degenerate corner
                continue
            inside = False
            for j in idx:
                if j in (i0, i1, i2):
                    continue
                p = poly[j]
                if cross(a, b, p) >= 0 and cross(b, c, p) >= 0 and cross(c, a, p) >= 0:
                    inside = True
                    break
            if not inside:
                tris.append((i0, i1, i2))
                idx.pop(k)
                break
        else:  # no ear found (self-intersecting input): fan the rest
            break
    for k in range(1, len(idx) - 1):
        tris.append((idx[0], idx[k], idx[k + 1]))
    out = np.asarray(tris, dtype=np.int64).reshape(-1, 3)
    return out if ccw else out[:, ::-1]


def extrude_polygon(outline: np.ndarray, height: float, base: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Prism over a ground polygon: walls and top cap (no bottom).

    Args:
        outline: ``(K, 2)`` ground points ``(x, z)``, any winding, not closed.
        height: prism height in metres; ``base``: y of the bottom.
    """
    poly = _dedupe(np.asarray(outline, dtype=np.float64))
    if np.allclose(poly[0], poly[-1]):
        poly = poly[:-1]
    if signed_area(poly) < 0:
        poly = poly[::-1]
    k = len(poly)
    bottom = np.stack([poly[:, 0], np.full(k, base), poly[:, 1]], axis=1)
    top = bottom + np.array([0.0, height, 0.0])
    verts = np.concatenate([bottom, top], axis=0)
    i = np.arange(k)
    j = (i + 1) % k
    # counter-clockwise in (x, z) means the outward wall normal is (dz, -dx): wind (a, c, b), (a, d, c)
    walls = np.concatenate([np.stack([i, j + k, j], 1), np.stack([i, i + k, j + k], 1)], axis=0)
    # a (x, z)-counter-clockwise triangle faces -y; reverse it for an upward top cap
    cap = triangulate_polygon(poly)[:, ::-1] + k
    return verts, np.concatenate([walls, cap], axis=0)


def ribbon(points: np.ndarray, width: float, y: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Flat strip of ``width`` metres along a ground polyline ``(K, 2)`` at height ``y``, facing up.

    Returns empty arrays when the polyline has fewer than 2 distinct points.
    """
    pts = _dedupe(np.asarray(points, dtype=np.float64))
    if len(pts) < 2:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
    tan = np.gradient(pts, axis=0)
    tan /= np.maximum(np.linalg.norm(tan, axis=1, keepdims=True), 1e-12)
    normal = np.stack([-tan[:, 1], tan[:, 0]], axis=1) * (width / 2)
    left, right = pts + normal, pts - normal
    k = len(pts)
    verts = np.zeros((2 * k, 3))
    verts[:k, [0, 2]] = left
    verts[k:, [0, 2]] = right
    verts[:, 1] = y
    i = np.arange(k - 1)
    faces = np.concatenate([np.stack([i, i + 1, i + k], 1), np.stack([i + 1, i + k + 1, i + k], 1)], axis=0)
    faces = _face_up(verts, faces)
    return verts, faces


def outline_ribbon(outline: np.ndarray, width: float, y: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Flat band of ``width`` metres along a closed ground outline ``(K, 2)`` (not repeated at the end).

    One straight strip per edge, each lengthened by ``width / 2`` at both ends so that the
    corners are filled; faces up, at height ``y`` (metres).
    """
    pts = _dedupe(np.asarray(outline, dtype=np.float64))
    if len(pts) > 2 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    verts: list[np.ndarray] = [np.zeros((0, 3))]
    faces: list[np.ndarray] = [np.zeros((0, 3), dtype=np.int64)]
    count = 0
    for a, b in zip(pts, np.roll(pts, -1, axis=0)):
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 1e-9:
            continue
        d = d / length * (width / 2)
        v, f = ribbon(np.stack([a - d, b + d]), width, y)
        verts.append(v)
        faces.append(f + count)
        count += len(v)
    return np.concatenate(verts), np.concatenate(faces).astype(np.int64)


def _face_up(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    n = flat_normals(verts, faces)
    flip = n[:, 1] < 0
    faces = faces.copy()
    faces[flip] = faces[flip][:, ::-1]
    return faces


def flat_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``(F, 3)`` unit face normals (right-hand rule on the face winding)."""
    tri = verts[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def checker_ground(
    xmin: float, xmax: float, zmin: float, zmax: float, tile: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A checkerboard of ``tile``-metre squares covering the rectangle (snapped to the tile grid).

    Returns:
        ``vertices (V, 3)``, ``faces (F, 3)`` facing up and ``parity (F,)`` in {0, 1} per face.
    """
    x0, x1 = np.floor(xmin / tile) * tile, np.ceil(xmax / tile) * tile
    z0, z1 = np.floor(zmin / tile) * tile, np.ceil(zmax / tile) * tile
    nx, nz = max(1, round((x1 - x0) / tile)), max(1, round((z1 - z0) / tile))
    ix, iz = np.meshgrid(np.arange(nx), np.arange(nz), indexing="ij")
    ix, iz = ix.ravel(), iz.ravel()
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64)
    quad = (np.stack([ix, iz], 1)[:, None, :] + corners[None]) * tile + np.array([x0, z0])  # (Q, 4, 2)
    verts = np.zeros((len(quad) * 4, 3))
    verts[:, [0, 2]] = quad.reshape(-1, 2)
    base = np.arange(len(quad)) * 4
    # (x, z)-counter-clockwise corners face -y, so wind them backwards
    faces = np.concatenate([np.stack([base, base + 2, base + 1], 1), np.stack([base, base + 3, base + 2], 1)], axis=0)
    parity = np.tile((ix + iz) % 2, 2)
    return verts, faces, parity
