"""How wide a drawing's strokes are, and strokes brought into the band the model reads.

MNIST's strokes are two to three pixels wide in its 20x20 fit, and the page's brush (25 on a
280 canvas) gives at least 1.8. Two kinds of drawing fall outside what training shows:

- a client's own canvas may draw with a much finer pen, and a thin stroke, shrunk into the
  field, turns into a faint line one pixel wide or less (held-out writers at a 5-pixel
  brush: 97.9 % against 99.7 % at the page's);
- a digit drawn small with the page's brush keeps the brush's width while the digit shrinks,
  and its strokes fill the field as thick bars (held-out writers drawn 50 to 90 pixels tall:
  95.5 %, ones and nines worst).

So before the fit, strokes that would come out thinner than MIN_FIELD_STROKE are thickened
(a grey dilation, by whole pixels of the crop) and strokes wider than MAX_FIELD_STROKE thinned
(a grey erosion, by whole pixels and a blend for the fraction), until they would not. A digit
drawn 150 pixels or taller with the page's pen is never touched.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.reading.ink_box import ink_box

FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]

# The thinnest and widest strokes the model is given, in pixels of the 20-pixel fit. Chosen
# on the held-out writers (docs/model.md, "Fine pens" and "Small digits"): thinner strokes read
# worse, and thickening strokes already this wide gained nothing; thinning to 5 read the small
# digits best (4.5 and 5.5 less well) and the writers' usual drawings no worse.
MIN_FIELD_STROKE = 1.5
MAX_FIELD_STROKE = 5.0


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


def within_stroke_band(crop: FloatImage, fit: float, ink_threshold: float) -> FloatImage:
    """The cropped ink with strokes from MIN_FIELD_STROKE to MAX_FIELD_STROKE wide once its
    longer side is scaled to ``fit`` pixels; the crop itself (no copy) when they already are.
    The strokes' outline is the ink above ``ink_threshold``. A thinned crop is cropped again
    to its ink, which the erosion moved in from every side."""
    scale = fit / max(crop.shape)
    width = stroke_width(crop > ink_threshold, float(crop.sum()))
    # Crop pixels to add or take on each side of a stroke.
    grow = round((MIN_FIELD_STROKE / scale - width) / 2)
    if grow >= 1:
        return _filtered(np.pad(crop, grow), grow, np.maximum)
    if width * scale <= MAX_FIELD_STROKE:
        return crop
    # Aimed at the box as drawn: the erosion takes from the box too, and the fit scales the
    # smaller box up, so the strokes come out somewhat wider than MAX_FIELD_STROKE (which
    # read the held-out writers' small digits better than aiming at the box thinned).
    shrink = (width - MAX_FIELD_STROKE / scale) / 2  # > 0, the strokes being too wide
    # Whole pixels, then the fraction as a blend with one pixel more: the result moves
    # smoothly with the stroke's width, so two renderings of a drawing that differ along the
    # edges (Chromium's and training's painters) are thinned alike, never a pixel apart.
    whole = int(shrink)
    thinned = _filtered(crop, whole, np.minimum) if whole else crop
    more = _filtered(thinned, 1, np.minimum)
    part = np.float32(shrink - whole)
    thinned = thinned * (1 - part) + more * part
    box = ink_box(thinned > ink_threshold)
    if box is None:  # never for a stroke wider than the erosion takes; kept as it was
        return crop
    return np.ascontiguousarray(thinned[box])


def _filtered(ink: FloatImage, radius: int, keep: np.ufunc) -> FloatImage:
    """Each pixel the most (np.maximum: a dilation) or least (np.minimum: an erosion) ink
    within ``radius`` pixels along rows and columns (a square); beyond the crop is blank.

    Separable, and each axis in doubling steps: the most over a window of 2 * radius + 1
    takes about log2 of that many maxima of whole arrays, not one per pixel of the window.
    """
    out = ink
    for axis in (0, 1):
        out = np.moveaxis(_window(np.moveaxis(out, axis, 0), radius, keep), 0, axis)
    return np.ascontiguousarray(out)


def _window(rows: FloatImage, radius: int, keep: np.ufunc) -> FloatImage:
    """Along the first axis, keep() of each row and the ``radius`` rows either side."""
    size = rows.shape[0]
    width = 2 * radius + 1
    # reach[i] = keep(padded[i : i + span]), the padded rows being blank beyond the ink.
    padded = np.zeros((size + 2 * radius, *rows.shape[1:]), dtype=rows.dtype)
    padded[radius : radius + size] = rows
    reach, span = padded, 1
    while span < width:
        step = min(span, width - span)
        reach = keep(reach[:-step], reach[step:])
        span += step
    out: FloatImage = reach[:size]
    return out
