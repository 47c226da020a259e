"""tfgan: Generative Adversarial Nets (Goodfellow et al. 2014) for TensorFlow 2 / Keras 3."""

from tfgan import (
    augment,
    callbacks,
    classifier,
    data,
    distribute,
    ema,
    evaluation,
    losses,
    metrics,
    networks,
    mixed_precision,
    plotting,
    recipes,
    regularizers,
    runs,
)
from tfgan.gan import GAN

__all__ = [
    "GAN",
    "augment",
    "callbacks",
    "classifier",
    "data",
    "distribute",
    "ema",
    "evaluation",
    "losses",
    "metrics",
    "networks",
    "mixed_precision",
    "plotting",
    "recipes",
    "regularizers",
    "runs",
]
__version__ = "0.1.0"
