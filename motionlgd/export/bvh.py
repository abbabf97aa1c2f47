"""BVH export with real joint rotations (inverse kinematics onto a T-pose skeleton).

File layout (see ``docs/export.md``):

* 22 joints named by the rig preset (:mod:`motionlgd.export.rigs`): ``smpl`` (default) uses
  :data:`motionlgd.motion.skeleton.JOINT_NAMES` (``pelvis``, ``left_hip``, ... ``right_wrist``),
  ``mixamo`` the ``mixamorig:Hips`` ... names; root = the pelvis, upright at rest (its
  rotation is the body's orientation, yaw = heading).
* Root: ``OFFSET 0 0 0`` and 6 channels ``Xposition Yposition Zposition`` + 3 rotations;
  the position channels hold the pelvis' world position, so the translation is applied
  exactly once whether a reader treats root positions as absolute (motionlgd, Blender)
  or adds them to the root OFFSET (which is zero).
* Every other joint: 3 rotation channels in ``euler_order`` (intrinsic: the local
  rotation is ``R = R_a @ R_b @ R_c`` for order ``"abc"``, degrees), ``OFFSET`` = the
  T-pose rest offset (arms horizontal along +-x, legs down, feet forward, body facing
  +z in Y-up files); leaves (toes, head, wrists) carry an ``End Site``.
* Angles are unwrapped over time: no channel jumps by 180 degrees or more between
  consecutive frames.
* ``up="z"``: the whole file is rotated by +90 degrees about x (``(x, y, z) ->
  (x, -z, y)``; a rotation, not a mirror), so up is +z and the body faces -y, the
  Blender convention.  ``units="cm"`` scales offsets and root positions by 100.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

from ..data.bvh import BVH, format_bvh
from ..errors import NumericalError, ShapeError
from ..io import atomic_write
from ..motion.motion import Motion
from ..motion.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS
from .ik import BoneLengths, IKResult, joints_to_rotations
from .rigs import Rig, get_rig

__all__ = [
    "EULER_ORDERS",
    "UNITS",
    "Y_TO_Z_UP",
    "build_bvh",
    "export_bvh",
    "matrix_to_euler",
]

logger = logging.getLogger(__name__)

#: The six Tait-Bryan orders accepted for ``euler_order``.
EULER_ORDERS: tuple[str, ...] = ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")
#: File units per metre.
UNITS: dict[str, float] = {"m": 1.0, "cm": 100.0}
#: Rotation taking motionlgd's Y-up world to a Z-up world (+90 degrees about x).
Y_TO_Z_UP: np.ndarray = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
Y_TO_Z_UP.setflags(write=False)

#: End Site length of each leaf joint, as a fraction of the leaf's own bone length.
_END_SITE_FRACTION: dict[int, float] = {10: 0.4, 11: 0.4, 15: 1.0, 20: 0.35, 21: 0.35}


def matrix_to_euler(rotations: np.ndarray, order: str = "ZXY", unwrap: bool = True) -> np.ndarray:
    """Euler angles (degrees) of rotation matrices, continuous over time.

    Args:
        rotations: ``(T, ..., 3, 3)`` rotation matrices (column vectors), time first.
        order: intrinsic order, one of :data:`EULER_ORDERS`; ``R = R_a @ R_b @ R_c``.
        unwrap: choose, per frame, between the two equivalent angle triples and the
            360-degree shifts the one closest to the previous frame (so consecutive
            frames never differ by 180 degrees or more per channel unless the rotation
            itself jumps).

    Returns:
        ``(T, ..., 3)`` angles in degrees, column ``k`` about axis ``order[k]``.
    """
    order = order.upper()
    if order not in EULER_ORDERS:
        raise ValueError(f"euler_order must be one of {', '.join(EULER_ORDERS)}, got {order!r}")
    rotations = np.asarray(rotations, dtype=np.float64)
    lead = rotations.shape[:-2]
    with warnings.catch_warnings():  # scipy warns at gimbal lock; the angles are still valid
        warnings.simplefilter("ignore", UserWarning)
        flat = Rotation.from_matrix(rotations.reshape(-1, 3, 3)).as_euler(order, degrees=True)
    angles = flat.reshape(*lead, 3)
    if not unwrap or angles.shape[0] < 2:
        return angles
    # the other solution of a Tait-Bryan triple: (a + 180, 180 - b, c + 180)
    alt = np.stack([angles[..., 0] + 180.0, 180.0 - angles[..., 1], angles[..., 2] + 180.0], axis=-1)
    out = np.empty_like(angles)
    out[0] = angles[0]
    for t in range(1, angles.shape[0]):
        prev = out[t - 1]
        best = None
        best_cost = None
        for cand in (angles[t], alt[t]):
            shifted = cand + 360.0 * np.round((prev - cand) / 360.0)
            cost = np.abs(shifted - prev).max(-1)
            if best is None:
                best, best_cost = shifted, cost
            else:
                take = cost < best_cost
                best = np.where(take[..., None], shifted, best)
                best_cost = np.minimum(cost, best_cost)
        out[t] = best
    return out


def _coerce(motion_or_joints: Motion | np.ndarray, fps: float | None) -> tuple[np.ndarray, float]:
    if isinstance(motion_or_joints, Motion):
        joints = np.asarray(motion_or_joints.joints, dtype=np.float64)
        rate = float(motion_or_joints.fps) if fps is None else float(fps)
    else:
        joints = np.asarray(motion_or_joints, dtype=np.float64)
        rate = 20.0 if fps is None else float(fps)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise ShapeError(f"expected joints of shape (T, 22, 3), got {tuple(joints.shape)}")
    if joints.shape[0] < 1:
        raise ShapeError("motion has no frames")
    if not np.all(np.isfinite(joints)):
        raise NumericalError("motion joints contain NaN or inf; nothing written")
    if not (np.isfinite(rate) and rate > 0):
        raise ShapeError(f"fps must be positive, got {rate}")
    return joints, rate


def build_bvh(
    ik: IKResult,
    fps: float = 20.0,
    up: Literal["y", "z"] = "y",
    units: Literal["m", "cm"] = "m",
    euler_order: str = "ZXY",
    names: tuple[str, ...] | list[str] = JOINT_NAMES,
) -> BVH:
    """A :class:`motionlgd.data.bvh.BVH` from an IK result (see the module docstring).

    Args:
        ik: rotations and rest offsets from :func:`motionlgd.export.ik.joints_to_rotations`.
        fps: frame rate written as ``Frame Time: 1/fps``.
        up: ``"y"`` (motionlgd's world) or ``"z"`` (rotated, body facing -y).
        units: ``"m"`` or ``"cm"``.
        euler_order: one of :data:`EULER_ORDERS` (all joints, root included).
        names: the 22 joint names written (a :class:`~motionlgd.export.rigs.Rig`'s).

    Returns:
        The BVH (joints in :data:`JOINT_NAMES` order; ``format_bvh`` writes them depth-first).
    """
    if up not in ("y", "z"):
        raise ValueError(f"up must be 'y' or 'z', got {up!r}")
    if units not in UNITS:
        raise ValueError(f"units must be one of {', '.join(UNITS)}, got {units!r}")
    order = euler_order.upper()
    if order not in EULER_ORDERS:
        raise ValueError(f"euler_order must be one of {', '.join(EULER_ORDERS)}, got {euler_order!r}")
    scale = UNITS[units]
    C = np.eye(3) if up == "y" else np.asarray(Y_TO_Z_UP)
    # change of world basis: offsets and positions p -> C p, rotations R -> C R C^T
    offsets = (ik.offsets @ C.T) * scale
    local = C @ ik.local_rotations @ C.T
    root = (ik.root_translation @ C.T) * scale
    angles = matrix_to_euler(local, order)  # (T, 22, 3)
    rot_channels = [f"{a}rotation" for a in order]
    channels = [["Xposition", "Yposition", "Zposition", *rot_channels]] + [
        list(rot_channels) for _ in range(1, NUM_JOINTS)
    ]
    motion = np.concatenate([root, angles.reshape(angles.shape[0], -1)], axis=1)
    offsets[0] = 0.0
    end_sites = {}
    for leaf, frac in _END_SITE_FRACTION.items():
        bone = offsets[leaf]
        end_sites[leaf] = bone * frac if np.linalg.norm(bone) > 0 else np.zeros(3)
    if not np.all(np.isfinite(motion)):
        raise NumericalError("BVH motion contains NaN or inf; nothing written")
    return BVH(
        names=list(names),
        parents=np.asarray(PARENTS, dtype=np.int64),
        offsets=offsets,
        channels=channels,
        end_sites=end_sites,
        frame_time=1.0 / fps,
        motion=motion,
    )


def export_bvh(
    motion_or_joints: Motion | np.ndarray,
    path: str | os.PathLike[str],
    fps: float | None = None,
    up: Literal["y", "z"] | None = None,
    units: Literal["m", "cm"] | None = None,
    euler_order: str = "ZXY",
    overwrite: bool = False,
    bone_lengths: BoneLengths = None,
    torso: Literal["measured", "template"] = "measured",
    precision: int = 6,
    rig: str | Rig = "smpl",
    rest_pose: Literal["t", "a"] | None = None,
) -> Path:
    """Write a motion as a BVH file with joint rotations on a T-pose skeleton.

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions in metres, Y up.
        path: output ``.bvh`` path (written atomically).
        fps: frame rate; ``None`` = the Motion's ``fps`` (20 for plain arrays).
        up: ``"y"`` or ``"z"`` up axis of the file (Z-up is a proper rotation); ``None`` =
            the rig's (Y for both presets).
        units: ``"m"`` (metres) or ``"cm"``; ``None`` = the rig's (m for smpl, cm for mixamo).
        euler_order: rotation channel order, one of :data:`EULER_ORDERS`.
        overwrite: replace an existing file (else ``OutputExistsError``).
        bone_lengths: ``None``/``"measured"`` (the motion's median bone lengths: best
            reproduction), ``"default"`` (``DEFAULT_BONE_LENGTHS``: the same skeleton for
            every export) or a ``(22,)`` array in metres.
        torso: ``"measured"`` or ``"template"`` torso shape (see :mod:`motionlgd.export.ik`).
        precision: decimals written.
        rig: retarget preset (:data:`motionlgd.export.rigs.RIGS`: ``"smpl"`` or ``"mixamo"``)
            naming the joints and choosing the default units and up axis.
        rest_pose: ``"t"`` or ``"a"`` (arms 45 degrees down) rest; ``None`` = the rig's (T).

    Returns:
        The written path.
    """
    joints, rate = _coerce(motion_or_joints, fps)
    preset = get_rig(rig)
    up = up or preset.up
    units = units or preset.units
    ik = joints_to_rotations(joints, bone_lengths=bone_lengths, torso=torso, rest_pose=rest_pose or preset.rest_pose)
    bvh = build_bvh(ik, fps=rate, up=up, units=units, euler_order=euler_order, names=preset.joint_names)
    text = format_bvh(bvh, precision=precision)
    out = atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"), overwrite)
    logger.info(
        "wrote %s (%s rig, %d frames at %g fps, %s-up, %s, %s)",
        out,
        preset.name,
        bvh.num_frames,
        rate,
        up,
        units,
        euler_order,
    )
    return out
