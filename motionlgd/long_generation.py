"""``generate_long``: a motion of any length, window by window (see :mod:`motionlgd.long`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from .control.planner import RoutePlan, plan_route
from .errors import NumericalError, ScenarioError
from .eval.sample import sample_metrics
from .eval.seams import joint_jumps, seam_jumps
from .long import MIN_NEW_FRAMES, Window, plan_windows, pose_at, time_windows, window_scenario, window_settings
from .motion.humanml3d import recover_from_ric
from .motion.motion import Motion

__all__ = ["generate_long"]

log = logging.getLogger(__name__)

#: Guidance methods a long motion supports (the pure-guidance methods score whole-clip
#: losses that a window cannot see).
LONG_METHODS = ("precise", "none")
#: Most frames a hand-over may move later than planned to fall on a calm frame (0.5 s at 20 fps).
MAX_SHIFT = 10


def _slice_plan(plan: RoutePlan | None, win: Window) -> RoutePlan | None:
    if plan is None:
        return None
    return RoutePlan(points=plan.points[win.start : win.start + win.length])


#: Feature channels the seam cross-fade leaves to the new window: the root's rotation and
#: linear velocity (integrated into the route; the new window holds the planned route there).
_ROOT_MOTION = slice(0, 3)


class _Ticker:
    """A tqdm-like ``update``/``close`` that reports ``(done, total)`` to a callable."""

    def __init__(self, report: Callable[[int, int], None], total: int) -> None:
        self.report, self.total, self.done = report, total, 0

    def update(self, n: int = 1) -> None:
        self.done += n
        self.report(self.done, self.total)

    def close(self) -> None:
        pass


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


def _one_sample(
    scenario: Any, model: Any, windows: list[Window], plan: RoutePlan | None, sample: int, bar: Any
) -> tuple[torch.Tensor, list[dict[str, Any]], list[Window]]:
    """Features ``(T, D)`` of one sample, each window's guidance summary, and the windows as
    cut (each hand-over moved to a calm frame, see :func:`_calm_shift`)."""
    from .generation import generate

    fps = model.fps
    pos, heading = scenario.start_pose()
    feats = torch.zeros(scenario.num_frames, model.net.input_feats)
    infos = []
    windows = list(windows)
    prev: tuple[Window, torch.Tensor] | None = None  # the previous window and all it generated
    for k in range(len(windows)):
        win = windows[k]
        if k == 0:
            start = {"position": list(pos), "heading": heading}
        else:
            start = pose_at(feats[None], win.start, (pos, heading))[0]
        sub = window_scenario(scenario, win, fps, start, k, seed=scenario.seed + sample + 1009 * k)
        prefix = soft = None
        if prev is not None:
            prefix = model.normalize(feats[None, win.start : win.first_new].to(model.device))
            pw, praw = prev
            a = win.first_new - pw.start
            soft = model.normalize(praw[None, a : a + win.soft].to(model.device))
        res = generate(sub, model=model, device=model.device, _prefix=prefix, _soft=soft, _plan=_slice_plan(plan, win))
        raw = torch.as_tensor(res.features[0])
        if k + 1 < len(windows):
            shift = _calm_shift(raw, win, windows[k + 1])
            if shift:
                nxt = windows[k + 1]
                win = windows[k] = replace(win, keep=win.keep + shift)
                windows[k + 1] = replace(nxt, start=nxt.start + shift, length=nxt.length - shift, keep=nxt.keep - shift)
        new = raw[win.overlap : win.overlap + win.keep].clone()
        if prev is not None:
            new = _crossfade(prev[1][win.first_new - prev[0].start :], new, win.soft)
        prev = (win, raw[:-1])  # a window's final frame has velocities pointing past its end
        feats[win.first_new : win.first_new + win.keep] = new
        infos.append({"prompt": sub.prompt, "time_s": res.metrics["time_s"], **res.metrics.get("guidance", {})})
        if bar is not None:
            bar.update(1)
    return feats, infos, windows


def generate_long(
    scenario: Any, model: Any, progress: bool | Callable[[int, int], None] = False, cleanup: str | None = None
) -> Any:
    """Generate a scenario longer than the model's window, or with a prompt timeline.

    Args:
        scenario: the :class:`~motionlgd.scenario.Scenario` (its ``sampler.window`` and
            ``sampler.overlap``, seconds, set the windows; default the model's window, 2 s).
        model: the loaded :class:`~motionlgd.models.bundle.MotionModel`.
        progress: a progress bar over windows, or a callable ``progress(done, total)`` called
            after each window.
        cleanup: foot clean-up to run on the joined motion (None, "pin", "steps").

    Returns:
        A :class:`~motionlgd.generation.GenerationResult`: ``joints (N, T, 22, 3)`` metres,
        ``features (N, T, 263)``; metrics add ``windows`` and per sample
        ``seam_max_jump`` / ``inner_p95_jump`` (m/frame^2, see :mod:`motionlgd.eval.seams`).

    Raises:
        ScenarioError: a guidance method long motions do not support, a window or overlap
            that does not fit the model.
        ConstraintError: the route is impossible.
    """
    from .generation import GenerationResult, _mean, world_transform

    gcfg = scenario.guidance_config()
    if gcfg.method not in LONG_METHODS and scenario.has_control():
        raise ScenarioError(
            f"guidance.method: motions longer than the model's window ({model.max_frames / model.fps:g} s) or with a "
            f"prompt timeline support {list(LONG_METHODS)}, not {gcfg.method!r}"
        )
    fps, T, N = model.fps, scenario.num_frames, scenario.num_samples
    window, overlap = window_settings(scenario, model)
    cuts = [round(p["until"] * fps) for p in scenario.prompts if "until" in p]
    windows = plan_windows(T, window, overlap, cuts)
    plan = plan_route(scenario, T, fps) if gcfg.method == "precise" else None
    if plan is not None:
        for w in plan.warnings:
            log.warning(w)
    bar = None
    if callable(progress):
        bar = _Ticker(progress, N * len(windows))
    elif progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=N * len(windows), desc="windows", dynamic_ncols=True)
    t0 = time.time()
    out, infos, cut = [], [], []
    try:
        for i in range(N):
            f, info, used = _one_sample(scenario, model, windows, plan, i, bar)
            out.append(f)
            infos.append(info)
            cut.append(used)
    finally:
        if bar is not None:
            bar.close()
    sample_s = time.time() - t0
    feats = torch.stack(out)
    with torch.no_grad():
        joints = world_transform(*scenario.start_pose())(recover_from_ric(feats))
    feats_np, joints_np = feats.numpy().astype(np.float32), joints.numpy().astype(np.float32)
    if not (np.isfinite(feats_np).all() and np.isfinite(joints_np).all()):
        raise NumericalError("the generated motion contains NaN/inf; nothing was written")
    before: list[dict[str, float]] = [{} for _ in range(N)]
    if cleanup:
        from .export import clean_feet_batch

        before = clean_feet_batch(joints_np, fps, cleanup)
    per_sample = []
    for i in range(N):
        row = sample_metrics(joints_np[i], scenario, fps, plan)
        row.update(seam_jumps(joints_np[i], [w.first_new for w in cut[i][1:]]))
        row.update(before[i])
        per_sample.append(row)
    metrics: dict[str, Any] = {
        "method": gcfg.method,
        "sampler": scenario.sampler.get("name", "ddim"),
        "steps": min(scenario.sampler.get("steps", 100), model.schedule.num_steps),
        "seed": scenario.seed,
        "num_samples": N,
        "model": model.name,
        "device": str(model.device),
        "clean_feet": cleanup or False,
        "time_s": sample_s,
        "windows": time_windows(cut[0], fps),
        "window_runs": infos,
        "per_sample": per_sample,
        "mean": _mean(per_sample),
    }
    if plan is not None:
        metrics["route"] = plan.summary()
    motions = [
        Motion(
            joints=joints_np[i],
            features=None if cleanup else feats_np[i],
            fps=fps,
            text=" | ".join(p["text"] for p in scenario.prompts) or scenario.prompt,
            metadata={"seed": scenario.seed + i, "sample": i, "windows": len(windows)},
        )
        for i in range(N)
    ]
    log.info("generated %d x %d frames in %d windows in %.1f s", N, T, len(windows), sample_s)
    return GenerationResult(
        joints=joints_np, features=feats_np, fps=fps, scenario=scenario, metrics=metrics, motions=motions
    )
