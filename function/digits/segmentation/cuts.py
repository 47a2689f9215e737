"""Where to cut a blob of ink that may be two touching digits.

A cut is a path from the blob's top row to its bottom one that crosses as little
ink as it can (dynamic programming over the rows, one column step per row at most),
keeps to the middle of the blob, and leaves on each side something as tall as a
digit that shares most of its rows with the other side. Whether to make a cut is
the caller's decision (digits.segmentation.segment); this module only finds the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from digits.segmentation.components import Component, Ints

# Cuts run within the middle of a blob, leaving this fraction of its width each side.
CUT_BAND = 0.1
CUT_ROWS = 64  # the search's resolution, in rows
# Extra cost of a diagonal step, in ink pixels: keeps cuts straight.
DIAGONAL = 0.3
# A cut must leave pieces at least this tall (in digit heights) on either side,
# sharing at least this fraction of the shorter one's rows.
CUT_MIN_HEIGHT = 0.5
CUT_SHARED_ROWS = 0.6
CUT_CANDIDATES = 3  # cuts returned per blob, in the order found (cheapest path first)
# Paths tried for them: the cheapest often just clip the end of a stroke off.
CUT_TRIES = 10


@dataclass(frozen=True, eq=False)  # arrays do not compare as one truth value
class Cut:
    """A path through a blob, one column per pixel row: ink left of it, and the rest."""

    blob: Component
    path: Ints  # per row of the blob's box, the first column right of the cut
    crossed: int  # ink pixels the cut runs through

    @cached_property
    def left(self) -> Component:
        return self._side(left=True)

    @cached_property
    def right(self) -> Component:
        return self._side(left=False)

    def _side(self, left: bool) -> Component:
        mask = self.blob.mask
        left_of_path = np.arange(mask.shape[1])[None, :] < self.path[:, None]
        part = self.blob.part(mask & (left_of_path if left else ~left_of_path))
        if part is None:  # find_cuts only makes cuts with ink on both sides
            raise ValueError("a cut with no ink on one side")
        return part


def find_cuts(blob: Component, height: float) -> list[Cut]:
    """Up to CUT_CANDIDATES ways to cut the blob in two, cheapest first.

    The search runs on a grid of about CUT_ROWS rows (bands of `step` pixel rows and
    `step` columns per cell): the row loop is its cost and cuts need no finer
    steps. Each path found is then placed at full resolution, in every band on the
    column of its cell that crosses the least ink.
    """
    mask = blob.mask
    step = max(1, mask.shape[0] // CUT_ROWS)
    rows, columns = mask.shape[0] // step, mask.shape[1] // step
    if rows < 2 or columns < 4:
        return []
    # Ink per pixel column within each band of rows: what a cut through it crosses.
    band_ink = mask[: rows * step].reshape(rows, step, -1).sum(axis=1, dtype=np.int32)
    cells = band_ink[:, : columns * step].reshape(rows, columns, step)
    cost = cells.mean(axis=2, dtype=np.float32)
    low, high = int(CUT_BAND * columns), int(np.ceil((1 - CUT_BAND) * columns))
    # Columns outside the band are closed off rather than cut away, so paths keep
    # the blob's coordinates.
    cost[:, :low] = np.inf
    cost[:, high:] = np.inf
    totals = _path_totals(cost, np.float32(DIAGONAL * step))
    # Per pixel row, the ink left of each column: tells each side's rows at once.
    ink_left = np.zeros((mask.shape[0], mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=ink_left[:, 1:])
    table = totals.tolist()
    cuts: list[Cut] = []
    for end in _cheapest_ends(totals[-1], max(2, columns // 10)):
        coarse = _trace(table, end, float(DIAGONAL * step))
        path, crossed = _placed(cells, coarse, step, mask.shape[0])
        if not _both_sides_digits(ink_left, path, height):
            continue
        if any(np.array_equal(path, cut.path) for cut in cuts):
            continue  # two ends, one path
        crossed += int(np.count_nonzero(mask[rows * step :, path[-1]]))
        cuts.append(Cut(blob, path, crossed))
        if len(cuts) == CUT_CANDIDATES:
            break
    return cuts


def _path_totals(cost: npt.NDArray[np.float32], diagonal: np.float32) -> npt.NDArray[np.float32]:
    """Cost of the cheapest path from the top row to each cell (dynamic programming)."""
    totals = np.empty_like(cost)
    totals[0] = cost[0]
    for row in range(1, cost.shape[0]):
        above, best = totals[row - 1], totals[row]
        best[:] = above
        np.minimum(best[1:], above[:-1] + diagonal, out=best[1:])
        np.minimum(best[:-1], above[1:] + diagonal, out=best[:-1])
        best += cost[row]
    return totals


def _trace(table: list[list[float]], end: int, diagonal: float) -> Ints:
    """The columns of the cheapest path ending at `end`, top row first (in plain
    Python: a few paths of CUT_ROWS steps are cheaper so than as arrays)."""
    columns = len(table[0])
    trail = [end]
    for row in range(len(table) - 1, 0, -1):
        here, above = trail[-1], table[row - 1]
        came_from, least = here, above[here]
        for side in (here - 1, here + 1):
            if 0 <= side < columns and above[side] + diagonal < least:
                came_from, least = side, above[side] + diagonal
        trail.append(came_from)
    return np.asarray(trail[::-1], dtype=np.int64)


def _placed(cells: npt.NDArray[np.int32], coarse: Ints, step: int, height: int) -> tuple[Ints, int]:
    """The path at full resolution and the ink it crosses in its bands."""
    rows = coarse.size
    candidates = coarse[:, None] * step + np.arange(step)[None, :]  # (rows, step)
    ink = cells[np.arange(rows), coarse]  # (rows, step): each candidate column's ink
    # Ties go to the cell's middle column.
    best = (ink + np.abs(np.arange(step) - step // 2) * 1e-3).argmin(axis=1)
    path = np.empty(height, dtype=np.int64)
    path[: rows * step] = np.repeat(candidates[np.arange(rows), best], step)
    path[rows * step :] = path[rows * step - 1]  # the last rows, below the grid
    return path, int(ink[np.arange(rows), best].sum())


def _both_sides_digits(ink_left: npt.NDArray[np.int32], path: Ints, height: float) -> bool:
    """Whether the ink each side of the path is as tall as a digit and the two sides
    share most of their rows (the halves of one slanted stroke cut across do not)."""
    rows = np.arange(path.size)
    before = ink_left[rows, path]
    left_rows = np.flatnonzero(before > 0)
    right_rows = np.flatnonzero(ink_left[:, -1] - before > 0)
    if left_rows.size == 0 or right_rows.size == 0:
        return False
    left_height = int(left_rows[-1] - left_rows[0]) + 1
    right_height = int(right_rows[-1] - right_rows[0]) + 1
    shorter = min(left_height, right_height)
    shared = min(left_rows[-1], right_rows[-1]) - max(left_rows[0], right_rows[0]) + 1
    return shorter >= CUT_MIN_HEIGHT * height and shared >= CUT_SHARED_ROWS * shorter


def _cheapest_ends(total: npt.NDArray[np.float32], spacing: int) -> list[int]:
    """Ends of the cheapest paths, at least `spacing` columns apart, cheapest first."""
    chosen: list[int] = []
    for column in np.argsort(total, kind="stable").tolist():
        if not np.isfinite(total[column]) or len(chosen) == CUT_TRIES:
            break
        if all(abs(column - other) >= spacing for other in chosen):
            chosen.append(int(column))
    return chosen
