"""Builders for generator and discriminator networks.

Every discriminator builder takes `spectral_norm=True`: each of its Dense and convolution layers is
wrapped in Keras's `SpectralNormalization` (Miyato et al. 2018, "Spectral Normalization for
Generative Adversarial Networks"), which divides the layer's kernel by its largest singular value,
estimated by one power iteration per training call; the iteration's vector is a non-trainable
weight, saved and restored with the model. (Keras stores the normalized kernel in the variable
itself, so the optimizer updates W / sigma(W).)

Every builder also takes `num_classes=K` for a conditional GAN (`tfgan.GAN(..., num_classes=K)`):
the network then takes `[inputs, labels]`, integer labels in [0, K). Generators see the label
through an embedding concatenated with z (and, in the DCGAN generator, through conditional batch
norm); discriminators through a projection (Miyato & Koyama 2018, "cGANs with Projection
Discriminator": the logit adds <embed(y), phi(x)> to psi(phi(x))) or by concatenating an embedding
of the label to the input (`conditioning="concat"`). The label embeddings are not spectrally
normalized.
"""

from typing import Optional, Sequence

import keras
import tensorflow as tf


def mlp(
    input_dim: int,
    output_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    activation: str = "relu",
    name: str = "mlp",
    spectral_norm: bool = False,
    num_classes: Optional[int] = None,
    conditioning: str = "concat",
) -> keras.Model:
    """Dense layers with `activation`, then a linear float32 output layer of `output_dim` units.

    With num_classes, the model takes [inputs, labels]: an embedding of the label is concatenated to
    the inputs ("concat"), or, for a one-unit output, projected on the last hidden layer
    ("projection").
    """
    inputs = keras.Input((input_dim,))
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")
    h = inputs
    if labels is not None and conditioning == "concat":
        h = keras.layers.Concatenate()([h, label_embedding(num_classes, input_dim)(labels)])
    for units in hidden_units:
        h = normalized(keras.layers.Dense(units, activation=activation), spectral_norm)(h)
    outputs = normalized(keras.layers.Dense(output_dim, dtype="float32"), spectral_norm)(h)
    if labels is not None and conditioning == "projection":
        outputs = projected(outputs, h, labels, num_classes)
    return keras.Model(inputs if labels is None else [inputs, labels], outputs, name=name)


CONDITIONINGS = ("projection", "concat")
"""How a conditional discriminator sees the label (see the module docstring)."""


def label_embedding(num_classes: int, dim: int, name: Optional[str] = None) -> keras.layers.Layer:
    """A learned [num_classes, dim] table of label vectors (labels outside [0, K) fail on CPU)."""
    return keras.layers.Embedding(num_classes, dim, name=name)


def projected(logit, features, labels, num_classes: int):
    """logit + <embed(labels), features>: projection discriminator output (Miyato & Koyama 2018)."""
    embedded = label_embedding(num_classes, features.shape[-1], name="label_projection")(labels)
    projection = keras.layers.Dot(axes=1, dtype="float32")([embedded, features])
    return keras.layers.Add(dtype="float32")([logit, projection])


def check_conditioning(conditioning: str) -> None:
    """Raises ValueError unless conditioning is one of CONDITIONINGS."""
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}.")


def normalized(layer: keras.layers.Layer, spectral_norm: bool) -> keras.layers.Layer:
    """`layer` wrapped in `keras.layers.SpectralNormalization` if spectral_norm, else itself.

    The wrapper takes the layer's dtype policy: it casts the output to its input's dtype, which must
    stay float32 for a float32 output layer under mixed precision.
    """
    if not spectral_norm:
        return layer
    return keras.layers.SpectralNormalization(layer, dtype=layer.dtype_policy)


def mlp_generator(
    latent_dim: int,
    output_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    activation="relu",
    num_classes: Optional[int] = None,
) -> keras.Model:
    """An MLP generator z -> x (or [z, y] -> x) for low-dimensional data, x in data coordinates."""
    return mlp(
        latent_dim, output_dim, hidden_units, activation, "generator", num_classes=num_classes
    )


def mlp_discriminator(
    input_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    activation="relu",
    spectral_norm: bool = False,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
) -> keras.Model:
    """An MLP discriminator x -> one logit of D(x), the probability that x is real."""
    check_conditioning(conditioning)
    return mlp(
        input_dim,
        1,
        hidden_units,
        activation,
        "discriminator",
        spectral_norm,
        num_classes,
        conditioning,
    )


IMAGE_SHAPE = (28, 28, 1)


@keras.saving.register_keras_serializable(package="tfgan")
class Maxout(keras.layers.Layer):
    """Maxout units (Goodfellow et al. 2013): the max of `pieces` linear functions of the input."""

    def __init__(self, units: int, pieces: int, spectral_norm: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.pieces = pieces
        self.spectral_norm = spectral_norm
        # Sublayers take this layer's dtype policy, not the global one: a model saved under mixed
        # precision and loaded under another global policy keeps one compute dtype.
        self.dense = normalized(
            keras.layers.Dense(units * pieces, dtype=self.dtype_policy), spectral_norm
        )

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        pieces = keras.ops.reshape(self.dense(inputs), (-1, self.units, self.pieces))
        return keras.ops.max(pieces, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "spectral_norm": self.spectral_norm,
        }


@keras.saving.register_keras_serializable(package="tfgan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch norm whose scale and offset are learned per class: called on [x, labels].

    The normalization is shared; gamma[y] and beta[y] (initialised to 1 and 0) replace its affine
    part (de Vries et al. 2017; the class-conditional BN of Miyato & Koyama 2018's generator).

    Args:
        num_classes: K, the number of label values.
        synchronized: normalize over the global batch under tf.distribute (as BatchNormalization's).
    """

    def __init__(self, num_classes: int, synchronized: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.synchronized = synchronized
        # This layer's dtype policy, not the global one, as Maxout's sublayer.
        self.norm = keras.layers.BatchNormalization(
            center=False, scale=False, synchronized=synchronized, dtype=self.dtype_policy
        )

    def build(self, input_shape):
        x_shape = input_shape[0]
        self.norm.build(x_shape)
        shape = (self.num_classes, x_shape[-1])
        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta")

    def call(self, inputs, training=None):
        x, labels = inputs
        normalized_x = self.norm(x, training=training)
        broadcast = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = keras.ops.reshape(keras.ops.take(self.gamma, labels, axis=0), broadcast)
        beta = keras.ops.reshape(keras.ops.take(self.beta, labels, axis=0), broadcast)
        return normalized_x * gamma + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "synchronized": self.synchronized,
        }


def paper_mlp_generator(latent_dim: int = 100) -> keras.Model:
    """The 2014 paper's MNIST generator: z -> 1200 ReLU -> 1200 ReLU -> 784, tanh into [-1, 1]."""
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(1200, activation="relu")(z)
    h = keras.layers.Dense(1200, activation="relu")(h)
    x = keras.layers.Dense(784, activation="tanh", dtype="float32")(h)
    return keras.Model(z, keras.layers.Reshape(IMAGE_SHAPE, dtype="float32")(x), name="generator")


def paper_mlp_discriminator(spectral_norm: bool = False) -> keras.Model:
    """The 2014 paper's MNIST discriminator: two maxout layers (240 units x 5 pieces) -> one logit.

    Dropout keeps 80% of the pixels and 50% of each maxout layer's units, as in the paper's code.
    """
    x = keras.Input(IMAGE_SHAPE)
    h = keras.layers.Dropout(0.2)(keras.layers.Flatten()(x))
    for _ in range(2):
        h = keras.layers.Dropout(0.5)(Maxout(240, 5, spectral_norm)(h))
    logit = normalized(keras.layers.Dense(1, dtype="float32"), spectral_norm)(h)
    return keras.Model(x, logit, name="discriminator")


def dcgan_generator(
    latent_dim: int = 64,
    width: int = 32,
    num_classes: Optional[int] = None,
    label_embedding_dim: int = 32,
) -> keras.Model:
    """A small DCGAN generator for 28x28 images: z -> 7x7x(2w) -> 14x14x(w) -> conv 3x3 -> 28x28x1.

    Batch norm and ReLU between layers (Radford et al. 2016); the 3x3 convolution at 14x14 gives G a
    third nonlinear layer, which made the strokes of its digits more coherent per second of CPU
    time. Built inside a tf.distribute scope, batch norm uses the statistics of the global batch
    (synchronised across replicas), as on one device. With num_classes, G([z, y]) concatenates a
    `label_embedding_dim` embedding of y to z and every batch norm is conditional on y.
    """
    synchronized = tf.distribute.has_strategy()
    z = keras.Input((latent_dim,))
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")

    def normalized_relu(h):
        if labels is None:
            h = keras.layers.BatchNormalization(synchronized=synchronized)(h)
        else:
            h = ConditionalBatchNormalization(num_classes, synchronized)([h, labels])
        return keras.layers.ReLU()(h)

    h = z
    if labels is not None:
        embedded = label_embedding(num_classes, label_embedding_dim)(labels)
        h = keras.layers.Concatenate()([z, embedded])
    h = normalized_relu(keras.layers.Dense(7 * 7 * 2 * width, use_bias=False)(h))
    h = keras.layers.Reshape((7, 7, 2 * width))(h)
    h = normalized_relu(
        keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(h)
    )
    h = normalized_relu(keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(h))
    x = keras.layers.Conv2DTranspose(
        1, 4, strides=2, padding="same", activation="tanh", dtype="float32"
    )(h)
    return keras.Model(z if labels is None else [z, labels], x, name="generator")


def dcgan_discriminator(
    width: int = 32,
    hidden_units: int = 64,
    dropout: float = 0.0,
    spectral_norm: bool = False,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
) -> keras.Model:
    """A small DCGAN discriminator for 28x28 images: two strided convs, a dense layer, one logit.

    The hidden dense layer lets D judge the digit's global shape nonlinearly (a logit read linearly
    off the 7x7 feature map cannot), which raised the share of confidently classified samples the
    most of everything we tried. `dropout` after each convolution keeps D from memorising a small
    training set. With num_classes, D([x, y]) projects an embedding of y on the last features
    ("projection") or stacks a 28x28 embedding of y onto the image as a second channel ("concat").
    """
    check_conditioning(conditioning)
    x = keras.Input(IMAGE_SHAPE)
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")
    h = x
    if labels is not None and conditioning == "concat":
        plane = label_embedding(num_classes, IMAGE_SHAPE[0] * IMAGE_SHAPE[1])(labels)
        plane = keras.layers.Reshape(IMAGE_SHAPE[:2] + (1,))(plane)
        h = keras.layers.Concatenate()([h, plane])
    for filters in (width, 2 * width):
        h = normalized(keras.layers.Conv2D(filters, 4, strides=2, padding="same"), spectral_norm)(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        if dropout:
            h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Flatten()(h)
    if hidden_units:
        h = keras.layers.LeakyReLU(0.2)(
            normalized(keras.layers.Dense(hidden_units), spectral_norm)(h)
        )
    logit = normalized(keras.layers.Dense(1, dtype="float32"), spectral_norm)(h)
    if labels is not None and conditioning == "projection":
        logit = projected(logit, h, labels, num_classes)
    return keras.Model(x if labels is None else [x, labels], logit, name="discriminator")


def tutorial_dcgan_generator(latent_dim: int = 100) -> keras.Model:
    """The generator of TensorFlow's DCGAN tutorial: z -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 28x28x1.

    Dense and 5x5 transposed convolutions without biases, each followed by batch norm and LeakyReLU
    (slope 0.3, Keras's default), then a strided transposed convolution to one channel with tanh.
    """
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(7 * 7 * 256, use_bias=False)(z)
    h = keras.layers.LeakyReLU(0.3)(keras.layers.BatchNormalization()(h))
    h = keras.layers.Reshape((7, 7, 256))(h)
    for filters, strides in ((128, 1), (64, 2)):
        h = keras.layers.Conv2DTranspose(
            filters, 5, strides=strides, padding="same", use_bias=False
        )(h)
        h = keras.layers.LeakyReLU(0.3)(keras.layers.BatchNormalization()(h))
    x = keras.layers.Conv2DTranspose(
        1, 5, strides=2, padding="same", use_bias=False, activation="tanh", dtype="float32"
    )(h)
    return keras.Model(z, x, name="generator")


def tutorial_dcgan_discriminator(spectral_norm: bool = False) -> keras.Model:
    """The TensorFlow DCGAN tutorial's discriminator: 28x28x1 -> 14x14x64 -> 7x7x128 -> one logit.

    Strided 5x5 convolutions, each followed by LeakyReLU (slope 0.3) and dropout 0.3.
    """
    x = keras.Input(IMAGE_SHAPE)
    h = x
    for filters in (64, 128):
        h = normalized(keras.layers.Conv2D(filters, 5, strides=2, padding="same"), spectral_norm)(h)
        h = keras.layers.Dropout(0.3)(keras.layers.LeakyReLU(0.3)(h))
    logit = normalized(keras.layers.Dense(1, dtype="float32"), spectral_norm)(
        keras.layers.Flatten()(h)
    )
    return keras.Model(x, logit, name="discriminator")


IMAGE_ARCHITECTURES = {
    "dcgan": (dcgan_generator, dcgan_discriminator),
    "paper_mlp": (paper_mlp_generator, paper_mlp_discriminator),
    "tutorial_dcgan": (tutorial_dcgan_generator, tutorial_dcgan_discriminator),
}


CONDITIONAL_ARCHITECTURES = ("dcgan",)
"""The image architectures with a conditional version (num_classes=)."""


def image_gan_networks(
    arch: str,
    latent_dim: int,
    spectral_norm: bool = False,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
):
    """(generator, discriminator) of the named architecture for 28x28x1 images in [-1, 1]; with
    num_classes, conditional on integer labels (arch in CONDITIONAL_ARCHITECTURES)."""
    if arch not in IMAGE_ARCHITECTURES:
        raise ValueError(f"Unknown arch {arch!r}: choose one of {sorted(IMAGE_ARCHITECTURES)}.")
    make_generator, make_discriminator = IMAGE_ARCHITECTURES[arch]
    if num_classes is None:
        return make_generator(latent_dim), make_discriminator(spectral_norm=spectral_norm)
    if arch not in CONDITIONAL_ARCHITECTURES:
        raise ValueError(
            f"arch {arch!r} has no conditional version: choose one of {CONDITIONAL_ARCHITECTURES}."
        )
    return make_generator(latent_dim, num_classes=num_classes), make_discriminator(
        spectral_norm=spectral_norm, num_classes=num_classes, conditioning=conditioning
    )
