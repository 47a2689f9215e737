"""The page's drawing code, in Python: strokes in canvas units -> the PNG the API receives.

A port of frontend_static/geometry.js (appendPoint's sub-pixel filter, strokePath's
quadratic smoothing through midpoints) and canvas.js (paintStrokes: round caps and
joins, black on white, brush 25 on 280x280). Antialiasing is approximated by drawing
at 2x and area-averaging down, as a browser's coverage-based antialiasing does.
tests/frontend/test_page_render.py checks that this and Chromium running the page's
own code agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

CANVAS_SIZE = 280  # geometry.js CANVAS_SIZE
BRUSH_SIZE = 25.0  # geometry.js BRUSH_SIZE
MIN_POINT_DISTANCE = 0.75  # geometry.js MIN_POINT_DISTANCE
SUPERSAMPLE = 2
# Curves are flattened into segments about this long (canvas units): on a curve of
# radius 10 the chord strays from the arc by s^2/8r = 0.05 px.
FLATTEN_STEP = 2.0

Stroke = npt.NDArray[np.float32]  # (n, 2) points as (x, y) in canvas units


def append_points(points: Stroke, min_distance: float = MIN_POINT_DISTANCE) -> Stroke:
    """The points the page keeps: each at least min_distance from the last kept one."""
    kept: list[tuple[float, float]] = []
    for x, y in points.tolist():
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        if kept and math.hypot(x - kept[-1][0], y - kept[-1][1]) < min_distance:
            continue
        kept.append((x, y))
    return np.asarray(kept, dtype=np.float32).reshape(-1, 2)


def flatten(points: Stroke) -> Stroke:
    """strokePath's curve as a dense polyline: a quadratic through the midpoints of
    successive points with the points as control points, then a line to the last."""
    count = len(points)
    if count <= 2:
        return points
    pieces = [points[:1]]
    start = points[0]
    for i in range(1, count - 1):
        control = points[i]
        end = (points[i] + points[i + 1]) / 2
        length = float(np.linalg.norm(control - start) + np.linalg.norm(end - control))
        steps = max(1, math.ceil(length / FLATTEN_STEP))
        t = (np.arange(1, steps + 1, dtype=np.float32) / steps)[:, None]
        pieces.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end)
        start = end
    pieces.append(points[-1:])
    return np.concatenate(pieces).astype(np.float32)


def paint_strokes(
    strokes: Sequence[Stroke],
    brush: float = BRUSH_SIZE,
    width: int = CANVAS_SIZE,
    height: int = CANVAS_SIZE,
) -> Image.Image:
    """Black round-brush strokes on white, as canvas.js exportImage draws them (mode L)."""
    scale = SUPERSAMPLE
    canvas = Image.new("L", (width * scale, height * scale), 255)
    pen = ImageDraw.Draw(canvas)
    radius = brush * scale / 2
    line_width = max(1, round(brush * scale))
    for raw in strokes:
        points = append_points(raw)
        if len(points) == 0:
            continue
        # PIL puts pixel j's centre at coordinate j, a canvas at j + 0.5: shift by half
        # a (supersampled) pixel so the ink is centred on the points as a canvas draws it.
        path = flatten(points) * scale - 0.5
        if len(path) > 1:
            pen.line(path.ravel().tolist(), fill=0, width=line_width)
        # A disc at every vertex: round caps, a tap's dot, and round joins (between two
        # brush-wide segments a turn leaves a wedge as deep as half the brush).
        for x, y in path.tolist():
            # PIL fills the pixels from x0 to x1 inclusive: one pixel less on the far
            # side keeps the disc exactly the brush's width.
            pen.ellipse(
                (x - radius + 0.5, y - radius + 0.5, x + radius - 0.5, y + radius - 0.5), fill=0
            )
    return canvas.reduce(scale) if scale > 1 else canvas
