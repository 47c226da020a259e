"""Tests of the conditional GAN: networks taking labels, label checks, saving, grids, metrics."""

import os

import keras
import numpy as np
import scipy.special
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import classifier, evaluation, metrics, networks, plotting

K = 3


def _labels(*values):
    return np.asarray(values, np.int32)


def _dcgan(conditioning="projection", spectral_norm=False):
    keras.utils.set_random_seed(0)
    generator = networks.dcgan_generator(latent_dim=4, width=4, num_classes=K)
    discriminator = networks.dcgan_discriminator(
        width=4,
        hidden_units=8,
        num_classes=K,
        conditioning=conditioning,
        spectral_norm=spectral_norm,
    )
    return generator, discriminator


def _conditional_gan(**kwargs):
    generator, discriminator = _dcgan(**kwargs)
    return tfgan.GAN(generator, discriminator, latent_dim=4, num_classes=K, seed=0)


def _images_with_labels(n=16, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)
    return images, (np.arange(n) % K).astype(np.int32)


class ConditionalNetworksTest(tf.test.TestCase, parameterized.TestCase):
    def test_the_generator_draws_what_the_label_asks(self):
        generator, _ = _dcgan()
        z = np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32)
        z = np.repeat(z[:1], 2, axis=0)  # the same noise for both labels
        images = generator([z, _labels(0, 2)], training=False)
        self.assertEqual(tuple(images.shape), (2, 28, 28, 1))
        self.assertGreater(float(np.abs(images[0] - images[1]).max()), 1e-4)

    @parameterized.parameters("projection", "concat")
    def test_the_discriminator_judges_the_pair(self, conditioning):
        _, discriminator = _dcgan(conditioning)
        if conditioning == "projection":  # its label table starts at zero in no layer: make sure
            table = discriminator.get_layer("label_projection")
            table.embeddings.assign(np.random.default_rng(1).normal(size=table.embeddings.shape))
        x = np.repeat(_images_with_labels(1)[0], 2, axis=0)
        logits = discriminator([x, _labels(0, 1)], training=False)
        self.assertEqual(tuple(logits.shape), (2, 1))
        self.assertGreater(abs(float(logits[0, 0] - logits[1, 0])), 1e-5)

    def test_projection_adds_the_label_vector_dotted_with_the_features(self):
        _, discriminator = _dcgan("projection")
        table = discriminator.get_layer("label_projection")
        table.embeddings.assign(np.random.default_rng(1).normal(size=table.embeddings.shape))
        dot = next(layer for layer in discriminator.layers if isinstance(layer, keras.layers.Dot))
        features = keras.Model(discriminator.inputs, dot.input[1])
        x = np.repeat(_images_with_labels(1)[0], 2, axis=0)
        labels = _labels(0, 2)
        logits = discriminator([x, labels]).numpy()[:, 0]
        phi = features([x, labels]).numpy()
        rows = table.embeddings.numpy()
        # psi(phi(x)) is the same for both labels: the difference is the projections' difference.
        self.assertAllClose(logits[0] - logits[1], phi[0] @ rows[0] - phi[1] @ rows[2], atol=1e-5)

    def test_conditional_batch_norm_scales_and_shifts_per_class(self):
        layer = networks.ConditionalBatchNormalization(K)
        x = np.random.default_rng(0).normal(2.0, 3.0, (6, 2, 2, 4)).astype(np.float32)
        labels = _labels(0, 1, 2, 0, 1, 2)
        layer.build([x.shape, labels.shape])
        gamma = np.random.default_rng(1).normal(size=(K, 4)).astype(np.float32)
        beta = np.random.default_rng(2).normal(size=(K, 4)).astype(np.float32)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
        out = layer([x, labels], training=True).numpy()
        mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
        normalized = (x - mean) / np.sqrt(var + 1e-3)  # BatchNormalization's epsilon
        expected = normalized * gamma[labels][:, None, None] + beta[labels][:, None, None]
        self.assertAllClose(out, expected, atol=1e-4)

    def test_conditional_mlps_fit_a_gan(self):
        gan = tfgan.GAN(
            networks.mlp_generator(2, 2, (8,), num_classes=K),
            networks.mlp_discriminator(2, (8,), num_classes=K, conditioning="concat"),
            latent_dim=2,
            num_classes=K,
            seed=0,
        )
        self.assertEqual(gan.generate(6).shape, (6, 2))

    def test_unknown_conditioning_and_an_arch_without_a_conditional_version_raise(self):
        with self.assertRaisesRegex(ValueError, "conditioning must be one of"):
            networks.dcgan_discriminator(num_classes=K, conditioning="film")
        with self.assertRaisesRegex(ValueError, "no conditional version"):
            networks.image_gan_networks("paper_mlp", 8, num_classes=K)


class ConditionalGanTest(tf.test.TestCase, parameterized.TestCase):
    def _fit(self, gan, labels, steps=2):
        images, _ = _images_with_labels(len(labels))
        data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(len(labels)).repeat()
        gan.compile(steps_per_execution=1, jit_compile=False)
        return gan.fit(data, steps_per_epoch=steps, verbose=0)

    def test_trains_with_every_conditioning_and_spectral_norm(self):
        for conditioning in networks.CONDITIONINGS:
            with self.subTest(conditioning):
                gan = _conditional_gan(conditioning=conditioning, spectral_norm=True)
                history = self._fit(gan, _images_with_labels(8)[1])
                self.assertTrue(np.isfinite(history.history["d_loss"]).all())

    def test_mixed_float16_trains_the_conditional_dcgan_with_finite_losses(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            gan = _conditional_gan()
            history = self._fit(gan, _images_with_labels(6)[1])
        finally:
            keras.mixed_precision.set_global_policy("float32")
        norm = next(
            layer
            for layer in gan.generator.layers
            if isinstance(layer, networks.ConditionalBatchNormalization)
        )
        self.assertEqual(norm.compute_dtype, "float16")
        for key in ("d_loss", "g_loss"):
            self.assertTrue(np.isfinite(history.history[key]).all(), key)
        self.assertTrue(np.isfinite(gan.generate(3)).all())

    def test_labels_outside_the_classes_fail_naming_the_range(self):
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, r"outside \[0, 3\)"):
            self._fit(_conditional_gan(), _labels(0, 1, 2, 3))
        with self.assertRaisesRegex(ValueError, "integer labels"):
            self._fit(_conditional_gan(), np.zeros(4, np.float32))

    def test_generate_refuses_labels_outside_the_classes(self):
        with self.assertRaisesRegex(ValueError, r"label 5 is outside \[0, 3\)"):
            _conditional_gan().generate(2, labels=[0, 5])
        with self.assertRaisesRegex(ValueError, "integer class indices"):
            _conditional_gan().generate(2, labels=[0.5, 1.0])

    def test_saved_conditional_gan_loads_and_draws_the_same_samples(self):
        gan = _conditional_gan()
        self._fit(gan, _images_with_labels(6)[1])
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        self.assertEqual(loaded.num_classes, K)
        labels = _labels(2, 1, 0, 2)
        self.assertAllClose(loaded.generate(4, labels, seed=3), gan.generate(4, labels, seed=3))
        generator, _ = tfgan.sampling.load_generator(path)
        self.assertEqual(tfgan.sampling.generator_num_classes(generator), K)
        self.assertIsNone(tfgan.sampling.generator_num_classes(networks.dcgan_generator(4, 4)))

    def test_recipe_builds_the_conditional_dcgan(self):
        recipe = tfgan.recipes.get("mnist_conditional", conditioning="concat")
        gan = recipe.build(steps_per_epoch=10, num_classes=10)
        self.assertEqual(gan.num_classes, 10)
        self.assertEqual(len(gan.discriminator.inputs), 2)


class ConditionalPicturesAndMetricsTest(tf.test.TestCase):
    def test_grid_has_one_row_per_class(self):
        gan = _conditional_gan()
        # G's output for class c, whatever z: a constant image of value c - 1 (in [-1, 1]).
        z = keras.Input((4,))
        labels = keras.Input((), dtype="int32")
        table = keras.layers.Embedding(K, 784, embeddings_initializer="zeros")
        image = keras.layers.Reshape((28, 28, 1))(table(labels))
        zero = keras.layers.Dense(784, kernel_initializer="zeros", use_bias=False)(z)
        zero = keras.layers.Reshape((28, 28, 1))(zero)
        gan.generator = keras.Model([z, labels], keras.layers.Add()([image, zero]))
        table.embeddings.assign(np.repeat(np.arange(K, dtype=np.float32)[:, None] - 1.0, 784, 1))
        grid = plotting.samples_grid(gan, num_images=7, seed=0)  # 7 // 3 = 2 per row
        self.assertEqual(grid.shape, (K * 28, 2 * 28))
        row_values = [np.unique(grid[c * 28 : (c + 1) * 28]) for c in range(K)]
        self.assertEqual([values.tolist() for values in row_values], [[0], [128], [255]])

    def test_label_accuracy_and_intra_class_distance_match_numpy(self):
        judge = classifier.build(width=2)
        real, real_labels = _images_with_labels(30, seed=1)
        samples, labels = _images_with_labels(24, seed=2)
        scores = evaluation.digit_metrics(judge, real, ["fid"], real_labels=real_labels)
        results = scores(samples, labels)
        real_features, _ = classifier.features_and_logits(judge, real)
        features, logits = classifier.features_and_logits(judge, samples)
        probs = scipy.special.softmax(logits, axis=1)
        self.assertAllClose(results["label_accuracy"], np.mean(probs.argmax(1) == labels))

        def fid(a, b):
            varying = np.ptp(np.concatenate([a, b]), axis=0) > 0
            return metrics.frechet_distance(a[:, varying], b[:, varying])

        per_class = [fid(real_features[real_labels == c], features[labels == c]) for c in range(K)]
        self.assertAllClose(results["intra_fid"], np.mean(per_class), rtol=1e-6)
        self.assertNotIn("label_accuracy", scores(samples))

    def test_label_metrics_need_real_labels_and_samples_of_every_class(self):
        judge = classifier.build(width=2)
        real, real_labels = _images_with_labels(30, seed=1)
        samples, labels = _images_with_labels(24, seed=2)
        with self.assertRaisesRegex(ValueError, "real_labels"):
            evaluation.digit_metrics(judge, real, ["fid"])(samples, labels)
        with self.assertRaisesRegex(ValueError, "class 2 has 0 samples"):
            evaluation.digit_metrics(judge, real, ["fid"], real_labels=real_labels)(
                samples, labels % 2
            )


if __name__ == "__main__":
    tf.test.main()
