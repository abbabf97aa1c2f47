"""The held gait direction: a forward walker stays forward through bends (no moonwalk),
a backward walker stays backward, and the decision has hysteresis."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from motionlgd.control import RouteImputer
from motionlgd.control.imputation import GaitDirection, align_heading, gait_direction
from motionlgd.eval.metrics import facing_metrics
from motionlgd.motion.humanml3d import recover_from_ric

FPS = 20.0


def _body(T: int, local_v: torch.Tensor) -> torch.Tensor:
    """``(1, T, 263)`` features of a body facing +z that steps by ``local_v (T, 2)`` (x, z in
    its own frame) each frame, with hips 10 cm either side of the pelvis (facing readable)."""
    f = torch.zeros(1, T, 263, dtype=torch.float64)
    f[0, :, 1:3] = local_v
    f[..., 3] = 0.9
    f[..., 4:7] = torch.tensor([0.1, -0.05, 0.0], dtype=torch.float64)  # left hip: +x of a +z-facing body
    f[..., 7:10] = torch.tensor([-0.1, -0.05, 0.0], dtype=torch.float64)  # right hip
    return f


def _circle(T: int, speed: float = 1.2, radius: float = 1.2) -> torch.Tensor:
    th = torch.arange(T, dtype=torch.float64) * speed / FPS / radius
    return torch.stack([radius * (1 - torch.cos(th)), radius * torch.sin(th)], -1)


def _u_turn(T: int, speed: float = 1.2) -> torch.Tensor:
    """Straight 2 m up +z, a half circle of radius 0.7 m, straight back down."""
    s = torch.arange(T, dtype=torch.float64) * speed / FPS
    arc = math.pi * 0.7
    pts = []
    for d in s.tolist():
        if d < 2.0:
            pts.append((0.0, d))
        elif d < 2.0 + arc:
            a = (d - 2.0) / 0.7
            pts.append((0.7 - 0.7 * math.cos(a), 2.0 + 0.7 * math.sin(a)))
        else:
            pts.append((1.4, 2.0 - (d - 2.0 - arc)))
    return torch.tensor(pts, dtype=torch.float64)


class _Stub:
    """A denoiser whose estimate steps forward at 6 cm a frame, except backwards over
    ``flip`` (the model's estimate stepping back for a moment at a bend)."""

    def __init__(self, T: int, flip: slice, backward: bool = False) -> None:
        v = torch.zeros(T, 2, dtype=torch.float64)
        v[:, 1] = -0.06 if backward else 0.06
        v[flip, 1] *= -1
        self.x0 = _body(T, v)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: object) -> torch.Tensor:
        return self.x0.clone()


def _facing_after(route: torch.Tensor, stub: _Stub, keep: bool) -> dict:
    mean, std = torch.zeros(263, dtype=torch.float64), torch.ones(263, dtype=torch.float64)
    imp = RouteImputer(stub, route, mean, std, align=True, keep_direction=keep)
    x = torch.zeros_like(stub.x0)
    for _ in range(3):  # a few sampler steps
        x = imp(x, torch.zeros(1), {})
    joints = recover_from_ric(x)[0].numpy()
    return facing_metrics(joints, FPS)


@pytest.mark.parametrize("shape", ["circle", "u_turn"])
def test_a_forward_walker_does_not_turn_round_at_a_bend(shape: str) -> None:
    T = 140
    route = _circle(T) if shape == "circle" else _u_turn(T)
    stub = _Stub(T, slice(50, 80))  # 1.5 s of backward steps mid-bend
    held = _facing_after(route, stub, keep=True)
    assert held["facing_reversed_share"] == 0.0
    assert held["facing_cos_mean"] >= 0.9
    per_frame = _facing_after(route, stub, keep=False)  # the old per-frame reading flips
    assert per_frame["facing_reversed_share"] > 0.1


def test_a_backward_walker_stays_backward_on_a_circle() -> None:
    T = 140
    out = _facing_after(_circle(T), _Stub(T, slice(0, 0), backward=True), keep=True)
    assert out["facing_reversed_share"] == 1.0 and out["facing_cos_mean"] < -0.9


def _estimate(deg: float, T: int = 60, speed: float = 0.05) -> torch.Tensor:
    a = math.radians(deg)
    v = torch.tensor([speed * math.sin(a), speed * math.cos(a)], dtype=torch.float64).expand(T, 2)
    return _body(T, v)


def test_gait_direction_reads_the_mean_stepping_direction() -> None:
    mean, clarity = gait_direction(_estimate(-90.0))
    assert float(mean) == pytest.approx(-math.pi / 2) and float(clarity) > 0.9
    _, clarity = gait_direction(_estimate(0.0, speed=0.0))  # standing: no direction
    assert float(clarity) == 0.0


def test_held_direction_has_hysteresis() -> None:
    g = GaitDirection()
    assert g.current(_estimate(0.0)) is None  # no estimate yet
    assert bool(g.update(_estimate(0.0, speed=0.0)).isnan().all())  # nothing clear yet
    assert float(g.update(_estimate(10.0))) == 0.0  # decided: forwards (snapped)
    assert float(g.update(_estimate(60.0))) == 0.0  # within the hysteresis band: kept
    assert float(g.update(_estimate(170.0))) == pytest.approx(math.pi)  # clearly backwards: switches
    assert float(g.update(_estimate(-150.0))) == pytest.approx(math.pi)


def test_held_direction_repeats_over_monte_carlo_samples() -> None:
    g = GaitDirection()
    g.update(torch.cat([_estimate(0.0), _estimate(180.0)]))
    rep = g.current(torch.zeros(6, 60, 263, dtype=torch.float64))  # 3 MC samples x B = 2
    np.testing.assert_allclose(rep.numpy(), [0, math.pi] * 3, atol=1e-12)


def test_align_heading_with_a_held_direction_ignores_per_frame_flips() -> None:
    T = 100
    route = _circle(T)
    v = torch.zeros(T, 2, dtype=torch.float64)
    v[:, 1] = 0.06
    v[40:60, 1] = -0.06
    out = align_heading(_body(T, v), route, direction=torch.zeros(1, dtype=torch.float64))
    yaw = -2 * torch.cumsum(out[0, :-1, 0], 0)  # body yaw per frame from frame 1
    d = route[1:] - route[:-1]
    travel = torch.atan2(d[:, 0], d[:, 1])
    err = torch.remainder(yaw - travel + math.pi, 2 * math.pi) - math.pi
    assert float(err[15:-15].abs().max()) < 0.3  # faces along the circle throughout


def test_each_sample_decides_on_its_own() -> None:
    g = GaitDirection()
    held = g.update(torch.cat([_estimate(0.0, speed=0.0), _estimate(175.0)]))
    assert bool(held[0].isnan()) and float(held[1]) == pytest.approx(math.pi)  # a still sample waits alone
    held = g.update(torch.cat([_estimate(85.0), _estimate(150.0)]))
    assert float(held[0]) == pytest.approx(math.pi / 2)  # decided once it moves
    assert float(held[1]) == pytest.approx(math.pi)  # 30 degrees off: kept


def test_a_long_motions_window_keeps_the_previous_windows_direction() -> None:
    prefix = _estimate(180.0, T=20)  # the overlap already generated walks backwards
    est = torch.cat([prefix, _estimate(0.0, T=60)], 1)  # the new part's estimate steps forwards
    assert float(GaitDirection(prefix=20).update(est)) == pytest.approx(math.pi)
    assert float(GaitDirection().update(est)) == 0.0


def test_an_undecided_sample_reads_its_direction_per_frame() -> None:
    T = 60
    route = _circle(T)
    f = _body(T, torch.tensor([0.0, 0.06], dtype=torch.float64).expand(T, 2))
    nan = torch.full((1,), float("nan"), dtype=torch.float64)
    torch.testing.assert_close(align_heading(f, route, direction=nan), align_heading(f, route))
