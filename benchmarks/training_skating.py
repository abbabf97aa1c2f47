"""Raw foot skating of a training run's snapshots, against training time.

    python benchmarks/training_skating.py ~/.cache/motionlgd/train/v3 [--base motionlgd/assets/default]
        [--samples 16] [--steps 50] [--every 1] [--json curve.json] [--plot curve.png]

For the run's starting model (``--base``, drawn at 0 h) and each snapshot
``<run>/snapshots/step_N.pt`` (kept every ``keep_every`` steps, see configs/v3.yaml) and
``<run>/last.pt``, the EMA weights are exported to a temporary folder and sampled
unguided ("a person walks forward", 6 s, DDIM, fixed seeds): raw skating (this
project's :func:`~motionlgd.eval.metrics.foot_skating_ratio`, no clean-up), walking
speed, foot-support switches and jerk. Training time is the run's own compute time
stored in each checkpoint (not wall time). ``--config`` (the run's training config) writes
its ``detail_guidance`` into each exported snapshot, so a detail head is measured as it
ships (``--detail-scale 1``: the head alone, without its autoguidance).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.train.checkpoints import export_checkpoint, read_train_checkpoint

PROMPT = "a person walks forward"


def measure(model_dir: Path, samples: int, steps: int) -> dict[str, float]:
    model = motionlgd.load_model(model_dir)
    res = motionlgd.generate(
        prompt=PROMPT, duration=6.0, num_samples=samples, seed=0, steps=steps, method="none", model=model
    )
    j = res.joints
    skate = np.array([M.foot_skating_ratio(x) for x in j])
    return {
        "skating": float(skate.mean()),
        "skating_ci95": float(1.96 * skate.std(ddof=1) / np.sqrt(len(skate))) if len(skate) > 1 else float("nan"),
        "speed_mps": float(np.mean([M.root_speed(x) for x in j])),
        "switches": float(np.mean([M.foot_contact_switches(x) for x in j])),
        "jerk": float(np.mean([M.mean_jerk(x) for x in j])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="training run folder (last.pt, snapshots/)")
    ap.add_argument("--base", type=Path, default=None, help="the model the run started from (drawn at 0 h)")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--every", type=int, default=1, help="measure every k-th snapshot")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--config", type=Path, default=None, help="training config: its detail_guidance is used")
    ap.add_argument("--detail-scale", type=float, default=None, help="override the detail guidance scale")
    args = ap.parse_args()
    if args.detail_scale is not None and args.config is None:
        ap.error("--detail-scale changes the detail guidance of --config; give the run's training config")
    detail = None
    if args.config is not None:
        from motionlgd.train import load_config

        detail = load_config(args.config).detail_guidance
        if detail is not None and args.detail_scale is not None:
            detail = {**detail, "scale": args.detail_scale}
    ckpts = sorted((args.run / "snapshots").glob("step_*.pt"))[:: args.every]
    if (args.run / "last.pt").is_file():
        ckpts.append(args.run / "last.pt")
    rows = []
    if args.base is not None:
        rows.append({"step": 0, "hours": 0.0, "name": str(args.base), **measure(args.base, args.samples, args.steps)})
        print(_line(rows[-1]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for ck in ckpts:
            st = read_train_checkpoint(ck)
            folder = export_checkpoint(ck, Path(tmp) / ck.stem, detail_guidance=detail)
            row = {"step": int(st["step"]), "hours": float(st.get("elapsed", 0.0)) / 3600, "name": ck.name}
            row.update(measure(folder, args.samples, args.steps))
            rows.append(row)
            print(_line(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.plot:
        _plot(rows, args.plot)


def _line(r: dict) -> str:
    return (
        f"step {r['step']:5d}  {r['hours']:5.2f} h  skating {r['skating']:.3f} +- {r['skating_ci95']:.3f}  "
        f"speed {r['speed_mps']:.2f} m/s  switches {r['switches']:.1f}  jerk {r['jerk']:.1f}"
    )


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    h = [r["hours"] for r in rows]
    ax.errorbar(h, [r["skating"] for r in rows], yerr=[r["skating_ci95"] for r in rows], marker="o", capsize=3)
    ax.axhline(0.35, ls="--", c="gray", lw=1, label="target 0.35")
    ax.axhline(0.12, ls=":", c="green", lw=1, label="real walking 0.12")
    ax.set_xlabel("training compute since the start model (h, 2 CPU cores)")
    ax.set_ylabel("raw foot skating")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
