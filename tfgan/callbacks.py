"""Keras callbacks that make GAN training visible, measured, resumable and safe from divergence."""

import os
from typing import Callable, Dict, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan import evaluation, plotting, runs, sampling


class SampleGrid(keras.callbacks.Callback):
    """After each epoch, draws G(z) for fixed z as a PNG grid and a TensorBoard image.

    Fixed noise makes the pictures comparable from epoch to epoch: the same z turns into better
    digits. For a conditional GAN the grid has one row per class, num_images // num_classes images
    wide.

    Args:
        image_dir: PNGs go to image_dir/epoch_NNN.png.
        log_dir: TensorBoard directory for the images (None: no TensorBoard image).
        num_images: images in the grid.
        seed: seeds the fixed noise.
    """

    def __init__(self, image_dir: str, log_dir: str = None, num_images: int = 64, seed: int = 0):
        super().__init__()
        self.image_dir = image_dir
        self.log_dir = log_dir
        self.num_images = num_images
        self.seed = seed
        self._writer = None

    def on_train_begin(self, logs=None):
        os.makedirs(self.image_dir, exist_ok=True)
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        grid = plotting.samples_grid(self.model, self.num_images, self.seed)
        plotting.save_grid(grid, os.path.join(self.image_dir, f"epoch_{epoch + 1:03d}.png"))
        if self._writer:
            with self._writer.as_default():
                pixels = grid if grid.ndim == 3 else grid[:, :, None]
                tf.summary.image("samples", pixels[None], step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer:
            self._writer.close()


class Checkpoint(keras.callbacks.Callback):
    """After every epoch, saves the model's whole state as a verified checkpoint (`tfgan.runs`).

    Unlike `keras.callbacks.BackupAndRestore`, which overwrites its checkpoint in place, writes the
    weights and the epoch number separately and deletes them when `fit` ends, each checkpoint here
    is written atomically with its checksum, the previous one is kept until the next is complete,
    and nothing is deleted at the end (`tfgan.runs.Run.finish` removes them once the run's outputs
    are safe). It refuses to save weights that are no longer finite, so the last checkpoint stays
    good. Put it last in the callbacks, after those that change the model at the end of an epoch.

    Args:
        checkpoints: where to save, e.g. `tfgan.runs.Run(...).checkpoints`.
    """

    def __init__(self, checkpoints: runs.Checkpoints):
        super().__init__()
        self.checkpoints = checkpoints

    def on_epoch_end(self, epoch, logs=None):
        steps = _train_steps(self.model)
        if not all(np.isfinite(weights).all() for weights in self.model.get_weights()):
            raise DivergenceError(
                f"training diverged: the weights are not finite after epoch {epoch + 1} (step "
                f"{steps}); no checkpoint of this epoch was written."
            )
        self.checkpoints.save(self.model, epoch + 1, steps)


class DivergenceError(ArithmeticError):
    """Training produced non-finite losses or weights."""


class StopOnDivergence(keras.callbacks.TerminateOnNaN):
    """Keras's TerminateOnNaN(raise_error=True), raising DivergenceError that names epoch and step.

    It stops at the first batch whose `loss` is not finite, before the epoch's end, so that no
    checkpoint of the diverged state is written and no `on_train_end` runs.
    """

    def __init__(self):
        super().__init__(raise_error=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        try:
            super().on_batch_end(batch, logs)
        except RuntimeError as error:
            raise DivergenceError(
                f"training diverged in epoch {self._epoch + 1}, by step "
                f"{_train_steps(self.model)}: the loss is {(logs or {}).get('loss')} (a lower "
                "learning rate may help); no checkpoint of this epoch was written."
            ) from error


class EvaluationCallback(keras.callbacks.Callback):
    """Every n epochs, scores generated samples and adds the figures to the epoch's logs.

    The figures then reach History, the progress bar and any callback that runs after this one and
    reads the logs, such as keras.callbacks.TensorBoard: put this callback before TensorBoard in
    the list (`fit` appends History and the progress bar after all given callbacks). Epochs
    without evaluation leave the keys out, so History holds one value per evaluation. Samples
    come from the fixed `seed`, without touching the model's own seed generator, so evaluating
    does not change the course of training.

    Args:
        metrics_fn: maps generated samples (NumPy) to {name: float}, e.g. from
            tfgan.evaluation.digit_metrics or circle_metrics; for a conditional GAN it is called
            with the samples and their labels, an equal number of each class.
        every_n_epochs: evaluate after epochs n, 2n, ... and after the last epoch.
        num_samples: samples per evaluation.
        seed: seeds the noise of the samples.
        prefix: prepended to each metric name in the logs.
    """

    def __init__(
        self,
        metrics_fn: Callable[[np.ndarray], Dict[str, float]],
        every_n_epochs: int = 1,
        num_samples: int = 10000,
        seed: int = 0,
        prefix: str = "eval_",
    ):
        super().__init__()
        if every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be at least 1, got {every_n_epochs}.")
        if num_samples < 2:
            raise ValueError(f"num_samples must be at least 2, got {num_samples}.")
        self.metrics_fn = metrics_fn
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.seed = seed
        self.prefix = prefix

    @classmethod
    def for_digits(
        cls,
        model: keras.Model,
        real_images,
        metrics: Sequence[str] = ("fid", "kid", "score"),
        real_labels=None,
        **kwargs,
    ) -> "EvaluationCallback":
        """Scores image samples against real_images with a tfgan.classifier model.

        Args:
            model: a classifier from tfgan.classifier (e.g. `load_or_train`).
            real_images: [n, 28, 28, 1] real images in [-1, 1].
            metrics: groups from tfgan.evaluation.DIGIT_METRICS except "parzen".
            real_labels: real_images' classes; for a conditional GAN, adds
                tfgan.evaluation.LABEL_METRICS.
            **kwargs: every_n_epochs, num_samples, seed, prefix.
        """
        metrics_fn = evaluation.digit_metrics(model, real_images, metrics, real_labels=real_labels)
        return cls(metrics_fn, **kwargs)

    @classmethod
    def for_circle(cls, radius: float = 1.0, **kwargs) -> "EvaluationCallback":
        """Scores 2-D samples with the circle metrics (tfgan.evaluation.CIRCLE_METRICS).

        Args:
            radius: the true circle's radius.
            **kwargs: every_n_epochs, num_samples, seed, prefix.
        """
        return cls(evaluation.circle_metrics(radius=radius), **kwargs)

    def evaluates_after(self, epoch: int) -> bool:
        """Whether epoch (0-based) is one to evaluate after: every n-th, and the last."""
        return (epoch + 1) % self.every_n_epochs == 0 or epoch + 1 == self.params.get("epochs")

    def score_samples(self) -> Dict[str, float]:
        """metrics_fn of num_samples samples drawn from the fixed seed (and balanced labels)."""
        samples = self.model.generate(self.num_samples, seed=self.seed)
        if getattr(self.model, "num_classes", None) is None:
            return self.metrics_fn(samples)
        labels = sampling.balanced_labels(self.num_samples, self.model.num_classes)
        return self.metrics_fn(samples, labels)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.evaluates_after(epoch):
            return
        for name, value in self.score_samples().items():
            logs[self.prefix + name] = value


def _train_steps(model) -> int:
    """The train steps a model has made (its optimizer's iterations, also under tf.distribute)."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))
