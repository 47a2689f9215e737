"""Synthetic handwritten numbers: canvas-style MNIST digits side by side on a wide canvas.

Each digit is an MNIST digit's skeleton, slightly warped, re-drawn with one round
brush for the whole number (training.augment's renderer), as a person writing on
the page would. Digits get their own size within the number, a random gap to the
previous one (sometimes negative: the boxes overlap and strokes may touch), a
baseline that drifts along a slope plus jitter, and the number fills the 560x280
canvas the page offers for numbers; a canvas that cannot hold the digits at a
readable size is widened, as a wider page canvas would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

from digits.reading.preprocess import FloatImage, preprocess
from digits.segmentation.components import Box
from training.augment import CANVAS, POINT_STEP, Points, Warp, draw_points, warp_points
from training.page_render import flatten
from training.pendigits import PenDigit

WIDTH, HEIGHT = 560, 280
MARGIN = 12  # blank pixels kept around the number
MIN_DIGIT_HEIGHT = 75.0  # below this the canvas is widened instead of shrinking digits
MAX_ASPECT = 1.1  # no digit is drawn wider than this times the number's height
# The brush is at most this fraction of the digits' height, as in training (the page's
# 25 px brush on digits small enough for six on 560 px is about 0.3).
MAX_BRUSH = 0.34
# Per-digit geometry is milder than training's augmentation: one writer, one number.
WARP = Warp(rotation_deg=6.0, shear=0.15, aspect=0.1, elastic_px=0.8)


@dataclass(frozen=True)
class NumberSample:
    image: Image.Image  # "L", white background, black ink
    digits: tuple[int, ...]
    boxes: tuple[Box, ...]  # each digit's ink box in canvas pixels, left to right
    # Each digit drawn alone, as the model would see it: reading these tells model
    # errors from segmentation errors.
    alone: tuple[FloatImage, ...]

    @property
    def text(self) -> str:
        return "".join(str(d) for d in self.digits)


def render_number(
    skeletons: Sequence[Points], labels: Sequence[int], rng: np.random.Generator
) -> NumberSample:
    """Draw the given digits as one handwritten number (see the module docstring)."""
    count = len(skeletons)
    brush = rng.uniform(18.0, 30.0)  # the page's is 25
    relative_heights = rng.uniform(0.88, 1.1, count)
    gaps = rng.uniform(-0.08, 0.35, max(count - 1, 0))  # in digit heights
    shapes = [warp_points(points, rng, WARP) for points in skeletons]
    height = rng.uniform(0.42, 0.72) * HEIGHT
    room = WIDTH - 2 * MARGIN
    for _ in range(3):  # shrink until the number fits, or the digits reach their minimum
        pen = min(brush, MAX_BRUSH * height)
        tiles = [
            _tile(points, height * rel, pen)
            for points, rel in zip(shapes, relative_heights, strict=True)
        ]
        total = sum(box.width for _, box in tiles) + int(sum(gaps) * height)
        if total <= room or height <= MIN_DIGIT_HEIGHT:
            break
        strokes = pen * count  # the brush width does not shrink with the digits
        height = max(MIN_DIGIT_HEIGHT, height * 0.99 * (room - strokes) / (total - strokes))
    width = max(WIDTH, total + 2 * MARGIN)
    canvas = Image.new("L", (width, HEIGHT), 255)
    slope = rng.uniform(-0.12, 0.12)
    cursor = rng.uniform(MARGIN, max(MARGIN, width - total - MARGIN))
    boxes = []
    for index, (tile, ink) in enumerate(tiles):
        centre_x = cursor + ink.width / 2
        drift = slope * (centre_x - width / 2) + rng.normal(0.0, 0.04) * height
        half = ink.height / 2
        centre_y = float(np.clip(HEIGHT / 2 + drift, half + 1, HEIGHT - half - 1))
        left, top = round(cursor), round(centre_y - half)
        # The tile's ink as a mask: strokes of neighbours that overlap stay drawn.
        canvas.paste(0, (left - ink.left, top - ink.top), ImageChops.invert(tile))
        boxes.append(Box(left, top, left + ink.width, top + ink.height))
        if index < count - 1:
            cursor += ink.width + gaps[index] * height
    alone = tuple(preprocess(tile) for tile, _ in tiles)
    return NumberSample(canvas, tuple(int(label) for label in labels), tuple(boxes), alone)


def _tile(points: Points, height: float, brush: float) -> tuple[Image.Image, Box]:
    """The digit drawn on its own canvas, ink `height` tall, and its ink box there."""
    extent = points.max(axis=0) - points.min(axis=0)
    size = height * float(extent.max()) / max(float(extent[1]), 1.0)
    # MNIST fits every digit into a square, so a flat one would grow very wide at the
    # number's height: people draw it as wide as a digit and flatter instead.
    size = min(size, MAX_ASPECT * height, CANVAS - brush - 2)
    tile = draw_points(points, size, brush, (CANVAS / 2, CANVAS / 2))
    bbox = ImageChops.invert(tile).getbbox()
    assert bbox is not None  # noqa: S101  # a skeleton always leaves ink
    return tile, Box(*bbox)


def pen_points(digit: PenDigit) -> Points:
    """A real pen digit as the renderer's point cloud: its strokes, smoothed as the page
    smooths them, fitted into MNIST's 20x20 box and sampled every POINT_STEP."""
    strokes = digit.strokes
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = 20.0 / max(float((high - low).max()), 1.0)
    parts = []
    for stroke in strokes:
        path = flatten((stroke - (low + high) / 2) * scale + 14.0)
        if len(path) == 1:
            parts.append(path)
            continue
        lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
        along = np.concatenate([[0.0], np.cumsum(lengths)])
        at = np.arange(0.0, along[-1] + POINT_STEP, POINT_STEP)
        parts.append(
            np.stack([np.interp(at, along, path[:, 0]), np.interp(at, along, path[:, 1])], axis=1)
        )
    return np.concatenate(parts).astype(np.float32)
