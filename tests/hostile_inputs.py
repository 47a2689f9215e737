"""The hostile-input table: each input and its documented answer (issues 3 and 6).

The seed API leaked internal messages on 8 of the first 21 and answered "5" for blank
and transparent canvases. Shared by the API tests (TestClient), the Lambda handler
tests (API Gateway events) and tests/reliability (a real server, its memory measured),
so every path gives the same answers; bench/reliability_report.py prints the table.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import zlib
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from PIL import Image, ImageDraw
from tests.function_support import png_bytes, png_header_only

from tools.canvas import blank_png, canvas_png, data_url

JSON = "application/json"
PNG = "image/png"


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    content_type: str
    status: int
    answer: str | int  # the error code, or the digit that must be read
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()  # besides Content-Type
    why: str = ""  # the reason for the documented answer, where it is not obvious


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _dot() -> bytes:
    canvas = Image.new("RGBA", (280, 280), "white")
    ImageDraw.Draw(canvas).ellipse((128, 128, 153, 153), fill="black")  # one brush-25 tap
    return png_bytes(canvas)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _with_chunk_before_idat(png: bytes, chunk: bytes) -> bytes:
    at = png.index(b"IDAT") - 4  # the chunk's length field
    return png[:at] + chunk + png[at:]


def _lying_header() -> bytes:
    """A 100x100 PNG whose IHDR (CRC fixed up) claims 280x280: too little pixel data."""
    small = png_bytes(Image.open(BytesIO(canvas_png(3))).resize((100, 100)))
    start = small.index(b"IHDR")
    ihdr = small[start + 4 : start + 17]
    lie = struct.pack(">II", 280, 280) + ihdr[8:]
    return small[: start - 4] + _chunk(b"IHDR", lie) + small[start + 21 :]


def _animated(fmt: str, digits: tuple[int, ...]) -> bytes:
    frames = [Image.open(BytesIO(canvas_png(d))) for d in digits]
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    buffer = BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _sixteen_bit(digit: int) -> bytes:
    grey = np.asarray(Image.open(BytesIO(canvas_png(digit))).convert("L"), dtype=np.uint16)
    return png_bytes(Image.fromarray(grey * 257))  # mode I;16, full 16-bit range


def _cmyk_jpeg(digit: int) -> bytes:
    return png_bytes(Image.open(BytesIO(canvas_png(digit))).convert("CMYK"), "JPEG")


def _text_chunk(size: int) -> bytes:
    return _with_chunk_before_idat(canvas_png(2), _chunk(b"tEXt", b"Comment\0" + b"A" * size))


def _ztxt_bomb(inflated_mb: int) -> bytes:
    """A zTXt chunk of a few kB that would inflate to ``inflated_mb`` MB of text."""
    packer = zlib.compressobj(9)
    megabyte = b"\0" * (1 << 20)
    packed = b"".join(packer.compress(megabyte) for _ in range(inflated_mb)) + packer.flush()
    return _with_chunk_before_idat(canvas_png(2), _chunk(b"zTXt", b"Comment\0\0" + packed))


def _raw_json(text: str) -> bytes:
    return text.encode()


CANVAS_3 = canvas_png(3)
B64_3 = base64.b64encode(CANVAS_3).decode()
TEXT = b"just some notes\nnot an image at all\n"

CASES = (
    Case("empty string", _json({"image": ""}), JSON, 400, "invalid_image"),
    Case("not a data URL", _json({"image": "hello world"}), JSON, 400, "invalid_image"),
    Case(
        "bad base64",
        _json({"image": "data:image/png;base64,@@not*base64@@"}),
        JSON,
        400,
        "invalid_image",
    ),
    Case(
        "text file as data URL",
        _json({"image": "data:text/plain;base64," + base64.b64encode(TEXT).decode()}),
        JSON,
        400,
        "invalid_image",
    ),
    Case("text file labelled PNG", _json({"image": data_url(TEXT)}), JSON, 400, "invalid_image"),
    Case("text file raw body", TEXT, "text/plain", 415, "unsupported_media_type"),
    Case(
        "1x1 PNG",
        _json({"image": data_url(png_bytes(Image.new("RGBA", (1, 1), "black")))}),
        JSON,
        400,
        "invalid_image",
    ),
    Case(
        "blank white canvas",
        _json({"image": data_url(blank_png("white"))}),
        JSON,
        422,
        "empty_canvas",
    ),
    Case(
        "transparent never-filled canvas",
        _json({"image": data_url(blank_png("transparent"))}),
        JSON,
        422,
        "empty_canvas",
    ),
    Case(
        "black strokes on transparent canvas",
        _json({"image": data_url(canvas_png(4, paper="transparent"))}),
        JSON,
        200,
        4,
    ),
    Case(
        "white-on-black drawing",
        _json({"image": data_url(canvas_png(7, paper="black"))}),
        JSON,
        200,
        7,
    ),
    Case("single dot", _json({"image": data_url(_dot())}), JSON, 422, "empty_canvas"),
    Case("30 MB body", b"\x89PNG" + bytes(30 * 1024 * 1024), PNG, 413, "too_large"),
    Case("20000x20000 PNG", png_header_only(20000, 20000), PNG, 413, "too_large"),
    Case(
        "13000x13000 PNG",
        _json({"image": data_url(png_header_only(13000, 13000))}),
        JSON,
        413,
        "too_large",
    ),
    Case("missing field", _json({}), JSON, 422, "invalid_request"),
    Case("wrong type (number)", _json({"image": 5}), JSON, 422, "invalid_request"),
    Case(
        "wrong type (list)",
        _json({"image": ["data:image/png;base64,"]}),
        JSON,
        422,
        "invalid_request",
    ),
    Case("wrong type (array body)", _json([1, 2]), JSON, 422, "invalid_request"),
    Case("malformed JSON", b'{"image": "data:image/png;base64,', JSON, 422, "invalid_request"),
    Case("empty body", b"", JSON, 422, "invalid_request"),
    # Issue 6: damaged and unusual images.
    Case(
        "PNG with a lying header (IHDR 280x280 over 100x100 data)",
        _json({"image": data_url(_lying_header())}),
        JSON,
        400,
        "invalid_image",
        why="the pixel data ends before the header's size: corrupt",
    ),
    Case(
        "truncated PNG",
        _json({"image": data_url(CANVAS_3[: len(CANVAS_3) // 2])}),
        JSON,
        400,
        "invalid_image",
    ),
    Case("truncated PNG raw body", CANVAS_3[:-40], PNG, 400, "invalid_image"),
    Case(
        "animated GIF as data URL",
        _json({"image": data_url(_animated("GIF", (3, 5)), "image/gif")}),
        JSON,
        400,
        "invalid_image",
        why="GIF is not accepted (a canvas never makes one)",
    ),
    Case(
        "animated GIF raw body",
        _animated("GIF", (3, 5)),
        "image/gif",
        415,
        "unsupported_media_type",
    ),
    Case(
        "animated GIF labelled image/png",
        _animated("GIF", (3, 5)),
        PNG,
        400,
        "invalid_image",
        why="the bytes decide the decoder, within PNG/JPEG/WebP only",
    ),
    Case(
        "animated PNG (APNG: a 3, then a 5)",
        _json({"image": data_url(_animated("PNG", (3, 5)))}),
        JSON,
        200,
        3,
        why="the default image (first frame) is read, as a viewer without APNG shows it",
    ),
    Case("16-bit greyscale PNG", _json({"image": data_url(_sixteen_bit(4))}), JSON, 200, 4),
    Case(
        "CMYK JPEG",
        _json({"image": data_url(_cmyk_jpeg(6), "image/jpeg")}),
        JSON,
        200,
        6,
    ),
    Case(
        "PNG with a 1.4 MB tEXt chunk",
        _text_chunk(1_400_000),
        PNG,
        200,
        2,
        why="metadata is ignored; the body is under MAX_BODY_BYTES",
    ),
    Case(
        "PNG with a zTXt bomb (64 MB of text in a few kB)",
        _ztxt_bomb(64),
        PNG,
        400,
        "invalid_image",
        why="Pillow inflates text chunks only up to 1 MB, then refuses the file",
    ),
    Case(
        "PNG header claiming 0x100 pixels",
        png_header_only(0, 100),
        PNG,
        400,
        "invalid_image",
    ),
    # Issue 6: base64 and JSON edge cases.
    Case(
        "data URL with line-wrapped base64 (MIME, 76 columns)",
        _json({"image": "data:image/png;base64," + base64.encodebytes(CANVAS_3).decode()}),
        JSON,
        200,
        3,
    ),
    Case(
        "data URL with URL-safe base64, unpadded",
        _json(
            {
                "image": "data:image/png;base64,"
                + base64.urlsafe_b64encode(CANVAS_3).decode().rstrip("=")
            }
        ),
        JSON,
        200,
        3,
    ),
    Case(
        "JSON with \\u escapes in the data URL",
        _raw_json('{"\\u0069mage": "\\u0064ata:image/png;base64,' + B64_3 + '"}'),
        JSON,
        200,
        3,
        why="escapes are JSON: the same string once parsed",
    ),
    Case(
        "non-ASCII letters inside the base64",
        _json({"image": "data:image/png;base64,\u00fc\u4e2d" + B64_3}),
        JSON,
        400,
        "invalid_image",
    ),
    Case(
        "JSON with a lone surrogate (\\ud800)",
        _raw_json('{"image": "\\ud800"}'),
        JSON,
        422,
        "invalid_request",
        why="not a valid Unicode string: not valid JSON for the API",
    ),
    Case(
        "duplicate keys, the last one valid",
        _raw_json('{"image": "junk", "image": "data:image/png;base64,' + B64_3 + '"}'),
        JSON,
        200,
        3,
        why="the last value of a repeated key counts, as in Python's json",
    ),
    Case(
        "duplicate keys, the last one junk",
        _raw_json('{"image": "data:image/png;base64,' + B64_3 + '", "image": "junk"}'),
        JSON,
        400,
        "invalid_image",
        why="the last value of a repeated key counts, as in Python's json",
    ),
    Case(
        "JSON nested 100000 levels deep",
        b'{"image": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        JSON,
        422,
        "invalid_request",
        why="the JSON parser stops at its recursion limit, without a stack overflow",
    ),
    Case(
        "JSON with a byte-order mark",
        b"\xef\xbb\xbf" + _json({"image": data_url(CANVAS_3)}),
        JSON,
        422,
        "invalid_request",
        why="RFC 8259: JSON over a network is UTF-8 without a BOM",
    ),
    # Issue 6: the wrong Content-Type, an encoded body, other methods.
    Case(
        "JSON body labelled image/png",
        _json({"image": data_url(CANVAS_3)}),
        PNG,
        400,
        "invalid_image",
    ),
    Case("PNG body labelled application/json", CANVAS_3, JSON, 422, "invalid_request"),
    Case(
        "form-encoded body",
        b"image=" + B64_3.encode(),
        "application/x-www-form-urlencoded",
        415,
        "unsupported_media_type",
    ),
    Case(
        "gzip-encoded JSON (Content-Encoding: gzip)",
        gzip.compress(_json({"image": data_url(CANVAS_3)})),
        JSON,
        415,
        "unsupported_media_type",
        headers=(("content-encoding", "gzip"),),
        why="bodies are never inflated (no gzip bombs); RFC 9110 says 415",
    ),
    Case("GET /predict", b"", JSON, 405, "method_not_allowed", method="GET"),
    Case(
        "PUT /predict",
        _json({"image": data_url(CANVAS_3)}),
        JSON,
        405,
        "method_not_allowed",
        method="PUT",
    ),
    Case("DELETE /predict", b"", JSON, 405, "method_not_allowed", method="DELETE"),
    Case(
        "OPTIONS /predict (no CORS configured)",
        b"",
        JSON,
        405,
        "method_not_allowed",
        method="OPTIONS",
        why="the app does CORS only when CORS_ORIGINS is set (API Gateway does it in AWS)",
    ),
)
