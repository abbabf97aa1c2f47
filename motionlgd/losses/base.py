"""Loss plumbing: the decoded motion a loss sees, weighted sums, and a name registry.

A loss is any callable ``loss(motion: DecodedMotion) -> Tensor`` returning one value per
sample, shape ``motion.batch_shape`` (``(B,)``, or ``(n, B)`` inside LGD-MC), in metres
(squared metres for squared distances), differentiable, >= 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..motion.humanml3d import POSITION_DIMS, joints_from_position_dims, root_from_dims
from ..motion.skeleton import FEATURE_DIM

__all__ = [
    "DecodedMotion",
    "LossFn",
    "WeightedSum",
    "get_loss",
    "make_objective",
    "register_loss",
    "registered_losses",
]


@dataclass(frozen=True)
class DecodedMotion:
    """Motion seen by losses.

    Attributes:
        joints: ``(..., T, 22, 3)`` positions in metres, Y up, in the scenario's world frame.
        features: ``(..., T, 263)`` unnormalised features (canonical frame).
        fps: frames per second.
    """

    joints: torch.Tensor
    features: torch.Tensor | None = None
    fps: float = 20.0

    @property
    def root(self) -> torch.Tensor:
        """``(..., T, 3)`` pelvis positions."""
        return self.joints[..., 0, :]

    @property
    def root_xz(self) -> torch.Tensor:
        """``(..., T, 2)`` pelvis ground-plane position (x, z)."""
        return self.joints[..., 0, :][..., [0, 2]]

    @property
    def num_frames(self) -> int:
        """Number of frames T."""
        return int(self.joints.shape[-3])

    @property
    def batch_shape(self) -> torch.Size:
        """Leading dims, e.g. ``(B,)``."""
        return self.joints.shape[:-3]

    def facing(self) -> torch.Tensor:
        """``(..., T, 2)`` unit ground-plane facing direction (x, z) from hips and shoulders."""
        j = self.joints
        across = (j[..., 2, :] - j[..., 1, :]) + (j[..., 17, :] - j[..., 16, :])
        # forward = up x across = (across_z, 0, -across_x)
        f = torch.stack([across[..., 2], -across[..., 0]], dim=-1)
        return f / f.norm(dim=-1, keepdim=True).clamp(min=1e-6)


LossFn = Callable[[DecodedMotion], torch.Tensor]

#: Feature dims the pelvis trajectory depends on (rotation velocity, ground velocity, height).
ROOT_DIMS = 4


class WeightedSum:
    """``sum_k w_k * loss_k(motion)``; ``terms(motion)`` gives each term separately."""

    def __init__(self, items: Sequence[tuple[str, float, LossFn]]) -> None:
        self.items = list(items)

    @property
    def needs_features(self) -> bool:
        """Whether any term reads ``motion.features`` (losses say so with ``needs_features``;
        a loss without the attribute is assumed to need them)."""
        return any(getattr(fn, "needs_features", True) for _, _, fn in self.items)

    @property
    def root_only(self) -> bool:
        """Whether every term reads the pelvis only (losses say so with ``root_only``;
        a loss without the attribute is assumed to read every joint)."""
        return all(getattr(fn, "root_only", False) for _, _, fn in self.items)

    def __call__(self, motion: DecodedMotion) -> torch.Tensor:
        """Total loss ``(...,)``."""
        total = motion.joints.new_zeros(motion.batch_shape)
        for _, w, fn in self.items:
            if w != 0:
                total = total + w * fn(motion)
        return total

    def terms(self, motion: DecodedMotion) -> dict[str, torch.Tensor]:
        """Unweighted value of each named term, ``(...,)`` each."""
        return {name: fn(motion) for name, _, fn in self.items}


_REGISTRY: dict[str, Callable[..., LossFn]] = {}


def register_loss(name: str, factory: Callable[..., LossFn] | None = None):
    """Register a loss factory under ``name`` so scenario files can use it.

    ``factory(**params) -> loss``. Use as a function or decorator. A plain loss
    ``(motion) -> (B,)`` can be registered too: it is wrapped in a factory taking no
    parameters.
    """

    def _do(f: Callable[..., LossFn]) -> Callable[..., LossFn]:
        if not name or not name.replace("_", "").isalnum():
            raise ValueError(f"loss names are identifiers, got {name!r}")
        _REGISTRY[name] = f
        return f

    return _do if factory is None else _do(factory)


def get_loss(name: str) -> Callable[..., LossFn]:
    """The factory registered under ``name``."""
    if name not in _REGISTRY:
        from ..errors import ScenarioError

        raise ScenarioError(f"unknown loss {name!r}; registered losses: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def registered_losses() -> list[str]:
    """Names of all registered losses."""
    return sorted(_REGISTRY)


def make_objective(
    loss: LossFn,
    mean: torch.Tensor,
    std: torch.Tensor,
    fps: float = 20.0,
    world_transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Objective on normalised x0 for guidance: denormalise, decode, place in the world, apply ``loss``.

    Args:
        loss: loss on decoded motion.
        mean, std: ``(263,)`` feature normalisation of the model.
        fps: frame rate.
        world_transform: maps canonical joints ``(..., T, 22, 3)`` to world joints (e.g. a
            scenario's start position and heading); identity when None.

    Returns:
        ``objective(x0: (..., B, T, D)) -> (..., B)``. When the loss reads joint positions
        only (``needs_features`` is False), the objective has ``dims = POSITION_DIMS``: it
        reads only the first 67 dims of x0 (root and joint positions), and a guidance
        wrapper may pass just those (the Monte Carlo noise on the other dims cannot change
        the loss, so drawing it would only cost time). When every term reads the pelvis
        only (``root_only``), ``dims = 4`` and only the root is decoded: the ``joints`` the
        loss sees are then ``(..., T, 1, 3)``.
    """
    full = getattr(loss, "needs_features", True)
    root_only = not full and getattr(loss, "root_only", False)

    def objective(x0: torch.Tensor) -> torch.Tensor:
        if full:
            assert x0.shape[-1] == FEATURE_DIM
            feats = x0 * std.to(x0) + mean.to(x0)
        else:
            d = ROOT_DIMS if root_only else POSITION_DIMS
            feats = x0[..., :d] * std[:d].to(x0) + mean[:d].to(x0)
        if root_only:  # (..., T, 1, 3): the pelvis is all the loss reads
            joints = root_from_dims(feats)[..., None, :]
        else:
            joints = joints_from_position_dims(feats)
        if world_transform is not None:
            joints = world_transform(joints)
        return loss(DecodedMotion(joints=joints, features=feats if full else None, fps=fps))

    def diagnose(x0: torch.Tensor) -> list[str]:
        """Names of the loss terms that are NaN/inf for ``x0`` (for error messages)."""
        terms = getattr(loss, "terms", None)
        if terms is None:
            return []
        with torch.no_grad():
            feats = x0 * std.to(x0) + mean.to(x0)
            joints = joints_from_position_dims(feats)
            if world_transform is not None:
                joints = world_transform(joints)
            values = terms(DecodedMotion(joints=joints, features=feats, fps=fps))
        return [name for name, v in values.items() if not torch.isfinite(v).all()]

    objective.dims = None if full else (ROOT_DIMS if root_only else POSITION_DIMS)  # type: ignore[attr-defined]
    objective.diagnose = diagnose  # type: ignore[attr-defined]
    return objective
