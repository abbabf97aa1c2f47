"""Motion representation: skeleton, rotations, HumanML3D encode/decode, the Motion type."""

from .humanml3d import (
    FEATURE_SLICES,
    canonicalize,
    encode,
    facing_directions,
    floor_height,
    foot_contacts,
    joint_rotations,
    recover_from_ric,
    recover_root_rot_pos,
    retarget_to_offsets,
)
from .motion import Motion
from .skeleton import (
    DEFAULT_BONE_LENGTHS,
    DEFAULT_OFFSETS,
    FEATURE_DIM,
    JOINT_NAMES,
    KINEMATIC_CHAINS,
    NUM_JOINTS,
    PARENTS,
    RAW_OFFSETS,
)

__all__ = [
    "DEFAULT_BONE_LENGTHS",
    "DEFAULT_OFFSETS",
    "FEATURE_DIM",
    "FEATURE_SLICES",
    "JOINT_NAMES",
    "KINEMATIC_CHAINS",
    "NUM_JOINTS",
    "PARENTS",
    "RAW_OFFSETS",
    "Motion",
    "canonicalize",
    "encode",
    "facing_directions",
    "floor_height",
    "foot_contacts",
    "joint_rotations",
    "recover_from_ric",
    "recover_root_rot_pos",
    "retarget_to_offsets",
]
