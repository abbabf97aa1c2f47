"""Foot-contact clean-up: pins sliding feet, keeps bone lengths."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.errors import ShapeError
from motionlgd.eval.metrics import foot_skating_ratio
from motionlgd.export import clean_foot_contacts
from motionlgd.export.footclean import detect_foot_contacts
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion import Motion
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS, bone_lengths

from .conftest import place_leg


def _skating_motion(T: int = 64) -> np.ndarray:
    """Standing with bent knees; the left foot slides 10 cm back and forth on the ground
    (3 frames per slide), the right foot steps: a swing (lifted) then a stance that slides 10 cm."""
    off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template")
    eye = np.broadcast_to(np.eye(3), (T, NUM_JOINTS, 3, 3))
    joints = forward_kinematics(eye, np.tile([0.0, 0.82, 0.0], (T, 1)), off)
    ankle_h = 0.08
    slide = np.zeros(T)  # left: sawtooth between 0 and 0.1 m
    for t in range(T):
        phase = t % 16
        slide[t] = [0, 1 / 3, 2 / 3, 1, 1, 1, 1, 1, 1, 2 / 3, 1 / 3, 0, 0, 0, 0, 0][phase] * 0.10
    right_z = np.zeros(T)
    right_y = np.zeros(T)
    for t in range(T):
        phase = t % 16
        if phase < 5:  # swing: lifted, moving forward fast
            right_z[t] = -0.1 + 0.2 * phase / 5
            right_y[t] = 0.15 * np.sin(np.pi * phase / 5)
        elif phase < 8:  # landing and sliding 10 cm
            right_z[t] = 0.1 - 0.1 * (phase - 4) / 3
        else:
            right_z[t] = 0.0 - 0.1 * (phase - 7) / 8
    for leg, z, y in (((1, 4, 7, 10), slide, np.zeros(T)), ((2, 5, 8, 11), right_z, right_y)):
        place_leg(joints, leg, ankle_h + y, z)
    return joints


def test_clean_up_reduces_skating_and_keeps_bones() -> None:
    joints = _skating_motion()
    before = foot_skating_ratio(joints)
    assert before > 0.3
    result = clean_foot_contacts(Motion(joints=joints, fps=20.0))
    assert result.metrics["skating_before"] == pytest.approx(before, abs=1e-6)
    assert result.metrics["skating_after"] < 0.1 < before
    assert result.metrics["skating_after"] == pytest.approx(foot_skating_ratio(result.joints), abs=1e-6)
    np.testing.assert_allclose(bone_lengths(result.joints), bone_lengths(joints.astype(np.float32)), atol=1e-5)
    assert result.metrics["max_bone_change"] < 1e-5
    upper = [0, 3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 1, 2]
    np.testing.assert_allclose(result.joints[:, upper], joints[:, upper], atol=1e-6)  # only legs move
    assert result.contacts.shape == (len(joints), 4) and result.contacts[:, :2].mean() > 0.8
    assert result.joints.dtype == np.float32  # Motion joints are float32


def test_contact_detection_ignores_swing() -> None:
    joints = _skating_motion()
    contacts = detect_foot_contacts(joints, fps=20.0)
    phase = np.arange(len(joints)) % 16
    assert not contacts[(phase >= 1) & (phase <= 3), 2].any()  # right ankle lifted and fast


def test_real_walk_not_worse(real_walk: np.ndarray) -> None:
    result = clean_foot_contacts(real_walk)
    assert result.metrics["skating_after"] <= result.metrics["skating_before"] + 1e-9
    assert result.metrics["max_bone_change"] < 1e-9


def test_bad_input() -> None:
    with pytest.raises(ShapeError):
        clean_foot_contacts(np.zeros((1, 22, 3)))


def test_given_contacts_replace_detection() -> None:
    joints = _skating_motion()
    detected = clean_foot_contacts(joints)
    given = clean_foot_contacts(joints, contacts=detected.contacts)
    np.testing.assert_allclose(given.joints, detected.joints, atol=1e-9)  # same contacts, same result
    none = clean_foot_contacts(joints, contacts=np.zeros((len(joints), 4), bool))
    np.testing.assert_array_equal(none.joints, joints)  # no contacts: nothing pinned
    only_left = detected.contacts.copy()
    only_left[:, 2:] = False
    left = clean_foot_contacts(joints, contacts=only_left)
    np.testing.assert_allclose(left.joints[:, [2, 5, 8, 11]], joints[:, [2, 5, 8, 11]], atol=1e-9)
    assert not np.allclose(left.joints[:, [7, 10]], joints[:, [7, 10]])
    with pytest.raises(ShapeError, match="contacts"):
        clean_foot_contacts(joints, contacts=np.zeros((3, 4), bool))
