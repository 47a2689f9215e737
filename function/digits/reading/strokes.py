"""How wide a drawing's strokes are, and thin ones made as wide as the model reads.

MNIST's strokes are two to three pixels wide in its 20x20 fit, and the page's brush (25 on a
280 canvas) gives at least 1.8. A client's own canvas may draw with a much finer pen, and a
thin stroke, shrunk into the field, turns into a faint line one pixel wide or less that the
model reads markedly worse (held-out writers at a 5-pixel brush: 97.9 % against 99.7 % at
the page's). So before the fit, a drawing whose strokes would come out thinner than
MIN_FIELD_STROKE is thickened (a grey dilation) until they would not. Drawings at the
page's brush are never touched: the model reads them exactly as before.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]

# The thinnest stroke the model is given, in pixels of the 20-pixel fit. Chosen on the
# held-out writers drawn with fine pens (docs/model.md, "Fine pens"): thinner strokes read worse,
# and thickening strokes already this wide gained nothing.
MIN_FIELD_STROKE = 1.5


def stroke_width(mask: BoolImage, area: float | None = None) -> float:
    """The typical stroke width in pixels: ink area over the strokes' length.

    A stroke of length L crosses about L rows or L columns, or a mix as it slants: the runs
    of ink along rows and along columns, h and v, give L ~ hypot(h, v). The area is the
    mask's pixels unless given (a float map's summed ink counts antialiased edges in part).
    """
    if not mask.any():
        return 0.0
    along_rows = np.count_nonzero(mask[:, 1:] > mask[:, :-1]) + np.count_nonzero(mask[:, 0])
    along_columns = np.count_nonzero(mask[1:] > mask[:-1]) + np.count_nonzero(mask[0])
    if area is None:
        area = float(np.count_nonzero(mask))
    return area / float(np.hypot(along_rows, along_columns))


def thickened(crop: FloatImage, fit: float, ink_threshold: float) -> FloatImage:
    """The cropped ink with strokes at least MIN_FIELD_STROKE wide once its longer side is
    scaled to ``fit`` pixels; the crop itself (no copy) when they already are. The strokes'
    outline is the ink above ``ink_threshold``."""
    scale = fit / max(crop.shape)
    width = stroke_width(crop > ink_threshold, float(crop.sum()))
    grow = round((MIN_FIELD_STROKE / scale - width) / 2)  # crop pixels on each side of a stroke
    if grow < 1:
        return crop
    return _dilated(np.pad(crop, grow), grow)


def _dilated(ink: FloatImage, radius: int) -> FloatImage:
    """Each pixel the most ink within ``radius`` pixels along rows and columns (a square).

    Separable, and each axis in doubling steps: the most over a window of 2 * radius + 1
    takes about log2 of that many maxima of whole arrays, not one per pixel of the window.
    """
    out = ink
    for axis in (0, 1):
        out = np.moveaxis(_window_max(np.moveaxis(out, axis, 0), radius), 0, axis)
    return np.ascontiguousarray(out)


def _window_max(rows: FloatImage, radius: int) -> FloatImage:
    """Along the first axis, the most of each row and the ``radius`` rows either side."""
    size = rows.shape[0]
    width = 2 * radius + 1
    # reach[i] = max(padded[i : i + span]), the padded rows being zeros beyond the ink.
    padded = np.zeros((size + 2 * radius, *rows.shape[1:]), dtype=rows.dtype)
    padded[radius : radius + size] = rows
    reach, span = padded, 1
    while span < width:
        step = min(span, width - span)
        reach = np.maximum(reach[:-step], reach[step:])
        span += step
    return reach[:size]
