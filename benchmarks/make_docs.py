"""Regenerate every picture, table and number the README and docs show, from the current code
and the shipped model.

    python benchmarks/make_docs.py                      # everything (about 20 min on 2 cores)
    python benchmarks/make_docs.py --only obstacles,compare,footsteps,long_route   # the quick ones

Each job writes its pictures to ``docs/images/`` and its numbers to ``docs/figures.json``
(merged: jobs not run keep their last figures), then every marked number in the docs is
rewritten from that file. A number in the docs is marked ``<!--fig:KEY-->17.5<!--/fig-->``
and a whole table ``<!--fig:KEY-->`` + newline + table + ``<!--/fig-->``;
``tests/test_docs_figures.py`` checks that every marked number equals the file, and that the
demo commands print the figures the README quotes.

Jobs: ``obstacles`` (README hero pictures: ``motionlgd demo obstacles``), ``compare``
(``side_by_side.png``, the four methods of ``demos/python_api.py``), ``footsteps``
(``footsteps.png``), ``long_route`` (``long_route_topdown.png``: ``motionlgd demo long_route``),
``long_bench`` (the long-motion table: ``benchmarks/bench_long.py``), ``pace`` (route speed
and skating-gap tables: ``benchmarks/route_speed.py``, ``benchmarks/skating_gap.py``),
``model`` (the model's walking figures: ``benchmarks/model_quality.py``), ``eval`` (the results
tables and ``eval_plot.png``: ``motionlgd eval full -o results --seeds 4 --steps 50``), ``export``
(docs/export.md's Blender figures and ``glb_blender.png``; needs ``blender``, else skipped),
``studio`` (``studio.png`` and the click-to-playback time; needs Chromium, else skipped),
``paper`` (docs/paper.md: LGD-MC against DPS, ``benchmarks/paper_sweep.py``).
The training curve of the model card comes from the training logs
(``benchmarks/plot_training.py``), not from here.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
FIGURES = ROOT / "docs" / "figures.json"
MARKED_DOCS = ["README.md", "demos/README.md", "docs/*.md", "motionlgd/assets/default/MODEL_CARD.md"]
MARK = re.compile(r"<!--fig:([A-Za-z0-9_.]+)-->(.*?)<!--/fig-->", re.S)
COMPARE = {"none": "unguided", "dps": "DPS", "lgd_mc": "LGD-MC", "precise": "precise"}


def _cm(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}"


def job_obstacles(model: Any) -> dict[str, str]:
    """``motionlgd demo obstacles`` (the scenario's own settings), pictured as in the README."""
    import motionlgd
    from motionlgd.cli import scenarios_dir, scene_from_scenario
    from motionlgd.render import render_motion, render_topdown

    res = motionlgd.generate(scenarios_dir() / "obstacles.yaml", model=model)
    scene = scene_from_scenario(res.scenario)
    render_motion(
        res.joints, IMAGES / "obstacles_frame.png", scene=scene, frame=100, overwrite=True, backend="pyrender"
    )
    render_topdown(res.joints, IMAGES / "obstacles_topdown.png", scene=scene, overwrite=True)
    m = res.metrics["mean"]
    if m["obstacle_penetrated"] > 0:
        print("WARNING: the README says no disc is entered, but this run enters one", file=sys.stderr)
    return {
        "obstacles.path_cm": _cm(m["path_error_mean_m"]),
        "obstacles.skate_clean": f"{m['foot_skating_ratio']:.2f}",
        "obstacles.skate_raw": f"{m['foot_skating_before_cleanup']:.2f}",
    }


def job_compare(model: Any) -> dict[str, str]:
    """The four methods of ``demos/python_api.py`` on the obstacle course, side by side."""
    import motionlgd
    from motionlgd.cli import scenarios_dir
    from motionlgd.render import SceneSpec, render_motion

    sc = motionlgd.load_scenario(scenarios_dir() / "obstacles.yaml")
    out, joints = {}, []
    for method in COMPARE:
        res = motionlgd.generate(sc, model=model, method=method, steps=100)  # python_api.py's calls
        out[f"compare.{method}_cm"] = _cm(res.metrics["mean"]["path_error_mean_m"], 0)
        joints.append(res.joints[:1])
    arr = np.concatenate(joints)
    spec = SceneSpec(path=sc.path_targets(), obstacles=sc.obstacles["shapes"])
    render_motion(arr, IMAGES / "side_by_side.png", scene=spec, labels=list(COMPARE.values()), layout="side_by_side",
                  size=(1280, 400), camera="frame", frame=arr.shape[1] * 2 // 3, overwrite=True)  # fmt: skip
    return out


def job_footsteps(model: Any) -> dict[str, str]:
    """``benchmarks/plot_footsteps.py``: one raw walk and its two foot clean-ups."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from plot_footsteps import plot

    skating = plot(model, IMAGES / "footsteps.png")
    return {f"footsteps.{k}": f"{v:.2f}" for k, v in skating.items()}


def job_long_route(model: Any) -> dict[str, str]:
    """``motionlgd demo long_route``: the top-down picture, its figures and a small video
    (480x360, re-encoded to under 1 MB for the repository: ``long_route.mp4``)."""
    import imageio_ffmpeg

    import motionlgd
    from motionlgd.cli import scenarios_dir, scene_from_scenario
    from motionlgd.render import render_motion, render_topdown

    res = motionlgd.generate(scenarios_dir() / "long_route.yaml", model=model)
    scene = scene_from_scenario(res.scenario)
    render_topdown(res.joints, IMAGES / "long_route_topdown.png", scene=scene, overwrite=True)
    with tempfile.TemporaryDirectory() as tmp:
        video = render_motion(res.joints, Path(tmp) / "long.mp4", scene=scene, size=(480, 360))
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(video), "-c:v", "libx264",
               "-crf", "30", "-preset", "slow", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]  # fmt: skip
        subprocess.run([*cmd, str(IMAGES / "long_route.mp4")], check=True)
    m = res.metrics["mean"]
    lgd = motionlgd.generate(scenarios_dir() / "long_route.yaml", model=model, method="lgd_mc")  # --method lgd-mc
    render_topdown(lgd.joints, IMAGES / "long_route_lgd_mc.png", scene=scene, overwrite=True)
    g = lgd.metrics["mean"]
    return {
        "long.path_cm": _cm(m["path_error_mean_m"]),
        "long.seams": str(len(res.metrics["windows"]) - 1),
        "long.seam_mm": f"{1000 * m['seam_max_jump']:.0f}",
        "long.inner_p95_mm": f"{1000 * m['inner_p95_jump']:.0f}",
        "long.lgd_path_m": f"{g['path_error_mean_m']:.1f}",
        "long.lgd_penetrated": "yes" if g["obstacle_penetrated"] else "no",
        "long.lgd_seam_mm": f"{1000 * g['seam_max_jump']:.0f}",
        "long.lgd_inner_p95_mm": f"{1000 * g['inner_p95_jump']:.0f}",
    }


def job_model(model: Any) -> dict[str, str]:
    """``benchmarks/model_quality.py --samples 32 --steps 100``: the model card's walking figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "quality.json"
        cmd = [sys.executable, str(ROOT / "benchmarks" / "model_quality.py"), "--samples", "32", "--steps", "100"]
        subprocess.run([*cmd, "--json", str(out)], check=True, cwd=ROOT)
        q = json.loads(out.read_text())
    walk = q["prompts"]["a person walks forward"]
    cleaned = {m: q["info"][f"(walks forward, foot clean-up {m})"] for m in ("pin", "steps")}
    return {
        "model.walk_speed": f"{walk['root_speed_mps']:.2f}",
        "model.walk_skating": f"{walk['foot_skating_ratio']:.2f}",
        "model.walk_switches": f"{walk['contact_switches']:.1f}",
        "model.skating_pin": f"{cleaned['pin']['foot_skating_ratio']:.2f}",
        "model.skating_steps": f"{cleaned['steps']['foot_skating_ratio']:.2f}",
        "model.checks_passed": str(sum(bool(v) for v in q["checks"].values())),
    }


def _readme_table(agg: dict[str, Any]) -> str:
    cols = [("path_error_mean_m", "path err (cm)", 1), ("path_detour_mean_m", "forced detour (cm)", 1),
            ("waypoint_error_mean_m", "waypoint err (cm)", 1), ("goal_error_m", "goal err (cm)", 1),
            ("all_constraints_met", "all constraints met", 2), ("obstacle_penetrated", "penetration rate", 2),
            ("foot_skating_ratio", "foot skate (raw)", 2), ("jerk", "jerk (m/s^3)", 1),
            ("s_per_6s_clip", "s / 6 s clip", 2)]  # fmt: skip
    names = {"none": "unguided", "unguided": "unguided", "precise": "**precise** (default)", "dps": "DPS",
             "lgd_mc_16": "LGD-MC n=16"}  # fmt: skip
    lines = ["| method | " + " | ".join(c[1] for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for method, a in agg.items():
        cells = []
        for key, _, digits in cols:
            mean, half = a.get(key, (float("nan"), 0.0))
            show = key not in ("path_detour_mean_m",) or method == "precise"
            cells.append(f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if digits == 1 and half > 0.05 else "")
                         if show and mean == mean else "-")  # fmt: skip
        lines.append(f"| {names.get(method, method)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _group_path_cm(samples_csv: Path, method: str) -> dict[str, float]:
    """Mean path error (cm) of ``method`` per scenario group (``path_``, ``obstacles_``)."""
    import csv

    with open(samples_csv, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["method"] == method and r.get("path_error_mean_m")]
    return {
        g: 100 * float(np.mean([float(r["path_error_mean_m"]) for r in rows if r["scenario"].startswith(g)]))
        for g in ("path_", "obstacles_")
    }


#: ``--eval-from DIR``: an output folder of that same eval command, read instead of running it.
EVAL_FROM: Path | None = None


def job_eval(model: Any) -> dict[str, str]:
    """``motionlgd eval full -o results --seeds 4 --steps 50``: the README and results tables."""
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = str(EVAL_FROM or tmp_dir)
        if EVAL_FROM is None:
            cmd = ["motionlgd", "eval", "full", "-o", tmp, "--seeds", "4", "--steps", "50", "--overwrite"]
            subprocess.run(cmd, check=True, cwd=ROOT)
        res = json.loads((Path(tmp) / "results.json").read_text())
        table = (Path(tmp) / "table.md").read_text().strip()
        shutil.copy(Path(tmp) / "plot.png", IMAGES / "eval_plot.png")
        groups = _group_path_cm(Path(tmp) / "samples.csv", "precise")
    agg, meta = res["aggregate"], res["meta"]
    pre, ung, lgd = agg["precise"], agg["unguided"], agg["lgd_mc_16"]
    off = [lgd[k][0] / 100 for k in ("path_error_mean_m", "waypoint_error_mean_m", "goal_error_m")]
    return {
        "eval.paths_path_cm": f"{groups['path_']:.1f}",
        "eval.obstacles_path_cm": f"{groups['obstacles_']:.1f}",
        "eval.precise_all_met": f"{pre['all_constraints_met'][0]:.2f}",
        "eval.lgd_mc_off_m": f"{min(off):.1f}-{max(off):.1f}",
        "eval.readme_table": _readme_table(agg),
        "eval.full_table": table,
        "eval.total_s": f"{meta['total_s']:.0f}",
        "eval.precise_path_cm": f"{pre['path_error_mean_m'][0]:.1f}",
        "eval.precise_skate": f"{pre['foot_skating_ratio'][0]:.2f}",
        "eval.unguided_skate": f"{ung['foot_skating_ratio'][0]:.2f}",
        "eval.jerk_ratio": f"{pre['jerk'][0] / ung['jerk'][0]:.2f}",
        "eval.precise_s_clip": f"{pre['s_per_6s_clip'][0]:.2f}",
    }


def _blender_run(script: Path, *args: str) -> None:
    """Run a script in headless Blender; PATH keeps only system folders, because Debian's Blender
    embeds the system Python and takes its library (numpy) from the first ``python3.11`` on it."""
    import os

    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep) if d.startswith(("/usr/", "/bin", "/sbin")))
    cmd = ["blender", "--background", "--factory-startup", "--python-exit-code", "1", "--python", str(script)]
    subprocess.run([*cmd, "--", *args], check=True, env=env, capture_output=True, timeout=900)


def job_export(model: Any) -> dict[str, str]:
    """docs/export.md: a generated walk exported to BVH and GLB, imported by headless Blender
    (joint error and root tilt, as ``tests/export/test_blender.py`` checks them) and the GLB
    rendered there with Cycles (``glb_blender.png``). Needs ``blender`` on the PATH."""
    import motionlgd
    from motionlgd.export import export_bvh, export_glb

    if shutil.which("blender") is None:
        print("export: skipped (blender not on the PATH; docs keep their last figures)")
        return {}
    joints = np.asarray(
        motionlgd.generate(prompt="a person walks forward", duration=6.0, seed=0, model=model).joints[0]
    )
    figures: dict[str, str] = {}
    tilts = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "bvh": (export_bvh(joints, Path(tmp) / "walk.bvh"), ["--up", "y"]),
            "bvh_z": (
                export_bvh(joints, Path(tmp) / "walk_z.bvh", up="z", units="cm"),
                ["--up", "z", "--scale", "0.01"],
            ),
            "glb": (export_glb(joints, Path(tmp) / "walk.glb"), []),
        }
        for key, (path, extra) in files.items():
            out = Path(tmp) / f"{key}.json"
            _blender_run(ROOT / "tests" / "export" / "blender_dump.py", str(path), str(out), *extra)
            dump = json.loads(out.read_text())
            names = list(dump["names"])
            heads = np.asarray(dump["heads"])[:, [names.index(n) for n in motionlgd.motion.JOINT_NAMES]]
            figures[f"export.blender_{key}_cm"] = _cm(float(np.linalg.norm(heads - joints, axis=-1).mean()), 2)
            R = np.asarray(dump["root_rotation"])
            tilts.append(float(np.degrees(np.arccos(np.clip(R[:, 1, 1], -1.0, 1.0))).max()))
        _blender_run(
            ROOT / "benchmarks" / "blender_render_glb.py", str(files["glb"][0]), str(IMAGES / "glb_blender.png"), "60"
        )
        figures["export.glb_kb"] = f"{files['glb'][0].stat().st_size / 1024:.0f}"
    figures["export.root_tilt_max"] = f"{max(tilts):.1f}"
    return figures


def job_long_bench(model: Any) -> dict[str, str]:
    """``python benchmarks/bench_long.py``: the 10 / 30 / 60 / 120 s table of docs/long.md and
    docs/results.md (each duration in a fresh process; about a minute on 2 cores)."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_long.py")], check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout  # fmt: skip
    table = "\n".join(line for line in out.splitlines() if line.startswith("|"))
    return {"long.bench_table": table}


def _table_of(script: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout  # fmt: skip
    return "\n".join(line for line in out.splitlines() if line.startswith("|"))


def job_pace(model: Any) -> dict[str, str]:
    """``python benchmarks/route_speed.py`` and ``python benchmarks/skating_gap.py``: the pace
    table of docs/control.md and the skating diagnosis of docs/results.md (about 4 min)."""
    return {"pace.speed_table": _table_of("route_speed.py"), "pace.gap_table": _table_of("skating_gap.py")}


#: ``--paper-from DIR``: a finished ``benchmarks/paper_sweep.py -o DIR`` folder, read instead of running it.
PAPER_FROM: Path | None = None


def job_paper(model: Any) -> dict[str, str]:
    """``python benchmarks/paper_sweep.py -o DIR`` (about 30 min on 2 cores): docs/paper.md's
    table, ``paper_sweep.png`` and the README's LGD-MC against DPS figures."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from paper_plot import plot
    from paper_sweep import summarise, table

    with tempfile.TemporaryDirectory() as tmp_dir:
        out = PAPER_FROM or Path(tmp_dir)
        if PAPER_FROM is None:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "paper_sweep.py"), "-o", str(out)], check=True)
        summary = summarise(out)
    plot(summary, IMAGES / "paper_sweep.png")
    figures = {"paper.table": table(summary)}
    for name in ("unguided", "dps_s2.5", "dps_s5", "dps_s7.5", "dps_s10", "lgd_mc_n1_s5", "lgd_mc_n16_s5",
                 "lgd_mc_n64_s5", "lgd_mc_n16_s10", "lgd_mc_n16_s10_r0.25", "lgd_mc_n16_s7.5_r0.25",
                 "lgd_mc_n16_s5_alldims"):  # fmt: skip
        c, key = summary[name], name.replace(".", "")
        figures[f"paper.{key}_pen"] = f"{c['obstacle_penetrated'][0]:.2f}"
        figures[f"paper.{key}_goal"] = f"{c['goal_error_m'][0]:.2f}"
    figures["paper.ess_n16"] = f"{summary['lgd_mc_n16_s5']['mean_ess'][0]:.1f}"
    figures["paper.ms_per_step_dps"] = f"{1000 * summary['dps_s5']['s_per_step'][0]:.0f}"
    figures["paper.ms_per_step_n64"] = f"{1000 * summary['lgd_mc_n64_s5']['s_per_step'][0]:.0f}"
    return figures


def job_studio(model: Any) -> dict[str, str]:
    """``benchmarks/studio_shot.py``: the studio screenshot (``studio.png``) and the time from
    clicking Generate to playback of a 6 s clip. Needs Chromium + chromedriver, else skipped."""
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("studio: skipped (chromium / chromedriver not installed; docs keep their last figures)")
        return {}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "studio_shot.py")], check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout  # fmt: skip
    found = dict(re.findall(r"(\w+_s)=([0-9.]+)", out))
    return {"studio.generate_s": f"{float(found['generate_s']):.1f}",
            "studio.click_to_playback_s": f"{float(found['click_to_playback_s']):.1f}"}  # fmt: skip


JOBS: dict[str, Callable[[Any], dict[str, str]]] = {
    "obstacles": job_obstacles,
    "compare": job_compare,
    "footsteps": job_footsteps,
    "long_route": job_long_route,
    "long_bench": job_long_bench,
    "pace": job_pace,
    "model": job_model,
    "eval": job_eval,
    "export": job_export,
    "studio": job_studio,
    "paper": job_paper,
}


def marked_files() -> list[Path]:
    """The Markdown files whose ``<!--fig:KEY-->`` marks this script fills."""
    return sorted({p for pattern in MARKED_DOCS for p in ROOT.glob(pattern)})


def fill(text: str, figures: dict[str, str], strict: bool = True) -> str:
    """``text`` with every mark's value replaced by ``figures[KEY]`` (a table keeps its newlines);
    a mark with no figure raises ``KeyError``, or (``strict=False``) is left as it is."""

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in figures:
            if not strict:
                return m.group(0)
            raise KeyError(f"docs mark {key!r} has no figure in {FIGURES.name}")
        value = figures[key]
        if m.group(2).startswith("\n"):
            value = f"\n{value}\n"
        return f"<!--fig:{key}-->{value}<!--/fig-->"

    return MARK.sub(sub, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help=f"comma-separated jobs (default: all of {', '.join(JOBS)})")
    ap.add_argument("--eval-from", type=Path, help="the eval job reads this finished `motionlgd eval full` folder")
    ap.add_argument("--paper-from", type=Path, help="the paper job reads this finished paper_sweep.py folder")
    args = ap.parse_args()
    global EVAL_FROM, PAPER_FROM
    EVAL_FROM, PAPER_FROM = args.eval_from, args.paper_from
    names = [n.strip() for n in args.only.split(",")] if args.only else list(JOBS)
    unknown = sorted(set(names) - set(JOBS))
    if unknown:
        ap.error(f"unknown job(s) {unknown}; choose from {list(JOBS)}")
    import motionlgd

    model = motionlgd.load_model()
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    for name in names:
        t0 = time.time()
        new = JOBS[name](model)
        figures.update(new)
        FIGURES.write_text(json.dumps(dict(sorted(figures.items())), indent=1) + "\n")
        print(f"{name}: {time.time() - t0:.0f} s; " + ", ".join(f"{k}={v}" for k, v in new.items() if "\n" not in v))
    for path in marked_files():
        text = path.read_text()
        new_text = fill(text, figures, strict=False)  # jobs never run keep their text
        if new_text != text:
            path.write_text(new_text)
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
