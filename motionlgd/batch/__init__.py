"""Batch generation: many scenarios x seeds, on Ray or in this process, resumable.

``motionlgd batch SPEC -o OUT [--address auto|ray://HOST:PORT] [--workers N] [--device cpu|cuda]
[--resume]`` and :func:`run_batch`. See :mod:`.spec` (folders, files, sweeps) and :mod:`.runner`.
"""

from __future__ import annotations

from .runner import OUTPUTS, BatchError, is_complete, run_batch, write_summary
from .spec import BatchJob, expand_spec

__all__ = ["OUTPUTS", "BatchError", "BatchJob", "expand_spec", "is_complete", "run_batch", "write_summary"]
