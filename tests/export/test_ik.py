"""Inverse kinematics onto the T-pose skeleton: reproduction, rest pose, twist stability."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.errors import ShapeError
from motionlgd.export.ik import (
    TEMPLATE_DIRECTIONS,
    forward_kinematics,
    joints_to_rotations,
    measure_bone_lengths,
    rest_offsets,
)
from motionlgd.motion.humanml3d import retarget_to_offsets
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Geodesic angle (degrees) between rotation matrices ``(..., 3, 3)``."""
    rel = np.swapaxes(a, -1, -2) @ b
    cos = (np.trace(rel, axis1=-2, axis2=-1) - 1) / 2
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_rest_pose_is_a_t_pose() -> None:
    off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template")
    for j in (16, 18, 20):  # left shoulder/elbow/wrist along +x, right along -x
        assert off[j] == pytest.approx([DEFAULT_BONE_LENGTHS[j], 0, 0])
        assert off[j + 1] == pytest.approx([-DEFAULT_BONE_LENGTHS[j + 1], 0, 0])
    for j in (4, 5, 7, 8):
        assert off[j][1] < 0 and off[j][0] == 0 and off[j][2] == 0
    assert off[10][2] > 0 and off[11][2] > 0  # feet forward
    np.testing.assert_allclose(np.linalg.norm(TEMPLATE_DIRECTIONS, axis=-1), 1.0)
    # identity rotations reproduce the rest pose
    T = 3
    eye = np.broadcast_to(np.eye(3), (T, NUM_JOINTS, 3, 3))
    pos = forward_kinematics(eye, np.zeros((T, 3)), off)
    ik = joints_to_rotations(pos, offsets=off)
    np.testing.assert_allclose(ik.local_rotations, eye, atol=1e-9)


def test_synthetic_walk_round_trip(walk: np.ndarray) -> None:
    ik = joints_to_rotations(walk)
    err = np.linalg.norm(ik.positions() - walk, axis=-1)
    assert err.mean() < 0.005 and err.max() < 0.02
    # rotations are proper
    np.testing.assert_allclose(np.linalg.det(ik.local_rotations), 1.0, atol=1e-9)
    np.testing.assert_allclose(ik.root_translation, walk[:, 0])


def test_fixed_skeleton_round_trip(real_walk: np.ndarray) -> None:
    # the fixture is retargeted to DEFAULT_BONE_LENGTHS: a fixed skeleton reproduces it
    ik = joints_to_rotations(real_walk, bone_lengths="default")
    assert np.linalg.norm(ik.positions() - real_walk, axis=-1).mean() < 0.01
    np.testing.assert_allclose(np.linalg.norm(ik.offsets, axis=-1)[1:], DEFAULT_BONE_LENGTHS[1:], atol=1e-12)


def test_real_clips_round_trip(real_clips: dict) -> None:
    for source, (_, joints) in real_clips.items():
        ik = joints_to_rotations(joints)  # the clip's own median bone lengths
        err = np.linalg.norm(ik.positions() - joints, axis=-1).mean()
        assert err < 0.01, (source, err)
        # fixed skeleton after retargeting to it
        tgt = retarget_to_offsets(joints, DEFAULT_BONE_LENGTHS)
        ik2 = joints_to_rotations(tgt, bone_lengths="default")
        assert np.linalg.norm(ik2.positions() - tgt, axis=-1).mean() < 0.01, source


def test_measured_bone_lengths(walk: np.ndarray) -> None:
    lengths = measure_bone_lengths(walk)
    np.testing.assert_allclose(lengths[1:], DEFAULT_BONE_LENGTHS[1:], atol=0.01)
    sym = measure_bone_lengths(walk, symmetric=True)
    assert sym[16] == sym[17]


def _windmill(T: int = 200, turns: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """T-pose body whose left arm circles forward in the sagittal plane (straight arm) while
    the right forearm, elbow bent 90 degrees, spins around its upper arm."""
    off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template")
    eye = np.broadcast_to(np.eye(3), (T, NUM_JOINTS, 3, 3))
    joints = forward_kinematics(eye, np.tile([0.0, 0.9, 0.0], (T, 1)), off)
    theta = np.linspace(0, 2 * np.pi * turns, T)
    arm = np.stack([np.zeros(T), -np.cos(theta), np.sin(theta)], -1)  # down, forward, up, back
    joints[:, 18] = joints[:, 16] + arm * DEFAULT_BONE_LENGTHS[18]
    joints[:, 20] = joints[:, 18] + arm * DEFAULT_BONE_LENGTHS[20]
    fore = np.stack([np.zeros(T), np.cos(theta), np.sin(theta)], -1)  # around the -x upper arm
    joints[:, 21] = joints[:, 19] + fore * DEFAULT_BONE_LENGTHS[21]
    return joints, theta


def test_no_flips_on_continuously_rotating_limbs() -> None:
    joints, theta = _windmill()
    ik = joints_to_rotations(joints, bone_lengths="default", torso="template")
    np.testing.assert_allclose(ik.positions(), joints, atol=1e-9)
    step = np.degrees(theta[1] - theta[0])
    for j in (16, 18, 19):  # left shoulder (windmill), left elbow (straight), right elbow (spin)
        change = _angle_deg(ik.local_rotations[:-1, j], ik.local_rotations[1:, j])
        # a 90-degree swing whose axis turns changes by sqrt(2) x the bone's angle; a flip
        # would show up as a single step of up to 180 degrees
        assert change.max() <= step * 1.5, (j, change.max(), step)
    # minimal twist: the straight left elbow stays at identity
    np.testing.assert_allclose(ik.local_rotations[:, 18], np.broadcast_to(np.eye(3), (len(theta), 3, 3)), atol=1e-9)
    # same pose -> same rotation on every turn (no drift)
    per_turn = len(theta) // 3
    i = np.argmin(np.abs(theta - theta[per_turn // 2] - 2 * np.pi))
    assert _angle_deg(ik.local_rotations[per_turn // 2, 16], ik.local_rotations[i, 16]) < 2 * step


def test_bad_input() -> None:
    with pytest.raises(ShapeError):
        joints_to_rotations(np.zeros((5, 21, 3)))
    bad = np.zeros((5, 22, 3))
    bad[2, 3, 1] = np.nan
    with pytest.raises(ShapeError):
        joints_to_rotations(bad)
    with pytest.raises(ValueError):
        joints_to_rotations(np.random.default_rng(0).normal(size=(4, 22, 3)), bone_lengths="typo")
