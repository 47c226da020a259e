"""The tf.distribute machinery of `tfgan.GAN`: global-batch means, per-replica seeds, the replicated
step loop, per-replica XLA and scope checks. On one device each of these reduces to the plain thing.

Under a strategy every replica holds a shard of the global batch. The GAN's losses and logs are
means over the global batch (one all-reduce of the shards' sums and counts), each replica's
gradients are those of its share of that mean (the optimizers sum them), and each replica draws its
own noise from the model's seed stream with its replica id folded in, so a run is reproducible from
its seed.

`make_strategy` builds the strategy a run trains under by name, and `is_chief` says which process
writes a run's files.
"""

import logging
import os
import subprocess
import sys
from typing import Callable, Dict, Optional, Sequence, Tuple

import keras
import tensorflow as tf


def global_means(
    per_example: Dict[str, tf.Tensor],
) -> Tuple[Dict[str, tf.Tensor], Dict[str, tf.Tensor]]:
    """Means of float32 per-example values over the global batch, and how many examples each has.

    Under tf.distribute one all-reduce of the shards' sums and counts gives every replica the means
    one device computes on the whole batch (uneven shards included).

    Returns:
        ({name: mean}, {name: global count}), both float32 scalars.
    """
    names = list(per_example)
    sums = tf.stack([tf.reduce_sum(per_example[name]) for name in names])
    counts = tf.stack([tf.cast(tf.size(per_example[name]), tf.float32) for name in names])
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        sums, counts = context.all_reduce(tf.distribute.ReduceOp.SUM, [sums, counts])
    return dict(zip(names, tf.unstack(sums / counts))), dict(zip(names, tf.unstack(counts)))


def share(per_example: tf.Tensor, global_count: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean over the global batch: its sum / the global count.

    The optimizers sum the replicas' gradients, so the update follows the gradient of the global
    mean (what `tf.nn.compute_average_loss` does, exact for uneven shards too); on one device, the
    mean.
    """
    return tf.reduce_sum(per_example) / global_count


def replica_seed(seed_generator: keras.random.SeedGenerator) -> tf.Tensor:
    """The next [2] int32 seed of a SeedGenerator for stateless random ops, distinct per replica.

    Under tf.distribute each replica advances its copy of the (mirrored) seed state in step with the
    others; folding in the replica's id gives each replica its own draws. On one device it is the
    seed `keras.random` ops take from the SeedGenerator.
    """
    seed = tf.cast(tf.math.floormod(seed_generator.next(), tf.int32.max - 1), tf.int32)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return seed
    return tf.random.experimental.stateless_fold_in(seed, context.replica_id_in_sync_group)


def is_replicated(strategy: tf.distribute.Strategy) -> bool:
    """Whether a strategy runs the step on several replicas (one device runs Keras's own loop)."""
    return strategy.num_replicas_in_sync > 1


def is_tpu(strategy: tf.distribute.Strategy) -> bool:
    return isinstance(strategy, tf.distribute.TPUStrategy)


def replicated_step_function(model: keras.Model, step: Callable) -> Callable:
    """`fit`'s (or `evaluate`'s) step function for a model replicated by its strategy.

    Runs up to `model.steps_per_execution` replicated steps per call, as Keras expects of
    `make_train_function`. Keras 3 wraps `strategy.run(step)` in a `tf.function` of its own and
    calls it from a `tf.cond` branch of its multi-step loop; MirroredStrategy cannot synchronise
    replicas (gradient all-reduce, merge_call) inside such a nested function, and the run dies with
    "You must feed a value for placeholder tensor" (keras-team/keras#19246). Here
    `strategy.run(step)` is the body of a `tf.while_loop` that stops at `steps_per_execution` or at
    the end of the data; only fetching the next batch is conditional. With `jit_compile`, each
    replica's step is compiled by XLA (`per_replica_xla`); a TPU compiles everything anyway.

    Args:
        model: a compiled keras.Model whose `distribute_strategy` has several replicas, and whose
            metrics give the structure of the step's outputs.
        step: the model's train_step or test_step.
    """
    strategy = model.distribute_strategy
    replica_step = step
    if model.jit_compile and not model.run_eagerly and not is_tpu(strategy):
        replica_step = per_replica_xla(step)

    def one_step(data):
        outputs = strategy.run(replica_step, args=(data,))
        # Every replica returns the same global means (global_means): take the first local one.
        return tf.nest.map_structure(lambda v: strategy.experimental_local_results(v)[0], outputs)

    def steps(iterator):
        def more(count, outputs, inputs):
            return tf.logical_and(count < model.steps_per_execution, inputs.has_value())

        def run(count, outputs, inputs):
            outputs = one_step(inputs.get_value())
            inputs = tf.cond(
                count + 1 < model.steps_per_execution,
                iterator.get_next_as_optional,
                lambda: inputs,
            )
            return count + 1, outputs, inputs

        zeros = {metric.name: tf.zeros_like(metric.result()) for metric in model.metrics}
        count, outputs, _ = tf.while_loop(
            more, run, (tf.constant(0), zeros, iterator.get_next_as_optional())
        )
        return count, outputs

    if not model.run_eagerly:
        steps = tf.function(steps, reduce_retracing=True)

    def function(iterator):
        count, outputs = steps(iterator)
        if int(count) == 0:
            raise StopIteration
        return outputs

    return function


def per_replica_xla(step: Callable) -> Callable:
    """`step` compiled with XLA, one function per replica, for `strategy.run` on GPU replicas.

    TensorFlow lets replicas synchronise inside XLA only when the function given to `strategy.run`
    is compiled and every replica is a GPU. Each replica gets its own `tf.function`: one traced
    function would keep the first replica's Keras variables for all of them.
    """
    functions = {}

    @tf.autograph.experimental.do_not_convert
    def replica_step(data):
        replica = tf.get_static_value(tf.distribute.get_replica_context().replica_id_in_sync_group)
        if replica not in functions:
            functions[replica] = tf.function(step, jit_compile=True, reduce_retracing=True)
        return functions[replica](data)

    return replica_step


def check_created_in_scope(
    strategy: tf.distribute.Strategy, variables: Sequence[keras.Variable], what: str
) -> None:
    """Raises ValueError unless all variables were created under `strategy` (tf.distribute's default
    strategy when no scope is entered), so that none is left on one device while the step is
    replicated.
    """
    outside = [
        v.path for v in variables if not strategy.extended.variable_created_in_scope(v.value)
    ]
    if outside:
        raise ValueError(
            f"{what} has variables ({outside[0]}, ...) not created under the "
            f"{type(strategy).__name__.lstrip('_')} in use: create the networks, the GAN and its "
            f"optimizers inside one `with strategy.scope():`, or all outside any."
        )


def check_jit_compile(strategy: tf.distribute.Strategy, jit_compile: bool) -> None:
    """Raises ValueError for jit_compile=True on several non-GPU replicas, which TF can't run."""
    if not jit_compile or not is_replicated(strategy) or is_tpu(strategy):
        return
    devices = strategy.extended.worker_devices
    if not all(tf.DeviceSpec.from_string(d).device_type == "GPU" for d in devices):
        raise ValueError(
            f"jit_compile=True under {type(strategy).__name__} needs every replica on a GPU "
            f"(TensorFlow compiles a replicated step with XLA only there); the replicas here are "
            f"on {', '.join(devices)}. Use jit_compile='auto' or False."
        )


STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
LOGICAL_CPUS_ENV = "TFGAN_LOGICAL_CPUS"
_LOGGER = logging.getLogger(__name__)


def make_strategy(
    name: str, tpu: Optional[str] = None, cluster_timeout: int = 600
) -> tf.distribute.Strategy:
    """The tf.distribute strategy a run trains in; build data, models and optimizers in its scope.

    Call it before anything else touches TensorFlow: with the environment variable
    TFGAN_LOGICAL_CPUS=N it first splits the CPU into N logical devices (for trying `mirrored` on a
    machine without GPUs).

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
            f"the tpu strategy found no TPU at {tpu or 'this host'!r}: {error}"
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def _multi_worker_strategy(timeout: int) -> tf.distribute.Strategy:
    """MultiWorkerMirroredStrategy, waiting at most `timeout` seconds for the cluster to form (the
    wait can't be interrupted from Python: `tfgan.watchdog` ends the process instead)."""
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    tasks = sum(len(addresses) for addresses in resolver.cluster_spec().as_dict().values())
    _LOGGER.info("Waiting for the %d tasks of the cluster in TF_CONFIG to connect...", tasks)
    message = (
        f"{os.path.basename(sys.argv[0])}: error: the cluster in TF_CONFIG did not form within "
        f"{timeout} s (cluster_timeout): start every worker with its own TF_CONFIG, or check "
        "their addresses."
    )
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "tfgan.watchdog", str(os.getpid()), str(timeout), message],
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
        ValueError: the variable is not a positive integer, or TensorFlow has already set up its
            devices.
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
    """Whether this process writes a run's files: always, except on the non-chief workers of a
    cluster (the chief is the task of type "chief", or worker 0 when the cluster has no chief)."""
    resolver = strategy.cluster_resolver
    if resolver is None or resolver.task_type is None:
        return True
    if resolver.task_type == "chief":
        return True
    cluster = resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster


def check_global_batch(batch_size: int, strategy: tf.distribute.Strategy) -> None:
    """Raises ValueError unless the strategy's replicas divide the global batch evenly."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(
            f"batch_size={batch_size} is the global batch and must be a multiple of the "
            f"{replicas} replicas of the strategy: choose "
            f"{batch_size // replicas * replicas or replicas} or "
            f"{(batch_size // replicas + 1) * replicas}."
        )
