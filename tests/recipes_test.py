"""Tests for tfgan.recipes: named presets, their checks, and the compiled GAN they build."""

import random

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import recipes


class PresetTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(*sorted(recipes.PRESETS))
    def test_every_preset_builds_its_networks_loss_and_optimizers(self, name):
        recipe = recipes.get(name, hidden_units=4)
        gan = recipe.build(steps_per_epoch=100, epochs=2, num_classes=10)
        self.assertEqual(gan.latent_dim, recipe.latent_dim)
        self.assertEqual(gan.d_steps, recipe.d_steps)
        self.assertEqual(type(gan.gan_loss), type(tfgan.losses.get(recipe.loss)))
        self.assertEqual(gan.num_classes, 10 if recipe.conditional else None)
        self.assertEqual(
            len(gan.regularizers), (recipe.gradient_penalty > 0) + (recipe.r1_gamma > 0)
        )
        self.assertEqual(gan.steps_per_execution, min(recipe.steps_per_execution, 100))
        self.assertTrue(recipe.description)
        for optimizer, rate, steps in (
            (gan.g_optimizer, recipe.learning_rate, 200),
            (
                gan.d_optimizer,
                recipe.learning_rate * recipe.d_learning_rate_scale,
                200 * gan.d_steps,
            ),
        ):
            self.assertAllClose(optimizer.beta_1, recipe.beta_1)
            self.assertAllClose(optimizer.beta_2, recipe.beta_2)
            schedule = optimizer._learning_rate
            self.assertAllClose(float(schedule(0)), rate)
            self.assertAllClose(float(schedule(steps // 2)), rate / 2, rtol=1e-5)  # cosine
            self.assertAllClose(float(schedule(steps)), 0.0, atol=1e-9)

    def test_the_objective_presets_hold_their_measured_settings(self):
        hinge = recipes.get("mnist_hinge")
        self.assertEqual((hinge.loss, hinge.spectral_norm), ("hinge", True))
        self.assertEqual(hinge.d_learning_rate_scale, 1 / 16)
        wgan = recipes.get("mnist_wgan_gp")
        self.assertEqual((wgan.loss, wgan.gradient_penalty, wgan.d_steps), ("wasserstein", 10, 5))
        self.assertEqual((wgan.beta_1, wgan.beta_2), (0.0, 0.9))
        circle = recipes.get("circle_wgan_gp")
        self.assertEqual(
            (circle.d_steps, circle.d_learning_rate_scale, circle.steps), (5, 5.0, 1800)
        )

    def test_changes_override_fields_and_leave_the_preset_alone(self):
        recipe = recipes.get("mnist", latent_dim=7, learning_rate=1e-3, d_steps=2)
        self.assertEqual((recipe.latent_dim, recipe.learning_rate, recipe.d_steps), (7, 1e-3, 2))
        self.assertEqual(recipes.PRESETS["mnist"].latent_dim, 64)
        self.assertIs(recipes.get(recipe), recipe)

    def test_a_constant_schedule_keeps_the_learning_rate(self):
        gan = recipes.get("circle", schedule="constant", hidden_units=4).build(10)
        self.assertAllClose(float(gan.g_optimizer.learning_rate), 1e-3)

    @parameterized.parameters((157, 30), (938, 6), (4700, 1), (5000, 1))
    def test_epochs_make_at_least_the_generator_steps(self, steps_per_epoch, epochs):
        self.assertEqual(recipes.get("mnist").epochs(steps_per_epoch), epochs)

    @parameterized.parameters((10, 150, 10), (10, 937, 1), (200, 600, 200), (200, 100, 100))
    def test_steps_per_execution_divides_an_epoch(self, requested, steps_per_epoch, expected):
        self.assertEqual(recipes.steps_per_execution(requested, steps_per_epoch), expected)


class SeedTest(tf.test.TestCase):
    def test_same_seed_same_weights_and_the_callers_random_state_is_untouched(self):
        recipe = recipes.get("circle", hidden_units=4)
        random.seed(123)
        expected_next = random.random()
        random.seed(123)
        first = recipe.build(10, seed=3).generator.get_weights()
        self.assertEqual(random.random(), expected_next)
        second = recipe.build(10, seed=3).generator.get_weights()
        for a, b in zip(first, second, strict=True):
            self.assertAllEqual(a, b)
        other = recipe.build(10, seed=4).generator.get_weights()
        self.assertFalse(all(np.array_equal(a, b) for a, b in zip(first, other)))


class CheckTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(
        ({"learning_rate": 0.0}, "learning_rate must be a positive"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive"),
        ({"beta_1": 1.0}, r"beta_1 must be in \[0, 1\)"),
        ({"gradient_penalty": -1.0}, "gradient_penalty must be >= 0"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"steps_per_execution": 0}, "steps_per_execution must be at least 1"),
        ({"loss": "nope"}, "loss must be one of"),
        ({"arch": "stylegan"}, "arch must be one of"),
        ({"ada_target": 2.0}, r"ada_target must be in \[0, 1\]"),
        ({"arch": "paper_mlp", "conditional": True}, "conditional needs arch in dcgan"),
        ({"ema_half_life": -5.0}, "ema_half_life must be a positive"),
        ({"colour": 1}, "Recipe has no field colour"),
    )
    def test_a_bad_field_fails_naming_it(self, changes, message):
        with self.assertRaisesRegex(ValueError, message):
            recipes.get("mnist", **changes)

    def test_unknown_preset_names_the_choices(self):
        with self.assertRaisesRegex(ValueError, "mnist_hinge"):
            recipes.get("resnet")

    def test_the_mlp_recipe_takes_no_images_options(self):
        with self.assertRaisesRegex(ValueError, "mlp"):
            recipes.get("circle", augment="diff")

    def test_a_conditional_recipe_needs_the_number_of_classes(self):
        with self.assertRaisesRegex(ValueError, "num_classes"):
            recipes.get("mnist_conditional").build(10)

    def test_the_networks_take_the_datas_shape(self):
        gan = recipes.get("mnist").build(10, data_shape=(32, 32, 3))
        self.assertEqual(gan.generator.output_shape, (None, 32, 32, 3))
        with self.assertRaisesRegex(ValueError, "paper_mlp"):
            recipes.get("mnist_paper_mlp").build(10, data_shape=(32, 32, 3))

    def test_an_unconstrained_critic_is_warned_of(self):
        self.assertIn(
            "unconstrained", recipes.get("mnist", loss="wasserstein").unconstrained_critic()
        )
        self.assertIsNone(recipes.get("mnist_wgan_gp").unconstrained_critic())
        self.assertIsNone(
            recipes.get("mnist", loss="wasserstein", spectral_norm=True).unconstrained_critic()
        )


class ExtrasTest(tf.test.TestCase):
    def test_ema_and_augmentation_fields_reach_the_gan(self):
        gan = recipes.get(
            "mnist", ema=True, ema_half_life=500.0, augment="adaptive", ada_target=0.5
        ).build(10)
        self.assertIsNotNone(gan.averaged_generator)
        self.assertEqual(gan.generator_ema.half_life_images, 500.0)
        self.assertIsInstance(gan.augment, tfgan.augment.AdaptiveAugment)
        self.assertEqual(gan.augment.target, 0.5)
        self.assertIsInstance(
            recipes.get("mnist", augment="diff").build(10).augment, tfgan.augment.DiffAugment
        )

    def test_r1_is_lazy_every_n(self):
        (r1,) = recipes.get("mnist", r1_gamma=2.0, r1_every=16).build(10).regularizers
        self.assertIsInstance(r1, tfgan.regularizers.R1)
        self.assertEqual(r1.every, 16)

    def test_to_dict_is_the_fields_without_the_description(self):
        fields = recipes.get("mnist").to_dict()
        self.assertNotIn("description", fields)
        self.assertEqual(recipes.Recipe(**fields), recipes.get("mnist"))


if __name__ == "__main__":
    tf.test.main()
