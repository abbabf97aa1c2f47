"""How the body walks routes of different speeds under precise control.

    python benchmarks/route_speed.py [--seeds 4] [--steps 50]

Straight timed routes walked in 6 s at 0.5 to 1.5 m/s with "a person walks forward",
and at 2.5 m/s with "a person runs forward"; each with gait timing on (the default) and
off. Per row (mean over seeds): raw foot skating (the project's measure and GMD's),
steps per second (foot-contact switches: the cadence), stride (metres per step), jerk,
the pelvis's distance to the route and the re-timing rate used. Prints a markdown table.
"""

from __future__ import annotations

import argparse

import numpy as np

import motionlgd
from motionlgd.eval.metrics import foot_contact_switches, foot_skating_ratio, foot_skating_ratio_gmd, mean_jerk

ROWS = [("a person walks forward", v) for v in (0.5, 0.83, 1.17, 1.5)] + [("a person runs forward", 2.5)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    model = motionlgd.load_model()
    print(
        "| prompt | route speed (m/s) | gait timing | rate | skate | skate (GMD) | steps / s | stride (m) | jerk | route err (cm) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for prompt, speed in ROWS:
        for timing in (True, False):
            res = motionlgd.generate(
                prompt=prompt, duration=6.0, num_samples=args.seeds, steps=args.steps, seed=0, model=model,
                path={"points": [[0, 0], [0, 6.0 * speed]]}, guidance={"gait_timing": timing},
            )  # fmt: skip
            J = res.joints
            steps_s = np.mean([foot_contact_switches(x) / 6.0 for x in J])
            gait = res.metrics.get("gait")
            rate = f"{gait['rate_min']:.2f}" if gait else "1"
            cells = [
                prompt, f"{speed:.2f}", "on" if timing else "off", rate,
                f"{np.mean([foot_skating_ratio(x) for x in J]):.2f}",
                f"{np.mean([foot_skating_ratio_gmd(x) for x in J]):.2f}",
                f"{steps_s:.2f}", f"{speed / max(steps_s, 1e-6):.2f}",
                f"{np.mean([mean_jerk(x) for x in J]):.0f}",
                f"{100 * res.metrics['mean']['route_error_mean_m']:.2f}",
            ]  # fmt: skip
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
