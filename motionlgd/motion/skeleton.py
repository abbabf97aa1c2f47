"""The 22-joint HumanML3D / SMPL-body skeleton (Y up, metres, body faces +z, left = +x)."""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = [
    "DEFAULT_BONE_LENGTHS",
    "DEFAULT_OFFSETS",
    "FEATURE_DIM",
    "FOOT_JOINTS",
    "JOINT_NAMES",
    "KINEMATIC_CHAINS",
    "LEFT_FOOT",
    "MIRROR_PERMUTATION",
    "NUM_JOINTS",
    "PARENTS",
    "RAW_OFFSETS",
    "RIGHT_FOOT",
    "bone_lengths",
]

JOINT_NAMES: Final[tuple[str, ...]] = (
    "pelvis",
    "left_hip",
    "right_hip",
    "spine1",
    "left_knee",
    "right_knee",
    "spine2",
    "left_ankle",
    "right_ankle",
    "spine3",
    "left_foot",
    "right_foot",
    "neck",
    "left_collar",
    "right_collar",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
NUM_JOINTS: Final[int] = 22
FEATURE_DIM: Final[int] = 263

#: Parent of each joint (-1 for the root).
PARENTS: Final[tuple[int, ...]] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)

#: Kinematic chains, each starting at the root or at spine3 (joint 9).
KINEMATIC_CHAINS: Final[tuple[tuple[int, ...], ...]] = (
    (0, 2, 5, 8, 11),
    (0, 1, 4, 7, 10),
    (0, 3, 6, 9, 12, 15),
    (9, 14, 17, 19, 21),
    (9, 13, 16, 18, 20),
)

#: Unit rest-pose direction of each joint's offset from its parent (HumanML3D "raw offsets").
RAW_OFFSETS: Final[np.ndarray] = np.array(
    [
        [0, 0, 0],
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, -1, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, -1, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
        [-1, 0, 0],
        [0, 0, 1],
        [0, -1, 0],
        [0, -1, 0],
        [0, -1, 0],
        [0, -1, 0],
        [0, -1, 0],
        [0, -1, 0],
    ],
    dtype=np.float64,
)
RAW_OFFSETS.setflags(write=False)

#: Foot joints (ankle, toe) per side.
LEFT_FOOT: Final[tuple[int, int]] = (7, 10)
RIGHT_FOOT: Final[tuple[int, int]] = (8, 11)
#: Foot joints in the order of the 4 contact features: left ankle, left toe, right ankle, right toe.
FOOT_JOINTS: Final[tuple[int, int, int, int]] = (7, 10, 8, 11)

#: Joint permutation that swaps left and right (used for mirroring).
MIRROR_PERMUTATION: Final[tuple[int, ...]] = (
    0,
    2,
    1,
    3,
    5,
    4,
    6,
    8,
    7,
    9,
    11,
    10,
    12,
    14,
    13,
    15,
    17,
    16,
    19,
    18,
    21,
    20,
)

#: Bone lengths (metres) of the uniform target skeleton that every training clip is
#: retargeted to; joint i's offset is ``RAW_OFFSETS[i] * DEFAULT_BONE_LENGTHS[i]``.
#: Values are the (symmetrised, rounded) medians over the team's mocap clips: an adult of
#: about 1.75 m, pelvis about 0.92 m above the floor.
DEFAULT_BONE_LENGTHS: Final[np.ndarray] = np.array(
    [
        0.0,  # pelvis
        0.12,  # left hip
        0.12,  # right hip
        0.12,  # spine1
        0.41,  # left knee (thigh)
        0.41,  # right knee (thigh)
        0.12,  # spine2
        0.43,  # left ankle (shin)
        0.43,  # right ankle (shin)
        0.12,  # spine3
        0.13,  # left foot
        0.13,  # right foot
        0.15,  # neck
        0.09,  # left collar
        0.09,  # right collar
        0.1,  # head
        0.115,  # left shoulder
        0.115,  # right shoulder
        0.29,  # left elbow (upper arm)
        0.29,  # right elbow (upper arm)
        0.24,  # left wrist (forearm)
        0.24,  # right wrist (forearm)
    ],
    dtype=np.float64,
)
DEFAULT_BONE_LENGTHS.setflags(write=False)

DEFAULT_OFFSETS: Final[np.ndarray] = RAW_OFFSETS * DEFAULT_BONE_LENGTHS[:, None]
DEFAULT_OFFSETS.setflags(write=False)


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """Bone lengths of joint positions.

    Args:
        joints: ``(..., 22, 3)`` joint positions in metres.

    Returns:
        ``(..., 22)`` distance of each joint to its parent (0 for the root).
    """
    joints = np.asarray(joints)
    parents = np.array(PARENTS[1:])
    out = np.zeros(joints.shape[:-1], dtype=joints.dtype)
    out[..., 1:] = np.linalg.norm(joints[..., 1:, :] - joints[..., parents, :], axis=-1)
    return out
