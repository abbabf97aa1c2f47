"""The training loop: ``train(config)`` (see :mod:`motionlgd.train.trainer` for the step, the
loss and the checkpoint contents; :mod:`motionlgd.train.distributed` for several processes)."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch

from ..data.dataset import ProcessedData, build_dataset
from ..devices import resolve_device
from ..errors import CheckpointError, MotionLGDError
from .checkpoints import _atomic_torch_save, export_checkpoint
from .config import TrainConfig
from .distributed import setup
from .paths import TrainResult, data_dir, resolve_init_from
from .runtime import stop_on_sigterm, truncate_log
from .trainer import _Trainer

__all__ = ["train"]

log = logging.getLogger(__name__)


def train(
    cfg: TrainConfig,
    *,
    resume: bool = False,
    device: str | torch.device = "cpu",
    max_minutes: float | None = None,
    export_to: str | Path | None = None,
    progress: bool = True,
    data: ProcessedData | None = None,
    export_only: bool = False,
) -> TrainResult:
    """Train (or continue training) a model.

    Args:
        cfg: training settings (paths: see :class:`TrainConfig` and :mod:`motionlgd.train.paths`;
            set ``cfg.init_from`` to override a config's ``init_from``).
        resume: continue from ``<out>/last.pt`` if it exists (error if ``False`` and it exists).
        device: "cpu" or "cuda" (checked first: :class:`~motionlgd.errors.DeviceError`).
        max_minutes: stop (after checkpointing) when this much wall time has passed.
        export_to: when training reaches ``max_steps``, write the EMA model there.
        progress: show a progress bar.
        data: already processed data (default: built from the data folder, :func:`data_dir`).
        export_only: do not train; write the checkpoint's EMA model to ``export_to`` now
            (a snapshot of an unfinished run).

    Returns:
        A :class:`TrainResult`: the checkpoint, its step, whether the run is finished and
        the model folder written (``exported``, ``None`` if none); it is path-like (the checkpoint).

    Raises:
        DataFolderError: the data folder is not set or missing (names the ways to set it).
        CheckpointError: no checkpoint to export, or ``init_from`` names nothing.
    """
    cfg.check()
    dist, device = setup(resolve_device(device))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = cfg.out_dir()
    ckpt = out / "last.pt"
    if export_only:  # read-only use of the run (a trainer may be writing it); needs no data
        if export_to is None:
            raise MotionLGDError("export_only needs a folder to write the model to (--export DIR)")
        if not ckpt.is_file():
            raise CheckpointError(f"no checkpoint found at {ckpt}; train first, or pass --out with the run's folder")
        return _export(ckpt, Path(export_to), cfg)
    if ckpt.exists() and not resume:
        raise MotionLGDError(f"{ckpt} exists; pass --resume to continue it or choose another name/out folder")
    init = None
    if cfg.init_from and not ckpt.exists():  # resolved (and checked) before the data is processed
        init = resolve_init_from(os.fspath(cfg.init_from), out)
    if data is None:
        data = build_dataset(data_dir(cfg.data), cfg.sources)
    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
    dist.barrier()
    log.info(
        "data: %d clips, %d frames (%.1f min at 20 fps)",
        len(data.lengths),
        len(data.features),
        len(data.features) / 1200,
    )
    tr = _Trainer(cfg, data, device, dist)
    if ckpt.exists():
        tr.load(ckpt)
        log.info("resumed from %s at step %d", ckpt, tr.step)
    elif init is not None:
        tr.init_weights(init)
        log.info("initialised from the EMA weights of %s", init)
    if ckpt.exists() and dist.main:
        truncate_log(out / "log.jsonl", tr.step)
    stop_on_sigterm()
    logf = (out / "log.jsonl").open("a") if dist.main else None
    start = time.time()
    last_ckpt = time.time()
    bar = None
    completed = False
    if progress and dist.main:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.max_steps, initial=tr.step, desc="train", dynamic_ncols=True)
    try:
        while tr.step < cfg.max_steps:
            t0 = time.time()
            terms = tr.train_step()
            tr.elapsed += time.time() - t0
            rec: dict[str, Any] = {"step": tr.step, "lr": tr.lr_at(tr.step - 1), **terms}
            if tr.step % cfg.val_every == 0 or tr.step == cfg.max_steps:
                rec["val"] = tr.validate()
                tr.history.append({"step": tr.step, "train": terms["feat"], "val": rec["val"]})
            if logf is not None:
                logf.write(json.dumps(rec) + "\n")
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{terms['feat']:.4f}", **({"val": f"{rec['val']:.4f}"} if "val" in rec else {}))
            if dist.any(time.time() - last_ckpt > cfg.checkpoint_minutes * 60):  # every rank the same step
                _save(tr, ckpt, logf)
                last_ckpt = time.time()
            if cfg.keep_every and tr.step % cfg.keep_every == 0 and tr.step < cfg.max_steps:
                _save(tr, out / "snapshots" / f"step_{tr.step:06d}.pt", logf)  # a curve of the run
            if max_minutes is not None and dist.any(time.time() - start > max_minutes * 60):
                log.info("stopping after %.1f minutes at step %d", max_minutes, tr.step)
                break
        completed = True
    finally:
        if completed or dist.world == 1:  # several processes stopped by a signal keep their last checkpoint
            _save(tr, ckpt, logf)
        if logf is not None:
            logf.close()
        if bar is not None:
            bar.close()
    log.info("checkpoint at step %d of %d: %s", tr.step, cfg.max_steps, ckpt)
    finished = tr.step >= cfg.max_steps
    dist.barrier()
    if export_to is None or not dist.main:
        return TrainResult(ckpt, tr.step, finished)
    if not finished:
        log.info("not exported: the run is at step %d of %d (resume it, or use export_only)", tr.step, cfg.max_steps)
        return TrainResult(ckpt, tr.step, finished)
    return _export(ckpt, Path(export_to), cfg)


def _save(tr: _Trainer, ckpt: Path, logf: Any) -> None:
    """Checkpoint (every rank gathers its random states; rank 0 writes)."""
    state = tr.state()
    if tr.dist.main:
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        _atomic_torch_save(state, ckpt)
        if logf is not None:
            logf.flush()


def _export(ckpt: Path, folder: Path, cfg: TrainConfig) -> TrainResult:
    """Write ``ckpt``'s EMA model to ``folder`` (with the config's sampling default
    ``detail_guidance``), log where, and describe the result."""
    max_steps = cfg.max_steps
    written = export_checkpoint(ckpt, folder, detail_guidance=cfg.detail_guidance)
    step = int(json.loads((written / "config.json").read_text()).get("training", {}).get("steps", 0))
    log.info("exported the EMA model of %s (step %d) to %s", ckpt, step, written)
    return TrainResult(ckpt, step, step >= max_steps, written)
