"""Jerk and skating of the `steps` foot clean-up against the raw motion it cleans.

    python benchmarks/footclean_jerk.py [--walks 50] [--json out.json]

Raw motions (no clean-up) of the obstacle demo (assets/scenarios/obstacles.yaml, its own
seed, samples and sampler) and of three unguided 6 s walks ("a person walks forward",
seed 0, ``--walks`` DDIM steps) are cleaned by :func:`motionlgd.export.plant_footsteps`
with its default smoothing and frame by frame (``smoothing=0``). Per motion it prints
raw jerk (m/s^3, :func:`~motionlgd.eval.metrics.mean_jerk`), the cleaned motion's jerk
as a ratio of the raw one, skating before and after, and how far planted ankles and toes
still move per frame (mean and max, mm).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.export import plant_footsteps
from motionlgd.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _creep(result) -> tuple[float, float]:
    steps = []
    for col, joint in enumerate((7, 10, 8, 11)):
        both = result.contacts[1:, col] & result.contacts[:-1, col]
        d = np.linalg.norm(np.diff(result.joints[:, joint][:, [0, 2]], axis=0), axis=-1)
        steps.append(d[both])
    s = np.concatenate(steps)
    return (float(s.mean() * 1000), float(s.max() * 1000)) if len(s) else (0.0, 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--walks", type=int, default=50, help="DDIM steps of the unguided walks")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    motions = []
    demo = motionlgd.generate(load_scenario(ROOT / "assets/scenarios/obstacles.yaml"), clean_feet=False)
    motions += [(f"obstacle demo #{i}", j) for i, j in enumerate(demo.joints)]
    walks = motionlgd.generate(
        prompt="a person walks forward", duration=6.0, num_samples=3, seed=0, steps=args.walks, method="none"
    )
    motions += [(f"unguided walk #{i}", j) for i, j in enumerate(walks.joints)]
    rows = []
    print(
        f"{'motion':18s} {'raw jerk':>8s} {'x smooth':>8s} {'x frame':>8s} {'skate raw':>9s} {'after':>6s} {'creep mm':>9s}"
    )
    for name, j in motions:
        raw = M.mean_jerk(j)
        smooth, frame = plant_footsteps(j, 20.0), plant_footsteps(j, 20.0, smoothing=0.0)
        creep = _creep(smooth)
        row = {
            "motion": name,
            "raw_jerk": raw,
            "jerk_ratio": M.mean_jerk(smooth.joints) / raw,
            "jerk_ratio_frame_by_frame": M.mean_jerk(frame.joints) / raw,
            "skating_raw": smooth.metrics["skating_before"],
            "skating_after": smooth.metrics["skating_after"],
            "planted_creep_mm": creep,
        }
        rows.append(row)
        print(
            f"{name:18s} {raw:8.1f} {row['jerk_ratio']:8.2f} {row['jerk_ratio_frame_by_frame']:8.2f} "
            f"{row['skating_raw']:9.2f} {row['skating_after']:6.3f} {creep[0]:4.1f}/{creep[1]:4.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
