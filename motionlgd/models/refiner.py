"""A temporal detail head for the MDM transformer's x0 estimate.

A small transformer trained on little data learns the coarse motion but smooths away
what varies fastest: on real walking clips the shipped model's x0 estimate from an
almost clean input (diffusion step 0) halves the toes' lift and moves the joints by
about 10 cm (docs/results.md). The head sees the noisy input ``x_t`` next to the
transformer's estimate ``F`` and adds a correction that a stack of dilated temporal
convolutions computes from both, modulated by the diffusion step:

    x0 = F + head(x_t, F, t)

Its last layer starts at zero, so a model given a head starts out identical to the
model without one; training the head alone (``train_only: refiner``) leaves the
transformer as it was. It works on normalised features ``(B, T, D)`` at any length.

Sampling can push further in the direction the head corrects: :class:`DetailGuidance` is
autoguidance (Karras et al., "Guiding a diffusion model with a bad version of itself",
2024) with the network without its head as the weaker model,

    x0 = refined + smooth((w - 1) (refined - F))    for diffusion steps t >= min_step,

applied above a last few low-noise steps (a guidance interval, Kynkaeaenniemi et al. 2024)
and smoothed over ``smooth_frames`` (a Gaussian in time), so the extrapolation lifts the
feet without amplifying the head's frame-to-frame noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..motion.filters import smooth_time
from ..motion.humanml3d import FEATURE_SLICES
from ..motion.skeleton import FOOT_JOINTS

__all__ = ["LEG_JOINTS", "DetailGuidance", "DetailRefiner", "joint_feature_mask"]

#: Knees, ankles and feet (HumanML3D joint indices): where the toes' lift is decided. The
#: hips (1, 2) are left out: extrapolated, their positions about the pelvis rolled it up to
#: 17-24 degrees from level (real walking: about 7) and varied the hip width.
LEG_JOINTS = (4, 5, 7, 8, 10, 11)


def joint_feature_mask(joints: tuple[int, ...], features: int = 263) -> torch.Tensor:
    """``(features,)`` float mask of the HumanML3D features of ``joints`` (1-21): their
    root-relative position, 6D rotation, velocity and, for ankles and feet, foot contact.
    ``features`` other than 263 (not HumanML3D) raise ``ValueError``."""
    if features != 263:
        raise ValueError(f"joint masks need HumanML3D's 263 features, got {features}")
    ric, rot, vel, contact = (FEATURE_SLICES[k].start for k in ("ric", "rot", "vel", "contact"))
    m = torch.zeros(features)
    for j in joints:
        m[ric + 3 * (j - 1) : ric + 3 * j] = 1  # root-relative positions (joints 1-21)
        m[rot + 6 * (j - 1) : rot + 6 * j] = 1  # 6D rotations (joints 1-21)
        m[vel + 3 * j : vel + 3 * (j + 1)] = 1  # local velocities (joints 0-21)
        if j in FOOT_JOINTS:  # the contact channels follow FOOT_JOINTS' order
            m[contact + FOOT_JOINTS.index(j)] = 1
    return m


def _step_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """``t (B,)`` -> ``(B, dim)`` sinusoidal features of the diffusion step."""
    half = dim // 2
    freqs = torch.exp(-torch.arange(half, device=t.device, dtype=torch.float32) * (9.2 / max(1, half - 1)))
    ang = t.float()[:, None] * freqs[None]
    return torch.cat([ang.sin(), ang.cos()], dim=-1)


class _Block(nn.Module):
    def __init__(self, channels: int, kernel: int, dilation: int, emb: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, padding=dilation * (kernel // 2), dilation=dilation)
        self.film = nn.Linear(emb, 2 * channels)
        self.norm = nn.LayerNorm(channels)  # per frame: no statistics across time or padding

    def forward(self, h: torch.Tensor, e: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(e)[..., None].chunk(2, dim=1)
        z = self.norm(self.conv(h).transpose(1, 2)).transpose(1, 2) * (1 + scale) + shift
        return (h + nn.functional.gelu(z)) * m


class DetailRefiner(nn.Module):
    """``x0 = F + head(x_t, F, t)`` on ``(B, T, D)`` normalised features.

    Args:
        features: feature size D (263 for HumanML3D).
        channels: hidden width of the temporal convolutions.
        blocks: number of residual blocks; block ``k`` has dilation ``2 ** k``.
        kernel: odd temporal kernel size (frames).
        step_dim: size of the diffusion-step embedding.
    """

    def __init__(self, features: int, channels: int = 128, blocks: int = 4, kernel: int = 5, step_dim: int = 64):
        super().__init__()
        if kernel % 2 != 1 or kernel < 1:
            raise ValueError(f"refiner kernel must be odd and positive, got {kernel}")
        if channels < 1 or blocks < 1:
            raise ValueError(f"refiner channels and blocks must be positive, got {channels}, {blocks}")
        self.features, self.channels, self.blocks = features, channels, blocks
        self.kernel, self.step_dim = kernel, step_dim
        self.step = nn.Sequential(nn.Linear(step_dim, step_dim), nn.SiLU(), nn.Linear(step_dim, step_dim))
        self.gain = nn.Linear(step_dim, features)  # per-feature gain on x_t, by diffusion step
        nn.init.zeros_(self.gain.weight)
        nn.init.zeros_(self.gain.bias)
        self.inp = nn.Conv1d(2 * features, channels, 1)
        self.body = nn.ModuleList(_Block(channels, kernel, 2**k, step_dim) for k in range(blocks))
        self.out = nn.Conv1d(channels, features, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments less ``features`` (json-serialisable)."""
        return {"channels": self.channels, "blocks": self.blocks, "kernel": self.kernel, "step_dim": self.step_dim}

    def forward(
        self, x_t: torch.Tensor, estimate: torch.Tensor, t: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``x_t``, ``estimate (B, T, D)``, ``t (B,)``, optional ``mask (B, T)`` bool ->
        the refined x0 estimate ``(B, T, D)``; padded frames keep ``estimate``."""
        e = self.step(_step_features(t, self.step_dim))
        m = torch.ones_like(x_t[..., :1]) if mask is None else mask[..., None].to(x_t.dtype)
        xs = x_t * (1 + self.gain(e))[:, None]
        h = self.inp((torch.cat([xs, estimate], dim=-1) * m).transpose(1, 2))
        mt = m.transpose(1, 2)
        h = h * mt
        for block in self.body:
            h = block(h, e, mt)
        return estimate + (self.out(h) * mt).transpose(1, 2)


@dataclass(frozen=True)
class DetailGuidance:
    """Autoguidance by the detail head (see the module docstring).

    Attributes:
        scale: ``w``; 1 is the head alone, 0 the transformer alone.
        min_step: diffusion steps (of the model's 1000) below which ``w = 1``.
        smooth_frames: Gaussian sigma (frames) of the extrapolated part.
        joints: the joints whose HumanML3D features (position, rotation and velocity, and
            the foot contacts) are extrapolated; the rest (the root, whose heading and route
            precise control steers, the trunk, arms and head) keeps the head's estimate.
            Default: knees, ankles and feet (``LEG_JOINTS``). None extrapolates every
            feature (the root too: the heading then drifts).
    """

    scale: float = 3.0
    min_step: int = 50
    smooth_frames: float = 2.0
    joints: tuple[int, ...] | None = LEG_JOINTS

    def __post_init__(self) -> None:
        if self.joints is not None and not all(isinstance(j, int) and 1 <= j < 22 for j in self.joints):
            raise ValueError(f"detail guidance joints must be joint indices 1-21, got {self.joints!r}")
        for name in ("scale", "min_step", "smooth_frames"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"detail guidance {name} must be a number >= 0, got {value!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DetailGuidance:
        """From a config mapping (unknown keys are an error)."""
        unknown = set(d) - {"scale", "min_step", "smooth_frames", "joints"}
        if unknown:
            raise ValueError(f"unknown detail guidance setting(s) {sorted(unknown)}")
        if d.get("joints") is not None:
            d = {**d, "joints": tuple(d["joints"])}
        return cls(**d)

    def combine(
        self, estimate: torch.Tensor, refined: torch.Tensor, t: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``estimate`` (transformer) and ``refined`` (with the head) ``(B, T, D)``, ``t (B,)``
        -> the guided x0 ``(B, T, D)``."""
        w = torch.where(t >= self.min_step, float(self.scale), 1.0).to(refined.dtype).view(-1, 1, 1)
        if bool((w == 1).all()):
            return refined
        extra = (w - 1) * (refined - estimate)
        if self.joints is not None:
            extra = extra * joint_feature_mask(self.joints, extra.shape[-1]).to(extra)
        return refined + smooth_time(extra, self.smooth_frames, mask)
