"""Tests for tfgan.evaluation: digit and circle metric functions and the results table."""

import warnings

import keras
import numpy as np
import scipy.linalg
import tensorflow as tf
from absl.testing import parameterized

from tfgan import classifier, evaluation, metrics


def _images(n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, 28, 28, 1)).astype(np.float32)


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class DigitMetricsTest(tf.test.TestCase, parameterized.TestCase):
    def setUp(self):
        super().setUp()
        self.model = classifier.build(width=2, seed=0)  # 8 features; untrained is enough here
        self.real = _images(40, seed=0)
        self.samples = _images(30, seed=1)
        penultimate = keras.Model(self.model.input, self.model.get_layer("features").output)
        self.real_features = penultimate.predict(self.real, verbose=0)
        self.sample_features = penultimate.predict(self.samples, verbose=0)
        self.sample_probs = _softmax(self.model.predict(self.samples, verbose=0).astype(np.float64))

    @parameterized.parameters(
        ("fid", ["fid"]),
        ("kid", ["kid", "kid_std"]),
        ("score", ["score", "confident", "rarest_class"]),
        ("prdc", ["precision", "recall", "density", "coverage"]),
        ("parzen", ["parzen", "parzen_std_error", "parzen_sigma"]),
    )
    def test_each_group_adds_its_keys(self, group, keys):
        compute = evaluation.digit_metrics(self.model, self.real, [group], self.real[:5])
        self.assertCountEqual(compute(self.samples).keys(), keys)

    def test_feature_metrics_compare_classifier_features_of_samples_and_real_images(self):
        results = evaluation.digit_metrics(self.model, self.real, ["fid", "kid", "prdc"])(
            self.samples
        )
        self.assertNear(
            results["fid"], metrics.frechet_distance(self.real_features, self.sample_features), 1e-3
        )
        kid = metrics.kernel_distance(self.real_features, self.sample_features)
        self.assertNear(results["kid"], kid["mean"], 1e-4)
        prdc = metrics.precision_recall_density_coverage(self.real_features, self.sample_features)
        self.assertNear(results["coverage"], prdc["coverage"], 1e-9)

    def test_score_confident_share_and_rarest_class_from_the_logits(self):
        results = evaluation.digit_metrics(self.model, self.real, ["score"])(self.samples)
        marginal = self.sample_probs.mean(axis=0)
        kl = np.sum(self.sample_probs * np.log(self.sample_probs / marginal), axis=1)
        self.assertNear(results["score"], np.exp(kl.mean()), 1e-4)
        self.assertNear(results["confident"], np.mean(self.sample_probs.max(axis=1) > 0.9), 1e-9)
        counts = np.bincount(self.sample_probs.argmax(axis=1), minlength=10)
        self.assertNear(results["rarest_class"], counts.min() / 30, 1e-9)

    def test_parzen_scores_real_images_under_the_samples(self):
        validation = _images(6, seed=2)
        results = evaluation.digit_metrics(self.model, self.real, ["parzen"], validation)(
            self.samples
        )
        expected = metrics.parzen_log_likelihood(self.samples, self.real, validation)
        self.assertNear(results["parzen"], expected["mean"], 1e-6)
        self.assertNear(results["parzen_sigma"], expected["sigma"], 1e-12)

    def test_fid_leaves_out_dead_features_without_changing_the_distance(self):
        layer = self.model.get_layer("features")
        kernel, bias = layer.get_weights()
        bias[:3] = -1e6  # three ReLU units that never fire
        layer.set_weights([kernel, bias])
        penultimate = keras.Model(self.model.input, layer.output)
        real, fake = (penultimate.predict(x, verbose=0) for x in (self.real, self.samples))
        self.assertAllEqual(real[:, :3], np.zeros((40, 3)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no singular-matrix warning from the square root
            fid = evaluation.digit_metrics(self.model, self.real, ["fid"])(self.samples)["fid"]
        mu = real[:, 3:].mean(axis=0) - fake[:, 3:].mean(axis=0)
        s1, s2 = np.cov(real[:, 3:], rowvar=False), np.cov(fake[:, 3:], rowvar=False)
        expected = mu @ mu + np.trace(s1 + s2 - 2 * np.real(scipy.linalg.sqrtm(s1 @ s2)))
        self.assertNear(fid, expected, 1e-3)

    def test_real_images_against_themselves_have_zero_fid(self):
        results = evaluation.digit_metrics(self.model, self.real, ["fid"])(self.real)
        self.assertNear(results["fid"], 0.0, 1e-4)

    def test_bad_choices_fail_with_a_message(self):
        for names, pattern in (
            (["fid", "inception"], "unknown metrics inception"),
            ([], "no metrics chosen"),
            (["parzen"], "validation images"),
        ):
            with self.subTest(names=names), self.assertRaisesRegex(ValueError, pattern):
                evaluation.digit_metrics(self.model, self.real, names)


class CircleMetricsTest(tf.test.TestCase):
    def test_exact_circle_and_half_circle(self):
        angles = 2 * np.pi * (np.arange(3600) + 0.5) / 3600
        circle = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        compute = evaluation.circle_metrics(radius=2.0)
        results = compute(circle)
        self.assertCountEqual(results.keys(), evaluation.CIRCLE_METRICS)
        self.assertNear(results["radius_error"], 0.0, 1e-12)
        self.assertNear(results["arc_coverage"], 1.0, 1e-12)
        self.assertLess(results["angle_ks"], 1e-3)
        self.assertLess(results["swd"], 1e-2)
        half = compute(circle[:1800])
        self.assertNear(half["arc_coverage"], 0.5, 1e-12)
        self.assertNear(half["angle_ks"], 0.5, 1e-3)

    def test_chosen_subset_only(self):
        points = np.array([[1.5, 0.0], [0.0, -0.5]])
        self.assertEqual(evaluation.circle_metrics(["radius_error"])(points), {"radius_error": 0.5})
        with self.assertRaisesRegex(ValueError, "unknown metrics fid"):
            evaluation.circle_metrics(["fid"])


class FormatTableTest(tf.test.TestCase):
    def test_one_line_per_metric_one_column_per_row(self):
        table = evaluation.format_table(
            {"generator": {"fid": 12.3456789, "score": 8.0}, "real vs real": {"fid": 0.25}}
        )
        lines = table.splitlines()
        self.assertLen(lines, 3)
        self.assertEqual(lines[0].split(), ["metric", "generator", "real", "vs", "real"])
        self.assertEqual(lines[1].split(), ["fid", "12.346", "0.25"])
        self.assertEqual(lines[2].split(), ["score", "8"])


if __name__ == "__main__":
    tf.test.main()
