"""Stages 8 to 10: clean the feet, score every sample, assemble the result."""

from __future__ import annotations

from typing import Any

from ..eval.sample import sample_metrics
from ..eval.seams import seam_jumps
from ..long import time_windows
from ..models.bundle import MotionModel
from ..motion.motion import Motion
from .decoding import Decoded
from .planning import MotionPlan
from .request import Request
from .result import GenerationResult, mean_metrics
from .windows import Motions

__all__ = ["assemble", "clean_up_feet", "score"]


def clean_up_feet(decoded: Decoded, fps: float, cleanup: str | None) -> list[dict[str, float]]:
    """Run the foot clean-up on ``decoded.joints`` in place; per sample, the skating and jerk
    before it (empty without a clean-up)."""
    if not cleanup:
        return [{} for _ in range(len(decoded.joints))]
    from ..export import clean_feet_batch

    return clean_feet_batch(decoded.joints, fps, cleanup)


def score(
    request: Request,
    model: MotionModel,
    plan: MotionPlan,
    motions: Motions,
    decoded: Decoded,
    before: list[dict[str, float]],
    load_s: float,
) -> dict[str, Any]:
    """The run's ``metrics``: what ran, per-sample metrics (see
    :func:`motionlgd.eval.sample.sample_metrics`) with the seams of a long motion, the
    figures before the clean-up and the loss terms, and their means."""
    scenario, fps = request.scenario, model.fps
    rows = []
    for i, joints in enumerate(decoded.joints):
        row = sample_metrics(joints, scenario, fps, plan.scoring)
        if motions.cut is not None:
            row.update(seam_jumps(joints, [w.first_new for w in motions.cut[i][1:]]))
        row.update(before[i])
        row.update({f"loss_{k}": float(v[i]) for k, v in decoded.loss_terms.items()})
        rows.append(row)
    common = {
        "seed": scenario.seed,
        "num_samples": scenario.num_samples,
        "model": model.name,
        "device": str(model.device),
        "clean_feet": request.cleanup or False,
        "time_s": motions.time_s,
    }
    if motions.whole is not None:  # keys in the order metrics.json has always had
        head, tail = _whole_run(scenario, motions, fps)
        return {**head, **common, "model_load_s": load_s, "per_sample": rows, "mean": mean_metrics(rows), **tail}
    assert motions.cut is not None
    out: dict[str, Any] = {
        "method": scenario.guidance_config().method,
        "sampler": scenario.sampler.get("name", "ddim"),
        "steps": min(scenario.sampler.get("steps", 100), model.schedule.num_steps),
        **common,
        "windows": time_windows(motions.cut[0], fps),
        "window_runs": motions.window_runs,
        "per_sample": rows,
        "mean": mean_metrics(rows),
    }
    if plan.route is not None:
        out["route"] = plan.route.summary()
    out["model_load_s"] = load_s
    return out


def _whole_run(scenario: Any, motions: Motions, fps: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a motion sampled in one piece ran: method, guidance and sampler (first), and the
    route, gait clock and guidance summary (last)."""
    assert motions.whole is not None
    obj, run = motions.whole
    gcfg, guided, precise = obj.config, run.guided, obj.precise
    head: dict[str, Any] = {
        "method": gcfg.method if (guided is not None or precise is not None) else "none",
        "n": gcfg.n if (guided is not None and gcfg.method in ("lgd_mc", "precise")) else None,
        "scale": guided.config.scale if guided is not None else 0.0,
        "sampler": scenario.sampler.get("name", "ddim"),
        "steps": run.steps,
        "resample": None if obj.resample is None else {"window": list(gcfg.resample_window), "repeats": gcfg.resample},
    }
    tail: dict[str, Any] = {}
    if precise is not None and precise.plan is not None:
        tail["route"] = precise.plan.summary()
        if precise.warp is not None:
            tail["gait"] = precise.warp.summary(fps)
    if guided is not None:
        tail["guidance"] = guided.summary()
        if run.retried is not None:
            tail["guidance"]["retried"] = run.retried
    return head, tail


def assemble(
    request: Request, model: MotionModel, plan: MotionPlan, decoded: Decoded, metrics: dict[str, Any]
) -> GenerationResult:
    """The :class:`GenerationResult`: a cleaned-up motion carries no features (they would not match)."""
    scenario, cleanup = request.scenario, request.cleanup
    motions = []
    for i in range(len(decoded.joints)):
        if plan.windows is None:
            text, meta = scenario.prompt, {"seed": scenario.seed, "sample": i}
        else:
            text = " | ".join(p["text"] for p in scenario.prompts) or scenario.prompt
            meta = {"seed": scenario.seed + i, "sample": i, "windows": len(plan.windows)}
        features = None if cleanup else decoded.features[i]
        motions.append(Motion(joints=decoded.joints[i], features=features, fps=model.fps, text=text, metadata=meta))
    return GenerationResult(
        joints=decoded.joints,
        features=decoded.features,
        fps=model.fps,
        scenario=scenario,
        metrics=metrics,
        motions=motions,
    )
