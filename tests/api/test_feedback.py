"""POST /feedback: a labelled drawing into the private bucket (moto's S3), or a clear refusal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from PIL import Image
from tests.api.conftest import MakeClient

from digits.web import feedback as feedback_module
from tools.canvas import blank_png, canvas_png, data_url

BUCKET = "digits-feedback-test"
KEY = re.compile(r"^feedback/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.(png|json)$")


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    feedback_module.s3_client.cache_clear()
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client
    feedback_module.s3_client.cache_clear()


def _report(png: bytes, correct: int = 7, predicted: int | None = 1) -> dict[str, Any]:
    return {
        "image": data_url(png),
        "predicted": predicted,
        "correct": correct,
        "model_version": "m",
    }


def _keys(s3: Any) -> list[str]:
    listing = s3.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_feedback_stores_the_png_and_its_labels(make_client: MakeClient, s3: Any) -> None:
    client = make_client(feedback_bucket=BUCKET)
    png = canvas_png(7, variant=3)
    response = client.post("/feedback", json=_report(png))
    assert response.status_code == 201, response.text
    assert response.json() == {"status": "stored"}
    png_key, json_key = sorted(_keys(s3), key=lambda k: k.endswith(".json"))
    assert KEY.match(png_key) and KEY.match(json_key)
    assert png_key[:-4] == json_key[:-5]  # one id for the pair
    stored = Image.open(BytesIO(s3.get_object(Bucket=BUCKET, Key=png_key)["Body"].read()))
    assert stored.size == (280, 280)
    assert stored.tobytes() == Image.open(BytesIO(png)).tobytes()
    labels = json.loads(s3.get_object(Bucket=BUCKET, Key=json_key)["Body"].read())
    assert labels["correct"] == 7 and labels["predicted"] == 1 and labels["model_version"] == "m"
    assert set(labels) == {"correct", "predicted", "model_version", "created", "width", "height"}


def test_each_report_gets_its_own_key(make_client: MakeClient, s3: Any) -> None:
    client = make_client(feedback_bucket=BUCKET)
    for _ in range(2):
        assert client.post("/feedback", json=_report(canvas_png(3))).status_code == 201
    assert len(_keys(s3)) == 4


def test_without_a_bucket_feedback_is_unavailable(client: TestClient) -> None:
    response = client.post("/feedback", json=_report(canvas_png(7)))
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "feedback_unavailable" and set(body) == {
        "error",
        "message",
        "request_id",
    }


@pytest.mark.parametrize(
    ("report", "status", "code"),
    [
        ({"image": "nope", "correct": 3}, 400, "invalid_image"),
        ({"image": data_url(canvas_png(3)), "correct": 12}, 422, "invalid_request"),
        ({"image": data_url(canvas_png(3)), "correct": "3"}, 422, "invalid_request"),
        ({"image": data_url(canvas_png(3))}, 422, "invalid_request"),
        ({"image": data_url(blank_png()), "correct": 3}, 422, "empty_canvas"),
    ],
    ids=["bad-image", "out-of-range", "string-digit", "no-label", "blank"],
)
def test_bad_reports_are_refused_and_nothing_is_stored(
    make_client: MakeClient, s3: Any, report: dict[str, Any], status: int, code: str
) -> None:
    client = make_client(feedback_bucket=BUCKET)
    response = client.post("/feedback", json=report)
    assert response.status_code == status and response.json()["error"] == code
    assert _keys(s3) == []


def test_feedback_is_size_limited(make_client: MakeClient, s3: Any) -> None:
    client = make_client(feedback_bucket=BUCKET, feedback_max_bytes=2000)
    response = client.post("/feedback", json=_report(canvas_png(8)))
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    raw = client.post("/feedback", content=canvas_png(8), headers={"content-type": "image/png"})
    assert raw.status_code == 415
    assert _keys(s3) == []


def test_a_failing_store_is_a_503_not_a_500(make_client: MakeClient, s3: Any) -> None:
    client = make_client(feedback_bucket="no-such-bucket")
    response = client.post("/feedback", json=_report(canvas_png(2)))
    assert response.status_code == 503 and response.json()["error"] == "feedback_unavailable"
    assert "NoSuchBucket" not in response.text


def test_the_app_does_not_import_boto3() -> None:
    """The feedback store imports boto3 when it stores: the cold start does not pay for it."""
    code = "import sys, digits.handler; print('boto3' in sys.modules)"
    child = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": "function:."},
    )
    assert child.stdout.strip().splitlines()[-1] == "False"  # after the log lines
