"""Tests for tfgan.regularizers: a penalty in user code through the public API, checked by hand."""

import os

import circle_gan
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from penalties import GradientNormSquared, fit_recording

import tfgan
from tfgan import losses, metrics, networks

LATENT_DIM = 3


def _zero_loss(*logits):
    """A loss of zero with zero gradients, so that only the penalty moves D."""
    return 0.0 * tf.reshape(logits[0], [-1])


def _relu_discriminator(rng):
    """D(x) = v . relu(W x + b) + c with random weights, as (model, W, b, v)."""
    x = keras.Input((2,))
    hidden = keras.layers.Dense(3, activation="relu")
    logit = keras.layers.Dense(1)
    model = keras.Model(x, logit(hidden(x)))
    w, b, v = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 1))
    hidden.set_weights([w, b])
    logit.set_weights([v, np.zeros(1)])
    return model, w, b, v[:, 0]


def _penalty_and_gradients_by_hand(x, w, b, v):
    """Per-example ||grad_x D||^2 and the gradients of its mean with respect to W and v.

    grad_x D(x_i) = W (m_i * v) with m_i = 1[W^T x_i + b > 0], so p_i = ||g_i||^2 with
    g_i = W (m_i * v); dp_i/dW = 2 g_i (m_i * v)^T and dp_i/dv = 2 m_i * (W^T g_i).
    """
    masks = (x @ w + b > 0).astype(np.float64)
    g = (masks * v) @ w.T  # [n, 2]
    penalty = np.sum(g**2, axis=1)
    d_w = np.mean([2 * np.outer(gi, mi * v) for gi, mi in zip(g, masks)], axis=0)
    d_v = np.mean([2 * mi * (w.T @ gi) for gi, mi in zip(g, masks)], axis=0)
    return penalty, d_w, d_v


def _penalty_only_gan(discriminator, every=1, weight=0.5, learning_rate=0.1, regularizer=None):
    """A GAN whose D moves by the penalty alone (GradientNormSquared(weight, every) by default)."""
    keras.utils.set_random_seed(0)
    gan = tfgan.GAN(
        networks.mlp_generator(LATENT_DIM, 2, (4,)),
        discriminator,
        LATENT_DIM,
        loss=(_zero_loss, _zero_loss),
        regularizers=[regularizer or GradientNormSquared(weight, every=every)],
        seed=0,
    )
    gan.compile(
        g_optimizer=keras.optimizers.SGD(learning_rate),
        d_optimizer=keras.optimizers.SGD(learning_rate),
    )
    return gan


class UserPenaltyTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        self.rng = np.random.default_rng(0)
        self.real = self.rng.normal(size=(8, 2)).astype(np.float32)

    def test_value_and_gradient_of_a_user_penalty_match_a_hand_computation(self):
        weight, learning_rate = 0.5, 0.1
        discriminator, w, b, v = _relu_discriminator(self.rng)
        gan = _penalty_only_gan(discriminator, weight=weight, learning_rate=learning_rate)
        penalty, d_w, d_v = _penalty_and_gradients_by_hand(self.real.astype(np.float64), w, b, v)

        logs = gan.train_step(tf.constant(self.real))

        self.assertAllClose(logs["gradient_norm_squared"], weight * penalty.mean(), rtol=1e-5)
        new_w, new_b, new_v, new_c = discriminator.get_weights()
        self.assertAllClose(new_w, w - learning_rate * weight * d_w, rtol=1e-5, atol=1e-6)
        self.assertAllClose(new_v[:, 0], v - learning_rate * weight * d_v, rtol=1e-5, atol=1e-6)
        self.assertAllClose(new_b, b)  # the penalty does not depend on the biases
        self.assertAllClose(new_c, [0.0])

    @parameterized.named_parameters(
        ("user_penalty", lambda: GradientNormSquared(0.5, every=2)),
        ("r1", lambda: tfgan.regularizers.R1(gamma=1.0, every=2)),  # gamma / 2 = the same weight
    )
    def test_lazy_penalty_applies_every_nth_d_update_with_n_times_the_weight(self, regularizer):
        every, weight, learning_rate = 2, 0.5, 0.1
        regularizer = regularizer()
        discriminator, w, b, v = _relu_discriminator(self.rng)
        gan = _penalty_only_gan(discriminator, learning_rate=learning_rate, regularizer=regularizer)
        _, d_w, _ = _penalty_and_gradients_by_hand(self.real.astype(np.float64), w, b, v)
        kernels, logged = [], []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: (
                kernels.append(discriminator.get_weights()[0]),
                logged.append(logs[regularizer.name]),
            )
        )
        data = tf.data.Dataset.from_tensors(self.real).repeat()
        gan.fit(data, steps_per_epoch=4, callbacks=[record], verbose=0)  # in a tf.function

        # Update 0 applies every * weight * the penalty; update 1 skips it (D does not move).
        self.assertAllClose(kernels[0], w - learning_rate * every * weight * d_w, rtol=1e-5)
        self.assertAllEqual(kernels[1], kernels[0])
        self.assertNotAllClose(kernels[2], kernels[1])
        self.assertAllEqual(kernels[3], kernels[2])
        # The log is weight * mean(penalty) of the updates that computed it; others don't count.
        self.assertEqual(logged[1], logged[0])
        self.assertEqual(logged[3], logged[2])

    def test_penalty_trains_the_circle_is_logged_under_its_name_and_its_weight_matters(self):
        def run(weight):
            return circle_gan.fit_circle(regularizers=[GradientNormSquared(weight)])

        gan, history, untrained = run(0.1)
        self.assertIn("gradient_norm_squared", history)
        self.assertGreater(history["gradient_norm_squared"][0], 0)
        self.assertLess(metrics.radius_error(gan.generate(2000, seed=0)), 0.2 * untrained)
        heavier, heavier_history, _ = run(10.0)
        self.assertNotAllClose(gan.discriminator.get_weights(), heavier.discriminator.get_weights())
        self.assertNotAllClose(history["d_loss"], heavier_history["d_loss"])

    def test_each_d_update_gets_a_fresh_seed_that_the_model_seed_reproduces(self):
        def seeds_of_a_run():
            _, calls = fit_recording(tfgan.data.circle(8, seed=0), steps=2, d_steps=2, seed=7)
            return [call["seed"] for call in calls]

        first = seeds_of_a_run()
        self.assertLen(first, 4)
        self.assertEqual(first[0].dtype, np.int32)
        self.assertEqual(first[0].shape, (2,))
        self.assertLen({tuple(seed) for seed in first}, 4)
        self.assertAllEqual(first, seeds_of_a_run())

    def test_evaluate_logs_the_penalty_in_inference_mode(self):
        discriminator, w, b, v = _relu_discriminator(self.rng)
        gan = _penalty_only_gan(discriminator, every=4, weight=0.5)
        penalty, _, _ = _penalty_and_gradients_by_hand(self.real.astype(np.float64), w, b, v)
        data = tf.data.Dataset.from_tensors(self.real).repeat()
        logs = gan.evaluate(data, steps=2, return_dict=True, verbose=0)
        self.assertAllClose(logs["gradient_norm_squared"], 0.5 * penalty.mean(), rtol=1e-5)

    def test_a_penalty_returning_its_mean_fails_naming_the_regularizer(self):
        class MeanPenalty(GradientNormSquared):
            def penalty(self, critic, real, fake, seed):
                return tf.reduce_mean(super().penalty(critic, real, fake, seed))

        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(
            networks.mlp_generator(LATENT_DIM, 2, (4,)),
            networks.mlp_discriminator(2, (4,)),
            LATENT_DIM,
            regularizers=[MeanPenalty(1.0)],
        )
        gan.compile()
        with self.assertRaisesRegex(ValueError, "'mean_penalty' must return one value per example"):
            gan.fit(tfgan.data.circle(8, seed=0), steps_per_epoch=1, verbose=0)


def _linear_discriminator(w):
    """D(x) = w . x: its input gradient is w everywhere."""
    discriminator = networks.mlp_discriminator(len(w), ())
    discriminator.set_weights([np.asarray(w, np.float32).reshape(-1, 1), np.zeros(1, np.float32)])
    return discriminator


def _quadratic_critic(a):
    """D(x) = a ||x||^2 as a Critic: grad_x D = 2 a x."""
    return tfgan.regularizers.Critic(lambda x: a * tf.reduce_sum(tf.square(x), axis=1))


class GradientPenaltyTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(3)
        self.real = rng.normal(size=(6, 2)).astype(np.float32)
        self.fake = rng.normal(size=(6, 2)).astype(np.float32)
        self.seed = tf.constant([4, 5], tf.int32)

    @parameterized.parameters(1.0, 0.0, 2.5)
    def test_linear_critic_penalty_is_the_norm_of_w_minus_the_target_everywhere(self, target):
        w = np.array([0.3, -1.6])
        critic = tfgan.regularizers.Critic(lambda x: tf.matmul(x, w.astype(np.float32)[:, None]))
        penalty = tfgan.regularizers.GradientPenalty(target=target).penalty(
            critic, self.real, self.fake, self.seed
        )
        self.assertAllClose(penalty, np.full(6, (np.linalg.norm(w) - target) ** 2), rtol=1e-5)

    def test_interpolates_are_drawn_from_the_seed_between_real_and_fake(self):
        a, gradient_penalty = 0.8, tfgan.regularizers.GradientPenalty()
        e = tf.random.stateless_uniform((6, 1), self.seed).numpy()
        interpolates = e * self.real + (1 - e) * self.fake
        by_hand = (2 * a * np.linalg.norm(interpolates, axis=1) - 1.0) ** 2
        penalty = gradient_penalty.penalty(_quadratic_critic(a), self.real, self.fake, self.seed)
        self.assertAllClose(penalty, by_hand, rtol=1e-5)
        other = gradient_penalty.penalty(_quadratic_critic(a), self.real, self.fake, self.seed + 1)
        self.assertNotAllClose(penalty, other)

    def test_gan_update_follows_the_penalty_gradient_of_a_linear_critic(self):
        w, weight, learning_rate = np.array([0.6, -0.2]), 10.0, 0.01
        discriminator = _linear_discriminator(w)
        gan = _penalty_only_gan(
            discriminator,
            learning_rate=learning_rate,
            regularizer=tfgan.regularizers.GradientPenalty(weight),
        )
        norm = np.linalg.norm(w)

        logs = gan.train_step(tf.constant(self.real))

        # d/dw weight * (||w|| - 1)^2 = 2 weight (||w|| - 1) w / ||w||: a second-order gradient.
        self.assertAllClose(logs["gradient_penalty"], weight * (norm - 1) ** 2, rtol=1e-5)
        expected = w - learning_rate * 2 * weight * (norm - 1) * w / norm
        self.assertAllClose(discriminator.get_weights()[0][:, 0], expected, rtol=1e-5)

    def test_zero_gradient_gives_a_finite_penalty_gradient(self):
        discriminator = _linear_discriminator([0.0, 0.0])
        gan = _penalty_only_gan(discriminator, regularizer=tfgan.regularizers.GradientPenalty())
        logs = gan.train_step(tf.constant(self.real))
        self.assertAllClose(logs["gradient_penalty"], 10.0, rtol=1e-5)
        self.assertTrue(np.isfinite(discriminator.get_weights()[0]).all())


class R1Test(tf.test.TestCase):
    def test_r1_and_r2_on_a_quadratic_critic_are_4a2_times_the_squared_norms_of_real_and_fake(self):
        rng = np.random.default_rng(4)
        real, fake = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 2
        a = 0.7
        for regularizer, examples in (
            (tfgan.regularizers.R1(), real),
            (tfgan.regularizers.R2(), fake),
        ):
            with self.subTest(regularizer.name):
                penalty = regularizer.penalty(
                    _quadratic_critic(a), real.astype(np.float32), fake.astype(np.float32), None
                )
                self.assertAllClose(penalty, 4 * a**2 * np.sum(examples**2, axis=1), rtol=1e-5)
                self.assertEqual(regularizer.weight, 5.0)  # gamma / 2

    def test_gan_logs_gamma_over_two_times_the_mean_squared_gradient_norm(self):
        w, gamma = np.array([0.6, -0.2]), 4.0
        gan = _penalty_only_gan(
            _linear_discriminator(w), regularizer=tfgan.regularizers.R1(gamma=gamma)
        )
        logs = gan.train_step(tf.constant(np.ones((4, 2), np.float32)))
        self.assertAllClose(logs["r1"], gamma / 2 * np.sum(w**2), rtol=1e-5)

    def test_config_keeps_gamma_every_and_name_and_bad_gamma_raises(self):
        r2 = tfgan.regularizers.R2(gamma=0.5, every=16, name="lazy_r2")
        restored = tfgan.regularizers.R2.from_config(r2.get_config())
        self.assertEqual((restored.gamma, restored.every, restored.name), (0.5, 16, "lazy_r2"))
        self.assertEqual(tfgan.regularizers.R2().name, "r2")
        with self.assertRaisesRegex(ValueError, "R1: gamma must be finite and >= 0"):
            tfgan.regularizers.R1(gamma=-1.0)
        with self.assertRaisesRegex(ValueError, "GradientPenalty: target"):
            tfgan.regularizers.GradientPenalty(target=float("nan"))


class MixedPrecisionPenaltyTest(tf.test.TestCase):
    def tearDown(self):
        keras.mixed_precision.set_global_policy("float32")
        super().tearDown()

    def test_critic_gradient_is_unscaled_where_float16_alone_underflows(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        x = keras.Input((2,))
        first, second = keras.layers.Dense(4, use_bias=False), keras.layers.Dense(1, use_bias=False)
        model = keras.Model(x, second(first(x)))
        first.set_weights([np.full((2, 4), 1e-4, np.float32)])
        second.set_weights([np.full((4, 1), 1e-5, np.float32)])
        examples = np.ones((3, 2), np.float32)
        scale_loss = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()).scale_loss

        unscaled = tfgan.regularizers.Critic(model).gradient(examples)
        scaled = tfgan.regularizers.Critic(model, scale_loss).gradient(examples)

        self.assertEqual(scaled.dtype, tf.float32)
        self.assertAllEqual(unscaled, np.zeros((3, 2)))  # 4e-9 is below float16's smallest value
        self.assertAllClose(scaled, np.full((3, 2), 4e-9), rtol=0.01)

    def test_mixed_float16_penalty_and_its_update_match_float32(self):
        rng = np.random.default_rng(5)
        real = tf.constant(rng.normal(size=(16, 2)).astype(np.float32))

        def one_update(policy, regularizer):
            keras.mixed_precision.set_global_policy(policy)
            keras.utils.set_random_seed(0)
            discriminator = networks.mlp_discriminator(2, (16, 16))
            gan = _penalty_only_gan(discriminator, learning_rate=0.01, regularizer=regularizer)
            if policy == "mixed_float16":
                # A scale that does not overflow here: the first updates at the initial 2^15 would
                # be skipped while the dynamic scale comes down.
                gan.d_optimizer.dynamic_scale.assign(2.0**10)
            before = [w.copy() for w in discriminator.get_weights()]
            logs = gan.train_step(real)
            after = discriminator.get_weights()
            return logs, [a - b for a, b in zip(after, before)]

        for make in (tfgan.regularizers.GradientPenalty, tfgan.regularizers.R1):
            with self.subTest(make.__name__):
                logs_16, steps_16 = one_update("mixed_float16", make())
                logs_32, steps_32 = one_update("float32", make())
                name = make().name
                self.assertEqual(logs_16[name].dtype, tf.float32)
                self.assertAllClose(logs_16[name], logs_32[name], rtol=0.02)
                for step_16, step_32 in zip(steps_16, steps_32):
                    self.assertAllClose(step_16, step_32, rtol=0.05, atol=1e-4)


class RegularizerObjectTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(
        ("GradientPenalty", "gradient_penalty"),
        ("R1", "r1"),
        ("R1Penalty", "r1_penalty"),
        ("GradientNormSquared", "gradient_norm_squared"),
    )
    def test_default_name_is_the_class_name_in_snake_case(self, class_name, name):
        self.assertEqual(tfgan.regularizers.snake_case(class_name), name)

    def test_name_weight_and_every_are_kept_and_the_config_round_trips(self):
        regularizer = GradientNormSquared(2.5, every=16, name="r1_lazy")
        restored = GradientNormSquared.from_config(regularizer.get_config())
        self.assertEqual((restored.weight, restored.every, restored.name), (2.5, 16, "r1_lazy"))
        self.assertEqual(GradientNormSquared(1.0).name, "gradient_norm_squared")

    @parameterized.named_parameters(
        ("negative_weight", dict(weight=-1.0), "weight"),
        ("infinite_weight", dict(weight=float("inf")), "weight"),
        ("weight_not_a_number", dict(weight="10"), "weight"),
        ("every_zero", dict(weight=1.0, every=0), "every"),
        ("every_not_an_integer", dict(weight=1.0, every=1.5), "every"),
    )
    def test_bad_arguments_raise(self, kwargs, message):
        with self.assertRaisesRegex(ValueError, message):
            GradientNormSquared(**kwargs)

    def test_get_takes_one_regularizer_or_a_sequence_of_them(self):
        one, other = GradientNormSquared(1.0), tfgan.regularizers.R1(2.0)
        self.assertEqual(tfgan.regularizers.get(one), (one,))
        self.assertEqual(tfgan.regularizers.get([one, other]), (one, other))
        self.assertEqual(tfgan.regularizers.get(()), ())
        with self.assertRaisesRegex(ValueError, "Regularizer instances, got 'r1'"):
            tfgan.regularizers.get([one, "r1"])

    def test_base_class_penalty_is_abstract(self):
        with self.assertRaises(NotImplementedError):
            tfgan.regularizers.Regularizer(1.0).penalty(None, None, None, None)

    def test_two_logs_of_one_name_fail_at_construction(self):
        for regularizers in (
            [GradientNormSquared(1.0), GradientNormSquared(2.0)],
            [GradientNormSquared(1.0, name="d_loss")],
        ):
            with self.subTest(names=[r.name for r in regularizers]):
                with self.assertRaisesRegex(ValueError, "name="):
                    tfgan.GAN(
                        networks.mlp_generator(LATENT_DIM, 2, (4,)),
                        networks.mlp_discriminator(2, (4,)),
                        LATENT_DIM,
                        regularizers=regularizers,
                    )

    def test_a_gan_with_a_regularizer_saves_and_reloads_it(self):
        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(
            networks.mlp_generator(LATENT_DIM, 2, (4,)),
            networks.mlp_discriminator(2, (4,)),
            LATENT_DIM,
            loss=losses.Minimax(),
            regularizers=[GradientNormSquared(3.0, every=4)],
        )
        gan.compile()
        path = os.path.join(self.get_temp_dir(), "regularized.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        (regularizer,) = loaded.regularizers
        self.assertIsInstance(regularizer, GradientNormSquared)
        self.assertEqual((regularizer.weight, regularizer.every), (3.0, 4))
        self.assertIsInstance(loaded.gan_loss, losses.Minimax)
        self.assertIn("gradient_norm_squared", [m.name for m in loaded.metrics])


if __name__ == "__main__":
    tf.test.main()
