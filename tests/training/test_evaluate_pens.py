"""make evaluate-pens: the held-out writers drawn with one pen width each, small with the
page's pen, on larger canvases, read as served and with their strokes as drawn (the stroke band
off); and with a stray tap beside them, read as served and with the tap kept in the box."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
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
        model, held_out, (3, 25), ((50, 70), (150, 250)), canvases=(), taps=(), turns=()
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
    canvases = ((280, None), (560, None), (400, 25.0))
    rows = read_with_pens(model, held_out, (), (), canvases, taps=(), turns=())
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
    rows = (
        len(evaluate_pens.BRUSHES)
        + len(evaluate_pens.SIZES)
        + len(evaluate_pens.CANVASES)
        + len(evaluate_pens.TAPS)
        + len(evaluate_pens.TURNS)
    )
    assert len(table) == 5 * 2 + rows
    assert any(line.startswith("| 560, 25 px pen |") for line in table)
    assert any(line.startswith("| 25 (the page) |") for line in table)
    assert any(line.startswith("| 50-70 |") for line in table)
    assert any(line.startswith("| 30-50 |") for line in table)
    assert any(line.startswith("| 20 |") for line in table)


def test_a_tap_apart_from_the_digit_is_left_out_and_one_nearer_costs_more() -> None:
    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1][::5]
    near, apart = read_with_pens(model, held_out, (), (), (), ((15, 30), (30, 50)), turns=())
    assert [(row.kind, row.drawn) for row in (near, apart)] == [("tap", "15-30"), ("tap", "30-50")]
    # 17.5 px of blank or more between tap and digit: every tap left out, read as if none.
    assert apart.changed == 1.0
    assert apart.as_drawn < 0.9 < 0.98 < apart.served
    # Nearer, the blank between them is often too narrow to tell a tap from a stroke's part.
    assert 0.0 < near.changed < 1.0
    assert near.as_drawn < near.served


@pytest.mark.parametrize("band", [(15, 30), (30, 50)])
def test_the_tap_lands_in_its_band_beyond_the_digits_box(band: tuple[int, int]) -> None:
    from PIL import Image, ImageDraw

    digit = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(digit).rectangle((100, 60, 180, 200), fill=0)  # room on every side
    for seed in range(20):
        tapped = evaluate_pens.with_a_tap(digit, np.random.default_rng(seed), band)
        dot = (np.asarray(tapped) < 128) & ~(np.asarray(digit) < 128)
        rows, cols = np.flatnonzero(dot.any(axis=1)), np.flatnonzero(dot.any(axis=0))
        y, x = (rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2
        beyond = max(100 - x, x - 180, 60 - y, y - 200)
        assert band[0] - 1 <= beyond < band[1] + 1
        assert rows[-1] - rows[0] + 1 <= 26  # one dot of the page's pen


def test_markdown_formats_each_row() -> None:
    rows = [
        PenRow("pen", "5", 0.995, 0.9, 0.75),
        PenRow("size", "50-70", 0.98, 0.9, 1),
        PenRow("canvas", "400, 25 px pen", 0.997, 0.99, 0.5),
        PenRow("turn", "20", 0.976, 0.97, 0.1),
        PenRow("tap", "30-50", 0.996, 0.8, 1),
    ]
    text = markdown(rows, "v1")
    assert "read by `v1`" in text
    assert "| 5 | 99.50% | 90.00% | 75% |" in text
    sizes, canvases = text.split("drawn once per size")[1].split("drawn once on each canvas")
    assert "| 50-70 | 98.00% | 90.00% | 100% |" in sizes
    canvases, turns = canvases.split("digits turned")
    turns, taps = turns.split("a stray tap")
    assert "| 400, 25 px pen | 99.70% | 99.00% | 50% |" in canvases
    assert "| 20 | 97.60% | 97.00% | 10% |" in turns
    assert "| 30-50 | 99.60% | 80.00% | 100% |" in taps


def test_the_written_figures_give_the_table_the_docs_show() -> None:
    rows = [PenRow("pen", "3", 0.997, 0.59, 1.0), PenRow("pen", "25", 0.993, 0.993, 0.0)]
    figures = {"version": "v2", "rows": [asdict(row) for row in rows]}
    assert from_json(json.loads(json.dumps(figures))) == markdown(rows, "v2")
    assert "| 25 (the page) | 99.30% | 99.30% | 0% |" in from_json(figures)


def test_turned_digits_read_worse_the_further_they_turn() -> None:
    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1][::5]
    rows = read_with_pens(model, held_out, (), (), (), taps=(), turns=(0, 30))
    assert [(row.kind, row.drawn) for row in rows] == [("turn", "0"), ("turn", "30")]
    upright, far = rows
    assert upright.served > 0.98
    assert far.served <= upright.served - 0.01
