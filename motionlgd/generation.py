"""Compatibility name of :mod:`motionlgd.pipeline` (``generate``, ``GenerationResult``,
``resolve_model``, ``world_transform``), kept for code written against version 0.1.0."""

from __future__ import annotations

from .eval.sample import sample_metrics
from .pipeline import MAX_STEPS_ENV, GenerationResult, generate, resolve_model, world_transform

__all__ = ["MAX_STEPS_ENV", "GenerationResult", "generate", "resolve_model", "sample_metrics", "world_transform"]
