"""Body models for the mesh renderer.

``"procedural"`` (default): a capsule body built from the 22 joints: one unit cylinder per
bone, scaled to the bone and posed every frame, plus a sphere per joint (rounded ends and
a head). No data files, no licence questions.

``"smpl"`` (via ``smplx``) and ``"anny"`` (CC0 MakeHuman-derived mesh) are planned optional
backends; they need an inverse-kinematics fit from the 22 joint positions to the model's
pose parameters, which is not implemented yet. Asking for them gives a clear error: a
:class:`~motionlgd.errors.MissingDependencyError` naming what to install when the package is
missing, else a :class:`~motionlgd.errors.MotionLGDError` saying it is not implemented.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from ..errors import MissingDependencyError, MotionLGDError
from ..motion.skeleton import NUM_JOINTS, PARENTS

__all__ = [
    "BODY_MODELS",
    "BONES",
    "BONE_RADII",
    "JOINT_RADII",
    "body_mesh",
    "bone_transforms",
    "resolve_body",
]

BODY_MODELS = ("procedural", "smpl", "anny")

#: ``(parent, child)`` joint pairs, one per bone (21).
BONES: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(PARENTS) if p >= 0)

#: Capsule radius (m) of the bone ending at each joint (index = child joint; 0 unused).
BONE_RADII: np.ndarray = np.array(
    [
        0.0,
        0.075,  # pelvis -> left hip
        0.075,  # pelvis -> right hip
        0.085,  # spine1
        0.07,  # left thigh
        0.07,  # right thigh
        0.09,  # spine2
        0.052,  # left shin
        0.052,  # right shin
        0.10,  # spine3
        0.04,  # left foot
        0.04,  # right foot
        0.05,  # neck
        0.055,  # left collar
        0.055,  # right collar
        0.05,  # head bone
        0.05,  # left shoulder
        0.05,  # right shoulder
        0.045,  # left upper arm
        0.045,  # right upper arm
        0.038,  # left forearm
        0.038,  # right forearm
    ]
)
BONE_RADII.setflags(write=False)

#: Sphere radius (m) drawn at each joint (the head joint gets a head-sized sphere).
JOINT_RADII: np.ndarray = np.array(
    [
        0.09,
        0.075,
        0.075,
        0.085,
        0.062,
        0.062,
        0.09,
        0.05,
        0.05,
        0.10,
        0.04,
        0.04,
        0.05,
        0.055,
        0.055,
        0.11,
        0.05,
        0.05,
        0.043,
        0.043,
        0.04,
        0.04,
    ]
)
JOINT_RADII.setflags(write=False)
assert len(BONE_RADII) == NUM_JOINTS and len(JOINT_RADII) == NUM_JOINTS

_BODY_INSTALL = {
    "smpl": ("smplx", "pip install smplx (and download the SMPL model files yourself: non-commercial licence)"),
    "anny": ("anny", "pip install anny (proposed extra: motionlgd[body])"),
}


def resolve_body(body: str) -> str:
    """Check that the body model ``body`` can be used and return its canonical name.

    Raises:
        MissingDependencyError: ``"smpl"``/``"anny"`` requested but its package is missing.
        MotionLGDError: unknown name, or a known optional model that is not implemented yet.
    """
    name = {"capsule": "procedural", "capsules": "procedural", "default": "procedural"}.get(body, body)
    if name == "procedural":
        return name
    if name not in _BODY_INSTALL:
        raise MotionLGDError(f"unknown body model {body!r}; choose one of {BODY_MODELS}")
    module, install = _BODY_INSTALL[name]
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(f"body={body!r} needs the Python package {module!r}: {install}")
    raise MotionLGDError(
        f"body={body!r}: the {module!r} package is installed, but fitting its mesh to the 22 joint positions "
        "is not implemented yet; use body='procedural'"
    )


def bone_transforms(joints: np.ndarray, min_length: float = 1e-4) -> np.ndarray:
    """Poses of unit bone cylinders.

    Args:
        joints: ``(T, 22, 3)`` joint positions (metres).
        min_length: bones shorter than this are drawn with this length (avoids singular matrices).

    Returns:
        ``(T, 21, 4, 4)`` matrices mapping a cylinder of height 1 along +z centred at the origin
        onto each bone of :data:`BONES` (radius unchanged; the z axis is scaled to the bone length).
    """
    parents = np.array([p for p, _ in BONES])
    children = np.array([c for _, c in BONES])
    a, b = joints[:, parents], joints[:, children]  # (T, B, 3)
    d = b - a
    length = np.linalg.norm(d, axis=-1, keepdims=True)
    z = np.where(length > min_length, d / np.maximum(length, 1e-12), np.array([0.0, 1.0, 0.0]))
    length = np.maximum(length, min_length)
    helper = np.where(np.abs(z[..., 1:2]) < 0.9, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]))
    x = np.cross(helper, z)
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    y = np.cross(z, x)
    m = np.zeros((*joints.shape[:1], len(BONES), 4, 4))
    m[..., :3, 0], m[..., :3, 1], m[..., :3, 2] = x, y, z * length
    m[..., :3, 3] = (a + b) / 2
    m[..., 3, 3] = 1.0
    return m


def body_mesh(joints: np.ndarray) -> Any:
    """One frame of the procedural body as a single ``trimesh.Trimesh`` (for export or stills).

    Args:
        joints: ``(22, 3)`` joint positions in metres.
    """
    from ._deps import require

    trimesh = require("trimesh", "body_mesh")
    joints = np.asarray(joints, dtype=np.float64)
    parts = []
    mats = bone_transforms(joints[None])[0]
    for (_, c), m in zip(BONES, mats):
        cyl = trimesh.creation.cylinder(radius=float(BONE_RADII[c]), height=1.0, sections=16)
        cyl.apply_transform(m)
        parts.append(cyl)
    for j in range(NUM_JOINTS):
        sph = trimesh.creation.icosphere(subdivisions=2, radius=float(JOINT_RADII[j]))
        sph.apply_translation(joints[j])
        parts.append(sph)
    return trimesh.util.concatenate(parts)
