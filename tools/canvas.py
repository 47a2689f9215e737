"""Digits drawn as the page's canvas draws them, for tests, events and the benchmark.

The page exports a 280x280 PNG of round-capped strokes, brush 25, black ink on
white (frontend_static/canvas.js). Here each digit is a few pen strokes through
key points (unit box, y down), smoothed with a Catmull-Rom curve and painted at
4x before an area-averaging downscale, which gives the antialiased edges a
browser canvas has. ``variant`` makes a different but plausible hand each time
(slant, size, position, brush, wobble), reproducibly from its number.
"""

from __future__ import annotations

import base64
import random
from io import BytesIO
from typing import Literal

from PIL import Image, ImageDraw

Point = tuple[float, float]
Paper = Literal["white", "transparent", "black"]

SIZE = 280
BRUSH = 25
_SUPERSAMPLE = 4

STROKES: dict[int, tuple[tuple[Point, ...], ...]] = {
    0: (
        (
            (0.5, 0.2), (0.34, 0.3), (0.29, 0.5), (0.34, 0.7), (0.5, 0.8),
            (0.66, 0.7), (0.71, 0.5), (0.66, 0.3), (0.5, 0.2), (0.45, 0.23),
        ),
    ),
    1: (((0.47, 0.24), (0.54, 0.19), (0.53, 0.5), (0.52, 0.81)),),
    2: (
        (
            (0.31, 0.32), (0.4, 0.21), (0.55, 0.19), (0.67, 0.28), (0.66, 0.42),
            (0.52, 0.57), (0.32, 0.79), (0.52, 0.78), (0.72, 0.78),
        ),
    ),
    3: (
        (
            (0.32, 0.26), (0.47, 0.19), (0.63, 0.23), (0.65, 0.36), (0.47, 0.48),
            (0.64, 0.55), (0.68, 0.68), (0.56, 0.8), (0.33, 0.77),
        ),
    ),
    4: (
        ((0.44, 0.19), (0.36, 0.42), (0.3, 0.6), (0.5, 0.6), (0.73, 0.59)),
        ((0.62, 0.3), (0.62, 0.56), (0.61, 0.83)),
    ),
    5: (
        (
            (0.4, 0.21), (0.37, 0.35), (0.35, 0.48), (0.5, 0.44), (0.64, 0.51),
            (0.68, 0.65), (0.58, 0.78), (0.44, 0.8), (0.32, 0.74),
        ),
        ((0.4, 0.21), (0.55, 0.2), (0.69, 0.2)),
    ),
    6: (
        (
            (0.64, 0.19), (0.48, 0.27), (0.37, 0.42), (0.33, 0.6), (0.39, 0.76),
            (0.52, 0.81), (0.64, 0.73), (0.65, 0.6), (0.53, 0.52), (0.4, 0.56), (0.35, 0.64),
        ),
    ),
    7: (((0.3, 0.22), (0.5, 0.22), (0.7, 0.21), (0.6, 0.44), (0.51, 0.64), (0.46, 0.82)),),
    8: (
        (
            (0.62, 0.26), (0.5, 0.19), (0.37, 0.25), (0.39, 0.38), (0.5, 0.47),
            (0.64, 0.58), (0.64, 0.73), (0.5, 0.81), (0.36, 0.73), (0.37, 0.59),
            (0.5, 0.48), (0.61, 0.38), (0.62, 0.26),
        ),
    ),
    9: (
        (
            (0.64, 0.28), (0.52, 0.2), (0.39, 0.24), (0.35, 0.36), (0.43, 0.46),
            (0.57, 0.45), (0.65, 0.33), (0.64, 0.5), (0.61, 0.66), (0.58, 0.82),
        ),
    ),
}  # fmt: skip


def draw_digit(
    digit: int, variant: int = 0, paper: Paper = "white", size: int = SIZE
) -> Image.Image:
    """An RGBA canvas with the digit; variant 0 is the plain shape, others vary it."""
    # Seeded by the variant: the same drawing every run (no security use).
    rng = random.Random(digit * 100_003 + variant)  # noqa: S311
    plain = variant == 0
    slant = 0.0 if plain else rng.uniform(-0.18, 0.18)
    scale = 1.0 if plain else rng.uniform(0.7, 1.1)
    shift = (0.0, 0.0) if plain else (rng.uniform(-0.1, 0.1), rng.uniform(-0.08, 0.08))
    brush = BRUSH if plain else rng.uniform(16, 34)
    wobble = 0.0 if plain else 0.012

    big = size * _SUPERSAMPLE
    ink, background = _colours(paper)
    canvas = Image.new("RGBA", (big, big), background)
    pen = ImageDraw.Draw(canvas)
    width = brush * big / SIZE
    for keys in STROKES[digit]:
        points = []
        for x, y in smooth_stroke(keys):
            x, y = x + rng.uniform(-wobble, wobble), y + rng.uniform(-wobble, wobble)
            x = 0.5 + (x - 0.5 + slant * (0.5 - y)) * scale + shift[0]
            y = 0.5 + (y - 0.5) * scale + shift[1]
            points.append((x * big, y * big))
        pen.line(points, fill=ink, width=round(width), joint="curve")
        radius = width / 2
        for cx, cy in (points[0], points[-1]):  # round caps
            pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=ink)
    return canvas.resize((size, size), Image.Resampling.BOX)


def canvas_png(digit: int, variant: int = 0, paper: Paper = "white", size: int = SIZE) -> bytes:
    """The PNG bytes a canvas would export for this drawing."""
    buffer = BytesIO()
    draw_digit(digit, variant, paper, size).save(buffer, format="PNG")
    return buffer.getvalue()


def blank_png(paper: Paper = "white", size: int = SIZE) -> bytes:
    """A canvas nobody drew on."""
    buffer = BytesIO()
    Image.new("RGBA", (size, size), _colours(paper)[1]).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(png: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64," + base64.b64encode(png).decode("ascii")


def _colours(paper: Paper) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    if paper == "black":
        return (255, 255, 255, 255), (0, 0, 0, 255)
    if paper == "transparent":
        return (0, 0, 0, 255), (0, 0, 0, 0)
    return (0, 0, 0, 255), (255, 255, 255, 255)


def smooth_stroke(keys: tuple[Point, ...], steps: int = 8) -> list[Point]:
    """A uniform Catmull-Rom curve through the key points, ends repeated."""
    padded = [keys[0], *keys, keys[-1]]
    out: list[Point] = [keys[0]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(1, steps + 1):
            t = step / steps
            out.append(
                (
                    _catmull(p0[0], p1[0], p2[0], p3[0], t),
                    _catmull(p0[1], p1[1], p2[1], p3[1], t),
                )
            )
    return out


def _catmull(a: float, b: float, c: float, d: float, t: float) -> float:
    return 0.5 * (
        2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (3 * b - a - 3 * c + d) * t**3
    )


def largest_admitted_png(side: int, max_bytes: int) -> bytes:
    """A side x side RGBA drawing whose request still fits max_bytes (base64 JSON)."""
    image = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.line([(side * 0.55, side * 0.2), (side * 0.5, side * 0.8)], fill=(0, 0, 0, 255),
              width=max(side // 12, 1))  # fmt: skip
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    if len(base64.b64encode(png)) + 64 > max_bytes:
        raise RuntimeError(f"a {side}px test image does not fit {max_bytes} bytes")
    return png
