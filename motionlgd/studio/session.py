"""One browser tab's editing state: a scenario dict, changed only through validated edits.

The studio's state *is* a scenario mapping (what ``motionlgd generate`` reads): every edit
builds a candidate mapping, runs it through :func:`motionlgd.scenario.parse_scenario`, and
only then replaces the state, so an invalid value is refused with the validator's message
and changes nothing. :meth:`StudioSession.to_yaml` is the file the studio downloads;
loading it back (:meth:`StudioSession.load_yaml`) gives the same state.

Coordinates are metres on the ground plane ``(x, z)``; headings degrees (0 = facing +z).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from ..errors import ScenarioError
from ..scenario import Scenario, parse_scenario

__all__ = ["DEFAULT_SCENARIO", "METHODS", "SETTINGS", "StudioSession"]

#: Guidance methods the panel offers.
METHODS: tuple[str, ...] = ("precise", "lgd_mc", "dps", "none")

#: Panel settings: name -> (where it lives in the scenario, type).
SETTINGS: dict[str, tuple[tuple[str, ...], type]] = {
    "prompt": (("prompt",), str),
    "duration": (("duration",), float),
    "method": (("guidance", "method"), str),
    "n": (("guidance", "n"), int),
    "scale": (("guidance", "scale"), float),
    "steps": (("sampler", "steps"), int),
    "seed": (("seed",), int),
    "num_samples": (("num_samples",), int),
    "foot_cleanup": (("foot_cleanup",), str),
}

#: What a new tab starts with: a 6 s walk, nothing drawn yet.
DEFAULT_SCENARIO: dict[str, Any] = {
    "name": "studio",
    "prompt": "a person walks forward",
    "duration": 6.0,
    "seed": 0,
    "num_samples": 1,
    "guidance": {"method": "precise"},
    "sampler": {"name": "ddim", "steps": 50},
    "foot_cleanup": "steps",
}


def _point(x: float, z: float) -> list[float]:
    if not (math.isfinite(x) and math.isfinite(z)):
        raise ScenarioError(f"point ({x}, {z}) is not finite")
    return [round(float(x), 3), round(float(z), 3)]


class StudioSession:
    """The scenario one tab is editing (see the module docstring).

    Args:
        scenario: a scenario mapping to start from (default :data:`DEFAULT_SCENARIO`).
    """

    def __init__(self, scenario: Mapping[str, Any] | None = None) -> None:
        self._pending: list[float] | None = None  # a first path point (a path needs two)
        self._data: dict[str, Any] = {}
        self.replace(copy.deepcopy(dict(scenario or DEFAULT_SCENARIO)))

    # -- state -------------------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        """A copy of the current scenario mapping."""
        return copy.deepcopy(self._data)

    def scenario(self) -> Scenario:
        """The current state parsed (always valid)."""
        return parse_scenario(self.data, source="studio")

    def replace(self, data: Mapping[str, Any]) -> None:
        """Replace the whole state after validation (``ScenarioError`` leaves it unchanged)."""
        candidate = copy.deepcopy(dict(data))
        parse_scenario(candidate, source="studio")
        if candidate.get("path") != self._data.get("path"):
            self._pending = None  # a lone first point belongs to the path being drawn
        self._data = candidate

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``change`` to a copy of the state and keep it if it validates."""
        candidate = self.data
        change(candidate)
        for key in [k for k, v in candidate.items() if v is None]:
            del candidate[key]
        self.replace(candidate)

    def to_yaml(self) -> str:
        """The scenario file of the current state (what ``motionlgd generate`` reads)."""
        return yaml.safe_dump(self._data, sort_keys=False)

    def load_yaml(self, text: str, source: str = "scenario") -> None:
        """Replace the state with a scenario file's content (validated)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{source}: not valid YAML ({exc})") from exc
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{source}: a scenario file must be a mapping of fields")
        self.replace(data)

    # -- panel settings ----------------------------------------------------------------
    def get(self, name: str) -> Any:
        """A panel setting (see :data:`SETTINGS`); ``None`` when the scenario leaves it default."""
        where, _ = SETTINGS[name]
        node: Any = self._data
        for key in where:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return node

    def set(self, name: str, value: Any) -> None:
        """Set a panel setting (validated)."""
        if name not in SETTINGS:
            raise ScenarioError(f"unknown setting {name!r}; expected one of {', '.join(SETTINGS)}")
        where, kind = SETTINGS[name]
        try:
            value = kind(value)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"{name}: expected {kind.__name__}, got {value!r}") from exc

        def change(d: dict[str, Any]) -> None:
            node = d
            for key in where[:-1]:
                node = node.setdefault(key, {})
            node[where[-1]] = value
            if name == "prompt":
                d.pop("prompts", None)  # a typed prompt replaces a timeline

        self.edit(change)

    # -- things on the floor -----------------------------------------------------------
    def path_points(self) -> list[list[float]]:
        return copy.deepcopy((self._data.get("path") or {}).get("points", []))

    def add_path_point(self, x: float, z: float) -> None:
        """Append a path point. A first point waits (:meth:`pending_path_point`) until the
        second makes a path."""
        base = self.path_points() or ([self._pending] if self._pending else [])
        pts = [*base, _point(x, z)]
        if len(pts) == 1:
            self._pending = pts[0]
            return
        self.edit(lambda d: d.__setitem__("path", {**(d.get("path") or {}), "points": pts}))
        self._pending = None

    def pending_path_point(self) -> list[float] | None:
        """A first path point clicked but not yet part of a path."""
        return list(self._pending) if self._pending else None

    def move_path_point(self, i: int, x: float, z: float) -> None:
        pts = self.path_points()
        if not pts and self._pending is not None and i == 0:  # the lone first point
            self._pending = _point(x, z)
            return
        pts[i] = _point(x, z)
        self.edit(lambda d: d["path"].__setitem__("points", pts))

    def remove_path_point(self, i: int = -1) -> None:
        """Remove a path point (the last by default); a path left with one point is removed."""
        pts = self.path_points()
        if not pts:
            self._pending = None
            return
        del pts[i]
        self.edit(lambda d: d.__setitem__("path", {**d["path"], "points": pts} if len(pts) >= 2 else None))

    def waypoints(self) -> list[dict[str, Any]]:
        return copy.deepcopy((self._data.get("waypoints") or {}).get("points", []))

    def add_waypoint(self, x: float, z: float, time: float | None = None) -> None:
        wp: dict[str, Any] = {"position": _point(x, z)}
        if time is not None:
            wp["time"] = round(float(time), 2)
        pts = [*self.waypoints(), wp]
        self.edit(lambda d: d.__setitem__("waypoints", {**(d.get("waypoints") or {}), "points": pts}))

    def set_waypoint_time(self, i: int, time: float | None) -> None:
        pts = self.waypoints()
        if time is None:
            pts[i].pop("time", None)
        else:
            pts[i]["time"] = round(float(time), 2)
        self.edit(lambda d: d["waypoints"].__setitem__("points", pts))

    def remove_waypoint(self, i: int = -1) -> None:
        pts = self.waypoints()
        if pts:
            del pts[i]
            self.edit(lambda d: d.__setitem__("waypoints", {**d["waypoints"], "points": pts} if pts else None))

    def set_goal(self, x: float | None, z: float | None = None) -> None:
        """Place the goal, or remove it with ``x=None``."""
        goal = None if x is None else {**(self._data.get("goal") or {}), "position": _point(x, z or 0.0)}
        self.edit(lambda d: d.__setitem__("goal", goal))

    def set_start(self, x: float, z: float, heading: float | None = None) -> None:
        start: dict[str, Any] = {"position": _point(x, z)}
        if heading is not None:
            start["heading"] = round(float(heading), 1)
        self.edit(lambda d: d.__setitem__("start", start))

    def set_start_heading(self, heading: float | None) -> None:
        """Face the start this way (degrees, 0 = +z), keeping its position; ``None``: the path's."""
        (x, z), _ = self.scenario().start_pose()
        start = self._data.get("start") or {}
        x, z = start.get("position", (x, z))
        self.set_start(x, z, heading)

    def timeline_text(self) -> str:
        """The prompt timeline as text, one prompt per line: ``UNTIL_S: text`` (the last line
        without a time); a single prompt is just its text."""
        prompts = self._data.get("prompts") or []
        if not prompts:
            return str(self._data.get("prompt", ""))
        return "\n".join(f"{p['until']:g}: {p['text']}" if "until" in p else p["text"] for p in prompts)

    def set_timeline(self, text: str) -> None:
        """Set the prompt (one line) or a prompt timeline (``UNTIL_S: text`` lines, the last without
        a time), validated like a scenario file's ``prompts``."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) <= 1:
            self.set("prompt", lines[0] if lines else "")
            return
        prompts: list[dict[str, Any]] = []
        for i, line in enumerate(lines):
            head, sep, rest = line.partition(":")
            try:
                until = float(head) if sep else None
            except ValueError:
                until = None
            if i < len(lines) - 1 and until is None:
                raise ScenarioError(
                    f"prompt timeline line {i + 1}: start with the time it lasts until, 'SECONDS: text'"
                )
            prompts.append({"text": rest.strip(), "until": until} if until is not None else {"text": line})

        def change(d: dict[str, Any]) -> None:
            d["prompts"] = prompts
            d["prompt"] = prompts[0]["text"]

        self.edit(change)

    def obstacles(self) -> list[dict[str, Any]]:
        return copy.deepcopy((self._data.get("obstacles") or {}).get("shapes", []))

    def _set_obstacles(self, shapes: list[dict[str, Any]]) -> None:
        default = {"margin": 0.15, "joints": "root"}
        self.edit(lambda d: d.__setitem__("obstacles", {**default, **(d.get("obstacles") or {}), "shapes": shapes}
                                          if shapes else None))  # fmt: skip

    def add_disc(self, x: float, z: float, radius: float = 0.4) -> None:
        self._set_obstacles([*self.obstacles(), {"type": "disc", "center": _point(x, z), "radius": float(radius)}])

    def add_box(self, x: float, z: float, size: tuple[float, float] = (0.8, 0.8), angle: float = 0.0) -> None:
        box = {"type": "box", "center": _point(x, z), "size": [float(size[0]), float(size[1])], "angle": float(angle)}
        self._set_obstacles([*self.obstacles(), box])

    def update_obstacle(self, i: int, **fields: Any) -> None:
        """Change obstacle ``i``: ``center=(x, z)``, ``radius=``, ``size=(w, d)``, ``angle=``."""
        shapes = self.obstacles()
        shape = shapes[i]
        for key, value in fields.items():
            if key not in ("center", "radius", "size", "angle"):
                raise ScenarioError(f"obstacles.shapes[{i}]: unknown field {key!r}")
            shape[key] = (
                _point(*value) if key == "center" else [float(v) for v in value] if key == "size" else float(value)
            )
        self._set_obstacles(shapes)

    def remove_obstacle(self, i: int = -1) -> None:
        shapes = self.obstacles()
        if shapes:
            del shapes[i]
            self._set_obstacles(shapes)

    def clear(self) -> None:
        """Remove everything drawn on the floor (path, waypoints, goal, obstacles, start)."""
        self._pending = None
        self.edit(lambda d: [d.pop(k, None) for k in ("path", "waypoints", "goal", "obstacles", "start", "region")])
