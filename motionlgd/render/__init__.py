"""Rendering guided motions to videos and pictures, headless, with paths and obstacles drawn.

Public API::

    render_motion(joints, "out.mp4", scene=SceneSpec(path=..., obstacles=[...]))
    render_topdown(joints, "out.png", scene=scene, labels=["guided", "unguided"])

Joints are ``(T, 22, 3)`` or ``(N, T, 22, 3)`` positions in metres, Y up, ground plane xz
(the HumanML3D skeleton of :mod:`motionlgd.motion.skeleton`). Backends: ``"pyrender"``
(offscreen OpenGL meshes; EGL + Mesa works without GPU or display) and ``"matplotlib"``
(3D stick figures); ``"auto"`` uses pyrender when an OpenGL context can be created, else
falls back to matplotlib with a logged warning. See ``docs/rendering.md``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingDependencyError, MotionLGDError
from . import _deps
from ._inputs import as_joint_batch, check_fps, check_sample_ids, check_size
from .annotate import annotate_frame, title_band_height
from .body import BODY_MODELS, MeshBody, body_mesh, load_body, resolve_body
from .camera import CAMERA_MODES, camera_path
from .scene import SceneSpec
from .topdown import render_topdown
from .video import STILL_SUFFIXES, VIDEO_SUFFIXES, check_output_path, video_size, write_frames

__all__ = [
    "BACKENDS",
    "BODY_MODELS",
    "CAMERA_MODES",
    "LAYOUTS",
    "MeshBody",
    "SceneSpec",
    "available_backends",
    "body_mesh",
    "load_body",
    "render_motion",
    "render_topdown",
    "select_backend",
]

log = logging.getLogger(__name__)

BACKENDS = ("auto", "pyrender", "matplotlib")
#: ``"together"``: all samples in one scene; ``"side_by_side"``: one tile (own camera) per sample.
LAYOUTS = ("together", "side_by_side")
_TILE_BACKGROUND = (237, 242, 250)
#: Heights (m) where a waypoint's time label is anchored, first one in view wins (the marker's ball is at 1.3 m).
WAYPOINT_LABEL_HEIGHTS = (1.42, 0.7)


def _matplotlib_ok() -> tuple[bool, str]:
    try:
        _deps.require("matplotlib", "The matplotlib backend")
        _deps.require("PIL", "The matplotlib backend", install="pip install pillow")
    except MissingDependencyError as exc:
        return False, str(exc)
    return True, "matplotlib"


def available_backends() -> dict[str, tuple[bool, str]]:
    """``{backend: (usable, reason)}`` for ``"pyrender"`` and ``"matplotlib"`` on this machine.

    Probing pyrender opens a tiny OpenGL context once per process (about a second).
    """
    return {"pyrender": _deps.probe_pyrender(), "matplotlib": _matplotlib_ok()}


def select_backend(backend: str = "auto") -> str:
    """Resolve ``backend`` to ``"pyrender"`` or ``"matplotlib"``.

    Raises:
        MissingDependencyError: an explicitly requested backend cannot run here (the message
            says what to install), or ``"auto"`` finds neither.
        MotionLGDError: unknown backend name.
    """
    if backend not in BACKENDS:
        raise MotionLGDError(f"unknown render backend {backend!r}; choose one of {BACKENDS}")
    if backend in ("auto", "pyrender"):
        ok, reason = _deps.probe_pyrender()
        if ok:
            return "pyrender"
        if backend == "pyrender":
            raise MissingDependencyError(f"backend='pyrender' is not usable here: {reason}")
        log.warning("pyrender backend unavailable, falling back to matplotlib: %s", reason)
    ok, reason = _matplotlib_ok()
    if ok:
        return "matplotlib"
    raise MissingDependencyError(f"no render backend is usable: {reason}")


def render_motion(
    joints: Any,
    out_path: str | os.PathLike[str],
    fps: float = 20,
    scene: SceneSpec | None = None,
    backend: str = "auto",
    size: tuple[int, int] = (640, 480),
    overwrite: bool = False,
    progress: bool = False,
    camera: str = "follow",
    labels: Sequence[str] | None = None,
    body: str = "procedural",
    shadows: bool = False,
    frame: int | None = None,
    show_time: bool = True,
    body_model: str | os.PathLike[str] | None = None,
    layout: str = "together",
    sample_ids: Sequence[int] | None = None,
) -> Path:
    """Render one or several motions to a video (``.mp4``/``.gif``) or a picture (``.png``/``.jpg``).

    Args:
        joints: ``(T, 22, 3)`` or ``(N, T, 22, 3)`` joint positions in metres (Y up, ground xz);
            numpy, torch, a :class:`~motionlgd.motion.Motion` or a list of Motions. Several
            samples share the scene (or get a tile each, see ``layout``), each in its own colour
            (see ``sample_ids``).
        out_path: output file; the suffix picks the format. Parent folders are created.
        fps: frames per second of ``joints`` and of the video.
        scene: path / waypoints / obstacles / ghost / title overlays (:class:`SceneSpec`).
        backend: ``"auto"``, ``"pyrender"`` or ``"matplotlib"``.
        size: ``(width, height)`` in pixels; mp4 rounds each up to a multiple of 16.
        overwrite: replace an existing ``out_path`` (else :class:`~motionlgd.errors.OutputExistsError`).
        progress: show a tqdm progress bar.
        camera: ``"follow"`` (tracks the motion) or ``"frame"`` (static, shows everything).
        labels: one legend label per sample (drawn top-right), optional.
        body: ``"procedural"`` capsule body; ``"anny"`` (CC0 human mesh, ``pip install
            'motionlgd[body]'``) or ``"smpl"`` (your own SMPL model file in ``body_model``).
            Mesh bodies need the pyrender backend; matplotlib draws stick figures (warning).
        shadows: pyrender directional shadows (off by default: about 35 % slower on a CPU).
        frame: for still images, the frame to draw (default: the last one); ignored for videos.
        show_time: draw the clock bottom-left.
        body_model: the model file a mesh body needs (``"smpl"``: an ``.npz`` SMPL model).
        layout: ``"together"`` (one scene) or ``"side_by_side"`` (a grid of tiles, one per
            sample, each with its own camera and the scene overlays; ``size`` is the whole
            frame, split between the tiles: up to 3 in a row, then a square-ish grid, below a
            band holding the title when there is one).
        sample_ids: the sample index of each rendered motion, which picks its colour (and its
            legend swatch): motion ``i`` is drawn in ``sample_color(sample_ids[i])``. Default
            ``0 .. N-1``. E.g. rendering only sample 1 of a file: ``joints[1:2]``,
            ``labels=["sample 1"]``, ``sample_ids=[1]`` keeps sample 1's colour.

    Returns:
        The written path.

    Raises:
        ShapeError: bad joints shape or NaN/inf, bad size or fps (nothing is written).
        OutputExistsError: ``out_path`` exists and ``overwrite`` is False.
        MissingDependencyError: the requested backend or body cannot run here.
        MotionLGDError: bad ``labels``/``sample_ids`` length, camera, layout or frame.
    """
    arr = as_joint_batch(joints)
    fps = check_fps(fps)
    size = check_size(size)
    if isinstance(scene, dict):
        scene = SceneSpec.from_dict(scene)
    scene = scene if scene is not None else SceneSpec()
    if labels is not None and len(labels) != arr.shape[0]:
        raise MotionLGDError(f"labels has {len(labels)} entries for {arr.shape[0]} samples")
    ids = check_sample_ids(sample_ids, arr.shape[0])
    if camera not in CAMERA_MODES:
        raise MotionLGDError(f"camera must be one of {CAMERA_MODES}, got {camera!r}")
    if layout not in LAYOUTS:
        raise MotionLGDError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    body = resolve_body(body)
    path = check_output_path(out_path, overwrite, VIDEO_SUFFIXES + STILL_SUFFIXES)
    suffix = path.suffix.lower()
    n, T = arr.shape[:2]
    if suffix in STILL_SUFFIXES:
        index = T - 1 if frame is None else int(frame)
        if not -T <= index < T:
            raise MotionLGDError(f"frame {frame} out of range for {T} frames")
        indices = [index % T]
    else:
        indices = list(range(T))
    width, height = video_size(size, suffix)
    mesh_body: MeshBody | None = load_body(body, body_model)  # checked whatever the backend
    chosen = select_backend(backend)
    if mesh_body is not None and chosen != "pyrender":
        log.warning("body=%r needs the pyrender backend; the matplotlib backend draws stick figures", body)
        mesh_body = None
    if layout == "side_by_side" and n > 1:  # the title gets a band of its own above the tiles and their legends
        band = title_band_height(height, scene.title)
        band = band if height - band >= 16 else 0  # a tiny frame keeps its tiles, the title overlaps them
        tiles = _tile_grid(n, width, height - band, top=band)
    else:
        tiles = [(0, n, 0, 0, width, height)]
    log.info("rendering %d sample(s) x %d frame(s) at %dx%d (%d tile(s)) with %s to %s", n, len(indices), width,
             height, len(tiles), chosen, path)  # fmt: skip
    parts = []
    for first, count, _, _, tw, th in tiles:
        part = arr[first : first + count]
        parts.append((part, camera_path(part, scene, camera, aspect=tw / th, fps=fps), ids[first : first + count]))
    tile_size = (tiles[0][4], tiles[0][5])
    if chosen == "pyrender":
        from . import pyrender_backend

        stream: Any = pyrender_backend.iter_tiles(
            parts, scene, tile_size, indices, shadows=shadows, mesh_body=mesh_body
        )
        closers = [stream]
    else:
        from . import mpl_backend

        closers = [mpl_backend.iter_frames(p, scene, tile_size, c, indices, color_ids=f) for p, c, f in parts]
        stream = zip(*closers)
    ghost_label = scene.ghost_label if scene.ghost is not None else None

    marks = _waypoint_marks(scene) if chosen == "pyrender" else None  # matplotlib draws them in 3D

    def tile_marks(k: int, t: int) -> list[tuple[float, float, str]]:
        if marks is None:
            return []
        out = []
        for anchors, text in zip(marks[0], marks[1]):  # above the ball, else half-way up the pole
            px, ok = parts[k][1].project(t, anchors, tile_size)
            if ok.any():
                x, y = px[int(np.argmax(ok))]
                out.append((float(x), float(y), text))
        return out

    def annotated() -> Any:
        for t, images in zip(indices, stream):
            clock = t / fps if show_time else None
            if len(tiles) == 1:
                yield annotate_frame(images[0], scene.title_at(t / fps), clock, labels, ghost_label, marks=tile_marks(0, t),
                                     color_ids=ids)  # fmt: skip
                continue
            canvas = np.empty((height, width, 3), dtype=np.uint8)
            canvas[:] = _TILE_BACKGROUND
            for k, ((first, _, x, y, tw, th), img) in enumerate(zip(tiles, images)):
                tile_labels = [labels[first]] if labels is not None else None
                canvas[y : y + th, x : x + tw] = annotate_frame(img, "", None, tile_labels, ghost_label,
                                                                marks=tile_marks(k, t), color_ids=ids[first : first + 1])  # fmt: skip
                canvas[y : y + th, x + tw - 1 : x + tw] = 160  # thin separator
            yield annotate_frame(canvas, scene.title_at(t / fps), clock)

    gen = annotated()
    try:
        return write_frames(gen, path, fps, overwrite=overwrite, total=len(indices), progress=progress)
    finally:
        gen.close()
        for raw in closers:
            close = getattr(raw, "close", None)
            if close is not None:
                close()


def _waypoint_marks(scene: SceneSpec) -> tuple[np.ndarray, list[str]] | None:
    """Label anchors ``(K, 2, 3)`` of the timed waypoints (above the marker's ball, then half-way
    up its pole, in metres) and their labels ("t = 4.0 s"), or None."""
    timed = [wp for wp in scene.waypoints if wp.get("time") is not None]
    if not timed:
        return None
    pts = np.array([[[wp["position"][0], h, wp["position"][1]] for h in WAYPOINT_LABEL_HEIGHTS] for wp in timed])
    return pts, [f"t = {float(wp['time']):.1f} s" for wp in timed]


def _tile_grid(n: int, width: int, height: int, top: int = 0) -> list[tuple[int, int, int, int, int, int]]:
    """Tiles ``(first_sample, count, x, y, w, h)`` (pixels) of a side-by-side layout: one row up to 3,
    then a grid, filling ``width x height`` pixels starting ``top`` pixels down."""
    cols = n if n <= 3 else math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    tw, th = (width // cols) // 2 * 2, (height // rows) // 2 * 2
    return [(i, 1, (i % cols) * tw, top + (i // cols) * th, tw, th) for i in range(n)]
