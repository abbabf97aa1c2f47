"""The studio's generation queue: outputs, downloads from the job folder only, cancel, failures."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import motionlgd
from motionlgd.data.bvh import read_bvh
from motionlgd.errors import MotionLGDError
from motionlgd.studio import JobQueue

SCENARIO = {"prompt": "a person walks", "duration": 2.0, "path": {"points": [[0, 0], [0, 2]]},
            "sampler": {"steps": 4}, "seed": 3}  # fmt: skip


def _wait(job, timeout: float = 120.0) -> None:
    done = threading.Event()
    job.on_done = lambda _: done.set()
    if job.status in ("done", "failed", "cancelled"):
        return
    assert done.wait(timeout), f"job {job.id} did not finish"


@pytest.fixture(scope="module")
def queue(tiny_model_dir, tmp_path_factory) -> JobQueue:
    q = JobQueue(motionlgd.load_model(tiny_model_dir), tmp_path_factory.mktemp("studio_jobs"))
    yield q
    q.shutdown()


def test_job_writes_what_generate_writes_and_matches_the_cli(queue: JobQueue, tiny_model_dir) -> None:
    seen = []
    job = queue.submit(dict(SCENARIO), on_progress=lambda j: seen.append(j.progress))
    _wait(job)
    assert job.status == "done" and seen and seen[-1] == 1.0
    assert {p.name for p in job.folder.iterdir()} == {"motion.npz", "metrics.json", "scenario.yaml"}
    # the same scenario from the API (as `motionlgd generate` runs it) gives the same motion
    res = motionlgd.generate(dict(SCENARIO), model=motionlgd.load_model(tiny_model_dir))
    with np.load(job.folder / "motion.npz") as z:
        np.testing.assert_allclose(z["joints"], res.joints, atol=1e-5)
    bvh = read_bvh(queue.file(job.id, "bvh", rig="mixamo"))
    assert bvh.num_frames == 40 and bvh.names[0] == "mixamorig:Hips"
    assert queue.file(job.id, "yaml").read_text().startswith("prompt:")
    with pytest.raises(MotionLGDError, match="unknown download"):
        queue.file(job.id, "../../etc/passwd")
    with pytest.raises(KeyError):
        queue.file(999, "npz")


def test_cancel_stops_a_running_job_and_the_queue_goes_on(queue: JobQueue) -> None:
    slow = queue.submit({**SCENARIO, "sampler": {"steps": 100}})
    slow.on_progress = lambda j: j.cancel() if j.progress > 0.1 else None
    _wait(slow)
    assert slow.status == "cancelled" and not slow.folder.exists()
    queued = queue.submit(dict(SCENARIO))
    queued.cancel()  # cancelled before it starts: never runs
    _wait(queued)
    assert queued.status == "cancelled"
    after = queue.submit(dict(SCENARIO))
    _wait(after)
    assert after.status == "done"


def test_failed_job_reports_one_line_and_the_server_goes_on(queue: JobQueue) -> None:
    walled = {**SCENARIO, "obstacles": {"shapes": [{"type": "disc", "center": [0, 0], "radius": 1.0}]}}
    bad = queue.submit(walled)  # the start lies inside an obstacle
    _wait(bad)
    assert bad.status == "failed" and "\n" not in bad.error and "obstacle" in bad.error
    with pytest.raises(MotionLGDError, match="no outputs"):
        queue.file(bad.id, "npz")
    ok = queue.submit(dict(SCENARIO))
    _wait(ok)
    assert ok.status == "done" and Path(ok.folder / "motion.npz").is_file()


def test_a_reused_output_folder_keeps_its_old_jobs(tiny_model_dir, tmp_path: Path) -> None:
    (tmp_path / "job-0003").mkdir()
    q = JobQueue(motionlgd.load_model(tiny_model_dir), tmp_path)
    try:
        job = q.submit(dict(SCENARIO))
        _wait(job)
        assert job.id == 4 and job.status == "done" and (tmp_path / "job-0004" / "motion.npz").is_file()
    finally:
        q.shutdown()
