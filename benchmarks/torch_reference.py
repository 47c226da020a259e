"""TensorFlow's DCGAN tutorial in PyTorch: the reference of `benchmarks.throughput` (needs torch).

The networks mirror `tfgan.networks.tutorial_dcgan_generator` and `tutorial_dcgan_discriminator`
layer for layer (NCHW, PyTorch's native layout), and the step mirrors `tfgan.GAN`'s: softplus losses
from logits, one Adam per player, "simultaneous" (the tutorial's one forward pass for both players'
gradients) or "alternating" (a D update, then a G update on fresh noise). In bfloat16 the step runs
under `torch.autocast`, PyTorch's counterpart of Keras's mixed_bfloat16 policy (float32 weights,
bfloat16 matmuls and convolutions).
"""

from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

_SLOPE = 0.3  # Keras's default LeakyReLU slope, used by the tutorial
_BN = dict(eps=1e-3, momentum=0.01)  # Keras's BatchNormalization defaults in PyTorch's terms


class Generator(nn.Module):
    """z -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 1x28x28, tanh (batch norm and LeakyReLU between)."""

    def __init__(self, latent_dim: int = 100):
        super().__init__()
        self.dense = nn.Linear(latent_dim, 7 * 7 * 256, bias=False)
        self.bn0 = nn.BatchNorm1d(7 * 7 * 256, **_BN)
        self.conv1 = nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(128, **_BN)
        self.conv2 = nn.ConvTranspose2d(128, 64, 5, 2, padding=2, output_padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64, **_BN)
        self.conv3 = nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1, bias=False)

    def forward(self, z):
        h = F.leaky_relu(self.bn0(self.dense(z)), _SLOPE).view(-1, 256, 7, 7)
        h = F.leaky_relu(self.bn1(self.conv1(h)), _SLOPE)
        h = F.leaky_relu(self.bn2(self.conv2(h)), _SLOPE)
        return torch.tanh(self.conv3(h))


class Discriminator(nn.Module):
    """1x28x28 -> 64x14x14 -> 128x7x7 -> one logit (LeakyReLU and dropout 0.3 after each conv)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(64, 128, 5, stride=2, padding=2)
        self.dense = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        h = F.dropout(F.leaky_relu(self.conv1(x), _SLOPE), 0.3, self.training)
        h = F.dropout(F.leaky_relu(self.conv2(h), _SLOPE), 0.3, self.training)
        return self.dense(torch.flatten(h, 1))


def tutorial_dcgan_step(
    images: np.ndarray,
    update: str = "simultaneous",
    latent_dim: int = 100,
    learning_rate: float = 1e-4,
    seed: int = 0,
    dtype: str = "float32",
) -> Callable[[], torch.Tensor]:
    """A function that runs one train step of the tutorial DCGAN per call, cycling through `images`.

    Args:
        images: [num_batches, batch_size, 28, 28, 1] float32 real images (NHWC, as TensorFlow's).
        update: "simultaneous" or "alternating", as `tfgan.GAN`'s.
        latent_dim: size of z.
        learning_rate: Adam's learning rate for both players.
        seed: seeds the initial weights and the noise.
        dtype: "float32", or "bfloat16" for mixed precision by autocast.

    Returns:
        A callable running one step and returning its discriminator loss (a scalar tensor).

    Raises:
        ValueError: an unknown update or dtype.
    """
    if dtype not in ("float32", "bfloat16"):
        raise ValueError(f"dtype must be 'float32' or 'bfloat16', got {dtype!r}.")
    if update not in ("simultaneous", "alternating"):
        raise ValueError(f"update must be 'simultaneous' or 'alternating', got {update!r}.")
    torch.manual_seed(seed)
    generator, discriminator = Generator(latent_dim), Discriminator()
    g_optimizer = torch.optim.Adam(generator.parameters(), learning_rate)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), learning_rate)
    g_parameters, d_parameters = list(generator.parameters()), list(discriminator.parameters())
    batches = [torch.from_numpy(np.ascontiguousarray(b.transpose(0, 3, 1, 2))) for b in images]
    batch_size = batches[0].shape[0]
    position = [0]

    def autocast():
        """Forward passes in bfloat16 where autocast chooses to (backward passes run outside it)."""
        return torch.autocast("cpu", torch.bfloat16, enabled=dtype == "bfloat16")

    def d_loss_fn(real_logits, fake_logits):
        return (F.softplus(-real_logits) + F.softplus(fake_logits)).mean()

    def g_loss_fn(fake_logits):
        return F.softplus(-fake_logits).mean()

    def simultaneous(real):
        with autocast():
            fake_logits = discriminator(generator(torch.randn(batch_size, latent_dim))).float()
            d_loss = d_loss_fn(discriminator(real).float(), fake_logits)
            g_loss = g_loss_fn(fake_logits)
        g_optimizer.zero_grad(set_to_none=True)
        d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward(inputs=d_parameters, retain_graph=True)
        g_loss.backward(inputs=g_parameters)
        d_optimizer.step()
        g_optimizer.step()
        return d_loss

    def alternating(real):
        with torch.no_grad(), autocast():
            fake = generator(torch.randn(batch_size, latent_dim))
        with autocast():
            d_loss = d_loss_fn(discriminator(real).float(), discriminator(fake).float())
        d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        d_optimizer.step()
        with autocast():
            fake_logits = discriminator(generator(torch.randn(batch_size, latent_dim))).float()
            g_loss = g_loss_fn(fake_logits)
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward(inputs=g_parameters)
        g_optimizer.step()
        return d_loss

    train_step = {"simultaneous": simultaneous, "alternating": alternating}[update]

    def step():
        real = batches[position[0] % len(batches)]
        position[0] += 1
        return train_step(real).detach()

    return step
