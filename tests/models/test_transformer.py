"""Tests of motionlgd.models.transformer.MDM and the classifier-free-guidance wrapper."""

from __future__ import annotations

import pytest
import torch

from motionlgd.diffusion import make_schedule
from motionlgd.errors import CheckpointError, ShapeError
from motionlgd.models import MDM, MDM_HUMANML_DEFAULTS, ClassifierFreeGuidance, ModelDenoiser

SMALL = {"latent_dim": 32, "ff_size": 64, "num_layers": 2, "num_heads": 4, "clip_dim": 16}


def _small(seed: int = 0, **kw: object) -> MDM:
    torch.manual_seed(seed)
    return MDM(**{**SMALL, **kw}).eval()


@pytest.fixture(scope="module")
def mdm_default() -> MDM:
    torch.manual_seed(0)
    return MDM().eval()


def test_default_state_dict_matches_official_layout(mdm_default: MDM) -> None:
    sd = {k: tuple(v.shape) for k, v in mdm_default.state_dict().items()}
    expected = {
        "input_process.poseEmbedding.weight": (512, 263),
        "input_process.poseEmbedding.bias": (512,),
        "sequence_pos_encoder.pe": (5000, 1, 512),
        "embed_timestep.sequence_pos_encoder.pe": (5000, 1, 512),
        "embed_timestep.time_embed.0.weight": (512, 512),
        "embed_timestep.time_embed.0.bias": (512,),
        "embed_timestep.time_embed.2.weight": (512, 512),
        "embed_timestep.time_embed.2.bias": (512,),
        "embed_text.weight": (512, 512),
        "embed_text.bias": (512,),
        "output_process.poseFinal.weight": (263, 512),
        "output_process.poseFinal.bias": (263,),
    }
    for n in range(8):
        p = f"seqTransEncoder.layers.{n}."
        expected.update(
            {
                p + "self_attn.in_proj_weight": (1536, 512),
                p + "self_attn.in_proj_bias": (1536,),
                p + "self_attn.out_proj.weight": (512, 512),
                p + "self_attn.out_proj.bias": (512,),
                p + "linear1.weight": (1024, 512),
                p + "linear1.bias": (1024,),
                p + "linear2.weight": (512, 1024),
                p + "linear2.bias": (512,),
                p + "norm1.weight": (512,),
                p + "norm1.bias": (512,),
                p + "norm2.weight": (512,),
                p + "norm2.bias": (512,),
            }
        )
    assert sd == expected  # exactly these keys, no more, no fewer
    assert not any(k.startswith("clip_model.") for k in sd)


def test_default_architecture_details(mdm_default: MDM) -> None:
    hp = mdm_default.hyperparameters()
    for k, v in MDM_HUMANML_DEFAULTS.items():
        assert hp[k] == v, k
    layer = mdm_default.seqTransEncoder.layers[0]
    assert not layer.norm_first  # post-LN
    assert layer.self_attn.batch_first is False
    assert layer.self_attn.num_heads == 4
    assert layer.dropout.p == 0.1
    assert isinstance(mdm_default.embed_timestep.time_embed[1], torch.nn.SiLU)
    # the two pe buffers are the same sinusoidal table
    pe = mdm_default.sequence_pos_encoder.pe
    torch.testing.assert_close(pe, mdm_default.embed_timestep.sequence_pos_encoder.pe)
    torch.testing.assert_close(pe[0, 0, 0::2], torch.zeros(256))
    torch.testing.assert_close(pe[0, 0, 1::2], torch.ones(256))
    torch.testing.assert_close(pe[7, 0, 0], torch.sin(torch.tensor(7.0)))
    buffers = dict(mdm_default.named_buffers())
    assert "sequence_pos_encoder.pe" in buffers
    assert "sequence_pos_encoder.pe" not in dict(mdm_default.named_parameters())


def test_default_forward_shape(mdm_default: MDM) -> None:
    torch.manual_seed(1)
    x = torch.randn(2, 5, 263)
    with torch.no_grad():
        out = mdm_default(x, torch.tensor([0, 999]), torch.randn(2, 512))
    assert out.shape == (2, 5, 263) and torch.isfinite(out).all()


@pytest.mark.parametrize("B,T", [(1, 1), (3, 7), (2, 40)])
def test_forward_shapes_and_determinism_in_eval(B: int, T: int) -> None:
    net = _small()
    torch.manual_seed(2)
    x, t, emb = torch.randn(B, T, 263), torch.randint(0, 1000, (B,)), torch.randn(B, 16)
    with torch.no_grad():
        a, b = net(x, t, emb), net(x, t, emb)
    assert a.shape == (B, T, 263)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    # a scalar t broadcasts over the batch
    with torch.no_grad():
        c = net(x, t[0], emb)
        d = net(x, t[:1].expand(B), emb)
    torch.testing.assert_close(c, d)


def test_outputs_depend_on_inputs() -> None:
    net = _small()
    torch.manual_seed(3)
    x, emb = torch.randn(2, 6, 263), torch.randn(2, 16)
    t = torch.tensor([10, 10])
    with torch.no_grad():
        base = net(x, t, emb)
        assert not torch.allclose(base, net(x, torch.tensor([500, 500]), emb))
        assert not torch.allclose(base, net(x, t, emb * 2))
        assert not torch.allclose(base, net(x + 0.1, t, emb))
        # samples in a batch are independent
        torch.testing.assert_close(net(x[:1], t[:1], emb[:1]), base[:1], atol=1e-5, rtol=0)


def test_text_emb_none_equals_zeros() -> None:
    net = _small()
    torch.manual_seed(4)
    x, t = torch.randn(2, 6, 263), torch.tensor([3, 800])
    with torch.no_grad():
        torch.testing.assert_close(net(x, t, None), net(x, t, torch.zeros(2, 16)), rtol=0, atol=0)


def test_padding_mask_makes_valid_frames_independent_of_padding() -> None:
    net = _small()
    torch.manual_seed(5)
    B, T = 2, 10
    x = torch.randn(B, T, 263)
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[0, 6:] = False
    mask[1, 8:] = False
    x2 = x.clone()
    x2[0, 6:] = 100 * torch.randn(4, 263)
    x2[1, 8:] = -50.0
    t, emb = torch.tensor([100, 900]), torch.randn(B, 16)
    with torch.no_grad():
        a = net(x, t, emb, mask=mask)
        b = net(x2, t, emb, mask=mask)
        unmasked = net(x2, t, emb)
    torch.testing.assert_close(a[0, :6], b[0, :6], atol=1e-5, rtol=0)
    torch.testing.assert_close(a[1, :8], b[1, :8], atol=1e-5, rtol=0)
    # the padded result equals running the valid prefix alone
    with torch.no_grad():
        short = net(x[:1, :6], t[:1], emb[:1])
    torch.testing.assert_close(a[0, :6], short[0], atol=1e-5, rtol=0)
    # without the mask the padding does leak
    assert not torch.allclose(unmasked[0, :6], a[0, :6], atol=1e-3)


def test_all_valid_mask_equals_no_mask() -> None:
    net = _small()
    torch.manual_seed(6)
    x, t = torch.randn(2, 5, 263), torch.tensor([1, 2])
    with torch.no_grad():
        torch.testing.assert_close(net(x, t, mask=torch.ones(2, 5, dtype=torch.bool)), net(x, t), atol=1e-5, rtol=0)


def test_forward_is_differentiable_wrt_input() -> None:
    net = _small()
    x = torch.randn(1, 4, 263, requires_grad=True)
    net(x, torch.tensor([5])).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_forward_rejects_bad_shapes() -> None:
    net = _small()
    with pytest.raises(ShapeError):
        net(torch.zeros(2, 5, 262), torch.tensor([0, 0]))
    with pytest.raises(ShapeError):
        net(torch.zeros(5, 263), torch.tensor([0]))
    with pytest.raises(ShapeError):
        net(torch.zeros(2, 5, 263), torch.tensor([0, 0]), torch.zeros(2, 17))
    with pytest.raises(ShapeError):
        net(torch.zeros(2, 5, 263), torch.tensor([0, 0]), torch.zeros(3, 16))


def test_cond_mask_prob_only_in_training() -> None:
    net = _small(cond_mask_prob=1.0)
    emb = torch.randn(4, 16)
    torch.testing.assert_close(net.mask_cond(emb), emb)  # eval: unchanged
    net.train()
    torch.testing.assert_close(net.mask_cond(emb), torch.zeros_like(emb))
    net2 = _small(cond_mask_prob=0.5).train()
    kept = net2.mask_cond(torch.ones(2000, 1), generator=torch.Generator().manual_seed(0))
    assert 0.45 < kept.mean().item() < 0.55


def test_unknown_kwargs_raise_type_error() -> None:
    with pytest.raises(TypeError, match="bogus"):
        MDM(**SMALL, bogus=1)


def test_mdm_ignored_args_are_accepted() -> None:
    net = MDM(
        **SMALL,
        modeltype="",
        dataset="humanml",
        num_actions=1,
        translation=True,
        pose_rep="rot6d",
        glob=True,
        glob_rot=True,
        data_rep="hml_vec",
        clip_version="ViT-B/32",
        cond_mode="text",
        diffusion_steps=1000,
    )
    assert net.latent_dim == 32


def test_unsupported_arch_raises_checkpoint_error() -> None:
    with pytest.raises(CheckpointError, match="trans_dec"):
        MDM(**SMALL, arch="trans_dec")
    with pytest.raises(CheckpointError):
        MDM(**SMALL, arch="gru")


def test_latent_not_divisible_by_heads() -> None:
    with pytest.raises(ValueError):
        MDM(latent_dim=30, num_heads=4, num_layers=1)


def test_hyperparameters_rebuild_the_same_model() -> None:
    net = _small(dropout=0.2, activation="relu", max_len=300)
    clone = MDM(**net.hyperparameters()).eval()
    clone.load_state_dict(net.state_dict())
    x = torch.randn(1, 5, 263)
    with torch.no_grad():
        torch.testing.assert_close(clone(x, torch.tensor([3])), net(x, torch.tensor([3])))
    assert net.sequence_pos_encoder.pe.shape == (300, 1, 32)


# --------------------------------------------------------------------------- CFG


@pytest.fixture(scope="module")
def denoiser() -> ModelDenoiser:
    return ModelDenoiser(_small(seed=11), make_schedule("cosine", 50))


def _inputs(B: int = 3, T: int = 6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(12)
    return torch.randn(B, T, 263, generator=g), torch.randint(0, 50, (B,), generator=g), torch.randn(B, 16, generator=g)


def test_model_denoiser_reads_cond(denoiser: ModelDenoiser) -> None:
    x, t, emb = _inputs()
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[0, 4:] = False
    with torch.no_grad():
        out = denoiser(x, t, {"text_emb": emb, "mask": mask})
        torch.testing.assert_close(out, denoiser.model(x, t, text_emb=emb, mask=mask), rtol=0, atol=0)
        torch.testing.assert_close(denoiser(x, t, {}), denoiser.model(x, t), rtol=0, atol=0)


def test_cfg_scale_one_is_plain_conditional(denoiser: ModelDenoiser) -> None:
    x, t, emb = _inputs()
    cfg = ClassifierFreeGuidance(denoiser, 1.0)
    assert cfg.schedule is denoiser.schedule
    with torch.no_grad():
        torch.testing.assert_close(cfg(x, t, {"text_emb": emb}), denoiser(x, t, {"text_emb": emb}), rtol=0, atol=0)


@pytest.mark.parametrize("w", [2.5, 0.0, -1.0, 7.5])
def test_cfg_combination(denoiser: ModelDenoiser, w: float) -> None:
    x, t, emb = _inputs()
    with torch.no_grad():
        x0_c = denoiser(x, t, {"text_emb": emb})
        x0_u = denoiser(x, t, {"text_emb": torch.zeros_like(emb)})
        out = ClassifierFreeGuidance(denoiser, w)(x, t, {"text_emb": emb})
    torch.testing.assert_close(out, x0_u + w * (x0_c - x0_u), atol=1e-4, rtol=1e-5)
    assert out.shape == x.shape


def test_cfg_with_mask(denoiser: ModelDenoiser) -> None:
    x, t, emb = _inputs()
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[1, 3:] = False
    cond = {"text_emb": emb, "mask": mask}
    with torch.no_grad():
        x0_c = denoiser(x, t, cond)
        x0_u = denoiser(x, t, {"text_emb": torch.zeros_like(emb), "mask": mask})
        out = ClassifierFreeGuidance(denoiser, 3.0)(x, t, cond)
    torch.testing.assert_close(out, x0_u + 3.0 * (x0_c - x0_u), atol=1e-4, rtol=1e-5)


def test_cfg_without_text_is_unconditional(denoiser: ModelDenoiser) -> None:
    x, t, _ = _inputs()
    with torch.no_grad():
        torch.testing.assert_close(ClassifierFreeGuidance(denoiser, 2.5)(x, t, {}), denoiser(x, t, {}), rtol=0, atol=0)


def test_cfg_is_differentiable(denoiser: ModelDenoiser) -> None:
    x, t, emb = _inputs(B=1)
    x = x.requires_grad_(True)
    ClassifierFreeGuidance(denoiser, 2.5)(x, t, {"text_emb": emb}).square().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_x0_from_v_output_inverts_the_forward_process() -> None:
    from motionlgd.models.denoiser import x0_from_output

    g = torch.Generator().manual_seed(3)
    x0, eps = torch.randn(3, 7, 263, generator=g), torch.randn(3, 7, 263, generator=g)
    abar = torch.tensor([0.999, 0.5, 0.01])
    a = abar.view(-1, 1, 1)
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
    v = a.sqrt() * eps - (1 - a).sqrt() * x0
    torch.testing.assert_close(x0_from_output(v, x_t, abar, "v"), x0, atol=1e-5, rtol=1e-5)
    assert x0_from_output(v, x_t, abar, "x0") is v
    with pytest.raises(ValueError, match="prediction"):
        x0_from_output(v, x_t, abar, "eps")


class _Const(torch.nn.Module):
    def forward(self, x, t, text_emb=None, mask=None):
        return torch.full_like(x, 0.5)


def test_v_prediction_denoiser_uses_the_schedule() -> None:
    sched = make_schedule("cosine", 50)
    den = ModelDenoiser(_Const(), sched, prediction="v")
    x_t = torch.randn(3, 5, 263)
    t = torch.tensor([0, 25, 49])
    a = torch.tensor(list(sched.alphas_cumprod), dtype=torch.float32)[t].view(-1, 1, 1)
    assert 0.2 < a[1].item() < 0.8  # a middle noise level, where both terms count
    torch.testing.assert_close(den(x_t, t, {}), a.sqrt() * x_t - (1 - a).sqrt() * 0.5)
    assert torch.equal(ModelDenoiser(_Const(), sched)(x_t, t, {}), torch.full_like(x_t, 0.5))
    with pytest.raises(ValueError, match="prediction"):
        ModelDenoiser(_Const(), sched, prediction="eps")


def test_root_condition_starts_at_zero_and_changes_nothing_until_trained():
    import torch

    from motionlgd.models.transformer import MDM, root_condition

    torch.manual_seed(0)
    plain = MDM(latent_dim=32, ff_size=64, num_layers=1, num_heads=2, clip_dim=16, dropout=0.0)
    cond = MDM(latent_dim=32, ff_size=64, num_layers=1, num_heads=2, clip_dim=16, dropout=0.0, root_cond=5)
    missing, unexpected = cond.load_state_dict(plain.state_dict(), strict=False)
    assert set(missing) == {"embed_root.weight", "embed_root.bias"} and not unexpected
    x, t = torch.randn(2, 10, 263), torch.tensor([5, 50])
    rc = root_condition(torch.randn(2, 10, 2), torch.ones(2, 10, dtype=torch.bool))
    with torch.no_grad():
        assert torch.equal(cond(x, t, root_cond=rc), plain(x, t))
        cond.embed_root.weight.fill_(0.1)
        assert not torch.allclose(cond(x, t, root_cond=rc), plain(x, t))
        assert torch.equal(cond(x, t), plain(x, t))  # no condition given: as unconditioned
    assert cond.hyperparameters()["root_cond"] == 5 and "root_cond" not in plain.hyperparameters()
    assert torch.equal(rc[..., 4], torch.ones(2, 10))
    assert root_condition(torch.ones(1, 4, 2), torch.zeros(1, 4)).abs().sum() == 0
    sparse = root_condition(torch.randn(1, 6, 2), torch.tensor([[True, True, False, True, False, False]]))
    assert sparse[0, 0, 2:4].abs().sum() > 0 and sparse[0, 1:, 2:4].abs().sum() == 0  # velocity: both ends constrained


def test_root_condition_shape_is_checked():
    import pytest
    import torch

    from motionlgd.errors import ShapeError
    from motionlgd.models.transformer import MDM

    net = MDM(latent_dim=32, ff_size=64, num_layers=1, num_heads=2, clip_dim=16, root_cond=5)
    with pytest.raises(ShapeError, match="root_cond"):
        net(torch.randn(1, 8, 263), torch.tensor([1]), root_cond=torch.zeros(1, 7, 5))
