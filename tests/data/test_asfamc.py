"""Tests of motionlgd.data.asfamc: ASF/AMC parsing, Acclaim FK, errors with line numbers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.asfamc import asfamc_forward_kinematics, parse_amc, parse_asf, read_amc, read_asf
from motionlgd.errors import ASFAMCParseError

# A chain root -> a -> b.  Bone b has axis (0, 0, 90): its rx dof rotates about C x = +y.
TINY_ASF = """\
# AST/ASF file \xe9 (latin-1 byte in a comment)
:version 1.10
:name VICON
:namespace TEST
:units
  mass 1.0
  length 0.45
  angle deg
:documentation
   hand-written test skeleton
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name a
     direction 0 2 0
     length 2
     axis 0 0 0 XYZ
    dof rx ry rz
    limits (-180.0 180.0)
           (-180.0 180.0)
           (-180.0 180.0)
  end
  begin
     id 2
     name b
     direction 1 0 0
     length 1
     axis 0 0 90 XYZ
    dof rx
    limits (-180.0 180.0)
  end
  begin
     id 3
     name tip
     direction 0 0 1
     length 0.5
     axis 0 0 0 XYZ
  end
:hierarchy
  begin
    root a
    a b
    b tip
  end
"""

TINY_AMC = """\
#!OML:ASF tiny.asf
:FULLY-SPECIFIED
:DEGREES
1
root 1 2 3 0 0 0
a 0 0 0
b 0
2
root 1 2 3 0 0 0
a 0 0 90
b 90
"""

# Bone ends (root, a, b, tip).  Frame 2: a = root + Rz(90) (0, 2, 0); b's local rotation is
# C Rx(90) C^-1 = Ry(90), so b = a + Rz(90) Ry(90) (1, 0, 0) = a + (0, 0, -1); tip = b + R_b (0, 0, 0.5).
TINY_FK = np.array(
    [
        [[1, 2, 3], [1, 4, 3], [2, 4, 3], [2, 4, 3.5]],
        [[1, 2, 3], [-1, 2, 3], [-1, 2, 2], [-1, 2.5, 2]],
    ]
)


def test_parse_asf() -> None:
    skel = parse_asf(TINY_ASF)
    assert skel.names == ["root", "a", "b", "tip"]
    assert skel.parents.tolist() == [-1, 0, 1, 2]
    np.testing.assert_allclose(skel.directions[1], [0, 1, 0])  # normalised
    assert skel.dofs[0] == ["TX", "TY", "TZ", "RX", "RY", "RZ"]
    assert skel.dofs[1:] == [["rx", "ry", "rz"], ["rx"], []]
    assert skel.axis_orders[2] == "XYZ"
    assert skel.metres_per_unit == pytest.approx(0.056444, rel=1e-4)
    assert skel.name == "VICON"


def test_tiny_fk() -> None:
    skel = parse_asf(TINY_ASF)
    motion = parse_amc(TINY_AMC, skel)
    assert motion.num_frames == 2
    assert motion.frame_numbers.tolist() == [1, 2]
    assert motion.values["a"].shape == (2, 3)
    np.testing.assert_allclose(asfamc_forward_kinematics(skel, motion), TINY_FK, atol=1e-12)


def test_radians_and_dof_order() -> None:
    asf = TINY_ASF.replace("angle deg", "angle rad").replace("dof rx ry rz", "dof rz ry rx")
    asf = asf.replace("axis 0 0 90 XYZ", f"axis 0 0 {np.pi / 2} XYZ")
    skel = parse_asf(asf)
    amc = TINY_AMC.replace(":DEGREES", ":RADIANS").replace("a 0 0 90", f"a {np.pi / 2} 0 0")
    amc = amc.replace("b 90", f"b {np.pi / 2}")
    np.testing.assert_allclose(asfamc_forward_kinematics(skel, parse_amc(amc, skel)), TINY_FK, atol=1e-12)


def test_root_order_and_rotation() -> None:
    asf = TINY_ASF.replace("order TX TY TZ RX RY RZ", "order RZ RY RX TX TY TZ")
    skel = parse_asf(asf)
    amc = TINY_AMC.replace("root 1 2 3 0 0 0\na 0 0 90\nb 90", "root 90 0 0 1 2 3\na 0 0 0\nb 0")
    pos = asfamc_forward_kinematics(skel, parse_amc(amc, skel))
    # root Rz(90): a's (0, 2, 0) -> (-2, 0, 0)
    np.testing.assert_allclose(pos[1, 1], [-1, 2, 3], atol=1e-12)


def test_files_crlf_and_latin1(tmp_path: Path) -> None:
    (tmp_path / "t.asf").write_bytes(TINY_ASF.replace("\n", "\r\n").encode("latin-1"))
    (tmp_path / "t.amc").write_bytes(TINY_AMC.replace("\n", "\r\n").encode("latin-1"))
    skel = read_asf(tmp_path / "t.asf")
    motion = read_amc(str(tmp_path / "t.amc"), skel)
    np.testing.assert_allclose(asfamc_forward_kinematics(skel, motion), TINY_FK, atol=1e-12)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


AMC_BAD = [
    ("missing bone", TINY_AMC.replace("b 90\n", ""), TINY_AMC.split("\n").index("2") + 1),  # frame line
    ("wrong count", TINY_AMC.replace("a 0 0 90", "a 0 90"), _line(TINY_AMC, "a 0 0 90")),
    ("non-numeric", TINY_AMC.replace("a 0 0 90", "a 0 x 90"), _line(TINY_AMC, "a 0 0 90")),
    ("nan", TINY_AMC.replace("b 90", "b nan"), _line(TINY_AMC, "b 90")),
    ("unknown bone", TINY_AMC.replace("b 90", "zz 90"), _line(TINY_AMC, "b 90")),
    ("bone without dofs", TINY_AMC.replace("b 90", "tip 90"), _line(TINY_AMC, "b 90")),
    ("duplicate bone", TINY_AMC.replace("b 90", "b 90\nb 90"), _line(TINY_AMC, "b 90") + 1),
    ("no frames", ":FULLY-SPECIFIED\n:DEGREES\n", 2),
    ("value before frame", ":DEGREES\nroot 1 2 3 0 0 0\n", 2),
]


@pytest.mark.parametrize(("text", "line"), [(t, n) for _, t, n in AMC_BAD], ids=[i for i, _, _ in AMC_BAD])
def test_amc_errors(text: str, line: int) -> None:
    skel = parse_asf(TINY_ASF)
    with pytest.raises(ASFAMCParseError) as exc:
        parse_amc(text, skel, path="x.amc")
    assert exc.value.line == line, str(exc.value)
    assert "x.amc" in str(exc.value)


ASF_BAD = [
    ("bad direction", TINY_ASF.replace("direction 1 0 0", "direction 1 0"), _line(TINY_ASF, "direction 1 0 0")),
    ("unknown dof", TINY_ASF.replace("dof rx\n", "dof rq\n"), TINY_ASF.split("\n").index("    dof rx") + 1),
    ("bad angle unit", TINY_ASF.replace("angle deg", "angle grad"), _line(TINY_ASF, "angle deg")),
    ("unclosed bone", TINY_ASF.replace("    dof rx\n    limits (-180.0 180.0)\n  end\n", "    dof rx\n"), None),
    ("unknown hierarchy bone", TINY_ASF.replace("b tip", "b nope"), _line(TINY_ASF, "b tip")),
    ("bad axis", TINY_ASF.replace("axis 0 0 90 XYZ", "axis 0 0 90 XXY"), _line(TINY_ASF, "axis 0 0 90 XYZ")),
]


@pytest.mark.parametrize(("text", "line"), [(t, n) for _, t, n in ASF_BAD], ids=[i for i, _, _ in ASF_BAD])
def test_asf_errors(text: str, line: int | None) -> None:
    with pytest.raises(ASFAMCParseError) as exc:
        parse_asf(text, path="x.asf")
    if line is not None:
        assert exc.value.line == line, str(exc.value)
    assert exc.value.line is not None


def _data_root() -> Path | None:
    env = os.environ.get("MOTIONLGD_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    return root if root.is_dir() else None


@pytest.mark.data
@pytest.mark.parametrize(
    ("asf", "amc"),
    [
        ("cmu_asfamc/asfamc/16/16.asf", "cmu_asfamc/asfamc/16/16_26.amc"),
        ("cmu_asfamc/asfamc/131/131.asf", "cmu_asfamc/asfamc/131/131_01.amc"),  # :namespace header
        ("hdm05_cut/asfamc/asf/HDM_bd.asf", "hdm05_cut/asfamc/grabHighR/HDM_bd_grabHighR_001_30.amc"),  # CRLF
    ],
)
def test_real_files(asf: str, amc: str) -> None:
    root = _data_root()
    if root is None or not (root / amc).is_file():
        pytest.skip("team motion-capture data not found (set MOTIONLGD_DATA)")
    skel = read_asf(root / asf)
    assert skel.num_bones == 31 and skel.names[0] == "root"
    assert skel.parents[skel.index("lclavicle")] == skel.index("thorax")
    motion = read_amc(root / amc, skel)
    pos = asfamc_forward_kinematics(skel, motion) * skel.metres_per_unit
    assert pos.shape == (motion.num_frames, 31, 3)
    assert np.isfinite(pos).all()
    # root about 0.9-1.0 m above the lowest foot point, head end about 1.5-1.8 m
    floor = pos[0, [skel.index(n) for n in ("lfoot", "rfoot", "ltoes", "rtoes", "ltibia", "rtibia")], 1].min()
    assert 0.8 < pos[0, 0, 1] - floor < 1.1
    assert 1.4 < pos[0, skel.index("head"), 1] - floor < 1.9
    # left bones on the left (+x when facing +z): (forward x left) . up > 0, forward from the feet
    fwd = pos[0, skel.index("lfoot")] - pos[0, skel.index("ltibia")]
    fwd[1] = 0.0
    left = pos[0, skel.index("lhipjoint")] - pos[0, skel.index("rhipjoint")]
    assert np.cross(fwd, left)[1] > 0
