"""Tests for tfgan.precision: policies and the hardware-dependent "auto"."""

import os
from unittest import mock

import keras
import tensorflow as tf
from absl.testing import parameterized

from tfgan import mixed_precision


class MixedPrecisionTest(tf.test.TestCase, parameterized.TestCase):
    def _cpuinfo(self, flags_line):
        path = os.path.join(self.get_temp_dir(), "cpuinfo")
        with open(path, "w") as f:
            f.write(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags_line}\n")
        return path

    @parameterized.parameters(
        ("fpu sse2 avx2 avx512f avx512_bf16", True),
        ("fpu sse2 amx_tile amx_bf16", True),
        ("fpu sse2 avx2 avx512f avx512_vnni", False),
    )
    def test_bfloat16_cpu_is_read_from_the_cpu_flags(self, flags_line, expected):
        self.assertEqual(mixed_precision.has_bfloat16_cpu(self._cpuinfo(flags_line)), expected)

    def test_missing_cpuinfo_means_no_bfloat16(self):
        self.assertFalse(
            mixed_precision.has_bfloat16_cpu(os.path.join(self.get_temp_dir(), "missing"))
        )

    @parameterized.parameters(
        ("avx512f avx512_bf16", [], "mixed_bfloat16"),
        ("avx512f", [], "none"),
        ("avx512f avx512_bf16", ["a GPU"], "none"),
    )
    def test_auto_is_bfloat16_only_on_a_cpu_only_machine_with_bfloat16(
        self, flags_line, gpus, expected
    ):
        def devices(kind):
            return gpus if kind == "GPU" else []

        with mock.patch.object(tf.config, "list_physical_devices", side_effect=devices):
            self.assertEqual(mixed_precision.resolve("auto", self._cpuinfo(flags_line)), expected)

    @parameterized.parameters("none", "mixed_bfloat16", "mixed_float16")
    def test_explicit_values_are_kept(self, value):
        self.assertEqual(mixed_precision.resolve(value, "/nonexistent"), value)


class DtypePolicyTest(tf.test.TestCase):
    def test_sets_the_policy_inside_and_restores_it_after(self):
        with mixed_precision.dtype_policy("mixed_bfloat16"):
            self.assertEqual(keras.config.dtype_policy().name, "mixed_bfloat16")
            layer = keras.layers.Dense(2)
        self.assertEqual(layer.compute_dtype, "bfloat16")
        self.assertEqual(keras.config.dtype_policy().name, "float32")

    def test_none_is_float32(self):
        self.assertEqual(mixed_precision.policy_name("none"), "float32")

    def test_unknown_value_raises_naming_the_choices(self):
        with self.assertRaisesRegex(ValueError, "mixed_bfloat16"):
            mixed_precision.policy_name("fp8")


if __name__ == "__main__":
    tf.test.main()
