"""Stroke width, and strokes thickened or thinned into the band the model reads
(digits.reading.strokes), on ink drawn to order and on canvases drawn with fine pens, the
page's pen, and the page's pen on small digits."""

from __future__ import annotations

import itertools
import math
from unittest import mock

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digits.reading import strokes
from digits.reading.preprocess import FIT, INK_THRESHOLD, find_ink, preprocess
from digits.reading.strokes import (
    MAX_FIELD_STROKE,
    MIN_FIELD_STROKE,
    _filtered,
    stroke_width,
    within_stroke_band,
)


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
@pytest.mark.parametrize(("keep", "reduce"), [(np.maximum, np.max), (np.minimum, np.min)])
def test_dilation_and_erosion_take_the_most_or_least_ink_in_a_square(
    radius: int, keep: np.ufunc, reduce: object
) -> None:
    rng = np.random.default_rng(radius)
    ink = (rng.random((23, 31)) * (rng.random((23, 31)) < 0.6)).astype(np.float32)
    padded = np.pad(ink, radius)  # beyond the crop is blank: an erosion eats in from there
    expected = np.array(
        [
            [
                reduce(padded[y : y + 2 * radius + 1, x : x + 2 * radius + 1])  # type: ignore[operator]
                for x in range(31)
            ]
            for y in range(23)
        ]
    )
    np.testing.assert_array_equal(_filtered(ink, radius, keep), expected)


def line_canvas(pen: float, size: int = 280, extent: float = 1.0) -> Image.Image:
    """A 7 filling most of the canvas (or ``extent`` of that), drawn with a pen ``pen``
    pixels wide."""
    image = Image.new("L", (size, size), 255)
    seven = [(0.2, 0.15), (0.8, 0.15), (0.4, 0.9)]
    points = [
        (size * (0.5 + (x - 0.5) * extent), size * (0.5 + (y - 0.5) * extent)) for x, y in seven
    ]
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
    wider = within_stroke_band(crop, FIT, INK_THRESHOLD)
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
    assert within_stroke_band(crop, FIT, INK_THRESHOLD) is crop


@pytest.mark.parametrize("extent", [0.2, 0.25, 0.3])
def test_a_small_digit_drawn_with_the_pages_pen_is_thinned_and_cropped_again(
    extent: float,
) -> None:
    # The page's 25-pixel pen on a digit some 60 to 90 pixels wide: bars in the field.
    image = line_canvas(25, extent=extent)
    assert field_stroke(image) > 1.2 * MAX_FIELD_STROKE
    ink = find_ink(image)
    crop = ink.crop(*ink.bounds())
    thinner = within_stroke_band(crop, FIT, INK_THRESHOLD)
    scale = FIT / max(thinner.shape)
    width = stroke_width(thinner > INK_THRESHOLD, float(thinner.sum())) * scale
    # Taken by whole pixels of the crop each side, aimed at the box as drawn: the smaller box
    # is scaled up, so the strokes come out at the aim or wider, the more the smaller the
    # digit (yet thinner than they came).
    assert MAX_FIELD_STROKE - 2 * scale <= width <= 1.4 * MAX_FIELD_STROKE
    assert width < field_stroke(image) - scale
    assert thinner.shape[0] < crop.shape[0] and thinner.shape[1] < crop.shape[1]
    mask = thinner > INK_THRESHOLD
    assert mask[0].any() and mask[-1].any() and mask[:, 0].any() and mask[:, -1].any()
    # The 28x28 is still the digit: most of its ink where the unthinned one's is.
    thick = preprocess(image)
    with mock.patch.object(strokes, "MAX_FIELD_STROKE", math.inf):
        unthinned = preprocess(image)
    assert float(np.minimum(thick, unthinned).sum()) > 0.8 * float(thick.sum())
    assert float(thick.sum()) < 0.95 * float(unthinned.sum())


@pytest.mark.parametrize("extent", [0.5, 0.75, 1.0])
def test_the_pages_pen_at_usual_sizes_is_never_thinned(extent: float) -> None:
    image = line_canvas(25, extent=extent)
    assert MIN_FIELD_STROKE < field_stroke(image) < MAX_FIELD_STROKE
    ink = find_ink(image)
    crop = ink.crop(*ink.bounds())
    assert within_stroke_band(crop, FIT, INK_THRESHOLD) is crop


def test_thinning_moves_smoothly_with_the_strokes_width() -> None:
    """Two paintings of one drawing differ along the strokes' edges (Chromium's and
    training's): what thinning keeps must move as little as the edges do, never by the whole
    pixel each side that rounding the erosion to whole pixels would jump by."""
    kept = []
    for edge in np.linspace(0.0, 1.0, 41):
        ink = np.zeros((100, 40), np.float32)
        ink[:, 4:36] = 1.0  # a stroke 32 px wide: far over MAX_FIELD_STROKE in the fit
        ink[:, 3] = ink[:, 36] = edge  # its antialiased edges, a little more or less ink
        kept.append(float(within_stroke_band(ink, FIT, INK_THRESHOLD).sum()))
    steps = [abs(after - before) for before, after in itertools.pairwise(kept)]
    # A whole pixel more erosion takes some 200 (a pixel from each side of 100 rows).
    assert max(steps) < 100, steps
