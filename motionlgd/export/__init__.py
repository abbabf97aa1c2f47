"""Export motions (BVH with joint rotations, animated glTF with a skinned body, plain npz,
SMPL-style npz) and clean foot contacts.

See ``docs/export.md`` for the file formats, axes, units and the rest pose.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..motion.motion import Motion
from ..types import FOOT_CLEANUPS
from .bvh import EULER_ORDERS, export_bvh, matrix_to_euler
from .footclean import FootCleanResult, clean_foot_contacts, detect_foot_contacts
from .footsteps import detect_stance, plant_footsteps
from .gltf import GLTF_BODIES, export_glb
from .ik import IKResult, forward_kinematics, joints_to_rotations, rest_offsets
from .npz import export_npz, load_motion_npz
from .rigs import RIGS, Rig, get_rig
from .smpl import export_smpl, smpl_params

__all__ = [
    "EULER_ORDERS",
    "EXPORT_FORMATS",
    "FOOT_CLEANUPS",
    "GLTF_BODIES",
    "RIGS",
    "FootCleanResult",
    "IKResult",
    "Rig",
    "clean_feet",
    "clean_feet_batch",
    "clean_foot_contacts",
    "detect_foot_contacts",
    "detect_stance",
    "export_bvh",
    "export_glb",
    "export_motion",
    "export_npz",
    "export_smpl",
    "forward_kinematics",
    "get_rig",
    "joints_to_rotations",
    "load_motion_npz",
    "matrix_to_euler",
    "plant_footsteps",
    "rest_offsets",
    "smpl_params",
]


def clean_feet(motion_or_joints: Motion | np.ndarray, fps: float | None = None, method: str = "pin") -> FootCleanResult:
    """Run the foot clean-up ``method`` (one of :data:`FOOT_CLEANUPS`) on one motion:
    "pin" = :func:`clean_foot_contacts`, "steps" = :func:`plant_footsteps` (for walking and
    running).

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions (metres, Y up).
        fps: frame rate; ``None`` = the Motion's (20 for arrays).
        method: "pin" or "steps".
    """
    if method == "pin":
        return clean_foot_contacts(motion_or_joints, fps)
    if method == "steps":
        return plant_footsteps(motion_or_joints, fps)
    raise ValueError(f"unknown foot clean-up {method!r}; choose one of {list(FOOT_CLEANUPS)}")


def clean_feet_batch(joints: np.ndarray, fps: float, method: str) -> list[dict[str, float]]:
    """Clean the feet of every motion of ``joints (N, T, 22, 3)`` in place (metres, Y up) with
    :func:`clean_feet`; returns per motion what it was before: ``foot_skating_before_cleanup``
    and ``jerk_before_cleanup`` (m/s^3, :func:`motionlgd.eval.metrics.mean_jerk`)."""
    from ..eval.metrics import mean_jerk

    before = []
    for i in range(len(joints)):
        jerk = mean_jerk(joints[i], fps)
        fixed = clean_feet(joints[i], fps, method)
        joints[i] = fixed.joints.astype(joints.dtype)
        before.append({"foot_skating_before_cleanup": fixed.metrics["skating_before"], "jerk_before_cleanup": jerk})
    return before


#: Formats of :func:`export_motion`.
EXPORT_FORMATS: tuple[str, ...] = ("bvh", "glb", "npz", "smpl")


def export_motion(
    motion: Motion | np.ndarray,
    path: str | os.PathLike[str],
    format: str | None = None,
    **options: Any,
) -> Path:
    """Write a motion in one of :data:`EXPORT_FORMATS`.

    Args:
        motion: a :class:`Motion` (``(T, 22, 3)`` joints are accepted for bvh/glb/smpl).
        path: output file.
        format: ``"bvh"``, ``"glb"``, ``"npz"`` or ``"smpl"``; ``None`` infers it from the suffix
            (``.bvh``, ``.glb``, ``.npz`` = the plain motion npz; ask for ``"smpl"`` explicitly).
        **options: passed to :func:`export_bvh`, :func:`export_glb`, :func:`export_npz` or
            :func:`export_smpl` (e.g. ``overwrite=True``, ``up="z"``, ``units="cm"``,
            ``euler_order="XYZ"``, ``rig="mixamo"``, ``body="none"``).

    Returns:
        The written path.
    """
    if format is None:
        suffix = Path(path).suffix.lower()
        inferred = {".bvh": "bvh", ".glb": "glb", ".npz": "npz"}.get(suffix)
        if inferred is None:
            raise ValueError(f"cannot infer the export format from {str(path)!r}; pass format= one of {EXPORT_FORMATS}")
        format = inferred
    fmt = format.lower()
    if fmt == "bvh":
        return export_bvh(motion, path, **options)
    if fmt == "glb":
        return export_glb(motion, path, **options)
    if fmt == "npz":
        if not isinstance(motion, Motion):
            motion = Motion(joints=np.asarray(motion), fps=float(options.pop("fps", 20.0)))
        return export_npz(motion, path, **options)
    if fmt == "smpl":
        return export_smpl(motion, path, **options)
    raise ValueError(f"unknown export format {format!r}; expected one of {', '.join(EXPORT_FORMATS)}")
