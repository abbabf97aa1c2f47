"""What is drawn around the motion: target path, waypoints, obstacles, a goal, a region, a ghost motion, a title.

Coordinates follow the rest of motionlgd: metres, Y up, ground plane ``xz``; a ground point
is ``(x, z)``. Obstacle dicts are the scenario/loss format of :mod:`motionlgd.losses.shapes`::

    {"type": "disc", "center": [x, z], "radius": r}
    {"type": "box", "center": [x, z], "size": [w, d], "angle": deg}
    {"type": "polygon", "points": [[x, z], ...]}

An optional ``"height"`` key (metres, default :data:`DEFAULT_OBSTACLE_HEIGHT`) sets how tall
the obstacle is drawn; it is ignored by the losses. A scenario's ``region`` (the area the
motion should stay inside) uses the same shape dicts and is drawn as an outline on the floor;
its ``goal`` is a ground point drawn as a flag.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ScenarioError, ShapeError
from ._inputs import as_joint_batch

__all__ = [
    "DEFAULT_OBSTACLE_HEIGHT",
    "GOAL_COLOR",
    "GOAL_FLAG",
    "GOAL_POLE",
    "PALETTE",
    "REGION_COLOR",
    "SceneSpec",
    "box_corners",
    "obstacle_outline",
    "sample_color",
]

#: Height (metres) obstacles are drawn with when their dict has no ``"height"``.
DEFAULT_OBSTACLE_HEIGHT = 0.5

#: Sample colours (RGB in 0..1), colour-blind friendly (Okabe-Ito order).
PALETTE: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.45, 0.70),  # blue
    (0.90, 0.62, 0.0),  # orange
    (0.0, 0.62, 0.45),  # bluish green
    (0.80, 0.47, 0.65),  # reddish purple
    (0.34, 0.71, 0.91),  # sky blue
    (0.84, 0.37, 0.0),  # vermillion
    (0.94, 0.89, 0.26),  # yellow
)
PATH_COLOR = (0.15, 0.15, 0.15)
WAYPOINT_COLOR = (0.95, 0.75, 0.10)
OBSTACLE_COLOR = (0.80, 0.25, 0.22)
GHOST_COLOR = (0.55, 0.55, 0.55)
#: Goal flag (dark green, unlike every :data:`PALETTE` colour) and region outline (indigo).
GOAL_COLOR = (0.10, 0.50, 0.12)
REGION_COLOR = (0.36, 0.27, 0.80)
#: Goal flag in the 3D views: pole height and pennant length (metres).
GOAL_POLE = 1.5
GOAL_FLAG = 0.45


def sample_color(i: int) -> tuple[float, float, float]:
    """RGB colour (0..1) of sample ``i`` (cycles through :data:`PALETTE`)."""
    return PALETTE[i % len(PALETTE)]


def _finite_array(value: Any, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ShapeError(f"{what} contains NaN or inf")
    return arr


def _point2(value: Any, what: str) -> tuple[float, float]:
    try:
        arr = _finite_array(value, what)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ShapeError):
            raise
        raise ScenarioError(f"{what} must be a pair of numbers [x, z], got {value!r}") from exc
    if arr.shape != (2,):
        raise ScenarioError(f"{what} must be a pair of numbers [x, z], got {value!r}")
    return float(arr[0]), float(arr[1])


def _normalize_obstacle(obs: Any, i: int, name: str | None = None) -> dict[str, Any]:
    """Validate one obstacle (dict or :class:`motionlgd.losses.shapes.Shape`) and return a clean dict.

    ``name`` is how error messages call it (default ``obstacles[i]``).
    """
    name = f"obstacles[{i}]" if name is None else name
    if hasattr(obs, "to_dict") and not isinstance(obs, Mapping):
        obs = obs.to_dict()
    if not isinstance(obs, Mapping):
        raise ScenarioError(f"{name} must be a dict with a 'type', got {type(obs).__name__}")
    kind = obs.get("type")
    where = f"{name} ({kind})"
    out: dict[str, Any] = {"type": kind}
    height = float(obs.get("height", DEFAULT_OBSTACLE_HEIGHT))
    if not (math.isfinite(height) and height > 0):
        raise ScenarioError(f"{where}: height must be a positive number of metres, got {obs.get('height')!r}")
    out["height"] = height
    if kind == "disc":
        out["center"] = _point2(obs.get("center"), f"{where} center")
        r = obs.get("radius")
        if not isinstance(r, numbers.Real) or not math.isfinite(r) or r <= 0:
            raise ScenarioError(f"{where}: radius must be a positive number of metres, got {r!r}")
        out["radius"] = float(r)
    elif kind == "box":
        out["center"] = _point2(obs.get("center"), f"{where} center")
        size = _point2(obs.get("size"), f"{where} size")
        if min(size) <= 0:
            raise ScenarioError(f"{where}: size must be two positive numbers [width, depth], got {size!r}")
        out["size"] = size
        angle = obs.get("angle", 0.0)
        if not isinstance(angle, numbers.Real) or not math.isfinite(angle):
            raise ScenarioError(f"{where}: angle must be a number of degrees, got {angle!r}")
        out["angle"] = float(angle)
    elif kind == "polygon":
        try:
            pts = _finite_array(obs.get("points"), f"{where} points")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ShapeError):
                raise
            raise ScenarioError(f"{where}: points must be a list of [x, z] pairs") from exc
        if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 3:
            raise ScenarioError(f"{where}: points must be at least 3 [x, z] pairs, got shape {pts.shape}")
        out["points"] = [(float(x), float(z)) for x, z in pts]
    else:
        raise ScenarioError(f"{name}: unknown type {kind!r}; expected 'disc', 'box' or 'polygon'")
    return out


def box_corners(center: Sequence[float], size: Sequence[float], angle: float) -> np.ndarray:
    """``(4, 2)`` ground corners ``(x, z)`` of a box obstacle.

    Delegates to :meth:`motionlgd.losses.shapes.Box.corners` so that what is drawn is exactly what
    the obstacle loss avoids.
    """
    from ..losses.shapes import Box

    return np.asarray(
        Box((float(center[0]), float(center[1])), (float(size[0]), float(size[1])), float(angle)).corners()
    )


def obstacle_outline(obs: Mapping[str, Any], segments: int = 48) -> np.ndarray:
    """``(K, 2)`` ground outline ``(x, z)`` of a validated obstacle dict (discs as ``segments``-gons)."""
    kind = obs["type"]
    if kind == "disc":
        t = np.linspace(0.0, 2 * math.pi, segments, endpoint=False)
        cx, cz = obs["center"]
        return np.stack([cx + obs["radius"] * np.cos(t), cz + obs["radius"] * np.sin(t)], axis=1)
    if kind == "box":
        return box_corners(obs["center"], obs["size"], obs.get("angle", 0.0))
    if kind == "polygon":
        return np.asarray(obs["points"], dtype=np.float64)
    raise ScenarioError(f"unknown obstacle type {kind!r}")


@dataclass
class SceneSpec:
    """Everything drawn around the motion(s).

    Attributes:
        path: ``(K, 2)`` target path polyline on the ground ``(x, z)`` in metres, or None.
        waypoints: list of ``{"position": [x, z], "time": seconds}`` (``time`` optional).
        obstacles: list of obstacle dicts (see module docstring) or ``losses.shapes`` objects.
        goal: ground point ``[x, z]`` in metres drawn as a flag, or None; a scenario goal dict
            ``{"position": [x, z], "weight": w}`` is accepted too (only the position is kept).
        region: the area to stay inside, drawn as an outline on the floor: one shape dict like
            an obstacle (``{"type": "box", "center": [x, z], "size": [w, d], "angle": deg}``,
            disc or polygon) or a ``losses.shapes`` object, or None; a scenario region dict
            ``{"shape": {...}, "margin": m, "weight": w}`` is accepted too (only the shape is kept).
        ghost: ``(T, 22, 3)`` joints drawn translucent grey (e.g. the unguided sample), or None.
        title: text shown at the top of every frame / picture ("" for none).
        titles: a title timeline, ``[(until_s, text), ..., (None, text)]`` (a prompt
            timeline): frame ``t`` shows the first entry whose ``until_s`` is after it; a
            still picture (top-down) shows them all, joined by arrows. Overrides ``title``.
        ghost_label: legend text of the ghost ("" for no legend entry).

    Validation happens in ``__post_init__``: arrays with the wrong shape or NaN/inf raise
    :class:`~motionlgd.errors.ShapeError`, malformed dicts raise
    :class:`~motionlgd.errors.ScenarioError`. After validation ``path`` is a float64 array,
    ``ghost`` a float64 ``(T, 22, 3)`` array, ``obstacles``/``waypoints``/``region`` are clean
    dicts and ``goal`` is an ``(x, z)`` tuple of floats.
    """

    path: np.ndarray | Sequence[Sequence[float]] | None = None
    waypoints: list[dict[str, Any]] = field(default_factory=list)
    obstacles: list[Any] = field(default_factory=list)
    ghost: np.ndarray | None = None
    title: str = ""
    ghost_label: str = "unguided"
    goal: Sequence[float] | Mapping[str, Any] | None = None
    region: Mapping[str, Any] | Any | None = None
    titles: Sequence[tuple[float | None, str]] = ()

    def __post_init__(self) -> None:
        if self.path is not None:
            path = _finite_array(self.path, "SceneSpec.path")
            if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 2:
                raise ShapeError(f"SceneSpec.path must have shape (K>=2, 2) of ground points (x, z), got {path.shape}")
            self.path = path
        wps: list[dict[str, Any]] = []
        for i, wp in enumerate(self.waypoints or []):
            if not isinstance(wp, Mapping) or "position" not in wp:
                raise ScenarioError(f"waypoints[{i}] must be a dict with 'position': [x, z], got {wp!r}")
            clean: dict[str, Any] = {"position": _point2(wp["position"], f"waypoints[{i}] position")}
            if wp.get("time") is not None:
                t = wp["time"]
                if not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
                    raise ScenarioError(f"waypoints[{i}] time must be a non-negative number of seconds, got {t!r}")
                clean["time"] = float(t)
            wps.append(clean)
        self.waypoints = wps
        self.obstacles = [_normalize_obstacle(o, i) for i, o in enumerate(self.obstacles or [])]
        if self.ghost is not None:
            ghost = as_joint_batch(self.ghost, "SceneSpec.ghost")
            if ghost.shape[0] != 1:
                raise ShapeError(f"SceneSpec.ghost must have shape (T, 22, 3), got {np.shape(self.ghost)}")
            self.ghost = ghost[0]
        self.title = str(self.title or "")
        timeline = []
        for i, item in enumerate(self.titles or ()):
            until, text = item
            if until is not None and (not isinstance(until, numbers.Real) or not math.isfinite(until)):
                raise ScenarioError(f"SceneSpec.titles[{i}]: until must be seconds or None, got {until!r}")
            timeline.append((None if until is None else float(until), str(text)))
        self.titles = timeline
        if timeline:
            self.title = " -> ".join(text for _, text in timeline)
        if self.goal is not None:
            goal = self.goal["position"] if isinstance(self.goal, Mapping) and "position" in self.goal else self.goal
            self.goal = _point2(goal, "SceneSpec.goal")
        if self.region is not None:
            region = self.region
            if isinstance(region, Mapping) and "shape" in region and "type" not in region:
                region = region["shape"]
            self.region = _normalize_obstacle(region, 0, name="SceneSpec.region")
            self.region.pop("height")  # drawn flat on the floor

    def title_at(self, time_s: float) -> str:
        """The title frame-time ``time_s`` (seconds) shows: the timeline's entry for that time,
        else :attr:`title`."""
        for until, text in self.titles:
            if until is None or time_s < until:
                return text
        return self.titles[-1][1] if self.titles else self.title

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SceneSpec:
        """Build from a scenario-like dict with optional keys ``path``, ``waypoints``, ``obstacles``,
        ``ghost``, ``title``, ``ghost_label``, ``goal``, ``region`` (unknown keys are ignored)."""
        keys = ("path", "waypoints", "obstacles", "ghost", "title", "ghost_label", "goal", "region")
        return cls(**{k: d[k] for k in keys if k in d})

    def ground_points(self) -> np.ndarray:
        """``(M, 2)`` every ground point of the overlays (path, waypoints, obstacle outlines, goal,
        region outline, ghost root), metres."""
        pts: list[np.ndarray] = [np.zeros((0, 2))]
        if self.path is not None:
            pts.append(np.asarray(self.path))
        pts.extend(np.asarray(wp["position"])[None] for wp in self.waypoints)
        pts.extend(obstacle_outline(o) for o in self.obstacles)
        if self.goal is not None:
            pts.append(np.asarray(self.goal, dtype=np.float64)[None])
        if self.region is not None:
            pts.append(obstacle_outline(self.region))
        if self.ghost is not None:
            pts.append(np.asarray(self.ghost)[:, 0, [0, 2]])
        return np.concatenate(pts, axis=0)
