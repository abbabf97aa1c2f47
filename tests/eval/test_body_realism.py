"""Body realism: descriptors that ignore the route, scored against real walking."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motionlgd.eval.body_realism import BODY_DESCRIPTOR_NAMES, body_descriptor, body_realism, load_body_reference

WALK = np.load(Path(__file__).parents[1] / "fixtures" / "real_walk.npz")["joints"].astype(np.float64)


def _rotate(j: np.ndarray, deg: float, shift=(0.0, 0.0)) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    out = j.copy()
    out[..., 0] = c * j[..., 0] + s * j[..., 2] + shift[0]
    out[..., 2] = -s * j[..., 0] + c * j[..., 2] + shift[1]
    return out


def test_descriptor_ignores_where_and_which_way_the_route_goes():
    d = body_descriptor(WALK)
    assert d.shape == (len(BODY_DESCRIPTOR_NAMES),) and np.isfinite(d).all()
    np.testing.assert_allclose(body_descriptor(_rotate(WALK, 130.0, (4.0, -2.0))), d, rtol=1e-6, atol=1e-9)


def test_a_body_carried_along_its_route_scores_worse_than_the_real_walk():
    glide = WALK.copy()
    extra = np.linspace(0, 3.0, len(WALK))  # the whole body carried 3 m further: planted feet slide
    glide[..., 2] += extra[:, None]
    names = list(BODY_DESCRIPTOR_NAMES)
    real_d, glide_d = body_descriptor(WALK), body_descriptor(glide)
    assert glide_d[names.index("low_foot_speed")] > 2 * real_d[names.index("low_foot_speed")]
    assert glide_d[names.index("contact_share")] < 0.5 * real_d[names.index("contact_share")]
    assert glide_d[names.index("low_foot_over_pelvis_speed")] > real_d[names.index("low_foot_over_pelvis_speed")]
    real = [_rotate(WALK, a) for a in (0, 40, 90, 200)] + [WALK[::-1].copy()]
    fake = [_rotate(glide, a) for a in (0, 40, 90, 200)] + [glide[::-1].copy()]
    assert body_realism(fake) > body_realism(real) + 1.0


def test_shipped_reference_is_plain_arrays():
    ref = load_body_reference()
    n = len(BODY_DESCRIPTOR_NAMES)
    assert ref["mean"].shape == (n,) and ref["cov"].shape == (n, n) and int(ref["count"]) > 50
    assert (ref["std"] > 0).all()
