"""Shared plumbing for the bin/ scripts: one-line errors, flag helpers, strategies and run outputs."""

import contextlib
import os
import shutil
import sys
import tempfile
from typing import Callable, Iterator, List, Optional, Sequence, Union

import keras
import tensorflow as tf
from absl import app, flags

from tfgan import callbacks, classifier, precision

JIT_COMPILE_CHOICES = ("auto", "true", "false")
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
LOGICAL_CPUS_ENV = "TFGAN_LOGICAL_CPUS"


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


def define_mixed_precision_flag(default: str = "none") -> None:
    flags.DEFINE_enum(
        "mixed_precision",
        default,
        ("auto",) + precision.PRECISIONS,
        "Keras mixed precision policy: none (float32), mixed_bfloat16, mixed_float16 (both "
        "optimizers then use dynamic loss scaling) or auto (mixed_bfloat16 on a CPU-only machine "
        "whose CPU has bfloat16 instructions, none elsewhere).",
    )


def set_mixed_precision(value: str, strategy: tf.distribute.Strategy) -> None:
    """Sets Keras's global dtype policy from the --mixed_precision flag (call before building
    models); with "auto", the chief says what it resolved to."""
    resolved = precision.resolve(value)
    keras.mixed_precision.set_global_policy(precision.policy_name(resolved))
    if value == "auto" and is_chief(strategy):
        print(f"Mixed precision (auto): {resolved}")


def register_positive(*names: str) -> None:
    """Makes each named number flag reject values <= 0 with a message naming the flag."""
    for name in names:
        flags.register_validator(
            name, lambda value: value > 0, message=f"--{name} must be positive."
        )


def training_callbacks(
    output_dir: str, evaluation: Sequence[keras.callbacks.Callback] = ()
) -> List[keras.callbacks.Callback]:
    """Checkpoint every epoch for resuming (BackupAndRestore) and write TensorBoard logs.

    Callbacks in `evaluation` (e.g. EvaluationCallback) add figures to the epoch logs; they come
    first so that TensorBoard, which reads the logs, writes their figures too.
    """
    return [
        *evaluation,
        callbacks.BackupAndRestore(os.path.join(output_dir, "backup")),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "logs"), write_graph=False),
    ]


def define_classifier_flags() -> None:
    """--classifier_dir and --classifier_split: where the digit classifier is cached, its data."""
    flags.DEFINE_string(
        "classifier_dir",
        None,
        "Cache directory of the digit classifier used for evaluation (default: "
        f"${classifier.CACHE_DIR_ENV} or ~/.cache/tfgan); trained there on first use.",
    )
    flags.DEFINE_string(
        "classifier_split",
        "train",
        "Split the digit classifier is trained on (if not cached yet), from --data_dir or tfds.",
    )


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


def define_strategy_flags() -> None:
    flags.DEFINE_enum(
        "strategy",
        "default",
        STRATEGIES,
        "tf.distribute strategy: default (one device), mirrored (all local GPUs, or all logical CPUs), "
        "multi_worker (hosts named in TF_CONFIG) or tpu (the TPU named by --tpu). --batch_size is the "
        "global batch, split between replicas.",
    )
    flags.DEFINE_string(
        "tpu",
        None,
        "With --strategy=tpu: the TPU's name or grpc:// address (default: the local TPU).",
    )
    flags.register_multi_flags_validator(
        ["strategy", "tpu"],
        lambda values: values["tpu"] is None or values["strategy"] == "tpu",
        message="--tpu needs --strategy=tpu.",
    )


def make_strategy(name: str, tpu: Optional[str] = None) -> tf.distribute.Strategy:
    """The tf.distribute strategy a script trains under; build data, models and optimizers in its scope.

    Call it before anything else touches TensorFlow: with the environment variable TFGAN_LOGICAL_CPUS=N
    it first splits the CPU into N logical devices (for trying `mirrored` on a machine without GPUs).

    Args:
        name: "default" (one device), "mirrored" (all local GPUs, else all logical CPUs),
            "multi_worker" (MultiWorkerMirroredStrategy: the cluster in TF_CONFIG) or "tpu".
        tpu: with "tpu", the TPU's name or grpc:// address; None for the local TPU.

    Raises:
        ValueError: an unknown name, a bad TFGAN_LOGICAL_CPUS, or no TPU to connect to.
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}: choose one of {STRATEGIES}.")
    configure_logical_cpus()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise ValueError(
            f"--strategy=tpu found no TPU at {tpu or 'this host'!r}: {error}"
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def configure_logical_cpus() -> None:
    """Splits the CPU into $TFGAN_LOGICAL_CPUS logical devices (unset: leaves it alone).

    Raises:
        ValueError: the variable is not a positive integer, or TensorFlow has already set up its devices.
    """
    value = os.environ.get(LOGICAL_CPUS_ENV)
    if not value:
        return
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{LOGICAL_CPUS_ENV} must be a positive integer, got {value!r}.")
    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration()] * int(value)
    if tf.config.get_logical_device_configuration(cpu) == wanted:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError as error:
        raise ValueError(
            f"{LOGICAL_CPUS_ENV} must take effect before TensorFlow sets up its devices: {error}"
        ) from error


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except on the non-chief workers of a cluster.

    The chief is the task of type "chief", or worker 0 when the cluster has no chief (TF_CONFIG).
    """
    resolver = strategy.cluster_resolver
    if resolver is None or resolver.task_type is None:
        return True
    cluster = resolver.cluster_spec().as_dict()
    if resolver.task_type == "chief":
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster


@contextlib.contextmanager
def worker_output_dir(output_dir: str, strategy: tf.distribute.Strategy) -> Iterator[str]:
    """The directory this process writes to: output_dir on the chief, a temporary one elsewhere.

    Every worker of a cluster must run the same saves and predictions (they synchronise), but only the
    chief may write the run's files. A non-chief worker writes to a temporary directory, deleted at the
    end, that starts with a copy of the chief's checkpoint so that it resumes from the same epoch
    (output_dir must be on a file system all workers share, as for any multi-worker checkpoint).
    """
    if is_chief(strategy):
        os.makedirs(output_dir, exist_ok=True)
        yield output_dir
        return
    temporary = tempfile.mkdtemp(prefix="tfgan_worker_")
    try:
        backup = os.path.join(output_dir, "backup")
        if os.path.isdir(backup):
            shutil.copytree(backup, os.path.join(temporary, "backup"))
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
