"""Sampling speed: a 6 s clip end to end, batched throughput (batch 1 vs 16), peak memory.

    python benchmarks/bench_sampling.py [--model DIR] [--device cpu|cuda] [--steps 100]

Prints a markdown table. CPU peak memory is the process's maximum resident set size
(includes the Python interpreter and libraries); on CUDA, torch's peak allocated memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

import motionlgd


def peak_mb(device: str) -> float:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    t0 = time.perf_counter()
    model = motionlgd.load_model(args.model, device=args.device)
    load_s = time.perf_counter() - t0
    scen = {
        "duration": 6.0,
        "path": {"points": [[0, 0], [0, 2], [1.5, 5]], "smooth": True},
        "obstacles": [{"type": "disc", "center": [0.3, 2.5], "radius": 0.3}],
    }
    motionlgd.generate(scen, model=model, method="none", steps=2, device=args.device)  # warm-up
    rows = []
    for method, n in (("none", None), ("dps", None), ("lgd_mc", 10)):
        for batch in (1, 16):
            kw = {"n": n} if n else {}
            t = time.perf_counter()
            motionlgd.generate(
                scen, model=model, method=method, steps=args.steps, num_samples=batch, device=args.device, **kw
            )
            dt = time.perf_counter() - t
            rows.append((method if n is None else f"{method} n={n}", batch, dt, batch / dt, peak_mb(args.device)))
    print(
        f"model {model.name} loaded in {load_s:.2f} s; device {args.device}; {torch.get_num_threads()} threads; 6 s clips (120 frames), {args.steps} DDIM steps, CFG on"
    )
    print("| method | batch | seconds | clips / s | peak memory (MB) |")
    print("|---|---|---|---|---|")
    for name, b, dt, thr, mem in rows:
        print(f"| {name} | {b} | {dt:.1f} | {thr:.2f} | {mem:.0f} |")


if __name__ == "__main__":
    main()
