"""Batch generation: spec expansion and errors, resume and retries in this process, and a
2-worker local Ray instance (skipped without Ray)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from motionlgd.batch import BatchError, expand_spec, is_complete, run_batch
from motionlgd.errors import ScenarioError

BASE = {"prompt": "a person walks", "duration": 2.0, "path": {"points": [[0, 0], [0, 2]]},
        "obstacles": {"shapes": [{"type": "disc", "center": [0.5, 1.0], "radius": 0.2}]},
        "sampler": {"steps": 3}, "foot_cleanup": "none"}  # fmt: skip


def _sweep(tmp_path: Path, **sweep) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"sweep": {"base": "base.yaml", **sweep}}))
    return path


def test_sweep_expands_grid_random_and_seeds(tmp_path: Path) -> None:
    spec = _sweep(tmp_path, seeds=2, grid={"prompt": ["a person walks", "a person runs"]},
                  random={"count": 3, "seed": 1, "fields": {"obstacles.shapes.0.center": {"uniform": [[-1, 1], [0.8, 1.2]]},
                                                            "duration": {"uniform": [2, 3]}}})  # fmt: skip
    jobs = expand_spec(spec)
    assert len(jobs) == 2 * 3 * 2 and len({j.id for j in jobs}) == 12
    assert expand_spec(spec) == jobs  # seeded draws: the same spec gives the same jobs
    assert {j.scenario["prompt"] for j in jobs} == {"a person walks", "a person runs"}
    assert {j.scenario["seed"] for j in jobs} == {0, 1}
    x = [j.scenario["obstacles"]["shapes"][0]["center"][0] for j in jobs]
    assert all(-1 <= v <= 1 for v in x) and len(set(x)) == 3
    assert all(2 <= j.scenario["duration"] <= 3 for j in jobs)
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(3):
        (folder / f"s{k}.yaml").write_text(yaml.safe_dump({**BASE, "seed": k}))
    assert [j.values["source"] for j in expand_spec(folder)] == ["s0.yaml", "s1.yaml", "s2.yaml"]


@pytest.mark.parametrize(
    ("sweep", "match"),
    [
        ({"grid": {"obstacles.shapes.3.radius": [0.1]}}, "does not exist"),
        ({"grid": {"speed": [1.0]}}, "does not exist"),
        ({"grid": {"duration": [-2.0]}}, "duration"),
        ({"grid": {"prompt": []}}, "non-empty"),
        ({"random": {"fields": {"duration": {"normal": [1, 2]}}}}, "uniform"),
        ({"colour": "red"}, "unknown sweep key"),
    ],
)
def test_bad_sweeps_give_one_clear_error(tmp_path: Path, sweep: dict, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        expand_spec(_sweep(tmp_path, **sweep))


def test_empty_or_missing_spec(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScenarioError, match="holds no scenarios"):
        expand_spec(tmp_path / "empty")
    with pytest.raises(ScenarioError, match="does not exist"):
        expand_spec(tmp_path / "nope.yaml")


def test_local_run_resume_and_failures(tmp_path: Path, tiny_model_dir) -> None:
    wall = {"type": "box", "center": [0.0, 1.0], "size": [8.0, 0.3], "angle": 0.0}  # too far round it
    spec = _sweep(tmp_path, seeds=3, grid={"obstacles.shapes.0": [BASE["obstacles"]["shapes"][0], wall]})
    out = tmp_path / "out"
    rows = run_batch(spec, out, model=str(tiny_model_dir), engine="local", retries=1)
    status = {r["job"]: r["status"] for r in rows}
    # a wall across the route cannot be walked round in 2 s: those 3 jobs fail (twice each), the rest are done
    assert sorted(status.values()) == ["done"] * 3 + ["failed"] * 3
    failed = [r for r in rows if r["status"] == "failed"]
    assert all(r["attempts"] == 2 and "faster than a person" in r["error"] for r in failed)
    with open(out / "summary.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 6 and {"job", "status", "seconds", "seed", "path_error_mean_m"} <= set(table[0])
    # without --resume a folder with finished jobs is refused; with it, finished jobs are not redone
    with pytest.raises(BatchError, match="--resume"):
        run_batch(spec, out, model=str(tiny_model_dir), engine="local")
    done = [r["job"] for r in rows if r["status"] == "done"]
    stamps = {j: (out / j / "motion.npz").stat().st_mtime_ns for j in done}
    lost = done[0]
    (out / lost / "metrics.json").unlink()  # an incomplete job folder is redone
    again = run_batch(spec, out, model=str(tiny_model_dir), engine="local", resume=True, retries=0)
    by_id = {r["job"]: r for r in again}
    assert by_id[lost]["status"] == "done" and is_complete(out, lost)
    assert all(by_id[j]["status"] == "done (earlier run)" for j in done if j != lost)
    assert all((out / j / "motion.npz").stat().st_mtime_ns == stamps[j] for j in done if j != lost)


def test_local_engine_refuses_workers(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="Ray"):
        run_batch(_sweep(tmp_path), tmp_path / "o", engine="local", workers=2)


def test_two_ray_workers(tmp_path: Path, tiny_model_dir) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'motionlgd[scale]')")
    spec = _sweep(tmp_path, seeds=4)
    try:
        rows = run_batch(spec, tmp_path / "out", model=str(tiny_model_dir), engine="ray", workers=2, threads=1)
    finally:
        ray.shutdown()
    assert [r["status"] for r in rows] == ["done"] * 4
    assert all(is_complete(tmp_path / "out", r["job"]) for r in rows)


def test_unreachable_address_is_one_quick_error(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'motionlgd[scale]')")
    import socket
    import time

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    t0 = time.perf_counter()
    with pytest.raises(BatchError, match=f"cannot reach Ray at 127.0.0.1:{port}"):
        run_batch(_sweep(tmp_path), tmp_path / "o", address=f"127.0.0.1:{port}", engine="ray")
    assert time.perf_counter() - t0 < 30
