"""Route planning: targets, detours around obstacles, smoothing, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motionlgd.control import BODY_RADIUS, plan_route
from motionlgd.errors import ConstraintError
from motionlgd.scenario import parse_scenario


def _clearance(plan, sc):
    pts = torch.as_tensor(plan.points)
    return min(float(s.sdf(pts).min()) for s in sc.obstacle_shapes())


def test_no_route_constraint_means_no_plan():
    sc = parse_scenario({"duration": 3.0, "obstacles": [{"type": "disc", "center": [0, 2], "radius": 0.3}]})
    assert plan_route(sc) is None


def test_timed_path_is_followed_within_a_centimetre():
    sc = parse_scenario({"duration": 6.0, "path": {"points": [[0, 0], [1, 2], [0, 4.5]], "smooth": True}})
    plan = plan_route(sc)
    assert plan.points.shape == (120, 2)
    np.testing.assert_allclose(plan.points[0], [0, 0])
    assert plan.detour_mean_m < 0.01
    err = np.linalg.norm(plan.points - sc.path_targets(), axis=-1)
    assert err.mean() < 0.01


def test_keyframes_are_met_exactly():
    sc = parse_scenario(
        {
            "duration": 8.0,
            "start": {"position": [0, 0], "heading": 0},
            "waypoints": [{"position": [0, 2], "time": 2.5}, {"position": [2, 2], "time": 5.0}],
            "goal": {"position": [2, 0]},
        }
    )
    plan = plan_route(sc)
    assert np.linalg.norm(plan.points[50] - [0, 2]) < 0.01
    assert np.linalg.norm(plan.points[100] - [2, 2]) < 0.01
    assert np.linalg.norm(plan.points[-1] - [2, 0]) < 0.01


@pytest.mark.parametrize("joints", ["root", "all"])
def test_route_through_an_obstacle_detours_with_the_margin(joints):
    sc = parse_scenario(
        {
            "duration": 6.0,
            "path": {"points": [[0, 0], [0, 5]]},
            "obstacles": {
                "shapes": [{"type": "disc", "center": [0, 2.5], "radius": 0.5}],
                "margin": 0.15,
                "joints": joints,
            },
        }
    )
    plan = plan_route(sc)
    margin = 0.15 + (BODY_RADIUS if joints == "all" else 0.0)
    assert _clearance(plan, sc) >= margin - 0.005
    assert plan.detour_max_m > 0.5 and plan.detour_mean_m > 0.05  # it had to go round
    assert plan.min_clearance_m >= -0.005


def test_goal_behind_a_wall_goes_through_the_door():
    wall = [
        {"type": "box", "center": [-2.0, 2.5], "size": [4.0, 0.2]},  # x in [-4, 0]
        {"type": "box", "center": [3.0, 2.5], "size": [4.0, 0.2]},  # x in [1, 5]: door x in [0, 1]
    ]
    sc = parse_scenario(
        {"duration": 8.0, "start": {"position": [0, 0], "heading": 0}, "goal": {"position": [0, 5]}, "obstacles": wall}
    )
    plan = plan_route(sc)
    crossing = plan.points[np.argmin(np.abs(plan.points[:, 1] - 2.5))]
    assert 0.1 < crossing[0] < 0.9  # through the door, clear of its posts
    assert _clearance(plan, sc) >= 0.1 - 0.005


def test_enclosed_goal_is_refused_with_a_message():
    ring = [
        {"type": "box", "center": [0, 4], "size": [3, 0.2]},
        {"type": "box", "center": [0, 6], "size": [3, 0.2]},
        {"type": "box", "center": [-1.4, 5], "size": [0.2, 2.2]},
        {"type": "box", "center": [1.4, 5], "size": [0.2, 2.2]},
    ]
    sc = parse_scenario(
        {"duration": 8.0, "start": {"position": [0, 0], "heading": 0}, "goal": {"position": [0, 5]}, "obstacles": ring}
    )
    with pytest.raises(ConstraintError, match="no route"):
        plan_route(sc)


def test_a_route_faster_than_running_is_refused():
    # 30 m in 6 s passes the scenario's own check (5 m/s), the detour round the wall does not
    sc = parse_scenario(
        {
            "duration": 6.0,
            "path": {"points": [[0, 0], [0, 30]]},
            "obstacles": [
                {"type": "box", "center": [0, 15], "size": [16, 0.4]},
                {"type": "box", "center": [0, 16], "size": [0.4, 2.0]},
            ],
        }
    )
    with pytest.raises(ConstraintError, match="faster than a person can run"):
        plan_route(sc)


def test_corners_are_rounded_by_centimetres_only():
    sc = parse_scenario({"duration": 8.0, "path": {"points": [[0, 0], [0, 1.5], [1.5, 1.5], [1.5, 3.0]]}})
    plan = plan_route(sc)
    assert plan.detour_mean_m < 0.05 and plan.detour_max_m < 0.2
    acc = np.linalg.norm(np.diff(plan.points, 2, axis=0), axis=-1)
    raw = np.linalg.norm(np.diff(sc.path_targets(), 2, axis=0), axis=-1)
    assert acc.max() < 0.5 * raw.max()  # no instant turn


def test_targets_on_one_frame_at_different_places_are_refused():
    base = {"duration": 4.0, "start": {"position": [0, 0], "heading": 0}}
    sc = parse_scenario({**base, "waypoints": [{"position": [0.25, 0], "time": 0.0}]})
    with pytest.raises(ConstraintError, match="start and waypoint 0 fall on the same frame"):
        plan_route(sc)
    sc = parse_scenario({**base, "waypoints": [{"position": [0, 3], "time": 3.95}], "goal": {"position": [1, 3]}})
    with pytest.raises(ConstraintError, match="waypoint 0 and goal"):
        plan_route(sc)
    same = parse_scenario({**base, "waypoints": [{"position": [1, 2], "time": 3.95}], "goal": {"position": [1, 2]}})
    assert np.linalg.norm(plan_route(same).points[-1] - [1, 2]) < 1e-9


def test_a_goal_off_the_path_end_and_a_start_off_the_path_are_blended_in():
    sc = parse_scenario(
        {"duration": 6.0, "start": {"position": [0.5, -0.3], "heading": 0},
         "path": {"points": [[0, 0], [0, 4]]}, "goal": {"position": [0.6, 4.0]}}
    )  # fmt: skip
    plan = plan_route(sc)
    np.testing.assert_allclose(plan.points[0], [0.5, -0.3], atol=1e-9)
    np.testing.assert_allclose(plan.points[-1], [0.6, 4.0], atol=1e-9)
    steps = np.linalg.norm(np.diff(plan.points, axis=0), axis=-1)
    assert steps.max() < 0.08  # no jump: under 1.6 m/s in any frame
    assert np.linalg.norm(plan.points[60] - sc.path_targets()[60]) < 0.01  # mid-clip still on the path


def test_a_region_the_route_cannot_stay_in_is_refused():
    sc = parse_scenario(
        {"duration": 6.0, "path": {"points": [[0, 0], [3, 3]]},
         "region": {"shape": {"type": "box", "center": [0, 1.5], "size": [1, 4]}}}
    )  # fmt: skip
    with pytest.raises(ConstraintError, match="region"):
        plan_route(sc)
