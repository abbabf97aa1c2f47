"""The studio's generation queue: one model, one worker thread, jobs run one at a time.

Each job generates a scenario with the server's model and writes ``motion.npz``,
``metrics.json`` and ``scenario.yaml`` into its own folder under the server's output
folder (``job-0001`` ...), exactly as ``motionlgd generate --no-video`` does. Downloads are
made from those folders only: a client names a job and a kind of file, never a path.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MotionLGDError

__all__ = ["DOWNLOADS", "GenerationCancelledError", "Job", "JobQueue"]

log = logging.getLogger(__name__)

#: What a job's folder can hand out, by kind: file name made on demand.
DOWNLOADS: dict[str, str] = {
    "npz": "motion.npz",
    "yaml": "scenario.yaml",
    "metrics": "metrics.json",
    "bvh": "motion.bvh",
    "glb": "motion.glb",
    "mp4": "video.mp4",
}


class GenerationCancelledError(MotionLGDError):
    """A job was cancelled while it ran."""


@dataclass
class Job:
    """One generation request.

    Attributes:
        id: ``1, 2, ...`` in submission order.
        scenario: the scenario mapping (validated when submitted).
        folder: where its outputs go.
        status: ``queued``, ``running``, ``done``, ``failed`` or ``cancelled``.
        progress: fraction of sampling steps done, 0..1.
        error: one-line error of a failed job.
        metrics: the generation's metrics (done jobs).
        seconds: wall time from start to outputs written.
    """

    id: int
    scenario: dict[str, Any]
    folder: Path
    on_progress: Callable[[Job], None] | None = None
    on_done: Callable[[Job], None] | None = None
    status: str = "queued"
    progress: float = 0.0
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    result: Any = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Stop the job: a queued job never starts, a running one stops at its next step."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class JobQueue:
    """Runs jobs one after another on a worker thread with one loaded model.

    Args:
        model: the loaded :class:`~motionlgd.models.bundle.MotionModel` (loaded once per server).
        out_root: the server's output folder; each job writes ``job-NNNN/`` in it.
    """

    def __init__(self, model: Any, out_root: str | Path) -> None:
        self.model = model
        self.out_root = Path(out_root)
        self.out_root.mkdir(parents=True, exist_ok=True)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: dict[int, Job] = {}
        taken = [int(f.name[4:]) for f in self.out_root.glob("job-*") if f.name[4:].isdigit()]
        self._ids = itertools.count(max(taken, default=0) + 1)  # a reused --out keeps its old jobs
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="motionlgd-studio-jobs", daemon=True)
        self._worker.start()

    def submit(
        self,
        scenario: dict[str, Any],
        on_progress: Callable[[Job], None] | None = None,
        on_done: Callable[[Job], None] | None = None,
    ) -> Job:
        """Queue a scenario mapping; ``on_progress(job)`` / ``on_done(job)`` are called from the
        worker thread."""
        with self._lock:
            job_id = next(self._ids)
            job = Job(job_id, scenario, self.out_root / f"job-{job_id:04d}", on_progress, on_done)
            self._jobs[job_id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: int) -> Job:
        """The job with this id (``KeyError`` if none)."""
        return self._jobs[int(job_id)]

    def file(self, job_id: int, kind: str, **options: Any) -> Path:
        """A finished job's file of ``kind`` (:data:`DOWNLOADS`), made on demand inside the job's
        folder (``bvh`` takes :func:`~motionlgd.export.export_bvh` options, ``mp4`` the
        render's ``size``). Never opens a path given by a client."""
        if kind not in DOWNLOADS:
            raise MotionLGDError(f"unknown download {kind!r}; expected one of {', '.join(DOWNLOADS)}")
        job = self.get(job_id)
        if job.status != "done":
            raise MotionLGDError(f"job {job_id} has no outputs ({job.status})")
        path = job.folder / DOWNLOADS[kind]
        if kind in ("bvh", "glb"):
            from ..export import export_motion

            export_motion(job.result.motions[0], path, format=kind, overwrite=True, **options)
        elif kind == "mp4" and not path.exists():
            from ..cli.generate import scene_from_scenario
            from ..render import render_motion

            render_motion(job.result.joints, path, scene=scene_from_scenario(job.result.scenario), **options)
        return path

    def shutdown(self) -> None:
        """Cancel everything and stop the worker."""
        for job in self._jobs.values():
            job.cancel()
        self._queue.put(None)

    # -- worker ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.cancelled:
                job.status = "cancelled"
                self._notify(job.on_done, job)
                continue
            self._execute(job)
            self._notify(job.on_done, job)

    def _execute(self, job: Job) -> None:
        from ..cli.generate import write_motion_files
        from ..pipeline import generate
        from ..scenario import parse_scenario

        job.status = "running"
        t0 = time.perf_counter()

        def report(done: int, total: int) -> None:
            if job.cancelled:
                raise GenerationCancelledError(f"job {job.id} cancelled")
            job.progress = done / max(total, 1)
            self._notify(job.on_progress, job)

        try:
            sc = parse_scenario(job.scenario, source=f"job {job.id}")
            res = generate(sc, model=self.model, device=self.model.device, progress=report)
            job.folder.mkdir(parents=True, exist_ok=False)
            write_motion_files(res, job.folder)
            job.result, job.metrics, job.status = res, res.metrics, "done"
        except GenerationCancelledError:
            job.status = "cancelled"
        except MotionLGDError as exc:
            job.status, job.error = "failed", str(exc).splitlines()[0]
        except Exception as exc:
            log.exception("studio job %d failed", job.id)
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}: {exc}"
        job.seconds = time.perf_counter() - t0
        job.progress = 1.0 if job.status == "done" else job.progress

    @staticmethod
    def _notify(callback: Callable[[Job], None] | None, job: Job) -> None:
        if callback is None:
            return
        try:
            callback(job)
        except GenerationCancelledError:
            raise
        except Exception:
            log.exception("studio callback failed for job %d", job.id)
