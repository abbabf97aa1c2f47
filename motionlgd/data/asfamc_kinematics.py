"""Acclaim ASF/AMC forward kinematics (:func:`asfamc_forward_kinematics`).

The rotation convention is documented in :mod:`motionlgd.data.asfamc`.
"""

from __future__ import annotations

import math

import numpy as np

from motionlgd.data.asfamc_model import AMCMotion, ASFSkeleton
from motionlgd.data.bvh_kinematics import euler_to_matrix
from motionlgd.errors import ShapeError

_AXES = {"X": 0, "Y": 1, "Z": 2}


# --------------------------------------------------------------------------- FK


def _compose(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """``(..., 3)`` angles listed for axes X, Y, Z -> ``(..., 3, 3)`` rotation applying ``order[0]`` first."""
    out = None
    for ax in order.upper():
        k = _AXES[ax]
        r = euler_to_matrix(angles_deg[..., k], k)
        out = r if out is None else r @ out
    assert out is not None
    return out


def _axis_matrix(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """Constant ``(3, 3)`` rotation of an ASF ``axis`` (angles for X, Y, Z; ``order[0]`` applied first)."""
    out = np.eye(3)
    for ax in order.upper():
        k = _AXES[ax]
        a = math.radians(float(angles_deg[k]))
        c, s = math.cos(a), math.sin(a)
        i, j = [(1, 2), (2, 0), (0, 1)][k]
        r = np.eye(3)
        r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
        out = r @ out
    return out


def _rz_ry_rx(rx: np.ndarray, ry: np.ndarray, rz: np.ndarray) -> np.ndarray:
    """Closed form of ``Rz(rz) @ Ry(ry) @ Rx(rx)``; ``(F,)`` radians -> ``(F, 3, 3)``."""
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    m = np.empty((*rx.shape, 3, 3))
    m[..., 0, 0] = cz * cy
    m[..., 0, 1] = cz * sy * sx - sz * cx
    m[..., 0, 2] = cz * sy * cx + sz * sx
    m[..., 1, 0] = sz * cy
    m[..., 1, 1] = sz * sy * sx + cz * cx
    m[..., 1, 2] = sz * sy * cx - cz * sx
    m[..., 2, 0] = -sy
    m[..., 2, 1] = cy * sx
    m[..., 2, 2] = cy * cx
    return m


def _right_mul(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``x @ c`` for ``(F, 3, 3)`` ``x`` and a constant ``(3, 3)`` ``c`` (one BLAS call)."""
    return (x.reshape(-1, 3) @ c).reshape(x.shape)


def asfamc_forward_kinematics(skel: ASFSkeleton, motion: AMCMotion) -> np.ndarray:
    """Acclaim forward kinematics.

    Parameters
    ----------
    skel:
        The skeleton.
    motion:
        Its motion (``F`` frames).

    Returns
    -------
    np.ndarray
        ``(F, B, 3)`` float64 bone **end** positions in ASF length units, bone
        order of ``skel.names``; index 0 is the root (pelvis) position.
    """
    F = motion.num_frames
    B = skel.num_bones
    to_rad = math.pi / 180.0 if motion.degrees else 1.0
    axis_deg = 1.0 if skel.angle_unit == "deg" else 180.0 / math.pi
    pos = np.zeros((F, B, 3))
    glob = np.zeros((F, B, 3, 3))

    # root
    root_vals = motion.values.get("root")
    trans = np.zeros((F, 3))
    rot = np.zeros((F, 3))
    if root_vals is not None:
        for c, name in enumerate(skel.dofs[0]):
            (trans if name[0] == "T" else rot)[:, _AXES[name[1]]] = root_vals[:, c]
    c_root = _axis_matrix(skel.axes[0] * axis_deg, skel.axis_orders[0])
    m_root = _compose(np.rad2deg(rot * to_rad), skel.axis_orders[0])
    glob[:, 0] = c_root @ m_root @ c_root.T
    pos[:, 0] = trans

    for b in range(1, B):
        p = int(skel.parents[b])
        c = _axis_matrix(skel.axes[b] * axis_deg, skel.axis_orders[b])
        vals = motion.values.get(skel.names[b])
        if vals is None or not skel.dofs[b]:
            # no motion: L = C @ I @ C^-1 = I
            glob[:, b] = glob[:, p]
        else:
            ang = np.zeros((3, F))
            for k, name in enumerate(skel.dofs[b]):
                ang[_AXES[name[1].upper()]] = vals[:, k] * to_rad
            m = _rz_ry_rx(ang[0], ang[1], ang[2])
            glob[:, b] = _right_mul(_right_mul(glob[:, p], c) @ m, c.T)
        bone = skel.directions[b] * skel.lengths[b]
        pos[:, b] = pos[:, p] + glob[:, b] @ bone
    if not np.isfinite(pos).all():  # pragma: no cover - inputs are checked finite
        raise ShapeError("non-finite positions in ASF/AMC forward kinematics")
    return pos
