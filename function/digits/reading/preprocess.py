"""Any drawing of a digit -> the 28x28 MNIST-style array the model reads.

This is the one preprocessing function: serving calls it on every request and
training calls it on every (augmented) MNIST digit, so both see the same inputs.

The steps mirror how MNIST itself was made: ink on a plain background, cropped to
its bounding box, fitted into 20x20 with area-averaging antialiasing, then placed
in a 28x28 field so that the centre of mass sits at MNIST's mean centre.

Cost does not grow with the canvas: an image at least twice WORKING_SIDE on its
shorter side is first brought down by an integer area average (Pillow's reduce, on
8-bit gray): past decoding, a large canvas costs about what a small one does. The
page's 280x280 canvas is never reduced: the model reads what it was trained on, to
the bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.errors import EmptyCanvas
from digits.reading.ink_box import digit_box
from digits.reading.strokes import within_stroke_band

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
# before any float work. The digit ends up in 20x20 pixels, and a digit drawn in a
# 200-pixel square is already some 7 times that; the page's 280-pixel canvas is never
# reduced (what the model was trained on), a 400-pixel one is halved, 560 (a 2x
# screen) too. Measured: the 28x28 moves by 0.004 on average, no answer changes.
WORKING_SIDE = 200
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_LEVELS = np.arange(256, dtype=np.uint8)
Gray = npt.NDArray[np.uint8] | FloatImage  # luminance 0-255


@dataclass(frozen=True)
class Placement:
    """Where the digit goes in the 28x28 field, relative to MNIST's normalisation.

    Serving always uses EXACT. Training may draw small departures from it, so the model
    learns digits placed a little off MNIST's exact fit and centre (training.dataset).
    """

    scale: float = 1.0  # times the 20-pixel fit
    shift_x: float = 0.0  # field pixels, from the centre of mass's place
    shift_y: float = 0.0


EXACT = Placement()


def preprocess(image: Image.Image, placement: Placement = EXACT) -> FloatImage:
    """Return a (28, 28) float32 array in [0, 1], ink = 1, or raise EmptyCanvas."""
    ink = find_ink(image)
    rows, cols = ink.bounds()
    return fit_and_centre(ink.crop(rows, cols), placement)


def ink_map(image: Image.Image) -> FloatImage:
    """The whole ink map in floats (segmentation, evaluation): ``find_ink(image).full``."""
    return find_ink(image).full


def find_ink(image: Image.Image) -> Ink:
    """The ink of any drawing, whatever the mode, alpha and polarity, at the working
    size (``working_scale``), or EmptyCanvas when nothing stands out from the paper."""
    scale = working_scale(image.size)
    gray, alpha = _gray_and_alpha(image, scale)
    ink = Ink.of(gray, scale)
    if ink is None and alpha is not None:
        # Light strokes on a transparent, never-filled canvas vanish on white:
        # then the alpha channel itself is the drawing.
        ink = Ink.of(255.0 - alpha, scale)
    if ink is None:
        raise EmptyCanvas("no ink")
    return ink


def working_scale(size: tuple[int, int]) -> int:
    """The integer factor an image of this (width, height) is reduced by (1: not at all)."""
    return max(1, min(size) // WORKING_SIDE)


class Ink:
    """Ink intensity in [0, 1] per working pixel: the contrast with the paper (the
    border's median), scaled to the strongest stroke.

    Only the digit's box is ever needed in floats, so the grey image is kept as it came
    (8-bit for every common mode) and turned into ink where it is read: ``crop`` equals
    ``full[rows, cols]`` bit for bit, and for 8-bit grey the ink mask is one integer
    comparison: on the page's canvas, a fraction of the float work a whole map costs.
    """

    def __init__(self, gray: Gray, background: float, peak: float, scale: int = 1) -> None:
        self.gray = gray
        self.size = gray.size  # working pixels: what segmentation's cost grows with
        self.scale = scale  # how many times the image was reduced to make this map
        self._background = background
        self._dark = _dark_paper(background)
        self._per_contrast = 1.0 / peak

    @classmethod
    def of(cls, gray: Gray, scale: int = 1) -> Ink | None:
        """The ink of a grey image (reduced ``scale`` times from the drawing), or None
        when its contrast is below MIN_CONTRAST."""
        border = np.sort(np.concatenate((gray[0], gray[-1], gray[:, 0], gray[:, -1])))
        # The median, as np.median computes it; np.median itself imports numpy.ma on
        # first use, 12 ms of the first request after a cold start.
        middle = border[[(border.size - 1) // 2, border.size // 2]].astype(np.float32)
        background = float(middle.mean())
        dark = _dark_paper(background)
        if gray.dtype == np.uint8:
            # The strongest stroke is the lightest (darkest) level, in float32 as the
            # per-pixel contrast computes it.
            paper = np.float32(background)
            peak = float(np.float32(gray.max()) - paper if dark else paper - np.float32(gray.min()))
        else:
            contrast = gray - background if dark else background - gray
            peak = float(contrast.max(initial=0.0))
        return cls(gray, background, peak, scale) if peak >= MIN_CONTRAST else None

    def crop(self, rows: slice, cols: slice) -> FloatImage:
        return self._ink(self.gray[rows, cols])

    @cached_property
    def full(self) -> FloatImage:
        return self._ink(self.gray)

    @cached_property
    def mask(self) -> npt.NDArray[np.bool_]:
        """Where the ink is over INK_THRESHOLD: what the bounding box is made of."""
        if self.gray.dtype != np.uint8:
            return self.full > INK_THRESHOLD
        # The same test on the 256 levels, then by level: ink falls with the grey level
        # on light paper (rises on dark), so the levels that pass are a prefix (suffix).
        passing = int(np.count_nonzero(self._ink(_LEVELS) > INK_THRESHOLD))
        return self.gray >= 256 - passing if self._dark else self.gray < passing

    def bounds(self) -> tuple[slice, slice]:
        """Bounding box of the ink as slices, or EmptyCanvas for a speck."""
        return _bounds(self.mask)

    def _ink(self, gray: Gray) -> FloatImage:
        values = gray.astype(np.float32, copy=False)
        contrast = values - self._background if self._dark else self._background - values
        # In place, and only on what is read.
        contrast *= self._per_contrast
        ink: FloatImage = np.clip(contrast, 0.0, 1.0, out=contrast)
        return ink


def _dark_paper(background: float) -> bool:
    """Light ink on a dark ground, as in MNIST itself."""
    return background < 128.0


def ink_bounds(ink: FloatImage) -> tuple[slice, slice]:
    """Bounding box of a float ink map's ink as slices, or EmptyCanvas for a speck."""
    return _bounds(ink > INK_THRESHOLD)


def _bounds(mask: npt.NDArray[np.bool_]) -> tuple[slice, slice]:
    speck = MIN_EXTENT * min(mask.shape)
    box = digit_box(mask, speck)
    if box is None:
        raise EmptyCanvas("no ink")
    rows, cols = box
    if max(rows.stop - rows.start, cols.stop - cols.start) < speck:
        raise EmptyCanvas("speck")
    return box


def fit_and_centre(crop: FloatImage, placement: Placement = EXACT) -> FloatImage:
    """Scale the cropped ink into 20x20 and put its centre of mass at MNIST's; strokes
    too fine or too wide for the field are thickened or thinned first
    (digits.reading.strokes)."""
    crop = within_stroke_band(crop, FIT * placement.scale, INK_THRESHOLD)
    height, width = crop.shape
    scale = FIT * placement.scale / max(height, width)
    # Centre of mass of the crop, continuous coordinates, mapped into the field.
    mass = float(crop.sum())
    centre_y = float(crop.sum(axis=1) @ (np.arange(height) + 0.5)) / mass
    centre_x = float(crop.sum(axis=0) @ (np.arange(width) + 0.5)) / mass
    # The 28x28 field seen in crop coordinates: one area-averaging resize of that
    # window places the digit with a sub-pixel shift, no second interpolation. The
    # window reaches past the crop: the crop is pasted onto zeros the window's size
    # (Image.crop would do the same, but checks the window against the decode limit).
    y0 = centre_y - (CENTRE + placement.shift_y) / scale
    x0 = centre_x - (CENTRE + placement.shift_x) / scale
    span = SIZE / scale
    left, top = math.floor(x0), math.floor(y0)
    window = Image.new("F", (math.ceil(x0 + span) - left, math.ceil(y0 + span) - top))
    window.paste(Image.fromarray(crop, mode="F"), (-left, -top))
    box = (x0 - left, y0 - top, x0 - left + span, y0 - top + span)
    field = window.resize((SIZE, SIZE), Image.Resampling.BOX, box=box)
    return np.clip(np.asarray(field, dtype=np.float32), 0.0, 1.0)


def _gray_and_alpha(image: Image.Image, scale: int) -> tuple[Gray, FloatImage | None]:
    """Luminance 0-255 composited on white, and the alpha channel if there is one, both
    reduced ``scale`` times; 8-bit unless compositing or the mode needs floats."""
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
    return np.asarray(gray_image), None


def _lowest_alpha(image: Image.Image) -> int:
    # numpy's vectorised min: half the time of Pillow's getextrema on a big canvas.
    return int(np.asarray(image.getchannel(len(image.getbands()) - 1)).min())


def _reduced(values: FloatImage, scale: int) -> FloatImage:
    """The area average over scale x scale blocks (partial blocks at the edges)."""
    if scale == 1:
        return values
    return np.asarray(Image.fromarray(values, mode="F").reduce(scale), dtype=np.float32)
