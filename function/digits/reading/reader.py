"""One drawing -> a Reading: the path from image bytes to the digits, in one place.

decode -> ink map -> bounds -> fit into 28x28 -> model -> (number: segmentation),
timing each stage. /predict, the benchmarks and the evaluation call this, so what
is measured and evaluated is what is served:

    read_drawing(data_url_or_bytes, predictor, limits)   what /predict does
    read_image(pil_image, predictor, number=False)       an image already decoded

The number is read only when asked (``number=True``; /predict always asks).
numbers.read_digits segments the canvas only when it may hold more than one digit,
so a single digit costs what it always did. Nothing here knows about HTTP: errors
are the domain's (digits.errors), turned into answers by the app.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from PIL import Image

from digits.inference.predictor import Prediction, Predictor
from digits.reading.decode import ImageLimits, bytes_from_data_url, open_image
from digits.reading.preprocess import FloatImage, find_ink, fit_and_centre
from digits.segmentation.numbers import read_digits
from digits.segmentation.segment import DigitReading

# The stages a Reading times, in order (the request log adds "serialize").
STAGES = ("decode", "preprocess", "model", "segment")


@dataclass(frozen=True)
class Reading:
    """What was read in one drawing."""

    # The whole drawing read as one digit: digit, confidence, ten probabilities.
    prediction: Prediction
    # The 28x28 array the model was given (ink = 1), in [0, 1]; a model whose feature
    # layer deskews stands it upright before reading it (digits.inference.deskew).
    pixels: FloatImage = field(compare=False, repr=False)
    # The number, left to right, each digit with its box and its own 28x28; the single
    # reading when the drawing holds one digit; () when the number was not asked for.
    digits: tuple[DigitReading, ...]
    # Milliseconds per stage (STAGES); "segment" is 0 when segmentation did not run.
    stages_ms: dict[str, float]

    @property
    def number(self) -> str:
        return "".join(str(read.digit) for read in self.digits)


def read_drawing(
    image: bytes | str, predictor: Predictor, limits: ImageLimits, *, number: bool = True
) -> Reading:
    """Image bytes (PNG/JPEG/WebP), or a data URL of them -> what it shows.

    Raises ModelUnavailable before any work, then InvalidImage, ImageTooLarge or
    EmptyCanvas as the drawing deserves.
    """
    predictor.require_model()
    started = time.perf_counter()
    decoded = open_image(bytes_from_data_url(image) if isinstance(image, str) else image, limits)
    return _read(decoded, predictor, number, started)


def read_image(image: Image.Image, predictor: Predictor, *, number: bool = False) -> Reading:
    """An already decoded image (evaluation, tests) -> what it shows; decode time is 0."""
    predictor.require_model()
    return _read(image, predictor, number, time.perf_counter())


def open_drawing(data_url: str, limits: ImageLimits) -> Image.Image:
    """A data URL -> its image, refused (EmptyCanvas) when nothing is drawn on it."""
    image = open_image(bytes_from_data_url(data_url), limits)
    find_ink(image)  # raises EmptyCanvas
    return image


def _read(image: Image.Image, predictor: Predictor, number: bool, started: float) -> Reading:
    decoded = time.perf_counter()
    # preprocess() in its three steps: the ink and its bounds serve the number too.
    ink = find_ink(image)
    rows, cols = ink.bounds()
    pixels = fit_and_centre(ink.crop(rows, cols))
    preprocessed = time.perf_counter()
    prediction = predictor.predict(pixels)
    predicted = time.perf_counter()
    readings: tuple[DigitReading, ...] = ()
    segmented = False
    if number:
        found, segmented = read_digits(
            ink, rows, cols, prediction, pixels, predictor.require_model()
        )
        # Boxes in the sent image's pixels, whatever size the ink map was made at.
        readings = tuple(
            replace(read, box=read.box.scaled(ink.scale, image.size)) if ink.scale > 1 else read
            for read in found
        )
    numbered = time.perf_counter()
    stages = {
        "decode": elapsed_ms(started, decoded),
        "preprocess": elapsed_ms(decoded, preprocessed),
        "model": elapsed_ms(preprocessed, predicted),
        # 0 when the canvas clearly held one digit and segmentation was skipped.
        "segment": elapsed_ms(predicted, numbered) if segmented else 0.0,
    }
    return Reading(prediction, pixels, readings, stages)


def elapsed_ms(start: float, end: float) -> float:
    """Milliseconds between two perf_counter() readings, to the microsecond."""
    return round((end - start) * 1000, 3)
