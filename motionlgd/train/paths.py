"""Where a training run reads and writes: data folder, run folders, ``init_from`` and results.

* The data folder: ``--data`` (``load_config(data=...)``, relative to the current
  directory) > ``$MOTIONLGD_DATA`` > the config's ``data:`` (relative to the config file).
* Run folders: ``out:`` / ``--out``, else ``<runs root>/<name>``; the runs root is
  ``$MOTIONLGD_CACHE/train`` (default ``~/.cache/motionlgd/train``).
* ``init_from``: a checkpoint or model folder path, or ``run:NAME``, the last checkpoint of
  run ``NAME`` (see :func:`resolve_init_from`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..data.dataset import CACHE_ENV, DataFolderError, cache_dir
from ..errors import CheckpointError, MotionLGDError

__all__ = [
    "DATA_ENV",
    "RUN_PREFIX",
    "TrainResult",
    "data_dir",
    "env_data_dir",
    "resolve_init_from",
    "run_name",
    "runs_root",
]

#: Environment variable naming the motion-capture data folder (overrides a config's ``data:``).
DATA_ENV = "MOTIONLGD_DATA"
#: ``init_from: run:NAME`` starts from the last checkpoint of the run called ``NAME``.
RUN_PREFIX = "run:"
_HOW_TO_SET_DATA = f"set it with --data DIR, the {DATA_ENV} environment variable or the config's data: setting"


@dataclass(frozen=True)
class TrainResult:
    """What :func:`motionlgd.train.train` did.

    It is path-like (``os.fspath``, ``str`` and ``Path(result)`` give the checkpoint), so
    code that treated the old return value (the checkpoint path) as a path keeps working.

    Attributes:
        checkpoint: the run's training checkpoint (``<out>/last.pt``).
        step: the step the checkpoint is at.
        finished: whether the run has reached ``max_steps``.
        exported: the model folder written (``export_to``), or ``None`` when nothing was
            exported (no ``export_to``, or the run stopped before ``max_steps``).
    """

    checkpoint: Path
    step: int
    finished: bool
    exported: Path | None = None

    def __fspath__(self) -> str:
        return str(self.checkpoint)

    def __str__(self) -> str:
        return str(self.checkpoint)


def runs_root() -> Path:
    """The folder holding run folders by default: ``$MOTIONLGD_CACHE/train``."""
    return cache_dir() / "train"


def env_data_dir() -> Path | None:
    """``$MOTIONLGD_DATA`` as an absolute path (``~`` expanded), or ``None`` when unset or empty."""
    env = os.environ.get(DATA_ENV, "").strip()
    return Path(env).expanduser().resolve() if env else None


def data_dir(configured: str | None) -> Path:
    """The data folder of a run whose config says ``configured`` (``None``: ``$MOTIONLGD_DATA``).

    Raises:
        DataFolderError: no folder is set, or it does not exist (the message names the
            folder and the ways to set it).
    """
    folder = Path(configured).expanduser() if configured else env_data_dir()
    if folder is None:
        raise DataFolderError(f"no motion-capture data folder given; {_HOW_TO_SET_DATA}")
    if not folder.is_dir():
        raise DataFolderError(f"data folder not found: {folder}; {_HOW_TO_SET_DATA}")
    return folder


def run_name(init_from: str) -> str | None:
    """``NAME`` of an ``init_from`` of the form ``run:NAME``, else ``None``.

    Raises:
        MotionLGDError: ``run:`` without a plain folder name after it.
    """
    if not init_from.startswith(RUN_PREFIX):
        return None
    name = init_from[len(RUN_PREFIX) :].strip()
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise MotionLGDError(
            f"init_from {init_from!r}: expected run:NAME with the name of another run, e.g. run:default"
        )
    return name


def resolve_init_from(init_from: str, out: Path) -> Path:
    """The checkpoint (or model folder) an ``init_from`` setting names.

    ``run:NAME`` is ``<folder>/NAME/last.pt`` for the first existing of: the folder
    holding this run's folder ``out`` (so runs put side by side with ``--out`` find each
    other), then :func:`runs_root` (``$MOTIONLGD_CACHE/train``). Any other value is a path
    (``~`` expanded; :func:`motionlgd.train.load_config` has made a config's relative path
    absolute against the config's folder, other relative paths are against the current
    directory).

    Raises:
        CheckpointError: nothing exists there (the message names where it looked).
    """
    name = run_name(init_from)
    if name is None:
        path = Path(init_from).expanduser()
        if not path.exists():
            raise CheckpointError(f"init_from {path}: no such checkpoint or model folder")
        return path
    candidates: list[Path] = []
    for root in (out.expanduser().absolute().parent, runs_root().expanduser().absolute()):
        c = root / name / "last.pt"
        if c not in candidates:
            candidates.append(c)
    for c in candidates:
        if c.is_file():
            return c
    where = " or ".join(str(c) for c in candidates)
    raise CheckpointError(
        f"init_from {init_from}: no checkpoint at {where}; train run {name!r} first "
        f"(its runs folder follows ${CACHE_ENV}) or give init_from a checkpoint path"
    )
