"""Stage 4: what the sampler works with in one window: condition, route constraint and
guidance objective."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

from ..control.planner import RoutePlan
from ..control.precise import PreciseSetup, precise_setup
from ..diffusion.samplers import Resample, sample_ddim
from ..guidance.guided import GuidanceConfig, GuidedDenoiser
from ..losses.base import WeightedSum, make_objective
from ..models.bundle import MotionModel
from ..scenario import Scenario
from ..types import Cond
from .result import world_transform

__all__ = ["MC_SEED_OFFSET", "Objective", "build_objective", "guided_denoiser"]

log = logging.getLogger(__name__)

#: Sampling steps and samples of the pilot run that measures the prompt's natural speed.
_PILOT_STEPS, _PILOT_SAMPLES = 10, 4
#: The Monte Carlo draws of LGD-MC use the seed + this.
MC_SEED_OFFSET = 7919


@dataclass
class Objective:
    """One window's sampling problem.

    Attributes:
        config: the guidance settings.
        loss: the scenario's whole loss (scored on the result).
        cond: the model's condition (text embedding ``(N, E)``, route ``(N, T, 5)``).
        base: the model's denoiser (classifier-free guidance applied).
        precise: the precise method's route and heading set-up, or None.
        guided: the loss-guided denoiser, or None (nothing to guide).
        frames: frames the sampler works on (the gait clock's, when the route is re-timed).
        resample: repeated steps of the precise method's sampler, or None.
    """

    config: GuidanceConfig
    loss: WeightedSum
    cond: Cond
    base: Any
    precise: PreciseSetup | None
    guided: GuidedDenoiser | None
    frames: int
    resample: Resample | None


def build_objective(
    scenario: Scenario,
    model: MotionModel,
    route: RoutePlan | None,
    *,
    windowed: bool,
    loss: WeightedSum | None = None,
) -> Objective:
    """The :class:`Objective` of ``scenario`` (a whole motion, or one window of a long one
    with ``route`` its stretch of the planned route) on ``model``; ``loss`` replaces the
    scenario's own losses (a window's restricted losses, :func:`motionlgd.long.window_loss`).

    A whole motion's route may be re-timed to the prompt's gait (:func:`on_gait_clock`).

    Raises:
        ConstraintError: the route is impossible.
    """
    N = scenario.num_samples
    gcfg = scenario.guidance_config()
    text_emb = model.encode_text([scenario.prompt] * N)
    cond: Cond = {"text_emb": text_emb}
    base = model.denoiser(scenario.model.get("cfg_scale"), scenario.model.get("detail_scale"))
    to_world = world_transform(*scenario.start_pose())
    loss = scenario.build_loss() if loss is None else loss
    guide_loss, precise = loss, None
    if gcfg.method == "precise" and (scenario.has_control() or route is not None):
        precise = precise_setup(
            scenario, loss, model, N, gcfg.route_weight, gcfg.impute, gcfg.align_heading, plan=route,
            turn_smoothing=gcfg.turn_smoothing, hold_direction=gcfg.hold_direction,
        )  # fmt: skip
        guide_loss = precise.guide_loss
        if gcfg.gait_timing and gcfg.impute and not windowed and precise.route is not None:
            precise = on_gait_clock(precise, model, base, scenario, gcfg, text_emb[:1])
        if precise.root_cond is not None:
            cond["root_cond"] = precise.root_cond
    guided = None
    if guide_loss.items and gcfg.method != "none" and gcfg.scale > 0:
        if precise is not None:  # residual losses scored where the route puts the body
            objective = precise.objective(model, to_world)
        else:
            objective = make_objective(guide_loss, model.mean, model.std, model.fps, to_world)
        guided = guided_denoiser(base, objective, model, gcfg, scenario.seed)
    frames = precise.warp.source_frames if precise is not None and precise.warp is not None else scenario.num_frames
    resample = None
    if precise is not None and precise.route is not None and precise.impute and gcfg.resample > 1:
        resample = Resample(*gcfg.resample_window, repeats=gcfg.resample)
    return Objective(gcfg, loss, cond, base, precise, guided, frames, resample)


def guided_denoiser(base: Any, objective: Any, model: MotionModel, config: GuidanceConfig, seed: int) -> GuidedDenoiser:
    """``base`` guided by ``objective`` (its Monte Carlo draws seeded by ``seed``)."""
    mc_gen = torch.Generator(device="cpu").manual_seed(seed + MC_SEED_OFFSET)
    return GuidedDenoiser(base, objective, model.schedule, config, generator=mc_gen)


def on_gait_clock(
    precise: PreciseSetup,
    model: MotionModel,
    base: Any,
    scenario: Scenario,
    gcfg: GuidanceConfig,
    text_emb: torch.Tensor,
) -> PreciseSetup:
    """``precise`` moved onto the gait clock of its route (:mod:`motionlgd.control.timewarp`).

    A short unguided pilot run (10 DDIM steps, 4 samples, the scenario's seed + 1) measures
    the prompt's natural pelvis speed; the route is then re-timed so that the body walks it
    at that speed, within ``guidance.gait_rate``."""
    from ..control.timewarp import natural_speed, plan_time_warp

    T = scenario.num_frames
    sched = model.schedule.respace(min(_PILOT_STEPS, model.schedule.num_steps))
    g = torch.Generator(device="cpu").manual_seed(scenario.seed + 1)
    shape = (_PILOT_SAMPLES, T, model.net.input_feats)
    cond = {"text_emb": text_emb.expand(_PILOT_SAMPLES, *text_emb.shape[1:])}
    with torch.inference_mode():
        pilot = model.denormalize(sample_ddim(base, sched, shape, cond, generator=g, device=model.device))
    speed = natural_speed(pilot, model.fps)
    assert precise.route is not None
    warp = plan_time_warp(precise.route.cpu().numpy(), speed, model.fps, *gcfg.gait_rate, max_frames=model.max_frames)
    warp.natural_mps = speed
    log.info("gait clock: natural speed %.2f m/s, %d -> %d frames", speed, T, warp.source_frames)
    return precise if warp.identity else precise.retime(warp)
