"""Tests of the bin/ scripts, in two tiers (tests/conftest.py).

The fast tier checks what a user can get wrong: the shared flags of bin/run_flags.py on FlagValues
of their own, the library's checks that the scripts rely on, and bin/errors.py's one-line errors,
all in-process; the checks that live in a script (its flag validators, its main), all of its bad
command lines in one process (tests/script_checks.py); and each script's exit contract in one real
run: a bad flag ends it with status 1 and one line on stderr that names the problem, no traceback.

The slow tier runs the scripts end to end as a user does, with the shortest runs that show each
behaviour: train then sample and evaluate, the README's command, a killed run that resumes, a
finished run rerun, changed flags refused, a second process, a mirrored run.
"""

import dataclasses
import errno
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import redirect_stderr

import distribute_test
import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags
from absl.testing import parameterized
from idx_files import write_idx, write_learnable_split, write_mnist_like_split
from image_folders import write_image_folder
from PIL import Image

import tfgan
from tfgan import classifier, networks

import errors  # bin/errors.py (on the path via conftest.py)
import run_flags  # bin/run_flags.py

TESTS = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(os.path.dirname(TESTS), "bin")
SCRIPT_CHECKS = os.path.join(TESTS, "script_checks.py")
RECIPE_FIELDS = [
    field.name for field in dataclasses.fields(tfgan.recipes.Recipe) if field.name != "description"
]
CIRCLE_FLAGS = [
    "--steps=20",
    "--steps_per_epoch=10",
    "--steps_per_execution=10",
    "--batch_size=32",
    "--hidden_units=8",
]
"""The shortest circle run with a checkpoint between epochs: 2 epochs of 10 steps, tiny MLPs."""
MNIST_FLAGS = ["--split=test[:64]", "--batch_size=16", "--steps_per_execution=2"]
"""Short MNIST runs: 4 steps an epoch of 64 digits of tfgan's copy of the test split."""
IMAGES_FLAGS = ["--batch_size=8", "--steps_per_execution=2"]
"""Short image folder runs: 24 images are 3 batches, 2 steps an epoch in whole calls of 2."""

_TENSORFLOW_LOG = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWEF]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "
    r"|To enable the following instructions: "
    r"|\s+\[\[\{\{node [^}]*\}\}\]\]$"
)
"""TensorFlow's native log lines, written to stderr as it loads, before any Python of ours runs,
and as an op fails (a warning, then the line naming its node: a corrupt image's decode)."""


def run_script(name, *args, timeout=300, env=None, cwd=None):
    """Runs bin/NAME with args; returns the CompletedProcess (stdout and stderr as text)."""
    return subprocess.run(
        [sys.executable, os.path.join(BIN, name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )


def error_lines(stderr):
    """The lines of stderr that the script wrote: all but TensorFlow's native log."""
    return [
        line for line in stderr.splitlines() if line.strip() and not _TENSORFLOW_LOG.match(line)
    ]


def assert_one_line_error(test, result, script, fragment, status=1):
    """The script failed (exit status `status`, or any but 0 if None) with one line on stderr that
    holds fragment, and no traceback."""
    if status is None:
        test.assertNotEqual(result.returncode, 0, result.stderr[-3000:])
    else:
        test.assertEqual(result.returncode, status, result.stderr[-3000:])
    lines = error_lines(result.stderr)
    test.assertLen(lines, 1, result.stderr[-3000:])
    test.assertStartsWith(lines[0], f"{script}: error: ")
    test.assertIn(fragment, lines[0])
    test.assertNotIn("Traceback", result.stderr + result.stdout)


def assert_succeeded(test, result):
    test.assertEqual(result.returncode, 0, result.stderr[-3000:])


def summary_tags(log_dir):
    tags = set()
    for name in os.listdir(log_dir):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, name)):
            tags.update(value.tag for value in event.summary.value)
    return tags


def _training_flags(*argv, recipe="mnist", mixed_precision="none", script_flags=False):
    """New FlagValues with the training scripts' recipe and execution flags, parsed from argv."""
    values = flags.FlagValues()
    if script_flags:  # as a script defines them itself
        flags.DEFINE_string("output_dir", None, "Where the run goes.", flag_values=values)
        flags.DEFINE_integer("seed", 0, "The run's seed.", flag_values=values)
    run_flags.define_recipe_flags(recipe, RECIPE_FIELDS, values)
    run_flags.define_execution_flags(mixed_precision, values)
    values(["prog", *argv])
    return values


def _recipe(*argv, recipe="circle"):
    """The resolved recipe of argv, and what run_flags wrote to stderr."""
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        resolved = run_flags.recipe(_training_flags(*argv, recipe=recipe))
    return resolved, stderr.getvalue()


def _save_generators(directory):
    """Small saved generators: {kind: path} for digits, conditional digits, points, conditional
    points and a diverged one (NaN weights)."""
    keras.utils.set_random_seed(0)
    made = {
        "digits": networks.dcgan_generator(latent_dim=8, width=4),
        "conditional": networks.dcgan_generator(latent_dim=8, width=4, num_classes=10),
        "points": networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(8,)),
        "conditional_points": networks.mlp_generator(2, 2, (8,), num_classes=2),
        "diverged": networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(4,)),
    }
    made["diverged"].set_weights([w * np.nan for w in made["diverged"].get_weights()])
    paths = {}
    for kind, generator in made.items():
        paths[kind] = os.path.join(directory, f"{kind}.keras")
        generator.save(paths[kind])
    return paths


def _cache_classifier(directory, split="test"):
    """A tiny untrained digit classifier cached for (mnist, split) in directory."""
    classifier.save(classifier.build(width=2), classifier.cache_path("mnist", split, directory))
    return directory


# The fast tier: in-process.


class RecipeFlagsTest(tf.test.TestCase, parameterized.TestCase):
    """bin/run_flags.py: --recipe, the recipe fields' flags and the execution flags."""

    def test_flags_given_override_the_fields_of_the_named_recipe(self):
        resolved, _ = _recipe("--recipe=circle_wgan_gp", "--hidden_units=8", "--steps=40")
        preset = tfgan.recipes.get("circle_wgan_gp")
        self.assertEqual(resolved, preset.replace(hidden_units=8, steps=40))

    def test_the_default_recipe_is_the_scripts_preset(self):
        self.assertEqual(_recipe(recipe="circle")[0], tfgan.recipes.get("circle"))
        self.assertEqual(_recipe(recipe="mnist")[0], tfgan.recipes.get("mnist"))

    @parameterized.parameters(
        ("--steps=-5", "--steps must be at least 1"),
        ("--batch_size=0", "--batch_size must be at least 1"),
        ("--steps_per_execution=0", "--steps_per_execution must be at least 1"),
        ("--learning_rate=0", "--learning_rate must be a positive number"),
        ("--learning_rate=inf", "--learning_rate must be a positive number"),
        ("--gradient_penalty=-1", "--gradient_penalty must be >= 0"),
        ("--r1_every=0", "--r1_every must be at least 1"),
        ("--beta_1=1", "--beta_1 must be in [0, 1)"),
        ("--ema_half_life=0", "--ema_half_life must be a positive number"),
        ("--ada_target=2", "--ada_target must be in [0, 1]"),
    )
    def test_a_value_the_recipe_cannot_take_fails_naming_its_flag(self, flag, message):
        with self.assertRaisesRegex(ValueError, re.escape(message)):
            _recipe(flag, recipe="mnist")

    @parameterized.parameters(
        ("--recipe=nope", "--recipe"),
        ("--loss=nope", "--loss"),
        ("--augment=ada", "--augment"),
        ("--schedule=linear", "--schedule"),
        ("--strategy=nope", "--strategy"),
        ("--mixed_precision=float8", "--mixed_precision"),
        ("--mixed_precision=fp16", "--mixed_precision"),
        ("--jit_compile=maybe", "--jit_compile"),
        ("--cluster_timeout=0", "--cluster_timeout"),
        ("--tpu=grpc://10.0.0.2:8470", "--tpu needs --strategy=tpu"),
    )
    def test_a_bad_choice_fails_when_the_flags_are_parsed(self, flag, fragment):
        with self.assertRaisesRegex(flags.IllegalFlagValueError, re.escape(fragment)):
            _training_flags(flag)

    def test_the_wgan_gp_recipe_builds_its_penalty_critic_steps_and_optimizers(self):
        resolved, stderr = _recipe("--recipe=circle_wgan_gp", "--hidden_units=8")
        self.assertEmpty(stderr)  # a constrained critic: no warning
        gan = resolved.build(steps_per_epoch=2)
        self.assertEqual(gan.d_steps, 5)
        (penalty,) = gan.regularizers
        self.assertIsInstance(penalty, tfgan.regularizers.GradientPenalty)
        self.assertEqual(penalty.weight, 10.0)
        g_adam, d_adam = gan.g_optimizer, gan.d_optimizer
        self.assertAllClose([d_adam.beta_1, d_adam.beta_2], [resolved.beta_1, 0.9])
        g_rate = g_adam._learning_rate.initial_learning_rate
        self.assertAllClose(d_adam._learning_rate.initial_learning_rate, 5.0 * g_rate)
        # D's schedule runs over its own updates: d_steps per generator step.
        self.assertEqual(d_adam._learning_rate.decay_steps, 5 * g_adam._learning_rate.decay_steps)

    def test_an_unconstrained_wasserstein_critic_warns_in_one_line_and_given_flags_win(self):
        resolved, stderr = _recipe("--loss=wasserstein", "--d_steps=2", "--hidden_units=8")
        self.assertLen(stderr.splitlines(), 1)
        self.assertIn("warning: the wasserstein critic is unconstrained", stderr)
        gan = resolved.build(steps_per_epoch=2)
        self.assertEqual(gan.d_steps, 2)
        self.assertEmpty(gan.regularizers)

    def test_spectral_norm_and_lazy_r1_flags_reach_the_gan(self):
        resolved, _ = _recipe(
            "--loss=hinge", "--spectral_norm", "--r1_gamma=5", "--r1_every=4", "--hidden_units=8"
        )
        gan = resolved.build(steps_per_epoch=2)
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

    def test_mixed_precision_flag_sets_the_networks_policy_which_saving_keeps(self):
        values = _training_flags("--mixed_precision=mixed_bfloat16", "--hidden_units=8")
        self.addCleanup(keras.mixed_precision.set_global_policy, "float32")
        strategy = run_flags.strategy(32, values)
        self.assertEqual(strategy.num_replicas_in_sync, 1)
        gan = run_flags.recipe(values).build(steps_per_epoch=2)
        keras.mixed_precision.set_global_policy("float32")  # loading must not depend on it
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        for model in (gan, loaded):
            hidden = model.generator.layers[1]
            self.assertEqual(hidden.dtype_policy.name, "mixed_bfloat16")
            self.assertEqual(hidden.compute_dtype, "bfloat16")
        self.assertTrue(np.all(np.isfinite(loaded.generate(10, seed=0))))

    def test_jit_compile_flag_gives_compiles_argument(self):
        for value, expected in (("auto", "auto"), ("true", True), ("false", False)):
            self.assertEqual(
                run_flags.jit_compile(_training_flags(f"--jit_compile={value}")), expected
            )

    def test_the_identity_holds_the_resolved_recipe_and_the_flags_that_change_the_run(self):
        values = _training_flags(
            "--recipe=circle_wgan_gp",
            "--steps=40",
            "--output_dir=/runs/x",
            "--seed=3",
            "--cluster_timeout=5",
            script_flags=True,
        )
        resolved = run_flags.recipe(values)
        identity = run_flags.identity(resolved, values, data="the data")
        self.assertEqual(identity["script"], "scripts_test.py")
        self.assertEqual(identity["data"], "the data")
        self.assertEqual(identity["flags"]["steps"], 40)
        self.assertEqual(identity["flags"]["d_steps"], 5)  # the recipe's, resolved
        self.assertEqual(identity["flags"]["seed"], 3)
        self.assertContainsSubset(resolved.to_dict(), identity["flags"])
        self.assertContainsSubset(["strategy", "mixed_precision", "jit_compile"], identity["flags"])
        for operational in run_flags.OPERATIONAL_FLAGS:
            self.assertNotIn(operational, identity["flags"])


class LibraryChecksTest(tf.test.TestCase):
    """The library's checks of what the scripts pass on from their flags and files."""

    def test_a_global_batch_the_replicas_do_not_divide_fails_naming_a_fix(self):
        strategy = distribute_test._mirrored()
        with self.assertRaisesRegex(ValueError, r"batch_size=31 is the global batch.*30 or 32"):
            tfgan.distribute.check_global_batch(31, strategy)
        tfgan.distribute.check_global_batch(32, strategy)

    def test_a_bad_radius_or_noise_of_the_circle_fails_naming_it(self):
        with self.assertRaisesRegex(ValueError, "radius must be positive"):
            tfgan.data.circle(32, radius=0.0)
        with self.assertRaisesRegex(ValueError, "noise_std must be non-negative"):
            tfgan.data.circle(32, noise_std=-1.0)

    def test_output_dirs_that_cannot_be_made_fail_with_one_line(self):
        a_file = os.path.join(self.get_temp_dir(), "a_file")
        with open(a_file, "w") as f:
            f.write("x")
        with self.assertRaisesRegex(tfgan.runs.RunError, "is not a directory"):
            with tfgan.runs.Run(a_file, {}):
                pass
        with self.assertRaises(NotADirectoryError) as raised:
            with tfgan.runs.Run(os.path.join(a_file, "run"), {}):
                pass
        self.assertStartsWith(errors.describe(raised.exception), "Not a directory")

    def test_a_diverging_run_stops_naming_its_epoch_and_is_not_finished(self):
        recipe = tfgan.recipes.get(
            "circle", learning_rate=1e30, hidden_units=8, batch_size=32, steps=20
        )
        output_dir = os.path.join(self.get_temp_dir(), "diverged")
        with self.assertRaisesRegex(tfgan.callbacks.DivergenceError, r"diverged.*epoch \d+"):
            tfgan.runs.train(
                recipe.build(10, seed=0),
                tfgan.data.circle(32, seed=0),
                output_dir,
                epochs=2,
                steps_per_epoch=10,
                verbose=0,
            )
        for name in ("run.json", "gan.keras"):
            self.assertFalse(os.path.exists(os.path.join(output_dir, name)), name)

    def test_files_that_are_not_working_generators_are_refused_naming_the_problem(self):
        directory = self.get_temp_dir()
        notes = io.BytesIO()
        with zipfile.ZipFile(notes, "w") as archive:
            archive.writestr("hello.txt", "not a model")
        contents = {
            "empty.keras": b"",
            "weights.h5": b"\x89HDF\r\n\x1a\n" + bytes(100),
            "notes.keras": notes.getvalue(),
        }
        for name, content in contents.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(content)
        judge = os.path.join(directory, "judge.keras")
        classifier.build(width=2).save(judge)
        for path, error, fragment in (
            ("/nonexistent/g.keras", FileNotFoundError, "/nonexistent/g.keras"),
            (os.path.join(directory, "empty.keras"), ValueError, "is not a Keras model file"),
            (os.path.join(directory, "weights.h5"), ValueError, "is not a Keras model file"),
            (os.path.join(directory, "notes.keras"), ValueError, "is not a Keras model file"),
            (judge, ValueError, "are not noise vectors"),
        ):
            with self.subTest(path=os.path.basename(path)):
                with self.assertRaisesRegex(error, re.escape(fragment)):
                    tfgan.sampling.load_generator(path)
        diverged = _save_generators(directory)["diverged"]
        generator, noise = tfgan.sampling.load_generator(diverged)
        with self.assertRaisesRegex(ValueError, "makes samples that are not finite"):
            tfgan.sampling.generate_finite(generator, 10, noise, seed=0, source=diverged)

    def test_sample_labels_are_the_classes_asked_for_or_fail_naming_the_bad_one(self):
        for spec, expected in (("7", [7] * 5), ("0,1,2", [0, 1, 2, 0, 1]), (None, [0, 1, 2, 3, 4])):
            labels = tfgan.sampling.labels_from_spec(spec, 5, 10)
            self.assertEqual(labels.tolist(), expected)
        for spec, classes, fragment in (
            ("12", 10, "label 12 is outside [0, 10)"),
            ("seven", 10, "'seven'"),
            ("1", None, "needs a conditional generator"),
        ):
            with self.subTest(spec=spec):
                with self.assertRaisesRegex(ValueError, re.escape(fragment)):
                    tfgan.sampling.labels_from_spec(spec, 5, classes)


class ErrorsTest(tf.test.TestCase, parameterized.TestCase):
    """bin/errors.py: what an error that reaches a script's top level says, in one line."""

    @parameterized.named_parameters(
        (
            "full_disk",
            OSError(errno.ENOSPC, "No space left", "/d/x"),
            "no space left on the device",
        ),
        (
            "os_error",
            NotADirectoryError(errno.ENOTDIR, "Not a directory", "/f/r"),
            "Not a directory",
        ),
        (
            "library_file_error",
            FileNotFoundError("no generator file 'g.keras'"),
            "no generator file",
        ),
        ("value_error", ValueError("--steps must be at least 1"), "--steps must be at least 1"),
        ("divergence", tfgan.callbacks.DivergenceError("training diverged"), "training diverged"),
        (
            "tensorflow",
            tf.errors.InvalidArgumentError(None, None, "bad shape\n\tat node"),
            "bad shape",
        ),
        ("internal", KeyError("x"), "KeyError: 'x' (an internal error: rerun with --debug"),
    )
    def test_describe_says_what_went_wrong_in_one_line(self, error, fragment):
        line = errors.error_line("bin/train_circle.py", errors.describe(error))
        self.assertStartsWith(line, "train_circle.py: error: ")
        self.assertIn(fragment, line)
        self.assertNotIn("\n", line)


# The fast tier: the checks that live in the scripts, and each script's exit contract.


class ScriptChecksTest(tf.test.TestCase):
    """The checks that live in the scripts (their flag validators, their mains): every script's
    bad command lines, each with a fragment of the error line it must end with (None: it gets
    through), all run in one process by tests/script_checks.py."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        directory = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, directory, ignore_errors=True)
        cls.directory = directory
        cls.cases = cls._cases(directory)
        result = subprocess.run(
            [
                sys.executable,
                SCRIPT_CHECKS,
                json.dumps({s: [a for a, _ in c] for s, c in cls.cases.items()}),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ, TFGAN_LOGICAL_CPUS="2"),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        cls.lines = json.loads(result.stdout.strip().splitlines()[-1])

    @staticmethod
    def _cases(directory):
        generators = _save_generators(directory)
        a_file = os.path.join(directory, "a_file")
        with open(a_file, "w") as f:
            f.write("x")
        truncated = os.path.join(directory, "truncated")
        write_mnist_like_split(truncated, num_images=8)
        write_idx(
            os.path.join(truncated, "train-images-idx3-ubyte.gz"),
            np.zeros((8, 28, 28)),
            truncate_by=100,
        )
        mnist_dir = f"--output_dir={directory}/mnist"
        circle_dir = f"--output_dir={directory}/circle"
        conditional = f"--generator={generators['conditional']}"
        digits = f"--generator={generators['digits']}"
        points = f"--generator={generators['points']}"
        npy, npz = (f"--output={directory}/refused.{ext}" for ext in ("npy", "npz"))
        grey = write_image_folder(
            os.path.join(directory, "grey"),
            classes=None,
            per_class=2,
            sizes=((32, 32),),
            modes=("L",),
        )  # 6 images, PNG and JPEG, no class folders
        corrupt = write_image_folder(
            os.path.join(directory, "corrupt"), per_class=1, sizes=((8, 8),), corrupt=True
        ).extras["corrupt"]
        os.makedirs(os.path.join(directory, "empty"))
        images_dir = f"--output_dir={directory}/images"
        on_grey = [images_dir, f"--images={grey.root}", "--batch_size=4"]
        return {
            "train_images.py": [
                ([images_dir, f"--images={directory}/missing"], "missing' does not exist"),
                ([images_dir, f"--images={directory}/empty"], "empty' holds no images"),
                ([images_dir, f"--images={os.path.dirname(os.path.dirname(corrupt))}"], corrupt),
                ([*on_grey, "--conditional"], "has no class subfolders"),
                ([*on_grey, "--eval_every=1"], "--eval_every scores digits"),
                ([*on_grey, "--image_size=a"], "--image_size must be one size"),
                ([*on_grey, "--image_size=1,2,3"], "--image_size must be one size"),
                ([*on_grey, "--image_size=30"], "image_shape (30, 30, 3) is not"),
                ([*on_grey, "--channels=3"], None),
            ],
            "train_mnist.py": [
                ([], "--output_dir"),
                ([mnist_dir, "--epochs=0"], "--epochs"),
                ([mnist_dir, "--eval_every=-1"], "--eval_every"),
                ([mnist_dir, "--dataset=cifar10"], "--dataset"),
                ([mnist_dir, "--learning_rate=0"], "--learning_rate must be a positive number"),
                ([mnist_dir, "--data_dir=/nonexistent"], "/nonexistent"),
                ([mnist_dir, f"--data_dir={truncated}", "--split=train"], "train-images-idx3"),
                ([mnist_dir, "--split=test[:8]", "--batch_size=16"], "not enough for a batch"),
                ([mnist_dir, *MNIST_FLAGS], None),
            ],
            "train_circle.py": [
                ([], "--output_dir"),
                ([circle_dir, "--steps=700"], "--steps must be a multiple of --steps_per_epoch"),
                ([circle_dir, "--steps_per_epoch=0"], "--steps_per_epoch"),
                ([circle_dir, "--gradient_penalty=-1"], "--gradient_penalty must be >= 0"),
                ([circle_dir, "--radius=0"], "radius must be positive"),
                ([circle_dir, "--noise_std=-1"], "noise_std must be non-negative"),
                (
                    [circle_dir, "--strategy=mirrored", "--batch_size=31"],
                    "batch_size=31 is the global batch",
                ),
                ([circle_dir, *CIRCLE_FLAGS], None),
            ],
            "sample.py": [
                ([npy], "--generator"),
                ([points], "Give --output=FILE.npy, --png=FILE.png or both"),
                ([points, f"--output={directory}/x.txt"], "--output must end in .npy"),
                ([points, f"--png={directory}/x.jpg"], "--png must end in .png"),
                ([points, "--num=0", npy], "--num"),
                ([conditional, npy], ".npz"),
                ([points, npz], "an unconditional generator"),
                ([points, f"--png={directory}/refused.png"], "--png needs an image generator"),
                ([points, f"--output={a_file}/samples.npy"], "File exists"),
                ([conditional, "--labels=12", npz], "label 12 is outside [0, 10)"),
                ([conditional, "--labels=seven", npz], "seven"),
                ([digits, "--labels=1", npy], "needs a conditional generator"),
                ([f"--generator={generators['diverged']}", npy], "not finite"),
                ([digits, "--num=4", f"--png={directory}/alone.png"], None),
                ([points, "--num=3", f"--output={directory}/alone.npy"], None),
            ],
            "evaluate.py": [
                (["--dataset=circle"], "--generator"),
                ([points], "--dataset=mnist needs (28, 28, 1)"),
                ([points, "--dataset=circle", "--metrics=fid"], "--metrics"),
                ([points, "--dataset=circle", f"--output={directory}/x.txt"], ".json"),
                ([points, "--dataset=circle", "--radius=0"], "--radius must be positive"),
                (
                    [f"--generator={generators['conditional_points']}", "--dataset=circle"],
                    "the circle has no classes",
                ),
                ([digits, "--data_dir=/nonexistent"], "/nonexistent"),
                ([digits, "--split=test[:4]"], "too few real images"),
            ],
            "benchmark.py": [
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
                (["--objectives=nope"], "--objectives"),
            ],
        }

    def _assert_checks(self, script):
        lines = self.lines[script]
        self.assertIsInstance(lines, list, lines)  # else: why the script does not load
        for (args, fragment), line in zip(self.cases[script], lines, strict=True):
            with self.subTest(args=args):
                if fragment is None:
                    self.assertIsNone(line)
                else:
                    self.assertIsNotNone(line, f"{script} {args} got through its checks")
                    self.assertStartsWith(line, f"{script}: error: ")
                    self.assertIn(fragment, line)

    def test_train_images(self):
        self._assert_checks("train_images.py")

    def test_train_mnist(self):
        self._assert_checks("train_mnist.py")

    def test_train_circle(self):
        self._assert_checks("train_circle.py")

    def test_sample_and_what_it_writes(self):
        self._assert_checks("sample.py")
        for ext in ("npy", "npz", "png"):
            self.assertFalse(os.path.exists(f"{self.directory}/refused.{ext}"))
        self.assertEqual(np.load(f"{self.directory}/alone.npy").shape, (3, 2))
        self.assertTrue(os.path.isfile(f"{self.directory}/alone.png"))

    def test_evaluate(self):
        self._assert_checks("evaluate.py")

    def test_benchmark(self):
        self._assert_checks("benchmark.py")


class ExitContractTest(tf.test.TestCase):
    """One real run of each script: a bad flag ends it with status 1 and one line naming it."""

    def test_train_mnist(self):
        result = run_script(
            "train_mnist.py", f"--output_dir={self.get_temp_dir()}/x", "--learning_rate=inf"
        )
        assert_one_line_error(self, result, "train_mnist.py", "--learning_rate must be a finite")

    def test_train_images(self):
        output_dir = os.path.join(self.get_temp_dir(), "x")
        result = run_script(
            "train_images.py", f"--output_dir={output_dir}", "--images=x", "--image_size=1,2,3"
        )
        assert_one_line_error(self, result, "train_images.py", "--image_size must be one size")
        self.assertFalse(os.path.exists(output_dir))

    def test_train_circle(self):
        result = run_script(
            "train_circle.py", f"--output_dir={self.get_temp_dir()}/x", "--learning_rate=0"
        )
        assert_one_line_error(
            self, result, "train_circle.py", "--learning_rate must be a positive number"
        )

    def test_sample(self):
        output = os.path.join(self.get_temp_dir(), "x.npy")
        result = run_script("sample.py", "--generator=/nonexistent/g.keras", f"--output={output}")
        assert_one_line_error(self, result, "sample.py", "/nonexistent/g.keras")
        self.assertFalse(os.path.exists(output))

    def test_evaluate(self):
        diverged = _save_generators(self.get_temp_dir())["diverged"]
        result = run_script(
            "evaluate.py", f"--generator={diverged}", "--dataset=circle", "--num_samples=100"
        )
        assert_one_line_error(self, result, "evaluate.py", "makes samples that are not finite")

    def test_train_classifier(self):
        result = run_script("train_classifier.py", "--data_dir=/nonexistent")
        assert_one_line_error(self, result, "train_classifier.py", "/nonexistent")

    def test_benchmark(self):
        result = run_script("benchmark.py", "--models=circle,resnet")
        assert_one_line_error(self, result, "benchmark.py", "--models")


# The slow tier: the scripts end to end.


@pytest.mark.slow
class TrainCircleRunTest(tf.test.TestCase):
    """A short circle run into ~/circle, then sample, evaluate and reruns of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, cls.home, ignore_errors=True)
        cls.env = dict(os.environ, HOME=cls.home)
        cls.output_dir = os.path.join(cls.home, "circle")
        cls.result = cls._train()

    @classmethod
    def _train(cls, *flags, script="train_circle.py"):
        return run_script(script, "--output_dir=~/circle", *CIRCLE_FLAGS, *flags, env=cls.env)

    def test_a_short_run_into_a_tilde_path_writes_every_output_and_its_record(self):
        assert_succeeded(self, self.result)
        for name in ("generator.keras", "gan.keras", "circle.png", "run.json"):
            self.assertTrue(os.path.isfile(os.path.join(self.output_dir, name)), name)
        record = tfgan.runs.read_json(os.path.join(self.output_dir, "run.json"))
        self.assertEqual(record["script"], "train_circle.py")
        self.assertEqual(record["steps"], 20)
        self.assertEqual(record["flags"]["batch_size"], 32)
        self.assertEqual(record["flags"]["loss"], "non_saturating")  # the recipe's, resolved
        self.assertCountEqual(record["files"], ["gan.keras", "generator.keras", "circle.png"])
        logs = os.path.join(self.output_dir, "logs", "train")
        self.assertTrue(any(f.startswith("events.out.tfevents") for f in os.listdir(logs)))
        self.assertFalse(os.path.exists(os.path.join(self.output_dir, "backup")))

    def test_sample_writes_points_of_the_trained_generator(self):
        output = os.path.join(self.get_temp_dir(), "points.npy")
        generator = os.path.join(self.output_dir, "generator.keras")
        assert_succeeded(
            self,
            run_script("sample.py", f"--generator={generator}", "--num=500", f"--output={output}"),
        )
        samples = np.load(output)
        self.assertEqual(samples.shape, (500, 2))
        self.assertTrue(np.all(np.isfinite(samples)))

    def test_evaluate_scores_the_points_against_the_true_circle(self):
        output = os.path.join(self.get_temp_dir(), "figures.json")
        result = run_script(
            "evaluate.py",
            f"--generator={os.path.join(self.output_dir, 'gan.keras')}",
            "--dataset=circle",
            "--num_samples=500",
            f"--output={output}",
        )
        assert_succeeded(self, result)
        rows = tfgan.runs.read_json(output)["metrics"]
        self.assertCountEqual(rows["real"], ["radius_error", "angle_ks", "arc_coverage", "swd"])
        self.assertNear(rows["real"]["radius_error"], 0.0, 1e-6)
        self.assertGreater(rows["generator"]["radius_error"], 0.05)  # 20 steps: far from it yet

    def test_the_same_command_again_trains_nothing(self):
        record = tfgan.runs.read_json(os.path.join(self.output_dir, "run.json"))
        rerun = self._train()
        assert_succeeded(self, rerun)
        self.assertIn("already holds a finished run", rerun.stdout)
        self.assertEqual(tfgan.runs.read_json(os.path.join(self.output_dir, "run.json")), record)

    def test_other_settings_are_refused_naming_what_differs(self):
        result = self._train("--batch_size=64")
        assert_one_line_error(self, result, "train_circle.py", "--batch_size=32 (now 64)")

    def test_another_script_into_the_run_is_refused_naming_both(self):
        result = run_script(
            "train_mnist.py", f"--output_dir={self.output_dir}", *MNIST_FLAGS, env=self.env
        )
        assert_one_line_error(
            self, result, "train_mnist.py", "holds a run of train_circle.py, not of train_mnist.py"
        )


@pytest.mark.slow
class ReadmeCommandTest(tf.test.TestCase):
    """The README's main command, shortened, from a directory with no data beside it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, root, ignore_errors=True)
        cls.workdir = os.path.join(root, "work")
        os.makedirs(cls.workdir)
        cls.output_dir = os.path.join(cls.workdir, "runs", "mnist")
        cls.result = run_script(
            "train_mnist.py", "--output_dir=runs/mnist", "--steps=20", cwd=cls.workdir
        )
        cls.cache = _cache_classifier(os.path.join(root, "cache"))

    def test_reads_tfgans_copy_of_the_mnist_test_split_and_records_it(self):
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "..", "shared")))
        assert_succeeded(self, self.result)
        first_lines = self.result.stdout.splitlines()[:3]
        self.assertTrue(
            any(line.startswith("Data: mnist test from tfgan's copy") for line in first_lines),
            first_lines,
        )
        record = tfgan.runs.read_json(os.path.join(self.output_dir, "run.json"))
        self.assertEqual(record["data"], tfgan.data.describe_source("mnist", "test"))
        self.assertEqual(record["script"], "train_mnist.py")
        self.assertEqual(record["flags"]["steps"], 20)

    def test_writes_every_output(self):
        assert_succeeded(self, self.result)
        for name in ("generator.keras", "gan.keras", "samples.png", "images/epoch_001.png"):
            self.assertTrue(os.path.isfile(os.path.join(self.output_dir, name)), name)
        for logs in ("logs/train", "logs/samples"):
            files = os.listdir(os.path.join(self.output_dir, logs))
            self.assertTrue(any(f.startswith("events.out.tfevents") for f in files), logs)

    def test_sample_writes_its_digits_and_their_grid(self):
        npy = os.path.join(self.get_temp_dir(), "digits.npy")
        png = os.path.join(self.get_temp_dir(), "digits.png")
        generator = f"--generator={self.output_dir}/generator.keras"
        result = run_script("sample.py", generator, "--num=12", f"--output={npy}", f"--png={png}")
        assert_succeeded(self, result)
        samples = np.load(npy)
        self.assertEqual(samples.shape, (12, 28, 28, 1))
        self.assertAllInRange(samples, -1.0, 1.0)
        self.assertEqual(Image.open(png).size, (4 * 28 * 2, 3 * 28 * 2))  # 4x3 grid, scale 2

    def _evaluate(self, *flags):
        output = os.path.join(self.get_temp_dir(), "figures.json")
        result = run_script(
            "evaluate.py",
            f"--generator={self.output_dir}/generator.keras",
            f"--classifier_dir={self.cache}",
            f"--output={output}",
            *flags,
        )
        assert_succeeded(self, result)
        return result, tfgan.runs.read_json(output)

    def test_evaluate_writes_the_generators_and_the_real_rows_to_json_and_a_table(self):
        result, report = self._evaluate(
            "--split=test[:40]",
            "--num_samples=30",
            "--metrics=fid,kid,score,prdc,parzen",
            "--parzen_validation_split=test[40:50]",
        )
        keys = ["fid", "kid", "kid_std", "score", "confident", "rarest_class", "precision"]
        keys += ["recall", "density", "coverage", "parzen", "parzen_std_error", "parzen_sigma"]
        self.assertCountEqual(report["metrics"]["generator"], keys)
        self.assertCountEqual(report["metrics"]["real"], keys)
        # 40 test images: 20 of them stand in for samples, compared to the other 20.
        self.assertIn("20 random images of 'test[:40]'", report["reference"])
        self.assertIn("other 20", report["reference"])
        self.assertEqual(report["num_samples"], 30)
        self.assertIn("real vs real", result.stdout)
        for key in keys:
            self.assertRegex(result.stdout, rf"\n{key} +[-\d.e+]+ +[-\d.e+]+")

    def test_evaluate_takes_the_reference_from_another_split_when_asked(self):
        _, report = self._evaluate(
            "--split=test[:40]", "--num_samples=12", "--metrics=fid", "--reference_split=test[40:]"
        )
        self.assertIn("12 images of 'test[40:]'", report["reference"])
        self.assertIn("40 images of 'test[:40]'", report["reference"])


@pytest.mark.slow
class TrainMnistRunTest(tf.test.TestCase):
    """Short MNIST runs: killed and resumed; conditional, averaged and augmented; evaluated."""

    def _flags(self, output_dir, *more):
        return [f"--output_dir={output_dir}", *MNIST_FLAGS, *more]

    def test_a_killed_run_resumes_from_its_last_completed_epoch_and_ends_bit_identical(self):
        epochs, steps_per_epoch = 8, 4
        length = f"--steps={epochs * steps_per_epoch}"
        output_dir = os.path.join(self.get_temp_dir(), "killed")
        command = [sys.executable, os.path.join(BIN, "train_mnist.py")]
        process = subprocess.Popen(
            [*command, *self._flags(output_dir, length)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(process.kill)
        first_checkpoint = os.path.join(output_dir, "backup", "epoch_0001.json")
        deadline = time.time() + 120
        while (
            not os.path.exists(first_checkpoint)
            and process.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)  # in epoch 2
        process.wait()
        self.assertFalse(os.path.exists(os.path.join(output_dir, "run.json")))

        result = run_script("train_mnist.py", *self._flags(output_dir, length))
        assert_succeeded(self, result)
        resumed = re.search(r"Resuming from the checkpoint after epoch (\d+)", result.stdout)
        self.assertIsNotNone(resumed, result.stdout[-3000:])
        completed = int(resumed.group(1))
        self.assertBetween(completed, 1, epochs - 1)
        self.assertEqual(int(re.search(r"Epoch (\d+)/", result.stdout).group(1)), completed + 1)
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertEqual(int(gan.g_optimizer.iterations), epochs * steps_per_epoch)
        self.assertEqual(int(gan.d_optimizer.iterations), epochs * steps_per_epoch)

        uninterrupted_dir = os.path.join(self.get_temp_dir(), "uninterrupted")
        assert_succeeded(
            self, run_script("train_mnist.py", *self._flags(uninterrupted_dir, length))
        )
        for name in ("gan.keras", "generator.keras"):
            want = keras.models.load_model(os.path.join(uninterrupted_dir, name)).get_weights()
            got = keras.models.load_model(os.path.join(output_dir, name)).get_weights()
            for want_weight, got_weight in zip(want, got):
                self.assertAllEqual(want_weight, got_weight)

    def test_a_conditional_averaged_augmented_run_and_its_samples_and_figures(self):
        output_dir = os.path.join(self.get_temp_dir(), "conditional")
        result = run_script(
            "train_mnist.py",
            *self._flags(output_dir, "--epochs=1"),
            "--recipe=mnist_conditional",
            "--conditioning=concat",
            "--ema",
            "--augment=adaptive",
            "--ada_target=0.5",
        )
        assert_succeeded(self, result)
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertEqual(gan.num_classes, 10)
        self.assertLen(gan.discriminator.inputs, 2)
        self.assertTrue(os.path.isfile(os.path.join(output_dir, "samples.png")))
        self.assertIsInstance(gan.augment, tfgan.augment.AdaptiveAugment)
        self.assertEqual(gan.augment.target, 0.5)
        self.assertGreater(float(gan.augment.updates), 0.0)
        for name, network in (
            ("generator.keras", gan.averaged_generator),
            ("trained_generator.keras", gan.generator),
        ):
            saved = keras.models.load_model(os.path.join(output_dir, name))
            for want, got in zip(network.get_weights(), saved.get_weights()):
                self.assertAllEqual(want, got)

        generator = f"--generator={output_dir}/generator.keras"
        npz = os.path.join(self.get_temp_dir(), "samples.npz")
        assert_succeeded(
            self, run_script("sample.py", generator, "--num=5", "--labels=0,1,2", f"--output={npz}")
        )
        with np.load(npz) as written:
            self.assertEqual(written["labels"].tolist(), [0, 1, 2, 0, 1])
            self.assertEqual(written["images"].shape, (5, 28, 28, 1))

        figures = os.path.join(self.get_temp_dir(), "figures.json")
        cache = _cache_classifier(os.path.join(self.get_temp_dir(), "cache"))
        result = run_script(
            "evaluate.py",
            generator,
            "--split=test[:400]",
            f"--classifier_dir={cache}",
            "--num_samples=100",
            "--metrics=fid",
            f"--output={figures}",
        )
        assert_succeeded(self, result)
        rows = tfgan.runs.read_json(figures)["metrics"]
        for row in ("generator", "real"):
            self.assertCountEqual(rows[row], ["fid", "label_accuracy", "intra_fid"])
            self.assertBetween(rows[row]["label_accuracy"], 0.0, 1.0)
            self.assertGreater(rows[row]["intra_fid"], 0.0)

    def test_eval_every_puts_figures_in_the_progress_bar_and_tensorboard(self):
        output_dir = os.path.join(self.get_temp_dir(), "evaluated")
        cache = _cache_classifier(os.path.join(self.get_temp_dir(), "cache"))
        result = run_script(
            "train_mnist.py",
            *self._flags(output_dir, "--epochs=2", "--eval_every=2"),
            f"--classifier_dir={cache}",
        )
        assert_succeeded(self, result)
        self.assertEqual(result.stdout.count("eval_fid"), 1, result.stdout[-3000:])  # epoch 2 only
        self.assertIn("eval_confident", result.stdout)
        self.assertIn("epoch_eval_fid", summary_tags(os.path.join(output_dir, "logs", "train")))


@pytest.mark.slow
class TrainImagesRunTest(tf.test.TestCase):
    """Short runs on folders of synthetic shapes: 32x32 RGB in 3 class folders (PNG and JPEG, a
    hidden file and folder, a stray .txt), trained, sampled, conditional, killed and resumed, and
    broken by a truncated image; a 48x48 grey folder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        cls.folder = write_image_folder(
            os.path.join(cls.root, "shapes"),
            per_class=8,
            sizes=((32, 32),),
            modes=("RGB",),
            formats=("png", "jpg"),
            text=True,
            hidden=True,
        )
        cls.output_dir = os.path.join(cls.root, "runs", "shapes")
        cls.result = cls._train(cls.output_dir, "--steps=12")  # 6 epochs of 2 steps

    @classmethod
    def _train(cls, output_dir, *flags, images=None):
        return run_script(
            "train_images.py",
            f"--images={images or cls.folder.root}",
            f"--output_dir={output_dir}",
            *IMAGES_FLAGS,
            *flags,
        )

    def test_reports_the_folder_first_and_writes_every_output_and_its_record(self):
        assert_succeeded(self, self.result)
        first_lines = self.result.stdout.splitlines()[:8]
        root = self.folder.root
        self.assertIn(
            f"Data: the image folder {root}: 24 images in 3 classes, made 32x32x3", first_lines
        )
        self.assertIn("classes: circle 8, square 8, triangle 8", first_lines)
        self.assertIn("left out: hidden (.name) 2, not an image (.txt) 1", first_lines)
        for name in ("generator.keras", "gan.keras", "samples.png", "images/epoch_006.png"):
            self.assertTrue(os.path.isfile(os.path.join(self.output_dir, name)), name)
        self.assertFalse(os.path.exists(os.path.join(self.output_dir, "backup")))
        record = tfgan.runs.read_json(os.path.join(self.output_dir, "run.json"))
        self.assertEqual(record["script"], "train_images.py")
        self.assertEqual(record["data"], f"the image folder {root}")
        self.assertEqual(record["steps"], 12)
        self.assertEqual(record["flags"]["images"], root)
        self.assertCountEqual(record["files"], ["gan.keras", "generator.keras", "samples.png"])

    def test_sample_writes_images_of_the_folders_shape_and_their_grid(self):
        npy = os.path.join(self.get_temp_dir(), "shapes.npy")
        png = os.path.join(self.get_temp_dir(), "shapes.png")
        generator = f"--generator={self.output_dir}/generator.keras"
        result = run_script("sample.py", generator, "--num=12", f"--output={npy}", f"--png={png}")
        assert_succeeded(self, result)
        samples = np.load(npy)
        self.assertEqual(samples.shape, (12, 32, 32, 3))
        self.assertAllInRange(samples, -1.0, 1.0)
        with Image.open(png) as grid:
            self.assertEqual((grid.size, grid.mode), ((4 * 32 * 2, 3 * 32 * 2), "RGB"))

    def test_a_conditional_run_learns_the_class_folders_and_samples_balanced_labels(self):
        output_dir = os.path.join(self.get_temp_dir(), "conditional")
        assert_succeeded(self, self._train(output_dir, "--conditional", "--epochs=1"))
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertEqual(gan.num_classes, 3)
        npz = os.path.join(self.get_temp_dir(), "by_class.npz")
        result = run_script(
            "sample.py",
            f"--generator={output_dir}/generator.keras",
            "--num=6",
            "--labels=balanced",
            f"--output={npz}",
        )
        assert_succeeded(self, result)
        with np.load(npz) as written:
            self.assertEqual(written["labels"].tolist(), [0, 1, 2, 0, 1, 2])
            self.assertEqual(written["images"].shape, (6, 32, 32, 3))

    def test_a_grey_folder_of_48x48_images_trains_at_its_size(self):
        grey = write_image_folder(
            os.path.join(self.get_temp_dir(), "grey"),
            classes=None,
            per_class=6,
            sizes=((48, 48),),
            modes=("L",),
        )
        output_dir = os.path.join(self.get_temp_dir(), "grey_run")
        result = self._train(output_dir, "--epochs=1", images=grey.root)
        assert_succeeded(self, result)
        self.assertIn(
            f"Data: the image folder {grey.root}: 18 images, made 48x48x1",
            result.stdout.splitlines()[:4],
        )
        generator = keras.models.load_model(os.path.join(output_dir, "generator.keras"))
        self.assertEqual(tuple(generator.output_shape[1:]), (48, 48, 1))

    def test_a_killed_run_resumes_from_its_last_completed_epoch_and_ends_bit_identical(self):
        epochs, steps_per_epoch = 6, 2  # as the class's run, the uninterrupted one
        output_dir = os.path.join(self.get_temp_dir(), "killed")
        process = subprocess.Popen(
            [
                sys.executable,
                os.path.join(BIN, "train_images.py"),
                f"--images={self.folder.root}",
                f"--output_dir={output_dir}",
                *IMAGES_FLAGS,
                "--steps=12",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(process.kill)
        first_checkpoint = os.path.join(output_dir, "backup", "epoch_0001.json")
        deadline = time.time() + 120
        while (
            not os.path.exists(first_checkpoint)
            and process.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)  # in epoch 2
        process.wait()
        self.assertFalse(os.path.exists(os.path.join(output_dir, "run.json")))

        result = self._train(output_dir, "--steps=12")
        assert_succeeded(self, result)
        resumed = re.search(r"Resuming from the checkpoint after epoch (\d+)", result.stdout)
        self.assertIsNotNone(resumed, result.stdout[-3000:])
        completed = int(resumed.group(1))
        self.assertBetween(completed, 1, epochs - 1)
        self.assertEqual(int(re.search(r"Epoch (\d+)/", result.stdout).group(1)), completed + 1)
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertEqual(int(gan.g_optimizer.iterations), epochs * steps_per_epoch)
        assert_succeeded(self, self.result)
        for name in ("gan.keras", "generator.keras"):
            want = keras.models.load_model(os.path.join(self.output_dir, name)).get_weights()
            got = keras.models.load_model(os.path.join(output_dir, name)).get_weights()
            self.assertEqual(len(want), len(got))
            for want_weight, got_weight in zip(want, got):
                self.assertAllEqual(want_weight, got_weight)

    def test_a_truncated_image_fails_naming_it_and_once_removed_the_rerun_trains(self):
        folder = os.path.join(self.get_temp_dir(), "broken")
        shutil.copytree(self.folder.root, folder)
        truncated = os.path.join(folder, "square", "zz_truncated.png")
        with open(os.path.join(folder, "square", "00.png"), "rb") as f:
            content = f.read()
        with open(truncated, "wb") as f:
            f.write(content[: len(content) // 2])  # its header is whole: decoding fails
        output_dir = os.path.join(self.get_temp_dir(), "broken_run")
        result = self._train(output_dir, "--epochs=1", images=folder)
        assert_one_line_error(
            self, result, "train_images.py", f"image file {truncated!r} is truncated"
        )
        for name in ("run.json", "generator.keras"):
            self.assertFalse(os.path.exists(os.path.join(output_dir, name)), name)

        os.remove(truncated)
        assert_succeeded(self, self._train(output_dir, "--epochs=1", images=folder))
        self.assertTrue(os.path.isfile(os.path.join(output_dir, "run.json")))


@pytest.mark.slow
class RunSafetyTest(tf.test.TestCase):
    """What a machine can do to a run, or a user with several processes: one line each."""

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
        lock = os.path.join(output_dir, tfgan.runs.LOCK)
        deadline = time.time() + 120
        while time.time() < deadline and not (os.path.exists(lock) and open(lock).read()):
            time.sleep(0.05)
        second = run_script("train_circle.py", *flags)
        assert_one_line_error(
            self, second, "train_circle.py", f"another process (pid {first.pid}) is training into"
        )
        self.assertIsNone(first.poll())  # still training, unharmed

    def test_a_mirrored_run_on_two_logical_cpus_finishes(self):
        output_dir = os.path.join(self.get_temp_dir(), "mirrored")
        result = run_script(
            "train_circle.py",
            f"--output_dir={output_dir}",
            "--strategy=mirrored",
            *CIRCLE_FLAGS,
            env=dict(os.environ, TFGAN_LOGICAL_CPUS="2"),
        )
        assert_succeeded(self, result)
        record = tfgan.runs.read_json(os.path.join(output_dir, "run.json"))
        self.assertEqual((record["flags"]["strategy"], record["steps"]), ("mirrored", 20))
        gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
        self.assertTrue(np.all(np.isfinite(gan.generate(10, seed=0))))

    def test_a_cluster_whose_other_worker_never_comes_fails_after_the_timeout(self):
        cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}),
        )
        result = run_script(
            "train_circle.py",
            f"--output_dir={self.get_temp_dir()}/alone",
            "--strategy=multi_worker",
            "--cluster_timeout=3",
            *CIRCLE_FLAGS,
            env=env,
        )
        # The watchdog ends the process (TensorFlow's wait can't be interrupted) after its line.
        assert_one_line_error(
            self, result, "train_circle.py", "did not form within 3 s", status=None
        )
        self.assertIn("Waiting for the 2 tasks", result.stdout)

    def test_without_a_tpu_the_tpu_strategy_fails_naming_it(self):
        with self.assertRaisesRegex(ValueError, "the tpu strategy found no TPU"):
            tfgan.distribute.make_strategy("tpu")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
class TrainClassifierRunTest(tf.test.TestCase):
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
        assert_succeeded(self, result)
        accuracy = re.search(r"([\d.]+)% accuracy on 'test' \(100 images\)", result.stdout)
        self.assertIsNotNone(accuracy, result.stdout[-3000:])
        self.assertGreaterEqual(float(accuracy.group(1)), 90.0)
        self.assertTrue(os.path.isfile(classifier.cache_path("mnist", "train", cache)))


@pytest.mark.slow
class BenchmarkRunTest(tf.test.TestCase):
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
        assert_succeeded(self, result)
        self.assertIn("Dense matmul peak: float32", result.stdout)
        table = result.stdout[result.stdout.index("model  ") :].splitlines()
        self.assertIn("fit/plain", table[0])
        report = tfgan.runs.read_json(output)
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
        assert_succeeded(self, result)
        self.assertIn("torch not installed", result.stdout)
        (record,) = tfgan.runs.read_json(output)["results"]
        self.assertEqual(record["torch"], "torch not installed")
        self.assertNotIn("torch_examples_per_s", record)

    def test_quality_reports_seconds_to_each_target_and_draws_the_curves(self):
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(data_dir, num_images=48)
        cache = _cache_classifier(os.path.join(self.get_temp_dir(), "cache"))
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
        assert_succeeded(self, result)
        runs = tfgan.runs.read_json(output)["runs"]
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


if __name__ == "__main__":
    tf.test.main()
