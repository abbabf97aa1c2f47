"""Holding a planned route inside the sampler: root imputation on the clean estimate.

At every sampling step the denoiser's clean estimate ``x0`` is projected onto the set of
motions whose pelvis follows the route: the root's ground velocity channels are
rewritten so that the decoded pelvis lands on the route on every frame, expressed in
the *model's own* heading of that estimate (so the model still decides where the body
faces: forwards, backwards or sideways along the route). The body (root-relative joints,
rotations) is left to the model; the joint-velocity channels are shifted by the same
change so the features stay consistent. The sampler's last step returns ``x0`` itself,
so the final motion follows the route to float precision.

This is the "imputation" / replacement idea of diffusion inpainting (Lugmayr et al.
2022; MDM's editing; GMD's and OmniControl's spatial constraints), applied to the
clean estimate as a projection.
"""

from __future__ import annotations

from typing import Any

import torch

from ..motion.filters import smooth_time
from ..motion.humanml3d import root_heading_angles
from ..types import Cond, Denoiser

__all__ = ["GaitDirection", "RouteImputer", "align_heading", "gait_direction", "impute_root", "route_to_canonical"]

#: Default smoothing of the heading alignment, in frames (0.5 s at 20 fps, the default of
#: ``guidance.turn_smoothing``).
TURN_SIGMA = 10.0

#: A held gait direction changes only when an estimate's mean stepping direction lies more
#: than this many degrees from it (45 would switch at the midpoint between two of the four
#: directions; the extra 22.5 is the hysteresis).
SWITCH_DEG = 67.5

#: The model's own yaw sway about its smoothed heading is kept up to about this many
#: degrees: a walk's sway (under 15) nearly as it is, a jog's largest (up to 40) damped
#: to under 30, and what is left of a spin of the estimate's own, at its start and end,
#: bounded by it.
SWAY_DEG = 30.0

#: Step weight (0-1, see ``_step_weights``) from which a frame's own step says where to
#: face; on stiller frames the correction of the moving ones carries over.
MOVING_WEIGHT = 0.1


def route_to_canonical(route_xz: torch.Tensor, position: tuple[float, float], heading_deg: float) -> torch.Tensor:
    """World ground points ``(..., 2)`` -> the model's canonical frame (start at the origin
    facing +z); the inverse of :func:`motionlgd.pipeline.world_transform` on the ground."""
    import math

    h = math.radians(heading_deg)
    c, s = math.cos(h), math.sin(h)
    dx, dz = route_xz[..., 0] - position[0], route_xz[..., 1] - position[1]
    return torch.stack([c * dx - s * dz, s * dx + c * dz], dim=-1)


def impute_root(features: torch.Tensor, route: torch.Tensor) -> torch.Tensor:
    """Rewrite the root ground velocity of unnormalised features so the pelvis follows ``route``.

    Differentiable in ``features`` (guidance can score the imputed motion).

    Args:
        features: ``(B, T, D)`` unnormalised HumanML3D features, ``D = 263`` (or ``D >= 3``:
            then only the root channels are rewritten).
        route: ``(T, 2)`` or ``(B, T, 2)`` pelvis ground positions (x, z) in metres in
            the canonical frame; ``route[..., 0, :]`` should be the origin (the features
            start there).

    Returns:
        ``(B, T, 263)`` features whose decoded pelvis ground track equals ``route`` (the
        heading channel, root height and root-relative body are unchanged).
    """
    f = features.clone()
    lead = f.shape[:-2]
    f = f.reshape(-1, *f.shape[-2:])
    out = _impute(f, route)
    return out.reshape(*lead, *out.shape[-2:])


def _impute(f: torch.Tensor, route: torch.Tensor) -> torch.Tensor:
    ang = root_heading_angles(f)  # half angles, as the decoder
    route = route.to(f).expand(f.shape[0], -1, -1)
    d = route[:, 1:] - route[:, :-1]  # (B, T-1, 2) world-frame steps (canonical)
    # the decoder maps lin_vel[t-1] by the inverse of the frame-t root rotation (angle 2*ang)
    a = 2 * ang[:, 1:]
    c, s = torch.cos(a), torch.sin(a)
    vx = c * d[..., 0] + s * d[..., 1]
    vz = -s * d[..., 0] + c * d[..., 1]
    f[:, :-1, 1] = vx
    f[:, :-1, 2] = vz
    if f.shape[-1] < 259:  # position dims only (a guidance objective's slice): no velocities
        return f
    # joint velocities (frame t's root frame, 22 x 3 from dim 193): shift x/z by the root's change
    a0 = 2 * ang[:, :-1]
    c0, s0 = torch.cos(a0), torch.sin(a0)
    new_x = c0 * d[..., 0] + s0 * d[..., 1]
    new_z = -s0 * d[..., 0] + c0 * d[..., 1]
    vel = f[:, :-1, 193:259].reshape(*f.shape[:1], f.shape[1] - 1, 22, 3)
    dx = new_x - vel[..., 0, 0]
    dz = new_z - vel[..., 0, 2]
    vel = vel.clone()
    vel[..., 0] = vel[..., 0] + dx[..., None]
    vel[..., 2] = vel[..., 2] + dz[..., None]
    f[:, :-1, 193:259] = vel.reshape(*vel.shape[:2], 66)
    return f


def _wrap(angle: torch.Tensor) -> torch.Tensor:
    """Angles wrapped into [-pi, pi)."""
    return torch.remainder(angle + torch.pi, 2 * torch.pi) - torch.pi


def _unwrap(angle: torch.Tensor) -> torch.Tensor:
    """``(B, T)`` angles made continuous over time (steps wrapped into [-pi, pi])."""
    step = _wrap(angle[:, 1:] - angle[:, :-1])
    return torch.cat([angle[:, :1], angle[:, :1] + torch.cumsum(step, -1)], -1)


def _step_weights(local: torch.Tensor, d: torch.Tensor | None, min_step: float) -> torch.Tensor:
    """How clearly each step says a direction: 0 (standing) .. 1 (``min_step`` m or more)."""
    w = (local.norm(dim=-1) / min_step).clamp(max=1.0)
    return w if d is None else w * (d.norm(dim=-1) / min_step).clamp(max=1.0)


def gait_direction(features: torch.Tensor, min_step: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """The body's mean stepping direction relative to where it faces, per sample.

    Args:
        features: ``(B, T, D)`` unnormalised features (channels 1-2, the root's ground
            velocity in its own frame, are read).
        min_step: metres per frame under which a step says no direction.

    Returns:
        ``(B,)`` the mean direction in radians (0 forwards, pi backwards, +pi/2 stepping
        towards the body's left... as ``atan2(vx, vz)``) and ``(B,)`` its clarity in
        [0, 1] (the weighted mean resultant length times the moving share).
    """
    local = features[:, :-1, 1:3]
    w = _step_weights(local, None, min_step)
    alpha = torch.atan2(local[..., 0], local[..., 1])
    s, c = (w * torch.sin(alpha)).mean(-1), (w * torch.cos(alpha)).mean(-1)
    return torch.atan2(s, c), torch.sqrt(s**2 + c**2)


def _snap(angle: torch.Tensor) -> torch.Tensor:
    """The nearest of forwards, left, backwards, right (multiples of pi/2)."""
    return torch.round(angle / (torch.pi / 2)) * (torch.pi / 2)


class GaitDirection:
    """The stepping direction a motion keeps relative to its facing, decided once and held.

    Per sample, the first estimate that moves clearly (clarity >= ``min_clarity``) decides
    it: its mean stepping direction snapped to forwards, sideways or backwards. Later
    estimates change it only when their mean lies more than :data:`SWITCH_DEG` from it
    (hysteresis), so a bend, where an estimate may step sideways or backwards for a moment,
    does not turn a forward walker round. With ``prefix`` frames already generated (a long
    motion's overlap), the first decision reads those frames only, so a window goes on
    stepping as the previous one did. Holds ``(B,)`` radians, NaN where undecided, or None
    before the first estimate.
    """

    def __init__(self, min_clarity: float = 0.3, switch_deg: float = SWITCH_DEG, prefix: int = 0) -> None:
        self.held: torch.Tensor | None = None
        self.min_clarity = min_clarity
        self.switch = switch_deg * torch.pi / 180
        self.prefix = prefix

    def update(self, features: torch.Tensor) -> torch.Tensor:
        """Decide or keep the direction from ``(B, T, D)`` unnormalised features; returns it
        (``(B,)``, NaN for samples still undecided)."""
        if self.held is None or self.held.shape[0] != features.shape[0]:
            first = features[:, : self.prefix] if self.prefix > 1 else features
            mean, clarity = gait_direction(first)
            nan = torch.full_like(mean, float("nan"))
            self.held = torch.where(clarity >= self.min_clarity, _snap(mean), nan)
            return self.held
        mean, clarity = gait_direction(features)
        clear = clarity >= self.min_clarity
        held = self.held.to(mean)
        off = _wrap(mean - held)
        switch = clear & (held.isnan() | (off.abs() > self.switch))
        self.held = torch.where(switch, _snap(mean), held)
        return self.held

    def current(self, features: torch.Tensor) -> torch.Tensor | None:
        """The held direction for ``(M, T, D)`` features, ``M`` a multiple of the held batch
        (Monte Carlo samples lead: sample ``m`` is batch item ``m % B``); None before the
        first estimate or for another batch."""
        if self.held is None or features.shape[0] % self.held.shape[0] != 0:
            return None
        return self.held.to(features).repeat(features.shape[0] // self.held.shape[0])


def _soft_limit(x: torch.Tensor, limit: float) -> torch.Tensor:
    """``x`` kept nearly as it is well under ``limit`` and bounded by it beyond (same units)."""
    return x / (1 + (x.abs() / limit) ** 4) ** 0.25


def _fill_gaps(turn: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``(B, L)`` corrections with the invalid frames filled from the valid ones: between two
    valid frames linearly (by the shorter way round), before the first and after the last
    held; 0 for a sample without any valid frame."""
    B, L = turn.shape
    idx = torch.arange(L, device=turn.device).expand(B, L)
    prev = torch.cummax(torch.where(valid, idx, -1), dim=-1).values
    nxt = torch.flip(torch.cummin(torch.flip(torch.where(valid, idx, L), [-1]), dim=-1).values, [-1])
    t_prev = turn.gather(-1, prev.clamp(min=0))
    t_next = turn.gather(-1, nxt.clamp(max=L - 1))
    span = (nxt - prev).clamp(min=1).to(turn.dtype)
    frac = ((idx - prev).to(turn.dtype) / span).clamp(0.0, 1.0)
    between = t_prev + frac * _wrap(t_next - t_prev)
    filled = torch.where(prev < 0, t_next, torch.where(nxt >= L, t_prev, between))
    filled = torch.where((prev < 0) & (nxt >= L), torch.zeros_like(turn), filled)
    return torch.where(valid, turn, filled)


def align_heading(
    features: torch.Tensor,
    route: torch.Tensor,
    sigma: float = TURN_SIGMA,
    min_step: float = 0.01,
    fixed: int = 0,
    direction: torch.Tensor | None = None,
) -> torch.Tensor:
    """Turn the body so that its *own* gait direction follows the route.

    The model's clean estimate says which way the body steps relative to where it faces
    (forwards, backwards, sideways: the direction of its root velocity in its own frame).
    This keeps that relative direction and sets the heading so the stepping direction
    points along the route: a forward walker faces along the route, a backward walker
    faces away from it. The new heading is the route's smoothed wanted facing (a weighted
    circular mean over ``sigma`` frames, unwrapped, so a corner turns the short way) plus
    the model's own yaw sway about its smoothed heading (bounded by about
    :data:`SWAY_DEG`): a walk's sway is kept, a turn or spin of the estimate's own is not
    (an estimate that pirouettes at a corner would otherwise carry the body round with
    it). Smoothing keeps a step's sway from reading as a turn (at 3 frames the suite's
    jerk was 1.27x unguided's, at 10 frames 1.17x). Frames whose step is too small to say a
    direction (the body's or the route's under about ``MOVING_WEIGHT * min_step`` metres)
    take the correction (new minus own heading) of the moving frames: interpolated between
    the moving stretches either side, held before the first and after the last, so the
    model's own turning on the spot is kept in full on top of it. Within the ``4 * sigma``
    frames after a ``fixed`` prefix the correction fades in, and there the estimate's own
    turning (a spin too) shows through in part.

    Args:
        features: ``(B, T, D)`` unnormalised features (channels 0-2 are read).
        route: ``(T, 2)`` or ``(B, T, 2)`` canonical-frame route in metres.
        sigma: smoothing of the heading correction, in frames (10 = 0.5 s at 20 fps).
        min_step: metres per frame under which a step (the body's or the route's) is too
            small to say a direction.
        fixed: leading frames whose heading is kept (a long motion's overlap, already
            generated); the correction fades in over the ``4 * sigma`` frames after them.
        direction: ``(B,)`` the stepping direction to keep relative to the facing, in
            radians (:class:`GaitDirection`; NaN: undecided for that sample); None (or
            NaN) reads it from each frame of the estimate, which can turn a walker round
            where an estimate steps backwards for a moment at a bend.

    Returns:
        features with the heading channel (0) rewritten; everything else unchanged.
    """
    f = features.clone()
    B = f.shape[0]
    route = route.to(f).expand(B, -1, -1)
    phi = -2 * root_heading_angles(f)  # body yaw per frame (0 = +z, as headings), continuous
    local = f[:, :-1, 1:3]  # step t-1 -> t in frame t's root frame
    d = route[:, 1:] - route[:, :-1]
    alpha = torch.atan2(local[..., 0], local[..., 1])
    if direction is not None:
        held = direction.to(f)[:, None].expand(B, local.shape[1])
        alpha = torch.where(held.isnan(), alpha, held)
    want = torch.atan2(d[..., 0], d[..., 1]) - alpha  # the yaw that makes step t-1 -> t follow the route
    w = _step_weights(local, d, min_step)
    weight = smooth_time(w, sigma)
    valid = w >= MOVING_WEIGHT  # frames that move (their weight > 0): the rest take the correction over
    yaw = _unwrap(torch.atan2(smooth_time(w * torch.sin(want), sigma), smooth_time(w * torch.cos(want), sigma)))
    own = smooth_time(w * phi[:, 1:], sigma) / weight.clamp(min=1e-6)  # the estimate's heading, sway removed
    sway = _soft_limit(phi[:, 1:] - own, SWAY_DEG * torch.pi / 180)
    turn = _unwrap(_fill_gaps(yaw + sway - phi[:, 1:], valid))  # continuous across the filled gaps too
    if fixed > 0:  # turn[t - 1] turns frame t; frames <= fixed keep their heading (and so the
        # heading change stored at frame fixed - 1, which the copied frames carry)
        k = min(fixed, turn.shape[-1] - 1)  # where the fade starts, the turn is the shortest one
        turn = turn - 2 * torch.pi * torch.round(turn[:, k : k + 1] / (2 * torch.pi))
        t = torch.arange(1, turn.shape[-1] + 1, dtype=turn.dtype, device=turn.device)
        turn = turn * ((t - fixed) / max(4 * sigma, 1.0)).clamp(0.0, 1.0)
    phi_new = torch.cat([torch.zeros_like(phi[:, :1]), phi[:, 1:] + turn], dim=-1)
    f[:, :-1, 0] = -_wrap(phi_new[:, 1:] - phi_new[:, :-1]) / 2  # the shorter way round
    return f


class RouteImputer:
    """A ``Denoiser`` wrapper whose clean estimates follow a planned route (see module doc).

    Args:
        denoiser: the (possibly guided, CFG-wrapped) denoiser.
        route: ``(T, 2)`` canonical-frame pelvis route in metres.
        mean, std: ``(263,)`` the model's feature normalisation.
        align: also turn the body so its own stepping direction follows the route
            (:func:`align_heading`; the model still decides forwards or backwards).
        fixed: leading frames whose heading alignment must not change (a long motion's
            overlap).
        sigma: smoothing of the heading alignment in frames (see :func:`align_heading`).
        direction: the held stepping direction (:class:`GaitDirection`, updated from each
            estimate); None: a new one. ``keep_direction=False`` reads it per frame instead.
    """

    def __init__(
        self,
        denoiser: Denoiser,
        route: torch.Tensor,
        mean: torch.Tensor,
        std: torch.Tensor,
        align: bool = False,
        fixed: int = 0,
        sigma: float = TURN_SIGMA,
        direction: GaitDirection | None = None,
        keep_direction: bool = True,
    ) -> None:
        self.denoiser = denoiser
        self.direction = (direction or GaitDirection()) if keep_direction else None
        self.fixed = fixed
        self.sigma = sigma
        self.route = route
        self.mean = mean
        self.std = std
        self.align = align
        self.schedule: Any = getattr(denoiser, "schedule", None)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        """``x_t (B, T, D)``, ``t (B,)`` -> ``x0 (B, T, D)`` with the route imputed."""
        x0 = self.denoiser(x_t, t, cond)
        with torch.no_grad():
            mean, std = self.mean.to(x0), self.std.to(x0)
            feats = x0.detach() * std + mean
            if self.align:
                held = self.direction.update(feats) if self.direction is not None else None
                feats = align_heading(feats, self.route, sigma=self.sigma, fixed=self.fixed, direction=held)
            return (impute_root(feats, self.route) - mean) / std
