"""Packaging for tfgan: Generative Adversarial Nets for TensorFlow 2 / Keras 3."""

from setuptools import find_packages, setup

setup(
    name="tfgan",
    version="0.1.0",
    description="Generative Adversarial Nets (Goodfellow et al. 2014) as a Keras 3 model.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tfgan", "tfgan.*"]),
    # The MNIST test split (CC BY-SA 3.0, credited in its README): the default data of the scripts.
    package_data={"tfgan": ["datasets/mnist/*.gz", "datasets/mnist/README.md"]},
    # Keras 3.15 (keras.optimizers.MultiOptimizer, whose optimizers Keras's callbacks reach)
    # needs 3.11.
    python_requires=">=3.11",
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.15",
        "tensorboard>=2.16",
        "tensorflow-datasets>=4.9",
        "absl-py>=1.0",
        "numpy>=1.23",
        "scipy>=1.9",
        "matplotlib>=3.5",
        "pillow>=9.0",
    ],
    extras_require={
        "test": ["pytest>=7.0", "ruff>=0.6"],
        "bench": ["torch>=2.1"],  # the PyTorch reference of benchmarks/, not needed by tfgan
    },
)
