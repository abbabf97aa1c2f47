"""Motion quality and control metrics on joint positions (numpy; metres, Y up).

Every function takes joints ``(T, 22, 3)`` (or the arguments named) and returns plain
floats, so the numbers can be written to json directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..motion.skeleton import FOOT_JOINTS, PARENTS

__all__ = [
    "bone_length_std",
    "facing",
    "facing_metrics",
    "floating_ratio",
    "foot_contact_switches",
    "foot_skating_ratio",
    "foot_skating_ratio_gmd",
    "ground_penetration",
    "hip_forward",
    "mean_jerk",
    "obstacle_penetration",
    "path_distance",
    "path_error",
    "root_speed",
    "waypoint_error",
]


def _np(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def path_error(joints: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Distance (metres) of the pelvis xz to per-frame targets ``(T, 2)``: mean and max."""
    d = np.linalg.norm(_np(joints)[:, 0, [0, 2]] - _np(targets), axis=-1)
    return {"mean": float(d.mean()), "max": float(d.max())}


def path_distance(joints: np.ndarray, polyline: np.ndarray) -> dict[str, float]:
    """Distance (metres) of the pelvis xz to the nearest point of a polyline ``(K, 2)``: mean and max."""
    p = _np(joints)[:, 0, [0, 2]]
    pts = _np(polyline)
    a, b = pts[:-1], pts[1:]
    ab = b - a
    ap = p[:, None, :] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    d = np.linalg.norm(ap - t[..., None] * ab, axis=-1).min(-1)
    return {"mean": float(d.mean()), "max": float(d.max())}


def waypoint_error(joints: np.ndarray, frames: Sequence[int], positions: np.ndarray) -> dict[str, float]:
    """Distance (metres) of the pelvis xz at ``frames`` to ``positions (K, 2)``: mean and max."""
    j = _np(joints)
    if len(frames) == 0:
        return {"mean": 0.0, "max": 0.0}
    d = np.linalg.norm(j[list(frames), 0][:, [0, 2]] - _np(positions), axis=-1)
    return {"mean": float(d.mean()), "max": float(d.max())}


def obstacle_penetration(joints: np.ndarray, shapes: Sequence[Any], joints_mode: str = "root") -> dict[str, float]:
    """Whether any point enters any obstacle, and how deep (metres).

    Args:
        joints: ``(T, 22, 3)``.
        shapes: ``motionlgd.losses.shapes.Shape`` objects.
        joints_mode: "root" (pelvis) or "all" (every joint's ground projection).

    Returns:
        ``{"penetrated": 0/1, "max_depth": metres, "frames": fraction of frames inside}``.
    """
    j = torch.as_tensor(_np(joints))
    pts = j[:, :1, [0, 2]] if joints_mode == "root" else j[:, :, [0, 2]]
    if not shapes:
        return {"penetrated": 0.0, "max_depth": 0.0, "frames": 0.0}
    depth = torch.stack([(-s.sdf(pts)).clamp(min=0).amax(-1) for s in shapes]).amax(0)  # (T,)
    return {
        "penetrated": float(depth.max() > 0),
        "max_depth": float(depth.max()),
        "frames": float((depth > 0).double().mean()),
    }


def _foot_low_and_slide(j: np.ndarray, height: float, slide: float) -> tuple[np.ndarray, np.ndarray]:
    feet = j[:, list(FOOT_JOINTS)]  # (T, 4, 3)
    floor = j[..., 1].min()
    low = (feet[:-1, :, 1] - floor) < height
    disp = np.linalg.norm(feet[1:, :, [0, 2]] - feet[:-1, :, [0, 2]], axis=-1)
    return low, disp > slide


def foot_skating_ratio(joints: np.ndarray, height: float = 0.05, slide: float = 0.025) -> float:
    """Fraction of frames in which a foot joint below ``height`` (m, above the clip's lowest
    point) slides more than ``slide`` metres horizontally to the next frame."""
    j = _np(joints)
    if len(j) < 2:
        return 0.0
    low, sliding = _foot_low_and_slide(j, height, slide)
    return float((low & sliding).any(-1).mean())


def foot_skating_ratio_gmd(
    joints: np.ndarray, fps: float = 20.0, height: float = 0.05, speed: float = 0.5, window: int = 5
) -> float:
    """Foot skating ratio as defined by GMD (Karunratanakul et al., ICCV 2023) and reused by
    OmniControl, for comparison with published figures.

    Only the toes (joints 10, 11) count.  A toe is in contact between two frames when it
    is below ``height`` metres (absolute: the floor is y = 0) in both; it skates when its
    horizontal speed exceeds ``speed`` m/s (2.5 cm per frame at 20 fps) both in that frame
    step and averaged over a ``window``-frame box filter.  Returns the fraction of frame
    steps in which either toe skates.  :func:`foot_skating_ratio` is the stricter measure
    used by this project's checks (ankles too, no averaging, floor = the clip's lowest joint).
    """
    from scipy.ndimage import uniform_filter1d

    j = _np(joints)
    if len(j) < 2:
        return 0.0
    toes = j[:, [10, 11]]
    step = np.linalg.norm(np.diff(toes[..., [0, 2]], axis=0), axis=-1) * fps  # (T-1, 2)
    mean = uniform_filter1d(step, size=window, axis=0, mode="constant")
    low = (toes[:-1, :, 1] < height) & (toes[1:, :, 1] < height)
    return float((low & (step > speed) & (mean > speed)).any(-1).mean())


def foot_contact_switches(joints: np.ndarray, height: float = 0.05) -> int:
    """How often the lower foot changes between left and right (a walking-gait measure).

    Per frame the foot (ankle/toe min height) that is lower is the support foot; counts
    changes of support, ignoring changes shorter than 3 frames.
    """
    j = _np(joints)
    left = j[:, [7, 10], 1].min(-1)
    right = j[:, [8, 11], 1].min(-1)
    support = (left < right).astype(int)
    switches, last, run = 0, support[0], 0
    for s in support[1:]:
        if s != last:
            run += 1
            if run >= 3:
                switches += 1
                last = s
                run = 0
        else:
            run = 0
    return switches


def floating_ratio(joints: np.ndarray, tolerance: float = 0.05) -> float:
    """Fraction of frames whose lowest joint is more than ``tolerance`` m above the floor (y=0)."""
    j = _np(joints)
    return float((j[..., 1].min(-1) > tolerance).mean())


def ground_penetration(joints: np.ndarray) -> float:
    """Deepest joint below the floor y=0 (metres, >= 0)."""
    return float(max(0.0, -_np(joints)[..., 1].min()))


def bone_length_std(joints: np.ndarray) -> float:
    """Mean over bones of the standard deviation over time of the bone length (metres)."""
    j = _np(joints)
    parents = np.array(PARENTS[1:])
    lengths = np.linalg.norm(j[:, 1:] - j[:, parents], axis=-1)
    return float(lengths.std(0).mean())


def mean_jerk(joints: np.ndarray, fps: float = 20.0) -> float:
    """Mean magnitude of the third time-derivative of joint positions (m/s^3)."""
    j = _np(joints)
    if len(j) < 4:
        return 0.0
    jerk = np.diff(j, n=3, axis=0) * fps**3
    return float(np.linalg.norm(jerk, axis=-1).mean())


def _box(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over axis 0 (``width`` frames, shrinking at the ends)."""
    if width <= 1:
        return x
    c = np.cumsum(np.concatenate([np.zeros_like(x[:1]), x]), axis=0)
    n = len(x)
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(np.arange(n) - width // 2 + width, 0, n)
    return (c[hi] - c[lo]) / (hi - lo).reshape(-1, *([1] * (x.ndim - 1)))


def hip_forward(joints: np.ndarray) -> np.ndarray:
    """Unit ground direction ``(T, 2)`` (x, z) the hips face: perpendicular to left hip ->
    right hip (``(T, 22, 3)`` joints, Y up; zero where the hips coincide on the ground)."""
    j = _np(joints)
    across = j[:, 1, [0, 2]] - j[:, 2, [0, 2]]  # left hip - right hip: +x when facing +z
    fwd = np.stack([-across[:, 1], across[:, 0]], -1)  # across rotated by -90 deg about Y
    return fwd / np.linalg.norm(fwd, axis=-1, keepdims=True).clip(min=1e-9)


def facing(joints: np.ndarray, fps: float = 20.0, window_s: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Ground facing and travel directions per frame step, both averaged over ``window_s``.

    Facing is read from the hips (:func:`hip_forward`), travel from the pelvis' ground
    velocity.

    Args:
        joints: ``(T, 22, 3)`` positions in metres, Y up.
        fps: frames per second.
        window_s: width of the moving average, in seconds.

    Returns:
        ``(T-1, 2)`` unit facing vectors (x, z; zero where the hips coincide) and
        ``(T-1, 2)`` travel velocities (x, z) in m/s, both smoothed.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    j = _np(joints)
    fwd = hip_forward(j)
    fwd = 0.5 * (fwd[1:] + fwd[:-1])  # at the frame steps, as the velocity
    vel = np.diff(j[:, 0, [0, 2]], axis=0) * fps
    width = max(1, round(window_s * fps))
    fwd = _box(fwd, width)
    fwd = fwd / np.linalg.norm(fwd, axis=-1, keepdims=True).clip(min=1e-9)
    return fwd, _box(vel, width)


def facing_metrics(
    joints: np.ndarray, fps: float = 20.0, min_speed: float = 0.3, window_s: float = 0.5, reversed_deg: float = 120.0
) -> dict[str, float | None]:
    """How well the body faces where it travels (walking backwards scores -1, sideways 0).

    Over the *moving* frame steps (smoothed pelvis speed above ``min_speed`` m/s), with
    facing and travel from :func:`facing` (both averaged over ``window_s``):

    - ``facing_cos_mean``: mean cosine between facing and travel direction;
    - ``facing_reversed_share``: share of moving steps facing more than ``reversed_deg``
      degrees away from travel.

    Args:
        joints: ``(T, 22, 3)`` positions in metres, Y up.
        fps: frames per second (> 0).
        min_speed: smoothed pelvis speed (m/s) above which a frame step counts as moving.
        window_s: averaging window of facing and travel, in seconds.
        reversed_deg: angle (degrees) beyond which a moving step counts as reversed.

    Returns:
        both figures, ``None`` when fewer than one second of steps is moving.
    """
    fwd, vel = facing(joints, fps, window_s)
    speed = np.linalg.norm(vel, axis=-1)
    moving = speed > min_speed
    if moving.sum() < fps:
        return {"facing_cos_mean": None, "facing_reversed_share": None}
    cos = (fwd * vel).sum(-1)[moving] / speed[moving]
    return {
        "facing_cos_mean": float(cos.mean()),
        "facing_reversed_share": float((cos < np.cos(np.radians(reversed_deg))).mean()),
    }


def root_speed(joints: np.ndarray, fps: float = 20.0) -> float:
    """Mean horizontal pelvis speed (m/s)."""
    j = _np(joints)
    return float(np.linalg.norm(np.diff(j[:, 0, [0, 2]], axis=0), axis=-1).mean() * fps)
