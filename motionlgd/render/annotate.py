"""Text drawn onto rendered frames (title, clock, legend) with Pillow, the same for every backend."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .scene import sample_color

__all__ = ["annotate_frame"]


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def annotate_frame(
    frame: np.ndarray,
    title: str = "",
    time_s: float | None = None,
    labels: Sequence[str] | None = None,
    ghost_label: str | None = None,
    first_color: int = 0,
    marks: Sequence[tuple[float, float, str]] = (),
) -> np.ndarray:
    """Draw text on a frame.

    Args:
        frame: ``(H, W, 3)`` uint8 image.
        title: top-left text ("" for none).
        time_s: clock shown bottom-left (seconds), or None.
        labels: one label per sample, shown top-right next to its colour.
        ghost_label: legend entry for the grey ghost motion, or None.
        first_color: colour index of the first label (label ``i`` gets ``sample_color(first_color + i)``).
        marks: ``(x, y, text)`` labels drawn at pixel positions (e.g. waypoint times), on a light box.

    Returns:
        A new ``(H, W, 3)`` uint8 image.
    """
    if not title and time_s is None and not labels and not ghost_label and not marks:
        return frame
    from PIL import Image, ImageDraw

    h, w = frame.shape[:2]
    size = max(9, round(h / 28))
    font = _font(size)
    img = Image.fromarray(frame)
    draw = ImageDraw.Draw(img)
    pad = max(3, size // 2)
    dark = (30, 30, 30)
    if title:
        draw.text((pad, pad), title, fill=dark, font=font)
    for x, y, text in marks:
        tw = draw.textlength(text, font=font)
        x0 = min(max(x - tw / 2, 3), w - tw - 3)  # kept inside the image
        y0 = min(max(y - size - 6, 3), h - size - 5)
        draw.rectangle([x0 - 2, y0 - 1, x0 + tw + 2, y0 + size + 2], fill=(255, 250, 225))
        draw.text((x0, y0), text, fill=dark, font=font)
    if time_s is not None:
        draw.text((pad, h - pad - size - 2), f"t = {time_s:5.2f} s", fill=dark, font=font)
    entries: list[tuple[str, tuple[int, int, int]]] = []
    for i, label in enumerate(labels or []):
        entries.append((str(label), tuple(int(255 * c) for c in sample_color(first_color + i))))  # type: ignore[misc]
    if ghost_label:
        entries.append((ghost_label, (150, 150, 150)))
    y = pad
    for text, color in entries:
        tw = draw.textlength(text, font=font)
        x = w - pad - tw
        draw.rectangle([x - size - 4, y + 2, x - 4, y + size], fill=color)
        draw.text((x, y), text, fill=dark, font=font)
        y += size + 4
    return np.asarray(img)
