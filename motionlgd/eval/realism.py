"""A realism score: Frechet distance between hand-made motion descriptors.

Each clip ``(T, 22, 3)`` is summarised by a fixed-length descriptor of physically
meaningful statistics (speeds, heights, joint-velocity spectrum, foot-contact rate,
posture); the score is the Frechet distance between the Gaussian fits of two sets of
descriptors (e.g. guided samples vs unguided samples or real clips), after
standardising each descriptor dimension by the reference set's spread.

Limits: the descriptors see statistics, not semantics. A distance of 0 does not mean
"natural", and small sets (< 30 clips) give noisy covariances (a ridge of 1e-6 is added).
Compare scores only between runs with the same reference and sample counts.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["frechet_distance", "gaussian_frechet", "motion_descriptor", "realism_score"]


def motion_descriptor(joints: np.ndarray, fps: float = 20.0) -> np.ndarray:
    """``(T, 22, 3)`` -> ``(D,)`` descriptor (D = 32)."""
    j = np.asarray(joints, dtype=np.float64)
    root = j[:, 0]
    v = np.diff(j, axis=0) * fps  # (T-1, 22, 3) m/s
    speed = np.linalg.norm(np.diff(root[:, [0, 2]], axis=0), axis=-1) * fps
    heading_change = 0.0
    if len(root) > 2:
        d = np.diff(root[:, [0, 2]], axis=0)
        ang = np.unwrap(np.arctan2(d[:, 0], d[:, 1] + 1e-9))
        heading_change = float(np.abs(np.diff(ang)).mean() * fps)
    rel = j - root[:, None]
    height = j[..., 1] - j[..., 1].min()
    feet = j[:, [7, 10, 8, 11]]
    foot_speed = np.linalg.norm(np.diff(feet[:, :, [0, 2]], axis=0), axis=-1) * fps
    low = (feet[:-1, :, 1] - j[..., 1].min()) < 0.05
    acc = np.diff(j, n=2, axis=0) * fps**2
    parts = [
        [speed.mean(), speed.std(), heading_change],
        [root[:, 1].mean(), root[:, 1].std()],
        [height[:, 15].mean(), height[:, 15].std()],  # head height
        np.linalg.norm(v, axis=-1).mean(0)[[0, 7, 8, 10, 11, 15, 20, 21]],  # joint speeds
        [np.linalg.norm(acc, axis=-1).mean()],
        [low.mean(), (foot_speed * low).sum() / max(low.sum(), 1)],
        np.abs(rel[..., [0, 2]]).mean((0, 2))[[4, 5, 7, 8, 18, 19, 20, 21]],  # limb spread
        [rel[:, 15, 1].mean(), rel[:, 20, 1].mean(), rel[:, 21, 1].mean(), rel[:, 7, 1].mean(), rel[:, 8, 1].mean()],
        [np.abs(v[..., 1]).mean()],
    ]
    return np.concatenate([np.atleast_1d(np.asarray(p, dtype=np.float64)) for p in parts])


def gaussian_frechet(
    mu_a: np.ndarray, cov_a: np.ndarray, mu_b: np.ndarray, cov_b: np.ndarray, ridge: float = 1e-6
) -> float:
    """Frechet distance between Gaussians ``N(mu_a, cov_a)`` and ``N(mu_b, cov_b)`` (``(D,)``,
    ``(D, D)``), with ``ridge`` added to both covariances' diagonals."""
    eye = ridge * np.eye(len(mu_a))
    ca, cb = cov_a + eye, cov_b + eye
    covmean = linalg.sqrtm(ca @ cb)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(ca + cb - 2 * covmean))


def frechet_distance(a: np.ndarray, b: np.ndarray, ridge: float = 1e-6) -> float:
    """Frechet distance between Gaussian fits of ``a (N, D)`` and ``b (M, D)``."""
    return gaussian_frechet(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False), ridge)


def realism_score(samples: np.ndarray, reference: np.ndarray, fps: float = 20.0) -> float:
    """Frechet distance of descriptors of ``samples (N, T, 22, 3)`` to ``reference (M, T', 22, 3)``,
    each dimension standardised by the reference's mean/std. Lower is closer."""
    ds = np.stack([motion_descriptor(x, fps) for x in samples])
    dr = np.stack([motion_descriptor(x, fps) for x in reference])
    mu, sd = dr.mean(0), dr.std(0) + 1e-6
    return frechet_distance((ds - mu) / sd, (dr - mu) / sd)
