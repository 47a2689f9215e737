"""The 28x28 array the model saw -> a PNG data URL, so people can see what was read."""

from __future__ import annotations

import base64
from io import BytesIO

import numpy as np
import numpy.typing as npt
from PIL import Image


def preview_data_url(pixels: npt.NDArray[np.float32]) -> str:
    """Ink = 1 becomes white on black, as in MNIST: the model's own view, not the canvas's."""
    gray = np.rint(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8)
    buffer = BytesIO()
    # compress_level 1: a 28x28 image compresses as well either way, 1 is the fastest.
    Image.fromarray(gray).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
