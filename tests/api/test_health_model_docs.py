"""GET /health, GET /model, the OpenAPI contract and docs, and CORS for local use."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from tests.api.conftest import MakeClient
from tests.function_support import PREDICT_ANSWER_KEYS, SHIPPED_MODEL


def test_health_is_ok_with_the_model_version(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_version": "test-1", "feedback": False}


def test_health_says_whether_feedback_is_collected(make_client: MakeClient) -> None:
    """The page offers its "wrong?" buttons only when the API says feedback is on."""
    assert make_client(feedback_bucket="a-bucket").get("/health").json()["feedback"] is True
    assert make_client(feedback_bucket="").get("/health").json()["feedback"] is False


def test_model_is_the_shipped_models_json(shipped: TestClient) -> None:
    metadata = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text())
    response = shipped.get("/model")
    assert response.status_code == 200 and response.json() == metadata
    assert shipped.get("/health").json()["model_version"] == metadata["version"]


def test_openapi_documents_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    predict = spec["paths"]["/predict"]["post"]
    assert set(predict["requestBody"]["content"]) == {
        "application/json",
        "image/png",
        "image/jpeg",
        "image/webp",
    }
    schemas = spec["components"]["schemas"]
    reference = predict["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schemas[reference.rsplit("/", 1)[1]]["required"] == ["image"]
    assert set(predict["responses"]) == {"200", "400", "413", "415", "422", "500", "503"}
    answer = predict["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/PredictResponse"}
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec)):
        assert ref in schemas
    assert set(schemas["PredictResponse"]["properties"]) == PREDICT_ANSWER_KEYS
    assert set(schemas["ErrorResponse"]["properties"]) == {"error", "message", "request_id"}
    assert set(spec["paths"]) == {"/predict", "/feedback", "/health", "/model"}
    assert "servers" not in spec  # no stage prefix locally


def test_docs_page_loads_the_spec_from_the_same_root(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "url: '/openapi.json'" in page.text


def test_cors_is_off_unless_origins_are_configured(make_client: MakeClient) -> None:
    preflight = {
        "origin": "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    closed = make_client()
    assert (
        "access-control-allow-origin" not in closed.options("/predict", headers=preflight).headers
    )
    opened = make_client(cors_origins=("http://localhost:5173",))
    response = opened.options("/predict", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    other = opened.options("/predict", headers={**preflight, "origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
