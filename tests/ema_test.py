"""Tests for the averaged generator (tfgan.ema): updates by hand, saving, sampling, strategies."""

import os

import distribute_test
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import ema

LATENT_DIM = 3
BATCH = 8


def _generator_with_batch_norm():
    """z -> Dense -> BatchNormalization -> Dense: a G with moving statistics to average."""
    z = keras.Input((LATENT_DIM,))
    h = keras.layers.Dense(8)(z)
    h = keras.layers.BatchNormalization()(h, training=None)
    return keras.Model(z, keras.layers.Dense(2)(keras.layers.ReLU()(h)), name="bn_generator")


def _gan(generator_ema, seed=0, generator=None):
    keras.utils.set_random_seed(seed)
    gan = tfgan.GAN(
        generator or _generator_with_batch_norm(),
        tfgan.networks.mlp_discriminator(2, (8,)),
        latent_dim=LATENT_DIM,
        generator_ema=generator_ema,
        seed=seed,
    )
    gan.compile(g_optimizer=keras.optimizers.Adam(0.05), d_optimizer=keras.optimizers.Adam(0.05))
    return gan


def _data(seed=0):
    return tfgan.data.circle(BATCH, seed=seed)


class _GeneratorSnapshots(keras.callbacks.Callback):
    """G's weights after every train step."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append([w.numpy().copy() for w in self.model.generator.weights])


def _averaged_by_hand(initial, snapshots, betas):
    average = [w.copy() for w in initial]
    for weights, beta in zip(snapshots, betas):
        average = [beta * a + (1 - beta) * w for a, w in zip(average, weights)]
    return average


class GeneratorEMAScheduleTest(tf.test.TestCase, parameterized.TestCase):
    def test_half_life_beta_halves_the_old_weight_every_half_life(self):
        schedule = ema.GeneratorEMA(half_life_images=1000, ramp_up=None)
        self.assertAllClose(schedule.beta(10**6, 1000), 0.5)
        self.assertAllClose(schedule.beta(10**6, 64), 0.5 ** (64 / 1000))

    def test_ramp_up_starts_with_a_copy_and_caps_the_half_life(self):
        schedule = ema.GeneratorEMA(half_life_images=1000, ramp_up=0.05)
        self.assertAllClose(schedule.beta(0, 64), 0.0)  # the first update copies G
        self.assertAllClose(schedule.beta(2000, 64), 0.5 ** (64 / 100))  # half-life 0.05 * 2000
        self.assertAllClose(schedule.beta(10**6, 64), 0.5 ** (64 / 1000))

    def test_constant_decay(self):
        self.assertAllClose(ema.GeneratorEMA(decay=0.9).beta(123, 64), 0.9)

    def test_follow_moves_every_float_weight_by_the_beta_of_the_images_seen(self):
        keras.utils.set_random_seed(0)
        generator = _generator_with_batch_norm()
        averaged = ema.averaged_copy(generator)
        old = [w.numpy().copy() for w in averaged.weights]
        new = [w + 1.0 for w in old]
        generator.set_weights(new)
        # 10 updates of 64 images seen: the ramp-up caps the half-life at 0.05 * 640 = 32 images.
        ema.GeneratorEMA(half_life_images=1000, ramp_up=0.05).follow(generator, averaged, 10, 64)
        beta = 0.5 ** (64 / 32)
        for got, a, w in zip(averaged.weights, old, new):
            self.assertAllClose(got, beta * a + (1 - beta) * w, rtol=1e-6)

    @parameterized.parameters(
        (dict(half_life_images=0), "half_life_images"),
        (dict(ramp_up=-1.0), "ramp_up"),
        (dict(decay=1.0), "decay"),
    )
    def test_bad_arguments_raise_naming_them(self, kwargs, name):
        with self.assertRaisesRegex(ValueError, name):
            ema.GeneratorEMA(**kwargs)

    def test_get_takes_none_true_a_decay_or_a_schedule(self):
        self.assertIsNone(ema.get(None))
        self.assertIsNone(ema.get(False))
        self.assertEqual(ema.get(True).get_config(), ema.GeneratorEMA().get_config())
        self.assertEqual(ema.get(0.99).decay, 0.99)
        with self.assertRaisesRegex(ValueError, "generator_ema must be"):
            ema.get("yes")


class AveragedGeneratorTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        # betas of steps 1-3 at 8 images a step: seen 0, 8, 16 -> half-life min(1000, 0.5 * seen)
        ("ramp_up", ema.GeneratorEMA(1000, ramp_up=0.5), [0.0, 0.5 ** (8 / 4), 0.5 ** (8 / 8)]),
        ("decay", ema.GeneratorEMA(decay=0.7), [0.7, 0.7, 0.7]),
    )
    def test_every_g_update_moves_every_float_weight_as_by_hand(self, schedule, betas):
        gan = _gan(schedule)
        initial = [w.numpy().copy() for w in gan.generator.weights]
        snapshots = _GeneratorSnapshots()
        gan.fit(_data(), steps_per_epoch=3, verbose=0, callbacks=[snapshots])

        expected = _averaged_by_hand(initial, snapshots.weights, betas)
        names = [w.path for w in gan.generator.weights]
        self.assertTrue(any("moving_mean" in name for name in names))  # BN statistics follow
        for name, got, want in zip(names, gan.averaged_generator.weights, expected):
            self.assertAllClose(got, want, rtol=1e-5, atol=1e-6, msg=name)
        self.assertNotAllClose(gan.averaged_generator.weights[0], gan.generator.weights[0])

    def test_the_averaged_generator_is_not_trained_and_is_named_so(self):
        gan = _gan(True)
        self.assertEqual(gan.averaged_generator.name, "averaged_bn_generator")
        self.assertEmpty(gan.averaged_generator.trainable_weights)
        trained = {id(v) for v in gan.trainable_variables}
        self.assertFalse(any(id(v) in trained for v in gan.averaged_generator.weights))

    def test_samples_come_from_the_averaged_generator(self):
        gan = _gan(0.5)
        gan.fit(_data(), steps_per_epoch=5, verbose=0)
        self.assertIs(gan.sampling_generator, gan.averaged_generator)
        expected = tfgan.sampling.generate(gan.averaged_generator, 16, seed=3)
        self.assertAllClose(gan.generate(16, seed=3), expected)
        self.assertNotAllClose(
            gan.generate(16, seed=3), tfgan.sampling.generate(gan.generator, 16, seed=3)
        )
        z = gan.sample_noise(4, seed=1)
        self.assertAllClose(gan(z), gan.averaged_generator(z))

    def test_without_an_average_samples_come_from_the_generator(self):
        gan = _gan(None)
        self.assertIsNone(gan.averaged_generator)
        self.assertIs(gan.sampling_generator, gan.generator)

    def test_saved_gan_reloads_its_average_and_resumes_like_an_uninterrupted_run(self):
        uninterrupted = _gan(True)
        uninterrupted.fit(_data(), steps_per_epoch=6, verbose=0)

        first = _gan(True)
        first.fit(_data(), steps_per_epoch=3, verbose=0)
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        first.save(path)
        loaded = keras.models.load_model(path)
        self.assertEqual(loaded.generator_ema.get_config(), first.generator_ema.get_config())
        for got, want in zip(loaded.averaged_generator.weights, first.averaged_generator.weights):
            self.assertAllEqual(got, want)
        loaded.fit(_data().skip(3), steps_per_epoch=3, verbose=0)

        for got, want in zip(
            loaded.averaged_generator.weights, uninterrupted.averaged_generator.weights
        ):
            self.assertAllClose(got, want, rtol=1e-5, atol=1e-6)

    def test_load_generator_of_a_gan_file_gives_the_averaged_generator(self):
        gan = _gan(0.5)
        gan.fit(_data(), steps_per_epoch=4, verbose=0)
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        generator, _ = tfgan.sampling.load_generator(path)
        self.assertEqual(generator.name, gan.averaged_generator.name)
        self.assertAllClose(
            tfgan.sampling.generate(generator, 8, seed=0), gan.generate(8, seed=0), atol=1e-6
        )

    def test_runs_write_the_averaged_and_the_trained_generator(self):
        self.assertCountEqual(
            tfgan.runs.generator_outputs(_gan(True)),
            ["gan.keras", "generator.keras", "trained_generator.keras"],
        )
        self.assertCountEqual(
            tfgan.runs.generator_outputs(_gan(None)), ["gan.keras", "generator.keras"]
        )

    def test_conditional_generator_is_averaged_with_its_label_embedding(self):
        keras.utils.set_random_seed(0)
        generator = tfgan.networks.mlp_generator(LATENT_DIM, 2, (8,), num_classes=2)
        discriminator = tfgan.networks.mlp_discriminator(2, (8,), num_classes=2)
        gan = tfgan.GAN(
            generator, discriminator, LATENT_DIM, num_classes=2, generator_ema=0.5, seed=0
        )
        gan.compile()
        data = tf.data.Dataset.from_tensors(
            (np.ones((BATCH, 2), np.float32), np.arange(BATCH) % 2)
        ).repeat()
        gan.fit(data, steps_per_epoch=3, verbose=0)
        self.assertEqual(tfgan.sampling.generator_num_classes(gan.averaged_generator), 2)
        self.assertEqual(gan.generate(6, labels=[0, 1, 0, 1, 0, 1]).shape, (6, 2))


class AveragedGeneratorStrategiesTest(tf.test.TestCase):
    def test_mirrored_average_follows_the_rule_on_every_replica(self):
        real = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
        with distribute_test._mirrored().scope():
            gan = distribute_test._make_gan(generator_ema=0.5)
            gan.compile(g_optimizer="sgd", d_optimizer="sgd")
        initial = [w.numpy().copy() for w in gan.generator.weights]
        snapshots = _GeneratorSnapshots()
        data = tf.data.Dataset.from_tensors(real).repeat()
        gan.fit(data, steps_per_epoch=3, verbose=0, callbacks=[snapshots])

        expected = _averaged_by_hand(initial, snapshots.weights, [0.5] * 3)
        for average, want in zip(gan.averaged_generator.weights, expected):
            copies = average.value.values  # the MirroredVariable's copy on each replica
            self.assertLen(copies, distribute_test.REPLICAS)
            for copy in copies:
                self.assertAllClose(copy, want, rtol=1e-5, atol=1e-6)

    def test_mixed_float16_keeps_a_float32_average(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            gan = _gan(True, generator=tfgan.networks.mlp_generator(LATENT_DIM, 2, (8,)))
            gan.fit(_data(), steps_per_epoch=3, verbose=0)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        for average in gan.averaged_generator.weights:
            self.assertEqual(average.dtype, "float32")
            self.assertTrue(np.isfinite(average.numpy()).all())
        self.assertTrue(np.isfinite(gan.generate(8, seed=0)).all())
