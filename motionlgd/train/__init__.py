"""Training of the default model."""

from .paths import TrainResult
from .trainer import TrainConfig, export_checkpoint, load_config, train

__all__ = ["TrainConfig", "TrainResult", "export_checkpoint", "load_config", "train"]
