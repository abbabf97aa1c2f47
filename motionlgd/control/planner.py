"""Route planning: the pelvis ground route that meets a scenario's root-level constraints.

The planner turns a scenario's path, waypoints, goal, obstacles and region into one
timed pelvis route ``(T, 2)`` (metres, world ground plane ``(x, z)``, one point per frame):

1. *Targets.* A timed path gives a target on every frame (a time-free path is walked at
   constant speed); waypoints and a goal give keyframes, joined by straight lines walked
   at constant speed.
2. *Detours.* Where a target or a joining line comes closer to an obstacle than its
   margin (or leaves the region), that stretch is re-routed along the shortest clear
   line (grid A*, see :mod:`motionlgd.control.grid`) and re-timed over the same frames.
3. *Smoothing.* The route is optimised (Adam) to stay on its targets and keyframes, keep
   clear of obstacles, and have small acceleration, so corners are rounded by a few
   centimetres instead of taken with an instant turn.

Facing is not planned: the sampler keeps the model's own heading (walking backwards or
sideways along a route stays possible). A route a person cannot follow, or one that
cannot get around the obstacles, raises :class:`motionlgd.errors.ConstraintError`.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import ConstraintError
from ..losses import PolylinePath, shape_from_dict
from ..scenario_checks import MAX_RUN_SPEED, MAX_WALK_SPEED  # average m/s over half a second: refused / flagged
from .grid import Clearance, clearance_fn, find_route

__all__ = ["BODY_RADIUS", "RoutePlan", "plan_route"]

log = logging.getLogger(__name__)

#: Metres added to an obstacle's margin when every joint must keep clear (arms, feet).
BODY_RADIUS = 0.25
#: Extra clearance the planner keeps beyond the margin (so the exact route never grazes it).
_SAFETY = 0.02
#: Two targets on one frame closer than this (metres) count as the same target.
_KEY_TOLERANCE = 0.05


@dataclass
class RoutePlan:
    """A planned pelvis route.

    Attributes:
        points: ``(T, 2)`` world ground positions (x, z) in metres, one per frame.
        targets: ``(T, 2)`` the scenario's own per-frame path targets (timed or time-free
            path), or None.
        detour_mean_m, detour_max_m: how far the route leaves the path targets (metres):
            the detour the obstacles (and smoothing) force. 0 without a path.
        min_clearance_m: the route's smallest distance to any obstacle minus its margin.
        max_speed_mps: the route's highest speed averaged over half a second.
        warnings: doubts worth telling the user (e.g. running pace).
    """

    points: np.ndarray
    targets: np.ndarray | None = None
    detour_mean_m: float = 0.0
    detour_max_m: float = 0.0
    min_clearance_m: float = math.inf
    max_speed_mps: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures of the plan."""
        return {
            "detour_mean_m": self.detour_mean_m,
            "detour_max_m": self.detour_max_m,
            "min_clearance_m": None if math.isinf(self.min_clearance_m) else self.min_clearance_m,
            "max_speed_mps": self.max_speed_mps,
        }


def _retime(poly: np.ndarray, n: int) -> np.ndarray:
    """``n`` points at constant speed along a polyline ``(K, 2)`` (both ends included)."""
    path = PolylinePath(poly) if len(poly) > 1 and np.ptp(poly, 0).max() > 0 else None
    if path is None or path.length == 0:
        return np.repeat(poly[:1], n, 0)
    return path.at_arclength(np.linspace(0.0, path.length, n))


def _keyframes(scenario: Any, T: int, fps: float) -> list[tuple[int, np.ndarray]]:
    """Start, waypoints and goal as ``(frame, position)``, in time order.

    Raises:
        ConstraintError: two targets on one frame more than 5 cm apart (a waypoint at
            time 0 away from the start, a last waypoint that is not the goal ...).
    """
    pos, _ = scenario.start_pose()
    keys = [(0, np.asarray(pos, dtype=np.float64), "start")]
    for i, w in enumerate(sorted(scenario.waypoint_list(), key=lambda w: w.time)):
        keys.append((w.frame(fps, T), np.asarray(w.position, dtype=np.float64), f"waypoint {i}"))
    if scenario.goal is not None:
        keys.append((T - 1, np.asarray(scenario.goal["position"], dtype=np.float64), "goal"))
    out: list[tuple[int, np.ndarray]] = []
    names: list[str] = []
    for f, p, name in keys:
        if out and out[-1][0] == f:
            if np.linalg.norm(out[-1][1] - p) > _KEY_TOLERANCE:
                raise ConstraintError(
                    f"{names[-1]} and {name} fall on the same frame ({f / fps:g} s) at different places "
                    f"({out[-1][1].round(2).tolist()} and {p.round(2).tolist()}); move one in time or space"
                )
            continue
        out.append((f, p))
        names.append(name)
    return out


def _blend_keys(route: np.ndarray, keys: list[tuple[int, np.ndarray]], fps: float) -> np.ndarray:
    """Bend dense targets onto keyframes (start, waypoints, goal): each key's offset from
    the target at its frame is spread over a second either side with a raised cosine."""
    out = route.copy()
    t = np.arange(len(route))
    width = max(2.0, fps)
    for f, p in keys:
        offset = p - out[f]
        if np.linalg.norm(offset) < 1e-9:
            continue
        w = np.where(np.abs(t - f) < width, 0.5 * (1 + np.cos(np.pi * (t - f) / width)), 0.0)
        out = out + w[:, None] * offset
        out[f] = p
    return out


def _dense_targets(scenario: Any, T: int, fps: float) -> np.ndarray | None:
    p = scenario.path
    if p is None:
        return None
    if p.get("mode", "timed") == "timed":
        return scenario.path_targets()
    return PolylinePath(p["points"], p.get("smooth", False)).timed_targets(T, fps)


def _join_keyframes(
    keys: list[tuple[int, np.ndarray]], T: int, clearance: Clearance | None, extent: np.ndarray | None
) -> np.ndarray:
    route = np.repeat(keys[0][1][None], T, 0)
    for (fa, pa), (fb, pb) in itertools.pairwise(keys):
        if fb <= fa:
            continue
        poly = find_route(pa, pb, clearance, extent=extent) if clearance is not None else np.stack([pa, pb])
        if poly is None:
            raise ConstraintError(
                f"no route from {pa.round(2).tolist()} to {pb.round(2).tolist()} keeps clear of the obstacles"
            )
        route[fa : fb + 1] = _retime(poly, fb - fa + 1)
        route[fb:] = pb
    return route


def _detour_blocked(route: np.ndarray, clearance: Clearance, extent: np.ndarray | None) -> np.ndarray:
    """Re-route every stretch of frames whose targets are blocked."""
    blocked = clearance(route) < 0
    out = route.copy()
    T = len(route)
    t = 0
    while t < T:
        if not blocked[t]:
            t += 1
            continue
        a = t
        while t < T and blocked[t]:
            t += 1
        i, j = max(a - 1, 0), min(t, T - 1)
        poly = find_route(route[i], route[j], clearance, extent=extent)
        if poly is None:
            raise ConstraintError(
                f"path: no way around the obstacles between {route[i].round(2).tolist()} and {route[j].round(2).tolist()}"
            )
        out[i : j + 1] = _retime(poly, j - i + 1)
    return out


def _smooth(
    route: np.ndarray,
    fit_weight: np.ndarray,
    keys: list[tuple[int, np.ndarray]],
    shapes: list,
    margin: float,
    iters: int = 300,
    acc_weight: float = 20.0,
) -> np.ndarray:
    """Optimise the route: stay near its targets, keep clear, small acceleration. The start
    and the keyframes (waypoints, goal) are held fixed."""
    init = torch.as_tensor(route, dtype=torch.float64)
    fixed = torch.zeros(len(route), dtype=torch.bool)
    fixed[0] = True
    base = init.clone()
    for f, p in keys:
        fixed[f] = True
        base[f] = torch.as_tensor(p, dtype=torch.float64)
    free = ~fixed
    x = init[free].clone().requires_grad_(True)
    w = torch.as_tensor(fit_weight, dtype=torch.float64)[free][:, None]
    opt = torch.optim.Adam([x], lr=0.01)
    for _ in range(iters):
        opt.zero_grad()
        r = base.masked_scatter(free[:, None].expand_as(base), x)
        loss = (w * (x - init[free]) ** 2).sum()
        acc = r[2:] - 2 * r[1:-1] + r[:-2]
        loss = loss + acc_weight * len(r) * (acc**2).sum()
        for s in shapes:
            loss = loss + 1e4 * (torch.relu(margin + _SAFETY - s.sdf(r)) ** 2).sum()
        loss.backward()
        opt.step()
    return base.masked_scatter(free[:, None].expand_as(base), x.detach()).numpy()


def _extent(shapes: list) -> np.ndarray:
    """Points ``(N, 2)`` spanning every obstacle (the grid search must see round them)."""
    pts = [np.zeros((0, 2))]
    for s in shapes:
        d = s.to_dict()
        if d["type"] == "disc":
            c, r = np.asarray(d["center"]), d["radius"]
            pts.append(np.array([c - r, c + r]))
        elif d["type"] == "box":
            half = np.hypot(*d["size"]) / 2
            c = np.asarray(d["center"])
            pts.append(np.array([c - half, c + half]))
        else:
            pts.append(np.asarray(d["points"], dtype=np.float64))
    return np.concatenate(pts)


def _speed(route: np.ndarray, fps: float) -> float:
    k = max(1, round(fps / 2))
    if len(route) <= k:
        return 0.0
    return float(np.linalg.norm(route[k:] - route[:-k], axis=-1).max() * fps / k)


def plan_route(scenario: Any, num_frames: int | None = None, fps: float | None = None) -> RoutePlan | None:
    """Plan the pelvis route of a scenario (see the module docstring).

    Args:
        scenario: a :class:`motionlgd.scenario.Scenario`.
        num_frames, fps: clip length and rate (default: the scenario's).

    Returns:
        A :class:`RoutePlan`, or None when the scenario sets no path, waypoint or goal
        (obstacles and regions alone leave the route to the model and to guidance).

    Raises:
        ConstraintError: the route cannot get around the obstacles, or needs a speed
            faster than a person can run.
    """
    T = num_frames or scenario.num_frames
    fps = fps or scenario.fps
    dense = _dense_targets(scenario, T, fps)
    keys = _keyframes(scenario, T, fps)
    if dense is None and len(keys) == 1:
        return None
    shapes = scenario.obstacle_shapes()
    obs = scenario.obstacles or {}
    margin = float(obs.get("margin", 0.1)) + (BODY_RADIUS if obs.get("joints") == "all" else 0.0)
    region = shape_from_dict(scenario.region["shape"]) if scenario.region else None
    region_margin = float(scenario.region.get("margin", 0.0)) if scenario.region else 0.0
    clearance = None
    extent = None
    if shapes or region is not None:
        clearance = clearance_fn(shapes, margin + _SAFETY, region, region_margin)
        extent = _extent(shapes)
    if dense is not None:
        route = _blend_keys(dense, keys, fps)
        fit = np.ones(T)
        if clearance is not None:
            route = _detour_blocked(route, clearance, extent)
    else:
        route = _join_keyframes(keys, T, clearance, extent)
        fit = np.full(T, 0.05)
    smooth = _smooth(route, fit, keys, shapes, margin)
    if clearance is None or (clearance(smooth) >= -_SAFETY).all():
        route = smooth
    else:  # smoothing cut a corner (a fast route): keep the unsmoothed one, clear by construction
        log.info("route smoothing would enter an obstacle's margin; using the unsmoothed route")
    if region is not None:
        outside = region.sdf(torch.as_tensor(route)).numpy() + region_margin
        if outside.max() > 0.01:
            k = int(np.argmax(outside))
            raise ConstraintError(
                f"region: the route leaves the region by {outside.max() * 100:.0f} cm at {route[k].round(2).tolist()} "
                f"(frame {k}); its targets lie outside it or cannot be joined inside it"
            )
    return _finish(route, dense, shapes, margin, fps)


def _finish(route: np.ndarray, dense: np.ndarray | None, shapes: list, margin: float, fps: float) -> RoutePlan:
    plan = RoutePlan(points=route, targets=dense)
    if dense is not None:
        d = np.linalg.norm(route - dense, axis=-1)
        plan.detour_mean_m, plan.detour_max_m = float(d.mean()), float(d.max())
    if shapes:
        pts = torch.as_tensor(route)
        sdf = torch.stack([s.sdf(pts) for s in shapes]).amin(0).numpy()
        plan.min_clearance_m = float(sdf.min() - margin)
        if sdf.min() < 0:
            k = int(np.argmin(sdf))
            raise ConstraintError(
                f"obstacles: no clear route; the best one still enters an obstacle by {-sdf.min() * 100:.0f} cm "
                f"at {route[k].round(2).tolist()} (frame {k})"
            )
    plan.max_speed_mps = _speed(route, fps)
    if plan.max_speed_mps > MAX_RUN_SPEED:
        raise ConstraintError(
            f"route: needs {plan.max_speed_mps:.1f} m/s, faster than a person can run ({MAX_RUN_SPEED:g} m/s); "
            "give it more time (duration, waypoint times) or move the targets closer"
        )
    if plan.max_speed_mps > MAX_WALK_SPEED:
        plan.warnings.append(
            f"route: reaches {plan.max_speed_mps:.1f} m/s (running pace); a running prompt fits better"
        )
    return plan
