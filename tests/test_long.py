"""Long motions: window plan, prompt timeline, seams, windowed generation on a tiny model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import motionlgd
from motionlgd.errors import ScenarioError
from motionlgd.eval.seams import joint_jumps, seam_jumps
from motionlgd.long import PrefixImputer, plan_windows
from motionlgd.scenario import parse_scenario


@pytest.mark.parametrize(
    ("T", "W", "ov", "cuts"),
    [(600, 196, 40, ()), (2400, 196, 40, (400, 700)), (197, 196, 40, ()), (300, 120, 10, (150, 155, 299))],
)
def test_windows_keep_every_frame_exactly_once(T, W, ov, cuts):
    wins = plan_windows(T, W, ov, cuts)
    kept = np.zeros(T, dtype=int)
    for k, w in enumerate(wins):
        assert w.length <= W and w.start >= 0 and w.start + w.length <= T
        assert w.overlap == (ov if k else 0)
        assert w.first_new + w.keep <= w.start + w.length
        kept[w.first_new : w.first_new + w.keep] += 1
        if k:  # the hard overlap is what the motion so far ends with
            prev_end = wins[k - 1].first_new + wins[k - 1].keep
            assert w.first_new == prev_end
            # the previous window generated the frames this one blends in softly
            assert wins[k - 1].start + wins[k - 1].length >= w.first_new + w.soft
    assert (kept == 1).all()
    for c in cuts:  # prompt changes start a window unless too close to another
        if all(abs(c - d) >= 10 for d in cuts if d != c) and c < T - 10:
            assert c in {w.first_new for w in wins}


def test_bad_overlap_is_refused_naming_the_field():
    with pytest.raises(ScenarioError, match=r"sampler\.overlap"):
        plan_windows(600, 40, 30)


def test_prompt_timeline_parsed_and_validated():
    sc = parse_scenario(
        {
            "duration": 60,
            "prompts": [
                {"text": "a person walks", "until": 20},
                {"text": "a person runs", "until": 35},
                "a person walks",
            ],
        }
    )
    assert sc.prompt == "a person walks"
    assert [sc.prompt_at(t) for t in (0, 19.9, 20, 34, 59)] == ["a person walks", "a person walks"] + [
        "a person runs"
    ] * 2 + ["a person walks"]
    assert parse_scenario(sc.to_dict()).prompts == sc.prompts
    bad = [
        ([{"text": "a", "until": 20}, {"text": "b", "until": 10}, {"text": "c"}], r"prompts\[1\].until"),
        ([{"text": "a"}, {"text": "b"}], r"prompts\[0\].until"),
        ([{"text": "a", "until": 70}, {"text": "b"}], r"prompts\[0\].until"),
        ([{"text": 3, "until": 5}, {"text": "b"}], r"prompts\[0\].text"),
        ([], "prompts"),
    ]
    for prompts, field in bad:
        with pytest.raises(ScenarioError, match=field):
            parse_scenario({"duration": 60, "prompts": prompts})
    with pytest.raises(ScenarioError, match="duration"):
        parse_scenario({"duration": 601})


def test_seam_metric_sees_a_jump():
    t = np.arange(100, dtype=np.float64)
    joints = np.zeros((100, 22, 3))
    joints[..., 2] = 0.05 * t[:, None] + 0.002 * np.sin(t)[:, None]
    smooth = seam_jumps(joints, [50])
    assert smooth["seam_ratio"] <= 1.0 and smooth["seams_over_p95"] == 0
    joints[50:, :, 0] += 0.05  # the body jumps 5 cm sideways at frame 50
    jumped = seam_jumps(joints, [50])
    assert jumped["seam_ratio"] > 5 and jumped["seams_over_p95"] == 1
    assert joint_jumps(joints)[0] == 0 and len(joint_jumps(joints)) == 100


def test_prefix_imputer_replaces_and_blends():
    den = lambda x, t, c: torch.zeros_like(x)  # noqa: E731
    prefix = torch.ones(1, 3, 4)
    soft = torch.full((1, 2, 4), 3.0)
    x0 = PrefixImputer(den, prefix, soft)(torch.zeros(1, 8, 4), torch.zeros(1), {})
    assert torch.equal(x0[:, :3], prefix)
    torch.testing.assert_close(x0[0, 3:5, 0], torch.tensor([2.0, 1.0]))  # weights 2/3, 1/3
    assert torch.equal(x0[:, 5:], torch.zeros(1, 3, 4))


def test_long_generation_on_a_tiny_model_is_continuous_and_follows_its_route(tiny_model_dir):
    model = motionlgd.load_model(tiny_model_dir)
    route = {"points": [[0, 0], [0, 6], [4, 9], [8, 6]], "smooth": True}
    res = motionlgd.generate(
        {
            "duration": 24.0,
            "path": route,
            "prompts": [{"text": "a person walks", "until": 10}, {"text": "a person runs"}],
            "sampler": {"steps": 4, "window": 6.0, "overlap": 1.0},
            "num_samples": 2,
        },
        model=model,
    )
    assert res.joints.shape == (2, 480, 22, 3) and np.isfinite(res.joints).all()
    wins = res.metrics["windows"]
    # the prompt change hands over at its `until` or up to 0.5 s later, on a calm frame
    assert len(wins) >= 4 and any(10.0 - 1e-9 <= w["first_new_s"] <= 10.5 + 1e-9 for w in wins)
    # the windows as cut still keep every frame exactly once
    assert wins[0]["first_new_s"] == 0.0 and abs(wins[-1]["end_s"] - 24.0) < 1e-9
    assert all(abs(a["end_s"] - b["first_new_s"]) < 1e-9 for a, b in itertools.pairwise(wins))
    assert [r["prompt"] for r in res.metrics["window_runs"][0]][-1] == "a person runs"
    for row in res.metrics["per_sample"]:
        assert row["route_error_mean_m"] < 0.01  # the planned route holds across windows
        assert {"seam_max_jump", "inner_p95_jump"} <= row.keys()
    # the windows' features joined and decoded once give the same pelvis as the joints
    pelvis_step = np.linalg.norm(np.diff(res.joints[:, :, 0, [0, 2]], axis=1), axis=-1)
    assert pelvis_step.max() < 0.5  # no teleport at a seam


def test_window_losses_are_the_whole_motions_losses_restricted_to_the_windows_frames():
    from motionlgd.long import window_loss
    from motionlgd.losses import DecodedMotion

    sc = parse_scenario(
        {
            "duration": 20.0,
            "path": {"points": [[0, 0], [0, 8], [6, 12]], "t_start": 1.0},
            "goal": {"position": [6, 12]},
            "waypoints": {"points": [{"position": [0, 4], "time": 5.0}, {"position": [3, 10], "time": 15.0}]},
            "obstacles": {"shapes": [{"type": "disc", "center": [0.5, 6], "radius": 0.4}]},
            "guidance": {"method": "lgd_mc"},
        }
    )
    fps, T = 20.0, sc.num_frames
    wins = plan_windows(400, 196, 40, [])  # new frames [0, 175), [175, 310), [310, 400)
    joints = torch.randn(2, T, 22, 3, generator=torch.Generator().manual_seed(0)).cumsum(1) * 0.05
    whole = dict((name, fn) for name, _, fn in sc.build_loss().items)
    targets = whole["path"].targets(T, fps)
    terms = []
    for k, win in enumerate(wins):
        loss = window_loss(sc, win, fps, last=k == len(wins) - 1)
        part = joints[:, win.start : win.start + win.length]
        got = loss.terms(DecodedMotion(part, None, fps))
        terms.append(set(got))
        # the path: the whole motion's per-frame targets over the window's frames
        want = (part[..., 0, [0, 2]] - torch.as_tensor(targets[win.start : win.start + win.length]).float()) ** 2
        torch.testing.assert_close(got["path"], want.sum(-1).mean(-1))
        # obstacles: every frame, as they are
        torch.testing.assert_close(got["obstacles"], whole["obstacles"](DecodedMotion(part, None, fps)))
    # waypoint 1 (frame 100) lies in window 0's new frames, waypoint 2 (frame 300) in window 1's;
    # the goal is scored in the last window only
    assert terms == [
        {"path", "obstacles", "waypoints"},
        {"path", "obstacles", "waypoints"},
        {"path", "obstacles", "goal"},
    ]
    (wp,) = window_loss(sc, wins[1], fps, last=False).items[-1][2].waypoints
    assert wp.time == pytest.approx(15.0 - wins[1].start / fps)  # at its time in the window
    # a waypoint just past a planned hand-over (frame 180; window 0 keeps up to 175 + a calm
    # shift of up to 10) is guided by both windows that may keep it
    near = parse_scenario({**sc.to_dict(), "waypoints": {"points": [{"position": [0, 4], "time": 9.0}]}})
    for k in (0, 1):
        assert "waypoints" in [name for name, _, _ in window_loss(near, wins[k], fps, last=False).items]


@pytest.mark.parametrize("method", ["dps", "lgd_mc"])
def test_long_motion_under_pure_guidance_follows_its_path_better_than_unguided(tiny_model_dir, method):
    model = motionlgd.load_model(tiny_model_dir)
    spec = {"duration": 14.0, "path": {"points": [[0, 0], [3, 4], [0, 10]]}, "num_samples": 2,
            "sampler": {"steps": 6, "window": 6.0, "overlap": 1.0}, "seed": 3}  # fmt: skip
    none = motionlgd.generate(spec, model=model, method="none")
    guided = motionlgd.generate(spec, model=model, method=method, scale=20.0, n=4)
    assert len(guided.metrics["windows"]) >= 3 and guided.metrics["method"] == method
    assert all(r["guided_steps"] > 0 for r in guided.metrics["window_runs"][0])
    assert guided.metrics["mean"]["path_error_mean_m"] < 0.8 * none.metrics["mean"]["path_error_mean_m"]
    with pytest.raises(ScenarioError, match=r"sampler\.window"):
        motionlgd.generate({"duration": 15, "sampler": {"window": 20, "steps": 2}}, model=model, method="none")


def test_hand_over_moves_to_a_calm_frame_and_cross_fades_the_body():
    from motionlgd.long import Window
    from motionlgd.pipeline.windows import MAX_SHIFT, _calm_shift, _crossfade

    # a window whose motion is jerky up to frame 104 and still afterwards: the hand-over planned
    # at 100 moves to the first calm frame
    T = 130
    raw = torch.zeros(T, 263)
    raw[:, 3] = 0.9  # root height
    raw[:105:2, 4:70] = 0.05  # body positions flicker every other frame until frame 104
    win = Window(start=0, length=T, overlap=0, keep=100)
    nxt = Window(start=60, length=100, overlap=40, keep=60, soft=20)
    shift = _calm_shift(raw, win, nxt)
    assert 5 <= shift <= MAX_SHIFT
    # cross-fade: body channels leave `before` at zero rate, root velocities stay `after`'s
    before, after = torch.zeros(30, 263), torch.ones(30, 263)
    out = _crossfade(before, after, 20)
    assert out[0, 10] < 0.01 and out[19, 10] > 0.99 and torch.all(out[20:] == 1)
    assert torch.all(out[:, :3] == 1) and torch.all(torch.diff(out[:20, 10]) > 0)
