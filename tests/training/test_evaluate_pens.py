"""make evaluate-pens: the held-out writers drawn with one pen width each, read as served and
with fine strokes left unthickened."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from digits.inference.model import load_model
from training import evaluate_pens
from training.evaluate_pens import PenRow, from_json, markdown, read_with_pens
from training.export import MODEL_NAME, REFERENCE_DIR
from training.pendigits import load_pendigits, split_by_writer

pytestmark = pytest.mark.slow


def test_fine_pens_read_better_thickened_and_the_pages_pen_is_untouched() -> None:
    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1][::5]  # 300 drawings a pen
    fine, page = read_with_pens(model, held_out, (3, 25))
    # A 3-pixel pen: every drawing thickened, read far better for it.
    assert fine.thickened == 1.0
    assert fine.unthickened < 0.95 < 0.98 < fine.served
    # The page's pen: nothing thickened, so both readings are the same drawings.
    assert page.thickened == 0.0
    assert page.served == page.unthickened > 0.98


def test_the_command_prints_one_row_per_pen(capsys: pytest.CaptureFixture[str]) -> None:
    evaluate_pens.main(["--limit", "150"])
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(evaluate_pens.BRUSHES)
    assert any(line.startswith("| 25 (the page) |") for line in table)


def test_markdown_formats_each_row() -> None:
    text = markdown([PenRow(5, 0.995, 0.9, 0.75)], "v1")
    assert "read by `v1`" in text
    assert "| 5 | 99.50% | 90.00% | 75% |" in text


def test_the_written_figures_give_the_table_the_docs_show() -> None:
    rows = [PenRow(3, 0.997, 0.59, 1.0), PenRow(25, 0.993, 0.993, 0.0)]
    figures = {"version": "v2", "rows": [asdict(row) for row in rows]}
    assert from_json(json.loads(json.dumps(figures))) == markdown(rows, "v2")
    assert "| 25 (the page) | 99.30% | 99.30% | 0% |" in from_json(figures)
