"""The ASF/AMC data classes: :class:`ASFSkeleton` (skeleton) and :class:`AMCMotion` (motion)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
