"""Parsing of Acclaim ASF skeleton files (:func:`read_asf`, :func:`parse_asf`)."""

from __future__ import annotations

import logging
import os

import numpy as np

from motionlgd.data.asfamc_model import ASFSkeleton
from motionlgd.data.asfamc_text import _error, _float, _floats, _lines, _read_latin1
from motionlgd.data.text_common import last_line

# Records keep the logger name of the original single module (motionlgd.data.asfamc).
logger = logging.getLogger("motionlgd.data.asfamc")

_ROT_DOFS = ("rx", "ry", "rz")
_ROOT_CHANNELS = ("TX", "TY", "TZ", "RX", "RY", "RZ")
_ASF_SECTIONS = ("version", "name", "namespace", "units", "documentation", "root", "bonedata", "hierarchy")


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
        raise _error("file ends inside a bone block", path=path, line=last_line(lines))
    if not bones:
        raise _error("no :bonedata", path=path, line=last_line(lines))
    if in_hier_block:
        raise _error("file ends inside the hierarchy block", path=path, line=last_line(lines))
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
