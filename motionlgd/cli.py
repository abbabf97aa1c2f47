"""Command-line interface: ``motionlgd generate|demo|render|train|info``.

Errors raised on purpose by the library (``MotionLGDError``) are printed as one line
and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .errors import MissingDependencyError, MotionLGDError, OutputExistsError

DEMOS = {
    "obstacles": "obstacles.yaml",
    "s_path": "s_path.yaml",
    "square_waypoints": "square_waypoints.yaml",
    "corridor": "corridor.yaml",
}


def scenarios_dir() -> Path:
    """Folder of the demo scenarios shipped with the package."""
    return Path(__file__).resolve().parent / "assets" / "scenarios"


def _add_generation_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", required=True, help="output folder (motion.npz, metrics.json, scenario.yaml, video)")
    p.add_argument(
        "--method",
        choices=["none", "dps", "lgd-mc", "lgd_mc"],
        help="guidance method (default: the scenario's, else lgd-mc)",
    )
    p.add_argument("--n", type=int, help="Monte Carlo samples per step for lgd-mc")
    p.add_argument("--scale", type=float, help="guidance scale")
    p.add_argument("--steps", type=int, help="sampling steps")
    p.add_argument("--sampler", choices=["ddim", "ddpm"], help="sampler")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--num-samples", type=int, help="number of motions to generate")
    p.add_argument("--prompt", help="text prompt (overrides the scenario's)")
    p.add_argument("--duration", type=float, help="seconds (overrides the scenario's)")
    p.add_argument("--model", help="model folder (default: the shipped model)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--no-video", action="store_true", help="skip rendering the video")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``motionlgd`` command."""
    parser = argparse.ArgumentParser(
        prog="motionlgd", description="Controllable human motion synthesis with loss-guided diffusion."
    )
    parser.add_argument("--version", action="version", version=f"motionlgd {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="generate motions for a scenario file")
    g.add_argument("scenario", nargs="?", help="scenario YAML file (optional: keywords only)")
    _add_generation_args(g)

    d = sub.add_parser("demo", help="run a shipped demo scenario (default: obstacles) and render it")
    d.add_argument("name", nargs="?", default="obstacles", choices=sorted(DEMOS), help="which demo")
    _add_generation_args(d)

    r = sub.add_parser("render", help="render a motion.npz to mp4/gif (and a top-down png)")
    r.add_argument("motion", help="motion.npz written by 'motionlgd generate'")
    r.add_argument("-o", "--out", required=True, help="output .mp4, .gif or .png (top-down plot)")
    r.add_argument("--backend", default="auto", help="auto, pyrender or matplotlib")
    r.add_argument("--size", default="640x480", help="WxH pixels")
    r.add_argument("--sample", type=int, help="render only this sample (default: all in one scene)")
    r.add_argument("--overwrite", action="store_true")

    t = sub.add_parser("train", help="train (or resume training) a model from a YAML config")
    t.add_argument("config", help="training config YAML")
    t.add_argument("--resume", action="store_true", help="continue the run's last checkpoint")
    t.add_argument("--device", default="cpu")
    t.add_argument("--data", help="mocap data folder (overrides the config)")
    t.add_argument("--out", help="checkpoint folder (default ~/.cache/motionlgd/train/NAME)")
    t.add_argument("--max-minutes", type=float, help="stop (after checkpointing) after this many minutes")
    t.add_argument("--export", help="write the finished EMA model to this folder")

    i = sub.add_parser("info", help="describe a model (default: the shipped one)")
    i.add_argument("--model", help="model folder")
    return parser


def _generation_overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("method", "n", "scale", "steps", "sampler", "seed", "prompt", "duration"):
        v = getattr(args, k)
        if v is not None:
            out[k] = v.replace("-", "_") if k == "method" else v
    if args.num_samples is not None:
        out["num_samples"] = args.num_samples
    return out


def _scene_from_scenario(sc: Any) -> Any:
    from .render import SceneSpec

    return SceneSpec(
        path=None
        if sc.path is None
        else sc.path_targets()
        if sc.path.get("mode", "timed") == "timed"
        else sc.path["points"],
        waypoints=(sc.waypoints or {}).get("points", []),
        obstacles=(sc.obstacles or {}).get("shapes", []),
        title=sc.prompt,
    )


def run_generation(scenario: Any, args: argparse.Namespace) -> int:
    """Generate, then write motion.npz, metrics.json, scenario.yaml, video.mp4, topdown.png."""
    from .generate import generate
    from .io import check_writable, save_json, save_npz
    from .scenario import load_scenario, parse_scenario

    out = Path(args.out)
    names = ["motion.npz", "metrics.json", "scenario.yaml"] + ([] if args.no_video else ["video.mp4", "topdown.png"])
    check_writable([out / n for n in names], args.overwrite)
    sc = load_scenario(scenario) if scenario else parse_scenario({})
    overrides = _generation_overrides(args)
    model_spec = dict(sc.model)
    if args.model:
        model_spec["path"] = args.model
    from .generate import resolve_model

    model = resolve_model(model_spec, args.device)
    res = generate(sc, model=model, device=args.device, progress=not args.quiet, **overrides)
    out.mkdir(parents=True, exist_ok=True)
    save_npz(
        out / "motion.npz",
        {
            "joints": res.joints,
            "features": res.features,
            "fps": res.fps,
            "prompt": res.scenario.prompt,
            "seed": res.scenario.seed,
            "scenario": res.scenario.to_yaml(),
            "metrics": json.dumps(res.metrics),
        },
        overwrite=args.overwrite,
    )
    save_json(out / "metrics.json", res.metrics, overwrite=args.overwrite)
    from .io import atomic_write

    atomic_write(out / "scenario.yaml", lambda p: p.write_text(res.scenario.to_yaml()), overwrite=args.overwrite)
    m = res.metrics
    summary = ", ".join(f"{k}={v:.3f}" for k, v in m["mean"].items() if not k.startswith("loss_"))
    print(f"generated {m['num_samples']} motion(s) with {m['method']} in {m['time_s']:.1f} s: {summary}")
    if not args.no_video:
        try:
            from .render import render_motion, render_topdown

            scene = _scene_from_scenario(res.scenario)
            video = render_motion(
                res.joints,
                out / "video.mp4",
                fps=res.fps,
                scene=scene,
                overwrite=args.overwrite,
                progress=not args.quiet,
            )
            render_topdown(res.joints, out / "topdown.png", scene=scene, overwrite=args.overwrite)
            print(f"video: {video}")
        except (ImportError, MissingDependencyError) as exc:
            print(f"video skipped: {exc} (pip install 'motionlgd[render]')", file=sys.stderr)
    print(f"wrote {out}/")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """``motionlgd render``."""
    import numpy as np

    from .errors import ShapeError
    from .io import load_npz
    from .render import render_motion, render_topdown
    from .scenario import parse_scenario

    src = Path(args.motion)
    if not src.is_file():
        raise MotionLGDError(f"motion file not found: {src}")
    try:
        data = load_npz(src)
    except (ValueError, OSError) as exc:
        raise ShapeError(f"{src}: not a readable npz file ({exc})") from exc
    if "joints" not in data:
        raise ShapeError(f"{src}: has no 'joints' array")
    joints = np.asarray(data["joints"])
    if joints.ndim == 3:
        joints = joints[None]
    if args.sample is not None:
        if not 0 <= args.sample < joints.shape[0]:
            raise ShapeError(f"--sample {args.sample} out of range: the file has {joints.shape[0]} sample(s)")
        joints = joints[args.sample : args.sample + 1]
    fps = float(data["fps"]) if "fps" in data else 20.0
    scene = None
    if "scenario" in data:
        import yaml

        scene = _scene_from_scenario(parse_scenario(yaml.safe_load(str(data["scenario"]))))
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError as exc:
        raise MotionLGDError(f"--size must look like 640x480, got {args.size!r}") from exc
    out = Path(args.out)
    if out.suffix.lower() == ".png":
        render_topdown(joints, out, scene=scene, overwrite=args.overwrite)
    else:
        render_motion(
            joints,
            out,
            fps=fps,
            scene=scene,
            backend=args.backend,
            size=(w, h),
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    print(f"wrote {out}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """``motionlgd train``."""
    from .train import load_config, train

    cfg = load_config(args.config)
    if args.data:
        cfg.data = args.data
    if args.out:
        cfg.out = args.out
    ckpt = train(
        cfg,
        resume=args.resume,
        device=args.device,
        max_minutes=args.max_minutes,
        export_to=args.export,
        progress=not args.quiet,
    )
    print(f"checkpoint: {ckpt}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """``motionlgd info``."""
    import time

    from .models.checkpoint import load_model

    t = time.time()
    m = load_model(args.model)
    n = sum(p.numel() for p in m.net.parameters())
    print(f"model: {m.name} ({n / 1e6:.2f} M parameters), loaded in {time.time() - t:.2f} s")
    print(
        f"text encoder: {m.text_encoder.name}; schedule: {m.schedule.kind} x {m.schedule.num_steps}; fps {m.fps:g}; max {m.max_frames} frames"
    )
    if "training" in m.config:
        print("training: " + json.dumps(m.config["training"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``motionlgd`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        if args.command == "generate":
            return run_generation(args.scenario, args)
        if args.command == "demo":
            return run_generation(scenarios_dir() / DEMOS[args.name], args)
        if args.command == "render":
            return cmd_render(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "info":
            return cmd_info(args)
    except OutputExistsError as exc:
        if args.debug:
            raise
        print(f"motionlgd: error: {exc}", file=sys.stderr)
        return 2
    except MotionLGDError as exc:
        if args.debug:
            raise
        print(f"motionlgd: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("motionlgd: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
