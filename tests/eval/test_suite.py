"""The evaluation suite's plumbing on a tiny random model."""

from __future__ import annotations

import json

from motionlgd.cli import main
from motionlgd.eval.suite import METHODS, build_suite


def test_suite_has_enough_scenarios():
    full = build_suite()
    assert len(full) >= 20 and len({s.name for s in full}) == len(full)
    kinds = {s.name.split("_")[0] for s in full}
    assert kinds == {"path", "obstacles", "waypoints", "goal", "turn", "slow"}
    turns = {s.name for s in full if s.name.startswith("turn_")}
    assert turns == {"turn_u", "turn_circle", "turn_zigzag90", "turn_door", "turn_gap", "turn_backwards"}
    assert len(build_suite(quick=True)) == 4
    assert [m.name for m in METHODS] == ["unguided", "precise", "dps", "lgd_mc_4", "lgd_mc_16", "lgd_mc_64"]


def test_eval_cli_quick(tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "res"
    code = main(
        [
            "eval",
            "quick",
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--steps",
            "2",
            "--seeds",
            "2",
            "--methods",
            "unguided,dps,lgd_mc_4",
            "-q",
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert set(res["aggregate"]) == {"unguided", "dps", "lgd_mc_4"}
    assert res["aggregate"]["dps"]["samples"] == 8
    table = (out / "table.md").read_text()
    assert table.startswith("| method |") and "lgd_mc_4" in table
    assert (out / "plot.png").stat().st_size > 1000 and (out / "samples.csv").read_text().count("\n") == 25
    assert main(["eval", "quick", "-o", str(out), "--model", str(tiny_model_dir), "--steps", "2"]) == 2  # no overwrite


def test_every_ablation_is_a_valid_guidance_setting():
    """Each ablation differs from the precise default in its options only, and those options
    are accepted guidance settings (a typo would fail here, not 20 minutes into a run)."""
    from motionlgd.eval.suite import ABLATIONS
    from motionlgd.guidance import GuidanceConfig

    names = [m.name for m in ABLATIONS]
    assert len(set(names)) == len(names) and not set(names) & {m.name for m in METHODS}
    for m in ABLATIONS:
        assert m.method == "precise" and m.options
        cfg = GuidanceConfig(method=m.method, n=m.n, **dict(m.options))
        for key, value in m.options:
            assert getattr(cfg, key) == value != getattr(GuidanceConfig(), key)
