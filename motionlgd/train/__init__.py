"""Training of the default model."""

from .trainer import TrainConfig, load_config, train

__all__ = ["TrainConfig", "load_config", "train"]
