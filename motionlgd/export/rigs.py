"""Retarget presets: joint names, units, up axis and rest pose of the rigs exports are written for.

A :class:`Rig` only renames and re-expresses motionlgd's 22-joint skeleton (same hierarchy,
same bone lengths, same rotations): the joint ``j`` of :data:`motionlgd.motion.skeleton.JOINT_NAMES`
is written as ``rig.joint_names[j]``.  Every preset's rest pose faces the rig's forward axis
(+z in Y-up files) with an upright root (identity root rotation = standing upright), so the
root's rotation is the character's orientation, as retargeting tools expect.

* ``smpl``: SMPL body joint names (``pelvis``, ``left_hip``, ...), metres, Y up, T-pose.
* ``mixamo``: Mixamo's ``mixamorig:Hips`` ... ``mixamorig:RightHand`` names, centimetres,
  Y up, T-pose (``rest_pose="a"`` for an A-pose rest); the toe joints are ``*ToeBase``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ..motion.skeleton import JOINT_NAMES, NUM_JOINTS

__all__ = ["REST_POSES", "RIGS", "Rig", "get_rig"]

#: Rest poses of the IK skeleton: "t" (arms horizontal) or "a" (upper arms and forearms
#: 45 degrees below horizontal).
REST_POSES: Final[tuple[str, ...]] = ("t", "a")


@dataclass(frozen=True)
class Rig:
    """Naming and unit convention of an export target.

    Attributes:
        name: preset name (``--rig``).
        joint_names: 22 names, in motionlgd's joint order.
        units: default length unit of the file (``"m"`` or ``"cm"``).
        up: default up axis (``"y"`` or ``"z"``).
        rest_pose: default rest pose (``"t"`` or ``"a"``).
        description: one line for ``--help`` and the docs.
    """

    name: str
    joint_names: tuple[str, ...]
    units: Literal["m", "cm"]
    up: Literal["y", "z"]
    rest_pose: Literal["t", "a"]
    description: str

    def __post_init__(self) -> None:
        if len(self.joint_names) != NUM_JOINTS or len(set(self.joint_names)) != NUM_JOINTS:
            raise ValueError(f"rig {self.name!r} needs {NUM_JOINTS} distinct joint names")


_MIXAMO: Final[tuple[str, ...]] = tuple(
    "mixamorig:" + n
    for n in (
        "Hips", "LeftUpLeg", "RightUpLeg", "Spine", "LeftLeg", "RightLeg", "Spine1", "LeftFoot",
        "RightFoot", "Spine2", "LeftToeBase", "RightToeBase", "Neck", "LeftShoulder", "RightShoulder",
        "Head", "LeftArm", "RightArm", "LeftForeArm", "RightForeArm", "LeftHand", "RightHand",
    )
)  # fmt: skip

#: The presets, by name.
RIGS: Final[dict[str, Rig]] = {
    "smpl": Rig("smpl", tuple(JOINT_NAMES), "m", "y", "t", "SMPL joint names, metres, Y up, T-pose"),
    "mixamo": Rig("mixamo", _MIXAMO, "cm", "y", "t", "Mixamo names (mixamorig:Hips ...), centimetres, Y up, T-pose"),
}


def get_rig(rig: str | Rig) -> Rig:
    """The :class:`Rig` named ``rig`` (or ``rig`` itself); ``ValueError`` lists the presets."""
    if isinstance(rig, Rig):
        return rig
    try:
        return RIGS[str(rig).lower()]
    except KeyError:
        raise ValueError(f"unknown rig {rig!r}; choose one of {', '.join(RIGS)}") from None
