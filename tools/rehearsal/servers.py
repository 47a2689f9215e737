"""Standard-library servers on 127.0.0.1, each in a thread of its own, TLS when given a context.

The rehearsal's fronts (the CloudFront and API Gateway stand-ins) and its tunnel are small
and must be inspected and steered by the tests (what was asked, what to fail next), so they
run in the rehearsal's process rather than as child processes.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tools.local.processes import LOOPBACK


class EveryMethodHandler(BaseHTTPRequestHandler):
    """An HTTP/1.1 handler whose ``serve`` answers every method (the front decides what a
    method gets), and that keeps quiet: each front records what it answered."""

    protocol_version = "HTTP/1.1"
    sys_version = ""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # how BaseHTTPRequestHandler looks up a method's handler
            return self.serve
        raise AttributeError(name)

    def serve(self) -> None:
        raise NotImplementedError

    def version_string(self) -> str:
        return self.server_version  # the Server header, without Python's version

    def log_message(self, format: str, *args: Any) -> None:
        return


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: Any = None  # the object the handlers serve (a front), reached as self.server.owner

    def __init__(self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None):
        super().__init__((LOOPBACK, 0), handler)
        self.context = context

    def get_request(self) -> tuple[socket.socket, Any]:
        # The handshake happens in the request's thread (see finish_request), not here: one
        # client that stalls before its hello must not hold up the others.
        return self.socket.accept()

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.context is None:
            super().finish_request(request, client_address)
            return
        try:
            wrapped = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that gave up or refused our certificate: nothing to serve
        # The TLS socket owns the connection from here (the plain one is detached).
        with wrapped:
            super().finish_request(wrapped, client_address)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: Any = None


class Background:
    """A server bound to a free loopback port, serving from a daemon thread until ``stop``."""

    def __init__(self, server: socketserver.TCPServer) -> None:
        self.server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    @classmethod
    def http(
        cls, handler: type[BaseHTTPRequestHandler], owner: Any, context: ssl.SSLContext | None
    ) -> Background:
        server = _HttpServer(handler, context)
        server.owner = owner
        return cls(server)

    @classmethod
    def tcp(cls, handler: type[socketserver.BaseRequestHandler], owner: Any) -> Background:
        server = _TcpServer((LOOPBACK, 0), handler)
        server.owner = owner
        return cls(server)

    @property
    def port(self) -> int:
        port: int = self.server.server_address[1]
        return port

    def start(self) -> Background:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)
