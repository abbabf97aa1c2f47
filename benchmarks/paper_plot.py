"""The plot of docs/paper.md from ``benchmarks/paper_sweep.py``'s ``summary.json``.

python benchmarks/paper_plot.py results/paper/summary.json docs/images/paper_sweep.png
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

#: Curves over the guidance scale: (label, cell name prefix, suffix, colour).
CURVES = [
    ("DPS", "dps_s", "", "tab:red"),
    ("LGD-MC n=16", "lgd_mc_n16_s", "", "tab:blue"),
    ("LGD-MC n=16, r_t x 0.25", "lgd_mc_n16_s", "_r0.25", "tab:cyan"),
]
SCALES = (2.5, 5, 7.5, 10, 15, 20)


def _cell(summary: dict[str, Any], prefix: str, scale: float, suffix: str) -> dict[str, Any] | None:
    return summary.get(f"{prefix}{scale:g}{suffix}")


def plot(summary: dict[str, Any], path: Path) -> None:
    """Left: penetration rate against goal distance along each method's scale curve.
    Right: penetration rate of every cell, with 95 % intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1.15]})
    for label, prefix, suffix, colour in CURVES:
        pts = [(s, c) for s in SCALES if (c := _cell(summary, prefix, s, suffix)) is not None]
        if not pts:
            continue
        xs = [c["goal_error_m"][0] for _, c in pts]
        ys = [c["obstacle_penetrated"][0] for _, c in pts]
        ax.errorbar(xs, ys, xerr=[c["goal_error_m"][1] for _, c in pts], yerr=[c["obstacle_penetrated"][1] for _, c in pts],
                    color=colour, marker="o", capsize=3, label=label)  # fmt: skip
        for (s, _), x, y in zip(pts, xs, ys, strict=True):
            ax.annotate(f"s={s:g}", (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8, color=colour)
    if "unguided" in summary:
        u = summary["unguided"]
        ax.plot(u["goal_error_m"][0], u["obstacle_penetrated"][0], "k^", label="unguided")
    ax.set_xlabel("goal distance (m), mean over 64 motions")
    ax.set_ylabel("share of motions entering a disc")
    ax.set_title("walk 6 m to a goal past discs: scale curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    names = list(summary)
    pen = [summary[n]["obstacle_penetrated"] for n in names]
    colours = ["tab:red" if n.startswith("dps") else "k" if n == "unguided" else "tab:blue" for n in names]
    bx.barh(range(len(names)), [p[0] for p in pen], xerr=[p[1] for p in pen], color=colours, alpha=0.75, capsize=2)
    bx.set_yticks(range(len(names)), names, fontsize=8)
    bx.invert_yaxis()
    bx.set_xlabel("share of motions entering a disc (95 % interval)")
    bx.set_title("every cell")
    bx.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    import json

    plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
