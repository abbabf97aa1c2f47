"""Optional dependencies of the renderers and the headless OpenGL set-up.

pyrender needs an OpenGL platform chosen *before* PyOpenGL is imported
(``PYOPENGL_PLATFORM``): on Linux we default to ``egl`` (Mesa llvmpipe works without a
GPU or display); a value set by the user is respected. pyrender 0.1.45 also uses
``np.infty``, which numpy 2 removed, so :func:`import_pyrender` restores it as an alias.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from types import ModuleType
from typing import Any

from ..errors import MissingDependencyError

__all__ = [
    "APT_PACKAGES",
    "RENDER_EXTRA",
    "configure_opengl_platform",
    "import_pyrender",
    "probe_pyrender",
    "require",
]

log = logging.getLogger(__name__)

RENDER_EXTRA = "pip install 'motionlgd[render]'"
#: Debian/Ubuntu packages for headless EGL rendering with Mesa (no GPU needed).
APT_PACKAGES = ("libegl1", "libegl-mesa0", "libgl1-mesa-dri", "libgbm1", "libgl1", "libopengl0")
APT_HINT = "apt-get install -y " + " ".join(APT_PACKAGES)

# (ok, reason) of the last OpenGL probe; None until probed. Tests may reset it.
_GL_PROBE: tuple[bool, str] | None = None


def require(module: str, purpose: str, install: str = RENDER_EXTRA) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` saying what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the Python package {module!r}, which could not be imported ({exc}); "
            f"install it with: {install}"
        ) from exc


def configure_opengl_platform() -> str | None:
    """Set ``PYOPENGL_PLATFORM`` for headless rendering unless the user already chose one.

    Returns:
        The platform in effect (``"egl"``, ``"osmesa"``, ...) or None when PyOpenGL decides
        (non-Linux, or PyOpenGL already imported so changing it would have no effect).
    """
    current = os.environ.get("PYOPENGL_PLATFORM")
    if current:
        return current
    if "OpenGL" in sys.modules:
        log.debug("PyOpenGL already imported without PYOPENGL_PLATFORM; leaving the platform to it")
        return None
    if sys.platform.startswith("linux"):
        os.environ["PYOPENGL_PLATFORM"] = "egl"
        log.debug("PYOPENGL_PLATFORM set to 'egl' for headless rendering")
        return "egl"
    return None


def _numpy_shims() -> None:
    import numpy as np

    if not hasattr(np, "infty"):  # removed in numpy 2; pyrender 0.1.45 still uses it
        np.infty = np.inf  # type: ignore[attr-defined]


def import_pyrender() -> tuple[Any, Any]:
    """Import ``(pyrender, trimesh)`` after the headless set-up.

    Raises:
        MissingDependencyError: a package is missing or PyOpenGL cannot load its platform
            library (e.g. ``libEGL.so.1`` absent).
    """
    configure_opengl_platform()
    _numpy_shims()
    trimesh = require("trimesh", "The pyrender backend")
    try:
        pyrender = importlib.import_module("pyrender")
    except ImportError as exc:
        raise MissingDependencyError(
            f"The pyrender backend needs 'pyrender' ({exc}); install it with: {RENDER_EXTRA}"
        ) from exc
    except Exception as exc:  # PyOpenGL raises assorted errors when the GL library is missing
        raise MissingDependencyError(
            f"pyrender could not load OpenGL (PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM')!r}): "
            f"{type(exc).__name__}: {exc}. For headless EGL install: {APT_HINT}"
        ) from exc
    return pyrender, trimesh


def probe_pyrender() -> tuple[bool, str]:
    """Whether pyrender can render offscreen here: imports it and opens a tiny context once.

    Returns:
        ``(ok, reason)``; the OpenGL result is cached for the process, the import is re-checked.
    """
    global _GL_PROBE
    try:
        pyrender, _ = import_pyrender()
    except MissingDependencyError as exc:
        return False, str(exc)
    if _GL_PROBE is None:
        try:
            r = pyrender.OffscreenRenderer(16, 16)
            r.delete()
            _GL_PROBE = (True, f"pyrender with PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM')!r}")
        except Exception as exc:  # no display / no EGL device / bad driver
            _GL_PROBE = (
                False,
                f"OpenGL context could not be created (PYOPENGL_PLATFORM={os.environ.get('PYOPENGL_PLATFORM')!r}): "
                f"{type(exc).__name__}: {exc}. For headless EGL install: {APT_HINT}",
            )
    return _GL_PROBE
