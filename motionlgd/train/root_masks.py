"""Random root-trajectory masks for training a root-conditioned model.

A root-conditioned network (``MDM(root_cond=5)``) sees, beside the noisy sample, the
clean pelvis ground trajectory on some frames (:func:`motionlgd.models.transformer.root_condition`).
Training draws which frames, per sample, from a mix of patterns so that one network
serves dense routes (a timed path), sparse keyframes (waypoints, a goal) and no
constraint at all (text only), as GMD and OmniControl train theirs.
"""

from __future__ import annotations

import torch

from ..models.transformer import root_condition
from ..motion.humanml3d import recover_root_rot_pos

__all__ = ["RootMaskMix", "random_root_masks", "training_root_condition"]

#: Probabilities of the mask patterns: none, every frame, sparse keyframes, one span.
RootMaskMix = tuple[float, float, float, float]
DEFAULT_MIX: RootMaskMix = (0.2, 0.4, 0.25, 0.15)


def random_root_masks(valid: torch.Tensor, generator: torch.Generator, mix: RootMaskMix = DEFAULT_MIX) -> torch.Tensor:
    """Draw one root mask per sample.

    Args:
        valid: ``(B, T)`` bool, True on real (unpadded) frames.
        generator: CPU generator (all draws come from it, for exact resumes).
        mix: probabilities of (no constraint, every frame, sparse keyframes, one span).

    Returns:
        ``(B, T)`` bool, a subset of ``valid``.
    """
    B, T = valid.shape
    probs = torch.tensor(mix, dtype=torch.float64)
    kind = torch.multinomial(probs / probs.sum(), B, replacement=True, generator=generator)
    u = torch.rand(B, T, generator=generator)
    rate = torch.rand(B, 1, generator=generator) * 0.1 + 0.01  # keyframe density 1-11 %
    lengths = valid.sum(1).cpu()
    start = (torch.rand(B, generator=generator) * lengths).long()
    span = (torch.rand(B, generator=generator) * lengths * 0.7).long() + 5
    last = torch.rand(B, generator=generator) < 0.5
    t = torch.arange(T)[None]
    keys = u < rate
    keys[torch.arange(B), (lengths - 1).clamp(min=0)] |= last  # goals constrain the last frame
    spans = (t >= start[:, None]) & (t < (start + span)[:, None])
    masks = torch.stack([torch.zeros(B, T, dtype=torch.bool), torch.ones(B, T, dtype=torch.bool), keys, spans])
    out = masks[kind, torch.arange(B)]
    return out.to(valid.device) & valid


def training_root_condition(
    features: torch.Tensor, valid: torch.Tensor, generator: torch.Generator, mix: RootMaskMix = DEFAULT_MIX
) -> torch.Tensor:
    """The root condition ``(B, T, 5)`` of clean unnormalised features ``(B, T, 263)``
    (each window in its own canonical frame) under random masks."""
    _, root = recover_root_rot_pos(features)
    mask = random_root_masks(valid, generator, mix)
    return root_condition(root[..., [0, 2]], mask)
