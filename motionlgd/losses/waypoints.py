"""Timed waypoints: reach positions (and optionally headings) at given times."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .base import DecodedMotion

__all__ = ["Waypoint", "WaypointLoss"]


@dataclass(frozen=True)
class Waypoint:
    """Be at ``position`` (x, z) metres at ``time`` seconds; optionally face ``heading``
    degrees (0 = +z, 90 = +x)."""

    position: tuple[float, float]
    time: float
    heading: float | None = None

    def frame(self, fps: float, num_frames: int) -> int:
        """The frame index of ``time`` (clamped to the clip)."""
        return min(max(round(self.time * fps), 0), num_frames - 1)


class WaypointLoss:
    """Sum over waypoints of ``|root_xz(t_k) - p_k|^2`` (m^2) plus
    ``heading_weight * (1 - cos(heading error))`` where a heading is given. ``(...,)``."""

    needs_features = False

    def __init__(self, waypoints: Sequence[Waypoint], heading_weight: float = 1.0) -> None:
        self.waypoints = list(waypoints)
        self.heading_weight = heading_weight
        self.root_only = not (heading_weight and any(w.heading is not None for w in self.waypoints))

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        root = motion.root_xz
        total = root.new_zeros(motion.batch_shape)
        facing = None
        for w in self.waypoints:
            f = w.frame(motion.fps, motion.num_frames)
            p = root.new_tensor(w.position)
            total = total + ((root[..., f, :] - p) ** 2).sum(-1)
            if w.heading is not None and self.heading_weight:
                if facing is None:
                    facing = motion.facing()
                h = math.radians(w.heading)
                target = root.new_tensor([math.sin(h), math.cos(h)])
                total = total + self.heading_weight * (1 - (facing[..., f, :] * target).sum(-1))
        return total
