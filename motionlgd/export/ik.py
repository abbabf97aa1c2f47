"""Batched inverse kinematics: 22 joint positions -> local joint rotations on a T-pose skeleton.

The rest pose (all local rotations identity) is a standard T-pose in the motionlgd world
frame (Y up, metres, body facing +z, its left on +x):

* arms horizontal: the rest offsets of the shoulders, elbows and wrists point along
  +x on the left side and -x on the right side;
* legs straight down (knees, ankles along -y), feet forward (toe joints along +z);
* spine, neck and head straight up (+y).

The *torso shape* -- where the hips sit relative to the pelvis and the neck and collars
relative to spine3 -- differs a lot between mocap rigs (hip joints straight out, out
and down, or out and back), so by default it is measured from the motion itself
(``torso="measured"``: the median, over frames, of the children's offsets in the
joint's own frame, made left/right symmetric); ``torso="template"`` uses fixed SMPL-like
directions instead (:data:`TEMPLATE_DIRECTIONS`).  The measured pelvis shape is expressed in
the upright body frame (world up, facing +z, at the clip's median pelvis tilt), so the root's
rotation is the body's orientation: identity = upright and facing +z, its yaw the heading
(the direction the hip axis faces), its pitch and roll the pelvis' tilt about the median.
``rest_pose="a"`` lowers the arms 45 degrees (A-pose rest) for rigs built that way.

Rotations (``G_j`` global, ``R_j`` local, ``G_j = G_parent @ R_j``) follow the BVH/SMPL
convention: joint ``j``'s rotation moves its child bones, so a child ``c`` is at
``p_c = p_j + G_j @ offset_c``.

* Single-child joints get the *swing* (shortest-arc rotation, in the parent's frame)
  from the rest direction of their child bone to its current direction: the twist
  about the bone is zero relative to the parent, a pure function of the bone direction
  (no drift, identical on every frame for the same pose), continuous everywhere except
  at the direction opposite to the rest direction, which the T-pose places where a
  human joint cannot go (a knee/elbow folded flat, a thigh along the spine, an upper
  arm through the chest).
* Multi-child joints -- pelvis (hips + spine1) and spine3 (neck + collars) -- get the
  full rotation that best maps their rest child offsets onto the current ones
  (weighted Kabsch, weights = size of each child's sub-tree so that the spine counts
  more than one hip).  With a measured torso this is exact for rigid torsos (BVH
  sources) and a least-squares fit for generated motions.
* Leaves (toes, head, wrists) have the identity local rotation.

Everything is vectorised over frames; the only Python loop is over the 22 joints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np

from ..errors import ShapeError
from ..motion.rotations import qbetween, quat_to_matrix
from ..motion.skeleton import DEFAULT_BONE_LENGTHS, NUM_JOINTS, PARENTS

__all__ = [
    "A_POSE_DEGREES",
    "CHILDREN",
    "TEMPLATE_DIRECTIONS",
    "IKResult",
    "forward_kinematics",
    "joints_to_rotations",
    "measure_bone_lengths",
    "rest_offsets",
]

logger = logging.getLogger(__name__)

BoneLengths = np.ndarray | Literal["measured", "default"] | None

#: Children of each joint of the 22-joint skeleton.
CHILDREN: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(c for c in range(NUM_JOINTS) if PARENTS[c] == j) for j in range(NUM_JOINTS)
)
_LEFT_RIGHT: Final[tuple[tuple[int, int], ...]] = (
    (1, 2),
    (4, 5),
    (7, 8),
    (10, 11),
    (13, 14),
    (16, 17),
    (18, 19),
    (20, 21),
)
_MULTI: Final[tuple[int, ...]] = tuple(j for j in range(NUM_JOINTS) if len(CHILDREN[j]) > 1)  # (0, 9)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


#: Unit rest direction of each joint's offset from its parent in the T-pose template
#: (row ``j`` = direction of bone ``PARENTS[j] -> j``; row 0 unused).  Torso rows
#: (hips 1/2, spine1 3, neck 12, collars 13/14) are SMPL-like and are replaced by the
#: motion's own torso shape with ``torso="measured"``.
TEMPLATE_DIRECTIONS: Final[np.ndarray] = _unit(
    np.array(
        [
            [0.0, 1.0, 0.0],  # 0 pelvis (unused)
            [0.6, -0.8, 0.0],  # 1 left_hip
            [-0.6, -0.8, 0.0],  # 2 right_hip
            [0.0, 1.0, 0.0],  # 3 spine1
            [0.0, -1.0, 0.0],  # 4 left_knee
            [0.0, -1.0, 0.0],  # 5 right_knee
            [0.0, 1.0, 0.0],  # 6 spine2
            [0.0, -1.0, 0.0],  # 7 left_ankle
            [0.0, -1.0, 0.0],  # 8 right_ankle
            [0.0, 1.0, 0.0],  # 9 spine3
            [0.0, 0.0, 1.0],  # 10 left_foot (toe)
            [0.0, 0.0, 1.0],  # 11 right_foot (toe)
            [0.0, 1.0, 0.0],  # 12 neck
            [0.55, 0.83, 0.0],  # 13 left_collar
            [-0.55, 0.83, 0.0],  # 14 right_collar
            [0.0, 1.0, 0.0],  # 15 head
            [1.0, 0.0, 0.0],  # 16 left_shoulder
            [-1.0, 0.0, 0.0],  # 17 right_shoulder
            [1.0, 0.0, 0.0],  # 18 left_elbow
            [-1.0, 0.0, 0.0],  # 19 right_elbow
            [1.0, 0.0, 0.0],  # 20 left_wrist
            [-1.0, 0.0, 0.0],  # 21 right_wrist
        ]
    )
)
TEMPLATE_DIRECTIONS.setflags(write=False)

# Subtree sizes: weights of the children in the Kabsch fits.
_SUBTREE: Final[np.ndarray] = np.ones(NUM_JOINTS)
for _j in range(NUM_JOINTS - 1, 0, -1):
    _SUBTREE[PARENTS[_j]] += _SUBTREE[_j]
_SUBTREE.setflags(write=False)


def _check_joints(joints: np.ndarray) -> np.ndarray:
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise ShapeError(f"expected joints of shape (T, 22, 3), got {tuple(joints.shape)}")
    if joints.shape[0] < 1:
        raise ShapeError("joints have no frames")
    if not np.all(np.isfinite(joints)):
        raise ShapeError("joints contain NaN or inf")
    return joints


def measure_bone_lengths(joints: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """Median length of every bone over the frames of a clip.

    Args:
        joints: ``(T, 22, 3)`` positions, metres.
        symmetric: average each left/right pair.

    Returns:
        ``(22,)`` lengths in metres of bone ``PARENTS[j] -> j`` (0 for the root).
    """
    joints = _check_joints(joints)
    parents = np.array(PARENTS[1:])
    out = np.zeros(NUM_JOINTS)
    out[1:] = np.median(np.linalg.norm(joints[:, 1:] - joints[:, parents], axis=-1), axis=0)
    if symmetric:
        for a, b in _LEFT_RIGHT:
            out[a] = out[b] = 0.5 * (out[a] + out[b])
    return out


def _triad(x_from: np.ndarray, x_to: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(T, 3, 3)`` with columns x (``x_to - x_from``), y (``up`` made
    orthogonal to x), z = x cross y."""
    x = _unit(x_to - x_from)
    y = up - (up * x).sum(-1, keepdims=True) * x
    y = _unit(y)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def _upright_pitch(joints: np.ndarray, frame: np.ndarray) -> float:
    """Median angle (radians) about the hip axis from the pelvis' triad frame to the upright body
    frame (x: the hip axis, y: world up, z: forward).  Rotating the triad-frame rest shape by it
    makes the root's identity rotation an upright body facing +z."""
    y_axis = frame[..., 1]  # (T, 3) the triad's y in world coordinates
    x_axis = frame[..., 0]
    forward = np.cross(x_axis, np.array([0.0, 1.0, 0.0]))
    forward = forward / np.maximum(np.linalg.norm(forward, axis=-1, keepdims=True), 1e-9)
    up = np.cross(forward, x_axis)
    angle = np.arctan2((y_axis * forward).sum(-1), (y_axis * up).sum(-1))
    return float(np.median(angle))


def _rot_x(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _measured_torso(joints: np.ndarray) -> dict[int, np.ndarray]:
    """Symmetric rest directions of the children of the pelvis and spine3 in their frames.

    The shape is measured in a frame tied to the joint's children (exact for rigid torsos);
    the pelvis' shape is then turned about the hip axis into the upright body frame (world up,
    facing +z, at the clip's median pelvis tilt) so that the root's rotation means the body's
    orientation on every rig: identity = upright, facing the rig's forward axis.
    """
    out: dict[int, np.ndarray] = {}
    # pelvis: x from right hip to left hip, y along spine1; spine3: x from right to left collar, y along neck
    for joint, (left, right, up_child) in ((0, (1, 2, 3)), (9, (13, 14, 12))):
        frame = _triad(joints[:, right], joints[:, left], joints[:, up_child] - joints[:, joint])
        rel = np.einsum("tab,tca->tcb", frame, joints[:, [left, right, up_child]] - joints[:, None, joint])
        med = _unit(np.median(_unit(rel), axis=0))  # (3 children, 3)
        sym_left = 0.5 * (med[0] + med[1] * np.array([-1.0, 1.0, 1.0]))
        up = med[2].copy()
        up[0] = 0.0
        dirs = np.stack([_unit(sym_left), _unit(sym_left * np.array([-1.0, 1.0, 1.0])), _unit(up)])
        if joint == 0:
            dirs = dirs @ _rot_x(_upright_pitch(joints, frame)).T
        out[left], out[right], out[up_child] = dirs
    return out


#: Bones (rows of :data:`TEMPLATE_DIRECTIONS`) that an A-pose rest lowers: upper arms, forearms.
_ARM_BONES: Final[tuple[int, ...]] = (18, 19, 20, 21)
#: How far below horizontal the arms hang in the A-pose rest (degrees).
A_POSE_DEGREES: Final[float] = 45.0


def rest_offsets(
    bone_lengths: np.ndarray | None = None,
    joints: np.ndarray | None = None,
    torso: Literal["measured", "template"] = "measured",
    rest_pose: Literal["t", "a"] = "t",
) -> np.ndarray:
    """Rest offsets of the 22 joints from their parents (T-pose, or A-pose on request).

    Args:
        bone_lengths: ``(22,)`` bone lengths in metres; ``None`` = the median lengths of
            ``joints`` when given, else ``DEFAULT_BONE_LENGTHS``.
        joints: ``(T, 22, 3)`` positions (metres) to measure the torso shape (and lengths) from.
        torso: ``"measured"`` (needs ``joints``; falls back to the template without them)
            or ``"template"`` (:data:`TEMPLATE_DIRECTIONS`).
        rest_pose: ``"t"`` (arms horizontal) or ``"a"`` (upper arms and forearms
            :data:`A_POSE_DEGREES` below horizontal, as many game rigs are built).

    Returns:
        ``(22, 3)`` offsets in metres (row 0, the root, is zero), Y up, facing +z.
    """
    if torso not in ("measured", "template"):
        raise ValueError(f"torso must be 'measured' or 'template', got {torso!r}")
    if rest_pose not in ("t", "a"):
        raise ValueError(f"rest_pose must be 't' or 'a', got {rest_pose!r}")
    if bone_lengths is None:
        lengths = measure_bone_lengths(joints) if joints is not None else np.asarray(DEFAULT_BONE_LENGTHS)
    else:
        lengths = np.asarray(bone_lengths, dtype=np.float64)
        if lengths.shape != (NUM_JOINTS,) or not np.all(np.isfinite(lengths)) or np.any(lengths[1:] <= 0):
            raise ShapeError(f"bone_lengths must be 22 positive finite values, got shape {lengths.shape}")
    dirs = np.array(TEMPLATE_DIRECTIONS)
    if torso == "measured" and joints is not None:
        for j, d in _measured_torso(_check_joints(joints)).items():
            dirs[j] = d
    if rest_pose == "a":
        drop = np.radians(A_POSE_DEGREES)
        for j in _ARM_BONES:
            dirs[j] = [np.sign(dirs[j][0]) * np.cos(drop), -np.sin(drop), 0.0]
    offsets = dirs * lengths[:, None]
    offsets[0] = 0.0
    return offsets


def _kabsch(rest: np.ndarray, cur: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rotations ``(T, 3, 3)`` minimising ``sum_i w_i |R rest_i - cur_t,i|^2``.

    Args:
        rest: ``(K, 3)`` rest vectors; cur: ``(T, K, 3)`` current vectors; weights: ``(K,)``.
    """
    H = np.einsum("k,tka,kb->tab", weights, cur, rest)  # sum_k w cur rest^T
    U, _, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(U @ Vt))
    d = np.where(d == 0, 1.0, d)
    D = np.zeros_like(H)
    D[:, 0, 0] = 1.0
    D[:, 1, 1] = 1.0
    D[:, 2, 2] = d
    return U @ D @ Vt


@dataclass(frozen=True)
class IKResult:
    """Output of :func:`joints_to_rotations`.

    Attributes:
        local_rotations: ``(T, 22, 3, 3)`` rotation of each joint relative to its parent
            (row 0: the root's global rotation); identity = T-pose.
        global_rotations: ``(T, 22, 3, 3)`` world rotation of each joint.
        root_translation: ``(T, 3)`` pelvis position in metres (world, Y up).
        offsets: ``(22, 3)`` rest offsets in metres (row 0 zero).
    """

    local_rotations: np.ndarray
    global_rotations: np.ndarray
    root_translation: np.ndarray
    offsets: np.ndarray

    @property
    def num_frames(self) -> int:
        """Number of frames T."""
        return int(self.root_translation.shape[0])

    def positions(self) -> np.ndarray:
        """``(T, 22, 3)`` joint positions (metres) by forward kinematics."""
        return forward_kinematics(self.local_rotations, self.root_translation, self.offsets)


def joints_to_rotations(
    joints: np.ndarray,
    bone_lengths: BoneLengths = None,
    torso: Literal["measured", "template"] = "measured",
    offsets: np.ndarray | None = None,
    aim: Literal["positions", "directions"] = "positions",
    rest_pose: Literal["t", "a"] = "t",
) -> IKResult:
    """Inverse kinematics from joint positions to local rotations on a T-pose skeleton.

    Args:
        joints: ``(T, 22, 3)`` positions in metres (Y up, body facing +z at rest).
        bone_lengths: ``None`` / ``"measured"``: the clip's median bone lengths (best
            round trip); ``"default"``: ``DEFAULT_BONE_LENGTHS``; or a ``(22,)`` array.
        torso: torso shape of the rest pose, see :func:`rest_offsets`.
        offsets: explicit ``(22, 3)`` rest offsets (overrides ``bone_lengths``/``torso``).
        aim: ``"positions"`` (default): each joint aims its child bone(s) from where forward
            kinematics has placed the joint at the child's true position, so an error of a
            multi-child fit (non-rigid torso) or of a bone length does not propagate down the
            chain; ``"directions"``: copy each bone's direction (a pure retarget that keeps
            the pose when ``bone_lengths`` differ a lot from the motion's).
        rest_pose: ``"t"`` or ``"a"``, see :func:`rest_offsets`.

    Returns:
        :class:`IKResult`; ``forward_kinematics`` of it reproduces every single-child
        bone direction exactly and the pelvis exactly; position differences come only
        from bone lengths (when a fixed skeleton is used) and non-rigid torsos.
    """
    joints = _check_joints(joints)
    T = joints.shape[0]
    if offsets is None:
        if isinstance(bone_lengths, str):
            if bone_lengths == "measured":
                lengths = None
            elif bone_lengths == "default":
                lengths = np.asarray(DEFAULT_BONE_LENGTHS)
            else:
                raise ValueError(f"bone_lengths must be 'measured', 'default' or an array, got {bone_lengths!r}")
        else:
            lengths = bone_lengths
        offsets = rest_offsets(lengths, joints, torso, rest_pose)
    else:
        offsets = np.asarray(offsets, dtype=np.float64)
        if offsets.shape != (NUM_JOINTS, 3) or not np.all(np.isfinite(offsets)):
            raise ShapeError(f"offsets must be finite (22, 3), got {offsets.shape}")
    if aim not in ("positions", "directions"):
        raise ValueError(f"aim must be 'positions' or 'directions', got {aim!r}")
    glob = np.empty((T, NUM_JOINTS, 3, 3))
    local = np.empty((T, NUM_JOINTS, 3, 3))
    # where forward kinematics puts each joint (for aim="positions")
    fk = joints.copy() if aim == "directions" else np.empty_like(joints)
    fk[:, 0] = joints[:, 0]
    eye = np.broadcast_to(np.eye(3), (T, 3, 3))
    for j in range(NUM_JOINTS):
        p = PARENTS[j]
        parent_rot = eye if p < 0 else glob[:, p]
        kids = CHILDREN[j]
        if not kids:
            g = parent_rot
        elif len(kids) == 1:
            c = kids[0]
            bone = joints[:, c] - fk[:, j]
            bone_in_parent = np.einsum("tba,tb->ta", parent_rot, bone)  # parent_rot^T @ bone
            bad = np.linalg.norm(bone_in_parent, axis=-1) < 1e-9
            if np.any(bad):  # zero-length bone: keep the rest direction
                bone_in_parent[bad] = offsets[c]
            swing = quat_to_matrix(qbetween(np.broadcast_to(offsets[c], (T, 3)), bone_in_parent))
            g = parent_rot @ swing
        else:
            rest = offsets[list(kids)]
            cur = joints[:, list(kids)] - fk[:, None, j]
            g = _kabsch(rest, cur, _SUBTREE[list(kids)])
        glob[:, j] = g
        local[:, j] = g if p < 0 else np.swapaxes(parent_rot, -1, -2) @ g
        if aim == "positions":
            for c in kids:
                fk[:, c] = fk[:, j] + g @ offsets[c]
    return IKResult(local_rotations=local, global_rotations=glob, root_translation=joints[:, 0].copy(), offsets=offsets)


def forward_kinematics(local_rotations: np.ndarray, root_translation: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Joint positions from local rotations.

    Args:
        local_rotations: ``(T, 22, 3, 3)`` (row 0 = the root's global rotation).
        root_translation: ``(T, 3)`` pelvis position.
        offsets: ``(22, 3)`` rest offsets (row 0 ignored).

    Returns:
        ``(T, 22, 3)`` positions (units of ``offsets`` / ``root_translation``).
    """
    local_rotations = np.asarray(local_rotations, dtype=np.float64)
    T = local_rotations.shape[0]
    if local_rotations.shape[1:] != (NUM_JOINTS, 3, 3):
        raise ShapeError(f"expected local rotations (T, 22, 3, 3), got {local_rotations.shape}")
    pos = np.empty((T, NUM_JOINTS, 3))
    glob = np.empty_like(local_rotations)
    pos[:, 0] = root_translation
    glob[:, 0] = local_rotations[:, 0]
    for j in range(1, NUM_JOINTS):
        p = PARENTS[j]
        glob[:, j] = glob[:, p] @ local_rotations[:, j]
        pos[:, j] = pos[:, p] + glob[:, p] @ offsets[j]
    return pos
