"""Writes samples of a saved generator (generator.keras) or GAN (gan.keras) to .npy and/or PNG.

    python bin/sample.py --generator=runs/circle/generator.keras --num=10000 --output=samples.npy
    python bin/sample.py --generator=runs/mnist/generator.keras --num=100 --png=digits.png
    python bin/sample.py --generator=runs/cmnist/generator.keras --labels=7 --output=sevens.npz

Samples are in data coordinates: shape (N, 2) for the circle, (N, 28, 28, 1) in [-1, 1] for images.
A conditional generator's samples go to .npz with `images` and their `labels`; its PNG grid has one
column per class for balanced labels.
"""

import os

import numpy as np
from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors

flags.DEFINE_string("generator", None, "Path of a saved generator.keras or gan.keras.")
flags.DEFINE_integer("num", 10000, "Number of samples.", lower_bound=1)
flags.DEFINE_string(
    "output", None, "Where to write the samples (.npy; .npz of images and labels if conditional)."
)
flags.DEFINE_string("png", None, "Where to write image samples as a grid (.png).")
flags.DEFINE_integer("seed", 0, "Seeds the noise: the same seed gives the same samples.")
flags.DEFINE_enum(
    "noise",
    "normal",
    tfgan.sampling.NOISES,
    "Prior p(z) the generator was trained with (a GAN knows it).",
)
flags.DEFINE_string(
    "labels",
    None,
    "A conditional generator's classes: balanced (the default: equal numbers, 0, 1, ..., K-1, 0, "
    "...), one class (7) or a comma-separated list repeated to --num (0,1,2).",
)
flags.mark_flag_as_required("generator")


def _is_label_spec(value: str) -> bool:
    try:
        tfgan.sampling.parse_labels(value)
    except ValueError:
        return False
    return True


flags.register_validator(
    "labels",
    lambda v: v is None or _is_label_spec(v),
    message="--labels must be balanced, a class (7) or comma-separated classes (0,1,2).",
)
flags.register_validator(
    "output",
    lambda v: v is None or v.endswith((".npy", ".npz")),
    message="--output must end in .npy (or .npz for a conditional generator).",
)
flags.register_validator(
    "png", lambda v: v is None or v.endswith(".png"), message="--png must end in .png."
)
flags.register_multi_flags_validator(
    ["output", "png"],
    lambda values: values["output"] or values["png"],
    message="Give --output=FILE.npy, --png=FILE.png or both.",
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    generator, noise = tfgan.sampling.load_generator(FLAGS.generator, FLAGS.noise)
    num_classes = tfgan.sampling.generator_num_classes(generator)
    labels = tfgan.sampling.labels_from_spec(FLAGS.labels, FLAGS.num, num_classes, FLAGS.generator)
    if FLAGS.output and FLAGS.output.endswith(".npy") != (labels is None):
        kind = "a conditional" if labels is not None else "an unconditional"
        raise ValueError(
            f"{FLAGS.generator} is {kind} generator: write its samples to "
            f"{'.npz (images and labels)' if labels is not None else '.npy'}, not {FLAGS.output}."
        )
    samples = tfgan.sampling.generate_finite(
        generator, FLAGS.num, noise, FLAGS.seed, labels, source=FLAGS.generator
    )
    if FLAGS.png and samples.ndim != 4:
        raise ValueError(
            f"--png needs an image generator; this one makes samples of shape {samples.shape[1:]}."
        )
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        if labels is None:
            tfgan.runs.write_atomically(FLAGS.output, lambda path: np.save(path, samples))
        else:
            tfgan.runs.write_atomically(
                FLAGS.output, lambda path: np.savez(path, images=samples, labels=labels)
            )
        print(f"Wrote {samples.shape} samples to {FLAGS.output}")
    if FLAGS.png:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.png)), exist_ok=True)
        columns = num_classes if labels is not None and FLAGS.labels in (None, "balanced") else 0
        tfgan.plotting.save_image_grid(samples, FLAGS.png, columns=columns)
        print(f"Wrote a grid of {len(samples)} images to {FLAGS.png}")


if __name__ == "__main__":
    errors.run(main)
