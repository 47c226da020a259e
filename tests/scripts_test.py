"""End-to-end tests of the bin/ scripts, run as a user runs them: in a subprocess."""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from PIL import Image
import tensorflow as tf
from absl.testing import parameterized

import keras
from idx_files import write_idx, write_learnable_split, write_mnist_like_split
import tfgan
from tfgan import classifier, metrics, networks

pytestmark = pytest.mark.slow

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")


def run_script(name, *args, timeout=300, env=None):
    """Runs bin/NAME with args; returns the CompletedProcess (stdout and stderr as text)."""
    return subprocess.run(
        [sys.executable, os.path.join(BIN, name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def last_line(text):
    return text.strip().splitlines()[-1]


class TrainCircleTest(tf.test.TestCase, parameterized.TestCase):
    def test_short_run_writes_every_output_and_samples_load(self):
        output_dir = os.path.join(self.get_temp_dir(), "circle")
        flags = ["--steps=600", "--steps_per_epoch=300", "--batch_size=128"]
        result = run_script("train_circle.py", f"--output_dir={output_dir}", *flags)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        for name in ("generator.keras", "gan.keras", "circle.png", "run.json"):
            self.assertTrue(os.path.isfile(os.path.join(output_dir, name)), name)
        with open(os.path.join(output_dir, "run.json")) as f:
            record = json.load(f)
        self.assertEqual(record["script"], "train_circle.py")
        self.assertEqual(record["steps"], 600)
        self.assertEqual(record["flags"]["batch_size"], 128)
        self.assertCountEqual(record["files"], ["gan.keras", "generator.keras", "circle.png"])
        logs = os.path.join(output_dir, "logs", "train")
        self.assertTrue(any(f.startswith("events.out.tfevents") for f in os.listdir(logs)))
        self.assertFalse(os.path.exists(os.path.join(output_dir, "backup")))

        samples_path = os.path.join(self.get_temp_dir(), "samples.npy")
        result = run_script(
            "sample.py",
            f"--generator={output_dir}/generator.keras",
            "--num=500",
            f"--output={samples_path}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        samples = np.load(samples_path)
        self.assertEqual(samples.shape, (500, 2))
        self.assertLess(metrics.radius_error(samples), 0.25)

        rerun = run_script("train_circle.py", f"--output_dir={output_dir}", *flags)
        self.assertEqual(rerun.returncode, 0, rerun.stderr[-3000:])
        self.assertIn("already holds a finished run", rerun.stdout)
        other = run_script("train_circle.py", f"--output_dir={output_dir}")
        self.assertEqual(other.returncode, 1)
        self.assertIn("--steps=600 (now its default)", last_line(other.stderr))
        self.assertNotIn("Traceback", other.stderr)

    @parameterized.parameters(
        ("--steps=-5", "--steps"),
        ("--loss=nope", "--loss"),
        ("--learning_rate=0", "--learning_rate"),
        ("--strategy=nope", "--strategy"),
        ("--tpu=grpc://10.0.0.2:8470", "--tpu"),
        ("--strategy=tpu", "--strategy=tpu"),
        ("--mixed_precision=float8", "--mixed_precision"),
        ("--learning_rate=inf", "--learning_rate must be a finite number"),
        ("--radius=nan", "--radius"),
        ("--steps=700", "--steps must be a multiple of --steps_per_epoch"),
    )
    def test_bad_flag_exits_nonzero_with_one_line_naming_it(self, flag, name):
        result = run_script("train_circle.py", f"--output_dir={self.get_temp_dir()}/bad", flag)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(name, last_line(result.stderr))
        self.assertNotIn("Traceback", result.stderr)

    def test_mixed_precision_flag_sets_the_networks_policy(self):
        output_dir = os.path.join(self.get_temp_dir(), "circle_bf16")
        result = run_script(
            "train_circle.py",
            f"--output_dir={output_dir}",
            "--steps=20",
            "--steps_per_epoch=10",
            "--steps_per_execution=10",
            "--batch_size=32",
            "--mixed_precision=mixed_bfloat16",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        hidden = gan.generator.layers[1]
        self.assertEqual(hidden.dtype_policy.name, "mixed_bfloat16")
        self.assertEqual(hidden.compute_dtype, "bfloat16")
        self.assertTrue(np.all(np.isfinite(gan.generate(10, seed=0))))

    def _objective_run(self, name, *flags):
        output_dir = os.path.join(self.get_temp_dir(), name)
        result = run_script(
            "train_circle.py",
            f"--output_dir={output_dir}",
            "--steps=4",
            "--steps_per_epoch=2",
            "--steps_per_execution=2",
            "--batch_size=16",
            "--hidden_units=8",
            *flags,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        return result, keras.models.load_model(os.path.join(output_dir, "gan.keras"))

    def test_wasserstein_gradient_penalty_selects_its_recipe(self):
        result, gan = self._objective_run("wgan_gp", "--loss=wasserstein", "--gradient_penalty=10")
        self.assertNotIn("warning", result.stderr)
        self.assertEqual(gan.d_steps, 5)
        (penalty,) = gan.regularizers
        self.assertIsInstance(penalty, tfgan.regularizers.GradientPenalty)
        self.assertEqual(penalty.weight, 10.0)
        recipe = tfgan.recipes.CIRCLE_OBJECTIVES[("wasserstein", False, True)]
        g_adam, d_adam = gan.g_optimizer, gan.d_optimizer
        self.assertAllClose(
            d_adam.beta_1, tfgan.recipes.first(recipe.beta_1, tfgan.recipes.CIRCLE_BETA_1)
        )
        self.assertAllClose(d_adam.beta_2, recipe.beta_2)
        g_rate = g_adam._learning_rate.initial_learning_rate
        d_rate = d_adam._learning_rate.initial_learning_rate
        self.assertAllClose(d_rate, recipe.d_learning_rate_scale * g_rate)
        # D's schedule runs over its own updates: d_steps per generator step.
        self.assertEqual(d_adam._learning_rate.decay_steps, 5 * g_adam._learning_rate.decay_steps)

    def test_unconstrained_wasserstein_critic_warns_in_one_line_and_given_flags_win(self):
        result, gan = self._objective_run("wgan", "--loss=wasserstein", "--d_steps=2")
        warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
        self.assertLen(warnings, 1)
        self.assertIn("critic is unconstrained", warnings[0])
        self.assertEqual(gan.d_steps, 2)
        self.assertEmpty(gan.regularizers)

    def test_spectral_norm_and_lazy_r1_flags(self):
        _, gan = self._objective_run(
            "hinge_sn_r1", "--loss=hinge", "--spectral_norm", "--r1_gamma=5", "--r1_every=4"
        )
        self.assertIsInstance(gan.gan_loss, tfgan.losses.Hinge)
        self.assertEqual(gan.d_steps, 1)
        wrapped = [
            layer
            for layer in gan.discriminator.layers
            if isinstance(layer, keras.layers.SpectralNormalization)
        ]
        self.assertLen(wrapped, 3)  # two hidden layers and the logit
        (r1,) = gan.regularizers
        self.assertEqual((type(r1), r1.gamma, r1.every), (tfgan.regularizers.R1, 5.0, 4))

    @parameterized.parameters(
        ("--gradient_penalty=-1", "--gradient_penalty must be >= 0"),
        ("--r1_every=0", "--r1_every"),
    )
    def test_bad_penalty_flags_exit_with_one_line(self, flag, fragment):
        result = run_script("train_circle.py", f"--output_dir={self.get_temp_dir()}/bad", flag)
        _assert_one_line_failure(self, result, fragment)

    def test_sample_from_missing_file_fails_with_one_line(self):
        result = run_script("sample.py", "--generator=/nonexistent/g.keras", "--output=/tmp/x.npy")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("/nonexistent/g.keras", last_line(result.stderr))
        self.assertNotIn("Traceback", result.stderr)


class TrainMnistTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(self.data_dir, num_images=64)
        self.output_dir = os.path.join(self.get_temp_dir(), "mnist")

    def _args(self, epochs):
        return [
            f"--data_dir={self.data_dir}",
            f"--output_dir={self.output_dir}",
            f"--epochs={epochs}",
            "--batch_size=16",
            "--steps_per_execution=2",
        ]

    def test_one_epoch_writes_every_output(self):
        result = run_script("train_mnist.py", *self._args(epochs=1))
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        for name in ("generator.keras", "gan.keras", "samples.png", "images/epoch_001.png"):
            self.assertTrue(os.path.isfile(os.path.join(self.output_dir, name)), name)
        for logs in ("logs/train", "logs/samples"):
            files = os.listdir(os.path.join(self.output_dir, logs))
            self.assertTrue(any(f.startswith("events.out.tfevents") for f in files), logs)

        npy = os.path.join(self.get_temp_dir(), "digits.npy")
        png = os.path.join(self.get_temp_dir(), "digits.png")
        generator = f"--generator={self.output_dir}/generator.keras"
        for output in (f"--output={npy}", f"--png={png}"):  # each alone is enough
            result = run_script("sample.py", generator, "--num=12", output)
            self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        samples = np.load(npy)
        self.assertEqual(samples.shape, (12, 28, 28, 1))
        self.assertAllInRange(samples, -1.0, 1.0)
        self.assertEqual(Image.open(png).size, (4 * 28 * 2, 3 * 28 * 2))  # 4x3 grid, scale 2

    def test_killed_run_resumes_from_its_last_completed_epoch_and_ends_bit_identical(self):
        epochs, steps_per_epoch = 20, 4  # 64 images in batches of 16
        command = [sys.executable, os.path.join(BIN, "train_mnist.py"), *self._args(epochs)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first_checkpoint = os.path.join(self.output_dir, "backup", "epoch_0001.json")
        deadline = time.time() + 120
        while (
            not os.path.exists(first_checkpoint)
            and process.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)  # in epoch 2
        process.wait()
        self.assertFalse(os.path.exists(os.path.join(self.output_dir, "run.json")))

        result = run_script("train_mnist.py", *self._args(epochs))
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        resumed = re.search(r"Resuming from the checkpoint after epoch (\d+)", result.stdout)
        self.assertIsNotNone(resumed, result.stdout[-3000:])
        completed = int(resumed.group(1))
        self.assertBetween(completed, 1, epochs - 1)
        first_epoch = re.search(r"Epoch (\d+)/", result.stdout)
        self.assertEqual(int(first_epoch.group(1)), completed + 1)
        gan = keras.models.load_model(os.path.join(self.output_dir, "gan.keras"))
        self.assertEqual(int(gan.g_optimizer.iterations), epochs * steps_per_epoch)
        self.assertEqual(int(gan.d_optimizer.iterations), epochs * steps_per_epoch)

        uninterrupted_dir = self.output_dir + "_uninterrupted"
        result = run_script(
            "train_mnist.py", *self._args(epochs), f"--output_dir={uninterrupted_dir}"
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        uninterrupted = keras.models.load_model(os.path.join(uninterrupted_dir, "generator.keras"))
        resumed_generator = keras.models.load_model(
            os.path.join(self.output_dir, "generator.keras")
        )
        for want, got in zip(uninterrupted.get_weights(), resumed_generator.get_weights()):
            self.assertAllEqual(want, got)

    def test_ema_and_augment_flags_train_an_averaged_augmented_gan(self):
        result = run_script(
            "train_mnist.py",
            *self._args(epochs=1),
            "--ema",
            "--augment=adaptive",
            "--ada_target=0.5",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        gan = keras.models.load_model(os.path.join(self.output_dir, "gan.keras"))
        self.assertIsInstance(gan.augment, tfgan.augment.AdaptiveAugment)
        self.assertEqual(gan.augment.target, 0.5)
        self.assertGreater(float(gan.augment.updates), 0.0)
        for name, network in (
            ("generator.keras", gan.averaged_generator),
            ("trained_generator.keras", gan.generator),
        ):
            saved = keras.models.load_model(os.path.join(self.output_dir, name))
            for want, got in zip(network.get_weights(), saved.get_weights()):
                self.assertAllEqual(want, got)

    def test_bad_input_exits_nonzero_with_one_line(self):
        truncated = os.path.join(self.get_temp_dir(), "truncated")
        write_mnist_like_split(truncated, num_images=8)
        write_idx(
            os.path.join(truncated, "train-images-idx3-ubyte.gz"),
            np.zeros((8, 28, 28)),
            truncate_by=100,
        )
        for args, fragment in (
            (["--data_dir=/nonexistent"], "/nonexistent"),
            ([f"--data_dir={truncated}"], "train-images-idx3-ubyte.gz"),
            (["--epochs=0"], "--epochs"),
            (["--mixed_precision=fp16"], "--mixed_precision"),
            (["--augment=ada"], "--augment"),
            (["--ada_target=2"], "--ada_target"),
            (["--ema_half_life=0"], "--ema_half_life"),
        ):
            with self.subTest(args=args):
                result = run_script("train_mnist.py", f"--output_dir={self.output_dir}", *args)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(fragment, last_line(result.stderr))
                self.assertNotIn("Traceback", result.stderr)


class TrainMnistEvaluationTest(tf.test.TestCase):
    def test_eval_every_puts_figures_in_the_progress_bar_and_tensorboard(self):
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(data_dir, num_images=32)
        cache = os.path.join(self.get_temp_dir(), "cache")
        classifier.save(classifier.build(width=2), classifier.cache_path("mnist", "train", cache))
        output_dir = os.path.join(self.get_temp_dir(), "mnist")
        result = run_script(
            "train_mnist.py",
            f"--data_dir={data_dir}",
            f"--output_dir={output_dir}",
            "--epochs=2",
            "--batch_size=16",
            "--eval_every=2",
            f"--classifier_dir={cache}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertEqual(result.stdout.count("eval_fid"), 1, result.stdout[-3000:])  # epoch 2 only
        self.assertIn("eval_confident", result.stdout)
        logs = os.path.join(output_dir, "logs", "train")
        tags = set()
        for name in os.listdir(logs):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(logs, name)):
                tags.update(value.tag for value in event.summary.value)
        self.assertIn("epoch_eval_fid", tags)


def _assert_one_line_failure(test, result, fragment):
    """The script failed (exit status not 0) with one line on stderr holding fragment, no traceback."""
    test.assertNotEqual(result.returncode, 0, result.stderr[-3000:])
    test.assertIn(fragment, last_line(result.stderr))
    test.assertNotIn("Traceback", result.stderr)


CIRCLE_FLAGS = ["--steps=20", "--steps_per_epoch=10", "--batch_size=32", "--hidden_units=8"]


class RunSafetyTest(tf.test.TestCase):
    """What a user can get wrong, or a machine can do to a run: one line each, and nothing lost."""

    def _circle(self, output_dir, *flags, env=None):
        return run_script(
            "train_circle.py", f"--output_dir={output_dir}", *CIRCLE_FLAGS, *flags, env=env
        )

    def test_a_second_process_on_the_directory_fails_at_once_and_the_first_goes_on(self):
        output_dir = os.path.join(self.get_temp_dir(), "locked")
        flags = [f"--output_dir={output_dir}", "--steps=200000", "--steps_per_epoch=100000"]
        flags += ["--steps_per_execution=1000", "--batch_size=32", "--hidden_units=8"]
        first = subprocess.Popen(
            [sys.executable, os.path.join(BIN, "train_circle.py"), *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(first.kill)
        lock = os.path.join(output_dir, ".lock")
        deadline = time.time() + 120
        while time.time() < deadline and not (os.path.exists(lock) and open(lock).read()):
            time.sleep(0.05)
        second = run_script("train_circle.py", *flags)
        _assert_one_line_failure(
            self, second, f"another process (pid {first.pid}) is training into"
        )
        self.assertIsNone(first.poll())  # still training, unharmed

    def test_a_diverging_run_stops_with_one_line_and_is_not_finished(self):
        output_dir = os.path.join(self.get_temp_dir(), "diverged")
        result = self._circle(output_dir, "--learning_rate=1e30")
        _assert_one_line_failure(self, result, "training diverged")
        self.assertRegex(last_line(result.stderr), r"epoch \d+")
        self.assertFalse(os.path.exists(os.path.join(output_dir, "run.json")))
        self.assertFalse(os.path.exists(os.path.join(output_dir, "gan.keras")))

    def test_output_dirs_that_cannot_be_made_fail_with_one_line(self):
        a_file = os.path.join(self.get_temp_dir(), "a_file")
        with open(a_file, "w") as f:
            f.write("x")
        for output_dir, fragment in (
            (a_file, "is not a directory"),
            (os.path.join(a_file, "run"), "Not a directory"),
        ):
            with self.subTest(output_dir=output_dir):
                _assert_one_line_failure(self, self._circle(output_dir), fragment)

    def test_a_leading_tilde_is_the_home_directory(self):
        home = os.path.join(self.get_temp_dir(), "home")
        os.makedirs(home)
        result = self._circle("~/run", env=dict(os.environ, HOME=home))
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertTrue(os.path.isfile(os.path.join(home, "run", "run.json")))

    def test_another_script_into_a_finished_run_fails_naming_both(self):
        output_dir = os.path.join(self.get_temp_dir(), "finished_circle")
        self.assertEqual(self._circle(output_dir).returncode, 0)
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(data_dir, num_images=32)
        result = run_script(
            "train_mnist.py", f"--output_dir={output_dir}", f"--data_dir={data_dir}"
        )
        _assert_one_line_failure(
            self, result, "holds a run of train_circle.py, not of train_mnist.py"
        )

    def test_a_global_batch_the_replicas_do_not_divide_fails_with_one_line(self):
        env = dict(os.environ, TFGAN_LOGICAL_CPUS="2")
        result = self._circle(
            os.path.join(self.get_temp_dir(), "odd"),
            "--strategy=mirrored",
            "--batch_size=31",
            env=env,
        )
        _assert_one_line_failure(self, result, "--batch_size=31 is the global batch")

    def test_a_cluster_whose_other_worker_never_comes_fails_after_the_timeout(self):
        cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}),
        )
        result = self._circle(
            os.path.join(self.get_temp_dir(), "alone"),
            "--strategy=multi_worker",
            "--cluster_timeout=3",
            env=env,
        )
        _assert_one_line_failure(self, result, "did not form within --cluster_timeout=3 s")
        self.assertIn("Waiting for the 2 tasks", result.stdout)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class GeneratorFilesTest(tf.test.TestCase):
    """sample.py and evaluate.py refuse what is not a working unconditional generator."""

    def setUp(self):
        super().setUp()
        keras.utils.set_random_seed(0)
        self.diverged = os.path.join(self.get_temp_dir(), "diverged.keras")
        generator = networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(4,))
        generator.set_weights([w * np.nan for w in generator.get_weights()])
        generator.save(self.diverged)

    def _bad_files(self):
        directory = self.get_temp_dir()
        files = {}
        files["empty.keras"] = b""
        files["weights.h5"] = b"\x89HDF\r\n\x1a\n" + bytes(100)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "not a model")
        files["notes.keras"] = buffer.getvalue()
        for name, content in files.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(content)
        judge = os.path.join(directory, "judge.keras")
        classifier.build(width=2).save(judge)
        return [
            (os.path.join(directory, "empty.keras"), "is not a Keras model file that loads"),
            (os.path.join(directory, "weights.h5"), "is not a Keras model file that loads"),
            (os.path.join(directory, "notes.keras"), "is not a Keras model file that loads"),
            (judge, "are not noise vectors"),
            (self.diverged, "makes samples that are not finite"),
        ]

    def test_sample_refuses_files_that_are_not_working_generators_with_one_line(self):
        output = os.path.join(self.get_temp_dir(), "out.npy")
        for generator, fragment in self._bad_files():
            with self.subTest(generator=os.path.basename(generator)):
                result = run_script("sample.py", f"--generator={generator}", f"--output={output}")
                _assert_one_line_failure(self, result, fragment)
                self.assertFalse(os.path.exists(output))

    def test_evaluate_refuses_a_diverged_generator_with_one_line(self):
        result = run_script(
            "evaluate.py", f"--generator={self.diverged}", "--dataset=circle", "--num_samples=100"
        )
        _assert_one_line_failure(self, result, "makes samples that are not finite")

    def test_sample_output_under_a_file_fails_with_one_line(self):
        a_file = os.path.join(self.get_temp_dir(), "a_file")
        with open(a_file, "w") as f:
            f.write("x")
        keras.utils.set_random_seed(0)
        generator = os.path.join(self.get_temp_dir(), "generator.keras")
        networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(4,)).save(generator)
        result = run_script(
            "sample.py", f"--generator={generator}", f"--output={a_file}/samples.npy"
        )
        _assert_one_line_failure(self, result, "File exists")


class TrainClassifierTest(tf.test.TestCase):
    def test_trains_reports_accuracy_and_fills_the_cache(self):
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_learnable_split(data_dir, "train", num_images=1000, seed=0)
        write_learnable_split(data_dir, "t10k", num_images=100, seed=1)
        cache = os.path.join(self.get_temp_dir(), "cache")
        result = run_script(
            "train_classifier.py",
            f"--data_dir={data_dir}",
            f"--classifier_dir={cache}",
            "--epochs=4",
            "--width=4",
            "--batch_size=32",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        accuracy = re.search(r"([\d.]+)% accuracy on 'test' \(100 images\)", result.stdout)
        self.assertIsNotNone(accuracy, result.stdout[-3000:])
        self.assertGreaterEqual(float(accuracy.group(1)), 90.0)
        self.assertTrue(os.path.isfile(classifier.cache_path("mnist", "train", cache)))

    def test_missing_data_or_labels_outside_the_classes_fail_with_one_line(self):
        bad_labels = os.path.join(self.get_temp_dir(), "bad_labels")
        write_learnable_split(bad_labels, "train", num_images=20, seed=0)
        write_idx(os.path.join(bad_labels, "train-labels-idx1-ubyte.gz"), np.full(20, 12))
        for data_dir, fragment in (
            ("/nonexistent", "/nonexistent"),
            (bad_labels, "holds label 12, but MNIST's classes are 0 to 9"),
        ):
            with self.subTest(data_dir=data_dir):
                result = run_script(
                    "train_classifier.py", f"--data_dir={data_dir}", "--eval_split=train"
                )
                _assert_one_line_failure(self, result, fragment)


class EvaluateTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(self.data_dir, "t10k", num_images=40, seed=0)
        write_mnist_like_split(self.data_dir, "train", num_images=20, seed=1)
        self.cache = os.path.join(self.get_temp_dir(), "cache")
        classifier.save(
            classifier.build(width=2), classifier.cache_path("mnist", "train", self.cache)
        )
        keras.utils.set_random_seed(0)
        self.digits = os.path.join(self.get_temp_dir(), "digits.keras")
        networks.dcgan_generator(latent_dim=8, width=4).save(self.digits)
        self.points = os.path.join(self.get_temp_dir(), "points.keras")
        networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(8,)).save(self.points)
        self.output = os.path.join(self.get_temp_dir(), "out", "figures.json")

    def test_digits_json_and_table_hold_generator_and_real_rows(self):
        result = run_script(
            "evaluate.py",
            f"--generator={self.digits}",
            f"--data_dir={self.data_dir}",
            f"--classifier_dir={self.cache}",
            "--num_samples=30",
            "--metrics=fid,kid,score,prdc,parzen",
            "--parzen_validation_split=train[:10]",
            f"--output={self.output}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        with open(self.output) as f:
            report = json.load(f)
        keys = ["fid", "kid", "kid_std", "score", "confident", "rarest_class", "precision"]
        keys += ["recall", "density", "coverage", "parzen", "parzen_std_error", "parzen_sigma"]
        self.assertCountEqual(report["metrics"]["generator"], keys)
        self.assertCountEqual(report["metrics"]["real"], keys)
        # 40 test images: 20 of them stand in for samples, compared to the other 20.
        self.assertIn("20 random images of 'test'", report["reference"])
        self.assertIn("other 20", report["reference"])
        self.assertEqual(report["num_samples"], 30)
        self.assertIn("real vs real", result.stdout)
        for key in keys:
            self.assertRegex(result.stdout, rf"\n{key} +[-\d.e+]+ +[-\d.e+]+")

    def test_reference_split_stands_in_for_the_samples(self):
        result = run_script(
            "evaluate.py",
            f"--generator={self.digits}",
            f"--data_dir={self.data_dir}",
            f"--classifier_dir={self.cache}",
            "--num_samples=12",
            "--metrics=fid",
            "--reference_split=train",
            f"--output={self.output}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        with open(self.output) as f:
            report = json.load(f)
        self.assertIn("12 images of 'train'", report["reference"])
        self.assertIn("40 images of 'test'", report["reference"])

    def test_circle_scores_points_against_the_true_circle(self):
        result = run_script(
            "evaluate.py",
            f"--generator={self.points}",
            "--dataset=circle",
            "--num_samples=500",
            f"--output={self.output}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        with open(self.output) as f:
            rows = json.load(f)["metrics"]
        self.assertCountEqual(rows["real"], ["radius_error", "angle_ks", "arc_coverage", "swd"])
        self.assertNear(rows["real"]["radius_error"], 0.0, 1e-6)
        self.assertGreater(rows["generator"]["radius_error"], 0.05)  # an untrained generator

    def test_bad_input_exits_nonzero_with_one_line(self):
        for args, fragment in (
            (["--generator=/nonexistent/g.keras"], "/nonexistent/g.keras"),
            ([f"--generator={self.points}"], "--dataset=mnist needs (28, 28, 1)"),
            ([f"--generator={self.points}", "--dataset=circle", "--metrics=fid"], "--metrics"),
            ([f"--generator={self.digits}", "--data_dir=/nonexistent"], "/nonexistent"),
            (
                [f"--generator={self.digits}", f"--data_dir={self.data_dir}", "--split=test[:4]"],
                "too few real images",
            ),
        ):
            with self.subTest(args=args):
                result = run_script("evaluate.py", f"--classifier_dir={self.cache}", *args)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(fragment, last_line(result.stderr))
                self.assertNotIn("Traceback", result.stderr)


class ConditionalScriptsTest(tf.test.TestCase):
    """--conditional training, sampling with --labels and label metrics in evaluate.py."""

    def setUp(self):
        super().setUp()
        self.data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(self.data_dir, num_images=64)
        write_mnist_like_split(self.data_dir, "t10k", num_images=400, seed=1)
        keras.utils.set_random_seed(0)
        self.generator = os.path.join(self.get_temp_dir(), "conditional.keras")
        networks.dcgan_generator(latent_dim=8, width=4, num_classes=10).save(self.generator)

    def _sample(self, *args):
        return run_script("sample.py", f"--generator={self.generator}", *args)

    def test_conditional_run_trains_a_ten_class_gan(self):
        output_dir = os.path.join(self.get_temp_dir(), "cmnist")
        result = run_script(
            "train_mnist.py",
            f"--data_dir={self.data_dir}",
            f"--output_dir={output_dir}",
            "--epochs=1",
            "--batch_size=16",
            "--steps_per_execution=2",
            "--conditional",
            "--conditioning=concat",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertEqual(gan.num_classes, 10)
        self.assertLen(gan.discriminator.inputs, 2)
        self.assertTrue(os.path.isfile(os.path.join(output_dir, "samples.png")))

    def test_sample_writes_the_requested_labels_with_the_images(self):
        npz = os.path.join(self.get_temp_dir(), "samples.npz")
        for labels, expected in (
            ("--labels=7", [7] * 5),
            ("--labels=0,1,2", [0, 1, 2, 0, 1]),
            ("--labels=balanced", [0, 1, 2, 3, 4]),
        ):
            with self.subTest(labels):
                result = self._sample("--num=5", labels, f"--output={npz}")
                self.assertEqual(result.returncode, 0, result.stderr[-3000:])
                with np.load(npz) as written:
                    self.assertEqual(written["labels"].tolist(), expected)
                    self.assertEqual(written["images"].shape, (5, 28, 28, 1))

    def test_bad_labels_fail_with_one_line(self):
        npz = f"--output={os.path.join(self.get_temp_dir(), 'x.npz')}"
        npy = f"--output={os.path.join(self.get_temp_dir(), 'x.npy')}"
        unconditional = os.path.join(self.get_temp_dir(), "plain.keras")
        networks.dcgan_generator(latent_dim=8, width=4).save(unconditional)
        for args, fragment in (
            (["--labels=12", npz], "label 12 is outside [0, 10)"),
            (["--labels=seven", npz], "--labels=seven"),
            ([npy], ".npz"),
            ([f"--generator={unconditional}", "--labels=1", npy], "needs a conditional generator"),
        ):
            with self.subTest(args=args):
                _assert_one_line_failure(self, self._sample(*args), fragment)

    def test_evaluate_scores_the_labels_of_a_conditional_generator(self):
        cache = os.path.join(self.get_temp_dir(), "cache")
        classifier.save(classifier.build(width=2), classifier.cache_path("mnist", "train", cache))
        output = os.path.join(self.get_temp_dir(), "figures.json")
        result = run_script(
            "evaluate.py",
            f"--generator={self.generator}",
            f"--data_dir={self.data_dir}",
            f"--classifier_dir={cache}",
            "--num_samples=100",
            "--metrics=fid",
            f"--output={output}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        with open(output) as f:
            figures = json.load(f)["metrics"]
        for row in ("generator", "real"):
            self.assertCountEqual(figures[row], ["fid", "label_accuracy", "intra_fid"])
            self.assertBetween(figures[row]["label_accuracy"], 0.0, 1.0)
            self.assertGreater(figures[row]["intra_fid"], 0.0)


class BenchmarkTest(tf.test.TestCase):
    def _args(self, *args):
        return ["--windows=1", "--steps=2", "--steps_per_execution=2", "--batch_size=4", *args]

    def test_tiny_run_prints_a_table_and_writes_json(self):
        output = os.path.join(self.get_temp_dir(), "benchmark.json")
        result = run_script(
            "benchmark.py",
            *self._args(
                "--models=circle,dcgan",
                "--update=alternating,simultaneous",
                f"--output={output}",
            ),
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("Dense matmul peak: float32", result.stdout)
        table = result.stdout[result.stdout.index("model  ") :].splitlines()
        self.assertIn("fit/plain", table[0])
        with open(output) as f:
            report = json.load(f)
        self.assertGreater(report["peak_flops_per_s"]["float32"], 0)
        results = report["results"]
        self.assertEqual(
            [(r["model"], r["update"]) for r in results],
            [
                ("circle", "alternating"),
                ("circle", "simultaneous"),
                ("dcgan", "alternating"),
                ("dcgan", "simultaneous"),
            ],
        )
        for record, row in zip(results, table[1:]):
            self.assertEqual(row.split()[:2], [record["model"], record["update"]])
            self.assertEqual(record["batch_size"], 4)
            for key in ("fit_examples_per_s", "plain_examples_per_s", "flops_per_step"):
                self.assertGreater(record[key], 0, key)

    def test_torch_comparison_without_torch_says_so(self):
        hide_torch = os.path.join(self.get_temp_dir(), "no_torch")
        os.makedirs(os.path.join(hide_torch, "torch"), exist_ok=True)
        with open(os.path.join(hide_torch, "torch", "__init__.py"), "w") as f:
            f.write("raise ImportError('No module named torch')\n")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [hide_torch, env.get("PYTHONPATH")]))
        output = os.path.join(self.get_temp_dir(), "no_torch.json")
        result = run_script(
            "benchmark.py",
            *self._args("--models=tutorial_dcgan", "--torch", f"--output={output}"),
            env=env,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("torch not installed", result.stdout)
        with open(output) as f:
            (record,) = json.load(f)["results"]
        self.assertEqual(record["torch"], "torch not installed")
        self.assertNotIn("torch_examples_per_s", record)

    def test_quality_reports_seconds_to_each_target_and_draws_the_curves(self):
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(data_dir, num_images=48)
        cache = os.path.join(self.get_temp_dir(), "cache")
        classifier.save(classifier.build(width=2), classifier.cache_path("mnist", "train", cache))
        output = os.path.join(self.get_temp_dir(), "quality.json")
        plot = os.path.join(self.get_temp_dir(), "quality.png")
        result = run_script(
            "benchmark.py",
            "--quality",
            f"--data_dir={data_dir}",
            f"--classifier_dir={cache}",
            "--epochs=2",
            "--batch_size=16",
            "--steps_per_execution=3",
            "--num_samples=20",
            "--mixed_precision=none",
            "--seed=0,1",
            "--target_fid=1e9",
            f"--output={output}",
            f"--plot={plot}",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        with open(output) as f:
            runs = json.load(f)["runs"]
        self.assertEqual([run["config"]["seed"] for run in runs], [0, 1])
        table = result.stdout[result.stdout.index(" arch ") :].splitlines()
        self.assertIn("s to fid <= 1e+09", table[0])
        for run, row in zip(runs, table[1:]):
            self.assertEqual([point["epoch"] for point in run["curve"]], [1, 2])
            confident, fid = run["targets"]
            self.assertEqual(confident["thresholds"], {"confident": 0.8, "rarest_class": 0.05})
            self.assertEqual(fid["seconds"], run["curve"][0]["train_seconds"])
            self.assertIn(f"{fid['seconds']:.0f}", row.split())
        with Image.open(plot) as image:
            self.assertGreater(image.width, image.height)

    def test_bad_flags_exit_nonzero_with_one_line(self):
        for args, fragment in (
            (["--models=circle,resnet"], "--models"),
            (["--mixed_precision=none,fp8"], "--mixed_precision"),
            (["--update=sometimes"], "--update"),
            (["--jit_compile=maybe"], "--jit_compile"),
            (["--models=circle", "--torch"], "tutorial_dcgan"),
            (["--windows=0"], "--windows"),
            (["--seed=0,x"], "--seed"),
            (["--quality", "--models=circle"], "--quality"),
            (["--quality", "--torch"], "--torch"),
            (["--target_fid=5"], "--target_fid"),
        ):
            with self.subTest(args=args):
                result = run_script("benchmark.py", *args)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(fragment, last_line(result.stderr))
                self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    tf.test.main()
