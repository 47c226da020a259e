"""Tests for the circle metrics in tfgan.metrics, against SciPy and constructed point sets."""

import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from scipy import stats

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


if __name__ == "__main__":
    tf.test.main()
