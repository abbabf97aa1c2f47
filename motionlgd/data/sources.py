"""The team motion-capture folders and their mapping to the 22 HumanML3D joints.

Knows the six folders of the team data root (``../shared/data`` beside the
checkout; see its ``README.md`` and each folder's ``SOURCE.md``):

============== ======= ================ ================ ===================
folder         format  units -> metres  dropped frames   licence tag
============== ======= ================ ================ ===================
accad_male1    BVH     0.01 (cm)        none             ``CC-BY-3.0``
accad_female1  BVH     0.01 (cm)        none             ``CC-BY-3.0``
cmu_daz        BVH     0.01 (cm)        frame 0 (T-pose) ``CMU``
cmu_mb         BVH     0.0254 / 0.45    frame 0 (T-pose) ``CMU``
cmu_asfamc     ASF/AMC 0.0254 / length  none             ``CMU``
hdm05_cut      ASF/AMC 0.0254 / length  none             ``CC-BY-SA-3.0``
============== ======= ================ ================ ===================

Joint positions: BVH joints are joint *origins* (ACCAD's root ``OFFSET`` is a
per-file start position and is ignored because the root position channels are
absolute, see :mod:`motionlgd.data.bvh`); ASF/AMC joints are bone *end* points
(``root`` = pelvis).  All folders are Y up and right-handed with the left
joints on the body's left, so no axis flip is needed.

Joints a rig lacks are synthesised by linear interpolation (:class:`Lerp`),
always between two points that are some centimetres apart, so no bone of the
22-joint skeleton has zero length:

* ``spine3`` for ``cmu_daz``: midpoint of ``chest`` and ``neck`` origins; for
  ``cmu_mb``: midpoint of ``Spine1`` and ``Neck1`` origins (the MotionBuilder
  conversion has no thorax segment: ``Neck``/``LeftShoulder`` sit at the
  ``Spine1`` origin, which is already ``spine2``).
* collars for ``cmu_mb`` and ASF/AMC: ``COLLAR_FRACTION`` (0.4) of the way from
  ``spine3`` to the shoulder along the clavicle (ASF: thorax end -> clavicle
  end; cmu_mb: synthetic spine3 -> ``LeftArm`` origin), which matches the
  SMPL ratio collar 8 cm : shoulder 11 cm.  The cmu_mb ``LeftShoulder`` joint
  is not used because it coincides with ``Spine1`` (= spine2).
* ``cmu_daz`` toes (``left_foot``/``right_foot``) are the End Sites of
  ``lFoot``/``rFoot``.

:func:`map_bvh_to_smpl22` auto-detects the ACCAD, CMU MotionBuilder, Mixamo
(``mixamorig:`` prefix optional), Daz and SMPL naming conventions for any BVH.

Not done here (left to the dataset pipeline): floor normalisation, retargeting
to one body size (the Daz-friendly CMU body is a generic 1.5 m figure with the
pelvis about 0.78 m above the feet; the others are 0.9-1.0 m), and trimming
the few glitch frames listed in the folders' ``clips_meta.tsv`` notes.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionlgd.data.asfamc import AMCMotion, ASFSkeleton, asfamc_forward_kinematics, read_amc, read_asf
from motionlgd.data.bvh import BVH, bvh_forward_kinematics, read_bvh
from motionlgd.errors import MotionLGDError, ParseError, ShapeError
from motionlgd.motion.skeleton import JOINT_NAMES, PARENTS

__all__ = [
    "ACCAD_NAME_MAP",
    "ASF_NAME_MAP",
    "BVH_CONVENTIONS",
    "CMU_DAZ_NAME_MAP",
    "CMU_MB_NAME_MAP",
    "CMU_METRES_PER_UNIT",
    "COLLAR_FRACTION",
    "MIXAMO_NAME_MAP",
    "SMPL_NAME_MAP",
    "SOURCES",
    "ClipInfo",
    "EndSite",
    "JointSpec",
    "Lerp",
    "SourceSpec",
    "list_clips",
    "load_clip_joints",
    "map_asfamc_to_smpl22",
    "map_bvh_to_smpl22",
    "resample",
]

logger = logging.getLogger(__name__)

#: Metres per CMU/HDM05 ASF length unit (``length 0.45``): ``(1 / 0.45) * 2.54 / 100``.
CMU_METRES_PER_UNIT: float = 0.0254 / 0.45
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


# --------------------------------------------------------------------------- resolution


@functools.lru_cache(maxsize=4096)
def _norm(name: str) -> str:
    """Matching key: namespace (``xxx:``) dropped, lower case, only letters and digits."""
    base = name.rsplit(":", 1)[-1]
    return "".join(ch for ch in base.lower() if ch.isalnum())


class _Resolver:
    """Resolves :data:`JointSpec` s by name against columns of a positions array.

    ``points`` maps joint names to columns, ``ends`` maps joint names to the
    column of their End Site; :attr:`positions` (``(F, N, 3)``) is set once the
    needed columns are known (see :meth:`used`).
    """

    def __init__(self, points: Mapping[str, int], ends: Mapping[str, int]) -> None:
        self.points: dict[str, int] = {}
        for k, v in points.items():
            self.points.setdefault(_norm(k), v)
        self.ends: dict[str, int] = {}
        for k, v in ends.items():
            self.ends.setdefault(_norm(k), v)
        self.positions: np.ndarray | None = None

    def missing(self, spec: JointSpec) -> list[str]:
        """Names needed by ``spec`` that are absent (empty if resolvable)."""
        if isinstance(spec, str):
            return [] if _norm(spec) in self.points else [spec]
        if isinstance(spec, EndSite):
            return [] if _norm(spec.joint) in self.ends else [f"End Site of {spec.joint}"]
        if isinstance(spec, Lerp):
            return self.missing(spec.a) + self.missing(spec.b)
        if isinstance(spec, tuple):
            alternatives = [self.missing(s) for s in spec]
            if any(not m for m in alternatives):
                return []
            return [" or ".join("+".join(m) for m in alternatives)]
        raise TypeError(f"invalid joint spec {spec!r}")

    def used(self, spec: JointSpec) -> set[int]:
        """Columns that resolving ``spec`` reads."""
        if isinstance(spec, str):
            return {self.points[_norm(spec)]}
        if isinstance(spec, EndSite):
            return {self.ends[_norm(spec.joint)]}
        if isinstance(spec, Lerp):
            return self.used(spec.a) | self.used(spec.b)
        return self.used(self._pick(spec))

    def _pick(self, spec: tuple) -> JointSpec:
        for s in spec:
            if not self.missing(s):
                return s
        raise KeyError(spec)  # pragma: no cover - missing() is checked first

    def __call__(self, spec: JointSpec) -> np.ndarray:
        assert self.positions is not None
        if isinstance(spec, str):
            return self.positions[:, self.points[_norm(spec)]]
        if isinstance(spec, EndSite):
            return self.positions[:, self.ends[_norm(spec.joint)]]
        if isinstance(spec, Lerp):
            a, b = self(spec.a), self(spec.b)
            return a + spec.t * (b - a)
        return self(self._pick(spec))


def _check_map(resolver: _Resolver, name_map: Mapping[str, JointSpec]) -> None:
    missing = {j: resolver.missing(name_map[j]) for j in JOINT_NAMES if j in name_map}
    absent = [j for j in JOINT_NAMES if j not in name_map]
    problems = [f"{j} (needs {', '.join(m)})" for j, m in missing.items() if m] + [f"{j} (not in map)" for j in absent]
    if problems:
        raise MotionLGDError("cannot map to the 22 joints; missing: " + "; ".join(problems))


def _apply_map(resolver: _Resolver, name_map: Mapping[str, JointSpec]) -> np.ndarray:
    """``(F, 22, 3)`` positions of ``name_map`` (checked with :func:`_check_map`)."""
    return np.stack([resolver(name_map[j]) for j in JOINT_NAMES], axis=1)


def _check_bones(joints: np.ndarray, what: str) -> None:
    """Warn about zero-length bones (first frame)."""
    parents = np.array(PARENTS[1:])
    lengths = np.linalg.norm(joints[0, 1:] - joints[0, parents], axis=-1)
    scale = float(np.abs(joints[0] - joints[0, :1]).max()) or 1.0
    short = [JOINT_NAMES[i + 1] for i in np.flatnonzero(lengths < 1e-4 * scale)]
    if short:
        logger.warning("%s: zero-length bones to %s", what, ", ".join(short))


def _with_ancestors(parents: np.ndarray, joints: set[int]) -> list[int]:
    """Sorted joint indices of ``joints`` and all their ancestors."""
    out: set[int] = set()
    for j in joints:
        while j >= 0 and j not in out:
            out.add(j)
            j = int(parents[j])
    return sorted(out)


def _subset_bvh(bvh: BVH, keep: list[int]) -> BVH:
    """The BVH restricted to ``keep`` (sorted, closed under parents); End Sites kept."""
    if len(keep) == bvh.num_joints:
        return bvh
    new = {old: k for k, old in enumerate(keep)}
    starts = bvh.channel_offsets()
    cols = np.concatenate([np.arange(starts[j], starts[j + 1]) for j in keep]).astype(np.int64)
    return BVH(
        names=[bvh.names[j] for j in keep],
        parents=np.array([new[int(bvh.parents[j])] if bvh.parents[j] >= 0 else -1 for j in keep], dtype=np.int64),
        offsets=np.asarray(bvh.offsets)[keep],
        channels=[bvh.channels[j] for j in keep],
        end_sites={new[j]: v for j, v in bvh.end_sites.items() if j in new},
        frame_time=bvh.frame_time,
        motion=np.asarray(bvh.motion)[:, cols],
    )


def map_bvh_to_smpl22(
    bvh: BVH,
    name_map: Mapping[str, JointSpec] | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Joint positions of a BVH in the 22-joint HumanML3D layout.

    Parameters
    ----------
    bvh:
        Any parsed BVH.
    name_map:
        Target joint name (:data:`motionlgd.motion.skeleton.JOINT_NAMES`) ->
        :data:`JointSpec`.  ``None`` tries the conventions of
        :data:`BVH_CONVENTIONS` (ACCAD, CMU MotionBuilder, Mixamo, Daz, SMPL)
        and uses the first one the file satisfies.  Names match ignoring a
        ``namespace:`` prefix, case and non-alphanumerics.
    scale:
        Factor applied to the positions (e.g. ``0.01`` for cm -> m).

    Returns
    -------
    np.ndarray
        ``(F, 22, 3)`` float64 positions in file units times ``scale``; all
        frames are kept (drop T-pose frames yourself).

    Raises
    ------
    MotionLGDError
        No convention (or the given map) matches; the message lists the
        missing joints.
    """
    J = bvh.num_joints
    resolver = _Resolver({n: j for j, n in enumerate(bvh.names)}, {bvh.names[j]: J + j for j in bvh.end_sites})
    if name_map is None:
        errors = {}
        for conv, cmap in BVH_CONVENTIONS.items():
            try:
                _check_map(resolver, cmap)
            except MotionLGDError as exc:
                errors[conv] = exc
                continue
            logger.debug("BVH matched the %s naming convention", conv)
            name_map = cmap
            break
        if name_map is None:
            best = min(errors, key=lambda c: str(errors[c]).count(";"))
            raise MotionLGDError(
                f"BVH joint names match no known convention ({', '.join(BVH_CONVENTIONS)}); "
                f"closest is {best}: {errors[best]}. Pass name_map= to map it explicitly."
            )
    else:
        _check_map(resolver, name_map)
    # forward kinematics only for the joints the map reads (and their ancestors)
    cols = set().union(*(resolver.used(name_map[j]) for j in JOINT_NAMES))
    keep = _with_ancestors(bvh.parents, {c if c < J else c - J for c in cols})
    sub = _subset_bvh(bvh, keep)
    sub_pos = bvh_forward_kinematics(sub, include_end_sites=True)
    positions = np.full((sub_pos.shape[0], 2 * J, 3), np.nan)
    positions[:, keep] = sub_pos[:, : len(keep)]
    positions[:, [J + keep[k] for k in sub.end_sites]] = sub_pos[:, len(keep) :]
    resolver.positions = positions
    out = _apply_map(resolver, name_map)
    out = out * scale
    _check_bones(out, "BVH")
    return out


def map_asfamc_to_smpl22(
    skel: ASFSkeleton,
    motion: AMCMotion,
    name_map: Mapping[str, JointSpec] | None = None,
    scale: float | None = None,
) -> np.ndarray:
    """Joint positions of an ASF/AMC motion in the 22-joint layout.

    Parameters
    ----------
    skel, motion:
        From :func:`~motionlgd.data.asfamc.read_asf` / :func:`~motionlgd.data.asfamc.read_amc`.
    name_map:
        Target joint -> ASF bone name (bone end) spec; default :data:`ASF_NAME_MAP`.
    scale:
        Factor applied to the positions; ``None`` = ``skel.metres_per_unit`` (metres).

    Returns
    -------
    np.ndarray
        ``(F, 22, 3)`` float64.
    """
    name_map = ASF_NAME_MAP if name_map is None else name_map
    resolver = _Resolver({n: b for b, n in enumerate(skel.names)}, {})
    _check_map(resolver, name_map)
    resolver.positions = asfamc_forward_kinematics(skel, motion)
    out = _apply_map(resolver, name_map)
    out = out * (skel.metres_per_unit if scale is None else scale)
    _check_bones(out, "ASF/AMC")
    return out


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceSpec:
    """How to load one team folder.

    Attributes
    ----------
    name:
        Folder name under the data root.
    format:
        ``"bvh"`` or ``"asfamc"``.
    licence:
        Licence tag (``"CC-BY-3.0"``, ``"CMU"``, ``"CC-BY-SA-3.0"``).
    metres_per_unit:
        Unit scale; ``None`` = from the ASF ``:units length``.
    t_pose_frames:
        Leading frames to drop (the converters' T-pose).
    name_map:
        Target joint -> :data:`JointSpec`.
    """

    name: str
    format: str
    licence: str
    metres_per_unit: float | None
    t_pose_frames: int
    name_map: Mapping[str, JointSpec]


SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec("accad_male1", "bvh", "CC-BY-3.0", 0.01, 0, ACCAD_NAME_MAP),
        SourceSpec("accad_female1", "bvh", "CC-BY-3.0", 0.01, 0, ACCAD_NAME_MAP),
        SourceSpec("cmu_daz", "bvh", "CMU", 0.01, 1, CMU_DAZ_NAME_MAP),
        SourceSpec("cmu_mb", "bvh", "CMU", CMU_METRES_PER_UNIT, 1, CMU_MB_NAME_MAP),
        SourceSpec("cmu_asfamc", "asfamc", "CMU", None, 0, ASF_NAME_MAP),
        SourceSpec("hdm05_cut", "asfamc", "CC-BY-SA-3.0", None, 0, ASF_NAME_MAP),
    )
}


@dataclass(frozen=True)
class ClipInfo:
    """One clip listed in a folder's ``descriptions.tsv``.

    Attributes
    ----------
    source:
        Folder name (a key of :data:`SOURCES`).
    path:
        File path relative to the folder (``bvh/...`` or ``asfamc/....amc``).
    description:
        Text description.
    fps:
        Frame rate of the file (30 for all team data).
    n_frames:
        Frames in the file (including a T-pose frame where the source has one).
    licence:
        Licence tag of the source.
    skeleton:
        ASF path relative to the folder for ASF/AMC clips, else ``None``.
    """

    source: str
    path: str
    description: str
    fps: float
    n_frames: int
    licence: str
    skeleton: str | None = None

    @property
    def name(self) -> str:
        """``source/path``, a unique clip id."""
        return f"{self.source}/{self.path}"

    @property
    def usable_frames(self) -> int:
        """Frames left after dropping the source's T-pose frames."""
        return self.n_frames - SOURCES[self.source].t_pose_frames


def _read_tsv(path: Path) -> list[tuple[int, list[str]]]:
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append((i, line.split("\t")))
    return rows


def _meta_skeletons(folder: Path) -> dict[str, str]:
    """``path -> asf`` from ``clips_meta.tsv`` (column named ``asf``), if present."""
    meta = folder / "clips_meta.tsv"
    if not meta.is_file():
        return {}
    with open(meta, encoding="utf-8", errors="replace") as f:
        header = f.readline().lstrip("#").strip().split("\t")
        if "asf" not in header or "path" not in header:
            return {}
        ia, ip = header.index("asf"), header.index("path")
        out = {}
        for line in f:
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) > max(ia, ip):
                out[cols[ip]] = cols[ia]
    return out


def _guess_skeleton(source: str, rel: str) -> str:
    p = Path(rel)
    if source == "hdm05_cut":
        actor = p.name.split("_")[1] if p.name.count("_") >= 2 else ""
        return f"asfamc/asf/HDM_{actor}.asf"
    return str(p.parent / f"{p.parent.name}.asf")


def list_clips(data_root: str | os.PathLike[str], sources: Sequence[str] | None = None) -> list[ClipInfo]:
    """List the clips of the team folders.

    Parameters
    ----------
    data_root:
        Directory holding the six folders (e.g. ``../shared/data``).
    sources:
        Folder names to list; default all of :data:`SOURCES` that exist.

    Returns
    -------
    list[ClipInfo]
        In folder order, then ``descriptions.tsv`` order.

    Raises
    ------
    MotionLGDError
        ``data_root`` is missing, or a requested folder is unknown/missing.
    ParseError
        A malformed ``descriptions.tsv`` line.
    """
    root = Path(data_root)
    if not root.is_dir():
        raise MotionLGDError(f"data root {root} is not a directory")
    names = list(SOURCES) if sources is None else list(sources)
    clips: list[ClipInfo] = []
    for name in names:
        spec = SOURCES.get(name)
        if spec is None:
            raise MotionLGDError(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
        folder = root / name
        tsv = folder / "descriptions.tsv"
        if not tsv.is_file():
            if sources is not None:
                raise MotionLGDError(f"{tsv} not found")
            logger.debug("skipping %s: no descriptions.tsv", folder)
            continue
        skeletons = _meta_skeletons(folder) if spec.format == "asfamc" else {}
        for line, cols in _read_tsv(tsv):
            if len(cols) != 4:
                raise ParseError(f"expected 4 tab-separated columns, got {len(cols)}", path=str(tsv), line=line)
            rel, desc, fps_s, n_s = cols
            try:
                fps, n = float(fps_s), int(n_s)
            except ValueError:
                raise ParseError(f"bad fps {fps_s!r} or n_frames {n_s!r}", path=str(tsv), line=line) from None
            if not fps > 0 or n <= 0:
                raise ParseError(f"fps and n_frames must be positive, got {fps_s!r}, {n_s!r}", path=str(tsv), line=line)
            skel = (skeletons.get(rel) or _guess_skeleton(name, rel)) if spec.format == "asfamc" else None
            clips.append(ClipInfo(name, rel, desc, fps, n, spec.licence, skel))
    return clips


@functools.lru_cache(maxsize=32)
def _cached_asf(path: str, mtime_ns: int) -> ASFSkeleton:
    return read_asf(path)


def _load_asf(path: Path) -> ASFSkeleton:
    return _cached_asf(str(path), path.stat().st_mtime_ns)


def load_clip_joints(data_root: str | os.PathLike[str], clip: ClipInfo) -> np.ndarray:
    """Load a clip as 22 HumanML3D joints.

    Applies the folder's name map and unit scale, drops T-pose frames
    (``cmu_daz``, ``cmu_mb``) and ignores ACCAD's root OFFSET.  No
    resampling, floor normalisation or retargeting.

    Parameters
    ----------
    data_root:
        Directory holding the six folders.
    clip:
        A clip from :func:`list_clips`.

    Returns
    -------
    np.ndarray
        ``(T, 22, 3)`` float32 positions in metres, Y up, at ``clip.fps``
        (30 for the team data); ``T = clip.n_frames - t_pose_frames``.

    Raises
    ------
    BVHParseError, ASFAMCParseError
        Malformed files.
    MotionLGDError
        Unknown source or missing joints.
    """
    spec = SOURCES.get(clip.source)
    if spec is None:
        raise MotionLGDError(f"unknown source {clip.source!r}")
    folder = Path(data_root) / clip.source
    file = folder / clip.path
    if spec.format == "bvh":
        bvh = read_bvh(file)
        if abs(bvh.fps - clip.fps) > 0.01 * clip.fps:
            logger.warning("%s: BVH says %.3f fps, descriptions.tsv %.3f (using the latter)", file, bvh.fps, clip.fps)
        joints = map_bvh_to_smpl22(bvh, spec.name_map, scale=float(spec.metres_per_unit or 1.0))
    else:
        skel_rel = clip.skeleton or _guess_skeleton(clip.source, clip.path)
        skel = _load_asf(folder / skel_rel)
        motion = read_amc(file, skel)
        scale = spec.metres_per_unit if spec.metres_per_unit is not None else skel.metres_per_unit
        joints = map_asfamc_to_smpl22(skel, motion, spec.name_map, scale=scale)
    joints = joints[spec.t_pose_frames :]
    if joints.shape[0] == 0:
        raise MotionLGDError(f"{file}: no frames left after dropping {spec.t_pose_frames} T-pose frame(s)")
    if joints.shape[0] != clip.usable_frames:
        logger.warning("%s: %d frames, descriptions.tsv implies %d", file, joints.shape[0], clip.usable_frames)
    if not np.isfinite(joints).all():
        raise ShapeError(f"{file}: non-finite joint positions")
    return joints.astype(np.float32)


# --------------------------------------------------------------------------- resampling


def resample(joints: np.ndarray, src_fps: float, dst_fps: float = 20.0) -> np.ndarray:
    """Resample a sequence in time by linear interpolation.

    Output frame ``k`` is at time ``k / dst_fps``; frames up to the last input
    time ``(T - 1) / src_fps`` are produced (so the duration never grows).

    Parameters
    ----------
    joints:
        ``(T, ...)`` array (e.g. ``(T, 22, 3)`` positions), ``T >= 1``.
    src_fps, dst_fps:
        Input and output frame rates (positive).

    Returns
    -------
    np.ndarray
        ``(T', ...)`` with ``T' = floor((T - 1) * dst_fps / src_fps) + 1``,
        same dtype as ``joints`` for floating input (float64 otherwise).

    Raises
    ------
    ShapeError
        Empty input or non-positive / non-finite frame rates.
    """
    x = np.asarray(joints)
    if x.ndim < 1 or x.shape[0] < 1:
        raise ShapeError(f"resample needs (T, ...) with T >= 1, got shape {x.shape}")
    if not (np.isfinite(src_fps) and np.isfinite(dst_fps) and src_fps > 0 and dst_fps > 0):
        raise ShapeError(f"frame rates must be positive, got {src_fps}, {dst_fps}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    T = x.shape[0]
    if src_fps == dst_fps:
        return x.copy()
    n_out = int(np.floor((T - 1) * dst_fps / src_fps + 1e-9)) + 1
    t = np.arange(n_out, dtype=np.float64) * (src_fps / dst_fps)
    i0 = np.clip(np.floor(t).astype(np.int64), 0, T - 1)
    i1 = np.minimum(i0 + 1, T - 1)
    w = (t - i0).reshape((-1,) + (1,) * (x.ndim - 1))
    out = x[i0] * (1.0 - w) + x[i1] * w
    return out.astype(x.dtype, copy=False)
