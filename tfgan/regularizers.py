"""Penalties on the discriminator as `Regularizer` objects, added to D's loss in every D update.

A regularizer is handed what it needs to compute its penalty, in one signature for every variant
(as in TF-GAN): the critic as a function of examples (D's logits, under the batch's labels), the
real and generated examples of the update, and a seed for stateless random ops. `tfgan.GAN` weights
it, applies it lazily every N-th update if asked, averages it over the global batch and logs it.

The built-in penalties are gradient penalties: `GradientPenalty` (WGAN-GP), `R1` and `R2`. They take
D's input gradients with `Critic.gradient`, in float32 and correct under loss scaling.
"""

import math
import re
from typing import Callable, Optional, Sequence, Tuple, Union

import keras
import tensorflow as tf


class Critic:
    """D's logits as a function of examples, as `Regularizer.penalty` receives it.

    `critic(x)` is D(x) under the batch's labels and the step's training mode; `critic.gradient(x)`
    is the per-example input gradient a gradient penalty needs.

    Args:
        discriminate: x -> D's logits.
        scale_loss: D's optimizer's `scale_loss` (multiplies by the loss scale under mixed_float16),
            or None for no loss scaling.
    """

    def __init__(self, discriminate: Callable, scale_loss: Optional[Callable] = None):
        self._discriminate = discriminate
        self._scale_loss = scale_loss

    def __call__(self, x):
        return self._discriminate(x)

    def gradient(self, x) -> tf.Tensor:
        """grad_x D(x) for each example of x, float32, shape of x, differentiable (second order).

        Under mixed_float16, D's backward pass runs in float16, where gradients below ~6e-8 vanish:
        the inner backward pass starts from D's logits times the optimizer's loss scale and is
        unscaled in float32 after, as the outer one is (tensorflow/tensorflow#48662). Each example's
        logit depends on that example alone unless D mixes the batch (batch norm in training mode),
        as gradient penalties assume (Gulrajani et al. 2017 use no batch norm in the critic).
        """
        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(tf.cast(self(x), tf.float32))
            if self._scale_loss is not None:
                total = self._scale_loss(total)
        gradient = tf.cast(tape.gradient(total, x), tf.float32)
        if self._scale_loss is None:
            return gradient
        return gradient / self._scale_loss(tf.constant(1.0))


@keras.saving.register_keras_serializable(package="tfgan")
class Regularizer:
    """Base class of a penalty on D: each D update adds `weight * mean(penalty)` to D's loss.

    Subclasses implement `penalty`. With `every=N` the penalty is computed only on every N-th D
    update (counted by D's optimizer) and multiplied by N there, so that on average it weighs the
    same at a fraction of the cost: lazy regularization (Karras et al. 2020, "Analyzing and
    Improving the Image Quality of StyleGAN", sec. 4.1). `tfgan.GAN` logs `weight * mean(penalty)`
    of the updates that compute it under `name`.

    A subclass whose constructor takes other arguments than these passes them on in `get_config`,
    and is registered with `keras.saving.register_keras_serializable`, so that a saved GAN reloads
    it.

    Args:
        weight: the penalty's weight in D's loss (>= 0).
        every: compute the penalty on every `every`-th D update only (lazy regularization).
        name: its log key; default: the class name in snake case (`GradientNormPenalty` ->
            "gradient_norm_penalty").

    Raises:
        ValueError: a negative or non-finite weight, or `every` not a positive integer.
    """

    def __init__(self, weight: float, every: int = 1, name: Optional[str] = None):
        _check_non_negative(self, "weight", weight)
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
            critic: a `Critic`: critic(x) -> D's logits for examples x (under the batch's labels, if
                any, and in the step's training mode); critic.gradient(x) -> grad_x D(x) in float32,
                loss scaling handled. Differentiable.
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


@keras.saving.register_keras_serializable(package="tfgan")
class GradientPenalty(Regularizer):
    """weight * (||grad D(x_hat)|| - target)^2 at x_hat = e x + (1 - e) G(z), e ~ U[0, 1] each.

    The two-sided penalty of WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein
    GANs", eq. 3; weight 10 and target 1 are the paper's): it keeps the critic near 1-Lipschitz
    along lines between the data and the samples, which the Wasserstein loss needs. The
    interpolation weights e are drawn from the update's seed.
    """

    def __init__(self, weight: float = 10.0, target: float = 1.0, every: int = 1, name=None):
        super().__init__(weight, every, name)
        _check_non_negative(self, "target", target)
        self.target = float(target)

    def penalty(self, critic, real, fake, seed):
        real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
        batch = tf.shape(real)[0]
        shape = tf.concat([[batch], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
        e = tf.random.stateless_uniform(shape, seed)
        interpolates = e * real + (1.0 - e) * fake
        norms = tf.sqrt(_squared_norms(critic.gradient(interpolates)) + _TINY)
        return tf.square(norms - self.target)

    def get_config(self) -> dict:
        return {**super().get_config(), "target": self.target}


@keras.saving.register_keras_serializable(package="tfgan")
class R1(Regularizer):
    """(gamma / 2) * ||grad D(x)||^2 at the real examples (Mescheder et al. 2018, "Which Training
    Methods for GANs do actually Converge?", eq. 9).

    Pushes D's gradient to zero on the data, which makes the game locally convergent for any loss.
    `every=16` is StyleGAN2's lazy R1 (Karras et al. 2020): computed on every 16th D update, 16
    times as heavy there. Logged as gamma / 2 * the mean squared gradient norm.
    """

    def __init__(self, gamma: float = 10.0, every: int = 1, name=None):
        _check_non_negative(self, "gamma", gamma)
        super().__init__(gamma / 2, every, name)
        self.gamma = float(gamma)

    def _examples(self, real, fake):
        return real

    def penalty(self, critic, real, fake, seed):
        return _squared_norms(critic.gradient(tf.cast(self._examples(real, fake), tf.float32)))

    def get_config(self) -> dict:
        return {"gamma": self.gamma, "every": self.every, "name": self.name}


@keras.saving.register_keras_serializable(package="tfgan")
class R2(R1):
    """(gamma / 2) * ||grad D(G(z))||^2 at generated examples (Mescheder et al. 2018, eq. 10)."""

    def _examples(self, real, fake):
        return fake


def get(regularizers: Union[Regularizer, Sequence[Regularizer]]) -> Tuple[Regularizer, ...]:
    """The regularizers of what `tfgan.GAN(regularizers=...)` takes: a `Regularizer` or several.

    Raises:
        ValueError: something that is not a `Regularizer` instance.
    """
    if isinstance(regularizers, Regularizer):
        regularizers = [regularizers]
    for regularizer in regularizers:
        if not isinstance(regularizer, Regularizer):
            raise ValueError(
                "regularizers must be tfgan.regularizers.Regularizer instances, got "
                f"{regularizer!r}."
            )
    return tuple(regularizers)


_TINY = 1e-12  # keeps the gradient of the norm finite where D's gradient is zero


def _check_non_negative(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{type(owner).__name__}: {name} must be a number, got {value!r}.")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{type(owner).__name__}: {name} must be finite and >= 0, got {value!r}.")


def _squared_norms(gradients):
    """Per-example squared L2 norm of a batch of gradients, [batch]."""
    return tf.reduce_sum(tf.square(tf.reshape(gradients, [tf.shape(gradients)[0], -1])), axis=1)


def snake_case(name: str) -> str:
    """'GradientPenalty' -> 'gradient_penalty', 'R1' -> 'r1', 'R1Penalty' -> 'r1_penalty'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
