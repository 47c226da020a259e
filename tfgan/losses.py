"""GAN objectives as `GANLoss` objects: what each player minimises, computed from D's logits.

For the logistic losses D(x) = sigmoid(logit), so log D(x) = -softplus(-logit) and
log(1 - D(x)) = -softplus(logit): written with softplus they stay finite for any logit, where
log(sigmoid(x)) overflows. Every loss returns per-example float32 values (shape [batch]) whatever the
logits' dtype; `tfgan.GAN` averages them over the global batch.
"""

import inspect
from typing import Callable, Dict, Union

import keras
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


def logistic_diagnostics(real_logits, fake_logits) -> Dict[str, "keras.KerasTensor"]:
    """Per-example D(x), D(G(z)) and whether D tells each apart at the threshold 1/2.

    Their means are `d_real`, `d_fake` and `d_accuracy`: at the game's equilibrium D(x) = 1/2
    everywhere and `d_accuracy` approaches 0.5.
    """
    real_logits, fake_logits = _flat(real_logits), _flat(fake_logits)
    correct = ops.concatenate([real_logits > 0, fake_logits < 0], axis=0)
    return {
        "d_real": ops.sigmoid(real_logits),
        "d_fake": ops.sigmoid(fake_logits),
        "d_accuracy": ops.cast(correct, "float32"),
    }


def _flat(logits):
    """[batch, 1] or [batch] logits -> float32 [batch], so losses stay float32 under mixed precision."""
    return ops.reshape(ops.cast(logits, "float32"), (-1,))


@keras.saving.register_keras_serializable(package="tfgan")
class GANLoss:
    """Base class of a GAN objective: each player's per-example loss from D's logits.

    Subclasses implement `discriminator_loss` and `generator_loss` and may add `diagnostics`; each
    returns float32 values of shape [batch] that `tfgan.GAN` averages over the global batch. Every
    method also receives the batch's `labels` (None for an unconditional GAN), for losses that use
    them. Register a subclass with `keras.saving.register_keras_serializable` (and give it a
    `get_config` if its constructor takes arguments) so that a saved GAN reloads it.

    A loss that needs D(x) of real examples in the generator update (a relativistic loss) sets the
    class attribute `generator_needs_real_logits = True`; the step then scores a real minibatch in
    G's update too, a forward pass that the other losses do not pay for.
    """

    generator_needs_real_logits = False

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        """D's per-example loss, from its logits on real and on generated examples."""
        raise NotImplementedError(f"{type(self).__name__} must implement discriminator_loss.")

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        """G's per-example loss, from D's logits on generated examples (and on real ones, for a loss
        with `generator_needs_real_logits`; None otherwise)."""
        raise NotImplementedError(f"{type(self).__name__} must implement generator_loss.")

    def diagnostics(self, real_logits, fake_logits, labels=None) -> Dict[str, "keras.KerasTensor"]:
        """{log key: per-example values} that `tfgan.GAN` logs as global-batch means; none here."""
        return {}

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "GANLoss":
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config() or ''})"


class _LogisticLoss(GANLoss):
    """D is a classifier of real vs generated, D(x) = sigmoid(logit), trained on D's side of V(D, G)."""

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        return discriminator_loss(real_logits, fake_logits)

    def diagnostics(self, real_logits, fake_logits, labels=None):
        return logistic_diagnostics(real_logits, fake_logits)


@keras.saving.register_keras_serializable(package="tfgan")
class Minimax(_LogisticLoss):
    """The value function itself: D minimises -V(D, G) and G minimises log(1 - D(G(z)))
    (Goodfellow et al. 2014, eq. 1). See `minimax_generator_loss` for why G's side saturates."""

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return minimax_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package="tfgan")
class NonSaturating(_LogisticLoss):
    """D minimises -V(D, G) and G minimises -log D(G(z)) (Goodfellow et al. 2014, sec. 3): the
    paper's practical choice and tfgan's default."""

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return non_saturating_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package="tfgan")
class LossPair(GANLoss):
    """A `GANLoss` made of two functions: generator_loss(fake_logits) and
    discriminator_loss(real_logits, fake_logits), each returning per-example losses.

    It logs no diagnostics (what the logits mean is the functions' business). The functions are
    saved by name: register them with `keras.saving.register_keras_serializable` to reload a GAN
    that uses them.
    """

    def __init__(self, generator_loss: Callable, discriminator_loss: Callable):
        functions = {"generator_loss": generator_loss, "discriminator_loss": discriminator_loss}
        for name, function in functions.items():
            if not callable(function):
                raise ValueError(f"LossPair's {name} must be callable, got {function!r}.")
        self.generator_fn = generator_loss
        self.discriminator_fn = discriminator_loss

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        return self.discriminator_fn(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return self.generator_fn(fake_logits)

    def get_config(self):
        return {
            "generator_loss": keras.saving.serialize_keras_object(self.generator_fn),
            "discriminator_loss": keras.saving.serialize_keras_object(self.discriminator_fn),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**{k: keras.saving.deserialize_keras_object(v) for k, v in config.items()})


LOSSES = {"minimax": Minimax, "non_saturating": NonSaturating}
"""The losses by name: `GAN(loss=name)`, `--loss=name`."""


def get(loss: Union[str, GANLoss, tuple, list, dict]) -> GANLoss:
    """The `GANLoss` that `loss` names or describes.

    Args:
        loss: a name in `LOSSES`, a `GANLoss` (returned as it is), a (generator_loss,
            discriminator_loss) pair of functions, or a serialized `GANLoss` (from
            `keras.saving.serialize_keras_object`).

    Raises:
        ValueError: `loss` is none of these.
    """
    if isinstance(loss, GANLoss):
        return loss
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"Unknown loss {loss!r}: choose one of {sorted(LOSSES)}.")
        return LOSSES[loss]()
    if isinstance(loss, dict):
        return get(keras.saving.deserialize_keras_object(loss))
    if isinstance(loss, (tuple, list)) and len(loss) == 2 and all(map(callable, loss)):
        return LossPair(*loss)
    if inspect.isclass(loss) and issubclass(loss, GANLoss):
        raise ValueError(f"loss must be a GANLoss instance: pass {loss.__name__}(), not the class.")
    raise ValueError(
        f"loss must be one of {sorted(LOSSES)}, a tfgan.losses.GANLoss or a (generator_loss, "
        f"discriminator_loss) pair of callables, got {loss!r}."
    )
