"""The events/ expectations of tests/lambda/test_handler_events.py, for a handler that runs
elsewhere (`sam local invoke`, the image under the emulator). Reused, not copied: the test
modules here import these tests and give them a ``handler`` fixture of their own.

Lambda, not the test, chooses the request id on these paths, so the tests that compare it
with a fixed one are left out; test_every_event_is_answered checks it is Lambda's.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from typing import Any

from tests.function_support import EVENTS, PREDICT_ANSWER_KEYS

HANDLER_EVENTS = importlib.import_module("tests.lambda.test_handler_events")  # "lambda": a keyword
test_health_and_model_events = HANDLER_EVENTS.test_health_and_model_events
test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage = (
    HANDLER_EVENTS.test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage
)
test_docs_behind_the_http_api_default_stage_have_no_prefix = (
    HANDLER_EVENTS.test_docs_behind_the_http_api_default_stage_have_no_prefix
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EVENT_NAMES = sorted(path.stem for path in EVENTS.glob("*.json"))
# A handler takes (event, context) and returns the Lambda result, as digits.handler does.
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def predicted_digits() -> dict[str, int]:
    """The digit each predict event must get: test_predict_events_are_answered's table."""
    (table,) = [
        mark.args[1]
        for mark in HANDLER_EVENTS.test_predict_events_are_answered.pytestmark
        if mark.name == "parametrize"
    ]
    return dict(table)


def key(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True)


def check_event_answer(name: str, result: dict[str, Any]) -> None:
    """Any event: 200, JSON (HTML for /docs), Lambda's request id; predict: the digit."""
    assert result["statusCode"] == 200, result
    headers = {field.lower(): value for field, value in result["headers"].items()}
    assert UUID.match(headers["x-request-id"])
    wanted = "text/html" if name.endswith("-docs") else "application/json"
    assert headers["content-type"].startswith(wanted), headers
    digits = predicted_digits()
    if name in digits:
        body = json.loads(result["body"])
        assert set(body) == PREDICT_ANSWER_KEYS and body["digit"] == digits[name]
