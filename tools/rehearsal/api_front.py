"""API Gateway's part in the rehearsal: the HTTP API's edge, over HTTPS, on its own origin.

In front of the function as `make lambda-local` runs it (SAM CLI's local API Gateway and the
Runtime Interface Emulator, plain http on loopback, as the gateway reaches Lambda inside AWS),
it does what the HTTP API does before and after the function, as template.yaml configures it:

- **routes**: only the template's HttpApi events reach the function; any other method or path
  is 404 ``{"message":"Not Found"}`` (the local gateway behind also serves the page: AWS's
  API does not);
- **CORS** (the HttpApi's CorsConfiguration, evaluated with the stack's values): a preflight
  (OPTIONS with Origin and Access-Control-Request-Method) is answered here, 204, with the
  Access-Control-* headers only when the origin and the method are allowed; other answers get
  Access-Control-Allow-Origin for an allowed origin; CORS headers from the function are
  dropped (API Gateway ignores a backend's when CORS is configured);
- **its own errors**: 503 ``{"message":"Service Unavailable"}`` when the function does not
  answer within the integration's 30 s, 500 ``{"message":"Internal Server Error"}`` when it
  cannot be reached.

Throttling cannot be produced by the emulator, nor a cold start that fails at API Gateway's
edge, so they are injected: ``throttle_next`` answers the next requests as the HTTP API does
when a route is throttled (429 ``{"message":"Too Many Requests"}``), ``unavailable_next`` as it
does when the integration times out (503). Injected answers carry the CORS headers for an
allowed origin, as the gateway's own answers are assumed to (not verified against AWS here).
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tools.aws.cfn_eval import Evaluator
from tools.rehearsal.servers import Background, EveryMethodHandler

# API Gateway's HTTP API integration timeout (its maximum, and the default).
INTEGRATION_TIMEOUT_S = 30.0
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "host", "content-length"}
)  # fmt: skip
TOO_MANY_REQUESTS = (429, {"message": "Too Many Requests"})
SERVICE_UNAVAILABLE = (503, {"message": "Service Unavailable"})
INTERNAL_ERROR = (500, {"message": "Internal Server Error"})
NOT_FOUND = (404, {"message": "Not Found"})


def http_api_routes(evaluator: Evaluator) -> frozenset[tuple[str, str]]:
    """(METHOD, /path) of every HttpApi event of the template's functions."""
    routes = set()
    for resource in evaluator.resources().values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                routes.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return frozenset(routes)


@dataclass(frozen=True)
class CorsRules:
    """The HttpApi's CorsConfiguration, as API Gateway applies it."""

    allow_origins: frozenset[str]
    allow_methods: frozenset[str]
    allow_headers: frozenset[str]
    max_age: int | None

    @classmethod
    def from_template(cls, evaluator: Evaluator) -> CorsRules:
        config = evaluator.resources()["HttpApi"]["Properties"]["CorsConfiguration"]
        return cls(
            allow_origins=frozenset(config.get("AllowOrigins", [])),
            allow_methods=frozenset(m.upper() for m in config.get("AllowMethods", [])),
            allow_headers=frozenset(h.lower() for h in config.get("AllowHeaders", [])),
            max_age=int(config["MaxAge"]) if "MaxAge" in config else None,
        )

    def allows(self, origin: str | None) -> bool:
        return origin is not None and ("*" in self.allow_origins or origin in self.allow_origins)

    def preflight(self, origin: str | None, method: str) -> dict[str, str]:
        """The Access-Control-* headers of a preflight's answer; none for a refused one."""
        if not self.allows(origin) or method.upper() not in self.allow_methods:
            return {}
        headers = {
            "Access-Control-Allow-Origin": str(origin),
            "Access-Control-Allow-Methods": ",".join(sorted(self.allow_methods)),
        }
        if self.allow_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(sorted(self.allow_headers))
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        return headers

    def answer(self, origin: str | None) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": str(origin)} if self.allows(origin) else {}


@dataclass(frozen=True)
class Seen:
    """One request at the API's edge, and how it was answered."""

    method: str
    path: str
    origin: str | None
    status: int
    cors: bool  # the answer carried Access-Control-Allow-Origin
    by: str  # "function", "preflight", "route", "injected" or "gateway"


@dataclass
class ApiFront:
    """``https://<hostname>`` in front of the function's local gateway at ``upstream``."""

    hostname: str
    upstream: str  # http://127.0.0.1:<port>, make lambda-local's stack
    routes: frozenset[tuple[str, str]]
    cors: CorsRules
    context: ssl.SSLContext
    timeout_s: float = INTEGRATION_TIMEOUT_S
    seen: list[Seen] = field(default_factory=list)
    _faults: list[tuple[str, tuple[int, dict[str, str]]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: Background | None = None

    @property
    def url(self) -> str:
        return f"https://{self.hostname}"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the API front is not running")
        return self._server.port

    def start(self) -> ApiFront:
        self._server = Background.http(_ApiHandler, owner=self, context=self.context).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def throttle_next(self, count: int = 1, path: str = "/predict") -> None:
        """The next ``count`` requests to ``path``: API Gateway's answer to a throttled route."""
        self._inject(path, TOO_MANY_REQUESTS, count)

    def unavailable_next(self, count: int = 1, path: str = "/predict") -> None:
        """The next ``count`` requests to ``path``: its answer when the integration times out."""
        self._inject(path, SERVICE_UNAVAILABLE, count)

    def _inject(self, path: str, answer: tuple[int, dict[str, str]], count: int) -> None:
        with self._lock:
            self._faults.extend([(path, answer)] * count)

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def take_fault(self, path: str) -> tuple[int, dict[str, str]] | None:
        with self._lock:
            for index, (where, answer) in enumerate(self._faults):
                if where == path:
                    del self._faults[index]
                    return answer
        return None

    def note(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def forward(
        self, method: str, target: str, headers: Any, body: bytes, client: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The request to the function's gateway; its answer, without hop-by-hop headers."""
        parts = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=self.timeout_s
        )
        outgoing = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        outgoing.update(
            {
                "Host": self.hostname,
                "X-Forwarded-For": client,
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Port": "443",
            }
        )
        try:
            connection.request(method, target, body=body or None, headers=outgoing)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        kept = [
            (name, value)
            for name, value in response.getheaders()
            if name.lower() not in HOP_BY_HOP and not name.lower().startswith("access-control-")
        ]
        return response.status, kept, content


class _ApiHandler(EveryMethodHandler):
    def serve(self) -> None:
        front: ApiFront = self.server.owner  # type: ignore[attr-defined]
        origin = self.headers.get("Origin")
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        requested = self.headers.get("Access-Control-Request-Method")
        headers: list[tuple[str, str]]
        if self.command == "OPTIONS" and origin and requested:
            cors = front.cors.preflight(origin, requested)
            status, headers, content, by = 204, list(cors.items()), b"", "preflight"
        else:
            status, headers, content, by = self._answer(front, path, body)
            headers += list(front.cors.answer(origin).items())
        front.note(Seen(self.command, path, origin, status, _has_allow_origin(headers), by))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("apigw-requestid", secrets.token_urlsafe(12))
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _answer(
        self, front: ApiFront, path: str, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes, str]:
        if (self.command, path) not in front.routes:
            return (*_json(NOT_FOUND), "route")
        injected = front.take_fault(path)
        if injected is not None:
            return (*_json(injected), "injected")
        try:
            status, headers, content = front.forward(
                self.command, self.path, self.headers, body, self.client_address[0]
            )
        except TimeoutError:
            return (*_json(SERVICE_UNAVAILABLE), "gateway")
        except (ConnectionError, socket.gaierror, http.client.HTTPException):
            return (*_json(INTERNAL_ERROR), "gateway")
        return status, headers, content, "function"


def _json(answer: tuple[int, dict[str, str]]) -> tuple[int, list[tuple[str, str]], bytes]:
    status, body = answer
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


def _has_allow_origin(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "access-control-allow-origin" for name, _ in headers)
