"""Small generated images of coloured shapes with captions (offline image captioning)."""

import numpy as np

from keras_seq.checks import check_int, check_split
from keras_seq.datasets import _splits

COLORS = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 60, 220),
    "yellow": (235, 200, 20),
    "purple": (140, 40, 170),
    "orange": (245, 130, 20),
}
SHAPES = ("circle", "square", "triangle")
RELATIONS = ("left of", "right of", "above", "below")
BACKGROUND = (245, 245, 245)


def load_data(num_examples=5000, image_size=32, seed=0, *, split=(0.8, 0.1, 0.1)):
    """Draws RGB images of one or two coloured shapes and captions them.

    Every image has a light grey background and either one shape (`"a red
    circle"`, `"an orange square"`) or two shapes of different colours that do
    not overlap, captioned with their relation as seen in the image (`"a red
    circle left of a blue square"`, `"... above ..."`). Shapes are circles, squares and upward
    triangles in six flat colours (`COLORS`), at random sizes and positions.
    Nothing is downloaded; the result depends only on the arguments.

    Args:
        num_examples: int. Number of images. Defaults to `5000`.
        image_size: int. Height and width in pixels (at least 16). Defaults to
            `32`.
        seed: int. Random seed. Defaults to `0`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults
            to `(0.8, 0.1, 0.1)`.

    Returns:
        `Splits(train, validation, test)`, each an `(images, captions)` pair: a
        uint8 array of shape `(n, image_size, image_size, 3)` and a list of str.

    Example:
    >>> from keras_seq.datasets import shapes
    >>> (images, captions), _, _ = shapes.load_data(10, image_size=24, seed=3)
    >>> images.shape, images.dtype.name
    ((8, 24, 24, 3), 'uint8')
    """
    check_int("num_examples", num_examples, minimum=1)
    check_int("image_size", image_size, minimum=16)
    seed = check_int("seed", seed, minimum=0)
    check_split("split", split)
    rng = np.random.default_rng(seed)
    images = np.empty((num_examples, image_size, image_size, 3), np.uint8)
    captions = []
    for i in range(num_examples):
        images[i], caption = _draw(rng, image_size)
        captions.append(caption)
    parts = _splits.split_indices(num_examples, split, seed)
    return _splits.Splits(*((images[part], [captions[j] for j in part]) for part in parts))


def _draw(rng, size):
    image = np.empty((size, size, 3), np.uint8)
    image[:] = BACKGROUND
    names = list(COLORS)
    if rng.random() < 0.25:
        color, shape = names[rng.integers(len(names))], SHAPES[rng.integers(len(SHAPES))]
        radius = rng.uniform(0.15, 0.3) * size
        center = rng.uniform(radius + 1, size - radius - 1, size=2)
        _paint(image, shape, center, radius, COLORS[color])
        return image, f"{_a(color)} {color} {shape}"
    first, second = rng.choice(len(names), size=2, replace=False)
    shapes = rng.integers(len(SHAPES), size=2)
    relation = RELATIONS[rng.integers(len(RELATIONS))]
    # The first shape sits in one half, the second in the other: they never overlap.
    half = size / 2
    radius = rng.uniform(0.1 * size, min(0.2 * size, (half - 2) / 2), size=2)
    centers = []
    for k, side in enumerate((0, 1) if relation in ("left of", "above") else (1, 0)):
        along = rng.uniform(side * half + radius[k] + 1, (side + 1) * half - radius[k] - 1)
        across = rng.uniform(radius[k] + 1, size - radius[k] - 1)
        # (row, column): horizontal relations vary the column, vertical ones the row.
        centers.append((across, along) if relation in ("left of", "right of") else (along, across))
    for k, (color, shape) in enumerate(zip((first, second), shapes)):
        _paint(image, SHAPES[shape], centers[k], radius[k], COLORS[names[color]])
    caption = (
        f"{_a(names[first])} {names[first]} {SHAPES[shapes[0]]} {relation} "
        f"{_a(names[second])} {names[second]} {SHAPES[shapes[1]]}"
    )
    return image, caption


def _a(word):
    return "an" if word[0] in "aeiou" else "a"


def _paint(image, shape, center, radius, color):
    size = image.shape[0]
    rows, columns = np.mgrid[0:size, 0:size] + 0.5
    dy, dx = rows - center[0], columns - center[1]
    if shape == "circle":
        mask = dx**2 + dy**2 <= radius**2
    elif shape == "square":
        side = radius * 0.85
        mask = (np.abs(dx) <= side) & (np.abs(dy) <= side)
    else:  # upward triangle: apex at the top, base at the bottom
        height = (dy + radius) / (2 * radius)  # 0 at the apex, 1 at the base
        mask = (height >= 0) & (height <= 1) & (np.abs(dx) <= height * radius)
    image[mask] = color
