"""SMPL-style (AMASS-like) parameter export: ``poses``, ``trans``, ``betas``, ``gender``.

Caveat (see ``docs/export.md``): the rotations are relative to motionlgd's T-pose rest
skeleton (:mod:`motionlgd.export.ik`), not to SMPL's exact rest joint locations, so a
SMPL body posed with them is close to, not exactly on, the exported joints (feet and
spine pitch differ by a few degrees; body shape is the mean shape).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import NumericalError
from ..io import save_npz
from ..motion.motion import Motion
from ..motion.rotations import matrix_to_axis_angle
from .bvh import Y_TO_Z_UP, _coerce
from .ik import BoneLengths, joints_to_rotations

__all__ = ["SMPL_JOINT_NAMES", "export_smpl", "smpl_params"]

logger = logging.getLogger(__name__)

#: The 24 SMPL body joints: the 22 motionlgd joints plus the two hands (zero rotation).
SMPL_JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip


def smpl_params(
    motion_or_joints: Motion | np.ndarray,
    fps: float | None = None,
    up: Literal["y", "z"] = "z",
    bone_lengths: BoneLengths = None,
    offsets: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """SMPL-style parameters of a motion.

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions (metres, Y up).
        fps: frame rate; ``None`` = the Motion's (20 for arrays).
        up: ``"z"`` (AMASS convention: world Z up, the root orientation includes the
            +90 degree turn about x) or ``"y"`` (motionlgd's / SMPL's native Y-up world).
        bone_lengths: skeleton of the IK (see :func:`motionlgd.export.ik.joints_to_rotations`).
        offsets: ``(22, 3)`` rest offsets of the IK skeleton (e.g. a SMPL model's own rest
            joints), passed to ``joints_to_rotations``; None: motionlgd's T-pose.

    Returns:
        ``poses (T, 72)`` float32 axis-angle (radians) of the 24 SMPL joints, joint 0 the
        global root orientation, joints 22/23 (hands) zero; ``trans (T, 3)`` float32 pelvis
        position in metres; ``betas (10,)`` zeros; ``gender`` ``"neutral"``;
        ``mocap_framerate`` float64.
    """
    joints, rate = _coerce(motion_or_joints, fps)
    if up not in ("y", "z"):
        raise ValueError(f"up must be 'y' or 'z', got {up!r}")
    ik = joints_to_rotations(joints, bone_lengths=bone_lengths, offsets=offsets)
    local = ik.local_rotations.copy()
    trans = ik.root_translation.copy()
    if up == "z":
        C = np.asarray(Y_TO_Z_UP)
        local[:, 0] = C @ local[:, 0]  # world change applied to the root only
        trans = trans @ C.T
    T = local.shape[0]
    poses = np.zeros((T, 24, 3))
    poses[:, :22] = matrix_to_axis_angle(local)
    if not (np.all(np.isfinite(poses)) and np.all(np.isfinite(trans))):
        raise NumericalError("SMPL parameters contain NaN or inf")
    return {
        "poses": poses.reshape(T, 72).astype(np.float32),
        "trans": trans.astype(np.float32),
        "betas": np.zeros(10, dtype=np.float32),
        "gender": np.str_("neutral"),
        "mocap_framerate": np.float64(rate),
        "up_axis": np.str_(up),
        "joint_names": np.array(SMPL_JOINT_NAMES),
    }


def export_smpl(
    motion_or_joints: Motion | np.ndarray,
    path: str | os.PathLike[str],
    fps: float | None = None,
    up: Literal["y", "z"] = "z",
    bone_lengths: BoneLengths = None,
    overwrite: bool = False,
) -> Path:
    """Write SMPL-style parameters (AMASS-like npz, see :func:`smpl_params`).

    Returns:
        The written path (an ``.npz`` readable with ``allow_pickle=False``).
    """
    params = smpl_params(motion_or_joints, fps=fps, up=up, bone_lengths=bone_lengths)
    out = save_npz(path, params, overwrite=overwrite)
    logger.info("wrote %s (%d frames, SMPL-style, %s-up)", out, params["poses"].shape[0], up)
    return out
