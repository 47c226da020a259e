"""tf.data pipelines of real examples for GAN training."""

import gzip
import math
import os
import re
import socket
import struct
import urllib.parse
import urllib.request
import zlib
from typing import List, Optional, Tuple, Union

import numpy as np
import tensorflow as tf


def circle(
    batch_size: int,
    radius: float = 1.0,
    noise_std: float = 0.0,
    seed: Optional[int] = None,
    start_batch: int = 0,
) -> tf.data.Dataset:
    """An endless dataset of [batch_size, 2] points spread uniformly in angle on a circle.

    Each batch is drawn in-graph with stateless random ops keyed by (seed, batch index), so the same
    seed gives the same stream and sampling costs one op per batch, never a Python call per point.

    Args:
        batch_size: points per batch.
        radius: the circle's radius.
        noise_std: standard deviation of Gaussian noise added to each point's radius (0: exact
            circle).
        seed: makes the stream reproducible; None draws a random one.
        start_batch: the index of the first batch: a run resumed after n train steps continues the
            stream of an uninterrupted one with start_batch=n.

    Returns:
        A `tf.data.Dataset` of float32 tensors of shape [batch_size, 2].

    Raises:
        ValueError: batch_size < 1, radius <= 0, noise_std < 0 or start_batch < 0.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if start_batch < 0:
        raise ValueError(f"start_batch must be non-negative, got {start_batch}.")
    if radius <= 0:
        raise ValueError(f"radius must be positive, got {radius}.")
    if noise_std < 0:
        raise ValueError(f"noise_std must be non-negative, got {noise_std}.")

    def sample(batch_seed):
        angle_seed, radius_seed = tf.unstack(tf.random.experimental.stateless_split(batch_seed, 2))
        angle = tf.random.stateless_uniform([batch_size], angle_seed, maxval=2 * math.pi)
        r = radius + noise_std * tf.random.stateless_normal([batch_size], radius_seed)
        return tf.stack([r * tf.cos(angle), r * tf.sin(angle)], axis=1)

    seeds = tf.data.Dataset.random(seed=seed).skip(2 * start_batch).batch(2)
    return seeds.map(sample).prefetch(tf.data.AUTOTUNE)


DATASETS = ("mnist", "fashion_mnist")
"""The tfds names `mnist` and `load_mnist_arrays` accept: 28x28 grey images in 10 classes."""
NUM_CLASSES = 10

_IMAGE_SIZE = 28
_IDX_PREFIXES = {"train": "train", "test": "t10k"}  # split name -> prefix of its IDX file names
_IMAGES_MAGIC = 0x00000803  # IDX header: unsigned bytes (0x08), 3 dimensions
_LABELS_MAGIC = 0x00000801  # IDX header: unsigned bytes (0x08), 1 dimension
_SPLIT_HELP = "use 'train', 'test', 'train+test' or slices like 'train[:50000]', 'test[50%:]'"
_SPLIT_PART = re.compile(r"^(?P<name>[\w-]+)(?:\[(?P<start>-?\d+%?)?:(?P<stop>-?\d+%?)?\])?$")
_PROBE_TIMEOUT_S = 3.0
PACKAGED_MNIST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets", "mnist")
"""tfgan's copy of the MNIST test split (IDX), read for MNIST's 'test' split without a data_dir."""

_SplitPart = Tuple[str, Optional[str], Optional[str]]


def mnist(
    split: str = "train",
    batch_size: int = 64,
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
    with_labels: bool = False,
    seed: Optional[int] = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """A shuffled dataset of MNIST or Fashion-MNIST images scaled to [-1, 1].

    The pipeline is cache -> shuffle -> batch -> scale -> prefetch. Images stay uint8 through the
    cache and the shuffle buffer, a quarter of the memory of float32 (47 MB instead of 188 MB for
    the 60000 training images), and are cast and scaled by one vectorised op per batch; this runs
    as fast as caching float32 images, since tf.data's cost per element dominates. The shuffle
    buffer holds the whole split, so each epoch is a uniform random permutation.

    Args:
        split: tfds split syntax: 'train', 'test', slices of examples or percents such as
            'train[:50000]', 'test[50%:]' or 'train[-10%:]', joined with '+' ('train+test').
        batch_size: images per batch.
        dataset: 'mnist' or 'fashion_mnist'.
        data_dir: a directory holding the classic IDX files, plain or .gz
            (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
            t10k-labels-idx1-ubyte), read directly; only the files of the requested split are
            needed. None loads `dataset` with tensorflow_datasets.
        with_labels: yield (images, labels) pairs instead of images alone.
        seed: makes the shuffle order of every epoch reproducible; None draws a random one.
        drop_remainder: drop the last batch when it is smaller than batch_size, so that every batch
            has a static shape.

    Returns:
        A `tf.data.Dataset` of float32 images of shape [batch_size, 28, 28, 1] in [-1, 1] (pixel
        0 -> -1, 255 -> 1) or, with labels, of (images, int32 labels of shape [batch_size]) pairs.

    Raises:
        ValueError: batch_size < 1, the split holds no batch, or as `load_mnist_arrays`.
        FileNotFoundError: as `load_mnist_arrays`.
    """
    images, labels = _load_batchable(split, batch_size, dataset, data_dir, drop_remainder)
    num_examples = len(images)

    def scale(batch, *labels):
        batch = scale_pixels(batch)
        return (batch, tf.cast(labels[0], tf.int32)) if labels else batch

    elements = images[..., np.newaxis]
    if with_labels:
        elements = (elements, labels)
    return (
        tf.data.Dataset.from_tensor_slices(elements)
        .cache()
        .shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=drop_remainder)
        .map(scale, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def mnist_epochs(
    split: str = "train",
    batch_size: int = 64,
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
    with_labels: bool = False,
    seed: Optional[int] = None,
    start_epoch: int = 0,
    steps_per_execution: int = 1,
) -> Tuple[tf.data.Dataset, int]:
    """An endless stream of shuffled epochs of MNIST or Fashion-MNIST that a resumed run continues.

    Epoch e holds every image of the split once (but the last partial batch, and the batches beyond
    a whole number of `steps_per_execution` calls), in the order of a permutation drawn from
    (seed, e) alone. So the data of every epoch are known in advance, and a run resumed at epoch e
    with `start_epoch=e` trains on what an uninterrupted run trains on, however often `fit` was
    interrupted (`mnist`'s reshuffling depends on how many times it was iterated). Fit it with the
    batches per epoch it returns:

        data, steps_per_epoch = tfgan.data.mnist_epochs("train", 64, seed=0, start_epoch=epoch)
        gan.fit(data, steps_per_epoch=steps_per_epoch, epochs=epochs, initial_epoch=epoch)

    Args:
        split, batch_size, dataset, data_dir, with_labels: as for `mnist`.
        seed: draws the epochs' permutations; None draws a random seed.
        start_epoch: the first epoch of the stream.
        steps_per_execution: the model's train steps per call. Keras runs whole calls, and one that
            straddles an epoch's end trains on the next epoch's data, so an epoch holds a whole
            number of calls (the 60,000 training digits make 937 batches of 64, a prime: 930 at 10
            per call; the few images left out differ each epoch). An epoch shorter than one call is
            kept whole.

    Returns:
        (the dataset, whose elements are as `mnist`'s; the number of batches in an epoch).

    Raises:
        ValueError: batch_size < 1, start_epoch < 0, steps_per_execution < 1, the split holds no
            batch, or as
            `load_mnist_arrays`.
        FileNotFoundError: as `load_mnist_arrays`.
    """
    if start_epoch < 0:
        raise ValueError(f"start_epoch must be non-negative, got {start_epoch}.")
    if steps_per_execution < 1:
        raise ValueError(f"steps_per_execution must be at least 1, got {steps_per_execution}.")
    images, labels = _load_batchable(split, batch_size, dataset, data_dir, drop_remainder=True)
    steps_per_epoch = len(images) // batch_size
    if steps_per_epoch > steps_per_execution:
        steps_per_epoch -= steps_per_epoch % steps_per_execution
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    images = tf.constant(images[..., np.newaxis])
    labels = tf.constant(labels.astype(np.int32))

    def epoch_batches(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(len(images)), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        batches = tf.reshape(order[: steps_per_epoch * batch_size], [steps_per_epoch, batch_size])
        return tf.data.Dataset.from_tensor_slices(batches)

    def gather(indices):
        batch = scale_pixels(tf.gather(images, indices))
        return (batch, tf.gather(labels, indices)) if with_labels else batch

    stream = tf.data.Dataset.counter(start_epoch).flat_map(epoch_batches)
    return stream.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE), (
        steps_per_epoch
    )


def _load_batchable(split, batch_size, dataset, data_dir, drop_remainder):
    """load_mnist_arrays, checking that the split holds a batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    images, labels = load_mnist_arrays(split, dataset, data_dir)
    if len(images) == 0 or (drop_remainder and len(images) < batch_size):
        raise ValueError(
            f"split {split!r} has {len(images)} examples, not enough for a batch of {batch_size}; "
            "choose a larger split, a smaller batch_size or drop_remainder=False."
        )
    return images, labels


def scale_pixels(pixels) -> tf.Tensor:
    """uint8 pixels as float32 in [-1, 1] (0 -> -1, 255 -> 1), the range of the generators' tanh."""
    return tf.cast(pixels, tf.float32) / 127.5 - 1.0


def real_images(
    split: str = "test",
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """The images of a split in memory, scaled to [-1, 1] as generators make them, and their labels.

    Returns:
        (images, labels): float32 [n, 28, 28, 1] in [-1, 1] (pixel 0 -> -1, 255 -> 1), uint8 [n].

    Raises:
        ValueError, FileNotFoundError: as `load_mnist_arrays`.
    """
    images, labels = load_mnist_arrays(split, dataset, data_dir)
    return scale_pixels(images[..., np.newaxis]).numpy(), labels


def load_mnist_arrays(
    split: str = "train",
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """The raw images and labels of a split of MNIST or Fashion-MNIST, in file order.

    Args:
        split: tfds split syntax, as in `mnist`.
        dataset: 'mnist' or 'fashion_mnist' (tfds names). It only selects the tfds dataset: the IDX
            files in data_dir are read whatever they hold.
        data_dir: a directory holding the IDX files, as in `mnist`. None reads MNIST's test split
            (and slices of it) from tfgan's own copy (`PACKAGED_MNIST_DIR`), and anything else with
            tensorflow_datasets, which downloads it on first use; without network access and with
            the dataset not yet in the TFDS data dir, this fails within seconds.

    Returns:
        (images, labels): uint8 arrays of shapes [N, 28, 28] and [N].

    Raises:
        ValueError: unknown dataset, bad split, or an IDX file that is corrupt, truncated, has a
            wrong magic number or disagrees with its label file on the number of examples.
        FileNotFoundError: data_dir or an IDX file of the split does not exist, or (data_dir=None)
            the dataset is not in the TFDS data dir and its download host cannot be reached.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}.")
    parts = _parse_split(split)  # also checks the split for tfds, so that errors read the same
    if data_dir is None and _packaged(parts, dataset):
        data_dir = PACKAGED_MNIST_DIR
    if data_dir is None:
        return _load_tfds_arrays(split, dataset)
    return _load_idx_arrays(parts, split, os.fspath(data_dir))


def describe_source(
    split: str = "train",
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> str:
    """Where `load_mnist_arrays` reads a split, in words (for a run's first lines and record)."""
    if data_dir is not None:
        return f"{dataset} {split} from the IDX files in {os.path.abspath(os.fspath(data_dir))}"
    if _packaged(_parse_split(split), dataset):
        return f"{dataset} {split} from tfgan's copy of the MNIST test split"
    return f"{dataset} {split} from tensorflow-datasets"


def _packaged(parts: List[_SplitPart], dataset: str) -> bool:
    """Whether a split lies in tfgan's copy of MNIST's test split."""
    return dataset == "mnist" and all(name == "test" for name, _, _ in parts)


def _parse_split(split: str) -> List[_SplitPart]:
    """Splits 'train[:50%]+test' into [('train', None, '50%'), ('test', None, None)]."""
    parts = []
    for text in split.split("+"):
        match = _SPLIT_PART.match(text.strip())
        if not match:
            raise ValueError(f"bad split {split!r}: {_SPLIT_HELP}.")
        if match["name"] not in _IDX_PREFIXES:
            raise ValueError(
                f"unknown split name {match['name']!r} in {split!r}: MNIST has 'train' and 'test'."
            )
        parts.append((match["name"], match["start"], match["stop"]))
    return parts


def _resolve_bound(bound: Optional[str], default: int, num_examples: int, split: str) -> int:
    """An index in [0, num_examples] from a bound like '-3' or '50%' (rounded as tfds does)."""
    if bound is None:
        return default
    if bound.endswith("%"):
        percent = int(bound[:-1])
        if abs(percent) > 100:
            raise ValueError(f"bad split {split!r}: percent bounds must lie in [-100%, 100%].")
        index = int(round(percent * num_examples / 100.0))
    else:
        index = int(bound)
        if abs(index) > num_examples:
            raise ValueError(
                f"bad split {split!r}: bound {index} is outside a split of {num_examples} examples."
            )
    return index + num_examples if index < 0 else index


def _load_idx_arrays(
    parts: List[_SplitPart], split: str, data_dir: str
) -> Tuple[np.ndarray, np.ndarray]:
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(
            f"data_dir {data_dir!r} does not exist; pass a directory holding the MNIST IDX files "
            "(train-images-idx3-ubyte.gz, ...) or data_dir=None to load with tensorflow_datasets."
        )
    images, labels = [], []
    loaded = {}
    for name, start, stop in parts:
        if name not in loaded:
            loaded[name] = _read_idx_split(data_dir, name)
        split_images, split_labels = loaded[name]
        num_examples = len(split_images)
        begin = _resolve_bound(start, 0, num_examples, split)
        end = _resolve_bound(stop, num_examples, num_examples, split)
        images.append(split_images[begin:end])
        labels.append(split_labels[begin:end])
    return np.concatenate(images), np.concatenate(labels)


def _read_idx_split(data_dir: str, name: str) -> Tuple[np.ndarray, np.ndarray]:
    prefix = _IDX_PREFIXES[name]
    images_path = _find_idx_file(data_dir, f"{prefix}-images-idx3-ubyte", name)
    labels_path = _find_idx_file(data_dir, f"{prefix}-labels-idx1-ubyte", name)
    images = _read_idx(images_path, _IMAGES_MAGIC, (_IMAGE_SIZE, _IMAGE_SIZE))
    labels = _read_idx(labels_path, _LABELS_MAGIC, ())
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels; "
            "the files come from different sets or one is incomplete, download them again."
        )
    if len(labels) and labels.max() >= NUM_CLASSES:
        raise ValueError(
            f"{labels_path} holds label {labels.max()}, but MNIST's classes are 0 to "
            f"{NUM_CLASSES - 1}: it is not an MNIST label file, replace it."
        )
    return images, labels


def _find_idx_file(data_dir: str, stem: str, name: str) -> str:
    """The path of stem or stem.gz in data_dir, preferring the uncompressed file."""
    for file_name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, file_name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"no {stem} or {stem}.gz in {data_dir!r} (needed for split {name!r}); "
        "put the IDX file there or choose a split whose files are present."
    )


def _read_idx(path: str, magic: int, item_shape: Tuple[int, ...]) -> np.ndarray:
    """The uint8 array in an IDX file (plain or gzip), checked against its magic and item shape."""
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(
            f"{path} is not a valid gzip file ({error}); it is corrupt or truncated, "
            "download it again."
        ) from error
    header_size = 4 * (2 + len(item_shape))
    if len(data) < header_size:
        raise ValueError(f"{path} is truncated inside its header; download it again.")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        hint = " (the file is gzip-compressed: name it *.gz)" if data[:2] == b"\x1f\x8b" else ""
        kind = "image" if item_shape else "label"
        raise ValueError(
            f"{path} has magic number {found:#010x}, expected {magic:#010x}{hint}; "
            f"it is not an MNIST {kind} file in IDX format, replace it."
        )
    shape = struct.unpack(f">{1 + len(item_shape)}I", data[4:header_size])
    if shape[1:] != item_shape:
        raise ValueError(
            f"{path} holds items of shape {shape[1:]}, expected {item_shape}; it is not MNIST."
        )
    expected = int(np.prod(shape))
    if len(data) - header_size != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header says {'x'.join(map(str, shape))} = "
            f"{expected} bytes of data but it holds {len(data) - header_size}; download it again."
        )
    return np.frombuffer(data, np.uint8, offset=header_size).reshape(shape)


def _load_tfds_arrays(split: str, dataset: str) -> Tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds  # imported here: `import tfgan` does not pull in tfds

    builder = tfds.builder(dataset)
    if not builder.is_prepared():
        url = urllib.parse.urlsplit(builder.URL)
        proxy = urllib.request.getproxies().get(url.scheme)
        probe = urllib.parse.urlsplit(proxy) if proxy else url
        port = probe.port or (443 if probe.scheme == "https" else 80)
        if not _can_reach(probe.hostname, port):
            raise FileNotFoundError(
                f"{dataset} is not in the TFDS data dir ({builder.data_dir}) and "
                f"{probe.hostname}:{port} cannot be reached to download it; pass data_dir= a "
                "directory holding the IDX files (train-images-idx3-ubyte.gz, ...), "
                "or run once with network access so that tfds caches it."
            )
    batches = tfds.as_numpy(tfds.load(dataset, split=split, as_supervised=True).batch(10_000))
    images, labels = [], []
    for image_batch, label_batch in batches:
        images.append(image_batch[..., 0])
        labels.append(label_batch.astype(np.uint8))
    if not images:
        return np.zeros((0, _IMAGE_SIZE, _IMAGE_SIZE), np.uint8), np.zeros((0,), np.uint8)
    return np.concatenate(images), np.concatenate(labels)


def _can_reach(host: str, port: int, timeout: float = _PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to host:port opens within timeout seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
