"""Per-sample metrics of a generated motion against its scenario, and which constraints it met."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..losses.path import PolylinePath
from . import metrics as M

__all__ = ["TOLERANCE_M", "constraints_met", "sample_metrics"]

#: Distance (metres) within which a path, waypoint or goal counts as met.
TOLERANCE_M = 0.05


def sample_metrics(joints: np.ndarray, scenario: Any, fps: float, plan: Any = None) -> dict[str, Any]:
    """Control and quality metrics of one sample ``(T, 22, 3)`` (metres) for a scenario.

    With a route ``plan`` (:class:`motionlgd.control.RoutePlan`), the row adds
    ``path_detour_mean_m`` (how far the obstacles forced the route off the path) and
    ``route_error_mean_m`` (pelvis to planned route); ``constraints_met`` maps each
    constraint (path, waypoints, goal, obstacles, region) to whether it was met.
    """
    out: dict[str, Any] = {}
    if scenario.path is not None:
        if scenario.path.get("mode", "timed") == "timed":
            targets = scenario.path_targets()
            assert targets is not None
            pe = M.path_error(joints, targets[: len(joints)])
        else:  # time-free: distance to the nearest point of the path
            pe = M.path_distance(
                joints, PolylinePath(scenario.path["points"], scenario.path.get("smooth", False)).points
            )
        out["path_error_mean_m"], out["path_error_max_m"] = pe["mean"], pe["max"]
        if plan is not None:
            out["path_detour_mean_m"] = plan.detour_mean_m
    if plan is not None:
        out["route_error_mean_m"] = M.path_error(joints, plan.points[: len(joints)])["mean"]
    wps = scenario.waypoint_list()
    if wps:
        we = M.waypoint_error(joints, [w.frame(fps, len(joints)) for w in wps], np.array([w.position for w in wps]))
        out["waypoint_error_mean_m"], out["waypoint_error_max_m"] = we["mean"], we["max"]
    if scenario.goal is not None:
        out["goal_error_m"] = float(np.linalg.norm(joints[-1, 0, [0, 2]] - np.asarray(scenario.goal["position"])))
    shapes = scenario.obstacle_shapes()
    if shapes:
        mode = scenario.obstacles.get("joints", "root") if scenario.obstacles else "root"
        op = M.obstacle_penetration(joints, shapes, mode)
        out["obstacle_penetrated"], out["obstacle_max_depth_m"] = op["penetrated"], op["max_depth"]
    if scenario.region:
        from ..losses import shape_from_dict

        r = scenario.region
        op = M.obstacle_penetration(joints, [_Outside(shape_from_dict(r["shape"]))], r.get("joints", "root"))
        out["region_left"] = op["penetrated"]
    out["foot_skating_ratio"] = M.foot_skating_ratio(joints)
    out["root_speed_mps"] = M.root_speed(joints, fps)
    out["jerk"] = M.mean_jerk(joints, fps)
    out.update(M.facing_metrics(joints, fps))
    out["constraints_met"] = constraints_met(out)
    return out


class _Outside:
    """A region's outside as a shape (sdf negated), for the penetration metric."""

    def __init__(self, shape: Any) -> None:
        self.shape = shape

    def sdf(self, points: Any) -> Any:
        return -self.shape.sdf(points)


def constraints_met(row: dict[str, Any], tolerance: float = TOLERANCE_M) -> dict[str, bool]:
    """Which constraints a metrics row meets: path (mean error within ``tolerance`` of the
    forced detour), waypoints (every one within ``tolerance``), goal (within ``tolerance``),
    obstacles (never entered) and region (never left)."""
    met: dict[str, bool] = {}
    if "path_error_mean_m" in row:
        met["path"] = bool(row["path_error_mean_m"] <= tolerance + row.get("path_detour_mean_m", 0.0))
    if "waypoint_error_max_m" in row:
        met["waypoints"] = bool(row["waypoint_error_max_m"] <= tolerance)
    if "goal_error_m" in row:
        met["goal"] = bool(row["goal_error_m"] <= tolerance)
    if "obstacle_penetrated" in row:
        met["obstacles"] = not row["obstacle_penetrated"]
    if "region_left" in row:
        met["region"] = not row["region_left"]
    return met
