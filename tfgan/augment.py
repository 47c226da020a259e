"""Differentiable augmentation of what D sees, so that it can't memorise a small dataset.

D sees T(x) for real and T(G(z)) for generated images, in both players' updates and in the
regularizers' critic; T is differentiable, so G learns through it, and because D only ever sees
augmented images of both kinds, G is not pushed to draw augmented images. `DiffAugment` applies a
fixed policy to every image (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
Training"); `AdaptiveAugment` applies each transformation with a probability p that follows D's
overfitting (Karras et al. 2020, "Training Generative Adversarial Networks with Limited Data").
`tfgan.GAN(..., augment=...)` takes either, or a subclass of `Augment`.

Images are [batch, height, width, channels] in [-1, 1]; each transformation draws its randomness per
example from the [2] int32 seed it is given (stateless ops), which the GAN takes from its seed
stream.
"""

from typing import Dict, Sequence

import keras
import tensorflow as tf

from tfgan import distribute


def brightness(images, seed):
    """Adds one uniform offset in [-0.5, 0.5) per image (DiffAugment's rand_brightness)."""
    offset = tf.random.stateless_uniform(_per_image(images), seed, dtype=images.dtype) - 0.5
    return images + offset


def saturation(images, seed):
    """Scales each image's deviation from its per-pixel channel mean by a factor ~ U in [0, 2)."""
    mean = tf.reduce_mean(images, axis=3, keepdims=True)
    factor = tf.random.stateless_uniform(_per_image(images), seed, dtype=images.dtype) * 2.0
    return (images - mean) * factor + mean


def contrast(images, seed):
    """Scales each image's deviation from its mean by a uniform factor in [0.5, 1.5)."""
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    factor = tf.random.stateless_uniform(_per_image(images), seed, dtype=images.dtype) + 0.5
    return (images - mean) * factor + mean


def color(images, seed):
    """brightness, then saturation, then contrast: DiffAugment's "color"."""
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    for transform, transform_seed in zip((brightness, saturation, contrast), seeds):
        images = transform(images, transform_seed)
    return images


def translation(images, seed, ratio: float = 0.125):
    """Shifts each image by whole pixels, up to ratio * its size each way, filling with zeros."""
    height, width = images.shape[1], images.shape[2]
    row_seed, column_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    shifted = images
    for axis, size, axis_seed in ((1, height, row_seed), (2, width, column_seed)):
        limit = int(size * ratio + 0.5)
        shift = tf.random.stateless_uniform(
            tf.shape(images)[:1], axis_seed, minval=-limit, maxval=limit + 1, dtype=tf.int32
        )
        padding = [[0, 0]] * 4
        padding[axis] = [limit, limit]
        padded = tf.pad(shifted, padding)
        # Output pixel i reads input pixel i - shift, which sits at i - shift + limit in `padded`.
        indices = tf.range(size)[None, :] - shift[:, None] + limit
        shifted = tf.gather(padded, indices, axis=axis, batch_dims=1)
    return shifted


def cutout(images, seed, ratio: float = 0.5):
    """Sets a square of ratio * the image's size to zero at a uniform position in each image (the
    square may overhang the border)."""
    height, width = images.shape[1], images.shape[2]
    cut_height, cut_width = int(height * ratio + 0.5), int(width * ratio + 0.5)
    row_seed, column_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    batch = tf.shape(images)[:1]

    def inside(size, cut, axis_seed):
        center = tf.random.stateless_uniform(
            batch, axis_seed, minval=0, maxval=size + (1 - cut % 2), dtype=tf.int32
        )
        start = center - cut // 2
        position = tf.range(size)[None, :]
        return (position >= start[:, None]) & (position < start[:, None] + cut)

    rows = inside(height, cut_height, row_seed)[:, :, None]
    columns = inside(width, cut_width, column_seed)[:, None, :]
    keep = tf.cast(tf.logical_not(rows & columns), images.dtype)
    return images * keep[..., None]


def flip(images, seed):
    """Mirrors each image left to right with probability 1/2 (ADA's x-flip)."""
    flipped = tf.random.stateless_uniform(_per_image(images), seed) < 0.5
    return tf.where(flipped, tf.reverse(images, axis=[2]), images)


def rotate90(images, seed):
    """Rotates each (square) image by 0, 90, 180 or 270 degrees, uniformly (ADA's rotate90)."""
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"rotate90 needs square images, got {images.shape[1]}x{images.shape[2]}.")
    turns = tf.random.stateless_uniform(_per_image(images), seed, maxval=4, dtype=tf.int32)
    transposed = tf.transpose(images, [0, 2, 1, 3])
    rotations = (  # counterclockwise by 90, 180 and 270 degrees, as np.rot90 with k = 1, 2, 3
        tf.reverse(transposed, axis=[1]),
        tf.reverse(images, axis=[1, 2]),
        tf.reverse(transposed, axis=[2]),
    )
    rotated = images
    for k, rotation in enumerate(rotations, start=1):
        rotated = tf.where(tf.equal(turns, k), rotation, rotated)
    return rotated


TRANSFORMS = {
    "color": color,
    "translation": translation,
    "cutout": cutout,
    "flip": flip,
    "rotate90": rotate90,
}
"""The transformations a policy names, each f(images, seed) -> images."""


def parse_policy(policy: str) -> tuple:
    """('color', 'translation', ...) of a comma-separated policy; ValueError names a bad name."""
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    unknown = [name for name in names if name not in TRANSFORMS]
    if unknown or not names:
        raise ValueError(
            f"Unknown augmentation {unknown[0] if unknown else policy!r} in policy {policy!r}: "
            f"give comma-separated names from {', '.join(TRANSFORMS)}."
        )
    return names


def apply_policy(images, seed, transforms: Sequence[str], probability):
    """Applies each named transformation in turn, to each image with the given probability.

    Args:
        images: [batch, height, width, channels].
        seed: a [2] int32 seed; each transformation and each choice draws from its own split of it.
        transforms: names from `TRANSFORMS`.
        probability: a scalar in [0, 1]; 0 returns the images unchanged.
    """
    if images.shape.rank != 4:
        raise ValueError(
            f"Augmentation transforms images [batch, height, width, channels], got shape "
            f"{tuple(images.shape)}: use augment= with image GANs only."
        )
    probability = tf.cast(probability, tf.float32)
    seeds = tf.random.experimental.stateless_split(seed, 2 * len(transforms))
    for i, name in enumerate(transforms):
        transformed = TRANSFORMS[name](images, seeds[2 * i])
        chosen = tf.random.stateless_uniform(_per_image(images), seeds[2 * i + 1]) < probability
        images = tf.where(chosen, transformed, images)
    return images


@keras.saving.register_keras_serializable(package="tfgan")
class Augment(keras.layers.Layer):
    """Base class of an augmentation of D's input, applied by `tfgan.GAN(augment=...)` in training.

    Subclasses implement `call(images, seed)`, differentiable in the images and random only through
    the [2] int32 seed (stateless ops), and may adapt to D: `observe` sees D's logits of each D
    update's real images and returns logs under exactly the keys the class declares in `log_keys`
    (the GAN makes a tracker for each when it is built). State kept in weights is saved and
    restored with the GAN.
    """

    log_keys: Sequence[str] = ()

    def call(self, images, seed):
        raise NotImplementedError(f"{type(self).__name__} must implement call(images, seed).")

    def observe(self, real_logits) -> Dict[str, tf.Tensor]:
        """Sees D's logits of one D update's real images; returns {log key: value} (none here)."""
        return {}

    def compute_output_shape(self, input_shape, seed_shape=None):
        return input_shape


@keras.saving.register_keras_serializable(package="tfgan")
class DiffAugment(Augment):
    """DiffAugment (Zhao et al. 2020): the policy's transformations applied to every image.

    The paper's recommended policy for images is "color,translation,cutout" (for 100% of the images,
    `probability=1`).

    Args:
        policy: comma-separated names from `TRANSFORMS`.
        probability: the share of images each transformation is applied to (0: identity).
    """

    def __init__(
        self, policy: str = "color,translation,cutout", probability: float = 1.0, **kwargs
    ):
        super().__init__(**kwargs)
        self.transforms = parse_policy(policy)
        if not 0 <= probability <= 1:
            raise ValueError(f"probability must be in [0, 1], got {probability!r}.")
        self.probability = float(probability)

    def call(self, images, seed):
        return apply_policy(images, seed, self.transforms, self.probability)

    def get_config(self):
        policy = ",".join(self.transforms)
        return {**super().get_config(), "policy": policy, "probability": self.probability}


@keras.saving.register_keras_serializable(package="tfgan")
class AdaptiveAugment(Augment):
    """Adaptive discriminator augmentation (ADA, Karras et al. 2020): p follows D's overfitting.

    The overfitting signal is r_t = E[sign D(x_real)] over `interval` D updates: 0 when D can't tell
    real from generated images, 1 when it is sure of every real one. After each interval, p moves by
    sign(r_t - target) * (images in the interval) / `speed_images`, clipped to [0, 1]: up when D
    overfits (r_t > target), down otherwise. The paper's target is 0.6, its speed 500k images for
    p to go from 0 to 1, its interval 4 updates. Logs `augment_p` and `d_overfit` (the last r_t);
    p and the interval's running sums are weights, saved and restored with the GAN.

    The transformations are this module's (ADA's x-flip, 90-degree rotations and integer
    translation; DiffAugment's color and cutout), each applied to each image with probability p,
    which keeps D from seeing only augmented images while p < 0.8, so G learns the data, not the
    augmentation.

    Args:
        target: the r_t that p aims for.
        policy: comma-separated names from `TRANSFORMS`.
        speed_images: images (summed over replicas) for p to move by 1.
        interval: D updates between adjustments.
        initial_p: p at the start.
    """

    log_keys = ("augment_p", "d_overfit")
    TARGET, SPEED_IMAGES = 0.6, 500_000

    def __init__(
        self,
        target: float = TARGET,
        policy: str = "flip,rotate90,translation,color",
        speed_images: float = SPEED_IMAGES,
        interval: int = 4,
        initial_p: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.transforms = parse_policy(policy)
        if not 0 <= target <= 1:
            raise ValueError(f"target must be in [0, 1], got {target!r}.")
        if not speed_images > 0:
            raise ValueError(f"speed_images must be positive, got {speed_images!r}.")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be a positive integer, got {interval!r}.")
        if not 0 <= initial_p <= 1:
            raise ValueError(f"initial_p must be in [0, 1], got {initial_p!r}.")
        self.target = float(target)
        self.speed_images = float(speed_images)
        self.interval = interval
        self.initial_p = float(initial_p)
        state = dict(trainable=False, autocast=False, dtype="float32")
        self.p = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(initial_p), name="p", **state
        )
        self.signs = self.add_weight(shape=(), initializer="zeros", name="sign_sum", **state)
        self.images = self.add_weight(shape=(), initializer="zeros", name="images", **state)
        self.updates = self.add_weight(shape=(), initializer="zeros", name="updates", **state)
        self.overfit = self.add_weight(shape=(), initializer="zeros", name="d_overfit", **state)
        self.built = True

    def call(self, images, seed):
        return apply_policy(images, seed, self.transforms, self.p)

    def observe(self, real_logits):
        """Adds this update's sign D(x) (summed over the global batch); adjusts p every interval."""
        signs = tf.sign(tf.cast(tf.reshape(real_logits, [-1]), tf.float32))
        means, counts = distribute.global_means({"signs": signs})
        self.signs.assign_add(means["signs"] * counts["signs"])
        self.images.assign_add(counts["signs"])
        self.updates.assign_add(1.0)
        due = tf.equal(tf.math.floormod(self.updates, self.interval), 0.0)
        overfit = self.signs / tf.maximum(self.images, 1.0)
        step = tf.sign(overfit - self.target) * self.images / self.speed_images
        self.p.assign(tf.where(due, tf.clip_by_value(self.p + step, 0.0, 1.0), self.p))
        self.overfit.assign(tf.where(due, overfit, self.overfit))
        self.signs.assign(tf.where(due, 0.0, self.signs))
        self.images.assign(tf.where(due, 0.0, self.images))
        return {"augment_p": tf.identity(self.p), "d_overfit": tf.identity(self.overfit)}

    def get_config(self):
        return {
            **super().get_config(),
            "policy": ",".join(self.transforms),
            "target": self.target,
            "speed_images": self.speed_images,
            "interval": self.interval,
            "initial_p": self.initial_p,
        }


def get(augment):
    """The Augment of what `tfgan.GAN(augment=...)` takes: None, "diff", "adaptive", an Augment."""
    if augment is None or isinstance(augment, Augment):
        return augment
    if augment == "diff":
        return DiffAugment()
    if augment == "adaptive":
        return AdaptiveAugment()
    raise ValueError(
        f"augment must be None, 'diff', 'adaptive' or a tfgan.augment.Augment, got {augment!r}."
    )


def _per_image(images):
    """The shape [batch, 1, 1, 1] of one random value per image."""
    return tf.concat([tf.shape(images)[:1], [1, 1, 1]], axis=0)
