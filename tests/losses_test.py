"""Tests for tfgan.losses: values, shapes, dtypes and gradients against NumPy references by hand,
and the GANLoss objects."""

import circle_gan
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan import losses, metrics

# Logits from confident-fake to confident-real, including ones where exp() overflows float32.
_LOGITS = np.array([-100.0, -50.0, -3.0, -0.5, 0.0, 0.5, 3.0, 50.0, 100.0])


def _softplus(x):
    """log(1 + exp(x)) in float64, stable for any x."""
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def _sigmoid(x):
    x = np.asarray(x, np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def _reference_discriminator_loss(real_logits, fake_logits):
    # -log(sigmoid(r)) - log(1 - sigmoid(f)) = softplus(-r) + softplus(f).
    return _softplus(-real_logits) + _softplus(fake_logits)


def _reference_minimax_generator_loss(fake_logits):
    # log(1 - sigmoid(f)) = -softplus(f).
    return -_softplus(fake_logits)


def _reference_non_saturating_generator_loss(fake_logits):
    # -log(sigmoid(f)) = softplus(-f).
    return _softplus(-fake_logits)


_GENERATOR_LOSSES = (
    ("minimax", losses.minimax_generator_loss, _reference_minimax_generator_loss),
    (
        "non_saturating",
        losses.non_saturating_generator_loss,
        _reference_non_saturating_generator_loss,
    ),
)


class LossValueTest(tf.test.TestCase, parameterized.TestCase):
    def test_reference_matches_naive_formula_where_it_is_finite(self):
        # Guards the references themselves: on moderate logits they equal the textbook formulas.
        x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
        d = 1.0 / (1.0 + np.exp(-x))
        np.testing.assert_allclose(
            _reference_discriminator_loss(x, x[::-1]), -np.log(d) - np.log(1.0 - d[::-1])
        )
        np.testing.assert_allclose(_reference_minimax_generator_loss(x), np.log(1.0 - d))
        np.testing.assert_allclose(_reference_non_saturating_generator_loss(x), -np.log(d))

    def test_discriminator_loss_matches_reference_for_all_logit_pairs(self):
        real, fake = np.meshgrid(_LOGITS, _LOGITS)
        real, fake = real.ravel(), fake.ravel()
        loss = losses.discriminator_loss(
            tf.constant(real, tf.float32), tf.constant(fake, tf.float32)
        )
        self.assertAllClose(loss, _reference_discriminator_loss(real, fake), rtol=1e-6, atol=1e-6)
        self.assertTrue(np.all(np.isfinite(self.evaluate(loss))))

    @parameterized.named_parameters(*_GENERATOR_LOSSES)
    def test_generator_loss_matches_reference_including_large_logits(self, loss_fn, reference):
        loss = loss_fn(tf.constant(_LOGITS, tf.float32))
        self.assertAllClose(loss, reference(_LOGITS), rtol=1e-6, atol=1e-6)
        self.assertTrue(np.all(np.isfinite(self.evaluate(loss))))

    def test_large_logits_give_finite_losses_where_naive_formula_does_not(self):
        with np.errstate(over="ignore", divide="ignore"):
            naive = -np.log(1.0 / (1.0 + np.exp(np.float32(100.0))))
        self.assertFalse(np.isfinite(naive))
        # -log D(G(z)) at logit -100 is 100 (D(G(z)) = e^-100), not inf.
        loss = losses.non_saturating_generator_loss(tf.constant([-100.0]))
        self.assertAllClose(loss, [100.0], rtol=1e-6)
        loss = losses.discriminator_loss(tf.constant([-100.0]), tf.constant([100.0]))
        self.assertAllClose(loss, [200.0], rtol=1e-6)

    def test_confident_correct_discriminator_has_near_zero_loss(self):
        loss = losses.discriminator_loss(tf.constant([50.0]), tf.constant([-50.0]))
        self.assertAllClose(loss, [2.0 * np.exp(-50.0)], rtol=1e-5, atol=1e-30)

    def test_uninformed_discriminator_loss_is_two_log_two(self):
        loss = losses.discriminator_loss(tf.zeros([3]), tf.zeros([3]))
        self.assertAllClose(loss, np.full(3, 2.0 * np.log(2.0)))


class LossShapeAndDtypeTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        ("column", (4, 1)),
        ("flat", (4,)),
    )
    def test_discriminator_loss_is_per_example_float32(self, shape):
        logits = tf.reshape(tf.constant([-1.0, 0.0, 1.0, 2.0]), shape)
        loss = losses.discriminator_loss(logits, logits)
        self.assertEqual(loss.shape, (4,))
        self.assertEqual(loss.dtype, tf.float32)

    @parameterized.named_parameters(
        ("minimax_column", losses.minimax_generator_loss, (4, 1)),
        ("minimax_flat", losses.minimax_generator_loss, (4,)),
        ("non_saturating_column", losses.non_saturating_generator_loss, (4, 1)),
        ("non_saturating_flat", losses.non_saturating_generator_loss, (4,)),
    )
    def test_generator_loss_is_per_example_float32(self, loss_fn, shape):
        logits = tf.reshape(tf.constant([-1.0, 0.0, 1.0, 2.0]), shape)
        loss = loss_fn(logits)
        self.assertEqual(loss.shape, (4,))
        self.assertEqual(loss.dtype, tf.float32)

    def test_column_and_flat_logits_give_the_same_losses(self):
        flat = tf.constant([-2.0, 0.5, 3.0])
        column = flat[:, None]
        self.assertAllEqual(
            losses.discriminator_loss(column, column), losses.discriminator_loss(flat, flat)
        )
        for loss_fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
            self.assertAllEqual(loss_fn(column), loss_fn(flat))

    def test_float16_logits_give_float32_discriminator_loss(self):
        real = tf.constant([[2.0], [-1.0]], tf.float16)
        fake = tf.constant([[-3.0], [0.5]], tf.float16)
        loss = losses.discriminator_loss(real, fake)
        self.assertEqual(loss.dtype, tf.float32)
        self.assertAllClose(
            loss,
            _reference_discriminator_loss(np.array([2.0, -1.0]), np.array([-3.0, 0.5])),
            rtol=1e-6,
        )

    @parameterized.named_parameters(*_GENERATOR_LOSSES)
    def test_float16_logits_give_float32_generator_loss(self, loss_fn, reference):
        logits = np.array([-20.0, -3.0, 0.5, 20.0])
        loss = loss_fn(tf.constant(logits[:, None], tf.float16))
        self.assertEqual(loss.dtype, tf.float32)
        self.assertAllClose(loss, reference(logits), rtol=1e-6, atol=1e-6)


class LossGradientTest(tf.test.TestCase, parameterized.TestCase):
    def _fake_logit_gradient(self, loss_fn, logits):
        fake = tf.constant(logits, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(fake)
            loss = tf.reduce_sum(loss_fn(fake))
        return self.evaluate(tape.gradient(loss, fake))

    @parameterized.named_parameters(
        # d/df log(1 - sigmoid(f)) = -sigmoid(f).
        ("minimax", losses.minimax_generator_loss, lambda f: -_sigmoid(f)),
        # d/df -log(sigmoid(f)) = -(1 - sigmoid(f)) = sigmoid(f) - 1.
        ("non_saturating", losses.non_saturating_generator_loss, lambda f: _sigmoid(f) - 1.0),
        # d/df of the discriminator loss: only its -log(1 - sigmoid(f)) term depends on f.
        (
            "discriminator",
            lambda f: losses.discriminator_loss(tf.zeros_like(f), f),
            lambda f: _sigmoid(f),
        ),
    )
    def test_gradient_wrt_fake_logit_matches_hand_derivative(self, loss_fn, derivative):
        grad = self._fake_logit_gradient(loss_fn, _LOGITS)
        self.assertAllClose(grad, derivative(_LOGITS), rtol=1e-6, atol=1e-6)
        self.assertTrue(np.all(np.isfinite(grad)))

    def test_gradient_wrt_real_logit_matches_hand_derivative(self):
        # d/dr -log(sigmoid(r)) = sigmoid(r) - 1.
        real = tf.constant(_LOGITS, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(real)
            loss = tf.reduce_sum(losses.discriminator_loss(real, tf.zeros_like(real)))
        self.assertAllClose(tape.gradient(loss, real), _sigmoid(_LOGITS) - 1.0, atol=1e-6)

    @parameterized.parameters(-10.0, -20.0)
    def test_minimax_generator_gradient_vanishes_when_discriminator_rejects_fakes(self, logit):
        # Goodfellow et al. 2014, sec. 3: log(1 - D(G(z))) saturates as D(G(z)) -> 0.
        grad = self._fake_logit_gradient(losses.minimax_generator_loss, [logit])
        self.assertLess(abs(grad[0]), 1e-4)

    @parameterized.parameters(-10.0, -20.0)
    def test_non_saturating_generator_gradient_stays_strong_when_discriminator_rejects_fakes(
        self, logit
    ):
        grad = self._fake_logit_gradient(losses.non_saturating_generator_loss, [logit])
        self.assertAllClose(grad, [-1.0], atol=1e-4)


_LOSS_OBJECTS = (  # (test name, loss name, class, reference generator loss)
    ("minimax", "minimax", losses.Minimax, _reference_minimax_generator_loss),
    (
        "non_saturating",
        "non_saturating",
        losses.NonSaturating,
        _reference_non_saturating_generator_loss,
    ),
)


class GANLossObjectTest(tf.test.TestCase, parameterized.TestCase):
    """Every named loss as a GANLoss object: its values, diagnostics and serialization."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.real = rng.normal(scale=3.0, size=(6, 1))
        self.fake = rng.normal(scale=3.0, size=(6, 1))

    @parameterized.named_parameters(*_LOSS_OBJECTS)
    def test_name_gives_an_instance_of_its_class(self, name, loss_class, unused_reference):
        self.assertIsInstance(losses.get(name), loss_class)
        self.assertIs(losses.LOSSES[name], loss_class)

    @parameterized.named_parameters(*_LOSS_OBJECTS)
    def test_both_players_losses_match_the_references(self, name, loss_class, reference):
        loss = loss_class()
        real, fake = tf.constant(self.real, tf.float32), tf.constant(self.fake, tf.float32)
        d_loss = loss.discriminator_loss(real, fake)
        g_loss = loss.generator_loss(fake)
        for values in (d_loss, g_loss):
            self.assertEqual(values.shape, (6,))
            self.assertEqual(values.dtype, tf.float32)
        self.assertAllClose(
            d_loss, _reference_discriminator_loss(self.real[:, 0], self.fake[:, 0]), rtol=1e-6
        )
        self.assertAllClose(g_loss, reference(self.fake[:, 0]), rtol=1e-6, atol=1e-6)

    @parameterized.named_parameters(*_LOSS_OBJECTS)
    def test_logistic_diagnostics_are_d_of_x_and_the_share_told_apart(self, name, loss_class, _):
        diagnostics = loss_class().diagnostics(
            tf.constant(self.real, tf.float16), tf.constant(self.fake, tf.float16)
        )
        self.assertCountEqual(diagnostics, ["d_real", "d_fake", "d_accuracy"])
        self.assertAllClose(diagnostics["d_real"], _sigmoid(self.real[:, 0]), atol=1e-3)
        self.assertAllClose(diagnostics["d_fake"], _sigmoid(self.fake[:, 0]), atol=1e-3)
        correct = np.concatenate([self.real[:, 0] > 0, self.fake[:, 0] < 0])
        self.assertAllEqual(diagnostics["d_accuracy"], correct.astype(np.float32))
        for values in diagnostics.values():
            self.assertEqual(values.dtype, tf.float32)

    @parameterized.named_parameters(*_LOSS_OBJECTS)
    def test_keras_serialization_round_trips(self, name, loss_class, _):
        config = keras.saving.serialize_keras_object(loss_class())
        self.assertIsInstance(keras.saving.deserialize_keras_object(config), loss_class)
        self.assertIsInstance(losses.get(config), loss_class)

    def test_the_base_class_leaves_both_losses_to_subclasses_and_logs_nothing(self):
        base = losses.GANLoss()
        with self.assertRaises(NotImplementedError):
            base.discriminator_loss(tf.zeros(2), tf.zeros(2))
        with self.assertRaises(NotImplementedError):
            base.generator_loss(tf.zeros(2))
        self.assertEqual(base.diagnostics(tf.zeros(2), tf.zeros(2)), {})
        self.assertEqual(tuple(base.log_keys), ())
        self.assertFalse(base.generator_needs_real_logits)


class LogKeysTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        *((name, loss_class()) for name, loss_class in losses.LOSSES.items()),
        ("least_squares_other_targets", losses.LeastSquares(-1.0, 1.0, 0.0)),
        ("pair", losses.LossPair(losses.non_saturating_generator_loss, losses.discriminator_loss)),
    )
    def test_every_loss_declares_exactly_the_keys_of_its_diagnostics(self, loss):
        real, fake = tf.constant([[1.0], [-2.0]]), tf.constant([[0.5], [3.0]])
        for labels in (None, tf.constant([0, 1])):
            self.assertCountEqual(loss.diagnostics(real, fake, labels=labels), loss.log_keys)


def _relative(real, fake):
    return real - fake.mean(), fake - real.mean()


# name, class, D's loss, G's loss (of real and fake critic values), dD/dfake, dG/dfake by hand.
_CRITIC_LOSSES = (
    (
        "wasserstein",
        losses.Wasserstein,
        lambda r, f: f - r,
        lambda r, f: -f,
        lambda r, f: np.ones_like(f),
        lambda r, f: -np.ones_like(f),
    ),
    (
        "hinge",
        losses.Hinge,
        lambda r, f: np.maximum(0, 1 - r) + np.maximum(0, 1 + f),
        lambda r, f: -f,
        lambda r, f: (f > -1).astype(float),
        lambda r, f: -np.ones_like(f),
    ),
    (
        "least_squares",
        losses.LeastSquares,
        lambda r, f: 0.5 * ((r - 1) ** 2 + f**2),
        lambda r, f: 0.5 * (f - 1) ** 2,
        lambda r, f: f,
        lambda r, f: f - 1,
    ),
    (
        "relativistic_average",
        losses.RelativisticAverage,
        lambda r, f: _softplus(-_relative(r, f)[0]) + _softplus(_relative(r, f)[1]),
        lambda r, f: _softplus(-_relative(r, f)[1]) + _softplus(_relative(r, f)[0]),
        # d/df_j of sum_i [softplus(-(r_i - mean f)) + softplus(f_i - mean r)].
        lambda r, f: _sigmoid(-_relative(r, f)[0]).sum() / len(f) + _sigmoid(_relative(r, f)[1]),
        lambda r, f: -_sigmoid(-_relative(r, f)[1]) - _sigmoid(_relative(r, f)[0]).sum() / len(f),
    ),
)


class CriticLossTest(tf.test.TestCase, parameterized.TestCase):
    """The losses beyond the paper, against NumPy by hand: values, gradients, diagnostics."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(1)
        self.real = rng.normal(scale=2.0, size=8)
        self.fake = rng.normal(scale=2.0, size=8)

    def _losses(self, loss, real, fake):
        return loss.discriminator_loss(real, fake), loss.generator_loss(fake, real)

    @parameterized.named_parameters(*_CRITIC_LOSSES)
    def test_both_players_losses_match_numpy(self, loss_class, d_ref, g_ref, *_):
        real = tf.constant(self.real[:, None], tf.float16)
        d_loss, g_loss = self._losses(
            loss_class(), real, tf.constant(self.fake[:, None], tf.float16)
        )
        r, f = (
            real.numpy()[:, 0].astype(np.float64),
            self.fake.astype(np.float16).astype(np.float64),
        )
        for values in (d_loss, g_loss):
            self.assertEqual(values.shape, (8,))
            self.assertEqual(values.dtype, tf.float32)
        self.assertAllClose(d_loss, d_ref(r, f), rtol=1e-5, atol=1e-5)
        self.assertAllClose(g_loss, g_ref(r, f), rtol=1e-5, atol=1e-5)

    @parameterized.named_parameters(*_CRITIC_LOSSES)
    def test_gradients_of_the_summed_losses_match_hand_derivatives(
        self, loss_class, _d, _g, d_grad, g_grad
    ):
        real = tf.constant(self.real, tf.float32)
        fake = tf.Variable(self.fake, dtype=tf.float32)
        with tf.GradientTape(persistent=True) as tape:
            d_loss, g_loss = self._losses(loss_class(), real, fake)
            d_sum, g_sum = tf.reduce_sum(d_loss), tf.reduce_sum(g_loss)
        self.assertAllClose(tape.gradient(d_sum, fake), d_grad(self.real, self.fake), atol=1e-5)
        self.assertAllClose(tape.gradient(g_sum, fake), g_grad(self.real, self.fake), atol=1e-5)

    def test_wasserstein_logs_the_critics_distance_estimate(self):
        diagnostics = losses.Wasserstein().diagnostics(self.real, self.fake)
        self.assertAllClose(
            tf.reduce_mean(diagnostics["wasserstein_estimate"]), self.real.mean() - self.fake.mean()
        )

    def test_hinge_and_least_squares_count_examples_on_their_side(self):
        real, fake = np.array([2.0, -1.0]), np.array([-3.0, 0.8])
        hinge = losses.Hinge().diagnostics(real, fake)["d_accuracy"]
        self.assertAllEqual(hinge, [1, 0, 1, 0])
        least_squares = losses.LeastSquares().diagnostics(real, fake)["d_accuracy"]  # split at 0.5
        self.assertAllEqual(least_squares, [1, 0, 1, 0])

    def test_least_squares_takes_the_papers_other_targets(self):
        loss = losses.LeastSquares(a=-1, b=1, c=0)
        self.assertAllClose(loss.discriminator_loss([[1.0]], [[-1.0]]), [0.0])
        self.assertAllClose(loss.generator_loss([[0.0]]), [0.0])
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
        self.assertEqual(restored.get_config(), {"a": -1.0, "b": 1.0, "c": 0.0})

    def test_relativistic_average_needs_real_logits_for_the_generator(self):
        self.assertTrue(losses.RelativisticAverage.generator_needs_real_logits)
        with self.assertRaisesRegex(ValueError, "real examples"):
            losses.RelativisticAverage().generator_loss(self.fake)

    @parameterized.named_parameters(*((name, name, cls) for name, cls, *_ in _CRITIC_LOSSES))
    def test_name_and_serialization(self, name, loss_class):
        self.assertIsInstance(losses.get(name), loss_class)
        config = keras.saving.serialize_keras_object(loss_class())
        self.assertIsInstance(keras.saving.deserialize_keras_object(config), loss_class)


class CircleTrainingTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters("wasserstein", "hinge", "least_squares", "relativistic_average")
    def test_each_loss_trains_the_circle_far_below_an_untrained_generator(self, loss):
        gan, history, untrained = circle_gan.fit_circle(steps=1000, loss=loss)
        self.assertLess(metrics.radius_error(gan.generate(2000, seed=0)), 0.25 * untrained)
        for key in losses.get(loss).diagnostics(tf.zeros(2), tf.zeros(2)):
            self.assertIn(key, history)


class GetTest(tf.test.TestCase, parameterized.TestCase):
    def test_tuple_of_callables_becomes_a_loss_pair_that_calls_them(self):
        def g_loss(fake_logits):
            return -fake_logits

        def d_loss(real_logits, fake_logits):
            return fake_logits - real_logits

        pair = losses.get((g_loss, d_loss))
        self.assertIsInstance(pair, losses.LossPair)
        self.assertIs(pair.generator_fn, g_loss)
        self.assertIs(pair.discriminator_fn, d_loss)
        self.assertAllEqual(pair.generator_loss(tf.constant([1.0, 2.0])), [-1.0, -2.0])
        self.assertAllEqual(pair.discriminator_loss(tf.constant([1.0]), tf.constant([3.0])), [2.0])
        self.assertEqual(pair.diagnostics(tf.zeros(1), tf.zeros(1)), {})

    def test_a_gan_loss_passes_through(self):
        loss = losses.Minimax()
        self.assertIs(losses.get(loss), loss)

    def test_unknown_name_raises_value_error_naming_the_choices(self):
        with self.assertRaisesRegex(ValueError, r"energy_based.*minimax.*non_saturating"):
            losses.get("energy_based")

    @parameterized.named_parameters(
        ("number", 42),
        ("none", None),
        ("single_callable", losses.minimax_generator_loss),
        ("one_element_tuple", (losses.minimax_generator_loss,)),
        ("three_element_tuple", (abs, abs, abs)),
        ("non_callable_member", (losses.minimax_generator_loss, "discriminator")),
    )
    def test_bad_object_raises_value_error_naming_the_choices(self, loss):
        with self.assertRaisesRegex(ValueError, r"minimax.*non_saturating"):
            losses.get(loss)

    def test_a_class_instead_of_an_instance_says_to_call_it(self):
        with self.assertRaisesRegex(ValueError, r"NonSaturating\(\)"):
            losses.get(losses.NonSaturating)


if __name__ == "__main__":
    tf.test.main()
