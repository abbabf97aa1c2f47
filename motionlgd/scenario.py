"""Scenarios: what to generate and how to control it, from YAML files or Python.

A scenario file is YAML (read with ``yaml.safe_load``: no code is ever executed). Every
field is validated; errors name the field and the bad value. See the README's
"Scenario format" section for a complete reference with examples.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ScenarioError
from .guidance.guided import GuidanceConfig
from .io import load_yaml
from .losses import (
    PolylinePath,
    Shape,
    Waypoint,
    WeightedSum,
    get_loss,
    shape_from_dict,
)
from .scenario_checks import MAX_RUN_SPEED, MAX_WALK_SPEED
from .scenario_fields import (
    _check_finite_tree,
    _err,
    _int,
    _mapping,
    _num,
    _point,
    _points,
    _shape,
    _str,
    parse_guidance,
    parse_prompts,
)
from .types import FOOT_CLEANUPS

__all__ = ["MAX_RUN_SPEED", "MAX_WALK_SPEED", "Scenario", "load_scenario", "parse_scenario"]

log = logging.getLogger(__name__)


_TOP_KEYS = {
    "prompt", "duration", "fps", "seed", "num_samples", "start", "path", "waypoints", "goal", "obstacles",
    "region", "regularizers", "losses", "guidance", "sampler", "model", "name", "description", "foot_cleanup",
    "prompts",
}  # fmt: skip
#: Longest motion a scenario may ask for, seconds (longer than the model's window: generated
#: in overlapping windows, see :mod:`motionlgd.long`).
MAX_DURATION = 600.0
#: Values of ``foot_cleanup`` ("none" = keep the model's raw joints).
FOOT_CLEANUP_CHOICES = ("none", *FOOT_CLEANUPS)


# ----------------------------------------------------------------------------- the scenario
@dataclass
class Scenario:
    """A generation request: prompt, length, control targets, guidance and sampler settings.

    Coordinates are metres on the ground plane ``(x, z)``, Y up; headings are degrees in the
    ground plane (0 = facing +z, 90 = facing +x). The generated person starts at
    ``start.position`` facing ``start.heading`` (default: the path's first point and
    direction, else the origin facing +z).
    """

    prompt: str = "a person walks forward"
    prompts: list[dict[str, Any]] = field(default_factory=list)
    duration: float = 6.0
    fps: float = 20.0
    seed: int = 0
    num_samples: int = 1
    start: dict[str, Any] | None = None
    path: dict[str, Any] | None = None
    waypoints: dict[str, Any] | None = None
    goal: dict[str, Any] | None = None
    obstacles: dict[str, Any] | None = None
    region: dict[str, Any] | None = None
    regularizers: dict[str, float] = field(default_factory=dict)
    losses: list[dict[str, Any]] = field(default_factory=list)
    guidance: dict[str, Any] = field(default_factory=dict)
    sampler: dict[str, Any] = field(default_factory=lambda: {"name": "ddim", "steps": 100, "eta": 0.0})
    model: dict[str, Any] = field(default_factory=dict)
    foot_cleanup: str = ""
    name: str = ""
    description: str = ""

    # -- derived objects ----------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        """Frames to generate: ``round(duration * fps)``."""
        return round(self.duration * self.fps)

    def prompt_at(self, time_s: float) -> str:
        """The prompt that is active at ``time_s`` seconds (the timeline's, else ``prompt``)."""
        for p in self.prompts:
            if "until" not in p or time_s < p["until"]:
                return str(p["text"])
        return self.prompt

    def start_pose(self) -> tuple[tuple[float, float], float]:
        """``((x, z), heading_degrees)`` where the motion starts."""
        if self.start is not None:
            pos = tuple(self.start.get("position", (0.0, 0.0)))
            heading = self.start.get("heading")
        else:
            pos, heading = (0.0, 0.0), None
            if self.path is not None:
                pos = tuple(self.path["points"][0])
        if heading is None:
            heading = 0.0
            if self.path is not None:
                p = np.asarray(self.path["points"], dtype=float)
                d = p[1] - p[0]
                heading = math.degrees(math.atan2(d[0], d[1]))
        return (float(pos[0]), float(pos[1])), float(heading)

    def obstacle_shapes(self) -> list[Shape]:
        """Obstacles as ``Shape`` objects."""
        if not self.obstacles:
            return []
        return [shape_from_dict(s) for s in self.obstacles.get("shapes", [])]

    def path_targets(self) -> np.ndarray | None:
        """``(T, 2)`` per-frame path targets (timed mode), else None."""
        if self.path is None:
            return None
        path = PolylinePath(self.path["points"], smooth=self.path.get("smooth", False))
        return path.timed_targets(self.num_frames, self.fps, self.path.get("t_start", 0.0), self.path.get("t_end"))

    def waypoint_list(self) -> list[Waypoint]:
        """Waypoints as objects."""
        if not self.waypoints:
            return []
        return [Waypoint(tuple(w["position"]), float(w["time"]), w.get("heading")) for w in self.waypoints["points"]]

    def build_loss(self) -> WeightedSum:
        """The weighted sum of all control losses and regularisers of this scenario
        (:func:`motionlgd.scenario_losses.scenario_loss`)."""
        from .scenario_losses import scenario_loss

        return scenario_loss(self)

    def guidance_config(self) -> GuidanceConfig:
        """The guidance knobs as a ``GuidanceConfig``."""
        try:
            return GuidanceConfig(**self.guidance)
        except (TypeError, ValueError) as exc:
            raise _err("guidance", str(exc)) from exc

    def has_control(self) -> bool:
        """Whether any control loss is set."""
        return bool(
            self.path
            or self.waypoints
            or self.goal
            or self.obstacles
            or self.region
            or self.losses
            or any((self.regularizers or {}).values())
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (YAML/JSON-serialisable)."""
        return {k: v for k, v in asdict(self).items() if k == "prompt" or v not in (None, {}, [], "")}

    def to_yaml(self) -> str:
        """The scenario as YAML text."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    # -- checks against a model ---------------------------------------------------------
    def check_feasible(self, max_frames: int | None = None, fps: float | None = None) -> list[str]:
        """Refuse impossible constraints (ConstraintError) and return warnings for doubtful ones
        (:func:`motionlgd.scenario_checks.check_feasible`)."""
        from .scenario_checks import check_feasible

        return check_feasible(self, max_frames, fps)


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    """Validate a mapping (e.g. from YAML) and build a :class:`Scenario`.

    Raises:
        ScenarioError: naming the field and the bad value.
    """
    if data is None:
        data = {}
    d = _mapping(data, source, _TOP_KEYS)
    sc = Scenario()
    if "prompt" in d:
        sc.prompt = "" if d["prompt"] is None else _str(d["prompt"], "prompt")
    if "name" in d:
        sc.name = _str(d["name"], "name")
    if "description" in d:
        sc.description = _str(d["description"], "description")
    if "duration" in d:
        sc.duration = _num(d["duration"], "duration", min=0.5, max=MAX_DURATION)
    if d.get("prompts") is not None:
        sc.prompts = parse_prompts(d["prompts"], sc.duration)
        if "prompt" not in d:
            sc.prompt = sc.prompts[0]["text"]
    if "fps" in d:
        sc.fps = _num(d["fps"], "fps", min=0, strict_min=True)
    if "seed" in d:
        sc.seed = _int(d["seed"], "seed", min=0, max=2**63 - 1)
    if "num_samples" in d:
        sc.num_samples = _int(d["num_samples"], "num_samples", min=1, max=1024)
    if d.get("foot_cleanup") is not None:
        choice = _str(d["foot_cleanup"], "foot_cleanup", set(FOOT_CLEANUP_CHOICES))
        sc.foot_cleanup = "" if choice == "none" else choice
    if d.get("start") is not None:
        s = _mapping(d["start"], "start", {"position", "heading"})
        sc.start = {"position": list(_point(s.get("position", [0, 0]), "start.position"))}
        if s.get("heading") is not None:
            sc.start["heading"] = _num(s["heading"], "start.heading")
    if d.get("path") is not None:
        p = _mapping(d["path"], "path", {"points", "smooth", "mode", "weight", "t_start", "t_end", "end_weight"})
        path: dict[str, Any] = {"points": [list(x) for x in _points(p.get("points"), "path.points", 2)]}
        if math.dist(path["points"][0], path["points"][-1]) == 0 and len(path["points"]) == 2:
            raise _err("path.points", "the two points are identical")
        path["smooth"] = bool(p.get("smooth", False))
        path["mode"] = _str(p.get("mode", "timed"), "path.mode", {"timed", "nearest"})
        path["weight"] = _num(p.get("weight", 1.0), "path.weight", min=0)
        path["t_start"] = _num(p.get("t_start", 0.0), "path.t_start", min=0)
        if p.get("t_end") is not None:
            path["t_end"] = _num(p["t_end"], "path.t_end", min=path["t_start"], strict_min=True)
        path["end_weight"] = _num(p.get("end_weight", 1.0), "path.end_weight", min=0)
        sc.path = path
    if d.get("waypoints") is not None:
        w = d["waypoints"]
        if isinstance(w, list):
            w = {"points": w}
        w = _mapping(w, "waypoints", {"points", "weight", "heading_weight"})
        pts = w.get("points")
        if not isinstance(pts, list) or not pts:
            raise _err("waypoints.points", f"expected a non-empty list of waypoints, got {pts!r}")
        out = []
        for i, wp in enumerate(pts):
            name = f"waypoints.points[{i}]"
            wp = _mapping(wp, name, {"position", "time", "heading"})
            if "position" not in wp or "time" not in wp:
                raise _err(name, "needs 'position' [x, z] and 'time' (seconds)")
            item = {
                "position": list(_point(wp["position"], f"{name}.position")),
                "time": _num(wp["time"], f"{name}.time", min=0),
            }
            if item["time"] > sc.duration:
                raise _err(
                    f"{name}.time", f"{item['time']:g} s is after the end of the clip (duration {sc.duration:g} s)"
                )
            if wp.get("heading") is not None:
                item["heading"] = _num(wp["heading"], f"{name}.heading")
            out.append(item)
        sc.waypoints = {
            "points": out,
            "weight": _num(w.get("weight", 1.0), "waypoints.weight", min=0),
            "heading_weight": _num(w.get("heading_weight", 1.0), "waypoints.heading_weight", min=0),
        }
    if d.get("goal") is not None:
        g = _mapping(d["goal"], "goal", {"position", "weight"})
        if "position" not in g:
            raise _err("goal.position", "is required")
        sc.goal = {
            "position": list(_point(g["position"], "goal.position")),
            "weight": _num(g.get("weight", 1.0), "goal.weight", min=0),
        }
    if d.get("obstacles") is not None:
        o = d["obstacles"]
        if isinstance(o, list):
            o = {"shapes": o}
        o = _mapping(o, "obstacles", {"shapes", "margin", "joints", "weight"})
        shapes = o.get("shapes")
        if not isinstance(shapes, list) or not shapes:
            raise _err("obstacles.shapes", f"expected a non-empty list of shapes, got {shapes!r}")
        sc.obstacles = {
            "shapes": [_shape(s, f"obstacles.shapes[{i}]") for i, s in enumerate(shapes)],
            "margin": _num(o.get("margin", 0.1), "obstacles.margin", min=0, max=5),
            "joints": _str(o.get("joints", "root"), "obstacles.joints", {"root", "all"}),
            "weight": _num(o.get("weight", 1.0), "obstacles.weight", min=0),
        }
    if d.get("region") is not None:
        r = _mapping(d["region"], "region", {"shape", "margin", "joints", "weight"})
        if "shape" not in r:
            raise _err("region.shape", "is required")
        sc.region = {
            "shape": _shape(r["shape"], "region.shape"),
            "margin": _num(r.get("margin", 0.0), "region.margin", min=0),
            "joints": _str(r.get("joints", "root"), "region.joints", {"root", "all"}),
            "weight": _num(r.get("weight", 1.0), "region.weight", min=0),
        }
    if d.get("regularizers") is not None:
        r = _mapping(d["regularizers"], "regularizers", {"foot_skate", "smoothness"})
        sc.regularizers = {k: _num(v, f"regularizers.{k}", min=0) for k, v in r.items()}
    if d.get("losses") is not None:
        if not isinstance(d["losses"], list):
            raise _err("losses", f"expected a list of {{name, weight, params}}, got {d['losses']!r}")
        for i, spec in enumerate(d["losses"]):
            spec = _mapping(spec, f"losses[{i}]", {"name", "weight", "params", "label"})
            if "name" not in spec:
                raise _err(f"losses[{i}].name", "is required")
            name = _str(spec["name"], f"losses[{i}].name")
            try:
                get_loss(name)
            except ScenarioError as exc:
                raise _err(f"losses[{i}].name", str(exc)) from exc
            params = spec.get("params", {}) or {}
            if not isinstance(params, dict):
                raise _err(f"losses[{i}].params", f"expected a mapping, got {params!r}")
            _check_finite_tree(params, f"losses[{i}].params")
            sc.losses.append(
                {
                    "name": name,
                    "weight": _num(spec.get("weight", 1.0), f"losses[{i}].weight", min=0),
                    "params": params,
                    "label": spec.get("label", name),
                }
            )
    if d.get("guidance") is not None:
        sc.guidance = parse_guidance(d["guidance"])
        sc.guidance_config()  # validates combinations and schedule names
    if d.get("sampler") is not None:
        s = _mapping(d["sampler"], "sampler", {"name", "steps", "eta", "window", "overlap"})
        sc.sampler = {
            "name": _str(s.get("name", "ddim"), "sampler.name", {"ddim", "ddpm"}),
            "steps": _int(s.get("steps", 100), "sampler.steps", min=1, max=10000),
            "eta": _num(s.get("eta", 0.0), "sampler.eta", min=0),
        }
        for k in ("window", "overlap"):  # long motions: seconds per window and of overlap
            if s.get(k) is not None:
                sc.sampler[k] = _num(s[k], f"sampler.{k}", min=0, strict_min=True)
    if d.get("model") is not None:
        m = _mapping(
            d["model"],
            "model",
            {"path", "cfg_scale", "detail_scale", "mdm_checkpoint", "mdm_args", "mean", "std", "clip_weights"},
        )
        out_m: dict[str, Any] = {}
        for k in ("path", "mdm_checkpoint", "mdm_args", "mean", "std", "clip_weights"):
            if m.get(k) is not None:
                out_m[k] = _str(m[k], f"model.{k}")
        for k in ("cfg_scale", "detail_scale"):
            if k in m:
                out_m[k] = _num(m[k], f"model.{k}", min=0)
        sc.model = out_m
    if sc.has_control() is False and sc.guidance.get("method", "lgd_mc") != "none":
        log.info("scenario has no control loss: generating unguided")
    sc.check_feasible()
    return sc


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file (safe loading: no code runs; a key given
    twice is an error; relative model paths are resolved against the file's folder)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"scenario file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{p}: not a UTF-8 text file") from exc
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{p}: invalid YAML{where}: {problem}") from exc
    try:
        sc = parse_scenario(data, source=str(p))
    except ScenarioError as exc:
        if str(exc).startswith(f"{p}:"):  # top-level errors already name the file
            raise
        raise type(exc)(f"{p}: {exc}") from exc
    for k in ("path", "mdm_checkpoint", "mdm_args", "mean", "std", "clip_weights"):
        if k in sc.model and not Path(sc.model[k]).is_absolute():
            sc.model[k] = str((p.parent / sc.model[k]).resolve())
    if not sc.name:
        sc.name = p.stem
    return sc
