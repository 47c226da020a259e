"""Writes small folders of synthetic images for tests: coloured shapes drawn with PIL."""

import dataclasses
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle")
COLOURS = {"circle": (220, 40, 40), "square": (40, 180, 60), "triangle": (40, 60, 220)}
_EXTENSIONS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF"}


@dataclasses.dataclass
class Folder:
    """What write_image_folder wrote.

    Attributes:
        root: the folder.
        paths: the image files, in the sorted order a reader finds them.
        labels: the class index of each path (sorted class names), or None without classes.
        class_names: the class folders' names, sorted, or None.
        sizes: (height, width) of each path.
        modes: PIL mode of each path as saved.
        extras: the other files written, by what they are ('corrupt', 'truncated', 'text',
            'hidden', 'hidden_dir', 'top_level').
    """

    root: str
    paths: List[str]
    labels: Optional[List[int]]
    class_names: Optional[List[str]]
    sizes: List[Tuple[int, int]]
    modes: List[str]
    extras: Dict[str, str]


def shape_image(
    shape: str, size: Tuple[int, int], mode: str = "RGB", shift: int = 0
) -> Image.Image:
    """A shape in its class colour on a grey background, as an image of PIL mode `mode`."""
    height, width = size
    image = Image.new("RGB", (width, height), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    box = (width // 4 + shift, height // 4, 3 * width // 4 + shift, 3 * height // 4)
    colour = COLOURS[shape]
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    else:
        draw.polygon([(box[0], box[3]), (box[2], box[3]), ((box[0] + box[2]) // 2, box[1])], colour)
    if mode == "RGBA":
        image = image.convert("RGBA")
        image.putalpha(200)
        return image
    if mode == "P":
        return image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return image.convert(mode)


def write_image(path: str, image: Image.Image) -> None:
    """Saves an image in the format its extension names."""
    image_format = _EXTENSIONS[os.path.splitext(path)[1][1:].lower()]
    image.save(path, image_format)


def write_image_folder(
    root: str,
    classes: Optional[Sequence[str]] = SHAPES,
    per_class: int = 4,
    sizes: Sequence[Tuple[int, int]] = ((16, 16), (20, 12)),
    modes: Sequence[str] = ("RGB", "L", "RGBA", "P"),
    formats: Sequence[str] = ("png", "jpg"),
    corrupt: bool = False,
    truncated: bool = False,
    text: bool = False,
    hidden: bool = False,
    top_level: bool = False,
    nested: bool = False,
) -> Folder:
    """Writes a folder of shapes: class c's images draw shape SHAPES[c] in its colour.

    Image i of a class cycles through sizes, modes and formats (a JPEG of mode RGBA or P is
    written as PNG, since JPEG cannot hold them). Without classes (None) the images of the three
    shapes lie at the top level. The options add a file of random bytes named .png (corrupt), a
    PNG cut in half (truncated), notes.txt, a hidden .DS_Store and a hidden folder with an
    image in it, and an image at the top level beside the class folders; nested puts every
    second image of a class in a subfolder 'more' of it.
    """
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(0)
    written = []  # (relative path, label, size, mode)
    for name in classes or SHAPES:
        label = sorted(classes or SHAPES).index(name)
        for i in range(per_class):
            folder = os.path.join(root, name) if classes else root
            if nested and i % 2:
                folder = os.path.join(folder, "more")
            os.makedirs(folder, exist_ok=True)
            size, mode = sizes[i % len(sizes)], modes[i % len(modes)]
            extension = formats[i % len(formats)]
            if _EXTENSIONS[extension] == "JPEG" and mode not in ("L", "RGB"):
                extension = "png"
            prefix = "" if classes else f"{name}_"
            path = os.path.join(folder, f"{prefix}{i:02d}.{extension}")
            shift = int(rng.integers(-1, 2))
            image = shape_image(SHAPES[label % len(SHAPES)], size, mode, shift=shift)
            write_image(path, image)
            written.append((path, label, size, mode))
    extras = {}
    first_folder = os.path.join(root, classes[0]) if classes else root
    if corrupt:
        extras["corrupt"] = os.path.join(first_folder, "zz_corrupt.png")
        with open(extras["corrupt"], "wb") as f:
            f.write(rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    if truncated:
        extras["truncated"] = os.path.join(first_folder, "zz_truncated.png")
        image = Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
        write_image(extras["truncated"], image)
        with open(extras["truncated"], "rb") as f:
            content = f.read()
        with open(extras["truncated"], "wb") as f:
            f.write(content[: len(content) // 2])
    if text:
        extras["text"] = os.path.join(first_folder, "notes.txt")
        with open(extras["text"], "w") as f:
            f.write("not an image\n")
    if hidden:
        extras["hidden"] = os.path.join(first_folder, ".DS_Store")
        with open(extras["hidden"], "wb") as f:
            f.write(b"\0\0\0\1Bud1")
        extras["hidden_dir"] = os.path.join(root, ".ipynb_checkpoints")
        os.makedirs(extras["hidden_dir"], exist_ok=True)
        write_image(os.path.join(extras["hidden_dir"], "a.png"), shape_image("circle", (8, 8)))
    if top_level:
        extras["top_level"] = os.path.join(root, "cover.png")
        write_image(extras["top_level"], shape_image("square", sizes[0]))
    written.sort(key=lambda item: item[0])
    return Folder(
        root=root,
        paths=[path for path, _, _, _ in written],
        labels=[label for _, label, _, _ in written] if classes else None,
        class_names=sorted(classes) if classes else None,
        sizes=[size for _, _, size, _ in written],
        modes=[mode for _, _, _, mode in written],
        extras=extras,
    )
