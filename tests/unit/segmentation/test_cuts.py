"""Candidate cuts (digits.segmentation.cuts) on blobs drawn to order: where the cheapest
path runs, what each side must hold, and what a cut crosses."""

from __future__ import annotations

import numpy as np
import pytest

from digits.segmentation.components import Box, Component
from digits.segmentation.cuts import (
    CUT_CANDIDATES,
    Cut,
    _both_sides_digits,
    _cheapest_ends,
    _path_totals,
    _trace,
    find_cuts,
)


def blob(mask: np.ndarray, left: int = 0, top: int = 0) -> Component:
    box = Box(left, top, left + mask.shape[1], top + mask.shape[0])
    return Component(box, mask.astype(bool), int(mask.sum()))


def two_bars_joined(
    height: int = 80, bar: int = 6, gap: int = 30, bridge_row: int = 40
) -> Component:
    """Two upright bars (digits 1 1) joined by a thin horizontal bridge of two rows."""
    width = 2 * bar + gap
    mask = np.zeros((height, width), bool)
    mask[:, :bar] = True
    mask[:, bar + gap :] = True
    mask[bridge_row : bridge_row + 2, :] = True
    return blob(mask, left=100, top=20)


def ink_left_of(mask: np.ndarray) -> np.ndarray:
    ink_left = np.zeros((mask.shape[0], mask.shape[1] + 1), np.int32)
    np.cumsum(mask, axis=1, out=ink_left[:, 1:])
    return ink_left


def test_the_cheapest_cut_crosses_only_the_bridge_between_two_bars() -> None:
    piece = two_bars_joined()
    cuts = find_cuts(piece, height=80.0)
    assert 1 <= len(cuts) <= CUT_CANDIDATES
    best = cuts[0]
    assert best.path.shape == (80,) and best.path.dtype == np.int64
    # Between the bars everywhere, and it crosses the two bridge rows only.
    assert ((best.path >= 6) & (best.path <= 36)).all()
    assert best.crossed == 2
    # Each side is one bar, boxed in canvas pixels, with every pixel of the blob once.
    assert best.left.box == Box(100, 20, best.left.box.right, 100)
    assert best.right.box.right == 142 and best.right.box.bottom == 100
    assert best.left.area + best.right.area == piece.area
    assert best.left.box.left == 100 and best.right.box.left > best.left.box.right - 1
    # Cuts come cheapest first, and no two share a path.
    assert [cut.crossed for cut in cuts] == sorted(cut.crossed for cut in cuts)
    paths = [tuple(cut.path) for cut in cuts]
    assert len(set(paths)) == len(paths)


def test_a_cut_counts_the_ink_below_the_search_grid() -> None:
    """A blob whose rows do not fill the grid's last band: the rows below are crossed too."""
    height = 64 * 2 + 1  # step 2: one row below the grid
    piece = two_bars_joined(height=height, bridge_row=20)
    mask = piece.mask.copy()
    mask[-1, :] = True  # the last row, below the grid, is ink all across
    assert find_cuts(piece, height=float(height))[0].crossed == 2  # the bridge's two rows
    cuts = find_cuts(blob(mask), height=float(height))
    assert cuts and cuts[0].crossed == 2 + 1  # ... and that last row's pixel


@pytest.mark.parametrize(
    ("rows", "columns", "cut"),
    [(1, 40, False), (40, 3, False), (2, 40, True), (40, 4, True)],
    ids=str,
)
def test_blobs_need_two_rows_and_four_columns_of_cells(rows: int, columns: int, cut: bool) -> None:
    """Below 128 rows a cell is one pixel: a solid block of at least 2 x 4 gets cuts."""
    cuts = find_cuts(blob(np.ones((rows, columns), bool)), height=float(rows))
    assert bool(cuts) == cut


def test_the_cut_stays_in_the_middle_band_of_the_blob() -> None:
    """Blank columns at the blob's edges cost nothing, yet no cut runs there."""
    mask = np.zeros((60, 100), bool)
    mask[:, 5:95] = True  # a solid block: every path crosses the same ink
    mask[:, 0] = mask[:, 99] = True
    mask[:, 1:5] = mask[:, 95:99] = False
    cuts = find_cuts(blob(mask), height=30.0)
    assert cuts
    for cut in cuts:
        assert (cut.path >= 10).all() and (cut.path <= 90).all()


def test_sides_must_be_digit_tall_and_share_their_rows() -> None:
    """_both_sides_digits: both sides CUT_MIN_HEIGHT of a digit tall, sharing CUT_SHARED_ROWS
    of the shorter one's rows."""
    mask = np.zeros((100, 40), bool)
    mask[10:90, 5:10] = True  # a left stroke, rows 10-89
    mask[30:90, 30:35] = True  # a right stroke, rows 30-89
    ink_left = ink_left_of(mask)
    middle = np.full(100, 20, np.int64)
    assert _both_sides_digits(ink_left, middle, height=100.0)  # 60 rows >= 50, all shared
    assert not _both_sides_digits(ink_left, middle, height=121.0)  # 60 < 0.5 * 121
    assert _both_sides_digits(ink_left, middle, height=120.0)  # exactly half: enough
    # A path left of all the ink leaves nothing on one side; right of it, the other.
    assert not _both_sides_digits(ink_left, np.zeros(100, np.int64), height=10.0)
    assert not _both_sides_digits(ink_left, np.full(100, 40, np.int64), height=10.0)
    # One side in rows 0-39, the other in rows 30-99: 10 shared of the shorter's 40 rows.
    staggered = np.zeros((100, 40), bool)
    staggered[0:40, 5:10] = True
    staggered[30:100, 30:35] = True
    assert not _both_sides_digits(ink_left_of(staggered), middle, height=10.0)
    # Rows 0-39 and 16-99: 24 shared of 40 rows, exactly CUT_SHARED_ROWS: enough.
    enough = np.zeros((100, 40), bool)
    enough[0:40, 5:10] = True
    enough[16:100, 30:35] = True
    assert _both_sides_digits(ink_left_of(enough), middle, height=10.0)
    enough[16, 30:35] = False  # one row fewer shared: not enough
    assert not _both_sides_digits(ink_left_of(enough), middle, height=10.0)


def test_a_single_row_each_side_is_one_row_tall() -> None:
    mask = np.zeros((10, 20), bool)
    mask[4, 2] = mask[4, 15] = True
    ink_left = ink_left_of(mask)
    path = np.full(10, 10, np.int64)
    assert _both_sides_digits(ink_left, path, height=2.0)  # one row each: half of 2
    assert not _both_sides_digits(ink_left, path, height=2.1)


def test_cheapest_ends_are_spaced_and_stop_at_closed_columns() -> None:
    total = np.array([np.inf, 1.0, 1.5, 0.5, 3.0, 2.0, np.inf], np.float32)
    assert _cheapest_ends(total, spacing=1) == [3, 1, 2, 5, 4]
    assert _cheapest_ends(total, spacing=2) == [3, 1, 5]  # 2 and 4 are next to a chosen end
    assert _cheapest_ends(total, spacing=3) == [3]  # 1 and 5 are within 2 of 3 ...
    # Ties keep their order (stable), and at most CUT_TRIES ends come back.
    assert _cheapest_ends(np.zeros(30, np.float32), spacing=1) == list(range(10))


def test_trace_follows_the_cheapest_steps_back_and_pays_for_diagonals() -> None:
    table = [
        [5.0, 0.0, 5.0, 5.0],
        [5.0, 5.0, 0.0, 5.0],
        [5.0, 5.0, 5.0, 0.0],
    ]
    assert _trace(table, 3, diagonal=0.3).tolist() == [1, 2, 3]
    assert _trace(table, 3, diagonal=0.3).dtype == np.int64
    # A diagonal dearer than the difference it saves: the path stays straight.
    assert _trace(table, 3, diagonal=6.0).tolist() == [3, 3, 3]
    # Equal costs: straight up wins over a diagonal (strictly cheaper only).
    flat = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    assert _trace(flat, 0, diagonal=0.0).tolist() == [0, 0]
    assert _trace(flat, 2, diagonal=0.0).tolist() == [2, 2]
    # A cheaper step to the right is taken too; of two sides both cheaper than straight up,
    # the cheaper one.
    assert _trace([[5.0, 5.0, 0.0], [5.0, 5.0, 5.0]], 1, diagonal=0.3).tolist() == [2, 1]
    assert _trace([[1.0, 5.0, 0.9], [5.0, 5.0, 5.0]], 1, diagonal=0.3).tolist() == [2, 1]
    # Edge columns look only inward.
    edge = [[0.0, 9.0, 9.0], [9.0, 9.0, 9.0], [9.0, 9.0, 9.0]]
    assert _trace(edge, 1, diagonal=0.1).tolist() == [0, 1, 1]


def test_path_totals_add_each_row_to_the_cheapest_of_the_three_above() -> None:
    cost = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.0, 0.0]], np.float32)
    totals = _path_totals(cost, np.float32(0.5))
    np.testing.assert_allclose(totals[0], [1.0, 2.0, 3.0])
    # Straight down, or one column over for 0.5 more.
    np.testing.assert_allclose(totals[1], [1.0 + 4.0, 1.5 + 5.0, 2.5 + 6.0])
    np.testing.assert_allclose(totals[2], [5.0, 5.5, 7.0])


def test_a_cut_with_nothing_on_one_side_is_refused() -> None:
    piece = blob(np.ones((10, 10), bool))
    cut = Cut(piece, np.zeros(10, np.int64), crossed=0)  # everything right of the path
    with pytest.raises(ValueError, match="no ink on one side"):
        _ = cut.left
    assert cut.right.area == 100
    # A path at column c leaves columns < c on the left, c itself on the right.
    cut = Cut(piece, np.full(10, 4, np.int64), crossed=10)
    assert (cut.left.box.width, cut.right.box.width) == (4, 6)
