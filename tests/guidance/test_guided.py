"""Invariants of DPS / LGD-MC guidance (issue 5 must-shows)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from motionlgd.diffusion import make_schedule, sample_ddim, sample_ddpm
from motionlgd.errors import NumericalError
from motionlgd.guidance import GuidanceConfig, GuidedDenoiser, mc_log_likelihood
from motionlgd.losses import Disc, ObstacleLoss, PathLoss, PolylinePath, make_objective
from motionlgd.losses.base import DecodedMotion
from motionlgd.motion import encode, recover_from_ric
from motionlgd.motion.skeleton import DEFAULT_OFFSETS, PARENTS

SCHED = make_schedule("cosine", 1000)


class GaussianDenoiser:
    """Exact x0 predictor for data ~ N(mu, s^2 I): x0 = mu + c (x_t - sqrt(abar) mu)."""

    def __init__(self, mu: torch.Tensor, s: float = 0.3) -> None:
        self.mu = mu
        self.s = s
        self.schedule = SCHED

    def coef(self, t: int) -> tuple[float, float]:
        abar = float(SCHED.alphas_cumprod[t])
        c = self.s**2 * math.sqrt(abar) / (self.s**2 * abar + 1 - abar)
        return abar, c

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: dict) -> torch.Tensor:
        abar, c = self.coef(int(t[0]))
        return self.mu + c * (x_t - math.sqrt(abar) * self.mu)


def walking_features(T: int = 41) -> np.ndarray:
    """Unnormalised features of a synthetic straight walk at ~1 m/s along +z."""
    rest = np.zeros((22, 3))
    for j in range(1, 22):
        rest[j] = rest[PARENTS[j]] + DEFAULT_OFFSETS[j]
    rest[:, 1] -= rest[:, 1].min()
    t = np.arange(T + 1) / 20
    joints = np.repeat(rest[None], T + 1, axis=0)
    joints[..., 2] += t[:, None] * 1.0
    swing = 0.15 * np.sin(2 * np.pi * 1.0 * t)
    joints[:, [4, 7, 10], 2] += swing[:, None]
    joints[:, [5, 8, 11], 2] -= swing[:, None]
    return encode(joints)


@pytest.fixture(scope="module")
def toy():
    feats = torch.tensor(walking_features(), dtype=torch.float32)
    mean = feats.mean(0)
    std = feats.std(0).clamp(min=0.05)
    mu = (feats - mean) / std  # the toy data distribution is centred on this walk
    return mu, mean, std


def _sample(denoiser, shape, seed, sampler="ddim", steps=25):
    sched = SCHED.respace(steps)
    gen = torch.Generator().manual_seed(seed)
    if sampler == "ddim":
        return sample_ddim(denoiser, sched, shape, {}, generator=gen, eta=0.5)
    return sample_ddpm(denoiser, sched, shape, {}, generator=gen)


def _path_objective(mean, std, points):
    loss = PathLoss(PolylinePath(points))
    return make_objective(loss, mean, std), loss


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
@pytest.mark.parametrize("method", ["dps", "lgd_mc"])
def test_zero_scale_equals_unguided(toy, sampler, method):
    mu, mean, std = toy
    base = GaussianDenoiser(mu)
    objective, _ = _path_objective(mean, std, [[0, 0], [1.0, 2.0]])
    guided = GuidedDenoiser(
        base,
        objective,
        SCHED,
        GuidanceConfig(method=method, scale=0.0, n=4),
        generator=torch.Generator().manual_seed(1),
    )
    shape = (3, *mu.shape)
    a = _sample(base, shape, 7, sampler)
    b = _sample(guided, shape, 7, sampler)
    assert torch.equal(a, b)
    # and a non-zero scale does change the result (the test can fail)
    guided2 = GuidedDenoiser(
        base,
        objective,
        SCHED,
        GuidanceConfig(method=method, scale=1.0, n=4),
        generator=torch.Generator().manual_seed(1),
    )
    assert not torch.equal(a, _sample(guided2, shape, 7, sampler))


@pytest.mark.parametrize("mc_dims", ["loss", "all"])
def test_lgd_mc_n1_r0_equals_dps_exactly(toy, mc_dims):
    mu, mean, std = toy
    base = GaussianDenoiser(mu)
    objective, _ = _path_objective(mean, std, [[0, 0], [1.5, 1.0]])
    dps = GuidedDenoiser(base, objective, SCHED, GuidanceConfig(method="dps", scale=2.0))
    mc = GuidedDenoiser(
        base,
        objective,
        SCHED,
        GuidanceConfig(method="lgd_mc", scale=2.0, n=1, r_schedule="zero", mc_dims=mc_dims),
        generator=torch.Generator().manual_seed(3),
    )
    shape = (2, *mu.shape)
    assert torch.equal(_sample(dps, shape, 11), _sample(mc, shape, 11))
    # r_multiplier = 0 is the same reduction
    cfg0 = GuidanceConfig(method="lgd_mc", scale=2.0, n=1, r_multiplier=0.0, mc_dims=mc_dims)
    mc0 = GuidedDenoiser(base, objective, SCHED, cfg0)
    assert torch.equal(_sample(dps, shape, 11), _sample(mc0, shape, 11))


def test_mc_dims_chooses_which_feature_dims_the_monte_carlo_samples_perturb():
    seen = []

    def objective(x0: torch.Tensor) -> torch.Tensor:
        seen.append(x0)
        return x0.pow(2).sum((-1, -2))

    objective.dims = 3  # type: ignore[attr-defined]  # "the loss reads dims 0-2"
    x0 = torch.zeros(2, 5, 8)
    for mc_dims, width in (("loss", 3), ("all", 8)):
        seen.clear()
        cfg = GuidanceConfig(method="lgd_mc", n=4, mc_dims=mc_dims)
        guided = GuidedDenoiser(
            GaussianDenoiser(x0[0]), objective, SCHED, cfg, generator=torch.Generator().manual_seed(0)
        )
        guided.log_likelihood(x0, torch.tensor(0.5))
        (samples,) = seen
        assert samples.shape == (4, 2, 5, width)
        assert samples.abs().min() > 0  # every dim it was given is perturbed
    with pytest.raises(ValueError, match="mc_dims"):
        GuidanceConfig(mc_dims="some")  # type: ignore[arg-type]


def test_lgd_mc_gradient_is_softmax_weighted_average():
    """With x0 = a x_t + b (Jacobian a I), grad L_MC = a * sum_i softmax(-l)_i * (-grad l(x0_i))."""
    torch.manual_seed(0)
    a, D = 0.7, 5
    b = torch.randn(D)
    target = torch.randn(D)

    def denoiser(x_t, t, cond):
        return a * x_t + b

    def objective(x):  # (..., B, D) -> (..., B), a non-quadratic loss
        return ((x - target) ** 2).sum(-1) + 0.3 * torch.sin(x).sum(-1)

    def grad_l(x):
        return 2 * (x - target) + 0.3 * torch.cos(x)

    cfg = GuidanceConfig(method="lgd_mc", n=6, scale=1.0, stop=1.0)
    g = GuidedDenoiser(denoiser, objective, SCHED, cfg, generator=torch.Generator().manual_seed(5))
    x_t = torch.randn(2, D, dtype=torch.float64)
    r = torch.tensor(0.4, dtype=torch.float64)
    x_in = x_t.clone().requires_grad_(True)
    L, losses, weights = g.log_likelihood(denoiser(x_in, None, {}), r)
    (grad,) = torch.autograd.grad(L.sum(), x_in)
    # recompute the same eps by replaying the generator
    eps = torch.randn((6, 2, D), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x0 = a * x_t + b
    samples = x0 + 0.4 * eps
    lv = objective(samples)
    w = torch.softmax(-lv, dim=0)
    expected = a * (w[..., None] * -grad_l(samples)).sum(0)
    assert torch.allclose(losses, lv)
    assert torch.allclose(weights, w)
    assert torch.allclose(grad, expected, atol=1e-10)
    assert torch.allclose(L, torch.logsumexp(-lv, 0) - math.log(6))


def test_mc_log_likelihood_matches_definition():
    losses = torch.tensor([[0.1, 2.0], [0.3, 50.0], [4.0, 1.0]])
    ref = torch.log(torch.exp(-losses).mean(0))
    assert torch.allclose(mc_log_likelihood(losses), ref)
    # stable for huge losses
    assert torch.isfinite(mc_log_likelihood(torch.full((4, 2), 1e4))).all()


def _root_path_error(x, mean, std, points):
    joints = recover_from_ric(x * std + mean)
    tgt = torch.tensor(PolylinePath(points).timed_targets(joints.shape[-3], 20.0), dtype=joints.dtype)
    return (joints[..., 0, [0, 2]] - tgt).norm(dim=-1).mean(-1)


@pytest.mark.parametrize("method", ["dps", "lgd_mc"])
def test_guidance_lowers_path_error(toy, method):
    mu, mean, std = toy
    base = GaussianDenoiser(mu, s=0.5)
    points = [[0, 0], [0.8, 1.2], [1.6, 1.6]]
    objective, _ = _path_objective(mean, std, points)
    cfg = GuidanceConfig(method=method, scale=3.0, n=8)
    guided = GuidedDenoiser(base, objective, SCHED, cfg, generator=torch.Generator().manual_seed(2))
    shape = (6, *mu.shape)
    e_plain = _root_path_error(_sample(base, shape, 3), mean, std, points)
    e_guided = _root_path_error(_sample(guided, shape, 3), mean, std, points)
    assert e_guided.mean() < 0.5 * e_plain.mean()


@pytest.mark.parametrize("method", ["dps", "lgd_mc"])
def test_guidance_lowers_obstacle_penetration(toy, method):
    mu, mean, std = toy
    base = GaussianDenoiser(mu, s=0.5)
    disc = Disc((0.0, 1.0), 0.35)
    loss = ObstacleLoss([disc], margin=0.1)
    objective = make_objective(loss, mean, std)
    cfg = GuidanceConfig(method=method, scale=3.0, n=8)
    guided = GuidedDenoiser(base, objective, SCHED, cfg, generator=torch.Generator().manual_seed(2))
    shape = (8, *mu.shape)

    def depth(x):
        j = recover_from_ric(x * std + mean)
        return (-disc.sdf(j[..., 0, [0, 2]])).clamp(min=0).amax(-1)

    d_plain = depth(_sample(base, shape, 4))
    d_guided = depth(_sample(guided, shape, 4))
    assert (d_plain > 0).float().mean() > 0.5  # the toy walk goes straight through the disc
    assert d_guided.mean() < 0.5 * d_plain.mean()
    assert (d_guided > 0).float().mean() < (d_plain > 0).float().mean()


def test_window_and_history(toy):
    mu, mean, std = toy
    objective, _ = _path_objective(mean, std, [[0, 0], [1, 1]])
    g = GuidedDenoiser(
        GaussianDenoiser(mu), objective, SCHED, GuidanceConfig(method="dps", scale=1.0, start=0.2, stop=0.6)
    )
    assert not g.active(999) and g.active(500) and not g.active(10)
    _sample(g, (1, *mu.shape), 0, steps=20)
    assert 0 < len(g.history) < 20
    assert g.summary()["guided_steps"] == len(g.history)


def test_clip_grad_counts_and_limits(toy):
    mu, mean, std = toy
    objective, _ = _path_objective(mean, std, [[0, 0], [3, 3]])
    g = GuidedDenoiser(GaussianDenoiser(mu), objective, SCHED, GuidanceConfig(method="dps", scale=1.0, clip_grad=1e-6))
    _sample(g, (2, *mu.shape), 0, steps=10)
    assert g.summary()["clipped"] > 0


def test_nan_loss_raises(toy):
    mu, mean, std = toy

    def bad(motion: DecodedMotion) -> torch.Tensor:
        return motion.root_xz.sum((-1, -2)) * float("nan")

    g = GuidedDenoiser(
        GaussianDenoiser(mu), make_objective(bad, mean, std), SCHED, GuidanceConfig(method="lgd_mc", n=2)
    )
    with pytest.raises(NumericalError, match="timestep"):
        _sample(g, (1, *mu.shape), 0, steps=5)


def test_repeats_one_equals_default_and_more_repeats_differ(toy):
    mu, mean, std = toy
    objective, _ = _path_objective(mean, std, [[0, 0], [1, 2]])

    def mk(r):
        return GuidedDenoiser(
            GaussianDenoiser(mu), objective, SCHED, GuidanceConfig(method="dps", scale=1.0, repeats=r)
        )

    a, b, c = (_sample(mk(r), (1, *mu.shape), 0, steps=10) for r in (1, 1, 3))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "foo"},
        {"scale": -1.0},
        {"n": 0},
        {"start": 0.8, "stop": 0.2},
        {"clip_grad": 0.0},
        {"repeats": 0},
        {"r_schedule": "nope"},
        {"scale": float("nan")},
    ],
)
def test_config_validation(kwargs):
    with pytest.raises(ValueError):
        GuidanceConfig(**kwargs)


def test_repeats_keep_pushing_the_same_way():
    """More ascent repeats move x0' further towards the target, never back (regression)."""
    sched = make_schedule("cosine", 100)

    def den(x, t, cond):
        return 0.5 * x

    def objective(x):
        return ((x - 1.0) ** 2).sum(-1)

    x = torch.zeros(1, 3)
    t = torch.tensor([50])
    outs = []
    for r in (1, 2, 3):
        g = GuidedDenoiser(den, objective, sched, GuidanceConfig(method="dps", scale=0.1, repeats=r, stop=1.0))
        outs.append(float(g(x, t, {})[0, 0]))
    assert 0 < outs[0] < outs[1] < outs[2]
