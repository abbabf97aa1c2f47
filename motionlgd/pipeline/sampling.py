"""Stage 5 and 6: sample one window, then put it back on the route's clock."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..diffusion.samplers import sample_ddim, sample_ddpm
from ..errors import NumericalError
from ..guidance.guided import GuidanceConfig, GuidedDenoiser
from ..long import PrefixImputer
from ..models.bundle import MotionModel
from ..scenario import Scenario
from .objective import Objective, guided_denoiser

__all__ = ["Sampled", "sample_window"]

log = logging.getLogger(__name__)


@dataclass
class Sampled:
    """One window's samples.

    Attributes:
        features: ``(N, T, D)`` unnormalised features on the route's clock (T: the scenario's frames).
        guided: the guided denoiser that made them (its summary is the run's), or None.
        retried: why and how sampling was retried at a lower scale, or None.
        steps: sampling steps run.
        time_s: sampling seconds.
    """

    features: torch.Tensor
    guided: GuidedDenoiser | None
    retried: dict[str, Any] | None
    steps: int
    time_s: float


def sample_window(
    scenario: Scenario,
    model: MotionModel,
    obj: Objective,
    progress: bool | Callable[[int, int], None] = False,
    prefix: torch.Tensor | None = None,
    soft: torch.Tensor | None = None,
) -> Sampled:
    """Sample ``scenario.num_samples`` motions of ``obj`` with the scenario's sampler and seed.

    ``prefix`` (normalised ``(N, O, D)``) are frames the window must start with (a long
    motion's overlap) and ``soft`` frames blended in after them. A guided run that fails
    numerically is retried once at a quarter of the scale with gradient clipping.

    Raises:
        NumericalError: the samples are not finite (also after the retry).
    """
    sched = model.schedule.respace(min(scenario.sampler.get("steps", 100), model.schedule.num_steps))
    run = _sampler(scenario, model, obj, sched, progress, prefix, soft)
    t0 = time.time()
    guided, retried = obj.guided, None
    try:
        x = run(guided if guided is not None else obj.base, guided is not None)
    except NumericalError as exc:
        if guided is None:
            raise
        gcfg = obj.config
        retry_cfg = GuidanceConfig(**{**gcfg.__dict__, "scale": gcfg.scale / 4, "clip_grad": gcfg.clip_grad or 10.0})
        log.warning("%s; retrying with scale %.3g and clip_grad %.3g", exc, retry_cfg.scale, retry_cfg.clip_grad)
        guided = guided_denoiser(obj.base, guided.objective, model, retry_cfg, scenario.seed)
        try:
            x = run(guided, True)
        except NumericalError as exc2:
            raise NumericalError(
                f"{exc2} (also after retrying with scale {retry_cfg.scale:.3g}); nothing was written"
            ) from exc2
        retried = {"reason": str(exc), "scale": retry_cfg.scale, "clip_grad": retry_cfg.clip_grad}
    time_s = time.time() - t0
    if obj.precise is not None:
        x = obj.precise.finish(x, model)  # re-timed back to the route's clock
    with torch.no_grad():
        feats = model.denormalize(x)
    if not torch.isfinite(feats).all():
        raise NumericalError("the generated motion contains NaN/inf; nothing was written")
    return Sampled(feats, guided, retried, sched.num_steps, time_s)


def _sampler(
    scenario: Scenario,
    model: MotionModel,
    obj: Objective,
    sched: Any,
    progress: bool | Callable[[int, int], None],
    prefix: torch.Tensor | None,
    soft: torch.Tensor | None,
) -> Callable[[Any, bool], torch.Tensor]:
    """``run(denoiser, guided)``: the scenario's sampler over ``denoiser`` with the route and
    prefix imputed, from the scenario's seed."""
    dev, precise = model.device, obj.precise
    shape = (scenario.num_samples, obj.frames, model.net.input_feats)
    name, eta = scenario.sampler.get("name", "ddim"), scenario.sampler.get("eta", 0.0)

    def wrap(den: Any) -> Any:
        if prefix is None:
            return precise.wrap(den, model) if precise is not None else den
        # the route is imputed on an estimate that already starts with the prefix (its
        # headings carry into the rest), and the prefix is put back exactly afterwards
        den = PrefixImputer(den, prefix.to(dev), soft)
        if precise is not None:
            den = PrefixImputer(precise.wrap(den, model, fixed=prefix.shape[1]), prefix.to(dev))
        return den

    def run(den: Any, guided: bool) -> torch.Tensor:
        g = torch.Generator(device="cpu").manual_seed(scenario.seed)
        den = wrap(den)
        opts: dict[str, Any] = {"generator": g, "device": dev, "progress": progress, "resample": obj.resample}
        # no autograd graphs unless guidance differentiates (it enables gradients itself)
        with torch.no_grad() if guided else torch.inference_mode():
            if name == "ddpm":
                return sample_ddpm(den, sched, shape, obj.cond, **opts)
            return sample_ddim(den, sched, shape, obj.cond, eta=eta, **opts)

    return run
