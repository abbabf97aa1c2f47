"""User-given devices are checked before any work starts."""

from __future__ import annotations

import pytest
import torch

from motionlgd.devices import resolve_device
from motionlgd.errors import DeviceError, MotionLGDError


def test_cpu_and_torch_devices_pass() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "", "tpu"])
def test_non_devices_are_refused_by_name(bad: str) -> None:
    with pytest.raises(DeviceError, match="device"):
        resolve_device(bad)


def test_cuda_without_cuda_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(MotionLGDError, match="cpu"):
        resolve_device("cuda")


def test_cuda_index_beyond_the_visible_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match="only 1"):
        resolve_device("cuda:3")
