"""Dataset helpers: mirroring, window sampling, statistics, the robust floor."""

from __future__ import annotations

import numpy as np

from motionlgd.data.dataset import WindowSampler, feature_stats, is_locomotion, mirror_joints, mirror_text
from motionlgd.motion import FEATURE_SLICES, canonicalize, floor_height
from motionlgd.motion.skeleton import MIRROR_PERMUTATION


def test_mirror_joints_is_an_involution_and_swaps_sides():
    rng = np.random.default_rng(0)
    j = rng.normal(size=(5, 22, 3))
    m = mirror_joints(j)
    assert np.allclose(mirror_joints(m), j)
    assert np.allclose(m[:, 1, 0], -j[:, 2, 0]) and np.allclose(m[:, 1, 1:], j[:, 2, 1:])
    assert sorted(MIRROR_PERMUTATION) == list(range(22))


def test_mirror_text():
    assert mirror_text("walk forward and turn left 90 degrees") == "walk forward and turn right 90 degrees"
    assert mirror_text("Right hand up, then left") == "Left hand up, then right"
    assert mirror_text("jog in a circle counterclockwise") == "jog in a circle clockwise"
    assert mirror_text("brightly lit") == "brightly lit"


def test_is_locomotion():
    assert is_locomotion("walk forward") and is_locomotion("Run and turn") and not is_locomotion("drink soda")


def test_window_sampler_lengths_masks_and_state(toy_data):
    data = toy_data
    s = WindowSampler(data, "train", min_frames=40, max_frames=60, seed=3)
    x, mask, texts = s.sample(8)
    assert x.shape[0] == 8 and x.shape[2] == 263 and mask.shape == x.shape[:2]
    assert 40 <= x.shape[1] <= 60 and mask.any(1).all()
    assert np.all(x[~mask] == 0)
    # one window length per batch: every row is full or its clip is shorter
    assert all(texts[i].startswith("a person walks") for i in range(8))
    st = s.state()
    a = s.sample(4)
    s.set_state(st)
    b = s.sample(4)
    assert np.array_equal(a[0], b[0]) and a[2] == b[2]
    # only train clips are used
    assert {int(t.split()[-1]) for t in texts} <= set(range(4))


def test_feature_stats_groups_share_std():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(500, 263)) * np.linspace(0.1, 2, 263)
    mean, std = feature_stats(f)
    assert mean.shape == std.shape == (263,) and (std > 0).all()
    for sl in FEATURE_SLICES.values():
        assert np.allclose(std[sl], std[sl][0])
    const = np.zeros((10, 263))
    assert (feature_stats(const)[1] >= 1e-3).all()


def test_robust_floor_ignores_a_glitch_frame():
    j = np.zeros((50, 22, 3))
    j[..., 1] = np.linspace(0.05, 1.6, 22)  # lowest joint 5 cm up in every frame
    j[10, 10, 1] = -0.3  # one glitch frame
    assert floor_height(j, "min") == -0.3
    assert abs(floor_height(j, "robust") - 0.03) < 1e-9
    c, _ = canonicalize(j, floor="robust")
    assert abs(np.median(c[..., 1].min(-1)) - 0.02) < 1e-9


def test_contact_floor_uses_the_still_supporting_foot():
    rng = np.random.default_rng(0)
    j = np.zeros((80, 22, 3))
    j[..., 1] = np.linspace(0.3, 1.6, 22)
    # the supporting toe stands still 7 cm up; every 4th frame it swings up and forward
    j[:, 10, 1] = 0.07
    swing = np.arange(80) % 4 == 0
    j[swing, 10, 1] = 0.15
    j[swing, 10, 0] = rng.uniform(0.1, 0.3, swing.sum())
    j[5, 11, 1] = -0.4  # one glitch frame, moving
    j[5, 11, 0] = 0.5
    assert abs(floor_height(j, "contact") - 0.05) < 1e-9
    c, _ = canonicalize(j, floor="contact")
    assert abs(np.median(c[~swing][..., 1].min(-1)) - 0.02) < 1e-6


def test_contact_floor_falls_back_when_nothing_stands_still():
    j = np.zeros((30, 22, 3))
    j[..., 1] = np.linspace(0.05, 1.6, 22)
    j[..., 0] = np.arange(30)[:, None] * 0.2  # everything moves 20 cm per frame
    assert floor_height(j, "contact") == floor_height(j, "robust")
