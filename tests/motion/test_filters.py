"""Temporal filters: a Gaussian over frames that keeps constants, damps noise and keeps
padding out."""

from __future__ import annotations

import torch

from motionlgd.motion.filters import smooth_time


def test_smooth_time_keeps_constants_damps_noise_and_keeps_padding_out():
    const = torch.ones(1, 25, 4)
    torch.testing.assert_close(smooth_time(const, 2.0), const)  # a constant stays
    noise = torch.randn(1, 200, 4)
    assert smooth_time(noise, 2.0).std() < 0.5 * noise.std()  # frame-to-frame noise is damped
    mask = torch.zeros(1, 25, dtype=torch.bool)
    mask[:, :15] = True
    padded = const.clone()
    padded[:, 15:] = 50.0
    out = smooth_time(padded, 2.0, mask)
    torch.testing.assert_close(out[:, :15], const[:, :15])  # the padding does not leak in
    assert torch.all(out[:, 15:] == 0)


def test_smooth_time_works_per_channel_on_any_trailing_shape():
    x = torch.randn(2, 30, 3, 2)
    flat = smooth_time(x.reshape(2, 30, 6), 1.5).reshape(2, 30, 3, 2)
    torch.testing.assert_close(smooth_time(x, 1.5), flat)
    one = smooth_time(x[..., 0, 0], 1.5)  # (B, T): the route heading's use
    torch.testing.assert_close(one, flat[..., 0, 0])
    assert smooth_time(x, 0.0) is x
