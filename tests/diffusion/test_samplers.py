"""Tests of the DDPM / DDIM samplers on an analytic Gaussian denoiser.

Data ``x0 ~ N(mu, s^2 I)``; with ``x_t = sqrt(abar) x0 + sqrt(1 - abar) eps`` the optimal
x0 predictor is ``mu + s^2 sqrt(abar) / (s^2 abar + 1 - abar) (x_t - sqrt(abar) mu)``,
so a correct sampler must return samples distributed (close to) ``N(mu, s^2)``. The
denoiser looks ``abar`` up by the *model* timestep it is given, so a sampler that passes
step indices instead of ``schedule.timesteps`` fails these tests.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from motionlgd.diffusion import NoiseSchedule, Resample, make_schedule, randn, sample_ddim, sample_ddpm
from motionlgd.errors import NumericalError
from motionlgd.types import Cond, Denoiser

MU, S = 1.5, 0.5
FULL = make_schedule("cosine", 1000)


class GaussianDenoiser:
    """Optimal x0 predictor for N(MU, S^2) data under the full 1000-step cosine schedule."""

    def __init__(self, mu: float = MU, s: float = S) -> None:
        self.mu, self.s = mu, s
        self.schedule = FULL
        self.abar = torch.tensor(FULL.alphas_cumprod)
        self.calls: list[torch.Tensor] = []

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        assert t.dtype == torch.long and t.shape == (x_t.shape[0],)
        self.calls.append(t.clone())
        a = self.abar[t].to(x_t.dtype).reshape(-1, *([1] * (x_t.ndim - 1)))
        s2 = self.s**2
        return self.mu + s2 * a.sqrt() / (s2 * a + 1 - a) * (x_t - a.sqrt() * self.mu)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


SAMPLERS: dict[str, Callable[..., torch.Tensor]] = {
    "ddpm": sample_ddpm,
    "ddim": sample_ddim,
    "ddim_eta1": lambda *a, **k: sample_ddim(*a, eta=1.0, **k),
}


def test_gaussian_denoiser_is_a_denoiser() -> None:
    assert isinstance(GaussianDenoiser(), Denoiser)


def test_ddim_eta0_is_deterministic_given_x_t() -> None:
    torch.manual_seed(0)
    x_T = torch.randn(2, 8, 3)
    sched = FULL.respace(20)
    a = sample_ddim(GaussianDenoiser(), sched, x_T, generator=_gen(0))
    b = sample_ddim(GaussianDenoiser(), sched, x_T.clone(), generator=_gen(123))
    c = sample_ddim(GaussianDenoiser(), sched, x_T.clone())
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(a, c, rtol=0, atol=0)
    assert a.shape == x_T.shape and a.dtype == torch.float32


def test_samplers_do_not_modify_x_t() -> None:
    x_T = torch.randn(2, 4, 3, generator=_gen(5))
    before = x_T.clone()
    for fn in SAMPLERS.values():
        fn(GaussianDenoiser(), FULL.respace(5), x_T, generator=_gen(0))
    torch.testing.assert_close(x_T, before, rtol=0, atol=0)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_same_sample_different_seed_differs(name: str) -> None:
    fn = SAMPLERS[name]
    sched = FULL.respace(10)
    a = fn(GaussianDenoiser(), sched, (2, 16, 4), generator=_gen(7))
    b = fn(GaussianDenoiser(), sched, (2, 16, 4), generator=_gen(7))
    c = fn(GaussianDenoiser(), sched, (2, 16, 4), generator=_gen(8))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.allclose(a, c)
    # with a fixed x_T, the stochastic samplers still depend on the generator
    x_T = randn((2, 16, 4), _gen(1), "cpu", torch.float32)
    d = fn(GaussianDenoiser(), sched, x_T, generator=_gen(2))
    e = fn(GaussianDenoiser(), sched, x_T, generator=_gen(3))
    assert torch.allclose(d, e) == (name == "ddim")


def test_shape_draw_matches_randn_helper() -> None:
    """Drawing x_T from a shape uses the generator exactly like ``randn``."""
    sched = FULL.respace(10)
    x_T = randn((1, 5, 2), _gen(4), "cpu", torch.float32)
    a = sample_ddim(GaussianDenoiser(), sched, (1, 5, 2), generator=_gen(4))
    b = sample_ddim(GaussianDenoiser(), sched, x_T)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["ddpm", "ddim", "ddim_eta1"])
def test_final_statistics_match_data_distribution(name: str) -> None:
    x = SAMPLERS[name](GaussianDenoiser(), FULL.respace(50), (4, 1000, 1), generator=_gen(0), dtype=torch.float64)
    assert x.dtype == torch.float64 and torch.isfinite(x).all()
    mean, std = x.mean().item(), x.std().item()
    assert abs(mean - MU) < 0.04, mean  # 5 standard errors of the mean over 4000 samples
    assert abs(std - S) < 0.1 * S, std  # 50-step discretisation shrinks the std by ~5%
    # roughly Gaussian: ~68% within one std of the mean
    frac = ((x - MU).abs() < S).double().mean().item()
    assert 0.62 < frac < 0.76, frac


def test_ddim_is_an_exact_affine_map_converging_to_data_std() -> None:
    """For Gaussian data DDIM(eta=0) is affine in x_T: x0 = A x_T + b with b -> mu, A -> s."""
    den = GaussianDenoiser()
    errs = []
    for n in (50, 1000):
        x_T = torch.tensor([0.0, 1.0], dtype=torch.float64).reshape(2, 1, 1)
        out = sample_ddim(den, FULL.respace(n), x_T, dtype=torch.float64).flatten()
        A, b = (out[1] - out[0]).item(), out[0].item()
        assert abs(b - MU) < 1e-3, b
        errs.append(abs(A - S) / S)
    assert errs[0] < 0.05 and errs[1] < 0.01 and errs[1] < errs[0], errs


def test_ddpm_with_full_schedule_matches_data_std() -> None:
    x = sample_ddpm(GaussianDenoiser(), FULL.respace(200), (2, 2000, 1), generator=_gen(1), dtype=torch.float64)
    assert abs(x.mean().item() - MU) < 0.04
    assert abs(x.std().item() - S) < 0.05 * S


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_callback_once_per_step_in_order(name: str) -> None:
    sched = FULL.respace(12)
    infos: list[dict] = []
    den = GaussianDenoiser()
    out = SAMPLERS[name](den, sched, (1, 3, 2), generator=_gen(0), callback=lambda info: infos.append(dict(info)))
    assert len(infos) == 12
    assert [i["step"] for i in infos] == list(range(12))
    assert [i["i"] for i in infos] == list(range(11, -1, -1))
    assert [i["t"] for i in infos] == [int(t) for t in sched.timesteps[::-1]]
    assert all(i["num_steps"] == 12 for i in infos)
    torch.testing.assert_close(infos[-1]["x"], out, rtol=0, atol=0)
    # the model is called once per step with the kept model timesteps, from noisy to clean
    assert [int(t[0]) for t in den.calls] == [int(t) for t in sched.timesteps[::-1]]
    # the last step returns the x0 prediction itself
    torch.testing.assert_close(infos[-1]["x0"], out, rtol=0, atol=1e-6)


def test_cond_is_passed_through_unchanged() -> None:
    seen: list[Cond] = []
    marker = torch.ones(1, 4)

    def den(x: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        seen.append(cond)
        return torch.zeros_like(x)

    sample_ddpm(den, FULL.respace(3), (1, 2, 2), {"text_emb": marker}, generator=_gen(0))
    assert len(seen) == 3 and all(c["text_emb"] is marker for c in seen)
    sample_ddim(den, FULL.respace(3), (1, 2, 2))
    assert seen[-1] == {}


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_denoiser_raises_numerical_error(name: str, bad: float) -> None:
    calls = []

    def den(x: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        calls.append(int(t[0]))
        out = torch.zeros_like(x)
        if len(calls) == 3:
            out[0, 0, 0] = bad
        return out

    with pytest.raises(NumericalError, match="step 2"):
        SAMPLERS[name](den, FULL.respace(10), (1, 4, 2), generator=_gen(0))
    assert len(calls) == 3  # stops at the first bad step


def test_numerical_error_is_a_floating_point_error() -> None:
    assert issubclass(NumericalError, FloatingPointError)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_progress_bar_does_not_change_the_result(name: str) -> None:
    sched = FULL.respace(5)
    a = SAMPLERS[name](GaussianDenoiser(), sched, (1, 3, 2), generator=_gen(0), progress=True)
    b = SAMPLERS[name](GaussianDenoiser(), sched, (1, 3, 2), generator=_gen(0), progress=False)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_clip_x0_bounds_the_final_sample() -> None:
    x = sample_ddim(GaussianDenoiser(), FULL.respace(10), (1, 50, 1), generator=_gen(0), clip_x0=0.2)
    assert x.abs().max().item() <= 0.2 + 1e-6
    y = sample_ddpm(GaussianDenoiser(), FULL.respace(10), (1, 50, 1), generator=_gen(0), clip_x0=0.2)
    assert y.abs().max().item() <= 0.2 + 1e-6


def test_ddim_rejects_negative_eta() -> None:
    with pytest.raises(ValueError, match="eta"):
        sample_ddim(GaussianDenoiser(), FULL.respace(5), (1, 2, 2), eta=-0.1)


def test_single_step_schedule_returns_x0_prediction() -> None:
    sched = NoiseSchedule(betas=[0.5], timesteps=[500], base_num_steps=1000)
    x_T = torch.randn(1, 4, 2, generator=_gen(0), dtype=torch.float64)
    den = GaussianDenoiser()
    for fn in SAMPLERS.values():
        out = fn(den, sched, x_T, generator=_gen(0), dtype=torch.float64)
        torch.testing.assert_close(out, den(x_T, torch.tensor([500]), {}))


def test_gradients_do_not_leak_from_the_sampler() -> None:
    """The sampler's own arithmetic is under no_grad: the result has no graph."""
    w = torch.tensor(1.0, requires_grad=True)

    def den(x: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        return x * w * 0.5

    out = sample_ddim(den, FULL.respace(3), (1, 2, 2), generator=_gen(0))
    assert not out.requires_grad


# --- harmonising resampling (RePaint) -------------------------------------------------


@pytest.mark.parametrize("name", ["ddpm", "ddim"])
def test_resample_once_is_plain_sampling(name: str) -> None:
    sched = FULL.respace(20)
    plain = SAMPLERS[name](GaussianDenoiser(), sched, (2, 8, 3), generator=_gen(3))
    once = SAMPLERS[name](GaussianDenoiser(), sched, (2, 8, 3), generator=_gen(3), resample=Resample(0.0, 1.0, 1))
    torch.testing.assert_close(plain, once, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["ddpm", "ddim"])
def test_resample_repeats_the_steps_in_its_window(name: str) -> None:
    den = GaussianDenoiser()
    n = 20
    SAMPLERS[name](den, FULL.respace(n), (1, 4, 1), generator=_gen(0), resample=Resample(0.25, 0.75, 3))
    in_window = sum(1 for i in range(1, n) if 0.25 <= (n - 1 - i) / (n - 1) <= 0.75)
    assert len(den.calls) == n + 2 * in_window


@pytest.mark.parametrize("name", ["ddpm", "ddim"])
def test_resampling_keeps_the_data_distribution(name: str) -> None:
    x = SAMPLERS[name](GaussianDenoiser(), FULL.respace(50), (4, 1000, 1), generator=_gen(0),
                       dtype=torch.float64, resample=Resample(0.2, 0.9, 3))  # fmt: skip
    assert abs(x.mean().item() - MU) < 0.04 and abs(x.std().item() - S) < 0.1 * S


class _ImputingPair:
    """Exact denoiser of 2-d data N(0, [[1, RHO], [RHO, 1]]) whose estimates get dim 0 set to C
    (imputation): the generated dim 1 should follow the conditional mean RHO * C."""

    RHO, C = 0.95, 2.0

    def __init__(self) -> None:
        self.abar = torch.tensor(FULL.alphas_cumprod, dtype=torch.float64)
        self.schedule = FULL
        self.cov = torch.tensor([[1.0, self.RHO], [self.RHO, 1.0]], dtype=torch.float64)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        a = self.abar[t[0]]
        gain = a.sqrt() * self.cov @ torch.linalg.inv(a * self.cov + (1 - a) * torch.eye(2, dtype=torch.float64))
        x0 = x_t @ gain.T
        x0[..., 0] = self.C
        return x0


def test_resampling_harmonises_the_generated_part_with_the_imputed_one() -> None:
    kw = dict(generator=_gen(1), dtype=torch.float64)
    plain = sample_ddim(_ImputingPair(), FULL.respace(20), (2000, 1, 2), **kw)[..., 1].mean().item()
    kw = dict(generator=_gen(1), dtype=torch.float64)
    harmonised = (
        sample_ddim(_ImputingPair(), FULL.respace(20), (2000, 1, 2), resample=Resample(0.0, 0.95, 5), **kw)[..., 1]
        .mean()
        .item()
    )
    target = _ImputingPair.RHO * _ImputingPair.C
    assert abs(harmonised - target) < 0.5 * abs(plain - target), (plain, harmonised, target)


def test_resample_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="window"):
        Resample(0.8, 0.3, 2)
    with pytest.raises(ValueError, match="repeats"):
        Resample(0.1, 0.5, 0)
