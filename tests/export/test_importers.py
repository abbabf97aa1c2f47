"""motionlgd.data.importers.import_bvh: any BVH to the canonical Motion, with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.bvh import read_bvh
from motionlgd.data.importers import JointMappingError, detect_unit_scale, import_bvh
from motionlgd.errors import BVHParseError, MotionLGDError, ShapeError
from motionlgd.export import export_bvh
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, bone_lengths


def test_import_real_sources(real_clips: dict) -> None:
    expected = {"accad_female1": ("accad", "cm", 0), "cmu_daz": ("daz", "cm", 1), "cmu_mb": ("cmu_mb", "cmu", 1)}
    for source, (path, _) in real_clips.items():
        motion = import_bvh(path)
        info = motion.metadata["import"]
        assert (info["convention"], info["unit"], info["dropped_frames"]) == expected[source], source
        assert motion.fps == 20.0 and motion.features is not None
        assert motion.features.shape == (motion.num_frames, 263)
        # retargeted to the uniform skeleton, on the floor
        np.testing.assert_allclose(
            bone_lengths(motion.joints)[:, 1:],
            np.broadcast_to(DEFAULT_BONE_LENGTHS[1:], (motion.num_frames, 21)),
            atol=2e-3,
        )
        assert motion.joints[..., 1].min() == pytest.approx(0.0, abs=1e-4)


def test_export_import_round_trip(walk: np.ndarray, tmp_path: Path) -> None:
    for units, up in (("m", "y"), ("cm", "y"), ("cm", "z")):
        path = export_bvh(walk, tmp_path / f"w_{units}_{up}.bvh", units=units, up=up)
        motion = import_bvh(path, up=up, retarget=False, encode=False)
        assert motion.metadata["import"]["convention"] == "smpl"
        assert motion.metadata["import"]["unit"] == units
        assert motion.num_frames == len(walk)
        assert np.linalg.norm(motion.joints - walk, axis=-1).mean() < 0.01


def test_fps_and_scale_options(walk: np.ndarray, tmp_path: Path) -> None:
    path = export_bvh(walk, tmp_path / "w30.bvh", fps=30.0, units="cm")
    m = import_bvh(path)  # 30 -> 20 fps, encoded (one frame fewer)
    assert m.num_frames == (len(walk) - 1) * 2 // 3 + 1 - 1
    m2 = import_bvh(path, scale=0.01, fps_out=30.0, encode=False, retarget=False)
    assert m2.num_frames == len(walk) and m2.metadata["import"]["unit"] == "given"
    with pytest.raises(ShapeError):
        import_bvh(path, fps_out=30.0)  # features need 20 fps
    assert detect_unit_scale(walk * 39.37)[0] == "inch"


BAD_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 10 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.033333
"""


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("0 0 0 0 0 0 0 0 0\n", 19, "truncated"),  # one of two frames
        ("0 0 0 0 0 0 0 0 0\n0 0 0 0 0 0 0 0\n", 20, "values"),  # wrong channel count
        ("0 0 0 0 0 0 0 0 0\n0 0 0 abc 0 0 0 0 0\n", 20, "not a number"),
    ],
)
def test_malformed_bvh_errors_name_the_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    path = tmp_path / "bad.bvh"
    path.write_text(BAD_BVH + body)
    with pytest.raises(BVHParseError) as exc:
        import_bvh(path)
    assert f"line {line}" in str(exc.value) and words in str(exc.value) and str(path) in str(exc.value)


def test_zero_frames_and_missing_joints(tmp_path: Path) -> None:
    path = tmp_path / "zero.bvh"
    path.write_text(BAD_BVH.replace("Frames: 2", "Frames: 0"))
    with pytest.raises(BVHParseError, match="line 17: frame count must be positive"):
        import_bvh(path)
    ok = tmp_path / "two_joints.bvh"
    ok.write_text(BAD_BVH + "0 0 0 0 0 0 0 0 0\n0 0 0 0 0 0 0 0 0\n")
    read_bvh(ok)  # well-formed, but not a human skeleton
    with pytest.raises(JointMappingError) as exc:
        import_bvh(ok)
    assert "missing" in str(exc.value) and "left_hip" in str(exc.value) and str(ok) in str(exc.value)
    assert isinstance(exc.value, MotionLGDError)
    with pytest.raises(MotionLGDError, match="no such file"):
        import_bvh(tmp_path / "absent.bvh")


def _rotate_x(joints: np.ndarray, degrees: float) -> np.ndarray:
    a = np.deg2rad(degrees)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    return joints @ rot.T


def test_z_up_export_round_trips_with_the_up_axis_detected(
    walk: np.ndarray, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from motionlgd.export import export_motion

    for up, units in (("z", "cm"), ("y", "m")):
        path = export_motion(walk, tmp_path / f"walk_{up}.bvh", up=up, units=units)
        with caplog.at_level("INFO", logger="motionlgd.data.importers"):
            motion = import_bvh(path, up=None, retarget=False, encode=False)
        info = motion.metadata["import"]
        assert (info["up"], info["up_detected"], info["unit"]) == (up, True, units)
        assert np.linalg.norm(motion.joints - walk, axis=-1).max() < 0.01  # within 1 cm
        assert f"up axis {up} (detected" in caplog.text
        encoded = import_bvh(path)  # the default detects too
        assert encoded.metadata["import"]["up"] == up
        assert 0.8 < float(encoded.joints[:, 0, 1].mean()) < 1.1  # pelvis at hip height


def test_explicit_wrong_up_is_refused_naming_the_flag(walk: np.ndarray, tmp_path: Path) -> None:
    from motionlgd.data.importers import UpAxisError

    z_walk = export_bvh(walk, tmp_path / "walk.bvh", up="z", units="cm")
    with pytest.raises(UpAxisError, match=r"with up=y the pelvis is \d\.\d m above the feet") as exc:
        import_bvh(z_walk, up="y")
    assert "pass --up z (or leave --up out" in str(exc.value) and str(z_walk) in str(exc.value)
    assert isinstance(exc.value, MotionLGDError)
    # in place (no travel that lifts the pelvis): the rest pose and the clip both stand along z
    z_short = export_bvh(walk[:15], tmp_path / "short.bvh", up="z", units="cm")
    with pytest.raises(UpAxisError, match=r"upright in 0% of the frames.*--up z"):
        import_bvh(z_short, up="y", encode=False)
    y_walk = export_bvh(walk, tmp_path / "walk_y.bvh", up="y", units="m")
    with pytest.raises(UpAxisError, match=r"with up=z .*pass --up y"):
        import_bvh(y_walk, up="z")
    assert import_bvh(z_walk, up="z").metadata["import"]["up_detected"] is False


def test_lying_down_and_upside_down_clips_keep_the_rest_pose_axis(walk: np.ndarray, tmp_path: Path) -> None:
    # lying on the back along +z for the whole clip: head-minus-feet points along +z in every frame,
    # like a standing body of a Z-up file; the Y-up rest pose decides
    lying = _rotate_x(walk - walk[:, :1], 90.0)
    lying[..., 1] += 0.15 - lying[..., 1].min()
    path = export_bvh(lying, tmp_path / "lying.bvh", up="y", units="cm")
    motion = import_bvh(path, retarget=False, encode=False)
    assert motion.metadata["import"]["up"] == "y"
    assert np.linalg.norm(motion.joints - lying, axis=-1).max() < 0.01
    assert import_bvh(path, up="y", encode=False).metadata["import"]["up"] == "y"
    # a handstand (head below the feet all along) given up=y explicitly is accepted: the rest pose stands along y
    hand = _rotate_x(walk - walk[:, :1], 180.0)
    hand[..., 1] += 0.05 - hand[..., 1].min()
    path = export_bvh(hand, tmp_path / "hand.bvh", up="y", units="m")
    assert import_bvh(path, up="y", encode=False).metadata["import"]["up"] == "y"


def test_detect_up_axis_without_a_rest_pose(walk: np.ndarray) -> None:
    from motionlgd.data.importers import detect_up_axis

    z_up = walk @ np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]).T
    assert detect_up_axis(walk)[0] == "y" and detect_up_axis(z_up)[0] == "z"
    assert detect_up_axis(z_up, rest=walk[0])[0] == "y"  # the rest pose wins
