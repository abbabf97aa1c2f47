"""Plain ``.npz`` export of a motion (no pickles) and its loader back into :class:`Motion`.

Fields (all plain arrays; ``numpy.load(path, allow_pickle=False)`` reads them):

==============  ============  ==========================================================
key             dtype/shape   meaning
==============  ============  ==========================================================
``format``      str ()        ``"motionlgd-motion-npz"``
``version``     int64 ()      format version (1)
``joints``      float32       ``(T, 22, 3)`` positions, metres, Y up, facing +z at rest
``joint_names`` str (22,)     SMPL-style joint names
``parents``     int64 (22,)   parent of each joint (-1 for the root)
``features``    float32       ``(T, 263)`` unnormalised HumanML3D features (only if known)
``root``        float32       ``(T, 3)`` pelvis trajectory, metres
``fps``         float64 ()    frames per second
``prompt``      str ()        text prompt ("" if none)
``scenario``    str ()        scenario as YAML ("" if none)
``seed``        int64 ()      random seed (-1 if unknown)
``metrics``     str ()        metrics as JSON ("{}" if none)
``metadata``    str ()        remaining ``Motion.metadata`` as JSON
==============  ============  ==========================================================
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MotionLGDError, NumericalError
from ..io import load_npz, save_npz
from ..motion.motion import Motion
from ..motion.skeleton import JOINT_NAMES, PARENTS

__all__ = ["NPZ_FORMAT", "NPZ_VERSION", "export_npz", "load_motion_npz", "scenario_to_yaml"]

logger = logging.getLogger(__name__)

NPZ_FORMAT = "motionlgd-motion-npz"
NPZ_VERSION = 1


def scenario_to_yaml(scenario: Any) -> str:
    """YAML text of a scenario: a ``Scenario`` (``to_yaml``), a mapping, a YAML string or ``None``."""
    if scenario is None:
        return ""
    if isinstance(scenario, str):
        return scenario
    if hasattr(scenario, "to_yaml"):
        return str(scenario.to_yaml())
    import yaml

    if hasattr(scenario, "to_dict"):
        scenario = scenario.to_dict()
    return yaml.safe_dump(scenario, sort_keys=False)


def _json(data: Any, what: str) -> str:
    try:
        return json.dumps(data if data is not None else {}, allow_nan=False, default=_json_default)
    except ValueError as exc:
        raise NumericalError(f"{what} contains NaN/inf and cannot be written: {exc}") from exc


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def export_npz(
    motion: Motion,
    path: str | os.PathLike[str],
    scenario: Any = None,
    seed: int | None = None,
    metrics: dict[str, Any] | None = None,
    prompt: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a motion to a pickle-free ``.npz`` (see the module docstring for the keys).

    Args:
        motion: the motion.  ``seed``, ``scenario`` and ``metrics`` default to the
            entries of the same name in ``motion.metadata``.
        path: output path (written atomically).
        scenario: a ``Scenario``, mapping or YAML string.
        seed: random seed of the generation.
        metrics: json-serialisable metrics (floats).
        prompt: text prompt; default ``motion.text``.
        overwrite: replace an existing file (else ``OutputExistsError``).

    Returns:
        The written path.
    """
    if not isinstance(motion, Motion):
        raise TypeError(f"export_npz needs a Motion, got {type(motion).__name__}")
    meta = dict(motion.metadata)
    seed = meta.pop("seed", None) if seed is None else seed
    scenario = meta.pop("scenario", None) if scenario is None else scenario
    metrics = meta.pop("metrics", None) if metrics is None else metrics
    for k in ("seed", "scenario", "metrics"):
        meta.pop(k, None)
    arrays: dict[str, Any] = {
        "format": np.str_(NPZ_FORMAT),
        "version": np.int64(NPZ_VERSION),
        "joints": motion.joints.astype(np.float32),
        "joint_names": np.array(JOINT_NAMES),
        "parents": np.array(PARENTS, dtype=np.int64),
        "root": motion.joints[:, 0].astype(np.float32),
        "fps": np.float64(motion.fps),
        "prompt": np.str_(motion.text if prompt is None else prompt),
        "scenario": np.str_(scenario_to_yaml(scenario)),
        "seed": np.int64(-1 if seed is None else int(seed)),
        "metrics": np.str_(_json(metrics, "metrics")),
        "metadata": np.str_(_json(meta, "metadata")),
    }
    if motion.features is not None:
        arrays["features"] = motion.features.astype(np.float32)
    out = save_npz(path, arrays, overwrite=overwrite)
    logger.info("wrote %s (%d frames)", out, motion.num_frames)
    return out


def load_motion_npz(path: str | os.PathLike[str]) -> Motion:
    """Read a file written by :func:`export_npz` back into a :class:`Motion`.

    ``metadata`` gets ``seed`` (if not -1), ``scenario`` (YAML text, if any), ``metrics``
    (dict) and the stored extra metadata.  Also accepts any npz with at least a
    ``joints (T, 22, 3)`` array (``fps`` defaults to 20).
    """
    try:
        data = load_npz(path)
    except (OSError, ValueError) as exc:
        raise MotionLGDError(f"{path}: cannot read npz ({exc})") from exc
    if "joints" not in data:
        raise MotionLGDError(f"{path}: no 'joints' array (keys: {', '.join(sorted(data))})")
    fmt = str(data["format"]) if "format" in data else ""
    if fmt and fmt != NPZ_FORMAT:
        logger.warning("%s: format %r is not %r; reading joints only", path, fmt, NPZ_FORMAT)
    meta: dict[str, Any] = {}
    if "metadata" in data and str(data["metadata"]):
        meta.update(json.loads(str(data["metadata"])))
    if "seed" in data and int(data["seed"]) >= 0:
        meta["seed"] = int(data["seed"])
    if "scenario" in data and str(data["scenario"]):
        meta["scenario"] = str(data["scenario"])
    if "metrics" in data and str(data["metrics"]) not in ("", "{}"):
        meta["metrics"] = json.loads(str(data["metrics"]))
    return Motion(
        joints=data["joints"],
        features=data.get("features"),
        fps=float(data["fps"]) if "fps" in data else 20.0,
        text=str(data["prompt"]) if "prompt" in data else "",
        metadata=meta,
    )
