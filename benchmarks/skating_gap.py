"""Where precise control's extra foot skating comes from, scenario by scenario.

    python benchmarks/skating_gap.py [--every 3] [--seeds 4] [--steps 50]

For every ``--every``-th scenario of the evaluation suite, three motions from the same
seeds: the unguided walk, the model's *own* last clean estimate under precise control
(before the route is imputed into it: the body and the pelvis path the network itself
predicts), and the precise result (the route imputed). Prints raw foot skating and the
mean pelvis speed of each: the gap between "own" and "precise" is what imputation adds;
the gap between "unguided" and "own" is the model walking a route (often faster than
its own walk) rather than its own path.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import motionlgd
import motionlgd.control.precise as precise_mod
from motionlgd.control.imputation import RouteImputer
from motionlgd.eval.metrics import foot_skating_ratio
from motionlgd.eval.scenarios import build_suite
from motionlgd.motion.humanml3d import recover_from_ric


class _Recording(RouteImputer):
    """A RouteImputer that keeps the last un-imputed clean estimate."""

    last_own: torch.Tensor | None = None

    def __call__(self, x_t, t, cond):  # type: ignore[override]
        own = self.denoiser(x_t, t, cond)
        _Recording.last_own = own.detach().clone()
        return super().__call__(x_t, t, cond)


def _speed(joints: np.ndarray, fps: float) -> float:
    return float(np.linalg.norm(np.diff(joints[..., 0, [0, 2]], axis=-2), axis=-1).mean() * fps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    model = motionlgd.load_model()
    precise_mod.RouteImputer = _Recording  # type: ignore[misc]
    print("| scenario | unguided skate (m/s) | own estimate skate (m/s) | precise skate (m/s) |")
    print("|---|---|---|---|")
    sums = np.zeros(3)
    suite = build_suite()[:: args.every]
    for sc in suite:
        kw = dict(model=model, num_samples=args.seeds, seed=0, steps=args.steps)
        unguided = motionlgd.generate(sc, method="none", **kw).joints
        # gait timing off: the own estimate and the result share the route's clock
        res = motionlgd.generate(sc, guidance={**sc.guidance, "gait_timing": False}, **kw)
        own = recover_from_ric(model.denormalize(_Recording.last_own)).numpy()
        cells = []
        for k, J in enumerate((unguided, own, res.joints)):
            sk = float(np.mean([foot_skating_ratio(x) for x in J]))
            sums[k] += sk
            cells.append(f"{sk:.2f} ({np.mean([_speed(x, model.fps) for x in J]):.2f})")
        print(f"| {sc.name} | " + " | ".join(cells) + " |", flush=True)
    m = sums / len(suite)
    print(f"| **mean** | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} |")


if __name__ == "__main__":
    main()
