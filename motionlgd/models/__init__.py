"""Denoising networks, checkpoints, text encoders."""

from .bundle import MotionModel
from .checkpoint import default_model_dir, load_mdm, load_model, read_mdm_state_dict, save_model
from .denoiser import ClassifierFreeGuidance, ModelDenoiser
from .text import CLIPTextEncoder, MiniLMEncoder, TextEncoder, ZeroTextEncoder, get_text_encoder
from .transformer import MDM, MDM_HUMANML_DEFAULTS

__all__ = [
    "MDM",
    "MDM_HUMANML_DEFAULTS",
    "CLIPTextEncoder",
    "ClassifierFreeGuidance",
    "MiniLMEncoder",
    "ModelDenoiser",
    "MotionModel",
    "TextEncoder",
    "ZeroTextEncoder",
    "default_model_dir",
    "get_text_encoder",
    "load_mdm",
    "load_model",
    "read_mdm_state_dict",
    "save_model",
]
