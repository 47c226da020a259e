"""Tests for tfgan.recipes: the scripts' MNIST recipe as a library call."""

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan import recipes


class MnistGanTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(*sorted(recipes.MNIST_RECIPES))
    def test_builds_the_architecture_with_its_recipe(self, arch):
        recipe = recipes.MNIST_RECIPES[arch]
        gan = recipes.mnist_gan(decay_steps=100, arch=arch, steps_per_execution=3)
        self.assertEqual(gan.latent_dim, recipe.latent_dim)
        self.assertEqual(gan.steps_per_execution, 3)
        for optimizer in (gan.g_optimizer, gan.d_optimizer):
            self.assertAllClose(optimizer.beta_1, recipe.beta_1)
            schedule = optimizer._learning_rate
            self.assertAllClose(float(schedule(0)), recipe.learning_rate)
            self.assertAllClose(float(schedule(50)), recipe.learning_rate / 2, rtol=1e-5)
            self.assertAllClose(float(schedule(100)), 0.0, atol=1e-9)

    def test_arguments_override_the_recipe(self):
        gan = recipes.mnist_gan(
            decay_steps=10, latent_dim=7, learning_rate=1e-3, beta_1=0.5, d_steps=2
        )
        self.assertEqual(gan.latent_dim, 7)
        self.assertEqual(gan.d_steps, 2)
        self.assertAllClose(float(gan.g_optimizer._learning_rate(0)), 1e-3)
        self.assertAllClose(gan.d_optimizer.beta_1, 0.5)

    def test_same_seed_builds_the_same_weights(self):
        first = recipes.mnist_gan(decay_steps=10, seed=3).generator.get_weights()
        keras.utils.set_random_seed(99)  # global state in between must not matter
        second = recipes.mnist_gan(decay_steps=10, seed=3).generator.get_weights()
        for a, b in zip(first, second):
            self.assertAllEqual(a, b)
        other = recipes.mnist_gan(decay_steps=10, seed=4).generator.get_weights()
        self.assertFalse(all(np.array_equal(a, b) for a, b in zip(first, other)))

    def test_unknown_arch_raises_naming_the_choices(self):
        with self.assertRaisesRegex(ValueError, "dcgan"):
            recipes.mnist_gan(decay_steps=10, arch="resnet")

    @parameterized.parameters((157, 30), (938, 6), (4700, 1), (5000, 1))
    def test_epochs_make_at_least_the_generator_steps(self, steps_per_epoch, epochs):
        self.assertEqual(recipes.mnist_epochs(steps_per_epoch), epochs)


if __name__ == "__main__":
    tf.test.main()
