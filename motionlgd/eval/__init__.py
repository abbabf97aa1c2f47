"""Evaluation: control and quality metrics."""

from .metrics import (
    bone_length_std,
    floating_ratio,
    foot_contact_switches,
    foot_skating_ratio,
    foot_skating_ratio_gmd,
    ground_penetration,
    mean_jerk,
    obstacle_penetration,
    path_error,
    root_speed,
    waypoint_error,
)

__all__ = [
    "bone_length_std",
    "floating_ratio",
    "foot_contact_switches",
    "foot_skating_ratio",
    "foot_skating_ratio_gmd",
    "ground_penetration",
    "mean_jerk",
    "obstacle_penetration",
    "path_error",
    "root_speed",
    "waypoint_error",
]
