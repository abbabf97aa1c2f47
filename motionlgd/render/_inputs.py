"""Input validation shared by the renderers (runs before any file is touched)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import MotionLGDError, ShapeError
from ..motion.skeleton import NUM_JOINTS

__all__ = ["as_joint_batch", "check_fps", "check_sample_ids", "check_size"]


def _to_numpy(value: Any) -> np.ndarray:
    """Array from numpy / torch (detached, on CPU) / a Motion (``.joints``) / a list of those."""
    if hasattr(value, "joints") and not isinstance(value, np.ndarray):
        value = value.joints
    if isinstance(value, (list, tuple)) and value and hasattr(value[0], "joints"):
        value = [v.joints for v in value]
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"joints must be a numeric array of shape (T, 22, 3) or (N, T, 22, 3): {exc}") from exc


def as_joint_batch(joints: Any, what: str = "joints") -> np.ndarray:
    """Validate joint positions and return them as a float64 ``(N, T, 22, 3)`` batch.

    Args:
        joints: ``(T, 22, 3)`` or ``(N, T, 22, 3)`` positions in metres (numpy, torch, a
            :class:`~motionlgd.motion.Motion` or a list of Motions of equal length).
        what: name used in error messages.

    Raises:
        ShapeError: wrong rank/shape, no frames, or NaN/inf values (the message says where).
    """
    arr = _to_numpy(joints)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[2:] != (NUM_JOINTS, 3):
        raise ShapeError(
            f"{what} must have shape (T, {NUM_JOINTS}, 3) or (N, T, {NUM_JOINTS}, 3) in metres, got {tuple(np.shape(arr))}"
        )
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ShapeError(f"{what} has no samples or no frames: shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        n, t, j, _ = np.argwhere(~finite)[0]
        raise ShapeError(
            f"{what} contains {int((~finite).sum())} NaN/inf values (first at sample {n}, frame {t}, joint {j}); "
            "nothing was rendered"
        )
    return arr


def check_fps(fps: Any) -> float:
    """Return ``fps`` as a positive finite float or raise :class:`ShapeError`."""
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not math.isfinite(fps) or fps <= 0:
        raise ShapeError(f"fps must be a positive number, got {fps!r}")
    return float(fps)


def check_size(size: Sequence[int]) -> tuple[int, int]:
    """Return ``(width, height)`` in pixels (each 16..8192) or raise :class:`ShapeError`."""
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"size must be (width, height) in pixels, got {size!r}") from exc
    if not (16 <= w <= 8192 and 16 <= h <= 8192) or (w, h) != tuple(size):
        raise ShapeError(f"size must be two integers between 16 and 8192 pixels (width, height), got {size!r}")
    return w, h


def check_sample_ids(sample_ids: Sequence[int] | None, n: int) -> list[int]:
    """Colour index of each of ``n`` samples: ``sample_ids`` checked (``n`` integers >= 0), or ``0 .. n-1``.

    Raises:
        MotionLGDError: wrong length, or an entry that is not a non-negative integer.
    """
    if sample_ids is None:
        return list(range(n))
    if isinstance(sample_ids, (str, bytes)) or not isinstance(sample_ids, Sequence | np.ndarray):
        raise MotionLGDError(f"sample_ids must be a sequence of {n} integers, got {sample_ids!r}")
    ids = list(sample_ids)
    if len(ids) != n:
        raise MotionLGDError(f"sample_ids has {len(ids)} entries for {n} samples")
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or i < 0:
            raise MotionLGDError(f"sample_ids must be non-negative integers, got {sample_ids!r}")
    return [int(i) for i in ids]
