"""Videos, GIFs, stills and top-down plots: frame count, size, non-blank, atomic and no-overwrite."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
imageio = pytest.importorskip("imageio")
imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

from motionlgd.errors import MissingDependencyError, OutputExistsError  # noqa: E402
from motionlgd.render import _deps, render_motion, render_topdown, select_backend  # noqa: E402


def _backends() -> list:
    ok, reason = _deps.probe_pyrender()
    pyrender_mark = pytest.mark.skipif(not ok, reason=f"pyrender unusable here: {reason[:200]}")
    return [pytest.param("pyrender", marks=pyrender_mark), "matplotlib"]


BACKENDS = _backends()


def _check_frames(frames: np.ndarray, n: int, h: int, w: int) -> None:
    assert frames.shape == (n, h, w, 3)
    assert frames.std() > 10, "frames look blank"
    assert np.abs(frames[0].astype(float) - frames[-1].astype(float)).mean() > 1.0, "first and last frame equal"


def _no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], "temporary file left behind"


@pytest.mark.parametrize("backend", BACKENDS)
def test_mp4(tmp_path: Path, walk: np.ndarray, scene, backend: str) -> None:
    out = render_motion(walk, tmp_path / "clip.mp4", fps=20, scene=scene, backend=backend, size=(160, 120))
    assert out == tmp_path / "clip.mp4"
    nframes, secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert nframes == 12
    assert secs == pytest.approx(0.6, abs=0.06)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    w, h = meta["size"]
    frames = np.stack([np.frombuffer(b, dtype=np.uint8).reshape(h, w, 3) for b in reader])
    _check_frames(frames, 12, 128, 160)  # mp4 heights round up to a multiple of 16
    _no_temp_files(tmp_path)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gif_several_samples(tmp_path: Path, walk: np.ndarray, scene, backend: str) -> None:
    two = np.stack([walk, walk + np.array([0.6, 0.0, 0.0])])
    out = render_motion(two, tmp_path / "clip.gif", scene=scene, backend=backend, size=(160, 120),
                        labels=["a", "b"], camera="frame")  # fmt: skip
    frames = np.asarray(imageio.v3.imread(out, index=None))[..., :3]
    _check_frames(frames, 12, 120, 160)
    _no_temp_files(tmp_path)


def test_png_still_and_topdown(tmp_path: Path, walk: np.ndarray, scene) -> None:
    still = render_motion(walk, tmp_path / "still.png", scene=scene, backend="matplotlib", size=(200, 150), frame=5)
    img = imageio.v3.imread(still)
    assert img.shape[:2] == (150, 200) and img.std() > 10
    top = render_topdown(np.stack([walk, scene.ghost]), tmp_path / "top.png", scene=scene, labels=["a", "b"],
                         size=(400, 300))  # fmt: skip
    img = imageio.v3.imread(top)
    assert img.shape[:2] == (300, 400) and img.std() > 10
    _no_temp_files(tmp_path)


def test_no_overwrite_without_flag(tmp_path: Path, walk: np.ndarray) -> None:
    for name in ("clip.gif", "top.png"):
        target = tmp_path / name
        target.write_bytes(b"keep me")
        with pytest.raises(OutputExistsError):
            if name.endswith(".gif"):
                render_motion(walk, target, backend="matplotlib", size=(64, 48))
            else:
                render_topdown(walk, target)
        assert target.read_bytes() == b"keep me"
    render_motion(walk, tmp_path / "clip.gif", backend="matplotlib", size=(64, 48), overwrite=True)
    assert (tmp_path / "clip.gif").read_bytes()[:3] == b"GIF"
    _no_temp_files(tmp_path)


def test_failure_mid_render_leaves_nothing(tmp_path: Path, walk: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    from motionlgd.render import mpl_backend

    def broken(*args, **kwargs):
        yield np.zeros((48, 64, 3), dtype=np.uint8)
        raise RuntimeError("boom")

    monkeypatch.setattr(mpl_backend, "iter_frames", broken)
    for name in ("clip.mp4", "clip.gif"):
        with pytest.raises(RuntimeError, match="boom"):
            render_motion(walk, tmp_path / name, backend="matplotlib", size=(64, 48))
    assert list(tmp_path.iterdir()) == []


def test_auto_falls_back_to_matplotlib(tmp_path: Path, walk: np.ndarray, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "pyrender", None)  # makes `import pyrender` fail
    with caplog.at_level(logging.WARNING, logger="motionlgd.render"):
        assert select_backend("auto") == "matplotlib"
    assert any("falling back to matplotlib" in r.getMessage() for r in caplog.records)
    with pytest.raises(MissingDependencyError, match="pyrender"):
        select_backend("pyrender")
    out = render_motion(walk, tmp_path / "fallback.gif", backend="auto", size=(64, 48))
    assert out.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_side_by_side_tiles_follow_their_own_sample(tmp_path: Path, walk: np.ndarray, scene, backend: str) -> None:
    from motionlgd.render.scene import SceneSpec, sample_color

    far = np.stack([walk, walk + np.array([6.0, 0.0, 0.0])])  # 6 m apart: one scene could not frame both closely
    plain = SceneSpec(path=scene.path)  # no yellow waypoint, whose colour is close to sample 1's
    out = render_motion(far, tmp_path / "tiles.png", scene=plain, backend=backend, size=(320, 160),
                        labels=["a", "b"], layout="side_by_side", frame=6, show_time=False)  # fmt: skip
    img = imageio.v3.imread(out)[..., :3].astype(float)
    assert img.shape == (160, 320, 3)

    def share(tile: np.ndarray, i: int) -> float:
        target = 255 * np.array(sample_color(i))
        body = tile[20:]  # below the legend
        return float((np.linalg.norm(body - target, axis=-1) < 60).mean())

    left, right = img[:, :160], img[:, 160:]
    assert share(left, 0) > 0.002 and share(right, 1) > 0.002, "each tile shows its own sample"
    assert share(left, 1) < share(left, 0) / 5 and share(right, 0) < share(right, 1) / 5
    frames = np.asarray(imageio.v3.imread(render_motion(far, tmp_path / "tiles.gif", scene=scene, backend=backend,
                        size=(320, 160), layout="side_by_side")))[..., :3]  # fmt: skip
    _check_frames(frames, 12, 160, 320)


def test_bad_layout_writes_nothing(tmp_path: Path, walk: np.ndarray) -> None:
    from motionlgd.errors import MotionLGDError

    with pytest.raises(MotionLGDError, match="layout"):
        render_motion(walk, tmp_path / "x.mp4", layout="grid")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("backend", BACKENDS)
def test_waypoint_times_are_labelled(tmp_path: Path, walk: np.ndarray, backend: str) -> None:
    from motionlgd.render.scene import SceneSpec

    kw = {"backend": backend, "size": (320, 240), "frame": 6, "show_time": False, "camera": "frame"}
    timed = SceneSpec(waypoints=[{"position": [0.3, 1.2], "time": 0.5}])
    untimed = SceneSpec(waypoints=[{"position": [0.3, 1.2]}])
    a = imageio.v3.imread(render_motion(walk, tmp_path / "timed.png", scene=timed, **kw))[..., :3].astype(float)
    b = imageio.v3.imread(render_motion(walk, tmp_path / "untimed.png", scene=untimed, **kw))[..., :3].astype(float)
    changed = np.abs(a - b).sum(-1) > 30
    assert 30 < changed.sum() < 0.1 * changed.size, "a small label appears where the waypoint is"
