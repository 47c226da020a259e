"""Tests of benchmarks.independent_judge's verdict on samples, with and without requested labels."""

import keras
import numpy as np
import tensorflow as tf

from benchmarks import independent_judge


def _pixel_judge():
    """Logits 50 * pixel (0, c) for class c: an image lit at (0, c) is class c with p ~ 1."""
    judge = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    kernel = np.zeros((784, 10), np.float32)
    kernel[np.arange(10), np.arange(10)] = 50.0
    judge.layers[-1].set_weights([kernel, np.zeros(10, np.float32)])
    return judge


def _images(classes):
    images = np.zeros((len(classes), 28, 28, 1), np.float32)
    images[np.arange(len(classes)), 0, classes, 0] = 1.0
    return images


class VerdictTest(tf.test.TestCase):
    def test_label_accuracy_counts_samples_of_the_requested_class(self):
        drawn = np.array([0, 1, 2, 5])
        figures = independent_judge.verdict(_pixel_judge(), _images(drawn), np.array([0, 1, 2, 3]))
        self.assertAllClose(figures["label_accuracy"], 0.75)
        self.assertAllClose(figures["confident"], 1.0)
        self.assertAllClose(figures["class_shares"][5], 0.25)
        self.assertNotIn(
            "label_accuracy", independent_judge.verdict(_pixel_judge(), _images(drawn))
        )

    def test_fid_is_zero_for_the_real_images_in_any_order_and_not_for_shifted_ones(self):
        judge = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(16, activation="relu", name="features"),
                keras.layers.Dense(10),
            ]
        )
        real = np.random.default_rng(0).uniform(-1, 1, (200, 28, 28, 1)).astype(np.float32)
        real_features = independent_judge.features(judge, real)

        def distance(samples):
            return independent_judge.verdict(judge, samples, real_features=real_features)["fid"]

        self.assertNear(distance(real[::-1]), 0.0, 1e-6)
        self.assertGreater(distance(np.clip(real + 0.5, -1, 1)), 0.01)
        self.assertNotIn("fid", independent_judge.verdict(judge, real))


if __name__ == "__main__":
    tf.test.main()
