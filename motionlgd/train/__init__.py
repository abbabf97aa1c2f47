"""Training of the default model."""

from .loop import train
from .paths import TrainResult
from .trainer import TrainConfig, export_checkpoint, load_config

__all__ = ["TrainConfig", "TrainResult", "export_checkpoint", "load_config", "train"]
