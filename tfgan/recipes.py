"""Named training recipes: all a run needs but its data, looked up by name and built in one call.

    recipe = tfgan.recipes.get("circle")                      # or get("mnist", learning_rate=1e-3)
    gan = recipe.build(steps_per_epoch=600, seed=0)           # compiled: networks, loss, optimizers
    gan.fit(tfgan.data.circle(recipe.batch_size * gan.d_steps, seed=0),
            steps_per_epoch=600, epochs=recipe.epochs(600))

A recipe is a frozen `Recipe`: the networks, the game (loss, k, D's constraints), both players' Adam
and learning-rate schedule, the batch, the run's length, the averaged generator and the
augmentation. `bin/train_mnist.py --recipe=NAME` and `bin/train_circle.py --recipe=NAME` train one,
their flags of the same names override its fields; `benchmarks` measure the same objects. Each
preset's figures, measured as its description says, are in docs/scripts.md.
"""

import contextlib
import dataclasses
import math
import random
from typing import Any, Dict, Iterator, Optional, Union

import keras

from tfgan import augment as augment_lib
from tfgan import ema as ema_lib
from tfgan import gan as gan_lib
from tfgan import losses, networks
from tfgan import regularizers as regularizers_lib

MLP = "mlp"
ARCHITECTURES = (*sorted(networks.IMAGE_ARCHITECTURES), MLP)
SCHEDULES = ("cosine", "constant")
AUGMENTS = ("none", "diff", "adaptive")


def _field(default, help: str, **choices) -> Any:
    """A recipe field with its help (the scripts' flag help) and, for text, its choices."""
    return dataclasses.field(default=default, metadata={"help": help, **choices})


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What a run trains and how: a GAN's networks, game, optimizers, batch, length and extras.

    Every field is checked when the recipe is made (ValueError naming the field). `build` turns the
    recipe into a compiled `tfgan.GAN`; `replace` makes a variant (as `dataclasses.replace`).
    """

    arch: str = _field(
        "dcgan",
        "Networks: dcgan or resnet (images of any size), paper_mlp or tutorial_dcgan (28x28x1), "
        "mlp (2-D points).",
        choices=ARCHITECTURES,
    )
    latent_dim: int = _field(64, "Size of z.")
    hidden_units: int = _field(128, "Width of the two hidden layers of the mlp networks.")
    loss: str = _field(
        "non_saturating", "Both players' objectives (tfgan.losses).", choices=tuple(losses.LOSSES)
    )
    d_steps: int = _field(1, "Discriminator updates per generator update (k).")
    spectral_norm: bool = _field(
        False, "Spectral normalization of D's layers (Miyato et al. 2018)."
    )
    gradient_penalty: float = _field(
        0.0, "WGAN-GP's penalty weight at interpolates of real and generated examples; 0: off."
    )
    r1_gamma: float = _field(0.0, "R1 penalty gamma on D's gradient at real examples; 0: off.")
    r1_every: int = _field(1, "Compute R1 on every N-th D update only, N times as heavy (lazy R1).")
    learning_rate: float = _field(2e-3, "G's initial Adam learning rate.")
    d_learning_rate_scale: float = _field(
        1.0, "D's learning rate / G's (two time-scale updates, Heusel et al. 2017)."
    )
    beta_1: float = _field(0.0, "Adam's beta_1 of both players.")
    beta_2: float = _field(0.999, "Adam's beta_2 of both players.")
    schedule: str = _field(
        "cosine",
        "Learning-rate schedule over the run: cosine (to 0) or constant.",
        choices=SCHEDULES,
    )
    batch_size: int = _field(64, "Real examples per discriminator update (global: all replicas).")
    steps: int = _field(4700, "Generator updates in all (a run ends at the epoch that reaches it).")
    steps_per_execution: int = _field(
        10, "Train steps per tf.function call (at most: the largest number that divides an epoch)."
    )
    conditional: bool = _field(
        False,
        "Learn the images with their labels: G(z, y) draws the class asked for, D(x, y) judges "
        "the pair.",
    )
    conditioning: str = _field(
        "projection",
        "How a conditional D sees the label: projection (Miyato & Koyama 2018) or concat.",
        choices=networks.CONDITIONINGS,
    )
    ema: bool = _field(
        False,
        "Sample from an exponential moving average of G's weights (tfgan.ema.GeneratorEMA).",
    )
    ema_half_life: float = _field(
        10_000.0, "With ema: training images over which the average halves older weights."
    )
    augment: str = _field(
        "none",
        "Augment what D sees (tfgan.augment): diff = DiffAugment (Zhao et al. 2020), adaptive = "
        "ADA with a probability that follows D's overfitting (Karras et al. 2020).",
        choices=AUGMENTS,
    )
    ada_target: float = _field(
        augment_lib.AdaptiveAugment.TARGET,
        "With augment=adaptive: the overfitting signal E[sign D(x_real)] that p aims for.",
    )
    ada_speed: float = _field(
        100_000.0, "With augment=adaptive: training images for p to move from 0 to 1."
    )
    description: str = dataclasses.field(default="", compare=False)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            choices = field.metadata.get("choices")
            value = getattr(self, field.name)
            if choices and value not in choices:
                raise ValueError(
                    f"{field.name} must be one of {', '.join(choices)}, got {value!r}."
                )
        for name in ("latent_dim", "hidden_units", "d_steps", "r1_every", "batch_size", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.steps_per_execution < 1:
            raise ValueError(
                f"steps_per_execution must be at least 1, got {self.steps_per_execution}."
            )
        for name in ("learning_rate", "d_learning_rate_scale", "ema_half_life", "ada_speed"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value}.")
        for name in ("gradient_penalty", "r1_gamma"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be >= 0 (0: off), got {value}.")
        for name in ("beta_1", "beta_2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}.")
        if not 0 <= self.ada_target <= 1:
            raise ValueError(f"ada_target must be in [0, 1], got {self.ada_target}.")
        if self.conditional and self.arch not in networks.CONDITIONAL_ARCHITECTURES:
            raise ValueError(
                f"conditional needs arch in {', '.join(networks.CONDITIONAL_ARCHITECTURES)}, "
                f"got {self.arch!r}."
            )
        if self.arch == MLP and (self.conditional or self.augment != "none"):
            raise ValueError("the mlp networks (2-D points) take no conditional or augment.")

    def replace(self, **changes) -> "Recipe":
        """A copy with `changes` to its fields (checked as a new recipe)."""
        unknown = sorted(set(changes) - {field.name for field in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"Recipe has no field {', '.join(unknown)}.")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> Dict[str, Any]:
        """The fields that define a run (JSON values; the description left out)."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.compare
        }

    def epochs(self, steps_per_epoch: int) -> int:
        """Epochs of `steps_per_epoch` steps that make at least `steps` generator updates."""
        return math.ceil(self.steps / steps_per_epoch)

    def unconstrained_critic(self) -> Optional[str]:
        """A one-line warning when the Wasserstein critic has no Lipschitz constraint, else None."""
        if self.loss != "wasserstein" or self.spectral_norm or self.gradient_penalty > 0:
            return None
        return (
            "the wasserstein critic is unconstrained (no gradient penalty, no spectral norm): its "
            "estimate can grow without bound; add --gradient_penalty=10 or --spectral_norm."
        )

    def build(
        self,
        steps_per_epoch: int,
        *,
        epochs: Optional[int] = None,
        seed: int = 0,
        num_classes: Optional[int] = None,
        data_shape: Optional[tuple] = None,
        jit_compile: Union[str, bool] = "auto",
    ) -> gan_lib.GAN:
        """The recipe's compiled GAN, under the current dtype policy and tf.distribute scope.

        Args:
            steps_per_epoch: train steps per epoch of the run; steps_per_execution is the largest
                divisor of it up to the recipe's.
            epochs: the run's epochs (default `epochs(steps_per_epoch)`), over which the learning
                rates decay.
            seed: seeds the initial weights and the GAN's noise (the caller's random state is left
                as it was).
            num_classes: the number of classes of a conditional recipe's labels.
            data_shape: the shape of one example; default (28, 28, 1) for images, (2,) for mlp.
            jit_compile: as `GAN.compile`'s.

        Raises:
            ValueError: a conditional recipe without num_classes, or data the networks can't take.
        """
        if self.conditional and not num_classes:
            raise ValueError("a conditional recipe needs num_classes (the data's classes).")
        epochs = epochs or self.epochs(steps_per_epoch)
        with _seeded_weights(seed):
            generator, discriminator = self._networks(num_classes, data_shape)
        gan = gan_lib.GAN(
            generator,
            discriminator,
            latent_dim=self.latent_dim,
            loss=self.loss,
            d_steps=self.d_steps,
            regularizers=self._regularizers(),
            num_classes=num_classes if self.conditional else None,
            generator_ema=ema_lib.GeneratorEMA(self.ema_half_life) if self.ema else None,
            augment=self._augment(),
            seed=seed,
        )
        decay_steps = epochs * steps_per_epoch
        gan.compile(
            g_optimizer=self._adam("generator", self.learning_rate, decay_steps),
            d_optimizer=self._adam(
                "discriminator",
                self.learning_rate * self.d_learning_rate_scale,
                decay_steps * self.d_steps,
            ),
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution(self.steps_per_execution, steps_per_epoch),
        )
        return gan

    def _networks(self, num_classes, data_shape):
        if self.arch == MLP:
            dim = (data_shape or (2,))[-1]
            hidden = (self.hidden_units, self.hidden_units)
            return (
                networks.mlp_generator(self.latent_dim, dim, hidden),
                networks.mlp_discriminator(dim, hidden, spectral_norm=self.spectral_norm),
            )
        return networks.image_gan_networks(
            self.arch,
            self.latent_dim,
            self.spectral_norm,
            num_classes if self.conditional else None,
            self.conditioning,
            image_shape=tuple(data_shape or networks.IMAGE_SHAPE),
        )

    def _regularizers(self):
        chosen = []
        if self.gradient_penalty > 0:
            chosen.append(regularizers_lib.GradientPenalty(self.gradient_penalty))
        if self.r1_gamma > 0:
            chosen.append(regularizers_lib.R1(self.r1_gamma, every=self.r1_every))
        return chosen

    def _augment(self):
        if self.augment == "diff":
            return augment_lib.DiffAugment()
        if self.augment == "adaptive":
            return augment_lib.AdaptiveAugment(self.ada_target, speed_images=self.ada_speed)
        return None

    def _adam(self, player, rate, decay_steps):
        if self.schedule == "cosine":
            rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps)
        return keras.optimizers.Adam(
            rate, beta_1=self.beta_1, beta_2=self.beta_2, name=f"{player}_adam"
        )


def steps_per_execution(requested: int, steps_per_epoch: int) -> int:
    """The largest number of train steps per call, at most `requested`, that divides an epoch.

    Keras runs whole calls of steps_per_execution steps: a call that straddles an epoch's end runs
    on into the next epoch's data, so an epoch must be a whole number of calls.
    """
    return max(n for n in range(1, min(requested, steps_per_epoch) + 1) if steps_per_epoch % n == 0)


@contextlib.contextmanager
def _seeded_weights(seed: int) -> Iterator[None]:
    """Seeds the initial weights of the layers made inside, leaving Python's random state as it was.

    Keras draws the seed of each initializer that has none from Python's `random`; seeding it here
    and restoring it after gives the weights of `keras.utils.set_random_seed(seed)` without
    resetting the caller's random generators.
    """
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


_MNIST = Recipe(
    d_learning_rate_scale=0.125,
    description=(
        "The DCGAN on 28x28 digits, non-saturating loss (the paper's game, k = 1), Adam (beta_1 0) "
        "cosine-decayed over 4,700 steps at batch 64 (32 epochs of the MNIST test split), G at "
        "2e-3 and D at 1/8 of it."
    ),
)
_CIRCLE = Recipe(
    arch=MLP,
    latent_dim=4,
    learning_rate=1e-3,
    beta_1=0.5,
    batch_size=512,
    steps=6000,
    steps_per_execution=200,
    description=(
        "MLPs of two 128-unit layers on 2-D points on a circle, Adam 1e-3 over 6,000 steps."
    ),
)
PRESETS: Dict[str, Recipe] = {
    "mnist": _MNIST,
    "mnist_conditional": _MNIST.replace(
        conditional=True,
        d_learning_rate_scale=1.0,
        description=(
            "The mnist recipe conditioned on the labels (projection discriminator), D at G's rate."
        ),
    ),
    "mnist_hinge": _MNIST.replace(
        loss="hinge",
        spectral_norm=True,
        beta_2=0.9,
        d_learning_rate_scale=0.0625,
        description=(
            "Hinge loss with spectral norm in D; D at 1/16 of G's learning rate, "
            "Adam betas (0, 0.9)."
        ),
    ),
    "mnist_wgan_gp": _MNIST.replace(
        loss="wasserstein",
        gradient_penalty=10.0,
        d_steps=5,
        learning_rate=5e-4,
        d_learning_rate_scale=4.0,
        beta_2=0.9,
        steps=1600,
        description=(
            "WGAN-GP (Gulrajani et al. 2017): penalty 10, 5 critic updates per G update, Adam "
            "betas (0, 0.9), D at 4x G's 5e-4, 1,600 G steps."
        ),
    ),
    "mnist_paper_mlp": _MNIST.replace(
        arch="paper_mlp",
        latent_dim=100,
        d_learning_rate_scale=1.0,
        learning_rate=5e-4,
        beta_1=0.5,
        description="The paper's maxout MLPs (Goodfellow et al. 2014) on 28x28 digits.",
    ),
    "mnist_tutorial_dcgan": _MNIST.replace(
        arch="tutorial_dcgan",
        latent_dim=100,
        d_learning_rate_scale=1.0,
        learning_rate=1e-4,
        beta_1=0.9,
        description="The TensorFlow DCGAN tutorial's networks and optimizer settings.",
    ),
    "circle": _CIRCLE,
    "circle_wgan_gp": _CIRCLE.replace(
        loss="wasserstein",
        gradient_penalty=10.0,
        d_steps=5,
        d_learning_rate_scale=5.0,
        beta_2=0.9,
        steps=1800,
        description="WGAN-GP on the circle: D 5x G's rate, 5 critic updates, 1,800 G steps.",
    ),
}
"""The named recipes. `mnist` is bin/train_mnist.py's default, `circle` bin/train_circle.py's."""


def get(name: Union[str, Recipe], **changes) -> Recipe:
    """The named preset (or a Recipe as given), with `changes` to its fields.

    Raises:
        ValueError: an unknown name or field, or a value a field can't take.
    """
    if isinstance(name, Recipe):
        recipe = name
    elif name in PRESETS:
        recipe = PRESETS[name]
    else:
        raise ValueError(f"Unknown recipe {name!r}: choose one of {', '.join(PRESETS)}.")
    return recipe.replace(**changes) if changes else recipe
