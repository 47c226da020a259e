"""A second opinion on generated digits: a LeNet-style CNN sharing nothing with tfgan.classifier.

    python -m benchmarks.independent_judge --samples=digits.npy --split=test

Trains the CNN (two 5x5 convolutions with max pooling, a dense layer of 128, dropout; Adam, 8
epochs, seeded) on all but the last 1,000 images of --split, reports its accuracy on those 1,000,
and scores each file of --samples (a .npy of [n, h, w, c] images in [-1, 1], as bin/sample.py
writes them): the share classified with p > 0.9, the share of each predicted class, and the Fréchet
distance between the samples and all of --split in the judge's 128 features (its dense layer's). For
a conditional generator's .npz (images and labels) it also reports label_accuracy, its agreement
with the requested labels. The figures go to stdout as one JSON line per file.
"""

import json

import keras
import numpy as np
from absl import app, flags

import tfgan

FLAGS = flags.FLAGS

HELD_OUT = 1000
CONFIDENCE = 0.9


def build_judge(num_classes: int = 10, input_shape=(28, 28, 1)) -> keras.Model:
    """LeNet-style: conv 5x5 (32) -> maxpool -> conv 5x5 (64) -> maxpool -> dense 128 -> logits."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 5, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu", name="features"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(num_classes),
        ]
    )


def features(judge: keras.Model, images: np.ndarray) -> np.ndarray:
    """The judge's "features" layer (its dense layer of 128) on images."""
    penultimate = keras.Model(judge.inputs, judge.get_layer("features").output)
    return penultimate.predict(images, batch_size=1000, verbose=0)


def verdict(judge: keras.Model, samples: np.ndarray, labels=None, real_features=None) -> dict:
    """The share of samples classified with p > 0.9, the share of each predicted class, given the
    requested labels the share classified as requested, and given real images' `features` the
    Fréchet distance to them."""
    probabilities = keras.ops.convert_to_numpy(
        keras.ops.softmax(judge.predict(samples, batch_size=1000, verbose=0))
    )
    classes = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    shares = classes / len(samples)
    figures = {
        "confident": float(np.mean(probabilities.max(axis=1) > CONFIDENCE)),
        "rarest_class": float(shares.min()),
        "class_shares": [round(float(share), 4) for share in shares],
    }
    if labels is not None:
        figures["label_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == labels))
    if real_features is not None:
        figures["fid"] = tfgan.metrics.frechet_distance(real_features, features(judge, samples))
    return figures


def main(argv):
    del argv
    keras.utils.set_random_seed(FLAGS.seed)
    if FLAGS.images:
        image_set = tfgan.data.load_images(FLAGS.images, labels=True, split=FLAGS.split)
        images = tfgan.data.scale_pixels(image_set.images).numpy()
        labels = image_set.labels
    else:
        images, labels = tfgan.data.real_images(FLAGS.split, FLAGS.dataset, FLAGS.data_dir)
    order = np.random.default_rng(FLAGS.seed).permutation(len(images))
    images, labels = images[order], labels[order].astype(np.int32)
    train, held_out = slice(None, -HELD_OUT), slice(-HELD_OUT, None)
    judge = build_judge(int(labels.max()) + 1, images.shape[1:])
    judge.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    judge.fit(images[train], labels[train], batch_size=128, epochs=FLAGS.epochs, verbose=0)
    _, accuracy = judge.evaluate(images[held_out], labels[held_out], verbose=0)
    real_features = features(judge, images)
    for path in FLAGS.samples:
        labels = None
        if path.endswith(".npz"):
            with np.load(path) as written:
                samples, labels = written["images"], written["labels"]
        else:
            samples = np.load(path)
        report = {
            "file": path,
            "judge_accuracy": float(accuracy),
            "samples": len(samples),
            **verdict(judge, samples, labels, real_features),
        }
        print(json.dumps(report), flush=True)


def _define_flags():
    """Defined only when run as a module, so that importing verdict defines no flags."""
    flags.DEFINE_list(
        "samples",
        None,
        "Files of generated images (.npy, [n, h, w, c] in [-1, 1]; or .npz with labels), "
        "comma-separated: the judge is trained once and scores each.",
    )
    flags.DEFINE_enum("dataset", "mnist", tfgan.data.DATASETS, "What the judge learns.")
    flags.DEFINE_string(
        "images", None, "Instead of --dataset: a folder with class subfolders, or a tfds name."
    )
    flags.DEFINE_string(
        "data_dir",
        None,
        "Directory of IDX files; default: tfgan's copy for MNIST's test split, else tfds.",
    )
    flags.DEFINE_string(
        "split", "train", "Split the judge trains on (its last 1,000 images test it)."
    )
    flags.DEFINE_integer("epochs", 8, "Training epochs.", lower_bound=1)
    flags.DEFINE_integer("seed", 0, "Seeds the judge's weights and data order.")
    flags.mark_flag_as_required("samples")


if __name__ == "__main__":
    _define_flags()
    app.run(main)
