"""Immutable variance-preserving noise schedules and respacing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

__all__ = ["NoiseSchedule", "cosine_betas", "linear_betas", "make_schedule"]


def cosine_betas(num_steps: int, max_beta: float = 0.999) -> np.ndarray:
    """Cosine schedule of Nichol & Dhariwal (2021): ``(num_steps,)`` float64 betas."""

    def abar(t: float) -> float:
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    return np.array(
        [min(1 - abar((i + 1) / num_steps) / abar(i / num_steps), max_beta) for i in range(num_steps)],
        dtype=np.float64,
    )


def linear_betas(num_steps: int) -> np.ndarray:
    """Linear schedule of Ho et al. (2020), rescaled to ``num_steps``: ``(num_steps,)`` betas."""
    scale = 1000 / num_steps
    return np.linspace(scale * 0.0001, scale * 0.02, num_steps, dtype=np.float64)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class NoiseSchedule:
    """A variance-preserving schedule, possibly a respaced subset of a model's schedule.

    ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps``. Step ``i`` of this schedule uses the
    model timestep ``timesteps[i]`` (identity unless respaced). Arrays are read-only
    float64 numpy arrays of length ``num_steps``.

    Attributes:
        betas: per-step betas of this (possibly respaced) chain.
        timesteps: the model's timestep index for each step (passed to the denoiser).
        base_num_steps: number of steps of the schedule the model was trained with.
        kind: "cosine", "linear" or "custom".
    """

    betas: np.ndarray
    timesteps: np.ndarray
    base_num_steps: int
    kind: str = "custom"
    alphas_cumprod: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        betas = _frozen(self.betas)
        if betas.ndim != 1 or len(betas) == 0:
            raise ValueError("betas must be a non-empty 1-D array")
        if np.any(betas <= 0) or np.any(betas >= 1):
            raise ValueError("betas must lie in (0, 1)")
        ts = np.array(self.timesteps, dtype=np.int64)
        if ts.shape != betas.shape:
            raise ValueError("timesteps and betas must have the same length")
        ts.setflags(write=False)
        object.__setattr__(self, "betas", betas)
        object.__setattr__(self, "timesteps", ts)
        object.__setattr__(self, "alphas_cumprod", _frozen(np.cumprod(1.0 - betas)))

    @property
    def num_steps(self) -> int:
        """Number of steps of this chain."""
        return len(self.betas)

    @property
    def alphas_cumprod_prev(self) -> np.ndarray:
        """``abar_{i-1}`` per step (1 for the first step)."""
        return np.concatenate([[1.0], self.alphas_cumprod[:-1]])

    def respace(self, num_steps: int) -> NoiseSchedule:
        """Evenly spaced ``num_steps``-step subset of this schedule (improved-diffusion style).

        The respaced chain keeps ``abar`` exactly at the kept timesteps, so the model
        sees the same noise levels it was trained on.
        """
        if not 1 <= num_steps <= self.num_steps:
            raise ValueError(f"cannot respace a {self.num_steps}-step schedule to {num_steps} steps")
        if num_steps == self.num_steps:
            return self
        keep = np.unique(np.round(np.linspace(0, self.num_steps - 1, num_steps)).astype(np.int64))
        if num_steps == 1:  # one step must start from the noisiest level
            keep = np.array([self.num_steps - 1])
        if len(keep) != num_steps:  # pragma: no cover - linspace over integers is distinct here
            raise ValueError(f"cannot respace to {num_steps} distinct steps")
        abar = self.alphas_cumprod[keep]
        prev = np.concatenate([[1.0], abar[:-1]])
        betas = 1.0 - abar / prev
        return NoiseSchedule(
            betas=betas, timesteps=self.timesteps[keep], base_num_steps=self.base_num_steps, kind=self.kind
        )

    def abar(self, i: torch.Tensor | int, like: torch.Tensor | None = None) -> torch.Tensor:
        """``abar`` at step index/indices ``i`` as a tensor (dtype/device of ``like``)."""
        val = torch.tensor(np.array(self.alphas_cumprod))[torch.as_tensor(i)]
        if like is not None:
            val = val.to(device=like.device, dtype=like.dtype)
        return val

    def to_dict(self) -> dict[str, object]:
        """Json-serialisable description (kind and step count)."""
        return {"kind": self.kind, "num_steps": self.base_num_steps}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NoiseSchedule):
            return NotImplemented
        return bool(
            np.array_equal(self.betas, other.betas)
            and np.array_equal(self.timesteps, other.timesteps)
            and self.base_num_steps == other.base_num_steps
        )

    def __hash__(self) -> int:
        return hash((self.betas.tobytes(), self.timesteps.tobytes(), self.base_num_steps))


def make_schedule(kind: Literal["cosine", "linear"] = "cosine", num_steps: int = 1000) -> NoiseSchedule:
    """The full schedule a model is trained with."""
    if kind == "cosine":
        betas = cosine_betas(num_steps)
    elif kind == "linear":
        betas = linear_betas(num_steps)
    else:
        raise ValueError(f"unknown noise schedule {kind!r}; use 'cosine' or 'linear'")
    return NoiseSchedule(betas=betas, timesteps=np.arange(num_steps), base_num_steps=num_steps, kind=kind)
