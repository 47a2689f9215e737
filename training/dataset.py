"""Training and evaluation arrays: digits rendered, then preprocessed by serving's code.

MNIST digits are redrawn by training.augment; real pen digits (pendigits) are drawn
by the page's own drawing code (training.page_render) with real use's variety.

Rendering runs in worker processes in fixed chunks, each with its own seed derived
from (seed, copy, chunk), so results do not depend on scheduling or worker count.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from tqdm import tqdm

from digits.errors import EmptyCanvas
from digits.reading.preprocess import EXACT, Placement, preprocess
from training.augment import (
    CANVAS,
    Points,
    Warp,
    draw_points,
    redraw_with_brush,
    skeleton_points,
    transform_pen_digit,
)
from training.pen_augment import PenVariation, render_pen_digit
from training.pendigits import PenDigit

CHUNK = 1000  # digits per job (seeds derive from it: changing it changes every set)
Pixels = npt.NDArray[np.uint8]  # (n, 784) preprocessed, quantised to bytes
Labels = npt.NDArray[np.uint8]
Renderer = Callable[[int, np.random.Generator], Image.Image]
AS_WRITTEN = PenVariation()  # real use's variety, nothing added to the writer's strokes


@dataclass(frozen=True)
class PlacementJitter:
    """Departures from MNIST's exact fit and centre, drawn afresh for each training render.

    Serving places every digit exactly (preprocess.EXACT), yet a model fitted only to exact
    placement reads a digit moved by one field pixel markedly worse: real strokes that end a
    little longer or lower move the fit and the centre of mass by about that much.
    """

    shift: float = 0.0  # field pixels, uniform each way, in x and y
    scale: float = 0.0  # the fit times a uniform 1 - scale .. 1 + scale

    def draw(self, rng: np.random.Generator) -> Placement:
        if not (self.shift or self.scale):
            return EXACT  # and no draw: without jitter every render stays as it was
        shift_x, shift_y = rng.uniform(-self.shift, self.shift, 2)
        return Placement(float(rng.uniform(1 - self.scale, 1 + self.scale)), shift_x, shift_y)


EXACTLY = PlacementJitter()


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("TRAIN_WORKERS", "0")) or 64))


def to_pixels(image: Image.Image, placement: Placement = EXACT) -> npt.NDArray[np.uint8]:
    """Serving's preprocessing, quantised to bytes (a blank result stays blank)."""
    try:
        array = preprocess(image, placement)
    except EmptyCanvas:
        array = np.zeros((28, 28), np.float32)
    quantised: npt.NDArray[np.uint8] = np.rint(array.reshape(-1) * 255.0).astype(np.uint8)
    return quantised


def preprocess_mnist(images: npt.NDArray[np.uint8]) -> Pixels:
    """MNIST digits as they are, through serving's preprocessing."""
    return np.stack([to_pixels(Image.fromarray(digit)) for digit in images])


# -- worker-side state, inherited through fork so large arrays are never pickled --
_images: npt.NDArray[np.uint8] = np.zeros((0, 28, 28), np.uint8)
_labels: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)
_skeletons: list[Points] = []
_pen_digits: list[PenDigit] = []
_pen_variation = PenVariation()
_warp = Warp()
_jitter = EXACTLY


@dataclass(frozen=True)
class Job:
    kind: str  # "skeleton" | "augment" | "canvas-fill" | "canvas-small" | "pen"
    start: int
    stop: int
    seed: tuple[int, ...]


def _run(job: Job) -> npt.NDArray[np.uint8] | list[Points]:
    if job.kind == "skeleton":
        return [skeleton_points(_images[i]) for i in range(job.start, job.stop)]
    rng = np.random.default_rng(np.random.SeedSequence(job.seed))
    rows = []
    for i in range(job.start, job.stop):
        drawing = _render(job.kind, i, rng)
        rows.append(to_pixels(drawing, _jitter.draw(rng)))
    return np.stack(rows)


def _render(kind: str, index: int, rng: np.random.Generator) -> Image.Image:
    if kind == "pen":
        digit = _pen_digits[index]
        return render_pen_digit(digit.strokes, digit.label, rng, _pen_variation)
    label = int(_labels[index])
    if kind == "augment":
        if rng.random() < 0.7:
            return redraw_with_brush(_skeletons[index], label, rng, _warp)
        return transform_pen_digit(_images[index], rng, _warp)
    if kind == "canvas-fill":
        return canvas_fill(_skeletons[index], rng)
    if kind == "canvas-small":
        return canvas_small(_skeletons[index], rng)
    raise ValueError(kind)


def canvas_fill(points: Points, rng: np.random.Generator) -> Image.Image:
    """Evaluation: the digit drawn large, roughly filling the canvas."""
    size = rng.uniform(170.0, 235.0)
    brush = rng.uniform(18.0, 32.0)
    jitter = (CANVAS - size - brush) / 2
    centre = (CANVAS / 2 + rng.uniform(-jitter, jitter), CANVAS / 2 + rng.uniform(-jitter, jitter))
    return draw_points(points, size, brush, centre)


def canvas_small(points: Points, rng: np.random.Generator) -> Image.Image:
    """Evaluation: the digit drawn small and anywhere on the canvas, same brush."""
    size = rng.uniform(60.0, 120.0)
    brush = rng.uniform(18.0, 30.0)
    margin = size / 2 + brush / 2
    centre = (rng.uniform(margin, CANVAS - margin), rng.uniform(margin, CANVAS - margin))
    return draw_points(points, size, brush, centre)


def _init(
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    skeletons: list[Points],
    pen_digits: list[PenDigit],
    pen_variation: PenVariation,
    warp: Warp,
    jitter: PlacementJitter,
) -> None:
    global _images, _labels, _skeletons, _pen_digits, _pen_variation, _warp, _jitter  # per-worker
    _images, _labels, _skeletons, _pen_digits = images, labels, skeletons, pen_digits
    _pen_variation, _warp, _jitter = pen_variation, warp, jitter


def _map(
    jobs: list[Job],
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    skeletons: list[Points],
    progress: str,
    pen_digits: list[PenDigit] | None = None,
    pen_variation: PenVariation | None = None,
    warp: Warp | None = None,
    jitter: PlacementJitter = EXACTLY,
) -> Iterator[npt.NDArray[np.uint8] | list[Points]]:
    _init(
        images,
        labels,
        skeletons,
        pen_digits or [],
        pen_variation or PenVariation(),
        warp or Warp(),
        jitter,
    )
    context = multiprocessing.get_context("fork")
    with context.Pool(workers()) as pool:
        results = pool.imap(_run, jobs)
        bar = tqdm(results, total=len(jobs), desc=f"  {progress}", unit="chunk", leave=True)
        yield from bar


def _chunks(count: int) -> list[tuple[int, int]]:
    return [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]


def compute_skeletons(images: npt.NDArray[np.uint8]) -> list[Points]:
    jobs = [Job("skeleton", a, b, ()) for a, b in _chunks(len(images))]
    empty = np.zeros(len(images), np.uint8)
    skeletons: list[Points] = []
    for part in _map(jobs, images, empty, [], "skeletons"):
        assert isinstance(part, list)  # noqa: S101  # skeleton jobs return point lists
        skeletons.extend(part)
    return skeletons


def render(
    kind: str,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    skeletons: list[Points],
    seed: tuple[int, ...],
    warp: Warp | None = None,
    jitter: PlacementJitter = EXACTLY,
) -> Pixels:
    """Render every digit once with the given renderer; deterministic for a seed."""
    jobs = [Job(kind, a, b, (*seed, a)) for a, b in _chunks(len(images))]
    mapped = _map(jobs, images, labels, skeletons, kind, warp=warp, jitter=jitter)
    parts = [part for part in mapped if isinstance(part, np.ndarray)]
    return np.concatenate(parts)


def render_pen(
    digits: list[PenDigit],
    copies: int,
    seed: tuple[int, ...],
    progress: str = "pen",
    variation: PenVariation = AS_WRITTEN,
    jitter: PlacementJitter = EXACTLY,
) -> tuple[Pixels, Labels]:
    """`copies` random canvas drawings of every pen digit, as the page would send them;
    the default variation adds nothing to the strokes and the default jitter places each
    exactly (held-out sets stay as written and as served)."""
    labels = np.asarray([digit.label for digit in digits], dtype=np.uint8)
    if not copies or not digits:
        return np.zeros((0, 28 * 28), np.uint8), np.zeros(0, np.uint8)
    jobs = [
        Job("pen", a, b, (*seed, copy, a))
        for copy in range(copies)
        for a, b in _chunks(len(digits))
    ]
    empty = np.zeros((0, 28, 28), np.uint8)
    parts = [
        part
        for part in _map(jobs, empty, labels, [], progress, digits, variation, jitter=jitter)
        if isinstance(part, np.ndarray)
    ]
    return np.concatenate(parts), np.tile(labels, copies)
