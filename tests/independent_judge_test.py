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


if __name__ == "__main__":
    tf.test.main()
