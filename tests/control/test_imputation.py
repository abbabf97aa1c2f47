"""Root imputation: the decoded pelvis lands on the route, the heading stays the model's."""

from __future__ import annotations

import numpy as np
import torch

from motionlgd.control import RouteImputer, impute_root, plan_route, route_to_canonical
from motionlgd.motion.humanml3d import recover_from_ric, recover_root_rot_pos, root_heading_angles
from motionlgd.pipeline import world_transform
from motionlgd.scenario import parse_scenario


def _random_features(B: int, T: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    f = torch.randn(B, T, 263, generator=g, dtype=torch.float64) * 0.05
    f[..., 0] = torch.randn(B, T, generator=g, dtype=torch.float64) * 0.03  # turning
    f[..., 3] = 0.9
    return f


def test_planned_route_round_trips_through_the_features_within_a_millimetre():
    sc = parse_scenario({"duration": 6.0, "start": {"position": [1.0, -2.0], "heading": 35.0},
                         "path": {"points": [[1, -2], [2, 0], [1, 3]], "smooth": True}})  # fmt: skip
    plan = plan_route(sc)
    position, heading = sc.start_pose()
    route = route_to_canonical(torch.as_tensor(plan.points), position, heading)
    feats = impute_root(_random_features(3, 120), route)
    world = world_transform(position, heading)(recover_from_ric(feats))
    err = (world[..., 0, [0, 2]] - torch.as_tensor(plan.points)).norm(dim=-1)
    assert float(err.max()) < 1e-3


def test_heading_is_the_models_and_a_backward_route_reads_as_walking_backwards():
    f = _random_features(1, 60)
    f[..., 0] = 0.0  # facing +z throughout
    route = torch.stack([torch.zeros(60), -0.04 * torch.arange(60)], -1)  # moving towards -z
    out = impute_root(f, route)
    assert torch.equal(out[..., 0], f[..., 0]) and torch.equal(out[..., 3:193], f[..., 3:193])
    assert (out[0, :-1, 2] < 0).all()  # local forward velocity is negative: backwards
    r_rot, _ = recover_root_rot_pos(out)
    r_rot0, _ = recover_root_rot_pos(f)
    assert torch.allclose(r_rot, r_rot0)


def test_imputer_wraps_any_denoiser_and_keeps_the_normalisation():
    T = 40
    mean, std = torch.zeros(263), torch.full((263,), 0.5)
    mean[3] = 0.9
    target = torch.stack([0.02 * torch.arange(T), 0.03 * torch.arange(T)], -1).float()
    x_fixed = torch.randn(2, T, 263) * 0.1

    def denoiser(x_t, t, cond):
        return x_fixed

    imp = RouteImputer(denoiser, target, mean, std)
    x0 = imp(torch.zeros(2, T, 263), torch.zeros(2, dtype=torch.long), {})
    _, root = recover_root_rot_pos(x0 * std + mean)
    np.testing.assert_allclose(root[..., [0, 2]].numpy(), target.expand(2, -1, -1).numpy(), atol=1e-5)
    assert torch.equal(x0[..., 4:193], x_fixed[..., 4:193])  # the body is untouched


def _walker(T: int, local_vz: float) -> torch.Tensor:
    """Features of a body stepping straight along its own z axis (forwards if > 0)."""
    f = torch.zeros(1, T, 263, dtype=torch.float64)
    f[..., 2] = local_vz
    f[..., 3] = 0.9
    return f


def test_align_heading_turns_a_forward_walker_along_a_turning_route():
    from motionlgd.control import align_heading

    T = 80
    th = torch.linspace(0, torch.pi / 2, T, dtype=torch.float64)
    route = torch.stack([2 * (1 - torch.cos(th)), 2 * torch.sin(th)], -1)  # quarter circle, +z then +x
    out = impute_root(align_heading(_walker(T, 0.04), route), route)
    r_rot, root = recover_root_rot_pos(out)
    yaw = -2 * torch.atan2(r_rot[0, :, 2], r_rot[0, :, 0])  # body yaw, 0 = +z
    assert abs(float(yaw[5])) < 0.2 and abs(float(yaw[-5]) - torch.pi / 2) < 0.2  # faces along the route
    torch.testing.assert_close(root[0, :, [0, 2]], route, atol=1e-6, rtol=0)


def test_align_heading_keeps_a_backward_walker_backwards():
    from motionlgd.control import align_heading

    T = 60
    route = torch.stack([torch.zeros(T), -0.04 * torch.arange(T)], -1).double()  # moving to -z
    out = align_heading(_walker(T, -0.04), route)
    assert torch.allclose(out[..., 0], torch.zeros(1, T, dtype=torch.float64), atol=1e-9)  # no turn: it walks backwards
    out = align_heading(_walker(T, 0.04), route)  # a forward walker turns round to face -z
    ang = out[0, :-1, 0].sum()
    assert abs(abs(float(-2 * ang)) - torch.pi) < 0.2


def test_align_heading_does_not_turn_with_each_steps_sway():
    """A walker whose steps sway left and right (every 40 frames) along a straight route: the
    default smoothing (0.5 s) turns the body by under 40 % of the sway's angle, where a
    3-frame smoothing follows most of it (arms and head would swing with it)."""
    from motionlgd.control import align_heading

    T = 160
    f = _walker(T, 0.04)
    f[..., 1] = 0.01 * torch.sin(2 * torch.pi * torch.arange(T, dtype=torch.float64) / 40)  # sideways sway
    sway = float(torch.atan2(torch.tensor(0.01), torch.tensor(0.04)))
    route = torch.stack([torch.zeros(T), 0.04 * torch.arange(T)], -1).double()

    def swing(**kw: float) -> float:
        yaw = torch.cumsum(align_heading(f, route, **kw)[0, :-1, 0], 0) * -2  # body yaw per frame
        mid = yaw[40:-40]
        return float(mid.max() - mid.min()) / 2

    assert swing() < 0.4 * sway
    assert swing(sigma=3.0) > 0.7 * sway


def test_align_heading_without_smoothing_keeps_a_fixed_prefix():
    from motionlgd.control import align_heading

    T = 40
    th = torch.linspace(0, torch.pi / 2, T, dtype=torch.float64)
    route = torch.stack([2 * (1 - torch.cos(th)), 2 * torch.sin(th)], -1)
    out = align_heading(_walker(T, 0.04), route, sigma=0.0, fixed=10)
    assert torch.isfinite(out).all()
    assert torch.equal(out[0, :9, 0], torch.zeros(9, dtype=torch.float64))


def _corner_route(T: int, corner: int, step: float = 0.04) -> torch.Tensor:
    """``(T, 2)`` a route along +z that turns 90 degrees to +x at frame ``corner``."""
    i = torch.arange(T, dtype=torch.float64)
    z = step * torch.minimum(i, torch.tensor(float(corner)))
    x = step * (i - corner).clamp(min=0)
    return torch.stack([x, z], -1)


def _yaw(features: torch.Tensor) -> torch.Tensor:
    """``(T,)`` continuous body yaw (0 = +z) of the first sample."""
    return -2 * root_heading_angles(features)[0]


def test_align_heading_does_not_follow_an_estimate_that_spins_at_a_corner():
    """An estimate whose own heading spins a full turn the wrong way round a 90-degree
    corner (as a strongly guided model's late estimates can): the aligned body turns the
    short way, by a quarter turn, and never faces away from the route."""
    from motionlgd.control import align_heading

    T, corner = 100, 50
    f = _walker(T, 0.04)
    f[0, 35:60, 0] = torch.pi / 25  # own yaw -2 pi over 25 frames
    route = _corner_route(T, corner)
    out = align_heading(f, route, direction=torch.zeros(1, dtype=torch.float64))
    yaw = _yaw(out)
    assert abs(float(yaw[-1] - yaw[0]) - torch.pi / 2) < 0.2  # a quarter turn, not three
    d = route[1:] - route[:-1]
    tangent = torch.atan2(d[:, 0], d[:, 1])
    off = torch.remainder(yaw[1:] - tangent + torch.pi, 2 * torch.pi) - torch.pi
    assert float(off.abs().max()) < torch.pi / 3  # within 60 degrees of travel on every frame


def test_align_heading_carries_the_turn_over_a_long_stop_without_a_jump():
    """A route that stops for 4 s between two legs at right angles: the stop's heading is
    carried between the legs' headings without a jump, and a route that never moves leaves
    the model's heading as it is."""
    from motionlgd.control import align_heading

    T = 200
    i = torch.arange(T, dtype=torch.float64)
    z = 0.04 * i.clamp(max=50)
    x = 0.04 * (i - 130).clamp(min=0)
    route = torch.stack([x, z], -1)
    f = _walker(T, 0.04)
    f[0, 50:130, 2] = 0.0  # standing while the route stands
    yaw = _yaw(align_heading(f, route, direction=torch.zeros(1, dtype=torch.float64)))
    assert float(yaw.diff().abs().max()) < 0.1  # no jump (old: back to the model's own heading)
    assert abs(float(yaw[20])) < 0.1 and abs(float(yaw[-20]) - torch.pi / 2) < 0.1
    still = _walker(T, 0.0)
    still[0, :, 0] = 0.01  # the model turns on the spot by itself
    out = align_heading(still, torch.zeros(T, 2, dtype=torch.float64))
    torch.testing.assert_close(out, still)


def test_align_heading_keeps_a_turn_on_the_spot_right_after_the_route_stops():
    """The route walks along +z and stops; the estimate then turns half round on the spot:
    that turn is the model's to make, kept in full (not clipped as sway)."""
    from motionlgd.control import align_heading

    T = 120
    i = torch.arange(T, dtype=torch.float64)
    route = torch.stack([torch.zeros(T), 0.04 * i.clamp(max=60)], -1)
    f = _walker(T, 0.04)
    f[0, 60:, 2] = 0.0  # standing once the route stands
    f[0, 65:85, 0] = -torch.pi / 40  # own yaw +pi over 20 frames
    yaw = _yaw(align_heading(f, route, direction=torch.zeros(1, dtype=torch.float64)))
    assert abs(float(yaw[30])) < 0.05  # along the route while it moves
    assert abs(float(yaw[-1] - yaw[62]) - torch.pi) < 0.05  # the whole half turn


def test_fill_gaps_interpolates_the_shorter_way_holds_the_ends_and_keeps_samples_apart():
    from motionlgd.control.imputation import _fill_gaps

    turn = torch.tensor([[1.0, 0.0, 0.0, 0.0, 3.0], [0.0, 0.0, 2.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0, 5.0]])
    valid = torch.tensor([[True, False, False, False, True], [False, False, True, False, False], [False] * 5])
    out = _fill_gaps(turn, valid)
    torch.testing.assert_close(out[0], torch.tensor([1.0, 1.5, 2.0, 2.5, 3.0]))
    torch.testing.assert_close(out[1], torch.full((5,), 2.0))  # held before and after
    torch.testing.assert_close(out[2], torch.zeros(5))  # nothing valid: no correction
    across = _fill_gaps(torch.tensor([[3.0, 0.0, -3.0]]), torch.tensor([[True, False, True]]))
    assert abs(abs(float(across[0, 1])) - torch.pi) < 0.01  # through pi, not through 0
