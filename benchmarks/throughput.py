"""Training throughput of `GAN.fit`, measured against a hand-written loop and against the hardware.

For one model and one configuration (update rule, mixed precision, XLA), `benchmark_model` times in
the same process:

- `GAN.fit` with the `steps_per_execution` the scripts use for that model;
- a plain `tf.function` loop written as in TensorFlow's DCGAN tutorial (one call per step, two
  gradient tapes, the same networks, optimizers and step math), fed the same data: the circle's
  points sampled in-graph inside the step, images from the same in-memory `tf.data` pipeline as
  `fit`;
- optionally the tutorial DCGAN in PyTorch (`benchmarks.torch_reference`), in float32, or in
  bfloat16 by autocast when TensorFlow runs mixed_bfloat16, so that both sides compute in the same
  precision.

Timing windows of `fit` (its epochs) and of the other loops alternate (a callback runs the loops'
windows between `fit`'s epochs), so that a change in the machine's load hits both sides alike; the
first window of each is a warm-up and is dropped, and each side's step time is the median over the
other windows.

FLOPs per step come from TensorFlow's graph profiler (`tf.compat.v1.profiler.profile` with
`ProfileOptionBuilder.float_operation()`) run on the traced graph of one train step, summed over the
ops that TensorFlow actually runs (those the step's outputs and variable updates depend on). It
counts matrix multiplications and convolutions (forward and both backward passes) and elementwise
arithmetic, but no activation functions, batch norm or random sampling, so it slightly undercounts;
XLA's own cost analysis is not reachable from TensorFlow's Python API in 2.21. Dividing the achieved
FLOP/s by the FLOP/s of a large dense matmul timed in the same run gives the share of the machine's
peak that training reaches.
"""

import dataclasses
import itertools
import math
import os
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan import data as data_lib
from tfgan import gan as gan_lib
from tfgan import networks, recipes
from tfgan.mixed_precision import COMPUTE_DTYPES, dtype_policy, policy_name


@dataclasses.dataclass(frozen=True)
class BenchmarkModel:
    """A model to benchmark: its networks, its data and the scripts' settings for it.

    Attributes:
        networks: builds (generator, discriminator).
        latent_dim: size of z.
        batch_size: real examples per step.
        steps_per_execution: the value the training scripts use for this model.
        steps: default train steps per timing window (a multiple of steps_per_execution).
        learning_rate: Adam's learning rate for both players.
        beta_1: Adam's beta_1 for both players.
        data: "circle" (points sampled in-graph) or "images" (28x28x1 in [-1, 1]).
    """

    networks: Callable[[], Tuple[keras.Model, keras.Model]]
    latent_dim: int
    batch_size: int
    steps_per_execution: int
    steps: int
    learning_rate: float
    beta_1: float
    data: str


def _circle_networks():
    return networks.mlp_generator(4, 2), networks.mlp_discriminator(2)


MNIST_PRESETS = {
    "dcgan": "mnist",
    "paper_mlp": "mnist_paper_mlp",
    "tutorial_dcgan": "mnist_tutorial_dcgan",
}
"""The recipe (`tfgan.recipes.PRESETS`) of each MNIST architecture."""


def _mnist_model(arch: str, batch_size: Optional[int], steps: int) -> BenchmarkModel:
    """An MNIST architecture with its recipe's hyperparameters (batch_size None: the recipe's)."""
    recipe = recipes.get(MNIST_PRESETS[arch])
    return BenchmarkModel(
        lambda: networks.image_gan_networks(arch, recipe.latent_dim),
        recipe.latent_dim,
        batch_size or recipe.batch_size,
        recipe.steps_per_execution,
        steps,
        recipe.learning_rate,
        recipe.beta_1,
        "images",
    )


# steps_per_execution as in bin/train_circle.py (200) and bin/train_mnist.py; the tutorial DCGAN at
# the tutorial's batch of 256.
MODELS = {
    "circle": BenchmarkModel(_circle_networks, 4, 256, 200, 1000, 1e-3, 0.5, "circle"),
    "dcgan": _mnist_model("dcgan", None, 100),
    "paper_mlp": _mnist_model("paper_mlp", None, 100),
    "tutorial_dcgan": _mnist_model("tutorial_dcgan", 256, 10),
}


def count_flops(function: tf.types.experimental.PolymorphicFunction, *args) -> int:
    """Floating-point operations of one call of a `tf.function`, by TF's graph profiler.

    Only ops that the function's outputs or its side effects (variable updates) depend on are
    counted: TensorFlow prunes the others before running a function, e.g. the gradients that a
    second `GradientTape` computes through a network whose variables it is not asked about.

    Args:
        function: a `tf.function`.
        *args: tensors or `tf.TensorSpec`s with fully known shapes to trace it with.

    Returns:
        The float operation count (a multiply-add counts as two).
    """
    graph = function.get_concrete_function(*args).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # the v1 profiler warns about its own deprecated helpers
    try:
        profile = tf.compat.v1.profiler.profile(graph=graph, options=options)
    finally:
        logger.setLevel(level)
    live = _live_op_names(graph)
    nodes, total = [profile], 0
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children)
        if node.name in live:
            total += node.float_ops
    return total


def _live_op_names(graph: tf.Graph) -> set:
    """Names of the ops that a function graph's outputs and control outputs depend on."""
    pending = [tensor.op for tensor in graph.outputs] + list(graph.control_outputs)
    live = set()
    while pending:
        op = pending.pop()
        if op.name not in live:
            live.add(op.name)
            pending.extend(tensor.op for tensor in op.inputs)
            pending.extend(op.control_inputs)
    return live


class MatmulPeak:
    """The machine's dense matmul speed: the fastest of all the [size, size] matmuls timed so far.

    Args:
        dtype: the matmul's dtype ("float32", "bfloat16", "float16").
        size: the matrices' side; large enough to run at the kernel's peak.
    """

    def __init__(self, dtype: str = "float32", size: int = 2048):
        self.size = size
        self._a = tf.cast(tf.random.uniform((size, size)), dtype)
        self._matmul = tf.function(lambda x: tf.linalg.matmul(x, x)[0, 0])
        self._matmul(self._a).numpy()  # trace and warm up the kernel
        self.fastest_s = math.inf

    def time(self, repeats: int = 1) -> None:
        """Times `repeats` more matmuls."""
        for _ in range(repeats):
            start = time.perf_counter()
            self._matmul(self._a).numpy()
            self.fastest_s = min(self.fastest_s, time.perf_counter() - start)

    @property
    def flops_per_s(self) -> float:
        return 2 * self.size**3 / self.fastest_s


def matmul_peak_flops(dtype: str = "float32", size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of the best of `repeats` [size, size] x [size, size] matmuls: the dense peak here."""
    peak = MatmulPeak(dtype, size)
    peak.time(repeats)
    return peak.flops_per_s


def plain_train_step(
    generator: keras.Model,
    discriminator: keras.Model,
    g_optimizer: keras.optimizers.Optimizer,
    d_optimizer: keras.optimizers.Optimizer,
    latent_dim: int,
    update: str = "alternating",
) -> Callable[[tf.Tensor], tf.Tensor]:
    """A hand-written GAN step on a batch of real examples, as the TF DCGAN tutorial writes it.

    The same math as `GAN.train_step` with the non-saturating loss and d_steps=1, without its logs:
    "alternating" updates D on fresh noise, then G on fresh noise; "simultaneous" takes both
    players' gradients from one forward pass, the tutorial's loop. Wrap it in `tf.function` to run
    it.

    Returns:
        step(real) -> the discriminator loss.
    """
    if update not in gan_lib.UPDATES:
        raise ValueError(f"update must be one of {gan_lib.UPDATES}, got {update!r}.")
    for optimizer, model in ((g_optimizer, generator), (d_optimizer, discriminator)):
        optimizer.build(model.trainable_variables)  # so that loss scaling uses its variable scale

    def d_loss_of(real_logits, fake_logits):
        return tf.reduce_mean(tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits))

    def g_loss_of(fake_logits):
        return tf.reduce_mean(tf.nn.softplus(-fake_logits))

    def apply(optimizer, tape, loss, model):
        gradients = tape.gradient(optimizer.scale_loss(loss), model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

    def noise(real):
        return tf.random.normal([tf.shape(real)[0], latent_dim])

    def alternating(real):
        fake = generator(noise(real), training=True)
        with tf.GradientTape() as d_tape:
            d_loss = d_loss_of(
                discriminator(real, training=True), discriminator(fake, training=True)
            )
        apply(d_optimizer, d_tape, d_loss, discriminator)
        with tf.GradientTape() as g_tape:
            fake_logits = discriminator(generator(noise(real), training=True), training=True)
            g_loss = g_loss_of(fake_logits)
        apply(g_optimizer, g_tape, g_loss, generator)
        return d_loss

    def simultaneous(real):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake_logits = discriminator(generator(noise(real), training=True), training=True)
            d_loss = d_loss_of(discriminator(real, training=True), fake_logits)
            g_loss = g_loss_of(fake_logits)
        apply(d_optimizer, d_tape, d_loss, discriminator)
        apply(g_optimizer, g_tape, g_loss, generator)
        return d_loss

    return alternating if update == "alternating" else simultaneous


def sample_circle(batch_size: int) -> tf.Tensor:
    """[batch_size, 2] points uniform in angle on the unit circle, drawn in-graph."""
    angle = tf.random.uniform([batch_size], maxval=2 * math.pi)
    return tf.stack([tf.cos(angle), tf.sin(angle)], axis=1)


def random_images(batch_size: int, num_batches: int = 4, seed: int = 0) -> np.ndarray:
    """[num_batches, batch_size, 28, 28, 1] float32 images uniform in [-1, 1]: mock real data."""
    rng = np.random.default_rng(seed)
    shape = (num_batches, batch_size, *networks.IMAGE_SHAPE)
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


@dataclasses.dataclass
class Timing:
    """How long one side took.

    Attributes:
        first_call_s: the first call: tracing, compiling and running its steps (fit's runs
            steps_per_execution steps, the other loops' one).
        first_step_s: first_call_s less the time of the further steps it ran, estimated from fit's
            second call (or the median step when the warm-up window holds one call).
        step_s: seconds per step, the median over the timed windows.
        window_step_s: seconds per step in each timed window.
    """

    first_call_s: float
    first_step_s: float
    step_s: float
    window_step_s: List[float]


class _Loop:
    """A loop of one-step calls, timed window by window."""

    def __init__(self, call: Callable[[], Any]):
        self.call = call
        self.first_call_s = math.nan
        self.window_step_s: List[float] = []

    def warm_up(self) -> None:
        start = time.perf_counter()
        float(self.call())
        self.first_call_s = time.perf_counter() - start

    def run_window(self, steps: int) -> None:
        start = time.perf_counter()
        for _ in range(steps):
            result = self.call()
        float(result)
        self.window_step_s.append((time.perf_counter() - start) / steps)

    def timing(self) -> Timing:
        window_step_s = self.window_step_s[1:]
        step_s = statistics.median(window_step_s)
        return Timing(self.first_call_s, self.first_call_s, step_s, window_step_s)


class _Interleave(keras.callbacks.Callback):
    """Times fit's epochs and, after each epoch, runs one timing window of every other loop."""

    def __init__(self, loops: Sequence[_Loop], steps: int, between_windows: Callable[[], Any]):
        super().__init__()
        self.loops = loops
        self.steps = steps
        self.between_windows = between_windows
        self.first_calls_end_s: List[float] = []  # after the train begins, of fit's first two calls
        self.epoch_step_s: List[float] = []

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if len(self.first_calls_end_s) < 2:
            self.first_calls_end_s.append(time.perf_counter() - self._start)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_step_s.append((time.perf_counter() - self._epoch_start) / self.steps)
        for loop in self.loops:
            loop.run_window(self.steps)
        self.between_windows()

    def timing(self, steps_per_execution: int) -> Timing:
        """fit's timing; its first call's other steps take as long as those of its second call."""
        window_step_s = self.epoch_step_s[1:]
        first_call_s = self.first_calls_end_s[0]
        if len(self.first_calls_end_s) == 2 and self.steps > steps_per_execution:
            step_s = (self.first_calls_end_s[1] - first_call_s) / steps_per_execution
        else:
            step_s = statistics.median(window_step_s)
        first_step_s = first_call_s - (steps_per_execution - 1) * step_s
        return Timing(first_call_s, first_step_s, statistics.median(window_step_s), window_step_s)


def time_fit_and_loops(
    gan: gan_lib.GAN,
    data: tf.data.Dataset,
    loops: Sequence[Callable[[], Any]],
    steps: int,
    windows: int,
    between_windows: Callable[[], Any] = lambda: None,
) -> Tuple[Timing, List[Timing]]:
    """Times `gan.fit(data)` and one-step loops in alternating windows of `steps` steps.

    Args:
        gan: a compiled GAN; steps should be a multiple of its steps_per_execution.
        data: its training data, endless.
        loops: callables that each run one train step and return a scalar (to wait for).
        steps: train steps per window.
        windows: timed windows per side, after one warm-up window each.
        between_windows: called after each round of windows (e.g. to time the matmul peak).

    Returns:
        (timing of fit, [timing of each loop]).
    """
    timed = [_Loop(call) for call in loops]
    for loop in timed:
        loop.warm_up()
    interleave = _Interleave(timed, steps, between_windows)
    gan.fit(
        data,
        epochs=windows + 1,
        steps_per_epoch=steps,
        verbose=0,
        callbacks=[interleave],
        shuffle=False,
    )
    return interleave.timing(gan.steps_per_execution), [loop.timing() for loop in timed]


def _adam(spec: BenchmarkModel) -> keras.optimizers.Optimizer:
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1)
    if keras.config.dtype_policy().name == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def _build_networks(spec: BenchmarkModel, seed: int):
    keras.utils.set_random_seed(seed)
    return spec.networks()


class _PlainLoop:
    """The plain loop on fresh networks built under the current dtype policy: one step per call."""

    def __init__(self, spec, update, batch_size, jit_compile, data, seed):
        generator, discriminator = _build_networks(spec, seed)
        step = plain_train_step(
            generator, discriminator, _adam(spec), _adam(spec), spec.latent_dim, update
        )
        if spec.data == "circle":
            self.real_spec = tf.TensorSpec((batch_size, 2))
            self.function = tf.function(
                lambda: step(sample_circle(batch_size)), jit_compile=jit_compile
            )
            self.args = ()
        else:
            self.real_spec = tf.TensorSpec((batch_size, *networks.IMAGE_SHAPE))
            self.function = tf.function(step, jit_compile=jit_compile)
            self.args = (self.real_spec,)
            self.iterator = iter(data)

    def __call__(self):
        if self.args:
            return self.function(next(self.iterator))
        return self.function()

    def count_flops(self) -> int:
        return count_flops(self.function, *self.args)


def _torch_loop(images, update, seed, dtype):
    """The PyTorch tutorial DCGAN's one-step callable, or None when torch is not installed."""
    try:
        from benchmarks import torch_reference
    except ImportError:
        return None
    return torch_reference.tutorial_dcgan_step(images, update, seed=seed, dtype=dtype)


def benchmark_model(
    model: str,
    update: str = "alternating",
    mixed_precision: str = "none",
    jit_compile="auto",
    batch_size: Optional[int] = None,
    steps: Optional[int] = None,
    windows: int = 5,
    steps_per_execution: Optional[int] = None,
    torch: bool = False,
    seed: int = 0,
    matmul_size: int = 2048,
) -> Dict[str, Any]:
    """Measures `GAN.fit` against a plain `tf.function` loop (and PyTorch) on one model.

    Args:
        model: a name in `MODELS`.
        update: "alternating" or "simultaneous", for both sides.
        mixed_precision: "none", "mixed_bfloat16" or "mixed_float16" (both sides).
        jit_compile: "auto", True or False, as `GAN.compile`; the plain loop uses what "auto"
            resolves to.
        batch_size: real examples per step (default: the model's).
        steps: train steps per timing window (default: the model's), rounded up to a multiple of
            steps_per_execution.
        windows: timed windows per side.
        steps_per_execution: for `fit` (default: the scripts' value for the model).
        torch: also time the PyTorch tutorial DCGAN (model "tutorial_dcgan" only) in the same
            precision: float32, or bfloat16 autocast under mixed_bfloat16 (not under mixed_float16).
        seed: seeds the weights, data and noise.
        matmul_size: side of the matmul that measures the peak, in the compute dtype, timed twice
            after every round of windows (the fastest counts), so that it sees the same load.

    Returns:
        A JSON-serialisable dict: the configuration; for "fit", "plain", under mixed precision
        "float32_plain" (the plain loop on float32 networks, for the speed-up of the precision) and
        with torch "torch": the examples/s, ms per step, first-call and first-step seconds and every
        window's ms per step; fit_over_plain (fit_over_float32_plain, fit_over_torch): throughput
        ratios; FLOPs per step of fit's and the plain loop's step, fit's FLOP/s and its share of the
        peak. With torch=True, "torch" says "measured", "torch not installed" or why not.

    Raises:
        ValueError: unknown model, update or precision, torch with another model, or windows < 1.
    """
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}: choose from {sorted(MODELS)}.")
    if torch and model != "tutorial_dcgan":
        raise ValueError("The PyTorch comparison exists for model 'tutorial_dcgan' only.")
    if windows < 1:
        raise ValueError(f"windows must be at least 1, got {windows}.")
    policy_name(mixed_precision)  # raises for an unknown value
    spec = MODELS[model]
    batch_size = batch_size or spec.batch_size
    steps_per_execution = steps_per_execution or spec.steps_per_execution
    steps = math.ceil((steps or spec.steps) / steps_per_execution) * steps_per_execution
    peak = MatmulPeak(COMPUTE_DTYPES[mixed_precision], matmul_size)
    with dtype_policy(mixed_precision):
        gan = gan_lib.GAN(*_build_networks(spec, seed), spec.latent_dim, update=update, seed=seed)
        gan.compile(
            g_optimizer=_adam(spec),
            d_optimizer=_adam(spec),
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
        )
        if spec.data == "circle":
            data = data_lib.circle(batch_size, seed=seed)
        else:
            images = random_images(batch_size, seed=seed)
            data = tf.data.Dataset.from_tensor_slices(images).repeat().prefetch(tf.data.AUTOTUNE)
        plain = _PlainLoop(spec, update, batch_size, gan.jit_compile, data, seed)
        loops = {"plain": plain}
        if mixed_precision != "none":
            with dtype_policy("none"):
                loops["float32_plain"] = _PlainLoop(
                    spec, update, batch_size, gan.jit_compile, data, seed
                )
        torch_status = None
        if torch and mixed_precision == "mixed_float16":
            torch_status = (
                "not measured under mixed_float16 (PyTorch is compared in float32 or bfloat16)"
            )
        elif torch:
            torch_step = _torch_loop(images, update, seed, COMPUTE_DTYPES[mixed_precision])
            torch_status = "torch not installed" if torch_step is None else "measured"
            if torch_step is not None:
                loops["torch"] = torch_step
        fit, timings = time_fit_and_loops(
            gan, data, list(loops.values()), steps, windows, between_windows=lambda: peak.time(2)
        )
        # Traced after timing, so that the first steps timed include tracing.
        fit_flops = count_flops(tf.function(gan.train_step), plain.real_spec)
        plain_flops = plain.count_flops()
    record = {
        "model": model,
        "update": update,
        "mixed_precision": mixed_precision,
        "jit_compile": bool(gan.jit_compile),
        "batch_size": batch_size,
        "steps_per_execution": steps_per_execution,
        "steps_per_window": steps,
        "windows": windows,
        "seed": seed,
        **_side("fit", fit, batch_size),
    }
    for name, timing in zip(loops, timings):
        record.update(_side(name, timing, batch_size))
        record[f"fit_over_{name}"] = timing.step_s / fit.step_s
    record.update(
        {
            "flops_per_step": fit_flops,
            "plain_flops_per_step": plain_flops,
            "fit_flops_per_s": fit_flops / fit.step_s,
            "peak_flops_per_s": peak.flops_per_s,
            "peak_dtype": COMPUTE_DTYPES[mixed_precision],
            "fit_peak_share": fit_flops / fit.step_s / peak.flops_per_s,
        }
    )
    if torch_status is not None:
        record["torch"] = torch_status
    return record


def _side(name: str, timing: Timing, batch_size: int) -> Dict[str, Any]:
    return {
        f"{name}_examples_per_s": batch_size / timing.step_s,
        f"{name}_step_ms": 1e3 * timing.step_s,
        f"{name}_first_call_s": timing.first_call_s,
        f"{name}_first_step_s": timing.first_step_s,
        f"{name}_window_step_ms": [1e3 * s for s in timing.window_step_s],
    }


def run_benchmarks(
    models: Sequence[str],
    updates: Sequence[str] = ("alternating",),
    precisions: Sequence[str] = ("none",),
    jit_compiles: Sequence[Any] = ("auto",),
    seeds: Sequence[int] = (0,),
    torch: bool = False,
    progress: Callable[[str], None] = lambda message: None,
    **kwargs,
) -> Dict[str, Any]:
    """Benchmarks every combination of model, update rule, precision, XLA setting and seed.

    Args:
        models: names in `MODELS`.
        updates: update rules to measure.
        precisions: values in `tfgan.mixed_precision.PRECISIONS` to measure.
        jit_compiles: "auto", True or False values to measure.
        seeds: seeds of the weights, data and noise.
        torch: also time the PyTorch tutorial DCGAN next to "tutorial_dcgan".
        progress: called with a line before each measurement.
        **kwargs: passed to `benchmark_model` (batch_size, steps, windows, steps_per_execution).

    Returns:
        {"environment": versions and CPU count, "results": [one `benchmark_model` record per
        combination], "peak_flops_per_s": {dtype: the fastest dense matmul FLOP/s of the records}}.
    """
    results = []
    for model, update, precision, jit, seed in itertools.product(
        models, updates, precisions, jit_compiles, seeds
    ):
        progress(f"{model}, {update}, {precision}, jit_compile={jit}, seed {seed}")
        use_torch = torch and model == "tutorial_dcgan"
        results.append(
            benchmark_model(model, update, precision, jit, torch=use_torch, seed=seed, **kwargs)
        )
    peaks = {}
    for record in results:
        dtype = record["peak_dtype"]
        peaks[dtype] = max(peaks.get(dtype, 0.0), record["peak_flops_per_s"])
    return {"environment": environment(torch), "results": results, "peak_flops_per_s": peaks}


def environment(torch: bool = False) -> Dict[str, Any]:
    """Library versions and the CPU count, to file with the figures."""
    info = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "cpu_count": os.cpu_count(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }
    if torch:
        try:
            import torch as torch_module
        except ImportError:
            info["torch"] = "torch not installed"
        else:
            info["torch"] = torch_module.__version__
            info["torch_threads"] = torch_module.get_num_threads()
    return info


_COLUMNS = (  # (heading, record key, format)
    ("model", "model", "{}"),
    ("update", "update", "{}"),
    ("precision", "mixed_precision", "{}"),
    ("xla", "jit_compile", "{}"),
    ("seed", "seed", "{}"),
    ("batch", "batch_size", "{}"),
    ("spe", "steps_per_execution", "{}"),
    ("fit ex/s", "fit_examples_per_s", "{:.0f}"),
    ("plain ex/s", "plain_examples_per_s", "{:.0f}"),
    ("fit/plain", "fit_over_plain", "{:.2f}"),
    ("torch ex/s", "torch_examples_per_s", "{:.0f}"),
    ("fit/torch", "fit_over_torch", "{:.2f}"),
    ("fit/fp32", "fit_over_float32_plain", "{:.2f}"),
    ("fit ms", "fit_step_ms", "{:.2f}"),
    ("plain ms", "plain_step_ms", "{:.2f}"),
    ("fit 1st s", "fit_first_step_s", "{:.2f}"),
    ("plain 1st s", "plain_first_step_s", "{:.2f}"),
    ("GFLOP/step", "flops_per_step", "{:.3g}"),
    ("GFLOP/s", "fit_flops_per_s", "{:.3g}"),
    ("% peak", "fit_peak_share", "{:.1%}"),
)
_SCALES = {"flops_per_step": 1e-9, "fit_flops_per_s": 1e-9}


def format_table(results: Sequence[Dict[str, Any]]) -> str:
    """The records of `benchmark_model` as an aligned text table (absent values show as "-")."""
    rows = [[heading for heading, _, _ in _COLUMNS]]
    for record in results:
        row = []
        for _, key, fmt in _COLUMNS:
            value = record.get(key)
            if key in _SCALES and value is not None:
                value *= _SCALES[key]
            row.append("-" if value is None else fmt.format(value))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows)
