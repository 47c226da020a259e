"""Builders for generator and discriminator networks.

Every discriminator builder takes `spectral_norm=True`: each of its Dense and convolution layers is
wrapped in Keras's `SpectralNormalization` (Miyato et al. 2018, "Spectral Normalization for
Generative Adversarial Networks"), which divides the layer's kernel by its largest singular value,
estimated by one power iteration per training call; the iteration's vector is a non-trainable
weight, saved and restored with the model. (Keras stores the normalized kernel in the variable
itself, so the optimizer updates W / sigma(W).)

Every builder also takes `num_classes=K` for a conditional GAN (`tfgan.GAN(..., num_classes=K)`):
the network then takes `[inputs, labels]`, integer labels in [0, K). The MLP and DCGAN generators
see the label through an embedding concatenated with z, the DCGAN and ResNet generators through
conditional batch norm; discriminators through a projection (Miyato & Koyama 2018, "cGANs with
Projection Discriminator": the logit adds <embed(y), phi(x)> to psi(phi(x))) or by concatenating an
embedding of the label to the input (`conditioning="concat"`). The label embeddings are not
spectrally normalized.

The image networks take `image_shape=(height, width, channels)`: the DCGAN (Radford et al. 2016)
and the ResNet of SNGAN (Miyato et al. 2018) any shape whose sides halve together down to 4-7
pixels (`check_image_shape`), the 2014 paper's MLPs and the TensorFlow tutorial's DCGAN 28x28x1
only. `image_gan_networks` builds any of them by name.
"""

import numbers
from typing import List, Optional, Sequence, Tuple

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
"""The default image shape (28x28 grayscale digits); paper_mlp and tutorial_dcgan take no other."""

FIXED_SHAPE_ARCHITECTURES = ("paper_mlp", "tutorial_dcgan")
"""The image architectures whose networks take IMAGE_SHAPE only."""


def check_image_shape(arch: str, image_shape: Sequence[int]) -> None:
    """Raises a one-line ValueError unless the `arch` networks can take images of image_shape.

    dcgan and resnet take (height, width, channels) whose height and width halve together, at
    least once, down to a base whose smaller side is 4 to 7 pixels: 28 -> 7, 32 -> 4, 48 -> 6,
    64 -> 4, 128 -> 4, (32, 64) -> (4, 8); not 30 (-> 15) or 5. Any number of channels.
    """
    if arch in FIXED_SHAPE_ARCHITECTURES:
        if _shape(image_shape) != IMAGE_SHAPE:
            raise ValueError(
                f"the {arch} networks take images of shape {IMAGE_SHAPE} only, not "
                f"{_shape(image_shape)}: use dcgan or resnet for other shapes."
            )
    else:
        _levels(image_shape)


def _shape(image_shape) -> tuple:
    """image_shape as a tuple, for comparisons and messages (a number as a 1-tuple)."""
    try:
        return tuple(image_shape)
    except TypeError:
        return (image_shape,)


def _levels(image_shape: Sequence[int]) -> Tuple[int, Tuple[int, int]]:
    """(n, base): image_shape's height and width are base * 2**n, n >= 1, min(base) in [4, 7].

    The sides are halved while both are even and their halves at least 4 pixels.
    """
    shape = _shape(image_shape)
    levels, base = 0, shape[:2]
    if len(shape) == 3 and all(
        isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0
        for size in shape
    ):
        while all(side % 2 == 0 and side // 2 >= 4 for side in base):
            levels, base = levels + 1, tuple(side // 2 for side in base)
    if levels < 1 or min(base) > 7:
        raise ValueError(
            f"image_shape {shape} is not (height, width, channels) with sides that halve together, "
            f"at least once, down to a smaller side of 4 to 7 pixels: (28, 28, 1), (32, 32, 3), "
            f"(48, 48, 1), (64, 64, 3), (128, 128, 3) or (32, 64, 3) work."
        )
    return levels, tuple(int(side) for side in base)


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


@keras.saving.register_keras_serializable(package="tfgan")
class GlobalSumPooling2D(keras.layers.Layer):
    """[batch, height, width, channels] -> [batch, channels]: the sum over positions (SNGAN's D)."""

    def call(self, inputs):
        return keras.ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def paper_mlp_generator(
    latent_dim: int = 100, image_shape: Sequence[int] = IMAGE_SHAPE
) -> keras.Model:
    """The 2014 paper's MNIST generator: z -> 1200 ReLU -> 1200 ReLU -> 784, tanh into [-1, 1].

    Raises:
        ValueError: image_shape is not IMAGE_SHAPE.
    """
    check_image_shape("paper_mlp", image_shape)
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(1200, activation="relu")(z)
    h = keras.layers.Dense(1200, activation="relu")(h)
    x = keras.layers.Dense(784, activation="tanh", dtype="float32")(h)
    return keras.Model(z, keras.layers.Reshape(IMAGE_SHAPE, dtype="float32")(x), name="generator")


def paper_mlp_discriminator(
    spectral_norm: bool = False, image_shape: Sequence[int] = IMAGE_SHAPE
) -> keras.Model:
    """The 2014 paper's MNIST discriminator: two maxout layers (240 units x 5 pieces) -> one logit.

    Dropout keeps 80% of the pixels and 50% of each maxout layer's units, as in the paper's code.

    Raises:
        ValueError: image_shape is not IMAGE_SHAPE.
    """
    check_image_shape("paper_mlp", image_shape)
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
    image_shape: Sequence[int] = IMAGE_SHAPE,
) -> keras.Model:
    """A small DCGAN generator: z -> base x (8w at most) -> ... -> 2x (w) -> conv 3x3 -> image.

    The image's sides are halved n times down to a base of 4 to 7 pixels (see
    `check_image_shape`); a dense layer maps z to the base with `width * 2**(n - 1)` channels (at
    most 8 * width), and n strided 4x4 transposed convolutions double the sides back, halving the
    channels each time, the last to the image's channels with tanh. For 28x28x1 (n = 2):
    z -> 7x7x(2w) -> 14x14x(w) -> conv 3x3 -> 28x28x1. Batch norm and ReLU between layers (Radford
    et al. 2016); the 3x3 convolution before the last layer gives G a nonlinear layer more, which
    made the strokes of its digits more coherent per second of CPU time. Built inside a
    tf.distribute scope, batch norm uses the statistics of the global batch (synchronised across
    replicas), as on one device. With num_classes, G([z, y]) concatenates a `label_embedding_dim`
    embedding of y to z and every batch norm is conditional on y.

    Raises:
        ValueError: an image_shape the strides can't make.
    """
    levels, base = _levels(image_shape)
    channels = _dcgan_widths(width, levels)[::-1]  # from the base up
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
    h = normalized_relu(keras.layers.Dense(base[0] * base[1] * channels[0], use_bias=False)(h))
    h = keras.layers.Reshape((*base, channels[0]))(h)
    for filters in channels[1:]:
        h = normalized_relu(
            keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(h)
        )
    h = normalized_relu(keras.layers.Conv2D(channels[-1], 3, padding="same", use_bias=False)(h))
    x = keras.layers.Conv2DTranspose(
        image_shape[-1], 4, strides=2, padding="same", activation="tanh", dtype="float32"
    )(h)
    return keras.Model(z if labels is None else [z, labels], x, name="generator")


def dcgan_discriminator(
    width: int = 32,
    hidden_units: int = 64,
    dropout: float = 0.0,
    spectral_norm: bool = False,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
    image_shape: Sequence[int] = IMAGE_SHAPE,
) -> keras.Model:
    """A small DCGAN discriminator: strided convs down to a 4-7 pixel base, a dense layer, a logit.

    n strided 4x4 convolutions (LeakyReLU 0.2) halve the image's sides down to the base of
    `check_image_shape`, with `width`, 2 * width, ... channels (at most 8 * width): for 28x28 two,
    to 14x14x(w) and 7x7x(2w). The hidden dense layer lets D judge the digit's global shape
    nonlinearly (a logit read linearly off the 7x7 feature map cannot), which raised the share of
    confidently classified samples the most of everything we tried. `dropout` after each
    convolution keeps D from memorising a small training set. With num_classes, D([x, y]) projects
    an embedding of y on the last features ("projection") or stacks an image-sized embedding of y
    onto the image as one more channel ("concat").

    Raises:
        ValueError: an image_shape the strides can't make, or an unknown conditioning.
    """
    check_conditioning(conditioning)
    levels, _ = _levels(image_shape)
    x = keras.Input(image_shape)
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")
    h = x
    if labels is not None and conditioning == "concat":
        h = keras.layers.Concatenate()([h, _label_plane(labels, num_classes, image_shape)])
    for filters in _dcgan_widths(width, levels):
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


def _dcgan_widths(width: int, levels: int) -> List[int]:
    """The DCGAN's channels at 1/2, 1/4, ..., 1/2**levels of the image's side: doubling, capped."""
    return [width * min(2**level, 8) for level in range(levels)]


def _label_plane(labels, num_classes: int, image_shape: Sequence[int]):
    """An image-sized [batch, height, width, 1] embedding of the labels, to concatenate to x."""
    height, width = image_shape[:2]
    plane = label_embedding(num_classes, height * width)(labels)
    return keras.layers.Reshape((height, width, 1))(plane)


def tutorial_dcgan_generator(
    latent_dim: int = 100, image_shape: Sequence[int] = IMAGE_SHAPE
) -> keras.Model:
    """The generator of TensorFlow's DCGAN tutorial: z -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 28x28x1.

    Dense and 5x5 transposed convolutions without biases, each followed by batch norm and LeakyReLU
    (slope 0.3, Keras's default), then a strided transposed convolution to one channel with tanh.

    Raises:
        ValueError: image_shape is not IMAGE_SHAPE.
    """
    check_image_shape("tutorial_dcgan", image_shape)
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


def tutorial_dcgan_discriminator(
    spectral_norm: bool = False, image_shape: Sequence[int] = IMAGE_SHAPE
) -> keras.Model:
    """The TensorFlow DCGAN tutorial's discriminator: 28x28x1 -> 14x14x64 -> 7x7x128 -> one logit.

    Strided 5x5 convolutions, each followed by LeakyReLU (slope 0.3) and dropout 0.3.

    Raises:
        ValueError: image_shape is not IMAGE_SHAPE.
    """
    check_image_shape("tutorial_dcgan", image_shape)
    x = keras.Input(IMAGE_SHAPE)
    h = x
    for filters in (64, 128):
        h = normalized(keras.layers.Conv2D(filters, 5, strides=2, padding="same"), spectral_norm)(h)
        h = keras.layers.Dropout(0.3)(keras.layers.LeakyReLU(0.3)(h))
    logit = normalized(keras.layers.Dense(1, dtype="float32"), spectral_norm)(
        keras.layers.Flatten()(h)
    )
    return keras.Model(x, logit, name="discriminator")


def resnet_generator(
    latent_dim: int = 128,
    image_shape: Sequence[int] = (32, 32, 3),
    width: int = 256,
    num_classes: Optional[int] = None,
) -> keras.Model:
    """The residual generator of SNGAN (Miyato et al. 2018's CIFAR-10 ResNet, as in Mimicry).

    z -> dense to the base of `check_image_shape` (4x4 at 32, 64 and 128 px, 6x6 at 48, 7x7 at
    28) -> one up-block per doubling (3 at 32 px, 4 at 64, 5 at 128) -> batch norm, ReLU, 3x3
    conv, tanh. An up-block is BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3 added to a 1x1 conv of
    its nearest-neighbour upsampled input. Maps up to 8 times the base's side (all of them at
    32 px: the paper's network) have `width` channels; each level above (at 64 and 128 px) half
    the channels of the one below, so every level costs about the same compute. The residual
    convolutions start Glorot-uniform with gain sqrt(2), the others with gain 1, as in the
    paper's code. Built inside a tf.distribute scope, batch norm is synchronized over the global
    batch. With num_classes, G([z, y])'s blocks use batch norm conditional on y (Miyato & Koyama
    2018); the last batch norm is not conditional.

    Raises:
        ValueError: an image_shape the upsampling can't make.
    """
    levels, base = _levels(image_shape)
    channels = _resnet_widths(width, levels)
    synchronized = tf.distribute.has_strategy()
    z = keras.Input((latent_dim,))
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")

    def normalized_relu(h, conditional=True):
        if labels is None or not conditional:
            h = keras.layers.BatchNormalization(synchronized=synchronized)(h)
        else:
            h = ConditionalBatchNormalization(num_classes, synchronized)([h, labels])
        return keras.layers.ReLU()(h)

    h = keras.layers.Dense(base[0] * base[1] * channels[levels])(z)
    h = keras.layers.Reshape((*base, channels[levels]))(h)
    for level in reversed(range(levels)):
        filters = channels[level]
        shortcut = keras.layers.Conv2D(filters, 1)(keras.layers.UpSampling2D()(h))
        h = keras.layers.UpSampling2D()(normalized_relu(h))
        h = normalized_relu(_residual_conv(filters)(h))
        h = keras.layers.Add()([shortcut, _residual_conv(filters)(h)])
    x = keras.layers.Conv2D(image_shape[-1], 3, padding="same", activation="tanh", dtype="float32")(
        normalized_relu(h, conditional=False)
    )
    return keras.Model(z if labels is None else [z, labels], x, name="generator")


def resnet_discriminator(
    image_shape: Sequence[int] = (32, 32, 3),
    width: int = 128,
    spectral_norm: bool = True,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
) -> keras.Model:
    """The residual discriminator of SNGAN (Miyato et al. 2018's CIFAR-10 ResNet, as in Mimicry).

    An optimized first block (conv3x3-ReLU-conv3x3-avgpool plus avgpool-conv1x1), down-blocks
    (ReLU-conv3x3-ReLU-conv3x3-avgpool plus conv1x1-avgpool) until the smaller side is 8 pixels or
    less (32 -> 16 -> 8; 28 -> 7, 48 -> 6, 64 and 128 -> 8), two blocks without downsampling
    (identity shortcut), ReLU, a sum over positions and a dense logit. Each block's convolutions
    have the channels of `resnet_generator`'s maps of their size: `width` at 32 px; at 64 and
    128 px half as many per level above the 32 px network's. Every convolution and the dense layer
    are spectrally normalized unless spectral_norm=False (the label embeddings are not). With
    num_classes, D([x, y]) adds the projection of an embedding of y on the pooled features
    ("projection", Miyato & Koyama 2018) or stacks an image-sized embedding of y onto the image
    ("concat").

    Raises:
        ValueError: an image_shape the generator can't make, or an unknown conditioning.
    """
    check_conditioning(conditioning)
    levels, _ = _levels(image_shape)
    channels = _resnet_widths(width, levels)
    downsamplings, side = 1, min(image_shape[:2]) // 2
    while side > 8:
        downsamplings, side = downsamplings + 1, side // 2
    x = keras.Input(image_shape)
    labels = None if num_classes is None else keras.Input((), dtype="int32", name="labels")

    def conv(filters, size=3):
        layer = _residual_conv(filters) if size == 3 else keras.layers.Conv2D(filters, 1)
        return normalized(layer, spectral_norm)

    def block(h, filters, downsample):
        shortcut = h
        if downsample or h.shape[-1] != filters:
            shortcut = conv(filters, 1)(h)
            if downsample:
                shortcut = keras.layers.AveragePooling2D(2)(shortcut)
        h = conv(filters)(keras.layers.ReLU()(h))
        h = conv(filters)(keras.layers.ReLU()(h))
        if downsample:
            h = keras.layers.AveragePooling2D(2)(h)
        return keras.layers.Add()([shortcut, h])

    h = x
    if labels is not None and conditioning == "concat":
        h = keras.layers.Concatenate()([h, _label_plane(labels, num_classes, image_shape)])
    shortcut = conv(channels[0], 1)(keras.layers.AveragePooling2D(2)(h))
    h = keras.layers.ReLU()(conv(channels[0])(h))
    h = keras.layers.AveragePooling2D(2)(conv(channels[0])(h))
    h = keras.layers.Add()([shortcut, h])
    for level in range(1, downsamplings):
        h = block(h, channels[level], downsample=True)
    for _ in range(2):
        h = block(h, channels[downsamplings], downsample=False)
    h = GlobalSumPooling2D(dtype="float32")(keras.layers.ReLU()(h))
    logit = normalized(keras.layers.Dense(1, dtype="float32"), spectral_norm)(h)
    if labels is not None and conditioning == "projection":
        logit = projected(logit, h, labels, num_classes)
    return keras.Model(x if labels is None else [x, labels], logit, name="discriminator")


def _resnet_widths(width: int, levels: int) -> List[int]:
    """The ResNet's channels at 1, 1/2, ..., 1/2**levels of the image's side.

    `width` on maps up to 8 times the base's side (all of them at 32 px), half as many per level
    above, so that every level costs about the same compute.
    """
    return [max(1, width // 2 ** max(0, levels - 3 - level)) for level in range(levels + 1)]


def _residual_conv(filters: int) -> keras.layers.Layer:
    """A 3x3 convolution of a residual branch, Glorot-uniform with gain sqrt(2) (SNGAN's code)."""
    return keras.layers.Conv2D(
        filters, 3, padding="same", kernel_initializer=_residual_initializer()
    )


def _residual_initializer() -> keras.initializers.Initializer:
    """Glorot uniform with gain sqrt(2): variance 2 / (fan_in + fan_out); a new seed per call."""
    return keras.initializers.VarianceScaling(2.0, mode="fan_avg", distribution="uniform")


IMAGE_ARCHITECTURES = {
    "dcgan": (dcgan_generator, dcgan_discriminator),
    "paper_mlp": (paper_mlp_generator, paper_mlp_discriminator),
    "resnet": (resnet_generator, resnet_discriminator),
    "tutorial_dcgan": (tutorial_dcgan_generator, tutorial_dcgan_discriminator),
}


CONDITIONAL_ARCHITECTURES = ("dcgan", "resnet")
"""The image architectures with a conditional version (num_classes=)."""


def image_gan_networks(
    arch: str,
    latent_dim: int,
    spectral_norm: Optional[bool] = None,
    num_classes: Optional[int] = None,
    conditioning: str = "projection",
    image_shape: Sequence[int] = IMAGE_SHAPE,
) -> Tuple[keras.Model, keras.Model]:
    """(generator, discriminator) of the named architecture at its default widths.

    Args:
        arch: a key of IMAGE_ARCHITECTURES.
        latent_dim: the size of z.
        spectral_norm: spectral norm in D; None: the architecture's default (on for resnet only).
        num_classes: K for networks conditional on integer labels in [0, K) (arch in
            CONDITIONAL_ARCHITECTURES); None: unconditional.
        conditioning: how a conditional D sees the label, one of CONDITIONINGS.
        image_shape: (height, width, channels) of the images, in [-1, 1]; see `check_image_shape`.

    Returns:
        The generator, z (or [z, y]) -> images, and the discriminator, images (or [images, y]) ->
        one float32 logit per image.

    Raises:
        ValueError: an unknown arch, a conditional arch without a conditional version, or an
            image_shape the arch can't take.
    """
    if arch not in IMAGE_ARCHITECTURES:
        raise ValueError(f"Unknown arch {arch!r}: choose one of {sorted(IMAGE_ARCHITECTURES)}.")
    if num_classes is not None and arch not in CONDITIONAL_ARCHITECTURES:
        raise ValueError(
            f"arch {arch!r} has no conditional version: choose one of {CONDITIONAL_ARCHITECTURES}."
        )
    check_image_shape(arch, image_shape)
    make_generator, make_discriminator = IMAGE_ARCHITECTURES[arch]
    d_options = {} if spectral_norm is None else {"spectral_norm": spectral_norm}
    if num_classes is None:
        return (
            make_generator(latent_dim, image_shape=image_shape),
            make_discriminator(image_shape=image_shape, **d_options),
        )
    return (
        make_generator(latent_dim, num_classes=num_classes, image_shape=image_shape),
        make_discriminator(
            image_shape=image_shape, num_classes=num_classes, conditioning=conditioning, **d_options
        ),
    )
