"""Tests of motionlgd.motion.rotations: quaternions vs rotation matrices, 6D and axis-angle.

Every function takes numpy or torch; both must give the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motionlgd.motion.rotations import (
    axis_angle_to_matrix,
    matrix_to_6d,
    matrix_to_axis_angle,
    matrix_to_quat,
    qbetween,
    qfrom_y_angle,
    qinv,
    qmul,
    qnormalize,
    qrot,
    quat_to_matrix,
    rotation_6d_to_matrix,
)


def _rand_quats(n: int, seed: int = 0) -> np.ndarray:
    q = np.random.default_rng(seed).normal(size=(n, 4))
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def _rand_vecs(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3))


def _rodrigues(aa: np.ndarray) -> np.ndarray:
    """Reference rotation matrix of one axis-angle vector (independent formula)."""
    angle = np.linalg.norm(aa)
    if angle == 0:
        return np.eye(3)
    k = aa / angle
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * (K @ K)


def _assert_rotation(m: np.ndarray, atol: float = 1e-10) -> None:
    eye = np.broadcast_to(np.eye(3), m.shape)
    np.testing.assert_allclose(m @ np.swapaxes(m, -1, -2), eye, atol=atol)
    np.testing.assert_allclose(np.linalg.det(m), 1.0, atol=atol)


# --------------------------------------------------------------------------- quaternions


def test_quat_to_matrix_is_a_rotation_and_matches_qrot() -> None:
    q, v = _rand_quats(200), _rand_vecs(200)
    m = quat_to_matrix(q)
    assert m.shape == (200, 3, 3)
    _assert_rotation(m)
    np.testing.assert_allclose(qrot(q, v), (m @ v[..., None])[..., 0], atol=1e-12)


def test_qrot_known_rotation() -> None:
    # 90 degrees about +y takes +z to +x (right-handed, Y up)
    q = qfrom_y_angle(np.array(np.pi / 2))
    np.testing.assert_allclose(qrot(q, np.array([0.0, 0.0, 1.0])), [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(qrot(q, np.array([1.0, 0.0, 0.0])), [0.0, 0.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(qrot(q, np.array([0.0, 2.0, 0.0])), [0.0, 2.0, 0.0], atol=1e-12)


def test_qrot_preserves_length_and_broadcasts() -> None:
    q = _rand_quats(5)
    v = _rand_vecs(7)
    out = qrot(q[:, None], v[None])
    assert out.shape == (5, 7, 3)
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.broadcast_to(np.linalg.norm(v, axis=-1), (5, 7)))
    np.testing.assert_allclose(out[3, 4], qrot(q[3], v[4]), atol=1e-12)


def test_qmul_composes_like_matrix_product() -> None:
    q, r, v = _rand_quats(100, 0), _rand_quats(100, 1), _rand_vecs(100)
    qr = qmul(q, r)
    np.testing.assert_allclose(np.linalg.norm(qr, axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(quat_to_matrix(qr), quat_to_matrix(q) @ quat_to_matrix(r), atol=1e-12)
    # q * r applies r first
    np.testing.assert_allclose(qrot(qr, v), qrot(q, qrot(r, v)), atol=1e-12)


def test_qmul_is_not_commutative() -> None:
    q, r = _rand_quats(10, 0), _rand_quats(10, 1)
    assert not np.allclose(qmul(q, r), qmul(r, q))


def test_qinv_inverts() -> None:
    q, v = _rand_quats(100), _rand_vecs(100)
    ident = np.broadcast_to([1.0, 0.0, 0.0, 0.0], q.shape)
    np.testing.assert_allclose(qmul(q, qinv(q)), ident, atol=1e-12)
    np.testing.assert_allclose(qmul(qinv(q), q), ident, atol=1e-12)
    np.testing.assert_allclose(qrot(qinv(q), qrot(q, v)), v, atol=1e-12)
    np.testing.assert_allclose(quat_to_matrix(qinv(q)), np.swapaxes(quat_to_matrix(q), -1, -2), atol=1e-12)


def test_qinv_does_not_mutate_input() -> None:
    q = _rand_quats(3)
    before = q.copy()
    qinv(q)
    qnormalize(q * 2)
    np.testing.assert_array_equal(q, before)


def test_qnormalize() -> None:
    q = np.random.default_rng(3).normal(size=(20, 4)) * 5
    np.testing.assert_allclose(np.linalg.norm(qnormalize(q), axis=-1), 1.0, atol=1e-12)


def test_qfrom_y_angle_matches_axis_angle() -> None:
    ang = np.linspace(-3, 3, 13)
    aa = np.stack([np.zeros_like(ang), ang, np.zeros_like(ang)], -1)
    np.testing.assert_allclose(quat_to_matrix(qfrom_y_angle(ang)), axis_angle_to_matrix(aa), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_to_quat_round_trip(dtype: type) -> None:
    q = _rand_quats(300).astype(dtype)
    q2 = matrix_to_quat(quat_to_matrix(q))
    assert q2.dtype == dtype
    assert np.all(q2[:, 0] >= 0)
    # same rotation: q2 == +-q
    sign = np.sign((q * q2).sum(-1, keepdims=True))
    tol = 1e-6 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(q2 * sign, q, atol=tol)


def test_matrix_to_quat_of_half_turns() -> None:
    for axis in np.eye(3):
        m = axis_angle_to_matrix(axis * np.pi)
        q = matrix_to_quat(m)
        np.testing.assert_allclose(quat_to_matrix(q), m, atol=1e-5)


# --------------------------------------------------------------------------- qbetween


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_qbetween_maps_u_onto_v() -> None:
    u, v = _rand_vecs(500, 1) * 3, _rand_vecs(500, 2) * 0.2
    q = qbetween(u, v)
    np.testing.assert_allclose(np.linalg.norm(q, axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(qrot(q, _unit(u)), _unit(v), atol=1e-10)
    # shortest arc: rotation angle == angle between u and v, axis perpendicular to both
    angle = 2 * np.arctan2(np.linalg.norm(q[:, 1:], axis=-1), q[:, 0])
    cos = (_unit(u) * _unit(v)).sum(-1)
    np.testing.assert_allclose(angle, np.arccos(np.clip(cos, -1, 1)), atol=1e-7)
    np.testing.assert_allclose((q[:, 1:] * u).sum(-1), 0.0, atol=1e-10)


def test_qbetween_identical_vectors_is_identity() -> None:
    u = _rand_vecs(50)
    q = qbetween(u, 2 * u)
    np.testing.assert_allclose(q, np.broadcast_to([1.0, 0, 0, 0], q.shape), atol=1e-8)


@pytest.mark.parametrize(
    "u",
    [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0, 0, -1.0], [0.3, -0.2, 0.9], [1e-3, 5.0, 0]],
)
def test_qbetween_opposite_vectors_numpy(u: list[float]) -> None:
    u_ = np.array(u)
    q = qbetween(u_, -u_)
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(np.linalg.norm(q), 1.0, atol=1e-12)
    np.testing.assert_allclose(qrot(q, _unit(u_)), -_unit(u_), atol=1e-10)


def test_qbetween_opposite_vectors_batched_mixed_torch_float64() -> None:
    u = torch.tensor(_rand_vecs(64), dtype=torch.float64)
    v = torch.tensor(_rand_vecs(64, 5), dtype=torch.float64)
    v[::3] = -u[::3] * 2.5  # every third pair is exactly opposite
    q = qbetween(u, v)
    un, vn = u / u.norm(dim=-1, keepdim=True), v / v.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(qrot(q, un), vn, atol=1e-10, rtol=0)


def test_qbetween_nearly_opposite_vectors() -> None:
    u = np.array([0.0, 0.0, 1.0])
    for eps in (1e-3, 1e-5, 1e-7):
        v = np.array([eps, 0.0, -1.0])
        q = qbetween(u, v)
        # within 1.4e-4 rad of pi, qbetween falls back to an exact half turn
        np.testing.assert_allclose(qrot(q, u), _unit(v), atol=2e-4)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_qbetween_opposite_vectors_float32(lib: str) -> None:
    u = _rand_vecs(200, 7).astype(np.float32)
    if lib == "torch":
        ut = torch.from_numpy(u)
        out = qrot(qbetween(ut, -ut), ut / ut.norm(dim=-1, keepdim=True)).numpy()
    else:
        out = qrot(qbetween(u, -u), _unit(u))
    np.testing.assert_allclose(out, -_unit(u), atol=1e-4)


# --------------------------------------------------------------------------- 6D


def test_6d_round_trip() -> None:
    m = quat_to_matrix(_rand_quats(200))
    d6 = matrix_to_6d(m)
    assert d6.shape == (200, 6)
    # layout: first column then second column (HumanML3D cont6d)
    np.testing.assert_array_equal(d6[:, :3], m[:, :, 0])
    np.testing.assert_array_equal(d6[:, 3:], m[:, :, 1])
    np.testing.assert_allclose(rotation_6d_to_matrix(d6), m, atol=1e-12)


def test_6d_to_matrix_of_arbitrary_input_is_a_rotation() -> None:
    d6 = np.random.default_rng(4).normal(size=(100, 6)) * 3
    m = rotation_6d_to_matrix(d6)
    _assert_rotation(m)
    # Gram-Schmidt: first column is the normalised first 3-vector
    np.testing.assert_allclose(m[..., 0], _unit(d6[:, :3]), atol=1e-12)
    # second column lies in span(a1, a2)
    normal = np.cross(d6[:, :3], d6[:, 3:])
    np.testing.assert_allclose((m[..., 1] * normal).sum(-1), 0.0, atol=1e-9)
    # idempotent
    np.testing.assert_allclose(rotation_6d_to_matrix(matrix_to_6d(m)), m, atol=1e-12)


def test_6d_to_matrix_is_differentiable() -> None:
    torch.manual_seed(0)
    d6 = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rotation_6d_to_matrix, (d6,))


# --------------------------------------------------------------------------- axis-angle


def test_axis_angle_to_matrix_matches_rodrigues() -> None:
    aa = _rand_vecs(50) * 1.2
    m = axis_angle_to_matrix(aa)
    for a, mm in zip(aa, m):
        np.testing.assert_allclose(mm, _rodrigues(a), atol=1e-12)
    np.testing.assert_allclose(axis_angle_to_matrix(np.zeros(3)), np.eye(3), atol=0)


def test_axis_angle_round_trip_generic() -> None:
    rng = np.random.default_rng(9)
    axis = _unit(rng.normal(size=(300, 3)))
    angle = rng.uniform(0.01, np.pi - 0.01, size=(300, 1))
    aa = axis * angle
    np.testing.assert_allclose(matrix_to_axis_angle(axis_angle_to_matrix(aa)), aa, atol=1e-8)


@pytest.mark.parametrize("angle", [0.0, 1e-9, 1e-6, 1e-4, np.pi - 1e-4, np.pi - 1e-6, np.pi])
def test_axis_angle_round_trip_extreme_angles(angle: float) -> None:
    """Near 0 and near pi the rotation must survive the round trip (up to aa ~ -aa at pi)."""
    axis = _unit(np.array([[0.3, -0.5, 0.8], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    aa = axis * angle
    m = axis_angle_to_matrix(aa)
    aa2 = matrix_to_axis_angle(m)
    assert np.all(np.isfinite(aa2))
    assert np.all(np.linalg.norm(aa2, axis=-1) <= np.pi + 1e-9)
    np.testing.assert_allclose(axis_angle_to_matrix(aa2), m, atol=5e-6)
    if angle < 3.0:
        np.testing.assert_allclose(aa2, aa, atol=5e-6)
    else:
        err = np.minimum(np.abs(aa2 - aa).max(-1), np.abs(aa2 + aa).max(-1))
        assert np.all(err < 5e-6), err


@pytest.mark.parametrize("angle", [1e-9, 1e-6, np.pi - 1e-6])
def test_axis_angle_round_trip_float64_precision(angle: float) -> None:
    axis = _unit(np.array([[1.0, 0.0, 0.0], [0.3, -0.5, 0.8]]))
    aa = axis * angle
    aa2 = matrix_to_axis_angle(axis_angle_to_matrix(aa))
    np.testing.assert_allclose(aa2, aa, atol=1e-9 * max(angle, 1e-3))


def test_matrix_to_axis_angle_is_differentiable_away_from_singularities() -> None:
    torch.manual_seed(0)
    aa = (torch.randn(3, 3, dtype=torch.float64) * 0.5).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a: matrix_to_axis_angle(axis_angle_to_matrix(a)), (aa,))


# --------------------------------------------------------------------------- numpy == torch


def _both(fn, *arrays: np.ndarray) -> None:
    out_np = fn(*arrays)
    out_t = fn(*(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays))
    assert isinstance(out_t, torch.Tensor)
    assert isinstance(out_np, np.ndarray)
    assert out_t.dtype == torch.float64
    np.testing.assert_allclose(out_t.numpy(), out_np, atol=1e-12, rtol=0)


def test_numpy_and_torch_agree() -> None:
    q, r, v = _rand_quats(40, 0), _rand_quats(40, 1), _rand_vecs(40)
    u = _rand_vecs(40, 3)
    u[::4] = -v[::4]  # include opposite pairs
    m = quat_to_matrix(q)
    _both(qmul, q, r)
    _both(qinv, q)
    _both(qrot, q, v)
    _both(qnormalize, q * 3)
    _both(qbetween, u, v)
    _both(quat_to_matrix, q)
    _both(matrix_to_quat, m)
    _both(matrix_to_6d, m)
    _both(rotation_6d_to_matrix, np.random.default_rng(0).normal(size=(40, 6)))
    _both(axis_angle_to_matrix, v)
    _both(matrix_to_axis_angle, m)
    _both(qfrom_y_angle, np.linspace(-4, 4, 9))


def test_torch_float32_keeps_dtype_and_grad() -> None:
    torch.manual_seed(0)
    q = qnormalize(torch.randn(8, 4))
    v = torch.randn(8, 3, requires_grad=True)
    out = qrot(q, v)
    assert out.dtype == torch.float32
    out.sum().backward()
    assert v.grad is not None and torch.isfinite(v.grad).all()
