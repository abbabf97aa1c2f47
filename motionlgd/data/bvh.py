"""Biovision Hierarchy (BVH) reader, writer and forward kinematics.

The reader accepts any well-formed single-root BVH: any subset and order of the
six channels ``{X,Y,Z}position`` / ``{X,Y,Z}rotation`` on any joint, End Sites,
CR/LF line ends, tabs, a UTF-8 BOM, Latin-1 bytes.  Every malformed input -- of
any bytes or ``str`` -- raises :class:`motionlgd.errors.BVHParseError` with the
1-based line number of the offending line (or of the end of the file when it is
truncated); no other exception type escapes :func:`read_bvh` for ``bytes`` or
``str`` input.

Conventions (documented once, used by every function of this module):

* Angles in the MOTION section are degrees.
* A joint's local rotation is the product of its rotation channels in the order
  they are listed in its ``CHANNELS`` line (intrinsic rotations):
  ``R = R_c1 @ R_c2 @ R_c3`` with right-handed elemental rotations acting on
  column vectors.
* A joint's local translation is its ``OFFSET``, except that every axis that has
  a position channel takes the channel value instead.  For the root this means
  the root position channels are absolute and the root ``OFFSET`` is ignored
  (which is what the ACCAD files need, see ``../shared/data/accad_*/SOURCE.md``).
* Positions are in file units (cm for ACCAD/Daz files, CMU units for the
  MotionBuilder CMU files); nothing is rescaled here.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motionlgd.errors import BVHParseError, ShapeError

__all__ = [
    "BVH",
    "CHANNEL_NAMES",
    "bvh_forward_kinematics",
    "bvh_local_rotations",
    "euler_to_matrix",
    "format_bvh",
    "read_bvh",
    "write_bvh",
]

logger = logging.getLogger(__name__)


def _error(message: str, path: str | None = None, line: int | None = None) -> BVHParseError:
    """A :class:`BVHParseError`; the line number is put in the message even without a path."""
    if path is None and line is not None:
        message = f"line {line}: {message}"
    return BVHParseError(message, path=path, line=line)


#: The six valid channel names, in their canonical spelling.
CHANNEL_NAMES: tuple[str, ...] = (
    "Xposition",
    "Yposition",
    "Zposition",
    "Xrotation",
    "Yrotation",
    "Zrotation",
)
_CANONICAL_CHANNEL = {name.lower(): name for name in CHANNEL_NAMES}
_AXIS_INDEX = {"X": 0, "Y": 1, "Z": 2}

_FRAMES_RE = re.compile(r"^frames\s*:?\s*(.*)$", re.IGNORECASE)
_FRAME_TIME_RE = re.compile(r"^frame\s*time\s*:?\s*(.*)$", re.IGNORECASE)


@dataclass
class BVH:
    """A parsed BVH file.

    Attributes
    ----------
    names:
        ``J`` joint names in file (depth-first) order.
    parents:
        ``(J,)`` int64 parent index of each joint, ``-1`` for the root.
    offsets:
        ``(J, 3)`` float64 ``OFFSET`` of each joint from its parent, file units.
    channels:
        Per joint, the channel names in file order (canonical spelling, e.g.
        ``["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation",
        "Yrotation"]``); may be empty.
    end_sites:
        Joint index -> ``(3,)`` float64 ``OFFSET`` of that joint's End Site.
    frame_time:
        Seconds per frame (``1 / fps``).
    motion:
        ``(F, C)`` float64 MOTION values; ``C = sum(len(c) for c in channels)``,
        columns ordered joint by joint, then channel by channel.  Positions in
        file units, rotations in degrees.
    """

    names: list[str]
    parents: np.ndarray
    offsets: np.ndarray
    channels: list[list[str]]
    end_sites: dict[int, np.ndarray] = field(default_factory=dict)
    frame_time: float = 1.0 / 30.0
    motion: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def num_joints(self) -> int:
        """Number of joints ``J``."""
        return len(self.names)

    @property
    def num_frames(self) -> int:
        """Number of frames ``F``."""
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        """Frames per second, ``1 / frame_time``."""
        return 1.0 / self.frame_time

    def channel_offsets(self) -> np.ndarray:
        """Index of each joint's first MOTION column.

        Returns
        -------
        np.ndarray
            ``(J + 1,)`` int64; joint ``j`` owns columns ``[out[j], out[j + 1])``.
        """
        counts = [len(c) for c in self.channels]
        return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)

    def index(self, name: str) -> int:
        """Index of the first joint called ``name`` (``KeyError`` if absent)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(name) from None


# --------------------------------------------------------------------------- reading


class _Tokens:
    """Token stream over the HIERARCHY part with 1-based line numbers."""

    def __init__(self, lines: list[str], start: int, path: str | None) -> None:
        self.tokens: list[tuple[str, int]] = []
        self.path = path
        self.pos = 0
        self.end_line = _last_line(lines)
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


def _last_line(lines: list[str]) -> int:
    """1-based number of the last line (a final newline does not start a new line)."""
    n = len(lines)
    if n > 1 and lines[-1] == "":
        n -= 1
    return max(1, n)


def _parse_float(text: str, line: int, path: str | None, what: str) -> float:
    try:
        value = float(text)
    except (ValueError, OverflowError):
        raise _error(f"{what}: {text!r} is not a number", path=path, line=line) from None
    if not math.isfinite(value):
        raise _error(f"{what}: {text!r} is not finite", path=path, line=line)
    return value


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
        raise _error("empty file", path=path, line=_last_line(lines))
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


def _parse_frames_line(lines: list[str], i: int, path: str | None) -> tuple[int, int]:
    i = _next_nonblank(lines, i)
    if i >= len(lines):
        raise _error("unexpected end of file, expected 'Frames:'", path=path, line=_last_line(lines))
    m = _FRAMES_RE.match(lines[i].strip())
    if m is None:
        raise _error(f"expected 'Frames:', found {lines[i].strip()[:40]!r}", path=path, line=i + 1)
    value = m.group(1).strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise _error(f"frame count {value[:40]!r} is not an integer", path=path, line=i + 1)
    n = int(value)
    if n <= 0:
        raise _error(f"frame count must be positive, got {n}", path=path, line=i + 1)
    return n, i + 1


def _parse_frame_time_line(lines: list[str], i: int, path: str | None) -> tuple[float, int]:
    i = _next_nonblank(lines, i)
    if i >= len(lines):
        raise _error("unexpected end of file, expected 'Frame Time:'", path=path, line=_last_line(lines))
    m = _FRAME_TIME_RE.match(lines[i].strip())
    if m is None:
        raise _error(f"expected 'Frame Time:', found {lines[i].strip()[:40]!r}", path=path, line=i + 1)
    value = _parse_float(m.group(1).strip(), i + 1, path, "Frame Time")
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
            line=_last_line(lines),
        )
    return np.array(rows, dtype=np.float64).reshape(n_frames, n_channels)


# --------------------------------------------------------------------------- writing


def _dfs_order(parents: np.ndarray) -> list[int]:
    children: dict[int, list[int]] = {}
    roots = []
    for j, p in enumerate(parents.tolist()):
        if p < 0:
            roots.append(j)
        else:
            children.setdefault(p, []).append(j)
    if len(roots) != 1:
        raise ShapeError(f"a BVH needs exactly one root (parent -1), found {len(roots)}")
    order: list[int] = []
    stack = [roots[0]]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(children.get(j, [])))
    if len(order) != len(parents):
        raise ShapeError("parents do not form a tree (cycle or invalid index)")
    return order


def _validate(bvh: BVH) -> None:
    J = len(bvh.names)
    parents = np.asarray(bvh.parents)
    if parents.shape != (J,) or np.asarray(bvh.offsets).shape != (J, 3) or len(bvh.channels) != J:
        raise ShapeError(
            f"BVH with {J} names needs parents (J,), offsets (J, 3) and J channel lists; got "
            f"{parents.shape}, {np.asarray(bvh.offsets).shape}, {len(bvh.channels)}"
        )
    if J == 0:
        raise ShapeError("BVH has no joints")
    if ((parents < -1) | (parents >= J)).any():
        raise ShapeError("parent index out of range")
    for ch in bvh.channels:
        for c in ch:
            if c not in CHANNEL_NAMES:
                raise ShapeError(f"unknown channel name {c!r}")
    C = sum(len(c) for c in bvh.channels)
    motion = np.asarray(bvh.motion)
    if motion.ndim != 2 or motion.shape[1] != C:
        raise ShapeError(f"motion must be (F, {C}), got {motion.shape}")


def format_bvh(bvh: BVH, precision: int = 6) -> str:
    """Format a :class:`BVH` as BVH text.

    Joints are written depth-first from the root (children in index order) and
    the MOTION columns are permuted to match, so a BVH whose joints are not in
    depth-first order is still written correctly (reading it back gives the
    joints in depth-first order).

    Parameters
    ----------
    bvh:
        The skeleton and motion to write.
    precision:
        Decimals of OFFSET and MOTION values (``%.6f`` by default).

    Returns
    -------
    str
        The file content with ``\\n`` line ends.
    """
    _validate(bvh)
    parents = np.asarray(bvh.parents, dtype=np.int64)
    order = _dfs_order(parents)
    fmt = f"%.{precision}f"
    out: list[str] = ["HIERARCHY"]
    depth = {order[0]: 0}
    # The stack holds the open blocks' depths so closing braces can be emitted.
    open_blocks: list[int] = []

    def close_until(d: int) -> None:
        while open_blocks and open_blocks[-1] >= d:
            out.append("\t" * open_blocks.pop() + "}")

    for j in order:
        p = int(parents[j])
        d = 0 if p < 0 else depth[p] + 1
        depth[j] = d
        close_until(d)
        ind = "\t" * d
        out.append(f"{ind}{'ROOT' if p < 0 else 'JOINT'} {bvh.names[j]}")
        out.append(ind + "{")
        off = np.asarray(bvh.offsets[j], dtype=np.float64)
        out.append(f"{ind}\tOFFSET " + " ".join(fmt % v for v in off))
        ch = bvh.channels[j]
        out.append(f"{ind}\tCHANNELS {len(ch)}" + "".join(f" {c}" for c in ch))
        if j in bvh.end_sites:
            es = np.asarray(bvh.end_sites[j], dtype=np.float64)
            out.append(f"{ind}\tEnd Site")
            out.append(f"{ind}\t" + "{")
            out.append(f"{ind}\t\tOFFSET " + " ".join(fmt % v for v in es))
            out.append(f"{ind}\t" + "}")
        open_blocks.append(d)
    close_until(0)

    starts = bvh.channel_offsets()
    cols = np.concatenate([np.arange(starts[j], starts[j + 1]) for j in order]).astype(np.int64)
    motion = np.asarray(bvh.motion, dtype=np.float64)[:, cols]
    out.append("MOTION")
    out.append(f"Frames: {motion.shape[0]}")
    out.append(f"Frame Time: {bvh.frame_time:.10g}")
    if motion.size:
        row_fmt = " ".join([fmt] * motion.shape[1])
        out.extend(row_fmt % tuple(row) for row in motion.tolist())
    return "\n".join(out) + "\n"


def write_bvh(path: str | os.PathLike[str], bvh: BVH, precision: int = 6) -> None:
    """Write a :class:`BVH` to ``path`` (see :func:`format_bvh`).

    Parameters
    ----------
    path:
        Output file; overwritten if it exists.
    bvh:
        The skeleton and motion to write; must have at least one frame to be
        readable again by :func:`read_bvh`.
    precision:
        Decimals of OFFSET and MOTION values.
    """
    text = format_bvh(bvh, precision=precision)
    Path(path).write_text(text, encoding="utf-8", newline="\n")
    logger.debug("wrote %s (%d joints, %d frames)", path, bvh.num_joints, bvh.num_frames)


# --------------------------------------------------------------------------- kinematics


def euler_to_matrix(angles_deg: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Elemental rotation matrices about given axes.

    Parameters
    ----------
    angles_deg:
        ``(...)`` angles in degrees.
    axes:
        Integer array broadcastable to ``angles_deg``: 0 = X, 1 = Y, 2 = Z.

    Returns
    -------
    np.ndarray
        ``(..., 3, 3)`` float64 right-handed rotation matrices (column vectors).
    """
    a = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    one, zero = np.ones_like(a), np.zeros_like(a)
    builders = {
        0: lambda: np.stack([one, zero, zero, zero, c, -s, zero, s, c], axis=-1),
        1: lambda: np.stack([c, zero, s, zero, one, zero, -s, zero, c], axis=-1),
        2: lambda: np.stack([c, -s, zero, s, c, zero, zero, zero, one], axis=-1),
    }
    axes_arr = np.asarray(axes)
    if axes_arr.ndim == 0:
        m = builders[int(axes_arr)]()
    else:
        ax = np.broadcast_to(axes_arr, a.shape)[..., None]
        m = np.where(ax == 0, builders[0](), np.where(ax == 1, builders[1](), builders[2]()))
    return m.reshape(*a.shape, 3, 3)


def _rotation_slots(bvh: BVH) -> tuple[np.ndarray, np.ndarray]:
    """Per joint up to three (column, axis) rotation slots; missing slots use column -1."""
    J = bvh.num_joints
    cols = np.full((J, 3), -1, dtype=np.int64)
    axes = np.zeros((J, 3), dtype=np.int64)
    starts = bvh.channel_offsets()
    for j, ch in enumerate(bvh.channels):
        k = 0
        for i, name in enumerate(ch):
            if name.endswith("rotation"):
                cols[j, k] = starts[j] + i
                axes[j, k] = _AXIS_INDEX[name[0]]
                k += 1
    return cols, axes


def bvh_local_rotations(bvh: BVH) -> np.ndarray:
    """Local joint rotation matrices.

    Parameters
    ----------
    bvh:
        A parsed BVH.

    Returns
    -------
    np.ndarray
        ``(F, J, 3, 3)`` float64; joint ``j``'s rotation relative to its parent,
        ``R = R_c1 @ R_c2 @ R_c3`` over its rotation channels in CHANNELS order
        (identity for joints without rotation channels).
    """
    cols, axes = _rotation_slots(bvh)
    motion = np.asarray(bvh.motion, dtype=np.float64)
    F, J = motion.shape[0], bvh.num_joints
    padded = np.concatenate([motion, np.zeros((F, 1))], axis=1)  # column -1 -> 0 degrees
    angles = padded[:, cols]  # (F, J, 3 slots)
    out: np.ndarray | None = None
    for k in range(3):
        if (cols[:, k] < 0).all():
            continue  # no joint has a k-th rotation channel
        mats = np.empty((F, J, 3, 3))
        for axis in range(3):
            sel = np.flatnonzero(axes[:, k] == axis)
            if sel.size:
                mats[:, sel] = euler_to_matrix(angles[:, sel, k], axis)
        out = mats if out is None else out @ mats
    if out is None:
        out = np.broadcast_to(np.eye(3), (F, J, 3, 3)).copy()
    return out


def _local_translations(bvh: BVH) -> np.ndarray:
    """``(F, J, 3)`` local translations: OFFSET, replaced per axis by position channels."""
    motion = np.asarray(bvh.motion, dtype=np.float64)
    F, J = motion.shape[0], bvh.num_joints
    trans = np.broadcast_to(np.asarray(bvh.offsets, dtype=np.float64), (F, J, 3)).copy()
    starts = bvh.channel_offsets()
    for j, ch in enumerate(bvh.channels):
        for i, name in enumerate(ch):
            if name.endswith("position"):
                trans[:, j, _AXIS_INDEX[name[0]]] = motion[:, starts[j] + i]
    return trans


def _topological_order(parents: np.ndarray) -> list[int]:
    parents = np.asarray(parents)
    if all(p < j for j, p in enumerate(parents.tolist())):
        return list(range(len(parents)))
    return _dfs_order(parents)


def bvh_forward_kinematics(bvh: BVH, include_end_sites: bool = False) -> np.ndarray:
    """Global joint positions by forward kinematics.

    ``p_j = p_parent + G_parent @ t_j`` and ``G_j = G_parent @ R_j`` where ``t_j``
    is the joint's local translation (OFFSET with position-channel axes
    replaced by the channel values; the root's position channels are absolute
    and its OFFSET is ignored) and ``R_j`` the local rotation of
    :func:`bvh_local_rotations`.

    Parameters
    ----------
    bvh:
        A parsed BVH.
    include_end_sites:
        Also return the End Site positions, appended after the joints in the
        iteration order of ``bvh.end_sites``.

    Returns
    -------
    np.ndarray
        ``(F, J, 3)`` (or ``(F, J + E, 3)``) float64 positions in file units.
    """
    _validate(bvh)
    rot = bvh_local_rotations(bvh)
    trans = _local_translations(bvh)
    F, J = rot.shape[:2]
    glob_r = np.empty_like(rot)
    pos = np.empty((F, J, 3), dtype=np.float64)
    parents = np.asarray(bvh.parents, dtype=np.int64)
    for j in _topological_order(parents):
        p = int(parents[j])
        if p < 0:
            glob_r[:, j] = rot[:, j]
            pos[:, j] = trans[:, j]
        else:
            glob_r[:, j] = glob_r[:, p] @ rot[:, j]
            pos[:, j] = pos[:, p] + np.einsum("fab,fb->fa", glob_r[:, p], trans[:, j])
    if not include_end_sites or not bvh.end_sites:
        return pos
    ends = [
        pos[:, j] + np.einsum("fab,b->fa", glob_r[:, j], np.asarray(off, dtype=np.float64))
        for j, off in bvh.end_sites.items()
    ]
    return np.concatenate([pos, np.stack(ends, axis=1)], axis=1)
