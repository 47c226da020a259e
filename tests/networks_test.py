"""Tests for tfgan.networks: input/output shapes, dtypes and layer sizes of the MLP builders."""

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan import networks

_SIZES = (
    ("tiny", 2, 2, (4,)),
    ("default_hidden", 3, 2, (128, 128)),
    ("three_hidden", 5, 3, (8, 6, 4)),
    ("no_hidden", 4, 7, ()),
)


def _dense_units(model):
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


class MlpGeneratorTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(*_SIZES)
    def test_input_is_latent_dim_and_output_is_data_dim(self, latent_dim, output_dim, hidden):
        generator = networks.mlp_generator(latent_dim, output_dim, hidden_units=hidden)
        self.assertEqual(tuple(generator.input_shape), (None, latent_dim))
        self.assertEqual(tuple(generator.output_shape), (None, output_dim))
        z = np.random.default_rng(0).normal(size=(6, latent_dim)).astype(np.float32)
        x = generator(z)
        self.assertEqual(tuple(x.shape), (6, output_dim))
        self.assertEqual(x.dtype, "float32")

    @parameterized.named_parameters(*_SIZES)
    def test_hidden_units_then_linear_output_layer(self, latent_dim, output_dim, hidden):
        generator = networks.mlp_generator(latent_dim, output_dim, hidden_units=hidden)
        self.assertEqual(_dense_units(generator), [*hidden, output_dim])
        dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
        self.assertEqual(dense[-1].activation, keras.activations.linear)
        for layer in dense[:-1]:
            self.assertEqual(layer.activation, keras.activations.relu)

    def test_default_hidden_units_are_two_layers_of_128(self):
        self.assertEqual(_dense_units(networks.mlp_generator(2, 2)), [128, 128, 2])

    def test_activation_is_used_in_hidden_layers(self):
        generator = networks.mlp_generator(2, 2, hidden_units=(4, 4), activation="tanh")
        dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
        self.assertEqual([d.activation for d in dense[:-1]], [keras.activations.tanh] * 2)

    def test_parameter_count_matches_layer_sizes(self):
        generator = networks.mlp_generator(3, 2, hidden_units=(5, 4))
        # Dense(i -> o) has i*o weights and o biases.
        self.assertEqual(generator.count_params(), (3 * 5 + 5) + (5 * 4 + 4) + (4 * 2 + 2))


class MlpDiscriminatorTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(*_SIZES)
    def test_outputs_one_float32_logit_per_example(self, unused_latent_dim, input_dim, hidden):
        discriminator = networks.mlp_discriminator(input_dim, hidden_units=hidden)
        self.assertEqual(tuple(discriminator.input_shape), (None, input_dim))
        self.assertEqual(tuple(discriminator.output_shape), (None, 1))
        x = np.random.default_rng(1).normal(size=(5, input_dim)).astype(np.float32)
        logits = discriminator(x)
        self.assertEqual(tuple(logits.shape), (5, 1))
        self.assertEqual(logits.dtype, "float32")

    @parameterized.named_parameters(*_SIZES)
    def test_hidden_units_then_single_linear_logit(self, unused_latent_dim, input_dim, hidden):
        discriminator = networks.mlp_discriminator(input_dim, hidden_units=hidden)
        self.assertEqual(_dense_units(discriminator), [*hidden, 1])
        dense = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Dense)]
        # A logit, not a probability: no sigmoid on the output.
        self.assertEqual(dense[-1].activation, keras.activations.linear)

    def test_logit_can_be_any_sign_and_size(self):
        discriminator = networks.mlp_discriminator(2, hidden_units=(8,))
        x = np.random.default_rng(2).normal(scale=50.0, size=(64, 2)).astype(np.float32)
        logits = self.evaluate(discriminator(x))
        self.assertTrue(np.any(logits < 0.0) and np.any(logits > 0.0))
        self.assertTrue(np.any(np.abs(logits) > 1.0))

    def test_output_stays_float32_under_mixed_precision(self):
        policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy("mixed_float16")
        try:
            discriminator = networks.mlp_discriminator(2, hidden_units=(4,))
            generator = networks.mlp_generator(3, 2, hidden_units=(4,))
        finally:
            keras.config.set_dtype_policy(policy)
        self.assertEqual(discriminator(np.zeros((2, 2), np.float32)).dtype, "float32")
        self.assertEqual(generator(np.zeros((2, 3), np.float32)).dtype, "float32")

    def test_networks_are_named_for_their_role(self):
        self.assertEqual(networks.mlp_generator(2, 2, hidden_units=(4,)).name, "generator")
        self.assertEqual(networks.mlp_discriminator(2, hidden_units=(4,)).name, "discriminator")


if __name__ == "__main__":
    tf.test.main()
