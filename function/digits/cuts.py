"""Where to cut a blob of ink that may be two touching digits.

A cut is a path from the blob's top row to its bottom one that crosses as little
ink as it can (dynamic programming over the rows, one column step per row at most),
keeps to the middle of the blob, and leaves on each side something as tall as a
digit that shares most of its rows with the other side. Whether to make a cut is
the caller's decision (digits.segment); this module only finds the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from digits.components import BoolImage, Component, Ints

# Cuts run within the middle of a blob, leaving this fraction of its width each side.
CUT_BAND = 0.1
CUT_ROWS = 64  # the search's resolution, in rows
# Extra cost of a diagonal step, in ink pixels: keeps cuts straight.
DIAGONAL = 0.3
# A cut must leave pieces at least this tall (in digit heights) on either side,
# sharing at least this fraction of the shorter one's rows.
CUT_MIN_HEIGHT = 0.5
CUT_SHARED_ROWS = 0.6
CUT_CANDIDATES = 3  # at most this many cuts per blob, cheapest first


@dataclass(frozen=True)
class Cut:
    left: Component
    right: Component
    crossed: int  # ink pixels the cut runs through


def find_cuts(blob: Component, height: float) -> list[Cut]:
    """Up to CUT_CANDIDATES ways to cut the blob in two, cheapest first.

    Each cut is a path from the top row to the bottom one, moving at most one column
    per row, that crosses the least ink (dynamic programming over the rows); it keeps
    to the middle of the blob, and must leave a digit's height on either side.
    The search runs on the mask shrunk to about CUT_ROWS rows: cuts need no finer
    precision than that, and the row loop is the cost.
    """
    step = max(1, blob.mask.shape[0] // CUT_ROWS)
    rows, columns = blob.mask.shape[0] // step, blob.mask.shape[1] // step
    if rows < 2 or columns < 4:
        return []
    # Ink crossed per cell of the shrunk grid, in original pixels (rows crossed).
    cells = blob.mask[: rows * step, : columns * step].reshape(rows, step, columns, step)
    cost = cells.mean(axis=(1, 3), dtype=np.float32) * np.float32(step)
    low, high = int(CUT_BAND * columns), int(np.ceil((1 - CUT_BAND) * columns))
    # Columns outside the band are closed off rather than cut away, so paths keep
    # the blob's coordinates.
    cost[:, :low] = np.inf
    cost[:, high:] = np.inf
    totals = np.empty_like(cost)
    totals[0] = cost[0]
    moves = np.zeros(cost.shape, dtype=np.int8)  # the column step into each cell
    diagonal = np.float32(DIAGONAL * step)
    for row in range(1, rows):
        above, best, move = totals[row - 1], totals[row], moves[row]
        best[:] = above
        from_left = above[:-1] + diagonal
        better = from_left < best[1:]
        best[1:][better] = from_left[better]
        move[1:][better] = 1
        from_right = above[1:] + diagonal
        better = from_right < best[:-1]
        best[:-1][better] = from_right[better]
        move[:-1][better] = -1
        best += cost[row]
    cuts: list[Cut] = []
    for end in _cheapest_ends(totals[-1], max(2, columns // 10)):
        coarse = np.empty(rows, dtype=np.int64)
        column = end
        for row in range(rows - 1, -1, -1):
            coarse[row] = column
            column -= int(moves[row, column])
        path = _refined(blob.mask, coarse, step)
        halves = _halves(blob, path, height)
        if halves is not None and all(halves[0].box != cut.left.box for cut in cuts):
            # The ink the cut crosses, counted at full resolution.
            crossed = int(blob.mask[np.arange(path.size), path].sum())
            cuts.append(Cut(*halves, crossed))
            if len(cuts) == CUT_CANDIDATES:
                break
    return cuts


def _refined(mask: BoolImage, coarse: Ints, step: int) -> Ints:
    """A path through the shrunk grid at full resolution: in each band of `step` rows,
    the column within the grid cell that crosses the least ink."""
    rows = coarse.size
    columns = coarse[:, None] * step + np.arange(step)[None, :]  # (rows, step)
    bands = mask[: rows * step, : mask.shape[1] // step * step].reshape(rows, step, -1)
    picked = np.take_along_axis(bands, np.broadcast_to(columns[:, None, :], (rows, step, step)), 2)
    # Ties go to the cell's middle column.
    crossed = picked.sum(axis=1) + np.abs(np.arange(step) - step // 2) * 1e-3
    path = np.repeat(columns[np.arange(rows), crossed.argmin(axis=1)], step)
    return np.pad(path, (0, mask.shape[0] - path.size), mode="edge")


def _cheapest_ends(total: npt.NDArray[np.float32], spacing: int) -> list[int]:
    """Ends of the cheapest paths, at least `spacing` columns apart, cheapest first."""
    chosen: list[int] = []
    for column in np.argsort(total, kind="stable").tolist():
        if not np.isfinite(total[column]) or len(chosen) == CUT_CANDIDATES + 2:
            break
        if all(abs(column - other) >= spacing for other in chosen):
            chosen.append(int(column))
    return chosen


def _halves(blob: Component, path: Ints, height: float) -> tuple[Component, Component] | None:
    """The blob's ink left and right of the path, if both sides can be digits."""
    left_side = np.arange(blob.mask.shape[1])[None, :] < path[:, None]
    left, right = blob.part(blob.mask & left_side), blob.part(blob.mask & ~left_side)
    if left is None or right is None:
        return None
    shorter = min(left.box.height, right.box.height)
    if shorter < CUT_MIN_HEIGHT * height:
        return None
    # Digits side by side share most of their rows; the halves of one slanted
    # stroke cut across do not.
    if (
        min(left.box.bottom, right.box.bottom) - max(left.box.top, right.box.top)
        < CUT_SHARED_ROWS * shorter
    ):
        return None
    return left, right


def stroke_width(mask: BoolImage) -> float:
    """The typical stroke width: per ink pixel, the shorter of its row and column runs."""
    shorter = np.minimum(_run_lengths(mask), _run_lengths(mask.T).T)[mask]
    return float(np.median(shorter)) if shorter.size else 0.0


def _run_lengths(mask: BoolImage) -> npt.NDArray[np.int64]:
    """Per pixel, the length of the horizontal run of ink it is part of (0 off ink)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.bool_)
    padded[:, 1:-1] = mask
    line = padded.ravel()
    changes = np.flatnonzero(line[1:] != line[:-1]) + 1
    starts, stops = changes[0::2], changes[1::2]
    # +length where a run starts, -length where it stops, summed along the line.
    steps = np.zeros(line.size + 1, dtype=np.int64)
    steps[starts] = stops - starts
    steps[stops] -= stops - starts
    lengths: npt.NDArray[np.int64] = np.cumsum(steps)[:-1].reshape(height, width + 2)[:, 1:-1]
    return lengths
