"""The preview: the model's own 28x28 view as a PNG data URL."""

from __future__ import annotations

import base64
from io import BytesIO

import numpy as np
from PIL import Image

from digits.web.preview import grey_png, preview_data_url


def test_the_preview_is_the_28x28_input_as_white_ink_on_black() -> None:
    pixels = np.zeros((28, 28), np.float32)
    pixels[4:24, 13:15] = 1.0
    pixels[0, 0] = 0.5
    url = preview_data_url(pixels)
    assert url.startswith("data:image/png;base64,")
    image = Image.open(BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.format == "PNG" and image.mode == "L" and image.size == (28, 28)
    values = np.asarray(image)
    assert values[10, 13] == 255 and values[10, 20] == 0 and values[0, 0] == 128
    assert len(url) < 600


def test_the_png_is_valid_for_any_image_and_strict_decoders() -> None:
    """Pillow re-reads every pixel; its PNG plugin checks every chunk's CRC when verifying."""
    rng = np.random.default_rng(5)
    for shape in ((28, 28), (1, 1), (3, 40)):
        gray = rng.integers(0, 256, size=shape, dtype=np.uint8)
        png = grey_png(gray)
        checked = Image.open(BytesIO(png))
        checked.verify()  # chunk CRCs and structure
        np.testing.assert_array_equal(np.asarray(Image.open(BytesIO(png))), gray)
