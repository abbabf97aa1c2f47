"""Body-level losses: limits on joint heights (duck under a beam, keep the hands up)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .base import DecodedMotion

__all__ = ["JointHeightLoss"]


class JointHeightLoss:
    """Keep joints below ``max_height`` and/or above ``min_height`` (metres above the floor,
    y = 0): ``sum over frames and joints of relu(y - max)^2 + relu(min - y)^2`` (m^2),
    ``(...,)``, summed like :class:`ObstacleLoss` so a longer window weighs more. Only
    frames from ``t_start`` to ``t_end`` seconds count.

    Args:
        joints: joint indices (default: the head, 15).
        max_height, min_height: limits in metres (None = no limit).
        t_start, t_end: the time window in seconds (default: the whole clip).
    """

    needs_features = False

    def __init__(
        self,
        joints: Sequence[int] = (15,),
        max_height: float | None = None,
        min_height: float | None = None,
        t_start: float = 0.0,
        t_end: float | None = None,
    ) -> None:
        if max_height is None and min_height is None:
            raise ValueError("joint_height needs max_height or min_height")
        self.joints = [int(j) for j in joints]
        if any(not 0 <= j < 22 for j in self.joints):
            raise ValueError(f"joint indices must be in 0..21, got {self.joints}")
        self.max_height, self.min_height = max_height, min_height
        self.t_start, self.t_end = t_start, t_end

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        y = motion.joints[..., self.joints, 1]  # (..., T, J)
        t = torch.arange(motion.num_frames, device=y.device) / motion.fps
        window = (t >= self.t_start) & (t <= (self.t_end if self.t_end is not None else float("inf")))
        pen = y.new_zeros(y.shape)
        if self.max_height is not None:
            pen = pen + torch.relu(y - self.max_height) ** 2
        if self.min_height is not None:
            pen = pen + torch.relu(self.min_height - y) ** 2
        pen = pen * window[:, None].to(y.dtype)
        return pen.sum(-1).sum(-1)
