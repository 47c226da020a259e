"""Trains a GAN on MNIST or Fashion-MNIST digits/clothes and draws its samples each epoch.

    python bin/train_mnist.py --output_dir=runs/mnist                      # tensorflow-datasets
    python bin/train_mnist.py --data_dir=path/to/idx --output_dir=runs/mnist  # IDX files

Writes OUTPUT_DIR/images/epoch_NNN.png each epoch, TensorBoard logs (scalars and images) in OUTPUT_DIR/logs,
and at the end generator.keras, gan.keras, samples.png (10x10; one row per class with --conditional) and, last, run.json (the run's flags and its
files' checksums). Rerunning a command killed at any instant resumes from its last completed epoch and ends
as an uninterrupted run does. With --eval_every=N the epoch logs (progress bar, TensorBoard) also hold
eval_fid, eval_kid, eval_score, eval_confident, ... of 10,000 samples every N epochs, measured with the
digit classifier (trained on --classifier_split and cached in --classifier_dir on first use).
"""

import os

from absl import flags

import tfgan

import cli  # bin/cli.py: the scripts' shared plumbing


def _recipe_defaults(field):
    """'dcgan: 64, paper_mlp: 100, ...': a recipe field of every architecture, for help strings."""
    recipes = tfgan.recipes.MNIST_RECIPES
    return ", ".join(f"{arch}: {getattr(recipe, field):g}" for arch, recipe in recipes.items())


flags.DEFINE_string("output_dir", None, "Directory for models, pictures, logs and checkpoints.")
flags.DEFINE_enum("dataset", "mnist", tfgan.data.DATASETS, "Which dataset.")
flags.DEFINE_string(
    "data_dir", None, "Directory of IDX files (train-images-idx3-ubyte[.gz], ...); default: tfds."
)
flags.DEFINE_string(
    "split", "train", "Split to train on: train, test, train+test, train[:50000], ..."
)
flags.DEFINE_integer(
    "epochs",
    None,
    f"Passes over the split (default: enough for {tfgan.recipes.MNIST_GENERATOR_STEPS} generator "
    "steps, 32 epochs of the 10k test split and 6 of the 60k train split, or for the objective "
    "recipe's steps).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "batch_size",
    tfgan.recipes.MNIST_BATCH_SIZE,
    "Real images per discriminator update (global: all replicas).",
    lower_bound=1,
)
flags.DEFINE_enum("arch", "dcgan", sorted(tfgan.networks.IMAGE_ARCHITECTURES), "Networks.")
flags.DEFINE_boolean(
    "conditional",
    False,
    "Learn the images with their labels: G(z, y) draws the class asked for, D(x, y) judges the pair "
    "(tfgan.GAN(num_classes=10)); grids show one row per class.",
)
flags.DEFINE_enum(
    "conditioning",
    "projection",
    tfgan.networks.CONDITIONINGS,
    "How a conditional D sees the label: projection (Miyato & Koyama 2018) or concat.",
)
cli.define_objective_flags()
cli.define_ema_flags()
flags.DEFINE_enum(
    "augment",
    "none",
    ("none", "diff", "adaptive"),
    "Augment what D sees (tfgan.augment): diff = DiffAugment's color,translation,cutout on every "
    "image (Zhao et al. 2020); adaptive = ADA's transformations with a probability p that follows "
    "D's overfitting (Karras et al. 2020).",
)
flags.DEFINE_float(
    "ada_target",
    tfgan.augment.AdaptiveAugment.TARGET,
    "With --augment=adaptive, the overfitting signal E[sign D(x_real)] that p aims for.",
)
flags.DEFINE_float(
    "ada_speed",
    tfgan.recipes.MNIST_ADA_SPEED_IMAGES,
    "With --augment=adaptive, training images for p to move from 0 to 1 (ADA's 500,000 suits runs "
    "of millions of images).",
)
cli.register_positive("ada_speed")
flags.DEFINE_integer(
    "latent_dim",
    None,
    f"Size of z (default {_recipe_defaults('latent_dim')}).",
    lower_bound=1,
)
flags.DEFINE_float(
    "learning_rate",
    None,
    "Initial Adam learning rate of G, and of D times the objective recipe's D/G ratio, "
    "cosine-decayed to 0 (default: the objective recipe's, else "
    f"{_recipe_defaults('learning_rate')}).",
)
flags.DEFINE_float(
    "beta_1",
    None,
    f"Adam beta_1 of both players (default: the objective recipe's, else "
    f"{_recipe_defaults('beta_1')}).",
)
flags.DEFINE_integer(
    "seed", 0, "Seeds shuffling, weights and noise: the same seed gives the same run."
)
flags.DEFINE_integer(
    "steps_per_execution",
    tfgan.recipes.MNIST_STEPS_PER_EXECUTION,
    "Train steps per tf.function call; an epoch is a whole number of calls (the few batches beyond "
    "them are left out of it, different images each epoch).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "eval_every",
    0,
    "Every N epochs (and after the last), score 10,000 samples against the training split with the "
    "digit classifier: eval_fid, eval_kid, eval_score, eval_confident, ... in the logs, History and "
    "TensorBoard. 0: off.",
    lower_bound=0,
)
cli.define_classifier_flags()
cli.define_jit_compile_flag()
cli.define_strategy_flags()
cli.define_mixed_precision_flag(default="auto")
flags.mark_flag_as_required("output_dir")
flags.register_validator(
    "learning_rate", lambda v: v is None or v > 0, message="--learning_rate must be positive."
)
flags.register_validator(
    "ada_target", lambda v: 0 <= v <= 1, message="--ada_target must be in [0, 1]."
)
flags.register_validator(
    "beta_1", lambda v: v is None or 0 <= v < 1, message="--beta_1 must be in [0, 1)."
)
flags.register_multi_flags_validator(
    ["conditional", "arch"],
    lambda v: not v["conditional"] or v["arch"] in tfgan.networks.CONDITIONAL_ARCHITECTURES,
    message=f"--conditional needs --arch in {', '.join(tfgan.networks.CONDITIONAL_ARCHITECTURES)}.",
)
FLAGS = flags.FLAGS


def _augment():
    """The --augment flags' tfgan.augment object, or None."""
    if FLAGS.augment == "diff":
        return tfgan.augment.DiffAugment()
    if FLAGS.augment == "adaptive":
        return tfgan.augment.AdaptiveAugment(FLAGS.ada_target, speed_images=FLAGS.ada_speed)
    return None


def main(argv):
    del argv
    strategy = cli.make_strategy(FLAGS.strategy, FLAGS.tpu, FLAGS.cluster_timeout)
    cli.check_batch_size(FLAGS.batch_size, strategy)
    cli.set_mixed_precision(FLAGS.mixed_precision, strategy)
    objective = cli.objective()
    d_steps = FLAGS.d_steps or objective.d_steps
    generator_steps = objective.generator_steps or tfgan.recipes.MNIST_GENERATOR_STEPS

    def setup(start_epoch):
        data, steps_per_epoch = tfgan.data.mnist_epochs(
            FLAGS.split,
            batch_size=FLAGS.batch_size * d_steps,
            dataset=FLAGS.dataset,
            data_dir=FLAGS.data_dir,
            seed=FLAGS.seed,
            start_epoch=start_epoch,
            steps_per_execution=FLAGS.steps_per_execution,
            with_labels=FLAGS.conditional,
        )
        epochs = FLAGS.epochs or tfgan.recipes.mnist_epochs(steps_per_epoch, generator_steps)
        with strategy.scope():
            gan = tfgan.recipes.mnist_gan(
                decay_steps=epochs * steps_per_epoch,
                arch=FLAGS.arch,
                latent_dim=FLAGS.latent_dim,
                learning_rate=FLAGS.learning_rate,
                beta_1=FLAGS.beta_1,
                d_steps=d_steps,
                num_classes=tfgan.data.NUM_CLASSES if FLAGS.conditional else None,
                conditioning=FLAGS.conditioning,
                augment=_augment(),
                **cli.recipe_arguments(steps_per_epoch),
            )
        return cli.Training(gan, data, epochs, steps_per_epoch)

    def extra_callbacks(output_dir):
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

    def outputs(gan):
        grid = tfgan.plotting.samples_grid(gan, 100, FLAGS.seed)
        return {
            "gan.keras": gan.save,
            **cli.generator_outputs(gan),
            "samples.png": lambda path: tfgan.plotting.save_grid(grid, path),
        }

    if cli.train(FLAGS.output_dir, strategy, setup, outputs, extra_callbacks) and cli.is_chief(
        strategy
    ):
        print(
            f"Wrote generator.keras, gan.keras, samples.png, images/ and logs/ to {FLAGS.output_dir}"
        )


if __name__ == "__main__":
    cli.run(main)
