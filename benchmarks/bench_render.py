"""Seconds to render a 6 s clip (120 frames at 20 fps) to mp4 at 640x480 on this machine, per backend.

Usage: ``python benchmarks/bench_render.py [--frames 120] [--size 640 480] [--samples 1]``.
The scene has a path, a waypoint, three obstacles and a ghost, like a typical guided result.
Rows: pyrender with its defaults (capsule body, no shadows), with shadows, with the anny
mesh body (when ``motionlgd[body]`` is installed; its one-off load is not counted), and
the matplotlib fallback. Target: under 10 s per renderer on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from motionlgd.errors import MotionLGDError
from motionlgd.render import SceneSpec, available_backends, load_body, render_motion
from motionlgd.render.synthetic import arc_path, synthetic_walk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--size", type=int, nargs=2, default=(640, 480))
    ap.add_argument("--samples", type=int, default=1)
    args = ap.parse_args()

    joints = np.stack([synthetic_walk(args.frames, offset=(0.8 * i, 0.0)) for i in range(args.samples)])
    scene = SceneSpec(
        path=arc_path(8.0),
        waypoints=[{"position": [2.0, 4.0], "time": 4.0}],
        obstacles=[
            {"type": "disc", "center": [0.5, 3.0], "radius": 0.3},
            {"type": "box", "center": [3.0, 2.0], "size": [0.6, 1.0], "angle": 30},
            {"type": "polygon", "points": [[-1.5, 5], [-0.5, 5], [-0.5, 5.3], [-1.2, 5.3], [-1.2, 6], [-1.5, 6]]},
        ],
        ghost=synthetic_walk(args.frames, radius=float("inf")),
        title="bench",
    )
    rows = []
    usable = available_backends()
    configs: list[tuple[str, str, dict]] = [
        ("pyrender (default)", "pyrender", {}),
        ("pyrender + shadows", "pyrender", {"shadows": True}),
        ("pyrender, anny body", "pyrender", {"body": "anny"}),
        ("matplotlib", "matplotlib", {}),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, backend, opts in configs:
            if not usable[backend][0]:
                rows.append((name, "unavailable", usable[backend][1][:60]))
                continue
            if "body" in opts:
                try:
                    load_body(opts["body"])  # imports and a first build outside the timing (a load is ~0.4 s)
                except MotionLGDError as exc:
                    rows.append((name, "unavailable", str(exc)[:60]))
                    continue
            out = Path(tmp) / f"{backend}.mp4"
            start = time.perf_counter()
            render_motion(joints, out, scene=scene, backend=backend, size=tuple(args.size), overwrite=True, **opts)
            secs = time.perf_counter() - start
            rows.append((name, f"{secs:.2f}", f"{1000 * secs / args.frames:.0f} ms/frame"))
    w, h = args.size
    print(f"{args.frames} frames, {w}x{h}, {args.samples} sample(s), mp4 (includes OpenGL start-up and encoding)")
    print(f"| {'backend':<28} | {'seconds':>11} | {'per frame':<14} |")
    print(f"|{'-' * 30}|{'-' * 13}|{'-' * 16}|")
    for name, secs, per in rows:
        print(f"| {name:<28} | {secs:>11} | {per:<14} |")


if __name__ == "__main__":
    main()
