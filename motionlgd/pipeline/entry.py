"""``generate``: the generation pipeline, stage by stage (see docs/architecture.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..models.bundle import MotionModel
from ..scenario import Scenario
from .decoding import decode
from .planning import plan_motion
from .request import load_model_for, parse_request
from .result import GenerationResult
from .scoring import assemble, clean_up_feet, score
from .windows import sample_motion

__all__ = ["generate"]

log = logging.getLogger(__name__)


def generate(
    scenario: Scenario | str | Path | dict[str, Any] | None = None,
    *,
    model: MotionModel | None = None,
    device: str | torch.device = "cpu",
    progress: bool | Callable[[int, int], None] = False,
    clean_feet: bool | str | None = None,
    **overrides: Any,
) -> GenerationResult:
    """Generate motions for a scenario.

    Args:
        scenario: a :class:`Scenario`, a YAML file path, a mapping, or None (keywords only).
        model: a loaded model (default: the scenario's, else the shipped default model).
        device: "cpu" or "cuda".
        progress: show a progress bar, or a callable ``progress(done, total)`` called after
            each sampling step (each window of a long motion); raising in it cancels.
        clean_feet: foot clean-up after sampling (``None``: the scenario's ``foot_cleanup``,
            off by default): ``"pin"`` (or ``True``) pins the feet during detected contacts;
            ``"steps"`` re-plants shuffling feet as alternating, lifted steps (locomotion);
            ``False`` or ``"none"``: off. Both re-solve the legs only. The motions then carry
            no features, and each sample's metrics add ``foot_skating_before_cleanup`` and
            ``jerk_before_cleanup``.
        **overrides: top-level scenario fields (``prompt=``, ``duration=``, ``path=`` ...)
            or the shortcuts ``method``, ``n``, ``scale``, ``steps``, ``sampler`` (name),
            ``eta``, ``cfg_scale``, ``detail_scale`` (the detail head's autoguidance, see
            :mod:`motionlgd.models.refiner`; 1 = the head alone).

    A scenario longer than the model's window, or with a prompt timeline, is sampled
    window by window (:mod:`motionlgd.long`) through the same stages.

    Returns:
        A :class:`GenerationResult`: ``joints (N, T, 22, 3)`` metres, Y up, ``features
        (N, T, 263)``, ``metrics`` (what ran, per-sample figures and their means).

    Raises:
        ScenarioError, ConstraintError, NumericalError, CheckpointError: with the problem named.

    Example:
        >>> res = motionlgd.generate(prompt="a person walks", duration=6,
        ...                          path={"points": [[0, 0], [0, 3], [2, 5]]}, method="lgd_mc", n=10)
    """
    request = parse_request(scenario, clean_feet, overrides)  # 1. the typed scenario
    model, load_s = load_model_for(request.scenario, model, device)  # 2. the model
    plan = plan_motion(request.scenario, model)  # 3. windows and pelvis route
    motions = sample_motion(request.scenario, model, plan, progress)  # 4-6. objective, sample, re-time
    loss = motions.whole[0].loss if motions.whole is not None else None
    decoded = decode(motions.features, request.scenario, model.fps, loss)  # 7. world joints, loss terms
    before = clean_up_feet(decoded, model.fps, request.cleanup)  # 8. feet
    metrics = score(request, model, plan, motions, decoded, before, load_s)  # 9. figures
    windows = f" in {len(plan.windows)} windows" if plan.windows is not None else ""
    shape = "x".join(map(str, decoded.joints.shape[:2]))
    log.info("generated %s frames%s in %.1f s (%s)", shape, windows, motions.time_s, metrics["method"])
    return assemble(request, model, plan, decoded, metrics)  # 10. the result
