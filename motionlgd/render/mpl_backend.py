"""Fallback renderer: matplotlib 3D stick figures with the same overlays (no OpenGL needed).

The goal is a dark green flag (ground ring, pole, pennant), the region a dashed indigo
outline on the floor.

Uses the Agg canvas directly (no pyplot, no GUI backend). Plot axes are the world axes
turned so that matplotlib's z is up: plot ``(X, Y, Z) = (x, -z, y)`` (a proper rotation,
so the figure is not mirrored).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..motion.skeleton import KINEMATIC_CHAINS
from ._deps import require
from .camera import CameraPath
from .geometry import extrude_polygon
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

__all__ = ["iter_frames", "to_plot"]

BACKGROUND = (0.93, 0.95, 0.98)
_GRID_STEP = 0.5
_Z_ASPECT = 0.6  # vertical span / horizontal span of the view box


def to_plot(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World ``(..., 3)`` points to matplotlib plot coordinates ``(X, Y, Z) = (x, -z, y)``."""
    p = np.asarray(p)
    return p[..., 0], -p[..., 2], p[..., 1]


def _clip_ground(points: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """World ``(K, 3)`` points with those outside the ``[lo, hi]`` xz box set to NaN (line gaps)."""
    out = points.astype(np.float64).copy()
    outside = np.any((points[:, [0, 2]] < lo) | (points[:, [0, 2]] > hi), axis=1)
    out[outside] = np.nan
    return out


def _densify(outline: np.ndarray, step: float) -> np.ndarray:
    """Closed ground outline ``(K, 2)`` -> ``(M, 2)`` points at most ``step`` metres apart, ending where it
    starts (so that clipping to the view box removes only the parts outside, not whole edges)."""
    pts = np.concatenate([outline, outline[:1]])
    out = [pts[:1]]
    for a, b in itertools.pairwise(pts):
        k = max(1, math.ceil(float(np.linalg.norm(b - a)) / step))
        out.append(a + (b - a) * (np.arange(1, k + 1) / k)[:, None])
    return np.concatenate(out)


def _grid_segments(lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    segs = []
    for x in np.arange(math.ceil(lo[0] / _GRID_STEP), math.floor(hi[0] / _GRID_STEP) + 1) * _GRID_STEP:
        segs.append(np.stack(to_plot(np.array([[x, 0, lo[1]], [x, 0, hi[1]]])), axis=1))
    for z in np.arange(math.ceil(lo[1] / _GRID_STEP), math.floor(hi[1] / _GRID_STEP) + 1) * _GRID_STEP:
        segs.append(np.stack(to_plot(np.array([[lo[0], 0, z], [hi[0], 0, z]])), axis=1))
    return segs


def _goal_artists(ax: Any, goal: Sequence[float], side: np.ndarray, poly_cls: Any) -> list[Any]:
    """Draw the goal ``(x, z)`` (metres) as a flag: a ground ring, a pole and a pennant pointing along
    the unit ground direction ``side`` ``(x, z)``; returns the artists."""
    x, z = float(goal[0]), float(goal[1])
    t = np.linspace(0.0, 2 * math.pi, 33)
    ring = np.stack([x + 0.25 * np.cos(t), np.full_like(t, 0.01), z + 0.25 * np.sin(t)], axis=1)
    tip = (x + GOAL_FLAG * float(side[0]), GOAL_POLE - 0.15, z + GOAL_FLAG * float(side[1]))
    pennant = np.array([[x, GOAL_POLE, z], tip, [x, GOAL_POLE - 0.3, z]])
    flag = poly_cls([np.stack(to_plot(pennant), axis=1)], facecolors=[GOAL_COLOR], edgecolors=[GOAL_COLOR])
    ax.add_collection3d(flag)
    return [
        ax.plot(*to_plot(ring), color=GOAL_COLOR, lw=2.0)[0],
        ax.plot(*to_plot(np.array([[x, 0.0, z], [x, GOAL_POLE, z]])), color=GOAL_COLOR, lw=2.0)[0],
        ax.plot(*to_plot(np.array([[x, 0.0, z]])), color=GOAL_COLOR, marker="o", markersize=6, ls="none")[0],
        flag,
    ]


class _Stick:
    """Line artists of one stick figure."""

    def __init__(self, ax: Any, color: Sequence[float], alpha: float = 1.0, lw: float = 3.0) -> None:
        self.lines = [ax.plot([], [], [], color=color, lw=lw, alpha=alpha, solid_capstyle="round",
                              marker="o", markersize=lw * 0.9)[0] for _ in KINEMATIC_CHAINS]  # fmt: skip
        self.head = ax.plot([], [], [], color=color, alpha=alpha, marker="o", markersize=lw * 3.2, ls="none")[0]

    def set(self, joints: np.ndarray) -> None:
        """``joints (22, 3)`` of one frame (world coordinates)."""
        for line, chain in zip(self.lines, KINEMATIC_CHAINS):
            line.set_data_3d(*to_plot(joints[list(chain)]))
        self.head.set_data_3d(*(c[None] for c in to_plot(joints[15])))


def iter_frames(
    joints: np.ndarray,
    scene: SceneSpec,
    size: tuple[int, int],
    camera: CameraPath,
    frame_indices: Sequence[int],
    color_ids: Sequence[int] | None = None,
) -> Iterator[np.ndarray]:
    """Render stick-figure frames with matplotlib.

    Args:
        joints: ``(N, T, 22, 3)`` validated joints (metres).
        scene: overlays.
        size: ``(width, height)`` in pixels.
        camera: per-frame camera (direction and distance are mimicked with a view box).
        frame_indices: frames to render, in order.
        color_ids: colour index of each sample (sample ``i`` gets ``sample_color(color_ids[i])``);
            default ``0 .. N-1``.

    Yields:
        ``(H, W, 3)`` uint8 RGB frames.
    """
    require("matplotlib", "The matplotlib backend")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection

    w, h = size
    dpi = 100
    n, T = joints.shape[:2]
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor=BACKGROUND)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0), projection="3d")
    ax.set_facecolor(BACKGROUND)
    ax.set_axis_off()
    ax.set_proj_type("persp", focal_length=1.0 / math.tan(camera.yfov / 2))
    ax.set_box_aspect((1.0, 1.0, _Z_ASPECT), zoom=1.35)

    grid = Line3DCollection([np.zeros((2, 3))], colors=[(0.6, 0.6, 0.6)], linewidths=0.6)
    ax.add_collection3d(grid)
    path_pts = None
    if scene.path is not None:
        p2 = np.asarray(scene.path)
        path_pts = np.stack([p2[:, 0], np.zeros(len(p2)), p2[:, 1]], axis=1)
    path_line = ax.plot([], [], [], color=PATH_COLOR, lw=2.0)[0]
    for wp in scene.waypoints:
        x, z = wp["position"]
        ax.plot(*to_plot(np.array([[x, 0, z], [x, 1.3, z]])), color=WAYPOINT_COLOR, lw=1.5)
        ax.plot(*to_plot(np.array([[x, 1.3, z]])), color=WAYPOINT_COLOR, marker="o", markersize=7, ls="none")
        ax.plot(*to_plot(np.array([[x, 0, z]])), color=WAYPOINT_COLOR, marker="o", markersize=10, ls="none")
        if wp.get("time") is not None:
            tx, ty, tz = (float(c[0]) for c in to_plot(np.array([[x, 1.45, z]])))
            ax.text(tx, ty, tz, f"t = {float(wp['time']):.1f} s", fontsize=8, ha="center",
                    bbox={"boxstyle": "round,pad=0.2", "fc": (1.0, 0.98, 0.88), "ec": "none"})  # fmt: skip
    obstacle_artists = []
    for obs in scene.obstacles:
        v, f = extrude_polygon(obstacle_outline(obs, segments=32), height=obs["height"])
        pv = np.stack(to_plot(v), axis=1)
        poly = Poly3DCollection([pv[face] for face in f], facecolors=[(*OBSTACLE_COLOR, 0.55)], edgecolors="none")
        ax.add_collection3d(poly)
        obstacle_artists.append((poly, obstacle_outline(obs, segments=16)))
    region_pts = None
    if scene.region is not None:
        r2 = _densify(obstacle_outline(scene.region, segments=64), step=0.05)
        region_pts = np.stack([r2[:, 0], np.full(len(r2), 0.01), r2[:, 1]], axis=1)
    region_line = ax.plot([], [], [], color=REGION_COLOR, lw=2.2, ls="--")[0]
    goal_artists = [] if scene.goal is None else _goal_artists(ax, scene.goal, camera.right_xz(0), Poly3DCollection)
    ghost = _Stick(ax, GHOST_COLOR, alpha=0.5) if scene.ghost is not None else None
    ids = list(color_ids) if color_ids is not None else list(range(n))
    colors = [sample_color(ids[i]) for i in range(n)]
    trails = [ax.plot([], [], [], color=tuple(0.8 * c for c in colors[i]), lw=1.5)[0] for i in range(n)]
    sticks = [_Stick(ax, colors[i]) for i in range(n)]

    try:
        for t in frame_indices:
            target = camera.target[t]
            half = max(1.2, float(camera.extent[t]))
            lo = np.array([target[0] - half, target[2] - half])
            hi = np.array([target[0] + half, target[2] + half])
            ax.set_xlim(lo[0], hi[0])
            ax.set_ylim(-hi[1], -lo[1])
            ax.set_zlim(0.0, 2 * half * _Z_ASPECT)
            azim, elev = camera.angles(t)
            # world azimuth is measured from +x towards +z; plot Y is -z
            ax.view_init(elev=elev, azim=-azim)
            grid.set_segments(_grid_segments(lo, hi))
            if path_pts is not None:
                path_line.set_data_3d(*to_plot(_clip_ground(path_pts, lo, hi)))
            if region_pts is not None:
                region_line.set_data_3d(*to_plot(_clip_ground(region_pts, lo, hi)))
            if scene.goal is not None:
                seen = bool(np.all((np.asarray(scene.goal) >= lo) & (np.asarray(scene.goal) <= hi)))
                for artist in goal_artists:
                    artist.set_visible(seen)
            for poly, outline in obstacle_artists:
                poly.set_visible(bool(np.any(np.all((outline >= lo) & (outline <= hi), axis=1))))
            for i in range(n):
                ti = min(t, T - 1)
                sticks[i].set(joints[i, ti])
                root = joints[i, : ti + 1, 0, :].copy()
                root[:, 1] = 0.0
                trails[i].set_data_3d(*to_plot(_clip_ground(root, lo, hi)))
            if ghost is not None and scene.ghost is not None:
                g = np.asarray(scene.ghost)
                ghost.set(g[min(t, len(g) - 1)])
            canvas.draw()
            img = np.asarray(canvas.buffer_rgba())[..., :3]
            if img.shape[:2] != (h, w):  # guard against rounding of the figure size
                out = np.full((h, w, 3), 255, dtype=np.uint8)
                hh, ww = min(h, img.shape[0]), min(w, img.shape[1])
                out[:hh, :ww] = img[:hh, :ww]
                img = out
            yield np.ascontiguousarray(img)
    finally:
        fig.clear()
