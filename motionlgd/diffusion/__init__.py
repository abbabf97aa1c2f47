"""Noise schedules and samplers."""

from .samplers import Resample, StepInfo, randn, sample_ddim, sample_ddpm
from .schedule import NoiseSchedule, cosine_betas, linear_betas, make_schedule

__all__ = [
    "NoiseSchedule",
    "Resample",
    "StepInfo",
    "cosine_betas",
    "linear_betas",
    "make_schedule",
    "randn",
    "sample_ddim",
    "sample_ddpm",
]
