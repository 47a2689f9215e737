"""Real pen trajectories redrawn the way people draw on the page, with real use's variety.

Each pendigits digit is placed on the 280x280 canvas at a random size and position,
slanted, rotated and stretched a little, its pen sampled faster or slower than the
tablet's (the page gets a pointer event per frame, more points for a slow stroke),
its points jittered, and painted by the page's own drawing code (training.page_render)
with a brush of random width. The result goes through serving's preprocessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from training.augment import elastic_displacement, rotation
from training.page_render import CANVAS_SIZE, Stroke, paint_strokes

Generator = np.random.Generator


@dataclass(frozen=True)
class PenVariation:
    """Ranges of the random changes, in canvas units (280x280) and degrees.

    The largest digits with the widest brushes can touch the canvas's edge and lose a
    few pixels of brush there (the jitter too can push a point past the margin), as
    people's strokes do near the edge.
    """

    size: tuple[float, float] = (70.0, 250.0)  # the digit's longer side
    brush: tuple[float, float] = (10.0, 36.0)
    brush_to_size: float = 0.33  # at most this share of the digit's size
    rotation_deg: float = 10.0
    slant: float = 0.3  # horizontal shear per unit height, either way
    aspect: float = 0.2  # log of the width/height stretch, either way
    jitter: tuple[float, float] = (0.0, 1.2)  # std-dev of per-point noise
    # How many of the tablet's points the page would see: below 1 keeps one in
    # several (a fast stroke), above 1 interpolates (a slow one).
    sampling: tuple[float, float] = (0.35, 2.5)
    # Training only, off by default (held-out and evaluation drawings stay as written):
    # real styles the data under-represents, added as extra pen strokes (see add_styles);
    styles: bool = False
    # the share of plain ones given a flag (and now and then a foot) (see flag_one);
    flagged_ones: float = 0.0
    # the strokes themselves distorted (see distort_strokes), in shares of the digit's size:
    elastic: float = 0.0  # std-dev of a smooth displacement field over the digit
    stroke_shift: float = 0.0  # std-dev of each stroke's own offset from the others
    stroke_turn_deg: float = 0.0  # std-dev of each stroke's own rotation
    # the chance that the pen stays down between two strokes that end and start within
    # JOIN_REACH of each other (one stroke, the two joined by the pen's path).
    join_strokes: float = 0.0


def _line(start: tuple[float, float], end: tuple[float, float], points: int = 12) -> Stroke:
    t = np.linspace(0.0, 1.0, points, dtype=np.float32)[:, None]
    return (np.asarray(start, np.float32) * (1 - t) + np.asarray(end, np.float32) * t).astype(
        np.float32
    )


def add_styles(strokes: Sequence[Stroke], label: int, rng: Generator) -> list[Stroke]:
    """Pen strokes of styles that real users draw and misread most (issue figures):
    a slashed 0, a 7 with a bar, a 1 with a flag or a foot, a 9 whose tail curls left."""
    out = list(strokes)
    every = np.concatenate(out)
    (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
    width, height = max(float(x1 - x0), 1.0), max(float(y1 - y0), 1.0)
    draw = rng.random()
    if label == 0 and draw < 0.2:
        over = rng.uniform(0.0, 0.15)
        out.append(
            _line((x1 + over * width, y0 - over * height), (x0 - over * width, y1 + over * height))
        )
    elif label == 7 and draw < 0.3:
        bar_y = y0 + height * rng.uniform(0.45, 0.6)
        near = every[np.abs(every[:, 1] - bar_y) < 0.05 * height]
        stem_x = float(np.median(near[:, 0])) if len(near) else float(x0 + x1) / 2
        half = height * rng.uniform(0.15, 0.25)
        out.append(_line((stem_x - half, bar_y), (stem_x + half, bar_y)))
    elif label == 1 and width < 0.5 * height and draw < 0.5:
        top = every[np.argmin(every[:, 1])]
        flag = (
            float(top[0]) - height * rng.uniform(0.2, 0.45),
            float(top[1]) + height * rng.uniform(0.1, 0.3),
        )
        out = _with_flag_and_foot(out, every, top, flag, height, rng)
    elif label == 9 and draw < 0.3:
        # Continue the last stroke's end into a hook curling left and up.
        last = out[-1]
        end = last[-1]
        radius = height * rng.uniform(0.08, 0.18)
        turn = np.linspace(0.0, rng.uniform(1.6, 2.6), 10, dtype=np.float32)[1:]
        # y grows downwards: the hook goes left, then up.
        hook = np.stack(
            [end[0] - radius * np.sin(turn), end[1] - 0.6 * radius * (1 - np.cos(turn))], axis=1
        ).astype(np.float32)
        out[-1] = np.concatenate([last, hook])
    return out


def _with_flag_and_foot(
    strokes: list[Stroke],
    every: Stroke,
    top: Stroke,
    flag: tuple[float, float],
    height: float,
    rng: Generator,
) -> list[Stroke]:
    """A one's strokes with a flag from ``flag`` into the stem's ``top`` (the point the
    caller aimed the flag from), and now and then a foot across its bottom. The flag is
    drawn first, into the top of the stem, as people do."""
    out = [_line(flag, (float(top[0]), float(top[1]))), *strokes]
    if rng.random() < 0.4:
        bottom = every[np.argmax(every[:, 1])]
        half = height * rng.uniform(0.15, 0.3)
        bx, by = float(bottom[0]), float(bottom[1])
        out.append(_line((bx - half, by), (bx + half, by)))
    return out


# A flagged one's flag, as people draw it: from below and left of the stem's top, short,
# and steeper than a seven's bar (a long flag near the level is a seven's top).
FLAG_ANGLE_DEG = (20.0, 60.0)  # below the level
FLAG_LENGTH = (0.15, 0.4)  # shares of the one's height


def flag_one(strokes: Sequence[Stroke], rng: Generator, share: float) -> list[Stroke]:
    """A plain one (a stem, narrower than half its height) given a flag, and now and then a
    foot, with chance ``share``: the styles of ones real users draw and the pen writers
    rarely did. Other drawings come back as they were, and draw no random numbers."""
    out = list(strokes)
    every = np.concatenate(out)
    (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
    height = max(float(y1 - y0), 1.0)
    if float(x1 - x0) >= 0.5 * height or rng.random() >= share:
        return out
    top = every[np.argmin(every[:, 1])]
    length = height * rng.uniform(*FLAG_LENGTH)
    angle = math.radians(rng.uniform(*FLAG_ANGLE_DEG))
    flag = (float(top[0]) - length * math.cos(angle), float(top[1]) + length * math.sin(angle))
    return _with_flag_and_foot(out, every, top, flag, height, rng)


JOIN_REACH = 0.35  # of the digit's size: farther apart, no one draws them in one go


def distort_strokes(
    strokes: Sequence[Stroke], rng: Generator, variation: PenVariation
) -> list[Stroke]:
    """The writer's strokes as the same person might draw them another time: the whole
    digit bent by a smooth field, each stroke a little off and turned against the others,
    the pen now and then not lifted between close strokes. Draws random numbers only for
    the distortions that are on, so that without any the drawing is unchanged."""
    out = [np.asarray(stroke, np.float32) for stroke in strokes]
    every = np.concatenate(out)
    low, high = every.min(axis=0), every.max(axis=0)
    size = max(float((high - low).max()), 1.0)
    if variation.join_strokes and len(out) > 1:
        joined = [out[0]]
        for stroke in out[1:]:
            near = float(np.linalg.norm(joined[-1][-1] - stroke[0])) < JOIN_REACH * size
            if near and rng.random() < variation.join_strokes:
                joined[-1] = np.concatenate([joined[-1], stroke])
            else:
                joined.append(stroke)
        out = joined
    if variation.elastic:
        # The field of training.augment, on the digit mapped onto its 28x28 frame.
        frame = (np.concatenate(out) - low) * np.float32(28.0 / size)
        shift = elastic_displacement(frame, rng, variation.elastic * 28.0) * np.float32(size / 28)
        bounds = np.cumsum([len(stroke) for stroke in out])[:-1]
        out = [stroke + moved for stroke, moved in zip(out, np.split(shift, bounds), strict=True)]
    if (variation.stroke_shift or variation.stroke_turn_deg) and len(out) > 1:
        moved_strokes = []
        for stroke in out:
            turn = rotation(rng.normal(0.0, variation.stroke_turn_deg)).astype(np.float32)
            centre = stroke.mean(axis=0)
            offset = rng.normal(0.0, variation.stroke_shift * size, size=2)
            moved_strokes.append(((stroke - centre) @ turn.T + centre + offset).astype(np.float32))
        out = moved_strokes
    return out


def place_strokes(
    strokes: Sequence[Stroke], rng: Generator, variation: PenVariation
) -> tuple[list[Stroke], float]:
    """The strokes moved onto the canvas with random geometry; also the brush width."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    turn = rotation(rng.uniform(-variation.rotation_deg, variation.rotation_deg))
    stretch = math.exp(rng.uniform(-variation.aspect, variation.aspect))
    # Shear x by y (slant), stretch, then rotate: y grows downwards, so a negative
    # shear leans the top of the digit to the right, as most handwriting does.
    matrix = (
        turn
        @ np.diag([stretch, 1 / stretch])
        @ np.array([[1.0, rng.uniform(-variation.slant, variation.slant)], [0.0, 1.0]])
    ).astype(np.float32)
    moved = [(stroke - centre) @ matrix.T for stroke in strokes]
    every = np.concatenate(moved)
    extent = float((every.max(axis=0) - every.min(axis=0)).max()) or 1.0
    size = rng.uniform(*variation.size)
    brush = min(rng.uniform(*variation.brush), variation.brush_to_size * size)
    scale = size / extent
    shape = (every.max(axis=0) - every.min(axis=0)) * scale
    # Anywhere the whole digit, brush included, stays on the canvas.
    room = np.maximum(CANVAS_SIZE - shape - brush, 0.0)
    offset = rng.uniform(0.0, 1.0, size=2) * room + brush / 2 - every.min(axis=0) * scale
    jitter = rng.uniform(*variation.jitter)
    sampling = math.exp(rng.uniform(*np.log(variation.sampling)))
    placed = []
    for stroke in moved:
        resampled = resample(stroke * scale + offset, sampling, rng)
        noise = rng.normal(0.0, jitter, size=resampled.shape) if jitter else 0.0
        placed.append((resampled + noise).astype(np.float32))
    return placed, brush


def resample(stroke: Stroke, factor: float, rng: Generator) -> Stroke:
    """About factor times as many points along the same path (ends kept)."""
    count = len(stroke)
    if count < 3 or abs(factor - 1.0) < 0.05:
        return stroke
    target = max(2, round(count * factor))
    # Points at evenly spaced *times* (the tablet's clock), with a random phase.
    times = np.linspace(0.0, count - 1, target) + rng.uniform(-0.5, 0.5) * (count - 1) / target
    times = np.clip(times, 0.0, count - 1)
    times[0], times[-1] = 0.0, count - 1
    index = np.arange(count, dtype=np.float64)
    x = np.interp(times, index, stroke[:, 0])
    y = np.interp(times, index, stroke[:, 1])
    return np.stack([x, y], axis=1).astype(np.float32)


def turned(strokes: Sequence[Stroke], degrees: float) -> tuple[Stroke, ...]:
    """The strokes turned about the centre of their box (clockwise on the canvas for
    positive degrees, y growing downwards)."""
    points = np.concatenate(strokes)
    centre = (points.max(axis=0) + points.min(axis=0)) / 2
    turn = rotation(degrees).astype(np.float32)
    return tuple(((stroke - centre) @ turn.T + centre).astype(np.float32) for stroke in strokes)


def render_pen_digit(
    strokes: Sequence[Stroke],
    label: int,
    rng: Generator,
    variation: PenVariation,
    side: int = CANVAS_SIZE,
    pen: float | None = None,
) -> Image.Image:
    """One random canvas drawing of a pen digit (mode L, 280x280).

    With another `side`, the same drawing on a side x side canvas, as a client's larger
    canvas sends it: everything scaled with the canvas, the brush too unless `pen` fixes
    its width in that canvas's pixels.
    """
    if variation.styles:
        strokes = add_styles(strokes, label, rng)
    if variation.flagged_ones and label == 1:
        strokes = flag_one(strokes, rng, variation.flagged_ones)
    strokes = distort_strokes(strokes, rng, variation)
    placed, brush = place_strokes(strokes, rng, variation)
    scale = side / CANVAS_SIZE  # 1 on the page's canvas: the strokes as placed
    scaled = [stroke * np.float32(scale) for stroke in placed]
    return paint_strokes(
        scaled, brush=brush * scale if pen is None else pen, width=side, height=side
    )
