"""Training of the default model."""

from .trainer import TrainConfig, export_checkpoint, load_config, train

__all__ = ["TrainConfig", "export_checkpoint", "load_config", "train"]
