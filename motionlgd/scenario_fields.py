"""Field validators of scenario files: each names the field and the bad value."""

from __future__ import annotations

import math
from typing import Any

from .errors import ScenarioError
from .guidance.guided import METHOD_NAMES

__all__ = ["parse_guidance"]


def _err(field_name: str, msg: str) -> ScenarioError:
    return ScenarioError(f"{field_name}: {msg}")


def _mapping(v: Any, name: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _err(name, f"expected a mapping, got {type(v).__name__} {v!r}")
    unknown = sorted(str(k) for k in v if k not in allowed)
    if unknown:
        raise _err(name, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    return v


def _num(v: Any, name: str, *, min: float | None = None, max: float | None = None, strict_min: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(name, f"expected a number, got {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise _err(name, f"must be a finite number, got {v!r}")
    if min is not None and (x <= min if strict_min else x < min):
        raise _err(name, f"must be {'>' if strict_min else '>='} {min}, got {v!r}")
    if max is not None and x > max:
        raise _err(name, f"must be <= {max}, got {v!r}")
    return x


def _int(v: Any, name: str, *, min: int | None = None, max: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _err(name, f"expected an integer, got {v!r}")
    if min is not None and v < min:
        raise _err(name, f"must be >= {min}, got {v}")
    if max is not None and v > max:
        raise _err(name, f"must be <= {max}, got {v}")
    return int(v)


def _point(v: Any, name: str) -> tuple[float, float]:
    if not isinstance(v, (list, tuple)) or len(v) != 2:
        raise _err(name, f"expected a point [x, z], got {v!r}")
    return (_num(v[0], f"{name}[0]"), _num(v[1], f"{name}[1]"))


def _points(v: Any, name: str, min_len: int) -> list[tuple[float, float]]:
    if not isinstance(v, (list, tuple)):
        raise _err(name, f"expected a list of points [[x, z], ...], got {v!r}")
    if len(v) < min_len:
        raise _err(name, f"needs at least {min_len} points, got {len(v)}")
    return [_point(p, f"{name}[{i}]") for i, p in enumerate(v)]


def _str(v: Any, name: str, choices: set[str] | None = None) -> str:
    if not isinstance(v, str):
        raise _err(name, f"expected a string, got {v!r}")
    if choices is not None and v not in choices:
        raise _err(name, f"must be one of {sorted(choices)}, got {v!r}")
    return v


def _shape(v: Any, name: str) -> dict[str, Any]:
    if not isinstance(v, dict) or "type" not in v:
        raise _err(name, f"expected a shape with a 'type' (disc, box, polygon), got {v!r}")
    kind = v["type"]
    if kind == "disc":
        _mapping(v, name, {"type", "center", "radius"})
        for k in ("center", "radius"):
            if k not in v:
                raise _err(f"{name}.{k}", "is required for a disc")
        return {
            "type": "disc",
            "center": list(_point(v["center"], f"{name}.center")),
            "radius": _num(v["radius"], f"{name}.radius", min=0, strict_min=True),
        }
    if kind == "box":
        _mapping(v, name, {"type", "center", "size", "angle"})
        for k in ("center", "size"):
            if k not in v:
                raise _err(f"{name}.{k}", "is required for a box")
        size = _point(v["size"], f"{name}.size")
        if size[0] <= 0 or size[1] <= 0:
            raise _err(f"{name}.size", f"both sides must be > 0, got {list(size)}")
        return {
            "type": "box",
            "center": list(_point(v["center"], f"{name}.center")),
            "size": list(size),
            "angle": _num(v.get("angle", 0.0), f"{name}.angle"),
        }
    if kind == "polygon":
        _mapping(v, name, {"type", "points"})
        pts = _points(v.get("points"), f"{name}.points", 3)
        area = 0.5 * abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])))
        if area < 1e-6:
            raise _err(f"{name}.points", "the polygon has zero area")
        return {"type": "polygon", "points": [list(p) for p in pts]}
    raise _err(f"{name}.type", f"unknown shape type {kind!r}; use disc, box or polygon")


def _check_finite_tree(v: Any, name: str) -> None:
    if isinstance(v, float) and not math.isfinite(v):
        raise _err(name, f"contains a non-finite number {v!r}")
    if isinstance(v, dict):
        for k, x in v.items():
            _check_finite_tree(x, f"{name}.{k}")
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_finite_tree(x, f"{name}[{i}]")


def _range_pair(value: Any, name: str, hint: str, top: float, positive: bool) -> list[float]:
    """``[lo, hi]`` with ``0 <= lo <= hi <= top`` (``0 < lo`` when ``positive``)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _err(name, f"expected {hint}, got {value!r}")
    lo = _num(value[0], f"{name}[0]", min=0, strict_min=positive)
    hi = _num(value[1], f"{name}[1]", min=0, strict_min=positive)
    if not lo <= hi <= top:
        raise _err(name, f"need {'0 <' if positive else '0 <='} first <= second <= {top:g}, got [{lo}, {hi}]")
    return [lo, hi]


def parse_guidance(data: Any) -> dict[str, Any]:
    """Validate a scenario's ``guidance`` mapping (types and ranges; combinations are
    checked by :class:`motionlgd.guidance.GuidanceConfig`)."""
    g = _mapping(
        data,
        "guidance",
        {
            "method",
            "scale",
            "n",
            "r_schedule",
            "r_multiplier",
            "mc_dims",
            "scale_schedule",
            "start",
            "stop",
            "clip_grad",
            "repeats",
            "route_weight",
            "impute",
            "align_heading",
            "hold_direction",
            "turn_smoothing",
            "gait_timing",
            "gait_rate",
            "resample",
            "resample_window",
        },
    )
    out_g: dict[str, Any] = {}
    if "method" in g:
        out_g["method"] = _str(g["method"], "guidance.method", {*METHOD_NAMES, "lgd-mc"}).replace("-", "_")
    for k in ("scale", "r_multiplier", "start", "stop", "route_weight"):
        if k in g:
            out_g[k] = _num(g[k], f"guidance.{k}", min=0)
    if "turn_smoothing" in g:
        out_g["turn_smoothing"] = _num(g["turn_smoothing"], "guidance.turn_smoothing", min=0, max=10)
    if "n" in g:
        out_g["n"] = _int(g["n"], "guidance.n", min=1, max=4096)
    if "repeats" in g:
        out_g["repeats"] = _int(g["repeats"], "guidance.repeats", min=1, max=100)
    if "gait_rate" in g:
        out_g["gait_rate"] = _range_pair(
            g["gait_rate"], "guidance.gait_rate", "[min, max] (rates, e.g. [0.6, 1.0])", 4.0, True
        )
    if "resample" in g:
        out_g["resample"] = _int(g["resample"], "guidance.resample", min=1, max=10)
    if "resample_window" in g:
        out_g["resample_window"] = _range_pair(
            g["resample_window"], "guidance.resample_window", "[start, stop] (sampling progress 0-1)", 1.0, False
        )
    for k in ("impute", "align_heading", "hold_direction", "gait_timing"):
        if k in g:
            if not isinstance(g[k], bool):
                raise _err(f"guidance.{k}", f"expected true or false, got {g[k]!r}")
            out_g[k] = g[k]
    if g.get("clip_grad") is not None:
        out_g["clip_grad"] = _num(g["clip_grad"], "guidance.clip_grad", min=0, strict_min=True)
    for k in ("r_schedule", "scale_schedule"):
        if k in g:
            out_g[k] = _str(g[k], f"guidance.{k}")
    if "mc_dims" in g:
        out_g["mc_dims"] = _str(g["mc_dims"], "guidance.mc_dims", {"loss", "all"})
    return out_g


def parse_prompts(data: Any, duration: float) -> list[dict[str, Any]]:
    """Validate a prompt timeline: ``[{text, until}, ..., {text}]`` (``until`` in seconds).

    Every entry but the last needs ``until``, strictly increasing and inside the motion
    (``0 < until < duration``); the last runs to the end (an ``until`` there, if given,
    must equal the duration).

    Raises:
        ScenarioError: naming ``prompts[i].text`` / ``prompts[i].until``.
    """
    if not isinstance(data, list) or not data:
        raise _err("prompts", f"expected a non-empty list of {{text, until}} entries, got {data!r}")
    out: list[dict[str, Any]] = []
    prev = 0.0
    for i, item in enumerate(data):
        if isinstance(item, str):
            item = {"text": item}
        e = _mapping(item, f"prompts[{i}]", {"text", "until"})
        text = _str(e.get("text"), f"prompts[{i}].text")
        last = i == len(data) - 1
        entry: dict[str, Any] = {"text": text}
        if e.get("until") is None:
            if not last:
                raise _err(f"prompts[{i}].until", "every prompt but the last needs 'until' (seconds)")
        else:
            until = _num(e["until"], f"prompts[{i}].until", min=0, strict_min=True)
            if until <= prev:
                raise _err(
                    f"prompts[{i}].until", f"{until:g} s does not come after the previous prompt's end ({prev:g} s)"
                )
            if last and abs(until - duration) > 1e-6:
                raise _err(
                    f"prompts[{i}].until",
                    f"the last prompt runs to the end; got {until:g} s, duration is {duration:g} s",
                )
            if not last and until >= duration:
                raise _err(f"prompts[{i}].until", f"{until:g} s is not before the end of the motion ({duration:g} s)")
            if not last:
                entry["until"] = until
            prev = until
        out.append(entry)
    return out
