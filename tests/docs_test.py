"""Tests that the Python code in the docs runs: the extension guide's complete example."""

import os
import re
import subprocess
import sys

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_blocks(path):
    with open(path) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.DOTALL)


class ExtendingGuideTest(tf.test.TestCase):
    def test_the_guide_code_trains_logs_saves_and_reloads(self):
        blocks = python_blocks(os.path.join(ROOT, "docs", "extending.md"))
        self.assertLen(blocks, 4)  # the loss, the relativistic loss, the penalty, the example
        probe = "\n".join(blocks) + (
            "\nassert isinstance(gan.gan_loss, SmoothedNonSaturating)"
            "\nassert gan.gan_loss.smoothing == 0.9"
            "\nassert isinstance(gan.regularizers[0], InterpolateGradientPenalty)"
            "\nassert gan.regularizers[0].every == 4"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=self.get_temp_dir(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("'interpolate_gradient_penalty', 'loss']", result.stdout)
        self.assertTrue(os.path.isfile(os.path.join(self.get_temp_dir(), "custom.keras")))


if __name__ == "__main__":
    tf.test.main()
