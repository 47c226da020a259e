"""Session-wide test set-up: two logical CPU devices, so that tf.distribute tests run without GPUs, and
the repository's bin/ (the scripts' shared `cli` module) and root (the `benchmarks` harness) on the path.

TensorFlow fixes its devices the first time it sets them up, and pytest runs every test module in one
process, so the split happens here, before any test module is imported. Single-device tests are unaffected:
they run on /cpu:0 as before.

The end-to-end modules (the scripts run in subprocesses, the fault injection) are marked `slow`:
`python -m pytest -q -m "not slow" tests` leaves them out while working on the library.
"""

import os
import sys

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bin"), ROOT]

LOGICAL_CPUS = 2

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration()] * LOGICAL_CPUS,
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: end-to-end runs of the scripts in subprocesses (seconds to a minute each)"
    )
