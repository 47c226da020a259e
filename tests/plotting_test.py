"""Tests for tfgan.plotting: image grids and the circle picture."""

import os

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

import tfgan
from tfgan import plotting


class ImageGridTest(tf.test.TestCase):
    def test_images_are_tiled_row_by_row_with_minus_one_black_and_one_white(self):
        images = np.full((5, 2, 3, 1), -1.0, np.float32)
        images[1] = 1.0
        images[4, 0, 0, 0] = 0.0
        grid = plotting.image_grid(images, columns=3)
        self.assertEqual(grid.shape, (2 * 2, 3 * 3))  # two rows of three 2x3 tiles
        self.assertEqual(grid.dtype, np.uint8)
        self.assertAllEqual(grid[0:2, 3:6], np.full((2, 3), 255))  # image 1: first row, second tile
        self.assertEqual(grid[2, 3], 128)  # image 4 (second row, second tile): 0 -> mid grey
        self.assertEqual(grid[:2, :3].max(), 0)
        self.assertEqual(grid[2:, 6:].max(), 0)  # the unused sixth tile stays black

    def test_colour_images_keep_their_channels_in_place(self):
        images = np.full((2, 2, 2, 3), -1.0, np.float32)
        images[1, ..., 0] = 1.0  # the second image pure red
        grid = plotting.image_grid(images, columns=2)
        self.assertEqual(grid.shape, (2, 4, 3))
        self.assertAllEqual(grid[:, 2:], np.broadcast_to([255, 0, 0], (2, 2, 3)))
        self.assertEqual(grid[:, :2].max(), 0)
        path = os.path.join(self.get_temp_dir(), "colour.png")
        plotting.save_grid(grid, path, scale=2)
        self.assertEqual(np.asarray(Image.open(path)).shape, (4, 8, 3))

    def test_other_channel_counts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "1 or 3 channels"):
            plotting.image_grid(np.zeros((1, 2, 2, 2)))

    def test_default_grid_is_square(self):
        self.assertEqual(plotting.image_grid(np.zeros((9, 4, 4, 1))).shape, (12, 12))

    def test_save_image_grid_scales_pixels_up(self):
        path = os.path.join(self.get_temp_dir(), "grid.png")
        plotting.save_image_grid(np.ones((4, 28, 28, 1)), path, scale=3)
        image = np.asarray(Image.open(path))
        self.assertEqual(image.shape, (2 * 28 * 3, 2 * 28 * 3))
        self.assertEqual(image.min(), 255)


class PlotCircleTest(tf.test.TestCase):
    def test_writes_a_png(self):
        keras.utils.set_random_seed(0)
        gan = tfgan.GAN(
            tfgan.networks.mlp_generator(2, 2, (8,)), tfgan.networks.mlp_discriminator(2, (8,)), 2
        )
        path = os.path.join(self.get_temp_dir(), "circle.png")
        plotting.plot_circle(gan, path, num_points=100)
        self.assertGreater(Image.open(path).size[0], 100)


if __name__ == "__main__":
    tf.test.main()
