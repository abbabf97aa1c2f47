"""Ground-plane shapes with signed distance fields (metres; negative inside).

Points are ``(..., 2)`` tensors of ground-plane coordinates ``(x, z)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["Box", "Disc", "Polygon", "Shape", "shape_from_dict"]


def _as(pts: torch.Tensor, values: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=pts.dtype, device=pts.device)


class Shape:
    """Base class: ``sdf(points (..., 2)) -> (...)`` signed distance in metres."""

    kind = "shape"

    def sdf(self, points: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def contains(self, point: tuple[float, float] | np.ndarray, margin: float = 0.0) -> bool:
        """Whether a ground point lies inside the shape grown by ``margin``."""
        p = torch.as_tensor(np.asarray(point, dtype=np.float64))[None]
        return bool(self.sdf(p)[0] < margin)

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Disc(Shape):
    """A disc (cylinder seen from above): ``center (x, z)``, ``radius`` > 0."""

    center: tuple[float, float]
    radius: float
    kind = "disc"

    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """``(..., 2) -> (...)``: ``|p - c| - r``."""
        d = points - _as(points, self.center)
        return torch.sqrt((d**2).sum(-1) + 1e-12) - self.radius

    def to_dict(self) -> dict[str, Any]:
        """Scenario/render description."""
        return {"type": "disc", "center": list(self.center), "radius": self.radius}


@dataclass(frozen=True)
class Box(Shape):
    """An oriented rectangle: ``center (x, z)``, ``size (width along x, depth along z)``,
    rotated by ``angle`` degrees about +y (counterclockwise seen from above)."""

    center: tuple[float, float]
    size: tuple[float, float]
    angle: float = 0.0
    kind = "box"

    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """``(..., 2) -> (...)`` exact box SDF."""
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        d = points - _as(points, self.center)
        # rotate into the box frame (inverse rotation)
        local = torch.stack([c * d[..., 0] - s * d[..., 1], s * d[..., 0] + c * d[..., 1]], dim=-1)
        q = local.abs() - _as(points, self.size) / 2
        outside = torch.sqrt((q.clamp(min=0) ** 2).sum(-1) + 1e-12) - 1e-6
        qmax = torch.maximum(q[..., 0], q[..., 1])  # (a 2-way max; .max(dim) is far slower here)
        return outside * (qmax > 0) + qmax.clamp(max=0)

    def to_dict(self) -> dict[str, Any]:
        """Scenario/render description."""
        return {"type": "box", "center": list(self.center), "size": list(self.size), "angle": self.angle}

    def corners(self) -> np.ndarray:
        """``(4, 2)`` corner points (x, z)."""
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        w, h = self.size[0] / 2, self.size[1] / 2
        local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]])
        rot = np.array([[c, -s], [s, c]])
        return local @ rot + np.asarray(self.center)


@dataclass(frozen=True)
class Polygon(Shape):
    """A simple polygon given by ``points`` ``[(x, z), ...]`` (at least 3, any winding)."""

    points: tuple[tuple[float, float], ...]
    kind = "polygon"

    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """``(..., 2) -> (...)``: distance to the boundary, negative inside (even-odd rule)."""
        v = _as(points, self.points)  # (K, 2)
        w = torch.roll(v, -1, dims=0)
        e = w - v  # (K, 2)
        p = points[..., None, :]  # (..., 1, 2)
        pv = p - v
        t = ((pv * e).sum(-1) / (e * e).sum(-1).clamp(min=1e-12)).clamp(0, 1)
        closest = v + t[..., None] * e
        dist2 = ((p - closest) ** 2).sum(-1).min(dim=-1).values
        dist = torch.sqrt(dist2 + 1e-12)
        # even-odd crossing test along +x
        py = p[..., 1]
        cond = (v[:, 1] > py) != (w[:, 1] > py)
        xint = v[:, 0] + (py - v[:, 1]) * e[:, 0] / torch.where(
            e[:, 1].abs() < 1e-12, torch.full_like(e[:, 1], 1e-12), e[:, 1]
        )
        crossings = (cond & (p[..., 0] < xint)).sum(-1)
        inside = (crossings % 2) == 1
        return torch.where(inside, -dist, dist)

    def to_dict(self) -> dict[str, Any]:
        """Scenario/render description."""
        return {"type": "polygon", "points": [list(p) for p in self.points]}


def shape_from_dict(d: dict[str, Any]) -> Shape:
    """Inverse of ``Shape.to_dict`` (no validation; scenarios validate first)."""
    kind = d["type"]
    if kind == "disc":
        return Disc(tuple(d["center"]), float(d["radius"]))  # type: ignore[arg-type]
    if kind == "box":
        return Box(tuple(d["center"]), tuple(d["size"]), float(d.get("angle", 0.0)))  # type: ignore[arg-type]
    if kind == "polygon":
        return Polygon(tuple(tuple(p) for p in d["points"]))  # type: ignore[arg-type]
    raise ValueError(f"unknown shape type {kind!r}")
