"""Trains a GAN on MNIST or Fashion-MNIST: bin/train_images.py with the digits' defaults.

    python bin/train_mnist.py --output_dir=runs/mnist                     # tfgan's MNIST test split
    python bin/train_mnist.py --recipe=mnist_hinge --output_dir=runs/hinge
    python bin/train_mnist.py --split=train --output_dir=runs/mnist60k    # tensorflow-datasets
    python bin/train_mnist.py --dataset=fashion_mnist --data_dir=path/to/idx --split=train \\
        --output_dir=runs/fashion

--dataset (an alias of train_images.py's --images) is mnist by default and --split test: with no
--data_dir the run reads the MNIST test split shipped with tfgan, so it needs no network. Every flag
of train_images.py works here; see its docstring for what a run writes.
"""

from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors
import train_images  # bin/train_images.py: the script, whose flags this one shares

flags.FLAGS.set_default("images", "mnist")
flags.FLAGS.set_default("split", "test")
flags.DEFINE_alias("dataset", "images")  # after set_default: an alias keeps the default it saw
flags.register_validator(
    "images",
    lambda value: value in tfgan.data.DATASETS,
    message="--dataset must be mnist or fashion_mnist (other images: bin/train_images.py).",
)
main = train_images.main

if __name__ == "__main__":
    errors.run(main)
