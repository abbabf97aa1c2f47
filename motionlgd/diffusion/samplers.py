"""DDPM and DDIM samplers: pure functions over a ``Denoiser``.

A sampler never touches a model's internals: it calls ``denoiser(x_t, t, cond) -> x0``
once per step. Guidance (LGD) and classifier-free guidance are wrappers around the
denoiser, so every sampler gets them without change. The sampler runs its own
arithmetic under ``torch.no_grad``; a guidance wrapper enables gradients locally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import NumericalError
from ..types import Cond, Denoiser
from .schedule import NoiseSchedule

__all__ = ["Resample", "StepInfo", "randn", "sample_ddim", "sample_ddpm"]

log = logging.getLogger(__name__)

#: Per-step callback payload: ``{"i", "step", "t", "x", "x0", "num_steps"}``.
StepInfo = dict[str, Any]


@dataclass(frozen=True)
class Resample:
    """Harmonising resampling (RePaint, Lugmayr et al. 2022) for samplers whose denoiser
    imputes part of the sample.

    While the sampling progress ``1 - i / (n - 1)`` (0 = first step, 1 = last) lies in
    ``[start, stop]``, each step is taken ``repeats`` times: after all but the last, the
    new sample is noised back to the step's level with ``q(x_t | x_{t-1})`` and the step
    is redone, so the generated part has several chances to agree with the imputed one.
    The re-noising draws from the sampler's generator. ``repeats = 1`` changes nothing.
    """

    start: float = 0.3
    stop: float = 0.8
    repeats: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.start <= self.stop <= 1.0:
            raise ValueError(f"resample window needs 0 <= start <= stop <= 1, got [{self.start}, {self.stop}]")
        if int(self.repeats) != self.repeats or self.repeats < 1:
            raise ValueError(f"resample repeats must be an integer >= 1, got {self.repeats}")

    def times(self, i: int, n: int) -> int:
        """How many times step ``i`` (of ``n``, counting down to 0) is taken."""
        if i == 0 or n < 2 or self.repeats == 1:
            return 1
        return int(self.repeats) if self.start <= (n - 1 - i) / (n - 1) <= self.stop else 1


def _passes(resample: Resample | None, i: int, n: int) -> range:
    """Pass numbers of step ``i`` (one pass without resampling)."""
    return range(resample.times(i, n) if resample is not None else 1)


def _estimate(denoiser: Denoiser, x: torch.Tensor, t: int, cond: Cond, clip_x0: float | None) -> torch.Tensor:
    """The denoiser's x0 estimate, detached and optionally clamped to ``[-clip_x0, clip_x0]``."""
    x0 = _call(denoiser, x, t, cond).detach()
    return x0 if clip_x0 is None else x0.clamp(-clip_x0, clip_x0)


def _renoise(x: torch.Tensor, alpha: float, generator: torch.Generator | None) -> torch.Tensor:
    """``x_{t-1} -> x_t``: one forward-diffusion step with ``alpha = abar_t / abar_{t-1}``."""
    return float(np.sqrt(alpha)) * x + float(np.sqrt(1.0 - alpha)) * randn(x.shape, generator, x.device, x.dtype)


def randn(
    shape: Sequence[int], generator: torch.Generator | None, device: torch.device | str, dtype: torch.dtype
) -> torch.Tensor:
    """Standard normal noise drawn on the generator's device, then moved to ``device``.

    Drawing on the generator's device keeps a seed's samples identical on CPU and GPU.
    """
    gen_device = generator.device if generator is not None else torch.device("cpu")
    return torch.randn(tuple(shape), generator=generator, device=gen_device, dtype=dtype).to(device)


def _reporting(items: Sequence[int], report: Callable[[int, int], None]) -> Iterator[int]:
    for k, item in enumerate(items):
        yield item
        report(k + 1, len(items))


def _progress(iterable: Sequence[int], enabled: bool | Callable[[int, int], None], desc: str):
    """``iterable`` with a tqdm bar (``enabled`` true), or calling ``enabled(done, total)`` after
    each step when it is a callable (a UI's progress bar; raising there cancels sampling)."""
    if callable(enabled):
        return _reporting(iterable, enabled)
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        return iterable
    return tqdm(iterable, desc=desc, leave=False, dynamic_ncols=True)


def _init(
    x_T: torch.Tensor | Sequence[int],
    generator: torch.Generator | None,
    device: torch.device | str | None,
    dtype: torch.dtype,
) -> torch.Tensor:
    if isinstance(x_T, torch.Tensor):
        return x_T.to(device=device or x_T.device, dtype=dtype)
    return randn(x_T, generator, device or "cpu", dtype)


def _check_finite(x: torch.Tensor, what: str, step: int, t: int) -> None:
    if not torch.isfinite(x).all():
        raise NumericalError(f"{what} became NaN/inf at sampling step {step} (model timestep {t})")


def _call(denoiser: Denoiser, x: torch.Tensor, t: int, cond: Cond) -> torch.Tensor:
    tt = torch.full((x.shape[0],), int(t), device=x.device, dtype=torch.long)
    return denoiser(x, tt, cond)


def sample_ddpm(
    denoiser: Denoiser,
    schedule: NoiseSchedule,
    x_T: torch.Tensor | Sequence[int],
    cond: Cond | None = None,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    callback: Callable[[StepInfo], None] | None = None,
    progress: bool | Callable[[int, int], None] = False,
    clip_x0: float | None = None,
    resample: Resample | None = None,
) -> torch.Tensor:
    """Ancestral DDPM sampling with the fixed-small (posterior) variance.

    Args:
        denoiser: ``(x_t, t, cond) -> x0``.
        schedule: the (possibly respaced) schedule to run; ``schedule.timesteps`` are
            passed to the denoiser.
        x_T: initial noise ``(B, T, D)`` or a shape to draw it with ``generator``.
        cond: conditioning mapping passed unchanged to the denoiser.
        generator: source of all randomness (noise draws), for reproducibility.
        device: device of the sample (defaults to ``x_T``'s, else CPU).
        dtype: dtype of the sample.
        callback: called after each step with a ``StepInfo`` dict.
        progress: show a progress bar, or a callable ``progress(done, total)`` called after
            each step (raising in it cancels sampling).
        clip_x0: if given, clamp x0 predictions to ``[-clip_x0, clip_x0]``.
        resample: harmonising resampling of some steps (:class:`Resample`; None = off).

    Returns:
        ``(B, T, D)`` the final sample x_0 (normalised features).
    """
    cond = cond or {}
    x = _init(x_T, generator, device, dtype)
    abar = schedule.alphas_cumprod
    abar_prev = schedule.alphas_cumprod_prev
    betas = schedule.betas
    n = schedule.num_steps
    for i in _progress(list(range(n - 1, -1, -1)), progress, "DDPM"):
        t = int(schedule.timesteps[i])
        for r in _passes(resample, i, n):
            if r:
                x = _renoise(x, abar[i] / abar_prev[i], generator)
            x0 = _estimate(denoiser, x, t, cond, clip_x0)
            with torch.no_grad():
                coef_x0 = betas[i] * np.sqrt(abar_prev[i]) / (1.0 - abar[i])
                coef_xt = (1.0 - abar_prev[i]) * np.sqrt(1.0 - betas[i]) / (1.0 - abar[i])
                mean = coef_x0 * x0 + coef_xt * x
                if i > 0:
                    var = betas[i] * (1.0 - abar_prev[i]) / (1.0 - abar[i])
                    x = mean + float(np.sqrt(var)) * randn(x.shape, generator, x.device, x.dtype)
                else:
                    x = mean
                _check_finite(x, "sample", n - 1 - i, t)
        if callback is not None:
            callback({"i": i, "step": n - 1 - i, "t": t, "x": x, "x0": x0, "num_steps": n})
    return x


def sample_ddim(
    denoiser: Denoiser,
    schedule: NoiseSchedule,
    x_T: torch.Tensor | Sequence[int],
    cond: Cond | None = None,
    *,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    callback: Callable[[StepInfo], None] | None = None,
    progress: bool | Callable[[int, int], None] = False,
    clip_x0: float | None = None,
    resample: Resample | None = None,
) -> torch.Tensor:
    """DDIM sampling (Song et al. 2021); ``eta=0`` is deterministic given ``x_T`` (and no
    ``resample``).

    Arguments as :func:`sample_ddpm`, plus ``eta`` (0 = DDIM, 1 = DDPM-like noise).

    Returns:
        ``(B, T, D)`` the final sample x_0 (normalised features).
    """
    if eta < 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    cond = cond or {}
    x = _init(x_T, generator, device, dtype)
    abar = schedule.alphas_cumprod
    abar_prev = schedule.alphas_cumprod_prev
    n = schedule.num_steps
    for i in _progress(list(range(n - 1, -1, -1)), progress, "DDIM"):
        t = int(schedule.timesteps[i])
        for r in _passes(resample, i, n):
            if r:
                x = _renoise(x, abar[i] / abar_prev[i], generator)
            x0 = _estimate(denoiser, x, t, cond, clip_x0)
            with torch.no_grad():
                eps = (x - np.sqrt(abar[i]) * x0) / np.sqrt(1.0 - abar[i])
                sigma = eta * np.sqrt((1 - abar_prev[i]) / (1 - abar[i]) * (1 - abar[i] / abar_prev[i]))
                x = np.sqrt(abar_prev[i]) * x0 + np.sqrt(max(1 - abar_prev[i] - sigma**2, 0.0)) * eps
                if sigma > 0 and i > 0:
                    x = x + float(sigma) * randn(x.shape, generator, x.device, x.dtype)
                _check_finite(x, "sample", n - 1 - i, t)
        if callback is not None:
            callback({"i": i, "step": n - 1 - i, "t": t, "x": x, "x0": x0, "num_steps": n})
    return x
