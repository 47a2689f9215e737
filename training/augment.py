"""MNIST digits re-drawn the way people draw on the page's canvas.

A browser canvas stroke is a round brush of fixed width (25 px on 280x280), so the
main renderer traces each MNIST digit's skeleton and redraws it with such a brush
after a random smooth (elastic) warp and affine transform. A second renderer keeps
MNIST's own pen strokes, transformed and thickened or thinned. Style strokes that
MNIST under-represents (a bar on the 7, a flag and foot on the 1, a slashed 0) are
added to some skeletons. Every result is a 280x280 white canvas with black ink that
training passes through the very preprocessing that serving uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter
from skimage.filters import gaussian
from skimage.morphology import skeletonize
from skimage.transform import warp

CANVAS = 280
UPSAMPLE = 4  # skeletons are traced on a 4x upsampled digit for smooth strokes
POINT_STEP = 1.0 / UPSAMPLE

Points = npt.NDArray[np.float32]  # (n, 2) as (x, y) in MNIST's 28x28 coordinates
Generator = np.random.Generator


def skeleton_points(digit: npt.NDArray[np.uint8]) -> Points:
    """Centre-line points of one 28x28 MNIST digit, in 28x28 coordinates."""
    size = 28 * UPSAMPLE
    upsampled = Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR)
    ys, xs = np.nonzero(skeletonize(np.asarray(upsampled) > 100))  # type: ignore[no-untyped-call]
    return ((np.stack([xs, ys], axis=1) + 0.5) / UPSAMPLE).astype(np.float32)


def segment(start: tuple[float, float], end: tuple[float, float]) -> Points:
    """Points every POINT_STEP along a straight stroke."""
    length = math.dist(start, end)
    steps = max(2, math.ceil(length / POINT_STEP) + 1)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return (np.asarray(start, np.float32) * (1 - t) + np.asarray(end, np.float32) * t).astype(
        np.float32
    )


def add_style_strokes(points: Points, label: int, rng: Generator) -> Points:
    """Add strokes of common real styles MNIST rarely shows."""
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    height, width = max(float(y1 - y0), 1.0), max(float(x1 - x0), 1.0)
    extra: list[Points] = []
    if label == 7 and rng.random() < 0.3:
        # A bar across the stem, a little below half height.
        bar_y = y0 + height * rng.uniform(0.45, 0.62)
        near = points[np.abs(points[:, 1] - bar_y) < 1.0]
        stem_x = float(np.median(near[:, 0])) if len(near) else float((x0 + x1) / 2)
        half = height * rng.uniform(0.15, 0.25)
        tilt = height * rng.uniform(-0.05, 0.05)
        extra.append(segment((stem_x - half, bar_y + tilt), (stem_x + half, bar_y - tilt)))
    elif label == 1 and width < 0.45 * height and rng.random() < 0.35:
        top = points[np.argmin(points[:, 1])]
        flag_end = (
            float(top[0]) - height * rng.uniform(0.2, 0.35),
            float(top[1]) + height * rng.uniform(0.12, 0.3),
        )
        extra.append(segment((float(top[0]), float(top[1])), flag_end))
        if rng.random() < 0.4:
            bottom = points[np.argmax(points[:, 1])]
            half = height * rng.uniform(0.18, 0.3)
            bx, by = float(bottom[0]), float(bottom[1])
            extra.append(segment((bx - half, by), (bx + half, by)))
    elif label == 0 and rng.random() < 0.15:
        overshoot = rng.uniform(0.0, 0.12)
        extra.append(
            segment(
                (float(x1) + overshoot * width, float(y0) - overshoot * height),
                (float(x0) - overshoot * width, float(y1) + overshoot * height),
            )
        )
    return np.concatenate([points, *extra]) if extra else points


@dataclass(frozen=True)
class Warp:
    """Random geometry: a smooth elastic field plus rotation, shear and aspect."""

    rotation_deg: float = 12.0
    shear: float = 0.25
    aspect: float = 0.18
    elastic_px: float = 1.1  # displacement std-dev of the coarse control grid
    # Simard et al.'s elastic distortion of the MNIST image itself (the second renderer):
    # a random field smoothed by a Gaussian of PIXEL_ELASTIC_SIGMA, times this, in 28x28
    # pixels (they used 34); 0 leaves the digit's own strokes undistorted.
    pixel_elastic: float = 0.0


def rotation(degrees: float) -> npt.NDArray[np.float64]:
    """The 2x2 matrix that turns (x, y) points by `degrees` (clockwise on a canvas, where y
    grows downwards), in float64; callers in float32 cast it, rounding each entry once."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    return np.array([[cos, -sin], [sin, cos]])


def warp_points(points: Points, rng: Generator, warp: Warp) -> Points:
    centre = points.mean(axis=0)
    moved = points - centre
    if warp.elastic_px > 0:
        moved = moved + elastic_displacement(points, rng, warp.elastic_px)
    turn = rotation(rng.uniform(-warp.rotation_deg, warp.rotation_deg)).astype(np.float32)
    shear = np.array([[1.0, rng.uniform(-warp.shear, warp.shear)], [0.0, 1.0]], np.float32)
    stretch = math.exp(rng.uniform(-warp.aspect, warp.aspect))
    scale = np.diag([stretch, 1.0 / stretch]).astype(np.float32)
    matrix = turn @ shear @ scale
    warped: Points = (moved @ matrix.T + centre).astype(np.float32)
    return warped


def elastic_displacement(points: Points, rng: Generator, std_px: float) -> Points:
    """Bilinear interpolation of random displacements on a 4x4 grid over 28x28."""
    grid = rng.normal(0.0, std_px, size=(4, 4, 2)).astype(np.float32)
    cells = np.clip(points / 28.0 * 3.0, 0.0, 2.999)
    base = cells.astype(np.int32)
    frac = cells - base
    gx, gy = base[:, 0], base[:, 1]
    fx, fy = frac[:, :1], frac[:, 1:]
    top = grid[gy, gx] * (1 - fx) + grid[gy, gx + 1] * fx
    bottom = grid[gy + 1, gx] * (1 - fx) + grid[gy + 1, gx + 1] * fx
    displacement: Points = (top * (1 - fy) + bottom * fy).astype(np.float32)
    return displacement


PIXEL_ELASTIC_SIGMA = 4.0  # in 28x28 pixels, as Simard et al. (2003)


def elastic_image(image: Image.Image, rng: Generator, alpha: float) -> Image.Image:
    """Simard et al.'s elastic distortion of a square "L" image: each pixel moved by a
    random field smoothed by a Gaussian; alpha and sigma are in 28x28 pixels."""
    side = image.width
    per_pixel = side / 28.0
    fields = [
        gaussian(rng.uniform(-1.0, 1.0, (side, side)), PIXEL_ELASTIC_SIGMA * per_pixel)  # type: ignore[no-untyped-call]
        * (alpha * per_pixel)
        for _ in range(2)
    ]
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float64)
    source = np.stack([rows + fields[0], cols + fields[1]])
    pixels = warp(np.asarray(image, np.float64) / 255.0, source, order=1, cval=0.0)  # type: ignore[no-untyped-call]
    return Image.fromarray(np.rint(pixels * 255.0).astype(np.uint8))


def draw_points(
    points: Points, size_px: float, brush_px: float, centre: tuple[float, float]
) -> Image.Image:
    """Draw the points as a round brush on a white 280x280 canvas, digit size_px tall/wide."""
    low, high = points.min(axis=0), points.max(axis=0)
    scale = size_px / max(float((high - low).max()), 1.0)
    placed = (points - (low + high) / 2) * scale + np.asarray(centre, np.float32)
    # Fewer discs where they would overlap anyway: one per cell of a quarter brush.
    cell = max(brush_px / 4, 1.0)
    _, keep = np.unique(np.floor(placed / cell).astype(np.int32), axis=0, return_index=True)
    canvas = Image.new("L", (CANVAS, CANVAS), 255)
    pen = ImageDraw.Draw(canvas)
    radius = brush_px / 2
    for x, y in placed[keep].tolist():
        pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return canvas


def redraw_with_brush(
    points: Points, label: int, rng: Generator, warp: Warp, style_strokes: bool = True
) -> Image.Image:
    """The main renderer: warped skeleton, canvas brush, varied size and stroke width."""
    if style_strokes:
        points = add_style_strokes(points, label, rng)
    points = warp_points(points, rng, warp)
    size_px = rng.uniform(70.0, 240.0)
    brush_px = min(rng.uniform(14.0, 34.0), 0.34 * size_px)
    margin = min(size_px / 2 + brush_px / 2, CANVAS / 2)
    centre = (rng.uniform(margin, CANVAS - margin), rng.uniform(margin, CANVAS - margin))
    return draw_points(points, size_px, brush_px, centre)


def transform_pen_digit(digit: npt.NDArray[np.uint8], rng: Generator, warp: Warp) -> Image.Image:
    """The second renderer: MNIST's own strokes, affine-warped, thickened or thinned."""
    upsampled = Image.fromarray(digit).resize((112, 112), Image.Resampling.BICUBIC)
    turn = rotation(rng.uniform(-warp.rotation_deg, warp.rotation_deg))
    shear = rng.uniform(-warp.shear, warp.shear)
    stretch = math.exp(rng.uniform(-warp.aspect, warp.aspect))
    # Inverse map (output -> input) about the centre, as PIL's AFFINE expects.
    forward = turn @ np.array([[1, shear], [0, 1]])
    forward = forward @ np.diag([stretch, 1 / stretch])
    inverse = np.linalg.inv(forward)
    centre = np.array([56.0, 56.0])
    offset = centre - inverse @ centre
    coefficients = (
        inverse[0, 0],
        inverse[0, 1],
        offset[0],
        inverse[1, 0],
        inverse[1, 1],
        offset[1],
    )
    warped = upsampled.transform(
        (112, 112), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
    )
    if warp.pixel_elastic:
        warped = elastic_image(warped, rng, warp.pixel_elastic)
    thickness = rng.choice(["thin", "same", "thick", "thicker"], p=[0.15, 0.3, 0.35, 0.2])
    if thickness == "thin":
        warped = warped.filter(ImageFilter.MinFilter(3))
    elif thickness == "thick":
        warped = warped.filter(ImageFilter.MaxFilter(5))
    elif thickness == "thicker":
        warped = warped.filter(ImageFilter.MaxFilter(9))
    size_px = int(rng.uniform(90.0, 270.0))
    ink = warped.resize((size_px, size_px), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (CANVAS, CANVAS), 255)
    left = int(rng.uniform(0, CANVAS - size_px))
    top = int(rng.uniform(0, CANVAS - size_px))
    canvas.paste(0, (left, top), ink)
    return canvas
