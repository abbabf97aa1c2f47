"""Tests of motionlgd.data.bvh: parsing, errors with line numbers, FK, round trip."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from motionlgd.data.bvh import (
    BVH,
    bvh_forward_kinematics,
    bvh_local_rotations,
    format_bvh,
    read_bvh,
    write_bvh,
)
from motionlgd.errors import BVHParseError

TINY = """\
HIERARCHY
ROOT Hips
{
  OFFSET 100 200 300
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Chest
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
  JOINT Leg
  {
    OFFSET 2 0 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    End Site
    {
      OFFSET 0 -4 0
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.04
1 2 3 0 0 0 0 0 0 0 0 0
0 0 0 90 0 0 0 0 0 90 0 0
0 0 0 90 90 0 0 0 0 0 0 0
"""

# Expected FK of TINY, order Hips, Chest, Leg, Chest End Site, Leg End Site.
# Frame 0: root translation only (the root OFFSET is ignored: position channels are absolute).
# Frame 1: root Rz(90) (x -> y, y -> -x), Leg local Rx(90).
# Frame 2: root Rz(90) @ Rx(90) (intrinsic Z then X, as listed); the reverse order would
#          put the chest at (-10, 0, 0) instead of (0, 0, 10).
TINY_FK = np.array(
    [
        [[1, 2, 3], [1, 12, 3], [3, 2, 3], [1, 17, 3], [3, -2, 3]],
        [[0, 0, 0], [-10, 0, 0], [0, 2, 0], [-15, 0, 0], [0, 2, -4]],
        [[0, 0, 0], [0, 0, 10], [0, 2, 0], [0, 0, 15], [0, 2, -4]],
    ],
    dtype=np.float64,
)


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line containing ``needle`` (n-th occurrence)."""
    found = 0
    for i, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return i
    raise AssertionError(f"{needle!r} not in text")


def test_parse_tiny() -> None:
    bvh = read_bvh(TINY)
    assert bvh.names == ["Hips", "Chest", "Leg"]
    assert bvh.parents.tolist() == [-1, 0, 0]
    np.testing.assert_array_equal(bvh.offsets, [[100, 200, 300], [0, 10, 0], [2, 0, 0]])
    assert bvh.channels[0] == ["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]
    assert bvh.channels[2] == ["Xrotation", "Yrotation", "Zrotation"]
    assert set(bvh.end_sites) == {1, 2}
    np.testing.assert_array_equal(bvh.end_sites[2], [0, -4, 0])
    assert bvh.frame_time == pytest.approx(0.04)
    assert bvh.fps == pytest.approx(25.0)
    assert bvh.motion.shape == (3, 12)
    assert bvh.motion.dtype == np.float64


def test_tiny_forward_kinematics() -> None:
    bvh = read_bvh(TINY)
    pos = bvh_forward_kinematics(bvh, include_end_sites=True)
    np.testing.assert_allclose(pos, TINY_FK, atol=1e-12)
    np.testing.assert_allclose(bvh_forward_kinematics(bvh), TINY_FK[:, :3], atol=1e-12)


def test_local_rotations_intrinsic_order() -> None:
    bvh = read_bvh(TINY)
    rot = bvh_local_rotations(bvh)
    assert rot.shape == (3, 3, 3, 3)
    rz = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)
    rx = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float)
    np.testing.assert_allclose(rot[2, 0], rz @ rx, atol=1e-12)
    np.testing.assert_allclose(rot[1, 2], rx, atol=1e-12)
    np.testing.assert_allclose(rot[0], np.broadcast_to(np.eye(3), (3, 3, 3)), atol=1e-12)


def test_root_without_position_channels_uses_offset_and_joint_position_channels() -> None:
    text = """HIERARCHY
ROOT A
{
  OFFSET 1 2 3
  CHANNELS 1 Yrotation
  JOINT B
  {
    OFFSET 5 6 7
    CHANNELS 2 Yposition Zrotation
    End Site
    {
      OFFSET 1 0 0
    }
  }
}
MOTION
Frames: 1
Frame Time: 0.1
0 -6 90
"""
    bvh = read_bvh(text)
    pos = bvh_forward_kinematics(bvh, include_end_sites=True)
    # B: OFFSET with its y replaced by the Yposition channel; B's End Site rotated by Rz(90).
    np.testing.assert_allclose(pos[0], [[1, 2, 3], [6, -4, 10], [6, -3, 10]], atol=1e-12)


def test_bytes_crlf_tabs_bom_and_latin1() -> None:
    data = ("\ufeff" + TINY.replace("  ", "\t")).replace("\n", "\r\n").encode("utf-8")
    bvh = read_bvh(data)
    np.testing.assert_allclose(bvh_forward_kinematics(bvh), TINY_FK[:, :3], atol=1e-12)
    latin = TINY.replace("JOINT Leg", "JOINT Leg\xe9").encode("latin-1")
    assert read_bvh(latin).names[2] == "Leg\xe9"


def test_read_from_path(tmp_path: Path) -> None:
    f = tmp_path / "tiny.bvh"
    f.write_text(TINY)
    assert read_bvh(f).names == read_bvh(str(f)).names == ["Hips", "Chest", "Leg"]
    f.write_text(TINY.replace("Frames: 3", "Frames: 4"))
    with pytest.raises(BVHParseError) as exc:
        read_bvh(f)
    assert exc.value.path == str(f)


def test_round_trip_tiny(tmp_path: Path) -> None:
    bvh = read_bvh(TINY)
    f = tmp_path / "out.bvh"
    write_bvh(f, bvh)
    again = read_bvh(f)
    assert again.names == bvh.names
    assert again.channels == bvh.channels
    np.testing.assert_array_equal(again.parents, bvh.parents)
    np.testing.assert_array_equal(again.offsets, bvh.offsets)
    np.testing.assert_array_equal(again.motion, bvh.motion)
    assert again.frame_time == bvh.frame_time
    np.testing.assert_array_equal(again.end_sites[2], bvh.end_sites[2])
    # a second round trip is byte-identical
    assert format_bvh(again) == f.read_text()


def test_round_trip_random_values_exact_to_printed_precision(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    bvh = read_bvh(TINY)
    bvh.motion = rng.uniform(-180, 180, size=(7, 12))
    bvh.offsets = rng.normal(size=(3, 3)) * 10
    f = tmp_path / "r.bvh"
    write_bvh(f, bvh)
    again = read_bvh(f)
    np.testing.assert_array_equal(again.motion, np.round(bvh.motion, 6))
    np.testing.assert_allclose(again.offsets, bvh.offsets, atol=5e-7)
    f2 = tmp_path / "r2.bvh"
    write_bvh(f2, again)
    assert f2.read_text() == f.read_text()


def test_write_non_depth_first_order_keeps_kinematics(tmp_path: Path) -> None:
    bvh = read_bvh(TINY)
    # put Leg's grandchild-free chain out of depth-first order: [Leg, Hips, Chest]
    perm = [2, 0, 1]
    inv = np.argsort(perm)
    starts = bvh.channel_offsets()
    cols = np.concatenate([np.arange(starts[j], starts[j + 1]) for j in perm])
    shuffled = BVH(
        names=[bvh.names[j] for j in perm],
        parents=np.array([inv[bvh.parents[j]] if bvh.parents[j] >= 0 else -1 for j in perm]),
        offsets=bvh.offsets[perm],
        channels=[bvh.channels[j] for j in perm],
        end_sites={int(inv[j]): v for j, v in bvh.end_sites.items()},
        frame_time=bvh.frame_time,
        motion=bvh.motion[:, cols],
    )
    np.testing.assert_allclose(bvh_forward_kinematics(shuffled), TINY_FK[:, :3][:, perm], atol=1e-12)
    write_bvh(tmp_path / "s.bvh", shuffled)
    again = read_bvh(tmp_path / "s.bvh")
    # written depth-first from the root, children in index order (Leg has index 0 now)
    assert again.names == ["Hips", "Leg", "Chest"]
    np.testing.assert_allclose(bvh_forward_kinematics(again), TINY_FK[:, [0, 2, 1]], atol=1e-12)


def _data_root() -> Path | None:
    env = os.environ.get("MOTIONLGD_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    return root if root.is_dir() else None


@pytest.mark.data
def test_round_trip_real_clip(tmp_path: Path) -> None:
    root = _data_root()
    if root is None:
        pytest.skip("team motion-capture data not found (set MOTIONLGD_DATA)")
    src = root / "accad_male1" / "bvh" / "Male1_B3_Walk.bvh"
    if not src.is_file():
        pytest.skip(f"{src} not found")
    bvh = read_bvh(src)
    write_bvh(tmp_path / "w.bvh", bvh)
    again = read_bvh(tmp_path / "w.bvh")
    assert again.names == bvh.names and again.channels == bvh.channels
    np.testing.assert_allclose(again.motion, bvh.motion, atol=5e-7)
    np.testing.assert_allclose(again.offsets, bvh.offsets, atol=5e-7)
    np.testing.assert_allclose(bvh_forward_kinematics(again), bvh_forward_kinematics(bvh), atol=1e-3)


# ----------------------------------------------------------------------------- malformed input


def _mutate(old: str, new: str, count: int = 1) -> str:
    assert old in TINY
    return TINY.replace(old, new, count)


N_LINES = len(TINY.rstrip("\n").split("\n"))

MALFORMED: list[tuple[str, str, int]] = [
    # (id, text, expected 1-based line)
    ("empty", "", 1),
    ("whitespace only", "  \n\n", 2),
    ("no HIERARCHY", "HIERARCH\nROOT A\n", 1),
    ("truncated in hierarchy", TINY[: TINY.index("  JOINT Leg")], _line_of(TINY, "JOINT Leg") - 1),
    ("truncated motion", TINY.rsplit("0 0 0 90 90", 1)[0], N_LINES - 1),
    ("truncated before Frames", TINY[: TINY.index("Frames")], _line_of(TINY, "MOTION")),
    ("too few values", _mutate("0 0 0 90 0 0 0 0 0 90 0 0", "0 0 0 90 0 0 0 0 0 90 0"), N_LINES - 1),
    ("too many values", _mutate("1 2 3 0 0 0", "1 2 3 0 0 0 0"), N_LINES - 2),
    ("non-numeric value", _mutate("0 0 0 90 90 0", "0 0 x 90 90 0"), N_LINES),
    ("nan value", _mutate("0 0 0 90 90 0", "0 0 nan 90 90 0"), N_LINES),
    ("inf value", _mutate("0 0 0 90 0 0 0", "0 0 0 1e999 0 0 0"), N_LINES - 1),
    ("extra motion line", TINY + "0 0 0 0 0 0 0 0 0 0 0 0\n", N_LINES + 1),
    ("zero frames", _mutate("Frames: 3", "Frames: 0"), _line_of(TINY, "Frames:")),
    ("negative frames", _mutate("Frames: 3", "Frames: -3"), _line_of(TINY, "Frames:")),
    ("huge frames", _mutate("Frames: 3", "Frames: 99999999999999999999999"), _line_of(TINY, "Frames:")),
    ("large frames", _mutate("Frames: 3", "Frames: 1000000000"), N_LINES),
    ("float frames", _mutate("Frames: 3", "Frames: 3.5"), _line_of(TINY, "Frames:")),
    ("zero frame time", _mutate("Frame Time: 0.04", "Frame Time: 0"), _line_of(TINY, "Frame Time")),
    ("nan frame time", _mutate("Frame Time: 0.04", "Frame Time: nan"), _line_of(TINY, "Frame Time")),
    ("unknown channel", _mutate("Xrotation Yrotation Zrotation", "Xrotation Yrotation Wrotation"), 18),
    ("channel count mismatch", _mutate("CHANNELS 3 Zrotation", "CHANNELS 4 Zrotation"), 9),
    (
        "duplicate channel",
        _mutate("CHANNELS 3 Zrotation Xrotation Yrotation", "CHANNELS 3 Zrotation Xrotation Xrotation"),
        9,
    ),
    ("channel count text", _mutate("CHANNELS 3 Zrotation", "CHANNELS three Zrotation"), 9),
    ("missing open brace", _mutate("ROOT Hips\n{\n", "ROOT Hips\n"), 3),
    ("missing close brace", _mutate("    }\n  }\n  JOINT Leg", "    }\n  JOINT Leg"), _line_of(TINY, "MOTION") - 1),
    ("stray close brace", _mutate("}\nMOTION", "}\n}\nMOTION"), _line_of(TINY, "MOTION")),
    ("nan offset", _mutate("OFFSET 0 10 0", "OFFSET 0 nan 0"), 8),
    ("inf offset", _mutate("OFFSET 0 10 0", "OFFSET 0 inf 0"), 8),
    ("short offset", _mutate("OFFSET 0 10 0", "OFFSET 0 10"), 8),
    ("long offset", _mutate("OFFSET 0 10 0", "OFFSET 0 10 0 4"), 8),
    ("missing offset", _mutate("    OFFSET 0 10 0\n", ""), 13),
    ("joint without name", _mutate("JOINT Leg", "JOINT"), 15),
    ("two roots", _mutate("}\nMOTION", "}\nROOT B\n{\nOFFSET 0 0 0\n}\nMOTION"), _line_of(TINY, "MOTION")),
    ("channels in end site", _mutate("      OFFSET 0 5 0\n", "      OFFSET 0 5 0\n      CHANNELS 1 Xrotation\n"), 13),
    ("unknown keyword", _mutate("    CHANNELS 3 Zrotation", "    FOO\n    CHANNELS 3 Zrotation"), 9),
    ("no channels at all", "HIERARCHY\nROOT A\n{\nOFFSET 0 0 0\n}\nMOTION\nFrames: 1\nFrame Time: 0.1\n\n", 6),
    ("missing MOTION", TINY.replace("MOTION\n", ""), _line_of(TINY, "MOTION")),
]


@pytest.mark.parametrize(("text", "line"), [(t, n) for _, t, n in MALFORMED], ids=[i for i, _, _ in MALFORMED])
def test_malformed_raises_with_line(text: str, line: int) -> None:
    with pytest.raises(BVHParseError) as exc:
        read_bvh(text)
    assert exc.value.line == line, str(exc.value)
    assert f"line {line}" in str(exc.value)
    with pytest.raises(BVHParseError):
        read_bvh(text.encode("utf-8"))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff\xfe\x89PNG\r\n\x1a\n",
        bytes(range(256)),
        b"HIERARCHY",
        b"HIERARCHY\nROOT",
        "x" * 5000,
        "/",
        "\x00",
    ],
)
def test_garbage_raises_parse_error(data: bytes | str) -> None:
    with pytest.raises(BVHParseError):
        read_bvh(data)


def test_deep_nesting_does_not_recurse() -> None:
    depth = 5000
    text = "HIERARCHY\nROOT r\n{\nOFFSET 0 0 0\nCHANNELS 1 Xrotation\n"
    text += "JOINT j\n{\nOFFSET 0 1 0\n" * depth + "}\n" * depth + "}\nMOTION\nFrames: 1\nFrame Time: 1\n0\n"
    bvh = read_bvh(text)
    assert bvh.num_joints == depth + 1
    with pytest.raises(BVHParseError):
        read_bvh(text.replace("MOTION", "", 1))


def test_fuzz_only_bvhparseerror() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    tokens = st.sampled_from(
        [
            "HIERARCHY", "ROOT", "JOINT", "End", "Site", "{", "}", "OFFSET", "CHANNELS", "MOTION",
            "Frames:", "Frame", "Time:", "Xposition", "Zrotation", "Yrotation", "3", "6", "0", "-1",
            "1e400", "nan", "0.033", "99999999999999999999", "\n", "\n", "\n", " ", "\t", "\r\n", "a",
        ]
    )  # fmt: skip
    texts = st.lists(tokens, max_size=60).map(" ".join)
    # mutate valid files, too: cut, splice, and replace characters
    cuts = st.tuples(st.integers(0, len(TINY)), st.integers(0, len(TINY)), st.text(max_size=8)).map(
        lambda t: TINY[: t[0]] + t[2] + TINY[t[1] :]
    )

    @hypothesis.settings(max_examples=100, deadline=None, derandomize=True)
    @hypothesis.given(st.one_of(st.binary(max_size=200), texts, cuts))
    def check(data: bytes | str) -> None:
        try:
            bvh = read_bvh(data)
        except BVHParseError:
            return
        assert bvh.motion.shape[0] >= 1 and np.isfinite(bvh.motion).all()
        bvh_forward_kinematics(bvh, include_end_sites=True)

    check()
