"""Foot-contact clean-up: pin planted feet and re-solve the legs with fixed bone lengths.

Steps (all vectorised over frames):

1. Contacts: a foot joint (ankle 7/8, toe 10/11) is in contact when it is *low*
   (less than ``height`` above its own 5th-percentile height in the clip) and *slow*
   (horizontal speed below ``speed`` m/s); spans shorter than ``min_frames`` are dropped
   and gaps of one frame are filled.
2. Pinning: during each contact span the joint's target xz is the span's median xz
   (height unchanged; spans straying more than ``max_drift`` from it are not pinned); over ``blend`` frames before and after the span the target
   blends back to the original with a smoothstep.  When only one joint of a foot is
   pinned, the other follows it (the foot moves as a unit).
3. Legs: two-bone IK hip -> knee -> ankle onto the ankle target with the original
   thigh and shin lengths, the knee bent in the plane of the original knee (pole kept);
   the toe is placed at the original foot length from the new ankle, pointing at its
   target.  The pelvis and upper body are untouched, so every bone length is kept.

Metric: :func:`motionlgd.eval.metrics.foot_skating_ratio` before and after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import binary_closing

from ..errors import ShapeError
from ..eval.metrics import foot_skating_ratio, hip_forward
from ..motion.motion import Motion
from ..motion.skeleton import FOOT_JOINTS, NUM_JOINTS, bone_lengths
from .smoothing import calm_knee, soft_reach

__all__ = ["FootCleanResult", "clean_foot_contacts", "detect_foot_contacts", "two_bone_ik"]

logger = logging.getLogger(__name__)

#: (hip, knee, ankle, toe) of each leg.
_LEGS: tuple[tuple[int, int, int, int], ...] = ((1, 4, 7, 10), (2, 5, 8, 11))


@dataclass(frozen=True)
class FootCleanResult:
    """Output of :func:`clean_foot_contacts` and :func:`~motionlgd.export.plant_footsteps`.

    Attributes:
        joints: ``(T, 22, 3)`` cleaned positions (metres).
        contacts: ``(T, 4)`` bool contacts (left ankle, left toe, right ankle, right toe).
        metrics: ``skating_before``/``skating_after`` (foot skating ratio),
            ``max_bone_change`` (metres), ``contact_frames`` (fraction), ``max_shift`` (metres).
    """

    joints: np.ndarray
    contacts: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)


def _drop_short(mask: np.ndarray, min_frames: int) -> np.ndarray:
    """Remove True runs shorter than ``min_frames`` in a ``(T,)`` bool array."""
    out = mask.copy()
    T = len(mask)
    t = 0
    while t < T:
        if mask[t]:
            s = t
            while t < T and mask[t]:
                t += 1
            if t - s < min_frames:
                out[s:t] = False
        else:
            t += 1
    return out


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` spans of True in a ``(T,)`` bool array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def detect_foot_contacts(
    joints: np.ndarray, fps: float = 20.0, height: float = 0.05, speed: float = 1.0, min_frames: int = 2
) -> np.ndarray:
    """Foot contacts ``(T, 4)`` bool (left ankle, left toe, right ankle, right toe).

    Args:
        joints: ``(T, 22, 3)`` positions, metres, Y up.
        fps: frame rate (for the speed threshold).
        height: metres above the joint's own 5th-percentile height that still count as low.
        speed: horizontal speed (m/s) under which a low joint counts as planted.
        min_frames: shortest contact span kept.
    """
    feet = joints[:, list(FOOT_JOINTS)]  # (T, 4, 3)
    T = feet.shape[0]
    ref = np.percentile(feet[..., 1], 5, axis=0)
    low = feet[..., 1] < ref + height
    vel = np.zeros((T, 4))
    if T > 1:
        step = np.linalg.norm(np.diff(feet[..., [0, 2]], axis=0), axis=-1) * fps
        vel[1:-1] = np.minimum(step[1:], step[:-1])  # a frame is slow if either neighbour step is slow
        vel[0], vel[-1] = step[0], step[-1]
    return _tidy_contacts(low & (vel < speed), min_frames)


def _tidy_contacts(contact: np.ndarray, min_frames: int) -> np.ndarray:
    """Fill one-frame gaps and drop spans shorter than ``min_frames`` in ``(T, 4)`` bool contacts."""
    contact = contact.copy()
    for k in range(contact.shape[1]):
        c = binary_closing(np.pad(contact[:, k], 1), structure=np.ones(3, dtype=bool))[1:-1] | contact[:, k]
        contact[:, k] = _drop_short(c, min_frames)
    return contact


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _pin_offsets(xz: np.ndarray, contact: np.ndarray, blend: int, max_drift: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal offsets ``(T, 2)`` moving a joint onto its pinned positions, and weights ``(T,)``.

    Spans in which the joint strays more than ``max_drift`` metres from the span's median
    are not pinned (a deliberate drag or shuffle, not a planted foot) and are reset to
    ``False`` in ``contact`` (in place).
    """
    T = xz.shape[0]
    offset = np.zeros((T, 2))
    weight = np.zeros(T)
    for s, e in _spans(contact):
        target = np.median(xz[s:e], axis=0)
        if np.linalg.norm(xz[s:e] - target, axis=-1).max() > max_drift:
            contact[s:e] = False
            continue
        lo, hi = max(0, s - blend), min(T, e + blend)
        t = np.arange(lo, hi)
        w = np.ones(len(t))
        if blend > 0:
            w = np.where(t < s, _smoothstep((t - (s - blend - 1)) / (blend + 1)), w)
            w = np.where(t >= e, _smoothstep(((e + blend) - t) / (blend + 1)), w)
        # overlapping blends: the stronger pin wins
        take = w > weight[t]
        offset[t[take]] = (target - xz[t[take]]) * w[take, None]
        weight[t[take]] = w[take]
    return offset, weight


def two_bone_ik(
    hip: np.ndarray, knee: np.ndarray, target: np.ndarray, l1: np.ndarray, l2: np.ndarray, forward: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle ``(T, 3)`` for a hip and ankle target with fixed thigh/shin lengths.

    The knee bends in the plane through hip, target and the original ``knee`` (pole);
    ``forward (T, 3)`` is the fallback pole for a straight leg.  A target out of reach
    is moved onto the reachable sphere (the ankle then ends short of it).
    """
    d = target - hip
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    u = d / np.maximum(dist, 1e-9)
    lo = np.abs(l1 - l2)[:, None] + 1e-6
    hi = (l1 + l2)[:, None] - 1e-6
    dist = np.clip(dist, lo, hi)
    pole = knee - hip
    pole = pole - (pole * u).sum(-1, keepdims=True) * u
    fb = forward - (forward * u).sum(-1, keepdims=True) * u
    small = np.linalg.norm(pole, axis=-1, keepdims=True) < 1e-4
    pole = np.where(small, fb, pole)
    pole = pole / np.maximum(np.linalg.norm(pole, axis=-1, keepdims=True), 1e-9)
    a = (l1[:, None] ** 2 - l2[:, None] ** 2 + dist**2) / (2 * dist)
    h = np.sqrt(np.maximum(l1[:, None] ** 2 - a**2, 0.0))
    new_knee = hip + a * u + h * pole
    new_ankle = hip + dist * u
    return new_knee, new_ankle


def _read_joints(motion_or_joints: Motion | np.ndarray, fps: float | None) -> tuple[np.ndarray, np.ndarray, float]:
    """``(raw, joints, rate)``: the input array, a float64 copy ``(T, 22, 3)`` and the frame
    rate (the Motion's, else 20), with shape, finiteness and rate checked."""
    if isinstance(motion_or_joints, Motion):
        raw = np.asarray(motion_or_joints.joints)
        rate = float(motion_or_joints.fps) if fps is None else float(fps)
    else:
        raw = np.asarray(motion_or_joints)
        rate = 20.0 if fps is None else float(fps)
    joints = raw.astype(np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3) or joints.shape[0] < 2:
        raise ShapeError(f"expected joints of shape (T>=2, 22, 3), got {tuple(joints.shape)}")
    if not np.all(np.isfinite(joints)):
        raise ShapeError("joints contain NaN or inf")
    if not (np.isfinite(rate) and rate > 0):
        raise ValueError(f"fps must be a positive number, got {rate!r}")
    return raw, joints, rate


def _facing(joints: np.ndarray) -> np.ndarray:
    """Unit facing direction ``(T, 3)`` (horizontal, perpendicular to the hips): the knee
    pole for a straight leg."""
    f = hip_forward(joints)
    return np.stack([f[:, 0], np.zeros(len(f)), f[:, 1]], axis=-1)


def _solve_leg(
    joints: np.ndarray,
    out: np.ndarray,
    leg: tuple[int, int, int, int],
    target_a: np.ndarray,
    target_t: np.ndarray,
    active: np.ndarray,
    forward: np.ndarray,
    soft: float = 0.0,
    knee_lam: float = 0.0,
) -> float:
    """Re-solve one leg (hip, knee, ankle, toe) of ``joints`` into ``out`` on the ``active
    (T,)`` frames: two-bone IK onto the ankle target ``(T, 3)``, the toe at the original
    foot length pointing at its target.  ``soft`` (metres) keeps the ankle target softly
    inside the leg's reach and ``knee_lam`` smooths the knee's track
    (:mod:`motionlgd.export.smoothing`; 0: exact IK).  Returns the largest joint shift (metres)."""
    hip, knee, ankle, toe = leg
    l1 = np.linalg.norm(joints[:, knee] - joints[:, hip], axis=-1)
    l2 = np.linalg.norm(joints[:, ankle] - joints[:, knee], axis=-1)
    l3 = np.linalg.norm(joints[:, toe] - joints[:, ankle], axis=-1)
    target_a = soft_reach(joints[:, hip], target_a, l1 + l2, soft)
    new_knee, new_ankle = two_bone_ik(joints[:, hip], joints[:, knee], target_a, l1, l2, forward)
    if knee_lam > 0:
        new_knee, new_ankle = calm_knee(joints[:, hip], new_knee, target_a, l1, l2, knee_lam)
    foot_dir = target_t - new_ankle
    n = np.linalg.norm(foot_dir, axis=-1, keepdims=True)
    orig_dir = joints[:, toe] - joints[:, ankle]
    foot_dir = np.where(n > 1e-6, foot_dir / np.maximum(n, 1e-9), orig_dir / np.maximum(l3[:, None], 1e-9))
    out[active, knee] = new_knee[active]
    out[active, ankle] = new_ankle[active]
    out[active, toe] = (new_ankle + foot_dir * l3[:, None])[active]
    return float(np.linalg.norm(out[:, [knee, ankle, toe]] - joints[:, [knee, ankle, toe]], axis=-1).max())


def _result(
    raw: np.ndarray, joints: np.ndarray, out: np.ndarray, contacts: np.ndarray, max_shift: float, name: str
) -> FootCleanResult:
    """The :class:`FootCleanResult` of a clean-up: metrics computed, ``raw``'s float dtype kept."""
    metrics = {
        "skating_before": foot_skating_ratio(joints),
        "skating_after": foot_skating_ratio(out),
        "max_bone_change": float(np.abs(bone_lengths(out) - bone_lengths(joints)).max()),
        "contact_frames": float(contacts.any(-1).mean()),
        "max_shift": max_shift,
    }
    logger.info(
        "%s: skating %.3f -> %.3f, max shift %.2f m",
        name,
        metrics["skating_before"],
        metrics["skating_after"],
        metrics["max_shift"],
    )
    out_dtype = raw.dtype if np.issubdtype(raw.dtype, np.floating) else np.float64
    return FootCleanResult(joints=out.astype(out_dtype), contacts=contacts, metrics=metrics)


def clean_foot_contacts(
    motion_or_joints: Motion | np.ndarray,
    fps: float | None = None,
    height: float = 0.05,
    speed: float = 1.0,
    min_frames: int = 2,
    blend: int = 3,
    max_drift: float = 0.2,
    contacts: np.ndarray | None = None,
) -> FootCleanResult:
    """Remove foot skating: pin feet during contacts, re-solve the legs (bone lengths kept).

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions (metres, Y up).
        fps: frame rate; ``None`` = the Motion's (20 for arrays).
        height, speed, min_frames: contact detection, see :func:`detect_foot_contacts`.
        blend: frames over which the pin fades in before and out after a span.
        max_drift: contact spans whose joint strays further than this (metres) from the
            span's median position are left alone (drags, shuffles, crawling).
        contacts: ``(T, 4)`` bool contacts to use instead of detecting them (left ankle,
            left toe, right ankle, right toe), e.g. a diffusion model's own contact
            features (HumanML3D dims 259-262 > 0.5); spans shorter than ``min_frames``
            are dropped and one-frame gaps filled, as for detected contacts.

    Returns:
        :class:`FootCleanResult` with the new joints and before/after metrics.  Wrap the
        joints with ``Motion.from_joints`` to get matching features again.
    """
    raw, joints, rate = _read_joints(motion_or_joints, fps)
    if contacts is None:
        contacts = detect_foot_contacts(joints, rate, height, speed, min_frames)
    else:
        given = np.asarray(contacts)
        if given.shape != (joints.shape[0], 4):
            raise ShapeError(f"contacts must have shape ({joints.shape[0]}, 4), got {tuple(given.shape)}")
        contacts = _tidy_contacts(given.astype(bool), min_frames)
    out = joints.copy()
    forward = _facing(joints)
    max_shift = 0.0
    for side, leg in enumerate(_LEGS):
        ankle, toe = leg[2], leg[3]
        ca, ct = contacts[:, 2 * side], contacts[:, 2 * side + 1]  # views: pinned spans only remain
        pa, wa = _pin_offsets(joints[:, ankle, [0, 2]], ca, blend, max_drift)
        pt, wt = _pin_offsets(joints[:, toe, [0, 2]], ct, blend, max_drift)
        if not (np.any(wa > 0) or np.any(wt > 0)):
            continue
        target_a = joints[:, ankle].copy()
        target_a[:, [0, 2]] += pa + (1.0 - wa)[:, None] * pt  # an unpinned joint follows the pinned one
        target_t = joints[:, toe].copy()
        target_t[:, [0, 2]] += pt + (1.0 - wt)[:, None] * pa
        shift = _solve_leg(joints, out, leg, target_a, target_t, (wa > 0) | (wt > 0), forward)
        max_shift = max(max_shift, shift)
    return _result(raw, joints, out, contacts, max_shift, "foot clean-up")
