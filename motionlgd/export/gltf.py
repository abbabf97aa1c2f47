"""glTF 2.0 binary (``.glb``) export: the skeleton, its animation and a skinned body in one file.

Written with `pygltflib <https://pypi.org/project/pygltflib/>`_.  Layout (see ``docs/export.md``):

* glTF's own convention, which is motionlgd's: metres, **Y up, the body facing +Z**, its left
  on +X.
* 22 joint nodes named by the rig preset (:mod:`motionlgd.export.rigs`), in a hierarchy under the
  root (the pelvis).  Rest transforms: each joint's rest offset from its parent (the IK's
  T-pose, or A-pose with ``rest_pose="a"``), identity rotations; the root stands at its
  first-frame position.
* One animation ("motion"): the root's translation and every joint's rotation (unit
  quaternions, signs kept continuous) at the motion's frame times (20 fps by default),
  ``LINEAR`` interpolation.  The root's rotation is the body's orientation (identity =
  upright, facing +Z; yaw = heading).
* ``body="capsule"``: a mesh of one capsule per bone, skinned to the joints (4 weights per
  vertex, inverse bind matrices of the rest pose); ``body="none"``: the skeleton only (a
  skin with no mesh, so tools still import it as an armature).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

from ..errors import NumericalError
from ..io import atomic_write
from ..motion.motion import Motion
from ..motion.skeleton import NUM_JOINTS, PARENTS
from .bvh import _coerce
from .capsules import CapsuleBody, capsule_body
from .ik import BoneLengths, IKResult, joints_to_rotations
from .rigs import Rig, get_rig

__all__ = ["GLTF_BODIES", "build_gltf", "continuous_quaternions", "export_glb"]

logger = logging.getLogger(__name__)

#: Bodies :func:`export_glb` can attach.
GLTF_BODIES: tuple[str, ...] = ("capsule", "none")

# glTF constants
_FLOAT, _USHORT, _UINT = 5126, 5123, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963


def continuous_quaternions(rotations: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(T, ..., 4)`` (x, y, z, w) of rotation matrices ``(T, ..., 3, 3)``,
    with signs flipped so that consecutive frames lie in the same hemisphere (LINEAR
    interpolation then takes the short way)."""
    rotations = np.asarray(rotations, dtype=np.float64)
    lead = rotations.shape[:-2]
    q = Rotation.from_matrix(rotations.reshape(-1, 3, 3)).as_quat().reshape(*lead, 4)
    for t in range(1, q.shape[0]):
        flip = (q[t] * q[t - 1]).sum(-1) < 0
        q[t][flip] *= -1.0
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


class _Blob:
    """Accumulates buffer views and accessors of one binary buffer."""

    def __init__(self, gltf: object) -> None:
        self.gltf = gltf
        self.data = bytearray()

    def add(self, array: np.ndarray, kind: str, component: int, target: int | None = None, minmax: bool = False) -> int:
        import pygltflib as g

        while len(self.data) % 4:
            self.data.append(0)
        raw = np.ascontiguousarray(array).tobytes()
        view = g.BufferView(buffer=0, byteOffset=len(self.data), byteLength=len(raw), target=target)
        self.data.extend(raw)
        self.gltf.bufferViews.append(view)  # type: ignore[attr-defined]
        flat = np.asarray(array).reshape(len(array), -1)
        acc = g.Accessor(
            bufferView=len(self.gltf.bufferViews) - 1,  # type: ignore[attr-defined]
            componentType=component,
            count=len(array),
            type=kind,
            min=flat.min(0).tolist() if minmax else None,
            max=flat.max(0).tolist() if minmax else None,
        )
        self.gltf.accessors.append(acc)  # type: ignore[attr-defined]
        return len(self.gltf.accessors) - 1  # type: ignore[attr-defined]


def _rest_positions(offsets: np.ndarray, root: np.ndarray) -> np.ndarray:
    pos = np.zeros((NUM_JOINTS, 3))
    pos[0] = root
    for j in range(1, NUM_JOINTS):
        pos[j] = pos[PARENTS[j]] + offsets[j]
    return pos


def build_gltf(ik: IKResult, fps: float = 20.0, names: tuple[str, ...] | None = None, body: str = "capsule") -> object:
    """A ``pygltflib.GLTF2`` document of an IK result (see the module docstring).

    Args:
        ik: rotations and rest offsets (metres, Y up) from :func:`joints_to_rotations`.
        fps: frame rate of the keyframes.
        names: 22 joint node names (default: the smpl rig's).
        body: one of :data:`GLTF_BODIES`.
    """
    import pygltflib as g

    if body not in GLTF_BODIES:
        raise ValueError(f"unknown glTF body {body!r}; choose one of {', '.join(GLTF_BODIES)}")
    names = names or get_rig("smpl").joint_names
    T = ik.num_frames
    quats = continuous_quaternions(ik.local_rotations).astype(np.float32)  # (T, 22, 4)
    trans = ik.root_translation.astype(np.float32)
    if not (np.all(np.isfinite(quats)) and np.all(np.isfinite(trans))):
        raise NumericalError("glTF animation contains NaN or inf; nothing written")
    gltf = g.GLTF2(asset=g.Asset(version="2.0", generator="motionlgd"))
    blob = _Blob(gltf)
    children = [[c for c in range(NUM_JOINTS) if PARENTS[c] == j] for j in range(NUM_JOINTS)]
    for j in range(NUM_JOINTS):
        t = trans[0] if j == 0 else ik.offsets[j]
        gltf.nodes.append(g.Node(name=names[j], translation=[float(x) for x in t], children=children[j] or None))
    rest = _rest_positions(ik.offsets, ik.root_translation[0])
    ibm = np.tile(np.eye(4, dtype=np.float32), (NUM_JOINTS, 1, 1))
    ibm[:, :3, 3] = -rest  # rest globals are pure translations (identity rest rotations)
    ibm_acc = blob.add(np.ascontiguousarray(np.swapaxes(ibm, 1, 2)), "MAT4", _FLOAT)  # column-major
    gltf.skins.append(g.Skin(name="skeleton", joints=list(range(NUM_JOINTS)), skeleton=0, inverseBindMatrices=ibm_acc))
    scene_nodes = [0]
    if body == "capsule":
        height = float(rest[:, 1].max() - rest[:, 1].min())
        mesh = capsule_body(rest, scale=max(height, 0.5) / 1.6)
        gltf.meshes.append(g.Mesh(name="body", primitives=[_primitive(g, blob, mesh)]))
        gltf.materials.append(
            g.Material(
                name="body", pbrMetallicRoughness=g.PbrMetallicRoughness(baseColorFactor=[0.55, 0.62, 0.75, 1.0])
            )
        )
        gltf.nodes.append(g.Node(name="body", mesh=0, skin=0))
        scene_nodes.append(len(gltf.nodes) - 1)
    gltf.scenes.append(g.Scene(name="motion", nodes=scene_nodes))
    gltf.scene = 0
    times = (np.arange(T, dtype=np.float32) / np.float32(fps)).astype(np.float32)
    t_acc = blob.add(times, "SCALAR", _FLOAT, minmax=True)
    samplers, channels = [], []
    samplers.append(g.AnimationSampler(input=t_acc, output=blob.add(trans, "VEC3", _FLOAT), interpolation="LINEAR"))
    channels.append(g.AnimationChannel(sampler=0, target=g.AnimationChannelTarget(node=0, path="translation")))
    for j in range(NUM_JOINTS):
        out = blob.add(np.ascontiguousarray(quats[:, j]), "VEC4", _FLOAT)
        samplers.append(g.AnimationSampler(input=t_acc, output=out, interpolation="LINEAR"))
        channels.append(
            g.AnimationChannel(sampler=len(samplers) - 1, target=g.AnimationChannelTarget(node=j, path="rotation"))
        )
    gltf.animations.append(g.Animation(name="motion", samplers=samplers, channels=channels))
    gltf.buffers.append(g.Buffer(byteLength=len(blob.data)))
    gltf.set_binary_blob(bytes(blob.data))
    return gltf


def _primitive(g: object, blob: _Blob, mesh: CapsuleBody) -> object:
    attrs = g.Attributes(  # type: ignore[attr-defined]
        POSITION=blob.add(mesh.vertices, "VEC3", _FLOAT, _ARRAY_BUFFER, minmax=True),
        NORMAL=blob.add(mesh.normals, "VEC3", _FLOAT, _ARRAY_BUFFER),
        JOINTS_0=blob.add(mesh.joints, "VEC4", _USHORT, _ARRAY_BUFFER),
        WEIGHTS_0=blob.add(mesh.weights, "VEC4", _FLOAT, _ARRAY_BUFFER),
    )
    indices = blob.add(mesh.faces.reshape(-1), "SCALAR", _UINT, _ELEMENT_ARRAY_BUFFER)
    return g.Primitive(attributes=attrs, indices=indices, material=0)  # type: ignore[attr-defined]


def export_glb(
    motion_or_joints: Motion | np.ndarray,
    path: str | os.PathLike[str],
    fps: float | None = None,
    body: Literal["capsule", "none"] = "capsule",
    rig: str | Rig = "smpl",
    rest_pose: Literal["t", "a"] | None = None,
    bone_lengths: BoneLengths = None,
    overwrite: bool = False,
) -> Path:
    """Write a motion as an animated glTF 2.0 binary (``.glb``): skeleton, animation and body.

    Args:
        motion_or_joints: a :class:`Motion` or ``(T, 22, 3)`` positions in metres, Y up.
        path: output ``.glb`` path (written atomically).
        fps: keyframe rate; ``None`` = the Motion's (20 for plain arrays).
        body: ``"capsule"`` (a procedural body skinned to the bones) or ``"none"`` (skeleton).
        rig: joint-name preset (``"smpl"`` or ``"mixamo"``); glTF is always metres, Y up.
        rest_pose: ``"t"`` or ``"a"``; ``None`` = the rig's (T).
        bone_lengths: skeleton of the IK (see :func:`joints_to_rotations`).
        overwrite: replace an existing file (else ``OutputExistsError``).

    Returns:
        The written path.
    """
    joints, rate = _coerce(motion_or_joints, fps)
    preset = get_rig(rig)
    ik = joints_to_rotations(joints, bone_lengths=bone_lengths, rest_pose=rest_pose or preset.rest_pose)
    gltf = build_gltf(ik, fps=rate, names=preset.joint_names, body=body)
    out = atomic_write(path, lambda tmp: gltf.save_binary(str(tmp)), overwrite)  # type: ignore[attr-defined]
    logger.info("wrote %s (%s rig, %s body, %d frames at %g fps)", out, preset.name, body, ik.num_frames, rate)
    return out
