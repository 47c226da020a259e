"""Builders for generator and discriminator networks."""

from typing import Sequence

import keras


def mlp(
    input_dim: int,
    output_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    activation: str = "relu",
    name: str = "mlp",
) -> keras.Model:
    """Dense layers with `activation`, then a linear float32 output layer of `output_dim` units."""
    inputs = keras.Input((input_dim,))
    h = inputs
    for units in hidden_units:
        h = keras.layers.Dense(units, activation=activation)(h)
    outputs = keras.layers.Dense(output_dim, dtype="float32")(h)
    return keras.Model(inputs, outputs, name=name)


def mlp_generator(
    latent_dim: int, output_dim: int, hidden_units: Sequence[int] = (128, 128), activation="relu"
) -> keras.Model:
    """An MLP generator z -> x for low-dimensional data, output in data coordinates."""
    return mlp(latent_dim, output_dim, hidden_units, activation, name="generator")


def mlp_discriminator(
    input_dim: int, hidden_units: Sequence[int] = (128, 128), activation="relu"
) -> keras.Model:
    """An MLP discriminator x -> one logit of D(x), the probability that x is real."""
    return mlp(input_dim, 1, hidden_units, activation, name="discriminator")
