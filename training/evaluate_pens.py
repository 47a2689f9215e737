"""How the reference reads the held-out writers drawn with one pen width, fine to thick.

    make evaluate-pens     (= python -m training.evaluate_pens [--limit N])

Training draws the pen digits with brushes of 10 to 36 pixels on the 280 canvas, and the page
draws with 25; a client's own canvas may draw much finer (a 560-pixel canvas with a 10-pixel
pen sends, once halved, a 5-pixel stroke). For each brush width every held-out digit is drawn
once, as `pen_held_out` draws them (fixed seeds; the same size, slant and placement at every
width), and read by the reference as served, fine strokes thickened
(digits.reading.strokes), and with that step off, as preprocessing read them before it. Only
the reference reads these writers as unseen: a refit trained on them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import numpy as np

if TYPE_CHECKING:
    from digits.inference.model import DigitModel
    from training.pendigits import PenDigit

BRUSHES = (3, 5, 7, 10, 15, 25, 36)  # pixels on the 280 canvas; the page's is 25
PENS_JSON = "pens.json"  # beside the reference: the table docs/model.md shows (make docs)


@dataclass(frozen=True)
class PenRow:
    brush: int
    served: float  # accuracy as served (fine strokes thickened)
    unthickened: float  # accuracy with the thickening off
    thickened: float  # the share of drawings the thickening changed


def read_with_pens(
    model: DigitModel, held_out: list[PenDigit], brushes: tuple[int, ...] = BRUSHES
) -> list[PenRow]:
    """One row per brush width: the same drawings read as served and unthickened."""
    # Imported here, not above: tools.docs_figures reads this module's table, and the
    # drawing and training stack it need not load for that.
    from tqdm import tqdm

    from digits.reading import strokes
    from digits.reading.preprocess import preprocess
    from training.dataset import AS_WRITTEN
    from training.evaluate import EVAL_SEED
    from training.pen_augment import render_pen_digit

    labels = np.asarray([digit.label for digit in held_out])
    rows = []
    bar = tqdm(total=len(brushes) * len(held_out), desc="pens", unit="drawing")
    for brush in brushes:
        variation = replace(AS_WRITTEN, brush=(float(brush), float(brush)))
        served, plain = [], []
        for index, digit in enumerate(held_out):
            rng = np.random.default_rng((EVAL_SEED, 6, index))
            image = render_pen_digit(digit.strokes, digit.label, rng, variation)
            served.append(preprocess(image).reshape(-1))
            with mock.patch.object(strokes, "MIN_FIELD_STROKE", 0.0):
                plain.append(preprocess(image).reshape(-1))
            bar.update()
        as_served, unthickened = np.stack(served), np.stack(plain)
        changed = float(np.mean(np.any(as_served != unthickened, axis=1)))
        rows.append(
            PenRow(
                brush,
                _accuracy(model, as_served, labels),
                _accuracy(model, unthickened, labels),
                changed,
            )
        )
    bar.close()
    return rows


def _accuracy(model: DigitModel, pixels: np.ndarray, labels: np.ndarray) -> float:
    return float((model.predict_proba(pixels).argmax(axis=1) == labels).mean())


def markdown(rows: list[PenRow], version: str) -> str:
    lines = [
        f"Held-out writers' digits, each drawn once per pen width, read by `{version}`:",
        "",
        "| pen (px on the 280 canvas) | as served | fine strokes not thickened "
        "| drawings thickened |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row.brush}{' (the page)' if row.brush == 25 else ''} | {row.served:.2%} "
        f"| {row.unthickened:.2%} | {row.thickened:.0%} |"
        for row in rows
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
