"""A compressed body is refused with 415 and never inflated; "identity" is no encoding."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient
from tests.function_support import assert_error

from tools.canvas import canvas_png


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP", "gzip, identity"])
def test_an_encoded_body_is_415_whatever_its_type(client: TestClient, encoding: str) -> None:
    body = gzip.compress(canvas_png(5))
    response = client.post(
        "/predict",
        content=body,
        headers={"content-type": "image/png", "content-encoding": encoding},
    )
    assert "uncompressed" in assert_error(response, 415, "unsupported_media_type")["message"]


@pytest.mark.parametrize("encoding", ["identity", " Identity ", ""])
def test_identity_is_no_encoding(client: TestClient, encoding: str) -> None:
    response = client.post(
        "/predict",
        content=canvas_png(5),
        headers={"content-type": "image/png", "content-encoding": encoding},
    )
    assert response.status_code == 200, response.text
