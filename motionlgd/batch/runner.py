"""Run a batch of jobs on Ray (or in this process), resumably.

Each job writes ``OUT/<job id>/`` (``motion.npz``, ``metrics.json``, ``scenario.yaml``, the
files of ``motionlgd generate --no-video``) through a staging folder that is moved into place
only when complete, so a crash loses only the jobs in flight. ``resume=True`` skips every job
whose folder is complete (checked on disk, not in a log). ``OUT/summary.csv`` gets one row
per job: id, status, attempts, seconds, error, the spec's values, the mean metrics.

Ray (the ``[scale]`` extra): with no ``address`` a local Ray instance on this machine, with one
an existing cluster (``auto`` or ``ray://host:port``). Each worker is a Ray actor that loads
the model once and takes jobs one at a time; ``workers`` actors of ``threads`` CPUs each (torch
threads set to match) and, with ``device="cuda"``, one GPU each. A worker that dies is
replaced and its job retried; a job that keeps failing is reported, the others go on.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import MotionLGDError
from .spec import BatchJob, expand_spec

__all__ = ["OUTPUTS", "BatchError", "is_complete", "run_batch"]

log = logging.getLogger(__name__)

#: The files of a finished job.
OUTPUTS: tuple[str, ...] = ("motion.npz", "metrics.json", "scenario.yaml")
_METRICS = ("path_error_mean_m", "waypoint_error_mean_m", "goal_error_m", "obstacle_penetrated",
            "foot_skating_ratio", "constraints_met")  # fmt: skip


class BatchError(MotionLGDError):
    """A batch cannot start: Ray missing or unreachable, an output folder in the way."""


def is_complete(out: Path, job_id: str) -> bool:
    """Whether the job's output folder holds all of :data:`OUTPUTS`."""
    return all((out / job_id / name).is_file() for name in OUTPUTS)


class Worker:
    """Loads the model once and runs jobs (a Ray actor, or used directly in this process)."""

    def __init__(self, model_path: str | None, device: str, threads: int) -> None:
        import torch

        from ..models.checkpoint import load_model

        torch.set_num_threads(max(1, int(threads)))
        self.model = load_model(model_path, device=device)

    def pid(self) -> int:
        return os.getpid()

    def run(self, job_id: str, scenario: dict[str, Any], out: str) -> dict[str, Any]:
        """Generate one job into ``out/job_id`` (all files or none); returns seconds and metrics."""
        from ..cli.generate import write_motion_files
        from ..io import staged_dir
        from ..pipeline import generate
        from ..scenario import parse_scenario

        t0 = time.perf_counter()
        res = generate(parse_scenario(scenario, source=job_id), model=self.model, device=self.model.device)
        with staged_dir(Path(out) / job_id, OUTPUTS, overwrite=True) as stage:
            write_motion_files(res, stage)
        return {"seconds": time.perf_counter() - t0, "mean": res.metrics.get("mean", {})}


def _row(job: BatchJob, status: str, attempts: int, seconds: float, error: str, mean: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"job": job.id, "status": status, "attempts": attempts, "seconds": round(seconds, 3),
                           "error": error}  # fmt: skip
    row.update({k: v for k, v in job.values.items()})
    row.update({k: mean[k] for k in _METRICS if k in mean})
    return row


def _finished_row(out: Path, job: BatchJob) -> dict[str, Any]:
    import json

    metrics = json.loads((out / job.id / "metrics.json").read_text())
    return _row(job, "done (earlier run)", 0, float(metrics.get("time_s", 0.0)), "", metrics.get("mean", {}))


def write_summary(out: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """``out/summary.csv`` (atomic), one row per job, columns in first-seen order."""
    from ..io import atomic_write

    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            for row in rows:
                w.writerow({k: (v if not isinstance(v, (list, dict)) else repr(v)) for k, v in row.items()})

    return atomic_write(out / "summary.csv", write, overwrite=True)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast (``BatchError``) when nothing listens at a ``host:port`` or ``ray://host:port``
    address (Ray itself waits minutes for a head node that is not there)."""
    import socket

    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and other forms: Ray's own error is quick and clear
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise BatchError(f"cannot reach Ray at {address}: nothing answers at {host}:{port} ({exc})") from exc


def _ray_executor(address: str | None, workers: int, threads: int, device: str, model: str | None) -> Any:
    try:
        import ray
    except ImportError as exc:
        raise BatchError("this batch needs Ray: pip install 'motionlgd[scale]' (or run with --workers 1)") from exc
    import signal
    import threading

    if address:
        _check_reachable(address)
    main = threading.current_thread() is threading.main_thread()
    caller_sigterm = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if address:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        else:
            ray.init(num_cpus=workers * threads, include_dashboard=False, ignore_reinit_error=True,
                     log_to_driver=False)  # fmt: skip
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError: Ray reports all of these
        raise BatchError(f"cannot start or reach Ray at {address or 'a local instance'}: {exc}") from exc
    if main and caller_sigterm is not None:
        signal.signal(signal.SIGTERM, caller_sigterm)  # Ray installs its own; the caller's stops cleanly
    gpus = 1 if str(device).startswith("cuda") else 0
    actor = ray.remote(num_cpus=threads, num_gpus=gpus, max_restarts=0)(Worker)
    return ray, lambda: actor.remote(model, device, threads)


def run_batch(
    spec: Any,
    out: str | os.PathLike[str],
    address: str | None = None,
    workers: int = 1,
    device: str = "cpu",
    resume: bool = False,
    retries: int = 2,
    model: str | None = None,
    threads: int | None = None,
    engine: str = "auto",
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every job of ``spec`` (see :func:`motionlgd.batch.expand_spec`) into ``out``.

    Args:
        spec: folder, file(s) or sweep (see :mod:`motionlgd.batch.spec`).
        out: output folder (one sub-folder per job, ``summary.csv``).
        address: Ray cluster (``auto``, ``ray://host:port``); None: a local Ray instance.
        workers: Ray actors (each loads the model once).
        device: ``cpu`` or ``cuda`` (one GPU per worker).
        resume: skip complete jobs; without it a folder that already holds finished jobs is
            refused (nothing is overwritten).
        retries: extra attempts for a failed job (a dead worker is replaced first).
        model: model folder (default: the shipped model).
        threads: CPUs (torch threads) per worker; default: this machine's CPUs / workers.
        engine: ``ray``, ``local`` (this process, one worker) or ``auto`` (Ray when
            installed or when ``address``/``workers > 1`` need it, else local).
        on_row: called with each job's summary row as it finishes (progress).

    Returns:
        The summary rows (also written to ``out/summary.csv``).
    """
    jobs = expand_spec(spec)
    out = Path(out)
    finished = [j for j in jobs if is_complete(out, j.id)]
    if finished and not resume:
        raise BatchError(f"{out} already holds {len(finished)} finished job(s) of this spec: pass --resume to skip "
                         "them, or choose another folder")  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    threads = threads or max(1, (os.cpu_count() or 1) // max(1, workers))
    if engine == "auto":
        try:
            import ray  # noqa: F401

            engine = "ray"
        except ImportError:
            engine = "local"
    if engine == "local" and (workers > 1 or address):
        raise BatchError("more than one worker or a cluster address needs Ray: pip install 'motionlgd[scale]'")
    rows = {j.id: _finished_row(out, j) for j in finished}
    todo = deque(j for j in jobs if j.id not in rows)

    def record(row: dict[str, Any]) -> None:
        rows[row["job"]] = row
        if on_row is not None:
            on_row(row)

    try:
        if todo and engine == "local":
            _run_local(todo, out, device, model, threads, retries, record)
        elif todo:
            _run_ray(todo, out, address, workers, threads, device, model, retries, record)
    finally:
        for j in jobs:
            rows.setdefault(j.id, _row(j, "not run", 0, 0.0, "interrupted", {}))
        write_summary(out, [rows[j.id] for j in jobs])
    return [rows[j.id] for j in jobs]


def _run_local(todo: deque[BatchJob], out: Path, device: str, model: str | None, threads: int, retries: int,
               record: Callable[[dict[str, Any]], None]) -> None:  # fmt: skip
    worker = Worker(model, device, threads)
    while todo:
        job = todo.popleft()
        for attempt in range(1, retries + 2):
            try:
                res = worker.run(job.id, job.scenario, str(out))
                record(_row(job, "done", attempt, res["seconds"], "", res["mean"]))
                break
            except Exception as exc:
                if attempt == retries + 1:
                    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    record(_row(job, "failed", attempt, 0.0, message, {}))


def _run_ray(todo: deque[BatchJob], out: Path, address: str | None, workers: int, threads: int, device: str,
             model: str | None, retries: int, record: Callable[[dict[str, Any]], None]) -> None:  # fmt: skip
    ray, new_actor = _ray_executor(address, workers, threads, device, model)
    actors = [new_actor() for _ in range(min(workers, len(todo)))]
    attempts: dict[str, int] = {}
    running: dict[Any, tuple[int, BatchJob]] = {}

    def submit(i: int) -> None:
        job = todo.popleft()
        attempts[job.id] = attempts.get(job.id, 0) + 1
        running[actors[i].run.remote(job.id, job.scenario, str(out))] = (i, job)

    try:
        for i in range(len(actors)):
            if todo:
                submit(i)
        _drain(ray, running, todo, actors, attempts, submit, new_actor, retries, record)
    finally:
        for actor in actors:  # free the workers (and their GPUs) now, not when the driver exits
            with contextlib.suppress(Exception):
                ray.kill(actor)
        if not address:
            ray.shutdown()


def _drain(ray: Any, running: dict[Any, tuple[int, BatchJob]], todo: deque[BatchJob], actors: list[Any],
           attempts: dict[str, int], submit: Callable[[int], None], new_actor: Callable[[], Any], retries: int,
           record: Callable[[dict[str, Any]], None]) -> None:  # fmt: skip
    """Collect finished jobs, replace dead workers, retry or report failures, keep workers busy."""
    from ray.exceptions import RayActorError, RayTaskError

    while running:
        (ref,), _ = ray.wait(list(running), num_returns=1)
        i, job = running.pop(ref)
        try:
            res = ray.get(ref)
            record(_row(job, "done", attempts[job.id], res["seconds"], "", res["mean"]))
        except (RayActorError, RayTaskError) as exc:
            died = isinstance(exc, RayActorError)
            if died:
                log.warning("worker %d died during %s; starting a new one", i, job.id)
                actors[i] = new_actor()
            cause = getattr(exc, "cause", None) or exc
            message = "worker died" if died else str(cause).strip().splitlines()[-1]
            if attempts[job.id] <= retries:
                todo.appendleft(job)
            else:
                record(_row(job, "failed", attempts[job.id], 0.0, message, {}))
        if todo:
            submit(i)
