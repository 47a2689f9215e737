"""Faults of the model: missing, corrupt, wrong sha256, S3 missing, unreachable, slow, flaky.

Each leaves the function up and honest, with one clear log line saying why: /health
answers "degraded", /predict and /model 503 model_unavailable. The S3 download is
retried with backoff and always ends within DOWNLOAD_BUDGET_S, far inside Lambda's 10 s
init, however S3 behaves (tests/reliability/fake_s3.py misbehaves on loopback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from tests.function_support import assert_error, settings_for, tiny_model
from tests.reliability.fake_s3 import fake_s3, wait_for

from digits.app import create_app
from digits.errors import ModelUnavailable
from digits.inference import model_source
from digits.inference.model import sha256_of
from tools.canvas import canvas_png, data_url

BUCKET = "models-bucket"
KEY = "models/tiny_model.joblib"
URI = f"s3://{BUCKET}/{KEY}"
LAMBDA_INIT_LIMIT_S = 10.0


@dataclass
class Started:
    client: TestClient
    seconds: float  # create_app: the model's resolution and load, as at Lambda's init
    logs: list[dict[str, Any]]

    def errors(self) -> list[dict[str, Any]]:
        return [line for line in self.logs if line["level"] == "ERROR"]


@pytest.fixture
def start(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    clients: list[TestClient] = []

    def started(model_path: Path, **overrides: Any) -> Started:
        capsys.readouterr()
        began = time.monotonic()
        app = create_app(settings_for(model_path, **overrides))
        seconds = time.monotonic() - began
        logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        client = TestClient(app)
        clients.append(client)
        return Started(client, seconds, logs)

    yield started
    for client in clients:
        client.close()


def assert_degraded(started: Started, reason: str) -> dict[str, Any]:
    """The documented behaviour of a missing model; returns its one error log line."""
    client = started.client
    assert client.get("/health").json()["model_version"] is None
    assert client.get("/health").json()["status"] == "degraded"
    response = client.post("/predict", json={"image": data_url(canvas_png(3))})
    body = assert_error(response, 503, "model_unavailable")
    assert reason not in body["message"]  # the reason is for operators: the log
    assert_error(client.get("/model"), 503, "model_unavailable")
    (line,) = started.errors()
    assert line["logger"] == "digits.model"
    assert line["message"].startswith("model unavailable: ")
    assert reason in line["message"], line["message"]
    return line


def test_model_file_missing(start: Any, tmp_path: Path) -> None:
    assert_degraded(start(tmp_path / "absent.joblib"), "model file not found")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data[: len(data) // 2], "model file unreadable"),
        (lambda data: b"\0" * len(data), "model file unreadable"),
        (lambda data: b"", "model file unreadable"),
    ],
    ids=["truncated", "zeroed", "empty"],
)
def test_model_file_corrupt(start: Any, tmp_path: Path, damage: Any, reason: str) -> None:
    model = tiny_model(tmp_path)
    model.write_bytes(damage(model.read_bytes()))
    assert_degraded(start(model), reason)


def test_model_file_with_another_sha256_is_refused(start: Any, tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    line = assert_degraded(start(model, model_sha256="0" * 64), "refused")
    assert sha256_of(model) in line["message"]  # says what it found, for the operator


def test_model_file_with_its_sha256_loads(start: Any, tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    started = start(model, model_sha256=sha256_of(model).upper())
    assert started.client.get("/health").json()["status"] == "ok"
    assert started.errors() == []


# --- S3 (moto: the object, the bucket, the hash) ----------------------------------------


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def s3_settings(tmp_path: Path, sha256: str, uri: str = URI) -> dict[str, Any]:
    return {"model_s3_uri": uri, "model_sha256": sha256, "model_cache_dir": tmp_path / "cache"}


def test_s3_object_missing(start: Any, tmp_path: Path, s3: Any) -> None:
    started = start(tmp_path / "unused", **s3_settings(tmp_path, "a" * 64))
    assert_degraded(started, "NoSuchKey")
    assert list((tmp_path / "cache").iterdir()) == []


def test_s3_bucket_missing(start: Any, tmp_path: Path, s3: Any) -> None:
    uri = f"s3://no-such-bucket/{KEY}"
    assert_degraded(
        start(tmp_path / "unused", **s3_settings(tmp_path, "a" * 64, uri)), "NoSuchBucket"
    )


def test_s3_object_with_another_sha256_is_refused(start: Any, tmp_path: Path, s3: Any) -> None:
    s3.upload_file(str(tiny_model(tmp_path)), BUCKET, KEY)
    started = start(tmp_path / "unused", **s3_settings(tmp_path, "b" * 64))
    assert_degraded(started, "refused")
    assert list((tmp_path / "cache").iterdir()) == []  # never kept, never loaded


def test_s3_model_loads_with_its_metadata(start: Any, tmp_path: Path, s3: Any) -> None:
    model = tiny_model(tmp_path, version="from-s3")
    s3.upload_file(str(model), BUCKET, KEY)
    s3.upload_file(str(model.with_suffix(".json")), BUCKET, KEY.replace(".joblib", ".json"))
    started = start(tmp_path / "unused", **s3_settings(tmp_path, sha256_of(model)))
    assert started.client.get("/health").json()["model_version"] == "from-s3"
    assert started.errors() == []


# --- S3 unreachable, slow, flaky (a misbehaving endpoint on loopback) ---------------------


@pytest.fixture
def model_bytes(tmp_path: Path) -> bytes:
    source = tmp_path / "source"
    source.mkdir()
    return tiny_model(source, seed=7).read_bytes()


def endpoint(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    # botocore's own setting for a service's endpoint: the function's code path is unchanged.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", url)


def test_s3_unreachable_is_retried_then_degraded(
    start: Any, tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint(monkeypatch, "http://127.0.0.1:9")  # discard port: nothing listens
    started = start(tmp_path / "unused", **s3_settings(tmp_path, "c" * 64))
    line = assert_degraded(started, f"after {model_source.MAX_ATTEMPTS} attempts")
    assert "EndpointConnectionError" in line["message"]
    assert started.seconds < model_source.DOWNLOAD_BUDGET_S


def test_s3_that_never_answers_is_given_up_within_the_budget(
    start: Any, tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_s3("hang", {}) as fake:
        endpoint(monkeypatch, fake.url)
        started = start(tmp_path / "unused", **s3_settings(tmp_path, "d" * 64))
        line = assert_degraded(started, f"timed out after {model_source.DOWNLOAD_BUDGET_S:g} s")
    # Each attempt waited out its read timeout, then was retried, until the budget ran out.
    assert "ReadTimeoutError" in line["message"] and len(fake.requests) >= 2
    assert model_source.DOWNLOAD_BUDGET_S <= started.seconds < model_source.DOWNLOAD_BUDGET_S + 1
    # The budget bounds everything (the model and its metadata): half of Lambda's init.
    assert model_source.DOWNLOAD_BUDGET_S <= LAMBDA_INIT_LIMIT_S / 2


def test_s3_that_trickles_is_given_up_at_the_deadline(
    tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch, model_bytes: bytes
) -> None:
    """One byte every 0.2 s never trips a read timeout; only the total budget stops it."""
    with fake_s3("trickle", {KEY: model_bytes}) as fake:
        endpoint(monkeypatch, fake.url)
        began = time.monotonic()
        with pytest.raises(ModelUnavailable, match=r"timed out after 1\.5 s"):
            model_source.fetch_from_s3(URI, "e" * 64, tmp_path / "cache", budget_s=1.5)
        assert time.monotonic() - began < 2.0
        assert fake.requests == [f"GET /{BUCKET}/{KEY}"]
    # The abandoned worker stops at its next chunk and removes its partial file.
    wait_for(lambda: list((tmp_path / "cache").iterdir()) == [])


def test_s3_throttling_is_retried_with_backoff_until_it_works(
    start: Any, tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch, model_bytes: bytes
) -> None:
    with fake_s3("flaky", {KEY: model_bytes}, failures=2) as fake:
        endpoint(monkeypatch, fake.url)
        started = start(tmp_path / "unused", **s3_settings(tmp_path, _sha256(model_bytes)))
    assert started.client.get("/health").json()["status"] == "ok"
    assert started.errors() == []
    (retried,) = [
        line
        for line in started.logs
        if line["level"] == "WARNING" and "attempts" in line["message"]
    ]
    assert retried["message"] == "model file downloaded after 3 attempts"
    assert "SlowDown" in retried["last_error"]
    # 3 for the model, 1 for its metadata (404: a normal absence, not retried).
    assert [request.rsplit("/", 1)[-1] for request in fake.requests] == [
        "tiny_model.joblib", "tiny_model.joblib", "tiny_model.joblib", "tiny_model.json",
    ]  # fmt: skip


def test_s3_throttling_that_never_ends_is_degraded_after_the_attempts(
    start: Any, tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch, model_bytes: bytes
) -> None:
    with fake_s3("flaky", {KEY: model_bytes}, failures=100) as fake:
        endpoint(monkeypatch, fake.url)
        started = start(tmp_path / "unused", **s3_settings(tmp_path, _sha256(model_bytes)))
    assert_degraded(started, f"after {model_source.MAX_ATTEMPTS} attempts: ClientError")
    assert len(fake.requests) == model_source.MAX_ATTEMPTS


def test_s3_access_denied_is_not_retried(
    start: Any, tmp_path: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_s3("forbidden", {}) as fake:
        endpoint(monkeypatch, fake.url)
        started = start(tmp_path / "unused", **s3_settings(tmp_path, "f" * 64))
    assert_degraded(started, "AccessDenied")
    assert len(fake.requests) == 1


def test_the_s3_client_has_short_timeouts_and_no_retries_of_its_own(aws_env: None) -> None:
    config = model_source.s3_client_for_init().meta.config
    # Absolute bounds, not the module's own constants: S3 in the function's region connects
    # in milliseconds, so 1 s is generous; a stalled read is abandoned after at most 2 s so
    # that two attempts fit the download budget, itself at most half of Lambda's 10 s init.
    assert 0 < config.connect_timeout <= LAMBDA_INIT_LIMIT_S / 10
    assert 0 < config.read_timeout <= LAMBDA_INIT_LIMIT_S / 5
    assert 2 * config.read_timeout <= LAMBDA_INIT_LIMIT_S / 2
    assert config.retries["total_max_attempts"] == 1  # ours are bounded by the budget


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
