"""The players' optimizers: the DCGAN default, dynamic loss scaling, and `PlayerOptimizers`, the one
optimizer over both players that Keras sees as a GAN's `model.optimizer`."""

from typing import Sequence, Union

import keras


def get(optimizer: Union[str, keras.optimizers.Optimizer, None], name: str):
    """The optimizer `optimizer` names; for None, DCGAN's Adam(2e-4, beta_1=0.5) named `name`."""
    if optimizer is None:
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, name=name)
    return keras.optimizers.get(optimizer)


def loss_scaled(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.LossScaleOptimizer:
    """Wraps an optimizer in dynamic loss scaling (mixed_float16), unless it already is."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def unscaled(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The optimizer in a LossScaleOptimizer (the one with the learning rate and EMA), or itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)


class PlayerOptimizers(keras.optimizers.MultiOptimizer):
    """Keras's MultiOptimizer over G's and D's optimizers, as the GAN's `model.optimizer`.

    Keras's callbacks that act on `model.optimizer` reach each optimizer in `optimizers`
    (LearningRateScheduler, ReduceLROnPlateau, SwapEMAWeights), and `fit` finalizes it at the end
    (an optimizer's EMA weights go into its network), so both players get what the one optimizer of
    a plain Keras model gets. The step applies each player's gradients with that player's optimizer,
    which holds and saves the state: this one saves nothing, and counts train steps as G's optimizer
    does.

    Args:
        g_optimizer: G's optimizer (loss-scaled or not).
        d_optimizer: D's.
        generator_variables: G's trainable variables; the others are D's.
        variables: all the GAN's trainable variables.
    """

    def __init__(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer,
        generator_variables: Sequence[keras.Variable],
        variables: Sequence[keras.Variable],
    ):
        players = [unscaled(g_optimizer), unscaled(d_optimizer)]
        generator_variables = {id(v) for v in generator_variables}
        scale_factors = [player.loss_scale_factor for player in players]
        super().__init__(
            lambda v: players[0] if id(v) in generator_variables else players[1],
            name="gan_optimizers",
        )
        self.build(variables)
        for player, factor in zip(players, scale_factors):  # build() resets them to its own
            player.loss_scale_factor = factor

    @property
    def iterations(self):
        return self.optimizers[0].iterations

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass
