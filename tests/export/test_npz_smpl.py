"""Plain motion npz and SMPL-style npz exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from motionlgd.errors import OutputExistsError
from motionlgd.export import export_motion, export_npz, export_smpl, load_motion_npz, smpl_params
from motionlgd.export.bvh import Y_TO_Z_UP
from motionlgd.export.ik import forward_kinematics, joints_to_rotations
from motionlgd.motion import Motion
from motionlgd.motion.rotations import axis_angle_to_matrix


def test_npz_round_trip_without_pickles(real_walk: np.ndarray, tmp_path: Path) -> None:
    motion = Motion.from_joints(real_walk, text="a person walks and turns left", seed=7, extra="x")
    path = export_npz(motion, tmp_path / "m.npz", scenario={"prompt": "walk", "frames": 60}, metrics={"skate": 0.1})
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    assert data["joints"].shape == (motion.num_frames, 22, 3) and data["joints"].dtype == np.float32
    assert data["features"].shape == (motion.num_frames, 263)
    np.testing.assert_array_equal(data["root"], motion.joints[:, 0])
    assert float(data["fps"]) == 20.0 and str(data["prompt"]) == motion.text
    assert int(data["seed"]) == 7 and json.loads(str(data["metrics"])) == {"skate": 0.1}
    assert "prompt: walk" in str(data["scenario"])
    back = load_motion_npz(path)
    np.testing.assert_array_equal(back.joints, motion.joints)
    np.testing.assert_array_equal(back.features, motion.features)
    assert back.text == motion.text and back.fps == 20.0
    assert back.metadata["seed"] == 7 and back.metadata["metrics"] == {"skate": 0.1} and back.metadata["extra"] == "x"
    with pytest.raises(OutputExistsError):
        export_npz(motion, path)


def test_npz_without_features(walk: np.ndarray, tmp_path: Path) -> None:
    path = export_motion(walk, tmp_path / "w.npz")
    with np.load(path, allow_pickle=False) as z:
        assert "features" not in z.files and int(z["seed"]) == -1
    back = load_motion_npz(path)
    assert back.features is None and "seed" not in back.metadata
    np.testing.assert_allclose(back.joints, walk, atol=1e-6)


@pytest.mark.parametrize("up", ["y", "z"])
def test_smpl_params(walk: np.ndarray, tmp_path: Path, up: str) -> None:
    path = export_smpl(Motion(joints=walk, fps=20.0), tmp_path / f"smpl_{up}.npz", up=up)
    with np.load(path, allow_pickle=False) as z:
        p = {k: z[k] for k in z.files}
    T = len(walk)
    assert p["poses"].shape == (T, 72) and p["trans"].shape == (T, 3) and p["betas"].shape == (10,)
    assert str(p["gender"]) == "neutral" and float(p["mocap_framerate"]) == 20.0
    np.testing.assert_array_equal(p["poses"][:, 66:], 0.0)  # hands (joints 22, 23)
    np.testing.assert_array_equal(p["betas"], 0.0)
    # the axis-angle poses drive our skeleton back onto the motion
    ik = joints_to_rotations(walk)
    rot = axis_angle_to_matrix(p["poses"].reshape(T, 24, 3)[:, :22].astype(np.float64))
    trans = p["trans"].astype(np.float64)
    if up == "z":
        C = np.asarray(Y_TO_Z_UP)
        rot[:, 0] = C.T @ rot[:, 0]
        trans = trans @ C
        assert np.mean(p["trans"][:, 2]) > 0.5  # pelvis height on z
    pos = forward_kinematics(rot, trans, ik.offsets)
    assert np.linalg.norm(pos - walk, axis=-1).mean() < 0.01


def test_smpl_dispatch(walk: np.ndarray, tmp_path: Path) -> None:
    path = export_motion(walk, tmp_path / "s.npz", format="smpl", up="y")
    with np.load(path, allow_pickle=False) as z:
        assert z["poses"].shape == (len(walk), 72)
    assert smpl_params(walk)["poses"].dtype == np.float32
