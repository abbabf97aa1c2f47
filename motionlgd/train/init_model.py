"""Start a training run from a model folder (e.g. the shipped default model)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CheckpointError

__all__ = ["NEW_PARTS", "init_from_model_folder"]

log = logging.getLogger(__name__)

#: Settings that shape training, not the weights: they may differ from the folder's.
_FREE = ("dropout", "cond_mask_prob", "root_cond", "max_len", "refiner")
#: Parameter-name prefixes of parts a run may add to a model it starts from (they start at zero).
NEW_PARTS = ("embed_root.", "refiner.")


def _total_run(config: dict[str, Any]) -> dict[str, Any]:
    """Steps and hours behind a model folder (its own run plus any run it started from)."""
    tr = config.get("training") or {}
    steps, hours = int(tr.get("steps", 0)), float(tr.get("hours", 0.0))
    base = tr.get("init_from") or {}
    return {"steps": steps + int(base.get("steps", 0)), "hours": round(hours + float(base.get("hours", 0.0)), 3)}


def init_from_model_folder(trainer: Any, folder: Path) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Load a model folder's weights into ``trainer.net`` and ``trainer.ema``.

    The architecture must match the run's except for regularisers and added parts (a
    root condition's input layer, a detail head), which are new and start at zero; a run
    without a detail head takes only the transformer of a folder that has one. Returns the folder's
    ``(mean, std, run record)``.

    Raises:
        CheckpointError: naming the setting that does not match.
    """
    from ..models.checkpoint import load_model

    model = load_model(folder, text_encoder=_NoText(trainer.net.clip_dim))
    cfg = trainer.cfg
    arch = {k: v for k, v in model.net.hyperparameters().items() if k not in _FREE}
    mine = {k: v for k, v in trainer.net.hyperparameters().items() if k not in _FREE}
    diff = model.config.get("diffusion", {})
    pairs = [
        ("architecture", arch, mine),
        ("text_encoder", model.config.get("text_encoder"), cfg.text_encoder),
        ("schedule", diff.get("schedule", "cosine"), cfg.schedule),
        ("diffusion_steps", int(diff.get("num_steps", 1000)), cfg.diffusion_steps),
        ("prediction", model.prediction, cfg.prediction),
    ]
    for key, a, b in pairs:
        if a != b:
            raise CheckpointError(f"{folder}: init_from model has {key}={a!r}, config says {b!r}")
    state = model.net.state_dict()
    if trainer.net.refiner is None and model.net.refiner is not None:  # the transformer alone
        log.info("%s: the run has no detail head; starting from the folder's transformer only", folder)
        state = {k: v for k, v in state.items() if not k.startswith("refiner.")}
    missing, unexpected = trainer.net.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith(NEW_PARTS) for k in missing):
        raise CheckpointError(f"{folder}: weights do not fit the run's network (missing {missing}, extra {unexpected})")
    trainer.ema.load_state_dict(trainer.net.state_dict())
    mean = model.mean.cpu().numpy().astype(np.float32)
    std = model.std.cpu().numpy().astype(np.float32)
    return mean, std, _total_run(model.config)


class _NoText:
    """A stand-in text encoder (loading weights needs no text model)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def __call__(self, texts: list[str]) -> Any:  # pragma: no cover - never called
        raise RuntimeError("no text encoder")
