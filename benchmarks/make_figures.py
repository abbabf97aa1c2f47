"""Regenerate the README's guided-demo pictures and the side-by-side comparison.

    python benchmarks/make_figures.py [--steps 100] [--out docs/images]

Writes (overwriting):
* ``obstacles_frame.png``: the obstacle demo (``motionlgd demo obstacles``: precise
  control, seed 0, 3 samples, the demo's ``steps`` foot clean-up), a pyrender still at 5 s;
* ``obstacles_topdown.png``: the same run seen from above;
* ``side_by_side.png``: unguided, DPS, LGD-MC and precise control on the same scenario
  and seed (sample 0 of each), one tile each, at two thirds of the clip.

Prints the figures the captions quote (path error, detour, penetration, skating).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import motionlgd
from motionlgd.cli import _scene_from_scenario, scenarios_dir
from motionlgd.render import SceneSpec, render_motion, render_topdown


def _summary(name: str, res) -> str:
    m = res.metrics["mean"]
    parts = [f"path error {100 * m['path_error_mean_m']:.1f} cm"]
    if "path_detour_mean_m" in m:
        parts.append(f"forced detour {100 * m['path_detour_mean_m']:.1f} cm")
    parts.append(f"penetration {m['obstacle_penetrated']:.2f}")
    raw = m.get("foot_skating_before_cleanup", m["foot_skating_ratio"])
    parts.append(f"raw skating {raw:.2f}")
    if "foot_skating_before_cleanup" in m:
        parts.append(f"after clean-up {m['foot_skating_ratio']:.2f}")
    return f"{name}: " + ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "images"))
    args = ap.parse_args()
    out = Path(args.out)
    model = motionlgd.load_model()
    sc = motionlgd.load_scenario(scenarios_dir() / "obstacles.yaml")
    res = motionlgd.generate(sc, model=model, steps=args.steps)
    print(_summary("demo obstacles (precise)", res))
    scene = _scene_from_scenario(res.scenario)
    render_motion(res.joints, out / "obstacles_frame.png", scene=scene, frame=100, overwrite=True, backend="pyrender")
    render_topdown(res.joints, out / "obstacles_topdown.png", scene=scene, overwrite=True)

    methods = {"unguided": "none", "DPS": "dps", "LGD-MC": "lgd_mc", "precise": "precise"}
    joints = []
    for label, method in methods.items():
        r = motionlgd.generate(sc, model=model, method=method, steps=args.steps, clean_feet=False)
        print(_summary(label, r))
        joints.append(r.joints[:1])
    joints = np.concatenate(joints)
    spec = SceneSpec(path=sc.path_targets(), obstacles=sc.obstacles["shapes"])
    render_motion(joints, out / "side_by_side.png", scene=spec, labels=list(methods), layout="side_by_side",
                  size=(1280, 400), camera="frame", frame=joints.shape[1] * 2 // 3, overwrite=True)  # fmt: skip
    print(f"wrote {out}/obstacles_frame.png, obstacles_topdown.png, side_by_side.png")


if __name__ == "__main__":
    main()
