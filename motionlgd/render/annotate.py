"""Text drawn onto rendered frames (title, clock, legend) with Pillow, the same for every backend.

Layout (pixels, origin top-left): the title sits top-left, the legend top-right (one row per
entry: a colour swatch, then the text, right-aligned), the clock bottom-left. When the title
would reach the legend's column, the legend starts below the title, so the two never overlap
(:func:`overlay_boxes` gives the boxes; :func:`title_band_height` the height a title needs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .scene import sample_color

__all__ = ["Box", "annotate_frame", "overlay_boxes", "title_band_height"]

#: A pixel box ``(x0, y0, x1, y1)``, origin top-left, x0 <= x1 and y0 <= y1.
Box = tuple[float, float, float, float]
_GHOST_SWATCH = (150, 150, 150)


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


@lru_cache(maxsize=1)
def _measure() -> Any:
    """A Pillow draw on a 1x1 image, used only to measure text."""
    from PIL import Image, ImageDraw

    return ImageDraw.Draw(Image.new("RGB", (1, 1)))


def _metrics(height: int) -> tuple[int, int, Any]:
    """Font size (px), padding (px) and font of a frame ``height`` pixels tall."""
    size = max(9, round(height / 28))
    return size, max(3, size // 2), _font(size)


def _text_box(xy: tuple[float, float], text: str, font: Any) -> Box:
    x0, y0, x1, y1 = _measure().textbbox(xy, text, font=font)
    return float(x0), float(y0), float(x1), float(y1)


def _legend_entries(
    labels: Sequence[str] | None, ghost_label: str | None, color_ids: Sequence[int]
) -> list[tuple[str, tuple[int, int, int]]]:
    entries = [
        (str(label), tuple(int(255 * c) for c in sample_color(color_ids[i])))  # type: ignore[misc]
        for i, label in enumerate(labels or [])
    ]
    if ghost_label:
        entries.append((ghost_label, _GHOST_SWATCH))
    return entries  # type: ignore[return-value]


def _layout(
    w: int, h: int, title: str, clock: str | None, entries: Sequence[str]
) -> tuple[Box | None, Box | None, list[tuple[float, float, Box]]]:
    """Title box, clock box and, per legend entry, ``(text x, text y, swatch + text box)``."""
    size, pad, font = _metrics(h)
    title_box = _text_box((pad, pad), title, font) if title else None
    clock_box = _text_box((pad, h - pad - size - 2), clock, font) if clock is not None else None
    widths = [_measure().textlength(text, font=font) for text in entries]
    y = float(pad)
    if title_box is not None and widths:
        legend_left = w - pad - max(widths) - size - 4
        if legend_left < title_box[2] + pad:  # same columns: start the legend below the title
            y = max(y, title_box[3] + max(2, pad // 2))
    rows = []
    for text, tw in zip(entries, widths):
        x = w - pad - tw
        tb = _text_box((x, y), text, font)
        rows.append((x, y, (x - size - 4, min(y + 2, tb[1]), max(w - pad, tb[2]), max(y + size, tb[3]))))
        y += size + 4
    return title_box, clock_box, rows


def overlay_boxes(
    shape: tuple[int, ...],
    title: str = "",
    time_s: float | None = None,
    labels: Sequence[str] | None = None,
    ghost_label: str | None = None,
) -> dict[str, list[Box]]:
    """Where :func:`annotate_frame` puts its text on a frame of ``shape`` ``(H, W, ...)``.

    Returns:
        ``{"title": [box] or [], "clock": [box] or [], "legend": [box per entry]}``, pixel boxes
        ``(x0, y0, x1, y1)`` (a legend box covers the swatch and the text).
    """
    h, w = int(shape[0]), int(shape[1])
    clock = f"t = {time_s:5.2f} s" if time_s is not None else None
    entries = [text for text, _ in _legend_entries(labels, ghost_label, range(len(labels or [])))]
    title_box, clock_box, rows = _layout(w, h, title, clock, entries)
    return {
        "title": [title_box] if title_box is not None else [],
        "clock": [clock_box] if clock_box is not None else [],
        "legend": [box for _, _, box in rows],
    }


def title_band_height(height: int, title: str) -> int:
    """Pixels (even) a band at the top of a ``height``-pixel frame needs to hold ``title`` (0 if none)."""
    if not title:
        return 0
    _, pad, font = _metrics(height)
    bottom = _text_box((pad, pad), title, font)[3]
    return 2 * math.ceil((bottom + pad) / 2)


def annotate_frame(
    frame: np.ndarray,
    title: str = "",
    time_s: float | None = None,
    labels: Sequence[str] | None = None,
    ghost_label: str | None = None,
    marks: Sequence[tuple[float, float, str]] = (),
    color_ids: Sequence[int] | None = None,
) -> np.ndarray:
    """Draw text on a frame.

    Args:
        frame: ``(H, W, 3)`` uint8 image.
        title: top-left text ("" for none).
        time_s: clock shown bottom-left (seconds), or None.
        labels: one label per sample, shown top-right next to its colour (below the title when
            they would overlap).
        ghost_label: legend entry for the grey ghost motion, or None.
        marks: ``(x, y, text)`` labels drawn at pixel positions (e.g. waypoint times), on a light box.
        color_ids: colour index of each label (label ``i`` gets ``sample_color(color_ids[i])``);
            default ``0 .. len(labels)-1``.

    Returns:
        A new ``(H, W, 3)`` uint8 image.
    """
    if not title and time_s is None and not labels and not ghost_label and not marks:
        return frame
    from PIL import Image, ImageDraw

    h, w = frame.shape[:2]
    size, pad, font = _metrics(h)
    img = Image.fromarray(frame)
    draw = ImageDraw.Draw(img)
    dark = (30, 30, 30)
    ids = list(color_ids) if color_ids is not None else list(range(len(labels or [])))
    entries = _legend_entries(labels, ghost_label, ids)
    clock = f"t = {time_s:5.2f} s" if time_s is not None else None
    title_box, _, rows = _layout(w, h, title, clock, [text for text, _ in entries])
    if title_box is not None:
        draw.text((pad, pad), title, fill=dark, font=font)
    for x, y, text in marks:
        tw = draw.textlength(text, font=font)
        x0 = min(max(x - tw / 2, 3), w - tw - 3)  # kept inside the image
        y0 = min(max(y - size - 6, 3), h - size - 5)
        draw.rectangle([x0 - 2, y0 - 1, x0 + tw + 2, y0 + size + 2], fill=(255, 250, 225))
        draw.text((x0, y0), text, fill=dark, font=font)
    if clock is not None:
        draw.text((pad, h - pad - size - 2), clock, fill=dark, font=font)
    for (text, color), (x, y, _) in zip(entries, rows):
        draw.rectangle([x - size - 4, y + 2, x - 4, y + size], fill=color)
        draw.text((x, y), text, fill=dark, font=font)
    return np.asarray(img)
