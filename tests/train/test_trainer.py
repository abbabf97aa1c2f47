"""Training: exact resume, checkpoints of tensors only, export loads back."""

from __future__ import annotations

import json
import os

import pytest
import torch

from motionlgd.errors import CheckpointError, MotionLGDError
from motionlgd.models import load_model
from motionlgd.train import TrainConfig, load_config, train


def _cfg(tmp_path, name: str, steps: int) -> TrainConfig:
    return TrainConfig(
        name=name,
        out=str(tmp_path / name),
        model={"latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2, "dropout": 0.1, "cond_mask_prob": 0.2},
        text_encoder="zero",
        diffusion_steps=100,
        batch_size=4,
        max_steps=steps,
        warmup_steps=2,
        min_frames=40,
        max_frames=60,
        val_every=2,
        val_batches=1,
        checkpoint_minutes=100.0,
    )


def test_resume_continues_exactly(tmp_path, toy_data):
    data = toy_data
    a = _cfg(tmp_path, "straight", 6)
    train(a, progress=False, data=data)
    b = _cfg(tmp_path, "resumed", 3)
    train(b, progress=False, data=data)
    b.max_steps = 6  # a longer run resumed from step 3 (the LR schedule is the same at max_steps=6)
    b2 = _cfg(tmp_path, "resumed", 6)
    with pytest.raises(MotionLGDError, match="--resume"):
        train(b2, progress=False, data=data)
    train(b2, resume=True, progress=False, data=data)
    sa = torch.load(tmp_path / "straight" / "last.pt", weights_only=True)
    sb = torch.load(tmp_path / "resumed" / "last.pt", weights_only=True)
    assert sa["step"] == sb["step"] == 6
    for k in sa["net"]:
        assert torch.equal(sa["net"][k], sb["net"][k]), k
    for k in sa["ema"]:
        assert torch.equal(sa["ema"][k], sb["ema"][k]), k
    logs = [json.loads(line) for line in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logs] == [1, 2, 3, 4, 5, 6]


def test_export_and_load(tmp_path, toy_data):
    data = toy_data
    cfg = _cfg(tmp_path, "exp", 2)
    train(cfg, progress=False, data=data, export_to=tmp_path / "model")
    m = load_model(tmp_path / "model")
    assert m.config["training"]["steps"] == 2 and m.net.num_layers == 1
    x = torch.randn(1, 10, 263)
    assert m.net(x, torch.tensor([5])).shape == (1, 10, 263)


def test_checkpoint_of_another_architecture_is_refused(tmp_path, toy_data):
    data = toy_data
    cfg = _cfg(tmp_path, "arch", 2)
    train(cfg, progress=False, data=data)
    cfg.model = {**cfg.model, "latent_dim": 64}
    cfg.max_steps = 3
    with pytest.raises(CheckpointError, match=r"trained with model=.*latent_dim"):
        train(cfg, resume=True, progress=False, data=data)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name: x\nbatchsize: 3\n", "unknown setting"),
        ("name: [\n", "invalid YAML"),
        ("name: x\nlr: 0.1\nlr: 0.2\n", r"invalid YAML .*duplicate key 'lr'"),
        ("name: x\nprediction: eps\n", "prediction must be one of"),
        ("name: x\nloss_weighting: snr_plus_one\n", "loss_weighting must be"),
        ("name: x\nlambda_pos: -1\n", "lambda_pos must be a number >= 0"),
        ("name: x\nkeep_every: many\n", "keep_every must be a whole number"),
        ("name: x\ninput_perturbation: -0.1\n", "input_perturbation must be a number >= 0"),
        ("name: x\nkeep_every: 2.5\n", "keep_every must be a whole number"),
        ("name: x\nprediction: v\ninput_perturbation: 0.1\n", "input_perturbation is defined for prediction 'x0'"),
        ("name: x\ntrain_only: refiner\n", "train_only: refiner needs model.refiner"),
        ("name: x\ntrain_only: legs\n", "train_only must be 'refiner'"),
        ("name: x\nlow_t_fraction: 1.5\n", "low_t_fraction must be a number in"),
        ("name: x\nlow_t_max: 0\n", "low_t_max must be a whole step"),
    ],
)
def test_load_config_rejects_bad_settings(tmp_path, text, match):
    f = tmp_path / "c.yaml"
    f.write_text(text)
    with pytest.raises(MotionLGDError, match=match):
        load_config(f)


def test_default_config_parses():
    from pathlib import Path

    cfg = load_config(Path(__file__).resolve().parents[2] / "configs" / "default.yaml")
    assert cfg.model["num_layers"] == 4 and "hdm05_cut" not in cfg.sources
    fine = load_config(Path(__file__).resolve().parents[2] / "configs" / "default_finetune.yaml")
    assert fine.model == {**cfg.model, "dropout": 0.0} and fine.loss_weighting == "min_snr"
    assert fine.init_from == "run:default"  # stage 1's run, wherever MOTIONLGD_CACHE / --out put it
    root = Path(__file__).resolve().parents[3]
    assert cfg.data == fine.data == str((root / "shared" / "data").resolve()) or "MOTIONLGD_DATA" in os.environ


def test_root_loss_weight_changes_the_objective_not_the_logged_feature_loss(tmp_path, toy_data):
    plain = _cfg(tmp_path, "plain", 1)
    heavy = _cfg(tmp_path, "heavy", 1)
    heavy.root_loss_weight = 10.0
    for cfg in (plain, heavy):
        train(cfg, progress=False, data=toy_data)
    logs = [json.loads((tmp_path / n / "log.jsonl").read_text().splitlines()[0]) for n in ("plain", "heavy")]
    assert logs[0]["feat"] == pytest.approx(logs[1]["feat"], rel=1e-6)  # same batch, same network at step 1
    assert logs[0]["total"] != pytest.approx(logs[1]["total"], rel=1e-4)
    a = torch.load(tmp_path / "plain" / "last.pt", weights_only=True)["net"]
    b = torch.load(tmp_path / "heavy" / "last.pt", weights_only=True)["net"]
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_v_prediction_run_exports_a_v_model_and_resume_checks_the_parametrisation(tmp_path, toy_data):
    cfg = _cfg(tmp_path, "vrun", 3)
    cfg.prediction = "v"
    train(cfg, progress=False, data=toy_data, export_to=tmp_path / "vmodel")
    assert load_model(tmp_path / "vmodel").prediction == "v"
    logs = [json.loads(line) for line in (tmp_path / "vrun" / "log.jsonl").read_text().splitlines()]
    assert all(r["feat"] > 0 and r["total"] > 0 for r in logs)
    cfg.prediction = "x0"
    cfg.max_steps = 4
    with pytest.raises(CheckpointError, match="prediction"):
        train(cfg, resume=True, progress=False, data=toy_data)


def test_init_from_starts_a_new_run_from_another_runs_ema(tmp_path, toy_data):
    src = _cfg(tmp_path, "src", 3)
    train(src, progress=False, data=toy_data)
    ema = torch.load(tmp_path / "src" / "last.pt", weights_only=True)["ema"]
    for prediction in ("x0", "v"):
        dst = _cfg(tmp_path, f"dst_{prediction}", 1)
        dst.prediction = prediction
        dst.init_from = str(tmp_path / "src" / "last.pt")
        dst.lr = 1e-12  # the one step leaves the weights (almost) where init_from put them
        train(dst, progress=False, data=toy_data)
        got = torch.load(tmp_path / f"dst_{prediction}" / "last.pt", weights_only=True)
        assert got["step"] == 1
        sign = -1.0 if prediction == "v" else 1.0  # x0 -> v flips the output layer (same output at high noise)
        for k, v in ema.items():
            expect = sign * v if k.startswith("output_process.poseFinal") else v
            torch.testing.assert_close(got["net"][k], expect, atol=1e-6, rtol=0)
    src_state = torch.load(tmp_path / "src" / "last.pt", weights_only=True)
    nodrop = _cfg(tmp_path, "nodrop", 1)
    nodrop.model = {**nodrop.model, "dropout": 0.0}  # a regulariser may change, the weights fit
    nodrop.init_from = str(tmp_path / "src" / "last.pt")
    nodrop.lr = 1e-12
    train(nodrop, progress=False, data=toy_data)
    got = torch.load(tmp_path / "nodrop" / "last.pt", weights_only=True)
    assert torch.equal(got["mean"], src_state["mean"]) and torch.equal(got["std"], src_state["std"])
    assert json.loads(got["init_info"]) == {"steps": 3, "hours": round(src_state["elapsed"] / 3600, 3)}
    torch.testing.assert_close(got["net"]["embed_text.weight"], ema["embed_text.weight"], atol=1e-6, rtol=0)
    nodrop.max_steps = 2  # resuming ignores init_from: the run continues its own weights
    nodrop.init_from = str(tmp_path / "no_such.pt")
    train(nodrop, resume=True, progress=False, data=toy_data)
    bad = _cfg(tmp_path, "bad", 1)
    bad.model = {**bad.model, "latent_dim": 64}
    bad.init_from = str(tmp_path / "src" / "last.pt")
    with pytest.raises(CheckpointError, match="init_from"):
        train(bad, progress=False, data=toy_data)


def test_load_config_resolves_init_from_beside_the_config(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("name: x\nprediction: v\ninit_from: runs/last.pt\n")
    cfg = load_config(f)
    assert cfg.prediction == "v" and cfg.init_from == str((tmp_path / "runs" / "last.pt").resolve())


def test_export_only_reads_the_checkpoint_not_the_data(tmp_path, toy_data):
    cfg = _cfg(tmp_path, "snap", 2)
    train(cfg, progress=False, data=toy_data)
    cfg.data = str(tmp_path / "no_such_data")  # building the dataset would fail
    train(cfg, export_only=True, export_to=tmp_path / "snapshot", progress=False)
    m = load_model(tmp_path / "snapshot")
    info = m.config["training"]
    assert info["steps"] == 2 and info["clips"] == int((~toy_data.mirrored).sum())
    assert info["sources"] == sorted(set(toy_data.sources.tolist()))
    ema = torch.load(tmp_path / "snap" / "last.pt", weights_only=True)["ema"]
    state = m.net.state_dict()
    assert set(ema) == set(state)
    for k, v in state.items():
        assert torch.equal(v, ema[k]), k
    with pytest.raises(MotionLGDError, match="export"):
        train(cfg, export_only=True, progress=False)


def test_min_snr_weighting_changes_the_objective_not_the_logged_feature_loss(tmp_path, toy_data):
    plain = _cfg(tmp_path, "uniform", 1)
    snr = _cfg(tmp_path, "minsnr", 1)
    snr.loss_weighting = "min_snr"
    for cfg in (plain, snr):
        train(cfg, progress=False, data=toy_data)
    logs = [json.loads((tmp_path / n / "log.jsonl").read_text().splitlines()[0]) for n in ("uniform", "minsnr")]
    assert logs[0]["feat"] == pytest.approx(logs[1]["feat"], rel=1e-6)
    assert logs[0]["total"] != pytest.approx(logs[1]["total"], rel=1e-4)


def test_min_snr_weights_are_capped_decreasing_and_mean_one(toy_data):
    from motionlgd.train.trainer import _Trainer

    cfg = TrainConfig(text_encoder="zero", diffusion_steps=100, loss_weighting="min_snr", min_snr_gamma=5.0)
    cfg.model = {**cfg.model, "latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2}
    w = _Trainer(cfg, toy_data, torch.device("cpu")).t_weight
    assert w.mean().item() == pytest.approx(1.0, abs=1e-5)
    assert torch.all(w[1:] <= w[:-1] + 1e-6)
    assert w[0] == w[1] and w[-1] < 0.01 * w[0]  # capped at gamma for low noise; the noisiest levels weigh little
    cfg.min_snr_floor = 1.0
    w = _Trainer(cfg, toy_data, torch.device("cpu")).t_weight
    assert w.mean().item() == pytest.approx(1.0, abs=1e-5)
    assert w[-1] == w[-2] and w[0] / w[-1] == pytest.approx(5.0, rel=1e-5)  # floor 1, cap 5


def test_foreign_files_as_init_from_or_export_source_are_refused(tmp_path, toy_data):
    from motionlgd.train import export_checkpoint

    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    cfg = _cfg(tmp_path, "j", 1)
    cfg.init_from = str(junk)
    with pytest.raises(CheckpointError, match=r"junk\.pt"):
        train(cfg, progress=False, data=toy_data)
    torch.save({"format": "something-else"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a motionlgd training checkpoint"):
        export_checkpoint(tmp_path / "other.pt", tmp_path / "out")
    torch.save({"format": "motionlgd-train", "config": "{}"}, tmp_path / "partial.pt")
    with pytest.raises(CheckpointError, match="incomplete"):
        export_checkpoint(tmp_path / "partial.pt", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_v_loss_is_the_v_error_and_feat_the_x0_error(toy_data):
    from motionlgd.train.trainer import _Trainer

    cfg = TrainConfig(text_encoder="zero", diffusion_steps=100, prediction="v", lambda_vel=0.0, lambda_foot=0.0)
    cfg.model = {**cfg.model, "latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2}
    tr = _Trainer(cfg, toy_data, torch.device("cpu"))
    x0, mask, emb = tr.batch(tr.sampler, 4)

    def half(x, t, text_emb=None, mask=None):  # a stand-in network: v = 0.5 everywhere
        return torch.full_like(x, 0.5)

    total, terms = tr.loss(half, x0, mask, emb, torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)  # replay the same t and noise
    t = torch.randint(0, 100, (4,), generator=g)
    noise = torch.randn(x0.shape, generator=g)
    a = tr.abar[t][:, None, None]
    m = mask[..., None].float()
    v = a.sqrt() * noise - (1 - a).sqrt() * x0
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
    x0_hat = a.sqrt() * x_t - (1 - a).sqrt() * 0.5
    n = m.sum() * 263
    assert float(total) == pytest.approx(float((((0.5 - v) ** 2) * m).sum() / n), rel=1e-5)
    assert terms["feat"] == pytest.approx(float((((x0_hat - x0) ** 2) * m).sum() / n), rel=1e-5)


def test_min_snr_with_v_prediction_is_refused(tmp_path, toy_data):
    cfg = _cfg(tmp_path, "vsnr", 1)
    cfg.prediction, cfg.loss_weighting = "v", "min_snr"
    with pytest.raises(MotionLGDError, match="min_snr"):
        train(cfg, progress=False, data=toy_data)
    assert not (tmp_path / "vsnr").exists()


def test_snapshots_and_the_position_term(tmp_path, toy_data):
    cfg = _cfg(tmp_path, "snap", 4)
    cfg.keep_every, cfg.lambda_pos = 2, 10.0
    train(cfg, progress=False, data=toy_data)
    snaps = sorted(p.name for p in (tmp_path / "snap" / "snapshots").iterdir())
    assert snaps == ["step_000002.pt"]  # the last step is last.pt itself
    logs = [json.loads(line) for line in (tmp_path / "snap" / "log.jsonl").read_text().splitlines()]
    assert all(r["pos"] > 0 for r in logs)
    # the term changes the loss, so the run differs from one without it
    plain = _cfg(tmp_path, "plain", 4)
    train(plain, progress=False, data=toy_data)
    a = torch.load(tmp_path / "snap" / "last.pt", weights_only=True)["net"]
    b = torch.load(tmp_path / "plain" / "last.pt", weights_only=True)["net"]
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_v3_configs_parse():
    from pathlib import Path

    configs = Path(__file__).resolve().parents[2] / "configs"
    cfg = load_config(configs / "v3_geometric.yaml")
    assert cfg.lambda_pos > 0 and cfg.lambda_foot > 50 and cfg.keep_every > 0
    assert Path(cfg.init_from).name == "default"  # the shipped model folder
    v3 = load_config(configs / "v3.yaml")
    assert v3.train_only == "refiner" and v3.model["refiner"]["channels"] > 0 and v3.low_t_fraction > 0


def test_training_only_the_refiner_leaves_the_transformer_as_it_was(tmp_path, toy_data):
    src = _cfg(tmp_path, "plain", 2)
    train(src, progress=False, data=toy_data, export_to=tmp_path / "plain_model")
    head = _cfg(tmp_path, "head", 3)
    head.model = {**head.model, "dropout": 0.0, "refiner": {"channels": 8, "blocks": 1, "kernel": 3, "step_dim": 8}}
    head.train_only = "refiner"
    head.low_t_fraction = 0.5
    head.low_t_max = 10
    head.init_from = str(tmp_path / "plain_model")  # a folder without a head: the head starts at zero
    train(head, progress=False, data=toy_data, export_to=tmp_path / "head_model")
    before = load_model(tmp_path / "plain_model").net.state_dict()
    after = load_model(tmp_path / "head_model")
    state = after.net.state_dict()
    assert all(torch.equal(before[k], state[k]) for k in before)  # the transformer is frozen
    assert any(k.startswith("refiner.") and v.abs().sum() > 0 for k, v in state.items() if "out." in k)
    assert after.net.hyperparameters()["refiner"]["channels"] == 8
    ck = torch.load(tmp_path / "head" / "last.pt", weights_only=True)
    assert all(len(s["params"]) for s in ck["opt"]["param_groups"])
    n_opt = sum(len(s["params"]) for s in ck["opt"]["param_groups"])
    assert n_opt == sum(1 for k in ck["net"] if k.startswith("refiner."))  # only the head is optimised
    back = _cfg(tmp_path, "no_head", 1)  # a run without a head takes the headed folder's transformer
    back.lr = 1e-12
    back.init_from = str(tmp_path / "head_model")
    train(back, progress=False, data=toy_data)
    got = torch.load(tmp_path / "no_head" / "last.pt", weights_only=True)["net"]
    assert not any(k.startswith("refiner.") for k in got)
    torch.testing.assert_close(got["embed_text.weight"], before["embed_text.weight"], atol=1e-6, rtol=0)


def test_low_t_fraction_draws_that_share_of_steps_below_low_t_max(toy_data):
    from motionlgd.train.trainer import _Trainer

    cfg = TrainConfig(name="lowt", text_encoder="zero", low_t_fraction=0.25, low_t_max=30)
    tr = _Trainer(cfg, toy_data, torch.device("cpu"))
    t = tr._draw_t(4000, torch.Generator().manual_seed(0))
    low = (t < 30).float().mean()
    assert 0.25 <= float(low) < 0.25 + 0.75 * 30 / 1000 + 0.01  # the forced quarter plus uniform draws
    assert int(t.max()) > 900


def test_input_perturbation_is_deterministic_and_changes_training(tmp_path, toy_data):
    runs = {}
    for name, gamma in (("a", 0.1), ("b", 0.1), ("c", 0.0)):
        cfg = _cfg(tmp_path, name, 2)
        cfg.input_perturbation = gamma
        train(cfg, progress=False, data=toy_data)
        runs[name] = torch.load(tmp_path / name / "last.pt", weights_only=True)["net"]
    assert all(torch.equal(runs["a"][k], runs["b"][k]) for k in runs["a"])  # deterministic
    assert any(not torch.equal(runs["a"][k], runs["c"][k]) for k in runs["a"])


def test_max_steps_override_continues_a_finished_run(tmp_path, toy_data):
    """``load_config(max_steps=)`` (the CLI's ``--max-steps``) overrides the file, is
    checked like it, and lets ``--resume`` carry a finished run further."""
    f = tmp_path / "c.yaml"
    f.write_text("name: x\nmax_steps: 10\n")
    assert load_config(f).max_steps == 10 and load_config(f, max_steps=25).max_steps == 25
    with pytest.raises(MotionLGDError, match="max_steps"):
        load_config(f, max_steps=0)
    run = _cfg(tmp_path, "warm", 2)
    assert train(run, progress=False, data=toy_data).finished
    run.max_steps = 4
    result = train(run, resume=True, progress=False, data=toy_data)
    assert result.step == 4 and result.finished
