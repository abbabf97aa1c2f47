"""glTF (.glb) export: structure, the animation reproduces the joints, the skinned body follows
the bones, the Khronos validator finds no errors, overwrite protection and NaN refusal."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from motionlgd.errors import NumericalError, OutputExistsError
from motionlgd.export import export_glb, export_motion, get_rig
from motionlgd.export.capsules import BONE_RADII, capsule_body
from motionlgd.motion.skeleton import NUM_JOINTS, PARENTS

pygltflib = pytest.importorskip("pygltflib")
_DTYPES = {5126: np.float32, 5123: np.uint16, 5125: np.uint32, 5121: np.uint8}
_WIDTH = {"SCALAR": 1, "VEC3": 3, "VEC4": 4, "MAT4": 16}


def _accessor(gltf: object, blob: bytes, index: int) -> np.ndarray:
    acc = gltf.accessors[index]
    view = gltf.bufferViews[acc.bufferView]
    n = _WIDTH[acc.type]
    a = np.frombuffer(blob, _DTYPES[acc.componentType], acc.count * n, view.byteOffset + (acc.byteOffset or 0))
    return a.reshape(acc.count, n) if n > 1 else a


def _animated_globals(path: Path) -> tuple[object, bytes, np.ndarray, np.ndarray]:
    """Per-frame global 4x4 transforms ``(T, 22, 4, 4)`` of the joint nodes, from the file alone."""
    gltf = pygltflib.GLTF2().load(str(path))
    blob = gltf.binary_blob()
    anim = gltf.animations[0]
    T = gltf.accessors[anim.samplers[0].input].count
    local = np.tile(np.eye(4), (T, NUM_JOINTS, 1, 1))
    for j in range(NUM_JOINTS):
        local[:, j, :3, 3] = gltf.nodes[j].translation
    for ch in anim.channels:
        values = _accessor(gltf, blob, anim.samplers[ch.sampler].output).astype(np.float64)
        if ch.target.path == "translation":
            local[:, ch.target.node, :3, 3] = values
        else:
            local[:, ch.target.node, :3, :3] = Rotation.from_quat(values).as_matrix()
    parent = {c: j for j in range(NUM_JOINTS) for c in (gltf.nodes[j].children or [])}
    glob = np.empty_like(local)
    for j in range(NUM_JOINTS):  # parents come first in our node order
        glob[:, j] = local[:, j] if j not in parent else glob[:, parent[j]] @ local[:, j]
    times = _accessor(gltf, blob, anim.samplers[0].input)
    return gltf, blob, glob, times


def test_glb_animation_reproduces_the_joints(real_walk: np.ndarray, tmp_path: Path) -> None:
    path = export_glb(real_walk, tmp_path / "walk.glb")
    gltf, _, glob, times = _animated_globals(path)
    assert [n.name for n in gltf.nodes[:NUM_JOINTS]] == list(get_rig("smpl").joint_names)
    assert np.allclose(times, np.arange(len(real_walk)) / 20.0, atol=1e-6)
    err = np.linalg.norm(glob[:, :, :3, 3] - real_walk, axis=-1)
    assert err.mean() < 0.005 and err.max() < 0.02
    # the root node's rotation is the body's orientation: upright in every frame
    up = glob[:, 0, :3, 1]
    assert np.degrees(np.arccos(np.clip(up[:, 1], -1, 1))).max() < 15.0


def test_skinned_body_follows_the_bones(real_walk: np.ndarray, tmp_path: Path) -> None:
    """Linear blend skinning with the file's own inverse bind matrices and weights puts every
    vertex of the left shin's capsule within its radius of the motion's knee-ankle segment."""
    path = export_glb(real_walk, tmp_path / "walk.glb", rig="mixamo", rest_pose="a")
    gltf, blob, glob, _ = _animated_globals(path)
    prim = gltf.meshes[0].primitives[0]
    verts = _accessor(gltf, blob, prim.attributes.POSITION).astype(np.float64)
    joints = _accessor(gltf, blob, prim.attributes.JOINTS_0).astype(int)
    weights = _accessor(gltf, blob, prim.attributes.WEIGHTS_0).astype(np.float64)
    ibm = _accessor(gltf, blob, gltf.skins[0].inverseBindMatrices).reshape(NUM_JOINTS, 4, 4).transpose(0, 2, 1)
    assert np.allclose(weights.sum(1), 1.0, atol=1e-5)
    shin = (joints[:, 0] == 4) & (weights[:, 0] > 0.999)  # vertices fully on the left knee
    assert shin.sum() > 20
    for t in (0, 25, 59):
        skin = glob[t] @ ibm  # (22, 4, 4)
        vh = np.concatenate([verts[shin], np.ones((shin.sum(), 1))], 1)
        posed = np.einsum("vk,vkab,vb->va", weights[shin], skin[joints[shin]], vh)[:, :3]
        a, b = real_walk[t, 4], real_walk[t, 7]
        u = np.clip((posed - a) @ (b - a) / np.dot(b - a, b - a), 0, 1)
        dist = np.linalg.norm(posed - (a + u[:, None] * (b - a)), axis=-1)
        assert dist.max() < 1.5 * BONE_RADII[7] * 1.2


def test_bare_skeleton_and_dispatch(real_walk: np.ndarray, tmp_path: Path) -> None:
    path = export_motion(real_walk, tmp_path / "bare.glb", body="none")
    gltf = pygltflib.GLTF2().load(str(path))
    assert not gltf.meshes and len(gltf.skins) == 1 and len(gltf.skins[0].joints) == NUM_JOINTS
    with pytest.raises(OutputExistsError):
        export_glb(real_walk, path)
    bad = real_walk.copy()
    bad[5, 3, 1] = np.nan
    with pytest.raises(NumericalError):
        export_glb(bad, tmp_path / "nan.glb")
    assert not (tmp_path / "nan.glb").exists()
    with pytest.raises(ValueError, match="capsule"):
        export_glb(real_walk, tmp_path / "x.glb", body="robot")  # type: ignore[arg-type]


def test_capsule_mesh_is_closed_and_outward() -> None:
    trimesh = pytest.importorskip("trimesh")
    rest = np.zeros((NUM_JOINTS, 3))
    for j in range(1, NUM_JOINTS):
        rest[j] = rest[PARENTS[j]] + np.array([0.0, -0.3, 0.0]) if j in (4, 5, 7, 8) else rest[PARENTS[j]]
    rest[1], rest[2] = [0.1, -0.08, 0], [-0.1, -0.08, 0]
    rest[4], rest[5] = rest[1] + [0, -0.4, 0], rest[2] + [0, -0.4, 0]
    body = capsule_body(rest)
    # each capsule is a closed, outward-facing surface: check the left thigh's (bone 1 -> 4)
    mask = body.joints[:, 0] == 1
    ids = np.flatnonzero(mask)
    faces = body.faces[np.isin(body.faces, ids).all(1)]
    remap = {v: i for i, v in enumerate(ids)}
    mesh = trimesh.Trimesh(body.vertices[ids], np.vectorize(remap.get)(faces), process=False)
    assert mesh.is_watertight and mesh.volume > 0
    assert np.allclose(np.linalg.norm(body.normals, axis=1), 1.0, atol=1e-5)


def _validator() -> tuple[list[str], dict[str, str]] | None:
    """The node command and environment that run ``validate_gltf.js``, or None when node or the
    ``gltf-validator`` package (local or ``npm install -g``) is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True).stdout.strip() if npm else ""
    env = {"NODE_PATH": root, "PATH": str(Path(node).parent)}
    if subprocess.run([node, "-e", "require('gltf-validator')"], capture_output=True, env=env).returncode != 0:
        return None
    return [node, str(Path(__file__).with_name("validate_gltf.js"))], env


@pytest.mark.parametrize("body", ["capsule", "none"])
def test_khronos_validator_finds_no_errors(body: str, real_walk: np.ndarray, tmp_path: Path) -> None:
    found = _validator()
    if found is None:
        pytest.skip("node or the gltf-validator npm package is not installed (npm install -g gltf-validator)")
    cmd, env = found
    path = export_glb(real_walk, tmp_path / "walk.glb", body=body)
    res = subprocess.run([*cmd, str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    issues = report["issues"]
    assert issues["numErrors"] == 0, issues["messages"]
    assert issues["numWarnings"] == 0, issues["messages"]
