"""Trains a GAN on MNIST or Fashion-MNIST digits/clothes and draws its samples each epoch.

    python bin/train_mnist.py --output_dir=runs/mnist                     # tfgan's MNIST test split
    python bin/train_mnist.py --recipe=mnist_hinge --output_dir=runs/hinge
    python bin/train_mnist.py --split=train --output_dir=runs/mnist60k    # tensorflow-datasets
    python bin/train_mnist.py --data_dir=path/to/idx --split=train --output_dir=runs/mnist60k

Trains --recipe (tfgan.recipes; the recipe flags override its fields) crash-safe with
tfgan.runs.train: OUTPUT_DIR/images/epoch_NNN.png each epoch, TensorBoard logs in OUTPUT_DIR/logs, a
checkpoint per epoch, and at the end generator.keras, gan.keras, samples.png (10x10; one row per
class for a conditional recipe) and, last, run.json. Rerunning a command killed at any instant
resumes from its last completed epoch and ends as an uninterrupted run does. With --eval_every=N the
epoch logs also hold eval_fid, eval_kid, eval_score, eval_confident, ... of 10,000 samples, measured
with the digit classifier (trained on --classifier_split and cached in --classifier_dir on first
use).
"""

import os

from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors
import run_flags  # bin/run_flags.py: the training scripts' shared flags

RECIPE_FLAGS = (
    "arch latent_dim loss d_steps spectral_norm gradient_penalty r1_gamma r1_every learning_rate "
    "d_learning_rate_scale beta_1 beta_2 schedule batch_size steps steps_per_execution conditional "
    "conditioning ema ema_half_life augment ada_target ada_speed"
).split()

flags.DEFINE_string("output_dir", None, "Directory for models, pictures, logs and checkpoints.")
flags.DEFINE_enum("dataset", "mnist", tfgan.data.DATASETS, "Which dataset.")
flags.DEFINE_string(
    "data_dir",
    None,
    "Directory of IDX files (train-images-idx3-ubyte[.gz], ...); default: tfgan's copy of the "
    "MNIST test split for --dataset=mnist --split=test, tensorflow-datasets for anything else.",
)
flags.DEFINE_string(
    "split", "test", "Split to train on: test, train, train+test, train[:50000], ..."
)
flags.DEFINE_integer(
    "epochs",
    None,
    "Passes over the split (default: enough for the recipe's --steps).",
    lower_bound=1,
)
flags.DEFINE_integer("seed", 0, "Seeds shuffling, weights and noise: the same seed, the same run.")
flags.DEFINE_integer(
    "eval_every",
    0,
    "Every N epochs (and after the last), score 10,000 samples against the training split with the "
    "digit classifier: eval_fid, eval_kid, eval_score, eval_confident, ... in the logs, History "
    "and TensorBoard. 0: off.",
    lower_bound=0,
)
run_flags.define_recipe_flags("mnist", RECIPE_FLAGS)
run_flags.define_classifier_flags()
run_flags.define_execution_flags(mixed_precision="auto")
flags.mark_flag_as_required("output_dir")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    recipe = run_flags.recipe()
    strategy = run_flags.strategy(recipe.batch_size)
    source = tfgan.data.describe_source(FLAGS.split, FLAGS.dataset, FLAGS.data_dir)
    print(f"Data: {source}")

    def epochs_from(start_epoch):
        return tfgan.data.mnist_epochs(
            FLAGS.split,
            batch_size=recipe.batch_size * recipe.d_steps,
            dataset=FLAGS.dataset,
            data_dir=FLAGS.data_dir,
            seed=FLAGS.seed,
            start_epoch=start_epoch,
            steps_per_execution=recipe.steps_per_execution,
            with_labels=recipe.conditional,
        )

    first_epoch, steps_per_epoch = epochs_from(0)
    epochs = FLAGS.epochs or recipe.epochs(steps_per_epoch)
    with strategy.scope():
        gan = recipe.build(
            steps_per_epoch,
            epochs=epochs,
            seed=FLAGS.seed,
            num_classes=tfgan.data.NUM_CLASSES,
            jit_compile=run_flags.jit_compile(),
        )

    def callbacks(output_dir):
        logs = os.path.join(output_dir, "logs")
        samples = tfgan.callbacks.SampleGrid(
            os.path.join(output_dir, "images"), os.path.join(logs, "samples"), seed=FLAGS.seed
        )
        if not FLAGS.eval_every:
            return [samples]
        judge = tfgan.classifier.load_or_train(
            FLAGS.dataset, FLAGS.classifier_split, FLAGS.data_dir, FLAGS.classifier_dir, verbose=1
        )
        real, labels = tfgan.data.real_images(FLAGS.split, FLAGS.dataset, FLAGS.data_dir)
        evaluation = tfgan.callbacks.EvaluationCallback.for_digits(
            judge, real, real_labels=labels, every_n_epochs=FLAGS.eval_every, seed=FLAGS.seed
        )
        return [evaluation, samples]

    def write_samples(path):
        tfgan.plotting.save_grid(tfgan.plotting.samples_grid(gan, 100, FLAGS.seed), path)

    result = tfgan.runs.train(
        gan,
        lambda start: first_epoch if start == 0 else epochs_from(start)[0],
        FLAGS.output_dir,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        identity=run_flags.identity(recipe, data=source),
        outputs={"samples.png": write_samples},
        callbacks=callbacks,
    )
    if result.trained and tfgan.distribute.is_chief(strategy):
        print(f"Wrote {', '.join(result.record['files'])}, images/ and logs/ to {FLAGS.output_dir}")


if __name__ == "__main__":
    errors.run(main)
