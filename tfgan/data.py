"""tf.data pipelines of real examples for GAN training.

`load_images` decodes images once, from a folder, a tensorflow-datasets name, MNIST or arrays, to
one size, and reports what it found; `image_epochs` streams them in epochs ordered by (seed,
epoch) alone, so that a resumed run trains on what an uninterrupted one does. `mnist_epochs` is
the two for MNIST; `mnist` the plain shuffled dataset; `circle` 2-D points.
"""

import collections
import dataclasses
import fcntl
import gzip
import hashlib
import json
import math
import os
import re
import socket
import struct
import urllib.parse
import urllib.request
import zlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf
from PIL import Image, UnidentifiedImageError


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


# Images in general: a folder, a tensorflow-datasets name, MNIST or arrays, decoded once.

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""The file names `load_images` reads in a folder (any case): what `tf.io.decode_image` decodes."""
FITS = ("crop", "pad")
"""How `load_images` fits an image of another aspect: centre crop, or pad with black."""

_FILE_FORMATS = ("BMP", "GIF", "JPEG", "MPO", "PNG")  # PIL's names; MPO: a camera's JPEG
_GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
_MODE_OF_CHANNELS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_TFDS_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[\w.-]+)?(:[\d.*]+)?$")
_DECODE_BATCH = 256
_CACHE_FORMAT = 1
_IN_GRAPH_BYTES = 1 << 30  # larger arrays, and memory maps, are gathered outside the graph
_HIDDEN = "hidden (.name)"
_BESIDE_CLASSES = "beside the class folders"
_UNEVEN = "left over by equal shards"
_LISTED = 5  # sizes and modes named in a report's line; more are counted


@dataclasses.dataclass
class DatasetReport:
    """What `load_images` found in a source and made of it; `str()` gives a few lines to print.

    Attributes:
        source: where the images come from, in words (`describe_source`).
        image_shape: (height, width, channels) of the images made.
        num_images: images in the set.
        num_found: images the source holds (more than num_images for one shard of several).
        class_counts: images of each class in the set, in label order; None without labels.
        sizes: (height, width) as found -> number of images: of all images found in a folder
            (all shards) or arrays, of the images read from tensorflow-datasets.
        modes: colour mode as found ('L', 'LA', 'RGB', 'RGBA', 'P', 'CMYK', ...; PIL's names for
            files, from the channel count for arrays and tfds) -> number of images.
        left_out: why files were not used -> number of files: hidden files and folders (whose
            contents are not counted), files that are not PNG, JPEG, BMP or GIF by name (by
            extension), files beside class folders, files left over by equal shards.
        fit: 'crop' or 'pad', how images of another size were fitted.
        shard: (num_shards, index) for one worker's share, else None.
        cache: what happened with the cache file, in words; None without one.
    """

    source: str
    image_shape: Tuple[int, int, int]
    num_images: int
    num_found: int
    class_counts: Optional[Dict[str, int]]
    sizes: Dict[Tuple[int, int], int]
    modes: Dict[str, int]
    left_out: Dict[str, int]
    fit: str = "crop"
    shard: Optional[Tuple[int, int]] = None
    cache: Optional[str] = None

    def __str__(self) -> str:
        height, width, channels = self.image_shape
        classes = ""
        if self.class_counts is not None:
            classes = (
                f" in {len(self.class_counts)} class{'es' if len(self.class_counts) != 1 else ''}"
            )
        count = f"{self.num_images:,} images"
        if self.shard is not None:
            count = f"{self.num_images:,} of {self.num_found:,} images (shard {self.shard[1]} of "
            count += f"{self.shard[0]})"
        made = f"{height}x{width}x{channels}"
        if any(size != (height, width) for size in self.sizes):
            how = "centre crop" if self.fit == "crop" else "padding with black"
            made += f" by {how} and bilinear resize"
        lines = [f"{self.source}: {count}{classes}, made {made}"]
        if self.class_counts is not None:
            lines.append("classes: " + _listing(self.class_counts, limit=20, noun="classes"))
        sizes = {f"{h}x{w}": n for (h, w), n in self.sizes.items()}
        lines.append("sizes found: " + _listing(sizes, limit=_LISTED, noun="sizes", by_count=True))
        lines.append(
            "modes found: " + _listing(self.modes, limit=_LISTED, noun="modes", by_count=True)
        )
        left_out = ", ".join(f"{why} {n:,}" for why, n in self.left_out.items() if n)
        lines.append(f"left out: {left_out or 'nothing'}")
        if self.cache is not None:
            lines.append(f"cache: {self.cache}")
        return "\n".join(lines)

    def as_dict(self) -> Dict[str, Any]:
        """The report as JSON-ready values (sizes keyed 'HxW'), for a run's record."""
        content = dataclasses.asdict(self)
        content["sizes"] = {f"{h}x{w}": n for (h, w), n in self.sizes.items()}
        return content

    @classmethod
    def from_dict(cls, content: Mapping[str, Any]) -> "DatasetReport":
        """The report that `as_dict` gave."""
        content = dict(content)
        content["image_shape"] = tuple(content["image_shape"])
        content["sizes"] = {
            tuple(int(d) for d in size.split("x")): n for size, n in content["sizes"].items()
        }
        if content.get("shard") is not None:
            content["shard"] = tuple(content["shard"])
        return cls(**content)


def _listing(counts: Mapping[str, int], limit: int, noun: str, by_count: bool = False) -> str:
    """'a 3, b 2, and 4 more sizes' (most common first if by_count)."""
    items = list(counts.items())
    if by_count:
        items.sort(key=lambda item: -item[1])
    text = ", ".join(f"{name} {n:,}" for name, n in items[:limit])
    if len(items) > limit:
        text += f" and {len(items) - limit} more {noun}"
    return text


@dataclasses.dataclass
class ImageSet:
    """Images decoded once, to train on with `image_epochs`.

    Attributes:
        images: uint8 [n, height, width, channels]: in memory, or a read-only `np.memmap` of the
            cache file.
        labels: int32 [n] class indices, or None.
        class_names: the names of the classes (label i is class_names[i]), or None.
        report: what was found and made (`str(report)` to print it).
    """

    images: np.ndarray
    labels: Optional[np.ndarray]
    class_names: Optional[List[str]]
    report: DatasetReport

    @property
    def num_classes(self) -> Optional[int]:
        """The number of classes (for a conditional GAN), or None without labels."""
        return None if self.class_names is None else len(self.class_names)

    def __len__(self) -> int:
        return len(self.images)


def load_images(
    source: Any,
    *,
    image_size: Optional[Union[int, Sequence[int]]] = None,
    channels: Optional[int] = None,
    fit: str = "crop",
    labels: Optional[bool] = None,
    split: str = "train",
    cache_file: Optional[Union[str, os.PathLike]] = None,
    shard: Optional[Tuple[int, int]] = None,
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> ImageSet:
    """Images from a folder, a tensorflow-datasets name, MNIST or arrays, decoded once at one size.

        images = tfgan.data.load_images("data/pets", image_size=64)  # class folders -> labels
        print(images.report)
        data, steps_per_epoch = tfgan.data.image_epochs(images, 64, seed=0, flip=True)

    Sources:
        - A folder (a path that is an existing directory, or any `os.PathLike`): its PNG, JPEG,
          BMP and GIF files (by extension, any case; a GIF's first frame), found recursively in
          sorted order. When the top level holds subfolders, their sorted names are the classes
          (the convention of `keras.utils.image_dataset_from_directory`) and each image is
          labelled by the subfolder it lies under; files at the top level beside class folders
          are then left out (counted in the report), as Keras does. With labels=False every image
          in the tree is read, unlabelled. Hidden files and folders (names starting with '.',
          such as .DS_Store or .ipynb_checkpoints) and files of other extensions are left out and
          counted. Alpha is dropped (the colour under it kept); palette images take their
          palette's colours.
        - 'mnist' or 'fashion_mnist' (always these datasets, even beside a folder of that name:
          write './mnist' for the folder): as `load_mnist_arrays` reads them (the 'test' split of
          MNIST from tfgan's own copy), data_dir the IDX files' directory, labelled.
        - Another name: a tensorflow-datasets dataset ('cifar10', 'celeb_a', 'lsun/church_outdoor')
          with an image feature ('image' if there are several) and, if it has one, a class label
          ('label' if there are several); data_dir its TFDS data dir.
        - NumPy arrays: uint8 images [n, height, width] or [n, height, width, 1, 3 or 4], or a pair
          (images, labels) with integer labels [n] (classes named '0', '1', ...).

    Args:
        source: as above.
        image_size: (height, width) of the images made, or one int for squares; None: the size
            of the images when they all have one, else a ValueError asks for it.
        channels: 1 (grey) or 3 (RGB); None: 3 if any image is in colour (an RGB, RGBA, palette
            or CMYK file, an RGB array; a file's mode, not its pixels, decides), else 1. Colour
            becomes grey by ITU-R 601 luma (`tf.image.rgb_to_grayscale`), grey becomes RGB by
            repeating it.
        fit: how an image of another size is fitted: 'crop' (the largest centred window of the
            target's aspect, then a bilinear resize) or 'pad' (a bilinear resize to fit inside,
            then black borders, centred). Downscaling is antialiased. Images of the target size
            are kept exactly.
        labels: None: use labels when the source has them; True: require them (a ValueError if
            it has none); False: ignore them.
        split: the split of a tensorflow-datasets or MNIST source, in tfds syntax.
        cache_file: decode into this .npy file and memory-map it, for images larger than memory
            or to decode once for many runs. Beside it, `cache_file + '.json'` records what it was
            made from (the folder's file names, sizes and modification times, or the tfds name,
            split and version, or a hash of the arrays; and the options), its labels and report.
            A later call made from the same reuses it without reading the source again; a call
            made from anything else decodes again and replaces it, so the cache never changes
            what you get. Writes are atomic and a lock file (`cache_file + '.lock'`) keeps
            concurrent callers apart; give each shard its own cache_file.
        shard: (num_shards, index): only this shard of the images, for one worker of several
            (`MultiWorkerMirroredStrategy`): image k of the sorted list goes to shard
            k % num_shards, and the last len % num_shards images are left out so that every shard
            has as many images and steps per epoch. Of a folder only this shard's files are
            decoded (all are listed and their headers read, so that size, channels and classes
            agree between workers); other sources are read whole and the shard kept. Each
            worker then trains on its own shard: give each worker its shard's `image_epochs`
            as its own data (`tf.distribute.Strategy.distribute_datasets_from_function`), not
            through `experimental_distribute_dataset`, whose auto-sharding would split it again.
        data_dir: for MNIST the IDX files' directory, for a tfds name its data dir.

    Returns:
        The `ImageSet`.

    Raises:
        FileNotFoundError: a folder that does not exist, or as `load_mnist_arrays`.
        ValueError: a bad option; a folder with no images, a class folder with no images, a
            corrupt or truncated image (named), labels=True for a source without labels, an
            unknown tfds name or one without an image feature, arrays of a wrong rank or dtype,
            images of several sizes without image_size; or as `load_mnist_arrays`.
    """
    options = _check_image_options(image_size, channels, fit, labels, shard)
    kind = _source_kind(source)
    if data_dir is not None and kind in ("folder", "arrays"):
        raise ValueError(
            f"data_dir is for MNIST and tensorflow-datasets sources, not {kind}; leave it out."
        )
    if kind == "folder":
        reader = _FolderReader(source, options)
    elif kind == "tfds":
        reader = _TfdsReader(source, split, data_dir, options)
    elif kind == "mnist":
        images, mnist_labels = load_mnist_arrays(split, source, data_dir)
        description = describe_source(source, split, data_dir)
        mnist_set = _mnist_image_set(images, mnist_labels, source, description)
        reader = _ArrayReader(mnist_set.images, mnist_set.labels, options, description)
        if reader.labels is not None:
            reader.class_names = mnist_set.class_names
    else:
        images, array_labels = _split_arrays(source)
        reader = _ArrayReader(images, array_labels, options, describe_source(source, split))
    if cache_file is None:
        reader.prepare()
        images = np.empty(reader.shape, np.uint8)
        reader.fill(images)
        return ImageSet(images, reader.labels, reader.class_names, reader.report)
    return _cached(os.path.abspath(os.fspath(cache_file)), reader)


def image_epochs(
    image_set: ImageSet,
    batch_size: int,
    *,
    seed: Optional[int],
    start_epoch: int = 0,
    steps_per_execution: int = 1,
    with_labels: bool = False,
    flip: bool = False,
) -> Tuple[tf.data.Dataset, int]:
    """An endless stream of shuffled epochs of an `ImageSet` that a resumed run continues.

    Epoch e holds every image once (but the last partial batch, and the batches beyond a whole
    number of `steps_per_execution` calls), in the order of a permutation drawn from (seed, e)
    alone, and with flip=True each image of it is mirrored left-right or not by a coin drawn from
    (seed, e, its place in the epoch), statelessly. So the data of every epoch are known in
    advance, and a run resumed at epoch e with `start_epoch=e` trains on what an uninterrupted run
    trains on, however often `fit` was interrupted. Fit it with the batches per epoch it returns:

        data, steps_per_epoch = tfgan.data.image_epochs(images, 64, seed=0, start_epoch=epoch)
        gan.fit(data, steps_per_epoch=steps_per_epoch, epochs=epochs, initial_epoch=epoch)

    Images stay uint8 until a batch is gathered, then are scaled to [-1, 1] by one op per batch.
    In-memory images up to 1 GiB are constants of the pipeline; a memory map (a cache file) and
    larger arrays are gathered by NumPy, batch by batch, so they are never read whole.

    Args:
        image_set: from `load_images`.
        batch_size: images per batch.
        seed: draws the epochs' permutations and flips; None draws a random seed.
        start_epoch: the first epoch of the stream.
        steps_per_execution: the model's train steps per call. Keras runs whole calls, and one
            that straddles an epoch's end trains on the next epoch's data, so an epoch holds a
            whole number of calls (the few images left out differ each epoch). An epoch shorter
            than one call is kept whole.
        with_labels: yield (images, int32 labels [batch_size]) pairs.
        flip: mirror each image left-right with probability 1/2.

    Returns:
        (a `tf.data.Dataset` of float32 images [batch_size, height, width, channels] in [-1, 1]
        (pixel 0 -> -1, 255 -> 1), or of (images, labels) pairs; the number of batches in an
        epoch).

    Raises:
        ValueError: batch_size < 1, start_epoch < 0, steps_per_execution < 1, fewer images than a
            batch, or with_labels for images without labels.
    """
    _check_epoch_options(start_epoch, steps_per_execution)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    num_images = len(image_set.images)
    if num_images < batch_size:
        raise ValueError(
            f"the image set has {num_images} images, not enough for a batch of {batch_size}; "
            "choose a smaller batch_size or add images."
        )
    if with_labels and image_set.labels is None:
        raise ValueError(
            f"with_labels=True, but the images from {image_set.report.source} have no labels; "
            "load a source with labels (class folders, a tfds label) or train without them."
        )
    steps_per_epoch = num_images // batch_size
    if steps_per_epoch > steps_per_execution:
        steps_per_epoch -= steps_per_epoch % steps_per_execution
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    gather_images = _gatherer(image_set.images)
    labels = tf.constant(image_set.labels.astype(np.int32)) if with_labels else None

    def epoch_batches(epoch):
        epoch_seed = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.random.experimental.stateless_shuffle(tf.range(num_images), seed=epoch_seed)
        shape = [steps_per_epoch, batch_size]
        batches = tf.reshape(order[: steps_per_epoch * batch_size], shape)
        if not flip:
            return tf.data.Dataset.from_tensor_slices(batches)
        flip_seed = tf.random.experimental.stateless_fold_in(epoch_seed, 1)
        flips = tf.random.stateless_uniform(shape, seed=flip_seed) < 0.5
        return tf.data.Dataset.from_tensor_slices((batches, flips))

    def gather(indices, flips=None):
        batch = gather_images(indices)
        if flips is not None:
            batch = tf.where(flips[:, tf.newaxis, tf.newaxis, tf.newaxis], batch[:, :, ::-1], batch)
        batch = scale_pixels(batch)
        return (batch, tf.gather(labels, indices)) if with_labels else batch

    stream = tf.data.Dataset.counter(start_epoch).flat_map(epoch_batches)
    return stream.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE), (
        steps_per_epoch
    )


def _check_epoch_options(start_epoch: int, steps_per_execution: int) -> None:
    if start_epoch < 0:
        raise ValueError(f"start_epoch must be non-negative, got {start_epoch}.")
    if steps_per_execution < 1:
        raise ValueError(f"steps_per_execution must be at least 1, got {steps_per_execution}.")


def _gatherer(images: np.ndarray) -> Callable[[tf.Tensor], tf.Tensor]:
    """A function from int32 indices [b] to the images [b, h, w, c] at them, as a uint8 tensor."""
    if not isinstance(images, np.memmap) and images.nbytes <= _IN_GRAPH_BYTES:
        constant = tf.constant(images)
        return lambda indices: tf.gather(constant, indices)

    def take(indices):
        return np.asarray(images[indices])

    def gather(indices):
        batch = tf.numpy_function(take, [indices], tf.uint8, stateful=False)
        return tf.ensure_shape(batch, [indices.shape[0], *images.shape[1:]])

    return gather


def _check_image_options(image_size, channels, fit, labels, shard) -> Dict[str, Any]:
    """The options of `load_images`, checked, with image_size as None or (height, width)."""
    size = image_size
    if size is not None:
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            size = (size, size)
        if (
            not isinstance(size, (tuple, list))
            or len(size) != 2
            or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in size)
            or min(size) < 1
        ):
            raise ValueError(
                f"image_size must be a positive int or (height, width), got {image_size!r}."
            )
        size = (int(size[0]), int(size[1]))
    if channels not in (None, 1, 3):
        raise ValueError(
            f"channels must be 1 (grey), 3 (RGB) or None (as found), got {channels!r}."
        )
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}.")
    if labels not in (None, True, False):
        raise ValueError(f"labels must be None (if any), True or False, got {labels!r}.")
    if shard is not None:
        if (
            not isinstance(shard, (tuple, list))
            or len(shard) != 2
            or not all(isinstance(d, (int, np.integer)) for d in shard)
            or shard[0] < 1
            or not 0 <= shard[1] < shard[0]
        ):
            raise ValueError(
                f"shard must be (num_shards, index) with 0 <= index < num_shards, got {shard!r}."
            )
        shard = (int(shard[0]), int(shard[1]))
    return {"image_size": size, "channels": channels, "fit": fit, "labels": labels, "shard": shard}


def _source_kind(source: Any) -> str:
    """'arrays', 'folder', 'mnist' or 'tfds'."""
    if isinstance(source, (np.ndarray, tuple, list)):
        return "arrays"
    if isinstance(source, os.PathLike):
        return "folder"
    if not isinstance(source, str):
        raise ValueError(
            f"source must be a folder, a tensorflow-datasets name or arrays, got a "
            f"{type(source).__name__}."
        )
    if source in DATASETS:
        return "mnist"
    if os.path.exists(source) or not _TFDS_NAME.match(source):
        return "folder"
    return "tfds"


def _split_arrays(source: Any) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(images, labels or None) of an array source, checked and with a channel axis."""
    images, labels = source, None
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise ValueError(
                f"arrays must be images or a pair (images, labels), got {len(source)} items."
            )
        images, labels = source
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(
            f"images must be uint8 pixels (0-255), got {images.dtype}; convert them, e.g. "
            "np.round((x + 1) * 127.5).astype(np.uint8) for images in [-1, 1]."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"images must have shape [n, height, width] or [n, height, width, 1, 3 or 4], got "
            f"{images.shape}."
        )
    if min(images.shape[:3]) < 1:
        raise ValueError(f"images must hold at least one image of 1x1 pixels, got {images.shape}.")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != images.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be integers of shape [{len(images)}], one per image, got "
                f"{labels.dtype} of shape {labels.shape}."
            )
        if labels.min() < 0:
            raise ValueError(f"labels must be class indices 0, 1, ..., got {labels.min()}.")
    return images, labels


def _mnist_image_set(
    images: np.ndarray, labels: np.ndarray, dataset: str, description: str
) -> ImageSet:
    """MNIST's uint8 [n, 28, 28] images and labels as an ImageSet (no copy of the images)."""
    names = _FASHION_MNIST_CLASSES if dataset == "fashion_mnist" else range(NUM_CLASSES)
    class_names = [str(name) for name in names]
    num = len(images)
    report = DatasetReport(
        source=description,
        image_shape=(_IMAGE_SIZE, _IMAGE_SIZE, 1),
        num_images=num,
        num_found=num,
        class_counts=_class_counts(labels, class_names),
        sizes={(_IMAGE_SIZE, _IMAGE_SIZE): num} if num else {},
        modes={"L": num} if num else {},
        left_out={},
    )
    return ImageSet(images[..., np.newaxis], labels.astype(np.int32), class_names, report)


def _class_counts(labels: np.ndarray, class_names: Sequence[str]) -> Dict[str, int]:
    counts = np.bincount(labels.astype(np.int64), minlength=len(class_names))
    return {name: int(n) for name, n in zip(class_names, counts)}


def _share(count: int, shard: Optional[Tuple[int, int]]) -> np.ndarray:
    """The indices of a shard's items among count, equal in number for every shard."""
    if shard is None:
        return np.arange(count)
    num_shards, index = shard
    if count < num_shards:
        raise ValueError(
            f"{count} images cannot be split into {num_shards} shards; use fewer shards."
        )
    return np.arange(index, count - count % num_shards, num_shards)


def _resolve_size(image_size, sizes: Mapping[Tuple[int, int], int], where: str):
    """image_size, or the one size of the images found."""
    if image_size is not None:
        return image_size
    if len(sizes) == 1:
        return next(iter(sizes))
    found = ", ".join(
        f"{h}x{w} ({n:,})" for (h, w), n in sorted(sizes.items(), key=lambda s: -s[1])
    )
    raise ValueError(
        f"the images of {where} have {len(sizes)} sizes ({_shorten(found)}); pass "
        "image_size=(height, width), or one int for squares, to fit them to one size."
    )


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 4] + ", ..."


def _fit(image: tf.Tensor, size: Tuple[int, int], channels: int, fit: str) -> tf.Tensor:
    """uint8 images [..., h, w, c] (c of 1 to 4) as uint8 [..., height, width, channels]."""
    height, width = size
    image = _to_channels(tf.cast(image, tf.float32), channels)
    shape = tf.shape(image)
    h, w = shape[-3], shape[-2]
    hf, wf = tf.cast(h, tf.float64), tf.cast(w, tf.float64)
    if fit == "crop":
        crop_h = tf.clip_by_value(tf.cast(tf.round(wf * height / width), tf.int32), 1, h)
        crop_w = tf.clip_by_value(tf.cast(tf.round(hf * width / height), tf.int32), 1, w)
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        image = _resize(image[..., top : top + crop_h, left : left + crop_w, :], [height, width])
    else:
        scale = tf.minimum(height / hf, width / wf)
        new_h = tf.clip_by_value(tf.cast(tf.round(hf * scale), tf.int32), 1, height)
        new_w = tf.clip_by_value(tf.cast(tf.round(wf * scale), tf.int32), 1, width)
        image = tf.image.pad_to_bounding_box(
            _resize(image, [new_h, new_w]),
            (height - new_h) // 2,
            (width - new_w) // 2,
            height,
            width,
        )
    image = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)
    return tf.ensure_shape(image, [None] * (image.shape.rank - 3) + [height, width, channels])


def _resize(image: tf.Tensor, size) -> tf.Tensor:
    """Bilinear, antialiased when it shrinks; exact at the same size."""
    return tf.image.resize(image, size, method="bilinear", antialias=True)


def _to_channels(image: tf.Tensor, channels: int) -> tf.Tensor:
    """float images [..., c] with c in 1 (grey), 2 (grey, alpha), 3 (RGB), 4 (RGBA) as channels."""

    def grey():
        return image[..., :1]

    def rgb():
        return image[..., :3]

    if channels == 3:
        colour = tf.cond(tf.shape(image)[-1] < 3, lambda: tf.concat([grey()] * 3, -1), rgb)
    else:
        colour = tf.cond(tf.shape(image)[-1] < 3, grey, lambda: tf.image.rgb_to_grayscale(rgb()))
    return tf.ensure_shape(colour, [None] * (image.shape.rank - 1) + [channels])


def _decode_into(
    out: np.ndarray, batches: tf.data.Dataset, locate: Callable[[int], None]
) -> List[Any]:
    """Writes the fitted images of batches ((images, *extras)) into out; returns the extras' rows.

    A decoding error in batch b calls locate(first index of b), which raises naming the file.
    """
    extras = []
    start = 0
    iterator = iter(batches)
    while True:
        try:
            images, *rest = next(iterator)
        except StopIteration:
            break
        except tf.errors.OpError as error:
            locate(start)
            raise ValueError(f"an image could not be decoded: {_first_line(error)}") from error
        out[start : start + len(images)] = images.numpy()
        extras.extend(zip(*(column.numpy() for column in rest)))
        start += len(images)
    if start != len(out):
        raise ValueError(f"found {start} images where {len(out)} were expected; try again.")
    return extras


def _first_line(error: BaseException) -> str:
    """The gist of an error's message, on one line (TensorFlow's node names cut off)."""
    message = getattr(error, "message", None) or str(error)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    text = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)
    text = re.sub(r"\s*\[Op:\w+\].*$", "", text)
    if text.endswith(":") and ". " in text:  # the sentence that announces a list left out
        text = text[: text.rindex(". ") + 1]
    return text


class _Reader:
    """Reads one source: key() cheaply, prepare() what fill(out) needs, then fill(out) decodes."""

    key: Dict[str, Any]
    shape: Tuple[int, int, int, int]
    labels: Optional[np.ndarray] = None
    class_names: Optional[List[str]] = None
    report: DatasetReport

    def prepare(self) -> None:
        raise NotImplementedError

    def fill(self, out: np.ndarray) -> None:
        raise NotImplementedError


class _ArrayReader(_Reader):
    def __init__(self, images, labels, options, description):
        self.options = options
        if options["labels"] is True and labels is None:
            raise ValueError(
                "labels=True, but the arrays come without labels; pass (images, labels)."
            )
        self.images = images
        if options["labels"] is not False and labels is not None:
            self.labels = labels.astype(np.int32)
            self.class_names = [str(i) for i in range(int(labels.max()) + 1)] if len(labels) else []
        self.description = description

    @property
    def key(self):
        digest = hashlib.sha256(np.ascontiguousarray(self.images).data)
        if self.labels is not None:
            digest.update(np.ascontiguousarray(self.labels).data)
        return {"arrays": digest.hexdigest(), "shape": list(self.images.shape)}

    def prepare(self):
        options = self.options
        num, height, width, found_channels = self.images.shape
        size = options["image_size"] or (height, width)
        channels = options["channels"] or (1 if found_channels == 1 else 3)
        self.indices = _share(num, options["shard"])
        self.shape = (len(self.indices), *size, channels)
        if self.labels is not None:
            self.labels = self.labels[self.indices]
        mode = _MODE_OF_CHANNELS[found_channels]
        self.report = DatasetReport(
            source=self.description,
            image_shape=self.shape[1:],
            num_images=len(self.indices),
            num_found=num,
            class_counts=None
            if self.labels is None
            else _class_counts(self.labels, self.class_names),
            sizes={(height, width): num},
            modes={mode: num},
            left_out={_UNEVEN: num % options["shard"][0]} if options["shard"] else {},
            fit=options["fit"],
            shard=options["shard"],
        )

    def fill(self, out):
        if self.images.shape[1:] == out.shape[1:]:
            out[...] = self.images[self.indices] if self.options["shard"] else self.images
            return
        size, channels = out.shape[1:3], out.shape[3]
        for start in range(0, len(out), _DECODE_BATCH):
            chunk = self.images[self.indices[start : start + _DECODE_BATCH]]
            out[start : start + len(chunk)] = _fit(chunk, size, channels, self.options["fit"])


class _FolderReader(_Reader):
    def __init__(self, source, options):
        self.root = os.path.abspath(os.fspath(source))
        self.options = options
        if not os.path.isdir(self.root):
            if os.path.exists(self.root):
                raise ValueError(
                    f"{self.root!r} is a file; pass a folder of images, a tensorflow-datasets "
                    "name or arrays."
                )
            raise FileNotFoundError(
                f"image folder {self.root!r} does not exist; pass a folder of images, a "
                "tensorflow-datasets name (such as 'cifar10') or arrays."
            )
        self.paths, file_labels, self.class_names, self.left_out = _list_folder(
            self.root, options["labels"]
        )
        self.file_labels = None if file_labels is None else np.asarray(file_labels, np.int32)

    @property
    def key(self):
        digest = hashlib.sha256()
        for path in self.paths:
            stat = os.stat(path)
            digest.update(f"{os.path.relpath(path, self.root)}\0{stat.st_size}\0".encode())
            digest.update(f"{stat.st_mtime_ns}\n".encode())
        return {"folder": self.root, "files": digest.hexdigest(), "count": len(self.paths)}

    def prepare(self):
        options = self.options
        headers = [_read_header(path) for path in self.paths]
        sizes = collections.Counter(size for size, _, _ in headers)
        modes = collections.Counter(mode for _, mode, _ in headers)
        size = _resolve_size(options["image_size"], sizes, f"folder {self.root!r}")
        colour = any(mode not in _GREY_MODES for mode in modes)
        channels = options["channels"] or (3 if colour else 1)
        indices = _share(len(self.paths), options["shard"])
        self.shard_paths = [self.paths[i] for i in indices]
        self.with_pil = [headers[i][2] for i in indices]
        self.shape = (len(indices), *size, channels)
        left_out = dict(self.left_out)
        if options["shard"]:
            left_out[_UNEVEN] = len(self.paths) % options["shard"][0]
        if self.file_labels is not None:
            self.labels = self.file_labels[indices]
        self.report = DatasetReport(
            source=describe_source(self.root),
            image_shape=self.shape[1:],
            num_images=len(indices),
            num_found=len(self.paths),
            class_counts=None
            if self.labels is None
            else _class_counts(self.labels, self.class_names),
            sizes=dict(sizes),
            modes=dict(modes),
            left_out=left_out,
            fit=options["fit"],
            shard=options["shard"],
        )

    def fill(self, out):
        size, channels, fit = out.shape[1:3], out.shape[3], self.options["fit"]
        any_with_pil = any(self.with_pil)

        def load(path, with_pil):
            return _fit(_decode_file(path, with_pil, any_with_pil), size, channels, fit)

        def locate(start):
            batch = list(zip(self.shard_paths, self.with_pil))[start : start + _DECODE_BATCH]
            for path, with_pil in batch:
                try:
                    load(tf.constant(path), tf.constant(with_pil))
                except tf.errors.OpError as error:
                    raise ValueError(
                        f"image file {path!r} is truncated or corrupt ({_first_line(error)}); "
                        "remove or replace it."
                    ) from None

        files = tf.data.Dataset.from_tensor_slices((self.shard_paths, self.with_pil))
        batches = (
            files.map(lambda p, w: (load(p, w),), num_parallel_calls=tf.data.AUTOTUNE)
            .batch(_DECODE_BATCH)
            .prefetch(1)
        )
        _decode_into(out, batches, locate)


def _list_folder(root: str, labels: Optional[bool]):
    """(image paths, their labels or None, class names or None, left-out counts) of a folder."""
    left_out = collections.Counter()

    def images_in(directory: str) -> List[str]:
        found, seen = [], set()
        for here, dirs, files in os.walk(directory, followlinks=True):
            if os.path.realpath(here) in seen:  # a link back up the tree: read it once
                dirs[:] = []
                continue
            seen.add(os.path.realpath(here))
            left_out[_HIDDEN] += sum(name.startswith(".") for name in dirs)
            dirs[:] = sorted(name for name in dirs if not name.startswith("."))
            kept = [name for name in sorted(files) if _kept(name, left_out)]
            found.extend(os.path.join(here, name) for name in kept)
        return found

    with os.scandir(root) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    class_names = [
        entry.name
        for entry in entries
        if entry.is_dir(follow_symlinks=True) and not entry.name.startswith(".")
    ]
    if labels is True and not class_names:
        raise ValueError(
            f"labels=True, but folder {root!r} has no class subfolders; put each class's images "
            "in a subfolder named after it, or pass labels=None or False."
        )
    if labels is False or not class_names:
        paths, file_labels, class_names = images_in(root), None, None
    else:
        for entry in entries:
            if entry.name.startswith("."):
                left_out[_HIDDEN] += 1
            elif not entry.is_dir(follow_symlinks=True):
                _kept(entry.name, left_out, beside=_BESIDE_CLASSES)
        paths, file_labels = [], []
        for label, name in enumerate(class_names):
            found = images_in(os.path.join(root, name))
            if not found:
                raise ValueError(
                    f"class folder {os.path.join(root, name)!r} holds no images (PNG, JPEG, BMP "
                    "or GIF); add images to it, remove it, or pass labels=False to read the "
                    "folder without classes."
                )
            paths.extend(found)
            file_labels.extend([label] * len(found))
    if not paths:
        skipped = ", ".join(f"{why} {n}" for why, n in left_out.items() if n)
        skipped = f" (left out: {skipped})" if skipped else ""
        raise ValueError(
            f"image folder {root!r} holds no images (PNG, JPEG, BMP or GIF){skipped}; put "
            "images in it or pass another folder."
        )
    return paths, file_labels, class_names, {why: n for why, n in left_out.items() if n}


def _kept(name: str, left_out: collections.Counter, beside: Optional[str] = None) -> bool:
    """Whether a file is an image to read; counts it in left_out (as beside, if given) if not."""
    if name.startswith("."):
        left_out[_HIDDEN] += 1
        return False
    extension = os.path.splitext(name)[1].lower()
    if extension not in IMAGE_EXTENSIONS:
        left_out[f"not an image ({extension or 'no extension'})"] += 1
        return False
    if beside is not None:
        left_out[beside] += 1
        return False
    return True


def _read_header(path: str) -> Tuple[Tuple[int, int], str, bool]:
    """((height, width), PIL mode, whether PIL must decode it) of an image file, from its header."""
    try:
        with Image.open(path) as image:
            file_format, mode, (width, height) = image.format, image.mode, image.size
    except (OSError, SyntaxError, ValueError) as error:
        reason = "not a PNG, JPEG, BMP or GIF file"
        if not isinstance(error, UnidentifiedImageError):
            reason = _first_line(error)
        raise ValueError(
            f"image file {path!r} is corrupt or not an image ({reason}); remove or replace it."
        ) from None
    if file_format not in _FILE_FORMATS:
        raise ValueError(
            f"image file {path!r} holds a {file_format} image, which TensorFlow does not "
            "decode; convert it to PNG or remove it."
        )
    # TensorFlow reads a palette BMP's indices as grey levels and fails on 1-bit BMPs.
    with_pil = file_format == "BMP" and mode not in ("L", "RGB", "RGBA")
    return (height, width), mode, with_pil


def _decode_file(path: tf.Tensor, with_pil: tf.Tensor, any_with_pil: bool) -> tf.Tensor:
    """uint8 [h, w, c] of an image file: TensorFlow decodes it, PIL where with_pil."""

    def tensorflow():
        return tf.io.decode_image(
            tf.io.read_file(path), channels=0, dtype=tf.uint8, expand_animations=False
        )

    if not any_with_pil:
        return tensorflow()

    def pil():
        image = tf.numpy_function(_pil_rgb, [path], tf.uint8, stateful=False)
        return tf.ensure_shape(image, [None, None, 3])

    return tf.cond(with_pil, pil, tensorflow)


def _pil_rgb(path: bytes) -> np.ndarray:
    with Image.open(path.decode()) as image:
        return np.asarray(image.convert("RGB"))


class _TfdsReader(_Reader):
    def __init__(self, name, split, data_dir, options):
        import tensorflow_datasets as tfds  # imported here: `import tfgan` does not pull in tfds

        self.name, self.split, self.options = name, split, options
        self.data_dir = None if data_dir is None else os.fspath(data_dir)
        try:
            builder = tfds.builder(name, data_dir=self.data_dir)
        except tfds.core.registered.DatasetNotFoundError:
            raise ValueError(
                f"{name!r} is neither a folder nor a tensorflow-datasets name; pass a folder of "
                "images, a tfds name such as 'cifar10' (tfds.list_builders() lists them) or "
                "arrays."
            ) from None
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"tensorflow-datasets cannot make {name!r}: {_first_line(error)}"
            ) from None
        self.version = str(builder.info.version)
        self.prepared, self.builder_dir = builder.is_prepared(), builder.data_dir
        features = builder.info.features
        images = [key for key, f in features.items() if isinstance(f, tfds.features.Image)]
        if not images:
            raise ValueError(
                f"tensorflow-datasets dataset {name!r} has no image feature (its features: "
                f"{', '.join(features.keys())}); choose a dataset of images."
            )
        self.image_key = "image" if "image" in images else images[0]
        self.feature = features[self.image_key]
        class_labels = [
            key for key, f in features.items() if isinstance(f, tfds.features.ClassLabel)
        ]
        self.label_key = None
        if options["labels"] is True and not class_labels:
            raise ValueError(
                f"labels=True, but tensorflow-datasets dataset {name!r} has no class label; "
                "pass labels=None or False."
            )
        if class_labels and options["labels"] is not False:
            self.label_key = "label" if "label" in class_labels else class_labels[0]
            self.class_names = list(features[self.label_key].names)

    @property
    def key(self):
        return {
            "tfds": self.name,
            "split": self.split,
            "data_dir": self.data_dir and os.path.abspath(self.data_dir),
            "version": self.version,
        }

    def prepare(self):
        import tensorflow_datasets as tfds

        options = self.options
        height, width, found_channels = self.feature.shape
        where = f"tensorflow-datasets dataset {self.name!r}"
        if options["image_size"] is None and (height is None or width is None):
            raise ValueError(
                f"the images of {where} differ in size; pass image_size=(height, width), or one "
                "int for squares, to fit them to one size."
            )
        size = options["image_size"] or (height, width)
        channels = options["channels"] or (1 if found_channels == 1 else 3)
        if self.feature.np_dtype != np.uint8:
            raise ValueError(f"the images of {where} are {self.feature.np_dtype}, not uint8.")
        try:
            self.dataset = tfds.load(self.name, split=self.split, data_dir=self.data_dir)
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"tensorflow-datasets cannot load split {self.split!r} of {self.name!r}: "
                f"{_first_line(error)}"
            ) from None
        except Exception as error:  # a download that failed: offline, or a missing extra
            if self.prepared:
                raise
            raise FileNotFoundError(
                f"{self.name!r} is not in the TFDS data dir ({self.builder_dir}) and could not be "
                f"downloaded ({type(error).__name__}: {_first_line(error)}); run once with "
                "network access, or pass data_dir= where tfds keeps it."
            ) from None
        count = int(self.dataset.cardinality())
        if count < 0:
            count = int(self.dataset.reduce(0, lambda n, _: n + 1))
        if count == 0:
            raise ValueError(f"split {self.split!r} of {where} holds no images.")
        self.indices = _share(count, options["shard"])
        self.count = count
        self.shape = (len(self.indices), *size, channels)
        self.report = DatasetReport(
            source=describe_source(self.name, self.split, self.data_dir),
            image_shape=self.shape[1:],
            num_images=len(self.indices),
            num_found=count,
            class_counts=None,
            sizes={},
            modes={},
            left_out={_UNEVEN: count % options["shard"][0]} if options["shard"] else {},
            fit=options["fit"],
            shard=options["shard"],
        )

    def fill(self, out):
        size, channels, fit = out.shape[1:3], out.shape[3], self.options["fit"]
        image_key, label_key = self.image_key, self.label_key
        dataset = self.dataset
        if self.options["shard"] is not None:
            keep = np.zeros(self.count, bool)
            keep[self.indices] = True
            keep = tf.constant(keep)
            dataset = dataset.enumerate().filter(lambda i, _: keep[i]).map(lambda _, ex: ex)

        def element(example):
            image = example[image_key]
            label = tf.cast(example[label_key], tf.int32) if label_key else tf.constant(0)
            return _fit(image, size, channels, fit), tf.shape(image), label

        def locate(start):
            del start  # tfds decodes; its error names no file

        batches = dataset.map(element, num_parallel_calls=tf.data.AUTOTUNE).batch(_DECODE_BATCH)
        extras = _decode_into(out, batches.prefetch(1), locate)
        sizes = collections.Counter((int(s[0]), int(s[1])) for s, _ in extras)
        modes = collections.Counter(_MODE_OF_CHANNELS.get(int(s[2]), "?") for s, _ in extras)
        self.report.sizes, self.report.modes = dict(sizes), dict(modes)
        if label_key:
            self.labels = np.array([label for _, label in extras], np.int32)
            self.report.class_counts = _class_counts(self.labels, self.class_names)


def _cached(cache_file: str, reader: _Reader) -> ImageSet:
    """The reader's images through cache_file: reused if made from the same, else decoded again."""
    from tfgan import runs  # here, not at the top: tfgan.runs imports modules that import this

    meta_path = cache_file + ".json"
    key = json.loads(json.dumps({"format": _CACHE_FORMAT, **reader.key, **reader.options}))
    os.makedirs(os.path.dirname(cache_file), exist_ok=True)
    with open(cache_file + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        meta = _read_json(meta_path)
        why = "decoded into it"
        if meta is not None and meta.get("key") == key:
            images = _open_cache(cache_file, meta["shape"])
            if images is not None:
                report = DatasetReport.from_dict(meta["report"])
                report.cache = f"read from {cache_file}, decoded before"
                labels = None if meta["labels"] is None else np.asarray(meta["labels"], np.int32)
                return ImageSet(images, labels, meta["class_names"], report)
            why = "decoded into it again (it was damaged or missing)"
        elif meta is not None:
            made_from = meta.get("key") or {}
            differ = sorted(k for k in {*key, *made_from} if key.get(k) != made_from.get(k))
            why = f"decoded into it again (it was made with another {', '.join(differ)})"
        reader.prepare()
        if os.path.exists(meta_path):
            os.remove(meta_path)  # a kill from here on leaves no record: the next call decodes

        def write(path):
            images = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=reader.shape)
            reader.fill(images)
            images.flush()
            del images

        runs.write_atomically(cache_file, write)
        reader.report.cache = f"{cache_file}: {why}"
        labels = reader.labels
        runs.write_json(
            meta_path,
            {
                "key": key,
                "shape": list(reader.shape),
                "labels": None if labels is None else labels.tolist(),
                "class_names": reader.class_names,
                "report": reader.report.as_dict(),
            },
        )
        images = np.load(cache_file, mmap_mode="r")
        return ImageSet(images, labels, reader.class_names, reader.report)


def _read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _open_cache(path: str, shape: Sequence[int]) -> Optional[np.ndarray]:
    """The cache file memory-mapped, or None if it is missing or not what its record says."""
    try:
        images = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if images.dtype != np.uint8 or list(images.shape) != list(shape):
        return None
    return images


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

    `image_epochs` of the split's images (28x28x1): epoch e holds every image once (but the last
    partial batch, and the batches beyond a whole number of `steps_per_execution` calls), in the
    order of a permutation drawn from (seed, e) alone, so a run resumed at epoch e with
    `start_epoch=e` trains on what an uninterrupted run trains on, however often `fit` was
    interrupted (`mnist`'s reshuffling depends on how many times it was iterated). Fit it with the
    batches per epoch it returns:

        data, steps_per_epoch = tfgan.data.mnist_epochs("train", 64, seed=0, start_epoch=epoch)
        gan.fit(data, steps_per_epoch=steps_per_epoch, epochs=epochs, initial_epoch=epoch)

    Args:
        split, batch_size, dataset, data_dir, with_labels: as for `mnist`.
        seed: draws the epochs' permutations; None draws a random seed.
        start_epoch, steps_per_execution: as for `image_epochs` (the 60,000 training digits make
            937 batches of 64, a prime: 930 at 10 per call; the few images left out differ each
            epoch).

    Returns:
        (the dataset, whose elements are as `mnist`'s; the number of batches in an epoch).

    Raises:
        ValueError: batch_size < 1, start_epoch < 0, steps_per_execution < 1, the split holds no
            batch, or as `load_mnist_arrays`.
        FileNotFoundError: as `load_mnist_arrays`.
    """
    _check_epoch_options(start_epoch, steps_per_execution)
    images, labels = _load_batchable(split, batch_size, dataset, data_dir, drop_remainder=True)
    image_set = _mnist_image_set(images, labels, dataset, describe_source(dataset, split, data_dir))
    return image_epochs(
        image_set,
        batch_size,
        seed=seed,
        start_epoch=start_epoch,
        steps_per_execution=steps_per_execution,
        with_labels=with_labels,
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
    source: Any = "mnist",
    split: str = "train",
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> str:
    """Where a source's images come from, in words (for a run's first lines and record).

    Args:
        source: any source of `load_images`: 'mnist' or 'fashion_mnist', a folder, a
            tensorflow-datasets name, or arrays.
        split: the split, for MNIST and tensorflow-datasets sources.
        data_dir: as for `load_images`.

    Returns:
        One line, e.g. "mnist test from tfgan's copy of the MNIST test split", "the image folder
        /data/pets", "cifar10 train from tensorflow-datasets".
    """
    kind = _source_kind(source)
    if kind == "arrays":
        images, labels = _split_arrays(source)
        shape = "x".join(str(d) for d in np.shape(images)[1:])
        with_labels = "" if labels is None else " with labels"
        return f"an array of {len(images):,} images of shape {shape}{with_labels}"
    if kind == "folder":
        return f"the image folder {os.path.abspath(os.fspath(source))}"
    if kind == "tfds":
        where = f" in {os.path.abspath(os.fspath(data_dir))}" if data_dir is not None else ""
        return f"{source} {split} from tensorflow-datasets{where}"
    if data_dir is not None:
        return f"{source} {split} from the IDX files in {os.path.abspath(os.fspath(data_dir))}"
    if _packaged(_parse_split(split), source):
        return f"{source} {split} from tfgan's copy of the MNIST test split"
    return f"{source} {split} from tensorflow-datasets"


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
