"""Quaternion and 6D-rotation helpers (numpy and torch).

Conventions: quaternions are ``(..., 4)`` arrays ordered ``(w, x, y, z)``;
``qrot(q, v)`` rotates vectors ``(..., 3)`` by ``q``; rotation matrices act on
column vectors; the continuous 6D representation is the first two *columns*
of the rotation matrix, flattened as ``(c0x, c0y, c0z, c1x, c1y, c1z)``.
Every function taking a torch tensor returns a torch tensor on the same
device and dtype and is differentiable; numpy in gives numpy out.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

__all__ = [
    "axis_angle_to_matrix",
    "matrix_to_6d",
    "matrix_to_axis_angle",
    "matrix_to_quat",
    "qbetween",
    "qfrom_y_angle",
    "qinv",
    "qmul",
    "qnormalize",
    "qrot",
    "quat_to_matrix",
    "rotation_6d_to_matrix",
]

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


def _is_torch(x: object) -> bool:
    return isinstance(x, torch.Tensor)


def _stack(xs: list, axis: int = -1):
    if _is_torch(xs[0]):
        return torch.stack(xs, dim=axis)
    return np.stack(xs, axis=axis)


def _cross(a, b):
    if _is_torch(a):
        return torch.linalg.cross(a, b, dim=-1)
    return np.cross(a, b)


def _norm(x, keepdim: bool = True):
    if _is_torch(x):
        return torch.linalg.vector_norm(x, dim=-1, keepdim=keepdim)
    return np.linalg.norm(x, axis=-1, keepdims=keepdim)


def qmul(q: ArrayT, r: ArrayT) -> ArrayT:
    """Hamilton product ``q * r`` of quaternions ``(..., 4)`` (broadcasting)."""
    w1, x1, y1, z1 = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    w2, x2, y2, z2 = r[..., 0], r[..., 1], r[..., 2], r[..., 3]
    return _stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


def qinv(q: ArrayT) -> ArrayT:
    """Inverse (conjugate) of unit quaternions ``(..., 4)``."""
    sign = q.new_tensor([1.0, -1.0, -1.0, -1.0]) if _is_torch(q) else np.array([1.0, -1.0, -1.0, -1.0])
    return q * sign


def qnormalize(q: ArrayT) -> ArrayT:
    """Normalise quaternions ``(..., 4)`` to unit length."""
    return q / _norm(q)


def qrot(q: ArrayT, v: ArrayT) -> ArrayT:
    """Rotate vectors ``v (..., 3)`` by unit quaternions ``q (..., 4)`` (broadcasting)."""
    qvec = q[..., 1:]
    w = q[..., :1]
    uv = _cross(*_broadcast(qvec, v))
    uuv = _cross(*_broadcast(qvec, uv))
    return v + 2 * (w * uv + uuv)


def _broadcast(a, b):
    if _is_torch(a):
        shape = torch.broadcast_shapes(a.shape, b.shape)
        return a.expand(shape), b.expand(shape)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return np.broadcast_to(a, shape), np.broadcast_to(b, shape)


def qbetween(u: ArrayT, v: ArrayT) -> ArrayT:
    """Shortest-arc rotation taking direction ``u (..., 3)`` onto direction ``v (..., 3)``.

    Inputs need not be unit length. For opposite vectors a rotation of pi about an
    axis perpendicular to ``u`` is returned.
    """
    u, v = _broadcast(u, v)
    un = u / _norm(u)
    vn = v / _norm(v)
    w = 1.0 + (un * vn).sum(-1, keepdims=True) if not _is_torch(u) else 1.0 + (un * vn).sum(-1, keepdim=True)
    axis = _cross(un, vn)
    q = np.concatenate([w, axis], axis=-1) if not _is_torch(u) else torch.cat([w, axis], dim=-1)
    # opposite vectors (the unnormalised quaternion vanishes): pick a perpendicular axis
    if _is_torch(u):
        bad = _norm(q, keepdim=False) < 16 * torch.finfo(q.dtype).eps ** 0.5
        if bool(bad.any()):
            perp = _perpendicular(un[bad])
            q = q.clone()
            q[bad] = torch.cat([torch.zeros_like(perp[..., :1]), perp], dim=-1)
    else:
        bad = _norm(q, keepdim=False) < 16 * np.finfo(q.dtype).eps ** 0.5
        if np.any(bad):
            perp = _perpendicular(un[bad])
            q = q.copy()
            q[bad] = np.concatenate([np.zeros_like(perp[..., :1]), perp], axis=-1)
    return qnormalize(q)


def _perpendicular(u):
    ex = u.new_tensor([1.0, 0.0, 0.0]) if _is_torch(u) else np.array([1.0, 0.0, 0.0])
    ey = u.new_tensor([0.0, 1.0, 0.0]) if _is_torch(u) else np.array([0.0, 1.0, 0.0])
    a = _cross(*_broadcast(u, ex))
    b = _cross(*_broadcast(u, ey))
    na, nb = _norm(a), _norm(b)
    use_a = na > nb
    p = a * use_a + b * ~use_a
    return p / _norm(p)


def qfrom_y_angle(angle: ArrayT) -> ArrayT:
    """Quaternions ``(..., 4)`` of rotations by ``angle (...)`` radians about +y."""
    if _is_torch(angle):
        z = torch.zeros_like(angle)
        return torch.stack([torch.cos(angle / 2), z, torch.sin(angle / 2), z], dim=-1)
    z = np.zeros_like(angle)
    return np.stack([np.cos(angle / 2), z, np.sin(angle / 2), z], axis=-1)


def quat_to_matrix(q: ArrayT) -> ArrayT:
    """Rotation matrices ``(..., 3, 3)`` of unit quaternions ``(..., 4)``."""
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ]  # fmt: skip
    m = _stack(rows)
    return m.reshape(*q.shape[:-1], 3, 3)


def matrix_to_quat(m: ArrayT) -> ArrayT:
    """Unit quaternions ``(..., 4)`` (w >= 0) of rotation matrices ``(..., 3, 3)``.

    Shepperd's method: the largest of the four candidate components is taken with a
    square root and the others from off-diagonal sums, which keeps full precision for
    rotations near 0 and near pi.
    """
    torch_in = _is_torch(m)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    m01, m02, m10, m12, m20, m21 = m[..., 0, 1], m[..., 0, 2], m[..., 1, 0], m[..., 1, 2], m[..., 2, 0], m[..., 2, 1]
    # 4 * q_i^2 for i in (w, x, y, z)
    sq = _stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22])
    if torch_in:
        root = torch.sqrt(torch.clamp(sq, min=0.0))
        best = sq.argmax(-1, keepdim=True)
    else:
        root = np.sqrt(np.maximum(sq, 0.0))
        best = np.argmax(sq, axis=-1)[..., None]
    # candidate quaternions (rows) scaled by 4 * q_i, one per choice of the largest component
    cands = _stack(
        [
            _stack([root[..., 0] ** 2, m21 - m12, m02 - m20, m10 - m01]),
            _stack([m21 - m12, root[..., 1] ** 2, m10 + m01, m02 + m20]),
            _stack([m02 - m20, m10 + m01, root[..., 2] ** 2, m21 + m12]),
            _stack([m10 - m01, m20 + m02, m21 + m12, root[..., 3] ** 2]),
        ],
        axis=-2,
    )  # (..., 4, 4)
    if torch_in:
        denom = 2 * torch.gather(root, -1, best).clamp(min=1e-30)
        q = torch.gather(cands, -2, best[..., None].expand(*best.shape[:-1], 1, 4))[..., 0, :] / denom
        q = q * torch.where(q[..., :1] < 0, -1.0, 1.0)
    else:
        denom = 2 * np.maximum(np.take_along_axis(root, best, -1), 1e-30)
        q = np.take_along_axis(cands, best[..., None], -2)[..., 0, :] / denom
        q = q * np.where(q[..., :1] < 0, -1, 1).astype(q.dtype)
    return qnormalize(q)


def matrix_to_6d(m: ArrayT) -> ArrayT:
    """Continuous 6D representation ``(..., 6)``: the first two columns of ``m (..., 3, 3)``."""
    cols = m[..., :, :2]
    if _is_torch(m):
        return cols.transpose(-1, -2).reshape(*m.shape[:-2], 6)
    return np.swapaxes(cols, -1, -2).reshape(*m.shape[:-2], 6)


def rotation_6d_to_matrix(d6: ArrayT) -> ArrayT:
    """Rotation matrices ``(..., 3, 3)`` from 6D ``(..., 6)`` by Gram-Schmidt."""
    a1, a2 = d6[..., :3], d6[..., 3:]
    b1 = a1 / _norm(a1)
    b2 = a2 - (b1 * a2).sum(-1)[..., None] * b1
    b2 = b2 / _norm(b2)
    b3 = _cross(b1, b2)
    return _stack([b1, b2, b3], axis=-1)


def axis_angle_to_matrix(aa: ArrayT) -> ArrayT:
    """Rotation matrices ``(..., 3, 3)`` from axis-angle vectors ``(..., 3)`` (radians)."""
    angle = _norm(aa)
    half = angle / 2
    # sin(angle/2) / angle, with its Taylor series near 0
    if _is_torch(aa):
        small = angle < 1e-4
        safe = torch.where(small, torch.ones_like(angle), angle)
        k = torch.where(small, 0.5 - angle**2 / 48, torch.sin(half) / safe)
        q = torch.cat([torch.cos(half), aa * k], dim=-1)
    else:
        small = angle < 1e-4
        safe = np.where(small, 1.0, angle)
        k = np.where(small, 0.5 - angle**2 / 48, np.sin(half) / safe)
        q = np.concatenate([np.cos(half), aa * k], axis=-1)
    return quat_to_matrix(q)


def matrix_to_axis_angle(m: ArrayT) -> ArrayT:
    """Axis-angle vectors ``(..., 3)`` (angle in [0, pi]) of rotation matrices ``(..., 3, 3)``."""
    q = matrix_to_quat(m)
    w = q[..., :1]
    v = q[..., 1:]
    n = _norm(v)
    if _is_torch(m):
        angle = 2 * torch.atan2(n, w)
        scale = torch.where(n < 1e-8, 2.0 / torch.clamp(w, min=1e-8), angle / torch.clamp(n, min=1e-12))
    else:
        angle = 2 * np.arctan2(n, w)
        scale = np.where(n < 1e-8, 2.0 / np.maximum(w, 1e-8), angle / np.maximum(n, 1e-12))
    return v * scale
