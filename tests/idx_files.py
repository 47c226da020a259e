"""Writes small IDX files (MNIST's file format) for tests, by hand from the format's definition."""

import gzip
import os
import struct

import numpy as np


def write_idx(path, array, magic=None, truncate_by=0):
    """Writes a uint8 array as an IDX file (gzip when path ends in .gz), by hand from the format."""
    array = np.asarray(array, np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    content = struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()
    content = content[: len(content) - truncate_by]
    if path.endswith(".gz"):
        content = gzip.compress(content)
    with open(path, "wb") as f:
        f.write(content)


def write_mnist_like_split(data_dir, prefix="train", num_images=64, seed=0):
    """Writes PREFIX-images-idx3-ubyte.gz, PREFIX-labels-idx1-ubyte.gz of random 28x28 strokes."""
    rng = np.random.default_rng(seed)
    images = np.zeros((num_images, 28, 28), np.uint8)
    for image in images:
        row, column = rng.integers(4, 20, size=2)
        image[row : row + 8, column : column + 3] = 255
    labels = rng.integers(0, 10, size=num_images)
    os.makedirs(data_dir, exist_ok=True)
    write_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), images)
    write_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), labels)
    return images, labels


def write_learnable_split(data_dir, prefix="train", num_images=200, seed=0):
    """Writes an IDX split whose label is learnable: class c is a 6x6 square at one of 10 places.

    The square is jittered by up to 2 pixels and drawn over uniform noise, so a classifier must
    learn where it is, and a classifier that ignores the images scores about 10%.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=num_images)
    images = rng.integers(0, 60, size=(num_images, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        row = 3 + 12 * (label // 5) + rng.integers(-2, 3)
        column = 1 + 5 * (label % 5) + rng.integers(0, 3)
        image[row : row + 6, column : column + 6] = 255
    os.makedirs(data_dir, exist_ok=True)
    write_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), images)
    write_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), labels)
    return images, labels
