"""Long motions: any duration, in overlapping windows, with a prompt timeline.

The model sees at most ``model.max_frames`` frames (9.8 s for the default model and for
MDM). A longer motion, or one whose prompt changes, is generated window by window:

1. The whole route is planned once, in world coordinates, for the whole motion
   (:func:`motionlgd.control.plan_route`): paths, waypoints, goal, obstacles and region
   hold everywhere, as for a short clip.
2. Window ``k`` starts where the motion so far ends, minus an overlap of ``O`` frames.
   Its first ``O`` frames are *inpainted*: at every sampling step the clean estimate's
   overlap frames are replaced by the frames already generated (HumanML3D features are
   relative to the body's own position and heading, so they carry over unchanged into
   the new window's canonical frame). The route's stretch for the window is imputed as
   for a short clip; the residual losses (all-joint obstacles, regions, waypoint headings,
   user losses) guide each window in world coordinates.
3. The windows' new frames are joined into one feature sequence that is decoded once, so
   the motion is continuous by construction; a window's last frame (whose velocity
   channels point past its end) is never kept.

Windows are placed so that every prompt change of the timeline falls on a window's first
new frame: the new window sees the end of the previous action in its overlap and starts
the next one from there. Time and memory grow linearly with the duration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from .errors import ScenarioError
from .motion.humanml3d import root_from_dims, root_heading_angles
from .types import Cond, Denoiser

__all__ = ["DEFAULT_OVERLAP_S", "PrefixImputer", "Window", "needs_windows", "plan_windows", "window_loss"]

#: Default overlap between windows, seconds.
DEFAULT_OVERLAP_S = 2.0
#: Fewest new frames a window must add (else the windows would crawl).
MIN_NEW_FRAMES = 10


@dataclass(frozen=True)
class Window:
    """One window of a long motion, in global frames.

    Attributes:
        start: first frame the window generates (its overlap starts here).
        length: frames it generates (``<= model.max_frames``).
        overlap: leading frames copied exactly from the motion so far (0 for the first
            window).
        soft: frames after the overlap that are drawn towards the previous window's own
            continuation (weights falling from 1 to 0), so the hand-over is smooth.
        keep: frames ``[start + overlap, start + overlap + keep)`` become part of the motion.
    """

    start: int
    length: int
    overlap: int
    keep: int
    soft: int = 0

    @property
    def first_new(self) -> int:
        """Global index of the window's first new frame."""
        return self.start + self.overlap


def plan_windows(
    num_frames: int, window: int, overlap: int, cuts: list[int] | tuple[int, ...] = (), soft: int | None = None
) -> list[Window]:
    """Cover ``num_frames`` with windows of at most ``window`` frames.

    Consecutive windows share ``overlap`` frames (copied) plus ``soft`` frames (blended;
    default ``overlap // 2``): every window but the last keeps neither its ``soft`` frames
    after its kept part nor its final frame (whose velocity channels point past its end);
    the next window's hard overlap is the end of the kept part. Every frame is kept from
    exactly one window. Windows end early so that each frame in ``cuts`` (prompt changes)
    is the first new frame of a window, unless that would leave a window fewer than
    ``MIN_NEW_FRAMES`` new frames.

    Raises:
        ScenarioError: a window/overlap that cannot make progress.
    """
    soft = overlap // 2 if soft is None else soft
    window = min(window, num_frames)
    if overlap < 1 or window - overlap - soft - 1 < MIN_NEW_FRAMES:
        raise ScenarioError(
            f"sampler.overlap: {overlap} + {soft} frames of overlap leave windows of {window} frames fewer than "
            f"{MIN_NEW_FRAMES} new frames each; use a shorter overlap or a longer window"
        )
    cuts = sorted(c for c in set(cuts) if 0 < c < num_frames)
    out: list[Window] = []
    done = 0
    while done < num_frames:
        ov = overlap if out else 0
        start = done - ov
        length = min(window, num_frames - start)
        if start + length < num_frames:  # not the last window
            end = start + length - 1 - soft
            nxt = [c for c in cuts if c > done]
            if nxt and nxt[0] <= end and nxt[0] - done >= MIN_NEW_FRAMES:
                end = nxt[0]
            elif nxt and end < nxt[0] < end + MIN_NEW_FRAMES and nxt[0] - MIN_NEW_FRAMES - done >= MIN_NEW_FRAMES:
                end = nxt[0] - MIN_NEW_FRAMES  # so that the next window can stop at the cut
            length = end - start + 1 + soft
            keep = end - done
        else:
            keep = num_frames - done
        out.append(Window(start=start, length=length, overlap=ov, keep=keep, soft=soft if out else 0))
        done += keep
    return out


def needs_windows(scenario: Any, max_frames: int) -> bool:
    """Whether a scenario is generated in windows: longer than the model's window, or a
    prompt timeline with more than one prompt."""
    return scenario.num_frames > max_frames or len(scenario.prompts) > 1


class PrefixImputer:
    """A ``Denoiser`` wrapper whose clean estimates start with given frames (inpainting).

    Args:
        denoiser: the denoiser (possibly guided and route-imputed).
        prefix: ``(B, O, D)`` normalised features for the first ``O`` frames (replaced).
        soft: ``(B, S, D)`` normalised features for the next ``S`` frames, blended in with
            weights falling linearly from ``S / (S + 1)`` to ``1 / (S + 1)`` (None: none).
    """

    def __init__(self, denoiser: Denoiser, prefix: torch.Tensor, soft: torch.Tensor | None = None) -> None:
        self.denoiser = denoiser
        self.prefix = prefix
        self.soft = soft
        self.schedule: Any = getattr(denoiser, "schedule", None)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond) -> torch.Tensor:
        """``x_t (B, T, D)``, ``t (B,)`` -> ``x0 (B, T, D)`` starting with the prefix."""
        x0 = self.denoiser(x_t, t, cond)
        o = self.prefix.shape[1]
        parts = [self.prefix.to(x0)]
        if self.soft is not None and self.soft.shape[1] > 0:
            n = self.soft.shape[1]
            w = 1.0 - torch.arange(1, n + 1, dtype=x0.dtype, device=x0.device) / (n + 1)
            w = w[None, :, None]
            parts.append(w * self.soft.to(x0) + (1 - w) * x0[:, o : o + n])
            o += n
        return torch.cat([*parts, x0[:, o:]], dim=1)


def window_settings(scenario: Any, model: Any) -> tuple[int, int]:
    """``(window, overlap)`` in frames from ``scenario.sampler`` (defaults: the model's
    window, 2 s), the window checked against the model.

    Raises:
        ScenarioError: naming ``sampler.window``.
    """
    fps = model.fps
    w_s = scenario.sampler.get("window")
    window = model.max_frames if w_s is None else round(w_s * fps)
    if window > model.max_frames:
        raise ScenarioError(
            f"sampler.window: {w_s:g} s ({window} frames) is longer than the model's window "
            f"({model.max_frames / fps:g} s, {model.max_frames} frames)"
        )
    overlap = round(scenario.sampler.get("overlap", DEFAULT_OVERLAP_S) * fps)
    return window, overlap  # whether the overlap fits is checked by plan_windows


def pose_at(features: torch.Tensor, frame: int, start: tuple[tuple[float, float], float]) -> list[dict[str, Any]]:
    """World start pose (``{"position": [x, z], "heading": deg}``) of each sample at
    ``frame`` of unnormalised features ``(N, T, D)`` decoded from the scenario's ``start``
    (``((x, z), heading_deg)``)."""
    (x0, z0), h0 = start
    feats = features[:, : frame + 1]
    root = root_from_dims(feats)[:, frame]  # (N, 3) canonical pelvis
    yaw = -2.0 * root_heading_angles(feats)[:, frame]  # radians, 0 = +z
    h = math.radians(h0)
    c, s = math.cos(h), math.sin(h)
    out = []
    for i in range(features.shape[0]):
        x, z = float(root[i, 0]), float(root[i, 2])
        out.append(
            {
                "position": [c * x + s * z + x0, -s * x + c * z + z0],
                "heading": h0 + math.degrees(float(yaw[i])),
            }
        )
    return out


def time_windows(windows: list[Window], fps: float) -> list[dict[str, float]]:
    """JSON-ready window table (seconds) for metrics.json."""
    return [
        {"start_s": w.start / fps, "first_new_s": w.first_new / fps, "end_s": (w.first_new + w.keep) / fps}
        for w in windows
    ]


def sub_waypoints(scenario: Any, win: Window, fps: float) -> dict[str, Any] | None:
    """The scenario's waypoints that fall in the window's new frames, times shifted to it."""
    if not scenario.waypoints:
        return None
    T = scenario.num_frames
    pts = [
        {**p, "time": p["time"] - win.start / fps}
        for p, w in zip(scenario.waypoints["points"], scenario.waypoint_list(), strict=True)
        if win.first_new <= w.frame(fps, T) < win.first_new + win.keep
    ]
    if not pts:
        return None
    return {**scenario.waypoints, "points": pts}


def window_scenario(scenario: Any, win: Window, fps: float, start: dict[str, Any], index: int, seed: int) -> Any:
    """The scenario of one window: its prompt, length and start pose; the route's parts
    (path, goal, timed waypoint positions) are imposed by the caller's plan slice."""
    from .scenario import parse_scenario

    d = scenario.to_dict()
    for k in ("path", "goal", "prompts", "waypoints", "name", "description"):
        d.pop(k, None)
    d["prompt"] = scenario.prompt_at(win.first_new / fps)
    d["duration"] = win.length / fps
    d["start"] = start
    d["seed"] = seed
    d["num_samples"] = 1
    d["foot_cleanup"] = "none"
    d["sampler"] = {k: v for k, v in scenario.sampler.items() if k not in ("window", "overlap")}
    wps = sub_waypoints(scenario, win, fps)
    if wps is not None and any(p.get("heading") is not None for p in wps["points"]):
        d["waypoints"] = wps  # positions come with the route; headings are guided
    try:
        return parse_scenario(d, source=f"window {index}")
    except ScenarioError as exc:  # pragma: no cover - the full scenario was valid
        raise ScenarioError(f"window {index}: {exc}") from exc


def window_loss(scenario: Any, win: Window, fps: float, last: bool) -> Any:
    """The losses of ``scenario`` restricted to window ``win``'s frames, for the pure-guidance
    methods (``dps``, ``lgd_mc``) of a long motion. Terms that hold on every frame
    (obstacles, region, regularisers, user losses) are kept as they are; the timed ones
    are cut to the window:

    - a timed path: its per-frame targets over the window's frames (the same targets the
      whole motion has there, :class:`~motionlgd.losses.RouteLoss`);
    - a time-free path: the distance to the path on every frame, its end term in the last
      window only;
    - waypoints: those whose frame is one of the frames the window makes after its overlap
      (kept or not: a hand-over may move up to :data:`~motionlgd.pipeline.windows.MAX_SHIFT`
      frames later), at their time in it;
    - the goal: in the last window only (its final frame is the motion's).

    Returns:
        A :class:`~motionlgd.losses.WeightedSum` of per-sample ``(B,)`` losses (m, m^2).
    """
    from .losses import GoalLoss, NearestPathLoss, PathLoss, RouteLoss, Waypoint, WaypointLoss, WeightedSum

    T, w0, end = scenario.num_frames, win.start / fps, win.start + win.length
    everywhere, cut = [], []
    for name, weight, fn in scenario.build_loss().items:
        if name == "path" and isinstance(fn, PathLoss):
            cut.append((name, weight, RouteLoss(fn.targets(T, fps)[win.start : end])))
        elif name == "path" and isinstance(fn, NearestPathLoss):
            cut.append((name, weight, NearestPathLoss(fn.path, fn.end_weight if last else 0.0)))
        elif name == "waypoints" and isinstance(fn, WaypointLoss):
            points = [
                Waypoint(w.position, w.time - w0, w.heading)
                for w in fn.waypoints
                if win.first_new <= w.frame(fps, T) < end
            ]
            if points:
                cut.append((name, weight, WaypointLoss(points, fn.heading_weight)))
        elif name == "goal" and isinstance(fn, GoalLoss):
            if last:
                cut.append((name, weight, fn))
        else:
            everywhere.append((name, weight, fn))
    return WeightedSum(everywhere + cut)
