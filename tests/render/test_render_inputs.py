"""Input validation (before anything is written), scene validation, geometry and body helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionlgd.errors import MissingDependencyError, MotionLGDError, ScenarioError, ShapeError
from motionlgd.render import SceneSpec, render_motion, render_topdown
from motionlgd.render.body import bone_transforms, resolve_body
from motionlgd.render.geometry import extrude_polygon, flat_normals, ribbon, triangulate_polygon
from motionlgd.render.scene import box_corners, obstacle_outline


@pytest.mark.parametrize(
    "bad",
    [np.zeros((12, 21, 3)), np.zeros((12, 22)), np.zeros((2, 3, 12, 22, 3)), np.zeros((0, 22, 3)), "walk"],
)
def test_wrong_shapes_raise_and_write_nothing(tmp_path: Path, bad) -> None:
    with pytest.raises(ShapeError):
        render_motion(bad, tmp_path / "x.mp4", backend="matplotlib")
    with pytest.raises(ShapeError):
        render_topdown(bad, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_joints_raise(tmp_path: Path, walk: np.ndarray, value: float) -> None:
    bad = walk.copy()
    bad[3, 7, 1] = value
    with pytest.raises(ShapeError, match="frame 3, joint 7"):
        render_motion(bad, tmp_path / "x.gif", backend="matplotlib")
    with pytest.raises(ShapeError):
        render_topdown(bad, tmp_path / "x.png")
    with pytest.raises(ShapeError):
        SceneSpec(ghost=bad)
    assert list(tmp_path.iterdir()) == []


def test_other_arguments_validated(tmp_path: Path, walk: np.ndarray) -> None:
    with pytest.raises(ShapeError):
        render_motion(walk, tmp_path / "x.gif", fps=0)
    with pytest.raises(ShapeError):
        render_motion(walk, tmp_path / "x.gif", size=(10, 5000))
    with pytest.raises(MotionLGDError, match="unsupported output"):
        render_motion(walk, tmp_path / "x.avi")
    with pytest.raises(MotionLGDError, match="camera"):
        render_motion(walk, tmp_path / "x.gif", camera="orbit")
    with pytest.raises(MotionLGDError, match="backend"):
        render_motion(walk, tmp_path / "x.gif", backend="blender")
    assert list(tmp_path.iterdir()) == []


def test_scene_validation() -> None:
    with pytest.raises(ShapeError):
        SceneSpec(path=np.zeros((5, 3)))
    with pytest.raises(ShapeError):
        SceneSpec(path=[[0, 0], [np.nan, 1]])
    with pytest.raises(ScenarioError, match="unknown type"):
        SceneSpec(obstacles=[{"type": "sphere"}])
    with pytest.raises(ScenarioError, match="radius"):
        SceneSpec(obstacles=[{"type": "disc", "center": [0, 0], "radius": -1}])
    with pytest.raises(ScenarioError, match="position"):
        SceneSpec(waypoints=[{"time": 1.0}])
    s = SceneSpec.from_dict(
        {"path": [[0, 0], [1, 1]], "obstacles": [{"type": "box", "center": [0, 1], "size": [1, 2]}]}
    )
    assert s.obstacles[0]["angle"] == 0.0 and s.obstacles[0]["height"] > 0


@pytest.mark.parametrize("kind", ["box", "polygon", "disc"])
def test_drawn_outlines_lie_on_the_loss_sdf_boundary(kind: str) -> None:
    torch = pytest.importorskip("torch")
    from motionlgd.losses.shapes import Box, Disc, Polygon

    shape = {
        "box": Box((1.0, 2.0), (0.6, 1.0), 30.0),
        "polygon": Polygon(((0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0))),
        "disc": Disc((0.5, -1.0), 0.7),
    }[kind]
    s = SceneSpec(obstacles=[shape])  # Shape objects are accepted too
    outline = obstacle_outline(s.obstacles[0])
    sdf = shape.sdf(torch.as_tensor(outline, dtype=torch.float64))
    assert sdf.abs().max() < 1e-5
    if kind == "box":
        np.testing.assert_allclose(box_corners(shape.center, shape.size, shape.angle), outline)


def test_geometry_outward_and_up() -> None:
    trimesh = pytest.importorskip("trimesh")
    l_shape = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], dtype=float)
    assert len(triangulate_polygon(l_shape)) == 4
    for outline in (l_shape, l_shape[::-1]):
        v, f = extrude_polygon(outline, height=0.5)
        n = flat_normals(v, f)
        top = np.isclose(v[f][:, :, 1], 0.5).all(axis=1)
        assert (n[top, 1] > 0.99).all()
        # walls + top + a bottom cap make a closed prism of the right, positive volume
        closed = trimesh.Trimesh(v, np.concatenate([f, _bottom(v, f)]), process=True)
        assert closed.volume == pytest.approx(3 * 0.5, rel=1e-6)
    v, f = ribbon(np.array([[0, 0], [1, 0], [1, 1]], dtype=float), width=0.1, y=0.01)
    assert (flat_normals(v, f)[:, 1] > 0.99).all()


def _bottom(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Bottom cap = the top cap's triangles moved to the bottom ring, reversed (faces down)."""
    k = len(v) // 2
    top = f[(f >= k).all(axis=1)]
    return top[:, ::-1] - k


def test_bone_transforms_map_unit_cylinder_onto_bones(walk: np.ndarray) -> None:
    m = bone_transforms(walk)
    assert m.shape == (12, 21, 4, 4)
    ends = np.einsum("tbij,j->tbi", m, np.array([0, 0, 0.5, 1.0]))[..., :3]
    from motionlgd.render.body import BONES

    np.testing.assert_allclose(ends, walk[:, [c for _, c in BONES]], atol=1e-9)


def test_optional_bodies_give_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    assert resolve_body("procedural") == resolve_body("capsules") == "procedural"
    with pytest.raises(MotionLGDError, match="unknown body"):
        resolve_body("robot")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # as if smplx / anny were missing
    for name, extra in (("smpl", "pip install smplx"), ("anny", "motionlgd[body]")):
        with pytest.raises(MissingDependencyError, match=name) as info:
            resolve_body(name)
        assert extra in str(info.value)


def test_vertex_normals_point_outwards_on_a_sphere() -> None:
    trimesh = pytest.importorskip("trimesh")
    from motionlgd.render.body import vertex_normals

    sph = trimesh.creation.icosphere(subdivisions=2, radius=0.3)
    v = np.stack([sph.vertices, sph.vertices * 2 + 1.0])  # a batch of two
    n = vertex_normals(v, sph.faces)
    assert n.shape == v.shape and n.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(n, axis=-1), 1.0, atol=1e-5)
    radial = sph.vertices / np.linalg.norm(sph.vertices, axis=-1, keepdims=True)
    assert (np.einsum("bvi,vi->bv", n, radial) > 0.98).all()
    flipped = vertex_normals(v, sph.faces[:, ::-1])  # reversed winding -> inward normals
    assert (np.einsum("bvi,vi->bv", flipped, radial) < -0.98).all()


def test_camera_projects_its_target_to_the_image_centre() -> None:
    from motionlgd.render.camera import CameraPath

    cam = CameraPath(eye=np.array([[3.0, 2.0, -4.0]]), target=np.array([[0.5, 0.9, 1.0]]), yfov=0.8,
                     extent=np.array([3.0]))  # fmt: skip
    px, ok = cam.project(0, np.array([[0.5, 0.9, 1.0], [6.0, 3.0, -9.0], [0.5, 50.0, 1.0]]), (640, 480))
    np.testing.assert_allclose(px[0], [320.0, 240.0], atol=1e-6)
    assert ok.tolist() == [True, False, False]  # behind the camera; far above the view
    up = cam.project(0, np.array([[0.5, 1.2, 1.0]]), (640, 480))[0][0]
    assert up[1] < 240.0 and abs(up[0] - 320.0) < 40.0  # higher in the world = higher in the image
