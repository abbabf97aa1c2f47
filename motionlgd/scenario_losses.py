"""A scenario's losses: its control terms and regularisers as one weighted sum."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .losses import (
    FootSkateLoss,
    GoalLoss,
    NearestPathLoss,
    ObstacleLoss,
    PathLoss,
    PolylinePath,
    RegionLoss,
    SmoothnessLoss,
    WaypointLoss,
    WeightedSum,
    get_loss,
    shape_from_dict,
)
from .losses.base import LossFn
from .scenario_fields import _err

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["scenario_loss"]


def scenario_loss(sc: Scenario) -> WeightedSum:
    """The weighted sum of all control losses and regularisers of ``sc``: each term returns
    per-sample ``(B,)`` values (m or m^2) on decoded motions.

    Raises:
        ScenarioError: a user loss whose ``params`` do not fit it (names ``losses[i].params``).
    """
    items: list[tuple[str, float, LossFn]] = []
    if sc.path is not None:
        p = sc.path
        poly = PolylinePath(p["points"], smooth=p.get("smooth", False))
        if p.get("mode", "timed") == "timed":
            items.append(("path", p.get("weight", 1.0), PathLoss(poly, p.get("t_start", 0.0), p.get("t_end"))))
        else:
            items.append(("path", p.get("weight", 1.0), NearestPathLoss(poly, p.get("end_weight", 1.0))))
    if sc.waypoints:
        items.append(
            (
                "waypoints",
                sc.waypoints.get("weight", 1.0),
                WaypointLoss(sc.waypoint_list(), sc.waypoints.get("heading_weight", 1.0)),
            )
        )
    if sc.goal is not None:
        items.append(("goal", sc.goal.get("weight", 1.0), GoalLoss(sc.goal["position"])))
    if sc.obstacles:
        o = sc.obstacles
        items.append(
            (
                "obstacles",
                o.get("weight", 1.0),
                ObstacleLoss(sc.obstacle_shapes(), o.get("margin", 0.1), o.get("joints", "root")),
            )
        )
    if sc.region:
        r = sc.region
        items.append(
            (
                "region",
                r.get("weight", 1.0),
                RegionLoss(shape_from_dict(r["shape"]), r.get("margin", 0.0), r.get("joints", "root")),
            )
        )
    reg = sc.regularizers or {}
    if reg.get("foot_skate", 0.0):
        items.append(("foot_skate", reg["foot_skate"], FootSkateLoss()))
    if reg.get("smoothness", 0.0):
        items.append(("smoothness", reg["smoothness"], SmoothnessLoss()))
    for i, spec in enumerate(sc.losses):
        factory = get_loss(spec["name"])
        try:
            fn = factory(**spec.get("params", {}))
        except TypeError as exc:
            raise _err(f"losses[{i}].params", f"do not fit loss {spec['name']!r}: {exc}") from exc
        items.append((spec.get("label", spec["name"]), spec.get("weight", 1.0), fn))
    return WeightedSum(items)
