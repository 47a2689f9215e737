"""Number mode: a 2-4 digit number drawn with real mouse moves, read by the real API.

The page widens the canvas to 560x280, sends it as such, shows the number and
outlines each digit it read over the canvas.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.frontend.pagekit import draw_with_mouse, is_predict, number_strokes, sent_image

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("sample_ids", "number"),
    [
        (["4-open", "7-slanted"], "47"),
        (["2-hook", "0-oval", "8-loops"], "208"),
        (["1-stick", "9-loop-stem", "3-bumps", "6-loop"], "1936"),
    ],
    ids=["47", "208", "1936"],
)
def test_a_number_drawn_in_number_mode_is_shown_with_its_digits_outlined(
    page: Page, sample_ids: list[str], number: str
) -> None:
    page.get_by_test_id("auto").uncheck()  # one request, for the whole number
    page.get_by_test_id("number-mode").check()
    canvas = page.get_by_test_id("canvas")
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 1.9 * box["height"]  # the wide canvas
    draw_with_mouse(page, number_strokes(sample_ids))
    with page.expect_response(lambda r: is_predict(r.request)) as answer:
        page.get_by_test_id("predict").click()
    assert answer.value.status == 200
    assert sent_image(answer.value.request).size == (560, 280)
    expect(page.get_by_test_id("number")).to_have_text(number)
    expect(page.get_by_test_id("number")).to_be_visible()
    expect(page.get_by_test_id("prediction")).to_have_text(number)  # the number is the answer
    # Each digit with the 28x28 it was read from and its confidence; no whole-drawing
    # preview or ten bars, which describe no digit of a number.
    expect(page.get_by_test_id("details")).to_be_hidden()
    expect(page.get_by_test_id("number-digits")).to_be_visible()
    read = page.get_by_test_id("digit-read")
    expect(read).to_have_count(len(number))
    for index, digit in enumerate(number):
        expect(read.nth(index).locator("strong")).to_have_text(digit)
        expect(read.nth(index)).to_contain_text("%")
        image = read.nth(index).locator("img")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.naturalWidth") == 28
    # One outline per digit read, drawn over the canvas; gone once the drawing changes.
    expect(canvas).to_have_attribute("data-boxes", str(len(number)))
    page.get_by_test_id("clear").click()
    expect(canvas).to_have_attribute("data-boxes", "0")


def test_one_digit_in_number_mode_shows_its_preview_and_bars(page: Page) -> None:
    page.get_by_test_id("number-mode").check()
    # Before any answer: no empty placeholders that may not apply.
    expect(page.get_by_test_id("details")).to_be_hidden()
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_with_mouse(page, number_strokes(["7-slanted"]))
    expect(page.get_by_test_id("number")).to_have_text("7")
    expect(page.get_by_test_id("details")).to_be_visible()
    expect(page.get_by_test_id("preview")).to_be_visible()
    expect(page.get_by_test_id("number-digits")).to_be_hidden()


def test_number_mode_off_keeps_the_square_canvas(page: Page) -> None:
    canvas = page.get_by_test_id("canvas")
    box = canvas.bounding_box()
    assert box is not None and abs(box["width"] - box["height"]) < 2
    expect(page.get_by_test_id("number")).to_be_hidden()
