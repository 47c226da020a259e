"""Fault injection: a short circle run killed at chosen instants (and at a full disk), then rerun.

Every rerun of the same command must end with a finished run whose models load and equal those of an
uninterrupted run. The kills come from tests/faults.py (SIGKILL at the N-th atomic write of a process,
or just after the checkpoints are removed) and from a kill -9 in the middle of an epoch.
"""

import os
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
