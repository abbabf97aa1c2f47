"""The "precise" method: route plan + root imputation + LGD-MC on what a route cannot say.

:func:`precise_setup` splits a scenario's losses in two. Terms a pelvis route satisfies
exactly (timed or time-free path, waypoint positions, goal, root-level obstacles and
region) go to the planner; the rest (every-joint obstacles and regions, waypoint
headings, regularisers, user losses) stay with loss guidance. A root-conditioned model
(``MDM(root_cond=5)``) also gets the route as its per-frame condition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import torch

from ..losses import RouteLoss, WeightedSum, make_objective
from ..models.transformer import root_condition
from ..types import Denoiser
from .imputation import TURN_SIGMA, GaitDirection, RouteImputer, align_heading, impute_root, route_to_canonical
from .planner import RoutePlan, plan_route
from .timewarp import TimeWarp, warp_features

__all__ = ["PreciseSetup", "precise_setup"]

log = logging.getLogger(__name__)

#: Loss terms that a planned pelvis route satisfies exactly (when they read the root only).
_ROUTE_TERMS = ("path", "goal")


def _like(wrapper: Any, objective: Any) -> Any:
    """``wrapper`` carrying ``objective``'s ``dims`` and ``diagnose`` (what the guidance reads)."""
    wrapper.dims = getattr(objective, "dims", None)
    wrapper.diagnose = getattr(objective, "diagnose", None)
    return wrapper


@dataclass
class PreciseSetup:
    """What ``generate`` needs for the precise method.

    Attributes:
        plan: the planned route (None: the scenario sets no path, waypoint or goal).
        route: ``(T, 2)`` the route in the model's canonical frame (None without a plan).
        guide_loss: the loss terms left to LGD-MC (may be empty).
        root_cond: ``(N, T, 5)`` condition for a root-conditioned model, else None.
        align_sigma: smoothing of the heading alignment, in frames.
        hold_direction: keep one stepping direction relative to the facing (see
            :class:`~motionlgd.control.imputation.GaitDirection`); ``gait`` holds it while
            sampling (made by :meth:`wrap`, read by the guidance objective).
    """

    plan: RoutePlan | None
    route: torch.Tensor | None
    guide_loss: WeightedSum
    root_cond: torch.Tensor | None
    impute: bool = True
    align: bool = True
    align_sigma: float = TURN_SIGMA
    warp: TimeWarp | None = None
    out_route: torch.Tensor | None = None
    hold_direction: bool = True
    gait: GaitDirection | None = None

    def retime(self, warp: TimeWarp) -> PreciseSetup:
        """This setup on a gait clock (:mod:`motionlgd.control.timewarp`): the sampler works
        on ``warp.source_frames`` frames along the re-timed route; :meth:`finish` maps the
        result back. Losses are still scored on the route's clock."""
        if self.route is None:
            return self
        source = torch.as_tensor(warp.source_route, dtype=torch.float32)
        cond = None
        if self.root_cond is not None:
            mask = torch.ones(source.shape[0], dtype=torch.bool)
            cond = root_condition(source, mask)[None].expand(self.root_cond.shape[0], -1, -1).to(self.root_cond)
        return replace(self, route=source, root_cond=cond, warp=warp, out_route=self.route)

    def finish(self, x: torch.Tensor, model: Any) -> torch.Tensor:
        """Normalised sampler output ``(N, Ts, D)`` -> ``(N, T, D)`` on the route's clock, with the
        route imputed exactly (unchanged without a gait clock)."""
        if self.warp is None or self.out_route is None:
            return x
        mean, std = model.mean.to(x), model.std.to(x)
        feats = warp_features(x * std + mean, self.warp)
        return (impute_root(feats, self.out_route.to(x)) - mean) / std

    def _output_clock(self, objective: Any, model: Any) -> Any:
        """``objective`` of route-clock motions, evaluated on gait-clock estimates."""
        warp = self.warp
        if warp is None:
            return objective

        def retimed(x0: torch.Tensor) -> torch.Tensor:
            d = x0.shape[-1]
            mean, std = model.mean[:d].to(x0), model.std[:d].to(x0)
            return objective((warp_features(x0 * std + mean, warp) - mean) / std)

        return _like(retimed, objective)

    def objective(self, model: Any, world_transform: Any) -> Any:
        """The guidance objective (normalised ``x0 (..., B, T, D) -> (..., B)``) of the residual
        losses, scored on the motion *after* the route is imposed (the body where it will
        end up), plus the ``route`` term on the model's own pelvis; None when there is
        nothing to guide."""
        resid = WeightedSum([it for it in self.guide_loss.items if it[0] != "route"])
        route = WeightedSum([it for it in self.guide_loss.items if it[0] == "route"])
        parts = []
        if resid.items:
            base = make_objective(resid, model.mean, model.std, model.fps, world_transform)
            parts.append(
                self._on_route(base, model)
                if self.route is not None and self.impute
                else self._output_clock(base, model)
            )
        if route.items:
            parts.append(
                self._output_clock(make_objective(route, model.mean, model.std, model.fps, world_transform), model)
            )
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        dims = [getattr(p, "dims", None) for p in parts]

        def total(x0: torch.Tensor) -> torch.Tensor:
            return sum(p(x0) for p in parts)

        _like(total, parts[0])
        total.dims = None if None in dims else max(dims)  # type: ignore[attr-defined]
        return total

    def _on_route(self, objective: Any, model: Any) -> Any:
        """``objective`` evaluated after imputing the route (and aligning the heading, held
        fixed for the gradient) into the normalised sample."""
        route = self.route
        align, sigma = self.align, self.align_sigma
        setup = self  # the sampler's held direction is read at each call (made by wrap)
        warp = self.warp
        out_route = self.out_route if warp is not None else route

        def on_route(x0: torch.Tensor) -> torch.Tensor:
            d = x0.shape[-1]
            mean, std = model.mean[:d].to(x0), model.std[:d].to(x0)
            feats = x0 * std + mean
            if align:
                with torch.no_grad():
                    flat = feats.detach().reshape(-1, *feats.shape[-2:])
                    held = setup.gait.current(flat) if setup.gait is not None else None
                    heading = align_heading(flat, route, sigma=sigma, direction=held)[..., 0]
                    heading = heading.reshape(feats.shape[:-1])
                feats = torch.cat([heading[..., None], feats[..., 1:]], -1)
            if warp is not None:
                feats = warp_features(feats, warp)
            return objective((impute_root(feats, out_route.to(x0)) - mean) / std)

        return _like(on_route, objective)

    def wrap(self, denoiser: Denoiser, model: Any, fixed: int = 0) -> Denoiser:
        """The denoiser with the route imputed (unchanged without a plan or with ``impute`` off);
        ``fixed`` leading frames keep their heading (a long motion's overlap)."""
        if self.route is None or not self.impute:
            return denoiser
        route = self.route.to(model.device)
        self.gait = GaitDirection(prefix=fixed) if self.hold_direction else None
        return RouteImputer(
            denoiser,
            route,
            model.mean,
            model.std,
            align=self.align,
            fixed=fixed,
            sigma=self.align_sigma,
            direction=self.gait,
            keep_direction=self.hold_direction,
        )


def _residual(loss: WeightedSum, scenario: Any, plan: RoutePlan | None) -> list:
    """The loss items a route does not satisfy by itself."""
    if plan is None:
        return list(loss.items)
    keep = []
    obs_root = (scenario.obstacles or {}).get("joints", "root") == "root"
    region_root = (scenario.region or {}).get("joints", "root") == "root"
    has_headings = any(w.heading is not None for w in scenario.waypoint_list())
    for name, w, fn in loss.items:
        if name in _ROUTE_TERMS or (name == "obstacles" and obs_root) or (name == "region" and region_root):
            continue
        if name == "waypoints" and not has_headings:
            continue
        keep.append((name, w, fn))
    return keep


def precise_setup(
    scenario: Any,
    loss: WeightedSum,
    model: Any,
    num_samples: int,
    route_weight: float = 0.0,
    impute: bool = True,
    align: bool = True,
    plan: RoutePlan | None = None,
    turn_smoothing: float = 0.5,
    hold_direction: bool = True,
) -> PreciseSetup:
    """Plan the route and split the losses (see the module docstring).

    Args:
        scenario: the :class:`motionlgd.scenario.Scenario`.
        loss: its full loss (``scenario.build_loss()``).
        model: the :class:`motionlgd.models.bundle.MotionModel` (fps, device, root_cond).
        num_samples: N, the batch size.
        route_weight: weight of a guidance term pulling the model's own pelvis to the route.
        impute: hold the route by imputation (False: condition and guidance only).
        align: turn the body so its own stepping direction follows the route.
        plan: a route planned already (a long motion's window); None plans one here.
        turn_smoothing: seconds over which the heading alignment is smoothed.
        hold_direction: decide the stepping direction once and hold it (see :class:`PreciseSetup`).

    Raises:
        ConstraintError: the route is impossible (see :func:`plan_route`).
    """
    if plan is None:
        plan = plan_route(scenario, scenario.num_frames, model.fps)
    items = _residual(loss, scenario, plan)
    if plan is not None and not impute and route_weight <= 0 and not getattr(model.net, "root_cond", 0):
        log.warning(
            "guidance.impute is off, route_weight is 0 and the model takes no route condition: "
            "nothing holds the planned route (the path, goal and root obstacle losses are not guided either)"
        )
    route = None
    cond = None
    if plan is not None:
        position, heading = scenario.start_pose()
        route = route_to_canonical(torch.as_tensor(plan.points, dtype=torch.float32), position, heading)
        if route_weight > 0:
            items.append(("route", route_weight, RouteLoss(plan.points)))
        if getattr(model.net, "root_cond", 0):
            mask = torch.ones(route.shape[0], dtype=torch.bool)
            cond = root_condition(route, mask)[None].expand(num_samples, -1, -1).to(model.device)
    return PreciseSetup(
        plan=plan,
        route=route,
        guide_loss=WeightedSum(items),
        root_cond=cond,
        impute=impute,
        align=align,
        align_sigma=turn_smoothing * model.fps,
        hold_direction=hold_direction,
    )
