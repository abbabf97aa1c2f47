"""Training a root-conditioned model: masks, the condition, init from a model folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motionlgd.errors import CheckpointError
from motionlgd.train import TrainConfig, train
from motionlgd.train.root_masks import random_root_masks, training_root_condition


def test_masks_are_subsets_of_the_valid_frames_and_mix_all_patterns():
    valid = torch.ones(400, 50, dtype=torch.bool)
    valid[:, 40:] = False
    m = random_root_masks(valid, torch.Generator().manual_seed(0))
    assert not (m & ~valid).any()
    counts = m.sum(1)
    assert (counts == 0).any() and (counts == 40).any() and ((counts > 0) & (counts < 40)).any()
    share_none = float((counts == 0).double().mean())
    assert 0.1 < share_none < 0.35  # ~0.2 plus sparse draws that came out empty


def test_training_condition_is_the_clip_root_under_its_mask():
    from motionlgd.motion.humanml3d import recover_root_rot_pos

    g = torch.Generator().manual_seed(1)
    f = torch.randn(8, 30, 263, generator=g) * 0.05
    valid = torch.ones(8, 30, dtype=torch.bool)
    c = training_root_condition(f, valid, torch.Generator().manual_seed(2), (0.0, 1.0, 0.0, 0.0))
    _, root = recover_root_rot_pos(f)
    torch.testing.assert_close(c[..., :2] * 3.0, root[..., [0, 2]])
    torch.testing.assert_close(c[..., :-1, 2:4] * 0.1, root[..., 1:, [0, 2]] - root[..., :-1, [0, 2]])
    assert torch.equal(c[..., 4], torch.ones(8, 30)) and c[..., -1, 2:4].abs().sum() == 0


def _cfg(tmp_path, **kw) -> TrainConfig:
    base = dict(
        name="rc", out=str(tmp_path / "run"), batch_size=4, max_steps=2, val_every=1, val_batches=1,
        warmup_steps=1, text_encoder="zero", diffusion_steps=100, min_frames=20, max_frames=40,
        model={"latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2, "dropout": 0.0, "root_cond": 5},
    )  # fmt: skip
    base.update(kw)
    return TrainConfig(**base)


def _model_folder(tmp_path):
    """A random model folder whose text size fits the trainer's zero encoder (384)."""
    from motionlgd.models import MDM, save_model

    torch.manual_seed(0)
    net = MDM(latent_dim=32, ff_size=64, num_layers=1, num_heads=2, clip_dim=384, dropout=0.0)
    mean, std = np.zeros(263, np.float32), np.full(263, 0.5, np.float32)
    return save_model(tmp_path / "base", net, mean, std, text_encoder="zero", num_steps=100, name="base")


def test_init_from_a_model_folder_starts_equal_to_it(tmp_path, toy_data):
    import motionlgd

    tiny_model_dir = _model_folder(tmp_path)
    cfg = _cfg(tmp_path, init_from=str(tiny_model_dir), lr=0.0)
    ckpt = train(cfg, data=toy_data, progress=False, export_to=tmp_path / "model")
    st = torch.load(ckpt, weights_only=True)
    assert set(st["init_info"] and __import__("json").loads(st["init_info"])) == {"steps", "hours"}
    before = motionlgd.load_model(tiny_model_dir)
    after = motionlgd.load_model(tmp_path / "model")
    assert after.net.root_cond == 5
    np.testing.assert_allclose(after.mean.numpy(), before.mean.numpy())
    x, t = torch.randn(1, 12, 263), torch.tensor([7])
    with torch.no_grad():  # lr 0 and a zero-initialised condition layer: the same network
        torch.testing.assert_close(after.net(x, t), before.net(x, t))


def test_init_from_a_model_folder_of_another_architecture_is_refused(tmp_path, toy_data):
    cfg = _cfg(tmp_path, init_from=str(_model_folder(tmp_path)))
    cfg.model.update(latent_dim=64, ff_size=128)
    with pytest.raises(CheckpointError, match="architecture"):
        train(cfg, data=toy_data, progress=False)


def test_a_root_conditioned_run_starts_from_a_plain_runs_checkpoint(tmp_path, toy_data):
    plain = _cfg(tmp_path, max_steps=1)
    plain.model.pop("root_cond")
    ckpt = train(plain, data=toy_data, progress=False)
    cond = _cfg(tmp_path, out=str(tmp_path / "cond"), init_from=str(ckpt), lr=0.0)
    train(cond, data=toy_data, progress=False)
    st = torch.load(tmp_path / "cond" / "last.pt", weights_only=True)
    base = torch.load(ckpt, weights_only=True)
    torch.testing.assert_close(
        st["ema"]["input_process.poseEmbedding.weight"], base["ema"]["input_process.poseEmbedding.weight"]
    )
    assert float(st["ema"]["embed_root.weight"].abs().sum()) == 0.0  # lr 0: the new input stays at zero
