"""Per-step time of unguided sampling, DPS and LGD-MC (n = 4, 16, 64), as ratios from one run.

    python benchmarks/bench_guidance.py [--model DIR] [--device cpu|cuda] [--batch 3] [--frames 120]

Each configuration runs a short DDIM chain (same seed, same steps) on the obstacle demo's
losses; configurations are interleaved over several rounds and the median time per step
is reported, with the ratio to DPS measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from motionlgd.diffusion import sample_ddim
from motionlgd.guidance import GuidanceConfig, GuidedDenoiser
from motionlgd.losses import make_objective
from motionlgd.pipeline import resolve_model, world_transform
from motionlgd.scenario import parse_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model folder (default: the shipped model)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=3, help="motions per call (default 3)")
    ap.add_argument("--frames", type=int, default=120, help="frames per motion (default 120 = 6 s)")
    ap.add_argument("--steps", type=int, default=10, help="sampling steps per timed run")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cfg", type=float, default=None, help="classifier-free guidance scale (default: the model's)")
    args = ap.parse_args()

    model = resolve_model({"path": args.model} if args.model else {}, args.device)
    sc = parse_scenario(
        {
            "duration": args.frames / 20,
            "path": {"points": [[0, 0], [0, args.frames / 20]]},
            "obstacles": {"shapes": [{"type": "disc", "center": [0, 2], "radius": 0.4}], "weight": 10},
        }
    )
    loss = sc.build_loss()
    objective = make_objective(loss, model.mean, model.std, model.fps, world_transform(*sc.start_pose()))
    base = model.denoiser(args.cfg)
    cond = {"text_emb": model.encode_text(["a person walks forward"] * args.batch)}
    sched = model.schedule.respace(args.steps)
    configs = {
        "unguided": None,
        "dps": GuidanceConfig(method="dps", scale=1.0, stop=1.0),
        "lgd_mc n=4": GuidanceConfig(method="lgd_mc", n=4, scale=1.0, stop=1.0),
        "lgd_mc n=16": GuidanceConfig(method="lgd_mc", n=16, scale=1.0, stop=1.0),
        "lgd_mc n=64": GuidanceConfig(method="lgd_mc", n=64, scale=1.0, stop=1.0),
    }
    times: dict[str, list[float]] = {k: [] for k in configs}
    shape = (args.batch, args.frames, model.net.input_feats)
    for r in range(args.rounds + 1):
        for name, cfg in configs.items():
            den = (
                base
                if cfg is None
                else GuidedDenoiser(base, objective, model.schedule, cfg, generator=torch.Generator().manual_seed(0))
            )
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            sample_ddim(den, sched, shape, cond, generator=torch.Generator().manual_seed(0), device=args.device)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            if r > 0:  # round 0 warms up
                times[name].append((time.perf_counter() - t0) / args.steps)
    dps = statistics.median(times["dps"])
    print(
        f"model {model.name}, device {args.device}, batch {args.batch}, {args.frames} frames, {torch.get_num_threads()} threads"
    )
    print("| method | ms / step (median) | x unguided | x DPS |")
    print("|---|---|---|---|")
    ung = statistics.median(times["unguided"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med * 1000:.1f} | {med / ung:.2f} | {med / dps:.2f} |")


if __name__ == "__main__":
    main()
