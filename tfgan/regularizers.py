"""Penalties on the discriminator as `Regularizer` objects, added to D's loss in every D update.

A regularizer is handed what it needs to compute its penalty, in one signature for every variant
(as in TF-GAN): the critic as a function of examples (D's logits, under the batch's labels), the real
and generated examples of the update, and a seed for stateless random ops. `tfgan.GAN` weights it,
applies it lazily every N-th update if asked, averages it over the global batch and logs it.
"""

import math
import re
from typing import Callable, Optional

import keras


@keras.saving.register_keras_serializable(package="tfgan")
class Regularizer:
    """Base class of a penalty on D: each D update adds `weight * mean(penalty)` to D's loss.

    Subclasses implement `penalty`. With `every=N` the penalty is computed only on every N-th D update
    (counted by D's optimizer) and multiplied by N there, so that on average it weighs the same at a
    fraction of the cost: lazy regularization (Karras et al. 2020, "Analyzing and Improving the Image
    Quality of StyleGAN", sec. 4.1). `tfgan.GAN` logs `weight * mean(penalty)` of the updates that
    compute it under `name`.

    A subclass whose constructor takes other arguments than these passes them on in `get_config`, and
    is registered with `keras.saving.register_keras_serializable`, so that a saved GAN reloads it.

    Args:
        weight: the penalty's weight in D's loss (>= 0).
        every: compute the penalty on every `every`-th D update only (lazy regularization).
        name: its log key; default: the class name in snake case (`GradientNormPenalty` ->
            "gradient_norm_penalty").

    Raises:
        ValueError: a negative or non-finite weight, or `every` not a positive integer.
    """

    def __init__(self, weight: float, every: int = 1, name: Optional[str] = None):
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ValueError(f"{type(self).__name__}: weight must be a number, got {weight!r}.")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(
                f"{type(self).__name__}: weight must be finite and >= 0, got {weight!r}."
            )
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(
                f"{type(self).__name__}: every must be a positive integer, got {every!r}."
            )
        self.weight = float(weight)
        self.every = every
        self.name = name or snake_case(type(self).__name__)

    def penalty(self, critic: Callable, real, fake, seed):
        """The per-example penalty of one D update, shape [batch].

        Args:
            critic: critic(x) -> D's logits for examples x (under the batch's labels, if any, and in
                the step's training mode). Differentiable: take gradients through it with a
                `tf.GradientTape` that watches x.
            real: the update's real examples.
            fake: the update's generated examples (a constant for D's update).
            seed: a [2] int32 tensor for stateless random ops (`tf.random.stateless_uniform`, ...),
                drawn from the model's seed stream, different on every replica.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement penalty.")

    def get_config(self) -> dict:
        return {"weight": self.weight, "every": self.every, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def snake_case(name: str) -> str:
    """'GradientPenalty' -> 'gradient_penalty', 'R1' -> 'r1', 'R1Penalty' -> 'r1_penalty'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
