"""Trains a GAN on MNIST or Fashion-MNIST digits/clothes and draws its samples each epoch.

    python bin/train_mnist.py --output_dir=runs/mnist                      # tensorflow-datasets
    python bin/train_mnist.py --data_dir=path/to/idx --output_dir=runs/mnist  # IDX files

Writes OUTPUT_DIR/images/epoch_NNN.png each epoch, TensorBoard logs (scalars and images) in OUTPUT_DIR/logs,
and at the end generator.keras, gan.keras and samples.png (10x10). Rerunning an interrupted command resumes
from its last completed epoch.
"""

import math
import os

from absl import flags

import keras
import tfgan
from tfgan import cli

# Per-architecture defaults, chosen by measuring sample quality per second of training on 2 CPU cores.
RECIPES = {
    "dcgan": {"latent_dim": 64, "learning_rate": 2e-3, "beta_1": 0.0},
    "paper_mlp": {"latent_dim": 100, "learning_rate": 5e-4, "beta_1": 0.5},
    "tutorial_dcgan": {"latent_dim": 100, "learning_rate": 1e-4, "beta_1": 0.9},  # the tutorial's
}
DEFAULT_STEPS = 7800

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
    f"Passes over the split (default: enough for {DEFAULT_STEPS} generator steps, about 4 minutes of "
    "the default recipe on 2 CPU cores: 50 epochs of the 10k test split, 9 of the 60k train split).",
    lower_bound=1,
)
flags.DEFINE_integer("batch_size", 64, "Real images per discriminator update.", lower_bound=1)
flags.DEFINE_enum("arch", "dcgan", sorted(tfgan.networks.IMAGE_ARCHITECTURES), "Networks.")
flags.DEFINE_enum("loss", "non_saturating", sorted(tfgan.losses.LOSSES), "Generator loss.")
flags.DEFINE_integer("d_steps", 1, "Discriminator updates per generator update (k).", lower_bound=1)
flags.DEFINE_integer(
    "latent_dim",
    None,
    "Size of z (default: 64 for dcgan, 100 for paper_mlp and tutorial_dcgan).",
    lower_bound=1,
)
flags.DEFINE_float(
    "learning_rate",
    None,
    "Initial Adam learning rate of both players, cosine-decayed to 0 (default: 2e-3 for dcgan, 5e-4 "
    "for paper_mlp, 1e-4 for tutorial_dcgan).",
)
flags.DEFINE_float(
    "beta_1",
    None,
    "Adam beta_1 of both players (default: 0 for dcgan, 0.5 for paper_mlp, 0.9 for tutorial_dcgan).",
)
flags.DEFINE_integer(
    "seed", 0, "Seeds shuffling, weights and noise: the same seed gives the same run."
)
flags.DEFINE_integer("steps_per_execution", 10, "Train steps per tf.function call.", lower_bound=1)
cli.define_jit_compile_flag()
cli.define_mixed_precision_flag()
flags.mark_flag_as_required("output_dir")
flags.register_validator(
    "learning_rate", lambda v: v is None or v > 0, message="--learning_rate must be positive."
)
flags.register_validator(
    "beta_1", lambda v: v is None or 0 <= v < 1, message="--beta_1 must be in [0, 1)."
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    if cli.finished_run(FLAGS.output_dir):
        return
    data = tfgan.data.mnist(
        FLAGS.split,
        batch_size=FLAGS.batch_size * FLAGS.d_steps,
        dataset=FLAGS.dataset,
        data_dir=FLAGS.data_dir,
        seed=FLAGS.seed,
    )
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    cli.set_mixed_precision(FLAGS.mixed_precision)
    keras.utils.set_random_seed(FLAGS.seed)
    recipe = RECIPES[FLAGS.arch]
    latent_dim = FLAGS.latent_dim or recipe["latent_dim"]
    generator, discriminator = tfgan.networks.image_gan_networks(FLAGS.arch, latent_dim)
    gan = tfgan.GAN(
        generator,
        discriminator,
        latent_dim=latent_dim,
        loss=FLAGS.loss,
        d_steps=FLAGS.d_steps,
        seed=FLAGS.seed,
    )
    steps_per_epoch = int(data.cardinality())
    epochs = FLAGS.epochs or math.ceil(DEFAULT_STEPS / steps_per_epoch)
    cli.compile_with_adam(
        gan,
        FLAGS.learning_rate or recipe["learning_rate"],
        recipe["beta_1"] if FLAGS.beta_1 is None else FLAGS.beta_1,
        epochs * steps_per_epoch,
        FLAGS.jit_compile,
        FLAGS.steps_per_execution,
    )
    logs = os.path.join(FLAGS.output_dir, "logs")
    samples = tfgan.callbacks.SampleGrid(
        os.path.join(FLAGS.output_dir, "images"), os.path.join(logs, "samples"), seed=FLAGS.seed
    )
    gan.fit(
        data,
        epochs=epochs,
        callbacks=cli.training_callbacks(FLAGS.output_dir) + [samples],
        shuffle=False,
    )
    cli.save_models(gan, FLAGS.output_dir)
    path = os.path.join(FLAGS.output_dir, "samples.png")
    tfgan.plotting.save_image_grid(gan.generate(100, seed=FLAGS.seed), path, columns=10)
    print(f"Wrote generator.keras, gan.keras, samples.png, images/ and logs/ to {FLAGS.output_dir}")


if __name__ == "__main__":
    cli.run(main)
