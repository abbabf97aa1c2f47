"""motionlgd: controllable human motion synthesis with loss-guided diffusion (LGD-MC).

Light at import time: heavy submodules load on first use.

Quick start::

    import motionlgd
    result = motionlgd.generate(prompt="a person walks forward", duration=6,
                                path={"points": [[0, 0], [0, 3], [2, 5]]}, method="lgd_mc", n=10)
    result.joints  # (N, T, 22, 3) metres, Y up, 20 fps
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "GenerationResult",
    "GuidanceConfig",
    "Motion",
    "Scenario",
    "__version__",
    "generate",
    "load_mdm",
    "load_model",
    "load_scenario",
    "register_loss",
]

_LAZY = {
    "generate": ("motionlgd.pipeline", "generate"),
    "GenerationResult": ("motionlgd.pipeline", "GenerationResult"),
    "load_model": ("motionlgd.models.checkpoint", "load_model"),
    "load_mdm": ("motionlgd.models.checkpoint", "load_mdm"),
    "Scenario": ("motionlgd.scenario", "Scenario"),
    "load_scenario": ("motionlgd.scenario", "load_scenario"),
    "GuidanceConfig": ("motionlgd.guidance.guided", "GuidanceConfig"),
    "Motion": ("motionlgd.motion.motion", "Motion"),
    "register_loss": ("motionlgd.losses.base", "register_loss"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .guidance.guided import GuidanceConfig
    from .losses.base import register_loss
    from .models.checkpoint import load_mdm, load_model
    from .motion.motion import Motion
    from .pipeline import GenerationResult, generate
    from .scenario import Scenario, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'motionlgd' has no attribute {name!r}")
