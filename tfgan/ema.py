"""An exponential moving average of G's weights: the averaged generator a GAN samples from.

The trained G oscillates around the game's equilibrium; the average of its recent weights lies
closer to it and draws better samples at no training cost (Yazıcı et al. 2019, "The Unusual
Effectiveness of Averaging in GAN Training"; Karras et al. 2018-2020 sample every StyleGAN from such
an average). `tfgan.GAN(..., generator_ema=GeneratorEMA(...))` keeps the average in
`gan.averaged_generator` (`averaged_copy`) and calls `GeneratorEMA.follow` in the step after every G
update.
"""

from typing import Optional

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan")
class GeneratorEMA:
    """How the average follows G: after each G update, w_avg <- beta * w_avg + (1 - beta) * w.

    By default beta follows the schedule of StyleGAN2-ADA (Karras et al. 2020, training_loop.py):
    the average forgets half its weight every `half_life_images` training images,
    beta = 0.5 ** (batch / half_life), and during a ramp-up the half-life is at most `ramp_up` times
    the images seen so far, so the first update copies G and the average never lags far behind early
    training's fast progress. With `decay` set, beta is that constant instead.

    Every float weight of G is averaged, batch normalization's moving statistics with the others, so
    that the averaged generator normalizes with statistics of weights like its own.

    Args:
        half_life_images: images (G's batches added up over the replicas) over which the average
            halves the weight it gives to older weights.
        ramp_up: cap the half-life at ramp_up * images seen; None: no ramp-up.
        decay: a constant beta in [0, 1) instead of the half-life schedule.

    Raises:
        ValueError: a half-life or ramp-up that is not positive, or a decay outside [0, 1).
    """

    def __init__(
        self,
        half_life_images: float = 10_000,
        ramp_up: Optional[float] = 0.05,
        decay: Optional[float] = None,
    ):
        if not half_life_images > 0:
            raise ValueError(f"half_life_images must be positive, got {half_life_images!r}.")
        if ramp_up is not None and not ramp_up > 0:
            raise ValueError(f"ramp_up must be positive or None, got {ramp_up!r}.")
        if decay is not None and not 0 <= decay < 1:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}.")
        self.half_life_images = float(half_life_images)
        self.ramp_up = None if ramp_up is None else float(ramp_up)
        self.decay = None if decay is None else float(decay)

    def beta(self, images_seen, batch_images) -> tf.Tensor:
        """The weight of the old average in this update, a float32 scalar.

        Args:
            images_seen: training images G has seen before this update.
            batch_images: images in this G update (over all replicas).
        """
        if self.decay is not None:
            return tf.constant(self.decay, tf.float32)
        half_life = tf.constant(self.half_life_images, tf.float32)
        if self.ramp_up is not None:
            half_life = tf.minimum(half_life, tf.cast(images_seen, tf.float32) * self.ramp_up)
        return 0.5 ** (tf.cast(batch_images, tf.float32) / tf.maximum(half_life, 1e-8))

    def follow(self, generator: keras.Model, averaged: keras.Model, updates, batch_size) -> None:
        """Moves the averaged generator towards G after one G update, by this update's `beta`.

        Args:
            generator: G, just updated.
            averaged: its average (`averaged_copy`).
            updates: G's updates before this one (its optimizer's `iterations`, read before the
                update), which with batch_size tell the images seen.
            batch_size: the update's examples on this replica; under tf.distribute the update's
                images are those of all replicas.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        batch_images = tf.cast(batch_size * replicas, tf.float32)
        images_seen = tf.cast(updates, tf.float32) * batch_images
        update(averaged_pairs(generator, averaged), self.beta(images_seen, batch_images))

    def get_config(self) -> dict:
        return {
            "half_life_images": self.half_life_images,
            "ramp_up": self.ramp_up,
            "decay": self.decay,
        }

    @classmethod
    def from_config(cls, config: dict) -> "GeneratorEMA":
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"GeneratorEMA({arguments})"


def get(generator_ema) -> Optional[GeneratorEMA]:
    """A GeneratorEMA from what `tfgan.GAN(generator_ema=...)` takes: None or False (no average),
    True (the default schedule), a constant decay in [0, 1), or a GeneratorEMA."""
    if generator_ema is None or generator_ema is False:
        return None
    if generator_ema is True:
        return GeneratorEMA()
    if isinstance(generator_ema, GeneratorEMA):
        return generator_ema
    if isinstance(generator_ema, (int, float)):
        return GeneratorEMA(decay=generator_ema)
    raise ValueError(
        f"generator_ema must be None, True, a decay in [0, 1) or a tfgan.ema.GeneratorEMA, got "
        f"{generator_ema!r}."
    )


def averaged_copy(generator: keras.Model) -> keras.Model:
    """A copy of generator with its weights, not trainable, named `averaged_<name>`: the average's
    starting point."""
    try:
        copy = keras.models.clone_model(generator)
    except Exception as error:  # Keras raises several types for models it can't clone
        raise ValueError(
            f"generator_ema= needs a copy of the generator, but Keras can't clone "
            f"{generator.name!r} ({type(error).__name__}: {' '.join(str(error).split())[:200]}): "
            "give it get_config."
        ) from error
    copy.name = f"averaged_{generator.name}"
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    return copy


def averaged_pairs(generator: keras.Model, averaged: keras.Model):
    """(G's weight, its average) for every float weight, checked to correspond."""
    pairs = list(zip(generator.weights, averaged.weights, strict=True))
    for weight, average in pairs:
        if tuple(weight.shape) != tuple(average.shape):
            raise ValueError(
                f"The averaged generator does not match the generator ({weight.path} has shape "
                f"{tuple(weight.shape)}, {average.path} {tuple(average.shape)})."
            )
    return [(w, a) for w, a in pairs if tf.as_dtype(w.dtype).is_floating]


def update(pairs, beta) -> None:
    """w_avg <- beta * w_avg + (1 - beta) * w for each (w, w_avg) pair, in float32."""
    for weight, average in pairs:
        new = beta * tf.cast(average, tf.float32) + (1.0 - beta) * tf.cast(weight, tf.float32)
        average.assign(tf.cast(new, average.dtype))
