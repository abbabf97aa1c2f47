"""Low-level text helpers shared by the ASF and AMC parsers: file reading, line splitting, numbers, errors."""

from __future__ import annotations

import os

from motionlgd.data.text_common import finite_float, located
from motionlgd.errors import ASFAMCParseError


def _error(message: str, path: str | None = None, line: int | None = None) -> ASFAMCParseError:
    """A :class:`ASFAMCParseError`; the line number is put in the message even without a path."""
    return ASFAMCParseError(located(message, path, line), path=path, line=line)


# --------------------------------------------------------------------------- helpers


def _read_latin1(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def _lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR; the i-th item is line i+1."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _is_int(tok: str) -> bool:
    """Whether ``tok`` is an AMC frame number (ASCII digits only)."""
    return tok.isascii() and tok.isdigit()


def _float(tok: str, path: str | None, line: int, what: str) -> float:
    """A finite number, or the reader's error at ``line`` naming ``what``."""
    try:
        return finite_float(tok, what)
    except ValueError as exc:
        raise _error(str(exc), path=path, line=line) from None


def _floats(toks: list[str], n: int, path: str | None, line: int, what: str) -> list[float]:
    if len(toks) != n:
        raise _error(f"{what} needs {n} values, got {len(toks)}", path=path, line=line)
    return [_float(t, path, line, what) for t in toks]
