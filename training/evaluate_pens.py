"""How the reference reads the held-out writers drawn with one pen width, fine to thick,
drawn small with the page's pen, drawn on a client's larger canvas, turned, and with a stray
tap beside it.

    make evaluate-pens     (= python -m training.evaluate_pens [--limit N])

Training draws the pen digits with brushes of 10 to 36 pixels on the 280 canvas, never wider
than a third of the digit, and the page draws with 25; a client's own canvas may draw much
finer (a 560-pixel canvas with a 10-pixel pen sends, once halved, a 5-pixel stroke), and a
person who draws a small digit on the page keeps its 25-pixel pen. Every held-out digit is
drawn once per pen width (at the sizes training draws, and the same size, slant and placement
at every width), once per size band with the page's pen, and once per canvas side (400
and 560 px, the pen scaled with the canvas or the page's width in its pixels; fixed seeds),
read by the reference as served, strokes brought into the band the model reads
(digits.reading.strokes), and with that step off, as drawn; likewise once per angle, each digit
turned that far (both ways, on top of its writer's own slant) and otherwise as written. Then
once per distance band with a stray tap of the page's pen beside the digit, read as served
(the tap left out of the digit's box, digits.reading.ink_box) and with the tap kept in the
box. Only the reference reads these writers as unseen: a refit trained on them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import numpy as np

from training.page_render import BRUSH_SIZE, CANVAS_SIZE

if TYPE_CHECKING:
    from PIL import Image
    from tqdm import tqdm

    from digits.inference.model import DigitModel
    from training.pen_augment import PenVariation
    from training.pendigits import PenDigit

BRUSHES = (3, 5, 7, 10, 15, 25, 36)  # pixels on the 280 canvas; the page's is 25
# Clients' larger canvases (a 400 or 560 px canvas is read halved, digits.reading.preprocess's
# working size): the drawings at training's sizes and brushes, everything scaled with the
# canvas (pen None), or drawn there with the page's pen width in that canvas's pixels.
Canvas = tuple[int, float | None]  # a canvas's side, and the pen's width there (None: scaled)
PAGE_CANVAS: Canvas = (CANVAS_SIZE, None)  # the page's: the pen and size rows are drawn on it
CANVASES: tuple[Canvas, ...] = (
    PAGE_CANVAS,
    (400, None),
    (560, None),
    (400, BRUSH_SIZE),
    (560, BRUSH_SIZE),
)
# The digit's longer side, pixels on the 280 canvas, drawn with the page's brush: small
# digits past training's brush-to-size cap first, then the sizes training draws.
SIZES = ((50, 70), (70, 90), (90, 120), (150, 250))
# A stray tap: one dot of the page's pen, its centre this far beyond the digit's ink box (px
# on the 280 canvas), on any side. The digits are drawn 80-140 px with the page's pen, so that
# the canvas always has room for the farther band on some side.
TAPS = ((15, 30), (30, 50))
TAPPED_DIGITS = (80.0, 140.0)
# Degrees each digit is turned, each one both ways (training turns its pen drawings up to
# Config.pen_rotation_deg either way).
TURNS = (10, 20, 30)
PENS_JSON = "pens.json"  # beside the reference: the tables docs/model.md shows (make docs)


@dataclass(frozen=True)
class PenRow:
    # "pen": one pen width at training's sizes; "size": a size band, the page's pen;
    # "canvas": a canvas side, the pen scaled with it or the page's width there;
    # "turn": an angle the digits are turned by; "tap": a band of distances to a stray tap
    kind: str
    drawn: str  # the pen's width, the size or distance band (px of the 280 canvas), the canvas
    served: float  # accuracy as served (strokes brought into the band, strays left out)
    as_drawn: float  # accuracy with the row's step off: strokes as drawn, or the tap kept
    changed: float  # the share of drawings the row's step changed


def read_with_pens(
    model: DigitModel,
    held_out: list[PenDigit],
    brushes: tuple[int, ...] = BRUSHES,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    canvases: tuple[Canvas, ...] = CANVASES,
    taps: tuple[tuple[int, int], ...] = TAPS,
    turns: tuple[int, ...] = TURNS,
) -> list[PenRow]:
    """One row per pen width, then per size band, per canvas, per angle and per tap distance:
    the same drawings read as served and with the row's step off."""
    # Imported here, not above: tools.docs_figures reads this module's table, and the
    # drawing and training stack it need not load for that.
    from tqdm import tqdm

    from training.dataset import AS_WRITTEN
    from training.evaluate import with_the_pages_pen

    drawings: list[Drawing] = [
        Drawing("pen", str(brush), replace(AS_WRITTEN, brush=(float(brush), float(brush))))
        for brush in brushes
    ]
    drawings += [
        Drawing("size", f"{low}-{high}", with_the_pages_pen((float(low), float(high))))
        for low, high in sizes
    ]
    drawings += [
        Drawing(
            "canvas",
            f"{side}" if pen is None else f"{side}, {pen:g} px pen",
            AS_WRITTEN,
            (side, pen),
        )
        for side, pen in canvases
    ]
    drawings += [
        Drawing("turn", str(degrees), replace(AS_WRITTEN, rotation_deg=0.0), turn_deg=degrees)
        for degrees in turns
    ]
    drawings += [
        Drawing("tap", f"{low}-{high}", with_the_pages_pen(TAPPED_DIGITS), tap=(low, high))
        for low, high in taps
    ]
    bar = tqdm(total=len(drawings) * len(held_out), desc="pens", unit="drawing")
    rows = [PenRow(d.kind, d.drawn, *_read(model, held_out, d, bar)) for d in drawings]
    bar.close()
    return rows


@dataclass(frozen=True)
class Drawing:
    """How one row draws every held-out digit."""

    kind: str
    drawn: str
    variation: PenVariation
    canvas: Canvas = PAGE_CANVAS
    tap: tuple[int, int] | None = None  # a stray tap this far off the digit
    turn_deg: float = 0.0  # the digits turned by this much, each one both ways

    @property
    def stream(self) -> int:
        # One stream per kind: every pen width (size band, canvas, angle, tap distance) draws
        # each digit at the same size (pen), slant and placement, so the rows differ in that alone.
        return {"pen": 6, "size": 7, "canvas": 8, "tap": 9, "turn": 10}[self.kind]

    def step_off(self) -> contextlib.AbstractContextManager[Any]:
        """The row's step of preprocessing turned off: the stray trim, or the stroke band."""
        from digits.reading import ink_box, strokes

        steps = contextlib.ExitStack()
        if self.tap is not None:
            steps.enter_context(mock.patch.object(ink_box, "MAX_STRAYS", 0))
        else:
            steps.enter_context(mock.patch.object(strokes, "MIN_FIELD_STROKE", 0.0))
            steps.enter_context(mock.patch.object(strokes, "MAX_FIELD_STROKE", math.inf))
        return steps


def with_a_tap(image: Image.Image, rng: np.random.Generator, band: tuple[int, int]) -> Image.Image:
    """The drawing with one dot of the page's pen, its centre `band` px beyond the ink's box
    (the farther of the two axes) on a 280 canvas, at a random place among those that fit."""
    from PIL import ImageDraw

    from digits.reading.ink_box import ink_box

    box = ink_box(np.asarray(image) < 128)
    if box is None:
        raise ValueError("no digit to put a tap beside")
    rows, cols = box
    radius = BRUSH_SIZE / 2
    ys, xs = np.mgrid[radius : image.height - radius : 2.0, radius : image.width - radius : 2.0]
    beyond = np.maximum.reduce(
        [cols.start - xs, xs - (cols.stop - 1), rows.start - ys, ys - (rows.stop - 1)]
    )
    places = np.flatnonzero((beyond >= band[0]) & (beyond < band[1]))
    if places.size == 0:
        raise ValueError(f"no room for a tap {band} px off the digit")
    place = rng.choice(places)
    x, y = float(xs.flat[place]), float(ys.flat[place])
    tapped = image.copy()
    ImageDraw.Draw(tapped).ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return tapped


def _read(
    model: DigitModel, held_out: list[PenDigit], drawing: Drawing, bar: tqdm[Any]
) -> tuple[float, float, float]:
    """Accuracy as served, with the row's step off, and the share of drawings it changed."""
    from digits.reading.preprocess import preprocess
    from training.evaluate import EVAL_SEED
    from training.pen_augment import render_pen_digit, turned

    served, plain, labels = [], [], []
    for index, digit in enumerate(held_out):
        rng = np.random.default_rng((EVAL_SEED, drawing.stream, index))
        # A turned digit is drawn twice, turned clockwise and anticlockwise: which way
        # matters (a one's flag turned level reads as a seven's bar).
        ways = (drawing.turn_deg, -drawing.turn_deg) if drawing.turn_deg else (0.0,)
        for degrees in ways:
            strokes = turned(digit.strokes, degrees) if degrees else digit.strokes
            image = render_pen_digit(strokes, digit.label, rng, drawing.variation, *drawing.canvas)
            if drawing.tap is not None:
                image = with_a_tap(image, rng, drawing.tap)
            served.append(preprocess(image).reshape(-1))
            with drawing.step_off():
                plain.append(preprocess(image).reshape(-1))
            labels.append(digit.label)
        bar.update()
    as_served, as_drawn = np.stack(served), np.stack(plain)
    changed = float(np.mean(np.any(as_served != as_drawn, axis=1)))
    truth = np.asarray(labels)
    return _accuracy(model, as_served, truth), _accuracy(model, as_drawn, truth), changed


def _accuracy(model: DigitModel, pixels: np.ndarray, labels: np.ndarray) -> float:
    return float((model.predict_proba(pixels).argmax(axis=1) == labels).mean())


def markdown(rows: list[PenRow], version: str) -> str:
    pens = [row for row in rows if row.kind == "pen"]
    sizes = [row for row in rows if row.kind == "size"]
    canvases = [row for row in rows if row.kind == "canvas"]
    taps = [row for row in rows if row.kind == "tap"]
    turns = [row for row in rows if row.kind == "turn"]
    lines = [
        f"Held-out writers' digits, each drawn once per pen width, read by `{version}`:",
        "",
        "| pen (px on the 280 canvas) | as served | strokes as drawn | drawings changed |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row.drawn}{' (the page)' if float(row.drawn) == BRUSH_SIZE else ''} "
        f"| {row.served:.2%} | {row.as_drawn:.2%} | {row.changed:.0%} |"
        for row in pens
    ]
    if sizes:
        lines += [
            "",
            f"The same digits drawn once per size with the page's pen ({BRUSH_SIZE:g} px):",
            "",
            "| digit's longer side (px on the 280 canvas) | as served | strokes as drawn "
            "| drawings changed |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row.drawn} | {row.served:.2%} | {row.as_drawn:.2%} | {row.changed:.0%} |"
            for row in sizes
        ]
    if canvases:
        lines += [
            "",
            "The same digits drawn once on each canvas (a 400 or 560 px one is read halved), "
            "at training's sizes and pens scaled with the canvas, or with the page's pen width "
            "in that canvas's pixels:",
            "",
            "| canvas (px) | as served | strokes as drawn | drawings changed |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row.drawn} | {row.served:.2%} | {row.as_drawn:.2%} | {row.changed:.0%} |"
            for row in canvases
        ]
    if turns:
        lines += [
            "",
            "The same digits turned, each one both ways, on top of their writers' own slant, "
            "and otherwise drawn as written (training's sizes and pens):",
            "",
            "| turned (degrees) | as served | strokes as drawn | drawings changed |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row.drawn} | {row.served:.2%} | {row.as_drawn:.2%} | {row.changed:.0%} |"
            for row in turns
        ]
    if taps:
        low, high = TAPPED_DIGITS
        lines += [
            "",
            f"The same digits drawn {low:g}-{high:g} px with the page's pen, and a stray tap of "
            "that pen beside each, its centre so far beyond the digit's box:",
            "",
            "| tap's centre off the digit (px on the 280 canvas) | as served | tap kept in the "
            "box | drawings changed |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row.drawn} | {row.served:.2%} | {row.as_drawn:.2%} | {row.changed:.0%} |"
            for row in taps
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models-dir", type=Path, help="default: models/reference")
    parser.add_argument(
        "--limit", type=int, default=0, help="only every n-th digit (tests); writes nothing"
    )
    args = parser.parse_args(argv)
    from digits.inference.model import load_model  # here for the reason read_with_pens says
    from training.evaluate_placement import model_name
    from training.export import MODEL_NAME, REFERENCE_DIR
    from training.pendigits import load_pendigits, split_by_writer

    models_dir = args.models_dir or REFERENCE_DIR
    model_file = models_dir / f"{MODEL_NAME}.joblib"
    model = load_model(model_file)
    held_out = split_by_writer(load_pendigits())[1]
    if args.limit:
        held_out = held_out[:: args.limit]
    version = model_name(model_file)
    rows = read_with_pens(model, held_out)
    print(markdown(rows, version))
    if not args.limit:
        figures = {"version": version, "rows": [asdict(row) for row in rows]}
        (models_dir / PENS_JSON).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def from_json(figures: dict[str, object]) -> str:
    """The table of a run written to PENS_JSON (tools.docs_figures puts it in the docs)."""
    rows = figures["rows"]
    assert isinstance(rows, list)  # noqa: S101  # as main writes it
    return markdown([PenRow(**row) for row in rows], str(figures["version"]))


if __name__ == "__main__":
    main()
