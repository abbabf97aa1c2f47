"""Text helpers the BVH and ASF/AMC readers share: line numbers in messages, the last line,
finite numbers."""

from __future__ import annotations

import math

__all__ = ["finite_float", "last_line", "located"]


def located(message: str, path: str | None, line: int | None) -> str:
    """``message`` with its line number put in front when there is no path to carry it."""
    return f"line {line}: {message}" if path is None and line is not None else message


def last_line(lines: list[str]) -> int:
    """1-based number of the last line (a final newline does not start a new line)."""
    n = len(lines)
    if n > 1 and lines[-1] == "":
        n -= 1
    return max(1, n)


def finite_float(text: str, what: str) -> float:
    """``float(text)``; ``ValueError`` naming ``what`` and the text when it is not a finite number."""
    try:
        value = float(text)
    except (ValueError, OverflowError):
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what}: {text!r} is not finite")
    return value
