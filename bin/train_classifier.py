"""Trains the digit classifier that tfgan's evaluation uses as its feature network, and caches it.

    python bin/train_classifier.py --dataset=mnist                           # tensorflow-datasets
    python bin/train_classifier.py --dataset=fashion_mnist \\
        --data_dir=/usr/share/datasets/fashion-mnist

Trains on --split (deterministically from --seed), prints the accuracy on --eval_split and writes
the model to the cache that bin/evaluate.py and bin/train_mnist.py --eval_every read
(CLASSIFIER_DIR/DATASET_SPLIT.keras), replacing a cached one.
"""

import time

import tensorflow as tf
from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors

flags.DEFINE_enum("dataset", "mnist", tfgan.data.DATASETS, "Which dataset.")
flags.DEFINE_string(
    "data_dir",
    None,
    "Directory of IDX files (train-images-idx3-ubyte[.gz], ...); default: tfgan's copy for MNIST's "
    "test split, else tfds.",
)
flags.DEFINE_string("split", "train", "Split to train on: train, train[:50000], test[:8000], ...")
flags.DEFINE_string("eval_split", "test", "Split to measure the accuracy on.")
flags.DEFINE_string(
    "classifier_dir",
    None,
    f"Cache directory (default: ${tfgan.classifier.CACHE_DIR_ENV} or ~/.cache/tfgan).",
)
flags.DEFINE_integer(
    "epochs",
    None,
    f"Passes over the split (default: enough for {tfgan.classifier.DEFAULT_STEPS} steps: 3 epochs "
    "of the 60k train split, 18 of the 10k test split).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "width",
    tfgan.classifier.DEFAULT_WIDTH,
    "Filters of the first convolutions; the network's size scales with it.",
    lower_bound=1,
)
flags.DEFINE_integer("batch_size", 128, "Images per step.", lower_bound=1)
flags.DEFINE_integer(
    "seed", 0, "Seeds weights, dropout and shuffling: the same seed, the same net."
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    eval_images, eval_labels = tfgan.data.real_images(
        FLAGS.eval_split, FLAGS.dataset, FLAGS.data_dir
    )
    tf.config.experimental.enable_op_determinism()
    start = time.time()
    model = tfgan.classifier.train(
        FLAGS.dataset,
        FLAGS.split,
        FLAGS.data_dir,
        epochs=FLAGS.epochs,
        width=FLAGS.width,
        batch_size=FLAGS.batch_size,
        seed=FLAGS.seed,
        verbose=2,
    )
    seconds = time.time() - start
    path = tfgan.classifier.cache_path(FLAGS.dataset, FLAGS.split, FLAGS.classifier_dir)
    tfgan.classifier.save(model, path)
    accuracy = tfgan.classifier.accuracy(model, eval_images, eval_labels)
    print(
        f"{FLAGS.dataset} classifier trained on {FLAGS.split!r} in {seconds:.0f} s: "
        f"{accuracy:.2%} accuracy on {FLAGS.eval_split!r} ({len(eval_labels)} images). "
        f"Cached at {path}"
    )


if __name__ == "__main__":
    errors.run(main)
