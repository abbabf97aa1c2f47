"""``MotionModel``: a denoising network with its schedule, normalisation and text encoder."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..diffusion.schedule import NoiseSchedule
from ..errors import ShapeError
from ..types import Denoiser
from .denoiser import ClassifierFreeGuidance, ModelDenoiser
from .refiner import DetailGuidance
from .text import TextEncoder
from .transformer import MDM

__all__ = ["MotionModel"]


@dataclass
class MotionModel:
    """Everything needed to sample motions from one model.

    Attributes:
        net: the MDM-architecture network (eval mode).
        schedule: its full training noise schedule.
        mean: ``(263,)`` feature mean (the network works on ``(f - mean) / std``).
        std: ``(263,)`` feature std.
        text_encoder: prompt -> ``(B, E)`` embedding with ``E == net.clip_dim``.
        fps: frame rate of the features (20).
        max_frames: longest clip the model was trained on.
        cfg_scale: default classifier-free guidance scale.
        prediction: what the network outputs, ``"x0"`` (MDM) or ``"v"``.
        name: a short human-readable name.
        config: the json config the model was loaded from.
        detail_guidance: autoguidance by the network's detail head while sampling (see
            :mod:`motionlgd.models.refiner`); None samples the network as it is. Only a
            network with a head uses it.
    """

    net: MDM
    schedule: NoiseSchedule
    mean: torch.Tensor
    std: torch.Tensor
    text_encoder: TextEncoder
    fps: float = 20.0
    max_frames: int = 196
    cfg_scale: float = 2.5
    prediction: str = "x0"
    name: str = "model"
    config: dict[str, Any] = field(default_factory=dict)
    detail_guidance: DetailGuidance | None = None

    def __post_init__(self) -> None:
        self.mean = torch.as_tensor(np.asarray(self.mean), dtype=torch.float32).to(self.device)
        self.std = torch.as_tensor(np.asarray(self.std), dtype=torch.float32).to(self.device)
        if self.mean.shape != (self.net.input_feats,) or self.std.shape != (self.net.input_feats,):
            raise ShapeError(
                f"mean/std must have shape ({self.net.input_feats},), got {tuple(self.mean.shape)} / {tuple(self.std.shape)}"
            )
        if not (torch.isfinite(self.mean).all() and torch.isfinite(self.std).all() and (self.std > 0).all()):
            raise ShapeError("mean/std must be finite and std positive")
        # sampling never trains: no parameter gradients (guidance differentiates w.r.t. x_t only)
        self.net.eval().requires_grad_(False)

    @property
    def device(self) -> torch.device:
        """Device of the network's parameters."""
        return next(self.net.parameters()).device

    def to(self, device: torch.device | str) -> MotionModel:
        """Move network and statistics to ``device`` (in place); returns self."""
        self.net.to(device)
        self.mean = self.mean.to(device)
        self.std = self.std.to(device)
        if hasattr(self.text_encoder, "device"):
            enc: Any = self.text_encoder
            if getattr(enc, "_bert", None) is not None:
                enc._bert.to(device)
            enc.device = torch.device(device)
        return self

    def normalize(self, features: torch.Tensor) -> torch.Tensor:
        """``(..., T, 263)`` unnormalised -> normalised features."""
        return (features - self.mean) / self.std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., T, 263)`` normalised -> unnormalised features (metres etc.)."""
        return x * self.std + self.mean

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """Prompts -> ``(B, E)`` embeddings on the model's device (zeros for ``""``)."""
        return self.text_encoder(texts).to(self.device)

    def denoiser(self, cfg_scale: float | None = None, detail_scale: float | None = None) -> Denoiser:
        """The network as a ``Denoiser``, with classifier-free guidance when ``cfg_scale != 1``
        (None: the model's default) and the model's detail guidance, its scale replaced by
        ``detail_scale`` when given (1: the head alone; ignored without a head)."""
        detail = self.detail_guidance
        if detail_scale is not None:  # ModelDenoiser drops it for a network without a head
            detail = replace(detail or DetailGuidance(), scale=float(detail_scale))
        base = ModelDenoiser(self.net, self.schedule, self.prediction, detail=detail)
        scale = self.cfg_scale if cfg_scale is None else cfg_scale
        return base if scale == 1.0 else ClassifierFreeGuidance(base, scale)
