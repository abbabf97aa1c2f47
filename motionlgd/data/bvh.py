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

from motionlgd.data.bvh_kinematics import bvh_forward_kinematics, bvh_local_rotations, euler_to_matrix
from motionlgd.data.bvh_model import BVH, CHANNEL_NAMES
from motionlgd.data.bvh_parse import read_bvh
from motionlgd.data.bvh_write import format_bvh, write_bvh

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
