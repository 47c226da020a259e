"""Tests for tfgan.callbacks: per-epoch sample grids and resumable backups."""

import io
import os
from contextlib import redirect_stdout

import keras
import numpy as np
import tensorflow as tf

import tfgan
from tfgan import callbacks, networks


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


class BackupAndRestoreTest(tf.test.TestCase):
    def test_interrupted_fit_resumes_after_the_last_completed_epoch_and_says_so(self):
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
                callbacks=[callbacks.BackupAndRestore(backup_dir), InterruptAfterSecondEpoch()],
                verbose=0,
            )

        resumed = _image_gan()
        epochs_run = []
        record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, l: epochs_run.append(e))
        stdout = io.StringIO()
        with redirect_stdout(stdout):
            resumed.fit(
                _images(),
                steps_per_epoch=2,
                epochs=4,
                callbacks=[callbacks.BackupAndRestore(backup_dir), record],
                verbose=0,
            )
        self.assertIn("Resuming from the checkpoint after epoch 2", stdout.getvalue())
        self.assertEqual(epochs_run, [2, 3])
        self.assertEqual(int(resumed.g_optimizer.iterations), 8)
        self.assertFalse(os.path.exists(backup_dir))
        self.assertTrue(np.isfinite(resumed.generate(2, seed=0)).all())


if __name__ == "__main__":
    tf.test.main()
