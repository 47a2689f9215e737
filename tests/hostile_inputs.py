"""The hostile-input table of issue 3: each input and its documented answer.

The seed API leaked internal messages on 8 of these and answered "5" for blank and
transparent canvases. Shared by the API tests (TestClient) and the Lambda handler
tests (API Gateway events), so both paths give the same answers.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

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


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _dot() -> bytes:
    canvas = Image.new("RGBA", (280, 280), "white")
    ImageDraw.Draw(canvas).ellipse((128, 128, 153, 153), fill="black")  # one brush-25 tap
    return png_bytes(canvas)


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
)
