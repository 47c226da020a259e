"""Where the averaged generator gains: the default MNIST recipe at a constant learning rate, scored
every few epochs with its averaged and its trained generator side by side.

    python -m benchmarks.ema_gain --split=test --epochs=10 --every=2

The default recipe decays the learning rate to 0 over the run, so at its end G has stopped moving
and the average adds little (docs/experiments/generator-ema.md); here the learning rate stays at the
recipe's, as in runs stopped early or trained open-ended. Prints one JSON line per evaluation:
epoch, G steps, and each generator's Fréchet distance and confident share (tfgan's classifier,
cached in --classifier_dir, trained on --classifier_split on first use).
"""

import json

import keras
from absl import app, flags

import tfgan

FLAGS = flags.FLAGS
RECIPE = tfgan.recipes.get("mnist", schedule="constant", ema=True)


def _define_flags():
    flags.DEFINE_string(
        "data_dir",
        None,
        "Directory of IDX files; default: tfgan's copy for MNIST's test split, else tfds.",
    )
    flags.DEFINE_string("split", "test", "Split to train on and compare with.")
    flags.DEFINE_integer("epochs", 10, "Epochs of training.", lower_bound=1)
    flags.DEFINE_integer("every", 2, "Score both generators every N epochs.", lower_bound=1)
    flags.DEFINE_integer("num_samples", 5000, "Samples per score.", lower_bound=2)
    flags.DEFINE_integer("seed", 0, "Seeds the run.")
    flags.DEFINE_string("classifier_split", "test", "The digit classifier's training split.")
    flags.DEFINE_string("classifier_dir", None, "The digit classifier's cache.")


class _ScoreBoth(keras.callbacks.Callback):
    def __init__(self, metrics_fn):
        super().__init__()
        self.metrics_fn = metrics_fn

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % FLAGS.every:
            return
        row = {"epoch": epoch + 1, "g_steps": int(self.model.g_optimizer.iterations)}
        for name, generator in (
            ("averaged", self.model.averaged_generator),
            ("trained", self.model.generator),
        ):
            samples = tfgan.sampling.generate(generator, FLAGS.num_samples, seed=FLAGS.seed)
            scores = self.metrics_fn(samples)
            row[name] = {key: round(scores[key], 4) for key in ("fid", "confident")}
        print(json.dumps(row), flush=True)


def main(argv):
    del argv
    data, steps_per_epoch = tfgan.data.mnist_epochs(
        FLAGS.split,
        data_dir=FLAGS.data_dir,
        seed=FLAGS.seed,
        steps_per_execution=RECIPE.steps_per_execution,
    )
    gan = RECIPE.build(steps_per_epoch, seed=FLAGS.seed)
    judge = tfgan.classifier.load_or_train(
        "mnist", FLAGS.classifier_split, FLAGS.data_dir, FLAGS.classifier_dir
    )
    real, _ = tfgan.data.real_images(FLAGS.split, data_dir=FLAGS.data_dir)
    metrics_fn = tfgan.evaluation.digit_metrics(judge, real, ("fid", "score"))
    gan.fit(
        data,
        epochs=FLAGS.epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=[_ScoreBoth(metrics_fn)],
        verbose=0,
    )


if __name__ == "__main__":
    _define_flags()
    app.run(main)
