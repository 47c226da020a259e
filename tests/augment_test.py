"""Tests for tfgan.augment: each transformation's effect, gradients, seeding, p = 0, the ADA
controller, and augmentation inside the step and the regularizers' critic."""

import os

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import augment

SEED = tf.constant([3, 4], tf.int32)
OTHER_SEED = tf.constant([5, 6], tf.int32)


def _images(batch=16, size=8, channels=1, seed=0):
    """Images in [-1, 1] without exact zeros, so that zeroed pixels are told apart."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.1, 1.0, (batch, size, size, channels)) * rng.choice(
        [-1, 1], (batch, 1, 1, 1)
    )
    return tf.constant(values, tf.float32)


def _shifted(image, rows, columns):
    """image moved down `rows` and right `columns` pixels, zeros shifted in."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    out[max(rows, 0) : h + min(rows, 0), max(columns, 0) : w + min(columns, 0)] = image[
        max(-rows, 0) : h - max(rows, 0), max(-columns, 0) : w - max(columns, 0)
    ]
    return out


class TransformTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(*augment.TRANSFORMS)
    def test_keeps_the_shape_and_repeats_with_the_seed(self, name):
        images = _images(channels=3)
        transform = augment.TRANSFORMS[name]
        out = transform(images, SEED)
        self.assertEqual(out.shape, images.shape)
        self.assertAllEqual(out, transform(images, SEED))
        self.assertNotAllClose(out, transform(images, OTHER_SEED))

    @parameterized.parameters(*augment.TRANSFORMS)
    def test_is_differentiable_in_the_images(self, name):
        images = _images(channels=3)
        with tf.GradientTape() as tape:
            tape.watch(images)
            total = tf.reduce_sum(augment.TRANSFORMS[name](images, SEED) * images)
        gradient = tape.gradient(total, images)
        self.assertIsNotNone(gradient)
        self.assertGreater(float(tf.reduce_sum(tf.abs(gradient))), 0.0)

    def test_brightness_saturation_contrast_by_hand(self):
        images = _images(channels=3)
        u = tf.random.stateless_uniform((16, 1, 1, 1), SEED).numpy()
        x = images.numpy()
        self.assertAllClose(augment.brightness(images, SEED), x + u - 0.5)
        channel_mean = x.mean(axis=3, keepdims=True)
        self.assertAllClose(
            augment.saturation(images, SEED), (x - channel_mean) * 2 * u + channel_mean
        )
        image_mean = x.mean(axis=(1, 2, 3), keepdims=True)
        self.assertAllClose(
            augment.contrast(images, SEED), (x - image_mean) * (u + 0.5) + image_mean, atol=1e-6
        )

    def test_translation_shifts_each_image_by_at_most_an_eighth_filling_zeros(self):
        images = _images(size=16).numpy()
        out = augment.translation(tf.constant(images), SEED).numpy()
        limit = 2  # 16 / 8
        shifts = set()
        for image, moved in zip(images, out):
            matches = [
                (r, c)
                for r in range(-limit, limit + 1)
                for c in range(-limit, limit + 1)
                if np.array_equal(_shifted(image, r, c), moved)
            ]
            self.assertLen(matches, 1)
            shifts.add(matches[0])
        self.assertGreater(len(shifts), 3)  # the shifts differ between images

    def test_cutout_zeroes_one_square_of_half_the_size_and_keeps_the_rest(self):
        images = _images(size=8).numpy()
        out = augment.cutout(tf.constant(images), SEED).numpy()
        for image, cut in zip(images, out):
            zeroed = cut == 0
            self.assertAllEqual(cut[~zeroed], image[~zeroed])
            rows, columns = np.nonzero(zeroed[..., 0])
            self.assertGreater(len(rows), 0)
            height, width = rows.max() - rows.min() + 1, columns.max() - columns.min() + 1
            self.assertLessEqual(max(height, width), 4)
            self.assertEqual(len(rows), height * width)  # a (clipped) rectangle
            self.assertTrue(height == 4 or rows.min() == 0 or rows.max() == 7)

    def test_flip_and_rotate90_give_mirror_images_and_rotations(self):
        images = _images(size=6).numpy()
        flipped = augment.flip(tf.constant(images), SEED).numpy()
        rotated = augment.rotate90(tf.constant(images), SEED).numpy()
        turns = set()
        for image, mirror, turn in zip(images, flipped, rotated):
            self.assertTrue(np.array_equal(mirror, image) or np.array_equal(mirror, image[:, ::-1]))
            ks = [k for k in range(4) if np.array_equal(turn, np.rot90(image, k))]
            self.assertLen(ks, 1)
            turns.add(ks[0])
        self.assertGreater(len(turns), 2)

    def test_geometric_transforms_keep_the_range(self):
        images = _images(size=8)
        for name in ("translation", "cutout", "flip", "rotate90"):
            out = augment.TRANSFORMS[name](images, SEED)
            self.assertBetween(float(tf.reduce_min(out)), float(tf.reduce_min(images)), 0.0)
            self.assertBetween(float(tf.reduce_max(out)), 0.0, float(tf.reduce_max(images)))

    def test_unknown_policy_names_raise_naming_them(self):
        with self.assertRaisesRegex(ValueError, "Unknown augmentation 'zoom'"):
            augment.DiffAugment("color,zoom")


class AugmentLayerTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        ("diff", lambda: augment.DiffAugment(probability=0.0)),
        ("adaptive", lambda: augment.AdaptiveAugment(initial_p=0.0)),
    )
    def test_identity_at_p_zero(self, make):
        images = _images()
        self.assertAllEqual(make()(images, SEED), images)

    def test_probability_is_the_share_of_images_each_transformation_changes(self):
        images = _images(batch=2000, size=4)
        out = augment.DiffAugment("flip", probability=0.5)(images, SEED)
        changed = np.mean(np.any(out.numpy() != images.numpy(), axis=(1, 2, 3)))
        self.assertAllClose(
            changed, 0.25, atol=0.04
        )  # chosen half of the time, mirrors half of that

    def test_diff_augment_applies_the_policy_to_every_image(self):
        images = _images()
        out = augment.DiffAugment("translation,cutout")(images, SEED)
        self.assertTrue(np.all(np.any(out.numpy() == 0, axis=(1, 2, 3))))  # every image was cut

    def test_config_round_trip(self):
        for layer in (augment.DiffAugment("cutout", 0.3), augment.AdaptiveAugment(0.5, "flip")):
            restored = type(layer).from_config(layer.get_config())
            self.assertEqual(restored.get_config(), layer.get_config())

    def test_get_takes_names_or_objects(self):
        self.assertIsInstance(augment.get("diff"), augment.DiffAugment)
        self.assertIsInstance(augment.get("adaptive"), augment.AdaptiveAugment)
        self.assertIsNone(augment.get(None))
        with self.assertRaisesRegex(ValueError, "augment must be"):
            augment.get("ada")


class AdaptiveControllerTest(tf.test.TestCase):
    def test_p_moves_by_the_images_of_each_interval_over_the_speed(self):
        layer = augment.AdaptiveAugment(target=0.6, speed_images=1000, interval=4, initial_p=0.5)
        overfit = tf.ones((16,))
        for update in range(1, 9):
            logs = layer.observe(overfit)
            intervals = update // 4
            self.assertAllClose(logs["augment_p"], 0.5 + intervals * 64 / 1000)
        self.assertAllClose(logs["d_overfit"], 1.0)
        for _ in range(4):
            logs = layer.observe(-overfit)
        self.assertAllClose(logs["augment_p"], 0.5 + 64 / 1000)
        self.assertAllClose(logs["d_overfit"], -1.0)

    def test_p_stays_in_zero_one(self):
        layer = augment.AdaptiveAugment(speed_images=1, interval=1, initial_p=0.5)
        self.assertAllClose(layer.observe(tf.ones((8,)))["augment_p"], 1.0)
        self.assertAllClose(layer.observe(-tf.ones((8,)))["augment_p"], 0.0)


def _image_gan(augmenter, d_bias=0.0, regularizers=(), seed=0):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(64, activation="tanh"),
            keras.layers.Reshape((8, 8, 1)),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(1, bias_initializer=keras.initializers.Constant(d_bias)),
        ]
    )
    gan = tfgan.GAN(
        generator, discriminator, 4, augment=augmenter, regularizers=regularizers, seed=seed
    )
    gan.compile(g_optimizer="sgd", d_optimizer=keras.optimizers.SGD(0.0))
    return gan


def _image_data():
    return tf.data.Dataset.from_tensors(_images(batch=16)).repeat()


class AddTen(augment.Augment):
    """A deterministic augmentation: x + 10."""

    def call(self, images, seed):
        return images + 10.0


class CriticOfReal(tfgan.regularizers.Regularizer):
    """Its 'penalty' is the critic's score of the real examples."""

    def __init__(self, **kwargs):
        super().__init__(1.0, **kwargs)

    def penalty(self, critic, real, fake, seed):
        return tf.reshape(critic(real), [-1])


class AugmentInTheStepTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(1.0, -1.0)
    def test_p_rises_when_d_scores_every_real_image_positive_and_falls_otherwise(self, sign):
        # D's weights are frozen (learning rate 0): its verdict on real images is sign(bias).
        layer = augment.AdaptiveAugment(speed_images=640, interval=1, initial_p=0.5)
        gan = _image_gan(layer, d_bias=100.0 * sign)
        history = gan.fit(_image_data(), steps_per_epoch=5, verbose=0).history
        self.assertAllClose(history["d_overfit"][0], sign)
        self.assertAllClose(float(layer.p), 0.5 + sign * 5 * 16 / 640)
        self.assertIn("augment_p", history)

    def test_gradient_reaches_the_generator_through_the_augmentation(self):
        gan = _image_gan(augment.DiffAugment())
        z = gan.sample_noise(8, seed=0)
        with tf.GradientTape() as tape:
            logits = gan._discriminate(gan.generator(z, training=True), None, training=True)
            total = tf.reduce_sum(logits)
        gradients = tape.gradient(total, gan.generator.trainable_variables)
        self.assertTrue(all(g is not None for g in gradients))
        self.assertGreater(sum(float(tf.reduce_sum(tf.abs(g))) for g in gradients), 0.0)

    def test_the_regularizers_critic_sees_augmented_examples(self):
        gan = _image_gan(AddTen(), regularizers=[CriticOfReal()])
        real = _images(batch=16)
        expected = float(tf.reduce_mean(gan.discriminator(real + 10.0)))
        history = gan.fit(tf.data.Dataset.from_tensors(real), verbose=0).history
        self.assertAllClose(history["critic_of_real"][0], expected, rtol=1e-5)

    def test_same_seed_same_run(self):
        runs = []
        for _ in range(2):
            gan = _image_gan(augment.DiffAugment())
            gan.fit(_image_data(), steps_per_epoch=3, verbose=0)
            runs.append(gan.generator.get_weights())
        for first, second in zip(*runs):
            self.assertAllEqual(first, second)

    def test_p_is_saved_and_restored_with_the_gan(self):
        gan = _image_gan(augment.AdaptiveAugment(speed_images=640, interval=1), d_bias=100.0)
        gan.fit(_image_data(), steps_per_epoch=3, verbose=0)
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        loaded = keras.models.load_model(path)
        self.assertIsInstance(loaded.augment, augment.AdaptiveAugment)
        self.assertGreater(float(gan.augment.p), 0.0)
        self.assertAllEqual(loaded.augment.p, gan.augment.p)
        self.assertAllEqual(loaded.augment.updates, gan.augment.updates)

    def test_mixed_float16_trains_with_augmentation(self):
        keras.mixed_precision.set_global_policy("mixed_float16")
        try:
            gan = _image_gan(augment.AdaptiveAugment(speed_images=640, interval=1))
            history = gan.fit(_image_data(), steps_per_epoch=3, verbose=0).history
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.assertTrue(all(np.isfinite(values).all() for values in history.values()))
        self.assertTrue(all(np.isfinite(w).all() for w in gan.generator.get_weights()))

    def test_an_augmentation_logging_keys_it_does_not_declare_fails_naming_it(self):
        class Watching(AddTen):
            def observe(self, real_logits):
                return {"real_mean": tf.reduce_mean(real_logits)}

        gan = _image_gan(Watching())
        with self.assertRaisesRegex(ValueError, r"Watching.observe returned logs \['real_mean'\]"):
            gan.fit(_image_data(), steps_per_epoch=1, verbose=0)

    def test_augmenting_points_fails_at_construction(self):
        with self.assertRaisesRegex(ValueError, "image GANs only"):
            tfgan.GAN(
                tfgan.networks.mlp_generator(4, 2, (8,)),
                tfgan.networks.mlp_discriminator(2, (8,)),
                4,
                augment="diff",
            )
