"""Tests for benchmarks.objectives: the loss × constraint table's runs, on tiny budgets."""

import tensorflow as tf

from benchmarks import objectives


class ObjectivesTest(tf.test.TestCase):
    def test_every_loss_meets_every_constraint_by_name(self):
        self.assertLen(objectives.OBJECTIVES, len(objectives.LOSSES) * len(objectives.CONSTRAINTS))
        spec = objectives.OBJECTIVES["wasserstein+gp10"]
        self.assertEqual((spec.loss, spec.gradient_penalty), ("wasserstein", 10.0))
        self.assertTrue(objectives.OBJECTIVES["hinge+sn"].spectral_norm)

    def test_cost_per_step_counts_the_recipes_d_updates(self):
        cost = objectives.cost_per_step(
            objectives.OBJECTIVES["wasserstein+gp10"], "circle", steps=4, windows=1
        )
        self.assertEqual(cost["d_steps"], 5)
        self.assertGreater(cost["ms_per_step"], 0)
        self.assertAllClose(cost["ms_per_d_update"], cost["ms_per_step"] / 5)

    def test_circle_quality_sizes_the_run_from_the_cost_and_scores_it(self):
        spec = objectives.OBJECTIVES["hinge+sn"]
        row = objectives.circle_quality(spec, seconds=0.5, seed=0, ms_per_step=2.5)
        self.assertEqual(row["steps"], 200)
        self.assertTrue(row["finite"])
        self.assertBetween(row["radius_error"], 0.0, 10.0)
        table = objectives.format_circle_table([{**row, "d_steps": 1, "ms_per_step": 2.5}])
        self.assertIn("| hinge+sn | 1 | 2.50 | 200 |", table)


if __name__ == "__main__":
    tf.test.main()
