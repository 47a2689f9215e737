"""Request bytes -> a PIL image, refusing anything that is not a sane PNG, JPEG or WebP.

Order matters for safety: the header is read first (``Image.open`` is lazy), the
dimensions are checked against the limits, and only then are pixels decoded, so a
tiny file that claims 20000x20000 pixels never allocates them.

GIF and BMP are refused on purpose: a canvas exports PNG, JPEG or WebP only, GIF
brings palettes and animation for no gain, and BMP is uncompressed (large bodies).
"""

from __future__ import annotations

import binascii
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError, WebPImagePlugin

from digits.errors import ImageTooLarge, InvalidImage

# Importing exactly these decoders registers them, so Image.open never imports every
# plugin (Image.init()) on the first WebP; FORMATS is the allow-list it may try.
_DECODERS = (PngImagePlugin, JpegImagePlugin, WebPImagePlugin)
FORMATS = ("PNG", "JPEG", "WEBP")
# Media types a data URL or a raw body may declare; the bytes themselves decide the
# decoder (a PNG sent as image/jpeg is still read), within FORMATS only.
MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/jpg", "image/webp"})
# Below this a drawing cannot hold a recognisable digit (and a 1x1 "image" is a probe).
MIN_SIDE = 8
_URL_SAFE = str.maketrans("-_", "+/")


@dataclass(frozen=True)
class ImageLimits:
    max_side: int
    max_pixels: int


def bytes_from_data_url(url: str) -> bytes:
    """``data:image/png;base64,...`` -> the image bytes (InvalidImage otherwise)."""
    head, comma, payload = url.partition(",")
    if not comma or head[:5].lower() != "data:":
        raise InvalidImage("image must be a data URL such as data:image/png;base64,...")
    media_type, *params = (part.strip().lower() for part in head[5:].split(";"))
    if "base64" not in params:
        raise InvalidImage("the data URL must be base64-encoded (;base64,)")
    if media_type not in MEDIA_TYPES:
        raise InvalidImage("unsupported image format: send PNG, JPEG or WebP")
    return decode_base64(payload)


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not, with any whitespace (line wraps)."""
    # str.split() drops every kind of whitespace, ~30x faster than a regex here.
    compact = "".join(text.split()).translate(_URL_SAFE).rstrip("=")
    try:
        data = binascii.a2b_base64(compact + "=" * (-len(compact) % 4), strict_mode=True)
    except (binascii.Error, ValueError) as error:  # ValueError: non-ASCII characters
        raise InvalidImage("the image's base64 is malformed") from error
    if not data:
        raise InvalidImage("the image is empty")
    return data


def open_image(data: bytes, limits: ImageLimits) -> Image.Image:
    """Bytes -> a fully loaded image, within limits, or InvalidImage / ImageTooLarge."""
    if not data:
        raise InvalidImage("the image is empty")
    # Pillow's own decompression-bomb guard, as a second line behind the check below:
    # it warns above this many pixels and refuses twice as many.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        # Requests are decoded on one thread (Lambda; the event loop locally), so this
        # process-wide filter change cannot race.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLarge(_too_large_message(limits)) from error
    except UnidentifiedImageError as error:
        raise InvalidImage("not a PNG, JPEG or WebP image") from error
    except Exception as error:  # a malformed header can raise almost anything
        raise InvalidImage("the image header is unreadable") from error
    width, height = image.size
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise ImageTooLarge(f"the image is {width}x{height} pixels; {_too_large_message(limits)}")
    if min(width, height) < MIN_SIDE:
        raise InvalidImage(
            f"the image is {width}x{height} pixels; it needs at least {MIN_SIDE}x{MIN_SIDE}"
        )
    try:
        image.load()
    except Exception as error:  # truncated or corrupt pixel data, from C decoders
        raise InvalidImage("the image data is corrupt or truncated") from error
    return image


def _too_large_message(limits: ImageLimits) -> str:
    return f"the limit is {limits.max_side} pixels per side and {limits.max_pixels} pixels in all"
