"""Scenario parsing and validation: each bad input names the field and value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from motionlgd.cli import DEMOS, scenarios_dir
from motionlgd.errors import ConstraintError, ScenarioError
from motionlgd.scenario import Scenario, load_scenario, parse_scenario

GOOD = {
    "prompt": "a person walks",
    "duration": 6,
    "path": {"points": [[0, 0], [0, 3], [1, 5]], "smooth": True},
    "waypoints": [{"position": [0, 3], "time": 3.0, "heading": 10}],
    "goal": {"position": [1, 5]},
    "obstacles": {
        "shapes": [
            {"type": "disc", "center": [2, 2], "radius": 0.3},
            {"type": "box", "center": [-2, 2], "size": [1, 1], "angle": 20},
            {"type": "polygon", "points": [[3, 3], [4, 3], [3.5, 4]]},
        ]
    },
    "region": {"shape": {"type": "box", "center": [0, 3], "size": [8, 10]}},
    "regularizers": {"foot_skate": 0.1, "smoothness": 0.1},
    "guidance": {"method": "lgd-mc", "n": 16, "scale": 2.0, "clip_grad": 5.0},
    "sampler": {"name": "ddpm", "steps": 50},
    "foot_cleanup": "steps",
}


def test_good_scenario_round_trips_through_yaml(tmp_path):
    sc = parse_scenario(GOOD)
    assert sc.guidance_config().method == "lgd_mc" and sc.num_frames == 120
    names = [name for name, _, _ in sc.build_loss().items]
    assert names == ["path", "waypoints", "goal", "obstacles", "region", "foot_skate", "smoothness"]
    f = tmp_path / "s.yaml"
    f.write_text(sc.to_yaml())
    again = load_scenario(f)
    assert again.to_dict() | {"name": ""} == sc.to_dict() | {"name": ""}
    assert again.foot_cleanup == "steps"
    assert parse_scenario({"foot_cleanup": "none"}).foot_cleanup == "" == parse_scenario({}).foot_cleanup


def test_start_pose_defaults_to_path_start_and_direction():
    sc = parse_scenario({"path": {"points": [[1, 1], [2, 1]]}})
    assert sc.start_pose() == ((1.0, 1.0), pytest.approx(90.0))
    assert parse_scenario({}).start_pose() == ((0.0, 0.0), 0.0)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"path": {"points": [[0, 0]]}}, r"path\.points: needs at least 2 points, got 1"),
        ({"path": {"points": [[0, 0], [0, "a"]]}}, r"path\.points\[1\]\[1\]: expected a number, got 'a'"),
        ({"path": {"points": [[0, 0], [0, 0]]}}, r"path\.points: the two points are identical"),
        (
            {"obstacles": [{"type": "disc", "center": [3, 3], "radius": 0}]},
            r"obstacles\.shapes\[0\]\.radius: must be > 0, got 0",
        ),
        ({"obstacles": [{"type": "disc", "center": [3, 3], "radius": -1}]}, r"radius: must be > 0"),
        (
            {"obstacles": [{"type": "box", "center": [3, 3], "size": [0, 1]}]},
            r"obstacles\.shapes\[0\]\.size: both sides must be > 0",
        ),
        ({"obstacles": [{"type": "polygon", "points": [[0, 5], [1, 5], [2, 5]]}]}, r"zero area"),
        ({"obstacles": [{"type": "star", "center": [1, 1]}]}, r"unknown shape type 'star'"),
        ({"duration": float("nan")}, r"duration: must be a finite number, got nan"),
        ({"duration": float("inf")}, r"duration: must be a finite number"),
        ({"duration": -2}, r"duration: must be >= 0.5"),
        ({"path": {"points": [[0, 0], [float("inf"), 1]]}}, r"path\.points\[1\]\[0\]: must be a finite number"),
        ({"losses": [{"name": "no_such_loss"}]}, r"losses\[0\]\.name: .*unknown loss 'no_such_loss'"),
        ({"pathh": {}}, r"unknown key\(s\) \['pathh'\]"),
        ({"guidance": {"method": "magic"}}, r"guidance\.method: must be one of"),
        ({"guidance": {"n": 0}}, r"guidance\.n: must be >= 1, got 0"),
        ({"guidance": {"start": 0.9, "stop": 0.1}}, r"guidance: .*start"),
        ({"sampler": {"name": "euler"}}, r"sampler\.name: must be one of"),
        ({"seed": 1.5}, r"seed: expected an integer, got 1.5"),
        ({"num_samples": 0}, r"num_samples: must be >= 1"),
        ({"waypoints": [{"position": [0, 1], "time": 99}]}, r"waypoints\.points\[0\]\.time: 99 s is after the end"),
        ({"waypoints": [{"position": [0, 1]}]}, r"waypoints\.points\[0\]: needs 'position'"),
        ({"prompt": 5}, r"prompt: expected a string"),
        ({"foot_cleanup": "skate"}, r"foot_cleanup: must be one of \['none', 'pin', 'steps'\]"),
        ([1, 2], r"expected a mapping"),
    ],
)
def test_bad_values_name_the_field(data, match):
    with pytest.raises(ScenarioError, match=match):
        parse_scenario(data)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"obstacles": [{"type": "disc", "center": [0, 0], "radius": 0.5}]},
            r"start: the start point \(0, 0\) lies inside obstacles\.shapes\[0\]",
        ),
        (
            {"start": {"position": [5, 5]}, "obstacles": [{"type": "box", "center": [5, 5], "size": [1, 1]}]},
            r"start point \(5, 5\)",
        ),
        (
            {
                "waypoints": [{"position": [2, 2], "time": 3}],
                "obstacles": [{"type": "disc", "center": [2, 2], "radius": 0.5}],
            },
            r"waypoints\.points\[0\]: position \[2.0, 2.0\] lies inside obstacles\.shapes\[0\]",
        ),
        (
            {"goal": {"position": [2, 2]}, "obstacles": [{"type": "disc", "center": [2, 2], "radius": 0.5}]},
            r"goal\.position",
        ),
        (
            {"duration": 4, "path": {"points": [[0, 0], [0, 60]]}},
            r"path: 60\.0 m in 4\.0 s needs 15\.\d m/s, faster than a person can run",
        ),
        ({"duration": 4, "waypoints": [{"position": [0, 30], "time": 2}]}, r"faster than a person can run"),
    ],
)
def test_impossible_constraints_are_refused(data, match):
    with pytest.raises(ConstraintError, match=match):
        parse_scenario(data)


def test_doubtful_speed_warns():
    sc = parse_scenario({"duration": 4, "path": {"points": [[0, 0], [0, 12]]}})
    assert any("running pace" in w for w in sc.check_feasible())


def test_duration_beyond_model_maximum():
    sc = parse_scenario({"duration": 12})
    with pytest.raises(ScenarioError, match=r"duration: 12 s \(240 frames\) exceeds the model's maximum of 9\.8 s"):
        sc.check_feasible(max_frames=196, fps=20)
    with pytest.raises(ScenarioError, match="fps"):
        parse_scenario({"fps": 30}).check_feasible(196, 20)


def test_yaml_errors_name_the_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("prompt: walk\npath:\n  points: [[0, 0], [1, 1]\n")
    with pytest.raises(ScenarioError, match=r"invalid YAML at line \d+"):
        load_scenario(f)
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "missing.yaml")
    b = tmp_path / "bin.yaml"
    b.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError):
        load_scenario(b)


def test_duplicate_keys_are_refused_with_the_line(tmp_path):
    f = tmp_path / "dup.yaml"
    f.write_text("prompt: a person walks\nseed: 1\nseed: 2\n")
    with pytest.raises(ScenarioError, match=r"line 3, column 1: duplicate key 'seed'"):
        load_scenario(f)
    f.write_text("sampler: {steps: 10, steps: 20}\n")
    with pytest.raises(ScenarioError, match=r"duplicate key 'steps'"):
        load_scenario(f)


def test_yaml_python_tags_are_not_executed(tmp_path):
    f = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    f.write_text(f"prompt: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError):
        load_scenario(f)
    assert not marker.exists()


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_demo_scenarios_are_valid(name):
    sc = load_scenario(scenarios_dir() / DEMOS[name])
    assert sc.has_control()
    assert sc.check_feasible(None if sc.num_frames > 196 else 196, 20) == []  # long: in windows
    assert isinstance(sc, Scenario) and math.isfinite(sc.duration)


def test_empty_prompt_survives_round_trips():
    sc = parse_scenario({"prompt": ""})
    assert parse_scenario(sc.to_dict()).prompt == ""
    assert "prompt: ''" in sc.to_yaml()


def test_public_generate_stays_callable_after_submodule_import():
    import motionlgd
    import motionlgd.generation

    assert callable(motionlgd.generate)


def test_demos_folder_holds_exact_copies_of_the_shipped_scenarios() -> None:
    demos = Path(__file__).resolve().parents[1] / "demos"
    copies = sorted(demos.glob("*.yaml"))
    assert {p.name for p in copies} == set(DEMOS.values())
    for p in copies:
        assert p.read_bytes() == (scenarios_dir() / p.name).read_bytes(), p.name


def test_gait_timing_fields_are_validated_and_round_trip():
    sc = parse_scenario({"prompt": "walk", "guidance": {"gait_timing": False, "gait_rate": [0.5, 1.0]}})
    assert sc.guidance_config().gait_rate == (0.5, 1.0) and sc.guidance_config().gait_timing is False
    assert parse_scenario(__import__("yaml").safe_load(sc.to_yaml())).guidance == sc.guidance
    for bad, match in [({"gait_rate": 1.0}, "gait_rate"), ({"gait_rate": [1.2, 1.0]}, "gait_rate"),
                       ({"gait_rate": [0, 1]}, r"gait_rate\[0\]"), ({"gait_timing": "yes"}, "gait_timing")]:  # fmt: skip
        with pytest.raises(ScenarioError, match=match):
            parse_scenario({"prompt": "walk", "guidance": bad})


def test_turn_smoothing_is_validated():
    sc = parse_scenario({"prompt": "walk", "guidance": {"turn_smoothing": 0.25}})
    assert sc.guidance_config().turn_smoothing == 0.25
    assert parse_scenario({"prompt": "walk"}).guidance_config().turn_smoothing == 0.5
    for bad in (-0.1, "smooth", 11, float("nan")):
        with pytest.raises(ScenarioError, match="turn_smoothing"):
            parse_scenario({"prompt": "walk", "guidance": {"turn_smoothing": bad}})


def test_resample_fields_are_validated():
    sc = parse_scenario({"prompt": "walk", "guidance": {"resample": 3, "resample_window": [0.1, 0.7]}})
    cfg = sc.guidance_config()
    assert cfg.resample == 3 and cfg.resample_window == (0.1, 0.7)
    for bad, match in [({"resample": 0}, "resample"), ({"resample_window": [0.8, 0.2]}, "resample_window"),
                       ({"resample_window": [0.2, 1.5]}, "resample_window"), ({"resample_window": "0.2"}, "start, stop")]:  # fmt: skip
        with pytest.raises(ScenarioError, match=match):
            parse_scenario({"prompt": "walk", "guidance": bad})
