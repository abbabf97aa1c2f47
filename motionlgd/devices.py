"""Device strings given by users (``--device``, ``device=``) checked before any work starts."""

from __future__ import annotations

import torch

from .errors import DeviceError

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or a ``torch.device`` -> a usable ``torch.device``.

    Raises:
        DeviceError: the string is not a device, or this machine / torch build cannot use it
            (e.g. ``cuda`` with a CPU-only torch), with one line saying what to pass instead.
    """
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise DeviceError(f"device: {device!r} is not a device (use cpu, cuda or cuda:N)") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
            raise DeviceError(f"device: {device!r} asked for, but {why}; use --device cpu (device='cpu')")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(f"device: {device!r} asked for, but only {torch.cuda.device_count()} CUDA GPU(s) visible")
    elif dev.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise DeviceError(f"device: {device!r} asked for, but MPS is not available here; use --device cpu")
    elif dev.type != "cpu":
        raise DeviceError(f"device: {device!r} is not supported (use cpu, cuda, cuda:N or mps)")
    return dev
