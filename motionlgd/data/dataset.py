"""Training data: mocap clips -> 20 fps uniform-skeleton HumanML3D features, cached.

Pipeline per clip: read + map to 22 joints (``sources``), resample to 20 fps, retarget
to the uniform skeleton (``DEFAULT_BONE_LENGTHS``), put on the floor found from the
frames where the lowest joint stands still (that joint 2 cm up, whatever the rig's
toe height; ``floor_height(..., "contact")``), encode to 263-d features; the
left-right mirror of every clip is added as augmentation (with "left"/"right"
swapped in its text). The result is cached under ``$MOTIONLGD_CACHE/data`` (default
``~/.cache/motionlgd/data``) keyed by
a hash of the code version, the options and the data files' sizes and times, so it
is rebuilt automatically when either changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MotionLGDError
from ..motion.humanml3d import FEATURE_SLICES, encode, retarget_to_offsets
from ..motion.skeleton import DEFAULT_BONE_LENGTHS, MIRROR_PERMUTATION

__all__ = [
    "CACHE_ENV",
    "PIPELINE_VERSION",
    "DataFolderError",
    "ProcessedData",
    "WindowSampler",
    "build_dataset",
    "cache_dir",
    "feature_stats",
    "is_locomotion",
    "mirror_joints",
    "mirror_text",
]

log = logging.getLogger(__name__)

#: Environment variable naming the root of motionlgd's caches and training runs.
CACHE_ENV = "MOTIONLGD_CACHE"

#: Bump when the processing code changes so caches are rebuilt.
PIPELINE_VERSION = 5

_LOCOMOTION = re.compile(
    r"\b(walk\w*|run\w*|jog\w*|step\w*|stroll\w*|sidestep\w*|strid\w*|march\w*|sneak\w*|turn\w*|backwards?|navigat\w*|veer\w*)\b",
    re.IGNORECASE,
)


class DataFolderError(MotionLGDError, FileNotFoundError):
    """The motion-capture data folder (or a source folder in it) is missing or holds no usable clips."""


def cache_dir() -> Path:
    """Root of motionlgd's caches and training runs: ``$MOTIONLGD_CACHE`` (``~`` expanded;
    read at each call) or ``~/.cache/motionlgd``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "motionlgd"


def is_locomotion(text: str) -> bool:
    """Whether a description is about moving through space (walk, run, turn, ...)."""
    return bool(_LOCOMOTION.search(text))


def mirror_joints(joints: np.ndarray) -> np.ndarray:
    """Left-right mirror ``(T, 22, 3)`` joints: negate x and swap left/right joints."""
    out = joints[:, list(MIRROR_PERMUTATION)].copy()
    out[..., 0] *= -1
    return out


def mirror_text(text: str) -> str:
    """Swap left/right (and clockwise/counterclockwise) words in a description."""
    swaps = {
        "left": "right", "right": "left", "Left": "Right", "Right": "Left",
        "clockwise": "counterclockwise", "counterclockwise": "clockwise",
        "anticlockwise": "clockwise", "counter-clockwise": "clockwise",
    }  # fmt: skip
    return re.sub(
        r"\b(counter-clockwise|counterclockwise|anticlockwise|clockwise|left|right|Left|Right)\b",
        lambda m: swaps[m.group(0)],
        text,
    )


@dataclass
class ProcessedData:
    """Concatenated features of all clips.

    Attributes:
        features: ``(N, 263)`` float32, every clip's frames one after another.
        starts: ``(C,)`` first row of each clip; ``lengths (C,)`` its frame count.
        texts: ``(C,)`` descriptions; ``sources``/``paths`` where each clip came from.
        mirrored: ``(C,)`` bool, whether the clip is a mirrored copy.
        split: ``(C,)`` "train" or "val" (by original clip, mirrors follow).
        locomotion: ``(C,)`` bool.
    """

    features: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    texts: np.ndarray
    sources: np.ndarray
    paths: np.ndarray
    mirrored: np.ndarray
    split: np.ndarray
    locomotion: np.ndarray

    def save(self, path: Path) -> None:
        """Write an ``.npz`` (no pickled objects) atomically."""
        from ..io import atomic_write

        arrays = {
            k: (np.asarray(v).astype(str) if np.asarray(v).dtype == object else v) for k, v in self.__dict__.items()
        }

        def _w(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_write(path, _w, overwrite=True)

    @classmethod
    def load(cls, path: Path) -> ProcessedData:
        """Read a cache written by :meth:`save` (``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as z:
            return cls(**{k: z[k] for k in z.files})

    def clip(self, i: int) -> np.ndarray:
        """``(T, 263)`` features of clip ``i``."""
        return self.features[self.starts[i] : self.starts[i] + self.lengths[i]]


def _val_split(path: str, fraction: float) -> bool:
    h = int(hashlib.sha1(path.encode()).hexdigest()[:8], 16)
    return (h % 10000) / 10000 < fraction


def _data_fingerprint(data_root: Path, sources: Sequence[str]) -> str:
    h = hashlib.sha1()
    for src in sorted(sources):
        folder = data_root / src
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.relative_to(data_root)}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def build_dataset(
    data_root: str | Path,
    sources: Sequence[str] | None = None,
    *,
    val_fraction: float = 0.05,
    min_frames: int = 24,
    mirror: bool = True,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ProcessedData:
    """Process (or load from cache) every clip of ``sources`` under ``data_root``.

    Args:
        data_root: folder holding the team data folders (``accad_male1`` ...).
        sources: folder names to use (default: all but the CC BY-SA ``hdm05_cut``).
        val_fraction: share of clips (by path hash) held out for validation.
        min_frames: clips shorter than this at 20 fps are skipped.
        mirror: add left-right mirrored copies.
        use_cache: read/write the processed cache (under :func:`cache_dir`).
        progress: optional ``callback(done, total)``.

    Raises:
        DataFolderError: ``data_root`` or one of ``sources`` in it is missing, or no clip is usable.
    """
    from . import sources as src_mod

    data_root = Path(data_root).expanduser()
    if not data_root.is_dir():
        raise DataFolderError(f"data folder not found: {data_root}")
    if sources is None:
        sources = [s for s in src_mod.SOURCES if s != "hdm05_cut"]
    missing = [s for s in sources if not (data_root / s).is_dir()]
    if missing:
        raise DataFolderError(f"source folder(s) {missing} not found in the data folder {data_root}")
    key = hashlib.sha1(
        json.dumps(
            {
                "v": PIPELINE_VERSION,
                "sources": sorted(sources),
                "val": val_fraction,
                "min": min_frames,
                "mirror": mirror,
                "bones": DEFAULT_BONE_LENGTHS.tolist(),
                "fp": _data_fingerprint(data_root, sources),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]
    cache_path = cache_dir() / "data" / f"processed-{key}.npz"
    if use_cache and cache_path.is_file():
        log.info("loading processed data from %s", cache_path)
        return ProcessedData.load(cache_path)

    clips = [c for c in src_mod.list_clips(data_root) if c.source in sources]
    feats: list[np.ndarray] = []
    meta: list[tuple[str, str, str, bool, str, bool]] = []
    for n, clip in enumerate(clips):
        if progress is not None:
            progress(n, len(clips))
        try:
            joints = src_mod.load_clip_joints(data_root, clip)
        except Exception as exc:
            log.warning("skipping %s/%s: %s", clip.source, clip.path, exc)
            continue
        joints = src_mod.resample(joints, clip.fps, 20.0)
        if joints.shape[0] < min_frames + 1:
            continue
        joints = retarget_to_offsets(joints, DEFAULT_BONE_LENGTHS)
        split = "val" if _val_split(f"{clip.source}/{clip.path}", val_fraction) else "train"
        loco = is_locomotion(clip.description)
        variants = [(joints, clip.description, False)]
        if mirror:
            variants.append((mirror_joints(joints), mirror_text(clip.description), True))
        for j, text, mirrored in variants:
            f = encode(j, fps=20.0, floor="contact")
            feats.append(np.asarray(f, dtype=np.float32))
            meta.append((text, clip.source, clip.path, mirrored, split, loco))
    if progress is not None:
        progress(len(clips), len(clips))
    if not feats:
        raise DataFolderError(f"no usable clips found in the data folder {data_root} (sources {sorted(sources)})")
    lengths = np.array([len(f) for f in feats], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    data = ProcessedData(
        features=np.concatenate(feats),
        starts=starts,
        lengths=lengths,
        texts=np.array([m[0] for m in meta]),
        sources=np.array([m[1] for m in meta]),
        paths=np.array([m[2] for m in meta]),
        mirrored=np.array([m[3] for m in meta]),
        split=np.array([m[4] for m in meta]),
        locomotion=np.array([m[5] for m in meta]),
    )
    if use_cache:
        data.save(cache_path)
        log.info("cached processed data at %s", cache_path)
    return data


def feature_stats(features: np.ndarray, eps: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and group-shared std of ``(N, 263)`` features (HumanML3D style).

    Each feature group (``FEATURE_SLICES``) shares one std value (the mean of its
    dimensions' stds), floored at ``eps``, so the network sees every group on a
    comparable scale and no dimension is divided by ~0.
    """
    mean = features.mean(0)
    raw = features.std(0)
    std = np.empty_like(raw)
    for sl in FEATURE_SLICES.values():
        std[sl] = max(float(raw[sl].mean()), eps)
    return mean.astype(np.float32), std.astype(np.float32)


class WindowSampler:
    """Random training windows of 2-10 s, weighted towards locomotion.

    Clip ``i`` is drawn with probability proportional to
    ``lengths[i] * (locomotion_weight if locomotion[i] else 1)``; one window length per
    batch is drawn uniformly in ``[min_frames, max_frames]`` (shorter clips are used
    whole) and each window's start uniformly inside its clip. All randomness comes from a numpy Generator
    whose state is saved in checkpoints.
    """

    def __init__(
        self,
        data: ProcessedData,
        split: str = "train",
        min_frames: int = 40,
        max_frames: int = 196,
        locomotion_weight: float = 3.0,
        seed: int = 0,
    ) -> None:
        self.data = data
        self.idx = np.flatnonzero(data.split == split)
        if len(self.idx) == 0:
            raise ValueError(f"no clips in split {split!r}")
        w = data.lengths[self.idx].astype(np.float64) * np.where(data.locomotion[self.idx], locomotion_weight, 1.0)
        self.p = w / w.sum()
        self.min_frames = min_frames
        self.max_frames = max_frames
        self.rng = np.random.default_rng(seed)

    def sample(self, batch_size: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Returns ``(x (B, L, 263) float32 padded with zeros, mask (B, L) bool, texts)``.

        One window length ``L`` is drawn per batch (clips shorter than ``L`` are used whole
        and padded), so batches carry little padding: training cost follows the mean
        window length, not the maximum.
        """
        clips = self.rng.choice(self.idx, size=batch_size, p=self.p)
        L = int(self.rng.integers(self.min_frames, self.max_frames + 1))
        lens = np.minimum(L, self.data.lengths[clips])
        L = int(lens.max())
        x = np.zeros((batch_size, L, self.data.features.shape[1]), dtype=np.float32)
        mask = np.zeros((batch_size, L), dtype=bool)
        texts = []
        for b, (c, n) in enumerate(zip(clips, lens)):
            start = self.data.starts[c] + self.rng.integers(0, self.data.lengths[c] - n + 1)
            x[b, :n] = self.data.features[start : start + n]
            mask[b, :n] = True
            texts.append(str(self.data.texts[c]))
        return x, mask, texts

    def state(self) -> dict:
        """Json-serialisable RNG state."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        """Restore a state from :meth:`state`."""
        self.rng.bit_generator.state = state
