"""Samples of a generator: the prior p(z), examples G(z) or G(z, y), labels, saved generators.

What `tfgan.GAN.generate` runs, and what a user of a saved generator.keras or gan.keras needs
without the GAN that trained it (`bin/sample.py` and `bin/evaluate.py` are two):

    generator, noise = tfgan.sampling.load_generator("runs/cmnist/gan.keras")
    num_classes = tfgan.sampling.generator_num_classes(generator)
    labels = tfgan.sampling.labels_from_spec("7", 100, num_classes)
    sevens = tfgan.sampling.generate(generator, 100, noise, seed=0, labels=labels)
"""

import os
from typing import Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

NOISES = ("normal", "uniform")
"""The priors p(z): standard normal, or uniform on [-1, 1] (`GAN(noise=...)`)."""


def sample_noise(batch_size, latent_dim: int, noise: str = "normal", seed=None):
    """[batch_size, latent_dim] draws from the prior p(z): standard normal, or uniform on [-1, 1].

    Args:
        batch_size: number of noise vectors.
        latent_dim: size of each.
        noise: "normal" or "uniform".
        seed: a keras.random seed (int, SeedGenerator or None) or a [2] int32 tensor for
            TensorFlow's stateless random ops.
    """
    shape = (batch_size, latent_dim)
    if tf.is_tensor(seed):
        if noise == "uniform":
            return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)
        return tf.random.stateless_normal(shape, seed)
    if noise == "uniform":
        return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def generate(
    generator: keras.Model,
    n: int,
    noise: str = "normal",
    seed=None,
    batch_size: int = 1024,
    labels=None,
    latent_dim: Optional[int] = None,
) -> np.ndarray:
    """n examples G(z) (or G(z, labels)) from a generator, z ~ p(z), as NumPy.

    Args:
        generator: a generator network.
        n: number of examples.
        noise: the prior it was trained with, "normal" or "uniform".
        seed: an integer gives the same examples every time.
        batch_size: examples per generator call.
        labels: n integer labels for a conditional generator.
        latent_dim: size of z (default: read off a Functional generator's input).
    """
    if latent_dim is None:
        latent_dim = _noise_input_shape(generator)[-1]
    z = sample_noise(n, latent_dim, noise, seed)
    inputs = z if labels is None else [z, np.asarray(labels, np.int32)]
    return generator.predict(inputs, batch_size=batch_size, verbose=0)


def generate_finite(
    generator: keras.Model,
    n: int,
    noise: str = "normal",
    seed=None,
    labels=None,
    source: Optional[str] = None,
) -> np.ndarray:
    """`generate`, or ValueError if any sample is not finite (the generator's training diverged).

    Args:
        generator, n, noise, seed, labels: as for `generate`.
        source: what the error calls the generator, e.g. the file it was loaded from (default: its
            name).

    Raises:
        ValueError: a value of the samples is NaN or infinite.
    """
    samples = generate(generator, n, noise, seed=seed, labels=labels)
    if not np.isfinite(samples).all():
        raise ValueError(
            f"{source or repr(generator.name)} makes samples that are not finite "
            f"({np.mean(~np.isfinite(samples)):.0%} of their values): its training diverged; train "
            "it again with a lower learning rate."
        )
    return samples


def balanced_labels(n: int, num_classes: int) -> np.ndarray:
    """n labels with an equal number of each class: 0, 1, ..., num_classes - 1, 0, 1, ..."""
    return np.arange(n, dtype=np.int32) % num_classes


def check_labels(labels, num_classes: int) -> np.ndarray:
    """labels as an int32 array, or ValueError naming the first one outside [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(
            f"labels must be a 1-D array of integer class indices, got {labels.dtype} of shape "
            f"{labels.shape}."
        )
    outside = labels[(labels < 0) | (labels >= num_classes)]
    if outside.size:
        raise ValueError(
            f"label {outside[0]} is outside [0, {num_classes}): labels are class indices of a "
            f"{num_classes}-class GAN."
        )
    return labels.astype(np.int32)


def parse_labels(spec: str) -> Optional[Tuple[int, ...]]:
    """The classes a labels string names: None for "balanced", (7,) for "7", (0, 1, 2) for "0,1,2".

    Raises:
        ValueError: spec is none of these.
    """
    if spec == "balanced":
        return None
    try:
        return tuple(int(label) for label in spec.split(","))
    except ValueError:
        raise ValueError(
            f"labels={spec!r}: give 'balanced', a class ('7') or comma-separated classes ('0,1,2')."
        ) from None


def labels_from_spec(
    spec: Optional[str], n: int, num_classes: Optional[int], source: str = "the generator"
) -> Optional[np.ndarray]:
    """The labels of n samples of a generator of num_classes classes, as a labels string asks.

    Args:
        spec: None or "balanced" (`balanced_labels`), a class ("7") or comma-separated classes
            ("0,1,2", repeated to n).
        n: number of samples.
        num_classes: the generator's classes (`generator_num_classes`); None: unconditional.
        source: what errors call the generator, e.g. the file it was loaded from.

    Returns:
        n int32 labels, or None for an unconditional generator.

    Raises:
        ValueError: labels for an unconditional generator, a bad spec, or a class outside
            [0, num_classes).
    """
    if num_classes is None:
        if spec is not None:
            raise ValueError(
                f"labels={spec!r} needs a conditional generator; {source} takes no labels."
            )
        return None
    classes = None if spec is None else parse_labels(spec)
    if classes is None:
        return balanced_labels(n, num_classes)
    return check_labels(np.resize(classes, n), num_classes)


def generator_num_classes(generator: keras.Model) -> Optional[int]:
    """K of a conditional generator built by tfgan.networks (its label embedding's rows), or None
    for an unconditional one (one input)."""
    if len(getattr(generator, "inputs", None) or []) < 2:
        return None
    embeddings = [
        layer for layer in generator._flatten_layers() if isinstance(layer, keras.layers.Embedding)
    ]
    if not embeddings:
        raise ValueError(
            f"{generator.name!r} takes labels but has no label embedding to tell its number of "
            "classes: save the GAN (gan.keras), which records it."
        )
    return embeddings[0].input_dim


def load_generator(path: str, noise: str = "normal") -> Tuple[keras.Model, str]:
    """(generator, noise) of a saved generator.keras, or of a gan.keras (which knows its noise).

    A gan.keras gives the generator the GAN samples from: the averaged one if it keeps an average.

    Args:
        path: a .keras file written by `GAN.save` or by `generator.save`.
        noise: the prior a bare generator was trained with.

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: the file is not a Keras model, or the model is not a generator (an input of
            noise vectors, [batch, latent_dim], and for a conditional one a second of labels,
            [batch]).
    """
    from tfgan import gan as gan_lib  # here, not at the top: tfgan.gan imports this module

    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"no generator file {path!r}: give a saved generator.keras or gan.keras."
        )
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises several types for files it can't read
        reason = " ".join(str(error).split())[:200]
        raise ValueError(
            f"{path} is not a Keras model file that loads ({type(error).__name__}: {reason}): "
            "give a generator.keras or gan.keras written by tfgan."
        ) from error
    if isinstance(model, gan_lib.GAN):
        model, noise = model.sampling_generator, model.noise
    inputs = getattr(model, "inputs", None) or []
    shapes = [tuple(tensor.shape) for tensor in inputs]
    noise_then_labels = len(shapes) == 2 and len(shapes[0]) == 2 and len(shapes[1]) == 1
    if not (len(shapes) == 1 and len(shapes[0]) == 2) and not noise_then_labels:
        described = ", ".join(str(shape) for shape in shapes) or "unknown"
        raise ValueError(
            f"{path} holds a model whose inputs ({described}) are not noise vectors "
            "[batch, latent_dim] (and labels [batch]): give a generator.keras or gan.keras."
        )
    return model, noise


def _noise_input_shape(generator):
    inputs = getattr(generator, "inputs", None)
    if not inputs:
        raise ValueError(
            f"Can't tell the latent size of {generator.name!r} (not a Functional model): "
            "pass latent_dim=."
        )
    return tuple(inputs[0].shape)
