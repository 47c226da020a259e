"""Tests for tfgan.sampling: the prior, a generator's samples and their labels, loading one."""

import os

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan import networks, sampling

LATENT_DIM = 3


def _generator(num_classes=None):
    keras.utils.set_random_seed(0)
    return networks.mlp_generator(LATENT_DIM, 2, (4,), num_classes=num_classes)


class NoiseTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(("normal", -np.inf, np.inf), ("uniform", -1.0, 1.0))
    def test_a_tensor_seed_draws_statelessly_from_the_prior(self, noise, low, high):
        seed = tf.constant([1, 2], tf.int32)
        z = sampling.sample_noise(4000, LATENT_DIM, noise, seed).numpy()
        self.assertEqual(z.shape, (4000, LATENT_DIM))
        self.assertAllEqual(z, sampling.sample_noise(4000, LATENT_DIM, noise, seed))
        self.assertTrue(np.all((z >= low) & (z <= high)))
        self.assertNear(z.mean(), 0.0, 0.05)
        self.assertNear(z.std(), 1.0 if noise == "normal" else 1 / np.sqrt(3), 0.05)

    def test_the_priors_are_the_noises_a_gan_takes(self):
        self.assertEqual(sampling.NOISES, ("normal", "uniform"))


class GenerateTest(tf.test.TestCase):
    def test_samples_are_the_generator_of_the_seeded_noise(self):
        generator = _generator()
        samples = sampling.generate(generator, 5, "uniform", seed=7)
        z = sampling.sample_noise(5, LATENT_DIM, "uniform", seed=7)
        self.assertAllClose(samples, generator(z, training=False), atol=1e-6)
        self.assertAllEqual(samples, sampling.generate(generator, 5, "uniform", seed=7))

    def test_a_generator_without_a_known_latent_size_asks_for_it(self):
        class Subclassed(keras.Model):
            def call(self, z):
                return z

        with self.assertRaisesRegex(ValueError, "pass latent_dim="):
            sampling.generate(Subclassed(), 2)
        self.assertEqual(sampling.generate(Subclassed(), 2, latent_dim=4).shape, (2, 4))

    def test_generate_finite_returns_finite_samples_and_refuses_a_diverged_generator(self):
        generator = _generator()
        self.assertAllEqual(
            sampling.generate_finite(generator, 4, seed=0), sampling.generate(generator, 4, seed=0)
        )
        generator.layers[-1].kernel.assign(np.full(generator.layers[-1].kernel.shape, np.nan))
        with self.assertRaisesRegex(
            ValueError, r"^g.keras makes samples that are not finite \(100%"
        ):
            sampling.generate_finite(generator, 4, seed=0, source="g.keras")
        with self.assertRaisesRegex(ValueError, f"^'{generator.name}' makes samples"):
            sampling.generate_finite(generator, 4, seed=0)


class LabelsTest(tf.test.TestCase, parameterized.TestCase):
    def test_balanced_labels_cycle_through_the_classes(self):
        self.assertAllEqual(sampling.balanced_labels(7, 3), [0, 1, 2, 0, 1, 2, 0])
        self.assertEqual(sampling.balanced_labels(7, 3).dtype, np.int32)

    @parameterized.named_parameters(
        ("outside", [0, 3, 5], r"label 3 is outside \[0, 3\)"),
        ("negative", [-1], r"label -1 is outside \[0, 3\)"),
        ("floats", [0.0, 1.0], "integer class indices"),
        ("two_dimensional", [[0, 1]], "1-D"),
    )
    def test_check_labels_refuses_what_is_not_class_indices(self, labels, message):
        with self.assertRaisesRegex(ValueError, message):
            sampling.check_labels(labels, 3)

    def test_check_labels_gives_int32(self):
        labels = sampling.check_labels(np.array([2, 0], np.int64), 3)
        self.assertAllEqual(labels, [2, 0])
        self.assertEqual(labels.dtype, np.int32)

    @parameterized.parameters(("balanced", None), ("7", (7,)), ("0,1,2", (0, 1, 2)))
    def test_parse_labels(self, spec, classes):
        self.assertEqual(sampling.parse_labels(spec), classes)

    @parameterized.parameters("seven", "", "1,,2", "1.5")
    def test_parse_labels_names_a_bad_spec(self, spec):
        with self.assertRaisesRegex(ValueError, f"labels={spec!r}: give 'balanced'"):
            sampling.parse_labels(spec)

    @parameterized.parameters(
        (None, [0, 1, 2, 0, 1]),
        ("balanced", [0, 1, 2, 0, 1]),
        ("2", [2, 2, 2, 2, 2]),
        ("0,2", [0, 2, 0, 2, 0]),
    )
    def test_labels_from_spec_gives_n_labels(self, spec, expected):
        labels = sampling.labels_from_spec(spec, 5, 3)
        self.assertAllEqual(labels, expected)
        self.assertEqual(labels.dtype, np.int32)

    def test_labels_from_spec_checks_the_classes_and_the_generator(self):
        with self.assertRaisesRegex(ValueError, r"label 12 is outside \[0, 10\)"):
            sampling.labels_from_spec("12", 5, 10)
        with self.assertRaisesRegex(ValueError, "needs a conditional generator; g.keras takes no"):
            sampling.labels_from_spec("1", 5, None, "g.keras")
        self.assertIsNone(sampling.labels_from_spec(None, 5, None))


class LoadGeneratorTest(tf.test.TestCase):
    def test_a_saved_generator_loads_with_the_noise_it_is_told(self):
        generator = _generator(num_classes=2)
        path = os.path.join(self.get_temp_dir(), "generator.keras")
        generator.save(path)
        loaded, noise = sampling.load_generator(path, noise="uniform")
        self.assertEqual(noise, "uniform")
        self.assertEqual(sampling.generator_num_classes(loaded), 2)
        labels = [0, 1, 1]
        self.assertAllClose(
            sampling.generate(loaded, 3, seed=0, labels=labels),
            sampling.generate(generator, 3, seed=0, labels=labels),
        )

    def test_a_missing_file_a_file_that_is_no_model_and_a_model_that_is_no_generator_fail(self):
        with self.assertRaisesRegex(FileNotFoundError, "no generator file"):
            sampling.load_generator(os.path.join(self.get_temp_dir(), "missing.keras"))
        not_a_model = os.path.join(self.get_temp_dir(), "text.keras")
        with open(not_a_model, "w") as f:
            f.write("not a model")
        with self.assertRaisesRegex(ValueError, "is not a Keras model file that loads"):
            sampling.load_generator(not_a_model)
        images = keras.Input((4, 4, 1))
        critic = keras.Model(images, keras.layers.Dense(1)(keras.layers.Flatten()(images)))
        path = os.path.join(self.get_temp_dir(), "critic.keras")
        critic.save(path)
        with self.assertRaisesRegex(ValueError, r"inputs \(\(None, 4, 4, 1\)\) are not noise"):
            sampling.load_generator(path)


if __name__ == "__main__":
    tf.test.main()
