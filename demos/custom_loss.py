"""Register your own loss and use it from Python or a scenario file.

    python demos/custom_loss.py

A loss is any callable ``(motion: DecodedMotion) -> (B,)`` tensor, differentiable, in
metres; ``motion.joints`` is ``(..., T, 22, 3)`` (the leading dims include the Monte Carlo
samples of LGD-MC, so reduce over the last dims only).
"""

from __future__ import annotations

import torch

import motionlgd
from motionlgd.losses import DecodedMotion, register_loss


def low_hands(height: float = 1.0):
    """Keep both wrists below ``height`` metres (squared excess, summed over frames)."""

    def loss(motion: DecodedMotion) -> torch.Tensor:
        wrists = motion.joints[..., [20, 21], 1]  # (..., T, 2) heights
        return torch.relu(wrists - height).pow(2).sum((-1, -2))

    loss.needs_features = False  # reads joint positions only (lets LGD-MC skip other dims)
    return loss


register_loss("low_hands", low_hands)

if __name__ == "__main__":
    res = motionlgd.generate(
        prompt="a person walks forward",
        duration=4.0,
        path={"points": [[0, 0], [0, 4]]},
        losses=[{"name": "low_hands", "weight": 5.0, "params": {"height": 1.1}}],
        steps=50,
    )
    print({k: round(v, 4) for k, v in res.metrics["mean"].items()})
