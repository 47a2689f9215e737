"""The tight box around a mask's ink: where every crop starts, the reader's and segmentation's."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def ink_box(mask: npt.NDArray[np.bool_]) -> tuple[slice, slice] | None:
    """The rows and the columns that hold ink, as slices of the mask; None when none do."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)
