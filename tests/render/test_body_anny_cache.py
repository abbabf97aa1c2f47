"""The first-use warning of the anny body (its cache build is slow and large); runs without ``anny``."""

from __future__ import annotations

import logging
import types
from pathlib import Path

import pytest

from motionlgd.render.bodies import anny as anny_body


def _built(cache: Path) -> None:
    (cache / "v1").mkdir(parents=True)
    (cache / "v1" / "build_compact_model_data_0123abcd.safetensors").write_bytes(b"")


def test_message_only_when_the_cache_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    message = anny_body.first_use_message(empty)
    assert message is not None and not anny_body.cache_is_built(empty)
    assert str(empty) in message and "0.8 GB" in message and "min" in message and "reuse" in message
    assert anny_body.first_use_message(tmp_path / "missing" / "deeper") is not None
    _built(empty)
    assert anny_body.cache_is_built(empty)
    assert anny_body.first_use_message(empty) is None


def test_default_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNY_CACHE_DIR", str(tmp_path / "anny"))
    assert anny_body.default_cache_dir() == tmp_path / "anny"
    assert anny_body.first_use_message(anny_body.default_cache_dir()) is not None


class _StopBuildError(Exception):
    pass


def _fake_anny(calls: list[str]) -> types.SimpleNamespace:
    """Stand-in for the ``anny`` module: records the cache path, stops at ``Anny()`` (nothing is built)."""
    state = {"cache": Path("/nonexistent")}

    def set_path(p: Path) -> None:
        calls.append(str(p))
        state["cache"] = Path(p)

    def build(**kwargs: object) -> None:
        raise _StopBuildError

    paths = types.SimpleNamespace(get_anny_cache_path=lambda: state["cache"], set_anny_cache_path=set_path)
    return types.SimpleNamespace(paths=paths, Anny=build)


@pytest.mark.parametrize("built", [False, True])
def test_build_warns_before_the_first_build_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, built: bool
) -> None:
    pytest.importorskip("torch")
    cache = tmp_path / "cache"
    if built:
        _built(cache)
    calls: list[str] = []
    monkeypatch.setattr(anny_body, "_import_anny", lambda: _fake_anny(calls))
    with caplog.at_level(logging.WARNING, logger=anny_body.__name__), pytest.raises(_StopBuildError):
        anny_body.AnnyBody(cache_dir=cache)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if built:
        assert warnings == []
    else:
        assert len(warnings) == 1 and str(cache) in warnings[0] and "first use" in warnings[0]
    assert calls == [str(cache), "/nonexistent"], "anny's cache setting is restored"
