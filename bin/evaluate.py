"""Scores a saved generator against real data and prints the figures beside a real-vs-real floor.

    python bin/evaluate.py --generator=runs/mnist/generator.keras --data_dir=path/to/idx
    python bin/evaluate.py --generator=runs/circle/generator.keras --dataset=circle

Digits (mnist, fashion_mnist): --num_samples generated images are compared to the real images of
--split through tfgan's digit classifier (trained on --classifier_split and cached on first use):
Fréchet distance (fid) and kernel distance (kid) of its features, classifier score (score, with the
confident share and the rarest class), precision/recall/density/coverage (prdc), and the paper's
Parzen-window log-likelihood (parzen, sigma chosen on --parzen_validation_split). The reference
column scores real images in place of the samples, the same way: by default a random half of
--split (at most --num_samples images, drawn with --seed) stands in for the samples and both
columns are compared to the other half; --reference_split takes the stand-ins from another split and
compares to all of --split. The circle: radius error, angular KS distance, arc coverage and sliced
Wasserstein distance, with --num_samples points of the true circle as the reference. A conditional
generator's samples are drawn for balanced labels and also scored for label_accuracy (the
classifier's agreement with the requested labels) and intra_fid (the mean per-class Fréchet
distance); the reference column scores the stand-ins with their own labels.
"""

import os
import time

import numpy as np
from absl import flags

import tfgan
from tfgan import evaluation

import errors  # bin/errors.py: one-line errors
import run_flags  # bin/run_flags.py: the shared flags

DATASETS = tfgan.data.DATASETS + ("circle",)
DEFAULT_DIGIT_METRICS = ("fid", "kid", "score", "prdc")

flags.DEFINE_string("generator", None, "Path of a saved generator.keras or gan.keras.")
flags.DEFINE_enum("dataset", "mnist", DATASETS, "What the generator was trained on.")
flags.DEFINE_string(
    "data_dir",
    None,
    "Directory of IDX files (train-images-idx3-ubyte[.gz], ...); default: tfgan's copy for MNIST's "
    "test split, else tfds.",
)
flags.DEFINE_string("split", "test", "Real images the samples are compared to (digits).")
flags.DEFINE_string(
    "reference_split",
    None,
    "Real images that stand in for the samples in the reference column (at most --num_samples); "
    "default: a random half of --split, the samples then being compared to the other half.",
)
flags.DEFINE_integer("num_samples", 10000, "Generated samples to score.", lower_bound=2)
flags.DEFINE_list(
    "metrics",
    None,
    f"Comma-separated. Digits: {','.join(evaluation.DIGIT_METRICS)} (default "
    f"{','.join(DEFAULT_DIGIT_METRICS)}); circle: {','.join(evaluation.CIRCLE_METRICS)} "
    "(default all).",
)
flags.DEFINE_string(
    "parzen_validation_split",
    "train[50000:51000]",
    "Real images that choose the Parzen kernel width (the paper: 1,000 training images held out "
    "from the generator's training).",
)
flags.DEFINE_string("output", None, "Where to write the figures as JSON (.json).")
run_flags.define_classifier_flags()
flags.DEFINE_integer(
    "seed", 0, "Seeds the noise of the samples (and the circle's reference points)."
)
flags.DEFINE_enum(
    "noise",
    "normal",
    tfgan.sampling.NOISES,
    "Prior p(z) the generator was trained with (a GAN knows it).",
)
flags.DEFINE_float("radius", 1.0, "The circle's radius.")
flags.DEFINE_float(
    "noise_std", 0.0, "Radial noise of the circle's reference points.", lower_bound=0
)
flags.mark_flag_as_required("generator")
flags.register_validator(
    "output", lambda v: v is None or v.endswith(".json"), message="--output must end in .json."
)
flags.register_validator("radius", lambda v: v > 0, message="--radius must be positive.")
flags.register_multi_flags_validator(
    ["dataset", "metrics"],
    lambda v: (
        not v["metrics"]
        or set(v["metrics"])
        <= set(evaluation.CIRCLE_METRICS if v["dataset"] == "circle" else evaluation.DIGIT_METRICS)
    ),
    message=f"--metrics: choose digit metrics from {','.join(evaluation.DIGIT_METRICS)} or, with "
    f"--dataset=circle, from {','.join(evaluation.CIRCLE_METRICS)}.",
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    generator, noise = tfgan.sampling.load_generator(FLAGS.generator, FLAGS.noise)
    expected_shape = (2,) if FLAGS.dataset == "circle" else tfgan.networks.IMAGE_SHAPE
    if tuple(generator.output_shape[1:]) != expected_shape:
        raise ValueError(
            f"{FLAGS.generator} makes samples of shape {tuple(generator.output_shape[1:])}, but "
            f"--dataset={FLAGS.dataset} needs {expected_shape}."
        )
    num_classes = tfgan.sampling.generator_num_classes(generator)
    if num_classes is not None and FLAGS.dataset == "circle":
        raise ValueError(f"{FLAGS.generator} is conditional; the circle has no classes.")
    labels = stand_in_labels = None
    if FLAGS.dataset == "circle":
        metrics_fn = evaluation.circle_metrics(
            FLAGS.metrics or evaluation.CIRCLE_METRICS, FLAGS.radius
        )
        real_data = tfgan.data.circle(
            FLAGS.num_samples, FLAGS.radius, FLAGS.noise_std, seed=FLAGS.seed + 1
        )
        stand_ins = next(iter(real_data)).numpy()
        report = {"reference": f"{FLAGS.num_samples} points of the true circle"}
    else:
        metrics_fn, (stand_ins, stand_in_labels), report = _digit_metrics()
        if num_classes is not None:
            labels = tfgan.sampling.balanced_labels(FLAGS.num_samples, num_classes)
        else:
            stand_in_labels = None
    rows, seconds = {}, {}
    start = time.time()
    samples = tfgan.sampling.generate_finite(
        generator, FLAGS.num_samples, noise, FLAGS.seed, labels, source=FLAGS.generator
    )
    seconds["sampling"] = time.time() - start
    for name, data, data_labels in (
        ("generator", samples, labels),
        ("real", stand_ins, stand_in_labels),
    ):
        start = time.time()
        rows[name] = metrics_fn(data) if data_labels is None else metrics_fn(data, data_labels)
        seconds[name] = time.time() - start
    print(evaluation.format_table({"generator": rows["generator"], "real vs real": rows["real"]}))
    print(f"Reference (real vs real): {report['reference']}.")
    print(
        "Seconds: "
        + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items())
        + " (the generator's and real rows' include the metrics)."
    )
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        report.update(
            generator=FLAGS.generator,
            dataset=FLAGS.dataset,
            num_samples=FLAGS.num_samples,
            seed=FLAGS.seed,
            metrics=rows,
            seconds=seconds,
        )
        tfgan.runs.write_json(FLAGS.output, report)
        print(f"Wrote {FLAGS.output}")


def _digit_metrics():
    """(metrics function, (real stand-ins for the reference column, their labels), report)."""
    chosen = FLAGS.metrics or DEFAULT_DIGIT_METRICS
    real, real_labels = tfgan.data.real_images(FLAGS.split, FLAGS.dataset, FLAGS.data_dir)
    if FLAGS.reference_split:
        stand_ins, stand_in_labels = tfgan.data.real_images(
            FLAGS.reference_split, FLAGS.dataset, FLAGS.data_dir
        )
        stand_ins = stand_ins[: FLAGS.num_samples]
        stand_in_labels = stand_in_labels[: FLAGS.num_samples]
        reference = (
            f"{len(stand_ins)} images of {FLAGS.reference_split!r} in place of the samples, "
            f"both compared to the {len(real)} images of {FLAGS.split!r}"
        )
    else:
        # A random half, not the first: splits need not be shuffled (MNIST's test set holds
        # two groups of writers, one after the other).
        count = min(FLAGS.num_samples, len(real) // 2)
        order = np.random.default_rng(FLAGS.seed).permutation(len(real))
        stand_ins, real = real[order[:count]], real[order[count:]]
        stand_in_labels, real_labels = real_labels[order[:count]], real_labels[order[count:]]
        reference = (
            f"{count} random images of {FLAGS.split!r} (seed {FLAGS.seed}) in place of the "
            f"samples, both compared to the other {len(real)}"
        )
    if min(len(stand_ins), len(real)) < 6:
        raise ValueError(
            f"too few real images for a reference: {len(stand_ins)} stand-ins and {len(real)} to "
            "compare to; choose larger splits."
        )
    validation = None
    if "parzen" in chosen:
        validation, _ = tfgan.data.real_images(
            FLAGS.parzen_validation_split, FLAGS.dataset, FLAGS.data_dir
        )
    judge = tfgan.classifier.load_or_train(
        FLAGS.dataset, FLAGS.classifier_split, FLAGS.data_dir, FLAGS.classifier_dir, verbose=1
    )
    classifier_path = tfgan.classifier.cache_path(
        FLAGS.dataset, FLAGS.classifier_split, FLAGS.classifier_dir
    )
    metrics_fn = evaluation.digit_metrics(judge, real, chosen, validation, real_labels=real_labels)
    report = {
        "reference": reference,
        "split": FLAGS.split,
        "classifier": classifier_path,
        "parzen_validation_split": (
            FLAGS.parzen_validation_split if validation is not None else None
        ),
    }
    return metrics_fn, (np.asarray(stand_ins), stand_in_labels), report


if __name__ == "__main__":
    errors.run(main)
