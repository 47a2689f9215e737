"""CloudFront's part in the rehearsal: the page read from the site bucket, served over HTTPS.

What it does is what template.yaml's SiteDistribution asks of CloudFront, read from the
template by the caller (``Distribution.from_template``): the bucket's objects with the
Content-Type, Cache-Control and ETag the upload gave them, the default root object for "/",
only the allowed methods, the response-headers policy's headers (CSP, HSTS and the rest)
over whatever the object carries, a 403 for a key the bucket does not have (S3 answers
CloudFront's signed request with AccessDenied when the key is missing and the distribution
may not list the bucket), and, on the plain-http listener, a redirect to https.
Not played: the edge cache and its invalidations (every request reads the bucket), compression,
HTTP/2 and 3, the *.cloudfront.net certificate (the rehearsal's CA issues one).
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from tools.aws.cfn_eval import Evaluator
from tools.rehearsal.servers import Background, EveryMethodHandler

ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
)


@dataclass(frozen=True)
class Distribution:
    """The parts of the distribution's configuration that shape what a visitor gets."""

    default_root_object: str
    allowed_methods: frozenset[str]
    redirect_to_https: bool

    @classmethod
    def from_template(cls, evaluator: Evaluator) -> Distribution:
        config = evaluator.resources()["SiteDistribution"]["Properties"]["DistributionConfig"]
        behaviour = config["DefaultCacheBehavior"]
        return cls(
            default_root_object=config.get("DefaultRootObject", ""),
            allowed_methods=frozenset(behaviour["AllowedMethods"]),
            redirect_to_https=behaviour["ViewerProtocolPolicy"] == "redirect-to-https",
        )


@dataclass(frozen=True)
class Served:
    """One request the front answered."""

    method: str
    path: str
    status: int


@dataclass
class SiteFront:
    """``hostname`` over HTTPS (and http, redirected), the bucket's objects behind it."""

    hostname: str
    s3: Any  # a boto3 S3 client: the front reads the bucket as CloudFront's origin requests do
    bucket: str
    distribution: Distribution
    headers: dict[str, str]  # the response-headers policy's, evaluated from the template
    context: ssl.SSLContext
    served: list[Served] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _servers: list[Background] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.hostname}"

    def start(self) -> SiteFront:
        self._servers = [
            Background.http(_SiteHandler, owner=self, context=self.context).start(),
            Background.http(_SiteHandler, owner=self, context=None).start(),
        ]
        return self

    @property
    def https_port(self) -> int:
        return self._servers[0].port

    @property
    def http_port(self) -> int:
        return self._servers[1].port

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []

    def note(self, served: Served) -> None:
        with self._lock:
            self.served.append(served)

    def answer(self, method: str, target: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request that came in over HTTPS."""
        if method not in self.distribution.allowed_methods:
            return 403, {"Content-Type": "text/plain"}, b"method not allowed by the distribution"
        key = unquote(urlsplit(target).path).lstrip("/") or self.distribution.default_root_object
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] not in {"NoSuchKey", "AccessDenied", "404"}:
                raise
            return 403, {"Content-Type": "application/xml"}, ACCESS_DENIED
        body: bytes = found["Body"].read()
        answer = {
            "Content-Type": found["ContentType"],
            "ETag": found["ETag"],
            "Last-Modified": format_datetime(found["LastModified"].astimezone(UTC), usegmt=True),
        }
        if found.get("CacheControl"):
            answer["Cache-Control"] = found["CacheControl"]
        if headers.get("If-None-Match") == found["ETag"]:
            return 304, answer, b""
        return 200, answer, body


class _SiteHandler(EveryMethodHandler):
    server_version = "CloudFront"  # the Server header CloudFront sends

    def _front(self) -> SiteFront:
        front: SiteFront = self.server.owner  # type: ignore[attr-defined]
        return front

    def serve(self) -> None:
        front = self._front()
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        over_tls = self.server.context is not None  # type: ignore[attr-defined]
        if host != front.hostname:
            status, headers, body = 403, {"Content-Type": "text/plain"}, b"unknown host"
        elif not over_tls and front.distribution.redirect_to_https:
            status, headers, body = 301, {"Location": f"https://{host}{self.path}"}, b""
        else:
            try:
                status, headers, body = front.answer(self.command, self.path, self.headers)
            except (ClientError, BotoCoreError, OSError):
                # CloudFront's answer when its origin fails; the cause stays in the front's log.
                status, headers, body = 502, {"Content-Type": "text/plain"}, b"origin error"
            headers.update(front.headers)  # the policy overrides (Override: true)
        front.note(Served(self.command, self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        if not over_tls:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
