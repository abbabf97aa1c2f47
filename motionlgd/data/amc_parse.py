"""Parsing of Acclaim AMC motion files for a given skeleton (:func:`read_amc`, :func:`parse_amc`)."""

from __future__ import annotations

import logging
import os

import numpy as np

from motionlgd.data.asfamc_model import AMCMotion, ASFSkeleton
from motionlgd.data.asfamc_text import _error, _float, _is_int, _lines, _read_latin1
from motionlgd.data.text_common import last_line

# Records keep the logger name of the original single module (motionlgd.data.asfamc).
logger = logging.getLogger("motionlgd.data.asfamc")


# --------------------------------------------------------------------------- AMC


def read_amc(path: str | os.PathLike[str], skeleton: ASFSkeleton) -> AMCMotion:
    """Read an Acclaim ``.amc`` motion file for ``skeleton``.

    Every frame must list every bone that has dofs (and the root) once, with
    exactly as many values as the bone's dofs.

    Parameters
    ----------
    path:
        The file (read as Latin-1).
    skeleton:
        The matching skeleton from :func:`read_asf`.

    Returns
    -------
    AMCMotion
        ``F >= 1`` frames.

    Raises
    ------
    ASFAMCParseError
        Malformed file or mismatch with the skeleton (path and 1-based line).
    """
    return parse_amc(_read_latin1(path), skeleton, path=os.fspath(path))


def parse_amc(text: str, skeleton: ASFSkeleton, path: str | None = None) -> AMCMotion:
    """Parse AMC text (see :func:`read_amc`); ``path`` is only used in messages."""
    lines = _lines(text)
    degrees = skeleton.angle_unit == "deg"
    expected = {n: len(d) for n, d in zip(skeleton.names, skeleton.dofs) if d}
    fast = _parse_amc_fast(lines, expected, degrees, path)
    if fast is not None:
        return fast
    n_bones = len(expected)
    rows: dict[str, list[list[str]]] = {n: [] for n in expected}
    frame_numbers: list[int] = []
    frame_line = 0
    seen: set[str] = set()

    def close_frame() -> None:
        if frame_numbers and len(seen) != n_bones:
            missing = sorted(set(expected) - seen)
            raise _error(f"frame {frame_numbers[-1]} lacks bones {missing}", path=path, line=frame_line)

    for i, raw in enumerate(lines, start=1):
        toks = raw.split()
        if not toks or toks[0].startswith("#"):
            continue
        key = toks[0]
        if key.startswith(":"):
            if frame_numbers:
                raise _error(f"header line {key!r} after the first frame", path=path, line=i)
            up = key.upper()
            if up in (":DEGREES", ":DEGREE"):
                degrees = True
            elif up in (":RADIANS", ":RADIAN"):
                degrees = False
            continue
        if len(toks) == 1 and _is_int(key):
            close_frame()
            frame_numbers.append(int(key))
            frame_line = i
            seen = set()
            continue
        if not frame_numbers:
            raise _error(f"expected a frame number, found {raw.strip()[:40]!r}", path=path, line=i)
        n = expected.get(key)
        if n is None:
            if key in skeleton.names:
                raise _error(f"bone {key!r} has no dofs in the ASF", path=path, line=i)
            raise _error(f"unknown bone {key!r}", path=path, line=i)
        if key in seen:
            raise _error(f"bone {key!r} twice in frame {frame_numbers[-1]}", path=path, line=i)
        if len(toks) - 1 != n:
            raise _error(f"bone {key!r} needs {n} values, got {len(toks) - 1}", path=path, line=i)
        seen.add(key)
        rows[key].append(toks[1:])
    if not frame_numbers:
        raise _error("no frames", path=path, line=last_line(lines))
    close_frame()

    values: dict[str, np.ndarray] = {}
    for bname, r in rows.items():
        try:
            arr = np.array(r, dtype=np.float64).reshape(len(frame_numbers), expected[bname])
        except (ValueError, OverflowError):
            arr = None
        if arr is None or not np.isfinite(arr).all():
            _locate_bad_value(lines, bname, path)
            raise _error(f"bad value for bone {bname!r}", path=path)  # pragma: no cover
        values[bname] = arr
    nums = np.asarray(frame_numbers, dtype=np.int64)
    if len(nums) > 1 and not (np.diff(nums) == 1).all():
        logger.warning("%s: AMC frame numbers are not consecutive", path)
    return AMCMotion(frame_numbers=nums, values=values, degrees=degrees)


def _parse_amc_fast(
    lines: list[str], expected: dict[str, int], degrees: bool, path: str | None = None
) -> AMCMotion | None:
    """Vectorised parse of a regular AMC body; ``None`` if anything is unusual.

    ``None`` sends the caller to the line-by-line parser, which produces the
    exact error message and line number.
    """
    start = None
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith(":"):
            u = s.split()[0].upper()
            if u in (":DEGREES", ":DEGREE"):
                degrees = True
            elif u in (":RADIANS", ":RADIAN"):
                degrees = False
            continue
        start = i
        break
    if start is None:
        return None
    body = " ".join(lines[start:])
    if "#" in body or ":" in body:
        return None
    tokens = body.split()
    if not tokens or not _is_int(tokens[0]):
        return None
    # layout of one frame from the first frame: [frame, name, v.., name, v.., ...]
    name_cols: list[int] = []
    value_cols: dict[str, list[int]] = {}
    k = 1
    while k < len(tokens) and not _is_int(tokens[k]):
        name = tokens[k]
        n = expected.get(name)
        if n is None or name in value_cols:
            return None
        name_cols.append(k)
        value_cols[name] = list(range(k + 1, k + 1 + n))
        k += 1 + n
    if len(value_cols) != len(expected):
        return None
    width = k
    if len(tokens) % width:
        return None
    n_frames = len(tokens) // width
    for c in name_cols:
        if tokens[c::width].count(tokens[c]) != n_frames:
            return None
    numbers = tokens[0::width]
    if not all(_is_int(t) for t in numbers):
        return None
    try:
        values = {
            n: np.array([tokens[c::width] for c in cols], dtype=np.float64).T.copy() for n, cols in value_cols.items()
        }
    except (ValueError, OverflowError):
        return None
    if not all(np.isfinite(v).all() for v in values.values()):
        return None
    nums = np.array([int(t) for t in numbers], dtype=np.int64)
    if len(nums) > 1 and not (np.diff(nums) == 1).all():
        logger.warning("%s: AMC frame numbers are not consecutive", path)
    return AMCMotion(frame_numbers=nums, values=values, degrees=degrees)


def _locate_bad_value(lines: list[str], bone: str, path: str | None) -> None:
    for i, raw in enumerate(lines, start=1):
        toks = raw.split()
        if toks and toks[0] == bone:
            for t in toks[1:]:
                _float(t, path, i, f"bone {bone!r}")
