"""Picture of the foot clean-ups on one generated walk: toe heights and positions over time.

    python benchmarks/plot_footsteps.py [--model DIR] [--seed 0] [--steps 100] [-o docs/images/footsteps.png]

Top: both toes' height above the floor (the skating measure counts a toe under 5 cm that
moves more than 2.5 cm per frame).  Bottom: the left toe's distance along the walking
direction.  Lines: the model's raw output, ``clean_feet="pin"`` and ``clean_feet="steps"``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.export import clean_feet


def plot(model, out: str | Path, prompt: str = "a person walks forward", seed: int = 0, steps: int = 100) -> dict:
    """Generate one walk, clean it up both ways, draw the picture to ``out``; returns the
    skating ratio of each version (``raw``, ``pin``, ``steps``)."""
    res = motionlgd.generate(
        prompt=prompt, duration=6.0, num_samples=1, seed=seed, steps=steps, method="none", model=model
    )
    raw = res.joints[0].astype(np.float64)
    versions = {"raw model output": raw}
    for method in ("pin", "steps"):
        versions[f'clean_feet="{method}"'] = clean_feet(raw, model.fps, method).joints
    floor = raw[..., 1].min()
    heading = raw[-1, 0, [0, 2]] - raw[0, 0, [0, 2]]
    heading /= max(float(np.linalg.norm(heading)), 1e-9)
    t = np.arange(len(raw)) / model.fps
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    styles = {
        "raw model output": ("0.55", "-"),
        'clean_feet="pin"': ("tab:blue", "--"),
        'clean_feet="steps"': ("tab:red", "-"),
    }
    skating = {}
    for (name, j), key in zip(versions.items(), ("raw", "pin", "steps")):
        colour, ls = styles[name]
        skating[key] = float(M.foot_skating_ratio(j))
        label = f"{name}: skating {skating[key]:.2f}"
        axes[0].plot(t, j[:, 10, 1] - floor, color=colour, ls=ls, label=label)
        axes[0].plot(t, j[:, 11, 1] - floor, color=colour, ls=ls, alpha=0.45)
        axes[1].plot(t, j[:, 10][:, [0, 2]] @ heading, color=colour, ls=ls, label=name)
    axes[0].axhline(0.05, color="k", lw=0.8, ls=":")
    axes[0].text(t[-1], 0.052, "5 cm", ha="right", va="bottom", fontsize=8)
    axes[0].set_ylabel("toe height (m)\n(left dark, right light)")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[1].set_ylabel("left toe along the walk (m)")
    axes[1].set_xlabel("time (s)")
    axes[0].set_title(f'"{prompt}", seed {seed}: flat parts of the lower plot = a planted foot')
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return skating


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--prompt", default="a person walks forward")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("-o", "--out", default="docs/images/footsteps.png")
    args = ap.parse_args()
    skating = plot(motionlgd.load_model(args.model), args.out, args.prompt, args.seed, args.steps)
    print("foot skating: " + ", ".join(f"{k} {v:.2f}" for k, v in skating.items()))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
