"""Timing of the export path: IK for one 6 s clip and for 100 clips, BVH/npz/SMPL export.

Run from the repository root::

    python benchmarks/bench_export.py [--clips 100] [--threads 2]

Uses a synthetic generated-like walk (120 frames = 6 s at 20 fps); no data needed.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from motionlgd.export import clean_foot_contacts, export_bvh, export_npz, export_smpl, joints_to_rotations
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion import DEFAULT_BONE_LENGTHS, NUM_JOINTS, Motion
from motionlgd.motion.rotations import axis_angle_to_matrix

log = logging.getLogger("bench_export")


def _clip(seed: int, T: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(T) / 20.0
    aa = 0.4 * np.sin(
        2 * np.pi * t[:, None, None] * rng.uniform(0.5, 1.5, (1, NUM_JOINTS, 3)) + rng.uniform(0, 6, (1, NUM_JOINTS, 3))
    )
    root = np.cumsum(np.tile([0.0, 0.0, 0.06], (T, 1)), axis=0) + np.array([0.0, 0.9, 0.0])
    joints = forward_kinematics(
        axis_angle_to_matrix(aa), root, rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), torso="template")
    )
    return joints + rng.normal(scale=0.002, size=joints.shape)


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("motionlgd").setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    clip = _clip(0)
    clips = [_clip(i) for i in range(args.clips)]
    motion = Motion(joints=clip, fps=20.0)
    t_one = _best(lambda: joints_to_rotations(clip))
    t_many = _best(lambda: [joints_to_rotations(c) for c in clips], repeat=1)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t_bvh = _best(lambda: export_bvh(clip, d / "a.bvh", overwrite=True))
        t_npz = _best(lambda: export_npz(motion, d / "a.npz", overwrite=True))
        t_smpl = _best(lambda: export_smpl(clip, d / "s.npz", overwrite=True))
        size = (d / "a.bvh").stat().st_size
    t_foot = _best(lambda: clean_foot_contacts(clip))
    log.info("IK, one 6 s clip (120 frames):      %7.2f ms", 1e3 * t_one)
    log.info(
        "IK, %d clips of 6 s:               %7.1f ms (%.2f ms per clip)",
        args.clips,
        1e3 * t_many,
        1e3 * t_many / args.clips,
    )
    log.info("export_bvh, 6 s clip (IK + write): %7.2f ms (%d kB)", 1e3 * t_bvh, size // 1024)
    log.info("export_npz, 6 s clip:              %7.2f ms", 1e3 * t_npz)
    log.info("export_smpl, 6 s clip:             %7.2f ms", 1e3 * t_smpl)
    log.info("clean_foot_contacts, 6 s clip:     %7.2f ms", 1e3 * t_foot)


if __name__ == "__main__":
    main()
