"""Tests for tfgan.classifier: training to an accuracy bar, determinism, caching and features."""

import io
import os
from contextlib import redirect_stdout
from unittest import mock

import keras
import numpy as np
import tensorflow as tf
from idx_files import write_learnable_split

from tfgan import classifier, data

FAST = {"epochs": 4, "width": 4, "batch_size": 32}  # 128 steps of a 4k-parameter network


class ClassifierTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_learnable_split(self.data_dir, "train", num_images=1000, seed=0)
        write_learnable_split(self.data_dir, "t10k", num_images=200, seed=1)

    def _train(self, split="train", **kwargs):
        return classifier.train("mnist", split, self.data_dir, **{**FAST, **kwargs})

    def test_learns_a_learnable_dataset_to_its_accuracy_bar(self):
        model = self._train()
        images, labels = data.real_images("test", "mnist", self.data_dir)
        self.assertGreaterEqual(classifier.accuracy(model, images, labels), 0.95)

    def test_default_length_is_a_step_count_whatever_the_split_size(self):
        with mock.patch.object(classifier, "DEFAULT_STEPS", 10):
            model = classifier.train("mnist", "train[:256]", self.data_dir, width=2, batch_size=64)
        self.assertEqual(int(model.optimizer.iterations), 12)  # 3 epochs of 4 steps

    def test_same_seed_trains_the_same_weights_and_another_seed_does_not(self):
        first, second, other = (self._train("train[:256]", epochs=1, seed=s) for s in (3, 3, 4))
        for a, b in zip(first.get_weights(), second.get_weights()):
            self.assertAllEqual(a, b)
        self.assertNotAllClose(first.get_weights()[0], other.get_weights()[0])

    def test_load_or_train_trains_and_caches_once_then_loads_without_the_data(self):
        cache = os.path.join(self.get_temp_dir(), "cache")
        stdout = io.StringIO()
        with redirect_stdout(stdout):
            trained = classifier.load_or_train(
                "mnist", "train", self.data_dir, cache, epochs=1, width=4, verbose=1
            )
        path = classifier.cache_path("mnist", "train", cache)
        self.assertIn("training one on mnist 'train'", stdout.getvalue())
        self.assertTrue(os.path.isfile(path))
        self.assertEqual(os.listdir(cache), [os.path.basename(path)])  # no partial file left

        stdout = io.StringIO()
        with redirect_stdout(stdout):  # training would fail: the data directory does not exist
            loaded = classifier.load_or_train("mnist", "train", "/nonexistent", cache, verbose=1)
        self.assertEqual(stdout.getvalue(), "")
        for a, b in zip(trained.get_weights(), loaded.get_weights()):
            self.assertAllEqual(a, b)

    def test_load_or_train_without_a_cache_or_data_fails_naming_the_data(self):
        with self.assertRaisesRegex(FileNotFoundError, "/nonexistent"):
            classifier.load_or_train("mnist", "train", "/nonexistent", self.get_temp_dir())

    def test_cache_path_keys_dataset_and_split_and_honours_the_environment(self):
        splits = ["train", "test[:8000]", "test[8000:]", "test[:80%]", "train+test", "test[-10:]"]
        paths = [classifier.cache_path("mnist", split, "/c") for split in splits]
        self.assertLen(set(paths), len(splits))
        self.assertEqual(paths[0], "/c/mnist_train.keras")
        self.assertNotEqual(
            classifier.cache_path("mnist", "train", "/c"),
            classifier.cache_path("fashion_mnist", "train", "/c"),
        )
        with mock.patch.dict(os.environ, {classifier.CACHE_DIR_ENV: "/env"}):
            self.assertEqual(classifier.cache_path("mnist", "train"), "/env/mnist_train.keras")
        with mock.patch.dict(os.environ, {classifier.CACHE_DIR_ENV: ""}):
            self.assertEqual(
                classifier.cache_path("mnist"),
                os.path.join(os.path.expanduser("~"), ".cache", "tfgan", "mnist_train.keras"),
            )

    def test_features_and_logits_are_the_penultimate_layer_and_its_linear_map(self):
        model = classifier.build(width=2, seed=0)
        images = np.random.default_rng(0).uniform(-1, 1, size=(7, 28, 28, 1)).astype(np.float32)
        features, logits = classifier.features_and_logits(model, images, batch_size=3)
        self.assertEqual(features.shape, (7, 8))
        self.assertEqual(logits.shape, (7, 10))
        self.assertAllGreaterEqual(features, 0.0)  # after ReLU
        kernel, bias = model.get_layer("logits").get_weights()
        self.assertAllClose(logits, features @ kernel + bias, atol=1e-5)
        self.assertAllClose(logits, model.predict(images, verbose=0), atol=1e-5)
        unbatched, _ = classifier.features_and_logits(model, images[..., 0])  # [n, 28, 28] too
        self.assertAllClose(unbatched, features, atol=1e-5)

    def test_features_and_logits_reject_other_shapes(self):
        model = classifier.build(width=2)
        for images in (np.zeros((2, 32, 32, 1)), np.zeros((0, 28, 28, 1)), np.zeros((2, 2))):
            with self.subTest(shape=images.shape), self.assertRaisesRegex(ValueError, "28, 28"):
                classifier.features_and_logits(model, images)

    def test_saved_model_predicts_the_same(self):
        model = classifier.build(width=2, seed=1)
        path = os.path.join(self.get_temp_dir(), "sub", "c.keras")
        classifier.save(model, path)
        images = np.zeros((2, 28, 28, 1), np.float32)
        self.assertAllClose(
            keras.models.load_model(path).predict(images, verbose=0),
            model.predict(images, verbose=0),
        )


if __name__ == "__main__":
    tf.test.main()
