"""LGD-MC against DPS in the paper's motion setting: walk to a goal, discs across the way.

    python benchmarks/paper_sweep.py -o results/paper            # every cell (resumes)
    python benchmarks/paper_sweep.py -o results/paper --cells dps_s5,lgd_mc_n16_s5

Song et al. (ICML 2023) guide a text-to-motion model to a goal past obstacles with a point
estimate (DPS) and with Monte Carlo samples (LGD-MC). This script runs that setting on the
shipped model with pure guidance (no route planner): four scenes (a goal 6 m ahead, one or
two discs on the straight line, penalised from 10 cm outside their edge), "a person walks
forward", 16 seeds each, so 64 motions per cell, DDIM 50 steps. The cells vary one knob at a time around LGD-MC n=16 at scale 5: the
number of Monte Carlo samples n, the guidance scale (DPS too), the ``r_t`` multiplier and
schedule, and which feature dims the samples perturb (``mc_dims``).

Each cell's per-motion figures go to ``OUT/cells/NAME.json`` (a finished cell is not run
again); ``OUT/summary.json`` holds every cell's means with 95 % intervals, and the table is
printed. ``benchmarks/make_docs.py --only paper`` draws docs/paper.md's plot and table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from motionlgd.eval.suite import mean_ci95

#: The scenes: (name, discs [(x, z, radius)]); the goal is 6 m straight ahead of the start.
SCENES = [
    ("one_disc", [(0.0, 3.0, 0.5)]),
    ("one_disc_offset", [(0.15, 2.5, 0.6)]),
    ("two_discs", [(-0.1, 2.0, 0.4), (0.1, 4.2, 0.4)]),
    ("wide_disc", [(-0.1, 3.5, 0.8)]),
]
GOAL = (0.0, 6.0)
SEEDS, STEPS, DURATION = 16, 50, 6.0
PROMPT = "a person walks forward"
#: Guidance scales of the DPS and LGD-MC n=16 curves.
SCALES = (2.5, 5, 7.5, 10, 15, 20)
FIGURES = ("loss_goal", "loss_obstacles", "obstacle_penetrated", "obstacle_max_depth_m", "goal_error_m",
           "foot_skating_ratio")  # fmt: skip


def _cells() -> dict[str, dict[str, Any]]:
    """Cell name -> guidance settings."""
    cells: dict[str, dict[str, Any]] = {"unguided": {"method": "none"}}
    for s in SCALES:
        cells[f"dps_s{s:g}"] = {"method": "dps", "scale": s}
    for n in (1, 4, 16, 64):
        cells[f"lgd_mc_n{n}_s5"] = {"method": "lgd_mc", "n": n, "scale": 5}
    for s in SCALES:
        if s != 5:
            cells[f"lgd_mc_n16_s{s:g}"] = {"method": "lgd_mc", "n": 16, "scale": s}
    for m in (0.1, 0.25, 0.5, 2.0):
        cells[f"lgd_mc_n16_s5_r{m:g}"] = {"method": "lgd_mc", "n": 16, "scale": 5, "r_multiplier": m}
    for s in (2.5, 7.5, 10):
        cells[f"lgd_mc_n16_s{s:g}_r0.25"] = {"method": "lgd_mc", "n": 16, "scale": s, "r_multiplier": 0.25}
    for m in (0.1, 0.3):
        cells[f"lgd_mc_n16_s5_rconst{m:g}"] = {"method": "lgd_mc", "n": 16, "scale": 5, "r_schedule": "constant",
                                               "r_multiplier": m}  # fmt: skip
    for n in (16, 64):
        cells[f"lgd_mc_n{n}_s5_alldims"] = {"method": "lgd_mc", "n": n, "scale": 5, "mc_dims": "all"}
    return cells


CELLS = _cells()


def scenario(scene: str) -> dict[str, Any]:
    discs = dict(SCENES)[scene]
    shapes = [{"type": "disc", "center": [x, z], "radius": r} for x, z, r in discs]
    return {"name": scene, "prompt": PROMPT, "duration": DURATION, "goal": {"position": list(GOAL)},
            "obstacles": {"shapes": shapes, "margin": 0.1, "joints": "root"}}  # fmt: skip


def run_cell(model: Any, name: str) -> list[dict[str, Any]]:
    """Every scene's ``SEEDS`` motions under cell ``name``: one row per motion."""
    import motionlgd

    rows = []
    for scene, _ in SCENES:
        t0 = time.time()
        res = motionlgd.generate(scenario(scene), model=model, num_samples=SEEDS, seed=0, steps=STEPS,
                                 guidance=CELLS[name])  # fmt: skip
        per_step = res.metrics["time_s"] / res.metrics["steps"]
        ess = res.metrics.get("guidance", {}).get("mean_ess")  # Monte Carlo effective sample size
        for i, row in enumerate(res.metrics["per_sample"]):
            rows.append({"scene": scene, "seed": i, "s_per_step": per_step, "wall_s": time.time() - t0,
                         **({} if ess is None else {"mean_ess": ess}),
                         **{k: float(row[k]) for k in FIGURES if k in row}})  # fmt: skip
    return rows


def summarise(out: Path) -> dict[str, Any]:
    """Means and intervals of every finished cell, written to ``OUT/summary.json``."""
    summary = {}
    for name in CELLS:
        path = out / "cells" / f"{name}.json"
        if not path.exists():
            continue
        rows = json.loads(path.read_text())
        cell = {k: mean_ci95([r[k] for r in rows if k in r]) for k in FIGURES}
        cell["s_per_step"] = mean_ci95([r["s_per_step"] for r in rows])
        if any("mean_ess" in r for r in rows):
            cell["mean_ess"] = mean_ci95([r["mean_ess"] for r in rows if "mean_ess" in r])
        summary[name] = {"settings": CELLS[name], "samples": len(rows), **cell}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def table(summary: dict[str, Any]) -> str:
    """The Markdown table of docs/paper.md."""
    lines = [
        "| cell | method | n | scale | r_t | dims | goal loss (m^2) | obstacle loss | penetration | goal dist (m) | skating |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, c in summary.items():
        s = c["settings"]
        r = (
            "-"
            if s["method"] != "lgd_mc"
            else f"{s.get('r_multiplier', 1.0):g} x {s.get('r_schedule', 'sqrt(1-abar)')}"
        )
        r = r.replace("sqrt_one_minus_abar", "sqrt(1-abar)")
        row = [name, s["method"], str(s.get("n", "-")) if s["method"] == "lgd_mc" else "-",
               f"{s.get('scale', 5):g}" if s["method"] != "none" else "-", r,
               s.get("mc_dims", "loss") if s["method"] == "lgd_mc" else "-"]  # fmt: skip
        for k, d in (("loss_goal", 2), ("loss_obstacles", 3), ("obstacle_penetrated", 2), ("goal_error_m", 2),
                     ("foot_skating_ratio", 2)):  # fmt: skip
            m, h = c[k]
            row.append(f"{m:.{d}f} ± {h:.{d}f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--out", type=Path, required=True, help="output folder (finished cells are kept)")
    ap.add_argument("--cells", help=f"comma-separated cells (default: all of {', '.join(CELLS)})")
    args = ap.parse_args()
    names = [c.strip() for c in args.cells.split(",")] if args.cells else list(CELLS)
    unknown = sorted(set(names) - set(CELLS))
    if unknown:
        ap.error(f"unknown cell(s) {unknown}; choose from {list(CELLS)}")
    import motionlgd

    model = motionlgd.load_model()
    (args.out / "cells").mkdir(parents=True, exist_ok=True)
    for name in names:
        path = args.out / "cells" / f"{name}.json"
        if path.exists():
            continue
        t0 = time.time()
        rows = run_cell(model, name)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows) + "\n")
        tmp.replace(path)
        print(f"{name}: {time.time() - t0:.0f} s", flush=True)
    print(table(summarise(args.out)))


if __name__ == "__main__":
    main()
