"""Grid search around obstacles."""

from __future__ import annotations

import itertools

import numpy as np

from motionlgd.control.grid import clearance_fn, find_route, segment_clear
from motionlgd.losses import Box, Disc


def test_clear_line_is_kept_straight():
    c = clearance_fn([Disc((3.0, 3.0), 0.5)], 0.1)
    route = find_route([0, 0], [0, 4], c)
    np.testing.assert_allclose(route, [[0, 0], [0, 4]])


def test_route_goes_round_a_disc_and_stays_clear():
    c = clearance_fn([Disc((0.0, 2.0), 0.5)], 0.1)
    route = find_route([0, 0], [0, 4], c)
    assert len(route) > 2
    for a, b in itertools.pairwise(route[1:-1]):  # inner segments keep the margin
        assert segment_clear(a, b, lambda p: c(p) + 0.01)
    length = np.linalg.norm(np.diff(route, axis=0), axis=-1).sum()
    assert 4.0 < length < 4.0 + 0.8  # a short detour, not a wander


def test_walled_off_goal_has_no_route():
    walls = [
        Box((0.0, 2.0), (10.0, 0.2)),
        Box((0.0, -2.0), (10.0, 0.2)),
        Box((-2.0, 0.0), (0.2, 4.0)),
        Box((2.0, 0.0), (0.2, 4.0)),
    ]
    c = clearance_fn(walls, 0.1)
    assert find_route([0, 0], [0, 5], c) is None
