"""The evaluation suite's scenarios: paths, obstacle courses, waypoints, goals and turns."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scenario import Scenario, parse_scenario

__all__ = ["build_suite", "turning_specs"]


def _curve(kind: str, length: float, bend: float) -> list[list[float]]:
    s = np.linspace(0, 1, 9)
    if kind == "straight":
        pts = np.stack([0 * s, length * s], 1)
    elif kind == "arc":
        r = length / max(abs(bend), 1e-3)
        ang = s * bend
        pts = np.stack([np.sign(bend) * r * (1 - np.cos(ang)), r * np.sin(np.abs(ang))], 1)
    elif kind == "s":
        pts = np.stack([bend * np.sin(2 * np.pi * s), length * s], 1)
    else:  # zigzag
        pts = np.stack([bend * (np.abs((s * 4) % 2 - 1) - 0.5), length * s], 1)
    return pts.round(3).tolist()


def build_suite(quick: bool = False) -> list[Scenario]:
    """The evaluation scenarios: paths, obstacle courses, waypoints, goals, turns and slow
    routes (33; 4 if ``quick``)."""
    specs: list[dict[str, Any]] = []
    for i, (kind, length, bend) in enumerate(
        [
            ("straight", 5.0, 0),
            ("arc", 5.0, 1.2),
            ("arc", 5.0, -1.2),
            ("arc", 4.5, 2.0),
            ("s", 5.5, 1.0),
            ("s", 5.0, -0.8),
            ("zigzag", 5.0, 1.2),
            ("arc", 6.0, -0.6),
        ]
    ):
        specs.append(
            {
                "name": f"path_{i}_{kind}",
                "duration": 6.0,
                "path": {"points": _curve(kind, length, bend), "smooth": kind != "zigzag"},
            }
        )
    rng = np.random.default_rng(0)
    for i in range(8):
        n_obs = 1 + i % 3
        zs = np.linspace(1.5, 4.5, n_obs)
        shapes = []
        for z in zs:
            x = float(rng.uniform(-0.25, 0.25))
            if i % 4 == 3:
                shapes.append(
                    {
                        "type": "box",
                        "center": [round(x, 2), round(float(z), 2)],
                        "size": [0.7, 0.4],
                        "angle": round(float(rng.uniform(-30, 30)), 1),
                    }
                )
            else:
                shapes.append(
                    {
                        "type": "disc",
                        "center": [round(x, 2), round(float(z), 2)],
                        "radius": round(float(rng.uniform(0.25, 0.45)), 2),
                    }
                )
        specs.append(
            {
                "name": f"obstacles_{i}",
                "duration": 6.0,
                "path": {"points": [[0, 0], [0, 6.0]]},
                "obstacles": {"shapes": shapes, "margin": 0.15, "weight": 10.0},
            }
        )
    for i, (side, shape) in enumerate([(2.0, "square"), (2.5, "triangle"), (1.5, "square"), (3.0, "line")]):
        if shape == "square":
            pts = [[0, side], [side, side], [side, 0], [0, 0]]
        elif shape == "triangle":
            pts = [[0, side], [-side, side / 2], [0, 0]]
        else:
            pts = [[0, side], [-side / 2, side * 1.5]]
        times = np.linspace(0, 9.0, len(pts) + 1)[1:]
        specs.append(
            {
                "name": f"waypoints_{i}_{shape}",
                "duration": 9.5,
                "start": {"position": [0, 0], "heading": 0},
                "waypoints": {"points": [{"position": p, "time": round(float(t), 2)} for p, t in zip(pts, times)]},
            }
        )
    for i, (gx, gz, r) in enumerate([(0.0, 5.0, 0.5), (1.5, 4.5, 0.4), (-1.0, 5.0, 0.6), (0.5, 4.0, 0.35)]):
        specs.append(
            {
                "name": f"goal_{i}",
                "duration": 6.0,
                "start": {"position": [0, 0], "heading": 0},
                "goal": {"position": [gx, gz]},
                "obstacles": {
                    "shapes": [{"type": "disc", "center": [gx / 2, gz / 2], "radius": r}],
                    "margin": 0.15,
                    "weight": 10.0,
                },
            }
        )
    specs += turning_specs()
    specs += slow_specs()
    if quick:
        specs = [specs[0], specs[9], specs[16], specs[20]]
    return [parse_scenario({"prompt": "a person walks forward", **s}) for s in specs]


def _wall_with_door(z: float, door_x: float, door_width: float, half_length: float = 4.0) -> list[dict[str, Any]]:
    """Two thin boxes along ``z`` leaving a door of ``door_width`` metres centred at ``door_x``."""
    left_end, right_start = door_x - door_width / 2, door_x + door_width / 2
    left = (-half_length + left_end) / 2, left_end + half_length
    right = (right_start + half_length) / 2, half_length - right_start
    return [
        {"type": "box", "center": [round(left[0], 3), z], "size": [round(left[1], 3), 0.2]},
        {"type": "box", "center": [round(right[0], 3), z], "size": [round(right[1], 3), 0.2]},
    ]


def turning_specs() -> list[dict[str, Any]]:
    """Scenarios that need turning: a U-turn, a full circle, a zigzag with 90-degree
    corners, a goal behind a wall with a door, a gap under a metre between two discs,
    and walking backwards to a goal."""
    th = np.linspace(0, 2 * np.pi, 17)
    circle = np.stack([1.2 - 1.2 * np.cos(th), 1.2 * np.sin(th)], 1).round(3).tolist()
    return [
        {
            "name": "turn_u",
            "duration": 8.0,
            "path": {"points": [[0, 0], [0, 2.5], [0.7, 3.2], [1.4, 2.5], [1.4, 0]], "smooth": True},
        },
        {"name": "turn_circle", "duration": 9.0, "path": {"points": circle, "smooth": True}},
        {
            "name": "turn_zigzag90",
            "duration": 8.0,
            "path": {"points": [[0, 0], [0, 1.5], [1.5, 1.5], [1.5, 3.0], [0, 3.0], [0, 4.5]]},
        },
        {
            "name": "turn_door",
            "duration": 8.0,
            "start": {"position": [0, 0], "heading": 0},
            "goal": {"position": [0, 5.0]},
            "obstacles": {"shapes": _wall_with_door(2.5, 1.05, 0.9), "margin": 0.15, "weight": 10.0},
        },
        {
            "name": "turn_gap",
            "duration": 6.0,
            "path": {"points": [[0, 0], [0, 5.0]]},
            "obstacles": {
                "shapes": [
                    {"type": "disc", "center": [-0.9, 2.5], "radius": 0.5},
                    {"type": "disc", "center": [0.9, 2.5], "radius": 0.5},
                ],
                "margin": 0.15,
                "weight": 10.0,
            },
        },
        {
            "name": "turn_backwards",
            "prompt": "a person walks backwards",
            "duration": 6.0,
            "start": {"position": [0, 0], "heading": 0},
            "goal": {"position": [0, -3.5]},
        },
    ]


def slow_specs() -> list[dict[str, Any]]:
    """Routes slower than a walk (about 0.5 m/s): a straight path, an S-bend, and a goal
    past a disc (the model's own gait is about 0.85 m/s)."""
    return [
        {"name": "slow_straight", "duration": 6.0, "path": {"points": [[0, 0], [0, 3.0]]}},
        {"name": "slow_s", "duration": 9.0, "path": {"points": _curve("s", 4.0, 0.8), "smooth": True}},
        {
            "name": "slow_goal",
            "duration": 6.0,
            "start": {"position": [0, 0], "heading": 0},
            "goal": {"position": [0.8, 2.6]},
            "obstacles": {"shapes": [{"type": "disc", "center": [0.3, 1.3], "radius": 0.3}], "margin": 0.15},
        },
    ]
