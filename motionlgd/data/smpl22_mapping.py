"""Mapping of parsed BVH and ASF/AMC motions to the 22 HumanML3D joints (:func:`map_bvh_to_smpl22`).

Resolves the :data:`~motionlgd.data.rig_maps.JointSpec` s of a name table
against forward-kinematics positions; naming-convention auto-detection for BVH.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

import numpy as np

from motionlgd.data.asfamc_kinematics import asfamc_forward_kinematics
from motionlgd.data.asfamc_model import AMCMotion, ASFSkeleton
from motionlgd.data.bvh_kinematics import bvh_forward_kinematics
from motionlgd.data.bvh_model import BVH
from motionlgd.data.rig_maps import ASF_NAME_MAP, BVH_CONVENTIONS, EndSite, JointSpec, Lerp
from motionlgd.errors import MotionLGDError
from motionlgd.motion.skeleton import JOINT_NAMES, PARENTS

# Records keep the logger name of the original single module (motionlgd.data.sources).
logger = logging.getLogger("motionlgd.data.sources")


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
