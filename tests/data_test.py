"""Tests for tfgan.data: the circle stream, MNIST from IDX files and tfds, and images in general
(folders written by tests/image_folders.py, a mocked tfds dataset, arrays) with their epochs."""

import gzip
import json
import os
import socket
import struct
import tempfile
import time
from unittest import mock

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from absl.testing import parameterized
from idx_files import write_idx, write_learnable_split
from image_folders import shape_image, write_image, write_image_folder
from PIL import Image

from tfgan import data

_NUM_TRAIN = 10
_NUM_TEST = 6


def _sorted_rows(images):
    """The images as a sorted list of byte strings, to compare batches in any order."""
    return sorted(image.tobytes() for image in images)


class CircleTest(tf.test.TestCase):
    def test_points_lie_on_the_radius_without_noise(self):
        points = next(iter(data.circle(batch_size=64, radius=2.5, seed=0))).numpy()
        self.assertEqual(points.shape, (64, 2))
        self.assertAllClose(np.hypot(points[:, 0], points[:, 1]), np.full(64, 2.5), atol=1e-5)

    def test_noise_spreads_points_around_the_radius(self):
        points = next(iter(data.circle(batch_size=512, radius=1.0, noise_std=0.1, seed=0))).numpy()
        radii = np.hypot(points[:, 0], points[:, 1])
        self.assertNear(radii.std(), 0.1, 0.02)
        self.assertNear(radii.mean(), 1.0, 0.02)

    def test_same_seed_gives_same_stream(self):
        first = [b.numpy() for b in data.circle(batch_size=8, noise_std=0.1, seed=3).take(3)]
        second = [b.numpy() for b in data.circle(batch_size=8, noise_std=0.1, seed=3).take(3)]
        other = [b.numpy() for b in data.circle(batch_size=8, noise_std=0.1, seed=4).take(3)]
        self.assertAllEqual(first, second)
        self.assertNotAllClose(first, other)

    def test_a_stream_started_at_batch_n_continues_the_stream_from_batch_0(self):
        stream = list(data.circle(4, seed=3).take(5).as_numpy_iterator())
        resumed = list(data.circle(4, seed=3, start_batch=2).take(3).as_numpy_iterator())
        self.assertAllEqual(stream[2:], resumed)


class MnistIdxTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.images = {
            "train": rng.integers(0, 256, (_NUM_TRAIN, 28, 28), dtype=np.uint8),
            "test": rng.integers(0, 256, (_NUM_TEST, 28, 28), dtype=np.uint8),
        }
        self.images["train"][0, 0, 0] = 0
        self.images["train"][0, 0, 1] = 255
        self.labels = {
            "train": np.arange(_NUM_TRAIN, dtype=np.uint8) % 10,
            "test": np.arange(_NUM_TEST, dtype=np.uint8)[::-1],
        }

    def _write_dir(self, gz=True):
        data_dir = tempfile.mkdtemp(dir=self.get_temp_dir())
        suffix = ".gz" if gz else ""
        for split, prefix in (("train", "train"), ("test", "t10k")):
            write_idx(
                os.path.join(data_dir, f"{prefix}-images-idx3-ubyte{suffix}"), self.images[split]
            )
            write_idx(
                os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte{suffix}"), self.labels[split]
            )
        return data_dir

    @parameterized.named_parameters(("gzip", True), ("plain", False))
    def test_load_arrays_returns_the_written_images_and_labels(self, gz):
        data_dir = self._write_dir(gz)
        for split in ("train", "test"):
            images, labels = data.load_mnist_arrays(split, data_dir=data_dir)
            self.assertEqual(images.dtype, np.uint8)
            self.assertEqual(labels.dtype, np.uint8)
            self.assertAllEqual(images, self.images[split])
            self.assertAllEqual(labels, self.labels[split])

    @parameterized.parameters(
        ("train[:4]", "train", slice(0, 4)),
        ("train[-3:]", "train", slice(7, 10)),
        ("train[2:5]", "train", slice(2, 5)),
        ("test[50%:]", "test", slice(3, 6)),
        ("train[10%:30%]", "train", slice(1, 3)),
        ("train[:-10%]", "train", slice(0, 9)),
        ("test[:0]", "test", slice(0, 0)),
    )
    def test_slice_selects_the_examples_tfds_would(self, split, name, expected):
        images, labels = data.load_mnist_arrays(split, data_dir=self._write_dir())
        self.assertAllEqual(images, self.images[name][expected])
        self.assertAllEqual(labels, self.labels[name][expected])

    def test_splits_joined_with_plus_are_concatenated_in_order(self):
        images, labels = data.load_mnist_arrays("test[:2] + train[8:]", data_dir=self._write_dir())
        self.assertAllEqual(
            images, np.concatenate([self.images["test"][:2], self.images["train"][8:]])
        )
        self.assertAllEqual(
            labels, np.concatenate([self.labels["test"][:2], self.labels["train"][8:]])
        )

    def test_train_plus_test_has_all_examples(self):
        images, _ = data.load_mnist_arrays("train+test", data_dir=self._write_dir())
        self.assertEqual(images.shape, (_NUM_TRAIN + _NUM_TEST, 28, 28))

    def test_test_split_needs_only_the_test_files(self):
        data_dir = self._write_dir()
        os.remove(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
        images, _ = data.load_mnist_arrays("test", data_dir=data_dir)
        self.assertAllEqual(images, self.images["test"])

    def test_plain_file_is_preferred_to_gzip(self):
        data_dir = self._write_dir(gz=True)
        write_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"), self.images["test"][::-1])
        images, _ = data.load_mnist_arrays("test", data_dir=data_dir)
        self.assertAllEqual(images, self.images["test"][::-1])

    @parameterized.named_parameters(
        ("unknown_name", "validation", "unknown split name 'validation'"),
        ("unclosed_bracket", "train[", r"bad split 'train\['"),
        ("letters_in_slice", "train[a:b]", "bad split"),
        ("empty", "", "bad split ''"),
        ("empty_part", "train++test", "bad split"),
        ("percent_over_100", "train[:150%]", "percent bounds"),
        ("bound_past_the_end", "test[:7]", "outside a split of 6 examples"),
    )
    def test_bad_split_raises_one_clear_line(self, split, fragment):
        with self.assertRaisesRegex(ValueError, fragment) as raised:
            data.load_mnist_arrays(split, data_dir=self._write_dir())
        self.assertNotIn("\n", str(raised.exception))

    @parameterized.named_parameters(("gzip", True), ("plain", False))
    def test_mnist_scales_pixels_to_minus_one_one(self, gz):
        dataset = data.mnist("train", batch_size=5, data_dir=self._write_dir(gz), seed=0)
        batches = [batch.numpy() for batch in dataset]
        self.assertLen(batches, 2)
        for batch in batches:
            self.assertEqual(batch.shape, (5, 28, 28, 1))
            self.assertEqual(batch.dtype, np.float32)
        images = np.concatenate(batches)
        expected = self.images["train"][..., np.newaxis].astype(np.float32) / 127.5 - 1.0
        self.assertEqual(_sorted_rows(images), _sorted_rows(expected))
        self.assertEqual(images.min(), -1.0)
        self.assertEqual(images.max(), 1.0)

    def test_mnist_with_labels_pairs_each_image_with_its_label(self):
        dataset = data.mnist(
            "test", batch_size=3, data_dir=self._write_dir(), with_labels=True, seed=0
        )
        label_of = {
            (image.astype(np.float32) / 127.5 - 1.0).tobytes(): label
            for image, label in zip(self.images["test"][..., np.newaxis], self.labels["test"])
        }
        seen = 0
        for images, labels in dataset:
            self.assertEqual(labels.dtype, tf.int32)
            for image, label in zip(images.numpy(), labels.numpy()):
                self.assertEqual(label, label_of[image.tobytes()])
                seen += 1
        self.assertEqual(seen, _NUM_TEST)

    def test_drop_remainder_controls_the_last_small_batch(self):
        data_dir = self._write_dir()
        dropped = [b.shape[0] for b in data.mnist("train", batch_size=4, data_dir=data_dir)]
        kept = [
            b.shape[0]
            for b in data.mnist("train", batch_size=4, data_dir=data_dir, drop_remainder=False)
        ]
        self.assertEqual(dropped, [4, 4])
        self.assertEqual(kept, [4, 4, 2])

    def test_split_smaller_than_a_batch_raises(self):
        with self.assertRaisesRegex(ValueError, "not enough for a batch of 8"):
            data.mnist("test", batch_size=8, data_dir=self._write_dir())

    def test_same_seed_gives_same_order_and_each_epoch_reshuffles(self):
        data_dir = self._write_dir()

        def two_epochs(seed):
            dataset = data.mnist("train", batch_size=_NUM_TRAIN, data_dir=data_dir, seed=seed)
            return [next(iter(dataset)).numpy() for _ in range(2)]

        first, second, other = two_epochs(7), two_epochs(7), two_epochs(8)
        self.assertAllEqual(first, second)
        self.assertNotAllClose(first[0], first[1])
        self.assertNotAllClose(first[0], other[0])

    def test_epoch_stream_shows_every_image_once_per_epoch_in_an_order_of_seed_and_epoch(self):
        data_dir = self._write_dir()
        batch = 3  # 10 training images: 3 batches an epoch, one image left out each time

        def epochs(seed, start_epoch=0, count=3):
            stream, steps = data.mnist_epochs(
                "train",
                batch,
                data_dir=data_dir,
                with_labels=True,
                seed=seed,
                start_epoch=start_epoch,
            )
            self.assertEqual(steps, _NUM_TRAIN // batch)
            batches = list(stream.take(steps * count).as_numpy_iterator())
            return [batches[i * steps : (i + 1) * steps] for i in range(count)]

        first = epochs(seed=5)
        scaled = self.images["train"].astype(np.float32) / 127.5 - 1
        for epoch in first:
            images = np.concatenate([images for images, _ in epoch])[..., 0]
            labels = np.concatenate([labels for _, labels in epoch])
            self.assertLen(images, 9)
            # Each image once, with its own label.
            indices = [int(np.argmin(np.abs(scaled - image).sum(axis=(1, 2)))) for image in images]
            self.assertLen(set(indices), 9)
            self.assertAllEqual(labels, self.labels["train"][indices])
            self.assertAllClose(images, scaled[indices])
        orders = [np.concatenate([labels for _, labels in epoch]) for epoch in first]
        self.assertNotAllEqual(orders[0], orders[1])
        resumed = epochs(seed=5, start_epoch=1, count=2)
        for want, got in zip(first[1:], resumed):
            for (want_images, want_labels), (got_images, got_labels) in zip(want, got):
                self.assertAllEqual(want_images, got_images)
                self.assertAllEqual(want_labels, got_labels)
        other_seed = np.concatenate([labels for _, labels in epochs(seed=6, count=1)[0]])
        self.assertNotAllEqual(other_seed, orders[0])

    @parameterized.parameters((1, 1, 10), (4, 1, 8), (2, 3, 2), (20, 1, 10))
    def test_an_epoch_is_a_whole_number_of_calls(self, steps_per_execution, batch, steps):
        stream, steps_per_epoch = data.mnist_epochs(
            "train",
            batch,
            data_dir=self._write_dir(),
            seed=0,
            steps_per_execution=steps_per_execution,
        )
        self.assertEqual(steps_per_epoch, steps)
        epochs = list(stream.take(2 * steps).as_numpy_iterator())
        self.assertNotAllClose(np.stack(epochs[:steps]), np.stack(epochs[steps:]))

    def test_labels_outside_the_ten_classes_raise_naming_the_file(self):
        data_dir = self._write_dir()
        write_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), np.full(_NUM_TRAIN, 12))
        with self.assertRaisesRegex(ValueError, "train-labels-idx1-ubyte.gz holds label 12"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    def test_missing_data_dir_raises(self):
        missing = os.path.join(self.get_temp_dir(), "no_such_dir")
        with self.assertRaisesRegex(FileNotFoundError, "no_such_dir' does not exist"):
            data.load_mnist_arrays("train", data_dir=missing)

    def test_missing_file_raises_naming_file_and_directory(self):
        data_dir = self._write_dir()
        os.remove(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
        with self.assertRaises(FileNotFoundError) as raised:
            data.load_mnist_arrays("train+test", data_dir=data_dir)
        self.assertIn("t10k-labels-idx1-ubyte", str(raised.exception))
        self.assertIn(data_dir, str(raised.exception))

    def test_wrong_magic_raises_with_expected_and_found(self):
        data_dir = self._write_dir(gz=False)
        path = os.path.join(data_dir, "train-images-idx3-ubyte")
        write_idx(path, self.images["train"], magic=0x00000801)
        with self.assertRaisesRegex(ValueError, "magic number 0x00000801, expected 0x00000803"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    def test_gzip_file_without_gz_suffix_gets_a_hint(self):
        data_dir = self._write_dir(gz=False)
        write_idx(os.path.join(data_dir, "train-labels-idx1-ubyte"), [1, 2])
        with open(os.path.join(data_dir, "train-labels-idx1-ubyte"), "rb") as f:
            content = f.read()
        with open(os.path.join(data_dir, "train-labels-idx1-ubyte"), "wb") as f:
            f.write(gzip.compress(content))
        with self.assertRaisesRegex(ValueError, "gzip-compressed: name it"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    @parameterized.named_parameters(("gzip", ".gz"), ("plain", ""))
    def test_truncated_data_raises(self, suffix):
        data_dir = self._write_dir(gz=bool(suffix))
        path = os.path.join(data_dir, f"train-images-idx3-ubyte{suffix}")
        write_idx(path, self.images["train"], truncate_by=100)
        with self.assertRaisesRegex(ValueError, r"truncated or corrupt: its header says 10x28x28"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    def test_truncated_header_raises(self):
        data_dir = self._write_dir(gz=False)
        with open(os.path.join(data_dir, "t10k-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">I", 0x00000801))
        with self.assertRaisesRegex(ValueError, "truncated inside its header"):
            data.load_mnist_arrays("test", data_dir=data_dir)

    def test_cut_gzip_stream_raises(self):
        data_dir = self._write_dir()
        path = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
        with open(path, "rb") as f:
            content = f.read()
        with open(path, "wb") as f:
            f.write(content[: len(content) // 2])
        with self.assertRaisesRegex(ValueError, "not a valid gzip file"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    def test_image_and_label_count_mismatch_raises(self):
        data_dir = self._write_dir()
        write_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), self.labels["train"][:-1])
        with self.assertRaisesRegex(ValueError, "has 10 images but .* has 9 labels"):
            data.load_mnist_arrays("train", data_dir=data_dir)

    def test_images_that_are_not_28x28_raise(self):
        data_dir = self._write_dir()
        write_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), np.zeros((6, 32, 32)))
        with self.assertRaisesRegex(ValueError, r"shape \(32, 32\), expected \(28, 28\)"):
            data.load_mnist_arrays("test", data_dir=data_dir)

    def test_unknown_dataset_raises(self):
        with self.assertRaisesRegex(ValueError, "dataset must be one of .* got 'cifar10'"):
            data.load_mnist_arrays("train", dataset="cifar10", data_dir=self._write_dir())

    def test_batch_size_below_one_raises(self):
        with self.assertRaisesRegex(ValueError, "batch_size must be at least 1"):
            data.mnist("train", batch_size=0, data_dir=self._write_dir())


class RealImagesTest(tf.test.TestCase):
    def test_real_images_scale_pixels_to_minus_one_one(self):
        raw_dir = os.path.join(self.get_temp_dir(), "raw")
        pixels, labels = write_learnable_split(raw_dir, "t10k", num_images=5, seed=2)
        images, loaded_labels = data.real_images("test", "mnist", raw_dir)
        self.assertEqual(images.shape, (5, 28, 28, 1))
        self.assertAllClose(images[..., 0], pixels / 127.5 - 1.0)
        self.assertAllEqual(loaded_labels, labels)


class MnistTfdsTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters("mnist", "fashion_mnist")
    def test_tfds_dataset_has_mnist_shapes_and_range(self, dataset):
        with (
            tfds.testing.mock_data(num_examples=12),
            mock.patch.object(data, "_can_reach", return_value=True),
        ):
            images, labels = data.load_mnist_arrays("train", dataset)
            batches = list(data.mnist("train", batch_size=4, dataset=dataset, with_labels=True))
        self.assertEqual(images.shape, (12, 28, 28))
        self.assertEqual(images.dtype, np.uint8)
        self.assertEqual(labels.dtype, np.uint8)
        self.assertLen(batches, 3)
        for batch, batch_labels in batches:
            self.assertEqual(batch.shape, (4, 28, 28, 1))
            self.assertEqual(batch.dtype, tf.float32)
            self.assertEqual(batch_labels.dtype, tf.int32)
            self.assertAllInRange(batch, -1.0, 1.0)
            self.assertAllInRange(batch_labels, 0, 9)

    @parameterized.parameters(
        ("mnist", "storage.googleapis.com", 443),
        ("fashion_mnist", "fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
    )
    def test_offline_without_data_fails_fast_with_a_fix(self, dataset, host, port):
        with (
            mock.patch.dict(os.environ, {}, clear=False),
            mock.patch.object(data, "_can_reach", return_value=False) as can_reach,
            mock.patch.object(tfds.core.DatasetBuilder, "is_prepared", return_value=False),
            mock.patch.object(
                tfds, "load", side_effect=AssertionError("tfds.load must not be called offline")
            ),
        ):
            for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
                os.environ.pop(variable, None)
            start = time.monotonic()
            with self.assertRaisesRegex(
                FileNotFoundError, "cannot be reached.*data_dir="
            ) as raised:
                data.mnist("train", dataset=dataset)
        # Far below a download's wait on an unreachable host (minutes), with room for a
        # loaded machine.
        self.assertLess(time.monotonic() - start, 20.0)
        self.assertNotIn("\n", str(raised.exception))
        can_reach.assert_called_once_with(host, port)


class CanReachTest(tf.test.TestCase):
    def test_open_port_is_reachable_and_closed_port_is_not(self):
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            self.assertTrue(data._can_reach("127.0.0.1", server.getsockname()[1]))
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed_port = unused.getsockname()[1]
        self.assertFalse(data._can_reach("127.0.0.1", closed_port, timeout=1.0))


def _luma(rgb):
    """ITU-R 601 luma of uint8 RGB pixels, by hand (tf.image.rgb_to_grayscale's weights)."""
    return np.round(rgb.astype(np.float64) @ np.array([0.2989, 0.5870, 0.1140]))


def _one_line(test, error):
    """Checks that an error's message is one line and returns it."""
    message = str(error.exception)
    test.assertNotIn("\n", message)
    return message


class ImageFolderTest(tf.test.TestCase, parameterized.TestCase):
    def _folder(self, name="pets", **kwargs):
        return write_image_folder(os.path.join(self.get_temp_dir(), name), **kwargs)

    def test_class_folders_are_sorted_labels_and_images_are_found_recursively(self):
        folder = self._folder(
            classes=("triangle", "circle", "square"), per_class=4, nested=True, formats=("png",)
        )
        images = data.load_images(folder.root, image_size=16)
        self.assertEqual(images.class_names, ["circle", "square", "triangle"])
        self.assertEqual(images.num_classes, 3)
        self.assertEqual(images.images.shape, (12, 16, 16, 3))
        self.assertEqual(images.images.dtype, np.uint8)
        self.assertEqual(images.labels.dtype, np.int32)
        self.assertAllEqual(images.labels, folder.labels)
        self.assertEqual(images.report.class_counts, {"circle": 4, "square": 4, "triangle": 4})

    def test_lossless_files_are_decoded_exactly_with_alpha_dropped_and_palettes_applied(self):
        folder = self._folder(sizes=((16, 16),), formats=("png",))
        self.assertEqual(set(folder.modes), {"RGB", "L", "RGBA", "P"})
        images = data.load_images(folder.root)
        for path, image in zip(folder.paths, images.images):
            self.assertAllEqual(image, np.asarray(Image.open(path).convert("RGB")), msg=path)

    def test_jpeg_files_decode_close_to_pil(self):
        folder = self._folder(sizes=((16, 16),), modes=("RGB", "L"), formats=("jpg",))
        images = data.load_images(folder.root)
        for path, image in zip(folder.paths, images.images):
            reference = np.asarray(Image.open(path).convert("RGB")).astype(int)
            self.assertLessEqual(np.abs(reference - image).max(), 3, msg=path)

    def test_channels_one_converts_colour_by_luma_and_keeps_grey(self):
        folder = self._folder(sizes=((16, 16),), formats=("png",))
        grey = data.load_images(folder.root, channels=1)
        self.assertEqual(grey.images.shape, (12, 16, 16, 1))
        for path, mode, image in zip(folder.paths, folder.modes, grey.images[..., 0]):
            if mode == "L":
                expected = np.asarray(Image.open(path))
            else:
                expected = _luma(np.asarray(Image.open(path).convert("RGB")))
            self.assertAllClose(image, expected, atol=1, msg=path)

    def test_channels_default_to_three_if_any_file_is_colour_else_one(self):
        colour = self._folder("colour", sizes=((8, 8),), modes=("L", "L", "P"))
        grey = self._folder("grey", sizes=((8, 8),), modes=("L",))
        self.assertEqual(data.load_images(colour.root).images.shape[-1], 3)
        grey_images = data.load_images(grey.root)
        self.assertEqual(grey_images.images.shape[-1], 1)
        self.assertEqual(data.load_images(grey.root, channels=3).images.shape[-1], 3)
        self.assertEqual(grey_images.report.modes, {"L": 12})

    def test_bmp_gif_and_palette_bmp_decode_to_their_colours(self):
        folder = self._folder(
            classes=None, per_class=3, sizes=((10, 12),), modes=("P", "RGB", "1"), formats=("bmp",)
        )
        gif = os.path.join(folder.root, "zz_animated.gif")
        frames = [shape_image(name, (10, 12)) for name in ("square", "circle")]
        frames[0].save(gif, save_all=True, append_images=frames[1:])
        images = data.load_images(folder.root)
        self.assertLen(images, 10)
        for path, image in zip(folder.paths + [gif], images.images):
            with Image.open(path) as reference:  # a GIF opens at its first frame
                self.assertAllEqual(image, np.asarray(reference.convert("RGB")), msg=path)

    def test_hidden_and_non_image_files_are_left_out_and_counted(self):
        folder = self._folder(text=True, hidden=True)
        images = data.load_images(folder.root, image_size=16)
        self.assertLen(images, 12)
        self.assertEqual(images.report.left_out, {"hidden (.name)": 2, "not an image (.txt)": 1})
        self.assertIn("left out: hidden (.name) 2, not an image (.txt) 1", str(images.report))

    def test_files_beside_class_folders_are_left_out_unless_labels_are_ignored(self):
        folder = self._folder(top_level=True, per_class=2, sizes=((16, 16),))
        labelled = data.load_images(folder.root)
        self.assertLen(labelled, 6)
        self.assertEqual(labelled.report.left_out, {"beside the class folders": 1})
        unlabelled = data.load_images(folder.root, labels=False)
        self.assertLen(unlabelled, 7)
        self.assertIsNone(unlabelled.labels)
        self.assertIsNone(unlabelled.class_names)
        self.assertIsNone(unlabelled.report.class_counts)
        self.assertEqual(unlabelled.report.left_out, {})

    def test_a_flat_folder_has_no_labels_and_labels_true_raises(self):
        folder = self._folder(classes=None, per_class=2, sizes=((8, 8),))
        images = data.load_images(folder.root)
        self.assertLen(images, 6)
        self.assertIsNone(images.labels)
        with self.assertRaises(ValueError) as raised:
            data.load_images(folder.root, labels=True)
        self.assertIn("has no class subfolders", _one_line(self, raised))

    def test_a_link_back_up_the_tree_is_read_once(self):
        folder = self._folder(per_class=2, sizes=((8, 8),))
        link = os.path.join(folder.root, "circle", "up")
        os.symlink(os.path.join(folder.root, "circle"), link)
        self.addCleanup(os.remove, link)  # TensorFlow's clean-up of temporary dirs follows links
        self.assertLen(data.load_images(folder.root), 6)

    def test_missing_folder_raises(self):
        missing = os.path.join(self.get_temp_dir(), "no_such_folder")
        with self.assertRaises(FileNotFoundError) as raised:
            data.load_images(missing)
        self.assertIn("no_such_folder' does not exist", _one_line(self, raised))

    def test_a_file_given_as_folder_raises(self):
        folder = self._folder(classes=None, per_class=1, sizes=((8, 8),))
        with self.assertRaisesRegex(ValueError, "is a file; pass a folder"):
            data.load_images(folder.paths[0])

    @parameterized.named_parameters(("empty", False), ("only_other_files", True))
    def test_a_folder_without_images_raises(self, other_files):
        root = os.path.join(self.get_temp_dir(), f"empty_{other_files}")
        os.makedirs(root)
        if other_files:
            for name in ("notes.txt", ".DS_Store"):
                with open(os.path.join(root, name), "w") as f:
                    f.write("x")
        with self.assertRaises(ValueError) as raised:
            data.load_images(root)
        message = _one_line(self, raised)
        self.assertIn("holds no images", message)
        if other_files:
            self.assertIn("left out: hidden (.name) 1, not an image (.txt) 1", message)

    def test_a_class_folder_without_images_raises_naming_it(self):
        folder = self._folder(per_class=1, sizes=((8, 8),))
        os.makedirs(os.path.join(folder.root, "dog"))
        with open(os.path.join(folder.root, "dog", "readme.txt"), "w") as f:
            f.write("x")
        with self.assertRaises(ValueError) as raised:
            data.load_images(folder.root)
        self.assertRegex(_one_line(self, raised), r"class folder '.*/dog' holds no images")
        self.assertLen(data.load_images(folder.root, labels=False), 3)

    @parameterized.parameters("corrupt", "truncated")
    def test_a_corrupt_or_truncated_image_raises_naming_the_file(self, damage):
        folder = self._folder(per_class=2, sizes=((16, 16),), **{damage: True})
        with self.assertRaises(ValueError) as raised:
            data.load_images(folder.root, image_size=16)
        message = _one_line(self, raised)
        self.assertIn(folder.extras[damage], message)
        self.assertIn("remove or replace it", message)

    def test_a_file_of_another_format_raises_naming_it(self):
        folder = self._folder(classes=None, per_class=1, sizes=((8, 8),))
        tiff = os.path.join(folder.root, "scan.png")
        shape_image("circle", (8, 8)).save(tiff, "TIFF")
        with self.assertRaises(ValueError) as raised:
            data.load_images(folder.root)
        self.assertIn(f"{tiff!r} holds a TIFF image", _one_line(self, raised))

    def test_images_of_several_sizes_need_image_size(self):
        folder = self._folder(sizes=((16, 16), (20, 12)))
        with self.assertRaises(ValueError) as raised:
            data.load_images(folder.root)
        message = _one_line(self, raised)
        self.assertIn("2 sizes (16x16 (6), 20x12 (6))", message)
        self.assertIn("pass image_size=(height, width)", message)
        images = data.load_images(folder.root, image_size=(12, 20))
        self.assertEqual(images.images.shape, (12, 12, 20, 3))
        self.assertEqual(images.report.sizes, {(16, 16): 6, (20, 12): 6})
        self.assertEqual(images.report.image_shape, (12, 20, 3))

    def test_report_reads_as_a_few_lines(self):
        folder = self._folder(text=True, sizes=((16, 16), (20, 12)))
        report = str(data.load_images(folder.root, image_size=16, fit="pad").report)
        self.assertEqual(
            report.splitlines(),
            [
                f"the image folder {folder.root}: 12 images in 3 classes, made 16x16x3 by "
                "padding with black and bilinear resize",
                "classes: circle 4, square 4, triangle 4",
                "sizes found: 16x16 6, 20x12 6",
                "modes found: RGB 3, L 3, RGBA 3, P 3",
                "left out: not an image (.txt) 1",
            ],
        )


class FitTest(tf.test.TestCase, parameterized.TestCase):
    """Crop and pad geometry against expectations made by hand."""

    def test_crop_takes_the_centred_window_of_the_target_aspect(self):
        image = np.tile(np.arange(10, 90, 10, dtype=np.uint8), (4, 1))  # 4x8, columns 10..80
        made = data.load_images(image[np.newaxis], image_size=4, fit="crop").images
        self.assertAllEqual(made[0, ..., 0], np.tile([30, 40, 50, 60], (4, 1)))
        tall = data.load_images(image.T[np.newaxis], image_size=4, fit="crop").images
        self.assertAllEqual(tall[0, ..., 0], np.tile([[30], [40], [50], [60]], (1, 4)))

    def test_pad_centres_the_image_between_black_bands(self):
        image = np.tile(np.arange(10, 90, 10, dtype=np.uint8), (4, 1))  # 4x8
        made = data.load_images(image[np.newaxis], image_size=8, fit="pad").images[0, ..., 0]
        expected = np.zeros((8, 8))
        expected[2:6] = image
        self.assertAllEqual(made, expected)

    def test_crop_then_resize_uses_only_the_window(self):
        image = np.zeros((8, 16), np.uint8)
        image[:, 4:12] = 100  # the centred 8x8 window; anything outside it would darken the result
        made = data.load_images(image[np.newaxis], image_size=4, fit="crop").images
        self.assertAllEqual(made[0, ..., 0], np.full((4, 4), 100))

    def test_pad_resizes_to_fit_then_pads(self):
        image = np.full((4, 8), 100, np.uint8)
        made = data.load_images(image[np.newaxis], image_size=4, fit="pad").images[0, ..., 0]
        self.assertAllEqual(made, [[0] * 4, [100] * 4, [100] * 4, [0] * 4])

    def test_non_square_targets(self):
        image = np.tile(np.arange(10, 90, 10, dtype=np.uint8), (4, 1))  # 4x8
        crop = data.load_images(image[np.newaxis], image_size=(2, 2), fit="crop").images
        self.assertEqual(crop.shape, (1, 2, 2, 1))
        wide = data.load_images(image[np.newaxis], image_size=(4, 16), fit="pad").images
        expected = np.zeros((4, 16))
        expected[:, 4:12] = image
        self.assertAllEqual(wide[0, ..., 0], expected)

    def test_upscaling_is_bilinear_with_half_pixel_centres(self):
        image = np.array([[0, 100], [0, 100]], np.uint8)
        made = data.load_images(image[np.newaxis], image_size=4).images[0, ..., 0]
        # Output pixel x samples input position (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
        self.assertAllEqual(made, np.tile([0, 25, 75, 100], (4, 1)))

    def test_images_of_the_target_size_are_kept_exactly(self):
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (3, 5, 7, 3), dtype=np.uint8)
        self.assertAllEqual(data.load_images(images).images, images)
        self.assertAllEqual(data.load_images(images, image_size=(5, 7), fit="pad").images, images)


class ArraySourceTest(tf.test.TestCase, parameterized.TestCase):
    def test_images_and_labels(self):
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (6, 4, 4), dtype=np.uint8)
        labels = np.array([0, 2, 2, 1, 0, 2], np.int64)
        loaded = data.load_images((images, labels))
        self.assertAllEqual(loaded.images[..., 0], images)
        self.assertAllEqual(loaded.labels, labels)
        self.assertEqual(loaded.labels.dtype, np.int32)
        self.assertEqual(loaded.class_names, ["0", "1", "2"])
        self.assertIsNone(data.load_images((images, labels), labels=False).labels)
        with self.assertRaisesRegex(ValueError, "arrays come without labels"):
            data.load_images(images, labels=True)

    def test_rgba_arrays_drop_alpha(self):
        images = np.zeros((2, 3, 3, 4), np.uint8)
        images[..., :3] = 7
        loaded = data.load_images(images)
        self.assertAllEqual(loaded.images, np.full((2, 3, 3, 3), 7))
        self.assertEqual(loaded.report.modes, {"RGBA": 2})

    @parameterized.named_parameters(
        ("float", np.zeros((2, 4, 4, 3), np.float32), "must be uint8"),
        ("rank_2", np.zeros((4, 4), np.uint8), r"shape \[n, height, width\]"),
        ("rank_5", np.zeros((1, 2, 4, 4, 3), np.uint8), r"got \(1, 2, 4, 4, 3\)"),
        ("two_channels", np.zeros((2, 4, 4, 2), np.uint8), "1, 3 or 4"),
        ("no_images", np.zeros((0, 4, 4, 3), np.uint8), "at least one image"),
    )
    def test_bad_images_raise(self, images, pattern):
        with self.assertRaises(ValueError) as raised:
            data.load_images(images)
        self.assertRegex(_one_line(self, raised), pattern)

    @parameterized.named_parameters(
        ("wrong_length", np.zeros(3, np.int32), r"of shape \[2\]"),
        ("floats", np.zeros(2, np.float32), "must be integers"),
        ("negative", np.array([0, -1]), "class indices"),
    )
    def test_bad_labels_raise(self, labels, pattern):
        with self.assertRaisesRegex(ValueError, pattern):
            data.load_images((np.zeros((2, 4, 4), np.uint8), labels))

    @parameterized.named_parameters(
        ("image_size", {"image_size": 0}, "image_size must be"),
        ("image_size_triple", {"image_size": (2, 2, 2)}, "image_size must be"),
        ("channels", {"channels": 4}, "channels must be"),
        ("fit", {"fit": "stretch"}, "fit must be one of"),
        ("labels", {"labels": "yes"}, "labels must be"),
        ("shard_index", {"shard": (2, 2)}, "shard must be"),
        ("shard_count", {"shard": (0, 0)}, "shard must be"),
        ("too_many_shards", {"shard": (5, 0)}, "cannot be split into 5 shards"),
        ("data_dir", {"data_dir": "/tmp"}, "data_dir is for MNIST"),
    )
    def test_bad_options_raise(self, options, pattern):
        with self.assertRaisesRegex(ValueError, pattern):
            data.load_images(np.zeros((4, 4, 4), np.uint8), **options)


class MnistImagesTest(tf.test.TestCase):
    def test_mnist_test_split_comes_from_tfgans_copy_with_digit_classes(self):
        images, labels = data.load_mnist_arrays("test")
        loaded = data.load_images("mnist", split="test")
        self.assertAllEqual(loaded.images[..., 0], images)
        self.assertAllEqual(loaded.labels, labels)
        self.assertEqual(loaded.class_names, [str(d) for d in range(10)])
        self.assertEqual(sum(loaded.report.class_counts.values()), 10_000)
        self.assertEqual(loaded.report.source, data.describe_source("mnist", "test"))

    def test_fashion_mnist_from_idx_files_has_its_class_names_and_any_size(self):
        data_dir = os.path.join(self.get_temp_dir(), "fashion")
        write_learnable_split(data_dir, "train", num_images=8)
        loaded = data.load_images(
            "fashion_mnist", data_dir=data_dir, image_size=32, channels=3, fit="pad"
        )
        self.assertEqual(loaded.images.shape, (8, 32, 32, 3))
        self.assertEqual(loaded.class_names[0], "T-shirt/top")
        self.assertLen(loaded.class_names, 10)
        self.assertAllEqual(loaded.images[..., 0], loaded.images[..., 2])


class TfdsImagesTest(tf.test.TestCase):
    def test_an_image_dataset_with_labels(self):
        with tfds.testing.mock_data(num_examples=10):
            loaded = data.load_images("cifar10", split="test")
            small = data.load_images("cifar10", image_size=(8, 16), channels=1, shard=(3, 1))
        self.assertEqual(loaded.images.shape, (10, 32, 32, 3))
        self.assertEqual(loaded.labels.dtype, np.int32)
        self.assertAllInRange(loaded.labels, 0, 9)
        self.assertLen(loaded.class_names, 10)
        self.assertEqual(loaded.report.sizes, {(32, 32): 10})
        self.assertEqual(loaded.report.source, "cifar10 test from tensorflow-datasets")
        self.assertEqual(small.images.shape, (3, 8, 16, 1))
        self.assertEqual(small.report.num_found, 10)
        self.assertEqual(small.report.left_out, {"left over by equal shards": 1})

    def test_a_dataset_without_a_label_has_none_and_labels_true_raises(self):
        with tfds.testing.mock_data(num_examples=3):
            loaded = data.load_images("celeb_a", image_size=16)
            with self.assertRaises(ValueError) as raised:
                data.load_images("celeb_a", labels=True)
        self.assertEqual(loaded.images.shape, (3, 16, 16, 3))
        self.assertIsNone(loaded.labels)
        self.assertEqual(loaded.report.sizes, {(218, 178): 3})
        self.assertIn("has no class label", _one_line(self, raised))

    def test_images_of_varying_size_need_image_size(self):
        with tfds.testing.mock_data(num_examples=4):
            with self.assertRaises(ValueError) as raised:
                data.load_images("tf_flowers")
            loaded = data.load_images("tf_flowers", image_size=8)
        self.assertIn("differ in size; pass image_size", _one_line(self, raised))
        self.assertEqual(loaded.images.shape, (4, 8, 8, 3))

    def test_unknown_name_and_dataset_without_images_raise(self):
        with tfds.testing.mock_data(num_examples=2):
            with self.assertRaises(ValueError) as unknown:
                data.load_images("no_such_dataset")
            with self.assertRaises(ValueError) as text:
                data.load_images("imdb_reviews")
        self.assertIn("neither a folder nor a tensorflow-datasets name", _one_line(self, unknown))
        self.assertIn("has no image feature", _one_line(self, text))


class CacheFileTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.folder = write_image_folder(
            tempfile.mkdtemp(dir=self.get_temp_dir()), per_class=3, sizes=((12, 12), (16, 10))
        )
        self.cache = os.path.join(tempfile.mkdtemp(dir=self.get_temp_dir()), "sub", "pets.npy")

    def _load(self, **options):
        return data.load_images(self.folder.root, image_size=8, cache_file=self.cache, **options)

    def test_decodes_once_and_later_calls_read_the_memory_map(self):
        first = self._load()
        self.assertIn("decoded into it", first.report.cache)
        self.assertIsInstance(first.images, np.memmap)
        self.assertEqual(
            sorted(os.listdir(os.path.dirname(self.cache))),
            ["pets.npy", "pets.npy.json", "pets.npy.lock"],
        )
        with mock.patch.object(data, "_read_header", side_effect=AssertionError("decoded again")):
            second = self._load()
        self.assertIn("read from", second.report.cache)
        self.assertIsInstance(second.images, np.memmap)
        self.assertAllEqual(second.images, first.images)
        self.assertAllEqual(second.labels, first.labels)
        self.assertEqual(second.class_names, first.class_names)
        self.assertEqual(str(second.report).splitlines()[:-1], str(first.report).splitlines()[:-1])
        self.assertAllEqual(first.images, data.load_images(self.folder.root, image_size=8).images)

    def test_other_options_or_files_decode_again(self):
        self._load()
        padded = self._load(fit="pad")
        self.assertIn("made with another fit", padded.report.cache)
        self.assertAllEqual(
            padded.images, data.load_images(self.folder.root, image_size=8, fit="pad").images
        )
        write_image(
            os.path.join(self.folder.root, "circle", "new.png"), shape_image("circle", (8, 8))
        )
        grown = self._load(fit="pad")
        self.assertIn("made with another count, files", grown.report.cache)
        self.assertLen(grown, 10)

    def test_a_damaged_cache_file_is_decoded_again(self):
        first = np.array(self._load().images)
        with open(self.cache, "r+b") as f:
            f.truncate(100)
        again = self._load()
        self.assertIn("damaged or missing", again.report.cache)
        self.assertAllEqual(again.images, first)

    def test_epochs_from_the_memory_map_equal_those_from_memory(self):
        cached = self._load()
        in_memory = data.load_images(self.folder.root, image_size=8)
        self.assertNotIsInstance(in_memory.images, np.memmap)

        def stream(images):
            dataset, steps = data.image_epochs(images, 4, seed=1, flip=True, with_labels=True)
            return list(dataset.take(2 * steps).as_numpy_iterator())

        for (want, want_labels), (got, got_labels) in zip(stream(in_memory), stream(cached)):
            self.assertAllEqual(want, got)
            self.assertAllEqual(want_labels, got_labels)


class ShardTest(tf.test.TestCase):
    def test_shards_are_disjoint_equal_and_cover_all_but_the_remainder(self):
        folder = write_image_folder(
            os.path.join(self.get_temp_dir(), "pets"), per_class=5, sizes=((8, 8),)
        )
        whole = data.load_images(folder.root)
        shards = [data.load_images(folder.root, shard=(4, i)) for i in range(4)]
        for index, shard in enumerate(shards):
            self.assertLen(shard, 3)
            self.assertAllEqual(shard.images, whole.images[index:12:4])
            self.assertAllEqual(shard.labels, whole.labels[index:12:4])
            self.assertEqual(shard.class_names, whole.class_names)
            self.assertEqual(shard.report.num_found, 15)
            self.assertEqual(shard.report.left_out, {"left over by equal shards": 3})
            self.assertIn(f"3 of 15 images (shard {index} of 4)", str(shard.report))

    def test_a_worker_decodes_only_its_own_files(self):
        folder = write_image_folder(
            os.path.join(self.get_temp_dir(), "pets"), per_class=5, sizes=((8, 8),), truncated=True
        )
        # Sorted, the truncated file is the 6th of 16: shard 1 of 2 holds it.
        self.assertLen(data.load_images(folder.root, image_size=8, shard=(2, 0)), 8)
        with self.assertRaisesRegex(ValueError, "zz_truncated.png"):
            data.load_images(folder.root, image_size=8, shard=(2, 1))

    def test_shards_agree_on_size_and_channels(self):
        folder = write_image_folder(
            os.path.join(self.get_temp_dir(), "pets"), classes=None, per_class=2, modes=("L", "RGB")
        )
        with self.assertRaisesRegex(ValueError, "pass image_size"):
            data.load_images(folder.root, shard=(2, 0))  # its own files are all 16x16
        shapes = {
            data.load_images(folder.root, image_size=8, shard=(2, i)).images.shape for i in (0, 1)
        }
        self.assertEqual(shapes, {(3, 8, 8, 3)})


class ImageEpochsTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        # Image i holds 20 i + (row, column) offsets, so a batch tells which images, and which
        # mirrored, it holds.
        offsets = np.array([[0, 1, 2], [3, 4, 5]], np.uint8)
        self.images = np.stack([20 * i + offsets for i in range(10)])[..., np.newaxis]
        self.labels = np.arange(10) % 3
        self.image_set = data.load_images((self.images, self.labels))

    def _epochs(self, seed, start_epoch=0, count=3, **options):
        stream, steps = data.image_epochs(
            self.image_set, 3, seed=seed, start_epoch=start_epoch, with_labels=True, **options
        )
        self.assertEqual(steps, 3)
        batches = list(stream.take(steps * count).as_numpy_iterator())
        return [batches[i * steps : (i + 1) * steps] for i in range(count)]

    def _decode(self, epoch):
        """(image indices, mirrored or not, labels) of an epoch's batches."""
        images = np.concatenate([images for images, _ in epoch])
        labels = np.concatenate([labels for _, labels in epoch])
        pixels = np.round((images[..., 0] + 1) * 127.5).astype(int)
        indices = pixels[:, 0, 0] // 20
        flipped = pixels[:, 0, 0] % 20 == 2
        expected = self.images[indices, ..., 0].astype(int)
        expected = np.where(flipped[:, None, None], expected[:, :, ::-1], expected)
        self.assertAllEqual(pixels, expected)
        return indices, flipped, labels

    def test_each_epoch_shows_every_image_once_in_an_order_of_seed_and_epoch(self):
        first = self._epochs(seed=5)
        orders = []
        for epoch in first:
            indices, flipped, labels = self._decode(epoch)
            self.assertLen(set(indices), 9)
            self.assertFalse(flipped.any())
            self.assertAllEqual(labels, self.labels[indices])
            orders.append(indices)
        self.assertNotAllEqual(orders[0], orders[1])
        again = self._epochs(seed=5)
        self.assertAllEqual([self._decode(e)[0] for e in again], orders)
        other = self._decode(self._epochs(seed=6, count=1)[0])[0]
        self.assertNotAllEqual(other, orders[0])

    def test_flips_are_drawn_per_image_and_resume_exactly(self):
        flipped_epochs = self._epochs(seed=5, count=4, flip=True)
        plain = self._epochs(seed=5, count=4)
        flips = []
        for flipped_epoch, plain_epoch in zip(flipped_epochs, plain):
            indices, flipped, labels = self._decode(flipped_epoch)
            self.assertAllEqual(indices, self._decode(plain_epoch)[0])  # the same order
            self.assertAllEqual(labels, self.labels[indices])
            flips.append(flipped)
        self.assertBetween(np.mean(flips), 0.25, 0.75)
        self.assertNotAllEqual(flips[0], flips[1])
        resumed = self._epochs(seed=5, start_epoch=2, count=2, flip=True)
        for want, got in zip(flipped_epochs[2:], resumed):
            for (want_images, want_labels), (got_images, got_labels) in zip(want, got):
                self.assertAllEqual(want_images, got_images)
                self.assertAllEqual(want_labels, got_labels)

    def test_batches_are_float32_in_minus_one_one(self):
        images = np.zeros((4, 2, 2, 3), np.uint8)
        images[0] = 255
        stream, steps = data.image_epochs(data.load_images(images), 4, seed=0)
        batch = next(iter(stream))
        self.assertEqual(steps, 1)
        self.assertEqual(batch.dtype, tf.float32)
        self.assertEqual(batch.shape, (4, 2, 2, 3))
        self.assertEqual(float(tf.reduce_min(batch)), -1.0)
        self.assertEqual(float(tf.reduce_max(batch)), 1.0)

    def test_images_outside_the_graph_give_the_same_stream(self):
        want = self._epochs(seed=3, count=2, flip=True)
        with mock.patch.object(data, "_IN_GRAPH_BYTES", 0):
            got = self._epochs(seed=3, count=2, flip=True)
        for want_epoch, got_epoch in zip(want, got):
            for (want_images, _), (got_images, _) in zip(want_epoch, got_epoch):
                self.assertAllEqual(want_images, got_images)

    @parameterized.parameters((1, 1, 10), (4, 1, 8), (2, 3, 2), (20, 1, 10))
    def test_an_epoch_is_a_whole_number_of_calls(self, steps_per_execution, batch, steps):
        _, steps_per_epoch = data.image_epochs(
            self.image_set, batch, seed=0, steps_per_execution=steps_per_execution
        )
        self.assertEqual(steps_per_epoch, steps)

    def test_bad_arguments_raise(self):
        unlabelled = data.load_images(self.images)
        for options, pattern in (
            ({"batch_size": 0}, "batch_size must be at least 1"),
            ({"batch_size": 11}, "has 10 images, not enough for a batch of 11"),
            ({"start_epoch": -1}, "start_epoch must be non-negative"),
            ({"steps_per_execution": 0}, "steps_per_execution must be at least 1"),
        ):
            options = {"batch_size": 2, **options}
            with self.assertRaisesRegex(ValueError, pattern):
                data.image_epochs(self.image_set, options.pop("batch_size"), seed=0, **options)
        with self.assertRaisesRegex(ValueError, "have no labels"):
            data.image_epochs(unlabelled, 2, seed=0, with_labels=True)


class DescribeSourceTest(tf.test.TestCase):
    def test_every_kind_of_source_in_words(self):
        folder = self.get_temp_dir()
        self.assertEqual(data.describe_source(folder), f"the image folder {folder}")
        self.assertEqual(
            data.describe_source("cifar10", "test"), "cifar10 test from tensorflow-datasets"
        )
        self.assertEqual(
            data.describe_source((np.zeros((5, 4, 6, 3), np.uint8), np.zeros(5, int))),
            "an array of 5 images of shape 4x6x3 with labels",
        )
        self.assertEqual(
            data.describe_source("mnist", "test"),
            "mnist test from tfgan's copy of the MNIST test split",
        )
        self.assertEqual(
            data.describe_source("fashion_mnist", data_dir="idx"),
            f"fashion_mnist train from the IDX files in {os.path.abspath('idx')}",
        )

    def test_mnist_names_mean_the_datasets_even_beside_a_folder_of_that_name(self):
        folder = write_image_folder(
            os.path.join(self.get_temp_dir(), "mnist"), classes=None, per_class=1
        )
        cwd = os.getcwd()
        os.chdir(self.get_temp_dir())
        try:
            self.assertIn("tfgan's copy", data.describe_source("mnist", "test"))
            self.assertLen(data.load_images("mnist", split="test[:5]"), 5)
            self.assertEqual(data.describe_source("./mnist"), f"the image folder {folder.root}")
            self.assertLen(data.load_images("./mnist", image_size=8), 3)
        finally:
            os.chdir(cwd)


class DatasetReportTest(tf.test.TestCase):
    def test_as_dict_is_json_and_round_trips(self):
        folder = write_image_folder(
            os.path.join(self.get_temp_dir(), "pets"), text=True, sizes=((8, 8), (8, 10))
        )
        report = data.load_images(folder.root, image_size=8, shard=(2, 1)).report
        content = json.loads(json.dumps(report.as_dict()))
        self.assertEqual(content["sizes"], {"8x8": 6, "8x10": 6})
        self.assertEqual(data.DatasetReport.from_dict(content), report)


if __name__ == "__main__":
    tf.test.main()
