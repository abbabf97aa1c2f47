"""Time resampling of joint sequences by linear interpolation (:func:`resample`)."""

from __future__ import annotations

import numpy as np

from motionlgd.errors import ShapeError

# --------------------------------------------------------------------------- resampling


def resample(joints: np.ndarray, src_fps: float, dst_fps: float = 20.0) -> np.ndarray:
    """Resample a sequence in time by linear interpolation.

    Output frame ``k`` is at time ``k / dst_fps``; frames up to the last input
    time ``(T - 1) / src_fps`` are produced (so the duration never grows).

    Parameters
    ----------
    joints:
        ``(T, ...)`` array (e.g. ``(T, 22, 3)`` positions), ``T >= 1``.
    src_fps, dst_fps:
        Input and output frame rates (positive).

    Returns
    -------
    np.ndarray
        ``(T', ...)`` with ``T' = floor((T - 1) * dst_fps / src_fps) + 1``,
        same dtype as ``joints`` for floating input (float64 otherwise).

    Raises
    ------
    ShapeError
        Empty input or non-positive / non-finite frame rates.
    """
    x = np.asarray(joints)
    if x.ndim < 1 or x.shape[0] < 1:
        raise ShapeError(f"resample needs (T, ...) with T >= 1, got shape {x.shape}")
    if not (np.isfinite(src_fps) and np.isfinite(dst_fps) and src_fps > 0 and dst_fps > 0):
        raise ShapeError(f"frame rates must be positive, got {src_fps}, {dst_fps}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    T = x.shape[0]
    if src_fps == dst_fps:
        return x.copy()
    n_out = int(np.floor((T - 1) * dst_fps / src_fps + 1e-9)) + 1
    t = np.arange(n_out, dtype=np.float64) * (src_fps / dst_fps)
    i0 = np.clip(np.floor(t).astype(np.int64), 0, T - 1)
    i1 = np.minimum(i0 + 1, T - 1)
    w = (t - i0).reshape((-1,) + (1,) * (x.ndim - 1))
    out = x[i0] * (1.0 - w) + x[i1] * w
    return out.astype(x.dtype, copy=False)
