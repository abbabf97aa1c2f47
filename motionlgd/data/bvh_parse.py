"""Parsing of BVH text: the HIERARCHY block and the MOTION section (:func:`read_bvh`).

Every malformed input raises :class:`motionlgd.errors.BVHParseError` with the
1-based line number (see :mod:`motionlgd.data.bvh`).
"""

from __future__ import annotations

import os
import re

import numpy as np

from motionlgd.data.bvh_model import BVH, CHANNEL_NAMES
from motionlgd.data.bvh_text import _error, _load_text, _parse_float
from motionlgd.data.text_common import last_line
from motionlgd.errors import BVHParseError

_CANONICAL_CHANNEL = {name.lower(): name for name in CHANNEL_NAMES}

_FRAMES_RE = re.compile(r"^frames\s*:?\s*(.*)$", re.IGNORECASE)
_FRAME_TIME_RE = re.compile(r"^frame\s*time\s*:?\s*(.*)$", re.IGNORECASE)


# --------------------------------------------------------------------------- reading


class _Tokens:
    """Token stream over the HIERARCHY part with 1-based line numbers."""

    def __init__(self, lines: list[str], start: int, path: str | None) -> None:
        self.tokens: list[tuple[str, int]] = []
        self.path = path
        self.pos = 0
        self.end_line = last_line(lines)
        self.motion_line: int | None = None
        for i in range(start, len(lines)):
            text = lines[i].replace("{", " { ").replace("}", " } ")
            parts = text.split()
            if parts and parts[0].upper() == "MOTION":
                self.motion_line = i  # 0-based index of the MOTION line
                self.tokens.append(("MOTION", i + 1))
                break
            self.tokens.extend((p, i + 1) for p in parts)

    def error(self, message: str, line: int | None = None) -> BVHParseError:
        if line is None:
            line = self.tokens[self.pos][1] if self.pos < len(self.tokens) else self.end_line
        return _error(message, path=self.path, line=line)

    def peek(self) -> tuple[str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self, what: str) -> tuple[str, int]:
        if self.pos >= len(self.tokens):
            raise self.error(f"unexpected end of file, expected {what}", self.end_line)
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, word: str) -> int:
        tok, line = self.next(repr(word))
        if tok != word:
            raise self.error(f"expected {word!r}, found {tok!r}", line)
        return line

    def rest_of_line(self, line: int) -> list[str]:
        """Consume the remaining tokens on ``line`` (stops before a ``{``)."""
        out = []
        while self.pos < len(self.tokens) and self.tokens[self.pos][1] == line:
            if self.tokens[self.pos][0] == "{":
                break
            out.append(self.tokens[self.pos][0])
            self.pos += 1
        return out


def read_bvh(path_or_text: str | bytes | os.PathLike[str]) -> BVH:
    """Read a BVH file.

    Parameters
    ----------
    path_or_text:
        A :class:`os.PathLike` path, ``bytes`` (file content), or a ``str``
        that is either the path of an existing file or BVH text.

    Returns
    -------
    BVH
        The parsed file; ``motion`` is ``(F, C)`` float64 with ``F >= 1``.

    Raises
    ------
    BVHParseError
        For any malformed content (message names the path, if any, and the
        1-based line).  ``OSError`` can only come from reading a path.
    """
    text, path = _load_text(path_or_text)
    try:
        return _parse(text, path)
    except BVHParseError:
        raise
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:  # pragma: no cover
        # Defensive: the parser checks everything explicitly; this keeps the
        # documented contract (only BVHParseError) should a check be missing.
        raise _error(f"malformed BVH ({type(exc).__name__}: {exc})", path=path) from exc


def _parse(text: str, path: str | None) -> BVH:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    # 1) HIERARCHY keyword (first non-blank line)
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first >= len(lines):
        raise _error("empty file", path=path, line=last_line(lines))
    head = lines[first].split()
    if head[0].upper() != "HIERARCHY" or len(head) != 1:
        raise _error(f"expected 'HIERARCHY', found {lines[first].strip()[:40]!r}", path=path, line=first + 1)

    toks = _Tokens(lines, first + 1, path)
    names: list[str] = []
    parents: list[int] = []
    offsets: list[tuple[float, float, float] | None] = []
    channels: list[list[str]] = []
    end_sites: dict[int, np.ndarray] = {}

    # 2) ROOT
    tok, line = toks.next("'ROOT'")
    if tok.upper() != "ROOT":
        raise toks.error(f"expected 'ROOT', found {tok!r}", line)
    _parse_joint_header(toks, line, -1, names, parents, offsets, channels)

    # Iterative block parser. Stack entries: ("joint", index) or ("end", parent index).
    stack: list[tuple[str, int]] = [("joint", 0)]
    end_offset: list[float] | None = None
    while stack:
        kind, idx = stack[-1]
        tok, line = toks.next("'}'")
        upper = tok.upper()
        if tok == "}":
            if kind == "joint":
                if offsets[idx] is None:
                    raise toks.error(f"joint {names[idx]!r} has no OFFSET", line)
            else:
                if end_offset is None:
                    raise toks.error("End Site has no OFFSET", line)
                end_sites[idx] = np.asarray(end_offset, dtype=np.float64)
                end_offset = None
            stack.pop()
            continue
        if upper == "OFFSET":
            vals = [toks.next("OFFSET value") for _ in range(3)]
            for _, vline in vals:
                if vline != line:
                    raise toks.error("OFFSET needs 3 values on its line", line)
            xyz = tuple(_parse_float(v, vline, path, "OFFSET") for v, vline in vals)
            extra = toks.peek()
            if extra is not None and extra[1] == line and extra[0] not in ("{", "}"):
                raise toks.error("OFFSET has more than 3 values", line)
            if kind == "joint":
                if offsets[idx] is not None:
                    raise toks.error(f"joint {names[idx]!r} has two OFFSET lines", line)
                offsets[idx] = xyz  # type: ignore[assignment]
            else:
                if end_offset is not None:
                    raise toks.error("End Site has two OFFSET lines", line)
                end_offset = list(xyz)
            continue
        if kind == "end":
            raise toks.error(f"unexpected {tok!r} in End Site (only OFFSET allowed)", line)
        if upper == "CHANNELS":
            _parse_channels(toks, line, idx, names, channels)
            continue
        if upper == "JOINT":
            _parse_joint_header(toks, line, idx, names, parents, offsets, channels)
            stack.append(("joint", len(names) - 1))
            continue
        if upper == "END":
            site = toks.rest_of_line(line)
            if [s.upper() for s in site] not in ([], ["SITE"]):
                raise toks.error(f"expected 'End Site', found {' '.join(['End', *site])!r}", line)
            if idx in end_sites:
                raise toks.error(f"joint {names[idx]!r} has more than one End Site", line)
            toks.expect("{")
            stack.append(("end", idx))
            end_sites[idx] = np.zeros(3)  # placeholder so a second End Site is detected
            continue
        if upper == "ROOT":
            raise toks.error("ROOT inside a joint (missing '}'?)", line)
        if upper == "MOTION":
            raise toks.error("MOTION before the hierarchy is closed (missing '}')", line)
        raise toks.error(f"unexpected {tok!r} in joint {names[idx]!r}", line)

    # 3) MOTION
    nxt = toks.peek()
    if nxt is None:
        raise toks.error("unexpected end of file, expected 'MOTION'", toks.end_line)
    if nxt[0] != "MOTION":
        if nxt[0].upper() == "ROOT":
            raise toks.error("several ROOTs are not supported", nxt[1])
        raise toks.error(f"expected 'MOTION', found {nxt[0]!r}", nxt[1])
    if toks.motion_line is None:
        raise toks.error("'MOTION' must start its own line", nxt[1])
    motion_parts = lines[toks.motion_line].split()
    if len(motion_parts) != 1:
        raise _error("unexpected text after 'MOTION'", path=path, line=toks.motion_line + 1)

    n_channels = sum(len(c) for c in channels)
    if n_channels == 0:
        raise _error("the hierarchy has no channels", path=path, line=toks.motion_line + 1)

    i = toks.motion_line + 1
    n_frames, i = _parse_frames_line(lines, i, path)
    frame_time, i = _parse_frame_time_line(lines, i, path)
    motion = _parse_motion_rows(lines, i, n_frames, n_channels, path)

    offs = np.asarray(offsets, dtype=np.float64).reshape(len(names), 3)
    return BVH(
        names=names,
        parents=np.asarray(parents, dtype=np.int64),
        offsets=offs,
        channels=channels,
        end_sites=end_sites,
        frame_time=frame_time,
        motion=motion,
    )


def _parse_joint_header(
    toks: _Tokens,
    line: int,
    parent: int,
    names: list[str],
    parents: list[int],
    offsets: list[tuple[float, float, float] | None],
    channels: list[list[str]],
) -> None:
    name_parts = toks.rest_of_line(line)
    if not name_parts:
        raise toks.error("joint without a name", line)
    if "}" in name_parts:
        raise toks.error("unexpected '}' in a joint name", line)
    toks.expect("{")
    names.append(" ".join(name_parts))
    parents.append(parent)
    offsets.append(None)
    channels.append([])


def _parse_channels(toks: _Tokens, line: int, idx: int, names: list[str], channels: list[list[str]]) -> None:
    if channels[idx]:
        raise toks.error(f"joint {names[idx]!r} has two CHANNELS lines", line)
    tok, cline = toks.next("channel count")
    if cline != line:
        raise toks.error("CHANNELS needs a count on its line", line)
    try:
        count = int(tok)
    except ValueError:
        raise toks.error(f"channel count {tok!r} is not an integer", line) from None
    if not 0 <= count <= 6:
        raise toks.error(f"channel count {count} is not in 0..6", line)
    found = toks.rest_of_line(line)
    if len(found) != count:
        raise toks.error(f"CHANNELS says {count} channels but lists {len(found)}", line)
    out: list[str] = []
    for name in found:
        canonical = _CANONICAL_CHANNEL.get(name.lower())
        if canonical is None:
            raise toks.error(f"unknown channel name {name!r}", line)
        if canonical in out:
            raise toks.error(f"channel {canonical} listed twice", line)
        out.append(canonical)
    channels[idx] = out


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _header_value(lines: list[str], i: int, path: str | None, label: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    """The value after ``label`` (e.g. ``Frames:``) on the next non-blank line from ``i``,
    and that line's index."""
    i = _next_nonblank(lines, i)
    if i >= len(lines):
        raise _error(f"unexpected end of file, expected '{label}'", path=path, line=last_line(lines))
    m = pattern.match(lines[i].strip())
    if m is None:
        raise _error(f"expected '{label}', found {lines[i].strip()[:40]!r}", path=path, line=i + 1)
    return m.group(1).strip(), i


def _parse_frames_line(lines: list[str], i: int, path: str | None) -> tuple[int, int]:
    value, i = _header_value(lines, i, path, "Frames:", _FRAMES_RE)
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise _error(f"frame count {value[:40]!r} is not an integer", path=path, line=i + 1)
    n = int(value)
    if n <= 0:
        raise _error(f"frame count must be positive, got {n}", path=path, line=i + 1)
    return n, i + 1


def _parse_frame_time_line(lines: list[str], i: int, path: str | None) -> tuple[float, int]:
    text, i = _header_value(lines, i, path, "Frame Time:", _FRAME_TIME_RE)
    value = _parse_float(text, i + 1, path, "Frame Time")
    if value <= 0.0:
        raise _error(f"Frame Time must be positive, got {value}", path=path, line=i + 1)
    return value, i + 1


def _parse_motion_rows(lines: list[str], start: int, n_frames: int, n_channels: int, path: str | None) -> np.ndarray:
    data = [ln for ln in lines[start:] if ln and not ln.isspace()]
    if len(data) == n_frames:
        # Fast path (numpy's C parser); any irregularity is diagnosed below.
        try:
            fast = np.loadtxt(data, dtype=np.float64, comments=None, ndmin=2)
        except (ValueError, TypeError, OverflowError):
            fast = None
        if fast is not None and fast.shape == (n_frames, n_channels) and np.isfinite(fast).all():
            return fast
    return _parse_motion_rows_slow(lines, start, n_frames, n_channels, path)


def _parse_motion_rows_slow(
    lines: list[str], start: int, n_frames: int, n_channels: int, path: str | None
) -> np.ndarray:
    rows: list[list[float]] = []
    for i in range(start, len(lines)):
        parts = lines[i].split()
        if not parts:
            continue
        if len(rows) == n_frames:
            raise _error(f"more motion lines than 'Frames: {n_frames}'", path=path, line=i + 1)
        if len(parts) != n_channels:
            raise _error(f"motion line has {len(parts)} values, expected {n_channels}", path=path, line=i + 1)
        rows.append([_parse_float(p, i + 1, path, "motion value") for p in parts])
    if len(rows) < n_frames:
        raise _error(
            f"file truncated: 'Frames: {n_frames}' but only {len(rows)} motion lines",
            path=path,
            line=last_line(lines),
        )
    return np.array(rows, dtype=np.float64).reshape(n_frames, n_channels)
