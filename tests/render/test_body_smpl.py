"""SMPL mesh body (``motionlgd.render.bodies.smpl``) on a randomly made, SMPL-shaped fake model.

No real SMPL data is used: the fake model has SMPL's array shapes and kinematic tree, and a
geometry built so that posing it can be checked: for each joint a small symmetric cluster
of vertices around it (the J_regressor averages them, so ``J_regressor @ vertices`` gives
the posed joints exactly) and, along every bone, vertices skinned to the bone's parent
joint (they must end up along the motion's bone).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("smplx")

from motionlgd.errors import CheckpointError, MotionLGDError, ShapeError
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.motion.skeleton import DEFAULT_BONE_LENGTHS, PARENTS
from motionlgd.render.bodies import smpl as smpl_body
from motionlgd.render.body import MeshBody, load_body

V, F, J = 6890, 13776, 24
CLUSTER = 20  # vertices per joint cluster (10 symmetric pairs)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_walk.npz"
SMPL_PARENTS = (*PARENTS, 20, 21)


def _rot(axis: np.ndarray, angle_deg: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    a = np.radians(angle_deg)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * K @ K


def _rest_joints(smpl_like: bool, torso_of: np.ndarray | None) -> np.ndarray:
    """``(24, 3)`` T-pose rest joints with the torso shape (hips, collars) of the motion ``torso_of``
    (template torso when None); ``smpl_like`` bends it the way SMPL's rest pose deviates from an
    ideal T-pose (feet 25 degrees down, thighs 5 degrees outward, upper arms 8 degrees down)."""
    off = rest_offsets(np.asarray(DEFAULT_BONE_LENGTHS), joints=torso_of, torso="measured")
    if smpl_like:
        x = np.array([1.0, 0.0, 0.0])
        z = np.array([0.0, 0.0, 1.0])
        for c in (10, 11):  # toes point forward and down
            off[c] = _rot(x, 25.0) @ off[c]
        off[4] = _rot(z, 5.0) @ off[4]  # left thigh outward (+x)
        off[5] = _rot(z, -5.0) @ off[5]
        off[18] = _rot(z, -8.0) @ off[18]  # left upper arm down
        off[19] = _rot(z, 8.0) @ off[19]
    pelvis = np.array([[0.0, -0.2, 0.03]])  # SMPL's rest pelvis is not at the origin either
    pos = forward_kinematics(np.broadcast_to(np.eye(3), (1, 22, 3, 3)), pelvis, off)[0]
    hands = [pos[20] + 0.08 * off[20] / np.linalg.norm(off[20]), pos[21] + 0.08 * off[21] / np.linalg.norm(off[21])]
    return np.concatenate([pos, np.array(hands)])


def _fake_model(
    torso_of: np.ndarray | None, smpl_like: bool = False, seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """SMPL-shaped random arrays and, per bone child ``c`` (1..21), the indices of its bone vertices."""
    rng = np.random.default_rng(seed)
    rest = _rest_joints(smpl_like, torso_of)
    verts = np.empty((V, 3))
    owner = np.empty(V, dtype=np.int64)
    J_regressor = np.zeros((J, V))
    for j in range(J):  # symmetric clusters: their mean is exactly the joint
        half = rng.normal(size=(CLUSTER // 2, 3)) * 0.02
        idx = np.arange(j * CLUSTER, (j + 1) * CLUSTER)
        verts[idx] = rest[j] + np.concatenate([half, -half])
        owner[idx] = j
        J_regressor[j, idx] = 1.0 / CLUSTER
    bones: dict[int, np.ndarray] = {}
    chunks = np.array_split(np.arange(J * CLUSTER, V), 21)
    for c, idx in zip(range(1, 22), chunks):
        p = PARENTS[c]
        u = rng.uniform(0.15, 0.85, size=(len(idx), 1))
        verts[idx] = rest[p] + u * (rest[c] - rest[p]) + rng.normal(size=(len(idx), 3)) * 0.015
        owner[idx] = p  # a bone moves with its parent joint's rotation
        bones[c] = idx
    posedirs = rng.normal(size=(V, 3, 207)) * 2e-4
    posedirs[: J * CLUSTER] = 0.0  # keep the joint clusters rigid
    kintree = np.array([[4294967295, *SMPL_PARENTS[1:]], list(range(J))], dtype=np.uint32)
    arrays = {
        "v_template": verts.astype(np.float32),
        "f": rng.integers(0, V, size=(F, 3)).astype(np.uint32),
        "shapedirs": (rng.normal(size=(V, 3, 10)) * 1e-3).astype(np.float32),
        "posedirs": posedirs.astype(np.float32),
        "J_regressor": J_regressor.astype(np.float32),
        "weights": np.eye(J, dtype=np.float32)[owner],
        "kintree_table": kintree,
    }
    return arrays, bones


@pytest.fixture(scope="module")
def fake(motion: np.ndarray) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """A fake model whose torso shape (hip and collar directions) is the motion's."""
    return _fake_model(torso_of=motion)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory, fake) -> Path:
    path = tmp_path_factory.mktemp("smpl") / "SMPL_NEUTRAL.npz"
    np.savez(path, **fake[0])
    return path


@pytest.fixture(scope="module")
def motion() -> np.ndarray:
    """``(8, 22, 3)``: every 7th frame of the real walking turn (steps and a turn)."""
    with np.load(FIXTURE, allow_pickle=False) as d:
        return np.asarray(d["joints"], dtype=np.float64)[::7][:8]


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances ``(T, N)`` of points ``(T, N, 3)`` to the segments ``a``-``b`` ``(T, 3)``."""
    ab = (b - a)[:, None]
    u = np.clip(((points - a[:, None]) * ab).sum(-1) / (ab * ab).sum(-1), 0.0, 1.0)
    return np.linalg.norm(points - (a[:, None] + u[..., None] * ab), axis=-1)


def _joint_error(body: smpl_body.SMPLBody, arrays: dict[str, np.ndarray], motion: np.ndarray) -> np.ndarray:
    """``(T, 22)`` distances (m) between the posed mesh's joints and the motion's joints."""
    verts = body.vertices(motion).astype(np.float64)
    posed = np.einsum("jv,tvc->tjc", arrays["J_regressor"].astype(np.float64), verts)
    return np.linalg.norm(posed[:, :22] - motion, axis=-1)


def test_shapes_and_protocol(model_file: Path, motion: np.ndarray) -> None:
    body = load_body("smpl", model_file)
    assert isinstance(body, MeshBody) and isinstance(body, smpl_body.SMPLBody)
    assert body.name == "smpl"
    assert body.faces.shape == (F, 3) and body.faces.dtype == np.int64
    verts = body.vertices(motion[:3])
    assert verts.shape == (3, V, 3) and verts.dtype == np.float32
    assert np.all(np.isfinite(verts))


def test_mesh_follows_the_joints(model_file: Path, fake, motion: np.ndarray) -> None:
    arrays, bones = fake
    body = smpl_body.load(model_file)
    body.chunk = 3  # several batched forward passes
    verts = body.vertices(motion).astype(np.float64)
    err = _joint_error(body, arrays, motion)
    assert err[:, 0].max() < 1e-4  # pelvis exactly on ours
    assert err.max() < 0.01 and err.mean() < 0.005, err.mean(axis=0)
    # vertices of each bone lie along the motion's bone (1.5 cm noise + pose blend shapes)
    for c, idx in bones.items():
        d = _segment_distance(verts[:, idx], motion[:, PARENTS[c]], motion[:, c])
        assert d.mean() < 0.03, (c, d.mean())
    # and they are far from a wrong bone (the test can fail): left shin vs right shin
    assert _segment_distance(verts[:, bones[7]], motion[:, 5], motion[:, 8]).mean() > 0.1


def test_model_rest_beats_tpose_rest_on_smpl_like_rest(tmp_path: Path, motion: np.ndarray) -> None:
    """SMPL's rest pose is no ideal T-pose: IK on the model's own rest skeleton keeps the mesh on
    the joints, the T-pose rotations of ``smpl_params`` drift at the feet and hands."""
    arrays, _ = _fake_model(torso_of=motion, smpl_like=True, seed=1)
    path = tmp_path / "smpl_like.npz"
    np.savez(path, **arrays)
    own = _joint_error(smpl_body.load(path), arrays, motion)
    tpose = _joint_error(smpl_body.load(path, rest="tpose"), arrays, motion)
    assert own.max() < 0.01
    assert tpose[:, [10, 11, 20, 21]].mean() > 0.03  # toes and wrists are off by centimetres


def test_posedirs_layouts_agree(tmp_path: Path, fake, model_file: Path, motion: np.ndarray) -> None:
    arrays = dict(fake[0])
    arrays["posedirs"] = arrays["posedirs"].reshape(V * 3, 207).T.copy()  # smplx's (207, V*3)
    path = tmp_path / "flat_posedirs.npz"
    np.savez(path, **arrays)
    a = smpl_body.load(model_file).vertices(motion[:2])
    b = smpl_body.load(path).vertices(motion[:2])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_folder_with_smpl_neutral(model_file: Path) -> None:
    assert smpl_body.load(model_file.parent).source == model_file


class _Trap:
    """Unpickling this creates the directory ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("name", ["SMPL_NEUTRAL.pkl", "renamed.npz", "folder"])
def test_pickle_is_refused_without_unpickling(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "unpickled"
    target = tmp_path / ("SMPL_NEUTRAL.pkl" if name == "folder" else name)
    target.write_bytes(pickle.dumps({"v_template": _Trap(str(marker))}, protocol=4))
    with pytest.raises(CheckpointError, match=r"(?s)pickle.*arbitrary code.*\.npz") as info:
        smpl_body.load(tmp_path if name == "folder" else target)
    assert str(target) in str(info.value)
    assert not marker.exists()


def _write(tmp_path: Path, arrays: dict[str, np.ndarray], **changes) -> Path:
    out = {k: v for k, v in arrays.items() if k not in changes or changes[k] is not None}
    out.update({k: v for k, v in changes.items() if v is not None})
    path = tmp_path / "bad.npz"
    np.savez(path, **out)
    return path


def test_missing_key_is_named(tmp_path: Path, fake) -> None:
    path = _write(tmp_path, fake[0], weights=None)
    with pytest.raises(CheckpointError, match=r"bad\.npz.*'weights'"):
        smpl_body.load(path)


def test_wrong_shape_is_named(tmp_path: Path, fake) -> None:
    path = _write(tmp_path, fake[0], v_template=np.zeros((100, 3), np.float32))
    with pytest.raises(CheckpointError, match=r"bad\.npz.*'v_template'.*\(100, 3\).*\(6890, 3\)"):
        smpl_body.load(path)
    path = _write(tmp_path, fake[0], posedirs=np.zeros((V, 3, 10), np.float32))
    with pytest.raises(CheckpointError, match=r"'posedirs'.*\(6890, 3, 10\).*207"):
        smpl_body.load(path)


def test_nan_and_wrong_tree_are_named(tmp_path: Path, fake) -> None:
    shapedirs = fake[0]["shapedirs"].copy()
    shapedirs[5, 1, 2] = np.nan
    with pytest.raises(CheckpointError, match=r"'shapedirs'.*NaN"):
        smpl_body.load(_write(tmp_path, fake[0], shapedirs=shapedirs))
    tree = fake[0]["kintree_table"].copy()
    tree[0, 4] = 2
    with pytest.raises(CheckpointError, match=r"'kintree_table'"):
        smpl_body.load(_write(tmp_path, fake[0], kintree_table=tree))


def test_missing_file_and_none(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"nope\.npz.*does not exist"):
        smpl_body.load(tmp_path / "nope.npz")
    with pytest.raises(MotionLGDError, match=r"(?s)licence.*body_model.*--body-model"):
        smpl_body.load(None)
    with pytest.raises(MotionLGDError, match="body_model"):
        load_body("smpl", None)


def test_bad_joints(model_file: Path) -> None:
    body = smpl_body.load(model_file)
    with pytest.raises(ShapeError):
        body.vertices(np.zeros((4, 21, 3)))
    with pytest.raises(ShapeError):
        body.vertices(np.full((2, 22, 3), np.nan))


def test_render_motion_draws_the_smpl_mesh(tmp_path: Path, model_file: Path, motion: np.ndarray) -> None:
    import imageio.v3 as iio

    from motionlgd.errors import MotionLGDError
    from motionlgd.render import _deps, render_motion

    with pytest.raises(MotionLGDError, match="body_model"):
        render_motion(motion[:4], tmp_path / "none.png", body="smpl", backend="matplotlib")
    assert not list(tmp_path.iterdir())
    ok, reason = _deps.probe_pyrender()
    if not ok:
        pytest.skip(f"pyrender unusable here: {reason[:200]}")
    kw = {"backend": "pyrender", "size": (160, 120), "frame": 2, "show_time": False}
    mesh = iio.imread(render_motion(motion[:4], tmp_path / "smpl.png", body="smpl", body_model=model_file, **kw))
    caps = iio.imread(render_motion(motion[:4], tmp_path / "caps.png", **kw))
    assert mesh.shape == caps.shape == (120, 160, 3)
    assert np.abs(mesh.astype(float) - caps.astype(float)).mean() > 0.5, "the mesh body was not drawn"
