"""Tests for tfgan.GAN: the training algorithm, logging, reproducibility and (de)serialisation."""

import os
from unittest import mock

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import benchmark, losses, metrics, networks

LATENT_DIM = 3


def _make_gan(seed=0, hidden=(16,), **kwargs):
    keras.utils.set_random_seed(seed)
    return tfgan.GAN(
        networks.mlp_generator(LATENT_DIM, 2, hidden),
        networks.mlp_discriminator(2, hidden),
        latent_dim=LATENT_DIM,
        seed=seed,
        **kwargs,
    )


def _sgd_gan(learning_rate=0.1, **kwargs):
    gan = _make_gan(**kwargs)
    gan.compile(keras.optimizers.SGD(learning_rate), keras.optimizers.SGD(learning_rate))
    return gan


def _weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def _copy(model):
    """An independent copy of a network with the same weights, for a hand-written reference step."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _sgd_update(model, loss_fn, learning_rate):
    """One hand-written SGD step on model's variables; returns the loss."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    for variable, gradient in zip(
        model.trainable_variables, tape.gradient(loss, model.trainable_variables)
    ):
        variable.assign_sub(learning_rate * gradient)
    return loss


def _d_loss(d, real, fake):
    return tf.reduce_mean(tf.nn.softplus(-d(real)) + tf.nn.softplus(d(fake)))


def _ns_g_loss(d, g, z):
    return tf.reduce_mean(tf.nn.softplus(-d(g(z))))


class GANStepTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        self.real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)

    def test_discriminator_step_leaves_generator_weights_unchanged(self):
        gan = _sgd_gan()
        g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
        gan._discriminator_step(self.real)
        for before, after in zip(g_before, _weights(gan.generator)):
            self.assertAllEqual(before, after)
        self.assertFalse(
            all(np.array_equal(b, a) for b, a in zip(d_before, _weights(gan.discriminator)))
        )

    def test_generator_step_leaves_discriminator_weights_unchanged(self):
        gan = _sgd_gan()
        g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
        gan._generator_step(8)
        for before, after in zip(d_before, _weights(gan.discriminator)):
            self.assertAllEqual(before, after)
        self.assertFalse(
            all(np.array_equal(b, a) for b, a in zip(g_before, _weights(gan.generator)))
        )

    def _assert_same_weights(self, models, other_models):
        for model, other in zip(models, other_models):
            for want, got in zip(_weights(model), _weights(other)):
                self.assertAllClose(want, got, rtol=1e-5, atol=1e-6)

    def test_alternating_step_matches_algorithm_1_by_hand(self):
        """D update on noise z1, then G update against the *updated* D on fresh noise z2."""
        lr = 0.1
        gan = _sgd_gan(lr)
        g, d = _copy(gan.generator), _copy(gan.discriminator)
        noise = keras.random.SeedGenerator(0)  # the GAN's own generator starts from the same seed
        z1 = keras.random.normal((8, LATENT_DIM), seed=noise)
        z2 = keras.random.normal((8, LATENT_DIM), seed=noise)
        fake = g(z1)
        expected_d_loss = _sgd_update(d, lambda: _d_loss(d, self.real, fake), lr)
        expected_g_loss = _sgd_update(g, lambda: _ns_g_loss(d, g, z2), lr)

        logs = gan.train_step(self.real)

        self.assertAllClose(logs["d_loss"], expected_d_loss, rtol=1e-5)
        self.assertAllClose(logs["g_loss"], expected_g_loss, rtol=1e-5)
        self._assert_same_weights([g, d], [gan.generator, gan.discriminator])

    def test_simultaneous_step_takes_both_gradients_from_one_forward_pass(self):
        lr = 0.1
        gan = _sgd_gan(lr, update="simultaneous")
        g, d = _copy(gan.generator), _copy(gan.discriminator)
        z = keras.random.normal((8, LATENT_DIM), seed=keras.random.SeedGenerator(0))
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = g(z)
            d_loss = _d_loss(d, self.real, fake)
            g_loss = tf.reduce_mean(tf.nn.softplus(-d(fake)))
        d_grads = d_tape.gradient(d_loss, d.trainable_variables)
        g_grads = g_tape.gradient(g_loss, g.trainable_variables)
        for v, grad in zip(d.trainable_variables + g.trainable_variables, d_grads + g_grads):
            v.assign_sub(lr * grad)

        logs = gan.train_step(self.real)

        self.assertAllClose(logs["d_loss"], d_loss, rtol=1e-5)
        self.assertAllClose(logs["g_loss"], g_loss, rtol=1e-5)
        self._assert_same_weights([g, d], [gan.generator, gan.discriminator])

    def test_k_discriminator_steps_consume_k_distinct_real_minibatches(self):
        seen = []

        class RecordingGAN(tfgan.GAN):
            def _discriminator_step(self, real):
                seen.append(real.numpy())
                return super()._discriminator_step(real)

        keras.utils.set_random_seed(0)
        gan = RecordingGAN(
            networks.mlp_generator(LATENT_DIM, 2, (8,)),
            networks.mlp_discriminator(2, (8,)),
            LATENT_DIM,
            d_steps=3,
            seed=0,
        )
        gan.compile(run_eagerly=True)
        batch = np.arange(24, dtype=np.float32).reshape(12, 2)  # three minibatches of 4
        gan.fit(tf.data.Dataset.from_tensors(batch).repeat(), steps_per_epoch=2, verbose=0)

        self.assertLen(seen, 6)
        for minibatch, want in zip(seen[:3], np.split(batch, 3)):
            self.assertAllEqual(minibatch, want)
        self.assertEqual(int(gan.d_optimizer.iterations), 6)
        self.assertEqual(int(gan.g_optimizer.iterations), 2)

    def test_batch_not_divisible_into_d_steps_raises(self):
        gan = _sgd_gan(d_steps=3)
        with self.assertRaisesRegex(ValueError, "d_steps=3"):
            gan.train_step(tf.zeros((8, 2)))

    @parameterized.parameters("alternating", "simultaneous")
    def test_fit_logs_equal_metric_names(self, update):
        gan = _make_gan(update=update)
        gan.compile(steps_per_execution=2)
        history = gan.fit(tfgan.data.circle(16, seed=0), steps_per_epoch=4, epochs=2, verbose=0)
        self.assertCountEqual(history.history, [m.name for m in gan.metrics])
        self.assertCountEqual(history.history, tfgan.gan.LOG_KEYS)
        for values in history.history.values():
            self.assertTrue(np.all(np.isfinite(values)))

    def test_same_seed_gives_same_losses(self):
        def run():
            gan = _make_gan(seed=3)
            gan.compile(steps_per_execution=5)
            return gan.fit(tfgan.data.circle(16, seed=1), steps_per_epoch=10, epochs=2, verbose=0)

        self.assertEqual(run().history, run().history)

    @parameterized.parameters("alternating", "simultaneous")
    def test_steps_per_execution_runs_the_same_steps_as_one_step_per_call(self, update):
        def fit(steps_per_execution):
            gan = _make_gan(seed=2, update=update)
            gan.compile(
                keras.optimizers.SGD(0.05),
                keras.optimizers.SGD(0.05),
                steps_per_execution=steps_per_execution,
            )
            history = gan.fit(tfgan.data.circle(16, seed=1), steps_per_epoch=8, verbose=0)
            return gan, history.history

        one, one_logs = fit(1)
        four, four_logs = fit(4)
        self.assertEqual(int(four.g_optimizer.iterations), 8)
        self.assertEqual(int(four.d_optimizer.iterations), 8)
        self.assertAllEqual(four.seed_generator.state, one.seed_generator.state)
        self._assert_same_weights(
            [one.generator, one.discriminator], [four.generator, four.discriminator]
        )
        for key in tfgan.gan.LOG_KEYS:
            self.assertAllClose(four_logs[key], one_logs[key], rtol=1e-5, msg=key)

    def test_evaluate_reports_what_the_discriminator_scores(self):
        gan = _make_gan()
        gan.compile()
        last = gan.discriminator.layers[-1]
        last.kernel.assign(tf.zeros_like(last.kernel))
        last.bias.assign([2.0])  # D(x) = sigmoid(2) for every x: all real right, all fakes wrong
        logs = gan.evaluate(tfgan.data.circle(16, seed=0), steps=2, return_dict=True, verbose=0)
        d_of_x = 1 / (1 + np.exp(-2.0))
        self.assertAllClose(logs["d_real"], d_of_x)
        self.assertAllClose(logs["d_fake"], d_of_x)
        self.assertAllClose(logs["d_accuracy"], 0.5)
        self.assertAllClose(logs["d_loss"], -np.log(d_of_x) - np.log(1 - d_of_x), rtol=1e-5)
        self.assertAllClose(logs["g_loss"], -np.log(d_of_x), rtol=1e-5)

    def test_short_circle_run_cuts_radius_error(self):
        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(
            networks.mlp_generator(4, 2, (64, 64)),
            networks.mlp_discriminator(2, (64, 64)),
            4,
            seed=0,
        )
        gan.compile(
            keras.optimizers.Adam(1e-3, beta_1=0.5),
            keras.optimizers.Adam(1e-3, beta_1=0.5),
            steps_per_execution=100,
        )
        untrained = metrics.radius_error(gan.generate(2000, seed=0))
        gan.fit(tfgan.data.circle(256, seed=0), steps_per_epoch=1500, verbose=0)
        trained = metrics.radius_error(gan.generate(2000, seed=0))
        self.assertLess(trained, 0.2 * untrained)
        self.assertLess(trained, 0.05)


class GANApiTest(tf.test.TestCase, parameterized.TestCase):
    def test_generate_is_reproducible_with_a_seed(self):
        gan = _make_gan()
        samples = gan.generate(5, seed=7)
        self.assertEqual(samples.shape, (5, 2))
        self.assertAllEqual(samples, gan.generate(5, seed=7))
        self.assertNotAllClose(samples, gan.generate(5, seed=8))

    def test_call_runs_the_generator(self):
        gan = _make_gan()
        z = tf.ones((2, LATENT_DIM))
        self.assertAllEqual(gan(z), gan.generator(z))

    @parameterized.parameters(("normal", -5.0, 5.0), ("uniform", -1.0, 1.0))
    def test_noise_prior(self, noise, low, high):
        z = _make_gan(noise=noise).sample_noise(4000, seed=0).numpy()
        self.assertAllInRange(z, low, high)
        self.assertAllClose(z.std(), 1.0 if noise == "normal" else 1 / np.sqrt(3), atol=0.05)

    def test_jit_compile_auto_is_off_on_cpu_and_explicit_values_are_honoured(self):
        gan = _make_gan()
        gan.compile()
        self.assertFalse(gan.jit_compile)  # this test machine has no GPU
        gan.compile(jit_compile=True)
        self.assertTrue(gan.jit_compile)

    @parameterized.parameters(*benchmark.MODELS)
    def test_jit_compile_auto_resolves_to_xla_when_a_gpu_is_present(self, model):
        spec = benchmark.MODELS[model]
        gan = tfgan.GAN(*spec.networks(), latent_dim=spec.latent_dim)
        devices = [
            tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU"),
            tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU"),
        ]
        with mock.patch.object(tf.config, "list_physical_devices", return_value=devices):
            gan.compile()
        self.assertIs(gan.jit_compile, True)
        gan.compile(jit_compile=False)
        self.assertIs(gan.jit_compile, False)

    def test_compile_rejects_one_optimizer_for_both_players(self):
        adam = keras.optimizers.Adam()
        with self.assertRaisesRegex(ValueError, "two optimizer instances"):
            _make_gan().compile(adam, adam)

    def test_mismatched_generator_output_and_discriminator_input_raise_naming_both(self):
        with self.assertRaisesRegex(ValueError, r"\(3,\).*\(2,\)"):
            tfgan.GAN(networks.mlp_generator(2, 3), networks.mlp_discriminator(2), latent_dim=2)

    def test_latent_dim_not_matching_generator_input_raises_naming_both(self):
        with self.assertRaisesRegex(ValueError, r"\(5,\).*\(4,\)"):
            tfgan.GAN(networks.mlp_generator(5, 2), networks.mlp_discriminator(2), latent_dim=4)

    def test_discriminator_with_several_outputs_raises(self):
        with self.assertRaisesRegex(ValueError, "one logit"):
            tfgan.GAN(networks.mlp_generator(2, 2), networks.mlp(2, 3), latent_dim=2)

    @parameterized.named_parameters(
        ("d_steps_zero", dict(d_steps=0), "d_steps"),
        ("unknown_update", dict(update="sometimes"), "update"),
        ("simultaneous_with_k", dict(update="simultaneous", d_steps=2), "d_steps=1"),
        ("unknown_noise", dict(noise="pink"), "noise"),
        ("unknown_loss", dict(loss="wasserstein"), "minimax"),
    )
    def test_bad_arguments_raise(self, kwargs, message):
        with self.assertRaisesRegex(ValueError, message):
            _make_gan(**kwargs)


class GANMixedPrecisionTest(tf.test.TestCase):
    def tearDown(self):
        keras.mixed_precision.set_global_policy("float32")
        super().tearDown()

    def test_mixed_float16_loss_scales_both_optimizers_and_keeps_losses_float32(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        gan = _make_gan()
        gan.compile()
        for optimizer in (gan.g_optimizer, gan.d_optimizer):
            self.assertIsInstance(optimizer, keras.optimizers.LossScaleOptimizer)
        logs = gan.train_step(tf.random.normal((8, 2)))
        for key in tfgan.gan.LOG_KEYS:
            self.assertEqual(logs[key].dtype, tf.float32)
            self.assertTrue(np.isfinite(logs[key].numpy()), key)
        self.assertEqual(int(gan.g_optimizer.iterations), 1)

    def test_float16_step_trains_where_unscaled_gradients_underflow(self):
        """A loss scaled by 1e-7 gives float16 activation gradients of ~1e-9, which round to 0
        (float16's smallest subnormal is 6e-8); loss scaling (x 2^15) lifts them into range."""
        tiny = 1e-7
        loss = (
            lambda fake_logits: tiny * losses.non_saturating_generator_loss(fake_logits),
            lambda real_logits, fake_logits: tiny
            * losses.discriminator_loss(real_logits, fake_logits),
        )
        learning_rate = 1e6  # SGD steps of a visible size despite the tiny gradients
        real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)

        def build(policy):
            keras.mixed_precision.set_global_policy(policy)
            gan = _make_gan(hidden=(16,), loss=loss)
            gan.compile(keras.optimizers.SGD(learning_rate), keras.optimizers.SGD(learning_rate))
            return gan

        def unscaled_gradients(gan):
            """A plain step's gradients, without loss scaling: D's loss for D, G's loss for G."""
            z = tf.random.normal((8, LATENT_DIM), seed=1)
            with tf.GradientTape(persistent=True) as tape:
                fake_logits = gan.discriminator(gan.generator(z))
                d_loss = tf.reduce_mean(loss[1](gan.discriminator(real), fake_logits))
                g_loss = tf.reduce_mean(loss[0](fake_logits))
            return (
                tape.gradient(d_loss, gan.discriminator.layers[1].kernel),
                tape.gradient(g_loss, gan.generator.trainable_variables),
            )

        reference = build("float32")
        mixed = build("mixed_float16")
        self.assertEqual(mixed.discriminator.layers[1].compute_dtype, "float16")

        d_hidden, g_gradients = unscaled_gradients(mixed)
        self.assertAllEqual(d_hidden, np.zeros_like(d_hidden))
        for gradient in g_gradients:
            self.assertAllEqual(gradient, np.zeros_like(gradient))
        d_hidden, g_gradients = unscaled_gradients(reference)  # nonzero in float32
        self.assertGreater(np.abs(d_hidden).max(), 0)
        self.assertGreater(max(np.abs(g).max() for g in g_gradients), 0)

        before = _weights(reference)
        reference.train_step(real)
        mixed.train_step(real)
        for start, want, got in zip(before, _weights(reference), _weights(mixed)):
            want_change, got_change = want - start, got - start
            self.assertGreater(np.abs(want_change).max(), 1e-4)
            self.assertAllClose(
                got_change, want_change, rtol=0.05, atol=0.01 * np.abs(want_change).max()
            )


class GANSavingTest(tf.test.TestCase):
    def _fit(self, gan, epochs, skip_batches=0):
        data = tfgan.data.circle(16, seed=5).skip(skip_batches)
        return gan.fit(data, steps_per_epoch=10, epochs=epochs, verbose=0).history

    def test_save_load_continues_training_like_an_uninterrupted_run(self):
        uninterrupted = _make_gan(seed=1)
        uninterrupted.compile(steps_per_execution=5)
        expected = self._fit(uninterrupted, epochs=3)

        first = _make_gan(seed=1)
        first.compile(steps_per_execution=5)
        self._fit(first, epochs=2)
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        first.save(path)
        loaded = keras.models.load_model(path)

        self.assertIsInstance(loaded, tfgan.GAN)
        self.assertEqual(int(loaded.g_optimizer.iterations), 20)
        self.assertEqual(int(loaded.d_optimizer.iterations), 20)
        self.assertAllEqual(loaded.seed_generator.state, first.seed_generator.state)
        self.assertEqual(loaded.steps_per_execution, 5)
        resumed = self._fit(loaded, epochs=1, skip_batches=20)
        for key in tfgan.gan.LOG_KEYS:
            self.assertAllClose(resumed[key][0], expected[key][2], rtol=1e-4, msg=key)

    def test_config_round_trip_keeps_the_game(self):
        gan = _make_gan(loss="minimax", d_steps=2, noise="uniform")
        restored = tfgan.GAN.from_config(gan.get_config())
        for attribute in ("latent_dim", "d_steps", "update", "noise", "seed"):
            self.assertEqual(getattr(restored, attribute), getattr(gan, attribute))
        self.assertEqual(tuple(restored.loss_pair), tfgan.losses.LOSSES["minimax"])

    def test_saved_generator_loads_and_samples(self):
        gan = _make_gan(noise="uniform")
        path = os.path.join(self.get_temp_dir(), "generator.keras")
        gan.generator.save(path)
        generator, noise = tfgan.gan.load_generator(path, noise="uniform")
        self.assertAllClose(
            tfgan.gan.generate(generator, 4, noise, seed=2), gan.generate(4, seed=2)
        )


if __name__ == "__main__":
    tf.test.main()
