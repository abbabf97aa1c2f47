"""Error hierarchy of motionlgd.

Every error the library raises on purpose derives from :class:`MotionLGDError`,
so callers (and the CLI) can catch one type and show a one-line message.
"""

from __future__ import annotations

__all__ = [
    "ASFAMCParseError",
    "BVHParseError",
    "CheckpointError",
    "ConstraintError",
    "DeviceError",
    "MissingDependencyError",
    "MotionLGDError",
    "NumericalError",
    "OutputExistsError",
    "ParseError",
    "ScenarioError",
    "ShapeError",
]


class MotionLGDError(Exception):
    """Base class of all errors raised deliberately by motionlgd."""


class ShapeError(MotionLGDError, ValueError):
    """An array has the wrong shape, dtype or contains non-finite values."""


class CheckpointError(MotionLGDError):
    """A model checkpoint or config file is missing, corrupt, foreign or mismatched."""


class ParseError(MotionLGDError, ValueError):
    """A text file could not be parsed; the message names the file and line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)
        self.path = path
        self.line = line


class BVHParseError(ParseError):
    """A BVH file is malformed."""


class ASFAMCParseError(ParseError):
    """An Acclaim ASF/AMC file is malformed."""


class ScenarioError(MotionLGDError, ValueError):
    """A scenario (file or object) is invalid; the message names the field and value."""


class ConstraintError(ScenarioError):
    """Constraints are impossible or contradict each other."""


class NumericalError(MotionLGDError, FloatingPointError):
    """NaN or inf appeared during sampling, guidance or decoding."""


class OutputExistsError(MotionLGDError, FileExistsError):
    """An output file exists and overwriting was not allowed."""


class MissingDependencyError(MotionLGDError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class DeviceError(MotionLGDError, ValueError):
    """A device was asked for that this machine or torch build cannot use (e.g. ``cuda`` without CUDA)."""
