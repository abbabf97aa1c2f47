"""Seams of long motions: is a window boundary visible in the motion?

The jump at frame ``t`` is the change of joint velocity there, averaged over the joints:
``mean_j |(p[t+1] - p[t]) - (p[t] - p[t-1])|`` (metres per frame^2). A seam is invisible
when the jump at every window boundary is no larger than the jumps inside windows are
most of the time; the reference is their 95th percentile.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["joint_jumps", "seam_jumps"]


def joint_jumps(joints: np.ndarray) -> np.ndarray:
    """``(T, 22, 3)`` joints (metres) -> ``(T,)`` velocity change per frame (m/frame^2);
    the first and last frames (no velocity on one side) are 0."""
    j = np.asarray(joints, dtype=np.float64)
    out = np.zeros(len(j))
    if len(j) >= 3:
        acc = j[2:] - 2 * j[1:-1] + j[:-2]
        out[1:-1] = np.linalg.norm(acc, axis=-1).mean(-1)
    return out


def seam_jumps(joints: np.ndarray, boundaries: Sequence[int]) -> dict[str, float]:
    """Jumps at window boundaries against the jumps inside windows.

    The velocity that crosses boundary ``b`` (first new frame of a window) is
    ``p[b] - p[b-1]``; it enters the jumps at frames ``b-1`` and ``b``, the boundary's jump
    is the larger of the two.

    Args:
        joints: ``(T, 22, 3)`` metres.
        boundaries: the first new frame of each window after the first (global frames).

    Returns:
        ``seam_max_jump`` (largest boundary jump; 0 without boundaries), ``inner_p95_jump``
        (95th percentile of all other frames' jumps), ``seam_ratio`` (their ratio; <= 1:
        no seam stands out) and ``seams_over_p95`` (how many boundaries exceed it).
    """
    jumps = joint_jumps(joints)
    T = len(jumps)
    seam_frames = np.zeros(T, dtype=bool)
    per = []
    for b in boundaries:
        idx = [f for f in (b - 1, b) if 1 <= f < T - 1]
        if idx:
            seam_frames[idx] = True
            per.append(float(jumps[idx].max()))
    inner = jumps[1:-1][~seam_frames[1:-1]]
    p95 = float(np.percentile(inner, 95)) if len(inner) else 0.0
    seam = max(per) if per else 0.0
    return {
        "seam_max_jump": seam,
        "inner_p95_jump": p95,
        "seam_ratio": seam / p95 if p95 > 0 else 0.0,
        "seams_over_p95": float(sum(v > p95 for v in per)),
    }
