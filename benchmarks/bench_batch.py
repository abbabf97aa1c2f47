"""Batch throughput on Ray: a 40-job sweep with 1 worker, then with 2 (one torch thread each),
in the same run; then a kill test: a 2-worker run is interrupted half way (SIGKILL of one
worker process, then SIGTERM of the driver) and ``--resume`` finishes the rest without redoing
a finished job.

    python benchmarks/bench_batch.py [--jobs 40]

Needs Ray (pip install 'motionlgd[scale]').
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BASE = {"prompt": "a person walks forward", "duration": 4.0, "path": {"points": [[0, 0], [0, 4]]},
        "obstacles": {"shapes": [{"type": "disc", "center": [0.1, 2.0], "radius": 0.3}]},
        "sampler": {"steps": 30}, "foot_cleanup": "none"}  # fmt: skip


def sweep(folder: Path, jobs: int) -> Path:
    (folder / "base.yaml").write_text(yaml.safe_dump(BASE))
    spec = {"sweep": {"base": "base.yaml", "seeds": jobs // 4,
                      "grid": {"obstacles.shapes.0.radius": [0.2, 0.3, 0.4, 0.5]}}}  # fmt: skip
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec))
    return folder / "sweep.yaml"


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=40)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    spec = sweep(tmp, args.jobs)
    base = [sys.executable, "-m", "motionlgd", "-q", "batch", str(spec), "--engine", "ray", "--threads", "1"]
    one = timed([*base, "-o", str(tmp / "one"), "--workers", "1"])
    two = timed([*base, "-o", str(tmp / "two"), "--workers", "2"])
    print(f"{args.jobs} jobs: 1 worker {one:.1f} s ({args.jobs / one:.2f} jobs/s), 2 workers {two:.1f} s "
          f"({args.jobs / two:.2f} jobs/s): {one / two:.2f}x")  # fmt: skip
    # kill test
    out = tmp / "killed"
    proc = subprocess.Popen([*base, "-o", str(out), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while sum(1 for _ in out.glob("job-*/metrics.json")) < args.jobs // 2:
        time.sleep(0.2)
    workers = subprocess.run(["pgrep", "-f", "ray::Worker"], capture_output=True, text=True).stdout.split()
    if workers:
        os.kill(int(workers[0]), signal.SIGKILL)
        print(f"killed worker process {workers[0]} (SIGKILL)")
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    finished_before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("job-*/motion.npz")}
    print(f"driver stopped (SIGTERM, exit {proc.returncode}) with {len(finished_before)} of {args.jobs} jobs done")
    subprocess.run([*base, "-o", str(out), "--workers", "2", "--resume"], check=True, capture_output=True)
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    redone = [j for j, t in finished_before.items() if (out / j / "motion.npz").stat().st_mtime_ns != t]
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"after --resume: {statuses}; finished jobs redone: {len(redone)}; "
          f"complete folders: {sum(1 for _ in out.glob('job-*/scenario.yaml'))}")  # fmt: skip


if __name__ == "__main__":
    main()
