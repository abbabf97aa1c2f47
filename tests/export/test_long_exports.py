"""Long motions (2 minutes at 20 fps) go through every exporter as they are."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motionlgd.data.bvh import bvh_forward_kinematics, read_bvh
from motionlgd.export import export_bvh, export_glb, export_npz, export_smpl, load_motion_npz
from motionlgd.motion import JOINT_NAMES, Motion

from .conftest import synthetic_walk


def test_two_minute_motion_exports_to_every_format(tmp_path: Path) -> None:
    joints = synthetic_walk(T=2400)  # 120 s
    motion = Motion(joints=joints, fps=20.0, text="a person walks | a person runs")
    bvh = read_bvh(export_bvh(motion, tmp_path / "long.bvh"))
    assert bvh.num_frames == 2400 and abs(bvh.frame_time - 0.05) < 1e-9
    pos = bvh_forward_kinematics(bvh)[:, [bvh.names.index(n) for n in JOINT_NAMES]]
    assert np.linalg.norm(pos - joints, axis=-1).mean() < 0.01
    back = load_motion_npz(export_npz(motion, tmp_path / "long.npz"))
    assert back.joints.shape == (2400, 22, 3) and np.allclose(back.joints, joints, atol=1e-5)
    with np.load(export_smpl(motion, tmp_path / "long_smpl.npz"), allow_pickle=False) as z:
        assert z["poses"].shape == (2400, 72) and np.isfinite(z["poses"]).all()
    glb = export_glb(motion, tmp_path / "long.glb")
    assert glb.stat().st_size < 3_000_000  # about 1 MB per minute with the capsule body
