"""The number on a canvas, for /predict: every digit read, left to right, with its box.

Segmentation (segment.read_number) costs about 10 ms for a 2-4 digit number, several
times the whole rest of a request, so it runs only when the canvas may hold more than one digit.
A canvas *clearly* holds one digit when its ink is no wider than it is tall and has
no empty column inside its bounding box: two digits side by side are wider than
tall or have a gap between them. Then the single-image reading is the only digit.
When segmentation finds fewer than two digits, the single-image reading stands too,
so for one digit ``digits[0]`` always agrees with ``digit``.

Segmentation's cost grows with the ink map and with the number of ink blobs: on a
hostile 4096x2048 noise image it takes seconds. Ink maps (made at the working size,
preprocess.working_scale) over SEGMENT_MAX_PIXELS (twice the page's 560x280 number
canvas in each direction) are read as one digit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.inference.model import DigitModel
from digits.inference.predictor import Prediction
from digits.reading.preprocess import FloatImage, Ink
from digits.segmentation.components import Box
from digits.segmentation.segment import DigitReading, read_number

# Ink at most this wide for its height, in one run of columns, is one digit.
SINGLE_ASPECT = 1.0
# Larger canvases are not segmented: 1120x560, the number canvas at a 2x device scale.
SEGMENT_MAX_PIXELS = 1120 * 560


def clearly_one_digit(inked: npt.NDArray[np.bool_], rows: slice, cols: slice) -> bool:
    """True when the inked box (rows, cols) of the ink mask is narrow and has no blank column."""
    height = rows.stop - rows.start
    width = cols.stop - cols.start
    if width > SINGLE_ASPECT * height:
        return False
    return bool(inked[rows, cols].any(axis=0).all())


def read_digits(
    ink: Ink,
    rows: slice,
    cols: slice,
    whole: Prediction,
    pixels: FloatImage,
    model: DigitModel,
) -> tuple[list[DigitReading], bool]:
    """The digits left to right, and whether segmentation ran to find them.

    ``whole`` is the reading of the whole drawing as one digit, from ``pixels``.
    """
    single = DigitReading(
        whole.digit,
        whole.confidence,
        tuple(whole.probabilities),
        Box(cols.start, rows.start, cols.stop, rows.stop),
        pixels,
    )
    if ink.size > SEGMENT_MAX_PIXELS or clearly_one_digit(ink.mask, rows, cols):
        return [single], False
    readings = read_number(ink.full, model)
    return (readings if len(readings) >= 2 else [single]), True
