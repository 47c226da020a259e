"""Tests for tfgan.recipes: the scripts' MNIST recipe as a library call."""

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
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


class ObjectiveTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(
        ("non_saturating", False, 0.0, 1),
        ("hinge", False, 0.0, 1),
        ("wasserstein", False, 0.0, 5),
        ("wasserstein", True, 0.0, 5),
        ("wasserstein", False, 10.0, 5),
    )
    def test_d_steps_default_to_five_for_the_wasserstein_loss_only(self, loss, sn, gp, d_steps):
        self.assertEqual(recipes.objective(loss, sn, gp).d_steps, d_steps)

    def test_a_constraint_selects_its_recipe(self):
        self.assertIs(
            recipes.objective("hinge", spectral_norm=True),
            recipes.MNIST_OBJECTIVES[("hinge", True, False)],
        )
        self.assertIs(
            recipes.objective(
                "wasserstein", gradient_penalty=10.0, recipes=recipes.CIRCLE_OBJECTIVES
            ),
            recipes.CIRCLE_OBJECTIVES[("wasserstein", False, True)],
        )
        self.assertEqual(recipes.objective("hinge"), recipes.Objective())

    def test_only_an_unconstrained_wasserstein_critic_warns(self):
        self.assertIn("unconstrained", recipes.unconstrained_critic("wasserstein", False, 0.0))
        for args in (
            ("wasserstein", True, 0.0),
            ("wasserstein", False, 1.0),
            ("hinge", False, 0.0),
        ):
            self.assertIsNone(recipes.unconstrained_critic(*args))

    def test_penalties_are_built_from_positive_weights(self):
        self.assertEqual(recipes.penalties(), [])
        gradient_penalty, r1 = recipes.penalties(10.0, r1_gamma=2.0, r1_every=16)
        self.assertEqual(gradient_penalty.weight, 10.0)
        self.assertEqual((r1.gamma, r1.every), (2.0, 16))

    def test_mnist_gan_takes_the_objective_recipe_unless_told_otherwise(self):
        recipe = recipes.MNIST_OBJECTIVES[("wasserstein", False, True)]
        gan = recipes.mnist_gan(decay_steps=100, loss="wasserstein", gradient_penalty=10.0)
        self.assertEqual(gan.d_steps, recipe.d_steps)
        self.assertIsInstance(gan.regularizers[0], tfgan.regularizers.GradientPenalty)
        g_schedule, d_schedule = gan.g_optimizer._learning_rate, gan.d_optimizer._learning_rate
        self.assertAllClose(float(g_schedule(0)), recipe.learning_rate)
        self.assertAllClose(
            float(d_schedule(0)), recipe.learning_rate * recipe.d_learning_rate_scale
        )
        self.assertEqual(d_schedule.decay_steps, 100 * recipe.d_steps)
        self.assertAllClose(gan.d_optimizer.beta_2, recipe.beta_2)
        told = recipes.mnist_gan(
            decay_steps=100, loss="wasserstein", gradient_penalty=10.0, d_steps=2, beta_1=0.5
        )
        self.assertEqual(told.d_steps, 2)
        self.assertAllClose(told.g_optimizer.beta_1, 0.5)

    def test_spectral_norm_reaches_the_discriminator(self):
        gan = recipes.mnist_gan(decay_steps=10, loss="hinge", spectral_norm=True)
        wrapped = [
            layer
            for layer in gan.discriminator.layers
            if isinstance(layer, keras.layers.SpectralNormalization)
        ]
        self.assertNotEmpty(wrapped)


class CircleGanTest(tf.test.TestCase):
    def test_circle_gan_takes_the_objective_recipe_then_the_circle_defaults(self):
        recipe = recipes.CIRCLE_OBJECTIVES[("wasserstein", False, True)]
        gan = recipes.circle_gan(loss="wasserstein", gradient_penalty=10.0, hidden_units=8)
        self.assertEqual(gan.d_steps, recipe.d_steps)
        g_schedule, d_schedule = gan.g_optimizer._learning_rate, gan.d_optimizer._learning_rate
        self.assertEqual(g_schedule.decay_steps, recipe.generator_steps)
        self.assertAllClose(
            float(d_schedule(0)),
            recipes.first(recipe.learning_rate, recipes.CIRCLE_LEARNING_RATE)
            * recipe.d_learning_rate_scale,
        )
        self.assertAllClose(
            gan.g_optimizer.beta_1, recipes.first(recipe.beta_1, recipes.CIRCLE_BETA_1)
        )
        plain = recipes.circle_gan(hidden_units=8)
        self.assertEqual(plain.d_steps, 1)
        self.assertEqual(plain.g_optimizer._learning_rate.decay_steps, recipes.CIRCLE_STEPS)
        self.assertAllClose(plain.g_optimizer.beta_1, recipes.CIRCLE_BETA_1)

    def test_circle_steps_prefer_the_given_then_the_recipe(self):
        recipe = recipes.CIRCLE_OBJECTIVES[("wasserstein", False, True)]
        self.assertEqual(recipes.circle_steps(300, recipe), 300)
        self.assertEqual(recipes.circle_steps(None, recipe), recipe.generator_steps)
        self.assertEqual(recipes.circle_steps(None, recipes.Objective()), recipes.CIRCLE_STEPS)


if __name__ == "__main__":
    tf.test.main()
