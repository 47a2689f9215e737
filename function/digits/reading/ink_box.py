"""The tight box around a mask's ink: where every crop starts, the reader's and segmentation's.

A stray tap beside a digit would stretch that box and shrink the digit inside the 20x20
fit, moving it off centre too: one dot of the page's pen beside a held-out writer's digit
cost a fifth of them their reading (``make evaluate-pens``, docs/model.md). ``digit_box``, the
reader's box, leaves such specks out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
Box = tuple[slice, slice]
# A canvas holds a digit and a few taps at most: past this many, the ink is left as it is.
MAX_STRAYS = 4
# The blank a speck needs between it and the rest, in specks (3.4 px on the 280 canvas).
# Chosen on the training writers with a tap drawn beside each digit: 0.1 left out more of
# the taps near a digit than 0.25 or 0.5 and read those drawings better, and at none of them
# did a drawing of any evaluation set, pen or MNIST, read differently (docs/model.md).
STRAY_GAP = 0.1


def ink_box(mask: Mask) -> Box | None:
    """The rows and the columns that hold ink, as slices of the mask; None when none do."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def digit_box(mask: Mask, speck: float) -> Box | None:
    """``ink_box`` less the specks at its edges: ink smaller than `speck` pixels each way,
    with blank rows or columns (STRAY_GAP of a speck at least) between it and ink at least
    `speck` big.

    Only whole blank rows or columns set a speck apart, so no blobs are labelled: the box
    comes from the two projections ``ink_box`` takes anyway, and a speck costs two more.
    """
    rows, cols = slice(0, mask.shape[0]), slice(0, mask.shape[1])
    for strays in range(MAX_STRAYS + 1):
        region = mask[rows, cols]
        inked_rows, inked_cols = (
            np.flatnonzero(region.any(axis=1)),
            np.flatnonzero(region.any(axis=0)),
        )
        if inked_rows.size == 0:
            return None
        rest = _rest_past_a_stray(region, (inked_rows, inked_cols), speck)
        if rest is None or strays == MAX_STRAYS:
            return (
                slice(rows.start + int(inked_rows[0]), rows.start + int(inked_rows[-1]) + 1),
                slice(cols.start + int(inked_cols[0]), cols.start + int(inked_cols[-1]) + 1),
            )
        axis, kept = rest
        if axis == 0:
            rows = slice(rows.start + kept.start, rows.start + kept.stop)
        else:
            cols = slice(cols.start + kept.start, cols.start + kept.stop)
    raise AssertionError("unreachable: the last round returns")  # pragma: no cover


def _rest_past_a_stray(
    region: Mask, inked: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]], speck: float
) -> tuple[int, slice] | None:
    """(axis, the lines of the region that keep the rest) when a stray sits at one end of the
    region's rows (axis 0) or columns (axis 1); None when there is none."""
    for axis, lines in enumerate(inked):
        blank = np.diff(lines) - 1  # blank lines between each inked line and the next
        breaks = np.flatnonzero(blank >= max(1.0, STRAY_GAP * speck))
        if breaks.size == 0:
            continue
        first, last = breaks[0], breaks[-1]
        for stray, rest in (
            (lines[: first + 1], lines[first + 1 :]),  # a stray before the first break
            (lines[last + 1 :], lines[: last + 1]),  # or after the last
        ):
            if _extent(region, axis, stray) < speck <= _extent(region, axis, rest):
                return axis, slice(int(rest[0]), int(rest[-1]) + 1)
    return None


def _extent(region: Mask, axis: int, lines: npt.NDArray[np.intp]) -> int:
    """The longer side of the ink box of the region's inked `lines` (rows on axis 0)."""
    along = int(lines[-1] - lines[0] + 1)
    band = slice(int(lines[0]), int(lines[-1]) + 1)
    across = np.flatnonzero((region[band] if axis == 0 else region[:, band]).any(axis=axis))
    return max(along, int(across[-1] - across[0] + 1))
