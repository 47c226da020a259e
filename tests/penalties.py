"""A discriminator penalty written in user code, on tfgan's public Regularizer API, for tests."""

import keras
import tensorflow as tf

import tfgan


@keras.saving.register_keras_serializable(package="tfgan_test")
class GradientNormSquared(tfgan.regularizers.Regularizer):
    """||grad_x D(x)||^2 at the real examples: R1 (Mescheder et al. 2018) without its gamma / 2."""

    def penalty(self, critic, real, fake, seed):
        with tf.GradientTape() as tape:
            tape.watch(real)
            logits = critic(real)
        gradients = tape.gradient(logits, real)
        return tf.reduce_sum(tf.square(tf.reshape(gradients, [tf.shape(real)[0], -1])), axis=1)


class RecordingPenalty(tfgan.regularizers.Regularizer):
    """A zero penalty that records what each D update hands it (real, fake, seed): run eagerly."""

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(weight, **kwargs)
        self.calls = []

    def penalty(self, critic, real, fake, seed):
        self.calls.append({"real": real.numpy(), "fake": fake.numpy(), "seed": seed.numpy()})
        return tf.zeros([tf.shape(real)[0]])


def fit_recording(data, steps, latent_dim=3, **gan_kwargs):
    """Fits a small 2-D GAN eagerly with a RecordingPenalty; returns (gan, the penalty's calls)."""
    recorder = RecordingPenalty()
    keras.utils.set_random_seed(0)
    gan = tfgan.GAN(
        tfgan.networks.mlp_generator(latent_dim, 2, (8,)),
        tfgan.networks.mlp_discriminator(2, (8,)),
        latent_dim,
        regularizers=[recorder],
        **gan_kwargs,
    )
    gan.compile(run_eagerly=True)
    gan.fit(data, steps_per_epoch=steps, verbose=0)
    return gan, recorder.calls
