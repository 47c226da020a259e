"""Tests for tfgan.networks: input/output shapes, dtypes and layer sizes of the MLP builders."""

import os

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


class ImageNetworksTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(*networks.IMAGE_ARCHITECTURES)
    def test_generator_makes_28x28_images_in_minus_one_to_one(self, arch):
        generator, _ = networks.image_gan_networks(arch, latent_dim=16)
        z = 10 * np.random.default_rng(0).normal(size=(5, 16)).astype(np.float32)  # saturate tanh
        images = keras.ops.convert_to_numpy(generator(z, training=False))
        self.assertEqual(images.shape, (5, 28, 28, 1))
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertGreater(images.std(), 0.0)

    @parameterized.parameters(*networks.IMAGE_ARCHITECTURES)
    def test_discriminator_gives_one_logit_per_image(self, arch):
        _, discriminator = networks.image_gan_networks(arch, latent_dim=16)
        images = np.random.default_rng(0).uniform(-1, 1, size=(3, 28, 28, 1)).astype(np.float32)
        logits = discriminator(images, training=False)
        self.assertEqual(tuple(logits.shape), (3, 1))
        self.assertEqual(logits.dtype, "float32")

    @parameterized.product(
        arch=list(networks.IMAGE_ARCHITECTURES), policy=["mixed_float16", "mixed_bfloat16"]
    )
    def test_outputs_stay_float32_under_mixed_precision(self, arch, policy):
        keras.mixed_precision.set_global_policy(policy)
        try:
            generator, discriminator = networks.image_gan_networks(arch, latent_dim=8)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.assertNotEqual(generator.layers[1].compute_dtype, "float32")
        images = generator(np.zeros((2, 8), np.float32), training=False)
        self.assertEqual(images.dtype, "float32")
        self.assertEqual(discriminator(images, training=False).dtype, "float32")

    @parameterized.parameters(
        (
            "conditional dcgan generator",
            lambda: networks.image_gan_networks("dcgan", 8, num_classes=3)[0],
        ),
        ("paper_mlp discriminator (Maxout)", lambda: networks.paper_mlp_discriminator()),
    )
    def test_a_model_saved_under_mixed_bfloat16_runs_when_loaded_under_float32(self, _, build):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        try:
            model = build()
        finally:
            keras.mixed_precision.set_global_policy("float32")
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
        inputs = [np.zeros((2,) + tuple(i.shape[1:]), i.dtype) for i in loaded.inputs]
        outputs = loaded(inputs if len(inputs) > 1 else inputs[0], training=False)
        self.assertEqual(outputs.dtype, "float32")
        self.assertAllClose(
            outputs, model(inputs if len(inputs) > 1 else inputs[0], training=False)
        )

    def test_tutorial_dcgan_has_the_tutorials_layers_and_parameter_counts(self):
        generator, discriminator = networks.image_gan_networks("tutorial_dcgan", latent_dim=100)
        # The counts the TensorFlow DCGAN tutorial's model summaries print.
        self.assertEqual(generator.count_params(), 2_330_944)
        self.assertEqual(discriminator.count_params(), 212_865)
        convs = [
            layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)
        ]
        self.assertEqual(
            [(c.filters, c.strides) for c in convs], [(128, (1, 1)), (64, (2, 2)), (1, (2, 2))]
        )
        self.assertEqual([c.output.shape[1] for c in convs], [7, 14, 28])
        convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
        self.assertEqual(
            [(c.filters, c.kernel_size, c.strides) for c in convs],
            [(64, (5, 5), (2, 2)), (128, (5, 5), (2, 2))],
        )
        rates = [
            layer.rate for layer in discriminator.layers if isinstance(layer, keras.layers.Dropout)
        ]
        self.assertEqual(rates, [0.3, 0.3])

    def test_paper_mlp_has_the_papers_sizes(self):
        generator, discriminator = networks.image_gan_networks("paper_mlp", latent_dim=100)
        self.assertEqual(_dense_units(generator), [1200, 1200, 784])
        maxouts = [layer for layer in discriminator.layers if isinstance(layer, networks.Maxout)]
        self.assertEqual([(m.units, m.pieces) for m in maxouts], [(240, 5), (240, 5)])
        rates = [
            layer.rate for layer in discriminator.layers if isinstance(layer, keras.layers.Dropout)
        ]
        self.assertEqual(rates, [0.2, 0.5, 0.5])  # keep 0.8 of pixels, 0.5 after each maxout layer

    @parameterized.parameters(0, 64)
    def test_dcgan_discriminator_reads_its_logit_off_an_optional_hidden_layer(self, hidden_units):
        discriminator = networks.dcgan_discriminator(width=8, hidden_units=hidden_units)
        self.assertEqual(_dense_units(discriminator), [hidden_units, 1] if hidden_units else [1])

    def test_paper_mlp_discriminator_dropout_only_in_training(self):
        _, discriminator = networks.image_gan_networks("paper_mlp", latent_dim=100)
        images = np.random.default_rng(0).uniform(-1, 1, size=(4, 28, 28, 1)).astype(np.float32)
        self.assertAllEqual(discriminator(images), discriminator(images))
        self.assertNotAllClose(discriminator(images, training=True), discriminator(images))

    def test_maxout_is_the_max_over_pieces_of_one_dense_layer(self):
        layer = networks.Maxout(units=3, pieces=4)
        x = np.random.default_rng(1).normal(size=(2, 5)).astype(np.float32)
        y = keras.ops.convert_to_numpy(layer(x))
        kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.dense.weights)
        expected = (x @ kernel + bias).reshape(2, 3, 4).max(axis=-1)
        self.assertAllClose(y, expected, rtol=1e-5)

    def test_unknown_arch_raises(self):
        with self.assertRaisesRegex(ValueError, "dcgan"):
            networks.image_gan_networks("resnet", latent_dim=4)


def _spectral_discriminators():
    return {
        "mlp": lambda: networks.mlp_discriminator(2, (16, 16), spectral_norm=True),
        "dcgan": lambda: networks.dcgan_discriminator(width=4, hidden_units=8, spectral_norm=True),
        "paper_mlp": lambda: networks.paper_mlp_discriminator(spectral_norm=True),
        "tutorial_dcgan": lambda: networks.tutorial_dcgan_discriminator(spectral_norm=True),
    }


def _spectral_layers(model):
    return [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.SpectralNormalization)
    ]


class SpectralNormTest(tf.test.TestCase, parameterized.TestCase):
    def _examples(self, model, n=4):
        shape = (n,) + tuple(model.input_shape[1:])
        return np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32)

    @parameterized.parameters("mlp", "dcgan", "paper_mlp", "tutorial_dcgan")
    def test_every_kernel_has_spectral_norm_near_one_after_training_calls(self, name):
        model = _spectral_discriminators()[name]()
        plain_kernels = sum(
            isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D))
            for layer in model._flatten_layers()
        )
        layers = _spectral_layers(model)
        self.assertLen(layers, plain_kernels)  # every Dense and convolution is wrapped
        x = self._examples(model)
        for _ in range(30):  # power iterations converge over training calls
            model(x, training=True)
        for layer in layers:
            kernel = layer.layer.kernel.numpy()
            sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
            self.assertAllClose(sigma, 1.0, rtol=0.02, msg=layer.name)

    def test_inference_calls_leave_the_weights_alone(self):
        model = _spectral_discriminators()["mlp"]()
        before = model.get_weights()
        model(self._examples(model), training=False)
        for got, want in zip(model.get_weights(), before):
            self.assertAllEqual(got, want)

    @parameterized.parameters("mlp", "dcgan")
    def test_logit_stays_float32_under_mixed_precision(self, name):
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            model = _spectral_discriminators()[name]()
            logits = model(self._examples(model), training=True)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.assertEqual(logits.dtype, tf.float32)

    def test_power_iteration_state_is_saved_and_restored_with_the_model(self):
        model = _spectral_discriminators()["dcgan"]()
        x = self._examples(model)
        for _ in range(3):
            model(x, training=True)
        path = os.path.join(self.get_temp_dir(), "d.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
        for got, want in zip(_spectral_layers(loaded), _spectral_layers(model)):
            self.assertAllEqual(got.vector_u.numpy(), want.vector_u.numpy())
        # The next training call continues the same power iteration.
        self.assertAllClose(loaded(x, training=True), model(x, training=True), rtol=1e-6)
        for got, want in zip(loaded.get_weights(), model.get_weights()):
            self.assertAllClose(got, want, rtol=1e-6)

    def test_image_gan_networks_pass_spectral_norm_to_the_discriminator(self):
        generator, discriminator = networks.image_gan_networks("dcgan", 8, spectral_norm=True)
        self.assertNotEmpty(_spectral_layers(discriminator))
        self.assertEmpty(_spectral_layers(generator))
        _, plain = networks.image_gan_networks("dcgan", 8)
        self.assertEmpty(_spectral_layers(plain))


if __name__ == "__main__":
    tf.test.main()
