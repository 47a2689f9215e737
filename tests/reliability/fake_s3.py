"""A misbehaving S3 on loopback, for the model download's fault tests.

botocore talks to it as to S3 (``AWS_ENDPOINT_URL_S3``, path-style for an IP address),
so the function's own client, timeouts and retries are what is tested. Behaviours:

    hang       read the request, never answer (a black-holed connection)
    trickle    answer 200 and send the object one byte every 0.2 s
    flaky      answer ``failures`` times 503 SlowDown, then serve the object
    forbidden  answer 403 AccessDenied (a permanent error: not worth retrying)
    accept     a working bucket: PUT stores the object, GET serves it

Objects are served by key; an unknown key is 404 NoSuchKey, as S3 says it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Behaviour = Literal["hang", "trickle", "flaky", "forbidden", "accept"]

_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Error><Code>{code}</Code><Message>{message}</Message></Error>"
)


@dataclass
class FakeS3:
    behaviour: Behaviour
    objects: dict[str, bytes] = field(default_factory=dict)  # key (no bucket) -> bytes
    failures: int = 0  # flaky: how many 503s before success
    requests: list[str] = field(default_factory=list)  # "GET /bucket/key", in order
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@contextlib.contextmanager
def fake_s3(behaviour: Behaviour, objects: dict[str, bytes], failures: int = 0) -> Iterator[FakeS3]:
    """The fake on a free loopback port; ``fake.url`` is its endpoint URL."""
    fake = FakeS3(behaviour, dict(objects), failures)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()  # hanging handlers return
        server.shutdown()
        server.server_close()


def _handler(fake: FakeS3) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read ``fake.requests`` instead."""

        def do_GET(self) -> None:
            fake.requests.append(f"GET {self.path}")
            key = self.path.split("?", 1)[0].lstrip("/").partition("/")[2]
            if fake.behaviour == "hang":
                fake.released.wait(60)
                return
            if fake.behaviour == "forbidden":
                self._error(403, "AccessDenied", "Access Denied")
                return
            if fake.behaviour == "flaky" and len(fake.requests) <= fake.failures:
                self._error(503, "SlowDown", "Please reduce your request rate.")
                return
            if key not in fake.objects:
                self._error(404, "NoSuchKey", "The specified key does not exist.")
                return
            data = fake.objects[key]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fake.behaviour == "trickle":
                for index in range(len(data)):
                    if fake.released.wait(0.2):
                        return
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                return
            self.wfile.write(data)

        def do_PUT(self) -> None:
            fake.requests.append(f"PUT {self.path}")
            key = self.path.split("?", 1)[0].lstrip("/").partition("/")[2]
            if fake.behaviour != "accept":
                self._error(403, "AccessDenied", "Access Denied")
                return
            fake.objects[key] = self._body()
            self.send_response(200)
            self.send_header("ETag", '"0"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))
            data = b""
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers (aws-chunked checksums)
                pass
            return data

        def _error(self, status: int, code: str, message: str) -> None:
            body = _ERROR.format(code=code, message=message).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until ``condition()`` is true (for what a background thread finishes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)
