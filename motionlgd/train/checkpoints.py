"""Training checkpoints: reading them safely and exporting their EMA network as a model folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError
from ..io import atomic_write
from ..models.checkpoint import save_model
from ..models.transformer import MDM
from .config import TrainConfig

__all__ = ["export_checkpoint", "read_train_checkpoint"]

log = logging.getLogger(__name__)


def read_train_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a training checkpoint (``weights_only=True``: tensors and plain containers only)."""
    try:
        st = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot read training checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(st, dict) or st.get("format") != "motionlgd-train":
        raise CheckpointError(f"{path}: not a motionlgd training checkpoint")
    return st


def _saved_config(st: dict[str, Any]) -> dict[str, Any]:
    """The training config stored in a checkpoint (runs older than ``prediction`` were x0)."""
    return {"prediction": "x0", **json.loads(st["config"])}


def _run_record(st: dict[str, Any]) -> dict[str, Any]:
    """``{"steps", "hours"}`` of the run a checkpoint belongs to."""
    return {"steps": int(st["step"]), "hours": round(float(st["elapsed"]) / 3600, 3)}


def _atomic_torch_save(obj: Any, path: Path) -> None:
    atomic_write(path, lambda tmp: torch.save(obj, tmp), overwrite=True)


def export_checkpoint(
    ckpt: str | Path, directory: str | Path, overwrite: bool = True, detail_guidance: dict[str, Any] | None = None
) -> Path:
    """Write the EMA network of a training checkpoint as a motionlgd model folder.

    Reads only the checkpoint (``weights_only=True``), not the training data. The
    folder's ``config.json`` records the run's steps, hours, last validation loss,
    data sources and clip count, and, for a run started with ``init_from``, that run's
    steps and hours. ``detail_guidance`` (settings of
    :class:`motionlgd.models.refiner.DetailGuidance`) is recorded as the model's sampling
    default for a network with a detail head.
    """
    ckpt = Path(ckpt)
    st = read_train_checkpoint(ckpt)
    try:
        cfg = TrainConfig(**_saved_config(st))
        net = MDM(clip_dim=int(st["ema"]["embed_text.weight"].shape[1]), **cfg.model)
        net.load_state_dict(st["ema"])
        history = json.loads(st["history"])
        mean, std = st["mean"].numpy(), st["std"].numpy()
        record = _run_record(st)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{ckpt}: incomplete or inconsistent training checkpoint ({exc})") from exc
    info = json.loads(st["data_info"]) if "data_info" in st else {"sources": sorted(cfg.sources or [])}
    training: dict[str, Any] = {
        **record,
        "val_loss": history[-1]["val"] if history else None,
        "batch_size": cfg.batch_size,
        **info,
    }
    init_info = json.loads(st["init_info"]) if "init_info" in st else None
    if init_info is None and cfg.init_from and Path(cfg.init_from).is_file():  # older checkpoints
        try:
            base = read_train_checkpoint(cfg.init_from)
            init_info = _run_record(base)
        except CheckpointError:  # the record is informative only
            log.warning("could not read init_from checkpoint %s", cfg.init_from)
    if init_info is not None:
        training["init_from"] = init_info
    return save_model(
        Path(directory),
        net,
        mean,
        std,
        schedule_kind=cfg.schedule,
        num_steps=cfg.diffusion_steps,
        text_encoder=cfg.text_encoder,
        max_frames=cfg.max_frames,
        name=cfg.name,
        prediction=cfg.prediction,
        extra={"training": training, **({"detail_guidance": detail_guidance} if detail_guidance else {})},
        overwrite=overwrite,
    )
