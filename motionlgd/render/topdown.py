"""Top-down PNG of root trajectories against the path, waypoints, obstacles, goal and region (matplotlib).

The view is from above (+y): ``z`` points up the page and ``x`` to the left, so a person
walking up the page has their left (+x) on the left of the picture, as in the videos.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MotionLGDError
from ..io import atomic_path
from ._deps import require
from ._inputs import as_joint_batch, check_sample_ids, check_size
from .scene import (
    GHOST_COLOR,
    GOAL_COLOR,
    OBSTACLE_COLOR,
    PATH_COLOR,
    REGION_COLOR,
    WAYPOINT_COLOR,
    SceneSpec,
    obstacle_outline,
    sample_color,
)
from .video import check_output_path

__all__ = ["render_topdown"]

#: A flag with its pole's foot at the marker's origin (matplotlib rescales it to the marker size).
_FLAG_MARKER = [(-0.07, 0.0), (-0.07, 1.0), (0.75, 0.78), (0.07, 0.56), (0.07, 0.0)]


def _still_title(scene: SceneSpec) -> str:
    """The title of a still picture: a prompt timeline one line per prompt with its time span,
    long titles wrapped."""
    if not scene.titles:
        return "\n".join(textwrap.wrap(scene.title, 70))
    lines, start = [], 0.0
    for until, text in scene.titles:
        span = f"{start:g}-{until:g} s" if until is not None else f"from {start:g} s"
        lines.append(textwrap.shorten(f"{span}: {text}", 80))
        start = until if until is not None else start
    return "\n".join(lines)


def _draw_facing(ax: Any, joints: np.ndarray, color: Any, fps: float, legend: bool) -> None:
    """Facing arrows of one motion ``(T, 22, 3)`` every half second (red: turned away from travel)."""
    from ..eval.metrics import facing as facing_of

    fwd, vel = facing_of(joints, fps)
    speed = np.linalg.norm(vel, axis=-1)
    cos = (fwd * vel).sum(-1) / np.maximum(speed, 1e-9)
    away = (speed > 0.3) & (cos < np.cos(np.radians(120)))
    every = max(1, round(fps / 2))
    idx = np.arange(0, len(fwd), every)
    root = 0.5 * (joints[idx, 0] + joints[idx + 1, 0])  # at the frame steps, as fwd
    for ok, col, label in ((~away[idx], color, "facing"), (away[idx], "red", "facing > 120 deg from travel")):
        if ok.any():
            ax.quiver(root[ok, 0], root[ok, 2], 0.25 * fwd[idx[ok], 0], 0.25 * fwd[idx[ok], 1], color=col,
                      angles="xy", scale_units="xy", scale=1, width=0.004, zorder=5,
                      label=label if legend else None)  # fmt: skip


def render_topdown(
    joints: Any,
    out_png: str | os.PathLike[str],
    scene: SceneSpec | None = None,
    labels: Sequence[str] | None = None,
    overwrite: bool = False,
    size: tuple[int, int] = (800, 800),
    dpi: int = 100,
    sample_ids: Sequence[int] | None = None,
    facing: bool = False,
    fps: float = 20.0,
) -> Path:
    """Draw root trajectories seen from above and save a PNG.

    Args:
        joints: ``(T, 22, 3)`` or ``(N, T, 22, 3)`` joint positions in metres (Y up); only the
            root (joint 0) ground track ``(x, z)`` is drawn, with the start (circle), the end
            (triangle) and the pelvis position every second (dots, at 20 fps).
        out_png: output ``.png`` path (parents are created).
        scene: path / waypoints / obstacles / goal / region / ghost / title (:class:`SceneSpec`);
            the goal is a dark green flag, the region a dashed indigo outline.
        labels: one legend label per sample (default ``sample 0``, ``sample 1``, ... -- the
            ``sample_ids`` when given -- or ``motion`` for a single motion without ``sample_ids``).
        overwrite: replace an existing file (else :class:`~motionlgd.errors.OutputExistsError`).
        size: ``(width, height)`` of the PNG in pixels.
        dpi: resolution used for text and line widths.
        sample_ids: the sample index of each motion, which picks its colour
            (``sample_color(sample_ids[i])``); default ``0 .. N-1``.
        facing: also draw where the body faces every half second (an arrow from the
            pelvis, read from the hips as :func:`motionlgd.eval.metrics.facing`); arrows of
            moving frames facing more than 120 degrees from the direction of travel are red.
        fps: frame rate of ``joints`` (for ``facing``).

    Returns:
        The written path.
    """
    arr = as_joint_batch(joints)
    w, h = check_size(size)
    if isinstance(scene, dict):
        scene = SceneSpec.from_dict(scene)
    scene = scene if scene is not None else SceneSpec()
    n = arr.shape[0]
    if labels is not None and len(labels) != n:
        raise MotionLGDError(f"labels has {len(labels)} entries for {n} samples")
    ids = check_sample_ids(sample_ids, n)
    if labels is None:
        labels = [f"sample {i}" for i in ids] if n > 1 or sample_ids is not None else ["motion"]
    labels = list(labels)
    path = check_output_path(out_png, overwrite, (".png",))
    require("matplotlib", "render_topdown")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon as PolygonPatch

    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for k, obs in enumerate(scene.obstacles):
        outline = obstacle_outline(obs, segments=96)
        ax.add_patch(PolygonPatch(outline, closed=True, facecolor=(*OBSTACLE_COLOR, 0.35), edgecolor=OBSTACLE_COLOR,
                                  lw=1.5, label="obstacle" if k == 0 else None))  # fmt: skip
    if scene.region is not None:
        outline = obstacle_outline(scene.region, segments=96)
        ax.add_patch(PolygonPatch(outline, closed=True, facecolor=(*REGION_COLOR, 0.06), edgecolor=REGION_COLOR,
                                  lw=1.8, ls="--", label="region", zorder=1))  # fmt: skip
    if scene.path is not None:
        p = np.asarray(scene.path)
        ax.plot(p[:, 0], p[:, 1], color=PATH_COLOR, lw=2, ls="--", label="target path", zorder=2)
    if scene.ghost is not None:
        g = np.asarray(scene.ghost)[:, 0]
        ax.plot(g[:, 0], g[:, 2], color=GHOST_COLOR, lw=2, ls=":", label=scene.ghost_label or "ghost", zorder=3)
    for i in range(n):
        root = arr[i, :, 0]
        c = sample_color(ids[i])
        ax.plot(root[:, 0], root[:, 2], color=c, lw=2.2, label=labels[i], zorder=4)
        ax.plot(root[::20, 0], root[::20, 2], color=c, marker=".", ls="none", markersize=5, zorder=4)
        ax.plot(root[0, 0], root[0, 2], color=c, marker="o", markersize=8, mec="black", mew=0.6, zorder=5)
        ax.plot(root[-1, 0], root[-1, 2], color=c, marker="^", markersize=9, mec="black", mew=0.6, zorder=5)
        if facing:
            _draw_facing(ax, arr[i], c, fps, legend=i == 0)
    for k, wp in enumerate(scene.waypoints):
        x, z = wp["position"]
        ax.plot(x, z, marker="*", color=WAYPOINT_COLOR, markersize=16, mec="black", mew=0.7, ls="none",
                label="waypoint" if k == 0 else None, zorder=6)  # fmt: skip
        text = f"{k + 1}" + (f" @ {wp['time']:g}s" if "time" in wp else "")
        ax.annotate(text, (x, z), textcoords="offset points", xytext=(8, 6), fontsize=8, zorder=7)
    if scene.goal is not None:
        gx, gz = scene.goal
        ax.plot(gx, gz, marker="o", color=GOAL_COLOR, markersize=7, ls="none", zorder=6)
        ax.plot(gx, gz, marker=_FLAG_MARKER, color=GOAL_COLOR, markersize=36, mec="black", mew=0.6, ls="none",
                zorder=6)  # fmt: skip
        centered = [(x, y - 0.5) for x, y in _FLAG_MARKER]  # legend entry: the flag centred on its row
        ax.plot([], [], marker=centered, color=GOAL_COLOR, markersize=14, mec="black", mew=0.6, ls="none",
                label="goal")  # fmt: skip
    ax.set_aspect("equal", adjustable="datalim")
    ax.invert_xaxis()  # seen from above: +x (body left) to the left when +z is up the page
    ax.grid(True, color="0.85", lw=0.6)
    ax.set_xlabel("x [m] (seen from above)")
    ax.set_ylabel("z [m]")
    if scene.title:
        ax.set_title(_still_title(scene), fontsize=10 if scene.titles else None)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    fig.tight_layout()
    with atomic_path(path, overwrite) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")
    return path
