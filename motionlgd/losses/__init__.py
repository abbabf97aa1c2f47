"""Differentiable losses on decoded motion, each returning ``(B,)`` (or ``(n, B)``) in metres^2.

Built-in names for scenario files: ``path``, ``path_nearest``, ``goal``, ``waypoints``,
``obstacles``, ``region``, ``foot_skate``, ``smoothness``, ``joint_height``. Add your own with
:func:`register_loss`.
"""

from __future__ import annotations

from typing import Any

from .base import DecodedMotion, LossFn, WeightedSum, get_loss, make_objective, register_loss, registered_losses
from .body import JointHeightLoss
from .obstacles import ObstacleLoss, RegionLoss
from .path import GoalLoss, NearestPathLoss, PathLoss, PolylinePath, RouteLoss, catmull_rom
from .regularizers import FootSkateLoss, SmoothnessLoss
from .shapes import Box, Disc, Polygon, Shape, shape_from_dict
from .waypoints import Waypoint, WaypointLoss

__all__ = [
    "Box",
    "DecodedMotion",
    "Disc",
    "FootSkateLoss",
    "GoalLoss",
    "JointHeightLoss",
    "LossFn",
    "NearestPathLoss",
    "ObstacleLoss",
    "PathLoss",
    "Polygon",
    "PolylinePath",
    "RegionLoss",
    "RouteLoss",
    "Shape",
    "SmoothnessLoss",
    "Waypoint",
    "WaypointLoss",
    "WeightedSum",
    "catmull_rom",
    "get_loss",
    "make_objective",
    "register_loss",
    "registered_losses",
    "shape_from_dict",
]


def _path(points: Any, smooth: bool = False, t_start: float = 0.0, t_end: float | None = None) -> LossFn:
    return PathLoss(PolylinePath(points, smooth=smooth), t_start=t_start, t_end=t_end)


def _path_nearest(points: Any, smooth: bool = False, end_weight: float = 1.0) -> LossFn:
    return NearestPathLoss(PolylinePath(points, smooth=smooth), end_weight=end_weight)


def _waypoints(waypoints: Any, heading_weight: float = 1.0) -> LossFn:
    return WaypointLoss(
        [Waypoint(tuple(w["position"]), float(w["time"]), w.get("heading")) for w in waypoints], heading_weight
    )


def _obstacles(shapes: Any, margin: float = 0.1, joints: str = "root") -> LossFn:
    return ObstacleLoss(
        [s if isinstance(s, Shape) else shape_from_dict(s) for s in shapes], margin=margin, joints=joints
    )


def _region(shape: Any, margin: float = 0.0, joints: str = "root") -> LossFn:
    return RegionLoss(shape if isinstance(shape, Shape) else shape_from_dict(shape), margin=margin, joints=joints)


register_loss("path", _path)
register_loss("path_nearest", _path_nearest)
register_loss("goal", lambda goal: GoalLoss(goal))
register_loss("waypoints", _waypoints)
register_loss("obstacles", _obstacles)
register_loss("region", _region)
register_loss(
    "foot_skate",
    lambda height=0.05, softness=0.01, reference="floor": FootSkateLoss(height, softness, reference),
)
register_loss("smoothness", lambda: SmoothnessLoss())
register_loss("joint_height", JointHeightLoss)
