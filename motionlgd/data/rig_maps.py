"""Joint specs (:class:`EndSite`, :class:`Lerp`, :data:`JointSpec`) and the per-rig name tables.

Each table maps the 22 HumanML3D joints to the joints of one rig's naming
convention (ACCAD, CMU MotionBuilder, CMU Daz, Mixamo, SMPL, CMU/HDM05 ASF);
the synthesised joints are described in :mod:`motionlgd.data.sources`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from motionlgd.motion.skeleton import JOINT_NAMES

#: Fraction of the spine3 -> shoulder segment at which synthetic collars sit.
COLLAR_FRACTION: float = 0.4


# --------------------------------------------------------------------------- joint specs


@dataclass(frozen=True)
class EndSite:
    """The End Site of BVH joint ``joint`` (the tip of its bone)."""

    joint: str


@dataclass(frozen=True)
class Lerp:
    """Synthetic joint ``(1 - t) * a + t * b`` between two other specs."""

    a: JointSpec
    b: JointSpec
    t: float = 0.5


#: A joint source: a joint name (BVH joint origin / ASF bone end), an
#: :class:`EndSite`, a :class:`Lerp`, or a tuple of alternatives (first present wins).
JointSpec = str | EndSite | Lerp | tuple


def _sided(left: Mapping[str, JointSpec], right_of: Callable[[JointSpec], JointSpec]) -> dict[str, JointSpec]:
    out: dict[str, JointSpec] = {}
    for name, spec in left.items():
        out[name] = spec
        if name.startswith("left_"):
            out["right_" + name[5:]] = right_of(spec)
    return {n: out[n] for n in JOINT_NAMES}


def _swap(prefix_l: str, prefix_r: str) -> Callable[[JointSpec], JointSpec]:
    def f(spec: JointSpec) -> JointSpec:
        if isinstance(spec, str):
            return prefix_r + spec[len(prefix_l) :] if spec.startswith(prefix_l) else spec
        if isinstance(spec, EndSite):
            return EndSite(str(f(spec.joint)))
        if isinstance(spec, Lerp):
            return Lerp(f(spec.a), f(spec.b), spec.t)
        return tuple(f(s) for s in spec)

    return f


#: ACCAD Male1/Female1 (22 joints, one-to-one).
ACCAD_NAME_MAP: dict[str, JointSpec] = _sided(
    {
        "pelvis": "Hips",
        "left_hip": "LeftUpLeg",
        "spine1": "ToSpine",
        "left_knee": "LeftLeg",
        "spine2": "Spine",
        "left_ankle": "LeftFoot",
        "spine3": "Spine1",
        "left_foot": "LeftToeBase",
        "neck": "Neck",
        "left_collar": "LeftShoulder",
        "head": "Head",
        "left_shoulder": "LeftArm",
        "left_elbow": "LeftForeArm",
        "left_wrist": "LeftHand",
    },
    _swap("Left", "Right"),
)

_MB_SPINE3 = Lerp("Spine1", "Neck1", 0.5)
#: CMU MotionBuilder-friendly BVH (31 joints; renamed CMU ASF skeleton without thorax).
CMU_MB_NAME_MAP: dict[str, JointSpec] = _sided(
    {
        "pelvis": "Hips",
        "left_hip": "LeftUpLeg",
        "spine1": "Spine",
        "left_knee": "LeftLeg",
        "spine2": "Spine1",
        "left_ankle": "LeftFoot",
        "spine3": _MB_SPINE3,
        "left_foot": ("LeftToeBase", EndSite("LeftFoot")),
        "neck": "Neck1",
        "left_collar": Lerp(_MB_SPINE3, "LeftArm", COLLAR_FRACTION),
        "head": "Head",
        "left_shoulder": "LeftArm",
        "left_elbow": "LeftForeArm",
        "left_wrist": "LeftHand",
    },
    _swap("Left", "Right"),
)

#: CMU Daz-friendly BVH (43 joints: hip, abdomen, chest, ...).
CMU_DAZ_NAME_MAP: dict[str, JointSpec] = _sided(
    {
        "pelvis": "hip",
        "left_hip": "lThigh",
        "spine1": "abdomen",
        "left_knee": "lShin",
        "spine2": "chest",
        "left_ankle": "lFoot",
        "spine3": Lerp("chest", "neck", 0.5),
        "left_foot": ("lToe", EndSite("lFoot")),
        "neck": "neck",
        "left_collar": "lCollar",
        "head": "head",
        "left_shoulder": "lShldr",
        "left_elbow": "lForeArm",
        "left_wrist": "lHand",
    },
    _swap("l", "r"),
)

#: Mixamo rigs (``mixamorig:`` namespace is stripped before matching).
MIXAMO_NAME_MAP: dict[str, JointSpec] = _sided(
    {
        "pelvis": "Hips",
        "left_hip": "LeftUpLeg",
        "spine1": "Spine",
        "left_knee": "LeftLeg",
        "spine2": "Spine1",
        "left_ankle": "LeftFoot",
        "spine3": "Spine2",
        "left_foot": ("LeftToeBase", EndSite("LeftFoot")),
        "neck": "Neck",
        "left_collar": "LeftShoulder",
        "head": "Head",
        "left_shoulder": "LeftArm",
        "left_elbow": "LeftForeArm",
        "left_wrist": "LeftHand",
    },
    _swap("Left", "Right"),
)

_SMPL_ALIASES = {
    "pelvis": ("Pelvis", "root"),
    "left_hip": ("L_Hip",),
    "right_hip": ("R_Hip",),
    "left_knee": ("L_Knee",),
    "right_knee": ("R_Knee",),
    "left_ankle": ("L_Ankle",),
    "right_ankle": ("R_Ankle",),
    "left_foot": ("L_Foot", "left_toe", "L_Toe"),
    "right_foot": ("R_Foot", "right_toe", "R_Toe"),
    "left_collar": ("L_Collar",),
    "right_collar": ("R_Collar",),
    "left_shoulder": ("L_Shoulder",),
    "right_shoulder": ("R_Shoulder",),
    "left_elbow": ("L_Elbow",),
    "right_elbow": ("R_Elbow",),
    "left_wrist": ("L_Wrist",),
    "right_wrist": ("R_Wrist",),
}
#: SMPL joint names (``left_hip`` / ``L_Hip`` spellings; matching ignores case and ``_``).
SMPL_NAME_MAP: dict[str, JointSpec] = {n: (n, *_SMPL_ALIASES.get(n, ())) for n in JOINT_NAMES}

#: CMU / HDM05 ASF bone ends.
ASF_NAME_MAP: dict[str, JointSpec] = _sided(
    {
        "pelvis": "root",
        "left_hip": "lhipjoint",
        "spine1": "lowerback",
        "left_knee": "lfemur",
        "spine2": "upperback",
        "left_ankle": "ltibia",
        "spine3": "thorax",
        "left_foot": "lfoot",
        "neck": "lowerneck",
        "left_collar": Lerp("thorax", "lclavicle", COLLAR_FRACTION),
        "head": "upperneck",
        "left_shoulder": "lclavicle",
        "left_elbow": "lhumerus",
        "left_wrist": "lradius",
    },
    _swap("l", "r"),
)

#: Naming conventions tried by :func:`map_bvh_to_smpl22`, in order.
BVH_CONVENTIONS: dict[str, dict[str, JointSpec]] = {
    "accad": ACCAD_NAME_MAP,
    "cmu_mb": CMU_MB_NAME_MAP,
    "mixamo": MIXAMO_NAME_MAP,
    "daz": CMU_DAZ_NAME_MAP,
    "smpl": SMPL_NAME_MAP,
}
