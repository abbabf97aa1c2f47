"""DPS against LGD-MC on body-level losses, under the precise method's planned route.

    python benchmarks/body_losses.py [--model DIR] [--seeds 8] [--steps 50] [--scales 5,10]

Two scenarios whose constraint a pelvis route cannot express, so guidance does the work:

* ``wall_close``: walk 5 m along a wall whose face is 40 cm to the side of the path;
  every joint must keep 5 cm from it (``obstacles.joints: all``): arms and feet, not
  only the pelvis.
* ``low_beam``: walk 5 m; between 2 and 4 s the head must stay below 1.35 m
  (``joint_height``), as under a low beam.

Each runs with the precise method (route planned and held; the residual loss guided by
DPS, i.e. ``n = 1, r = 0``, or by LGD-MC ``n = 16``), and with pure DPS / LGD-MC guidance
on every loss (no planner), same seeds. Printed per cell:
constraint violation (penetration rate and depth, or head height over the limit),
foot skating, and the body realism score against real walking.
"""

from __future__ import annotations

import argparse

import numpy as np

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.eval.body_realism import body_realism
from motionlgd.scenario import parse_scenario

SCENARIOS = {
    "wall_close": {
        "duration": 6.0,
        "path": {"points": [[0, 0], [0, 5]]},
        "obstacles": {
            "shapes": [{"type": "box", "center": [0.5, 2.5], "size": [0.2, 8.0]}],
            "margin": 0.05,
            "joints": "all",
            "weight": 10.0,
        },
    },
    "low_beam": {
        "duration": 6.0,
        "path": {"points": [[0, 0], [0, 5]]},
        "losses": [
            {
                "name": "joint_height",
                "weight": 10.0,
                "params": {"joints": [15], "max_height": 1.35, "t_start": 2.0, "t_end": 4.0},
            }
        ],
    },
}

VARIANTS = {
    "precise, route only (scale 0)": {"method": "precise", "scale": 0.0},
    "precise + DPS": {"method": "precise", "n": 1, "r_multiplier": 0.0},
    "precise + LGD-MC n=16": {"method": "precise", "n": 16},
    "pure DPS": {"method": "dps"},
    "pure LGD-MC n=16": {"method": "lgd_mc", "n": 16},
}


def _violation(name: str, joints: np.ndarray, sc) -> tuple[float, float]:
    if name == "wall_close":
        op = M.obstacle_penetration(joints, sc.obstacle_shapes(), "all")
        return op["penetrated"], op["max_depth"] * 100
    head = joints[40:81, 15, 1] - joints[..., 1].min()
    over = max(0.0, float(head.max()) - 1.35)
    return float(over > 0.01), over * 100


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model folder (default: the shipped model)")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--scales", default="5", help="guidance scales to try (comma-separated)")
    args = ap.parse_args()
    model = motionlgd.load_model(args.model)
    scales = [float(s) for s in args.scales.split(",")]
    print("| scenario | guidance | scale | violated | worst (cm) | foot skate | body FD | s / clip |")
    print("|---|---|---|---|---|---|---|---|")
    for name, spec in SCENARIOS.items():
        for label, g in VARIANTS.items():
            for scale in [0.0] if "scale" in g else scales:
                sc = parse_scenario({"prompt": "a person walks forward", "name": name, **spec})
                res = motionlgd.generate(sc, model=model, num_samples=args.seeds, steps=args.steps,
                                         guidance={"scale": scale, **g})  # fmt: skip
                viol = np.array([_violation(name, j, sc) for j in res.joints])
                skate = np.mean([M.foot_skating_ratio(j) for j in res.joints])
                fd = body_realism(list(res.joints))
                t = res.metrics["time_s"] / args.seeds
                print(f"| {name} | {label} | {scale:g} | {viol[:, 0].mean():.2f} | {viol[:, 1].max():.1f} "
                      f"| {skate:.2f} | {fd:.1f} | {t:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
