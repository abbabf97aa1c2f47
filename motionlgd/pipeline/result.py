"""The result of a generation, and the world placement of canonical joints."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..motion.motion import Motion
from ..scenario import Scenario

__all__ = ["GenerationResult", "mean_metrics", "world_transform"]


def world_transform(position: tuple[float, float], heading_deg: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function placing canonical joints ``(..., T, 22, 3)`` (start at the origin facing +z)
    at ground ``position`` (x, z) facing ``heading_deg`` (0 = +z, 90 = +x)."""
    h = math.radians(heading_deg)
    c, s = math.cos(h), math.sin(h)

    def apply(joints: torch.Tensor) -> torch.Tensor:
        x, y, z = joints[..., 0], joints[..., 1], joints[..., 2]
        return torch.stack([c * x + s * z + position[0], y, -s * x + c * z + position[1]], dim=-1)

    return apply


@dataclass
class GenerationResult:
    """Generated motions and their metrics.

    Attributes:
        joints: ``(N, T, 22, 3)`` world-frame joint positions in metres.
        features: ``(N, T, 263)`` unnormalised features (canonical frame).
        fps: frame rate.
        scenario: the scenario that was run.
        metrics: ``{"per_sample": [...], "mean": {...}, "time_s": ..., ...}``.
        motions: one :class:`Motion` per sample.
    """

    joints: np.ndarray
    features: np.ndarray
    fps: float
    scenario: Scenario
    metrics: dict[str, Any]
    motions: list[Motion] = field(default_factory=list)


def mean_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean of each numeric metric over the samples that have it (a facing figure is None
    for a sample that barely moves); ``constraints_met`` becomes the share of samples meeting all."""
    num = (int, float)
    keys = dict.fromkeys(k for r in rows for k, v in r.items() if isinstance(v, num))
    out = {k: float(np.mean([r[k] for r in rows if isinstance(r.get(k), num)])) for k in keys}
    if rows and "constraints_met" in rows[0]:
        out["constraints_met"] = float(np.mean([all(r["constraints_met"].values()) for r in rows]))
    return out
