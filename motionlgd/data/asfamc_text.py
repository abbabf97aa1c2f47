"""Low-level text helpers shared by the ASF and AMC parsers: file reading, line splitting, numbers, errors."""

from __future__ import annotations

import math
import os

from motionlgd.errors import ASFAMCParseError


def _error(message: str, path: str | None = None, line: int | None = None) -> ASFAMCParseError:
    """A :class:`ASFAMCParseError`; the line number is put in the message even without a path."""
    if path is None and line is not None:
        message = f"line {line}: {message}"
    return ASFAMCParseError(message, path=path, line=line)


# --------------------------------------------------------------------------- helpers


def _read_latin1(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def _lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR; the i-th item is line i+1."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _last_line(lines: list[str]) -> int:
    """1-based number of the last line (a final newline does not start a new line)."""
    n = len(lines)
    if n > 1 and lines[-1] == "":
        n -= 1
    return max(1, n)


def _is_int(tok: str) -> bool:
    """Whether ``tok`` is an AMC frame number (ASCII digits only)."""
    return tok.isascii() and tok.isdigit()


def _float(tok: str, path: str | None, line: int, what: str) -> float:
    try:
        v = float(tok)
    except (ValueError, OverflowError):
        raise _error(f"{what}: {tok!r} is not a number", path=path, line=line) from None
    if not math.isfinite(v):
        raise _error(f"{what}: {tok!r} is not finite", path=path, line=line)
    return v


def _floats(toks: list[str], n: int, path: str | None, line: int, what: str) -> list[float]:
    if len(toks) != n:
        raise _error(f"{what} needs {n} values, got {len(toks)}", path=path, line=line)
    return [_float(t, path, line, what) for t in toks]
