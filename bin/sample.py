"""Writes samples from a saved generator (generator.keras) or GAN (gan.keras) to .npy and/or a PNG grid.

    python bin/sample.py --generator=runs/circle/generator.keras --num=10000 --output=samples.npy
    python bin/sample.py --generator=runs/mnist/generator.keras --num=100 --png=digits.png

Samples are in data coordinates: shape (N, 2) for the circle, (N, 28, 28, 1) in [-1, 1] for images.
"""

import os

import numpy as np
from absl import flags

import tfgan

import cli  # bin/cli.py: the scripts' shared plumbing

flags.DEFINE_string("generator", None, "Path of a saved generator.keras or gan.keras.")
flags.DEFINE_integer("num", 10000, "Number of samples.", lower_bound=1)
flags.DEFINE_string("output", None, "Where to write the samples (.npy).")
flags.DEFINE_string("png", None, "Where to write image samples as a grid (.png).")
flags.DEFINE_integer("seed", 0, "Seeds the noise: the same seed gives the same samples.")
flags.DEFINE_enum(
    "noise",
    "normal",
    tfgan.gan.NOISES,
    "Prior p(z) the generator was trained with (a GAN knows it).",
)
flags.mark_flag_as_required("generator")
flags.register_validator(
    "output", lambda v: v is None or v.endswith(".npy"), message="--output must end in .npy."
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
    generator, noise = tfgan.gan.load_generator(FLAGS.generator, FLAGS.noise)
    samples = cli.finite_samples(generator, FLAGS.num, noise, FLAGS.seed, FLAGS.generator)
    if FLAGS.png and samples.ndim != 4:
        raise ValueError(
            f"--png needs an image generator; this one makes samples of shape {samples.shape[1:]}."
        )
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        tfgan.runs.write_atomically(FLAGS.output, lambda path: np.save(path, samples))
        print(f"Wrote {samples.shape} samples to {FLAGS.output}")
    if FLAGS.png:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.png)), exist_ok=True)
        tfgan.plotting.save_image_grid(samples, FLAGS.png)
        print(f"Wrote a grid of {len(samples)} images to {FLAGS.png}")


if __name__ == "__main__":
    cli.run(main)
