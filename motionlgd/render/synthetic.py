"""A procedural walking clip for demos, tests and benchmarks of the renderers (not a motion model)."""

from __future__ import annotations

import math

import numpy as np

from ..motion.skeleton import DEFAULT_OFFSETS, NUM_JOINTS, PARENTS

__all__ = ["arc_path", "synthetic_walk"]


def _rest_pose() -> np.ndarray:
    pos = np.zeros((NUM_JOINTS, 3))
    for j in range(1, NUM_JOINTS):
        pos[j] = pos[PARENTS[j]] + DEFAULT_OFFSETS[j]
    return pos


def _subtree(root: int) -> list[int]:
    out = [root]
    for j in range(root + 1, NUM_JOINTS):
        if PARENTS[j] in out:
            out.append(j)
    return out


def _rot_x(points: np.ndarray, pivot: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    d = points - pivot
    return pivot + np.stack([d[:, 0], c * d[:, 1] - s * d[:, 2], s * d[:, 1] + c * d[:, 2]], axis=1)


def arc_path(length: float = 7.0, radius: float = 4.0, samples: int = 50) -> np.ndarray:
    """``(samples, 2)`` ground points ``(x, z)`` of a circular arc starting at the origin heading +z."""
    a = np.linspace(0.0, length / radius, samples)
    return np.stack([radius * (1 - np.cos(a)), radius * np.sin(a)], axis=1)


def synthetic_walk(
    num_frames: int = 120,
    fps: float = 20.0,
    speed: float = 1.2,
    radius: float = 4.0,
    offset: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """A stick-figure walk along an arc with swinging legs and arms.

    Args:
        num_frames: ``T``.
        fps: frames per second.
        speed: walking speed in m/s along the arc.
        radius: arc radius in metres (positive turns towards +x, the body's left; ``inf`` walks straight).
        offset: ground shift ``(x, z)`` of the start point.

    Returns:
        ``(T, 22, 3)`` joint positions in metres, Y up, starting at ``offset`` facing +z.
    """
    rest = _rest_pose()
    t = np.arange(num_frames) / fps
    s = speed * t
    if math.isinf(radius):
        root_xz = np.stack([np.zeros_like(s), s], axis=1)
        heading = np.zeros_like(s)
    else:
        a = s / radius
        root_xz = np.stack([radius * (1 - np.cos(a)), radius * np.sin(a)], axis=1)
        heading = a
    root_xz = root_xz + np.asarray(offset, dtype=np.float64)
    phase = 2 * math.pi * 0.9 * t  # ~0.9 strides per second
    legs = {1: (_subtree(4), 4, _subtree(7)), 2: (_subtree(5), 5, _subtree(8))}
    arms = {16: _subtree(18), 17: _subtree(19)}
    out = np.zeros((num_frames, NUM_JOINTS, 3))
    for k in range(num_frames):
        pose = rest.copy()
        for hip, sign in ((1, 1.0), (2, -1.0)):
            thigh, knee, shin = legs[hip]
            swing = sign * 0.45 * math.sin(phase[k])
            pose[thigh] = _rot_x(pose[thigh], pose[hip], -swing)
            bend = 0.5 * max(0.0, math.sin(phase[k] + sign * math.pi / 2 + math.pi)) + 0.05
            pose[shin] = _rot_x(pose[shin], pose[knee], bend)
        for shoulder, sign in ((16, -1.0), (17, 1.0)):
            pose[arms[shoulder]] = _rot_x(pose[arms[shoulder]], pose[shoulder], -sign * 0.35 * math.sin(phase[k]))
        # arms hang down a little outwards
        pose[:, 1] += 0.9 + 0.02 * math.cos(2 * phase[k])
        c, sn = math.cos(heading[k]), math.sin(heading[k])
        x, z = pose[:, 0].copy(), pose[:, 2].copy()
        pose[:, 0] = c * x + sn * z + root_xz[k, 0]
        pose[:, 2] = -sn * x + c * z + root_xz[k, 1]
        out[k] = pose
    return out
