"""Trains a GAN on your images: a folder, a tensorflow-datasets name or MNIST, at any size.

    python bin/train_images.py --images=path/to/folder --image_size=32 --output_dir=runs/mine
    python bin/train_images.py --images=path/to/folder --conditional --output_dir=runs/by_class
    python bin/train_images.py --images=cifar10 --split=train --output_dir=runs/cifar10

A folder's images are found recursively (PNG, JPEG, BMP, GIF); when its top level holds subfolders,
their sorted names are the classes, which --conditional learns. Before training the script reports
what it found (images per class, sizes and modes, files left out). It trains --recipe
(tfgan.recipes; the recipe flags override its fields) crash-safe with tfgan.runs.train:
OUTPUT_DIR/images/epoch_NNN.png each epoch, TensorBoard logs in OUTPUT_DIR/logs, a checkpoint per
epoch, and at the end generator.keras, gan.keras, samples.png and, last, run.json. Rerunning a
command killed at any instant resumes from its last completed epoch and ends as an uninterrupted run
does. bin/train_mnist.py is this script with MNIST's defaults.
"""

import os
import sys

from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors
import run_flags  # bin/run_flags.py: the training scripts' shared flags

RECIPE_FLAGS = (
    "arch latent_dim loss d_steps spectral_norm gradient_penalty r1_gamma r1_every learning_rate "
    "d_learning_rate_scale beta_1 beta_2 schedule batch_size steps steps_per_execution conditional "
    "conditioning ema ema_half_life augment ada_target ada_speed"
).split()
DIGITS = tfgan.data.DATASETS

flags.DEFINE_string("output_dir", None, "Directory for models, pictures, logs and checkpoints.")
flags.DEFINE_string(
    "images",
    None,
    "The images: a folder (class subfolders are labels), a tensorflow-datasets name with an image "
    f"feature (cifar10, celeb_a, ...) or one of {', '.join(DIGITS)}.",
)
flags.DEFINE_string(
    "data_dir",
    None,
    "For mnist and fashion_mnist: a directory of IDX files (default: tfgan's copy of the MNIST "
    "test split for --split=test, tensorflow-datasets otherwise); for a tfds name: its data dir.",
)
flags.DEFINE_string(
    "split", "train", "Split of a tfds name or of MNIST: train, test, train[:50%], ..."
)
flags.DEFINE_list(
    "image_size",
    None,
    "Size to train at: 32 (square) or height,width (default: the images' own, if all share one).",
)
flags.DEFINE_enum(
    "channels", "auto", ("auto", "1", "3"), "1 (grey) or 3 (RGB); auto: 3 if any image has colour."
)
flags.DEFINE_enum(
    "fit", "crop", ("crop", "pad"), "Another aspect ratio: centre crop, or pad with black."
)
flags.DEFINE_boolean("flip", False, "Random horizontal flips of the training images.")
flags.DEFINE_string(
    "cache_file",
    None,
    "Decode the images once into this .npy file and memory-map it (for data larger than memory).",
)
flags.DEFINE_integer(
    "epochs",
    None,
    "Passes over the images (default: enough for the recipe's --steps).",
    lower_bound=1,
)
flags.DEFINE_integer("seed", 0, "Seeds shuffling, weights and noise: the same seed, the same run.")
flags.DEFINE_integer(
    "eval_every",
    0,
    "MNIST and Fashion-MNIST: every N epochs (and after the last), score 10,000 samples with the "
    "digit classifier: eval_fid, eval_kid, eval_score, eval_confident, ... in the logs. 0: off.",
    lower_bound=0,
)
run_flags.define_recipe_flags("mnist", RECIPE_FLAGS)
run_flags.define_classifier_flags()
run_flags.define_execution_flags(mixed_precision="auto")
flags.mark_flag_as_required("output_dir")
flags.register_validator(
    "image_size",
    lambda value: (
        value is None or (len(value) in (1, 2) and all(v.isdigit() and int(v) > 0 for v in value))
    ),
    message="--image_size must be one size (32) or height,width (48,64).",
)
FLAGS = flags.FLAGS


def _image_set(recipe):
    """The --images, decoded once, and the line that says what they are."""
    size = None if FLAGS.image_size is None else tuple(int(v) for v in FLAGS.image_size)
    if size and recipe.arch in tfgan.networks.IMAGE_ARCHITECTURES:  # before decoding anything
        tfgan.networks.check_image_shape(recipe.arch, (size[0], size[-1], 3))
    if FLAGS.eval_every and FLAGS.images not in DIGITS:
        raise ValueError(
            f"--eval_every scores digits with the digit classifier: --images={FLAGS.images} is not "
            f"one of {', '.join(DIGITS)}."
        )
    return tfgan.data.load_images(
        FLAGS.images,
        image_size=size[0] if size and len(size) == 1 else size,
        channels=None if FLAGS.channels == "auto" else int(FLAGS.channels),
        fit=FLAGS.fit,
        labels=True if recipe.conditional else None,
        split=FLAGS.split,
        data_dir=FLAGS.data_dir,
        cache_file=FLAGS.cache_file,
    )


def main(argv):
    del argv
    recipe = run_flags.recipe()
    strategy = run_flags.strategy(recipe.batch_size)
    image_set = _image_set(recipe)
    print(f"Data: {image_set.report}")

    def epochs_from(start_epoch):
        return tfgan.data.image_epochs(
            image_set,
            recipe.batch_size * recipe.d_steps,
            seed=FLAGS.seed,
            start_epoch=start_epoch,
            steps_per_execution=recipe.steps_per_execution,
            with_labels=recipe.conditional,
            flip=FLAGS.flip,
        )

    first_epoch, steps_per_epoch = epochs_from(0)
    epochs = FLAGS.epochs or recipe.epochs(steps_per_epoch)
    with strategy.scope():
        gan = recipe.build(
            steps_per_epoch,
            epochs=epochs,
            seed=FLAGS.seed,
            num_classes=image_set.num_classes,
            data_shape=image_set.images.shape[1:],
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
            FLAGS.images, FLAGS.classifier_split, FLAGS.data_dir, FLAGS.classifier_dir, verbose=1
        )
        real, labels = tfgan.data.real_images(FLAGS.split, FLAGS.images, FLAGS.data_dir)
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
        identity=run_flags.identity(
            recipe,
            script=os.path.basename(sys.argv[0]),
            data=image_set.report.source,
            images=image_set.report.num_images,  # a folder that changed is another run
        ),
        outputs={"samples.png": write_samples},
        callbacks=callbacks,
    )
    if result.trained and tfgan.distribute.is_chief(strategy):
        print(f"Wrote {', '.join(result.record['files'])}, images/ and logs/ to {FLAGS.output_dir}")


if __name__ == "__main__":
    flags.mark_flag_as_required("images")
    errors.run(main)
