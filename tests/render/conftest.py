"""Shared fixtures of the rendering tests: a short synthetic walk and a scene with every overlay."""

from __future__ import annotations

import numpy as np
import pytest

from motionlgd.render.scene import SceneSpec
from motionlgd.render.synthetic import arc_path, synthetic_walk


@pytest.fixture(scope="session")
def walk() -> np.ndarray:
    """``(12, 22, 3)`` joints: 0.6 s of walking along an arc at 20 fps."""
    return synthetic_walk(12, fps=20.0)


@pytest.fixture(scope="session")
def scene() -> SceneSpec:
    return SceneSpec(
        path=arc_path(3.0),
        waypoints=[{"position": [0.3, 1.2], "time": 0.5}],
        obstacles=[
            {"type": "disc", "center": [0.8, 0.9], "radius": 0.2},
            {"type": "box", "center": [-0.6, 0.8], "size": [0.4, 0.3], "angle": 20},
            {"type": "polygon", "points": [[0.0, 2.0], [0.5, 2.0], [0.5, 2.2], [0.2, 2.2], [0.2, 2.6], [0.0, 2.6]]},
        ],
        ghost=synthetic_walk(12, radius=float("inf"), offset=(0.5, 0.0)),
        title="test",
    )
