"""A small CNN digit classifier whose penultimate layer and logits serve as features for metrics.

Inception weights cannot be downloaded everywhere and suit 28x28 grey digits badly, so tfgan trains
its own feature network on the dataset's train split (MNIST or Fashion-MNIST), deterministically
from a seed, and caches it as a .keras file: `load_or_train` loads the cache or trains on demand,
and `features_and_logits` turns images in [-1, 1] into the features of the Fréchet and kernel
distances and precision/recall, and the logits of the classifier score.
"""

import logging
import math
import os
from typing import Optional, Tuple, Union

import keras
import numpy as np

from tfgan import data, runs

CACHE_DIR_ENV = "TFGAN_CLASSIFIER_DIR"
"""Environment variable that overrides the default cache directory ~/.cache/tfgan."""

FEATURES_LAYER = "features"
DEFAULT_STEPS = 1400
"""Default training length: 3 epochs of the 60k MNIST train split at batch 128, 18 of the test."""
DEFAULT_WIDTH = 32
_SPLIT_CHARACTERS = str.maketrans({"[": "_", "]": "", ":": "-", "%": "pct"})

_logger = logging.getLogger(__name__)


def build(num_classes: int = 10, width: int = DEFAULT_WIDTH, seed: int = 0) -> keras.Model:
    """An untrained CNN for [batch, 28, 28, 1] images in [-1, 1] that outputs class logits.

    Two blocks of two 3x3 convolutions (`width` then 2 * `width` filters, 'valid' padding, batch
    norm with momentum 0.9 so that its statistics settle within a short run, ReLU) and a 2x2 max
    pool, then a dense ReLU layer of 4 * `width` units named "features" (the penultimate layer),
    dropout 0.4, and `num_classes` logits. Every initializer and the dropout are seeded from
    `seed`, so the same seed builds and trains the same network without touching global random
    state.

    Args:
        num_classes: number of logits.
        width: filters of the first convolutions; the network's size scales with it.
        seed: seeds the initial weights and the dropout masks.

    Returns:
        An uncompiled `keras.Model` named "classifier".
    """
    seeds = iter(range(seed * 100, seed * 100 + 100))

    def initializer():
        return keras.initializers.GlorotUniform(seed=next(seeds))

    inputs = keras.Input((28, 28, 1))
    h = inputs
    for filters in (width, 2 * width):
        for _ in range(2):
            h = keras.layers.Conv2D(filters, 3, use_bias=False, kernel_initializer=initializer())(h)
            h = keras.layers.BatchNormalization(momentum=0.9)(h)
            h = keras.layers.ReLU()(h)
        h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(
        4 * width, activation="relu", kernel_initializer=initializer(), name=FEATURES_LAYER
    )(h)
    h = keras.layers.Dropout(0.4, seed=next(seeds))(h)
    logits = keras.layers.Dense(
        num_classes, kernel_initializer=initializer(), dtype="float32", name="logits"
    )(h)
    return keras.Model(inputs, logits, name="classifier")


def train(
    dataset: str = "mnist",
    split: str = "train",
    data_dir: Optional[Union[str, os.PathLike]] = None,
    epochs: Optional[int] = None,
    width: int = DEFAULT_WIDTH,
    batch_size: int = 128,
    learning_rate: float = 2e-3,
    seed: int = 0,
    verbose: Union[int, str] = 0,
) -> keras.Model:
    """Builds and trains the classifier on a split of MNIST or Fashion-MNIST.

    Adam with the learning rate cosine-decayed to 0 over the run, cross-entropy from logits,
    the split reshuffled every epoch with `seed`. With the same seed, data and machine the weights
    come out the same (on CPU; call tf.config.experimental.enable_op_determinism() on GPU).

    Args:
        dataset: 'mnist' or 'fashion_mnist'.
        split: tfds split syntax, e.g. 'train', 'train[:50000]'.
        data_dir: directory of IDX files; None: tfgan's MNIST test split or tfds (tfgan.data.mnist).
        epochs: passes over the split; None: enough for `DEFAULT_STEPS` steps, so that a small
            split (e.g. 10k test digits) trains as long as the 60k train split.
        width: see `build`.
        batch_size: images per step.
        learning_rate: initial Adam learning rate.
        seed: seeds the weights, dropout and shuffling.
        verbose: passed to `fit` (0 silent, 1 progress bar, 2 one line per epoch).

    Returns:
        The trained model, compiled with an accuracy metric.

    Raises:
        ValueError, FileNotFoundError: as tfgan.data.mnist.
    """
    images = data.mnist(
        split,
        batch_size=batch_size,
        dataset=dataset,
        data_dir=data_dir,
        with_labels=True,
        seed=seed,
        drop_remainder=False,
    )
    steps_per_epoch = int(images.cardinality())
    epochs = epochs or math.ceil(DEFAULT_STEPS / steps_per_epoch)
    model = build(width=width, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(images, epochs=epochs, verbose=verbose, shuffle=False)
    return model


def default_dir() -> str:
    """The cache directory: $TFGAN_CLASSIFIER_DIR if set, else ~/.cache/tfgan."""
    return os.environ.get(CACHE_DIR_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "tfgan")


def cache_path(
    dataset: str = "mnist", split: str = "train", classifier_dir: Optional[str] = None
) -> str:
    """Where the classifier trained on `split` of `dataset` is cached.

    The name keys the dataset and the training split, e.g. `mnist_train.keras`,
    `mnist_test_-8000.keras` for 'test[:8000]'.

    Args:
        dataset: 'mnist' or 'fashion_mnist'.
        split: the training split, in tfds syntax.
        classifier_dir: the cache directory; None for `default_dir()`.
    """
    split_name = "".join(split.split()).translate(_SPLIT_CHARACTERS)
    return os.path.join(classifier_dir or default_dir(), f"{dataset}_{split_name}.keras")


def save(model: keras.Model, path: str) -> None:
    """Writes the model to path (a .keras file) atomically: a crash leaves no half-written cache."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    runs.write_atomically(path, model.save)


def load_or_train(
    dataset: str = "mnist",
    split: str = "train",
    data_dir: Optional[Union[str, os.PathLike]] = None,
    classifier_dir: Optional[str] = None,
    epochs: Optional[int] = None,
    width: int = DEFAULT_WIDTH,
    seed: int = 0,
    verbose: Union[int, str] = 0,
) -> keras.Model:
    """The cached classifier for (dataset, split), trained and cached first if there is none.

    Training logs (and with verbose, prints) that it happens and where the model goes; the
    training arguments only matter then: a cached model is returned as it is.

    Args:
        dataset: 'mnist' or 'fashion_mnist'.
        split: the training split, in tfds syntax.
        data_dir: directory of IDX files; None loads with tensorflow_datasets.
        classifier_dir: the cache directory; None for `default_dir()`.
        epochs, width, seed: as in `train`.
        verbose: 0 silent; otherwise says that it trains and shows `fit`'s progress.

    Returns:
        The classifier (logits model); pass it to `features_and_logits`.

    Raises:
        ValueError, FileNotFoundError: the training data cannot be loaded (see tfgan.data.mnist).
    """
    path = cache_path(dataset, split, classifier_dir)
    if os.path.exists(path):
        return keras.models.load_model(path, compile=False)
    message = f"No classifier cached at {path}: training one on {dataset} {split!r}."
    _logger.info(message)
    if verbose:
        print(message)
    model = train(dataset, split, data_dir, epochs=epochs, width=width, seed=seed, verbose=verbose)
    save(model, path)
    if verbose:
        print(f"Cached the classifier at {path}")
    return model


def features_and_logits(
    model: keras.Model, images, batch_size: int = 1000
) -> Tuple[np.ndarray, np.ndarray]:
    """The penultimate-layer features and the logits of images, batch_size images at a time.

    Args:
        model: a classifier from `build`, `train` or `load_or_train`.
        images: [n, 28, 28, 1] (or [n, 28, 28]) images in [-1, 1].
        batch_size: images per forward pass (inference mode), to bound memory.

    Returns:
        (features, logits): float32 arrays of shapes [n, 4 * width] and [n, num_classes].

    Raises:
        ValueError: images of another shape.
    """
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.shape[1:] != (28, 28, 1) or len(images) == 0:
        raise ValueError(f"Expected images of shape [n, 28, 28, 1] with n > 0, got {images.shape}.")
    both = keras.Model(model.input, [model.get_layer(FEATURES_LAYER).output, model.outputs[0]])
    features, logits = [], []
    for start in range(0, len(images), batch_size):
        f, g = both(images[start : start + batch_size], training=False)
        features.append(keras.ops.convert_to_numpy(f))
        logits.append(keras.ops.convert_to_numpy(g))
    return np.concatenate(features), np.concatenate(logits)


def accuracy(model: keras.Model, images, labels, batch_size: int = 1000) -> float:
    """Share of images (in [-1, 1]) whose largest logit is their label."""
    _, logits = features_and_logits(model, images, batch_size)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))
