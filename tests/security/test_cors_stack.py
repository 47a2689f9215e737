"""CORS on the Docker-free Lambda stack (make lambda-local): a foreign origin gets no grant.

In AWS the HTTP API answers CORS from template.yaml's CorsConfiguration (the function's own
CORS is off: CORS_ORIGINS=""); SAM CLI's local API Gateway applies the same configuration
here. A browser reads a cross-origin answer only with Access-Control-Allow-Origin naming
its origin, so "refused" is: no such header, on the preflight and on the request itself.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tools.canvas import canvas_png, data_url
from tools.local.lambda_local import ROOT, sam_environment, sam_python

pytestmark = [pytest.mark.lambda_runtime, pytest.mark.slow]

ALLOW_ORIGIN = "access-control-allow-origin"
CORS_HEADERS = {ALLOW_ORIGIN, "access-control-allow-methods", "access-control-allow-headers"}


@pytest.fixture(scope="module")
def allowed_origin() -> str:
    """The origin the stack's gateway allows, as SAM CLI resolves the template's CORS."""
    script = (
        "import json, pathlib\n"
        "from samcli.lib.providers.api_provider import ApiProvider\n"
        "from tools.local.local_apigw import load_stacks\n"
        "stacks = load_stacks(pathlib.Path('template.yaml'), 'ap-northeast-2', {})\n"
        "print(json.dumps(ApiProvider(stacks, cwd='.').api.cors.allow_origin))\n"
    )
    done = subprocess.run(
        [str(sam_python()), "-c", script],
        cwd=ROOT,
        env=sam_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    origins = json.loads(done.stdout.strip().splitlines()[-1]).split(",")
    (origin,) = origins  # the site's CloudFront origin only (ExtraAllowedOrigins is empty)
    assert origin.startswith("https://") and "*" not in origin
    return str(origin)


@pytest.fixture
def client(lambda_stack_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lambda_stack_url, timeout=60) as http:
        yield http


def preflight(client: httpx.Client, origin: str) -> httpx.Response:
    return client.options(
        "/predict",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )


def predict(client: httpx.Client, origin: str) -> httpx.Response:
    return client.post(
        "/predict", json={"image": data_url(canvas_png(4))}, headers={"origin": origin}
    )


def foreign_origins(allowed: str, stack: str) -> list[str]:
    host = allowed.removeprefix("https://")
    return [
        "https://evil.example",
        "null",  # sandboxed iframes, file: pages
        f"http://{host}",  # the site's host without TLS
        f"https://{host}.evil.example",  # the site's name as a prefix
        f"https://evil{host}",
        f"{allowed}:8443",
        stack,  # the page's own local origin: same-origin needs no grant, nor gets one
    ]


def test_the_sites_origin_is_granted(client: httpx.Client, allowed_origin: str) -> None:
    """Control: the gate opens for the configured origin (so the refusals below mean it)."""
    answer = preflight(client, allowed_origin)
    assert answer.headers[ALLOW_ORIGIN] == allowed_origin
    assert "POST" in answer.headers["access-control-allow-methods"]
    response = predict(client, allowed_origin)
    assert response.status_code == 200
    assert response.headers[ALLOW_ORIGIN] == allowed_origin


def test_a_foreign_origin_gets_no_grant(
    client: httpx.Client, allowed_origin: str, lambda_stack_url: str
) -> None:
    for origin in foreign_origins(allowed_origin, lambda_stack_url):
        answer = preflight(client, origin)
        assert CORS_HEADERS.isdisjoint(answer.headers), (origin, dict(answer.headers))
        response = predict(client, origin)
        # The function still answers (CORS binds browsers, not servers); no browser may read it.
        assert response.status_code == 200, origin
        assert CORS_HEADERS.isdisjoint(response.headers), (origin, dict(response.headers))


def test_no_wildcard_and_no_credentials_anywhere(client: httpx.Client, allowed_origin: str) -> None:
    for response in (
        preflight(client, allowed_origin),
        client.get("/health", headers={"origin": allowed_origin}),
    ):
        assert response.headers.get(ALLOW_ORIGIN) != "*"
        assert "access-control-allow-credentials" not in response.headers
