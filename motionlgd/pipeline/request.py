"""Stage 1 and 2: the scenario, parsed once (with the call's overrides), and the model."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from ..devices import resolve_device
from ..errors import ScenarioError
from ..models.bundle import MotionModel
from ..scenario import Scenario, load_scenario, parse_scenario
from ..types import FOOT_CLEANUPS

__all__ = ["MAX_STEPS_ENV", "Request", "load_model_for", "parse_request", "resolve_model"]

log = logging.getLogger(__name__)

MAX_STEPS_ENV = "MOTIONLGD_MAX_STEPS"
#: ``generate`` keywords that set a nested scenario field.
SHORTCUTS = ("method", "n", "scale", "steps", "sampler", "cfg_scale", "detail_scale", "eta")


@dataclass(frozen=True)
class Request:
    """What is to be generated.

    Attributes:
        scenario: the typed scenario, overrides applied (the saved one says what ran).
        cleanup: the foot clean-up to run after sampling: None, "pin" or "steps".
    """

    scenario: Scenario
    cleanup: str | None


def parse_request(
    scenario: Scenario | str | Path | dict[str, Any] | None, clean_feet: bool | str | None, overrides: dict[str, Any]
) -> Request:
    """The :class:`Request` of a ``generate`` call: the scenario (object, YAML path, mapping
    or None) with the keyword overrides applied, ``MOTIONLGD_MAX_STEPS`` and the clean-up.

    Raises:
        ScenarioError: a malformed scenario, override or ``clean_feet``.
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    elif isinstance(scenario, dict) or scenario is None:
        scenario = parse_scenario(scenario or {})
    overrides = dict(overrides)
    shortcuts = {k: overrides.pop(k) for k in SHORTCUTS if k in overrides}
    if overrides or shortcuts:
        scenario = parse_scenario(_overridden(scenario.to_dict(), overrides, shortcuts))
    scenario = _cap_steps(scenario)
    cleanup = _cleanup_method(clean_feet, scenario)
    return Request(replace(scenario, foot_cleanup=cleanup or ""), cleanup)


def _overridden(data: dict[str, Any], overrides: dict[str, Any], shortcuts: dict[str, Any]) -> dict[str, Any]:
    """Scenario ``data`` with top-level ``overrides`` and the :data:`SHORTCUTS` put in place."""
    data.update(overrides)
    g = dict(data.get("guidance", {}))
    g.update({k: shortcuts[k] for k in ("method", "n", "scale") if k in shortcuts})
    data["guidance"] = g
    smp = dict(data.get("sampler", {}))
    for key, field_name in (("steps", "steps"), ("sampler", "name"), ("eta", "eta")):
        if key in shortcuts:
            smp[field_name] = shortcuts[key]
    data["sampler"] = smp
    for key in ("cfg_scale", "detail_scale"):
        if key in shortcuts:
            data["model"] = {**data.get("model", {}), key: shortcuts[key]}
    return data


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


def resolve_model(spec: dict[str, Any] | None = None, device: str | torch.device = "cpu") -> MotionModel:
    """Load the model a scenario asks for (``scenario.model``; default: the shipped model)."""
    from ..models.checkpoint import load_mdm, load_model

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


def load_model_for(
    scenario: Scenario, model: MotionModel | None, device: str | torch.device
) -> tuple[MotionModel, float]:
    """The model to sample (``model`` moved to ``device``, else the scenario's) and the
    seconds its loading took."""
    device = resolve_device(device)
    t0 = time.time()
    if model is None:
        model = resolve_model(scenario.model, device)
    else:
        model.to(device)
    return model, time.time() - t0
