"""Decoding: data URLs and bytes -> an image, with every refusal explained."""

from __future__ import annotations

import base64

import pytest
from PIL import Image, ImageFile
from tests.function_support import png_bytes, png_header_only

from digits.errors import ImageTooLarge, InvalidImage
from digits.reading.decode import ImageLimits, bytes_from_data_url, decode_base64, open_image

LIMITS = ImageLimits(max_side=4096, max_pixels=4096 * 4096)
PNG = png_bytes(Image.new("L", (32, 32), 255))


def url(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode()


def test_a_data_url_gives_its_bytes() -> None:
    assert bytes_from_data_url(url(PNG)) == PNG


@pytest.mark.parametrize(
    "media", ["image/png", "image/jpeg", "image/jpg", "image/webp", "IMAGE/PNG"]
)
def test_png_jpeg_and_webp_media_types_are_accepted(media: str) -> None:
    assert bytes_from_data_url(url(PNG, media)) == PNG


def test_base64_may_be_wrapped_url_safe_and_unpadded() -> None:
    data = bytes(range(256)) * 3
    standard = base64.b64encode(data).decode()
    wrapped = "\n".join(standard[i : i + 76] for i in range(0, len(standard), 76))
    assert decode_base64(wrapped + "\r\n") == data
    assert decode_base64(base64.urlsafe_b64encode(data).decode().rstrip("=")) == data
    assert decode_base64(f"  {standard}\t") == data


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "data URL"),
        ("iVBORw0KGgo=", "data URL"),
        ("http://example.com/a.png", "data URL"),
        ("data:image/png,rawbytes", "base64"),
        ("data:text/plain;base64,aGVsbG8=", "unsupported"),
        ("data:image/gif;base64,R0lGODlh", "unsupported"),
        ("data:;base64,aGVsbG8=", "unsupported"),
        ("data:image/png;base64,", "empty"),
        ("data:image/png;base64,!!!notbase64***", "malformed"),
        ("data:image/png;base64,aGVsbG8=x", "malformed"),
        ("data:image/png;base64,\u00e9t\u00e9", "malformed"),
    ],
)
def test_what_is_not_a_base64_image_data_url_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidImage, match=reason):
        bytes_from_data_url(text)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "L"), ("JPEG", "RGB"), ("WEBP", "RGB")])
def test_png_jpeg_and_webp_are_decoded(fmt: str, mode: str) -> None:
    image = open_image(png_bytes(Image.new(mode, (40, 30), 255), fmt), LIMITS)
    assert image.size == (40, 30)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_formats_are_refused(fmt: str) -> None:
    with pytest.raises(InvalidImage, match="not a PNG, JPEG or WebP"):
        open_image(png_bytes(Image.new("RGB", (32, 32), "white"), fmt), LIMITS)


@pytest.mark.parametrize(
    "data", [b"hello, world", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff" + bytes(40)]
)
def test_bytes_that_are_not_an_image_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidImage):
        open_image(data, LIMITS)


def test_a_truncated_image_is_refused_when_decoded() -> None:
    data = png_bytes(Image.effect_noise((64, 64), 50).convert("L"))
    with pytest.raises(InvalidImage, match="corrupt or truncated"):
        open_image(data[: len(data) // 2], LIMITS)


@pytest.mark.parametrize(("size", "ok"), [((1, 1), False), ((7, 40), False), ((8, 8), True)])
def test_images_smaller_than_8x8_are_refused(size: tuple[int, int], ok: bool) -> None:
    data = png_bytes(Image.new("L", size, 0))
    if ok:
        assert open_image(data, LIMITS).size == size
    else:
        with pytest.raises(InvalidImage, match="at least 8x8"):
            open_image(data, LIMITS)


@pytest.mark.parametrize("size", [(20000, 20000), (13000, 13000), (5000, 20), (4097, 8)])
def test_dimensions_over_the_limit_are_refused_from_the_header(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(image: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageTooLarge, match="pixels"):
        open_image(png_header_only(*size), LIMITS)


def test_pixel_count_is_limited_as_well_as_sides() -> None:
    limits = ImageLimits(max_side=4096, max_pixels=1000)
    with pytest.raises(ImageTooLarge):
        open_image(png_bytes(Image.new("L", (40, 30))), limits)
    assert open_image(png_bytes(Image.new("L", (40, 25))), limits).size == (40, 25)


def test_a_real_oversized_image_is_refused_too() -> None:
    with pytest.raises(ImageTooLarge):
        open_image(png_bytes(Image.new("1", (6000, 10))), LIMITS)


def test_pillows_bomb_guard_is_set_to_the_limit() -> None:
    open_image(PNG, ImageLimits(max_side=100, max_pixels=5000))
    assert Image.MAX_IMAGE_PIXELS == 5000
    open_image(PNG, LIMITS)
    assert LIMITS.max_pixels == Image.MAX_IMAGE_PIXELS


# -- behaviour the mutation run (make mutation) found unpinned --------------------------------

# The human message of each refusal is the API's answer ("message" beside the stable
# "invalid_image" code): its exact wording is part of what a client sees.
MESSAGES = {
    "not a data URL": "image must be a data URL such as data:image/png;base64,...",
    "not base64": "the data URL must be base64-encoded (;base64,)",
    "unsupported": "unsupported image format: send PNG, JPEG or WebP",
    "malformed": "the image's base64 is malformed",
    "empty": "the image is empty",
}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello, world", "not a data URL"),
        ("data:image/png;base64", "not a data URL"),
        ("data:image/png,rawbytes", "not base64"),
        ("data:image/gif;base64,R0lGODlh", "unsupported"),
        ("data:image/png;base64,QUJD,REVG", "malformed"),
        ("data:image/png;base64,", "empty"),
        ("data:image/png;base64,====", "empty"),
    ],
)
def test_each_refused_data_url_gets_its_message(text: str, message: str) -> None:
    with pytest.raises(InvalidImage) as refused:
        bytes_from_data_url(text)
    assert str(refused.value) == MESSAGES[message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the image is empty"),
        (b"hello, world", "not a PNG, JPEG or WebP image"),
        # A WebP header too short for its decoder: Pillow fails inside the plugin.
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8), "the image header is unreadable"),
    ],
)
def test_each_refused_image_gets_its_message(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImage) as refused:
        open_image(data, LIMITS)
    assert str(refused.value) == message


def test_a_truncated_image_gets_its_message() -> None:
    data = png_bytes(Image.effect_noise((64, 64), 50).convert("L"))
    with pytest.raises(InvalidImage) as refused:
        open_image(data[: len(data) // 2], LIMITS)
    assert str(refused.value) == "the image data is corrupt or truncated"


def test_padding_may_be_missing_or_in_excess() -> None:
    assert decode_base64("QUI") == decode_base64("QUI=") == decode_base64("QUI===") == b"AB"


def test_the_limits_are_inclusive() -> None:
    limits = ImageLimits(max_side=40, max_pixels=40 * 30)
    assert open_image(png_bytes(Image.new("L", (40, 30))), limits).size == (40, 30)
