"""Multi-process training (gloo, 2 CPU processes under torchrun): a DDP step equals a
one-process step on the same global batch, and a 2-process run resumes exactly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def _torchrun(*args: str) -> None:
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available in this build")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER)]
    import motionlgd

    root = str(Path(motionlgd.__file__).resolve().parents[1])  # the processes import the code under test
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
    }
    res = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


def test_ddp_step_equals_one_process_step(tmp_path: Path) -> None:
    sys.path.insert(0, str(WORKER.parent))
    try:
        import ddp_worker
    finally:
        sys.path.pop(0)
    from motionlgd.train.distributed import Dist

    ddp_worker.one_step(Dist(), tmp_path / "single.pt", torch.device("cpu"))
    _torchrun("step", str(tmp_path / "ddp.pt"))
    single = torch.load(tmp_path / "single.pt", weights_only=True)
    ddp = torch.load(tmp_path / "ddp.pt", weights_only=True)
    assert single["grads"].keys() == ddp["grads"].keys() and len(single["grads"]) > 10
    for key, grad in single["grads"].items():  # the step's gradient: the global batch's, to 1e-5
        assert torch.allclose(grad, ddp["grads"][key], atol=1e-5, rtol=1e-4), key
    for key, value in single["net"].items():  # AdamW's first step moves each weight by about lr
        assert torch.allclose(value, ddp["net"][key], atol=1e-4), key


def test_two_process_run_resumes_exactly(tmp_path: Path) -> None:
    def run(name: str, steps: int, resume: bool) -> None:
        spec = tmp_path / f"{name}-{steps}.json"
        spec.write_text(json.dumps({"out": str(tmp_path / name), "steps": steps, "resume": resume}))
        _torchrun("train", str(spec))

    run("straight", 4, False)
    run("resumed", 2, False)  # stops at step 2 (same learning rates as the 4-step run up to there)
    run("resumed", 4, True)
    a = torch.load(tmp_path / "straight" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "resumed" / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == 4 and len(a["rank_rng"]) == 2
    for key in a["net"]:
        assert torch.equal(a["net"][key], b["net"][key]), key
    logs = [json.loads(x) for x in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logs] == [1, 2, 3, 4]
    shutil.rmtree(tmp_path / "straight")
