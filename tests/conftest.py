"""Shared fixtures: a tiny random model folder in the project's format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer MDM saved with ``save_model`` (zero text encoder)."""
    from motionlgd.models import MDM, save_model

    torch.manual_seed(0)
    net = MDM(latent_dim=32, ff_size=64, num_layers=1, num_heads=2, clip_dim=16, dropout=0.0)
    rng = np.random.default_rng(0)
    mean = rng.normal(0, 0.01, 263).astype(np.float32)
    mean[3] = 0.9  # pelvis height
    std = np.full(263, 0.05, dtype=np.float32)
    d = tmp_path_factory.mktemp("tiny_model")
    save_model(d, net, mean, std, text_encoder="zero", num_steps=100, name="tiny-test-model")
    return d
