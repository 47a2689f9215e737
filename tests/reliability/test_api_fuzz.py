"""The API against its own OpenAPI schema, fuzzed by schemathesis on a real server."""

from __future__ import annotations

import pytest
from tests.reliability.api_fuzz import run_schemathesis

from tools.serve_process import ServeProcess

pytestmark = pytest.mark.slow

# Per operation and phase: a few hundred requests in all, a few seconds on 2 cores.
MAX_EXAMPLES = 40


def test_no_5xx_and_every_answer_matches_the_schema() -> None:
    with ServeProcess(env={"LOG_LEVEL": "WARNING"}, api_only=True) as server:
        report = run_schemathesis(server.url, MAX_EXAMPLES)
    console = report["console"]
    assert report["failures"] == [] and report["errors"] == [], console
    assert report["exit_code"] == 0, console
    assert report["operations"]["tested"] == 3, console  # POST /predict, GET /health, /model
    phases = report["phases"]
    assert {name: phases[name]["status"] for name in ("coverage", "fuzzing")} == {
        "coverage": "success",
        "fuzzing": "success",
    }, console
    # /health and /model take no input: most cases are for /predict.
    assert report["test_cases"]["generated"] >= MAX_EXAMPLES
