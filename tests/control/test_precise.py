"""The precise method end to end on a tiny random model."""

from __future__ import annotations

import pytest

import motionlgd
from motionlgd.errors import ConstraintError


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return motionlgd.load_model(tiny_model_dir)


def test_precise_meets_path_waypoints_and_goal_within_a_centimetre(tiny):
    res = motionlgd.generate(
        prompt="a person walks", duration=4.0, num_samples=2, steps=4, model=tiny,
        path={"points": [[0, 0], [0.5, 1.5], [0, 3]], "smooth": True},
    )  # fmt: skip
    assert res.metrics["method"] == "precise"
    for row in res.metrics["per_sample"]:
        assert row["path_error_mean_m"] < 0.01 and row["constraints_met"] == {"path": True}
    res = motionlgd.generate(
        prompt="a person walks", duration=5.0, num_samples=2, steps=4, model=tiny,
        start={"position": [0, 0], "heading": 0},
        waypoints=[{"position": [0, 2], "time": 2.0}], goal={"position": [1.5, 3.0]},
    )  # fmt: skip
    for row in res.metrics["per_sample"]:
        assert row["waypoint_error_max_m"] < 0.01 and row["goal_error_m"] < 0.01
        assert all(row["constraints_met"].values())


def test_precise_avoids_obstacles_and_reports_the_forced_detour(tiny):
    res = motionlgd.generate(
        prompt="a person walks", duration=5.0, num_samples=2, steps=4, model=tiny,
        path={"points": [[0, 0], [0, 5]]},
        obstacles={"shapes": [{"type": "disc", "center": [0, 2.5], "radius": 0.4}], "margin": 0.1},
    )  # fmt: skip
    route = res.metrics["route"]
    assert route["detour_mean_m"] > 0.05
    for row in res.metrics["per_sample"]:
        assert row["obstacle_penetrated"] == 0.0
        assert row["path_detour_mean_m"] == pytest.approx(route["detour_mean_m"])
        assert abs(row["path_error_mean_m"] - row["path_detour_mean_m"]) < 0.01
        assert row["constraints_met"]["path"] and row["constraints_met"]["obstacles"]


def test_residual_losses_still_get_guidance(tiny):
    kw = dict(prompt="a person walks", duration=3.0, num_samples=1, steps=3, model=tiny,
              path={"points": [[0, 0], [0, 3]]})  # fmt: skip
    plain = motionlgd.generate(**kw)
    assert "guidance" not in plain.metrics  # the route alone: no backward pass at all
    body = motionlgd.generate(
        **kw, obstacles={"shapes": [{"type": "disc", "center": [2, 2], "radius": 0.3}], "joints": "all"}
    )
    assert body.metrics["guidance"]["guided_steps"] > 0


def test_zero_scale_precise_is_still_exact_and_lgd_mc_is_unchanged(tiny):
    kw = dict(
        prompt="a person walks", duration=3.0, num_samples=1, steps=3, model=tiny, path={"points": [[0, 0], [0, 3]]}
    )
    res = motionlgd.generate(**kw, scale=0.0)
    assert res.metrics["per_sample"][0]["path_error_mean_m"] < 0.01
    a = motionlgd.generate(**kw, method="lgd_mc")
    assert "route" not in a.metrics and a.metrics["method"] == "lgd_mc"


def test_impossible_route_is_refused_before_sampling(tiny):
    ring = [{"type": "box", "center": [0, 4], "size": [3, 0.2]}, {"type": "box", "center": [0, 6], "size": [3, 0.2]},
            {"type": "box", "center": [-1.4, 5], "size": [0.2, 2.2]}, {"type": "box", "center": [1.4, 5], "size": [0.2, 2.2]}]  # fmt: skip
    with pytest.raises(ConstraintError, match="no route"):
        motionlgd.generate(prompt="a person walks", duration=6.0, steps=2, model=tiny,
                           start={"position": [0, 0], "heading": 0}, goal={"position": [0, 5]}, obstacles=ring)  # fmt: skip


def test_residual_losses_are_scored_on_the_body_where_the_route_puts_it(tiny):
    import torch

    from motionlgd.control.precise import PreciseSetup
    from motionlgd.losses import WeightedSum

    T = 20
    route = torch.stack([torch.linspace(0, 1.9, T), torch.zeros(T)], -1)  # 1.9 m along +x

    def end_x(m):  # a residual loss reading every joint: the last frame's mean joint x
        return m.joints[..., -1, :, 0].mean(-1)

    setup = PreciseSetup(plan=None, route=route, guide_loss=WeightedSum([("user", 1.0, end_x)]), root_cond=None)
    x0 = tiny.normalize(torch.zeros(2, T, 263))  # a body that stays at the origin
    on_route = setup.objective(tiny, None)
    assert float(on_route(x0)[0]) == pytest.approx(1.9, abs=0.05)
    setup.impute = False
    assert float(setup.objective(tiny, None)(x0)[0]) == pytest.approx(0.0, abs=0.05)
    g = torch.zeros_like(x0).requires_grad_(True)
    on_route(g).sum().backward()
    assert torch.isfinite(g.grad).all()


def test_precise_resamples_by_default_and_can_turn_it_off(tiny):
    kw = dict(
        prompt="a person walks", duration=3.0, num_samples=1, steps=6, model=tiny, path={"points": [[0, 0], [0, 2]]}
    )
    res = motionlgd.generate(**kw)
    assert res.metrics["resample"] == {"window": [0.2, 0.9], "repeats": 2}
    off = motionlgd.generate(**kw, guidance={"resample": 1})
    assert off.metrics["resample"] is None
    assert (
        off.metrics["per_sample"][0]["path_error_mean_m"] < 0.01
        and res.metrics["per_sample"][0]["path_error_mean_m"] < 0.01
    )
    assert motionlgd.generate(**kw, method="lgd_mc").metrics["resample"] is None
