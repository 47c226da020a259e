"""tfgan: Generative Adversarial Nets (Goodfellow et al. 2014) for TensorFlow 2 / Keras 3."""

from tfgan import (
    callbacks,
    classifier,
    data,
    evaluation,
    losses,
    metrics,
    networks,
    plotting,
    precision,
    recipes,
    regularizers,
)
from tfgan.gan import GAN

__all__ = [
    "GAN",
    "callbacks",
    "classifier",
    "data",
    "evaluation",
    "losses",
    "metrics",
    "networks",
    "plotting",
    "precision",
    "recipes",
    "regularizers",
]
__version__ = "0.1.0"
