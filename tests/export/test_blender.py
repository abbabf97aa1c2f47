"""Blender (headless) imports the BVH (both axis settings of docs/export.md) and the GLB as a user
would: joint world positions within 1 cm of the motion on average, the root bone's rotation
within 15 degrees of upright in every frame and turned to the body's heading.

Slow and optional: ``python -m pytest -m slow tests/export/test_blender.py`` (skipped without a
``blender`` executable; Debian: ``apt-get install --no-install-recommends blender``).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from motionlgd.export import export_bvh, export_glb, get_rig

from .conftest import synthetic_walk

pytestmark = pytest.mark.slow
DUMP = Path(__file__).with_name("blender_dump.py")


def _blender_env() -> dict[str, str]:
    """The environment minus any other Python's bin folders (pyenv, virtualenvs) on the PATH:
    Debian's Blender embeds the system Python 3.11 and takes its standard library -- and so
    numpy, which its glTF importer needs -- from the first ``python3.11`` it finds there."""
    env = dict(os.environ)
    keep = [d for d in env.get("PATH", "").split(os.pathsep) if d.startswith(("/usr/", "/bin", "/sbin"))]
    env["PATH"] = os.pathsep.join(keep)
    env.pop("VIRTUAL_ENV", None)
    return env


def _blender_dump(path: Path, *extra: str) -> dict[str, np.ndarray]:
    blender = shutil.which("blender")
    if blender is None:
        pytest.skip("blender not installed")
    out = path.with_suffix(".dump.json")
    cmd = [blender, "--background", "--factory-startup", "--python-exit-code", "1", "--python", str(DUMP)]
    res = subprocess.run(
        [*cmd, "--", str(path), str(out), *extra], capture_output=True, text=True, timeout=600, env=_blender_env()
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    dump = json.loads(out.read_text())
    return {k: np.asarray(v) for k, v in dump.items()}


@functools.lru_cache(maxsize=1)
def _walks() -> dict[str, np.ndarray]:
    import motionlgd

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "real_walk.npz"
    with np.load(fixture) as z:
        real = z["joints"].astype(np.float64)
    generated = motionlgd.generate(prompt="a person walks forward", duration=6.0, seed=0).joints[0]
    return {"real": real, "synthetic": synthetic_walk(), "generated": np.asarray(generated, dtype=np.float64)}


def _check(dump: dict[str, np.ndarray], joints: np.ndarray, rig: str = "smpl") -> None:
    names = list(dump["names"])
    order = [names.index(n) for n in get_rig(rig).joint_names]
    heads = dump["heads"][:, order]
    assert heads.shape == joints.shape
    err = np.linalg.norm(heads - joints, axis=-1)
    assert err.mean() < 0.01, err.mean()
    R = dump["root_rotation"]
    tilt = np.degrees(np.arccos(np.clip(R[:, 1, 1], -1.0, 1.0)))
    assert tilt.max() < 15.0, tilt.max()
    across = joints[:, 1] - joints[:, 2]
    forward = np.cross(across, [0.0, 1.0, 0.0])
    heading = np.degrees(np.arctan2(forward[:, 0], forward[:, 2]))
    yaw = np.degrees(np.arctan2(R[:, 0, 2], R[:, 2, 2]))
    assert np.abs((yaw - heading + 180.0) % 360.0 - 180.0).max() < 10.0


@pytest.mark.parametrize("walk", ["real", "synthetic", "generated"])
def test_blender_imports_bvh_and_glb(walk: str, tmp_path: Path) -> None:
    joints = _walks()[walk]
    _check(_blender_dump(export_bvh(joints, tmp_path / "y.bvh"), "--up", "y"), joints)
    _check(
        _blender_dump(export_bvh(joints, tmp_path / "z.bvh", up="z", units="cm"), "--up", "z", "--scale", "0.01"),
        joints,
    )
    _check(_blender_dump(export_glb(joints, tmp_path / "w.glb")), joints)
    if walk == "real":
        _check(_blender_dump(export_glb(joints, tmp_path / "m.glb", rig="mixamo", rest_pose="a")), joints, "mixamo")
