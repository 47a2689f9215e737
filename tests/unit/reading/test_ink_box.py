"""The tight box around a mask's ink (digits.reading.ink_box), which the reader, the stroke
band and segmentation all crop by; and the digit's box, stray taps left out."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from digits.reading.ink_box import STRAY_GAP, digit_box, ink_box


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


SPECK = 30.0  # pixels: ink smaller than this each way is a speck (preprocess: 0.12 of the side)


def digit_and_taps(*taps: tuple[int, int], size: int = 12) -> npt.NDArray[np.bool_]:
    """A 200x200 mask: a 'digit' of 80x50 at rows 60-140, columns 70-120, and square taps
    of `size` at the given top-left corners."""
    mask = np.zeros((200, 200), bool)
    mask[60:140, 70:75] = mask[60:65, 70:120] = mask[135:140, 70:120] = True
    for top, left in taps:
        mask[top : top + size, left : left + size] = True
    return mask


DIGIT = (slice(60, 140), slice(70, 120))


@pytest.mark.parametrize(
    "tap",
    [(90, 10), (90, 170), (5, 90), (180, 90), (5, 5), (185, 185)],
    ids=["left", "right", "above", "below", "above-left", "below-right"],
)
def test_a_tap_apart_from_the_digit_is_left_out_of_its_box(tap: tuple[int, int]) -> None:
    mask = digit_and_taps(tap)
    assert ink_box(mask) != DIGIT  # the plain box stretches to the tap
    assert digit_box(mask, SPECK) == DIGIT


def test_several_taps_are_all_left_out() -> None:
    assert digit_box(digit_and_taps((90, 10), (5, 90), (185, 185)), SPECK) == DIGIT


def test_a_tap_touching_the_digits_box_or_nearer_than_the_gap_stays() -> None:
    gap = math.ceil(STRAY_GAP * SPECK)  # blank lines a speck needs between it and the digit
    near = digit_and_taps((90, 70 - 12 - (gap - 1)))
    assert digit_box(near, SPECK) == ink_box(near) != DIGIT
    apart = digit_and_taps((90, 70 - 12 - gap))
    assert digit_box(apart, SPECK) == DIGIT


def test_ink_as_big_as_a_speck_one_way_is_part_of_the_drawing() -> None:
    # A stroke apart from the rest, short but as long as a speck (a 5's flag, a 7's bar).
    flag = digit_and_taps()
    flag[20:28, 80 : 80 + int(SPECK)] = True
    assert digit_box(flag, SPECK) == (slice(20, 140), slice(70, 120))


def test_specks_with_nothing_bigger_beside_them_are_kept() -> None:
    # No digit to keep instead: the box stays, and preprocess refuses the drawing as a speck.
    mask = np.zeros((200, 200), bool)
    mask[10:20, 10:20] = mask[150:160, 150:160] = True
    assert digit_box(mask, SPECK) == ink_box(mask) == (slice(10, 160), slice(10, 160))
    assert digit_box(np.zeros((5, 5), bool), SPECK) is None
