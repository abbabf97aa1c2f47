"""Stage 5, for every length: sample the motion, as one window or window by window.

A long motion (:mod:`motionlgd.long`) is a loop over windows of the same stages as a
short one (:func:`~motionlgd.pipeline.objective.build_objective`, then
:func:`~motionlgd.pipeline.sampling.sample_window`): each window starts with the frames
already made (inpainted), its route is the plan's stretch, its hand-over moves to a calm
frame and its first frames are cross-faded in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from ..control.planner import RoutePlan
from ..eval.seams import joint_jumps
from ..long import MIN_NEW_FRAMES, Window, pose_at, window_loss, window_scenario
from ..models.bundle import MotionModel
from ..motion.humanml3d import recover_from_ric
from ..scenario import Scenario
from .objective import Objective, build_objective
from .planning import MotionPlan
from .sampling import Sampled, sample_window

__all__ = ["MAX_SHIFT", "Motions", "sample_motion"]

#: Most frames a hand-over may move later than planned to fall on a calm frame (0.5 s at 20 fps).
MAX_SHIFT = 10
#: Feature channels the seam cross-fade leaves to the new window: the root's rotation and
#: linear velocity (integrated into the route; the new window holds the planned route there).
_ROOT_MOTION = slice(0, 3)


@dataclass
class Motions:
    """The sampled motions, before decoding.

    Attributes:
        features: ``(N, T, D)`` unnormalised features.
        time_s: sampling seconds.
        whole: a motion sampled in one piece: its objective and run (None when windowed).
        cut: per sample, its windows as cut (hand-overs moved to calm frames); None when whole.
        window_runs: per sample, each window's prompt, time and guidance summary.
    """

    features: torch.Tensor
    time_s: float
    whole: tuple[Objective, Sampled] | None = None
    cut: list[list[Window]] | None = None
    window_runs: list[list[dict[str, Any]]] | None = None


def sample_motion(
    scenario: Scenario, model: MotionModel, plan: MotionPlan, progress: bool | Callable[[int, int], None] = False
) -> Motions:
    """Sample the scenario's motions as ``plan`` says: all samples at once in one window,
    or each sample window by window (``progress`` then counts windows)."""
    if plan.windows is None:
        obj = build_objective(scenario, model, plan.route, windowed=False)
        run = sample_window(scenario, model, obj, progress)
        return Motions(run.features, run.time_s, whole=(obj, run))
    bar = _bar(progress, scenario.num_samples * len(plan.windows))
    t0 = time.time()
    out, cut, runs = [], [], []
    try:
        for i in range(scenario.num_samples):
            feats, used, info = _one_sample(scenario, model, plan.windows, plan.route, i, bar)
            out.append(feats)
            cut.append(used)
            runs.append(info)
    finally:
        if bar is not None:
            bar.close()
    return Motions(torch.stack(out), time.time() - t0, cut=cut, window_runs=runs)


def _one_sample(
    scenario: Scenario, model: MotionModel, windows: list[Window], route: RoutePlan | None, sample: int, bar: Any
) -> tuple[torch.Tensor, list[Window], list[dict[str, Any]]]:
    """Features ``(T, D)`` of one sample, the windows as cut and each window's run."""
    pos, heading = scenario.start_pose()
    pure_guidance = scenario.guidance_config().method in ("dps", "lgd_mc")
    feats = torch.zeros(scenario.num_frames, model.net.input_feats)
    infos = []
    windows = list(windows)
    prev: tuple[Window, torch.Tensor] | None = None  # the previous window and all it generated
    for k in range(len(windows)):
        win = windows[k]
        start = (
            {"position": list(pos), "heading": heading}
            if k == 0
            else pose_at(feats[None], win.start, (pos, heading))[0]
        )
        sub = window_scenario(scenario, win, model.fps, start, k, seed=scenario.seed + sample + 1009 * k)
        prefix = soft = None
        if prev is not None:
            prefix = model.normalize(feats[None, win.start : win.first_new].to(model.device))
            pw, praw = prev
            a = win.first_new - pw.start
            soft = model.normalize(praw[None, a : a + win.soft].to(model.device))
        stretch = None if route is None else RoutePlan(points=route.points[win.start : win.start + win.length])
        loss = window_loss(scenario, win, model.fps, k == len(windows) - 1) if pure_guidance else None
        obj = build_objective(sub, model, stretch, windowed=True, loss=loss)
        run = sample_window(sub, model, obj, prefix=prefix, soft=soft)
        raw = run.features[0].cpu()
        if k + 1 < len(windows):
            windows[k], windows[k + 1] = _hand_over(raw, win, windows[k + 1])
            win = windows[k]
        new = raw[win.overlap : win.overlap + win.keep].clone()
        if prev is not None:
            new = _crossfade(prev[1][win.first_new - prev[0].start :], new, win.soft)
        prev = (win, raw[:-1])  # a window's final frame has velocities pointing past its end
        feats[win.first_new : win.first_new + win.keep] = new
        infos.append({"prompt": sub.prompt, "time_s": run.time_s, **(run.guided.summary() if run.guided else {})})
        if run.retried is not None:
            infos[-1]["retried"] = run.retried
        if bar is not None:
            bar.update(1)
    return feats, windows, infos


def _hand_over(raw: torch.Tensor, win: Window, nxt: Window) -> tuple[Window, Window]:
    """``win`` and ``nxt`` with their boundary moved to a calm frame (see :func:`_calm_shift`)."""
    shift = _calm_shift(raw, win, nxt)
    if not shift:
        return win, nxt
    return replace(win, keep=win.keep + shift), replace(
        nxt, start=nxt.start + shift, length=nxt.length - shift, keep=nxt.keep - shift
    )


def _crossfade(before: torch.Tensor, after: torch.Tensor, n: int) -> torch.Tensor:
    """``after (K, D)`` with the body channels of its first ``n`` frames faded in from
    ``before`` (the previous window's own continuation over the same frames, smoothstep
    weights), so the body leaves the previous window's motion at zero rate and reaches the
    new window's; the root's velocities stay the new window's (they carry the route)."""
    n = min(n, before.shape[0], after.shape[0])
    if n <= 0:
        return after
    s = torch.arange(1, n + 1, dtype=after.dtype) / (n + 1)
    w = (s * s * (3 - 2 * s))[:, None]
    out = after.clone()
    out[:n] = (1 - w) * before[:n].to(after) + w * after[:n]
    out[:n, _ROOT_MOTION] = after[:n, _ROOT_MOTION]
    return out


def _calm_shift(raw: torch.Tensor, win: Window, nxt: Window) -> int:
    """How many frames (0 .. :data:`MAX_SHIFT`) later than planned window ``win`` should hand
    over to ``nxt``: the frame where ``win``'s own motion changes velocity least, so that the
    seam falls on a calm moment of the gait (as motion graphs place their transitions). A
    prompt change moves with its hand-over: it takes effect up to 0.5 s after its ``until``."""
    beyond = win.length - win.overlap - win.keep - 1  # frames generated past the kept part, final frame excluded
    limit = min(MAX_SHIFT, beyond - 2, nxt.keep - MIN_NEW_FRAMES)
    if limit <= 0:
        return 0
    with torch.no_grad():
        jumps = joint_jumps(recover_from_ric(raw[None].float())[0].numpy())
    base = nxt.first_new - win.start  # local index of the planned boundary
    cost = [max(jumps[base + d - 1], jumps[base + d]) for d in range(limit + 1)]
    return int(np.argmin(cost))


class _Ticker:
    """A tqdm-like ``update``/``close`` that reports ``(done, total)`` to a callable."""

    def __init__(self, report: Callable[[int, int], None], total: int) -> None:
        self.report, self.total, self.done = report, total, 0

    def update(self, n: int = 1) -> None:
        self.done += n
        self.report(self.done, self.total)

    def close(self) -> None:
        pass


def _bar(progress: bool | Callable[[int, int], None], total: int) -> Any:
    """A progress bar over ``total`` windows (a callable's ticker, tqdm, or None)."""
    if callable(progress):
        return _Ticker(progress, total)
    if progress:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc="windows", dynamic_ncols=True)
    return None
