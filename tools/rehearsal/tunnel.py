"""The rehearsal's network: a forward proxy that knows only the rehearsal's host names.

The browser is started with this proxy (``--proxy-server``), so it asks for
``https://d1ab2cd3ef4gh5.cloudfront.net/`` exactly as a visitor does, port 443 and all, and the
proxy carries the encrypted stream to the local port that plays that host (CONNECT: the
proxy never sees inside TLS; the browser checks the certificate end to end). Plain-http
requests to a mapped host go to its port 80 stand-in. Any other host is refused, so nothing
leaves the machine and a request the page should never make shows up in ``refused``.
This is what DNS, the internet and the two services' port 443 are in AWS.
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tools.local.processes import LOOPBACK
from tools.rehearsal.servers import Background

MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Asked:
    """One request the browser made through the tunnel."""

    method: str  # CONNECT for https, else the plain-http method
    host: str
    port: int
    carried: bool  # False: not a rehearsal host, refused


@dataclass
class Tunnel:
    """``routes``: (host, port) as the browser names it -> the local port that plays it."""

    routes: dict[tuple[str, int], int]
    asked: list[Asked] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: Background | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the tunnel is not running")
        return f"http://{LOOPBACK}:{self._server.port}"

    def refused(self) -> list[Asked]:
        with self._lock:
            return [asked for asked in self.asked if not asked.carried]

    def hosts_asked(self) -> set[str]:
        with self._lock:
            return {asked.host for asked in self.asked}

    def note(self, asked: Asked) -> None:
        with self._lock:
            self.asked.append(asked)

    def start(self) -> Tunnel:
        self._server = Background.tcp(_TunnelHandler, owner=self).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


class _TunnelHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        tunnel: Tunnel = self.server.owner  # type: ignore[attr-defined]
        head = self._read_head()
        if head is None:
            return
        request_line, _, rest = head.partition(b"\r\n")
        try:
            method, target, version = request_line.decode("latin-1").split(" ")
        except ValueError:
            return
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = int(port_text) if port_text.isdigit() else 443
        else:
            parts = urlsplit(target)
            host, port = parts.hostname or "", parts.port or 80
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            # Origin-form for the stand-in, and one request per connection: the tunnel then
            # only carries bytes until the stand-in closes.
            head = f"{method} {path} {version}\r\n".encode("latin-1") + _without_connection(rest)
        local = tunnel.routes.get((host.lower(), port))
        tunnel.note(Asked(method, host.lower(), port, carried=local is not None))
        if local is None:
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection((LOOPBACK, local), timeout=30) as upstream:
            if method == "CONNECT":
                self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                upstream.sendall(head)
            self.wfile.flush()
            _carry(self.connection, upstream)

    def _read_head(self) -> bytes | None:
        lines = []
        size = 0
        while True:
            line = self.rfile.readline(MAX_HEAD_BYTES)
            size += len(line)
            if not line or size > MAX_HEAD_BYTES:
                return None
            lines.append(line)
            if line in (b"\r\n", b"\n"):
                return b"".join(lines)


def _without_connection(headers: bytes) -> bytes:
    """The header block with Connection and Proxy-Connection replaced by ``close``."""
    kept = [
        line
        for line in headers.split(b"\r\n")
        if line and not line.lower().startswith((b"connection:", b"proxy-connection:"))
    ]
    return b"\r\n".join([*kept, b"Connection: close", b"", b""])


def _carry(client: socket.socket, upstream: socket.socket) -> None:
    """Bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while events := selector.select(timeout=60):  # an idle minute ends it too
            for key, _ in events:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                except OSError:
                    return
