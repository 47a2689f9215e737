"""Logs: JSON lines; the per-request line is valid CloudWatch Embedded Metric Format."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from digits.web.observability import RequestLog, configure_logging


def emf_metrics(record: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Metric name -> (unit, dimensions), checking the EMF rules CloudWatch applies."""
    metadata = record["_aws"]
    assert isinstance(metadata["Timestamp"], int)
    found = {}
    for directive in metadata["CloudWatchMetrics"]:
        assert directive["Namespace"] == "Digits"
        for dimension_set in directive["Dimensions"]:
            for dimension in dimension_set:
                assert isinstance(record[dimension], str)  # dimensions are string members
            for metric in directive["Metrics"]:
                assert isinstance(record[metric["Name"]], int | float)  # values are members
                found[metric["Name"]] = (metric["Unit"], tuple(dimension_set))
    return found


def test_a_prediction_line_carries_latency_and_confidence_metrics() -> None:
    stream = io.StringIO()
    log = RequestLog("Digits", "digits", stream)
    log.emit(
        {"request_id": "r1", "status": 200, "error": None, "latency_ms": 1.5, "confidence": 0.9}
    )
    record = json.loads(stream.getvalue())
    assert record["request_id"] == "r1" and record["service"] == "digits"
    assert emf_metrics(record) == {
        "latency_ms": ("Milliseconds", ("service",)),
        "confidence": ("None", ("service",)),
    }


def test_an_error_line_counts_the_error_by_code() -> None:
    stream = io.StringIO()
    log = RequestLog("Digits", "digits", stream)
    log.emit({"status": 413, "error": "too_large", "latency_ms": 0.3, "confidence": None})
    record = json.loads(stream.getvalue())
    assert record["errors"] == 1
    assert emf_metrics(record) == {
        "latency_ms": ("Milliseconds", ("service",)),
        "errors": ("Count", ("service", "error")),
    }


def test_only_the_first_request_is_a_cold_start() -> None:
    stream = io.StringIO()
    log = RequestLog("Digits", "digits", stream)
    for _ in range(3):
        log.emit({"status": 200, "latency_ms": 1.0})
    assert [json.loads(line)["cold_start"] for line in stream.getvalue().splitlines()] == [
        True,
        False,
        False,
    ]


def test_log_records_are_json_with_their_fields_and_exception() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    configure_logging("INFO", stream)  # idempotent: still one handler, one line per record
    logger = logging.getLogger("digits.test")
    logger.debug("hidden")
    logger.info("hello %s", "there", extra={"fields": {"request_id": "r2"}})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first == {
        "level": "INFO",
        "logger": "digits.test",
        "message": "hello there",
        "request_id": "r2",
    }
    assert second["level"] == "ERROR" and "RuntimeError: boom" in second["exception"]
    configure_logging("INFO")
