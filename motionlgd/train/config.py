"""Training settings: the ``TrainConfig`` dataclass and its YAML reader."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import MotionLGDError
from ..io import load_yaml
from ..models.denoiser import PREDICTIONS
from .paths import DATA_ENV, env_data_dir, run_name, runs_root

__all__ = ["TrainConfig", "load_config"]

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Training settings (a YAML file with these keys; unknown keys are an error).

    ``prediction`` is what the network outputs: ``"x0"`` (as MDM; the loss is the x0
    error) or ``"v"`` (``v = sqrt(abar) eps - sqrt(1 - abar) x0``; the loss is the v
    error, which weighs low noise levels far more than the x0 error does, so the network
    keeps fine detail such as the legs' swing). ``loss_weighting: min_snr`` weighs each
    sample's feature loss by ``min(SNR(t), min_snr_gamma)`` (Hang et al. 2023, for x0
    prediction), raised to at least ``min_snr_floor`` (0 = the paper's rule; 1 keeps the
    noisiest levels at the uniform weight), normalised to mean 1 over t: it moves effort
    to the low noise levels that shape the details. ``lambda_foot``, ``lambda_vel`` and
    ``lambda_pos`` weigh MDM's geometric terms on the decoded joints (foot velocity on
    contact frames, joint velocities, pelvis-relative joint positions; metres).
    ``input_perturbation`` (gamma) trains on inputs whose noise is off by ``gamma * xi``
    (DDPM-IP, Ning et al. 2023, against the exposure bias of sampling from the model's
    own estimates); ``keep_every`` keeps a snapshot every so many steps. ``init_from`` starts a new run from the
    EMA weights (and normalisation) of another run's training checkpoint, or of a model
    folder (``config.json`` + ``model.safetensors``, e.g. the shipped default model); it is
    ignored when the run resumes from its own checkpoint. ``model.root_cond: 5`` trains a
    root-conditioned network (the route as a per-frame input, see
    :mod:`motionlgd.train.root_masks`); ``root_mask_mix`` sets the probabilities of its
    mask patterns (none, every frame, keyframes, one span) and ``root_lr_mult`` multiplies
    the learning rate of its new, zero-initialised input layer. ``model.refiner`` (a mapping
    such as ``{channels: 128, blocks: 4, kernel: 5}``) adds the temporal detail head of
    :mod:`motionlgd.models.refiner`; ``train_only: refiner`` freezes everything else (the
    transformer stays as ``init_from`` gave it). ``low_t_fraction`` of each batch draws its
    diffusion step below ``low_t_max`` instead of from all steps (more effort where the
    detail is decided). ``detail_guidance`` (``scale``, ``min_step``, ``smooth_frames``) is
    written into an exported model folder as its sampling default (autoguidance by the
    head, :class:`motionlgd.models.refiner.DetailGuidance`); the file being run decides it,
    also for ``--export-only``.

    Paths: ``data`` is the motion-capture folder (``None``: ``$MOTIONLGD_DATA``); ``out``
    the run folder (``None``: ``$MOTIONLGD_CACHE/train/<name>``, see :meth:`out_dir`);
    ``init_from`` a training checkpoint or model folder path, or ``run:NAME`` for the last
    checkpoint of the run called ``NAME`` (:func:`motionlgd.train.paths.resolve_init_from`).
    :func:`load_config` makes a config file's relative paths relative to its folder; set
    the attributes (or pass ``load_config(..., data=, out=, init_from=)``) to override.
    """

    name: str = "default"
    data: str | None = None
    sources: list[str] | None = None
    out: str | None = None
    model: dict[str, Any] = field(
        default_factory=lambda: {
            "latent_dim": 256,
            "ff_size": 512,
            "num_layers": 4,
            "num_heads": 4,
            "dropout": 0.1,
            "cond_mask_prob": 0.1,
        }
    )
    text_encoder: str = "all-MiniLM-L6-v2"
    schedule: str = "cosine"
    diffusion_steps: int = 1000
    batch_size: int = 64
    lr: float = 2e-4
    weight_decay: float = 0.0
    warmup_steps: int = 300
    max_steps: int = 6000
    min_lr_ratio: float = 0.1
    ema_decay: float = 0.999
    grad_clip: float = 1.0
    min_frames: int = 40
    max_frames: int = 196
    locomotion_weight: float = 3.0
    root_loss_weight: float = 1.0
    prediction: str = "x0"
    loss_weighting: str = "uniform"
    min_snr_gamma: float = 5.0
    min_snr_floor: float = 0.0
    init_from: str | None = None
    lambda_vel: float = 20.0
    lambda_foot: float = 50.0
    lambda_pos: float = 0.0
    input_perturbation: float = 0.0
    seed: int = 0
    val_every: int = 250
    val_batches: int = 8
    checkpoint_minutes: float = 3.0
    keep_every: int = 0
    threads: int | None = None
    root_mask_mix: list[float] | None = None
    root_lr_mult: float = 10.0
    train_only: str | None = None
    detail_guidance: dict[str, Any] | None = None
    low_t_fraction: float = 0.0
    low_t_max: int = 300

    def check(self) -> None:
        """Raise :class:`MotionLGDError` for settings that cannot work together."""
        for key in ("data", "out", "init_from"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                hint = " or run:NAME" if key == "init_from" else ""
                raise MotionLGDError(f"{key} must be a path{hint}, got {value!r}")
        if isinstance(self.init_from, str):
            run_name(self.init_from)  # a malformed run:NAME fails here, before any work
        if self.prediction not in PREDICTIONS:
            raise MotionLGDError(f"prediction must be one of {list(PREDICTIONS)}, got {self.prediction!r}")
        if self.loss_weighting not in ("uniform", "min_snr"):
            raise MotionLGDError(f"loss_weighting must be 'uniform' or 'min_snr', got {self.loss_weighting!r}")
        for key in ("lambda_vel", "lambda_foot", "lambda_pos", "input_perturbation"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise MotionLGDError(f"{key} must be a number >= 0, got {value!r}")
        for key, least in (("max_steps", 1), ("keep_every", 0)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise MotionLGDError(f"{key} must be a whole number of steps >= {least}, got {value!r}")
        if self.input_perturbation > 0 and self.prediction != "x0":
            raise MotionLGDError("input_perturbation is defined for prediction 'x0' (the v target reads the noise)")
        if self.root_mask_mix is not None and (
            len(self.root_mask_mix) != 4 or min(self.root_mask_mix) < 0 or sum(self.root_mask_mix) <= 0
        ):
            raise MotionLGDError(f"root_mask_mix needs 4 probabilities >= 0, got {self.root_mask_mix!r}")
        if self.train_only not in (None, "refiner"):
            raise MotionLGDError(f"train_only must be 'refiner' or absent, got {self.train_only!r}")
        if self.train_only == "refiner" and not (self.model or {}).get("refiner"):
            raise MotionLGDError("train_only: refiner needs model.refiner (the head to train)")
        if self.detail_guidance is not None:
            if not (self.model or {}).get("refiner"):
                raise MotionLGDError("detail_guidance needs model.refiner (the head it guides with)")
            from ..models.refiner import DetailGuidance

            try:
                DetailGuidance.from_dict(dict(self.detail_guidance))
            except (TypeError, ValueError) as exc:
                raise MotionLGDError(f"detail_guidance: {exc}") from exc
        frac = self.low_t_fraction
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 <= frac <= 1:
            raise MotionLGDError(f"low_t_fraction must be a number in [0, 1], got {frac!r}")
        low_max = self.low_t_max
        in_range = 1 <= low_max <= self.diffusion_steps if frac > 0 else low_max >= 1  # unused at fraction 0
        if isinstance(low_max, bool) or not isinstance(low_max, int) or not in_range:
            raise MotionLGDError(f"low_t_max must be a whole step in [1, diffusion_steps], got {self.low_t_max!r}")
        if self.loss_weighting == "min_snr" and self.prediction != "x0":
            raise MotionLGDError(
                "loss_weighting 'min_snr' is defined for prediction 'x0' (the v loss weighs t already)"
            )

    def out_dir(self) -> Path:
        """Where checkpoints and logs go: ``out``, else ``$MOTIONLGD_CACHE/train/<name>``
        (default ``~/.cache/motionlgd/train/<name>``)."""
        return Path(self.out).expanduser() if self.out else runs_root() / self.name


def _beside(value: str, folder: Path) -> str:
    """``value`` with ``~`` expanded and, if relative, made absolute against ``folder``."""
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (folder / path).resolve())


def load_config(
    path: str | Path,
    *,
    data: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    init_from: str | os.PathLike[str] | None = None,
    max_steps: int | None = None,
) -> TrainConfig:
    """Read a YAML training config (a key given twice is an error), validating keys and types.

    Relative ``data:``, ``out:`` and ``init_from:`` paths in the file are relative to the
    file's folder (``~`` is expanded; ``init_from: run:NAME`` is kept as is). The keyword
    arguments override the file (the CLI's ``--data``, ``--out``, ``--init-from``,
    ``--max-steps``); their relative paths are relative to the current directory. A
    larger ``max_steps`` on a resumed run continues it (the cosine schedule is recomputed
    over the new length: a warm restart). The data folder is, in order:
    ``data``, ``$MOTIONLGD_DATA``, the file's ``data:``.
    """
    import yaml

    p = Path(path).expanduser()
    if not p.is_file():
        raise MotionLGDError(f"training config not found: {p}")
    try:
        raw = load_yaml(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise MotionLGDError(f"{p}: invalid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise MotionLGDError(f"{p}: expected a mapping of settings")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MotionLGDError(f"{p}: unknown setting(s) {unknown}; known: {sorted(known)}")
    cfg = TrainConfig(**raw)
    try:
        cfg.check()
    except MotionLGDError as exc:
        raise MotionLGDError(f"{p}: {exc}") from exc
    if max_steps is not None:  # the override's own error names it, not the file
        cfg.max_steps = max_steps
        cfg.check()
    here, cwd = p.parent.absolute(), Path.cwd()
    for key in ("data", "out", "init_from"):
        value = getattr(cfg, key)
        if value and not (key == "init_from" and run_name(value)):
            setattr(cfg, key, _beside(value, here))
    source = "the config's data:"
    if data is not None:
        cfg.data, source = _beside(os.fspath(data), cwd), "--data"
    elif (env := env_data_dir()) is not None:
        cfg.data, source = str(env), f"${DATA_ENV}"
    if out is not None:
        cfg.out = _beside(os.fspath(out), cwd)
    if init_from is not None:
        value = os.fspath(init_from)
        cfg.init_from = value if run_name(value) else _beside(value, cwd)
    if cfg.data:
        log.info("%s: data folder %s (from %s)", p, cfg.data, source)
    return cfg
