"""End-to-end tests of the bin/ scripts, run as a user runs them: in a subprocess."""

import os
import subprocess
import sys

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan import metrics

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")


def run_script(name, *args, timeout=300):
    """Runs bin/NAME with args; returns the CompletedProcess (stdout and stderr as text)."""
    return subprocess.run(
        [sys.executable, os.path.join(BIN, name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_line(text):
    return text.strip().splitlines()[-1]


class TrainCircleTest(tf.test.TestCase, parameterized.TestCase):
    def test_short_run_writes_every_output_and_samples_load(self):
        output_dir = os.path.join(self.get_temp_dir(), "circle")
        result = run_script(
            "train_circle.py",
            f"--output_dir={output_dir}",
            "--steps=600",
            "--steps_per_epoch=300",
            "--batch_size=128",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        for name in ("generator.keras", "gan.keras", "circle.png"):
            self.assertTrue(os.path.isfile(os.path.join(output_dir, name)), name)
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

        rerun = run_script("train_circle.py", f"--output_dir={output_dir}")
        self.assertEqual(rerun.returncode, 0, rerun.stderr[-3000:])
        self.assertIn("already holds a finished run", rerun.stdout)

    @parameterized.parameters(
        ("--steps=-5", "--steps"),
        ("--loss=nope", "--loss"),
        ("--learning_rate=0", "--learning_rate"),
    )
    def test_bad_flag_exits_nonzero_with_one_line_naming_it(self, flag, name):
        result = run_script("train_circle.py", f"--output_dir={self.get_temp_dir()}/bad", flag)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(name, last_line(result.stderr))
        self.assertNotIn("Traceback", result.stderr)

    def test_sample_from_missing_file_fails_with_one_line(self):
        result = run_script("sample.py", "--generator=/nonexistent/g.keras", "--output=/tmp/x.npy")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("/nonexistent/g.keras", last_line(result.stderr))
        self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    tf.test.main()
