"""anny mesh body (``motionlgd.render.bodies.anny``), with the real ``anny`` package.

Skipped without ``anny``.  The first run builds anny's data into its cache directory
(``$ANNY_CACHE_DIR`` or ``~/.cache/motionlgd/anny``; minutes), later runs load it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("anny")

from motionlgd.errors import MissingDependencyError, MotionLGDError, ShapeError
from motionlgd.export.ik import forward_kinematics, rest_offsets
from motionlgd.render.bodies import anny as anny_body
from motionlgd.render.body import MeshBody, load_body, vertex_normals

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_walk.npz"
FRAMES = [0, 20, 40]
#: joints the mesh follows exactly: knees, ankles, toes, head, shoulders, elbows, wrists
EXACT = [4, 5, 7, 8, 10, 11, 15, 16, 17, 18, 19, 20, 21]
#: (segment, start joint, end joint) of the limb segments, left side (right = mirror)
LIMBS = [("thigh", 1, 4), ("shin", 4, 7), ("foot", 7, 10), ("upperarm", 16, 18), ("forearm", 18, 20)]
MIRROR = {1: 2, 4: 5, 7: 8, 10: 11, 16: 17, 18: 19, 20: 21}


@pytest.fixture(scope="module")
def body() -> anny_body.AnnyBody:
    return load_body("anny")


@pytest.fixture(scope="module")
def walk() -> np.ndarray:
    """``(3, 22, 3)`` frames of the real walking turn (metres, Y up)."""
    return np.load(FIXTURE)["joints"].astype(np.float64)[FRAMES]


@pytest.fixture(scope="module")
def tpose() -> np.ndarray:
    """``(1, 22, 3)`` motionlgd's rest T-pose (identity rotations), pelvis 0.95 m up."""
    eye = np.broadcast_to(np.eye(3), (1, 22, 3, 3))
    return forward_kinematics(eye, np.array([[0.0, 0.95, 0.0]]), rest_offsets())


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of points ``p (T, n, 3)`` to the segments ``a (T, 3) -> b (T, 3)``."""
    a, b = a[:, None], b[:, None]
    d = b - a
    t = np.clip(((p - a) * d).sum(-1) / (d * d).sum(-1), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[..., None] * d), axis=-1)


def _facing(joints: np.ndarray) -> np.ndarray:
    """``(T, 3)`` unit horizontal facing direction (left hip axis cross up)."""
    f = np.cross(joints[:, 1] - joints[:, 2], [0.0, 1.0, 0.0])
    return f / np.linalg.norm(f, axis=-1, keepdims=True)


def _line_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of points ``p (..., n, 3)`` to the lines through ``a (..., 3)`` and ``b (..., 3)``."""
    d = (b - a) / np.linalg.norm(b - a, axis=-1, keepdims=True)
    rel = p - a[..., None, :]
    return np.linalg.norm(rel - (rel * d[..., None, :]).sum(-1, keepdims=True) * d[..., None, :], axis=-1)


def test_load_body_is_a_mesh_body(body: anny_body.AnnyBody) -> None:
    assert isinstance(body, MeshBody)
    assert body.name == "anny"


def test_vertices_and_faces(body: anny_body.AnnyBody, walk: np.ndarray) -> None:
    v = body.vertices(walk)
    V = len(body.rest_vertices)
    assert V > 10_000
    assert v.shape == (len(walk), V, 3) and v.dtype == np.float32
    assert np.all(np.isfinite(v))
    f = body.faces
    assert f.ndim == 2 and f.shape[1] == 3 and f.dtype == np.int64 and len(f) > 20_000
    assert f.min() >= 0 and f.max() < V
    assert len(np.unique(f)) == V  # no stray vertex
    # counter-clockwise seen from outside: the closed-ish surface encloses a positive volume (~50 l)
    x = v[0].astype(np.float64)
    volume = np.einsum("ij,ij->i", x[f[:, 0]], np.cross(x[f[:, 1]], x[f[:, 2]])).sum() / 6
    assert 0.03 < volume < 0.12
    n = vertex_normals(v[:1], f)
    assert n.shape == (1, V, 3) and np.all(np.isfinite(n))


def test_walk_mesh_follows_the_joints(body: anny_body.AnnyBody, walk: np.ndarray) -> None:
    lm = body.posed_landmarks(walk)
    err = np.linalg.norm(lm - walk, axis=-1)  # (T, 22) metres
    assert err[:, EXACT].max() < 1e-4, err[:, EXACT].max()
    assert err[:, [1, 2]].max() < 0.03  # hips: hip width of anny vs the motion
    assert err.max() < 0.12  # pelvis, spine, neck, collars: anny's proportions vs this rig's
    v = body.vertices(walk)
    # every limb segment's skin wraps the motion's bone on its own side
    for name, a, b in LIMBS:
        left, right = (a, b), (MIRROR[a], MIRROR[b])
        for side, (j0, j1), (m0, m1) in (("L", left, right), ("R", right, left)):
            p = v[:, body.segment_vertices(f"{name}.{side}")]
            own = _segment_distance(p, walk[:, j0], walk[:, j1])
            mirror = _segment_distance(p, walk[:, m0], walk[:, m1])
            assert own.mean() < 0.09 and own.max() < 0.16, (name, side, own.mean(), own.max())
            assert (own < mirror).mean() > 0.98, (name, side)
    for side, wrist, other in (("L", 20, 21), ("R", 21, 20)):
        centre = v[:, body.segment_vertices(f"hand.{side}")].mean(1)
        assert np.all(np.linalg.norm(centre - walk[:, wrist], axis=-1) < 0.15)
        assert np.all(np.linalg.norm(centre - walk[:, other], axis=-1) > 0.3)
    # limbs are moved rigidly across the bone (only stretched along it): the skin keeps its distance to the bone
    s = body.fit_scale(walk)
    for seg, a, b in [("shin.L", 4, 7), ("foot.R", 8, 11), ("upperarm.L", 16, 18), ("forearm.R", 19, 21)]:
        rigid = body.segment_vertices(seg, min_weight=0.999)
        assert len(rigid) > 20
        rest = s * _line_distance(body.rest_vertices[rigid], body.landmarks[a], body.landmarks[b])
        posed = _line_distance(v[:, rigid].astype(np.float64), walk[:, a], walk[:, b])
        np.testing.assert_allclose(posed, np.broadcast_to(rest, posed.shape), atol=1e-4, err_msg=seg)
    # facing the way the hips say: eyes in front of the head joint, thumbs forward with the arms down
    facing = _facing(walk)
    eyes = v[:, body.bone_vertices(["eye.L", "eye.R"])].mean(1)
    assert np.all(((eyes - walk[:, 15]) * facing).sum(-1) > 0.04)
    for side in ("L", "R"):
        thumb = v[:, body.bone_vertices([f"finger1-{k}.{side}" for k in (1, 2, 3)])].mean(1)
        hand = v[:, body.segment_vertices(f"hand.{side}")].mean(1)
        assert ((thumb - hand) * facing).sum(-1).mean() > 0.02, side
    # feet on the floor: the soles a few cm under the lowest foot joint; the top of the head above the head joint
    low = v[..., 1].min(1) - walk[:, [7, 8, 10, 11], 1].min(1)
    assert np.all((low > -0.08) & (low < 0.0)), low
    high = v[..., 1].max(1) - walk[:, 15, 1]
    assert np.all((high > 0.08) & (high < 0.25)), high


def test_tpose_gives_a_tposed_mesh(body: anny_body.AnnyBody, tpose: np.ndarray) -> None:
    v = body.vertices(tpose)[0]
    j = tpose[0]
    shoulder_y = j[16, 1]

    def centre(segment: str) -> np.ndarray:
        return v[body.segment_vertices(segment)].mean(0)

    # arms horizontal along +-x, left hand on +x far from the body
    hand_l, hand_r = centre("hand.L"), centre("hand.R")
    assert hand_l[0] > 0.6 and hand_r[0] < -0.6
    assert abs(hand_l[1] - shoulder_y) < 0.08 and abs(hand_r[1] - shoulder_y) < 0.08
    np.testing.assert_allclose(hand_l * [-1, 1, 1], hand_r, atol=0.01)  # left/right mirror images
    for seg in ("upperarm.L", "forearm.L", "upperarm.R", "forearm.R"):
        arm = v[body.segment_vertices(seg)]
        assert np.all(np.abs(arm[:, 1] - shoulder_y) < 0.12), seg
        assert np.all(np.sign(arm[:, 0]) == (1 if seg.endswith("L") else -1)), seg
    # legs straight down, feet and face forward (+z), left foot on +x
    for side, knee, ankle in (("L", 4, 7), ("R", 5, 8)):
        shin = v[body.segment_vertices(f"shin.{side}")]
        assert np.all(np.abs(shin[:, [0, 2]] - j[knee, [0, 2]]).max(0) < 0.1)
        toes = centre(f"toes.{side}")
        assert toes[2] > j[ankle, 2] + 0.08 and toes[1] < j[knee, 1]
        assert np.sign(toes[0]) == (1 if side == "L" else -1)
    head = centre("head")
    assert abs(head[0]) < 0.02 and head[1] > j[12, 1] and head[2] > j[15, 2] + 0.02
    eyes = v[body.bone_vertices(["eye.L", "eye.R"])].mean(0)
    assert eyes[2] > j[15, 2] + 0.04 and abs(eyes[0]) < 0.01
    # palms down, thumbs forward (the A-pose arm swung up about the forward axis); calves behind the shins
    for side in ("L", "R"):
        thumb = v[body.bone_vertices([f"finger1-{k}.{side}" for k in (1, 2, 3)])].mean(0)
        assert thumb[2] - centre(f"hand.{side}")[2] > 0.03, side
    for side, knee in (("L", 4), ("R", 5)):
        assert centre(f"shin.{side}")[2] < j[knee, 2] - 0.005, side
    # identity rotations: the limb landmarks sit on the joints
    lm = body.posed_landmarks(tpose)
    assert np.linalg.norm(lm - tpose, axis=-1)[0, EXACT].max() < 1e-4


def test_scale_and_chunks(body: anny_body.AnnyBody) -> None:
    joints = np.load(FIXTURE)["joints"].astype(np.float64)
    joints = np.concatenate([joints, joints[::-1]])[:70]  # more frames than one skinning chunk
    s = body.fit_scale(joints)
    assert 0.8 < s < 1.2  # a 1.6 m adult vs anny's 1.63 m neutral body
    v_all = body.vertices(joints)
    v_one = body.vertices(joints[66:67], scale=s)
    np.testing.assert_allclose(v_all[66], v_one[0], atol=1e-5)
    # another scale: a bigger body, limbs still on the joints
    big = body.vertices(joints[:1], scale=1.3 * s)[0]
    assert (
        np.ptp(big[body.segment_vertices("head")], axis=0).min()
        > 1.2 * np.ptp(v_all[0][body.segment_vertices("head")], axis=0).min()
    )
    lm = body.posed_landmarks(joints[:1], scale=1.3 * s)
    assert np.linalg.norm(lm - joints[:1], axis=-1)[0, EXACT].max() < 1e-4


def test_bad_input(body: anny_body.AnnyBody) -> None:
    with pytest.raises(ShapeError):
        body.vertices(np.zeros((4, 21, 3)))
    bad = np.load(FIXTURE)["joints"][:2].astype(np.float64)
    bad[1, 3, 0] = np.nan
    with pytest.raises(ShapeError):
        body.vertices(bad)


def test_model_path_is_a_cache_directory(tmp_path: Path) -> None:
    file = tmp_path / "model.npz"
    file.write_bytes(b"")
    with pytest.raises(MotionLGDError, match="cache directory"):
        anny_body.load(file)


def test_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANNY_CACHE_DIR", str(tmp_path))
    assert anny_body.default_cache_dir() == tmp_path
    monkeypatch.delenv("ANNY_CACHE_DIR")
    assert anny_body.default_cache_dir() == Path.home() / ".cache" / "motionlgd" / "anny"


def test_loading_restores_annys_cache_setting() -> None:
    import anny.paths

    before = anny.paths.get_anny_cache_path()
    anny_body.load(None)
    assert anny.paths.get_anny_cache_path() == before


def test_missing_anny_is_a_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anny", None)  # makes `import anny` raise ImportError
    with pytest.raises(MissingDependencyError, match=r"motionlgd\[body\]"):
        anny_body.load(None)
