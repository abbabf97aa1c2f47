"""Writing of BVH text: :func:`format_bvh` and :func:`write_bvh`."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from motionlgd.data.bvh_model import BVH, _dfs_order, _validate

# Records keep the logger name of the original single module (motionlgd.data.bvh).
logger = logging.getLogger("motionlgd.data.bvh")


# --------------------------------------------------------------------------- writing


def format_bvh(bvh: BVH, precision: int = 6) -> str:
    """Format a :class:`BVH` as BVH text.

    Joints are written depth-first from the root (children in index order) and
    the MOTION columns are permuted to match, so a BVH whose joints are not in
    depth-first order is still written correctly (reading it back gives the
    joints in depth-first order).

    Parameters
    ----------
    bvh:
        The skeleton and motion to write.
    precision:
        Decimals of OFFSET and MOTION values (``%.6f`` by default).

    Returns
    -------
    str
        The file content with ``\\n`` line ends.
    """
    _validate(bvh)
    parents = np.asarray(bvh.parents, dtype=np.int64)
    order = _dfs_order(parents)
    fmt = f"%.{precision}f"
    out: list[str] = ["HIERARCHY"]
    depth = {order[0]: 0}
    # The stack holds the open blocks' depths so closing braces can be emitted.
    open_blocks: list[int] = []

    def close_until(d: int) -> None:
        while open_blocks and open_blocks[-1] >= d:
            out.append("\t" * open_blocks.pop() + "}")

    for j in order:
        p = int(parents[j])
        d = 0 if p < 0 else depth[p] + 1
        depth[j] = d
        close_until(d)
        ind = "\t" * d
        out.append(f"{ind}{'ROOT' if p < 0 else 'JOINT'} {bvh.names[j]}")
        out.append(ind + "{")
        off = np.asarray(bvh.offsets[j], dtype=np.float64)
        out.append(f"{ind}\tOFFSET " + " ".join(fmt % v for v in off))
        ch = bvh.channels[j]
        out.append(f"{ind}\tCHANNELS {len(ch)}" + "".join(f" {c}" for c in ch))
        if j in bvh.end_sites:
            es = np.asarray(bvh.end_sites[j], dtype=np.float64)
            out.append(f"{ind}\tEnd Site")
            out.append(f"{ind}\t" + "{")
            out.append(f"{ind}\t\tOFFSET " + " ".join(fmt % v for v in es))
            out.append(f"{ind}\t" + "}")
        open_blocks.append(d)
    close_until(0)

    starts = bvh.channel_offsets()
    cols = np.concatenate([np.arange(starts[j], starts[j + 1]) for j in order]).astype(np.int64)
    motion = np.asarray(bvh.motion, dtype=np.float64)[:, cols]
    out.append("MOTION")
    out.append(f"Frames: {motion.shape[0]}")
    out.append(f"Frame Time: {bvh.frame_time:.10g}")
    if motion.size:
        row_fmt = " ".join([fmt] * motion.shape[1])
        out.extend(row_fmt % tuple(row) for row in motion.tolist())
    return "\n".join(out) + "\n"


def write_bvh(path: str | os.PathLike[str], bvh: BVH, precision: int = 6) -> None:
    """Write a :class:`BVH` to ``path`` (see :func:`format_bvh`).

    Parameters
    ----------
    path:
        Output file; overwritten if it exists.
    bvh:
        The skeleton and motion to write; must have at least one frame to be
        readable again by :func:`read_bvh`.
    precision:
        Decimals of OFFSET and MOTION values.
    """
    text = format_bvh(bvh, precision=precision)
    Path(path).write_text(text, encoding="utf-8", newline="\n")
    logger.debug("wrote %s (%d joints, %d frames)", path, bvh.num_joints, bvh.num_frames)
