"""Body realism that does not penalise the route: body and foot-contact descriptors
compared with real walking and turning.

The older :mod:`motionlgd.eval.realism` score compares whole-motion statistics with
unguided samples, speed and turning included, so any route that differs from an unguided
walk scores badly. A controlled motion should instead be judged on how its *body* moves
along whatever route it was given. Each clip ``(T, 22, 3)`` is summarised by
:data:`BODY_DESCRIPTOR_NAMES`:

* posture: heights of head, hands, knees and pelvis above the floor, and how much they
  vary (a crouch, a limp or a frozen body shows here);
* limb motion in the body's own facing frame: mean speeds of hands, feet and head
  relative to the pelvis, foot swing amplitude and hand spread (arms and legs that swing);
* foot contact: the share of frames with a planted foot, contact changes per second,
  swing height, and the horizontal speed of low feet (skating);
* gliding: the horizontal speed of low feet over the pelvis's speed (small for a person
  who plants the feet and steps along the route, near 1 for a body carried along it);
* smoothness: jerk of the root-relative joints.

None of them reads the pelvis speed, path shape or heading. The reference is real
walking and turning windows of the team's motion-capture data (locomotion clips, 6 s
windows), stored as a Gaussian fit in ``body_reference.npz`` (built by
``benchmarks/build_body_reference.py``); the score is the Frechet distance between the
Gaussian fit of the samples' descriptors and the reference's, each dimension
standardised by the reference's spread (0 = indistinguishable in these statistics).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..motion.humanml3d import facing_directions
from .realism import gaussian_frechet

__all__ = ["BODY_DESCRIPTOR_NAMES", "body_descriptor", "body_realism", "load_body_reference"]

BODY_DESCRIPTOR_NAMES = (
    "head_height", "hand_height", "knee_height", "pelvis_height",
    "head_height_std", "hand_height_std", "knee_height_std", "pelvis_height_std",
    "hand_speed", "foot_speed", "head_speed",
    "foot_swing", "hand_spread",
    "contact_share", "contact_changes_per_s", "swing_height", "low_foot_speed",
    "low_foot_over_pelvis_speed", "relative_jerk",
)  # fmt: skip

REFERENCE_FILE = Path(__file__).with_name("body_reference.npz")


def body_descriptor(joints: np.ndarray, fps: float = 20.0) -> np.ndarray:
    """``(T, 22, 3)`` metres, Y up -> ``(len(BODY_DESCRIPTOR_NAMES),)`` descriptor."""
    j = np.asarray(joints, dtype=np.float64)
    floor = j[..., 1].min()
    h = j[..., 1] - floor
    f = facing_directions(j)[:, [0, 2]]  # (T, 2) forward (x, z)
    side = np.stack([f[:, 1], -f[:, 0]], -1)
    rel = j[..., [0, 2]] - j[:, :1, [0, 2]]  # (T, 22, 2) ground offsets from the pelvis
    fwd = (rel * f[:, None]).sum(-1)
    lat = (rel * side[:, None]).sum(-1)
    local = np.stack([lat, h - h[:, :1], fwd], -1)  # body frame, pelvis at the origin
    v = np.linalg.norm(np.diff(local, axis=0), axis=-1) * fps  # (T-1, 22) m/s
    feet = j[:, [7, 10, 8, 11]]
    low = (feet[..., 1] - floor) < 0.05
    step = np.linalg.norm(np.diff(feet[..., [0, 2]], axis=0), axis=-1)  # (T-1, 4) m/frame
    planted = low[:-1] & (step * fps < 0.5)
    contact = planted.reshape(-1, 2, 2).any(-1)  # (T-1, 2) per leg
    changes = np.abs(np.diff(contact.astype(int), axis=0)).sum() / max(len(j) / fps, 1e-6)
    low_steps = low[:-1]
    low_speed = (step * fps * low_steps).sum() / max(low_steps.sum(), 1)
    pelvis_speed = np.linalg.norm(np.diff(j[:, 0, [0, 2]], axis=0), axis=-1).mean() * fps
    glide = low_speed / pelvis_speed if pelvis_speed > 0.2 else 0.0
    jerk = np.linalg.norm(np.diff(local, n=3, axis=0), axis=-1).mean() * fps**3 if len(j) > 3 else 0.0
    heights = h[:, [15, 20, 21, 4, 5, 0]]
    values = [
        heights[:, 0].mean(), heights[:, 1:3].mean(), heights[:, 3:5].mean(), heights[:, 5].mean(),
        heights[:, 0].std(), heights[:, 1:3].std(0).mean(), heights[:, 3:5].std(0).mean(), heights[:, 5].std(),
        v[:, [20, 21]].mean(), v[:, [10, 11]].mean(), v[:, 15].mean(),
        fwd[:, [10, 11]].std(0).mean(), np.abs(lat[:, [20, 21]]).mean(),
        contact.mean(), changes, np.percentile(h[:, [7, 8]], 95),
        low_speed, glide, jerk,
    ]  # fmt: skip
    return np.asarray(values, dtype=np.float64)


def load_body_reference(path: str | Path | None = None) -> dict[str, np.ndarray]:
    """The reference Gaussian fit: ``{"mean", "cov", "std", "count"}`` (no pickles)."""
    with np.load(Path(path) if path is not None else REFERENCE_FILE, allow_pickle=False) as z:
        return {k: z[k] for k in ("mean", "cov", "std", "count")}


def body_realism(
    samples: np.ndarray | list[np.ndarray], reference: dict[str, np.ndarray] | None = None, fps: float = 20.0
) -> float:
    """Frechet distance of the samples' body descriptors to the reference (lower = closer).

    Args:
        samples: clips ``(T, 22, 3)`` (lengths may differ); at least 2.
        reference: a :func:`load_body_reference` dict (default: the shipped reference).
    """
    ref = reference if reference is not None else load_body_reference()
    d = np.stack([body_descriptor(x, fps) for x in samples])
    sd = ref["std"] + 1e-6
    z = (d - ref["mean"]) / sd
    cov_ref = ref["cov"] / np.outer(sd, sd)
    mu = z.mean(0)
    cov = np.cov(z, rowvar=False) if len(z) > 1 else np.zeros_like(cov_ref)
    return gaussian_frechet(mu, cov, np.zeros_like(mu), cov_ref)
