"""Gait timing: the time warp between the route's clock and the body's own gait clock."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import motionlgd
from motionlgd.control import timewarp
from motionlgd.control.imputation import impute_root
from motionlgd.control.timewarp import plan_time_warp, warp_features
from motionlgd.motion.humanml3d import recover_from_ric


def _straight(T: int, speed: float, fps: float = 20.0) -> np.ndarray:
    return np.stack([np.zeros(T), np.arange(T) * speed / fps], -1)


def test_a_route_at_or_above_the_natural_pace_is_left_alone():
    warp = plan_time_warp(_straight(80, 1.2), natural_mps=0.9, fps=20, min_rate=0.6, max_rate=1.0)
    assert warp.identity and warp.source_frames == 80
    still = plan_time_warp(np.zeros((40, 2)), natural_mps=0.9, fps=20)
    assert still.identity


def test_a_slow_route_is_walked_at_the_natural_pace_on_the_gait_clock():
    route = _straight(120, 0.45)
    warp = plan_time_warp(route, natural_mps=0.9, fps=20, min_rate=0.4, max_rate=1.0)
    assert warp.source_frames == pytest.approx(60, abs=2)  # half the time at twice the speed
    src_speed = np.linalg.norm(np.diff(warp.source_route, axis=0), axis=-1).mean() * 20
    assert src_speed == pytest.approx(0.9, rel=0.05)
    np.testing.assert_allclose(warp.source_route[[0, -1]], route[[0, -1]], atol=1e-9)  # same route, other clock
    assert warp.tau[0] == 0 and warp.tau[-1] == pytest.approx(warp.source_frames - 1)
    assert np.all(np.diff(warp.tau) > 0)
    clamped = plan_time_warp(route, natural_mps=0.9, fps=20, min_rate=0.75, max_rate=1.0)
    assert clamped.rate.min() == pytest.approx(0.75, abs=0.01) and clamped.source_frames > warp.source_frames


def test_the_gait_clock_fits_the_models_window():
    warp = plan_time_warp(_straight(100, 2.0), natural_mps=0.5, fps=20, min_rate=0.5, max_rate=4.0, max_frames=150)
    assert warp.source_frames == 150


def test_bad_rates_are_refused():
    with pytest.raises(ValueError, match="min_rate"):
        plan_time_warp(_straight(10, 1.0), 1.0, 20, min_rate=1.2, max_rate=1.0)


def _walk_features(T: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    f = torch.randn(1, T, 263, generator=g) * 0.01
    f[..., 0] = 0.01  # turning slowly
    f[..., 2] = 0.04  # 0.8 m/s forward
    f[..., 3] = 0.9
    return f


def test_the_identity_warp_changes_nothing():
    f = _walk_features(30)
    warp = plan_time_warp(_straight(30, 1.0), natural_mps=1.0, fps=20, min_rate=1.0, max_rate=1.0)
    out = warp_features(f, warp)
    torch.testing.assert_close(out[..., :-1, :], f[..., :-1, :])


def test_warped_features_show_the_source_motion_at_tau():
    """Joints decoded from the re-timed features equal the source joints interpolated at tau
    (root-relative), and after imputation the pelvis is on the output route."""
    src = _walk_features(40)
    route = _straight(70, 0.4)
    warp = plan_time_warp(route, natural_mps=0.8, fps=20, min_rate=0.3, max_rate=1.0)
    src = src[:, : warp.source_frames]
    out = warp_features(src, warp)
    assert out.shape == (1, 70, 263)
    j_src = recover_from_ric(src)[0].numpy()
    j_out = recover_from_ric(out)[0].numpy()
    rel_src = j_src - j_src[:, :1]
    want = np.stack(
        [np.interp(warp.tau, np.arange(len(rel_src)), rel_src[:, j, k]) for j in range(22) for k in range(3)], -1
    )
    got = (j_out - j_out[:, :1]).reshape(70, -1)
    assert np.abs(got - want).max() < 0.01  # the heading is interpolated as an angle: ~mm apart
    canon = torch.as_tensor(route - route[0], dtype=torch.float32)
    on_route = recover_from_ric(impute_root(out, canon))[0, :, 0, [0, 2]]
    assert (on_route - canon).norm(dim=-1).max() < 1e-3


def test_warp_features_is_differentiable():
    warp = plan_time_warp(_straight(12, 0.3), natural_mps=0.6, fps=20, min_rate=0.4, max_rate=1.0)
    x = torch.randn(1, warp.source_frames, 70, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: warp_features(v, warp), (x,))


def test_generation_on_the_gait_clock_still_follows_the_route(tiny_model_dir, monkeypatch):
    tiny = motionlgd.load_model(tiny_model_dir)
    monkeypatch.setattr(timewarp, "natural_speed", lambda feats, fps: 1.5)  # a brisk model: the route is slow
    kw = dict(prompt="a person walks", duration=4.0, num_samples=2, steps=4, model=tiny,
              path={"points": [[0, 0], [0.5, 1.0], [0, 2.0]], "smooth": True})  # fmt: skip
    res = motionlgd.generate(**kw)
    gait = res.metrics["gait"]
    assert gait["natural_speed_mps"] == 1.5 and gait["gait_clock_s"] < gait["route_clock_s"]
    assert res.joints.shape[1] == res.scenario.num_frames
    for row in res.metrics["per_sample"]:
        assert row["path_error_mean_m"] < 0.01 and row["constraints_met"] == {"path": True}
    off = motionlgd.generate(**kw, guidance={"gait_timing": False})
    assert "gait" not in off.metrics and off.metrics["per_sample"][0]["path_error_mean_m"] < 0.01


def test_residual_guidance_is_scored_on_the_routes_clock(tiny_model_dir, monkeypatch):
    tiny = motionlgd.load_model(tiny_model_dir)
    monkeypatch.setattr(timewarp, "natural_speed", lambda feats, fps: 1.5)
    res = motionlgd.generate(
        prompt="a person walks", duration=3.0, num_samples=1, steps=3, model=tiny, path={"points": [[0, 0], [0, 1.5]]},
        obstacles={"shapes": [{"type": "disc", "center": [1.0, 1.0], "radius": 0.2}], "joints": "all"},
        guidance={"route_weight": 1.0},
    )  # fmt: skip
    assert "gait" in res.metrics and res.metrics["guidance"]["guided_steps"] > 0
    assert res.metrics["per_sample"][0]["path_error_mean_m"] < 0.01


def test_the_gait_clock_is_not_shorter_than_two_seconds():
    warp = plan_time_warp(_straight(60, 0.2), natural_mps=1.0, fps=20, min_rate=0.3, max_rate=1.0)
    assert warp.source_frames == 40 and warp.rate.min() > 0.3
