"""Tests for the installed package as a whole: what `import tfgan` does and does not do."""

import ast
import fnmatch
import json
import os
import re
import subprocess
import sys

import tensorflow as tf

import tfgan

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "tfgan")

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


class PackageDataTest(tf.test.TestCase):
    def test_the_mnist_test_split_that_the_scripts_read_by_default_is_installed_with_tfgan(self):
        with open(os.path.join(ROOT, "setup.py")) as f:
            setup = next(
                node
                for node in ast.walk(ast.parse(f.read()))
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup"
            )
        package_data = next(k.value for k in setup.keywords if k.arg == "package_data")
        patterns = ast.literal_eval(package_data)["tfgan"]
        directory = tfgan.data.PACKAGED_MNIST_DIR
        names = os.listdir(directory)
        self.assertContainsSubset(["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"], names)
        for name in names:
            path = os.path.relpath(os.path.join(directory, name), PACKAGE)
            self.assertTrue(
                any(fnmatch.fnmatch(path, p) for p in patterns), f"{path} not in {patterns}"
            )


if __name__ == "__main__":
    tf.test.main()
