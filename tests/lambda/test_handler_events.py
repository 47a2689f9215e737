"""The Lambda handler fed real API Gateway events (events/, from sam local generate-event)."""

from __future__ import annotations

import base64
import copy
import json
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from tests.function_support import assert_error, event
from tests.hostile_inputs import CASES, Case


class Context:
    """The fields of Lambda's context object that the function reads."""

    aws_request_id = "6f1c9a3e-5d2b-4c8e-9f00-123456789abc"
    function_name = "digit-function"


@pytest.fixture(scope="module")
def handler() -> Any:
    from digits.handler import handler

    return handler


class Answer:
    """A handler result seen like an HTTP response (for the shared assertions)."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.status_code: int = result["statusCode"]
        self.headers = {name.lower(): value for name, value in result["headers"].items()}
        body = result["body"]
        self.content = base64.b64decode(body) if result["isBase64Encoded"] else body.encode()
        self.text = self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def call(handler: Any, name_or_event: str | dict[str, Any]) -> Answer:
    payload = event(name_or_event) if isinstance(name_or_event, str) else name_or_event
    return Answer(handler(payload, Context()))


def test_the_events_carry_real_canvas_pngs() -> None:
    for name in ("http-v2-predict-png", "rest-v1-predict-png"):
        payload = event(name)
        assert payload["isBase64Encoded"] is True
        image = Image.open(BytesIO(base64.b64decode(payload["body"])))
        assert (image.format, image.size, image.mode) == ("PNG", (280, 280), "RGBA")
    body = json.loads(event("http-v2-predict-json")["body"])
    assert body["image"].startswith("data:image/png;base64,iVBORw0KGgo")


@pytest.mark.parametrize(
    ("name", "digit"),
    [
        ("http-v2-predict-json", 3),
        ("http-v2-predict-png", 7),
        ("rest-v1-predict-json", 3),
        ("rest-v1-predict-png", 7),
    ],
)
def test_predict_events_are_answered(handler: Any, name: str, digit: int) -> None:
    answer = call(handler, name)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["digit"] == digit
    assert answer.headers["x-request-id"] == Context.aws_request_id


@pytest.mark.parametrize("version", ["http-v2", "rest-v1"])
def test_health_and_model_events(handler: Any, version: str) -> None:
    health = call(handler, f"{version}-health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    model = call(handler, f"{version}-model")
    assert model.json()["version"] == health.json()["model_version"]


def test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage(handler: Any) -> None:
    docs = event("rest-v1-docs")
    assert docs["requestContext"]["stage"] == "prod" and docs["path"] == "/docs"
    page = call(handler, docs)
    assert page.status_code == 200 and "url: '/prod/openapi.json'" in page.text
    spec = call(handler, "rest-v1-openapi-json").json()
    assert spec["servers"] == [{"url": "/prod"}]  # "Try it out" calls /prod/predict
    assert "/predict" in spec["paths"]


def test_docs_behind_the_http_api_default_stage_have_no_prefix(handler: Any) -> None:
    page = call(handler, "http-v2-docs")
    assert page.status_code == 200 and "url: '/openapi.json'" in page.text
    assert "servers" not in call(handler, "http-v2-openapi-json").json()


def test_an_http_api_named_stage_is_stripped_and_used_as_root(handler: Any) -> None:
    named = copy.deepcopy(event("http-v2-docs"))
    named["rawPath"] = named["requestContext"]["http"]["path"] = "/dev/docs"
    named["requestContext"]["stage"] = "dev"
    page = call(handler, named)
    assert page.status_code == 200 and "url: '/dev/openapi.json'" in page.text
    health = copy.deepcopy(event("http-v2-health"))
    health["rawPath"] = "/dev/health"
    health["requestContext"]["stage"] = "dev"
    assert call(handler, health).json()["status"] == "ok"


def _with_body(template: str, case: Case) -> dict[str, Any]:
    payload = copy.deepcopy(event(template))
    payload["body"] = base64.b64encode(case.body).decode()
    payload["isBase64Encoded"] = True
    headers = payload["headers"]
    for name in [name for name in headers if name.lower() == "content-type"]:
        del headers[name]
    headers["content-type"] = case.content_type
    headers.update(case.headers)
    if "httpMethod" in payload:  # REST API (payload 1.0)
        payload["httpMethod"] = payload["requestContext"]["httpMethod"] = case.method
    else:  # HTTP API (payload 2.0)
        payload["requestContext"]["http"]["method"] = case.method
        payload["routeKey"] = payload["requestContext"]["routeKey"] = f"{case.method} /predict"
    if "multiValueHeaders" in payload:
        payload["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    return payload


@pytest.mark.parametrize("template", ["http-v2-predict-json", "rest-v1-predict-json"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_inputs_through_api_gateway(handler: Any, template: str, case: Case) -> None:
    answer = call(handler, _with_body(template, case))
    if case.status == 200:
        assert answer.status_code == 200 and answer.json()["digit"] == case.answer
    else:
        assert isinstance(case.answer, str)
        body = assert_error(answer, case.status, case.answer)
        assert body["request_id"] == Context.aws_request_id
