"""``motionlgd generate`` and ``motionlgd demo``: run a scenario, write its outputs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError

__all__ = ["run_generation", "scene_from_scenario"]


def _generation_overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("method", "n", "scale", "steps", "sampler", "seed", "prompt", "duration"):
        v = getattr(args, k)
        if v is not None:
            out[k] = v.replace("-", "_") if k == "method" else v
    if args.num_samples is not None:
        out["num_samples"] = args.num_samples
    return out


def scene_from_scenario(sc: Any) -> Any:
    from ..render import SceneSpec

    return SceneSpec(
        path=None
        if sc.path is None
        else sc.path_targets()
        if sc.path.get("mode", "timed") == "timed"
        else sc.path["points"],
        waypoints=(sc.waypoints or {}).get("points", []),
        obstacles=(sc.obstacles or {}).get("shapes", []),
        goal=sc.goal,
        region=sc.region,
        title=sc.prompt,
        titles=[(p.get("until"), p["text"]) for p in sc.prompts] if len(sc.prompts) > 1 else (),
    )


def write_motion_files(res: Any, folder: Path) -> None:
    """``motion.npz``, ``metrics.json`` and ``scenario.yaml`` of a generation result in ``folder``
    (the files ``motionlgd generate`` and the studio write)."""
    from ..io import save_json, save_npz

    save_npz(
        folder / "motion.npz",
        {
            "joints": res.joints,
            # cleaned joints no longer match the model's features: keep only the joints
            **({} if res.metrics.get("clean_feet") else {"features": res.features}),
            "fps": res.fps,
            "prompt": res.scenario.prompt,
            "seed": res.scenario.seed,
            "scenario": res.scenario.to_yaml(),
            "metrics": json.dumps(res.metrics),
        },
    )
    save_json(folder / "metrics.json", res.metrics)
    (folder / "scenario.yaml").write_text(res.scenario.to_yaml())


def run_generation(scenario: Any, args: argparse.Namespace) -> int:
    """Generate, then write motion.npz, metrics.json, scenario.yaml, topdown.png and (unless
    ``--no-video``) video.mp4."""
    from ..io import check_writable, staged_dir
    from ..pipeline import generate
    from ..scenario import load_scenario, parse_scenario

    out = Path(args.out)
    names = ["motion.npz", "metrics.json", "scenario.yaml", "topdown.png"] + ([] if args.no_video else ["video.mp4"])
    check_writable([out / n for n in names], args.overwrite)
    sc = load_scenario(scenario) if scenario else parse_scenario({})
    overrides = _generation_overrides(args)
    model_spec = dict(sc.model)
    if args.model:
        model_spec["path"] = args.model
    from ..pipeline import resolve_model

    model = resolve_model(model_spec, args.device)
    res = generate(
        sc, model=model, device=args.device, progress=not args.quiet, clean_feet=args.foot_cleanup, **overrides
    )
    m = res.metrics
    summary = ", ".join(f"{k}={v:.3f}" for k, v in m["mean"].items() if not k.startswith("loss_"))
    print(f"generated {m['num_samples']} motion(s) with {m['method']} in {m['time_s']:.1f} s: {summary}")
    with staged_dir(out, names, overwrite=args.overwrite) as stage:
        write_motion_files(res, stage)
        _render_outputs(res, stage, video=not args.no_video, progress=not args.quiet)
    print(f"wrote {out}/ ({', '.join(n for n in names if (out / n).exists())})")
    return 0


def _render_outputs(res: Any, stage: Path, video: bool, progress: bool) -> None:
    """``topdown.png`` always (a quick matplotlib plot), ``video.mp4`` unless ``--no-video``;
    both skipped with a message when the ``render`` extra is not installed."""
    try:
        from ..render import render_motion, render_topdown

        scene = scene_from_scenario(res.scenario)
        render_topdown(res.joints, stage / "topdown.png", scene=scene)
        if video:
            render_motion(res.joints, stage / "video.mp4", fps=res.fps, scene=scene, progress=progress)
    except (ImportError, MissingDependencyError) as exc:
        print(f"pictures skipped: {exc} (pip install 'motionlgd[render]')", file=sys.stderr)
