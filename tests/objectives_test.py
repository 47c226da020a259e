"""Tests for benchmarks.objectives: the loss × constraint table's runs, on tiny budgets."""

import numpy as np
import tensorflow as tf

from benchmarks import objectives
from tfgan import classifier, evaluation


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
        table = objectives.format_table([{**row, "d_steps": 1, "ms_per_step": 2.5}])
        self.assertIn("| hinge+sn | 1 | 2.50 | 200 |", table)

    def test_mnist_quality_trains_on_the_images_and_scores_the_samples(self):
        images = np.random.default_rng(0).uniform(-1, 1, (256, 28, 28, 1)).astype(np.float32)
        judge = classifier.build(width=4)
        score = evaluation.digit_metrics(judge, images, ["fid", "score"])
        spec = objectives.OBJECTIVES["wasserstein+gp10"]
        row = objectives.mnist_quality(
            spec, 0.5, seed=0, ms_per_step=25.0, images=images, score=score
        )
        self.assertEqual((row["steps"], row["objective"]), (20, "wasserstein+gp10"))
        self.assertTrue(row["finite"])
        self.assertGreater(row["fid"], 0.0)
        self.assertBetween(row["confident"], 0.0, 1.0)
        rows = [{**row, "d_steps": 5, "ms_per_step": 25.0}, {**row, "fid": row["fid"] + 2}]
        table = objectives.format_table(rows, objectives.MNIST_FIGURES)
        self.assertIn("| Fréchet distance | p > 0.9 | rarest class | seeds |", table)
        self.assertIn(f"| {row['fid'] + 1:.3g} ({row['fid']:.3g}–{row['fid'] + 2:.3g}) |", table)
        self.assertTrue(table.endswith("| 2 |"))


if __name__ == "__main__":
    tf.test.main()
