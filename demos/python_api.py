"""Python API demo: DPS vs LGD-MC on the obstacle course, with a top-down comparison plot.

    python demos/python_api.py [-o demo_api]

Writes ``demo_api/compare_topdown.png`` (root paths seen from above),
``demo_api/compare.png`` (the three results side by side, one tile and camera each;
``--video`` also writes ``compare.mp4``) and prints the control metrics of each method.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import motionlgd
from motionlgd.cli import scenarios_dir


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", default="demo_api")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--video", action="store_true", help="also render compare.mp4 (side by side)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    model = motionlgd.load_model()  # the shipped default model, loaded once
    scenario = motionlgd.load_scenario(scenarios_dir() / "obstacles.yaml")
    results = {}
    for method in ("none", "dps", "lgd_mc"):
        res = motionlgd.generate(scenario, model=model, method=method, steps=args.steps)
        results[method] = res
        m = res.metrics["mean"]
        print(
            f"{method:7s} path error {100 * m['path_error_mean_m']:.0f} cm, "
            f"penetration {m['obstacle_penetrated']:.2f}, foot skating {m['foot_skating_ratio']:.3f}, "
            f"{res.metrics['time_s']:.1f} s"
        )

    from motionlgd.render import SceneSpec, render_motion, render_topdown

    scene = SceneSpec(
        path=scenario.path_targets(), obstacles=scenario.obstacles["shapes"], title="unguided / DPS / LGD-MC"
    )
    joints = np.concatenate([results[m].joints[:1] for m in ("none", "dps", "lgd_mc")])
    render_topdown(
        joints, out / "compare_topdown.png", scene=scene, labels=["unguided", "DPS", "LGD-MC"], overwrite=True
    )
    print(f"wrote {out / 'compare_topdown.png'}")
    labels = ["unguided", "DPS", "LGD-MC"]
    scene = SceneSpec(path=scenario.path_targets(), obstacles=scenario.obstacles["shapes"])
    for name in ["compare.png"] + (["compare.mp4"] if args.video else []):
        render_motion(joints, out / name, scene=scene, labels=labels, layout="side_by_side", size=(960, 400),
                      camera="frame", frame=joints.shape[1] * 2 // 3, overwrite=True, progress=True)  # fmt: skip
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
