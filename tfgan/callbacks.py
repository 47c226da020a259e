"""Keras callbacks that make GAN training visible and resumable."""

import json
import os

import keras
import tensorflow as tf

from tfgan import plotting


class SampleGrid(keras.callbacks.Callback):
    """After each epoch, draws G(z) for fixed z as a PNG grid and a TensorBoard image.

    Fixed noise makes the pictures comparable from epoch to epoch: the same z turns into better digits.

    Args:
        image_dir: PNGs go to image_dir/epoch_NNN.png.
        log_dir: TensorBoard directory for the images (None: no TensorBoard image).
        num_images: images in the grid.
        seed: seeds the fixed noise.
    """

    def __init__(self, image_dir: str, log_dir: str = None, num_images: int = 64, seed: int = 0):
        super().__init__()
        self.image_dir = image_dir
        self.log_dir = log_dir
        self.num_images = num_images
        self.seed = seed
        self._writer = None

    def on_train_begin(self, logs=None):
        os.makedirs(self.image_dir, exist_ok=True)
        self._noise = self.model.sample_noise(self.num_images, self.seed)
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        images = keras.ops.convert_to_numpy(self.model.generator(self._noise, training=False))
        grid = plotting.image_grid(images)
        plotting.save_grid(grid, os.path.join(self.image_dir, f"epoch_{epoch + 1:03d}.png"))
        if self._writer:
            with self._writer.as_default():
                tf.summary.image("samples", grid[None, :, :, None], step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer:
            self._writer.close()


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras's BackupAndRestore (two checkpoint copies, one per epoch) that says when it resumes."""

    def __init__(self, backup_dir: str):
        super().__init__(backup_dir, double_checkpoint=True)
        self._metadata_path = os.path.join(backup_dir, "training_metadata.json")

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path) as f:
                epoch = json.load(f)["epoch"]
            print(f"Resuming from the checkpoint after epoch {epoch} in {self.backup_dir}")
