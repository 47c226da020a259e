"""Tests for the installed package as a whole: what `import tfgan` does and does not do."""

import json
import os
import re
import subprocess
import sys

import tensorflow as tf

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tfgan")

_PROBE = """
import json, sys
import keras, matplotlib, tensorflow  # what tfgan builds on may define flags of its own
from absl import flags
backend = matplotlib.get_backend()
defined = set(flags.FLAGS)
import tfgan
print(json.dumps({
    "backend_before": backend,
    "backend_after": matplotlib.get_backend(),
    "imported": [m for m in ("torch", "tensorflow_datasets") if m in sys.modules],
    "new_flags": sorted(set(flags.FLAGS) - defined),
}))
"""


class ImportTest(tf.test.TestCase):
    def test_import_tfgan_has_no_side_effects(self):
        env = dict(os.environ, MPLBACKEND="svg")  # a backend tfgan must leave alone
        result = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=300
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        report = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(report["backend_after"], report["backend_before"])
        self.assertEqual(report["backend_after"], "svg")
        self.assertEqual(report["imported"], [])
        self.assertEqual(report["new_flags"], [])

    def test_no_module_of_the_package_imports_torch(self):
        importing_torch = re.compile(r"^\s*(import|from)\s+torch\b", re.MULTILINE)
        for name in os.listdir(PACKAGE):
            if name.endswith(".py"):
                with open(os.path.join(PACKAGE, name)) as f:
                    self.assertIsNone(importing_torch.search(f.read()), name)


if __name__ == "__main__":
    tf.test.main()
