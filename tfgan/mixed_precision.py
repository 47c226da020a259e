"""Mixed precision settings: the `--mixed_precision` values, their Keras policies, and "auto".

bfloat16 is chosen automatically only where it was measured faster at equal sample quality: on a
CPU-only machine whose CPU has bfloat16 instructions (AVX512-BF16 or AMX-BF16). float16 is never
automatic: on CPUs without AVX512-FP16 TensorFlow's oneDNN runs it on slow fallback kernels.
"""

import contextlib
from typing import Iterator

import keras
import tensorflow as tf

PRECISIONS = ("none", "mixed_bfloat16", "mixed_float16")
"""`--mixed_precision` values: "none" (float32) or a Keras mixed precision policy."""

COMPUTE_DTYPES = {"none": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


def policy_name(precision: str) -> str:
    """The Keras dtype policy of a `--mixed_precision` value ("none" -> "float32")."""
    if precision not in PRECISIONS:
        raise ValueError(f"mixed_precision must be one of {PRECISIONS}, got {precision!r}.")
    return "float32" if precision == "none" else precision


@contextlib.contextmanager
def dtype_policy(precision: str) -> Iterator[None]:
    """Sets Keras's global dtype policy for the models built inside the block, then restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy_name(precision))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def has_bfloat16_cpu(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """True when the CPU lists bfloat16 instructions (AVX512-BF16 or AMX-BF16) in /proc/cpuinfo."""
    try:
        with open(cpuinfo_path) as f:
            words = set(f.read().split())
    except OSError:
        return False
    return bool(words & {"avx512_bf16", "amx_bf16"})


def resolve(value: str, cpuinfo_path: str = "/proc/cpuinfo") -> str:
    """A `--mixed_precision` value with "auto" replaced: mixed_bfloat16 on a CPU-only machine with
    bfloat16 instructions, else none. Other values are returned as they are."""
    if value != "auto":
        return value
    accelerated = tf.config.list_physical_devices("GPU") or tf.config.list_physical_devices("TPU")
    if not accelerated and has_bfloat16_cpu(cpuinfo_path):
        return "mixed_bfloat16"
    return "none"
