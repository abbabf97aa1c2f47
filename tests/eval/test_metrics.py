"""Metrics on hand-made motions with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.eval import metrics as M
from motionlgd.eval.realism import frechet_distance, motion_descriptor, realism_score
from motionlgd.losses import Box, Disc


def standing(T: int = 40) -> np.ndarray:
    j = np.zeros((T, 22, 3))
    j[..., 1] = np.linspace(0.02, 1.7, 22)
    j[:, [7, 8], 1] = 0.08  # ankles
    j[:, [10, 11], 1] = 0.02  # toes on the floor
    j[:, 1, 0], j[:, 2, 0] = 0.1, -0.1
    return j


def walking_line(T: int = 40, speed: float = 1.0) -> np.ndarray:
    j = standing(T)
    j[..., 2] += (np.arange(T) / 20 * speed)[:, None]
    return j


def test_root_through_disc_has_penetration_one():
    j = walking_line(40, 1.0)  # z from 0 to 1.95
    out = M.obstacle_penetration(j, [Disc((0.0, 1.0), 0.3)])
    assert out["penetrated"] == 1.0 and out["max_depth"] == pytest.approx(0.3, abs=0.03)
    clear = M.obstacle_penetration(j, [Disc((2.0, 1.0), 0.3)])
    assert clear["penetrated"] == 0.0 and clear["max_depth"] == 0.0
    assert M.obstacle_penetration(j, [Box((0.0, 1.0), (0.2, 0.2))])["penetrated"] == 1.0


def test_foot_sliding_ten_cm_on_ground_is_skating():
    j = standing(40)
    assert M.foot_skating_ratio(j) == 0.0
    j[20:, 10, 0] += 0.10  # left toe slides 10 cm between frames 19 and 20, on the ground
    assert M.foot_skating_ratio(j) == pytest.approx(1 / 39)
    lifted = standing(40)
    lifted[20:, 10, 0] += 0.10
    lifted[19:21, 10, 1] = 0.3  # the same move in the air is not skating
    assert M.foot_skating_ratio(lifted) == 0.0


def test_gmd_skating_counts_sustained_toe_sliding_only():
    j = standing(40)
    j[..., 1] -= j[..., 1].min()  # toes on the floor y = 0
    assert M.foot_skating_ratio_gmd(j) == 0.0
    one = j.copy()
    one[20:, 10, 0] += 0.10  # a single 10 cm jump: fast in one step, slow on average
    assert M.foot_skating_ratio_gmd(one) == 0.0 and M.foot_skating_ratio(one) > 0
    slide = j.copy()
    slide[:, 10, 0] += 0.04 * np.arange(40)  # 0.8 m/s along the floor the whole time
    assert M.foot_skating_ratio_gmd(slide) == pytest.approx(37 / 39)  # box-filter edges fall below
    ankle = j.copy()
    ankle[:, 7, 0] += 0.04 * np.arange(40)  # ankles do not count
    assert M.foot_skating_ratio_gmd(ankle) == 0.0
    raised = slide.copy()
    raised[..., 1] += 0.06  # above 5 cm: not in contact
    assert M.foot_skating_ratio_gmd(raised) == 0.0


def test_path_and_waypoint_errors():
    j = walking_line(21, 1.0)
    tgt = np.stack([np.full(21, 0.3), np.arange(21) / 20], -1)
    pe = M.path_error(j, tgt)
    assert pe["mean"] == pytest.approx(0.3) and pe["max"] == pytest.approx(0.3)
    we = M.waypoint_error(j, [10, 20], np.array([[0.0, 0.5], [0.0, 0.0]]))
    assert we["mean"] == pytest.approx(0.5) and we["max"] == pytest.approx(1.0)


def test_speed_floating_bones_jerk_and_switches():
    j = walking_line(41, 1.5)
    assert M.root_speed(j) == pytest.approx(1.5)
    assert M.floating_ratio(j) == 0.0
    f = j.copy()
    f[..., 1] += 0.2
    assert M.floating_ratio(f) == 1.0 and M.ground_penetration(j) == 0.0
    assert M.bone_length_std(j) == pytest.approx(0.0, abs=1e-12)
    assert M.mean_jerk(j) == pytest.approx(0.0, abs=1e-9)
    g = standing(60)
    phase = (np.arange(60) // 10) % 2 == 0  # support alternates every 10 frames
    g[phase, 7, 1] = g[phase, 10, 1] = 0.0
    g[~phase, 8, 1] = g[~phase, 11, 1] = 0.0
    g[phase, 8, 1] = g[phase, 11, 1] = 0.2
    g[~phase, 7, 1] = g[~phase, 10, 1] = 0.2
    assert M.foot_contact_switches(g) == 5


def test_realism_fd_is_zero_for_same_set_and_grows_with_difference():
    rng = np.random.default_rng(0)
    base = [walking_line(60, s) + rng.normal(0, 0.005, (60, 22, 3)) for s in rng.uniform(0.8, 1.4, 12)]
    fast = [walking_line(60, s) + rng.normal(0, 0.005, (60, 22, 3)) for s in rng.uniform(2.5, 3.5, 12)]
    assert motion_descriptor(base[0]).shape == (32,)
    d = np.stack([motion_descriptor(x) for x in base])
    assert frechet_distance(d, d) == pytest.approx(0.0, abs=1e-4)
    assert realism_score(np.stack(fast), np.stack(base)) > realism_score(np.stack(base[:6]), np.stack(base[6:]))


def _walker(yaw_deg: np.ndarray, speed: float = 1.0, fps: float = 20.0) -> np.ndarray:
    """Joints ``(T, 22, 3)``: a pelvis moving along +z at ``speed`` m/s, hips 10 cm either side
    of it turned by ``yaw_deg (T,)`` degrees (0: facing +z, the travel direction)."""
    T = len(yaw_deg)
    j = np.zeros((T, 22, 3))
    j[:, :, 1] = 0.9
    j[:, 0, 2] = speed * np.arange(T) / fps
    a = np.radians(yaw_deg)
    left = np.stack([np.cos(a), np.zeros(T), -np.sin(a)], -1) * 0.1  # +x for yaw 0
    j[:, 1] = j[:, 0] + left
    j[:, 2] = j[:, 0] - left
    return j


@pytest.mark.parametrize(
    ("yaw", "cos", "rev"), [(0.0, 1.0, 0.0), (180.0, -1.0, 1.0), (90.0, 0.0, 0.0), (-90.0, 0.0, 0.0)]
)
def test_facing_reads_the_hips_against_the_travel(yaw: float, cos: float, rev: float) -> None:
    out = M.facing_metrics(_walker(np.full(60, yaw)))
    assert out["facing_cos_mean"] == pytest.approx(cos, abs=1e-9)
    assert out["facing_reversed_share"] == rev


def test_facing_reversed_share_counts_the_turned_frames() -> None:
    yaw = np.zeros(200)
    yaw[80:130] = 180.0  # 2.5 s facing backwards mid-walk
    out = M.facing_metrics(_walker(yaw))
    assert out["facing_reversed_share"] == pytest.approx(50 / 199, abs=0.03)
    yaw[80:130] = 110.0  # turned, but under the 120-degree threshold
    assert M.facing_metrics(_walker(yaw))["facing_reversed_share"] == 0.0


def test_facing_is_averaged_over_half_a_second() -> None:
    yaw = np.zeros(100)
    yaw[50:53] = 180.0  # a three-frame flip is averaged away
    assert M.facing_metrics(_walker(yaw))["facing_reversed_share"] == 0.0


def test_facing_of_a_body_that_barely_moves_is_none() -> None:
    out = M.facing_metrics(_walker(np.zeros(60), speed=0.1))
    assert out == {"facing_cos_mean": None, "facing_reversed_share": None}
