"""MDM-architecture motion transformer (Tevet et al. 2023), parameter names as in MDM.

The same class holds an official MDM HumanML3D checkpoint (``clip_dim=512``) and the
project's own small default model (MiniLM text embeddings, ``clip_dim=384``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..errors import CheckpointError, ShapeError
from .refiner import DetailGuidance, DetailRefiner

__all__ = [
    "MDM",
    "MDM_HUMANML_DEFAULTS",
    "ROOT_COND_CHANNELS",
    "ROOT_COND_SCALE",
    "ROOT_COND_VEL_SCALE",
    "PositionalEncoding",
    "TimestepEmbedder",
    "root_condition",
]

#: Metres per unit of the root-condition position channels (keeps them near unit scale).
ROOT_COND_SCALE = 3.0
#: Metres per frame per unit of the root-condition velocity channels (20 fps: 1 unit = 2 m/s).
ROOT_COND_VEL_SCALE = 0.1
#: Channels of the root condition: ``[x, z, vx, vz, mask]``.
ROOT_COND_CHANNELS = 5


def root_condition(root_xz: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The model's root-trajectory condition ``(..., T, 5)``: ``[x, z, vx, vz, mask]``.

    Args:
        root_xz: ``(..., T, 2)`` pelvis ground positions in metres, in the motion's
            canonical frame (first frame at the origin, facing +z).
        mask: ``(..., T)`` bool or 0/1, True where the position is constrained.

    Positions are divided by ``ROOT_COND_SCALE``; the velocity of frame t is the step to
    frame t+1 over ``ROOT_COND_VEL_SCALE``, given where both frames are constrained (and
    0 on the last frame); everything unconstrained is zero.
    """
    m = mask.to(root_xz.dtype)[..., None]
    vel = torch.zeros_like(root_xz)
    vel[..., :-1, :] = root_xz[..., 1:, :] - root_xz[..., :-1, :]
    both = torch.zeros_like(m)
    both[..., :-1, :] = m[..., 1:, :] * m[..., :-1, :]
    return torch.cat([root_xz / ROOT_COND_SCALE * m, vel / ROOT_COND_VEL_SCALE * both, m], dim=-1)


#: Hyperparameters of the official MDM HumanML3D text-to-motion model.
MDM_HUMANML_DEFAULTS: dict[str, Any] = {
    "njoints": 263,
    "nfeats": 1,
    "latent_dim": 512,
    "ff_size": 1024,
    "num_layers": 8,
    "num_heads": 4,
    "dropout": 0.1,
    "activation": "gelu",
    "clip_dim": 512,
    "arch": "trans_enc",
    "cond_mask_prob": 0.1,
}

# MDM constructor arguments that do not change this architecture (accepted, ignored).
_IGNORED_MDM_ARGS = {
    "modeltype", "num_actions", "translation", "pose_rep", "glob", "glob_rot", "legacy", "ablation",
    "data_rep", "dataset", "clip_version", "cond_mode", "emb_trans_dec", "action_emb", "normalize_output",
    "diffusion_steps", "noise_schedule", "sigma_small", "lambda_rcxyz", "lambda_vel", "lambda_fc",
    "unconstrained", "text_encoder_type", "pos_embed_max_len", "mask_frames", "emb_policy",
}  # fmt: skip


class PositionalEncoding(nn.Module):
    """Sinusoidal positional encoding, buffer ``pe (max_len, 1, d_model)`` as in MDM."""

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000) -> None:
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len, dtype=torch.float32)[:, None]
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe[:, None, :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (S, B, d)`` -> ``x + pe[:S]`` with dropout."""
        return self.dropout(x + self.pe[: x.shape[0]])


class TimestepEmbedder(nn.Module):
    """Diffusion-step embedding: sinusoid of t -> Linear -> SiLU -> Linear."""

    def __init__(self, latent_dim: int, sequence_pos_encoder: PositionalEncoding) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sequence_pos_encoder = sequence_pos_encoder
        self.time_embed = nn.Sequential(nn.Linear(latent_dim, latent_dim), nn.SiLU(), nn.Linear(latent_dim, latent_dim))

    def forward(self, timesteps: torch.Tensor) -> torch.Tensor:
        """``timesteps (B,)`` long -> ``(1, B, d)``."""
        return self.time_embed(self.sequence_pos_encoder.pe[timesteps]).permute(1, 0, 2)


class _InputProcess(nn.Module):
    def __init__(self, input_feats: int, latent_dim: int) -> None:
        super().__init__()
        self.poseEmbedding = nn.Linear(input_feats, latent_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.poseEmbedding(x)


class _OutputProcess(nn.Module):
    def __init__(self, input_feats: int, latent_dim: int) -> None:
        super().__init__()
        self.poseFinal = nn.Linear(latent_dim, input_feats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.poseFinal(x)


class MDM(nn.Module):
    """MDM text-to-motion transformer encoder predicting the clean sample x0.

    Args use MDM's own names; defaults are the official HumanML3D model. Unknown MDM
    arguments that do not affect this architecture are accepted and ignored.

    Args:
        njoints: feature size D (263 for HumanML3D).
        nfeats: MDM's per-joint feature count (1 for HumanML3D vectors).
        latent_dim: transformer width.
        ff_size: feed-forward width.
        num_layers: number of encoder layers.
        num_heads: attention heads.
        dropout: dropout probability.
        activation: ``"gelu"`` or ``"relu"``.
        clip_dim: size E of the text embedding.
        arch: only ``"trans_enc"`` is supported.
        cond_mask_prob: probability of dropping the text condition during training.
        max_len: length of the positional-encoding table.
        root_cond: channels of the optional per-frame root-trajectory condition (0 = none,
            the MDM architecture; 5 = ``[x, z, vx, vz, mask]``, see :func:`root_condition`). Its
            input layer ``embed_root`` starts at zero, so a model fine-tuned from an
            unconditioned one starts out identical to it.
        refiner: settings of an optional temporal detail head
            (:class:`motionlgd.models.refiner.DetailRefiner`: ``channels``, ``blocks``,
            ``kernel``, ``step_dim``) that corrects the transformer's estimate from the noisy
            input; None (MDM's architecture) for none. Its output layer starts at zero.
    """

    def __init__(
        self,
        njoints: int = 263,
        nfeats: int = 1,
        latent_dim: int = 512,
        ff_size: int = 1024,
        num_layers: int = 8,
        num_heads: int = 4,
        dropout: float = 0.1,
        activation: str = "gelu",
        clip_dim: int = 512,
        arch: str = "trans_enc",
        cond_mask_prob: float = 0.1,
        max_len: int = 5000,
        root_cond: int = 0,
        refiner: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        unknown = set(kwargs) - _IGNORED_MDM_ARGS
        if unknown:
            raise TypeError(f"MDM got unexpected arguments: {sorted(unknown)}")
        if arch != "trans_enc":
            raise CheckpointError(f"unsupported MDM arch {arch!r}: only 'trans_enc' is implemented")
        if latent_dim % num_heads != 0:
            raise ValueError(f"latent_dim={latent_dim} is not divisible by num_heads={num_heads}")
        self.njoints = njoints
        self.nfeats = nfeats
        self.input_feats = njoints * nfeats
        self.latent_dim = latent_dim
        self.ff_size = ff_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.dropout = dropout
        self.activation = activation
        self.clip_dim = clip_dim
        self.arch = arch
        self.cond_mask_prob = cond_mask_prob
        if int(root_cond) != root_cond or root_cond < 0:
            raise ValueError(f"root_cond must be an integer >= 0, got {root_cond!r}")
        self.root_cond = int(root_cond)

        self.input_process = _InputProcess(self.input_feats, latent_dim)
        self.sequence_pos_encoder = PositionalEncoding(latent_dim, dropout, max_len=max_len)
        layer = nn.TransformerEncoderLayer(
            d_model=latent_dim, nhead=num_heads, dim_feedforward=ff_size, dropout=dropout, activation=activation
        )
        self.seqTransEncoder = nn.TransformerEncoder(layer, num_layers=num_layers, enable_nested_tensor=False)
        self.embed_timestep = TimestepEmbedder(latent_dim, self.sequence_pos_encoder)
        self.embed_text = nn.Linear(clip_dim, latent_dim)
        self.output_process = _OutputProcess(self.input_feats, latent_dim)
        if self.root_cond:
            self.embed_root = nn.Linear(self.root_cond, latent_dim)
            nn.init.zeros_(self.embed_root.weight)
            nn.init.zeros_(self.embed_root.bias)
        if refiner is not None and not isinstance(refiner, dict):
            raise ValueError(f"refiner must be a mapping of DetailRefiner settings or None, got {refiner!r}")
        self.refiner = DetailRefiner(self.input_feats, **refiner) if refiner else None

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments (json-serialisable) that rebuild this model."""
        return {
            "njoints": self.njoints,
            "nfeats": self.nfeats,
            "latent_dim": self.latent_dim,
            "ff_size": self.ff_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "dropout": self.dropout,
            "activation": self.activation,
            "clip_dim": self.clip_dim,
            "arch": self.arch,
            "cond_mask_prob": self.cond_mask_prob,
            "max_len": int(self.sequence_pos_encoder.pe.shape[0]),
            **({"root_cond": self.root_cond} if self.root_cond else {}),
            **({"refiner": self.refiner.hyperparameters()} if self.refiner is not None else {}),
        }

    def mask_cond(self, text_emb: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Training-time condition dropout: zero each sample's embedding with ``cond_mask_prob``."""
        if not self.training or self.cond_mask_prob <= 0:
            return text_emb
        keep = torch.rand(text_emb.shape[0], generator=generator, device=text_emb.device) >= self.cond_mask_prob
        return text_emb * keep[:, None].to(text_emb.dtype)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        text_emb: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        root_cond: torch.Tensor | None = None,
        detail: DetailGuidance | None = None,
    ) -> torch.Tensor:
        """Predict x0.

        Args:
            x: ``(B, T, D)`` noisy normalised features x_t.
            t: ``(B,)`` long diffusion timesteps of the model's own schedule.
            text_emb: ``(B, E)`` text embeddings, or None for unconditional (zeros).
            mask: optional ``(B, T)`` bool, True on valid frames (padding is ignored
                by attention). Official MDM checkpoints were trained without it.
            root_cond: optional ``(B, T, root_cond)`` root-trajectory condition (see
                :func:`root_condition`); ignored by a model built with ``root_cond=0``,
                zeros (no constraint) when None.
            detail: autoguidance by the detail head (sampling only; ignored without a
                head); None returns the head's estimate.

        Returns:
            ``(B, T, D)`` predicted clean features x0 (normalised).
        """
        if x.ndim != 3 or x.shape[-1] != self.input_feats:
            raise ShapeError(f"MDM expects x of shape (B, T, {self.input_feats}), got {tuple(x.shape)}")
        B = x.shape[0]
        if t.ndim == 0:
            t = t.expand(B)
        emb = self.embed_timestep(t)  # (1, B, d)
        if text_emb is None:
            text_emb = x.new_zeros(B, self.clip_dim)
        elif text_emb.shape != (B, self.clip_dim):
            raise ShapeError(f"text_emb must have shape ({B}, {self.clip_dim}), got {tuple(text_emb.shape)}")
        emb = emb + self.embed_text(self.mask_cond(text_emb.to(x.dtype)))[None]
        h = self.input_process(x.permute(1, 0, 2))  # (T, B, d)
        if self.root_cond and root_cond is not None:
            if root_cond.shape != (*x.shape[:2], self.root_cond):
                raise ShapeError(
                    f"root_cond must have shape {(*x.shape[:2], self.root_cond)}, got {tuple(root_cond.shape)}"
                )
            h = h + self.embed_root(root_cond.to(x.dtype).permute(1, 0, 2))
        seq = self.sequence_pos_encoder(torch.cat([emb, h], dim=0))
        pad = None
        if mask is not None:
            pad = torch.cat([torch.zeros_like(mask[:, :1]), ~mask.bool()], dim=1)
        out = self.seqTransEncoder(seq, src_key_padding_mask=pad)[1:]
        est = self.output_process(out).permute(1, 0, 2)
        if self.refiner is None:
            return est
        refined = self.refiner(x, est, t, mask)
        return refined if detail is None else detail.combine(est, refined, t, mask)
