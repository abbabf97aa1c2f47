"""The :class:`BVH` data class, the BVH channel names and the skeleton checks.

The checks (:func:`_dfs_order`, :func:`_validate`) are shared by the writer
(:mod:`motionlgd.data.bvh_write`) and the forward kinematics
(:mod:`motionlgd.data.bvh_kinematics`); conventions in :mod:`motionlgd.data.bvh`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from motionlgd.errors import ShapeError

#: The six valid channel names, in their canonical spelling.
CHANNEL_NAMES: tuple[str, ...] = (
    "Xposition",
    "Yposition",
    "Zposition",
    "Xrotation",
    "Yrotation",
    "Zrotation",
)


@dataclass
class BVH:
    """A parsed BVH file.

    Attributes
    ----------
    names:
        ``J`` joint names in file (depth-first) order.
    parents:
        ``(J,)`` int64 parent index of each joint, ``-1`` for the root.
    offsets:
        ``(J, 3)`` float64 ``OFFSET`` of each joint from its parent, file units.
    channels:
        Per joint, the channel names in file order (canonical spelling, e.g.
        ``["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation",
        "Yrotation"]``); may be empty.
    end_sites:
        Joint index -> ``(3,)`` float64 ``OFFSET`` of that joint's End Site.
    frame_time:
        Seconds per frame (``1 / fps``).
    motion:
        ``(F, C)`` float64 MOTION values; ``C = sum(len(c) for c in channels)``,
        columns ordered joint by joint, then channel by channel.  Positions in
        file units, rotations in degrees.
    """

    names: list[str]
    parents: np.ndarray
    offsets: np.ndarray
    channels: list[list[str]]
    end_sites: dict[int, np.ndarray] = field(default_factory=dict)
    frame_time: float = 1.0 / 30.0
    motion: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def num_joints(self) -> int:
        """Number of joints ``J``."""
        return len(self.names)

    @property
    def num_frames(self) -> int:
        """Number of frames ``F``."""
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        """Frames per second, ``1 / frame_time``."""
        return 1.0 / self.frame_time

    def channel_offsets(self) -> np.ndarray:
        """Index of each joint's first MOTION column.

        Returns
        -------
        np.ndarray
            ``(J + 1,)`` int64; joint ``j`` owns columns ``[out[j], out[j + 1])``.
        """
        counts = [len(c) for c in self.channels]
        return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)

    def index(self, name: str) -> int:
        """Index of the first joint called ``name`` (``KeyError`` if absent)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(name) from None


# --------------------------------------------------------------------------- skeleton checks


def _dfs_order(parents: np.ndarray) -> list[int]:
    children: dict[int, list[int]] = {}
    roots = []
    for j, p in enumerate(parents.tolist()):
        if p < 0:
            roots.append(j)
        else:
            children.setdefault(p, []).append(j)
    if len(roots) != 1:
        raise ShapeError(f"a BVH needs exactly one root (parent -1), found {len(roots)}")
    order: list[int] = []
    stack = [roots[0]]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(children.get(j, [])))
    if len(order) != len(parents):
        raise ShapeError("parents do not form a tree (cycle or invalid index)")
    return order


def _validate(bvh: BVH) -> None:
    J = len(bvh.names)
    parents = np.asarray(bvh.parents)
    if parents.shape != (J,) or np.asarray(bvh.offsets).shape != (J, 3) or len(bvh.channels) != J:
        raise ShapeError(
            f"BVH with {J} names needs parents (J,), offsets (J, 3) and J channel lists; got "
            f"{parents.shape}, {np.asarray(bvh.offsets).shape}, {len(bvh.channels)}"
        )
    if J == 0:
        raise ShapeError("BVH has no joints")
    if ((parents < -1) | (parents >= J)).any():
        raise ShapeError("parent index out of range")
    for ch in bvh.channels:
        for c in ch:
            if c not in CHANNEL_NAMES:
                raise ShapeError(f"unknown channel name {c!r}")
    C = sum(len(c) for c in bvh.channels)
    motion = np.asarray(bvh.motion)
    if motion.ndim != 2 or motion.shape[1] != C:
        raise ShapeError(f"motion must be (F, {C}), got {motion.shape}")
