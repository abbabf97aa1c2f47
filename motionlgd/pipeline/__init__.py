"""The generation pipeline: a scenario in, motions and their metrics out.

:func:`generate` runs named stages, each a module of its own (docs/architecture.md):

1. :mod:`.request`: parse the scenario once (a typed :class:`~motionlgd.scenario.Scenario`
   from then on) and load the model;
2. :mod:`.planning`: one window or several, and the pelvis route;
3. :mod:`.objective`: per window, the condition, route constraint and guidance objective;
4. :mod:`.sampling`: per window, sample and re-time back to the route's clock;
5. :mod:`.windows`: the loop over windows (a short motion is one window);
6. :mod:`.decoding`: world joints and loss terms;
7. :mod:`.scoring`: foot clean-up, per-sample metrics and the result.
"""

from __future__ import annotations

from .entry import generate
from .request import MAX_STEPS_ENV, resolve_model
from .result import GenerationResult, world_transform

__all__ = ["MAX_STEPS_ENV", "GenerationResult", "generate", "resolve_model", "world_transform"]
