"""Numbers drawn as the page's canvas would draw them: tools.canvas digits side by side.

Each digit is drawn with ``tools.canvas.draw_digit`` in its own square, the squares
placed left to right on a wider canvas (the page's number mode is 560x280) with a
little random spacing and baseline drift, and the ink combined (darkest wins), so
neighbours may touch as they do when people write quickly.
"""

from __future__ import annotations

import random
import zlib
from io import BytesIO

import numpy as np
from PIL import Image

from tools.canvas import draw_digit

WIDTH = 560
HEIGHT = 280


def draw_number(
    digits: str, variant: int = 0, width: int = WIDTH, height: int = HEIGHT
) -> Image.Image:
    """An L-mode canvas (black ink on white) with the digits left to right."""
    # Seeded from a stable checksum, not hash(): str hashes change from one process to the
    # next, and the same call must draw the same canvas in every run (no security use).
    rng = random.Random(zlib.crc32(digits.encode()) * 31 + variant)  # noqa: S311
    side = min(height, round(width / (0.6 * len(digits) + 0.4)))
    step = 0.6 * side  # a digit's ink spans about half of its square
    start = (width - step * (len(digits) - 1) - side) / 2
    paper = np.full((height, width), 255, dtype=np.uint8)
    for index, character in enumerate(digits):
        square = draw_digit(int(character), variant=variant * 10 + index + 1, size=side)
        ink = np.asarray(square.convert("L"))
        left = round(start + index * step + rng.uniform(-0.03, 0.03) * side)
        top = round((height - side) / 2 + rng.uniform(-0.05, 0.05) * side)
        left = min(max(left, 0), width - side)
        top = min(max(top, 0), height - side)
        region = paper[top : top + side, left : left + side]
        np.minimum(region, ink, out=region)
    return Image.fromarray(paper, mode="L")


def number_png(digits: str, variant: int = 0, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The PNG bytes of ``draw_number``."""
    buffer = BytesIO()
    draw_number(digits, variant, width, height).save(buffer, format="PNG")
    return buffer.getvalue()
