"""Camera paths shared by the backends: ``"follow"`` the motion or ``"frame"`` the whole scene.

The camera looks from behind-and-beside the overall direction of travel so that the path
ahead and the legs are both visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import MotionLGDError
from .scene import SceneSpec

__all__ = ["CAMERA_MODES", "CameraPath", "camera_path", "look_at"]

CAMERA_MODES = ("follow", "frame")
_UP = np.array([0.0, 1.0, 0.0])
_BODY_HEIGHT = 1.8


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(4, 4)`` OpenGL camera-to-world pose (camera looks along its -z, +y up)."""
    back = np.asarray(eye, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    back /= max(np.linalg.norm(back), 1e-12)
    right = np.cross(_UP, back)
    if np.linalg.norm(right) < 1e-6:  # looking straight down
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, up, back, eye
    return pose


@dataclass(frozen=True)
class CameraPath:
    """Per-frame camera: ``eye (T, 3)`` and ``target (T, 3)`` in metres, vertical field of view ``yfov`` (rad),
    and ``extent (T,)``: half-size (m) of the ground square around the target that must stay in view (used by
    backends that frame a box instead of placing a camera, e.g. matplotlib)."""

    eye: np.ndarray
    target: np.ndarray
    yfov: float
    extent: np.ndarray

    def pose(self, t: int) -> np.ndarray:
        """``(4, 4)`` camera-to-world pose of frame ``t``."""
        return look_at(self.eye[t], self.target[t])

    def project(self, t: int, points: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates of world points seen by the perspective camera of frame ``t``.

        Args:
            points: ``(K, 3)`` world positions (metres).
            size: ``(width, height)`` of the image in pixels.

        Returns:
            ``(K, 2)`` pixel ``(x, y)`` (origin top-left) and ``(K,)`` bool: in front of the
            camera and inside the image.
        """
        w, h = size
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        world_to_cam = np.linalg.inv(self.pose(t))
        cam = pts @ world_to_cam[:3, :3].T + world_to_cam[:3, 3]
        depth = -cam[:, 2]  # the camera looks down its -z axis
        f = 1.0 / math.tan(self.yfov / 2)
        safe = np.where(depth > 1e-6, depth, 1.0)
        ndc_x = f * cam[:, 0] / safe / (w / h)
        ndc_y = f * cam[:, 1] / safe
        px = np.stack([(ndc_x + 1) / 2 * w, (1 - ndc_y) / 2 * h], axis=1)
        ok = (depth > 1e-6) & (np.abs(ndc_x) <= 1) & (np.abs(ndc_y) <= 1)
        return px, ok

    def right_xz(self, t: int) -> np.ndarray:
        """Unit horizontal ``(x, z)`` direction that points right on screen at frame ``t``."""
        back = self.eye[t] - self.target[t]
        right = np.array([back[2], -back[0]])  # (UP x back) in (x, z)
        norm = float(np.linalg.norm(right))
        return right / norm if norm > 1e-9 else np.array([1.0, 0.0])

    def distance(self, t: int) -> float:
        """Eye-target distance (m) at frame ``t``."""
        return float(np.linalg.norm(self.eye[t] - self.target[t]))

    def angles(self, t: int) -> tuple[float, float]:
        """``(azimuth, elevation)`` in degrees of the eye seen from the target (azimuth from +x towards +z)."""
        d = self.eye[t] - self.target[t]
        return math.degrees(math.atan2(d[2], d[0])), math.degrees(math.atan2(d[1], math.hypot(d[0], d[2])))


def _smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Moving average along axis 0 with edge padding (same length)."""
    if window <= 1 or len(x) <= 2:
        return x
    window = min(window, 2 * len(x) - 1)
    pad = window // 2
    xp = np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], window - 1 - pad, 0)], axis=0)
    kernel = np.ones(window) / window
    return np.stack([np.convolve(xp[:, i], kernel, mode="valid") for i in range(x.shape[1])], axis=1)


def _view_direction(joints: np.ndarray) -> np.ndarray:
    """Unit horizontal ``(x, z)`` direction from the target to the camera."""
    root = joints[:, :, 0, :].mean(axis=0)  # (T, 3)
    travel = root[-1, [0, 2]] - root[0, [0, 2]]
    if np.linalg.norm(travel) < 0.5:  # standing still: look at the body's front-left at frame 0
        hips = joints[:, 0, 1, :].mean(0) - joints[:, 0, 2, :].mean(0)  # right hip -> left hip
        facing = np.cross(hips, _UP)[[0, 2]]  # left x up = forward
        travel = facing if np.linalg.norm(facing) > 1e-6 else np.array([0.0, 1.0])
    travel = travel / np.linalg.norm(travel)
    back = -travel
    a = math.radians(40.0)  # behind and 40 degrees to the side
    c, s = math.cos(a), math.sin(a)
    return np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])


def _fit_distance(
    points: np.ndarray, target: np.ndarray, direction: np.ndarray, yfov: float, aspect: float, margin: float = 1.12
) -> float:
    """Smallest eye distance along ``direction`` (unit, target -> eye) that keeps ``points (M, 3)`` in view."""
    back = direction / np.linalg.norm(direction)
    right = np.cross(_UP, back)
    right /= max(np.linalg.norm(right), 1e-12)
    up = np.cross(back, right)
    rel = points - target
    r, u, f = rel @ right, rel @ up, rel @ back
    tan_y = math.tan(yfov / 2)
    tan_x = tan_y * aspect
    need = np.maximum(f + margin * np.abs(r) / tan_x, f + margin * np.abs(u) / tan_y)
    return max(2.5, float(need.max()))


def camera_path(
    joints: np.ndarray,
    scene: SceneSpec | None,
    mode: str = "follow",
    aspect: float = 4 / 3,
    fps: float = 20.0,
    yfov_deg: float = 45.0,
) -> CameraPath:
    """Camera for every frame.

    Args:
        joints: ``(N, T, 22, 3)`` validated joints (metres).
        scene: overlays; in ``"frame"`` mode they are kept in view too.
        mode: ``"follow"`` (tracks the samples' mean root, smoothed over ~1 s) or ``"frame"``
            (one static camera showing every trajectory and overlay).
        aspect: width / height of the image.
        fps: frames per second (sets the smoothing window).
        yfov_deg: vertical field of view in degrees.
    """
    if mode not in CAMERA_MODES:
        raise MotionLGDError(f"camera must be one of {CAMERA_MODES}, got {mode!r}")
    _, T = joints.shape[:2]
    yfov = math.radians(yfov_deg)
    half_fov = 0.5 * min(yfov, 2 * math.atan(math.tan(yfov / 2) * aspect))
    view = _view_direction(joints)
    if mode == "frame":
        pts = [joints[:, :: max(1, T // 60)].reshape(-1, 3)]
        if scene is not None:
            g = scene.ground_points()
            pts.append(np.stack([g[:, 0], np.zeros(len(g)), g[:, 1]], axis=1))
        allp = np.concatenate(pts, axis=0)
        lo, hi = allp.min(0), allp.max(0)
        center = np.array([(lo[0] + hi[0]) / 2, 0.5, (lo[2] + hi[2]) / 2])
        elev = math.radians(45.0)
        direction = np.array([view[0] * math.cos(elev), math.sin(elev), view[1] * math.cos(elev)])
        dist = _fit_distance(allp, center, direction, yfov, aspect)
        target = np.repeat(center[None], T, axis=0)
        extent = np.full(T, 0.5 * float(max(hi[0] - lo[0], hi[2] - lo[2])) + 0.3)
        return CameraPath(eye=target + dist * direction, target=target, yfov=yfov, extent=extent)
    roots = joints[:, :, 0, :]  # (N, T, 3)
    center = roots.mean(axis=0)
    spread = np.linalg.norm((roots - center[None])[..., [0, 2]], axis=-1).max(axis=0)  # (T,)
    window = max(1, round(fps))
    center_xz = _smooth(center[:, [0, 2]], window)
    spread = _smooth(spread[:, None], window)[:, 0]
    radius = spread + 1.0
    dist = np.maximum(4.0, 1.1 * radius / math.sin(half_fov))
    elev = math.radians(25.0)
    target = np.stack([center_xz[:, 0], np.full(T, 0.8), center_xz[:, 1]], axis=1)
    direction = np.array([view[0] * math.cos(elev), math.sin(elev), view[1] * math.cos(elev)])
    return CameraPath(eye=target + dist[:, None] * direction[None], target=target, yfov=yfov, extent=1.25 * radius)
