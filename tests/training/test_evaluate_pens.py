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
    fine, page, small, usual = read_with_pens(
        model, held_out, (3, 25), ((50, 70), (150, 250)), canvases=()
    )
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


def test_a_larger_canvas_reads_as_the_page_does() -> None:
    # A 400 or 560 px canvas is read halved; the same drawings scaled with it, or drawn there
    # with the page's pen width (finer in the field), read as the 280 px canvas does.
    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1][::5]
    rows = read_with_pens(model, held_out, (), (), ((280, None), (560, None), (400, 25.0)))
    assert [(row.kind, row.drawn) for row in rows] == [
        ("canvas", "280"),
        ("canvas", "560"),
        ("canvas", "400, 25 px pen"),
    ]
    page, doubled, finer = rows
    assert page.served > 0.98
    assert doubled.served >= page.served - 0.01 and finer.served >= page.served - 0.01


def test_the_command_prints_one_row_per_pen(capsys: pytest.CaptureFixture[str]) -> None:
    evaluate_pens.main(["--limit", "150"])
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    rows = len(evaluate_pens.BRUSHES) + len(evaluate_pens.SIZES) + len(evaluate_pens.CANVASES)
    assert len(table) == 3 * 2 + rows
    assert any(line.startswith("| 560, 25 px pen |") for line in table)
    assert any(line.startswith("| 25 (the page) |") for line in table)
    assert any(line.startswith("| 50-70 |") for line in table)


def test_markdown_formats_each_row() -> None:
    rows = [
        PenRow("pen", "5", 0.995, 0.9, 0.75),
        PenRow("size", "50-70", 0.98, 0.9, 1),
        PenRow("canvas", "400, 25 px pen", 0.997, 0.99, 0.5),
    ]
    text = markdown(rows, "v1")
    assert "read by `v1`" in text
    assert "| 5 | 99.50% | 90.00% | 75% |" in text
    sizes, canvases = text.split("drawn once per size")[1].split("drawn once on each canvas")
    assert "| 50-70 | 98.00% | 90.00% | 100% |" in sizes
    assert "| 400, 25 px pen | 99.70% | 99.00% | 50% |" in canvases


def test_the_written_figures_give_the_table_the_docs_show() -> None:
    rows = [PenRow("pen", "3", 0.997, 0.59, 1.0), PenRow("pen", "25", 0.993, 0.993, 0.0)]
    figures = {"version": "v2", "rows": [asdict(row) for row in rows]}
    assert from_json(json.loads(json.dumps(figures))) == markdown(rows, "v2")
    assert "| 25 (the page) | 99.30% | 99.30% | 0% |" in from_json(figures)
