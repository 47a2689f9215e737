"""make evaluate-pens: the held-out writers drawn with one pen width each, and small with the
page's pen, read as served and with their strokes as drawn (the stroke band off)."""

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


def test_fine_pens_and_small_digits_read_better_in_the_band_and_the_page_is_untouched() -> None:
    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1][::5]  # 300 drawings a row
    fine, page, small, usual = read_with_pens(model, held_out, (3, 25), ((50, 70), (150, 250)))
    assert [row.kind for row in (fine, page, small, usual)] == ["pen", "pen", "size", "size"]
    # A 3-pixel pen: every drawing thickened, read far better for it.
    assert fine.changed == 1.0
    assert fine.as_drawn < 0.95 < 0.98 < fine.served
    # The page's pen on training's sizes (70-250 px): only the smallest digits thinned.
    assert 0.0 < page.changed < 0.15
    assert page.served >= page.as_drawn > 0.98
    # The page's pen on digits 50-70 pixels tall: nearly every one thinned, read better.
    assert small.changed > 0.9
    assert small.as_drawn + 0.01 < small.served
    assert usual.changed == 0.0


def test_the_command_prints_one_row_per_pen(capsys: pytest.CaptureFixture[str]) -> None:
    evaluate_pens.main(["--limit", "150"])
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(evaluate_pens.BRUSHES) + 2 + len(evaluate_pens.SIZES)
    assert any(line.startswith("| 25 (the page) |") for line in table)
    assert any(line.startswith("| 50-70 |") for line in table)


def test_markdown_formats_each_row() -> None:
    text = markdown(
        [PenRow("pen", "5", 0.995, 0.9, 0.75), PenRow("size", "50-70", 0.98, 0.9, 1)], "v1"
    )
    assert "read by `v1`" in text
    assert "| 5 | 99.50% | 90.00% | 75% |" in text
    assert "| 50-70 | 98.00% | 90.00% | 100% |" in text.split("with the page's pen")[1]


def test_the_written_figures_give_the_table_the_docs_show() -> None:
    rows = [PenRow("pen", "3", 0.997, 0.59, 1.0), PenRow("pen", "25", 0.993, 0.993, 0.0)]
    figures = {"version": "v2", "rows": [asdict(row) for row in rows]}
    assert from_json(json.loads(json.dumps(figures))) == markdown(rows, "v2")
    assert "| 25 (the page) | 99.30% | 99.30% | 0% |" in from_json(figures)
