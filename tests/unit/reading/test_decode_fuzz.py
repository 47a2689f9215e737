"""Property tests (hypothesis): any bytes through decode and preprocess give a typed error
(InvalidImage, ImageTooLarge, EmptyCanvas) or a valid 28x28 array, never anything else.

Random bytes alone rarely get past a decoder's first check, so most examples start from
real PNG, JPEG and WebP files of every mode a canvas or a camera makes and then damage
them: truncation, flipped bytes, spliced garbage, a rewritten header field. Bounded
(max_examples) so the suite stays fast; FUZZ_EXAMPLES=5000 runs a deeper search. No
example database is written to the checkout.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib
from io import BytesIO

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from digits.errors import EmptyCanvas, ImageTooLarge, InvalidImage
from digits.reading.decode import ImageLimits, bytes_from_data_url, decode_base64, open_image
from digits.reading.preprocess import preprocess

# Small limits keep each example cheap; the checks are the same at any size.
LIMITS = ImageLimits(max_side=512, max_pixels=512 * 512)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a shared 2-core machine: timing is not the property
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Modes and formats a client can really send: what each encoder accepts.
ENCODINGS = (
    ("PNG", "1"), ("PNG", "L"), ("PNG", "LA"), ("PNG", "P"), ("PNG", "RGB"), ("PNG", "RGBA"),
    ("PNG", "I;16"), ("JPEG", "L"), ("JPEG", "RGB"), ("JPEG", "CMYK"), ("WEBP", "RGB"),
    ("WEBP", "RGBA"),
)  # fmt: skip


def check_pipeline(data: bytes) -> str:
    """decode -> preprocess; the outcome's name. Any other exception fails the property."""
    try:
        image = open_image(data, LIMITS)
    except (InvalidImage, ImageTooLarge) as error:
        refusal, reason = type(error).__name__, str(error)
    else:
        refusal = reason = ""
    if refusal:
        assert reason, "every refusal says why"
        event(refusal)
        return refusal
    assert min(image.size) >= 8 and max(image.size) <= LIMITS.max_side
    try:
        pixels = preprocess(image)
    except EmptyCanvas:
        event("EmptyCanvas")
        return "EmptyCanvas"
    event("28x28")
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert np.isfinite(pixels).all() and pixels.min() >= 0.0 and pixels.max() <= 1.0
    return "28x28"


@st.composite
def images(draw: st.DrawFn) -> bytes:
    """A real encoded image: random size, mode, format and content (noise, blocks, strokes)."""
    fmt, mode = draw(st.sampled_from(ENCODINGS))
    # Mostly admitted sizes; one in ten under the 8x8 minimum.
    small = draw(st.integers(0, 9)) == 0
    width, height = (draw(st.integers(1, 7 if small else 96)) for _ in range(2))
    if not small:
        width, height = max(width, 8), max(height, 8)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["noise", "flat", "blocks"]))
    if kind == "noise":
        grey = rng.integers(0, 256, (height, width), dtype=np.uint8)
    elif kind == "flat":
        grey = np.full((height, width), draw(st.integers(0, 255)), dtype=np.uint8)
    else:
        grey = np.full((height, width), 255, dtype=np.uint8)
        for _ in range(draw(st.integers(1, 4))):
            top, left = rng.integers(0, height), rng.integers(0, width)
            grey[top : top + rng.integers(1, 20), left : left + rng.integers(1, 20)] = 0
    base = Image.fromarray(grey, "L")
    if mode == "I;16":
        image = Image.fromarray(grey.astype(np.uint16) * 257)
    elif mode in {"RGB", "RGBA", "LA", "CMYK"}:
        image = base.convert(mode)
        if "A" in mode:
            alpha = (
                rng.integers(0, 256, (height, width), dtype=np.uint8) if kind == "noise" else None
            )
            image.putalpha(Image.fromarray(alpha, "L") if alpha is not None else 0)
    else:
        image = base.convert(mode)
    buffer = BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A real image, then one of the ways bytes go wrong on the way."""
    data = bytearray(draw(images()))
    how = draw(st.sampled_from(["none", "truncate", "flip", "splice", "header"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= draw(st.integers(1, 255))
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif how == "header" and data[:8] == b"\x89PNG\r\n\x1a\n":
        # A new IHDR (width, height, depth, colour type) with a valid CRC: lies that parse.
        width, height = draw(st.integers(0, 70000)), draw(st.integers(0, 70000))
        fields = struct.pack(">IIBB", width, height, *draw(st.sampled_from(HEADER_KINDS)))
        ihdr = b"IHDR" + fields + bytes(data[24:29])
        data[12:33] = ihdr + struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


# (bit depth, colour type) pairs PNG allows, and a few it does not.
HEADER_KINDS = [
    (1, 0),
    (8, 0),
    (16, 0),
    (8, 2),
    (16, 2),
    (8, 3),
    (8, 4),
    (8, 6),
    (16, 6),
    (3, 2),
    (7, 9),
]


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes(data: bytes) -> None:
    check_pipeline(data)


@FUZZ
@given(st.binary(max_size=64).map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail))
def test_any_bytes_after_a_png_signature(data: bytes) -> None:
    check_pipeline(data)


@FUZZ
@given(damaged())
def test_real_images_damaged_in_transit(data: bytes) -> None:
    check_pipeline(data)


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))
@given(images())
def test_every_undamaged_image_is_read(data: bytes) -> None:
    """Intact images of any admitted size are never refused as invalid."""
    with Image.open(BytesIO(data)) as probe:
        small = min(probe.size) < 8
    outcome = check_pipeline(data)
    assert outcome == "InvalidImage" if small else outcome in {"28x28", "EmptyCanvas"}


@FUZZ
@given(st.text(max_size=300))
def test_any_text_as_a_data_url(text: str) -> None:
    for candidate in (text, "data:image/png;base64," + text, "data:" + text):
        try:
            data = bytes_from_data_url(candidate)
        except InvalidImage:
            continue
        assert isinstance(data, bytes) and data


@FUZZ
@given(st.binary(min_size=1, max_size=512), st.sampled_from(["std", "urlsafe", "wrapped", "bare"]))
def test_base64_in_every_spelling_round_trips(data: bytes, spelling: str) -> None:
    text = base64.b64encode(data).decode()
    if spelling == "urlsafe":
        text = base64.urlsafe_b64encode(data).decode()
    elif spelling == "wrapped":
        text = base64.encodebytes(data).decode()
    elif spelling == "bare":
        text = text.rstrip("=")
    assert decode_base64(text) == data


# Every mode the three decoders produce (PNG: 1, L, LA, I, I;16, P, RGB, RGBA; JPEG: L, RGB,
# CMYK; WebP: RGB, RGBA), filled with arbitrary values, straight into preprocess.
DECODED_MODES = ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA", "CMYK")


@st.composite
def decoded_images(draw: st.DrawFn) -> Image.Image:
    mode = draw(st.sampled_from(DECODED_MODES))
    width, height = draw(st.integers(8, 80)), draw(st.integers(8, 80))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bands = len(Image.new(mode, (1, 1)).getbands())
    top = {"I": 2**31 - 1, "I;16": 65535}.get(mode, 255)
    # Noise, one flat value, or sparse extremes: blank, full, speck and scribble alike.
    kind = draw(st.sampled_from(["noise", "flat", "sparse"]))
    if kind == "noise":
        values = rng.integers(0, top, (height, width, bands), dtype=np.int64, endpoint=True)
    elif kind == "flat":
        values = np.full((height, width, bands), draw(st.integers(0, top)), dtype=np.int64)
    else:
        values = np.where(rng.random((height, width, bands)) < 0.02, top, 0).astype(np.int64)
    if bands == 1:
        image = Image.new(mode, (width, height))
        image.putdata(values[..., 0].ravel().tolist())
    else:
        channels = [Image.fromarray(values[..., b].astype(np.uint8), "L") for b in range(bands)]
        image = Image.merge(mode, channels)
    if mode == "P" and draw(st.booleans()):
        image.info["transparency"] = draw(st.integers(0, 255))
    return image


@FUZZ
@given(decoded_images())
def test_preprocess_any_decoded_image(image: Image.Image) -> None:
    try:
        pixels = preprocess(image)
    except EmptyCanvas:
        event("EmptyCanvas")
        return
    event(f"28x28 from {image.mode}")
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert np.isfinite(pixels).all() and pixels.min() >= 0.0 and pixels.max() <= 1.0
