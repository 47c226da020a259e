"""Tests for the circle metrics in tfgan.metrics, against SciPy and constructed point sets."""

import itertools
import warnings

import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from scipy import special, stats

from tfgan import metrics


def _on_circle(angles, radius=1.0):
    angles = np.asarray(angles, np.float64)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _evenly_spaced_angles(n, start=0.0, span=2 * np.pi):
    return start + span * np.arange(n) / n


class RadiusErrorTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(0.5, 1.0, 2.5, 10.0)
    def test_points_on_the_circle_have_zero_error(self, radius):
        angles = np.random.default_rng(0).uniform(0.0, 2 * np.pi, size=50)
        self.assertNear(metrics.radius_error(_on_circle(angles, radius), radius=radius), 0.0, 1e-12)

    def test_points_on_a_larger_circle_are_off_by_the_radius_difference(self):
        angles = np.random.default_rng(1).uniform(0.0, 2 * np.pi, size=50)
        self.assertNear(metrics.radius_error(_on_circle(angles, 1.1), radius=1.0), 0.1, 1e-12)

    def test_error_is_mean_absolute_distance_inside_and_outside(self):
        # Radii 0.5 and 1.75 around radius 1: |0.5 - 1| and |1.75 - 1| average to 0.625.
        points = np.array([[0.5, 0.0], [0.0, -1.75]])
        self.assertNear(metrics.radius_error(points), 0.625, 1e-12)

    def test_accepts_float32_tensors(self):
        points = tf.constant(_on_circle(_evenly_spaced_angles(8), 1.1), tf.float32)
        self.assertNear(metrics.radius_error(points), 0.1, 1e-6)


class AngularKsDistanceTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters((0, 10), (1, 50), (2, 200), (3, 7))
    def test_matches_scipy_kstest_against_uniform(self, seed, n):
        rng = np.random.default_rng(seed)
        angles = rng.uniform(-np.pi, np.pi, size=n)
        points = _on_circle(angles, rng.uniform(0.5, 2.0))
        expected = stats.kstest((angles / (2 * np.pi)) % 1.0, "uniform").statistic
        self.assertNear(metrics.angular_ks_distance(points), expected, 1e-9)

    def test_matches_scipy_kstest_on_clustered_angles(self):
        angles = np.random.default_rng(4).normal(1.0, 0.3, size=40)
        expected = stats.kstest((angles / (2 * np.pi)) % 1.0, "uniform").statistic
        self.assertNear(metrics.angular_ks_distance(_on_circle(angles)), expected, 1e-9)

    @parameterized.parameters(4, 36, 1000)
    def test_evenly_spaced_angles_are_within_one_over_n(self, n):
        distance = metrics.angular_ks_distance(_on_circle(_evenly_spaced_angles(n)))
        self.assertLess(distance, 1.0 / n + 1e-9)

    def test_half_circle_is_about_one_half(self):
        n = 500
        angles = _evenly_spaced_angles(n, start=np.pi / (2 * n), span=np.pi)
        self.assertNear(metrics.angular_ks_distance(_on_circle(angles)), 0.5, 2.0 / n)

    def test_does_not_depend_on_radius(self):
        angles = np.random.default_rng(5).uniform(0.0, 2 * np.pi, size=30)
        self.assertNear(
            metrics.angular_ks_distance(_on_circle(angles, 0.3)),
            metrics.angular_ks_distance(_on_circle(angles, 3.0)),
            1e-12,
        )


class ArcCountsTest(tf.test.TestCase, parameterized.TestCase):
    def test_counts_points_in_each_arc(self):
        # Four arcs of 90 degrees; angles placed inside arcs 0, 0, 1, 3, 3, 3 (negative = arc 3).
        angles = np.deg2rad([10.0, 80.0, 100.0, 280.0, -10.0, 359.0])
        self.assertAllEqual(metrics.arc_counts(_on_circle(angles), num_arcs=4), [2, 1, 0, 3])

    @parameterized.parameters(4, 12, 36)
    def test_arc_centres_give_one_point_per_arc(self, num_arcs):
        width = 2 * np.pi / num_arcs
        angles = _evenly_spaced_angles(num_arcs, start=width / 2)
        counts = metrics.arc_counts(_on_circle(angles, 2.0), num_arcs=num_arcs)
        self.assertAllEqual(counts, np.ones(num_arcs, int))

    def test_points_at_angle_zero_fall_in_the_first_arc(self):
        counts = metrics.arc_counts(np.array([[1.0, 0.0], [3.0, 0.0]]), num_arcs=6)
        self.assertAllEqual(counts, [2, 0, 0, 0, 0, 0])

    def test_default_has_36_arcs_summing_to_n(self):
        angles = np.random.default_rng(6).uniform(0.0, 2 * np.pi, size=100)
        counts = metrics.arc_counts(_on_circle(angles))
        self.assertEqual(counts.shape, (36,))
        self.assertEqual(counts.sum(), 100)
        # Independent count: bin the angles by hand with numpy.histogram.
        expected, _ = np.histogram(angles % (2 * np.pi), bins=36, range=(0.0, 2 * np.pi))
        self.assertAllEqual(counts, expected)


class ArcCoverageTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(4, 36)
    def test_half_circle_covers_half_the_arcs(self, num_arcs):
        width = 2 * np.pi / num_arcs
        # 8 points per arc over the upper half, each in the middle of its eighth of the arc.
        angles = _evenly_spaced_angles(4 * num_arcs, start=width / 16, span=np.pi)
        expected = np.r_[np.full(num_arcs // 2, 8), np.zeros(num_arcs // 2, int)]
        self.assertAllEqual(metrics.arc_counts(_on_circle(angles), num_arcs=num_arcs), expected)
        self.assertEqual(metrics.arc_coverage(_on_circle(angles), num_arcs=num_arcs), 0.5)

    @parameterized.parameters(4, 36)
    def test_even_spread_covers_every_arc(self, num_arcs):
        width = 2 * np.pi / num_arcs
        # 3 points per arc, each in the middle of its third of the arc.
        angles = _evenly_spaced_angles(3 * num_arcs, start=width / 6)
        self.assertEqual(metrics.arc_coverage(_on_circle(angles), num_arcs=num_arcs), 1.0)

    def test_arcs_below_min_share_of_expected_count_are_uncovered(self):
        # Four arcs, 12 points: expected 3 per arc. Counts [6, 3, 2, 1]: with min_share 0.5 an arc
        # needs >= 1.5 points (3 of 4 covered); with min_share 1.0 it needs >= 3 (2 of 4 covered).
        centres = np.deg2rad([45.0, 135.0, 225.0, 315.0])
        angles = np.repeat(centres, [6, 3, 2, 1])
        points = _on_circle(angles)
        self.assertEqual(metrics.arc_coverage(points, num_arcs=4), 0.75)
        self.assertEqual(metrics.arc_coverage(points, num_arcs=4, min_share=1.0), 0.5)


class ShapeValidationTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.named_parameters(
        ("flat", np.zeros(6)),
        ("three_columns", np.zeros((4, 3))),
        ("one_column", np.zeros((4, 1))),
        ("rank_three", np.zeros((4, 2, 1))),
        ("empty", np.zeros((0, 2))),
    )
    def test_wrong_shape_raises_value_error(self, points):
        for metric in (
            metrics.radius_error,
            metrics.angular_ks_distance,
            metrics.arc_counts,
            metrics.arc_coverage,
        ):
            with self.subTest(metric=metric.__name__):
                with self.assertRaisesRegex(ValueError, r"\[n, 2\]"):
                    metric(points)

    def test_non_finite_points_raise_value_error(self):
        points = np.array([[1.0, 0.0], [np.nan, 0.0]])
        for metric in (metrics.radius_error, metrics.angular_ks_distance, metrics.arc_coverage):
            with self.subTest(metric=metric.__name__):
                with self.assertRaisesRegex(ValueError, "NaN"):
                    metric(points)


def _features_with_moments(n, mean, variances, seed):
    """n rows whose sample mean is exactly `mean` and unbiased sample covariance diag(variances)."""
    z = np.random.default_rng(seed).normal(size=(n, len(mean)))
    z -= z.mean(axis=0)
    # Whiten so that the unbiased sample covariance is exactly the identity.
    cov = z.T @ z / (n - 1)
    z = z @ np.linalg.inv(np.linalg.cholesky(cov)).T
    return z * np.sqrt(variances) + mean


class FrechetDistanceTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(
        ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, -1.0, 0.5], [4.0, 0.5, 3.0]),
        ([2.0, -1.0], [0.25, 9.0], [2.0, -1.0], [1.0, 1.0]),
        ([0.0], [1.0], [3.0], [1.0]),
    )
    def test_matches_closed_form_for_diagonal_gaussians(self, m1, s1, m2, s2):
        m1, s1, m2, s2 = map(np.asarray, (m1, s1, m2, s2))
        real = _features_with_moments(200, m1, s1, seed=0)
        fake = _features_with_moments(300, m2, s2, seed=1)
        expected = np.sum((m1 - m2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
        self.assertNear(metrics.frechet_distance(real, fake), expected, 1e-6)

    def test_identical_sets_are_at_distance_zero(self):
        features = np.random.default_rng(2).normal(size=(100, 8))
        self.assertNear(metrics.frechet_distance(features, tf.constant(features)), 0.0, 1e-6)

    def test_features_constant_over_both_sets_are_left_out(self):
        rng = np.random.default_rng(4)
        real, fake = rng.normal(size=(60, 3)), rng.normal(1.0, 2.0, size=(80, 3))

        def dead(x):
            return np.concatenate([x, np.full((len(x), 2), 0.5)], axis=1)

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no singular-matrix warning from the square root
            padded = metrics.frechet_distance(dead(real), dead(fake))
        self.assertNear(padded, metrics.frechet_distance(real, fake), 1e-9)
        self.assertEqual(metrics.frechet_distance(dead(real)[:, 3:], dead(fake)[:, 3:]), 0.0)

    def test_warns_when_fewer_samples_than_dimensions(self):
        rng = np.random.default_rng(3)
        with self.assertWarnsRegex(UserWarning, "Fewer samples"):
            distance = metrics.frechet_distance(rng.normal(size=(5, 10)), rng.normal(size=(50, 10)))
        self.assertTrue(np.isfinite(distance))


class KernelDistanceTest(tf.test.TestCase, parameterized.TestCase):
    def test_same_distribution_gives_mean_near_zero(self):
        rng = np.random.default_rng(0)
        result = metrics.kernel_distance(
            rng.normal(size=(400, 4)), rng.normal(size=(400, 4)), num_subsets=20, subset_size=100
        )
        self.assertLess(abs(result["mean"]), 3 * result["std"] + 1e-3)

    def test_shifted_distribution_gives_clearly_positive_mean(self):
        rng = np.random.default_rng(1)
        result = metrics.kernel_distance(
            rng.normal(size=(400, 4)),
            rng.normal(1.0, 1.0, size=(400, 4)),
            num_subsets=20,
            subset_size=100,
        )
        self.assertGreater(result["mean"], 3 * result["std"])
        self.assertGreater(result["mean"], 0.1)

    def test_one_full_subset_matches_brute_force_unbiased_mmd(self):
        rng = np.random.default_rng(2)
        x, y = rng.normal(size=(6, 3)), rng.normal(0.5, 1.0, size=(6, 3))
        d, m = 3, 6

        def kernel(a, b):
            return (np.dot(a, b) / d + 1.0) ** 3

        xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
        yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
        xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
        expected = xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2 * xy / m**2
        # subset_size above the set size is capped at 6: the subset is a permutation of all rows.
        result = metrics.kernel_distance(x, y, num_subsets=1, subset_size=50)
        self.assertNear(result["mean"], expected, 1e-10)
        self.assertEqual(result["std"], 0.0)


class ClassifierScoreTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(2, 5, 10)
    def test_confident_even_predictions_score_num_classes(self, num_classes):
        probs = np.tile(np.eye(num_classes), (3, 1))
        self.assertNear(metrics.classifier_score(probs), num_classes, 1e-9)

    def test_identical_rows_score_one(self):
        probs = np.tile([[0.2, 0.5, 0.3]], (7, 1))
        self.assertNear(metrics.classifier_score(probs), 1.0, 1e-9)

    @parameterized.parameters(0, 1, 2)
    def test_matches_hand_kl_and_lies_within_one_and_num_classes(self, seed):
        probs = np.random.default_rng(seed).dirichlet(np.full(4, 0.3), size=20)
        marginal = probs.mean(axis=0)
        kls = [sum(p * np.log(p / q) for p, q in zip(row, marginal) if p > 0) for row in probs]
        score = metrics.classifier_score(probs)
        self.assertNear(score, np.exp(np.mean(kls)), 1e-9)
        self.assertBetween(score, 1.0, 4.0)

    def test_from_logits_agrees_with_softmax_probabilities(self):
        logits = np.random.default_rng(3).normal(scale=3.0, size=(10, 5))
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        self.assertNear(
            metrics.classifier_score(logits, from_logits=True),
            metrics.classifier_score(probs),
            1e-9,
        )

    def test_class_histogram_counts_argmax_shares(self):
        probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]])
        self.assertAllClose(metrics.class_histogram(probs), [0.5, 0.25, 0.25])
        self.assertAllClose(metrics.class_histogram(probs, num_classes=5), [0.5, 0.25, 0.25, 0, 0])


def _brute_force_prdc(real, fake, k):
    def radius(points, i):
        return sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)[
            k - 1
        ]

    real_r = [radius(real, i) for i in range(len(real))]
    fake_r = [radius(fake, j) for j in range(len(fake))]

    def dist(i, j):
        return np.linalg.norm(real[i] - fake[j])

    n, m = len(real), len(fake)
    precision = np.mean([any(dist(i, j) <= real_r[i] for i in range(n)) for j in range(m)])
    recall = np.mean([any(dist(i, j) <= fake_r[j] for j in range(m)) for i in range(n)])
    density = sum(dist(i, j) <= real_r[i] for i in range(n) for j in range(m)) / (k * m)
    coverage = np.mean([any(dist(i, j) <= real_r[i] for j in range(m)) for i in range(n)])
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


class PrecisionRecallDensityCoverageTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters(itertools.product([0, 1, 2], [1024, 7]))
    def test_matches_brute_force(self, seed, batch_size):
        rng = np.random.default_rng(seed)
        real, fake = rng.normal(size=(30, 3)), rng.normal(0.5, 1.2, size=(25, 3))
        result = metrics.precision_recall_density_coverage(real, fake, k=3, batch_size=batch_size)
        expected = _brute_force_prdc(real, fake, k=3)
        for key in ("precision", "recall", "density", "coverage"):
            self.assertNear(result[key], expected[key], 1e-12, msg=key)

    def test_identical_sets_have_full_precision_recall_and_coverage(self):
        features = np.random.default_rng(3).normal(size=(40, 4))
        result = metrics.precision_recall_density_coverage(features, features.copy(), k=3)
        self.assertEqual(result["precision"], 1.0)
        self.assertEqual(result["recall"], 1.0)
        self.assertEqual(result["coverage"], 1.0)


class ParzenLogLikelihoodTest(tf.test.TestCase, parameterized.TestCase):
    def test_matches_brute_force_scipy_logsumexp(self):
        rng = np.random.default_rng(0)
        samples = rng.uniform(-1, 1, size=(20, 4, 4, 1))
        test = np.clip(samples[:7] + rng.normal(scale=0.3, size=(7, 4, 4, 1)), -1, 1)
        validation = np.clip(samples[7:12] + rng.normal(scale=0.3, size=(5, 4, 4, 1)), -1, 1)
        sigmas = np.logspace(-1, 0, 10)

        def log_likelihoods(images, sigma):
            centres = ((samples + 1) / 2).reshape(20, -1)
            lls = []
            for x in ((images + 1) / 2).reshape(len(images), -1):
                exponents = [-np.sum((x - s) ** 2) / (2 * sigma**2) for s in centres]
                lls.append(
                    special.logsumexp(exponents)
                    - np.log(20)
                    - 16 * np.log(sigma * np.sqrt(2 * np.pi))
                )
            return np.array(lls)

        best = sigmas[np.argmax([log_likelihoods(validation, s).mean() for s in sigmas])]
        expected = log_likelihoods(test, best)
        result = metrics.parzen_log_likelihood(samples, test, validation, sigmas, batch_size=3)
        self.assertNear(result["sigma"], best, 1e-12)
        self.assertAllClose(result["mean"], expected.mean(), rtol=1e-4, atol=1e-4)
        self.assertAllClose(result["std_error"], expected.std() / np.sqrt(7), rtol=1e-4, atol=1e-4)

    def test_single_sigma_is_used_as_given(self):
        images = np.zeros((3, 2, 2))
        result = metrics.parzen_log_likelihood(images, images, images, sigmas=[0.5])
        # Every test image sits on all 3 centres: log p = -d log(sigma sqrt(2 pi)), d = 4.
        self.assertNear(result["mean"], -4 * np.log(0.5 * np.sqrt(2 * np.pi)), 1e-5)
        self.assertNear(result["std_error"], 0.0, 1e-6)
        self.assertEqual(result["sigma"], 0.5)


class SlicedWassersteinToCircleTest(tf.test.TestCase, parameterized.TestCase):
    @parameterized.parameters((100, 0.0), (400, 0.3), (64, 1.0))
    def test_evenly_spaced_points_on_the_circle_are_near_zero(self, n, start):
        points = _on_circle(_evenly_spaced_angles(n, start=start), 2.0)
        self.assertLess(metrics.sliced_wasserstein_to_circle(points, radius=2.0), 0.01 * 2.0)
        self.assertLess(metrics.sliced_wasserstein_to_circle(points / 2.0), 0.01)

    def test_larger_circle_is_far(self):
        points = _on_circle(_evenly_spaced_angles(200, start=0.1), 1.3)
        self.assertGreater(metrics.sliced_wasserstein_to_circle(points), 0.1)

    def test_half_circle_is_farther_than_full_circle(self):
        rng = np.random.default_rng(0)
        full = metrics.sliced_wasserstein_to_circle(_on_circle(rng.uniform(0, 2 * np.pi, 300)))
        half = metrics.sliced_wasserstein_to_circle(_on_circle(rng.uniform(0, np.pi, 300)))
        self.assertGreater(half, full + 0.1)


if __name__ == "__main__":
    tf.test.main()
