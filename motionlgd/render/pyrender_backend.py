"""Offscreen mesh renderer (pyrender + OpenGL; headless through EGL/Mesa llvmpipe on a CPU).

Scene: a checkerboard ground, the target path as a thin dark ribbon, waypoints as gold
markers (disc + pole + ball), obstacles as translucent red prisms, the goal as a dark green
flag (ground ring, pole, pennant), the region as an indigo outline on the floor, one capsule body per
sample in its own colour, the root trail walked so far as a ribbon in the sample's colour,
and an optional translucent grey ghost body (or a skinned mesh body). One directional light (shadows on request).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..motion.skeleton import NUM_JOINTS
from ._deps import import_pyrender
from .body import BONE_RADII, BONES, JOINT_RADII, MeshBody, bone_transforms, vertex_normals
from .camera import CameraPath, look_at
from .geometry import checker_ground, extrude_polygon, flat_normals, outline_ribbon, ribbon
from .scene import (
    GHOST_COLOR,
    GOAL_COLOR,
    GOAL_FLAG,
    GOAL_POLE,
    OBSTACLE_COLOR,
    PATH_COLOR,
    REGION_COLOR,
    WAYPOINT_COLOR,
    SceneSpec,
    obstacle_outline,
    sample_color,
)

__all__ = ["iter_tiles"]

log = logging.getLogger(__name__)

BACKGROUND = (0.93, 0.95, 0.98, 1.0)
LEAN_SHADER = Path(__file__).with_name("shaders") / "lean_mesh.frag"
_GROUND_COLORS = (np.array([0.80, 0.80, 0.78, 1.0]), np.array([0.66, 0.67, 0.66, 1.0]))


def _material(pyrender: Any, rgba: Sequence[float], double: bool = False, roughness: float = 0.75) -> Any:
    rgba = [float(c) for c in rgba]
    return pyrender.MetallicRoughnessMaterial(
        baseColorFactor=rgba,
        metallicFactor=0.0,
        roughnessFactor=roughness,
        alphaMode="BLEND" if rgba[3] < 1.0 else "OPAQUE",
        doubleSided=double,
    )


def _flat_mesh(pyrender: Any, verts: np.ndarray, faces: np.ndarray, rgba: Sequence[float], double: bool = False) -> Any:
    """pyrender Mesh with flat shading from numpy vertices/faces."""
    normals = np.repeat(flat_normals(verts, faces), 3, axis=0)
    positions = verts[faces].reshape(-1, 3)
    prim = pyrender.Primitive(positions=positions.astype(np.float32), normals=normals.astype(np.float32),
                              material=_material(pyrender, rgba, double))  # fmt: skip
    return pyrender.Mesh(primitives=[prim])


def _use_lean_shader(pyrender: Any, renderer: Any) -> bool:
    """Swap pyrender's PBR fragment shader for :data:`LEAN_SHADER` on an OffscreenRenderer."""
    if not LEAN_SHADER.is_file():
        log.debug("lean shader %s missing; using pyrender's PBR shader", LEAN_SHADER)
        return False
    from pyrender.shader_program import ShaderProgramCache

    class _LeanCache(ShaderProgramCache):  # type: ignore[misc]
        def get_program(self, vertex_shader: str, fragment_shader: str, geometry_shader: str | None = None,
                        defines: dict[str, Any] | None = None) -> Any:  # fmt: skip
            if fragment_shader == "mesh.frag":
                fragment_shader = str(LEAN_SHADER)
            return super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)

    inner = getattr(renderer, "_renderer", None)
    if inner is None or not hasattr(inner, "_program_cache"):
        return False
    inner._program_cache.clear()
    inner._program_cache = _LeanCache()
    return True


class _BodyTemplate:
    """Vertices of the procedural body, posed per frame in numpy and drawn as one mesh (one draw call).

    Bones are open tubes of height 1 along z (scaled to the bone), joints are icospheres; see
    :mod:`motionlgd.render.body` for the radii.
    """

    def __init__(self, trimesh: Any, sections: int = 16) -> None:
        a = np.linspace(0.0, 2 * math.pi, sections, endpoint=False)
        ring = np.stack([np.cos(a), np.sin(a), np.zeros_like(a)], axis=1)
        i = np.arange(sections)
        j = (i + 1) % sections
        tube_faces = np.concatenate([np.stack([i, j, j + sections], 1), np.stack([i, j + sections, i + sections], 1)])
        radii = np.array([BONE_RADII[c] for _, c in BONES])  # (B,)
        tube_unit = np.concatenate([ring, ring], axis=0)  # (2S, 3) radial directions
        self.tube_pos = tube_unit[None] * radii[:, None, None]  # (B, 2S, 3)
        self.tube_pos[:, sections:, 2] = 0.5
        self.tube_pos[:, :sections, 2] = -0.5
        self.tube_nrm = tube_unit
        sph = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
        self.sph_unit = np.asarray(sph.vertices, dtype=np.float64)  # (P, 3) also the normals
        self.sph_pos = self.sph_unit[None] * np.asarray(JOINT_RADII)[:, None, None]  # (J, P, 3)
        nb, nt = len(BONES), 2 * sections
        tf = (tube_faces[None] + (np.arange(nb) * nt)[:, None, None]).reshape(-1, 3)
        np_ = len(self.sph_unit)
        sf = (np.asarray(sph.faces)[None] + (nb * nt + np.arange(NUM_JOINTS) * np_)[:, None, None]).reshape(-1, 3)
        self.faces = np.concatenate([tf, sf]).astype(np.uint32)

    def pose(self, joints: np.ndarray, bone_mats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``joints (22, 3)`` and ``bone_mats (21, 4, 4)`` -> ``positions (V, 3)``, ``normals (V, 3)`` float32."""
        rot = bone_mats[:, :3, :3]  # columns x, y, z * length
        tube = np.einsum("bij,bvj->bvi", rot, self.tube_pos) + bone_mats[:, None, :3, 3]
        tube_n = np.einsum("bij,vj->bvi", rot[:, :, :2], self.tube_nrm[:, :2])  # radial: x/y columns are unit
        sph = self.sph_pos + joints[:, None, :]
        sph_n = np.broadcast_to(self.sph_unit, sph.shape)
        pos = np.concatenate([tube.reshape(-1, 3), sph.reshape(-1, 3)]).astype(np.float32)
        nrm = np.concatenate([tube_n.reshape(-1, 3), sph_n.reshape(-1, 3)]).astype(np.float32)
        return pos, nrm


def _goal_flag(trimesh: Any, goal: Sequence[float], side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flag mesh ``(vertices (V, 3), faces (F, 3))`` in metres at the goal ``(x, z)``: a ground ring, a pole
    and a two-sided pennant pointing along the unit ground direction ``side`` ``(x, z)``."""
    ring = trimesh.creation.annulus(r_min=0.2, r_max=0.27, height=0.012, sections=40)
    ring.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
    pole = trimesh.creation.cylinder(radius=0.015, height=GOAL_POLE, sections=10)
    pole.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
    pole.apply_translation([0, GOAL_POLE / 2, 0])
    parts = trimesh.util.concatenate([ring, pole])
    x, z = float(goal[0]), float(goal[1])
    tip = [GOAL_FLAG * float(side[0]), GOAL_POLE - 0.15, GOAL_FLAG * float(side[1])]
    pennant = np.array([[0.0, GOAL_POLE, 0.0], tip, [0.0, GOAL_POLE - 0.3, 0.0]])
    verts = np.concatenate([np.asarray(parts.vertices), pennant]) + np.array([x, 0.0, z])
    k = len(parts.vertices)
    faces = np.concatenate([np.asarray(parts.faces), np.array([[k, k + 1, k + 2], [k, k + 2, k + 1]])])
    return verts, faces


def _build_static(
    pyrender: Any,
    trimesh: Any,
    pscene: Any,
    scene: SceneSpec,
    joints: np.ndarray,
    margin: float,
    side: np.ndarray | None = None,
) -> None:
    """Add the ground and the scene overlays; ``side``: unit ground direction ``(x, z)`` of the goal's pennant."""
    pts = [joints[..., [0, 2]].reshape(-1, 2), scene.ground_points()]
    allp = np.concatenate(pts, axis=0)
    lo, hi = allp.min(0) - margin, allp.max(0) + margin
    verts, faces, parity = checker_ground(lo[0], hi[0], lo[1], hi[1], tile=1.0)
    colors = np.zeros((len(verts), 4), dtype=np.float32)
    quad_parity = parity[: len(parity) // 2]
    colors[:] = np.repeat(np.where(quad_parity[:, None] == 0, _GROUND_COLORS[0], _GROUND_COLORS[1]), 4, axis=0)
    normals = np.tile(np.array([[0.0, 1.0, 0.0]], dtype=np.float32), (len(verts), 1))
    ground = pyrender.Primitive(positions=verts.astype(np.float32), normals=normals, color_0=colors,
                                indices=faces.astype(np.uint32), material=_material(pyrender, (1, 1, 1, 1), roughness=0.9))  # fmt: skip
    pscene.add(pyrender.Mesh(primitives=[ground]))

    if scene.path is not None:
        v, f = ribbon(np.asarray(scene.path), width=0.06, y=0.004)
        if len(f):
            pscene.add(_flat_mesh(pyrender, v, f, (*PATH_COLOR, 1.0), double=True))
    wp_mat = _material(pyrender, (*WAYPOINT_COLOR, 1.0), roughness=0.5)
    for wp in scene.waypoints:
        x, z = wp["position"]
        disc = trimesh.creation.cylinder(radius=0.2, height=0.012, sections=32)
        disc.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
        pole = trimesh.creation.cylinder(radius=0.012, height=1.3, sections=10)
        pole.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
        pole.apply_translation([0, 0.65, 0])
        ball = trimesh.creation.icosphere(subdivisions=2, radius=0.06)
        ball.apply_translation([0, 1.3, 0])
        marker = trimesh.util.concatenate([disc, pole, ball])
        marker.apply_translation([x, 0.0, z])
        pscene.add(pyrender.Mesh.from_trimesh(marker, material=wp_mat, smooth=False))
    for obs in scene.obstacles:
        v, f = extrude_polygon(obstacle_outline(obs), height=obs["height"])
        pscene.add(_flat_mesh(pyrender, v, f, (*OBSTACLE_COLOR, 0.8)))
    if scene.region is not None:
        v, f = outline_ribbon(obstacle_outline(scene.region, segments=64), width=0.06, y=0.006)
        if len(f):
            pscene.add(_flat_mesh(pyrender, v, f, (*REGION_COLOR, 1.0), double=True))
    if scene.goal is not None:
        v, f = _goal_flag(trimesh, scene.goal, np.array([1.0, 0.0]) if side is None else side)
        pscene.add(_flat_mesh(pyrender, v, f, (*GOAL_COLOR, 1.0)))


class _Tile:
    """One pyrender scene: static overlays, per-frame bodies and trails of some samples, a camera."""

    def __init__(self, pyrender: Any, trimesh: Any, joints: np.ndarray, scene: SceneSpec, camera: CameraPath,
                 aspect: float, template: _BodyTemplate, mesh_body: MeshBody | None,
                 colors: Sequence[int]) -> None:  # fmt: skip
        self.pyrender, self.joints, self.camera, self.template = pyrender, joints, camera, template
        n = joints.shape[0]
        self.pscene = pyrender.Scene(bg_color=list(BACKGROUND), ambient_light=[0.32, 0.32, 0.34])
        _build_static(pyrender, trimesh, self.pscene, scene, joints, margin=8.0, side=camera.right_xz(0))
        ids = list(colors)
        self.body_mats = [_material(pyrender, (*sample_color(ids[i]), 1.0), roughness=0.6) for i in range(n)]
        self.mats: list[np.ndarray] = []
        self.mesh_verts = self.mesh_normals = self.mesh_faces = None
        if mesh_body is None:
            self.mats = [bone_transforms(joints[i]) for i in range(n)]
        else:  # posed once per clip (batched), normals too
            self.mesh_faces = np.asarray(mesh_body.faces, dtype=np.uint32)
            self.mesh_verts = [np.asarray(mesh_body.vertices(joints[i]), dtype=np.float32) for i in range(n)]
            self.mesh_normals = [vertex_normals(v, self.mesh_faces) for v in self.mesh_verts]
        self.ghost = np.asarray(scene.ghost) if scene.ghost is not None else None
        self.ghost_mats = bone_transforms(self.ghost) if self.ghost is not None else None
        self.ghost_mat = _material(pyrender, (*GHOST_COLOR, 0.4))
        self.trail_rgba = [(*tuple(0.8 * c for c in sample_color(ids[i])), 1.0) for i in range(n)]
        cam = pyrender.PerspectiveCamera(yfov=camera.yfov, aspectRatio=aspect, znear=0.05, zfar=200.0)
        self.cam_node = self.pscene.add(cam, pose=camera.pose(0))
        center = joints[:, :, 0].reshape(-1, 3).mean(0)
        key = pyrender.DirectionalLight(color=np.ones(3), intensity=2.4)
        self.pscene.add(key, pose=look_at(center + np.array([2.0, 6.0, 3.0]), center))
        self.dynamic: list[Any] = []

    def _body_node(self, pos: np.ndarray, nrm: np.ndarray, material: Any, faces: np.ndarray) -> Any:
        prim = self.pyrender.Primitive(positions=pos, normals=nrm, indices=faces, material=material)
        return self.pscene.add(self.pyrender.Mesh(primitives=[prim]))

    def update(self, t: int) -> None:
        """Pose bodies, trails and camera at frame ``t`` (bodies and trails are rebuilt: one draw call each)."""
        for node in self.dynamic:
            self.pscene.remove_node(node)
        self.dynamic = []
        joints, T = self.joints, self.joints.shape[1]
        ti = min(t, T - 1)
        for i in range(joints.shape[0]):
            if self.mesh_verts is not None and self.mesh_normals is not None and self.mesh_faces is not None:
                v, nrm = self.mesh_verts[i][ti], self.mesh_normals[i][ti]
                self.dynamic.append(self._body_node(v, nrm, self.body_mats[i], self.mesh_faces))
            else:
                pos, nrm = self.template.pose(joints[i, ti], self.mats[i][ti])
                self.dynamic.append(self._body_node(pos, nrm, self.body_mats[i], self.template.faces))
        if self.ghost is not None and self.ghost_mats is not None:
            tg = min(t, len(self.ghost) - 1)
            pos, nrm = self.template.pose(self.ghost[tg], self.ghost_mats[tg])
            self.dynamic.append(self._body_node(pos, nrm, self.ghost_mat, self.template.faces))
        for i in range(joints.shape[0]):
            v, f = ribbon(joints[i, : ti + 1, 0, :][:, [0, 2]], width=0.04, y=0.008 + 0.001 * i)
            if len(f):
                self.dynamic.append(self.pscene.add(_flat_mesh(self.pyrender, v, f, self.trail_rgba[i], double=True)))
        self.pscene.set_pose(self.cam_node, self.camera.pose(t))


def iter_tiles(
    parts: Sequence[tuple[np.ndarray, CameraPath, int | Sequence[int]]],
    scene: SceneSpec,
    size: tuple[int, int],
    frame_indices: Sequence[int],
    shadows: bool = False,
    lean_shader: bool = True,
    mesh_body: MeshBody | None = None,
) -> Iterator[list[np.ndarray]]:
    """Render several scenes of the same size with one offscreen renderer, frame by frame.

    Args:
        parts: per tile ``(joints (N, T, 22, 3) metres, camera, colours)``; colours: the colour index
            of each of the N samples.
        scene: overlays, drawn in every tile.
        size: ``(width, height)`` in pixels of each tile.
        frame_indices: which frames to render, in order.
        shadows: directional-light shadows (about 35 % slower on a CPU renderer).
        lean_shader: use the cheap Lambert shader of ``shaders/lean_mesh.frag`` instead of pyrender's
            PBR shader (about 3x faster on a CPU renderer; looks nearly the same here).
        mesh_body: a loaded skinned body (:func:`motionlgd.render.body.load_body`) drawn
            instead of the capsules (None: capsules; the ghost is always a capsule body).

    Yields:
        One list per frame of ``(H, W, 3)`` uint8 RGB images, one per tile.
    """
    pyrender, trimesh = import_pyrender()
    w, h = size
    template = _BodyTemplate(trimesh)
    tiles = [_Tile(pyrender, trimesh, j, scene, cam, w / h, template, mesh_body, first) for j, cam, first in parts]
    flags = pyrender.RenderFlags.SHADOWS_DIRECTIONAL if shadows else pyrender.RenderFlags.NONE
    # one renderer (one EGL context) for all tiles: deleting a second context terminates the shared display
    renderer = pyrender.OffscreenRenderer(w, h)
    if lean_shader:
        _use_lean_shader(pyrender, renderer)
    try:
        for t in frame_indices:
            images = []
            for tile in tiles:
                tile.update(t)
                color, _ = renderer.render(tile.pscene, flags=flags)
                images.append(np.ascontiguousarray(color[..., :3]))
            yield images
    finally:
        renderer.delete()
