"""Every error code, from the one place that makes them, in the contract's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from tests.api.conftest import MakeClient
from tests.function_support import assert_error, png_header_only, settings_for, tiny_model

from digits.app import INTERNAL_MESSAGE, create_app, describe_error
from digits.errors import DigitError, ImageTooLarge
from digits.inference.predictor import Predictor
from tools.canvas import blank_png, canvas_png, data_url


def test_400_invalid_image(client: TestClient) -> None:
    body = assert_error(client.post("/predict", json={"image": "hello"}), 400, "invalid_image")
    assert "data URL" in body["message"]


def test_413_too_large_for_the_body(make_client: MakeClient) -> None:
    client = make_client(max_body_bytes=1000)
    body = assert_error(
        client.post("/predict", content=b"x" * 1001, headers={"content-type": "image/png"}),
        413,
        "too_large",
    )
    assert "1000 bytes" in body["message"]


def test_413_too_large_for_a_streamed_body_without_length(make_client: MakeClient) -> None:
    client = make_client(max_body_bytes=1000)
    chunks = iter([b"x" * 600, b"x" * 600])
    response = client.post("/predict", content=chunks, headers={"content-type": "image/png"})
    assert_error(response, 413, "too_large")


def test_413_too_large_for_the_dimensions(client: TestClient) -> None:
    response = client.post(
        "/predict", content=png_header_only(5000, 100), headers={"content-type": "image/png"}
    )
    assert "5000x100" in assert_error(response, 413, "too_large")["message"]


def test_415_unsupported_media_type(client: TestClient) -> None:
    for content_type in ("text/plain", "multipart/form-data; boundary=x", "image/gif", ""):
        response = client.post("/predict", content=b"abc", headers={"content-type": content_type})
        assert_error(response, 415, "unsupported_media_type")


def test_422_empty_canvas(client: TestClient) -> None:
    body = assert_error(
        client.post("/predict", json={"image": data_url(blank_png())}), 422, "empty_canvas"
    )
    assert "draw" in body["message"]


def test_422_invalid_request_never_echoes_the_body(client: TestClient) -> None:
    private = "data:image/png;base64,SECRET-PAYLOAD"
    response = client.post("/predict", json={"picture": private})
    body = assert_error(response, 422, "invalid_request")
    assert "image" in body["message"] and "SECRET" not in response.text


def test_503_model_unavailable(make_client: MakeClient, tmp_path: Path) -> None:
    client = make_client(model_path=tmp_path / "absent.joblib")
    response = client.post("/predict", json={"image": data_url(canvas_png(3))})
    body = assert_error(response, 503, "model_unavailable")
    assert "absent" not in body["message"]
    assert_error(client.get("/model"), 503, "model_unavailable")
    assert client.get("/health").json() == {
        "status": "degraded",
        "model_version": None,
        "feedback": False,
    }


class ExplodingModel:
    """A model whose inference fails the way a library bug would."""

    def predict_proba(self, pixels: Any) -> Any:
        raise RuntimeError("secret detail at /srv/model.py object at 0x7f00deadbeef")


def test_500_internal_says_nothing_and_logs_everything(tmp_path: Path, capsys: Any) -> None:
    app = create_app(settings_for(tiny_model(tmp_path)))
    app.state.predictor = Predictor(ExplodingModel(), {"version": "x"}, None, 0.5)
    capsys.readouterr()
    with TestClient(app) as client:
        response = client.post("/predict", json={"image": data_url(canvas_png(3))})
    body = assert_error(response, 500, "internal")
    assert "secret" not in response.text
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    failure = next(line for line in lines if line["message"] == "unhandled error")
    assert "secret detail" in failure["exception"] and failure["request_id"] == body["request_id"]
    request = next(line for line in lines if line["message"] == "request")
    assert request["status"] == 500 and request["error"] == "internal"


def test_404_and_405_use_the_same_shape(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    response = client.get("/predict")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_each_request_logs_one_line_without_image_data(client: TestClient, capsys: Any) -> None:
    png = canvas_png(6)
    capsys.readouterr()
    ok = client.post("/predict", content=png, headers={"content-type": "image/png"})
    client.post("/predict", json={"image": "nope"})
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["request_id"] == ok.headers["x-request-id"]
    assert first["status"] == 200 and first["error"] is None
    assert first["digit"] == ok.json()["digit"] and first["confidence"] == ok.json()["confidence"]
    assert first["body_bytes"] == len(png) and first["latency_ms"] > 0
    assert set(first["stages_ms"]) == {"decode", "preprocess", "model", "segment", "serialize"}
    assert second["status"] == 400 and second["error"] == "invalid_image"
    assert second["errors"] == 1 and second["digit"] is None
    assert "iVBOR" not in json.dumps([first, second])  # no PNG (base64) in any log


def test_a_blank_canvas_never_reaches_the_model(tmp_path: Path) -> None:
    """No guessed digit for a blank canvas: preprocessing refuses it before the model."""
    app = create_app(settings_for(tiny_model(tmp_path)))
    app.state.predictor = Predictor(ExplodingModel(), {"version": "x"}, None, 0.5)
    with TestClient(app) as client:
        response = client.post("/predict", json={"image": data_url(blank_png("transparent"))})
    assert_error(response, 422, "empty_canvas")


def test_every_exception_maps_to_a_code_and_a_safe_message() -> None:
    assert describe_error(ImageTooLarge("the body is over 9 bytes")) == (
        413,
        "too_large",
        "the body is over 9 bytes",
    )
    assert describe_error(HTTPException(400, "parser detail"))[:2] == (400, "invalid_request")
    assert "parser detail" not in describe_error(HTTPException(400, "parser detail"))[2]
    for unexpected in (HTTPException(502, "upstream"), DigitError("x"), ValueError("secret")):
        assert describe_error(unexpected) == (500, "internal", INTERNAL_MESSAGE)
