"""POST /predict: JSON data URLs and raw image bodies -> the contract's answer."""

from __future__ import annotations

import base64
import json
from io import BytesIO

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from tests.api.conftest import MakeClient
from tests.function_support import PREDICT_ANSWER_KEYS, png_bytes

from tools.canvas import canvas_png, data_url, draw_digit


def check_answer(response: object, version: str = "test-1") -> dict[str, object]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PREDICT_ANSWER_KEYS
    assert isinstance(body["digit"], int) and 0 <= body["digit"] <= 9
    probabilities = body["probabilities"]
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 1e-4
    assert body["confidence"] == probabilities[body["digit"]] == max(probabilities)
    assert body["model_version"] == version
    preview = Image.open(BytesIO(base64.b64decode(body["preview"].split(",", 1)[1])))
    assert body["preview"].startswith("data:image/png;base64,") and preview.size == (28, 28)
    assert body["number"] == "".join(str(read["digit"]) for read in body["digits"])
    return body


def test_a_json_data_url_is_answered(client: TestClient) -> None:
    check_answer(client.post("/predict", json={"image": data_url(canvas_png(3))}))


def test_extra_json_fields_are_ignored(client: TestClient) -> None:
    check_answer(client.post("/predict", json={"image": data_url(canvas_png(3)), "lang": "ko"}))


@pytest.mark.parametrize(
    ("fmt", "media"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_raw_image_bodies_are_answered(client: TestClient, fmt: str, media: str) -> None:
    image = draw_digit(5).convert("RGB")
    response = client.post(
        "/predict", content=png_bytes(image, fmt), headers={"content-type": media}
    )
    check_answer(response)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_data_urls_are_answered(client: TestClient, fmt: str) -> None:
    image = draw_digit(2).convert("RGB")
    media = f"image/{fmt.lower()}"
    check_answer(client.post("/predict", json={"image": data_url(png_bytes(image, fmt), media)}))


def test_json_content_type_may_carry_a_charset(client: TestClient) -> None:
    body = json.dumps({"image": data_url(canvas_png(1))})
    headers = {"content-type": "application/json; charset=utf-8"}
    check_answer(client.post("/predict", content=body, headers=headers))


def test_the_preview_is_what_the_model_saw(client: TestClient) -> None:
    body = check_answer(client.post("/predict", json={"image": data_url(canvas_png(1))}))
    preview = np.asarray(Image.open(BytesIO(base64.b64decode(str(body["preview"]).split(",")[1]))))
    columns = np.flatnonzero(preview.max(axis=0) > 128)
    rows = np.flatnonzero(preview.max(axis=1) > 128)
    # A "1" becomes a tall thin white stroke, centred as in MNIST (20 px tall in 28).
    assert 18 <= rows[-1] - rows[0] + 1 <= 20 and columns[-1] - columns[0] + 1 <= 12
    assert preview[0].max() == 0 and preview[:, 0].max() == 0


@pytest.mark.parametrize(("threshold", "uncertain"), [(0.0, False), (1.0, True)])
def test_uncertain_is_set_below_the_configured_threshold(
    make_client: MakeClient, threshold: float, uncertain: bool
) -> None:
    client = make_client(uncertain_below=threshold)
    body = check_answer(client.post("/predict", json={"image": data_url(canvas_png(4))}))
    assert body["uncertain"] is uncertain


def test_the_answer_is_small(client: TestClient) -> None:
    response = client.post("/predict", json={"image": data_url(canvas_png(8))})
    assert len(response.content) < 1000


@pytest.mark.parametrize("digit", range(10))
@pytest.mark.parametrize("paper", ["white", "transparent", "black"])
def test_the_shipped_model_reads_canvas_digits(shipped: TestClient, digit: int, paper: str) -> None:
    """Black on white (the page), black on a transparent canvas, white on black."""
    png = canvas_png(digit, variant=0, paper=paper)  # type: ignore[arg-type]
    response = shipped.post("/predict", content=png, headers={"content-type": "image/png"})
    assert response.status_code == 200
    assert response.json()["digit"] == digit


def test_the_shipped_model_reads_varied_hands(shipped: TestClient) -> None:
    right = 0
    for variant in range(1, 6):
        for digit in range(10):
            png = canvas_png(digit, variant=variant)
            response = shipped.post("/predict", content=png, headers={"content-type": "image/png"})
            right += response.json()["digit"] == digit
    assert right >= 45, f"{right}/50 canvas digits read right"


def test_a_stray_tap_beside_the_digit_changes_nothing_in_the_answer(shipped: TestClient) -> None:
    """A dot of the page's pen away from the digit (a tap, a slip) is no part of it: the same
    digit, confidence and box come back as without it, in digit and in number mode."""
    for digit in (1, 4, 7):
        drawing = draw_digit(digit, variant=3)
        tapped = drawing.copy()
        ImageDraw.Draw(tapped).ellipse((250, 250, 275, 275), fill=(0, 0, 0, 255))
        answers = []
        for image in (drawing, tapped):
            buffer = BytesIO()
            image.save(buffer, format="PNG")
            body = check_answer(
                shipped.post("/predict", json={"image": data_url(buffer.getvalue())}),
                shipped.get("/model").json()["version"],
            )
            answers.append((body["digit"], body["confidence"], body["digits"]))
        assert answers[0] == answers[1], digit
        assert answers[0][0] == digit
