"""Tests for benchmarks.torch_reference, the PyTorch tutorial DCGAN (skipped without torch)."""

import importlib.util
import unittest

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from benchmarks import throughput
from tfgan import networks

if importlib.util.find_spec("torch") is None:
    raise unittest.SkipTest("torch not installed")

import torch  # noqa: E402

from benchmarks import torch_reference  # noqa: E402


def _trainable(keras_model):
    return sum(int(np.prod(v.shape)) for v in keras_model.trainable_variables)


class TorchReferenceTest(tf.test.TestCase, parameterized.TestCase):
    def test_networks_have_the_keras_networks_trainable_parameter_counts(self):
        generator, discriminator = networks.image_gan_networks("tutorial_dcgan", latent_dim=100)
        for torch_model, keras_model in (
            (torch_reference.Generator(100), generator),
            (torch_reference.Discriminator(), discriminator),
        ):
            count = sum(p.numel() for p in torch_model.parameters())
            self.assertEqual(count, _trainable(keras_model))

    def test_generator_makes_28x28_images_and_discriminator_one_logit(self):
        images = torch_reference.Generator(100)(torch.randn(3, 100))
        self.assertEqual(tuple(images.shape), (3, 1, 28, 28))
        self.assertLessEqual(float(images.abs().max()), 1.0)
        self.assertEqual(tuple(torch_reference.Discriminator()(images).shape), (3, 1))

    @parameterized.product(update=["simultaneous", "alternating"], dtype=["float32", "bfloat16"])
    def test_step_returns_a_finite_discriminator_loss_that_training_changes(self, update, dtype):
        images = throughput.random_images(batch_size=4, num_batches=2)
        step = torch_reference.tutorial_dcgan_step(images, update, learning_rate=1e-2, dtype=dtype)
        first = float(step())
        self.assertAllClose(first, 2 * np.log(2.0), atol=0.3)  # D(x) near 1/2 at initialisation
        losses = [float(step()) for _ in range(10)]
        self.assertTrue(np.all(np.isfinite(losses)))
        self.assertNotAllClose(losses[-1], first)

    def test_bfloat16_step_computes_its_convolutions_in_bfloat16(self):
        images = throughput.random_images(batch_size=2, num_batches=1)
        step = torch_reference.tutorial_dcgan_step(images, dtype="bfloat16")
        dtypes = []
        hook = torch.nn.modules.module.register_module_forward_hook(
            lambda module, inputs, output: dtypes.append((type(module).__name__, output.dtype))
        )
        try:
            step()
        finally:
            hook.remove()
        self.assertIn(("Conv2d", torch.bfloat16), dtypes)
        self.assertIn(("ConvTranspose2d", torch.bfloat16), dtypes)

    def test_unknown_dtype_raises(self):
        with self.assertRaisesRegex(ValueError, "bfloat16"):
            torch_reference.tutorial_dcgan_step(throughput.random_images(2, 1), dtype="float16")


if __name__ == "__main__":
    tf.test.main()
