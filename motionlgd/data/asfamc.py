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

from motionlgd.data.amc_parse import parse_amc, read_amc
from motionlgd.data.asf_parse import parse_asf, read_asf
from motionlgd.data.asfamc_kinematics import asfamc_forward_kinematics
from motionlgd.data.asfamc_model import AMCMotion, ASFSkeleton

__all__ = [
    "AMCMotion",
    "ASFSkeleton",
    "asfamc_forward_kinematics",
    "parse_amc",
    "parse_asf",
    "read_amc",
    "read_asf",
]
