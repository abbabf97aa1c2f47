"""Tests of motionlgd.data.sources: clip listing, 22-joint mapping of every team folder, resampling."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.bvh import BVH, bvh_forward_kinematics, read_bvh
from motionlgd.data.sources import (
    ASF_NAME_MAP,
    CMU_DAZ_NAME_MAP,
    CMU_MB_NAME_MAP,
    SOURCES,
    ClipInfo,
    Lerp,
    list_clips,
    load_clip_joints,
    map_bvh_to_smpl22,
    resample,
)
from motionlgd.errors import MotionLGDError, ShapeError
from motionlgd.motion.skeleton import DEFAULT_OFFSETS, JOINT_NAMES, PARENTS, bone_lengths

J = {name: i for i, name in enumerate(JOINT_NAMES)}


def _data_root() -> Path | None:
    env = os.environ.get("MOTIONLGD_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    return root if root.is_dir() else None


@pytest.fixture(scope="module")
def data_root() -> Path:
    root = _data_root()
    if root is None:
        pytest.skip("team motion-capture data not found (set MOTIONLGD_DATA or put it in ../shared/data)")
    return root


# ----------------------------------------------------------------------------- synthetic BVHs


def _make_bvh(names: list[str], parents: list[int], offsets: np.ndarray) -> BVH:
    """One-frame BVH in its rest pose (root at its OFFSET via position channels)."""
    channels = [["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]] + [
        ["Zrotation", "Xrotation", "Yrotation"]
    ] * (len(names) - 1)
    motion = np.zeros((1, sum(len(c) for c in channels)))
    motion[0, :3] = offsets[0]
    return BVH(
        names=names,
        parents=np.asarray(parents),
        offsets=np.asarray(offsets, dtype=float),
        channels=[list(c) for c in channels],
        end_sites={},
        frame_time=1 / 30,
        motion=motion,
    )


def _mixamo_bvh(drop: str | None = None) -> BVH:
    spec = [  # name, parent, offset (cm)
        ("Hips", None, (0, 100, 0)),
        ("Spine", "Hips", (0, 10, 0)),
        ("Spine1", "Spine", (0, 10, 0)),
        ("Spine2", "Spine1", (0, 10, 0)),
        ("Neck", "Spine2", (0, 15, 0)),
        ("Head", "Neck", (0, 10, 0)),
    ]
    for side, s in (("Left", 1), ("Right", -1)):
        spec += [
            (f"{side}Shoulder", "Spine2", (5 * s, 10, 0)),
            (f"{side}Arm", f"{side}Shoulder", (10 * s, 0, 0)),
            (f"{side}ForeArm", f"{side}Arm", (25 * s, 0, 0)),
            (f"{side}Hand", f"{side}ForeArm", (25 * s, 0, 0)),
            (f"{side}UpLeg", "Hips", (10 * s, -5, 0)),
            (f"{side}Leg", f"{side}UpLeg", (0, -40, 0)),
            (f"{side}Foot", f"{side}Leg", (0, -40, 0)),
            (f"{side}ToeBase", f"{side}Foot", (0, -5, 12)),
        ]
    spec = [s for s in spec if s[0] != drop]
    names = [s[0] for s in spec]
    parents = [-1 if s[1] is None else names.index(s[1]) for s in spec]
    return _make_bvh(["mixamorig:" + n for n in names], parents, np.array([s[2] for s in spec], dtype=float))


def test_map_mixamo_autodetect() -> None:
    bvh = _mixamo_bvh()
    out = map_bvh_to_smpl22(bvh, scale=0.01)
    pos = bvh_forward_kinematics(bvh)[0] * 0.01
    idx = {n.split(":")[1]: i for i, n in enumerate(bvh.names)}
    assert out.shape == (1, 22, 3)
    np.testing.assert_allclose(out[0, J["spine3"]], pos[idx["Spine2"]])
    np.testing.assert_allclose(out[0, J["left_collar"]], pos[idx["LeftShoulder"]])
    np.testing.assert_allclose(out[0, J["right_foot"]], pos[idx["RightToeBase"]])
    assert out[0, J["left_hip"], 0] > 0 > out[0, J["right_hip"], 0]


def test_map_missing_joints_are_listed() -> None:
    with pytest.raises(MotionLGDError, match="left_wrist"):
        map_bvh_to_smpl22(_mixamo_bvh(drop="LeftHand"))
    bvh = _mixamo_bvh()
    with pytest.raises(MotionLGDError, match="not in map"):
        map_bvh_to_smpl22(bvh, name_map={"pelvis": "Hips"})


def test_map_smpl_names_and_explicit_lerp() -> None:
    smpl_style = ["Pelvis", "L_Hip", "R_Hip", "Spine1", "L_Knee", "R_Knee", "Spine2", "L_Ankle", "R_Ankle", "Spine3"]
    smpl_style += ["L_Foot", "R_Foot", "Neck", "L_Collar", "R_Collar", "Head", "L_Shoulder", "R_Shoulder"]
    smpl_style += ["L_Elbow", "R_Elbow", "L_Wrist", "R_Wrist"]
    offsets = np.array(DEFAULT_OFFSETS) + np.array([0, 0.95, 0]) * (np.arange(22) == 0)[:, None]
    bvh = _make_bvh(smpl_style, list(PARENTS), offsets)
    out = map_bvh_to_smpl22(bvh)
    np.testing.assert_allclose(out[0], bvh_forward_kinematics(bvh)[0], atol=1e-12)
    # an explicit map with a synthetic joint
    name_map = {n: smpl_style[i] for i, n in enumerate(JOINT_NAMES)}
    name_map["spine3"] = Lerp("Spine2", "Neck", 0.25)
    out2 = map_bvh_to_smpl22(bvh, name_map=name_map)
    np.testing.assert_allclose(out2[0, 9], out[0, 6] + 0.25 * (out[0, 12] - out[0, 6]), atol=1e-12)


def test_name_maps_are_complete_and_mirrored() -> None:
    for name_map in (CMU_DAZ_NAME_MAP, CMU_MB_NAME_MAP, ASF_NAME_MAP, *(s.name_map for s in SOURCES.values())):
        assert list(name_map) == list(JOINT_NAMES)
    assert CMU_DAZ_NAME_MAP["right_collar"] == "rCollar"
    assert ASF_NAME_MAP["right_collar"] == Lerp("thorax", "rclavicle", 0.4)


# ----------------------------------------------------------------------------- resample


def test_resample_linear_exact() -> None:
    t = np.arange(31, dtype=np.float32) / 30.0  # 1 s at 30 fps
    x = np.stack([t, 2 * t, -t], axis=-1)[:, None, :].repeat(22, axis=1)  # (31, 22, 3)
    y = resample(x, 30, 20)
    assert y.shape == (21, 22, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y[:, 0, 1], 2 * np.arange(21) / 20.0, atol=1e-6)
    assert resample(x, 30, 30).shape == x.shape
    assert resample(x[:1], 30, 20).shape == (1, 22, 3)
    assert resample(x, 30, 60).shape == (61, 22, 3)
    with pytest.raises(ShapeError):
        resample(x, 0, 20)
    with pytest.raises(ShapeError):
        resample(x[:0], 30, 20)


# ----------------------------------------------------------------------------- team data

EXPECTED_COUNTS = {
    "accad_male1": 69,
    "accad_female1": 81,
    "cmu_daz": 97,
    "cmu_mb": 49,
    "cmu_asfamc": 187,
    "hdm05_cut": 287,
}
LICENCES = {
    "accad_male1": "CC-BY-3.0",
    "accad_female1": "CC-BY-3.0",
    "cmu_daz": "CMU",
    "cmu_mb": "CMU",
    "cmu_asfamc": "CMU",
    "hdm05_cut": "CC-BY-SA-3.0",
}

# One short clip per folder that starts upright; pelvis-height bounds above the lowest foot joint
# (the Daz-friendly CMU skeleton is a small 1.5 m generic body: pelvis 0.75-0.8 m).
CLIPS = {
    "accad_male1": ("bvh/Male1_B3_Walk.bvh", (0.8, 1.1)),
    "accad_female1": ("bvh/Female1_B03_Walk1.bvh", (0.8, 1.1)),
    "cmu_daz": ("bvh/cmu/02/02_01.bvh", (0.7, 1.1)),
    "cmu_mb": ("bvh/06/06_05.bvh", (0.8, 1.1)),
    "cmu_asfamc": ("asfamc/16/16_26.amc", (0.8, 1.1)),
    "hdm05_cut": ("asfamc/grabHighR/HDM_bd_grabHighR_001_30.amc", (0.8, 1.1)),
}


@pytest.fixture(scope="module")
def clips(data_root: Path) -> list[ClipInfo]:
    return list_clips(data_root)


@pytest.mark.data
def test_list_clips(clips: list[ClipInfo]) -> None:
    counts: dict[str, int] = {}
    for c in clips:
        counts[c.source] = counts.get(c.source, 0) + 1
        assert c.licence == LICENCES[c.source]
        assert c.fps == 30 and c.n_frames > 0 and c.description
        assert (c.skeleton is not None) == (SOURCES[c.source].format == "asfamc")
    assert counts == EXPECTED_COUNTS
    assert len({c.name for c in clips}) == len(clips) == 770


def _clip(clips: list[ClipInfo], source: str, path: str) -> ClipInfo:
    found = [c for c in clips if c.source == source and c.path == path]
    if not found:
        pytest.skip(f"{source}/{path} not in the data")
    return found[0]


@pytest.mark.data
@pytest.mark.parametrize("source", list(CLIPS))
def test_clip_anatomy(data_root: Path, clips: list[ClipInfo], source: str) -> None:
    path, (lo, hi) = CLIPS[source]
    clip = _clip(clips, source, path)
    joints = load_clip_joints(data_root, clip)
    assert joints.dtype == np.float32
    assert joints.shape == (clip.n_frames - SOURCES[source].t_pose_frames, 22, 3)
    assert np.isfinite(joints).all()
    x = joints.astype(np.float64)

    # bones longer than 1 cm in every frame (no zero-length synthetic bones)
    assert bone_lengths(x)[:, 1:].min() > 0.01

    first = x[:10]
    floor = first[:, [J["left_ankle"], J["right_ankle"], J["left_foot"], J["right_foot"]], 1].min()
    pelvis_h = np.median(first[:, J["pelvis"], 1]) - floor
    assert lo < pelvis_h < hi, pelvis_h
    assert (x[:, J["head"], 1] > x[:, J["pelvis"], 1]).all()
    assert (first[:, J["neck"], 1] > first[:, J["spine3"], 1]).all()

    # left joints on the body's left: facing (from the feet) x (right -> left hip) points up,
    # i.e. with the body facing +z the left hip is at +x.
    fwd = (first[:, J["left_foot"]] - first[:, J["left_ankle"]]) + (
        first[:, J["right_foot"]] - first[:, J["right_ankle"]]
    )
    fwd[:, 1] = 0.0
    for left, right in (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")):
        side = first[:, J[left]] - first[:, J[right]]
        assert (np.cross(fwd, side)[:, 1] > 0).all(), left


@pytest.mark.data
@pytest.mark.parametrize("source", ["accad_male1", "cmu_daz", "cmu_mb"])
def test_bvh_autodetect_matches_source_map(data_root: Path, clips: list[ClipInfo], source: str) -> None:
    clip = _clip(clips, source, CLIPS[source][0])
    bvh = read_bvh(data_root / source / clip.path)
    spec = SOURCES[source]
    explicit = map_bvh_to_smpl22(bvh, spec.name_map)
    np.testing.assert_array_equal(map_bvh_to_smpl22(bvh), explicit)
    loaded = load_clip_joints(data_root, clip)
    np.testing.assert_allclose(loaded, explicit[spec.t_pose_frames :] * spec.metres_per_unit, atol=1e-5)


@pytest.mark.data
def test_accad_root_offset_ignored(data_root: Path, clips: list[ClipInfo]) -> None:
    clip = _clip(clips, "accad_male1", CLIPS["accad_male1"][0])
    bvh = read_bvh(data_root / "accad_male1" / clip.path)
    assert np.abs(bvh.offsets[0]).max() > 50  # the per-file start position
    joints = load_clip_joints(data_root, clip)
    np.testing.assert_allclose(joints[:, 0], bvh.motion[:, :3] * 0.01, atol=1e-5)
