"""The temporal detail head: starts as the identity on the estimate, sees its inputs,
keeps padding out, and travels with the model folder."""

from __future__ import annotations

import pytest
import torch

from motionlgd.models import load_model
from motionlgd.models.checkpoint import save_model
from motionlgd.models.refiner import DetailRefiner
from motionlgd.models.transformer import MDM

SMALL = {"latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2, "dropout": 0.0, "clip_dim": 8}
HEAD = {"channels": 16, "blocks": 2, "kernel": 3, "step_dim": 8}


def _pair(seed: int = 0) -> tuple[MDM, MDM]:
    torch.manual_seed(seed)
    plain = MDM(njoints=263, **SMALL).eval()
    torch.manual_seed(seed)
    headed = MDM(njoints=263, refiner=HEAD, **SMALL).eval()
    return plain, headed


def test_a_new_head_leaves_the_estimate_unchanged():
    plain, headed = _pair()
    missing, unexpected = headed.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("refiner.") for k in missing)
    x, t = torch.randn(2, 30, 263), torch.tensor([5, 700])
    emb = torch.randn(2, 8)
    with torch.no_grad():
        assert torch.equal(plain(x, t, text_emb=emb), headed(x, t, text_emb=emb))


def test_a_trained_head_reads_the_noisy_input_and_the_step():
    head = DetailRefiner(263, **HEAD)
    for p in head.parameters():  # any non-zero weights: the output must depend on x_t and t
        torch.nn.init.normal_(p, std=0.1)
    x, est = torch.randn(1, 20, 263), torch.randn(1, 20, 263)
    base = head(x, est, torch.tensor([10]))
    assert not torch.allclose(base, est)
    assert not torch.allclose(base, head(x + 0.5, est, torch.tensor([10])))
    assert not torch.allclose(base, head(x, est, torch.tensor([900])))


def test_padded_frames_keep_the_estimate_and_do_not_leak():
    head = DetailRefiner(263, **HEAD)
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.1)
    x, est = torch.randn(1, 24, 263), torch.randn(1, 24, 263)
    mask = torch.zeros(1, 24, dtype=torch.bool)
    mask[:, :16] = True
    out = head(x, est, torch.tensor([50]), mask)
    assert torch.equal(out[:, 16:], est[:, 16:])
    x2 = x.clone()
    x2[:, 16:] += 100.0  # what lies in the padding must not reach the valid frames
    torch.testing.assert_close(head(x2, est, torch.tensor([50]), mask)[:, :16], out[:, :16])
    alone = head(x[:, :16], est[:, :16], torch.tensor([50]))  # the same clip unpadded
    torch.testing.assert_close(alone, out[:, :16])


def test_head_is_temporal_and_local():
    head = DetailRefiner(263, **HEAD)  # 2 blocks, kernel 3, dilations 1 and 2: reach 3 frames
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.1)
    x, est = torch.randn(1, 40, 263), torch.randn(1, 40, 263)
    x2 = x.clone()
    x2[:, 20] += 1.0
    d = (head(x2, est, torch.tensor([3])) - head(x, est, torch.tensor([3]))).abs().sum(-1)[0]
    assert d[20] > 0 and d[19] > 0 and d[22] > 0
    assert torch.all(d[:17] == 0) and torch.all(d[24:] == 0)


@pytest.mark.parametrize("bad", [{"kernel": 4}, {"channels": 0}])
def test_bad_head_settings_are_refused(bad):
    with pytest.raises(ValueError):
        DetailRefiner(263, **{**HEAD, **bad})


def test_model_folder_round_trip_keeps_the_head(tmp_path):
    _, headed = _pair(1)
    for p in headed.refiner.parameters():
        torch.nn.init.normal_(p, std=0.05)
    save_model(
        tmp_path / "m", headed, torch.zeros(263).numpy(), torch.ones(263).numpy(), num_steps=100, text_encoder="zero"
    )
    back = load_model(tmp_path / "m")
    assert back.net.hyperparameters()["refiner"] == HEAD
    x, t = torch.randn(1, 12, 263), torch.tensor([7])
    with torch.no_grad():
        torch.testing.assert_close(back.net(x, t), headed(x, t))


def test_detail_guidance_extrapolates_only_above_its_step_on_the_leg_features():
    from motionlgd.models.refiner import LEG_JOINTS, DetailGuidance, joint_feature_mask

    est, refined = torch.randn(2, 30, 263), torch.randn(2, 30, 263)
    t = torch.tensor([10, 400])
    sharp = DetailGuidance(scale=3.0, min_step=50, smooth_frames=0.0, joints=None).combine(est, refined, t)
    assert torch.equal(sharp[0], refined[0])  # below min_step: the head alone
    torch.testing.assert_close(sharp[1], est[1] + 3.0 * (refined[1] - est[1]))
    legs = DetailGuidance(scale=3.0, min_step=50, smooth_frames=0.0).combine(est, refined, t)  # default joints
    mask = joint_feature_mask(LEG_JOINTS).bool()
    assert int(mask.sum()) == len(LEG_JOINTS) * 12 + 4  # position, rotation, velocity; 4 foot contacts
    assert not mask[:4].any()  # the root is never extrapolated by default
    torch.testing.assert_close(legs[1][:, mask], sharp[1][:, mask])
    torch.testing.assert_close(legs[1][:, ~mask], refined[1][:, ~mask])
    assert torch.equal(DetailGuidance(scale=1.0).combine(est, refined, t), refined)
    with pytest.raises(ValueError, match="scale"):
        DetailGuidance(scale=-1.0)
    with pytest.raises(ValueError, match="unknown"):
        DetailGuidance.from_dict({"scale": 2.0, "sigma": 1.0})


def test_the_model_samples_with_its_detail_guidance_and_scale_overrides_it(tmp_path):
    import json

    from motionlgd.models.refiner import DetailGuidance

    _, headed = _pair(2)
    for p in headed.refiner.parameters():
        torch.nn.init.normal_(p, std=0.05)
    extra = {"detail_guidance": {"scale": 3.0, "min_step": 5, "smooth_frames": 0.0, "joints": None}}
    save_model(tmp_path / "m", headed, torch.zeros(263).numpy(), torch.ones(263).numpy(), num_steps=100,
               text_encoder="zero", extra=extra)  # fmt: skip
    model = load_model(tmp_path / "m")
    assert model.detail_guidance == DetailGuidance(3.0, 5, 0.0, None)
    x, t = torch.randn(1, 12, 263), torch.tensor([50])
    with torch.no_grad():
        plain = MDM(njoints=263, **SMALL).eval()
        plain.load_state_dict({k: v for k, v in headed.state_dict().items() if not k.startswith("refiner.")})
        est, refined = plain(x, t), headed(x, t)
        guided = model.denoiser(1.0)(x, t, {})
        alone = model.denoiser(1.0, detail_scale=1.0)(x, t, {})
        off = model.denoiser(1.0, detail_scale=0.0)(x, t, {})
    torch.testing.assert_close(guided, est + 3.0 * (refined - est))
    torch.testing.assert_close(alone, refined)
    torch.testing.assert_close(off, est)
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["detail_guidance"] = {"scale": "lots"}
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    from motionlgd.errors import CheckpointError

    with pytest.raises(CheckpointError, match="detail_guidance"):
        load_model(tmp_path / "m")
