"""Import third-party motion files into the canonical :class:`motionlgd.motion.Motion`.

:func:`import_bvh` reads any BVH (any channel orders; CMU, ACCAD, Daz, Mixamo-like or
SMPL joint names, see :func:`motionlgd.data.sources.map_bvh_to_smpl22`), detects its
length unit, drops a converter T-pose first frame, resamples to 20 fps, retargets to
the uniform skeleton (``DEFAULT_BONE_LENGTHS``) and encodes HumanML3D features.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import MotionLGDError, ShapeError
from ..motion.humanml3d import retarget_to_offsets
from ..motion.motion import Motion
from ..motion.skeleton import DEFAULT_BONE_LENGTHS, PARENTS
from .bvh import BVH, read_bvh
from .sources import BVH_CONVENTIONS, JointSpec, map_bvh_to_smpl22, resample

__all__ = ["UNIT_SCALES", "JointMappingError", "bvh_to_joints", "detect_unit_scale", "import_bvh"]

logger = logging.getLogger(__name__)

#: Candidate length units (metres per file unit) for :func:`detect_unit_scale`.
UNIT_SCALES: dict[str, float] = {
    "m": 1.0,
    "dm": 0.1,
    "cm": 0.01,
    "mm": 0.001,
    "inch": 0.0254,
    "cmu": 0.0254 / 0.45,
    "ft": 0.3048,
}
# Bones whose summed length measures body size: left/right leg (hip, thigh, shin) and the
# spine up to the head.
_SIZE_BONES = (1, 4, 7, 2, 5, 8, 3, 6, 9, 12, 15)
_REFERENCE_SIZE = float(np.sum(np.asarray(DEFAULT_BONE_LENGTHS)[list(_SIZE_BONES)]))


class JointMappingError(MotionLGDError, ValueError):
    """A file's joints cannot be mapped to the 22 motionlgd joints (the message lists which)."""


def _body_size(joints: np.ndarray) -> float:
    parents = np.array(PARENTS)
    idx = np.array(_SIZE_BONES)
    lengths = np.linalg.norm(joints[:, idx] - joints[:, parents[idx]], axis=-1)  # (T, K)
    return float(np.median(lengths, axis=0).sum())


def detect_unit_scale(joints: np.ndarray) -> tuple[str, float]:
    """Guess the length unit of 22-joint positions from the body size.

    The summed median length of legs and spine is compared with that of
    ``DEFAULT_BONE_LENGTHS`` (an adult of about 1.75 m) for every unit of
    :data:`UNIT_SCALES`; the unit giving the closest size (in log scale) wins.

    Args:
        joints: ``(T, 22, 3)`` positions in file units.

    Returns:
        ``(unit name, metres per file unit)``.
    """
    size = _body_size(joints)
    if not (math.isfinite(size) and size > 0):
        raise ShapeError("cannot detect units: the skeleton has zero size")
    name, scale = min(UNIT_SCALES.items(), key=lambda kv: abs(math.log(size * kv[1] / _REFERENCE_SIZE)))
    ratio = size * scale / _REFERENCE_SIZE
    if not 0.5 < ratio < 2.0:
        logger.warning(
            "body size %.3g file units does not look human in any unit; using %s (x%.2f adult)", size, name, ratio
        )
    return name, scale


def _map(bvh: BVH, name_map: Mapping[str, JointSpec] | None, where: str) -> tuple[np.ndarray, str]:
    try:
        if name_map is not None:
            return map_bvh_to_smpl22(bvh, name_map), "custom"
        for conv, cmap in BVH_CONVENTIONS.items():
            try:
                return map_bvh_to_smpl22(bvh, cmap), conv
            except MotionLGDError:
                continue
        map_bvh_to_smpl22(bvh)  # raises with the closest convention's missing joints
    except MotionLGDError as exc:
        raise JointMappingError(f"{where}: {exc}") from exc
    raise JointMappingError(f"{where}: joint names match no known convention")  # pragma: no cover


def _has_tpose_first_frame(joints: np.ndarray) -> bool:
    """Whether frame 0 is a converter's T-pose: a jump to frame 1 far above the clip's motion."""
    if joints.shape[0] < 4:
        return False
    rel = joints - joints[:, :1]
    step = np.linalg.norm(np.diff(rel, axis=0), axis=-1).max(-1)  # (T-1,) largest joint move
    typical = float(np.percentile(step[1:], 99))
    size = _body_size(joints)
    return bool(step[0] > 0.1 * size and step[0] > 4.0 * typical)


def bvh_to_joints(
    path: str | os.PathLike[str],
    name_map: Mapping[str, JointSpec] | None = None,
    scale: float | None = None,
    up: Literal["y", "z"] = "y",
    drop_tpose: bool | Literal["auto"] = "auto",
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Read a BVH as 22 joint positions in metres, Y up, at the file's frame rate.

    Args:
        path: the BVH file.
        name_map: target joint -> :data:`~motionlgd.data.sources.JointSpec`; ``None``
            detects the naming convention (ACCAD, CMU MotionBuilder, Mixamo, Daz, SMPL).
        scale: metres per file unit; ``None`` detects it (:func:`detect_unit_scale`).
        up: the file's up axis; ``"z"`` files are rotated to Y up (-90 degrees about x).
        drop_tpose: drop frame 0 (``True``), keep it (``False``), or drop it when it is a
            converter T-pose (``"auto"``: frame 0 jumps to frame 1).

    Returns:
        ``(joints (T, 22, 3) float64, fps, info)``; ``info`` has ``convention``,
        ``unit``, ``scale``, ``dropped_frames`` and ``source_frames``.

    Raises:
        BVHParseError: malformed file (message has the path and line number).
        JointMappingError: joints missing (message lists them).
    """
    p = Path(path)
    if not p.is_file():
        raise MotionLGDError(f"{p}: no such file")
    bvh = read_bvh(p)
    raw, convention = _map(bvh, name_map, str(p))
    if up == "z":
        raw = raw @ np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]).T  # (x, y, z) -> (x, z, -y)
    elif up != "y":
        raise ValueError(f"up must be 'y' or 'z', got {up!r}")
    if scale is None:
        unit, scale = detect_unit_scale(raw)
    else:
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale}")
        unit = "given"
    joints = raw * scale
    dropped = 0
    if drop_tpose is True or (drop_tpose == "auto" and _has_tpose_first_frame(joints)):
        dropped = 1
        joints = joints[1:]
    if joints.shape[0] < 1:
        raise ShapeError(f"{p}: no frames left after dropping the T-pose frame")
    if not np.all(np.isfinite(joints)):
        raise ShapeError(f"{p}: non-finite joint positions")
    fps = float(bvh.fps)
    if abs(fps - round(fps)) < 1e-4 * max(fps, 1.0):  # 'Frame Time: 0.033333' means 30 fps
        fps = float(round(fps))
    info = {
        "convention": convention,
        "unit": unit,
        "scale": float(scale),
        "dropped_frames": dropped,
        "source_frames": bvh.num_frames,
    }
    logger.info(
        "%s: %s names, unit %s (x%.4g), %d frames at %.3g fps, dropped %d",
        p,
        convention,
        unit,
        scale,
        bvh.num_frames,
        bvh.fps,
        dropped,
    )
    return joints, fps, info


def import_bvh(
    path: str | os.PathLike[str],
    name_map: Mapping[str, JointSpec] | None = None,
    fps_out: float = 20.0,
    scale: float | None = None,
    up: Literal["y", "z"] = "y",
    retarget: bool = True,
    encode: bool = True,
    drop_tpose: bool | Literal["auto"] = "auto",
    text: str = "",
) -> Motion:
    """Import a BVH file as a canonical :class:`Motion`.

    Args:
        path: the BVH file.
        name_map: explicit joint mapping (default: detect the naming convention).
        fps_out: output frame rate (features exist only at 20 fps).
        scale: metres per file unit (default: detect cm / m / inches / CMU units ...).
        up: up axis of the file.
        retarget: give the clip the uniform skeleton (``DEFAULT_BONE_LENGTHS``) with
            :func:`motionlgd.motion.retarget_to_offsets`.
        encode: compute HumanML3D features (needs ``fps_out == 20``); the motion is then
            canonicalised (on the floor, first frame at the origin facing +z) and has one
            frame fewer (features need a next frame).
        drop_tpose: see :func:`bvh_to_joints`.
        text: description stored as ``Motion.text``.

    Returns:
        The motion (``joints (T, 22, 3)`` metres, Y up; ``features (T, 263)`` when encoded);
        ``metadata`` has ``source`` (the path) and the import ``info``.

    Raises:
        BVHParseError: malformed BVH (message names the path and the line).
        JointMappingError: missing joints (message lists them).
        ShapeError: too few frames to encode.
    """
    joints, fps_in, info = bvh_to_joints(path, name_map=name_map, scale=scale, up=up, drop_tpose=drop_tpose)
    joints = resample(joints, fps_in, fps_out)
    if retarget:
        joints = retarget_to_offsets(joints, DEFAULT_BONE_LENGTHS)
    meta = {"source": str(path), "import": {**info, "source_fps": fps_in, "retargeted": bool(retarget)}}
    if encode:
        if abs(fps_out - 20.0) > 1e-6:
            raise ShapeError(f"features are defined at 20 fps; use fps_out=20 or encode=False (got fps_out={fps_out})")
        if joints.shape[0] < 2:
            raise ShapeError(f"{path}: {joints.shape[0]} frame(s) at {fps_out} fps; at least 2 are needed to encode")
        return Motion.from_joints(joints, fps=fps_out, text=text, encode=True, **meta)
    return Motion(joints=joints, fps=fps_out, text=text, metadata=meta)
