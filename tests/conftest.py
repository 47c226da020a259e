"""Session-wide test set-up: the two test tiers, two logical CPU devices, and the import path.

Two tiers. `python -m pytest -q tests` runs the fast tier: the library's tests, the scripts' flag
checks in-process, and one short subprocess per script for its exit contract (a bad flag fails in
one line). Tests marked `slow` (end-to-end runs of the scripts, kills and reruns, long trainings)
are skipped unless `--run_slow` is given, as keras-hub's `--run_large`:

    python -m pytest -q tests                        # the fast tier
    python -m pytest -q --run_slow tests             # both tiers
    python -m pytest -q -m slow --run_slow tests     # the slow tier alone (CI runs both commands)

Mark a test, a class or a module `slow` with `@pytest.mark.slow` or `pytestmark = pytest.mark.slow`.

Two logical CPUs, so that tf.distribute tests run without GPUs. TensorFlow fixes its devices the
first time it sets them up, and pytest runs every test module in one process, so the split happens
here, before any test module is imported. Single-device tests are unaffected: they run on /cpu:0.

The repository's bin/ (the scripts' shared `run_flags` and `errors` modules) and root (the
`benchmarks` harness) go on the import path.
"""

import os
import sys

import pytest
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bin"), ROOT]

LOGICAL_CPUS = 2

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration()] * LOGICAL_CPUS,
)


def pytest_addoption(parser):
    parser.addoption(
        "--run_slow",
        action="store_true",
        default=False,
        help="Also run the tests marked slow: end-to-end runs of scripts, kills, long trainings.",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: end-to-end runs of scripts, kills, long trainings (skipped without --run_slow)",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run_slow"):
        return
    skip_slow = pytest.mark.skip(reason="a slow test: add --run_slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
