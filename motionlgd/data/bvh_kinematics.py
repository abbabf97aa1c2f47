"""BVH kinematics: Euler angles to matrices, local rotations and forward kinematics.

Conventions (channel order, position channels replacing OFFSET axes) are
documented in :mod:`motionlgd.data.bvh`.
"""

from __future__ import annotations

import numpy as np

from motionlgd.data.bvh_model import BVH, _dfs_order, _validate

_AXIS_INDEX = {"X": 0, "Y": 1, "Z": 2}


# --------------------------------------------------------------------------- kinematics


def euler_to_matrix(angles_deg: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Elemental rotation matrices about given axes.

    Parameters
    ----------
    angles_deg:
        ``(...)`` angles in degrees.
    axes:
        Integer array broadcastable to ``angles_deg``: 0 = X, 1 = Y, 2 = Z.

    Returns
    -------
    np.ndarray
        ``(..., 3, 3)`` float64 right-handed rotation matrices (column vectors).
    """
    a = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    one, zero = np.ones_like(a), np.zeros_like(a)
    builders = {
        0: lambda: np.stack([one, zero, zero, zero, c, -s, zero, s, c], axis=-1),
        1: lambda: np.stack([c, zero, s, zero, one, zero, -s, zero, c], axis=-1),
        2: lambda: np.stack([c, -s, zero, s, c, zero, zero, zero, one], axis=-1),
    }
    axes_arr = np.asarray(axes)
    if axes_arr.ndim == 0:
        m = builders[int(axes_arr)]()
    else:
        ax = np.broadcast_to(axes_arr, a.shape)[..., None]
        m = np.where(ax == 0, builders[0](), np.where(ax == 1, builders[1](), builders[2]()))
    return m.reshape(*a.shape, 3, 3)


def _rotation_slots(bvh: BVH) -> tuple[np.ndarray, np.ndarray]:
    """Per joint up to three (column, axis) rotation slots; missing slots use column -1."""
    J = bvh.num_joints
    cols = np.full((J, 3), -1, dtype=np.int64)
    axes = np.zeros((J, 3), dtype=np.int64)
    starts = bvh.channel_offsets()
    for j, ch in enumerate(bvh.channels):
        k = 0
        for i, name in enumerate(ch):
            if name.endswith("rotation"):
                cols[j, k] = starts[j] + i
                axes[j, k] = _AXIS_INDEX[name[0]]
                k += 1
    return cols, axes


def bvh_local_rotations(bvh: BVH) -> np.ndarray:
    """Local joint rotation matrices.

    Parameters
    ----------
    bvh:
        A parsed BVH.

    Returns
    -------
    np.ndarray
        ``(F, J, 3, 3)`` float64; joint ``j``'s rotation relative to its parent,
        ``R = R_c1 @ R_c2 @ R_c3`` over its rotation channels in CHANNELS order
        (identity for joints without rotation channels).
    """
    cols, axes = _rotation_slots(bvh)
    motion = np.asarray(bvh.motion, dtype=np.float64)
    F, J = motion.shape[0], bvh.num_joints
    padded = np.concatenate([motion, np.zeros((F, 1))], axis=1)  # column -1 -> 0 degrees
    angles = padded[:, cols]  # (F, J, 3 slots)
    out: np.ndarray | None = None
    for k in range(3):
        if (cols[:, k] < 0).all():
            continue  # no joint has a k-th rotation channel
        mats = np.empty((F, J, 3, 3))
        for axis in range(3):
            sel = np.flatnonzero(axes[:, k] == axis)
            if sel.size:
                mats[:, sel] = euler_to_matrix(angles[:, sel, k], axis)
        out = mats if out is None else out @ mats
    if out is None:
        out = np.broadcast_to(np.eye(3), (F, J, 3, 3)).copy()
    return out


def _local_translations(bvh: BVH) -> np.ndarray:
    """``(F, J, 3)`` local translations: OFFSET, replaced per axis by position channels."""
    motion = np.asarray(bvh.motion, dtype=np.float64)
    F, J = motion.shape[0], bvh.num_joints
    trans = np.broadcast_to(np.asarray(bvh.offsets, dtype=np.float64), (F, J, 3)).copy()
    starts = bvh.channel_offsets()
    for j, ch in enumerate(bvh.channels):
        for i, name in enumerate(ch):
            if name.endswith("position"):
                trans[:, j, _AXIS_INDEX[name[0]]] = motion[:, starts[j] + i]
    return trans


def _topological_order(parents: np.ndarray) -> list[int]:
    parents = np.asarray(parents)
    if all(p < j for j, p in enumerate(parents.tolist())):
        return list(range(len(parents)))
    return _dfs_order(parents)


def bvh_forward_kinematics(bvh: BVH, include_end_sites: bool = False) -> np.ndarray:
    """Global joint positions by forward kinematics.

    ``p_j = p_parent + G_parent @ t_j`` and ``G_j = G_parent @ R_j`` where ``t_j``
    is the joint's local translation (OFFSET with position-channel axes
    replaced by the channel values; the root's position channels are absolute
    and its OFFSET is ignored) and ``R_j`` the local rotation of
    :func:`bvh_local_rotations`.

    Parameters
    ----------
    bvh:
        A parsed BVH.
    include_end_sites:
        Also return the End Site positions, appended after the joints in the
        iteration order of ``bvh.end_sites``.

    Returns
    -------
    np.ndarray
        ``(F, J, 3)`` (or ``(F, J + E, 3)``) float64 positions in file units.
    """
    _validate(bvh)
    rot = bvh_local_rotations(bvh)
    trans = _local_translations(bvh)
    F, J = rot.shape[:2]
    glob_r = np.empty_like(rot)
    pos = np.empty((F, J, 3), dtype=np.float64)
    parents = np.asarray(bvh.parents, dtype=np.int64)
    for j in _topological_order(parents):
        p = int(parents[j])
        if p < 0:
            glob_r[:, j] = rot[:, j]
            pos[:, j] = trans[:, j]
        else:
            glob_r[:, j] = glob_r[:, p] @ rot[:, j]
            pos[:, j] = pos[:, p] + np.einsum("fab,fb->fa", glob_r[:, p], trans[:, j])
    if not include_end_sites or not bvh.end_sites:
        return pos
    ends = [
        pos[:, j] + np.einsum("fab,b->fa", glob_r[:, j], np.asarray(off, dtype=np.float64))
        for j, off in bvh.end_sites.items()
    ]
    return np.concatenate([pos, np.stack(ends, axis=1)], axis=1)
