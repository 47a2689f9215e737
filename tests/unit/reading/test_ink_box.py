"""The tight box around a mask's ink (digits.reading.ink_box), which the reader, the stroke
band and segmentation all crop by."""

from __future__ import annotations

import numpy as np
import pytest

from digits.reading.ink_box import ink_box


def test_no_ink_has_no_box() -> None:
    assert ink_box(np.zeros((5, 7), bool)) is None


@pytest.mark.parametrize(
    ("rows", "cols"),
    [(slice(0, 1), slice(0, 1)), (slice(2, 5), slice(1, 7)), (slice(4, 5), slice(6, 7))],
)
def test_the_box_is_the_first_and_last_inked_row_and_column(rows: slice, cols: slice) -> None:
    mask = np.zeros((5, 7), bool)
    mask[rows.start, cols.start] = mask[rows.stop - 1, cols.stop - 1] = True
    assert ink_box(mask) == (rows, cols)


def test_ink_inside_the_box_does_not_move_it() -> None:
    mask = np.zeros((9, 9), bool)
    mask[1, 4] = mask[7, 4] = mask[4, 2] = mask[4, 6] = True
    box = ink_box(mask)
    assert box == (slice(1, 8), slice(2, 7))
    assert mask[box].sum() == mask.sum()  # a crop by the box keeps every inked pixel
