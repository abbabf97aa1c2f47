"""Shared fixtures of the export tests: synthetic motions and real team clips."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion.rotations import axis_angle_to_matrix
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_walk.npz"
#: One BVH clip of each of three sources: (folder, descriptions.tsv path).
REAL_SOURCES = ("accad_female1", "cmu_daz", "cmu_mb")


def data_root() -> Path | None:
    """The team data root (``MOTIONLGD_DATA`` or ``../shared/data``), or ``None``."""
    env = os.environ.get("MOTIONLGD_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    return root if root.is_dir() else None


def synthetic_walk(T: int = 120, fps: float = 20.0, noise: float = 0.004, seed: int = 0) -> np.ndarray:
    """A generated-like walk ``(T, 22, 3)`` (metres): FK of smooth sinusoidal joint angles on the
    T-pose skeleton with arms lowered, moving forward and turning, plus smooth per-joint noise
    (so bone lengths vary a little and the torso is not rigid, like decoded model output)."""
    rng = np.random.default_rng(seed)
    t = np.arange(T) / fps
    w = 2 * np.pi * 1.0  # one stride per second
    aa = np.zeros((T, NUM_JOINTS, 3))
    yaw = 0.4 * np.sin(0.5 * t)
    aa[:, 0, 1] = yaw
    aa[:, 1, 0] = -0.5 * np.sin(w * t)  # left hip flexion
    aa[:, 2, 0] = 0.5 * np.sin(w * t)
    aa[:, 4, 0] = 0.6 * np.clip(np.sin(w * t + 1.0), 0, None)  # knees bend backwards (+x)
    aa[:, 5, 0] = 0.6 * np.clip(-np.sin(w * t + 1.0), 0, None)
    aa[:, 7, 0] = -0.2 * np.sin(w * t)
    aa[:, 8, 0] = 0.2 * np.sin(w * t)
    aa[:, 3, 1] = 0.1 * np.sin(w * t)
    aa[:, 9, 0] = 0.05 * np.sin(2 * w * t)
    aa[:, 16, 2] = -1.3 + 0.05 * np.sin(w * t)  # left upper arm down (about -z)
    aa[:, 17, 2] = 1.3 - 0.05 * np.sin(w * t)
    aa[:, 16, 1] = 0.3 * np.sin(w * t)  # arm swing
    aa[:, 17, 1] = 0.3 * np.sin(w * t)
    aa[:, 18, 1] = -0.4 - 0.2 * np.sin(w * t)  # elbows bent forward
    aa[:, 19, 1] = 0.4 + 0.2 * np.sin(w * t)
    aa[:, 12, 0] = 0.1 * np.sin(w * t)
    local = axis_angle_to_matrix(aa)
    heading = np.stack([np.sin(yaw), np.zeros(T), np.cos(yaw)], -1)
    root = np.cumsum(1.2 / fps * heading, axis=0) + np.array([0.0, 0.9, 0.0])
    root[:, 1] += 0.02 * np.sin(2 * w * t)
    joints = forward_kinematics(local, root, rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template"))
    smooth = np.cumsum(rng.normal(size=(T, NUM_JOINTS, 3)), axis=0)
    smooth -= smooth.mean(0)
    smooth *= noise / max(float(np.abs(smooth).max()), 1e-9)
    return joints + smooth


def place_leg(joints: np.ndarray, leg: tuple[int, int, int, int], ankle_y: np.ndarray, ankle_z: np.ndarray) -> None:
    """Put one leg (hip, knee, ankle, toe) of ``joints (T, 22, 3)`` in place: the ankle at
    height ``ankle_y (T,)`` and depth ``ankle_z (T,)`` below the hip, by two-bone IK with
    the default bone lengths (knee forward), the toe pointing forward and down."""
    from motionlgd.export.footclean import two_bone_ik

    hip, knee, ankle, toe = leg
    T = joints.shape[0]
    target = joints[:, hip].copy()
    target[:, 1] = ankle_y
    target[:, 2] = ankle_z
    lengths = np.asarray(DEFAULT_BONE_LENGTHS)
    pole = joints[:, hip] + np.array([0.0, -0.3, 0.3])
    forward = np.tile([0.0, 0.0, 1.0], (T, 1))
    k, a = two_bone_ik(joints[:, hip], pole, target, np.full(T, lengths[knee]), np.full(T, lengths[ankle]), forward)
    joints[:, knee], joints[:, ankle] = k, a
    joints[:, toe] = a + np.array([0.0, -0.06, 0.115]) / np.hypot(0.06, 0.115) * lengths[toe]


@pytest.fixture(scope="session")
def walk() -> np.ndarray:
    """A synthetic generated-like walk, 6 s at 20 fps."""
    return synthetic_walk()


@pytest.fixture(scope="session")
def real_walk() -> np.ndarray:
    """The committed real walking fixture (ACCAD, retargeted, 60 frames at 20 fps)."""
    with np.load(FIXTURE, allow_pickle=False) as z:
        return z["joints"].astype(np.float64)


@pytest.fixture(scope="session")
def real_clips() -> dict[str, tuple[Path, np.ndarray]]:
    """Per source of :data:`REAL_SOURCES`: (BVH path, 22 joints at 20 fps, a 4 s window)."""
    root = data_root()
    if root is None:
        pytest.skip("team motion-capture data not found (set MOTIONLGD_DATA or put it in ../shared/data)")
    from motionlgd.data.sources import list_clips, load_clip_joints, resample

    out = {}
    for source in REAL_SOURCES:
        clips = [c for c in list_clips(root, [source]) if 90 <= c.usable_frames <= 900]
        clip = clips[len(clips) // 2]
        joints = resample(load_clip_joints(root, clip).astype(np.float64), clip.fps, 20.0)
        start = min(20, max(0, joints.shape[0] - 80))
        out[source] = (root / source / clip.path, joints[start : start + 80])
    return out
