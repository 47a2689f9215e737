"""How the reference reads the held-out writers drawn with one pen width, fine to thick,
drawn small with the page's pen, and drawn on a client's larger canvas.

    make evaluate-pens     (= python -m training.evaluate_pens [--limit N])

Training draws the pen digits with brushes of 10 to 36 pixels on the 280 canvas, never wider
than a third of the digit, and the page draws with 25; a client's own canvas may draw much
finer (a 560-pixel canvas with a 10-pixel pen sends, once halved, a 5-pixel stroke), and a
person who draws a small digit on the page keeps its 25-pixel pen. Every held-out digit is
drawn once per pen width (at the sizes training draws, and the same size, slant and placement
at every width), once per size band with the page's pen, and once per canvas side (400
and 560 px, the pen scaled with the canvas or the page's width in its pixels; fixed seeds),
read by the reference as served, strokes brought into the band the model reads
(digits.reading.strokes), and with that step off, as drawn. Only the reference reads these
writers as unseen: a refit trained on them.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import numpy as np

from training.page_render import BRUSH_SIZE, CANVAS_SIZE

if TYPE_CHECKING:
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
PENS_JSON = "pens.json"  # beside the reference: the tables docs/model.md shows (make docs)


@dataclass(frozen=True)
class PenRow:
    # "pen": one pen width at training's sizes; "size": a size band, the page's pen;
    # "canvas": a canvas side, the pen scaled with it or the page's width there
    kind: str
    drawn: str  # the pen's width or the size band (px of the 280 canvas), or the canvas
    served: float  # accuracy as served (strokes brought into the band)
    as_drawn: float  # accuracy with the stroke band off: strokes as drawn
    changed: float  # the share of drawings the stroke band changed


def read_with_pens(
    model: DigitModel,
    held_out: list[PenDigit],
    brushes: tuple[int, ...] = BRUSHES,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    canvases: tuple[Canvas, ...] = CANVASES,
) -> list[PenRow]:
    """One row per pen width, then per size band, then per canvas: the same drawings read as
    served and as drawn."""
    # Imported here, not above: tools.docs_figures reads this module's table, and the
    # drawing and training stack it need not load for that.
    from tqdm import tqdm

    from training.dataset import AS_WRITTEN
    from training.evaluate import with_the_pages_pen

    drawings: list[tuple[str, str, PenVariation, Canvas]] = [
        ("pen", str(brush), replace(AS_WRITTEN, brush=(float(brush), float(brush))), PAGE_CANVAS)
        for brush in brushes
    ]
    drawings += [
        ("size", f"{low}-{high}", with_the_pages_pen((float(low), float(high))), PAGE_CANVAS)
        for low, high in sizes
    ]
    drawings += [
        ("canvas", f"{side}" if pen is None else f"{side}, {pen:g} px pen", AS_WRITTEN, (side, pen))
        for side, pen in canvases
    ]
    bar = tqdm(total=len(drawings) * len(held_out), desc="pens", unit="drawing")
    # One stream per kind: every pen width (every size band, every canvas) draws each digit
    # at the same size (pen), slant and placement, so the rows differ in that alone.
    streams = {"pen": 6, "size": 7, "canvas": 8}
    rows = [
        PenRow(kind, drawn, *_read(model, held_out, variation, streams[kind], bar, canvas))
        for kind, drawn, variation, canvas in drawings
    ]
    bar.close()
    return rows


def _read(
    model: DigitModel,
    held_out: list[PenDigit],
    variation: PenVariation,
    stream: int,
    bar: tqdm[Any],
    canvas: Canvas = PAGE_CANVAS,
) -> tuple[float, float, float]:
    """Accuracy as served, as drawn, and the share of drawings the stroke band changed."""
    from digits.reading import strokes
    from digits.reading.preprocess import preprocess
    from training.evaluate import EVAL_SEED
    from training.pen_augment import render_pen_digit

    labels = np.asarray([digit.label for digit in held_out])
    served, plain = [], []
    for index, digit in enumerate(held_out):
        rng = np.random.default_rng((EVAL_SEED, stream, index))
        image = render_pen_digit(digit.strokes, digit.label, rng, variation, *canvas)
        served.append(preprocess(image).reshape(-1))
        with (
            mock.patch.object(strokes, "MIN_FIELD_STROKE", 0.0),
            mock.patch.object(strokes, "MAX_FIELD_STROKE", math.inf),
        ):
            plain.append(preprocess(image).reshape(-1))
        bar.update()
    as_served, as_drawn = np.stack(served), np.stack(plain)
    changed = float(np.mean(np.any(as_served != as_drawn, axis=1)))
    return _accuracy(model, as_served, labels), _accuracy(model, as_drawn, labels), changed


def _accuracy(model: DigitModel, pixels: np.ndarray, labels: np.ndarray) -> float:
    return float((model.predict_proba(pixels).argmax(axis=1) == labels).mean())


def markdown(rows: list[PenRow], version: str) -> str:
    pens = [row for row in rows if row.kind == "pen"]
    sizes = [row for row in rows if row.kind == "size"]
    canvases = [row for row in rows if row.kind == "canvas"]
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
