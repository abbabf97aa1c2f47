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
    # opposite vectors: pick a perpendicular axis
    if _is_torch(u):
        bad = w[..., 0] < 1e-8
        if bool(bad.any()):
            perp = _perpendicular(un[bad])
            q = q.clone()
            q[bad] = torch.cat([torch.zeros_like(perp[..., :1]), perp], dim=-1)
    else:
        bad = w[..., 0] < 1e-8
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
    """Unit quaternions ``(..., 4)`` (w >= 0) of rotation matrices ``(..., 3, 3)``."""
    m_np = None if _is_torch(m) else m
    xp_sqrt = torch.sqrt if m_np is None else np.sqrt
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    if m_np is None:
        clamp = lambda a: torch.clamp(a, min=0.0)  # noqa: E731
    else:
        clamp = lambda a: np.maximum(a, 0.0)  # noqa: E731
    w = 0.5 * xp_sqrt(clamp(1 + m00 + m11 + m22) + 1e-12)
    x = 0.5 * xp_sqrt(clamp(1 + m00 - m11 - m22) + 1e-12)
    y = 0.5 * xp_sqrt(clamp(1 - m00 + m11 - m22) + 1e-12)
    z = 0.5 * xp_sqrt(clamp(1 - m00 - m11 + m22) + 1e-12)
    sign = torch.sign if m_np is None else np.sign

    def _sgn(a):
        s = sign(a)
        return s + (s == 0)

    x = x * _sgn(m[..., 2, 1] - m[..., 1, 2])
    y = y * _sgn(m[..., 0, 2] - m[..., 2, 0])
    z = z * _sgn(m[..., 1, 0] - m[..., 0, 1])
    return qnormalize(_stack([w, x, y, z]))


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
    if _is_torch(aa):
        small = angle < 1e-8
        axis = aa / torch.where(small, torch.ones_like(angle), angle)
        half = angle / 2
        q = torch.cat([torch.cos(half), axis * torch.sin(half)], dim=-1)
    else:
        small = angle < 1e-8
        axis = aa / np.where(small, 1.0, angle)
        half = angle / 2
        q = np.concatenate([np.cos(half), axis * np.sin(half)], axis=-1)
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
