"""Protocols shared across motionlgd."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import torch

__all__ = ["FOOT_CLEANUPS", "Cond", "Denoiser", "MotionLoss"]

#: Foot clean-ups run after sampling (``generate(clean_feet=...)``, the scenario's
#: ``foot_cleanup``, ``motionlgd.export.clean_feet``): "pin" keeps the motion's own contacts
#: and pins them; "steps" re-plants a shuffle as alternating, lifted steps.
FOOT_CLEANUPS: tuple[str, ...] = ("pin", "steps")

#: Conditioning passed through samplers to denoisers, e.g. ``{"text_emb": (B, E), "mask": (B, T)}``.
Cond = Mapping[str, Any]


@runtime_checkable
class Denoiser(Protocol):
    """Predicts the clean sample from a noisy one.

    ``denoiser(x_t, t, cond) -> x0`` with ``x_t (B, T, D)`` normalised features,
    ``t (B,)`` long model timesteps, and ``x0 (B, T, D)``. A denoiser may expose
    ``schedule`` (the model's full ``NoiseSchedule``) for wrappers that need it.
    """

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor: ...


@runtime_checkable
class MotionLoss(Protocol):
    """A differentiable loss on decoded motion (``motionlgd.losses.DecodedMotion``: joints
    ``(..., B, T, 22, 3)`` metres, Y up) -> one value per sample ``(..., B)``, >= 0."""

    def __call__(self, motion: Any) -> torch.Tensor: ...
