"""The studio's per-tab state: every edit validated, the YAML it saves is what generate reads."""

from __future__ import annotations

import pytest
import yaml

from motionlgd.errors import ScenarioError
from motionlgd.scenario import parse_scenario
from motionlgd.studio import StudioSession


def _drawn() -> StudioSession:
    s = StudioSession()
    s.add_path_point(0.0, 0.0)
    assert s.pending_path_point() == [0.0, 0.0] and "path" not in s.data  # a path needs two points
    s.add_path_point(0.0, 5.0)
    s.add_path_point(2.0, 7.0)
    s.add_disc(0.1, 2.5, 0.4)
    s.add_box(1.0, 6.0, (0.6, 0.4), 30.0)
    s.add_waypoint(2.0, 7.0, 5.5)
    s.set_goal(2.5, 7.5)
    s.set("prompt", "a person walks")
    s.set("steps", "40")  # panel numbers arrive as text or numbers
    s.set("method", "lgd_mc")
    return s


def test_state_yaml_round_trip_is_what_generate_reads() -> None:
    s = _drawn()
    text = s.to_yaml()
    sc = parse_scenario(yaml.safe_load(text))
    assert sc.path["points"] == [[0.0, 0.0], [0.0, 5.0], [2.0, 7.0]]
    assert sc.sampler["steps"] == 40 and sc.guidance["method"] == "lgd_mc" and sc.prompt == "a person walks"
    assert [o["type"] for o in sc.obstacles["shapes"]] == ["disc", "box"]
    back = StudioSession()
    back.load_yaml(text)
    assert back.data == s.data  # state -> YAML -> parse -> the same state


def test_invalid_edits_are_refused_and_change_nothing() -> None:
    s = _drawn()
    before = s.data
    for bad in (
        lambda: s.set("duration", -3),
        lambda: s.set("method", "magic"),
        lambda: s.set("steps", "many"),
        lambda: s.add_disc(1.0, 1.0, -0.5),
        lambda: s.update_obstacle(0, radius=0.0),
        lambda: s.load_yaml("prompt: [unclosed"),
        lambda: s.load_yaml("- a list"),
        lambda: s.load_yaml("prompt: x\nwarp_speed: 9\n"),
        lambda: s.set("colour", "red"),
    ):
        with pytest.raises(ScenarioError):
            bad()
        assert s.data == before


def test_moves_removals_and_clear() -> None:
    s = _drawn()
    s.move_path_point(1, 0.5, 5.0)
    assert s.path_points()[1] == [0.5, 5.0]
    s.update_obstacle(1, center=(1.5, 6.0), angle=45.0)
    assert s.obstacles()[1]["center"] == [1.5, 6.0] and s.obstacles()[1]["angle"] == 45.0
    s.remove_obstacle()
    s.remove_waypoint()
    s.remove_path_point()
    s.remove_path_point()
    assert "path" not in s.data and "waypoints" not in s.data and len(s.obstacles()) == 1
    s.set_start(1.0, -1.0, 90.0)
    assert s.scenario().start_pose() == ((1.0, -1.0), 90.0)
    s.clear()
    assert not {"path", "waypoints", "goal", "obstacles", "start"} & s.data.keys()
    parse_scenario(s.data)


def test_prompt_timeline_waypoint_times_and_heading() -> None:
    s = _drawn()
    s.set("duration", 30)
    s.set_timeline("10: a person walks\n20: a person runs\na person walks")
    assert [p.get("until") for p in s.scenario().prompts] == [10.0, 20.0, None]
    assert s.timeline_text() == "10: a person walks\n20: a person runs\na person walks"
    before = s.data
    for bad in ("a person walks\na person runs", "40: walk\nrun", "20: walk\n10: run\nsit"):
        with pytest.raises(ScenarioError):
            s.set_timeline(bad)
        assert s.data == before
    s.set("prompt", "a person jogs")  # a typed prompt replaces the timeline
    assert "prompts" not in s.data and s.timeline_text() == "a person jogs"
    s.set_waypoint_time(0, 12.5)
    assert s.waypoints()[0]["time"] == 12.5
    s.set_start_heading(90)
    assert s.scenario().start_pose()[1] == 90.0
