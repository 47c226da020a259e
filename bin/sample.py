"""Writes samples from a saved generator (generator.keras) or GAN (gan.keras) to a .npy file.

    python bin/sample.py --generator=runs/circle/generator.keras --num=10000 --output=samples.npy

Samples are in data coordinates: shape (N, 2) for the circle.
"""

import os

import numpy as np
from absl import flags

import keras
import tfgan
from tfgan import cli

flags.DEFINE_string("generator", None, "Path of a saved generator.keras or gan.keras.")
flags.DEFINE_integer("num", 10000, "Number of samples.", lower_bound=1)
flags.DEFINE_string("output", None, "Where to write the samples (.npy).")
flags.DEFINE_integer("seed", 0, "Seeds the noise: the same seed gives the same samples.")
flags.DEFINE_enum(
    "noise",
    "normal",
    tfgan.gan.NOISES,
    "Prior p(z) the generator was trained with (a GAN knows it).",
)
flags.mark_flags_as_required(["generator", "output"])
flags.register_validator(
    "output", lambda v: v.endswith(".npy"), message="--output must end in .npy."
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    generator, noise = tfgan.gan.load_generator(FLAGS.generator, FLAGS.noise)
    samples = tfgan.gan.generate(generator, FLAGS.num, noise, seed=FLAGS.seed)
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
    np.save(FLAGS.output, samples)
    print(f"Wrote {samples.shape} samples to {FLAGS.output}")


if __name__ == "__main__":
    cli.run(main)
