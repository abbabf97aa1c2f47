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
from .errors import MissingDependencyError, MotionLGDError

DEMOS = {
    "obstacles": "obstacles.yaml",
    "s_path": "s_path.yaml",
    "square_waypoints": "square_waypoints.yaml",
    "long_route": "long_route.yaml",
    "corridor": "corridor.yaml",
}


def scenarios_dir() -> Path:
    """Folder of the demo scenarios shipped with the package."""
    return Path(__file__).resolve().parent / "assets" / "scenarios"


def _add_generation_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", required=True, help="output folder (motion.npz, metrics.json, scenario.yaml, video)")
    p.add_argument(
        "--method",
        choices=["precise", "none", "dps", "lgd-mc", "lgd_mc"],
        help="guidance method (default: the scenario's, else precise: planned route held exactly + LGD-MC on the rest)",
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
    _add_foot_cleanup(p, "after sampling")
    p.add_argument("--no-video", action="store_true", help="skip rendering the video")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")


def _add_foot_cleanup(p: argparse.ArgumentParser, when: str) -> None:
    """``--foot-cleanup {none,pin,steps}`` and its short form ``--clean-feet`` (= pin), one or
    the other."""
    from .scenario import FOOT_CLEANUP_CHOICES

    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--foot-cleanup",
        choices=list(FOOT_CLEANUP_CHOICES),
        dest="foot_cleanup",
        help=f"foot clean-up {when}: 'pin' pins the feet during their contacts; 'steps' re-plants "
        "shuffling feet as planted, lifted, alternating steps (for walking and running); 'none' turns "
        "off a scenario's foot_cleanup",
    )
    group.add_argument(
        "--clean-feet", action="store_const", const="pin", dest="foot_cleanup", help="same as --foot-cleanup pin"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``motionlgd`` command."""
    parser = argparse.ArgumentParser(
        prog="motionlgd", description="Controllable human motion synthesis with loss-guided diffusion."
    )
    parser.add_argument("--version", action="version", version=f"motionlgd {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only errors")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kw)

    g = add_parser("generate", help="generate motions for a scenario file")
    g.add_argument("scenario", nargs="?", help="scenario YAML file (optional: keywords only)")
    _add_generation_args(g)

    d = add_parser("demo", help="run a shipped demo scenario (default: obstacles) and render it")
    d.add_argument("name", nargs="?", default="obstacles", choices=sorted(DEMOS), help="which demo")
    _add_generation_args(d)

    r = add_parser("render", help="render a motion.npz to mp4/gif (and a top-down png)")
    r.add_argument("motion", help="motion.npz written by 'motionlgd generate'")
    r.add_argument("-o", "--out", required=True, help="output .mp4, .gif or .png (top-down plot)")
    r.add_argument("--backend", default="auto", help="auto, pyrender or matplotlib")
    r.add_argument("--size", default="640x480", help="WxH pixels")
    r.add_argument("--sample", type=int, help="render only this sample (default: all in one scene)")
    r.add_argument("--layout", default="together", choices=["together", "side_by_side"],
                   help="several samples in one scene (default) or one tile each")  # fmt: skip
    r.add_argument("--body", default="procedural", choices=["procedural", "anny", "smpl"],
                   help="body drawn: capsules (default), anny (pip install 'motionlgd[body]') or smpl")  # fmt: skip
    r.add_argument("--body-model", help="model file of the body (smpl: your SMPL model .npz)")
    r.add_argument("--shadows", action="store_true", help="directional shadows (pyrender; slower)")
    r.add_argument("--camera", default="follow", choices=["follow", "frame"], help="camera mode")
    r.add_argument("--overwrite", action="store_true")

    t = add_parser("train", help="train (or resume training) a model from a YAML config")
    t.add_argument("config", help="training config YAML")
    t.add_argument("--resume", action="store_true", help="continue the run's last checkpoint")
    t.add_argument("--device", default="cpu")
    t.add_argument("--data", help="mocap data folder (overrides the config)")
    t.add_argument("--out", help="checkpoint folder (default ~/.cache/motionlgd/train/NAME)")
    t.add_argument("--max-minutes", type=float, help="stop (after checkpointing) after this many minutes")
    t.add_argument("--export", help="write the finished EMA model to this folder")
    t.add_argument(
        "--export-only", action="store_true", help="write the checkpoint's EMA model to --export now, without training"
    )

    e = add_parser("export", help="export a motion.npz to BVH, npz or SMPL-style npz")
    e.add_argument("motion", help="motion.npz written by 'motionlgd generate' (or any npz with joints)")
    e.add_argument(
        "-o", "--out", required=True, help="output file; with several samples, _<i> is added before the suffix"
    )
    e.add_argument("--format", choices=["bvh", "npz", "smpl"], help="default: from the suffix (.bvh / .npz)")
    e.add_argument("--sample", type=int, help="export only this sample")
    e.add_argument("--up", choices=["y", "z"], default=None, help="up axis (bvh default y, smpl default z)")
    e.add_argument("--units", choices=["m", "cm"], default="m", help="BVH units")
    e.add_argument("--euler", default="ZXY", help="BVH Euler order (any of the 6, e.g. ZXY, XYZ)")
    _add_foot_cleanup(e, "before exporting")
    e.add_argument("--overwrite", action="store_true")

    im = add_parser("import", help="import a BVH clip as a motion.npz (22 joints, 20 fps, features)")
    im.add_argument("bvh", help="BVH file (CMU, SMPL-named, Mixamo-like, ACCAD or Daz joint names)")
    im.add_argument("-o", "--out", required=True, help="output .npz")
    im.add_argument("--scale", type=float, help="metres per file unit (default: guessed from the body size)")
    im.add_argument("--up", choices=["y", "z"], default="y", help="up axis of the file")
    im.add_argument("--text", default="", help="description stored with the motion")
    im.add_argument("--overwrite", action="store_true")

    ev = add_parser("eval", help="compare unguided, precise, DPS and LGD-MC on a scenario suite")
    ev.add_argument("suite", nargs="?", default="full", choices=["full", "quick"], help="full: 30 scenarios; quick: 4")
    ev.add_argument("-o", "--out", required=True, help="output folder (results.json, samples.csv, table.md, plot.png)")
    ev.add_argument("--seeds", type=int, help="samples (seeds) per scenario (default 4; quick 2)")
    ev.add_argument("--steps", type=int, help="sampling steps (default 50; quick 20)")
    ev.add_argument("--scale", type=float, help="guidance scale (default: the scenarios' default)")
    ev.add_argument(
        "--methods",
        help="comma-separated subset of unguided,precise,dps,lgd_mc_4,lgd_mc_16,lgd_mc_64 and the ablations "
        "plan_guided,plan_cond_only,precise_route_guided,precise_unaligned (default: unguided,precise,dps,lgd_mc_16)",
    )
    ev.add_argument("--model", help="model folder (default: the shipped model)")
    ev.add_argument("--device", default="cpu")
    ev.add_argument("--overwrite", action="store_true")

    i = add_parser("info", help="describe a model (default: the shipped one)")
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
    from .generation import generate
    from .io import check_writable, save_json, save_npz, staged_dir
    from .scenario import load_scenario, parse_scenario

    out = Path(args.out)
    names = ["motion.npz", "metrics.json", "scenario.yaml"] + ([] if args.no_video else ["video.mp4", "topdown.png"])
    check_writable([out / n for n in names], args.overwrite)
    sc = load_scenario(scenario) if scenario else parse_scenario({})
    overrides = _generation_overrides(args)
    model_spec = dict(sc.model)
    if args.model:
        model_spec["path"] = args.model
    from .generation import resolve_model

    model = resolve_model(model_spec, args.device)
    res = generate(
        sc, model=model, device=args.device, progress=not args.quiet, clean_feet=args.foot_cleanup, **overrides
    )
    m = res.metrics
    summary = ", ".join(f"{k}={v:.3f}" for k, v in m["mean"].items() if not k.startswith("loss_"))
    print(f"generated {m['num_samples']} motion(s) with {m['method']} in {m['time_s']:.1f} s: {summary}")
    with staged_dir(out, names, overwrite=args.overwrite) as stage:
        save_npz(
            stage / "motion.npz",
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
        save_json(stage / "metrics.json", res.metrics)
        (stage / "scenario.yaml").write_text(res.scenario.to_yaml())
        if not args.no_video:
            try:
                from .render import render_motion, render_topdown

                scene = _scene_from_scenario(res.scenario)
                render_motion(res.joints, stage / "video.mp4", fps=res.fps, scene=scene, progress=not args.quiet)
                render_topdown(res.joints, stage / "topdown.png", scene=scene)
            except (ImportError, MissingDependencyError) as exc:
                print(f"video skipped: {exc} (pip install 'motionlgd[render]')", file=sys.stderr)
    print(f"wrote {out}/ ({', '.join(n for n in names if (out / n).exists())})")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """``motionlgd render``."""
    from .errors import ShapeError
    from .render import render_motion, render_topdown
    from .scenario import parse_scenario

    joints, fps, data = _load_batch(Path(args.motion))
    if args.sample is not None:
        if not 0 <= args.sample < joints.shape[0]:
            raise ShapeError(f"--sample {args.sample} out of range: the file has {joints.shape[0]} sample(s)")
        joints = joints[args.sample : args.sample + 1]
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
            labels=_sample_labels(joints.shape[0], args.sample),
            layout=args.layout,
            body=args.body,
            body_model=args.body_model,
            shadows=args.shadows,
            camera=args.camera,
        )
    print(f"wrote {out}")
    return 0


def _sample_labels(n: int, sample: int | None) -> list[str] | None:
    """Legend labels ``sample i`` when a file holds several samples (None for a single one)."""
    if sample is not None:
        return [f"sample {sample}"]
    return [f"sample {i}" for i in range(n)] if n > 1 else None


def _load_batch(path: Path) -> tuple[Any, float, dict[str, Any]]:
    import numpy as np

    from .errors import ShapeError
    from .io import load_npz

    if not path.is_file():
        raise MotionLGDError(f"motion file not found: {path}")
    try:
        data = load_npz(path)
    except (ValueError, OSError) as exc:
        raise ShapeError(f"{path}: not a readable npz file ({exc})") from exc
    if "joints" not in data:
        raise ShapeError(f"{path}: has no 'joints' array")
    joints = np.asarray(data["joints"])
    if joints.ndim == 3:
        joints = joints[None]
        data = {k: (v[None] if k == "features" else v) for k, v in data.items()}
    if joints.ndim != 4 or joints.shape[2:] != (22, 3):
        raise ShapeError(f"{path}: joints must have shape (N, T, 22, 3) or (T, 22, 3), got {joints.shape}")
    fps = float(data["fps"]) if "fps" in data else 20.0
    return joints, fps, data


def cmd_export(args: argparse.Namespace) -> int:
    """``motionlgd export``."""
    from .export import clean_feet, export_motion
    from .io import check_writable
    from .motion.motion import Motion

    joints, fps, data = _load_batch(Path(args.motion))
    idx = list(range(joints.shape[0]))
    if args.sample is not None:
        if not 0 <= args.sample < joints.shape[0]:
            raise MotionLGDError(f"--sample {args.sample} out of range: the file has {joints.shape[0]} sample(s)")
        idx = [args.sample]
    out = Path(args.out)
    outs = [out] if len(idx) == 1 else [out.with_name(f"{out.stem}_{i}{out.suffix}") for i in idx]
    check_writable(outs, args.overwrite)
    fmt = args.format or ("bvh" if out.suffix.lower() == ".bvh" else "npz" if out.suffix.lower() == ".npz" else None)
    if fmt is None:
        raise MotionLGDError(f"cannot tell the format from {out.name!r}: pass --format bvh|npz|smpl")
    options: dict[str, Any] = {"overwrite": args.overwrite}
    if fmt == "bvh":
        options.update(units=args.units, euler_order=args.euler.upper(), up=args.up or "y")
    elif fmt == "smpl" and args.up:
        options["up"] = args.up
    meta: dict[str, Any] = {}
    for k in ("scenario", "metrics"):
        if k in data:
            meta[k] = str(data[k])
    cleanup = None if args.foot_cleanup in (None, "none") else args.foot_cleanup
    for i, path in zip(idx, outs):
        feats = data["features"][i] if "features" in data and cleanup is None else None
        motion = Motion(
            joints=joints[i], features=feats, fps=fps, text=str(data.get("prompt", "")), metadata={**meta, "sample": i}
        )
        if cleanup is not None:
            res = clean_feet(motion, method=cleanup)
            print(f"sample {i}: foot skating {res.metrics['skating_before']:.3f} -> {res.metrics['skating_after']:.3f}")
            motion = Motion(joints=res.joints, fps=fps, text=motion.text, metadata=motion.metadata)
        export_motion(motion, path, format=fmt, **options)
        print(f"wrote {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``motionlgd import``."""
    from .data.importers import import_bvh
    from .io import check_writable, save_npz

    out = Path(args.out)
    check_writable([out], args.overwrite)
    m = import_bvh(args.bvh, scale=args.scale, up=args.up, text=args.text)
    arrays: dict[str, Any] = {"joints": m.joints[None], "fps": m.fps, "prompt": m.text}
    if m.features is not None:
        arrays["features"] = m.features[None]
    save_npz(out, arrays, overwrite=args.overwrite)
    print(f"imported {m.num_frames} frames ({m.duration:.1f} s at {m.fps:g} fps) -> {out}")
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
        export_only=args.export_only,
        resume=args.resume,
        device=args.device,
        max_minutes=args.max_minutes,
        export_to=args.export,
        progress=not args.quiet,
    )
    print(f"checkpoint: {ckpt}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``motionlgd eval``."""
    import time

    from .eval.suite import (
        ABLATIONS,
        DEFAULT_METHODS,
        METHODS,
        aggregate,
        build_suite,
        markdown_table,
        run_suite,
        write_results,
    )
    from .generation import resolve_model
    from .io import check_writable

    out = Path(args.out)
    check_writable([out / n for n in ("results.json", "samples.csv", "table.md", "plot.png")], args.overwrite)
    quick = args.suite == "quick"
    methods = tuple(m for m in METHODS if m.name in DEFAULT_METHODS)
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",") if m.strip()]
        known = {m.name: m for m in METHODS + ABLATIONS}
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            raise MotionLGDError(f"--methods: unknown method(s) {unknown}; choose from {list(known)}")
        methods = tuple(known[w] for w in dict.fromkeys(wanted))
    seeds = args.seeds or (2 if quick else 4)
    steps = args.steps or (20 if quick else 50)
    model = resolve_model({"path": args.model} if args.model else {}, args.device)
    scenarios = build_suite(quick)
    t0 = time.time()
    echo = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    rows = run_suite(
        model, scenarios, methods, seeds=seeds, steps=steps, device=args.device, scale=args.scale, on_progress=echo
    )
    agg = aggregate(rows, methods)
    meta = {
        "suite": args.suite,
        "scenarios": len(scenarios),
        "seeds": seeds,
        "steps": steps,
        "model": model.name,
        "device": args.device,
        "total_s": time.time() - t0,
    }
    write_results(out, rows, agg, meta, overwrite=args.overwrite)
    print(markdown_table(agg))
    print(
        f"\n{len(scenarios)} scenarios x {seeds} seeds x {len(methods)} methods, {steps} steps, in {meta['total_s']:.0f} s; wrote {out}/"
    )
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
        commands = {
            "render": cmd_render,
            "train": cmd_train,
            "info": cmd_info,
            "eval": cmd_eval,
            "export": cmd_export,
            "import": cmd_import,
        }
        if args.command in commands:
            return commands[args.command](args)
    except MotionLGDError as exc:
        if args.debug:
            raise
        print(f"motionlgd: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("motionlgd: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"motionlgd: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
