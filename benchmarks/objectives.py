"""Losses and D constraints side by side: each one's cost per step and what it learns in equal time.

An objective is a loss with D's constraint (a gradient penalty, R1, spectral norm), trained with its
recipe (`ObjectiveSpec.recipe`). `cost_per_step` times `GAN.fit` for one objective on the circle or
MNIST networks; `circle_quality` and `mnist_quality` train for a wall-clock budget, sizing the run
from the measured cost so that the learning rate still decays to 0 at its end, and score the samples
(the circle's metrics; tfgan's digit classifier's Fréchet distance, confident share and rarest
class).

    python -m benchmarks.objectives --seeds=0,1,2 --seconds=20 --output=objectives.json
    python -m benchmarks.objectives --model=mnist --split=test \
        --objectives=non_saturating,hinge+sn,wasserstein+gp10 --seconds=60
"""

import dataclasses
import functools
import itertools
import json
import statistics
import time
from typing import Dict, List, Sequence

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from tfgan import classifier, evaluation, metrics, mixed_precision, recipes
from tfgan import data as data_lib
from tfgan import gan as gan_lib


@dataclasses.dataclass(frozen=True)
class ObjectiveSpec:
    """A loss and D's constraint, as the scripts' flags name them."""

    loss: str
    spectral_norm: bool = False
    gradient_penalty: float = 0.0
    r1_gamma: float = 0.0

    def recipe(self, model: str) -> recipes.Recipe:
        """What this objective trains with on `model` ("circle" or "mnist"): its preset where there
        is one (`mnist_hinge`, `mnist_wgan_gp`, `circle_wgan_gp`), else the model's recipe with this
        loss and constraint (5 critic updates for the Wasserstein loss, as WGAN's n_critic)."""
        suffix = {("hinge", True, False): "hinge", ("wasserstein", False, True): "wgan_gp"}.get(
            (self.loss, self.spectral_norm, self.gradient_penalty > 0)
        )
        name = f"{model}_{suffix}" if f"{model}_{suffix}" in recipes.PRESETS else model
        changes = dict(
            loss=self.loss,
            spectral_norm=self.spectral_norm,
            gradient_penalty=self.gradient_penalty,
            r1_gamma=self.r1_gamma,
        )
        if name == model and self.loss == "wasserstein":
            changes["d_steps"] = 5
        return recipes.get(name, **changes)

    @property
    def name(self) -> str:
        parts = [self.loss]
        if self.spectral_norm:
            parts.append("sn")
        if self.gradient_penalty:
            parts.append(f"gp{self.gradient_penalty:g}")
        if self.r1_gamma:
            parts.append(f"r1_{self.r1_gamma:g}")
        return "+".join(parts)


LOSSES = (
    "non_saturating",
    "hinge",
    "least_squares",
    "relativistic_average",
    "wasserstein",
)
CONSTRAINTS = (
    {},
    {"spectral_norm": True},
    {"gradient_penalty": 10.0},
    {"r1_gamma": 1.0},
)
OBJECTIVES = {
    spec.name: spec
    for spec in (
        ObjectiveSpec(loss, **constraint)
        for loss, constraint in itertools.product(LOSSES, CONSTRAINTS)
    )
}
"""Every loss (the minimax one aside: the non-saturating loss's game) with no constraint, spectral
norm, WGAN-GP's penalty or R1."""


def _gan(
    spec: ObjectiveSpec,
    model: str,
    steps: int,
    seed: int,
    steps_per_execution: int,
    epochs: int = 1,
) -> gan_lib.GAN:
    """The GAN of the objective's recipe on `model`, its learning rates decaying over
    `epochs` epochs of `steps` steps."""
    recipe = spec.recipe(model).replace(steps_per_execution=steps_per_execution)
    return recipe.build(steps, epochs=epochs, seed=seed)


def _data(model: str, gan: gan_lib.GAN, seed: int) -> tf.data.Dataset:
    if model == "circle":
        return data_lib.circle(512 * gan.d_steps, seed=seed)
    batch = recipes.get("mnist").batch_size * gan.d_steps
    images = np.random.default_rng(seed).uniform(-1, 1, (batch * 4, 28, 28, 1))
    batches = tf.data.Dataset.from_tensor_slices(images.astype(np.float32))
    return batches.batch(batch, drop_remainder=True).repeat()


class _EpochClock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs=None):
        self.seconds = []


def cost_per_step(
    spec: ObjectiveSpec, model: str = "circle", steps: int = 200, windows: int = 3, seed: int = 0
) -> Dict[str, float]:
    """Milliseconds per train step (one G update and its d_steps D updates) of `GAN.fit`, the median
    of `windows` windows of `steps` steps after one warm-up window."""
    gan = _gan(spec, model, steps, seed, steps_per_execution=100, epochs=windows + 1)
    clock = _EpochClock()
    gan.fit(
        _data(model, gan, seed),
        epochs=windows + 1,
        steps_per_epoch=steps,
        verbose=0,
        callbacks=[clock],
    )
    step_ms = 1000 * statistics.median(clock.seconds[1:]) / steps
    return {
        "ms_per_step": step_ms,
        "ms_per_d_update": step_ms / gan.d_steps,
        "d_steps": gan.d_steps,
    }


def circle_quality(spec: ObjectiveSpec, seconds: float, seed: int, ms_per_step: float) -> dict:
    """Trains the circle for about `seconds` at the measured step cost; scores 10,000 samples."""
    steps = _steps(seconds, ms_per_step, multiple=100)
    gan = _gan(spec, "circle", steps, seed, steps_per_execution=100)
    row, samples = _train(spec, gan, _data("circle", gan, seed), steps, seed)
    finite = row["finite"]
    return {
        **row,
        "radius_error": metrics.radius_error(samples) if finite else float("nan"),
        "angle_ks": metrics.angular_ks_distance(samples) if finite else float("nan"),
        "arc_coverage": metrics.arc_coverage(samples) if finite else float("nan"),
    }


def mnist_quality(
    spec: ObjectiveSpec, seconds: float, seed: int, ms_per_step: float, images, score
) -> dict:
    """Trains the default MNIST recipe's networks with the objective's recipe for about `seconds` of
    steps on `images` ([n, 28, 28, 1] in [-1, 1], the recipe's batch per D update) and scores 10,000
    samples with `score` (a `tfgan.evaluation.digit_metrics` function of fid and score)."""
    steps = _steps(seconds, ms_per_step, multiple=10)
    gan = _gan(spec, "mnist", steps, seed, steps_per_execution=10)
    batches = (
        tf.data.Dataset.from_tensor_slices(np.asarray(images, np.float32))
        .shuffle(len(images), seed=seed)
        .repeat()
        .batch(spec.recipe("mnist").batch_size * gan.d_steps, drop_remainder=True)
        .prefetch(2)
    )
    row, samples = _train(spec, gan, batches, steps, seed)
    figures = score(samples) if row["finite"] else {}
    return {**row, **{key: figures.get(key, float("nan")) for key, _ in MNIST_FIGURES}}


def _steps(seconds: float, ms_per_step: float, multiple: int) -> int:
    return max(multiple, int(round(seconds * 1000 / ms_per_step / multiple)) * multiple)


def _train(spec: ObjectiveSpec, gan: gan_lib.GAN, batches: tf.data.Dataset, steps: int, seed: int):
    """Fits one epoch of `steps` steps (the run's length, which its learning rates decay over); the
    row's common figures and 10,000 samples."""
    start = time.perf_counter()
    history = gan.fit(batches, epochs=1, steps_per_epoch=steps, verbose=0)
    trained = time.perf_counter() - start
    samples = gan.generate(10000, seed=seed)
    finite = bool(np.isfinite(samples).all() and np.isfinite(history.history["d_loss"]).all())
    row = {"objective": spec.name, "seed": seed, "steps": steps, "seconds": trained}
    return {**row, "finite": finite}, samples


CIRCLE_FIGURES = (
    ("radius_error", "radius error"),
    ("angle_ks", "angular KS"),
    ("arc_coverage", "arcs held"),
)
MNIST_FIGURES = (
    ("fid", "Fréchet distance"),
    ("confident", "p > 0.9"),
    ("rarest_class", "rarest class"),
)


def quality_table(
    names: Sequence[str],
    seeds: Sequence[int],
    seconds: float,
    quality,
    model="circle",
    progress=print,
) -> List[dict]:
    """quality(spec, seconds, seed, ms_per_step) of every objective and seed, each objective's cost
    on `model` measured once first."""
    rows = []
    for name in names:
        spec = OBJECTIVES[name]
        cost = cost_per_step(spec, model, steps=200 if model == "circle" else 20)
        progress(f"{name}: {cost['ms_per_step']:.2f} ms/step")
        for seed in seeds:
            row = {**quality(spec, seconds, seed, cost["ms_per_step"]), **cost}
            progress(json.dumps(row))
            rows.append(row)
    return rows


def format_table(rows: Sequence[dict], figures=CIRCLE_FIGURES) -> str:
    """Markdown: per objective, the mean (and range) over seeds of each of `figures` ((key, header)
    pairs)."""
    headers = " | ".join(header for _, header in figures)
    lines = [
        f"| objective | d_steps | ms/step | steps | {headers} | seeds |",
        "| --- | --- | --- | --- | " + "--- | " * len(figures) + "--- |",
    ]
    for name in dict.fromkeys(row["objective"] for row in rows):
        mine = [row for row in rows if row["objective"] == name]

        def stat(key):
            values = [row[key] for row in mine]
            return f"{np.mean(values):.3g} ({min(values):.3g}–{max(values):.3g})"

        cells = " | ".join(stat(key) for key, _ in figures)
        lines.append(
            f"| {name} | {mine[0]['d_steps']} | {mine[0]['ms_per_step']:.2f} | "
            f"{mine[0]['steps']} | {cells} | {len(mine)} |"
        )
    return "\n".join(lines)


def _define_flags():
    """Defined only when run as a module: bin/benchmark.py imports this one and has its own."""
    flags.DEFINE_list("objectives", list(OBJECTIVES), f"Objectives: {', '.join(OBJECTIVES)}.")
    flags.DEFINE_list("seeds", ["0", "1", "2"], "Seeds of each objective's runs.")
    flags.DEFINE_float("seconds", 20.0, "Training seconds per run.")
    flags.DEFINE_enum(
        "model", "circle", ["circle", "mnist"], "The circle or MNIST recipe's networks."
    )
    flags.DEFINE_enum(
        "dataset", "mnist", data_lib.DATASETS, "MNIST: the images and the classifier's."
    )
    flags.DEFINE_string(
        "data_dir",
        None,
        "MNIST: directory of IDX files; default: tfgan's copy for the test split, else tfds.",
    )
    flags.DEFINE_string("split", "train", "MNIST: the split trained on and scored against.")
    flags.DEFINE_string("classifier_split", "train", "MNIST: the split tfgan's classifier learns.")
    flags.DEFINE_enum(
        "mixed_precision",
        None,
        ("auto",) + mixed_precision.PRECISIONS,
        "Dtype policy (default: the script's, none for the circle and auto for MNIST).",
    )
    flags.DEFINE_string("output", None, "Write the rows as JSON here.")


def main(argv):
    del argv
    FLAGS = flags.FLAGS
    unknown = sorted(set(FLAGS.objectives) - set(OBJECTIVES))
    if unknown:
        raise app.UsageError(f"Unknown objectives {unknown}: choose from {list(OBJECTIVES)}.")
    default_precision = "auto" if FLAGS.model == "mnist" else "none"
    keras.mixed_precision.set_global_policy(
        mixed_precision.policy_name(
            mixed_precision.resolve(FLAGS.mixed_precision or default_precision)
        )
    )
    quality, figures = circle_quality, CIRCLE_FIGURES
    if FLAGS.model == "mnist":
        judge = classifier.load_or_train(FLAGS.dataset, FLAGS.classifier_split, FLAGS.data_dir)
        images, _ = data_lib.real_images(FLAGS.split, FLAGS.dataset, FLAGS.data_dir)
        score = evaluation.digit_metrics(judge, images, ["fid", "score"])
        quality = functools.partial(mnist_quality, images=images, score=score)
        figures = MNIST_FIGURES
    seeds = [int(seed) for seed in FLAGS.seeds]
    rows = quality_table(FLAGS.objectives, seeds, FLAGS.seconds, quality, FLAGS.model)
    print(format_table(rows, figures))
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    _define_flags()
    app.run(main)
