"""The numbers the docs quote are the last generated figures, and the demo commands print them.

``python benchmarks/make_docs.py`` writes ``docs/figures.json`` and fills every
``<!--fig:KEY-->...<!--/fig-->`` mark of the docs from it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = json.loads((ROOT / "docs" / "figures.json").read_text())


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "benchmarks" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "MOTIONLGD_MAX_STEPS"}  # the real settings
    env["MPLBACKEND"] = "Agg"
    return env


def test_every_marked_number_is_the_last_generated_figure() -> None:
    md = _make_docs()
    files = md.marked_files()
    assert any(f.name == "README.md" for f in files)
    marks = 0
    for path in files:
        text = path.read_text()
        marks += len(md.MARK.findall(text))
        filled = md.fill(text, FIGURES, strict=False)
        if filled != text:
            bad = [(k, v.strip(), FIGURES[k]) for k, v in md.MARK.findall(text) if v.strip() != FIGURES[k].strip()]
            pytest.fail(f"{path.relative_to(ROOT)} quotes figures that differ from docs/figures.json: {bad[:5]}")
    assert marks >= 30, "the docs lost their figure marks"
    quick_jobs = ("obstacles.", "compare.", "footsteps.", "long.")
    assert all(any(k.startswith(j) for k in FIGURES) for j in quick_jobs), sorted(FIGURES)


def test_fill_replaces_numbers_and_tables() -> None:
    md = _make_docs()
    text = "a <!--fig:x-->1.0<!--/fig--> b\n<!--fig:t-->\n| a |\n<!--/fig-->\n"
    out = md.fill(text, {"x": "2.5", "t": "| b |\n|---|"})
    assert out == "a <!--fig:x-->2.5<!--/fig--> b\n<!--fig:t-->\n| b |\n|---|\n<!--/fig-->\n"
    with pytest.raises(KeyError, match="nope"):
        md.fill("<!--fig:nope-->1<!--/fig-->", {})


def test_obstacle_demo_prints_the_readme_figures(tmp_path: Path) -> None:
    out = tmp_path / "demo_out"
    proc = subprocess.run(
        ["motionlgd", "-q", "demo", "obstacles", "-o", str(out), "--no-video"],
        capture_output=True, text=True, env=_env(), timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "metrics.json").read_text())["mean"]
    assert f"{100 * m['path_error_mean_m']:.1f}" == FIGURES["obstacles.path_cm"]
    assert f"{m['foot_skating_ratio']:.2f}" == FIGURES["obstacles.skate_clean"]
    assert f"{m['foot_skating_before_cleanup']:.2f}" == FIGURES["obstacles.skate_raw"]
    assert f"path_error_mean_m={m['path_error_mean_m']:.3f}" in proc.stdout


def test_python_api_demo_prints_the_docs_figures(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "python_api.py"), "-o", str(tmp_path / "api")],
        capture_output=True, text=True, env=_env(), timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = dict(re.findall(r"^(\w+)\s+path error (\d+) cm", proc.stdout, re.M))
    assert set(printed) == {"none", "dps", "lgd_mc", "precise"}, proc.stdout
    for method, cm in printed.items():
        want = FIGURES[f"compare.{method}_cm"]
        if method in ("dps", "lgd_mc"):
            # 100 guided steps amplify last-bit differences of the CPU's kernels: the same code
            # and torch printed DPS 209 cm on one machine and 225 cm on another
            assert abs(int(cm) - int(want)) <= 0.15 * int(want), (method, cm, want)
        else:
            assert cm == want, (method, cm, want)
