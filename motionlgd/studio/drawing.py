"""Geometry the studio draws with viser: floor picking, obstacle prisms, skeleton segments.

Pure numpy (no viser), so it is tested without a browser. World: metres, Y up, floor y = 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..motion.skeleton import PARENTS

__all__ = ["BONES", "floor_point", "from_viser", "prism", "skeleton_segments", "to_viser", "trail_segments"]

#: ``(21, 2)`` joint index pairs (parent, child) of the skeleton's bones.
BONES: np.ndarray = np.array([(PARENTS[j], j) for j in range(1, len(PARENTS))])


def to_viser(points: Any) -> np.ndarray:
    """motionlgd's Y-up coordinates ``(..., 3)`` in viser's Z-up world: ``(x, y, z) -> (x, -z, y)``
    (+90 degrees about x: a rotation, so the scene is not mirrored)."""
    p = np.asarray(points, dtype=np.float32)
    return np.stack([p[..., 0], -p[..., 2], p[..., 1]], axis=-1)


def from_viser(points: Any) -> np.ndarray:
    """Inverse of :func:`to_viser`: viser's Z-up ``(x, y, z)`` -> motionlgd's ``(x, z, -y)``."""
    p = np.asarray(points, dtype=np.float64)
    return np.stack([p[..., 0], p[..., 2], -p[..., 1]], axis=-1)


def floor_point(origin: Sequence[float], direction: Sequence[float]) -> tuple[float, float] | None:
    """Where a click ray meets the floor ``y = 0``: ``(x, z)``, or None when it misses
    (parallel to the floor or pointing away from it)."""
    o, d = np.asarray(origin, dtype=float), np.asarray(direction, dtype=float)
    if abs(d[1]) < 1e-9:
        return None
    t = -o[1] / d[1]
    if t <= 0:
        return None
    p = o + t * d
    return float(p[0]), float(p[2])


def prism(outline: np.ndarray, height: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A closed prism over a ground outline: ``(vertices (2K+2, 3), faces (4K, 3))``.

    Args:
        outline: ``(K, 2)`` ground points ``(x, z)`` (any winding).
        height: metres.
    """
    pts = np.asarray(outline, dtype=float)
    K = len(pts)
    bottom = np.column_stack([pts[:, 0], np.zeros(K), pts[:, 1]])
    top = bottom + np.array([0.0, height, 0.0])
    centre = pts.mean(0)
    verts = np.vstack([bottom, top, [centre[0], 0.0, centre[1]], [centre[0], height, centre[1]]])
    faces = []
    for i in range(K):
        j = (i + 1) % K
        faces += [(i, j, K + j), (i, K + j, K + i), (2 * K, j, i), (2 * K + 1, K + i, K + j)]
    return verts.astype(np.float32), np.asarray(faces, dtype=np.uint32)


def skeleton_segments(joints: np.ndarray, offset: Sequence[float] = (0.0, 0.0, 0.0)) -> np.ndarray:
    """``(21, 2, 3)`` bone segments of one frame ``(22, 3)``, shifted by ``offset``."""
    j = np.asarray(joints, dtype=np.float32) + np.asarray(offset, dtype=np.float32)
    return j[BONES]


def trail_segments(joints: np.ndarray, offset: Sequence[float] = (0.0, 0.0, 0.0), height: float = 0.01) -> np.ndarray:
    """``(T-1, 2, 3)`` segments of the pelvis' path on the floor for a motion ``(T, 22, 3)``."""
    p = np.asarray(joints, dtype=np.float32)[:, 0].copy() + np.asarray(offset, dtype=np.float32)
    p[:, 1] = height
    return np.stack([p[:-1], p[1:]], axis=1)


def metrics_lines(metrics: Mapping[str, Any]) -> list[str]:
    """One Markdown line per sample: path error, penetration, skating (what the studio shows)."""
    lines = []
    for i, row in enumerate(metrics.get("per_sample", [])):
        parts = []
        if "path_error_mean_m" in row:
            parts.append(f"path error {100 * row['path_error_mean_m']:.1f} cm")
        if "waypoint_error_mean_m" in row:
            parts.append(f"waypoint error {100 * row['waypoint_error_mean_m']:.1f} cm")
        if "goal_error_m" in row:
            parts.append(f"goal error {100 * row['goal_error_m']:.1f} cm")
        if "obstacle_penetrated" in row:
            parts.append(f"penetration {row['obstacle_penetrated']:.0f}")
        parts.append(f"skating {row.get('foot_skating_before_cleanup', row.get('foot_skating_ratio', 0.0)):.2f}")
        lines.append(f"- sample {i}: " + ", ".join(parts))
    return lines
