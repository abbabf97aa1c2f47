"""Training paths: config-relative paths, --data / MOTIONLGD_DATA precedence, MOTIONLGD_CACHE,
``init_from: run:NAME``, and errors that name the real cause."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from motionlgd.data.dataset import DataFolderError, cache_dir
from motionlgd.errors import CheckpointError, MotionLGDError
from motionlgd.train import TrainConfig, TrainResult, load_config, train
from motionlgd.train.paths import resolve_init_from, runs_root


@pytest.fixture(autouse=True)
def _no_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MOTIONLGD_DATA from the caller; caches and runs in a temporary folder."""
    monkeypatch.delenv("MOTIONLGD_DATA", raising=False)
    monkeypatch.setenv("MOTIONLGD_CACHE", str(tmp_path / "cache"))


def _tiny(name: str, **kw: object) -> TrainConfig:
    return TrainConfig(
        name=name,
        model={"latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2, "dropout": 0.1, "cond_mask_prob": 0.2},
        text_encoder="zero",
        diffusion_steps=100,
        batch_size=4,
        max_steps=2,
        warmup_steps=1,
        min_frames=40,
        max_frames=60,
        val_every=2,
        val_batches=1,
        checkpoint_minutes=100.0,
        **kw,  # type: ignore[arg-type]
    )


def _write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "c.yaml"
    f.write_text(text)
    return f


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _write_config(
        tmp_path / "proj" / "configs", "name: x\ndata: ../data\ninit_from: ../runs/a/last.pt\nout: ../runs/x\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(Path("..") / "proj" / "configs" / "c.yaml")
    proj = (tmp_path / "proj").resolve()
    assert cfg.data == str(proj / "data")
    assert cfg.init_from == str(proj / "runs" / "a" / "last.pt")
    assert cfg.out_dir() == proj / "runs" / "x"
    assert load_config(f).data == cfg.data  # the same from any folder
    # overrides from the command line are relative to the current folder; run:NAME is kept
    cfg = load_config(f, data="d", out="o", init_from="i.pt")
    assert (cfg.data, cfg.out, cfg.init_from) == tuple(str(elsewhere.resolve() / n) for n in ("d", "o", "i.pt"))
    assert load_config(f, init_from="run:base").init_from == "run:base"


def test_data_precedence_is_flag_then_env_then_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _write_config(tmp_path / "cfg", "name: x\ndata: from_config\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(f).data == str(tmp_path.resolve() / "cfg" / "from_config")
    monkeypatch.setenv("MOTIONLGD_DATA", str(tmp_path / "from_env"))
    assert load_config(f).data == str(tmp_path.resolve() / "from_env")
    assert load_config(f, data="from_flag").data == str(tmp_path.resolve() / "from_flag")
    g = _write_config(tmp_path / "nodata", "name: y\n")  # no data: at all -> the environment
    assert load_config(g).data == str(tmp_path.resolve() / "from_env")


def test_run_folders_and_caches_follow_motionlgd_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir() == tmp_path / "cache" and runs_root() == tmp_path / "cache" / "train"
    assert _tiny("abc").out_dir() == tmp_path / "cache" / "train" / "abc"
    monkeypatch.setenv("MOTIONLGD_CACHE", "~/somewhere")
    assert cache_dir() == Path.home() / "somewhere"
    monkeypatch.setenv("MOTIONLGD_CACHE", "")
    assert cache_dir() == Path.home() / ".cache" / "motionlgd"


def test_init_from_a_run_name(tmp_path: Path, toy_data) -> None:
    base = train(_tiny("base"), progress=False, data=toy_data)  # in $MOTIONLGD_CACHE/train/base
    assert isinstance(base, TrainResult) and base.checkpoint == tmp_path / "cache" / "train" / "base" / "last.pt"
    assert base.finished and base.step == 2 and base.exported is None and os.fspath(base) == str(base.checkpoint)
    f = _write_config(tmp_path / "cfg", "name: stage2\ninit_from: run:base\n")
    cfg = load_config(f)
    for key, value in vars(_tiny("stage2")).items():
        if key not in ("init_from", "name"):
            setattr(cfg, key, value)
    result = train(cfg, progress=False, data=toy_data, export_to=tmp_path / "model")
    assert result.exported == tmp_path / "model" and result.finished
    info = json.loads((tmp_path / "model" / "config.json").read_text())["training"]
    assert info["init_from"]["steps"] == 2
    # beside the run's own folder (runs placed with --out) comes first
    side = tmp_path / "runs" / "base" / "last.pt"
    side.parent.mkdir(parents=True)
    side.write_bytes(b"")
    assert resolve_init_from("run:base", tmp_path / "runs" / "next") == side
    assert resolve_init_from("run:base", tmp_path / "elsewhere" / "next") == base.checkpoint
    with pytest.raises(CheckpointError, match=r"run:missing: no checkpoint at .*cache/train/missing/last\.pt"):
        resolve_init_from("run:missing", tmp_path / "cache" / "train" / "x")


def test_bad_init_from_fails_before_the_data_is_read(tmp_path: Path) -> None:
    cfg = _tiny("x", data=str(tmp_path / "no_data"), init_from=str(tmp_path / "nope.pt"))
    with pytest.raises(CheckpointError, match=r"nope\.pt: no such checkpoint"):
        train(cfg, progress=False)
    cfg.init_from = "run:"
    with pytest.raises(MotionLGDError, match="run:NAME"):
        train(cfg, progress=False)
    f = _write_config(tmp_path / "cfg", "name: x\ninit_from: {run: default}\n")
    with pytest.raises(MotionLGDError, match="init_from must be a path or run:NAME"):
        load_config(f)


def test_missing_data_folder_names_the_folder_and_how_to_set_it(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_data"
    with pytest.raises(DataFolderError) as exc:
        train(_tiny("d", data=str(missing)), progress=False)
    msg = str(exc.value)
    assert isinstance(exc.value, MotionLGDError) and str(missing) in msg
    assert "--data" in msg and "MOTIONLGD_DATA" in msg and "data:" in msg
    assert not (tmp_path / "cache" / "train" / "d").exists()
    with pytest.raises(DataFolderError, match=r"no motion-capture data folder given.*MOTIONLGD_DATA"):
        train(_tiny("d"), progress=False)
    (tmp_path / "data").mkdir()
    with pytest.raises(DataFolderError, match=r"source folder\(s\) \['cmu_mb'\] not found"):
        train(_tiny("d", data=str(tmp_path / "data"), sources=["cmu_mb"]), progress=False)


def test_export_only_without_a_checkpoint_names_the_checkpoint(tmp_path: Path, toy_data) -> None:
    cfg = _tiny("never_trained")
    with pytest.raises(CheckpointError) as exc:
        train(cfg, export_only=True, export_to=tmp_path / "snap", progress=False)
    expected = tmp_path / "cache" / "train" / "never_trained" / "last.pt"
    assert f"no checkpoint found at {expected}" in str(exc.value) and "--out" in str(exc.value)
    train(cfg, progress=False, data=toy_data)
    snap = train(cfg, export_only=True, export_to=tmp_path / "snap", progress=False)
    assert snap.exported == tmp_path / "snap" and snap.step == 2 and snap.finished
    with pytest.raises(MotionLGDError, match="--export DIR"):
        train(cfg, export_only=True, progress=False)
