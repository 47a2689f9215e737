"""POST /predict on numbers: `number` and `digits` (boxes in canvas pixels), `digit` unchanged."""

from __future__ import annotations

import base64
import json
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.support.number_canvas import HEIGHT, WIDTH, draw_number, number_png

from digits.reading.preprocess import find_ink, ink_bounds, ink_map
from digits.segmentation.numbers import clearly_one_digit
from tools.canvas import canvas_png, data_url, draw_digit


def _png_of(url: str) -> bytes:
    head, _, payload = url.partition(",")
    assert head == "data:image/png;base64"
    return base64.b64decode(payload)


def _predict(client: TestClient, png: bytes) -> dict[str, Any]:
    response = client.post("/predict", json={"image": data_url(png)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("number", "variant"), [("2026", 1), ("47", 1), ("135", 2), ("9081", 3)])
def test_a_drawn_number_is_read_left_to_right_with_boxes(
    shipped: TestClient, number: str, variant: int
) -> None:
    png = number_png(number, variant)
    body = _predict(shipped, png)
    assert body["number"] == number
    assert [read["digit"] for read in body["digits"]] == [int(c) for c in number]
    boxes = [read["box"] for read in body["digits"]]
    for read, box in zip(body["digits"], boxes, strict=True):
        assert 0 < read["confidence"] <= 1
        assert 0 <= box["left"] < box["right"] <= WIDTH
        assert 0 <= box["top"] < box["bottom"] <= HEIGHT
    # Left to right, and each box holds ink: it outlines a digit, not empty paper.
    assert [b["left"] for b in boxes] == sorted(b["left"] for b in boxes)
    ink = ink_map(Image.open(BytesIO(png)))
    for box in boxes:
        assert ink[box["top"] : box["bottom"], box["left"] : box["right"]].max() > 0.9
    # Each digit comes with the 28x28 it was read from, none of them the whole drawing's.
    previews = [read["preview"] for read in body["digits"]]
    for preview in previews:
        assert Image.open(BytesIO(_png_of(preview))).size == (28, 28)
    assert len(set(previews)) == len(number) and body["preview"] not in previews


def test_digit_keeps_its_single_image_meaning_for_a_number(shipped: TestClient) -> None:
    """Old clients see what they always saw: the whole canvas read as one digit."""
    png = number_png("47", 1)
    number = _predict(shipped, png)
    whole = shipped.post("/predict", content=png, headers={"content-type": "image/png"}).json()
    assert number["digit"] == whole["digit"]
    assert number["probabilities"] == whole["probabilities"]
    assert number["confidence"] == max(number["probabilities"])


@pytest.mark.parametrize("digit", range(10))
def test_one_digit_gives_a_one_digit_number_that_agrees(shipped: TestClient, digit: int) -> None:
    body = _predict(shipped, canvas_png(digit, variant=4))
    assert body["number"] == str(body["digit"]) == str(digit)
    (only,) = body["digits"]
    assert only["digit"] == body["digit"] and only["confidence"] == body["confidence"]
    assert only["preview"] is None  # it is the answer's own preview, not sent twice
    # Its box is the ink's bounding box on the 280x280 canvas.
    rows, cols = ink_bounds(ink_map(draw_digit(digit, variant=4)))
    assert (only["box"]["left"], only["box"]["right"]) == (cols.start, cols.stop)
    assert (only["box"]["top"], only["box"]["bottom"]) == (rows.start, rows.stop)


def test_one_digit_on_the_wide_canvas_is_one_digit(shipped: TestClient) -> None:
    body = _predict(shipped, number_png("3", 2))
    assert body["number"] == "3" and len(body["digits"]) == 1


def test_the_single_digit_shortcut_skips_segmentation(shipped: TestClient, capsys: Any) -> None:
    """A narrow, gapless drawing is one digit (no segmentation cost); a number is not."""
    capsys.readouterr()
    _predict(shipped, canvas_png(8, variant=2))
    _predict(shipped, number_png("58", 0))
    single, number = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert single["stages_ms"]["segment"] == 0.0 and single["number_length"] == 1
    assert number["stages_ms"]["segment"] > 0.0 and number["number_length"] == 2


def test_clearly_one_digit_rule() -> None:
    for digit in range(10):
        ink = find_ink(draw_digit(digit, variant=7))
        assert clearly_one_digit(ink.mask, *ink.bounds()), digit
    # Two 1s side by side are narrow, but there is paper between them.
    ones = find_ink(draw_number("11", 0))
    assert not clearly_one_digit(ones.mask, *ones.bounds())
    wide = find_ink(draw_number("20", 0))
    assert not clearly_one_digit(wide.mask, *wide.bounds())


def test_a_blank_wide_canvas_is_still_empty(shipped: TestClient) -> None:
    blank = BytesIO()
    Image.new("L", (WIDTH, HEIGHT), 255).save(blank, format="PNG")
    response = shipped.post("/predict", json={"image": data_url(blank.getvalue())})
    assert response.status_code == 422 and response.json()["error"] == "empty_canvas"


def test_the_openapi_contract_describes_number_and_digits(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    answer = schemas["PredictResponse"]
    assert {"number", "digits"} <= set(answer["required"])
    assert "single-image reading" in answer["properties"]["digit"]["description"]
    assert set(schemas["DigitBox"]["required"]) == {"left", "top", "right", "bottom"}
    assert set(schemas["ReadDigit"]["required"]) == {"digit", "confidence", "box"}


def test_a_canvas_over_the_segmentation_limit_is_read_as_one_digit(
    shipped: TestClient, capsys: Any
) -> None:
    """Segmentation's cost grows with the ink map: one over the limit is not segmented
    (2400x390: under twice the working side, so not reduced, and 0.94 M pixels)."""
    big = draw_number("47", 1).resize((2400, 390))
    png = BytesIO()
    big.save(png, format="PNG")
    capsys.readouterr()
    body = _predict(shipped, png.getvalue())
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["stages_ms"]["segment"] == 0.0
    assert len(body["digits"]) == 1 and body["number"] == str(body["digit"])
    assert body["digits"][0]["box"]["right"] > 1500  # boxes are in the sent image's pixels


def test_a_large_number_canvas_is_segmented_at_working_size(shipped: TestClient) -> None:
    """1600x800 is read at 800x400 (under the limit): a number, boxes in the sent pixels."""
    big = draw_number("47", 1).resize((1600, 800))
    png = BytesIO()
    big.save(png, format="PNG")
    body = _predict(shipped, png.getvalue())
    assert body["number"] == "47"
    first, second = (read["box"] for read in body["digits"])
    assert first["left"] < second["left"] and second["right"] > 1000
    assert max(first["right"], second["right"]) <= 1600 and second["bottom"] <= 800
