"""Footstep clean-up: re-plant shuffling feet as alternating steps (stance pinned, swing lifted).

:func:`motionlgd.export.clean_foot_contacts` pins feet that a motion already plants
(low and slow).  A small diffusion model often does not plant them at all: both feet
stay near the floor and slide at a fraction of the body's speed (a shuffle), so there
are few contacts to pin.  :func:`plant_footsteps` rebuilds the foot paths from the gait
the motion still has, as an animator's foot-placement rig would:

1. Stance: per leg, the foot is in stance when its lower joint (ankle or toe) is low
   (within ``low_height`` of that height's 5th percentile) and the foot (ankle-toe
   midpoint) is the slower of the two (or slower than ``still_speed`` m/s: both feet
   stand).  Gaps of one frame are filled, stance spans shorter than ``min_frames`` dropped.
2. Pins: in each stance span the ankle and the toe hold the span's median horizontal
   position.  A stance foot that slides further than ``max_slide`` metres (more than a
   leg can hold while the body walks on) is cut into pieces with a three-frame re-plant
   between them.
3. Swing: between two pins at most ``max_swing`` seconds apart, the foot follows its own
   path, re-timed with a smoothstep (it leaves and lands at zero speed) and shifted so
   that it leaves the first pin and lands on the next (the shift blends from one pin's
   offset to the other's with the same smoothstep), at least
   ``swing_height`` x sqrt(sin(pi s)) above the lower of its heights at the two pins
   (s = swing progress; less for steps shorter than 20 cm or 4 frames; a foot that
   already swings higher keeps its height).  At the clip's ends the foot swings from / to its own
   first / last position; across longer gaps the pin offset fades out over ``blend``
   frames.
4. Smoothing (``smoothing > 0``, :mod:`motionlgd.export.smoothing`): the foot tracks are
   re-solved for least jerk with the plants held exactly, the foot held over its plant
   for one more frame at each end of a swing (it lifts first and lands last), the
   rebuilt swings' ground paths left free, their heights kept loosely; frames the
   clean-up did not touch are held too. The knee's track is smoothed over the whole
   clip (step 5), so a leg may move slightly everywhere.  Without it the clean-up tripled the obstacle demo's
   jerk (plants stopping the foot in a frame, knees snapping near full reach).
5. Legs: two-bone IK (hip -> knee -> ankle, original thigh and shin lengths, knee in the
   plane of the original knee; with smoothing, the target kept softly inside the leg's
   reach and the knee's track smoothed); the toe at the original foot length from the
   new ankle, pointing at its target.  Pelvis and upper body are untouched: every bone
   length is kept.

Input and output: ``(T, 22, 3)`` joint positions, metres, Y up.
"""

from __future__ import annotations

import logging
from itertools import pairwise

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..motion.motion import Motion
from .footclean import (
    _LEGS,
    FootCleanResult,
    _facing,
    _read_joints,
    _result,
    _smoothstep,
    _solve_leg,
    _spans,
    _tidy_contacts,
)
from .smoothing import HOLD, smooth_track

__all__ = ["detect_stance", "plant_footsteps"]

logger = logging.getLogger(__name__)

_FULL_LIFT_STEP = 0.2  # metres: steps at least this long get the whole swing height
_FULL_LIFT_FRAMES = 4  # swings at least this many frames long get the whole swing height
# Smoothing at ``smoothing = 1`` (chosen on the obstacle demo and checked on the suite's
# routes, see docs/results.md): jerk weights of the ground track, the height and the
# knee; data weights of a rebuilt swing's ground path and height, and of the frame that
# holds the foot over its plant while it lifts.
_LAM_XZ, _LAM_Y, _LAM_KNEE = 3.0, 0.01, 30.0
_W_SWING_XZ, _W_SWING_Y, _W_LIFT_FIRST = 1e-3, 1.0, 10.0
_SOFT_REACH = 0.05


def detect_stance(
    joints: np.ndarray,
    fps: float = 20.0,
    low_height: float = 0.10,
    still_speed: float = 0.15,
    min_frames: int = 2,
) -> np.ndarray:
    """Stance phases ``(T, 2)`` bool (left foot, right foot) of a ``(T, 22, 3)`` motion (metres).

    A foot is in stance when its lower joint (ankle or toe) is low (within ``low_height``
    m of that height's 5th percentile in the clip) and the foot moves no faster than the
    other foot, or slower than ``still_speed`` m/s (3-frame smoothed horizontal speed of
    the ankle-toe midpoint).  One-frame gaps are filled, spans shorter than
    ``min_frames`` dropped.
    """
    _, joints, fps = _read_joints(joints, fps)
    return _stance(joints, fps, low_height, still_speed, min_frames)


def _stance(joints: np.ndarray, fps: float, low_height: float, still_speed: float, min_frames: int) -> np.ndarray:
    """:func:`detect_stance` on checked joints (float ``(T >= 2, 22, 3)``, ``fps > 0``)."""
    if low_height <= 0 or still_speed < 0 or not isinstance(min_frames, int) or min_frames < 1:
        raise ValueError("low_height must be > 0, still_speed >= 0 and min_frames an integer >= 1")
    T = joints.shape[0]
    speed = np.zeros((T, 2))
    low = np.zeros((T, 2), dtype=bool)
    for side, (_, _, ankle, toe) in enumerate(_LEGS):
        foot = 0.5 * (joints[:, ankle] + joints[:, toe])
        grad = np.gradient(foot[:, [0, 2]], axis=0)
        speed[:, side] = uniform_filter1d(np.linalg.norm(grad, axis=-1) * fps, 3, mode="nearest")
        height = np.minimum(joints[:, ankle, 1], joints[:, toe, 1])
        low[:, side] = height < np.percentile(height, 5) + low_height
    slower = np.stack([speed[:, 0] <= speed[:, 1], speed[:, 1] <= speed[:, 0]], axis=-1)
    return _tidy_contacts(low & (slower | (speed < still_speed)), min_frames)


def _split_sliding(xz: np.ndarray, start: int, end: int, max_slide: float, gap: int = 3) -> list[tuple[int, int]]:
    """Cut the stance span ``[start, end)`` of a foot ``xz (T, 2, 2)`` (ankle, toe) into pieces
    within which neither joint strays more than ``max_slide`` m from the piece's first frame,
    leaving ``gap`` frames between pieces for a quick re-plant (a foot sliding further than a
    leg can hold becomes several steps)."""
    pieces = []
    s = start
    while s < end:
        dist = np.linalg.norm(xz[s:end] - xz[s], axis=-1).max(-1)
        over = np.flatnonzero(dist > max_slide)
        e = end if len(over) == 0 else s + int(over[0])
        pieces.append((s, e))
        s = e + gap
    return [(s, e) for s, e in pieces if e > s]


def _foot_targets(
    ankle: np.ndarray,
    toe: np.ndarray,
    stance: np.ndarray,
    max_slide: float,
    max_swing: int,
    swing_height: float,
    blend: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Targets ``(T, 3)`` for the ankle and toe of one leg (metres), the frames rebuilt or
    faded ``(T,)`` bool, and the pinned frames ``(T,)`` bool."""
    T = ankle.shape[0]
    raw = np.stack([ankle, toe], axis=1)  # (T, 2, 3)
    offset = np.zeros((T, 2, 3))  # added to the raw positions
    weight = np.zeros(T)  # 1: pinned or rebuilt swing; (0, 1): fading back to the raw path
    pinned = np.zeros(T, dtype=bool)
    pins: list[tuple[int, int, np.ndarray]] = []  # (start, end, (2, 2) xz of ankle and toe)
    for span in _spans(stance):
        for s, e in _split_sliding(raw[..., [0, 2]], *span, max_slide):
            target = np.median(raw[s:e][..., [0, 2]], axis=0)  # (2, 2)
            pins.append((s, e, target))
            offset[s:e, :, 0] = target[:, 0] - raw[s:e, :, 0]
            offset[s:e, :, 2] = target[:, 1] - raw[s:e, :, 2]
            weight[s:e] = 1.0
            pinned[s:e] = True
    if not pins:
        return ankle.copy(), toe.copy(), np.zeros(T, dtype=bool), pinned
    # the clip's ends: the foot swings from / to where it is (a one-frame pin, offset 0)
    if pins[0][0] > 1:
        pins.insert(0, (0, 1, raw[0, :, [0, 2]].T.copy()))
        weight[0] = 1.0
    if pins[-1][1] < T - 1:
        pins.append((T - 1, T, raw[T - 1, :, [0, 2]].T.copy()))
        weight[T - 1] = 1.0
    for (_, e0, p0), (s1, _, p1) in pairwise(pins):
        n = s1 - e0  # frames e0 .. s1-1 between the two pins
        if 0 < n <= max(max_swing, 2 * blend):  # (fades would overlap in a shorter gap)
            _rebuild_swing(raw, offset, e0, s1, p0, p1, swing_height)
            weight[e0:s1] = 1.0
        elif n > max_swing:  # too long to be one step: fade both pins back to the raw path
            _fade(offset, weight, e0 - 1, range(e0, min(s1, e0 + blend)), blend)
            _fade(offset, weight, s1, range(s1 - 1, max(e0 - 1, s1 - 1 - blend), -1), blend)
    _fade(offset, weight, pins[0][0], range(pins[0][0] - 1, max(-1, pins[0][0] - 1 - blend), -1), blend)
    _fade(offset, weight, pins[-1][1] - 1, range(pins[-1][1], min(T, pins[-1][1] + blend)), blend)
    return raw[:, 0] + offset[:, 0], raw[:, 1] + offset[:, 1], weight > 0, pinned


def _rebuild_swing(
    raw: np.ndarray, offset: np.ndarray, e0: int, s1: int, p0: np.ndarray, p1: np.ndarray, swing_height: float
) -> None:
    """Fill ``offset[e0:s1]`` so the foot (``raw (T, 2, 3)``, ankle and toe) swings from the
    pin ``p0`` to ``p1`` (``(2, 2)`` xz) along its own path (``1 <= e0 < s1 < T``), at
    least ``swing_height`` x sqrt(sin(pi s)) above the lower of its heights at the two
    pins."""
    n = s1 - e0
    prog = np.arange(1, n + 1) / (n + 1)
    # the raw swing path (last stance frame .. first stance frame), re-timed with an ease so
    # the foot leaves and lands at zero speed, shifted by the pins' offsets blended across
    ease = _smoothstep(prog)
    path = raw[e0 - 1 : s1 + 1][..., [0, 2]]  # (n + 2, 2, 2)
    u = (n + 1) * ease
    i = np.minimum(np.floor(u).astype(int), n)
    f = (u - i)[:, None, None]
    warped = path[i] * (1.0 - f) + path[i + 1] * f  # (n, 2, 2)
    d0, d1 = p0 - path[0], p1 - path[-1]
    xz = warped + d0[None] + (d1 - d0)[None] * ease[:, None, None]
    step = float(np.linalg.norm(p1[0] - p0[0]))
    lift = swing_height * min(1.0, step / _FULL_LIFT_STEP, n / _FULL_LIFT_FRAMES) * np.sqrt(np.sin(np.pi * prog))
    base = np.minimum(raw[e0 - 1, :, 1], raw[s1, :, 1])  # (2,): the lower end (a clip end may be mid-swing)
    offset[e0:s1, :, 0] = xz[..., 0] - raw[e0:s1, :, 0]
    offset[e0:s1, :, 2] = xz[..., 1] - raw[e0:s1, :, 2]
    # a foot that already swings high enough keeps its own height (no double lift)
    offset[e0:s1, :, 1] = np.maximum(0.0, base[None] + lift[:, None] - raw[e0:s1, :, 1])


def _fade(offset: np.ndarray, weight: np.ndarray, anchor: int, frames: range, blend: int) -> None:
    """Carry the horizontal offset of frame ``anchor`` into ``frames``, fading to zero over
    ``blend`` frames; where fades overlap the stronger one wins."""
    for i, t in enumerate(frames):
        w = float(_smoothstep(np.array(1.0 - (i + 1) / (blend + 1))))
        if w <= weight[t]:
            continue
        offset[t, :, [0, 2]] = offset[anchor, :, [0, 2]] * w
        offset[t, :, 1] = 0.0
        weight[t] = w


def _smooth_targets(
    raw: np.ndarray, target: np.ndarray, changed: np.ndarray, pinned: np.ndarray, smoothing: float
) -> np.ndarray:
    """Stage 4: the least-jerk track ``(T, 3)`` of one foot joint near its ``target (T, 3)``
    (``raw``: where it was; ``changed``/``pinned`` ``(T,)`` bool from :func:`_foot_targets`)."""
    swing = changed & ~pinned
    w_xz = np.where(pinned | ~changed, HOLD, np.where(swing, _W_SWING_XZ, 1.0))
    w_y = np.where(pinned | ~changed, HOLD, np.where(swing, _W_SWING_Y, 1.0))
    goal = np.where(changed[:, None], target, raw)
    held = goal.copy()
    for src, dst in ((slice(0, -1), slice(1, None)), (slice(1, None), slice(0, -1))):
        edge = np.zeros_like(pinned)
        edge[dst] = pinned[src] & ~pinned[dst]  # the frame just off a plant, either side
        idx = np.flatnonzero(edge & swing)
        if len(idx):
            step = 1 if dst.start is None else -1  # the plant's frame next to it
            held[idx, 0], held[idx, 2] = goal[idx + step, 0], goal[idx + step, 2]
            w_xz[idx] = _W_LIFT_FIRST
    out = goal.copy()
    out[:, [0, 2]] = smooth_track(held[:, [0, 2]], w_xz, _LAM_XZ * smoothing)
    out[:, 1] = smooth_track(goal[:, 1], w_y, _LAM_Y * smoothing)
    return out


def plant_footsteps(
    motion_or_joints: Motion | np.ndarray,
    fps: float | None = None,
    swing_height: float = 0.12,
    low_height: float = 0.10,
    still_speed: float = 0.15,
    min_frames: int = 2,
    max_slide: float = 0.3,
    max_swing: float = 2.0,
    blend: int = 3,
    smoothing: float = 1.0,
) -> FootCleanResult:
    """Turn sliding feet into planted, alternating steps; re-solve the legs (bone lengths kept).

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions (metres, Y up).
        fps: frame rate; ``None`` = the Motion's (20 for arrays).
        swing_height: mid-swing clearance (metres) a swinging foot gets at least, above
            the lower of its heights at the two stances; scaled down for steps under
            20 cm or 4 frames; a foot already swinging higher keeps its height.
        low_height, still_speed, min_frames: stance detection, see :func:`detect_stance`.
        max_slide: a stance foot sliding further than this (metres) is re-planted.
        max_swing: longest swing (seconds) rebuilt between two pins; longer gaps keep
            the original foot path (gaps of at most ``2 * blend`` frames are always
            rebuilt; the pins fade out over ``blend`` frames).
        blend: frames over which a pin fades out at the ends of the rebuilt stretches.
        smoothing: strength of the least-jerk smoothing of the feet and knees (step 4 of
            the module doc; 1 keeps the obstacle demo's jerk within 1.2x of the raw
            motion's at skating <= 0.05; 0 turns it off: plants and swings frame by frame,
            about 3x the raw jerk).

    Returns:
        :class:`FootCleanResult`: new joints, ``contacts (T, 4)`` (left ankle, left toe,
        right ankle, right toe: the pinned stance frames) and metrics
        (``skating_before``/``skating_after``, ``max_bone_change``, ``contact_frames``,
        ``max_shift``).  Wrap the joints with ``Motion.from_joints`` for features.
    """
    raw, joints, rate = _read_joints(motion_or_joints, fps)
    if not (swing_height >= 0 and max_slide > 0 and max_swing > 0):  # also refuses NaN
        raise ValueError("swing_height must be >= 0, max_slide and max_swing > 0")
    if not (np.isfinite(smoothing) and smoothing >= 0):
        raise ValueError(f"smoothing must be a finite number >= 0, got {smoothing!r}")
    if not isinstance(blend, int) or blend < 0:
        raise ValueError(f"blend must be an integer >= 0, got {blend!r}")
    stance = _stance(joints, rate, low_height, still_speed, min_frames)
    out = joints.copy()
    contacts = np.zeros((joints.shape[0], 4), dtype=bool)
    forward = _facing(joints)
    max_shift = 0.0
    for side, leg in enumerate(_LEGS):
        ankle, toe = leg[2], leg[3]
        target_a, target_t, changed, pinned = _foot_targets(
            joints[:, ankle],
            joints[:, toe],
            stance[:, side],
            max_slide,
            max(1, round(max_swing * rate)),
            swing_height,
            blend,
        )
        contacts[:, 2 * side] = contacts[:, 2 * side + 1] = pinned
        if smoothing > 0 and changed.any():
            target_a = _smooth_targets(joints[:, ankle], target_a, changed, pinned, smoothing)
            target_t = _smooth_targets(joints[:, toe], target_t, changed, pinned, smoothing)
            changed = np.ones_like(changed)  # the smoothed tracks (and the calmer knee) span the clip
        moved = np.maximum(np.abs(target_a - joints[:, ankle]).max(-1), np.abs(target_t - joints[:, toe]).max(-1))
        changed &= moved > 1e-9  # frames whose targets are the joints themselves stay exact
        if changed.any():
            soft, knee_lam = (_SOFT_REACH, _LAM_KNEE * smoothing) if smoothing > 0 else (0.0, 0.0)
            shift = _solve_leg(joints, out, leg, target_a, target_t, changed, forward, soft, knee_lam)
            max_shift = max(max_shift, shift)
    return _result(raw, joints, out, contacts, max_shift, "footsteps")
