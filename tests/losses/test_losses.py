"""Losses: shapes (B,) and (n, B), known values, gradients, SDFs, registry."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from motionlgd.errors import ScenarioError
from motionlgd.losses import (
    Box,
    DecodedMotion,
    Disc,
    FootSkateLoss,
    GoalLoss,
    NearestPathLoss,
    ObstacleLoss,
    PathLoss,
    Polygon,
    PolylinePath,
    RegionLoss,
    SmoothnessLoss,
    Waypoint,
    WaypointLoss,
    WeightedSum,
    catmull_rom,
    get_loss,
    register_loss,
    registered_losses,
)


def straight_walk(B=2, T=21, speed=1.0, x=0.0, dtype=torch.float64):
    """Joints whose pelvis walks along +z at `speed` m/s; other joints offset rigidly."""
    t = torch.arange(T, dtype=dtype) / 20
    j = torch.zeros(B, T, 22, 3, dtype=dtype)
    j[..., 1] = 0.9
    j[..., 0] = x
    j[..., 2] = (t * speed)[None, :, None]
    # hips/shoulders so the body faces +z (left = +x)
    j[..., 1, 0] += 0.1
    j[..., 2, 0] -= 0.1
    j[..., 16, 0] += 0.2
    j[..., 17, 0] -= 0.2
    j[..., [7, 8, 10, 11], 1] = 0.0
    return DecodedMotion(joints=j)


ALL_LOSSES = [
    PathLoss(PolylinePath([[0, 0], [0, 1]])),
    NearestPathLoss(PolylinePath([[0, 0], [1, 1], [0, 2]], smooth=True)),
    GoalLoss([0.5, 1.0]),
    WaypointLoss([Waypoint((0, 0.5), 0.5, heading=90.0)]),
    ObstacleLoss(
        [Disc((0, 0.5), 0.3), Box((0.2, 0.8), (0.4, 0.2), 30), Polygon(((0, 0), (1, 0), (0.5, 1)))],
        margin=0.1,
        joints="all",
    ),
    RegionLoss(Box((0, 0), (0.5, 0.5)), margin=0.05),
    FootSkateLoss(),
    SmoothnessLoss(),
]


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda fn: type(fn).__name__)
def test_shapes_nonneg_and_batch_dims(loss):
    m = straight_walk(B=3)
    out = loss(m)
    assert out.shape == (3,)
    assert (out >= 0).all() and torch.isfinite(out).all()
    # extra leading Monte Carlo dim
    m2 = DecodedMotion(joints=m.joints[None].expand(4, -1, -1, -1, -1))
    out2 = loss(m2)
    assert out2.shape == (4, 3)
    assert torch.allclose(out2[0], out)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda fn: type(fn).__name__)
def test_gradcheck(loss):
    torch.manual_seed(0)
    j = (straight_walk(B=1, T=5).joints + 0.03 * torch.randn(1, 5, 22, 3, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: loss(DecodedMotion(joints=x)), (j,), eps=1e-6, atol=1e-4, fast_mode=True)


def test_path_loss_known_value():
    # pelvis walks along x=0.3 while the path is x=0 at the same speed: loss = 0.09 m^2
    m = straight_walk(B=1, T=21, speed=1.0, x=0.3)
    loss = PathLoss(PolylinePath([[0, 0], [0, 1]]))
    assert float(loss(m)[0]) == pytest.approx(0.09, abs=1e-9)
    nearest = NearestPathLoss(PolylinePath([[0, 0], [0, 1]]), end_weight=0.0)
    assert float(nearest(m)[0]) == pytest.approx(0.09, abs=1e-9)


def test_timed_targets_constant_speed():
    p = PolylinePath([[0, 0], [0, 2], [2, 2]])
    assert p.length == pytest.approx(4.0)
    tgt = p.timed_targets(41, 20.0)  # 2 s -> 2 m/s
    assert np.allclose(tgt[0], [0, 0]) and np.allclose(tgt[-1], [2, 2]) and np.allclose(tgt[20], [0, 2])
    steps = np.linalg.norm(np.diff(tgt, axis=0), axis=1)
    assert np.allclose(steps, 0.1)


def test_catmull_rom_passes_through_points():
    pts = np.array([[0, 0], [1, 1], [0, 2], [1, 3.0]])
    c = catmull_rom(pts, 8)
    for p in pts:
        assert np.min(np.linalg.norm(c - p, axis=1)) < 1e-9


def test_sdf_values():
    p = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.5, 0.0]], dtype=torch.float64)
    d = Disc((0, 0), 1.0).sdf(p)
    assert torch.allclose(d, torch.tensor([-1.0, 1.0, -0.5], dtype=torch.float64), atol=1e-5)
    box = Box((0, 0), (2.0, 1.0))
    bd = box.sdf(torch.tensor([[0.0, 0.0], [2.0, 0.0], [2.0, 1.5], [0.9, 0.0]], dtype=torch.float64))
    assert torch.allclose(bd, torch.tensor([-0.5, 1.0, math.sqrt(2.0), -0.1], dtype=torch.float64), atol=1e-5)
    rot = Box((0, 0), (2.0, 1.0), angle=90.0)  # now 1 wide in x, 2 deep in z
    assert float(rot.sdf(torch.tensor([[0.0, 0.9]], dtype=torch.float64))) == pytest.approx(-0.1, abs=1e-5)
    assert float(rot.sdf(torch.tensor([[0.9, 0.0]], dtype=torch.float64))) == pytest.approx(0.4, abs=1e-5)
    sq = Polygon(((-1, -1), (1, -1), (1, 1), (-1, 1)))
    pd = sq.sdf(torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.5, 0.5]], dtype=torch.float64))
    assert torch.allclose(pd, torch.tensor([-1.0, 1.0, -0.5], dtype=torch.float64), atol=1e-6)
    assert sq.contains((0, 0)) and not sq.contains((3, 0))
    # a box and the polygon of its corners agree
    b = Box((0.3, -0.2), (1.0, 0.6), angle=25.0)
    poly = Polygon(tuple(map(tuple, b.corners())))
    pts = torch.randn(50, 2, dtype=torch.float64)
    assert torch.allclose(b.sdf(pts), poly.sdf(pts), atol=1e-5)


def test_obstacle_loss_zero_when_clear_and_positive_inside():
    m = straight_walk(B=1, T=21)
    assert float(ObstacleLoss([Disc((3, 3), 0.5)])(m)[0]) == 0.0
    assert float(ObstacleLoss([Disc((0, 0.5), 0.3)])(m)[0]) > 0


def test_waypoint_heading_term():
    m = straight_walk(B=1, T=21)  # faces +z at (0, t)
    at = WaypointLoss([Waypoint((0, 0.5), 0.5)])(m)
    assert float(at[0]) == pytest.approx(0.0, abs=1e-12)
    facing_ok = WaypointLoss([Waypoint((0, 0.5), 0.5, heading=0.0)])(m)
    facing_bad = WaypointLoss([Waypoint((0, 0.5), 0.5, heading=180.0)])(m)
    assert float(facing_ok[0]) == pytest.approx(0.0, abs=1e-9) and float(facing_bad[0]) == pytest.approx(2.0, abs=1e-9)


def test_foot_skate_counts_sliding_low_feet_only():
    m = straight_walk(B=1, T=21)
    j = m.joints.clone()
    j[..., [7, 8, 10, 11], 2] = 0.0  # planted feet
    assert float(FootSkateLoss()(DecodedMotion(joints=j))[0]) == pytest.approx(0.0, abs=1e-12)
    sliding = FootSkateLoss()(m)  # feet move with the pelvis on the floor
    j[..., [7, 8, 10, 11], 1] = 0.5  # lifted feet may move
    lifted = FootSkateLoss()(DecodedMotion(joints=j + 0 * m.joints))
    assert float(sliding[0]) > 1e-3 > float(lifted[0])


def test_foot_skate_lowest_reference_ignores_lifting_the_body():
    m = straight_walk(B=1, T=21)
    j = m.joints.clone().requires_grad_(True)
    floor, lowest = FootSkateLoss(), FootSkateLoss(reference="lowest")
    lifted = j.detach() + torch.tensor([0.0, 0.5, 0.0])
    # lifting the whole body hides sliding feet from the floor-referenced loss only
    assert float(floor(DecodedMotion(joints=lifted))[0]) < 1e-3 * float(floor(m)[0])
    assert float(lowest(DecodedMotion(joints=lifted))[0]) == pytest.approx(float(lowest(m)[0]), rel=1e-5)
    # and its gradient has no net vertical push on the body
    lowest(DecodedMotion(joints=j)).sum().backward()
    assert float(j.grad[..., 1].sum()) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="reference"):
        FootSkateLoss(reference="ceiling")


def test_weighted_sum_and_terms():
    m = straight_walk(B=2)
    a, b = GoalLoss([0, 0]), SmoothnessLoss()
    ws = WeightedSum([("goal", 2.0, a), ("smooth", 0.5, b)])
    assert torch.allclose(ws(m), 2 * a(m) + 0.5 * b(m))
    assert set(ws.terms(m)) == {"goal", "smooth"}


def test_registry_user_loss():
    register_loss("test_height", lambda target=0.9: lambda motion: (motion.root[..., 1] - target).pow(2).mean(-1))
    assert "test_height" in registered_losses()
    fn = get_loss("test_height")(target=1.0)
    assert fn(straight_walk(B=2)).shape == (2,)
    with pytest.raises(ScenarioError, match="unknown loss"):
        get_loss("no_such_loss")
    with pytest.raises(ValueError):
        register_loss("bad name!", lambda: None)


def test_path_needs_two_points():
    with pytest.raises(ValueError, match="at least 2 points"):
        PolylinePath([[0, 0]])


def test_objective_reads_only_position_dims_for_builtin_losses():
    from motionlgd.losses import make_objective

    torch.manual_seed(0)
    mean, std = torch.randn(263) * 0.1, torch.rand(263) + 0.5
    mean[3] = 0.9
    x0 = torch.randn(2, 3, 10, 263) * 0.1
    builtin = WeightedSum(
        [("path", 1.0, PathLoss(PolylinePath([[0, 0], [0, 1]]))), ("obs", 1.0, ObstacleLoss([Disc((0, 0.3), 0.2)]))]
    )
    seen = {}

    def user_loss(motion):
        seen["features"] = motion.features
        return builtin(motion)

    fast = make_objective(builtin, mean, std)
    full = make_objective(WeightedSum([("user", 1.0, user_loss)]), mean, std)
    assert fast.dims == 4 and full.dims is None  # pelvis-only terms: the root dims alone
    assert torch.allclose(fast(x0), full(x0)) and torch.allclose(fast(x0[..., :4]), full(x0))
    assert seen["features"].shape == (2, 3, 10, 263)  # user losses get every feature
    body = WeightedSum([("obs", 1.0, ObstacleLoss([Disc((0, 0.3), 0.2)], joints="all"))])
    mid = make_objective(body, mean, std)
    assert mid.dims == 67 and torch.allclose(mid(x0[..., :67]), make_objective(body, mean, std)(x0))


def test_joint_height_limit_counts_only_its_window_and_joints():
    from motionlgd.losses import DecodedMotion, JointHeightLoss, get_loss

    j = torch.zeros(2, 20, 22, 3)
    j[..., 15, 1] = 1.6  # head 1.6 m up
    m = DecodedMotion(joints=j, fps=10.0)
    loss = JointHeightLoss(max_height=1.5)
    torch.testing.assert_close(loss(m), torch.full((2,), 20 * 0.01))  # 20 frames, 10 cm over
    assert float(JointHeightLoss(max_height=1.5, t_start=3.0)(m).max()) == 0.0  # the clip ends at 1.9 s
    assert float(get_loss("joint_height")(joints=[0], min_height=-0.1)(m).max()) == 0.0
    j2 = j.clone().requires_grad_(True)
    JointHeightLoss(max_height=1.5)(DecodedMotion(joints=j2, fps=10.0)).sum().backward()
    assert (j2.grad[..., 15, 1] > 0).all() and float(j2.grad[..., :15, :].abs().sum()) == 0.0
    with pytest.raises(ValueError, match="max_height or min_height"):
        JointHeightLoss()
