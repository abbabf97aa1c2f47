"""Obstacle avoidance and stay-in-region losses from signed distance fields."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .base import DecodedMotion
from .shapes import Shape

__all__ = ["ObstacleLoss", "RegionLoss"]


def _points(motion: DecodedMotion, joints: str) -> torch.Tensor:
    if joints == "root":
        return motion.root_xz[..., None, :]  # (..., T, 1, 2)
    if joints == "all":
        return motion.joints[..., [0, 2]]  # (..., T, 22, 2)
    raise ValueError(f"joints must be 'root' or 'all', got {joints!r}")


class ObstacleLoss:
    """``sum over frames, points, obstacles of relu(margin - sdf(p))^2`` (m^2), ``(...,)``.

    Args:
        shapes: obstacles on the ground plane.
        margin: clearance (metres) the body should keep from each obstacle.
        joints: "root" (pelvis only) or "all" (every joint's ground projection).
    """

    needs_features = False

    def __init__(self, shapes: Sequence[Shape], margin: float = 0.1, joints: str = "root") -> None:
        self.shapes = list(shapes)
        self.margin = margin
        self.joints = joints
        self.root_only = joints == "root"

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        p = _points(motion, self.joints)
        total = p.new_zeros(motion.batch_shape)
        for s in self.shapes:
            pen = torch.relu(self.margin - s.sdf(p))
            total = total + (pen**2).sum((-1, -2))
        return total


class RegionLoss:
    """Stay inside ``shape`` with ``margin`` clearance from its border:
    ``sum over frames/points of relu(sdf(p) + margin)^2`` (m^2), ``(...,)``."""

    needs_features = False

    def __init__(self, shape: Shape, margin: float = 0.0, joints: str = "root") -> None:
        self.shape = shape
        self.margin = margin
        self.joints = joints
        self.root_only = joints == "root"

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        p = _points(motion, self.joints)
        return (torch.relu(self.shape.sdf(p) + self.margin) ** 2).sum((-1, -2))
