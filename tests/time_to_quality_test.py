"""Tests of benchmarks.time_to_quality: targets, the timed training curve, the MNIST recipe run."""

import os

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from idx_files import write_mnist_like_split

import tfgan
from benchmarks import time_to_quality
from tfgan import classifier, networks


def _circle_gan():
    keras.utils.set_random_seed(0)
    gan = tfgan.GAN(
        networks.mlp_generator(2, 2, (8,)), networks.mlp_discriminator(2, (8,)), 2, seed=0
    )
    gan.compile(steps_per_execution=2)
    return gan


def _circle_data():
    return tfgan.data.circle(batch_size=8, seed=0).take(4)  # a 4-step epoch


class TargetTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        ("all_met", {"confident": 0.85, "rarest_class": 0.06, "fid": 10.0}, True),
        ("threshold_itself_counts", {"confident": 0.8, "rarest_class": 0.05, "fid": 20.0}, True),
        ("one_class_too_rare", {"confident": 0.9, "rarest_class": 0.04, "fid": 10.0}, False),
        ("fid_too_high", {"confident": 0.9, "rarest_class": 0.06, "fid": 20.5}, False),
    )
    def test_meets_reads_fid_as_lower_is_better_and_the_rest_as_higher(self, metrics, expected):
        target = {"confident": 0.8, "rarest_class": 0.05, "fid": 20.0}
        self.assertEqual(time_to_quality.meets(metrics, target), expected)

    def test_seconds_to_target_is_the_first_point_that_meets_it(self):
        curve = [
            {"train_seconds": 10.0, "confident": 0.5},
            {"train_seconds": 20.0, "confident": 0.82},
            {"train_seconds": 30.0, "confident": 0.79},
            {"train_seconds": 40.0, "confident": 0.9},
        ]
        self.assertEqual(time_to_quality.seconds_to_target(curve, {"confident": 0.8}), 20.0)
        self.assertIsNone(time_to_quality.seconds_to_target(curve, {"confident": 0.95}))

    def test_describe_writes_the_direction_of_each_threshold(self):
        self.assertEqual(
            time_to_quality.describe({"confident": 0.8, "fid": 20.0}),
            "confident >= 0.8, fid <= 20",
        )


class TrainAndEvaluateTest(tf.test.TestCase):
    def test_evaluates_every_n_epochs_and_after_the_last_with_growing_train_seconds(self):
        calls = []

        def evaluate(samples):
            calls.append(samples.shape)
            return {"mean_norm": float(np.linalg.norm(samples, axis=1).mean())}

        curve = time_to_quality.train_and_evaluate(
            _circle_gan(), _circle_data(), 5, evaluate, eval_every=2, num_samples=30
        )
        self.assertEqual([point["epoch"] for point in curve], [2, 4, 5])
        self.assertEqual([point["generator_steps"] for point in curve], [8, 16, 20])
        self.assertEqual(calls, [(30, 2)] * 3)
        seconds = [point["train_seconds"] for point in curve]
        self.assertAllGreater(np.diff(seconds), 0)
        self.assertAllGreater([point["evaluation_seconds"] for point in curve], 0)
        self.assertTrue(all("mean_norm" in point for point in curve))

    def test_evaluating_does_not_change_the_course_of_training(self):
        evaluated = _circle_gan()
        time_to_quality.train_and_evaluate(
            evaluated, _circle_data(), 4, lambda samples: {}, eval_every=1, num_samples=10
        )
        plain = _circle_gan()
        plain.fit(_circle_data(), epochs=4, verbose=0, shuffle=False)
        for a, b in zip(evaluated.generator.get_weights(), plain.generator.get_weights()):
            self.assertAllClose(a, b)

    def test_bad_epochs_raise(self):
        with self.assertRaisesRegex(ValueError, "eval_every"):
            time_to_quality.train_and_evaluate(_circle_gan(), _circle_data(), 2, dict, 0)


class MnistTest(tf.test.TestCase):
    def test_trains_the_recipe_and_reports_its_curve_and_targets(self):
        data_dir = os.path.join(self.get_temp_dir(), "idx")
        write_mnist_like_split(data_dir, num_images=48)
        judge = classifier.build(width=2)
        report = time_to_quality.mnist(
            judge,
            data_dir=data_dir,
            recipe=tfgan.recipes.get("mnist", batch_size=16, steps_per_execution=3),
            epochs=2,
            num_samples=20,
            targets=[{"fid": 1e9}, {"confident": 1.01}],
        )
        config = report["config"]
        self.assertEqual(config["mixed_precision"], "none")
        self.assertEqual(config["steps_per_epoch"], 3)
        self.assertEqual(
            config["recipe"]["learning_rate"], tfgan.recipes.get("mnist").learning_rate
        )
        self.assertEqual(config["recipe"]["batch_size"], 16)
        curve = report["curve"]
        self.assertEqual([point["generator_steps"] for point in curve], [3, 6])
        for key in ("fid", "score", "confident", "rarest_class"):
            self.assertIn(key, curve[-1])
        reached, missed = report["targets"]
        self.assertEqual(reached["seconds"], curve[0]["train_seconds"])
        self.assertEqual(reached["target"], "fid <= 1e+09")
        self.assertIsNone(missed["seconds"])
        self.assertIn("not reached", time_to_quality.format_table([report]))


if __name__ == "__main__":
    tf.test.main()
