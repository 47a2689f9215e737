"""Around every request: its id, the gateway's root_path, the last-resort 500, one log line.

A plain ASGI middleware (not BaseHTTPMiddleware: no extra task or body copy per
request). Routes and the error handler add what they know (digit, confidence,
error code, stage timings) to ``request.state.outcome``; this writes it out.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digits.web.gateway import apply_root_path
from digits.web.observability import RequestLog

logger = logging.getLogger("digits.request")

REQUEST_ID_HEADER = b"x-request-id"


class RequestMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        request_log: RequestLog,
        internal_error: Callable[[str], Response],
    ) -> None:
        self.app = app
        self.request_log = request_log
        self.internal_error = internal_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        apply_root_path(scope)
        request_id = request_id_of(scope)
        outcome: dict[str, Any] = {}
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["outcome"] = outcome
        status = 0
        body_bytes = 0

        async def counting_receive() -> Message:
            nonlocal body_bytes
            message = await receive()
            if message["type"] == "http.request":
                body_bytes += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_id)
        except Exception:
            # Whatever escaped the domain error handler: details to the log only.
            logger.exception("unhandled error", extra={"fields": {"request_id": request_id}})
            outcome["error"] = "internal"
            if status == 0:
                await self.internal_error(request_id)(scope, receive, send_with_id)
            status = status or 500
        finally:
            self.request_log.emit(
                {
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "error": outcome.get("error"),
                    "digit": outcome.get("digit"),
                    "confidence": outcome.get("confidence"),
                    "uncertain": outcome.get("uncertain"),
                    "number_length": outcome.get("number_length"),
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    "body_bytes": body_bytes,
                    "stages_ms": outcome.get("stages_ms"),
                }
            )


def request_id_of(scope: Scope) -> str:
    """Lambda's request id (as in its START/END log lines), else a fresh one."""
    context = scope.get("aws.context")
    request_id = getattr(context, "aws_request_id", None)
    if isinstance(request_id, str) and request_id:
        return request_id
    return uuid.uuid4().hex
