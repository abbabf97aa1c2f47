"""Per-group figures of one or more ``motionlgd eval`` runs (from their ``samples.csv``).

    python benchmarks/suite_groups.py results/ [more_results/ ...] [--methods precise,unguided]

Groups: timed paths, obstacle courses, waypoints, goals, turns (U-turn, circle, zigzag,
door, gap, backwards), slow routes. Per method and group: path error and forced detour (cm), worst
waypoint error (cm), goal error (cm), share of samples meeting every constraint,
penetration rate and raw foot skating. A method found in several runs is taken from the
first run that has it.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

GROUPS = {
    "paths": "path_",
    "obstacles": "obstacles_",
    "waypoints": "waypoints_",
    "goals": "goal_",
    "turns": "turn_",
    "slow": "slow_",
}
COLUMNS = (
    ("path_error_mean_m", "path (cm)", 100.0),
    ("path_detour_mean_m", "forced detour (cm)", 100.0),
    ("waypoint_error_max_m", "worst waypoint (cm)", 100.0),
    ("goal_error_m", "goal (cm)", 100.0),
    ("all_constraints_met", "all met", 1.0),
    ("obstacle_penetrated", "penetration", 1.0),
    ("foot_skating_ratio", "foot skate", 1.0),
)


def _mean(rows: list[dict[str, str]], key: str, scale: float) -> str:
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "")]
    return "-" if not vals else f"{scale * sum(vals) / len(vals):.1f}" if scale > 1 else f"{sum(vals) / len(vals):.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="eval output folders")
    ap.add_argument("--methods", help="comma-separated methods to show (default: all)")
    args = ap.parse_args()
    by_method: dict[str, list[dict[str, str]]] = {}
    for run in args.runs:
        rows = list(csv.DictReader((Path(run) / "samples.csv").open()))
        for m in dict.fromkeys(r["method"] for r in rows):
            by_method.setdefault(m, [r for r in rows if r["method"] == m])
    wanted = args.methods.split(",") if args.methods else list(by_method)
    print("| method | group | " + " | ".join(c[1] for c in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for m in wanted:
        for group, prefix in GROUPS.items():
            rows = [r for r in by_method.get(m, []) if r["scenario"].startswith(prefix)]
            if not rows:
                continue
            cells = [_mean(rows, k, s) for k, _, s in COLUMNS]
            print(
                f"| {m} | {group} | "
                + " | ".join(c if c != "nan" and not c.startswith("nan") else "-" for c in cells)
                + " |"
            )


if __name__ == "__main__":
    main()
