"""Stage 7: decode features into world joints (and score the losses on them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import NumericalError
from ..losses.base import DecodedMotion, WeightedSum
from ..motion.humanml3d import recover_from_ric
from ..scenario import Scenario
from .result import world_transform

__all__ = ["Decoded", "decode"]


@dataclass
class Decoded:
    """Decoded motions.

    Attributes:
        features: ``(N, T, D)`` float32 unnormalised features (canonical frame).
        joints: ``(N, T, 22, 3)`` float32 world joints, metres, Y up.
        loss_terms: each loss term's per-sample value ``(N,)`` on the joints (empty if not scored).
    """

    features: np.ndarray
    joints: np.ndarray
    loss_terms: dict[str, np.ndarray]


def decode(features: torch.Tensor, scenario: Scenario, fps: float, loss: WeightedSum | None = None) -> Decoded:
    """Joints of ``features (N, T, D)`` placed at the scenario's start, and ``loss``'s terms
    on them (None: not scored).

    Raises:
        NumericalError: the motion is not finite.
    """
    with torch.no_grad():
        joints = world_transform(*scenario.start_pose())(recover_from_ric(features))
        terms = {}
        if loss is not None and loss.items:
            terms = {k: v.cpu().numpy() for k, v in loss.terms(DecodedMotion(joints, features, fps)).items()}
    feats_np = features.cpu().numpy().astype(np.float32)
    joints_np = joints.cpu().numpy().astype(np.float32)
    if not (np.isfinite(feats_np).all() and np.isfinite(joints_np).all()):
        raise NumericalError("the generated motion contains NaN/inf; nothing was written")
    return Decoded(feats_np, joints_np, terms)
