"""Python API demo: unguided, DPS, LGD-MC and precise control on the obstacle course, compared.

    python demos/python_api.py [-o demo_api]

Writes ``demo_api/compare_topdown.png`` (root paths seen from above),
``demo_api/compare.png`` (the four results side by side, one tile and camera each;
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
    methods = ("none", "dps", "lgd_mc", "precise")
    labels = ["unguided", "DPS", "LGD-MC", "precise"]
    for method in methods:
        res = motionlgd.generate(scenario, model=model, method=method, steps=args.steps)
        results[method] = res
        m = res.metrics["mean"]
        print(
            f"{method:8s} path error {100 * m['path_error_mean_m']:.0f} cm, "
            f"penetration {m['obstacle_penetrated']:.2f}, foot skating {m['foot_skating_ratio']:.3f}, "
            f"{res.metrics['time_s']:.1f} s"
        )

    from motionlgd.render import SceneSpec, render_motion, render_topdown

    scene = SceneSpec(path=scenario.path_targets(), obstacles=scenario.obstacles["shapes"], title=" / ".join(labels))
    joints = np.concatenate([results[m].joints[:1] for m in methods])
    render_topdown(joints, out / "compare_topdown.png", scene=scene, labels=labels, overwrite=True)
    print(f"wrote {out / 'compare_topdown.png'}")
    scene = SceneSpec(path=scenario.path_targets(), obstacles=scenario.obstacles["shapes"])
    for name in ["compare.png"] + (["compare.mp4"] if args.video else []):
        render_motion(joints, out / name, scene=scene, labels=labels, layout="side_by_side", size=(1280, 400),
                      camera="frame", frame=joints.shape[1] * 2 // 3, overwrite=True, progress=True)  # fmt: skip
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
