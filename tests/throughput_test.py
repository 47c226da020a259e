"""Tests of benchmarks.throughput: FLOP counts, timing, the plain loop and the benchmark records."""

import importlib.util
import time

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from benchmarks import throughput

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _linear_model(sizes):
    """Dense layers without biases or activations: a chain of matmuls."""
    inputs = keras.Input((sizes[0],))
    h = inputs
    for units in sizes[1:]:
        h = keras.layers.Dense(units, use_bias=False)(h)
    return keras.Model(inputs, h)


class CountFlopsTest(tf.test.TestCase):
    def test_forward_pass_of_a_matmul_chain_is_two_flops_per_multiply_add(self):
        batch, i, h, o = 4, 5, 7, 3
        model = _linear_model((i, h, o))
        flops = throughput.count_flops(tf.function(model), tf.TensorSpec((batch, i)))
        self.assertEqual(flops, 2 * batch * i * h + 2 * batch * h * o)

    def test_backward_pass_adds_the_weight_and_activation_gradient_matmuls(self):
        batch, i, h, o = 6, 3, 8, 2
        model = _linear_model((i, h, o))

        @tf.function
        def outputs_and_gradients(x, dy):
            with tf.GradientTape() as tape:
                y = model(x)
            return y, tape.gradient(y, model.trainable_variables, output_gradients=dy)

        flops = throughput.count_flops(
            outputs_and_gradients, tf.TensorSpec((batch, i)), tf.TensorSpec((batch, o))
        )
        forward = 2 * batch * (i * h + h * o)
        # dW2 = h^T dy and dh = dy W2^T (each 2*b*h*o), dW1 = x^T dh (2*b*i*h); no dx is needed.
        backward = 2 * batch * h * o * 2 + 2 * batch * i * h
        self.assertEqual(flops, forward + backward)

    def test_work_that_no_output_or_update_needs_is_not_counted(self):
        w, v = tf.Variable(tf.ones((3, 4))), tf.Variable(tf.zeros((2, 4)))

        @tf.function
        def f(x):
            tf.linalg.matmul(x, w)  # nothing needs it: TensorFlow prunes it before running f
            v.assign(2.0 * tf.linalg.matmul(x, w))  # a variable update: counted
            return tf.linalg.matmul(x, w)[0, 0]

        matmul = 2 * 2 * 3 * 4
        self.assertEqual(throughput.count_flops(f, tf.TensorSpec((2, 3))), 2 * matmul + 2 * 4)


class TimingTest(tf.test.TestCase):
    def _gan(self):
        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(
            tfgan.networks.mlp_generator(2, 2, (4,)),
            tfgan.networks.mlp_discriminator(2, (4,)),
            latent_dim=2,
            seed=0,
        )
        gan.compile(steps_per_execution=2)
        return gan

    def test_loops_are_timed_in_windows_between_fit_epochs(self):
        gan = self._gan()
        generator_steps_seen = []

        def sleeper():
            generator_steps_seen.append(int(gan.g_optimizer.iterations))
            time.sleep(0.01)
            return 0.0

        fit, (sleep,) = throughput.time_fit_and_loops(
            gan, tfgan.data.circle(8, seed=0), [sleeper], steps=4, windows=3
        )
        self.assertEqual(int(gan.g_optimizer.iterations), 4 * 4)  # a warm-up epoch + 3 windows
        # One warm-up call before fit, then a window of 4 calls after each of fit's 4 epochs.
        self.assertEqual(generator_steps_seen, [0] + [4] * 4 + [8] * 4 + [12] * 4 + [16] * 4)
        self.assertLen(fit.window_step_s, 3)
        self.assertLen(sleep.window_step_s, 3)
        self.assertBetween(sleep.step_s, 0.01, 0.1)
        self.assertEqual(sleep.step_s, np.median(sleep.window_step_s))
        self.assertGreater(fit.step_s, 0)
        self.assertGreater(fit.first_step_s, 0)

    def test_matmul_peak_is_a_plausible_rate(self):
        peak = throughput.matmul_peak_flops("float32", size=256, repeats=2)
        self.assertBetween(peak, 1e7, 1e14)


class PlainStepTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters("alternating", "simultaneous")
    def test_updates_both_networks_and_returns_the_discriminator_loss(self, update):
        keras.utils.set_random_seed(0)
        generator = tfgan.networks.mlp_generator(2, 2, (4,))
        discriminator = tfgan.networks.mlp_discriminator(2, (4,))
        last = discriminator.layers[-1]
        last.kernel.assign(tf.fill(last.kernel.shape, 1e-4))
        last.bias.assign([0.0])  # D(x) ~ 1/2 everywhere: d_loss ~ 2 log 2 on the first step
        g_before = [v.numpy().copy() for v in generator.trainable_variables]
        step = throughput.plain_train_step(
            generator,
            discriminator,
            keras.optimizers.SGD(0.1),
            keras.optimizers.SGD(0.1),
            latent_dim=2,
            update=update,
        )
        d_loss = tf.function(step)(tf.ones((8, 2)))
        self.assertAllClose(d_loss, 2 * np.log(2.0), atol=1e-3)
        self.assertNotAllClose(last.kernel, np.full((4, 1), 1e-4))
        changed = [
            not np.array_equal(b, v) for b, v in zip(g_before, generator.trainable_variables)
        ]
        self.assertTrue(any(changed))

    def test_unknown_update_raises(self):
        with self.assertRaisesRegex(ValueError, "update"):
            throughput.plain_train_step(None, None, None, None, 2, update="sometimes")


class BenchmarkModelTest(tf.test.TestCase, parameterized.TestCase):
    def test_circle_record_has_every_figure_and_they_agree(self):
        record = throughput.benchmark_model(
            "circle",
            batch_size=16,
            steps=3,
            windows=2,
            steps_per_execution=2,
            matmul_size=256,
        )
        self.assertEqual(record["steps_per_window"], 4)  # rounded up to a multiple of 2
        self.assertFalse(record["jit_compile"])  # "auto" on a CPU
        for side in ("fit", "plain"):
            self.assertGreater(record[f"{side}_examples_per_s"], 0)
            self.assertGreater(record[f"{side}_first_step_s"], 0)
            self.assertLen(record[f"{side}_window_step_ms"], 2)
            self.assertAllClose(
                record[f"{side}_examples_per_s"], 16 * 1e3 / record[f"{side}_step_ms"]
            )
        self.assertAllClose(
            record["fit_over_plain"], record["plain_step_ms"] / record["fit_step_ms"]
        )
        # The same step math on both sides: FLOPs agree up to fit's logs and noise sampling.
        self.assertAllClose(record["flops_per_step"], record["plain_flops_per_step"], rtol=0.01)
        # mlp(128, 128) at batch 16: the forward passes alone (G and D twice in the D step, G and D
        # in the G step) hold this many matmul FLOPs; the backward passes add about twice as many.
        g_forward = 2 * 16 * (4 * 128 + 128 * 128 + 128 * 2)
        d_forward = 2 * 16 * (2 * 128 + 128 * 128 + 128 * 1)
        self.assertGreater(record["flops_per_step"], 2 * g_forward + 3 * d_forward)
        self.assertAllClose(
            record["fit_peak_share"], record["fit_flops_per_s"] / record["peak_flops_per_s"]
        )
        self.assertNotIn("torch", record)
        self.assertNotIn("fit_over_float32_plain", record)  # only under mixed precision
        self.assertIn("fit/plain", throughput.format_table([record]))

    def test_mixed_precision_record_compares_with_a_float32_plain_loop(self):
        record = throughput.benchmark_model(
            "circle",
            mixed_precision="mixed_bfloat16",
            batch_size=16,
            steps=2,
            windows=1,
            steps_per_execution=2,
            matmul_size=256,
        )
        self.assertEqual(record["peak_dtype"], "bfloat16")
        self.assertGreater(record["float32_plain_examples_per_s"], 0)
        self.assertAllClose(
            record["fit_over_float32_plain"],
            record["float32_plain_step_ms"] / record["fit_step_ms"],
        )
        self.assertIn("fit/fp32", throughput.format_table([record]))

    def test_tutorial_dcgan_with_torch(self):
        record = throughput.benchmark_model(
            "tutorial_dcgan",
            update="simultaneous",
            batch_size=2,
            steps=1,
            windows=1,
            steps_per_execution=1,
            matmul_size=256,
            torch=True,
        )
        self.assertEqual(record["batch_size"], 2)
        self.assertGreater(record["fit_over_plain"], 0)
        if HAS_TORCH:
            self.assertEqual(record["torch"], "measured")
            self.assertGreater(record["torch_examples_per_s"], 0)
            self.assertAllClose(
                record["fit_over_torch"], record["torch_step_ms"] / record["fit_step_ms"]
            )
        else:
            self.assertEqual(record["torch"], "torch not installed")
        heading, row = throughput.format_table([record]).splitlines()
        self.assertIn("fit/torch", heading)
        self.assertEqual(row.split()[0], "tutorial_dcgan")

    @parameterized.named_parameters(
        ("unknown_model", dict(model="resnet"), "circle"),
        ("torch_with_circle", dict(model="circle", torch=True), "tutorial_dcgan"),
        ("unknown_precision", dict(model="circle", mixed_precision="fp8"), "mixed_bfloat16"),
    )
    def test_bad_arguments_raise(self, kwargs, message):
        with self.assertRaisesRegex(ValueError, message):
            throughput.benchmark_model(**kwargs, matmul_size=8)


if __name__ == "__main__":
    tf.test.main()
