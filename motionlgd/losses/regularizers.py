"""Regularisers: foot skating and smoothness."""

from __future__ import annotations

import torch

from ..motion.skeleton import FOOT_JOINTS
from .base import DecodedMotion

__all__ = ["FootSkateLoss", "SmoothnessLoss"]


class FootSkateLoss:
    """Horizontal foot speed while a foot is in contact.

    ``mean over frames of sum over feet of w(h) * |v_xz|^2`` with ``w(h) =
    sigmoid((height - h) / softness)`` (v in metres per frame). ``(...,)`` m^2.

    ``reference="floor"``: h is the foot joint's height above the floor (y = 0), so a
    foot counts while it is near the floor. A guided sample can then lower the loss by
    lifting the whole body off the floor. ``reference="lowest"``: h is measured from the
    frame's lowest foot joint, so moving the whole body up or down changes nothing. At
    least one foot then counts on every frame, wherever the body is, and the loss can
    only fall by planting the support foot or lifting the swing foot.
    """

    needs_features = False

    def __init__(self, height: float = 0.05, softness: float = 0.01, reference: str = "floor") -> None:
        if reference not in ("floor", "lowest"):
            raise ValueError(f"foot_skate reference must be 'floor' or 'lowest', got {reference!r}")
        self.height = height
        self.softness = softness
        self.reference = reference

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        feet = motion.joints[..., list(FOOT_JOINTS), :]  # (..., T, 4, 3)
        v = feet[..., 1:, :, :] - feet[..., :-1, :, :]
        h = feet[..., :-1, :, 1]
        if self.reference == "lowest":
            h = h - h.amin(-1, keepdim=True)
        w = torch.sigmoid((self.height - h) / self.softness)
        return (w * (v[..., 0] ** 2 + v[..., 2] ** 2)).sum(-1).mean(-1)


class SmoothnessLoss:
    """Mean over frames and joints of the squared acceleration (m/frame^2)^2, ``(...,)``."""

    needs_features = False

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        j = motion.joints
        acc = j[..., 2:, :, :] - 2 * j[..., 1:-1, :, :] + j[..., :-2, :, :]
        return (acc**2).sum(-1).mean((-1, -2))
