"""``motionlgd render``, ``export`` and ``import``: motion files in and out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import MotionLGDError
from .generate import scene_from_scenario

__all__ = ["cmd_export", "cmd_import", "cmd_render", "load_batch"]


def cmd_render(args: argparse.Namespace) -> int:
    """``motionlgd render``."""
    from ..errors import ShapeError
    from ..render import render_motion, render_topdown
    from ..scenario import parse_scenario

    joints, fps, data = load_batch(Path(args.motion))
    if args.sample is not None:
        if not 0 <= args.sample < joints.shape[0]:
            raise ShapeError(f"--sample {args.sample} out of range: the file has {joints.shape[0]} sample(s)")
        joints = joints[args.sample : args.sample + 1]
    scene = None
    if "scenario" in data:
        import yaml

        scene = scene_from_scenario(parse_scenario(yaml.safe_load(str(data["scenario"]))))
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError as exc:
        raise MotionLGDError(f"--size must look like 640x480, got {args.size!r}") from exc
    out = Path(args.out)
    labels = _sample_labels(joints.shape[0], args.sample)
    ids = None if args.sample is None else [args.sample]  # a sample keeps its colour when drawn alone
    if args.facing and not args.topdown:
        raise MotionLGDError("--facing draws on the top-down picture: add --topdown")
    if args.topdown:
        if out.suffix.lower() != ".png":
            raise MotionLGDError(f"--topdown draws a PNG picture: give -o a .png name, got {out.name!r}")
        render_topdown(
            joints,
            out,
            scene=scene,
            labels=labels,
            overwrite=args.overwrite,
            sample_ids=ids,
            facing=args.facing,
            fps=fps,
        )
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
            labels=labels,
            layout=args.layout,
            body=args.body,
            body_model=args.body_model,
            shadows=args.shadows,
            camera=args.camera,
            frame=args.frame,
            sample_ids=ids,
        )
    print(f"wrote {out}")
    return 0


def _sample_labels(n: int, sample: int | None) -> list[str] | None:
    """Legend labels ``sample i`` when a file holds several samples (None for a single one)."""
    if sample is not None:
        return [f"sample {sample}"]
    return [f"sample {i}" for i in range(n)] if n > 1 else None


def load_batch(path: Path) -> tuple[Any, float, dict[str, Any]]:
    import numpy as np

    from ..errors import ShapeError
    from ..io import load_npz

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
    from ..export import clean_feet, export_motion
    from ..io import check_writable
    from ..motion.motion import Motion

    joints, fps, data = load_batch(Path(args.motion))
    idx = list(range(joints.shape[0]))
    if args.sample is not None:
        if not 0 <= args.sample < joints.shape[0]:
            raise MotionLGDError(f"--sample {args.sample} out of range: the file has {joints.shape[0]} sample(s)")
        idx = [args.sample]
    out = Path(args.out)
    outs = [out] if len(idx) == 1 else [out.with_name(f"{out.stem}_{i}{out.suffix}") for i in idx]
    check_writable(outs, args.overwrite)
    if len(outs) > 1:
        print(f"{len(outs)} samples: one file each ({outs[0].name} ... {outs[-1].name}); --sample I writes one file")
    fmt = args.format or {".bvh": "bvh", ".npz": "npz", ".glb": "glb"}.get(out.suffix.lower())
    if fmt is None:
        raise MotionLGDError(f"cannot tell the format from {out.name!r}: pass --format bvh|glb|npz|smpl")
    options: dict[str, Any] = {"overwrite": args.overwrite}
    if fmt == "bvh":
        options.update(
            units=args.units, euler_order=args.euler.upper(), up=args.up, rig=args.rig, rest_pose=args.rest_pose
        )
    elif fmt == "glb":
        if args.up not in (None, "y") or args.units not in (None, "m"):
            raise MotionLGDError("glTF is always metres, Y up: drop --up / --units for --format glb")
        options.update(body=args.body, rig=args.rig, rest_pose=args.rest_pose)
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
    from ..data.importers import import_bvh
    from ..io import check_writable, save_npz

    out = Path(args.out)
    check_writable([out], args.overwrite)
    m = import_bvh(args.bvh, scale=args.scale, up=args.up, text=args.text)
    arrays: dict[str, Any] = {"joints": m.joints[None], "fps": m.fps, "prompt": m.text}
    if m.features is not None:
        arrays["features"] = m.features[None]
    save_npz(out, arrays, overwrite=args.overwrite)
    print(f"imported {m.num_frames} frames ({m.duration:.1f} s at {m.fps:g} fps) -> {out}")
    return 0
