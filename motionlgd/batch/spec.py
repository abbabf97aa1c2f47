"""Batch specs: which scenarios a batch generates, one job per scenario x seed.

A spec is a folder of scenario files, a list of files, or a **sweep file** that expands a
base scenario::

    sweep:
      base: obstacles.yaml            # a scenario file (relative to the sweep file), or
      # scenario: {prompt: ..., ...}  # the base scenario inline
      seeds: 4                        # 0..3, or a list [0, 7, 9]
      grid:                           # every combination
        prompt: ["a person walks forward", "a person runs forward"]
        obstacles.shapes.0.radius: [0.3, 0.5]
      random:                         # draws (seeded: the same spec gives the same jobs)
        count: 5
        seed: 0
        fields:
          obstacles.shapes.0.center: {uniform: [[-0.5, 0.5], [1.5, 2.5]]}
          duration: {uniform: [5, 8]}
          prompt: {choice: ["a person walks", "a person walks slowly"]}

Field names are dotted paths into the scenario (list items by index). A path must exist in
the base scenario, except a top-level scenario field the base leaves at its default.
Every expanded scenario is validated before anything runs.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ScenarioError
from ..scenario import _TOP_KEYS, parse_scenario

__all__ = ["BatchJob", "expand_spec"]


@dataclass(frozen=True)
class BatchJob:
    """One job: a scenario mapping with its seed set.

    Attributes:
        id: ``job-NNNN-HASH`` (order in the spec, and a hash of the scenario, so a changed
            spec never reuses an old job's outputs).
        scenario: the scenario mapping.
        values: what the spec set for this job (swept fields, ``seed``, ``source`` file).
    """

    id: str
    scenario: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)


def _job_id(index: int, scenario: Mapping[str, Any]) -> str:
    digest = hashlib.sha1(json.dumps(scenario, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"job-{index:04d}-{digest}"


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc})") from exc


def _set_field(data: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    keys = dotted.split(".")
    node: Any = data
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ScenarioError(f"{where}: sweep field {dotted!r} does not exist in the base scenario")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if key not in node and not (depth == 0 and key in _TOP_KEYS):
                raise ScenarioError(f"{where}: sweep field {dotted!r} does not exist in the base scenario")
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            raise ScenarioError(f"{where}: sweep field {dotted!r} does not exist in the base scenario")


def _draw(rule: Any, rng: np.random.Generator, name: str, where: str) -> Any:
    if not isinstance(rule, Mapping) or len(rule) != 1 or next(iter(rule)) not in ("uniform", "choice"):
        raise ScenarioError(f"{where}: random field {name!r} needs {{uniform: [lo, hi]}} or {{choice: [...]}}")
    kind, arg = next(iter(rule.items()))
    if kind == "choice":
        if not isinstance(arg, list) or not arg:
            raise ScenarioError(f"{where}: random field {name!r}: choice needs a non-empty list")
        return copy.deepcopy(arg[int(rng.integers(len(arg)))])
    ranges = np.asarray(arg, dtype=float)
    if ranges.shape == (2,):
        return round(float(rng.uniform(ranges[0], ranges[1])), 4)
    if ranges.ndim == 2 and ranges.shape[1] == 2:
        return [round(float(rng.uniform(lo, hi)), 4) for lo, hi in ranges]
    raise ScenarioError(f"{where}: random field {name!r}: uniform needs [lo, hi] or a list of [lo, hi]")


def _expand_sweep(sweep: Mapping[str, Any], where: str, folder: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    unknown = set(sweep) - {"base", "scenario", "seeds", "grid", "random"}
    if unknown:
        raise ScenarioError(
            f"{where}: unknown sweep key(s) {sorted(unknown)}; expected base/scenario/seeds/grid/random"
        )
    if ("base" in sweep) == ("scenario" in sweep):
        raise ScenarioError(f"{where}: a sweep needs exactly one of 'base' (a scenario file) or 'scenario' (inline)")
    base = sweep["scenario"] if "scenario" in sweep else _load_yaml(folder / str(sweep["base"]))
    if not isinstance(base, Mapping):
        raise ScenarioError(f"{where}: the base scenario must be a mapping")
    seeds = sweep.get("seeds", [base.get("seed", 0)])
    seeds = list(range(int(seeds))) if isinstance(seeds, int) else list(seeds)
    grid = dict(sweep.get("grid") or {})
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{where}: grid field {name!r} needs a non-empty list of values")
    combos = [dict(zip(grid, c)) for c in itertools.product(*grid.values())] if grid else [{}]
    random = dict(sweep.get("random") or {})
    draws: list[dict[str, Any]] = [{}]
    if random:
        rng = np.random.default_rng(int(random.get("seed", 0)))
        fields = dict(random.get("fields") or {})
        if not fields:
            raise ScenarioError(f"{where}: random needs 'fields'")
        draws = [{n: _draw(r, rng, n, where) for n, r in fields.items()} for _ in range(int(random.get("count", 1)))]
    out = []
    for combo, drawn, seed in itertools.product(combos, draws, seeds):
        scenario = copy.deepcopy(dict(base))
        values = {**combo, **drawn}
        for name, value in values.items():
            _set_field(scenario, name, copy.deepcopy(value), where)
        scenario["seed"] = int(seed)
        out.append((scenario, {**values, "seed": int(seed)}))
    return out


def expand_spec(spec: str | Path | Sequence[str | Path] | Mapping[str, Any]) -> list[BatchJob]:
    """The jobs of a spec (see the module docstring), each scenario validated.

    Args:
        spec: a folder of ``*.yaml`` scenarios, a scenario or sweep file, a list of files, or
            a sweep mapping (``{"sweep": {...}}``).

    Raises:
        ScenarioError: an empty spec, a sweep field that does not exist, an invalid scenario.
    """
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    if isinstance(spec, Mapping):
        if "sweep" not in spec:
            raise ScenarioError("a batch spec mapping needs a 'sweep' key")
        pairs = _expand_sweep(spec["sweep"], "sweep", Path.cwd())
    else:
        items = [spec] if isinstance(spec, (str, Path)) else list(spec)
        files: list[Path] = []
        for item in items:
            path = Path(item)
            if path.is_dir():
                files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            elif path.is_file():
                files.append(path)
            else:
                raise ScenarioError(f"batch spec {str(path)!r} does not exist")
        for path in files:
            data = _load_yaml(path)
            if isinstance(data, Mapping) and "sweep" in data:
                pairs += _expand_sweep(data["sweep"], str(path), path.parent)
            elif isinstance(data, Mapping):
                pairs.append((dict(data), {"source": path.name, "seed": data.get("seed", 0)}))
            else:
                raise ScenarioError(f"{path}: not a scenario or sweep mapping")
    if not pairs:
        raise ScenarioError(f"batch spec {spec!r} holds no scenarios")
    jobs = []
    for i, (scenario, values) in enumerate(pairs):
        job_id = _job_id(i, scenario)
        try:
            parse_scenario(scenario, source=job_id)
        except ScenarioError as exc:
            raise ScenarioError(f"{job_id} ({values}): {exc}") from exc
        jobs.append(BatchJob(job_id, scenario, values))
    return jobs
