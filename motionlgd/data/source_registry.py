"""The registry of team motion-capture folders (:data:`SOURCES`) and clip discovery (:func:`list_clips`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from motionlgd.data.rig_maps import ACCAD_NAME_MAP, ASF_NAME_MAP, CMU_DAZ_NAME_MAP, CMU_MB_NAME_MAP, JointSpec
from motionlgd.errors import MotionLGDError, ParseError

# Records keep the logger name of the original single module (motionlgd.data.sources).
logger = logging.getLogger("motionlgd.data.sources")

#: Metres per CMU/HDM05 ASF length unit (``length 0.45``): ``(1 / 0.45) * 2.54 / 100``.
CMU_METRES_PER_UNIT: float = 0.0254 / 0.45


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
