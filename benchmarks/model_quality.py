"""Quality figures of a model (default: the shipped one), as asked of the default model.

    python benchmarks/model_quality.py [--model DIR] [--samples 32] [--steps 100] [--eta 0]
                                       [--data ../shared/data] [--json out.json]

The checks use the model's raw output.  Extra rows, for information, show the same
walking samples after each foot clean-up of ``generate(clean_feet=...)`` ("pin" and
"steps"), and, when the team data is found, real walking windows of the same length
(what the metrics give on motion capture).  "skating" is this project's measure
(:func:`motionlgd.eval.metrics.foot_skating_ratio`); "skating GMD" is the published
definition (:func:`~motionlgd.eval.metrics.foot_skating_ratio_gmd`, toes only).

Unguided samples, 6 s, DDIM:
- "a person walks forward": mean root speed (target 0.8-1.8 m/s), foot-support switches
  (target >= 4), foot skating ratio (<= 0.10), floating (lowest joint within 5 cm of the
  floor for >= 90% of frames), bone-length std (< 2 cm);
- "a person runs" faster than "a person walks";
- "crawl forward on hands and knees": pelvis below 0.6 m most of the time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import motionlgd
from motionlgd.eval import metrics as M
from motionlgd.export import FOOT_CLEANUPS, clean_feet


def run(model, prompt: str, n: int, steps: int, eta: float, seed: int = 0) -> np.ndarray:
    res = motionlgd.generate(
        prompt=prompt, duration=6.0, num_samples=n, seed=seed, steps=steps, eta=eta, method="none", model=model
    )
    return res.joints


def real_walks(root: Path, sources: list[str] | None, frames: int = 120) -> np.ndarray | None:
    """Real walking windows ``(N, frames, 22, 3)``: the first ``frames`` of every clip of
    ``sources`` in the team data whose text mentions walking (not mirrored), or None when
    the data is absent."""
    if not root.is_dir():
        return None
    from motionlgd.data.dataset import build_dataset
    from motionlgd.motion.humanml3d import recover_from_ric

    data = build_dataset(root, sources)
    idx = [
        i
        for i in np.flatnonzero(data.locomotion & ~data.mirrored)
        if "walk" in str(data.texts[i]) and data.lengths[i] >= frames
    ]
    if not idx:
        return None
    feats = torch.tensor(np.stack([data.clip(i)[:frames] for i in idx]))
    return recover_from_ric(feats).numpy()


def summarize(joints: np.ndarray) -> dict[str, float]:
    rows = {
        "root_speed_mps": [M.root_speed(j) for j in joints],
        "contact_switches": [M.foot_contact_switches(j) for j in joints],
        "foot_skating_ratio": [M.foot_skating_ratio(j) for j in joints],
        "foot_skating_ratio_gmd": [M.foot_skating_ratio_gmd(j) for j in joints],
        "grounded_frames": [1.0 - M.floating_ratio(j, 0.05) for j in joints],
        "bone_length_std_m": [M.bone_length_std(j) for j in joints],
        "pelvis_below_0.6m": [float((j[:, 0, 1] < 0.6).mean()) for j in joints],
    }
    return {k: float(np.mean(v)) for k, v in rows.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--eta", type=float, default=0.0, help="DDIM eta (0 = deterministic, 1 = DDPM-like)")
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--json")
    args = ap.parse_args()
    t0 = time.time()
    model = motionlgd.load_model(args.model)
    out: dict[str, dict[str, float]] = {}
    info: dict[str, dict[str, float]] = {}
    for prompt in ("a person walks forward", "a person walks", "a person runs", "crawl forward on hands and knees"):
        joints = run(model, prompt, args.samples, args.steps, args.eta)
        out[prompt] = summarize(joints)
        if prompt == "a person walks forward":
            for method in FOOT_CLEANUPS:
                cleaned = np.stack([clean_feet(j, model.fps, method).joints for j in joints])
                info[f"(walks forward, foot clean-up {method})"] = summarize(cleaned)
    real = real_walks(Path(args.data), model.config.get("training", {}).get("sources"))
    if real is not None:
        info[f"(real walking windows, {len(real)}, team data)"] = summarize(real)
    walk = out["a person walks forward"]
    checks = {
        "walk speed 0.8-1.8 m/s": 0.8 <= walk["root_speed_mps"] <= 1.8,
        "feet alternate (>= 4 switches)": walk["contact_switches"] >= 4,
        "foot skating <= 0.10": walk["foot_skating_ratio"] <= 0.10,
        "grounded >= 90% of frames": walk["grounded_frames"] >= 0.90,
        "bone-length std < 2 cm": walk["bone_length_std_m"] < 0.02,
        "runs faster than walks": out["a person runs"]["root_speed_mps"] > out["a person walks"]["root_speed_mps"],
        "crawl: pelvis < 0.6 m most of the time": out["crawl forward on hands and knees"]["pelvis_below_0.6m"] > 0.5,
    }
    print(
        f"model {model.name}: {args.samples} samples per prompt, {args.steps} DDIM steps (eta {args.eta:g}), "
        f"{time.time() - t0:.0f} s"
    )
    print("| prompt | speed (m/s) | switches | skating | skating GMD | grounded | bone std (cm) | pelvis < 0.6 m |")
    print("|---|---|---|---|---|---|---|---|")
    for p, r in [*out.items(), *info.items()]:
        print(
            f"| {p} | {r['root_speed_mps']:.2f} | {r['contact_switches']:.1f} | {r['foot_skating_ratio']:.3f} | "
            f"{r['foot_skating_ratio_gmd']:.3f} | {r['grounded_frames']:.2f} | {100 * r['bone_length_std_m']:.2f} | "
            f"{r['pelvis_below_0.6m']:.2f} |"
        )
    for k, ok in checks.items():
        print(f"[{'PASS' if ok else 'FAIL'}] {k}")
    for name, r in info.items():  # the skating target on the extra rows, for information
        verdict = "meets" if r["foot_skating_ratio"] <= 0.10 else "misses"
        print(f"[info] {name}: skating {r['foot_skating_ratio']:.3f} {verdict} the <= 0.10 target")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "prompts": out,
                    "info": info,
                    "eta": args.eta,
                    "checks": checks,
                    "samples": args.samples,
                    "steps": args.steps,
                },
                fh,
                indent=2,
            )


if __name__ == "__main__":
    main()
