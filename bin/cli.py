"""Shared plumbing for the bin/ scripts: one-line errors, flag helpers, strategies and the crash-safe
training loop that train_mnist.py and train_circle.py share."""

import contextlib
import dataclasses
import errno
import math
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

import tfgan
from tfgan import classifier, precision, runs

JIT_COMPILE_CHOICES = ("auto", "true", "false")
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
LOGICAL_CPUS_ENV = "TFGAN_LOGICAL_CPUS"
PATH_FLAGS = ("output_dir", "data_dir", "generator", "output", "png", "plot", "classifier_dir")
"""Flags that name files or directories: a leading ~ is expanded, as a shell would."""

flags.DEFINE_boolean("debug", False, "On an error, show its Python traceback instead of one line.")


def run(main: Callable[[List[str]], None]) -> None:
    """Runs an absl main; bad flags, bad input, an OS error or divergence end the process with one
    line on stderr and exit status 1 (with --debug, the traceback instead).

    Every float flag must be finite, and path flags (PATH_FLAGS) have a leading ~ expanded.
    """

    def parse_flags(argv):
        try:
            remaining = flags.FLAGS(argv)
        except flags.Error as error:
            _fail(argv[0], error)
        for name in list(flags.FLAGS):
            value = flags.FLAGS[name].value
            if isinstance(value, float) and not math.isfinite(value):
                _fail(argv[0], f"--{name} must be a finite number, got {value}.")
            if name in PATH_FLAGS and isinstance(value, str):
                setattr(flags.FLAGS, name, os.path.expanduser(value))
        return remaining

    def main_with_clean_errors(argv):
        try:
            main(argv)
        except KeyboardInterrupt:
            _exit(
                argv[0],
                "interrupted; rerun the same command to resume from the last completed epoch.",
            )
        except Exception as error:  # every failure is one line, unless --debug asks for more
            if flags.FLAGS.debug:
                raise
            _exit(argv[0], describe(error))

    app.run(main_with_clean_errors, flags_parser=parse_flags)


def describe(error: Exception) -> str:
    """One line saying what went wrong, for an error that reached a script's top level."""
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        if error.errno == errno.ENOSPC:
            return (
                f"no space left on the device{where}: free some space and rerun the same command "
                "(the run resumes from its last complete checkpoint)."
            )
        return f"{error.strerror}{where}."
    if isinstance(error, tf.errors.OpError):
        return error.message.strip().splitlines()[0]
    if isinstance(error, (ValueError, OSError, tfgan.callbacks.DivergenceError)):
        return str(error)
    return (
        f"{type(error).__name__}: {error} (an internal error: rerun with --debug for its traceback)"
    )


def _fail(program: str, error) -> None:
    sys.exit(_error_line(program, error))


def _exit(program: str, error) -> None:
    """Prints the error line and ends the process at once, as a kill would.

    Everything a run writes survives a kill, while the orderly exit can crash: after a failed write
    (a full disk) HDF5 segfaults when it closes what the failure left open at interpreter exit.
    """
    if sys.stdout.isatty():
        sys.stdout.write("\n")  # end a progress bar's line
    sys.stdout.flush()
    sys.stderr.write(_error_line(program, error) + "\n")
    sys.stderr.flush()
    os._exit(1)


def _error_line(program: str, error) -> str:
    message = " ".join(str(error).split())
    return f"{os.path.basename(program)}: error: {message}"


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


def define_objective_flags() -> None:
    """--loss, --d_steps and D's constraints: --spectral_norm, --gradient_penalty, --r1_gamma, --r1_every."""
    flags.DEFINE_enum(
        "loss",
        "non_saturating",
        sorted(tfgan.losses.LOSSES),
        "Both players' objectives (tfgan.losses).",
    )
    flags.DEFINE_integer(
        "d_steps",
        None,
        "Discriminator updates per generator update (k; default: the objective's recipe, 5 for "
        "wasserstein, else 1).",
        lower_bound=1,
    )
    flags.DEFINE_boolean(
        "spectral_norm", False, "Spectral normalization of D's layers (Miyato et al. 2018)."
    )
    flags.DEFINE_float(
        "gradient_penalty",
        0.0,
        "WGAN-GP's penalty weight at interpolates of real and generated examples (10 in the paper); "
        "0: off.",
    )
    flags.DEFINE_float(
        "r1_gamma",
        0.0,
        "R1 penalty gamma on D's gradient at real examples (Mescheder et al.); 0: off.",
    )
    flags.DEFINE_integer(
        "r1_every",
        1,
        "Compute R1 on every N-th D update only, N times as heavy (lazy R1).",
        lower_bound=1,
    )
    for name in ("gradient_penalty", "r1_gamma"):
        flags.register_validator(
            name, lambda value: value >= 0, message=f"--{name} must be >= 0 (0: off)."
        )


def define_ema_flags() -> None:
    """--ema and --ema_half_life: sample from an averaged generator (tfgan.ema)."""
    flags.DEFINE_boolean(
        "ema",
        False,
        "Sample from an exponential moving average of G's weights (tfgan.ema.GeneratorEMA): "
        "generator.keras is the averaged generator, trained_generator.keras the trained one.",
    )
    flags.DEFINE_float(
        "ema_half_life",
        tfgan.ema.GeneratorEMA().half_life_images,
        "Training images over which the average halves the weight of older weights (with "
        "StyleGAN2-ADA's ramp-up).",
    )
    register_positive("ema_half_life")


def generator_ema() -> Optional["tfgan.ema.GeneratorEMA"]:
    """The --ema flags' GeneratorEMA, or None."""
    values = flags.FLAGS
    return tfgan.ema.GeneratorEMA(values.ema_half_life) if values.ema else None


def generator_outputs(gan: "tfgan.GAN") -> Dict[str, Callable[[str], None]]:
    """{file name: writer} of a script's generators: generator.keras, what samples come from, and with
    --ema trained_generator.keras, the trained network."""
    outputs = {"generator.keras": gan.sampling_generator.save}
    if gan.averaged_generator is not None:
        outputs["trained_generator.keras"] = gan.generator.save
    return outputs


def objective(recipes: Optional[dict] = None) -> "tfgan.recipes.Objective":
    """The recipe of the chosen loss and constraints; warns in one line if a critic is unconstrained."""
    values = flags.FLAGS
    warning = tfgan.recipes.unconstrained_critic(
        values.loss, values.spectral_norm, values.gradient_penalty
    )
    if warning:
        sys.stderr.write(f"{os.path.basename(sys.argv[0])}: warning: {warning}\n")
    return tfgan.recipes.objective(
        values.loss, values.spectral_norm, values.gradient_penalty, recipes
    )


def recipe_arguments(steps_per_epoch: int) -> Dict[str, object]:
    """The flags both scripts pass to their `tfgan.recipes` builder, as its keyword arguments."""
    values = flags.FLAGS
    return dict(
        loss=values.loss,
        seed=values.seed,
        jit_compile=jit_compile(values.jit_compile),
        steps_per_execution=tfgan.recipes.steps_per_execution(
            values.steps_per_execution, steps_per_epoch
        ),
        spectral_norm=values.spectral_norm,
        gradient_penalty=values.gradient_penalty,
        r1_gamma=values.r1_gamma,
        r1_every=values.r1_every,
        generator_ema=generator_ema(),
    )


def register_positive(*names: str) -> None:
    """Makes each named number flag reject values <= 0 with a message naming the flag."""
    for name in names:
        flags.register_validator(
            name, lambda value: value > 0, message=f"--{name} must be positive."
        )


def training_callbacks(
    output_dir: str,
    checkpoints: runs.Checkpoints,
    extra: Sequence[keras.callbacks.Callback] = (),
) -> List[keras.callbacks.Callback]:
    """The scripts' callbacks: `extra`, divergence, TensorBoard logs and a checkpoint every epoch.

    Callbacks in `extra` (e.g. EvaluationCallback) come first, so that TensorBoard, which reads the
    epoch logs, writes their figures too; the checkpoint comes last, after everything else an epoch
    does.
    """
    return [
        *extra,
        tfgan.callbacks.StopOnDivergence(),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "logs"), write_graph=False),
        tfgan.callbacks.Checkpoint(checkpoints),
    ]


@dataclasses.dataclass
class Training:
    """What a script trains, positioned at the epoch it starts from.

    Attributes:
        gan: the compiled GAN (built in the strategy's scope).
        data: its data, from the start epoch on (endless: `steps_per_epoch` batches make an epoch).
        epochs: the run's epochs in all.
        steps_per_epoch: train steps per epoch.
    """

    gan: tfgan.GAN
    data: tf.data.Dataset
    epochs: int
    steps_per_epoch: int


def train(
    output_dir: str,
    strategy: tf.distribute.Strategy,
    setup: Callable[[int], Training],
    outputs: Callable[[tfgan.GAN], Dict[str, Callable[[str], None]]],
    extra_callbacks: Callable[[str], Sequence[keras.callbacks.Callback]] = lambda directory: (),
) -> bool:
    """Trains a script's run in output_dir, crash-safe and resumable, unless it has finished already.

    The run is identified by the script's name and flags (`flag_values`). A rerun after a kill at any
    instant resumes from the newest good checkpoint (saying so, and why it passed over damaged
    ones), with the data positioned at that epoch (`setup(start_epoch)`), and ends as an
    uninterrupted run does. At the end the outputs (`outputs(gan)`: {file name: writer}) are written,
    then the completion record, then the checkpoints are removed (`tfgan.runs.Run`).

    Returns:
        False if output_dir holds this run finished already (and says so); True once it is.

    Raises:
        tfgan.runs.RunError: output_dir is in use or holds another run.
        tfgan.callbacks.DivergenceError: the losses or weights stopped being finite.
    """
    identity = {"script": os.path.basename(sys.argv[0]), "flags": flag_values()}
    chief = is_chief(strategy)
    with runs.Run(output_dir, identity, writer=chief) as shared:
        if shared.finished:
            if chief:
                print(
                    f"{output_dir} already holds a finished run; choose a new --output_dir to train again."
                )
            return False
        with worker_run(shared, strategy) as run:
            for note in run.notes:
                print(f"Passing over a damaged checkpoint: {note}.")
            start = run.resume_epoch
            training = setup(start)
            if start:
                print(
                    f"Resuming from the checkpoint after epoch {start} in {run.checkpoints.directory}"
                )
            elif run.notes:
                print("No good checkpoint is left: training from the start.")
            run.restore(training.gan)
            training.gan.fit(
                training.data,
                epochs=training.epochs,
                steps_per_epoch=training.steps_per_epoch,
                initial_epoch=start,
                callbacks=training_callbacks(
                    run.directory, run.checkpoints, extra_callbacks(run.directory)
                ),
                shuffle=False,
            )
            run.finish(outputs(training.gan), steps=int(training.gan.optimizer.iterations.numpy()))
    return True


OPERATIONAL_FLAGS = ("output_dir", "debug", "cluster_timeout", "tpu")
"""Flags that say where and how a run executes, not what it computes: a rerun may change them."""


def flag_values() -> Dict[str, object]:
    """{name: value} of the flags that define a run: the script's and this module's, but for
    OPERATIONAL_FLAGS."""
    by_module = flags.FLAGS.flags_by_module_dict()
    return {
        flag.name: flag.value
        for module in (sys.argv[0], __name__)
        for flag in by_module.get(module, ())
        if flag.name not in OPERATIONAL_FLAGS
    }


def sample_labels(
    value: Optional[str], num: int, num_classes: Optional[int], path: str
) -> Optional[np.ndarray]:
    """The --labels of num samples of a generator of num_classes classes (None: unconditional)."""
    if num_classes is None:
        if value is not None:
            raise ValueError(f"--labels needs a conditional generator; {path} takes no labels.")
        return None
    if value in (None, "balanced"):
        return tfgan.gan.balanced_labels(num, num_classes)
    try:
        classes = [int(label) for label in value.split(",")]
    except ValueError:
        raise ValueError(
            f"--labels={value}: give balanced, a class (7) or comma-separated classes (0,1,2)."
        ) from None
    return tfgan.gan.check_labels(np.resize(classes, num), num_classes)


def finite_samples(generator, num: int, noise: str, seed: int, path: str, labels=None):
    """num samples of a loaded generator (for `labels`, if conditional); raises ValueError if any is
    not finite (a diverged run)."""
    samples = tfgan.gan.generate(generator, num, noise, seed=seed, labels=labels)
    if not np.isfinite(samples).all():
        raise ValueError(
            f"{path} makes samples that are not finite ({np.mean(~np.isfinite(samples)):.0%} of "
            "their values): its training diverged; train it again with a lower learning rate."
        )
    return samples


def check_batch_size(batch_size: int, strategy: tf.distribute.Strategy) -> None:
    """Raises ValueError unless the replicas divide the global batch evenly."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(
            f"--batch_size={batch_size} is the global batch and must be a multiple of the "
            f"{replicas} replicas of --strategy: choose {batch_size // replicas * replicas or replicas} "
            f"or {(batch_size // replicas + 1) * replicas}."
        )


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
    flags.DEFINE_integer(
        "cluster_timeout",
        600,
        "With --strategy=multi_worker: seconds to wait for every worker of TF_CONFIG's cluster to "
        "connect, and for each exchange between them, before giving up.",
        lower_bound=1,
    )
    flags.register_multi_flags_validator(
        ["strategy", "tpu"],
        lambda values: values["tpu"] is None or values["strategy"] == "tpu",
        message="--tpu needs --strategy=tpu.",
    )


def make_strategy(
    name: str, tpu: Optional[str] = None, cluster_timeout: int = 600
) -> tf.distribute.Strategy:
    """The tf.distribute strategy a script trains under; build data, models and optimizers in its scope.

    Call it before anything else touches TensorFlow: with the environment variable TFGAN_LOGICAL_CPUS=N
    it first splits the CPU into N logical devices (for trying `mirrored` on a machine without GPUs).

    Args:
        name: "default" (one device), "mirrored" (all local GPUs, else all logical CPUs),
            "multi_worker" (MultiWorkerMirroredStrategy: the cluster in TF_CONFIG) or "tpu".
        tpu: with "tpu", the TPU's name or grpc:// address; None for the local TPU.
        cluster_timeout: with "multi_worker", seconds to wait for the cluster's workers to connect
            (the process then ends with one line: TensorFlow's wait cannot be interrupted) and for
            each exchange between them.

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
        return _multi_worker_strategy(cluster_timeout)
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise ValueError(
            f"--strategy=tpu found no TPU at {tpu or 'this host'!r}: {error}"
        ) from error
    return tf.distribute.TPUStrategy(resolver)


_WATCHDOG = """
import os, signal, sys, time
pid, timeout, message = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
time.sleep(timeout)
sys.stderr.write(message + "\\n")
sys.stderr.flush()
os.kill(pid, signal.SIGKILL)
"""


def _multi_worker_strategy(timeout: int) -> tf.distribute.Strategy:
    """MultiWorkerMirroredStrategy, waiting at most `timeout` seconds for the cluster to form.

    TensorFlow waits for the other workers inside C++ without releasing the interpreter (a thread or
    a signal handler would never run) and ignores SIGTERM: a watchdog process ends this one instead.
    """
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    tasks = sum(len(addresses) for addresses in resolver.cluster_spec().as_dict().values())
    print(f"Waiting for the {tasks} tasks of the cluster in TF_CONFIG to connect...", flush=True)
    message = _error_line(
        sys.argv[0],
        f"the cluster in TF_CONFIG did not form within --cluster_timeout={timeout} s: start every "
        "worker with its own TF_CONFIG, or check their addresses.",
    )
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(timeout), message],
        stdin=subprocess.DEVNULL,
    )
    try:
        return tf.distribute.MultiWorkerMirroredStrategy(
            cluster_resolver=resolver,
            communication_options=tf.distribute.experimental.CommunicationOptions(
                timeout_seconds=timeout
            ),
        )
    finally:
        watchdog.kill()
        watchdog.wait()


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
def worker_run(shared: runs.Run, strategy: tf.distribute.Strategy) -> Iterator[runs.Run]:
    """The run this process writes: the shared run on the chief, a temporary copy elsewhere.

    Every worker of a cluster must run the same saves and predictions (they synchronise), but only the
    chief may write the run's directory. A non-chief worker writes to a temporary directory, deleted at
    the end, that starts with a copy of the chief's checkpoints so that it resumes from the same epoch
    (the run's directory must be on a file system all workers share, as for any multi-worker
    checkpoint).
    """
    if is_chief(strategy):
        yield shared
        return
    temporary = tempfile.mkdtemp(prefix="tfgan_worker_")
    try:
        if os.path.isdir(shared.checkpoints.directory):
            shutil.copytree(shared.checkpoints.directory, os.path.join(temporary, runs.BACKUP))
        with runs.Run(temporary, shared.identity) as run:
            yield run
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
