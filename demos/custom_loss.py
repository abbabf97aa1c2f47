"""Register your own loss and use it from Python or a scenario file.

    python demos/custom_loss.py

A loss is any callable ``(motion: DecodedMotion) -> (B,)`` tensor, differentiable, in
metres; ``motion.joints`` is ``(..., T, 22, 3)`` (the leading dims include the Monte Carlo
samples of LGD-MC, so reduce over the last dims only). This one keeps the head under a
low ceiling (1.2 m) for the whole walk; the script generates the same walk with and
without it and prints the head heights.
"""

from __future__ import annotations

import torch

import motionlgd
from motionlgd.losses import DecodedMotion, register_loss

HEAD = 15  # joint index of the head (see motionlgd.motion.skeleton)


def head_below(height: float = 1.2):
    """Keep the head below ``height`` metres: squared excess summed over frames, ``(B,)``."""

    def loss(motion: DecodedMotion) -> torch.Tensor:
        return torch.relu(motion.joints[..., HEAD, 1] - height).pow(2).sum(-1)

    loss.needs_features = False  # reads joint positions only (lets LGD-MC skip other dims)
    return loss


register_loss("head_below", head_below)  # now usable by name, in Python and in scenario files

if __name__ == "__main__":
    model = motionlgd.load_model()
    walk = dict(prompt="a person walks forward", duration=4.0, path={"points": [[0, 0], [0, 4]]}, steps=50)
    plain = motionlgd.generate(model=model, **walk)
    ducked = motionlgd.generate(
        model=model, **walk, losses=[{"name": "head_below", "weight": 50.0, "params": {"height": 1.2}}]
    )
    for label, res in (("without the loss", plain), ("with head_below(1.2)", ducked)):
        head = res.joints[..., HEAD, 1]
        print(f"{label:22s} head height mean {head.mean():.2f} m, max {head.max():.2f} m")
