"""``motionlgd train``, ``eval`` and ``info``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import MotionLGDError

__all__ = ["cmd_eval", "cmd_info", "cmd_train"]


def cmd_train(args: argparse.Namespace) -> int:
    """``motionlgd train``."""
    from ..train import load_config, train

    cfg = load_config(args.config, data=args.data, out=args.out, init_from=args.init_from, max_steps=args.max_steps)
    result = train(
        cfg,
        export_only=args.export_only,
        resume=args.resume,
        device=args.device,
        max_minutes=args.max_minutes,
        export_to=args.export,
        progress=not args.quiet,
    )
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 reports
        print(f"checkpoint: {result.checkpoint} (step {result.step})")
        if result.exported:
            print(f"model written to {result.exported}")
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        from ..train.distributed import exit_process

        exit_process(0)  # a finished multi-process run exits 0 (see exit_process)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``motionlgd eval``."""
    import time

    from ..eval.suite import (
        ABLATIONS,
        DEFAULT_METHODS,
        METHODS,
        aggregate,
        build_suite,
        markdown_table,
        run_suite,
        write_results,
    )
    from ..io import check_writable
    from ..pipeline import resolve_model

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

    from ..models.checkpoint import load_model

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


def cmd_studio(args: argparse.Namespace) -> int:
    """``motionlgd studio``: serve until Ctrl+C."""
    import tempfile
    import time
    from pathlib import Path

    from ..errors import MotionLGDError
    from ..models.checkpoint import load_model
    from ..scenario import load_scenario
    from .parser import DEMOS, scenarios_dir

    try:
        from ..studio.app import StudioServer
    except ImportError as exc:
        raise MotionLGDError(f"the studio needs viser: pip install 'motionlgd[studio]' ({exc})") from exc
    start = load_scenario(args.scenario).to_dict() if args.scenario else None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"WARNING: listening on {args.host}: anyone who can reach this address can use the studio")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="motionlgd-studio-"))
    model = load_model(args.model, device=args.device)
    demos = {name: scenarios_dir() / f for name, f in DEMOS.items()}
    app = StudioServer(model, out, host=args.host, port=args.port, scenario=start, demos=demos)
    print(f"motionlgd studio: {app.url}  (jobs in {out}; Ctrl+C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        app.stop()


def cmd_batch(args: argparse.Namespace) -> int:
    """``motionlgd batch``: exit 0 when every job is done, 1 when some failed."""
    import signal

    from tqdm.auto import tqdm

    from ..batch import expand_spec, is_complete, run_batch

    spec = args.spec[0] if len(args.spec) == 1 else args.spec
    jobs = expand_spec(spec)
    done = sum(is_complete(Path(args.out), j.id) for j in jobs) if args.resume else 0
    print(f"{len(jobs)} jobs ({done} finished earlier) -> {args.out}", flush=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    bar = tqdm(total=len(jobs), initial=done, desc="jobs", disable=args.quiet)
    try:
        rows = run_batch(spec, args.out, address=args.address, workers=args.workers, device=args.device,
                         resume=args.resume, retries=args.retries, model=args.model, threads=args.threads,
                         engine=args.engine, on_row=lambda row: bar.update(1))  # fmt: skip
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted: finished jobs are kept; 'motionlgd batch ... -o {args.out} --resume' does the rest")
        return 130
    bar.close()
    failed = [r for r in rows if r["status"] == "failed"]
    print(f"{len(rows) - len(failed)} done, {len(failed)} failed; summary: {Path(args.out) / 'summary.csv'}")
    for r in failed:
        print(f"  {r['job']}: {r['error']}")
    return 1 if failed else 0
