"""GAN objectives as `GANLoss` objects: what each player minimises, computed from D's logits.

For the logistic losses D(x) = sigmoid(logit), so log D(x) = -softplus(-logit) and
log(1 - D(x)) = -softplus(logit): written with softplus they stay finite for any logit, where
log(sigmoid(x)) overflows. Every loss returns per-example float32 values (shape [batch]) whatever
the logits' dtype; `tfgan.GAN` averages them over the global batch.
"""

import inspect
from typing import Callable, Dict, Sequence, Union

import keras
from keras import ops

from tfgan import distribute


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


_D_KEYS = ("d_real", "d_fake", "d_accuracy")
"""The log keys of `logistic_diagnostics` and of the critics' diagnostics."""


def _flat(logits):
    """[batch, 1] or [batch] logits -> float32 [batch]: losses stay float32 in mixed precision."""
    return ops.reshape(ops.cast(logits, "float32"), (-1,))


@keras.saving.register_keras_serializable(package="tfgan")
class GANLoss:
    """Base class of a GAN objective: each player's per-example loss from D's logits.

    Subclasses implement `discriminator_loss` and `generator_loss` and may add `diagnostics`; each
    returns float32 values of shape [batch] that `tfgan.GAN` averages over the global batch. Every
    method also receives the batch's `labels` (None for an unconditional GAN), for losses that use
    them. Register a subclass with `keras.saving.register_keras_serializable` (and give it a
    `get_config` if its constructor takes arguments) so that a saved GAN reloads it.

    A loss declares the keys its `diagnostics` returns in `log_keys` (a class attribute, or an
    attribute set in `__init__`), as `tfgan.augment.Augment` does: the GAN creates a tracker for
    each when it is built, and the step fails naming the loss if `diagnostics` returns other keys.

    A loss that needs D(x) of real examples in the generator update (a relativistic loss) sets the
    class attribute `generator_needs_real_logits = True`; the step then scores a real minibatch in
    G's update too, a forward pass that the other losses do not pay for.
    """

    generator_needs_real_logits = False
    log_keys: Sequence[str] = ()

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        """D's per-example loss, from its logits on real and on generated examples."""
        raise NotImplementedError(f"{type(self).__name__} must implement discriminator_loss.")

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        """G's per-example loss, from D's logits on generated examples (and on real ones, for a loss
        with `generator_needs_real_logits`; None otherwise)."""
        raise NotImplementedError(f"{type(self).__name__} must implement generator_loss.")

    def diagnostics(self, real_logits, fake_logits, labels=None) -> Dict[str, "keras.KerasTensor"]:
        """{log key: per-example values} that `tfgan.GAN` logs as global-batch means, under exactly
        the keys of `log_keys`; none here."""
        return {}

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "GANLoss":
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config() or ''})"


class _LogisticLoss(GANLoss):
    """D classifies real vs generated, D(x) = sigmoid(logit), trained on D's side of V(D, G)."""

    log_keys = _D_KEYS

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


def _critic_diagnostics(real_logits, fake_logits) -> Dict[str, "keras.KerasTensor"]:
    """Per-example D(x) and D(G(z)) as raw critic values, and whether D scores a real example above
    0 and a generated one below 0 (`d_accuracy`), for losses whose D is not a probability."""
    real_logits, fake_logits = _flat(real_logits), _flat(fake_logits)
    correct = ops.concatenate([real_logits > 0, fake_logits < 0], axis=0)
    return {
        "d_real": real_logits,
        "d_fake": fake_logits,
        "d_accuracy": ops.cast(correct, "float32"),
    }


@keras.saving.register_keras_serializable(package="tfgan")
class Wasserstein(GANLoss):
    """The critic maximises E[D(x)] - E[D(G(z))] and G minimises -E[D(G(z))] (Arjovsky et al. 2017,
    "Wasserstein GAN").

    For a 1-Lipschitz critic the maximum is the Wasserstein-1 distance between the data and G's
    distribution; an unconstrained critic makes it unbounded, so pair this loss with
    `tfgan.regularizers.GradientPenalty` (Gulrajani et al. 2017) or spectral normalization. Logs
    `wasserstein_estimate`, the critic's estimate E[D(x)] - E[D(G(z))] of the distance, and the mean
    critic values `d_real`, `d_fake`.
    """

    log_keys = ("wasserstein_estimate", "d_real", "d_fake")

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        return _flat(fake_logits) - _flat(real_logits)

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return -_flat(fake_logits)

    def diagnostics(self, real_logits, fake_logits, labels=None):
        real, fake = _flat(real_logits), _flat(fake_logits)
        return {"wasserstein_estimate": real - fake, "d_real": real, "d_fake": fake}


@keras.saving.register_keras_serializable(package="tfgan")
class Hinge(GANLoss):
    """D minimises max(0, 1 - D(x)) + max(0, 1 + D(G(z))) and G minimises -D(G(z)) (Lim & Ye 2017,
    "Geometric GAN"; Miyato et al. 2018, "Spectral Normalization for GANs").

    D stops pushing an example once it is scored beyond the margin (real above 1, generated below
    -1). Logs the mean critic values `d_real`, `d_fake` and `d_accuracy`, the share of examples on
    their side of 0.
    """

    log_keys = _D_KEYS

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        return ops.relu(1.0 - _flat(real_logits)) + ops.relu(1.0 + _flat(fake_logits))

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return -_flat(fake_logits)

    def diagnostics(self, real_logits, fake_logits, labels=None):
        return _critic_diagnostics(real_logits, fake_logits)


@keras.saving.register_keras_serializable(package="tfgan")
class LeastSquares(GANLoss):
    """D minimises ((D(x) - b)^2 + (D(G(z)) - a)^2) / 2 and G minimises (D(G(z)) - c)^2 / 2
    (Mao et al. 2017, "Least Squares Generative Adversarial Networks", eq. 2).

    D regresses real examples to b and generated ones to a; G pulls its samples to c. The paper's
    a, b, c = 0, 1, 1 are the defaults (its eq. 9 variant is a, b, c = -1, 1, 0). Logs the mean
    outputs `d_real`, `d_fake` and `d_accuracy`, the share of examples nearer their own target.
    """

    log_keys = _D_KEYS

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0):
        self.a, self.b, self.c = float(a), float(b), float(c)

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        return 0.5 * (
            ops.square(_flat(real_logits) - self.b) + ops.square(_flat(fake_logits) - self.a)
        )

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        return 0.5 * ops.square(_flat(fake_logits) - self.c)

    def diagnostics(self, real_logits, fake_logits, labels=None):
        real, fake = _flat(real_logits), _flat(fake_logits)
        middle = (self.a + self.b) / 2
        sign = 1.0 if self.b >= self.a else -1.0
        correct = ops.concatenate([sign * (real - middle) > 0, sign * (fake - middle) < 0], axis=0)
        return {"d_real": real, "d_fake": fake, "d_accuracy": ops.cast(correct, "float32")}

    def get_config(self):
        return {"a": self.a, "b": self.b, "c": self.c}


@keras.saving.register_keras_serializable(package="tfgan")
class RelativisticAverage(GANLoss):
    """The relativistic average GAN, logistic form (Jolicoeur-Martineau 2018, "The relativistic
    discriminator: a key element missing from standard GAN", eq. 13).

    With C the critic and D~(x) = sigmoid(C(x) - E[C(G(z))]), D~(G(z)) = sigmoid(C(G(z)) - E[C(x)]):
    D minimises -log D~(x) - log(1 - D~(G(z))) and G the same with real and generated swapped,
    -log D~(G(z)) - log(1 - D~(x)). So G also scores real examples (`generator_needs_real_logits`).
    The means are over the global batch, so a mirrored step equals one device. Logs `d_real` and
    `d_fake`, the means of D~(x) and D~(G(z)), and `d_accuracy`, the share of D~ on the right side
    of 1/2.
    """

    generator_needs_real_logits = True
    log_keys = _D_KEYS

    @staticmethod
    def _relative(real_logits, fake_logits):
        """(C(x) - E[C(G(z))], C(G(z)) - E[C(x)]) per example."""
        real, fake = _flat(real_logits), _flat(fake_logits)
        means, _ = distribute.global_means({"real": real, "fake": fake})
        return real - means["fake"], fake - means["real"]

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        real, fake = self._relative(real_logits, fake_logits)
        return ops.softplus(-real) + ops.softplus(fake)

    def generator_loss(self, fake_logits, real_logits=None, labels=None):
        if real_logits is None:
            raise ValueError(
                "RelativisticAverage's generator_loss needs D's logits of real examples."
            )
        real, fake = self._relative(real_logits, fake_logits)
        return ops.softplus(-fake) + ops.softplus(real)

    def diagnostics(self, real_logits, fake_logits, labels=None):
        return logistic_diagnostics(*self._relative(real_logits, fake_logits))


@keras.saving.register_keras_serializable(package="tfgan")
class LossPair(GANLoss):
    """A `GANLoss` made of two functions: generator_loss(fake_logits) and
    discriminator_loss(real_logits, fake_logits), each returning per-example losses.

    It logs no diagnostics (what the logits mean is the functions' business): subclass `GANLoss` to
    log some. The functions are saved by name: register them with
    `keras.saving.register_keras_serializable` to reload a GAN that uses them.
    """

    log_keys = ()

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


LOSSES = {
    "minimax": Minimax,
    "non_saturating": NonSaturating,
    "wasserstein": Wasserstein,
    "hinge": Hinge,
    "least_squares": LeastSquares,
    "relativistic_average": RelativisticAverage,
}
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
