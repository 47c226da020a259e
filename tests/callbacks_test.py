"""Tests of tfgan.callbacks: sample grids, checkpoints, divergence, evaluation; BackupAndRestore."""

import os

import keras
import numpy as np
import tensorflow as tf

import tfgan
from tfgan import callbacks, classifier, networks


def _image_gan():
    keras.utils.set_random_seed(0)
    generator = networks.dcgan_generator(latent_dim=8, width=4)
    gan = tfgan.GAN(generator, networks.dcgan_discriminator(width=4), latent_dim=8, seed=0)
    gan.compile(steps_per_execution=2)
    return gan


def _images():
    return tf.data.Dataset.from_tensors(tf.zeros((4, 28, 28, 1))).repeat()


class SampleGridTest(tf.test.TestCase):
    def test_writes_one_png_per_epoch_and_tensorboard_images(self):
        image_dir = os.path.join(self.get_temp_dir(), "images")
        log_dir = os.path.join(self.get_temp_dir(), "logs")
        grid = callbacks.SampleGrid(image_dir, log_dir, num_images=4)
        _image_gan().fit(_images(), steps_per_epoch=2, epochs=2, callbacks=[grid], verbose=0)
        self.assertCountEqual(os.listdir(image_dir), ["epoch_001.png", "epoch_002.png"])
        self.assertTrue(any(f.startswith("events.out.tfevents") for f in os.listdir(log_dir)))


class KerasBackupAndRestoreTest(tf.test.TestCase):
    def test_keras_backup_and_restore_resumes_a_gan_after_its_last_completed_epoch(self):
        backup_dir = os.path.join(self.get_temp_dir(), "backup")

        class InterruptAfterSecondEpoch(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    raise KeyboardInterrupt

        interrupted = _image_gan()
        with self.assertRaises(KeyboardInterrupt):
            interrupted.fit(
                _images(),
                steps_per_epoch=2,
                epochs=4,
                callbacks=[
                    keras.callbacks.BackupAndRestore(backup_dir),
                    InterruptAfterSecondEpoch(),
                ],
                verbose=0,
            )

        resumed = _image_gan()
        epochs_run = []
        record = keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch)
        )
        resumed.fit(
            _images(),
            steps_per_epoch=2,
            epochs=4,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir), record],
            verbose=0,
        )
        self.assertEqual(epochs_run, [2, 3])
        self.assertEqual(int(resumed.g_optimizer.iterations), 8)
        # Seed 0, two noise draws a step: the noise stream continued from the checkpoint.
        self.assertAllEqual(resumed.seed_generator.state, [0, 16])


class CheckpointTest(tf.test.TestCase):
    def test_saves_a_verified_checkpoint_after_every_epoch_keeping_the_newest_two(self):
        checkpoints = tfgan.runs.Checkpoints(os.path.join(self.get_temp_dir(), "backup"))
        gan = _image_gan()
        gan.fit(
            _images(),
            steps_per_epoch=2,
            epochs=3,
            callbacks=[callbacks.Checkpoint(checkpoints)],
            verbose=0,
        )
        newest, previous = list(checkpoints.verified())
        self.assertEqual((newest.epoch, newest.steps), (3, 6))
        self.assertEqual((previous.epoch, previous.steps), (2, 4))
        restored = _image_gan()
        restored.load_weights(newest.path)
        for want, got in zip(gan.get_weights(), restored.get_weights()):
            self.assertAllEqual(want, got)
        self.assertAllEqual(restored.g_optimizer.iterations, 6)

    def test_refuses_to_save_weights_that_are_not_finite(self):
        checkpoints = tfgan.runs.Checkpoints(os.path.join(self.get_temp_dir(), "backup"))
        gan = _image_gan()
        gan.generator.layers[1].kernel.assign(gan.generator.layers[1].kernel * np.nan)
        with self.assertRaisesRegex(callbacks.DivergenceError, "after epoch 1"):
            gan.fit(
                _images(),
                steps_per_epoch=1,
                callbacks=[callbacks.Checkpoint(checkpoints)],
                verbose=0,
            )
        self.assertEqual(list(checkpoints.verified()), [])


class StopOnDivergenceTest(tf.test.TestCase):
    def test_stops_at_the_first_non_finite_loss_naming_epoch_and_step(self):
        def nan_after_three_steps(fake_logits):
            step = tf.cast(gan.g_optimizer.iterations, tf.float32)
            poison = tf.where(step >= 3, np.nan, 0.0)
            return tfgan.losses.non_saturating_generator_loss(fake_logits) + poison

        gan = _circle_gan(loss=(nan_after_three_steps, tfgan.losses.discriminator_loss), spe=1)
        with self.assertRaisesRegex(callbacks.DivergenceError, r"epoch 2, by step 4"):
            gan.fit(
                tfgan.data.circle(8, seed=0),
                steps_per_epoch=3,
                epochs=3,
                callbacks=[callbacks.StopOnDivergence()],
                verbose=0,
            )
        self.assertEqual(int(gan.g_optimizer.iterations), 4)


def _circle_gan(loss="non_saturating", spe=2):
    keras.utils.set_random_seed(0)
    generator = networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(8,))
    discriminator = networks.mlp_discriminator(input_dim=2, hidden_units=(8,))
    gan = tfgan.GAN(generator, discriminator, latent_dim=2, loss=loss, seed=0)
    gan.compile(steps_per_execution=spe)
    return gan


def _sample_mean_and_count(samples):
    return {"mean": float(np.mean(samples)), "count": float(len(samples))}


class EvaluationCallbackTest(tf.test.TestCase):
    def _fit(self, gan, data, epochs, *extra_callbacks):
        return gan.fit(
            data, steps_per_epoch=2, epochs=epochs, callbacks=list(extra_callbacks), verbose=0
        )

    def test_puts_its_figures_into_history_every_n_epochs_and_after_the_last(self):
        evaluate = callbacks.EvaluationCallback(
            _sample_mean_and_count, every_n_epochs=2, num_samples=5, seed=3
        )
        epochs_seen = []
        record = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: epochs_seen.append((epoch, "eval_mean" in logs))
        )
        gan = _image_gan()
        history = self._fit(gan, _images(), 5, evaluate, record)
        self.assertEqual(epochs_seen, [(0, False), (1, True), (2, False), (3, True), (4, True)])
        self.assertEqual(history.history["eval_count"], [5.0, 5.0, 5.0])
        self.assertLen(history.history["d_loss"], 5)
        # The last figure is that of the final generator's samples from the callback's seed.
        self.assertNear(history.history["eval_mean"][-1], gan.generate(5, seed=3).mean(), 1e-6)

    def test_does_not_change_the_course_of_training(self):
        plain = self._fit(_circle_gan(), tfgan.data.circle(8, seed=0), 2)
        evaluate = callbacks.EvaluationCallback.for_circle(num_samples=50)
        evaluated = self._fit(_circle_gan(), tfgan.data.circle(8, seed=0), 2, evaluate)
        self.assertAllClose(plain.history["g_loss"], evaluated.history["g_loss"])
        self.assertAllClose(plain.history["d_loss"], evaluated.history["d_loss"])
        for name in ("radius_error", "angle_ks", "arc_coverage", "swd"):
            self.assertLen(evaluated.history[f"eval_{name}"], 2)

    def test_digit_figures_reach_tensorboard_when_given_to_runs_train(self):
        output_dir = os.path.join(self.get_temp_dir(), "run")
        judge = classifier.build(width=2, seed=0)
        real = np.random.default_rng(0).uniform(-1, 1, size=(20, 28, 28, 1)).astype(np.float32)
        evaluate = callbacks.EvaluationCallback.for_digits(
            judge, real, metrics=["fid", "score"], num_samples=12
        )
        history = tfgan.runs.train(
            _image_gan(),
            _images(),
            output_dir,
            epochs=1,
            steps_per_epoch=2,
            callbacks=[evaluate],
            verbose=0,
        ).history
        self.assertContainsSubset(["eval_fid", "eval_score", "eval_confident"], history.history)
        log_dir = os.path.join(output_dir, "logs", "train")
        tags = set()
        for name in os.listdir(log_dir):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, name)):
                tags.update(value.tag for value in event.summary.value)
        self.assertContainsSubset(["epoch_eval_fid", "epoch_eval_score", "epoch_d_loss"], tags)

    def test_bad_arguments_fail_at_construction(self):
        with self.assertRaisesRegex(ValueError, "every_n_epochs"):
            callbacks.EvaluationCallback(_sample_mean_and_count, every_n_epochs=0)
        with self.assertRaisesRegex(ValueError, "num_samples"):
            callbacks.EvaluationCallback(_sample_mean_and_count, num_samples=1)


if __name__ == "__main__":
    tf.test.main()
