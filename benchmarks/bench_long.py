"""Long motions: time, peak memory, route error and seams against duration.

Each duration runs in a fresh process (peak resident memory is per process). A loop
route of 0.8 m/s with obstacles every ~8 m, precise control, 50 DDIM steps, one sample.

    python benchmarks/bench_long.py            # 10, 30, 60, 120 s
    python benchmarks/bench_long.py 10 30      # chosen durations
"""

from __future__ import annotations

import json
import math
import subprocess
import sys


def scenario(duration: float) -> dict:
    """A circle-and-straight route of ``0.8 * duration`` metres with obstacles on it."""
    length = 0.8 * duration
    n = max(8, int(length / 0.5))
    radius = length / (2 * math.pi)
    pts = [[radius * math.sin(2 * math.pi * i / n), radius * (1 - math.cos(2 * math.pi * i / n))] for i in range(n + 1)]
    obs = [
        {"type": "disc", "center": [radius * math.sin(a) * 1.01, radius * (1 - math.cos(a))], "radius": 0.4}
        for a in [2 * math.pi * (k + 0.5) / max(1, int(length / 8)) for k in range(max(1, int(length / 8)))]
    ]
    return {
        "prompts": [
            {"text": "a person walks forward", "until": duration / 2},
            {"text": "a person walks forward slowly"},
        ],
        "duration": duration,
        "path": {"points": pts, "smooth": True},
        "obstacles": {"margin": 0.15, "shapes": obs},
        "guidance": {"method": "precise"},
        "sampler": {"steps": 50},
    }


def one(duration: float) -> dict:
    import resource
    import time

    import torch

    import motionlgd

    torch.set_num_threads(2)
    model = motionlgd.load_model()
    t0 = time.time()
    res = motionlgd.generate(scenario(duration), model=model)
    wall = time.time() - t0
    row = res.metrics["per_sample"][0]
    return {
        "duration_s": duration,
        "windows": len(res.metrics["windows"]),
        "generate_s": wall,
        "s_per_motion_s": wall / duration,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "path_error_cm": 100 * row["path_error_mean_m"],
        "forced_detour_cm": 100 * row["path_detour_mean_m"],
        "penetrated": row.get("obstacle_penetrated", 0.0),
        "seam_max_jump": row["seam_max_jump"],
        "inner_p95_jump": row["inner_p95_jump"],
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(float(sys.argv[2]))))
        return
    durations = [float(a) for a in sys.argv[1:]] or [10.0, 30.0, 60.0, 120.0]
    print(
        "| duration | windows | seconds | s per s of motion | peak memory (MB) | path err (cm) | forced detour (cm) | penetration | seam max jump | inner p95 jump |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for d in durations:
        out = subprocess.run([sys.executable, __file__, "--one", str(d)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {d:g} s | {r['windows']} | {r['generate_s']:.1f} | {r['s_per_motion_s']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['path_error_cm']:.1f} | {r['forced_detour_cm']:.1f} | {r['penetrated']:.0f} | "
            f"{r['seam_max_jump'] * 1000:.1f} mm | {r['inner_p95_jump'] * 1000:.1f} mm |",
            flush=True,
        )


if __name__ == "__main__":
    main()
