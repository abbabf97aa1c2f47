"""The root's rotation means the body's orientation (upright rest, yaw = heading) and the rig
presets (names, units, A-pose) keep every joint where it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.bvh import read_bvh
from motionlgd.data.importers import import_bvh
from motionlgd.export import RIGS, export_bvh, get_rig, joints_to_rotations
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS

from .conftest import synthetic_walk


def _tilt_deg(R: np.ndarray) -> np.ndarray:
    """Angle between the rotated up axis and up, degrees, ``(T,)``."""
    return np.degrees(np.arccos(np.clip(R[:, 1, 1], -1.0, 1.0)))


def _yaw_deg(R: np.ndarray) -> np.ndarray:
    """Heading of the rotated +z axis on the ground, degrees from +z towards +x, ``(T,)``."""
    return np.degrees(np.arctan2(R[:, 0, 2], R[:, 2, 2]))


def _hip_heading_deg(joints: np.ndarray) -> np.ndarray:
    across = joints[:, 1] - joints[:, 2]  # right -> left hip
    forward = np.cross(across, [0.0, 1.0, 0.0])
    return np.degrees(np.arctan2(forward[:, 0], forward[:, 2]))


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


def _yaw_matrix(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])


def test_upright_rest_gives_identity_root(real_walk: np.ndarray) -> None:
    """A body standing in the skeleton's own rest pose, facing +z, has the identity root rotation
    -- for the template torso and for a measured one (a real clip's torso, hips below and spine1
    behind the pelvis)."""
    for torso_of in (None, real_walk):
        off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), joints=torso_of)
        local = np.tile(np.eye(3), (4, NUM_JOINTS, 1, 1))
        standing = forward_kinematics(local, np.tile([0.0, 0.95, 0.0], (4, 1)), off)
        R = joints_to_rotations(standing, offsets=off).local_rotations[:, 0]
        assert np.allclose(R, np.eye(3), atol=1e-6)
    # the measured rest torso is the upright body's: hips below the pelvis, spine1 rising
    off = rest_offsets(joints=real_walk)
    assert off[1, 1] < -0.03 and off[2, 1] < -0.03 and off[3, 1] > 0.0


@pytest.mark.parametrize("direction", [0.0, 90.0, 180.0, -90.0])
def test_root_yaw_is_heading_on_walks_in_four_directions(direction: float, real_walk: np.ndarray) -> None:
    """Synthetic and real walks turned to face +z, +x, -z, -x: the root's yaw is the body's
    heading and its tilt stays small in every frame."""
    for clip in (synthetic_walk(), real_walk):
        C = _yaw_matrix(direction)
        turned = clip @ C.T
        R = joints_to_rotations(turned).local_rotations[:, 0]
        assert _tilt_deg(R).max() < 15.0
        assert np.abs(_wrap(_yaw_deg(R) - _hip_heading_deg(turned))).max() < 3.0
    # the synthetic walk's heading is known: it starts facing (0, 0, 1) turned by `direction`
    R0 = joints_to_rotations(synthetic_walk() @ _yaw_matrix(direction).T).local_rotations[0, 0]
    assert abs(_wrap(_yaw_deg(R0[None])[0] - direction)) < 3.0


def test_bvh_root_channels_upright(real_walk: np.ndarray, tmp_path: Path) -> None:
    """The written BVH's root rotation (read back from the file) stays within 15 degrees of upright."""
    from scipy.spatial.transform import Rotation

    bvh = read_bvh(export_bvh(real_walk, tmp_path / "w.bvh"))
    R = Rotation.from_euler("ZXY", bvh.motion[:, 3:6], degrees=True).as_matrix()
    assert _tilt_deg(R).max() < 15.0


def test_mixamo_preset_names_units_and_round_trip(real_walk: np.ndarray, tmp_path: Path) -> None:
    """A Mixamo-preset BVH (mixamorig: names, cm) re-imported by motionlgd's own importer gives the
    same joints (within 1 cm) -- T-pose and A-pose rests."""
    rig = get_rig("mixamo")
    for pose in ("t", "a"):
        path = export_bvh(real_walk, tmp_path / f"mixamo_{pose}.bvh", rig="mixamo", rest_pose=pose)
        bvh = read_bvh(path)
        assert bvh.names[0] == "mixamorig:Hips" and set(bvh.names) == set(rig.joint_names)
        assert 80.0 < bvh.motion[:, 1].mean() < 110.0  # hips height in centimetres
        back = import_bvh(path, retarget=False, encode=False)
        err = np.linalg.norm(back.joints - real_walk, axis=-1)
        assert err.mean() < 0.01, (pose, err.mean())


def test_a_pose_rest_lowers_the_arms_and_keeps_positions(real_walk: np.ndarray) -> None:
    t_off = rest_offsets(joints=real_walk, rest_pose="t")
    a_off = rest_offsets(joints=real_walk, rest_pose="a")
    for j in (18, 20):  # left upper arm, forearm: 45 degrees below horizontal, still outwards
        d = a_off[j] / np.linalg.norm(a_off[j])
        assert np.isclose(d[1], -np.sqrt(0.5), atol=1e-6) and d[0] > 0.7
    assert np.allclose(np.linalg.norm(t_off, axis=-1), np.linalg.norm(a_off, axis=-1))
    ik = joints_to_rotations(real_walk, rest_pose="a")
    assert np.abs(ik.positions() - real_walk).max() < 0.005
    with pytest.raises(ValueError, match="rest_pose"):
        rest_offsets(rest_pose="x")  # type: ignore[arg-type]


def test_rig_presets() -> None:
    assert set(RIGS) == {"smpl", "mixamo"}
    assert get_rig("SMPL").units == "m" and get_rig("mixamo").units == "cm"
    with pytest.raises(ValueError, match="mixamo"):
        get_rig("unreal")
