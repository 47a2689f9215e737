"""make lambda-local's stack, for real: HTTP -> SAM's local API Gateway -> the emulator ->
awslambdaric -> Mangum -> the app, with the template's environment, and the page beside it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.infra.cfn import Evaluator, load_template
from tests.infra.lambda_stack import lambda_local_server

from tools.canvas import canvas_png, data_url
from tools.local import lambda_local

pytestmark = [pytest.mark.lambda_runtime, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack() -> Iterator[str]:
    with lambda_local_server() as url:
        yield url


@pytest.fixture
def client(stack: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack, timeout=60) as http:
        yield http


@pytest.mark.parametrize("digit", [4, 7])
def test_post_predict_with_a_canvas_png_answers_the_digit(client: httpx.Client, digit: int) -> None:
    png = canvas_png(digit, variant=1)  # drawn here, as the page's canvas draws
    response = client.post("/predict", json={"image": data_url(png)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["digit"] == digit
    assert len(answer["probabilities"]) == 10
    assert answer["confidence"] == max(answer["probabilities"])
    model = json.loads((ROOT / "models" / "digit_model_28.json").read_text(encoding="utf-8"))
    assert answer["model_version"] == model["version"]
    assert answer["preview"].startswith("data:image/png;base64,")


def test_raw_png_body_reaches_the_function_base64_encoded(client: httpx.Client) -> None:
    response = client.post("/predict", content=canvas_png(2), headers={"content-type": "image/png"})
    assert response.status_code == 200, response.text
    assert response.json()["digit"] == 2


def test_bad_input_is_the_contracts_json_error(client: httpx.Client) -> None:
    truncated = base64.b64encode(canvas_png(1)).decode()[:40]
    response = client.post("/predict", json={"image": f"data:image/png;base64,{truncated}"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_image"
    assert body["request_id"]


def test_health_reports_the_loaded_model(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_route_is_the_http_apis_404(client: httpx.Client) -> None:
    response = client.post("/health")
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})


def test_page_is_served_on_the_same_origin_with_the_sites_csp(client: httpx.Client) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js"></script>' in index.text
    resources = Evaluator(load_template()).resources()
    headers = resources["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert index.headers["content-security-policy"] == csp
    assert index.headers["x-frame-options"] == "DENY"
    script = client.get("/app.js")
    assert script.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    config = client.get("/config.js")
    assert 'export const API_BASE_URL = "";' in config.text  # same origin, untouched
    assert "content-security-policy" not in client.get("/health").headers


def test_function_gets_the_templates_environment_with_task_root_paths_relative() -> None:
    described = lambda_local.describe_function()
    template_env = Evaluator(load_template()).resources()["DigitFunction"]["Properties"][
        "Environment"
    ]["Variables"]
    # SAM local names a resource it cannot resolve (!Ref FeedbackBucket) by its logical id.
    template_env = {**template_env, "FEEDBACK_BUCKET": "FeedbackBucket"}
    assert described["environment"] == template_env
    env = lambda_local.function_environment(described)
    assert env["MODEL_PATH"] == "models/digit_model_28.joblib"  # cwd is the staged task root
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == str(
        load_template()["Globals"]["Function"]["Timeout"]
    )
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == str(
        load_template()["Parameters"]["MemorySize"]["Default"]
    )
    routes = {(m, r["path"]) for r in described["routes"] for m in r["methods"] if m != "OPTIONS"}
    assert routes == {
        ("POST", "/predict"),
        ("POST", "/feedback"),
        ("GET", "/health"),
        ("GET", "/model"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
    }


def test_handler_comes_from_the_dockerfiles_cmd(tmp_path: Path) -> None:
    assert lambda_local.dockerfile_cmd(ROOT / "function" / "Dockerfile") == "digits.handler.handler"
    other = tmp_path / "Dockerfile"
    other.write_text('FROM x\nCMD ["a.b"]\n# CMD ["not.this"]\nCMD ["app.handler"]\n')
    assert lambda_local.dockerfile_cmd(other) == "app.handler"
    other.write_text("FROM x\nCMD python app.py\n")
    with pytest.raises(ValueError, match="expected CMD"):
        lambda_local.dockerfile_cmd(other)
