"""Tests for tfgan.data: the circle stream and MNIST loading from IDX files and tfds."""

import gzip
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


if __name__ == "__main__":
    tf.test.main()
