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


def make_toy_data(n_clips: int = 6, seed: int = 0):
    """A small ProcessedData of random features (4 train clips, 2 val clips)."""
    from motionlgd.data.dataset import ProcessedData

    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 80, size=n_clips)
    feats = rng.normal(size=(int(lengths.sum()), 263)).astype(np.float32) * 0.1
    feats[:, 259:263] = rng.integers(0, 2, size=(len(feats), 4))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return ProcessedData(
        features=feats,
        starts=starts,
        lengths=lengths,
        texts=np.array([f"a person walks {i}" for i in range(n_clips)]),
        sources=np.array(["toy"] * n_clips),
        paths=np.array([f"c{i}" for i in range(n_clips)]),
        mirrored=np.zeros(n_clips, bool),
        split=np.array(["train"] * (n_clips - 2) + ["val"] * 2),
        locomotion=np.array([True, False] * (n_clips // 2)),
    )


@pytest.fixture()
def toy_data():
    """Random processed data for trainer/sampler tests."""
    return make_toy_data()
