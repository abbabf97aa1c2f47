"""Regularisers: foot skating and smoothness."""

from __future__ import annotations

import torch

from ..motion.skeleton import FOOT_JOINTS
from .base import DecodedMotion

__all__ = ["FootSkateLoss", "SmoothnessLoss"]


class FootSkateLoss:
    """Horizontal foot speed while a foot is near the floor.

    ``mean over frames of sum over feet of w(h) * |v_xz|^2`` with ``w(h) =
    sigmoid((height - h) / softness)`` (h = foot joint height in metres, v in metres
    per frame). ``(...,)`` m^2.
    """

    needs_features = False

    def __init__(self, height: float = 0.05, softness: float = 0.01) -> None:
        self.height = height
        self.softness = softness

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        feet = motion.joints[..., list(FOOT_JOINTS), :]  # (..., T, 4, 3)
        v = feet[..., 1:, :, :] - feet[..., :-1, :, :]
        h = feet[..., :-1, :, 1]
        w = torch.sigmoid((self.height - h) / self.softness)
        return (w * (v[..., 0] ** 2 + v[..., 2] ** 2)).sum(-1).mean(-1)


class SmoothnessLoss:
    """Mean over frames and joints of the squared acceleration (m/frame^2)^2, ``(...,)``."""

    needs_features = False

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        j = motion.joints
        acc = j[..., 2:, :, :] - 2 * j[..., 1:-1, :, :] + j[..., :-2, :, :]
        return (acc**2).sum(-1).mean((-1, -2))
