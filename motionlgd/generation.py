"""``generate``: sample motions from a model under a scenario's loss guidance."""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .control.precise import precise_setup
from .devices import resolve_device
from .diffusion.samplers import Resample, sample_ddim, sample_ddpm
from .errors import NumericalError, ScenarioError
from .eval.sample import sample_metrics
from .guidance.guided import GuidanceConfig, GuidedDenoiser
from .long import PrefixImputer, needs_windows
from .losses.base import DecodedMotion, make_objective
from .models.bundle import MotionModel
from .motion.humanml3d import recover_from_ric
from .motion.motion import Motion
from .scenario import Scenario, load_scenario, parse_scenario
from .types import FOOT_CLEANUPS

__all__ = ["GenerationResult", "generate", "resolve_model", "sample_metrics", "world_transform"]

log = logging.getLogger(__name__)

MAX_STEPS_ENV = "MOTIONLGD_MAX_STEPS"


def world_transform(position: tuple[float, float], heading_deg: float):
    """A function placing canonical joints ``(..., T, 22, 3)`` (start at the origin facing +z)
    at ground ``position`` (x, z) facing ``heading_deg`` (0 = +z, 90 = +x)."""
    h = math.radians(heading_deg)
    c, s = math.cos(h), math.sin(h)

    def apply(joints: torch.Tensor) -> torch.Tensor:
        x, y, z = joints[..., 0], joints[..., 1], joints[..., 2]
        return torch.stack([c * x + s * z + position[0], y, -s * x + c * z + position[1]], dim=-1)

    return apply


@dataclass
class GenerationResult:
    """Generated motions and their metrics.

    Attributes:
        joints: ``(N, T, 22, 3)`` world-frame joint positions in metres.
        features: ``(N, T, 263)`` unnormalised features (canonical frame).
        fps: frame rate.
        scenario: the scenario that was run.
        metrics: ``{"per_sample": [...], "mean": {...}, "time_s": ..., ...}``.
        motions: one :class:`Motion` per sample.
    """

    joints: np.ndarray
    features: np.ndarray
    fps: float
    scenario: Scenario
    metrics: dict[str, Any]
    motions: list[Motion] = field(default_factory=list)


def resolve_model(spec: dict[str, Any] | None = None, device: str | torch.device = "cpu") -> MotionModel:
    """Load the model a scenario asks for (default: the shipped model)."""
    from .models.checkpoint import load_mdm, load_model

    spec = spec or {}
    if spec.get("mdm_checkpoint"):
        return load_mdm(
            spec["mdm_checkpoint"],
            spec.get("mdm_args"),
            spec.get("mean"),
            spec.get("std"),
            spec.get("clip_weights"),
            device=device,
        )
    return load_model(spec.get("path"), device=device)


def _cap_steps(scenario: Scenario) -> Scenario:
    """Apply ``MOTIONLGD_MAX_STEPS`` (an upper bound on sampling steps, for quick tries and the
    docs tests): the scenario's sampler runs at most that many steps."""
    raw = os.environ.get(MAX_STEPS_ENV)
    if not raw:
        return scenario
    try:
        cap = int(raw)
        if cap < 1:
            raise ValueError
    except ValueError as exc:
        raise ScenarioError(f"{MAX_STEPS_ENV}={raw!r}: must be a positive whole number of steps") from exc
    steps = int(scenario.sampler.get("steps", 100))
    if steps <= cap:
        return scenario
    log.warning("%s=%d: sampling %d steps instead of %d", MAX_STEPS_ENV, cap, cap, steps)
    return replace(scenario, sampler={**scenario.sampler, "steps": cap})


def _mean(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean of each numeric metric over the samples that have it (a facing figure is None
    for a sample that barely moves); ``constraints_met`` becomes the share of samples meeting all."""
    num = (int, float)
    keys = dict.fromkeys(k for r in rows for k, v in r.items() if isinstance(v, num))
    out = {k: float(np.mean([r[k] for r in rows if isinstance(r.get(k), num)])) for k in keys}
    if rows and "constraints_met" in rows[0]:
        out["constraints_met"] = float(np.mean([all(r["constraints_met"].values()) for r in rows]))
    return out


def _scoring_plan(scenario: Scenario, fps: float) -> Any:
    """The route plan used only to score a run of another method (the forced detour that
    ``constraints_met`` allows on obstacle courses), or None."""
    if scenario.path is None or not scenario.obstacles:
        return None
    from .control import plan_route
    from .errors import ConstraintError

    try:
        return plan_route(scenario, scenario.num_frames, fps)
    except ConstraintError:
        return None


#: Sampling steps and samples of the pilot run that measures the prompt's natural speed.
_PILOT_STEPS, _PILOT_SAMPLES = 10, 4


def _on_gait_clock(
    precise: Any, model: MotionModel, base: Any, scenario: Scenario, gcfg: GuidanceConfig, text_emb: torch.Tensor
) -> Any:
    """``precise`` moved onto the gait clock of its route (:mod:`motionlgd.control.timewarp`).

    A short unguided pilot run (10 DDIM steps, 4 samples, the scenario's seed + 1) measures
    the prompt's natural pelvis speed; the route is then re-timed so that the body walks it
    at that speed, within ``guidance.gait_rate``."""
    from .control.timewarp import natural_speed, plan_time_warp

    T = scenario.num_frames
    sched = model.schedule.respace(min(_PILOT_STEPS, model.schedule.num_steps))
    g = torch.Generator(device="cpu").manual_seed(scenario.seed + 1)
    shape = (_PILOT_SAMPLES, T, model.net.input_feats)
    cond = {"text_emb": text_emb.expand(_PILOT_SAMPLES, *text_emb.shape[1:])}
    with torch.inference_mode():
        pilot = model.denormalize(sample_ddim(base, sched, shape, cond, generator=g, device=model.device))
    speed = natural_speed(pilot, model.fps)
    warp = plan_time_warp(precise.route.cpu().numpy(), speed, model.fps, *gcfg.gait_rate, max_frames=model.max_frames)
    warp.natural_mps = speed
    log.info("gait clock: natural speed %.2f m/s, %d -> %d frames", speed, T, warp.source_frames)
    return precise if warp.identity else precise.retime(warp)


def _cleanup_method(clean_feet: bool | str | None, scenario: Scenario) -> str | None:
    """The foot clean-up to run: ``generate(clean_feet=...)``, else the scenario's
    ``foot_cleanup``; None (off), "pin" or "steps"."""
    if clean_feet is None:
        return scenario.foot_cleanup or None
    if clean_feet is False or clean_feet == "none":
        return None
    if clean_feet is True:
        return "pin"
    if clean_feet in FOOT_CLEANUPS:
        return str(clean_feet)
    raise ScenarioError(f"clean_feet must be True/False, 'none' or one of {list(FOOT_CLEANUPS)}, got {clean_feet!r}")


def generate(
    scenario: Scenario | str | Path | dict[str, Any] | None = None,
    *,
    model: MotionModel | None = None,
    device: str | torch.device = "cpu",
    progress: bool | Callable[[int, int], None] = False,
    clean_feet: bool | str | None = None,
    _prefix: torch.Tensor | None = None,
    _soft: torch.Tensor | None = None,
    _plan: Any = None,
    **overrides: Any,
) -> GenerationResult:
    """Generate motions for a scenario.

    Args:
        scenario: a :class:`Scenario`, a YAML file path, a mapping, or None (keywords only).
        model: a loaded model (default: the scenario's, else the shipped default model).
        device: "cpu" or "cuda".
        progress: show a progress bar, or a callable ``progress(done, total)`` called after
            each sampling step (each window of a long motion); raising in it cancels.
        clean_feet: foot clean-up after sampling (``None``: the scenario's
            ``foot_cleanup``, off by default): ``"pin"`` (or ``True``) pins the feet
            during detected contacts (:func:`motionlgd.export.clean_foot_contacts`);
            ``"steps"`` re-plants shuffling feet as alternating, lifted steps
            (:func:`motionlgd.export.plant_footsteps`, for locomotion); ``False`` or
            ``"none"``: off.  Both clean-ups re-solve the legs only (bone lengths and the
            pelvis path are kept).  ``joints`` are then the cleaned ones, the motions carry
            no features (they would not match), each sample's metrics add
            ``foot_skating_before_cleanup`` and ``jerk_before_cleanup``, ``metrics["clean_feet"]`` names the clean-up
            (or is ``False``) and ``scenario.foot_cleanup`` records it.
        **overrides: top-level scenario fields (``prompt=``, ``duration=``, ``path=`` ...)
            or the shortcuts ``method``, ``n``, ``scale``, ``steps``, ``sampler`` (name),
            ``cfg_scale``.

    A scenario longer than the model's window (or with a prompt timeline) is generated in
    overlapping windows (:mod:`motionlgd.long`); ``_prefix`` (normalised ``(N, O, D)``
    features the clip must start with), ``_soft`` (features blended in after them) and ``_plan`` (the window's stretch of the route)
    are how those windows are run.

    Returns:
        A :class:`GenerationResult` with ``joints (N, T, 22, 3)`` in metres.

    Example:
        >>> res = motionlgd.generate(prompt="a person walks", duration=6,
        ...                          path={"points": [[0, 0], [0, 3], [2, 5]]}, method="lgd_mc", n=10)
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    elif isinstance(scenario, dict) or scenario is None:
        scenario = parse_scenario(scenario or {})
    shortcuts = {
        k: overrides.pop(k) for k in ("method", "n", "scale", "steps", "sampler", "cfg_scale", "eta") if k in overrides
    }
    if overrides or shortcuts:
        data = scenario.to_dict()
        data.update(overrides)
        g = dict(data.get("guidance", {}))
        for k in ("method", "n", "scale"):
            if k in shortcuts:
                g[k] = shortcuts[k]
        data["guidance"] = g
        smp = dict(data.get("sampler", {}))
        if "steps" in shortcuts:
            smp["steps"] = shortcuts["steps"]
        if "sampler" in shortcuts:
            smp["name"] = shortcuts["sampler"]
        if "eta" in shortcuts:
            smp["eta"] = shortcuts["eta"]
        data["sampler"] = smp
        if "cfg_scale" in shortcuts:
            data["model"] = {**data.get("model", {}), "cfg_scale": shortcuts["cfg_scale"]}
        scenario = parse_scenario(data)
    assert isinstance(scenario, Scenario)
    scenario = _cap_steps(scenario)
    cleanup = _cleanup_method(clean_feet, scenario)
    scenario = replace(scenario, foot_cleanup=cleanup or "")  # the saved scenario says what ran

    device = resolve_device(device)
    t_load = time.time()
    if model is None:
        model = resolve_model(scenario.model, device)
    else:
        model.to(device)
    load_s = time.time() - t_load
    if _prefix is None and needs_windows(scenario, model.max_frames):
        for w in scenario.check_feasible(None, model.fps):
            log.warning(w)
        from .long_generation import generate_long

        res = generate_long(scenario, model, progress=progress, cleanup=cleanup)
        res.metrics["model_load_s"] = load_s
        return res
    for w in scenario.check_feasible(model.max_frames, model.fps):
        log.warning(w)

    dev = model.device
    N, T = scenario.num_samples, scenario.num_frames
    cfg_scale = scenario.model.get("cfg_scale")
    text_emb = model.encode_text([scenario.prompt] * N)
    cond = {"text_emb": text_emb}
    base = model.denoiser(cfg_scale)
    gcfg = scenario.guidance_config()
    position, heading = scenario.start_pose()
    to_world = world_transform(position, heading)
    loss = scenario.build_loss()
    guide_loss, precise = loss, None
    if gcfg.method == "precise" and (scenario.has_control() or _plan is not None):
        precise = precise_setup(
            scenario,
            loss,
            model,
            N,
            gcfg.route_weight,
            gcfg.impute,
            gcfg.align_heading,
            plan=_plan,
            turn_smoothing=gcfg.turn_smoothing,
            hold_direction=gcfg.hold_direction,
        )
        guide_loss = precise.guide_loss
        if precise.plan is not None:
            for w in precise.plan.warnings:
                log.warning(w)
        if gcfg.gait_timing and gcfg.impute and _prefix is None and _plan is None and precise.route is not None:
            precise = _on_gait_clock(precise, model, base, scenario, gcfg, text_emb[:1])
        if precise.root_cond is not None:
            cond["root_cond"] = precise.root_cond
    T_src = precise.warp.source_frames if precise is not None and precise.warp is not None else T
    denoiser: Any = base
    guided = None
    if guide_loss.items and gcfg.method != "none" and gcfg.scale > 0:
        if precise is not None:  # residual losses scored where the route puts the body
            objective = precise.objective(model, to_world)
        else:
            objective = make_objective(guide_loss, model.mean, model.std, model.fps, to_world)
        mc_gen = torch.Generator(device="cpu").manual_seed(scenario.seed + 7919)
        guided = GuidedDenoiser(base, objective, model.schedule, gcfg, generator=mc_gen)
        denoiser = guided

    def _wrap(den: Any) -> Any:
        if _prefix is None:
            return precise.wrap(den, model) if precise is not None else den
        # the route is imputed on an estimate that already starts with the prefix (its
        # headings carry into the rest), and the prefix is put back exactly afterwards
        den = PrefixImputer(den, _prefix.to(dev), _soft)
        if precise is not None:
            den = PrefixImputer(precise.wrap(den, model, fixed=_prefix.shape[1]), _prefix.to(dev))
        return den

    sched = model.schedule.respace(min(scenario.sampler.get("steps", 100), model.schedule.num_steps))
    name = scenario.sampler.get("name", "ddim")
    t0 = time.time()

    shape = (N, T_src, model.net.input_feats)
    resample = None
    if precise is not None and precise.route is not None and precise.impute and gcfg.resample > 1:
        resample = Resample(*gcfg.resample_window, repeats=gcfg.resample)

    def _run(den: Any) -> torch.Tensor:
        g = torch.Generator(device="cpu").manual_seed(scenario.seed)
        den = _wrap(den)
        # no autograd graphs unless guidance differentiates (it enables gradients itself)
        with torch.inference_mode() if guided is None else torch.no_grad():
            if name == "ddpm":
                return sample_ddpm(
                    den, sched, shape, cond, generator=g, device=dev, progress=progress, resample=resample
                )
            eta = scenario.sampler.get("eta", 0.0)
            return sample_ddim(
                den, sched, shape, cond, eta=eta, generator=g, device=dev, progress=progress, resample=resample
            )

    retried = None
    try:
        x = _run(denoiser)
    except NumericalError as exc:
        if guided is None:
            raise
        # one retry with a quarter of the scale and per-sample gradient clipping
        retry_cfg = GuidanceConfig(**{**gcfg.__dict__, "scale": gcfg.scale / 4, "clip_grad": gcfg.clip_grad or 10.0})
        log.warning("%s; retrying with scale %.3g and clip_grad %.3g", exc, retry_cfg.scale, retry_cfg.clip_grad)
        mc_gen = torch.Generator(device="cpu").manual_seed(scenario.seed + 7919)
        guided = GuidedDenoiser(base, guided.objective, model.schedule, retry_cfg, generator=mc_gen)
        try:
            x = _run(guided)
        except NumericalError as exc2:
            raise NumericalError(
                f"{exc2} (also after retrying with scale {retry_cfg.scale:.3g}); nothing was written"
            ) from exc2
        retried = {"reason": str(exc), "scale": retry_cfg.scale, "clip_grad": retry_cfg.clip_grad}
    sample_s = time.time() - t0
    if precise is not None:
        x = precise.finish(x, model)
    with torch.no_grad():
        feats = model.denormalize(x)
        joints_t = to_world(recover_from_ric(feats))
        terms = (
            {k: v.cpu().numpy() for k, v in loss.terms(DecodedMotion(joints_t, feats, model.fps)).items()}
            if loss.items
            else {}
        )
    feats_np = feats.cpu().numpy().astype(np.float32)
    joints_np = joints_t.cpu().numpy().astype(np.float32)
    if not (np.isfinite(feats_np).all() and np.isfinite(joints_np).all()):
        raise NumericalError("the generated motion contains NaN/inf; nothing was written")
    before: list[dict[str, float]] = [{} for _ in range(N)]
    if cleanup:
        from .export import clean_feet_batch

        before = clean_feet_batch(joints_np, model.fps, cleanup)
    plan = precise.plan if precise is not None else _scoring_plan(scenario, model.fps)
    per_sample = []
    for i in range(N):
        row = sample_metrics(joints_np[i], scenario, model.fps, plan)
        row.update(before[i])
        for k, v in terms.items():
            row[f"loss_{k}"] = float(v[i])
        per_sample.append(row)
    metrics: dict[str, Any] = {
        "method": gcfg.method if (guided is not None or precise is not None) else "none",
        "n": gcfg.n if (guided is not None and gcfg.method in ("lgd_mc", "precise")) else None,
        "scale": guided.config.scale if guided is not None else 0.0,
        "sampler": name,
        "steps": sched.num_steps,
        "resample": None if resample is None else {"window": list(gcfg.resample_window), "repeats": gcfg.resample},
        "seed": scenario.seed,
        "num_samples": N,
        "model": model.name,
        "device": str(dev),
        "clean_feet": cleanup or False,
        "time_s": sample_s,
        "model_load_s": load_s,
        "per_sample": per_sample,
        "mean": _mean(per_sample),
    }
    if precise is not None and precise.plan is not None:
        metrics["route"] = precise.plan.summary()
        if precise.warp is not None:
            metrics["gait"] = precise.warp.summary(model.fps)
    if guided is not None:
        metrics["guidance"] = guided.summary()
        if retried is not None:
            metrics["guidance"]["retried"] = retried
    motions = [
        Motion(
            joints=joints_np[i],
            features=None if cleanup else feats_np[i],
            fps=model.fps,
            text=scenario.prompt,
            metadata={"seed": scenario.seed, "sample": i},
        )
        for i in range(N)
    ]
    log.info("generated %d x %d frames in %.1f s (%s)", N, T, sample_s, metrics["method"])
    return GenerationResult(
        joints=joints_np, features=feats_np, fps=model.fps, scenario=scenario, metrics=metrics, motions=motions
    )
