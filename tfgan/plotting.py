"""Pictures of what a GAN has learned, written as PNG files (atomically: see `tfgan.runs`)."""

import numpy as np
from keras import ops
from matplotlib.figure import Figure
from PIL import Image

from tfgan import runs


def plot_circle(gan, path: str, radius: float = 1.0, num_points: int = 2000, seed: int = 0) -> None:
    """Generated points over the true circle, with D(x) as a heat map behind them.

    The heat map is the discriminator's verdict on every point of the plane; at the game's
    equilibrium it is 1/2 on the data and the generated points cover the circle evenly.
    """
    points = gan.generate(num_points, seed=seed)
    extent = 1.5 * max(radius, float(np.abs(points).max()))
    axis = np.linspace(-extent, extent, 200, dtype=np.float32)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    logits = gan.discriminator.predict(grid, batch_size=8192, verbose=0)
    d_of_x = ops.convert_to_numpy(ops.sigmoid(logits)).reshape(len(axis), len(axis))

    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    image = ax.imshow(
        d_of_x,
        extent=(-extent, extent, -extent, extent),
        origin="lower",
        cmap="RdBu",
        vmin=0,
        vmax=1,
    )
    fig.colorbar(image, ax=ax, label="D(x): probability that x is real")
    angle = np.linspace(0, 2 * np.pi, 400)
    ax.plot(radius * np.cos(angle), radius * np.sin(angle), "k--", lw=0.8, label="data: circle")
    ax.scatter(points[:, 0], points[:, 1], s=6, c="darkorange", alpha=0.5, label="G(z)", zorder=3)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Generated points and the discriminator's D(x)")
    runs.write_atomically(
        path, lambda temporary: fig.savefig(temporary, dpi=100, bbox_inches="tight")
    )


def image_grid(images, columns: int = 0) -> np.ndarray:
    """Tiles [n, h, w, c] images in [-1, 1] (c 1 or 3) into one uint8 picture, `columns` wide (0:
    square): [rows * h, columns * w] for grey images, [rows * h, columns * w, 3] for colour."""
    images = np.asarray(images, dtype=np.float32)
    n, height, width, channels = images.shape
    if channels not in (1, 3):
        raise ValueError(f"image_grid takes 1 or 3 channels, got images of shape {images.shape}.")
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    pixels = np.clip(np.rint((images + 1) * 127.5), 0, 255).astype(np.uint8)
    grid = np.zeros((rows * height, columns * width, channels), dtype=np.uint8)
    for i, image in enumerate(pixels):
        row, column = divmod(i, columns)
        grid[row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return grid[..., 0] if channels == 1 else grid


def samples_grid(gan, num_images: int, seed: int = 0) -> np.ndarray:
    """image_grid of a GAN's samples from `seed`: square, or for a conditional GAN one row per class
    (num_images // num_classes columns, at least one)."""
    if gan.num_classes is None:
        return image_grid(gan.generate(num_images, seed=seed))
    columns = max(1, num_images // gan.num_classes)
    labels = np.repeat(np.arange(gan.num_classes, dtype=np.int32), columns)
    return image_grid(gan.generate(len(labels), labels, seed=seed), columns)


def save_image_grid(images, path: str, columns: int = 0, scale: int = 2) -> None:
    """Writes image_grid(images, columns) as a PNG, each pixel scaled up `scale` times."""
    save_grid(image_grid(images, columns), path, scale)


def save_grid(grid: np.ndarray, path: str, scale: int = 2) -> None:
    """Writes a uint8 grid (from image_grid) as a PNG, each pixel scaled up `scale` times."""
    image = Image.fromarray(grid).resize(
        (grid.shape[1] * scale, grid.shape[0] * scale), Image.NEAREST
    )
    runs.write_atomically(path, lambda temporary: image.save(temporary, format="PNG"))
