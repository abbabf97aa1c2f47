"""Acclaim ASF (skeleton) / AMC (motion) reader and forward kinematics.

Follows the convention documented (and checked against the MotionBuilder BVH
of the same CMU trial) in ``../shared/data/cmu_asfamc/SOURCE.md``:

* each bone ``b`` has an ASF ``axis a1 a2 a3 ORDER``; ``C_b`` is the product of
  the elemental rotations applied in ``ORDER`` (``XYZ`` -> ``Rz(a3) Ry(a2) Rx(a1)``);
* its local rotation is ``L_b = C_b @ Rz(rz) @ Ry(ry) @ Rx(rx) @ C_b^-1`` with
  the AMC values of the bone's ``dof`` (missing dofs are 0);
* global ``R_b = R_parent @ L_b``; bone end ``= parent end + R_b @ direction_b * length_b``;
* the root rotation is ``C_root @ M_root @ C_root^-1`` where ``M_root`` composes
  the AMC root angles in the root ``axis`` order (``XYZ`` -> ``Rz Ry Rx``) and
  ``C_root`` comes from the root ``orientation`` (zero in all team files); the
  root position is the AMC root translation (the ASF root ``position`` is the
  rest position and is ignored, as in common Acclaim readers).

Angles honour ``:units angle deg|rad`` of the ASF and ``:DEGREES``/``:RADIANS``
of the AMC (the AMC header wins).  Lengths stay in ASF units; multiply by
:attr:`ASFSkeleton.metres_per_unit` (``0.0254 / length``, i.e. ``0.056444`` for
CMU/HDM05's ``length 0.45``) for metres.  Files are read as Latin-1 (some
comment lines are not UTF-8); CRLF and mixed line ends are fine.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field

import numpy as np

from motionlgd.data.bvh import euler_to_matrix
from motionlgd.errors import ASFAMCParseError, ShapeError

__all__ = [
    "AMCMotion",
    "ASFSkeleton",
    "asfamc_forward_kinematics",
    "parse_amc",
    "parse_asf",
    "read_amc",
    "read_asf",
]

logger = logging.getLogger(__name__)


def _error(message: str, path: str | None = None, line: int | None = None) -> ASFAMCParseError:
    """A :class:`ASFAMCParseError`; the line number is put in the message even without a path."""
    if path is None and line is not None:
        message = f"line {line}: {message}"
    return ASFAMCParseError(message, path=path, line=line)


_AXES = {"X": 0, "Y": 1, "Z": 2}
_ROT_DOFS = ("rx", "ry", "rz")
_ROOT_CHANNELS = ("TX", "TY", "TZ", "RX", "RY", "RZ")
_ASF_SECTIONS = ("version", "name", "namespace", "units", "documentation", "root", "bonedata", "hierarchy")


@dataclass
class ASFSkeleton:
    """An Acclaim skeleton.

    Index 0 is the ``root``; bones follow in depth-first order of the
    ``:hierarchy`` (parents before children).

    Attributes
    ----------
    names:
        ``B`` names, ``names[0] == "root"``.
    parents:
        ``(B,)`` int64 parent index, ``-1`` for the root.
    directions:
        ``(B, 3)`` float64 unit bone directions in the global rest frame (root: 0).
    lengths:
        ``(B,)`` float64 bone lengths in ASF units (root: 0).
    axes:
        ``(B, 3)`` float64 ``axis`` angles in degrees, listed per ``axis_orders``
        (root: the root ``orientation``).
    axis_orders:
        Per bone the axis-order string of its ``axis`` line (e.g. ``"XYZ"``).
    dofs:
        Per bone the AMC value names in file order (``rx``, ``ry``, ``rz``); the
        root's entry is its ``order`` (e.g. ``["TX", "TY", "TZ", "RX", "RY", "RZ"]``).
    length_unit:
        ``:units length`` value (``0.45`` for CMU/HDM05).
    angle_unit:
        ``"deg"`` or ``"rad"`` (``:units angle``).
    root_position:
        ``(3,)`` ASF root rest ``position`` (informational).
    name:
        ``:name`` header value, if any.
    """

    names: list[str]
    parents: np.ndarray
    directions: np.ndarray
    lengths: np.ndarray
    axes: np.ndarray
    axis_orders: list[str]
    dofs: list[list[str]]
    length_unit: float = 1.0
    angle_unit: str = "deg"
    root_position: np.ndarray = field(default_factory=lambda: np.zeros(3))
    name: str = ""

    @property
    def num_bones(self) -> int:
        """Number of bones ``B`` including the root."""
        return len(self.names)

    @property
    def metres_per_unit(self) -> float:
        """Metres per ASF length unit, ``0.0254 / length_unit`` (ASF lengths in inches / length)."""
        return 0.0254 / self.length_unit

    def index(self, name: str) -> int:
        """Index of bone ``name`` (``KeyError`` if absent)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(name) from None


@dataclass
class AMCMotion:
    """Motion of an AMC file.

    Attributes
    ----------
    frame_numbers:
        ``(F,)`` int64 frame numbers as written in the file.
    values:
        Bone name -> ``(F, len(dofs))`` float64 values in the file's order of
        that bone's dofs (root: translation in ASF units and angles).
    degrees:
        Whether angles are degrees (else radians).
    """

    frame_numbers: np.ndarray
    values: dict[str, np.ndarray]
    degrees: bool = True

    @property
    def num_frames(self) -> int:
        """Number of frames ``F``."""
        return int(self.frame_numbers.shape[0])


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


# --------------------------------------------------------------------------- ASF


def read_asf(path: str | os.PathLike[str]) -> ASFSkeleton:
    """Read an Acclaim ``.asf`` skeleton file.

    Parameters
    ----------
    path:
        The file (read as Latin-1).

    Returns
    -------
    ASFSkeleton

    Raises
    ------
    ASFAMCParseError
        Malformed file (message names the path and 1-based line).
    """
    return parse_asf(_read_latin1(path), path=os.fspath(path))


def parse_asf(text: str, path: str | None = None) -> ASFSkeleton:
    """Parse ASF text (see :func:`read_asf`); ``path`` is only used in messages."""
    lines = _lines(text)
    section = ""
    units: dict[str, str] = {}
    name = ""
    root: dict = {
        "order": ["TX", "TY", "TZ", "RX", "RY", "RZ"],
        "axis": "XYZ",
        "position": [0.0] * 3,
        "orientation": [0.0] * 3,
    }
    bones: dict[str, dict] = {}
    bone_order: list[str] = []
    current: dict | None = None
    children: dict[str, list[str]] = {}
    hierarchy_line: dict[str, int] = {}
    in_hier_block = False

    for i, raw in enumerate(lines, start=1):
        toks = raw.split()
        if not toks or toks[0].startswith("#"):
            continue
        key = toks[0]
        if key.startswith(":"):
            if current is not None:
                raise _error(f"bone block not closed before {key}", path=path, line=i)
            section = key[1:].lower()
            if section == "name":
                name = " ".join(toks[1:])
            elif section not in _ASF_SECTIONS:
                logger.debug("%s:%d: ignoring ASF section %s", path, i, key)
            continue
        low = key.lower()
        if section == "units":
            if len(toks) != 2:
                raise _error(f"bad units line {raw.strip()!r}", path=path, line=i)
            units[low] = toks[1]
            if low == "length":
                if _float(toks[1], path, i, "length unit") <= 0:
                    raise _error("length unit must be positive", path=path, line=i)
            elif low == "angle" and toks[1].lower() not in ("deg", "rad", "degree", "degrees", "radian", "radians"):
                raise _error(f"unknown angle unit {toks[1]!r}", path=path, line=i)
        elif section == "root":
            if low == "order":
                order = [t.upper() for t in toks[1:]]
                bad = [t for t in order if t not in _ROOT_CHANNELS]
                if bad or len(set(order)) != len(order):
                    raise _error(f"bad root order {' '.join(toks[1:])!r}", path=path, line=i)
                root["order"] = order
            elif low == "axis":
                if len(toks) != 2 or not _is_axis_order(toks[1]):
                    raise _error(f"bad root axis {' '.join(toks[1:])!r}", path=path, line=i)
                root["axis"] = toks[1].upper()
            elif low in ("position", "orientation"):
                root[low] = _floats(toks[1:], 3, path, i, f"root {low}")
            else:
                raise _error(f"unknown root field {key!r}", path=path, line=i)
        elif section == "bonedata":
            if low == "begin":
                if current is not None:
                    raise _error("'begin' inside a bone block", path=path, line=i)
                current = {"line": i, "dof": [], "axis": [0.0, 0.0, 0.0], "order": "XYZ"}
            elif current is None:
                if low == "end":
                    raise _error("'end' without 'begin'", path=path, line=i)
                raise _error(f"{key!r} outside a bone block", path=path, line=i)
            elif low == "end":
                for req in ("name", "direction", "length"):
                    if req not in current:
                        raise _error(f"bone block without {req!r}", path=path, line=i)
                if current["name"] in bones or current["name"] == "root":
                    raise _error(f"bone {current['name']!r} defined twice", path=path, line=i)
                bones[current["name"]] = current
                bone_order.append(current["name"])
                current = None
            elif low == "id":
                pass
            elif low == "name":
                if len(toks) != 2:
                    raise _error("bone name must be one word", path=path, line=i)
                current["name"] = toks[1]
            elif low == "direction":
                d = np.array(_floats(toks[1:], 3, path, i, "direction"))
                norm = float(np.linalg.norm(d))
                current["direction"] = d / norm if norm > 0 else d
            elif low == "length":
                current["length"] = _floats(toks[1:], 1, path, i, "length")[0]
            elif low == "axis":
                if len(toks) != 5 or not _is_axis_order(toks[4]):
                    raise _error("axis needs 3 angles and an order like XYZ", path=path, line=i)
                current["axis"] = _floats(toks[1:4], 3, path, i, "axis")
                current["order"] = toks[4].upper()
            elif low == "dof":
                dof = [t.lower() for t in toks[1:]]
                for t in dof:
                    if t in ("tx", "ty", "tz", "l"):
                        raise _error(f"dof {t!r} on a bone is not supported", path=path, line=i)
                    if t not in _ROT_DOFS:
                        raise _error(f"unknown dof {t!r}", path=path, line=i)
                if len(set(dof)) != len(dof):
                    raise _error("dof listed twice", path=path, line=i)
                current["dof"] = dof
            elif low in ("limits", "bodymass", "cofmass") or key.startswith("("):
                pass  # limits (and their continuation lines) are not needed
            else:
                raise _error(f"unknown bone field {key!r}", path=path, line=i)
        elif section == "hierarchy":
            if low == "begin":
                in_hier_block = True
            elif low == "end":
                in_hier_block = False
            elif not in_hier_block:
                raise _error(f"{key!r} outside hierarchy begin/end", path=path, line=i)
            else:
                parent = toks[0]
                for c in toks[1:]:
                    if c in hierarchy_line:
                        raise _error(f"bone {c!r} has two parents", path=path, line=i)
                    hierarchy_line[c] = i
                children.setdefault(parent, []).extend(toks[1:])
        # other sections (documentation, skin, ...) are ignored
    if current is not None:
        raise _error("file ends inside a bone block", path=path, line=_last_line(lines))
    if not bones:
        raise _error("no :bonedata", path=path, line=_last_line(lines))
    if in_hier_block:
        raise _error("file ends inside the hierarchy block", path=path, line=_last_line(lines))
    for c, line in hierarchy_line.items():
        if c not in bones:
            raise _error(f"hierarchy names unknown bone {c!r}", path=path, line=line)
    for p in children:
        if p != "root" and p not in bones:
            raise _error(f"hierarchy names unknown bone {p!r}", path=path, line=1)

    # depth-first order from the root
    names = ["root"]
    parents = [-1]
    stack = [(c, 0) for c in reversed(children.get("root", []))]
    while stack:
        bname, par = stack.pop()
        if bname in names:
            raise _error(f"hierarchy has a cycle at {bname!r}", path=path, line=hierarchy_line.get(bname))
        names.append(bname)
        parents.append(par)
        idx = len(names) - 1
        stack.extend((c, idx) for c in reversed(children.get(bname, [])))
    missing = [b for b in bone_order if b not in names]
    if missing:
        raise _error(f"bones not connected to the root: {missing}", path=path, line=bones[missing[0]]["line"])

    angle = units.get("angle", "deg").lower()
    B = len(names)
    directions = np.zeros((B, 3))
    lengths = np.zeros(B)
    axes = np.zeros((B, 3))
    orders = [root["axis"]]
    dofs: list[list[str]] = [list(root["order"])]
    axes[0] = root["orientation"]
    for k, bname in enumerate(names[1:], start=1):
        b = bones[bname]
        directions[k] = b["direction"]
        lengths[k] = b["length"]
        axes[k] = b["axis"]
        orders.append(b["order"])
        dofs.append(list(b["dof"]))
    return ASFSkeleton(
        names=names,
        parents=np.asarray(parents, dtype=np.int64),
        directions=directions,
        lengths=lengths,
        axes=axes,
        axis_orders=orders,
        dofs=dofs,
        length_unit=float(units.get("length", 1.0)),
        angle_unit="rad" if angle.startswith("rad") else "deg",
        root_position=np.asarray(root["position"], dtype=np.float64),
        name=name,
    )


def _is_axis_order(s: str) -> bool:
    return len(s) == 3 and sorted(s.upper()) == ["X", "Y", "Z"]


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
        raise _error("no frames", path=path, line=_last_line(lines))
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


# --------------------------------------------------------------------------- FK


def _compose(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """``(..., 3)`` angles listed for axes X, Y, Z -> ``(..., 3, 3)`` rotation applying ``order[0]`` first."""
    out = None
    for ax in order.upper():
        k = _AXES[ax]
        r = euler_to_matrix(angles_deg[..., k], k)
        out = r if out is None else r @ out
    assert out is not None
    return out


def _axis_matrix(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """Constant ``(3, 3)`` rotation of an ASF ``axis`` (angles for X, Y, Z; ``order[0]`` applied first)."""
    out = np.eye(3)
    for ax in order.upper():
        k = _AXES[ax]
        a = math.radians(float(angles_deg[k]))
        c, s = math.cos(a), math.sin(a)
        i, j = [(1, 2), (2, 0), (0, 1)][k]
        r = np.eye(3)
        r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
        out = r @ out
    return out


def _rz_ry_rx(rx: np.ndarray, ry: np.ndarray, rz: np.ndarray) -> np.ndarray:
    """Closed form of ``Rz(rz) @ Ry(ry) @ Rx(rx)``; ``(F,)`` radians -> ``(F, 3, 3)``."""
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    m = np.empty((*rx.shape, 3, 3))
    m[..., 0, 0] = cz * cy
    m[..., 0, 1] = cz * sy * sx - sz * cx
    m[..., 0, 2] = cz * sy * cx + sz * sx
    m[..., 1, 0] = sz * cy
    m[..., 1, 1] = sz * sy * sx + cz * cx
    m[..., 1, 2] = sz * sy * cx - cz * sx
    m[..., 2, 0] = -sy
    m[..., 2, 1] = cy * sx
    m[..., 2, 2] = cy * cx
    return m


def _right_mul(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``x @ c`` for ``(F, 3, 3)`` ``x`` and a constant ``(3, 3)`` ``c`` (one BLAS call)."""
    return (x.reshape(-1, 3) @ c).reshape(x.shape)


def asfamc_forward_kinematics(skel: ASFSkeleton, motion: AMCMotion) -> np.ndarray:
    """Acclaim forward kinematics.

    Parameters
    ----------
    skel:
        The skeleton.
    motion:
        Its motion (``F`` frames).

    Returns
    -------
    np.ndarray
        ``(F, B, 3)`` float64 bone **end** positions in ASF length units, bone
        order of ``skel.names``; index 0 is the root (pelvis) position.
    """
    F = motion.num_frames
    B = skel.num_bones
    to_rad = math.pi / 180.0 if motion.degrees else 1.0
    axis_deg = 1.0 if skel.angle_unit == "deg" else 180.0 / math.pi
    pos = np.zeros((F, B, 3))
    glob = np.zeros((F, B, 3, 3))

    # root
    root_vals = motion.values.get("root")
    trans = np.zeros((F, 3))
    rot = np.zeros((F, 3))
    if root_vals is not None:
        for c, name in enumerate(skel.dofs[0]):
            (trans if name[0] == "T" else rot)[:, _AXES[name[1]]] = root_vals[:, c]
    c_root = _axis_matrix(skel.axes[0] * axis_deg, skel.axis_orders[0])
    m_root = _compose(np.rad2deg(rot * to_rad), skel.axis_orders[0])
    glob[:, 0] = c_root @ m_root @ c_root.T
    pos[:, 0] = trans

    for b in range(1, B):
        p = int(skel.parents[b])
        c = _axis_matrix(skel.axes[b] * axis_deg, skel.axis_orders[b])
        vals = motion.values.get(skel.names[b])
        if vals is None or not skel.dofs[b]:
            # no motion: L = C @ I @ C^-1 = I
            glob[:, b] = glob[:, p]
        else:
            ang = np.zeros((3, F))
            for k, name in enumerate(skel.dofs[b]):
                ang[_AXES[name[1].upper()]] = vals[:, k] * to_rad
            m = _rz_ry_rx(ang[0], ang[1], ang[2])
            glob[:, b] = _right_mul(_right_mul(glob[:, p], c) @ m, c.T)
        bone = skel.directions[b] * skel.lengths[b]
        pos[:, b] = pos[:, p] + glob[:, b] @ bone
    if not np.isfinite(pos).all():  # pragma: no cover - inputs are checked finite
        raise ShapeError("non-finite positions in ASF/AMC forward kinematics")
    return pos
