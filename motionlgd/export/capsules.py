"""A procedural body for skinned exports: one capsule per bone, skinned to the 22 joints.

Used by the glTF exporter when no body model is installed (``body="capsule"``).  The mesh is
built in the skeleton's rest pose (the IK's T- or A-pose, root at ``root``), so posing it with
the exported joint rotations (linear blend skinning) moves every capsule with its bone.

Skinning: a vertex of the capsule of bone ``p -> c`` follows joint ``p`` (whose rotation moves
that bone); within the first :data:`BLEND_FRACTION` of the bone it blends towards ``p``'s own
parent joint, so the surface bends smoothly at knees and elbows instead of tearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from ..motion.skeleton import NUM_JOINTS, PARENTS

__all__ = ["BLEND_FRACTION", "BONE_RADII", "CapsuleBody", "capsule_body"]

#: Radius (metres, for an adult of ``DEFAULT_BONE_LENGTHS``) of the capsule of bone
#: ``PARENTS[j] -> j``, by child joint ``j``; bones not listed get no capsule.
BONE_RADII: Final[dict[int, float]] = {
    1: 0.075, 2: 0.075,  # pelvis -> hips (the pelvis' width)
    3: 0.11,  # pelvis -> spine1
    4: 0.07, 5: 0.07,  # thighs
    6: 0.12,  # spine1 -> spine2
    7: 0.05, 8: 0.05,  # shins
    9: 0.125,  # spine2 -> spine3
    10: 0.04, 11: 0.04,  # feet
    12: 0.055,  # spine3 -> neck
    13: 0.05, 14: 0.05,  # spine3 -> collars
    15: 0.095,  # neck -> head
    16: 0.05, 17: 0.05,  # collar -> shoulder
    18: 0.045, 19: 0.045,  # upper arms
    20: 0.038, 21: 0.038,  # forearms
}  # fmt: skip
#: Fraction of a bone, from its start, over which skin weights blend towards the parent joint.
BLEND_FRACTION: Final[float] = 0.25
_RING: Final[int] = 12  # vertices around a capsule
_CAP_RINGS: Final[int] = 4  # rings per hemisphere (pole excluded)
_BODY_RINGS: Final[int] = 6  # rings along the cylinder


@dataclass(frozen=True)
class CapsuleBody:
    """A skinned mesh in the rest pose.

    Attributes:
        vertices: ``(V, 3)`` float32 positions, metres, Y up (rest pose).
        normals: ``(V, 3)`` float32 unit normals.
        faces: ``(F, 3)`` uint32 triangle indices, counter-clockwise seen from outside.
        joints: ``(V, 4)`` uint16 joint indices (0-21).
        weights: ``(V, 4)`` float32 skin weights, rows summing to 1.
    """

    vertices: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    weights: np.ndarray


def _basis(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(axis, helper)
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(axis, e1)


def _capsule(a: np.ndarray, b: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices, normals, faces and the along-bone parameter ``u`` (0 at ``a``, 1 at ``b``)."""
    length = float(np.linalg.norm(b - a))
    axis = (b - a) / length
    e1, e2 = _basis(axis)
    # profile: (position along the axis from a, ring radius, normal's axial component)
    prof = []
    for k in range(1, _CAP_RINGS + 1):  # hemisphere at a (pole excluded), from the pole outwards
        phi = 0.5 * np.pi * k / _CAP_RINGS
        prof.append((-radius * np.cos(phi), radius * np.sin(phi), -np.cos(phi)))
    for k in range(1, _BODY_RINGS):
        prof.append((length * k / _BODY_RINGS, radius, 0.0))
    for k in range(_CAP_RINGS, 0, -1):  # hemisphere at b
        phi = 0.5 * np.pi * k / _CAP_RINGS
        prof.append((length + radius * np.cos(phi), radius * np.sin(phi), np.cos(phi)))
    ang = 2.0 * np.pi * np.arange(_RING) / _RING
    around = np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2  # (R, 3)
    verts, norms, us = [a - radius * axis], [-axis], [0.0]
    for z, r, nz in prof:
        verts.extend(a + z * axis + r * around)
        n = around * np.sqrt(max(0.0, 1.0 - nz * nz)) + nz * axis
        norms.extend(n / np.linalg.norm(n, axis=-1, keepdims=True))
        us.extend([float(np.clip(z / length, 0.0, 1.0))] * _RING)
    verts.append(b + radius * axis)
    norms.append(axis)
    us.append(1.0)
    rings = len(prof)
    faces = []
    for i in range(_RING):  # fan around the start pole
        faces.append((0, 1 + (i + 1) % _RING, 1 + i))
    for k in range(rings - 1):
        s0, s1 = 1 + k * _RING, 1 + (k + 1) * _RING
        for i in range(_RING):
            j = (i + 1) % _RING
            faces.append((s0 + i, s0 + j, s1 + j))
            faces.append((s0 + i, s1 + j, s1 + i))
    last, tip = 1 + (rings - 1) * _RING, len(verts) - 1
    for i in range(_RING):
        faces.append((last + i, last + (i + 1) % _RING, tip))
    return np.asarray(verts), np.asarray(norms), np.asarray(faces), np.asarray(us)


def capsule_body(rest_positions: np.ndarray, scale: float = 1.0) -> CapsuleBody:
    """Capsules along the bones of a rest pose, skinned to the 22 joints.

    Args:
        rest_positions: ``(22, 3)`` joint positions of the rest pose (metres, Y up).
        scale: multiplies :data:`BONE_RADII` (e.g. the skeleton's height / 1.7 m).

    Returns:
        A :class:`CapsuleBody` (about 2,000 vertices).
    """
    rest = np.asarray(rest_positions, dtype=np.float64)
    if rest.shape != (NUM_JOINTS, 3) or not np.all(np.isfinite(rest)):
        raise ValueError(f"rest_positions must be finite (22, 3), got {rest.shape}")
    verts, norms, faces, joints, weights = [], [], [], [], []
    count = 0
    for child, radius in BONE_RADII.items():
        p = PARENTS[child]
        if np.linalg.norm(rest[child] - rest[p]) < 1e-6:
            continue
        v, n, f, u = _capsule(rest[p], rest[child], radius * scale)
        grand = PARENTS[p]
        w_parent = np.zeros_like(u) if grand < 0 else 0.5 * np.clip(1.0 - u / BLEND_FRACTION, 0.0, 1.0)
        jt = np.zeros((len(v), 4), dtype=np.uint16)
        wt = np.zeros((len(v), 4), dtype=np.float32)
        jt[:, 0] = p
        wt[:, 0] = 1.0 - w_parent
        if grand >= 0:
            blend = w_parent > 0
            jt[blend, 1] = grand
            wt[blend, 1] = w_parent[blend]
        verts.append(v)
        norms.append(n)
        faces.append(f + count)
        joints.append(jt)
        weights.append(wt)
        count += len(v)
    return CapsuleBody(
        vertices=np.concatenate(verts).astype(np.float32),
        normals=np.concatenate(norms).astype(np.float32),
        faces=np.concatenate(faces).astype(np.uint32),
        joints=np.concatenate(joints),
        weights=np.concatenate(weights),
    )
