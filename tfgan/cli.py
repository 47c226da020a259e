"""Shared plumbing for the bin/ scripts: one-line errors, flag helpers and run outputs."""

import os
import sys
from typing import Callable, List, Union

import keras
from absl import app, flags

from tfgan import benchmark, callbacks

JIT_COMPILE_CHOICES = ("auto", "true", "false")


def run(main: Callable[[List[str]], None]) -> None:
    """Runs an absl main; bad flags or bad input end the process with one line on stderr, exit 1."""

    def parse_flags(argv):
        try:
            return flags.FLAGS(argv)
        except flags.Error as error:
            _fail(argv[0], error)

    def main_with_clean_errors(argv):
        try:
            main(argv)
        except (ValueError, FileNotFoundError) as error:
            _fail(argv[0], error)
        except KeyboardInterrupt:
            _fail(
                argv[0],
                "interrupted; rerun the same command to resume from the last completed epoch.",
            )

    app.run(main_with_clean_errors, flags_parser=parse_flags)


def _fail(program: str, error: Exception) -> None:
    message = " ".join(str(error).split())
    sys.exit(f"{os.path.basename(program)}: error: {message}")


def define_jit_compile_flag() -> None:
    flags.DEFINE_enum(
        "jit_compile",
        "auto",
        JIT_COMPILE_CHOICES,
        "Compile the train step with XLA: auto (on GPU/TPU, not on CPU), true or false.",
    )


def jit_compile(value: str) -> Union[str, bool]:
    """The --jit_compile flag as GAN.compile's argument."""
    return {"auto": "auto", "true": True, "false": False}[value]


def define_mixed_precision_flag() -> None:
    flags.DEFINE_enum(
        "mixed_precision",
        "none",
        benchmark.PRECISIONS,
        "Keras mixed precision policy: none (float32), mixed_bfloat16 or mixed_float16 (both "
        "optimizers then use dynamic loss scaling).",
    )


def set_mixed_precision(value: str) -> None:
    """Sets Keras's global dtype policy from the --mixed_precision flag; call before building models."""
    keras.mixed_precision.set_global_policy(benchmark.policy_name(value))


def register_positive(*names: str) -> None:
    """Makes each named number flag reject values <= 0 with a message naming the flag."""
    for name in names:
        flags.register_validator(
            name, lambda value: value > 0, message=f"--{name} must be positive."
        )


def training_callbacks(output_dir: str) -> List[keras.callbacks.Callback]:
    """Checkpoint every epoch for resuming (BackupAndRestore) and write TensorBoard logs."""
    return [
        callbacks.BackupAndRestore(os.path.join(output_dir, "backup")),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "logs"), write_graph=False),
    ]


def save_models(gan, output_dir: str) -> None:
    """Writes OUTPUT_DIR/gan.keras (resumable: optimizers and seed state) and generator.keras."""
    gan.save(os.path.join(output_dir, "gan.keras"))
    gan.generator.save(os.path.join(output_dir, "generator.keras"))


def finished_run(output_dir: str) -> bool:
    """True (and says so) when output_dir holds a completed run: gan.keras and no checkpoint to resume."""
    finished = os.path.exists(os.path.join(output_dir, "gan.keras")) and not os.path.exists(
        os.path.join(output_dir, "backup")
    )
    if finished:
        print(
            f"{output_dir} already holds a finished run; choose a new --output_dir to train again."
        )
    return finished


def compile_with_adam(
    gan,
    learning_rate: float,
    beta_1: float,
    decay_steps: int,
    jit_compile_flag: str,
    steps_per_execution: int,
) -> None:
    """Compiles gan with one Adam per player, the learning rate cosine-decayed to 0 over decay_steps."""

    def adam():
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
        return keras.optimizers.Adam(schedule, beta_1=beta_1)

    gan.compile(
        g_optimizer=adam(),
        d_optimizer=adam(),
        jit_compile=jit_compile(jit_compile_flag),
        steps_per_execution=steps_per_execution,
    )
