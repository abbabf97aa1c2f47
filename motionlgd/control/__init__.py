"""Precise control: plan the pelvis route of a scenario, then hold it inside the sampler.

* :func:`plan_route` (:mod:`.planner`): the route ``(T, 2)`` that meets the scenario's
  path, waypoints and goal and detours around its obstacles.
* :class:`RouteImputer` (:mod:`.imputation`): a denoiser wrapper projecting each clean
  estimate onto motions that follow the route, in the model's own heading.
"""

from .imputation import RouteImputer, align_heading, impute_root, route_to_canonical
from .planner import BODY_RADIUS, RoutePlan, plan_route

__all__ = [
    "BODY_RADIUS",
    "RouteImputer",
    "RoutePlan",
    "align_heading",
    "impute_root",
    "plan_route",
    "route_to_canonical",
]
