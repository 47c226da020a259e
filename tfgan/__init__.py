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
    mixed_precision,
    networks,
    plotting,
    recipes,
    regularizers,
    runs,
    sampling,
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
    "mixed_precision",
    "networks",
    "plotting",
    "recipes",
    "regularizers",
    "runs",
    "sampling",
]
__version__ = "0.1.0"
