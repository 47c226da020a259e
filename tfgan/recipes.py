"""The scripts' training recipes as library calls: what `bin/train_mnist.py` trains by default is what
`benchmarks.time_to_quality` measures, built by the same function."""

import dataclasses
import math
from typing import Optional, Union

import keras

from tfgan import gan as gan_lib
from tfgan import networks


@dataclasses.dataclass(frozen=True)
class ImageRecipe:
    """Per-architecture hyperparameters of an MNIST GAN.

    Attributes:
        latent_dim: size of z.
        learning_rate: initial Adam learning rate of both players, cosine-decayed to 0.
        beta_1: Adam's beta_1 of both players.
    """

    latent_dim: int
    learning_rate: float
    beta_1: float


# Chosen by measuring sample quality per second of training on 2 CPU cores (README, "Measured here").
MNIST_RECIPES = {
    "dcgan": ImageRecipe(latent_dim=64, learning_rate=2e-3, beta_1=0.0),
    "paper_mlp": ImageRecipe(latent_dim=100, learning_rate=5e-4, beta_1=0.5),
    "tutorial_dcgan": ImageRecipe(latent_dim=100, learning_rate=1e-4, beta_1=0.9),  # the tutorial's
}
MNIST_GENERATOR_STEPS = 4700
"""Default training length: 32 epochs of the 10k test split (150 steps each at 10 per call), 6 of the 60k train split (930),
at batch 64."""
MNIST_BATCH_SIZE = 64
MNIST_STEPS_PER_EXECUTION = 10


def mnist_epochs(steps_per_epoch: int, generator_steps: int = MNIST_GENERATOR_STEPS) -> int:
    """Epochs of `steps_per_epoch` steps that make at least `generator_steps` generator steps."""
    return math.ceil(generator_steps / steps_per_epoch)


def steps_per_execution(requested: int, steps_per_epoch: int) -> int:
    """The largest number of train steps per call, at most `requested`, that divides an epoch.

    Keras runs whole calls of steps_per_execution steps: a call that straddles an epoch's end runs on
    into the next epoch's data, so an epoch must be a whole number of calls.
    """
    return max(n for n in range(1, min(requested, steps_per_epoch) + 1) if steps_per_epoch % n == 0)


def compile_with_adam(
    gan: gan_lib.GAN,
    learning_rate: float,
    beta_1: float,
    decay_steps: int,
    jit_compile: Union[str, bool] = "auto",
    steps_per_execution: int = 1,
) -> None:
    """Compiles gan with one Adam per player, the learning rate cosine-decayed to 0 over decay_steps."""

    def adam(player):
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
        return keras.optimizers.Adam(schedule, beta_1=beta_1, name=f"{player}_adam")

    gan.compile(
        g_optimizer=adam("generator"),
        d_optimizer=adam("discriminator"),
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )


def mnist_gan(
    decay_steps: int,
    arch: str = "dcgan",
    latent_dim: Optional[int] = None,
    learning_rate: Optional[float] = None,
    beta_1: Optional[float] = None,
    loss: str = "non_saturating",
    d_steps: int = 1,
    seed: int = 0,
    jit_compile: Union[str, bool] = "auto",
    steps_per_execution: int = MNIST_STEPS_PER_EXECUTION,
) -> gan_lib.GAN:
    """The compiled GAN of an MNIST recipe; None takes the recipe's value of `arch`.

    Builds the networks under the current dtype policy and tf.distribute strategy scope, with the
    initial weights seeded from `seed` (`keras.utils.set_random_seed`).

    Args:
        decay_steps: the run's length in generator steps, over which the learning rate decays to 0.
        arch: a name in `MNIST_RECIPES` (and `tfgan.networks.IMAGE_ARCHITECTURES`).
        latent_dim, learning_rate, beta_1: override the recipe's.
        loss, d_steps, seed: as `tfgan.GAN`'s.
        jit_compile, steps_per_execution: as `GAN.compile`'s.

    Raises:
        ValueError: an unknown arch.
    """
    if arch not in MNIST_RECIPES:
        raise ValueError(f"Unknown arch {arch!r}: choose from {sorted(MNIST_RECIPES)}.")
    recipe = MNIST_RECIPES[arch]
    latent_dim = latent_dim or recipe.latent_dim
    keras.utils.set_random_seed(seed)
    generator, discriminator = networks.image_gan_networks(arch, latent_dim)
    gan = gan_lib.GAN(
        generator, discriminator, latent_dim=latent_dim, loss=loss, d_steps=d_steps, seed=seed
    )
    compile_with_adam(
        gan,
        learning_rate or recipe.learning_rate,
        recipe.beta_1 if beta_1 is None else beta_1,
        decay_steps,
        jit_compile,
        steps_per_execution,
    )
    return gan
