"""Title/legend layout, per-sample colours (``sample_ids``) and the goal/region overlays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
imageio = pytest.importorskip("imageio")

from motionlgd.errors import MotionLGDError, ScenarioError  # noqa: E402
from motionlgd.render import _deps, render_motion, render_topdown  # noqa: E402
from motionlgd.render.annotate import overlay_boxes, title_band_height  # noqa: E402
from motionlgd.render.scene import SceneSpec, sample_color  # noqa: E402

LONG_TITLE = "guided vs unguided samples of a long scenario name, seed 0"


def _backends() -> list:
    ok, reason = _deps.probe_pyrender()
    pyrender_mark = pytest.mark.skipif(not ok, reason=f"pyrender unusable here: {reason[:200]}")
    return [pytest.param("pyrender", marks=pyrender_mark), "matplotlib"]


BACKENDS = _backends()


def _read(path: Path) -> np.ndarray:
    return imageio.v3.imread(path)[..., :3].astype(float)


def _near(img: np.ndarray, rgb: tuple[float, float, float], tol: float = 60.0) -> np.ndarray:
    """``(H, W)`` bool: pixels within ``tol`` (RGB distance, 0..255) of the colour ``rgb`` (0..1)."""
    return np.linalg.norm(img - 255 * np.asarray(rgb), axis=-1) < tol


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- 1. title and legends ------------------------------------------------------------------------------


def test_legend_moves_below_a_long_title() -> None:
    labels = ["guided", "unguided"]
    short = overlay_boxes((240, 320, 3), "demo", 1.0, labels, "ghost")
    assert short["legend"][0][1] < short["title"][0][3], "a short title leaves the legend at the top"
    for title in (LONG_TITLE, LONG_TITLE * 3):
        boxes = overlay_boxes((240, 320, 3), title, 1.0, labels, "ghost")
        assert len(boxes["legend"]) == 3
        for box in boxes["legend"]:
            assert not _overlap(box, boxes["title"][0]), (title, box, boxes["title"])


def test_title_band_holds_the_title() -> None:
    assert title_band_height(160, "") == 0
    band = title_band_height(160, LONG_TITLE)
    assert band % 2 == 0 and band >= overlay_boxes((160, 320, 3), LONG_TITLE)["title"][0][3]
    tile_legend = overlay_boxes((160 - band, 160, 3), "", None, ["sample 0"])["legend"][0]
    assert tile_legend[1] + band > overlay_boxes((160, 320, 3), LONG_TITLE)["title"][0][3]


@pytest.mark.parametrize("backend", BACKENDS)
def test_side_by_side_title_does_not_cover_legends(tmp_path: Path, walk: np.ndarray, backend: str) -> None:
    two = np.stack([walk, walk + np.array([0.6, 0.0, 0.0])])
    out = render_motion(two, tmp_path / "tiles.png", scene=SceneSpec(title=LONG_TITLE), backend=backend,
                        size=(320, 160), labels=["sample 0", "sample 1"], layout="side_by_side", frame=6,
                        show_time=False)  # fmt: skip
    img = _read(out)
    title = overlay_boxes(img.shape, LONG_TITLE)["title"][0]
    assert title[2] > 160, "the title reaches over the first tile's legend column"
    dark = img.sum(-1) < 200
    assert dark[: int(title[3]) + 1, : int(title[2]) + 1].any(), "title drawn"
    for i in (0, 1):
        swatch = _near(img, sample_color(i), tol=40)
        assert swatch[int(title[3]) + 1 :].any(), f"sample {i} legend/body drawn"
        assert not swatch[: int(title[3]) + 1].any(), f"sample {i}'s colour appears in the title's rows"


# --- 2. sample_ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_ids_keep_the_sample_colour(tmp_path: Path, walk: np.ndarray, backend: str) -> None:
    kw = {"backend": backend, "size": (160, 120), "frame": 6, "show_time": False, "camera": "frame"}
    one = _read(render_motion(walk, tmp_path / "one.png", labels=["sample 1"], sample_ids=[1], **kw))
    body = one[20:]  # below the legend
    assert _near(body, sample_color(1)).mean() > 0.003, "sample 1 is drawn in sample 1's colour"
    assert _near(one, sample_color(0)).sum() == 0, "no trace of sample 0's colour"
    default = _read(render_motion(walk, tmp_path / "default.png", labels=["sample 0"], **kw))
    assert _near(default[20:], sample_color(0)).mean() > 0.003, "default unchanged: the first colour"
    assert _near(default, sample_color(1)).sum() == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_ids_in_side_by_side_tiles(tmp_path: Path, walk: np.ndarray, backend: str) -> None:
    far = np.stack([walk, walk + np.array([6.0, 0.0, 0.0])])
    img = _read(render_motion(far, tmp_path / "tiles.png", backend=backend, size=(320, 160), labels=["a", "b"],
                              layout="side_by_side", frame=6, show_time=False, sample_ids=[3, 1]))  # fmt: skip
    left, right = img[20:, :160], img[20:, 160:]
    assert _near(left, sample_color(3)).mean() > 0.002 and _near(right, sample_color(1)).mean() > 0.002
    assert _near(img, sample_color(0)).sum() == 0 and _near(img, sample_color(2)).sum() == 0


def test_topdown_sample_ids(tmp_path: Path, walk: np.ndarray) -> None:
    img = _read(render_topdown(walk, tmp_path / "top.png", size=(300, 300), sample_ids=[1]))
    assert _near(img, sample_color(1), tol=40).sum() > 200
    assert _near(img, sample_color(0), tol=40).sum() == 0
    default = _read(render_topdown(walk, tmp_path / "default.png", size=(300, 300)))
    assert _near(default, sample_color(0), tol=40).sum() > 200


@pytest.mark.parametrize("bad", [[0, 1], [-1], [1.5], ["1"], [True], 3])
def test_bad_sample_ids_write_nothing(tmp_path: Path, walk: np.ndarray, bad) -> None:
    with pytest.raises(MotionLGDError, match="sample_ids"):
        render_motion(walk, tmp_path / "x.png", backend="matplotlib", sample_ids=bad)
    with pytest.raises(MotionLGDError, match="sample_ids"):
        render_topdown(walk, tmp_path / "x.png", sample_ids=bad)
    assert not list(tmp_path.iterdir())


# --- 3. goal and region ----------------------------------------------------------------------------------

REGION = {"type": "box", "center": [0.2, 1.2], "size": [2.4, 3.0], "angle": 10.0}


def test_scene_goal_and_region_formats() -> None:
    a = SceneSpec(goal=[0.5, 3.0], region=REGION)
    b = SceneSpec.from_dict({"goal": {"position": [0.5, 3.0], "weight": 2.0},
                             "region": {"shape": REGION, "margin": 0.2, "weight": 1.0}})  # fmt: skip
    assert a.goal == b.goal == (0.5, 3.0)
    assert a.region == b.region and a.region is not None
    assert a.region["type"] == "box" and a.region["size"] == (2.4, 3.0) and a.region["angle"] == 10.0
    disc = SceneSpec(region={"type": "disc", "center": [0, 0], "radius": 5.0})
    assert disc.ground_points()[:, 0].max() == pytest.approx(5.0)
    assert (np.abs(a.ground_points() - [0.5, 3.0]).sum(1) < 1e-9).any(), "the goal is kept in view"
    assert SceneSpec().goal is None and SceneSpec().region is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"goal": [1.0]}, "goal"),
        ({"goal": {"weight": 1.0}}, "goal"),
        ({"region": {"type": "ring"}}, "region"),
        ({"region": {"shape": {"type": "disc", "center": [0, 0], "radius": -1}}}, "region"),
        ({"region": [[0, 0], [1, 0], [1, 1]]}, "region"),
    ],
)
def test_bad_goal_or_region(kwargs: dict, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        SceneSpec(**kwargs)


def _changed(a: np.ndarray, b: np.ndarray) -> int:
    return int((np.abs(a - b).sum(-1) > 30).sum())


@pytest.mark.parametrize("backend", BACKENDS)
def test_goal_and_region_are_drawn(tmp_path: Path, walk: np.ndarray, backend: str) -> None:
    # the "follow" camera depends on the joints only, so every picture has the same view
    kw = {"backend": backend, "size": (200, 150), "frame": 6, "show_time": False, "camera": "follow"}
    goal = [0.6, 0.9]  # beside the walk (which goes from (0, 0) to about (0.05, 0.66))
    region = {"type": "box", "center": [0.0, 0.4], "size": [1.6, 1.8]}
    scenes = {"none": SceneSpec(), "goal": SceneSpec(goal=goal), "region": SceneSpec(region=region),
              "both": SceneSpec(goal=goal, region=region)}  # fmt: skip
    imgs = {name: _read(render_motion(walk, tmp_path / f"{name}.png", scene=sc, **kw)) for name, sc in scenes.items()}
    assert _changed(imgs["none"], imgs["goal"]) > 40, "a flag appears"
    assert _changed(imgs["none"], imgs["region"]) > 40, "an outline appears"
    assert _changed(imgs["goal"], imgs["both"]) > 40 and _changed(imgs["region"], imgs["both"]) > 40
    for name in ("goal", "region"):
        assert _changed(imgs["none"], imgs[name]) < 0.25 * imgs["none"][..., 0].size, "only the overlay differs"


def test_topdown_goal_and_region(tmp_path: Path, walk: np.ndarray) -> None:
    from motionlgd.render.scene import GOAL_COLOR, REGION_COLOR

    none = _read(render_topdown(walk, tmp_path / "none.png", size=(300, 300)))
    both = _read(render_topdown(walk, tmp_path / "both.png", size=(300, 300),
                                scene=SceneSpec(goal=[0.5, 1.5], region=REGION)))  # fmt: skip
    assert _near(none, GOAL_COLOR, tol=40).sum() == 0 and _near(none, REGION_COLOR, tol=40).sum() == 0
    assert _near(both, GOAL_COLOR, tol=40).sum() > 30, "goal flag drawn"
    assert _near(both, REGION_COLOR, tol=40).sum() > 100, "region outline drawn"


def test_title_timeline_follows_the_prompts() -> None:
    scene = SceneSpec(titles=[(4.0, "a person walks"), (9.5, "a person waves"), (None, "a person runs")])
    assert scene.title_at(0.0) == "a person walks" and scene.title_at(3.99) == "a person walks"
    assert scene.title_at(4.0) == "a person waves" and scene.title_at(60.0) == "a person runs"
    assert scene.title == "a person walks -> a person waves -> a person runs"  # stills show them all
    assert SceneSpec(title="x").title_at(5.0) == "x"
    with pytest.raises(ScenarioError, match=r"titles\[0\]"):
        SceneSpec(titles=[("soon", "a")])


def test_video_caption_changes_with_the_timeline(tmp_path: Path, walk: np.ndarray) -> None:
    """Frame 0 and the last frame of a video with a title timeline carry different captions:
    their title boxes differ (the captions are different lengths)."""
    from motionlgd.render.annotate import annotate_frame

    scene = SceneSpec(titles=[(0.5, "walk"), (None, "a person runs across the room")])
    frames = [annotate_frame(np.full((120, 320, 3), 255, np.uint8), scene.title_at(t), None) for t in (0.0, 1.0)]
    dark = [(f < 128).any(axis=-1).any(axis=0).nonzero()[0].max() for f in frames]  # right end of the text
    assert dark[1] > dark[0] + 40


def _facing_walk(turned: bool) -> np.ndarray:
    """``(60, 22, 3)``: a pelvis walking +z at 1 m/s with hips 10 cm either side, facing +z
    (or -z over frames 20-40 when ``turned``)."""
    T = 60
    j = np.zeros((T, 22, 3))
    j[..., 1] = 0.9
    j[:, :, 2] = np.arange(T)[:, None] / 20.0
    side = np.tile([0.1, 0.0, 0.0], (T, 1))
    if turned:
        side[20:40] *= -1
    j[:, 1] += side
    j[:, 2] -= side
    return j


def test_topdown_draws_the_facing_and_marks_turned_frames_red(tmp_path: Path) -> None:
    red = (1.0, 0.0, 0.0)
    plain = _read(render_topdown(_facing_walk(False), tmp_path / "p.png", size=(300, 300)))
    ahead = _read(render_topdown(_facing_walk(False), tmp_path / "a.png", size=(300, 300), facing=True))
    turned = _read(render_topdown(_facing_walk(True), tmp_path / "t.png", size=(300, 300), facing=True))
    assert _near(ahead, sample_color(0), tol=40).sum() > _near(plain, sample_color(0), tol=40).sum() + 20  # arrows
    assert _near(ahead, red, tol=60).sum() == 0
    assert _near(turned, red, tol=60).sum() > 20  # the stretch facing backwards
