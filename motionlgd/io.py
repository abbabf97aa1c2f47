"""Safe output writing: atomic files, no silent overwrites, no NaNs, npz without pickles."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .errors import NumericalError, OutputExistsError

__all__ = [
    "atomic_path",
    "atomic_write",
    "check_writable",
    "load_npz",
    "load_yaml",
    "save_json",
    "save_npz",
    "staged_dir",
]


def check_writable(paths: Iterable[str | Path], overwrite: bool) -> None:
    """Raise ``OutputExistsError`` naming the first existing path unless ``overwrite``."""
    if overwrite:
        return
    for p in paths:
        if Path(p).exists():
            raise OutputExistsError(f"{p} already exists; pass --overwrite (overwrite=True) to replace it")


@contextlib.contextmanager
def atomic_path(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; on success rename it onto ``path``.

    The output appears only when complete; on any error the temporary file is removed and
    an existing file at ``path`` is left untouched. The file gets the usual permissions
    (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{path} is a directory")
    check_writable([path], overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp" + path.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if not overwrite and path.exists():
            raise OutputExistsError(f"{path} appeared while writing; not replaced")
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write(path: str | Path, write: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Call ``write(tmp_path)`` inside :func:`atomic_path`; returns ``path``."""
    with atomic_path(path, overwrite) as tmp:
        write(tmp)
    return Path(path)


@contextlib.contextmanager
def staged_dir(out_dir: str | Path, names: Iterable[str], overwrite: bool = False) -> Iterator[Path]:
    """Write several outputs together: yield a hidden staging folder beside ``out_dir``;
    when the block succeeds, move every file in it into ``out_dir``; on any error, delete
    it, so ``out_dir`` receives all the outputs or none.

    Existing files named in ``names`` are refused up front unless ``overwrite``.
    """
    import shutil

    out = Path(out_dir)
    check_writable([out / n for n in names], overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        check_writable([out / p.name for p in stage.iterdir()], overwrite)
        umask = os.umask(0)
        os.umask(umask)
        for p in sorted(stage.iterdir()):
            os.chmod(p, 0o666 & ~umask)
            os.replace(p, out / p.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def save_npz(path: str | Path, arrays: dict[str, Any], overwrite: bool = False) -> Path:
    """Write an ``.npz`` of plain arrays (strings stored as unicode arrays; never pickles).

    Refuses NaN/inf in float arrays (``NumericalError``) so a broken result is never saved.
    """
    clean: dict[str, np.ndarray] = {}
    for k, v in arrays.items():
        a = np.asarray(v)
        if a.dtype == object:
            raise TypeError(f"npz field {k!r} is an object array; only plain arrays are written")
        if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
            raise NumericalError(f"refusing to write {path}: field {k!r} contains NaN/inf")
        clean[k] = a

    def _w(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **clean)

    return atomic_write(path, _w, overwrite)


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read an ``.npz`` with ``allow_pickle=False``."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def save_json(path: str | Path, data: Any, overwrite: bool = False) -> Path:
    """Write json atomically (NaN/inf refused)."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text), overwrite)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely (a ``yaml.SafeLoader`` subclass: no code runs) and refuse a
    mapping that gives the same key twice (plain ``safe_load`` keeps the last silently).

    Raises:
        yaml.YAMLError: on bad YAML, duplicate keys included (with the line and column).
    """
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no code runs
