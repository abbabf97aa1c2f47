"""Raw foot skating of the shipped model's walk against the sampler's settings.

    python benchmarks/skating_cfg.py [--samples 16] [--model DIR]

Unguided 6 s samples of "a person walks forward" (seed 0, no clean-up), one row per
setting: classifier-free guidance scale, DDIM eta, sampler and steps. Prints a Markdown
table of raw skating (:func:`motionlgd.eval.metrics.foot_skating_ratio`, mean ± 95 %
interval) and mean pelvis speed. It separates what the sampler does to the feet from
what the network has learnt (docs/results.md, "Model v3").
"""

from __future__ import annotations

import argparse

import numpy as np

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.eval.suite import mean_ci95

#: (cfg scale, sampler, steps, eta)
SETTINGS = [
    (1.0, "ddim", 100, 0.0),
    (1.0, "ddim", 100, 1.0),
    (2.5, "ddim", 100, 0.0),
    (2.5, "ddim", 100, 1.0),
    (4.0, "ddim", 100, 0.0),
    (6.0, "ddim", 100, 0.0),
    (2.5, "ddim", 25, 0.0),
    (2.5, "ddim", 1000, 0.0),
    (2.5, "ddpm", 1000, 1.0),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    args = ap.parse_args()
    model = motionlgd.load_model(args.model)
    print("| cfg scale | sampler | steps | eta | raw skating | pelvis speed (m/s) |")
    print("|---|---|---|---|---|---|")
    for cfg, sampler, steps, eta in SETTINGS:
        res = motionlgd.generate(prompt="a person walks forward", duration=6.0, num_samples=args.samples, seed=0,
                                 steps=steps, eta=eta, sampler=sampler, cfg_scale=cfg, method="none", model=model)  # fmt: skip
        mean, half = mean_ci95([M.foot_skating_ratio(j) for j in res.joints])
        speed = np.mean([r["root_speed_mps"] for r in res.metrics["per_sample"]])
        print(f"| {cfg:g} | {sampler} | {steps} | {eta:g} | {mean:.2f} ± {half:.2f} | {speed:.2f} |", flush=True)


if __name__ == "__main__":
    main()
