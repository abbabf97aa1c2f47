"""The canonical in-memory motion type shared by importers, exporters and renderers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import ShapeError
from .skeleton import FEATURE_DIM, NUM_JOINTS

__all__ = ["Motion"]


@dataclass(frozen=True)
class Motion:
    """One motion clip.

    Attributes:
        joints: ``(T, 22, 3)`` float32 joint positions in metres, Y up, ground plane xz.
        features: ``(T, 263)`` unnormalised HumanML3D features, or ``None`` when the
            motion did not come from (or was not encoded to) features.
        fps: frames per second (20 for HumanML3D features).
        text: the text prompt or description ("" when none).
        metadata: free-form json-serialisable information (seed, scenario, metrics ...).
    """

    joints: np.ndarray
    features: np.ndarray | None = None
    fps: float = 20.0
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        joints = np.asarray(self.joints, dtype=np.float32)
        if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
            raise ShapeError(f"Motion.joints must have shape (T, 22, 3), got {tuple(joints.shape)}")
        if joints.shape[0] < 1:
            raise ShapeError("Motion.joints has no frames")
        if not np.all(np.isfinite(joints)):
            raise ShapeError("Motion.joints contains NaN or inf")
        object.__setattr__(self, "joints", joints)
        if self.features is not None:
            feats = np.asarray(self.features, dtype=np.float32)
            if feats.ndim != 2 or feats.shape[1] != FEATURE_DIM:
                raise ShapeError(f"Motion.features must have shape (T, 263), got {tuple(feats.shape)}")
            if feats.shape[0] != joints.shape[0]:
                raise ShapeError(f"Motion.features has {feats.shape[0]} frames but joints has {joints.shape[0]}")
            if not np.all(np.isfinite(feats)):
                raise ShapeError("Motion.features contains NaN or inf")
            object.__setattr__(self, "features", feats)
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ShapeError(f"Motion.fps must be a positive number, got {self.fps}")

    @property
    def num_frames(self) -> int:
        """Number of frames T."""
        return int(self.joints.shape[0])

    @property
    def duration(self) -> float:
        """Duration in seconds (``T / fps``)."""
        return self.num_frames / float(self.fps)

    @property
    def root(self) -> np.ndarray:
        """``(T, 3)`` pelvis trajectory in metres."""
        return self.joints[:, 0]

    @classmethod
    def from_features(cls, features: np.ndarray, fps: float = 20.0, text: str = "", **metadata: Any) -> Motion:
        """Decode ``(T, 263)`` unnormalised features into a Motion (joints via ``recover_from_ric``)."""
        import torch

        from .humanml3d import recover_from_ric

        feats = np.asarray(features, dtype=np.float32)
        if feats.ndim != 2 or feats.shape[-1] != FEATURE_DIM:
            raise ShapeError(f"expected features of shape (T, 263), got {tuple(feats.shape)}")
        joints = recover_from_ric(torch.from_numpy(feats)).numpy()
        return cls(joints=joints, features=feats, fps=fps, text=text, metadata=dict(metadata))

    @classmethod
    def from_joints(
        cls, joints: np.ndarray, fps: float = 20.0, text: str = "", encode: bool = True, **metadata: Any
    ) -> Motion:
        """Build a Motion from ``(T, 22, 3)`` joints; with ``encode`` (20 fps only) the clip is
        canonicalised and gets features, dropping the last frame (features need a next frame)."""
        if not encode:
            return cls(joints=joints, fps=fps, text=text, metadata=dict(metadata))
        from .humanml3d import encode as _encode

        feats = _encode(np.asarray(joints, dtype=np.float64), fps=fps)
        return cls.from_features(np.asarray(feats), fps=fps, text=text, **metadata)

    def with_metadata(self, **metadata: Any) -> Motion:
        """A copy with ``metadata`` merged in."""
        return replace(self, metadata={**self.metadata, **metadata})
