"""The tests' short circle run: 1,500 steps of 64-unit MLPs, Adam 1e-3, beta_1 0.5, batch 256."""

import keras
import tensorflow as tf

import tfgan


def fit_circle(regularizers=(), strategy=None, steps=1500, seed=0, loss="non_saturating"):
    """Trains a circle GAN (in `strategy`'s scope if any); returns (gan, history, untrained error).

    The untrained error is the mean radius error of the generator's samples before training.
    """
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        gan = tfgan.GAN(
            tfgan.networks.mlp_generator(4, 2, (64, 64)),
            tfgan.networks.mlp_discriminator(2, (64, 64)),
            4,
            loss=loss,
            regularizers=regularizers,
            seed=seed,
        )
        gan.compile(
            g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            steps_per_execution=100,
        )
    untrained = tfgan.metrics.radius_error(gan.generate(2000, seed=0))
    history = gan.fit(tfgan.data.circle(256, seed=seed), steps_per_epoch=steps, verbose=0)
    return gan, history.history, untrained
