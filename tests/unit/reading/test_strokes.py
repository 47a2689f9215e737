"""Stroke width and the thickening of fine strokes (digits.reading.strokes), on ink drawn to
order and on canvases drawn with fine and with the page's pens."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digits.reading.preprocess import FIT, INK_THRESHOLD, find_ink, preprocess
from digits.reading.strokes import MIN_FIELD_STROKE, _dilated, stroke_width, thickened


@pytest.mark.parametrize("width", [1, 3, 6])
def test_stroke_width_of_upright_and_flat_bars(width: int) -> None:
    upright = np.zeros((50, 30), bool)
    upright[5:45, 10 : 10 + width] = True  # 40 rows long
    flat = upright.T.copy()
    # Area / hypot(runs along rows, runs along columns): 40w / hypot(40, w).
    expected = 40 * width / np.hypot(40, width)
    assert stroke_width(upright) == pytest.approx(expected)
    assert stroke_width(flat) == pytest.approx(expected)


def test_stroke_width_counts_runs_that_start_at_the_edges() -> None:
    edge = np.zeros((10, 10), bool)
    edge[0, :] = True  # a bar along the first row: 10 columns start there
    edge[:, 0] = True  # and down the first column
    assert stroke_width(edge) == pytest.approx(19 / np.hypot(10, 10))
    # Runs that start at the edge add to those that start inside, they do not cancel them.
    both = np.zeros((10, 10), bool)
    both[:, 0] = both[:, 5] = True  # two upright bars: 20 runs along rows
    both[0, 7:9] = True  # a short flat one on the top edge: 1 along rows, 2 along columns
    both[4:6, 2] = True  # a short upright one inside: 2 along rows, 1 along columns
    assert stroke_width(both) == pytest.approx(24 / np.hypot(23, 5))
    assert stroke_width(np.zeros((4, 4), bool)) == 0.0


def test_a_float_maps_area_is_its_summed_ink() -> None:
    bar = np.zeros((50, 30), np.float32)
    bar[5:45, 10:14] = 1.0
    bar[5:45, 14] = 0.5  # an antialiased edge counts in part
    assert stroke_width(bar > INK_THRESHOLD, float(bar.sum())) == pytest.approx(
        40 * 4.5 / np.hypot(40, 5)
    )


@pytest.mark.parametrize("radius", [1, 2, 5, 8])
def test_dilation_is_the_most_ink_in_a_square_around_each_pixel(radius: int) -> None:
    rng = np.random.default_rng(radius)
    ink = (rng.random((23, 31)) * (rng.random((23, 31)) < 0.1)).astype(np.float32)
    padded = np.pad(ink, radius)
    expected = np.array(
        [
            [padded[y : y + 2 * radius + 1, x : x + 2 * radius + 1].max() for x in range(31)]
            for y in range(23)
        ]
    )
    np.testing.assert_array_equal(_dilated(ink, radius), expected)


def line_canvas(pen: float, size: int = 280) -> Image.Image:
    """A 7 filling most of the canvas, drawn with a pen ``pen`` pixels wide."""
    image = Image.new("L", (size, size), 255)
    seven = [(0.2, 0.15), (0.8, 0.15), (0.4, 0.9)]
    points = [(x * size, y * size) for x, y in seven]
    ImageDraw.Draw(image).line(points, fill=0, width=round(pen), joint="curve")
    return image


def field_stroke(image: Image.Image) -> float:
    """The stroke width the fit gives the drawing, without thickening."""
    ink = find_ink(image)
    crop = ink.crop(*ink.bounds())
    return float(stroke_width(crop > INK_THRESHOLD, float(crop.sum())) * FIT / max(crop.shape))


@pytest.mark.parametrize("pen", [2, 4, 6])
def test_fine_strokes_come_out_as_wide_as_the_field_needs(pen: int) -> None:
    image = line_canvas(pen)
    assert field_stroke(image) < 0.7 * MIN_FIELD_STROKE  # fine enough to be thickened
    ink = find_ink(image)
    crop = ink.crop(*ink.bounds())
    wider = thickened(crop, FIT, INK_THRESHOLD)
    width = stroke_width(wider > INK_THRESHOLD, float(wider.sum())) * FIT / max(wider.shape)
    # Grown by whole pixels each side, in a square: a slanted stroke grows up to
    # sqrt(2) times more than an upright one.
    pixel = 2 * FIT / max(wider.shape)
    assert MIN_FIELD_STROKE - pixel <= width <= np.sqrt(2) * MIN_FIELD_STROKE + pixel
    # The 28x28 gets the ink a wider pen gives, not a faint line.
    field = preprocess(image)
    assert field.max() > 0.99
    assert field.sum() > 2 * FIT * MIN_FIELD_STROKE


def test_a_fine_pen_gives_nearly_the_field_of_a_wider_one() -> None:
    fine, wide = preprocess(line_canvas(3)), preprocess(line_canvas(20))
    # Without thickening the fine line would hold a sixth of the wide one's ink.
    assert float(fine.sum()) > 0.6 * float(wide.sum())
    # ...and it lies where the wide pen's does.
    assert float(np.minimum(fine, wide).sum()) > 0.75 * float(fine.sum())


@pytest.mark.parametrize("size", [280, 400, 560])
def test_the_pages_brush_is_never_thickened(size: int) -> None:
    # The page's brush is 25 on 280, its widest digit fills the canvas: the thinnest
    # field stroke the page sends. Larger canvases draw with the brush scaled.
    image = line_canvas(25 * size / 280, size)
    assert field_stroke(image) > MIN_FIELD_STROKE
    ink = find_ink(image)
    crop = ink.crop(*ink.bounds())
    assert thickened(crop, FIT, INK_THRESHOLD) is crop
