"""Gait timing: let the body walk a route at its own pace, then re-time it to the route's.

A diffusion model's legs step at the cadence it learnt for the prompt. Given a route
faster than that gait, the imputed pelvis outruns the steps and the planted feet glide;
given a slower one, they drag. Gait timing removes the mismatch by re-timing instead
of re-writing the body:

1. :func:`plan_time_warp` maps the route's clock ``t`` (output frames) to a *gait
   clock* ``tau``: the local rate ``d tau / d t`` is the route's speed over the
   prompt's natural walking speed (clamped and smoothed). On the gait clock the route
   moves at the natural speed.
2. The sampler generates the motion on the gait clock (``Ts`` frames) with the route
   re-timed to it (:attr:`TimeWarp.source_route`), imputed as usual.
3. :func:`warp_features` resamples that motion back onto the route's clock. A planted
   foot stays planted (zero velocity stays zero), and where the route is faster the
   steps come faster: faster walking instead of gliding.

Everything here is in frames (20 fps for the shipped model) and metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["TimeWarp", "natural_speed", "plan_time_warp", "warp_features"]

#: Feature channels holding per-frame differences (scaled by the rate when re-timed):
#: root ground velocity (1, 2) and the joints' local velocities (193-258).
_VELOCITY = (slice(1, 3), slice(193, 259))


@dataclass
class TimeWarp:
    """A monotone map from output frames to gait-clock (source) frames.

    Attributes:
        tau: ``(T,)`` the source frame (fractional) shown at each output frame; ``tau[0] = 0``
            and ``tau[-1] = Ts - 1``.
        rate: ``(T,)`` ``d tau / d t`` (source frames per output frame).
        source_frames: ``Ts``, the length of the motion to generate.
        source_route: ``(Ts, 2)`` the route re-timed to the gait clock (same points, metres).
    """

    tau: np.ndarray
    rate: np.ndarray
    source_frames: int
    source_route: np.ndarray
    natural_mps: float | None = None

    def summary(self, fps: float) -> dict[str, float | None]:
        """JSON-ready figures: the natural speed, both lengths in seconds, the rate range."""
        return {
            "natural_speed_mps": self.natural_mps,
            "gait_clock_s": (self.source_frames - 1) / fps,
            "route_clock_s": (len(self.tau) - 1) / fps,
            "rate_min": float(self.rate.min()),
            "rate_max": float(self.rate.max()),
        }

    @property
    def identity(self) -> bool:
        """True when the warp changes nothing (same length, rate 1 everywhere)."""
        return self.source_frames == len(self.tau) and bool(np.allclose(self.rate, 1.0, atol=1e-6))


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or len(x) < 2:
        return x
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    return np.convolve(np.pad(x, r, mode="edge"), k, mode="valid")


def plan_time_warp(
    route: np.ndarray,
    natural_mps: float,
    fps: float,
    min_rate: float = 0.75,
    max_rate: float = 1.6,
    max_frames: int | None = None,
    sigma_s: float = 0.4,
    min_frames: int = 40,
) -> TimeWarp:
    """The gait clock for a route (see the module docstring).

    Args:
        route: ``(T, 2)`` pelvis ground positions in metres, one per output frame.
        natural_mps: the prompt's natural pelvis speed in m/s (:func:`natural_speed`).
        fps: frames per second.
        min_rate, max_rate: bounds of ``d tau / d t``. ``max_rate`` 1.6 lets a 0.85 m/s
            gait follow a 1.35 m/s route at its own stride (faster cadence beyond);
            ``min_rate`` below 1 slows the gait on slow routes.
        max_frames: the model's longest clip; the gait clock is compressed to fit.
        min_frames: the shortest gait clock (or ``T`` if shorter): the model is trained on
            clips of 2 s and more.
        sigma_s: smoothing of the rate in seconds (a gait cycle is about 1 s).

    Returns:
        The :class:`TimeWarp`; the identity for a route that stands still, or when
        ``natural_mps`` is not positive.
    """
    route = np.asarray(route, dtype=np.float64)
    T = len(route)
    if not (min_rate > 0 and max_rate >= min_rate):
        raise ValueError(f"need 0 < min_rate <= max_rate, got {min_rate}, {max_rate}")
    speed = np.zeros(T)
    if T > 1:
        step = np.linalg.norm(np.diff(route, axis=0), axis=-1) * fps
        speed = _smooth(np.concatenate([step[:1], (step[1:] + step[:-1]) / 2, step[-1:]]), sigma_s * fps)
    if T < 3 or natural_mps <= 0 or speed.max() < 1e-3:
        return TimeWarp(np.arange(T, dtype=np.float64), np.ones(T), T, route.copy())
    rate = _smooth(np.clip(speed / natural_mps, min_rate, max_rate), sigma_s * fps)
    tau = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2)])
    length = tau[-1]
    Ts = round(length) + 1
    if max_frames is not None and Ts > max_frames:
        Ts = int(max_frames)
    Ts = max(Ts, min(T, int(min_frames)))
    tau *= (Ts - 1) / length
    rate *= (Ts - 1) / length
    t_of_tau = np.interp(np.arange(Ts, dtype=np.float64), tau, np.arange(T, dtype=np.float64))
    source = np.stack([np.interp(t_of_tau, np.arange(T), route[:, i]) for i in range(2)], -1)
    return TimeWarp(tau, rate, Ts, source)


def warp_features(features: torch.Tensor, warp: TimeWarp) -> torch.Tensor:
    """Resample gait-clock features onto the route's clock (differentiable in ``features``).

    Args:
        features: ``(..., Ts, D)`` unnormalised HumanML3D features (``D = 263``, or a
            guidance slice ``D >= 4``) generated on the gait clock.
        warp: the :class:`TimeWarp` that made them.

    Returns:
        ``(..., T, D)``: positions, rotations and contacts interpolated at ``tau``; the
        heading re-differenced from the interpolated heading angle; per-frame velocity
        channels interpolated and scaled by the rate. The root's ground velocity is
        approximate: callers re-impute the route on the result.
    """
    Ts = features.shape[-2]
    if Ts != warp.source_frames:
        raise ValueError(f"features have {Ts} frames, the warp expects {warp.source_frames}")
    tau = torch.as_tensor(warp.tau, dtype=features.dtype, device=features.device)
    i0 = tau.floor().long().clamp(0, max(Ts - 2, 0))
    i1 = (i0 + 1).clamp(max=Ts - 1)
    w = (tau - i0.to(tau.dtype))[:, None]
    out = features[..., i0, :] * (1 - w) + features[..., i1, :] * w
    rate = torch.as_tensor(warp.rate, dtype=features.dtype, device=features.device)[:, None]
    D = features.shape[-1]
    parts: list[torch.Tensor] = []
    # heading: the decoder's angle at frame k is the sum of channel 0 over frames < k
    ang = torch.cumsum(features[..., 0], dim=-1)
    ang = torch.cat([torch.zeros_like(ang[..., :1]), ang[..., :-1]], dim=-1)
    a = ang[..., i0] * (1 - w[:, 0]) + ang[..., i1] * w[:, 0]
    dang = torch.cat(
        [a[..., 1:] - a[..., :-1], (a[..., -1:] - a[..., -2:-1]) if a.shape[-1] > 1 else a[..., :1] * 0], -1
    )
    parts.append(dang[..., None])
    parts.append(out[..., 1:3] * rate if D >= 3 else out[..., 1:D])
    if D > 3:
        if D >= 259:
            parts.extend([out[..., 3:193], out[..., 193:259] * rate, out[..., 259:]])
        else:
            parts.append(out[..., 3:])
    return torch.cat(parts, dim=-1)


def natural_speed(features: torch.Tensor, fps: float) -> float:
    """The pelvis ground speed (m/s) of unnormalised features ``(B, T, D)``: the median over
    samples of each sample's mean speed (the root velocity channels 1, 2)."""
    v = features[..., :-1, 1:3].norm(dim=-1).mean(dim=-1) * fps
    return float(v.median())
