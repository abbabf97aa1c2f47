"""Footstep clean-up: a shuffle becomes planted, alternating, lifted steps; bones kept."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.errors import ShapeError
from motionlgd.eval.metrics import foot_contact_switches, foot_skating_ratio, mean_jerk
from motionlgd.export import clean_feet, clean_foot_contacts, plant_footsteps
from motionlgd.export.footsteps import _foot_targets, detect_stance
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion import Motion
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS, bone_lengths

from .conftest import place_leg

UPPER = [0, 3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 1, 2]  # pelvis, spine, arms, head, hips


def _standing(T: int) -> np.ndarray:
    off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template")
    eye = np.broadcast_to(np.eye(3), (T, NUM_JOINTS, 3, 3))
    return forward_kinematics(eye, np.tile([0.0, 0.84, 0.0], (T, 1)), off)


def _shuffle(T: int = 120, fps: float = 20.0, speed: float = 0.8, period: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """A shuffle like a small diffusion model's walk: the body moves forward at ``speed``
    (m/s); each foot stays 1-2 cm off the floor and its speed swings smoothly between 30 %
    of body speed (the 'stance' half of the cycle) and 170 % (the 'swing' half).
    Returns joints ``(T, 22, 3)`` and the built stance ``(T, 2)``."""
    joints = _standing(T)
    t = np.arange(T)
    joints[:, :, 2] += speed * t[:, None] / fps
    stance = np.zeros((T, 2), dtype=bool)
    for side, (hip, knee, ankle, toe) in enumerate(((1, 4, 7, 10), (2, 5, 8, 11))):
        angle = 2 * np.pi * ((t + side * period // 2) % period + 0.5) / period
        phase = np.sin(angle) > 0
        stance[:, side] = phase
        vel = (1.0 - 0.7 * np.sin(angle)) * speed / fps
        z = np.concatenate([[0.0], np.cumsum(vel[:-1])]) + joints[0, hip, 2] - 0.1
        z += (joints[:, hip, 2] - z).mean()  # keep the foot around under the hip
        place_leg(joints, (hip, knee, ankle, toe), 0.08 + 0.01 * (~phase), z)
    return joints, stance


def test_stance_detection_follows_the_slower_foot() -> None:
    joints, built = _shuffle()
    stance = detect_stance(joints, fps=20.0)
    assert stance.shape == built.shape
    assert (stance == built).mean() > 0.9


def test_shuffle_becomes_planted_lifted_steps() -> None:
    joints, _ = _shuffle()
    before = foot_skating_ratio(joints)
    assert before > 0.5
    result = plant_footsteps(Motion(joints=joints, fps=20.0))
    out = result.joints
    assert result.metrics["skating_before"] == pytest.approx(before, abs=1e-6)
    assert result.metrics["skating_after"] == pytest.approx(foot_skating_ratio(out), abs=1e-6)
    assert result.metrics["skating_after"] < 0.1
    assert foot_contact_switches(out) >= 6  # 5 cycles of alternating support in 6 s
    np.testing.assert_allclose(bone_lengths(out), bone_lengths(joints.astype(np.float32)), atol=1e-5)
    np.testing.assert_allclose(out[:, UPPER], joints[:, UPPER], atol=1e-6)  # only the legs move
    toe_lift = out[:, [10, 11], 1].max(0) - joints[:, [10, 11], 1].max(0)
    assert np.all(toe_lift > 0.05)  # the swinging feet leave the floor
    assert out.dtype == np.float32


def test_pinned_feet_stand_still() -> None:
    joints, _ = _shuffle()
    result = plant_footsteps(joints, 20.0)
    pinned = result.contacts
    assert pinned.shape == (len(joints), 4) and 0.3 < pinned[:, [0, 2]].mean() < 0.7
    for col, joint in enumerate((7, 10, 8, 11)):
        both = pinned[1:, col] & pinned[:-1, col]
        step = np.linalg.norm(np.diff(result.joints[:, joint][:, [0, 2]], axis=0), axis=-1)
        assert both.sum() > 20
        # planted: the smoothed knee may leave the ankle millimetres off its plant
        assert step[both].mean() < 2e-3 and step[both].max() < 1e-2


def test_planted_feet_hold_exactly_without_smoothing() -> None:
    joints, _ = _shuffle()
    result = plant_footsteps(joints, 20.0, smoothing=0.0)
    for col, joint in enumerate((7, 10, 8, 11)):
        both = result.contacts[1:, col] & result.contacts[:-1, col]
        step = np.linalg.norm(np.diff(result.joints[:, joint][:, [0, 2]], axis=0), axis=-1)
        assert step[both].max() < 2e-3


@pytest.fixture(scope="module")
def model_walks() -> np.ndarray:
    """Three 6 s unguided walks of the shipped model (raw, feet sliding: skating 0.27-0.44):
    ``(3, 120, 22, 3)``."""
    import motionlgd

    res = motionlgd.generate(
        prompt="a person walks forward", duration=6.0, num_samples=3, seed=0, steps=50, method="none"
    )
    return res.joints


def test_clean_up_adds_little_jerk(model_walks: np.ndarray) -> None:
    for joints in model_walks:
        raw = mean_jerk(joints)
        result = plant_footsteps(joints, 20.0)
        assert foot_skating_ratio(joints) > 0.2  # the clean-up has work to do
        assert mean_jerk(result.joints) <= 1.2 * raw
        assert result.metrics["skating_after"] <= 0.05
        np.testing.assert_allclose(bone_lengths(result.joints), bone_lengths(joints), atol=1e-4)
        # frame by frame (a foot stopped in a frame, knees snapping near full reach): ~3x
        assert mean_jerk(plant_footsteps(joints, 20.0, smoothing=0.0).joints) > 2.0 * raw


def test_smoothing_is_validated() -> None:
    joints, _ = _shuffle()
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="smoothing"):
            plant_footsteps(joints, 20.0, smoothing=bad)


def test_standing_still_is_unchanged() -> None:
    joints = _standing(40)
    result = plant_footsteps(joints, 20.0)
    np.testing.assert_allclose(result.joints, joints, atol=1e-9)
    assert result.contacts.all()


def test_real_walk_keeps_its_feet(real_walk: np.ndarray) -> None:
    result = plant_footsteps(real_walk, 20.0)
    assert result.metrics["skating_after"] <= result.metrics["skating_before"] + 1e-9
    assert result.metrics["max_bone_change"] < 1e-9
    # a foot that already swings is not lifted again
    peak = real_walk[:, [7, 8, 10, 11], 1].max(0)
    assert np.all(result.joints[:, [7, 8, 10, 11], 1].max(0) <= peak + 0.05)


def test_long_slide_is_replanted_and_long_gaps_fade() -> None:
    T = 60
    ankle = np.zeros((T, 3))
    ankle[:, 1] = 0.08
    ankle[:, 2] = np.linspace(0.0, 0.9, T)  # a stance foot sliding 0.9 m
    toe = ankle + np.array([0.0, -0.05, 0.12])
    stance = np.ones(T, dtype=bool)
    target_a, target_t, changed, pinned = _foot_targets(ankle, toe, stance, 0.3, 40, 0.1, 3)
    pieces = np.flatnonzero(np.diff(np.concatenate([[0], pinned.astype(int)])) == 1)
    assert len(pieces) >= 3 and changed.all()  # cut into pieces of at most 0.3 m, re-planted
    for target in (target_a, target_t):
        step = np.linalg.norm(np.diff(target[:, [0, 2]], axis=0), axis=-1)
        assert step[pinned[1:] & pinned[:-1]].max() < 1e-12  # planted
        assert target[:, 1].min() >= 0.08 - 0.05 - 1e-9 and target[~pinned, 1].max() > ankle[0, 1] + 0.02  # lifted
    # a gap longer than max_swing: both pins fade back to the raw path over `blend` frames
    stance[15:45] = False
    target_a, _, changed, pinned = _foot_targets(ankle, toe, stance, 0.3, 10, 0.1, 3)
    np.testing.assert_array_equal(changed, (np.arange(T) < 18) | (np.arange(T) >= 42))
    np.testing.assert_allclose(target_a[18:42], ankle[18:42])  # the middle keeps the raw path
    np.testing.assert_allclose(target_a[~pinned, 1], ankle[~pinned, 1])  # fades do not lift
    step = np.linalg.norm(np.diff(target_a[:, [0, 2]], axis=0), axis=-1)
    assert step.max() < 0.08  # no jump back to the raw path (it moves 1.5 cm per frame)


def test_leg_without_stance_is_unchanged() -> None:
    joints = _standing(40)
    move = np.linspace(0.0, 0.6, 40)  # the left foot always moves (0.3 m/s), the right one stands
    for j, share in ((4, 0.5), (7, 1.0), (10, 1.0)):
        joints[:, j, 0] += move * share
    result = plant_footsteps(joints, 20.0)
    assert not result.contacts[:, 0].any() and result.contacts[:, 2].all()
    np.testing.assert_allclose(result.joints, joints, atol=1e-9)


@pytest.mark.parametrize(
    ("joints", "kwargs", "error"),
    [
        (np.zeros((10, 21, 3)), {}, ShapeError),
        (np.zeros((1, 22, 3)), {}, ShapeError),
        (np.full((10, 22, 3), np.nan), {}, ShapeError),
        (np.zeros((10, 22, 3)), {"swing_height": -0.1}, ValueError),
        (np.zeros((10, 22, 3)), {"max_swing": 0.0}, ValueError),
        (np.zeros((10, 22, 3)), {"fps": 0.0}, ValueError),
        (np.zeros((10, 22, 3)), {"fps": float("nan")}, ValueError),
        (np.zeros((10, 22, 3)), {"blend": 1.5}, ValueError),
        (np.zeros((10, 22, 3)), {"min_frames": 0}, ValueError),
        (np.zeros((10, 22, 3)), {"swing_height": float("nan")}, ValueError),
    ],
)
def test_bad_input_is_refused(joints: np.ndarray, kwargs: dict, error: type[Exception]) -> None:
    kwargs = {"fps": 20.0, **kwargs}
    with pytest.raises(error):
        plant_footsteps(joints, **kwargs)


def test_clean_feet_dispatches_and_refuses_unknown_methods() -> None:
    joints, _ = _shuffle()
    for method, direct in (("pin", clean_foot_contacts), ("steps", plant_footsteps)):
        np.testing.assert_array_equal(clean_feet(joints, 20.0, method).joints, direct(joints, 20.0).joints)
    with pytest.raises(ValueError, match="unknown foot clean-up 'skate'"):
        clean_feet(joints, 20.0, "skate")
