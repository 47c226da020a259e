"""Session-wide test set-up: two logical CPU devices, so that tf.distribute tests run without GPUs.

TensorFlow fixes its devices the first time it sets them up, and pytest runs every test module in one
process, so the split happens here, before any test module is imported. Single-device tests are unaffected:
they run on /cpu:0 as before.
"""

import tensorflow as tf

LOGICAL_CPUS = 2

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration()] * LOGICAL_CPUS,
)
