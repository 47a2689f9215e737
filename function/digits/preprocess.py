"""Any drawing of a digit -> the 28x28 MNIST-style array the model reads.

This is the one preprocessing function: serving calls it on every request and
training calls it on every (augmented) MNIST digit, so both see the same inputs.

The steps mirror how MNIST itself was made: ink on a plain background, cropped to
its bounding box, fitted into 20x20 with area-averaging antialiasing, then placed
in a 28x28 field so that the centre of mass sits at MNIST's mean centre.

Cost does not grow with the canvas: an image at least twice WORKING_SIDE on its
shorter side is first brought down by an integer area average (Pillow's reduce, on
8-bit gray), so the float work never sees more than about (2 x WORKING_SIDE)^2
pixels. The page's 280x280 canvas is never reduced: the model reads what it was
trained on, to the bit.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.errors import EmptyCanvas

FloatImage = npt.NDArray[np.float32]

SIZE = 28  # side of the model's input
FIT = 20  # the digit's longer side inside that field, as in MNIST
# MNIST's mean centre of mass, measured on its 60k training digits, in continuous
# pixel coordinates (pixel i spans [i, i+1)).
CENTRE = 14.5
# A pixel counts as ink for the bounding box above this fraction of full contrast,
# so antialiasing halos and JPEG ringing do not widen the box.
INK_THRESHOLD = 0.25
# Less contrast than this (of 255) between the darkest stroke and the background
# is paper texture or compression noise, not a drawing.
MIN_CONTRAST = 40.0
# Ink whose bounding box spans less than this fraction of the image's shorter side
# is a speck or a tap, not a digit (a brush-25 dot on a 280 canvas spans 25 px).
MIN_EXTENT = 0.12
# Images whose shorter side is at least twice this are reduced by an integer factor
# before any float work. The digit ends up in 20x20 pixels: a 280-pixel drawing holds
# over ten times the detail that needs, a 560-pixel one (a 2x screen) twenty.
WORKING_SIDE = 280
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def preprocess(image: Image.Image) -> FloatImage:
    """Return a (28, 28) float32 array in [0, 1], ink = 1, or raise EmptyCanvas."""
    ink = ink_map(image)
    rows, cols = ink_bounds(ink)
    return fit_and_centre(ink[rows, cols])


def ink_map(image: Image.Image) -> FloatImage:
    """Ink intensity in [0, 1], whatever the mode, alpha and polarity, per pixel of the
    image reduced by ``working_scale(image.size)`` (its own pixels when that is 1)."""
    gray, alpha = _gray_and_alpha(image, working_scale(image.size))
    ink = _ink_from_gray(gray)
    if ink is None and alpha is not None:
        # Light strokes on a transparent, never-filled canvas vanish on white:
        # then the alpha channel itself is the drawing.
        ink = _ink_from_gray(255.0 - alpha)
    if ink is None:
        raise EmptyCanvas("no ink")
    return ink


def working_scale(size: tuple[int, int]) -> int:
    """The integer factor an image of this (width, height) is reduced by (1: not at all)."""
    return max(1, min(size) // WORKING_SIDE)


def ink_bounds(ink: FloatImage) -> tuple[slice, slice]:
    """Bounding box of the ink as slices, or EmptyCanvas for a speck."""
    mask = ink > INK_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise EmptyCanvas("no ink")
    height = int(rows[-1] - rows[0] + 1)
    width = int(cols[-1] - cols[0] + 1)
    if max(height, width) < MIN_EXTENT * min(ink.shape):
        raise EmptyCanvas("speck")
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def fit_and_centre(crop: FloatImage) -> FloatImage:
    """Scale the cropped ink into 20x20 and put its centre of mass at MNIST's."""
    height, width = crop.shape
    scale = FIT / max(height, width)
    # Centre of mass of the crop, continuous coordinates, mapped into the field.
    mass = float(crop.sum())
    centre_y = float(crop.sum(axis=1) @ (np.arange(height) + 0.5)) / mass
    centre_x = float(crop.sum(axis=0) @ (np.arange(width) + 0.5)) / mass
    # The 28x28 field seen in crop coordinates: one area-averaging resize of that
    # window places the digit with a sub-pixel shift, no second interpolation.
    y0 = centre_y - CENTRE / scale
    x0 = centre_x - CENTRE / scale
    span = SIZE / scale
    pad_top, pad_left = _pad_before(y0), _pad_before(x0)
    pad_bottom = max(0, math.ceil(y0 + span - height))
    pad_right = max(0, math.ceil(x0 + span - width))
    padded = np.pad(crop, ((pad_top, pad_bottom), (pad_left, pad_right)))
    window = (x0 + pad_left, y0 + pad_top, x0 + pad_left + span, y0 + pad_top + span)
    field = Image.fromarray(padded, mode="F").resize((SIZE, SIZE), Image.Resampling.BOX, box=window)
    return np.clip(np.asarray(field, dtype=np.float32), 0.0, 1.0)


def _pad_before(start: float) -> int:
    return max(0, math.ceil(-start))


def _gray_and_alpha(image: Image.Image, scale: int) -> tuple[FloatImage, FloatImage | None]:
    """Luminance 0-255 composited on white, and the alpha channel if there is one, both
    reduced ``scale`` times."""
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode.startswith("I") or mode == "F":
        values = _reduced(np.asarray(image, dtype=np.float32), scale)
        # 16-bit data (PNG 16-bit grey opens as I;16 or I) spans 0..65535.
        peak = 65535.0 if float(values.max(initial=0.0)) > 255.0 else 255.0
        return np.clip(values * (255.0 / peak), 0.0, 255.0), None
    if mode in _ALPHA_MODES and _lowest_alpha(image) < 255:
        luminance_alpha = np.asarray(image.convert("LA"), dtype=np.float32)
        gray, alpha = luminance_alpha[..., 0], luminance_alpha[..., 1]
        opacity = alpha / 255.0
        # Composited, then reduced: averaging first would darken the edges of
        # coloured strokes on a transparent canvas.
        composited = gray * opacity + 255.0 * (1.0 - opacity)
        return _reduced(composited, scale), _reduced(alpha, scale)
    # Opaque, like the page's white-filled canvas (its PNG is still RGBA, alpha 255
    # everywhere): compositing on white changes nothing, so luminance alone, reduced
    # while it is 8-bit: several times cheaper than in floats.
    gray_image = image.convert("L")
    if scale > 1:
        gray_image = gray_image.reduce(scale)
    return np.asarray(gray_image, dtype=np.float32), None


def _lowest_alpha(image: Image.Image) -> int:
    # numpy's vectorised min: half the time of Pillow's getextrema on a big canvas.
    return int(np.asarray(image.getchannel(len(image.getbands()) - 1)).min())


def _reduced(values: FloatImage, scale: int) -> FloatImage:
    """The area average over scale x scale blocks (partial blocks at the edges)."""
    if scale == 1:
        return values
    return np.asarray(Image.fromarray(values, mode="F").reduce(scale), dtype=np.float32)


def _ink_from_gray(gray: FloatImage) -> FloatImage | None:
    """Ink relative to the background (the border's median), or None if blank."""
    border = np.sort(np.concatenate((gray[0], gray[-1], gray[:, 0], gray[:, -1])))
    # The median, as np.median computes it; np.median itself imports numpy.ma on first
    # use, 12 ms of the first request after a cold start.
    background = float(border[[(border.size - 1) // 2, border.size // 2]].mean())
    # Dark background: white (or light) ink on black, as in MNIST itself.
    contrast = gray - background if background < 128.0 else background - gray
    peak = float(contrast.max(initial=0.0))
    if peak < MIN_CONTRAST:
        return None
    # In place: this runs on every (working) pixel of every request.
    contrast *= 1.0 / peak
    ink: FloatImage = np.clip(contrast, 0.0, 1.0, out=contrast)
    return ink
