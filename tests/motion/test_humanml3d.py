"""Tests of motionlgd.motion.humanml3d (encode / decode of the 263-dim features) and Motion."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from motionlgd.errors import ShapeError
from motionlgd.motion import (
    DEFAULT_BONE_LENGTHS,
    DEFAULT_OFFSETS,
    FEATURE_DIM,
    FEATURE_SLICES,
    KINEMATIC_CHAINS,
    NUM_JOINTS,
    PARENTS,
    RAW_OFFSETS,
    Motion,
    canonicalize,
    encode,
    facing_directions,
    foot_contacts,
    joint_rotations,
    recover_from_ric,
    recover_root_rot_pos,
    retarget_to_offsets,
)
from motionlgd.motion.rotations import qfrom_y_angle, qrot, rotation_6d_to_matrix
from motionlgd.motion.skeleton import bone_lengths

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_walk.npz"
MM = 1e-3


# --------------------------------------------------------------------------- synthetic walk


def _rot_x(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    m = np.zeros((*a.shape, 3, 3))
    m[..., 0, 0] = 1
    m[..., 1, 1], m[..., 1, 2] = c, -s
    m[..., 2, 1], m[..., 2, 2] = s, c
    return m


def make_walk(T: int = 80, seed: int = 0) -> np.ndarray:
    """A walking clip ``(T, 22, 3)``: rest pose of ``DEFAULT_OFFSETS``, swinging legs and
    arms, bending knees, pelvis bob, root on a curve whose heading changes over time,
    placed at an arbitrary position/heading in the world."""
    rng = np.random.default_rng(seed)
    t = np.arange(T, dtype=np.float64)
    phase = 2 * np.pi * t / 22.0
    swing = 0.45 * np.sin(phase)
    local_rot = np.broadcast_to(np.eye(3), (T, NUM_JOINTS, 3, 3)).copy()
    local_rot[:, 1] = _rot_x(-swing)  # left hip (thigh bone rotation about x)
    local_rot[:, 2] = _rot_x(swing)
    local_rot[:, 4] = _rot_x(0.5 * np.maximum(np.sin(phase + 1.0), 0) + 0.05)  # knees
    local_rot[:, 5] = _rot_x(0.5 * np.maximum(np.sin(phase + 1.0 + np.pi), 0) + 0.05)
    local_rot[:, 16] = _rot_x(0.6 * swing)  # arms opposite to the legs
    local_rot[:, 17] = _rot_x(-0.6 * swing)
    local_rot[:, 18] = _rot_x(np.full(T, -0.3))
    local_rot[:, 19] = _rot_x(np.full(T, -0.3))
    # forward kinematics in the body frame (rotation of joint j acts on its children)
    glob = np.zeros((T, NUM_JOINTS, 3, 3))
    pos = np.zeros((T, NUM_JOINTS, 3))
    glob[:, 0] = np.eye(3)
    for j in range(1, NUM_JOINTS):
        p = PARENTS[j]
        pos[:, j] = pos[:, p] + glob[:, p] @ DEFAULT_OFFSETS[j]
        glob[:, j] = glob[:, p] @ local_rot[:, j]
    pos[..., 1] += (0.92 + 0.02 * np.cos(2 * phase))[:, None]
    # heading and root path (body faces +z at heading 0)
    heading = 0.8 * np.sin(t / 25.0) + 0.015 * t + rng.uniform(-np.pi, np.pi)
    quat = qfrom_y_angle(heading)
    pos = qrot(np.broadcast_to(quat[:, None], (T, NUM_JOINTS, 4)), pos)
    speed = 0.06  # metres per frame (1.2 m/s)
    step = speed * np.stack([np.sin(heading), np.zeros(T), np.cos(heading)], -1)
    root = np.cumsum(step, 0) + np.array([rng.uniform(-3, 3), 0.0, rng.uniform(-3, 3)])
    return pos + root[:, None]


@pytest.fixture(scope="module")
def walk() -> np.ndarray:
    return make_walk()


@pytest.fixture(scope="module")
def real_walk() -> np.ndarray:
    data = np.load(FIXTURE)
    assert float(data["fps"]) == 20.0
    return data["joints"]


def _decode(feats: np.ndarray, dtype: torch.dtype = torch.float64) -> np.ndarray:
    return recover_from_ric(torch.as_tensor(feats, dtype=dtype)).numpy()


# --------------------------------------------------------------------------- the walk itself


def test_synthetic_walk_is_a_valid_walk(walk: np.ndarray) -> None:
    assert walk.shape == (80, 22, 3)
    np.testing.assert_allclose(
        bone_lengths(walk)[:, 1:], np.broadcast_to(DEFAULT_BONE_LENGTHS[1:], (80, 21)), atol=1e-12
    )
    heading = np.unwrap(np.arctan2(*facing_directions(walk)[:, [0, 2]].T))
    assert np.ptp(heading) > 0.5  # heading really changes
    assert np.linalg.norm(walk[-1, 0, [0, 2]] - walk[0, 0, [0, 2]]) > 2.0


def test_fixture_is_small_and_float32(real_walk: np.ndarray) -> None:
    assert FIXTURE.stat().st_size < 64_000
    assert real_walk.dtype == np.float32
    assert real_walk.shape == (60, 22, 3)
    np.testing.assert_allclose(
        bone_lengths(real_walk)[:, 1:], np.broadcast_to(DEFAULT_BONE_LENGTHS[1:], (60, 21)), atol=1e-5
    )


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("clip", ["walk", "real_walk"])
def test_decode_encode_reproduces_canonical_joints(clip: str, request: pytest.FixtureRequest) -> None:
    joints = request.getfixturevalue(clip)
    feats = encode(joints)
    assert isinstance(feats, np.ndarray)
    assert feats.shape == (joints.shape[0] - 1, FEATURE_DIM)
    assert np.isfinite(feats).all()
    canon, _ = canonicalize(joints)
    for dtype in (torch.float64, torch.float32):
        rec = _decode(feats, dtype)
        err = np.linalg.norm(rec - canon[:-1], axis=-1).max()
        assert err < MM, f"{clip} {dtype}: max joint error {err * 1000:.3f} mm"
    # float64 decoding is exact up to rounding
    assert np.abs(_decode(feats) - canon[:-1]).max() < 1e-8


def test_encode_ignores_global_placement(walk: np.ndarray) -> None:
    """Features are invariant to a rigid motion about y plus translation (canonicalisation)."""
    q = qfrom_y_angle(np.array(2.1))
    moved = qrot(np.broadcast_to(q, (*walk.shape[:-1], 4)), walk) + np.array([5.0, 0.7, -2.0])
    np.testing.assert_allclose(encode(moved), encode(walk), atol=1e-9)


def test_encode_canonical_false_on_canonical_input(walk: np.ndarray) -> None:
    canon, _ = canonicalize(walk)
    np.testing.assert_allclose(encode(canon, canonical=False), encode(walk), atol=1e-12)
    # a non-canonical clip encoded without canonicalisation does not decode to itself
    rec = _decode(encode(walk, canonical=False))
    assert np.abs(rec - walk[:-1]).max() > 0.1


def test_feature_slices_cover_the_layout() -> None:
    covered = np.zeros(FEATURE_DIM, dtype=int)
    for sl in FEATURE_SLICES.values():
        covered[sl] += 1
    np.testing.assert_array_equal(covered, 1)
    assert FEATURE_SLICES["rot"] == slice(67, 193)
    assert FEATURE_SLICES["contact"] == slice(259, 263)


def test_feature_layout_values(walk: np.ndarray) -> None:
    canon, _ = canonicalize(walk)
    f = encode(walk)
    T1 = f.shape[0]
    # root height, absolute y of the other joints
    np.testing.assert_allclose(f[:, 3], canon[:-1, 0, 1], atol=1e-12)
    ric = f[:, 4:67].reshape(T1, 21, 3)
    np.testing.assert_allclose(ric[..., 1], canon[:-1, 1:, 1], atol=1e-12)
    # ric is a rotation of root-relative positions: distances to the root axis are kept
    rel = canon[:-1, 1:] - canon[:-1, :1]
    np.testing.assert_allclose(
        np.linalg.norm(ric[..., [0, 2]], axis=-1), np.linalg.norm(rel[..., [0, 2]], axis=-1), atol=1e-12
    )
    # velocities are rotated displacements
    vel = f[:, 193:259].reshape(T1, 22, 3)
    np.testing.assert_allclose(
        np.linalg.norm(vel, axis=-1), np.linalg.norm(canon[1:] - canon[:-1], axis=-1), atol=1e-12
    )
    np.testing.assert_allclose(vel[..., 1], (canon[1:] - canon[:-1])[..., 1], atol=1e-12)
    # root linear velocity: norm of the xz root displacement
    np.testing.assert_allclose(
        np.linalg.norm(f[:, 1:3], axis=-1),
        np.linalg.norm((canon[1:, 0] - canon[:-1, 0])[:, [0, 2]], axis=-1),
        atol=1e-12,
    )
    # the body walks forward, i.e. +z in its own root frame
    assert np.all(f[:, 2] > 0.03)
    # half-angle root angular velocity sums to half the heading change
    heading = np.unwrap(np.arctan2(*facing_directions(canon)[:, [0, 2]].T))
    np.testing.assert_allclose(2 * np.cumsum(f[:, 0]), -(heading[1:] - heading[0]), atol=1e-9)


def test_decoded_root_rotation_turns_facing_onto_z(walk: np.ndarray) -> None:
    canon, _ = canonicalize(walk)
    r_rot, root = recover_root_rot_pos(torch.as_tensor(encode(walk)))
    fwd = torch.as_tensor(facing_directions(canon)[:-1])
    np.testing.assert_allclose(qrot(r_rot, fwd).numpy(), np.broadcast_to([0.0, 0.0, 1.0], fwd.shape), atol=1e-9)
    np.testing.assert_allclose(root.numpy(), canon[:-1, 0], atol=1e-9)


def test_contact_features_are_binary_and_match_foot_contacts(walk: np.ndarray, real_walk: np.ndarray) -> None:
    for clip in (walk, real_walk):
        canon, _ = canonicalize(clip)
        c = encode(clip)[:, 259:263]
        assert set(np.unique(c)) <= {0.0, 1.0}
        np.testing.assert_array_equal(c, foot_contacts(canon))
    # the real walk has both stance and swing phases on both feet
    c = encode(real_walk)[:, 259:263]
    assert np.all(c.max(0) == 1) and np.all(c.min(0) == 0)


def test_foot_contacts_threshold() -> None:
    joints = np.zeros((3, 22, 3))
    joints[1, 7, 0] = 0.04  # left ankle moves 4 cm: 0.0016 m^2 < 0.002
    joints[2, 7, 0] = 0.04 + 0.05  # then 5 cm: 0.0025 m^2 > 0.002
    joints[1:, 11, 2] = 0.1  # right toe moves 10 cm once
    c = foot_contacts(joints)
    np.testing.assert_array_equal(c, [[1, 1, 1, 0], [0, 1, 1, 1]])


def _fk_from_features(feats: np.ndarray, root_quat: np.ndarray, root_pos: np.ndarray) -> np.ndarray:
    """Positions from the 6D rotation features, written independently of the package."""
    T1 = feats.shape[0]
    local = rotation_6d_to_matrix(feats[:, 67:193].reshape(T1, 21, 6))
    glob = np.zeros((T1, NUM_JOINTS, 3, 3))
    pos = np.zeros((T1, NUM_JOINTS, 3))
    w, x, y, z = root_quat.T  # root rotation as a matrix, written out
    glob[:, 0] = np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )
    pos[:, 0] = root_pos
    for chain in KINEMATIC_CHAINS:
        for j in chain[1:]:
            p = PARENTS[j]
            glob[:, j] = glob[:, p] @ local[:, j - 1]
            pos[:, j] = pos[:, p] + DEFAULT_BONE_LENGTHS[j] * (glob[:, j] @ RAW_OFFSETS[j])
    return pos


@pytest.mark.parametrize("clip", ["walk", "real_walk"])
def test_rotation_features_reproduce_bones_by_forward_kinematics(clip: str, request: pytest.FixtureRequest) -> None:
    joints = request.getfixturevalue(clip).astype(np.float64)
    canon, _ = canonicalize(joints)
    feats = encode(joints)
    root_quat, _ = joint_rotations(canon)
    pos = _fk_from_features(feats, root_quat[:-1], canon[:-1, 0])
    tol = 1e-9 if clip == "walk" else 1e-4  # the fixture's bone lengths are float32-rounded
    np.testing.assert_allclose(pos, canon[:-1], atol=tol)
    # the 6D features are exact (orthonormal) matrix columns
    d6 = feats[:, 67:193].reshape(-1, 21, 2, 3)
    np.testing.assert_allclose(np.linalg.norm(d6, axis=-1), 1.0, atol=1e-9)
    np.testing.assert_allclose((d6[..., 0, :] * d6[..., 1, :]).sum(-1), 0.0, atol=1e-9)


def test_joint_rotations_root_faces_smoothed_forward(walk: np.ndarray) -> None:
    canon, _ = canonicalize(walk)
    root_quat, local = joint_rotations(canon, smooth_sigma=0.0)
    assert root_quat.shape == (80, 4) and local.shape == (80, 22, 4)
    np.testing.assert_allclose(qrot(root_quat, np.array([0.0, 0.0, 1.0])), facing_directions(canon), atol=1e-9)


# --------------------------------------------------------------------------- decoder


def test_recover_from_ric_gradcheck() -> None:
    torch.manual_seed(0)
    f = (0.3 * torch.randn(1, 6, FEATURE_DIM, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(recover_from_ric, (f,))


def test_decoder_gradient_reaches_earlier_velocities() -> None:
    torch.manual_seed(0)
    f = (0.1 * torch.randn(10, FEATURE_DIM, dtype=torch.float64)).requires_grad_(True)
    recover_from_ric(f)[-1, 0, [0, 2]].sum().backward()
    g = f.grad
    assert g is not None
    assert torch.all(g[:-1, 1:3].abs().sum(-1) > 0)  # every earlier velocity moves the last root
    assert torch.all(g[:-2, 0] != 0)  # and every earlier rotation velocity
    assert torch.all(g[-1, 0:3] == 0)  # the last frame's velocities do not (they point past the clip)


def test_batched_decode_equals_per_clip(walk: np.ndarray, real_walk: np.ndarray) -> None:
    f1 = torch.as_tensor(encode(walk)[:59], dtype=torch.float32)
    f2 = torch.as_tensor(encode(real_walk), dtype=torch.float32)
    torch.manual_seed(0)
    f3 = 0.05 * torch.randn(59, FEATURE_DIM)
    batch = torch.stack([f1, f2, f3])
    out = recover_from_ric(batch)
    assert out.shape == (3, 59, 22, 3)
    for i, f in enumerate((f1, f2, f3)):
        torch.testing.assert_close(out[i], recover_from_ric(f), atol=1e-6, rtol=0)


def test_decode_with_leading_dims() -> None:
    torch.manual_seed(1)
    f = 0.1 * torch.randn(2, 3, 7, FEATURE_DIM)
    out = recover_from_ric(f)
    assert out.shape == (2, 3, 7, 22, 3)
    torch.testing.assert_close(out.reshape(6, 7, 22, 3), recover_from_ric(f.reshape(6, 7, FEATURE_DIM)))
    torch.testing.assert_close(out[1, 2], recover_from_ric(f[1, 2]))
    r_rot, root = recover_root_rot_pos(f)
    assert r_rot.shape == (2, 3, 7, 4) and root.shape == (2, 3, 7, 3)


def test_decode_keeps_dtype() -> None:
    f = torch.zeros(4, FEATURE_DIM, dtype=torch.float64)
    assert recover_from_ric(f).dtype == torch.float64
    assert recover_from_ric(f.float()).dtype == torch.float32


@pytest.mark.parametrize("shape", [(5, 262), (FEATURE_DIM,), (5, 264)])
def test_decode_rejects_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ShapeError):
        recover_from_ric(torch.zeros(shape))


def test_decode_rejects_numpy() -> None:
    with pytest.raises(ShapeError):
        recover_from_ric(np.zeros((5, FEATURE_DIM)))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- encode input handling


def test_encode_accepts_torch_and_returns_torch(walk: np.ndarray) -> None:
    out = encode(torch.as_tensor(walk, dtype=torch.float32))
    assert isinstance(out, torch.Tensor)
    assert out.dtype == torch.float32 and out.shape == (79, FEATURE_DIM)
    np.testing.assert_allclose(out.numpy(), encode(walk.astype(np.float32)), atol=1e-5)
    out64 = encode(torch.as_tensor(walk, dtype=torch.float64))
    np.testing.assert_allclose(out64.numpy(), encode(walk), atol=1e-5)


def test_encode_does_not_modify_input(walk: np.ndarray) -> None:
    x = walk.copy()
    encode(x)
    canonicalize(x)
    retarget_to_offsets(x, DEFAULT_BONE_LENGTHS)
    np.testing.assert_array_equal(x, walk)


@pytest.mark.parametrize(
    "joints",
    [
        np.zeros((10, 21, 3)),
        np.zeros((10, 22, 2)),
        np.zeros((22, 3)),
        np.zeros((2, 10, 22, 3)),
        np.zeros((1, 22, 3)),  # features need two frames
        np.zeros((0, 22, 3)),
    ],
)
def test_encode_rejects_bad_shapes(joints: np.ndarray) -> None:
    with pytest.raises(ShapeError):
        encode(joints)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_encode_rejects_non_finite(walk: np.ndarray, bad: float) -> None:
    x = walk.copy()
    x[5, 3, 1] = bad
    with pytest.raises(ShapeError):
        encode(x)
    with pytest.raises(ShapeError):
        encode(torch.as_tensor(x))


@pytest.mark.parametrize("fps", [30.0, 19.0, 60])
def test_encode_rejects_other_frame_rates(walk: np.ndarray, fps: float) -> None:
    with pytest.raises(ShapeError, match="20 fps"):
        encode(walk, fps=fps)


def test_encode_accepts_20_fps_int(walk: np.ndarray) -> None:
    np.testing.assert_array_equal(encode(walk, fps=20), encode(walk))


# --------------------------------------------------------------------------- canonicalize / retarget


@pytest.mark.parametrize("clip", ["walk", "real_walk"])
def test_canonicalize_invariants(clip: str, request: pytest.FixtureRequest) -> None:
    joints = request.getfixturevalue(clip)
    canon, tf = canonicalize(joints)
    assert canon.shape == joints.shape
    assert abs(canon[..., 1].min()) < 1e-12
    np.testing.assert_allclose(canon[0, 0, [0, 2]], 0.0, atol=1e-12)
    np.testing.assert_allclose(facing_directions(canon[:1])[0], [0.0, 0.0, 1.0], atol=1e-9)
    # the returned transform reproduces the canonical clip
    q = np.broadcast_to(tf["rotation"], (*joints.shape[:-1], 4))
    np.testing.assert_allclose(qrot(q, joints + tf["translation"]), canon, atol=1e-9)
    # rotation about y only, rigid: pairwise distances are preserved
    np.testing.assert_allclose(tf["rotation"][[1, 3]], 0.0, atol=1e-12)
    np.testing.assert_allclose(bone_lengths(canon), bone_lengths(joints.astype(np.float64)), atol=1e-9)
    # idempotent
    canon2, tf2 = canonicalize(canon)
    np.testing.assert_allclose(canon2, canon, atol=1e-9)
    np.testing.assert_allclose(tf2["translation"], 0.0, atol=1e-9)


def _turn_in_place(n_half_turn: int = 10, T: int = 21) -> np.ndarray:
    """The synthetic walk re-oriented so that frame t has heading ``pi * t / n_half_turn``
    (frame ``n_half_turn`` faces exactly -z), drifting sideways along +x."""
    walk = make_walk(T, seed=0)
    f = facing_directions(walk)
    heading = np.arctan2(f[:, 0], f[:, 2])
    out = np.empty_like(walk)
    for t in range(T):
        q = np.broadcast_to(qfrom_y_angle(np.array(np.pi * t / n_half_turn - heading[t])), (22, 4))
        out[t] = qrot(q, walk[t] - walk[t, 0] * np.array([1.0, 0.0, 1.0])) + np.array([0.05 * t, 0.0, 0.0])
    return out


def test_round_trip_away_from_backward_facing_frames() -> None:
    joints = _turn_in_place()[:10]  # headings 0 .. 162 degrees
    canon, _ = canonicalize(joints)
    np.testing.assert_allclose(_decode(encode(joints)), canon[:-1], atol=1e-9)


# Regression: a frame facing exactly -z used to be turned upside down (qbetween fallback).


def test_round_trip_through_a_frame_facing_backwards() -> None:
    joints = _turn_in_place()  # frame 10 faces exactly -z
    canon, _ = canonicalize(joints)
    np.testing.assert_allclose(facing_directions(canon[10:11])[0], [0.0, 0.0, -1.0], atol=1e-9)
    err = np.abs(_decode(encode(joints)) - canon[:-1]).max(axis=(1, 2))
    assert np.all(err < MM), err


def test_canonicalize_facing_backwards() -> None:
    """A clip facing -z exactly (the opposite-vector case of qbetween) is turned around about y."""
    walk = make_walk(10, seed=3)
    f0 = facing_directions(walk[:1])[0]
    ang = np.arctan2(f0[0], f0[2])
    q = qfrom_y_angle(np.array(np.pi - ang))
    back = qrot(np.broadcast_to(q, (*walk.shape[:-1], 4)), walk)
    np.testing.assert_allclose(facing_directions(back[:1])[0], [0.0, 0.0, -1.0], atol=1e-9)
    canon, _ = canonicalize(back)
    np.testing.assert_allclose(facing_directions(canon[:1])[0], [0.0, 0.0, 1.0], atol=1e-9)
    assert canon[0, 0, 1] > 0.5  # not flipped upside down


def test_retarget_gives_exact_bone_lengths(real_walk: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    # distort the clip: random bone lengths but same directions
    target = DEFAULT_BONE_LENGTHS * rng.uniform(0.7, 1.3, size=22)
    out = retarget_to_offsets(real_walk, target)
    assert out.shape == real_walk.shape
    np.testing.assert_allclose(bone_lengths(out)[:, 1:], np.broadcast_to(target[1:], (60, 21)), atol=1e-12)
    # bone directions are kept
    parents = list(PARENTS[1:])
    d_in = real_walk[:, 1:] - real_walk[:, parents]
    d_out = out[:, 1:] - out[:, parents]
    cos = (d_in * d_out).sum(-1) / np.linalg.norm(d_in, axis=-1) / np.linalg.norm(d_out, axis=-1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-6)
    # retargeting onto its own lengths is (nearly) the identity
    same = retarget_to_offsets(out, target)
    np.testing.assert_allclose(same, out, atol=1e-9)


def test_retarget_scales_root_trajectory_by_leg_ratio() -> None:
    walk = make_walk(20, seed=1)
    half = retarget_to_offsets(walk, DEFAULT_BONE_LENGTHS * 0.5)
    np.testing.assert_allclose(half[:, 0], walk[:, 0] * 0.5, atol=1e-9)


def test_retarget_rejects_bad_input() -> None:
    with pytest.raises(ShapeError):
        retarget_to_offsets(np.zeros((4, 21, 3)), DEFAULT_BONE_LENGTHS)
    x = np.zeros((4, 22, 3))
    x[0, 0, 0] = np.nan
    with pytest.raises(ShapeError):
        retarget_to_offsets(x, DEFAULT_BONE_LENGTHS)


# --------------------------------------------------------------------------- Motion


def test_motion_from_features_round_trip(walk: np.ndarray) -> None:
    feats = encode(walk)
    m = Motion.from_features(feats, text="a person walks", seed=3)
    assert m.num_frames == 79 and m.fps == 20.0 and m.text == "a person walks"
    assert m.metadata == {"seed": 3}
    assert m.joints.dtype == np.float32 and m.features is not None and m.features.dtype == np.float32
    np.testing.assert_array_equal(m.features, feats.astype(np.float32))
    np.testing.assert_allclose(m.joints, _decode(feats.astype(np.float32), torch.float32), atol=0)
    np.testing.assert_allclose(m.joints, canonicalize(walk)[0][:-1], atol=MM)
    np.testing.assert_allclose(m.duration, 79 / 20)
    np.testing.assert_array_equal(m.root, m.joints[:, 0])
    # re-encoding the decoded joints gives the same features (up to the last frame)
    m2 = Motion.from_joints(m.joints)
    np.testing.assert_allclose(m2.joints, m.joints[:-1], atol=MM)


def test_motion_from_joints(walk: np.ndarray) -> None:
    m = Motion.from_joints(walk, text="walk")
    assert m.features is not None and m.features.shape == (79, FEATURE_DIM)
    np.testing.assert_allclose(m.joints, canonicalize(walk)[0][:-1], atol=MM)
    raw = Motion.from_joints(walk, fps=30.0, encode=False)
    assert raw.features is None and raw.fps == 30.0
    np.testing.assert_allclose(raw.joints, walk, atol=1e-5)
    with pytest.raises(ShapeError):
        Motion.from_joints(walk, fps=30.0)


def test_motion_is_frozen_and_with_metadata() -> None:
    m = Motion(joints=np.zeros((3, 22, 3)), metadata={"a": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.fps = 30.0  # type: ignore[misc]
    m2 = m.with_metadata(b=2)
    assert m2.metadata == {"a": 1, "b": 2} and m.metadata == {"a": 1}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"joints": np.zeros((3, 21, 3))},
        {"joints": np.zeros((3, 22))},
        {"joints": np.zeros((0, 22, 3))},
        {"joints": np.full((3, 22, 3), np.nan)},
        {"joints": np.zeros((3, 22, 3)), "features": np.zeros((4, FEATURE_DIM))},
        {"joints": np.zeros((3, 22, 3)), "features": np.zeros((3, 262))},
        {"joints": np.zeros((3, 22, 3)), "features": np.zeros((3, 1, FEATURE_DIM))},
        {"joints": np.zeros((3, 22, 3)), "features": np.full((3, FEATURE_DIM), np.inf)},
        {"joints": np.zeros((3, 22, 3)), "fps": 0.0},
        {"joints": np.zeros((3, 22, 3)), "fps": float("nan")},
        {"joints": np.zeros((3, 22, 3)), "fps": -20.0},
    ],
)
def test_motion_validation(kwargs: dict) -> None:
    with pytest.raises(ShapeError):
        Motion(**kwargs)


def test_motion_from_features_rejects_bad_shape() -> None:
    with pytest.raises(ShapeError):
        Motion.from_features(np.zeros((2, 5, FEATURE_DIM)))
    with pytest.raises(ShapeError):
        Motion.from_features(np.zeros((5, 100)))
