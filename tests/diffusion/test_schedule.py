"""Tests of motionlgd.diffusion.schedule: immutable schedules and respacing."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from motionlgd.diffusion import NoiseSchedule, cosine_betas, linear_betas, make_schedule


@pytest.fixture(scope="module")
def cosine() -> NoiseSchedule:
    return make_schedule("cosine", 1000)


@pytest.mark.parametrize("kind", ["cosine", "linear"])
@pytest.mark.parametrize("n", [1000, 50, 25])
def test_abar_strictly_decreasing_in_unit_interval(kind: str, n: int) -> None:
    s = make_schedule(kind, n)  # type: ignore[arg-type]
    assert s.num_steps == n and s.base_num_steps == n and s.kind == kind
    a = s.alphas_cumprod
    assert a.shape == (n,) and a.dtype == np.float64
    assert np.all(a > 0) and np.all(a < 1)
    assert np.all(np.diff(a) < 0)
    np.testing.assert_array_equal(s.timesteps, np.arange(n))
    np.testing.assert_allclose(a, np.cumprod(1 - s.betas))
    np.testing.assert_array_equal(s.alphas_cumprod_prev, np.concatenate([[1.0], a[:-1]]))


def test_cosine_matches_closed_form() -> None:
    n = 1000
    b = cosine_betas(n)

    def f(t: float) -> float:
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    abar = np.cumprod(1 - b)
    expected = np.array([f((i + 1) / n) / f(0) for i in range(n)])
    # every step but the clipped last one follows abar(t) = f(t) / f(0)
    np.testing.assert_allclose(abar[:-1], expected[:-1], rtol=1e-9)
    assert b.max() <= 0.999 and b[-1] == 0.999
    assert b[0] < 1e-4  # almost no noise at the first step
    assert abar[-1] < 1e-8  # almost pure noise at the end


def test_linear_betas() -> None:
    np.testing.assert_allclose(linear_betas(1000)[[0, -1]], [1e-4, 0.02])
    np.testing.assert_allclose(linear_betas(50)[[0, -1]], [20 * 1e-4, 20 * 0.02])
    assert np.all(np.diff(linear_betas(1000)) > 0)
    # too few steps push the last beta to >= 1: refused, not silently clipped
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        make_schedule("linear", 10)
    assert make_schedule("cosine", 2).num_steps == 2


def test_schedule_arrays_are_read_only(cosine: NoiseSchedule) -> None:
    for name in ("betas", "alphas_cumprod", "timesteps"):
        arr = getattr(cosine, name)
        with pytest.raises(ValueError):
            arr[0] = 0.5
        with pytest.raises(ValueError):
            arr[-3:] += 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        cosine.betas = np.full(1000, 0.1)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cosine.base_num_steps = 3  # type: ignore[misc]
    # a derived array handed out is a copy: writing to it does not change the schedule
    prev = cosine.alphas_cumprod_prev
    prev[1] = 42.0
    assert cosine.alphas_cumprod_prev[1] != 42.0
    # the schedule is unchanged by all of the above
    assert cosine == make_schedule("cosine", 1000)


def test_schedule_copies_its_inputs() -> None:
    betas = np.full(10, 0.1)
    ts = np.arange(10)
    s = NoiseSchedule(betas=betas, timesteps=ts, base_num_steps=10)
    betas[0] = 0.9
    ts[0] = 5
    assert s.betas[0] == 0.1 and s.timesteps[0] == 0
    assert s.alphas_cumprod[0] == pytest.approx(0.9)


def test_equality_and_hash(cosine: NoiseSchedule) -> None:
    other = make_schedule("cosine", 1000)
    assert other == cosine and hash(other) == hash(cosine)
    assert make_schedule("linear", 1000) != cosine
    assert cosine.respace(50) != cosine
    assert cosine.respace(50) == cosine.respace(50)
    assert len({cosine, other, cosine.respace(50)}) == 2
    assert cosine.to_dict() == {"kind": "cosine", "num_steps": 1000}


@pytest.mark.parametrize("n", [50, 100, 7, 1])
def test_respace_keeps_abar_at_its_timesteps(cosine: NoiseSchedule, n: int) -> None:
    r = cosine.respace(n)
    assert r.num_steps == n and r.base_num_steps == 1000 and r.kind == "cosine"
    ts = r.timesteps
    assert ts[-1] == 999  # sampling always starts from the noisiest level
    if n > 1:
        assert ts[0] == 0
        assert np.all(np.diff(ts) > 0)
    np.testing.assert_allclose(r.alphas_cumprod, cosine.alphas_cumprod[ts], rtol=1e-8, atol=1e-15)
    assert np.all((r.betas > 0) & (r.betas < 1))
    # evenly spaced
    if n > 1:
        gaps = np.diff(ts)
        assert gaps.max() - gaps.min() <= 1


def test_respace_50_exact_timesteps(cosine: NoiseSchedule) -> None:
    r = cosine.respace(50)
    np.testing.assert_array_equal(r.timesteps, np.round(np.linspace(0, 999, 50)).astype(int))


def test_respace_of_respaced_schedule(cosine: NoiseSchedule) -> None:
    r = cosine.respace(50).respace(10)
    assert set(r.timesteps) <= set(cosine.respace(50).timesteps)
    np.testing.assert_allclose(r.alphas_cumprod, cosine.alphas_cumprod[r.timesteps], rtol=1e-8, atol=1e-15)


def test_respace_to_full_length_is_identity_up_to_rounding(cosine: NoiseSchedule) -> None:
    r = cosine.respace(1000)
    np.testing.assert_array_equal(r.timesteps, cosine.timesteps)
    np.testing.assert_allclose(r.betas, cosine.betas, rtol=1e-8, atol=1e-15)
    np.testing.assert_allclose(r.alphas_cumprod, cosine.alphas_cumprod, rtol=1e-8, atol=1e-15)


def test_respace_to_full_length_equals_schedule(cosine: NoiseSchedule) -> None:
    assert cosine.respace(1000) == cosine


@pytest.mark.parametrize("n", [0, -1, 1001])
def test_respace_rejects_bad_counts(cosine: NoiseSchedule, n: int) -> None:
    with pytest.raises(ValueError):
        cosine.respace(n)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"betas": [], "timesteps": []},
        {"betas": [0.1, 0.0], "timesteps": [0, 1]},
        {"betas": [0.1, 1.0], "timesteps": [0, 1]},
        {"betas": [0.1, -0.1], "timesteps": [0, 1]},
        {"betas": [0.1, 0.2], "timesteps": [0]},
        {"betas": [[0.1, 0.2]], "timesteps": [[0, 1]]},
    ],
)
def test_schedule_rejects_invalid_betas(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        NoiseSchedule(base_num_steps=2, **kwargs)


def test_make_schedule_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="sigmoid"):
        make_schedule("sigmoid", 10)  # type: ignore[arg-type]


def test_abar_tensor_lookup(cosine: NoiseSchedule) -> None:
    like = torch.zeros(2, dtype=torch.float32)
    v = cosine.abar(torch.tensor([0, 999]), like=like)
    assert v.dtype == torch.float32 and v.shape == (2,)
    np.testing.assert_allclose(v.numpy(), cosine.alphas_cumprod[[0, 999]].astype(np.float32))
    assert cosine.abar(10).dtype == torch.float64
    assert float(cosine.abar(10)) == cosine.alphas_cumprod[10]
