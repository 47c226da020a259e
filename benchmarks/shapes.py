"""A synthetic image folder to train and judge on: 12 classes of coloured shapes, a folder each.

    python -m benchmarks.shapes --output_dir=/tmp/shapes --per_class=1000 --size=32

Each image is one filled shape (the class: circle, square, triangle, diamond, cross, ring, star,
...) of a random colour, size, position and rotation on a random darker background, drawn with
Pillow at 4x and downsampled, so edges are smooth. Files alternate between PNG and JPEG (quality
95); a fixed seed gives the same folder. A stand-in for a user's photos, copied from no dataset.
"""

import math
import os

import numpy as np
from absl import app, flags
from PIL import Image, ImageDraw

SHAPES = (
    "circle",
    "square",
    "triangle",
    "diamond",
    "cross",
    "ring",
    "star",
    "hexagon",
    "bar",
    "crescent",
    "arrow",
    "heart",
)


def _polygon(center, radius, vertices, rotation, inner=None):
    """Points of a regular polygon (or a star, alternating with `inner` radius)."""
    count = vertices * (2 if inner else 1)
    points = []
    for i in range(count):
        r = inner if inner and i % 2 else radius
        angle = rotation + 2 * math.pi * i / count
        points.append((center[0] + r * math.cos(angle), center[1] + r * math.sin(angle)))
    return points


def draw_shape(shape: str, size: int, rng: np.random.Generator) -> Image.Image:
    """One RGB image of `shape`, `size` pixels a side, with random colour, scale, place and turn."""
    scale = 4
    canvas = size * scale
    background = tuple(int(v) for v in rng.integers(0, 90, 3))
    colour = tuple(int(v) for v in rng.integers(130, 256, 3))
    image = Image.new("RGB", (canvas, canvas), background)
    draw = ImageDraw.Draw(image)
    radius = canvas * rng.uniform(0.22, 0.36)
    margin = radius * 1.05
    center = tuple(rng.uniform(margin, canvas - margin, 2))
    turn = rng.uniform(0, 2 * math.pi)
    box = (center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "ring":
        draw.ellipse(box, fill=colour)
        hole = radius * 0.55
        draw.ellipse(
            (center[0] - hole, center[1] - hole, center[0] + hole, center[1] + hole),
            fill=background,
        )
    elif shape == "crescent":
        draw.ellipse(box, fill=colour)
        shift = radius * 0.5
        dx, dy = shift * math.cos(turn), shift * math.sin(turn)
        draw.ellipse(
            (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy),
            fill=background,
        )
    elif shape in ("square", "triangle", "diamond", "hexagon"):
        vertices = {"square": 4, "triangle": 3, "diamond": 4, "hexagon": 6}[shape]
        rotation = turn if shape != "diamond" else 0.0
        points = _polygon(center, radius, vertices, rotation)
        if shape == "diamond":
            points = [(x, center[1] + (y - center[1]) * 1.6) for x, y in points]
            points = [(x, min(max(y, margin * 0.2), canvas - margin * 0.2)) for x, y in points]
        draw.polygon(points, fill=colour)
    elif shape == "star":
        draw.polygon(_polygon(center, radius, 5, turn, inner=radius * 0.45), fill=colour)
    elif shape in ("cross", "bar", "arrow"):
        width = radius * (0.35 if shape != "bar" else 0.5)
        arms = (0, math.pi / 2) if shape == "cross" else (0,)
        for arm in arms:
            angle = turn + arm
            dx, dy = math.cos(angle), math.sin(angle)
            nx, ny = -dy, dx
            length = radius if shape != "arrow" else radius * 0.9
            corners = [
                (
                    center[0] + sx * length * dx + sy * width / 2 * nx,
                    center[1] + sx * length * dy + sy * width / 2 * ny,
                )
                for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
            ]
            draw.polygon(corners, fill=colour)
        if shape == "arrow":
            dx, dy = math.cos(turn), math.sin(turn)
            nx, ny = -dy, dx
            tip = (center[0] + radius * dx, center[1] + radius * dy)
            base = (center[0] + radius * 0.3 * dx, center[1] + radius * 0.3 * dy)
            draw.polygon(
                [
                    tip,
                    (base[0] + radius * 0.6 * nx, base[1] + radius * 0.6 * ny),
                    (base[0] - radius * 0.6 * nx, base[1] - radius * 0.6 * ny),
                ],
                fill=colour,
            )
    elif shape == "heart":
        lobe = radius * 0.5
        for side in (-1, 1):
            cx, cy = center[0] + side * lobe * 0.9, center[1] - lobe * 0.5
            draw.ellipse((cx - lobe, cy - lobe, cx + lobe, cy + lobe), fill=colour)
        draw.polygon(
            [
                (center[0] - radius * 0.95, center[1] - lobe * 0.3),
                (center[0] + radius * 0.95, center[1] - lobe * 0.3),
                (center[0], center[1] + radius),
            ],
            fill=colour,
        )
    else:
        raise ValueError(f"Unknown shape {shape!r}: choose one of {SHAPES}.")
    return image.resize((size, size), Image.LANCZOS)


def write_folder(output_dir: str, per_class: int, size: int = 32, seed: int = 0) -> int:
    """Writes per_class images of each shape to output_dir/SHAPE/NNNNN.(png|jpg); returns n."""
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        folder = os.path.join(output_dir, shape)
        os.makedirs(folder, exist_ok=True)
        for index in range(per_class):
            image = draw_shape(shape, size, rng)
            if index % 2:
                image.save(os.path.join(folder, f"{index:05d}.jpg"), quality=95)
            else:
                image.save(os.path.join(folder, f"{index:05d}.png"))
    return per_class * len(SHAPES)


def main(argv):
    del argv
    count = write_folder(FLAGS.output_dir, FLAGS.per_class, FLAGS.size, FLAGS.seed)
    print(f"Wrote {count} images of {len(SHAPES)} classes to {FLAGS.output_dir}")


if __name__ == "__main__":
    flags.DEFINE_string("output_dir", None, "Where the class folders go.")
    flags.DEFINE_integer("per_class", 1000, "Images per class.", lower_bound=1)
    flags.DEFINE_integer("size", 32, "Pixels a side.", lower_bound=8)
    flags.DEFINE_integer("seed", 0, "Seeds every image.")
    flags.mark_flag_as_required("output_dir")
    FLAGS = flags.FLAGS
    app.run(main)
