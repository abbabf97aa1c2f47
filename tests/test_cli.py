"""The command line: outputs, never overwriting, and one-line errors that write nothing."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from motionlgd.cli import main

SCEN = """
prompt: a person walks
duration: 2.0
num_samples: 2
path: {points: [[0, 0], [0, 2]]}
obstacles: [{type: disc, center: [0.3, 1.0], radius: 0.2}]
guidance: {method: lgd_mc, n: 4}
sampler: {name: ddim, steps: 4}
"""


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def scenario(tmp_path):
    f = tmp_path / "scen.yaml"
    f.write_text(SCEN)
    return f


def test_generate_writes_contract_outputs(tmp_path, scenario, tiny_model_dir, capsys):
    out = tmp_path / "out"
    code, stdout, _ = _run(
        capsys, "generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video", "-q"
    )
    assert code == 0, stdout
    with np.load(out / "motion.npz", allow_pickle=False) as z:
        assert z["joints"].shape == (2, 40, 22, 3) and z["features"].shape == (2, 40, 263)
        assert float(z["fps"]) == 20.0 and np.isfinite(z["joints"]).all()
    m = json.loads((out / "metrics.json").read_text())
    assert m["method"] == "lgd_mc" and m["n"] == 4 and len(m["per_sample"]) == 2
    for key in ("path_error_mean_m", "obstacle_penetrated", "foot_skating_ratio"):
        assert key in m["mean"]
    assert "time_s" in m
    # overrides from the command line
    out2 = tmp_path / "out2"
    code, _, _ = _run(
        capsys,
        "generate",
        str(scenario),
        "-o",
        str(out2),
        "--model",
        str(tiny_model_dir),
        "--no-video",
        "-q",
        "--method",
        "dps",
        "--steps",
        "3",
        "--num-samples",
        "1",
    )
    assert code == 0
    m2 = json.loads((out2 / "metrics.json").read_text())
    assert m2["method"] == "dps" and m2["steps"] == 3 and m2["num_samples"] == 1
    # the precise method: the route plan and which constraints each sample met
    out3 = tmp_path / "out3"
    args = ("generate", str(scenario), "-o", str(out3), "--model", str(tiny_model_dir), "--no-video", "-q")
    code, _, _ = _run(capsys, *args, "--method", "precise", "--steps", "3")
    assert code == 0
    m3 = json.loads((out3 / "metrics.json").read_text())
    assert m3["method"] == "precise" and set(m3["route"]) >= {"detour_mean_m", "max_speed_mps"}
    row = m3["per_sample"][0]
    assert row["constraints_met"]["obstacles"] is True and row["route_error_mean_m"] < 0.01
    assert 0.0 <= m3["mean"]["constraints_met"] <= 1.0


@pytest.mark.parametrize(("flags", "method"), [(("--clean-feet",), "pin"), (("--foot-cleanup", "steps"), "steps")])
def test_generate_clean_feet_writes_cleaned_joints_without_features(
    tmp_path, scenario, tiny_model_dir, capsys, flags, method
):
    out = tmp_path / "clean"
    args = ("generate", str(scenario), "--model", str(tiny_model_dir), "--no-video", "-q", "--method", "none")
    code, stdout, _ = _run(capsys, *args, "-o", str(out), *flags)
    assert code == 0, stdout
    code, _, _ = _run(capsys, *args, "-o", str(tmp_path / "raw"))
    assert code == 0
    with np.load(out / "motion.npz", allow_pickle=False) as z, np.load(tmp_path / "raw" / "motion.npz") as r:
        assert "features" not in z.files and "features" in r.files
        assert z["joints"].shape == r["joints"].shape
        np.testing.assert_allclose(z["joints"][:, :, 0], r["joints"][:, :, 0], atol=1e-6)  # pelvis path kept
    m = json.loads((out / "metrics.json").read_text())
    assert m["clean_feet"] == method and "foot_skating_before_cleanup" in m["mean"]


def test_generate_never_overwrites(tmp_path, scenario, tiny_model_dir, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "motion.npz").write_bytes(b"precious")
    code, _, err = _run(capsys, "generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video")
    assert code == 2 and "already exists" in err and "--overwrite" in err
    assert (out / "motion.npz").read_bytes() == b"precious"
    assert sorted(p.name for p in out.iterdir()) == ["motion.npz"]
    code, _, _ = _run(
        capsys,
        "generate",
        str(scenario),
        "-o",
        str(out),
        "--model",
        str(tiny_model_dir),
        "--no-video",
        "--overwrite",
        "-q",
    )
    assert code == 0 and (out / "motion.npz").read_bytes() != b"precious"


BAD_SCENARIOS = {
    "one_point_path": ("path: {points: [[0, 0]]}\n", "path.points: needs at least 2 points"),
    "zero_radius": ("obstacles: [{type: disc, center: [2, 2], radius: 0}]\n", "radius: must be > 0"),
    "too_long": ("duration: 700\npath: {points: [[0, 0], [0, 9]]}\n", "duration: must be <= 600"),
    "unknown_loss": ("losses: [{name: teleport}]\n", "unknown loss 'teleport'"),
    "start_inside": ("obstacles: [{type: disc, center: [0, 0], radius: 1}]\n", "start point (0, 0) lies inside"),
    "nan": ("duration: .nan\n", "duration: must be a finite number"),
    "malformed_yaml": ("path: {points: [[0, 0], [1, 1]\n", "invalid YAML at line"),
}


@pytest.mark.parametrize("name", sorted(BAD_SCENARIOS))
def test_bad_scenarios_fail_with_one_line_and_write_nothing(tmp_path, tiny_model_dir, capsys, name):
    text, expected = BAD_SCENARIOS[name]
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    out = tmp_path / "out"
    code, _stdout, err = _run(capsys, "generate", str(f), "-o", str(out), "--model", str(tiny_model_dir), "--no-video")
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("WARNING")]
    assert len(lines) == 1 and lines[0].startswith("motionlgd: error:") and expected in lines[0], err
    assert "Traceback" not in err
    assert not out.exists()


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("kind", ["corrupt", "text", "pickle_exploit", "foreign_safetensors"])
def test_bad_checkpoints_fail_cleanly(tmp_path, scenario, tiny_model_dir, capsys, kind):
    marker = tmp_path / "pwned"
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    if kind == "corrupt":
        data = (tiny_model_dir / "model.safetensors").read_bytes()
        (bad / "model.safetensors").write_bytes(data[: len(data) // 2])
        spec = ["--model", str(bad)]
    elif kind == "text":
        (bad / "model.safetensors").write_text("hello, I am not a model\n")
        spec = ["--model", str(bad)]
    elif kind == "foreign_safetensors":
        from safetensors.numpy import save_file

        save_file({"some.other.weight": np.zeros((3, 3), np.float32)}, str(bad / "model.safetensors"))
        spec = ["--model", str(bad)]
    else:
        evil = tmp_path / "model000100000.pt"
        with open(evil, "wb") as fh:
            pickle.dump({"model": _Evil(marker)}, fh)
        (tmp_path / "args.json").write_text("{}")
        scen = tmp_path / "mdm.yaml"
        scen.write_text(SCEN + f"model: {{mdm_checkpoint: {evil}}}\n")
        scenario, spec = scen, []
    out = tmp_path / "out"
    code, _, err = _run(capsys, "generate", str(scenario), "-o", str(out), *spec, "--no-video")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("motionlgd: error:"), err
    assert ("model.safetensors" in lines[0]) or ("model000100000.pt" in lines[0])
    assert not marker.exists(), "unpickling executed code"
    assert not out.exists()


def test_import_truncated_bvh_fails_with_line(tmp_path, capsys):
    bvh = tmp_path / "t.bvh"
    bvh.write_text(
        "HIERARCHY\nROOT Hips\n{\n  OFFSET 0 0 0\n  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
        "  End Site\n  {\n    OFFSET 0 1 0\n  }\n}\nMOTION\nFrames: 3\nFrame Time: 0.05\n0 0 0 0 0 0\n0 0 0\n"
    )
    out = tmp_path / "m.npz"
    code, _, err = _run(capsys, "import", str(bvh), "-o", str(out))
    assert code == 2 and "line" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_debug_shows_traceback(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("path: {points: [[0, 0]]}\n")
    from motionlgd.errors import ScenarioError

    with pytest.raises(ScenarioError):
        main(["--debug", "generate", str(f), "-o", str(tmp_path / "o"), "--no-video"])


def test_export_round_trip_from_generate(tmp_path, scenario, tiny_model_dir, capsys):
    out = tmp_path / "out"
    assert (
        _run(capsys, "generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video", "-q")[0]
        == 0
    )
    code, _stdout, _ = _run(capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "clip.bvh"))
    assert code == 0
    assert (tmp_path / "clip_0.bvh").is_file() and (tmp_path / "clip_1.bvh").is_file()
    code, _, err = _run(capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "clip.bvh"), "--sample", "0")
    assert code == 0
    code, _, err = _run(capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "clip.bvh"), "--sample", "0")
    assert code == 2 and "already exists" in err
    code, _, _ = _run(
        capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "smpl.npz"), "--format", "smpl", "--sample", "1"
    )
    assert code == 0
    with np.load(tmp_path / "smpl.npz", allow_pickle=False) as z:
        assert z["poses"].shape == (40, 72) and z["trans"].shape == (40, 3)


def test_export_glb_and_mixamo_rig(tmp_path, scenario, tiny_model_dir, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video")[0] == 0
    motion = str(out / "motion.npz")
    code, stdout, _ = _run(capsys, "export", motion, "-o", str(tmp_path / "w.glb"), "--sample", "0", "--rig", "mixamo")
    assert code == 0 and "w.glb" in stdout
    assert (tmp_path / "w.glb").read_bytes()[:4] == b"glTF"
    code, _, _ = _run(capsys, "export", motion, "-o", str(tmp_path / "m.bvh"), "--sample", "1", "--rig", "mixamo",
                      "--rest-pose", "a")  # fmt: skip
    text = (tmp_path / "m.bvh").read_text()
    assert code == 0 and "ROOT mixamorig:Hips" in text and "JOINT mixamorig:LeftForeArm" in text
    code, _, err = _run(capsys, "export", motion, "-o", str(tmp_path / "z.glb"), "--sample", "0", "--up", "z")
    assert code == 2 and "Y up" in err and not (tmp_path / "z.glb").exists()


@pytest.mark.parametrize("flags", [("--clean-feet",), ("--foot-cleanup", "steps")])
def test_export_with_foot_cleanup_reports_skating(tmp_path, scenario, tiny_model_dir, capsys, flags):
    out = tmp_path / "out"
    args = ("generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video", "-q")
    assert _run(capsys, *args)[0] == 0
    code, stdout, _ = _run(
        capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "c.npz"), "--sample", "0", *flags
    )
    assert code == 0 and "sample 0: foot skating" in stdout
    with np.load(tmp_path / "c.npz", allow_pickle=False) as z, np.load(out / "motion.npz") as r:
        assert z["joints"].shape == r["joints"][0].shape
        np.testing.assert_allclose(z["joints"][:, 0], r["joints"][0, :, 0], atol=1e-6)  # pelvis kept


def test_unknown_foot_cleanup_is_a_usage_error(tmp_path, scenario, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["generate", str(scenario), "-o", str(tmp_path / "o"), "--foot-cleanup", "skate"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_foot_cleanup_none_overrides_the_scenario_and_is_recorded(tmp_path, scenario, tiny_model_dir, capsys):
    scen = tmp_path / "steps.yaml"
    scen.write_text(scenario.read_text() + "foot_cleanup: steps\n")
    args = ("generate", str(scen), "--model", str(tiny_model_dir), "--no-video", "-q")
    assert _run(capsys, *args, "-o", str(tmp_path / "a"))[0] == 0
    assert _run(capsys, *args, "-o", str(tmp_path / "b"), "--foot-cleanup", "none")[0] == 0
    with np.load(tmp_path / "a" / "motion.npz") as a, np.load(tmp_path / "b" / "motion.npz") as b:
        assert "features" not in a.files and "features" in b.files
        assert "foot_cleanup: steps" in str(a["scenario"]) and "foot_cleanup" not in str(b["scenario"])
    assert "foot_cleanup" not in (tmp_path / "b" / "scenario.yaml").read_text()  # re-running it gives b
    code, _, _ = _run(capsys, "export", str(tmp_path / "b" / "motion.npz"), "-o", str(tmp_path / "raw.npz"),
                      "--sample", "0", "--foot-cleanup", "none")  # fmt: skip
    assert code == 0
    with np.load(tmp_path / "raw.npz") as z:
        assert "features" in z.files  # nothing cleaned: the model's features still match


def test_clean_feet_and_foot_cleanup_are_exclusive(tmp_path, scenario, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["generate", str(scenario), "-o", str(tmp_path / "o"), "--foot-cleanup", "steps", "--clean-feet"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_device_this_machine_lacks_is_a_user_error(tmp_path, scenario, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    for device in ("cuda", "gpu"):
        out = tmp_path / device
        code, _, err = _run(capsys, "generate", str(scenario), "-o", str(out), "--device", device, "--no-video")
        assert code == 2 and "device" in err and "internal error" not in err, err
        assert len(err.strip().splitlines()) == 1 and not out.exists()
    cfg = tmp_path / "train.yaml"
    cfg.write_text("name: tiny\n")
    code, _, err = _run(capsys, "train", str(cfg), "--device", "cuda", "--out", str(tmp_path / "run"))
    assert code == 2 and "device" in err and not (tmp_path / "run").exists(), err


def test_no_video_still_draws_the_topdown_and_render_picks_by_suffix(tmp_path, scenario, tiny_model_dir, capsys):
    from PIL import Image

    out = tmp_path / "out"
    args = ("generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video", "-q")
    assert _run(capsys, *args)[0] == 0
    assert (out / "topdown.png").is_file() and not (out / "video.mp4").exists()
    motion = str(out / "motion.npz")
    base = ("--backend", "matplotlib", "--size", "320x240", "-q")
    assert _run(capsys, "render", motion, "-o", str(tmp_path / "still.png"), "--frame", "5", *base)[0] == 0
    assert Image.open(tmp_path / "still.png").size == (320, 240)  # a 3D still, as in the API
    assert _run(capsys, "render", motion, "-o", str(tmp_path / "still.jpg"), *base)[0] == 0
    assert _run(capsys, "render", motion, "-o", str(tmp_path / "top.png"), "--topdown", "-q")[0] == 0
    assert Image.open(tmp_path / "top.png").size == (800, 800)
    code, _, err = _run(capsys, "render", motion, "-o", str(tmp_path / "top.mp4"), "--topdown")
    assert code == 2 and "--topdown" in err
    face = str(tmp_path / "face.png")
    assert _run(capsys, "render", motion, "-o", face, "--topdown", "--facing", "-q")[0] == 0
    code, _, err = _run(capsys, "render", motion, "-o", str(tmp_path / "f.mp4"), "--facing")
    assert code == 2 and "add --topdown" in err and not (tmp_path / "f.mp4").exists()


def test_export_of_several_samples_names_the_files_it_writes(tmp_path, scenario, tiny_model_dir, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "generate", str(scenario), "-o", str(out), "--model", str(tiny_model_dir), "--no-video")[0] == 0
    code, stdout, _ = _run(capsys, "export", str(out / "motion.npz"), "-o", str(tmp_path / "walk.bvh"))
    assert code == 0 and "walk_0.bvh" in stdout and "walk_1.bvh" in stdout and "--sample" in stdout
    assert not (tmp_path / "walk.bvh").exists()


def test_train_max_steps_overrides_the_config_and_a_bad_one_is_named(tmp_path, capsys):
    cfg = tmp_path / "train.yaml"
    cfg.write_text("name: tiny\n")
    code, _, err = _run(capsys, "train", str(cfg), "--max-steps", "0", "--out", str(tmp_path / "run"))
    assert code == 2 and "max_steps must be" in err and str(cfg) not in err, err
    assert not (tmp_path / "run").exists()
