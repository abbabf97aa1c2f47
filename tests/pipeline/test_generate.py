"""generate(): options that post-process the sampled motion."""

from __future__ import annotations

import numpy as np
import pytest

import motionlgd
from motionlgd.errors import ScenarioError
from motionlgd.eval import metrics as M

_LEG_JOINTS = {1, 2, 4, 5, 7, 8, 10, 11}  # hips, knees, ankles, toes


@pytest.mark.parametrize(("clean_feet", "method"), [(True, "pin"), ("pin", "pin"), ("steps", "steps")])
def test_clean_feet_moves_only_the_legs_and_reports_the_raw_skating(tiny_model_dir, clean_feet, method):
    model = motionlgd.load_model(tiny_model_dir)
    kw = dict(prompt="a person walks", duration=2.0, num_samples=2, seed=3, steps=4, method="none", model=model)
    raw = motionlgd.generate(**kw)
    clean = motionlgd.generate(clean_feet=clean_feet, **kw)
    np.testing.assert_array_equal(raw.features, clean.features)
    others = [j for j in range(22) if j not in _LEG_JOINTS]
    np.testing.assert_allclose(clean.joints[:, :, others], raw.joints[:, :, others], atol=1e-6)
    assert clean.metrics["clean_feet"] == method and raw.metrics["clean_feet"] is False
    for i, row in enumerate(clean.metrics["per_sample"]):
        assert row["foot_skating_before_cleanup"] == M.foot_skating_ratio(raw.joints[i])
        assert row["foot_skating_ratio"] <= row["foot_skating_before_cleanup"] + 1e-9
        bones_raw = np.linalg.norm(raw.joints[i, :, 4] - raw.joints[i, :, 1], axis=-1)
        bones_clean = np.linalg.norm(clean.joints[i, :, 4] - clean.joints[i, :, 1], axis=-1)
        np.testing.assert_allclose(bones_clean, bones_raw, atol=1e-4)  # thigh lengths kept
    assert np.abs(clean.joints - raw.joints).max() > 0.01  # the legs did move
    assert clean.metrics["mean"]["foot_skating_ratio"] < clean.metrics["mean"]["foot_skating_before_cleanup"]
    assert clean.motions[0].features is None and raw.motions[0].features is not None


def test_unknown_clean_feet_is_refused_before_sampling(tiny_model_dir):
    model = motionlgd.load_model(tiny_model_dir)
    with pytest.raises(ScenarioError, match="clean_feet"):
        motionlgd.generate(prompt="a person walks", duration=2.0, steps=2, model=model, clean_feet="skate")


def test_scenario_foot_cleanup_applies_unless_overridden(tiny_model_dir):
    model = motionlgd.load_model(tiny_model_dir)
    sc = {
        "prompt": "a person walks",
        "duration": 2.0,
        "seed": 1,
        "foot_cleanup": "steps",
        "guidance": {"method": "none"},
    }
    res = motionlgd.generate(sc, steps=3, model=model)
    assert res.metrics["clean_feet"] == "steps" and res.motions[0].features is None
    off = motionlgd.generate(sc, steps=3, model=model, clean_feet=False)
    assert off.metrics["clean_feet"] is False and off.motions[0].features is not None
    np.testing.assert_allclose(res.joints[:, :, 0], off.joints[:, :, 0], atol=1e-6)  # same sample, pelvis kept
    assert np.abs(res.joints - off.joints).max() > 0.01


def test_max_steps_env_caps_sampling_and_the_saved_scenario_says_so(tiny_model_dir, monkeypatch):
    model = motionlgd.load_model(tiny_model_dir)
    kw = dict(prompt="a person walks", duration=1.0, steps=8, model=model, method="none")
    monkeypatch.setenv("MOTIONLGD_MAX_STEPS", "3")
    capped = motionlgd.generate(**kw)
    assert capped.metrics["steps"] == 3 and capped.scenario.sampler["steps"] == 3
    monkeypatch.setenv("MOTIONLGD_MAX_STEPS", "50")  # a cap above the request changes nothing
    assert motionlgd.generate(**kw).metrics["steps"] == 8
    monkeypatch.setenv("MOTIONLGD_MAX_STEPS", "lots")
    with pytest.raises(ScenarioError, match="MOTIONLGD_MAX_STEPS"):
        motionlgd.generate(**kw)


def test_a_scenario_that_does_not_fit_the_model_is_refused_by_name(tiny_model_dir):
    """The feasibility checks run on the model for a clip sampled in one piece too."""
    from dataclasses import replace

    from motionlgd.errors import ConstraintError
    from motionlgd.scenario import parse_scenario

    model = motionlgd.load_model(tiny_model_dir)
    with pytest.raises(ScenarioError, match=r"^fps: the model generates at 20 fps"):
        motionlgd.generate(prompt="a person walks", duration=2.0, fps=30, steps=2, model=model)
    # a Scenario object built in Python (not re-parsed): its start inside an obstacle
    ok = parse_scenario({"duration": 2.0, "goal": {"position": [0, 2]}})
    bad = replace(ok, obstacles={"shapes": [{"type": "disc", "center": [0, 0], "radius": 0.5}]})
    with pytest.raises(ConstraintError, match="start"):
        motionlgd.generate(bad, model=model, steps=2)


def test_metrics_keep_their_order_for_short_and_long_motions(tiny_model_dir):
    model = motionlgd.load_model(tiny_model_dir)
    path = {"points": [[0, 0], [0, 3]]}
    short = motionlgd.generate(duration=2.0, path=path, steps=2, model=model, method="dps").metrics
    assert list(short)[:6] == ["method", "n", "scale", "sampler", "steps", "resample"]
    assert list(short)[-2:] == ["mean", "guidance"]  # then route and gait clock, under precise
    spec = {"duration": 14.0, "path": path, "sampler": {"steps": 2, "window": 6.0, "overlap": 1.0}}
    long = motionlgd.generate(spec, model=model)
    assert list(long.metrics)[:3] == ["method", "sampler", "steps"]
    assert list(long.metrics)[-4:] == ["per_sample", "mean", "route", "model_load_s"]


def test_detail_scale_reaches_the_denoiser_and_the_saved_scenario():
    model = motionlgd.load_model()  # the shipped model has a detail head and detail guidance
    assert model.net.refiner is not None and model.detail_guidance is not None
    kw = dict(prompt="a person walks", duration=2.0, num_samples=1, seed=1, steps=3, method="none", model=model)
    default = motionlgd.generate(**kw)
    same = motionlgd.generate(detail_scale=model.detail_guidance.scale, **kw)
    alone = motionlgd.generate(detail_scale=1.0, **kw)
    np.testing.assert_array_equal(default.features, same.features)
    assert not np.allclose(default.features, alone.features)
    assert alone.scenario.model["detail_scale"] == 1.0
    with pytest.raises(ScenarioError, match="detail_scale"):
        motionlgd.generate(detail_scale=-1.0, **kw)
