"""BVH export: round trips through read_bvh + FK, axes, units, Euler orders, other parsers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.bvh import bvh_forward_kinematics, read_bvh
from motionlgd.errors import NumericalError, OutputExistsError
from motionlgd.export import EULER_ORDERS, export_bvh, export_motion
from motionlgd.export.bvh import Y_TO_Z_UP, matrix_to_euler
from motionlgd.motion import JOINT_NAMES, PARENTS, Motion


def _read_joints(path: Path, up: str = "y", units: str = "m") -> np.ndarray:
    """Joints ``(T, 22, 3)`` in metres, Y up, of an exported BVH via motionlgd's reader."""
    bvh = read_bvh(path)
    pos = bvh_forward_kinematics(bvh)[:, [bvh.names.index(n) for n in JOINT_NAMES]]
    pos = pos / (100.0 if units == "cm" else 1.0)
    return pos @ np.asarray(Y_TO_Z_UP) if up == "z" else pos  # row vectors: p C -> C^T p


def _rot_columns(path: Path) -> np.ndarray:
    bvh = read_bvh(path)
    starts = bvh.channel_offsets()
    cols = [starts[j] + i for j, ch in enumerate(bvh.channels) for i, c in enumerate(ch) if c.endswith("rotation")]
    return bvh.motion[:, cols]


def test_synthetic_round_trip_and_layout(walk: np.ndarray, tmp_path: Path) -> None:
    path = export_bvh(Motion(joints=walk, fps=20.0), tmp_path / "walk.bvh")
    bvh = read_bvh(path)
    assert bvh.num_frames == len(walk) and bvh.fps == pytest.approx(20.0)
    assert sorted(bvh.names) == sorted(JOINT_NAMES) and bvh.names[0] == "pelvis"
    for j, name in enumerate(bvh.names):
        parent = bvh.parents[j]
        expected = PARENTS[JOINT_NAMES.index(name)]
        assert (parent == -1 and expected == -1) or bvh.names[parent] == JOINT_NAMES[expected]
    assert bvh.channels[0][:3] == ["Xposition", "Yposition", "Zposition"] and len(bvh.channels[0]) == 6
    assert all(len(c) == 3 and all(x.endswith("rotation") for x in c) for c in bvh.channels[1:])
    np.testing.assert_array_equal(bvh.offsets[0], 0.0)  # root translation applied once, by the channels
    leaves = {"left_foot", "right_foot", "head", "left_wrist", "right_wrist"}
    assert {bvh.names[j] for j in bvh.end_sites} == leaves
    # T-pose rest: left arm along +x, right arm along -x
    for side, sign in (("left", 1), ("right", -1)):
        for part in ("shoulder", "elbow", "wrist"):
            off = bvh.offsets[bvh.names.index(f"{side}_{part}")]
            assert sign * off[0] > 0 and off[1] == 0 and off[2] == 0
    err = np.linalg.norm(_read_joints(path) - walk, axis=-1)
    assert err.mean() < 0.01, err.mean()


def test_real_clips_round_trip(real_clips: dict, tmp_path: Path) -> None:
    for source, (_, joints) in real_clips.items():
        path = export_bvh(joints, tmp_path / f"{source}.bvh", fps=20)
        err = np.linalg.norm(_read_joints(path) - joints, axis=-1).mean()
        assert err < 0.01, (source, err)


def test_z_up_and_cm_give_the_same_motion(walk: np.ndarray, tmp_path: Path) -> None:
    ref = _read_joints(export_bvh(walk, tmp_path / "y_m.bvh"))
    for up, units in (("z", "m"), ("y", "cm"), ("z", "cm")):
        path = export_bvh(walk, tmp_path / f"{up}_{units}.bvh", up=up, units=units)
        np.testing.assert_allclose(_read_joints(path, up, units), ref, atol=2e-5)
    raw = bvh_forward_kinematics(read_bvh(tmp_path / "z_cm.bvh"))
    head, pelvis = (read_bvh(tmp_path / "z_cm.bvh").names.index(n) for n in ("head", "pelvis"))
    assert (raw[:, head, 2] > raw[:, pelvis, 2]).all()  # Z-up file: head above pelvis in z
    assert np.mean(raw[:, :, 2]) > 50  # centimetres
    # a rotation, not a mirror: the body's left is still on its left
    z = bvh_forward_kinematics(read_bvh(tmp_path / "z_m.bvh"))
    names = read_bvh(tmp_path / "z_m.bvh").names
    lh, rh, sp = (z[:, names.index(n)] - z[:, names.index("pelvis")] for n in ("left_hip", "right_hip", "spine1"))
    forward = np.cross(lh - rh, sp)  # left x up = forward in a right-handed frame
    assert np.mean(forward[:, 1]) < 0  # Z-up files face -y (Blender convention)


@pytest.mark.parametrize("order", EULER_ORDERS)
def test_all_euler_orders_round_trip(order: str, real_walk: np.ndarray, tmp_path: Path) -> None:
    path = export_bvh(real_walk, tmp_path / f"{order}.bvh", euler_order=order)
    bvh = read_bvh(path)
    assert bvh.channels[1] == [f"{a}rotation" for a in order]
    assert np.linalg.norm(_read_joints(path) - real_walk, axis=-1).mean() < 0.01
    assert np.abs(np.diff(_rot_columns(path), axis=0)).max() < 180.0


def test_euler_unwrapped_over_continuous_spin(tmp_path: Path) -> None:
    # a root spinning 3 full turns about y: angles must grow continuously, not wrap at +-180
    T = 120
    yaw = np.linspace(0, 6 * np.pi, T)
    R = np.zeros((T, 1, 3, 3))
    R[:, 0, 0, 0] = R[:, 0, 2, 2] = np.cos(yaw)
    R[:, 0, 0, 2] = np.sin(yaw)
    R[:, 0, 2, 0] = -np.sin(yaw)
    R[:, 0, 1, 1] = 1
    for order in EULER_ORDERS:
        ang = matrix_to_euler(R, order)[:, 0]
        assert np.abs(np.diff(ang, axis=0)).max() < 10, order
        assert np.ptp(ang[:, order.index("Y")]) == pytest.approx(1080, abs=1)


def test_real_clip_no_euler_jumps(real_clips: dict, tmp_path: Path) -> None:
    for source, (_, joints) in real_clips.items():
        path = export_bvh(joints, tmp_path / f"{source}.bvh", euler_order="ZXY")
        assert np.abs(np.diff(_rot_columns(path), axis=0)).max() < 180.0, source


def test_independent_parser_bvhio(walk: np.ndarray, tmp_path: Path) -> None:
    bvhio = pytest.importorskip("bvhio")
    path = export_bvh(walk, tmp_path / "walk.bvh", units="cm", up="z", euler_order="XYZ")
    container = bvhio.readAsBvh(str(path))
    assert container.FrameCount == len(walk)
    assert container.FrameTime == pytest.approx(0.05)
    names = [joint.Name for joint, _, _ in container.Root.layout()]
    assert sorted(names) == sorted(JOINT_NAMES) and names[0] == "pelvis"
    # its forward kinematics agrees with ours
    ours = bvh_forward_kinematics(read_bvh(path))
    hierarchy = bvhio.readAsHierarchy(str(path))
    for frame in (0, len(walk) // 2, len(walk) - 1):
        hierarchy.loadPose(frame)
        theirs = {joint.Name: np.array(joint.PositionWorld) for joint, _, _ in hierarchy.layout()}
        np.testing.assert_allclose(np.stack([theirs[n] for n in read_bvh(path).names]), ours[frame], atol=1e-3)


def test_overwrite_protection_and_dispatcher(walk: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "out.bvh"
    export_motion(walk, path)
    before = path.read_text()
    with pytest.raises(OutputExistsError):
        export_bvh(walk[:10], path)
    assert path.read_text() == before
    export_motion(walk[:10], path, overwrite=True, euler_order="YXZ")
    assert read_bvh(path).num_frames == 10
    with pytest.raises(ValueError):
        export_motion(walk, tmp_path / "x.fbx")
    with pytest.raises(ValueError):
        export_bvh(walk, tmp_path / "y.bvh", euler_order="XYX")
    bad = walk.copy()
    bad[3, 4, 0] = np.nan
    with pytest.raises(NumericalError):
        export_bvh(bad, tmp_path / "nan.bvh")
    assert not (tmp_path / "nan.bvh").exists() and not (tmp_path / "y.bvh").exists()
