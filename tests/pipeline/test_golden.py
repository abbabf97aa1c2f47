"""The generation pipeline gives the same motions and metrics as the code it replaced.

``tests/fixtures/pipeline_golden.json`` holds fingerprints of ``motionlgd.generate`` outputs
written by the single-function ``generate`` (before the pipeline was split into stages):
every suite scenario under the four default methods, the ablation options on two turning
and obstacle scenarios, every demo (the long one is a 60 s motion in windows), and the foot
clean-ups, each on the shipped model with 4 sampling steps and fixed seeds.

A fingerprint is a SHA-256 of the joints, the features, the metrics (less wall times) and
the saved scenario, plus a few joint values. On the machine kind that wrote the file
(same torch, same CPU instruction set) the hashes must match: bit-identical output. Elsewhere
floating-point kernels may differ in the last bits, so the test compares the joint values
(to 1 mm) and the metrics' names instead; pure guidance (``dps``, ``lgd_mc``) amplifies such
differences (a 1e-6 change of the weights moved one such case by a metre), so those cases
compare their shapes and metric names only.

Regenerate (only when a change of behaviour is intended, and say so in the commit):
``python tests/pipeline/test_golden.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pipeline_golden.json"
STEPS, SAMPLES = 4, 2
#: Metrics that are wall-clock times (they differ run to run).
_TIMES = {"time_s", "model_load_s"}
#: Flat indices into ``joints`` whose values are stored (spread over samples, frames, joints).
_PROBES = 4
#: Cases under pure guidance: a relative change of 1e-6 in the weights moves their joints by
#: up to a metre (an obstacle's hinge switches on or off), so on another machine kind only
#: their shapes and metric names are compared. Every other case moved by under 0.1 mm.
_CHAOTIC = ("/dps", "/lgd_mc_16")


def machine() -> str:
    """The machine kind whose floating point the hashes are exact for: torch, the CPU's model
    and instruction-set flags (math kernels pick their code paths by them) and its cores."""
    cpu, flags = platform.processor() or platform.machine(), ""
    info = Path("/proc/cpuinfo")
    if info.exists():
        text = info.read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        found = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
        cpu = model.group(1).strip() if model else cpu
        flags = hashlib.sha256((found.group(1) if found else "").encode()).hexdigest()[:8]
    return f"torch {torch.__version__}, numpy {np.__version__}, {cpu}, flags {flags}, {os.cpu_count()} cores"


def _untimed(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if k not in _TIMES}
    if isinstance(obj, list):
        return [_untimed(v) for v in obj]
    return obj


def fingerprint(res: Any) -> dict[str, Any]:
    """What is compared of one :class:`GenerationResult`."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(res.joints, dtype=np.float32).tobytes())
    h.update(np.ascontiguousarray(res.features, dtype=np.float32).tobytes())
    metrics = json.dumps(_untimed(res.metrics), sort_keys=True, default=repr)
    h.update(metrics.encode())
    h.update(json.dumps(res.scenario.to_dict(), sort_keys=True, default=repr).encode())
    flat = np.asarray(res.joints, dtype=np.float64).ravel()
    idx = np.linspace(flat.size // 7, flat.size - 1, _PROBES).round().astype(int)
    return {
        "sha256": h.hexdigest()[:24],
        "shape": list(res.joints.shape),
        "probes": [round(float(v), 5) for v in flat[idx]],
        "keys": hashlib.sha256(" ".join(sorted(_untimed(res.metrics))).encode()).hexdigest()[:8],
    }


def cases() -> dict[str, tuple[Any, dict[str, Any]]]:
    """``name -> (scenario, generate keywords)``."""
    from motionlgd.cli import DEMOS, scenarios_dir
    from motionlgd.eval.suite import ABLATIONS, DEFAULT_METHODS, METHODS, build_suite

    out: dict[str, tuple[Any, dict[str, Any]]] = {}
    suite = build_suite()
    methods = [m for m in METHODS if m.name in DEFAULT_METHODS]
    for sc in suite:
        for m in methods:
            guidance = {**sc.guidance, "method": m.method, "n": m.n, **dict(m.options)}
            out[f"suite/{sc.name}/{m.name}"] = (sc, {"guidance": guidance})
    picked = {s.name: s for s in suite if s.name in ("turn_u", "obstacles_1")}
    for name, sc in picked.items():
        for m in ABLATIONS:
            guidance = {**sc.guidance, "method": m.method, "n": m.n, **dict(m.options)}
            out[f"ablation/{name}/{m.name}"] = (sc, {"guidance": guidance})
    for name, file in sorted(DEMOS.items()):
        out[f"demo/{name}"] = (scenarios_dir() / file, {"num_samples": 1})
    out["demo/obstacles/pin"] = (scenarios_dir() / DEMOS["obstacles"], {"num_samples": 1, "clean_feet": "pin"})
    out["demo/s_path/steps"] = (scenarios_dir() / DEMOS["s_path"], {"num_samples": 1, "clean_feet": "steps"})
    return out


@cache
def _model() -> Any:
    from motionlgd.models.checkpoint import load_model

    return load_model(None, device="cpu")


def run(name: str) -> dict[str, Any]:
    import motionlgd

    scenario, kwargs = cases()[name]
    kwargs = {"num_samples": SAMPLES, "seed": 0, **kwargs, "steps": STEPS}
    return fingerprint(motionlgd.generate(scenario, model=_model(), **kwargs))


@cache
def _stored() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def test_cases_are_the_stored_ones() -> None:
    assert sorted(cases()) == sorted(_stored()["cases"])


@pytest.mark.parametrize("name", sorted(cases()))
def test_same_output_as_before(name: str) -> None:
    want, got = _stored()["cases"][name], run(name)
    assert got["shape"] == want["shape"]
    assert got["keys"] == want["keys"], "the metrics name other figures"
    if machine() == _stored()["machine"]:
        assert got["sha256"] == want["sha256"], "output differs from the stored one (bit for bit)"
    if not name.endswith(_CHAOTIC):
        np.testing.assert_allclose(got["probes"], want["probes"], atol=1e-3)


if __name__ == "__main__":
    import sys

    names = sorted(cases())
    rows = []
    for i, n in enumerate(names):
        rows.append(f"  {json.dumps(n)}: {json.dumps(run(n))}")
        print(f"{i + 1}/{len(names)} {n}", file=sys.stderr)
    head = f'{{"machine": {json.dumps(machine())}, "steps": {STEPS}, "cases": {{\n'
    FIXTURE.write_text(head + ",\n".join(rows) + "\n}}\n")
    print(f"wrote {FIXTURE} ({len(names)} cases)")
