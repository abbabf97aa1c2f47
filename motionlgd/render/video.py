"""Writing frames to mp4 / GIF / still images, atomically.

Every output is first written to a hidden temporary file in the destination folder and
moved into place with :func:`os.replace` only when complete, so a crash or an exception
never leaves a partial file. An existing file is only replaced with ``overwrite=True``.

* ``.mp4``: H.264 (libx264), ``yuv420p``, ``macro_block_size=16`` (plays everywhere; the
  frame size must be a multiple of 16, see :func:`video_size`), via imageio-ffmpeg.
* ``.gif``: looping (``loop=0``) animated GIF via imageio/Pillow.
* ``.png`` / ``.jpg``: a single frame.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import MotionLGDError
from ..io import atomic_path, check_writable
from ._deps import require

__all__ = [
    "STILL_SUFFIXES",
    "VIDEO_SUFFIXES",
    "check_output_path",
    "video_size",
    "write_frames",
]

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".gif")
STILL_SUFFIXES = (".png", ".jpg", ".jpeg")
MACRO_BLOCK = 16


def check_output_path(out_path: str | os.PathLike[str], overwrite: bool, suffixes: Iterable[str]) -> Path:
    """Validate an output path before rendering anything.

    Raises:
        MotionLGDError: unsupported suffix, or the path is a directory.
        OutputExistsError: the file exists and ``overwrite`` is False.
    """
    path = Path(out_path)
    suffixes = tuple(suffixes)
    if path.suffix.lower() not in suffixes:
        raise MotionLGDError(f"unsupported output type {path.suffix!r} for {path}; use one of {suffixes}")
    if path.is_dir():
        raise MotionLGDError(f"output path {path} is a directory")
    check_writable([path], overwrite)
    return path


def video_size(size: tuple[int, int], suffix: str) -> tuple[int, int]:
    """Frame size actually rendered for an output type: mp4 rounds up to a multiple of 16."""
    if suffix.lower() != ".mp4":
        return size
    w, h = (-(-v // MACRO_BLOCK) * MACRO_BLOCK for v in size)
    if (w, h) != tuple(size):
        log.info("mp4 frame size %sx%s rounded up to %sx%s (H.264 macro blocks of 16)", *size, w, h)
    return w, h


def write_frames(
    frames: Iterable[np.ndarray],
    out_path: Path,
    fps: float,
    overwrite: bool = False,
    total: int | None = None,
    progress: bool = False,
) -> Path:
    """Write ``(H, W, 3)`` uint8 frames (streamed) to ``out_path`` atomically.

    Args:
        frames: iterable of RGB frames, all the same size.
        out_path: ``.mp4``, ``.gif``, or ``.png``/``.jpg`` (exactly one frame).
        fps: frames per second.
        overwrite: replace an existing file.
        total: number of frames (for the progress bar).
        progress: show a tqdm progress bar.
    """
    from tqdm.auto import tqdm

    suffix = out_path.suffix.lower()
    bar = tqdm(frames, total=total, disable=not progress, desc=f"render {out_path.name}", unit="frame")
    with atomic_path(out_path, overwrite) as tmp:
        if suffix == ".mp4":
            ffmpeg = require("imageio_ffmpeg", "Writing mp4")
            writer = None
            try:
                for frame in bar:
                    if writer is None:
                        h, w = frame.shape[:2]
                        writer = ffmpeg.write_frames(str(tmp), (w, h), fps=fps, codec="libx264", quality=8,
                                                     pix_fmt_out="yuv420p", macro_block_size=MACRO_BLOCK,
                                                     ffmpeg_log_level="error")  # fmt: skip
                        writer.send(None)  # start ffmpeg
                    writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
                if writer is None:
                    raise MotionLGDError("no frames to write")
            finally:
                if writer is not None:
                    writer.close()  # waits for ffmpeg, also on errors, before the temp file is removed
        elif suffix == ".gif":
            from PIL import Image

            images = [Image.fromarray(f) for f in bar]
            if not images:
                raise MotionLGDError("no frames to write")
            duration = round(1000.0 / fps)
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration,
                           loop=0, disposal=1, optimize=False)  # fmt: skip
        elif suffix in STILL_SUFFIXES:
            imageio = require("imageio", "Writing images")
            stills = list(bar)
            if len(stills) != 1:
                raise MotionLGDError(f"a still image takes exactly one frame, got {len(stills)}")
            imageio.imwrite(str(tmp), stills[0], extension=suffix)
        else:
            raise MotionLGDError(f"unsupported output type {suffix!r}")
    log.info("wrote %s", out_path)
    return out_path
