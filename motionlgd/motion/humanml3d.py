"""HumanML3D 263-dim motion features: encode (numpy) and decode (torch, differentiable).

Layout of one frame (see ``FEATURE_SLICES``)::

    [0]        root angular velocity about y (half angle, radians per frame)
    [1:3]      root xz velocity in the root frame of the next frame (metres per frame)
    [3]        root height y (metres)
    [4:67]     joints 1..21 relative to the root (root-facing frame; y absolute)
    [67:193]   joints 1..21 local rotations, 6D (swing IK, see ``joint_rotations``)
    [193:259]  velocities of the 22 joints, root-facing frame of frame t
    [259:263]  foot contacts (left ankle, left toe, right ankle, right toe), 0/1

Positions are metres, Y up, ground plane xz, a body facing +z has its left on +x,
20 frames per second unless stated otherwise.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from ..errors import ShapeError
from .rotations import matrix_to_6d, qbetween, qfrom_y_angle, qinv, qmul, qrot, quat_to_matrix
from .skeleton import FEATURE_DIM, FOOT_JOINTS, KINEMATIC_CHAINS, NUM_JOINTS, PARENTS, RAW_OFFSETS

__all__ = [
    "CONTACT_THRESHOLD",
    "FEATURE_SLICES",
    "POSITION_DIMS",
    "canonicalize",
    "encode",
    "facing_directions",
    "floor_height",
    "foot_contacts",
    "joint_rotations",
    "joints_from_position_dims",
    "recover_from_ric",
    "recover_root_rot_pos",
    "retarget_to_offsets",
    "root_from_dims",
    "root_heading_angles",
]

FEATURE_SLICES: dict[str, slice] = {
    "root_rot_vel": slice(0, 1),
    "root_lin_vel": slice(1, 3),
    "root_y": slice(3, 4),
    "ric": slice(4, 67),
    "rot": slice(67, 193),
    "vel": slice(193, 259),
    "contact": slice(259, 263),
}

#: Squared per-frame displacement (m^2) under which a foot joint counts as in contact.
CONTACT_THRESHOLD = 0.002
_UP = np.array([0.0, 1.0, 0.0])


def _check_joints(joints: np.ndarray, min_frames: int = 2) -> np.ndarray:
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise ShapeError(f"expected joints of shape (T, 22, 3), got {tuple(joints.shape)}")
    if joints.shape[0] < min_frames:
        raise ShapeError(f"need at least {min_frames} frames, got {joints.shape[0]}")
    if not np.all(np.isfinite(joints)):
        raise ShapeError("joints contain NaN or inf")
    return joints


def facing_directions(joints: np.ndarray, smooth_sigma: float = 0.0) -> np.ndarray:
    """Unit ground-plane facing direction per frame.

    Args:
        joints: ``(T, 22, 3)`` positions, metres, Y up.
        smooth_sigma: Gaussian smoothing over time (frames) applied to the direction.

    Returns:
        ``(T, 3)`` unit vectors with zero y.
    """
    across = (joints[:, 2] - joints[:, 1]) + (joints[:, 17] - joints[:, 16])
    forward = np.cross(_UP[None], across)
    if smooth_sigma > 0:
        forward = gaussian_filter1d(forward, smooth_sigma, axis=0, mode="nearest")
    forward[:, 1] = 0.0
    norm = np.linalg.norm(forward, axis=-1, keepdims=True)
    return forward / np.maximum(norm, 1e-9)


def floor_height(joints: np.ndarray, mode: str = "min") -> float:
    """Height of the floor under a clip ``(T, 22, 3)``, metres, Y up.

    ``"min"``: the lowest joint of the whole clip (HumanML3D's convention; one glitch
    frame or a rig whose toe joint sits high can leave most frames floating).
    ``"robust"``: the 10th percentile over frames of the lowest joint, minus 2 cm.
    ``"contact"``: the median height of the lowest joint over the frames where that
    joint stands still (moves < 1.5 cm horizontally to the next frame, i.e. < 0.3 m/s
    at 20 fps), minus 2 cm: the supporting foot's joint centre then sits 2 cm above
    the floor whatever the rig's toe height, and glitch frames, jumps and swing phases
    do not move the floor. Falls back to ``"robust"`` when fewer than 5 % of the frames
    (or fewer than 3) are still.
    """
    if mode == "min":
        return float(joints[..., 1].min())
    if mode == "robust":
        return float(np.percentile(joints[..., 1].min(-1), 10) - 0.02)
    if mode == "contact":
        low = joints[..., 1].min(-1)
        which = joints[..., 1].argmin(-1)
        n = joints.shape[0] - 1
        if n >= 1:
            t = np.arange(n)
            step = joints[t + 1, which[:-1]][:, [0, 2]] - joints[t, which[:-1]][:, [0, 2]]
            still = np.linalg.norm(step, axis=-1) < 0.015
            if still.sum() >= max(3, 0.05 * n):
                return float(np.median(low[:-1][still]) - 0.02)
        return floor_height(joints, "robust")
    raise ValueError(f"unknown floor mode {mode!r}; use 'min', 'robust' or 'contact'")


def canonicalize(joints: np.ndarray, floor: str = "min") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Put a clip on the floor, its first root at the xz origin, first frame facing +z.

    Args:
        joints: ``(T, 22, 3)`` positions in metres, Y up.
        floor: how the floor height is found (see :func:`floor_height`).

    Returns:
        ``(joints, transform)``: canonical joints ``(T, 22, 3)`` and a dict with the
        applied ``translation (3,)`` (added first) and ``rotation`` quaternion ``(4,)``
        (applied after), so ``canonical = qrot(rotation, joints + translation)``.
    """
    joints = _check_joints(np.asarray(joints, dtype=np.float64), min_frames=1)
    translation = np.array([-joints[0, 0, 0], -floor_height(joints, floor), -joints[0, 0, 2]])
    moved = joints + translation
    forward0 = facing_directions(moved[:1])[0]
    rot = qfrom_y_angle(np.array(-np.arctan2(forward0[0], forward0[2])))
    out = qrot(np.broadcast_to(rot, (*moved.shape[:-1], 4)), moved)
    return out, {"translation": translation, "rotation": rot}


def _root_rotations(joints: np.ndarray, smooth_sigma: float = 0.0) -> np.ndarray:
    """Per-frame quaternions ``(T, 4)`` turning the facing direction onto +z."""
    forward = facing_directions(joints, smooth_sigma)
    # a pure rotation about +y by minus the heading angle (never a tilt, even facing -z)
    return qfrom_y_angle(-np.arctan2(forward[:, 0], forward[:, 2]))


def joint_rotations(joints: np.ndarray, smooth_sigma: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Swing-only inverse kinematics onto the rest directions ``RAW_OFFSETS``.

    The root's global rotation turns +z onto the (smoothed) facing direction; each
    bone ``parent -> j`` gets the shortest-arc rotation, in its parent's frame, that
    takes ``RAW_OFFSETS[j]`` onto the bone direction. Forward kinematics with these
    rotations reproduces every bone direction exactly (twist is left at zero).

    Args:
        joints: ``(T, 22, 3)`` positions, metres.
        smooth_sigma: smoothing (frames) of the facing direction for the root.

    Returns:
        ``(root_quat (T, 4), local_quat (T, 22, 4))``; ``local_quat[:, j]`` is the
        rotation of bone ``PARENTS[j] -> j`` relative to its parent (index 0 = root).
    """
    T = joints.shape[0]
    root_world = qinv(_root_rotations(joints, smooth_sigma))  # body -> world
    glob = np.zeros((T, NUM_JOINTS, 4))
    local = np.zeros((T, NUM_JOINTS, 4))
    glob[:, 0] = root_world
    local[:, 0] = root_world
    for chain in KINEMATIC_CHAINS:
        for j in chain[1:]:
            p = PARENTS[j]
            bone = joints[:, j] - joints[:, p]
            bone_in_parent = qrot(qinv(glob[:, p]), bone)
            rest = np.broadcast_to(RAW_OFFSETS[j], bone.shape)
            q = qbetween(rest, bone_in_parent)
            local[:, j] = q
            glob[:, j] = qmul(glob[:, p], q)
    return root_world, local


def foot_contacts(joints: np.ndarray, threshold: float = CONTACT_THRESHOLD) -> np.ndarray:
    """Binary foot contacts ``(T-1, 4)`` (left ankle, left toe, right ankle, right toe).

    A foot joint is in contact at frame t when its squared displacement to frame
    t+1 (m^2) is below ``threshold``.
    """
    feet = joints[:, list(FOOT_JOINTS)]
    disp = ((feet[1:] - feet[:-1]) ** 2).sum(-1)
    return (disp < threshold).astype(joints.dtype)


def retarget_to_offsets(joints: np.ndarray, bone_lengths: np.ndarray) -> np.ndarray:
    """Give a clip fixed bone lengths, keeping every bone direction (IK + FK).

    The root trajectory is scaled by the ratio of leg lengths so that step lengths
    match the new body.

    Args:
        joints: ``(T, 22, 3)`` positions, metres.
        bone_lengths: ``(22,)`` target length of each joint's bone (root ignored).

    Returns:
        ``(T, 22, 3)`` retargeted positions.
    """
    joints = _check_joints(np.asarray(joints, dtype=np.float64), min_frames=1)
    lengths = np.asarray(bone_lengths, dtype=np.float64)
    leg = [1, 4, 7]
    src_leg = np.linalg.norm(joints[:, leg] - joints[:, [PARENTS[j] for j in leg]], axis=-1).sum(-1).mean()
    tgt_leg = lengths[leg].sum()
    out = np.zeros_like(joints)
    out[:, 0] = joints[:, 0] * (tgt_leg / max(src_leg, 1e-6))
    for chain in KINEMATIC_CHAINS:
        for j in chain[1:]:
            p = PARENTS[j]
            d = joints[:, j] - joints[:, p]
            n = np.linalg.norm(d, axis=-1, keepdims=True)
            d = np.where(n > 1e-9, d / np.maximum(n, 1e-12), RAW_OFFSETS[j])
            out[:, j] = out[:, p] + d * lengths[j]
    return out


def _encode_np(joints: np.ndarray, canonical: bool, floor: str = "min") -> np.ndarray:
    joints = _check_joints(np.asarray(joints, dtype=np.float64))
    if canonical:
        joints, _ = canonicalize(joints, floor)
    T = joints.shape[0]
    r_rot = _root_rotations(joints)  # (T, 4), world -> root frame
    # root angular velocity (half angle), with w >= 0 so arcsin has the right sign
    rel = qmul(r_rot[1:], qinv(r_rot[:-1]))
    rel = rel * np.where(rel[:, :1] < 0, -1.0, 1.0)
    rot_vel = np.arcsin(np.clip(rel[:, 2], -1.0, 1.0))
    root = joints[:, 0]
    lin_vel = qrot(r_rot[1:], root[1:] - root[:-1])[:, [0, 2]]
    root_y = root[:-1, 1:2]
    rel_pos = joints.copy()
    rel_pos[..., 0] -= root[:, None, 0]
    rel_pos[..., 2] -= root[:, None, 2]
    ric = qrot(np.broadcast_to(r_rot[:, None], (T, NUM_JOINTS, 4)), rel_pos)[:-1, 1:].reshape(T - 1, -1)
    _, local = joint_rotations(joints)
    rot6d = matrix_to_6d(quat_to_matrix(local[:-1, 1:])).reshape(T - 1, -1)
    vel = qrot(np.broadcast_to(r_rot[:-1, None], (T - 1, NUM_JOINTS, 4)), joints[1:] - joints[:-1])
    contacts = foot_contacts(joints)
    feats = np.concatenate([rot_vel[:, None], lin_vel, root_y, ric, rot6d, vel.reshape(T - 1, -1), contacts], axis=-1)
    assert feats.shape == (T - 1, FEATURE_DIM)
    return feats


def encode(
    joints: np.ndarray | torch.Tensor, fps: float = 20.0, canonical: bool = True, floor: str = "min"
) -> np.ndarray | torch.Tensor:
    """HumanML3D features of one clip of joint positions.

    Args:
        joints: ``(T, 22, 3)`` positions in metres, Y up, sampled at ``fps``
            (numpy or torch; not differentiable).
        fps: frame rate of ``joints``. Features are defined at 20 fps; other rates
            raise (resample first with ``motionlgd.data.sources.resample``).
        canonical: first put the clip on the floor, root at the origin, facing +z
            (``canonicalize``). ``recover_from_ric`` always decodes into that frame.
        floor: floor estimate used by ``canonicalize`` ("min", "robust" or "contact").

    Returns:
        ``(T-1, 263)`` unnormalised features, same kind (numpy/torch) as the input;
        torch output is float32 on the input's device.
    """
    if abs(float(fps) - 20.0) > 1e-6:
        raise ShapeError(f"HumanML3D features are defined at 20 fps, got fps={fps}; resample the clip first")
    if isinstance(joints, torch.Tensor):
        feats = _encode_np(joints.detach().cpu().double().numpy(), canonical, floor)
        return torch.from_numpy(feats).to(device=joints.device, dtype=torch.float32)
    return _encode_np(np.asarray(joints), canonical, floor)


def _check_features(features: torch.Tensor) -> None:
    if not isinstance(features, torch.Tensor):
        raise ShapeError(f"expected a torch.Tensor of features, got {type(features).__name__}")
    if features.ndim < 2 or features.shape[-1] != FEATURE_DIM:
        raise ShapeError(f"expected features of shape (..., T, 263), got {tuple(features.shape)}")


#: Feature dimensions that joint positions depend on (root 0:4 and ric 4:67).
POSITION_DIMS = 67


def recover_root_rot_pos(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Root rotation and position from unnormalised features.

    Args:
        features: ``(..., T, 263)`` unnormalised features.

    Returns:
        ``(r_rot (..., T, 4), root (..., T, 3))``: quaternions turning world vectors
        into the root frame, and root positions in metres (first frame at the origin
        in xz, facing +z).
    """
    _check_features(features)
    return _root_rot_pos(features)


def root_heading_angles(features: torch.Tensor) -> torch.Tensor:
    """Per-frame root heading half-angles ``(..., T)`` (radians, 0 on the first frame) from
    the rotation-velocity channel 0 of features ``(..., T, D)``: the body yaw is ``-2 *``
    this (0 = facing +z)."""
    rot_vel = features[..., 0]
    return torch.cat([torch.zeros_like(rot_vel[..., :1]), rot_vel[..., :-1]], dim=-1).cumsum(-1)


def _root_rot_pos(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    rot_vel = features[..., 0]
    ang = root_heading_angles(features)
    zeros = torch.zeros_like(ang)
    r_rot = torch.stack([torch.cos(ang), zeros, torch.sin(ang), zeros], dim=-1)
    vx = torch.cat([torch.zeros_like(rot_vel[..., :1]), features[..., :-1, 1]], dim=-1)
    vz = torch.cat([torch.zeros_like(rot_vel[..., :1]), features[..., :-1, 2]], dim=-1)
    vel = torch.stack([vx, zeros, vz], dim=-1)
    vel = qrot(qinv(r_rot), vel)
    root = vel.cumsum(-2)
    root = torch.cat([root[..., :1], features[..., 3:4], root[..., 2:3]], dim=-1)
    return r_rot, root


def root_from_dims(features: torch.Tensor) -> torch.Tensor:
    """Pelvis positions ``(..., T, 3)`` (metres) from the first 4 feature dims only.

    Args:
        features: ``(..., T, D)`` unnormalised features with ``D >= 4`` (root rotation
            velocity, ground velocity, height); the rest is not read.
    """
    if features.shape[-1] < 4:
        raise ShapeError(f"need at least 4 feature dims, got {features.shape[-1]}")
    return _root_rot_pos(features)[1]


def recover_from_ric(features: torch.Tensor) -> torch.Tensor:
    """Joint positions from unnormalised HumanML3D features (differentiable).

    Args:
        features: ``(..., T, 263)`` unnormalised features (torch, any device/dtype).

    Returns:
        ``(..., T, 22, 3)`` joint positions in metres, Y up.
    """
    _check_features(features)
    return joints_from_position_dims(features)


def joints_from_position_dims(features: torch.Tensor) -> torch.Tensor:
    """``recover_from_ric`` on the first ``POSITION_DIMS`` feature dims only.

    Args:
        features: ``(..., T, D)`` unnormalised features with ``D >= 67``; only dims 0:67
            (root and root-relative joint positions) are read.

    Returns:
        ``(..., T, 22, 3)`` joint positions in metres.
    """
    if features.shape[-1] < POSITION_DIMS:
        raise ShapeError(f"need at least {POSITION_DIMS} feature dims, got {features.shape[-1]}")
    r_rot, root = _root_rot_pos(features)
    pos = features[..., 4:67].reshape(*features.shape[:-1], NUM_JOINTS - 1, 3)
    pos = qrot(qinv(r_rot)[..., None, :], pos)
    offset = torch.stack([root[..., 0], torch.zeros_like(root[..., 0]), root[..., 2]], dim=-1)
    pos = pos + offset[..., None, :]
    return torch.cat([root[..., None, :], pos], dim=-2)
