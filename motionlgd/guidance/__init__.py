"""Loss-guided diffusion: DPS and LGD-MC as wrappers around a Denoiser."""

from .guided import GuidanceConfig, GuidedDenoiser, Objective, mc_log_likelihood
from .schedules import R_SCHEDULES, SCALE_SCHEDULES

__all__ = ["R_SCHEDULES", "SCALE_SCHEDULES", "GuidanceConfig", "GuidedDenoiser", "Objective", "mc_log_likelihood"]
