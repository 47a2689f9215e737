"""Handwritten digits as pen strokes, for driving the page like a person would.

Each sample is a list of strokes; each stroke is a few key points in a unit box
(x right, y down, the canvas being 0..1 both ways) that a hand passes through,
in drawing order. `polylines()` turns them into the dense, slightly wobbly
paths a mouse or finger actually traces: a centripetal Catmull-Rom curve
through the key points plus a small, seeded tremor. The shapes follow how
people write digits, not a font: a 7 with a slanted stem, a 4 in two strokes
with an open top, a 5 whose bar is added last, an 8 in one looping stroke.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

Point = tuple[float, float]
Stroke = list[Point]


@dataclass(frozen=True)
class Sample:
    digit: int
    name: str
    strokes: tuple[tuple[Point, ...], ...]

    @property
    def id(self) -> str:
        return f"{self.digit}-{self.name}"


def _ellipse(
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    start_deg: float,
    sweep_deg: float,
    tilt_deg: float = 0.0,
    count: int = 10,
) -> tuple[Point, ...]:
    """Key points along an (optionally tilted) elliptical arc; negative sweep = anticlockwise."""
    tilt = math.radians(tilt_deg)
    points = []
    for i in range(count + 1):
        angle = math.radians(start_deg + sweep_deg * i / count)
        x, y = rx * math.cos(angle), ry * math.sin(angle)
        points.append(
            (
                cx + x * math.cos(tilt) - y * math.sin(tilt),
                cy + x * math.sin(tilt) + y * math.cos(tilt),
            )
        )
    return tuple(points)


SAMPLES: tuple[Sample, ...] = (
    # An oval begun at the top, drawn anticlockwise, closing with a small overlap.
    Sample(0, "oval", (_ellipse(0.5, 0.5, 0.2, 0.3, -95, -375, tilt_deg=12, count=14),)),
    # A single slightly slanted downstroke.
    Sample(1, "stick", (((0.53, 0.2), (0.515, 0.42), (0.495, 0.62), (0.475, 0.81)),)),
    # A 1 with the little flag at the top, in one stroke.
    Sample(1, "flag", (((0.48, 0.25), (0.51, 0.22), (0.545, 0.2), (0.525, 0.5), (0.5, 0.81)),)),
    # Hook over the top, diagonal down to the left, flat base.
    Sample(
        2,
        "hook",
        (
            (
                (0.3, 0.33),
                (0.38, 0.22),
                (0.52, 0.19),
                (0.66, 0.25),
                (0.68, 0.38),
                (0.58, 0.52),
                (0.44, 0.65),
                (0.31, 0.79),
                (0.5, 0.78),
                (0.72, 0.79),
            ),
        ),
    ),
    # Two bumps joined in the middle.
    Sample(
        3,
        "bumps",
        (
            (
                (0.31, 0.26),
                (0.45, 0.19),
                (0.61, 0.21),
                (0.66, 0.32),
                (0.58, 0.44),
                (0.45, 0.49),
                (0.6, 0.52),
                (0.69, 0.63),
                (0.63, 0.76),
                (0.47, 0.81),
                (0.32, 0.76),
            ),
        ),
    ),
    # Open-top 4: an L first, then the long stem crossing the bar.
    Sample(
        4,
        "open",
        (
            ((0.42, 0.19), (0.37, 0.37), (0.31, 0.58), (0.5, 0.58), (0.73, 0.57)),
            ((0.63, 0.3), (0.625, 0.55), (0.61, 0.83)),
        ),
    ),
    # Stem and belly in one stroke, the top bar added afterwards.
    Sample(
        5,
        "bar-last",
        (
            (
                (0.39, 0.22),
                (0.37, 0.36),
                (0.35, 0.48),
                (0.48, 0.44),
                (0.63, 0.5),
                (0.68, 0.63),
                (0.6, 0.76),
                (0.45, 0.8),
                (0.32, 0.74),
            ),
            ((0.39, 0.22), (0.54, 0.21), (0.69, 0.2)),
        ),
    ),
    # A long curved back from the top, ending in a closed loop at the bottom.
    Sample(
        6,
        "loop",
        (
            (
                (0.64, 0.2),
                (0.49, 0.26),
                (0.38, 0.4),
                (0.33, 0.56),
                (0.37, 0.72),
                (0.5, 0.8),
                (0.63, 0.74),
                (0.66, 0.61),
                (0.56, 0.52),
                (0.42, 0.54),
                (0.35, 0.62),
            ),
        ),
    ),
    # Bar then a stem that leans left as it falls.
    Sample(
        7,
        "slanted",
        (((0.3, 0.24), (0.5, 0.23), (0.7, 0.22), (0.6, 0.45), (0.5, 0.65), (0.45, 0.81)),),
    ),
    # The same with the continental cross-bar, a second stroke.
    Sample(
        7,
        "crossed",
        (
            ((0.29, 0.25), (0.5, 0.24), (0.71, 0.22), (0.6, 0.45), (0.5, 0.66), (0.44, 0.82)),
            ((0.42, 0.53), (0.53, 0.52), (0.66, 0.51)),
        ),
    ),
    # One looping stroke: the top loop anticlockwise, crossing, the bottom loop clockwise.
    Sample(
        8,
        "loops",
        (
            (
                (0.62, 0.27),
                (0.5, 0.19),
                (0.37, 0.25),
                (0.38, 0.38),
                (0.5, 0.47),
                (0.64, 0.58),
                (0.65, 0.72),
                (0.51, 0.81),
                (0.36, 0.73),
                (0.38, 0.59),
                (0.5, 0.48),
                (0.61, 0.38),
                (0.62, 0.27),
            ),
        ),
    ),
    # A loop at the top, then the stem down without lifting the pen.
    Sample(
        9,
        "loop-stem",
        (
            (
                (0.63, 0.28),
                (0.52, 0.2),
                (0.39, 0.24),
                (0.35, 0.36),
                (0.43, 0.46),
                (0.57, 0.45),
                (0.65, 0.34),
                (0.64, 0.5),
                (0.61, 0.66),
                (0.58, 0.82),
            ),
        ),
    ),
)


def polylines(sample: Sample, samples_per_segment: int = 6, tremor: float = 0.003) -> list[Stroke]:
    """Dense paths through the sample's key points, with a small seeded tremor."""
    # Seeded, so every run draws the same wobble (no security use).
    rng = random.Random(sample.id)  # noqa: S311
    strokes: list[Stroke] = []
    for keys in sample.strokes:
        path = _catmull_rom(list(keys), samples_per_segment)
        # A hand drifts slowly rather than jittering point by point: a smoothed walk.
        dx = dy = 0.0
        wobbly = []
        for x, y in path:
            dx = 0.7 * dx + rng.uniform(-tremor, tremor)
            dy = 0.7 * dy + rng.uniform(-tremor, tremor)
            wobbly.append((x + dx, y + dy))
        strokes.append(wobbly)
    return strokes


def _catmull_rom(points: list[Point], per_segment: int) -> list[Point]:
    """Centripetal Catmull-Rom through the points (no overshoot at sharp turns)."""
    if len(points) < 3:
        return _lerp_all(points, per_segment)
    ends = [_reflect(points[1], points[0]), *points, _reflect(points[-2], points[-1])]
    out: list[Point] = [points[0]]
    for i in range(1, len(ends) - 2):
        p0, p1, p2, p3 = ends[i - 1], ends[i], ends[i + 1], ends[i + 2]
        for step in range(1, per_segment + 1):
            out.append(_centripetal(p0, p1, p2, p3, step / per_segment))
    return out


def _lerp_all(points: list[Point], per_segment: int) -> list[Point]:
    out = points[:1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        out += [
            (x0 + (x1 - x0) * s / per_segment, y0 + (y1 - y0) * s / per_segment)
            for s in range(1, per_segment + 1)
        ]
    return out


def _reflect(point: Point, about: Point) -> Point:
    return (2 * about[0] - point[0], 2 * about[1] - point[1])


def _centripetal(p0: Point, p1: Point, p2: Point, p3: Point, u: float) -> Point:
    def knot(t: float, a: Point, b: Point) -> float:
        return t + math.sqrt(max(math.dist(a, b), 1e-6))

    t0 = 0.0
    t1 = knot(t0, p0, p1)
    t2 = knot(t1, p1, p2)
    t3 = knot(t2, p2, p3)
    t = t1 + (t2 - t1) * u

    def mix(a: Point, b: Point, ta: float, tb: float) -> Point:
        wa, wb = (tb - t) / (tb - ta), (t - ta) / (tb - ta)
        return (wa * a[0] + wb * b[0], wa * a[1] + wb * b[1])

    a1, a2, a3 = mix(p0, p1, t0, t1), mix(p1, p2, t1, t2), mix(p2, p3, t2, t3)
    b1, b2 = mix(a1, a2, t0, t2), mix(a2, a3, t1, t3)
    return mix(b1, b2, t1, t2)
