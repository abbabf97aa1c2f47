"""The ``motionlgd`` argument parser (every sub-command's options, in one place)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import __version__

__all__ = ["DEMOS", "build_parser", "scenarios_dir"]

DEMOS = {
    "obstacles": "obstacles.yaml",
    "s_path": "s_path.yaml",
    "square_waypoints": "square_waypoints.yaml",
    "long_route": "long_route.yaml",
    "corridor": "corridor.yaml",
}


def scenarios_dir() -> Path:
    """Folder of the demo scenarios shipped with the package."""
    return Path(__file__).resolve().parents[1] / "assets" / "scenarios"


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
    p.add_argument("--no-video", action="store_true", help="skip rendering the video (topdown.png is still drawn)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")


def _add_foot_cleanup(p: argparse.ArgumentParser, when: str) -> None:
    """``--foot-cleanup {none,pin,steps}`` and its short form ``--clean-feet`` (= pin), one or
    the other."""
    from ..scenario import FOOT_CLEANUP_CHOICES

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

    r = add_parser("render", help="render a motion.npz to mp4/gif, a still png/jpg, or a top-down plot")
    r.add_argument("motion", help="motion.npz written by 'motionlgd generate'")
    r.add_argument("-o", "--out", required=True, help="output .mp4 or .gif (video), .png or .jpg (still, see --frame)")
    r.add_argument("--frame", type=int, help="frame of a still picture (default: the last; negative counts back)")
    r.add_argument("--topdown", action="store_true", help="draw the root paths seen from above (.png) instead")
    r.add_argument(
        "--facing", action="store_true", help="with --topdown: arrows where the body faces (red: away from travel)"
    )
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
    t.add_argument(
        "--data",
        help="mocap data folder, relative to the current folder (overrides $MOTIONLGD_DATA and the config's data:)",
    )
    t.add_argument("--init-from", help="start from this checkpoint, model folder or run:NAME (overrides the config)")
    t.add_argument("--out", help="checkpoint folder (default ~/.cache/motionlgd/train/NAME)")
    t.add_argument(
        "--max-steps",
        type=int,
        help="train to this step (overrides the config; with --resume: continue a finished run)",
    )
    t.add_argument("--max-minutes", type=float, help="stop (after checkpointing) after this many minutes")
    t.add_argument("--export", help="write the finished EMA model to this folder")
    t.add_argument(
        "--export-only", action="store_true", help="write the checkpoint's EMA model to --export now, without training"
    )

    e = add_parser("export", help="export a motion.npz to BVH, glTF (.glb), npz or SMPL-style npz")
    e.add_argument("motion", help="motion.npz written by 'motionlgd generate' (or any npz with joints)")
    e.add_argument(
        "-o",
        "--out",
        required=True,
        help="output file; a file with several samples writes one file each, OUT_0.bvh, OUT_1.bvh, ... "
        "(--sample I writes only OUT)",
    )
    e.add_argument(
        "--format", choices=["bvh", "glb", "npz", "smpl"], help="default: from the suffix (.bvh / .glb / .npz)"
    )
    e.add_argument("--sample", type=int, help="export only this sample")
    e.add_argument("--up", choices=["y", "z"], default=None, help="up axis (bvh default y, smpl default z)")
    e.add_argument("--units", choices=["m", "cm"], default=None, help="BVH units (default: the rig's, m for smpl)")
    e.add_argument(
        "--rig",
        choices=["smpl", "mixamo"],
        default="smpl",
        help="joint names and conventions (bvh, glb): smpl = SMPL names, m; mixamo = mixamorig:Hips ..., cm",
    )
    e.add_argument("--rest-pose", choices=["t", "a"], default=None, help="rest pose of the skeleton (default: t)")
    e.add_argument(
        "--body", choices=["capsule", "none"], default="capsule", help="glb: skinned capsule body or bare skeleton"
    )
    e.add_argument("--euler", default="ZXY", help="BVH Euler order (any of the 6, e.g. ZXY, XYZ)")
    _add_foot_cleanup(e, "before exporting")
    e.add_argument("--overwrite", action="store_true")

    im = add_parser("import", help="import a BVH clip as a motion.npz (22 joints, 20 fps, features)")
    im.add_argument("bvh", help="BVH file (CMU, SMPL-named, Mixamo-like, ACCAD or Daz joint names)")
    im.add_argument("-o", "--out", required=True, help="output .npz")
    im.add_argument("--scale", type=float, help="metres per file unit (default: guessed from the body size)")
    im.add_argument("--up", choices=["y", "z"], default=None, help="up axis of the file (default: detect)")
    im.add_argument("--text", default="", help="description stored with the motion")
    im.add_argument("--overwrite", action="store_true")

    ev = add_parser("eval", help="compare unguided, precise, DPS and LGD-MC on a scenario suite")
    ev.add_argument("suite", nargs="?", default="full", choices=["full", "quick"], help="full: 33 scenarios; quick: 4")
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

    b = add_parser("batch", help="generate many scenarios x seeds (a folder, files or a sweep) on Ray, resumably")
    b.add_argument("spec", nargs="+", help="scenario files, folders of them, or a sweep file")
    b.add_argument("-o", "--out", required=True, help="output folder: one folder per job, summary.csv")
    b.add_argument("--address", help="Ray cluster: auto or ray://HOST:PORT (default: a local Ray instance)")
    b.add_argument("--workers", type=int, default=1, help="Ray workers; each loads the model once (default 1)")
    b.add_argument("--threads", type=int, help="CPUs / torch threads per worker (default: CPUs / workers)")
    b.add_argument("--device", default="cpu", help="cpu or cuda (one GPU per worker)")
    b.add_argument("--resume", action="store_true", help="skip jobs whose outputs are complete")
    b.add_argument("--retries", type=int, default=2, help="extra attempts for a failing job (default 2)")
    b.add_argument("--model", help="model folder (default: the shipped model)")
    b.add_argument("--engine", choices=["auto", "ray", "local"], default="auto",
                   help="ray, local (this process, 1 worker) or auto (Ray when installed)")  # fmt: skip

    st = add_parser("studio", help="draw routes and obstacles in the browser, generate, watch, download")
    st.add_argument("scenario", nargs="?", help="scenario YAML every new tab starts from (default: an empty walk)")
    st.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    st.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    st.add_argument("--model", help="model folder (default: the shipped model)")
    st.add_argument("--device", default="cpu", help="cpu or cuda")
    st.add_argument("--out", help="folder for the generated jobs (default: a new temporary folder)")
    return parser
