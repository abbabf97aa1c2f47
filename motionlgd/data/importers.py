"""Import third-party motion files into the canonical :class:`motionlgd.motion.Motion`.

:func:`import_bvh` reads any BVH (any channel orders; CMU, ACCAD, Daz, Mixamo-like or
SMPL joint names, see :func:`motionlgd.data.sources.map_bvh_to_smpl22`), detects its
length unit, drops a converter T-pose first frame, resamples to 20 fps, retargets to
the uniform skeleton (``DEFAULT_BONE_LENGTHS``) and encodes HumanML3D features.

The file's up axis (Y or Z) is detected (:func:`detect_up_axis`) unless given; a given
axis that makes the body implausible (pelvis metres above the feet, head under the feet,
or a body that stands along the other axis) is refused with a message naming ``--up``.
"""

from __future__ import annotations

import dataclasses
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

__all__ = [
    "UNIT_SCALES",
    "JointMappingError",
    "UpAxisError",
    "bvh_to_joints",
    "detect_unit_scale",
    "detect_up_axis",
    "import_bvh",
]

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

#: Index of each supported up axis; a Z-up file is rotated to Y up by ``(x, y, z) -> (x, z, -y)``.
_UP_INDEX: dict[str, int] = {"y": 1, "z": 2}
_Z_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
_PELVIS, _HEAD, _ANKLES, _FEET = 0, 15, (7, 8), (7, 8, 10, 11)
#: A body "stands along" an axis when head-minus-ankles points within ~45 degrees of it.
_UPRIGHT_COS = 0.7
#: Mean pelvis height above the clip's lowest foot that no real capture reaches (metres).
_MAX_PELVIS_HEIGHT = 2.5


class JointMappingError(MotionLGDError, ValueError):
    """A file's joints cannot be mapped to the 22 motionlgd joints (the message lists which)."""


class UpAxisError(MotionLGDError, ValueError):
    """The up axis given for a file makes the body implausible (the message names ``--up``)."""


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


def _body_axes(joints: np.ndarray) -> np.ndarray:
    """Unit head-minus-ankles vectors ``(..., 3)`` of 22-joint positions ``(..., 22, 3)``."""
    v = joints[..., _HEAD, :] - joints[..., list(_ANKLES), :].mean(-2)
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _standing_axis(axis: np.ndarray) -> str | None:
    """The supported up axis a unit body vector ``(3,)`` points along (head up), if any."""
    for name, k in _UP_INDEX.items():
        if axis[k] >= _UPRIGHT_COS:
            return name
    return None


def _upright_fractions(joints: np.ndarray) -> dict[str, float]:
    """Per supported axis, the share of frames whose body stands along it."""
    axes = _body_axes(joints)
    return {name: float(np.mean(axes[:, k] >= _UPRIGHT_COS)) for name, k in _UP_INDEX.items()}


def detect_up_axis(joints: np.ndarray, rest: np.ndarray | None = None) -> tuple[Literal["y", "z"], str]:
    """Guess whether a clip's up axis is Y or Z.

    The skeleton's rest pose (BVH ``OFFSET``s, all rotations zero) decides when the body
    stands in it (head-minus-ankles within ~45 degrees of +Y or +Z): mocap rest poses
    stand, whatever the clip does, so a clip lying down all along (which looks like a
    standing body of the other axis) is not fooled. Otherwise the axis the body stands
    along in most frames wins; failing that, the axis along which head-minus-ankles is
    largest on average (positive); failing that, Y.

    Args:
        joints: ``(T, 22, 3)`` positions in file axes (any unit).
        rest: ``(22, 3)`` rest-pose positions in file axes, or ``None`` if unknown.

    Returns:
        ``("y" | "z", evidence)``; ``evidence`` says what decided, for logs.
    """
    clip = _upright_fractions(joints)
    best = max(clip, key=clip.__getitem__)
    rest_axis = _standing_axis(_body_axes(rest)) if rest is not None else None
    if rest_axis is not None:
        why = "the rest pose"
        if best != rest_axis and clip[best] >= 0.5:
            why += f"; the body lies along +{best} in {clip[best]:.0%} of the frames (lying down?)"
        return rest_axis, why  # type: ignore[return-value]
    if clip[best] >= 0.5:
        return best, f"the body standing along +{best} in {clip[best]:.0%} of the frames"  # type: ignore[return-value]
    mean = _body_axes(joints).mean(0)
    name = max(_UP_INDEX, key=lambda a: mean[_UP_INDEX[a]])
    if mean[_UP_INDEX[name]] > 0:
        return name, f"head-minus-feet being largest along +{name}"  # type: ignore[return-value]
    logger.warning("the body stands along neither +y nor +z; assuming Y up (pass up= to choose)")
    return "y", "nothing (default)"


def _rest_pose(bvh: BVH, name_map: Mapping[str, JointSpec]) -> np.ndarray | None:
    """``(22, 3)`` joint positions with every channel zero (the ``OFFSET`` skeleton), if mappable."""
    zero = dataclasses.replace(bvh, motion=np.zeros((1, bvh.motion.shape[1])))
    try:
        return map_bvh_to_smpl22(zero, name_map)[0]
    except MotionLGDError:  # e.g. zero-length rest bones: the rest pose says nothing
        return None


def _to_y_up(points: np.ndarray, up: str) -> np.ndarray:
    return points @ _Z_TO_Y_UP.T if up == "z" else points


def _check_given_up(joints: np.ndarray, rest_axis: str | None, detected: str, up: str, where: str) -> None:
    """Raise :class:`UpAxisError` when metres-scaled, Y-up ``joints (T, 22, 3)`` (read with
    the given ``up``) do not look like a body on a floor.

    The pelvis far above the feet (a travelling Z-up clip read as Y-up "falls" as it walks)
    is refused always; the head under the feet (upside down), or a body upright in under
    half the frames whose rest pose stands along the other axis, only when the rest pose
    does not stand along ``up`` (so handstands and lying-down clips of a Y-up rig pass).
    A given axis the rest pose disagrees with but the clip supports is used, with a warning.
    """
    height = joints[:, _PELVIS, 1] - joints[:, list(_FEET), 1].min()
    problem = None
    if float(height.mean()) > _MAX_PELVIS_HEIGHT:
        problem = f"the pelvis is {float(height.mean()):.1f} m above the feet"
    elif rest_axis != up:
        below = float(np.mean(joints[:, _HEAD, 1] < joints[:, list(_FEET), 1].min(-1)))
        upright = _upright_fractions(joints)["y"]  # in Y-up coordinates: standing along the given axis
        if below > 0.5:
            problem = f"the head is below the feet in {below:.0%} of the frames"
        elif rest_axis is not None and upright < 0.5:
            problem = f"the body is upright in {upright:.0%} of the frames and its rest pose stands along {rest_axis}"
    if problem is None:
        if rest_axis is not None and rest_axis != up:
            logger.warning("%s: the rest pose stands along %s, but up=%s was given; using %s", where, rest_axis, up, up)
        return
    if detected != up:
        hint = f"the file looks {detected.upper()}-up: pass --up {detected} (or leave --up out to detect it)"
    else:
        hint = "check the file's up axis (or leave --up out to detect it)"
    raise UpAxisError(f"{where}: with up={up} {problem}; {hint}")


def bvh_to_joints(
    path: str | os.PathLike[str],
    name_map: Mapping[str, JointSpec] | None = None,
    scale: float | None = None,
    up: Literal["y", "z"] | None = None,
    drop_tpose: bool | Literal["auto"] = "auto",
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Read a BVH as 22 joint positions in metres, Y up, at the file's frame rate.

    Args:
        path: the BVH file.
        name_map: target joint -> :data:`~motionlgd.data.sources.JointSpec`; ``None``
            detects the naming convention (ACCAD, CMU MotionBuilder, Mixamo, Daz, SMPL).
        scale: metres per file unit; ``None`` detects it (:func:`detect_unit_scale`).
        up: the file's up axis; ``"z"`` files are rotated to Y up (-90 degrees about x).
            ``None`` detects it (:func:`detect_up_axis`, logged at INFO). A given axis that
            puts the body implausibly (see :class:`UpAxisError`) is an error.
        drop_tpose: drop frame 0 (``True``), keep it (``False``), or drop it when it is a
            converter T-pose (``"auto"``: frame 0 jumps to frame 1).

    Returns:
        ``(joints (T, 22, 3) float64, fps, info)``; ``info`` has ``convention``,
        ``unit``, ``scale``, ``up``, ``up_detected``, ``dropped_frames`` and ``source_frames``.

    Raises:
        BVHParseError: malformed file (message has the path and line number).
        JointMappingError: joints missing (message lists them).
        UpAxisError: the given ``up`` makes the body implausible (message names ``--up``).
    """
    p = Path(path)
    if not p.is_file():
        raise MotionLGDError(f"{p}: no such file")
    bvh = read_bvh(p)
    raw, convention = _map(bvh, name_map, str(p))
    if up is not None and up not in _UP_INDEX:
        raise ValueError(f"up must be 'y', 'z' or None (detect), got {up!r}")
    rest = _rest_pose(bvh, name_map if name_map is not None else BVH_CONVENTIONS[convention])
    detected, why = detect_up_axis(raw, rest)
    given = up
    if up is None:
        up = detected
        logger.info("%s: up axis %s (detected from %s)", p, up, why)
    raw = _to_y_up(raw, up)
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
    rest_axis = _standing_axis(_body_axes(rest)) if rest is not None else None
    try:
        _check_given_up(joints, rest_axis, detected, up, str(p))
    except UpAxisError as exc:
        if given is not None:
            raise
        logger.warning("%s", exc)  # detected, yet implausible: say so, the user may pass up=
    fps = float(bvh.fps)
    if abs(fps - round(fps)) < 1e-4 * max(fps, 1.0):  # 'Frame Time: 0.033333' means 30 fps
        fps = float(round(fps))
    info = {
        "convention": convention,
        "unit": unit,
        "scale": float(scale),
        "up": up,
        "up_detected": given is None,
        "dropped_frames": dropped,
        "source_frames": bvh.num_frames,
    }
    logger.info(
        "%s: %s names, unit %s (x%.4g), %s up, %d frames at %.3g fps, dropped %d",
        p,
        convention,
        unit,
        scale,
        up,
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
    up: Literal["y", "z"] | None = None,
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
        up: up axis of the file, ``"y"`` or ``"z"``; ``None`` (default) detects it from the
            skeleton's rest pose and the clip (:func:`detect_up_axis`) and logs the choice.
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
        UpAxisError: a given ``up`` puts the body implausibly (pelvis metres above the
            feet, head below the feet, standing along the other axis); names ``--up``.
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
