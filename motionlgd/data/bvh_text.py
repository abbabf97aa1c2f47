"""Low-level text helpers of the BVH reader: loading and decoding, number parsing, errors with line numbers."""

from __future__ import annotations

import os

from motionlgd.data.text_common import finite_float, located
from motionlgd.errors import BVHParseError


def _error(message: str, path: str | None = None, line: int | None = None) -> BVHParseError:
    """A :class:`BVHParseError`; the line number is put in the message even without a path."""
    return BVHParseError(located(message, path, line), path=path, line=line)


def _parse_float(text: str, line: int, path: str | None, what: str) -> float:
    """A finite number, or the reader's error at ``line`` naming ``what``."""
    try:
        return finite_float(text, what)
    except ValueError as exc:
        raise _error(str(exc), path=path, line=line) from None


def _load_text(path_or_text: str | bytes | os.PathLike[str]) -> tuple[str, str | None]:
    """Return ``(text, path_for_messages)``."""
    if isinstance(path_or_text, (bytes, bytearray, memoryview)):
        data = bytes(path_or_text)
        return _decode(data), None
    if isinstance(path_or_text, os.PathLike):
        path = os.fspath(path_or_text)
        with open(path, "rb") as f:
            return _decode(f.read()), str(path)
    if isinstance(path_or_text, str):
        text = path_or_text
        looks_like_path = "\n" not in text and "{" not in text and len(text) < 4096
        if looks_like_path and os.path.isfile(text):
            with open(text, "rb") as f:
                return _decode(f.read()), text
        if looks_like_path and text.strip() and not text.lstrip().upper().startswith("HIERARCHY"):
            raise _error(f"{text[:200]!r} is neither an existing file nor BVH text", line=1)
        return text, None
    raise _error(f"expected a path, str or bytes, got {type(path_or_text).__name__}")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
