"""The two fronts over HTTPS, as a client sees them through the tunnel: CloudFront's part (the
template's headers, methods, default object, redirect) and API Gateway's (routes, CORS, its
own errors). The browser tests show the page living with them; these pin the edges' rules."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tools.aws.site_headers import site_headers
from tools.rehearsal.api_front import ApiFront, CorsRules
from tools.rehearsal.certificates import RehearsalCA
from tools.rehearsal.rehearsal import Rehearsal
from tools.rehearsal.servers import Background

pytestmark = [pytest.mark.rehearsal, pytest.mark.lambda_runtime, pytest.mark.slow]


def ask(
    rehearsal: Rehearsal, url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with rehearsal.opener().open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize("path", ["/", "/index.html", "/app.js"])
def test_the_site_sends_the_templates_headers_over_https(rehearsal: Rehearsal, path: str) -> None:
    status, headers, _ = ask(rehearsal, f"{rehearsal.site.url}{path}")
    assert status == 200
    wanted = site_headers(parameters=rehearsal.stack.parameters, https=True)
    assert {name: headers.get(name) for name in wanted} == wanted
    assert "max-age=63072000" in headers["Strict-Transport-Security"]
    assert (
        f"connect-src 'self' {rehearsal.stack.outputs['ApiUrl']};"
        in (headers["Content-Security-Policy"])
    )


def test_the_site_answers_like_a_private_bucket_behind_cloudfront(rehearsal: Rehearsal) -> None:
    status, _, body = ask(rehearsal, f"{rehearsal.site.url}/no-such-file.js")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert ask(rehearsal, f"{rehearsal.site.url}/index.html", "POST")[0] == 403
    status, headers, _ = ask(rehearsal, f"{rehearsal.site.url}/index.html")
    etag = headers["ETag"]
    again = ask(rehearsal, f"{rehearsal.site.url}/index.html", headers={"If-None-Match": etag})
    assert again[0] == 304 and again[2] == b""


def test_plain_http_to_the_site_is_redirected_to_https(rehearsal: Rehearsal) -> None:
    host = rehearsal.site.hostname
    opener = rehearsal.opener()
    with opener.open(f"http://{host}/index.html?x=1", timeout=30) as response:
        assert response.url == f"https://{host}/index.html?x=1"  # followed the 301
        assert response.status == 200


def test_a_preflight_from_the_site_is_granted(rehearsal: Rehearsal) -> None:
    site = rehearsal.site.url
    status, headers, body = ask(
        rehearsal,
        f"{rehearsal.api.url}/predict",
        "OPTIONS",
        {"Origin": site, "Access-Control-Request-Method": "POST",
         "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert (status, body) == (204, b"")
    assert headers["Access-Control-Allow-Origin"] == site
    assert set(headers["Access-Control-Allow-Methods"].split(",")) == {"GET", "POST", "OPTIONS"}
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert headers["Access-Control-Max-Age"] == "600"


@pytest.mark.parametrize(
    ("origin", "method"),
    [
        ("https://elsewhere.example", "POST"),
        ("http://localhost:8000", "POST"),  # not allowed unless ExtraAllowedOrigins says so
        (None, "PUT"),  # the site's origin, a method the template does not allow
    ],
    ids=["foreign-origin", "localhost", "method"],
)
def test_other_preflights_get_no_cors_headers(
    rehearsal: Rehearsal, origin: str | None, method: str
) -> None:
    headers = {"Origin": origin or rehearsal.site.url, "Access-Control-Request-Method": method}
    status, answer, _ = ask(rehearsal, f"{rehearsal.api.url}/predict", "OPTIONS", headers)
    assert status == 204
    assert not [name for name in answer if name.lower().startswith("access-control-")]


def test_answers_carry_the_allow_origin_for_the_site_only(rehearsal: Rehearsal) -> None:
    url = f"{rehearsal.api.url}/health"
    status, headers, body = ask(rehearsal, url, headers={"Origin": rehearsal.site.url})
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["Access-Control-Allow-Origin"] == rehearsal.site.url
    status, headers, _ = ask(rehearsal, url, headers={"Origin": "https://elsewhere.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/index.html"), ("GET", "/predict"), ("POST", "/nope")],
)
def test_only_the_templates_routes_reach_the_function(
    rehearsal: Rehearsal, method: str, path: str
) -> None:
    """The local gateway behind also serves the page; API Gateway does not."""
    status, headers, body = ask(
        rehearsal, f"{rehearsal.api.url}{path}", method, {"Origin": rehearsal.site.url}
    )
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    assert headers["Access-Control-Allow-Origin"] == rehearsal.site.url


def test_the_tunnel_carries_only_the_rehearsals_hosts(rehearsal: Rehearsal) -> None:
    with pytest.raises(urllib.error.URLError):
        rehearsal.opener().open("https://example.org/", timeout=10)
    assert any(asked.host == "example.org" for asked in rehearsal.tunnel.refused())


# --- The API front alone, in front of a small server that misbehaves on purpose -------------


class _Backend(BaseHTTPRequestHandler):
    """Answers /health with a wide-open CORS header of its own; /slow after 2 s."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(2)
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[tuple[ApiFront, RehearsalCA, Background]]:
    ca = RehearsalCA(tmp_path)
    backend = Background.http(_Backend, owner=None, context=None).start()
    cors = CorsRules(frozenset({"https://site.example"}), frozenset({"GET"}), frozenset(), None)
    front = ApiFront(
        "api.example",
        f"http://127.0.0.1:{backend.port}",
        frozenset({("GET", "/health"), ("GET", "/slow")}),
        cors,
        ca.server_context("api.example", "127.0.0.1"),
        timeout_s=0.5,
    ).start()
    yield front, ca, backend
    front.stop()
    backend.stop()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def edge_get(front: ApiFront, ca: RehearsalCA, path: str, origin: str) -> Answer:
    connection = http.client.HTTPSConnection("127.0.0.1", front.port, context=ca.client_context())
    try:
        connection.request("GET", path, headers={"Origin": origin})
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def test_the_functions_own_cors_headers_are_dropped(
    edge: tuple[ApiFront, RehearsalCA, Background],
) -> None:
    front, ca, _ = edge
    answer = edge_get(front, ca, "/health", "https://elsewhere.example")
    assert answer.status == 200 and "Access-Control-Allow-Origin" not in answer.headers
    answer = edge_get(front, ca, "/health", "https://site.example")
    assert answer.headers.get("Access-Control-Allow-Origin") == "https://site.example"


def test_a_function_past_the_integration_timeout_is_a_503(
    edge: tuple[ApiFront, RehearsalCA, Background],
) -> None:
    front, ca, _ = edge
    answer = edge_get(front, ca, "/slow", "https://site.example")
    assert answer.status == 503
    assert json.loads(answer.body) == {"message": "Service Unavailable"}
    assert answer.headers.get("Access-Control-Allow-Origin") == "https://site.example"


def test_an_unreachable_function_is_a_500(edge: tuple[ApiFront, RehearsalCA, Background]) -> None:
    front, ca, backend = edge
    backend.stop()
    answer = edge_get(front, ca, "/health", "https://site.example")
    assert answer.status == 500
    assert json.loads(answer.body) == {"message": "Internal Server Error"}


def test_injected_faults_are_used_up_in_order(
    edge: tuple[ApiFront, RehearsalCA, Background],
) -> None:
    front, ca, _ = edge
    front.throttle_next(1, path="/health")
    front.unavailable_next(1, path="/health")
    statuses = [edge_get(front, ca, "/health", "https://site.example").status for _ in range(3)]
    assert statuses == [429, 503, 200]
    assert front.pending_faults() == 0
    assert [seen.by for seen in front.seen] == ["injected", "injected", "function"]
