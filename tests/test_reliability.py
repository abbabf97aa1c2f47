"""Reliability: NaNs never reach outputs, errors name the loss, fuzzed inputs raise only our errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motionlgd.cli import main
from motionlgd.data.bvh import read_bvh
from motionlgd.errors import MotionLGDError, NumericalError
from motionlgd.io import save_npz
from motionlgd.losses import register_loss
from motionlgd.scenario import parse_scenario

register_loss("always_nan", lambda: lambda motion: motion.root[..., 1].mean(-1) * float("nan"))


def test_nan_loss_stops_with_the_loss_name_and_writes_nothing(tmp_path, tiny_model_dir, capsys):
    import motionlgd

    model = motionlgd.load_model(tiny_model_dir)
    with pytest.raises(NumericalError, match=r"\['always_nan'\].*NaN/inf at model timestep \d+.*also after retrying"):
        motionlgd.generate(duration=1.0, losses=[{"name": "always_nan"}], steps=3, model=model)
    scen = tmp_path / "s.yaml"
    scen.write_text("duration: 1.0\nlosses: [{name: always_nan}]\nsampler: {steps: 3}\n")
    out = tmp_path / "out"
    code = main(["generate", str(scen), "-o", str(out), "--model", str(tiny_model_dir), "--no-video"])
    err = capsys.readouterr().err
    assert code == 2 and "always_nan" in err and not out.exists()


def test_save_npz_refuses_nan(tmp_path):
    with pytest.raises(NumericalError, match="joints"):
        save_npz(tmp_path / "m.npz", {"joints": np.full((2, 22, 3), np.nan)})
    assert not (tmp_path / "m.npz").exists()
    assert list(tmp_path.iterdir()) == []


def test_model_with_nan_weights_is_refused(tmp_path, tiny_model_dir):
    from safetensors.torch import load_file, save_file

    from motionlgd.errors import CheckpointError
    from motionlgd.models import load_model

    bad = tmp_path / "m"
    bad.mkdir()
    (bad / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    t = load_file(str(tiny_model_dir / "model.safetensors"))
    t["embed_text.weight"][0, 0] = float("nan")
    save_file(t, str(bad / "model.safetensors"))
    with pytest.raises(CheckpointError, match=r"embed_text\.weight.*NaN"):
        load_model(bad)


# ---------------------------------------------------------------- fuzzing
_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
)
_values = st.recursive(
    _numbers,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "prompt",
        "duration",
        "fps",
        "seed",
        "num_samples",
        "start",
        "path",
        "waypoints",
        "goal",
        "obstacles",
        "region",
        "regularizers",
        "losses",
        "guidance",
        "sampler",
        "model",
        "bogus",
    ]
)
_point = st.lists(st.floats(-20, 20, allow_nan=False), min_size=2, max_size=2)
_shape = st.fixed_dictionaries(
    {"type": st.sampled_from(["disc", "box", "polygon", "star"])},
    optional={
        "center": _point,
        "radius": _numbers,
        "size": _point,
        "angle": _numbers,
        "points": st.lists(_point, max_size=5),
    },
)
_structured = st.fixed_dictionaries(
    {},
    optional={
        "duration": st.one_of(st.floats(-5, 30), _numbers),
        "path": st.fixed_dictionaries(
            {"points": st.lists(_point, max_size=5)},
            optional={"smooth": _numbers, "mode": st.sampled_from(["timed", "nearest", "x"]), "t_end": _numbers},
        ),
        "obstacles": st.lists(_shape, max_size=3),
        "waypoints": st.lists(st.fixed_dictionaries({"position": _point, "time": st.floats(-1, 12)}), max_size=3),
        "guidance": st.fixed_dictionaries(
            {},
            optional={
                "method": st.sampled_from(["dps", "lgd_mc", "x"]),
                "n": _numbers,
                "scale": _numbers,
                "start": _numbers,
                "stop": _numbers,
            },
        ),
        "goal": st.fixed_dictionaries({"position": _point}),
        "start": st.fixed_dictionaries({"position": _point}, optional={"heading": _numbers}),
    },
)


def _scenario_fuzz(data):
    try:
        sc = parse_scenario(data)
        sc.build_loss()
        sc.check_feasible(196, 20)
    except MotionLGDError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(_keys, _values, max_size=6), _structured, _values))
def test_fuzz_scenario_parser_raises_only_project_errors(data):
    _scenario_fuzz(data)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(_keys, _values, max_size=6), _structured, _values))
def test_fuzz_scenario_parser_long(data):
    _scenario_fuzz(data)


_BVH_OK = (
    "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
    " JOINT Spine\n {\n  OFFSET 0 10 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n  End Site\n  {\n   OFFSET 0 5 0\n  }\n }\n}\n"
    "MOTION\nFrames: 2\nFrame Time: 0.05\n0 90 0 0 0 0 10 0 0\n1 90 0 5 0 0 10 0 0\n"
)


def _bvh_mutations():
    lines = _BVH_OK.splitlines(keepends=True)
    line_edits = st.tuples(
        st.integers(0, len(lines) - 1), st.sampled_from(["drop", "dup", "garble", "trunc", "num"]), st.text(max_size=12)
    )

    def apply(edits):
        ls = list(lines)
        for i, kind, txt in edits:
            i %= len(ls) or 1
            if not ls:
                break
            if kind == "drop":
                del ls[i]
            elif kind == "dup":
                ls.insert(i, ls[i])
            elif kind == "garble":
                ls[i] = txt + "\n"
            elif kind == "trunc":
                ls[i] = ls[i][: len(ls[i]) // 2]
            else:
                ls[i] = ls[i].replace("0", txt or "nan", 1)
        return "".join(ls)

    return st.lists(line_edits, min_size=1, max_size=4).map(apply)


def _bvh_fuzz(text):
    try:
        bvh = read_bvh(text)
        from motionlgd.data.bvh import bvh_forward_kinematics

        assert np.isfinite(bvh_forward_kinematics(bvh)).all()
    except MotionLGDError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_bvh_mutations(), st.text(max_size=200), st.binary(max_size=200)))
def test_fuzz_bvh_reader_raises_only_project_errors(text):
    _bvh_fuzz(text)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_bvh_mutations(), st.text(max_size=400), st.binary(max_size=400)))
def test_fuzz_bvh_reader_long(text):
    _bvh_fuzz(text)


def test_decode_rejects_bad_shapes():
    from motionlgd.errors import ShapeError
    from motionlgd.motion import recover_from_ric

    with pytest.raises(ShapeError, match="263"):
        recover_from_ric(torch.zeros(5, 100))
