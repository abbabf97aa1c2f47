"""A scenario's feasibility: impossible constraints refused, doubtful ones warned about."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .errors import ConstraintError
from .losses import PolylinePath
from .scenario_fields import _err

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["MAX_RUN_SPEED", "MAX_WALK_SPEED", "check_feasible"]

#: Average speeds (m/s) above which a scenario is flagged: brisk walking / sprinting.
MAX_WALK_SPEED = 2.0
MAX_RUN_SPEED = 6.0


def check_feasible(sc: Scenario, max_frames: int | None = None, fps: float | None = None) -> list[str]:
    """Refuse impossible constraints and return warnings for doubtful ones.

    Args:
        sc: the scenario.
        max_frames: the model's window (None: any length, a long motion in windows).
        fps: the model's frame rate (None: not checked).

    Raises:
        ScenarioError: the frame rate or duration does not fit the model (names the field).
        ConstraintError: a start, waypoint or goal inside an obstacle, or a path or waypoint
            faster than a person can run.
    """
    warnings: list[str] = []
    if fps is not None and abs(sc.fps - fps) > 1e-6:
        raise _err("fps", f"the model generates at {fps:g} fps, the scenario asks for {sc.fps:g}")
    if max_frames is not None and sc.num_frames > max_frames:
        raise _err(
            "duration",
            f"{sc.duration:g} s ({sc.num_frames} frames) exceeds the model's maximum of {max_frames / sc.fps:g} s ({max_frames} frames)",
        )
    shapes = sc.obstacle_shapes()
    (sx, sz), _ = sc.start_pose()
    for i, s in enumerate(shapes):
        if s.contains((sx, sz)):
            raise ConstraintError(f"start: the start point ({sx:g}, {sz:g}) lies inside obstacles.shapes[{i}]")
        for k, w in enumerate(sc.waypoint_list()):
            if s.contains(w.position):
                raise ConstraintError(
                    f"waypoints.points[{k}]: position {list(w.position)} lies inside obstacles.shapes[{i}]"
                )
        if sc.goal is not None and s.contains(sc.goal["position"]):
            raise ConstraintError(f"goal.position: {sc.goal['position']} lies inside obstacles.shapes[{i}]")
    if sc.path is not None:
        p = sc.path
        poly = PolylinePath(p["points"], smooth=p.get("smooth", False))
        t_end = p.get("t_end") if p.get("t_end") is not None else (sc.num_frames - 1) / sc.fps
        span = t_end - p.get("t_start", 0.0)
        speed = poly.length / max(span, 1e-6)
        if speed > MAX_RUN_SPEED:
            raise ConstraintError(
                f"path: {poly.length:.1f} m in {span:.1f} s needs {speed:.1f} m/s, faster than a person can run ({MAX_RUN_SPEED:g} m/s)"
            )
        if speed > MAX_WALK_SPEED:
            warnings.append(
                f"path: {poly.length:.1f} m in {span:.1f} s needs {speed:.1f} m/s (running pace); consider a longer duration or a running prompt"
            )
    prev_t, prev_p = 0.0, (sx, sz)
    for k, w in enumerate(sorted(sc.waypoint_list(), key=lambda w: w.time)):
        dt = w.time - prev_t
        dist = math.dist(prev_p, w.position)
        if dt <= 0 and dist > 0.3:
            raise ConstraintError(
                f"waypoints.points[{k}]: {dist:.1f} m away at time {w.time:g} s leaves no time to get there"
            )
        if dt > 0 and dist / dt > MAX_RUN_SPEED:
            raise ConstraintError(
                f"waypoints.points[{k}]: needs {dist / dt:.1f} m/s to reach, faster than a person can run"
            )
        if dt > 0 and dist / dt > MAX_WALK_SPEED:
            warnings.append(f"waypoints.points[{k}]: needs {dist / dt:.1f} m/s (running pace)")
        prev_t, prev_p = w.time, w.position
    return warnings
