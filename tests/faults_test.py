"""Fault injection: a short circle run killed at chosen instants (and at a full disk), then rerun.

Every rerun of the same command must end with a finished run whose models load and equal those of
an uninterrupted run. The kills come from tests/faults.py (SIGKILL at the N-th atomic write of a
process, or just after the checkpoints are removed), from a kill -9 in the middle of an epoch, and,
for a program that calls `tfgan.runs.train` itself, from kill -9 at random (seeded) instants.
All of it is the slow tier (`--run_slow`, tests/conftest.py).
"""

import os
import random
import signal
import subprocess
import sys
import time

import keras
import pytest
import tensorflow as tf

import tfgan

pytestmark = pytest.mark.slow

TESTS = os.path.dirname(os.path.abspath(__file__))
FAULTS = os.path.join(TESTS, "faults.py")
FLAGS = [
    "--steps=30",
    "--steps_per_epoch=10",
    "--steps_per_execution=1",
    "--batch_size=32",
    "--hidden_units=8",
]


def run(output_dir, fault="none", timeout=300, flags=FLAGS):
    """Runs train_circle.py through tests/faults.py; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, FAULTS, "train_circle.py", fault, f"--output_dir={output_dir}", *flags],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def killed(result):
    return result.returncode == -signal.SIGKILL


def weights(output_dir):
    gan = keras.models.load_model(os.path.join(output_dir, "gan.keras"))
    generator = keras.models.load_model(os.path.join(output_dir, "generator.keras"))
    return gan.get_weights() + generator.get_weights() + [gan.seed_generator.state.numpy()]


class KilledRunTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = os.path.join(tf.compat.v1.test.get_temp_dir(), "reference")
        result = run(cls.reference)
        assert result.returncode == 0, result.stderr[-3000:]
        cls.reference_weights = weights(cls.reference)

    def _assert_finished_like_the_reference(self, output_dir):
        for want, got in zip(self.reference_weights, weights(output_dir)):
            self.assertAllEqual(want, got)
        self.assertCountEqual(
            os.listdir(output_dir),
            ["gan.keras", "generator.keras", "circle.png", "logs", "run.json", ".lock"],
        )
        record = tfgan.runs.read_json(os.path.join(output_dir, "run.json"))
        self.assertEqual(record["steps"], 30)
        identity = {"script": record["script"], "flags": record["flags"]}
        with tfgan.runs.Run(output_dir, identity, writer=False) as finished:
            self.assertTrue(finished.finished)  # every file matches its checksum

    def test_kills_during_and_after_writes_then_reruns_end_as_an_uninterrupted_run(self):
        output_dir = os.path.join(self.get_temp_dir(), "chain")
        # A process counts its atomic writes from 1: the identity file with the first checkpoint
        # of a run, then each epoch's weights and record, then gan.keras, generator.keras,
        # circle.png (twice: the picture is written atomically itself) and run.json.
        steps = [
            ("before-rename:2", "while writing the first checkpoint's weights", None),
            ("after-rename:1", "the first checkpoint's weights in place, not its record", None),
            ("after-rename:4", "just after epoch 2's checkpoint", None),
            ("before-rename:3", "while writing gan.keras in the final save", "after epoch 2"),
            ("after-rename:5", "after run.json, before the backup's removal", "after epoch 3"),
        ]
        for fault, instant, resumed in steps:
            with self.subTest(fault=fault, instant=instant):
                result = run(output_dir, fault)
                self.assertTrue(killed(result), f"{fault}: {result.stderr[-2000:]}")
                if resumed:
                    self.assertIn(f"Resuming from the checkpoint {resumed}", result.stdout)
                else:
                    self.assertNotIn("Resuming", result.stdout)
        result = run(output_dir)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("already holds a finished run", result.stdout)
        self._assert_finished_like_the_reference(output_dir)

    def test_a_kill_in_the_middle_of_an_epoch_and_after_the_backup_is_removed(self):
        output_dir = os.path.join(self.get_temp_dir(), "timed")
        process = subprocess.Popen(
            [
                sys.executable,
                FAULTS,
                "train_circle.py",
                "none",
                f"--output_dir={output_dir}",
                *FLAGS,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first = os.path.join(output_dir, "backup", "epoch_0001.json")
        deadline = time.time() + 120
        while not os.path.exists(first) and process.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # in epoch 2, or while checkpointing it
        process.wait()
        self.assertFalse(os.path.exists(os.path.join(output_dir, "run.json")))

        result = run(output_dir, "after-backup-removed")
        self.assertTrue(killed(result), result.stderr[-3000:])
        self.assertIn("Resuming from the checkpoint after epoch", result.stdout)
        result = run(output_dir)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("already holds a finished run", result.stdout)
        self._assert_finished_like_the_reference(output_dir)

    def test_damaged_checkpoints_are_passed_over_with_one_line(self):
        output_dir = os.path.join(self.get_temp_dir(), "damaged")
        result = run(output_dir, "after-rename:5")  # epochs 1 and 2 checkpointed
        self.assertTrue(killed(result))
        backup = os.path.join(output_dir, "backup")
        with open(os.path.join(backup, "epoch_0002.weights.h5"), "r+b") as f:
            f.truncate(100)
        result = run(output_dir)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("Passing over a damaged checkpoint: the checkpoint of epoch 2", result.stdout)
        self.assertIn("Resuming from the checkpoint after epoch 1", result.stdout)
        self._assert_finished_like_the_reference(output_dir)


LIBRARY_RUN = """
import sys

import tfgan

recipe = tfgan.recipes.get(
    "circle", hidden_units=8, batch_size=32, steps=40, steps_per_execution=1
)
STEPS_PER_EPOCH = 10


def points_from(epoch):
    return tfgan.data.circle(recipe.batch_size, seed=0, start_batch=epoch * STEPS_PER_EPOCH)


tfgan.runs.train(
    recipe.build(STEPS_PER_EPOCH, seed=0),
    points_from,
    sys.argv[1],
    epochs=recipe.epochs(STEPS_PER_EPOCH),
    steps_per_epoch=STEPS_PER_EPOCH,
    identity={"recipe": recipe.to_dict(), "seed": 0},
    verbose=0,
)
"""
"""A Python program that trains a tiny circle recipe with the library's crash-safe loop."""


class KilledLibraryRunTest(tf.test.TestCase):
    """A program calling tfgan.runs.train, killed at random instants, ends as uninterrupted."""

    INSTANTS = 3

    def _start(self, output_dir):
        """Starts the program; returns (the process, when it took the run's lock)."""
        process = subprocess.Popen(
            [sys.executable, "-c", LIBRARY_RUN, output_dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.kill)
        lock = os.path.join(output_dir, tfgan.runs.LOCK)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with open(lock) as f:
                    if f.read() == str(process.pid):  # its networks are built: training starts
                        break
            except FileNotFoundError:
                pass
            time.sleep(0.005)
        return process, time.monotonic()

    def _finish(self, process):
        _, stderr = process.communicate(timeout=300)
        self.assertEqual(process.returncode, 0, stderr[-3000:])

    def test_a_kill_at_a_random_instant_then_a_rerun_end_bit_identical_to_an_uninterrupted_run(
        self,
    ):
        reference = os.path.join(self.get_temp_dir(), "reference")
        process, started = self._start(reference)
        self._finish(process)
        span = time.monotonic() - started  # training, checkpoints and outputs
        identity = tfgan.runs.read_json(os.path.join(reference, "run.json"))

        rng = random.Random(0)  # an instant in each part of the run: early, middle, late
        fractions = [(part + rng.random()) / self.INSTANTS for part in range(self.INSTANTS)]
        killed = 0
        for trial, fraction in enumerate(fractions):
            with self.subTest(instant=f"{fraction:.0%} of the run"):
                output_dir = os.path.join(self.get_temp_dir(), f"killed_{trial}")
                process, started = self._start(output_dir)
                time.sleep(max(0.0, started + span * fraction - time.monotonic()))
                process.send_signal(signal.SIGKILL)
                process.communicate(timeout=300)
                killed += process.returncode == -signal.SIGKILL
                self._finish(self._start(output_dir)[0])
                for want, got in zip(weights(reference), weights(output_dir)):
                    self.assertAllEqual(want, got)
                with tfgan.runs.Run(output_dir, identity, writer=False) as finished:
                    self.assertTrue(finished.finished)  # every file matches its checksum
        self.assertGreater(killed, 0, "every run had ended before its kill")


class FullDiskTest(tf.test.TestCase):
    SIZE = "3m"  # room for one checkpoint of 256-unit networks (1.6 MB), not for two

    def setUp(self):
        super().setUp()
        self.mount = os.path.join(self.get_temp_dir(), "small_disk")
        os.makedirs(self.mount, exist_ok=True)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.SIZE}", "tmpfs", self.mount],
            capture_output=True,
            text=True,
        )
        if mounted.returncode:
            self.skipTest(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", self.mount], capture_output=True)

    def test_a_full_disk_fails_with_one_line_and_the_run_resumes_once_there_is_room(self):
        output_dir = os.path.join(self.mount, "circle")
        flags = [*FLAGS, "--hidden_units=256"]
        result = run(output_dir, flags=flags)
        self.assertEqual(result.returncode, 1, result.stderr[-3000:])
        last = result.stderr.strip().splitlines()[-1]
        self.assertIn("train_circle.py: error: no space left on the device", last)
        self.assertNotIn("Traceback", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(output_dir, "run.json")))
        checkpoints = list(tfgan.runs.Checkpoints(os.path.join(output_dir, "backup")).verified())
        self.assertNotEmpty(checkpoints)
        self.assertTrue(all(isinstance(c, tfgan.runs.Checkpoint) for c in checkpoints))

        subprocess.run(["mount", "-o", "remount,size=50m", self.mount], check=True)
        result = run(output_dir, flags=flags)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("Resuming from the checkpoint after epoch", result.stdout)
        self.assertTrue(os.path.exists(os.path.join(output_dir, "run.json")))


if __name__ == "__main__":
    tf.test.main()
