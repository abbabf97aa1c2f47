"""Build ``motionlgd/eval/body_reference.npz``: the Gaussian fit of body descriptors of real
walking and turning (6 s windows of the team data's clips described as walking or turning,
not crawling; mirrored copies included), the reference of :func:`motionlgd.eval.body_realism.body_realism`.

    python benchmarks/build_body_reference.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from motionlgd.data.dataset import build_dataset
from motionlgd.eval.body_realism import BODY_DESCRIPTOR_NAMES, REFERENCE_FILE, body_descriptor
from motionlgd.motion.humanml3d import recover_from_ric

SOURCES = ["accad_male1", "accad_female1", "cmu_daz", "cmu_mb", "cmu_asfamc"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--window", type=int, default=120)
    ap.add_argument("--out", default=str(REFERENCE_FILE))
    args = ap.parse_args()
    data = build_dataset(args.data, SOURCES, min_frames=40)
    rows = []
    texts = [str(t).lower() for t in data.texts]
    keep = [i for i, t in enumerate(texts) if ("walk" in t or "turn" in t) and "crawl" not in t]
    for i in keep:
        f = data.clip(int(i))
        for s in range(0, len(f) - args.window + 1, args.window // 2):
            joints = recover_from_ric(torch.from_numpy(f[s : s + args.window]).double()).numpy()
            rows.append(body_descriptor(joints))
    d = np.stack(rows)
    np.savez(
        args.out,
        mean=d.mean(0),
        cov=np.cov(d, rowvar=False),
        std=d.std(0),
        count=np.array(len(d)),
        names=np.array(BODY_DESCRIPTOR_NAMES),
    )
    print(f"{len(d)} windows of {len(keep)} walking/turning clips -> {args.out}")
    for n, m, s in zip(BODY_DESCRIPTOR_NAMES, d.mean(0), d.std(0)):
        print(f"  {n:24s} {m:8.3f} ± {s:.3f}")


if __name__ == "__main__":
    main()
