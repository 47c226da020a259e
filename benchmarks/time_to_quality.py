"""Time to quality: how many seconds of training a recipe needs before its samples are good.

`train_and_evaluate` trains with `GAN.fit`, times each epoch, and every `eval_every` epochs scores
samples with an evaluation function (e.g. `tfgan.evaluation.digit_metrics`); the time spent
evaluating is reported but not counted as training. The result is a curve of metrics against
training seconds; `seconds_to_target` reads off the first time the curve meets a target such as
"≥ 80% of samples confidently classified and every class ≥ 5%". `mnist` runs this for the default
MNIST recipe of `bin/train_mnist.py`, built by the same `tfgan.recipes.Recipe.build`.
"""

import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from tfgan import callbacks, evaluation, mixed_precision, recipes
from tfgan import data as data_lib
from tfgan.gan import GAN

LOWER_IS_BETTER = frozenset({"fid", "kid", "radius_error", "angle_ks", "swd"})
"""Metrics that improve as they fall; every other metric improves as it rises."""

CONFIDENT_DIGITS = {"confident": 0.8, "rarest_class": 0.05}
"""The default target: ≥ 80% of samples classified with p > 0.9, and every class ≥ 5% of them."""

Target = Mapping[str, float]
"""{metric: threshold}: met when every metric is at or past its threshold (see LOWER_IS_BETTER)."""

Point = Dict[str, float]
"""One evaluation: epoch, generator_steps, train_seconds, evaluation_seconds and the metrics."""


def meets(metrics: Mapping[str, float], target: Target) -> bool:
    """Whether metrics reach every threshold of target.

    Raises:
        KeyError: a metric of the target is missing from metrics.
    """
    for name, threshold in target.items():
        value = metrics[name]
        if (value > threshold) if name in LOWER_IS_BETTER else (value < threshold):
            return False
    return True


def seconds_to_target(curve: Sequence[Point], target: Target) -> Optional[float]:
    """Training seconds at the first point of the curve that meets target; None if none does."""
    for point in curve:
        if meets(point, target):
            return point["train_seconds"]
    return None


def describe(target: Target) -> str:
    """'confident >= 0.8, rarest_class >= 0.05': a target as text."""
    return ", ".join(
        f"{name} {'<=' if name in LOWER_IS_BETTER else '>='} {threshold:g}"
        for name, threshold in target.items()
    )


class _Curve(callbacks.EvaluationCallback):
    """EvaluationCallback's schedule and samples, with each epoch timed before its evaluation."""

    def __init__(self, evaluate, eval_every, num_samples, seed, on_point):
        super().__init__(evaluate, eval_every, num_samples, seed)
        self.on_point = on_point
        self.curve: List[Point] = []
        self.train_seconds = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self._began
        if not self.evaluates_after(epoch):
            return
        began = time.perf_counter()
        metrics = self.score_samples()
        point = {
            "epoch": epoch + 1,
            "generator_steps": int(self.model.g_optimizer.iterations.numpy()),
            "train_seconds": self.train_seconds,
            "evaluation_seconds": time.perf_counter() - began,
            **{name: float(value) for name, value in metrics.items()},
        }
        self.curve.append(point)
        self.on_point(point)


def train_and_evaluate(
    gan: GAN,
    data: tf.data.Dataset,
    epochs: int,
    evaluate: Callable[[np.ndarray], Dict[str, float]],
    eval_every: int = 1,
    num_samples: int = 10000,
    seed: int = 0,
    on_point: Callable[[Point], Any] = lambda point: None,
    steps_per_epoch: Optional[int] = None,
) -> List[Point]:
    """Trains `gan` on `data` for `epochs` epochs in one `fit`, scoring samples every `eval_every`.

    Training seconds are the wall time of the epochs themselves (the first one's tracing included),
    from each epoch's beginning to its end, before the evaluation that follows it. One `fit` call
    serves all epochs: separate calls would each cost a start-up that training does not have (on
    TensorFlow 2.21 a `fit` call of one epoch took up to 5.1 s where its epoch took 4.7 s). The
    samples come from a fixed seed without touching the model's seed generator, so evaluating does
    not change the course of training.

    Args:
        gan: a compiled GAN.
        data: a finite dataset, one pass an epoch, or endless data with `steps_per_epoch`.
        epochs: epochs to train.
        evaluate: samples (NumPy) -> {metric: value}.
        eval_every: epochs between evaluations; the last epoch is always evaluated.
        num_samples: samples per evaluation.
        seed: seeds the evaluation samples.
        on_point: called with each point as soon as it is measured (e.g. to print progress).
        steps_per_epoch: for endless data (`tfgan.data.mnist_epochs`), the batches of an epoch.

    Returns:
        The curve: one point per evaluation, in order.

    Raises:
        ValueError: epochs or eval_every below 1.
    """
    if epochs < 1 or eval_every < 1:
        raise ValueError(f"epochs and eval_every must be at least 1, got {epochs}, {eval_every}.")
    curve = _Curve(evaluate, eval_every, num_samples, seed, on_point)
    gan.fit(
        data,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        verbose=0,
        shuffle=False,
        callbacks=[curve],
    )
    return curve.curve


def mnist(
    judge: keras.Model,
    split: str = "train",
    dataset: str = "mnist",
    data_dir: Optional[Union[str, os.PathLike]] = None,
    recipe: Union[str, recipes.Recipe] = "mnist",
    precision: str = "none",
    seed: int = 0,
    epochs: Optional[int] = None,
    eval_every: int = 1,
    num_samples: int = 10000,
    targets: Sequence[Target] = (CONFIDENT_DIGITS,),
    on_point: Callable[[Point], Any] = lambda point: None,
) -> Dict[str, Any]:
    """Time to quality of an MNIST recipe: trains it as `bin/train_mnist.py` does and scores it.

    The data, the networks and optimizers (`recipe.build`), the learning-rate schedule over the
    whole run and the epoch count are those of `bin/train_mnist.py` with the same recipe; only the
    script's per-epoch pictures, checkpoints and TensorBoard logs are left out. Samples are scored
    against the training split with `judge` (Fréchet distance, classifier score, confident share,
    rarest class).

    Args:
        judge: a digit classifier from `tfgan.classifier` (trained on other data than it judges,
            ideally).
        split, dataset, data_dir: the training data, as `tfgan.data.mnist`.
        recipe: a name in `tfgan.recipes.PRESETS` or a `tfgan.recipes.Recipe` of 28x28 images.
        precision: a `tfgan.mixed_precision` value or "auto".
        seed: seeds the data order, weights, noise and evaluation samples.
        epochs: epochs to train (default: the recipe's length).
        eval_every: epochs between evaluations.
        num_samples: samples per evaluation.
        targets: the targets to report the time to.
        on_point: called with each point of the curve as it is measured.

    Returns:
        {"config": the settings (precision resolved), "curve": the points,
        "targets": [{"target": text, "thresholds": target, "seconds": seconds or None}]}.
    """
    recipe = recipes.get(recipe)
    resolved = mixed_precision.resolve(precision)
    data, steps_per_epoch = data_lib.mnist_epochs(
        split,
        recipe.batch_size * recipe.d_steps,
        dataset,
        data_dir,
        seed=seed,
        steps_per_execution=recipe.steps_per_execution,
    )
    epochs = epochs or recipe.epochs(steps_per_epoch)
    real_images, _ = data_lib.real_images(split, dataset, data_dir)
    evaluate = evaluation.digit_metrics(judge, real_images, ("fid", "score"))
    with mixed_precision.dtype_policy(resolved):
        gan = recipe.build(steps_per_epoch, epochs=epochs, seed=seed)
        curve = train_and_evaluate(
            gan, data, epochs, evaluate, eval_every, num_samples, seed, on_point, steps_per_epoch
        )
    config = {
        "dataset": dataset,
        "split": split,
        "recipe": recipe.to_dict(),
        "mixed_precision": resolved,
        "seed": seed,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "eval_every": eval_every,
        "num_samples": num_samples,
    }
    return {
        "config": config,
        "curve": curve,
        "targets": [
            {
                "target": describe(target),
                "thresholds": dict(target),
                "seconds": seconds_to_target(curve, target),
            }
            for target in targets
        ],
    }


def format_table(reports: Sequence[Dict[str, Any]]) -> str:
    """One row per `mnist` report: its settings, the seconds to each target, the final figures."""
    headings = ["arch", "precision", "seed", "batch", "epochs"]
    headings += [f"s to {target['target']}" for target in reports[0]["targets"]]
    headings += ["train s", "eval s", "confident", "rarest", "fid"]
    rows = [headings]
    for report in reports:
        config, last = report["config"], report["curve"][-1]
        row = [config["recipe"]["arch"], config["mixed_precision"], config["seed"]]
        row += [config["recipe"]["batch_size"], config["epochs"]]
        row += [
            "not reached" if t["seconds"] is None else f"{t['seconds']:.0f}"
            for t in report["targets"]
        ]
        row += [
            f"{last['train_seconds']:.0f}",
            f"{sum(point['evaluation_seconds'] for point in report['curve']):.0f}",
            f"{last['confident']:.3f}",
            f"{last['rarest_class']:.3f}",
            f"{last['fid']:.1f}",
        ]
        rows.append([str(cell) for cell in row])
    widths = [max(len(row[i]) for row in rows) for i in range(len(headings))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows)


_METRIC_TITLES = {
    "confident": "share of samples classified with p > 0.9",
    "rarest_class": "share of the rarest class",
    "fid": "Fréchet distance (classifier features)",
}


def plot_quality_curves(
    runs, path: str, metrics=("confident", "rarest_class", "fid"), target=None
) -> None:
    """Metrics against training seconds, one panel per metric and one line per run.

    Args:
        runs: {label: curve}, each curve a list of points from `train_and_evaluate` (dicts with
            "train_seconds" and the metrics).
        path: the PNG to write.
        metrics: the metrics to draw; fid and kid are drawn on a log scale.
        target: {metric: threshold}, drawn as dashed lines on the panels of its metrics.
    """
    fig = Figure(figsize=(4.5 * len(metrics), 3.6))
    axes = fig.subplots(1, len(metrics), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for label, curve in runs.items():
            seconds = [point["train_seconds"] for point in curve]
            ax.plot(seconds, [point[metric] for point in curve], marker=".", label=label)
        if target and metric in target:
            ax.axhline(target[metric], color="k", ls="--", lw=0.8, label="target")
        if metric in ("fid", "kid"):
            ax.set_yscale("log")
        ax.set_xlabel("training seconds")
        ax.set_title(_METRIC_TITLES.get(metric, metric))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
