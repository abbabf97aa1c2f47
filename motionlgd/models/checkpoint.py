"""Loading and saving models: the project's safetensors format and official MDM checkpoints.

Nothing here downloads anything or unpickles arbitrary objects: the project's own
models are safetensors + json; MDM checkpoints (pickles) are opened with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain
containers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..diffusion.schedule import make_schedule
from ..errors import CheckpointError
from ..io import atomic_write
from .bundle import MotionModel
from .denoiser import PREDICTIONS
from .refiner import DetailGuidance
from .text import TextEncoder, get_text_encoder
from .transformer import MDM, MDM_HUMANML_DEFAULTS

__all__ = [
    "FORMAT_TAG",
    "default_model_dir",
    "load_mdm",
    "load_model",
    "load_state_dict_checked",
    "read_mdm_state_dict",
    "save_model",
]

log = logging.getLogger(__name__)

FORMAT_TAG = "motionlgd-model"
_BUFFER_KEYS = ("sequence_pos_encoder.pe", "embed_timestep.sequence_pos_encoder.pe")
_STATS = ("stats.mean", "stats.std")


def default_model_dir() -> Path:
    """Folder of the default model shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "assets" / "default"


def load_state_dict_checked(
    net: torch.nn.Module, state: Mapping[str, torch.Tensor], source: str, ignore_prefixes: tuple[str, ...] = ()
) -> None:
    """Load ``state`` into ``net`` strictly, with errors that name the file and key.

    Positional-encoding buffers may be absent (they are deterministic).
    """
    expected = net.state_dict()
    state = {k: v for k, v in state.items() if not k.startswith(ignore_prefixes)}
    missing = [k for k in expected if k not in state and k not in _BUFFER_KEYS]
    if missing:
        raise CheckpointError(
            f"{source}: missing key {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        raise CheckpointError(
            f"{source}: unexpected key {unexpected[0]!r}; is this a checkpoint of another architecture?"
        )
    for k, v in state.items():
        if not isinstance(v, torch.Tensor):
            raise CheckpointError(f"{source}: entry {k!r} is not a tensor")
        if tuple(v.shape) != tuple(expected[k].shape):
            raise CheckpointError(
                f"{source}: key {k!r} has shape {tuple(v.shape)}, the model expects {tuple(expected[k].shape)}"
            )
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{source}: key {k!r} contains NaN or inf")
    full = dict(expected)
    full.update(state)
    net.load_state_dict(full)


def save_model(
    directory: str | Path,
    net: MDM,
    mean: np.ndarray,
    std: np.ndarray,
    *,
    schedule_kind: str = "cosine",
    num_steps: int = 1000,
    text_encoder: str = "all-MiniLM-L6-v2",
    fps: float = 20.0,
    max_frames: int = 196,
    cfg_scale: float = 2.5,
    name: str = "motionlgd-model",
    prediction: str = "x0",
    extra: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a model folder: ``model.safetensors`` (weights + ``stats.mean/std``) and ``config.json``.

    Files are written atomically; an existing folder's files are only replaced with
    ``overwrite=True``.
    """
    from safetensors.torch import save

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights_path, config_path = directory / "model.safetensors", directory / "config.json"
    if not overwrite and (weights_path.exists() or config_path.exists()):
        from ..errors import OutputExistsError

        raise OutputExistsError(f"{directory} already holds a model; pass overwrite=True to replace it")
    tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items() if k not in _BUFFER_KEYS}
    tensors["stats.mean"] = torch.as_tensor(np.asarray(mean), dtype=torch.float32)
    tensors["stats.std"] = torch.as_tensor(np.asarray(std), dtype=torch.float32)
    config = {
        "format": FORMAT_TAG,
        "format_version": 1,
        "name": name,
        "architecture": {"class": "MDM", **net.hyperparameters()},
        "diffusion": {"schedule": schedule_kind, "num_steps": num_steps, "prediction": prediction},
        "fps": fps,
        "max_frames": max_frames,
        "skeleton": "humanml3d-22",
        "feature_dim": net.input_feats,
        "text_encoder": text_encoder,
        "cfg_scale": cfg_scale,
        **(extra or {}),
    }
    weights = save(tensors)
    config_text = json.dumps(config, indent=2) + "\n"
    atomic_write(weights_path, lambda tmp: tmp.write_bytes(weights), overwrite=True)
    atomic_write(config_path, lambda tmp: tmp.write_text(config_text), overwrite=True)
    return directory


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CheckpointError(f"config file not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object")
    return data


def load_model(
    path: str | Path | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
) -> MotionModel:
    """Load a motionlgd model folder (default: the model shipped with the package).

    Args:
        path: folder with ``config.json`` and ``model.safetensors`` (or the config file).
        device: where to put the network.
        text_encoder: override the encoder named in the config.

    Returns:
        A :class:`MotionModel` in eval mode.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ..devices import resolve_device

    device = resolve_device(device)
    directory = Path(path) if path is not None else default_model_dir()
    if directory.is_file() and directory.suffix == ".json":
        directory = directory.parent
    if not directory.is_dir():
        raise CheckpointError(f"model folder not found: {directory}")
    config = _read_json(directory / "config.json")
    if config.get("format") != FORMAT_TAG:
        raise CheckpointError(
            f"{directory / 'config.json'}: not a motionlgd model config (format={config.get('format')!r})"
        )
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise CheckpointError(f"weights file not found: {weights}")
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{weights}: not a readable safetensors file ({exc})") from exc
    arch = dict(config.get("architecture", {}))
    arch.pop("class", None)
    try:
        net = MDM(**arch)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{directory / 'config.json'}: bad architecture ({exc})") from exc
    for key in _STATS:
        if key not in tensors:
            raise CheckpointError(f"{weights}: missing key {key!r}")
    mean, std = tensors.pop("stats.mean"), tensors.pop("stats.std")
    load_state_dict_checked(net, tensors, str(weights))
    diff = config.get("diffusion", {})
    try:
        schedule = make_schedule(diff.get("schedule", "cosine"), int(diff.get("num_steps", 1000)))
    except ValueError as exc:
        raise CheckpointError(f"{directory / 'config.json'}: {exc}") from exc
    prediction = diff.get("prediction", "x0")
    if prediction not in PREDICTIONS:
        raise CheckpointError(
            f"{directory / 'config.json'}: unknown diffusion.prediction {prediction!r} (known: {list(PREDICTIONS)})"
        )
    detail = None
    if config.get("detail_guidance") is not None:
        try:
            detail = DetailGuidance.from_dict(dict(config["detail_guidance"]))
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{directory / 'config.json'}: bad detail_guidance ({exc})") from exc
    if text_encoder is None:
        text_encoder = get_text_encoder(config.get("text_encoder", "zero"), net.clip_dim, device=device)
    net.to(device)
    model = MotionModel(
        net=net,
        schedule=schedule,
        mean=mean.numpy(),
        std=std.numpy(),
        text_encoder=text_encoder,
        fps=float(config.get("fps", 20.0)),
        max_frames=int(config.get("max_frames", 196)),
        cfg_scale=float(config.get("cfg_scale", 2.5)),
        prediction=prediction,
        name=str(config.get("name", directory.name)),
        config=config,
        detail_guidance=detail,
    )
    log.info("loaded model %s from %s", model.name, directory)
    return model


def read_mdm_state_dict(checkpoint: str | Path, prefer_avg: bool = True) -> dict[str, torch.Tensor]:
    """Open an MDM checkpoint safely (``weights_only=True``) and return its model state dict.

    Accepts a plain state dict or ``{"model": ..., "model_avg": ...}`` (``model_avg``
    preferred). ``clip_model.*`` keys are dropped.
    """
    path = Path(checkpoint)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            raise CheckpointError(
                f"{path}: refused to load, the file contains Python objects other than tensors ({msg})"
            ) from exc
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({msg})") from exc
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: expected a state dict, found {type(obj).__name__}")
    if prefer_avg and isinstance(obj.get("model_avg"), dict):
        obj = obj["model_avg"]
    elif isinstance(obj.get("model"), dict):
        obj = obj["model"]
    state = {k: v for k, v in obj.items() if isinstance(k, str) and not k.startswith("clip_model.")}
    if not state:
        raise CheckpointError(f"{path}: no model weights found")
    return state


def load_mdm(
    checkpoint: str | Path,
    args_json: str | Path | None = None,
    mean: str | Path | np.ndarray | None = None,
    std: str | Path | np.ndarray | None = None,
    clip_weights: str | Path | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
    cfg_scale: float = 2.5,
) -> MotionModel:
    """Load an official MDM HumanML3D text-to-motion checkpoint from local files.

    Args:
        checkpoint: ``model000XXXXXX.pt`` (plain state dict or with ``model_avg``).
        args_json: MDM's ``args.json`` (default: beside the checkpoint).
        mean, std: ``Mean.npy`` / ``Std.npy`` paths or arrays ``(263,)`` (default: beside
            the checkpoint). Loaded with ``allow_pickle=False``.
        clip_weights: local CLIP ViT-B/32 weights for text prompts (optional; without
            them only unconditional generation works, via a zero text encoder).
        device: where to put the network.
        text_encoder: override the text encoder.
        cfg_scale: default classifier-free guidance scale (MDM's is 2.5).
    """
    from ..devices import resolve_device

    device = resolve_device(device)
    checkpoint = Path(checkpoint)
    args_path = Path(args_json) if args_json is not None else checkpoint.parent / "args.json"
    args = _read_json(args_path)
    hp = dict(MDM_HUMANML_DEFAULTS)
    for key in (
        "latent_dim",
        "ff_size",
        "num_layers",
        "num_heads",
        "dropout",
        "activation",
        "clip_dim",
        "arch",
        "cond_mask_prob",
    ):
        if key in args:
            hp[key] = args[key]
    if "layers" in args:
        hp["num_layers"] = args["layers"]
    if args.get("dataset", "humanml") != "humanml":
        raise CheckpointError(f"{args_path}: dataset {args.get('dataset')!r} is not supported (HumanML3D only)")
    try:
        net = MDM(**hp)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{args_path}: {exc}") from exc
    load_state_dict_checked(net, read_mdm_state_dict(checkpoint), str(checkpoint))

    def _stats(value: str | Path | np.ndarray | None, default_name: str) -> np.ndarray:
        if value is None:
            value = checkpoint.parent / default_name
        if isinstance(value, np.ndarray):
            arr = value
        else:
            p = Path(value)
            if not p.is_file():
                raise CheckpointError(f"normalisation file not found: {p}")
            try:
                arr = np.load(p, allow_pickle=False)
            except (ValueError, OSError) as exc:
                raise CheckpointError(f"{p}: not a numpy array file ({exc})") from exc
        arr = np.asarray(arr, dtype=np.float32).reshape(-1)
        if arr.shape != (net.input_feats,):
            raise CheckpointError(f"{default_name}: expected {net.input_feats} values, got {arr.shape[0]}")
        return arr

    mean_arr, std_arr = _stats(mean, "Mean.npy"), _stats(std, "Std.npy")
    if text_encoder is None:
        text_encoder = get_text_encoder(
            "clip-vit-b32" if clip_weights else "zero", net.clip_dim, device=device, path=clip_weights
        )
    schedule = make_schedule(args.get("noise_schedule", "cosine"), int(args.get("diffusion_steps", 1000)))
    net.to(device)
    return MotionModel(
        net=net,
        schedule=schedule,
        mean=mean_arr,
        std=std_arr,
        text_encoder=text_encoder,
        fps=20.0,
        max_frames=196,
        cfg_scale=cfg_scale,
        name=f"mdm:{checkpoint.name}",
        config={"format": "mdm", "args": args},
    )
