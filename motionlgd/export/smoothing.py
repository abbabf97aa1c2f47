"""Jerk-aware smoothing for the foot clean-ups: minimum-jerk foot tracks and calm knees.

Re-planting feet (:func:`motionlgd.export.plant_footsteps`) stops a sliding foot and
swings it to its next plant. Done frame by frame, the swing starts and stops abruptly
and the knee, solved by two-bone IK near full reach, snaps: on the obstacle demo the
clean-up tripled the motion's jerk (38 -> 104 m/s^3, knees 57 -> 606). This module
smooths what the clean-up builds, as an animator's curve editor would:

- :func:`smooth_track` solves ``min sum_t w_t |x_t - target_t|^2 + lam sum_t |D^3 x_t|^2``
  (``D^3`` the third difference, i.e. jerk): with a huge weight on the planted frames
  they stay exactly put, while the swing between two plants becomes a minimum-jerk path.
- :func:`soft_reach` keeps an IK target just inside the leg's reach, with a smooth
  (exponential) approach instead of a hard clamp.
- :func:`calm_knee` smooths the knee's track and re-places thigh and shin with their
  lengths kept (the ankle ends within millimetres of its target).

Arrays are ``(T, ...)`` over frames; metres.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

__all__ = ["calm_knee", "smooth_track", "soft_reach"]

#: Data weight that holds a frame in place (planted feet).
HOLD = 1e6


def smooth_track(target: np.ndarray, weight: np.ndarray, lam: float) -> np.ndarray:
    """Least-squares track ``(T, k)`` close to ``target`` where ``weight (T,)`` is high, with
    jerk (third differences) penalised by ``lam``.

    ``lam = 0`` or fewer than 4 frames returns ``target`` unchanged. Frames of weight 0 are
    filled by the minimum-jerk path between their neighbours.
    """
    x = np.asarray(target, dtype=np.float64)
    T = x.shape[0]
    if lam <= 0 or T < 4:
        return x.copy()
    flat = x.reshape(T, -1)
    d3 = sp.diags([-1.0, 3.0, -3.0, 1.0], [0, 1, 2, 3], shape=(T - 3, T))
    w = np.maximum(np.asarray(weight, dtype=np.float64), 1e-9)  # a weightless clip stays solvable
    a = (sp.diags(w) + lam * (d3.T @ d3)).tocsc()
    out = spsolve(a, w[:, None] * flat)
    return np.asarray(out).reshape(x.shape)


def soft_reach(hip: np.ndarray, target: np.ndarray, reach: np.ndarray, soft: float) -> np.ndarray:
    """``target (T, 3)`` pulled inside ``reach (T,)`` metres of ``hip (T, 3)``: unchanged up to
    ``reach - soft``, then approaching ``reach`` exponentially (no corner where the leg
    straightens, so the knee does not snap). ``soft = 0`` returns the target."""
    if soft <= 0:
        return target
    d = target - hip
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    knee_room = (reach[:, None] - soft).clip(min=1e-6)
    over = np.maximum(dist - knee_room, 0.0)
    new = np.where(dist > knee_room, knee_room + soft * (1.0 - np.exp(-over / soft)), dist)
    return hip + d / np.maximum(dist, 1e-9) * new


def calm_knee(
    hip: np.ndarray, knee: np.ndarray, ankle_target: np.ndarray, l1: np.ndarray, l2: np.ndarray, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle ``(T, 3)``: the IK ``knee`` track smoothed (jerk weight ``lam``), the
    thigh pointed at it with length ``l1 (T,)``, the shin from there towards
    ``ankle_target`` with length ``l2 (T,)``. Bone lengths are exact; the ankle misses
    its target where the smoothing moved the knee off the IK solution, by a few
    millimetres (a planted ankle moves 0.1 mm per frame on average on the obstacle demo,
    at most 7 mm). Holding planted ankles exactly (the IK solution bent towards the
    smoothed knee) brought the knee's jerk back: 1.3x the raw motion's instead of 1.1x.
    """
    smooth = smooth_track(knee, np.ones(len(knee)), lam)
    thigh = smooth - hip
    new_knee = hip + l1[:, None] * thigh / np.maximum(np.linalg.norm(thigh, axis=-1, keepdims=True), 1e-9)
    shin = ankle_target - new_knee
    new_ankle = new_knee + l2[:, None] * shin / np.maximum(np.linalg.norm(shin, axis=-1, keepdims=True), 1e-9)
    return new_knee, new_ankle
