"""GAN losses as (generator_loss, discriminator_loss) pairs computed from logits.

D(x) = sigmoid(logit), so log D(x) = -softplus(-logit) and log(1 - D(x)) = -softplus(logit); writing the
losses with softplus keeps them finite for any logit, where log(sigmoid(x)) overflows. Every function returns
per-example losses (shape [batch]); `tfgan.GAN` averages them over the global batch.
"""

from typing import Callable, NamedTuple, Union

from keras import ops


def discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))): D's side of V(D, G) (Goodfellow et al. 2014, eq. 1).

    D maximises V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]; this is -V per example. Both generator
    losses below are played against it.
    """
    return ops.softplus(-_flat(real_logits)) + ops.softplus(_flat(fake_logits))


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))): G minimises the value function itself (Goodfellow et al. 2014, eq. 1).

    Saturates: when D confidently rejects the samples (D(G(z)) -> 0, early in training) its gradient
    vanishes, which is why the paper trains G with the non-saturating loss instead.
    """
    return -ops.softplus(_flat(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)) (Goodfellow et al. 2014, sec. 3): strong gradients early in training.

    Same fixed point as the minimax game, but G's gradient stays large while D(G(z)) is small.
    """
    return ops.softplus(-_flat(fake_logits))


def _flat(logits):
    """[batch, 1] or [batch] logits -> float32 [batch], so losses stay float32 under mixed precision."""
    return ops.reshape(ops.cast(logits, "float32"), (-1,))


class LossPair(NamedTuple):
    """The two halves of a GAN objective: per-example losses from logits."""

    generator_loss: Callable
    discriminator_loss: Callable


LOSSES = {
    "minimax": LossPair(minimax_generator_loss, discriminator_loss),
    "non_saturating": LossPair(non_saturating_generator_loss, discriminator_loss),
}


def get(loss: Union[str, LossPair, tuple]) -> LossPair:
    """Returns the LossPair named by `loss` (a key of LOSSES) or built from a (g_loss, d_loss) tuple.

    Raises:
        ValueError: `loss` is neither a known name nor a pair of callables.
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"Unknown loss {loss!r}: choose one of {sorted(LOSSES)}.")
        return LOSSES[loss]
    if isinstance(loss, (tuple, list)) and len(loss) == 2 and all(map(callable, loss)):
        return LossPair(*loss)
    raise ValueError(
        f"loss must be one of {sorted(LOSSES)} or a (generator_loss, discriminator_loss) pair of "
        f"callables, got {loss!r}."
    )
