"""Path-following losses on the pelvis ground trajectory (metres, squared distances)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .base import DecodedMotion

__all__ = ["GoalLoss", "NearestPathLoss", "PathLoss", "PolylinePath", "RouteLoss", "catmull_rom"]


def catmull_rom(points: np.ndarray, samples_per_segment: int = 16) -> np.ndarray:
    """Densify a polyline ``(K, 2)`` into a smooth centripetal-free (uniform) Catmull-Rom curve
    through all the points: ``((K-1)*samples_per_segment + 1, 2)``."""
    p = np.asarray(points, dtype=np.float64)
    if len(p) < 3:
        return p
    ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    out = []
    u = np.linspace(0, 1, samples_per_segment, endpoint=False)[:, None]
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        out.append(
            0.5
            * ((2 * p1) + (-p0 + p2) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * u**3)
        )
    out.append(p[-1:])
    return np.concatenate(out)


class PolylinePath:
    """A ground path through ``points`` ``(K, 2)`` (x, z), optionally smoothed by a spline."""

    def __init__(self, points: Sequence[Sequence[float]], smooth: bool = False) -> None:
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
            raise ValueError(f"a path needs at least 2 points (x, z), got shape {pts.shape}")
        self.control = pts
        self.points = catmull_rom(pts) if smooth else pts
        seg = np.linalg.norm(np.diff(self.points, axis=0), axis=1)
        self.cumlen = np.concatenate([[0.0], np.cumsum(seg)])

    @property
    def length(self) -> float:
        """Total length in metres."""
        return float(self.cumlen[-1])

    def at_arclength(self, s: np.ndarray) -> np.ndarray:
        """Points ``(N, 2)`` at arc lengths ``s (N,)`` (clamped to the path)."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.length)
        x = np.interp(s, self.cumlen, self.points[:, 0])
        z = np.interp(s, self.cumlen, self.points[:, 1])
        return np.stack([x, z], axis=-1)

    def timed_targets(
        self, num_frames: int, fps: float, t_start: float = 0.0, t_end: float | None = None
    ) -> np.ndarray:
        """Target point per frame ``(num_frames, 2)`` at constant speed ``length / (t_end - t_start)``."""
        t = np.arange(num_frames) / fps
        t_end = (num_frames - 1) / fps if t_end is None else t_end
        frac = np.clip((t - t_start) / max(t_end - t_start, 1e-6), 0.0, 1.0)
        return self.at_arclength(frac * self.length)


class PathLoss:
    """Time-parameterised path following: mean over frames of ``|root_xz(t) - path(t)|^2``.

    The target moves along the path at constant speed from ``t_start`` to ``t_end``
    seconds (default: the whole clip). Returns ``(...,)`` in m^2.
    """

    needs_features = False
    root_only = True  # reads the pelvis only (guidance may decode just the root)

    def __init__(self, path: PolylinePath, t_start: float = 0.0, t_end: float | None = None) -> None:
        self.path = path
        self.t_start = t_start
        self.t_end = t_end
        self._cache: dict[tuple[int, float], np.ndarray] = {}

    def targets(self, num_frames: int, fps: float) -> np.ndarray:
        """``(T, 2)`` per-frame targets."""
        key = (num_frames, fps)
        if key not in self._cache:
            self._cache[key] = self.path.timed_targets(num_frames, fps, self.t_start, self.t_end)
        return self._cache[key]

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        tgt = torch.as_tensor(
            self.targets(motion.num_frames, motion.fps), dtype=motion.joints.dtype, device=motion.joints.device
        )
        return ((motion.root_xz - tgt) ** 2).sum(-1).mean(-1)


def _point_to_polyline(p: torch.Tensor, pts: torch.Tensor) -> torch.Tensor:
    """Squared distance ``(...)`` from points ``(..., 2)`` to a polyline ``(K, 2)``."""
    a, b = pts[:-1], pts[1:]
    ab = b - a
    ap = p[..., None, :] - a
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-12)).clamp(0, 1)
    d = ap - t[..., None] * ab
    return (d**2).sum(-1).min(dim=-1).values


class NearestPathLoss:
    """Time-free path following: mean over frames of the squared distance to the nearest
    point of the path, plus ``end_weight`` times the squared distance of the last frame
    to the path's end (so that standing still is not a solution). ``(...,)`` m^2."""

    needs_features = False
    root_only = True  # reads the pelvis only (guidance may decode just the root)

    def __init__(self, path: PolylinePath, end_weight: float = 1.0) -> None:
        self.path = path
        self.end_weight = end_weight

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        pts = torch.as_tensor(self.path.points, dtype=motion.joints.dtype, device=motion.joints.device)
        root = motion.root_xz
        loss = _point_to_polyline(root, pts).mean(-1)
        if self.end_weight:
            loss = loss + self.end_weight * ((root[..., -1, :] - pts[-1]) ** 2).sum(-1)
        return loss


class GoalLoss:
    """Squared distance of the final-frame pelvis to ``goal`` (x, z). ``(...,)`` m^2."""

    needs_features = False
    root_only = True  # reads the pelvis only (guidance may decode just the root)

    def __init__(self, goal: Sequence[float]) -> None:
        self.goal = np.asarray(goal, dtype=np.float64)

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        g = torch.as_tensor(self.goal, dtype=motion.joints.dtype, device=motion.joints.device)
        return ((motion.root_xz[..., -1, :] - g) ** 2).sum(-1)


class RouteLoss:
    """Follow a given per-frame route ``(T, 2)`` (x, z) metres: mean over frames of
    ``|root_xz(t) - route(t)|^2`` (m^2), ``(...,)``. Frames past the route's end are
    compared with its last point."""

    needs_features = False
    root_only = True  # reads the pelvis only (guidance may decode just the root)

    def __init__(self, route: np.ndarray) -> None:
        self.route = np.asarray(route, dtype=np.float64)

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        T = motion.num_frames
        idx = np.minimum(np.arange(T), len(self.route) - 1)
        tgt = torch.as_tensor(self.route[idx], dtype=motion.joints.dtype, device=motion.joints.device)
        return ((motion.root_xz - tgt) ** 2).sum(-1).mean(-1)
