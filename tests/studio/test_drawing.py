"""Geometry of the studio's scene: floor picking, obstacle prisms, skeletons, metrics lines."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.studio.drawing import floor_point, metrics_lines, prism, skeleton_segments, trail_segments


def test_floor_point() -> None:
    assert floor_point((1.0, 10.0, 2.0), (0.0, -1.0, 0.0)) == (1.0, 2.0)
    x, z = floor_point((0.0, 4.0, 0.0), (0.6, -0.8, 0.0))
    assert np.isclose(x, 3.0) and np.isclose(z, 0.0)
    assert floor_point((0.0, 4.0, 0.0), (1.0, 0.0, 0.0)) is None  # parallel
    assert floor_point((0.0, 4.0, 0.0), (0.0, 1.0, 0.0)) is None  # looking up


def test_prism_is_a_closed_outward_solid() -> None:
    trimesh = pytest.importorskip("trimesh")
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    for outline in (square, square[::-1]):
        v, f = prism(outline, height=2.0)
        mesh = trimesh.Trimesh(v, f, process=True)
        assert mesh.is_watertight and np.isclose(abs(mesh.volume), 2.0)


def test_skeleton_and_trail_segments() -> None:
    joints = np.random.default_rng(0).normal(size=(10, 22, 3))
    seg = skeleton_segments(joints[0], (1.0, 0.0, 0.0))
    assert seg.shape == (21, 2, 3) and np.allclose(seg[0, 0], joints[0, 0] + [1, 0, 0])
    trail = trail_segments(joints)
    assert trail.shape == (9, 2, 3) and np.allclose(trail[..., 1], 0.01)


def test_metrics_lines() -> None:
    lines = metrics_lines({"per_sample": [{"path_error_mean_m": 0.052, "obstacle_penetrated": 0.0,
                                           "foot_skating_ratio": 0.5}]})  # fmt: skip
    assert lines == ["- sample 0: path error 5.2 cm, penetration 0, skating 0.50"]
