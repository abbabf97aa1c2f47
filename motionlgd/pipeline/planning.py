"""Stage 3: plan the motion: one window or several, and the pelvis route."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..control.planner import RoutePlan, plan_route
from ..errors import ConstraintError
from ..long import Window, needs_windows, plan_windows, window_settings
from ..models.bundle import MotionModel
from ..scenario import Scenario

__all__ = ["MotionPlan", "plan_motion"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MotionPlan:
    """How the motion is made.

    Attributes:
        windows: the windows of a long motion (:mod:`motionlgd.long`), in frames; None for
            a motion sampled in one piece.
        route: the pelvis route the precise method imposes (None: no route to impose).
        scoring: the route the metrics score against (``constraints_met`` allows its
            forced detours on obstacle courses).
    """

    windows: list[Window] | None
    route: RoutePlan | None
    scoring: RoutePlan | None


def plan_motion(scenario: Scenario, model: MotionModel) -> MotionPlan:
    """The :class:`MotionPlan` of ``scenario`` on ``model`` (its window and frame rate).

    Raises:
        ScenarioError: a frame rate, duration, window or overlap that does not fit the model.
        ConstraintError: an impossible constraint (a start or waypoint inside an obstacle, a
            pace faster than running; :meth:`Scenario.check_feasible`) or route
            (:func:`motionlgd.control.plan_route`).
    """
    fps, T = model.fps, scenario.num_frames
    gcfg = scenario.guidance_config()
    precise = gcfg.method == "precise"
    if not needs_windows(scenario, model.max_frames):
        for w in scenario.check_feasible(model.max_frames, fps):
            log.warning(w)
        imposed = precise and scenario.has_control()
        route = plan_route(scenario, T, fps) if imposed else None
        scoring = route if imposed else _scoring_route(scenario, fps)
        _warn(route)
        return MotionPlan(None, route, scoring)
    for w in scenario.check_feasible(None, fps):
        log.warning(w)
    # every method runs window by window: ``dps`` and ``lgd_mc`` on each window's share of
    # the losses (:func:`motionlgd.long.window_loss`)
    window, overlap = window_settings(scenario, model)
    cuts = [round(p["until"] * fps) for p in scenario.prompts if "until" in p]
    windows = plan_windows(T, window, overlap, cuts)
    route = plan_route(scenario, T, fps) if precise else None
    _warn(route)
    return MotionPlan(windows, route, route)


def _warn(route: RoutePlan | None) -> None:
    """Log the route planner's warnings (a detour round an obstacle, a fast stretch)."""
    for w in route.warnings if route is not None else ():
        log.warning(w)


def _scoring_route(scenario: Scenario, fps: float) -> RoutePlan | None:
    """The route used only to score a run of another method (the forced detour that
    ``constraints_met`` allows on obstacle courses), or None."""
    if scenario.path is None or not scenario.obstacles:
        return None
    try:
        return plan_route(scenario, scenario.num_frames, fps)
    except ConstraintError:
        return None
