"""Temporal filters on motion tensors (frames along dim 1)."""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["smooth_time"]


def smooth_time(x: torch.Tensor, sigma: float, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``x (B, T, ...)`` convolved over time (dim 1) with a Gaussian of ``sigma`` frames
    (radius ``max(1, int(3 sigma))``; ``sigma <= 0`` returns ``x``).

    Without ``mask`` the edges are replicated. With ``mask (B, T)`` bool the padded frames
    are zeroed before and after, so they do not leak into the valid ones: each valid frame
    is a weighted mean over the valid frames near it.
    """
    if sigma <= 0:
        return x
    radius = max(1, int(3 * sigma))
    k = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device) / sigma) ** 2)
    k = (k / k.sum()).view(1, 1, -1)
    B, T = x.shape[:2]

    def conv(z: torch.Tensor) -> torch.Tensor:
        flat = z.reshape(B, T, -1).permute(0, 2, 1).reshape(-1, 1, T)
        flat = F.pad(flat, (radius, radius), mode="replicate" if mask is None else "constant")
        return F.conv1d(flat, k).reshape(B, -1, T).permute(0, 2, 1).reshape(z.shape)

    if mask is None:
        return conv(x)
    m = mask.to(x.dtype).reshape(B, T, *([1] * (x.dim() - 2)))
    return conv(x * m) / conv(m).clamp(min=1e-6) * m
