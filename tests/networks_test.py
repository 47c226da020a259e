"""Tests for tfgan.networks: input/output shapes, dtypes and layer sizes of every builder."""

import os
import random
import re

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
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
            networks.image_gan_networks("stylegan", latent_dim=4)


def _spectral_discriminators():
    return {
        "mlp": lambda: networks.mlp_discriminator(2, (16, 16), spectral_norm=True),
        "dcgan": lambda: networks.dcgan_discriminator(width=4, hidden_units=8, spectral_norm=True),
        "paper_mlp": lambda: networks.paper_mlp_discriminator(spectral_norm=True),
        "tutorial_dcgan": lambda: networks.tutorial_dcgan_discriminator(spectral_norm=True),
        "resnet": lambda: networks.resnet_discriminator((16, 16, 1), width=4),
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

    @parameterized.parameters("mlp", "dcgan", "paper_mlp", "tutorial_dcgan", "resnet")
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

    def test_the_resnet_discriminator_is_spectrally_normalized_by_default(self):
        model = networks.resnet_discriminator((16, 16, 3), width=4, num_classes=3)
        kernels = [
            layer
            for layer in model._flatten_layers()
            if isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D))
        ]
        self.assertLen(kernels, 1 + 3 + 2 * 2)  # logit, first block, two blocks at 8x8
        self.assertLen(_spectral_layers(model), len(kernels))  # all but the label embedding
        generator, discriminator = networks.image_gan_networks("resnet", 8, image_shape=(8, 8, 1))
        self.assertLen(_spectral_layers(discriminator), 1 + 3 + 2 * 2)
        self.assertEmpty(_spectral_layers(generator))
        _, plain = networks.image_gan_networks("resnet", 8, False, image_shape=(8, 8, 1))
        self.assertEmpty(_spectral_layers(plain))


_SHAPES = ((28, 28, 1), (32, 32, 3), (48, 48, 1), (64, 64, 3), (32, 64, 3))
_ANY_SIZE = ("dcgan", "resnet")
K = 3


def _tiny_networks(arch, image_shape, num_classes=None, conditioning="projection"):
    """(generator, discriminator) of `arch` at tiny widths, z of size 8."""
    if arch == "dcgan":
        return (
            networks.dcgan_generator(
                8, width=4, num_classes=num_classes, label_embedding_dim=4, image_shape=image_shape
            ),
            networks.dcgan_discriminator(
                width=4,
                hidden_units=8,
                num_classes=num_classes,
                conditioning=conditioning,
                image_shape=image_shape,
            ),
        )
    return (
        networks.resnet_generator(8, image_shape, width=8, num_classes=num_classes),
        networks.resnet_discriminator(
            image_shape, width=8, num_classes=num_classes, conditioning=conditioning
        ),
    )


def _inputs(x, labels):
    return x if labels is None else [x, labels]


class AnySizeTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.product(arch=_ANY_SIZE, image_shape=_SHAPES, conditional=(False, True))
    def test_networks_map_z_to_images_of_the_shape_and_images_to_one_logit(
        self, arch, image_shape, conditional
    ):
        keras.utils.set_random_seed(0)
        generator, discriminator = _tiny_networks(arch, image_shape, K if conditional else None)
        self.assertEqual(tuple(generator.output_shape), (None, *image_shape))
        labels = np.array([0, 1, 2, 0], np.int32) if conditional else None
        z = 10 * np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)  # saturate tanh
        images = generator(_inputs(z, labels), training=False)
        self.assertEqual(images.dtype, "float32")
        images = keras.ops.convert_to_numpy(images)
        self.assertEqual(images.shape, (4, *image_shape))
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertGreater(images.std(), 0.0)
        logits = discriminator(_inputs(images, labels), training=False)
        self.assertEqual(tuple(logits.shape), (4, 1))
        self.assertEqual(logits.dtype, "float32")

    @parameterized.product(arch=_ANY_SIZE, image_shape=((48, 48, 1), (32, 64, 3)))
    def test_concat_conditioning_stacks_an_image_sized_label_plane(self, arch, image_shape):
        keras.utils.set_random_seed(0)
        _, discriminator = _tiny_networks(arch, image_shape, K, conditioning="concat")
        x = np.random.default_rng(0).uniform(-1, 1, size=(1, *image_shape)).astype(np.float32)
        x = np.repeat(x, 2, axis=0)
        logits = keras.ops.convert_to_numpy(discriminator([x, np.array([0, 2], np.int32)]))
        self.assertNotAllClose(logits[0], logits[1])  # the same image judged with two labels

    @parameterized.parameters(*networks.IMAGE_ARCHITECTURES)
    def test_image_gan_networks_pass_the_image_shape_to_every_architecture(self, arch):
        if arch in networks.FIXED_SHAPE_ARCHITECTURES:
            with self.assertRaisesRegex(ValueError, re.escape(f"{arch} networks take images of")):
                networks.image_gan_networks(arch, 8, image_shape=(32, 64, 3))
            return
        generator, discriminator = networks.image_gan_networks(
            arch, 8, num_classes=K, conditioning="concat", image_shape=(32, 64, 3)
        )
        self.assertEqual(tuple(generator.output_shape), (None, 32, 64, 3))
        self.assertEqual(tuple(discriminator.input_shape[0]), (None, 32, 64, 3))

    @parameterized.parameters(*_ANY_SIZE)
    def test_parameter_counts_grow_with_resolution(self, arch):
        counts = [
            [model.count_params() for model in _tiny_networks(arch, (size, size, 3))]
            for size in (32, 64, 128)
        ]
        for player, player_counts in zip(("generator", "discriminator"), zip(*counts)):
            self.assertEqual(list(player_counts), sorted(set(player_counts)), msg=player)

    @parameterized.parameters(
        # image shape, base, the DCGAN discriminator's channels at width 4
        ((28, 28, 1), (7, 7), [4, 8]),
        ((32, 32, 3), (4, 4), [4, 8, 16]),
        ((48, 48, 1), (6, 6), [4, 8, 16]),
        ((64, 64, 3), (4, 4), [4, 8, 16, 32]),
        ((128, 128, 3), (4, 4), [4, 8, 16, 32, 32]),  # capped at 8 x width
        ((32, 64, 3), (4, 8), [4, 8, 16]),
        ((28, 56, 1), (7, 14), [4, 8]),
    )
    def test_dcgan_doubles_from_a_base_of_4_to_7_pixels_with_widths_halving_on_the_way_up(
        self, image_shape, base, channels
    ):
        generator, discriminator = _tiny_networks("dcgan", image_shape)
        reshape = next(
            layer for layer in generator.layers if isinstance(layer, keras.layers.Reshape)
        )
        self.assertEqual(tuple(reshape.output.shape[1:]), (*base, channels[-1]))
        upsampling = [
            layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)
        ]
        self.assertEqual(
            [(layer.filters, layer.strides) for layer in upsampling],
            [(filters, (2, 2)) for filters in channels[-2::-1]] + [(image_shape[-1], (2, 2))],
        )
        convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
        self.assertEqual([conv.filters for conv in convs], channels)
        self.assertEqual(tuple(convs[-1].output.shape[1:3]), base)

    @parameterized.parameters(
        # image shape, generator base, the discriminator's last feature map
        ((28, 28, 1), (7, 7), (7, 7)),
        ((32, 32, 3), (4, 4), (8, 8)),  # SNGAN's CIFAR-10 discriminator stops at 8x8
        ((48, 48, 1), (6, 6), (6, 6)),
        ((64, 64, 3), (4, 4), (8, 8)),
        ((128, 128, 3), (4, 4), (8, 8)),
        ((32, 64, 3), (4, 8), (8, 16)),
    )
    def test_resnet_has_one_block_per_doubling_and_ends_d_at_8_pixels_or_less(
        self, image_shape, base, last_map
    ):
        generator, discriminator = _tiny_networks("resnet", image_shape)
        reshape = next(
            layer for layer in generator.layers if isinstance(layer, keras.layers.Reshape)
        )
        self.assertEqual(tuple(reshape.output.shape[1:3]), base)
        blocks = [layer for layer in generator.layers if isinstance(layer, keras.layers.Add)]
        self.assertEqual(2 ** len(blocks) * base[0], image_shape[0])
        pooling = next(
            layer
            for layer in discriminator.layers
            if isinstance(layer, networks.GlobalSumPooling2D)
        )
        self.assertEqual(tuple(pooling.input.shape[1:3]), last_map)

    def test_resnet_at_32x32x3_is_sngans_cifar10_network_by_its_parameter_count(self):
        def conv(size, inputs, outputs):
            return size * size * inputs * outputs + outputs

        batch_norm = 4 * 256  # gamma, beta, moving mean and variance
        # G: z (128) -> 4x4x256 -> 3 up-blocks of 256 channels -> BN, ReLU, conv to RGB.
        up_block = 2 * batch_norm + 2 * conv(3, 256, 256) + conv(1, 256, 256)
        generator = 129 * 4 * 4 * 256 + 3 * up_block + batch_norm + conv(3, 256, 3)
        # D: optimized block 3 -> 128, a down-block, two blocks (identity shortcuts), dense logit.
        first_block = conv(3, 3, 128) + conv(3, 128, 128) + conv(1, 3, 128)
        down_block = 2 * conv(3, 128, 128) + conv(1, 128, 128)
        discriminator = first_block + down_block + 2 * 2 * conv(3, 128, 128) + 129
        self.assertEqual(networks.resnet_generator().count_params(), generator)
        self.assertEqual(generator, 4_280_323)
        plain = networks.resnet_discriminator(spectral_norm=False)
        self.assertEqual(plain.count_params(), discriminator)
        # Spectral norm adds one power-iteration vector of each layer's output size.
        self.assertEqual(
            networks.resnet_discriminator().count_params(), discriminator + 10 * 128 + 1
        )

    def test_resnet_widths_halve_per_level_above_the_32_pixel_network(self):
        generator, discriminator = _tiny_networks("resnet", (128, 128, 3))
        convs = [
            layer.filters
            for layer in generator.layers
            if isinstance(layer, keras.layers.Conv2D) and layer.kernel_size == (3, 3)
        ]
        self.assertEqual(convs, [8, 8, 8, 8, 8, 8, 4, 4, 2, 2, 3])  # 8, 16, 32, 64, 128 px, RGB
        convs = [
            layer.layer.filters
            for layer in _spectral_layers(discriminator)
            if isinstance(layer.layer, keras.layers.Conv2D) and layer.layer.kernel_size == (3, 3)
        ]
        self.assertEqual(convs, [2, 2, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8])  # 128, 64, 32, 16, 8 px

    def test_global_sum_pooling_sums_over_positions(self):
        x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype(np.float32)
        pooled = keras.ops.convert_to_numpy(networks.GlobalSumPooling2D()(x))
        self.assertAllClose(pooled, x.sum(axis=(1, 2)), rtol=1e-5)

    @parameterized.parameters(
        (30, 30, 1),  # 30 -> 15: a base too large
        (5, 5, 1),  # nothing to halve
        (6, 6, 3),  # 6 -> 3: a base too small
        (36, 36, 3),  # 36 -> 18 -> 9
        (32, 36, 3),  # 32 and 36 don't halve to a common base
        (28, 28),
        (28, 28, 1, 1),
        (28, 28, 0),
        (28.0, 28.0, 1.0),
    )
    def test_a_shape_the_strides_cant_make_fails_in_one_line_naming_it(self, *image_shape):
        builders = {
            "dcgan_generator": lambda: networks.dcgan_generator(image_shape=image_shape),
            "dcgan_discriminator": lambda: networks.dcgan_discriminator(image_shape=image_shape),
            "resnet_generator": lambda: networks.resnet_generator(image_shape=image_shape),
            "resnet_discriminator": lambda: networks.resnet_discriminator(image_shape),
            "image_gan_networks": lambda: networks.image_gan_networks(
                "resnet", 8, image_shape=image_shape
            ),
            "check_image_shape": lambda: networks.check_image_shape("dcgan", image_shape),
        }
        for name, build in builders.items():
            with self.subTest(name):
                with self.assertRaises(ValueError) as raised:
                    build()
                message = str(raised.exception)
                self.assertNotIn("\n", message)
                self.assertIn(str(image_shape), message)
                self.assertIn("(32, 32, 3)", message)  # what works

    @parameterized.parameters(
        (8, 8, 1), (28, 56, 1), (40, 40, 3), (96, 96, 3), (256, 256, 3), (32, 32, 4)
    )
    def test_check_image_shape_takes_sides_that_halve_to_4_to_7_pixels(self, *image_shape):
        networks.check_image_shape("resnet", image_shape)
        networks.check_image_shape("dcgan", tuple(np.array(image_shape)))  # NumPy integers too

    @parameterized.parameters(
        networks.paper_mlp_generator,
        networks.tutorial_dcgan_generator,
        lambda image_shape: networks.paper_mlp_discriminator(image_shape=image_shape),
        lambda image_shape: networks.tutorial_dcgan_discriminator(image_shape=image_shape),
    )
    def test_the_28x28_papers_networks_refuse_other_shapes(self, build):
        with self.assertRaisesRegex(ValueError, r"\(28, 28, 1\) only, not \(32, 32, 3\)"):
            build(image_shape=(32, 32, 3))

    @parameterized.product(arch=_ANY_SIZE, conditional=(False, True))
    def test_batch_norm_is_synchronized_inside_a_distribution_strategy(self, arch, conditional):
        def batch_norms(model):
            return [
                layer
                for layer in model._flatten_layers()
                if isinstance(layer, keras.layers.BatchNormalization)
            ]

        num_classes = K if conditional else None
        with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
            generator, _ = _tiny_networks(arch, (32, 32, 3), num_classes)
        self.assertNotEmpty(batch_norms(generator))
        self.assertTrue(all(layer.synchronized for layer in batch_norms(generator)))
        generator, _ = _tiny_networks(arch, (32, 32, 3), num_classes)
        self.assertFalse(any(layer.synchronized for layer in batch_norms(generator)))

    @parameterized.parameters("mixed_float16", "mixed_bfloat16")
    def test_conditional_resnet_outputs_stay_float32_under_mixed_precision(self, policy):
        keras.mixed_precision.set_global_policy(policy)
        try:
            generator, discriminator = _tiny_networks("resnet", (32, 32, 3), K)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.assertEqual(generator.layers[2].compute_dtype, policy.split("_")[1])
        labels = tf.constant([0, 2])
        images = generator([tf.zeros((2, 8)), labels], training=True)
        self.assertEqual(images.dtype, "float32")
        self.assertEqual(discriminator([images, labels], training=True).dtype, "float32")

    def test_a_saved_conditional_resnet_gan_at_32x32x3_loads_with_identical_outputs(self):
        keras.utils.set_random_seed(0)
        generator, discriminator = _tiny_networks("resnet", (32, 32, 3), K)
        gan = tfgan.GAN(generator, discriminator, latent_dim=8, num_classes=K, seed=0)
        images = np.random.default_rng(0).uniform(-1, 1, size=(4, 32, 32, 3)).astype(np.float32)
        labels = np.array([0, 1, 2, 0], np.int32)
        data = tf.data.Dataset.from_tensors((images, labels))
        gan.compile(steps_per_execution=1, jit_compile=False)
        gan.fit(data.repeat(), steps_per_epoch=2, verbose=0)  # moves the BN and power iterations
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        self.assertIsInstance(loaded, tfgan.GAN)
        self.assertAllEqual(loaded.generate(4, labels, seed=3), gan.generate(4, labels, seed=3))
        for training in (False, True):
            self.assertAllEqual(
                loaded.discriminator(_inputs(images, labels), training=training),
                gan.discriminator(_inputs(images, labels), training=training),
            )


def _fingerprint(build, seed=7):
    """(parameters, weights, a checksum of the weights in order, Python's next random draw) of the
    networks that `build` makes after random.seed(seed), leaving Python's random state alone."""
    state = random.getstate()
    random.seed(seed)
    try:
        models = build()
        draw = random.randint(1, 10**9)
    finally:
        random.setstate(state)
    models = models if isinstance(models, tuple) else (models,)
    weights = [np.asarray(w, np.float64) for model in models for w in model.weights]
    checksum = sum((k + 1) * np.abs(w).sum() for k, w in enumerate(weights))
    return sum(model.count_params() for model in models), len(weights), float(checksum), draw


class DefaultDcganTest(tf.test.TestCase, parameterized.TestCase):
    # Measured on the 28x28-only networks before image_shape existed (tfgan 0fafb78): parameters,
    # weights, sum over the weights in order of (index + 1) * sum |w|, and the Python random draw
    # after building (the same number of initializer seeds drawn).
    @parameterized.named_parameters(
        ("generator", lambda: networks.dcgan_generator(), (256_001, 17, 39426.391, 51847157)),
        (
            "conditional_generator",
            lambda: networks.dcgan_generator(num_classes=10),
            (414_273, 18, 146744.725, 77777869),
        ),
        (
            "discriminator",
            lambda: networks.dcgan_discriminator(),
            (234_209, 8, 24894.061, 51847157),
        ),
        (
            "projection_spectral_norm_dropout",
            lambda: networks.dcgan_discriminator(dropout=0.25, spectral_norm=True, num_classes=10),
            (235_010, 13, 34855.537, 62275870),
        ),
        (
            "concat",
            lambda: networks.dcgan_discriminator(num_classes=10, conditioning="concat"),
            (242_561, 9, 30564.544, 77777869),
        ),
        (
            "image_gan_networks",
            lambda: networks.image_gan_networks("dcgan", 64),
            (490_210, 25, 156396.167, 101071365),
        ),
        (
            "image_gan_networks_spectral_norm_conditional",
            lambda: networks.image_gan_networks("dcgan", 64, True, 10, "concat"),
            (656_995, 31, 288695.041, 230530420),
        ),
    )
    def test_the_default_dcgan_has_todays_layers_and_seeded_weights(self, build, expected):
        params, num_weights, checksum, draw = _fingerprint(build)
        self.assertEqual((params, num_weights, draw), (expected[0], expected[1], expected[3]))
        self.assertAllClose(checksum, expected[2], rtol=1e-6)

    def test_the_default_image_shape_is_28x28x1(self):
        self.assertEqual(networks.IMAGE_SHAPE, (28, 28, 1))
        generator, discriminator = networks.image_gan_networks("dcgan", 64)
        self.assertEqual(tuple(generator.output_shape), (None, 28, 28, 1))
        self.assertEqual(tuple(discriminator.input_shape), (None, 28, 28, 1))


if __name__ == "__main__":
    tf.test.main()
