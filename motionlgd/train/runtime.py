"""Process-level helpers of a training run: its log file and SIGTERM handling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io import atomic_write

__all__ = ["stop_on_sigterm", "truncate_log"]


def truncate_log(path: Path, step: int) -> None:
    """Drop log lines past ``step`` (written after the last checkpoint of a stopped run)."""
    if not path.exists():
        return
    keep = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line).get("step", 0) <= step:
                keep.append(line)
        except json.JSONDecodeError:
            continue
    atomic_write(path, lambda tmp: tmp.write_text("".join(s + "\n" for s in keep)), overwrite=True)


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so the final checkpoint is written (main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def _raise(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)
