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
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError, MotionLGDError
from . import _deps
from ._inputs import as_joint_batch, check_fps, check_size
from .annotate import annotate_frame
from .body import BODY_MODELS, body_mesh, resolve_body
from .camera import CAMERA_MODES, camera_path
from .scene import SceneSpec
from .topdown import render_topdown
from .video import STILL_SUFFIXES, VIDEO_SUFFIXES, check_output_path, video_size, write_frames

__all__ = [
    "BACKENDS",
    "BODY_MODELS",
    "CAMERA_MODES",
    "SceneSpec",
    "available_backends",
    "body_mesh",
    "render_motion",
    "render_topdown",
    "select_backend",
]

log = logging.getLogger(__name__)

BACKENDS = ("auto", "pyrender", "matplotlib")


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
    shadows: bool = True,
    frame: int | None = None,
    show_time: bool = True,
) -> Path:
    """Render one or several motions to a video (``.mp4``/``.gif``) or a picture (``.png``/``.jpg``).

    Args:
        joints: ``(T, 22, 3)`` or ``(N, T, 22, 3)`` joint positions in metres (Y up, ground xz);
            numpy, torch, a :class:`~motionlgd.motion.Motion` or a list of Motions. Several
            samples share the scene, each in its own colour.
        out_path: output file; the suffix picks the format. Parent folders are created.
        fps: frames per second of ``joints`` and of the video.
        scene: path / waypoints / obstacles / ghost / title overlays (:class:`SceneSpec`).
        backend: ``"auto"``, ``"pyrender"`` or ``"matplotlib"``.
        size: ``(width, height)`` in pixels; mp4 rounds each up to a multiple of 16.
        overwrite: replace an existing ``out_path`` (else :class:`~motionlgd.errors.OutputExistsError`).
        progress: show a tqdm progress bar.
        camera: ``"follow"`` (tracks the motion) or ``"frame"`` (static, shows everything).
        labels: one legend label per sample (drawn top-right), optional.
        body: ``"procedural"`` capsule body (pyrender); ``"smpl"``/``"anny"`` are not implemented.
        shadows: pyrender directional shadows.
        frame: for still images, the frame to draw (default: the last one); ignored for videos.
        show_time: draw the clock bottom-left.

    Returns:
        The written path.

    Raises:
        ShapeError: bad joints shape or NaN/inf, bad size or fps (nothing is written).
        OutputExistsError: ``out_path`` exists and ``overwrite`` is False.
        MissingDependencyError: the requested backend or body cannot run here.
    """
    arr = as_joint_batch(joints)
    fps = check_fps(fps)
    size = check_size(size)
    if isinstance(scene, dict):
        scene = SceneSpec.from_dict(scene)
    scene = scene if scene is not None else SceneSpec()
    if labels is not None and len(labels) != arr.shape[0]:
        raise MotionLGDError(f"labels has {len(labels)} entries for {arr.shape[0]} samples")
    if camera not in CAMERA_MODES:
        raise MotionLGDError(f"camera must be one of {CAMERA_MODES}, got {camera!r}")
    resolve_body(body)
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
    cam = camera_path(arr, scene, camera, aspect=width / height, fps=fps)
    chosen = select_backend(backend)
    log.info("rendering %d sample(s) x %d frame(s) at %dx%d with %s to %s", n, len(indices), width, height,
             chosen, path)  # fmt: skip
    if chosen == "pyrender":
        from . import pyrender_backend

        raw = pyrender_backend.iter_frames(arr, scene, (width, height), cam, indices, body=body, shadows=shadows)
    else:
        from . import mpl_backend

        raw = mpl_backend.iter_frames(arr, scene, (width, height), cam, indices)
    ghost_label = scene.ghost_label if scene.ghost is not None else None

    def annotated() -> Any:
        for t, img in zip(indices, raw):
            yield annotate_frame(img, scene.title, t / fps if show_time else None, labels, ghost_label)

    gen = annotated()
    try:
        return write_frames(gen, path, fps, overwrite=overwrite, total=len(indices), progress=progress)
    finally:
        gen.close()
        close = getattr(raw, "close", None)
        if close is not None:
            close()
