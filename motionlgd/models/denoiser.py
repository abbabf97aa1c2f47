"""Adapters from models to the ``Denoiser`` protocol, and classifier-free guidance."""

from __future__ import annotations

import torch
from torch import nn

from ..diffusion.schedule import NoiseSchedule
from ..types import Cond, Denoiser

__all__ = ["ClassifierFreeGuidance", "ModelDenoiser"]


class ModelDenoiser:
    """Wraps an MDM-style module ``model(x, t, text_emb=None, mask=None) -> x0`` as a Denoiser.

    Reads ``cond["text_emb"]`` ``(B, E)`` (optional) and ``cond["mask"]`` ``(B, T)`` bool
    (optional). ``schedule`` is the model's full training schedule.
    """

    def __init__(self, model: nn.Module, schedule: NoiseSchedule) -> None:
        self.model = model
        self.schedule = schedule

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        """``x_t (B, T, D)``, ``t (B,)`` -> ``x0 (B, T, D)``."""
        return self.model(x_t, t, text_emb=cond.get("text_emb"), mask=cond.get("mask"))


class ClassifierFreeGuidance:
    """Classifier-free guidance on x0: ``x0 = x0_u + w (x0_c - x0_u)``.

    The conditional and unconditional predictions run as one batch of ``2B``; the
    unconditional half gets a zero text embedding. ``w = 1`` is the plain conditional
    model (one pass). Differentiable, so guidance can wrap it.
    """

    def __init__(self, denoiser: Denoiser, scale: float) -> None:
        self.denoiser = denoiser
        self.scale = float(scale)
        self.schedule = getattr(denoiser, "schedule", None)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        """``x_t (B, T, D)``, ``t (B,)`` -> guided ``x0 (B, T, D)``."""
        emb = cond.get("text_emb")
        if self.scale == 1.0 or emb is None:
            return self.denoiser(x_t, t, cond)
        B = x_t.shape[0]
        both = dict(cond)
        both["text_emb"] = torch.cat([emb, torch.zeros_like(emb)])
        if cond.get("mask") is not None:
            both["mask"] = torch.cat([cond["mask"], cond["mask"]])
        out = self.denoiser(torch.cat([x_t, x_t]), torch.cat([t, t]), both)
        x0_c, x0_u = out[:B], out[B:]
        return x0_u + self.scale * (x0_c - x0_u)
