"""Tests for tfgan.GAN: the training algorithm, logging, reproducibility and (de)serialisation."""

import os
from unittest import mock

import circle_gan
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from penalties import fit_recording

import tfgan
from tfgan import losses, metrics, networks

LATENT_DIM = 3
LOG_KEYS = ("loss", "d_loss", "g_loss", "d_real", "d_fake", "d_accuracy")


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
    gan.compile(
        g_optimizer=keras.optimizers.SGD(learning_rate),
        d_optimizer=keras.optimizers.SGD(learning_rate),
    )
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

    @parameterized.parameters("alternating", "simultaneous")
    def test_each_player_moves_only_by_its_own_loss(self, update):
        """A zero generator loss leaves G as it is while D trains, and a zero D loss leaves D."""

        def zero(*logits):
            return 0.0 * tf.reshape(logits[0], [-1])  # zero, with zero gradients

        for loss, frozen in (
            ((zero, losses.discriminator_loss), "generator"),
            ((losses.non_saturating_generator_loss, zero), "discriminator"),
        ):
            with self.subTest(frozen=frozen):
                gan = _sgd_gan(loss=loss, update=update)
                moving = "discriminator" if frozen == "generator" else "generator"
                frozen_before = _weights(getattr(gan, frozen))
                moving_before = _weights(getattr(gan, moving))
                gan.train_step(self.real)
                for before, after in zip(frozen_before, _weights(getattr(gan, frozen))):
                    self.assertAllEqual(before, after)
                self.assertFalse(
                    all(
                        np.array_equal(b, a)
                        for b, a in zip(moving_before, _weights(getattr(gan, moving)))
                    )
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
        batch = np.arange(24, dtype=np.float32).reshape(12, 2)  # three minibatches of 4
        data = tf.data.Dataset.from_tensors(batch).repeat()
        gan, calls = fit_recording(data, steps=2, d_steps=3, seed=0)

        self.assertLen(calls, 6)
        for call, want in zip(calls[:3], np.split(batch, 3)):
            self.assertAllEqual(call["real"], want)
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
        self.assertCountEqual(history.history, LOG_KEYS)
        self.assertAllClose(
            history.history["loss"],
            np.add(history.history["d_loss"], history.history["g_loss"]),
            rtol=1e-6,
        )
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
                g_optimizer=keras.optimizers.SGD(0.05),
                d_optimizer=keras.optimizers.SGD(0.05),
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
        for key in LOG_KEYS:
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
        gan, _, untrained = circle_gan.fit_circle()
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

    @parameterized.parameters("circle", *networks.IMAGE_ARCHITECTURES)
    def test_jit_compile_auto_resolves_to_xla_when_a_gpu_is_present(self, arch):
        if arch == "circle":
            generator, discriminator = networks.mlp_generator(4, 2), networks.mlp_discriminator(2)
        else:
            generator, discriminator = networks.image_gan_networks(arch, 4)
        gan = tfgan.GAN(generator, discriminator, latent_dim=4)
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
            _make_gan().compile(g_optimizer=adam, d_optimizer=adam)

    def test_compile_takes_keyword_arguments_only(self):
        with self.assertRaises(TypeError):
            _make_gan().compile(keras.optimizers.Adam(), keras.optimizers.Adam())

    @parameterized.parameters("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics")
    def test_compile_arguments_a_gan_would_ignore_raise_naming_them(self, name):
        with self.assertRaisesRegex(ValueError, rf"{name}=.*g_optimizer= and d_optimizer="):
            _make_gan().compile(**{name: "adam" if name == "optimizer" else "mse"})

    def test_mismatched_generator_output_and_discriminator_input_raise_naming_both(self):
        with self.assertRaisesRegex(ValueError, r"\(None, 3\).*expected shape=\(None, 2\)"):
            tfgan.GAN(networks.mlp_generator(2, 3), networks.mlp_discriminator(2), latent_dim=2)

    def test_latent_dim_not_matching_generator_input_raises_naming_both(self):
        with self.assertRaisesRegex(ValueError, r"\(batch, 4\).*expected shape=\(None, 5\)"):
            tfgan.GAN(networks.mlp_generator(5, 2), networks.mlp_discriminator(2), latent_dim=4)

    def test_discriminator_with_several_outputs_raises(self):
        with self.assertRaisesRegex(ValueError, "one logit"):
            tfgan.GAN(networks.mlp_generator(2, 2), networks.mlp(2, 3), latent_dim=2)

    @parameterized.named_parameters(
        ("latent_dim_zero", dict(latent_dim=0), "latent_dim"),
        ("d_steps_zero", dict(d_steps=0), "d_steps"),
        ("unknown_update", dict(update="sometimes"), "update"),
        ("simultaneous_with_k", dict(update="simultaneous", d_steps=2), "d_steps=1"),
        ("unknown_noise", dict(noise="pink"), "noise"),
        ("unknown_loss", dict(loss="energy_based"), "minimax"),
        ("loss_class_not_instance", dict(loss=losses.Minimax), r"Minimax\(\)"),
        ("num_classes_zero", dict(num_classes=0), "num_classes"),
        ("regularizer_not_an_object", dict(regularizers=["r1"]), "Regularizer"),
    )
    def test_bad_arguments_raise(self, kwargs, message):
        keras.utils.set_random_seed(0)
        arguments = {"latent_dim": LATENT_DIM, "seed": 0, **kwargs}
        generator = networks.mlp_generator(arguments["latent_dim"] or 1, 2, (4,))
        with self.assertRaisesRegex(ValueError, message):
            tfgan.GAN(generator, networks.mlp_discriminator(2, (4,)), **arguments)

    def test_sample_weights_in_the_data_raise(self):
        gan = _sgd_gan()
        with self.assertRaisesRegex(ValueError, "sample weights"):
            gan.train_step((tf.zeros((8, 2)), tf.zeros((8,)), tf.ones((8,))))

    def test_labels_in_the_data_of_an_unconditional_gan_are_ignored(self):
        real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
        with_labels, without = _sgd_gan(), _sgd_gan()
        with_labels.train_step((real, tf.range(8)))
        without.train_step(real)
        self._assert_same_networks(with_labels, without)

    def _assert_same_networks(self, gan, other):
        for model, other_model in (
            (gan.generator, other.generator),
            (gan.discriminator, other.discriminator),
        ):
            for a, b in zip(_weights(model), _weights(other_model)):
                self.assertAllEqual(a, b)


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
        for key in LOG_KEYS:
            self.assertEqual(logs[key].dtype, tf.float32)
            self.assertTrue(np.isfinite(logs[key].numpy()), key)
        self.assertEqual(int(gan.g_optimizer.iterations), 1)

    def test_float16_step_trains_where_unscaled_gradients_underflow(self):
        """A loss scaled by 1e-7 gives float16 activation gradients of ~1e-9, which round to 0
        (float16's smallest subnormal is 6e-8); loss scaling (x 2^15) lifts them into range."""
        tiny = 1e-7
        loss = (
            lambda fake_logits: tiny * losses.non_saturating_generator_loss(fake_logits),
            lambda real_logits, fake_logits: (
                tiny * losses.discriminator_loss(real_logits, fake_logits)
            ),
        )
        learning_rate = 1e6  # SGD steps of a visible size despite the tiny gradients
        real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)

        def build(policy):
            keras.mixed_precision.set_global_policy(policy)
            gan = _make_gan(hidden=(16,), loss=loss)
            gan.compile(
                g_optimizer=keras.optimizers.SGD(learning_rate),
                d_optimizer=keras.optimizers.SGD(learning_rate),
            )
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
        for key in LOG_KEYS:
            self.assertAllClose(resumed[key][0], expected[key][2], rtol=1e-4, msg=key)

    def test_config_round_trip_keeps_the_game(self):
        gan = _make_gan(loss="minimax", d_steps=2, noise="uniform", name="my_gan")
        config = gan.get_config()
        self.assertContainsSubset(["name", "trainable", "dtype"], config)  # keras.Model's own keys
        restored = tfgan.GAN.from_config(config)
        for attribute in ("name", "latent_dim", "d_steps", "update", "noise", "seed"):
            self.assertEqual(getattr(restored, attribute), getattr(gan, attribute))
        self.assertIsInstance(restored.gan_loss, losses.Minimax)

    def test_a_loss_pair_of_registered_functions_is_saved_and_reloaded(self):
        gan = _make_gan(loss=(_registered_generator_loss, _registered_discriminator_loss))
        gan.compile()
        path = os.path.join(self.get_temp_dir(), "pair.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        self.assertIsInstance(loaded.gan_loss, losses.LossPair)
        self.assertIs(loaded.gan_loss.generator_fn, _registered_generator_loss)
        self.assertIs(loaded.gan_loss.discriminator_fn, _registered_discriminator_loss)

    def test_loading_a_store_with_an_unknown_variable_fails_in_keras_own_check(self):
        gan = _make_gan()
        store = {"seed_generator_state": np.zeros(2, np.int64), "0": np.zeros(1)}
        with self.assertRaisesRegex(ValueError, "expected 0 variables"):
            gan.load_own_variables(store)

    def test_saved_generator_loads_and_samples(self):
        gan = _make_gan(noise="uniform")
        path = os.path.join(self.get_temp_dir(), "generator.keras")
        gan.generator.save(path)
        generator, noise = tfgan.sampling.load_generator(path, noise="uniform")
        self.assertAllClose(
            tfgan.sampling.generate(generator, 4, noise, seed=2), gan.generate(4, seed=2)
        )


@keras.saving.register_keras_serializable(package="tfgan_test")
def _registered_generator_loss(fake_logits):
    return losses.non_saturating_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package="tfgan_test")
def _registered_discriminator_loss(real_logits, fake_logits):
    return losses.discriminator_loss(real_logits, fake_logits)


def _circle(batch_size=16, seed=0):
    return tfgan.data.circle(batch_size, seed=seed)


class KerasCallbacksTest(tf.test.TestCase):
    """Keras's own callbacks that act on `model.optimizer` act on both players."""

    def _players(self, gan):
        return {"generator": gan.g_optimizer, "discriminator": gan.d_optimizer}

    def test_learning_rate_scheduler_sets_both_players_rates_every_epoch(self):
        gan = _make_gan()
        gan.compile(
            g_optimizer=keras.optimizers.Adam(1e-3, name="g"),
            d_optimizer=keras.optimizers.Adam(4e-3, name="d"),
        )
        seen = []
        record = keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: seen.append(
                [float(o.learning_rate) for o in self._players(gan).values()]
            )
        )
        halve = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2)
        history = gan.fit(
            _circle(), steps_per_epoch=2, epochs=3, callbacks=[halve, record], verbose=0
        )
        self.assertAllClose(seen, [[5e-4, 2e-3], [2.5e-4, 1e-3], [1.25e-4, 5e-4]])
        self.assertAllClose(history.history["learning_rate_g"], [5e-4, 2.5e-4, 1.25e-4])
        self.assertAllClose(history.history["learning_rate_d"], [2e-3, 1e-3, 5e-4])

    def test_reduce_lr_on_plateau_reduces_both_players_rates(self):
        gan = _make_gan()
        gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.2))
        always_a_plateau = keras.callbacks.ReduceLROnPlateau(
            monitor="d_loss", mode="min", factor=0.5, patience=0, min_delta=1e9, min_lr=0
        )
        gan.fit(_circle(), steps_per_epoch=2, epochs=3, callbacks=[always_a_plateau], verbose=0)
        # The first epoch sets the best value; each of the two later ones halves both rates.
        self.assertAllClose(float(gan.g_optimizer.learning_rate), 0.025)
        self.assertAllClose(float(gan.d_optimizer.learning_rate), 0.05)

    def _ema_gan(self, momentum):
        gan = _make_gan()
        gan.compile(
            g_optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=momentum),
            d_optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=momentum),
        )
        return gan

    def _record_weights_after_each_step(self, gan):
        steps = []
        callback = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: steps.append(
                (_weights(gan.generator), _weights(gan.discriminator))
            )
        )
        return steps, callback

    @staticmethod
    def _moving_averages(steps, momentum):
        """Keras's EMA by hand: the first step's weights, then m * average + (1 - m) * weights."""
        averages = steps[0]
        for weights in steps[1:]:
            averages = tuple(
                [momentum * a + (1 - momentum) * w for a, w in zip(network_a, network_w)]
                for network_a, network_w in zip(averages, weights)
            )
        return averages

    def test_fit_finalizes_both_optimizers_so_their_ema_weights_end_in_the_networks(self):
        momentum = 0.5
        gan = self._ema_gan(momentum)
        steps, record = self._record_weights_after_each_step(gan)
        gan.fit(_circle(), steps_per_epoch=3, epochs=1, callbacks=[record], verbose=0)
        g_average, d_average = self._moving_averages(steps, momentum)
        self.assertNotAllClose(g_average, steps[-1][0])  # the average is not the last step
        self.assertAllClose(_weights(gan.generator), g_average, rtol=1e-5, atol=1e-6)
        self.assertAllClose(_weights(gan.discriminator), d_average, rtol=1e-5, atol=1e-6)

    def test_swap_ema_weights_swaps_both_players_at_the_end_of_each_epoch(self):
        momentum = 0.5
        gan = self._ema_gan(momentum)
        steps, record = self._record_weights_after_each_step(gan)
        swapped = []
        after_swap = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: swapped.append(
                (_weights(gan.generator), _weights(gan.discriminator))
            )
        )
        swap = keras.callbacks.SwapEMAWeights(swap_on_epoch=True)
        gan.fit(
            _circle(), steps_per_epoch=3, epochs=2, callbacks=[record, swap, after_swap], verbose=0
        )
        for epoch in (0, 1):
            g_average, d_average = self._moving_averages(steps[: 3 * (epoch + 1)], momentum)
            self.assertAllClose(swapped[epoch][0], g_average, rtol=1e-5, atol=1e-6)
            self.assertAllClose(swapped[epoch][1], d_average, rtol=1e-5, atol=1e-6)
        self.assertNotAllClose(steps[3][0], self._moving_averages(steps[:4], momentum)[0])

    def test_terminate_on_nan_stops_training_at_the_first_non_finite_loss(self):
        def nan_generator_loss(fake_logits):
            return losses.non_saturating_generator_loss(fake_logits) * np.nan

        gan = _make_gan(loss=(nan_generator_loss, losses.discriminator_loss))
        gan.compile()
        history = gan.fit(
            _circle(),
            steps_per_epoch=5,
            epochs=3,
            callbacks=[keras.callbacks.TerminateOnNaN()],
            verbose=0,
        )
        self.assertEqual(int(gan.g_optimizer.iterations), 1)
        self.assertTrue(np.isnan(history.history["loss"][-1]))

    def test_model_optimizer_counts_train_steps(self):
        gan = _make_gan()
        gan.compile(steps_per_execution=2)
        gan.fit(_circle(), steps_per_epoch=4, epochs=1, verbose=0)
        self.assertEqual(int(gan.optimizer.iterations), 4)


class EvaluationNoiseTest(tf.test.TestCase):
    def _weights_after_two_fits(self, between):
        gan = _make_gan(seed=4)
        gan.compile(steps_per_execution=2)
        for _ in range(2):
            gan.fit(_circle(seed=1), steps_per_epoch=4, verbose=0)
            between(gan)
        return gan.get_weights() + [gan.seed_generator.state.numpy()]

    def test_evaluate_between_fits_leaves_training_bit_identical(self):
        plain = self._weights_after_two_fits(lambda gan: None)
        evaluated = self._weights_after_two_fits(
            lambda gan: gan.evaluate(_circle(seed=2), steps=3, verbose=0)
        )
        for want, got in zip(plain, evaluated):
            self.assertAllEqual(want, got)

    def test_validation_data_leaves_training_bit_identical(self):
        def fit(**validation):
            gan = _make_gan(seed=4)
            gan.compile()
            gan.fit(_circle(seed=1), steps_per_epoch=4, epochs=2, verbose=0, **validation)
            return gan.get_weights()

        plain = fit()
        validated = fit(validation_data=_circle(seed=2), validation_steps=2)
        for want, got in zip(plain, validated):
            self.assertAllEqual(want, got)

    def test_every_evaluate_call_scores_the_same_noise(self):
        gan = _make_gan()
        gan.compile()
        data = tf.data.Dataset.from_tensors(tf.zeros((8, 2))).repeat()
        first = gan.evaluate(data, steps=2, return_dict=True, verbose=0)
        second = gan.evaluate(data, steps=2, return_dict=True, verbose=0)
        self.assertEqual(first, second)


class GANLossInTheStepTest(tf.test.TestCase):
    def test_the_step_logs_the_diagnostics_the_loss_declares(self):
        class CriticGap(losses.GANLoss):
            log_keys = ("critic_gap",)

            def discriminator_loss(self, real_logits, fake_logits, labels=None):
                return tf.reshape(fake_logits - real_logits, [-1])

            def generator_loss(self, fake_logits, real_logits=None, labels=None):
                return -tf.reshape(fake_logits, [-1])

            def diagnostics(self, real_logits, fake_logits, labels=None):
                return {"critic_gap": tf.reshape(real_logits - fake_logits, [-1])}

        gan = _make_gan(loss=CriticGap())
        gan.compile()
        history = gan.fit(_circle(), steps_per_epoch=2, epochs=1, verbose=0).history
        self.assertCountEqual(history, ["loss", "d_loss", "g_loss", "critic_gap"])
        self.assertAllClose(history["critic_gap"], np.negative(history["d_loss"]), rtol=1e-6)

    def test_the_trackers_are_the_declared_keys_without_calling_the_loss(self):
        class Declared(losses.NonSaturating):
            def diagnostics(self, real_logits, fake_logits, labels=None):
                raise AssertionError("diagnostics called at construction")

        gan = _make_gan(loss=Declared(), regularizers=[tfgan.regularizers.R1(1.0)])
        names = [metric.name for metric in gan.metrics]
        self.assertEqual(
            names, ["loss", "d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "r1"]
        )

    def test_diagnostics_other_than_the_declared_keys_fail_naming_the_loss(self):
        for declared, returned, message in (
            ((), ["critic_gap"], r"\['critic_gap'\], but its log_keys are \[\]"),
            (
                ("d_real", "gap"),
                ["d_real"],
                r"\['d_real'\], but its log_keys are \['d_real', 'gap'\]",
            ),
        ):

            class Undeclared(losses.NonSaturating):
                log_keys = declared

                def diagnostics(self, real_logits, fake_logits, labels=None):
                    return {key: tf.reshape(real_logits, [-1]) for key in returned}

            with self.subTest(declared=declared):
                gan = _make_gan(loss=Undeclared())
                gan.compile()
                with self.assertRaisesRegex(
                    ValueError, "Undeclared.diagnostics returned logs " + message
                ):
                    gan.fit(_circle(), steps_per_epoch=1, verbose=0)

    def test_log_keys_that_are_not_a_sequence_of_names_fail_at_construction(self):
        class OneString(losses.NonSaturating):
            log_keys = "critic_gap"

        with self.assertRaisesRegex(
            ValueError, "OneString.log_keys must be a sequence of log names"
        ):
            _make_gan(loss=OneString())

    def test_a_regularizer_named_as_a_log_key_of_the_loss_fails_at_construction(self):
        with self.assertRaisesRegex(ValueError, "Two logs would be named 'd_real'"):
            _make_gan(regularizers=[tfgan.regularizers.R1(1.0, name="d_real")])

    def _count_discriminator_calls(self, loss):
        calls = []

        class CountingDiscriminator(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(8, activation="relu")
                self.logit = keras.layers.Dense(1)

            def call(self, x):
                calls.append(1)
                return self.logit(self.hidden(x))

        keras.utils.set_random_seed(0)
        discriminator = CountingDiscriminator()
        gan = tfgan.GAN(
            networks.mlp_generator(LATENT_DIM, 2, (8,)), discriminator, LATENT_DIM, loss=loss
        )
        gan.compile(run_eagerly=True)
        calls.clear()
        gan.fit(_circle(), steps_per_epoch=1, verbose=0)
        return len(calls)

    def test_only_a_loss_that_needs_real_logits_in_the_generator_update_pays_for_them(self):
        received = []

        class Relativistic(losses.NonSaturating):
            """Relativistic standard GAN (Jolicoeur-Martineau 2018): G scores fakes vs reals."""

            generator_needs_real_logits = True

            def generator_loss(self, fake_logits, real_logits=None, labels=None):
                received.append(real_logits)
                return losses.non_saturating_generator_loss(fake_logits - real_logits)

        self.assertEqual(self._count_discriminator_calls(losses.NonSaturating()), 3)
        self.assertEqual(self._count_discriminator_calls(Relativistic()), 4)
        self.assertLen(received, 1)
        self.assertEqual(tuple(received[0].shape), (16, 1))

    def test_a_loss_returning_a_mean_instead_of_per_example_values_fails_naming_it(self):
        def mean_generator_loss(fake_logits):
            return tf.reduce_mean(losses.non_saturating_generator_loss(fake_logits))

        gan = _make_gan(loss=(mean_generator_loss, losses.discriminator_loss))
        gan.compile()
        with self.assertRaisesRegex(ValueError, "generator_loss must return one value per example"):
            gan.fit(_circle(), steps_per_epoch=1, verbose=0)


class SubclassedNetworksTest(tf.test.TestCase):
    def test_subclassed_generator_and_discriminator_train_generate_and_reload(self):
        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(SubclassedMLP(2), SubclassedMLP(1), latent_dim=LATENT_DIM, seed=0)
        gan.compile(steps_per_execution=2)
        history = gan.fit(_circle(), steps_per_epoch=4, verbose=0).history
        self.assertTrue(np.isfinite(history["loss"]).all())
        self.assertEqual(gan.generate(5, seed=0).shape, (5, 2))
        path = os.path.join(self.get_temp_dir(), "subclassed.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        self.assertAllClose(loaded.generate(5, seed=0), gan.generate(5, seed=0))

    def test_subclassed_networks_that_do_not_fit_fail_at_construction(self):
        with self.assertRaisesRegex(ValueError, "one logit per example"):
            tfgan.GAN(SubclassedMLP(2), SubclassedMLP(3), latent_dim=LATENT_DIM)


@keras.saving.register_keras_serializable(package="tfgan_test")
class SubclassedMLP(keras.Model):
    def __init__(self, outputs, **kwargs):
        super().__init__(**kwargs)
        self.outputs_size = outputs
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(outputs)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "outputs": self.outputs_size}


def _two_circles(batch_size, seed):
    """(points, labels): label 0 on the circle of radius 1, label 1 on the circle of radius 2."""

    def sample(batch_seed):
        label_seed, angle_seed = tf.unstack(tf.random.experimental.stateless_split(batch_seed, 2))
        labels = tf.random.stateless_uniform([batch_size], label_seed, maxval=2, dtype=tf.int32)
        angle = tf.random.stateless_uniform([batch_size], angle_seed, maxval=2 * np.pi)
        radius = 1.0 + tf.cast(labels, tf.float32)
        return tf.stack([radius * tf.cos(angle), radius * tf.sin(angle)], axis=1), labels

    return tf.data.Dataset.random(seed=seed).batch(2).map(sample)


def _conditional_mlp(input_dim, output_dim, name):
    """[x, label] -> output: the label embedded (4 dimensions) and concatenated with x."""
    x = keras.Input((input_dim,))
    label = keras.Input((), dtype="int32")
    embedded = keras.layers.Embedding(2, 4)(label)
    h = keras.layers.Concatenate()([x, embedded])
    for _ in range(2):
        h = keras.layers.Dense(64, activation="relu")(h)
    return keras.Model([x, label], keras.layers.Dense(output_dim)(h), name=name)


class ConditioningTest(tf.test.TestCase):
    def _conditional_gan(self):
        keras.utils.set_random_seed(0)
        return tfgan.GAN(
            _conditional_mlp(4, 2, "generator"),
            _conditional_mlp(2, 1, "discriminator"),
            latent_dim=4,
            num_classes=2,
            seed=0,
        )

    def test_labels_reach_both_networks_and_each_label_gets_its_circle(self):
        gan = self._conditional_gan()
        gan.compile(
            g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            steps_per_execution=100,
        )
        gan.fit(_two_circles(256, seed=0), steps_per_epoch=2000, verbose=0)
        for label, radius, other_radius in ((0, 1.0, 2.0), (1, 2.0, 1.0)):
            points = gan.generate(2000, labels=np.full(2000, label), seed=0)
            self.assertLess(metrics.radius_error(points, radius), 0.1, f"label {label}")
            self.assertGreater(metrics.radius_error(points, other_radius), 0.8, f"label {label}")

    def test_generate_without_labels_draws_each_class_equally(self):
        gan = self._conditional_gan()
        balanced = gan.generate(6, seed=1)
        self.assertAllClose(balanced, gan.generate(6, labels=[0, 1, 0, 1, 0, 1], seed=1))

    def test_conditional_gan_on_data_without_labels_fails_saying_so(self):
        gan = self._conditional_gan()
        gan.compile()
        with self.assertRaisesRegex(ValueError, r"num_classes=2.*\(x, y\)"):
            gan.fit(_circle(), steps_per_epoch=1, verbose=0)

    def test_labels_for_an_unconditional_gan_or_the_wrong_number_raise(self):
        with self.assertRaisesRegex(ValueError, "conditional GAN"):
            _make_gan().generate(2, labels=[0, 1])
        with self.assertRaisesRegex(ValueError, "needs 3 labels"):
            self._conditional_gan().generate(3, labels=[0, 1])


if __name__ == "__main__":
    tf.test.main()
