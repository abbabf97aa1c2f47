"""Evaluation suite: unguided vs DPS vs LGD-MC on many control scenarios, same seeds and steps.

``run_suite`` generates every scenario with every method (seeds batched as samples of
one call, so all methods start from the same noise), collects per-sample metrics and
aggregates them per method with a mean and a 95% interval (normal approximation over
scenario x seed samples).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario import Scenario
from .body_realism import body_realism
from .realism import realism_score
from .scenarios import build_suite

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "Method",
    "aggregate",
    "build_suite",
    "markdown_table",
    "mean_ci95",
    "run_suite",
    "write_results",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Method:
    """A guidance setting compared by the suite."""

    name: str
    method: str
    n: int = 1
    options: tuple[tuple[str, Any], ...] = ()  # more guidance settings, e.g. (("impute", False),)


METHODS = (
    Method("unguided", "none"),
    Method("precise", "precise", 16),
    Method("dps", "dps"),
    Method("lgd_mc_4", "lgd_mc", 4),
    Method("lgd_mc_16", "lgd_mc", 16),
    Method("lgd_mc_64", "lgd_mc", 64),
)


def run_suite(
    model: Any,
    scenarios: list[Scenario],
    methods: tuple[Method, ...] = METHODS,
    seeds: int = 4,
    steps: int = 50,
    device: str = "cpu",
    scale: float | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every scenario with every method; one row per (scenario, method, seed)."""
    from ..pipeline import generate

    rows: list[dict[str, Any]] = []
    for sc in scenarios:
        for m in methods:
            guidance = dict(sc.guidance)
            guidance["method"] = m.method
            guidance["n"] = m.n
            guidance.update(dict(m.options))
            if scale is not None:
                guidance["scale"] = scale
            t0 = time.time()
            res = generate(sc, model=model, device=device, num_samples=seeds, seed=0, steps=steps, guidance=guidance)
            wall = time.time() - t0
            for s, row in enumerate(res.metrics["per_sample"]):
                rows.append(
                    {
                        "scenario": sc.name,
                        "method": m.name,
                        "n": m.n if m.method in ("lgd_mc", "precise") else 0,
                        "seed": s,
                        "time_per_step_s": res.metrics["time_s"] / res.metrics["steps"],
                        # sampling seconds per clip, scaled to a 6 s clip (time grows with length)
                        "s_per_6s_clip": res.metrics["time_s"] / seeds * 6.0 / sc.duration,
                        "wall_s": wall,
                        "joints": res.joints[s],
                        **row,
                    }
                )
                if row.get("constraints_met"):
                    rows[-1]["all_constraints_met"] = float(all(row["constraints_met"].values()))
            if on_progress is not None:
                on_progress(f"{sc.name} {m.name}: {res.metrics['time_s']:.1f} s")
    return rows


def mean_ci95(values: list[float | None]) -> tuple[float, float]:
    """Mean of ``values`` (None and NaN left out) and the half-width of its 95 % interval
    (normal approximation; 0 for one value, NaN for none)."""
    a = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], dtype=float)
    if len(a) == 0:
        return float("nan"), float("nan")
    half = 1.96 * a.std(ddof=1) / math.sqrt(len(a)) if len(a) > 1 else 0.0
    return float(a.mean()), float(half)


#: Variants of the precise method for ablations (``--methods``): the planned route held by
#: LGD-MC guidance or the model's root condition alone (no imputation), and imputation plus
#: guidance pulling the model's own pelvis to the route, and the default with one of its
#: body steps off: turning the body so its own stepping direction follows the route, gait
#: timing, harmonising resampling, the turn's smoothing (back to 3 frames), or the held
#: stepping direction (read from every frame instead).
ABLATIONS = (
    Method("plan_guided", "precise", 16, (("impute", False), ("route_weight", 1.0))),
    Method("plan_cond_only", "precise", 16, (("impute", False),)),
    Method("precise_route_guided", "precise", 16, (("route_weight", 1.0),)),
    Method("precise_unaligned", "precise", 16, (("align_heading", False),)),
    Method("precise_no_gait_timing", "precise", 16, (("gait_timing", False),)),
    Method("precise_no_resample", "precise", 16, (("resample", 1),)),
    Method("precise_sharp_turns", "precise", 16, (("turn_smoothing", 0.15),)),
    Method("precise_per_frame_direction", "precise", 16, (("hold_direction", False),)),
)

#: Methods ``motionlgd eval`` runs unless ``--methods`` says otherwise.
DEFAULT_METHODS = ("unguided", "precise", "dps", "lgd_mc_16")

METRIC_KEYS = (
    ("path_error_mean_m", "path err (cm)", 100.0),
    ("path_detour_mean_m", "forced detour (cm)", 100.0),
    ("waypoint_error_mean_m", "waypoint err (cm)", 100.0),
    ("goal_error_m", "goal err (cm)", 100.0),
    ("all_constraints_met", "all met", 1.0),
    ("obstacle_penetrated", "penetration rate", 1.0),
    ("obstacle_max_depth_m", "max depth (cm)", 100.0),
    ("foot_skating_ratio", "foot skate", 1.0),
    ("jerk", "jerk (m/s^3)", 1.0),
    ("facing_cos_mean", "facing cos", 1.0),
    ("facing_reversed_share", "facing reversed", 1.0),
    ("s_per_6s_clip", "s / 6 s clip", 1.0),
)


def aggregate(rows: list[dict[str, Any]], methods: tuple[Method, ...] = METHODS) -> dict[str, dict[str, Any]]:
    """Per method: mean and 95% half-interval of each metric, time per step, realism."""
    out: dict[str, dict[str, Any]] = {}
    # realism reference: the first method's (unguided) samples, first 120 frames of each clip
    ref = [r["joints"][:120] for r in rows if r["method"] == methods[0].name and len(r["joints"]) >= 120]
    for m in methods:
        mine = [r for r in rows if r["method"] == m.name]
        if not mine:
            continue
        agg: dict[str, Any] = {"samples": len(mine)}
        for key, _, scale in METRIC_KEYS:
            vals = [r[key] * scale for r in mine if r.get(key) is not None]
            if vals:
                agg[key] = mean_ci95(vals)
        agg["time_per_step_s"] = mean_ci95([r["time_per_step_s"] for r in mine])
        samples = [r["joints"][:120] for r in mine if len(r["joints"]) >= 120]
        if m.name != methods[0].name and len(ref) > 2 and len(samples) > 2:
            agg["realism_fd"] = realism_score(np.stack(samples), np.stack(ref))
        if len(mine) > 2:
            agg["body_fd"] = body_realism([r["joints"] for r in mine])
        out[m.name] = agg
    return out


def markdown_table(agg: dict[str, dict[str, Any]]) -> str:
    """A markdown table of the aggregate (mean ± 95% interval)."""
    base_t = agg.get("dps", {}).get("time_per_step_s", (float("nan"), 0))[0]
    cols = [(k, label) for k, label, _ in METRIC_KEYS if any(k in a for a in agg.values())]
    head = (
        "| method | "
        + " | ".join(label for _, label in cols)
        + " | body FD to real walking | realism FD to unguided | ms / step | x DPS |"
    )
    sep = "|" + "---|" * (len(cols) + 5)
    lines = [head, sep]
    for name, a in agg.items():
        cells = []
        for k, _ in cols:
            if k in a:
                mean, half = a[k]
                cells.append(f"{mean:.2f} ± {half:.2f}" if not math.isnan(mean) else "-")
            else:
                cells.append("-")
        t = a["time_per_step_s"][0]
        rel = f"{t / base_t:.2f}" if base_t == base_t and base_t > 0 else "-"
        fd = f"{a['realism_fd']:.2f}" if "realism_fd" in a else "(reference)"
        bfd = f"{a['body_fd']:.2f}" if "body_fd" in a else "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {bfd} | {fd} | {t * 1000:.0f} | {rel} |")
    return "\n".join(lines)


def write_results(
    out: Path, rows: list[dict[str, Any]], agg: dict[str, dict[str, Any]], meta: dict[str, Any], overwrite: bool = False
) -> list[Path]:
    """Write ``results.json``, ``samples.csv``, ``table.md`` and ``plot.png`` into ``out``."""
    from ..io import atomic_write, check_writable, save_json

    out = Path(out)
    paths = [out / "results.json", out / "samples.csv", out / "table.md", out / "plot.png"]
    check_writable(paths, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    save_json(paths[0], {"meta": meta, "aggregate": agg}, overwrite=overwrite)
    keys = [k for k in rows[0] if k != "joints"] if rows else []
    for r in rows:
        for k in r:
            if k not in keys and k != "joints":
                keys.append(k)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in keys})
    atomic_write(paths[1], lambda p: p.write_text(buf.getvalue()), overwrite)
    atomic_write(paths[2], lambda p: p.write_text(markdown_table(agg) + "\n"), overwrite)
    atomic_write(paths[3], lambda p: _plot(agg, p), overwrite)
    return paths


def _plot(agg: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    names = [n for n in agg if n.startswith("lgd_mc")]
    ns = [int(n.split("_")[-1]) for n in names]
    for key, label, color in (
        ("path_error_mean_m", "path error (cm)", "C0"),
        ("obstacle_penetrated", "penetration rate x100", "C3"),
    ):
        if not all(key in agg[n] for n in names) or not names:
            continue
        mult = 1.0 if key == "path_error_mean_m" else 100.0
        ys = [agg[n][key][0] * mult for n in names]
        es = [agg[n][key][1] * mult for n in names]
        axes[0].errorbar(ns, ys, yerr=es, marker="o", label=f"LGD-MC {label}", color=color, capsize=3)
        if "dps" in agg and key in agg["dps"]:
            axes[0].axhline(agg["dps"][key][0] * mult, ls="--", color=color, label=f"DPS {label}")
        if "unguided" in agg and key in agg["unguided"]:
            axes[0].axhline(agg["unguided"][key][0] * mult, ls=":", color=color, label=f"unguided {label}")
    axes[0].set_xscale("log", base=2)
    axes[0].set_xlabel("Monte Carlo samples n")
    axes[0].set_title("control error vs n")
    axes[0].legend(fontsize=7)
    for name, a in agg.items():
        if "path_error_mean_m" in a:
            axes[1].scatter(a["time_per_step_s"][0] * 1000, a["path_error_mean_m"][0], label=name)
            axes[1].annotate(name, (a["time_per_step_s"][0] * 1000, a["path_error_mean_m"][0]), fontsize=7)
    axes[1].set_xlabel("time per sampling step (ms)")
    axes[1].set_ylabel("path error (cm)")
    axes[1].set_title("error vs time")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
