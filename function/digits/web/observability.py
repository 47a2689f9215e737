"""Logs as JSON lines on stdout, and one line per request that is also CloudWatch metrics.

The per-request line is in CloudWatch's Embedded Metric Format (EMF): its ``_aws``
key tells CloudWatch Logs to extract ``latency_ms``, ``confidence`` and ``errors``
(by error code) as metrics, with no agent and no API call. Powertools for AWS
Lambda was measured (README, "Function / API"): about 10 ms of cold start, which
fits, but its decorators would wrap the handler (here exactly Mangum's), it writes
metrics and log as separate lines, and it adds two packages to the image for what
these few lines do; so this module stays.

Never logged: image data or request bodies (only their size).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

LOGGER_NAME = "digits"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _JsonLines(logging.Handler):
    """Writes to the stream current at each record (sys.stdout unless given)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self._stream or sys.stdout
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Route the ``digits`` loggers to stdout as JSON (idempotent).

    They do not propagate: the Lambda runtime's root handler would prefix each line
    with text, and CloudWatch reads EMF only from lines that are pure JSON.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    logger.propagate = False
    for handler in list(logger.handlers):
        if isinstance(handler, _JsonLines):
            logger.removeHandler(handler)
    logger.addHandler(_JsonLines(stream))


class RequestLog:
    """Writes the per-request line; metrics must not depend on LOG_LEVEL, so no logging."""

    def __init__(self, namespace: str, service: str, stream: TextIO | None = None) -> None:
        self._namespace = namespace
        self._service = service
        self._stream = stream
        self._cold = True

    def emit(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Write one line for a finished request; ``fields`` has status, latency_ms..."""
        record: dict[str, Any] = {"level": "INFO", "logger": "digits.request", "message": "request"}
        record.update(fields)
        record["service"] = self._service
        record["cold_start"], self._cold = self._cold, False
        record["_aws"] = {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": self._directives(record),
        }
        if record.get("error"):
            record["errors"] = 1
        stream = self._stream or sys.stdout
        stream.write(json.dumps(record, default=str) + "\n")
        stream.flush()
        return record

    def _directives(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        metrics: list[dict[str, str]] = [{"Name": "latency_ms", "Unit": "Milliseconds"}]
        if record.get("confidence") is not None:
            metrics.append({"Name": "confidence", "Unit": "None"})
        directives: list[dict[str, Any]] = [
            {"Namespace": self._namespace, "Dimensions": [["service"]], "Metrics": metrics}
        ]
        if record.get("error"):
            directives.append(
                {
                    "Namespace": self._namespace,
                    "Dimensions": [["service", "error"]],
                    "Metrics": [{"Name": "errors", "Unit": "Count"}],
                }
            )
        return directives
