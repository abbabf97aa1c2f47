"""Schedules of the Monte Carlo radius ``r_t`` and of the guidance scale over t.

Each schedule maps ``abar_t`` (a float tensor) to a non-negative factor. Strings name
the built-ins; any callable ``(abar: Tensor) -> Tensor`` works too.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["R_SCHEDULES", "SCALE_SCHEDULES", "resolve_r_schedule", "resolve_scale_schedule"]

Schedule = Callable[[torch.Tensor], torch.Tensor]

#: ``r_t`` schedules. ``sqrt_one_minus_abar`` is the paper's ``sigma/sqrt(1+sigma^2)``.
R_SCHEDULES: dict[str, Schedule] = {
    "sqrt_one_minus_abar": lambda abar: torch.sqrt(1.0 - abar),
    "zero": lambda abar: torch.zeros_like(abar),
    "constant": lambda abar: torch.ones_like(abar),
}

#: Guidance-scale schedules (multiply the user's scale).
#: ``constant``: the score is corrected by ``s * grad`` (the spec's formula).
#: ``sqrt_one_minus_abar``: weaker guidance as noise decreases.
#: ``x0``: ``s_t = sqrt(abar)/(1-abar)``, so the x0 estimate moves by exactly ``s * grad``
#: (step size independent of the noise level; the default, stable at high noise).
SCALE_SCHEDULES: dict[str, Schedule] = {
    "constant": lambda abar: torch.ones_like(abar),
    "sqrt_one_minus_abar": lambda abar: torch.sqrt(1.0 - abar),
    "x0": lambda abar: torch.sqrt(abar) / (1.0 - abar).clamp(min=1e-8),
}


def _resolve(value: str | Schedule, table: dict[str, Schedule], what: str) -> Schedule:
    if callable(value):
        return value
    if value not in table:
        raise ValueError(f"unknown {what} schedule {value!r}; choose one of {sorted(table)} or pass a callable")
    return table[value]


def resolve_r_schedule(value: str | Schedule) -> Schedule:
    """Look up an ``r_t`` schedule by name (or return a callable unchanged)."""
    return _resolve(value, R_SCHEDULES, "r_t")


def resolve_scale_schedule(value: str | Schedule) -> Schedule:
    """Look up a guidance-scale schedule by name (or return a callable unchanged)."""
    return _resolve(value, SCALE_SCHEDULES, "scale")
