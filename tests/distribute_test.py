"""Tests of training under tf.distribute: two logical CPUs (conftest.py), a two-worker cluster."""

import functools
import json
import os
import socket
import subprocess
import sys
import time
import types

import circle_gan
import gan_test
import keras
import numpy as np
import pytest
import tensorflow as tf
from absl.testing import parameterized
from penalties import GradientNormSquared

import tfgan
from tfgan import distribute, metrics, networks

LATENT_DIM = 3
LOG_KEYS = ("loss", "d_loss", "g_loss", "d_real", "d_fake", "d_accuracy")
SEED = 0
REPLICAS = 2
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "multi_worker_circle.py")


@functools.lru_cache(maxsize=None)
def _mirrored():
    """One MirroredStrategy for the whole process: TensorFlow numbers every new strategy's
    collective all-reduces from the same keys, so a second one could collide with the first's."""
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(REPLICAS)])


def _make_gan(hidden=(16,), **kwargs):
    keras.utils.set_random_seed(SEED)
    return tfgan.GAN(
        networks.mlp_generator(LATENT_DIM, 2, hidden),
        networks.mlp_discriminator(2, hidden),
        latent_dim=LATENT_DIM,
        seed=SEED,
        **kwargs,
    )


def _optimizer(name):
    return keras.optimizers.SGD(0.1) if name == "sgd" else keras.optimizers.Adam(0.01, beta_1=0.5)


def _copy(model, fresh=None):
    """A one-device copy of a network (`fresh`, or a clone) holding the same weights."""
    copy = fresh or keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _replica_noise(draw, global_batch, latent_dim=LATENT_DIM):
    """What the replicas draw, concatenated: replica r folds r into the seed state [seed, draw]."""
    return tf.concat(
        [
            tf.random.stateless_normal(
                (global_batch // REPLICAS, latent_dim),
                tf.random.experimental.stateless_fold_in(tf.constant([SEED, draw], tf.int32), r),
            )
            for r in range(REPLICAS)
        ],
        axis=0,
    )


def _minibatches(real, d_steps):
    """The global minibatch of each D update: every replica's shard is split in d_steps."""
    shards = [np.split(shard, d_steps) for shard in np.split(real, REPLICAS)]
    return [np.concatenate([shard[i] for shard in shards]) for i in range(d_steps)]


def _replica_uniform(draw, global_batch):
    """GradientPenalty's interpolation weights the replicas draw from seed [SEED, draw], joined."""
    return tf.concat(
        [
            tf.random.stateless_uniform(
                (global_batch // REPLICAS, 1),
                tf.random.experimental.stateless_fold_in(tf.constant([SEED, draw], tf.int32), r),
            )
            for r in range(REPLICAS)
        ],
        axis=0,
    )


def _penalty_by_hand(d, real, fake, regularizer, draw):
    """weight * the mean of a regularizer's per-example penalty on the global minibatch, by hand."""
    if isinstance(regularizer, tfgan.regularizers.GradientPenalty):
        e = _replica_uniform(draw, len(real))
        examples, target = e * real + (1 - e) * fake, regularizer.target
    else:  # GradientNormSquared or R1: ||grad D||^2 at the real examples
        examples, target = tf.constant(real), None
    with tf.GradientTape() as tape:
        tape.watch(examples)
        logits = d(examples, training=True)
    norms = tf.norm(tape.gradient(logits, examples), axis=1)
    per_example = tf.square(norms) if target is None else tf.square(norms - target)
    return regularizer.weight * tf.reduce_mean(per_example)


def _d_logs(d, real, fake, regularizer=None, draw=None):
    """D's logs on one global minibatch, and its objective (the loss, plus the penalty if any)."""
    real_logits = d(real, training=True)
    fake_logits = d(fake, training=True)
    correct = np.concatenate([real_logits.numpy() > 0, fake_logits.numpy() < 0])
    logs = {
        "d_loss": tf.reduce_mean(tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)),
        "d_real": np.mean(tf.sigmoid(real_logits)),
        "d_fake": np.mean(tf.sigmoid(fake_logits)),
        "d_accuracy": np.mean(correct),
    }
    objective = logs["d_loss"]
    if regularizer is not None:
        logs[regularizer.name] = _penalty_by_hand(d, real, fake, regularizer, draw)
        objective += logs[regularizer.name]
    return logs, objective


def _apply(optimizer, tape, loss, model):
    variables = model.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def _one_device_step(g, d, real, update, d_steps, g_optimizer, d_optimizer, regularizer=None):
    """Algorithm 1 (or the one-pass update) by hand on one device, on the replicas' noise.

    With a penalty, each D update draws its seed from the model's stream after its noise.
    """
    batch = len(real) // d_steps
    draws_per_d_update = 1 if regularizer is None else 2
    if update == "simultaneous":
        z = _replica_noise(0, batch)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = g(z, training=True)
            logs, objective = _d_logs(d, real, fake, regularizer, draw=1)
            logs["g_loss"] = tf.reduce_mean(tf.nn.softplus(-d(fake, training=True)))
        _apply(d_optimizer, d_tape, objective, d)
        _apply(g_optimizer, g_tape, logs["g_loss"], g)
        return {**logs, "loss": logs["d_loss"] + logs["g_loss"]}
    d_logs = []
    for update_index, minibatch in enumerate(_minibatches(real, d_steps)):
        draw = update_index * draws_per_d_update
        fake = g(_replica_noise(draw, batch), training=True)
        with tf.GradientTape() as tape:
            logs, objective = _d_logs(d, minibatch, fake, regularizer, draw + 1)
        _apply(d_optimizer, tape, objective, d)
        d_logs.append(logs)
    z = _replica_noise(d_steps * draws_per_d_update, batch)
    with tf.GradientTape() as tape:
        g_loss = tf.reduce_mean(tf.nn.softplus(-d(g(z, training=True), training=True)))
    _apply(g_optimizer, tape, g_loss, g)
    logs = {key: np.mean([logs[key] for logs in d_logs]) for key in d_logs[0]}
    return {**logs, "g_loss": g_loss, "loss": logs["d_loss"] + g_loss}


def _fit_one_step(gan, real):
    return gan.fit(
        tf.data.Dataset.from_tensors(real).repeat(), steps_per_epoch=1, verbose=0
    ).history


class MirroredStepTest(tf.test.TestCase, parameterized.TestCase):
    def _assert_same_weights(self, models, references):
        for model, reference in zip(models, references):
            for got, want in zip(model.get_weights(), reference.get_weights()):
                self.assertAllClose(got, want, rtol=1e-5, atol=1e-5)

    @parameterized.named_parameters(
        ("alternating_sgd", "alternating", 1, "sgd", None),
        ("alternating_k2_adam", "alternating", 2, "adam", None),
        ("simultaneous_adam", "simultaneous", 1, "adam", None),
        ("alternating_k2_user_penalty", "alternating", 2, "sgd", lambda: GradientNormSquared(0.5)),
        ("simultaneous_user_penalty", "simultaneous", 1, "adam", lambda: GradientNormSquared(0.5)),
        ("alternating_k2_r1", "alternating", 2, "sgd", lambda: tfgan.regularizers.R1(1.0)),
        (
            "alternating_k2_gradient_penalty",
            "alternating",
            2,
            "sgd",
            tfgan.regularizers.GradientPenalty,
        ),
        (
            "simultaneous_gradient_penalty",
            "simultaneous",
            1,
            "adam",
            tfgan.regularizers.GradientPenalty,
        ),
    )
    def test_one_step_on_two_replicas_equals_one_device_on_the_global_batch(
        self, update, d_steps, optimizer, make_regularizer
    ):
        real = np.random.default_rng(1).normal(size=(8 * d_steps, 2)).astype(np.float32)
        regularizer = make_regularizer and make_regularizer()
        regularizers = [] if regularizer is None else [regularizer]
        with _mirrored().scope():
            gan = _make_gan(update=update, d_steps=d_steps, regularizers=regularizers)
            gan.compile(g_optimizer=_optimizer(optimizer), d_optimizer=_optimizer(optimizer))
        g, d = _copy(gan.generator), _copy(gan.discriminator)
        expected = _one_device_step(
            g,
            d,
            real,
            update,
            d_steps,
            _optimizer(optimizer),
            _optimizer(optimizer),
            regularizer,
        )

        history = _fit_one_step(gan, real)

        keys = LOG_KEYS + tuple(r.name for r in regularizers)
        self.assertCountEqual(history, keys)
        for key in keys:
            self.assertAllClose(history[key][0], expected[key], rtol=1e-5, msg=key)
        self._assert_same_weights([gan.generator, gan.discriminator], [g, d])

    def test_relativistic_average_on_two_replicas_equals_one_device_on_the_global_batch(self):
        # Its means of the other side's logits run over the global batch, not over each replica's.
        real = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
        with _mirrored().scope():
            gan = _make_gan(loss="relativistic_average")
            gan.compile(g_optimizer=_optimizer("sgd"), d_optimizer=_optimizer("sgd"))
        g, d = _copy(gan.generator), _copy(gan.discriminator)

        def relativistic(mine, theirs):
            """-log sigmoid(mine - E[theirs]) - log(1 - sigmoid(theirs - E[mine])), averaged."""
            return tf.reduce_mean(
                tf.nn.softplus(tf.reduce_mean(theirs) - mine)
                + tf.nn.softplus(theirs - tf.reduce_mean(mine))
            )

        fake = g(_replica_noise(0, len(real)), training=True)
        with tf.GradientTape() as tape:
            d_loss = relativistic(d(real, training=True), d(fake, training=True))
        _apply(_optimizer("sgd"), tape, d_loss, d)
        with tf.GradientTape() as tape:
            fake_logits = d(g(_replica_noise(1, len(real)), training=True), training=True)
            g_loss = relativistic(fake_logits, d(real, training=True))
        _apply(_optimizer("sgd"), tape, g_loss, g)

        history = _fit_one_step(gan, real)

        self.assertAllClose(history["d_loss"][0], d_loss, rtol=1e-5)
        self.assertAllClose(history["g_loss"][0], g_loss, rtol=1e-5)
        self._assert_same_weights([gan.generator, gan.discriminator], [g, d])

    def test_batch_norm_uses_global_batch_statistics_as_on_one_device(self):
        real = np.random.default_rng(2).uniform(-1, 1, size=(8, 28, 28, 1)).astype(np.float32)
        keras.utils.set_random_seed(SEED)
        with _mirrored().scope():
            gan = tfgan.GAN(
                networks.dcgan_generator(LATENT_DIM, width=4),
                networks.dcgan_discriminator(width=4),
                LATENT_DIM,
                seed=SEED,
            )
            gan.compile(g_optimizer=_optimizer("sgd"), d_optimizer=_optimizer("sgd"))
        # Plain (unsynchronised) batch norm on one device is the reference.
        g = _copy(gan.generator, networks.dcgan_generator(LATENT_DIM, width=4))
        d = _copy(gan.discriminator, networks.dcgan_discriminator(width=4))
        expected = _one_device_step(
            g, d, real, "alternating", 1, _optimizer("sgd"), _optimizer("sgd")
        )

        history = _fit_one_step(gan, real)

        for key in LOG_KEYS:
            self.assertAllClose(history[key][0], expected[key], rtol=1e-4, msg=key)
        self._assert_same_weights([gan.generator, gan.discriminator], [g, d])  # moving stats too

    def test_replicas_draw_different_seeds_that_the_model_seed_reproduces(self):
        def replica_seeds():
            with _mirrored().scope() as strategy:
                seed_generator = keras.random.SeedGenerator(SEED)
            seeds = strategy.run(tf.function(lambda: distribute.replica_seed(seed_generator)))
            return [seed.numpy() for seed in strategy.experimental_local_results(seeds)]

        first, second = replica_seeds(), replica_seeds()
        self.assertNotAllEqual(first[0], first[1])
        self.assertAllEqual(first, second)

    def test_several_steps_per_execution_log_what_single_steps_log(self):
        def fit(steps_per_execution):
            with _mirrored().scope():
                gan = _make_gan()
                gan.compile(steps_per_execution=steps_per_execution)
            history = gan.fit(tfgan.data.circle(16, seed=1), steps_per_epoch=6, verbose=0)
            return history.history, gan.get_weights()

        (logs_1, weights_1), (logs_3, weights_3) = fit(1), fit(3)
        for key in LOG_KEYS:
            self.assertAllClose(logs_1[key], logs_3[key], rtol=1e-5, msg=key)
        self.assertAllClose(weights_1, weights_3, rtol=1e-5, atol=1e-6)

    def test_mixed_float16_trains_with_float32_logs(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            with _mirrored().scope():
                gan = _make_gan()
                gan.compile(steps_per_execution=2)
            history = gan.fit(tfgan.data.circle(16, seed=0), steps_per_epoch=4, verbose=0)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.assertIsInstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
        for key in LOG_KEYS:
            self.assertTrue(np.isfinite(history.history[key]).all(), key)
        self.assertEqual(int(gan.g_optimizer.iterations.numpy()), 4)

    def test_evaluate_reports_global_batch_means(self):
        with _mirrored().scope():
            gan = _make_gan()
            gan.compile(steps_per_execution=2)
        last = gan.discriminator.layers[-1]
        last.kernel.assign(tf.zeros_like(last.kernel))
        last.bias.assign([2.0])  # D(x) = sigmoid(2) everywhere
        logs = gan.evaluate(tfgan.data.circle(16, seed=0), steps=4, return_dict=True, verbose=0)
        d_of_x = 1 / (1 + np.exp(-2.0))
        self.assertAllClose(logs["d_loss"], -np.log(d_of_x) - np.log(1 - d_of_x), rtol=1e-5)
        self.assertAllClose(logs["g_loss"], -np.log(d_of_x), rtol=1e-5)
        self.assertAllClose(logs["d_accuracy"], 0.5)

    def test_conditional_labels_are_sharded_with_their_images(self):
        # Each label has its own circle: labels split apart from their points would mix the two.
        with _mirrored().scope():
            keras.utils.set_random_seed(SEED)
            gan = tfgan.GAN(
                networks.mlp_generator(4, 2, (64, 64), num_classes=2),
                networks.mlp_discriminator(2, (64, 64), num_classes=2),
                latent_dim=4,
                num_classes=2,
                seed=SEED,
            )
            gan.compile(
                g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
                steps_per_execution=100,
            )
        gan.fit(gan_test._two_circles(256, seed=0), steps_per_epoch=500, verbose=0)
        for label, radius, other_radius in ((0, 1.0, 2.0), (1, 2.0, 1.0)):
            points = gan.generate(2000, labels=np.full(2000, label), seed=0)
            self.assertLess(metrics.radius_error(points, radius), 0.15, f"label {label}")
            self.assertGreater(metrics.radius_error(points, other_radius), 0.7, f"label {label}")

    def test_short_circle_run_reaches_one_device_quality(self):
        def radius_error(strategy):
            gan, _, _ = circle_gan.fit_circle(strategy=strategy)
            return metrics.radius_error(gan.generate(2000, seed=0))

        one_device = radius_error(tf.distribute.get_strategy())
        mirrored = radius_error(_mirrored())
        self.assertLess(mirrored, 0.05)
        self.assertLess(mirrored, 2 * one_device + 0.005)


class ScopeTest(tf.test.TestCase):
    def test_networks_built_outside_the_scope_raise(self):
        generator = networks.mlp_generator(LATENT_DIM, 2)
        discriminator = networks.mlp_discriminator(2)
        with _mirrored().scope():
            with self.assertRaisesRegex(ValueError, "strategy.scope"):
                tfgan.GAN(generator, discriminator, LATENT_DIM)

    def test_optimizer_created_outside_the_scope_raises_naming_it(self):
        adam = keras.optimizers.Adam()
        with _mirrored().scope():
            gan = _make_gan()
            with self.assertRaisesRegex(ValueError, "g_optimizer"):
                gan.compile(g_optimizer=adam, d_optimizer=keras.optimizers.Adam())

    def test_compile_outside_the_scope_builds_optimizers_in_the_models_strategy(self):
        strategy = _mirrored()
        with strategy.scope():
            gan = _make_gan()
        gan.compile()
        for optimizer in (gan.g_optimizer, gan.d_optimizer):
            for variable in optimizer.variables:
                self.assertTrue(strategy.extended.variable_created_in_scope(variable.value))


class JitCompileTest(tf.test.TestCase, parameterized.TestCase):
    def test_auto_follows_keras_and_is_off_under_a_strategy(self):
        with _mirrored().scope():
            gan = _make_gan()
            gan.compile(jit_compile="auto")
            keras_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
            keras_model.compile(loss="mse", jit_compile="auto")
        self.assertFalse(gan.jit_compile)
        self.assertEqual(gan.jit_compile, keras_model.jit_compile)

    def test_true_on_cpu_replicas_fails_at_compile_saying_why(self):
        with _mirrored().scope():
            gan = _make_gan()
            with self.assertRaisesRegex(ValueError, "jit_compile=True.*GPU"):
                gan.compile(jit_compile=True)

    def test_true_is_honoured_under_a_one_replica_strategy(self):
        with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
            gan = _make_gan()
            gan.compile(jit_compile=True)
        self.assertTrue(gan.jit_compile)
        history = gan.fit(tfgan.data.circle(16, seed=0), steps_per_epoch=2, verbose=0).history
        self.assertTrue(np.isfinite(history["d_loss"]).all())

    @parameterized.parameters(False, True)
    def test_gpu_replicas_equal_one_device_with_and_without_xla(self, jit_compile):
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) < REPLICAS:
            self.skipTest(f"needs {REPLICAS} GPUs (logical ones will do)")
        real = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
        with tf.distribute.MirroredStrategy([gpu.name for gpu in gpus[:REPLICAS]]).scope():
            gan = _make_gan()
            gan.compile(
                g_optimizer=_optimizer("sgd"),
                d_optimizer=_optimizer("sgd"),
                jit_compile=jit_compile,
            )
        self.assertEqual(gan.jit_compile, jit_compile)
        g, d = _copy(gan.generator), _copy(gan.discriminator)
        expected = _one_device_step(
            g, d, real, "alternating", 1, _optimizer("sgd"), _optimizer("sgd")
        )

        history = _fit_one_step(gan, real)

        for key in LOG_KEYS:
            self.assertAllClose(history[key][0], expected[key], rtol=1e-4, msg=key)
        for model, reference in zip([gan.generator, gan.discriminator], [g, d]):
            self.assertAllClose(model.get_weights(), reference.get_weights(), rtol=1e-4, atol=1e-5)


class SavingAcrossStrategiesTest(tf.test.TestCase):
    def _path(self):
        return os.path.join(self.get_temp_dir(), "gan.keras")

    def _fit(self, gan, steps):
        return gan.fit(tfgan.data.circle(16, seed=4), steps_per_epoch=steps, verbose=0).history

    def test_saved_under_a_strategy_loads_and_trains_without_one(self):
        with _mirrored().scope():
            gan = _make_gan()
            gan.compile(steps_per_execution=2)
        self._fit(gan, 4)
        gan.save(self._path())
        loaded = keras.models.load_model(self._path())
        self.assertAllClose(loaded.get_weights(), gan.get_weights())
        self.assertAllEqual(loaded.seed_generator.state, gan.seed_generator.state)
        self.assertEqual(int(loaded.g_optimizer.iterations.numpy()), 4)
        self.assertEqual(loaded.distribute_strategy.num_replicas_in_sync, 1)
        self._fit(loaded, 2)
        self.assertEqual(int(loaded.d_optimizer.iterations.numpy()), 6)

    def test_saved_without_a_strategy_loads_and_trains_under_one(self):
        gan = _make_gan()
        gan.compile()
        self._fit(gan, 3)
        gan.save(self._path())
        strategy = _mirrored()
        with strategy.scope():
            loaded = keras.models.load_model(self._path())
        self.assertAllClose(loaded.get_weights(), gan.get_weights())
        self.assertEqual(int(loaded.g_optimizer.iterations.numpy()), 3)
        for variable in loaded.variables + loaded.g_optimizer.variables:
            self.assertTrue(strategy.extended.variable_created_in_scope(variable.value))
        self._fit(loaded, 2)
        self.assertEqual(int(loaded.d_optimizer.iterations.numpy()), 5)

    def test_a_mirrored_run_resumed_from_its_checkpoint_ends_as_an_uninterrupted_one(self):
        checkpoints = tfgan.runs.Checkpoints(os.path.join(self.get_temp_dir(), "backup"))

        class InterruptAfterFirstEpoch(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                raise KeyboardInterrupt

        def fit(initial_epoch=0, *callbacks):
            with _mirrored().scope():
                gan = _make_gan()
                gan.compile(steps_per_execution=2)
            if initial_epoch:
                gan.load_weights(list(checkpoints.verified())[0].path)
            gan.fit(
                tfgan.data.circle(16, seed=4, start_batch=2 * initial_epoch),
                steps_per_epoch=2,
                epochs=3,
                initial_epoch=initial_epoch,
                callbacks=[tfgan.callbacks.Checkpoint(checkpoints), *callbacks],
                verbose=0,
            )
            return gan

        uninterrupted = fit()
        checkpoints.remove()
        with self.assertRaises(KeyboardInterrupt):
            fit(0, InterruptAfterFirstEpoch())
        resumed = fit(1)
        self.assertEqual(int(resumed.g_optimizer.iterations.numpy()), 6)
        for want, got in zip(uninterrupted.get_weights(), resumed.get_weights()):
            self.assertAllEqual(want, got)


class StrategyHelpersTest(tf.test.TestCase, parameterized.TestCase):
    def test_mirrored_uses_every_logical_cpu(self):
        self.assertEqual(distribute.make_strategy("mirrored").num_replicas_in_sync, REPLICAS)

    def test_default_is_one_replica(self):
        self.assertEqual(distribute.make_strategy("default").num_replicas_in_sync, 1)

    def test_unknown_strategy_raises(self):
        with self.assertRaisesRegex(ValueError, "mirrored"):
            distribute.make_strategy("parameter_server")

    @parameterized.parameters("3", "two", "0")
    def test_logical_cpus_that_cannot_take_effect_raise(self, value):
        os.environ[distribute.LOGICAL_CPUS_ENV] = value
        try:
            with self.assertRaisesRegex(ValueError, distribute.LOGICAL_CPUS_ENV):
                distribute.configure_logical_cpus()
        finally:
            del os.environ[distribute.LOGICAL_CPUS_ENV]

    @parameterized.parameters(
        ({"worker": ["a:1", "b:1"]}, "worker", 0, True),
        ({"worker": ["a:1", "b:1"]}, "worker", 1, False),
        ({"chief": ["a:1"], "worker": ["b:1"]}, "worker", 0, False),
        ({"chief": ["a:1"], "worker": ["b:1"]}, "chief", 0, True),
    )
    def test_chief_is_the_chief_task_or_worker_0(self, cluster, task_type, task_id, chief):
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec(cluster), task_type=task_type, task_id=task_id
        )
        self.assertEqual(
            distribute.is_chief(types.SimpleNamespace(cluster_resolver=resolver)), chief
        )

    def test_single_process_strategies_are_chief(self):
        self.assertTrue(distribute.is_chief(_mirrored()))


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow  # two training processes
class MultiWorkerTest(tf.test.TestCase):
    TIMEOUT_S = 100  # for the whole cluster, which took 14-70 s on a shared 2-core machine

    def test_two_workers_end_with_identical_weights_and_only_the_chief_writes(self):
        output_dir = os.path.join(self.get_temp_dir(), "circle")
        cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
        processes, reports = [], []
        start = time.monotonic()
        for index in range(2):
            reports.append(os.path.join(self.get_temp_dir(), f"worker_{index}.npz"))
            env = dict(
                os.environ,
                TF_CONFIG=json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": index}}
                ),
                PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]),
            )
            args = [
                f"--output_dir={output_dir}",
                "--strategy=multi_worker",
                "--steps=40",
                "--steps_per_epoch=20",
                "--steps_per_execution=10",
                "--batch_size=64",
                "--hidden_units=16",
            ]
            processes.append(
                subprocess.Popen(
                    [sys.executable, WORKER, reports[-1], *args],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        deadline = start + self.TIMEOUT_S
        try:
            outputs = [
                p.communicate(timeout=max(1, deadline - time.monotonic()))[0] for p in processes
            ]
        finally:
            for p in processes:
                p.kill()
        print(f"two-worker cluster: {time.monotonic() - start:.1f} s")
        for p, output in zip(processes, outputs):
            self.assertEqual(p.returncode, 0, output[-3000:])

        chief, worker = (np.load(path) for path in reports)
        self.assertEqual(str(chief["write_dir"]), output_dir)
        self.assertNotEqual(str(worker["write_dir"]), output_dir)
        self.assertFalse(os.path.exists(str(worker["write_dir"])))  # deleted at the end
        weights = [key for key in chief.files if key.startswith("weight_")]
        self.assertNotEmpty(weights)
        for key in weights:
            self.assertAllEqual(chief[key], worker[key], msg=key)

        self.assertCountEqual(
            os.listdir(output_dir),
            ["gan.keras", "generator.keras", "circle.png", "logs", "run.json", ".lock"],
        )
        events = [
            name for folder, _, names in os.walk(os.path.join(output_dir, "logs")) for name in names
        ]
        self.assertNotEmpty(events)
        for name in events:  # TensorBoard names its files ...<host>.<pid>.<n>.v2
            self.assertEqual(name.split(".")[-3], str(int(chief["pid"])), name)
        self.assertEqual(
            int(keras.models.load_model(f"{output_dir}/gan.keras").g_optimizer.iterations), 40
        )


if __name__ == "__main__":
    tf.test.main()
