"""Loading of one team clip as 22 HumanML3D joints in metres (:func:`load_clip_joints`)."""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

import numpy as np

from motionlgd.data.amc_parse import read_amc
from motionlgd.data.asf_parse import read_asf
from motionlgd.data.asfamc_model import ASFSkeleton
from motionlgd.data.bvh_parse import read_bvh
from motionlgd.data.smpl22_mapping import map_asfamc_to_smpl22, map_bvh_to_smpl22
from motionlgd.data.source_registry import SOURCES, ClipInfo, _guess_skeleton
from motionlgd.errors import MotionLGDError, ShapeError

# Records keep the logger name of the original single module (motionlgd.data.sources).
logger = logging.getLogger("motionlgd.data.sources")


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
