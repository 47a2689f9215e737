"""Training draws pen digits as the page does: Python's renderer and Chromium agree.

The same real pen strokes (pendigits, placed on the canvas with training's random
geometry) are painted twice: in Chromium by the page's own modules (canvas.js
exportImage for the page's brush, paintStrokes for the other widths training uses),
and in Python by training.page_render. Both images then go through serving's
preprocessing; the 28x28 inputs the model would read must agree within a tolerance
far below what separates two digits.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from digits.reading.preprocess import preprocess
from training.page_render import BRUSH_SIZE, paint_strokes
from training.pen_augment import PenVariation, place_strokes
from training.pendigits import load_pendigits

pytestmark = [pytest.mark.browser]

# Mean |difference| of the 280x280 images, as a fraction of full ink: antialiasing
# differs only along the edges of the strokes (measured: 0.0013-0.0030).
IMAGE_TOLERANCE = 0.005
# The 28x28 the model reads, mean and worst pixel (measured: up to 0.0065 and 0.21, where
# an edge pixel crosses the bounding box's ink threshold in one image and not the
# other). Two different digits differ by about 0.1-0.2 on average.
MEAN_TOLERANCE = 0.010
MAX_TOLERANCE = 0.3

PAINT = """async ({strokes, brush, useExport}) => {
  const canvasModule = await import('/canvas.js');
  const points = strokes.map((stroke) => stroke.map(([x, y]) => ({x, y})));
  if (useExport) return canvasModule.exportImage(points).dataUrl;
  const canvas = document.createElement('canvas');
  canvas.width = 280; canvas.height = 280;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, 280, 280);
  canvasModule.paintStrokes(ctx, points, 1, '#000000', brush);
  return canvas.toDataURL('image/png');
}"""


@pytest.fixture(scope="module")
def plain_page(browser: Browser, local_server_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=local_server_url)
    page = context.new_page()
    page.goto("/")
    yield page
    context.close()


def chromium_paint(page: Page, strokes: list[np.ndarray], brush: float) -> Image.Image:
    data_url: str = page.evaluate(
        PAINT,
        {
            "strokes": [stroke.tolist() for stroke in strokes],
            "brush": brush,
            "useExport": brush == BRUSH_SIZE,
        },
    )
    png = base64.b64decode(data_url.split(",", 1)[1])
    return Image.open(io.BytesIO(png)).convert("L")


def test_python_and_chromium_paint_the_same_digits(plain_page: Page) -> None:
    digits = load_pendigits()
    rng = np.random.default_rng(5)
    # One digit of each class, each with training's random geometry; every third at
    # the page's own brush (through exportImage, the very path of a request).
    chosen = [next(d for d in digits[label * 37 :] if d.label == label) for label in range(10)]
    worst = []
    for index, digit in enumerate(chosen):
        strokes, brush = place_strokes(digit.strokes, rng, PenVariation())
        if index % 3 == 0:
            brush = BRUSH_SIZE
        browser_image = chromium_paint(plain_page, strokes, brush)
        python_image = paint_strokes(strokes, brush=brush)
        image_gap = (
            np.abs(
                np.asarray(browser_image, np.float32) - np.asarray(python_image, np.float32)
            ).mean()
            / 255.0
        )
        model_input_gap = np.abs(preprocess(browser_image) - preprocess(python_image))
        worst.append((image_gap, float(model_input_gap.mean()), float(model_input_gap.max())))
        assert image_gap < IMAGE_TOLERANCE, (digit.label, image_gap)
        assert model_input_gap.mean() < MEAN_TOLERANCE, (digit.label, model_input_gap.mean())
        assert model_input_gap.max() < MAX_TOLERANCE, (digit.label, model_input_gap.max())
    print("image, 28x28 mean, 28x28 max gaps:", np.max(worst, axis=0))


def test_the_comparison_sees_a_different_brush(plain_page: Page) -> None:
    """Control: the tolerance is tight enough to catch a brush 5 px too wide."""
    digit = load_pendigits()[0]
    strokes, _ = place_strokes(digit.strokes, np.random.default_rng(1), PenVariation())
    browser_image = chromium_paint(plain_page, strokes, BRUSH_SIZE)
    python_image = paint_strokes(strokes, brush=BRUSH_SIZE + 5)
    model_input_gap = np.abs(preprocess(browser_image) - preprocess(python_image))
    print("brush 30 against 25, 28x28 mean gap:", model_input_gap.mean())
    assert model_input_gap.mean() > MEAN_TOLERANCE


def test_a_tap_is_one_dot_as_wide_as_the_brush_in_both(plain_page: Page) -> None:
    # A one-point stroke: the page paints a disc of its brush, as training draws a tap.
    tap = [np.array([[140.0, 140.0]], np.float32)]
    browser = np.asarray(chromium_paint(plain_page, tap, BRUSH_SIZE)) < 128
    python = np.asarray(paint_strokes(tap, brush=BRUSH_SIZE)) < 128
    for ink in (browser, python):
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        assert BRUSH_SIZE - 2 <= rows[-1] - rows[0] + 1 <= BRUSH_SIZE + 1
        assert BRUSH_SIZE - 2 <= cols[-1] - cols[0] + 1 <= BRUSH_SIZE + 1
    assert (browser != python).sum() < 0.1 * python.sum()
