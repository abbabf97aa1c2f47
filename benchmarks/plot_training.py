"""Plot train/val loss curves from a training log (or a chain of runs).

python benchmarks/plot_training.py ~/.cache/motionlgd/train/default/log.jsonl -o loss.png \
    [--mark 2097 "new floor"] [--mark 2563 "root weight 10"] [--then LOG "TEXT"]

``--mark STEP TEXT`` draws a dashed vertical line where the run's data or settings changed.
``--then LOG TEXT`` appends a run started from the previous one's weights (``init_from``):
its steps continue the previous log's last step, and a line marked TEXT shows the start.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--mark", nargs=2, action="append", default=[], metavar=("STEP", "TEXT"))
    ap.add_argument("--then", nargs=2, action="append", default=[], metavar=("LOG", "TEXT"))
    args = ap.parse_args()
    with open(args.log) as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for path, text in args.then:
        offset = rows[-1]["step"] if rows else 0
        with open(path) as fh:
            more = [json.loads(line) for line in fh if line.strip()]
        rows += [{**r, "step": r["step"] + offset} for r in more]
        args.mark.append((offset, text))
    steps = np.array([r["step"] for r in rows])
    feat = np.array([r["feat"] for r in rows])
    k = 25
    smooth = np.convolve(feat, np.ones(k) / k, mode="valid")
    val = [(r["step"], r["val"]) for r in rows if "val" in r]

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, feat, color="C0", alpha=0.25, lw=0.8, label="train (per step)")
    ax.plot(steps[k - 1 :], smooth, color="C0", label=f"train ({k}-step mean)")
    if val:
        ax.plot(*zip(*val), "o-", color="C3", label="validation (EMA weights)")
    for i, (step, text) in enumerate(sorted(args.mark, key=lambda m: float(m[0]))):
        ax.axvline(float(step), color="0.4", ls="--", lw=0.8)
        y = 0.98 - 0.06 * (i % 3)  # staggered so that nearby marks stay readable
        ax.text(float(step), y, f" {text}", transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="0.3")
    ax.set_xlabel("step")
    ax.set_ylabel("x0 MSE on normalised features")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title("default model training")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}: {len(rows)} steps, last val {val[-1][1]:.4f}" if val else f"wrote {args.out}")


if __name__ == "__main__":
    main()
