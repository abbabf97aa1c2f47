"""Adapters from models to the ``Denoiser`` protocol, and classifier-free guidance."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..diffusion.schedule import NoiseSchedule
from ..types import Cond, Denoiser
from .refiner import DetailGuidance

__all__ = ["PREDICTIONS", "ClassifierFreeGuidance", "ModelDenoiser", "x0_from_output"]

#: What a network's output means: the clean sample (``"x0"``, as MDM) or the velocity
#: ``v = sqrt(abar) eps - sqrt(1 - abar) x0`` (``"v"``, Salimans & Ho 2022).
PREDICTIONS = ("x0", "v")


def x0_from_output(out: torch.Tensor, x_t: torch.Tensor, abar_t: torch.Tensor, prediction: str) -> torch.Tensor:
    """The clean-sample estimate from a network output.

    Args:
        out: ``(B, T, D)`` network output.
        x_t: ``(B, T, D)`` its noisy input.
        abar_t: ``(B,)`` cumulative signal fraction ``abar`` of each sample's timestep.
        prediction: ``"x0"`` (returns ``out``) or ``"v"``
            (returns ``sqrt(abar) x_t - sqrt(1 - abar) out``).
    """
    if prediction == "x0":
        return out
    if prediction == "v":
        a = abar_t.to(out.dtype).view(-1, *([1] * (out.dim() - 1)))
        return a.sqrt() * x_t - (1 - a).sqrt() * out
    raise ValueError(f"prediction must be one of {PREDICTIONS}, got {prediction!r}")


class ModelDenoiser:
    """Wraps an MDM-style module ``model(x, t, text_emb=None, mask=None)`` as a Denoiser.

    Reads ``cond["text_emb"]`` ``(B, E)`` (optional), ``cond["mask"]`` ``(B, T)`` bool
    (optional) and ``cond["root_cond"]`` ``(B, T, C)`` (optional; passed only to a module
    built with a root condition, see :func:`motionlgd.models.transformer.root_condition`). ``schedule`` is the model's full training schedule. ``prediction`` says
    what the module outputs (``"x0"`` as MDM, or ``"v"``); the denoiser always returns x0.
    ``detail`` is passed to a module with a detail head (autoguidance, see
    :class:`motionlgd.models.refiner.DetailGuidance`).
    """

    def __init__(
        self, model: nn.Module, schedule: NoiseSchedule, prediction: str = "x0", detail: DetailGuidance | None = None
    ) -> None:
        if prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {prediction!r}")
        self.model = model
        self.schedule = schedule
        self.prediction = prediction
        self.detail = detail if getattr(model, "refiner", None) is not None else None
        self._abar: torch.Tensor | None = None

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        """``x_t (B, T, D)``, ``t (B,)`` -> ``x0 (B, T, D)``."""
        extra = {}
        if cond.get("root_cond") is not None and getattr(self.model, "root_cond", 0):
            extra["root_cond"] = cond["root_cond"]
        if self.detail is not None:
            extra["detail"] = self.detail
        out = self.model(x_t, t, text_emb=cond.get("text_emb"), mask=cond.get("mask"), **extra)
        if self.prediction == "x0":
            return out
        if self._abar is None or self._abar.device != x_t.device:
            self._abar = torch.tensor(np.array(self.schedule.alphas_cumprod), dtype=torch.float32, device=x_t.device)
        return x0_from_output(out, x_t, self._abar[t.long()], self.prediction)


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
        for key in ("mask", "root_cond"):  # the route holds for both halves
            if cond.get(key) is not None:
                both[key] = torch.cat([cond[key], cond[key]])
        out = self.denoiser(torch.cat([x_t, x_t]), torch.cat([t, t]), both)
        x0_c, x0_u = out[:B], out[B:]
        return x0_u + self.scale * (x0_c - x0_u)
