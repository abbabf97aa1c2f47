"""Per-sample metrics and which constraints a sample met."""

from __future__ import annotations

import numpy as np

from motionlgd.eval.sample import TOLERANCE_M, constraints_met, sample_metrics
from motionlgd.scenario import parse_scenario


def test_constraints_met_uses_the_tolerance_and_the_forced_detour():
    row = {"path_error_mean_m": 0.2, "path_detour_mean_m": 0.18, "goal_error_m": 0.06, "obstacle_penetrated": 0.0}
    assert constraints_met(row) == {"path": True, "goal": False, "obstacles": True}
    row["path_detour_mean_m"] = 0.1
    assert constraints_met(row)["path"] is False
    assert constraints_met({"waypoint_error_max_m": TOLERANCE_M - 1e-6}) == {"waypoints": True}


def test_sample_metrics_on_a_straight_walk():
    T = 60
    joints = np.zeros((T, 22, 3))
    joints[:, :, 1] = np.linspace(0, 1.5, 22)
    joints[:, :, 2] = np.linspace(0, 3, T)[:, None]
    sc = parse_scenario(
        {"duration": 3.0, "path": {"points": [[0, 0], [0, 3]]}, "goal": {"position": [0, 3]},
         "region": {"shape": {"type": "box", "center": [0, 1.5], "size": [1, 4]}}}
    )  # fmt: skip
    row = sample_metrics(joints, sc, 20.0)
    assert row["path_error_mean_m"] < 0.06 and row["goal_error_m"] < 1e-9 and row["region_left"] == 0.0
    assert row["constraints_met"] == {"path": True, "goal": True, "region": True}
    joints[:, :, 0] += 1.0  # outside the region, off the path
    row = sample_metrics(joints, sc, 20.0)
    assert row["constraints_met"] == {"path": False, "goal": False, "region": False}
